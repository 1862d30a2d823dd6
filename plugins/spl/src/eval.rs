//! Conditions in the eval language, for the `where` commands that follow a search.
//!
//! A `where` keeps a result only when its condition is true, and a comparison with a missing
//! field is null rather than false, so `NOT (...)` of it would drop the result. Every field is
//! therefore read through `coalesce(field, "")`, which makes each comparison true or false.
//!
//! Field names are written in single quotes, as the Search Reference (`where` command) asks for
//! names with characters other than letters, digits and `_`. The eval and `where` commands
//! evaluate AND before OR (Search Manual, "Boolean expressions with logical operators"); the
//! builders here still put parentheses around every OR and AND group and every NOT, so no
//! condition depends on that order.

use crate::literal;

/// A field's value, never null.
pub fn value(field: &str) -> String {
    format!("coalesce('{field}', \"\")")
}

/// A field's value as a number, 0 when it is missing or not a number. Ports are 1 to 65535, so
/// 0 never equals a port a condition asks for.
pub fn number(field: &str) -> String {
    format!("coalesce(tonumber('{field}'), 0)")
}

/// The field equals `text`, ignoring case: `lower()` on both sides (Search Reference, "Text
/// functions"), or a `(?i)` regular expression when `text` cannot be an eval string.
pub fn equals_ci(field: &str, text: &str) -> String {
    match literal::eval_string(text) {
        Some(lit) => format!("lower({})==lower({lit})", value(field)),
        None => matches(field, "(?i)^", text, "$"),
    }
}

/// The field equals `text` exactly, case included; `==` compares strings case-sensitively.
pub fn equals(field: &str, text: &str) -> String {
    match literal::eval_string(text) {
        Some(lit) => format!("{}=={lit}", value(field)),
        None => matches(field, "^", text, "$"),
    }
}

/// The field matches `before`, then `text` literally, then `after` (`match()`, Search
/// Reference, "Comparison and Conditional functions"). Never `like()`, whose `%` and `_` are
/// wildcards that a value may hold.
pub fn matches(field: &str, before: &str, text: &str, after: &str) -> String {
    format!(
        "match({}, {})",
        value(field),
        literal::regex_literal(before, text, after)
    )
}

/// The field, an IP address, lies in `range` (`cidrmatch()`, Search Reference, "Comparison and
/// Conditional functions").
pub fn in_range(field: &str, range: &str) -> String {
    // A range is written by this crate from a parsed network address: digits, dots, colons
    // and a slash, all of which an eval string carries as they are.
    format!("cidrmatch(\"{range}\", {})", value(field))
}

/// The field, read as a number, equals `n`.
pub fn number_equals(field: &str, n: u16) -> String {
    format!("{}=={n}", number(field))
}

/// Any of `conditions`: one as it is, several as a parenthesised OR group.
pub fn any(conditions: Vec<String>) -> String {
    group(conditions, " OR ")
}

/// All of `conditions`, as a parenthesised AND group.
pub fn all(conditions: Vec<String>) -> String {
    group(conditions, " AND ")
}

fn group(mut conditions: Vec<String>, separator: &str) -> String {
    if conditions.len() == 1 {
        return conditions.remove(0);
    }
    format!("({})", conditions.join(separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_are_null_safe_and_quoted() {
        assert_eq!(
            equals_ci("Processes.process_name", r#"a"b"#),
            r#"lower(coalesce('Processes.process_name', ""))==lower("a\"b")"#
        );
        assert_eq!(
            equals_ci("f", "a`b"),
            r#"match(coalesce('f', ""), "(?i)^a\\x60b$")"#
        );
        assert_eq!(
            number_equals("All_Traffic.dest_port", 443),
            "coalesce(tonumber('All_Traffic.dest_port'), 0)==443"
        );
        assert_eq!(any(vec!["a".into()]), "a");
        assert_eq!(all(vec!["a".into(), "b".into()]), "(a AND b)");
    }
}
