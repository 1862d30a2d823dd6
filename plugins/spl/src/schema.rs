//! The datasets the SPL backend hunts in: which indicators each matches on which fields, how the
//! neutral field vocabulary maps to its fields ([`FieldMap`]), and what it shows the analyst.
//!
//! Fields are named by their Splunk Common Information Model (CIM) names without the dataset
//! prefix, called roles here: `dest_ip`, `query`, `process_hash`. The profile turns a role into
//! the name a query uses: `All_Traffic.dest_ip` under `tstats`, or the configured raw field.
//! Names follow the CIM reference pages "Network Traffic", "Network Resolution (DNS)", "Web" and
//! "Endpoint". CIM has one hash field per dataset, whatever the algorithm.

use ioc_core::{Field, IndicatorKind};

/// How one group of indicator kinds is matched in a dataset.
#[derive(Debug, Clone, Copy)]
pub enum Hunt {
    /// IP addresses, CIDR ranges and ip:port pairs on an address field and its port field.
    Address {
        ip: &'static str,
        port: &'static str,
    },
    /// Domains and their subdomains on a field holding a bare host name.
    Host { field: &'static str },
    /// URLs on a field; proxies often log them without `scheme://`, so that form matches too.
    Url { field: &'static str },
    /// Hashes of every algorithm on the dataset's hash field.
    Hash { field: &'static str },
    /// Case-insensitive equality, for file names.
    Equals {
        kind: IndicatorKind,
        field: &'static str,
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
            Hunt::Equals { kind: FileName, .. } => &[FileName],
            Hunt::Equals { .. } => &[],
        }
    }
}

/// How a field of the vocabulary is tested on a dataset field (a role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Str(&'static str),
    /// A port: compared as a number, and only for equality.
    Int(&'static str),
    /// The whole command line standing in for `process.args`: an argument is contained in it,
    /// but equality with one argument cannot be tested on it.
    Args(&'static str),
    /// The dataset's one hash field: an exclusion's hash kind only decides how its value is
    /// validated before it is compared here.
    Hash(&'static str),
}

impl Column {
    pub fn role(self) -> &'static str {
        match self {
            Column::Str(r) | Column::Int(r) | Column::Args(r) | Column::Hash(r) => r,
        }
    }
}

/// The fields of the vocabulary a dataset can test, each on one or more of its fields.
#[derive(Debug, Clone, Copy)]
pub struct FieldMap(pub &'static [(Field, &'static [Column])]);

impl FieldMap {
    pub fn columns(&self, field: Field) -> Option<&'static [Column]> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, c)| *c)
    }
}

/// A CIM dataset, and the equivalent slice of raw events.
pub struct Dataset {
    /// Stable, used in query names and in settings such as `index.<key>`.
    pub key: &'static str,
    /// What the events are, for comments.
    pub title: &'static str,
    pub model: &'static str,
    /// The root dataset: `datamodel=<model>.<node>`, and the prefix of its fields in `tstats`.
    pub node: &'static str,
    pub hunts: &'static [Hunt],
    /// Roles shown to the analyst: the `tstats` group-by fields, or the raw `table` columns.
    pub project: &'static [&'static str],
    pub fields: FieldMap,
}

impl Dataset {
    /// `Model.Dataset`, as `tstats ... FROM datamodel=` takes it.
    pub fn path(&self) -> String {
        format!("{}.{}", self.model, self.node)
    }

    /// Every role the dataset's hunts, projection and field map name.
    pub fn roles(&self) -> impl Iterator<Item = &'static str> + '_ {
        let hunts = self.hunts.iter().flat_map(|h| match *h {
            Hunt::Address { ip, port } => vec![ip, port],
            Hunt::Host { field }
            | Hunt::Url { field }
            | Hunt::Hash { field }
            | Hunt::Equals { field, .. } => vec![field],
        });
        let mapped = self
            .fields
            .0
            .iter()
            .flat_map(|(_, cols)| cols.iter().map(|c| c.role()));
        hunts.chain(self.project.iter().copied()).chain(mapped)
    }
}

/// The kinds this backend hunts. E-mail addresses have no dataset here: the CIM Email model
/// records senders in fields whose meaning varies by source, so they are reported unsupported.
pub const KINDS: &[IndicatorKind] = &[
    IndicatorKind::Ipv4,
    IndicatorKind::Ipv6,
    IndicatorKind::IpPort,
    IndicatorKind::Cidr,
    IndicatorKind::Domain,
    IndicatorKind::Url,
    IndicatorKind::Md5,
    IndicatorKind::Sha1,
    IndicatorKind::Sha256,
    IndicatorKind::FileName,
];

use Column::{Args, Hash, Int, Str};

/// The three hash fields of the vocabulary, all on `cols`.
const fn hashes_on(cols: &'static [Column]) -> [(Field, &'static [Column]); 3] {
    [
        (Field::FileHashMd5, cols),
        (Field::FileHashSha1, cols),
        (Field::FileHashSha256, cols),
    ]
}

const PROCESS_FIELDS: [(Field, &[Column]); 13] = {
    let hashes = hashes_on(&[Hash("process_hash")]);
    [
        (Field::ProcessName, &[Str("process_name")]),
        (Field::ProcessCommandLine, &[Str("process")]),
        (Field::ProcessArgs, &[Args("process")]),
        (Field::ProcessExecutable, &[Str("process_path")]),
        (Field::ProcessParentName, &[Str("parent_process_name")]),
        (
            Field::ProcessParentExecutable,
            &[Str("parent_process_path")],
        ),
        (Field::ProcessParentCommandLine, &[Str("parent_process")]),
        (Field::UserName, &[Str("user")]),
        // In a process event the file is the process image.
        (Field::FileName, &[Str("process_name")]),
        (Field::FilePath, &[Str("process_path")]),
        hashes[0],
        hashes[1],
        hashes[2],
    ]
};

const FILE_FIELDS: [(Field, &[Column]); 6] = {
    let hashes = hashes_on(&[Hash("file_hash")]);
    [
        (Field::FileName, &[Str("file_name")]),
        (Field::FilePath, &[Str("file_path")]),
        (Field::UserName, &[Str("user")]),
        hashes[0],
        hashes[1],
        hashes[2],
    ]
};

/// The datasets, in output order.
pub static DATASETS: &[Dataset] = &[
    Dataset {
        key: "network-traffic",
        title: "network traffic",
        model: "Network_Traffic",
        node: "All_Traffic",
        // Both directions: an indicator may be the far end of a connection either way.
        hunts: &[
            Hunt::Address {
                ip: "dest_ip",
                port: "dest_port",
            },
            Hunt::Address {
                ip: "src_ip",
                port: "src_port",
            },
        ],
        project: &[
            "src_ip",
            "src_port",
            "dest_ip",
            "dest_port",
            "transport",
            "action",
        ],
        fields: FieldMap(&[
            (Field::SourceIp, &[Str("src_ip")]),
            (Field::SourcePort, &[Int("src_port")]),
            (Field::DestinationIp, &[Str("dest_ip")]),
            (Field::DestinationPort, &[Int("dest_port")]),
            (Field::DestinationDomain, &[Str("dest")]),
            (Field::DestinationAddress, &[Str("dest"), Str("dest_ip")]),
            (Field::UserName, &[Str("user")]),
        ]),
    },
    Dataset {
        key: "dns",
        title: "DNS",
        model: "Network_Resolution",
        node: "DNS",
        hunts: &[Hunt::Host { field: "query" }],
        project: &["src", "dest", "query"],
        fields: FieldMap(&[
            (Field::DnsQuestionName, &[Str("query")]),
            (Field::DestinationDomain, &[Str("query")]),
            (Field::SourceIp, &[Str("src")]),
        ]),
    },
    Dataset {
        key: "web",
        title: "web",
        model: "Web",
        node: "Web",
        hunts: &[
            Hunt::Host {
                field: "url_domain",
            },
            Hunt::Url { field: "url" },
        ],
        project: &["src", "user", "http_method", "url_domain", "url", "status"],
        fields: FieldMap(&[
            (Field::UrlFull, &[Str("url")]),
            (Field::DestinationDomain, &[Str("url_domain")]),
            (Field::DestinationAddress, &[Str("url_domain"), Str("dest")]),
            (Field::DestinationPort, &[Int("dest_port")]),
            (Field::SourceIp, &[Str("src")]),
            (Field::UserName, &[Str("user")]),
        ]),
    },
    Dataset {
        key: "processes",
        title: "process",
        model: "Endpoint",
        node: "Processes",
        hunts: &[
            Hunt::Hash {
                field: "process_hash",
            },
            Hunt::Equals {
                kind: IndicatorKind::FileName,
                field: "process_name",
            },
        ],
        project: &[
            "dest",
            "user",
            "parent_process_name",
            "process_name",
            "process",
            "process_hash",
        ],
        fields: FieldMap(&PROCESS_FIELDS),
    },
    Dataset {
        key: "filesystem",
        title: "file system",
        model: "Endpoint",
        node: "Filesystem",
        hunts: &[
            Hunt::Hash { field: "file_hash" },
            Hunt::Equals {
                kind: IndicatorKind::FileName,
                field: "file_name",
            },
        ],
        project: &[
            "dest",
            "user",
            "action",
            "file_path",
            "file_name",
            "file_hash",
        ],
        fields: FieldMap(&FILE_FIELDS),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn hunts(dataset: &Dataset, kind: IndicatorKind) -> bool {
        dataset.hunts.iter().any(|h| h.kinds().contains(&kind))
    }

    #[test]
    fn every_kind_has_a_dataset_and_email_has_none() {
        for kind in KINDS {
            assert!(
                DATASETS.iter().any(|d| hunts(d, *kind)),
                "{kind} has no dataset"
            );
        }
        assert!(!DATASETS.iter().any(|d| hunts(d, IndicatorKind::Email)));
        assert!(!KINDS.contains(&IndicatorKind::Email));
    }

    #[test]
    fn every_hash_field_maps_to_the_one_hash_field() {
        for dataset in DATASETS {
            let hash_roles: Vec<&str> = [
                Field::FileHashMd5,
                Field::FileHashSha1,
                Field::FileHashSha256,
            ]
            .iter()
            .filter_map(|f| dataset.fields.columns(*f))
            .flat_map(|c| c.iter().map(|c| c.role()))
            .collect();
            assert!(
                hash_roles.windows(2).all(|w| w[0] == w[1]),
                "{}",
                dataset.key
            );
        }
    }
}
