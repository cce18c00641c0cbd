//! Scores of probabilistic forecasts: the continuous ranked probability score (CRPS), the
//! probability integral transform (PIT) and central intervals, for forecasts given as a grid of
//! quantiles ([`GRID`]), as a sample, or as a normal distribution.
//!
//! References: Gneiting and Raftery (2007), "Strictly proper scoring rules, prediction, and
//! estimation", *JASA* 102(477) — the CRPS, its energy form CRPS(F, y) = E|X − y| − ½ E|X − X'|
//! and its closed form for a normal predictive; Laio and Tamea (2007), *HESS* 11 — the CRPS as
//! twice the integral of the quantile (pinball) score over the quantile levels; Dawid (1984)
//! and Gneiting, Balabdaoui and Raftery (2007) — the PIT histogram (flat when calibrated).
//!
//! ```
//! use innodex::projection::backtest::scores::{crps_gaussian, crps_quantiles, grid_levels};
//! // The CRPS of N(0, 1) at y = 0 is 2φ(0) − 1/√π = 0.23370…
//! let q: Vec<f64> = grid_levels().iter()
//!     .map(|&t| innodex::projection::fit::normal_quantile(t)).collect();
//! assert!((crps_gaussian(0.0, 1.0, 0.0) - 0.233695).abs() < 1e-6);
//! assert!((crps_quantiles(&q, 0.0) - 0.233695).abs() < 1e-3);
//! ```

use crate::projection::fit::normal_cdf;

/// Number of quantiles in the grid of every stored predictive distribution: levels
/// i / ([`GRID`] + 1), i = 1 … [`GRID`] (0.005, 0.010, …, 0.995), which holds the bounds of the
/// central 50, 80, 90 and 95 % intervals exactly.
pub const GRID: usize = 199;

/// The quantile levels of the grid: 0.005, 0.010, …, 0.995.
pub fn grid_levels() -> Vec<f64> {
    (1..=GRID).map(|i| i as f64 / (GRID + 1) as f64).collect()
}

/// Index in the grid of quantile level `tau` (rounded to the nearest grid level).
pub fn grid_index(tau: f64) -> usize {
    (((tau * (GRID + 1) as f64).round() as isize - 1).clamp(0, GRID as isize - 1)) as usize
}

/// The median of a grid of quantiles.
pub fn grid_median(q: &[f64]) -> f64 {
    q[GRID / 2]
}

/// Bounds of the central `level` interval of a grid of quantiles (`level` such as 0.5, 0.8,
/// 0.9, 0.95: the levels (1 ∓ level)/2 are on the grid).
pub fn central_interval(q: &[f64], level: f64) -> (f64, f64) {
    (
        q[grid_index((1.0 - level) / 2.0)],
        q[grid_index((1.0 + level) / 2.0)],
    )
}

/// CRPS of a sample (equally weighted draws) by the energy form
/// E|X − y| − ½ E|X − X'| (Gneiting and Raftery 2007, eq. 21), computed exactly in
/// O(n log n) from the sorted sample: E|X − X'| = 2/n² Σᵢ (2i − n − 1) x₍ᵢ₎.
///
/// ```
/// use innodex::projection::backtest::scores::crps_sample;
/// // Sample {0, 1}, y = 0: E|X − y| = 0.5, E|X − X'| = 0.5, CRPS = 0.25.
/// assert!((crps_sample(&[0.0, 1.0], 0.0) - 0.25).abs() < 1e-15);
/// ```
pub fn crps_sample(sample: &[f64], y: f64) -> f64 {
    let n = sample.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut x = sample.to_vec();
    x.sort_by(f64::total_cmp);
    let nf = n as f64;
    let e_xy = x.iter().map(|v| (v - y).abs()).sum::<f64>() / nf;
    let e_xx = x
        .iter()
        .enumerate()
        .map(|(i, v)| (2.0 * (i + 1) as f64 - nf - 1.0) * v)
        .sum::<f64>()
        * 2.0
        / (nf * nf);
    e_xy - 0.5 * e_xx
}

/// CRPS of a normal predictive N(μ, σ²) at `y`, closed form (Gneiting and Raftery 2007,
/// eq. 5): σ [z (2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ.
///
/// ```
/// use innodex::projection::backtest::scores::crps_gaussian;
/// // σ = 0 is the absolute error.
/// assert_eq!(crps_gaussian(1.0, 0.0, 3.0), 2.0);
/// ```
pub fn crps_gaussian(mu: f64, sigma: f64, y: f64) -> f64 {
    if sigma <= 0.0 {
        return (y - mu).abs();
    }
    let z = (y - mu) / sigma;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    sigma * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * pdf - 1.0 / std::f64::consts::PI.sqrt())
}

/// CRPS of a forecast given by its quantiles on the grid ([`grid_levels`]), as twice the
/// integral over τ of the quantile score (1{y < q_τ} − τ)(q_τ − y) (Laio and Tamea 2007),
/// by the trapezoidal rule on the grid; the tails beyond 0.5 % and 99.5 % are left out (for a
/// normal predictive the result is within 0.1 % of the closed form, tested).
pub fn crps_quantiles(q: &[f64], y: f64) -> f64 {
    let taus = grid_levels();
    let qs: Vec<f64> = q
        .iter()
        .zip(&taus)
        .map(|(&qv, &t)| {
            let ind = if y < qv { 1.0 } else { 0.0 };
            (ind - t) * (qv - y)
        })
        .collect();
    let dt = 1.0 / (GRID + 1) as f64;
    // Trapezoid inside the grid, plus the half-cells at each end (rectangles).
    let inner: f64 = qs.windows(2).map(|w| 0.5 * (w[0] + w[1]) * dt).sum();
    2.0 * (inner + qs[0] * dt + qs[GRID - 1] * dt)
}

/// The PIT value F(y) of a forecast given by its grid quantiles: linear interpolation of the
/// distribution function between grid points (exact to within one grid step, 0.005); below the
/// lowest quantile 0.0025, above the highest 0.9975; on a run of tied quantiles, the middle of
/// their levels.
pub fn pit_quantiles(q: &[f64], y: f64) -> f64 {
    let taus = grid_levels();
    let step = 1.0 / (GRID + 1) as f64;
    if y < q[0] {
        return step / 2.0;
    }
    if y > q[GRID - 1] {
        return 1.0 - step / 2.0;
    }
    let lo = q.partition_point(|&v| v < y);
    let hi = q.partition_point(|&v| v <= y);
    if hi > lo {
        // y equals the quantiles lo..hi.
        return 0.5 * (taus[lo] + taus[hi - 1]);
    }
    // q[lo - 1] < y < q[lo]
    let (a, b) = (q[lo - 1], q[lo]);
    taus[lo - 1] + step * (y - a) / (b - a)
}

/// Counts of PIT values in `bins` equal bins of [0, 1].
///
/// ```
/// use innodex::projection::backtest::scores::pit_histogram;
/// assert_eq!(pit_histogram(&[0.05, 0.15, 0.95, 1.0], 10), vec![1, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
/// ```
pub fn pit_histogram(pit: &[f64], bins: usize) -> Vec<usize> {
    let mut h = vec![0; bins];
    for &p in pit {
        let i = ((p * bins as f64).floor() as usize).min(bins - 1);
        h[i] += 1;
    }
    h
}
