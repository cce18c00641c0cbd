//! Aggregation up the framework (OECD/JRC Handbook 2008, §6; COINr `Aggregate`).
//!
//! Each aggregate is computed from its children for every unit, with the children's weights
//! renormalised over the children that have a value (missing children are skipped, as COINr's
//! `a_amean` does). With weights wᵢ summing to one over the children present:
//!
//! * arithmetic: Σ wᵢ xᵢ;
//! * geometric: Π xᵢ^wᵢ — needs xᵢ > 0: a zero or negative child is an error naming the
//!   aggregate, unit and child, unless a `shift` s is set, in which case the documented
//!   Π (xᵢ + s)^wᵢ − s is used;
//! * harmonic: 1 / Σ (wᵢ / xᵢ) — needs xᵢ > 0;
//! * power (generalised) mean of order p: (Σ wᵢ xᵢ^p)^(1/p) — p = 1 arithmetic, p → 0
//!   geometric, p = −1 harmonic; needs xᵢ > 0 for p ≤ 0 and xᵢ ≥ 0 otherwise;
//! * Copeland: a non-compensatory rule (Munda & Nardo 2009, "Noncompensatory/nonlinear
//!   composite indicators for ranking countries", Applied Economics 41). For units a and b the
//!   weight of the children where a beats b, plus half the weight of ties, over the children
//!   both have, is e_ab; a beats b if e_ab > ½. A unit's score is its wins minus its losses.
//!
//! An availability threshold (share of children with a value) below which the aggregate is
//! missing can be set, as COINr's `dat_thresh`.
//!
//! ```
//! use innodex::index::aggregate::{weighted_mean, Aggregation};
//! let x = [50.0, f64::NAN, 100.0];
//! let w = [1.0, 1.0, 3.0];
//! assert_eq!(weighted_mean(&x, &w, &Aggregation::Arithmetic).unwrap(), 87.5);
//! let g = weighted_mean(&[4.0, 16.0], &[1.0, 1.0], &Aggregation::Geometric { shift: None }).unwrap();
//! assert!((g - 8.0).abs() < 1e-12);
//! assert!(weighted_mean(&[0.0, 16.0], &[1.0, 1.0], &Aggregation::Geometric { shift: None }).is_err());
//! ```

use serde::{Deserialize, Serialize};

use super::error::IndexError;
use super::framework::{Framework, NodeKind};

/// An aggregation method.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Aggregation {
    /// Weighted arithmetic mean.
    #[default]
    Arithmetic,
    /// Weighted geometric mean.
    Geometric {
        /// Add this to every child before the mean and subtract it after (for zeros).
        #[serde(default)]
        shift: Option<f64>,
    },
    /// Weighted harmonic mean.
    Harmonic,
    /// Weighted power mean of order p.
    Power {
        /// The order.
        p: f64,
    },
    /// Copeland's rule (wins minus losses in weighted pairwise comparisons).
    Copeland,
}

impl Aggregation {
    /// A short label.
    pub fn label(&self) -> String {
        match self {
            Aggregation::Arithmetic => "arithmetic".into(),
            Aggregation::Geometric { shift: None } => "geometric".into(),
            Aggregation::Geometric { shift: Some(s) } => format!("geometric (shift {s})"),
            Aggregation::Harmonic => "harmonic".into(),
            Aggregation::Power { p } => format!("power (p = {p})"),
            Aggregation::Copeland => "copeland".into(),
        }
    }
}

/// Why a weighted mean failed: the position of the offending value and the mean's name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanFailure {
    /// Position in the input.
    pub at: usize,
    /// `geometric`, `harmonic` or `power`.
    pub method: &'static str,
}

/// The weighted mean of the present values of `x` with weights `w` (renormalised over the
/// values present). `NaN` if no value is present or their weights sum to zero.
/// Copeland is not a per-unit mean; here it returns `NaN`.
///
/// # Errors
/// [`MeanFailure`] for a value outside the mean's domain.
pub fn weighted_mean(x: &[f64], w: &[f64], method: &Aggregation) -> Result<f64, MeanFailure> {
    let mut sw = 0.0;
    for (i, &v) in x.iter().enumerate() {
        if !v.is_nan() {
            sw += w[i];
        }
    }
    if sw.is_nan() || sw <= 0.0 {
        return Ok(f64::NAN);
    }
    match method {
        Aggregation::Arithmetic => {
            let mut s = 0.0;
            for (i, &v) in x.iter().enumerate() {
                if !v.is_nan() {
                    s += w[i] * v;
                }
            }
            Ok(s / sw)
        }
        Aggregation::Geometric { shift } => {
            let sh = shift.unwrap_or(0.0);
            let mut s = 0.0;
            for (i, &v) in x.iter().enumerate() {
                if !v.is_nan() {
                    let y = v + sh;
                    if y.is_nan() || y <= 0.0 {
                        return Err(MeanFailure {
                            at: i,
                            method: "geometric",
                        });
                    }
                    s += w[i] * y.ln();
                }
            }
            Ok((s / sw).exp() - sh)
        }
        Aggregation::Harmonic => {
            let mut s = 0.0;
            for (i, &v) in x.iter().enumerate() {
                if !v.is_nan() {
                    if v <= 0.0 {
                        return Err(MeanFailure {
                            at: i,
                            method: "harmonic",
                        });
                    }
                    s += w[i] / v;
                }
            }
            Ok(sw / s)
        }
        Aggregation::Power { p } => {
            if *p == 0.0 {
                return weighted_mean(x, w, &Aggregation::Geometric { shift: None }).map_err(|e| {
                    MeanFailure {
                        method: "power",
                        ..e
                    }
                });
            }
            let mut s = 0.0;
            for (i, &v) in x.iter().enumerate() {
                if !v.is_nan() {
                    if (*p < 0.0 && v <= 0.0) || v < 0.0 {
                        return Err(MeanFailure {
                            at: i,
                            method: "power",
                        });
                    }
                    s += w[i] * v.powf(*p);
                }
            }
            Ok((s / sw).powf(1.0 / p))
        }
        Aggregation::Copeland => Ok(f64::NAN),
    }
}

/// The arithmetic or geometric [`weighted_mean`] of every unit at once (`cols`: one column per
/// child, `n` units), the same to the bit: each unit's sums run over the children in the same
/// order, but the loops run over the units, which the compiler vectorises. `None` for another
/// method, or when a value lies outside the geometric mean's domain: the caller then computes
/// unit by unit, which finds and names the value.
fn unit_means(cols: &[&[f64]], w: &[f64], method: &Aggregation, n: usize) -> Option<Vec<f64>> {
    let shift = match method {
        Aggregation::Arithmetic => None,
        Aggregation::Geometric { shift } => Some(shift.unwrap_or(0.0)),
        _ => return None,
    };
    // A missing value adds +0.0, which leaves a sum unchanged to the bit (a sum that starts at
    // +0.0 is never −0.0): the loops have no branch and vectorise.
    let mut sw = vec![0.0; n];
    let mut s = vec![0.0; n];
    for (c, &wc) in cols.iter().zip(w) {
        for (acc, &v) in sw.iter_mut().zip(&c[..n]) {
            *acc += if v.is_nan() { 0.0 } else { wc };
        }
    }
    for (c, &wc) in cols.iter().zip(w) {
        match shift {
            None => {
                for (acc, &v) in s.iter_mut().zip(&c[..n]) {
                    *acc += if v.is_nan() { 0.0 } else { wc * v };
                }
            }
            Some(sh) => {
                for (acc, &v) in s.iter_mut().zip(&c[..n]) {
                    if v.is_nan() {
                        continue;
                    }
                    let y = v + sh;
                    if y.is_nan() || y <= 0.0 {
                        return None;
                    }
                    *acc += wc * y.ln();
                }
            }
        }
    }
    Some(
        sw.iter()
            .zip(&s)
            .map(|(&sw, &s)| match shift {
                _ if sw.is_nan() || sw <= 0.0 => f64::NAN,
                None => s / sw,
                Some(sh) => (s / sw).exp() - sh,
            })
            .collect(),
    )
}

/// Copeland scores of the rows of `cols` (one column per child) with child weights `w`.
pub fn copeland(cols: &[&[f64]], w: &[f64], n_units: usize) -> Vec<f64> {
    let mut score = vec![0.0; n_units];
    let mut any = vec![false; n_units];
    for r in 0..n_units {
        any[r] = cols.iter().any(|c| !c[r].is_nan());
    }
    for a in 0..n_units {
        for b in a + 1..n_units {
            let (mut wab, mut tot) = (0.0, 0.0);
            for (k, c) in cols.iter().enumerate() {
                let (xa, xb) = (c[a], c[b]);
                if xa.is_nan() || xb.is_nan() {
                    continue;
                }
                tot += w[k];
                if xa > xb {
                    wab += w[k];
                } else if xa == xb {
                    wab += 0.5 * w[k];
                }
            }
            if tot > 0.0 {
                let e = wab / tot;
                if e > 0.5 {
                    score[a] += 1.0;
                    score[b] -= 1.0;
                } else if e < 0.5 {
                    score[a] -= 1.0;
                    score[b] += 1.0;
                }
            }
        }
    }
    (0..n_units)
        .map(|r| if any[r] { score[r] } else { f64::NAN })
        .collect()
}

/// Aggregates indicator columns (`ind[indicator][unit]`, in framework order) up the whole
/// framework. `weights` has one entry per node, `methods` one per node (used for aggregates).
/// Returns one column per node (indicators copied), in node order.
///
/// # Errors
/// [`IndexError::NonPositiveInMean`] naming aggregate, unit and child;
/// [`IndexError::BadParameter`] for an availability threshold outside [0, 1].
pub fn aggregate(
    fw: &Framework,
    ind: &[Vec<f64>],
    units: &[String],
    weights: &[f64],
    methods: &[Aggregation],
    min_availability: Option<f64>,
) -> Result<Vec<Vec<f64>>, IndexError> {
    if let Some(t) = min_availability
        && !(0.0..=1.0).contains(&t)
    {
        return Err(IndexError::bad(
            "min_availability",
            format!("{t} is not in [0, 1]"),
        ));
    }
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(fw.nodes().len());
    out.extend(ind.iter().cloned());
    out.extend(aggregates(
        fw,
        ind,
        units,
        weights,
        methods,
        min_availability,
    )?);
    Ok(out)
}

/// As [`aggregate`], returning the aggregates only (node order from `fw.n_indicators()`),
/// without copying the indicator columns. The availability threshold is assumed valid.
///
/// # Errors
/// [`IndexError::NonPositiveInMean`] naming aggregate, unit and child.
pub fn aggregates(
    fw: &Framework,
    ind: &[Vec<f64>],
    units: &[String],
    weights: &[f64],
    methods: &[Aggregation],
    min_availability: Option<f64>,
) -> Result<Vec<Vec<f64>>, IndexError> {
    let n = units.len();
    let nodes = fw.nodes();
    let n_ind = fw.n_indicators();
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(nodes.len() - n_ind);
    let mut xs: Vec<f64> = Vec::new();
    let mut ws: Vec<f64> = Vec::new();
    for (i, node) in nodes.iter().enumerate().skip(fw.n_indicators()) {
        debug_assert_eq!(node.kind, NodeKind::Aggregate);
        let ch = &node.children;
        ws.clear();
        ws.extend(ch.iter().map(|&c| weights[c]));
        let child = |c: usize| -> &[f64] { if c < n_ind { &ind[c] } else { &out[c - n_ind] } };
        let below = |r: usize, t: f64| {
            let present = ch.iter().filter(|&&c| !child(c)[r].is_nan()).count();
            (present as f64 / ch.len() as f64) < t
        };
        let cols: Vec<&[f64]> = ch.iter().map(|&c| child(c)).collect();
        let whole = match &methods[i] {
            Aggregation::Copeland => Some(copeland(&cols, &ws, n)),
            m => unit_means(&cols, &ws, m, n),
        };
        let col = match whole {
            // All units at once; then those below the availability threshold are dropped.
            Some(mut col) => {
                if let Some(t) = min_availability {
                    for (r, slot) in col.iter_mut().enumerate() {
                        if below(r, t) {
                            *slot = f64::NAN;
                        }
                    }
                }
                col
            }
            // Unit by unit, skipping those below the threshold before their mean (so that a
            // value outside the mean's domain in a dropped unit is no error).
            None => {
                let mut col = vec![f64::NAN; n];
                for (r, slot) in col.iter_mut().enumerate() {
                    if min_availability.is_some_and(|t| below(r, t)) {
                        continue;
                    }
                    xs.clear();
                    xs.extend(ch.iter().map(|&c| child(c)[r]));
                    *slot = weighted_mean(&xs, &ws, &methods[i]).map_err(|e| {
                        IndexError::NonPositiveInMean {
                            method: e.method,
                            aggregate: node.code.clone(),
                            unit: units[r].clone(),
                            child: nodes[ch[e.at]].code.clone(),
                            value: xs[e.at],
                        }
                    })?;
                }
                col
            }
        };
        out.push(col);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The units-at-once means equal [`weighted_mean`] unit by unit to the bit, with missing
    /// values, zero weights and a shift; a value outside the geometric domain hands back.
    #[test]
    fn unit_means_equal_weighted_mean_bit_for_bit() {
        let n = 37;
        // Deterministic, irregular values in (0.5, 100), with missing values sprinkled in.
        let col = |k: usize| -> Vec<f64> {
            (0..n)
                .map(|r| {
                    let h = (r * 7919 + k * 104_729) % 1009;
                    if h.is_multiple_of(11) {
                        f64::NAN
                    } else {
                        0.5 + h as f64 * 0.099
                    }
                })
                .collect()
        };
        let cols: Vec<Vec<f64>> = (0..6).map(col).collect();
        let mut all_missing = cols.clone();
        for c in &mut all_missing {
            c[3] = f64::NAN;
        }
        fn refs(cs: &[Vec<f64>]) -> Vec<&[f64]> {
            cs.iter().map(|c| c.as_slice()).collect()
        }
        let w = [0.3, 1.7, 0.0, 2.5, 0.25, 1.0 / 3.0];
        for method in [
            Aggregation::Arithmetic,
            Aggregation::Geometric { shift: None },
            Aggregation::Geometric { shift: Some(0.75) },
        ] {
            for cs in [&cols, &all_missing] {
                let got = unit_means(&refs(cs), &w, &method, n).unwrap();
                for r in 0..n {
                    let x: Vec<f64> = cs.iter().map(|c| c[r]).collect();
                    let want = weighted_mean(&x, &w, &method).unwrap();
                    assert_eq!(got[r].to_bits(), want.to_bits(), "{method:?}, unit {r}");
                }
            }
        }
        let mut bad = cols.clone();
        bad[2][5] = -1.0;
        let geo = Aggregation::Geometric { shift: None };
        assert_eq!(unit_means(&refs(&bad), &w, &geo, n), None);
        assert!(unit_means(&refs(&bad), &w, &Aggregation::Arithmetic, n).is_some());
        assert_eq!(
            unit_means(&refs(&cols), &w, &Aggregation::Harmonic, n),
            None
        );
    }

    #[test]
    fn power_mean_limits() {
        let x = [1.0, 4.0];
        let w = [1.0, 1.0];
        let p1 = weighted_mean(&x, &w, &Aggregation::Power { p: 1.0 }).unwrap();
        assert!((p1 - 2.5).abs() < 1e-12);
        let pm1 = weighted_mean(&x, &w, &Aggregation::Power { p: -1.0 }).unwrap();
        let h = weighted_mean(&x, &w, &Aggregation::Harmonic).unwrap();
        assert!((pm1 - h).abs() < 1e-12 && (h - 1.6).abs() < 1e-12);
        let p0 = weighted_mean(&x, &w, &Aggregation::Power { p: 0.0 }).unwrap();
        assert!((p0 - 2.0).abs() < 1e-12);
    }

    #[test]
    fn geometric_shift_is_documented_shift() {
        let g = weighted_mean(
            &[0.0, 3.0],
            &[1.0, 1.0],
            &Aggregation::Geometric { shift: Some(1.0) },
        )
        .unwrap();
        assert!((g - 1.0).abs() < 1e-12); // sqrt(1·4) − 1
    }

    #[test]
    fn copeland_wins_minus_losses() {
        // Unit 0 beats everyone on both children; 1 beats 2 on one child and ties on the other.
        let c1 = [3.0, 2.0, 1.0];
        let c2 = [3.0, 1.0, 1.0];
        let s = copeland(&[&c1, &c2], &[1.0, 1.0], 3);
        assert_eq!(s, vec![2.0, 0.0, -2.0]);
    }
}
