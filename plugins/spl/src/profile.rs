//! Profiles and settings: which form the searches take, and the names they use.
//!
//! `cim` (the default) runs `tstats` over the CIM data models, where every field carries its
//! dataset prefix (`All_Traffic.dest_ip`). `raw` runs a plain `search` over events; its indexes,
//! source types and field names come from `EmitOptions::settings`, listed in the crate
//! documentation. Settings are checked here: an unknown key is an error, so a misspelt setting
//! cannot silently do nothing, and a field name may only hold characters that mean the same
//! unquoted in a search term and single-quoted in an eval expression.

use std::collections::BTreeMap;

use ioc_core::IndicatorKind;

use crate::literal;
use crate::schema::{Dataset, DATASETS};

/// The form of the searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Cim,
    Raw,
}

impl Profile {
    pub const NAMES: &'static [&'static str] = &["cim", "raw"];

    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "cim" => Some(Profile::Cim),
            "raw" => Some(Profile::Raw),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Cim => "cim",
            Profile::Raw => "raw",
        }
    }

    /// For comments: what the search reads.
    pub fn display(self) -> &'static str {
        match self {
            Profile::Cim => "Splunk CIM data model",
            Profile::Raw => "Splunk raw-event",
        }
    }
}

/// The settings, checked.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub summaries_only: bool,
    /// The lookup table's name in lookup mode, when the user names it.
    pub lookup: Option<String>,
    /// By dataset key; `""` holds the default for every dataset.
    indexes: BTreeMap<String, Vec<String>>,
    sourcetypes: BTreeMap<String, Vec<String>>,
    fields: BTreeMap<String, String>,
}

impl Settings {
    pub fn parse(profile: Profile, given: &BTreeMap<String, String>) -> Result<Settings, String> {
        let mut settings = Settings::default();
        for (key, value) in given {
            let (name, rest) = match key.split_once('.') {
                Some((name, rest)) => (name, Some(rest)),
                None => (key.as_str(), None),
            };
            if key == "lookup" {
                check_table_name(key, value)?;
                settings.lookup = Some(value.clone());
                continue;
            }
            let wanted = match name {
                "summariesonly" if rest.is_none() => Profile::Cim,
                "index" | "sourcetype" | "field" => Profile::Raw,
                _ => return Err(unknown(profile, key)),
            };
            if wanted != profile {
                return Err(format!(
                    "setting {key} applies to profile {}, not {}",
                    wanted.name(),
                    profile.name()
                ));
            }
            match name {
                "summariesonly" => {
                    settings.summaries_only = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(format!("setting {key}={value}: expected true or false")),
                    }
                }
                "index" | "sourcetype" => {
                    let dataset = dataset_key(key, rest)?;
                    let list = pattern_list(key, value)?;
                    let map = if name == "index" {
                        &mut settings.indexes
                    } else {
                        &mut settings.sourcetypes
                    };
                    map.insert(dataset, list);
                }
                _ => {
                    let role = rest.ok_or_else(|| unknown(profile, key))?;
                    check_role(key, role)?;
                    check_field_name(key, value)?;
                    settings.fields.insert(role.to_string(), value.clone());
                }
            }
        }
        Ok(settings)
    }

    /// The indexes to search for `dataset`.
    pub fn indexes(&self, dataset: &Dataset) -> Vec<String> {
        self.for_dataset(&self.indexes, dataset)
            .unwrap_or_else(|| vec!["*".to_string()])
    }

    /// The source types to search for `dataset`; empty means any.
    pub fn sourcetypes(&self, dataset: &Dataset) -> Vec<String> {
        self.for_dataset(&self.sourcetypes, dataset)
            .unwrap_or_default()
    }

    fn for_dataset(
        &self,
        map: &BTreeMap<String, Vec<String>>,
        dataset: &Dataset,
    ) -> Option<Vec<String>> {
        map.get(dataset.key).or_else(|| map.get("")).cloned()
    }
}

fn unknown(profile: Profile, key: &str) -> String {
    let takes = match profile {
        Profile::Cim => "summariesonly, lookup",
        Profile::Raw => {
            "index, sourcetype, index.<dataset>, sourcetype.<dataset>, field.<role>, lookup"
        }
    };
    format!(
        "unknown setting {key:?}; profile {} takes {takes}",
        profile.name()
    )
}

fn dataset_key(key: &str, rest: Option<&str>) -> Result<String, String> {
    match rest {
        None => Ok(String::new()),
        Some(name) if DATASETS.iter().any(|d| d.key == name) => Ok(name.to_string()),
        Some(name) => {
            let keys: Vec<&str> = DATASETS.iter().map(|d| d.key).collect();
            Err(format!(
                "setting {key}: no dataset {name:?}; datasets are {}",
                keys.join(", ")
            ))
        }
    }
}

fn pattern_list(key: &str, value: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = value.split(',').map(|s| s.trim().to_string()).collect();
    for item in &items {
        if literal::pattern(item).is_none() {
            return Err(format!(
                "setting {key}={value:?}: {item:?} is empty or holds a backtick or a control \
                 character"
            ));
        }
    }
    Ok(items)
}

fn check_role(key: &str, role: &str) -> Result<(), String> {
    let (base, algorithm) = match role.split_once('.') {
        Some((base, algorithm)) => (base, Some(algorithm)),
        None => (role, None),
    };
    let known = DATASETS.iter().flat_map(|d| d.roles()).any(|r| r == base);
    let hash_role = base.ends_with("_hash");
    let algorithm_ok = match algorithm {
        None => true,
        Some(a) => hash_role && ["md5", "sha1", "sha256"].contains(&a),
    };
    if known && algorithm_ok {
        return Ok(());
    }
    let mut roles: Vec<&str> = DATASETS.iter().flat_map(|d| d.roles()).collect();
    roles.sort_unstable();
    roles.dedup();
    Err(format!(
        "setting {key}: {role:?} is not a field role; roles are {} (a hash role may end in \
         .md5, .sha1 or .sha256)",
        roles.join(", ")
    ))
}

/// Field names go into search terms unquoted and into eval expressions in single quotes, so
/// they are kept to a set of characters that means the same in both.
fn check_field_name(key: &str, name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        return Ok(());
    }
    Err(format!(
        "setting {key}={name:?}: a field name is ASCII letters, digits, '_' and '.', starting \
         with a letter or '_'"
    ))
}

/// A lookup table name goes into the `lookup` command as a bare word, so it is kept to
/// characters that cannot end it or start anything else.
fn check_table_name(key: &str, name: &str) -> Result<(), String> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        return Ok(());
    }
    Err(format!(
        "setting {key}={name:?}: a lookup name is ASCII letters, digits, '_', '.' and '-', \
         starting with a letter or digit"
    ))
}

/// Turns roles into the field names one query uses.
pub struct Naming<'a> {
    pub profile: Profile,
    pub dataset: &'a Dataset,
    pub settings: &'a Settings,
}

impl<'a> Naming<'a> {
    pub fn new(profile: Profile, dataset: &'a Dataset, settings: &'a Settings) -> Self {
        Naming {
            profile,
            dataset,
            settings,
        }
    }

    pub fn field(&self, role: &str) -> String {
        match self.profile {
            Profile::Cim => format!("{}.{role}", self.dataset.node),
            Profile::Raw => self
                .settings
                .fields
                .get(role)
                .cloned()
                .unwrap_or_else(|| role.to_string()),
        }
    }

    /// The field for hashes of `kind`: the role's field, unless the raw profile names one for
    /// the algorithm.
    pub fn hash_field(&self, role: &str, kind: IndicatorKind) -> String {
        let specific = match self.profile {
            Profile::Cim => None,
            Profile::Raw => self.settings.fields.get(&format!("{role}.{kind}")),
        };
        specific.cloned().unwrap_or_else(|| self.field(role))
    }

    /// What the query reads, for [`ioc_core::Query::target`] and the header comment.
    pub fn target(&self) -> String {
        match self.profile {
            Profile::Cim => self.dataset.path(),
            Profile::Raw => format!(
                "{} events in index={}",
                self.dataset.title,
                self.settings.indexes(self.dataset).join(",")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(profile: Profile, pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::parse(profile, &map)
    }

    #[test]
    fn raw_settings_name_indexes_and_fields() {
        let s = parse(
            Profile::Raw,
            &[
                ("index", "main, proxy*"),
                ("index.dns", "dns"),
                ("field.dest_ip", "DestinationIp"),
                ("field.file_hash.sha256", "SHA256"),
            ],
        )
        .unwrap();
        let dns = DATASETS.iter().find(|d| d.key == "dns").unwrap();
        let web = DATASETS.iter().find(|d| d.key == "web").unwrap();
        assert_eq!(s.indexes(dns), ["dns"]);
        assert_eq!(s.indexes(web), ["main", "proxy*"]);
        assert!(s.sourcetypes(web).is_empty());
        let files = DATASETS.iter().find(|d| d.key == "filesystem").unwrap();
        let naming = Naming::new(Profile::Raw, files, &s);
        assert_eq!(
            naming.hash_field("file_hash", IndicatorKind::Sha256),
            "SHA256"
        );
        assert_eq!(
            naming.hash_field("file_hash", IndicatorKind::Md5),
            "file_hash"
        );
    }

    #[test]
    fn bad_settings_are_errors() {
        let err = |p, pairs: &[(&str, &str)]| parse(p, pairs).unwrap_err();
        assert!(err(Profile::Cim, &[("index", "main")]).contains("applies to profile raw"));
        assert!(err(Profile::Raw, &[("summariesonly", "true")]).contains("profile cim"));
        assert!(err(Profile::Raw, &[("indx", "main")]).contains("unknown setting"));
        assert!(err(Profile::Raw, &[("index.nosuch", "a")]).contains("no dataset"));
        assert!(err(Profile::Raw, &[("index", "a,,b")]).contains("empty"));
        assert!(err(Profile::Raw, &[("field.dest_ip", "x' OR 1")]).contains("field name"));
        assert!(err(Profile::Raw, &[("field.nosuch", "x")]).contains("not a field role"));
        assert!(err(Profile::Raw, &[("field.dest_ip.md5", "x")]).contains("not a field role"));
        assert!(err(Profile::Cim, &[("summariesonly", "yes")]).contains("true or false"));
    }
}
