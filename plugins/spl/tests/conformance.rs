//! The SPL backend through the conformance kit, under both profiles, with the test lexer as its
//! literal decoder.

mod lexer;

use ioc_conformance::LiteralDecoder;

/// Decodes the double-quoted strings the backend writes (`\"` and `\\` escapes, per the Search
/// Reference) with the test lexer, skipping prose comments. A search term that holds `*` is a
/// wildcard pattern: each run between the stars is a literal. A `match()` pattern also stands
/// for the text it escapes, once its flags and anchors are off.
struct SplLiterals;

impl LiteralDecoder for SplLiterals {
    fn literals(&self, query_text: &str) -> Result<Vec<String>, String> {
        let tokens = lexer::lex(query_text)?;
        let mut out = Vec::new();
        for literal in lexer::literals(&tokens) {
            let body = literal.strip_prefix("(?i)").unwrap_or(&literal);
            let body = body.strip_prefix('^').unwrap_or(body);
            let body = body.strip_suffix('$').unwrap_or(body);
            if let Some(plain) = lexer::regex_unescape(body) {
                out.push(plain);
            }
            out.extend(
                literal
                    .split('*')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
            out.push(literal);
        }
        Ok(out)
    }
}

#[test]
fn spl_conforms() {
    ioc_conformance::check(&ioc_backend_spl::Spl, &SplLiterals);
}
