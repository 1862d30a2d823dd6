//! An ES|QL reader for the subset the backend emits, written from Elastic's grammar, not from the
//! backend's code: a lexer, a parser, and an evaluator that runs a query over a few events.
//!
//! Rules followed, from the ES|QL syntax reference and its lexer grammar (`EsqlBaseLexer`):
//! - A string literal is `"..."` in which a backslash may only precede `t`, `n`, `r`, `"` or
//!   a backslash (any other escape, and a raw line break, is a lexing error); or `"""..."""`,
//!   which has no escapes and may not hold a line break.
//! - `//` comments run to the end of the line; `/* */` comments nest. Neither exists inside a
//!   string literal.
//! - Keywords ignore case. Unquoted identifiers start with a letter, or with `_` or `@` followed
//!   by at least one letter, digit or `_`; dotted names are identifiers joined by `.`; backquoted
//!   identifiers double a backquote to escape it.
//! - After `FROM`, index patterns are read as unquoted sources up to a comma, space or pipe;
//!   after `KEEP`, names may hold `*`.
//! - `LIKE` patterns: `*` is any run, `?` one character, and a backslash escapes `*`, `?` or a
//!   backslash only ("LIKE" in the operators reference).
//!
//! The evaluator follows the three-valued logic of ES|QL: a comparison with null is null, `NOT`
//! of null is null, `WHERE` keeps a row only when its condition is true.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::IpAddr;

use ioc_conformance::LiteralDecoder;

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Str(String),
    Int(i64),
    Ident(String),
    /// An index pattern after `FROM`.
    Source(String),
    /// A name or name pattern after `KEEP`.
    Pattern(String),
    Punct(&'static str),
}

impl Tok {
    fn is_keyword(&self, word: &str) -> bool {
        matches!(self, Tok::Ident(w) if w.eq_ignore_ascii_case(word))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Command,
    Expression,
    From,
    Project,
}

const PUNCTS: &[&str] = &[
    "==", "!=", "=~", "<=", ">=", "::", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")", ",", ".",
    "[", "]",
];

pub fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut mode = Mode::Command;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
            i += 1;
            continue;
        }
        if c == '/' && at(i + 1) == Some('/') {
            while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == Some('*') {
            i = skip_block_comment(&chars, i)?;
            continue;
        }
        if c == '|' {
            tokens.push(Tok::Punct("|"));
            mode = Mode::Command;
            i += 1;
            continue;
        }
        match mode {
            Mode::Command => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphabetic() || chars[i] == '_') {
                    i += 1;
                }
                if start == i {
                    return Err(format!("expected a command at character {start}"));
                }
                let word: String = chars[start..i].iter().collect();
                mode = match word.to_ascii_lowercase().as_str() {
                    "from" => Mode::From,
                    "keep" | "drop" => Mode::Project,
                    "where" | "eval" | "sort" | "limit" | "stats" | "row" => Mode::Expression,
                    other => return Err(format!("unknown command {other:?}")),
                };
                tokens.push(Tok::Ident(word));
            }
            Mode::From => {
                if c == ',' || c == ':' {
                    tokens.push(Tok::Punct(if c == ',' { "," } else { ":" }));
                    i += 1;
                    continue;
                }
                if c == '"' {
                    let (s, next) = string_literal(&chars, i)?;
                    tokens.push(Tok::Str(s));
                    i = next;
                    continue;
                }
                let start = i;
                while i < chars.len() {
                    let d = chars[i];
                    let stop = ":\"=|,[]() \t\r\n".contains(d)
                        || (d == '/' && matches!(at(i + 1), Some('/' | '*')));
                    if stop {
                        break;
                    }
                    i += 1;
                }
                if start == i {
                    return Err(format!("unexpected {c:?} after FROM"));
                }
                tokens.push(Tok::Source(chars[start..i].iter().collect()));
            }
            Mode::Project => {
                if c == ',' {
                    tokens.push(Tok::Punct(","));
                    i += 1;
                    continue;
                }
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || "_@*.".contains(chars[i]))
                {
                    i += 1;
                }
                if start == i {
                    return Err(format!("unexpected {c:?} after KEEP"));
                }
                tokens.push(Tok::Pattern(chars[start..i].iter().collect()));
            }
            Mode::Expression => {
                if c == '"' {
                    let (s, next) = string_literal(&chars, i)?;
                    tokens.push(Tok::Str(s));
                    i = next;
                } else if c.is_ascii_digit() {
                    let start = i;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    let digits: String = chars[start..i].iter().collect();
                    let n = digits.parse().map_err(|_| format!("bad number {digits}"))?;
                    tokens.push(Tok::Int(n));
                } else if c.is_ascii_alphabetic() || c == '_' || c == '@' {
                    let start = i;
                    i += 1;
                    while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                    if (c == '_' || c == '@') && i == start + 1 {
                        return Err(format!("a lone {c:?} is not an identifier"));
                    }
                    tokens.push(Tok::Ident(chars[start..i].iter().collect()));
                } else if c == '`' {
                    let mut name = String::new();
                    i += 1;
                    loop {
                        match at(i) {
                            Some('`') if at(i + 1) == Some('`') => {
                                name.push('`');
                                i += 2;
                            }
                            Some('`') => {
                                i += 1;
                                break;
                            }
                            Some(d) => {
                                name.push(d);
                                i += 1;
                            }
                            None => return Err("an unclosed backquoted identifier".into()),
                        }
                    }
                    tokens.push(Tok::Ident(name));
                } else {
                    let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
                    let punct = PUNCTS
                        .iter()
                        .find(|p| rest.starts_with(**p))
                        .ok_or_else(|| format!("unexpected {c:?} at character {i}"))?;
                    tokens.push(Tok::Punct(punct));
                    i += punct.len();
                }
            }
        }
    }
    Ok(tokens)
}

fn skip_block_comment(chars: &[char], start: usize) -> Result<usize, String> {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < chars.len() {
        if chars[i] == '/' && chars[i + 1] == '*' {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars[i + 1] == '/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
    Err(format!("an unclosed /* comment at character {start}"))
}

/// Decodes the string literal starting at `start`; returns it and the index after it.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let triple = chars.get(start..start + 3) == Some(&['"', '"', '"']);
    if triple {
        let mut i = start + 3;
        let mut out = String::new();
        while i < chars.len() {
            if chars.get(i..i + 3) == Some(&['"', '"', '"']) {
                i += 3;
                // Up to two more quotes belong to the literal's end.
                let mut extra = 0;
                while extra < 2 && chars.get(i) == Some(&'"') {
                    out.push('"');
                    i += 1;
                    extra += 1;
                }
                return Ok((out, i));
            }
            if chars[i] == '\n' || chars[i] == '\r' {
                return Err(format!("a line break in the literal at character {start}"));
            }
            out.push(chars[i]);
            i += 1;
        }
        return Err(format!("an unclosed \"\"\" literal at character {start}"));
    }
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok((out, i + 1)),
            '\\' => {
                let escaped = match chars.get(i + 1) {
                    Some('t') => '\t',
                    Some('n') => '\n',
                    Some('r') => '\r',
                    Some('"') => '"',
                    Some('\\') => '\\',
                    other => {
                        return Err(format!(
                            "the escape \\{} at character {i} is not ES|QL",
                            other.map_or(String::new(), |c| c.to_string())
                        ))
                    }
                };
                out.push(escaped);
                i += 2;
            }
            '\n' | '\r' => return Err(format!("a line break in the literal at character {start}")),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(format!("an unclosed literal at character {start}"))
}

/// The literal text runs of a `LIKE` pattern, split at its wildcards.
pub fn like_runs(pattern: &str) -> Result<Vec<String>, String> {
    let mut runs = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('*' | '?' | '\\')) => runs.last_mut().unwrap().push(e),
                other => return Err(format!("LIKE pattern {pattern:?}: bad escape {other:?}")),
            },
            '*' | '?' => runs.push(String::new()),
            c => runs.last_mut().unwrap().push(c),
        }
    }
    runs.retain(|r| !r.is_empty());
    Ok(runs)
}

// ---------------------------------------------------------------------------------------------
// Parser

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(&'static str, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>, bool),
    Like(Box<Expr>, String, bool),
    RLike(Box<Expr>, String, bool),
    IsNull(Box<Expr>, bool),
    Call(String, Vec<Expr>),
    Field(String),
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    /// A time span in seconds.
    Span(i64),
    Arith(&'static str, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Where(Expr),
    Eval(Vec<(String, Expr)>),
    Keep(Vec<String>),
    Sort(Vec<(Expr, bool)>),
    Limit(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub from: Vec<String>,
    pub commands: Vec<Command>,
}

pub fn parse(text: &str) -> Result<Query, String> {
    let tokens = lex(text)?;
    let mut p = Parser { t: &tokens, pos: 0 };
    let query = p.query()?;
    if p.pos != tokens.len() {
        return Err(format!("unexpected {:?}", tokens[p.pos]));
    }
    Ok(query)
}

struct Parser<'t> {
    t: &'t [Tok],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.pos)
    }

    fn next(&mut self) -> Result<Tok, String> {
        let tok = self.t.get(self.pos).cloned().ok_or("unexpected end")?;
        self.pos += 1;
        Ok(tok)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.pos += 1;
            return true;
        }
        false
    }

    fn expect_punct(&mut self, p: &str) -> Result<(), String> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(format!("expected {p:?}, found {:?}", self.peek()))
        }
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_keyword(word)) {
            self.pos += 1;
            return true;
        }
        false
    }

    fn query(&mut self) -> Result<Query, String> {
        if !self.eat_keyword("from") {
            return Err("a query starts with FROM".into());
        }
        let mut from = Vec::new();
        loop {
            let mut source = String::new();
            loop {
                match self.next()? {
                    Tok::Source(s) => source.push_str(&s),
                    other => return Err(format!("expected an index pattern, found {other:?}")),
                }
                // A remote cluster prefix: `cluster:index`.
                if !self.eat_punct(":") {
                    break;
                }
                source.push(':');
            }
            from.push(source);
            if !self.eat_punct(",") {
                break;
            }
        }
        let mut commands = Vec::new();
        while self.eat_punct("|") {
            commands.push(self.command()?);
        }
        Ok(Query { from, commands })
    }

    fn command(&mut self) -> Result<Command, String> {
        let Tok::Ident(word) = self.next()? else {
            return Err("expected a command".into());
        };
        match word.to_ascii_lowercase().as_str() {
            "where" => Ok(Command::Where(self.or_expr()?)),
            "eval" => {
                let mut fields = Vec::new();
                loop {
                    let name = self.qualified_name()?;
                    self.expect_punct("=")?;
                    fields.push((name, self.or_expr()?));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                Ok(Command::Eval(fields))
            }
            "keep" => {
                let mut names = Vec::new();
                loop {
                    match self.next()? {
                        Tok::Pattern(p) => names.push(p),
                        other => {
                            return Err(format!("expected a name after KEEP, found {other:?}"))
                        }
                    }
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                Ok(Command::Keep(names))
            }
            "sort" => {
                let mut keys = Vec::new();
                loop {
                    let key = self.or_expr()?;
                    let desc = self.eat_keyword("desc");
                    if !desc {
                        self.eat_keyword("asc");
                    }
                    keys.push((key, desc));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                Ok(Command::Sort(keys))
            }
            "limit" => match self.next()? {
                Tok::Int(n) => Ok(Command::Limit(n)),
                other => Err(format!("LIMIT takes a number, not {other:?}")),
            },
            other => Err(format!("the command {other} is outside the subset")),
        }
    }

    fn qualified_name(&mut self) -> Result<String, String> {
        let mut parts = Vec::new();
        loop {
            match self.next()? {
                Tok::Ident(name) => parts.push(name),
                other => return Err(format!("expected a name, found {other:?}")),
            }
            if !self.eat_punct(".") {
                return Ok(parts.join("."));
            }
        }
    }

    fn or_expr(&mut self) -> Result<Expr, String> {
        let mut left = self.and_expr()?;
        while self.eat_keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and_expr()?));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, String> {
        let mut left = self.not_expr()?;
        while self.eat_keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.not_expr()?));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, String> {
        if self.eat_keyword("not") {
            return Ok(Expr::Not(Box::new(self.not_expr()?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, String> {
        let value = self.comparison()?;
        let negated = self.eat_keyword("not");
        if self.eat_keyword("in") {
            self.expect_punct("(")?;
            let mut list = vec![self.additive()?];
            while self.eat_punct(",") {
                list.push(self.additive()?);
            }
            self.expect_punct(")")?;
            return Ok(Expr::In(Box::new(value), list, negated));
        }
        for kind in ["like", "rlike"] {
            if self.eat_keyword(kind) {
                let Tok::Str(pattern) = self.next()? else {
                    return Err(format!("{kind} takes a string literal"));
                };
                return Ok(if kind == "like" {
                    like_runs(&pattern)?;
                    Expr::Like(Box::new(value), pattern, negated)
                } else {
                    Expr::RLike(Box::new(value), pattern, negated)
                });
            }
        }
        if negated {
            return Err("NOT must be followed by IN, LIKE or RLIKE here".into());
        }
        if self.eat_keyword("is") {
            let not = self.eat_keyword("not");
            if !self.eat_keyword("null") {
                return Err("expected NULL after IS".into());
            }
            return Ok(Expr::IsNull(Box::new(value), not));
        }
        Ok(value)
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.additive()?;
        for op in ["==", "!=", "=~", "<=", ">=", "<", ">"] {
            if self.eat_punct(op) {
                let op = PUNCTS.iter().find(|p| **p == op).unwrap();
                return Ok(Expr::Cmp(op, Box::new(left), Box::new(self.additive()?)));
            }
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, String> {
        let mut left = self.primary()?;
        loop {
            let op = if self.eat_punct("+") {
                "+"
            } else if self.eat_punct("-") {
                "-"
            } else {
                return Ok(left);
            };
            left = Expr::Arith(op, Box::new(left), Box::new(self.primary()?));
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next()? {
            Tok::Punct("(") => {
                let inner = self.or_expr()?;
                self.expect_punct(")")?;
                Ok(inner)
            }
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Int(n) => {
                // A number followed by a unit is a time span ("Timespan literals").
                if let Some(Tok::Ident(unit)) = self.peek() {
                    let seconds = match unit.to_ascii_lowercase().trim_end_matches('s') {
                        "minute" => 60,
                        "hour" => 3600,
                        "day" => 86_400,
                        _ => return Ok(Expr::Int(n)),
                    };
                    self.pos += 1;
                    return Ok(Expr::Span(n * seconds));
                }
                Ok(Expr::Int(n))
            }
            Tok::Ident(word) => {
                match word.to_ascii_lowercase().as_str() {
                    "true" => return Ok(Expr::Bool(true)),
                    "false" => return Ok(Expr::Bool(false)),
                    "null" => return Ok(Expr::Null),
                    _ => {}
                }
                if self.eat_punct("(") {
                    let mut args = Vec::new();
                    if !self.eat_punct(")") {
                        loop {
                            args.push(self.or_expr()?);
                            if !self.eat_punct(",") {
                                break;
                            }
                        }
                        self.expect_punct(")")?;
                    }
                    return Ok(Expr::Call(word.to_ascii_uppercase(), args));
                }
                self.pos -= 1;
                Ok(Expr::Field(self.qualified_name()?))
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluator

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Ip(IpAddr),
    /// Seconds since the epoch.
    Time(i64),
    Span(i64),
}

pub type Row = BTreeMap<String, Val>;

/// The time `NOW()` returns.
pub const NOW: i64 = 1_800_000_000;

pub fn eval(expr: &Expr, row: &Row) -> Result<Val, String> {
    use Val::*;
    Ok(match expr {
        Expr::Or(a, b) => match (eval(a, row)?, eval(b, row)?) {
            (Bool(true), _) | (_, Bool(true)) => Bool(true),
            (Bool(false), Bool(false)) => Bool(false),
            (Null | Bool(_), Null | Bool(_)) => Null,
            other => return Err(format!("OR of {other:?}")),
        },
        Expr::And(a, b) => match (eval(a, row)?, eval(b, row)?) {
            (Bool(false), _) | (_, Bool(false)) => Bool(false),
            (Bool(true), Bool(true)) => Bool(true),
            (Null | Bool(_), Null | Bool(_)) => Null,
            other => return Err(format!("AND of {other:?}")),
        },
        Expr::Not(a) => match eval(a, row)? {
            Bool(b) => Bool(!b),
            Null => Null,
            other => return Err(format!("NOT of {other:?}")),
        },
        Expr::Cmp(op, a, b) => match compare(&eval(a, row)?, &eval(b, row)?)? {
            None => Null,
            Some(ordering) => Bool(match *op {
                "==" => ordering.is_eq(),
                "!=" => ordering.is_ne(),
                "<" => ordering.is_lt(),
                "<=" => ordering.is_le(),
                ">" => ordering.is_gt(),
                ">=" => ordering.is_ge(),
                other => return Err(format!("operator {other} is outside the subset")),
            }),
        },
        Expr::In(value, list, negated) => {
            let v = eval(value, row)?;
            let mut saw_null = false;
            let mut hit = false;
            for item in list {
                match compare(&v, &eval(item, row)?)? {
                    Some(ordering) => hit |= ordering.is_eq(),
                    None => saw_null = true,
                }
            }
            match (hit, saw_null) {
                (true, _) => Bool(!negated),
                (false, true) => Null,
                (false, false) => Bool(*negated),
            }
        }
        Expr::Like(value, pattern, negated) => match eval(value, row)? {
            Null => Null,
            Str(s) => Bool(wildcard_match(pattern, &s) != *negated),
            other => return Err(format!("LIKE on {other:?}")),
        },
        Expr::RLike(value, pattern, negated) => match eval(value, row)? {
            Null => Null,
            Str(s) => {
                let re = regex::Regex::new(&format!("^(?s:{pattern})$"))
                    .map_err(|e| format!("RLIKE {pattern:?}: {e}"))?;
                Bool(re.is_match(&s) != *negated)
            }
            other => return Err(format!("RLIKE on {other:?}")),
        },
        Expr::IsNull(value, not) => Bool((eval(value, row)? == Null) != *not),
        Expr::Call(name, args) => call(name, args, row)?,
        Expr::Field(name) => row.get(name).cloned().unwrap_or(Null),
        Expr::Str(s) => Str(s.clone()),
        Expr::Int(n) => Int(*n),
        Expr::Bool(b) => Bool(*b),
        Expr::Null => Null,
        Expr::Span(s) => Span(*s),
        Expr::Arith(op, a, b) => match (eval(a, row)?, eval(b, row)?, *op) {
            (Time(t), Span(s), "-") => Time(t - s),
            (Time(t), Span(s), "+") => Time(t + s),
            (Int(x), Int(y), "-") => Int(x - y),
            (Int(x), Int(y), "+") => Int(x + y),
            other => return Err(format!("arithmetic on {other:?}")),
        },
    })
}

/// Orders two values of one type; `None` when either is null. Values of different types are
/// an error, as ES|QL refuses to compare them.
fn compare(a: &Val, b: &Val) -> Result<Option<std::cmp::Ordering>, String> {
    use Val::*;
    Ok(Some(match (a, b) {
        (Null, _) | (_, Null) => return Ok(None),
        (Str(x), Str(y)) => x.cmp(y),
        (Int(x), Int(y)) => x.cmp(y),
        (Ip(x), Ip(y)) => canonical(x).cmp(&canonical(y)),
        (Time(x), Time(y)) => x.cmp(y),
        _ => return Err(format!("cannot compare {a:?} with {b:?}")),
    }))
}

/// Elasticsearch stores every address as IPv6, IPv4 as IPv4-mapped.
fn canonical(ip: &IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => *v6,
    }
}

fn call(name: &str, args: &[Expr], row: &Row) -> Result<Val, String> {
    use Val::*;
    let values: Vec<Val> = args
        .iter()
        .map(|a| eval(a, row))
        .collect::<Result<_, _>>()?;
    if name == "COALESCE" {
        return Ok(values.into_iter().find(|v| *v != Null).unwrap_or(Null));
    }
    if name == "NOW" {
        return Ok(Time(NOW));
    }
    if values.contains(&Null) {
        return Ok(Null);
    }
    Ok(match (name, values.as_slice()) {
        ("TO_LOWER", [Str(s)]) => Str(s.to_lowercase()),
        ("TO_IP", [Str(s)]) => s.parse().map_or(Null, Ip),
        ("TO_STRING", [Ip(ip)]) => Str(ip.to_string()),
        ("ENDS_WITH", [Str(s), Str(suffix)]) => Bool(s.ends_with(suffix.as_str())),
        ("STARTS_WITH", [Str(s), Str(prefix)]) => Bool(s.starts_with(prefix.as_str())),
        ("REPLACE", [Str(s), Str(re), Str(with)]) => {
            let re = regex::Regex::new(re).map_err(|e| format!("REPLACE {re:?}: {e}"))?;
            Str(re.replace_all(s, with.as_str()).into_owned())
        }
        ("CIDR_MATCH", [Ip(ip), blocks @ ..]) if !blocks.is_empty() => {
            let mut hit = false;
            for block in blocks {
                let Str(block) = block else {
                    return Err(format!("CIDR_MATCH block {block:?}"));
                };
                hit |= in_block(ip, block)?;
            }
            Bool(hit)
        }
        (name, values) => return Err(format!("{name}({values:?}) is outside the subset")),
    })
}

fn in_block(ip: &IpAddr, block: &str) -> Result<bool, String> {
    let (network, prefix) = block.split_once('/').ok_or(format!("bad block {block}"))?;
    let network: IpAddr = network.parse().map_err(|_| format!("bad block {block}"))?;
    let prefix: u32 = prefix.parse().map_err(|_| format!("bad block {block}"))?;
    let (bits, net, width) = match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u128::from(u32::from(*a)), u128::from(u32::from(n)), 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(*a), u128::from(n), 128),
        _ => return Ok(false),
    };
    let shift = width - prefix;
    Ok(shift >= width || (bits >> shift) == (net >> shift))
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut regex = String::from("^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => regex.push_str(&regex::escape(&chars.next().unwrap().to_string())),
            '*' => regex.push_str("(?s:.*)"),
            '?' => regex.push_str("(?s:.)"),
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
    }
    regex.push('$');
    regex::Regex::new(&regex).unwrap().is_match(text)
}

/// Runs `query` over `rows`; returns the `id` of every row it keeps.
pub fn run(query: &Query, rows: &[Row]) -> Result<Vec<String>, String> {
    let mut rows = rows.to_vec();
    for command in &query.commands {
        match command {
            Command::Where(condition) => {
                let mut kept = Vec::new();
                for row in rows {
                    if eval(condition, &row)? == Val::Bool(true) {
                        kept.push(row);
                    }
                }
                rows = kept;
            }
            Command::Eval(fields) => {
                for row in &mut rows {
                    for (name, expr) in fields {
                        let value = eval(expr, row)?;
                        row.insert(name.clone(), value);
                    }
                }
            }
            Command::Keep(_) | Command::Sort(_) | Command::Limit(_) => {}
        }
    }
    Ok(rows
        .iter()
        .map(|r| match r.get("id") {
            Some(Val::Str(id)) => id.clone(),
            other => panic!("every test row has a string id, not {other:?}"),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Running the backend

/// Emits a write-up with the linked `esql` backend, as the command line does.
pub fn emit_report(report: &str, mode: ioc_core::ExclusionMode) -> ioc_core::Summary {
    let options = ioc_core::EmitOptions {
        exclusions: mode,
        ..ioc_core::EmitOptions::default()
    };
    let backend = ioc_core::find_backend("esql").expect("the esql backend is linked");
    let inputs = [("report.md".to_string(), report.to_string())];
    match ioc_emit::emit(&inputs, None, backend, &options) {
        Ok(outcome) => outcome.summary,
        Err(e) => panic!("the report does not emit: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The kit's decoder

/// Decodes an ES|QL query's literals for the conformance kit. The query must also parse.
pub struct EsqlLiterals;

impl LiteralDecoder for EsqlLiterals {
    fn literals(&self, query_text: &str) -> Result<Vec<String>, String> {
        parse(query_text)?;
        let tokens = lex(query_text)?;
        let mut out = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let Tok::Str(s) = token else { continue };
            if i > 0 && tokens[i - 1].is_keyword("like") {
                out.extend(like_runs(s)?);
            } else {
                out.push(s.clone());
            }
        }
        Ok(out)
    }
}
