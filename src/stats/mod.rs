//! The one statistics layer: the crate's one distribution type ([`Distribution`]) and the
//! descriptive statistics used throughout the pipeline. Missing values are `NaN` and are
//! skipped by every function here unless stated otherwise.
//!
//! Skewness and kurtosis are the bias-adjusted sample statistics of Excel's `SKEW` and `KURT`
//! (Joanes & Gill 1998, types G1 and G2; e1071 `type = 2`), which COINr and the GII use to
//! flag outliers:
//!
//! * G1 = n / ((n − 1)(n − 2)) · Σ ((xᵢ − x̄) / s)³
//! * G2 = n(n + 1) / ((n − 1)(n − 2)(n − 3)) · Σ ((xᵢ − x̄) / s)⁴ − 3 (n − 1)² / ((n − 2)(n − 3))
//!
//! with s the sample standard deviation (divisor n − 1).
//!
//! ```
//! use innodex::stats::{skewness, kurtosis};
//! // A hand-checked vector: mean 4, deviations −3, −2, −1, 0, 6.
//! let x = [1.0, 2.0, 3.0, 4.0, 10.0];
//! assert!((skewness(&x) - 1.2 * 2f64.sqrt()).abs() < 1e-12);
//! assert!((kurtosis(&x) - 3.152).abs() < 1e-12);
//! ```

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

pub mod distribution;
pub use distribution::{Distribution, beta_quantile};

/// The non-missing values of `x`.
pub fn present(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| !v.is_nan()).collect()
}

/// Number of non-missing values.
pub fn count(x: &[f64]) -> usize {
    x.iter().filter(|v| !v.is_nan()).count()
}

/// Arithmetic mean of the non-missing values (`NaN` if none).
pub fn mean(x: &[f64]) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for &v in x {
        if !v.is_nan() {
            s += v;
            n += 1;
        }
    }
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Sample variance (divisor n − 1) of the non-missing values (`NaN` if fewer than two).
pub fn variance(x: &[f64]) -> f64 {
    variance_about(x, mean(x))
}

/// [`variance`] given the mean `m` of the non-missing values, for a caller that has it already.
///
/// ```
/// use innodex::stats::{mean, variance, variance_about};
/// let x = [1.0, 2.0, f64::NAN, 6.0];
/// assert_eq!(variance_about(&x, mean(&x)), variance(&x));
/// assert_eq!(variance(&x), 7.0);
/// ```
pub fn variance_about(x: &[f64], m: f64) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for &v in x {
        if !v.is_nan() {
            s += (v - m) * (v - m);
            n += 1;
        }
    }
    if n < 2 { f64::NAN } else { s / (n - 1) as f64 }
}

/// Sample standard deviation (divisor n − 1).
pub fn sd(x: &[f64]) -> f64 {
    variance(x).sqrt()
}

/// Minimum and maximum of the non-missing values (`(NaN, NaN)` if none).
///
/// ```
/// use innodex::stats::min_max;
/// let x = [3.0, f64::NAN, -1.5, 9.0, 2.0, 0.0, 4.0, 8.5, f64::NAN, 7.0];
/// assert_eq!(min_max(&x), (-1.5, 9.0));
/// assert!(min_max(&[f64::NAN]).0.is_nan());
/// ```
pub fn min_max(x: &[f64]) -> (f64, f64) {
    // Comparisons skip NaN (it compares false) and are exact in any order, so eight lanes fold
    // at once and the compiler keeps them in vector registers.
    let (mut lo, mut hi) = ([f64::INFINITY; 8], [f64::NEG_INFINITY; 8]);
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for j in 0..8 {
            lo[j] = if c[j] < lo[j] { c[j] } else { lo[j] };
            hi[j] = if c[j] > hi[j] { c[j] } else { hi[j] };
        }
    }
    let (mut l, mut h) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in lo.iter().chain(chunks.remainder()) {
        l = if v < l { v } else { l };
    }
    for &v in hi.iter().chain(chunks.remainder()) {
        h = if v > h { v } else { h };
    }
    if l > h { (f64::NAN, f64::NAN) } else { (l, h) }
}

/// Sums of squared, cubed and fourth-power deviations from the mean, and n.
fn central_sums(x: &[f64]) -> (f64, f64, f64, usize) {
    let m = mean(x);
    let (mut s2, mut s3, mut s4, mut n) = (0.0, 0.0, 0.0, 0usize);
    for &v in x {
        if !v.is_nan() {
            let d = v - m;
            let d2 = d * d;
            s2 += d2;
            s3 += d2 * d;
            s4 += d2 * d2;
            n += 1;
        }
    }
    (s2, s3, s4, n)
}

/// Bias-adjusted sample skewness (Excel `SKEW`); `NaN` for fewer than 3 values or a constant
/// vector.
///
/// ```
/// use innodex::stats::skewness;
/// assert!((skewness(&[1.0, 2.0, 3.0, 4.0, 10.0]) - 1.697056274847714).abs() < 1e-12);
/// assert!(skewness(&[1.0, 1.0, 1.0]).is_nan());
/// ```
pub fn skewness(x: &[f64]) -> f64 {
    skewness_kurtosis(x).0
}

/// Bias-adjusted sample excess kurtosis (Excel `KURT`); `NaN` for fewer than 4 values or a
/// constant vector.
///
/// ```
/// use innodex::stats::kurtosis;
/// assert!((kurtosis(&[1.0, 2.0, 3.0, 4.0, 10.0]) - 3.152).abs() < 1e-12);
/// ```
pub fn kurtosis(x: &[f64]) -> f64 {
    skewness_kurtosis(x).1
}

/// Skewness and kurtosis together ([`skewness`], [`kurtosis`]) in two passes over the data.
pub fn skewness_kurtosis(x: &[f64]) -> (f64, f64) {
    let (s2, s3, s4, n) = central_sums(x);
    let nf = n as f64;
    let skew = if n < 3 || s2 == 0.0 {
        f64::NAN
    } else {
        nf.sqrt() * s3 / s2.powf(1.5) * (nf * (nf - 1.0)).sqrt() / (nf - 2.0)
    };
    let kurt = if n < 4 || s2 == 0.0 {
        f64::NAN
    } else {
        let r = nf * s4 / (s2 * s2);
        ((nf + 1.0) * (r - 3.0) + 6.0) * (nf - 1.0) / ((nf - 2.0) * (nf - 3.0))
    };
    (skew, kurt)
}

/// Median of the non-missing values (`NaN` if none).
pub fn median(x: &[f64]) -> f64 {
    quantile(x, 0.5)
}

/// Quantile of the non-missing values by linear interpolation between order statistics
/// (Hyndman & Fan 1996 type 7, R's default): h = (n − 1) p.
///
/// ```
/// use innodex::stats::quantile;
/// let x = [4.0, 1.0, 3.0, 2.0, f64::NAN];
/// assert_eq!(quantile(&x, 0.5), 2.5);
/// assert!((quantile(&x, 0.05) - 1.15).abs() < 1e-12);
/// ```
pub fn quantile(x: &[f64], p: f64) -> f64 {
    let mut v = present(x);
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, p)
}

/// Type-7 quantile of an already sorted slice without missing values.
pub fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Which way [`rank`] counts: rank 1 is the lowest or the highest value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The lowest value first.
    Ascending,
    /// The highest value first.
    Descending,
}

/// What tied values get (R's `ties.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// The best rank of the group (`"min"`: "sport" ranking, 1, 2, 2, 4).
    Min,
    /// The mean rank of the group (`"average"`: 1, 2.5, 2.5, 4).
    Average,
}

/// Ranks of `x` (missing values get `NaN`), R's `rank(x, ties.method = …)` for
/// [`Order::Ascending`] and `rank(-x, …)` for [`Order::Descending`].
///
/// ```
/// use innodex::stats::{rank, Order, Ties};
/// let x = [10.0, 20.0, 10.0, 5.0, f64::NAN];
/// let r = rank(&x, Order::Ascending, Ties::Average);
/// assert_eq!(&r[..4], &[2.5, 4.0, 2.5, 1.0]);
/// assert!(r[4].is_nan());
/// assert_eq!(&rank(&x, Order::Ascending, Ties::Min)[..4], &[2.0, 4.0, 2.0, 1.0]);
/// assert_eq!(&rank(&x, Order::Descending, Ties::Min)[..4], &[2.0, 1.0, 2.0, 4.0]);
/// ```
pub fn rank(x: &[f64], order: Order, ties: Ties) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len()];
    rank_into(x, order, ties, &mut out, &mut Vec::with_capacity(x.len()));
    out
}

/// [`rank`] writing into `out`, using `idx` as scratch space (no allocation when reused).
pub fn rank_into(x: &[f64], order: Order, ties: Ties, out: &mut [f64], idx: &mut Vec<usize>) {
    idx.clear();
    idx.extend((0..x.len()).filter(|&i| !x[i].is_nan()));
    match order {
        Order::Ascending => idx.sort_by(|&a, &b| x[a].total_cmp(&x[b])),
        Order::Descending => idx.sort_by(|&a, &b| x[b].total_cmp(&x[a])),
    }
    out.fill(f64::NAN);
    let mut k = 0;
    while k < idx.len() {
        // The tied group is idx[k..j].
        let v = x[idx[k]];
        let mut j = k + 1;
        while j < idx.len() && x[idx[j]] == v {
            j += 1;
        }
        let r = match ties {
            Ties::Min => (k + 1) as f64,
            Ties::Average => (k + j - 1) as f64 / 2.0 + 1.0,
        };
        for &i in &idx[k..j] {
            out[i] = r;
        }
        k = j;
    }
}

/// Ranks with the highest value first and ties sharing the best rank ("sport" or `min`
/// ranking, R's `rank(-x, ties.method = "min")`); missing values get `NaN`.
///
/// ```
/// use innodex::stats::rank_desc;
/// let r = rank_desc(&[3.0, 5.0, 3.0, f64::NAN, 1.0]);
/// assert_eq!((r[0], r[1], r[2], r[4]), (2.0, 1.0, 2.0, 4.0));
/// assert!(r[3].is_nan());
/// ```
pub fn rank_desc(x: &[f64]) -> Vec<f64> {
    rank(x, Order::Descending, Ties::Min)
}

/// [`rank_desc`] writing into `out`, using `idx` as scratch space (no allocation when reused).
pub fn rank_desc_into(x: &[f64], out: &mut [f64], idx: &mut Vec<usize>) {
    rank_into(x, Order::Descending, Ties::Min, out, idx);
}

/// Ranks with the lowest value first and ties averaged (for Spearman's correlation);
/// missing values get `NaN`.
pub fn rank_avg(x: &[f64]) -> Vec<f64> {
    rank(x, Order::Ascending, Ties::Average)
}

/// Pearson's correlation over the pairs where both values are present (`NaN` if fewer than
/// three pairs or a constant variable).
///
/// ```
/// use innodex::stats::pearson;
/// assert!((pearson(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0, 8.5]) - 0.9983814394570298).abs() < 1e-12);
/// ```
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pairs.len() < 3 {
        return f64::NAN;
    }
    let n = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// Spearman's rank correlation: Pearson's correlation of average ranks, over the pairs where
/// both values are present.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let keep: Vec<usize> = (0..x.len().min(y.len()))
        .filter(|&i| !x[i].is_nan() && !y[i].is_nan())
        .collect();
    let xs: Vec<f64> = keep.iter().map(|&i| x[i]).collect();
    let ys: Vec<f64> = keep.iter().map(|&i| y[i]).collect();
    pearson(&rank_avg(&xs), &rank_avg(&ys))
}

// ------------------------------------------------------------------ linear algebra

/// The lower-triangular Cholesky factor L (row-major `m × m`, A = L Lᵀ) of a symmetric
/// positive-definite matrix `a` (row-major `m × m`; only its lower triangle is read), or `None`
/// when a pivot falls to 1e-12 or below (not positive definite, or too close to singular for
/// sampling). The Cholesky–Banachiewicz order, row by row; used by the Monte Carlo projection's
/// correlated groups and by the Gaussian copula of the Shapley effects.
///
/// ```
/// let l = innodex::stats::cholesky(&[4.0, 2.0, 2.0, 5.0], 2).unwrap();
/// assert_eq!(l, vec![2.0, 0.0, 1.0, 2.0]);
/// assert!(innodex::stats::cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none()); // singular
/// ```
pub fn cholesky(a: &[f64], m: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * m + k] * l[j * m + k]).sum();
            if i == j {
                let d = a[i * m + i] - s;
                if d.is_nan() || d <= 1e-12 {
                    return None;
                }
                l[i * m + i] = d.sqrt();
            } else {
                l[i * m + j] = (a[i * m + j] - s) / l[j * m + j];
            }
        }
    }
    Some(l)
}

/// Solves A x = b in place for A = L Lᵀ, given the Cholesky factor `l` of [`cholesky`]
/// (`m × m`): forward substitution with L, then back substitution with Lᵀ.
///
/// ```
/// use innodex::stats::{cholesky, cholesky_solve};
/// let a = [4.0, 2.0, 2.0, 5.0];
/// let l = cholesky(&a, 2).unwrap();
/// let mut x = [8.0, 9.0];
/// cholesky_solve(&l, 2, &mut x);
/// assert!((4.0 * x[0] + 2.0 * x[1] - 8.0).abs() < 1e-12);
/// assert!((2.0 * x[0] + 5.0 * x[1] - 9.0).abs() < 1e-12);
/// ```
pub fn cholesky_solve(l: &[f64], m: usize, b: &mut [f64]) {
    for i in 0..m {
        let s: f64 = (0..i).map(|k| l[i * m + k] * b[k]).sum();
        b[i] = (b[i] - s) / l[i * m + i];
    }
    for i in (0..m).rev() {
        let s: f64 = (i + 1..m).map(|k| l[k * m + i] * b[k]).sum();
        b[i] = (b[i] - s) / l[i * m + i];
    }
}

// ------------------------------------------------------------------ distributions

/// The standard normal quantile Φ⁻¹(p), for 0 < p < 1.
///
/// ```
/// let z = innodex::stats::normal_quantile(0.95);
/// assert!((z - 1.6448536269514722).abs() < 1e-9);
/// ```
///
/// Returns NaN (never panics) for p outside [0, 1] or NaN.
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    Normal::standard().inverse_cdf(p)
}

/// The standard normal distribution function Φ(z) = erfc(−z/√2) / 2.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// The Student-t quantile with `df` degrees of freedom; `None` unless df > 0 and 0 < p < 1.
///
/// ```
/// // t(0.95; 4) = 2.131847 (standard tables).
/// let t = innodex::stats::t_quantile(0.95, 4.0).unwrap();
/// assert!((t - 2.131847).abs() < 1e-6);
/// ```
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(df > 0.0 && p > 0.0 && p < 1.0) {
        return None;
    }
    StudentsT::new(0.0, 1.0, df).ok().map(|t| t.inverse_cdf(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_avg_ties() {
        assert_eq!(rank_avg(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
    }

    #[test]
    fn quantile_type7_matches_r() {
        // R: quantile(1:10, c(.05, .95)) = 1.45, 9.55
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile(&x, 0.05) - 1.45).abs() < 1e-12);
        assert!((quantile(&x, 0.95) - 9.55).abs() < 1e-12);
    }
}
