//! SPL literals: quoted search terms, eval string literals, regular expressions and comments.
//!
//! Every piece of outside text (an indicator, an exclusion value, a title) reaches a query
//! through this module. The rules, by the title of the Splunk documentation they come from:
//!
//! - Search Reference, `search` command, "Quotes and escaping characters": a value in double
//!   quotes may hold spaces, pipes and brackets; a backslash escapes `"` and `\` inside it.
//! - Search Manual, "Backslashes": a literal backslash is written `\\`, and the asterisk is
//!   always a wildcard in a search term: no escape sequence makes it literal.
//! - Search Manual, "Types of expressions" (string literals): eval strings are double-quoted
//!   and their backslash sequences are interpreted (`\t` becomes a tab), so `"` and `\` are
//!   escaped there too.
//! - Search Manual, "SPL and regular expressions": regular expressions are PCRE, where a
//!   backslash before a non-alphanumeric character matches that character itself.
//! - Search Manual, "Add comments to searches": a comment is text between two runs of three
//!   backticks.
//!
//! Two kinds of character are never written inside a quoted literal: the backtick, which opens
//! macros and comments (we found no documented promise that quotes protect it, so we do not rely
//! on one), and control characters, which would break the query across lines. A value holding
//! one is matched through a regular expression that spells it as `\x..` instead, and a search
//! term for it is cut before that character, like a term for a value holding `*`.

use std::fmt::Write;

use ioc_core::text::single_line;

/// Whether `c` may stand for itself inside a quoted literal.
fn is_plain(c: char) -> bool {
    c != '`' && !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}')
}

/// A search term and whether it matches its value exactly or only a superset of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub exact: bool,
}

/// `value` as a quoted search term.
///
/// Search terms ignore case and a term cannot say "a literal `*`", so a value holding `*` (or a
/// character from [`is_plain`]'s exclusions) is searched for with its text up to that character
/// followed by a wildcard. The result then matches a superset, and the caller must follow the
/// search with an exact `where`.
pub fn term(value: &str) -> Term {
    quoted_term(false, value)
}

/// A quoted search term matching any value that ends with `value`: the leading `*` is an
/// intended wildcard, as in `"*.example.com"` for the subdomains of a domain.
pub fn term_ending(value: &str) -> Term {
    quoted_term(true, value)
}

fn quoted_term(lead_wildcard: bool, value: &str) -> Term {
    let mut text = String::with_capacity(value.len() + 3);
    let mut exact = true;
    text.push('"');
    if lead_wildcard {
        text.push('*');
    }
    for c in value.chars() {
        if c == '*' || !is_plain(c) {
            text.push('*');
            exact = false;
            break;
        }
        push_escaped(&mut text, c);
    }
    text.push('"');
    Term { text, exact }
}

/// A quoted search pattern whose `*` are wildcards on purpose, for settings such as an index
/// name. `None` if the pattern holds a character that cannot be quoted.
pub fn pattern(value: &str) -> Option<String> {
    if value.is_empty() || !value.chars().all(is_plain) {
        return None;
    }
    Some(quote(value))
}

/// `value` as an eval string literal, or `None` if it holds a character that cannot stand in one.
pub fn eval_string(value: &str) -> Option<String> {
    value.chars().all(is_plain).then(|| quote(value))
}

fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        push_escaped(&mut out, c);
    }
    out.push('"');
    out
}

fn push_escaped(out: &mut String, c: char) {
    if matches!(c, '"' | '\\') {
        out.push('\\');
    }
    out.push(c);
}

/// The characters with a meaning of their own in a PCRE pattern outside a character class.
const REGEX_SPECIAL: &str = "\\^$.|?*+()[]{}";

/// `value` as a regular expression matching exactly that text.
///
/// PCRE's special characters are escaped with a backslash; the backtick and control characters
/// are written as `\x..`. The result therefore holds only characters that [`eval_string`]
/// accepts.
pub fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for c in value.chars() {
        if c == '`' {
            out.push_str("\\x60");
        } else if !is_plain(c) {
            let _ = write!(out, "\\x{{{:04x}}}", c as u32);
        } else {
            if REGEX_SPECIAL.contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// An eval string literal holding a regular expression: `before` and `after` are fixed regex
/// text (anchors, flags), `value` is matched literally.
pub fn regex_literal(before: &str, value: &str, after: &str) -> String {
    let regex = format!("{before}{}{after}", regex_escape(value));
    // `regex_escape` leaves no character that `quote` cannot carry, and the fixed parts are
    // written by this crate, so no check is needed here.
    quote(&regex)
}

/// `text` as an SPL comment.
///
/// A comment ends at the first three backticks, and a lone backtick outside a comment opens a
/// macro, so every run of backticks becomes one `'`. Line breaks become spaces.
pub fn comment(text: &str) -> String {
    let flat = single_line(text);
    let mut out = String::with_capacity(flat.len() + 6);
    out.push_str("```");
    let mut in_run = false;
    for c in flat.chars() {
        if c == '`' {
            if !in_run {
                out.push('\'');
            }
            in_run = true;
        } else {
            in_run = false;
            out.push(c);
        }
    }
    out.push_str("```");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_escape_quotes_and_backslashes() {
        assert_eq!(term(r#"a"b\c|d"#).text, r#""a\"b\\c|d""#);
        assert!(term("plain").exact);
        assert_eq!(term_ending(".evil.com").text, r#""*.evil.com""#);
    }

    #[test]
    fn a_star_or_a_backtick_cuts_the_term_to_a_prefix() {
        let t = term("http://x.example/a*b");
        assert_eq!(t.text, r#""http://x.example/a*""#);
        assert!(!t.exact);
        assert_eq!(term("a`b").text, r#""a*""#);
        assert_eq!(term("*x").text, r#""*""#);
    }

    #[test]
    fn eval_strings_refuse_backticks_and_breaks() {
        assert_eq!(eval_string(r#"C:\x "q""#).unwrap(), r#""C:\\x \"q\"""#);
        assert_eq!(eval_string("a*b").unwrap(), r#""a*b""#);
        assert!(eval_string("a`b").is_none());
        assert!(eval_string("a\nb").is_none());
    }

    #[test]
    fn regexes_escape_every_symbol() {
        assert_eq!(regex_escape("a.b*c(d)/e=f"), r"a\.b\*c\(d\)/e=f");
        assert_eq!(
            regex_escape("x`y\tz_é[]{}|^$?+"),
            r"x\x60y\x{0009}z_é\[\]\{\}\|\^\$\?\+"
        );
        assert_eq!(
            regex_literal("(?i)^", r#"a\"b"#, "$"),
            r#""(?i)^a\\\\\"b$""#
        );
    }

    #[test]
    fn comments_cannot_be_closed_early() {
        assert_eq!(comment("a ``` b\nc `d``"), "```a ' b c 'd'```");
        assert_eq!(comment("plain"), "```plain```");
    }
}
