//! The out-of-tree example: `examples/custom-backend` is built the way a team outside this
//! repository builds its own binary, then run.
//!
//! It is its own Cargo project (excluded from the workspace) with its own `Cargo.lock`, built
//! with `--locked`. It shares this workspace's target folder, so the crates both use are not
//! compiled twice. The checks: its conformance test passes, its `--list-backends` shows its
//! backend beside every built-in one, and it emits for a fixture. The code listings of
//! `docs/writing-a-backend.md` must be its files, so the guide is as tested as the example.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};

use crate::golden::backend_names;
use crate::{cargo, root, status, target_dir};

/// The example's binary and its backend.
const BINARY: &str = "ioc-emit-custom";
const BACKEND: &str = "csv";

pub fn check() -> Result<()> {
    let root = root();
    check_guide(&root)?;
    let project = root.join("examples/custom-backend");
    let target = target_dir();
    for args in [["build", "--locked"], ["test", "--locked"]] {
        status(
            Command::new(cargo())
                .args(args)
                .arg("--quiet")
                .env("CARGO_TARGET_DIR", &target)
                .current_dir(&project),
        )
        .context(
            "the example backend failed; if its Cargo.lock is out of date (a crate it uses by \
             path gained a dependency), run `cargo update --workspace` in examples/custom-backend",
        )?;
    }
    let binary = target
        .join("debug")
        .join(format!("{BINARY}{}", std::env::consts::EXE_SUFFIX));

    let list = stdout(&run(&binary, &["--list-backends"], &root)?)?;
    let names = backend_names(&list);
    let golden = root.join("fixtures/backends.txt");
    let builtin = std::fs::read_to_string(&golden)
        .with_context(|| format!("cannot read {}", golden.display()))?;
    for name in backend_names(&builtin)
        .iter()
        .map(String::as_str)
        .chain([BACKEND])
    {
        if !names.iter().any(|n| n == name) {
            bail!("{BINARY} --list-backends lacks {name}:\n{list}");
        }
    }

    let fixture = "fixtures/writeup-pipe/input.md";
    let output = run(&binary, &["--backend", BACKEND, "-q", fixture], &root)?;
    let text = stdout(&output)?;
    if !text.starts_with("type,value\n") || !text.contains("ip:port,198.51.100.1:80\n") {
        bail!("{BINARY} --backend {BACKEND} {fixture} gave unexpected output:\n{text}");
    }
    eprintln!("xtask: {BINARY} builds, lists {BACKEND} with the built-in backends, and emits");
    Ok(())
}

fn run(binary: &Path, args: &[&str], dir: &Path) -> Result<Output> {
    Command::new(binary)
        .args(args)
        .current_dir(dir)
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))
}

fn stdout(output: &Output) -> Result<String> {
    if !output.status.success() {
        bail!(
            "{BINARY} failed with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout.clone()).context("the output is not UTF-8")
}

/// Every code block of the guide that follows a `<!-- examples/custom-backend/... -->` marker
/// must equal that file.
fn check_guide(root: &Path) -> Result<()> {
    let guide = root.join("docs/writing-a-backend.md");
    let text = std::fs::read_to_string(&guide)
        .with_context(|| format!("cannot read {}", guide.display()))?;
    let mut lines = text.lines();
    let mut compared = 0;
    while let Some(line) = lines.next() {
        let Some(file) = line
            .strip_prefix("<!-- ")
            .and_then(|l| l.strip_suffix(" -->"))
            .filter(|f| f.starts_with("examples/custom-backend/"))
        else {
            continue;
        };
        if !lines.next().is_some_and(|l| l.starts_with("```")) {
            bail!(
                "docs/writing-a-backend.md: the marker for {file} is not followed by a code block"
            );
        }
        let mut block = String::new();
        for line in lines.by_ref().take_while(|l| !l.starts_with("```")) {
            block.push_str(line);
            block.push('\n');
        }
        let actual = std::fs::read_to_string(root.join(file)).with_context(|| {
            format!("docs/writing-a-backend.md shows {file}, which cannot be read")
        })?;
        if block != actual {
            bail!("docs/writing-a-backend.md: the listing of {file} differs from the file; copy the file into the guide");
        }
        compared += 1;
    }
    if compared == 0 {
        bail!("docs/writing-a-backend.md shows none of the example's files");
    }
    Ok(())
}
