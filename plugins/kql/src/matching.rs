//! How each kind of indicator is matched, as KQL conditions.
//!
//! The rules, shared with the other backends:
//! - an ip:port matches that address on that port only, never the address list crossed with the
//!   port list;
//! - a domain matches itself and its subdomains (never a substring), ignoring case and a trailing
//!   dot;
//! - a URL matches exactly: scheme and host ignore case, the rest is compared as given;
//! - a hash is compared only with the column for its algorithm, ignoring case.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ioc_core::{CanonicalUrl, Indicator, IndicatorValue};

use crate::literal;
use crate::schema::Hunt;

/// The conditions one hunt contributes to a query.
#[derive(Debug, Default)]
pub struct Matcher {
    /// `name = expression` columns the conditions need.
    pub extends: Vec<(String, String)>,
    /// Conditions joined with `or`.
    pub disjuncts: Vec<String>,
}

/// A regular expression (RE2) that takes the host out of a URL or a bare `host[:port][/path]`.
pub(crate) const HOST_OF_URL: &str = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://)?(?:[^@/?#]*@)?([^:/?#]+)";

/// Builds the conditions of `hunt` for the indicators it applies to.
pub fn build(hunt: &Hunt, indicators: &[&Indicator]) -> Matcher {
    let mut m = Matcher::default();
    match *hunt {
        Hunt::Address { ip, port, mapped } => address(&mut m, ip, port, mapped, indicators),
        Hunt::Host { column } => {
            let host = format!("{column}_host");
            m.extends
                .push((host.clone(), format!("trim_end(@\"\\.\", {column})")));
            domains(&mut m, &host, indicators);
        }
        Hunt::UrlHost { column } => {
            let host = format!("{column}_host");
            let regex = literal::verbatim(HOST_OF_URL);
            m.extends.push((
                host.clone(),
                format!("trim_end(@\"\\.\", extract({regex}, 1, {column}))"),
            ));
            domains(&mut m, &host, indicators);
        }
        Hunt::Url { column, schemeless } => {
            for indicator in indicators {
                if let IndicatorValue::Url(url) = &indicator.value {
                    for form in url.log_forms() {
                        m.disjuncts.push(url_condition(column, &form, schemeless));
                    }
                }
            }
        }
        Hunt::Hash { md5, sha1, sha256 } => {
            let mut by_column: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for indicator in indicators {
                let column = match indicator.value {
                    IndicatorValue::Md5(_) => md5,
                    IndicatorValue::Sha1(_) => sha1,
                    IndicatorValue::Sha256(_) => sha256,
                    _ => continue,
                };
                by_column
                    .entry(column)
                    .or_default()
                    .push(indicator.value.to_string());
            }
            // Order the columns as the algorithms are ordered: MD5, SHA1, SHA256.
            for column in [md5, sha1, sha256] {
                if let Some(values) = by_column.remove(column) {
                    m.disjuncts.push(format!(
                        "{column} in~ {}",
                        literal::string_list(values.iter().map(String::as_str))
                    ));
                }
            }
        }
        Hunt::Equals { kind, columns } => {
            let values: Vec<String> = indicators
                .iter()
                .filter(|i| i.kind() == kind)
                .map(|i| i.value.to_string())
                .collect();
            if !values.is_empty() {
                let list = literal::string_list(values.iter().map(String::as_str));
                for column in columns {
                    m.disjuncts.push(format!("{column} in~ {list}"));
                }
            }
        }
    }
    m
}

fn address(m: &mut Matcher, ip_col: &str, port_col: &str, mapped: bool, items: &[&Indicator]) {
    let mut plain_v4 = Vec::new();
    let mut pairs: BTreeMap<IpAddr, Vec<u16>> = BTreeMap::new();
    for indicator in items {
        match &indicator.value {
            IndicatorValue::Ipv4(ip) => plain_v4.push(ip.to_string()),
            IndicatorValue::Ipv6(ip) => m.disjuncts.push(format!(
                "ipv6_is_match({ip_col}, {})",
                literal::string(&ip.to_string())
            )),
            IndicatorValue::IpPort { ip, port } => pairs.entry(*ip).or_default().push(*port),
            IndicatorValue::Cidr { network, prefix } => {
                let function = if network.is_ipv4() {
                    "ipv4_is_in_range"
                } else {
                    "ipv6_is_in_range"
                };
                let range = literal::string(&format!("{network}/{prefix}"));
                m.disjuncts.push(format!("{function}({ip_col}, {range})"));
            }
            _ => {}
        }
    }
    if !plain_v4.is_empty() {
        let values = with_mapped(&plain_v4, mapped);
        m.disjuncts.insert(
            0,
            format!(
                "{ip_col} in {}",
                literal::string_list(values.iter().map(String::as_str))
            ),
        );
    }
    for (ip, ports) in pairs {
        let ip_test = match ip {
            IpAddr::V4(v4) => {
                let forms = with_mapped(&[v4.to_string()], mapped);
                if forms.len() == 1 {
                    format!("{ip_col} == {}", literal::string(&forms[0]))
                } else {
                    format!(
                        "{ip_col} in {}",
                        literal::string_list(forms.iter().map(String::as_str))
                    )
                }
            }
            IpAddr::V6(v6) => format!(
                "ipv6_is_match({ip_col}, {})",
                literal::string(&v6.to_string())
            ),
        };
        let port_test = if ports.len() == 1 {
            format!("{port_col} == {}", ports[0])
        } else {
            let list: Vec<String> = ports.iter().map(u16::to_string).collect();
            format!("{port_col} in ({})", list.join(", "))
        };
        m.disjuncts.push(format!("({ip_test} and {port_test})"));
    }
}

fn with_mapped(v4: &[String], mapped: bool) -> Vec<String> {
    let mut out = Vec::with_capacity(v4.len() * 2);
    for ip in v4 {
        out.push(ip.clone());
        if mapped {
            out.push(format!("::ffff:{ip}"));
        }
    }
    out
}

fn domains(m: &mut Matcher, host: &str, items: &[&Indicator]) {
    let names: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.value {
            IndicatorValue::Domain(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return;
    }
    m.disjuncts.push(format!(
        "{host} in~ {}",
        literal::string_list(names.iter().copied())
    ));
    for name in names {
        m.disjuncts.push(format!(
            "{host} endswith {}",
            literal::string(&format!(".{name}"))
        ));
    }
}

/// An exact URL test: `in~` compares the whole text ignoring case, and `endswith_cs` then
/// restores case sensitivity for the part after the host, which servers treat as
/// case-sensitive.
fn url_condition(column: &str, url: &CanonicalUrl, schemeless: bool) -> String {
    let mut forms = vec![url.as_str().to_string()];
    if schemeless {
        forms.push(url.without_scheme().to_string());
    }
    if url.rest().is_empty() {
        // `https://host` and `https://host/` name the same resource.
        let with_slash: Vec<String> = forms.iter().map(|f| format!("{f}/")).collect();
        forms.extend(with_slash);
    }
    let list = literal::string_list(forms.iter().map(String::as_str));
    let rest = url.rest();
    if rest.bytes().any(|b| b.is_ascii_alphabetic()) {
        format!(
            "({column} in~ {list} and {column} endswith_cs {})",
            literal::string(rest)
        )
    } else {
        format!("{column} in~ {list}")
    }
}
