//! `innodex::Error`: every error of the core in one type, for callers that handle them alike.
//! Each area keeps its own typed error (matched on where the caller cares which field was
//! wrong); `?` converts any of them into this one.
//!
//! ```
//! fn required_growth() -> Result<f64, innodex::Error> {
//!     let plan = innodex::plan::Plan::linyi();
//!     let e = plan.evaluate("hte_count")?; // a PlanError
//!     let cagr = innodex::growth::required_cagr(750.0, 1500.0, 2020, 2025)?; // a GrowthError
//!     assert_eq!(e.required.required_cagr, Some(cagr));
//!     Ok(cagr)
//! }
//! assert!((required_growth().unwrap() - 0.148698355).abs() < 1e-9);
//! let e: innodex::Error = innodex::growth::required_cagr(-1.0, 1500.0, 2020, 2025).unwrap_err().into();
//! assert!(matches!(e, innodex::Error::Growth(_)));
//! ```

use thiserror::Error;

/// Any error of the core; the message is the area error's own.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading an input file or table.
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
    /// Running a long computation (threads).
    #[error(transparent)]
    Exec(#[from] crate::exec::ExecError),
    /// Indicator metadata or a value outside an indicator's bounds.
    #[error(transparent)]
    Indicator(#[from] crate::indicator::IndicatorError),
    /// An annual series.
    #[error(transparent)]
    Series(#[from] crate::series::SeriesError),
    /// A target.
    #[error(transparent)]
    Target(#[from] crate::target::TargetError),
    /// A plan, its evidence or its targets.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// Growth arithmetic.
    #[error(transparent)]
    Growth(#[from] crate::growth::GrowthError),
    /// A projection or a Monte Carlo run.
    #[error(transparent)]
    Projection(#[from] crate::projection::ProjectionError),
    /// A scenario set or a plan projection.
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
    /// A ratio indicator.
    #[error(transparent)]
    Ratio(#[from] crate::ratio::RatioError),
    /// A sensitivity analysis.
    #[error(transparent)]
    Sensitivity(#[from] crate::sensitivity::SensitivityError),
    /// A composite index.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// A run file.
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
