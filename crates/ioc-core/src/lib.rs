//! The model at the heart of ioc-emit: typed indicators, detections with their exclusions, the
//! neutral field vocabulary, and the interface every backend implements.
//!
//! This crate does no I/O. Readers build a [`Detection`] with a [`DetectionBuilder`]; backends
//! turn it into queries; [`Summary`] joins the two into the account of every input record.

pub mod attack;
pub mod backend;
pub mod condition;
pub mod detection;
pub mod exclusion;
pub mod field;
pub mod indicator;
pub mod length_floor;
pub mod partition;
pub mod refang;
pub mod summary;
pub mod text;

pub use attack::{AttackTag, Level, Tactic};
pub use backend::{
    find_backend, registered_backends, Artifact, Backend, BackendRegistration, Emission, EmitError,
    EmitOptions, ExclusionMode, ExclusionState, ExclusionUse, Lookback, Mode, Output, Query,
    TimeUnit,
};
pub use condition::ConditionSyntax;
pub use detection::{Detection, DetectionBuilder, Record, RecordState};
pub use exclusion::{parse_clause, Exclusion, ExclusionKind, Expr, Op, Polarity};
pub use field::{Field, FieldType};
pub use indicator::{
    CanonicalUrl, Indicator, IndicatorKind, IndicatorValue, Interner, InvalidValue, KindHint,
    MetaField, Metadata, Source,
};
pub use refang::refang;
pub use summary::{CoverageError, State, Summary};

#[doc(hidden)]
pub use inventory;
