//! ES|QL string literals and `LIKE` patterns.
//!
//! Implements "String literals" in Elastic's ES|QL syntax reference: a literal is delimited by
//! double quotes, and inside it a backslash escapes the quote, the backslash, and writes tab,
//! line feed and carriage return as `\t`, `\n` and `\r`. The lexer knows no other escape (no
//! `\u`), and it refuses a raw line break, so these five rules keep a value in its literal and
//! every literal on one line. The triple-quoted form is never written: it has no escapes at all.
//!
//! Other control characters would have to stand raw in the query text. A value holding one is
//! refused instead; indicator values never do (the core rejects them), so only an exclusion can
//! be left out for it.

/// A value that no ES|QL string literal can carry safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwritable(pub char);

impl Unwritable {
    pub fn reason(&self) -> String {
        format!(
            "a value holds the control character U+{:04X}, which ES|QL has no escape for",
            self.0 as u32
        )
    }
}

/// `value` as a double-quoted ES|QL string literal.
pub fn string(value: &str) -> Result<String, Unwritable> {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => return Err(Unwritable(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

/// A literal for a value the core has already validated (no control characters).
pub fn checked(value: &str) -> String {
    string(value).unwrap_or_else(|e| panic!("a validated value cannot hold U+{:04X}", e.0 as u32))
}

/// A parenthesised, comma-separated list of string literals, for `IN`.
pub fn string_list<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<String, Unwritable> {
    let items: Vec<String> = values.into_iter().map(string).collect::<Result<_, _>>()?;
    Ok(format!("({})", items.join(", ")))
}

/// A `LIKE` pattern literal matching `value` anywhere in the text.
///
/// Implements `LIKE` in the ES|QL operators reference: `*` matches any run of characters, `?`
/// one character, and a backslash makes the next `*`, `?` or backslash literal (a backslash
/// before any other character is refused by the parser, so nothing else is escaped). The
/// pattern then goes through [`string`], which doubles each of those backslashes again.
pub fn contains_pattern(value: &str) -> Result<String, Unwritable> {
    let mut pattern = String::with_capacity(value.len() + 2);
    pattern.push('*');
    for c in value.chars() {
        if matches!(c, '*' | '?' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    string(&pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_breaks() {
        assert_eq!(string(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert_eq!(string("x\ny\rz\tw").unwrap(), r#""x\ny\rz\tw""#);
        assert_eq!(string("é // \u{2028}").unwrap(), "\"é // \u{2028}\"");
        assert_eq!(string("\u{1b}"), Err(Unwritable('\u{1b}')));
        assert_eq!(string_list(["a", "b"]).unwrap(), r#"("a", "b")"#);
    }

    #[test]
    fn like_patterns_escape_wildcards_then_the_literal() {
        // The pattern is *C:\\Tools\*?* ; as a literal every backslash doubles again.
        assert_eq!(
            contains_pattern(r"C:\Tools*?").unwrap(),
            r#""*C:\\\\Tools\\*\\?*""#
        );
    }
}
