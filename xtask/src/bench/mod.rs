//! `cargo xtask bench`: whole runs of the release binary on generated ThreatFox exports, timed
//! by GNU time, beside pySigma converting the same values.
//!
//! For each size the bench writes `<target dir>/bench/threatfox-<n>.csv` (see [`feed`]), runs
//! `ioc-emit` on it once per backend and mode with `--out-dir` (KQL and SPL inline only up to
//! 100,000 rows, lookup mode at every size), and records wall time, CPU time
//! (user plus system) and peak resident memory from `/usr/bin/time -v`. pySigma then converts
//! the Sigma rules our own Sigma backend wrote for the same input, with its Splunk and Kusto
//! backends, from its own virtual environment (`tools/bench`, pinned); beside each, our SPL or
//! KQL backend writes the same feed's inline queries to standard output, as `sigma convert`
//! writes one file, and the table gives the ratio of pySigma's wall time to ours.
//!
//! Nothing here asserts a time: the figures are for the README, measured on a stated machine.

mod feed;
mod time;

use std::fmt::Write as _;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use self::time::Measure;

const USAGE_SIZES: &str = "10000,100000,1000000";

#[derive(Debug)]
pub struct Options {
    pub sizes: Vec<u64>,
    /// The largest size pySigma is run on; its time grows fast and a 1M-value rule takes it
    /// many minutes.
    pub pysigma_max: u64,
    pub pysigma: bool,
    /// Runs of each of our measurements; the one with the median wall time is reported. The
    /// machine's figures move by a second or more from run to run at a million rows.
    pub repeat: usize,
    /// A quick check that every run works: 1,000 rows, the debug binary, no pySigma.
    pub smoke: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            sizes: parse_sizes(USAGE_SIZES)?,
            pysigma_max: 100_000,
            pysigma: true,
            repeat: 3,
            smoke: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || {
                it.next()
                    .with_context(|| format!("{arg} needs a value"))
                    .cloned()
            };
            match arg.as_str() {
                "--sizes" => options.sizes = parse_sizes(&value()?)?,
                "--pysigma-max" => {
                    options.pysigma_max = value()?.parse().context("--pysigma-max: a number")?
                }
                "--no-pysigma" => options.pysigma = false,
                "--repeat" => {
                    options.repeat = value()?.parse().context("--repeat: a number")?;
                    if options.repeat == 0 {
                        bail!("--repeat: at least one run");
                    }
                }
                "--smoke" => {
                    options.smoke = true;
                    options.pysigma = false;
                    options.repeat = 1;
                }
                other => bail!("bench: unknown option {other:?}"),
            }
        }
        Ok(options)
    }
}

fn parse_sizes(text: &str) -> Result<Vec<u64>> {
    text.split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse::<u64>()
                .with_context(|| format!("--sizes: {s:?} is not a number"))
        })
        .collect()
}

/// One of our runs: backend and mode, and the largest input it is run on.
struct Run {
    backend: &'static str,
    mode: &'static str,
    /// `None` for every size.
    max_rows: Option<u64>,
}

/// KQL and SPL inline stop here: a million values inline is thousands of parts no one would
/// deploy, and lookup mode is the form the backends recommend past a few thousand.
const INLINE_MAX: u64 = 100_000;

const RUNS: &[Run] = &[
    Run {
        backend: "kql",
        mode: "inline",
        max_rows: Some(INLINE_MAX),
    },
    Run {
        backend: "kql",
        mode: "lookup",
        max_rows: None,
    },
    Run {
        backend: "spl",
        mode: "inline",
        max_rows: Some(INLINE_MAX),
    },
    Run {
        backend: "spl",
        mode: "lookup",
        max_rows: None,
    },
    // Sigma has no lookup form (its lookup mode writes inline rules and says so), and ES|QL
    // has no lookup mode: both run inline at every size.
    Run {
        backend: "sigma",
        mode: "inline",
        max_rows: None,
    },
    Run {
        backend: "esql",
        mode: "inline",
        max_rows: None,
    },
];

/// One row of the table.
struct Row {
    size: u64,
    tool: String,
    measure: Measure,
    /// Files written (queries, rules, lookup tables, the summary).
    outputs: usize,
    /// pySigma's wall time over ours, for the same target language and size.
    ratio: Option<f64>,
}

pub fn run(options: &Options) -> Result<()> {
    time::check()?;
    let root = crate::root();
    let dir = crate::target_dir().join("bench");
    fs::create_dir_all(&dir)?;
    let bin = build(&root, options.smoke)?;
    let venv = if options.pysigma {
        Some(pysigma_setup(&root)?)
    } else {
        None
    };
    let sizes = if options.smoke {
        vec![1000]
    } else {
        options.sizes.clone()
    };

    let mut rows = Vec::new();
    for &size in &sizes {
        let input = dir.join(format!("threatfox-{size}.csv"));
        generate(size, &input)?;
        for run in RUNS
            .iter()
            .filter(|r| r.max_rows.is_none_or(|max| size <= max))
        {
            let out = dir.join(format!("out-{size}-{}-{}", run.backend, run.mode));
            let measure = median(options.repeat, || {
                let _ = fs::remove_dir_all(&out);
                let mut cmd = ours(&bin, run, &input);
                cmd.arg("--out-dir").arg(&out);
                time::measure(&mut cmd)
            })?;
            eprintln!(
                "bench: {size} rows, {} {}: {measure}",
                run.backend, run.mode
            );
            rows.push(Row {
                size,
                tool: format!("ioc-emit {} {}", run.backend, run.mode),
                measure,
                outputs: count_files(&out),
                ratio: None,
            });
        }
        let Some(venv) = &venv else { continue };
        if size > options.pysigma_max {
            eprintln!("bench: pySigma left out at {size} rows (over --pysigma-max)");
            continue;
        }
        // pySigma converts the Sigma rules our Sigma backend wrote for the same feed, into the
        // language of one of our backends; both sides write their queries to one stream.
        let rules = dir.join(format!("out-{size}-sigma-inline"));
        for (target, backend) in [("splunk", "spl"), ("kusto", "kql")] {
            let run = Run {
                backend,
                mode: "inline",
                max_rows: None,
            };
            let measure = median(options.repeat, || {
                time::measure(&mut ours(&bin, &run, &input))
            })?;
            eprintln!("bench: {size} rows, {backend} inline to stdout: {measure}");
            let ours_wall = measure.wall;
            rows.push(Row {
                size,
                tool: format!("ioc-emit {backend} inline, to stdout"),
                measure,
                outputs: 1,
                ratio: None,
            });

            let out = dir.join(format!("pysigma-{size}-{target}.txt"));
            let mut cmd = Command::new(venv.join("bin/sigma"));
            // Without a pipeline: the field names stay Sysmon's, and no pipeline refuses a
            // log source (the XDR and ASIM pipelines have no proxy table).
            cmd.args(["convert", "-t", target, "--without-pipeline", "-o"])
                .arg(&out)
                .arg(&rules);
            let measure = time::measure(&mut cmd)?;
            eprintln!("bench: {size} rows, pySigma {target}: {measure}");
            rows.push(Row {
                size,
                tool: format!("pySigma {target} (sigma convert of our rules)"),
                ratio: Some(measure.wall / ours_wall.max(0.01)),
                measure,
                outputs: 1,
            });
        }
    }
    println!("{}", table(&rows));
    println!(
        "Ours: of {} runs each, the one with the median wall time (all its figures shown); \
         pySigma: one run.",
        options.repeat
    );
    println!("{}", machine());
    Ok(())
}

/// Takes `n` measurements and returns the one with the median wall time (the later one of the
/// middle two when `n` is even).
fn median(n: usize, mut measure: impl FnMut() -> Result<Measure>) -> Result<Measure> {
    let mut all = (0..n).map(|_| measure()).collect::<Result<Vec<_>>>()?;
    all.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    Ok(all.swap_remove(n / 2))
}

/// Our binary on `input` for one backend and mode, quiet.
fn ours(bin: &Path, run: &Run, input: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(["--backend", run.backend, "--mode", run.mode, "-q"])
        .arg(input);
    if run.backend == "kql" && run.mode == "lookup" {
        // Past Sentinel's 3.8 MB watchlist upload cap the queries read the CSV from a URL;
        // below it the setting is not used.
        cmd.args([
            "--set",
            "lookup-url=https://example.invalid/ioc-watchlist.csv",
        ]);
    }
    cmd
}

/// Builds the binary: the release build for figures, the debug build (which the tests have
/// built already) for a smoke run.
fn build(root: &Path, smoke: bool) -> Result<PathBuf> {
    let mut args = vec!["build", "--locked", "--quiet", "-p", "ioc-emit"];
    if !smoke {
        args.push("--release");
    }
    crate::status(Command::new(crate::cargo()).args(&args).current_dir(root))?;
    Ok(crate::target_dir()
        .join(if smoke { "debug" } else { "release" })
        .join(format!("ioc-emit{}", std::env::consts::EXE_SUFFIX)))
}

/// Writes the export of `size` rows unless an identical one is there already.
fn generate(size: u64, path: &Path) -> Result<()> {
    let mut bytes = Vec::new();
    feed::write(size, &mut bytes)?;
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let file = fs::File::create(path).with_context(|| format!("{}", path.display()))?;
    let mut out = BufWriter::new(file);
    std::io::Write::write_all(&mut out, &bytes)?;
    Ok(())
}

/// The files a run wrote, without the hidden list of them ioc-emit keeps.
fn count_files(dir: &Path) -> usize {
    fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

/// Installs pySigma into `tools/bench/.venv` from the lock; returns the venv.
fn pysigma_setup(root: &Path) -> Result<PathBuf> {
    let here = root.join("tools/bench");
    crate::status(Command::new("bash").arg(here.join("setup.sh")))?;
    Ok(here.join(".venv"))
}

fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str(
        "| indicators | run | wall s | CPU s | peak RSS MiB | files | indicators/s | \
         pySigma wall ÷ ours |\n|---:|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} | {:.3} | {:.0} | {} | {:.0} | {} |",
            group(row.size),
            row.tool,
            row.measure.wall,
            row.measure.cpu(),
            row.measure.rss_kib as f64 / 1024.0,
            row.outputs,
            row.size as f64 / row.measure.wall.max(1e-9),
            row.ratio.map_or(String::new(), |r| format!("{r:.0}x")),
        );
    }
    out
}

/// `1000000` as `1,000,000`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The machine, as the README states it beside the figures.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, m)| m.trim())
        .to_string();
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "Machine: {cores} cores ({model}), {mem_gib:.0} GiB memory; load average at the end: \
         {load}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_groups() {
        assert_eq!(parse_sizes("10_000, 5").unwrap(), [10_000, 5]);
        assert!(parse_sizes("ten").is_err());
        assert_eq!(group(1_000_000), "1,000,000");
        assert_eq!(group(999), "999");
    }

    #[test]
    fn the_median_run_is_kept_whole() {
        let walls = [3.0, 1.0, 2.0, 9.0];
        let mut next = walls.iter().enumerate();
        let picked = median(4, || {
            let (i, &wall) = next.next().unwrap();
            Ok(Measure {
                wall,
                rss_kib: i as u64,
                ..Measure::default()
            })
        })
        .unwrap();
        // Sorted walls 1, 2, 3, 9: the later middle one, with its own memory figure.
        assert_eq!((picked.wall, picked.rss_kib), (3.0, 0));
        let one = median(1, || {
            Ok(Measure {
                wall: 5.0,
                ..Measure::default()
            })
        })
        .unwrap();
        assert_eq!(one.wall, 5.0);
    }
}
