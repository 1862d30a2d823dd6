//! How each kind of indicator is matched, as a search term and as an eval condition.
//!
//! The rules, shared with the other backends:
//! - an ip:port matches that address on that port only, never the address list crossed with the
//!   port list;
//! - a domain matches itself and its subdomains (never a substring), ignoring case and a trailing
//!   dot;
//! - a URL matches exactly: scheme and host ignore case, the rest is compared as given;
//! - a hash is compared with the dataset's hash field, ignoring case.
//!
//! Each [`Clause`] has a search term, which `tstats ... WHERE` or `search` can evaluate, and an
//! eval condition for `where`. The term ignores case and cannot hold a literal `*`, so for a
//! case-sensitive URL path or a value holding `*` it matches a superset; the query then adds a
//! `where` that repeats every clause exactly. In the domain terms `"*.evil.com"` the wildcard is
//! intended, and a validated domain never holds a `*` of its own.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ioc_core::{CanonicalUrl, Indicator, IndicatorValue};

use crate::eval;
use crate::literal::{self, Term};
use crate::profile::Naming;
use crate::schema::Hunt;

/// One condition of a query, in both languages.
#[derive(Debug, Clone)]
pub struct Clause {
    /// A search-language condition; when `exact` is false it matches a superset.
    pub term: String,
    pub exact: bool,
    /// An eval condition matching exactly the intended events.
    pub check: String,
    /// The fields the clause reads.
    pub fields: Vec<String>,
}

/// Builds the clauses of `hunt` for the indicators it applies to.
pub fn build(hunt: &Hunt, naming: &Naming, indicators: &[&Indicator]) -> Vec<Clause> {
    match *hunt {
        Hunt::Address { ip, port } => address(&naming.field(ip), &naming.field(port), indicators),
        Hunt::Host { field } => host(&naming.field(field), indicators),
        Hunt::Url { field } => {
            let field = naming.field(field);
            indicators
                .iter()
                .filter_map(|i| i.value.as_url())
                .flat_map(|url| url.log_forms())
                .map(|url| url_clause(&field, &url))
                .collect()
        }
        Hunt::Hash { field: role } => {
            // One field per algorithm under the raw profile, one for all of them under CIM;
            // the order of first use keeps MD5, SHA1, SHA256 (the indicators' order).
            let mut by_field: Vec<(String, Vec<String>)> = Vec::new();
            for indicator in indicators {
                if !indicator.kind().is_hash() {
                    continue;
                }
                let field = naming.hash_field(role, indicator.kind());
                let value = indicator.value.to_string();
                match by_field.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, values)) => values.push(value),
                    None => by_field.push((field, vec![value])),
                }
            }
            by_field
                .into_iter()
                .map(|(field, values)| equality(&field, &values))
                .collect()
        }
        Hunt::Equals { kind, field } => {
            let values: Vec<String> = indicators
                .iter()
                .filter(|i| i.kind() == kind)
                .map(|i| i.value.to_string())
                .collect();
            if values.is_empty() {
                Vec::new()
            } else {
                vec![equality(&naming.field(field), &values)]
            }
        }
    }
}

/// `field IN ("a", "b")`, or `field="a"` for one term.
fn in_list(field: &str, terms: &[String]) -> String {
    match terms {
        [one] => format!("{field}={one}"),
        _ => format!("{field} IN ({})", terms.join(", ")),
    }
}

/// Case-insensitive equality with any of `values`.
fn equality(field: &str, values: &[String]) -> Clause {
    let terms: Vec<Term> = values.iter().map(|v| literal::term(v)).collect();
    let mut texts: Vec<String> = terms.iter().map(|t| t.text.clone()).collect();
    // Two values cut to the same prefix give the same term; one is enough.
    texts.dedup();
    Clause {
        term: in_list(field, &texts),
        exact: terms.iter().all(|t| t.exact),
        check: eval::any(values.iter().map(|v| eval::equals_ci(field, v)).collect()),
        fields: vec![field.to_string()],
    }
}

fn address(ip_field: &str, port_field: &str, items: &[&Indicator]) -> Vec<Clause> {
    let mut plain: Vec<String> = Vec::new();
    let mut clauses = Vec::new();
    let mut pairs: BTreeMap<IpAddr, Vec<u16>> = BTreeMap::new();
    for indicator in items {
        match &indicator.value {
            IndicatorValue::Ipv4(ip) => plain.push(ip.to_string()),
            IndicatorValue::Ipv6(ip) => {
                let (term, check) = ipv6_test(ip_field, &ip.to_string());
                clauses.push(exact_clause(term, check, vec![ip_field.to_string()]));
            }
            IndicatorValue::Cidr { network, prefix } => {
                // The search command matches a value in CIDR notation as a range (Search
                // Reference, `search` command: IPv4 and IPv6 subnets in CIDR notation).
                let range = format!("{network}/{prefix}");
                clauses.push(exact_clause(
                    format!("{ip_field}=\"{range}\""),
                    eval::in_range(ip_field, &range),
                    vec![ip_field.to_string()],
                ));
            }
            IndicatorValue::IpPort { ip, port } => pairs.entry(*ip).or_default().push(*port),
            _ => {}
        }
    }
    if !plain.is_empty() {
        let terms: Vec<String> = plain.iter().map(|ip| format!("\"{ip}\"")).collect();
        let check = eval::any(plain.iter().map(|ip| eval::equals(ip_field, ip)).collect());
        clauses.insert(
            0,
            exact_clause(in_list(ip_field, &terms), check, vec![ip_field.to_string()]),
        );
    }
    for (ip, ports) in pairs {
        let (ip_term, ip_check) = match ip {
            IpAddr::V4(v4) => (
                format!("{ip_field}=\"{v4}\""),
                eval::equals(ip_field, &v4.to_string()),
            ),
            IpAddr::V6(v6) => ipv6_test(ip_field, &v6.to_string()),
        };
        let port_texts: Vec<String> = ports.iter().map(u16::to_string).collect();
        let port_check = eval::any(
            ports
                .iter()
                .map(|p| eval::number_equals(port_field, *p))
                .collect(),
        );
        // The address and its own ports, in one group: never an address list crossed with a
        // port list.
        clauses.push(exact_clause(
            format!("({ip_term} AND {})", in_list(port_field, &port_texts)),
            eval::all(vec![ip_check, port_check]),
            vec![ip_field.to_string(), port_field.to_string()],
        ));
    }
    clauses
}

/// An IPv6 address as written, or in any other notation through a /128 range: logs do not all
/// compress zeros the same way.
fn ipv6_test(field: &str, ip: &str) -> (String, String) {
    let range = format!("{ip}/128");
    (
        format!("({field}=\"{ip}\" OR {field}=\"{range}\")"),
        eval::any(vec![eval::equals(field, ip), eval::in_range(field, &range)]),
    )
}

fn exact_clause(term: String, check: String, fields: Vec<String>) -> Clause {
    Clause {
        term,
        exact: true,
        check,
        fields,
    }
}

fn host(field: &str, items: &[&Indicator]) -> Vec<Clause> {
    let names: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.value {
            IndicatorValue::Domain(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut checks = Vec::new();
    let mut exact = true;
    for name in &names {
        let dotted = format!("{name}.");
        for t in [
            literal::term(name),
            literal::term(&dotted),
            literal::term_ending(&format!(".{name}")),
            literal::term_ending(&format!(".{dotted}")),
        ] {
            exact &= t.exact;
            terms.push(t.text);
        }
        checks.push(eval::equals_ci(field, name));
        checks.push(eval::equals_ci(field, &dotted));
        checks.push(eval::matches(field, "(?i)\\.", name, "\\.?$"));
    }
    vec![Clause {
        term: in_list(field, &terms),
        exact,
        check: eval::any(checks),
        fields: vec![field.to_string()],
    }]
}

/// An exact URL: the whole text ignoring case, then the part after the host compared with case,
/// as servers treat it (`==` and `match()` are case-sensitive in eval).
fn url_clause(field: &str, url: &CanonicalUrl) -> Clause {
    let mut forms = vec![url.as_str().to_string(), url.without_scheme().to_string()];
    if url.rest().is_empty() {
        // `https://host` and `https://host/` name the same resource.
        let with_slash: Vec<String> = forms.iter().map(|f| format!("{f}/")).collect();
        forms.extend(with_slash);
    }
    let terms: Vec<Term> = forms.iter().map(|f| literal::term(f)).collect();
    let texts: Vec<String> = terms.iter().map(|t| t.text.clone()).collect();
    let rest = url.rest();
    let case_matters = rest.chars().any(char::is_alphabetic);
    let same_text = eval::any(forms.iter().map(|f| eval::equals_ci(field, f)).collect());
    let check = if case_matters {
        eval::all(vec![same_text, eval::matches(field, "", rest, "$")])
    } else {
        same_text
    };
    Clause {
        term: in_list(field, &texts),
        exact: !case_matters && terms.iter().all(|t| t.exact),
        check,
        fields: vec![field.to_string()],
    }
}
