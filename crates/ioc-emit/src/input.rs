//! Loading inputs: files, or standard input for `-`.
//!
//! Inputs are opened as streams ([`open`]): the readers take what they need, so a million-row
//! export is never held whole. The text checks (not empty, not binary, valid UTF-8) run on the
//! bytes as they pass, in [`Checked`]. Every failure names the input and, where there is one,
//! the place in it.

use std::io::{self, BufRead, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

/// One input opened for reading.
pub struct Stream {
    /// The name used in every location: the path as given, or `<stdin>`.
    pub name: String,
    /// The size in bytes, when it is known before reading (a file).
    pub size: Option<u64>,
    pub reader: Checked<Box<dyn Read>>,
}

/// Opens a file, or standard input for `-`.
pub fn open(arg: &str) -> Result<Stream> {
    if arg == "-" {
        let name = "<stdin>".to_string();
        let reader: Box<dyn Read> = Box::new(decoded(io::stdin()));
        return Ok(Stream {
            reader: Checked::new(&name, reader),
            name,
            size: None,
        });
    }
    let path = Path::new(arg);
    let meta = std::fs::metadata(path).with_context(|| format!("{arg}: cannot open"))?;
    if meta.is_dir() {
        bail!("{arg}: is a directory, not a file");
    }
    let file = std::fs::File::open(path).with_context(|| format!("{arg}: cannot read"))?;
    Ok(Stream {
        name: arg.to_string(),
        size: Some(meta.len()),
        reader: Checked::new(arg, Box::new(decoded(file))),
    })
}

/// The input as UTF-8: text with a UTF-16 byte-order mark is transcoded (a byte sequence UTF-16
/// cannot hold becomes U+FFFD), anything else passes through byte for byte, so that
/// [`Checked`] still finds invalid UTF-8 and NUL bytes where they are.
fn decoded<R: Read>(inner: R) -> DecodeReaderBytes<R, Vec<u8>> {
    DecodeReaderBytesBuilder::new()
        .utf8_passthru(true)
        .build(inner)
}

/// What a NUL byte near the start means: UTF-16 without a byte-order mark when every other
/// byte is NUL (ASCII text in UTF-16), a binary file otherwise.
fn nul_meaning(probe: &[u8]) -> &'static str {
    let sample = &probe[..probe.len().min(512)];
    let nuls = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let half = sample.len() / 2;
    let (even, odd) = (nuls(0), nuls(1));
    let utf16 = half >= 4 && (even.max(odd) * 10 >= half * 9) && (even.min(odd) * 10 <= half);
    if utf16 {
        "a NUL byte; this looks like UTF-16 text without a byte-order mark: save it as UTF-8 \
         (or as UTF-16 with a byte-order mark)"
    } else {
        "a NUL byte; this looks like a binary file, not a report"
    }
}

/// The bytes at the start of a file in which a NUL byte means "binary", as `grep` decides.
const BINARY_PROBE: u64 = 8192;

/// A reader that passes bytes through unchanged and fails, naming the place, when the input is
/// empty, holds a NUL byte near its start, or is not UTF-8. It validates across read
/// boundaries, so a reader after it may turn any whole line into text.
pub struct Checked<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    name: String,
    /// Bytes read so far, line breaks among them, and the offset just after the last one.
    offset: u64,
    breaks: u64,
    line_start: u64,
    /// The start of a UTF-8 sequence cut by the end of the last chunk.
    carry: Vec<u8>,
}

impl<R: Read> Checked<R> {
    pub fn new(name: &str, inner: R) -> Self {
        Checked {
            inner,
            buf: vec![0; 256 * 1024],
            pos: 0,
            len: 0,
            name: name.to_string(),
            offset: 0,
            breaks: 0,
            line_start: 0,
            carry: Vec::new(),
        }
    }

    /// The error for the byte at offset `at`, which lies in `chunk` (starting at `offset`) or,
    /// for a sequence cut by a chunk's end, just before it on the current line.
    fn error(&self, chunk: &[u8], at: u64, what: &str) -> io::Error {
        let (mut line, mut line_start) = (self.breaks + 1, self.line_start);
        if at > self.offset {
            let before = &chunk[..(at - self.offset) as usize];
            for (p, _) in before.iter().enumerate().filter(|(_, &b)| b == b'\n') {
                line += 1;
                line_start = self.offset + p as u64 + 1;
            }
        }
        let column = at - line_start + 1;
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}:{line}:{column}: {what}", self.name),
        )
    }

    fn invalid(&self, chunk: &[u8], at: u64) -> io::Error {
        self.error(chunk, at, &format!("invalid UTF-8 at byte {at}"))
    }

    /// Checks `chunk`, the next bytes of the input, and moves the position past it.
    fn check(&mut self, chunk: &[u8]) -> io::Result<()> {
        if self.offset < BINARY_PROBE {
            let probe = &chunk[..chunk.len().min((BINARY_PROBE - self.offset) as usize)];
            if let Some(p) = probe.iter().position(|&b| b == 0) {
                let what = nul_meaning(probe);
                return Err(self.error(chunk, self.offset + p as u64, what));
            }
        }
        // Complete a sequence cut by the last chunk, then check the rest in one go.
        let mut rest = chunk;
        if !self.carry.is_empty() {
            let start = self.offset - self.carry.len() as u64;
            let want = utf8_len(self.carry[0]);
            let take = want.saturating_sub(self.carry.len()).min(rest.len());
            self.carry.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            match std::str::from_utf8(&self.carry) {
                Ok(_) => self.carry.clear(),
                Err(e) if e.error_len().is_some() || self.carry.len() >= want => {
                    return Err(self.invalid(chunk, start));
                }
                Err(_) => {}
            }
        }
        if let Err(e) = std::str::from_utf8(rest) {
            let bad = chunk.len() - rest.len() + e.valid_up_to();
            match e.error_len() {
                Some(_) => return Err(self.invalid(chunk, self.offset + bad as u64)),
                None => self.carry.extend_from_slice(&chunk[bad..]),
            }
        }
        for (p, _) in chunk.iter().enumerate().filter(|(_, &b)| b == b'\n') {
            self.breaks += 1;
            self.line_start = self.offset + p as u64 + 1;
        }
        self.offset += chunk.len() as u64;
        Ok(())
    }
}

/// The length of the UTF-8 sequence that `lead` starts (1 for a byte that starts none, which
/// the check then refuses).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

impl<R: Read> BufRead for Checked<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len {
            let mut buf = std::mem::take(&mut self.buf);
            // The first chunk holds the whole probe for NUL bytes (or the whole input, if
            // shorter), however little the first reads return, so that what a NUL means can
            // be told from its neighbours.
            let want = if self.offset == 0 {
                BINARY_PROBE as usize
            } else {
                1
            };
            let mut filled = 0;
            let read = loop {
                match self.inner.read(&mut buf[filled..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Ok(0) => break Ok(filled),
                    Ok(n) if filled + n < want => filled += n,
                    Ok(n) => break Ok(filled + n),
                    Err(e) => break Err(e),
                }
            };
            let checked = read.and_then(|n| {
                if n == 0 && self.offset == 0 {
                    let empty = format!("{}: the file is empty", self.name);
                    return Err(io::Error::new(io::ErrorKind::InvalidData, empty));
                }
                if n == 0 && !self.carry.is_empty() {
                    let at = self.offset - self.carry.len() as u64;
                    return Err(self.invalid(&[], at));
                }
                self.check(&buf[..n]).map(|()| n)
            });
            self.buf = buf;
            self.len = checked?;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.len])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.len);
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// One input, read whole and checked to be text: for a detection file, which is small and
/// parsed at once.
pub struct Input {
    /// The name used in every location: the path as given, or `<stdin>`.
    pub name: String,
    pub text: String,
}

pub fn load(arg: &str) -> Result<Input> {
    let (name, bytes) = if arg == "-" {
        let mut bytes = Vec::new();
        decoded(std::io::stdin())
            .read_to_end(&mut bytes)
            .context("<stdin>: cannot read standard input")?;
        ("<stdin>".to_string(), bytes)
    } else {
        let path = Path::new(arg);
        let meta = std::fs::metadata(path).with_context(|| format!("{arg}: cannot open"))?;
        if meta.is_dir() {
            bail!("{arg}: is a directory, not a file");
        }
        let mut bytes = Vec::new();
        decoded(std::fs::File::open(path).with_context(|| format!("{arg}: cannot read"))?)
            .read_to_end(&mut bytes)
            .with_context(|| format!("{arg}: cannot read"))?;
        (arg.to_string(), bytes)
    };
    let text = into_text(&name, bytes)?;
    Ok(Input { name, text })
}

/// The whole-input form of the checks [`Checked`] makes on a stream; the fuzz targets call it.
pub(crate) fn into_text(name: &str, bytes: Vec<u8>) -> Result<String> {
    if bytes.is_empty() {
        bail!("{name}: the file is empty");
    }
    if let Some(at) = bytes
        .iter()
        .take(BINARY_PROBE as usize)
        .position(|&b| b == 0)
    {
        let (line, column) = position(&bytes, at);
        let what = nul_meaning(&bytes[..bytes.len().min(BINARY_PROBE as usize)]);
        bail!("{name}:{line}:{column}: {what}");
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
        let err = stream(b"ok\nab\xffc", 64).unwrap_err();
        assert_eq!(err, "x.md:2:3: invalid UTF-8 at byte 5");
    }

    /// Reads `bytes` through [`Checked`] in chunks of `size`, as a slow pipe would give them.
    fn stream(bytes: &[u8], size: usize) -> Result<Vec<u8>, String> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        Checked::new("x.md", Trickle(bytes, size))
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn the_stream_check_names_the_same_place_as_the_whole_check() {
        let bad = "ok\nab\u{e9}\u{1F600}c".as_bytes().to_vec();
        for size in [1, 2, 3, 5, 64] {
            assert_eq!(stream(&bad, size).unwrap(), bad);
            let mut cut = bad.clone();
            cut.truncate(cut.len() - 2);
            cut.extend_from_slice(b"\nz\xff");
            let want = into_text("x.md", cut.clone()).unwrap_err().to_string();
            assert_eq!(stream(&cut, size).unwrap_err(), want, "chunks of {size}");
            let mut early = b"first\nx".to_vec();
            early.extend_from_slice(&"\u{e9}".as_bytes()[..1]);
            early.extend_from_slice(b"y");
            let want = into_text("x.md", early.clone()).unwrap_err().to_string();
            assert_eq!(stream(&early, size).unwrap_err(), want, "chunks of {size}");
        }
        assert!(stream(b"a\0b", 1)
            .unwrap_err()
            .contains("x.md:1:2: a NUL byte"));
        assert_eq!(stream(b"", 4).unwrap_err(), "x.md: the file is empty");
    }

    #[test]
    fn binary_and_empty_inputs_are_refused() {
        assert!(stream(&[1, 0, 2], 64).unwrap_err().contains("binary"));
        assert!(stream(b"", 64).unwrap_err().contains("empty"));
        assert!(into_text("b", vec![1, 0, 2]).is_err());
    }
}
