//! What the ES|QL backend hunts in: one target per kind of event, the Elastic Common Schema
//! fields each target matches indicators on, and how the neutral field vocabulary maps to them.
//!
//! The vocabulary already is ECS, so the field maps are mostly the identity. They still differ by
//! target, because ES|QL refuses a query that names a column no index in its `FROM` maps
//! ("Unknown column"): an exclusion on `file.hash.md5` must not be written into a DNS hunt.
//! Field names follow the ECS field reference (network, dns, url, file, process and email field
//! sets).

use ioc_core::{Field, IndicatorKind};

/// How a target matches one group of indicator kinds.
#[derive(Debug, Clone, Copy)]
pub enum Hunt {
    /// IP addresses, CIDR ranges and ip:port pairs on an `ip` field and its port field.
    Address {
        ip: &'static str,
        port: &'static str,
    },
    /// Domains and their subdomains on a field holding a host name.
    Host { field: &'static str },
    /// URLs, exactly, on a field holding the full URL.
    Url { field: &'static str },
    /// Hashes, each on the field for its algorithm.
    Hash {
        md5: &'static str,
        sha1: &'static str,
        sha256: &'static str,
    },
    /// Case-insensitive equality with one indicator kind, on one or more keyword fields.
    Equals {
        kind: IndicatorKind,
        fields: &'static [&'static str],
    },
}

impl Hunt {
    pub fn kinds(&self) -> &'static [IndicatorKind] {
        use IndicatorKind::*;
        match self {
            Hunt::Address { .. } => &[Ipv4, Ipv6, IpPort, Cidr],
            Hunt::Host { .. } => &[Domain],
            Hunt::Url { .. } => &[Url],
            Hunt::Hash { .. } => &[Md5, Sha1, Sha256],
            Hunt::Equals { kind: Email, .. } => &[Email],
            Hunt::Equals { kind: FileName, .. } => &[FileName],
            Hunt::Equals { .. } => &[],
        }
    }
}

/// The ES|QL type of the field a vocabulary field maps to, which decides how it is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// A `keyword` field.
    Str(&'static str),
    /// An `ip` field.
    Ip(&'static str),
    /// A numeric port field.
    Port(&'static str),
    /// A command-line field standing in for `process.args`, which is a multi-valued keyword in
    /// ECS (and ES|QL compares multi-valued fields to null): an argument is contained in the
    /// command line, but equality with one argument cannot be tested on it.
    Args(&'static str),
}

pub struct Target {
    /// The name in settings (`index.<name>`) and in query names.
    pub name: &'static str,
    /// What the target holds, for the header comment.
    pub title: &'static str,
    pub hunts: &'static [Hunt],
    pub fields: &'static [(Field, Column)],
}

impl Target {
    pub fn column_for(&self, field: Field) -> Option<Column> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
    }

    pub fn hunts(&self, kind: IndicatorKind) -> bool {
        self.hunts.iter().any(|h| h.kinds().contains(&kind))
    }
}

use Column::{Args, Ip, Port, Str};

/// The process that caused an event, as endpoint agents record it on network and file events.
const ACTOR: [(Field, Column); 3] = [
    (Field::ProcessName, Str("process.name")),
    (Field::ProcessExecutable, Str("process.executable")),
    (Field::UserName, Str("user.name")),
];

const fn with_actor<const N: usize>(own: &'static [(Field, Column)]) -> [(Field, Column); N] {
    let mut out = [(Field::ProcessName, Str("")); N];
    let mut i = 0;
    while i < ACTOR.len() {
        out[i] = ACTOR[i];
        i += 1;
    }
    let mut j = 0;
    while j < own.len() {
        out[i + j] = own[j];
        j += 1;
    }
    out
}

const NETWORK_FIELDS: [(Field, Column); 9] = with_actor(&[
    (Field::SourceIp, Ip("source.ip")),
    (Field::SourcePort, Port("source.port")),
    (Field::DestinationIp, Ip("destination.ip")),
    (Field::DestinationPort, Port("destination.port")),
    (Field::DestinationDomain, Str("destination.domain")),
    (Field::DestinationAddress, Str("destination.address")),
]);

const DNS_FIELDS: [(Field, Column); 6] = with_actor(&[
    (Field::DnsQuestionName, Str("dns.question.name")),
    (Field::SourceIp, Ip("source.ip")),
    (Field::DestinationIp, Ip("destination.ip")),
]);

const WEB_FIELDS: [(Field, Column); 9] = with_actor(&[
    (Field::UrlFull, Str("url.full")),
    (Field::SourceIp, Ip("source.ip")),
    (Field::DestinationIp, Ip("destination.ip")),
    (Field::DestinationPort, Port("destination.port")),
    (Field::DestinationDomain, Str("destination.domain")),
    (Field::DestinationAddress, Str("destination.address")),
]);

const FILE_FIELDS: [(Field, Column); 8] = with_actor(&[
    (Field::FileName, Str("file.name")),
    (Field::FilePath, Str("file.path")),
    (Field::FileHashMd5, Str("file.hash.md5")),
    (Field::FileHashSha1, Str("file.hash.sha1")),
    (Field::FileHashSha256, Str("file.hash.sha256")),
]);

/// The targets, in output order.
pub static TARGETS: &[Target] = &[
    Target {
        name: "network",
        title: "network events",
        hunts: &[
            Hunt::Address {
                ip: "destination.ip",
                port: "destination.port",
            },
            Hunt::Address {
                ip: "source.ip",
                port: "source.port",
            },
            Hunt::Host {
                field: "destination.domain",
            },
        ],
        fields: &NETWORK_FIELDS,
    },
    Target {
        name: "dns",
        title: "DNS events",
        hunts: &[Hunt::Host {
            field: "dns.question.name",
        }],
        fields: &DNS_FIELDS,
    },
    Target {
        name: "web",
        title: "web and proxy events",
        hunts: &[
            Hunt::Host {
                field: "url.domain",
            },
            Hunt::Url { field: "url.full" },
        ],
        fields: &WEB_FIELDS,
    },
    Target {
        name: "file",
        title: "file events",
        hunts: &[
            Hunt::Hash {
                md5: "file.hash.md5",
                sha1: "file.hash.sha1",
                sha256: "file.hash.sha256",
            },
            Hunt::Equals {
                kind: IndicatorKind::FileName,
                fields: &["file.name"],
            },
        ],
        fields: &FILE_FIELDS,
    },
    Target {
        name: "process",
        title: "process events",
        hunts: &[
            Hunt::Hash {
                md5: "process.hash.md5",
                sha1: "process.hash.sha1",
                sha256: "process.hash.sha256",
            },
            Hunt::Equals {
                kind: IndicatorKind::FileName,
                fields: &["process.name"],
            },
        ],
        // In a process event the file is the process image, so the file fields map onto it.
        fields: &[
            (Field::ProcessName, Str("process.name")),
            (Field::ProcessExecutable, Str("process.executable")),
            (Field::ProcessCommandLine, Str("process.command_line")),
            (Field::ProcessArgs, Args("process.command_line")),
            (Field::ProcessParentName, Str("process.parent.name")),
            (
                Field::ProcessParentExecutable,
                Str("process.parent.executable"),
            ),
            (
                Field::ProcessParentCommandLine,
                Str("process.parent.command_line"),
            ),
            (Field::UserName, Str("user.name")),
            (Field::FileName, Str("process.name")),
            (Field::FilePath, Str("process.executable")),
            (Field::FileHashMd5, Str("process.hash.md5")),
            (Field::FileHashSha1, Str("process.hash.sha1")),
            (Field::FileHashSha256, Str("process.hash.sha256")),
        ],
    },
    Target {
        name: "email",
        title: "email events",
        hunts: &[Hunt::Equals {
            kind: IndicatorKind::Email,
            fields: &["email.from.address", "email.sender.address"],
        }],
        fields: &[(Field::SourceIp, Ip("source.ip"))],
    },
];

/// The index pattern each target reads when no setting names one.
pub const DEFAULT_INDEX: &str = "logs-*";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_target() {
        for kind in IndicatorKind::ALL {
            assert!(
                TARGETS.iter().any(|t| t.hunts(kind)),
                "{kind} has no target"
            );
        }
    }

    #[test]
    fn names_are_unique_and_fields_mapped_once() {
        for (i, target) in TARGETS.iter().enumerate() {
            assert!(TARGETS[..i].iter().all(|t| t.name != target.name));
            for (j, (field, _)) in target.fields.iter().enumerate() {
                assert!(
                    target.fields[..j].iter().all(|(f, _)| f != field),
                    "{} maps {field} twice",
                    target.name
                );
            }
        }
    }
}
