//! `--out-dir`: one file per query, the backend's artifacts, and `summary.json`.
//!
//! Every file is written to a temporary name in the target folder and renamed into place only
//! once all of them are written, so an interrupted or failed run leaves no half-written output:
//! a rename within one folder is atomic, and the temporaries are removed on failure.
//!
//! The folder keeps a list of the files the last run wrote, each with a hash of what it wrote
//! ([`MANIFEST`]). A file an earlier run wrote and this one does not (a rule for indicators this
//! run filtered out, a query file of another backend) is removed once the new files are in
//! place, so the folder never offers rules the current run did not make; but only if it still
//! holds what ioc-emit wrote. A file edited since, and files ioc-emit did not write, are left
//! alone and named.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ioc_core::partition::stable_hash;
use ioc_core::{Backend, Output, Summary};

use crate::output::NOTE;

/// The list of files the last run wrote: a line each, the hash of the content written (16 hex
/// digits, or `-` for `summary.json`, which every run rewrites), a space and the name. Hidden,
/// so no backend file can take its name ([`check_name`] refuses names that start with a dot).
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
    for name in files.iter().map(|(n, _)| n.as_str()).chain([MANIFEST]) {
        if dir.join(name).is_dir() {
            bail!(
                "{}: is a folder, cannot write a file there",
                dir.join(name).display()
            );
        }
    }
    let earlier = earlier_files(dir);
    let mut listed: Vec<(&str, String)> = files
        .iter()
        .map(|(name, content)| (name.as_str(), content_hash(content)))
        .collect();
    listed.sort_unstable();
    let manifest: String = listed.iter().map(|(n, h)| format!("{h} {n}\n")).collect();
    let names: Vec<&str> = listed.iter().map(|(n, _)| *n).collect();
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
    let mut known: HashSet<String> = names.iter().map(|n| n.to_string()).collect();
    for kept in remove_stale(dir, &earlier, &names) {
        known.insert(kept);
    }
    report_strangers(dir, &known);
    Ok(written)
}

/// The hash of what a file holds, as the manifest records it.
fn content_hash(content: &Content) -> String {
    match content {
        Content::Text(text, false) => text_hash(text),
        Content::Text(text, true) => text_hash(&format!("{text}\n")),
        Content::Summary => "-".to_string(),
    }
}

fn text_hash(text: &str) -> String {
    format!("{:016x}", stable_hash(text))
}

/// The files the last run into `dir` wrote, with the hash of what it wrote, by its manifest;
/// none if it left none. Lines that are not a hash and a plain name are passed over.
fn earlier_files(dir: &Path) -> Vec<(String, String)> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(hash, name)| {
            hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
                && check_name(name).is_ok()
        })
        .map(|(hash, name)| (hash.to_string(), name.to_string()))
        .collect()
}

/// Removes what an earlier run wrote and this one did not, if it still holds what was written;
/// returns the names it left in place because they changed since (each named in a warning).
/// `written` holds this run's names. A name this run wrote in another case is passed over when
/// it is the very file written (a file system that ignores case), and handled as any other
/// stale file when it is not.
fn remove_stale(dir: &Path, earlier: &[(String, String)], written: &[&str]) -> Vec<String> {
    let exact: HashSet<&str> = written.iter().copied().collect();
    let mut by_case: HashMap<String, Vec<&str>> = HashMap::new();
    for w in written {
        by_case.entry(w.to_lowercase()).or_default().push(w);
    }
    let mut kept = Vec::new();
    for (hash, name) in earlier {
        if exact.contains(name.as_str()) {
            continue;
        }
        let same_file = by_case.get(&name.to_lowercase()).is_some_and(|ws| {
            ws.iter()
                .any(|w| is_same_file(&dir.join(name), &dir.join(w)))
        });
        if same_file {
            continue;
        }
        let path = dir.join(name);
        // Only a plain file: never follow a link, never a folder.
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let unchanged = fs::read_to_string(&path).is_ok_and(|text| text_hash(&text) == *hash);
        if !unchanged {
            log::warn!(
                "{}: written by an earlier run, not by this one, and changed since: left in place",
                path.display()
            );
            kept.push(name.clone());
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => log::warn!(
                target: NOTE,
                "{}: removed, written by an earlier run and not by this one",
                path.display()
            ),
            Err(e) => log::warn!(
                "{}: written by an earlier run and not by this one, but cannot be removed: {e}",
                path.display()
            ),
        }
    }
    kept
}

/// Whether two paths name one file (as two spellings do on a file system that ignores case).
fn is_same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        // Without inode numbers, assume so: keeping a stale file is the safe mistake.
        let _ = (a, b);
        true
    }
}

/// Names the files in `dir` that this run did not write (files of the user's, and files an
/// earlier run wrote that were changed since): whoever deploys the folder should know.
fn report_strangers(dir: &Path, known: &HashSet<String>) {
    const SHOWN: usize = 5;
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut strangers: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.') && !known.contains(n))
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
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
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
        for bad in ["../x", "a/b", ".hidden", "", "a\\b", "a\nb", "a\rb", "a\0b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
