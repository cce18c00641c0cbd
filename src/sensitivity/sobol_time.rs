//! Sobol' indices through time: one Saltelli design evaluated once, a model with one output per
//! year, the indices of every year with bootstrap intervals.
//!
//! A projection horizon is a multi-output model whose outputs are years. Because
//! [`super::analyze_sobol`] analyses every output column on its own (each column centred and
//! scaled by its own mean and variance) while all columns share the design and the bootstrap
//! resamples (resample b is drawn from `(seed, b)`), the indices of year t are *exactly* those of
//! a single-output analysis of year t's column on the same design with the same seed: the yearly
//! view costs one evaluation of the design and adds no approximation.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{
    Model, Problem, SensitivityError, SobolAnalysis, SobolIndices, SobolOptions, SobolResult,
    analyze_sobol,
};

/// Sobol' indices of a model with one output per year (see [`SobolAnalysis::run_over_time`]).
///
/// `result.outputs[t]` holds the indices of `years[t]`; `result.output_names` are the years as
/// text.
///
/// ```
/// use innodex::sensitivity::{FnModel, Problem, SobolAnalysis};
/// // y_t = x1 + t · x2 for t = 1, 2, 3: x2 gains weight year by year.
/// let p = Problem::uniform(&[("x1", 0.0, 1.0), ("x2", 0.0, 1.0)]).unwrap();
/// let m = FnModel::new(3, |x: &[f64], y: &mut [f64]| {
///     for t in 0..3 { y[t] = x[0] + (t + 1) as f64 * x[1]; }
/// });
/// let r = SobolAnalysis::new(p, 1024).n_bootstrap(20).run_over_time(&m, &[2023, 2024, 2025]).unwrap();
/// // Additive: S1 of x2 = t² / (1 + t²).
/// for (t, s) in r.result.outputs.iter().enumerate() {
///     let t2 = ((t + 1) * (t + 1)) as f64;
///     assert!((s.s1[1] - t2 / (1.0 + t2)).abs() < 0.02);
/// }
/// assert_eq!(r.dominant(2025), Some("x2"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolOverTime {
    /// The years, strictly increasing, one per output column.
    pub years: Vec<i32>,
    /// The indices of every year (outputs in the order of `years`).
    pub result: SobolResult,
}

impl SobolOverTime {
    /// The indices of one year, if it is analysed.
    pub fn year(&self, year: i32) -> Option<&SobolIndices> {
        let t = self.years.iter().position(|&y| y == year)?;
        self.result.outputs.get(t)
    }

    /// The input with the largest first-order index in `year` (the first one on a tie).
    pub fn dominant(&self, year: i32) -> Option<&str> {
        let s = self.year(year)?;
        let mut best: Option<usize> = None;
        for (j, v) in s.s1.iter().enumerate() {
            if best.is_none_or(|b| *v > s.s1[b]) {
                best = Some(j);
            }
        }
        best.map(|j| self.result.names[j].as_str())
    }

    /// First-order indices as a years × inputs matrix.
    ///
    /// ```
    /// use innodex::sensitivity::{FnModel, Problem, SobolAnalysis};
    /// let p = Problem::uniform(&[("a", 0.0, 1.0)]).unwrap();
    /// let m = FnModel::new(2, |x: &[f64], y: &mut [f64]| { y[0] = x[0]; y[1] = 2.0 * x[0]; });
    /// let r = SobolAnalysis::new(p, 256).n_bootstrap(0).run_over_time(&m, &[1, 2]).unwrap();
    /// assert_eq!(r.s1_matrix().dim(), (2, 1));
    /// ```
    pub fn s1_matrix(&self) -> Array2<f64> {
        let k = self.result.names.len();
        Array2::from_shape_fn((self.years.len(), k), |(t, j)| self.result.outputs[t].s1[j])
    }

    /// Total-order indices as a years × inputs matrix.
    pub fn st_matrix(&self) -> Array2<f64> {
        let k = self.result.names.len();
        Array2::from_shape_fn((self.years.len(), k), |(t, j)| self.result.outputs[t].st[j])
    }
}

/// Checks that `years` are strictly increasing and one per output column.
fn check_years(years: &[i32], n_outputs: usize) -> Result<(), SensitivityError> {
    if years.len() != n_outputs {
        return Err(SensitivityError::InvalidOption {
            option: "years",
            reason: format!(
                "{} years given for {n_outputs} model outputs (one year per output column)",
                years.len()
            ),
        });
    }
    if let Some(w) = years.windows(2).find(|w| w[1] <= w[0]) {
        return Err(SensitivityError::InvalidOption {
            option: "years",
            reason: format!("must be strictly increasing, got {} after {}", w[1], w[0]),
        });
    }
    Ok(())
}

fn year_names(years: &[i32]) -> Vec<String> {
    years.iter().map(|y| y.to_string()).collect()
}

/// Yearly Sobol' indices from outputs already computed on a Saltelli design: `y` has one row
/// per design row and one column per year (as [`analyze_sobol`]).
///
/// # Errors
/// [`SensitivityError::InvalidOption`] (`years`) when the years are not strictly increasing
/// or not one per column; otherwise as [`analyze_sobol`].
///
/// ```
/// use innodex::sensitivity::{analyze_sobol_over_time, Problem, SobolOptions};
/// let p = Problem::uniform(&[("a", 0.0, 1.0)]).unwrap();
/// let y = ndarray::Array2::<f64>::zeros((8, 2));
/// let e = analyze_sobol_over_time(&p, y.view(), &[2025, 2024], &SobolOptions::default());
/// assert!(e.unwrap_err().to_string().contains("strictly increasing"));
/// ```
pub fn analyze_sobol_over_time(
    problem: &Problem,
    y: ArrayView2<f64>,
    years: &[i32],
    options: &SobolOptions,
) -> Result<SobolOverTime, SensitivityError> {
    check_years(years, y.ncols())?;
    let mut result = analyze_sobol(problem, y, options)?;
    result.output_names = year_names(years);
    Ok(SobolOverTime {
        years: years.to_vec(),
        result,
    })
}

impl SobolAnalysis {
    /// Evaluates the design once on a model with one output per year and analyses every year
    /// (S1, ST, and S2 with [`SobolAnalysis::second_order`]), with bootstrap intervals.
    ///
    /// The indices of each year equal, bit for bit, those of [`SobolAnalysis::run`] on a model
    /// returning only that year (same design, same seed): see the module notes.
    ///
    /// # Errors
    /// [`SensitivityError::InvalidOption`] (`years`) when the years are not strictly
    /// increasing or not one per model output; otherwise as [`SobolAnalysis::run`].
    pub fn run_over_time<M: Model + ?Sized>(
        &self,
        model: &M,
        years: &[i32],
    ) -> Result<SobolOverTime, SensitivityError> {
        check_years(years, model.n_outputs())?;
        let mut result = self.run(model)?;
        result.output_names = year_names(years);
        Ok(SobolOverTime {
            years: years.to_vec(),
            result,
        })
    }
}
