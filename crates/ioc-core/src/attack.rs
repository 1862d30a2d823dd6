//! What a detection says about itself for deployment: its level, and the MITRE ATT&CK tactics
//! and techniques it relates to.
//!
//! Tags use the Sigma form (`attack.command-and-control`, `attack.t1071.001`), the one rule
//! authors already write; each backend turns them into its own vocabulary (Sentinel's tactic
//! names such as `CommandAndControl`, Splunk's alert severity).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How urgent a match is, in the Sigma specification's five levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == text)
            .ok_or_else(|| {
                format!("{text:?} is not a level; use informational, low, medium, high or critical")
            })
    }
}

/// An ATT&CK enterprise tactic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Tactic {
    Reconnaissance,
    ResourceDevelopment,
    InitialAccess,
    Execution,
    Persistence,
    PrivilegeEscalation,
    DefenseEvasion,
    CredentialAccess,
    Discovery,
    LateralMovement,
    Collection,
    CommandAndControl,
    Exfiltration,
    Impact,
}

impl Tactic {
    pub const ALL: [Tactic; 14] = [
        Tactic::Reconnaissance,
        Tactic::ResourceDevelopment,
        Tactic::InitialAccess,
        Tactic::Execution,
        Tactic::Persistence,
        Tactic::PrivilegeEscalation,
        Tactic::DefenseEvasion,
        Tactic::CredentialAccess,
        Tactic::Discovery,
        Tactic::LateralMovement,
        Tactic::Collection,
        Tactic::CommandAndControl,
        Tactic::Exfiltration,
        Tactic::Impact,
    ];

    /// The ATT&CK short name, as Sigma tags write it after `attack.`.
    pub fn short_name(self) -> &'static str {
        match self {
            Tactic::Reconnaissance => "reconnaissance",
            Tactic::ResourceDevelopment => "resource-development",
            Tactic::InitialAccess => "initial-access",
            Tactic::Execution => "execution",
            Tactic::Persistence => "persistence",
            Tactic::PrivilegeEscalation => "privilege-escalation",
            Tactic::DefenseEvasion => "defense-evasion",
            Tactic::CredentialAccess => "credential-access",
            Tactic::Discovery => "discovery",
            Tactic::LateralMovement => "lateral-movement",
            Tactic::Collection => "collection",
            Tactic::CommandAndControl => "command-and-control",
            Tactic::Exfiltration => "exfiltration",
            Tactic::Impact => "impact",
        }
    }

    /// The name Microsoft Sentinel's `tactics` take: the short name in Pascal case.
    pub fn pascal_name(self) -> String {
        self.short_name()
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            })
            .collect()
    }
}

/// One ATT&CK tag of a detection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttackTag {
    Tactic(Tactic),
    /// `T1071` or `T1071.001`, upper case.
    Technique(String),
}

impl AttackTag {
    /// Reads a Sigma-style tag: `attack.` and a tactic short name (dashes or the older
    /// underscores) or a technique id. `Ok(None)` for a tag outside the `attack.` namespace,
    /// which is not about ATT&CK; an `attack.` tag that names nothing known is an error.
    pub fn parse(tag: &str) -> Result<Option<AttackTag>, String> {
        let Some(rest) = tag.strip_prefix("attack.") else {
            return Ok(None);
        };
        let lower = rest.to_ascii_lowercase().replace('_', "-");
        if let Some(tactic) = Tactic::ALL.into_iter().find(|t| t.short_name() == lower) {
            return Ok(Some(AttackTag::Tactic(tactic)));
        }
        if is_technique(&lower) {
            return Ok(Some(AttackTag::Technique(lower.to_ascii_uppercase())));
        }
        Err(format!(
            "{tag:?} is neither an ATT&CK tactic (such as attack.command-and-control) nor a \
             technique (such as attack.t1071 or attack.t1071.001)"
        ))
    }

    /// The tag in Sigma's form.
    pub fn sigma(&self) -> String {
        match self {
            AttackTag::Tactic(t) => format!("attack.{}", t.short_name()),
            AttackTag::Technique(id) => format!("attack.{}", id.to_ascii_lowercase()),
        }
    }
}

/// `t` and four digits, optionally `.` and three digits.
fn is_technique(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('t') else {
        return false;
    };
    let (main, sub) = match digits.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (digits, None),
    };
    let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(main, 4) && sub.is_none_or(|s| all_digits(s, 3))
}

/// Whether a tag is in the form the Sigma specification gives tags
/// (`^[a-z0-9_-]+\.[a-z0-9._-]+$`, such as `tlp.amber`), which every backend can carry as it is.
/// MISP's tags (`tlp:clear`, `misp-galaxy:...`) are not.
pub fn is_sigma_tag(tag: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c);
    tag.split_once('.').is_some_and(|(namespace, name)| {
        !namespace.is_empty()
            && namespace.chars().all(allowed)
            && !name.is_empty()
            && name.chars().all(|c| allowed(c) || c == '.')
    })
}

/// The values of the Sigma specification's `detection` tag namespace.
pub const SIGMA_DETECTION_TAGS: &[&str] = &[
    "detection.dfir",
    "detection.emerging-threats",
    "detection.threat-hunting",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_into_tactics_and_techniques() {
        assert_eq!(
            AttackTag::parse("attack.command-and-control").unwrap(),
            Some(AttackTag::Tactic(Tactic::CommandAndControl))
        );
        assert_eq!(
            AttackTag::parse("attack.command_and_control").unwrap(),
            Some(AttackTag::Tactic(Tactic::CommandAndControl))
        );
        assert_eq!(
            AttackTag::parse("attack.t1071.001").unwrap(),
            Some(AttackTag::Technique("T1071.001".into()))
        );
        assert_eq!(AttackTag::parse("tlp.white").unwrap(), None);
        assert!(AttackTag::parse("attack.t107").is_err());
        assert!(AttackTag::parse("attack.c2").is_err());
        assert_eq!(Tactic::CommandAndControl.pascal_name(), "CommandAndControl");
        assert_eq!(
            Tactic::ResourceDevelopment.pascal_name(),
            "ResourceDevelopment"
        );
    }

    #[test]
    fn levels_parse_and_order() {
        assert_eq!("high".parse::<Level>().unwrap(), Level::High);
        assert!("severe".parse::<Level>().is_err());
        assert!(Level::Low < Level::Critical);
    }
}
