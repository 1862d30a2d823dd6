//! Lookup mode: the indicators go into one CSV lookup table, and one short search per dataset
//! reads the dataset's events of the lookback and keeps those the table matches, so a feed of
//! any size makes searches of a fixed size.
//!
//! The searches use the `lookup` command (Search Reference, `lookup` command), which matches
//! every event against the whole table. A subsearch such as `[| inputlookup ...]` would be
//! shorter but returns at most 10,000 rows by default (Search Reference, "Subsearches"), which
//! a real feed passes, and a cut list would miss indicators without a word.
//!
//! Each row of the table has a key that says what it matches, so that every lookup is one exact
//! comparison and no row can answer for another kind:
//!
//! | indicator | `ioc_key` | the event side |
//! |---|---|---|
//! | ip:port | `ip:port\|<ip>\|<port>` | the address and the port of one side, together |
//! | IP address | `ip\|<ip>` | the address field |
//! | domain | `domain\|<name>` | the host and each parent of it, from the host itself up |
//! | URL | `url\|<form>` | the URL with scheme and host lower-cased, the rest as logged |
//! | hash | `hash\|<hex>` | the hash field, lower-cased |
//! | file name | `filename\|<name>` | the name field, lower-cased |
//!
//! CSV lookups compare case-sensitively (Knowledge Manager Manual, "Add field matching rules to
//! your lookup configuration": `case_sensitive_match` is true unless a `transforms.conf` stanza
//! says otherwise), so both sides are lower-cased where the inline searches ignore case, and a
//! URL keeps its path's case, as inline. A URL gets a row per form a log may hold: with and
//! without the scheme, and with a lone `/` path where it has none.
//!
//! Two things stay inline: CIDR ranges, which a lookup only matches as ranges with a `CIDR`
//! match type set in `transforms.conf`, and IPv6 addresses written in another notation than the
//! compressed lower-case one (the inline searches also try a /128 range).

use std::collections::BTreeMap;
use std::fmt::Write;

use ioc_core::text::slug;
use ioc_core::{Artifact, Detection, EmitError, EmitOptions, IndicatorKind, IndicatorValue, Query};

use crate::eval;
use crate::literal;
use crate::profile::{Naming, Profile};
use crate::query;
use crate::schema::Hunt;

/// The kinds the lookup table carries; the others are searched inline.
pub const KINDS: &[IndicatorKind] = &[
    IndicatorKind::Ipv4,
    IndicatorKind::Ipv6,
    IndicatorKind::IpPort,
    IndicatorKind::Domain,
    IndicatorKind::Url,
    IndicatorKind::Md5,
    IndicatorKind::Sha1,
    IndicatorKind::Sha256,
    IndicatorKind::FileName,
];

/// The table's file name: the `lookup` setting, else one derived from the detection.
pub fn table_name(detection: &Detection, naming_setting: Option<&str>) -> String {
    naming_setting
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}-iocs.csv", slug(detection.label())))
}

/// The lookup table: a header and a row per key.
pub fn table(detection: &Detection, name: &str) -> Result<Artifact, EmitError> {
    let fail = |e: &dyn std::fmt::Display| EmitError::Invalid {
        backend: "spl",
        message: format!("cannot write the lookup table: {e}"),
    };
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(detection.indicators.len() * 64));
    writer
        .write_record(["ioc_key", "indicator_type", "indicator", "port"])
        .map_err(|e| fail(&e))?;
    let mut key = String::new();
    for indicator in &detection.indicators {
        let kind = indicator.kind();
        let value = indicator.value.to_string();
        let mut row = |key: &str, port: &str| {
            writer
                .write_record([key, kind.as_str(), value.as_str(), port])
                .map_err(|e| fail(&e))
        };
        key.clear();
        match &indicator.value {
            IndicatorValue::IpPort { ip, port } => {
                let _ = write!(key, "ip:port|{ip}|{port}");
                row(&key, &port.to_string())?;
            }
            IndicatorValue::Ipv4(_) | IndicatorValue::Ipv6(_) => {
                let _ = write!(key, "ip|{value}");
                row(&key, "")?;
            }
            IndicatorValue::Domain(name) => {
                let _ = write!(key, "domain|{name}");
                row(&key, "")?;
            }
            IndicatorValue::Url(url) => {
                let mut forms = vec![url.as_str().to_string(), url.without_scheme().to_string()];
                if url.rest().is_empty() {
                    forms.push(format!("{}/", url.as_str()));
                    forms.push(format!("{}/", url.without_scheme()));
                }
                for form in forms {
                    row(&format!("url|{form}"), "")?;
                }
            }
            IndicatorValue::Md5(h) | IndicatorValue::Sha1(h) | IndicatorValue::Sha256(h) => {
                let _ = write!(key, "hash|{}", h.to_ascii_lowercase());
                row(&key, "")?;
            }
            IndicatorValue::FileName(name) => {
                let _ = write!(key, "filename|{}", name.to_lowercase());
                row(&key, "")?;
            }
            IndicatorValue::Cidr { .. } | IndicatorValue::Email(_) => {}
        }
    }
    let bytes = writer.into_inner().map_err(|e| fail(&e))?;
    let content = String::from_utf8(bytes).map_err(|e| fail(&e))?;
    Ok(Artifact {
        name: name.to_string(),
        content,
    })
}

/// One lookup of a search: the key it computes from the event and the field it outputs.
struct Probe {
    /// `| eval` commands that compute `key`.
    evals: Vec<String>,
    key: String,
    hit: String,
    /// The event fields it reads.
    fields: Vec<String>,
}

/// The lookup search of the dataset `naming` names, for the indicators at `items` (the lookup
/// kinds among them), or `None` when the dataset hunts none of them.
pub fn search(
    detection: &Detection,
    options: &EmitOptions,
    naming: &Naming,
    table: &str,
    items: &[usize],
) -> Option<Query> {
    let mut covered = Vec::new();
    let mut probes = Vec::new();
    for hunt in naming.dataset.hunts {
        let kinds: Vec<IndicatorKind> = hunt
            .kinds()
            .iter()
            .copied()
            .filter(|k| KINDS.contains(k))
            .collect();
        let mut present: BTreeMap<IndicatorKind, bool> = BTreeMap::new();
        for &i in items {
            let kind = detection.indicators[i].kind();
            if kinds.contains(&kind) {
                covered.push(i);
                present.insert(kind, true);
            }
        }
        let has = |k: IndicatorKind| present.contains_key(&k);
        probes.extend(hunt_probes(hunt, naming, &has));
    }
    if probes.is_empty() {
        return None;
    }
    covered.sort_unstable();
    covered.dedup();

    let plans = query::plans(detection, naming);
    let fields: Vec<String> = probes.iter().flat_map(|p| p.fields.clone()).collect();
    let mut text = String::new();
    query::header(&mut text, detection, naming, &covered, "");
    match naming.profile {
        Profile::Cim => {
            let by = query::group_by(naming, fields.iter(), &plans);
            query::tstats(
                &mut text,
                options,
                naming.settings,
                naming.dataset,
                &[],
                &by,
            );
        }
        Profile::Raw => query::search(&mut text, options, naming.settings, naming.dataset, &[]),
    }
    for probe in &probes {
        for line in &probe.evals {
            let _ = writeln!(text, "| eval {line}");
        }
        let _ = writeln!(
            text,
            "| lookup {table} ioc_key AS {} OUTPUT indicator AS {}",
            probe.key, probe.hit
        );
    }
    let hits: Vec<String> = probes
        .iter()
        .map(|p| format!("isnotnull({})", p.hit))
        .collect();
    let _ = writeln!(text, "| where {}", eval::any(hits));
    let uses = query::exclusion_lines(&mut text, detection, options, &plans);
    let hit_fields = probes.iter().map(|p| p.hit.clone());
    query::tail(&mut text, naming, fields.iter().cloned().chain(hit_fields));

    Some(Query {
        name: format!("{}-lookup", query::name(detection, naming.dataset, "")),
        target: naming.target(),
        text,
        indicators: covered,
        exclusions: uses,
    })
}

/// The lookups one hunt needs for the kinds present.
fn hunt_probes(hunt: &Hunt, naming: &Naming, has: &dyn Fn(IndicatorKind) -> bool) -> Vec<Probe> {
    use IndicatorKind::*;
    match *hunt {
        Hunt::Address { ip, port } => {
            let (ip_field, port_field) = (naming.field(ip), naming.field(port));
            let mut probes = Vec::new();
            if has(IpPort) {
                let key = format!("ioc_{ip}_pair");
                probes.push(Probe {
                    evals: vec![format!(
                        "{key}=\"ip:port|\" . lower({}) . \"|\" . {}",
                        eval::value(&ip_field),
                        eval::value(&port_field)
                    )],
                    hit: format!("{key}_hit"),
                    key,
                    fields: vec![ip_field.clone(), port_field],
                });
            }
            if has(Ipv4) || has(Ipv6) {
                let key = format!("ioc_{ip}_ip");
                probes.push(Probe {
                    evals: vec![format!("{key}=\"ip|\" . lower({})", eval::value(&ip_field))],
                    hit: format!("{key}_hit"),
                    key,
                    fields: vec![ip_field],
                });
            }
            probes
        }
        Hunt::Host { field } if has(Domain) => {
            let name = naming.field(field);
            let key = format!("ioc_{field}_domain");
            let labels = format!("ioc_{field}_labels");
            let levels = format!("ioc_{field}_levels");
            vec![Probe {
                // The host without a trailing dot, split into labels; then the host and each
                // parent of it as a key, never a substring.
                evals: vec![
                    format!(
                        "{labels}=split(lower(replace({}, \"[.]$\", \"\")), \".\")",
                        eval::value(&name)
                    ),
                    format!("{levels}=mvrange(0, mvcount({labels}))"),
                    format!(
                        "{key}=mvmap({levels}, \"domain|\" . mvjoin(mvindex({labels}, {levels}, \
                         -1), \".\"))"
                    ),
                ],
                hit: format!("{key}_hit"),
                key,
                fields: vec![name],
            }]
        }
        Hunt::Url { field } if has(Url) => {
            let name = naming.field(field);
            let key = format!("ioc_{field}_url");
            let origin = format!("ioc_{field}_origin");
            vec![Probe {
                evals: vec![
                    format!(
                        "{origin}=replace({}, {}, \"\\\\1\")",
                        eval::value(&name),
                        literal::eval_string(URL_ORIGIN).expect("a plain pattern")
                    ),
                    format!(
                        "{key}=\"url|\" . lower({origin}) . substr({}, len({origin}) + 1)",
                        eval::value(&name)
                    ),
                ],
                hit: format!("{key}_hit"),
                key,
                fields: vec![name],
            }]
        }
        Hunt::Hash { field: role } if has(Md5) || has(Sha1) || has(Sha256) => {
            let mut fields: Vec<String> = [Md5, Sha1, Sha256]
                .iter()
                .filter(|k| has(**k))
                .map(|k| naming.hash_field(role, *k))
                .collect();
            fields.dedup();
            fields
                .into_iter()
                .enumerate()
                .map(|(n, name)| {
                    let key = if n == 0 {
                        format!("ioc_{role}")
                    } else {
                        format!("ioc_{role}_{n}")
                    };
                    Probe {
                        evals: vec![format!("{key}=\"hash|\" . lower({})", eval::value(&name))],
                        hit: format!("{key}_hit"),
                        key,
                        fields: vec![name],
                    }
                })
                .collect()
        }
        Hunt::Equals { kind, field } if has(kind) => {
            let name = naming.field(field);
            let key = format!("ioc_{field}");
            vec![Probe {
                evals: vec![format!(
                    "{key}=\"{}|\" . lower({})",
                    kind.as_str(),
                    eval::value(&name)
                )],
                hit: format!("{key}_hit"),
                key,
                fields: vec![name],
            }]
        }
        _ => Vec::new(),
    }
}

/// A URL's scheme and authority, as logged: what is lower-cased before the lookup.
const URL_ORIGIN: &str = "^((?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]*).*$";
