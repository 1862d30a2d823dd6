//! Refang: undo the defanging that write-ups apply so that IOCs cannot be clicked.
//!
//! Backends never see defanged text; readers call [`refang`] on every value before it is
//! validated. Only the documented markers are undone, so that a value that merely contains
//! brackets is not rewritten into something the author did not write.

use std::borrow::Cow;

/// Bracketed markers, matched case-insensitively, and what they stand for.
const MARKERS: &[(&str, &str)] = &[
    ("[://]", "://"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[:]", ":"),
    ("[@]", "@"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("[/]", "/"),
];

/// Defanged schemes, matched case-insensitively at the start of a value or of a word, and only
/// where a `://` follows.
const SCHEMES: &[(&str, &str)] = &[("hxxps", "https"), ("hxxp", "http"), ("fxp", "ftp")];

/// Returns `text` with defanging markers replaced; borrows when there is nothing to undo.
pub fn refang(text: &str) -> Cow<'_, str> {
    if !needs_refang(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (marker, plain) in MARKERS {
            if starts_with_ignore_case(rest, marker) {
                out.push_str(plain);
                rest = &rest[marker.len()..];
                continue 'outer;
            }
        }
        let at_word_start = out.chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        if at_word_start {
            for (fanged, plain) in SCHEMES {
                if starts_with_ignore_case(rest, fanged) {
                    let after = &rest[fanged.len()..];
                    if after.starts_with("://")
                        || starts_with_ignore_case(after, "[://]")
                        || starts_with_ignore_case(after, "[:]//")
                    {
                        out.push_str(plain);
                        rest = after;
                        continue 'outer;
                    }
                }
            }
        }
        let c = rest.chars().next().expect("rest is not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

fn needs_refang(text: &str) -> bool {
    text.contains(['[', '(', '{'])
        || SCHEMES
            .iter()
            .any(|(fanged, _)| contains_ignore_case(text, fanged))
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn contains_ignore_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::refang;

    #[test]
    fn undoes_every_marker_in_any_case() {
        assert_eq!(refang("91[.]92[.]243[.]223:8090"), "91.92.243.223:8090");
        assert_eq!(refang("evil(.)com"), "evil.com");
        assert_eq!(refang("evil{.}com"), "evil.com");
        assert_eq!(refang("evil[DOT]com"), "evil.com");
        assert_eq!(refang("evil(dot)com"), "evil.com");
        assert_eq!(refang("hXXps://a[.]b/c"), "https://a.b/c");
        assert_eq!(refang("HXXP[://]a.b"), "http://a.b");
        assert_eq!(refang("hxxp[:]//a.b"), "http://a.b");
        assert_eq!(refang("fxp://files.example"), "ftp://files.example");
        assert_eq!(refang("user[@]example.com"), "user@example.com");
        assert_eq!(refang("user[at]example.com"), "user@example.com");
        assert_eq!(refang("1.2.3.4[:]80"), "1.2.3.4:80");
    }

    #[test]
    fn leaves_other_text_alone() {
        assert_eq!(
            refang("https://a.example/p?q=[x]"),
            "https://a.example/p?q=[x]"
        );
        assert_eq!(
            refang("https://a.example/hxxp/x"),
            "https://a.example/hxxp/x"
        );
        assert_eq!(refang("shxxp://x"), "shxxp://x");
        assert_eq!(refang("[2001:db8::1]:443"), "[2001:db8::1]:443");
        assert_eq!(refang("ünïcode[.]example"), "ünïcode.example");
    }
}
