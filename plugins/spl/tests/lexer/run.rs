//! Runs an emitted query on one event, as far as the tests need: the search stage (the group of
//! terms after `earliest=`, with Splunk's case-insensitive `*` wildcards, CIDR values and `IN`
//! lists) and every live `| where` (eval: `lower`, `coalesce`, `tonumber`, `match`, `cidrmatch`,
//! `==`, AND, OR, NOT, with nulls). Regular expressions are run by a small engine for the
//! subset the backend writes: escaped literals, `.`, `?`, `*`, `^`, `$` and a leading `(?i)`.
//! Anything else panics, so a test cannot pass by this module guessing.
//!
//! An event is a list of field names and values; under `tstats` the names carry the dataset
//! prefix, and a field the event lacks reads as the `fillnull_value`, as `tstats` fills it.

use std::net::IpAddr;

use super::{check, Token};

pub type Event<'a> = [(&'a str, &'a str)];

/// Whether the event passes the search stage and every live `where` of `query`.
pub fn matches(query: &str, event: &Event) -> bool {
    let tokens = check(query).unwrap_or_else(|e| panic!("{e}\n{query}"));
    search_stage(&tokens, event)
        && survives_grouping(&tokens, query, event)
        && where_stages(&tokens, query, event)
}

/// `tstats` drops a result whose group-by field is null, unless `fillnull_value` is set.
fn survives_grouping(tokens: &[Token], query: &str, event: &Event) -> bool {
    if query.contains("fillnull_value=") {
        return true;
    }
    let Some(by) = tokens.iter().position(|t| *t == Token::Word("BY".into())) else {
        return true;
    };
    tokens[by + 1..]
        .iter()
        .map_while(|t| match t {
            Token::Word(field) => Some(field),
            _ => None,
        })
        .all(|field| lookup(event, field).is_some())
}

/// Whether the event passes the search terms alone: a superset when the query adds a `where`.
pub fn search_matches(query: &str, event: &Event) -> bool {
    let tokens = check(query).unwrap_or_else(|e| panic!("{e}\n{query}"));
    search_stage(&tokens, event)
}

fn search_stage(tokens: &[Token], event: &Event) -> bool {
    let start = (0..tokens.len())
        .find(|&n| {
            tokens[n] == Token::Word("earliest".into()) && tokens.get(n + 3) == Some(&Token::Open)
        })
        .expect("the search has a group of terms after earliest=");
    let mut c = Cursor {
        t: tokens,
        pos: start + 3,
    };
    c.expect(&Token::Open);
    let result = search_or(&mut c, event);
    c.expect(&Token::Close);
    result
}

fn where_stages(tokens: &[Token], query: &str, event: &Event) -> bool {
    let fill = query.contains("fillnull_value=\"-\"").then_some("-");
    let mut depth = 0usize;
    for (n, token) in tokens.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth -= 1,
            Token::Pipe
                if depth == 0 && tokens.get(n + 1) == Some(&Token::Word("where".into())) =>
            {
                let mut c = Cursor {
                    t: tokens,
                    pos: n + 2,
                };
                let value = eval_or(&mut c, event, fill);
                if value != V::B(true) {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

struct Cursor<'t> {
    t: &'t [Token],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&Token> {
        self.t.get(self.pos)
    }

    fn next(&mut self) -> Token {
        let token = self.t.get(self.pos).cloned().expect("more tokens");
        self.pos += 1;
        token
    }

    fn expect(&mut self, want: &Token) {
        let got = self.next();
        assert_eq!(&got, want, "at token {}", self.pos - 1);
    }

    fn word(&mut self, w: &str) -> bool {
        if self.peek() == Some(&Token::Word(w.to_string())) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
}

fn lookup(event: &Event, field: &str) -> Option<String> {
    event
        .iter()
        .find(|(k, _)| *k == field)
        .map(|(_, v)| v.to_string())
}

// --- the search stage -------------------------------------------------------------------------

fn search_or(c: &mut Cursor, event: &Event) -> bool {
    let mut value = search_and(c, event);
    while c.word("OR") {
        value |= search_and(c, event);
    }
    value
}

fn search_and(c: &mut Cursor, event: &Event) -> bool {
    let mut value = search_unary(c, event);
    while c.word("AND") {
        value &= search_unary(c, event);
    }
    value
}

fn search_unary(c: &mut Cursor, event: &Event) -> bool {
    if c.word("NOT") {
        c.expect(&Token::Open);
        let value = search_or(c, event);
        c.expect(&Token::Close);
        return !value;
    }
    if c.peek() == Some(&Token::Open) {
        c.pos += 1;
        let value = search_or(c, event);
        c.expect(&Token::Close);
        return value;
    }
    let Token::Word(field) = c.next() else {
        panic!("a field name expected at token {}", c.pos - 1)
    };
    let actual = lookup(event, &field);
    let mut patterns = Vec::new();
    if c.word("IN") {
        c.expect(&Token::Open);
        loop {
            patterns.push(pattern_token(c.next()));
            if c.peek() == Some(&Token::Comma) {
                c.pos += 1;
            } else {
                break;
            }
        }
        c.expect(&Token::Close);
    } else {
        c.expect(&Token::Op("=".into()));
        patterns.push(pattern_token(c.next()));
    }
    match actual {
        None => false,
        Some(actual) => patterns.iter().any(|p| term_matches(p, &actual)),
    }
}

fn pattern_token(token: Token) -> String {
    match token {
        Token::Str(s) | Token::Word(s) => s,
        other => panic!("a value expected, found {other:?}"),
    }
}

/// A search term against a field value: CIDR notation matches addresses in the range; otherwise
/// case is ignored and `*` matches any run of characters.
fn term_matches(pattern: &str, value: &str) -> bool {
    if !pattern.contains('*') {
        if let Some(inside) = in_cidr(pattern, value) {
            return inside;
        }
    }
    glob(
        &pattern.to_lowercase().chars().collect::<Vec<_>>(),
        &value.to_lowercase().chars().collect::<Vec<_>>(),
    )
}

fn glob(p: &[char], v: &[char]) -> bool {
    match p.first() {
        None => v.is_empty(),
        Some('*') => (0..=v.len()).any(|k| glob(&p[1..], &v[k..])),
        Some(c) => v.first() == Some(c) && glob(&p[1..], &v[1..]),
    }
}

/// `Some(inside)` when `range` is CIDR notation and `value` an address of its family.
fn in_cidr(range: &str, value: &str) -> Option<bool> {
    let (network, prefix) = range.split_once('/')?;
    let network: IpAddr = network.parse().ok()?;
    let prefix: u32 = prefix.parse().ok()?;
    let value: IpAddr = value.parse().ok()?;
    let (a, b, bits) = match (network, value) {
        (IpAddr::V4(n), IpAddr::V4(v)) => (u128::from(u32::from(n)), u128::from(u32::from(v)), 32),
        (IpAddr::V6(n), IpAddr::V6(v)) => (u128::from(n), u128::from(v), 128),
        _ => return Some(false),
    };
    let shift = bits - prefix;
    Some(shift >= 128 || (a >> shift) == (b >> shift))
}

// --- the eval language ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    S(String),
    N(f64),
    B(bool),
}

fn eval_or(c: &mut Cursor, event: &Event, fill: Option<&str>) -> V {
    let mut values = vec![eval_and(c, event, fill)];
    while c.word("OR") {
        values.push(eval_and(c, event, fill));
    }
    if values.len() == 1 {
        return values.remove(0);
    }
    if values.contains(&V::B(true)) {
        V::B(true)
    } else if values.iter().all(|v| *v == V::B(false)) {
        V::B(false)
    } else {
        V::Null
    }
}

fn eval_and(c: &mut Cursor, event: &Event, fill: Option<&str>) -> V {
    let mut values = vec![eval_not(c, event, fill)];
    while c.word("AND") {
        values.push(eval_not(c, event, fill));
    }
    if values.len() == 1 {
        return values.remove(0);
    }
    if values.contains(&V::B(false)) {
        V::B(false)
    } else if values.iter().all(|v| *v == V::B(true)) {
        V::B(true)
    } else {
        V::Null
    }
}

fn eval_not(c: &mut Cursor, event: &Event, fill: Option<&str>) -> V {
    if c.word("NOT") {
        c.expect(&Token::Open);
        let value = eval_or(c, event, fill);
        c.expect(&Token::Close);
        return match value {
            V::B(b) => V::B(!b),
            _ => V::Null,
        };
    }
    let left = eval_value(c, event, fill);
    if c.peek() == Some(&Token::Op("==".into())) {
        c.pos += 1;
        let right = eval_value(c, event, fill);
        return match (left, right) {
            (V::S(a), V::S(b)) => V::B(a == b),
            (V::N(a), V::N(b)) => V::B(a == b),
            (V::N(a), V::S(b)) | (V::S(b), V::N(a)) => V::B(b.parse::<f64>() == Ok(a)),
            _ => V::Null,
        };
    }
    left
}

fn eval_value(c: &mut Cursor, event: &Event, fill: Option<&str>) -> V {
    match c.next() {
        Token::Open => {
            let value = eval_or(c, event, fill);
            c.expect(&Token::Close);
            value
        }
        Token::Str(s) => V::S(s),
        Token::Field(name) => match lookup(event, &name).or(fill.map(str::to_string)) {
            Some(v) => V::S(v),
            None => V::Null,
        },
        Token::Word(w) if w.parse::<f64>().is_ok() => V::N(w.parse().unwrap()),
        Token::Word(function) => {
            c.expect(&Token::Open);
            let mut args = vec![eval_or(c, event, fill)];
            while c.peek() == Some(&Token::Comma) {
                c.pos += 1;
                args.push(eval_or(c, event, fill));
            }
            c.expect(&Token::Close);
            call(&function, args)
        }
        other => panic!("unexpected {other:?} in an eval expression"),
    }
}

fn call(function: &str, args: Vec<V>) -> V {
    match (function, args.as_slice()) {
        ("lower", [V::S(s)]) => V::S(s.to_lowercase()),
        ("lower", [_]) => V::Null,
        ("coalesce", _) => args.into_iter().find(|v| *v != V::Null).unwrap_or(V::Null),
        ("tonumber", [V::S(s)]) => s.parse().map(V::N).unwrap_or(V::Null),
        ("tonumber", [_]) => V::Null,
        ("match", [V::S(s), V::S(re)]) => V::B(regex_matches(re, s)),
        ("cidrmatch", [V::S(range), V::S(ip)]) => V::B(in_cidr(range, ip).unwrap_or(false)),
        ("match" | "cidrmatch", [_, _]) => V::Null,
        _ => panic!("the test evaluator does not know {function}({args:?})"),
    }
}

// --- regular expressions ------------------------------------------------------------------------

/// The character an escape stands for, with `i` just after the backslash; and how many
/// characters the escape used. `None` for an escape the backend never writes (`\d`, `\w`, ...).
pub fn escape_at(chars: &[char], i: usize) -> Option<(char, usize)> {
    let c = *chars.get(i)?;
    if c == 'x' {
        if chars.get(i + 1) == Some(&'{') {
            let end = (i + 2..chars.len()).find(|&j| chars[j] == '}')?;
            let hex: String = chars[i + 2..end].iter().collect();
            let decoded = char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?;
            return Some((decoded, end - i + 1));
        }
        let hex: String = chars.get(i + 1..i + 3)?.iter().collect();
        let decoded = char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?;
        return Some((decoded, 3));
    }
    if c.is_ascii_alphanumeric() {
        return None;
    }
    Some((c, 1))
}

#[derive(Debug, Clone)]
enum Atom {
    Char(char),
    Any,
}

#[derive(Debug, Clone)]
struct Piece {
    atom: Atom,
    /// `?` or `*`.
    repeat: Option<char>,
}

/// Whether `pattern` matches somewhere in `text`.
pub fn regex_matches(pattern: &str, text: &str) -> bool {
    let (ci, body) = match pattern.strip_prefix("(?i)") {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let anchored = chars.first() == Some(&'^');
    if anchored {
        i = 1;
    }
    let mut pieces: Vec<Piece> = Vec::new();
    let mut at_end = false;
    while i < chars.len() {
        let c = chars[i];
        let atom = match c {
            '\\' => {
                let (decoded, used) = escape_at(&chars, i + 1)
                    .unwrap_or_else(|| panic!("unsupported escape in {pattern:?}"));
                i += used;
                Atom::Char(decoded)
            }
            '.' => Atom::Any,
            '$' if i == chars.len() - 1 => {
                at_end = true;
                i += 1;
                continue;
            }
            '?' | '*' => {
                let last = pieces.last_mut().expect("a quantifier follows an atom");
                last.repeat = Some(c);
                i += 1;
                continue;
            }
            c if "^$|()[]{}+".contains(c) => panic!("unsupported {c:?} in {pattern:?}"),
            c => Atom::Char(c),
        };
        pieces.push(Piece { atom, repeat: None });
        i += 1;
    }
    let fold = |c: char| {
        if ci {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c
        }
    };
    let text: Vec<char> = text.chars().map(fold).collect();
    let pieces: Vec<Piece> = pieces
        .into_iter()
        .map(|p| Piece {
            atom: match p.atom {
                Atom::Char(c) => Atom::Char(fold(c)),
                Atom::Any => Atom::Any,
            },
            ..p
        })
        .collect();
    let starts = if anchored { 0..=0 } else { 0..=text.len() };
    starts
        .into_iter()
        .any(|s| run_at(&pieces, &text[s..], at_end))
}

fn run_at(pieces: &[Piece], text: &[char], at_end: bool) -> bool {
    let Some(piece) = pieces.first() else {
        return !at_end || text.is_empty();
    };
    let one = |t: &[char]| match (&piece.atom, t.first()) {
        (Atom::Any, Some(c)) => *c != '\n',
        (Atom::Char(a), Some(c)) => a == c,
        (_, None) => false,
    };
    match piece.repeat {
        None => one(text) && run_at(&pieces[1..], &text[1..], at_end),
        Some('?') => {
            (one(text) && run_at(&pieces[1..], &text[1..], at_end))
                || run_at(&pieces[1..], text, at_end)
        }
        _ => {
            let mut k = 0;
            loop {
                if run_at(&pieces[1..], &text[k..], at_end) {
                    return true;
                }
                if k < text.len() && one(&text[k..]) {
                    k += 1;
                } else {
                    return false;
                }
            }
        }
    }
}
