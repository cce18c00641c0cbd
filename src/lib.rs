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
pub mod cycles;
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
pub mod target;
