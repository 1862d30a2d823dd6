//! Progress on standard error for big inputs: a bar over the bytes read, then a spinner while
//! the backend works. Shown only when standard error is a terminal, the run is not `-q`, and the
//! inputs are large; never in a pipe, a test or CI, whose logs a redrawn line would clutter.

use std::io::{self, BufRead, IsTerminal, Read};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this read in well under a second: no progress for them.
const LARGE_INPUT_BYTES: u64 = 10 * 1024 * 1024;

/// The progress display of one run, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar for `total` bytes of input (unknown for standard input, which gets none).
    pub fn new(total: Option<u64>, quiet: bool) -> Progress {
        if !shown(total, quiet, io::stderr().is_terminal()) {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "ioc-emit: reading {bar:30} {binary_bytes}/{binary_total_bytes} ({eta} left)",
            )
            .expect("the template is valid"),
        );
        Progress(Some(bar))
    }

    /// `inner`, counting what is read from it on the bar.
    pub fn reader<R: BufRead>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            bar: self.0.clone(),
        }
    }

    /// Turns the bar into a spinner saying what runs now.
    pub fn stage(&self, what: &str) {
        if let Some(bar) = &self.0 {
            bar.set_style(
                ProgressStyle::with_template("ioc-emit: {spinner} {msg} ({elapsed})")
                    .expect("the template is valid"),
            );
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Removes the display, before the run's own messages are written.
    pub fn clear(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Whether a run shows progress: on a terminal, without `-q`, for inputs of known size that
/// take a while to read.
fn shown(total: Option<u64>, quiet: bool, terminal: bool) -> bool {
    terminal && !quiet && total.is_some_and(|t| t >= LARGE_INPUT_BYTES)
}

/// A reader that moves the bar as its bytes are consumed.
pub struct Counted<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        if let Some(bar) = &self.bar {
            bar.inc(amount as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_for_large_inputs_on_a_terminal_without_quiet() {
        let large = Some(LARGE_INPUT_BYTES);
        assert!(shown(large, false, true));
        assert!(!shown(large, true, true), "-q");
        assert!(!shown(large, false, false), "not a terminal");
        assert!(!shown(Some(LARGE_INPUT_BYTES - 1), false, true), "small");
        assert!(!shown(None, false, true), "standard input, size unknown");
    }

    #[test]
    fn the_counted_reader_moves_the_bar_by_every_byte_once() {
        let bar = ProgressBar::hidden();
        let mut counted = Counted {
            inner: &b"one\ntwo\nthree"[..],
            bar: Some(bar.clone()),
        };
        let mut line = Vec::new();
        counted.read_until(b'\n', &mut line).unwrap();
        let mut rest = Vec::new();
        counted.read_to_end(&mut rest).unwrap();
        assert_eq!(bar.position(), 13);
    }
}
