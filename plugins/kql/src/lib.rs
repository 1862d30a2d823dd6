//! The KQL backend: hunting queries for Microsoft Sentinel (the default profile) and Defender XDR
//! advanced hunting (`--profile defender`).
//!
//! One query per table. Each opens with comments naming the detection, its sources and what it
//! covers, filters on the lookback, matches the indicators the table can see, carries the
//! exclusions (disabled unless `--exclusions apply`), and projects what an analyst needs.

mod exclusions;
mod literal;
mod lookup;
mod matching;
mod schema;

use std::collections::BTreeMap;
use std::fmt::Write;

use ioc_core::partition;
use ioc_core::text::{single_line, slug};
use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, ExclusionMode,
    ExclusionState, ExclusionUse, Indicator, IndicatorKind, Mode, Query,
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

    fn file_extension(&self) -> &'static str {
        "kql"
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
        if let Some(key) = options
            .settings
            .keys()
            .find(|k| !SETTINGS.contains(&k.as_str()))
        {
            return Err(EmitError::Invalid {
                backend: "kql",
                message: format!(
                    "unknown setting {key:?}; the kql backend takes {}",
                    SETTINGS.join(", ")
                ),
            });
        }
        let mut emission = Emission::default();
        let mut covered = vec![false; detection.indicators.len()];
        if options.mode == Mode::Lookup {
            let (queries, csv, notes) = lookup::emit(detection, options, profile)?;
            emission.queries = queries;
            emission.artifacts.push(csv);
            emission.notes.extend(notes);
        }
        let tables = if options.mode == Mode::Lookup {
            Vec::new()
        } else {
            profile.tables()
        };
        for query in &emission.queries {
            for &i in &query.indicators {
                covered[i] = true;
            }
        }
        for table in tables {
            for query in table_queries(detection, options, profile, table, &mut emission.notes) {
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

/// The `--set` keys this backend reads: the watchlist alias and the URL of a hosted lookup CSV,
/// both for `--mode lookup`.
const SETTINGS: &[&str] = &["watchlist", "lookup-url"];

/// Sentinel's limit on an analytics rule's query, in characters.
pub const DEFAULT_MAX_QUERY_CHARS: usize = 10_000;

/// The most `or` terms one `where` may hold. Kusto.Language 12.4.1 rejects a chain of 491 with
/// KS245 (syntax depth); this leaves room for the rest of the query.
const MAX_OR_TERMS: usize = 400;

/// Room left for the part label that a split adds to the header and the name.
const LABEL_SLACK: usize = 80;

/// The queries for one table: one, or several parts when one would be too long.
fn table_queries(
    detection: &Detection,
    options: &EmitOptions,
    profile: Profile,
    table: &Table,
    notes: &mut Vec<String>,
) -> Vec<Query> {
    let candidates: Vec<usize> = (0..detection.indicators.len())
        .filter(|&i| table.hunts(detection.indicators[i].kind()))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let limit = options.max_query_chars.unwrap_or(DEFAULT_MAX_QUERY_CHARS);
    let fits = |subset: &[usize]| {
        render(detection, options, profile, table, subset, "").is_none_or(|(query, terms)| {
            query.text.chars().count() + LABEL_SLACK <= limit && terms <= MAX_OR_TERMS
        })
    };
    let parts = partition::split(
        &candidates,
        |&i| detection.indicators[i].value.to_string(),
        fits,
    );
    let mut queries = Vec::with_capacity(parts.len());
    for part in parts {
        let mut items = part.items;
        items.sort_unstable();
        if let Some((query, _)) = render(detection, options, profile, table, &items, &part.label) {
            let chars = query.text.chars().count();
            if chars > limit {
                notes.push(format!(
                    "query {} has {chars} characters, over the limit of {limit}: one of its \
                     indicators is too long to fit on its own",
                    query.name
                ));
            }
            queries.push(query);
        }
    }
    queries
}

/// Renders the query for `items` (indices into the detection, sorted) and counts its `or` terms.
fn render(
    detection: &Detection,
    options: &EmitOptions,
    profile: Profile,
    table: &Table,
    items: &[usize],
    part: &str,
) -> Option<(Query, usize)> {
    let mut indices = Vec::new();
    let mut extends = Vec::new();
    let mut disjuncts = Vec::new();
    for hunt in table.hunts {
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
    header(&mut text, detection, profile, table, &indices, part);
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

    let mut name = format!(
        "{}-{}",
        slug(detection.label()),
        table.name.to_ascii_lowercase()
    );
    if !part.is_empty() {
        let _ = write!(name, "-part-{part}");
    }
    let query = Query {
        name,
        target: table.name.to_string(),
        text,
        indicators: indices,
        exclusions: uses,
    };
    Some((query, disjuncts.len()))
}

fn header(
    text: &mut String,
    detection: &Detection,
    profile: Profile,
    table: &Table,
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
        "// {}: {} hunt in {}{}",
        single_line(&detection.title),
        profile.display(),
        table.name,
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
