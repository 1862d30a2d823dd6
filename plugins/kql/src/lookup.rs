//! Lookup mode: the indicators go into one CSV for a Sentinel watchlist, and short queries join
//! against it, so a feed of any size fits Sentinel's 10,000-character query limit.
//!
//! The CSV has the columns `IndicatorType,Indicator,Port` (Indicator is the search key). Queries
//! read it with `_GetWatchlist('alias')` and take values from `WatchlistItem`, the dynamic bag
//! every watchlist row carries, converting the port with `toint()` because watchlist values are
//! strings. A watchlist upload is capped at about 3.8 MB; past that the same queries read the CSV
//! with `externaldata` from a URL the user gives (`--set lookup-url=URL`).
//!
//! Matching follows the inline rules: ip:port joins on both address and port; a domain matches
//! the host or any parent of it (each candidate suffix is joined, never a substring); a URL
//! matches after the scheme and host are lower-cased and nothing else; hashes per algorithm.

use std::fmt::Write;

use ioc_core::text::slug;
use ioc_core::{Artifact, Detection, EmitError, IndicatorKind, IndicatorValue, Query};

use crate::literal;
use crate::schema::{Hunt, Profile, Table};
use crate::{Context, Rendered};

/// Sentinel's cap on a watchlist upload from a local file, in bytes (3.8 MB).
pub const WATCHLIST_MAX_BYTES: usize = 3_800_000;

/// The CSV and the queries for lookup mode.
pub fn emit(ctx: &Context) -> Result<(Vec<Rendered>, Artifact, Vec<String>), EmitError> {
    let detection = ctx.detection;
    let alias = ctx
        .settings
        .watchlist
        .clone()
        .unwrap_or_else(|| default_alias(detection.label()));
    let csv = watchlist_csv(detection)?;
    let mut notes = Vec::new();
    let external = csv.len() > WATCHLIST_MAX_BYTES || ctx.profile == Profile::Defender;
    let source = if external {
        let Some(url) = &ctx.settings.lookup_url else {
            if ctx.profile == Profile::Defender {
                return Err(EmitError::Invalid {
                    backend: "kql",
                    message: "Defender XDR advanced hunting has no watchlists; host the CSV and \
                              pass --set lookup-url=URL to read it with externaldata"
                        .to_string(),
                });
            }
            return Err(EmitError::Invalid {
                backend: "kql",
                message: format!(
                    "the watchlist CSV is {} bytes, over Sentinel's upload cap of about 3.8 MB; \
                     host the CSV and pass --set lookup-url=URL to read it with externaldata",
                    csv.len()
                ),
            });
        };
        notes.push(if ctx.profile == Profile::Defender {
            format!("the queries read the lookup CSV with externaldata from {url}")
        } else {
            format!(
                "the watchlist CSV is {} bytes, over the 3.8 MB upload cap: the queries read it \
                 with externaldata from {url}",
                csv.len()
            )
        });
        format!(
            "externaldata(IndicatorType:string, Indicator:string, Port:string) [{}] \
             with (format=\"csv\", ignoreFirstRecord=true) \
             | extend WatchlistItem = bag_pack(\"IndicatorType\", IndicatorType, \
             \"Indicator\", Indicator, \"Port\", Port)",
            literal::string(url)
        )
    } else {
        format!("_GetWatchlist({})", literal::string(&alias))
    };
    let csv_name = format!("{}-watchlist.csv", slug(detection.label()));
    if !external {
        notes.push(format!(
            "lookup mode: upload {csv_name} as the watchlist {alias:?} with Indicator as the \
             search key"
        ));
        if let Some(url) = &ctx.settings.lookup_url {
            // Without its query: a SAS token there is a credential, and this URL is not used.
            let shown = url.split(['?', '#']).next().unwrap_or(url);
            notes.push(format!(
                "lookup-url {shown} is not used: the watchlist CSV is {} bytes, within \
                 Sentinel's upload cap, so the queries read the watchlist",
                csv.len()
            ));
        }
    }

    // The kinds are read once into a list a byte apiece: a query scans that, not the
    // indicators themselves, which lie a few hundred bytes apart. It scans it twice, to count
    // its indicators and then list them, so that each list is allocated once at its size
    // rather than grown through a million pushes.
    let kind_of: Vec<IndicatorKind> = detection.indicators.iter().map(|i| i.kind()).collect();
    let mut queries = Vec::new();
    for table in ctx.profile.tables() {
        for hunt in table.hunts {
            for (label, kinds, body) in hunt_bodies(hunt, &source) {
                let size = kind_of.iter().filter(|k| kinds.contains(k)).count();
                let mut items: Vec<usize> = Vec::with_capacity(size);
                items.extend((0..kind_of.len()).filter(|&i| kinds.contains(&kind_of[i])));
                if items.is_empty() {
                    continue;
                }
                queries.push(query(ctx, table, hunt, &label, &body, items));
            }
        }
    }
    Ok((
        queries,
        Artifact {
            name: csv_name,
            content: csv,
        },
        notes,
    ))
}

/// The detection's slug, cut to the length an alias may have.
fn default_alias(label: &str) -> String {
    // A slug is ASCII, so any byte is a character boundary.
    let mut alias = slug(label);
    alias.truncate(crate::settings::MAX_ALIAS);
    while alias.ends_with('-') {
        alias.pop();
    }
    alias
}

/// The watchlist rows. URLs get a row per form a log may hold (with and without the scheme, and
/// with a lone `/` path where the URL has none), so the join stays an exact match.
fn watchlist_csv(detection: &Detection) -> Result<String, EmitError> {
    // About the size it will be (a million mixed indicators write 47 MB), so that the buffer
    // is not copied as it doubles.
    let guess = detection.indicators.len().saturating_mul(48);
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(guess));
    let fail = |e: csv::Error| EmitError::Invalid {
        backend: "kql",
        message: e.to_string(),
    };
    writer
        .write_record(["IndicatorType", "Indicator", "Port"])
        .map_err(fail)?;
    for indicator in &detection.indicators {
        let kind = indicator.kind().as_str();
        match &indicator.value {
            IndicatorValue::IpPort { ip, port } => writer
                .write_record([kind, &ip.to_string(), &port.to_string()])
                .map_err(fail)?,
            IndicatorValue::Url(url) => {
                for logged in url.log_forms() {
                    let forms = url_forms(
                        logged.as_str(),
                        logged.without_scheme(),
                        logged.rest().is_empty(),
                    );
                    for form in forms {
                        writer
                            .write_record([kind, form.as_str(), ""])
                            .map_err(fail)?;
                    }
                }
            }
            value => writer
                .write_record([kind, &value.to_string(), ""])
                .map_err(fail)?,
        }
    }
    let bytes = writer.into_inner().map_err(|e| EmitError::Invalid {
        backend: "kql",
        message: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| EmitError::Invalid {
        backend: "kql",
        message: e.to_string(),
    })
}

fn url_forms(full: &str, schemeless: &str, bare: bool) -> Vec<String> {
    let mut forms = vec![full.to_string(), schemeless.to_string()];
    if bare {
        forms.push(format!("{full}/"));
        forms.push(format!("{schemeless}/"));
    }
    forms
}

/// For one hunt: (label, kinds, body lines after the time filter).
fn hunt_bodies(hunt: &Hunt, source: &str) -> Vec<(String, &'static [IndicatorKind], String)> {
    use IndicatorKind::*;
    let rows = |kinds: &str| {
        format!("{source} | where tostring(WatchlistItem.IndicatorType) in ({kinds})")
    };
    let host_candidates = |column: &str, host: String| {
        format!(
            "| extend IocHost = {host}\n\
             | extend IocLabels = split(IocHost, \".\")\n\
             | mv-expand with_itemindex = IocLevel IocLabel = IocLabels to typeof(string)\n\
             | extend IocCandidate = strcat_array(array_slice(IocLabels, IocLevel, -1), \".\")\n\
             | join kind=inner ({} | project IocCandidate = tostring(WatchlistItem.Indicator)) \
             on IocCandidate\n\
             | project-away IocLabels, IocLabel, IocLevel, IocCandidate1\n\
             // {column}: the host or a parent domain of it is listed",
            rows("\"domain\"")
        )
    };
    match *hunt {
        Hunt::Address { ip, port, mapped } => {
            let address = if mapped {
                format!("trim_start(@\"::ffff:\", {ip})")
            } else {
                ip.to_string()
            };
            vec![
                (
                    format!("{}-pairs", ip.to_ascii_lowercase()),
                    &[IpPort][..],
                    format!(
                        "| extend IocIp = {address}, IocPort = {port}\n\
                         | join kind=inner ({} | project IocIp = tostring(WatchlistItem.Indicator), \
                         IocPort = toint(WatchlistItem.Port)) on IocIp, IocPort\n\
                         | project-away IocIp1, IocPort1",
                        rows("\"ip:port\"")
                    ),
                ),
                (
                    format!("{}-addresses", ip.to_ascii_lowercase()),
                    &[Ipv4, Ipv6][..],
                    format!(
                        "| where {address} in ({} | project tostring(WatchlistItem.Indicator))",
                        rows("\"ipv4\", \"ipv6\"")
                    ),
                ),
                (
                    format!("{}-ranges", ip.to_ascii_lowercase()),
                    &[Cidr][..],
                    format!(
                        "| where ipv4_is_in_any_range({ip}, toscalar({} | summarize \
                         make_list(tostring(WatchlistItem.Indicator)))) or \
                         ipv6_is_in_any_range({ip}, toscalar({} | summarize \
                         make_list(tostring(WatchlistItem.Indicator))))",
                        rows("\"cidr\""),
                        rows("\"cidr\"")
                    ),
                ),
            ]
        }
        Hunt::Host { column } => vec![(
            format!("{}-domains", column.to_ascii_lowercase()),
            &[Domain][..],
            host_candidates(column, format!("tolower(trim_end(@\"\\.\", {column}))")),
        )],
        Hunt::UrlHost { column } => vec![(
            format!("{}-domains", column.to_ascii_lowercase()),
            &[Domain][..],
            host_candidates(
                column,
                format!(
                    "tolower(trim_end(@\"\\.\", extract({}, 1, {column})))",
                    literal::verbatim(crate::matching::HOST_OF_URL)
                ),
            ),
        )],
        Hunt::Url { column, .. } => vec![(
            format!("{}-urls", column.to_ascii_lowercase()),
            &[Url][..],
            format!(
                "| extend IocOrigin = extract({}, 1, {column})\n\
                 | extend IocUrl = strcat(tolower(IocOrigin), substring({column}, strlen(IocOrigin)))\n\
                 | where IocUrl in ({} | project tostring(WatchlistItem.Indicator))",
                literal::verbatim(r"^((?:[A-Za-z][A-Za-z0-9+.\-]*://)?[^/?#]*)"),
                rows("\"url\"")
            ),
        )],
        Hunt::Hash { md5, sha1, sha256 } => {
            let list = |kind: &str| {
                format!("({} | project tostring(WatchlistItem.Indicator))", rows(&format!("\"{kind}\"")))
            };
            vec![(
                "hashes".to_string(),
                &[Md5, Sha1, Sha256][..],
                format!(
                    "| where {md5} in~ {} or {sha1} in~ {} or {sha256} in~ {}",
                    list("md5"),
                    list("sha1"),
                    list("sha256")
                ),
            )]
        }
        Hunt::Equals { kind, columns } => {
            let list = format!(
                "({} | project tostring(WatchlistItem.Indicator))",
                rows(&format!("\"{}\"", kind.as_str()))
            );
            let tests: Vec<String> = columns.iter().map(|c| format!("{c} in~ {list}")).collect();
            vec![(
                format!("{}s", kind.as_str()),
                match kind {
                    Email => &[Email][..],
                    _ => &[FileName][..],
                },
                format!("| where {}", tests.join(" or ")),
            )]
        }
    }
}

/// The entity a lookup query's matches are, and the column that holds it: as inline, except
/// that a host is gathered in `IocHost`. Hash lookups match any of three columns, so they map
/// no entity (the matched algorithm is not known).
fn lookup_entity(hunt: &Hunt) -> Option<(&'static str, &'static str, String)> {
    let (entity, identifier, column) = crate::entities::entity_of(hunt)?;
    let column = if entity == "DNS" {
        "IocHost".to_string()
    } else {
        column
    };
    Some((entity, identifier, column))
}

fn query(
    ctx: &Context,
    table: &'static Table,
    hunt: &Hunt,
    label: &str,
    body: &str,
    items: Vec<usize>,
) -> Rendered {
    let time = ctx.profile.time_column();
    let mut text = String::new();
    crate::header(&mut text, ctx, table, &items, "");
    let _ = writeln!(text, "{}", ctx.source(table, &[]));
    let _ = writeln!(text, "| where {time} > ago({})", ctx.options.lookback);
    let _ = writeln!(text, "{body}");
    let uses = crate::exclusion_lines(&mut text, ctx, table);
    let mut project = vec![time.to_string()];
    project.extend(table.project.iter().map(|c| c.to_string()));
    let mut entities = Vec::new();
    if ctx.options.output == ioc_core::Output::Rules {
        if let Some((entity, identifier, column)) = lookup_entity(hunt) {
            if !project.contains(&column) {
                project.push(column.clone());
            }
            entities.push((entity, vec![(identifier, column)]));
        }
    }
    let _ = writeln!(text, "| project {}", project.join(", "));
    let _ = write!(text, "| order by {time} desc");
    Rendered {
        query: Query {
            name: format!(
                "{}-{}-{label}",
                slug(ctx.detection.label()),
                crate::table_key(table)
            ),
            target: table.name.to_string(),
            text,
            indicators: items,
            exclusions: uses,
        },
        table,
        entities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_alias_is_one_sentinel_takes() {
        assert_eq!(default_alias("QuietCrane C2 feed"), "quietcrane-c2-feed");
        // 63 letters, a space, more: cut at 64, and the dash that would end it goes.
        let long = format!("{} tail of the title", "a".repeat(63));
        let alias = default_alias(&long);
        assert_eq!(alias, "a".repeat(63));
        assert!(crate::settings::is_alias(&alias));
        let alias = default_alias(&"Very long title ".repeat(10));
        assert!(
            alias.len() <= 64 && crate::settings::is_alias(&alias),
            "{alias}"
        );
    }
}
