//! Regular expressions from write-ups, rewritten for `RLIKE`.
//!
//! Write-ups give Perl-style expressions (`^bk[0-9]+\.exe$`). `RLIKE` takes Lucene's dialect
//! ("Regular expression syntax" in the Elasticsearch reference): it always matches the whole
//! value and has no anchors, no shorthand classes except those spelled out, no inline flags or
//! look-around, and it reserves `"`, `#`, `@`, `&`, `<`, `>` and `~` as operators. Only the
//! part of the language both dialects read alike is rewritten; anything else is refused with
//! the reason, so an exclusion never matches something other than what its author wrote.
//!
//! Exclusions compare without case, so the expression is lower-cased and the field is wrapped
//! in `TO_LOWER`: in the accepted subset letters only ever stand for themselves.

/// Rewrites `perl` as a lower-case Lucene expression with the same matches, or says why not.
pub fn to_lucene(perl: &str) -> Result<String, String> {
    let refuse = |what: &str| Err(format!("the regular expression {perl:?} uses {what}"));
    let mut body = perl;
    let anchored_start = body.starts_with('^');
    if anchored_start {
        body = &body[1..];
    }
    let anchored_end = body.ends_with('$') && !ends_escaped(body);
    if anchored_end {
        body = &body[..body.len() - 1];
    }

    let mut out = String::with_capacity(body.len() + 4);
    if !anchored_start {
        out.push_str(".*");
    }
    let mut chars = body.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some(e) if e.is_ascii_punctuation() => {
                    out.push('\\');
                    out.push(e);
                }
                Some(e) => return refuse(&format!("the escape \\{e}")),
                None => return refuse("a trailing backslash"),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '(' if chars.peek() == Some(&'?') => return refuse("a group with (?"),
            // Perl reads a brace that starts no repetition count as a plain brace; Lucene
            // reserves it, so only `{n}`, `{n,}` and `{n,m}` pass.
            '{' if !in_class => {
                let mut count = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == '}' {
                        closed = true;
                        break;
                    }
                    count.push(d);
                }
                let (low, high) = count.split_once(',').unwrap_or((&count, "0"));
                let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
                if !closed || low.is_empty() || !digits(low) || !digits(high) {
                    return refuse(&format!("{{{count}}}, which is not a repetition count"));
                }
                out.push('{');
                out.push_str(&count);
                out.push('}');
            }
            '^' | '$' if !in_class => return refuse(&format!("{c} inside the expression")),
            '"' | '#' | '@' | '&' | '<' | '>' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => return refuse("a control character"),
            c => out.extend(c.to_lowercase()),
        }
    }
    if in_class {
        return refuse("an unclosed character class");
    }
    if !anchored_end {
        out.push_str(".*");
    }
    Ok(out)
}

/// Whether the last character of `text` is escaped by an odd run of backslashes before it.
fn ends_escaped(text: &str) -> bool {
    let before = &text[..text.len() - 1];
    before.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::to_lucene;

    #[test]
    fn anchors_become_whole_value_matches() {
        assert_eq!(to_lucene(r"^bk[0-9]+\.exe$").unwrap(), r"bk[0-9]+\.exe");
        assert_eq!(to_lucene(r"Tool\d").unwrap(), r".*tool[0-9].*");
        assert_eq!(to_lucene(r"^[^\d_]x\$").unwrap(), r"[^0-9_]x\$.*");
        assert_eq!(to_lucene(r#"a"b<c"#).unwrap(), r#".*a\"b\<c.*"#);
        assert_eq!(to_lucene("^a{2,}b{1,3}$").unwrap(), "a{2,}b{1,3}");
    }

    #[test]
    fn refuses_what_lucene_reads_differently() {
        for bad in [
            r"\bword", r"(?i)x", r"a^b", r"a$b", r"\w+", "[a-z", r"x\", "a{x}", "a{1",
        ] {
            assert!(to_lucene(bad).is_err(), "{bad}");
        }
    }
}
