//! Project automation: `cargo xtask <command>`.
//!
//! - `setup`: installs the offline validators the tests call (Kusto.Language from npm, the
//!   duckdb-kql engine, Splunk's conf-file parser, pySigma's Elasticsearch backend and the Sigma
//!   tools from PyPI), each pinned by a lock file.
//! - `golden`: runs every fixture through every backend and diffs against the expected files,
//!   and diffs `--list-backends` against `fixtures/backends.txt`.
//! - `test`: the whole test suite, as CI runs it, including the out-of-tree example backend.
//! - `fuzz`: runs the cargo-fuzz targets in `fuzz/` (see `fuzz.rs`).
//! - `bench`: whole runs of the release binary on generated feeds, beside pySigma (see
//!   `bench/mod.rs`). Not part of `test`: it measures, and asserts nothing.

mod bench;
mod example;
mod fuzz;
mod golden;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup                 install the validators the tests call (npm ci, the Python venvs)
  golden [options]      run every fixture through every backend and diff the output,
                        and diff --list-backends against fixtures/backends.txt
      --bless           rewrite the expected files instead of comparing
      --case NAME       only this case (repeatable)
      --backend NAME    only this backend (repeatable)
      --fixtures DIR    read cases from DIR instead of fixtures/
      --bin PATH        use this ioc-emit binary instead of building one
  test                  setup, cargo test --workspace, the example backend, golden
  fuzz [options]        run the fuzz targets (installs cargo-fuzz if it is missing)
      --seconds N       how long each target runs (default 300; 0 runs none)
      --target NAME     only this target (repeatable): pipeline, writeup, threatfox_json,
                        threatfox_csv, misp, stix, csv, text
      --minimize        merge what the runs found into fuzz/corpus, keeping only new coverage
  bench [options]       time whole runs on generated ThreatFox exports, beside pySigma
      --sizes N,N,...   the input sizes in rows (default 10000,100000,1000000)
      --pysigma-max N   run pySigma only up to this size (default 100000)
      --no-pysigma      only our binary
      --repeat N        runs of each of ours; the median wall time's run is shown (default 3)
      --smoke           1,000 rows, the debug binary, no pySigma: a quick check that it runs";

fn main() {
    if let Err(err) = run() {
        eprintln!("xtask: error: {err:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("golden") => {
            let ok = golden::run(&golden::Options::parse(&args[1..])?)?;
            if !ok {
                std::process::exit(1);
            }
            Ok(())
        }
        Some("test") => test(),
        Some("fuzz") => fuzz::run(&fuzz::Options::parse(&args[1..])?),
        Some("bench") => bench::run(&bench::Options::parse(&args[1..])?),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

/// The workspace root: the parent of this crate's manifest directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .into()
}

/// Runs a command, failing with its name if it fails.
pub fn status(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: running {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

fn setup() -> Result<()> {
    let kusto = root().join("tools/kusto-check");
    status(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&kusto),
    )?;
    status(Command::new("bash").arg(root().join("tools/kql-run/setup.sh")))?;
    status(Command::new("bash").arg(root().join("tools/esql-check/setup.sh")))?;
    status(Command::new("bash").arg(root().join("tools/splunk-conf-check/setup.sh")))?;
    let sigma = root().join("tools/sigma-check/check.sh");
    if sigma.exists() {
        status(Command::new("bash").arg(&sigma).arg("--setup"))?;
    }
    Ok(())
}

fn test() -> Result<()> {
    setup()?;
    let root = root();
    status(
        Command::new("npm")
            .arg("test")
            .current_dir(root.join("tools/kusto-check")),
    )?;
    status(
        Command::new(cargo())
            .args(["test", "--workspace", "--locked"])
            .current_dir(&root),
    )?;
    example::check()?;
    // The self-check first, so the last golden tally printed is the real run's.
    golden::self_check()?;
    let ok = golden::run(&golden::Options::default())?;
    if !ok {
        bail!("golden outputs differ; review the diffs above, then `cargo xtask golden --bless`");
    }
    eprintln!("xtask: every test passed");
    Ok(())
}

/// Where cargo builds: `CARGO_TARGET_DIR`, or `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}
