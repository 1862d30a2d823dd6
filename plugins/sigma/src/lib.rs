//! The Sigma backend: detection rules in the generic Sigma format, for any SIEM that has a Sigma
//! converter (pySigma and sigma-cli, among others).
//!
//! One rule per hunt (`hunt::HUNTS`: a log source category and a kind of indicator). Each is
//! one YAML document carrying the detection's metadata, the selections that match the
//! indicators, and the write-up's exclusions: as `filter_*` search identifiers under
//! `--exclusions apply`, otherwise under `falsepositives` with their expression.

mod exclusions;
mod hunt;
mod logsource;
mod rule;
mod selection;
mod value;
mod yaml;

use ioc_core::{
    register_backend, Backend, Detection, Emission, EmitError, EmitOptions, IndicatorKind,
};

/// The Sigma backend.
pub struct Sigma;

register_backend!(Sigma);

impl Backend for Sigma {
    fn name(&self) -> &'static str {
        "sigma"
    }

    fn description(&self) -> &'static str {
        "Sigma detection rules (YAML), one per log source and indicator kind"
    }

    fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    fn kinds(&self) -> &'static [IndicatorKind] {
        hunt::KINDS
    }

    fn emit(&self, detection: &Detection, options: &EmitOptions) -> Result<Emission, EmitError> {
        if let Some(profile) = &options.profile {
            return Err(EmitError::UnknownProfile {
                backend: "sigma",
                profile: profile.clone(),
                choices: "none (the sigma backend has no profiles)".to_string(),
            });
        }
        let mut emission = Emission::default();
        let mut covered = vec![false; detection.indicators.len()];
        for hunt in hunt::HUNTS {
            let indices: Vec<usize> = (0..detection.indicators.len())
                .filter(|&i| hunt.kinds.contains(&detection.indicators[i].kind()))
                .collect();
            if indices.is_empty() {
                continue;
            }
            for &i in &indices {
                covered[i] = true;
            }
            emission
                .queries
                .push(rule::build(detection, options, hunt, &indices)?);
        }
        // The pipeline hands over only the kinds in `kinds()`, and each has a hunt; this keeps
        // the accounting whole if a caller passes more.
        for (i, indicator) in detection.indicators.iter().enumerate() {
            if !covered[i] {
                emission.skipped.push((
                    i,
                    format!("no Sigma log source hunts {} indicators", indicator.kind()),
                ));
            }
        }
        Ok(emission)
    }
}
