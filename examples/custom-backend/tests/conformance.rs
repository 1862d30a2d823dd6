//! The CSV backend through ioc-emit's conformance kit.

use ioc_conformance::LiteralDecoder;

/// Reads every field of an RFC 4180 file: plain fields end at a comma or a line break; quoted
/// fields end at a lone double quote, and a doubled one stands for itself.
struct CsvFields;

impl LiteralDecoder for CsvFields {
    fn literals(&self, text: &str) -> Result<Vec<String>, String> {
        let mut fields = Vec::new();
        let mut chars = text.chars().peekable();
        while chars.peek().is_some() {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => field.push(c),
                        None => return Err("an unclosed quoted field".to_string()),
                    }
                }
            }
            loop {
                match chars.next() {
                    None | Some(',') | Some('\n') => break,
                    Some('"') => return Err("a quote inside an unquoted field".to_string()),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
        Ok(fields)
    }
}

#[test]
fn csv_conforms() {
    ioc_conformance::check(&custom_backend::Csv, &CsvFields);
}
