//! Every write-up in the shared report folder through the SPL backend, under both profiles and
//! both exclusion modes: every indicator is covered by a query or reported skipped, every query
//! lexes and keeps its structure, every literal decodes back to what it stands for, and every
//! covered indicator matches an event made from it.

mod lexer;

use std::fs;
use std::path::PathBuf;

use ioc_backend_spl::Spl;
use ioc_core::{
    Backend, Detection, DetectionBuilder, EmitOptions, ExclusionMode, ExclusionState, Expr,
    Indicator, IndicatorValue,
};

const DATASETS: [&str; 5] = ["network-traffic", "dns", "web", "processes", "filesystem"];

/// The shared folder sits next to the repository: `<repo>/../shared`.
fn reports_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reports")
}

fn read(path: &PathBuf) -> Detection {
    let text = fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut builder = DetectionBuilder::new();
    ioc_read::read(&name, &text, None, &mut builder).unwrap();
    builder.finish().0
}

/// Events that the query for `indicator` must match, with the field names of `profile`.
fn events(indicator: &Indicator, dataset: &str, cim: bool) -> Vec<Vec<(String, String)>> {
    let f = |node: &str, role: &str| {
        if cim {
            format!("{node}.{role}")
        } else {
            role.to_string()
        }
    };
    let one = |node: &str, role: &str, value: String| vec![vec![(f(node, role), value)]];
    match (&indicator.value, dataset) {
        (IndicatorValue::IpPort { ip, port }, "network-traffic") => vec![vec![
            (f("All_Traffic", "dest_ip"), ip.to_string()),
            (f("All_Traffic", "dest_port"), port.to_string()),
        ]],
        (IndicatorValue::Ipv4(ip), "network-traffic") => {
            one("All_Traffic", "src_ip", ip.to_string())
        }
        (IndicatorValue::Domain(d), "dns") => {
            one("DNS", "query", format!("www.{}", d.to_uppercase()))
        }
        (IndicatorValue::Domain(d), "web") => one("Web", "url_domain", d.clone()),
        (IndicatorValue::Url(u), "web") => one("Web", "url", u.without_scheme().to_string()),
        (v, "processes") if v.kind().is_hash() => {
            one("Processes", "process_hash", v.to_string().to_uppercase())
        }
        (v, "filesystem") if v.kind().is_hash() => one("Filesystem", "file_hash", v.to_string()),
        _ => Vec::new(),
    }
}

/// The values an exclusion writes into its condition.
fn values(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| values(e, out)),
        Expr::Not(inner) => values(inner, out),
        Expr::Cmp { values: v, .. } => out.extend(v.iter().cloned()),
    }
}

#[test]
fn every_report_is_covered_and_every_query_is_well_formed() {
    let dir = reports_dir();
    let Ok(entries) = fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED: the shared reports folder {} is absent; nothing was checked",
            dir.display()
        );
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.retain(|p| p.extension().is_some_and(|x| x == "md"));
    paths.sort();
    assert!(!paths.is_empty(), "no reports in {}", dir.display());

    let mut checked = 0;
    for path in &paths {
        let detection = read(path);
        for profile in ["cim", "raw"] {
            for mode in [ExclusionMode::Comment, ExclusionMode::Apply] {
                let options = EmitOptions {
                    profile: Some(profile.to_string()),
                    exclusions: mode,
                    ..EmitOptions::default()
                };
                let label = format!("{} ({profile}, {mode:?})", path.display());
                let emission = Spl.emit(&detection, &options).unwrap();

                for (i, indicator) in detection.indicators.iter().enumerate() {
                    let in_query = emission.queries.iter().any(|q| q.indicators.contains(&i));
                    let skipped = emission.skipped.iter().any(|(s, _)| *s == i);
                    assert!(in_query || skipped, "{label}: {} is lost", indicator.value);
                }

                for query in &emission.queries {
                    let tokens = lexer::check(&query.text)
                        .unwrap_or_else(|e| panic!("{label}: {}: {e}\n{}", query.name, query.text));
                    let literals = lexer::literals(&tokens);
                    let dataset = DATASETS
                        .into_iter()
                        .find(|k| query.name.ends_with(k))
                        .expect("a known dataset");
                    for &i in &query.indicators {
                        let indicator = &detection.indicators[i];
                        let text = match &indicator.value {
                            IndicatorValue::IpPort { ip, .. } => ip.to_string(),
                            v => v.to_string(),
                        };
                        assert!(
                            lexer::mentions(&literals, &text),
                            "{label}: {}: {text} is in no literal\n{}",
                            query.name,
                            query.text
                        );
                        for event in events(indicator, dataset, profile == "cim") {
                            let event: Vec<(&str, &str)> = event
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.as_str()))
                                .collect();
                            assert!(
                                lexer::run::matches(&query.text, &event),
                                "{label}: {}: {event:?} does not match\n{}",
                                query.name,
                                query.text
                            );
                        }
                    }
                    for (exclusion, used) in detection.exclusions.iter().zip(&query.exclusions) {
                        assert_eq!(exclusion.id, used.id);
                        let live = matches!(
                            used.state,
                            ExclusionState::Applied | ExclusionState::Commented
                        );
                        if let (true, Some(expr)) = (live, exclusion.expr()) {
                            let mut vals = Vec::new();
                            values(expr, &mut vals);
                            for v in vals.iter().filter(|v| v.parse::<u16>().is_err()) {
                                assert!(
                                    lexer::mentions(&literals, v),
                                    "{label}: exclusion value {v:?} is in no literal"
                                );
                            }
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    eprintln!("checked {checked} queries from {} reports", paths.len());
}
