//! The problem: named inputs, each with bounds or a probability distribution.

use serde::{Deserialize, Serialize};

use super::SensitivityError;
pub use crate::stats::Distribution;
use crate::stats::distribution::truncation_mass;

impl Distribution {
    /// Checks the parameters of a sensitivity input's distribution. Designs are built in the
    /// unit hypercube and each coordinate u ∈ [0, 1) is mapped through the quantile function
    /// ([`Distribution::quantile`], from `statrs`), as SALib does for its non-uniform `dists`;
    /// so an input must vary: a spread must be positive, and a fixed value or an unresolved
    /// bootstrap is refused.
    ///
    /// # Errors
    /// A message saying which parameter is invalid.
    ///
    /// ```
    /// use innodex::sensitivity::Distribution;
    /// let bad = Distribution::Triangular { lower: 0.0, mode: 2.0, upper: 1.0 };
    /// assert!(bad.validate_as_input().unwrap_err().contains("mode"));
    /// assert!(Distribution::Normal { mean: 0.0, sd: -1.0 }.validate_as_input().is_err());
    /// assert!(Distribution::Normal { mean: 1.0, sd: 2.0 }.validate_as_input().is_ok());
    /// ```
    pub fn validate_as_input(&self) -> Result<(), String> {
        // Every parameter finite first, in the order the variant lists them.
        let params: Vec<(&str, f64)> = match *self {
            Distribution::Uniform { lower, upper } => vec![("lower", lower), ("upper", upper)],
            Distribution::Normal { mean, sd } => vec![("mean", mean), ("sd", sd)],
            Distribution::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => vec![
                ("mean", mean),
                ("sd", sd),
                ("lower", lower),
                ("upper", upper),
            ],
            Distribution::Triangular { lower, mode, upper } => {
                vec![("lower", lower), ("mode", mode), ("upper", upper)]
            }
            Distribution::Pert {
                lower,
                mode,
                upper,
                lambda,
            } => vec![
                ("lower", lower),
                ("mode", mode),
                ("upper", upper),
                ("lambda", lambda),
            ],
            Distribution::LogNormal { mu, sigma } => vec![("mu", mu), ("sigma", sigma)],
            Distribution::Empirical { ref values } => {
                values.iter().map(|v| ("every value", *v)).collect()
            }
            Distribution::Fixed { .. } | Distribution::Bootstrap { .. } => vec![],
        };
        if let Some((what, v)) = params.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!("{what} must be finite, got {v}"));
        }
        let positive = |v: f64, what: &str| {
            if v <= 0.0 {
                return Err(format!("{what} must be positive, got {v}"));
            }
            Ok(())
        };
        let bounds = |lower: f64, upper: f64| {
            if lower >= upper {
                return Err(format!(
                    "lower bound {lower} must be below upper bound {upper}"
                ));
            }
            Ok(())
        };
        let mode_within = |lower: f64, mode: f64, upper: f64| {
            bounds(lower, upper)?;
            if mode < lower || mode > upper {
                return Err(format!("mode {mode} must lie in [{lower}, {upper}]"));
            }
            Ok(())
        };
        match *self {
            Distribution::Uniform { lower, upper } => bounds(lower, upper),
            Distribution::Normal { sd, .. } => positive(sd, "sd"),
            Distribution::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => {
                positive(sd, "sd")?;
                bounds(lower, upper)?;
                if truncation_mass(mean, sd, lower, upper) <= 0.0 {
                    return Err("the truncation interval has zero probability".into());
                }
                Ok(())
            }
            Distribution::Triangular { lower, mode, upper } => mode_within(lower, mode, upper),
            Distribution::Pert {
                lower,
                mode,
                upper,
                lambda,
            } => {
                mode_within(lower, mode, upper)?;
                positive(lambda, "lambda")
            }
            Distribution::LogNormal { sigma, .. } => positive(sigma, "sigma"),
            Distribution::Empirical { ref values } => {
                if values.is_empty() || self.is_fixed() {
                    return Err("an empirical distribution needs two different values".into());
                }
                Ok(())
            }
            Distribution::Fixed { value } => Err(format!(
                "a fixed value ({value}) does not vary: leave it out of the problem"
            )),
            Distribution::Bootstrap { .. } => {
                Err("a bootstrap is resolved from an indicator's history only in a scenario".into())
            }
        }
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
    /// Its distribution (in files, the `kind` form of
    /// [`crate::stats::distribution::kind_form`]).
    #[serde(with = "crate::stats::distribution::kind_form")]
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
            inp.distribution.validate_as_input().map_err(|reason| {
                SensitivityError::InvalidDistribution {
                    name: inp.name.clone(),
                    reason,
                }
            })?;
        }
        // Sorted once, so that each quantile of an empirical input reads them in place.
        let mut inputs = inputs;
        for inp in &mut inputs {
            if let Distribution::Empirical { values } = &mut inp.distribution {
                values.sort_by(f64::total_cmp);
            }
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
        if k == 0 {
            return Ok(());
        }
        let whole = rows.len() / k * k;
        let rows = &mut rows[..whole];
        // Column by column: each input's distribution is matched once per call, not per value.
        for (j, inp) in self.inputs.iter().enumerate() {
            inp.distribution
                .quantile_in_place(rows.iter_mut().skip(j).step_by(k));
        }
        match rows.iter().position(|v| !v.is_finite()) {
            Some(at) => Err(SensitivityError::NonFiniteInput {
                row: first_row + at / k,
                name: self.inputs[at % k].name.clone(),
            }),
            None => Ok(()),
        }
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
        assert!(d.validate_as_input().is_ok());
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
        assert!(t.validate_as_input().is_ok());
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
            Distribution::Pert {
                lower: 0.0,
                mode: 0.5,
                upper: 1.0,
                lambda: 0.0,
            },
            Distribution::Empirical {
                values: vec![2.0, 2.0],
            },
            Distribution::Fixed { value: 1.0 },
            Distribution::Bootstrap {
                from: None,
                to: None,
            },
        ];
        for d in bad {
            assert!(d.validate_as_input().is_err(), "{d:?}");
        }
        // The messages say why, and a non-finite parameter is named before any other fault.
        let msg = |d: Distribution| d.validate_as_input().unwrap_err();
        assert!(msg(Distribution::Fixed { value: 1.0 }).contains("does not vary"));
        assert!(
            msg(Distribution::Bootstrap {
                from: None,
                to: None
            })
            .contains("only in a scenario")
        );
        assert_eq!(
            msg(Distribution::Triangular {
                lower: 0.0,
                mode: f64::NAN,
                upper: f64::NAN
            }),
            "mode must be finite, got NaN"
        );
        assert_eq!(
            msg(Distribution::TruncatedNormal {
                mean: 0.0,
                sd: -1.0,
                lower: f64::NAN,
                upper: 1.0
            }),
            "lower must be finite, got NaN"
        );
    }
}
