//! The Sigma backend: detection rules in the generic Sigma format, for any SIEM that has a Sigma
//! converter (pySigma and sigma-cli, among others).
//!
//! One rule per hunt (`hunt::HUNTS`: a log source category and a kind of indicator). Each is
//! one YAML document carrying the detection's metadata, the selections that match the
//! indicators, and the write-up's exclusions: as `filter_*` search identifiers under
//! `--exclusions apply`, otherwise under `falsepositives` with their expression.
//!
//! A detection file's level and ATT&CK tags replace the ones derived here, and its log sources
//! (`logsource.<category>.<category|product|service>` settings) replace the taxonomy's. Under
//! `--emit rule` each rule is also a file named from its title (`Emission::rules`).

mod exclusions;
mod hunt;
mod logsource;
mod rule;
mod selection;
mod value;
mod yaml;

use std::collections::BTreeMap;

use ioc_core::{
    register_backend, Artifact, Backend, Detection, Emission, EmitError, EmitOptions,
    IndicatorKind, Output,
};

use crate::rule::LogsourceOverride;

/// The Sigma backend.
pub struct Sigma;

register_backend!(Sigma);

impl Backend for Sigma {
    fn name(&self) -> &'static str {
        "sigma"
    }

    fn description(&self) -> &'static str {
        "Sigma detection rules (YAML), one per log source and indicator kind"
    }

    fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    fn kinds(&self) -> &'static [IndicatorKind] {
        hunt::KINDS
    }

    fn file_extension(&self) -> &'static str {
        "yml"
    }

    fn rule_format(&self) -> Option<&'static str> {
        Some("Sigma rule files (.yml), one per rule, named from its title")
    }

    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError> {
        if let Some(profile) = &options.profile {
            return Err(EmitError::UnknownProfile {
                backend: "sigma",
                profile: profile.clone(),
                choices: "none (the sigma backend has no profiles)".to_string(),
            });
        }
        let logsources = logsources(&options.settings).map_err(|message| EmitError::Invalid {
            backend: "sigma",
            message,
        })?;
        let mut emission = Emission::default();
        let mut covered = vec![false; detection.indicators.len()];
        for hunt in hunt::HUNTS {
            let indices: Vec<usize> = (0..detection.indicators.len())
                .filter(|&i| hunt.kinds.contains(&detection.indicators[i].kind()))
                .collect();
            if indices.is_empty() {
                continue;
            }
            for &i in &indices {
                covered[i] = true;
            }
            let logsource = logsources
                .get(hunt.category.name())
                .cloned()
                .unwrap_or_default();
            let built = rule::build(detection, options, hunt, &indices, &logsource)?;
            if options.output == Output::Rules {
                let mut content = built.query.text.clone();
                content.push('\n');
                emission.rules.push(Artifact {
                    name: built.file_name,
                    content,
                });
            }
            emission.queries.push(built.query);
        }
        // The pipeline hands over only the kinds in `kinds()`, and each has a hunt; this keeps
        // the accounting whole if a caller passes more.
        for (i, indicator) in detection.indicators.iter().enumerate() {
            if !covered[i] {
                emission.skipped.push((
                    i,
                    format!("no Sigma log source hunts {} indicators", indicator.kind()),
                ));
            }
        }
        Ok(emission)
    }
}

/// The `logsource.<category>.<key>` settings (`key` one of category, product, service), by
/// category; any other setting is an error, so a misspelt one cannot silently do nothing.
fn logsources(
    settings: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, LogsourceOverride>, String> {
    let mut out: BTreeMap<String, LogsourceOverride> = BTreeMap::new();
    for (key, value) in settings {
        let parts: Vec<&str> = key.split('.').collect();
        let ["logsource", category, field] = parts.as_slice() else {
            return Err(format!(
                "unknown setting {key:?}; the sigma backend takes logsource.<category>.category, \
                 .product and .service"
            ));
        };
        if !hunt::HUNTS.iter().any(|h| h.category.name() == *category) {
            let mut names: Vec<&str> = hunt::HUNTS.iter().map(|h| h.category.name()).collect();
            names.dedup();
            return Err(format!(
                "setting {key}: no log source category {category:?}; categories are {}",
                names.join(", ")
            ));
        }
        let valid = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !valid {
            return Err(format!(
                "setting {key}={value:?}: a log source value is lower-case letters, digits, '_' \
                 and '-'"
            ));
        }
        let entry = out.entry(category.to_string()).or_default();
        let slot = match *field {
            "category" => &mut entry.category,
            "product" => &mut entry.product,
            "service" => &mut entry.service,
            _ => {
                return Err(format!(
                    "setting {key}: a log source has category, product and service"
                ))
            }
        };
        *slot = Some(value.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<BTreeMap<String, LogsourceOverride>, String> {
        logsources(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn log_source_settings_are_checked() {
        let got = parse(&[("logsource.proxy.product", "zeek")]).unwrap();
        assert_eq!(got["proxy"].product.as_deref(), Some("zeek"));
        assert!(parse(&[("logsource.nope.product", "x")])
            .unwrap_err()
            .contains("no log source category"));
        assert!(parse(&[("logsource.proxy.vendor", "x")]).is_err());
        assert!(parse(&[("logsource.proxy.product", "Zeek Logs")]).is_err());
        assert!(parse(&[("watchlist", "x")])
            .unwrap_err()
            .contains("unknown setting"));
    }
}
