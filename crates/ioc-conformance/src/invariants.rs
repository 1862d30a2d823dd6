//! The checks on one run's summary: names, exclusion states, and values read back out of the
//! query text by the backend's literal decoder.

use std::collections::{BTreeMap, BTreeSet};

use ioc_core::summary::QueryReport;
use ioc_core::{ExclusionMode, ExclusionState, Expr, FieldType, IndicatorKind, Op, State, Summary};

use crate::LiteralDecoder;

/// Checks one summary; returns how many values were found in literals.
pub fn check_summary(
    summary: &Summary,
    mode: ExclusionMode,
    decoder: &dyn LiteralDecoder,
    label: &str,
    failures: &mut Vec<String>,
) -> usize {
    for record in &summary.records {
        let needs_reason = matches!(
            record.state,
            State::Rejected | State::Skipped | State::Unsupported
        );
        if needs_reason && record.reason.as_deref().unwrap_or("").trim().is_empty() {
            failures.push(format!(
                "{label}: {}: {:?} is {:?} without a reason",
                record.source, record.original, record.state
            ));
        }
    }

    let kinds: BTreeMap<&str, IndicatorKind> = summary
        .records
        .iter()
        .filter_map(|r| Some((r.value.as_deref()?, r.kind?)))
        .collect();
    let mut names = BTreeSet::new();
    let mut found = 0;
    for query in &summary.queries {
        let at = format!("{label}: query {:?}", query.name);
        let name_ok = !query.name.is_empty()
            && query
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !query.name.starts_with('.');
        if !name_ok {
            failures.push(format!("{at}: the name is not a safe file name"));
        }
        if !names.insert(query.name.as_str()) {
            failures.push(format!("{at}: the name is used twice"));
        }
        check_exclusion_states(summary, query, mode, &at, failures);

        let literals = match decoder.literals(&query.text) {
            Ok(literals) => literals,
            Err(e) => {
                failures.push(format!(
                    "{at}: the decoder cannot read it: {e}\n{}",
                    query.text
                ));
                continue;
            }
        };
        for value in &query.indicators {
            let Some(&kind) = kinds.get(&**value) else {
                failures.push(format!("{at}: covers {value:?}, which no record holds"));
                continue;
            };
            let wanted = written_form(kind, value);
            if holds(&literals, wanted) {
                found += 1;
            } else {
                failures.push(format!(
                    "{at}: indicator {value:?} is not in its literals {literals:?}\n{}",
                    query.text
                ));
            }
        }
        for (exclusion, used) in summary.exclusions.iter().zip(&query.exclusions) {
            let (Some(expr), ExclusionState::Applied) = (exclusion.expr(), &used.state) else {
                continue;
            };
            for value in string_values(expr) {
                if holds(&literals, value) {
                    found += 1;
                } else {
                    failures.push(format!(
                        "{at}: exclusion {} value {value:?} is not in its literals {literals:?}\n{}",
                        exclusion.id, query.text
                    ));
                }
            }
        }
    }
    found
}

/// Each query names every exclusion, in order, in a state the mode allows.
fn check_exclusion_states(
    summary: &Summary,
    query: &QueryReport,
    mode: ExclusionMode,
    at: &str,
    failures: &mut Vec<String>,
) {
    let want: Vec<&str> = summary.exclusions.iter().map(|e| e.id.as_str()).collect();
    let got: Vec<&str> = query.exclusions.iter().map(|u| u.id.as_str()).collect();
    if want != got {
        failures.push(format!(
            "{at}: accounts for exclusions {got:?}, not {want:?}"
        ));
        return;
    }
    for (exclusion, used) in summary.exclusions.iter().zip(&query.exclusions) {
        let id = &exclusion.id;
        let wrong = match (exclusion.expr().is_some(), &used.state, mode) {
            (_, ExclusionState::Omitted { reason }, _) if reason.trim().is_empty() => {
                Some("is omitted without a reason")
            }
            (false, ExclusionState::Prose | ExclusionState::Omitted { .. }, _) => None,
            (false, _, _) => Some("is prose but was made code"),
            (true, ExclusionState::Prose, _) => Some("is structured but reported as prose"),
            (true, ExclusionState::Applied, ExclusionMode::Comment) => {
                Some("is applied without --exclusions apply")
            }
            (true, ExclusionState::Commented, ExclusionMode::Apply) => {
                Some("is still commented with --exclusions apply")
            }
            _ => None,
        };
        if let Some(wrong) = wrong {
            failures.push(format!("{at}: exclusion {id} {wrong}"));
        }
    }
}

/// The text of a value as it must appear in a literal: an ip:port by its address (the port is a
/// number), everything else whole.
fn written_form(kind: IndicatorKind, value: &str) -> &str {
    if kind != IndicatorKind::IpPort {
        return value;
    }
    let address = value.rsplit_once(':').map_or(value, |(address, _)| address);
    address.trim_start_matches('[').trim_end_matches(']')
}

/// Whether some literal holds `value`, as written or lower-cased (a backend that compares
/// without case may write values lower-cased).
fn holds(literals: &[String], value: &str) -> bool {
    let lower = value.to_lowercase();
    literals
        .iter()
        .any(|l| l.contains(value) || l.contains(&lower))
}

/// The values of an exclusion a backend must write as string literals: not regular expressions,
/// which it may rewrite into its own dialect, and not ports, which are numbers.
fn string_values(expr: &Expr) -> Vec<&str> {
    let mut out = Vec::new();
    collect(expr, &mut out);
    out
}

fn collect<'e>(expr: &'e Expr, out: &mut Vec<&'e str>) {
    match expr {
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| collect(e, out)),
        Expr::Not(inner) => collect(inner, out),
        Expr::Cmp { field, op, values } => {
            if *op != Op::Matches && field.value_type() == FieldType::String {
                out.extend(values.iter().map(String::as_str));
            }
        }
    }
}
