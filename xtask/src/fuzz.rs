//! `cargo xtask fuzz`: runs the cargo-fuzz targets in `fuzz/` for a while each.
//!
//! cargo-fuzz builds with `-Z` flags that only nightly Rust accepts. The machines here have
//! stable Rust, and `RUSTC_BOOTSTRAP=1` makes a stable compiler accept them; that is the only
//! thing it changes. Sanitizers are off (`-s none`): the code is safe Rust, where AddressSanitizer
//! finds nothing and halves the speed. Debug assertions are on (`-a`), so integer overflow
//! panics as it does in a debug build.
//!
//! Each target reads its seeds from `fuzz/corpus/<target>` and keeps what it finds in
//! `fuzz/corpus-work/<target>` (not committed). `--minimize` then merges the short inputs of the
//! working corpus into the seeds, keeping only those that reach new code. A crash is written to
//! `fuzz/artifacts/<target>/`; commit it, and `tests/fuzz_corpus.rs` replays it in every test
//! run.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::{root, status};

pub const TARGETS: [&str; 8] = [
    "pipeline",
    "writeup",
    "threatfox_json",
    "threatfox_csv",
    "misp",
    "stix",
    "csv",
    "text",
];

pub struct Options {
    seconds: u64,
    targets: Vec<String>,
    minimize: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            seconds: 300,
            targets: Vec::new(),
            minimize: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => {
                    let value = args.next().context("--seconds needs a number")?;
                    options.seconds = value
                        .parse()
                        .with_context(|| format!("--seconds {value:?} is not a number"))?;
                }
                "--target" => {
                    let name = args.next().context("--target needs a name")?;
                    if !TARGETS.contains(&name.as_str()) {
                        bail!("no fuzz target {name:?}; targets: {}", TARGETS.join(", "));
                    }
                    options.targets.push(name.clone());
                }
                "--minimize" => options.minimize = true,
                other => bail!("unknown fuzz option {other:?}"),
            }
        }
        if options.targets.is_empty() {
            options.targets = TARGETS.iter().map(|t| t.to_string()).collect();
        }
        Ok(options)
    }
}

/// Runs every chosen target for the given time, one after the other; fails at the first crash.
pub fn run(options: &Options) -> Result<()> {
    ensure_cargo_fuzz()?;
    let dir = root().join("fuzz");
    for target in &options.targets {
        if options.seconds > 0 {
            let work = dir.join("corpus-work").join(target);
            std::fs::create_dir_all(&work)
                .with_context(|| format!("{}: cannot create", work.display()))?;
            let started = Instant::now();
            let result = status(
                cargo_fuzz(&dir)
                    .args(["run", "-s", "none", "-a", target])
                    .arg(&work)
                    .arg(Path::new("corpus").join(target))
                    .arg("--")
                    .arg(format!("-max_total_time={}", options.seconds))
                    // A slow input is a bug too: quadratic parsing stalls a real run.
                    .arg("-timeout=10")
                    .arg("-rss_limit_mb=2048")
                    .arg("-print_final_stats=1"),
            );
            result.with_context(|| {
                format!(
                    "fuzz target {target} failed after {} s; the input is in fuzz/artifacts/{target}/",
                    started.elapsed().as_secs()
                )
            })?;
            eprintln!(
                "xtask: fuzz target {target} ran {} s with no crash",
                started.elapsed().as_secs()
            );
        }
        if options.minimize {
            minimize(&dir, target)?;
        }
    }
    Ok(())
}

/// The largest found input `--minimize` keeps. Short inputs reach most of the code the long
/// ones do, and the corpus is committed: it should stay at a few hundred KB in all.
const KEPT_BYTES: u64 = 256;

/// Merges the working corpus into the committed seeds, keeping only short inputs that reach code
/// the seeds do not. Coverage is counted by edges alone (`-use_counters=0`): counting how often
/// each edge runs would keep thousands of inputs.
fn minimize(dir: &Path, target: &str) -> Result<()> {
    let work = dir.join("corpus-work").join(target);
    if !work.is_dir() {
        return Ok(());
    }
    let short = dir.join("corpus-work").join(format!("{target}.short"));
    let _ = std::fs::remove_dir_all(&short);
    std::fs::create_dir_all(&short)
        .with_context(|| format!("{}: cannot create", short.display()))?;
    for entry in std::fs::read_dir(&work).with_context(|| format!("{}", work.display()))? {
        let path = entry?.path();
        if path
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() <= KEPT_BYTES)
        {
            std::fs::copy(&path, short.join(path.file_name().expect("a file name")))?;
        }
    }
    let merged = status(
        cargo_fuzz(dir)
            .args(["run", "-s", "none", "-a", target])
            .arg(Path::new("corpus").join(target))
            .arg(&short)
            .args(["--", "-merge=1", "-use_counters=0"]),
    );
    let _ = std::fs::remove_dir_all(&short);
    merged
}

fn cargo_fuzz(dir: &Path) -> Command {
    let mut cmd = Command::new(crate::cargo());
    cmd.arg("fuzz")
        .current_dir(dir)
        // cargo-fuzz passes nightly-only flags (-Z...); this lets stable rustc accept them.
        .env("RUSTC_BOOTSTRAP", "1");
    cmd
}

fn ensure_cargo_fuzz() -> Result<()> {
    let installed = Command::new(crate::cargo())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        status(Command::new(crate::cargo()).args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}
