//! How each kind of indicator is matched, as Sigma selections.
//!
//! The rules, shared with the other backends:
//! - an ip:port matches that address on that port only: each pair is its own selection, never
//!   the address list crossed with the port list;
//! - a domain matches itself and its subdomains (`endswith` a dot and the name), never a
//!   substring;
//! - a URL matches exactly, the form without a path also with a trailing `/`;
//! - a hash is compared only as the value for its algorithm.
//!
//! Sigma compares strings case-insensitively unless told otherwise ("General" in the rules
//! specification), which suits every value here but a URL's path; see the README's Limits.

use ioc_core::{Indicator, IndicatorValue};

use crate::hunt::Shape;
use crate::value::escape;
use crate::yaml::{Map, Value};

/// The named selections of one rule, in order. A single selection is named `selection`,
/// several are named `selection_*` so the condition can take `1 of selection_*`.
pub fn build(shape: Shape, indicators: &[&Indicator]) -> Vec<(String, Value)> {
    let parts: Vec<(String, Value)> = match shape {
        Shape::Addresses { field } => {
            let ips = indicators.iter().filter_map(|i| match &i.value {
                IndicatorValue::Ipv4(ip) => Some(ip.to_string()),
                IndicatorValue::Ipv6(ip) => Some(ip.to_string()),
                _ => None,
            });
            vec![one(field, Value::strings(ips))]
        }
        Shape::AddressPorts { ip, port } => indicators
            .iter()
            .filter_map(|i| match &i.value {
                IndicatorValue::IpPort { ip: addr, port: p } => Some((addr, p)),
                _ => None,
            })
            .enumerate()
            .map(|(n, (addr, p))| {
                let mut pair = Map::new();
                pair.insert(ip, Value::Str(addr.to_string()));
                // A port is an integer: matchers that type values (sigma-rust) do not equate
                // the string "443" with the number 443, and Sysmon records a number.
                pair.insert(port, Value::Int(u64::from(*p)));
                (format!("{}", n + 1), Value::Map(pair))
            })
            .collect(),
        Shape::Networks { field } => {
            let nets = indicators.iter().filter_map(|i| match &i.value {
                IndicatorValue::Cidr { network, prefix } => Some(format!("{network}/{prefix}")),
                _ => None,
            });
            vec![one(&format!("{field}|cidr"), Value::strings(nets))]
        }
        Shape::Domains { field } => {
            let names: Vec<&str> = indicators
                .iter()
                .filter_map(|i| match &i.value {
                    IndicatorValue::Domain(d) => Some(d.as_str()),
                    _ => None,
                })
                .collect();
            let subdomains = names.iter().map(|d| format!(".{d}"));
            vec![
                (
                    "domain".to_string(),
                    field_map(field, Value::strings(names.iter().copied())),
                ),
                (
                    "subdomain".to_string(),
                    field_map(&format!("{field}|endswith"), Value::strings(subdomains)),
                ),
            ]
        }
        Shape::Urls { field } => {
            let mut urls = Vec::new();
            for indicator in indicators {
                if let IndicatorValue::Url(url) = &indicator.value {
                    for form in url.log_forms() {
                        urls.push(escape(form.as_str()));
                        // `https://host` and `https://host/` name the same resource.
                        if form.rest().is_empty() {
                            urls.push(escape(&format!("{}/", form.as_str())));
                        }
                    }
                }
            }
            vec![one(field, Value::strings(urls))]
        }
        Shape::Hashes { field } => {
            // Sysmon writes `MD5=...,SHA256=...` with upper-case hex; matching is
            // case-insensitive, but the exact form also suits converters that get case wrong.
            let values = indicators.iter().filter_map(|i| match &i.value {
                IndicatorValue::Md5(h) => Some(format!("MD5={}", h.to_ascii_uppercase())),
                IndicatorValue::Sha1(h) => Some(format!("SHA1={}", h.to_ascii_uppercase())),
                IndicatorValue::Sha256(h) => Some(format!("SHA256={}", h.to_ascii_uppercase())),
                _ => None,
            });
            vec![one(&format!("{field}|contains"), Value::strings(values))]
        }
        Shape::FileNames { field } => {
            let values = indicators.iter().filter_map(|i| match &i.value {
                IndicatorValue::FileName(name) => Some(escape(&format!("\\{name}"))),
                _ => None,
            });
            vec![one(&format!("{field}|endswith"), Value::strings(values))]
        }
    };
    name(parts)
}

/// How many values the longest list in `selections` holds, or how many selections there are
/// when that is more (one per ip:port pair): the number a converter turns into terms of one
/// `in` list or one `or` chain.
pub fn breadth(selections: &[(String, Value)]) -> usize {
    let longest = selections
        .iter()
        .filter_map(|(_, selection)| match selection {
            Value::Map(map) => map.values().map(Value::count).max(),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    longest.max(selections.len())
}

/// A lower bound on the [`breadth`] of the selections [`build`] makes from `values`, counted
/// without building them: every shape writes each value it takes as at least one entry of each
/// of its lists (a URL as one or more of its log forms), or as one selection of its own (an
/// ip:port pair), so the breadth is at least the number of values the shape takes.
pub fn least_breadth<'a>(
    shape: Shape,
    values: impl IntoIterator<Item = &'a IndicatorValue>,
) -> usize {
    values.into_iter().filter(|v| takes(shape, v)).count()
}

/// Whether `build` writes `value` into the selections of `shape`.
fn takes(shape: Shape, value: &IndicatorValue) -> bool {
    use IndicatorValue as V;
    match shape {
        Shape::Addresses { .. } => matches!(value, V::Ipv4(_) | V::Ipv6(_)),
        Shape::AddressPorts { .. } => matches!(value, V::IpPort { .. }),
        Shape::Networks { .. } => matches!(value, V::Cidr { .. }),
        Shape::Domains { .. } => matches!(value, V::Domain(_)),
        Shape::Urls { .. } => matches!(value, V::Url(_)),
        Shape::Hashes { .. } => matches!(value, V::Md5(_) | V::Sha1(_) | V::Sha256(_)),
        Shape::FileNames { .. } => matches!(value, V::FileName(_)),
    }
}

fn one(field: &str, value: Value) -> (String, Value) {
    (String::new(), field_map(field, value))
}

fn field_map(field: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(field, value);
    Value::Map(map)
}

fn name(parts: Vec<(String, Value)>) -> Vec<(String, Value)> {
    if parts.len() == 1 {
        return parts
            .into_iter()
            .map(|(_, value)| ("selection".to_string(), value))
            .collect();
    }
    parts
        .into_iter()
        .map(|(suffix, value)| (format!("selection_{suffix}"), value))
        .collect()
}

#[cfg(test)]
mod tests {
    use ioc_core::{IndicatorKind, Metadata, Source};

    use super::*;
    use crate::yaml::document;

    fn indicators(kind: IndicatorKind, values: &[&str]) -> Vec<Indicator> {
        values
            .iter()
            .map(|v| Indicator {
                value: IndicatorValue::parse(kind.into(), v).unwrap(),
                original: (*v).into(),
                source: Source::line("t.md", 1),
                meta: Metadata::default(),
            })
            .collect()
    }

    fn text(shape: Shape, kind: IndicatorKind, values: &[&str]) -> String {
        let owned = indicators(kind, values);
        let refs: Vec<&Indicator> = owned.iter().collect();
        let mut map = Map::new();
        for (name, value) in build(shape, &refs) {
            map.insert(name, value);
        }
        document(&map).unwrap()
    }

    #[test]
    fn each_pair_is_its_own_selection() {
        let shape = Shape::AddressPorts {
            ip: "DestinationIp",
            port: "DestinationPort",
        };
        assert_eq!(
            text(
                shape,
                IndicatorKind::IpPort,
                &["10.0.0.1:80", "10.0.0.1:443"]
            ),
            "---\nselection_1:\n    DestinationIp: '10.0.0.1'\n    DestinationPort: 80\n\
             selection_2:\n    DestinationIp: '10.0.0.1'\n    DestinationPort: 443"
        );
        assert_eq!(
            text(shape, IndicatorKind::IpPort, &["[2001:db8::1]:443"]),
            "---\nselection:\n    DestinationIp: '2001:db8::1'\n    DestinationPort: 443"
        );
    }

    #[test]
    fn domains_match_themselves_and_subdomains() {
        let shape = Shape::Domains { field: "QueryName" };
        assert_eq!(
            text(shape, IndicatorKind::Domain, &["evil.example", "b.example"]),
            "---\nselection_domain:\n    QueryName:\n        - 'evil.example'\n        - \
             'b.example'\nselection_subdomain:\n    QueryName|endswith:\n        - \
             '.evil.example'\n        - '.b.example'"
        );
    }

    #[test]
    fn urls_are_exact_with_wildcards_escaped() {
        let shape = Shape::Urls { field: "c-uri" };
        assert_eq!(
            text(shape, IndicatorKind::Url, &["https://a.example/x?y=*"]),
            "---\nselection:\n    c-uri: \"https://a.example/x\\\\?y=\\\\*\""
        );
        assert_eq!(
            text(shape, IndicatorKind::Url, &["https://a.example"]),
            "---\nselection:\n    c-uri:\n        - 'https://a.example'\n        - \
             'https://a.example/'"
        );
    }

    #[test]
    fn hashes_carry_their_algorithm() {
        let shape = Shape::Hashes { field: "Hashes" };
        let owned = [
            indicators(IndicatorKind::Md5, &["0cc175b9c0f1b6a831c399e269772661"]),
            indicators(
                IndicatorKind::Sha1,
                &["86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"],
            ),
        ]
        .concat();
        let refs: Vec<&Indicator> = owned.iter().collect();
        let selections = build(shape, &refs);
        let mut map = Map::new();
        map.insert("selection", selections[0].1.clone());
        assert_eq!(
            document(&map).unwrap(),
            "---\nselection:\n    Hashes|contains:\n        - \
             'MD5=0CC175B9C0F1B6A831C399E269772661'\n        - \
             'SHA1=86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8'"
        );
    }

    /// xorshift64: numbers that differ from each other, and from run to run not at all.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn hex(&mut self, len: usize) -> String {
            (0..len)
                .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap())
                .collect()
        }
    }

    /// `n` values of each kind a hunt takes, as a feed writes them: ports crowding on a few
    /// addresses, URLs with and without a path, default ports, fragments and WebSocket schemes
    /// (which add log forms).
    fn feed(rng: &mut Rng, n: usize) -> Vec<Indicator> {
        let mut out = Vec::new();
        for i in 0..n {
            let (a, b, c) = (rng.below(224) + 1, rng.below(256), rng.below(256));
            let scheme = ["http", "https", "ws", "wss", "ftp"][rng.below(5)];
            let port = ["", ":80", ":443", ":8080"][rng.below(4)];
            let path = ["", "/", "/gate.php", "/a/b?id=7"][rng.below(4)];
            let fragment = ["", "#x"][rng.below(2)];
            let host = rng.below(40);
            let given = [
                (
                    IndicatorKind::Ipv4,
                    format!("{a}.{b}.{c}.{}", rng.below(256)),
                ),
                (IndicatorKind::Ipv6, format!("2001:db8:{b:x}::{i:x}")),
                (
                    IndicatorKind::IpPort,
                    format!("198.51.100.{host}:{}", 1 + i),
                ),
                (
                    IndicatorKind::IpPort,
                    format!("[2001:db8::{host:x}]:{}", 1 + i),
                ),
                (IndicatorKind::Cidr, format!("{a}.{b}.{c}.0/24")),
                (IndicatorKind::Cidr, format!("2001:db8:{i:x}::/48")),
                (IndicatorKind::Domain, format!("c2-{i}.update{b}.example")),
                (
                    IndicatorKind::Url,
                    format!("{scheme}://cdn{i}.example{port}{path}{fragment}"),
                ),
                (IndicatorKind::Md5, rng.hex(32)),
                (IndicatorKind::Sha1, rng.hex(40)),
                (IndicatorKind::Sha256, rng.hex(64)),
                (IndicatorKind::FileName, format!("invoice_{i}.pdf.exe")),
            ];
            for (kind, text) in given {
                out.extend(indicators(kind, &[&text]));
            }
        }
        out
    }

    /// The bound that spares building too broad parts must never refuse a part that fits: over
    /// random subsets of generated and of the kit's sample indicators, of each hunt's own kinds
    /// and of all kinds mixed, from empty to twice the most a list may hold, it is at most the
    /// breadth of the selections built.
    #[test]
    fn the_least_breadth_never_exceeds_the_breadth() {
        let max = crate::MAX_VALUES_PER_LIST;
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let generated = feed(&mut rng, 2 * max);
        let samples = ioc_conformance::sample_detections();
        let all: Vec<&Indicator> = generated
            .iter()
            .chain(samples.iter().flat_map(|d| &d.indicators))
            .collect();
        let mut checked = 0;
        for hunt in crate::hunt::HUNTS {
            let own: Vec<&Indicator> = all
                .iter()
                .copied()
                .filter(|i| hunt.kinds.contains(&i.kind()))
                .collect();
            for round in 0..200 {
                let mut pool = if round % 2 == 0 {
                    own.clone()
                } else {
                    all.clone()
                };
                // A partial shuffle: the first `size` are a random subset, without repeats.
                let size = rng.below(2 * max + 2).min(pool.len());
                for k in 0..size {
                    let pick = k + rng.below(pool.len() - k);
                    pool.swap(k, pick);
                }
                let subset = &pool[..size];

                let least = least_breadth(hunt.shape, subset.iter().map(|i| &i.value));
                let breadth = breadth(&build(hunt.shape, subset));
                assert!(
                    least <= breadth,
                    "{:?}: least breadth {least} over the breadth {breadth} of {size} indicators",
                    hunt.shape,
                );
                checked += usize::from(least > max);
            }
        }
        // Enough parts too broad to fit, where the bound is what decides.
        assert!(checked > 300, "only {checked} subsets over the limit");
    }

    #[test]
    fn file_names_end_a_path() {
        let shape = Shape::FileNames {
            field: "TargetFilename",
        };
        assert_eq!(
            text(shape, IndicatorKind::FileName, &["a?.exe"]),
            "---\nselection:\n    TargetFilename|endswith: \"\\\\a\\\\?.exe\""
        );
    }
}
