//! # innodex
//!
//! Innovation indicators and the targets that public plans set for them: an indicator model,
//! target arithmetic, scenario projections, sensitivity analysis and composite indices.
//!
//! The core is plain Rust with no pyo3 in its dependency tree; the Python bindings are the
//! separate crate `crates/innodex-python`, and the command line is behind the `cli` feature.
//!
//! ```
//! use innodex::plan::Plan;
//! let plan = Plan::linyi();
//! let ev = plan.evaluate("hte_count").unwrap();
//! // Doubling in five years needs 2^(1/5) − 1 ≈ 14.87 % a year, or +150 a year linearly.
//! assert!((ev.required.required_cagr.unwrap() - 0.148698355).abs() < 1e-9);
//! assert_eq!(ev.required.required_increment, Some(150.0));
//! ```
#![warn(missing_docs)]

pub mod assessment;
pub mod cases;
pub mod cycles;
pub mod datasets;
pub mod error;
pub mod evidence;
pub mod exec;
pub mod growth;
pub mod index;
pub mod indicator;
pub mod io;
pub mod plan;
pub mod projection;
pub mod ratio;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod series;
pub mod span;
pub mod stats;
pub mod target;

pub use error::{Error, Result};

/// The default seed of every seeded computation (Monte Carlo projections, Sobol' and Morris
/// analyses, backtests, run files) on every surface — Rust, Python, the command line and run
/// files — so that a default run gives the same numbers everywhere (docs/conventions.md). 2021
/// is the first year of the Linyi plan.
///
/// ```
/// assert_eq!(innodex::projection::monte_carlo::McConfig::default().seed, innodex::DEFAULT_SEED);
/// ```
pub const DEFAULT_SEED: u64 = 2021;

/// The default number of Monte Carlo paths per scenario, on every surface.
///
/// ```
/// assert_eq!(innodex::projection::monte_carlo::McConfig::default().n_paths, innodex::DEFAULT_PATHS);
/// ```
pub const DEFAULT_PATHS: usize = 10_000;

/// The names most programs need, in one import: `use innodex::prelude::*;`.
///
/// ```
/// use innodex::prelude::*;
/// let plan = Plan::linyi();
/// let v: Verdict = verdict(&plan, None);
/// assert_eq!(v.row("hte_count").unwrap().status, Status::Met);
/// let r: Result<f64> = required_cagr(750.0, 1500.0, 2020, 2025).map_err(Error::from);
/// assert!((r.unwrap() - 0.148698355).abs() < 1e-9);
/// ```
pub mod prelude {
    pub use crate::assessment::{Grade, Verdict, VerdictRow, verdict};
    pub use crate::error::{Error, Result};
    pub use crate::exec::Progress;
    pub use crate::growth::{cagr, required_cagr, required_increment, years_to_target};
    pub use crate::index::{CompositeIndex, Framework, PipelineSpec};
    pub use crate::indicator::{Indicator, IndicatorKind};
    pub use crate::plan::{ObservationEntry, Plan};
    pub use crate::projection::monte_carlo::{McConfig, McModel, McResult, simulate};
    pub use crate::scenario::{PlanProjection, ScenarioSet};
    pub use crate::sensitivity::{Problem, SobolOptions, analyze_sobol, tornado};
    pub use crate::series::{Bound, Point, Provenance, Series};
    pub use crate::span::{SpanEntry, SpanMeasure};
    pub use crate::target::{Rule, Status, Target};
}

/// The README's Rust examples, compiled and run as doctests so that the front page never shows
/// code that does not build.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
