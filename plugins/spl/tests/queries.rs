//! The SPL backend on hand-made detections: what each search matches, run on events by the test
//! evaluator, and how hostile values and exclusions are written.

mod lexer;

use std::collections::BTreeMap;

use ioc_backend_spl::Spl;
use ioc_core::{
    parse_clause, Backend, Detection, DetectionBuilder, Emission, EmitError, EmitOptions,
    ExclusionKind, ExclusionMode, ExclusionState, Indicator, IndicatorKind, IndicatorValue,
    Metadata, Polarity, Query, Source,
};
use lexer::run::{matches, search_matches};
use lexer::Token;

use IndicatorKind::*;

fn detection(values: &[(IndicatorKind, &str)], exclusions: &[&str]) -> Detection {
    let mut b = DetectionBuilder::new();
    b.add_source("test.md");
    b.set_family("Test Family");
    for (n, (kind, text)) in values.iter().enumerate() {
        let value = IndicatorValue::parse((*kind).into(), text).unwrap();
        let indicator = Indicator {
            value,
            original: (*text).into(),
            source: Source::line("test.md", n as u32 + 1),
            meta: Metadata::default(),
        };
        b.accept(indicator, None);
    }
    for (n, clause) in exclusions.iter().enumerate() {
        let kind = match parse_clause(clause, Polarity::Exclude) {
            Some(expr) => ExclusionKind::Structured { expr },
            None => ExclusionKind::Prose,
        };
        b.add_exclusion(clause, None, Source::line("test.md", 100 + n as u32), kind);
    }
    b.finish().0
}

fn options(profile: &str, mode: ExclusionMode) -> EmitOptions {
    EmitOptions {
        profile: Some(profile.to_string()),
        exclusions: mode,
        ..EmitOptions::default()
    }
}

fn emit(d: &Detection, options: &EmitOptions) -> Emission {
    let emission = Spl.emit(d, options).unwrap();
    for query in &emission.queries {
        lexer::check(&query.text).unwrap_or_else(|e| panic!("{e}\n{}", query.text));
    }
    emission
}

fn query<'a>(emission: &'a Emission, key: &str) -> &'a Query {
    emission
        .queries
        .iter()
        .find(|q| q.name.ends_with(key))
        .unwrap_or_else(|| panic!("no {key} query in {:?}", names(emission)))
}

/// The text of the `key` query for `d`.
fn text(d: &Detection, options: &EmitOptions, key: &str) -> String {
    query(&emit(d, options), key).text.clone()
}

fn names(emission: &Emission) -> Vec<&str> {
    emission.queries.iter().map(|q| q.name.as_str()).collect()
}

fn cim() -> EmitOptions {
    EmitOptions::default()
}

#[test]
fn ip_port_pairs_are_never_crossed() {
    let d = detection(
        &[(IpPort, "198.51.100.1:80"), (IpPort, "198.51.100.2:443")],
        &[],
    );
    let e = emit(&d, &cim());
    assert_eq!(names(&e), ["test-family-network-traffic"]);
    let q = &query(&e, "network-traffic").text;
    let conn = |ip: &str, port: &str| {
        [
            ("All_Traffic.dest_ip", ip.to_string()),
            ("All_Traffic.dest_port", port.to_string()),
        ]
    };
    let hit = |ip, port| {
        let ev = conn(ip, port);
        let ev: Vec<(&str, &str)> = ev.iter().map(|(k, v)| (*k, v.as_str())).collect();
        matches(q, &ev)
    };
    assert!(hit("198.51.100.1", "80"));
    assert!(hit("198.51.100.2", "443"));
    assert!(!hit("198.51.100.1", "443"), "a crossed pair matched:\n{q}");
    assert!(!hit("198.51.100.2", "80"), "a crossed pair matched:\n{q}");
    // The source side is hunted too, by the same pairs.
    assert!(matches(
        q,
        &[
            ("All_Traffic.src_ip", "198.51.100.2"),
            ("All_Traffic.src_port", "443")
        ]
    ));
    assert!(!matches(
        q,
        &[
            ("All_Traffic.src_ip", "198.51.100.2"),
            ("All_Traffic.src_port", "80")
        ]
    ));
    assert!(!q.contains("| where"), "pairs need no where:\n{q}");

    let raw = emit(&d, &options("raw", ExclusionMode::Comment));
    let r = &query(&raw, "network-traffic").text;
    assert!(matches(
        r,
        &[("dest_ip", "198.51.100.1"), ("dest_port", "80")]
    ));
    assert!(!matches(
        r,
        &[("dest_ip", "198.51.100.1"), ("dest_port", "443")]
    ));
}

#[test]
fn addresses_ranges_and_ipv6_forms() {
    let d = detection(
        &[
            (Ipv4, "203.0.113.9"),
            (Cidr, "10.20.0.0/16"),
            (Ipv6, "2001:db8::1"),
            (IpPort, "[2001:db8::2]:8443"),
        ],
        &[],
    );
    let q = &text(&d, &cim(), "network-traffic");
    let dest = |ip: &'static str| [("All_Traffic.dest_ip", ip), ("All_Traffic.dest_port", "1")];
    assert!(matches(q, &dest("203.0.113.9")));
    assert!(!matches(q, &dest("203.0.113.90")));
    assert!(matches(q, &dest("10.20.255.1")));
    assert!(!matches(q, &dest("10.21.0.1")));
    // Another notation of the same IPv6 address, through the /128 range.
    assert!(matches(q, &dest("2001:0db8:0000:0000:0000:0000:0000:0001")));
    assert!(matches(
        q,
        &[
            ("All_Traffic.dest_ip", "2001:db8::2"),
            ("All_Traffic.dest_port", "8443")
        ]
    ));
    assert!(!matches(
        q,
        &[
            ("All_Traffic.dest_ip", "2001:db8::2"),
            ("All_Traffic.dest_port", "443")
        ]
    ));
}

#[test]
fn a_domain_matches_itself_and_subdomains_never_a_substring() {
    let d = detection(&[(Domain, "evil.com")], &[]);
    let e = emit(&d, &cim());
    assert_eq!(names(&e), ["test-family-dns", "test-family-web"]);
    for (key, field) in [("dns", "DNS.query"), ("web", "Web.url_domain")] {
        let q = &query(&e, key).text;
        for hit in [
            "evil.com",
            "EVIL.com",
            "evil.com.",
            "a.b.evil.com",
            "x.evil.com.",
        ] {
            assert!(
                matches(q, &[(field, hit)]),
                "{hit} should match in {key}:\n{q}"
            );
        }
        for miss in [
            "notevil.com",
            "evil.com.attacker.net",
            "evil.co",
            "evilxcom",
            "com",
        ] {
            assert!(
                !matches(q, &[(field, miss)]),
                "{miss} matched in {key}:\n{q}"
            );
        }
    }
}

#[test]
fn a_url_matches_exactly_with_a_case_sensitive_path() {
    let d = detection(&[(Url, "HTTPS://Evil.Example/Path/A?x=1")], &[]);
    let q = &text(&d, &cim(), "web");
    let url = |u| [("Web.url", u)];
    for hit in [
        "https://evil.example/Path/A?x=1",
        "HTTPS://EVIL.EXAMPLE/Path/A?x=1",
        "evil.example/Path/A?x=1",
    ] {
        assert!(matches(q, &url(hit)), "{hit}:\n{q}");
    }
    for miss in [
        "https://evil.example/path/a?x=1",
        "https://evil.example/Path/A?x=12",
        "https://evil.example/Path/A",
        "https://www.evil.example/Path/A?x=1",
    ] {
        assert!(!matches(q, &url(miss)), "{miss} matched:\n{q}");
    }
    // The search terms ignore case, so the path's case is left to the where.
    assert!(search_matches(q, &url("https://evil.example/path/a?x=1")));

    // A bare origin also matches with a trailing slash, and needs no where.
    let bare = detection(&[(Url, "http://evil.example")], &[]);
    let b = &text(&bare, &cim(), "web");
    assert!(matches(b, &url("http://evil.example/")));
    assert!(matches(b, &url("EVIL.EXAMPLE")));
    assert!(!b.contains("| where"), "{b}");
}

#[test]
fn a_literal_star_is_never_a_wildcard() {
    let d = detection(
        &[(Url, "http://evil.example/a*b"), (FileName, "in*voice.exe")],
        &[],
    );
    let e = emit(&d, &cim());
    let web = &query(&e, "web").text;
    assert!(
        matches(web, &[("Web.url", "http://evil.example/a*b")]),
        "{web}"
    );
    // The search term is cut before the star (a superset)...
    assert!(search_matches(
        web,
        &[("Web.url", "http://evil.example/aXYZb")]
    ));
    // ... and the where keeps only the exact value.
    assert!(!matches(web, &[("Web.url", "http://evil.example/aXYZb")]));
    assert!(!matches(web, &[("Web.url", "http://evil.example/a")]));

    let procs = &query(&e, "processes").text;
    assert!(matches(
        procs,
        &[("Processes.process_name", "IN*VOICE.EXE")]
    ));
    assert!(search_matches(
        procs,
        &[("Processes.process_name", "inXvoice.exe")]
    ));
    assert!(!matches(
        procs,
        &[("Processes.process_name", "inXvoice.exe")]
    ));
    for text in [web, procs] {
        // In the search terms a star is always a wildcard; `\*` there would not escape it.
        let terms = text.split("| where").next().unwrap();
        assert!(
            !terms.contains("\\*"),
            "a backslash cannot escape a star:\n{text}"
        );
        assert!(
            !text.contains("like("),
            "like() has wildcards of its own:\n{text}"
        );
    }
    // Every literal decodes back to a value: the star values in full, in the where.
    let literals = lexer::literals(&lexer::check(procs).unwrap());
    assert!(lexer::mentions(&literals, "in*voice.exe"), "{literals:?}");
}

#[test]
fn hashes_go_to_the_dataset_hash_field_whatever_their_length() {
    let md5 = "5FF36F2BFED0594959B6274942585334";
    let sha256 = "8cda1c2e44c35cc8c0b8b6a12d56a4d393f772a8000000000000000000000000";
    let d = detection(&[(Md5, md5), (Sha256, sha256)], &[]);
    let e = emit(&d, &cim());
    assert_eq!(
        names(&e),
        ["test-family-processes", "test-family-filesystem"]
    );
    let p = &query(&e, "processes").text;
    assert!(matches(p, &[("Processes.process_hash", md5)]));
    assert!(matches(p, &[("Processes.process_hash", sha256)]));
    assert!(!matches(p, &[("Processes.process_hash", &md5[..31])]));
    let f = &query(&e, "filesystem").text;
    assert!(matches(f, &[("Filesystem.file_hash", &md5.to_lowercase())]));

    // Under the raw profile a field may be named per algorithm.
    let mut raw = options("raw", ExclusionMode::Comment);
    raw.settings
        .insert("field.file_hash.sha256".into(), "SHA256".into());
    let r = emit(&d, &raw);
    let f = &query(&r, "filesystem").text;
    assert!(matches(f, &[("SHA256", sha256)]));
    assert!(!matches(f, &[("file_hash", sha256)]));
    assert!(matches(f, &[("file_hash", md5)]));
}

#[test]
fn exclusion_values_with_quotes_and_backslashes_stay_in_their_literal() {
    let hostile = r#"process.command_line contains 'say "hi" \ | bye'"#;
    let plain = "process.command_line contains 'plainvalue'";
    let hash = (Md5, "5ff36f2bfed0594959b6274942585334");
    let run = |clause: &str| {
        let d = detection(&[hash], &[clause]);
        query(
            &emit(&d, &options("cim", ExclusionMode::Apply)),
            "processes",
        )
        .clone()
    };
    let h = run(hostile);
    let p = run(plain);
    assert_eq!(h.exclusions[0].state, ExclusionState::Applied);
    let tokens = lexer::check(&h.text).unwrap();
    assert!(
        lexer::mentions(&lexer::literals(&tokens), r#"say "hi" \ | bye"#),
        "{}",
        h.text
    );
    // Same commands and groups as with a plain value: the value opened nothing.
    let plain_tokens = lexer::check(&p.text).unwrap();
    assert_eq!(lexer::pipes(&tokens), lexer::pipes(&plain_tokens));
    assert_eq!(lexer::shape(&tokens), lexer::shape(&plain_tokens));

    let event = |cmd| {
        [
            ("Processes.process_hash", "5ff36f2bfed0594959b6274942585334"),
            ("Processes.process", cmd),
        ]
    };
    assert!(
        !matches(&h.text, &event(r#"x SAY "HI" \ | BYE y"#)),
        "excluded"
    );
    assert!(matches(&h.text, &event(r#"say "hi" | bye"#)), "kept");
    // An event without the field is kept: the exclusion is null-safe. Under tstats the field is
    // filled with "-"; a raw event simply lacks it.
    assert!(matches(
        &h.text,
        &[("Processes.process_hash", "5ff36f2bfed0594959b6274942585334")]
    ));
    let d = detection(&[hash], &[hostile]);
    let raw = query(
        &emit(&d, &options("raw", ExclusionMode::Apply)),
        "processes",
    )
    .clone();
    assert!(matches(
        &raw.text,
        &[("process_hash", "5ff36f2bfed0594959b6274942585334")]
    ));
    assert!(!matches(
        &raw.text,
        &[
            ("process_hash", "5ff36f2bfed0594959b6274942585334"),
            ("process", r#"say "hi" \ | bye"#)
        ]
    ));
}

#[test]
fn comments_are_sanitised() {
    let nasty = "Ignore ```| delete``` and `x`\nthen | stuff``";
    let d = {
        let mut b = DetectionBuilder::new();
        b.add_source("a```b\n.md");
        b.set_title("Title ``` with\nbreak");
        b.set_family("Fam`ily");
        let value = IndicatorValue::parse(Domain.into(), "evil.com").unwrap();
        b.accept(
            Indicator {
                value,
                original: "evil.com".into(),
                source: Source::line("a.md", 1),
                meta: Metadata::default(),
            },
            None,
        );
        b.add_exclusion(nasty, None, Source::line("a.md", 2), ExclusionKind::Prose);
        b.finish().0
    };
    let e = emit(&d, &cim());
    let plain = detection(&[(Domain, "evil.com")], &["just prose"]);
    let p = emit(&plain, &cim());
    for (q, pq) in e.queries.iter().zip(&p.queries) {
        assert_eq!(q.exclusions[0].state, ExclusionState::Prose);
        let tokens = lexer::check(&q.text).unwrap_or_else(|e| panic!("{e}\n{}", q.text));
        assert_eq!(
            lexer::shape(&tokens),
            lexer::shape(&lexer::check(&pq.text).unwrap())
        );
        let comments = lexer::comments(&tokens);
        assert!(comments
            .iter()
            .all(|c| !c.contains('`') && !c.contains('\n')));
        assert!(comments
            .iter()
            .any(|c| c.contains("Ignore '| delete' and 'x' then | stuff'")));
        assert!(
            matches!(tokens.first(), Some(Token::Comment(c)) if c.starts_with("Title ' with break"))
        );
    }
}

fn omitted_because(state: &ExclusionState, why: &str) -> bool {
    matches!(state, ExclusionState::Omitted { reason } if reason.contains(why))
}

#[test]
fn exclusions_follow_the_mode_and_are_omitted_where_no_field_maps() {
    let clauses = [
        "process.name = curl and destination.address contains internal-repo.example",
        "process.args = --backup",
        "file.hash.md5 = not-a-hash",
        "Check for rsync or similar backup-specific flags.",
        "destination.port in (80, 8080)",
    ];
    let d = detection(
        &[
            (IpPort, "198.51.100.1:80"),
            (Md5, "5ff36f2bfed0594959b6274942585334"),
        ],
        &clauses,
    );
    let states = |e: &Emission, key: &str| -> Vec<ExclusionState> {
        query(e, key)
            .exclusions
            .iter()
            .map(|u| u.state.clone())
            .collect()
    };
    let comment = emit(&d, &cim());
    let apply = emit(&d, &options("cim", ExclusionMode::Apply));

    let net = states(&comment, "network-traffic");
    assert!(
        omitted_because(&net[0], "has no field for process.name"),
        "{net:?}"
    );
    assert!(omitted_because(&net[1], "process.args"), "{net:?}");
    assert_eq!(net[3], ExclusionState::Prose);
    assert_eq!(net[4], ExclusionState::Commented);
    assert_eq!(
        states(&apply, "network-traffic")[4],
        ExclusionState::Applied
    );

    let procs = states(&apply, "processes");
    assert!(
        omitted_because(&procs[1], "whole command line"),
        "{procs:?}"
    );
    assert!(omitted_because(&procs[2], "not an MD5 hash"), "{procs:?}");
    assert!(
        omitted_because(&procs[4], "has no field for destination.port"),
        "{procs:?}"
    );

    // Each omitted or prose exclusion is reported in a comment of its query.
    let text = &query(&comment, "network-traffic").text;
    let comments = lexer::comments(&lexer::check(text).unwrap());
    assert!(comments
        .iter()
        .any(|c| c.starts_with("Exclusion x1 is left out here")));
    assert!(comments
        .iter()
        .any(|c| c.starts_with("Exclusion x4 (prose, not applied)")));

    // Disabled, the exclusion is a commented-out where that lexes; enabled, it filters.
    let disabled = comments
        .iter()
        .find(|c| c.starts_with("| where NOT"))
        .expect("disabled where");
    lexer::check(disabled).unwrap();
    let event = [
        ("All_Traffic.dest_ip", "198.51.100.1"),
        ("All_Traffic.dest_port", "80"),
    ];
    assert!(matches(text, &event), "comment mode keeps the event");
    let applied = &query(&apply, "network-traffic").text;
    assert!(!matches(applied, &event), "apply mode drops it:\n{applied}");
    assert!(
        applied.contains(&disabled.to_string()),
        "the same clause, enabled"
    );
    // The field the exclusion reads is grouped by, or tstats would not return it.
    assert!(applied.contains("BY All_Traffic.src_ip"));
}

#[test]
fn the_raw_profile_takes_its_names_from_the_settings() {
    let d = detection(
        &[(IpPort, "198.51.100.1:80"), (Domain, "evil.com")],
        &["process.name = curl"],
    );
    let mut o = options("raw", ExclusionMode::Apply);
    o.settings = BTreeMap::from([
        ("index".to_string(), "fw, proxy*".to_string()),
        ("index.dns".to_string(), "dns".to_string()),
        ("sourcetype.dns".to_string(), "stream:dns".to_string()),
        ("field.dest_ip".to_string(), "DestinationIp".to_string()),
    ]);
    let e = emit(&d, &o);
    let net = &query(&e, "network-traffic");
    assert_eq!(net.target, "network traffic events in index=fw,proxy*");
    assert!(net
        .text
        .contains("search (index=\"fw\" OR index=\"proxy*\") earliest=-14d ("));
    assert!(matches(
        &net.text,
        &[("DestinationIp", "198.51.100.1"), ("dest_port", "80")]
    ));
    let dns = &query(&e, "dns").text;
    assert!(dns.contains("search index=\"dns\" sourcetype=\"stream:dns\" earliest=-14d ("));
    assert!(
        e.notes.is_empty(),
        "a field was set, so no note: {:?}",
        e.notes
    );

    let mut bad = options("raw", ExclusionMode::Comment);
    bad.settings
        .insert("field.dest_ip".into(), "x\" OR 1=1".into());
    assert!(matches!(Spl.emit(&d, &bad), Err(EmitError::Invalid { .. })));
    let mut wrong = cim();
    wrong.settings.insert("index".into(), "main".into());
    assert!(matches!(
        Spl.emit(&d, &wrong),
        Err(EmitError::Invalid { .. })
    ));
    assert!(matches!(
        Spl.emit(&d, &options("splunk", ExclusionMode::Comment)),
        Err(EmitError::UnknownProfile { .. })
    ));
}

#[test]
fn every_query_opens_with_its_account_and_the_lookback() {
    let d = detection(
        &[
            (IpPort, "198.51.100.1:80"),
            (Domain, "evil.com"),
            (Url, "http://a.example/x"),
        ],
        &[],
    );
    let mut o = cim();
    o.lookback = "36h".parse().unwrap();
    o.settings.insert("summariesonly".into(), "true".into());
    for q in emit(&d, &o).queries {
        let tokens = lexer::check(&q.text).unwrap();
        let Some(Token::Comment(title)) = tokens.first() else {
            panic!("{}", q.text)
        };
        assert!(title.contains("hunt in"), "{title}");
        let Some(Token::Comment(account)) = tokens.get(1) else {
            panic!("{}", q.text)
        };
        assert!(account.starts_with("Source: test.md | Family: Test Family | Indicators: "));
        assert!(q.text.contains("WHERE earliest=-36h ("), "{}", q.text);
        assert!(q
            .text
            .contains("| tstats summariesonly=true fillnull_value=\"-\" count"));
    }
}

#[test]
fn email_is_not_a_kind_this_backend_hunts() {
    assert!(!Spl.kinds().contains(&Email));
    let d = detection(&[(Email, "a@evil.com"), (Domain, "evil.com")], &[]);
    let e = emit(&d, &cim());
    assert_eq!(e.skipped.len(), 1);
    assert!(e.skipped[0].1.contains("email"));
}
