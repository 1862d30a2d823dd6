//! Exclusions: the false-positive filters a write-up suggests.
//!
//! A clause becomes a structured [`Expr`] only when all of it parses as field-operator-value
//! comparisons joined by `and`, `or` and `not`, with every field known to the vocabulary.
//! Anything else stays [`ExclusionKind::Prose`] and is carried as a comment: a clause that
//! trails off ("or similar flags") or dangles (`OR "taskmgr.exe"`) states no structure, and
//! guessing one could hide real activity.

use std::fmt;

use serde::Serialize;

use crate::field::{Field, FieldType};
use crate::indicator::Source;

/// A comparison operator. Every string comparison is case-insensitive in every backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Contains,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    /// A regular expression match.
    Matches,
}

impl Op {
    /// The operator as the clause language writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Contains => "contains",
            Op::StartsWith => "startswith",
            Op::EndsWith => "endswith",
            Op::In => "in",
            Op::NotIn => "not in",
            Op::Matches => "matches",
        }
    }

    /// `Ne` and `NotIn` are negations of `Eq` and `In`; backends write them as `not(...)` of the
    /// positive form, so that a field mapped to several columns stays correct.
    pub fn positive(self) -> (Op, bool) {
        match self {
            Op::Ne => (Op::Eq, true),
            Op::NotIn => (Op::In, true),
            op => (op, false),
        }
    }
}

/// A boolean expression over fields of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Cmp {
        field: Field,
        op: Op,
        values: Vec<String>,
    },
}

impl Expr {
    /// The logical negation, with `not` pushed inwards so the result reads naturally.
    pub fn negated(&self) -> Expr {
        match self {
            Expr::And(items) => Expr::Or(items.iter().map(Expr::negated).collect()),
            Expr::Or(items) => Expr::And(items.iter().map(Expr::negated).collect()),
            Expr::Not(inner) => (**inner).clone(),
            Expr::Cmp {
                field,
                op: Op::Eq,
                values,
            } => Expr::Cmp {
                field: *field,
                op: Op::Ne,
                values: values.clone(),
            },
            Expr::Cmp {
                field,
                op: Op::Ne,
                values,
            } => Expr::Cmp {
                field: *field,
                op: Op::Eq,
                values: values.clone(),
            },
            Expr::Cmp {
                field,
                op: Op::In,
                values,
            } => Expr::Cmp {
                field: *field,
                op: Op::NotIn,
                values: values.clone(),
            },
            Expr::Cmp {
                field,
                op: Op::NotIn,
                values,
            } => Expr::Cmp {
                field: *field,
                op: Op::In,
                values: values.clone(),
            },
            cmp => Expr::Not(Box::new(cmp.clone())),
        }
    }

    /// Every field the expression tests, in order of first use.
    pub fn fields(&self) -> Vec<Field> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields(&self, out: &mut Vec<Field>) {
        match self {
            Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| e.collect_fields(out)),
            Expr::Not(inner) => inner.collect_fields(out),
            Expr::Cmp { field, .. } => {
                if !out.contains(field) {
                    out.push(*field);
                }
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Expr], sep: &str| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {sep} ")?;
                }
                match item {
                    Expr::And(_) | Expr::Or(_) => write!(f, "({item})")?,
                    _ => write!(f, "{item}")?,
                }
            }
            Ok(())
        };
        match self {
            Expr::And(items) => join(f, items, "and"),
            Expr::Or(items) => join(f, items, "or"),
            Expr::Not(inner) => write!(f, "not ({inner})"),
            Expr::Cmp { field, op, values } => match op {
                Op::In | Op::NotIn => {
                    let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                    write!(f, "{field} {} ({})", op.as_str(), list.join(", "))
                }
                _ => write!(f, "{field} {} {:?}", op.as_str(), values[0]),
            },
        }
    }
}

/// Whether an exclusion is a parsed expression or prose to carry as a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExclusionKind {
    /// Matches the events to exclude.
    Structured {
        expr: Expr,
    },
    Prose,
}

/// A false-positive filter suggested by the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    /// `x1`, `x2`, ... in order of appearance.
    pub id: String,
    /// The clause as written.
    pub text: String,
    /// The scenario the clause belongs to, if the input names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    pub source: Source,
    #[serde(flatten)]
    pub kind: ExclusionKind,
}

impl Exclusion {
    pub fn expr(&self) -> Option<&Expr> {
        match &self.kind {
            ExclusionKind::Structured { expr } => Some(expr),
            ExclusionKind::Prose => None,
        }
    }
}

/// How a clause is worded: as the events to drop, or as the events to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// "Filter/Exclusion: process.name = rsync": the clause matches the false positives.
    Exclude,
    /// "Example Filter: process.name not in (...)": the clause is the `where` that keeps the
    /// true positives, so the exclusion is its negation.
    Keep,
}

/// Lead-in phrases that say "exclude what follows"; they carry no structure of their own.
const LEAD_INS: &[&str] = &[
    "exclude events where",
    "exclude where",
    "exclude",
    "filter out events where",
    "filter out",
    "filter by",
    "filter where",
    "ignore events where",
    "ignore",
];

/// Parses a clause into an expression matching the events to exclude.
///
/// Returns `None` unless the whole clause (after an optional lead-in phrase and a trailing full
/// stop) is a well-formed expression over known fields.
pub fn parse_clause(clause: &str, polarity: Polarity) -> Option<Expr> {
    let mut text = clause.trim();
    text = text.strip_suffix('.').unwrap_or(text).trim_end();
    for lead in LEAD_INS {
        if text.len() > lead.len()
            && text.is_char_boundary(lead.len())
            && text[..lead.len()].eq_ignore_ascii_case(lead)
            && text[lead.len()..].starts_with(char::is_whitespace)
        {
            text = text[lead.len()..].trim_start();
            break;
        }
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
    };
    let expr = parser.or_expr()?;
    if parser.pos != tokens.len() {
        return None;
    }
    // "Filter/Exclusion: process.name != X" reads both as "drop everything but X" and as
    // "keep everything but X"; a clause that is only a negation states no polarity, so it
    // stays prose. An Example Filter is a `where`, so its negation is unambiguous.
    if polarity == Polarity::Exclude && is_negative(&expr) {
        return None;
    }
    Some(match polarity {
        Polarity::Exclude => expr,
        Polarity::Keep => expr.negated(),
    })
}

/// Whether an expression is nothing but a negation: `!=`, `not in`, `not (...)`, or an `or` /
/// `and` of such.
fn is_negative(expr: &Expr) -> bool {
    match expr {
        Expr::Not(_) => true,
        Expr::Cmp { op, .. } => matches!(op, Op::Ne | Op::NotIn),
        Expr::And(items) | Expr::Or(items) => items.iter().all(is_negative),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(Op),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            ',' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '=' => {
                chars.next();
                if chars.peek().map(|&(_, c)| c) == Some('=') {
                    chars.next();
                }
                tokens.push(Token::Op(Op::Eq));
            }
            '!' => {
                chars.next();
                if chars.next().map(|(_, c)| c) != Some('=') {
                    return None;
                }
                tokens.push(Token::Op(Op::Ne));
            }
            '"' | '\'' | '\u{201C}' | '\u{2018}' => {
                let close = match c {
                    '\u{201C}' => '\u{201D}',
                    '\u{2018}' => '\u{2019}',
                    c => c,
                };
                chars.next();
                let start = i + c.len_utf8();
                let mut end = None;
                for (j, d) in chars.by_ref() {
                    if d == close {
                        end = Some(j);
                        break;
                    }
                }
                tokens.push(Token::Quoted(text[start..end?].to_string()));
            }
            _ => {
                let start = i;
                let mut end = text.len();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || "(),=!\"'\u{201C}\u{201D}\u{2018}\u{2019}".contains(d) {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                tokens.push(Token::Word(text[start..end].to_string()));
            }
        }
    }
    Some(tokens)
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
}

impl Parser<'_> {
    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn or_expr(&mut self) -> Option<Expr> {
        let mut items = vec![self.and_expr()?];
        while self.peek_keyword("or") {
            self.pos += 1;
            items.push(self.and_expr()?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::Or(items)
        })
    }

    fn and_expr(&mut self) -> Option<Expr> {
        let mut items = vec![self.unary()?];
        while self.peek_keyword("and") {
            self.pos += 1;
            items.push(self.unary()?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.peek_keyword("not") {
            self.pos += 1;
            return Some(Expr::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or_expr()?;
            if self.tokens.get(self.pos) != Some(&Token::Close) {
                return None;
            }
            self.pos += 1;
            return Some(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Option<Expr> {
        let field = match self.tokens.get(self.pos)? {
            Token::Word(name) => Field::resolve(name)?,
            _ => return None,
        };
        self.pos += 1;
        let op = self.operator()?;
        let values = match op {
            Op::In | Op::NotIn => self.value_list()?,
            _ => vec![self.value()?],
        };
        if field.value_type() == FieldType::Port
            && !values.iter().all(|v| v.parse::<u16>().is_ok_and(|p| p > 0))
        {
            return None;
        }
        // `dest_ip = 10.0.0.0/8` means "in the range", which no string comparison says; the
        // clause stays prose rather than become an exclusion that never matches.
        if field.is_address() && values.iter().any(|v| v.contains('/')) {
            return None;
        }
        // Control characters have no place in a field value a write-up states.
        if values.iter().any(|v| v.chars().any(char::is_control)) {
            return None;
        }
        if op == Op::Matches && values.iter().any(|v| v.is_empty()) {
            return None;
        }
        Some(Expr::Cmp { field, op, values })
    }

    fn operator(&mut self) -> Option<Op> {
        let op = match self.tokens.get(self.pos)? {
            Token::Op(op) => *op,
            Token::Word(w) => match w.to_ascii_lowercase().as_str() {
                "contains" => Op::Contains,
                "startswith" => Op::StartsWith,
                "endswith" => Op::EndsWith,
                "in" => Op::In,
                "matches" => Op::Matches,
                "not" => {
                    self.pos += 1;
                    if !self.peek_keyword("in") {
                        return None;
                    }
                    Op::NotIn
                }
                _ => return None,
            },
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn value(&mut self) -> Option<String> {
        let value = match self.tokens.get(self.pos)? {
            Token::Quoted(v) => v.clone(),
            Token::Word(w) if !is_keyword(w) => w.clone(),
            _ => return None,
        };
        self.pos += 1;
        Some(value)
    }

    fn value_list(&mut self) -> Option<Vec<String>> {
        if self.tokens.get(self.pos) != Some(&Token::Open) {
            return None;
        }
        self.pos += 1;
        let mut values = vec![self.value()?];
        while self.tokens.get(self.pos) == Some(&Token::Comma) {
            self.pos += 1;
            values.push(self.value()?);
        }
        if self.tokens.get(self.pos) != Some(&Token::Close) {
            return None;
        }
        self.pos += 1;
        Some(values)
    }
}

fn is_keyword(word: &str) -> bool {
    ["and", "or", "not", "in"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<String> {
        parse_clause(text, Polarity::Exclude).map(|e| e.to_string())
    }

    #[test]
    fn structured_clauses() {
        assert_eq!(
            parse("Filter by process.name = curl and destination.address contains internal-repo.domain.com.")
                .unwrap(),
            r#"process.name = "curl" and destination.address contains "internal-repo.domain.com""#
        );
        assert_eq!(
            parse(r#"ProcessName == "a b.exe" or not (CommandLine startswith '-x')"#).unwrap(),
            r#"process.name = "a b.exe" or not (process.command_line startswith "-x")"#
        );
        assert_eq!(
            parse(r#"dest_port in (80, 443) AND dest_ip != 10.0.0.1"#).unwrap(),
            r#"destination.port in ("80", "443") and destination.ip != "10.0.0.1""#
        );
        assert_eq!(
            parse(r#"process.name = x and process.parent.name not in ("a", “b”)"#).unwrap(),
            r#"process.name = "x" and process.parent.name not in ("a", "b")"#
        );
    }

    #[test]
    fn clauses_that_state_no_structure_stay_prose() {
        // Trails off into prose.
        assert_eq!(
            parse("Check for process.name = rsync and process.args contains --backup or similar backup-specific flags."),
            None
        );
        // A dangling operand.
        assert_eq!(
            parse(
                r#"process.name != "NetSupportManager.exe" OR process.parent.name == "explorer.exe" OR "taskmgr.exe""#
            ),
            None
        );
        // An unknown field.
        assert_eq!(parse(r#"TaskName = "System Maintenance""#), None);
        // A port that is not a number.
        assert_eq!(parse("destination.port = https"), None);
        // A range compared as if it were an address.
        assert_eq!(parse("dest_ip = 10.0.0.0/8"), None);
        // Only a negation: no stated polarity.
        assert_eq!(parse(r#"process.name != "NetSupportManager.exe""#), None);
        assert_eq!(parse(r#"process.name not in ("a", "b")"#), None);
        assert!(parse(r#"process.name = a and process.args != "-x""#).is_some());
        assert_eq!(parse("process.name = "), None);
        assert_eq!(parse(r#"process.name = "unterminated"#), None);
        assert_eq!(parse("(process.name = a"), None);
    }

    #[test]
    fn keep_filters_are_negated() {
        let expr = parse_clause(
            r#"process.name not in ("powershell.exe", "pwsh") or script.name not in ("a.ps1")"#,
            Polarity::Keep,
        )
        .unwrap();
        assert_eq!(
            expr.to_string(),
            r#"process.name in ("powershell.exe", "pwsh") and script.name in ("a.ps1")"#
        );
    }
}
