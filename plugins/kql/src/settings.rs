//! The KQL backend's settings (`--set KEY=VALUE`, or a detection file's `[kql]` section),
//! checked: an unknown key is an error, so a misspelt setting cannot silently do nothing.
//!
//! - `watchlist=ALIAS`: the watchlist lookup mode reads (default: the detection's name).
//! - `lookup-url=URL`: where lookup mode reads the CSV with `externaldata` when it is too large
//!   for a watchlist.
//! - `table.<Name>=<Other>`: read `<Other>` wherever the backend would read table or ASIM
//!   parser `<Name>`, such as a custom table or a function with the same columns.
//! - `arm=true`: under `--emit rule`, also write an ARM template holding every rule.

use std::collections::BTreeMap;

use crate::schema::{all_tables, Table};

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub watchlist: Option<String>,
    pub lookup_url: Option<String>,
    pub arm: bool,
    tables: BTreeMap<String, String>,
}

impl Settings {
    pub fn parse(given: &BTreeMap<String, String>) -> Result<Settings, String> {
        let mut settings = Settings::default();
        for (key, value) in given {
            match key.as_str() {
                "watchlist" => {
                    if !is_alias(value) {
                        return Err(format!(
                            "setting watchlist={value:?}: a watchlist alias is 1 to {MAX_ALIAS} ASCII \
                             letters, digits, '-' and '_'"
                        ));
                    }
                    settings.watchlist = Some(value.clone());
                }
                "lookup-url" => {
                    check_url(value)?;
                    settings.lookup_url = Some(value.clone());
                }
                "arm" => {
                    settings.arm = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(format!("setting arm={value}: expected true or false")),
                    }
                }
                _ => {
                    let Some(table) = key.strip_prefix("table.") else {
                        return Err(format!(
                            "unknown setting {key:?}; the kql backend takes watchlist, \
                             lookup-url, arm and table.<name>"
                        ));
                    };
                    if !all_tables().any(|t| t.name == table) {
                        let mut names: Vec<&str> = all_tables().map(|t| t.name).collect();
                        names.sort_unstable();
                        return Err(format!(
                            "setting {key}: no table {table:?}; tables are {}",
                            names.join(", ")
                        ));
                    }
                    if !is_identifier(value) {
                        return Err(format!(
                            "setting {key}={value:?}: a table or function name is ASCII letters, \
                             digits and '_', starting with a letter or '_'"
                        ));
                    }
                    settings.tables.insert(table.to_string(), value.clone());
                }
            }
        }
        Ok(settings)
    }

    /// The name the queries read for `table`.
    pub fn table_name<'a>(&'a self, table: &'a Table) -> &'a str {
        self.tables
            .get(table.name)
            .map_or(table.name, String::as_str)
    }
}

/// The longest watchlist alias.
pub(crate) const MAX_ALIAS: usize = 64;

/// A name Sentinel takes as a watchlist alias.
pub(crate) fn is_alias(name: &str) -> bool {
    (1..=MAX_ALIAS).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `externaldata` reads from an HTTP(S) address (a storage blob, often with a SAS token). The
/// text is used as given, so it must be one a URL parser takes without mending: no spaces or
/// control characters (which WHATWG parsing trims or drops), and `scheme://` written out.
fn check_url(text: &str) -> Result<(), String> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "setting lookup-url={text:?}: a URL holds no spaces or control characters \
             (percent-encode them)"
        ));
    }
    let parsed = url::Url::parse(text)
        .map_err(|e| format!("setting lookup-url={text:?}: not a URL ({e})"))?;
    let lower = text.to_ascii_lowercase();
    if !matches!(parsed.scheme(), "https" | "http")
        || parsed.host_str().is_none()
        || !(lower.starts_with("https://") || lower.starts_with("http://"))
    {
        return Err(format!(
            "setting lookup-url={text:?}: externaldata reads an http or https address"
        ));
    }
    Ok(())
}

/// A name that KQL reads as a table or function without brackets or quotes.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        Settings::parse(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn tables_can_be_renamed_to_plain_names_only() {
        let s = parse(&[("table.CommonSecurityLog", "Firewall_CL")]).unwrap();
        let csl = all_tables()
            .find(|t| t.name == "CommonSecurityLog")
            .unwrap();
        assert_eq!(s.table_name(csl), "Firewall_CL");
        assert!(parse(&[("table.CommonSecurityLog", "x | take 1")]).is_err());
        assert!(parse(&[("table.Nope", "X")])
            .unwrap_err()
            .contains("no table"));
        assert!(parse(&[("wachlist", "x")])
            .unwrap_err()
            .contains("unknown setting"));
        assert!(parse(&[("arm", "yes")]).is_err());
    }

    #[test]
    fn watchlist_aliases_and_lookup_urls_are_checked() {
        let ok = parse(&[
            ("watchlist", "ioc-feed_2026"),
            (
                "lookup-url",
                "https://acct.blob.core.windows.net/c/iocs.csv?sv=1&sig=x",
            ),
        ])
        .unwrap();
        assert_eq!(ok.watchlist.as_deref(), Some("ioc-feed_2026"));
        for bad in ["", "bad name\"", "a.b", &"x".repeat(65)] {
            let err = parse(&[("watchlist", bad)]).unwrap_err();
            assert!(err.contains("watchlist alias"), "{bad:?}: {err}");
        }
        for bad in [
            "notaurl",
            "not a url",
            "file:///tmp/x.csv",
            "ftp://host/x.csv",
            "https://h/x.csv\n",
            " https://h/x.csv",
            "https:h/x.csv",
        ] {
            let err = parse(&[("lookup-url", bad)]).unwrap_err();
            assert!(err.starts_with("setting lookup-url="), "{bad:?}: {err}");
        }
    }
}
