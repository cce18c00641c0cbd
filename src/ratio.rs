//! Ratio indicators such as R&D expenditure / GDP: a share S = R / Y · scale projected from its
//! numerator and denominator, its elasticities, the numerator growth a target share needs, and
//! the same against a moving reference (a provincial average projected from its own trend,
//! with its uncertainty).
//!
//! The arithmetic is exact compound growth:
//! - S_t = S₀ ((1 + g_R) / (1 + g_Y))^t, so (1 + g_S) = (1 + g_R) / (1 + g_Y) exactly (not
//!   g_S ≈ g_R − g_Y);
//! - to move S from S₀ to S* in n years while Y grows at g_Y, R must grow at
//!   g_R = (1 + g_Y)(S*/S₀)^(1/n) − 1.
//!
//! Growth rates of a share are ratios of *nominal* quantities: use nominal GDP growth with
//! nominal R&D growth.
//!
//! ```
//! use innodex::ratio::{project_share, required_numerator_growth, share_growth};
//! // R&D +10 %, GDP +6 %: the share grows by 1.10 / 1.06 − 1 = 3.77 % a year.
//! assert!((share_growth(0.10, 0.06).unwrap() - (1.10 / 1.06 - 1.0)).abs() < 1e-15);
//! // From 2.0 % to 2.5 % in five years with GDP at +6 %:
//! let g = required_numerator_growth(2.0, 2.5, 0.06, 2020, 2025).unwrap();
//! assert!((project_share(2.0, g, 0.06, 2020, 2025).unwrap() - 2.5).abs() < 1e-12);
//! ```

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::growth::{self, GrowthError};
use crate::sensitivity::{Problem, SensitivityError};

/// Why a ratio computation has no answer.
///
/// ```
/// use innodex::ratio::{required_numerator_growth, RatioError};
/// let e = required_numerator_growth(0.0, 2.5, 0.06, 2020, 2025).unwrap_err();
/// assert!(matches!(e, RatioError::Growth(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RatioError {
    /// Invalid growth arithmetic (year order, non-positive level, rate ≤ −100 %).
    #[error(transparent)]
    Growth(#[from] GrowthError),
    /// A trend needs at least three points (two for the line, one for its uncertainty), in at
    /// least two different years, with positive values; a trend of two points (read from JSON)
    /// has no prediction interval.
    #[error("trend fit: {0}")]
    Trend(String),
    /// A probability outside (0, 1).
    #[error("probability must be strictly between 0 and 1, got {0}")]
    Probability(f64),
    /// An error of the Monte Carlo machinery.
    #[error(transparent)]
    Sensitivity(#[from] SensitivityError),
}

fn positive(field: &'static str, v: f64) -> Result<f64, RatioError> {
    if !v.is_finite() {
        return Err(GrowthError::NotFinite { field, value: v }.into());
    }
    if v <= 0.0 {
        return Err(GrowthError::NonPositive { field, value: v }.into());
    }
    Ok(v)
}

fn rate(v: f64) -> Result<f64, RatioError> {
    if !v.is_finite() {
        return Err(GrowthError::NotFinite {
            field: "rate",
            value: v,
        }
        .into());
    }
    if v <= -1.0 {
        return Err(GrowthError::RateTooLow { rate: v }.into());
    }
    Ok(v)
}

/// The share S = numerator / denominator · scale (scale 100 for a percentage).
///
/// # Errors
/// A non-positive or non-finite denominator, a negative or non-finite numerator.
///
/// ```
/// // Shandong 2020: R&D 1681.9 on an implied GDP of 73,126 (100 million yuan) → 2.30 %.
/// let s = innodex::ratio::share(1681.9, 73126.0, 100.0).unwrap();
/// assert!((s - 2.30).abs() < 0.001);
/// ```
pub fn share(numerator: f64, denominator: f64, scale: f64) -> Result<f64, RatioError> {
    let y = positive("denominator", denominator)?;
    if !numerator.is_finite() || numerator < 0.0 {
        return Err(GrowthError::NonPositive {
            field: "numerator",
            value: numerator,
        }
        .into());
    }
    Ok(numerator / y * scale)
}

/// The yearly growth of a share from the growth of its numerator and denominator:
/// g_S = (1 + g_R) / (1 + g_Y) − 1 (exact).
///
/// # Errors
/// A rate ≤ −100 % or not finite.
///
/// ```
/// let g = innodex::ratio::share_growth(0.12, 0.05).unwrap();
/// assert!((g - 0.066666666666666666).abs() < 1e-15);
/// ```
pub fn share_growth(g_numerator: f64, g_denominator: f64) -> Result<f64, RatioError> {
    let gr = rate(g_numerator)?;
    let gy = rate(g_denominator)?;
    Ok((1.0 + gr) / (1.0 + gy) - 1.0)
}

/// The share in `year1` from `s0` in `year0` when the numerator grows at `g_numerator` and the
/// denominator at `g_denominator` a year: S₀ ((1 + g_R) / (1 + g_Y))^n.
///
/// # Errors
/// `s0` not positive, rates ≤ −100 %, `year1 ≤ year0`.
///
/// ```
/// let s = innodex::ratio::project_share(2.0, 0.10, 0.10, 2020, 2025).unwrap();
/// assert!((s - 2.0).abs() < 1e-15);
/// ```
pub fn project_share(
    s0: f64,
    g_numerator: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
) -> Result<f64, RatioError> {
    let s0 = positive("baseline share", s0)?;
    let n = growth::periods(year0, year1)?;
    let gs = share_growth(g_numerator, g_denominator)?;
    Ok(s0 * (1.0 + gs).powi(n as i32))
}

/// The numerator growth that brings the share from `s0` to `s_target` between `year0` and
/// `year1` while the denominator grows at `g_denominator`: (1 + g_Y)(S*/S₀)^(1/n) − 1.
///
/// # Errors
/// Non-positive shares, a denominator rate ≤ −100 %, `year1 ≤ year0`.
///
/// ```
/// // Hand-computed: S 2 → 2.5 in 5 years, GDP +6 %: 1.06 · 1.25^0.2 − 1.
/// let g = innodex::ratio::required_numerator_growth(2.0, 2.5, 0.06, 2020, 2025).unwrap();
/// assert!((g - (1.06 * 1.25f64.powf(0.2) - 1.0)).abs() < 1e-15);
/// ```
pub fn required_numerator_growth(
    s0: f64,
    s_target: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
) -> Result<f64, RatioError> {
    let s0 = positive("baseline share", s0)?;
    let st = positive("target share", s_target)?;
    let gy = rate(g_denominator)?;
    let n = growth::periods(year0, year1)?;
    Ok((1.0 + gy) * (st / s0).powf(1.0 / n as f64) - 1.0)
}

/// Sensitivities of the share in the target year, S_n = S₀ ((1 + g_R)/(1 + g_Y))^n (see
/// [`share_sensitivity`] for an example).
///
/// Elasticities are d ln S_n / d ln x; derivatives are in share units per unit of the input
/// (per 1.0 of a growth rate, so divide by 100 for "per percentage point").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShareSensitivity {
    /// The projected share S_n.
    pub share: f64,
    /// Elasticity to the baseline share: 1.
    pub elasticity_baseline: f64,
    /// Elasticity to the numerator growth rate: n g_R / (1 + g_R).
    pub elasticity_numerator_growth: f64,
    /// Elasticity to the denominator growth rate: −n g_Y / (1 + g_Y).
    pub elasticity_denominator_growth: f64,
    /// dS_n / dS₀ = S_n / S₀.
    pub d_baseline: f64,
    /// dS_n / dg_R = n S_n / (1 + g_R).
    pub d_numerator_growth: f64,
    /// dS_n / dg_Y = −n S_n / (1 + g_Y).
    pub d_denominator_growth: f64,
}

/// Elasticities and derivatives of the target-year share to each input (analytic).
///
/// # Errors
/// As [`project_share`].
///
/// ```
/// let e = innodex::ratio::share_sensitivity(2.0, 0.10, 0.06, 2020, 2025).unwrap();
/// assert_eq!(e.elasticity_baseline, 1.0);
/// assert!((e.elasticity_numerator_growth - 5.0 * 0.10 / 1.10).abs() < 1e-15);
/// // One more percentage point of R&D growth adds about n·S/(1+g_R)/100 to the 2025 share.
/// assert!((e.d_numerator_growth / 100.0 - 5.0 * e.share / 1.10 / 100.0).abs() < 1e-15);
/// ```
pub fn share_sensitivity(
    s0: f64,
    g_numerator: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
) -> Result<ShareSensitivity, RatioError> {
    let s = project_share(s0, g_numerator, g_denominator, year0, year1)?;
    let n = growth::periods(year0, year1)? as f64;
    Ok(ShareSensitivity {
        share: s,
        elasticity_baseline: 1.0,
        elasticity_numerator_growth: n * g_numerator / (1.0 + g_numerator),
        elasticity_denominator_growth: -n * g_denominator / (1.0 + g_denominator),
        d_baseline: s / s0,
        d_numerator_growth: n * s / (1.0 + g_numerator),
        d_denominator_growth: -n * s / (1.0 + g_denominator),
    })
}

pub use crate::projection::methods::LogLinearTrend;

/// The reference trend of a ratio indicator: a [`LogLinearTrend`] fitted to `(years, values)`
/// with its prediction interval, which needs at least three points (two for the line, one for
/// its uncertainty). Years need not be sorted.
///
/// ```
/// // An exact 5 % trend has no residual: the forecast is the trend itself.
/// let years = [2019, 2020, 2021, 2022];
/// let v: Vec<f64> = (0..4).map(|i| 2.0 * 1.05f64.powi(i)).collect();
/// let tr = innodex::ratio::reference_trend(&years, &v).unwrap();
/// assert!((tr.cagr() - 0.05).abs() < 1e-12);
/// assert!((tr.median(2025) - 2.0 * 1.05f64.powi(6)).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`RatioError::Trend`] for fewer than three points, mismatched lengths, every point in one
/// year, or non-positive values.
pub fn reference_trend(years: &[i32], values: &[f64]) -> Result<LogLinearTrend, RatioError> {
    if years.len() != values.len() {
        return Err(RatioError::Trend(
            "years and values differ in length".into(),
        ));
    }
    let m = years.len();
    if m < 3 {
        return Err(RatioError::Trend(format!(
            "need at least 3 points, got {m}"
        )));
    }
    if values.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(RatioError::Trend("values must be positive".into()));
    }
    // The one least-squares fit of the crate (projection::fit::OlsLine) on (year, ln value).
    let x: Vec<f64> = years.iter().map(|&y| y as f64).collect();
    let lv: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let line = crate::projection::fit::OlsLine::fit(&x, &lv).map_err(|e| match e {
        crate::projection::ProjectionError::InvalidInput { problem, .. }
            if problem.contains("equal") =>
        {
            RatioError::Trend("all points in one year".into())
        }
        other => RatioError::Trend(other.to_string()),
    })?;
    Ok(LogLinearTrend { line })
}

/// The `p` quantile of a reference trend's predictive distribution in `year`.
///
/// ```
/// let tr = innodex::ratio::reference_trend(&[2019, 2020, 2021, 2022, 2023], &[2.10, 2.30, 2.34, 2.49, 2.59]).unwrap();
/// let (lo, hi) = (innodex::ratio::reference_quantile(&tr, 2025, 0.05).unwrap(), tr.quantile(2025, 0.95).unwrap());
/// assert!(lo < tr.median(2025) && tr.median(2025) < hi);
/// ```
///
/// # Errors
/// [`RatioError::Probability`] unless 0 < p < 1; [`RatioError::Trend`] for a trend of two
/// points (read from JSON: [`reference_trend`] fits three at least), which has no interval.
pub fn reference_quantile(trend: &LogLinearTrend, year: i32, p: f64) -> Result<f64, RatioError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(RatioError::Probability(p));
    }
    trend.quantile(year, p).ok_or_else(|| {
        RatioError::Trend(format!(
            "a trend of {} points has no prediction interval (three at least)",
            trend.line.n
        ))
    })
}

/// The numerator growth needed to reach the reference's `p` quantile in `year1` (p = 0.5: its
/// trend value; p = 0.9: beat it with 90 % probability under the trend's uncertainty).
///
/// # Errors
/// As [`required_numerator_growth`] and [`reference_quantile`].
///
/// ```
/// use innodex::ratio::{reference_trend, required_numerator_growth_vs_reference};
/// let tr = reference_trend(&[2019, 2020, 2021, 2022, 2023], &[2.10, 2.30, 2.34, 2.49, 2.59]).unwrap();
/// let g50 = required_numerator_growth_vs_reference(2.0, 0.06, 2020, 2025, &tr, 0.5).unwrap();
/// let g90 = required_numerator_growth_vs_reference(2.0, 0.06, 2020, 2025, &tr, 0.9).unwrap();
/// assert!(g90 > g50);
/// ```
pub fn required_numerator_growth_vs_reference(
    s0: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
    reference: &LogLinearTrend,
    p: f64,
) -> Result<f64, RatioError> {
    let target = reference_quantile(reference, year1, p)?;
    required_numerator_growth(s0, target, g_denominator, year0, year1)
}

/// Probability that the share beats the reference in `year1` under a scenario whose growth
/// rates and baseline are uncertain: E[ P(reference < S(year1) | g_R, g_Y, S₀) ], the inner
/// probability from the trend's predictive distribution, the outer mean over a Monte Carlo
/// sample of `n` draws of `scenario` (three inputs, in order: numerator growth, denominator
/// growth, baseline share). Returns the probability and its Monte Carlo standard error.
/// Draws come in chunks seeded from (seed, chunk): identical for any number of threads.
///
/// # Errors
/// A scenario without exactly three inputs, or invalid draws (a rate ≤ −100 %).
///
/// ```
/// use innodex::ratio::{prob_beat_reference, reference_trend};
/// use innodex::sensitivity::{Distribution, Input, Problem};
/// let tr = reference_trend(&[2019, 2020, 2021, 2022, 2023], &[2.10, 2.30, 2.34, 2.49, 2.59]).unwrap();
/// let scen = Problem::new(vec![
///     Input::new("rd_growth", Distribution::Uniform { lower: 0.08, upper: 0.14 }),
///     Input::new("gdp_growth", Distribution::Uniform { lower: 0.04, upper: 0.07 }),
///     Input::new("baseline", Distribution::Uniform { lower: 1.7, upper: 2.1 }),
/// ]).unwrap();
/// let (p, se) = prob_beat_reference(&scen, 2020, 2025, &tr, 20_000, 1).unwrap();
/// assert!(p > 0.0 && p < 1.0 && se < 0.01);
/// ```
pub fn prob_beat_reference(
    scenario: &Problem,
    year0: i32,
    year1: i32,
    reference: &LogLinearTrend,
    n: usize,
    seed: u64,
) -> Result<(f64, f64), RatioError> {
    use crate::sensitivity::{Design, MonteCarloDesign};
    if scenario.len() != 3 {
        return Err(SensitivityError::InvalidProblem(
            "the scenario needs three inputs: numerator growth, denominator growth, baseline share"
                .into(),
        )
        .into());
    }
    growth::periods(year0, year1)?;
    let design = MonteCarloDesign::new(3, n, seed ^ 0x5261_7469_6f00_0000)?;
    const BLOCK: usize = 4096;
    let parts: Vec<Result<(f64, f64), RatioError>> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let rows = BLOCK.min(n - b * BLOCK);
            let mut u = vec![0.0; rows * 3];
            design.fill_unit(b * BLOCK, &mut u);
            scenario.transform_in_place(&mut u, b * BLOCK)?;
            let (mut s, mut s2) = (0.0, 0.0);
            for r in u.chunks_exact(3) {
                let sh = project_share(r[2], r[0], r[1], year0, year1)?;
                let p = reference.prob_below(year1, sh);
                s += p;
                s2 += p * p;
            }
            Ok((s, s2))
        })
        .collect();
    let (mut s, mut s2) = (0.0, 0.0);
    for p in parts {
        let (a, b) = p?;
        s += a;
        s2 += b;
    }
    let nn = n as f64;
    let mean = s / nn;
    let var = (s2 / nn - mean * mean).max(0.0) * nn / (nn - 1.0).max(1.0);
    Ok((mean, (var / nn).sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_holds_on_hand_cases() {
        // (1 + g_S) = (1 + g_R)/(1 + g_Y): 1.12 / 1.05 = 1.0666…
        let g = share_growth(0.12, 0.05).unwrap();
        assert!((1.0 + g - 1.12 / 1.05).abs() < 1e-12);
        assert!(share_growth(-1.0, 0.05).is_err());
    }

    #[test]
    fn trend_rejects_too_few_points() {
        assert!(reference_trend(&[2020, 2021], &[1.0, 2.0]).is_err());
        assert!(reference_trend(&[2020, 2020, 2020], &[1.0, 2.0, 3.0]).is_err());
        // A trend of two points (as JSON may carry) has a median but no interval.
        let line = crate::projection::fit::OlsLine::fit(&[2020.0, 2021.0], &[0.0, 0.1]).unwrap();
        let two = LogLinearTrend { line };
        assert!((two.median(2022) - 0.2f64.exp()).abs() < 1e-12);
        assert!(matches!(
            reference_quantile(&two, 2022, 0.5),
            Err(RatioError::Trend(_))
        ));
        let three = reference_trend(&[2020, 2021, 2022], &[1.0, 1.1, 1.3]).unwrap();
        assert!(
            matches!(reference_quantile(&three, 2023, 1.0), Err(RatioError::Probability(p)) if p == 1.0)
        );
        assert_eq!(
            reference_quantile(&three, 2023, 0.5).unwrap(),
            three.median(2023)
        );
    }
}
