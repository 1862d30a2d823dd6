//! Finding and loading the MISP warninglists named by `--warninglists DIR`.
//!
//! Nothing is fetched: the user points at a copy of the misp-warninglists repository (or any
//! folder laid out like it). DIR may be the repository (lists in `DIR/lists/<id>/list.json`),
//! its `lists` folder (`DIR/<id>/list.json`), or one list's folder (`DIR/list.json`). Files are
//! read in name order, so the run does not depend on the order the file system lists them in.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use ioc_read::{Warninglist, Warninglists};

use crate::input;

/// Why loading failed: the exit code follows what failed (1 a file that cannot be read, 2 a
/// file that is not a warninglist, as for the detection file).
pub struct LoadError {
    pub code: u8,
    pub message: String,
}

/// Reads every list under each folder.
pub fn load(dirs: &[PathBuf]) -> Result<Warninglists, LoadError> {
    let mut lists = Vec::new();
    for dir in dirs {
        let files = list_files(dir).map_err(|e| LoadError {
            code: 1,
            message: format!("{e:#}"),
        })?;
        for (id, path) in files {
            let shown = path.to_string_lossy().to_string();
            let input = input::load(&shown).map_err(|e| LoadError {
                code: 1,
                message: format!("{e:#}"),
            })?;
            let list =
                Warninglist::parse(&input.name, &id, &input.text).map_err(|e| LoadError {
                    code: 2,
                    message: e.to_string(),
                })?;
            report(&list);
            lists.push(list);
        }
    }
    let lists = Warninglists::new(lists);
    let entries: usize = lists.lists().iter().map(Warninglist::len).sum();
    log::info!(
        "read {} MISP warninglists ({entries} entries)",
        lists.lists().len()
    );
    Ok(lists)
}

/// What the user should know about one list: entries it could not use, and a list that can
/// never match here.
fn report(list: &Warninglist) {
    const SHOWN: usize = 3;
    if !list.problems.is_empty() {
        let shown: Vec<&str> = list
            .problems
            .iter()
            .take(SHOWN)
            .map(String::as_str)
            .collect();
        let more = list.problems.len().saturating_sub(SHOWN);
        let tail = if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        };
        // A problem is an entry left out or, for a type ioc-emit does not know, the whole
        // list: each says which.
        log::warn!(
            "{}: warninglist {:?}: left out of the matching: {}{tail}",
            list.file,
            list.name,
            shown.join("; ")
        );
    }
    if !list.applies_to_any_kind() {
        log::info!(
            "{}: warninglist {:?} applies to no kind of indicator ioc-emit hunts \
             (matching_attributes: {})",
            list.file,
            list.name,
            list.matching_attributes().join(", ")
        );
    }
    log::debug!(
        "{}: warninglist {:?} ({}, {} entries, version {})",
        list.file,
        list.name,
        list.list_type.as_str(),
        list.len(),
        list.version.as_deref().unwrap_or("none")
    );
}

/// The `list.json` files of one folder, each with its id (the folder it sits in), sorted.
fn list_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => bail!("{shown}: --warninglists wants a folder, not a file"),
        Err(e) => bail!("{shown}: cannot open the --warninglists folder: {e}"),
    }
    let id_of = |folder: &Path| {
        folder
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "warninglist".to_string())
    };
    let single = dir.join("list.json");
    if has_list(&single)? {
        return Ok(vec![(id_of(dir), single)]);
    }
    let nested = dir.join("lists");
    let root = if nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    };
    let entries = std::fs::read_dir(&root)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the folder: {e}", root.display()))?;
    // An entry the folder listing cannot read stops the run: skipping it would leave a list
    // out with no word said.
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| anyhow::anyhow!("{}: cannot read the folder: {e}", root.display()))?
            .path();
        if path.is_dir() && has_list(&path.join("list.json"))? {
            files.push((id_of(&path), path.join("list.json")));
        }
    }
    files.sort();
    if files.is_empty() {
        bail!(
            "{shown}: no MISP warninglist in it: expected lists/<name>/list.json, \
             <name>/list.json or list.json"
        );
    }
    Ok(files)
}

/// Whether a folder holds a `list.json`. Only its absence says no: a `list.json` that cannot
/// be looked at (a folder the user may not read, a link to nothing) stops the run, since
/// skipping it would leave a list out with no word said.
fn has_list(file: &Path) -> Result<bool> {
    let shown = file.display();
    match std::fs::metadata(file) {
        Ok(meta) if meta.is_file() => Ok(true),
        Ok(_) => bail!("{shown}: not a file"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(file).is_ok() {
                bail!("{shown}: a link to nothing");
            }
            Ok(false)
        }
        Err(e) => bail!("{shown}: cannot read it: {e}"),
    }
}
