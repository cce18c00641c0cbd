//! The conformal arithmetic: non-conformity scores and their finite-sample ranks, and the two
//! ways of turning them into calibrated intervals ([`Conformal`]).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a calibrated interval is built from the learning forecasts' scores.
///
/// - [`Conformal::TwoSided`] (the default): the **signed** score t (positive above the
///   median, in units of the upper half-interval; negative below, in units of the lower one)
///   and two one-sided ranks: at level p = 1 − α the calibrated interval runs from the point at
///   signed position t_lo = the ⌊(n + 1) α/2⌋-th smallest score to t_hi = the
///   ⌈(n + 1)(1 − α/2)⌉-th smallest. Each tail then misses at most α/2 of new values, so the
///   coverage is at least p (Romano, Patterson and Candès 2019, "Conformalized quantile
///   regression", *NeurIPS* 32, the asymmetric variant of their §3; Lei et al. 2018 §2). A
///   forecast that is biased (most actual values above the median, as a linear trend of an
///   exponentially growing series) is moved, not only widened.
/// - [`Conformal::Symmetric`]: one rank of the unsigned score |t|, k = the
///   ⌈(n + 1) p⌉-th smallest, and the interval stretched by k on both sides: positions
///   (−k, k). Needs fewer forecasts (n ≥ 1/α − 1 instead of 2/α − 1 for a finite bound) but
///   cannot correct a bias.
///
/// ```
/// use innodex::projection::calibration::Conformal;
/// assert_eq!("two-sided".parse::<Conformal>().unwrap(), Conformal::TwoSided);
/// assert_eq!("symmetric".parse::<Conformal>().unwrap(), Conformal::Symmetric);
/// assert!("sym".parse::<Conformal>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conformal {
    /// Two one-sided ranks of the signed score (moves and widens).
    #[default]
    TwoSided,
    /// One rank of the unsigned score (widens or narrows both sides alike).
    Symmetric,
}

impl Conformal {
    /// The name used in files, the CLI and Python (`two_sided`, `symmetric`).
    pub fn name(self) -> &'static str {
        match self {
            Conformal::TwoSided => "two_sided",
            Conformal::Symmetric => "symmetric",
        }
    }

    /// The signed positions (lower, upper) of the level-`p` calibrated interval learnt from
    /// the signed scores `t` (see the type's docs). NaN for no scores.
    ///
    /// ```
    /// use innodex::projection::calibration::Conformal;
    /// // 19 signed scores −0.9, −0.8, …, 0.9: at 80 % (α/2 = 0.1) the ⌊2⌋nd and ⌈18⌉th smallest.
    /// let t: Vec<f64> = (-9..=9).map(|i| f64::from(i) / 10.0).collect();
    /// assert_eq!(Conformal::TwoSided.positions(&t, 0.8), (-0.8, 0.8));
    /// // Scores all above the median (a biased forecast): two-sided moves the interval up,
    /// // symmetric widens it both ways by the 16th smallest |t| (⌈20 · 0.8⌉).
    /// let up: Vec<f64> = (1..=19).map(|i| f64::from(i) / 10.0).collect();
    /// assert_eq!(Conformal::TwoSided.positions(&up, 0.8), (0.2, 1.8));
    /// assert_eq!(Conformal::Symmetric.positions(&up, 0.8), (-1.6, 1.6));
    /// ```
    pub fn positions(self, t: &[f64], p: f64) -> (f64, f64) {
        match self {
            Conformal::TwoSided => {
                let a = (1.0 - p) / 2.0;
                (conformal_lower(t, a), conformal_factor(t, 1.0 - a))
            }
            Conformal::Symmetric => {
                let s: Vec<f64> = t.iter().map(|x| x.abs()).collect();
                let k = conformal_factor(&s, p);
                (-k, k)
            }
        }
    }
}

impl FromStr for Conformal {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "two_sided" | "two-sided" => Ok(Conformal::TwoSided),
            "symmetric" => Ok(Conformal::Symmetric),
            _ => Err(format!(
                "unknown conformal scheme `{}` (two_sided, symmetric)",
                crate::io::excerpt(s, 40)
            )),
        }
    }
}

/// The signed non-conformity score of actual `y` for a forecast with median `m` and interval
/// [`lo`, `hi`]: ln(y/m)/ln(hi/m) at or above the median, −ln(m/y)/ln(m/lo) below it (y is
/// inside exactly when −1 ≤ t ≤ 1). ±∞ when y is off a side of zero width; a lower bound ≤ 0
/// is infinitely far in log terms (score 0 below the median).
///
/// ```
/// use innodex::projection::calibration::signed_score;
/// // m = 100, interval [100/1.1, 110]: y = 121 is two upper half-widths up, 100/1.21 two down.
/// assert!((signed_score(100.0 / 1.1, 100.0, 110.0, 121.0) - 2.0).abs() < 1e-12);
/// assert!((signed_score(100.0 / 1.1, 100.0, 110.0, 100.0 / 1.21) + 2.0).abs() < 1e-12);
/// ```
pub fn signed_score(lo: f64, m: f64, hi: f64, y: f64) -> f64 {
    if y == m {
        return 0.0;
    }
    if y > m {
        let d = (hi / m).ln();
        if d > 0.0 {
            (y / m).ln() / d
        } else {
            f64::INFINITY
        }
    } else {
        if lo <= 0.0 {
            return 0.0;
        }
        let d = (m / lo).ln();
        if d > 0.0 {
            -(m / y).ln() / d
        } else {
            f64::NEG_INFINITY
        }
    }
}

/// The unsigned (normalised) score |[`signed_score`]|: the log-distance of y from the median
/// in units of that side's half-interval; y is inside exactly when it is ≤ 1.
///
/// ```
/// use innodex::projection::calibration::normalised_score;
/// assert!((normalised_score(80.0, 100.0, 125.0, 90.0) - 0.472_164_7).abs() < 1e-6);
/// ```
pub fn normalised_score(lo: f64, m: f64, hi: f64, y: f64) -> f64 {
    signed_score(lo, m, hi, y).abs()
}

/// The split-conformal upper quantile: the ⌈(n + 1) p⌉-th smallest of `scores`, +∞ when that
/// rank exceeds n (too few scores for level p), NaN for no scores.
///
/// ```
/// use innodex::projection::calibration::conformal_factor;
/// let s = [0.3, 0.1, 0.7, 0.5];
/// assert_eq!(conformal_factor(&s, 0.5), 0.5);   // ⌈5 · 0.5⌉ = 3rd smallest
/// assert_eq!(conformal_factor(&s, 0.9), f64::INFINITY); // ⌈4.5⌉ = 5 > 4
/// ```
pub fn conformal_factor(scores: &[f64], p: f64) -> f64 {
    let n = scores.len();
    if n == 0 {
        return f64::NAN;
    }
    // ⌈(n + 1) p⌉ with a guard against 0.8 · 10 = 8.000000000000002.
    let r = (((n + 1) as f64 * p) - 1e-9).ceil() as usize;
    if r > n {
        return f64::INFINITY;
    }
    let mut s = scores.to_vec();
    s.sort_by(f64::total_cmp);
    s[r.max(1) - 1]
}

/// The split-conformal lower quantile: the ⌊(n + 1) a⌋-th smallest of `scores`, −∞ when that
/// rank is below 1 (too few scores for tail a), NaN for no scores. A new exchangeable score
/// falls below it with probability at most a.
///
/// ```
/// use innodex::projection::calibration::conformal_lower;
/// let s = [0.3, 0.1, 0.7, 0.5, 0.9, 0.2, 0.4, 0.8, 0.6]; // n = 9
/// assert_eq!(conformal_lower(&s, 0.1), 0.1);               // ⌊10 · 0.1⌋ = 1st smallest
/// assert_eq!(conformal_lower(&s, 0.25), 0.2);              // ⌊2.5⌋ = 2nd
/// assert_eq!(conformal_lower(&s, 0.05), f64::NEG_INFINITY); // ⌊0.5⌋ = 0
/// ```
pub fn conformal_lower(scores: &[f64], a: f64) -> f64 {
    let n = scores.len();
    if n == 0 {
        return f64::NAN;
    }
    // ⌊(n + 1) a⌋ with a guard against 0.1 · 10 = 0.9999999999999999.
    let r = (((n + 1) as f64 * a) + 1e-9).floor() as usize;
    if r < 1 {
        return f64::NEG_INFINITY;
    }
    let mut s = scores.to_vec();
    s.sort_by(f64::total_cmp);
    s[r.min(n) - 1]
}
