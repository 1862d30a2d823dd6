//! Loading inputs: files, or standard input for `-`.
//!
//! Every failure names the input and, where there is one, the place in it.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// One input, read whole and checked to be text.
pub struct Input {
    /// The name used in every location: the path as given, or `<stdin>`.
    pub name: String,
    pub text: String,
}

pub fn load(arg: &str) -> Result<Input> {
    let (name, bytes) = if arg == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("<stdin>: cannot read standard input")?;
        ("<stdin>".to_string(), bytes)
    } else {
        let path = Path::new(arg);
        let meta = std::fs::metadata(path).with_context(|| format!("{arg}: cannot open"))?;
        if meta.is_dir() {
            bail!("{arg}: is a directory, not a file");
        }
        let bytes = std::fs::read(path).with_context(|| format!("{arg}: cannot read"))?;
        (arg.to_string(), bytes)
    };
    let text = into_text(&name, bytes)?;
    Ok(Input { name, text })
}

pub(crate) fn into_text(name: &str, bytes: Vec<u8>) -> Result<String> {
    if bytes.is_empty() {
        bail!("{name}: the file is empty");
    }
    if let Some(at) = bytes.iter().take(8192).position(|&b| b == 0) {
        let (line, column) = position(&bytes, at);
        bail!("{name}:{line}:{column}: a NUL byte; this looks like a binary file, not a report");
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.remove(0);
            }
            Ok(text)
        }
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let (line, column) = position(err.as_bytes(), at);
            bail!("{name}:{line}:{column}: invalid UTF-8 at byte {at}")
        }
    }
}

/// The 1-based line and column (in bytes) of a byte offset.
fn position(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = at
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_the_line_and_column() {
        let err = into_text("x.md", b"ok\nab\xffc".to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "x.md:2:3: invalid UTF-8 at byte 5");
    }

    #[test]
    fn binary_and_empty_inputs_are_refused() {
        assert!(into_text("b", vec![1, 0, 2])
            .unwrap_err()
            .to_string()
            .contains("binary"));
        assert!(into_text("e", Vec::new())
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert_eq!(
            into_text("bom", "\u{feff}hi".as_bytes().to_vec()).unwrap(),
            "hi"
        );
    }
}
