//! Fitting helpers: ordinary least squares on one regressor, a bounded Nelder–Mead simplex
//! minimiser, and the normal and Student-t quantiles used by prediction intervals.
//!
//! Everything here is small, dependency-free numerical code, tested against hand computations.

use super::ProjectionError;

/// A least-squares line `y = intercept + slope · x` with the statistics that prediction
/// intervals need.
///
/// With n points, x̄ the mean of x and Sxx = Σ(x − x̄)²: slope = Σ(x − x̄)(y − ȳ) / Sxx,
/// intercept = ȳ − slope · x̄, residual variance s² = SSE / (n − 2), SE(slope) = s / √Sxx.
///
/// ```
/// use innodex::projection::fit::OlsLine;
/// let f = OlsLine::fit(&[0.0, 1.0, 2.0, 3.0], &[1.0, 3.0, 5.0, 7.0]).unwrap();
/// assert!((f.slope - 2.0).abs() < 1e-12 && (f.intercept - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OlsLine {
    /// Intercept (value at x = 0).
    pub intercept: f64,
    /// Slope.
    pub slope: f64,
    /// Number of points.
    pub n: usize,
    /// Mean of x.
    pub x_mean: f64,
    /// Σ(x − x̄)².
    pub sxx: f64,
    /// Sum of squared residuals.
    pub sse: f64,
}

impl OlsLine {
    /// Fits the line. Needs at least two points with distinct x; three for a residual variance.
    ///
    /// # Errors
    /// [`ProjectionError::TooFewObservations`] for fewer than two points,
    /// [`ProjectionError::InvalidInput`] for non-finite values or constant x.
    pub fn fit(x: &[f64], y: &[f64]) -> Result<OlsLine, ProjectionError> {
        let n = x.len();
        if n != y.len() {
            return Err(ProjectionError::InvalidInput {
                what: "least-squares fit".into(),
                problem: format!("{} x values but {} y values", n, y.len()),
            });
        }
        if n < 2 {
            return Err(ProjectionError::TooFewObservations {
                method: "least-squares trend".into(),
                needed: 2,
                got: n,
            });
        }
        if x.iter().chain(y).any(|v| !v.is_finite()) {
            return Err(ProjectionError::InvalidInput {
                what: "least-squares fit".into(),
                problem: "values must be finite".into(),
            });
        }
        let nf = n as f64;
        let x_mean = x.iter().sum::<f64>() / nf;
        let y_mean = y.iter().sum::<f64>() / nf;
        let sxx: f64 = x.iter().map(|xi| (xi - x_mean).powi(2)).sum();
        if sxx == 0.0 {
            return Err(ProjectionError::InvalidInput {
                what: "least-squares fit".into(),
                problem: "all x values are equal".into(),
            });
        }
        let sxy: f64 = x
            .iter()
            .zip(y)
            .map(|(xi, yi)| (xi - x_mean) * (yi - y_mean))
            .sum();
        let slope = sxy / sxx;
        let intercept = y_mean - slope * x_mean;
        let sse = x
            .iter()
            .zip(y)
            .map(|(xi, yi)| (yi - intercept - slope * xi).powi(2))
            .sum();
        Ok(OlsLine {
            intercept,
            slope,
            n,
            x_mean,
            sxx,
            sse,
        })
    }

    /// Residual degrees of freedom, n − 2.
    pub fn df(&self) -> usize {
        self.n.saturating_sub(2)
    }

    /// Residual standard deviation s = √(SSE / (n − 2)); `None` with fewer than three points.
    pub fn sigma(&self) -> Option<f64> {
        (self.df() > 0).then(|| (self.sse / self.df() as f64).sqrt())
    }

    /// Standard error of the slope, s / √Sxx.
    pub fn slope_se(&self) -> Option<f64> {
        self.sigma().map(|s| s / self.sxx.sqrt())
    }

    /// The fitted value at `x`.
    pub fn predict(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }

    /// Half-width of the prediction interval for a new observation at `x`:
    /// t(1 − (1 − level)/2; n − 2) · s · √(1 + 1/n + (x − x̄)² / Sxx).
    ///
    /// `None` with fewer than three points (no residual variance).
    pub fn prediction_half_width(&self, x: f64, level: f64) -> Option<f64> {
        let s = self.sigma()?;
        let t = t_quantile(0.5 + level / 2.0, self.df() as f64)?;
        Some(t * s * self.prediction_factor(x))
    }

    /// √(1 + 1/n + (x − x̄)² / Sxx): the prediction standard error of a new observation at `x`
    /// in units of the residual standard deviation (the line's own uncertainty and the new
    /// observation's).
    pub fn prediction_factor(&self, x: f64) -> f64 {
        let d = x - self.x_mean;
        (1.0 + 1.0 / self.n as f64 + d * d / self.sxx).sqrt()
    }
}

// The normal and Student-t functions live in the one stats layer; kept here by name for the
// fits that use them and for existing callers.
pub use crate::stats::{normal_cdf, normal_quantile, t_quantile};

/// Minimises `f` over the box `lo ≤ x ≤ hi` with the Nelder–Mead simplex method (Nelder and
/// Mead 1965; standard coefficients reflection 1, expansion 2, contraction ½, shrink ½).
///
/// The box is handled by a logistic change of variables x = lo + (hi − lo) / (1 + e^(−u)), so
/// every evaluated point lies strictly inside it. Deterministic: the same inputs give the same
/// result. Returns the best point and its value.
///
/// ```
/// use innodex::projection::fit::nelder_mead_box;
/// let (x, fx) = nelder_mead_box(|p| (p[0] - 0.3).powi(2) + (p[1] - 0.7).powi(2),
///     &[0.5, 0.5], &[0.0, 0.0], &[1.0, 1.0], 2000, 1e-14);
/// assert!((x[0] - 0.3).abs() < 1e-5 && (x[1] - 0.7).abs() < 1e-5 && fx < 1e-9);
/// ```
pub fn nelder_mead_box(
    f: impl Fn(&[f64]) -> f64,
    start: &[f64],
    lo: &[f64],
    hi: &[f64],
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, f64) {
    let d = start.len();
    let to_x = |u: &[f64]| -> Vec<f64> {
        u.iter()
            .enumerate()
            .map(|(i, ui)| lo[i] + (hi[i] - lo[i]) / (1.0 + (-ui).exp()))
            .collect()
    };
    let to_u = |x: &[f64]| -> Vec<f64> {
        x.iter()
            .enumerate()
            .map(|(i, xi)| {
                let r = ((xi - lo[i]) / (hi[i] - lo[i])).clamp(1e-9, 1.0 - 1e-9);
                (r / (1.0 - r)).ln()
            })
            .collect()
    };
    let eval = |u: &[f64]| -> f64 {
        let v = f(&to_x(u));
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let u0 = to_u(start);
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    simplex.push((u0.clone(), eval(&u0)));
    for i in 0..d {
        let mut u = u0.clone();
        u[i] += 0.5;
        let fu = eval(&u);
        simplex.push((u, fu));
    }
    for _ in 0..max_iter {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let best = simplex[0].1;
        let worst = simplex[d].1;
        if (worst - best).abs() <= tol * (best.abs() + tol) {
            break;
        }
        let mut centroid = vec![0.0; d];
        for (u, _) in &simplex[..d] {
            for (c, ui) in centroid.iter_mut().zip(u) {
                *c += ui / d as f64;
            }
        }
        let along = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[d].0)
                .map(|(c, w)| c + t * (w - c))
                .collect()
        };
        let xr = along(-1.0);
        let fr = eval(&xr);
        if fr < simplex[0].1 {
            let xe = along(-2.0);
            let fe = eval(&xe);
            simplex[d] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (xr, fr);
        } else {
            let (xc, fc) = if fr < simplex[d].1 {
                let xc = along(-0.5);
                let fc = eval(&xc);
                (xc, fc)
            } else {
                let xc = along(0.5);
                let fc = eval(&xc);
                (xc, fc)
            };
            if fc < simplex[d].1.min(fr) {
                simplex[d] = (xc, fc);
            } else {
                let b = simplex[0].0.clone();
                for (u, fu) in simplex.iter_mut().skip(1) {
                    for (ui, bi) in u.iter_mut().zip(&b) {
                        *ui = bi + 0.5 * (*ui - bi);
                    }
                    *fu = eval(u);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    (to_x(&simplex[0].0), simplex[0].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_hand_computed() {
        // x = 0..4, y = 1, 2, 2, 4, 5: x̄ = 2, ȳ = 2.8, Sxx = 10, Sxy = 10 ⇒ slope 1, intercept 0.8.
        let f = OlsLine::fit(&[0.0, 1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 2.0, 4.0, 5.0]).unwrap();
        assert!((f.slope - 1.0).abs() < 1e-15);
        assert!((f.intercept - 0.8).abs() < 1e-15);
        // residuals 0.2, 0.2, −0.8, 0.2, 0.2 ⇒ SSE 0.8, s² = 0.8/3.
        assert!((f.sse - 0.8).abs() < 1e-14);
        assert!((f.sigma().unwrap() - (0.8f64 / 3.0).sqrt()).abs() < 1e-14);
        assert!((f.slope_se().unwrap() - (0.8f64 / 3.0 / 10.0).sqrt()).abs() < 1e-14);
    }

    #[test]
    fn normal_cdf_inverts_quantile() {
        assert!(normal_quantile(1.5).is_nan() && normal_quantile(f64::NAN).is_nan());
        for p in [0.01, 0.05, 0.3, 0.5, 0.9, 0.999] {
            let back = normal_cdf(normal_quantile(p));
            // statrs inverts erfc to about 1e-12 relative; the round trip holds to 1e-9.
            assert!((back - p).abs() < 1e-9, "{p}: {back}");
        }
    }
}
