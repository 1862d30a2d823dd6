//! The run's policy: which valid indicators are kept, flagged or left out.
//!
//! Validation (in the core) decides whether a value *is* an indicator; policy decides whether
//! this run *wants* it. A policy never drops a record silently: a left-out indicator becomes a
//! skipped record whose reason names the option that left it out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ioc_core::{Indicator, IndicatorValue};
use ipnet::IpNet;

use crate::parse_date;
use crate::warninglist::{self, Warninglists};

/// Options that shape what every reader keeps.
///
/// The default keeps everything valid and flags private and reserved addresses with a warning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Skip indicators whose stated confidence is below this (0 to 100). Indicators that state
    /// no confidence are kept: there is nothing to compare.
    pub min_confidence: Option<u8>,
    /// Skip indicators first seen before this date (`YYYY-MM-DD`). Indicators without a
    /// first-seen date are kept.
    pub since: Option<String>,
    /// Skip private and reserved addresses instead of keeping them with a warning.
    pub drop_private: bool,
    /// The date (`YYYY-MM-DD`) or UTC timestamp that "expired" is measured against, for STIX
    /// `valid_until`. `None` measures against the newest `created`/`modified` time in the
    /// bundle, so that the same input always gives the same output.
    pub now: Option<String>,
    /// MISP warninglists: an indicator on one is flagged with the list's name, or skipped
    /// with `drop_warninglisted`. Shared, since the lists can be large.
    pub warninglists: Option<Arc<Warninglists>>,
    /// Skip indicators on a warninglist instead of keeping them with a warning.
    pub drop_warninglisted: bool,
}

/// What policy says about one valid indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Keep,
    /// Keep, and tell the user why it deserves a second look (one message per reason).
    Flag(Vec<String>),
    Skip(String),
}

/// `declared` is the type the input declared for the indicator, if any.
pub(crate) fn verdict(
    options: &ReadOptions,
    indicator: &Indicator,
    declared: Option<&str>,
) -> Verdict {
    let meta = &indicator.meta;
    if let (Some(since), Some(first_seen)) = (&options.since, &meta.first_seen) {
        if **first_seen < **since {
            return Verdict::Skip(format!("first seen {first_seen}, before --since {since}"));
        }
    }
    if let (Some(min), Some(confidence)) = (options.min_confidence, meta.confidence) {
        if confidence < min {
            return Verdict::Skip(format!(
                "confidence {confidence} is below --min-confidence {min}"
            ));
        }
    }
    let mut flags = Vec::new();
    match special_address(&indicator.value) {
        Some((ip, range)) if options.drop_private => {
            let value = indicator.value.to_string();
            return Verdict::Skip(if value == ip.to_string() {
                format!("{ip} is {range} (--drop-private)")
            } else {
                format!("{value} holds {ip}, which is {range} (--drop-private)")
            });
        }
        Some((ip, range)) => flags.push(format!(
            "{} ({}) holds {ip}, which is {range}; kept (--drop-private leaves such addresses out)",
            indicator.value,
            indicator.kind()
        )),
        None => {}
    }
    if let IndicatorValue::Cidr { network, prefix } = &indicator.value {
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let wide = if network.is_ipv4() { 16 } else { 32 };
        if *prefix < wide {
            flags.push(format!(
                "{} is a range of 2^{} addresses; a range this wide also matches much unrelated \
                 traffic",
                indicator.value,
                bits - prefix
            ));
        }
    }
    if let Some(lists) = &options.warninglists {
        let hits = lists.check(&indicator.value, declared);
        if !hits.is_empty() {
            let on = warninglist::describe(&hits);
            if options.drop_warninglisted {
                return Verdict::Skip(format!(
                    "{} is on {on} (--drop-warninglisted)",
                    indicator.value
                ));
            }
            flags.push(format!(
                "{} ({}) is on {on}; kept (--drop-warninglisted leaves such indicators out)",
                indicator.value,
                indicator.kind()
            ));
        }
    }
    if flags.is_empty() {
        Verdict::Keep
    } else {
        Verdict::Flag(flags)
    }
}

/// Checks a `--since` argument: a `YYYY-MM-DD` date, or a timestamp that starts with one.
pub fn parse_since(text: &str) -> Result<String, String> {
    parse_date(text)
        .filter(|d| is_calendar_date(d))
        .map(str::to_string)
        .ok_or_else(|| format!("{text:?} is not a date; write it as YYYY-MM-DD"))
}

fn is_calendar_date(date: &str) -> bool {
    let month: u32 = date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = date.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The address an indicator points at, if it lies in a private or reserved range, with the
/// name of that range.
fn special_address(value: &IndicatorValue) -> Option<(IpAddr, &'static str)> {
    let ip = match value {
        IndicatorValue::Ipv4(ip) => IpAddr::V4(*ip),
        IndicatorValue::Ipv6(ip) => IpAddr::V6(*ip),
        IndicatorValue::IpPort { ip, .. } => *ip,
        IndicatorValue::Cidr { network, prefix } => {
            // A range is special if it starts in a special block or holds one: 128.0.0.0/1
            // holds 192.168.0.0/16.
            let range = IpNet::new(*network, *prefix).ok()?;
            let held = || {
                special_starts()
                    .find(|start| range.contains(start))
                    .and_then(|start| special_range(start).map(|r| (start, r)))
            };
            return special_range(*network).map(|r| (*network, r)).or_else(held);
        }
        IndicatorValue::Url(url) => url
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?,
        _ => return None,
    };
    special_range(ip).map(|range| (ip, range))
}

/// The first address of each special-purpose block [`special_range`] names.
fn special_starts() -> impl Iterator<Item = IpAddr> {
    const V4: &[[u8; 4]] = &[
        [0, 0, 0, 0],
        [10, 0, 0, 0],
        [100, 64, 0, 0],
        [127, 0, 0, 0],
        [169, 254, 0, 0],
        [172, 16, 0, 0],
        [192, 0, 0, 0],
        [192, 0, 2, 0],
        [192, 168, 0, 0],
        [198, 18, 0, 0],
        [198, 51, 100, 0],
        [203, 0, 113, 0],
        [224, 0, 0, 0],
        [240, 0, 0, 0],
    ];
    const V6: &[[u16; 8]] = &[
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0xfc00, 0, 0, 0, 0, 0, 0, 0],
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        [0x2001, 0x0db8, 0, 0, 0, 0, 0, 0],
        [0xff00, 0, 0, 0, 0, 0, 0, 0],
    ];
    V4.iter()
        .map(|o| IpAddr::V4(Ipv4Addr::from(*o)))
        .chain(V6.iter().map(|s| IpAddr::V6(Ipv6Addr::from(*s))))
}

/// Names the special-purpose range an address falls in (IANA's IPv4 and IPv6 special-purpose
/// address registries, the ranges that matter for hunting).
pub(crate) fn special_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => special_v4(v4),
            None => special_v6(v6),
        },
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let range = if ip.is_unspecified() || a == 0 {
        "in 0.0.0.0/8 (this network)"
    } else if ip.is_private() {
        "private (RFC 1918)"
    } else if ip.is_loopback() {
        "loopback"
    } else if ip.is_link_local() {
        "link-local"
    } else if a == 100 && (64..128).contains(&b) {
        "shared address space (RFC 6598)"
    } else if ip.is_documentation() {
        "reserved for documentation (RFC 5737)"
    } else if a == 198 && (b == 18 || b == 19) {
        "reserved for benchmarking (RFC 2544)"
    } else if a == 192 && b == 0 && c == 0 {
        "reserved for IETF protocol assignments"
    } else if ip.is_multicast() {
        "multicast"
    } else if ip.is_broadcast() {
        "the broadcast address"
    } else if a >= 240 {
        "reserved (240.0.0.0/4)"
    } else {
        return None;
    };
    Some(range)
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    let range = if ip.is_unspecified() {
        "the unspecified address"
    } else if ip.is_loopback() {
        "loopback"
    } else if first & 0xfe00 == 0xfc00 {
        "unique local (RFC 4193)"
    } else if first & 0xffc0 == 0xfe80 {
        "link-local"
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        "reserved for documentation (RFC 3849)"
    } else if ip.is_multicast() {
        "multicast"
    } else {
        return None;
    };
    Some(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_range_is_flagged_and_one_holding_private_space_is_private() {
        let range = |text: &str| Indicator {
            value: IndicatorValue::parse(KindHint::Exact(IndicatorKind::Cidr), text).unwrap(),
            original: text.into(),
            source: Source::line("t", 1),
            meta: Metadata::default(),
        };
        let drop = ReadOptions {
            drop_private: true,
            ..ReadOptions::default()
        };
        let skip = verdict(&drop, &range("128.0.0.0/1"), None);
        assert!(
            matches!(&skip, Verdict::Skip(m) if m.starts_with("128.0.0.0/1 holds 169.254.0.0, which is link-local")),
            "{skip:?}"
        );
        let flags = |text: &str| match verdict(&ReadOptions::default(), &range(text), None) {
            Verdict::Flag(m) => m.join("; "),
            other => format!("{other:?}"),
        };
        let wide = flags("2000::/3");
        assert!(
            wide.contains("2000::/3 is a range of 2^125 addresses"),
            "{wide}"
        );
        assert!(flags("8.0.0.0/7").contains("2^25 addresses"));
        assert_eq!(flags("8.8.8.0/24"), "Keep");
    }
    use ioc_core::{IndicatorKind, KindHint, Metadata, Source};

    fn indicator(hint: KindHint, text: &str, meta: Metadata) -> Indicator {
        Indicator {
            value: IndicatorValue::parse(hint, text).unwrap(),
            original: text.into(),
            source: Source::line("t", 1),
            meta,
        }
    }

    #[test]
    fn private_addresses_are_flagged_or_dropped() {
        let private = indicator(KindHint::Ip, "10.1.2.3", Metadata::default());
        let public = indicator(KindHint::Ip, "8.8.8.8", Metadata::default());
        let options = ReadOptions::default();
        assert!(
            matches!(verdict(&options, &private, None), Verdict::Flag(m) if m[0].contains("RFC 1918"))
        );
        assert_eq!(verdict(&options, &public, None), Verdict::Keep);
        let drop = ReadOptions {
            drop_private: true,
            ..ReadOptions::default()
        };
        assert!(
            matches!(verdict(&drop, &private, None), Verdict::Skip(m) if m.contains("--drop-private"))
        );
        let url = indicator(
            IndicatorKind::Url.into(),
            "http://[fd00::1]:8080/x",
            Metadata::default(),
        );
        assert!(
            matches!(verdict(&drop, &url, None), Verdict::Skip(m) if m.contains("unique local"))
        );
        let port = indicator(
            IndicatorKind::IpPort.into(),
            "203.0.113.9:443",
            Metadata::default(),
        );
        assert!(
            matches!(verdict(&options, &port, None), Verdict::Flag(m) if m[0].contains("RFC 5737"))
        );
    }

    #[test]
    fn age_and_confidence_skip_with_the_option_named() {
        let meta = Metadata {
            first_seen: Some("2026-01-02".into()),
            confidence: Some(50),
            ..Metadata::default()
        };
        let old = indicator(KindHint::Ip, "8.8.4.4", meta);
        let since = ReadOptions {
            since: Some("2026-02-01".into()),
            ..ReadOptions::default()
        };
        assert!(matches!(verdict(&since, &old, None), Verdict::Skip(m) if m.contains("--since")));
        let confident = ReadOptions {
            min_confidence: Some(75),
            ..ReadOptions::default()
        };
        assert!(
            matches!(verdict(&confident, &old, None), Verdict::Skip(m) if m.contains("--min-confidence"))
        );
        let unstated = indicator(KindHint::Ip, "8.8.4.4", Metadata::default());
        assert_eq!(verdict(&confident, &unstated, None), Verdict::Keep);
    }

    #[test]
    fn warninglisted_indicators_are_flagged_or_dropped_with_the_list_named() {
        let list = crate::Warninglist::parse(
            "dns/list.json",
            "dns",
            r#"{"name": "Public resolvers", "type": "cidr", "list": ["8.8.8.0/24"]}"#,
        )
        .unwrap();
        let lists = Some(Arc::new(Warninglists::new(vec![list])));
        let resolver = indicator(
            IndicatorKind::IpPort.into(),
            "8.8.8.8:53",
            Metadata::default(),
        );
        let other = indicator(KindHint::Ip, "8.8.4.4", Metadata::default());
        let flag = ReadOptions {
            warninglists: lists.clone(),
            ..ReadOptions::default()
        };
        assert_eq!(
            verdict(&flag, &resolver, None),
            Verdict::Flag(vec![
                "8.8.8.8:53 (ip:port) is on MISP warninglist \"Public resolvers\" (dns, entry \
                 8.8.8.0/24); kept (--drop-warninglisted leaves such indicators out)"
                    .into()
            ])
        );
        assert_eq!(verdict(&flag, &other, None), Verdict::Keep);
        let drop = ReadOptions {
            warninglists: lists,
            drop_warninglisted: true,
            ..ReadOptions::default()
        };
        assert_eq!(
            verdict(&drop, &resolver, None),
            Verdict::Skip(
                "8.8.8.8:53 is on MISP warninglist \"Public resolvers\" (dns, entry 8.8.8.0/24) \
                 (--drop-warninglisted)"
                    .into()
            )
        );
        // A private address on a list carries both flags.
        let private = indicator(KindHint::Ip, "10.1.2.3", Metadata::default());
        let rfc1918 = crate::Warninglist::parse(
            "rfc1918/list.json",
            "rfc1918",
            r#"{"name": "RFC 1918", "type": "cidr", "list": ["10.0.0.0/8"]}"#,
        )
        .unwrap();
        let both = ReadOptions {
            warninglists: Some(Arc::new(Warninglists::new(vec![rfc1918]))),
            ..ReadOptions::default()
        };
        assert!(matches!(verdict(&both, &private, None), Verdict::Flag(m) if m.len() == 2));
    }

    #[test]
    fn since_takes_a_calendar_date() {
        assert_eq!(parse_since("2026-03-04").unwrap(), "2026-03-04");
        assert_eq!(parse_since("2026-03-04T10:00:00Z").unwrap(), "2026-03-04");
        assert!(parse_since("2026-13-04").is_err());
        assert!(parse_since("yesterday").is_err());
    }
}
