//! Outlier treatment as COINr's `Treat` does it (OECD/JRC Handbook 2008, §1.5; COINr
//! documentation, "Outlier treatment"; GII technical notes).
//!
//! For each indicator (missing values ignored):
//!
//! 1. **Check**: the indicator *fails* when |skewness| ≥ `skew` **and** kurtosis ≥ `kurt`
//!    (bias-adjusted sample statistics as Excel's `SKEW` and `KURT`, see
//!    [`crate::index::stats`]; defaults 2 and 3.5, the GII uses 2.25 for skewness).
//! 2. **Winsorise** while it fails and fewer than `winmax` points have been winsorised: if the
//!    skewness is ≥ 0 the point(s) holding the maximum are set to the largest remaining value
//!    (the next one down), otherwise the point(s) at the minimum are set to the next one up.
//!    Ties move together, so each step can winsorise several points; the count is that of
//!    COINr (`length(imax) + length(imin)` of the last step on each side — winsorised points
//!    stay tied at the extreme, so this is the running total).
//! 3. **Transform** if it still fails: by default the *original* column (not the winsorised
//!    one; `combine = true` applies it to the winsorised column) is replaced by a transform:
//!    * `log_ct` — COINr's default: ln(x − min + 0.01 (max − min));
//!    * `log_ct_orig` — the COIN Tool's ln(x − min + 1);
//!    * `log_gii` — the GII's scaled log ln((M − 1)(x − min)/(max − min) + 1), M = max(x)
//!      unless `upper` is given, mapping [min, max] onto [0, ln M]. Done right: COINr's
//!      `log_GII` computes this but returns the untransformed vector, and for M ≤ 1 the formula
//!      reverses or collapses the indicator; innodex returns the transformed values and refuses
//!      M ≤ 1 with an error naming the indicator;
//!    * `box_cox` — (y^λ − 1)/λ (ln y for λ = 0) on y = x − min + 1 (COINr `boxcox`);
//!    * `none` — leave the column winsorised.
//!
//! If the statistics cannot be computed (fewer than four values, or a column made constant by
//! winsorisation), COINr returns the column untreated; so does innodex, and says so.
//! Every treated point is recorded with its value before and after.
//!
//! ```
//! use innodex::index::treat::{treat_column, TreatParams, Transform};
//! // COINr's own example: 1..10 with two outliers (skewness 3.06, kurtosis 9.74). Moving 100
//! // down to the next value, 30, is enough (skewness 1.71 < 2).
//! let mut x: Vec<f64> = (1..=10).map(f64::from).collect();
//! x.extend([30.0, 100.0]);
//! let p = TreatParams { winmax: 5, skew: 2.0, kurt: 3.5, fallback: Transform::LogCt, combine: false };
//! let t = treat_column(&x, &p).unwrap();
//! assert_eq!(t.passed_before, Some(false));
//! assert_eq!(t.n_winsorised, 1);
//! assert_eq!(&t.values[10..], &[30.0, 30.0]);
//! assert_eq!(t.passed_after, Some(true));
//! assert_eq!(t.points.len(), 1);
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats;

/// A transformation applied when winsorisation does not bring an indicator within the limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// ln(x − min + 0.01 (max − min)) (COINr `log_CT`, the default).
    LogCt,
    /// ln(x − min + 1) (COIN Tool, COINr `log_CT_orig`).
    LogCtOrig,
    /// The GII's scaled log ln((M − 1)(x − min)/(max − min) + 1).
    LogGii {
        /// M; the column's maximum when absent. Must exceed 1.
        #[serde(default)]
        upper: Option<f64>,
    },
    /// Box-Cox on x − min + 1.
    BoxCox {
        /// λ.
        lambda: f64,
    },
    /// No transformation (winsorisation only).
    None,
}

impl Transform {
    /// A short label.
    pub fn label(&self) -> String {
        match self {
            Transform::LogCt => "log_ct".into(),
            Transform::LogCtOrig => "log_ct_orig".into(),
            Transform::LogGii { .. } => "log_gii".into(),
            Transform::BoxCox { lambda } => format!("box_cox(λ={lambda})"),
            Transform::None => "none".into(),
        }
    }

    /// Applies the transform to a column (missing values stay missing).
    ///
    /// # Errors
    /// A reason string when the transform is undefined for the column (GII log with M ≤ 1).
    pub fn apply(&self, x: &[f64]) -> Result<Vec<f64>, String> {
        let (lo, hi) = stats::min_max(x);
        Ok(match self {
            Transform::LogCt => {
                let a = 0.01 * (hi - lo);
                x.iter().map(|&v| (v - lo + a).ln()).collect()
            }
            Transform::LogCtOrig => x.iter().map(|&v| (v - lo + 1.0).ln()).collect(),
            Transform::LogGii { upper } => {
                let m = upper.unwrap_or(hi);
                if m.is_nan() || m <= 1.0 || !m.is_finite() {
                    return Err(format!(
                        "the GII scaled log needs an upper value M > 1 (got {m}); it would reverse or collapse the indicator — set `upper` or use log_ct"
                    ));
                }
                if hi == lo {
                    return Err("the GII scaled log of a constant column is undefined".into());
                }
                x.iter()
                    .map(|&v| ((m - 1.0) * (v - lo) / (hi - lo) + 1.0).ln())
                    .collect()
            }
            Transform::BoxCox { lambda } => x
                .iter()
                .map(|&v| {
                    let y = v - lo + 1.0;
                    if *lambda == 0.0 {
                        y.ln()
                    } else {
                        (y.powf(*lambda) - 1.0) / lambda
                    }
                })
                .collect(),
            Transform::None => x.to_vec(),
        })
    }
}

fn d_winmax() -> usize {
    5
}
fn d_skew() -> f64 {
    2.0
}
fn d_kurt() -> f64 {
    3.5
}
fn d_fallback() -> Transform {
    Transform::LogCt
}

/// Per-indicator exceptions to the treatment settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatOverride {
    /// Leave this indicator untreated.
    #[serde(default)]
    pub skip: bool,
    /// Maximum number of winsorised points.
    #[serde(default)]
    pub winmax: Option<usize>,
    /// Skewness threshold.
    #[serde(default)]
    pub skew: Option<f64>,
    /// Kurtosis threshold.
    #[serde(default)]
    pub kurt: Option<f64>,
    /// Transform after winsorisation.
    #[serde(default)]
    pub fallback: Option<Transform>,
}

/// Treatment settings (defaults as COINr: 5 points, skewness 2, kurtosis 3.5, then `log_ct`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatSpec {
    /// Maximum number of winsorised points per indicator.
    #[serde(default = "d_winmax")]
    pub winmax: usize,
    /// Absolute skewness threshold.
    #[serde(default = "d_skew")]
    pub skew: f64,
    /// Kurtosis threshold.
    #[serde(default = "d_kurt")]
    pub kurt: f64,
    /// Transform if winsorisation is not enough.
    #[serde(default = "d_fallback")]
    pub fallback: Transform,
    /// Apply the transform to the winsorised column rather than the original.
    #[serde(default)]
    pub combine: bool,
    /// Per-indicator exceptions.
    #[serde(default)]
    pub indicators: BTreeMap<String, TreatOverride>,
}

impl Default for TreatSpec {
    fn default() -> Self {
        TreatSpec {
            winmax: d_winmax(),
            skew: d_skew(),
            kurt: d_kurt(),
            fallback: d_fallback(),
            combine: false,
            indicators: BTreeMap::new(),
        }
    }
}

impl TreatSpec {
    /// Settings for one indicator (none if skipped).
    pub fn params_for(&self, code: &str) -> Option<TreatParams> {
        let base = TreatParams {
            winmax: self.winmax,
            skew: self.skew,
            kurt: self.kurt,
            fallback: self.fallback.clone(),
            combine: self.combine,
        };
        match self.indicators.get(code) {
            None => Some(base),
            Some(o) if o.skip => None,
            Some(o) => Some(TreatParams {
                winmax: o.winmax.unwrap_or(base.winmax),
                skew: o.skew.unwrap_or(base.skew),
                kurt: o.kurt.unwrap_or(base.kurt),
                fallback: o.fallback.clone().unwrap_or(base.fallback),
                combine: base.combine,
            }),
        }
    }
}

/// Resolved settings for one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatParams {
    /// Maximum number of winsorised points.
    pub winmax: usize,
    /// Absolute skewness threshold.
    pub skew: f64,
    /// Kurtosis threshold.
    pub kurt: f64,
    /// Transform if winsorisation is not enough.
    pub fallback: Transform,
    /// Transform the winsorised column rather than the original.
    pub combine: bool,
}

/// How a point was treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointTreatment {
    /// Lowered to the next value down.
    WinsorisedHigh,
    /// Raised to the next value up.
    WinsorisedLow,
    /// Transformed (every point of the column).
    Transformed,
}

/// One treated point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatedPoint {
    /// Row (unit position in the data set treated).
    pub row: usize,
    /// Value before treatment.
    pub before: f64,
    /// Value after treatment.
    pub after: f64,
    /// What was done.
    pub how: PointTreatment,
}

/// The record of one indicator's treatment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnTreatment {
    /// The treated column.
    pub values: Vec<f64>,
    /// Skewness before treatment.
    pub skew_before: f64,
    /// Kurtosis before treatment.
    pub kurt_before: f64,
    /// Whether it passed before treatment (none if undefined).
    pub passed_before: Option<bool>,
    /// Points winsorised.
    pub n_winsorised: usize,
    /// The transform applied, if any.
    pub transform: Option<Transform>,
    /// Skewness after treatment.
    pub skew_after: f64,
    /// Kurtosis after treatment.
    pub kurt_after: f64,
    /// Whether it passes after treatment (none if undefined).
    pub passed_after: Option<bool>,
    /// A note (e.g. statistics undefined, column left untreated).
    pub note: Option<String>,
    /// The treated points.
    pub points: Vec<TreatedPoint>,
}

/// COINr's pass rule: pass when |skew| < s or kurt < k; undefined when either is NaN.
pub fn passes(x: &[f64], skew: f64, kurt: f64) -> (Option<bool>, f64, f64) {
    let (s, k) = stats::skewness_kurtosis(x);
    (verdict(s, k, skew, kurt), s, k)
}

/// Whether skewness `s` and kurtosis `k` pass the check (`None`: undefined).
fn verdict(s: f64, k: f64, skew: f64, kurt: f64) -> Option<bool> {
    if s.is_nan() || k.is_nan() {
        None
    } else {
        Some(s.abs() < skew || k < kurt)
    }
}

/// The values of [`treat_column`] alone, from the column's skewness and kurtosis
/// (`stats::skewness_kurtosis(x)`, which an analysis that treats the same column many times
/// computes once): the column itself, borrowed, when it passes the check or its statistics are
/// undefined, which is most columns.
///
/// # Errors
/// As [`treat_column`].
///
/// ```
/// use innodex::index::treat::{Transform, TreatParams, treat_column, treated_values};
/// let p = TreatParams { winmax: 5, skew: 2.0, kurt: 3.5, fallback: Transform::None, combine: false };
/// let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
/// let moments = innodex::stats::skewness_kurtosis(&x);
/// assert!(matches!(treated_values(&x, &p, moments).unwrap(), std::borrow::Cow::Borrowed(_)));
/// x.push(500.0);
/// let moments = innodex::stats::skewness_kurtosis(&x);
/// let v = treated_values(&x, &p, moments).unwrap();
/// assert_eq!(*v, *treat_column(&x, &p).unwrap().values);
/// assert_eq!(v[20], 20.0);
/// ```
pub fn treated_values<'a>(
    x: &'a [f64],
    p: &TreatParams,
    moments: (f64, f64),
) -> Result<Cow<'a, [f64]>, String> {
    if verdict(moments.0, moments.1, p.skew, p.kurt) != Some(false) {
        return Ok(Cow::Borrowed(x));
    }
    treat_column_from(x, p, moments).map(|t| Cow::Owned(t.values))
}

/// Treats one column.
///
/// # Errors
/// A reason string if the transform is undefined for the column.
pub fn treat_column(x: &[f64], p: &TreatParams) -> Result<ColumnTreatment, String> {
    treat_column_from(x, p, stats::skewness_kurtosis(x))
}

/// [`treat_column`] from the column's skewness and kurtosis.
fn treat_column_from(
    x: &[f64],
    p: &TreatParams,
    (s0, k0): (f64, f64),
) -> Result<ColumnTreatment, String> {
    let pass0 = verdict(s0, k0, p.skew, p.kurt);
    let mut out = ColumnTreatment {
        values: x.to_vec(),
        skew_before: s0,
        kurt_before: k0,
        passed_before: pass0,
        n_winsorised: 0,
        transform: None,
        skew_after: s0,
        kurt_after: k0,
        passed_after: pass0,
        note: None,
        points: Vec::new(),
    };
    match pass0 {
        None => {
            out.note = Some(
                "skewness or kurtosis undefined (fewer than 4 values or constant): left untreated"
                    .into(),
            );
            return Ok(out);
        }
        Some(true) => return Ok(out),
        Some(false) => {}
    }
    // Winsorisation, as COINr `winsorise`.
    let mut w = x.to_vec();
    // Points moved at the last step on each side (COINr's `length(imax)`, `length(imin)`);
    // winsorised points stay tied at the extreme, so these are running totals per side.
    let (mut n_hi, mut n_lo) = (0usize, 0usize);
    let mut nwin = 0usize;
    let mut pass = Some(false);
    let (mut s, mut k) = (s0, k0);
    while pass == Some(false) && nwin < p.winmax {
        let (lo, hi) = stats::min_max(&w);
        let high = s >= 0.0;
        let extreme = if high { hi } else { lo };
        // The next value in from the extreme.
        let mut next = if high {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        for &v in &w {
            if !v.is_nan() && v != extreme {
                next = if high { next.max(v) } else { next.min(v) };
            }
        }
        if !next.is_finite() {
            break;
        }
        let mut moved = 0;
        for v in w.iter_mut() {
            if *v == extreme {
                *v = next;
                moved += 1;
            }
        }
        if high {
            n_hi = moved;
        } else {
            n_lo = moved;
        }
        nwin = n_hi + n_lo;
        (pass, s, k) = passes(&w, p.skew, p.kurt);
    }
    out.n_winsorised = nwin;
    (out.skew_after, out.kurt_after, out.passed_after) = (s, k, pass);
    if pass.is_none() {
        // COINr returns the untreated column when the check becomes undefined.
        out.note = Some(
            "winsorisation made the column constant (statistics undefined): left untreated".into(),
        );
        out.n_winsorised = 0;
        return Ok(out);
    }
    for i in 0..x.len() {
        if w[i] != x[i] && !x[i].is_nan() {
            out.points.push(TreatedPoint {
                row: i,
                before: x[i],
                after: w[i],
                how: if w[i] < x[i] {
                    PointTreatment::WinsorisedHigh
                } else {
                    PointTreatment::WinsorisedLow
                },
            });
        }
    }
    out.values = w;
    if pass == Some(true) || p.fallback == Transform::None {
        return Ok(out);
    }
    // Transformation of the original (default) or the winsorised column.
    let t = if p.combine {
        p.fallback.apply(&out.values)?
    } else {
        p.fallback.apply(x)?
    };
    if !p.combine {
        out.points.clear();
        out.n_winsorised = 0;
    }
    for i in 0..x.len() {
        if !x[i].is_nan() {
            out.points.push(TreatedPoint {
                row: i,
                before: x[i],
                after: t[i],
                how: PointTreatment::Transformed,
            });
        }
    }
    let (pass2, s2, k2) = passes(&t, p.skew, p.kurt);
    (out.skew_after, out.kurt_after, out.passed_after) = (s2, k2, pass2);
    out.transform = Some(p.fallback.clone());
    out.values = t;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_move_together_and_count() {
        // Two points tied at the top move together: one step, two points.
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.extend([200.0, 200.0]);
        let p = TreatParams {
            winmax: 5,
            skew: 2.0,
            kurt: 3.5,
            fallback: Transform::None,
            combine: false,
        };
        let t = treat_column(&x, &p).unwrap();
        assert!(t.n_winsorised >= 2);
        assert_eq!(t.values[20], 20.0);
        assert_eq!(t.values[21], 20.0);
    }

    #[test]
    fn log_ct_on_original_when_winsorisation_fails() {
        // Heavy tail: 5 points are not enough.
        let x: Vec<f64> = (0..30).map(|i| (i as f64 / 3.0).exp()).collect();
        let p = TreatParams {
            winmax: 1,
            skew: 2.0,
            kurt: 3.5,
            fallback: Transform::LogCt,
            combine: false,
        };
        let t = treat_column(&x, &p).unwrap();
        assert_eq!(t.transform, Some(Transform::LogCt));
        let (lo, hi) = stats::min_max(&x);
        for (v, xi) in t.values.iter().zip(&x) {
            assert!((v - (xi - lo + 0.01 * (hi - lo)).ln()).abs() < 1e-12);
        }
        assert_eq!(t.n_winsorised, 0);
    }

    #[test]
    fn gii_log_refuses_small_max() {
        let e = Transform::LogGii { upper: None }
            .apply(&[0.1, 0.2, 0.9])
            .unwrap_err();
        assert!(e.contains("M > 1"));
        let y = Transform::LogGii { upper: None }
            .apply(&[1.0, 5.0, 10.0])
            .unwrap();
        assert_eq!(y[0], 0.0);
        assert!((y[2] - 10f64.ln()).abs() < 1e-12);
    }
}
