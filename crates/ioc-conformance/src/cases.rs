//! The cases the kit runs: the repository's fixtures, and detections built to break query text.
//!
//! Fixture inputs go through the reader, as users' reports do. The adversarial detections are
//! built directly, because they hold what no reader produces: line breaks in titles and
//! exclusion values, Unicode line separators, a family name that looks like a comment closer.

use std::fs;
use std::path::{Path, PathBuf};

use ioc_core::{
    Detection, DetectionBuilder, ExclusionKind, Expr, Field, Indicator, IndicatorKind,
    IndicatorValue, Metadata, Op, Record, Source,
};

pub enum Input {
    /// Files as (name, text), read together into one detection.
    Text(Vec<(String, String)>),
    Built(Box<(Detection, Vec<Record>)>),
}

pub struct Case {
    pub label: String,
    pub input: Input,
    /// The same values with plain comment texts, whose literals must be the same.
    pub twin: Option<Input>,
    pub max_query_chars: Option<usize>,
}

/// One case per folder of `dir` that holds `input*` files, read together as the golden test
/// reads them.
pub fn fixture_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("cannot list fixtures at {}: {e}", dir.display()))?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut cases = Vec::new();
    for folder in folders {
        let mut inputs: Vec<PathBuf> = fs::read_dir(&folder)
            .map_err(|e| format!("cannot list {}: {e}", folder.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("input"))
            })
            .collect();
        if inputs.is_empty() {
            continue;
        }
        inputs.sort();
        let mut files = Vec::new();
        for input in inputs {
            let text = fs::read_to_string(&input)
                .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
            let name = input.file_name().unwrap_or_default().to_string_lossy();
            files.push((name.to_string(), text));
        }
        cases.push(Case {
            label: folder
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into(),
            input: Input::Text(files),
            twin: None,
            max_query_chars: None,
        });
    }
    Ok(cases)
}

/// The generated cases: every kind with awkward values, and a large detection split small.
pub fn adversarial_cases() -> Vec<Case> {
    vec![
        Case {
            label: "adversarial values".to_string(),
            input: tricky(false),
            twin: Some(tricky(true)),
            max_query_chars: None,
        },
        Case {
            label: "adversarial split".to_string(),
            input: many(),
            twin: None,
            max_query_chars: Some(1500),
        },
    ]
}

/// Comment text that ends a line comment, closes a block comment, or opens a string, in every
/// language we target.
const COMMENT_TEXT: &str =
    "Quote\" 'single' `tick` \\back // /* */ --\n| where true\r\n\u{2028}# x\u{2029}end \u{85}";

/// Values special in one query language or another: quotes, backslashes, wildcards, backticks,
/// comment markers, Unicode separators and text outside ASCII.
const TRICKY_INDICATORS: &[(IndicatorKind, &str)] = &[
    (IndicatorKind::Ipv4, "198.51.100.7"),
    (IndicatorKind::Ipv6, "2001:DB8::7"),
    (IndicatorKind::IpPort, "198.51.100.8:8080"),
    (IndicatorKind::IpPort, "198.51.100.8:443"),
    (IndicatorKind::IpPort, "[2001:db8::8]:443"),
    (IndicatorKind::Cidr, "203.0.113.0/24"),
    (IndicatorKind::Cidr, "2001:db8:1::/48"),
    (IndicatorKind::Domain, "Adv-Domain.Example."),
    (IndicatorKind::Domain, "bücher.example"),
    (IndicatorKind::Domain, "under_score.adv.example"),
    (
        IndicatorKind::Url,
        "https://adv.example/q\"uote\\back*star?x=`tick`&y='%2F//c/*d*/\"\"\"",
    ),
    (IndicatorKind::Url, "https://ÄDV.example/Päth/ünï?Q=1"),
    (IndicatorKind::Url, "http://[2001:db8::5]:8080/v6"),
    (IndicatorKind::Url, "https://files.example"),
    (IndicatorKind::Md5, "0CC175B9C0F1B6A831C399E269772661"),
    (
        IndicatorKind::Sha1,
        "86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8",
    ),
    (
        IndicatorKind::Sha256,
        "CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB",
    ),
    (IndicatorKind::Email, "o'brien\"x\\y*z?`@Adv.Example"),
    (IndicatorKind::FileName, "it's \"fine\".exe"),
    (IndicatorKind::FileName, "*?.exe"),
    (IndicatorKind::FileName, "`tick`$(x)%y%;|pipe.exe"),
    (IndicatorKind::FileName, "line\u{2028}para\u{2029}.exe"),
    (IndicatorKind::FileName, "Émile😀 \"\"\".EXE"),
];

fn cmp(field: Field, op: Op, values: &[&str]) -> Expr {
    Expr::Cmp {
        field,
        op,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// Structured exclusions over every operator, with values as awkward as the indicators.
fn tricky_exclusions() -> Vec<Expr> {
    vec![
        Expr::And(vec![
            cmp(
                Field::ProcessCommandLine,
                Op::Contains,
                &[r#"C:\Tools\"sync"*?.ps1"#],
            ),
            cmp(Field::ProcessName, Op::Eq, &[r"Power'Shell\.exe"]),
        ]),
        Expr::Or(vec![
            cmp(Field::ProcessName, Op::In, &["a*", "b?", "`c`", r"d\e"]),
            cmp(Field::UserName, Op::Ne, &["ÉVE😀"]),
        ]),
        cmp(
            Field::ProcessCommandLine,
            Op::StartsWith,
            &["line1\nline2\r\ttab"],
        ),
        cmp(
            Field::ProcessCommandLine,
            Op::EndsWith,
            &["x // y /* z */ -- \u{2028}"],
        ),
        cmp(Field::DestinationPort, Op::In, &["80", "443"]),
        cmp(Field::DestinationIp, Op::Eq, &["10.0.0.1"]),
        cmp(Field::ProcessName, Op::Matches, &[r"^bk[0-9]+\.exe$"]),
        Expr::Not(Box::new(cmp(
            Field::ProcessParentName,
            Op::NotIn,
            &["x\"y", "\"\"\""],
        ))),
        Expr::And(vec![
            cmp(Field::FileName, Op::Eq, &["it's.exe"]),
            cmp(Field::FilePath, Op::Contains, &[r"C:\Program Files\"]),
        ]),
        Expr::Or(vec![
            cmp(Field::DestinationDomain, Op::EndsWith, &[".corp.example"]),
            cmp(Field::UrlFull, Op::Contains, &["?a=1&b=*"]),
            cmp(Field::DnsQuestionName, Op::Eq, &["Q.Example"]),
        ]),
        cmp(Field::ScriptName, Op::Eq, &["x.ps1"]),
        Expr::Or(vec![
            cmp(Field::ProcessArgs, Op::Contains, &["--token=\"x\""]),
            cmp(Field::ProcessArgs, Op::Eq, &["-x"]),
        ]),
        cmp(Field::SourceIp, Op::StartsWith, &["10.1."]),
    ]
}

/// The tricky detection; with `plain`, every comment text is a plain word instead.
fn tricky(plain: bool) -> Input {
    let text = |tricky: &str| {
        if plain {
            "plain".to_string()
        } else {
            tricky.to_string()
        }
    };
    let mut builder = DetectionBuilder::new();
    builder.add_source(&text(&format!("{COMMENT_TEXT}.md")));
    builder.set_title(&text(&format!("Title {COMMENT_TEXT}")));
    builder.set_family(&text(&format!("Family {COMMENT_TEXT}")));
    builder.set_description(&text(COMMENT_TEXT));
    for (line, (kind, value)) in TRICKY_INDICATORS.iter().enumerate() {
        accept(&mut builder, *kind, value, line);
    }
    for (i, expr) in tricky_exclusions().into_iter().enumerate() {
        builder.add_exclusion(
            &text(&format!("{i}: {COMMENT_TEXT}")),
            Some(&text(COMMENT_TEXT)),
            Source::line("adversarial", 100 + i as u32),
            ExclusionKind::Structured { expr },
        );
    }
    builder.add_exclusion(
        &text(&format!("prose {COMMENT_TEXT}")),
        None,
        Source::line("adversarial", 200),
        ExclusionKind::Prose,
    );
    let (detection, records) = builder.finish();
    Input::Built(Box::new((detection, records)))
}

/// Nine hundred indicators of four kinds, to be split into many small parts.
fn many() -> Input {
    let mut builder = DetectionBuilder::new();
    builder.add_source("many.md");
    builder.set_family("Splitter");
    for i in 0..300u32 {
        let ip = format!(
            "10.{}.{}.{}:{}",
            i / 65536,
            i / 256 % 256,
            i % 256,
            1024 + i
        );
        accept(&mut builder, IndicatorKind::IpPort, &ip, i as usize);
        let domain = format!("host{i}.split-kit.example");
        accept(&mut builder, IndicatorKind::Domain, &domain, i as usize);
    }
    for i in 0..200u32 {
        accept(
            &mut builder,
            IndicatorKind::Md5,
            &format!("{i:032x}"),
            i as usize,
        );
    }
    for i in 0..100u32 {
        let name = format!("f{i} \"q\" *?.exe");
        accept(&mut builder, IndicatorKind::FileName, &name, i as usize);
    }
    builder.add_exclusion(
        "process.name = backup.exe",
        None,
        Source::line("many.md", 1),
        ExclusionKind::Structured {
            expr: cmp(Field::ProcessName, Op::Eq, &["backup.exe"]),
        },
    );
    let (detection, records) = builder.finish();
    Input::Built(Box::new((detection, records)))
}

/// Generated values of every kind: addresses with one port and with fifty (IPv4 and long IPv6
/// addresses), URLs with a default port and a fragment, and names holding characters that
/// query languages escape or cannot quote.
pub fn every_kind() -> Detection {
    let mut builder = DetectionBuilder::new();
    builder.add_source("every-kind.md");
    builder.set_family("Every Kind");
    let mut values: Vec<(IndicatorKind, String)> = Vec::new();
    for i in 0..60u32 {
        let (a, b) = (i / 256, i % 256);
        values.push((IndicatorKind::Ipv4, format!("10.{a}.{b}.1")));
        values.push((IndicatorKind::Ipv6, format!("2001:db8:{i:x}::1")));
        values.push((IndicatorKind::IpPort, format!("10.{a}.{b}.2:{}", 1 + i)));
        values.push((IndicatorKind::IpPort, format!("203.0.113.9:{}", 1000 + i)));
        let v6 = "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff";
        values.push((IndicatorKind::IpPort, format!("[{v6}]:{}", 60000 + i)));
        values.push((
            IndicatorKind::IpPort,
            format!("[2001:db8::{i:x}]:{}", 1 + i),
        ));
        values.push((IndicatorKind::Cidr, format!("10.{a}.{b}.0/24")));
        values.push((IndicatorKind::Cidr, format!("2001:db8:{i:x}::/48")));
        values.push((IndicatorKind::Domain, format!("h{i}.every-kind.example")));
        values.push((IndicatorKind::Domain, format!("ü{i}.example")));
        values.push((
            IndicatorKind::Url,
            format!("https://u{i}.example:443/a#f{i}"),
        ));
        values.push((IndicatorKind::Url, format!("http://u{i}.example")));
        values.push((IndicatorKind::Url, format!("http://u{i}.example/P*\"q`{i}")));
        values.push((IndicatorKind::Md5, format!("{i:032x}")));
        values.push((IndicatorKind::Sha1, format!("{i:040x}")));
        values.push((IndicatorKind::Sha256, format!("{i:064x}")));
        values.push((IndicatorKind::Email, format!("u{i}@every-kind.example")));
        values.push((IndicatorKind::FileName, format!("f{i} `*\"%.exe")));
    }
    for (line, (kind, value)) in values.iter().enumerate() {
        accept(&mut builder, *kind, value, line);
    }
    builder.finish().0
}

fn accept(builder: &mut DetectionBuilder, kind: IndicatorKind, text: &str, line: usize) {
    let value = IndicatorValue::parse(kind.into(), text)
        .unwrap_or_else(|e| panic!("the kit's own value {text:?} is invalid: {e}"));
    builder.accept(
        Indicator {
            value,
            original: text.into(),
            source: Source::line("adversarial", line as u32 + 1),
            meta: Metadata::default(),
        },
        None,
    );
}
