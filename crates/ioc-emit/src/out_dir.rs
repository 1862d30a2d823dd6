//! `--out-dir`: one file per query, the backend's artifacts, and `summary.json`.
//!
//! Every file is written to a temporary name in the target folder and renamed into place only
//! once all of them are written, so an interrupted or failed run leaves no half-written output:
//! a rename within one folder is atomic, and the temporaries are removed on failure.
//!
//! The folder keeps a list of the files the last run wrote ([`MANIFEST`]). A file an earlier run
//! wrote and this one does not (a rule for indicators this run filtered out, a query file of
//! another backend) is removed once the new files are in place, so the folder never offers
//! rules the current run did not make. Files ioc-emit did not write are left alone, and named.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ioc_core::{Backend, Output, Summary};

/// The list of files the last run wrote, one name a line. Hidden, so no backend file can take
/// its name ([`check_name`] refuses names that start with a dot).
pub const MANIFEST: &str = ".ioc-emit-files";

/// What goes into one file: a text, with a line break after it or not, or the summary, which
/// is written straight to its file rather than built as one string first (at a million
/// records it is hundreds of megabytes).
enum Content<'s> {
    Text(&'s str, bool),
    Summary,
}

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
    let mut files = files_except_summary(summary, backend, output);
    files.push(("summary.json".to_string(), Content::Summary));
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
    let earlier = earlier_files(dir);
    let mut names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    let manifest: String = names.iter().map(|n| format!("{n}\n")).collect();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len() + 1);
    let result = (|| -> Result<()> {
        for (name, content) in files
            .iter()
            .map(|(n, c)| (n.as_str(), c))
            .chain([(MANIFEST, &Content::Text(&manifest, false))])
        {
            let target = dir.join(name);
            let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
            staged.push((temp.clone(), target));
            write_one(&temp, content, summary)
                .with_context(|| format!("{}: cannot write", temp.display()))?;
        }
        sync_all(&staged)
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
    written.pop(); // the manifest
    remove_stale(dir, &earlier, &names);
    report_strangers(dir, &names);
    Ok(written)
}

/// The files the last run into `dir` wrote, by its manifest; none if it left none.
fn earlier_files(dir: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    text.lines()
        .filter(|name| check_name(name).is_ok())
        .map(str::to_string)
        .collect()
}

/// Removes what an earlier run wrote and this one did not. `names` is sorted.
fn remove_stale(dir: &Path, earlier: &[String], names: &[&str]) {
    for name in earlier {
        if names.binary_search(&name.as_str()).is_ok() {
            continue;
        }
        let path = dir.join(name);
        // Only a plain file: never follow a link, never a folder.
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => log::info!(
                "{}: removed, written by an earlier run and not by this one",
                path.display()
            ),
            Err(e) => log::warn!(
                "{}: written by an earlier run and not by this one, but cannot be removed: {e}",
                path.display()
            ),
        }
    }
}

/// Names the files in `dir` that this run did not write and ioc-emit did not write before
/// either (or wrote before it kept a manifest): whoever deploys the folder should know.
fn report_strangers(dir: &Path, names: &[&str]) {
    const SHOWN: usize = 5;
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut strangers: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.') && names.binary_search(&n.as_str()).is_err())
        .collect();
    if strangers.is_empty() {
        return;
    }
    strangers.sort();
    let more = strangers.len().saturating_sub(SHOWN);
    strangers.truncate(SHOWN);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    log::warn!(
        "{}: holds files this run did not write, left in place: {}{tail}",
        dir.display(),
        strangers.join(", ")
    );
}

fn write_one(path: &Path, content: &Content, summary: &Summary) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    match content {
        Content::Text(text, newline) => {
            file.write_all(text.as_bytes())?;
            if *newline {
                file.write_all(b"\n")?;
            }
            Ok(())
        }
        Content::Summary => {
            let mut out = BufWriter::with_capacity(1 << 20, file);
            crate::output::write_json(&mut out, summary)?;
            out.flush()
        }
    }
}

/// Flushes every staged file to disk before any is renamed into place, so that a crash leaves
/// either the old output or the whole new one.
///
/// Split big feeds write thousands of files; one `fsync` after another spent most of such a run
/// waiting for the disk. Several threads flush at once instead, which lets the file system
/// commit them together.
fn sync_all(staged: &[(PathBuf, PathBuf)]) -> Result<()> {
    const THREADS: usize = 8;
    let chunk = staged.len().div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = staged
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || -> Result<()> {
                    for (temp, _) in part {
                        fs::File::open(temp)
                            .and_then(|f| f.sync_all())
                            .with_context(|| format!("{}: cannot write", temp.display()))?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("a sync thread does not panic"))
    })
}

/// Checks, without writing anything, that every file `--out-dir` would write has a plain,
/// unique name.
pub fn check_names(summary: &Summary, backend: &dyn Backend, output: Output) -> Result<()> {
    let mut names = files_except_summary(summary, backend, output);
    names.push(("summary.json".to_string(), Content::Summary));
    check_files(&names)
}

fn files_except_summary<'s>(
    summary: &'s Summary,
    backend: &dyn Backend,
    output: Output,
) -> Vec<(String, Content<'s>)> {
    let mut files = Vec::new();
    match output {
        Output::Queries => {
            for query in &summary.queries {
                let name = format!("{}.{}", query.name, backend.file_extension());
                files.push((name, Content::Text(&query.text, true)));
            }
        }
        Output::Rules => {
            for rule in &summary.rules {
                files.push((rule.name.clone(), Content::Text(&rule.content, false)));
            }
        }
    }
    for artifact in &summary.artifacts {
        files.push((
            artifact.name.clone(),
            Content::Text(&artifact.content, false),
        ));
    }
    files
}

fn check_files(files: &[(String, Content)]) -> Result<()> {
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
