//! Helpers shared by the integration tests: where things are, and running the pipeline.

#![allow(dead_code)]

pub mod hostile;

use std::fs;
use std::path::{Path, PathBuf};

use ioc_core::{find_backend, EmitOptions, Summary};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// `../shared` beside the checkout, when it is there.
pub fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "NOTE: {} is absent; the checks against shared material are skipped",
            dir.display()
        );
        None
    }
}

/// Every write-up in `shared/reports`, sorted, as (file name, text).
pub fn shared_reports() -> Vec<(String, String)> {
    let Some(shared) = shared() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = fs::read_dir(shared.join("reports"))
        .expect("shared/reports")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, fs::read_to_string(&p).expect("report is text"))
        })
        .collect()
}

/// Every real IOC file in `shared/data` (not its manifest), sorted, as (file name, text).
pub fn shared_data() -> Vec<(String, String)> {
    let Some(shared) = shared() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = fs::read_dir(shared.join("data"))
        .expect("shared/data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n != "MANIFEST.json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, fs::read_to_string(&p).expect("data file is text"))
        })
        .collect()
}

/// Every fixture input (`fixtures/<case>/input*`, any format), as (case/file, text).
pub fn fixture_inputs() -> Vec<(String, String)> {
    fixture_files(|_| true)
}

/// Every fixture input that is a write-up (`fixtures/<case>/input*.md`), as (case/file, text).
pub fn fixture_writeups() -> Vec<(String, String)> {
    fixture_files(|name| name.ends_with(".md"))
}

fn fixture_files(keep: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cases: Vec<PathBuf> = fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    for case in cases {
        let mut inputs: Vec<PathBuf> = fs::read_dir(&case)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with("input") && keep(&name)
            })
            .collect();
        inputs.sort();
        for input in inputs {
            let label = format!(
                "{}/{}",
                case.file_name().unwrap().to_string_lossy(),
                input.file_name().unwrap().to_string_lossy()
            );
            out.push((label, fs::read_to_string(&input).unwrap()));
        }
    }
    out
}

/// Runs the pipeline on one input with a backend.
pub fn emit(
    backend: &str,
    name: &str,
    text: &str,
    options: &EmitOptions,
) -> Result<Summary, String> {
    let backend = find_backend(backend).unwrap_or_else(|| panic!("backend {backend} is linked"));
    ioc_emit::emit(
        &[(name.to_string(), text.to_string())],
        None,
        backend,
        options,
    )
    .map(|o| o.summary)
    .map_err(|e| e.to_string())
}

/// Runs Microsoft's Kusto.Language checker (`tools/kusto-check`) on a batch of (id, text)
/// against the named schema files (`sentinel`, `defender`, `watchlist`, ...); returns one JSON
/// result per query. With `literals`, each result also lists the decoded string literals. Fails if the checker is not installed.
pub fn kusto_check(
    schemas: &[&str],
    queries: &[(String, String)],
    literals: bool,
) -> Vec<serde_json::Value> {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let dir = root().join("tools/kusto-check");
    assert!(
        dir.join("node_modules/@kusto/language-service-next")
            .is_dir(),
        "the Kusto checker is not installed: run `cargo xtask setup` (npm ci in {})",
        dir.display()
    );
    let input: Vec<serde_json::Value> = queries
        .iter()
        .map(|(id, text)| serde_json::json!({ "id": id, "text": text }))
        .collect();
    let mut cmd = Command::new("node");
    cmd.arg("check.js");
    for schema in schemas {
        cmd.arg("--schema").arg(format!("schemas/{schema}.json"));
    }
    if literals {
        cmd.arg("--literals");
    }
    let mut child = cmd
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let mut stdin = child.stdin.take().unwrap();
    let payload = serde_json::to_vec(&input).unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&payload));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "the checker could not check the batch: {code:?}"
    );
    let results: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results.len(), queries.len(), "one result per query");
    results
}
