//! The log sources the rules target and, for each, the field map from the neutral (ECS)
//! vocabulary to Sigma taxonomy fields.
//!
//! Categories and fields follow the Sigma Taxonomy Appendix: the Windows categories are the
//! Sysmon-defined ones (process_creation = event 1, network_connection = 3, file_event = 11,
//! dns_query = 22) with Sysmon's field names, and `proxy` uses the W3C names the appendix lists.
//! The Windows categories carry `product: windows` because the conversion pipelines (pySigma's
//! Sysmon and Windows pipelines among them) select on category and product together.

use ioc_core::Field;

/// A Sigma log source category this backend writes rules for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    NetworkConnection,
    DnsQuery,
    Proxy,
    ProcessCreation,
    FileEvent,
}

/// How an ECS field is tested on one Sigma field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A string field compared as it is.
    Plain(&'static str),
    /// A full-path field (`Image`, `TargetFilename`) standing in for a bare file name: equality
    /// with a name is `endswith` of a backslash and the name.
    Name(&'static str),
    /// An integer field (ports).
    Int(&'static str),
    /// A command-line field standing in for `process.args`: an argument is contained in the
    /// command line, but equality with one argument cannot be tested on it.
    Args(&'static str),
    /// Sysmon's composite `Hashes` field (`SHA1=...,MD5=...,SHA256=...`), tested with
    /// `contains` of `ALGORITHM=` and the hash.
    Hash {
        field: &'static str,
        prefix: &'static str,
    },
}

use Target::{Args, Hash, Int, Name, Plain};

impl Category {
    /// Every category.
    #[cfg(test)]
    pub const ALL: [Category; 5] = [
        Category::NetworkConnection,
        Category::DnsQuery,
        Category::Proxy,
        Category::ProcessCreation,
        Category::FileEvent,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::NetworkConnection => "network_connection",
            Category::DnsQuery => "dns_query",
            Category::Proxy => "proxy",
            Category::ProcessCreation => "process_creation",
            Category::FileEvent => "file_event",
        }
    }

    /// `windows` for the Sysmon-defined categories; `proxy` is product-neutral in the taxonomy.
    pub fn product(self) -> Option<&'static str> {
        match self {
            Category::Proxy => None,
            _ => Some("windows"),
        }
    }

    /// What the category's events are, for reasons given when a field has no counterpart.
    pub fn events(self) -> &'static str {
        match self {
            Category::NetworkConnection => "network connection events (Sysmon event 3)",
            Category::DnsQuery => "DNS query events (Sysmon event 22)",
            Category::Proxy => "proxy logs",
            Category::ProcessCreation => "process creation events (Sysmon event 1)",
            Category::FileEvent => "file creation events (Sysmon event 11)",
        }
    }

    /// The Sigma fields that stand for `field` in this category; several fields mean the
    /// comparison holds when it holds on any of them.
    pub fn targets(self, field: Field) -> Result<&'static [Target], String> {
        self.field_map()
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, targets)| *targets)
            .ok_or_else(|| format!("{} have no field for {field}", self.events()))
    }

    fn field_map(self) -> &'static [(Field, &'static [Target])] {
        match self {
            Category::NetworkConnection => NETWORK_CONNECTION,
            Category::DnsQuery => DNS_QUERY,
            Category::Proxy => PROXY,
            Category::ProcessCreation => PROCESS_CREATION,
            Category::FileEvent => FILE_EVENT,
        }
    }
}

/// Sysmon event 3: Image, User, SourceIp, SourcePort, DestinationIp, DestinationHostname,
/// DestinationPort. It records no command line and no parent process.
const NETWORK_CONNECTION: &[(Field, &[Target])] = &[
    (Field::ProcessName, &[Name("Image")]),
    (Field::ProcessExecutable, &[Plain("Image")]),
    (Field::UserName, &[Plain("User")]),
    (Field::SourceIp, &[Plain("SourceIp")]),
    (Field::SourcePort, &[Int("SourcePort")]),
    (Field::DestinationIp, &[Plain("DestinationIp")]),
    (Field::DestinationPort, &[Int("DestinationPort")]),
    (Field::DestinationDomain, &[Plain("DestinationHostname")]),
    (
        Field::DestinationAddress,
        &[Plain("DestinationHostname"), Plain("DestinationIp")],
    ),
];

/// Sysmon event 22: Image, User, QueryName, QueryResults. The queried name is the destination
/// the process is about to reach, so the destination fields map to it.
const DNS_QUERY: &[(Field, &[Target])] = &[
    (Field::ProcessName, &[Name("Image")]),
    (Field::ProcessExecutable, &[Plain("Image")]),
    (Field::UserName, &[Plain("User")]),
    (Field::DnsQuestionName, &[Plain("QueryName")]),
    (Field::DestinationDomain, &[Plain("QueryName")]),
    (Field::DestinationAddress, &[Plain("QueryName")]),
];

/// The taxonomy's proxy fields (W3C extended log names). Proxies see no process.
const PROXY: &[(Field, &[Target])] = &[
    (Field::UrlFull, &[Plain("c-uri")]),
    (Field::DestinationDomain, &[Plain("cs-host")]),
    (
        Field::DestinationAddress,
        &[Plain("cs-host"), Plain("dst_ip")],
    ),
    (Field::DestinationIp, &[Plain("dst_ip")]),
    (Field::SourceIp, &[Plain("src_ip")]),
];

/// The taxonomy's process_creation fields, which are Sysmon event 1's.
const PROCESS_CREATION: &[(Field, &[Target])] = &[
    (Field::ProcessName, &[Name("Image")]),
    (Field::ProcessExecutable, &[Plain("Image")]),
    (Field::ProcessCommandLine, &[Plain("CommandLine")]),
    (Field::ProcessArgs, &[Args("CommandLine")]),
    (Field::ProcessParentName, &[Name("ParentImage")]),
    (Field::ProcessParentExecutable, &[Plain("ParentImage")]),
    (
        Field::ProcessParentCommandLine,
        &[Plain("ParentCommandLine")],
    ),
    (Field::UserName, &[Plain("User")]),
    (
        Field::FileHashMd5,
        &[Hash {
            field: "Hashes",
            prefix: "MD5=",
        }],
    ),
    (
        Field::FileHashSha1,
        &[Hash {
            field: "Hashes",
            prefix: "SHA1=",
        }],
    ),
    (
        Field::FileHashSha256,
        &[Hash {
            field: "Hashes",
            prefix: "SHA256=",
        }],
    ),
];

/// Sysmon event 11: Image (the writing process), TargetFilename (the file), User. It carries no
/// hash of the file.
const FILE_EVENT: &[(Field, &[Target])] = &[
    (Field::ProcessName, &[Name("Image")]),
    (Field::ProcessExecutable, &[Plain("Image")]),
    (Field::UserName, &[Plain("User")]),
    (Field::FilePath, &[Plain("TargetFilename")]),
    (Field::FileName, &[Name("TargetFilename")]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_fields_say_where_they_are_missing() {
        let err = Category::NetworkConnection
            .targets(Field::ProcessCommandLine)
            .unwrap_err();
        assert_eq!(
            err,
            "network connection events (Sysmon event 3) have no field for process.command_line"
        );
        assert!(Category::Proxy.targets(Field::ProcessName).is_err());
        assert!(Category::FileEvent.targets(Field::FileHashSha256).is_err());
    }

    #[test]
    fn no_field_is_listed_twice_in_a_category() {
        for category in Category::ALL {
            let mut fields: Vec<Field> = category.field_map().iter().map(|(f, _)| *f).collect();
            let count = fields.len();
            fields.sort();
            fields.dedup();
            assert_eq!(fields.len(), count, "{}", category.name());
        }
    }
}
