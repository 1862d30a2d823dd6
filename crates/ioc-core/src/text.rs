//! Text placed in comments and metadata: titles, family names and prose exclusions.
//!
//! Backends write such text into line comments, where a line break would end the comment and
//! turn the rest into query text. [`single_line`] is the one place that rule is enforced.

use std::borrow::Cow;

/// Whether a character ends a line for some reader: the ASCII breaks, NEL, and the Unicode line
/// and paragraph separators (which some editors and parsers honour).
pub fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// `text` on one line: every line break and other control character becomes a space.
pub fn single_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_line_break(c) || c.is_control()) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_line_break(c) || c.is_control() {
                    ' '
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// Lower-case ASCII letters and digits joined by single dashes, for names of queries and files.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("detection");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_removes_every_break() {
        assert_eq!(
            single_line("a\nb\r\nc\u{2028}d\u{85}e\u{0}f"),
            "a b  c d e f"
        );
        assert!(matches!(single_line("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn slug_is_file_name_safe() {
        assert_eq!(slug("NetSupportManager RAT"), "netsupportmanager-rat");
        assert_eq!(slug("  ../Évil//name "), "vil-name");
        assert_eq!(slug("***"), "detection");
    }
}
