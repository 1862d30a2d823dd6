//! The ASIM profile and the Sentinel rules, checked as Microsoft's tooling would check them:
//! every ASIM query passes Kusto.Language against the ASIM parser schema alone (so it reads no
//! table the profile does not declare); every rule file reads back into the Azure-Sentinel
//! `Detections` structure with every key known and passes its validation rules, carries exactly
//! the query the backend emitted, and that query passes the Kusto check; the ARM template holds
//! the same rules. Inputs: every fixture and every shared report and data file.

mod common;

use ioc_backend_kql::SentinelRule;
use ioc_core::{EmitOptions, ExclusionMode, Lookback, Mode, Output, Summary};

fn inputs() -> Vec<(String, String)> {
    let mut inputs = common::fixture_inputs();
    inputs.extend(common::shared_reports());
    inputs.extend(common::shared_data());
    inputs
}

/// Runs the checker; returns the failures as readable text.
fn failures(schemas: &[&str], queries: &[(String, String)]) -> Vec<String> {
    let results = common::kusto_check(schemas, queries, false);
    results
        .iter()
        .zip(queries)
        .filter(|(result, _)| result["ok"] != true)
        .map(|(result, (id, text))| {
            format!(
                "{id}: {}\n{text}",
                serde_json::to_string_pretty(&result["diagnostics"]).unwrap()
            )
        })
        .collect()
}

fn summaries(options: &EmitOptions) -> Vec<(String, Summary)> {
    inputs()
        .into_iter()
        .filter_map(|(name, text)| {
            common::emit("kql", &name, &text, options)
                .ok()
                .map(|s| (name, s))
        })
        .collect()
}

#[test]
fn asim_queries_pass_the_kusto_check_against_the_asim_schema() {
    let mut inline = Vec::new();
    let mut lookup = Vec::new();
    for (mode, how) in [
        (ExclusionMode::Comment, Mode::Inline),
        (ExclusionMode::Apply, Mode::Inline),
        (ExclusionMode::Apply, Mode::Lookup),
    ] {
        let options = EmitOptions {
            profile: Some("asim".to_string()),
            exclusions: mode,
            mode: how,
            ..EmitOptions::default()
        };
        for (name, summary) in summaries(&options) {
            for q in summary.queries {
                let id = format!("{name} [asim, {mode:?}, {how:?}] {}", q.name);
                match how {
                    Mode::Inline => inline.push((id, q.text)),
                    Mode::Lookup => lookup.push((id, q.text)),
                }
            }
        }
    }
    assert!(inline.len() >= 40, "only {} ASIM queries", inline.len());
    for parser in [
        "_Im_NetworkSession(",
        "_Im_Dns(",
        "_Im_WebSession(",
        "_Im_FileEvent(",
    ] {
        assert!(
            inline.iter().any(|(_, text)| text.contains(parser)),
            "no query calls {parser}"
        );
    }
    let mut failed = failures(&["asim"], &inline);
    failed.extend(failures(&["asim", "watchlist"], &lookup));
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

#[test]
fn an_asim_parser_gets_a_filter_only_when_it_covers_every_indicator() {
    let report = "Malware Family: T\n\n| Type | Value |\n|---|---|\n\
                  | ip:port | 203.0.113.7:443 |\n| cidr | 198.51.100.0/24 |\n\
                  | domain | evil.example |\n";
    let options = EmitOptions {
        profile: Some("asim".to_string()),
        ..EmitOptions::default()
    };
    let summary = common::emit("kql", "t.md", report, &options).unwrap();
    let text = |target: &str| {
        summary
            .queries
            .iter()
            .find(|q| q.target == target)
            .map(|q| q.text.clone())
            .unwrap()
    };
    // A range has no string prefix, so the addresses are not prefiltered.
    assert!(text("_Im_NetworkSession").contains("\n_Im_NetworkSession(starttime=ago(14d))\n"));
    assert!(text("_Im_Dns").contains("domain_has_any=dynamic([\"evil.example\"])"));
}

/// Every rule of `summary`, read back and checked, with its file name.
fn read_rules(summary: &Summary) -> Vec<(String, SentinelRule)> {
    let mut rules = Vec::new();
    for file in summary.rules.iter().filter(|f| f.name.ends_with(".yaml")) {
        let rule = SentinelRule::from_yaml(&file.content)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", file.name, file.content));
        rule.check()
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", file.name, file.content));
        rules.push((file.name.clone(), rule));
    }
    rules
}

#[test]
fn every_rule_reads_back_as_a_detections_rule_and_its_query_passes_the_kusto_check() {
    let mut checked = 0;
    for profile in ["sentinel", "asim"] {
        let mut queries = Vec::new();
        // Applied exclusions are code the checker must check; commented ones only comments.
        for (mode, how) in [
            (ExclusionMode::Apply, Mode::Inline),
            (ExclusionMode::Apply, Mode::Lookup),
        ] {
            let mut settings = std::collections::BTreeMap::new();
            settings.insert("arm".to_string(), "true".to_string());
            let options = EmitOptions {
                profile: Some(profile.to_string()),
                exclusions: mode,
                mode: how,
                output: Output::Rules,
                lookback: "1d".parse().unwrap(),
                schedule: Some(Lookback::HOUR),
                settings,
                ..EmitOptions::default()
            };
            for (name, summary) in summaries(&options) {
                let rules = read_rules(&summary);
                assert_eq!(rules.len(), summary.queries.len(), "{name}");
                for ((file, rule), query) in rules.iter().zip(&summary.queries) {
                    assert_eq!(*file, format!("{}.yaml", query.name));
                    assert_eq!(rule.query, query.text, "{name}: {file}");
                    assert_eq!((&*rule.query_period, &*rule.query_frequency), ("1d", "1h"));
                    if how == Mode::Inline && !rule.query.contains("EmailEvents") {
                        assert!(!rule.entity_mappings.is_empty(), "{name}: {file}");
                    }
                    let id = format!("{name} [{profile}, {mode:?}, {how:?}] {file}");
                    queries.push((id, rule.query.clone()));
                    checked += 1;
                }
                check_arm(&summary, &rules);
            }
        }
        let mut schemas = vec![profile, "watchlist"];
        if profile == "asim" {
            schemas = vec!["asim", "watchlist"];
        }
        let failed = failures(&schemas, &queries);
        assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    }
    assert!(checked >= 100, "only {checked} rules checked");
}

/// The ARM template holds one resource per YAML rule, with the same id, query and timing.
fn check_arm(summary: &Summary, rules: &[(String, SentinelRule)]) {
    let arm = summary
        .rules
        .iter()
        .find(|f| f.name.ends_with("-sentinel-rules.json"))
        .expect("arm=true writes a template");
    let template: serde_json::Value = serde_json::from_str(&arm.content).unwrap();
    let resources = template["resources"].as_array().unwrap();
    assert_eq!(resources.len(), rules.len());
    for (resource, (_, rule)) in resources.iter().zip(rules) {
        assert_eq!(
            resource["type"],
            "Microsoft.OperationalInsights/workspaces/providers/alertRules"
        );
        assert_eq!(resource["kind"], "Scheduled");
        let name = resource["name"].as_str().unwrap();
        assert!(name.ends_with(&format!("{}')]", rule.id)), "{name}");
        let properties = &resource["properties"];
        assert_eq!(properties["query"], rule.query.as_str());
        assert_eq!(properties["queryPeriod"], "P1D");
        assert_eq!(properties["queryFrequency"], "PT1H");
        assert_eq!(properties["triggerOperator"], "GreaterThan");
        assert_eq!(
            serde_json::to_value(&rule.entity_mappings).unwrap(),
            properties["entityMappings"]
        );
    }
}

#[test]
fn file_hash_entities_carry_the_matched_hash_and_its_algorithm() {
    let report = "Malware Family: H\n\n| Type | Value |\n|---|---|\n\
                  | md5 | 0cc175b9c0f1b6a831c399e269772661 |\n\
                  | sha256 | ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb |\n";
    let options = EmitOptions {
        output: Output::Rules,
        lookback: Lookback::HOUR,
        ..EmitOptions::default()
    };
    let summary = common::emit("kql", "h.md", report, &options).unwrap();
    let rules = read_rules(&summary);
    let (_, files) = rules
        .iter()
        .find(|(f, _)| f.contains("devicefileevents"))
        .unwrap();
    let hash = files
        .entity_mappings
        .iter()
        .find(|m| m.entity_type == "FileHash")
        .unwrap();
    let columns: Vec<(&str, &str)> = hash
        .field_mappings
        .iter()
        .map(|f| (f.identifier.as_str(), f.column_name.as_str()))
        .collect();
    assert_eq!(
        columns,
        [("Algorithm", "IocHashAlgorithm"), ("Value", "IocFileHash")]
    );
    assert!(files.query.contains(
        "IocHashAlgorithm = case(MD5 in~ (\"0cc175b9c0f1b6a831c399e269772661\"), \"MD5\", \
         SHA256 in~ (\"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\"), \
         \"SHA256\", \"\")"
    ));
    assert!(files.query.contains(
        "IocFileHash = case(IocHashAlgorithm == \"MD5\", MD5, IocHashAlgorithm == \"SHA256\", \
         SHA256, \"\")"
    ));
    assert!(files.query.contains(", IocHashAlgorithm, IocFileHash\n"));
}

#[test]
fn timing_sentinel_refuses_is_an_error_that_says_why() {
    let report = "Malware Family: T\n\n| Type | Value |\n|---|---|\n| domain | evil.example |\n";
    let options = |lookback: &str| EmitOptions {
        output: Output::Rules,
        lookback: lookback.parse().unwrap(),
        ..EmitOptions::default()
    };
    let err = common::emit("kql", "t.md", report, &options("15d")).unwrap_err();
    assert!(err.contains("at most 14 days"), "{err}");
    assert!(common::emit("kql", "t.md", report, &options("14d")).is_ok());
    let defender = EmitOptions {
        profile: Some("defender".to_string()),
        ..options("1h")
    };
    let err = common::emit("kql", "t.md", report, &defender).unwrap_err();
    assert!(err.contains("profile sentinel or asim"), "{err}");
}

#[test]
fn titles_that_yaml_1_1_would_retype_stay_strings() {
    for title in [
        "yes", "on", "*lead", "# hash", "a: b", "0123", "[x]", "- item",
    ] {
        let report = format!(
            "# {title}\n\nMalware Family: {title}\n\n| Type | Value |\n|---|---|\n\
             | domain | evil.example |\n"
        );
        let options = EmitOptions {
            output: Output::Rules,
            lookback: Lookback::HOUR,
            ..EmitOptions::default()
        };
        let summary = common::emit("kql", "t.md", &report, &options).unwrap();
        for file in &summary.rules {
            let rule = SentinelRule::from_yaml(&file.content).unwrap();
            assert!(
                rule.name.starts_with(&summary.title),
                "{title:?}: {}",
                rule.name
            );
            // Quoted, so PyYAML and YamlDotNet (YAML 1.1) read a string too.
            assert!(file.content.contains("\nname: '"), "{}", file.content);
        }
    }
}
