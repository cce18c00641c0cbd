//! Normalisation: bringing indicators onto a common scale, with directions applied
//! (OECD/JRC Handbook 2008, §1.5 and Table 3; COINr `Normalise`).
//!
//! An indicator with direction −1 is multiplied by −1 first (as COINr does), so that for every
//! method a higher normalised score is better; parameters in the indicator's units (goalposts,
//! targets) are reflected with it, so they keep meaning what the user wrote. With x′ = d·x:
//!
//! | method | formula |
//! |---|---|
//! | `minmax` | (x′ − min) / (max − min) · (high − low) + low |
//! | `zscore` | (x′ − mean) / sd · sd₀ + mean₀ (sd with divisor n − 1) |
//! | `goalposts` | (x′ − g_lo) / (g_hi − g_lo), truncated to [0, 1] unless `truncate = false`, × scale |
//! | `distance_to_target` | 1 − (t′ − x′) / (t′ − min), capped at 1 unless `cap = false`, × scale |
//! | `distance_to_max` | 1 − (max − x′) / (max − min), × scale |
//! | `fraction_of_max` | x′ / max, × scale |
//! | `rank` | rank, lowest = 1, ties get the lowest rank (R `rank(ties = "min")`) |
//! | `percent_rank` | (rank − 1) / (n − 1), × scale |
//! | `borda` | rank − 1 (the Borda count of the indicator) |
//! | `none` | x′ |
//!
//! Missing values stay missing. A method that divides by a range or spread fails on a constant
//! indicator (or one with a single value) with an error naming it.
//!
//! ```
//! use innodex::index::normalise::{normalise_column, Normalisation};
//! let x = [2.0, 4.0, 6.0];
//! let m = Normalisation::MinMax { low: 0.0, high: 100.0 };
//! assert_eq!(normalise_column(&x, &m, 1.0, None).unwrap(), vec![0.0, 50.0, 100.0]);
//! // Direction −1: the smallest value scores best.
//! assert_eq!(normalise_column(&x, &m, -1.0, None).unwrap(), vec![100.0, 50.0, 0.0]);
//! // Goalposts in the indicator's own units, reflected for a "less is better" indicator.
//! let g = Normalisation::Goalposts { low: 0.0, high: 5.0, scale: 100.0, truncate: true };
//! assert_eq!(normalise_column(&x, &g, -1.0, None).unwrap(), vec![60.0, 20.0, 0.0]);
//! ```

use serde::{Deserialize, Serialize};

use super::stats;

/// A normalisation method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Normalisation {
    /// Min-max onto [low, high].
    #[serde(rename = "minmax")]
    MinMax {
        /// Lower bound (default 0).
        #[serde(default = "crate::io::defaults::zero")]
        low: f64,
        /// Upper bound (default 100).
        #[serde(default = "crate::io::defaults::hundred")]
        high: f64,
    },
    /// Z-score with the given mean and standard deviation.
    #[serde(rename = "zscore")]
    ZScore {
        /// Target mean (default 0).
        #[serde(default = "crate::io::defaults::zero")]
        mean: f64,
        /// Target standard deviation (default 1).
        #[serde(default = "crate::io::defaults::one")]
        sd: f64,
    },
    /// Goalposts: fixed bounds in the indicator's units.
    Goalposts {
        /// Lower goalpost (scores 0).
        low: f64,
        /// Upper goalpost (scores `scale`).
        high: f64,
        /// Multiplier (default 1).
        #[serde(default = "crate::io::defaults::one")]
        scale: f64,
        /// Truncate to the goalposts (default true).
        #[serde(default = "crate::io::defaults::yes")]
        truncate: bool,
    },
    /// Distance to a target (the framework's `Target` when not given).
    DistanceToTarget {
        /// The target in the indicator's units.
        #[serde(default)]
        target: Option<f64>,
        /// Cap scores beyond the target at 1 (default true).
        #[serde(default = "crate::io::defaults::yes")]
        cap: bool,
        /// Multiplier (default 1).
        #[serde(default = "crate::io::defaults::one")]
        scale: f64,
    },
    /// Distance to the best value.
    DistanceToMax {
        /// Multiplier (default 1).
        #[serde(default = "crate::io::defaults::one")]
        scale: f64,
    },
    /// Fraction of the best value.
    FractionOfMax {
        /// Multiplier (default 1).
        #[serde(default = "crate::io::defaults::one")]
        scale: f64,
    },
    /// Rank, lowest value = 1.
    Rank,
    /// Percentile rank in [0, 1].
    PercentRank {
        /// Multiplier (default 1).
        #[serde(default = "crate::io::defaults::one")]
        scale: f64,
    },
    /// Borda score: rank − 1.
    Borda,
    /// Direction only.
    None,
}

impl Default for Normalisation {
    fn default() -> Self {
        Normalisation::MinMax {
            low: 0.0,
            high: 100.0,
        }
    }
}

impl Normalisation {
    /// A short label.
    pub fn label(&self) -> String {
        match self {
            Normalisation::MinMax { low, high } => format!("minmax [{low}, {high}]"),
            Normalisation::ZScore { mean, sd } => format!("zscore ({mean}, {sd})"),
            Normalisation::Goalposts { low, high, .. } => format!("goalposts [{low}, {high}]"),
            Normalisation::DistanceToTarget { .. } => "distance to target".into(),
            Normalisation::DistanceToMax { .. } => "distance to max".into(),
            Normalisation::FractionOfMax { .. } => "fraction of max".into(),
            Normalisation::Rank => "rank".into(),
            Normalisation::PercentRank { .. } => "percent rank".into(),
            Normalisation::Borda => "borda".into(),
            Normalisation::None => "none".into(),
        }
    }

    /// The method's name for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Normalisation::MinMax { .. } => "minmax",
            Normalisation::ZScore { .. } => "zscore",
            Normalisation::Goalposts { .. } => "goalposts",
            Normalisation::DistanceToTarget { .. } => "distance_to_target",
            Normalisation::DistanceToMax { .. } => "distance_to_max",
            Normalisation::FractionOfMax { .. } => "fraction_of_max",
            Normalisation::Rank => "rank",
            Normalisation::PercentRank { .. } => "percent_rank",
            Normalisation::Borda => "borda",
            Normalisation::None => "none",
        }
    }
}

/// Why a column cannot be normalised.
#[derive(Debug, Clone, PartialEq)]
pub enum NormaliseFailure {
    /// The column is constant (or its spread is zero); holds the value.
    ZeroRange(f64),
    /// No values.
    Empty,
    /// Another reason.
    Other(String),
}

/// `f` of every present value, in place (a missing value stays NaN). Generic, so that `f`
/// inlines, and without a branch (`f` of a missing value is computed and dropped), so that the
/// loop vectorises.
fn map_present(mut xs: Vec<f64>, f: impl Fn(f64) -> f64) -> Vec<f64> {
    for v in xs.iter_mut() {
        let y = f(*v);
        *v = if v.is_nan() { *v } else { y };
    }
    xs
}

/// Normalises one column. `direction` is ±1; `meta_target` is the framework's target for the
/// indicator (used by `distance_to_target` when the method gives none).
///
/// # Errors
/// [`NormaliseFailure`] for a constant column, no values, or a missing target.
pub fn normalise_column(
    x: &[f64],
    method: &Normalisation,
    direction: f64,
    meta_target: Option<f64>,
) -> Result<Vec<f64>, NormaliseFailure> {
    let d = direction;
    let xs: Vec<f64> = x.iter().map(|&v| v * d).collect();
    let (lo, hi) = stats::min_max(&xs);
    if lo.is_nan() {
        return Err(NormaliseFailure::Empty);
    }
    Ok(match method {
        Normalisation::MinMax { low, high } => {
            if hi == lo {
                return Err(NormaliseFailure::ZeroRange(lo * d));
            }
            // COINr's order of operations: exactly `low` and `high` at the extremes.
            map_present(xs, |v| (v - lo) / (hi - lo) * (high - low) + low)
        }
        Normalisation::ZScore { mean, sd } => {
            let m = stats::mean(&xs);
            let s = stats::variance_about(&xs, m).sqrt();
            // A constant column is caught by its range: its computed sd need not be 0 (the
            // mean of [0.1, 0.1, 0.1] is not 0.1 in floating point, so sd ≈ 1.7e-17).
            if hi == lo || s.is_nan() || s <= 0.0 {
                return Err(NormaliseFailure::ZeroRange(lo * d));
            }
            map_present(xs, |v| (v - m) / s * sd + mean)
        }
        Normalisation::Goalposts {
            low,
            high,
            scale,
            truncate,
        } => {
            // Reflect the goalposts with the indicator.
            let (gl, gh) = if d < 0.0 {
                (-high, -low)
            } else {
                (*low, *high)
            };
            if gh == gl {
                return Err(NormaliseFailure::Other("goalposts are equal".into()));
            }
            map_present(xs, |v| {
                let y = (v - gl) / (gh - gl);
                (if *truncate { y.clamp(0.0, 1.0) } else { y }) * scale
            })
        }
        Normalisation::DistanceToTarget { target, cap, scale } => {
            let t = target.or(meta_target).ok_or_else(|| {
                NormaliseFailure::Other(
                    "no target given (set `target` or the framework's Target)".into(),
                )
            })? * d;
            if t == lo {
                return Err(NormaliseFailure::Other(format!(
                    "the target {} equals the worst value",
                    t * d
                )));
            }
            map_present(xs, |v| {
                let y = 1.0 - (t - v) / (t - lo);
                (if *cap { y.min(1.0) } else { y }) * scale
            })
        }
        Normalisation::DistanceToMax { scale } => {
            if hi == lo {
                return Err(NormaliseFailure::ZeroRange(lo * d));
            }
            map_present(xs, |v| (1.0 - (hi - v) / (hi - lo)) * scale)
        }
        Normalisation::FractionOfMax { scale } => {
            if hi == 0.0 {
                return Err(NormaliseFailure::ZeroRange(0.0));
            }
            map_present(xs, |v| v / hi * scale)
        }
        Normalisation::Rank => stats::rank(&xs, stats::Order::Ascending, stats::Ties::Min),
        Normalisation::PercentRank { scale } => {
            let n = stats::count(&xs);
            if n < 2 {
                return Err(NormaliseFailure::Other(
                    "percent rank needs two values".into(),
                ));
            }
            stats::rank(&xs, stats::Order::Ascending, stats::Ties::Min)
                .iter()
                .map(|&r| (r - 1.0) / (n - 1) as f64 * scale)
                .collect()
        }
        Normalisation::Borda => stats::rank(&xs, stats::Order::Ascending, stats::Ties::Min)
            .iter()
            .map(|&r| r - 1.0)
            .collect(),
        Normalisation::None => xs,
    })
}
