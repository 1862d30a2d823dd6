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
//!
//! # Size
//!
//! A hunt with many indicators becomes several rules, split by a hash of each value
//! (`ioc_core::partition`): each indicator is in exactly one rule of its hunt, and adding one
//! changes only the rule it lands in. The part's hash-prefix label goes into the rule's name,
//! title, description and id. A rule holds at most [`MAX_VALUES_PER_LIST`] values in one list
//! (or that many ip:port selections) and, with `--max-query-chars`, at most that many
//! characters of YAML. Sigma has no lookup tables, so `--mode lookup` splits inline the same
//! way and says so in a note.

mod exclusions;
mod hunt;
mod logsource;
mod rule;
mod selection;
mod value;
mod yaml;

use std::collections::BTreeMap;

use ioc_core::partition::{self, Limit};
use ioc_core::{
    register_backend, Artifact, Backend, Detection, Emission, EmitError, EmitOptions,
    IndicatorKind, Mode, Output,
};

use crate::hunt::Hunt;
use crate::rule::{Built, LogsourceOverride};

/// The most values one rule lists for a field, or ip:port selections it holds.
///
/// A Sigma rule has no size limit of its own; its conversions do. pySigma's Kusto backend
/// writes a value list as an `in~` list, and Kusto's "in operator" reference (Performance tips)
/// says text index lookup is given up beyond 128 search terms; each pair selection becomes one
/// term of an `or` chain, which Kusto's parser refuses at about 490 terms.
pub const MAX_VALUES_PER_LIST: usize = 128;

/// Room kept for what a part label adds to a rule (its title, description and id line) when
/// `--max-query-chars` is measured before the label is known.
const LABEL_SLACK: usize = 160;

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
        if options.mode == Mode::Lookup {
            emission.notes.push(format!(
                "lookup mode is for the KQL and SPL backends only: Sigma has no lookup tables, so \
                 these rules list their values inline, split into parts of at most \
                 {MAX_VALUES_PER_LIST} values where a hunt has more"
            ));
        }
        let detection_date = rule::earliest_date(detection.indicators.iter());
        let mut covered = vec![false; detection.indicators.len()];
        // Each hunt scans the kinds, a byte apiece, not the indicators themselves.
        let kind_of: Vec<IndicatorKind> = detection.indicators.iter().map(|i| i.kind()).collect();
        for hunt in hunt::HUNTS {
            let indices: Vec<usize> = (0..kind_of.len())
                .filter(|&i| hunt.kinds.contains(&kind_of[i]))
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
            for built in hunt_rules(
                detection,
                options,
                hunt,
                &indices,
                &logsource,
                detection_date.as_deref(),
                &mut emission.notes,
            )? {
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

/// The rules of one hunt: one, or several parts when one would list too many values or, with
/// `--max-query-chars`, be too long.
fn hunt_rules(
    detection: &Detection,
    options: &EmitOptions,
    hunt: &Hunt,
    indices: &[usize],
    logsource: &LogsourceOverride,
    detection_date: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Vec<Built>, EmitError> {
    let fits = |subset: &[usize]| {
        // Counting first spares building the selections of parts far too broad to fit.
        let values = subset.iter().map(|&i| &detection.indicators[i].value);
        if selection::least_breadth(hunt.shape, values) > MAX_VALUES_PER_LIST {
            return false;
        }
        let indicators: Vec<_> = subset.iter().map(|&i| &detection.indicators[i]).collect();
        if selection::breadth(&selection::build(hunt.shape, &indicators)) > MAX_VALUES_PER_LIST {
            return false;
        }
        let Some(limit) = options.max_query_chars else {
            return true;
        };
        // A rule that cannot be written fits as well as any: rendering it reports the error.
        rule::build(
            detection,
            options,
            hunt,
            subset,
            logsource,
            "",
            detection_date,
        )
        .map_or(true, |b| {
            b.query.text.chars().count() + LABEL_SLACK <= limit
        })
    };
    partition::render_parts(
        indices,
        |&i| detection.indicators[i].value.to_string(),
        fits,
        |items, part| {
            rule::build(
                detection,
                options,
                hunt,
                items,
                logsource,
                part,
                detection_date,
            )
            .map(Some)
        },
        |built| &built.query,
        Limit {
            chars: options.max_query_chars,
            noun: "rule",
        },
        notes,
    )
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
