//! Timing a whole process with GNU time (`/usr/bin/time -v`): wall clock, user and system CPU,
//! and the peak resident set size.

use std::fmt;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

const TIME: &str = "/usr/bin/time";

/// What GNU time reports about one run.
#[derive(Debug, Clone, Default)]
pub struct Measure {
    /// Seconds.
    pub wall: f64,
    pub user: f64,
    pub system: f64,
    /// Kibibytes.
    pub rss_kib: u64,
}

impl Measure {
    pub fn cpu(&self) -> f64 {
        self.user + self.system
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.3} s wall, {:.3} s CPU, {:.0} MiB peak RSS",
            self.wall,
            self.cpu(),
            self.rss_kib as f64 / 1024.0
        )
    }
}

/// Fails with the way out when GNU time is missing (the shell's `time` keyword cannot report
/// memory).
pub fn check() -> Result<()> {
    let ok = Command::new(TIME)
        .args(["-v", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!("{TIME} -v does not run; install GNU time (Debian: apt-get install time)");
    }
    Ok(())
}

/// Runs `cmd` under GNU time, its output discarded, and fails if it fails.
pub fn measure(cmd: &mut Command) -> Result<Measure> {
    let shown = format!("{cmd:?}");
    let mut timed = Command::new(TIME);
    timed.arg("-v").arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let output = timed
        .stdout(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {shown} under {TIME}"))?;
    let report = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("{shown} failed with {}:\n{report}", output.status);
    }
    parse(&report).with_context(|| format!("cannot read GNU time's report for {shown}"))
}

/// Reads the lines of GNU time's verbose report that matter.
fn parse(report: &str) -> Result<Measure> {
    let mut m = Measure::default();
    let mut seen = 0;
    for line in report.lines().map(str::trim) {
        let Some((key, value)) = line.rsplit_once(": ") else {
            continue;
        };
        match key {
            "User time (seconds)" => m.user = value.parse()?,
            "System time (seconds)" => m.system = value.parse()?,
            "Maximum resident set size (kbytes)" => m.rss_kib = value.parse()?,
            "Elapsed (wall clock) time (h:mm:ss or m:ss)" => m.wall = clock(value)?,
            _ => continue,
        }
        seen += 1;
    }
    if seen != 4 {
        bail!("expected four figures, found {seen}:\n{report}");
    }
    Ok(m)
}

/// `h:mm:ss` or `m:ss.ss` as seconds.
fn clock(text: &str) -> Result<f64> {
    text.split(':').try_fold(0.0, |acc, part| {
        Ok(acc * 60.0 + part.parse::<f64>().context("a clock time")?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_verbose_report() {
        let report = "\tCommand being timed: \"x\"\n\tUser time (seconds): 1.25\n\
                      \tSystem time (seconds): 0.10\n\
                      \tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02.50\n\
                      \tMaximum resident set size (kbytes): 20480\n";
        let m = parse(report).unwrap();
        assert_eq!(m.wall, 62.5);
        assert_eq!(m.rss_kib, 20480);
        assert!((m.cpu() - 1.35).abs() < 1e-9);
        assert_eq!(clock("1:00:01").unwrap(), 3601.0);
    }
}
