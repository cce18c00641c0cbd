//! Sensitivity analysis: one-at-a-time (tornado, two-input grids) and global (Sobol' indices
//! on a Saltelli design, Morris elementary effects), as a general tool for any model.
//!
//! The pieces follow the mental model of SALib (a problem, a sample, the model's outputs, an
//! analysis with confidence intervals):
//!
//! | innodex | SALib |
//! |---|---|
//! | [`Problem`] (names with bounds or [`Distribution`]s) | the `problem` dict |
//! | [`SaltelliDesign`] (Sobol' sequence, optionally scrambled) | `SALib.sample.sobol.sample` |
//! | [`MorrisDesign`] | `SALib.sample.morris.sample` |
//! | [`MonteCarloDesign`], [`LatinHypercubeDesign`] | `latin.sample`, plain random |
//! | [`analyze_sobol`] | `SALib.analyze.sobol.analyze` |
//! | [`analyze_morris`] | `SALib.analyze.morris.analyze` |
//! | [`SobolAnalysis::run`], [`MorrisAnalysis::run`] | sample + evaluate + analyse in one call |
//!
//! What differs from SALib: a model may return many outputs and all are analysed in one call;
//! the design is generated and evaluated in batches, so no matrix of the whole design's size
//! is ever held (only the outputs, which the bootstrap needs); the work runs on rayon's threads
//! and is bit-identical for any number of threads, because every random stream is derived
//! from `(seed, chunk index)` and every sum runs in a fixed order.
//!
//! ```
//! use innodex::sensitivity::{Problem, SobolAnalysis, FnModel};
//! // Ishigami function (a = 7, b = 0.1) on [−π, π]³.
//! let pi = std::f64::consts::PI;
//! let problem = Problem::uniform(&[("x1", -pi, pi), ("x2", -pi, pi), ("x3", -pi, pi)]).unwrap();
//! let model = FnModel::new(1, |x: &[f64], y: &mut [f64]| {
//!     y[0] = x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin();
//! });
//! let res = SobolAnalysis::new(problem, 1 << 12).seed(1).run(&model).unwrap();
//! let s = &res.outputs[0];
//! assert!((s.s1[1] - 0.4424).abs() < 0.02); // analytic S1 of x2
//! assert!((s.st[2] - 0.2437).abs() < 0.02); // analytic ST of x3
//! ```
//!
//! References: Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S.
//! (2010), *Comput. Phys. Commun.* 181:259–270 (design, first-order estimator); Jansen, M. J. W.
//! (1999), *Comput. Phys. Commun.* 117:35–43 (total-order estimator); Saltelli, A. (2002),
//! *Comput. Phys. Commun.* 145:280–297 (second order); Sobol', I. M. (1967) and Joe, S., Kuo,
//! F. Y. (2008), *SIAM J. Sci. Comput.* 30:2635 (the sequence and its direction numbers);
//! Morris, M. D. (1991), *Technometrics* 33:161–174; Campolongo, F., Cariboni, J., Saltelli, A.
//! (2007), *Environ. Model. Softw.* 22:1509–1518 (μ* and optimised trajectories).

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Builder methods that set one field and return `self`, one line each:
/// `name(arg: Type) => field.path = value;` (the value may transform `arg`).
macro_rules! builder_setters {
    ($($(#[$meta:meta])* $name:ident($arg:ident: $ty:ty) => $($field:ident).+ = $value:expr;)*) => {
        $(
            $(#[$meta])*
            pub fn $name(mut self, $arg: $ty) -> Self {
                self.$($field).+ = $value;
                self
            }
        )*
    };
}

mod copula;
mod design;
mod model;
mod morris_analysis;
mod nan_serde;
mod oat;
mod problem;
mod shapley;
mod shapley_work;
mod sobol_analysis;
mod sobol_time;
pub mod testfns;

pub use copula::Correlation;
pub(crate) use design::check_cells;
pub use design::lhs::LatinHypercubeDesign;
pub use design::mc::MonteCarloDesign;
pub use design::morris::MorrisDesign;
pub use design::saltelli::{SaltelliDesign, Scramble};
pub use design::{Design, DesignBatches, evaluate_design};
pub use model::{BatchFnModel, FnModel, Model, copy_outputs};
pub use morris_analysis::{
    MorrisAnalysis, MorrisIndices, MorrisOptions, MorrisResult, analyze_morris,
};
pub use oat::{Grid, Tornado, TornadoBar, grid2, tornado};
pub use problem::{Distribution, Input, Problem};
pub use shapley::{ShapleyAnalysis, ShapleyEffects, ShapleyMethod, ShapleyOptions, ShapleyResult};
pub use sobol_analysis::{SobolAnalysis, SobolIndices, SobolOptions, SobolResult, analyze_sobol};
pub use sobol_time::{SobolOverTime, analyze_sobol_over_time};

/// Why a sensitivity computation cannot proceed.
///
/// ```
/// use innodex::sensitivity::{Problem, SensitivityError};
/// let err = Problem::uniform(&[("x", 1.0, 1.0)]).unwrap_err();
/// assert!(matches!(err, SensitivityError::InvalidBounds { .. }));
/// assert!(err.to_string().contains("lower bound"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SensitivityError {
    /// A uniform input's lower bound is not below its upper bound (or a bound is not finite).
    #[error("input '{name}': lower bound {lower} must be below upper bound {upper} (both finite)")]
    InvalidBounds {
        /// Input name.
        name: String,
        /// Lower bound given.
        lower: f64,
        /// Upper bound given.
        upper: f64,
    },
    /// A distribution's parameters are invalid (e.g. a negative standard deviation).
    #[error("input '{name}': invalid distribution parameters: {reason}")]
    InvalidDistribution {
        /// Input name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The problem has no inputs, or two inputs share a name.
    #[error("invalid problem: {0}")]
    InvalidProblem(String),
    /// An option is out of its range (sample size, number of levels, confidence level…).
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// Option name.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The model (or the caller) gave a different number of output rows than the design has.
    #[error("expected {expected} output rows, got {got}")]
    WrongRowCount {
        /// Rows expected.
        expected: usize,
        /// Rows received.
        got: usize,
    },
    /// The model gave a different number of output columns than it declared.
    #[error("expected {expected} output columns, got {got}")]
    WrongOutputCount {
        /// Columns expected.
        expected: usize,
        /// Columns received.
        got: usize,
    },
    /// A model output is NaN or infinite.
    #[error("model output {output} at design row {row} is not finite ({value})")]
    NonFiniteOutput {
        /// Design row (0-based).
        row: usize,
        /// Output column (0-based).
        output: usize,
        /// The value.
        value: f64,
    },
    /// An input value mapped through its distribution is infinite (an unscrambled Sobol'
    /// sequence starts at the origin, whose normal quantile is −∞).
    #[error(
        "input '{name}' at design row {row} maps to a non-finite value; unbounded distributions \
         need a scrambled design (or skip the first point)"
    )]
    NonFiniteInput {
        /// Design row (0-based).
        row: usize,
        /// Input name.
        name: String,
    },
    /// The model reported a failure.
    #[error("model failed: {0}")]
    Model(String),
    /// A correlation matrix of dependent inputs is invalid (the message names the entry and
    /// its value).
    #[error("invalid correlation matrix: {0}")]
    InvalidCorrelation(String),
    /// A matrix larger than the memory limit, refused before anything is allocated.
    ///
    /// ```
    /// use innodex::sensitivity::{Design, Problem, SaltelliDesign, Scramble, SensitivityError};
    /// let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
    /// // N = 2^26 base points × (2k + 2 = 6) rows × 2 inputs = 805,306,368 numbers (6 GiB).
    /// let d = SaltelliDesign::new(2, 1 << 26, true, Scramble::None, 0, 0).unwrap();
    /// let e = d.matrix(&p).unwrap_err();
    /// assert!(matches!(e, SensitivityError::TooLarge { rows: 402_653_184, columns: 2, .. }));
    /// let msg = e.to_string();
    /// assert!(msg.contains("= 805306368 numbers (6442450944 bytes, 6.0 GiB)"), "{msg}");
    /// assert!(msg.contains("limit of 268435456 numbers (2147483648 bytes, 2.0 GiB)"), "{msg}");
    /// ```
    #[error(
        "{what} of {rows} rows × {columns} columns = {} numbers ({}) is above the limit of \
         {limit} numbers ({}): {advice}",
        *.rows as u128 * *.columns as u128,
        gib(*.rows as u128 * *.columns as u128),
        gib(*.limit as u128)
    )]
    TooLarge {
        /// What would be allocated.
        what: &'static str,
        /// Its rows.
        rows: u64,
        /// Its columns.
        columns: u64,
        /// The most numbers (8-byte floats) one matrix may hold.
        limit: u64,
        /// How to get the result without it.
        advice: &'static str,
    },
}

/// The bytes of a number of 8-byte floats, for messages ("6442450944 bytes, 6.0 GiB").
fn gib(numbers: u128) -> String {
    let bytes = numbers.saturating_mul(8);
    format!(
        "{bytes} bytes, {:.1} GiB",
        bytes as f64 / f64::from(1u32 << 30)
    )
}

/// Something the caller should know about a result that is still computed.
///
/// ```
/// use innodex::sensitivity::SensitivityWarning;
/// let w = SensitivityWarning::NotPowerOfTwo { n: 1000 };
/// assert!(w.to_string().contains("power of two"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SensitivityWarning {
    /// The base sample size of a Sobol' design is not a power of two.
    NotPowerOfTwo {
        /// The base sample size.
        n: usize,
    },
    /// An output is constant over the design: its indices are reported as zero.
    ConstantOutput {
        /// Output column.
        output: usize,
    },
    /// Fewer than two bootstrap resamples: no intervals.
    NoBootstrap,
}

impl std::fmt::Display for SensitivityWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SensitivityWarning::NotPowerOfTwo { n } => write!(
                f,
                "N = {n} is not a power of two: a Sobol' sequence is a balanced (t, m, s)-net only \
                 for N = 2^m points, so other sizes lose its uniformity and the quasi-Monte Carlo \
                 convergence rate; estimates are less accurate than N suggests (use N = {} or {})",
                prev_pow2(*n),
                n.next_power_of_two()
            ),
            SensitivityWarning::ConstantOutput { output } => write!(
                f,
                "output {output} is constant over the design: its variance is zero and its \
                 indices are reported as 0"
            ),
            SensitivityWarning::NoBootstrap => {
                write!(f, "fewer than two bootstrap resamples: intervals are NaN")
            }
        }
    }
}

fn prev_pow2(n: usize) -> usize {
    if n <= 1 {
        1
    } else {
        1usize << (usize::BITS - 1 - n.leading_zeros())
    }
}

/// Random streams used by the designs and analyses (part of the seed derivation, so that two
/// uses of one seed never share random numbers).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Scramble = 1,
    SobolBootstrap = 2,
    MorrisTrajectory = 3,
    MonteCarlo = 4,
    LatinHypercube = 5,
    MorrisBootstrap = 6,
    ShapleyVariance = 7,
    ShapleyCost = 8,
    ShapleyBootstrap = 9,
}

/// SplitMix64 finaliser (Steele, Lea, Flood 2014), used to derive independent seeds.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of chunk `index` of `stream` for a user seed: depends only on these three
/// numbers, never on the thread that runs the chunk.
pub(crate) fn chunk_rng(seed: u64, stream: Stream, index: u64) -> ChaCha8Rng {
    let s = splitmix64(splitmix64(splitmix64(seed) ^ (stream as u64)) ^ index);
    ChaCha8Rng::seed_from_u64(s)
}

/// The key of a fast bulk stream ([`crate::projection::stream::chunk_stream`]) for one use of
/// a seed: chunk i of that use is `chunk_stream(stream_key(seed, stream), i)`.
pub(crate) fn stream_key(seed: u64, stream: Stream) -> u64 {
    splitmix64(splitmix64(seed) ^ (stream as u64))
}

/// Standard normal quantile used for interval half-widths: z such that Φ(z) = 0.5 + level / 2.
pub(crate) fn z_value(conf_level: f64) -> f64 {
    crate::stats::normal_quantile(0.5 + conf_level / 2.0)
}

pub(crate) fn check_conf_level(conf_level: f64) -> Result<(), SensitivityError> {
    if conf_level.is_finite() && conf_level > 0.0 && conf_level < 1.0 {
        Ok(())
    } else {
        Err(SensitivityError::InvalidOption {
            option: "conf_level",
            reason: format!("must be strictly between 0 and 1, got {conf_level}"),
        })
    }
}

/// Sample standard deviation (ddof = 1) of a slice.
pub(crate) fn std_ddof1(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Percentile interval (linear interpolation between order statistics, as numpy's default).
pub(crate) fn percentile_interval(v: &mut [f64], conf_level: f64) -> (f64, f64) {
    if v.len() < 2 {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let a = (1.0 - conf_level) / 2.0;
    (
        crate::stats::quantile_sorted(v, a),
        crate::stats::quantile_sorted(v, 1.0 - a),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prev_pow2_works() {
        assert_eq!(prev_pow2(1000), 512);
        assert_eq!(prev_pow2(1024), 1024);
        assert_eq!(prev_pow2(0), 1);
    }

    #[test]
    fn z_of_95_percent() {
        assert!((z_value(0.95) - 1.959963984540054).abs() < 1e-9);
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0, 5.0];
        // numpy.percentile([1..5], [25, 75]) = 2, 4
        let (lo, hi) = percentile_interval(&mut v, 0.5);
        assert_eq!((lo, hi), (2.0, 4.0));
    }
}
