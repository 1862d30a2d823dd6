//! The KQL backend: hunting queries for Microsoft Sentinel (the default profile) and Defender XDR
//! advanced hunting (`--profile defender`).
//!
//! One query per table. Each opens with comments naming the detection, its sources and what it
//! covers, filters on the lookback, matches the indicators the table can see, carries the
//! exclusions (disabled unless `--exclusions apply`), and projects what an analyst needs.

mod exclusions;
mod literal;
mod matching;
mod schema;

use std::collections::BTreeMap;
use std::fmt::Write;

use ioc_core::text::{single_line, slug};
use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, ExclusionMode,
    ExclusionState, ExclusionUse, Indicator, IndicatorKind, Query,
};

pub use literal::string as string_literal;
pub use schema::Profile;

use crate::schema::Table;

/// The KQL backend.
pub struct Kql;

register_backend!(Kql);

impl Backend for Kql {
    fn name(&self) -> &'static str {
        "kql"
    }

    fn description(&self) -> &'static str {
        "Kusto (KQL) hunting queries for Microsoft Sentinel and Defender XDR"
    }

    fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    fn kinds(&self) -> &'static [IndicatorKind] {
        &IndicatorKind::ALL
    }

    fn profiles(&self) -> &'static [&'static str] {
        Profile::NAMES
    }

    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError> {
        let profile = match options.profile.as_deref() {
            None => Profile::Sentinel,
            Some(name) => Profile::from_name(name).ok_or_else(|| EmitError::UnknownProfile {
                backend: "kql",
                profile: name.to_string(),
                choices: Profile::NAMES.join(", "),
            })?,
        };
        let mut emission = Emission::default();
        let mut covered = vec![false; detection.indicators.len()];
        for table in profile.tables() {
            if let Some(query) = table_query(detection, options, profile, table) {
                for &i in &query.indicators {
                    covered[i] = true;
                }
                emission.queries.push(query);
            }
        }
        for (i, indicator) in detection.indicators.iter().enumerate() {
            if !covered[i] {
                emission.skipped.push((
                    i,
                    format!(
                        "no {} table hunts {} indicators",
                        profile.display(),
                        indicator.kind()
                    ),
                ));
            }
        }
        let missing = profile.missing_tables();
        if !missing.is_empty() {
            emission.notes.push(format!(
                "profile {}: {} are not advanced-hunting tables, so no queries were emitted for them",
                profile.name(),
                missing.join(" and ")
            ));
        }
        Ok(emission)
    }
}

fn table_query(
    detection: &Detection,
    options: &EmitOptions,
    profile: Profile,
    table: &Table,
) -> Option<Query> {
    let mut indices = Vec::new();
    let mut extends = Vec::new();
    let mut disjuncts = Vec::new();
    for hunt in table.hunts {
        let kinds = hunt.kinds();
        let chosen: Vec<(usize, &Indicator)> = detection
            .indicators
            .iter()
            .enumerate()
            .filter(|(_, ind)| kinds.contains(&ind.kind()))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let refs: Vec<&Indicator> = chosen.iter().map(|(_, ind)| *ind).collect();
        let m = matching::build(hunt, &refs);
        if m.disjuncts.is_empty() {
            continue;
        }
        indices.extend(chosen.iter().map(|(i, _)| *i));
        extends.extend(m.extends);
        disjuncts.extend(m.disjuncts);
    }
    if disjuncts.is_empty() {
        return None;
    }
    indices.sort_unstable();
    indices.dedup();

    let time = profile.time_column();
    let mut text = String::new();
    header(&mut text, detection, profile, table, &indices);
    let _ = writeln!(text, "{}", table.name);
    let _ = writeln!(text, "| where {time} > ago({})", options.lookback);
    if !extends.is_empty() {
        let list: Vec<String> = extends.iter().map(|(n, e)| format!("{n} = {e}")).collect();
        let _ = writeln!(text, "| extend {}", list.join(", "));
    }
    let _ = writeln!(text, "| where {}", disjuncts.join("\n    or "));
    let uses = exclusion_lines(&mut text, detection, options, table);
    let mut project = vec![time.to_string()];
    project.extend(table.project.iter().map(|c| c.to_string()));
    project.extend(extends.iter().map(|(n, _)| n.clone()));
    let _ = writeln!(text, "| project {}", project.join(", "));
    let _ = write!(text, "| order by {time} desc");

    Some(Query {
        name: format!(
            "{}-{}",
            slug(detection.label()),
            table.name.to_ascii_lowercase()
        ),
        target: table.name.to_string(),
        text,
        indicators: indices,
        exclusions: uses,
    })
}

fn header(
    text: &mut String,
    detection: &Detection,
    profile: Profile,
    table: &Table,
    idx: &[usize],
) {
    let mut counts: BTreeMap<IndicatorKind, usize> = BTreeMap::new();
    for &i in idx {
        *counts.entry(detection.indicators[i].kind()).or_default() += 1;
    }
    let by_kind: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(
        text,
        "// {}: {} hunt in {}",
        single_line(&detection.title),
        profile.display(),
        table.name
    );
    let _ = writeln!(
        text,
        "// Source: {} | Family: {} | Indicators: {} ({})",
        single_line(&detection.sources.join(", ")),
        single_line(detection.family.as_deref().unwrap_or("unknown")),
        idx.len(),
        by_kind.join(", ")
    );
}

/// Writes the exclusion lines and returns what was done with each exclusion.
fn exclusion_lines(
    text: &mut String,
    detection: &Detection,
    options: &EmitOptions,
    table: &Table,
) -> Vec<ExclusionUse> {
    let mut uses = Vec::new();
    for exclusion in &detection.exclusions {
        let said = single_line(&exclusion.text);
        let id = &exclusion.id;
        let state = match exclusion.expr() {
            None => {
                let _ = writeln!(text, "// Exclusion {id} (prose, not applied): {said}");
                ExclusionState::Prose
            }
            Some(expr) => match exclusions::compile(expr, table) {
                Err(reason) => {
                    let _ = writeln!(text, "// Exclusion {id} is left out here: {reason}: {said}");
                    ExclusionState::Omitted { reason }
                }
                Ok(condition) => match options.exclusions {
                    ExclusionMode::Comment => {
                        let _ = writeln!(
                            text,
                            "// Exclusion {id} (suggested; delete the // below to apply): {said}"
                        );
                        let _ = writeln!(text, "// | where not({condition})");
                        ExclusionState::Commented
                    }
                    ExclusionMode::Apply => {
                        let _ = writeln!(text, "// Exclusion {id} (applied): {said}");
                        let _ = writeln!(text, "| where not({condition})");
                        ExclusionState::Applied
                    }
                },
            },
        };
        uses.push(ExclusionUse {
            id: id.clone(),
            state,
        });
    }
    uses
}
