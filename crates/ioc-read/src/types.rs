//! The type names feeds use, mapped onto indicator kinds.
//!
//! ThreatFox, MISP and vendor CSVs each spell types their own way. One table serves every
//! reader, so that a type accepted by one is accepted by all.

use ioc_core::{IndicatorKind, KindHint};

/// What a declared type means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeMeaning {
    Kind(KindHint),
    /// A real indicator type that the model does not hunt; the record is rejected with this
    /// explanation rather than dropped.
    Unsupported,
}

/// Declared type names, lower-cased, and their meaning.
const TYPES: &[(&str, TypeMeaning)] = &[
    (
        "ip:port",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::IpPort)),
    ),
    (
        "ip_port",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::IpPort)),
    ),
    (
        "domain",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Domain)),
    ),
    (
        "hostname",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Domain)),
    ),
    (
        "fqdn",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Domain)),
    ),
    (
        "domain_name",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Domain)),
    ),
    (
        "url",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Url)),
    ),
    (
        "uri",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Url)),
    ),
    (
        "md5_hash",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Md5)),
    ),
    (
        "md5",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Md5)),
    ),
    (
        "sha1_hash",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Sha1)),
    ),
    (
        "sha1",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Sha1)),
    ),
    (
        "sha256_hash",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Sha256)),
    ),
    (
        "sha256",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Sha256)),
    ),
    ("hash", TypeMeaning::Kind(KindHint::AnyHash)),
    ("ip", TypeMeaning::Kind(KindHint::Ip)),
    ("ipaddress", TypeMeaning::Kind(KindHint::Ip)),
    ("ip_address", TypeMeaning::Kind(KindHint::Ip)),
    ("ipv4", TypeMeaning::Kind(KindHint::Ip)),
    ("ipv6", TypeMeaning::Kind(KindHint::Ip)),
    ("ip-dst", TypeMeaning::Kind(KindHint::Ip)),
    ("ip-src", TypeMeaning::Kind(KindHint::Ip)),
    (
        "cidr",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Cidr)),
    ),
    (
        "email",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Email)),
    ),
    (
        "email-src",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Email)),
    ),
    (
        "email-dst",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::Email)),
    ),
    (
        "filename",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::FileName)),
    ),
    (
        "file_name",
        TypeMeaning::Kind(KindHint::Exact(IndicatorKind::FileName)),
    ),
    ("sha3_384_hash", TypeMeaning::Unsupported),
    ("sha384", TypeMeaning::Unsupported),
    ("sha512", TypeMeaning::Unsupported),
    ("ssdeep", TypeMeaning::Unsupported),
    ("imphash", TypeMeaning::Unsupported),
    ("tlsh", TypeMeaning::Unsupported),
    ("ja3", TypeMeaning::Unsupported),
    ("ja3_fingerprint", TypeMeaning::Unsupported),
    ("regkey", TypeMeaning::Unsupported),
    ("registry_key", TypeMeaning::Unsupported),
];

/// Looks up a declared type, ignoring case and surrounding space; a space inside counts as
/// `_`, as write-ups spell types for people (`File name`, `IP address`, `MD5 hash`).
pub fn meaning(declared: &str) -> Option<TypeMeaning> {
    let lower = declared.trim().to_ascii_lowercase().replace(' ', "_");
    TYPES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, m)| *m)
}

/// Every known type name, longest first, for splitting run-together table cells.
pub fn names_longest_first() -> Vec<&'static str> {
    let mut names: Vec<&str> = TYPES.iter().map(|(n, _)| *n).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_spelled_for_people_are_read() {
        let kind = |k| Some(TypeMeaning::Kind(KindHint::Exact(k)));
        assert_eq!(meaning(" File name "), kind(IndicatorKind::FileName));
        assert_eq!(meaning("MD5 hash"), kind(IndicatorKind::Md5));
        assert_eq!(meaning("Domain Name"), kind(IndicatorKind::Domain));
        assert_eq!(meaning("IP address"), Some(TypeMeaning::Kind(KindHint::Ip)));
        assert_eq!(meaning("Registry key"), Some(TypeMeaning::Unsupported));
        assert_eq!(meaning("ip:port"), kind(IndicatorKind::IpPort));
        assert_eq!(meaning("file path"), None);
    }
}
