//! `--out-dir`: one file per query, the backend's artifacts, and `summary.json`.
//!
//! Every file is written to a temporary name in the target folder and renamed into place only
//! once all of them are written, so an interrupted or failed run leaves no half-written output:
//! a rename within one folder is atomic, and the temporaries are removed on failure.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ioc_core::{Backend, Output, Summary};

/// Writes the run's output into `dir`, creating it if needed; returns the paths written.
///
/// Queries are named `<query name>.<backend's extension>`; rule files carry the names their
/// backend gave them.
pub fn write(
    dir: &Path,
    summary: &Summary,
    backend: &dyn Backend,
    output: Output,
) -> Result<Vec<PathBuf>> {
    let files = files(summary, backend, output);
    check_files(&files)?;

    fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    // A rename cannot replace a folder; find that before anything is written.
    for (name, _) in &files {
        if dir.join(name).is_dir() {
            bail!(
                "{}: is a folder, cannot write a file there",
                dir.join(name).display()
            );
        }
    }
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    let result = (|| -> Result<()> {
        for (name, content) in &files {
            let target = dir.join(name);
            let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
            staged.push((temp.clone(), target));
            let mut file = fs::File::create(&temp)
                .with_context(|| format!("{}: cannot create", temp.display()))?;
            file.write_all(content.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("{}: cannot write", temp.display()))?;
        }
        Ok(())
    })();
    if let Err(err) = result {
        for (temp, _) in &staged {
            let _ = fs::remove_file(temp);
        }
        return Err(err);
    }
    let mut written = Vec::with_capacity(staged.len());
    for (temp, target) in staged {
        fs::rename(&temp, &target)
            .with_context(|| format!("{}: cannot move into place", target.display()))?;
        written.push(target);
    }
    Ok(written)
}

/// Checks, without writing anything, that every file `--out-dir` would write has a plain,
/// unique name. The JSON summary itself (the costly file) is left empty.
pub fn check_names(summary: &Summary, backend: &dyn Backend, output: Output) -> Result<()> {
    let mut names = files_except_summary(summary, backend, output);
    names.push(("summary.json".to_string(), String::new()));
    check_files(&names)
}

/// The files to write, as (name, content).
fn files(summary: &Summary, backend: &dyn Backend, output: Output) -> Vec<(String, String)> {
    let mut files = files_except_summary(summary, backend, output);
    files.push(("summary.json".to_string(), crate::output::json(summary)));
    files
}

fn files_except_summary(
    summary: &Summary,
    backend: &dyn Backend,
    output: Output,
) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    match output {
        Output::Queries => {
            for query in &summary.queries {
                let mut text = query.text.clone();
                text.push('\n');
                files.push((format!("{}.{}", query.name, backend.file_extension()), text));
            }
        }
        Output::Rules => {
            for rule in &summary.rules {
                files.push((rule.name.clone(), rule.content.clone()));
            }
        }
    }
    for artifact in &summary.artifacts {
        files.push((artifact.name.clone(), artifact.content.clone()));
    }
    files
}

fn check_files(files: &[(String, String)]) -> Result<()> {
    for (name, _) in files {
        check_name(name)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, _) in files {
        if !seen.insert(name) {
            bail!("two outputs would both be written to {name}");
        }
    }
    Ok(())
}

/// A backend names its files; the name must stay inside the output folder.
fn check_name(name: &str) -> Result<()> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && name != "..";
    if !plain {
        bail!(
            "the backend asked for an output file named {name:?}, which is not a plain file name"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_stay_in_the_folder() {
        assert!(check_name("a-b.kql").is_ok());
        for bad in ["../x", "a/b", ".hidden", "", "a\\b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
