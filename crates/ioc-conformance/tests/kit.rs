//! The kit catches what it claims to catch: a small backend passes it, and each flaw planted in
//! that backend makes it fail with the matching message.
//!
//! The backend writes one line of double-quoted values per query, `#` comments, and an applied
//! exclusion as a `not` line; its decoder reads that language back.

use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use ioc_conformance::{Kit, LiteralDecoder};
use ioc_core::text::single_line;
use ioc_core::{
    Backend, Detection, Emission, EmitError, EmitOptions, ExclusionMode, ExclusionState,
    ExclusionUse, Expr, IndicatorKind, Query,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flaw {
    None,
    NoEscaping,
    CommentLeak,
    TitleInLiteral,
    Panic,
    Nondeterministic,
    DropsAnIndicator,
    AppliesByDefault,
    SameNameTwice,
}

struct Lines {
    flaw: Flaw,
    runs: AtomicUsize,
}

impl Lines {
    fn new(flaw: Flaw) -> Self {
        Lines {
            flaw,
            runs: AtomicUsize::new(0),
        }
    }

    fn quote(&self, value: &str) -> String {
        if self.flaw == Flaw::NoEscaping {
            return format!("\"{value}\"");
        }
        let mut out = String::from("\"");
        for c in value.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn comment(&self, text: &str) -> String {
        if self.flaw == Flaw::CommentLeak {
            text.to_string()
        } else {
            single_line(text).into_owned()
        }
    }
}

fn values(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| values(e, out)),
        Expr::Not(inner) => values(inner, out),
        Expr::Cmp { values: v, .. } => out.extend(v.iter().cloned()),
    }
}

impl Backend for Lines {
    fn name(&self) -> &'static str {
        "lines"
    }

    fn description(&self) -> &'static str {
        "quoted values, one query per kind"
    }

    fn version(&self) -> &'static str {
        "0.0.0"
    }

    fn kinds(&self) -> &'static [IndicatorKind] {
        &IndicatorKind::ALL
    }

    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError> {
        let run = self.runs.fetch_add(1, Ordering::Relaxed);
        let mut emission = Emission::default();
        let last = detection.indicators.len().saturating_sub(1);
        for kind in IndicatorKind::ALL {
            let chosen: Vec<usize> = (0..detection.indicators.len())
                .filter(|&i| detection.indicators[i].kind() == kind)
                .filter(|&i| !(self.flaw == Flaw::DropsAnIndicator && i == last))
                .collect();
            if chosen.is_empty() {
                continue;
            }
            if self.flaw == Flaw::Panic && kind == IndicatorKind::FileName {
                panic!("planted panic");
            }
            let mut text = format!("# {}\n", self.comment(&detection.title));
            if self.flaw == Flaw::Nondeterministic {
                let _ = writeln!(text, "# run {run}");
            }
            let quoted: Vec<String> = chosen
                .iter()
                .map(|&i| {
                    let value = detection.indicators[i].value.to_string();
                    match value.rsplit_once(':') {
                        Some((ip, _)) if kind == IndicatorKind::IpPort => self.quote(ip),
                        _ => self.quote(&value),
                    }
                })
                .collect();
            let _ = write!(text, "{}", quoted.join(" "));
            if self.flaw == Flaw::TitleInLiteral {
                let _ = write!(text, " {}", self.quote(&detection.title));
            }
            text.push('\n');
            let mut uses = Vec::new();
            for exclusion in &detection.exclusions {
                let _ = writeln!(
                    text,
                    "# {}: {}",
                    exclusion.id,
                    self.comment(&exclusion.text)
                );
                let state = match exclusion.expr() {
                    None => ExclusionState::Prose,
                    Some(expr) => {
                        let apply = options.exclusions == ExclusionMode::Apply
                            || self.flaw == Flaw::AppliesByDefault;
                        if apply {
                            let mut v = Vec::new();
                            values(expr, &mut v);
                            let q: Vec<String> = v.iter().map(|v| self.quote(v)).collect();
                            let _ = writeln!(text, "not {}", q.join(" "));
                            ExclusionState::Applied
                        } else {
                            ExclusionState::Commented
                        }
                    }
                };
                uses.push(ExclusionUse {
                    id: exclusion.id.clone(),
                    state,
                });
            }
            let name = if self.flaw == Flaw::SameNameTwice {
                "all".to_string()
            } else {
                kind.as_str().replace(':', "-")
            };
            emission.queries.push(Query {
                name,
                target: "lines".to_string(),
                text,
                indicators: chosen,
                exclusions: uses,
            });
        }
        Ok(emission)
    }
}

/// Reads `"..."` literals with `\"`, `\\`, `\n` and `\r`; `#` starts a comment; every other
/// line must be quoted values, optionally after `not`.
struct LinesLiterals;

impl LiteralDecoder for LinesLiterals {
    fn literals(&self, query_text: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for line in query_text.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut chars = line.strip_prefix("not ").unwrap_or(line).chars();
            loop {
                match chars.next() {
                    None => break,
                    Some(' ') => continue,
                    Some('"') => {}
                    Some(c) => return Err(format!("{c:?} outside a literal in {line:?}")),
                }
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => value.push('\n'),
                            Some('r') => value.push('\r'),
                            Some(c @ ('"' | '\\')) => value.push(c),
                            other => return Err(format!("bad escape {other:?}")),
                        },
                        Some(c) => value.push(c),
                        None => return Err(format!("unclosed literal in {line:?}")),
                    }
                }
                out.push(value);
            }
        }
        Ok(out)
    }
}

fn failures(flaw: Flaw) -> String {
    match Kit::new(&Lines::new(flaw), &LinesLiterals).run() {
        Ok(report) => panic!("{flaw:?} went unnoticed: {report:?}"),
        Err(failures) => failures.to_string(),
    }
}

#[test]
fn a_sound_backend_passes() {
    let report = Kit::new(&Lines::new(Flaw::None), &LinesLiterals)
        .run()
        .unwrap_or_else(|f| panic!("{f}"));
    assert!(report.cases >= 8 && report.values > 100, "{report:?}");
}

#[test]
fn each_planted_flaw_is_caught() {
    let expected = [
        (Flaw::NoEscaping, "the decoder cannot read it"),
        (Flaw::CommentLeak, "cannot read it"),
        (
            Flaw::TitleInLiteral,
            "comment text reached the query's literals",
        ),
        (Flaw::Panic, "the backend panicked: planted panic"),
        (Flaw::Nondeterministic, "two runs gave different output"),
        (Flaw::DropsAnIndicator, "neither emitted nor reported"),
        (
            Flaw::AppliesByDefault,
            "is applied without --exclusions apply",
        ),
        (Flaw::SameNameTwice, "the name is used twice"),
    ];
    for (flaw, message) in expected {
        let text = failures(flaw);
        assert!(
            text.contains(message),
            "{flaw:?}: expected {message:?} in\n{text}"
        );
    }
}

#[test]
fn a_missing_fixture_folder_is_a_failure_not_a_pass() {
    let result = Kit::new(&Lines::new(Flaw::None), &LinesLiterals)
        .fixtures("/nonexistent/fixtures")
        .run();
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("cannot list fixtures"));
}
