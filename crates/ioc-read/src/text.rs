//! The free-text reader: blog posts, chat pastes, text copied out of a PDF.
//!
//! Each whitespace-separated word is cut into candidates: a URL runs from its scheme to the end
//! of the word (less trailing punctuation that does not belong to it), anything else is cut at
//! characters no indicator holds (quotes, commas, brackets that are not defanging). A candidate
//! is something shaped like an address, a host name under a real top-level domain, a hash, an
//! e-mail address or a URL; every candidate is a record at `file:line`, and words that are no
//! candidate (`file.exe`, `1.2.3`) are not records at all.
//!
//! Defanged text is cut with its markers intact (`evil[.]com` is one candidate) because the
//! core's [`refang`] is asked whether a bracket starts a marker; the record keeps the text as
//! written and the indicator gets the refanged value.

use std::sync::Arc;

use ioc_core::{refang, IndicatorKind, KindHint, Metadata, Source};

use crate::intake::{Found, Intake};
use crate::shape::{self, is_known_tld};

/// Characters that end a candidate outside a URL: no indicator outside a URL holds them.
const SEPARATORS: &[char] = &[
    ',', ';', '|', '"', '\'', '`', '<', '>', '=', '(', ')', '[', ']', '{', '}', '*', '!', '?',
    '\\', '&', '^', '~', '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '\u{ab}', '\u{bb}',
    '\u{3001}', '\u{3002}', '\u{ff0c}', '\u{ff1b}', '\u{ff08}', '\u{ff09}',
];

/// Characters that end a sentence or a quotation after a URL rather than belong to it.
const URL_TRAILERS: &[char] = &[
    '.', ',', ';', ':', '!', '?', '\'', '"', '`', '*', '>', '\u{201d}', '\u{2019}', '\u{bb}',
    '\u{3001}', '\u{3002}', '\u{ff0c}', '\u{ff1b}', '\u{ff09}',
];

/// Top-level domains that are also file extensions or the last word of a field name. A
/// two-label name under one of them (`setup.py`, `invoice.zip`, `process.name`, `event.id`) is
/// far more often a file or a field than a host in prose, so it is skipped with a reason unless
/// the author defanged it, which says "this is a host". TLDs that attackers favour for short
/// names (`top`, `info`, `xyz`, ...) are deliberately absent.
const AMBIGUOUS_TLDS: &[&str] = &[
    "zip", "mov", "py", "sh", "rs", "pl", "md", "ps", "app", "one", "so", "in", "am", "ac", "mk",
    "cc", "ml", "sc", "do", "pm", "bz", "java", "name", "id", "data", "call", "open", "new", "now",
    "map", "style", "email", "run",
];

/// Words that make the dotted quad after them a version number, not an address.
const VERSION_WORDS: &[&str] = &["version", "ver", "v", "build", "release", "firmware"];

/// What a candidate looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Url,
    IpPort,
    Ip,
    Cidr,
    Hash,
    Email,
    Domain,
    /// A host name followed by `:port`; the model has no such kind, so the host is hunted.
    DomainPort,
    /// A host name followed by a path but no scheme.
    SchemelessUrl,
    /// A two-label name under a TLD that is also a file extension or a field name.
    FileOrField,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Candidate<'w> {
    /// The candidate as written.
    raw: &'w str,
    shape: Shape,
}

/// Whether the text mentions at least one indicator: what makes text "free text" to detection.
pub(crate) fn mentions_indicators(text: &str) -> bool {
    text.split_whitespace().any(|word| {
        let mut candidates = Vec::new();
        scan_word(word, &mut candidates);
        !candidates.is_empty()
    })
}

/// The candidates a line of text holds, each with the word before the one it is in (a version
/// word there makes an address-shaped number a version).
fn scan(line: &str) -> Vec<(Option<&str>, Candidate<'_>)> {
    let mut found = Vec::new();
    let mut previous = None;
    for word in line.split_whitespace() {
        let mut candidates = Vec::new();
        scan_word(word, &mut candidates);
        found.extend(candidates.into_iter().map(|c| (previous, c)));
        previous = Some(word);
    }
    found
}

/// The candidates a line of free text holds, as written.
pub(crate) fn candidates(line: &str) -> Vec<&str> {
    scan(line).into_iter().map(|(_, c)| c.raw).collect()
}

/// Reads free text; it cannot fail.
pub(crate) fn read(name: &str, text: &str, intake: &mut Intake<'_>) {
    // One copy of the name, shared by every line's source.
    let file: Arc<str> = Arc::from(name);
    for (index, line) in text.lines().enumerate() {
        let source = Source::line(file.clone(), u32::try_from(index + 1).unwrap_or(u32::MAX));
        let context = context_line(line);
        for (previous, candidate) in scan(line) {
            match context {
                Some(what) => intake.skip(
                    Found {
                        source: source.clone(),
                        raw: candidate.raw,
                        declared: None,
                        meta: Metadata::default(),
                    },
                    format!("named on {what}, not reported as an indicator"),
                ),
                None => offer(&source, candidate, previous, Metadata::default(), intake),
            }
        }
    }
}

/// Lines whose hosts and URLs are context, not indicators: the false-positive filters a
/// write-up suggests (benign hosts by definition) and the page's own source and references.
/// Their candidates are recorded as skipped, so they are seen but never hunted.
fn context_line(line: &str) -> Option<&'static str> {
    const LABELS: &[(&str, &str)] = &[
        ("filter/exclusion:", "an exclusion line"),
        ("filter / exclusion:", "an exclusion line"),
        ("exclusion:", "an exclusion line"),
        ("example filter:", "an exclusion line"),
        ("original source:", "a source line"),
        ("source:", "a source line"),
        ("reference:", "a reference line"),
        ("references:", "a reference line"),
    ];
    let trimmed = line.trim_start();
    if trimmed.starts_with("<!--") {
        return Some("an HTML comment");
    }
    LABELS.iter().find_map(|(label, what)| {
        let head = trimmed.get(..label.len())?;
        head.eq_ignore_ascii_case(label).then_some(*what)
    })
}

/// Reads one table cell that declares no type, by the rules of free text (so a two-label name
/// under a TLD that is also a file extension is not taken for a domain); `false` when the cell
/// holds nothing shaped like an indicator.
pub(crate) fn read_cell(source: &Source, cell: &str, meta: &Metadata, intake: &mut Intake) -> bool {
    let found = scan(cell);
    let any = !found.is_empty();
    for (previous, candidate) in found {
        offer(source, candidate, previous, meta.clone(), intake);
    }
    any
}

fn offer(
    source: &Source,
    candidate: Candidate<'_>,
    previous: Option<&str>,
    meta: Metadata,
    intake: &mut Intake,
) {
    let found = Found {
        source: source.clone(),
        raw: candidate.raw,
        declared: None,
        meta,
    };
    let value = refang(candidate.raw).into_owned();
    match candidate.shape {
        Shape::Url => intake.validated(found, IndicatorKind::Url.into(), &value),
        Shape::IpPort => intake.validated(found, IndicatorKind::IpPort.into(), &value),
        Shape::Cidr => intake.validated(found, IndicatorKind::Cidr.into(), &value),
        Shape::Hash => intake.validated(found, KindHint::AnyHash, &value),
        Shape::Email => intake.validated(found, IndicatorKind::Email.into(), &value),
        Shape::Domain => intake.validated(found, IndicatorKind::Domain.into(), &value),
        Shape::Ip => {
            let word = previous.map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()));
            match word.filter(|w| VERSION_WORDS.contains(&w.to_lowercase().as_str())) {
                Some(w) if shape::looks_like_ipv4(&value) => {
                    let reason = format!("{value} follows {w:?}: a version number, not an address");
                    intake.skip(found, reason);
                }
                _ => intake.validated(found, KindHint::Ip, &value),
            }
        }
        Shape::DomainPort => {
            let (host, port) = value.rsplit_once(':').unwrap_or((&value, ""));
            intake.warn(
                source,
                format!(
                    "{value}: hunted as the host name {host}; ioc-emit has no host-and-port \
                     kind, so port {port} is dropped"
                ),
            );
            intake.validated(found, IndicatorKind::Domain.into(), host);
        }
        Shape::SchemelessUrl => intake.reject(
            found,
            format!("{value} looks like a URL without a scheme; ioc-emit does not guess one"),
        ),
        Shape::FileOrField => {
            let (name, ext) = value.rsplit_once('.').unwrap_or((&value, ""));
            intake.skip(
                found,
                format!(
                    "{value} looks like a file or field name (.{ext} is also a file extension \
                     or a field); write it defanged, {name}[.]{ext}, to hunt it as a domain"
                ),
            );
        }
    }
}

/// Cuts one word into candidates.
fn scan_word<'w>(word: &'w str, out: &mut Vec<Candidate<'w>>) {
    let Some(start) = url_start(word) else {
        for piece in pieces(word) {
            if let Some(candidate) = classify(piece) {
                out.push(candidate);
            }
        }
        return;
    };
    for piece in pieces(&word[..start]) {
        if let Some(candidate) = classify(piece) {
            out.push(candidate);
        }
    }
    let rest = &word[start..];
    let (url, tail) = split_joined_urls(rest);
    let url = trim_url(url);
    if url_has_host(url) {
        out.push(Candidate {
            raw: url,
            shape: Shape::Url,
        });
    }
    if let Some(tail) = tail {
        scan_word(tail, out);
    }
}

/// Where a URL starts in a word: the start of the scheme before the first `://` (or its
/// defanged spellings `[://]`, `[:]//`).
fn url_start(word: &str) -> Option<usize> {
    let separator = ["://", "[://]", "[:]//"]
        .iter()
        .filter_map(|s| word.find(s))
        .min()?;
    scheme_start(word, separator)
}

/// Walks back from `end` over scheme characters; the scheme must start with a letter.
fn scheme_start(word: &str, end: usize) -> Option<usize> {
    let head = &word[..end];
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .last()
        .map(|(i, _)| i)?;
    // Text glued before the scheme (`1http`) is not part of it.
    let offset = head[start..].find(|c: char| c.is_ascii_alphabetic())?;
    Some(start + offset)
}

/// Splits `http://a.example/x,https://b.example/y` where a list separator stands right before
/// another scheme; a `://` inside a query (`?u=http://...`) is left alone.
fn split_joined_urls(text: &str) -> (&str, Option<&str>) {
    let mut from = text.find("://").map_or(text.len(), |i| i + 3);
    while let Some(offset) = text[from..].find("://") {
        let end = from + offset;
        if let Some(start) = scheme_start(text, end) {
            if start > 0 && text[..start].ends_with([',', ';', '|']) {
                return (&text[..start - 1], Some(&text[start..]));
            }
        }
        from = end + 3;
    }
    (text, None)
}

/// Drops the punctuation that closes a sentence or a bracket around a URL. A closing bracket
/// stays when the URL opened it (`/wiki/Thing_(x)`).
fn trim_url(mut url: &str) -> &str {
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let pair = match last {
            ')' => Some('('),
            ']' => Some('['),
            '}' => Some('{'),
            _ => None,
        };
        let drop = match pair {
            Some(open) => url.matches(open).count() < url.matches(last).count(),
            None => URL_TRAILERS.contains(&last),
        };
        if !drop {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
}

fn url_has_host(url: &str) -> bool {
    let text = refang(url);
    text.split_once("://").is_some_and(|(_, rest)| {
        rest.chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '[')
    })
}

/// Cuts text at separators, keeping defanging markers and bracketed IPv6 addresses whole, and
/// trims what does not belong to an indicator off each end.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let c = rest.chars().next().unwrap_or_default();
        let keep = marker_len(rest).or_else(|| bracketed_ipv6_len(rest));
        if let Some(len) = keep {
            at += len;
            continue;
        }
        if SEPARATORS.contains(&c) {
            out.push(&text[start..at]);
            start = at + c.len_utf8();
        }
        at += c.len_utf8();
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(trim_piece)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The length of the defanging marker `text` starts with, if it starts with one: the core's
/// [`refang`] decides, so that the two always agree on what a marker is.
fn marker_len(text: &str) -> Option<usize> {
    if !text.starts_with(['[', '(', '{']) {
        return None;
    }
    (3..=5).find(|&len| {
        text.get(..len).is_some_and(|head| {
            let plain = refang(head);
            plain.len() < head.len() && !plain.contains(['[', '(', '{', ']', ')', '}'])
        })
    })
}

/// The length of `[ipv6]` at the start of `text`.
fn bracketed_ipv6_len(text: &str) -> Option<usize> {
    let inner = text.strip_prefix('[')?;
    let close = inner.find(']')?;
    let address = &inner[..close];
    shape::looks_like_ipv6(address).then_some(close + 2)
}

/// Trims sentence punctuation off a piece; a trailing colon stays when it ends an IPv6 `::`.
fn trim_piece(piece: &str) -> &str {
    let mut p = piece.trim_start_matches(['.', '-']);
    loop {
        let before = p;
        p = p.trim_end_matches(['.', '-', '_', '/', '\u{2026}']);
        if p.ends_with(':') && !p.ends_with("::") {
            p = &p[..p.len() - 1];
        }
        if p == before {
            break;
        }
    }
    // `[2001:db8::1]` alone: the brackets only wrap the address.
    if let Some(inner) = p.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
        if shape::looks_like_ipv6(inner) {
            return inner;
        }
    }
    p
}

/// What a piece looks like, if it looks like an indicator at all.
fn classify(raw: &str) -> Option<Candidate<'_>> {
    let text = refang(raw);
    let defanged = text != raw;
    // `203.0.113.8:80/udp`, as scanners and firewall write-ups give a port: the pair, with the
    // protocol left off (the record keeps the text as written).
    if let Some((pair, protocol)) = raw.rsplit_once('/') {
        if ["tcp", "udp"].contains(&protocol.to_ascii_lowercase().as_str())
            && shape::looks_like_ip_port(&refang(pair))
        {
            return Some(Candidate {
                raw: pair,
                shape: Shape::IpPort,
            });
        }
    }
    if let Some(shape) = shape_of(&text, defanged) {
        return Some(Candidate { raw, shape });
    }
    // A label glued on with a colon, as in `sha1:8cda...` or `C2:203.0.113.5`.
    let (label, rest) = raw.split_once(':')?;
    let is_label = label.chars().next().is_some_and(|c| c.is_alphabetic())
        && label.chars().all(char::is_alphanumeric);
    if !is_label || rest.starts_with(':') {
        return None;
    }
    let text = refang(rest);
    let shape = shape_of(&text, text != rest)?;
    Some(Candidate { raw: rest, shape })
}

fn shape_of(text: &str, defanged: bool) -> Option<Shape> {
    if text.contains('@') {
        return is_email(text).then_some(Shape::Email);
    }
    if text.starts_with('[') {
        return shape::looks_like_ip_port(text).then_some(Shape::IpPort);
    }
    if let Some((address, prefix)) = text.split_once('/') {
        let is_prefix =
            (1..=3).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_digit());
        if is_prefix && (shape::looks_like_ipv4(address) || shape::looks_like_ipv6(address)) {
            return Some(Shape::Cidr);
        }
    }
    if shape::looks_like_ipv4(text) || shape::looks_like_ipv6(text) {
        return Some(Shape::Ip);
    }
    // An address, or an address and port, followed by a path: a URL written without its
    // scheme, which is refused with the reason rather than passed over.
    if let Some((host, _)) = text.split_once('/') {
        if shape::looks_like_ipv4(host) || shape::looks_like_ip_port(host) {
            return Some(Shape::SchemelessUrl);
        }
    }
    if shape::looks_like_ip_port(text) {
        return Some(Shape::IpPort);
    }
    if shape::is_hash_shaped(text) || is_long_hash(text) {
        return Some(Shape::Hash);
    }
    domain_shape(text, defanged)
}

/// SHA-224, SHA-384 and SHA-512 lengths: candidates, so that the core's length rule explains
/// why they are not read.
fn is_long_hash(text: &str) -> bool {
    matches!(text.len(), 56 | 96 | 128)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
        && text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().any(|b| b.is_ascii_alphabetic())
}

fn domain_shape(text: &str, defanged: bool) -> Option<Shape> {
    let split = text.find(['/', ':']).unwrap_or(text.len());
    let (host, rest) = text.split_at(split);
    let labels = host_labels(host)?;
    if let Some(port) = rest.strip_prefix(':') {
        let numeric =
            !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        return numeric.then_some(Shape::DomainPort);
    }
    if rest.starts_with('/') {
        return Some(Shape::SchemelessUrl);
    }
    let tld = labels.last().map(|t| t.to_lowercase()).unwrap_or_default();
    if labels.len() == 2 && AMBIGUOUS_TLDS.contains(&tld.as_str()) && !defanged {
        return Some(Shape::FileOrField);
    }
    Some(Shape::Domain)
}

/// The labels of a host name under a real top-level domain.
fn host_labels(host: &str) -> Option<Vec<&str>> {
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    let tld = labels.last()?;
    let ok = labels.len() >= 2
        && labels.iter().all(label_ok)
        && tld.chars().any(char::is_alphabetic)
        && is_known_tld(tld);
    ok.then_some(labels)
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || ".!#$%&*+-/=^_{|}~".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    local_ok && host_labels(domain).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadOptions;
    use ioc_core::{DetectionBuilder, Record, RecordState};

    fn run(text: &str) -> (ioc_core::Detection, Vec<Record>) {
        let mut b = DetectionBuilder::new();
        let options = ReadOptions::default();
        read("post.txt", text, &mut Intake::new(&mut b, &options));
        b.finish()
    }

    /// Every record as `original => value` or `original => state: reason`.
    fn outcome(text: &str) -> Vec<String> {
        let (d, records) = run(text);
        records
            .iter()
            .map(|r| match &r.state {
                RecordState::Indicator(i) | RecordState::Duplicate(i) => {
                    format!("{} => {}", r.original, d.indicators[*i].value)
                }
                RecordState::Rejected(why) => format!("{} => rejected: {why}", r.original),
                RecordState::Skipped(why) => format!("{} => skipped: {why}", r.original),
            })
            .collect()
    }

    fn values(text: &str) -> Vec<String> {
        let (d, _) = run(text);
        d.indicators.iter().map(|i| i.value.to_string()).collect()
    }

    /// An address followed by a path or a protocol is never passed over in silence.
    #[test]
    fn an_address_with_a_path_or_a_protocol_is_accounted_for() {
        let got = outcome(
            "a 198.51.100.15:443/tcp b 203.0.113.8:80/UDP c 198.51.100.22/gate.php \
             d 198.51.100[.]23:8080/panel/",
        );
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], "198.51.100.15:443 => 198.51.100.15:443");
        assert_eq!(got[1], "203.0.113.8:80 => 203.0.113.8:80");
        assert!(
            got[2].starts_with("198.51.100.22/gate.php => rejected: "),
            "{got:?}"
        );
        assert!(got[2].contains("URL without a scheme"), "{got:?}");
        assert!(
            got[3].starts_with("198.51.100[.]23:8080/panel => rejected: "),
            "{got:?}"
        );
    }

    #[test]
    fn every_defang_marker() {
        let text = "a 192[.]0[.]2[.]10 b evil(.)example{.}com c bad[dot]example(dot)net \
                    hXXps://x[.]example[.]org/p hxxp[://]y.example.org fxp://files.example.org \
                    198.51.100.3[:]8443 ops[@]example.com admin[at]example.org";
        assert_eq!(
            values(text),
            [
                "192.0.2.10",
                "198.51.100.3:8443",
                "bad.example.net",
                "evil.example.com",
                "ftp://files.example.org",
                "http://y.example.org",
                "https://x.example.org/p",
                "admin@example.org",
                "ops@example.com",
            ]
        );
    }

    #[test]
    fn partial_defang_keeps_the_port_and_the_original() {
        assert_eq!(
            outcome("C2 at 41.234.45[.]136:8808, see above."),
            ["41.234.45[.]136:8808 => 41.234.45.136:8808"]
        );
    }

    #[test]
    fn punctuation_and_brackets_come_off_but_url_parens_stay() {
        let text =
            "(see https://en.example.org/wiki/Thing_(x)). Or \"https://a.example.com/q?x=1\", \
                    or <https://b.example.com/>; also `c2.example.net`, [203.0.113.5].";
        assert_eq!(
            outcome(text),
            [
                "https://en.example.org/wiki/Thing_(x) => https://en.example.org/wiki/Thing_(x)",
                "https://a.example.com/q?x=1 => https://a.example.com/q?x=1",
                "https://b.example.com/ => https://b.example.com",
                "c2.example.net => c2.example.net",
                "203.0.113.5 => 203.0.113.5",
            ]
        );
    }

    #[test]
    fn ipv6_is_never_damaged() {
        assert_eq!(
            values("net 2001:db8::/32 host [2001:db8::7]:443 bare 2001:db8::8, [2001:db8::9]"),
            [
                "2001:db8::8",
                "2001:db8::9",
                "[2001:db8::7]:443",
                "2001:db8::/32",
            ]
        );
    }

    #[test]
    fn no_scheme_is_invented() {
        assert_eq!(
            outcome("beacon 203.0.113.9:8080 and c2.example.com/gate.php"),
            [
                "203.0.113.9:8080 => 203.0.113.9:8080",
                "c2.example.com/gate.php => rejected: c2.example.com/gate.php looks like a URL \
                 without a scheme; ioc-emit does not guess one",
            ]
        );
    }

    #[test]
    fn false_positives_are_not_candidates() {
        let text = "Run file.exe, then example.ps1 and index.html; tool 1.2.3 e.g. i.e. \
                    Node.js at 10:20:30 with MAC 00:1a:2b:3c:4d:5e and dead::beef";
        assert_eq!(outcome(text), Vec::<String>::new());
        let fields = outcome("where process.name = x and event.id > 4");
        assert!(fields.iter().all(|r| r.contains("skipped: ")), "{fields:?}");
        assert_eq!(fields.len(), 2);
        assert_eq!(
            outcome("setup.py and version 1.2.3.4 but invoice[.]zip"),
            [
                "setup.py => skipped: setup.py looks like a file or field name (.py is also a \
                 file extension or a field); write it defanged, setup[.]py, to hunt it as a domain",
                "1.2.3.4 => skipped: 1.2.3.4 follows \"version\": a version number, not an address",
                "invoice[.]zip => invoice.zip",
            ]
        );
    }

    #[test]
    fn hashes_emails_and_cidrs() {
        let text =
            "md5 5FF36F2BFED0594959B6274942585334 sha1:8cda1c2e44c35cc8c0b8b6a12d56a4d393f772a8 \
                    shortened 32f85cbf0fcd...d4c2 net 198.51.100.0/24 bad 198.51.100.1/24 \
                    mail phish-ops@example.net";
        let got = outcome(text);
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(got[0].ends_with("=> 5ff36f2bfed0594959b6274942585334"));
        assert!(got[2].contains("shortened display form"), "{}", got[2]);
        assert!(
            got[4].contains("did you mean 198.51.100.0/24"),
            "{}",
            got[4]
        );
        assert!(got[5].ends_with("=> phish-ops@example.net"));
    }

    #[test]
    fn internationalised_domains_keep_their_original() {
        let (d, records) = run("Visit bücher.example or пример.рф today.");
        assert_eq!(records.len(), 2);
        let idn = d
            .indicators
            .iter()
            .find(|i| &*i.original == "bücher.example")
            .unwrap();
        assert_eq!(idn.value.to_string(), "xn--bcher-kva.example");
    }

    #[test]
    fn host_with_port_is_hunted_as_the_host() {
        let (d, _) = run("callback to c2.example.org:8443 daily");
        assert_eq!(d.indicators[0].value.to_string(), "c2.example.org");
        assert!(d.warnings[0].contains("port 8443 is dropped"));
    }

    #[test]
    fn joined_urls_split_at_list_separators() {
        assert_eq!(
            values("https://a.example.com/x,https://b.example.com/r?u=http://c.example.com"),
            [
                "https://a.example.com/x",
                "https://b.example.com/r?u=http://c.example.com"
            ]
        );
    }

    #[test]
    fn exclusion_and_source_lines_are_seen_but_not_hunted() {
        let text = "<!-- source: https://blog.example.org/post -->\n\
                    C2 at c2.example.net\n\
                    Filter/Exclusion: process.name = curl and destination.address contains \
                    repo.example.com\n\
                    Original source: https://feed.example.org/x\n";
        assert_eq!(values(text), ["c2.example.net"]);
        let (_, records) = run(text);
        assert_eq!(records.len(), 5, "every candidate is recorded");
        let skipped = records
            .iter()
            .filter(|r| matches!(r.state, RecordState::Skipped(_)))
            .count();
        assert_eq!(skipped, 4);
    }

    #[test]
    fn lines_are_counted() {
        let (_, records) = run("intro\n\nthe host c2.example.com\r\nand 203.0.113.4\n");
        let lines: Vec<Option<u32>> = records.iter().map(|r| r.source.line).collect();
        assert_eq!(lines, [Some(3), Some(4)]);
    }
}
