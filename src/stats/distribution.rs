//! The one distribution type of innodex: what a scenario draws a growth rate from, what a
//! sensitivity input varies over, what a Gaussian copula maps a normal score to.
//!
//! Each area adds the rules of its use in its own module: a Monte Carlo draw may be fixed
//! (zero spread), and its `lognormal` depends on the quantity drawn
//! ([`crate::projection::dist`]); a sensitivity input must vary
//! ([`Distribution::validate_as_input`]).
//!
//! Two file spellings, one value: scenario and run files write a distribution as a number or a
//! table with a `dist` key and `min`/`max` (this type's own serde form, see
//! [`crate::projection::dist`]); a sensitivity problem writes it with a `kind` key and
//! `lower`/`upper`, as SALib's problem dict does ([`kind_form`]).
//!
//! ```
//! use innodex::stats::Distribution;
//! let d: Distribution =
//!     serde_json::from_str(r#"{"dist": "uniform", "min": 1.0, "max": 3.0}"#).unwrap();
//! assert_eq!(d, Distribution::Uniform { lower: 1.0, upper: 3.0 });
//! assert_eq!(d.quantile(0.25), 1.5);
//! let fixed: Distribution = serde_json::from_str("0.12").unwrap();
//! assert!(fixed.is_fixed() && fixed.median() == 0.12);
//! ```

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use statrs::distribution::{Beta, ContinuousCDF, LogNormal, Normal, Triangular};

/// A probability distribution of one quantity. Quantiles come from `statrs` (the beta-PERT
/// as min + (max − min) · Beta(1 + λ(mode − min)/(max − min), 1 + λ(max − mode)/(max − min)),
/// Vose 2008).
///
/// ```
/// use innodex::stats::Distribution;
/// let t = Distribution::Triangular { lower: 0.0, mode: 0.0, upper: 1.0 };
/// assert!((t.quantile(0.75) - 0.5).abs() < 1e-12);
/// let p = Distribution::Pert { lower: 0.0, mode: 0.5, upper: 1.0, lambda: 4.0 };
/// assert!((p.median() - 0.5).abs() < 1e-12); // symmetric
/// ```
// `remote = "Self"`: the derives become inherent functions, which the trait impls below call,
// so that a bare number can also read as `Fixed` (serde's documented way to wrap a derive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Distribution {
    /// A fixed value.
    Fixed {
        /// The value.
        value: f64,
    },
    /// Normal.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Normal(mean, sd) truncated to [lower, upper].
    TruncatedNormal {
        /// Mean of the parent normal.
        mean: f64,
        /// Standard deviation of the parent normal.
        sd: f64,
        /// Lower truncation bound.
        #[serde(rename = "min")]
        lower: f64,
        /// Upper truncation bound.
        #[serde(rename = "max")]
        upper: f64,
    },
    /// Log-normal: ln X ~ Normal(mu, sigma) (in a scenario, X is the growth factor 1 + g of
    /// a rate).
    #[serde(rename = "lognormal")]
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Uniform on [lower, upper].
    Uniform {
        /// Lower end.
        #[serde(rename = "min")]
        lower: f64,
        /// Upper end.
        #[serde(rename = "max")]
        upper: f64,
    },
    /// Triangular on [lower, upper] with a mode.
    Triangular {
        /// Lower end.
        #[serde(rename = "min")]
        lower: f64,
        /// Most likely value (in [lower, upper]).
        mode: f64,
        /// Upper end.
        #[serde(rename = "max")]
        upper: f64,
    },
    /// Beta-PERT on [lower, upper] with a mode.
    Pert {
        /// Lower end.
        #[serde(rename = "min")]
        lower: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        #[serde(rename = "max")]
        upper: f64,
        /// Shape λ (4 for the classical PERT).
        #[serde(default = "default_lambda")]
        lambda: f64,
    },
    /// Equally likely values.
    Empirical {
        /// The values.
        values: Vec<f64>,
    },
    /// An indicator's historical yearly changes (resolved into `Empirical` by a scenario).
    Bootstrap {
        /// First year of the history used (default: all).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<i32>,
        /// Last year of the history used (default: all).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<i32>,
    },
}

impl Distribution {
    /// A normal distribution.
    pub fn normal(mean: f64, sd: f64) -> Distribution {
        Distribution::Normal { mean, sd }
    }

    /// Whether every draw is the same value (a fixed value or a zero spread).
    ///
    /// ```
    /// use innodex::stats::Distribution;
    /// assert!(Distribution::normal(0.1, 0.0).is_fixed());
    /// assert!(!Distribution::normal(0.1, 0.02).is_fixed());
    /// ```
    pub fn is_fixed(&self) -> bool {
        match self {
            Distribution::Fixed { .. } => true,
            Distribution::Normal { sd, .. } => *sd == 0.0,
            Distribution::TruncatedNormal {
                sd, lower, upper, ..
            } => *sd == 0.0 || lower == upper,
            Distribution::LogNormal { sigma, .. } => *sigma == 0.0,
            Distribution::Uniform { lower, upper }
            | Distribution::Triangular { lower, upper, .. }
            | Distribution::Pert { lower, upper, .. } => lower == upper,
            Distribution::Empirical { values } => values.windows(2).all(|w| w[0] == w[1]),
            Distribution::Bootstrap { .. } => false,
        }
    }

    /// The value every draw takes when [`Distribution::is_fixed`] (for a log-normal, e^mu).
    ///
    /// ```
    /// use innodex::stats::Distribution;
    /// assert_eq!(Distribution::normal(0.1, 0.0).fixed_value(), Some(0.1));
    /// assert_eq!(Distribution::normal(0.1, 0.02).fixed_value(), None);
    /// ```
    pub fn fixed_value(&self) -> Option<f64> {
        if !self.is_fixed() {
            return None;
        }
        Some(match self {
            Distribution::Fixed { value } => *value,
            Distribution::Normal { mean, .. } => *mean,
            Distribution::TruncatedNormal {
                mean, lower, upper, ..
            } => mean.clamp(*lower, *upper),
            Distribution::LogNormal { mu, .. } => mu.exp(),
            Distribution::Uniform { lower, .. }
            | Distribution::Triangular { lower, .. }
            | Distribution::Pert { lower, .. } => *lower,
            Distribution::Empirical { values } => *values.first()?,
            Distribution::Bootstrap { .. } => return None,
        })
    }

    /// The beta shapes (α, β) of a PERT, `None` for any other distribution or when they are
    /// not positive and finite.
    pub(crate) fn pert_shapes(&self) -> Option<(f64, f64)> {
        let Distribution::Pert {
            lower,
            mode,
            upper,
            lambda,
        } = *self
        else {
            return None;
        };
        let w = upper - lower;
        let a = 1.0 + lambda * (mode - lower) / w;
        let b = 1.0 + lambda * (upper - mode) / w;
        (a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0).then_some((a, b))
    }

    /// The quantile (inverse CDF) at `u` ∈ [0, 1]; `u` is clamped into [0, 1] (NaN reads as
    /// 0.5). Assumes valid parameters; the result may be infinite at 0 or 1 for unbounded
    /// distributions, and is NaN for an unresolved `Bootstrap`. An empirical distribution's
    /// quantile is its ⌊u·n⌋-th smallest value (the inverse of its step CDF).
    ///
    /// ```
    /// use innodex::stats::Distribution;
    /// let u = Distribution::Uniform { lower: 2.0, upper: 4.0 };
    /// assert_eq!(u.quantile(0.25), 2.5);
    /// let e = Distribution::Empirical { values: vec![3.0, 1.0, 2.0] };
    /// assert_eq!((e.quantile(0.0), e.quantile(0.5), e.quantile(1.0)), (1.0, 2.0, 3.0));
    /// ```
    pub fn quantile(&self, u: f64) -> f64 {
        let u = unit(u);
        if let Some(v) = self.fixed_value() {
            return v;
        }
        match self {
            Distribution::Fixed { value } => *value,
            // The same arithmetic as SALib's scale_samples: u·(b − a) + a.
            Distribution::Uniform { lower, upper } => u * (upper - lower) + lower,
            Distribution::Normal { mean, sd } => match Normal::new(*mean, *sd) {
                Ok(d) => d.inverse_cdf(u),
                Err(_) => f64::NAN,
            },
            Distribution::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => truncated_normal_quantile(*mean, *sd, *lower, *upper, u),
            Distribution::Triangular { lower, mode, upper } => {
                match Triangular::new(*lower, *upper, *mode) {
                    Ok(d) => d.inverse_cdf(u),
                    Err(_) => f64::NAN,
                }
            }
            Distribution::Pert { lower, upper, .. } => match self.pert_shapes() {
                Some((a, b)) => match Beta::new(a, b) {
                    Ok(beta) => lower + (upper - lower) * beta_quantile(&beta, u),
                    Err(_) => f64::NAN,
                },
                None => f64::NAN,
            },
            Distribution::LogNormal { mu, sigma } => match LogNormal::new(*mu, *sigma) {
                Ok(d) => d.inverse_cdf(u),
                Err(_) => f64::NAN,
            },
            Distribution::Empirical { values } => match sorted_sample(values) {
                Some(sorted) => empirical_at(&sorted, u),
                None => f64::NAN,
            },
            Distribution::Bootstrap { .. } => f64::NAN,
        }
    }

    /// [`Distribution::quantile`] of every value in place, with the same numbers: the choice of
    /// distribution (and an empirical sample's sort) is made once for all the values rather
    /// than once per value, which is what a sampling design's inner loop needs.
    ///
    /// ```
    /// use innodex::stats::Distribution;
    /// let d = Distribution::Uniform { lower: 2.0, upper: 4.0 };
    /// let mut u = [0.25, 1.5, f64::NAN];
    /// d.quantile_in_place(u.iter_mut());
    /// assert_eq!(u, [2.5, 4.0, 3.0]);
    /// ```
    pub fn quantile_in_place<'a>(&self, values: impl Iterator<Item = &'a mut f64>) {
        if let Some(v) = self.fixed_value() {
            values.for_each(|x| *x = v);
            return;
        }
        match self {
            Distribution::Uniform { lower, upper } => {
                let width = upper - lower;
                values.for_each(|x| *x = unit(*x) * width + lower);
            }
            Distribution::Empirical { values: sample } => match sorted_sample(sample) {
                Some(sorted) => values.for_each(|x| *x = empirical_at(&sorted, unit(*x))),
                None => values.for_each(|x| *x = f64::NAN),
            },
            _ => values.for_each(|x| *x = self.quantile(*x)),
        }
    }

    /// A representative low and high value: the ends of a bounded distribution, the 5 % and
    /// 95 % quantiles otherwise (used by the tornado).
    ///
    /// ```
    /// use innodex::stats::Distribution;
    /// let (lo, hi) = Distribution::Normal { mean: 0.0, sd: 1.0 }.low_high();
    /// assert!((hi - 1.6448536).abs() < 1e-6 && (lo + hi).abs() < 1e-12);
    /// ```
    pub fn low_high(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform { lower, upper }
            | Distribution::TruncatedNormal { lower, upper, .. }
            | Distribution::Triangular { lower, upper, .. }
            | Distribution::Pert { lower, upper, .. } => (lower, upper),
            _ => (self.quantile(0.05), self.quantile(0.95)),
        }
    }

    /// The median (the quantile at 0.5).
    ///
    /// ```
    /// use innodex::stats::Distribution;
    /// assert_eq!(Distribution::Uniform { lower: 0.0, upper: 2.0 }.median(), 1.0);
    /// ```
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }
}

/// A quantile's probability: clamped into [0, 1], NaN read as the median.
fn unit(u: f64) -> f64 {
    if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) }
}

/// An empirical sample in ascending order, borrowed when it already is (a problem keeps its
/// values sorted, `Problem::new`); `None` when it is empty.
fn sorted_sample(values: &[f64]) -> Option<std::borrow::Cow<'_, [f64]>> {
    if values.is_empty() {
        None
    } else if values.is_sorted_by(|a, b| a <= b) {
        Some(std::borrow::Cow::Borrowed(values))
    } else {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        Some(std::borrow::Cow::Owned(v))
    }
}

/// The ⌊u·n⌋-th smallest of a sorted sample (the inverse of its step CDF).
fn empirical_at(sorted: &[f64], u: f64) -> f64 {
    sorted[((u * sorted.len() as f64) as usize).min(sorted.len() - 1)]
}

/// The quantile of Normal(mean, sd) truncated to [lower, upper], computed in the tail that
/// keeps precision (mirrored when the interval lies above the mean).
fn truncated_normal_quantile(mean: f64, sd: f64, lower: f64, upper: f64, u: f64) -> f64 {
    // The bounds exactly at the ends (the normal CDF round trip is only ~1e-10).
    if u == 0.0 {
        return lower;
    }
    if u == 1.0 {
        return upper;
    }
    if sd == 0.0 {
        return mean.clamp(lower, upper);
    }
    let Ok(std) = Normal::new(0.0, 1.0) else {
        return f64::NAN;
    };
    let a = (lower - mean) / sd;
    let b = (upper - mean) / sd;
    let x = if a > 0.0 {
        let (sa, sb) = (std.sf(a), std.sf(b));
        let p = (sa - u * (sa - sb)).clamp(0.0, 1.0);
        -std.inverse_cdf(p)
    } else {
        let (pa, pb) = (std.cdf(a), std.cdf(b));
        let p = (pa + u * (pb - pa)).clamp(0.0, 1.0);
        std.inverse_cdf(p)
    };
    (mean + sd * x).clamp(lower, upper)
}

/// The probability mass of [lower, upper] under Normal(mean, sd), computed in the tail that
/// keeps precision.
pub(crate) fn truncation_mass(mean: f64, sd: f64, lower: f64, upper: f64) -> f64 {
    let Ok(std) = Normal::new(0.0, 1.0) else {
        return 0.0;
    };
    let a = (lower - mean) / sd;
    let b = (upper - mean) / sd;
    if a > 0.0 {
        std.sf(a) - std.sf(b)
    } else {
        std.cdf(b) - std.cdf(a)
    }
}

fn default_lambda() -> f64 {
    4.0
}

/// The file form: a number (a fixed value) or a table with a `dist` key.
impl<'de> Deserialize<'de> for Distribution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Distribution, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Distribution;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a table with a `dist` key (fixed, normal, truncated_normal, lognormal, uniform, triangular, pert, empirical, bootstrap)")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Distribution, E> {
                Ok(Distribution::Fixed { value: v })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Distribution, E> {
                Ok(Distribution::Fixed { value: v as f64 })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Distribution, E> {
                Ok(Distribution::Fixed { value: v as f64 })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Distribution, A::Error> {
                Distribution::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_any(V)
    }
}

/// The file form's tables (the derived form).
impl Serialize for Distribution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Distribution::serialize(self, s)
    }
}

/// The problem form of a sensitivity input's distribution, for `#[serde(with = …)]`: a table
/// with a `kind` key (`uniform`, `normal`, `truncated_normal`, `triangular`, `log_normal`,
/// `pert`, `empirical`; `fixed` and `bootstrap` read but rejected by a problem) and
/// `lower`/`upper` bounds.
///
/// ```
/// use innodex::sensitivity::Input;
/// let i: Input = serde_json::from_str(
///     r#"{"name": "g", "distribution": {"kind": "uniform", "lower": 0.03, "upper": 0.07}}"#,
/// ).unwrap();
/// assert_eq!(i.distribution.quantile(0.5), 0.05);
/// assert!(serde_json::to_string(&i).unwrap().contains(r#""kind":"uniform","lower":0.03"#));
/// ```
pub mod kind_form {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Distribution as D;

    #[derive(Serialize, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum KindTable {
        Uniform {
            lower: f64,
            upper: f64,
        },
        Normal {
            mean: f64,
            sd: f64,
        },
        TruncatedNormal {
            mean: f64,
            sd: f64,
            lower: f64,
            upper: f64,
        },
        Triangular {
            lower: f64,
            mode: f64,
            upper: f64,
        },
        LogNormal {
            mu: f64,
            sigma: f64,
        },
        Pert {
            lower: f64,
            mode: f64,
            upper: f64,
            #[serde(default = "super::default_lambda")]
            lambda: f64,
        },
        Empirical {
            values: Vec<f64>,
        },
        Fixed {
            value: f64,
        },
        Bootstrap {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            from: Option<i32>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            to: Option<i32>,
        },
    }

    /// Writes the problem form.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(d: &D, s: S) -> Result<S::Ok, S::Error> {
        let t = match d.clone() {
            D::Uniform { lower, upper } => KindTable::Uniform { lower, upper },
            D::Normal { mean, sd } => KindTable::Normal { mean, sd },
            D::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => KindTable::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            },
            D::Triangular { lower, mode, upper } => KindTable::Triangular { lower, mode, upper },
            D::LogNormal { mu, sigma } => KindTable::LogNormal { mu, sigma },
            D::Pert {
                lower,
                mode,
                upper,
                lambda,
            } => KindTable::Pert {
                lower,
                mode,
                upper,
                lambda,
            },
            D::Empirical { values } => KindTable::Empirical { values },
            D::Fixed { value } => KindTable::Fixed { value },
            D::Bootstrap { from, to } => KindTable::Bootstrap { from, to },
        };
        t.serialize(s)
    }

    /// Reads the problem form.
    ///
    /// # Errors
    /// An unknown kind or a missing parameter.
    pub fn deserialize<'de, De: Deserializer<'de>>(d: De) -> Result<D, De::Error> {
        Ok(match KindTable::deserialize(d)? {
            KindTable::Uniform { lower, upper } => D::Uniform { lower, upper },
            KindTable::Normal { mean, sd } => D::Normal { mean, sd },
            KindTable::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => D::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            },
            KindTable::Triangular { lower, mode, upper } => D::Triangular { lower, mode, upper },
            KindTable::LogNormal { mu, sigma } => D::LogNormal { mu, sigma },
            KindTable::Pert {
                lower,
                mode,
                upper,
                lambda,
            } => D::Pert {
                lower,
                mode,
                upper,
                lambda,
            },
            KindTable::Empirical { values } => D::Empirical { values },
            KindTable::Fixed { value } => D::Fixed { value },
            KindTable::Bootstrap { from, to } => D::Bootstrap { from, to },
        })
    }
}

/// Below this probability, and above 1 − it, statrs' inverse of the regularized incomplete beta
/// function (AS 64 with Newton steps) is not to be trusted: measured with statrs 0.19.1, the
/// CDF at its answer is off by 1e-5 (relative) for Beta(1.2, 4.8) at 1e-15 and by orders of
/// magnitude lower down; it panics below about 1e-162 and does not return for Beta(100, 1.5).
/// Above this threshold its error is below 1e-12 for the six shapes of the test, but not for
/// every shape (1.6e-8 for Beta(1.04, 4.96), 1.6e-4 for Beta(1.05, 1000) at 1e-12); the
/// threshold stays here because sampling designs never go below 2^-32, so no draw of theirs
/// changes (a uniform draw falls outside [1e-12, 1 − 1e-12] with probability 2e-12).
const BETA_TAIL: f64 = 1e-12;

/// The `u` quantile of a beta distribution (`u` in [0, 1]; NaN for NaN), robust in the far
/// tails: below [`BETA_TAIL`] the regularized incomplete beta function I_x(a, b), increasing
/// in x, is inverted by bisection on ln x (Press et al., Numerical Recipes, §6.4 and §9.1),
/// where statrs' inverse loses accuracy, panics or does not return; elsewhere statrs' inverse.
/// The upper tail uses I_x(a, b) = 1 − I_{1−x}(b, a), so there the answer is as precise as an
/// f64 near 1 allows (1 − x keeps about 16 digits). A lower-tail quantile below the smallest
/// normal f64 (possible when a < 1) is returned as 0.
///
/// ```
/// use statrs::distribution::{Beta, ContinuousCDF};
/// let beta = Beta::new(1.2, 4.8).unwrap();
/// for u in [1e-300, 1e-100, 1e-15, 0.3, 1.0 - 1e-15] {
///     let x = innodex::stats::beta_quantile(&beta, u);
///     let back = if u < 0.5 { beta.cdf(x) / u } else { beta.sf(x) / (1.0 - u) };
///     assert!((back - 1.0).abs() < 1e-9, "{u}: {x} gives {back}");
/// }
/// assert!(innodex::stats::beta_quantile(&beta, f64::NAN).is_nan());
/// ```
pub fn beta_quantile(beta: &Beta, u: f64) -> f64 {
    let (a, b) = (beta.shape_a(), beta.shape_b());
    if u.is_nan() {
        return f64::NAN;
    }
    if u <= 0.0 || u >= 1.0 {
        return u.clamp(0.0, 1.0);
    }
    if u < BETA_TAIL {
        lower_tail(a, b, u)
    } else if 1.0 - u < BETA_TAIL {
        1.0 - lower_tail(b, a, 1.0 - u)
    } else {
        beta.inverse_cdf(u)
    }
}

/// The lower-tail quantile of Beta(a, b) (u < [`BETA_TAIL`]): I_x(a, b) = u solved by
/// bisection on ln x over the normal f64 range; 0 when even the smallest normal x has
/// I_x(a, b) ≥ u.
fn lower_tail(a: f64, b: f64, u: f64) -> f64 {
    use statrs::function::beta::beta_reg;
    let (mut lo, mut hi) = (f64::MIN_POSITIVE.ln(), 0.0f64);
    if beta_reg(a, b, f64::MIN_POSITIVE) >= u {
        return 0.0;
    }
    // Each step halves the interval of ln x; after 64 steps it is as narrow as an f64 near
    // ln x can tell (about |ln x| · 2^-52), so x is found to that relative precision and its
    // CDF to about a · |ln x| · 2^-52 (1.6e-13 at 1e-300 for a = 1).
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if beta_reg(a, b, mid.exp()) < u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_read_the_same_value() {
        let file: Distribution =
            serde_json::from_str(r#"{"dist": "triangular", "min": 0.0, "mode": 0.1, "max": 0.3}"#)
                .unwrap();
        #[derive(Deserialize)]
        struct W {
            #[serde(with = "kind_form")]
            d: Distribution,
        }
        let kind: W = serde_json::from_str(
            r#"{"d": {"kind": "triangular", "lower": 0.0, "mode": 0.1, "upper": 0.3}}"#,
        )
        .unwrap();
        assert_eq!(file, kind.d);
        // The file form names an unknown key.
        let bad =
            serde_json::from_str::<Distribution>(r#"{"dist": "normal", "mean": 0, "sdd": 1}"#);
        assert!(bad.unwrap_err().to_string().contains("sdd"));
    }

    #[test]
    fn the_problem_form_round_trips_every_kind() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct W {
            #[serde(with = "kind_form")]
            d: Distribution,
        }
        for d in [
            Distribution::Pert {
                lower: 0.0,
                mode: 0.2,
                upper: 1.0,
                lambda: 6.0,
            },
            Distribution::Empirical {
                values: vec![1.0, 3.0, 2.0],
            },
            Distribution::TruncatedNormal {
                mean: 0.1,
                sd: 0.05,
                lower: 0.0,
                upper: 0.2,
            },
            Distribution::Fixed { value: 2.5 },
            Distribution::Bootstrap {
                from: Some(2015),
                to: None,
            },
        ] {
            let w = W { d };
            let text = serde_json::to_string(&w).unwrap();
            assert!(text.contains(r#""kind":"#), "{text}");
            assert_eq!(serde_json::from_str::<W>(&text).unwrap(), w, "{text}");
        }
        // λ defaults to 4, as in scenario files.
        let w: W =
            serde_json::from_str(r#"{"d": {"kind": "pert", "lower": 0, "mode": 1, "upper": 2}}"#)
                .unwrap();
        assert!(matches!(w.d, Distribution::Pert { lambda, .. } if lambda == 4.0));
    }

    #[test]
    fn a_zero_spread_has_its_fixed_value_as_every_quantile() {
        for (d, v) in [
            (Distribution::normal(0.1, 0.0), 0.1),
            (
                Distribution::LogNormal {
                    mu: 0.0,
                    sigma: 0.0,
                },
                1.0,
            ),
            (
                Distribution::Triangular {
                    lower: 2.0,
                    mode: 2.0,
                    upper: 2.0,
                },
                2.0,
            ),
            (
                Distribution::TruncatedNormal {
                    mean: 0.5,
                    sd: 1.0,
                    lower: 0.3,
                    upper: 0.3,
                },
                0.3,
            ),
        ] {
            assert!(d.is_fixed(), "{d:?}");
            for u in [0.0, 0.3, 1.0] {
                assert_eq!(d.quantile(u), v, "{d:?} at {u}");
            }
        }
    }

    /// Against the CDF, in both tails and across shapes (including Beta(100, 1.5), on which
    /// statrs' own inverse does not return below about 1e-162). Lower tail: I_x(a, b) at the
    /// answer is u to 1e-12 (relative), and the answer rises with u over the bisection range.
    /// Upper tail (1 − u down to 2^-52, all an f64 below 1 can hold): the true quantile lies
    /// within 2^-51 of the answer (the survival function brackets 1 − u there). At the
    /// switch to statrs' inverse the two agree to 1e-9.
    #[test]
    fn beta_quantiles_hold_in_the_far_tails() {
        use statrs::distribution::ContinuousCDF;
        for (a, b) in [
            (1.0, 5.0),
            (1.2, 4.8),
            (3.0, 3.0),
            (5.0, 1.0),
            (100.0, 1.5),
            (2.0, 50.0),
        ] {
            let beta = Beta::new(a, b).unwrap();
            let mut last = 0.0;
            for e in (13..=300).rev().step_by(7) {
                let u = 10f64.powi(-e);
                let x = beta_quantile(&beta, u);
                assert!(x > last, "Beta({a}, {b}) at 1e-{e}: {x} after {last}");
                last = x;
                let rel = beta.cdf(x) / u - 1.0;
                assert!(rel.abs() < 1e-12, "Beta({a}, {b}) at 1e-{e}: {rel:e}");
            }
            for tail in [1e-13, 1e-14, 1e-15, f64::EPSILON] {
                let up = 1.0 - tail;
                let tail = 1.0 - up;
                let x = beta_quantile(&beta, up);
                let (left, right) = (x - 2.0 * f64::EPSILON, (x + 2.0 * f64::EPSILON).min(1.0));
                assert!(
                    beta.sf(left) >= tail * (1.0 - 1e-9) && beta.sf(right) <= tail * (1.0 + 1e-9),
                    "Beta({a}, {b}) at 1 - {tail:e}: {x}"
                );
            }
            let (below, above) = (lower_tail(a, b, BETA_TAIL), beta.inverse_cdf(BETA_TAIL));
            assert!(
                (below / above - 1.0).abs() < 1e-9,
                "Beta({a}, {b}): {below} / {above}"
            );
        }
        // Shapes below 1: a quantile under the smallest normal f64 is 0.
        let sharp = Beta::new(0.5, 0.5).unwrap();
        assert_eq!(beta_quantile(&sharp, 1e-300), 0.0);
        let x = beta_quantile(&sharp, 1e-100);
        assert!((sharp.cdf(x) / 1e-100 - 1.0).abs() < 1e-12, "{x}");
        assert!(beta_quantile(&sharp, f64::NAN).is_nan());
        assert_eq!(beta_quantile(&Beta::new(2.0, 2.0).unwrap(), 0.0), 0.0);
        assert_eq!(beta_quantile(&Beta::new(2.0, 2.0).unwrap(), 1.0), 1.0);
        // The PERT the reviewer found panicking: PERT(0, 0.3, 1) at 1e-300.
        let pert = Distribution::Pert {
            lower: 0.0,
            mode: 0.3,
            upper: 1.0,
            lambda: 4.0,
        };
        let x = pert.quantile(1e-300);
        assert!(x > 0.0 && x < 1e-100, "{x}");
    }

    #[test]
    fn quantiles_match_closed_forms() {
        // PERT(0, 1, 4) with λ = 4 is 4 · Beta(1 + 4·1/4, 1 + 4·3/4) = 4 · Beta(2, 4).
        let p = Distribution::Pert {
            lower: 0.0,
            mode: 1.0,
            upper: 4.0,
            lambda: 4.0,
        };
        let beta = Beta::new(2.0, 4.0).unwrap();
        assert!((beta.cdf(p.median() / 4.0) - 0.5).abs() < 1e-10);
        // Truncated normal: the median of N(0, 1) on [0, ∞) is Φ⁻¹(0.75) = 0.6744897501960817.
        let t = Distribution::TruncatedNormal {
            mean: 0.0,
            sd: 1.0,
            lower: 0.0,
            upper: 1e6,
        };
        assert!((t.median() - 0.674_489_750_196_081_7).abs() < 1e-9);
        assert_eq!(Distribution::Fixed { value: 3.0 }.quantile(0.9), 3.0);
        assert!(
            Distribution::Bootstrap {
                from: None,
                to: None
            }
            .quantile(0.5)
            .is_nan()
        );
    }
}
