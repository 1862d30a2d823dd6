//! Typed indicators: what an IOC is, how its value is validated and how it is canonicalised.
//!
//! Every value is checked once, here, when a reader hands it over. Backends only ever see
//! canonical values: refanged, lower-cased where the kind is case-insensitive, and proven to
//! be what their kind says they are.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;

/// The kinds of indicator the model knows.
///
/// The order of the variants is the order of output: queries and rules list their
/// indicators by kind, then by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum IndicatorKind {
    #[serde(rename = "ipv4")]
    Ipv4,
    #[serde(rename = "ipv6")]
    Ipv6,
    #[serde(rename = "ip:port")]
    IpPort,
    #[serde(rename = "cidr")]
    Cidr,
    #[serde(rename = "domain")]
    Domain,
    #[serde(rename = "url")]
    Url,
    #[serde(rename = "md5")]
    Md5,
    #[serde(rename = "sha1")]
    Sha1,
    #[serde(rename = "sha256")]
    Sha256,
    #[serde(rename = "email")]
    Email,
    #[serde(rename = "filename")]
    FileName,
}

impl IndicatorKind {
    pub const ALL: [IndicatorKind; 11] = [
        IndicatorKind::Ipv4,
        IndicatorKind::Ipv6,
        IndicatorKind::IpPort,
        IndicatorKind::Cidr,
        IndicatorKind::Domain,
        IndicatorKind::Url,
        IndicatorKind::Md5,
        IndicatorKind::Sha1,
        IndicatorKind::Sha256,
        IndicatorKind::Email,
        IndicatorKind::FileName,
    ];

    /// The name used in summaries, JSON output and `--list-backends`.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Ipv4 => "ipv4",
            IndicatorKind::Ipv6 => "ipv6",
            IndicatorKind::IpPort => "ip:port",
            IndicatorKind::Cidr => "cidr",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Md5 => "md5",
            IndicatorKind::Sha1 => "sha1",
            IndicatorKind::Sha256 => "sha256",
            IndicatorKind::Email => "email",
            IndicatorKind::FileName => "filename",
        }
    }

    pub fn is_hash(self) -> bool {
        matches!(
            self,
            IndicatorKind::Md5 | IndicatorKind::Sha1 | IndicatorKind::Sha256
        )
    }

    pub fn is_network_address(self) -> bool {
        matches!(
            self,
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 | IndicatorKind::IpPort | IndicatorKind::Cidr
        )
    }
}

impl fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reader believes a value to be, before validation.
///
/// Feeds name types loosely (`ip:port`, `sha256_hash`, `ip-dst`, `hostname`); readers map
/// their own names onto this, and [`IndicatorValue::parse`] checks the value against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindHint {
    Exact(IndicatorKind),
    /// An IP address of either family, or a range of addresses when written with a `/` (MISP's
    /// `ip-dst` and the `ip` of most feeds hold both).
    Ip,
    /// A hash whose algorithm is told by its length.
    AnyHash,
}

impl From<IndicatorKind> for KindHint {
    fn from(kind: IndicatorKind) -> Self {
        KindHint::Exact(kind)
    }
}

/// A validated, canonical indicator value.
///
/// The derived order (kind first, then value; IP addresses numerically) is the output order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndicatorValue {
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    IpPort { ip: IpAddr, port: u16 },
    Cidr { network: IpAddr, prefix: u8 },
    Domain(String),
    Url(CanonicalUrl),
    Md5(String),
    Sha1(String),
    Sha256(String),
    Email(String),
    FileName(String),
}

/// A URL kept as text, with its scheme and host lower-cased and the rest left exactly as given.
///
/// The rest (path, query, fragment) is case-sensitive on most servers, so it is never touched:
/// not re-encoded, not given a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CanonicalUrl {
    text: String,
    /// Byte offset where the scheme and authority end and the path begins.
    authority_end: usize,
    scheme_len: usize,
    host: String,
}

impl CanonicalUrl {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `scheme://authority`, lower-cased.
    pub fn origin(&self) -> &str {
        &self.text[..self.authority_end]
    }

    /// Path, query and fragment as given; may be empty.
    pub fn rest(&self) -> &str {
        &self.text[self.authority_end..]
    }

    pub fn scheme(&self) -> &str {
        &self.text[..self.scheme_len]
    }

    /// The URL without `scheme://`, the form that proxies and some EDR tables store.
    pub fn without_scheme(&self) -> &str {
        &self.text[self.scheme_len + 3..]
    }

    /// The host as an ASCII name or address literal, lower-cased.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The forms in which logs record this URL: as given, and also without a port that is the
    /// scheme's default (`https://h:443/p` is logged as `https://h/p`), without a fragment
    /// (clients never send `#...`, so proxies and EDR never see it), and for a WebSocket URL
    /// with the scheme of its opening request (`wss://h/s` is an HTTPS `GET` of `https://h/s`,
    /// which is what proxies and web logs record). The first form is `self`.
    pub fn log_forms(&self) -> Vec<CanonicalUrl> {
        let mut forms = vec![self.clone()];
        let http = match self.scheme() {
            "ws" => Some("http"),
            "wss" => Some("https"),
            _ => None,
        };
        if let Some(http) = http {
            let grow = http.len() - self.scheme_len;
            forms.push(CanonicalUrl {
                text: format!("{http}{}", &self.text[self.scheme_len..]),
                authority_end: self.authority_end + grow,
                scheme_len: http.len(),
                host: self.host.clone(),
            });
        }
        let default_port = match self.scheme() {
            "http" | "ws" => Some(":80"),
            "https" | "wss" => Some(":443"),
            "ftp" => Some(":21"),
            _ => None,
        };
        if let Some(port) = default_port.filter(|p| self.origin().ends_with(p)) {
            let without_port: Vec<CanonicalUrl> = forms
                .iter()
                .map(|form| {
                    let origin = &form.origin()[..form.authority_end - port.len()];
                    let mut text = origin.to_string();
                    text.push_str(form.rest());
                    CanonicalUrl {
                        text,
                        authority_end: origin.len(),
                        scheme_len: form.scheme_len,
                        host: form.host.clone(),
                    }
                })
                .collect();
            forms.extend(without_port);
        }
        let without_fragment: Vec<CanonicalUrl> = forms
            .iter()
            .filter_map(|form| {
                let mut cut = form.text[form.authority_end..].find('#')? + form.authority_end;
                // `https://host/#top` is logged as `https://host/`: the root form, no slash.
                if form.text[form.authority_end..cut] == *"/" {
                    cut = form.authority_end;
                }
                Some(CanonicalUrl {
                    text: form.text[..cut].to_string(),
                    ..form.clone()
                })
            })
            .collect();
        forms.extend(without_fragment);
        forms
    }
}

impl IndicatorValue {
    pub fn kind(&self) -> IndicatorKind {
        match self {
            IndicatorValue::Ipv4(_) => IndicatorKind::Ipv4,
            IndicatorValue::Ipv6(_) => IndicatorKind::Ipv6,
            IndicatorValue::IpPort { .. } => IndicatorKind::IpPort,
            IndicatorValue::Cidr { .. } => IndicatorKind::Cidr,
            IndicatorValue::Domain(_) => IndicatorKind::Domain,
            IndicatorValue::Url(_) => IndicatorKind::Url,
            IndicatorValue::Md5(_) => IndicatorKind::Md5,
            IndicatorValue::Sha1(_) => IndicatorKind::Sha1,
            IndicatorValue::Sha256(_) => IndicatorKind::Sha256,
            IndicatorValue::Email(_) => IndicatorKind::Email,
            IndicatorValue::FileName(_) => IndicatorKind::FileName,
        }
    }

    /// Validates `text` (already refanged and trimmed) as the kind the reader expects.
    pub fn parse(hint: KindHint, text: &str) -> Result<IndicatorValue, InvalidValue> {
        if text.is_empty() {
            return Err(InvalidValue::new("the value is empty"));
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(InvalidValue::new(format!(
                "the value holds the control character U+{:04X}",
                c as u32
            )));
        }
        match hint {
            KindHint::Ip if text.contains('/') => parse_cidr(text),
            KindHint::Ip => parse_ip(text),
            KindHint::AnyHash => parse_any_hash(text),
            KindHint::Exact(kind) => match kind {
                IndicatorKind::Ipv4 => match parse_ip(text)? {
                    v @ IndicatorValue::Ipv4(_) => Ok(v),
                    _ => Err(InvalidValue::new("expected an IPv4 address, found IPv6")),
                },
                IndicatorKind::Ipv6 => parse_ip(text),
                IndicatorKind::IpPort => parse_ip_port(text),
                IndicatorKind::Cidr => parse_cidr(text),
                IndicatorKind::Domain => parse_domain(text).map(IndicatorValue::Domain),
                IndicatorKind::Url => parse_url(text).map(IndicatorValue::Url),
                IndicatorKind::Md5 | IndicatorKind::Sha1 | IndicatorKind::Sha256 => {
                    parse_hash(kind, text)
                }
                IndicatorKind::Email => parse_email(text),
                IndicatorKind::FileName => parse_file_name(text),
            },
        }
    }

    /// The canonical text of the value, as backends write it.
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    pub fn as_url(&self) -> Option<&CanonicalUrl> {
        match self {
            IndicatorValue::Url(url) => Some(url),
            _ => None,
        }
    }
}

impl fmt::Display for IndicatorValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndicatorValue::Ipv4(ip) => write!(f, "{ip}"),
            IndicatorValue::Ipv6(ip) => write!(f, "{ip}"),
            IndicatorValue::IpPort {
                ip: IpAddr::V4(ip),
                port,
            } => write!(f, "{ip}:{port}"),
            IndicatorValue::IpPort {
                ip: IpAddr::V6(ip),
                port,
            } => write!(f, "[{ip}]:{port}"),
            IndicatorValue::Cidr { network, prefix } => write!(f, "{network}/{prefix}"),
            IndicatorValue::Url(url) => f.write_str(url.as_str()),
            IndicatorValue::Domain(s)
            | IndicatorValue::Md5(s)
            | IndicatorValue::Sha1(s)
            | IndicatorValue::Sha256(s)
            | IndicatorValue::Email(s)
            | IndicatorValue::FileName(s) => f.write_str(s),
        }
    }
}

/// Why a value was rejected. The message is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    pub message: String,
}

impl InvalidValue {
    pub fn new(message: impl Into<String>) -> Self {
        InvalidValue {
            message: message.into(),
        }
    }
}

fn parse_ip(text: &str) -> Result<IndicatorValue, InvalidValue> {
    match IpAddr::from_str(text) {
        Ok(IpAddr::V4(ip)) => Ok(IndicatorValue::Ipv4(ip)),
        // An IPv4-mapped address names an IPv4 host; hunting it as IPv6 would miss every log
        // that records the host the ordinary way.
        Ok(IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => Ok(IndicatorValue::Ipv4(v4)),
            None => Ok(IndicatorValue::Ipv6(ip)),
        },
        Err(_) => Err(InvalidValue::new(format!("{text:?} is not an IP address"))),
    }
}

fn parse_ip_port(text: &str) -> Result<IndicatorValue, InvalidValue> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| InvalidValue::new("a bracketed IPv6 address is missing its ']'"))?;
        let port = after.strip_prefix(':').ok_or_else(|| {
            InvalidValue::new(format!("{text:?} has no port after the bracketed address"))
        })?;
        (host, port)
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, port),
            Some(_) => {
                return Err(InvalidValue::new(format!(
                    "{text:?} is ambiguous: write an IPv6 address with a port as [address]:port"
                )))
            }
            None => return Err(InvalidValue::new(format!("{text:?} has no port"))),
        }
    };
    let port = parse_port(port)?;
    let ip = match parse_ip(host)? {
        IndicatorValue::Ipv4(ip) => IpAddr::V4(ip),
        IndicatorValue::Ipv6(ip) => IpAddr::V6(ip),
        _ => unreachable!("parse_ip returns only addresses"),
    };
    Ok(IndicatorValue::IpPort { ip, port })
}

fn parse_port(text: &str) -> Result<u16, InvalidValue> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidValue::new(format!("port {text:?} is not a number")));
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(InvalidValue::new(format!("port {text} is outside 1-65535"))),
        Ok(port) => Ok(port),
    }
}

fn parse_cidr(text: &str) -> Result<IndicatorValue, InvalidValue> {
    let (addr, prefix) = text
        .split_once('/')
        .ok_or_else(|| InvalidValue::new(format!("{text:?} has no /prefix")))?;
    let ip = match parse_ip(addr)? {
        IndicatorValue::Ipv4(ip) => IpAddr::V4(ip),
        IndicatorValue::Ipv6(ip) => IpAddr::V6(ip),
        _ => unreachable!("parse_ip returns only addresses"),
    };
    // An IPv4-mapped IPv6 range (`::ffff:198.51.100.0/120`) is read as the IPv4 range it
    // holds, as its address is read as IPv4; its prefix counts the 96 bits of the mapping.
    let mapped = ip.is_ipv4() && addr.contains(':');
    let (max, offset) = match (ip.is_ipv4(), mapped) {
        (true, false) => (32, 0),
        (true, true) => (128, 96),
        (false, _) => (128, 0),
    };
    let prefix: u8 = prefix
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= max && *p >= offset)
        .map(|p| p - offset)
        .ok_or_else(|| InvalidValue::new(format!("prefix /{prefix} is outside {offset}-{max}")))?;
    let network = mask(ip, prefix);
    if network != ip {
        return Err(InvalidValue::new(format!(
            "{text} has host bits set; did you mean {network}/{prefix}?"
        )));
    }
    Ok(IndicatorValue::Cidr { network, prefix })
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// Checks a host name and returns its canonical form: lower-case ASCII, with internationalised
/// labels as punycode A-labels, and no trailing dot.
pub fn parse_domain(text: &str) -> Result<String, InvalidValue> {
    let trimmed = text.strip_suffix('.').unwrap_or(text);
    if trimmed.is_empty() {
        return Err(InvalidValue::new("the domain is empty"));
    }
    let ascii = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(trimmed).map_err(|_| {
            InvalidValue::new(format!("{text:?} is not a valid internationalised domain"))
        })?
    };
    if ascii.len() > 253 {
        return Err(InvalidValue::new(
            "the domain is longer than 253 characters",
        ));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err(InvalidValue::new(format!(
            "{text:?} is not a host name: it has no dot"
        )));
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            // Underscores are not legal in host names but appear in real DNS names
            // (service labels, some CDN names), so they are let through.
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(InvalidValue::new(format!(
                "{text:?} is not a host name: label {label:?} is not valid"
            )));
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidValue::new(format!(
            "{text:?} is not a host name: its last label is numeric"
        )));
    }
    Ok(ascii)
}

fn parse_url(text: &str) -> Result<CanonicalUrl, InvalidValue> {
    let (scheme, after) = text
        .split_once("://")
        .ok_or_else(|| InvalidValue::new(format!("{text:?} is not a URL: it has no scheme")))?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err(InvalidValue::new(format!(
            "{text:?} has an invalid scheme {scheme:?}"
        )));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(InvalidValue::new(format!(
            "{text:?} is not a URL: it holds white space"
        )));
    }
    let parsed = url::Url::parse(text)
        .map_err(|e| InvalidValue::new(format!("{text:?} is not a valid URL: {e}")))?;
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| InvalidValue::new(format!("{text:?} has no host")))?
        .to_ascii_lowercase();

    let authority_len = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..authority_len];
    // URL parsers read `\` as `/` in web URLs: `https://a.example\b` is the host a.example with
    // the path /b, and `http://x.example\@y.example/` is the host x.example. The text as
    // written and the URL as parsed would name different things, so neither is guessed.
    if authority.contains('\\') {
        return Err(InvalidValue::new(format!(
            "{text:?} has a backslash before its path, which URL parsers read as /; \
             write the URL with / so that its host is clear"
        )));
    }
    // Keep user information as given; lower-case only the host and port part.
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((user, hp)) => (Some(user), hp),
        None => (None, authority),
    };
    // An IPv4 host written with leading zeros, in hex or as one number is read by URL parsers
    // as another spelling (`198.051.100.001` is 198.41.100.1, octal); logs keep the text as
    // sent, so the parsed form would hunt a string they never hold.
    if let Some(url::Host::Ipv4(ip)) = parsed.host() {
        let (written, _) = split_port(hostport);
        if !written.eq_ignore_ascii_case(&ip.to_string()) {
            return Err(InvalidValue::new(format!(
                "{text:?} has the host {written:?}, which URL parsers read as the address {ip}; \
                 write the address in plain dotted decimal"
            )));
        }
    }
    let hostport = canonical_hostport(hostport, &host);
    let mut canonical = scheme.to_ascii_lowercase();
    canonical.push_str("://");
    if let Some(user) = userinfo {
        canonical.push_str(user);
        canonical.push('@');
    }
    canonical.push_str(&hostport);
    let authority_end = canonical.len();
    // `https://host/` and `https://host` name the same resource; the canonical form has no
    // root slash, and the backends match a URL with an empty path in both forms.
    let rest = &after[authority_len..];
    canonical.push_str(if rest == "/" { "" } else { rest });
    Ok(CanonicalUrl {
        text: canonical,
        authority_end,
        scheme_len: scheme.len(),
        host,
    })
}

/// `host[:port]` as written, split into the host (an IPv6 literal keeps its brackets) and the
/// port, if one is given.
fn split_port(hostport: &str) -> (&str, Option<&str>) {
    let split = if hostport.starts_with('[') {
        hostport
            .rsplit_once("]:")
            .map(|(h, p)| (&hostport[..h.len() + 1], p))
    } else {
        hostport.rsplit_once(':')
    };
    match split {
        Some((host, port)) => (host, Some(port)),
        None => (hostport, None),
    }
}

/// Rewrites `host[:port]` with the host as the URL parser understood it (lower case, punycode),
/// keeping the port exactly as written.
fn canonical_hostport(hostport: &str, host: &str) -> String {
    match split_port(hostport).1 {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

fn parse_hash(kind: IndicatorKind, text: &str) -> Result<IndicatorValue, InvalidValue> {
    let want = match kind {
        IndicatorKind::Md5 => 32,
        IndicatorKind::Sha1 => 40,
        _ => 64,
    };
    check_hex(text)?;
    if text.len() != want {
        return Err(InvalidValue::new(format!(
            "a {kind} hash has {want} hex characters, this one has {}",
            text.len()
        )));
    }
    Ok(hash_value(kind, text.to_ascii_lowercase()))
}

fn parse_any_hash(text: &str) -> Result<IndicatorValue, InvalidValue> {
    check_hex(text)?;
    let kind = match text.len() {
        32 => IndicatorKind::Md5,
        40 => IndicatorKind::Sha1,
        64 => IndicatorKind::Sha256,
        n => {
            return Err(InvalidValue::new(format!(
                "a hash has 32, 40 or 64 hex characters, this one has {n}"
            )))
        }
    };
    Ok(hash_value(kind, text.to_ascii_lowercase()))
}

fn check_hex(text: &str) -> Result<(), InvalidValue> {
    if text.contains("...") || text.contains('\u{2026}') {
        return Err(InvalidValue::new(format!(
            "{text:?} is a shortened display form of a hash, not a hash"
        )));
    }
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(InvalidValue::new(format!("{text:?} is not hexadecimal")));
    }
    Ok(())
}

fn hash_value(kind: IndicatorKind, hex: String) -> IndicatorValue {
    match kind {
        IndicatorKind::Md5 => IndicatorValue::Md5(hex),
        IndicatorKind::Sha1 => IndicatorValue::Sha1(hex),
        _ => IndicatorValue::Sha256(hex),
    }
}

fn parse_email(text: &str) -> Result<IndicatorValue, InvalidValue> {
    let (local, domain) = text
        .rsplit_once('@')
        .ok_or_else(|| InvalidValue::new(format!("{text:?} is not an e-mail address")))?;
    if local.is_empty() || local.chars().any(|c| c.is_whitespace() || c == '@') {
        return Err(InvalidValue::new(format!(
            "{text:?} has an invalid local part"
        )));
    }
    let domain = parse_domain(domain)?;
    Ok(IndicatorValue::Email(format!("{local}@{domain}")))
}

fn parse_file_name(text: &str) -> Result<IndicatorValue, InvalidValue> {
    if text.contains(['/', '\\']) {
        return Err(InvalidValue::new(format!(
            "{text:?} is a path, not a file name; give the last component"
        )));
    }
    if text.trim() != text {
        return Err(InvalidValue::new(
            "a file name may not start or end with white space",
        ));
    }
    Ok(IndicatorValue::FileName(text.to_string()))
}

/// Where a record came from: a file and a line (and, for a syntax error, a column), or a JSON
/// path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    /// Shared by every record of one input: a reader of a big feed makes the name once and
    /// clones it per row, which copies a pointer, not the text.
    pub file: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based, in characters as the parser counts them; only with a line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Source {
    pub fn line(file: impl Into<Arc<str>>, line: u32) -> Self {
        Source {
            file: file.into(),
            line: Some(line),
            column: None,
            path: None,
        }
    }

    pub fn column(file: impl Into<Arc<str>>, line: u32, column: u32) -> Self {
        Source {
            column: Some(column),
            ..Source::line(file, line)
        }
    }

    pub fn path(file: impl Into<Arc<str>>, path: impl Into<String>) -> Self {
        Source {
            file: file.into(),
            line: None,
            column: None,
            path: Some(path.into()),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        Ok(())
    }
}

/// What the feed said about an indicator besides its value.
///
/// The texts are shared: a big feed repeats the same threat type, family, date and tag list on
/// thousands of rows, and readers hand out one copy of each (see [`Interner`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_type: Option<Arc<str>>,
    /// The date (`YYYY-MM-DD`) the feed first saw the indicator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Arc<str>>,
    /// 0 to 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tags: Arc<[Arc<str>]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malware: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Arc<str>>,
}

/// The tag lists an [`Interner`] made, by the raw text they were split from.
type Lists = std::collections::HashMap<Box<str>, Arc<[Arc<str>]>>;

/// The metadata field a shared text belongs to. Each field is remembered up to its own bound,
/// so a field that is new on every row (a reference URL) cannot crowd out the few dates,
/// families and threat types that repeat across a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaField {
    ThreatType,
    FirstSeen,
    Tag,
    Malware,
    Reference,
}

/// Hands out one shared copy of each text it is asked for, up to a bound per field, so that a
/// reader of a big feed keeps one copy of each repeated field instead of one per row. Past the
/// bound, new texts are copied but not remembered: a field that is unique on every row costs
/// what it did without the interner, and the other fields are still shared.
#[derive(Debug, Default)]
pub struct Interner {
    /// By [`MetaField`], in its order.
    texts: [std::collections::HashSet<Arc<str>>; 5],
    /// Per set of separators (readers split tags at different characters), the lists made
    /// from each raw text.
    lists: Vec<(Box<[char]>, Lists)>,
}

impl Interner {
    /// How many distinct texts of each field, and how many distinct tag lists, are remembered.
    const BOUND: usize = 4096;

    /// The shared copy of `text`, a value of `field`.
    pub fn text(&mut self, field: MetaField, text: &str) -> Arc<str> {
        let texts = &mut self.texts[field as usize];
        if let Some(known) = texts.get(text) {
            return known.clone();
        }
        let new: Arc<str> = Arc::from(text);
        if texts.len() < Self::BOUND {
            texts.insert(new.clone());
        }
        new
    }

    /// The texts of `raw` between `separators`, trimmed, empty ones left out: one shared
    /// list for every call with the same `raw` and `separators`, each text shared as by
    /// [`Interner::text`].
    pub fn list(&mut self, raw: &str, separators: &[char]) -> Arc<[Arc<str>]> {
        let at = match self.lists.iter().position(|(s, _)| **s == *separators) {
            Some(at) => at,
            None => {
                self.lists.push((separators.into(), Default::default()));
                self.lists.len() - 1
            }
        };
        if let Some(known) = self.lists[at].1.get(raw) {
            return known.clone();
        }
        let new: Arc<[Arc<str>]> = raw
            .split(separators)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| self.text(MetaField::Tag, t))
            .collect();
        let lists = &mut self.lists[at].1;
        if lists.len() < Self::BOUND {
            lists.insert(raw.into(), new.clone());
        }
        new
    }
}

/// One indicator of compromise: a canonical value plus where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub value: IndicatorValue,
    /// The text as it stood in the input, before refanging; shared with its record.
    pub original: Arc<str>,
    pub source: Source,
    pub meta: Metadata,
}

impl Indicator {
    pub fn kind(&self) -> IndicatorKind {
        self.value.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: IndicatorKind, text: &str) -> Result<String, String> {
        IndicatorValue::parse(kind.into(), text)
            .map(|v| v.to_string())
            .map_err(|e| e.message)
    }

    #[test]
    fn the_interner_shares_texts_and_lists_up_to_its_bound() {
        use MetaField::{Malware, Reference, Tag, ThreatType};
        let mut interner = Interner::default();
        let a = interner.text(ThreatType, "botnet_cc");
        let b = interner.text(ThreatType, "botnet_cc");
        assert!(Arc::ptr_eq(&a, &b));
        let one = interner.list(" rat,c2,", &[',']);
        let two = interner.list(" rat,c2,", &[',']);
        assert!(Arc::ptr_eq(&one, &two));
        assert_eq!(*one, [Arc::from("rat"), Arc::from("c2")]);
        assert!(Arc::ptr_eq(&one[0], &interner.text(Tag, "rat")));
        // The same text split at other characters is another list, whichever came first.
        assert_eq!(interner.list("rat;c2", &[',']).len(), 1);
        assert_eq!(interner.list("rat;c2", &[',', ';']).len(), 2);
        assert_eq!(interner.list("rat;c2", &[',']).len(), 1);
        // Past a field's bound, its texts are still handed out, equal but no longer shared...
        for n in 0..Interner::BOUND {
            interner.text(Reference, &format!("https://example.com/{n}"));
        }
        let late = interner.text(Reference, "late");
        let again = interner.text(Reference, "late");
        assert_eq!(late, again);
        assert!(!Arc::ptr_eq(&late, &again));
        assert!(Arc::ptr_eq(&a, &interner.text(ThreatType, "botnet_cc")));
        // ...and the other fields' texts, new ones too, are still shared.
        let family = interner.text(Malware, "win.late_family");
        assert!(Arc::ptr_eq(
            &family,
            &interner.text(Malware, "win.late_family")
        ));
    }

    #[test]
    fn ip_port_keeps_the_port_and_brackets_ipv6() {
        assert_eq!(
            parse(IndicatorKind::IpPort, "91.92.243.223:8090").unwrap(),
            "91.92.243.223:8090"
        );
        assert_eq!(
            parse(IndicatorKind::IpPort, "[2001:DB8:0:0::1]:443").unwrap(),
            "[2001:db8::1]:443"
        );
        assert!(parse(IndicatorKind::IpPort, "2001:db8::1:443")
            .unwrap_err()
            .contains("ambiguous"));
        assert!(parse(IndicatorKind::IpPort, "1.2.3.4")
            .unwrap_err()
            .contains("no port"));
        assert!(parse(IndicatorKind::IpPort, "1.2.3.4:0").is_err());
        assert!(parse(IndicatorKind::IpPort, "1.2.3.4:65536").is_err());
    }

    #[test]
    fn ipv4_mapped_ipv6_is_ipv4() {
        let v = IndicatorValue::parse(KindHint::Ip, "::ffff:192.0.2.7").unwrap();
        assert_eq!(v, IndicatorValue::Ipv4(Ipv4Addr::new(192, 0, 2, 7)));
    }

    #[test]
    fn cidr_with_host_bits_suggests_the_network() {
        let err = parse(IndicatorKind::Cidr, "10.1.2.3/8").unwrap_err();
        assert!(err.contains("did you mean 10.0.0.0/8"), "{err}");
        assert_eq!(
            parse(IndicatorKind::Cidr, "2001:db8::/32").unwrap(),
            "2001:db8::/32"
        );
    }

    #[test]
    fn an_ipv4_mapped_range_is_its_ipv4_range() {
        assert_eq!(
            parse(IndicatorKind::Cidr, "::ffff:198.51.100.0/120").unwrap(),
            "198.51.100.0/24"
        );
        let err = parse(IndicatorKind::Cidr, "::ffff:198.51.100.0/64").unwrap_err();
        assert!(err.contains("outside 96-128"), "{err}");
        let err = parse(IndicatorKind::Cidr, "::ffff:198.51.100.7/120").unwrap_err();
        assert!(err.contains("did you mean 198.51.100.0/24"), "{err}");
    }

    /// A feed's `ip` type holds ranges too: a range is read as one, host bits and all.
    #[test]
    fn an_ip_hint_reads_a_range_as_a_range() {
        let range = IndicatorValue::parse(KindHint::Ip, "198.51.100.0/25").unwrap();
        assert_eq!(range.kind(), IndicatorKind::Cidr);
        let err = IndicatorValue::parse(KindHint::Ip, "192.0.2.5/24").unwrap_err();
        assert!(
            err.message.contains("did you mean 192.0.2.0/24"),
            "{}",
            err.message
        );
        assert_eq!(
            IndicatorValue::parse(KindHint::Ip, "192.0.2.5")
                .unwrap()
                .kind(),
            IndicatorKind::Ipv4
        );
    }

    #[test]
    fn domains_are_host_names() {
        assert_eq!(
            parse(IndicatorKind::Domain, "Evil.COM.").unwrap(),
            "evil.com"
        );
        assert_eq!(
            parse(IndicatorKind::Domain, "bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert!(parse(IndicatorKind::Domain, "frBvNnnFYR6XR622pBE0NQ==").is_err());
        assert!(parse(IndicatorKind::Domain, "localhost").is_err());
        assert!(parse(IndicatorKind::Domain, "1.2.3.4").is_err());
    }

    #[test]
    fn url_lowercases_scheme_and_host_only() {
        let v = IndicatorValue::parse(
            IndicatorKind::Url.into(),
            "HTTPS://Evil.Example:8443/A/b?Q=1",
        )
        .unwrap();
        let url = v.as_url().unwrap();
        assert_eq!(url.as_str(), "https://evil.example:8443/A/b?Q=1");
        assert_eq!(url.origin(), "https://evil.example:8443");
        assert_eq!(url.rest(), "/A/b?Q=1");
        assert_eq!(url.without_scheme(), "evil.example:8443/A/b?Q=1");
        assert_eq!(url.host(), "evil.example");
        assert!(parse(IndicatorKind::Url, "evil.example/x").is_err());
    }

    /// The log forms of a URL, each shown by `show`.
    fn log_forms(text: &str, show: impl Fn(&CanonicalUrl) -> String) -> Vec<String> {
        let value = IndicatorValue::parse(IndicatorKind::Url.into(), text).unwrap();
        value
            .as_url()
            .unwrap()
            .log_forms()
            .iter()
            .map(show)
            .collect()
    }

    #[test]
    fn urls_are_also_hunted_as_logs_write_them() {
        let forms = log_forms("https://h.example:443/a/b#frag", |f| f.as_str().to_string());
        assert_eq!(
            forms,
            [
                "https://h.example:443/a/b#frag",
                "https://h.example/a/b#frag",
                "https://h.example:443/a/b",
                "https://h.example/a/b",
            ]
        );
        let plain =
            IndicatorValue::parse(IndicatorKind::Url.into(), "http://h.example:8080/x").unwrap();
        assert_eq!(plain.as_url().unwrap().log_forms().len(), 1);
        // A WebSocket URL is also its opening request's URL.
        let forms = log_forms("wss://h.example:443/ws", |f| {
            format!("{} {} {}", f.as_str(), f.origin(), f.rest())
        });
        assert_eq!(
            forms,
            [
                "wss://h.example:443/ws wss://h.example:443 /ws",
                "https://h.example:443/ws https://h.example:443 /ws",
                "wss://h.example/ws wss://h.example /ws",
                "https://h.example/ws https://h.example /ws",
            ]
        );
    }

    /// A URL whose text and parsed form name different hosts is refused, not guessed at.
    #[test]
    fn a_url_whose_host_parsers_would_rewrite_is_refused() {
        for (text, why) in [
            ("https://a.example\\b\\c", "backslash before its path"),
            (
                "http://evil.example.com\\@good.example/x",
                "backslash before its path",
            ),
            (
                "http://198.051.100.001/x",
                "read as the address 198.41.100.1",
            ),
            ("http://0x7f000001/x", "read as the address 127.0.0.1"),
            ("http://3325256705/x", "read as the address 198.51.100.1"),
        ] {
            let err = parse(IndicatorKind::Url, text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
        // A backslash in the path is kept as written; a plain address host is fine.
        assert_eq!(
            parse(IndicatorKind::Url, "http://198.51.100.1:8080/a\\b").unwrap(),
            "http://198.51.100.1:8080/a\\b"
        );
    }

    /// A root URL has one canonical form, without the slash, so `https://h/` and `https://h`
    /// are one indicator and the backends match both spellings of it.
    #[test]
    fn a_root_slash_is_not_part_of_the_canonical_url() {
        assert_eq!(
            parse(IndicatorKind::Url, "https://H.example/").unwrap(),
            parse(IndicatorKind::Url, "https://h.example").unwrap()
        );
        let url = |text| IndicatorValue::parse(IndicatorKind::Url.into(), text).unwrap();
        let root = url("https://h.example/");
        assert_eq!(root.as_url().unwrap().rest(), "");
        // Only a bare root slash goes; a query or a longer path keeps it.
        assert_eq!(
            url("https://h.example/?q=1").as_url().unwrap().rest(),
            "/?q=1"
        );
        assert_eq!(url("https://h.example//").as_url().unwrap().rest(), "//");
        let forms = log_forms("https://h.example:443/#top", |f| f.as_str().to_string());
        assert_eq!(
            forms,
            [
                "https://h.example:443/#top",
                "https://h.example/#top",
                "https://h.example:443",
                "https://h.example",
            ]
        );
    }

    #[test]
    fn hashes_need_their_exact_length() {
        assert_eq!(
            parse(IndicatorKind::Md5, "5FF36F2BFED0594959B6274942585334")
                .unwrap()
                .len(),
            32
        );
        assert!(parse(IndicatorKind::Sha256, "32f85cbf0fcd...d4c2")
            .unwrap_err()
            .contains("shortened"));
        assert!(parse(
            IndicatorKind::Sha256,
            "8cda1c2e44c35cc8c0b8b6a12d56a4d393f772a8"
        )
        .is_err());
        let any = IndicatorValue::parse(
            KindHint::AnyHash,
            "8cda1c2e44c35cc8c0b8b6a12d56a4d393f772a8",
        );
        assert_eq!(any.unwrap().kind(), IndicatorKind::Sha1);
    }

    #[test]
    fn order_is_by_kind_then_value() {
        let mut values = [
            IndicatorValue::parse(KindHint::Ip, "10.0.0.10").unwrap(),
            IndicatorValue::parse(KindHint::Ip, "10.0.0.9").unwrap(),
            IndicatorValue::parse(IndicatorKind::Domain.into(), "a.example").unwrap(),
        ];
        values.sort();
        let text: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(text, ["10.0.0.9", "10.0.0.10", "a.example"]);
    }
}
