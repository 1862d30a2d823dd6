//! The KQL backend: hunting queries for Microsoft Sentinel (the default profile), Defender XDR
//! advanced hunting (`--profile defender`) and Sentinel's ASIM parsers (`--profile asim`), and
//! under `--emit rule` Sentinel scheduled analytics rules built from them (`sentinel.rs`).
//!
//! One query per table. Each opens with comments naming the detection, its sources and what it
//! covers, filters on the lookback, matches the indicators the table can see, carries the
//! exclusions (disabled unless `--exclusions apply`), and projects what an analyst needs. A
//! rule's query also computes the columns its entities map to (`entities.rs`). Settings are
//! listed in `settings.rs`.

mod entities;
mod exclusions;
mod literal;
mod lookup;
mod matching;
mod schema;
mod sentinel;
mod settings;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write;
use std::net::IpAddr;

use ioc_core::length_floor::LengthFloor;
use ioc_core::partition::{self, Limit};
use ioc_core::text::{single_line, slug};
use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, ExclusionMode,
    ExclusionState, ExclusionUse, Indicator, IndicatorKind, IndicatorValue, Mode, Output, Query,
};

pub use literal::string as string_literal;
pub use schema::Profile;
pub use sentinel::SentinelRule;

use crate::schema::{Hunt, Prefilter, Table};
use crate::settings::Settings;

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

    fn rule_format(&self) -> Option<&'static str> {
        Some("Microsoft Sentinel scheduled analytics rules (YAML; ARM template with arm=true)")
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
        let invalid = |message: String| EmitError::Invalid {
            backend: "kql",
            message,
        };
        let settings = Settings::parse(&options.settings).map_err(invalid)?;
        if options.output == Output::Rules {
            if profile == Profile::Defender {
                return Err(invalid(
                    "profile defender writes advanced-hunting queries; Sentinel analytics rules \
                     need profile sentinel or asim"
                        .to_string(),
                ));
            }
            sentinel::check_timing(options).map_err(invalid)?;
        }
        let ctx = Context {
            detection,
            options,
            profile,
            settings: &settings,
        };
        let mut emission = Emission::default();
        let mut covered = vec![false; detection.indicators.len()];
        let mut rendered = Vec::new();
        if options.mode == Mode::Lookup {
            let (queries, csv, notes) = lookup::emit(&ctx)?;
            rendered = queries;
            emission.artifacts.push(csv);
            emission.notes.extend(notes);
        } else {
            for table in profile.tables() {
                rendered.extend(table_queries(&ctx, table, &mut emission.notes));
            }
        }
        for r in &rendered {
            for &i in &r.query.indicators {
                covered[i] = true;
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
        if options.output == Output::Rules {
            let (rules, notes) = sentinel::rules(&ctx, &rendered).map_err(invalid)?;
            emission.rules = rules;
            emission.notes.extend(notes);
        }
        emission.queries = rendered.into_iter().map(|r| r.query).collect();
        Ok(emission)
    }
}

/// What every query of one run is written from.
pub(crate) struct Context<'a> {
    pub detection: &'a Detection,
    pub options: &'a EmitOptions,
    pub profile: Profile,
    pub settings: &'a Settings,
}

impl Context<'_> {
    fn rules(&self) -> bool {
        self.options.output == Output::Rules
    }

    /// What a query reads: the table, or the ASIM parser called with `starttime` and the
    /// filtering parameters that cover every indicator at `items`.
    pub fn source(&self, table: &Table, items: &[usize]) -> String {
        let name = self.settings.table_name(table);
        let Some(prefilters) = table.parser else {
            return name.to_string();
        };
        let mut args = vec![format!("starttime=ago({})", self.options.lookback)];
        for prefilter in prefilters {
            if let Some(arg) = prefilter_argument(*prefilter, self.detection, items) {
                args.push(arg);
            }
        }
        format!("{name}({})", args.join(", "))
    }
}

/// A query, with what a rule built from it needs to know.
pub(crate) struct Rendered {
    pub query: Query,
    pub table: &'static Table,
    /// Entity mappings: (entity type, [(identifier, column)]).
    pub entities: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

/// `name=dynamic([...])` when `prefilter` covers every indicator at `items`.
fn prefilter_argument(
    prefilter: Prefilter,
    detection: &Detection,
    items: &[usize],
) -> Option<String> {
    let values: Option<Vec<String>> = items
        .iter()
        .map(|&i| {
            let value = &detection.indicators[i].value;
            match (prefilter, value) {
                (Prefilter::Ipv4Addresses(_), IndicatorValue::Ipv4(ip)) => Some(ip.to_string()),
                (
                    Prefilter::Ipv4Addresses(_),
                    IndicatorValue::IpPort {
                        ip: IpAddr::V4(ip), ..
                    },
                ) => Some(ip.to_string()),
                (Prefilter::Domains(_) | Prefilter::UrlTerms(_), IndicatorValue::Domain(d)) => {
                    Some(d.clone())
                }
                (Prefilter::UrlTerms(_), IndicatorValue::Url(url)) => Some(url.host().to_string()),
                (Prefilter::Hashes(_), v) if v.kind().is_hash() => Some(v.to_string()),
                _ => None,
            }
        })
        .collect();
    let mut values = values?;
    values.sort();
    values.dedup();
    if values.is_empty() {
        return None;
    }
    let name = match prefilter {
        Prefilter::Ipv4Addresses(n)
        | Prefilter::Domains(n)
        | Prefilter::UrlTerms(n)
        | Prefilter::Hashes(n) => n,
    };
    let list: Vec<String> = values.iter().map(|v| literal::string(v)).collect();
    Some(format!("{name}=dynamic([{}])", list.join(", ")))
}

/// Sentinel's limit on an analytics rule's query, in characters.
pub const DEFAULT_MAX_QUERY_CHARS: usize = 10_000;

/// The most `or` terms one `where` may hold. Kusto.Language 12.4.1 rejects a chain of 491 with
/// KS245 (syntax depth); this leaves room for the rest of the query.
const MAX_OR_TERMS: usize = 400;

/// Room left for the part label that a split adds to the header and the name.
const LABEL_SLACK: usize = 80;

/// The queries for one table: one, or several parts when one would be too long.
fn table_queries(ctx: &Context, table: &'static Table, notes: &mut Vec<String>) -> Vec<Rendered> {
    let detection = ctx.detection;
    let candidates: Vec<usize> = (0..detection.indicators.len())
        .filter(|&i| table.hunts(detection.indicators[i].kind()))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let limit = ctx
        .options
        .max_query_chars
        .unwrap_or(DEFAULT_MAX_QUERY_CHARS);
    let floor = LengthFloor::new(&candidates, |i| &detection.indicators[i].value);
    let fits = |subset: &[usize]| {
        floor.at_most(subset, limit)
            && render(ctx, table, subset, "").is_none_or(|(r, terms)| {
                r.query.text.chars().count() + LABEL_SLACK <= limit && terms <= MAX_OR_TERMS
            })
    };
    let Ok(queries) = partition::render_parts(
        &candidates,
        |&i| detection.indicators[i].value.to_string(),
        fits,
        |items, part| Ok::<_, Infallible>(render(ctx, table, items, part).map(|(r, _)| r)),
        |rendered| &rendered.query,
        Limit {
            chars: Some(limit),
            noun: "query",
        },
        notes,
    );
    queries
}

/// The conditions one hunt contributes, with the hunt.
pub(crate) struct HuntMatch {
    pub hunt: &'static Hunt,
    pub indicators: Vec<usize>,
    pub matcher: matching::Matcher,
}

/// Renders the query for `items` (indices into the detection, sorted) and counts its `or` terms.
fn render(
    ctx: &Context,
    table: &'static Table,
    items: &[usize],
    part: &str,
) -> Option<(Rendered, usize)> {
    let detection = ctx.detection;
    let mut matches = Vec::new();
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
        let matcher = matching::build(hunt, &refs);
        if matcher.disjuncts.is_empty() {
            continue;
        }
        matches.push(HuntMatch {
            hunt,
            indicators: chosen,
            matcher,
        });
    }
    if matches.is_empty() {
        return None;
    }
    let mut indices: Vec<usize> = matches.iter().flat_map(|m| m.indicators.clone()).collect();
    indices.sort_unstable();
    indices.dedup();
    let extends: Vec<(String, String)> = matches
        .iter()
        .flat_map(|m| m.matcher.extends.clone())
        .collect();
    let terms = matches.iter().map(|m| m.matcher.disjuncts.len()).sum();
    let shape = if ctx.rules() {
        entities::shape(&matches, detection)
    } else {
        entities::Shape::plain(&matches)
    };

    let time = ctx.profile.time_column();
    let mut text = String::new();
    header(&mut text, ctx, table, &indices, part);
    let _ = writeln!(text, "{}", ctx.source(table, &indices));
    let _ = writeln!(text, "| where {time} > ago({})", ctx.options.lookback);
    if !extends.is_empty() {
        let list: Vec<String> = extends.iter().map(|(n, e)| format!("{n} = {e}")).collect();
        let _ = writeln!(text, "| extend {}", list.join(", "));
    }
    if !shape.flags.is_empty() {
        let list: Vec<String> = shape
            .flags
            .iter()
            .map(|(n, e)| format!("{n} = {e}"))
            .collect();
        let _ = writeln!(text, "| extend {}", list.join(", "));
    }
    let _ = writeln!(text, "| where {}", shape.disjuncts.join("\n    or "));
    if !shape.columns.is_empty() {
        let list: Vec<String> = shape
            .columns
            .iter()
            .map(|(n, e)| format!("{n} = {e}"))
            .collect();
        let _ = writeln!(text, "| extend {}", list.join(", "));
    }
    let uses = exclusion_lines(&mut text, ctx, table);
    let mut project = vec![time.to_string()];
    project.extend(table.project.iter().map(|c| c.to_string()));
    project.extend(extends.iter().map(|(n, _)| n.clone()));
    for (_, fields) in &shape.entities {
        for (_, column) in fields {
            if !project.contains(column) {
                project.push(column.clone());
            }
        }
    }
    let _ = writeln!(text, "| project {}", project.join(", "));
    let _ = write!(text, "| order by {time} desc");

    let mut name = format!("{}-{}", slug(detection.label()), table_key(table));
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
    let rendered = Rendered {
        query,
        table,
        entities: shape.entities,
    };
    Some((rendered, terms))
}

/// The table's part of a query name: `devicenetworkevents`, or `im-dns` for `_Im_Dns`.
pub(crate) fn table_key(table: &Table) -> String {
    table
        .name
        .trim_start_matches('_')
        .to_ascii_lowercase()
        .replace('_', "-")
}

fn header(text: &mut String, ctx: &Context, table: &Table, idx: &[usize], part: &str) {
    let detection = ctx.detection;
    // Indicators are sorted by kind, so a query's list comes in runs of one kind: counted per
    // run, not per indicator.
    let kind = |i: usize| detection.indicators[i].kind();
    let mut counts: BTreeMap<IndicatorKind, usize> = BTreeMap::new();
    for run in idx.chunk_by(|&a, &b| kind(a) == kind(b)) {
        *counts.entry(kind(run[0])).or_default() += run.len();
    }
    let by_kind: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(
        text,
        "// {}: {} hunt in {}{}",
        single_line(&detection.title),
        ctx.profile.display(),
        ctx.settings.table_name(table),
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
fn exclusion_lines(text: &mut String, ctx: &Context, table: &Table) -> Vec<ExclusionUse> {
    let (detection, options) = (ctx.detection, ctx.options);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The floor must never refuse a part the renderer would accept: for every part tried,
    /// it is at most the length of the query rendered for that part.
    #[test]
    fn the_length_floor_never_exceeds_a_rendered_query() {
        let mut checked = 0;
        for detection in ioc_conformance::sample_detections() {
            for name in Profile::NAMES {
                for output in [Output::Queries, Output::Rules] {
                    let options = EmitOptions {
                        profile: Some(name.to_string()),
                        output,
                        ..EmitOptions::default()
                    };
                    let ctx = Context {
                        detection: &detection,
                        options: &options,
                        profile: Profile::from_name(name).unwrap(),
                        settings: &Settings::default(),
                    };
                    for table in ctx.profile.tables() {
                        let candidates: Vec<usize> = (0..detection.indicators.len())
                            .filter(|&i| table.hunts(detection.indicators[i].kind()))
                            .collect();
                        let floor =
                            LengthFloor::new(&candidates, |i| &detection.indicators[i].value);
                        for part in ioc_conformance::split_subsets(&detection, &candidates) {
                            let Some((rendered, _)) = render(&ctx, table, &part, "") else {
                                continue;
                            };
                            let text = &rendered.query.text;
                            assert!(
                                floor.at_most(&part, text.chars().count()),
                                "the floor of {} indicators passes the length of their query:\n{text}",
                                part.len()
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "only {checked} parts checked");
    }
}
