//! The problem: named inputs, each with bounds or a probability distribution.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, LogNormal, Normal, Triangular};

use super::SensitivityError;

/// The distribution of one input. Designs are built in the unit hypercube and each coordinate
/// u ∈ [0, 1) is mapped through the inverse cumulative distribution function (the quantile
/// function, from `statrs`), as SALib does for its non-uniform `dists`.
///
/// ```
/// use innodex::sensitivity::Distribution;
/// let d = Distribution::Normal { mean: 1.0, sd: 2.0 };
/// assert!(d.validate().is_ok());
/// assert!((d.quantile(0.5) - 1.0).abs() < 1e-12);
/// assert!(Distribution::Normal { mean: 0.0, sd: -1.0 }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Distribution {
    /// Uniform on [lower, upper).
    Uniform {
        /// Lower bound.
        lower: f64,
        /// Upper bound (must exceed `lower`).
        upper: f64,
    },
    /// Normal with a mean and a standard deviation (> 0).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Normal(mean, sd) truncated to [lower, upper].
    TruncatedNormal {
        /// Mean of the parent normal.
        mean: f64,
        /// Standard deviation of the parent normal.
        sd: f64,
        /// Lower truncation bound.
        lower: f64,
        /// Upper truncation bound.
        upper: f64,
    },
    /// Triangular on [lower, upper] with a mode.
    Triangular {
        /// Lower bound.
        lower: f64,
        /// Mode (lower ≤ mode ≤ upper).
        mode: f64,
        /// Upper bound.
        upper: f64,
    },
    /// Log-normal: ln X ~ Normal(mu, sigma).
    LogNormal {
        /// Mean of ln X.
        mu: f64,
        /// Standard deviation of ln X (> 0).
        sigma: f64,
    },
}

impl Distribution {
    /// Checks the parameters.
    ///
    /// # Errors
    /// A message saying which parameter is invalid.
    ///
    /// ```
    /// use innodex::sensitivity::Distribution;
    /// let bad = Distribution::Triangular { lower: 0.0, mode: 2.0, upper: 1.0 };
    /// assert!(bad.validate().unwrap_err().contains("mode"));
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        let finite = |v: f64, what: &str| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{what} must be finite, got {v}"))
            }
        };
        match *self {
            Distribution::Uniform { lower, upper } => {
                finite(lower, "lower")?;
                finite(upper, "upper")?;
                if lower >= upper {
                    return Err(format!(
                        "lower bound {lower} must be below upper bound {upper}"
                    ));
                }
            }
            Distribution::Normal { mean, sd } => {
                finite(mean, "mean")?;
                finite(sd, "sd")?;
                if sd <= 0.0 {
                    return Err(format!("sd must be positive, got {sd}"));
                }
            }
            Distribution::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => {
                finite(mean, "mean")?;
                finite(sd, "sd")?;
                finite(lower, "lower")?;
                finite(upper, "upper")?;
                if sd <= 0.0 {
                    return Err(format!("sd must be positive, got {sd}"));
                }
                if lower >= upper {
                    return Err(format!(
                        "lower bound {lower} must be below upper bound {upper}"
                    ));
                }
                if trunc_mass(mean, sd, lower, upper) <= 0.0 {
                    return Err("the truncation interval has zero probability".into());
                }
            }
            Distribution::Triangular { lower, mode, upper } => {
                finite(lower, "lower")?;
                finite(mode, "mode")?;
                finite(upper, "upper")?;
                if lower >= upper {
                    return Err(format!(
                        "lower bound {lower} must be below upper bound {upper}"
                    ));
                }
                if mode < lower || mode > upper {
                    return Err(format!("mode {mode} must lie in [{lower}, {upper}]"));
                }
            }
            Distribution::LogNormal { mu, sigma } => {
                finite(mu, "mu")?;
                finite(sigma, "sigma")?;
                if sigma <= 0.0 {
                    return Err(format!("sigma must be positive, got {sigma}"));
                }
            }
        }
        Ok(())
    }

    /// The quantile (inverse CDF) at `u` ∈ [0, 1]; `u` is clamped into [0, 1]. Assumes valid
    /// parameters (see [`Distribution::validate`]); the result may be infinite at 0 or 1 for
    /// unbounded distributions.
    ///
    /// ```
    /// use innodex::sensitivity::Distribution;
    /// let t = Distribution::Triangular { lower: 0.0, mode: 0.0, upper: 1.0 };
    /// assert!((t.quantile(0.75) - 0.5).abs() < 1e-12);
    /// let u = Distribution::Uniform { lower: 2.0, upper: 4.0 };
    /// assert_eq!(u.quantile(0.25), 2.5);
    /// ```
    pub fn quantile(&self, u: f64) -> f64 {
        let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
        match *self {
            // The same arithmetic as SALib's scale_samples: u·(b − a) + a.
            Distribution::Uniform { lower, upper } => u * (upper - lower) + lower,
            Distribution::Normal { mean, sd } => match Normal::new(mean, sd) {
                Ok(d) => d.inverse_cdf(u),
                Err(_) => f64::NAN,
            },
            Distribution::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => {
                // The bounds exactly at the ends (the normal CDF round trip is only ~1e-10).
                if u == 0.0 {
                    return lower;
                }
                if u == 1.0 {
                    return upper;
                }
                let Ok(std) = Normal::new(0.0, 1.0) else {
                    return f64::NAN;
                };
                let a = (lower - mean) / sd;
                let b = (upper - mean) / sd;
                // Work in the tail that keeps precision: mirror when the interval is above
                // the mean.
                let x = if a > 0.0 {
                    let (sa, sb) = (std.sf(a), std.sf(b));
                    let p = (sa - u * (sa - sb)).clamp(0.0, 1.0);
                    -std.inverse_cdf(p)
                } else {
                    let (pa, pb) = (std.cdf(a), std.cdf(b));
                    let p = (pa + u * (pb - pa)).clamp(0.0, 1.0);
                    std.inverse_cdf(p)
                };
                (mean + sd * x).clamp(lower, upper)
            }
            Distribution::Triangular { lower, mode, upper } => {
                match Triangular::new(lower, upper, mode) {
                    Ok(d) => d.inverse_cdf(u),
                    Err(_) => f64::NAN,
                }
            }
            Distribution::LogNormal { mu, sigma } => match LogNormal::new(mu, sigma) {
                Ok(d) => d.inverse_cdf(u),
                Err(_) => f64::NAN,
            },
        }
    }

    /// A representative low and high value: the bounds for bounded distributions, the 5 % and
    /// 95 % quantiles otherwise (used by the tornado).
    ///
    /// ```
    /// use innodex::sensitivity::Distribution;
    /// let (lo, hi) = Distribution::Normal { mean: 0.0, sd: 1.0 }.low_high();
    /// assert!((hi - 1.6448536).abs() < 1e-6 && (lo + hi).abs() < 1e-12);
    /// ```
    pub fn low_high(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform { lower, upper }
            | Distribution::TruncatedNormal { lower, upper, .. }
            | Distribution::Triangular { lower, upper, .. } => (lower, upper),
            _ => (self.quantile(0.05), self.quantile(0.95)),
        }
    }

    /// The median (the quantile at 0.5).
    ///
    /// ```
    /// use innodex::sensitivity::Distribution;
    /// assert_eq!(Distribution::Uniform { lower: 0.0, upper: 2.0 }.median(), 1.0);
    /// ```
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }
}

/// The probability mass of [lower, upper] under Normal(mean, sd), computed in the tail that
/// keeps precision.
fn trunc_mass(mean: f64, sd: f64, lower: f64, upper: f64) -> f64 {
    let Ok(std) = Normal::new(0.0, 1.0) else {
        return 0.0;
    };
    let a = (lower - mean) / sd;
    let b = (upper - mean) / sd;
    if a > 0.0 {
        std.sf(a) - std.sf(b)
    } else {
        std.cdf(b) - std.cdf(a)
    }
}

/// One named input.
///
/// ```
/// use innodex::sensitivity::{Distribution, Input};
/// let i = Input::new("gdp_growth", Distribution::Uniform { lower: 0.03, upper: 0.07 });
/// assert_eq!(i.name, "gdp_growth");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Input name.
    pub name: String,
    /// Its distribution.
    pub distribution: Distribution,
}

impl Input {
    /// A named input.
    pub fn new(name: impl Into<String>, distribution: Distribution) -> Self {
        Input {
            name: name.into(),
            distribution,
        }
    }
}

/// A sensitivity problem: the model's inputs, each with bounds or a distribution (SALib's
/// `problem` dict: `names`, `bounds`, `dists`).
///
/// ```
/// use innodex::sensitivity::{Distribution, Input, Problem};
/// let p = Problem::new(vec![
///     Input::new("a", Distribution::Uniform { lower: 0.0, upper: 1.0 }),
///     Input::new("b", Distribution::Normal { mean: 0.0, sd: 1.0 }),
/// ]).unwrap();
/// assert_eq!(p.len(), 2);
/// assert_eq!(p.names(), vec!["a", "b"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    inputs: Vec<Input>,
}

impl Problem {
    /// A problem from its inputs.
    ///
    /// # Errors
    /// [`SensitivityError::InvalidProblem`] for no inputs or duplicate names,
    /// [`SensitivityError::InvalidBounds`] for a uniform input with lower ≥ upper,
    /// [`SensitivityError::InvalidDistribution`] for other invalid parameters.
    pub fn new(inputs: Vec<Input>) -> Result<Problem, SensitivityError> {
        if inputs.is_empty() {
            return Err(SensitivityError::InvalidProblem("no inputs".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for inp in &inputs {
            if !seen.insert(inp.name.as_str()) {
                return Err(SensitivityError::InvalidProblem(format!(
                    "duplicate input name '{}'",
                    inp.name
                )));
            }
            if let Distribution::Uniform { lower, upper } = inp.distribution
                && !(lower.is_finite() && upper.is_finite() && lower < upper)
            {
                return Err(SensitivityError::InvalidBounds {
                    name: inp.name.clone(),
                    lower,
                    upper,
                });
            }
            inp.distribution.validate().map_err(|reason| {
                SensitivityError::InvalidDistribution {
                    name: inp.name.clone(),
                    reason,
                }
            })?;
        }
        Ok(Problem { inputs })
    }

    /// A problem of uniform inputs given as `(name, lower, upper)`.
    ///
    /// # Errors
    /// As [`Problem::new`].
    ///
    /// ```
    /// use innodex::sensitivity::Problem;
    /// let p = Problem::uniform(&[("x", 0.0, 1.0), ("y", -1.0, 1.0)]).unwrap();
    /// assert_eq!(p.len(), 2);
    /// assert!(Problem::uniform(&[("x", 2.0, 1.0)]).is_err());
    /// ```
    pub fn uniform(bounds: &[(&str, f64, f64)]) -> Result<Problem, SensitivityError> {
        Problem::new(
            bounds
                .iter()
                .map(|&(n, lower, upper)| Input::new(n, Distribution::Uniform { lower, upper }))
                .collect(),
        )
    }

    /// Number of inputs.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Always false: a problem has at least one input.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// The inputs.
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// Input names in order.
    pub fn names(&self) -> Vec<&str> {
        self.inputs.iter().map(|i| i.name.as_str()).collect()
    }

    /// Maps rows of unit-hypercube points (row-major, `len()` columns) in place to the inputs'
    /// scales through their quantile functions. `first_row` is used in error messages.
    ///
    /// # Errors
    /// [`SensitivityError::NonFiniteInput`] when a quantile is infinite (u = 0 or 1 for an
    /// unbounded distribution).
    ///
    /// ```
    /// use innodex::sensitivity::Problem;
    /// let p = Problem::uniform(&[("x", 10.0, 20.0)]).unwrap();
    /// let mut rows = vec![0.0, 0.5];
    /// p.transform_in_place(&mut rows, 0).unwrap();
    /// assert_eq!(rows, vec![10.0, 15.0]);
    /// ```
    pub fn transform_in_place(
        &self,
        rows: &mut [f64],
        first_row: usize,
    ) -> Result<(), SensitivityError> {
        let k = self.len();
        for (r, row) in rows.chunks_exact_mut(k).enumerate() {
            for (v, inp) in row.iter_mut().zip(&self.inputs) {
                *v = inp.distribution.quantile(*v);
                if !v.is_finite() {
                    return Err(SensitivityError::NonFiniteInput {
                        row: first_row + r,
                        name: inp.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_normal_stays_in_bounds_and_is_symmetric() {
        let d = Distribution::TruncatedNormal {
            mean: 0.0,
            sd: 1.0,
            lower: -1.0,
            upper: 1.0,
        };
        assert!(d.validate().is_ok());
        assert!(d.quantile(0.5).abs() < 1e-12);
        assert!((d.quantile(0.1) + d.quantile(0.9)).abs() < 1e-12);
        assert_eq!(d.quantile(0.0), -1.0);
        assert_eq!(d.quantile(1.0), 1.0);
        // Upper-tail truncation: stays precise.
        let t = Distribution::TruncatedNormal {
            mean: 0.0,
            sd: 1.0,
            lower: 8.0,
            upper: 9.0,
        };
        assert!(t.validate().is_ok());
        let m = t.quantile(0.5);
        assert!(m > 8.0 && m < 8.2, "{m}");
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        let bad = [
            Distribution::Normal { mean: 0.0, sd: 0.0 },
            Distribution::LogNormal {
                mu: 0.0,
                sigma: -1.0,
            },
            Distribution::Triangular {
                lower: 0.0,
                mode: -1.0,
                upper: 1.0,
            },
            Distribution::TruncatedNormal {
                mean: 0.0,
                sd: 1.0,
                lower: 1.0,
                upper: 0.0,
            },
            Distribution::Uniform {
                lower: f64::NAN,
                upper: 1.0,
            },
        ];
        for d in bad {
            assert!(d.validate().is_err(), "{d:?}");
        }
    }
}
