//! The shape of one search, for one dataset.
//!
//! ~~~text
//! ```<title>: <profile> hunt in <target>```
//! ```Source: <inputs> | Family: <family> | Indicators: <n> (<count by kind>)```
//! | tstats ... FROM datamodel=<Model.Dataset>       (cim)  or  search index=... (raw)
//!     WHERE earliest=-<lookback> ( <term> OR <term> ... )
//!     BY <fields shown, matched, and tested by exclusions>
//! | where ( <check> OR <check> ... )                 only when a term matches a superset
//! ```Exclusion x1 ...```                             one comment per exclusion, then its
//! | where NOT ( ... )                                 where: live, or inside a comment
//! | sort ... | convert ...                           (cim)  or  | table ... | sort ... (raw)
//! ~~~
//!
//! Every OR group and every NOT is in parentheses: the search command evaluates OR before AND,
//! the `where` command AND before OR (Search Manual, "Boolean expressions with logical
//! operators"), and no clause here should depend on either.
//!
//! `tstats` (Search Reference, `tstats` command) drops a result whose group-by field is null
//! unless `fillnull_value` is given, and the group-by fields include fields many events lack,
//! so the searches set it to `-`. After `tstats` only the group-by fields exist, so every field
//! a `where` reads is grouped by.

use std::collections::BTreeMap;
use std::fmt::Write;

use ioc_core::text::slug;
use ioc_core::{
    Detection, EmitOptions, ExclusionMode, ExclusionState, ExclusionUse, Indicator, IndicatorKind,
    Query,
};

use crate::exclusions::{self, Condition};
use crate::literal;
use crate::matching::{self, Clause};
use crate::profile::{Naming, Profile, Settings};
use crate::schema::Dataset;

/// What `tstats` fills an empty group-by field with.
const FILL: &str = "-";

/// What one exclusion becomes in one query.
pub enum Plan {
    Prose,
    Omitted(String),
    Condition(Condition),
}

/// The search of `dataset` for the indicators at `items` (indices into the detection, sorted),
/// or `None` if none of them can be hunted there. `part` is the hash-bucket label of a split
/// search, empty when the dataset has one search.
pub fn build(
    detection: &Detection,
    options: &EmitOptions,
    naming: &Naming,
    items: &[usize],
    part: &str,
) -> Option<Query> {
    let (profile, settings, dataset) = (naming.profile, naming.settings, naming.dataset);
    let (indices, clauses) = clauses(detection, naming, items);
    if clauses.is_empty() {
        return None;
    }
    let plans = plans(detection, naming);

    let mut text = String::new();
    header(&mut text, detection, naming, &indices, part);
    let terms: Vec<&str> = clauses.iter().map(|c| c.term.as_str()).collect();
    match profile {
        Profile::Cim => {
            let by = group_by(naming, clauses.iter().flat_map(|c| c.fields.iter()), &plans);
            tstats(&mut text, options, settings, dataset, &terms, &by);
        }
        Profile::Raw => search(&mut text, options, settings, dataset, &terms),
    }
    if clauses.iter().any(|c| !c.exact) {
        let checks: Vec<&str> = clauses.iter().map(|c| c.check.as_str()).collect();
        let _ = writeln!(text, "| where (\n    {}\n)", checks.join("\n    OR "));
    }
    let uses = exclusion_lines(&mut text, detection, options, &plans);
    let matched = clauses.iter().flat_map(|c| c.fields.iter().cloned());
    tail(&mut text, naming, matched);

    Some(Query {
        name: name(detection, dataset, part),
        target: naming.target(),
        text,
        indicators: indices,
        exclusions: uses,
    })
}

/// The name of the search of `dataset`; a part of a split search carries its label.
pub fn name(detection: &Detection, dataset: &Dataset, part: &str) -> String {
    let mut name = format!("{}-{}", slug(detection.label()), dataset.key);
    if !part.is_empty() {
        name.push_str("-part-");
        name.push_str(part);
    }
    name
}

/// What each exclusion becomes on the dataset `naming` names.
pub fn plans(detection: &Detection, naming: &Naming) -> Vec<Plan> {
    detection
        .exclusions
        .iter()
        .map(|e| match e.expr() {
            None => Plan::Prose,
            Some(expr) => match exclusions::compile(expr, naming) {
                Ok(condition) => Plan::Condition(condition),
                Err(reason) => Plan::Omitted(reason),
            },
        })
        .collect()
}

/// The fields `tstats` groups by: those shown, then those the matching and the exclusions read,
/// which a `where` after `tstats` can only see if they are grouped by.
pub fn group_by<'f>(
    naming: &Naming,
    used: impl Iterator<Item = &'f String>,
    plans: &'f [Plan],
) -> Vec<String> {
    let mut by: Vec<String> = naming
        .dataset
        .project
        .iter()
        .map(|r| naming.field(r))
        .collect();
    let excluded = plans.iter().flat_map(|p| match p {
        Plan::Condition(c) => c.fields.as_slice(),
        _ => &[],
    });
    for field in used.chain(excluded) {
        if !by.contains(field) {
            by.push(field.clone());
        }
    }
    by
}

/// The commands after the filters: newest first, times readable (cim), or the raw events as a
/// table of the fields that matter.
pub fn tail(text: &mut String, naming: &Naming, matched: impl Iterator<Item = String>) {
    match naming.profile {
        Profile::Cim => {
            let _ = write!(
                text,
                "| sort 0 -lastTime\n| convert ctime(firstTime) ctime(lastTime)"
            );
        }
        Profile::Raw => {
            let mut shown: Vec<String> = ["_time", "index", "sourcetype", "host"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let projected = naming.dataset.project.iter().map(|r| naming.field(r));
            for field in projected.chain(matched) {
                if !shown.contains(&field) {
                    shown.push(field);
                }
            }
            let _ = write!(text, "| table {}\n| sort 0 -_time", shown.join(" "));
        }
    }
}

/// The clauses of every hunt of the dataset for the indicators at `items`, and the indicators
/// they cover.
fn clauses(detection: &Detection, naming: &Naming, items: &[usize]) -> (Vec<usize>, Vec<Clause>) {
    let mut indices = Vec::new();
    let mut clauses = Vec::new();
    for hunt in naming.dataset.hunts {
        let kinds = hunt.kinds();
        let chosen: Vec<(usize, &Indicator)> = items
            .iter()
            .map(|&i| (i, &detection.indicators[i]))
            .filter(|(_, ind)| kinds.contains(&ind.kind()))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let refs: Vec<&Indicator> = chosen.iter().map(|(_, ind)| *ind).collect();
        let built = matching::build(hunt, naming, &refs);
        if built.is_empty() {
            continue;
        }
        indices.extend(chosen.iter().map(|(i, _)| *i));
        clauses.extend(built);
    }
    indices.sort_unstable();
    indices.dedup();
    (indices, clauses)
}

/// The two comment lines that open every search: what it hunts where, and what it covers.
pub fn header(
    text: &mut String,
    detection: &Detection,
    naming: &Naming,
    indices: &[usize],
    part: &str,
) {
    let mut counts: BTreeMap<IndicatorKind, usize> = BTreeMap::new();
    for &i in indices {
        *counts.entry(detection.indicators[i].kind()).or_default() += 1;
    }
    let by_kind: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let mut title = format!(
        "{}: {} hunt in {}",
        detection.title,
        naming.profile.display(),
        naming.target()
    );
    if !part.is_empty() {
        title.push_str(&format!(", part {part} (hash bucket)"));
    }
    let source = format!(
        "Source: {} | Family: {} | Indicators: {} ({})",
        detection.sources.join(", "),
        detection.family.as_deref().unwrap_or("unknown"),
        indices.len(),
        by_kind.join(", ")
    );
    let _ = writeln!(text, "{}", literal::comment(&title));
    let _ = writeln!(text, "{}", literal::comment(&source));
}

/// The `tstats` command; with no `terms` it reads every event of the lookback.
pub fn tstats(
    text: &mut String,
    options: &EmitOptions,
    settings: &Settings,
    dataset: &Dataset,
    terms: &[&str],
    by: &[String],
) {
    let _ = writeln!(
        text,
        "| tstats summariesonly={} fillnull_value=\"{FILL}\" count min(_time) AS firstTime \
         max(_time) AS lastTime",
        settings.summaries_only
    );
    let _ = writeln!(text, "    FROM datamodel={}", dataset.path());
    if terms.is_empty() {
        let _ = writeln!(text, "    WHERE earliest=-{}", options.lookback);
    } else {
        let _ = writeln!(
            text,
            "    WHERE earliest=-{} (\n        {}\n    )",
            options.lookback,
            terms.join("\n        OR ")
        );
    }
    let _ = writeln!(text, "    BY {}", by.join(" "));
}

/// The `search` command; with no `terms` it reads every event of the lookback.
pub fn search(
    text: &mut String,
    options: &EmitOptions,
    settings: &Settings,
    dataset: &Dataset,
    terms: &[&str],
) {
    let mut scope = vec![any_of("index", &settings.indexes(dataset))];
    let sourcetypes = settings.sourcetypes(dataset);
    if !sourcetypes.is_empty() {
        scope.push(any_of("sourcetype", &sourcetypes));
    }
    if terms.is_empty() {
        let _ = writeln!(
            text,
            "search {} earliest=-{}",
            scope.join(" "),
            options.lookback
        );
    } else {
        let _ = writeln!(
            text,
            "search {} earliest=-{} (\n    {}\n)",
            scope.join(" "),
            options.lookback,
            terms.join("\n    OR ")
        );
    }
}

/// `name="a"`, or `(name="a" OR name="b")`; the settings were checked to be quotable.
fn any_of(name: &str, patterns: &[String]) -> String {
    let terms: Vec<String> = patterns
        .iter()
        .filter_map(|p| literal::pattern(p))
        .map(|p| format!("{name}={p}"))
        .collect();
    match terms.as_slice() {
        [one] => one.clone(),
        _ => format!("({})", terms.join(" OR ")),
    }
}

/// Writes the exclusion lines and returns what was done with each exclusion.
pub fn exclusion_lines(
    text: &mut String,
    detection: &Detection,
    options: &EmitOptions,
    plans: &[Plan],
) -> Vec<ExclusionUse> {
    let mut uses = Vec::new();
    for (exclusion, plan) in detection.exclusions.iter().zip(plans) {
        let said = &exclusion.text;
        let id = &exclusion.id;
        let state = match plan {
            Plan::Prose => {
                let note = format!("Exclusion {id} (prose, not applied): {said}");
                let _ = writeln!(text, "{}", literal::comment(&note));
                ExclusionState::Prose
            }
            Plan::Omitted(reason) => {
                let note = format!("Exclusion {id} is left out here: {reason}: {said}");
                let _ = writeln!(text, "{}", literal::comment(&note));
                ExclusionState::Omitted {
                    reason: reason.clone(),
                }
            }
            Plan::Condition(condition) => {
                let clause = format!("| where NOT ({})", condition.text);
                match options.exclusions {
                    ExclusionMode::Comment => {
                        let note = format!(
                            "Exclusion {id} (suggested; remove the backtick fences around the \
                             next line to apply): {said}"
                        );
                        let _ = writeln!(text, "{}", literal::comment(&note));
                        let _ = writeln!(text, "{}", literal::comment(&clause));
                        ExclusionState::Commented
                    }
                    ExclusionMode::Apply => {
                        let note = format!("Exclusion {id} (applied): {said}");
                        let _ = writeln!(text, "{}", literal::comment(&note));
                        let _ = writeln!(text, "{clause}");
                        ExclusionState::Applied
                    }
                }
            }
        };
        uses.push(ExclusionUse {
            id: id.clone(),
            state,
        });
    }
    uses
}
