//! The hunts: which indicator kinds go to which log source, how they are matched, and what the
//! rule says about itself (title, ATT&CK tags, level cap).
//!
//! One rule is written per hunt that has indicators. A hunt is one log source category and one
//! kind of indicator, except that the two plain address families share a rule (one list of
//! addresses) and the three hash algorithms share one (Sysmon writes them into one `Hashes`
//! field, and SigmaHQ's hash rules list them together).

use ioc_core::IndicatorKind;

use crate::logsource::Category;

/// How a hunt's indicators become selections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Addresses, as one list on the field.
    Addresses { field: &'static str },
    /// Each address and port pair as its own selection, so that no address is matched on
    /// another listed pair's port.
    AddressPorts {
        ip: &'static str,
        port: &'static str,
    },
    /// Networks, with the `cidr` modifier.
    Networks { field: &'static str },
    /// Domains: equal to the name, or ending with `.` and the name (its subdomains).
    Domains { field: &'static str },
    /// URLs, compared whole.
    Urls { field: &'static str },
    /// Hashes on Sysmon's composite `Hashes` field, as `ALGORITHM=hash`.
    Hashes { field: &'static str },
    /// A file name as the last component of a full path field.
    FileNames { field: &'static str },
}

/// The ATT&CK tags a hunt carries (see the README for why these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tactic {
    /// Reaching command-and-control infrastructure: Application Layer Protocol (T1071).
    CommandAndControl,
    /// The same seen in web proxy logs, where the protocol is known to be HTTP(S) (T1071.001).
    CommandAndControlWeb,
    /// A known file running.
    Execution,
    /// A known file arriving on disk: Ingress Tool Transfer (T1105).
    IngressTransfer,
}

/// A rule level; the order is the order of severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

pub struct Hunt {
    /// Short, stable name: part of the query name and of the key the rule id is derived from.
    pub name: &'static str,
    pub category: Category,
    pub kinds: &'static [IndicatorKind],
    /// The title after the detection's name, in title case as SigmaHQ asks.
    pub title: &'static str,
    /// "Detects ..." continues with this.
    pub detects: &'static str,
    pub shape: Shape,
    pub tactic: Tactic,
    /// The highest level the hunt may get, whatever the confidence.
    pub max_level: Level,
}

use IndicatorKind as K;

/// Every hunt, in output order (the model's kind order).
pub const HUNTS: &[Hunt] = &[
    Hunt {
        name: "ip",
        category: Category::NetworkConnection,
        kinds: &[K::Ipv4, K::Ipv6],
        title: "Network Connection To Reported IP Address",
        detects: "network connections to IP addresses",
        shape: Shape::Addresses {
            field: "DestinationIp",
        },
        tactic: Tactic::CommandAndControl,
        max_level: Level::High,
    },
    Hunt {
        name: "ip-port",
        category: Category::NetworkConnection,
        kinds: &[K::IpPort],
        title: "Network Connection To Reported IP And Port",
        detects: "network connections to IP address and port pairs",
        shape: Shape::AddressPorts {
            ip: "DestinationIp",
            port: "DestinationPort",
        },
        tactic: Tactic::CommandAndControl,
        max_level: Level::High,
    },
    Hunt {
        name: "cidr",
        category: Category::NetworkConnection,
        kinds: &[K::Cidr],
        title: "Network Connection To Reported IP Range",
        detects: "network connections into IP ranges",
        shape: Shape::Networks {
            field: "DestinationIp",
        },
        tactic: Tactic::CommandAndControl,
        max_level: Level::High,
    },
    Hunt {
        name: "domain",
        category: Category::DnsQuery,
        kinds: &[K::Domain],
        title: "DNS Query For Reported Domain",
        detects: "DNS queries for domains and their subdomains",
        shape: Shape::Domains { field: "QueryName" },
        tactic: Tactic::CommandAndControl,
        max_level: Level::High,
    },
    Hunt {
        name: "domain",
        category: Category::Proxy,
        kinds: &[K::Domain],
        title: "Proxy Request To Reported Domain",
        detects: "proxied web requests to domains and their subdomains",
        shape: Shape::Domains { field: "cs-host" },
        tactic: Tactic::CommandAndControlWeb,
        max_level: Level::High,
    },
    Hunt {
        name: "url",
        category: Category::Proxy,
        kinds: &[K::Url],
        title: "Proxy Request To Reported URL",
        detects: "proxied web requests for URLs",
        shape: Shape::Urls { field: "c-uri" },
        tactic: Tactic::CommandAndControlWeb,
        max_level: Level::High,
    },
    Hunt {
        name: "hash",
        category: Category::ProcessCreation,
        kinds: &[K::Md5, K::Sha1, K::Sha256],
        title: "Execution Of File With Reported Hash",
        detects: "processes started from files with hashes",
        shape: Shape::Hashes { field: "Hashes" },
        tactic: Tactic::Execution,
        max_level: Level::High,
    },
    Hunt {
        name: "filename",
        category: Category::FileEvent,
        kinds: &[K::FileName],
        title: "Creation Of File With Reported Name",
        detects: "files created with names",
        shape: Shape::FileNames {
            field: "TargetFilename",
        },
        tactic: Tactic::IngressTransfer,
        // A name is the weakest indicator: anyone can give a file any name.
        max_level: Level::Low,
    },
    Hunt {
        name: "filename",
        category: Category::ProcessCreation,
        kinds: &[K::FileName],
        title: "Execution Of File With Reported Name",
        detects: "processes started from files with names",
        shape: Shape::FileNames { field: "Image" },
        tactic: Tactic::Execution,
        max_level: Level::Low,
    },
];

/// The kinds some hunt covers, for `Backend::kinds`. E-mail addresses have no Sigma taxonomy
/// log source (no mail category is defined), so they are left to the pipeline to report.
pub const KINDS: &[IndicatorKind] = &[
    K::Ipv4,
    K::Ipv6,
    K::IpPort,
    K::Cidr,
    K::Domain,
    K::Url,
    K::Md5,
    K::Sha1,
    K::Sha256,
    K::FileName,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_kind_has_a_hunt_and_no_other_kind_does() {
        for kind in IndicatorKind::ALL {
            let hunted = HUNTS.iter().any(|h| h.kinds.contains(&kind));
            assert_eq!(hunted, KINDS.contains(&kind), "{kind}");
        }
    }

    #[test]
    fn hunts_are_unique_by_category_and_name() {
        let mut keys: Vec<(&str, &str)> =
            HUNTS.iter().map(|h| (h.category.name(), h.name)).collect();
        let count = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), count);
    }
}
