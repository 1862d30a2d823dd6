//! The KQL backend through the conformance kit, under both profiles, with a reader for the KQL
//! string literals the backend writes.

use ioc_conformance::LiteralDecoder;

/// Reads KQL string literals, following "String data type" in the Kusto reference: `"..."` and
/// `'...'` with backslash escapes (`\"`, `\'`, `\\`, `\n`, `\r`, `\t`, `\uXXXX`), and verbatim
/// `@"..."` / `@'...'` in which only a doubled quote is special. `//` starts a comment that runs
/// to the end of the line. Anything else between literals is skipped: the kit needs the values,
/// and `tests/kusto.rs` checks the syntax with Microsoft's parser.
struct KqlLiterals;

impl LiteralDecoder for KqlLiterals {
    fn literals(&self, query_text: &str) -> Result<Vec<String>, String> {
        let chars: Vec<char> = query_text.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '/' if chars.get(i + 1) == Some(&'/') => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                '@' if matches!(chars.get(i + 1), Some('"' | '\'')) => {
                    let quote = chars[i + 1];
                    let mut value = String::new();
                    i += 2;
                    loop {
                        match chars.get(i) {
                            Some(&c) if c == quote && chars.get(i + 1) == Some(&quote) => {
                                value.push(quote);
                                i += 2;
                            }
                            Some(&c) if c == quote => break,
                            Some(&c) => {
                                value.push(c);
                                i += 1;
                            }
                            None => return Err("an unclosed verbatim literal".to_string()),
                        }
                    }
                    out.push(value);
                    i += 1;
                }
                quote @ ('"' | '\'') => {
                    let mut value = String::new();
                    i += 1;
                    loop {
                        match chars.get(i) {
                            Some(&c) if c == quote => break,
                            Some('\\') => {
                                let escaped = match chars.get(i + 1) {
                                    Some('n') => '\n',
                                    Some('r') => '\r',
                                    Some('t') => '\t',
                                    Some(&c @ ('"' | '\'' | '\\')) => c,
                                    Some('u') => {
                                        let hex: String = chars[i + 2..i + 6].iter().collect();
                                        i += 4;
                                        u32::from_str_radix(&hex, 16)
                                            .ok()
                                            .and_then(char::from_u32)
                                            .ok_or(format!("bad escape \\u{hex}"))?
                                    }
                                    other => return Err(format!("bad escape {other:?}")),
                                };
                                value.push(escaped);
                                i += 2;
                            }
                            Some('\n') => return Err("a line break in a literal".to_string()),
                            Some(&c) => {
                                value.push(c);
                                i += 1;
                            }
                            None => return Err("an unclosed literal".to_string()),
                        }
                    }
                    out.push(value);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        Ok(out)
    }
}

#[test]
fn kql_conforms() {
    let report = ioc_conformance::check(&ioc_backend_kql::Kql, &KqlLiterals);
    assert!(report.queries >= 100, "{report:?}");
}
