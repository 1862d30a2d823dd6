//! Property test: no text breaks out of an SPL literal or comment.
//!
//! Arbitrary Unicode strings go in as a URL path, a file name, exclusion values, and the text
//! of the title, family, source name and prose exclusion (see the shared `hostile` module).
//! The test lexer then reads every search back: it must lex and pass the structural checks,
//! every value must come back from a literal exactly, and the tokens, with the contents of
//! strings and comments blanked, must equal those of the same search built from the twin
//! text. So no value or comment changed a pipe, a parenthesis, an operator or a command.

mod lexer;

#[path = "../../../crates/ioc-emit/tests/common/hostile.rs"]
mod hostile;

use ioc_backend_spl::Spl;
use ioc_core::{Backend, EmitOptions, ExclusionMode, Query};

use hostile::Places;

fn check(query: &Query, text: &str) -> Vec<lexer::Token> {
    lexer::check(&query.text).unwrap_or_else(|e| panic!("input {text:?}: {e}\n{}", query.text))
}

#[test]
fn spl_literals_and_comments_hold_any_text() {
    let inputs = hostile::inputs();
    let mut checked = 0;
    for profile in ["cim", "raw"] {
        for mode in [ExclusionMode::Apply, ExclusionMode::Comment] {
            let options = EmitOptions {
                profile: Some(profile.to_string()),
                exclusions: mode,
                ..EmitOptions::default()
            };
            for text in &inputs {
                let places = Places::of(text);
                let detection = hostile::detection(&places);
                let twin = hostile::detection(&places.twin());
                let emission = Spl.emit(&detection, &options).unwrap();
                let plain = Spl.emit(&twin, &options).unwrap();
                assert_eq!(emission.queries.len(), plain.queries.len(), "{text:?}");

                let mut literals = Vec::new();
                for (query, twin_query) in emission.queries.iter().zip(&plain.queries) {
                    let tokens = check(query, text);
                    let twin_tokens = check(twin_query, text);
                    assert_eq!(
                        lexer::shape(&tokens),
                        lexer::shape(&twin_tokens),
                        "input {text:?} changed the search\n{}\n--- twin:\n{}",
                        query.text,
                        twin_query.text
                    );
                    literals.extend(lexer::literals(&tokens));
                    checked += 1;
                }
                for value in hostile::expected_values(&detection, &places) {
                    assert!(
                        lexer::mentions(&literals, &value),
                        "input {text:?}: {value:?} not read back from {literals:?}"
                    );
                }
            }
        }
    }
    assert!(checked >= 4 * hostile::CASES, "{checked} searches checked");
}
