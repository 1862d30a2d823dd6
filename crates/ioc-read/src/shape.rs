//! Telling an indicator's kind from its shape, for inputs that do not declare one.
//!
//! Used for CSV files without a type column and for free text. A shape is only a guess; the
//! core still validates the value as the kind guessed, and a wrong guess is a rejected record,
//! never a silently different indicator.

use std::net::{IpAddr, Ipv6Addr};

use ioc_core::{IndicatorKind, KindHint};
use psl::Psl;

/// Top-level names reserved for documentation and testing (RFC 2606, RFC 6761). They are not
/// in the public suffix list but they are what examples and test data use.
const SPECIAL_TLDS: &[&str] = &["example", "invalid", "test", "localhost"];

/// Whether `label` (the last label of a host name) is a real top-level domain.
///
/// The list is Mozilla's Public Suffix List as compiled into the `psl` crate, which is updated
/// with every change to the list; a name is a TLD when the list has it as an ICANN suffix.
pub(crate) fn is_known_tld(label: &str) -> bool {
    let lower = label.to_lowercase();
    if SPECIAL_TLDS.contains(&lower.as_str()) {
        return true;
    }
    let info = psl::List.find(std::iter::once(lower.as_bytes()));
    info.typ.is_some() && info.len == lower.len()
}

/// Guesses the kind of a cleaned (trimmed, refanged) value from its shape.
pub(crate) fn infer(text: &str) -> Option<KindHint> {
    if text.contains("://") {
        return Some(IndicatorKind::Url.into());
    }
    if text.parse::<IpAddr>().is_ok() {
        return Some(KindHint::Ip);
    }
    if looks_like_ip_port(text) {
        return Some(IndicatorKind::IpPort.into());
    }
    if let Some((addr, prefix)) = text.split_once('/') {
        if addr.parse::<IpAddr>().is_ok() && prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Some(IndicatorKind::Cidr.into());
        }
    }
    if is_hash_shaped(text) {
        return Some(KindHint::AnyHash);
    }
    if text.contains('@') {
        return Some(IndicatorKind::Email.into());
    }
    if text.contains('.') && !text.contains(['/', ' ', ':']) {
        return Some(IndicatorKind::Domain.into());
    }
    None
}

/// `a.b.c.d:port` or `[ipv6]:port`, with a numeric port.
pub(crate) fn looks_like_ip_port(text: &str) -> bool {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        match rest.split_once("]:") {
            Some((host, port)) => (host, port),
            None => return false,
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, port),
            _ => return false,
        }
    };
    !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
        && (host.parse::<IpAddr>().is_ok() || looks_like_ipv4(host))
}

/// Four dot-separated groups of one to three digits: an IPv4 address, or a mistyped one.
pub(crate) fn looks_like_ipv4(text: &str) -> bool {
    let groups: Vec<&str> = text.split('.').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `text` is an IPv6 address written in a way prose does not produce by accident: it
/// parses, has at least two colons and holds a digit (so `dead::beef` or `a::b` do not count).
pub(crate) fn looks_like_ipv6(text: &str) -> bool {
    text.matches(':').count() >= 2
        && text.bytes().any(|b| b.is_ascii_digit())
        && text.parse::<Ipv6Addr>().is_ok()
}

/// A hash of a supported length, or the shortened display form of one (`32f85c...d4c2`), which
/// the core then rejects with the reason.
pub(crate) fn is_hash_shaped(text: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if hex(text) {
        return matches!(text.len(), 32 | 40 | 64);
    }
    shortened_hash(text)
}

/// `hex...hex` or `hex…hex`, with at least six characters before the ellipsis.
pub(crate) fn shortened_hash(text: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    ["...", "\u{2026}"].iter().any(|ellipsis| {
        text.split_once(ellipsis)
            .is_some_and(|(head, tail)| head.len() >= 6 && hex(head) && hex(tail))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlds_come_from_the_public_suffix_list() {
        assert!(is_known_tld("com"));
        assert!(is_known_tld("ZIP"));
        assert!(is_known_tld("рф"));
        assert!(is_known_tld("xn--p1ai"));
        assert!(is_known_tld("example"));
        assert!(!is_known_tld("exe"));
        assert!(!is_known_tld("ps1"));
        assert!(!is_known_tld("html"));
    }

    #[test]
    fn shapes() {
        let kind = |t| infer(t);
        assert_eq!(kind("wss://a.example/ws"), Some(IndicatorKind::Url.into()));
        assert_eq!(kind("192.0.2.1"), Some(KindHint::Ip));
        assert_eq!(kind("192.0.2.1:443"), Some(IndicatorKind::IpPort.into()));
        assert_eq!(
            kind("[2001:db8::1]:443"),
            Some(IndicatorKind::IpPort.into())
        );
        assert_eq!(kind("2001:db8::/32"), Some(IndicatorKind::Cidr.into()));
        assert_eq!(kind("32f85cbf0fcd...d4c2"), Some(KindHint::AnyHash));
        assert_eq!(kind("a@example.org"), Some(IndicatorKind::Email.into()));
        assert_eq!(kind("www.example.org"), Some(IndicatorKind::Domain.into()));
        assert_eq!(kind("hello"), None);
        assert!(!looks_like_ipv6("dead::beef"));
        assert!(looks_like_ipv6("fe80::1"));
        assert!(!looks_like_ipv4("1.2.3"));
    }
}
