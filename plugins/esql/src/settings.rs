//! The backend's settings (`--set KEY=VALUE`): which indices each target reads.
//!
//! `index` sets the pattern for every target, `index.<target>` for one (`index.dns=logs-dns*`);
//! the more specific key wins, and `logs-*` is the default. A pattern is written unquoted after
//! `FROM`, so it is checked against the characters index names and patterns may hold
//! ("Multi-target syntax" and index naming rules in the Elasticsearch reference), plus an
//! optional `cluster:` prefix for cross-cluster search. Anything else is refused, never quoted.

use std::collections::BTreeMap;

use crate::schema::{Target, DEFAULT_INDEX, TARGETS};

/// The index pattern of every target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indices {
    by_target: BTreeMap<&'static str, String>,
}

impl Indices {
    pub fn from_settings(settings: &BTreeMap<String, String>) -> Result<Indices, String> {
        for key in settings.keys() {
            let known = key == "index"
                || key
                    .strip_prefix("index.")
                    .is_some_and(|t| TARGETS.iter().any(|target| target.name == t));
            if !known {
                return Err(format!(
                    "unknown setting {key:?}; the settings are {}",
                    setting_names().join(", ")
                ));
            }
        }
        let mut by_target = BTreeMap::new();
        for target in TARGETS {
            let pattern = settings
                .get(&format!("index.{}", target.name))
                .or_else(|| settings.get("index"))
                .map_or(DEFAULT_INDEX, String::as_str);
            by_target.insert(target.name, check_pattern(pattern)?);
        }
        Ok(Indices { by_target })
    }

    pub fn of(&self, target: &Target) -> &str {
        &self.by_target[target.name]
    }
}

/// Every setting key, for messages and documentation.
pub fn setting_names() -> Vec<String> {
    let mut names = vec!["index".to_string()];
    names.extend(TARGETS.iter().map(|t| format!("index.{}", t.name)));
    names
}

/// Normalises `a, b` to `a,b` and checks each part.
fn check_pattern(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    for part in &parts {
        let name = match part.split_once(':') {
            Some((cluster, name)) if is_name(cluster, false) => name,
            Some(_) => return Err(bad(text, part)),
            None => part,
        };
        let name = name.strip_prefix('-').unwrap_or(name);
        if !is_name(name, true) {
            return Err(bad(text, part));
        }
    }
    Ok(parts.join(","))
}

fn is_name(text: &str, lower_only: bool) -> bool {
    !text.is_empty()
        && !text.starts_with(['_', '+', '.'])
        && text.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || b"-_.*+".contains(&b)
                || (!lower_only && b.is_ascii_uppercase())
        })
}

fn bad(text: &str, part: &str) -> String {
    format!(
        "index pattern {text:?}: {part:?} is not an index name or pattern (lower-case letters, \
         digits, - _ . + and *, optionally after cluster:)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn specific_beats_general_beats_default() {
        let indices = Indices::from_settings(&settings(&[
            ("index", "logs-endpoint*, logs-network*"),
            ("index.dns", "remote:logs-dns-*"),
        ]))
        .unwrap();
        let target = |name: &str| TARGETS.iter().find(|t| t.name == name).unwrap();
        assert_eq!(indices.of(target("dns")), "remote:logs-dns-*");
        assert_eq!(indices.of(target("file")), "logs-endpoint*,logs-network*");
        let defaults = Indices::from_settings(&BTreeMap::new()).unwrap();
        assert_eq!(defaults.of(target("web")), "logs-*");
    }

    #[test]
    fn refuses_unknown_keys_and_unsafe_patterns() {
        assert!(Indices::from_settings(&settings(&[("index.nope", "x")]))
            .unwrap_err()
            .contains("index.network"));
        for pattern in [
            "",
            "logs-* | DROP x",
            "Logs",
            "a//b",
            "logs-\"x",
            "a,,b",
            "_x",
        ] {
            assert!(
                Indices::from_settings(&settings(&[("index", pattern)])).is_err(),
                "{pattern:?}"
            );
        }
        assert!(Indices::from_settings(&settings(&[("index", "logs-*,-logs-test*")])).is_ok());
    }
}
