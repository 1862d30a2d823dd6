//! KQL string literals.
//!
//! Implements "string literals" in the Kusto reference (The string data type): a double-quoted
//! literal escapes the enclosing quote and the backslash with a backslash, and writes tab,
//! line feed and carriage return as `\t`, `\n` and `\r`. Nothing else is special inside the
//! quotes, so these five rules are all it takes to keep any value inside its literal.

use std::fmt::Write;

/// `value` as a double-quoted KQL string literal.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Other control characters and the Unicode line separators are written as escapes so
            // that a literal never spans lines.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A parenthesised, comma-separated list of string literals, for `in` and `in~`.
pub fn string_list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = values.into_iter().map(string).collect();
    format!("({})", items.join(", "))
}

/// A verbatim literal (`@"..."`), for regular expressions: backslashes stand for themselves and a
/// double quote is doubled.
pub fn verbatim(value: &str) -> String {
    format!("@\"{}\"", value.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_breaks() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("x\ny\rz\tw"), r#""x\ny\rz\tw""#);
        assert_eq!(string("é//"), "\"é//\"");
        assert_eq!(string_list(["a", "b"]), r#"("a", "b")"#);
        assert_eq!(verbatim(r#"c:\"x"#), r#"@"c:\""x""#);
    }
}
