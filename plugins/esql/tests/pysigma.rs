//! Cross-check with pySigma's Elasticsearch backend (`tools/esql-check`, pinned; installed by
//! `cargo xtask setup`, no network at test time).
//!
//! A write-up is emitted with `--exclusions apply`; minimal Sigma rules in this file hold the
//! same values, and pySigma converts them to ES|QL. Both queries are parsed by the reader in
//! `common/mod.rs` and brought to a disjunctive normal form of (field, operator, value) atoms,
//! which must be equal.
//!
//! What is compared: the field names; the operator of each test (equality and `IN` count as
//! equality, `ENDS_WITH`, `STARTS_WITH`, `LIKE`, `CIDR_MATCH`); every value, after string-literal
//! decoding, including the escaped `LIKE` pattern of a `contains`; and how tests combine with
//! AND and OR. For the hunt, only our terms over the fields of the Sigma rule are compared (a
//! network query also hunts `source.*` and domains, which the rule leaves out).
//!
//! What is not compared: letter case (we lower-case field and value, as every string comparison
//! in ioc-emit ignores case; pySigma compares as written), the trailing-dot normalisation of
//! host names (our `EVAL ... REPLACE(TO_LOWER(f), "\\.$", "")` column is read as the field
//! itself), `TO_IP` around addresses (read as the address), the `COALESCE(..., false)` and `NOT`
//! around an applied exclusion (the rule is the exclusion's positive condition), the time filter,
//! `FROM`, `KEEP`, `SORT` and `LIMIT`, and URLs, which we match with a lower-cased equality plus a
//! case-sensitive `ENDS_WITH` that Sigma has no counterpart for (`esql_events.rs` runs those).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Command as Step, Expr};
use ioc_core::{ExclusionMode, ExclusionState};
use serde_json::{json, Value};

const REPORT: &str = r#"Malware Family: CrossCheck Total IOCs: 10 IOC Types: many
| Type | Value | Threat Type | First Seen | Confidence |
|---|---|---|---|---|
| ip:port | 198[.]51[.]100[.]1:80 | botnet_cc | 2026-05-02 | 75% |
| ip:port | 198[.]51[.]100[.]2:443 | botnet_cc | 2026-05-02 | 75% |
| ip:port | 198[.]51[.]100[.]2:8443 | botnet_cc | 2026-05-02 | 75% |
| ip | 2001:db8::66 | botnet_cc | 2026-05-02 | 75% |
| cidr | 203[.]0[.]113[.]0/24 | botnet_cc | 2026-05-02 | 75% |
| domain | evil[.]example | payload_delivery | 2026-05-02 | 100% |
| domain | cdn-mirror[.]example[.]org | payload_delivery | 2026-05-02 | 100% |
| sha256_hash | ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb | payload | 2026-05-02 | 95% |
| md5_hash | 0cc175b9c0f1b6a831c399e269772661 | payload | 2026-05-02 | 95% |
| email | bad[@]evil-mail[.]example | phishing | 2026-05-02 | 95% |
Scenario: Mirror sync
Filter/Exclusion: Filter by process.name = rclone.exe and destination.address contains mirror.corp.example.
Scenario: Admin tools
Filter/Exclusion: process.command_line contains '--config "x y"' or process.parent.name in ('a"b.exe', 'c\d.exe') or process.command_line startswith 'St"art\'
Scenario: Tool path
Filter/Exclusion: process.command_line contains 'C:\Tools\*x?'
"#;

/// What a rule is compared with: the hunt of a target's query, or an exclusion applied in it.
enum Part {
    Hunt,
    Exclusion(usize),
}

struct Check {
    id: &'static str,
    target: &'static str,
    part: Part,
    /// The `detection:` block of the rule.
    detection: &'static str,
}

const CHECKS: &[Check] = &[
    Check {
        id: "address pairs, addresses and ranges",
        target: "network",
        part: Part::Hunt,
        detection: r"
  pair1:
    destination.ip: 198.51.100.1
    destination.port: 80
  pair2:
    destination.ip: 198.51.100.2
    destination.port:
      - 443
      - 8443
  address:
    destination.ip: '2001:db8::66'
  range:
    destination.ip|cidr: 203.0.113.0/24
  condition: 1 of them",
    },
    Check {
        id: "domains and their subdomains",
        target: "dns",
        part: Part::Hunt,
        detection: r"
  exact:
    dns.question.name:
      - evil.example
      - cdn-mirror.example.org
  below:
    dns.question.name|endswith:
      - .evil.example
      - .cdn-mirror.example.org
  condition: exact or below",
    },
    Check {
        id: "hashes by algorithm",
        target: "file",
        part: Part::Hunt,
        detection: r"
  md5:
    file.hash.md5: 0cc175b9c0f1b6a831c399e269772661
  sha256:
    file.hash.sha256: ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb
  condition: 1 of them",
    },
    Check {
        id: "sender addresses",
        target: "email",
        part: Part::Hunt,
        detection: r"
  sender:
    - email.from.address: bad@evil-mail.example
    - email.sender.address: bad@evil-mail.example
  condition: sender",
    },
    Check {
        id: "exclusion: equality and contains",
        target: "network",
        part: Part::Exclusion(0),
        detection: r"
  sel:
    process.name: rclone.exe
    destination.address|contains: mirror.corp.example
  condition: sel",
    },
    Check {
        id: "exclusion: contains with quotes, a list, startswith",
        target: "process",
        part: Part::Exclusion(1),
        detection: r#"
  a:
    process.command_line|contains: '--config "x y"'
  b:
    process.parent.name:
      - 'a"b.exe'
      - 'c\\d.exe'
  c:
    process.command_line|startswith: 'St"art\\'
  condition: a or b or c"#,
    },
];

type Atom = (String, &'static str, String);
type Dnf = BTreeSet<BTreeSet<Atom>>;

/// Brings a condition to a set of conjunctions of atoms, reading EVAL columns as the field they
/// were computed from.
fn dnf(expr: &Expr, evals: &BTreeMap<String, String>) -> Dnf {
    let atom = |field: &Expr, op: &'static str, value: &Expr| {
        BTreeSet::from([BTreeSet::from([(
            field_of(field, evals),
            op,
            value_of(value).to_lowercase(),
        )])])
    };
    match expr {
        Expr::Or(a, b) => dnf(a, evals).union(&dnf(b, evals)).cloned().collect(),
        Expr::And(a, b) => {
            let (left, right) = (dnf(a, evals), dnf(b, evals));
            let mut out = Dnf::new();
            for l in &left {
                for r in &right {
                    out.insert(l.union(r).cloned().collect());
                }
            }
            out
        }
        Expr::Cmp("==", field, value) => atom(field, "==", value),
        Expr::In(field, list, false) => list
            .iter()
            .flat_map(|value| atom(field, "==", value))
            .collect(),
        Expr::Like(field, pattern, false) => atom(field, "like", &Expr::Str(pattern.clone())),
        Expr::Call(name, args) => match (name.as_str(), args.as_slice()) {
            ("ENDS_WITH", [field, value]) => atom(field, "ends_with", value),
            ("STARTS_WITH", [field, value]) => atom(field, "starts_with", value),
            ("CIDR_MATCH", [field, blocks @ ..]) => blocks
                .iter()
                .flat_map(|block| atom(field, "cidr", block))
                .collect(),
            _ => panic!("{name} is outside the compared constructs"),
        },
        other => panic!("{other:?} is outside the compared constructs"),
    }
}

fn field_of(expr: &Expr, evals: &BTreeMap<String, String>) -> String {
    match expr {
        Expr::Field(name) => evals.get(name).cloned().unwrap_or_else(|| name.clone()),
        Expr::Call(name, args) if name == "TO_LOWER" || name == "REPLACE" => {
            field_of(&args[0], evals)
        }
        other => panic!("{other:?} is not a field"),
    }
}

fn value_of(expr: &Expr) -> String {
    match expr {
        Expr::Str(s) => s.clone(),
        Expr::Int(n) => n.to_string(),
        Expr::Call(name, args) if name == "TO_IP" => value_of(&args[0]),
        other => panic!("{other:?} is not a value"),
    }
}

/// Our side: the hunt's condition (or an exclusion's positive condition) and the EVAL columns.
fn ours(query: &Emitted, part: &Part) -> (Expr, BTreeMap<String, String>) {
    let text = &query.text;
    let parsed = common::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut evals = BTreeMap::new();
    let mut wheres = Vec::new();
    for step in &parsed.commands {
        match step {
            Step::Eval(columns) => {
                for (name, expr) in columns {
                    evals.insert(name.clone(), field_of(expr, &BTreeMap::new()));
                }
            }
            Step::Where(expr) => wheres.push(expr.clone()),
            _ => {}
        }
    }
    // The first WHERE is the time filter, the second the hunt, then one per applied exclusion.
    let expr = match part {
        Part::Hunt => wheres[1].clone(),
        Part::Exclusion(n) => {
            assert_eq!(query.states[*n], ExclusionState::Applied, "{text}");
            let before = query.states[..*n]
                .iter()
                .filter(|s| **s == ExclusionState::Applied)
                .count();
            match &wheres[2 + before] {
                Expr::Not(inner) => match inner.as_ref() {
                    Expr::Call(name, args) if name == "COALESCE" => args[0].clone(),
                    other => panic!("an applied exclusion is NOT COALESCE(...), not {other:?}"),
                },
                other => panic!("an applied exclusion is NOT COALESCE(...), not {other:?}"),
            }
        }
    };
    (expr, evals)
}

/// pySigma's side: its `where` clause, read by the same parser.
fn theirs(query: &str) -> Result<Expr, String> {
    let (_, condition) = query
        .split_once("| where ")
        .ok_or_else(|| format!("no where clause in {query}"))?;
    let parsed = common::parse(&format!("FROM logs-*\n| WHERE {condition}"))?;
    match &parsed.commands[..] {
        [Step::Where(expr)] => Ok(expr.clone()),
        other => Err(format!("unexpected commands {other:?}")),
    }
}

fn rule(check: &Check) -> String {
    format!(
        "title: '{}'\nid: 5d2b2a6e-7a3b-4c6e-9d7e-1f0a2b3c4d5e\nstatus: test\n\
         logsource:\n  category: network_connection\ndetection:{}\n",
        check.id, check.detection
    )
}

fn convert(rules: &[(String, String)]) -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/esql-check");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "pySigma is not installed: run `cargo xtask setup` (tools/esql-check/setup.sh)"
    );
    let input: Vec<Value> = rules
        .iter()
        .map(|(id, rule)| json!({"id": id, "rule": rule}))
        .collect();
    let mut child = Command::new(python)
        .arg(dir.join("convert.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::Array(input).to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "convert.py failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

struct Emitted {
    text: String,
    states: Vec<ExclusionState>,
}

fn emitted() -> BTreeMap<String, Emitted> {
    let summary = common::emit_report(REPORT, ExclusionMode::Apply);
    assert_eq!(summary.counts[&ioc_core::State::Emitted], 10);
    summary
        .queries
        .into_iter()
        .map(|q| {
            let states = q.exclusions.into_iter().map(|u| u.state).collect();
            (
                q.target,
                Emitted {
                    text: q.text,
                    states,
                },
            )
        })
        .collect()
}

#[test]
fn where_conditions_agree_with_pysigma_on_shared_constructs() {
    let queries = emitted();
    let rules: Vec<(String, String)> = CHECKS.iter().map(|c| (c.id.to_string(), rule(c))).collect();
    let results = convert(&rules);
    for (check, result) in CHECKS.iter().zip(&results) {
        let converted = result["queries"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: pySigma failed: {result}", check.id));
        assert_eq!(converted.len(), 1, "{}: one query per rule", check.id);
        let theirs =
            theirs(converted[0].as_str().unwrap()).unwrap_or_else(|e| panic!("{}: {e}", check.id));
        let want = dnf(&theirs, &BTreeMap::new());

        let query = &queries[check.target];
        let (expr, evals) = ours(query, &check.part);
        let fields: BTreeSet<&String> = want.iter().flatten().map(|(f, _, _)| f).collect();
        let got: Dnf = dnf(&expr, &evals)
            .into_iter()
            .filter(|conjunction| conjunction.iter().all(|(f, _, _)| fields.contains(f)))
            .collect();
        assert_eq!(
            got, want,
            "{}: our conditions differ from pySigma's\nours:\n{}\npySigma:\n{}",
            check.id, query.text, converted[0]
        );
    }
}

/// Where the two differ on purpose, pinned so a change on either side is seen.
#[test]
fn pysigma_escapes_a_literal_star_in_equality_which_esql_refuses() {
    // Sigma `\*` is a literal star. pySigma writes it as `\*` inside a plain string literal, an
    // escape the ES|QL lexer does not have; we write the star as it is (`"e*f.exe"`), since
    // only LIKE patterns give `*` a meaning.
    let rule = "title: star\nlogsource:\n  category: x\ndetection:\n  sel:\n    \
                process.name: 'e\\*f.exe'\n  condition: sel\n";
    let results = convert(&[("star".to_string(), rule.to_string())]);
    let query = results[0]["queries"][0].as_str().unwrap();
    assert!(query.contains(r#"process.name=="e\*f.exe""#), "{query}");
    assert!(theirs(query).unwrap_err().contains("is not ES|QL"));
}

#[test]
fn pysigma_escapes_like_patterns_once_where_esql_reads_them_twice() {
    // The LIKE reference: the pattern's backslash escapes are themselves inside a string
    // literal, so each is written twice. pySigma writes them once, so a literal backslash or
    // star in a `contains` gives an escape the ES|QL lexer refuses. Ours decodes, as a string
    // and then as a pattern, to the value the write-up gave (lower-cased).
    let rule = r"title: like
logsource:
  category: x
detection:
  sel:
    process.command_line|contains: 'C:\\Tools\\\*x\?'
  condition: sel
";
    let results = convert(&[("like".to_string(), rule.to_string())]);
    let query = results[0]["queries"][0].as_str().unwrap();
    assert!(query.contains(r#"like "*C:\\Tools\\\*x\?*""#), "{query}");
    assert!(theirs(query).unwrap_err().contains("is not ES|QL"));

    let queries = emitted();
    let (expr, _) = ours(&queries["process"], &Part::Exclusion(2));
    let Expr::Like(_, pattern, false) = expr else {
        panic!("a contains is a LIKE, not {expr:?}");
    };
    assert_eq!(common::like_runs(&pattern).unwrap(), [r"c:\tools\*x?"]);
}
