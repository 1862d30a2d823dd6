//! Sigma string values: how a literal is written so that no character in it acts as a wildcard.
//!
//! Implements "String Wildcard" and "Escape Character" in the Sigma rules specification. `*` and
//! `?` are wildcards unless a backslash precedes them. A backslash escapes a wildcard or another
//! backslash; before any other character it stands for itself, and the specification recommends
//! writing such a plain backslash once (`'\curl.exe'`, as SigmaHQ rules do). Both pySigma and
//! sigma-rust read values this way.

/// `value` as a Sigma string that matches exactly `value`: wildcards escaped, and each backslash
/// doubled only where a single one would escape what follows it.
///
/// A backslash at the end is doubled too: modifiers such as `startswith` add a wildcard after
/// the value, and a lone trailing backslash would then read as its escape in tools that splice
/// text rather than parse it.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => {
                out.push('\\');
                if matches!(chars.peek(), None | Some('*' | '?' | '\\')) {
                    out.push('\\');
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a Sigma string the way the specification describes: the literal text, or `None`
    /// when an unescaped wildcard is left in it.
    fn read(sigma: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = sigma.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' | '?' => return None,
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        out.push(n);
                        chars.next();
                    }
                    _ => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        Some(out)
    }

    #[test]
    fn wildcards_are_escaped_and_plain_backslashes_stay_single() {
        assert_eq!(escape(r"\curl.exe"), r"\curl.exe");
        assert_eq!(escape("a?b"), r"a\?b");
        assert_eq!(escape("*x*"), r"\*x\*");
        assert_eq!(
            escape(r"C:\Program Files\Backup\"),
            r"C:\Program Files\Backup\\"
        );
        assert_eq!(escape(r"a\*"), r"a\\\*");
        assert_eq!(escape(r"a\\b"), r"a\\\b");
        assert_eq!(
            escape("https://x.example/a?b=1"),
            r"https://x.example/a\?b=1"
        );
    }

    #[test]
    fn every_escaped_value_reads_back_as_itself() {
        let alphabet = ['a', '\\', '*', '?', 'é'];
        // Every string of up to five characters over an alphabet of the special characters.
        let mut values = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = values
                .iter()
                .flat_map(|v| alphabet.iter().map(move |c| format!("{v}{c}")))
                .collect();
            values.extend(longer);
            values.sort();
            values.dedup();
        }
        for value in values {
            assert_eq!(
                read(&escape(&value)).as_deref(),
                Some(value.as_str()),
                "{value:?}"
            );
        }
    }
}
