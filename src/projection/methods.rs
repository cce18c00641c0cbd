//! Deterministic projection methods and fitted trends with prediction intervals.
//!
//! | method | path from the last observation (T, y_T) | interval |
//! |---|---|---|
//! | [`Method::Compound`] | y_T (1 + g)^h | – |
//! | [`Method::Increment`] | y_T + h d | – |
//! | [`Method::Logistic`] | K / (1 + e^−(x_T + r h)), x_T = ln(y_T / (K − y_T)) | – |
//! | [`Method::Cagr`] | compound at the fitted window's CAGR (first → last observation) | – |
//! | [`Method::MeanIncrement`] | increment at the window's mean yearly change | – |
//! | [`Method::LogLinear`] | exp(a + b t), least squares on ln y | t-based, on ln y |
//! | [`Method::Linear`] | a + b t, least squares on y | t-based |
//! | [`Method::LogisticTrend`] | K / (1 + e^−(a + b t)), least squares on the logit | t-based, on the logit |
//! | [`Method::DampedHolt`] | ℓ_T + (φ + … + φ^h) b_T | normal, ETS(A,Ad,N) variance |
//!
//! **Trend intervals** (ordinary least squares on one regressor, e.g. Hyndman and
//! Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (FPP3), §7.6): the
//! prediction interval at year t is ŷ_t ± t(1 − α/2; n − 2) · s · √(1 + 1/n + (t − t̄)²/Stt),
//! computed on the transformed scale (ln y, the logit) and mapped back, so the point forecast of
//! the log-linear trend is the predictive *median* exp(a + b t) and the interval is asymmetric.
//! A logistic path never leaves (0, K): a share never projects past its ceiling.
//!
//! **Log-linear CAGR.** With slope b of ln y on the year, the trend's CAGR is e^b − 1 and its
//! standard error, by the delta method, e^b · SE(b).
//!
//! **Damped Holt** (Gardner and McKenzie 1985, "Forecasting trends in time series",
//! *Management Science* 31(10)): ℓ_t = α y_t + (1 − α)(ℓ_{t−1} + φ b_{t−1}),
//! b_t = β (ℓ_t − ℓ_{t−1}) + (1 − β) φ b_{t−1}, with (ℓ₀, b₀) the state before the first
//! observation; the parametrisation of statsmodels' `Holt(damped_trend=True)` (`smoothing_level`
//! α, `smoothing_trend` β, `damping_trend` φ). Parameters not given are fitted by minimising
//! the one-step-ahead SSE with [`nelder_mead_box`] over α ∈ [10⁻⁴, 0.9999],
//! β ∈ [10⁻⁴, 0.9999], φ ∈ [0.8, 0.98] (the bounds of FPP3 §8.2). The prediction variance is
//! that of the innovations state-space model ETS(A,Ad,N) (FPP3 §8.7; Hyndman, Koehler, Ord and
//! Snyder 2008, table 6.1): σ²_h = σ² [1 + Σ_{j=1}^{h−1} (α + αβ φ_j)²], φ_j = φ + … + φ^j,
//! with σ² = SSE / (n − k), k the number of parameters fitted (0 when all are given).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::ProjectionError;
use super::fit::{OlsLine, nelder_mead_box, normal_quantile};

/// A projection: one value per year after the last observation, with an optional interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The method's name.
    pub method: String,
    /// Years projected (last observation + 1 ..= horizon).
    pub years: Vec<i32>,
    /// Point forecast (for log-scale trends: the predictive median).
    pub point: Vec<f64>,
    /// Lower bound of the prediction interval (empty when the method has none).
    pub lower: Vec<f64>,
    /// Upper bound of the prediction interval (empty when the method has none).
    pub upper: Vec<f64>,
    /// Coverage of the interval (e.g. 0.9), when there is one.
    pub level: Option<f64>,
    /// Fitted parameters, by name (e.g. `cagr`, `cagr_se`, `alpha`, `phi`, `sigma`).
    pub params: Vec<(String, f64)>,
}

impl Forecast {
    /// The point forecast of `year`.
    pub fn at(&self, year: i32) -> Option<f64> {
        self.years
            .iter()
            .position(|&y| y == year)
            .map(|i| self.point[i])
    }

    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<f64> {
        self.params.iter().find(|(n, _)| n == name).map(|p| p.1)
    }
}

/// A projection method (see the module table). In TOML: `method = "log_linear"`,
/// `{ method = "compound", rate = 0.07 }`, `{ method = "damped_holt", phi = 0.9 }`…
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Method {
    /// Constant growth rate `rate` (0.07 = 7 % a year).
    Compound {
        /// Yearly growth rate.
        rate: f64,
    },
    /// Constant yearly increment.
    Increment {
        /// Yearly change.
        increment: f64,
    },
    /// Logistic path toward `ceiling` with logit slope `rate` a year.
    Logistic {
        /// Yearly change of ln(y / (K − y)).
        rate: f64,
        /// The ceiling K (100 for a share in per cent).
        ceiling: f64,
    },
    /// Compound growth at the CAGR of the fitted window (first to last observation).
    Cagr,
    /// Constant increment equal to the window's mean yearly change.
    MeanIncrement,
    /// Least-squares trend of ln y on the year.
    LogLinear,
    /// Least-squares trend of y on the year.
    Linear,
    /// Least-squares trend of ln(y / (K − y)) on the year.
    LogisticTrend {
        /// The ceiling K.
        ceiling: f64,
    },
    /// Damped Holt linear trend; parameters not given are fitted.
    DampedHolt {
        /// Smoothing of the level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alpha: Option<f64>,
        /// Smoothing of the trend.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        beta: Option<f64>,
        /// Damping.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phi: Option<f64>,
    },
}

impl Method {
    /// The method's name as written in files (`log_linear`, `damped_holt`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Method::Compound { .. } => "compound",
            Method::Increment { .. } => "increment",
            Method::Logistic { .. } => "logistic",
            Method::Cagr => "cagr",
            Method::MeanIncrement => "mean_increment",
            Method::LogLinear => "log_linear",
            Method::Linear => "linear",
            Method::LogisticTrend { .. } => "logistic_trend",
            Method::DampedHolt { .. } => "damped_holt",
        }
    }

    /// Whether the method gives a prediction interval.
    pub fn has_interval(&self) -> bool {
        matches!(
            self,
            Method::LogLinear
                | Method::Linear
                | Method::LogisticTrend { .. }
                | Method::DampedHolt { .. }
        )
    }

    /// Projects the observed `(years, values)` to `horizon` with a `level` prediction interval
    /// (ignored by methods without one).
    ///
    /// ```
    /// use innodex::projection::methods::Method;
    /// let f = Method::Compound { rate: 0.1 }.forecast(&[2020], &[100.0], 2022, 0.9).unwrap();
    /// assert_eq!(f.years, vec![2021, 2022]);
    /// assert!((f.point[1] - 121.0).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// No observation, a horizon before the last observation
    /// ([`ProjectionError::HorizonBeforeLastObservation`]), too few points for a fit, values the
    /// method cannot take (non-positive for log scales, outside (0, K) for logistic methods),
    /// unsorted years, an interval level outside (0, 1).
    pub fn forecast(
        &self,
        years: &[i32],
        values: &[f64],
        horizon: i32,
        level: f64,
    ) -> Result<Forecast, ProjectionError> {
        check_series(years, values)?;
        if !(level > 0.0 && level < 1.0) {
            return Err(ProjectionError::InvalidParameter {
                what: "interval level".into(),
                value: level,
                problem: "must be in (0, 1)",
            });
        }
        let n = years.len();
        let (t_last, y_last) = (years[n - 1], values[n - 1]);
        if horizon < t_last {
            return Err(ProjectionError::HorizonBeforeLastObservation {
                indicator: String::new(),
                horizon,
                last: t_last,
            });
        }
        let out_years: Vec<i32> = (t_last + 1..=horizon).collect();
        let h = |y: i32| (y - t_last) as f64;
        let mut fc = Forecast {
            method: self.name().to_string(),
            years: out_years.clone(),
            point: vec![],
            lower: vec![],
            upper: vec![],
            level: None,
            params: vec![],
        };
        match self {
            Method::Compound { rate } => {
                check_rate(*rate)?;
                fc.point = out_years
                    .iter()
                    .map(|&y| y_last * (1.0 + rate).powf(h(y)))
                    .collect();
                fc.params.push(("rate".into(), *rate));
            }
            Method::Increment { increment } => {
                finite_param("increment", *increment)?;
                fc.point = out_years
                    .iter()
                    .map(|&y| y_last + increment * h(y))
                    .collect();
                fc.params.push(("increment".into(), *increment));
            }
            Method::Logistic { rate, ceiling } => {
                finite_param("logistic rate", *rate)?;
                let x0 = logit(y_last, *ceiling)?;
                fc.point = out_years
                    .iter()
                    .map(|&y| inv_logit(x0 + rate * h(y), *ceiling))
                    .collect();
                fc.params.push(("rate".into(), *rate));
                fc.params.push(("ceiling".into(), *ceiling));
            }
            Method::Cagr => {
                need(n, 2, "cagr")?;
                positive_all(values, "cagr")?;
                let g = crate::growth::compound_rate(values[0], y_last, (t_last - years[0]) as f64);
                fc.point = out_years
                    .iter()
                    .map(|&y| y_last * (1.0 + g).powf(h(y)))
                    .collect();
                fc.params.push(("rate".into(), g));
            }
            Method::MeanIncrement => {
                need(n, 2, "mean_increment")?;
                let d = (y_last - values[0]) / (t_last - years[0]) as f64;
                fc.point = out_years.iter().map(|&y| y_last + d * h(y)).collect();
                fc.params.push(("increment".into(), d));
            }
            Method::LogLinear => {
                let fit = LogLinearTrend::fit(years, values)?;
                fc.params = fit.params();
                fill_trend(&mut fc, &fit.line, level, f64::exp);
            }
            Method::Linear => {
                let x: Vec<f64> = years.iter().map(|&y| y as f64).collect();
                let line = OlsLine::fit(&x, values)?;
                fc.params = vec![
                    ("intercept".into(), line.intercept),
                    ("slope".into(), line.slope),
                ];
                if let Some(s) = line.slope_se() {
                    fc.params.push(("slope_se".into(), s));
                }
                fill_trend(&mut fc, &line, level, |v| v);
            }
            Method::LogisticTrend { ceiling } => {
                let k = *ceiling;
                let x: Vec<f64> = years.iter().map(|&y| y as f64).collect();
                let z = values
                    .iter()
                    .map(|&v| logit(v, k))
                    .collect::<Result<Vec<_>, _>>()?;
                let line = OlsLine::fit(&x, &z)?;
                fc.params = vec![
                    ("intercept".into(), line.intercept),
                    ("slope".into(), line.slope),
                    ("ceiling".into(), k),
                ];
                fill_trend(&mut fc, &line, level, |v| inv_logit(v, k));
            }
            Method::DampedHolt { alpha, beta, phi } => {
                check_consecutive(years, "damped_holt")?;
                let fit = DampedHolt::fit(values, *alpha, *beta, *phi, HoltInit::Heuristic)?;
                let steps = out_years.len();
                let (point, sd) = fit.forecast(steps);
                let z = normal_quantile(0.5 + level / 2.0);
                fc.params = fit.params();
                if let Some(sd) = sd {
                    fc.lower = point.iter().zip(&sd).map(|(p, s)| p - z * s).collect();
                    fc.upper = point.iter().zip(&sd).map(|(p, s)| p + z * s).collect();
                    fc.level = Some(level);
                }
                fc.point = point;
            }
        }
        Ok(fc)
    }
}

fn fill_trend(fc: &mut Forecast, line: &OlsLine, level: f64, back: impl Fn(f64) -> f64) {
    fc.point = fc
        .years
        .iter()
        .map(|&y| back(line.predict(y as f64)))
        .collect();
    if line.sigma().is_some() {
        let hw: Vec<f64> = fc
            .years
            .iter()
            .map(|&y| {
                line.prediction_half_width(y as f64, level)
                    .unwrap_or(f64::NAN)
            })
            .collect();
        fc.lower = fc
            .years
            .iter()
            .zip(&hw)
            .map(|(&y, w)| back(line.predict(y as f64) - w))
            .collect();
        fc.upper = fc
            .years
            .iter()
            .zip(&hw)
            .map(|(&y, w)| back(line.predict(y as f64) + w))
            .collect();
        fc.level = Some(level);
        if let Some(s) = line.sigma() {
            fc.params.push(("sigma".into(), s));
        }
    }
}

pub(crate) fn check_series(years: &[i32], values: &[f64]) -> Result<(), ProjectionError> {
    if years.is_empty() {
        return Err(ProjectionError::TooFewObservations {
            method: "projection".into(),
            needed: 1,
            got: 0,
        });
    }
    if years.len() != values.len() {
        return Err(ProjectionError::InvalidInput {
            what: "series".into(),
            problem: format!("{} years but {} values", years.len(), values.len()),
        });
    }
    if years.windows(2).any(|w| w[1] <= w[0]) {
        return Err(ProjectionError::InvalidInput {
            what: "series".into(),
            problem: "years must be strictly increasing".into(),
        });
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(ProjectionError::InvalidInput {
            what: "series".into(),
            problem: "values must be finite".into(),
        });
    }
    Ok(())
}

fn check_consecutive(years: &[i32], method: &str) -> Result<(), ProjectionError> {
    if years.windows(2).any(|w| w[1] != w[0] + 1) {
        return Err(ProjectionError::InvalidInput {
            what: method.into(),
            problem: "needs consecutive years (no gaps)".into(),
        });
    }
    Ok(())
}

fn need(n: usize, needed: usize, method: &str) -> Result<(), ProjectionError> {
    if n < needed {
        return Err(ProjectionError::TooFewObservations {
            method: method.into(),
            needed,
            got: n,
        });
    }
    Ok(())
}

fn positive_all(values: &[f64], method: &str) -> Result<(), ProjectionError> {
    if let Some(v) = values.iter().find(|v| **v <= 0.0) {
        return Err(ProjectionError::InvalidInput {
            what: method.into(),
            problem: format!("needs positive values, got {v}"),
        });
    }
    Ok(())
}

fn finite_param(what: &str, v: f64) -> Result<f64, ProjectionError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ProjectionError::InvalidParameter {
            what: what.into(),
            value: v,
            problem: "must be finite",
        })
    }
}

fn check_rate(rate: f64) -> Result<f64, ProjectionError> {
    finite_param("growth rate", rate)?;
    if rate <= -1.0 {
        return Err(ProjectionError::InvalidParameter {
            what: "growth rate".into(),
            value: rate,
            problem: "must be greater than -1",
        });
    }
    Ok(rate)
}

/// ln(y / (K − y)); an error unless 0 < y < K.
pub(crate) fn logit(y: f64, ceiling: f64) -> Result<f64, ProjectionError> {
    if !(ceiling.is_finite() && ceiling > 0.0) {
        return Err(ProjectionError::InvalidParameter {
            what: "logistic ceiling".into(),
            value: ceiling,
            problem: "must be positive and finite",
        });
    }
    if !(y > 0.0 && y < ceiling) {
        return Err(ProjectionError::InvalidInput {
            what: "logistic".into(),
            problem: format!("needs values strictly between 0 and the ceiling {ceiling}, got {y}"),
        });
    }
    Ok((y / (ceiling - y)).ln())
}

/// K / (1 + e^−x).
#[inline]
pub(crate) fn inv_logit(x: f64, ceiling: f64) -> f64 {
    ceiling / (1.0 + (-x).exp())
}

/// A least-squares trend of ln y on the calendar year, ln y = a + b (t − t̄), with the
/// classical prediction interval of a new value: ln y(T) ~ a + b (T − t̄) + s √(1 + 1/m +
/// (T − t̄)²/S_tt) · t_{m−2} (m points, s the residual standard deviation, t_{m−2} Student's t).
/// The one trend of the crate: the `log_linear` forecast and the reference trend of ratio
/// indicators ([`crate::ratio::reference_trend`]).
///
/// ```
/// use innodex::projection::methods::LogLinearTrend;
/// // An exact 10 % a year series has CAGR 0.1 and no residual (but for rounding): the
/// // forecast is the trend, its interval a point.
/// let v: Vec<f64> = (0..5).map(|i| 100.0 * 1.1f64.powi(i)).collect();
/// let t = LogLinearTrend::fit(&[2016, 2017, 2018, 2019, 2020], &v).unwrap();
/// assert!((t.cagr() - 0.1).abs() < 1e-12);
/// assert!((t.median(2022) - 100.0 * 1.1f64.powi(6)).abs() < 1e-9);
/// assert!((t.quantile(2022, 0.9).unwrap() - t.median(2022)).abs() < 1e-9);
/// assert_eq!(t.quantile(2022, 1.0), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogLinearTrend {
    /// The line fitted to (year, ln y).
    pub line: OlsLine,
}

impl LogLinearTrend {
    /// Fits ln y = a + b · year by least squares.
    ///
    /// # Errors
    /// Fewer than two points, non-positive values, unsorted years.
    pub fn fit(years: &[i32], values: &[f64]) -> Result<Self, ProjectionError> {
        check_series(years, values)?;
        positive_all(values, "log_linear")?;
        let x: Vec<f64> = years.iter().map(|&y| y as f64).collect();
        let ly: Vec<f64> = values.iter().map(|v| v.ln()).collect();
        Ok(LogLinearTrend {
            line: OlsLine::fit(&x, &ly)?,
        })
    }

    /// The trend's compound annual growth rate e^b − 1.
    pub fn cagr(&self) -> f64 {
        self.line.slope.exp_m1()
    }

    /// Standard error of the CAGR by the delta method, e^b · SE(b); `None` with two points.
    pub fn cagr_se(&self) -> Option<f64> {
        self.line.slope_se().map(|s| self.line.slope.exp() * s)
    }

    /// Mean of ln y in `year` on the trend, a + b (T − t̄).
    pub fn log_mean(&self, year: i32) -> f64 {
        let l = &self.line;
        let at_mean = l.intercept + l.slope * l.x_mean;
        at_mean + l.slope * (year as f64 - l.x_mean)
    }

    /// The trend value (median of the predictive distribution) in `year`.
    pub fn median(&self, year: i32) -> f64 {
        self.log_mean(year).exp()
    }

    /// Standard error of a new observation's logarithm in `year` (prediction, not only the
    /// line): s √(1 + 1/m + (T − t̄)²/S_tt); NaN for a trend of two points (no residual).
    pub fn log_se(&self, year: i32) -> f64 {
        match self.line.sigma() {
            Some(s) => s * self.line.prediction_factor(year as f64),
            None => f64::NAN,
        }
    }

    fn t_dist(&self) -> Option<StudentsT> {
        StudentsT::new(0.0, 1.0, self.line.df() as f64).ok()
    }

    /// The `p` quantile of the predictive distribution in `year`; `None` unless 0 < p < 1 and
    /// the trend has a residual (three points or more).
    pub fn quantile(&self, year: i32, p: f64) -> Option<f64> {
        if !(p > 0.0 && p < 1.0) || self.line.sigma().is_none() {
            return None;
        }
        let se = self.log_se(year);
        if se == 0.0 {
            return Some(self.median(year));
        }
        let t = self.t_dist().map_or(f64::NAN, |d| d.inverse_cdf(p));
        Some((self.log_mean(year) + se * t).exp())
    }

    /// Probability that the value in `year` is below `value` under the predictive
    /// distribution.
    ///
    /// ```
    /// let tr = innodex::ratio::reference_trend(&[2019, 2020, 2021, 2022, 2023], &[2.10, 2.30, 2.34, 2.49, 2.59]).unwrap();
    /// assert!((tr.prob_below(2025, tr.median(2025)) - 0.5).abs() < 1e-12);
    /// ```
    pub fn prob_below(&self, year: i32, value: f64) -> f64 {
        if value <= 0.0 {
            return 0.0;
        }
        let se = self.log_se(year);
        let d = value.ln() - self.log_mean(year);
        if se == 0.0 {
            return if d > 0.0 { 1.0 } else { 0.0 };
        }
        self.t_dist().map_or(f64::NAN, |t| t.cdf(d / se))
    }

    fn params(&self) -> Vec<(String, f64)> {
        let mut p = vec![
            ("intercept".into(), self.line.intercept),
            ("slope".into(), self.line.slope),
            ("cagr".into(), self.cagr()),
        ];
        if let Some(s) = self.cagr_se() {
            p.push(("cagr_se".into(), s));
        }
        p
    }
}

/// How the damped Holt state starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoltInit {
    /// ℓ₀ = y₁, b₀ = y₂ − y₁ (statsmodels' `initialization_method="legacy-heuristic"`).
    Heuristic,
    /// Given initial level and trend (statsmodels' `initialization_method="known"`).
    Known {
        /// ℓ₀.
        level: f64,
        /// b₀.
        trend: f64,
    },
}

/// A damped Holt model after filtering a series: parameters and the final state.
///
/// ```
/// use innodex::projection::methods::{DampedHolt, HoltInit};
/// // A straight line with α = 1, β = 1 is followed exactly: the trend is 2 a year and
/// // forecasts add φ + φ² + … of it.
/// let y = [1.0, 3.0, 5.0, 7.0];
/// let m = DampedHolt::fit(&y, Some(1.0), Some(1.0), Some(0.5), HoltInit::Known { level: -1.0, trend: 2.0 / 0.5 }).unwrap();
/// let (point, _) = m.forecast(2);
/// assert!((point[0] - 8.0).abs() < 1e-12 && (point[1] - 8.5).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DampedHolt {
    /// α, smoothing of the level.
    pub alpha: f64,
    /// β, smoothing of the trend (statsmodels' `smoothing_trend`).
    pub beta: f64,
    /// φ, damping.
    pub phi: f64,
    /// Initial level ℓ₀.
    pub level0: f64,
    /// Initial trend b₀.
    pub trend0: f64,
    /// Level after the last observation.
    pub level: f64,
    /// Trend after the last observation.
    pub trend: f64,
    /// One-step-ahead sum of squared errors.
    pub sse: f64,
    /// Number of observations.
    pub n: usize,
    /// Number of parameters fitted (α, β, φ not given).
    pub n_fitted: usize,
}

/// Runs the damped Holt recursions; returns (level, trend, SSE).
fn holt_filter(y: &[f64], alpha: f64, beta: f64, phi: f64, l0: f64, b0: f64) -> (f64, f64, f64) {
    let (mut l, mut b, mut sse) = (l0, b0, 0.0);
    for &yt in y {
        let pred = l + phi * b;
        let e = yt - pred;
        sse += e * e;
        let l_new = alpha * yt + (1.0 - alpha) * pred;
        b = beta * (l_new - l) + (1.0 - beta) * phi * b;
        l = l_new;
    }
    (l, b, sse)
}

impl DampedHolt {
    /// Filters `y` with the given parameters, fitting those that are `None` (minimum one-step
    /// SSE; see the module docs for bounds). Given parameters must lie in (0, 1]; φ in (0, 1].
    ///
    /// # Errors
    /// Fewer than three observations (two for a known initial state), non-finite values,
    /// parameters out of range.
    pub fn fit(
        y: &[f64],
        alpha: Option<f64>,
        beta: Option<f64>,
        phi: Option<f64>,
        init: HoltInit,
    ) -> Result<DampedHolt, ProjectionError> {
        let min_n = match init {
            HoltInit::Heuristic => 3,
            HoltInit::Known { .. } => 1,
        };
        need(y.len(), min_n, "damped_holt")?;
        if y.iter().any(|v| !v.is_finite()) {
            return Err(ProjectionError::InvalidInput {
                what: "damped_holt".into(),
                problem: "values must be finite".into(),
            });
        }
        for (name, v) in [("alpha", alpha), ("beta", beta), ("phi", phi)] {
            if let Some(v) = v
                && !(v > 0.0 && v <= 1.0)
            {
                return Err(ProjectionError::InvalidParameter {
                    what: format!("damped_holt {name}"),
                    value: v,
                    problem: "must be in (0, 1]",
                });
            }
        }
        let (l0, b0) = match init {
            HoltInit::Heuristic => (y[0], y[1] - y[0]),
            HoltInit::Known { level, trend } => (level, trend),
        };
        let free: Vec<usize> = [alpha, beta, phi]
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_none())
            .map(|(i, _)| i)
            .collect();
        let mut p = [
            alpha.unwrap_or(0.5),
            beta.unwrap_or(0.1),
            phi.unwrap_or(0.9),
        ];
        if !free.is_empty() {
            const LO: [f64; 3] = [1e-4, 1e-4, 0.8];
            const HI: [f64; 3] = [0.9999, 0.9999, 0.98];
            let lo: Vec<f64> = free.iter().map(|&i| LO[i]).collect();
            let hi: Vec<f64> = free.iter().map(|&i| HI[i]).collect();
            let sse_of = |q: &[f64]| {
                let mut pp = p;
                for (k, &i) in free.iter().enumerate() {
                    pp[i] = q[k];
                }
                holt_filter(y, pp[0], pp[1], pp[2], l0, b0).2
            };
            // A few deterministic starting points guard against a poor local minimum.
            let mut best: Option<(Vec<f64>, f64)> = None;
            for s in [[0.5, 0.1, 0.9], [0.9, 0.3, 0.95], [0.2, 0.05, 0.85]] {
                let start: Vec<f64> = free.iter().map(|&i| s[i]).collect();
                let (q, fq) = nelder_mead_box(sse_of, &start, &lo, &hi, 4000, 1e-13);
                if best.as_ref().is_none_or(|b| fq < b.1) {
                    best = Some((q, fq));
                }
            }
            let (q, _) = best.expect("at least one start");
            for (k, &i) in free.iter().enumerate() {
                p[i] = q[k];
            }
        }
        let (l, b, sse) = holt_filter(y, p[0], p[1], p[2], l0, b0);
        Ok(DampedHolt {
            alpha: p[0],
            beta: p[1],
            phi: p[2],
            level0: l0,
            trend0: b0,
            level: l,
            trend: b,
            sse,
            n: y.len(),
            n_fitted: free.len(),
        })
    }

    /// Residual variance σ² = SSE / (n − k); `None` when n ≤ k.
    pub fn sigma2(&self) -> Option<f64> {
        (self.n > self.n_fitted).then(|| self.sse / (self.n - self.n_fitted) as f64)
    }

    /// Point forecasts for 1..=`steps` years ahead and their standard deviations (ETS(A,Ad,N)
    /// variance; `None` without a residual variance).
    pub fn forecast(&self, steps: usize) -> (Vec<f64>, Option<Vec<f64>>) {
        let mut point = Vec::with_capacity(steps);
        let mut phi_sum = 0.0;
        let mut phi_pow = 1.0;
        for _ in 0..steps {
            phi_pow *= self.phi;
            phi_sum += phi_pow;
            point.push(self.level + phi_sum * self.trend);
        }
        let sd = self.sigma2().map(|s2| {
            let mut out = Vec::with_capacity(steps);
            let mut acc = 1.0; // 1 + Σ_{j<h} c_j²
            let (mut phi_j, mut pow) = (0.0, 1.0);
            for _ in 0..steps {
                out.push((s2 * acc).sqrt());
                pow *= self.phi;
                phi_j += pow;
                let c = self.alpha + self.alpha * self.beta * phi_j;
                acc += c * c;
            }
            out
        });
        (point, sd)
    }

    fn params(&self) -> Vec<(String, f64)> {
        let mut p = vec![
            ("alpha".into(), self.alpha),
            ("beta".into(), self.beta),
            ("phi".into(), self.phi),
            ("level".into(), self.level),
            ("trend".into(), self.trend),
            ("sse".into(), self.sse),
        ];
        if let Some(s2) = self.sigma2() {
            p.push(("sigma".into(), s2.sqrt()));
        }
        p
    }
}
