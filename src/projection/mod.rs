//! Projections to a target year: deterministic methods and fitted trends with prediction
//! intervals ([`methods`]), distributions of yearly growth ([`dist`]), the Monte Carlo engine
//! ([`monte_carlo`]: fan charts, probabilities of meeting targets, years of attainment) and
//! out-of-sample backtests on a panel of series ([`backtest`]).
//!
//! ```
//! use innodex::projection::methods::Method;
//! // Log-linear trend of China's R&D spending 2015–2020 (100 million yuan, first published).
//! let years = [2015, 2016, 2017, 2018, 2019, 2020];
//! let rd = [14169.9, 15676.7, 17606.1, 19677.9, 22143.6, 24393.1];
//! let f = Method::LogLinear.forecast(&years, &rd, 2023, 0.9).unwrap();
//! let cagr = f.param("cagr").unwrap();
//! assert!(cagr > 0.11 && cagr < 0.12);
//! assert!(f.lower[2] < f.point[2] && f.point[2] < f.upper[2]);
//! ```

pub mod backtest;
pub mod calibration;
pub mod dist;
pub mod fit;
pub mod methods;
pub mod monte_carlo;
pub mod stream;

use thiserror::Error;

/// Why a projection cannot be made.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ProjectionError {
    /// A distribution with a negative spread (sd, sigma, or max − min).
    #[error("{what} = {value}: a spread must not be negative")]
    NegativeSpread {
        /// Which parameter.
        what: String,
        /// The value given.
        value: f64,
    },
    /// A parameter outside its range.
    #[error("{what} = {value}: {problem}")]
    InvalidParameter {
        /// Which parameter.
        what: String,
        /// The value given.
        value: f64,
        /// What is wrong.
        problem: &'static str,
    },
    /// Invalid data or settings.
    #[error("{what}: {problem}")]
    InvalidInput {
        /// What.
        what: String,
        /// What is wrong.
        problem: String,
    },
    /// A request larger than a resource limit, refused before anything is allocated. The
    /// message says how to raise the limit that `what` names (`max_values` or
    /// `max_buffer_bytes`): the [`monte_carlo::McConfig`] field in Rust, the keyword argument
    /// of `innodex.project`, `innodex.simulate_growth` and `innodex.backtest` in Python, the
    /// option of `innodex project` and `innodex backtest` on the command line.
    ///
    /// ```
    /// use innodex::projection::ProjectionError;
    /// let e = ProjectionError::TooLarge {
    ///     what: "Monte Carlo values (paths × years × indicators; max_values)",
    ///     size: 12_000,
    ///     limit: 10_000,
    /// };
    /// assert_eq!(
    ///     e.to_string(),
    ///     "Monte Carlo values (paths × years × indicators; max_values): the request needs \
    ///      12000, above the limit of 10000 (use fewer paths, or raise the limit: \
    ///      `McConfig::max_values` in Rust, `max_values=` in Python, `--max-values` in the CLI)"
    /// );
    /// ```
    #[error(
        "{what}: the request needs {size}, above the limit of {limit} (use fewer paths, or raise the limit: {})",
        how_to_raise(what)
    )]
    TooLarge {
        /// What would be too large, with its unit.
        what: &'static str,
        /// The size the request needs (saturating at 2⁶⁴ − 1).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A Monte Carlo run with no paths.
    #[error("the number of paths must be at least 1")]
    ZeroPaths,
    /// The horizon is before the last observation (or start year) of an indicator.
    #[error("horizon {horizon} is before the last observation{} ({last})", if indicator.is_empty() { String::new() } else { format!(" of `{indicator}`") })]
    HorizonBeforeLastObservation {
        /// Indicator id (empty for a bare series).
        indicator: String,
        /// The horizon asked for.
        horizon: i32,
        /// The last observed (or start) year.
        last: i32,
    },
    /// Not enough observations for a method.
    #[error("{method} needs at least {needed} observations, got {got}")]
    TooFewObservations {
        /// The method.
        method: String,
        /// How many it needs.
        needed: usize,
        /// How many there are.
        got: usize,
    },
    /// A scenario or model naming an indicator that does not exist.
    #[error("{}unknown indicator `{indicator}`", if scenario.is_empty() { String::new() } else { format!("scenario `{scenario}`: ") })]
    UnknownIndicator {
        /// The scenario (empty when not from a scenario).
        scenario: String,
        /// The unknown id.
        indicator: String,
    },
    /// An invalid correlation specification.
    #[error("correlation: {problem}")]
    Correlation {
        /// What is wrong.
        problem: String,
    },
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// Where a limit of [`ProjectionError::TooLarge`] is set, for its message: the limit is the
/// [`monte_carlo::McConfig`] field that `what` names, also a keyword argument in Python.
fn how_to_raise(what: &str) -> String {
    match ["max_buffer_bytes", "max_values"]
        .into_iter()
        .find(|f| what.contains(f))
    {
        Some(f) => format!(
            "`McConfig::{f}` in Rust, `{f}=` in Python, `--{}` in the CLI",
            f.replace('_', "-")
        ),
        None => "`McConfig::max_values`/`max_buffer_bytes` in Rust, `max_values=`/\
                 `max_buffer_bytes=` in Python, `--max-values`/`--max-buffer-bytes` in the CLI"
            .into(),
    }
}
