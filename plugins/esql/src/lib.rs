//! The Elastic backend: ES|QL hunting queries over Elastic Common Schema fields, for Discover,
//! the ES|QL query API or an Elastic Security ES|QL rule.
//!
//! One query per target (network, DNS, web, file, process and email events), each reading the
//! index pattern configured for it. A query opens with comments naming the detection and what it
//! covers, filters on the lookback, matches the indicators the target can see, carries the
//! exclusions (disabled unless `--exclusions apply`), and puts the fields it tested first.
//!
//! Built only on `ioc-core`'s public API, like a backend from outside this repository would be.

mod exclusions;
mod literal;
mod matching;
mod rlike;
mod schema;
mod settings;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write;

use ioc_core::length_floor::LengthFloor;
use ioc_core::partition::{self, Limit};
use ioc_core::text::{single_line, slug};
use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, ExclusionMode,
    ExclusionState, ExclusionUse, Indicator, IndicatorKind, Lookback, Mode, Query, TimeUnit,
};

use crate::schema::{Target, TARGETS};
use crate::settings::Indices;

/// The ES|QL backend.
pub struct Esql;

register_backend!(Esql);

impl Backend for Esql {
    fn name(&self) -> &'static str {
        "esql"
    }

    fn description(&self) -> &'static str {
        "Elastic ES|QL hunting queries over Elastic Common Schema fields"
    }

    fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    fn file_extension(&self) -> &'static str {
        "esql"
    }

    fn kinds(&self) -> &'static [IndicatorKind] {
        &IndicatorKind::ALL
    }

    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError> {
        let invalid = |message: String| EmitError::Invalid {
            backend: "esql",
            message,
        };
        if let Some(profile) = &options.profile {
            return Err(EmitError::UnknownProfile {
                backend: "esql",
                profile: profile.clone(),
                choices: "none (the esql backend has no profiles)".to_string(),
            });
        }
        let indices = Indices::from_settings(&options.settings).map_err(invalid)?;
        let mut emission = Emission::default();
        if options.mode == Mode::Lookup {
            emission.notes.push(
                "lookup mode is for the KQL and SPL backends only: these ES|QL queries list \
                 their values inline, split into parts where a hunt is over the size limit"
                    .to_string(),
            );
        }
        let mut covered = vec![false; detection.indicators.len()];
        for target in TARGETS {
            let index = indices.of(target);
            for query in target_queries(detection, options, target, index, &mut emission.notes) {
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
                    format!("no ES|QL target hunts {} indicators", indicator.kind()),
                ));
            }
        }
        Ok(emission)
    }
}

/// The longest query to write by default, in characters. ES|QL documents no length limit; this
/// is the same default as the other backends, so one `--max-query-chars` means the same for all.
pub const DEFAULT_MAX_QUERY_CHARS: usize = 10_000;

/// The most `OR` terms one `WHERE` may hold. The ES|QL parser refuses an expression nested
/// deeper than 400 levels, and it nests an `OR` chain one level per term.
const MAX_OR_TERMS: usize = 200;

/// Room left for the part label that a split adds to the header and the name.
const LABEL_SLACK: usize = 80;

/// The most rows a query returns: the default ceiling of ES|QL's result size.
const ROW_LIMIT: u32 = 10_000;

/// The queries for one target: one, or several parts when one would be too long.
fn target_queries(
    detection: &Detection,
    options: &EmitOptions,
    target: &Target,
    index: &str,
    notes: &mut Vec<String>,
) -> Vec<Query> {
    let candidates: Vec<usize> = (0..detection.indicators.len())
        .filter(|&i| target.hunts(detection.indicators[i].kind()))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let limit = options.max_query_chars.unwrap_or(DEFAULT_MAX_QUERY_CHARS);
    // Values alone past the limit cannot fit: refused without rendering the part.
    let floor = LengthFloor::new(&candidates, |i| &detection.indicators[i].value);
    let fits = |subset: &[usize]| {
        floor.at_most(subset, limit)
            && render(detection, options, target, index, subset, "").is_none_or(|(query, terms)| {
                query.text.chars().count() + LABEL_SLACK <= limit && terms <= MAX_OR_TERMS
            })
    };
    let Ok(queries) = partition::render_parts(
        &candidates,
        |&i| detection.indicators[i].value.to_string(),
        fits,
        |items, part| {
            Ok::<_, Infallible>(
                render(detection, options, target, index, items, part).map(|(query, _)| query),
            )
        },
        |query| query,
        Limit {
            chars: Some(limit),
            noun: "query",
        },
        notes,
    );
    queries
}

/// Renders the query for `items` (indices into the detection, sorted) and counts its `OR` terms.
fn render(
    detection: &Detection,
    options: &EmitOptions,
    target: &Target,
    index: &str,
    items: &[usize],
    part: &str,
) -> Option<(Query, usize)> {
    let mut indices = Vec::new();
    let mut evals = Vec::new();
    let mut disjuncts = Vec::new();
    let mut fields = Vec::new();
    for hunt in target.hunts {
        let kinds = hunt.kinds();
        let chosen: Vec<usize> = items
            .iter()
            .copied()
            .filter(|&i| kinds.contains(&detection.indicators[i].kind()))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let refs: Vec<&Indicator> = chosen.iter().map(|&i| &detection.indicators[i]).collect();
        let m = matching::build(hunt, &refs);
        if m.disjuncts.is_empty() {
            continue;
        }
        indices.extend(chosen);
        evals.extend(m.evals);
        disjuncts.extend(m.disjuncts);
        for field in m.fields {
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
    }
    if disjuncts.is_empty() {
        return None;
    }
    indices.sort_unstable();
    indices.dedup();

    let mut text = String::new();
    header(&mut text, detection, target, index, &indices, part);
    let _ = writeln!(text, "FROM {index}");
    let _ = writeln!(
        text,
        "| WHERE @timestamp > NOW() - {}",
        timespan(options.lookback)
    );
    for (name, expression) in &evals {
        let _ = writeln!(text, "| EVAL {name} = {expression}");
    }
    let _ = writeln!(text, "| WHERE {}", disjuncts.join("\n    OR "));
    let uses = exclusion_lines(&mut text, detection, options, target);
    let mut keep = vec!["@timestamp".to_string()];
    keep.extend(fields);
    keep.extend(evals.iter().map(|(name, _)| name.clone()));
    keep.push("*".to_string());
    let _ = writeln!(text, "| KEEP {}", keep.join(", "));
    let _ = writeln!(text, "| SORT @timestamp DESC");
    let _ = write!(text, "| LIMIT {ROW_LIMIT}");

    let mut name = format!("{}-{}", slug(detection.label()), target.name);
    if !part.is_empty() {
        let _ = write!(name, "-part-{part}");
    }
    let query = Query {
        name,
        target: target.name.to_string(),
        text,
        indicators: indices,
        exclusions: uses,
    };
    Some((query, disjuncts.len()))
}

/// A lookback as an ES|QL time span literal ("Timespan literals" in the syntax reference).
fn timespan(lookback: Lookback) -> String {
    let unit = match lookback.unit {
        TimeUnit::Days => "day",
        TimeUnit::Hours => "hour",
        TimeUnit::Minutes => "minute",
    };
    let plural = if lookback.amount == 1 { "" } else { "s" };
    format!("{} {unit}{plural}", lookback.amount)
}

fn header(
    text: &mut String,
    detection: &Detection,
    target: &Target,
    index: &str,
    idx: &[usize],
    part: &str,
) {
    let mut counts: BTreeMap<IndicatorKind, usize> = BTreeMap::new();
    for &i in idx {
        *counts.entry(detection.indicators[i].kind()).or_default() += 1;
    }
    let by_kind: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(
        text,
        "// {}: Elastic ES|QL hunt in {} ({index}){}",
        single_line(&detection.title),
        target.title,
        if part.is_empty() {
            String::new()
        } else {
            format!(", part {part} (hash bucket)")
        }
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
    target: &Target,
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
            Some(expr) => match exclusions::compile(expr, target) {
                Err(reason) => {
                    let _ = writeln!(
                        text,
                        "// Exclusion {id} is left out here: {}: {said}",
                        single_line(&reason)
                    );
                    ExclusionState::Omitted { reason }
                }
                Ok(condition) => {
                    let filter = format!("| WHERE NOT COALESCE({condition}, false)");
                    match options.exclusions {
                        ExclusionMode::Comment => {
                            let _ = writeln!(
                                text,
                                "// Exclusion {id} (suggested; delete the // below to apply): \
                                 {said}"
                            );
                            let _ = writeln!(text, "// {filter}");
                            ExclusionState::Commented
                        }
                        ExclusionMode::Apply => {
                            let _ = writeln!(text, "// Exclusion {id} (applied): {said}");
                            let _ = writeln!(text, "{filter}");
                            ExclusionState::Applied
                        }
                    }
                }
            },
        };
        uses.push(ExclusionUse {
            id: id.clone(),
            state,
        });
    }
    uses
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The floor must never refuse a part the renderer would accept: for every part tried,
    /// it is at most the length of the query rendered for that part.
    #[test]
    fn the_length_floor_never_exceeds_a_rendered_query() {
        let mut checked = 0;
        for detection in ioc_conformance::sample_detections() {
            for exclusions in [ExclusionMode::Comment, ExclusionMode::Apply] {
                let options = EmitOptions {
                    exclusions,
                    ..EmitOptions::default()
                };
                for target in TARGETS {
                    let candidates: Vec<usize> = (0..detection.indicators.len())
                        .filter(|&i| target.hunts(detection.indicators[i].kind()))
                        .collect();
                    let floor = LengthFloor::new(&candidates, |i| &detection.indicators[i].value);
                    for part in ioc_conformance::split_subsets(&detection, &candidates) {
                        let Some((query, _)) =
                            render(&detection, &options, target, "logs-*", &part, "")
                        else {
                            continue;
                        };
                        assert!(
                            floor.at_most(&part, query.text.chars().count()),
                            "the floor of {} indicators passes the length of their query:\n{}",
                            part.len(),
                            query.text
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "only {checked} parts checked");
    }

    #[test]
    fn timespans_read_as_english() {
        assert_eq!(timespan(Lookback::DEFAULT), "14 days");
        assert_eq!(timespan("1h".parse().unwrap()), "1 hour");
        assert_eq!(timespan("90m".parse().unwrap()), "90 minutes");
    }
}
