//! The backend interface and its registry.
//!
//! A backend is a crate that implements [`Backend`] and registers a static instance with
//! [`register_backend!`]. The registry is built by `inventory` at link time, so a team can add a
//! SIEM by linking one more crate into its binary, without touching this crate.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::detection::Detection;
use crate::indicator::IndicatorKind;

/// Turns a [`Detection`] into queries or rules for one SIEM.
pub trait Backend: Send + Sync + 'static {
    /// The name given to `--backend`: short, lower-case, unique.
    fn name(&self) -> &'static str;

    /// One line for `--list-backends`.
    fn description(&self) -> &'static str;

    /// The backend crate's version.
    fn version(&self) -> &'static str;

    /// The indicator kinds this backend can hunt. Others are reported as unsupported.
    fn kinds(&self) -> &'static [IndicatorKind];

    /// Profiles the backend accepts for `--profile`; the first is the default.
    fn profiles(&self) -> &'static [&'static str] {
        &[]
    }

    /// The extension of the files `--out-dir` writes for this backend's queries.
    fn file_extension(&self) -> &'static str {
        "txt"
    }

    /// What `--emit rule` writes, in a few words for `--list-backends` (such as "Microsoft
    /// Sentinel analytics rules"); `None` when the backend writes no rules.
    ///
    /// Under [`Output::Rules`] a backend puts its rule files in [`Emission::rules`], each named
    /// by the backend: one per query (Sentinel, Sigma) or one for all of them (Splunk's
    /// `savedsearches.conf`).
    fn rule_format(&self) -> Option<&'static str> {
        None
    }

    /// Emits queries for every indicator of a supported kind.
    ///
    /// The pipeline has already set aside indicators of kinds not in [`Backend::kinds`]. Every
    /// indicator it passes must come back in at least one query or in [`Emission::skipped`].
    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError>;
}

/// A backend in the registry. Created by [`register_backend!`].
pub struct BackendRegistration {
    pub backend: &'static dyn Backend,
}

inventory::collect!(BackendRegistration);

/// Registers a backend instance (a `static` or a constant expression) with the registry.
#[macro_export]
macro_rules! register_backend {
    ($backend:expr) => {
        $crate::inventory::submit! {
            $crate::BackendRegistration { backend: &$backend }
        }
    };
}

/// Every linked backend, sorted by name.
pub fn registered_backends() -> Vec<&'static dyn Backend> {
    let mut all: Vec<&'static dyn Backend> = inventory::iter::<BackendRegistration>
        .into_iter()
        .map(|r| r.backend)
        .collect();
    all.sort_by_key(|b| b.name());
    all
}

/// Finds a linked backend by name.
pub fn find_backend(name: &str) -> Option<&'static dyn Backend> {
    registered_backends().into_iter().find(|b| b.name() == name)
}

/// Whether structured exclusions are active or only written out, ready to enable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionMode {
    /// Write-up exclusions are suggestions; one such as `process.name = powershell` would hide
    /// real beacons, so by default they are emitted disabled.
    #[default]
    Comment,
    Apply,
}

/// How far back a hunt looks: a whole number of days, hours or minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lookback {
    pub amount: u32,
    pub unit: TimeUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Days,
    Hours,
    Minutes,
}

impl TimeUnit {
    pub fn suffix(self) -> char {
        match self {
            TimeUnit::Days => 'd',
            TimeUnit::Hours => 'h',
            TimeUnit::Minutes => 'm',
        }
    }
}

impl Lookback {
    /// One hour: the schedule of a deployed rule unless one is set.
    pub const HOUR: Lookback = Lookback {
        amount: 1,
        unit: TimeUnit::Hours,
    };

    /// Fourteen days: long enough for a weekly hunt with slack, and the longest period a
    /// Sentinel scheduled rule may query, so the same default serves hunting and deployment.
    pub const DEFAULT: Lookback = Lookback {
        amount: 14,
        unit: TimeUnit::Days,
    };

    pub fn as_minutes(self) -> u64 {
        let per = match self.unit {
            TimeUnit::Days => 24 * 60,
            TimeUnit::Hours => 60,
            TimeUnit::Minutes => 1,
        };
        u64::from(self.amount) * per
    }
}

impl Default for Lookback {
    fn default() -> Self {
        Lookback::DEFAULT
    }
}

impl fmt::Display for Lookback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

impl FromStr for Lookback {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let amount: u32 = digits
            .parse()
            .map_err(|_| format!("{text:?} is not a duration such as 14d, 12h or 30m"))?;
        if amount == 0 {
            return Err(format!("{text:?}: a duration must be longer than zero"));
        }
        let unit = match unit {
            "d" => TimeUnit::Days,
            "h" => TimeUnit::Hours,
            "m" => TimeUnit::Minutes,
            _ => return Err(format!("{text:?} has unit {unit:?}; use d, h or m")),
        };
        Ok(Lookback { amount, unit })
    }
}

/// How indicators reach the query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The values are written into the queries, split into parts where needed.
    #[default]
    Inline,
    /// The values go into a lookup table (an artifact) that short queries join against.
    /// Backends without a lookup form split inline and say so.
    Lookup,
}

/// What a run writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Hunting queries, to run by hand.
    #[default]
    Queries,
    /// Rule files in the form the SIEM's tooling imports, which run on a schedule.
    Rules,
}

/// Options that apply to every backend, plus backend-specific settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmitOptions {
    pub profile: Option<String>,
    pub mode: Mode,
    pub output: Output,
    pub exclusions: ExclusionMode,
    /// How far back each query looks; for a rule, the period each run covers.
    pub lookback: Lookback,
    /// How often a rule runs; `None` for [`Lookback::HOUR`]. Hunting queries ignore it.
    pub schedule: Option<Lookback>,
    /// The longest query or rule to write, in characters; longer output is split into parts.
    /// `None` lets the backend use its own default.
    pub max_query_chars: Option<usize>,
    /// Backend-specific `key=value` settings.
    pub settings: BTreeMap<String, String>,
}

/// What a backend produced for one detection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Emission {
    pub queries: Vec<Query>,
    /// Indicators (by index into [`Detection::indicators`]) the backend could not hunt under
    /// the chosen options, with the reason.
    pub skipped: Vec<(usize, String)>,
    /// Remarks for the summary, such as tables left out by a profile.
    pub notes: Vec<String>,
    /// Files that go with the queries or rules, such as lookup tables.
    pub artifacts: Vec<Artifact>,
    /// Under [`Output::Rules`], the rule files, named by the backend.
    pub rules: Vec<Artifact>,
}

/// A file the backend writes: a lookup table or a rule file. `name` is a plain file name: no
/// directories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    pub name: String,
    pub content: String,
}

/// One query or rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Query {
    /// Stable, unique within the emission, usable as a file name.
    pub name: String,
    /// The table, data model or log source the query reads.
    pub target: String,
    pub text: String,
    /// Indices into [`Detection::indicators`].
    #[serde(skip)]
    pub indicators: Vec<usize>,
    pub exclusions: Vec<ExclusionUse>,
}

/// What a query did with one exclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExclusionUse {
    pub id: String,
    #[serde(flatten)]
    pub state: ExclusionState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ExclusionState {
    Applied,
    /// Written out disabled, ready to enable.
    Commented,
    /// Could not be expressed on this target.
    Omitted {
        reason: String,
    },
    /// Carried as a comment.
    Prose,
}

/// A backend could not emit at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    #[error("backend {backend}: unknown profile {profile:?}; choose one of {choices}")]
    UnknownProfile {
        backend: &'static str,
        profile: String,
        choices: String,
    },
    #[error("backend {backend}: {message}")]
    Invalid {
        backend: &'static str,
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookback_parses_and_prints() {
        assert_eq!("14d".parse::<Lookback>().unwrap(), Lookback::DEFAULT);
        assert_eq!("36h".parse::<Lookback>().unwrap().to_string(), "36h");
        assert_eq!("90m".parse::<Lookback>().unwrap().as_minutes(), 90);
        assert!("0d".parse::<Lookback>().is_err());
        assert!("2w".parse::<Lookback>().is_err());
        assert!("d".parse::<Lookback>().is_err());
        assert!("99999999999d".parse::<Lookback>().is_err());
    }
}
