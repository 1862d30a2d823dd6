//! The detection file: a TOML file in which a detection engineer states what the inputs do not,
//! or states it better: title, description, level, ATT&CK tags, lookback, schedule, structured
//! exclusions, and per-backend overrides of the field map (KQL tables and profile, SPL fields,
//! Sigma log sources).
//!
//! It is merged into the detection the readers built, and wins where the two disagree
//! ([`DetectionFile::apply`] returns a note for each such conflict). Every key is checked: an
//! unknown key, a value of the wrong type or a value that does not parse is an error naming the
//! line and column, because a misspelt override that silently does nothing would deploy a rule
//! other than the one the engineer reviewed. [`TEMPLATE`] is what `ioc-emit init` writes.

use std::collections::BTreeMap;
use std::fmt;

use ioc_core::attack::{is_sigma_tag, SIGMA_DETECTION_TAGS};
use ioc_core::{
    parse_clause, AttackTag, Detection, Exclusion, ExclusionKind, Expr, Level, Lookback, Polarity,
    Source,
};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A parsed and checked detection file.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionFile {
    /// The file name, for locations.
    pub name: String,
    pub title: Option<String>,
    /// The name the rules are known by: their ids, query and file names. Without it, the
    /// family (or the inputs' title) names them, so two reports about one family make rules of
    /// the same identity, and deploying one replaces the other.
    pub rule_name: Option<String>,
    pub description: Option<String>,
    pub level: Option<Level>,
    pub attack: Vec<AttackTag>,
    /// Tags outside the `attack.` namespace, kept as written.
    pub other_tags: Vec<String>,
    pub references: Vec<String>,
    pub lookback: Option<Lookback>,
    pub schedule: Option<Lookback>,
    pub exclusions: Vec<FileExclusion>,
    /// By backend name: the profile and the settings the file gives it.
    backends: BTreeMap<&'static str, BackendOverrides>,
}

/// A structured exclusion stated in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileExclusion {
    pub text: String,
    pub scenario: Option<String>,
    pub expr: Expr,
    pub line: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct BackendOverrides {
    profile: Option<String>,
    settings: BTreeMap<String, String>,
}

/// A detection file that cannot be used, with the place of the fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DetectionFileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for DetectionFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

// The file as TOML has it. `deny_unknown_fields` everywhere: the error then carries the span of
// the unknown key. Values that need checking beyond their type are `Spanned` so that the check
// can name their place too. `Serialize` lets a test prove the template round-trips.

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lookback: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    exclusions: Vec<RawExclusion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kql: Option<KqlSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spl: Option<SplSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sigma: Option<SigmaSection>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    #[serde(skip_serializing_if = "Option::is_none")]
    scenario: Option<String>,
    /// The events to leave out, in the clause language of write-ups.
    #[serde(rename = "match")]
    matches: Spanned<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct KqlSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    /// Table name → the table or function to read instead.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tables: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    settings: BTreeMap<String, Setting>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SplSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    /// CIM role → the raw event field that holds it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    fields: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    settings: BTreeMap<String, Setting>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SigmaSection {
    /// Log source category → what to write in its rules' `logsource` instead.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    logsources: BTreeMap<String, Logsource>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    settings: BTreeMap<String, Setting>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Logsource {
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<String>,
}

/// A backend setting: written as a string, a boolean or a whole number.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
enum Setting {
    Text(String),
    Flag(bool),
    Number(i64),
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Text(s) => f.write_str(s),
            Setting::Flag(b) => write!(f, "{b}"),
            Setting::Number(n) => write!(f, "{n}"),
        }
    }
}

impl DetectionFile {
    /// Parses and checks the text of the file called `name`.
    pub fn parse(name: &str, text: &str) -> Result<DetectionFile, DetectionFileError> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            error_at(name, text, at, e.message().trim())
        })?;
        Self::check(name, text, raw)
    }

    fn check(name: &str, text: &str, raw: Raw) -> Result<DetectionFile, DetectionFileError> {
        let fail = |value: &Spanned<String>, message: String| {
            error_at(name, text, value.span().start, &message)
        };
        let level = match &raw.level {
            Some(v) => Some(v.get_ref().parse::<Level>().map_err(|m| fail(v, m))?),
            None => None,
        };
        let named = |v: &Option<Spanned<String>>, what: &str| match v {
            Some(v) if v.get_ref().trim().is_empty() => Err(fail(
                v,
                format!("{what}: empty; give a name or leave the key out"),
            )),
            Some(v) => Ok(Some(v.get_ref().trim().to_string())),
            None => Ok(None),
        };
        let title = named(&raw.title, "title")?;
        let rule_name = named(&raw.name, "name")?;
        let mut attack = Vec::new();
        let mut other_tags = Vec::new();
        for tag in &raw.tags {
            match AttackTag::parse(tag.get_ref()).map_err(|m| fail(tag, m))? {
                Some(t) if !attack.contains(&t) => attack.push(t),
                Some(_) => {}
                None => {
                    let text = tag.get_ref();
                    if text.starts_with("detection.")
                        && !SIGMA_DETECTION_TAGS.contains(&text.as_str())
                    {
                        return Err(fail(
                            tag,
                            format!(
                                "tag {text:?}: the detection namespace has dfir, \
                                 emerging-threats and threat-hunting"
                            ),
                        ));
                    }
                    if !is_sigma_tag(text) {
                        return Err(fail(
                            tag,
                            format!(
                                "tag {text:?}: a tag is namespace.name, in lower-case letters, \
                                 digits, '_', '-' and '.' (such as tlp.amber)"
                            ),
                        ));
                    }
                    other_tags.push(text.clone())
                }
            }
        }
        let duration = |v: &Option<Spanned<String>>, what: &str| match v {
            Some(v) => v
                .get_ref()
                .parse::<Lookback>()
                .map(Some)
                .map_err(|m| fail(v, format!("{what}: {m}"))),
            None => Ok(None),
        };
        let lookback = duration(&raw.lookback, "lookback")?;
        let schedule = duration(&raw.schedule, "schedule")?;
        let mut exclusions = Vec::new();
        for exclusion in &raw.exclusions {
            let clause = exclusion.matches.get_ref();
            let expr = parse_clause(clause, Polarity::Exclude).ok_or_else(|| {
                fail(
                    &exclusion.matches,
                    format!(
                        "exclusion {clause:?} is not structured: write comparisons (=, !=, \
                         contains, startswith, endswith, in, not in, matches) over known fields \
                         such as process.name, joined by and, or, not"
                    ),
                )
            })?;
            let (line, _) = line_column(text, exclusion.matches.span().start);
            exclusions.push(FileExclusion {
                text: clause.trim().to_string(),
                scenario: exclusion.scenario.clone(),
                expr,
                line: u32::try_from(line).unwrap_or(u32::MAX),
            });
        }
        Ok(DetectionFile {
            name: name.to_string(),
            title,
            rule_name,
            description: raw.description.clone(),
            level,
            attack,
            other_tags,
            references: raw.references.clone(),
            lookback,
            schedule,
            exclusions,
            backends: backends(&raw),
        })
    }

    /// The profile the file names for `backend`.
    pub fn profile(&self, backend: &str) -> Option<&str> {
        self.backends.get(backend)?.profile.as_deref()
    }

    /// The settings the file gives `backend`, as `--set` would: the field-map overrides
    /// (`table.<name>` for KQL, `field.<role>` for SPL, `logsource.<category>.<key>` for Sigma)
    /// and the section's `settings` as written.
    pub fn settings(&self, backend: &str) -> BTreeMap<String, String> {
        self.backends
            .get(backend)
            .map(|b| b.settings.clone())
            .unwrap_or_default()
    }

    /// Merges the file into `detection`. The file wins: its title, description and level
    /// replace what the inputs said, its ATT&CK tags replace the backends' defaults, its
    /// references and other tags are added, and its exclusions follow the inputs' (numbered on
    /// from them). Returns one note per value the file replaced.
    pub fn apply(&self, detection: &mut Detection) -> Vec<String> {
        let mut notes = Vec::new();
        let mut replace = |what: &str, slot: &mut String, new: &str| {
            if slot != new {
                notes.push(format!(
                    "{what}: {} replaces {:?} from the inputs with {new:?}",
                    self.name, slot
                ));
                *slot = new.to_string();
            }
        };
        if let Some(title) = &self.title {
            replace("title", &mut detection.title, title.trim());
        }
        if let Some(name) = &self.rule_name {
            detection.label = name.clone();
        }
        if let Some(description) = &self.description {
            match &mut detection.description {
                Some(old) => replace("description", old, description.trim()),
                None => detection.description = Some(description.trim().to_string()),
            }
        }
        if self.level.is_some() {
            detection.level = self.level;
        }
        if !self.attack.is_empty() {
            detection.attack = self.attack.clone();
        }
        for reference in &self.references {
            if !detection.references.contains(reference) {
                detection.references.push(reference.clone());
            }
        }
        for tag in &self.other_tags {
            if !detection.tags.contains(tag) {
                detection.tags.push(tag.clone());
            }
        }
        for exclusion in &self.exclusions {
            let same = detection
                .exclusions
                .iter()
                .find(|e| e.expr() == Some(&exclusion.expr));
            if let Some(same) = same {
                notes.push(format!(
                    "exclusion at {}:{} is the same as {} from {}; kept once",
                    self.name, exclusion.line, same.id, same.source
                ));
                continue;
            }
            let id = format!("x{}", detection.exclusions.len() + 1);
            detection.exclusions.push(Exclusion {
                id,
                text: exclusion.text.clone(),
                scenario: exclusion.scenario.clone(),
                source: Source::line(self.name.clone(), exclusion.line),
                kind: ExclusionKind::Structured {
                    expr: exclusion.expr.clone(),
                },
            });
        }
        notes
    }
}

/// Flattens the backend sections into settings, as `--set` would give them.
fn backends(raw: &Raw) -> BTreeMap<&'static str, BackendOverrides> {
    let mut out = BTreeMap::new();
    let passthrough = |settings: &BTreeMap<String, Setting>| -> BTreeMap<String, String> {
        settings
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect()
    };
    if let Some(kql) = &raw.kql {
        let mut settings = passthrough(&kql.settings);
        for (table, replacement) in &kql.tables {
            settings.insert(format!("table.{table}"), replacement.clone());
        }
        out.insert(
            "kql",
            BackendOverrides {
                profile: kql.profile.clone(),
                settings,
            },
        );
    }
    if let Some(spl) = &raw.spl {
        let mut settings = passthrough(&spl.settings);
        for (role, field) in &spl.fields {
            settings.insert(format!("field.{role}"), field.clone());
        }
        out.insert(
            "spl",
            BackendOverrides {
                profile: spl.profile.clone(),
                settings,
            },
        );
    }
    if let Some(sigma) = &raw.sigma {
        let mut settings = passthrough(&sigma.settings);
        for (category, source) in &sigma.logsources {
            for (key, value) in [
                ("category", &source.category),
                ("product", &source.product),
                ("service", &source.service),
            ] {
                if let Some(value) = value {
                    settings.insert(format!("logsource.{category}.{key}"), value.clone());
                }
            }
        }
        out.insert(
            "sigma",
            BackendOverrides {
                profile: None,
                settings,
            },
        );
    }
    out
}

fn error_at(file: &str, text: &str, offset: usize, message: &str) -> DetectionFileError {
    let (line, column) = line_column(text, offset);
    DetectionFileError {
        file: file.to_string(),
        line,
        column,
        message: message.to_string(),
    }
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, before[start..].chars().count() + 1)
}

/// What `ioc-emit init` writes: every key, explained, with values that show the form. The
/// backend sections are commented out, since each overrides what the backend would otherwise
/// choose for itself.
pub const TEMPLATE: &str = r#"# ioc-emit detection file: pass it with --detection FILE.
#
# It says what the report does not, and wins where the two disagree (run with -v to see each
# such conflict). Options given on the command line win over the file. Every key is checked:
# an unknown key is an error that names its line.

# The rule's name and what it is about.
title = "QuietCrane loader infrastructure"

# The name rules are known by: their ids, and the names of their queries and files. Without
# it the family names them, so two reports about one family make rules with the same ids, and
# deploying one replaces the other; give each campaign its own name to keep both.
# name = "QuietCrane 2026-05 campaign"
description = """
Connections to QuietCrane's command-and-control servers and second-stage hosts, as listed in
the vendor report. A match means a host reached infrastructure the loader uses."""

# informational, low, medium, high or critical.
level = "high"

# ATT&CK tactics and techniques in Sigma's form; other tags (tlp.*, detection.*) are kept.
tags = ["attack.command-and-control", "attack.t1071.001"]

references = ["https://example.org/intel/quietcrane-loader"]

# How often a rule runs, and how far back each run looks: a number and m, h or d.
# A Sentinel scheduled rule looks back at most 14d; without a lookback, a rule looks back
# over its schedule, so that no event is reported twice.
schedule = "1h"
lookback = "1h"

# Structured exclusions: the events to leave out, as comparisons over fields such as
# process.name, process.command_line, destination.address or user.name. They are written
# disabled unless you pass --exclusions apply.
[[exclusions]]
scenario = "Nightly sync with the file mirror"
match = 'process.name = "rclone.exe" and destination.address contains "mirror.corp.example"'

# KQL: the profile (sentinel, defender or asim) and tables to read instead of the usual ones,
# such as a custom table or a function with the same columns.
# [kql]
# profile = "asim"
# tables = { CommonSecurityLog = "FirewallCef_CL" }
# settings = { watchlist = "quietcrane" }

# SPL: the profile (cim or raw) and, for raw, the event fields that hold each CIM field.
# [spl]
# profile = "raw"
# fields = { dest_ip = "DestinationIp", query = "QueryName" }
# settings = { index = "main", "index.dns" = "dns" }

# Sigma: what to write in the logsource of each category's rules.
# [sigma.logsources.network_connection]
# product = "linux"
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use ioc_core::Tactic;

    fn parse(text: &str) -> Result<DetectionFile, DetectionFileError> {
        DetectionFile::parse("rules.toml", text)
    }

    #[test]
    fn the_template_parses_and_round_trips() {
        let file = parse(TEMPLATE).unwrap();
        assert_eq!(file.level, Some(Level::High));
        assert_eq!(
            file.attack,
            [
                AttackTag::Tactic(Tactic::CommandAndControl),
                AttackTag::Technique("T1071.001".into())
            ]
        );
        assert_eq!(file.schedule.unwrap().to_string(), "1h");
        assert_eq!(file.exclusions.len(), 1);
        let match_line = TEMPLATE.lines().position(|l| l.starts_with("match = "));
        assert_eq!(
            Some(file.exclusions[0].line as usize),
            match_line.map(|n| n + 1)
        );

        // Written back out and read again, it says the same.
        let raw: Raw = toml::from_str(TEMPLATE).unwrap();
        let again = toml::to_string(&raw).unwrap();
        let reread = parse(&again).unwrap();
        assert_eq!(
            DetectionFile {
                name: String::new(),
                exclusions: Vec::new(),
                ..reread.clone()
            },
            DetectionFile {
                name: String::new(),
                exclusions: Vec::new(),
                ..file.clone()
            }
        );
        assert_eq!(reread.exclusions[0].expr, file.exclusions[0].expr);
    }

    #[test]
    fn the_commented_sections_parse_once_uncommented() {
        let text: String = TEMPLATE
            .lines()
            .map(|l| {
                l.strip_prefix("# [")
                    .map_or(l.to_string(), |r| format!("[{r}"))
            })
            .map(|l| {
                let keyed = [
                    "# profile",
                    "# tables",
                    "# settings",
                    "# fields",
                    "# product",
                ];
                if keyed.iter().any(|k| l.starts_with(k)) {
                    l[2..].to_string()
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let file = parse(&text).unwrap();
        assert_eq!(file.profile("kql"), Some("asim"));
        let kql = file.settings("kql");
        assert_eq!(kql["table.CommonSecurityLog"], "FirewallCef_CL");
        assert_eq!(kql["watchlist"], "quietcrane");
        assert_eq!(file.settings("spl")["field.dest_ip"], "DestinationIp");
        assert_eq!(file.settings("spl")["index.dns"], "dns");
        assert_eq!(
            file.settings("sigma")["logsource.network_connection.product"],
            "linux"
        );
    }

    #[test]
    fn an_unknown_key_is_an_error_at_its_line() {
        let err = parse("title = \"x\"\n\nlevle = \"high\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 1), "{err}");
        assert!(err.message.contains("unknown field `levle`"), "{err}");
        assert!(err.to_string().starts_with("rules.toml:3:1: "), "{err}");

        let err = parse("[kql]\nprofile = \"asim\"\ntable = {}\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let err = parse("[[exclusions]]\nmatch = 'process.name = \"a\"'\nwhy = 1\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let err = parse("[sigma.logsources.dns_query]\nprodcut = \"linux\"\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err = parse("[splunk]\n").unwrap_err();
        assert_eq!(err.line, 1, "{err}");
    }

    #[test]
    fn bad_values_are_errors_at_their_line() {
        let err = parse("\nlevel = \"severe\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 9), "{err}");
        let err = parse("tags = [\n  \"attack.t1071\",\n  \"attack.c2\",\n]\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let err = parse("schedule = \"2w\"\n").unwrap_err();
        assert!(err.message.starts_with("schedule: "), "{err}");
        let err = parse("[[exclusions]]\nmatch = 'rclone or similar tools'\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("not structured"), "{err}");
        let err = parse("level = 3\n").unwrap_err();
        assert_eq!(err.line, 1, "{err}");
        let err = parse("\ntags = [\"tlp.amber\", \"TLP:RED\"]\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(
            err.message.starts_with("tag \"TLP:RED\": a tag is"),
            "{err}"
        );
    }

    /// `name` is what rules are known by; an empty name or title is an error at its place.
    #[test]
    fn the_name_keys_the_rules_and_no_name_may_be_empty() {
        let mut builder = ioc_core::DetectionBuilder::new();
        builder.set_family("QuietCrane");
        let (mut detection, _) = builder.finish();
        assert_eq!(detection.label(), "QuietCrane");
        parse("name = \"QuietCrane May campaign\"\n")
            .unwrap()
            .apply(&mut detection);
        assert_eq!(detection.label(), "QuietCrane May campaign");
        for (text, what) in [("title = \" \"\n", "title"), ("\nname = \"\"\n", "name")] {
            let err = parse(text).unwrap_err();
            assert!(err.message.starts_with(&format!("{what}: empty")), "{err}");
            assert_eq!(err.line, if what == "name" { 2 } else { 1 }, "{err}");
        }
    }

    #[test]
    fn the_file_wins_and_says_where() {
        let mut builder = ioc_core::DetectionBuilder::new();
        builder.set_title("From the report");
        builder.add_exclusion(
            "process.name = \"rclone.exe\" and destination.address contains \"mirror.corp.example\"",
            None,
            Source::line("r.md", 9),
            ExclusionKind::Structured {
                expr: parse_clause(
                    "process.name = \"rclone.exe\" and destination.address contains \"mirror.corp.example\"",
                    Polarity::Exclude,
                )
                .unwrap(),
            },
        );
        let (mut detection, _) = builder.finish();
        let file = parse(
            "title = \"From the file\"\nlevel = \"low\"\ntags = [\"tlp.amber\"]\n\
             [[exclusions]]\nmatch = 'process.name = \"rclone.exe\" and destination.address \
             contains \"mirror.corp.example\"'\n[[exclusions]]\nmatch = 'user.name = \"svc\"'\n",
        )
        .unwrap();
        let notes = file.apply(&mut detection);
        assert_eq!(detection.title, "From the file");
        assert_eq!(detection.level, Some(Level::Low));
        assert_eq!(detection.tags, ["tlp.amber"]);
        assert_eq!(detection.exclusions.len(), 2);
        assert_eq!(detection.exclusions[1].id, "x2");
        assert_eq!(
            detection.exclusions[1].source,
            Source::line("rules.toml", 7)
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("\"From the report\""), "{notes:?}");
        assert!(notes[1].contains("same as x1"), "{notes:?}");
    }
}
