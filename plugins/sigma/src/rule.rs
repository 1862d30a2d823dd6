//! One Sigma rule: the metadata derived from the detection, the detection section, and the
//! query that carries the YAML.
//!
//! Every attribute is a function of the input alone (no clock, no randomness), so two runs on
//! the same input write the same bytes.

use std::collections::BTreeSet;

use ioc_core::attack::{is_sigma_tag, SIGMA_DETECTION_TAGS};
use ioc_core::text::{single_line, slug};
use ioc_core::{
    Detection, EmitError, EmitOptions, ExclusionMode, ExclusionState, ExclusionUse, Indicator,
    Query,
};
use serde::Serialize;
use uuid::Uuid;

use crate::exclusions;
use crate::hunt::{Hunt, Level, Tactic};
use crate::selection;
use crate::yaml::{self, Map, Value};

/// The namespace of every rule id (UUIDv5). Fixed once; changing it changes every id.
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6cb07026_336a_40f4_88ea_a0b9f81d1e52);

/// The longest detection name kept in a query name. A part label is made room for by cutting
/// the name shorter, so that `<name>.yml` stays within [`MAX_FILE_NAME`].
const MAX_NAME_SLUG: usize = 40;

/// The longest detection name kept in a title (the specification allows 256 characters).
const MAX_TITLE_LABEL: usize = 160;

/// The attributes in the order of the specification's file structure.
#[derive(Serialize)]
struct Document {
    title: String,
    id: String,
    status: &'static str,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    tags: Vec<String>,
    logsource: Logsource,
    detection: Map,
    falsepositives: Vec<String>,
    level: &'static str,
}

#[derive(Serialize)]
struct Logsource {
    category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<String>,
}

/// What a detection file may say about a category's log source (`logsource.<category>.<key>`
/// settings): each given key replaces the taxonomy's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogsourceOverride {
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
}

/// The longest rule file name pySigma's `filename_length` check allows, `.yml` included.
const MAX_FILE_NAME: usize = 90;

/// A rule and the name of its file: the slug of its title, within pySigma's length limit. The
/// hunt's part of the title and the part label are always kept, since they are what tell a
/// detection's rules apart; the detection's name is cut to make room for them.
pub struct Built {
    pub query: Query,
    pub file_name: String,
}

/// Builds the rule of `hunt` for the indicators at `indices`. `part` is the hash-prefix label of
/// a hunt split into several rules (`ioc_core::partition`), empty when the hunt has one rule.
/// `detection_date` is [`earliest_date`] over the whole detection, the date of a rule whose own
/// indicators have none; the caller works it out once, not once per rule.
pub fn build(
    detection: &Detection,
    options: &EmitOptions,
    hunt: &Hunt,
    indices: &[usize],
    logsource: &LogsourceOverride,
    part: &str,
    detection_date: Option<&str>,
) -> Result<Built, EmitError> {
    let indicators: Vec<&Indicator> = indices.iter().map(|&i| &detection.indicators[i]).collect();
    let label = label(detection);

    let selections = selection::build(hunt.shape, &indicators);
    let filters = filters(detection, options, hunt);
    let mut body = Map::new();
    for (name, value) in selections.iter().chain(&filters.applied) {
        body.insert(name.clone(), value.clone());
    }
    let mut condition = if selections.len() == 1 {
        "selection".to_string()
    } else {
        "1 of selection_*".to_string()
    };
    if !filters.applied.is_empty() {
        condition.push_str(" and not 1 of filter_*");
    }
    body.insert("condition", Value::Str(condition));

    let title_label = truncate(&label, MAX_TITLE_LABEL);
    let mut title = format!("{title_label} - {}", hunt.title);
    let mut about = description(detection, hunt, &label);
    let mut tail = String::new();
    if !part.is_empty() {
        title.push_str(&format!(" - Part {part}"));
        about.push_str(&format!(
            " Part {part} of the rules for this hunt: it lists the indicators whose value \
             hashes to a number starting with the bits {part}."
        ));
        tail = format!("-part-{part}");
    }
    let file_name = format!(
        "{}.yml",
        fitted_name(
            &slug(&title_label),
            &format!("-{}{tail}", slug(hunt.title)),
            usize::MAX
        )
    );
    let level = match detection.level {
        Some(level) => level.as_str(),
        None => level(hunt, &indicators).as_str(),
    };
    let mut tags: Vec<String> = if detection.attack.is_empty() {
        tags(hunt, &indicators)
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        let mut given: Vec<String> = detection.attack.iter().map(|t| t.sigma()).collect();
        given.push("detection.emerging-threats".to_string());
        given
    };
    // Other tags in Sigma's form (tlp.*, cve.*, detection.*: the detection file checks its own);
    // one in the detection namespace replaces the default. Tags in other forms, such as MISP's
    // `tlp:clear`, stay in the summary only.
    // ATT&CK tags come checked through `detection.attack`; the detection namespace has three
    // values in the specification.
    let given: Vec<&String> = detection
        .tags
        .iter()
        .filter(|t| is_sigma_tag(t) && !t.starts_with("attack."))
        .filter(|t| !t.starts_with("detection.") || SIGMA_DETECTION_TAGS.contains(&t.as_str()))
        .collect();
    if given.iter().any(|t| t.starts_with("detection.")) {
        tags.retain(|t| !t.starts_with("detection."));
    }
    for tag in given {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    let document = Document {
        title,
        id: rule_id(&label, hunt, part).to_string(),
        status: "experimental",
        description: about,
        references: unique(
            detection
                .references
                .iter()
                .map(|r| single_line(r).trim().to_string()),
        ),
        date: earliest_date(indicators.iter().copied())
            .or_else(|| detection_date.map(str::to_string)),
        tags,
        logsource: Logsource {
            category: logsource
                .category
                .clone()
                .unwrap_or_else(|| hunt.category.name().to_string()),
            product: logsource
                .product
                .clone()
                .or_else(|| hunt.category.product().map(str::to_string)),
            service: logsource.service.clone(),
        },
        detection: body,
        falsepositives: filters.falsepositives,
        level,
    };
    let text = yaml::document(&document).map_err(|message| EmitError::Invalid {
        backend: "sigma",
        message,
    })?;

    let hunt_tail = format!("-{}-{}{tail}", slug(hunt.category.name()), hunt.name);
    let query = Query {
        name: fitted_name(&slug(detection.label()), &hunt_tail, MAX_NAME_SLUG),
        target: hunt.category.name().to_string(),
        text,
        indicators: indices.to_vec(),
        exclusions: filters.uses,
    };
    Ok(Built { query, file_name })
}

/// The detection's name on one line.
fn label(detection: &Detection) -> String {
    single_line(detection.label()).trim().to_string()
}

/// The rule id: a UUIDv5 of what the rule is about, not of what it lists.
///
/// The key is the detection name (case and runs of white space ignored), the log source, the
/// hunt and, for a hunt split into parts, the part's hash-prefix label: never its position, so
/// a part that appears elsewhere renumbers nothing. Adding or removing an indicator, reordering
/// the input or changing an exclusion keeps the id of every rule it does not land in, so a SIEM
/// that tracks rules by id updates rules in place; a different family or log source is a
/// different rule. The key of an unsplit rule has no part, so its id is the one it always had.
pub fn rule_id(label: &str, hunt: &Hunt, part: &str) -> Uuid {
    let name = label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut key = format!(
        "ioc-emit sigma rule\n{name}\n{}\n{}\n{}",
        hunt.category.name(),
        hunt.category.product().unwrap_or(""),
        hunt.name
    );
    if !part.is_empty() {
        key.push_str(&format!("\npart {part}"));
    }
    Uuid::new_v5(&ID_NAMESPACE, key.as_bytes())
}

fn description(detection: &Detection, hunt: &Hunt, label: &str) -> String {
    let sources = single_line(&detection.sources.join(", "))
        .trim()
        .to_string();
    let mut text = format!("Detects {} reported as {label} indicators", hunt.detects);
    if !sources.is_empty() {
        text.push_str(&format!(" in {sources}"));
    }
    text.push('.');
    if let Some(about) = &detection.description {
        let about = single_line(about);
        if !about.trim().is_empty() {
            text.push(' ');
            text.push_str(about.trim());
        }
    }
    text
}

/// The earliest first-seen date among `indicators`, if any is a valid `YYYY-MM-DD` date.
pub fn earliest_date<'a>(indicators: impl Iterator<Item = &'a Indicator>) -> Option<String> {
    indicators
        .filter_map(|i| i.meta.first_seen.as_deref())
        .filter(|d| is_date(d))
        .min()
        .map(str::to_string)
}

/// `YYYY-MM-DD` with a month of 01-12 and a day of 01-31, the form the specification and its
/// JSON schema require.
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| text[r].parse::<u32>().ok())
            .flatten()
    };
    matches!(
        (digits(0..4), digits(5..7), digits(8..10)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// The level from the lowest confidence among the indicators: a rule fires on any one of them,
/// so it is as trustworthy as its weakest. 90 and above is `high`, 60 and above `medium`, below
/// that `low`; with no confidence given, `medium`. The hunt may cap it (file names).
pub fn level(hunt: &Hunt, indicators: &[&Indicator]) -> Level {
    let weakest = indicators.iter().filter_map(|i| i.meta.confidence).min();
    let level = match weakest {
        None => Level::Medium,
        Some(90..) => Level::High,
        Some(60..) => Level::Medium,
        Some(_) => Level::Low,
    };
    level.min(hunt.max_level)
}

/// ATT&CK tags in the specification's form (lower case, `attack.` namespace), then the SigmaHQ
/// rule type: rules built from one report's indicators are `detection.emerging-threats`.
fn tags(hunt: &Hunt, indicators: &[&Indicator]) -> Vec<&'static str> {
    // ThreatFox calls infrastructure that serves malware `payload_delivery`: reaching it is
    // Ingress Tool Transfer as well as command and control.
    let delivers = indicators
        .iter()
        .any(|i| i.meta.threat_type.as_deref() == Some("payload_delivery"));
    let mut tags = match hunt.tactic {
        Tactic::CommandAndControl => vec!["attack.command-and-control", "attack.t1071"],
        Tactic::CommandAndControlWeb => vec!["attack.command-and-control", "attack.t1071.001"],
        Tactic::Execution => vec!["attack.execution"],
        Tactic::IngressTransfer => vec!["attack.command-and-control", "attack.t1105"],
    };
    if delivers && !tags.contains(&"attack.t1105") && hunt.tactic != Tactic::Execution {
        tags.push("attack.t1105");
    }
    tags.push("detection.emerging-threats");
    tags
}

/// What one rule does with the detection's exclusions.
struct Filters {
    /// `filter_<id>` search identifiers, present only with `--exclusions apply`.
    applied: Vec<(String, Value)>,
    falsepositives: Vec<String>,
    uses: Vec<ExclusionUse>,
}

/// Sorts every exclusion into a filter, a false-positive note, or both.
///
/// Prose goes to `falsepositives`. A structured exclusion is compiled for the rule's log
/// source; with `--exclusions apply` it becomes a `filter_<id>`, otherwise it is listed under
/// `falsepositives` with its expression, ready to enable. One that the log source cannot
/// express is listed with the reason.
fn filters(detection: &Detection, options: &EmitOptions, hunt: &Hunt) -> Filters {
    let mut out = Filters {
        applied: Vec::new(),
        falsepositives: Vec::new(),
        uses: Vec::new(),
    };
    for exclusion in &detection.exclusions {
        let id = &exclusion.id;
        let said = single_line(&exclusion.text).trim().to_string();
        let lead = match &exclusion.scenario {
            Some(scenario) => format!("{}: {said}", single_line(scenario).trim()),
            None => said,
        };
        let (note, state) = match exclusion.expr() {
            None => (lead, ExclusionState::Prose),
            Some(expr) => match exclusions::compile(expr, hunt.category) {
                Err(reason) => (
                    format!("{lead} (exclusion {id} is not applied: {reason})"),
                    ExclusionState::Omitted { reason },
                ),
                Ok(value) => match options.exclusions {
                    ExclusionMode::Comment => (
                        format!("{lead} (suggested exclusion {id}, not applied: {expr})"),
                        ExclusionState::Commented,
                    ),
                    ExclusionMode::Apply => {
                        out.applied.push((format!("filter_{id}"), value));
                        (
                            format!("{lead} (excluded by filter_{id})"),
                            ExclusionState::Applied,
                        )
                    }
                },
            },
        };
        out.falsepositives.push(note);
        out.uses.push(ExclusionUse {
            id: id.clone(),
            state,
        });
    }
    out.falsepositives = unique(out.falsepositives);
    if out.falsepositives.is_empty() {
        // The SigmaHQ convention for "none known".
        out.falsepositives.push("Unknown".to_string());
    }
    out
}

/// The non-empty items in first-seen order, each once (the schema wants unique items).
fn unique(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|item| !item.is_empty() && seen.insert(item.clone()))
        .collect()
}

/// At most `max` characters of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// `head` cut to at most `max` bytes, then `tail`, so that `<name>.yml` fits `MAX_FILE_NAME`.
/// The tail (the hunt and the part label) is kept whole, since it tells the rules apart; `head`
/// (the detection's name) gives way, down to its first character. The longest hunt tail leaves
/// room for a part label of 36 bits, a hunt halved 36 times over.
fn fitted_name(head: &str, tail: &str, max: usize) -> String {
    let room = (MAX_FILE_NAME - ".yml".len())
        .saturating_sub(tail.len())
        .clamp(1, max);
    format!("{}{tail}", truncate_slug(head, room))
}

/// At most `max` bytes of an ASCII slug, without a trailing dash.
fn truncate_slug(slug: &str, max: usize) -> String {
    let mut out: String = slug.chars().take(max).collect();
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::HUNTS;

    #[test]
    fn dates_are_checked() {
        assert!(is_date("2026-05-10"));
        assert!(!is_date("2026-13-10"));
        assert!(!is_date("2026-05-00"));
        assert!(!is_date("2026-5-10"));
        assert!(!is_date("2026-05-10T00"));
    }

    #[test]
    fn the_id_ignores_case_and_spacing_of_the_name_but_not_the_hunt() {
        let a = rule_id("DCRat", &HUNTS[1], "");
        assert_eq!(a, rule_id("  dcrat ", &HUNTS[1], ""));
        assert_ne!(a, rule_id("DCRat", &HUNTS[0], ""));
        assert_ne!(a, rule_id("AsyncRAT", &HUNTS[1], ""));
        assert_eq!(a.get_version_num(), 5);
    }

    #[test]
    fn each_part_has_its_own_id_and_an_unsplit_rule_keeps_the_one_it_had() {
        let whole = rule_id("HarborFinch", &HUNTS[1], "");
        // The id of this rule in fixtures/deploy-rules, written before rules were split: an
        // unsplit rule's id must not move with the code that splits.
        assert_eq!(whole.to_string(), "06ca3bb9-2c33-575c-b8a0-124dc64732b4");
        let parts = ["0", "1", "01", "10", "0110"];
        let mut ids: Vec<Uuid> = parts
            .iter()
            .map(|p| rule_id("HarborFinch", &HUNTS[1], p))
            .collect();
        ids.push(whole);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), parts.len() + 1);
    }

    #[test]
    fn a_name_keeps_its_tail_and_fits_a_file_name() {
        let long = "a".repeat(200);
        let name = fitted_name(
            &long,
            "-network-connection-ip-port-part-0110",
            MAX_NAME_SLUG,
        );
        assert!(
            name.ends_with("-network-connection-ip-port-part-0110"),
            "{name}"
        );
        assert!(name.len() + ".yml".len() <= MAX_FILE_NAME, "{name}");
        assert_eq!(
            fitted_name("short-name", "-dns-query-domain", MAX_NAME_SLUG),
            "short-name-dns-query-domain"
        );
        let file = fitted_name(
            &long,
            &format!("-{}-part-{}", "x".repeat(40), "01".repeat(8)),
            usize::MAX,
        );
        assert_eq!(file.len() + ".yml".len(), MAX_FILE_NAME, "{file}");
    }
}
