//! How each kind of indicator is matched, as ES|QL conditions.
//!
//! The rules, shared with the other backends:
//! - an ip:port matches that address on that port only, never the address list crossed with the
//!   port list;
//! - a domain matches itself and its subdomains (never a substring), ignoring case and a trailing
//!   dot;
//! - a URL matches exactly: scheme and host ignore case, the rest is compared as given;
//! - a hash is compared only with the field for its algorithm, ignoring case.
//!
//! Addresses are compared as `ip` values (`TO_IP`), so an IPv4 address also matches the same
//! host stored as IPv4-mapped IPv6, and an IPv6 address matches however it was written. String
//! comparisons that ignore case lower-case the field with `TO_LOWER` and write the value
//! lower-cased, which is what "TO_LOWER on both sides" computes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ioc_core::{CanonicalUrl, Indicator, IndicatorValue};

use crate::literal;
use crate::schema::Hunt;

/// The conditions one hunt contributes to a query.
#[derive(Debug, Default)]
pub struct Matcher {
    /// `name = expression` columns the conditions need, computed by `EVAL`.
    pub evals: Vec<(String, String)>,
    /// Conditions joined with `OR`.
    pub disjuncts: Vec<String>,
    /// The fields the conditions read, for `KEEP`.
    pub fields: Vec<String>,
}

/// Builds the conditions of `hunt` for the indicators it applies to.
pub fn build(hunt: &Hunt, indicators: &[&Indicator]) -> Matcher {
    let mut m = Matcher::default();
    match *hunt {
        Hunt::Address { ip, port } => address(&mut m, ip, port, indicators),
        Hunt::Host { field } => domains(&mut m, field, indicators),
        Hunt::Url { field } => {
            for indicator in indicators {
                if let IndicatorValue::Url(url) = &indicator.value {
                    for form in url.log_forms() {
                        m.disjuncts.push(url_condition(field, &form));
                    }
                }
            }
            if !m.disjuncts.is_empty() {
                m.fields.push(field.to_string());
            }
        }
        Hunt::Hash { md5, sha1, sha256 } => {
            let mut by_field: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for indicator in indicators {
                let field = match indicator.value {
                    IndicatorValue::Md5(_) => md5,
                    IndicatorValue::Sha1(_) => sha1,
                    IndicatorValue::Sha256(_) => sha256,
                    _ => continue,
                };
                by_field
                    .entry(field)
                    .or_default()
                    .push(indicator.value.to_string());
            }
            // Order the fields as the algorithms are ordered: MD5, SHA1, SHA256.
            for field in [md5, sha1, sha256] {
                if let Some(values) = by_field.remove(field) {
                    m.disjuncts.push(one_of(&lower(field), &values));
                    m.fields.push(field.to_string());
                }
            }
        }
        Hunt::Equals { kind, fields } => {
            let values: Vec<String> = indicators
                .iter()
                .filter(|i| i.kind() == kind)
                .map(|i| i.value.to_string().to_lowercase())
                .collect();
            if !values.is_empty() {
                for field in fields {
                    m.disjuncts.push(one_of(&lower(field), &values));
                    m.fields.push(field.to_string());
                }
            }
        }
    }
    m
}

/// `TO_LOWER(field)`.
pub fn lower(field: &str) -> String {
    format!("TO_LOWER({field})")
}

/// `left == "v"` for one value, `left IN ("v", ...)` for more.
fn one_of(left: &str, values: &[String]) -> String {
    match values {
        [one] => format!("{left} == {}", literal::checked(one)),
        _ => {
            let items: Vec<String> = values.iter().map(|v| literal::checked(v)).collect();
            format!("{left} IN ({})", items.join(", "))
        }
    }
}

fn to_ip(ip: &IpAddr) -> String {
    format!("TO_IP({})", literal::checked(&ip.to_string()))
}

fn address(m: &mut Matcher, ip_field: &str, port_field: &str, items: &[&Indicator]) {
    let mut plain = Vec::new();
    let mut ranges = Vec::new();
    let mut pairs: BTreeMap<IpAddr, Vec<u16>> = BTreeMap::new();
    for indicator in items {
        match &indicator.value {
            IndicatorValue::Ipv4(ip) => plain.push(to_ip(&IpAddr::V4(*ip))),
            IndicatorValue::Ipv6(ip) => plain.push(to_ip(&IpAddr::V6(*ip))),
            IndicatorValue::IpPort { ip, port } => pairs.entry(*ip).or_default().push(*port),
            IndicatorValue::Cidr { network, prefix } => {
                ranges.push(literal::checked(&format!("{network}/{prefix}")));
            }
            _ => {}
        }
    }
    match plain.as_slice() {
        [] => {}
        [one] => m.disjuncts.push(format!("{ip_field} == {one}")),
        many => m
            .disjuncts
            .push(format!("{ip_field} IN ({})", many.join(", "))),
    }
    if !ranges.is_empty() {
        m.disjuncts
            .push(format!("CIDR_MATCH({ip_field}, {})", ranges.join(", ")));
    }
    for (ip, ports) in &pairs {
        let port_test = match ports.as_slice() {
            [one] => format!("{port_field} == {one}"),
            many => {
                let list: Vec<String> = many.iter().map(u16::to_string).collect();
                format!("{port_field} IN ({})", list.join(", "))
            }
        };
        m.disjuncts
            .push(format!("({ip_field} == {} AND {port_test})", to_ip(ip)));
    }
    if !m.disjuncts.is_empty() {
        m.fields.push(ip_field.to_string());
    }
    if !pairs.is_empty() {
        m.fields.push(port_field.to_string());
    }
}

/// The name of the column holding `field` lower-cased without a trailing dot.
pub fn host_column(field: &str) -> String {
    format!("{}_host", field.replace('.', "_"))
}

fn domains(m: &mut Matcher, field: &str, items: &[&Indicator]) {
    let names: Vec<String> = items
        .iter()
        .filter_map(|i| match &i.value {
            IndicatorValue::Domain(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return;
    }
    let host = host_column(field);
    // REPLACE takes a Java regular expression; `\.$` is a dot at the end.
    m.evals.push((
        host.clone(),
        format!(
            "REPLACE({}, {}, \"\")",
            lower(field),
            literal::checked(r"\.$")
        ),
    ));
    m.disjuncts.push(one_of(&host, &names));
    for name in &names {
        m.disjuncts.push(format!(
            "ENDS_WITH({host}, {})",
            literal::checked(&format!(".{name}"))
        ));
    }
    m.fields.push(field.to_string());
}

/// An exact URL test: the lower-cased field must equal the lower-cased URL, and `ENDS_WITH`
/// then restores case for the part after the host, which servers treat as case-sensitive.
fn url_condition(field: &str, url: &CanonicalUrl) -> String {
    let mut forms = vec![url.as_str().to_lowercase()];
    if url.rest().is_empty() {
        // `https://host` and `https://host/` name the same resource.
        forms.push(format!("{}/", forms[0]));
    }
    let equal = one_of(&lower(field), &forms);
    let rest = url.rest();
    if rest.chars().any(char::is_alphabetic) {
        format!(
            "({equal} AND ENDS_WITH({field}, {}))",
            literal::checked(rest)
        )
    } else {
        equal
    }
}
