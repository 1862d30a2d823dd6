//! The tables the KQL backend hunts in, per profile: which indicators each can match, how its
//! columns map to the neutral field vocabulary, and what it projects for the analyst.
//!
//! Column names and types follow Microsoft's table references for Log Analytics (Sentinel) and
//! advanced hunting (Defender XDR), and the ASIM schema references for the unifying parsers
//! (`_Im_NetworkSession`, `_Im_Dns`, `_Im_WebSession`, `_Im_FileEvent`); the tests check every
//! query against the schema of its profile.

use ioc_core::{Field, IndicatorKind};

/// Where the queries run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Microsoft Sentinel: Log Analytics tables, time column `TimeGenerated`.
    Sentinel,
    /// Defender XDR advanced hunting: Device*, Email* and UrlClickEvents, time column `Timestamp`.
    Defender,
    /// Microsoft Sentinel through the ASIM unifying parsers, which normalise every source of a
    /// schema (firewalls, DNS servers, proxies, EDRs) to one set of columns.
    Asim,
}

impl Profile {
    pub const NAMES: &'static [&'static str] = &["sentinel", "defender", "asim"];

    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "sentinel" => Some(Profile::Sentinel),
            "defender" => Some(Profile::Defender),
            "asim" => Some(Profile::Asim),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Sentinel => "sentinel",
            Profile::Defender => "defender",
            Profile::Asim => "asim",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Profile::Sentinel => "Microsoft Sentinel",
            Profile::Defender => "Defender XDR advanced hunting",
            Profile::Asim => "Microsoft Sentinel ASIM",
        }
    }

    pub fn time_column(self) -> &'static str {
        match self {
            Profile::Sentinel | Profile::Asim => "TimeGenerated",
            Profile::Defender => "Timestamp",
        }
    }

    /// The tables of this profile, in output order.
    pub fn tables(self) -> Vec<&'static Table> {
        match self {
            Profile::Asim => ASIM_TABLES.iter().collect(),
            _ => TABLES
                .iter()
                .filter(|t| self == Profile::Sentinel || !t.sentinel_only)
                .collect(),
        }
    }

    /// Tables this profile leaves out, for the summary.
    pub fn missing_tables(self) -> Vec<&'static str> {
        TABLES
            .iter()
            .filter(|t| self == Profile::Defender && t.sentinel_only)
            .map(|t| t.name)
            .collect()
    }
}

/// How a table matches one group of indicator kinds.
#[derive(Debug, Clone, Copy)]
pub enum Hunt {
    /// IP addresses, CIDR ranges and ip:port pairs on an address column and its port column.
    /// `mapped` also matches IPv4 addresses written as IPv4-mapped IPv6 (`::ffff:a.b.c.d`),
    /// which Defender records for some IPv4 connections.
    Address {
        ip: &'static str,
        port: &'static str,
        mapped: bool,
    },
    /// Domains and their subdomains on a column holding a bare host name.
    Host { column: &'static str },
    /// Domains and their subdomains on the host part of a column holding URLs (or bare names).
    UrlHost { column: &'static str },
    /// URLs on a column; `schemeless` also matches the form without `scheme://`.
    Url {
        column: &'static str,
        schemeless: bool,
    },
    /// Hashes, each on the column for its algorithm.
    Hash {
        md5: &'static str,
        sha1: &'static str,
        sha256: &'static str,
    },
    /// Plain case-insensitive equality on one or more columns.
    Equals {
        kind: IndicatorKind,
        columns: &'static [&'static str],
    },
}

impl Hunt {
    pub fn kinds(&self) -> &'static [IndicatorKind] {
        use IndicatorKind::*;
        match self {
            Hunt::Address { .. } => &[Ipv4, Ipv6, IpPort, Cidr],
            Hunt::Host { .. } | Hunt::UrlHost { .. } => &[Domain],
            Hunt::Url { .. } => &[Url],
            Hunt::Hash { .. } => &[Md5, Sha1, Sha256],
            Hunt::Equals { kind: Email, .. } => &[Email],
            Hunt::Equals { kind: FileName, .. } => &[FileName],
            Hunt::Equals { .. } => &[],
        }
    }
}

/// How an exclusion field maps to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Str(&'static str),
    Int(&'static str),
    /// A command-line column standing in for `process.args`: an argument is contained in the
    /// command line, but equality with one argument cannot be tested on it.
    Args(&'static str),
}

/// A filtering parameter of an ASIM parser, passed so that the parser drops unrelated events
/// in each source before normalising them. The query still tests every value exactly after the
/// call; a parameter is passed only when it covers every indicator of the query, since the
/// parser keeps only events that pass it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefilter {
    /// Addresses, as prefixes of either address column (`ipaddr_has_any_prefix`): passed only
    /// for plain IPv4 addresses and IPv4 address and port pairs, whose text has one form.
    Ipv4Addresses(&'static str),
    /// Domains (`domain_has_any`).
    Domains(&'static str),
    /// Domains and URLs without their scheme, as terms of the URL (`url_has_any`).
    UrlTerms(&'static str),
    /// Hashes of any algorithm (`hashes_has_any`).
    Hashes(&'static str),
}

pub struct Table {
    pub name: &'static str,
    pub sentinel_only: bool,
    /// For an ASIM parser, the filtering parameters it takes besides `starttime`; `None` for a
    /// table.
    pub parser: Option<&'static [Prefilter]>,
    /// The data connector that fills the table, for a Sentinel rule's `requiredDataConnectors`;
    /// `None` where no single connector does (an ASIM parser reads many).
    pub connector: Option<&'static str>,
    pub hunts: &'static [Hunt],
    /// Columns after the time column.
    pub project: &'static [&'static str],
    pub fields: &'static [(Field, &'static [Column])],
}

impl Table {
    pub fn columns_for(&self, field: Field) -> Option<&'static [Column]> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
    }

    pub fn hunts(&self, kind: IndicatorKind) -> bool {
        self.hunts.iter().any(|h| h.kinds().contains(&kind))
    }
}

use Column::{Args, Int, Str};

/// Defender's endpoint tables share the initiating-process columns.
const INITIATING_PROCESS: &[(Field, &[Column])] = &[
    (Field::ProcessName, &[Str("InitiatingProcessFileName")]),
    (
        Field::ProcessCommandLine,
        &[Str("InitiatingProcessCommandLine")],
    ),
    (Field::ProcessArgs, &[Args("InitiatingProcessCommandLine")]),
    (
        Field::ProcessExecutable,
        &[Str("InitiatingProcessFolderPath")],
    ),
    (
        Field::ProcessParentName,
        &[Str("InitiatingProcessParentFileName")],
    ),
    (Field::UserName, &[Str("InitiatingProcessAccountName")]),
];

const fn concat<const N: usize>(
    a: &'static [(Field, &'static [Column])],
    b: &'static [(Field, &'static [Column])],
) -> [(Field, &'static [Column]); N] {
    let mut out = [(Field::ProcessName, &[] as &[Column]); N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[i + j] = b[j];
        j += 1;
    }
    out
}

const NETWORK_EVENT_FIELDS: [(Field, &[Column]); 13] = concat(
    INITIATING_PROCESS,
    &[
        (Field::DestinationIp, &[Str("RemoteIP")]),
        (Field::DestinationPort, &[Int("RemotePort")]),
        (Field::DestinationDomain, &[Str("RemoteUrl")]),
        (
            Field::DestinationAddress,
            &[Str("RemoteUrl"), Str("RemoteIP")],
        ),
        (Field::UrlFull, &[Str("RemoteUrl")]),
        (Field::SourceIp, &[Str("LocalIP")]),
        (Field::SourcePort, &[Int("LocalPort")]),
    ],
);

const FILE_EVENT_FIELDS: [(Field, &[Column]); 11] = concat(
    INITIATING_PROCESS,
    &[
        (Field::FileName, &[Str("FileName")]),
        (Field::FilePath, &[Str("FolderPath")]),
        (Field::FileHashMd5, &[Str("MD5")]),
        (Field::FileHashSha1, &[Str("SHA1")]),
        (Field::FileHashSha256, &[Str("SHA256")]),
    ],
);

static TABLES: &[Table] = &[
    Table {
        name: "CommonSecurityLog",
        sentinel_only: true,
        parser: None,
        connector: Some("CEF"),
        hunts: &[
            Hunt::Address {
                ip: "DestinationIP",
                port: "DestinationPort",
                mapped: false,
            },
            Hunt::Address {
                ip: "SourceIP",
                port: "SourcePort",
                mapped: false,
            },
            Hunt::Host {
                column: "DestinationHostName",
            },
            Hunt::UrlHost {
                column: "RequestURL",
            },
            Hunt::Url {
                column: "RequestURL",
                schemeless: true,
            },
            Hunt::Hash {
                md5: "FileHash",
                sha1: "FileHash",
                sha256: "FileHash",
            },
        ],
        project: &[
            "Computer",
            "DeviceVendor",
            "DeviceProduct",
            "DeviceAction",
            "Activity",
            "SourceIP",
            "SourcePort",
            "DestinationIP",
            "DestinationPort",
            "DestinationHostName",
            "RequestURL",
            "SourceUserName",
            "SourceProcessName",
            "FileName",
            "FileHash",
        ],
        fields: &[
            (Field::ProcessName, &[Str("SourceProcessName")]),
            (Field::UserName, &[Str("SourceUserName")]),
            (Field::SourceIp, &[Str("SourceIP")]),
            (Field::SourcePort, &[Int("SourcePort")]),
            (Field::DestinationIp, &[Str("DestinationIP")]),
            (Field::DestinationPort, &[Int("DestinationPort")]),
            (Field::DestinationDomain, &[Str("DestinationHostName")]),
            (
                Field::DestinationAddress,
                &[Str("DestinationHostName"), Str("DestinationIP")],
            ),
            (Field::UrlFull, &[Str("RequestURL")]),
            (Field::FileName, &[Str("FileName")]),
            (Field::FilePath, &[Str("FilePath")]),
            (Field::FileHashMd5, &[Str("FileHash")]),
            (Field::FileHashSha1, &[Str("FileHash")]),
            (Field::FileHashSha256, &[Str("FileHash")]),
        ],
    },
    Table {
        name: "DeviceNetworkEvents",
        sentinel_only: false,
        parser: None,
        connector: Some("MicrosoftThreatProtection"),
        hunts: &[
            Hunt::Address {
                ip: "RemoteIP",
                port: "RemotePort",
                mapped: true,
            },
            Hunt::UrlHost {
                column: "RemoteUrl",
            },
            Hunt::Url {
                column: "RemoteUrl",
                schemeless: true,
            },
        ],
        project: &[
            "DeviceName",
            "ActionType",
            "LocalIP",
            "LocalPort",
            "RemoteIP",
            "RemotePort",
            "RemoteUrl",
            "InitiatingProcessAccountName",
            "InitiatingProcessFileName",
            "InitiatingProcessCommandLine",
        ],
        fields: &NETWORK_EVENT_FIELDS,
    },
    Table {
        name: "DnsEvents",
        sentinel_only: true,
        parser: None,
        connector: Some("DNS"),
        hunts: &[Hunt::Host { column: "Name" }],
        project: &["Computer", "ClientIP", "Name", "QueryType", "IPAddresses"],
        fields: &[
            (Field::DnsQuestionName, &[Str("Name")]),
            (Field::DestinationDomain, &[Str("Name")]),
            (Field::SourceIp, &[Str("ClientIP")]),
        ],
    },
    Table {
        name: "DeviceFileEvents",
        sentinel_only: false,
        parser: None,
        connector: Some("MicrosoftThreatProtection"),
        hunts: &[
            Hunt::Hash {
                md5: "MD5",
                sha1: "SHA1",
                sha256: "SHA256",
            },
            Hunt::Equals {
                kind: IndicatorKind::FileName,
                columns: &["FileName"],
            },
        ],
        project: &[
            "DeviceName",
            "ActionType",
            "FileName",
            "FolderPath",
            "MD5",
            "SHA1",
            "SHA256",
            "InitiatingProcessAccountName",
            "InitiatingProcessFileName",
            "InitiatingProcessCommandLine",
        ],
        fields: &FILE_EVENT_FIELDS,
    },
    Table {
        name: "DeviceProcessEvents",
        sentinel_only: false,
        parser: None,
        connector: Some("MicrosoftThreatProtection"),
        hunts: &[
            Hunt::Hash {
                md5: "MD5",
                sha1: "SHA1",
                sha256: "SHA256",
            },
            Hunt::Equals {
                kind: IndicatorKind::FileName,
                columns: &["FileName"],
            },
        ],
        project: &[
            "DeviceName",
            "ActionType",
            "AccountName",
            "FileName",
            "FolderPath",
            "ProcessCommandLine",
            "MD5",
            "SHA1",
            "SHA256",
            "InitiatingProcessFileName",
            "InitiatingProcessCommandLine",
        ],
        fields: &[
            (Field::ProcessName, &[Str("FileName")]),
            (Field::ProcessCommandLine, &[Str("ProcessCommandLine")]),
            (Field::ProcessArgs, &[Args("ProcessCommandLine")]),
            (Field::ProcessExecutable, &[Str("FolderPath")]),
            (
                Field::ProcessParentName,
                &[Str("InitiatingProcessFileName")],
            ),
            (
                Field::ProcessParentExecutable,
                &[Str("InitiatingProcessFolderPath")],
            ),
            (
                Field::ProcessParentCommandLine,
                &[Str("InitiatingProcessCommandLine")],
            ),
            (Field::UserName, &[Str("AccountName")]),
            (Field::FileName, &[Str("FileName")]),
            (Field::FilePath, &[Str("FolderPath")]),
            (Field::FileHashMd5, &[Str("MD5")]),
            (Field::FileHashSha1, &[Str("SHA1")]),
            (Field::FileHashSha256, &[Str("SHA256")]),
        ],
    },
    Table {
        name: "UrlClickEvents",
        sentinel_only: false,
        parser: None,
        connector: Some("MicrosoftThreatProtection"),
        hunts: &[Hunt::Url {
            column: "Url",
            schemeless: false,
        }],
        project: &[
            "AccountUpn",
            "IPAddress",
            "Url",
            "ActionType",
            "IsClickedThrough",
            "Workload",
        ],
        fields: &[
            (Field::UrlFull, &[Str("Url")]),
            (Field::UserName, &[Str("AccountUpn")]),
            (Field::SourceIp, &[Str("IPAddress")]),
        ],
    },
    Table {
        name: "EmailEvents",
        sentinel_only: false,
        parser: None,
        connector: Some("MicrosoftThreatProtection"),
        hunts: &[Hunt::Equals {
            kind: IndicatorKind::Email,
            columns: &["SenderFromAddress", "SenderMailFromAddress"],
        }],
        project: &[
            "SenderFromAddress",
            "SenderMailFromAddress",
            "RecipientEmailAddress",
            "Subject",
            "DeliveryAction",
            "EmailDirection",
        ],
        fields: &[(Field::UserName, &[Str("RecipientEmailAddress")])],
    },
];

/// ASIM Network Session: firewalls, NSGs, EDR network events. Both directions, as in
/// CommonSecurityLog: the reported address may be either end.
const ASIM_NETWORK_FIELDS: &[(Field, &[Column])] = &[
    (Field::SourceIp, &[Str("SrcIpAddr")]),
    (Field::SourcePort, &[Int("SrcPortNumber")]),
    (Field::DestinationIp, &[Str("DstIpAddr")]),
    (Field::DestinationPort, &[Int("DstPortNumber")]),
    (Field::DestinationDomain, &[Str("DstFQDN")]),
    (
        Field::DestinationAddress,
        &[Str("DstFQDN"), Str("DstIpAddr")],
    ),
    (Field::UserName, &[Str("SrcUsername")]),
    (Field::ProcessName, &[Str("SrcProcessName")]),
];

static ASIM_TABLES: &[Table] = &[
    Table {
        name: "_Im_NetworkSession",
        sentinel_only: true,
        parser: Some(&[Prefilter::Ipv4Addresses("ipaddr_has_any_prefix")]),
        connector: None,
        hunts: &[
            Hunt::Address {
                ip: "DstIpAddr",
                port: "DstPortNumber",
                mapped: false,
            },
            Hunt::Address {
                ip: "SrcIpAddr",
                port: "SrcPortNumber",
                mapped: false,
            },
        ],
        project: &[
            "EventVendor",
            "EventProduct",
            "Dvc",
            "DvcAction",
            "NetworkProtocol",
            "SrcIpAddr",
            "SrcPortNumber",
            "SrcHostname",
            "SrcUsername",
            "SrcProcessName",
            "DstIpAddr",
            "DstPortNumber",
            "DstHostname",
        ],
        fields: ASIM_NETWORK_FIELDS,
    },
    Table {
        name: "_Im_Dns",
        sentinel_only: true,
        parser: Some(&[Prefilter::Domains("domain_has_any")]),
        connector: None,
        hunts: &[Hunt::Host { column: "DnsQuery" }],
        project: &[
            "EventVendor",
            "EventProduct",
            "Dvc",
            "SrcIpAddr",
            "SrcHostname",
            "SrcUsername",
            "SrcProcessName",
            "DnsQuery",
            "DnsQueryTypeName",
            "DnsResponseCodeName",
            "DnsResponseName",
        ],
        fields: &[
            (Field::DnsQuestionName, &[Str("DnsQuery")]),
            (Field::DestinationDomain, &[Str("DnsQuery")]),
            (Field::DestinationAddress, &[Str("DnsQuery")]),
            (Field::SourceIp, &[Str("SrcIpAddr")]),
            (Field::UserName, &[Str("SrcUsername")]),
            (Field::ProcessName, &[Str("SrcProcessName")]),
        ],
    },
    Table {
        name: "_Im_WebSession",
        sentinel_only: true,
        parser: Some(&[Prefilter::UrlTerms("url_has_any")]),
        connector: None,
        hunts: &[
            Hunt::UrlHost { column: "Url" },
            Hunt::Url {
                column: "Url",
                schemeless: true,
            },
        ],
        project: &[
            "EventVendor",
            "EventProduct",
            "Dvc",
            "DvcAction",
            "HttpRequestMethod",
            "HttpStatusCode",
            "HttpHost",
            "Url",
            "UrlOriginal",
            "HttpUserAgent",
        ],
        fields: &[
            (Field::UrlFull, &[Str("Url")]),
            (Field::DestinationDomain, &[Str("HttpHost")]),
            (Field::DestinationAddress, &[Str("HttpHost")]),
        ],
    },
    Table {
        name: "_Im_FileEvent",
        sentinel_only: true,
        parser: Some(&[Prefilter::Hashes("hashes_has_any")]),
        connector: None,
        hunts: &[
            Hunt::Hash {
                md5: "TargetFileMD5",
                sha1: "TargetFileSHA1",
                sha256: "TargetFileSHA256",
            },
            Hunt::Equals {
                kind: IndicatorKind::FileName,
                columns: &["TargetFileName"],
            },
        ],
        project: &[
            "EventVendor",
            "EventProduct",
            "EventType",
            "DvcHostname",
            "ActorUsername",
            "ActingProcessName",
            "ActingProcessCommandLine",
            "TargetFileName",
            "TargetFilePath",
            "TargetFileMD5",
            "TargetFileSHA1",
            "TargetFileSHA256",
        ],
        fields: &[
            (Field::ProcessName, &[Str("ActingProcessName")]),
            (
                Field::ProcessCommandLine,
                &[Str("ActingProcessCommandLine")],
            ),
            (Field::ProcessArgs, &[Args("ActingProcessCommandLine")]),
            (Field::UserName, &[Str("ActorUsername")]),
            (Field::FileName, &[Str("TargetFileName")]),
            (Field::FilePath, &[Str("TargetFilePath")]),
            (Field::FileHashMd5, &[Str("TargetFileMD5")]),
            (Field::FileHashSha1, &[Str("TargetFileSHA1")]),
            (Field::FileHashSha256, &[Str("TargetFileSHA256")]),
        ],
    },
];

/// Every table of every profile, for looking up a table by name.
pub fn all_tables() -> impl Iterator<Item = &'static Table> {
    TABLES.iter().chain(ASIM_TABLES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_table_in_every_profile() {
        for profile in [Profile::Sentinel, Profile::Defender] {
            for kind in IndicatorKind::ALL {
                assert!(
                    profile.tables().iter().any(|t| t.hunts(kind)),
                    "{kind} has no table under {}",
                    profile.name()
                );
            }
        }
        // No ASIM schema carries mail, so e-mail addresses are reported skipped there.
        for kind in IndicatorKind::ALL {
            let hunted = Profile::Asim.tables().iter().any(|t| t.hunts(kind));
            assert_eq!(hunted, kind != IndicatorKind::Email, "{kind}");
        }
    }

    #[test]
    fn defender_leaves_out_the_log_analytics_only_tables() {
        assert_eq!(
            Profile::Defender.missing_tables(),
            ["CommonSecurityLog", "DnsEvents"]
        );
        assert!(Profile::Sentinel.missing_tables().is_empty());
    }
}
