//! Microsoft Sentinel scheduled analytics rules: one YAML file per query in the format of the
//! Azure-Sentinel repository's `Detections` folder, and optionally (`arm=true`) one ARM template
//! holding every rule as a `Microsoft.OperationalInsights/workspaces/providers/alertRules`
//! resource of kind `Scheduled`, for import in the portal or deployment with `az`.
//!
//! The limits checked here are those the repository's template validation enforces (its
//! `ScheduledTemplateInternalModel` and attributes): a query of at most 10,000 characters, a
//! frequency and a period each from 5 minutes to 14 days, the period at least the frequency,
//! a frequency of at least an hour when the period is 2 days or more, a threshold from 0 to
//! 10,000, at most 5 entity mappings of 1 to 3 fields each, with the identifiers each entity
//! type takes. [`SentinelRule`] reads a rule back with every key checked, for the tests.

use std::fmt::Write;

use ioc_core::text::{single_line, slug};
use ioc_core::{
    Artifact, AttackTag, EmitOptions, IndicatorKind, Level, Lookback, Tactic, TimeUnit,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Context, Rendered};

/// The namespace of every rule id (UUIDv5 of the rule's stable name). Fixed once; changing it
/// changes every id, and Sentinel would then see new rules instead of updated ones.
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x3f1c_6a52_94d7_4e0b_b1a8_7d2e_5c90_1f46);

/// The repository's and the API's bounds.
const MAX_QUERY_CHARS: usize = 10_000;
const MAX_NAME_CHARS: usize = 256;
const MAX_DESCRIPTION_CHARS: usize = 5_000;
const MIN_MINUTES: u64 = 5;
const MAX_MINUTES: u64 = 14 * 24 * 60;

/// A scheduled rule in the repository's YAML form, key by key and in its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SentinelRule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub required_data_connectors: Vec<DataConnector>,
    pub query_frequency: String,
    pub query_period: String,
    pub trigger_operator: TriggerOperator,
    pub trigger_threshold: u32,
    pub tactics: Vec<String>,
    pub relevant_techniques: Vec<String>,
    #[serde(serialize_with = "literal_block")]
    pub query: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entity_mappings: Vec<EntityMapping>,
    pub version: String,
    pub kind: RuleKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TriggerOperator {
    Gt,
    Lt,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleKind {
    Scheduled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataConnector {
    pub connector_id: String,
    pub data_types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EntityMapping {
    pub entity_type: String,
    pub field_mappings: Vec<FieldMapping>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldMapping {
    pub identifier: String,
    pub column_name: String,
}

/// The query as a literal block scalar (`|`): line breaks kept, nothing escaped, readable.
fn literal_block<S: serde::Serializer>(query: &str, s: S) -> Result<S::Ok, S::Error> {
    serde_saphyr::LitStr(query).serialize(s)
}

impl SentinelRule {
    /// Reads a rule file, refusing unknown keys and values of the wrong type.
    pub fn from_yaml(text: &str) -> Result<SentinelRule, String> {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }

    /// The structure rules of the Azure-Sentinel repository's template validation.
    pub fn check(&self) -> Result<(), String> {
        if !is_guid(&self.id) {
            return Err(format!("id {:?} is not a GUID", self.id));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("name must have 1 to {MAX_NAME_CHARS} characters"));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(format!(
                "description is over {MAX_DESCRIPTION_CHARS} characters"
            ));
        }
        let query_chars = self.query.chars().count();
        if query_chars == 0 || query_chars > MAX_QUERY_CHARS {
            return Err(format!(
                "query has {query_chars} characters; 1 to {MAX_QUERY_CHARS} are allowed"
            ));
        }
        let frequency = minutes(&self.query_frequency)?;
        let period = minutes(&self.query_period)?;
        for (what, value) in [("queryFrequency", frequency), ("queryPeriod", period)] {
            if !(MIN_MINUTES..=MAX_MINUTES).contains(&value) {
                return Err(format!("{what} must be from 5m to 14d"));
            }
        }
        if period < frequency {
            return Err("queryPeriod must be at least queryFrequency".to_string());
        }
        if period >= 2 * 24 * 60 && frequency < 60 {
            return Err(
                "with a queryPeriod of 2d or more, queryFrequency must be 1h or more".into(),
            );
        }
        if self.trigger_threshold > 10_000 {
            return Err("triggerThreshold must be from 0 to 10000".to_string());
        }
        for tactic in &self.tactics {
            if !Tactic::ALL.iter().any(|t| t.pascal_name() == *tactic) {
                return Err(format!("{tactic:?} is not a tactic"));
            }
        }
        for technique in &self.relevant_techniques {
            let tag = format!("attack.{}", technique.to_ascii_lowercase());
            if !matches!(AttackTag::parse(&tag), Ok(Some(AttackTag::Technique(_))))
                || technique.starts_with('t')
            {
                return Err(format!("{technique:?} is not a technique id such as T1071"));
            }
        }
        for connector in &self.required_data_connectors {
            if connector.connector_id.is_empty() || connector.data_types.is_empty() {
                return Err("a data connector needs an id and data types".to_string());
            }
        }
        check_entities(&self.entity_mappings)?;
        let version_ok = self.version.split('.').count() == 3
            && self
                .version
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !version_ok {
            return Err(format!("version {:?} is not a.b.c", self.version));
        }
        Ok(())
    }
}

/// The identifiers each entity type this backend maps takes, and those it requires, from the
/// repository's entity identifier table.
fn identifiers(entity: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match entity {
        "IP" => (&["Address"], &["Address"]),
        "DNS" => (&["DomainName"], &["DomainName"]),
        "URL" => (&["Url"], &["Url"]),
        "FileHash" => (&["Algorithm", "Value"], &["Algorithm", "Value"]),
        "File" => (&["Directory", "Name"], &["Name"]),
        _ => return None,
    })
}

fn check_entities(mappings: &[EntityMapping]) -> Result<(), String> {
    if mappings.len() > 5 {
        return Err(format!("{} entity mappings; at most 5", mappings.len()));
    }
    for mapping in mappings {
        let (allowed, required) = identifiers(&mapping.entity_type)
            .ok_or_else(|| format!("entity type {:?} is not one we map", mapping.entity_type))?;
        let fields = &mapping.field_mappings;
        if fields.is_empty() || fields.len() > 3 {
            return Err(format!("{}: 1 to 3 field mappings", mapping.entity_type));
        }
        for (n, field) in fields.iter().enumerate() {
            if !allowed.contains(&field.identifier.as_str()) {
                return Err(format!(
                    "{}: identifier {:?} is not one of {allowed:?}",
                    mapping.entity_type, field.identifier
                ));
            }
            if fields[..n].iter().any(|f| f.identifier == field.identifier) {
                return Err(format!(
                    "{}: {} twice",
                    mapping.entity_type, field.identifier
                ));
            }
            let column_ok = field
                .column_name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && field
                    .column_name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !column_ok {
                return Err(format!(
                    "column {:?} is not a column name",
                    field.column_name
                ));
            }
        }
        for id in required {
            if !fields.iter().any(|f| f.identifier == *id) {
                return Err(format!("{}: {id} is required", mapping.entity_type));
            }
        }
    }
    Ok(())
}

fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Minutes in a `30m`, `1h` or `14d` duration.
fn minutes(text: &str) -> Result<u64, String> {
    text.parse::<Lookback>()
        .map(Lookback::as_minutes)
        .map_err(|e| format!("duration {text:?}: {e}"))
}

/// What Sentinel refuses in a scheduled rule's timing.
enum Timing {
    PeriodOver14Days,
    FrequencyOver14Days,
    Under5Minutes,
    PeriodUnderFrequency,
    LongPeriodFrequentRuns,
}

/// The first rule a period and a frequency (in minutes) break, if any.
fn timing_fault(period: u64, frequency: u64) -> Option<Timing> {
    if period > MAX_MINUTES {
        Some(Timing::PeriodOver14Days)
    } else if frequency > MAX_MINUTES {
        Some(Timing::FrequencyOver14Days)
    } else if period < MIN_MINUTES || frequency < MIN_MINUTES {
        Some(Timing::Under5Minutes)
    } else if period < frequency {
        Some(Timing::PeriodUnderFrequency)
    } else if period >= 2 * 24 * 60 && frequency < 60 {
        Some(Timing::LongPeriodFrequentRuns)
    } else {
        None
    }
}

/// Refuses a schedule and lookback that Sentinel would refuse, saying why in the options'
/// terms.
pub fn check_timing(options: &EmitOptions) -> Result<(), String> {
    let period = options.lookback;
    let frequency = options.schedule.unwrap_or(Lookback::HOUR);
    let Some(fault) = timing_fault(period.as_minutes(), frequency.as_minutes()) else {
        return Ok(());
    };
    Err(match fault {
        Timing::PeriodOver14Days => format!(
            "--lookback {period} is too long for a rule: a Sentinel scheduled rule's queryPeriod \
             is at most 14 days; hunt further back with --emit query"
        ),
        Timing::FrequencyOver14Days => {
            format!("--schedule {frequency}: a Sentinel scheduled rule runs at least every 14 days")
        }
        Timing::Under5Minutes => {
            "a Sentinel scheduled rule runs at most every 5 minutes over at least 5 minutes"
                .to_string()
        }
        Timing::PeriodUnderFrequency => format!(
            "--lookback {period} is shorter than --schedule {frequency}: events between runs \
             would never be seen"
        ),
        Timing::LongPeriodFrequentRuns => format!(
            "--schedule {frequency} with --lookback {period}: Sentinel runs a rule that looks \
             back 2 days or more at most once an hour"
        ),
    })
}

/// The rule files for the rendered queries, and notes for the summary.
pub fn rules(ctx: &Context, rendered: &[Rendered]) -> Result<(Vec<Artifact>, Vec<String>), String> {
    let mut files = Vec::new();
    let mut built = Vec::new();
    let mut notes = Vec::new();
    for r in rendered {
        let rule = rule(ctx, r);
        rule.check()
            .map_err(|e| format!("rule {} would be refused: {e}", r.query.name))?;
        let text = serde_saphyr::to_string_with_options(
            &rule,
            serde_saphyr::ser_options! {
                indent_step: 2,
                quote_all: true,
            },
        )
        .map_err(|e| format!("cannot write rule {} as YAML: {e}", r.query.name))?;
        files.push(Artifact {
            name: format!("{}.yaml", r.query.name),
            content: text,
        });
        built.push(rule);
    }
    if ctx.profile == crate::Profile::Asim && !built.is_empty() {
        notes.push(
            "profile asim: the rules list no required data connectors, since the ASIM parsers \
             read whichever sources the workspace normalises"
                .to_string(),
        );
    }
    if ctx.settings.arm && !built.is_empty() {
        files.push(Artifact {
            name: format!("{}-sentinel-rules.json", slug(ctx.detection.label())),
            content: arm_template(&built),
        });
    }
    Ok((files, notes))
}

fn rule(ctx: &Context, r: &Rendered) -> SentinelRule {
    let detection = ctx.detection;
    let table_name = ctx.settings.table_name(r.table);
    let part = r
        .query
        .name
        .rsplit_once("-part-")
        .map(|(_, p)| format!(", part {p}"))
        .unwrap_or_default();
    let title = single_line(&detection.title).trim().to_string();
    let suffix = format!(" ({table_name}{part})");
    let keep = MAX_NAME_CHARS.saturating_sub(suffix.chars().count());
    let name = format!(
        "{}{suffix}",
        title.chars().take(keep).collect::<String>().trim_end()
    );

    let (tactics, techniques) = attack(ctx, r);
    let required_data_connectors = match r.table.connector {
        // A renamed table is filled by whatever fills it, which the rule cannot name.
        Some(connector) if table_name == r.table.name => vec![DataConnector {
            connector_id: connector.to_string(),
            data_types: vec![table_name.to_string()],
        }],
        _ => Vec::new(),
    };
    SentinelRule {
        id: Uuid::new_v5(
            &ID_NAMESPACE,
            format!("ioc-emit sentinel rule\n{}", r.query.name).as_bytes(),
        )
        .to_string(),
        name,
        description: description(ctx, r, table_name),
        severity: match detection.level.unwrap_or(Level::Medium) {
            Level::Informational => Severity::Informational,
            Level::Low => Severity::Low,
            Level::Medium => Severity::Medium,
            Level::High | Level::Critical => Severity::High,
        },
        required_data_connectors,
        query_frequency: ctx.options.schedule.unwrap_or(Lookback::HOUR).to_string(),
        query_period: ctx.options.lookback.to_string(),
        trigger_operator: TriggerOperator::Gt,
        trigger_threshold: 0,
        tactics: tactics.iter().map(|t| t.pascal_name()).collect(),
        relevant_techniques: techniques,
        query: r.query.text.clone(),
        entity_mappings: r
            .entities
            .iter()
            .map(|(entity, fields)| EntityMapping {
                entity_type: entity.to_string(),
                field_mappings: fields
                    .iter()
                    .map(|(identifier, column)| FieldMapping {
                        identifier: identifier.to_string(),
                        column_name: column.clone(),
                    })
                    .collect(),
            })
            .collect(),
        version: "1.0.0".to_string(),
        kind: RuleKind::Scheduled,
    }
}

/// The detection's ATT&CK tags if it has any; otherwise what reaching or running a reported
/// indicator is, by what the table records (the Sigma backend reasons the same way): network,
/// DNS and web activity is command and control over an application protocol (T1071); a
/// reported file arriving is Ingress Tool Transfer (T1105); a reported file running is
/// Execution; a reported mail or link is Phishing (T1566).
fn attack(ctx: &Context, r: &Rendered) -> (Vec<Tactic>, Vec<String>) {
    let given = &ctx.detection.attack;
    if !given.is_empty() {
        let tactics = given
            .iter()
            .filter_map(|t| match t {
                AttackTag::Tactic(t) => Some(*t),
                AttackTag::Technique(_) => None,
            })
            .collect();
        let techniques = given
            .iter()
            .filter_map(|t| match t {
                AttackTag::Technique(id) => Some(id.clone()),
                AttackTag::Tactic(_) => None,
            })
            .collect();
        return (tactics, techniques);
    }
    match r.table.name {
        "DeviceProcessEvents" => (vec![Tactic::Execution], Vec::new()),
        "DeviceFileEvents" | "_Im_FileEvent" => {
            (vec![Tactic::CommandAndControl], vec!["T1105".to_string()])
        }
        "EmailEvents" | "UrlClickEvents" => {
            (vec![Tactic::InitialAccess], vec!["T1566".to_string()])
        }
        _ => (vec![Tactic::CommandAndControl], vec!["T1071".to_string()]),
    }
}

fn description(ctx: &Context, r: &Rendered, table_name: &str) -> String {
    let detection = ctx.detection;
    let mut kinds: Vec<IndicatorKind> = r
        .query
        .indicators
        .iter()
        .map(|&i| detection.indicators[i].kind())
        .collect();
    kinds.sort();
    kinds.dedup();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let mut text = format!(
        "Matches {} reported indicators ({}) of {} in {table_name}, from {}.",
        r.query.indicators.len(),
        kinds.join(", "),
        single_line(detection.label()).trim(),
        single_line(&detection.sources.join(", ")).trim()
    );
    if let Some(about) = &detection.description {
        let _ = write!(text, "\n{}", about.trim());
    }
    if !detection.references.is_empty() {
        let _ = write!(text, "\nReferences: {}", detection.references.join(", "));
    }
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        text = text
            .chars()
            .take(MAX_DESCRIPTION_CHARS - 3)
            .collect::<String>()
            + "...";
    }
    text
}

/// An ISO 8601 duration, as the ARM API takes it: `PT30M`, `PT1H`, `P14D`.
fn iso_duration(text: &str) -> String {
    let lookback: Lookback = text.parse().expect("checked by SentinelRule::check");
    match lookback.unit {
        TimeUnit::Minutes => format!("PT{}M", lookback.amount),
        TimeUnit::Hours => format!("PT{}H", lookback.amount),
        TimeUnit::Days => format!("P{}D", lookback.amount),
    }
}

/// A string value ARM reads literally: one that starts with `[` and ends with `]` would be an
/// expression, and `[[` is its escape (Template syntax, "Escape characters").
fn arm_literal(text: &str) -> String {
    if text.starts_with('[') && text.ends_with(']') {
        format!("[{text}")
    } else {
        text.to_string()
    }
}

/// One deployment template with every rule; the workspace is its only parameter.
fn arm_template(rules: &[SentinelRule]) -> String {
    let resources: Vec<serde_json::Value> = rules
        .iter()
        .map(|rule| {
            let operator = match rule.trigger_operator {
                TriggerOperator::Gt => "GreaterThan",
                TriggerOperator::Lt => "LessThan",
                TriggerOperator::Eq => "Equal",
                TriggerOperator::Ne => "NotEqual",
            };
            let mut techniques: Vec<String> = rule
                .relevant_techniques
                .iter()
                .map(|t| t.split('.').next().unwrap_or(t).to_string())
                .collect();
            techniques.dedup();
            serde_json::json!({
                "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
                "apiVersion": "2023-02-01",
                "name": format!(
                    "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/{}')]",
                    rule.id
                ),
                "kind": "Scheduled",
                "properties": {
                    "displayName": arm_literal(&rule.name),
                    "description": arm_literal(&rule.description),
                    "severity": rule.severity,
                    "enabled": true,
                    "query": arm_literal(&rule.query),
                    "queryFrequency": iso_duration(&rule.query_frequency),
                    "queryPeriod": iso_duration(&rule.query_period),
                    "triggerOperator": operator,
                    "triggerThreshold": rule.trigger_threshold,
                    "suppressionDuration": "PT1H",
                    "suppressionEnabled": false,
                    "tactics": rule.tactics,
                    "techniques": techniques,
                    "entityMappings": rule.entity_mappings,
                    "eventGroupingSettings": { "aggregationKind": "SingleAlert" },
                    "incidentConfiguration": {
                        "createIncident": true,
                        "groupingConfiguration": {
                            "enabled": true,
                            "reopenClosedIncident": false,
                            "lookbackDuration": "P1D",
                            "matchingMethod": "AllEntities",
                            "groupByEntities": [],
                            "groupByAlertDetails": [],
                            "groupByCustomDetails": []
                        }
                    }
                }
            })
        })
        .collect();
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "workspace": {
                "type": "string",
                "metadata": { "description": "The Log Analytics workspace Microsoft Sentinel runs on" }
            }
        },
        "resources": resources
    });
    let mut text = serde_json::to_string_pretty(&template).expect("a JSON value serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_literals() {
        assert_eq!(iso_duration("1h"), "PT1H");
        assert_eq!(iso_duration("14d"), "P14D");
        assert_eq!(iso_duration("30m"), "PT30M");
        assert_eq!(arm_literal("[TLP] x]"), "[[TLP] x]");
        assert_eq!(arm_literal("[TLP] x"), "[TLP] x");
        assert!(is_guid("3f1c6a52-94d7-4e0b-b1a8-7d2e5c901f46"));
        assert!(!is_guid("3f1c6a52-94d7-4e0b-b1a8"));
    }

    #[test]
    fn timing_follows_sentinel() {
        let with = |lookback: &str, schedule: &str| EmitOptions {
            lookback: lookback.parse().unwrap(),
            schedule: Some(schedule.parse().unwrap()),
            ..EmitOptions::default()
        };
        assert!(check_timing(&with("14d", "1h")).is_ok());
        assert!(check_timing(&with("1h", "1h")).is_ok());
        let err = check_timing(&with("15d", "1h")).unwrap_err();
        assert!(err.contains("at most 14 days"), "{err}");
        assert!(check_timing(&with("30m", "1h")).is_err());
        assert!(check_timing(&with("2d", "30m")).is_err());
        assert!(check_timing(&with("4m", "4m")).is_err());
    }

    #[test]
    fn entity_rules_are_enforced() {
        let mapping = |entity: &str, fields: &[(&str, &str)]| EntityMapping {
            entity_type: entity.to_string(),
            field_mappings: fields
                .iter()
                .map(|(i, c)| FieldMapping {
                    identifier: i.to_string(),
                    column_name: c.to_string(),
                })
                .collect(),
        };
        assert!(check_entities(&[mapping("IP", &[("Address", "RemoteIP")])]).is_ok());
        assert!(check_entities(&[mapping("FileHash", &[("Value", "IocFileHash")])]).is_err());
        assert!(check_entities(&[mapping("IP", &[("Addr", "RemoteIP")])]).is_err());
        assert!(check_entities(&[mapping("IP", &[("Address", "Remote IP")])]).is_err());
        assert!(check_entities(&vec![mapping("IP", &[("Address", "A")]); 6]).is_err());
    }
}
