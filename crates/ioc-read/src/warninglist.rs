//! MISP warninglists: lists of well-known, mostly benign values (public resolvers, CDN ranges,
//! popular domains, hashes of empty files) that make poor indicators.
//!
//! A list is the JSON document of the public misp-warninglists repository (`lists/<id>/list.json`):
//! `name`, `version`, `description`, `type` and the `list` of entries, with an optional
//! `matching_attributes` naming the MISP attribute types the list applies to. This module parses
//! one document from text and matches indicators against a set of lists; finding the files is
//! the caller's job, as with every input.
//!
//! Matching follows MISP's own (`Warninglist::checkValue` in MISP, and PyMISPWarningLists):
//!
//! - `string`: the canonical value equals an entry (case-insensitive for domains, hashes and
//!   e-mail addresses, whose case carries no meaning);
//! - `substring`: the canonical value contains an entry;
//! - `hostname`: a domain, the host of a URL or the domain of an e-mail address is an entry or
//!   a subdomain of one;
//! - `cidr`: an address (also the address of an ip:port or of a URL's host) lies in a listed
//!   range, or a CIDR indicator lies wholly inside one;
//! - `regex`: an entry written as PHP writes a pattern (`/pattern/flags`) matches the value.
//!
//! A list with `matching_attributes` applies only to the kinds those MISP types give (see
//! [`kinds_of_misp_type`]); one without applies to every kind. An entry the list's type cannot
//! use (an address that does not parse in a `cidr` list, a pattern the `regex` crate refuses) is
//! left out and named in [`Warninglist::problems`], never fatal: the public lists are written for
//! PHP and Python, and one odd entry must not block the rest. So is a list whose `type` is not
//! one of the five (a newer MISP's, or a typo): that list is not used, and says why. `list` may
//! be an array of values or, as MISP also accepts, an object of values to comments; `type` may be
//! a name or a one-element array. Only a file that is not such a JSON object stops the run.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use ioc_core::{IndicatorKind, IndicatorValue, KindHint, Source};
use ipnet::IpNet;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::{json, ReadError};

/// How a list's entries are compared with a value (the list's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    String,
    Substring,
    Hostname,
    Cidr,
    Regex,
}

impl ListType {
    pub fn as_str(self) -> &'static str {
        match self {
            ListType::String => "string",
            ListType::Substring => "substring",
            ListType::Hostname => "hostname",
            ListType::Cidr => "cidr",
            ListType::Regex => "regex",
        }
    }
}

/// The document as MISP writes it. Keys MISP may add later are ignored, as MISP ignores them.
#[derive(Debug, Deserialize)]
struct Document {
    name: String,
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default)]
    description: Option<String>,
    /// MISP's README gives `string` as the default. MISP also takes a one-element array.
    #[serde(rename = "type", default)]
    list_type: Option<TypeField>,
    list: Entries,
    #[serde(default)]
    matching_attributes: Option<Vec<String>>,
}

/// A list's `type`: a name, or (as MISP also accepts) an array whose first name counts. Read
/// by hand, like [`Entries`], so that a bad one is named with what was expected.
#[derive(Debug)]
struct TypeField(String);

impl<'de> Deserialize<'de> for TypeField {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TypeField;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list type (such as \"cidr\"), or an array that starts with one")
            }

            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<TypeField, E> {
                Ok(TypeField(name.to_string()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<TypeField, A::Error> {
                let first: String = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(TypeField(first))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A list's entries: an array of values, or (as MISP also accepts) an object mapping each value
/// to a comment, whose values are its keys in the order written. Read by hand rather than as an
/// untagged enum, so that a bad entry is still named with its place and what was expected.
#[derive(Debug)]
struct Entries(Vec<String>);

impl Entries {
    fn into_values(self) -> Vec<String> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Entries;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings, or an object of strings to comments")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Entries, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element::<String>()? {
                    values.push(value);
                }
                Ok(Entries(values))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut values = Vec::new();
                while let Some((value, _comment)) =
                    map.next_entry::<String, serde::de::IgnoredAny>()?
                {
                    values.push(value);
                }
                Ok(Entries(values))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl ListType {
    fn from_name(name: &str) -> Option<ListType> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "string" => ListType::String,
            "substring" => ListType::Substring,
            "hostname" => ListType::Hostname,
            "cidr" => ListType::Cidr,
            "regex" => ListType::Regex,
            _ => return None,
        })
    }
}

/// One warninglist, ready to match.
pub struct Warninglist {
    /// The list's `name`, as MISP shows it.
    pub name: String,
    /// A short handle: the folder the list sits in (`public-dns-v4`), or the file name.
    pub id: String,
    /// Where it was read from.
    pub file: String,
    /// The `version`, as written (MISP uses a number, often a date).
    pub version: Option<String>,
    pub description: Option<String>,
    pub list_type: ListType,
    /// The kinds the list applies to; `None` for every kind.
    applies_to: Option<BTreeSet<IndicatorKind>>,
    /// `matching_attributes` as written, for the messages.
    matching_attributes: Vec<String>,
    matcher: Matcher,
    /// What the list cannot use: entries left out, each with its JSON path and the reason, or
    /// (for a type ioc-emit does not know) the whole list, saying so.
    pub problems: Vec<String>,
}

impl fmt::Debug for Warninglist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Warninglist")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("type", &self.list_type)
            .field("entries", &self.len())
            .finish()
    }
}

enum Matcher {
    Strings {
        exact: HashSet<String>,
        /// Lower-cased entry to the entry as written.
        folded: HashMap<String, String>,
    },
    Substrings {
        entries: Vec<String>,
        exact: AhoCorasick,
        folded: AhoCorasick,
    },
    Hostnames(HashSet<String>),
    Cidrs {
        networks: HashSet<IpNet>,
        /// The prefix lengths present, per family, so that a lookup masks the address once per
        /// length instead of testing every range.
        v4_prefixes: Vec<u8>,
        v6_prefixes: Vec<u8>,
    },
    Regexes(Vec<(String, Regex)>),
}

/// A value found on a list.
#[derive(Debug, Clone)]
pub struct Hit<'w> {
    pub list: &'w Warninglist,
    /// The entry that matched: as the list has it for `string` (an address in canonical form),
    /// `substring` and `regex` lists; for a `hostname` list the most specific listed name the
    /// value is or is under, lower-cased; for a `cidr` list the range in canonical form
    /// (`192.0.2.7/32` for a single address).
    pub entry: String,
}

impl Warninglist {
    /// Parses one `list.json`. `file` names it in errors and messages; `id` is the short
    /// handle shown with each match (the list's folder name).
    pub fn parse(file: &str, id: &str, text: &str) -> Result<Warninglist, ReadError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        not_an_object(file, text)?;
        let document: Document = serde_json::from_str(text)
            .map_err(|e| json::invalid(file, &e, "not a MISP warninglist"))?;
        if document.name.trim().is_empty() {
            return Err(ReadError::new(
                Source::path(file, "name"),
                "the warninglist has an empty name",
            ));
        }
        let type_name = document.list_type.map(|TypeField(name)| name);
        let mut problems = Vec::new();
        let entries = document.list.into_values();
        let (list_type, matcher) = match type_name.as_deref().map(ListType::from_name) {
            None => (
                ListType::String,
                Matcher::build(ListType::String, &entries, &mut problems),
            ),
            Some(Some(list_type)) => (
                list_type,
                Matcher::build(list_type, &entries, &mut problems),
            ),
            // A type MISP may add later: this list is not used, the others are.
            Some(None) => {
                problems.push(format!(
                    "type {:?} is not one ioc-emit knows (string, substring, hostname, cidr, \
                     regex): none of the list's {} entries is used",
                    type_name.unwrap_or_default(),
                    entries.len()
                ));
                (
                    ListType::String,
                    Matcher::build(ListType::String, &[], &mut problems),
                )
            }
        };
        let matching_attributes = document.matching_attributes.unwrap_or_default();
        let applies_to = applies_to(&matching_attributes);
        Ok(Warninglist {
            name: document.name.trim().to_string(),
            id: id.to_string(),
            file: file.to_string(),
            version: document.version.map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
            description: document.description,
            list_type,
            applies_to,
            matching_attributes,
            matcher,
            problems,
        })
    }

    /// How many entries the list matches with.
    pub fn len(&self) -> usize {
        match &self.matcher {
            Matcher::Strings { exact, .. } => exact.len(),
            Matcher::Substrings { entries, .. } => entries.len(),
            Matcher::Hostnames(set) => set.len(),
            Matcher::Cidrs { networks, .. } => networks.len(),
            Matcher::Regexes(list) => list.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the list applies to at least one kind ioc-emit hunts. A list only for phone
    /// numbers, say, never matches anything here.
    pub fn applies_to_any_kind(&self) -> bool {
        self.applies_to
            .as_ref()
            .is_none_or(|kinds| !kinds.is_empty())
    }

    /// The `matching_attributes`, as written.
    pub fn matching_attributes(&self) -> &[String] {
        &self.matching_attributes
    }

    /// Whether the list applies to a value of this kind that the input declared as `declared`.
    /// Besides the kinds its `matching_attributes` stand for, a list that names `domain|ip`
    /// applies to the domain half of a MISP `domain|ip` attribute, as MISP checks both halves;
    /// it does not apply to plain domains (see [`kinds_of_misp_type`]).
    fn applies(&self, kind: IndicatorKind, declared: Option<&str>) -> bool {
        let Some(kinds) = &self.applies_to else {
            return true;
        };
        kinds.contains(&kind)
            || (kind == IndicatorKind::Domain
                && declared == Some("domain|ip")
                && self
                    .matching_attributes
                    .iter()
                    .any(|t| t.trim() == "domain|ip"))
    }

    /// The entry of this list that `value` matches, if any, whatever type the input declared.
    pub fn matches(&self, value: &IndicatorValue) -> Option<String> {
        self.matches_declared(value, None)
    }

    /// The entry of this list that `value`, declared by its input as `declared` (a MISP
    /// attribute type, a ThreatFox `ioc_type`, ...), matches, if any.
    pub fn matches_declared(
        &self,
        value: &IndicatorValue,
        declared: Option<&str>,
    ) -> Option<String> {
        if !self.applies(value.kind(), declared) {
            return None;
        }
        match &self.matcher {
            Matcher::Strings { exact, folded } => {
                let text = compared_text(value);
                if folds_case(value.kind()) {
                    folded.get(&text.to_lowercase()).cloned()
                } else {
                    exact.contains(&text).then_some(text)
                }
            }
            Matcher::Substrings {
                entries,
                exact,
                folded,
            } => {
                let text = compared_text(value);
                let automaton = if folds_case(value.kind()) {
                    folded
                } else {
                    exact
                };
                let found = automaton.find(&text)?;
                Some(entries[found.pattern().as_usize()].clone())
            }
            Matcher::Hostnames(set) => {
                let host = host_of(value)?;
                // The name itself, then each parent at a label boundary.
                let mut rest = host;
                loop {
                    if set.contains(rest) {
                        return Some(rest.to_string());
                    }
                    rest = rest.split_once('.')?.1;
                }
            }
            Matcher::Cidrs {
                networks,
                v4_prefixes,
                v6_prefixes,
            } => {
                let (address, own_prefix) = address_of(value)?;
                let prefixes = match address {
                    IpAddr::V4(_) => v4_prefixes,
                    IpAddr::V6(_) => v6_prefixes,
                };
                prefixes
                    .iter()
                    .filter(|&&p| p <= own_prefix)
                    .filter_map(|&p| IpNet::new(address, p).ok().map(|n| n.trunc()))
                    .find(|n| networks.contains(n))
                    .map(|n| n.to_string())
            }
            Matcher::Regexes(patterns) => {
                let text = compared_text(value);
                patterns
                    .iter()
                    .find(|(_, regex)| regex.is_match(&text))
                    .map(|(entry, _)| entry.clone())
            }
        }
    }
}

impl Matcher {
    fn build(list_type: ListType, entries: &[String], problems: &mut Vec<String>) -> Matcher {
        let usable = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i, e.trim()))
            .filter(|(_, e)| !e.is_empty());
        match list_type {
            ListType::String => {
                let entries: Vec<String> = usable.map(|(_, e)| canonical_entry(e)).collect();
                // Built in list order, so that of two entries that differ only in case the
                // first is the one named, on every run.
                let mut folded = HashMap::new();
                for entry in &entries {
                    folded
                        .entry(entry.to_lowercase())
                        .or_insert_with(|| entry.clone());
                }
                let exact = entries.into_iter().collect();
                Matcher::Strings { exact, folded }
            }
            ListType::Substring => {
                let entries: Vec<String> = usable.map(|(_, e)| e.to_string()).collect();
                let build = |fold: bool| {
                    AhoCorasickBuilder::new()
                        .ascii_case_insensitive(fold)
                        .build(&entries)
                };
                match (build(false), build(true)) {
                    (Ok(exact), Ok(folded)) => Matcher::Substrings {
                        entries,
                        exact,
                        folded,
                    },
                    (Err(e), _) | (_, Err(e)) => {
                        problems.push(format!("the entries cannot be searched for: {e}"));
                        Matcher::Strings {
                            exact: HashSet::new(),
                            folded: HashMap::new(),
                        }
                    }
                }
            }
            ListType::Hostname => Matcher::Hostnames(usable.map(|(_, e)| host_entry(e)).collect()),
            ListType::Cidr => {
                let mut networks = HashSet::new();
                for (i, entry) in usable {
                    match parse_network(entry) {
                        Some(net) => {
                            networks.insert(net);
                        }
                        None => problems.push(format!(
                            "list[{i}] {entry:?} is not an IP address or CIDR range"
                        )),
                    }
                }
                let prefixes = |v4: bool| -> Vec<u8> {
                    let set: BTreeSet<u8> = networks
                        .iter()
                        .filter(|n| matches!(n, IpNet::V4(_)) == v4)
                        .map(IpNet::prefix_len)
                        .collect();
                    set.into_iter().collect()
                };
                Matcher::Cidrs {
                    v4_prefixes: prefixes(true),
                    v6_prefixes: prefixes(false),
                    networks,
                }
            }
            ListType::Regex => {
                let mut patterns = Vec::new();
                for (i, entry) in usable {
                    match php_regex(entry) {
                        Ok(regex) => patterns.push((entry.to_string(), regex)),
                        Err(why) => problems.push(format!("list[{i}] {entry:?}: {why}")),
                    }
                }
                Matcher::Regexes(patterns)
            }
        }
    }
}

/// A document that opens with anything but `{`. serde would read a JSON array as the fields
/// in order, and its message would name our private struct; the user needs to hear that a
/// warninglist is an object.
fn not_an_object(file: &str, text: &str) -> Result<(), ReadError> {
    let Some((at, first)) = text.char_indices().find(|(_, c)| !c.is_whitespace()) else {
        return Ok(());
    };
    if first == '{' {
        return Ok(());
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let number = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Err(ReadError::new(
        Source::column(file, number(line), number(column)),
        "not a MISP warninglist: expected a JSON object with name, type and list",
    ))
}

/// A `string` entry in the form ioc-emit writes values: addresses in their canonical text, so
/// that `2001:4860:4860:0:0:0:0:8888` finds `2001:4860:4860::8888`.
fn canonical_entry(entry: &str) -> String {
    match entry.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Ok(ip) => ip.to_string(),
        Err(_) => entry.to_string(),
    }
}

/// A `hostname` entry as MISP keeps it (no leading or trailing dot, lower case), and as
/// punycode when it is internationalised, as ioc-emit's domains are.
fn host_entry(entry: &str) -> String {
    let trimmed = entry.trim_matches('.');
    match IndicatorValue::parse(KindHint::Exact(IndicatorKind::Domain), trimmed) {
        Ok(IndicatorValue::Domain(domain)) => domain,
        _ => trimmed.to_lowercase(),
    }
}

/// A `cidr` entry: a range, or a single address as a range of one. A range written with host
/// bits set is read as its network. MISP does so for IPv6 ranges (a mask comparison); it looks
/// IPv4 ranges up by their text, so there `10.1.2.3/8` matches nothing. Reading it as `10.0.0.0/8`
/// flags more than MISP would, never less.
fn parse_network(entry: &str) -> Option<IpNet> {
    if let Ok(net) = entry.parse::<IpNet>() {
        return Some(unmapped(net.trunc()));
    }
    entry
        .parse::<IpAddr>()
        .ok()
        .map(|ip| unmapped(IpNet::from(ip)))
}

/// A single IPv4-mapped IPv6 address as the IPv4 address, as ioc-emit reads such addresses (and
/// as a `string` entry is read). A mapped *range* stays IPv6: MISP compares IPv6 entries only
/// with IPv6 values, and `::ffff:0:0/96`, which lists of special-purpose blocks carry, read as
/// IPv4 would be `0.0.0.0/0` and put every IPv4 address on the list.
fn unmapped(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net {
        if let (Some(v4), 128) = (v6.addr().to_ipv4_mapped(), v6.prefix_len()) {
            return IpNet::from(IpAddr::V4(v4));
        }
    }
    net
}

/// Compiles a pattern written for PHP's `preg_match`: a delimiter, the pattern, the delimiter,
/// then flags. The flags `i`, `m`, `s`, `x` and `U` mean what they mean to PHP; `u` (UTF-8) is
/// always on here, and `g` is accepted and ignored, as some public lists carry it.
fn php_regex(entry: &str) -> Result<Regex, String> {
    let mut chars = entry.chars();
    let open = chars
        .next()
        .filter(|c| !c.is_alphanumeric() && *c != '\\' && !c.is_whitespace())
        .ok_or("a pattern must open with a delimiter, such as /pattern/i")?;
    let close = match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        other => other,
    };
    let body = &entry[open.len_utf8()..];
    let end = body
        .rfind(close)
        .ok_or_else(|| format!("the pattern has no closing {close}"))?;
    let (pattern, flags) = (&body[..end], &body[end + close.len_utf8()..]);
    let mut builder = RegexBuilder::new(pattern);
    for flag in flags.chars() {
        match flag {
            'i' => builder.case_insensitive(true),
            'm' => builder.multi_line(true),
            's' => builder.dot_matches_new_line(true),
            'x' => builder.ignore_whitespace(true),
            'U' => builder.swap_greed(true),
            'u' | 'g' => &mut builder,
            other => return Err(format!("the flag {other:?} is not supported")),
        };
    }
    builder.build().map_err(|e| {
        let text = e.to_string();
        // The regex crate's message spans lines and draws a caret; its last line says why.
        let why = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        format!(
            "the regex crate cannot compile it ({})",
            why.trim().trim_start_matches("error: ")
        )
    })
}

/// Kinds whose canonical text keeps no meaningful case, so `string` and `substring` entries
/// are compared without it.
fn folds_case(kind: IndicatorKind) -> bool {
    !matches!(kind, IndicatorKind::Url | IndicatorKind::FileName)
}

/// The text `string`, `substring` and `regex` lists are compared with. MISP compares each part
/// of a composite attribute; the part that can be a well-known value of an ip:port is the
/// address.
fn compared_text(value: &IndicatorValue) -> String {
    match value {
        IndicatorValue::IpPort { ip, .. } => ip.to_string(),
        other => other.to_string(),
    }
}

/// The host name a `hostname` list is compared with.
fn host_of(value: &IndicatorValue) -> Option<&str> {
    match value {
        IndicatorValue::Domain(domain) => Some(domain),
        // A URL keeps its host as written; MISP trims a final dot before it looks the name up.
        IndicatorValue::Url(url) => Some(url.host().trim_end_matches('.')),
        IndicatorValue::Email(address) => address.rsplit_once('@').map(|(_, d)| d),
        _ => None,
    }
}

/// The address a `cidr` list is compared with, and the prefix length of the indicator (a
/// single address is its own range of full length).
fn address_of(value: &IndicatorValue) -> Option<(IpAddr, u8)> {
    let full = |ip: IpAddr| match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    let ip = match value {
        IndicatorValue::Ipv4(ip) => IpAddr::V4(*ip),
        IndicatorValue::Ipv6(ip) => IpAddr::V6(*ip),
        IndicatorValue::IpPort { ip, .. } => *ip,
        IndicatorValue::Cidr { network, prefix } => return Some((*network, *prefix)),
        IndicatorValue::Url(url) => {
            match url
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()?
            {
                // As a plain address is read: IPv4-mapped IPv6 is the IPv4 address.
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
                v4 => v4,
            }
        }
        _ => return None,
    };
    Some((ip, full(ip)))
}

/// The kinds a list applies to, from its `matching_attributes`: `None` (every kind) when it
/// names none, or names MISP's `ALL`.
fn applies_to(matching_attributes: &[String]) -> Option<BTreeSet<IndicatorKind>> {
    if matching_attributes.is_empty() || matching_attributes.iter().any(|t| t == "ALL") {
        return None;
    }
    Some(
        matching_attributes
            .iter()
            .flat_map(|t| kinds_of_misp_type(t.trim()).iter().copied())
            .collect(),
    )
}

/// The kinds of indicator the MISP reader makes from an attribute of this type: what a list
/// that names the type in `matching_attributes` is meant to catch. Types that give no kind
/// ioc-emit hunts (phone numbers, registry keys, SHA-512) give none.
pub fn kinds_of_misp_type(misp_type: &str) -> &'static [IndicatorKind] {
    use IndicatorKind::*;
    match misp_type {
        // ip-src and ip-dst hold networks as well as hosts.
        "ip-src" | "ip-dst" => &[Ipv4, Ipv6, Cidr],
        "ip-src|port" | "ip-dst|port" => &[IpPort],
        // Only the address half: MISP checks the domain half of a `domain|ip` attribute, but
        // never a plain `domain` one, against such a list. Read as applying to every domain, a
        // list of free-hosting zones for e-mail (`disposable-email` names `domain|ip` and no
        // `domain`) would flag, or drop, a C2 name under `rf.gd`. The domain half of a MISP
        // `domain|ip` attribute is still checked: see `Warninglist::applies`.
        "domain|ip" => &[Ipv4, Ipv6],
        "domain" | "hostname" | "hostname|port" => &[Domain],
        "url" | "uri" => &[Url],
        "md5" => &[Md5],
        "sha1" => &[Sha1],
        "sha256" => &[Sha256],
        "filename|md5" | "malware-sample" => &[FileName, Md5],
        "filename|sha1" => &[FileName, Sha1],
        "filename|sha256" => &[FileName, Sha256],
        "filename" | "email-attachment" => &[FileName],
        "email"
        | "email-src"
        | "email-dst"
        | "target-email"
        | "whois-registrant-email"
        | "dns-soa-email"
        | "email-reply-to" => &[Email],
        _ => &[],
    }
}

/// Every list of a run.
#[derive(Debug, Default)]
pub struct Warninglists {
    lists: Vec<Warninglist>,
}

/// Two sets are the same when they were read from the same files into the same lists; the
/// compiled matchers have no equality of their own.
impl PartialEq for Warninglists {
    fn eq(&self, other: &Self) -> bool {
        let key = |w: &Warninglist| (w.file.clone(), w.name.clone(), w.version.clone(), w.len());
        self.lists.len() == other.lists.len()
            && self.lists.iter().map(key).eq(other.lists.iter().map(key))
    }
}

impl Eq for Warninglists {}

impl Warninglists {
    /// Sorted by id, then file, so that the order of the matches (and of the messages) does not
    /// depend on the order the files were found in.
    pub fn new(mut lists: Vec<Warninglist>) -> Warninglists {
        lists.sort_by(|a, b| (&a.id, &a.file).cmp(&(&b.id, &b.file)));
        Warninglists { lists }
    }

    pub fn lists(&self) -> &[Warninglist] {
        &self.lists
    }

    /// Every list the value is on, in list order. `declared` is the type its input declared.
    pub fn check(&self, value: &IndicatorValue, declared: Option<&str>) -> Vec<Hit<'_>> {
        self.lists
            .iter()
            .filter_map(|list| {
                list.matches_declared(value, declared)
                    .map(|entry| Hit { list, entry })
            })
            .collect()
    }
}

/// How a match is shown: `"List of known public DNS resolvers" (public-dns, entry 8.8.8.8)`.
pub fn describe(hits: &[Hit<'_>]) -> String {
    let shown: Vec<String> = hits
        .iter()
        .map(|h| format!("{:?} ({}, entry {})", h.list.name, h.list.id, h.entry))
        .collect();
    let noun = if hits.len() == 1 {
        "warninglist"
    } else {
        "warninglists"
    };
    format!("MISP {noun} {}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(list_type: &str, entries: &[&str], matching: Option<&[&str]>) -> Warninglist {
        let mut doc = serde_json::json!({
            "name": format!("test {list_type}"),
            "version": 3,
            "description": "for tests",
            "type": list_type,
            "list": entries,
        });
        if let Some(types) = matching {
            doc["matching_attributes"] = serde_json::json!(types);
        }
        Warninglist::parse("t/list.json", "t", &doc.to_string()).unwrap()
    }

    fn value(hint: KindHint, text: &str) -> IndicatorValue {
        IndicatorValue::parse(hint, text).unwrap()
    }

    fn kind(kind: IndicatorKind) -> KindHint {
        KindHint::Exact(kind)
    }

    #[test]
    fn cidr_lists_hold_addresses_pairs_url_hosts_and_ranges_of_both_families() {
        let cdn = list(
            "cidr",
            &[
                "198.51.100.0/24",
                "2001:db8:40::/48",
                "192.0.2.7",
                "::ffff:203.0.113.0/120",
            ],
            None,
        );
        let on = |hint, text| cdn.matches(&value(hint, text));
        assert_eq!(
            on(KindHint::Ip, "198.51.100.77"),
            Some("198.51.100.0/24".into())
        );
        assert_eq!(on(KindHint::Ip, "198.51.101.1"), None);
        assert_eq!(
            on(kind(IndicatorKind::IpPort), "198.51.100.9:443"),
            Some("198.51.100.0/24".into())
        );
        assert_eq!(
            on(KindHint::Ip, "2001:db8:40:ffff::1"),
            Some("2001:db8:40::/48".into())
        );
        assert_eq!(on(KindHint::Ip, "2001:db8:41::1"), None);
        assert_eq!(on(KindHint::Ip, "192.0.2.7"), Some("192.0.2.7/32".into()));
        assert_eq!(on(KindHint::Ip, "192.0.2.8"), None);
        // An IPv4-mapped range is IPv6, and IPv4 values are compared with IPv4 entries only.
        assert_eq!(on(KindHint::Ip, "203.0.113.200"), None);
        assert_eq!(
            on(kind(IndicatorKind::Url), "http://198.51.100.3:8080/a"),
            Some("198.51.100.0/24".into())
        );
        // A range matches only when it lies wholly inside a listed one.
        assert_eq!(
            on(kind(IndicatorKind::Cidr), "198.51.100.128/25"),
            Some("198.51.100.0/24".into())
        );
        assert_eq!(on(kind(IndicatorKind::Cidr), "198.51.0.0/16"), None);
        assert_eq!(on(kind(IndicatorKind::Domain), "cdn.example.net"), None);
    }

    #[test]
    fn hostname_lists_hold_subdomains_and_url_hosts_but_not_look_alikes() {
        let popular = list("hostname", &[".Example.COM", "bücher.example"], None);
        let on = |hint, text| popular.matches(&value(hint, text));
        let domain = kind(IndicatorKind::Domain);
        assert_eq!(on(domain, "example.com"), Some("example.com".into()));
        assert_eq!(on(domain, "a.b.example.com"), Some("example.com".into()));
        assert_eq!(on(domain, "badexample.com"), None);
        assert_eq!(on(domain, "example.com.evil.net"), None);
        assert_eq!(
            on(kind(IndicatorKind::Url), "https://www.example.com/x?y"),
            Some("example.com".into())
        );
        assert_eq!(
            on(domain, "xn--bcher-kva.example"),
            Some("xn--bcher-kva.example".into())
        );
        assert_eq!(
            on(kind(IndicatorKind::Email), "abuse@mail.example.com"),
            Some("example.com".into())
        );
    }

    #[test]
    fn string_substring_and_regex_lists() {
        let hashes = list("string", &["D41D8CD98F00B204E9800998ECF8427E"], None);
        let md5 = value(kind(IndicatorKind::Md5), "d41d8cd98f00b204e9800998ecf8427e");
        assert!(hashes.matches(&md5).is_some());
        let resolvers = list("string", &["2001:4860:4860:0:0:0:0:8888"], None);
        assert!(resolvers
            .matches(&value(KindHint::Ip, "2001:4860:4860::8888"))
            .is_some());
        let sandboxes = list("substring", &["sandbox"], None);
        assert_eq!(
            sandboxes.matches(&value(kind(IndicatorKind::Domain), "a.Sandbox-lab.example")),
            Some("sandbox".into())
        );
        let contacts = list(
            "regex",
            &["/^(abuse|noc)@/i", "no delimiters", "/(?<=x)y/"],
            None,
        );
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts.problems.len(), 2, "{:?}", contacts.problems);
        assert!(contacts.problems[0].starts_with("list[1] \"no delimiters\": a pattern must"));
        assert!(
            contacts.problems[1].contains("regex crate cannot compile"),
            "{:?}",
            contacts.problems
        );
        let email = |text| value(kind(IndicatorKind::Email), text);
        assert!(contacts.matches(&email("NOC@corp.example")).is_some());
        assert!(contacts.matches(&email("ceo@corp.example")).is_none());
    }

    #[test]
    fn matching_attributes_choose_the_kinds() {
        let only_ips = list("cidr", &["192.0.2.0/24"], Some(&["ip-src", "ip-dst"]));
        assert!(only_ips
            .matches(&value(KindHint::Ip, "192.0.2.1"))
            .is_some());
        assert!(only_ips
            .matches(&value(kind(IndicatorKind::IpPort), "192.0.2.1:53"))
            .is_none());
        let with_ports = list("cidr", &["192.0.2.0/24"], Some(&["ip-dst|port"]));
        assert!(with_ports
            .matches(&value(kind(IndicatorKind::IpPort), "192.0.2.1:53"))
            .is_some());
        let domains = list("hostname", &["example.com"], Some(&["domain", "hostname"]));
        assert!(domains
            .matches(&value(kind(IndicatorKind::Url), "https://example.com/"))
            .is_none());
        let phones = list("regex", &["/^555/"], Some(&["phone-number"]));
        assert!(!phones.applies_to_any_kind());
        assert!(list("string", &["x"], Some(&["ALL"])).applies_to_any_kind());
    }

    #[test]
    fn bad_files_are_errors_with_their_place_and_odd_entries_are_named() {
        let err = Warninglist::parse("w/list.json", "w", "{\"name\": \"x\",\n \"list\": [1]}")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "w/list.json:2:11: not a MISP warninglist: invalid type: integer `1`, expected a string"
        );
        // A misspelt or future type leaves that list unused, with the reason; not fatal.
        let unknown = Warninglist::parse(
            "w/list.json",
            "w",
            "{\"name\": \"x\", \"type\": \"cidrs\", \"list\": [\"10.0.0.0/8\"]}",
        )
        .unwrap();
        assert!(unknown.is_empty());
        assert!(
            unknown.problems[0].contains("type \"cidrs\""),
            "{:?}",
            unknown.problems
        );
        let err = Warninglist::parse("w/list.json", "w", "{\"name\": \"x\"}").unwrap_err();
        assert!(err.to_string().contains("missing field `list`"), "{err}");
        let err =
            Warninglist::parse("w/list.json", "w", "{\"name\": \" \", \"list\": []}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "w/list.json at name: the warninglist has an empty name"
        );
        let err =
            Warninglist::parse("w/list.json", "w", "{\"name\": \"x\", \"list\": [").unwrap_err();
        assert!(err.to_string().contains("the JSON ends early"), "{err}");
        let odd = list("cidr", &["10.0.0.0/8", "not-an-ip", "10.0.0.0/33"], None);
        assert_eq!(odd.len(), 1);
        assert_eq!(
            odd.problems,
            [
                "list[1] \"not-an-ip\" is not an IP address or CIDR range",
                "list[2] \"10.0.0.0/33\" is not an IP address or CIDR range"
            ]
        );
    }

    #[test]
    fn string_lists_compare_whole_values_and_name_the_entry_as_written() {
        let names = list(
            "string",
            &[
                "Evil.Example",
                "evil.example",
                "https://cdn.example/Lib/A.js",
            ],
            None,
        );
        let domain = kind(IndicatorKind::Domain);
        // Of two entries that differ only in case, the first in the list is named.
        assert_eq!(
            names.matches(&value(domain, "evil.example")),
            Some("Evil.Example".into())
        );
        // Equality, not containment and not subdomains.
        assert_eq!(names.matches(&value(domain, "www.evil.example")), None);
        assert_eq!(names.matches(&value(domain, "evil.example.net")), None);
        // A URL's path keeps its case, so it is compared with it.
        let url = |text| value(kind(IndicatorKind::Url), text);
        assert!(names
            .matches(&url("https://cdn.example/Lib/A.js"))
            .is_some());
        assert_eq!(names.matches(&url("https://cdn.example/lib/a.js")), None);
    }

    #[test]
    fn substring_lists_fold_case_only_where_the_kind_does() {
        let markers = list("substring", &["/Loader", "detonate."], None);
        let url = |text| value(kind(IndicatorKind::Url), text);
        assert_eq!(
            markers.matches(&url("https://files.example/Loader.js")),
            Some("/Loader".into())
        );
        assert_eq!(
            markers.matches(&url("https://files.example/loader.js")),
            None
        );
        assert_eq!(
            markers.matches(&value(kind(IndicatorKind::Domain), "a.detonate.example")),
            Some("detonate.".into())
        );
        assert_eq!(
            markers.matches(&value(kind(IndicatorKind::Domain), "detonate-lab.example")),
            None
        );
    }

    #[test]
    fn hostname_lists_match_the_name_and_its_subdomains_never_its_parents() {
        let hosts = list(
            "hostname",
            &["www.example.org", "example", "edge.example.net."],
            None,
        );
        let domain = kind(IndicatorKind::Domain);
        let on = |text| hosts.matches(&value(domain, text));
        assert_eq!(on("www.example.org"), Some("www.example.org".into()));
        assert_eq!(on("img.www.example.org"), Some("www.example.org".into()));
        // An entry names a host and what lies under it, not the zone above it.
        assert_eq!(on("example.org"), None);
        assert_eq!(on("mail.example.org"), None);
        // A one-label entry covers every name under it, as MISP walks up to the last label.
        assert_eq!(on("anything.example"), Some("example".into()));
        // A trailing dot on the entry is the same name.
        assert_eq!(on("a.edge.example.net"), Some("edge.example.net".into()));
        // Values that have no host name are never on a hostname list.
        assert_eq!(hosts.matches(&value(KindHint::Ip, "192.0.2.1")), None);
        assert_eq!(
            hosts.matches(&value(
                kind(IndicatorKind::Md5),
                "d41d8cd98f00b204e9800998ecf8427e"
            )),
            None
        );
    }

    #[test]
    fn cidr_lists_keep_the_two_families_apart() {
        let ranges = list(
            "cidr",
            &["192.0.2.0/24", "2001:db8::/32", "2001:db8:ff::7"],
            None,
        );
        let on = |text| ranges.matches(&value(KindHint::Ip, text));
        assert_eq!(on("2001:db8:1::1"), Some("2001:db8::/32".into()));
        assert_eq!(on("2001:db9::1"), None);
        assert_eq!(on("192.0.2.200"), Some("192.0.2.0/24".into()));
        // A 6to4 address embedding an IPv4 address of the range (2002:c000:0201:: carries
        // 192.0.2.1 in bits 16 to 47) is an IPv6 address, not in the IPv4 range.
        assert_eq!(on("2002:c000:0201::"), None);
        assert_eq!(
            ranges.matches(&value(kind(IndicatorKind::Cidr), "2001:db8:ff::/64")),
            Some("2001:db8::/32".into())
        );
        assert_eq!(
            ranges.matches(&value(kind(IndicatorKind::Cidr), "2001:d00::/24")),
            None
        );
    }

    #[test]
    fn regex_lists_take_any_php_delimiter_and_honour_case() {
        let patterns = list(
            "regex",
            &["#^https://[a-z]+\\.example/#", "{\\.exe$}i"],
            None,
        );
        let url = |text| value(kind(IndicatorKind::Url), text);
        assert_eq!(
            patterns.matches(&url("https://cdn.example/x")),
            Some("#^https://[a-z]+\\.example/#".into())
        );
        assert_eq!(patterns.matches(&url("http://cdn.example/x")), None);
        assert_eq!(
            patterns.matches(&value(kind(IndicatorKind::FileName), "SETUP.EXE")),
            Some("{\\.exe$}i".into())
        );
        assert_eq!(
            patterns.matches(&value(kind(IndicatorKind::FileName), "setup.exe.txt")),
            None
        );
        let unclosed = list("regex", &["/abc", "/a/q"], None);
        assert!(unclosed.is_empty());
        assert_eq!(
            unclosed.problems,
            [
                "list[0] \"/abc\": the pattern has no closing /",
                "list[1] \"/a/q\": the flag 'q' is not supported"
            ]
        );
    }

    #[test]
    fn a_list_for_addresses_never_flags_a_domain() {
        // The same entries, with and without matching_attributes: the types decide, not the
        // entries.
        let any = list("substring", &["example"], None);
        let ips = list("substring", &["example"], Some(&["ip-src", "ip-dst"]));
        let domain = value(kind(IndicatorKind::Domain), "example.com");
        assert!(any.matches(&domain).is_some());
        assert_eq!(ips.matches(&domain), None);
        let resolvers = list("string", &["8.8.8.8"], Some(&["ip-dst"]));
        assert!(resolvers.matches(&value(KindHint::Ip, "8.8.8.8")).is_some());
        assert_eq!(
            resolvers.matches(&value(kind(IndicatorKind::Url), "http://8.8.8.8/")),
            None
        );
        let names = list("hostname", &["example.com"], Some(&["domain", "domain|ip"]));
        assert!(names.matches(&domain).is_some());
        assert_eq!(
            kinds_of_misp_type("domain|ip"),
            [IndicatorKind::Ipv4, IndicatorKind::Ipv6]
        );
        assert_eq!(kinds_of_misp_type("ip-dst|port"), [IndicatorKind::IpPort]);
        assert!(kinds_of_misp_type("regkey").is_empty());
    }

    #[test]
    fn mapped_ranges_stay_ipv6_and_a_mapped_address_is_its_ipv4_address() {
        let special = list("cidr", &["::ffff:0:0/96", "::ffff:192.0.2.7"], None);
        // The IPv4-mapped block is an IPv6 range: read as IPv4 it would hold every address.
        assert_eq!(special.matches(&value(KindHint::Ip, "8.8.8.8")), None);
        assert_eq!(
            special.matches(&value(kind(IndicatorKind::IpPort), "203.0.113.9:53")),
            None
        );
        assert_eq!(
            special
                .matches(&value(KindHint::Ip, "192.0.2.7"))
                .as_deref(),
            Some("192.0.2.7/32")
        );
    }

    #[test]
    fn a_type_that_is_not_a_name_is_refused_with_what_was_expected() {
        for bad in [r#"5"#, r#"{"x": 1}"#, r#"[]"#, r#"[5]"#] {
            let text = format!(r#"{{"name": "n", "type": {bad}, "list": ["a"]}}"#);
            let err = Warninglist::parse("t/list.json", "t", &text).unwrap_err();
            let shown = err.to_string();
            assert!(shown.starts_with("t/list.json:1:"), "{shown}");
            assert!(!shown.contains("TypeField"), "{shown}");
            assert!(
                shown.contains("a list type") || shown.contains("expected a string"),
                "{shown}"
            );
        }
    }

    #[test]
    fn a_list_only_for_domain_ip_attributes_leaves_plain_domains_alone() {
        // misp-warninglists' disposable-email list: free-hosting zones, for e-mail types and
        // domain|ip. MISP never checks a plain domain attribute against it.
        let zones = list(
            "substring",
            &["rf.gd", "us.to"],
            Some(&["email-src", "email-dst", "domain|ip", "dns-soa-email"]),
        );
        let c2 = value(kind(IndicatorKind::Domain), "evil.rf.gd");
        assert_eq!(zones.matches(&c2), None);
        assert_eq!(zones.matches_declared(&c2, Some("domain")), None);
        // The domain half of a MISP domain|ip attribute is checked, as MISP checks both halves.
        assert_eq!(
            zones.matches_declared(&c2, Some("domain|ip")).as_deref(),
            Some("rf.gd")
        );
        let mail = value(kind(IndicatorKind::Email), "someone@rf.gd");
        assert_eq!(zones.matches(&mail).as_deref(), Some("rf.gd"));
    }

    #[test]
    fn a_url_host_with_a_final_dot_or_a_mapped_address_is_looked_up_as_the_plain_one() {
        let names = list("hostname", &["example.com"], None);
        let url = value(kind(IndicatorKind::Url), "https://www.example.com./x");
        assert_eq!(names.matches(&url).as_deref(), Some("example.com"));
        let ranges = list("cidr", &["192.0.2.0/24"], None);
        let mapped = value(kind(IndicatorKind::Url), "http://[::ffff:192.0.2.1]/x");
        assert_eq!(ranges.matches(&mapped).as_deref(), Some("192.0.2.0/24"));
    }

    #[test]
    fn a_commented_list_a_type_array_and_an_unknown_type_are_read_not_refused() {
        let commented = Warninglist::parse(
            "c/list.json",
            "c",
            r#"{"name": "c", "type": ["cidr"], "list": {"192.0.2.0/24": "docs", "10.0.0.0/8": "rfc1918"}}"#,
        )
        .unwrap();
        assert_eq!(commented.list_type, ListType::Cidr);
        assert_eq!(commented.len(), 2);
        let ip = value(KindHint::Ip, "192.0.2.9");
        assert_eq!(commented.matches(&ip).as_deref(), Some("192.0.2.0/24"));
        let future = Warninglist::parse(
            "f/list.json",
            "f",
            r#"{"name": "f", "type": "bloom", "list": ["192.0.2.9"]}"#,
        )
        .unwrap();
        assert!(future.is_empty());
        assert_eq!(future.matches(&ip), None);
        assert!(
            future.problems.iter().any(|p| p.contains("\"bloom\"")),
            "{:?}",
            future.problems
        );
    }

    #[test]
    fn a_broken_list_json_is_an_error_naming_the_file_and_position() {
        let err = Warninglist::parse("lists/x/list.json", "x", "{\"name\": \"x\",\n  \"list\" [")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "lists/x/list.json:2:10: not a MISP warninglist: expected `:`"
        );
        let err = Warninglist::parse("lists/x/list.json", "x", "\n  [\"8.8.8.8\"]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "lists/x/list.json:2:3: not a MISP warninglist: expected a JSON object with name, \
             type and list"
        );
        let err = Warninglist::parse("lists/x/list.json", "x", "").unwrap_err();
        assert!(
            err.to_string().starts_with("lists/x/list.json:1:0:"),
            "{err}"
        );
    }

    #[test]
    fn every_cut_of_a_list_json_is_an_error_not_a_panic() {
        let whole = r#"{"name": "Résolveurs", "type": "cidr", "version": 2,
            "matching_attributes": ["ip-dst"], "list": ["192.0.2.0/24", "2001:db8::/32"]}"#;
        assert!(Warninglist::parse("l.json", "l", whole).is_ok());
        for (cut, _) in whole.char_indices().skip(1) {
            let err = Warninglist::parse("l.json", "l", &whole[..cut]).unwrap_err();
            assert!(err.to_string().starts_with("l.json:"), "{err}");
        }
    }

    #[test]
    fn every_list_a_value_is_on_is_named_in_list_order() {
        let lists = Warninglists::new(vec![
            Warninglist::parse(
                "b/list.json",
                "b",
                r#"{"name": "B", "type": "cidr", "list": ["192.0.2.0/24"]}"#,
            )
            .unwrap(),
            Warninglist::parse(
                "a/list.json",
                "a",
                r#"{"name": "A", "list": ["192.0.2.1"]}"#,
            )
            .unwrap(),
        ]);
        let hits = lists.check(&value(KindHint::Ip, "192.0.2.1"), None);
        assert_eq!(
            describe(&hits),
            "MISP warninglists \"A\" (a, entry 192.0.2.1), \"B\" (b, entry 192.0.2.0/24)"
        );
        assert!(lists
            .check(&value(KindHint::Ip, "192.0.3.1"), None)
            .is_empty());
    }
}
