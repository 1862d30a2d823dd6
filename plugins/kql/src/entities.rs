//! The columns a Sentinel rule maps to entities, and the query shape that computes them.
//!
//! Each hunt yields one entity type: an address hunt an IP (`Address`), a domain hunt a DNS
//! entity (`DomainName`), a URL hunt a URL (`Url`), a hash hunt a FileHash (`Algorithm` and
//! `Value`), a file-name hunt a File (`Name`), as the Sentinel entity reference names the
//! identifiers. Where one hunt yields an entity type, the entity maps to the hunt's column.
//! Where two do (CommonSecurityLog matches addresses on both the destination and the source),
//! each hunt's conditions become a flag column (`IocInDestinationIP`) computed before the
//! `where`, and the entity column picks the column whose flag is set, so that the entity is
//! the reported value and not the other end. A hash's algorithm is found the same way: by which
//! algorithm's list the row matched, never by guessing from the column.

use ioc_core::{Detection, IndicatorValue};

use crate::literal;
use crate::schema::Hunt;
use crate::HuntMatch;

/// The `where` of a query and the columns around it.
#[derive(Debug, Default)]
pub struct Shape {
    /// `name = condition` columns computed before the `where`.
    pub flags: Vec<(String, String)>,
    /// The conditions the `where` joins with `or`.
    pub disjuncts: Vec<String>,
    /// `name = expression` entity columns computed after the `where`.
    pub columns: Vec<(String, String)>,
    /// Entity mappings: (entity type, [(identifier, column)]).
    pub entities: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

impl Shape {
    /// The hunting query's shape: every hunt's conditions, nothing else.
    pub fn plain(matches: &[HuntMatch]) -> Shape {
        Shape {
            disjuncts: matches
                .iter()
                .flat_map(|m| m.matcher.disjuncts.clone())
                .collect(),
            ..Shape::default()
        }
    }
}

/// The entity type and identifier a hunt yields, with the column holding the value. Hashes
/// have two columns (see [`shape`]) and e-mail addresses none.
pub(crate) fn entity_of(hunt: &Hunt) -> Option<(&'static str, &'static str, String)> {
    match *hunt {
        Hunt::Address { ip, .. } => Some(("IP", "Address", ip.to_string())),
        Hunt::Host { column } | Hunt::UrlHost { column } => {
            Some(("DNS", "DomainName", format!("{column}_host")))
        }
        Hunt::Url { column, .. } => Some(("URL", "Url", column.to_string())),
        Hunt::Equals {
            kind: ioc_core::IndicatorKind::FileName,
            columns,
        } => Some(("File", "Name", columns[0].to_string())),
        Hunt::Hash { .. } | Hunt::Equals { .. } => None,
    }
}

/// The column a flagged entity is gathered in.
fn gathered(entity: &str) -> &'static str {
    match entity {
        "IP" => "IocIpAddress",
        "DNS" => "IocDomain",
        "URL" => "IocUrl",
        _ => "IocFileName",
    }
}

/// The rule's shape: flags where two hunts yield one entity type, the hash algorithm, and the
/// entity columns.
pub fn shape(matches: &[HuntMatch], detection: &Detection) -> Shape {
    let mut shape = Shape::default();
    let mut order: Vec<&'static str> = Vec::new();
    for m in matches {
        if let Some((entity, _, _)) = entity_of(m.hunt) {
            if !order.contains(&entity) {
                order.push(entity);
            }
        }
    }
    for m in matches {
        if let Hunt::Hash { md5, sha1, sha256 } = *m.hunt {
            hash(
                &mut shape,
                m,
                detection,
                [("MD5", md5), ("SHA1", sha1), ("SHA256", sha256)],
            );
        }
    }
    for entity in order {
        let hunts: Vec<(&HuntMatch, &'static str, String)> = matches
            .iter()
            .filter_map(|m| {
                entity_of(m.hunt)
                    .filter(|(e, _, _)| *e == entity)
                    .map(|(_, id, column)| (m, id, column))
            })
            .collect();
        let identifier = hunts[0].1;
        if let [(m, _, column)] = hunts.as_slice() {
            shape.disjuncts.extend(m.matcher.disjuncts.clone());
            shape
                .entities
                .push((entity, vec![(identifier, column.clone())]));
            continue;
        }
        let mut cases = Vec::new();
        for (m, _, column) in &hunts {
            let flag = format!("IocIn{}", flag_name(m.hunt));
            let condition = m.matcher.disjuncts.join(" or ");
            shape.flags.push((flag.clone(), format!("({condition})")));
            shape.disjuncts.push(flag.clone());
            cases.push(format!("{flag}, {column}"));
        }
        let target = gathered(entity).to_string();
        shape
            .columns
            .push((target.clone(), format!("case({}, \"\")", cases.join(", "))));
        shape.entities.push((entity, vec![(identifier, target)]));
    }
    // Hunts that yield no entity (e-mail addresses) keep their conditions.
    for m in matches {
        if entity_of(m.hunt).is_none() && !matches!(m.hunt, Hunt::Hash { .. }) {
            shape.disjuncts.extend(m.matcher.disjuncts.clone());
        }
    }
    shape
}

/// A flag's name from the column its hunt reads: plain letters and digits.
fn flag_name(hunt: &Hunt) -> String {
    let column = match *hunt {
        Hunt::Address { ip, .. } => ip,
        Hunt::Host { column } | Hunt::UrlHost { column } | Hunt::Url { column, .. } => column,
        Hunt::Equals { columns, .. } => columns[0],
        Hunt::Hash { sha256, .. } => sha256,
    };
    column.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The hash algorithm a row matched (`IocHashAlgorithm`, computed before the `where`, which
/// then only asks that one matched) and the matched hash (`IocFileHash`).
fn hash(
    shape: &mut Shape,
    m: &HuntMatch,
    detection: &Detection,
    columns: [(&'static str, &'static str); 3],
) {
    let mut tests = Vec::new();
    let mut picks = Vec::new();
    for (algorithm, column) in columns {
        let values: Vec<String> = m
            .indicators
            .iter()
            .map(|&i| &detection.indicators[i].value)
            .filter(|v| match v {
                IndicatorValue::Md5(_) => algorithm == "MD5",
                IndicatorValue::Sha1(_) => algorithm == "SHA1",
                IndicatorValue::Sha256(_) => algorithm == "SHA256",
                _ => false,
            })
            .map(|v| v.to_string())
            .collect();
        if values.is_empty() {
            continue;
        }
        let list = literal::string_list(values.iter().map(String::as_str));
        tests.push(format!("{column} in~ {list}, \"{algorithm}\""));
        picks.push(format!("IocHashAlgorithm == \"{algorithm}\", {column}"));
    }
    shape.flags.push((
        "IocHashAlgorithm".to_string(),
        format!("case({}, \"\")", tests.join(", ")),
    ));
    shape
        .disjuncts
        .push("isnotempty(IocHashAlgorithm)".to_string());
    shape.columns.push((
        "IocFileHash".to_string(),
        format!("case({}, \"\")", picks.join(", ")),
    ));
    shape.entities.push((
        "FileHash",
        vec![
            ("Algorithm", "IocHashAlgorithm".to_string()),
            ("Value", "IocFileHash".to_string()),
        ],
    ));
}
