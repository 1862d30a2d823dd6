//! A parser for STIX 2.1 patterns, and the reduction of a pattern to the values it matches.
//!
//! The whole grammar of the patterning language (STIX 2.1, part 9) is parsed, so that a pattern
//! outside the supported subset is refused for what it is ("uses FOLLOWEDBY") rather than with
//! a syntax error. [`terms`] then reduces a parsed pattern to a list of values, any one of which
//! matches. That is possible only for disjunctions of equality tests on one object each, plus
//! the one conjunction hunts use every day: a network connection's destination address and port.

use std::fmt;

use ioc_core::{IndicatorKind, KindHint};

/// Deeper nesting than this is refused, so that a hostile pattern cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Why a pattern could not be parsed; `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub(crate) struct PatternError {
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Hex(String),
    Binary(String),
    Timestamp(String),
}

/// One step of a property path: a property name or a list index (`None` for `[*]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Property(String),
    Index(Option<u64>),
}

/// `object-type:property.path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectPath {
    pub object: String,
    pub steps: Vec<Step>,
}

impl ObjectPath {
    /// The path with names lower-cased and quotes dropped, for matching:
    /// `file:hashes.sha-256`.
    fn key(&self) -> String {
        let mut key = self.object.to_ascii_lowercase();
        key.push(':');
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::Property(p) => {
                    if i > 0 {
                        key.push('.');
                    }
                    key.push_str(&p.to_ascii_lowercase());
                }
                Step::Index(_) => key.push_str("[]"),
            }
        }
        key
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object)?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::Property(p) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                        f.write_str(p)?;
                    } else {
                        write!(f, "'{p}'")?;
                    }
                }
                Step::Index(Some(n)) => write!(f, "[{n}]")?,
                Step::Index(None) => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
    Exists,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "IN",
            Op::Like => "LIKE",
            Op::Matches => "MATCHES",
            Op::IsSubset => "ISSUBSET",
            Op::IsSuperset => "ISSUPERSET",
            Op::Exists => "EXISTS",
        })
    }
}

/// `path [NOT] op value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    pub path: ObjectPath,
    pub negated: bool,
    pub op: Op,
    /// Empty for EXISTS; several for IN.
    pub values: Vec<Literal>,
}

/// What is inside one pair of square brackets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Comparisons {
    Test(Comparison),
    And(Vec<Comparisons>),
    Or(Vec<Comparisons>),
}

/// Observation expressions: bracketed comparisons joined in time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Observations {
    /// `[ ... ]`, or a parenthesised group, with any qualifiers that follow it.
    Unit {
        inner: Box<UnitInner>,
        qualifiers: Vec<&'static str>,
    },
    And(Vec<Observations>),
    Or(Vec<Observations>),
    FollowedBy(Vec<Observations>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UnitInner {
    Bracket(Comparisons),
    Group(Observations),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Op(Op),
    /// A keyword, upper-cased.
    Keyword(&'static str),
    Path(ObjectPath),
    Literal(Literal),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    column: usize,
}

const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "WITHIN",
    "SECONDS",
    "REPEATS",
    "TIMES",
    "START",
    "STOP",
    "LIKE",
    "MATCHES",
    "ISSUBSET",
    "ISSUPERSET",
    "IN",
    "EXISTS",
];

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn new(text: &str) -> Self {
        Lexer {
            chars: text.chars().collect(),
            at: 0,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn error<T>(&self, column: usize, message: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError {
            column,
            message: message.into(),
        })
    }

    fn tokens(mut self) -> Result<Vec<Token>, PatternError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            let column = self.at + 1;
            if c.is_whitespace() {
                self.at += 1;
                continue;
            }
            let tok = match c {
                '[' => self.single(Tok::LBracket),
                ']' => self.single(Tok::RBracket),
                '(' => self.single(Tok::LParen),
                ')' => self.single(Tok::RParen),
                ',' => self.single(Tok::Comma),
                '=' => self.single(Tok::Op(Op::Eq)),
                '!' | '<' | '>' => self.comparison_operator(column)?,
                '\'' => Tok::Literal(Literal::Str(self.quoted(column)?)),
                't' | 'h' | 'b' if self.peek(1) == Some('\'') => {
                    self.at += 1;
                    let body = self.quoted(column)?;
                    Tok::Literal(match c {
                        't' => Literal::Timestamp(body),
                        'h' => Literal::Hex(body),
                        _ => Literal::Binary(body),
                    })
                }
                '-' | '+' | '0'..='9' => self.number(column)?,
                c if c.is_ascii_alphabetic() || c == '_' => self.word(column)?,
                other => return self.error(column, format!("unexpected character {other:?}")),
            };
            out.push(Token { tok, column });
        }
        Ok(out)
    }

    fn single(&mut self, tok: Tok) -> Tok {
        self.at += 1;
        tok
    }

    fn comparison_operator(&mut self, column: usize) -> Result<Tok, PatternError> {
        let first = self.peek(0).unwrap_or_default();
        let eq = self.peek(1) == Some('=');
        let op = match (first, eq) {
            ('!', true) => Op::Ne,
            ('<', true) => Op::Le,
            ('>', true) => Op::Ge,
            ('<', false) => Op::Lt,
            ('>', false) => Op::Gt,
            _ => return self.error(column, "expected != after !"),
        };
        self.at += if eq { 2 } else { 1 };
        Ok(Tok::Op(op))
    }

    /// A single-quoted string, with `\'` and `\\` escapes; the lexer stands on the quote.
    fn quoted(&mut self, column: usize) -> Result<String, PatternError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            match self.peek(0) {
                None => return self.error(column, "the string is not closed with '"),
                Some('\'') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some('\\') => match self.peek(1) {
                    Some(c @ ('\'' | '\\')) => {
                        out.push(c);
                        self.at += 2;
                    }
                    _ => {
                        return self
                            .error(self.at + 1, "only \\' and \\\\ may be escaped in a string")
                    }
                },
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn number(&mut self, column: usize) -> Result<Tok, PatternError> {
        let start = self.at;
        if matches!(self.peek(0), Some('-' | '+')) {
            self.at += 1;
        }
        while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '.') {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Tok::Literal(Literal::Int(n)));
        }
        match text.parse::<f64>() {
            Ok(f) => Ok(Tok::Literal(Literal::Float(f))),
            Err(_) => self.error(column, format!("{text:?} is not a number")),
        }
    }

    /// A keyword, a boolean, or an object path (a word followed by a colon).
    fn word(&mut self, column: usize) -> Result<Tok, PatternError> {
        let start = self.at;
        while self
            .peek(0)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.at += 1;
        }
        let word: String = self.chars[start..self.at].iter().collect();
        if self.peek(0) == Some(':') {
            self.at += 1;
            return self.property_path(word, column).map(Tok::Path);
        }
        let upper = word.to_ascii_uppercase();
        if let Some(keyword) = KEYWORDS.iter().find(|k| **k == upper) {
            return Ok(Tok::Keyword(keyword));
        }
        match word.as_str() {
            "true" => Ok(Tok::Literal(Literal::Bool(true))),
            "false" => Ok(Tok::Literal(Literal::Bool(false))),
            _ => self.error(
                column,
                format!("unexpected word {word:?}; an object path is written type:property"),
            ),
        }
    }

    fn property_path(&mut self, object: String, column: usize) -> Result<ObjectPath, PatternError> {
        let mut steps = vec![Step::Property(self.property_name(column)?)];
        loop {
            match self.peek(0) {
                Some('.') => {
                    self.at += 1;
                    steps.push(Step::Property(self.property_name(column)?));
                }
                Some('[') => {
                    let at = self.at + 1;
                    self.at += 1;
                    let start = self.at;
                    while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '*') {
                        self.at += 1;
                    }
                    let index: String = self.chars[start..self.at].iter().collect();
                    if self.peek(0) != Some(']') {
                        return self.error(at, "expected ] after a list index");
                    }
                    self.at += 1;
                    let step = match index.as_str() {
                        "*" => Step::Index(None),
                        digits => match digits.parse() {
                            Ok(n) => Step::Index(Some(n)),
                            Err(_) => return self.error(at, "a list index is a number or *"),
                        },
                    };
                    steps.push(step);
                }
                _ => return Ok(ObjectPath { object, steps }),
            }
        }
    }

    fn property_name(&mut self, column: usize) -> Result<String, PatternError> {
        if self.peek(0) == Some('\'') {
            return self.quoted(self.at + 1);
        }
        let start = self.at;
        while self
            .peek(0)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.at += 1;
        }
        if start == self.at {
            return self.error(column, "the object path has an empty property name");
        }
        Ok(self.chars[start..self.at].iter().collect())
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    /// The column just past the end, for errors at the end of the pattern.
    end: usize,
}

/// Parses a whole pattern.
pub(crate) fn parse(pattern: &str) -> Result<Observations, PatternError> {
    let tokens = Lexer::new(pattern).tokens()?;
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
        end: pattern.chars().count() + 1,
    };
    let expr = parser.observations()?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some(t) => Err(PatternError {
            column: t.column,
            message: "unexpected text after the pattern".into(),
        }),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn column(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.column)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn keyword(&mut self, word: &str) -> bool {
        if self.peek() == Some(&Tok::Keyword(keyword_of(word))) {
            self.at += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), PatternError> {
        if self.peek() == Some(&tok) {
            self.at += 1;
            Ok(())
        } else {
            self.error(format!("expected {what}"))
        }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(format!("the pattern nests deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    /// Observations joined by FOLLOWEDBY, then OR, then AND, tightest last.
    fn observations(&mut self) -> Result<Observations, PatternError> {
        self.enter()?;
        let result = self.joined_observations(0);
        self.depth -= 1;
        result
    }

    fn joined_observations(&mut self, level: usize) -> Result<Observations, PatternError> {
        const LEVELS: [&str; 3] = ["FOLLOWEDBY", "OR", "AND"];
        let Some(word) = LEVELS.get(level) else {
            return self.observation_unit();
        };
        let mut items = vec![self.joined_observations(level + 1)?];
        while self.keyword(word) {
            items.push(self.joined_observations(level + 1)?);
        }
        if items.len() == 1 {
            return Ok(items.pop().expect("one item"));
        }
        Ok(match level {
            0 => Observations::FollowedBy(items),
            1 => Observations::Or(items),
            _ => Observations::And(items),
        })
    }

    fn observation_unit(&mut self) -> Result<Observations, PatternError> {
        let inner = match self.peek() {
            Some(Tok::LBracket) => {
                self.at += 1;
                let comparisons = self.comparisons()?;
                self.expect(Tok::RBracket, "] to close the observation")?;
                UnitInner::Bracket(comparisons)
            }
            Some(Tok::LParen) => {
                self.at += 1;
                let group = self.observations()?;
                self.expect(Tok::RParen, ") to close the group")?;
                UnitInner::Group(group)
            }
            _ => return self.error("expected [ to open an observation"),
        };
        let mut qualifiers = Vec::new();
        loop {
            if self.keyword("WITHIN") {
                self.number_literal("WITHIN")?;
                if !self.keyword("SECONDS") {
                    return self.error("expected SECONDS after WITHIN and a number");
                }
                qualifiers.push("WITHIN");
            } else if self.keyword("REPEATS") {
                self.number_literal("REPEATS")?;
                if !self.keyword("TIMES") {
                    return self.error("expected TIMES after REPEATS and a number");
                }
                qualifiers.push("REPEATS");
            } else if self.keyword("START") {
                self.timestamp_literal("START")?;
                if !self.keyword("STOP") {
                    return self.error("expected STOP after START and a timestamp");
                }
                self.timestamp_literal("STOP")?;
                qualifiers.push("START/STOP");
            } else {
                break;
            }
        }
        Ok(Observations::Unit {
            inner: Box::new(inner),
            qualifiers,
        })
    }

    fn number_literal(&mut self, after: &str) -> Result<(), PatternError> {
        match self.peek() {
            Some(Tok::Literal(Literal::Int(_) | Literal::Float(_))) => {
                self.at += 1;
                Ok(())
            }
            _ => self.error(format!("expected a number after {after}")),
        }
    }

    fn timestamp_literal(&mut self, after: &str) -> Result<(), PatternError> {
        match self.peek() {
            Some(Tok::Literal(Literal::Timestamp(_))) => {
                self.at += 1;
                Ok(())
            }
            _ => self.error(format!("expected a t'...' timestamp after {after}")),
        }
    }

    /// Comparisons joined by OR, then AND.
    fn comparisons(&mut self) -> Result<Comparisons, PatternError> {
        self.enter()?;
        let result = self.comparison_or();
        self.depth -= 1;
        result
    }

    fn comparison_or(&mut self) -> Result<Comparisons, PatternError> {
        let mut items = vec![self.comparison_and()?];
        while self.keyword("OR") {
            items.push(self.comparison_and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Comparisons::Or(items)
        })
    }

    fn comparison_and(&mut self) -> Result<Comparisons, PatternError> {
        let mut items = vec![self.comparison_unit()?];
        while self.keyword("AND") {
            items.push(self.comparison_unit()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Comparisons::And(items)
        })
    }

    fn comparison_unit(&mut self) -> Result<Comparisons, PatternError> {
        if self.peek() == Some(&Tok::LParen) {
            self.at += 1;
            let inner = self.comparisons()?;
            self.expect(Tok::RParen, ") to close the parenthesised comparison")?;
            return Ok(inner);
        }
        if self.keyword("EXISTS") {
            let path = self.path()?;
            return Ok(Comparisons::Test(Comparison {
                path,
                negated: false,
                op: Op::Exists,
                values: Vec::new(),
            }));
        }
        let path = self.path()?;
        let negated = self.keyword("NOT");
        let op = match self.peek().cloned() {
            Some(Tok::Op(op)) => op,
            Some(Tok::Keyword(k)) => match k {
                "IN" => Op::In,
                "LIKE" => Op::Like,
                "MATCHES" => Op::Matches,
                "ISSUBSET" => Op::IsSubset,
                "ISSUPERSET" => Op::IsSuperset,
                _ => return self.error(format!("expected a comparison operator, found {k}")),
            },
            _ => return self.error("expected a comparison operator such as ="),
        };
        self.at += 1;
        let values = if op == Op::In {
            self.set_literal()?
        } else {
            vec![self.literal()?]
        };
        Ok(Comparisons::Test(Comparison {
            path,
            negated,
            op,
            values,
        }))
    }

    fn path(&mut self) -> Result<ObjectPath, PatternError> {
        match self.peek().cloned() {
            Some(Tok::Path(path)) => {
                self.at += 1;
                Ok(path)
            }
            _ => self.error("expected an object path such as ipv4-addr:value"),
        }
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        match self.peek().cloned() {
            Some(Tok::Literal(literal)) => {
                self.at += 1;
                Ok(literal)
            }
            _ => self.error("expected a value such as 'text' or 42"),
        }
    }

    fn set_literal(&mut self) -> Result<Vec<Literal>, PatternError> {
        self.expect(Tok::LParen, "( to open the IN set")?;
        let mut values = vec![self.literal()?];
        while self.peek() == Some(&Tok::Comma) {
            self.at += 1;
            values.push(self.literal()?);
        }
        self.expect(Tok::RParen, ") to close the IN set")?;
        Ok(values)
    }
}

fn keyword_of(word: &str) -> &'static str {
    KEYWORDS.iter().find(|k| **k == word).copied().unwrap_or("")
}

/// One value the pattern matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// The comparison's path as written, `domain-name:value`, the record's declared type.
    pub path: String,
    /// The value as the pattern gives it, with escapes undone.
    pub value: String,
    pub hint: KindHint,
}

/// The values a pattern matches, any one of which is enough; or why it cannot be reduced to
/// such a list.
pub(crate) fn terms(pattern: &Observations) -> Result<Vec<Term>, String> {
    let mut out = Vec::new();
    observation_terms(pattern, &mut out)?;
    Ok(out)
}

fn observation_terms(expr: &Observations, out: &mut Vec<Term>) -> Result<(), String> {
    match expr {
        Observations::Unit { inner, qualifiers } => {
            if let Some(q) = qualifiers.first() {
                return Err(format!(
                    "uses the {q} qualifier, which constrains when events happen"
                ));
            }
            match inner.as_ref() {
                UnitInner::Bracket(c) => comparison_terms(c, out),
                UnitInner::Group(g) => observation_terms(g, out),
            }
        }
        Observations::Or(items) => items.iter().try_for_each(|e| observation_terms(e, out)),
        Observations::And(_) => {
            Err("joins observations with AND, which needs several events correlated".into())
        }
        Observations::FollowedBy(_) => {
            Err("uses FOLLOWEDBY, which needs events ordered in time".into())
        }
    }
}

fn comparison_terms(expr: &Comparisons, out: &mut Vec<Term>) -> Result<(), String> {
    match expr {
        Comparisons::Test(test) => {
            out.push(single_term(test)?);
            Ok(())
        }
        Comparisons::Or(items) => items.iter().try_for_each(|c| comparison_terms(c, out)),
        Comparisons::And(items) => match connection_term(items) {
            Some(term) => {
                out.push(term);
                Ok(())
            }
            None => Err("joins comparisons with AND; the only conjunction read is \
                         network-traffic:dst_ref.value AND network-traffic:dst_port"
                .into()),
        },
    }
}

/// The paths that name one value each, and the kind of that value. An address path holds a
/// range as well (`198.51.100.0/24`), which the `Ip` hint reads as one.
fn kind_of_path(key: &str) -> Option<KindHint> {
    let hint = match key {
        "ipv4-addr:value" | "ipv6-addr:value" | "network-traffic:dst_ref.value" => KindHint::Ip,
        "domain-name:value" => IndicatorKind::Domain.into(),
        "url:value" => IndicatorKind::Url.into(),
        "email-addr:value" => IndicatorKind::Email.into(),
        "file:hashes.md5" => IndicatorKind::Md5.into(),
        "file:hashes.sha-1" | "file:hashes.sha1" => IndicatorKind::Sha1.into(),
        "file:hashes.sha-256" | "file:hashes.sha256" => IndicatorKind::Sha256.into(),
        _ => return None,
    };
    Some(hint)
}

fn single_term(test: &Comparison) -> Result<Term, String> {
    check_equality(test)?;
    let path = test.path.to_string();
    if test.path.key() == "network-traffic:dst_port" {
        return Err(format!(
            "compares {path} on its own; a port is read only together with an address \
             (network-traffic:dst_ref.value = '...' AND network-traffic:dst_port = n)"
        ));
    }
    let value = match test.values.as_slice() {
        [Literal::Str(s)] => s.clone(),
        _ => {
            return Err(format!(
                "compares {path} with something other than a string"
            ))
        }
    };
    let hint = kind_of_path(&test.path.key())
        .ok_or_else(|| format!("compares {path}, which ioc-emit cannot hunt"))?;
    Ok(Term { path, value, hint })
}

fn check_equality(test: &Comparison) -> Result<(), String> {
    if test.negated {
        return Err(format!("negates a comparison of {} with NOT", test.path));
    }
    if test.op != Op::Eq {
        return Err(format!(
            "compares {} with {}; only = is read",
            test.path, test.op
        ));
    }
    Ok(())
}

/// `network-traffic:dst_ref.value = 'ip' AND network-traffic:dst_port = n`, in any order,
/// optionally with `dst_ref.type` naming the address family: the address and port together.
fn connection_term(items: &[Comparisons]) -> Option<Term> {
    let mut address = None;
    let mut port = None;
    for item in items {
        let Comparisons::Test(test) = item else {
            return None;
        };
        if check_equality(test).is_err() {
            return None;
        }
        match (test.path.key().as_str(), test.values.as_slice()) {
            ("network-traffic:dst_ref.value", [Literal::Str(ip)]) if address.is_none() => {
                address = Some(ip.clone())
            }
            ("network-traffic:dst_port", [Literal::Int(n)]) if port.is_none() => port = Some(*n),
            ("network-traffic:dst_ref.type", [Literal::Str(t)])
                if t == "ipv4-addr" || t == "ipv6-addr" => {}
            _ => return None,
        }
    }
    let ip = address?;
    let path = "network-traffic:dst_ref.value".to_string();
    Some(match port {
        Some(port) => Term {
            path: format!("{path}+dst_port"),
            value: if ip.contains(':') {
                format!("[{ip}]:{port}")
            } else {
                format!("{ip}:{port}")
            },
            hint: IndicatorKind::IpPort.into(),
        },
        None => Term {
            hint: kind_of_path(&path)?,
            path,
            value: ip,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pattern: &str) -> Result<Vec<(String, String)>, String> {
        let parsed = parse(pattern).map_err(|e| format!("syntax: {e}"))?;
        Ok(terms(&parsed)?
            .into_iter()
            .map(|t| (t.path, t.value))
            .collect())
    }

    #[test]
    fn disjunctions_of_equalities_are_read() {
        let got = values(
            "[domain-name:value = 'c2.example.com' OR ipv4-addr:value = '198.51.100.7'] \
             OR [file:hashes.'SHA-256' = 'ab\\'c'] OR ([url:value='https://example.org/a'])",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                (
                    "domain-name:value".to_string(),
                    "c2.example.com".to_string()
                ),
                ("ipv4-addr:value".to_string(), "198.51.100.7".to_string()),
                ("file:hashes.'SHA-256'".to_string(), "ab'c".to_string()),
                ("url:value".to_string(), "https://example.org/a".to_string()),
            ]
        );
        assert!(values("[file:hashes.MD5 = 'x' OR file:hashes.'SHA-1' = 'y']").is_ok());
        assert!(values("[email-addr:value = 'a@example.org']").is_ok());
    }

    #[test]
    fn destination_address_and_port_make_ip_port() {
        let got = values(
            "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.type = 'ipv6-addr' \
             AND network-traffic:dst_ref.value = '2001:db8::5']",
        )
        .unwrap();
        assert_eq!(got[0].1, "[2001:db8::5]:443");
        let got = values("[network-traffic:dst_ref.value = '203.0.113.8']").unwrap();
        assert_eq!(got[0].1, "203.0.113.8");
    }

    #[test]
    fn everything_else_is_refused_for_what_it_is() {
        let why = |p: &str| values(p).unwrap_err();
        assert!(
            why("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.example']")
                .contains("joins observations with AND")
        );
        assert!(
            why("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [url:value = 'http://a.example']")
                .contains("FOLLOWEDBY")
        );
        assert!(why("[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS").contains("WITHIN"));
        assert!(why(
            "[ipv4-addr:value = '1.2.3.4'] START t'2026-01-01T00:00:00Z' \
             STOP t'2026-02-01T00:00:00Z'"
        )
        .contains("START/STOP"));
        assert!(why("[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES").contains("REPEATS"));
        assert!(why("[domain-name:value LIKE '%.example']").contains("only = is read"));
        assert!(why("[ipv4-addr:value != '1.2.3.4']").contains("!="));
        assert!(why("[ipv4-addr:value NOT = '1.2.3.4']").contains("NOT"));
        assert!(why("[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]").contains("IN"));
        assert!(why("[process:name = 'evil.exe']").contains("cannot hunt"));
        assert!(why("[file:name = 'a' AND file:size = 3]").contains("AND"));
        assert!(why("[file:hashes.'SHA-512' = 'ab']").contains("cannot hunt"));
        assert!(why("[file:name = 'CBricksDoc']").contains("compares file:name"));
        // A port ORed with an address is not an indicator; it is read only ANDed with one.
        assert!(why(
            "[network-traffic:dst_ref.value = '203.0.113.142' OR network-traffic:dst_port = 22]"
        )
        .contains("compares network-traffic:dst_port on its own"));
    }

    #[test]
    fn syntax_errors_name_the_column() {
        let err = |p: &str| parse(p).unwrap_err().to_string();
        assert_eq!(
            err("[ipv4-addr:value = '1.2.3.4'"),
            "column 29: expected ] to close the observation"
        );
        assert_eq!(
            err("[ipv4-addr:value = '1.2.3.4"),
            "column 20: the string is not closed with '"
        );
        assert!(err("ipv4-addr:value = '1.2.3.4'").contains("expected [ to open"));
        assert!(err("[ipv4-addr:value ~ '1']").contains("column 18"));
        assert!(err("[value = '1']").contains("unexpected word"));
        assert!(err("").contains("column 1"));
        let deep = format!(
            "{}[ipv4-addr:value = '1.2.3.4']{}",
            "(".repeat(200),
            ")".repeat(200)
        );
        assert!(err(&deep).contains("nests deeper"));
    }
}
