//! A CSV watchlist backend: one `type,value` row per indicator, for the watchlist and
//! blocklist imports that most SIEMs and EDRs accept.
//!
//! Quoting follows RFC 4180: a field holding a comma, a double quote or a line break is
//! enclosed in double quotes, and a double quote inside it is doubled.

use ioc_core::text::slug;
use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, ExclusionState,
    ExclusionUse, IndicatorKind, Query,
};

/// The backend. A unit struct, so that `register_backend!` can take a constant.
pub struct Csv;

register_backend!(Csv);

impl Backend for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn description(&self) -> &'static str {
        "CSV watchlist of every indicator, for SIEM and EDR list imports"
    }

    fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    fn kinds(&self) -> &'static [IndicatorKind] {
        &IndicatorKind::ALL
    }

    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError> {
        if let Some(key) = options.settings.keys().next() {
            return Err(EmitError::Invalid {
                backend: "csv",
                message: format!("unknown setting {key:?}; the csv backend takes no settings"),
            });
        }
        let mut text = String::from("type,value\n");
        for indicator in &detection.indicators {
            text.push_str(&field(indicator.kind().as_str()));
            text.push(',');
            text.push_str(&field(&indicator.value.to_string()));
            text.push('\n');
        }
        // A list has nowhere to put an exclusion, so each is reported as left out.
        let exclusions = detection
            .exclusions
            .iter()
            .map(|exclusion| ExclusionUse {
                id: exclusion.id.clone(),
                state: ExclusionState::Omitted {
                    reason: "a CSV watchlist carries no exclusions".to_string(),
                },
            })
            .collect();
        let query = Query {
            name: format!("{}-watchlist", slug(detection.label())),
            target: "watchlist".to_string(),
            text,
            indicators: (0..detection.indicators.len()).collect(),
            exclusions,
        };
        Ok(Emission {
            queries: vec![query],
            ..Emission::default()
        })
    }
}

/// One CSV field, quoted when it needs to be.
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}
