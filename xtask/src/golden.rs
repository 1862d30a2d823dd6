//! Golden tests: every fixture case through every backend, diffed against the expected files.
//!
//! A case is a folder under `fixtures/`: its inputs are the files named `input*`, an optional
//! `case.toml` sets extra arguments, and `expected/<backend>.out` and
//! `expected/<backend>.json` hold the text output and the `--format json` summary. Adding a case
//! means adding files. The binary runs inside the case folder with relative input names, so
//! locations in the summaries are the same on every machine.
//!
//! `fixtures/backends.txt` holds the expected `--list-backends`: the one place where a backend
//! crate that silently stopped being linked shows up.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use similar::TextDiff;

#[derive(Debug, Default)]
pub struct Options {
    pub bless: bool,
    pub cases: Vec<String>,
    pub backends: Vec<String>,
    pub fixtures: Option<PathBuf>,
    pub bin: Option<PathBuf>,
    /// Leave out the closing tally (the self-check's runs are meant to fail).
    pub quiet: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || {
                it.next()
                    .with_context(|| format!("{arg} needs a value"))
                    .cloned()
            };
            match arg.as_str() {
                "--bless" => options.bless = true,
                "--case" => options.cases.push(value()?),
                "--backend" => options.backends.push(value()?),
                "--fixtures" => options.fixtures = Some(value()?.into()),
                "--bin" => options.bin = Some(value()?.into()),
                other => bail!("golden: unknown option {other:?}"),
            }
        }
        Ok(options)
    }
}

/// `case.toml`: arguments for every backend, per-backend arguments, and which backends apply.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseConfig {
    #[serde(default)]
    args: Vec<String>,
    /// Backends this case is for; all linked backends when absent.
    backends: Option<Vec<String>>,
    #[serde(default)]
    backend: BTreeMap<String, BackendConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackendConfig {
    #[serde(default)]
    args: Vec<String>,
}

/// Runs the golden comparison; returns whether everything matched (or was blessed).
pub fn run(options: &Options) -> Result<bool> {
    let bin = match &options.bin {
        Some(bin) => bin.clone(),
        None => build()?,
    };
    let linked = linked_backends(&bin)?;
    for name in &options.backends {
        if !linked.contains(name) {
            bail!(
                "--backend {name}: not a linked backend ({})",
                linked.join(", ")
            );
        }
    }
    let fixtures = options
        .fixtures
        .clone()
        .unwrap_or_else(|| crate::root().join("fixtures"));
    let mut cases: Vec<PathBuf> = fs::read_dir(&fixtures)
        .with_context(|| format!("cannot list {}", fixtures.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    for name in &options.cases {
        if !cases
            .iter()
            .any(|c| c.file_name().is_some_and(|f| f == name.as_str()))
        {
            bail!("--case {name}: no such case in {}", fixtures.display());
        }
    }

    let mut failures = 0;
    let mut checked = 0;
    match check_backend_list(&bin, &fixtures, options)? {
        ListCheck::Skipped => {}
        ListCheck::Passed => checked += 1,
        ListCheck::Failed => {
            checked += 1;
            failures += 1;
        }
    }
    for case in &cases {
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !options.cases.is_empty() && !options.cases.contains(&name) {
            continue;
        }
        let result = run_case(&bin, case, &name, &linked, options)?;
        checked += result.checked;
        failures += result.failures;
    }
    if options.bless {
        eprintln!("golden: blessed {checked} outputs");
        return Ok(true);
    }
    if !options.quiet {
        eprintln!("golden: {} passed, {failures} failed", checked - failures);
    }
    Ok(failures == 0)
}

struct CaseResult {
    checked: usize,
    failures: usize,
}

fn run_case(
    bin: &Path,
    case: &Path,
    name: &str,
    linked: &[String],
    options: &Options,
) -> Result<CaseResult> {
    let config: CaseConfig = match fs::read_to_string(case.join("case.toml")) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("{name}/case.toml"))?,
        Err(_) => CaseConfig::default(),
    };
    let mut inputs: Vec<String> = fs::read_dir(case)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|f| f.starts_with("input"))
        .collect();
    inputs.sort();
    if inputs.is_empty() {
        bail!("case {name}: no input* files");
    }
    let backends: Vec<String> = match &config.backends {
        Some(list) => list.clone(),
        None => linked.to_vec(),
    };
    for backend in backends.iter().chain(config.backend.keys()) {
        if !linked.contains(backend) {
            bail!("case {name}: case.toml names backend {backend:?}, which is not linked");
        }
    }

    let expected_dir = case.join("expected");
    let mut result = CaseResult {
        checked: 0,
        failures: 0,
    };
    // An expected file must belong to a backend this case runs.
    if let Ok(entries) = fs::read_dir(&expected_dir) {
        for entry in entries.filter_map(|e| e.ok()) {
            let file = entry.file_name().to_string_lossy().to_string();
            let backend = file.split('.').next().unwrap_or_default();
            if !backends.iter().any(|b| b == backend) {
                eprintln!("golden: {name}/expected/{file}: no backend {backend:?} runs this case");
                result.failures += 1;
            }
        }
    }

    for backend in &backends {
        if !options.backends.is_empty() && !options.backends.contains(backend) {
            continue;
        }
        let mut args = vec!["--backend".to_string(), backend.clone()];
        args.extend(config.args.iter().cloned());
        if let Some(extra) = config.backend.get(backend) {
            args.extend(extra.args.iter().cloned());
        }
        for (suffix, format) in [("out", "text"), ("json", "json")] {
            let mut full = args.clone();
            full.extend(["--format".to_string(), format.to_string()]);
            full.extend(inputs.iter().cloned());
            let actual = run_binary(bin, case, &full)?;
            let path = expected_dir.join(format!("{backend}.{suffix}"));
            result.checked += 1;
            if options.bless {
                fs::create_dir_all(&expected_dir)?;
                fs::write(&path, &actual)?;
                continue;
            }
            match fs::read_to_string(&path) {
                Err(_) => {
                    eprintln!(
                        "golden: {name}: backend {backend}: missing {}; run with --bless to create it",
                        path.display()
                    );
                    result.failures += 1;
                }
                Ok(expected) if expected != actual => {
                    let label = format!("{name}/expected/{backend}.{suffix}");
                    let diff = TextDiff::from_lines(&expected, &actual);
                    eprintln!("golden: {name}: backend {backend}: output differs ({suffix})");
                    eprint!(
                        "{}",
                        diff.unified_diff()
                            .context_radius(3)
                            .header(&label, "actual output")
                    );
                    result.failures += 1;
                }
                Ok(_) => {}
            }
        }
    }
    Ok(result)
}

/// Runs the binary in the case folder; a failing run's output is its exit code and stderr,
/// so error cases are golden too.
fn run_binary(bin: &Path, dir: &Path, args: &[String]) -> Result<String> {
    let output = Command::new(bin)
        .args(args)
        .arg("-q")
        .current_dir(dir)
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let stdout = String::from_utf8(output.stdout).context("the output is not UTF-8")?;
    if output.status.success() {
        return Ok(stdout);
    }
    Ok(format!(
        "exit status: {}\n{}",
        output
            .status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stderr)
    ))
}

fn build() -> Result<PathBuf> {
    let root = crate::root();
    crate::status(
        Command::new(crate::cargo())
            .args(["build", "--quiet", "-p", "ioc-emit"])
            .current_dir(&root),
    )?;
    Ok(crate::target_dir()
        .join("debug")
        .join(format!("ioc-emit{}", std::env::consts::EXE_SUFFIX)))
}

fn backend_list(bin: &Path) -> Result<String> {
    let output = Command::new(bin).arg("--list-backends").output()?;
    if !output.status.success() {
        bail!("{} --list-backends failed", bin.display());
    }
    Ok(String::from_utf8(output.stdout)?)
}

fn linked_backends(bin: &Path) -> Result<Vec<String>> {
    Ok(backend_names(&backend_list(bin)?))
}

/// The names in a `--list-backends` text: the first word of each line.
pub fn backend_names(list: &str) -> Vec<String> {
    list.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

enum ListCheck {
    Skipped,
    Passed,
    Failed,
}

/// Diffs `--list-backends` against `backends.txt` in the fixture folder, so that a backend
/// crate that is no longer linked, or a changed name, version, description or kind list, shows
/// as a diff. The file must exist in the repository's fixtures; another folder may leave it out.
fn check_backend_list(bin: &Path, fixtures: &Path, options: &Options) -> Result<ListCheck> {
    let path = fixtures.join("backends.txt");
    let actual = backend_list(bin)?;
    if options.bless {
        fs::write(&path, &actual)?;
        return Ok(ListCheck::Passed);
    }
    let expected = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) if options.fixtures.is_some() => return Ok(ListCheck::Skipped),
        Err(_) => {
            eprintln!(
                "golden: missing {}; run with --bless to create it",
                path.display()
            );
            return Ok(ListCheck::Failed);
        }
    };
    if expected == actual {
        return Ok(ListCheck::Passed);
    }
    eprintln!("golden: the linked backends differ from backends.txt");
    eprint!(
        "{}",
        TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .header("fixtures/backends.txt", "--list-backends")
    );
    Ok(ListCheck::Failed)
}

/// A change to a copied fixture folder that a golden run must catch, with what it is.
type Mutation = (&'static str, fn(&Path) -> Result<()>);

/// Proves the comparison can fail: a changed, a missing and an orphan expected file, and a
/// backend list naming a backend that is not linked, must each make a run fail. Runs on a copy
/// of one case in `target/`.
pub fn self_check() -> Result<()> {
    let bin = build()?;
    let work = crate::root().join("target/golden-self-check");
    let source = crate::root().join("fixtures/writeup-pipe");
    let mutations: [Mutation; 4] = [
        ("a changed expected file", |case| {
            let path = case.join("expected/kql.out");
            let text = fs::read_to_string(&path)?.replacen("ago(14d)", "ago(15d)", 1);
            Ok(fs::write(path, text)?)
        }),
        ("a missing expected file", |case| {
            Ok(fs::remove_file(case.join("expected/kql.json"))?)
        }),
        ("an expected file for no backend", |case| {
            Ok(fs::write(case.join("expected/nosuch.out"), "")?)
        }),
        ("a backend that is not linked", |case| {
            let list = fs::read_to_string(crate::root().join("fixtures/backends.txt"))?;
            let with_one_more = format!("{list}zz-unlinked  0.1.0  a backend nobody linked\n");
            let folder = case.parent().expect("the case sits in the work folder");
            Ok(fs::write(folder.join("backends.txt"), with_one_more)?)
        }),
    ];
    for (what, mutate) in mutations {
        let _ = fs::remove_dir_all(&work);
        let case = work.join("case");
        copy_dir(&source, &case)?;
        mutate(&case)?;
        eprintln!("golden self-check: {what}; a failure report below is expected");
        let options = Options {
            fixtures: Some(work.clone()),
            bin: Some(bin.clone()),
            backends: vec!["kql".to_string()],
            quiet: true,
            ..Options::default()
        };
        if run(&options)? {
            bail!("golden self-check: {what} went unnoticed");
        }
    }
    let _ = fs::remove_dir_all(&work);
    eprintln!("golden self-check: each change was caught");
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
