//! `cargo xtask fuzz`: runs the cargo-fuzz targets in `fuzz/` for a while each.
//!
//! cargo-fuzz builds with `-Z` flags that only nightly Rust accepts. The machines here have
//! stable Rust, and `RUSTC_BOOTSTRAP=1` makes a stable compiler accept them; that is the only
//! thing it changes. Sanitizers are off (`-s none`): the code is safe Rust, where AddressSanitizer
//! finds nothing and halves the speed. Debug assertions are on (`-a`), so integer overflow
//! panics as it does in a debug build.
//!
//! Each target reads its seeds from `fuzz/corpus/<target>` and keeps what it finds in
//! `fuzz/corpus-work/<target>` (not committed). `--minimize` then keeps a small set of what the
//! runs found beside the seeds (see [`minimize`]). A crash is written to
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
            // libFuzzer's "Done N runs in S second(s)" above is the fuzzing time; this one also
            // counts the build.
            eprintln!(
                "xtask: fuzz target {target}: no crash ({} s with the build)",
                started.elapsed().as_secs()
            );
        }
        if options.minimize {
            minimize(&dir, target)?;
        }
    }
    Ok(())
}

/// The largest found input `--minimize` considers.
const KEPT_BYTES: u64 = 512;

/// The bytes of found inputs one target keeps beside its seeds: the corpus is committed and
/// replayed by every test run, so it should stay at a few hundred KB in all.
const FOUND_BUDGET: u64 = 24 * 1024;

/// An input reaching fewer new edges than this is not worth a file: the long tail of inputs
/// that add a few edges each would make the corpus ten times larger.
const MIN_NEW_EDGES: usize = 8;

/// Replaces the found inputs in `fuzz/corpus/<target>` (those named by their SHA-1, as libFuzzer
/// names them; the seeds keep their fixture names) with a small set chosen from them and the
/// short inputs of the working corpus: greedily, the input that reaches the most code edges not
/// yet reached (by the seeds or an input already chosen), until none adds [`MIN_NEW_EDGES`] or
/// the budget is spent. libFuzzer's own merge keeps any input that adds an edge: about a
/// thousand per target here.
fn minimize(dir: &Path, target: &str) -> Result<()> {
    let corpus = dir.join("corpus").join(target);
    let scratch = dir.join("corpus-work").join(format!("{target}.minimize"));
    let _ = std::fs::remove_dir_all(&scratch);
    let (short, out) = (scratch.join("short"), scratch.join("out"));
    for folder in [&short, &out] {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("{}: cannot create", folder.display()))?;
    }
    for path in files(&dir.join("corpus-work").join(target))? {
        if path.metadata()?.len() <= KEPT_BYTES {
            std::fs::copy(&path, short.join(path.file_name().expect("a file name")))?;
        }
    }

    // A merge run measures the coverage of every input and writes it to the control file.
    let control = scratch.join("control");
    status(
        cargo_fuzz(dir)
            .args(["run", "-s", "none", "-a", target])
            .arg(&out)
            .arg(&corpus)
            .arg(&short)
            .arg("--")
            .args(["-merge=1", "-use_counters=0"])
            .arg(format!("-merge_control_file={}", control.display())),
    )?;
    let text = std::fs::read_to_string(&control)
        .with_context(|| format!("{}: cannot read", control.display()))?;
    let chosen = choose(&text)?;

    let kept = scratch.join("kept");
    std::fs::create_dir_all(&kept)?;
    for path in &chosen {
        std::fs::copy(path, kept.join(path.file_name().expect("a file name")))?;
    }
    for path in files(&corpus)? {
        if is_found(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    for path in files(&kept)? {
        std::fs::copy(&path, corpus.join(path.file_name().expect("a file name")))?;
    }
    std::fs::remove_dir_all(&scratch)?;
    let bytes: u64 = chosen
        .iter()
        .filter_map(|p| p.metadata().ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "xtask: fuzz corpus {target}: kept {} found inputs ({bytes} bytes) beside the seeds",
        chosen.len()
    );
    Ok(())
}

/// Reads a libFuzzer merge control file (the input count, the count already in the output, the
/// input paths, then `COV <index> <edges...>` per input) and chooses the found inputs to keep.
fn choose(control: &str) -> Result<Vec<std::path::PathBuf>> {
    let mut lines = control.lines();
    let count: usize = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .context("the merge control file has no input count")?;
    lines.next();
    let paths: Vec<std::path::PathBuf> = lines.by_ref().take(count).map(Into::into).collect();
    let mut edges: Vec<Vec<u32>> = vec![Vec::new(); paths.len()];
    for line in lines {
        let mut words = line.split_whitespace();
        if words.next() != Some("COV") {
            continue;
        }
        let index: usize = words
            .next()
            .and_then(|w| w.parse().ok())
            .context("a COV line without an index")?;
        if let Some(list) = edges.get_mut(index) {
            list.extend(words.filter_map(|w| w.parse::<u32>().ok()));
        }
    }

    let mut reached = std::collections::HashSet::new();
    let mut candidates = Vec::new();
    for (path, list) in paths.iter().zip(edges) {
        if is_found(path) {
            let size = path.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
            candidates.push((path.clone(), size, list));
        } else {
            reached.extend(list);
        }
    }
    let mut chosen = Vec::new();
    let mut spent = 0;
    loop {
        let best = candidates
            .iter()
            .enumerate()
            .filter(|(_, (_, size, _))| spent + size <= FOUND_BUDGET)
            .map(|(i, (_, size, list))| {
                let new = list.iter().filter(|e| !reached.contains(*e)).count();
                (new, std::cmp::Reverse(*size), i)
            })
            .max();
        let Some((_, _, i)) = best.filter(|(new, _, _)| *new >= MIN_NEW_EDGES) else {
            break;
        };
        let (path, size, list) = candidates.swap_remove(i);
        reached.extend(list);
        spent += size;
        chosen.push(path);
    }
    Ok(chosen)
}

/// Whether libFuzzer found this input: it names what it finds by the SHA-1 of the content.
fn is_found(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.len() == 40 && n.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The files directly in `dir`, sorted; none if it does not exist.
fn files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
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
