//! Indicator metadata: what a number measures, in which unit, and which values it can take.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A name in English and Chinese (the plans this crate models are Chinese documents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// English name.
    pub en: String,
    /// Chinese name (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub zh: String,
}

/// What kind of quantity an indicator is; the kind fixes the values it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A stock of things counted at a point in time (enterprises, people): ≥ 0.
    Count,
    /// A money or physical amount (GDP, a budget): ≥ 0.
    Amount,
    /// A part of a whole in per cent: 0 ≤ value ≤ 100.
    Share,
    /// A ratio of two other indicators (`numerator / denominator × scale`): finite and ≥ 0.
    Ratio,
    /// Things added during each year (entries, projects): ≥ 0.
    Flow,
}

impl IndicatorKind {
    /// The closed interval a value of this kind must lie in.
    ///
    /// ```
    /// use innodex::indicator::IndicatorKind;
    /// assert_eq!(IndicatorKind::Share.bounds(), (0.0, 100.0));
    /// ```
    pub fn bounds(self) -> (f64, f64) {
        match self {
            IndicatorKind::Share => (0.0, 100.0),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// Lower-case name as used in plan files.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Count => "count",
            IndicatorKind::Amount => "amount",
            IndicatorKind::Share => "share",
            IndicatorKind::Ratio => "ratio",
            IndicatorKind::Flow => "flow",
        }
    }
}

/// Whether more of an indicator is better (most innovation indicators) or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher values are better (COINr direction +1).
    #[default]
    HigherIsBetter,
    /// Lower values are better (COINr direction −1).
    LowerIsBetter,
}

/// The metadata of one indicator.
///
/// ```
/// use innodex::indicator::{Indicator, IndicatorKind};
/// let hte = Indicator::new("hte_count", "High-tech enterprises", IndicatorKind::Count, "enterprises");
/// assert!(hte.check_value(750.0).is_ok());
/// assert!(hte.check_value(-1.0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Unique identifier within a plan (`snake_case`).
    pub id: String,
    /// English and Chinese names.
    pub name: Names,
    /// Unit of measurement, e.g. "enterprises", "%", "100 million yuan".
    pub unit: String,
    /// Kind of quantity.
    pub kind: IndicatorKind,
    /// Whether higher is better.
    #[serde(default)]
    pub direction: Direction,
    /// The region measured when it is not the plan's own (e.g. "Shandong" for a reference series).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// For a ratio: the numerator indicator's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<String>,
    /// For a ratio: the denominator indicator's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    /// For a ratio: the factor applied to numerator / denominator (100 for per cent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// Free text: definition, caveats.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A value outside what an indicator's kind allows.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum IndicatorError {
    /// NaN or infinite.
    #[error(
        "indicator `{}`: value must be finite, got {value}",
        crate::io::ex(indicator)
    )]
    NotFinite {
        /// Indicator id.
        indicator: String,
        /// The value.
        value: f64,
    },
    /// Outside the kind's bounds.
    #[error(
        "indicator `{}` ({kind}): value {value} is outside [{lo}, {hi}]",
        crate::io::ex(indicator)
    )]
    OutOfBounds {
        /// Indicator id.
        indicator: String,
        /// Kind name.
        kind: &'static str,
        /// The value.
        value: f64,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// Metadata that does not hang together (a ratio without a numerator, an empty id…).
    #[error("indicator `{}`: {problem}", crate::io::ex(indicator))]
    Invalid {
        /// Indicator id.
        indicator: String,
        /// What is wrong.
        problem: String,
    },
}

impl Indicator {
    /// A higher-is-better indicator with an English name only.
    pub fn new(id: &str, name_en: &str, kind: IndicatorKind, unit: &str) -> Self {
        Indicator {
            id: id.to_string(),
            name: Names {
                en: name_en.to_string(),
                zh: String::new(),
            },
            unit: unit.to_string(),
            kind,
            direction: Direction::HigherIsBetter,
            region: None,
            numerator: None,
            denominator: None,
            scale: None,
            description: String::new(),
        }
    }

    /// The closed interval a value of this indicator must lie in: its kind's
    /// ([`IndicatorKind::bounds`]), except that a ratio in per cent (`unit = "%"`, such as R&D
    /// expenditure / GDP × 100) is a share of its denominator and so lies in 0–100 too. Without
    /// this, `--baseline rd_share:2020=140` was accepted and gave a required CAGR of −55 %.
    ///
    /// ```
    /// use innodex::indicator::{Indicator, IndicatorKind};
    /// let mut r = Indicator::new("rd_share", "R&D / GDP", IndicatorKind::Ratio, "%");
    /// assert_eq!(r.bounds(), (0.0, 100.0));
    /// assert!(r.check_value(140.0).is_err());
    /// r.unit = "yuan per person".into();
    /// assert_eq!(r.bounds(), (0.0, f64::INFINITY));
    /// ```
    pub fn bounds(&self) -> (f64, f64) {
        match self.kind {
            IndicatorKind::Ratio if self.unit.trim() == "%" => IndicatorKind::Share.bounds(),
            kind => kind.bounds(),
        }
    }

    /// Checks one value against the indicator's bounds ([`Indicator::bounds`]).
    ///
    /// # Errors
    /// [`IndicatorError::NotFinite`] or [`IndicatorError::OutOfBounds`].
    pub fn check_value(&self, value: f64) -> Result<(), IndicatorError> {
        if !value.is_finite() {
            return Err(IndicatorError::NotFinite {
                indicator: self.id.clone(),
                value,
            });
        }
        let (lo, hi) = self.bounds();
        if value < lo || value > hi {
            return Err(IndicatorError::OutOfBounds {
                indicator: self.id.clone(),
                kind: self.kind.as_str(),
                value,
                lo,
                hi,
            });
        }
        Ok(())
    }

    /// Checks the metadata itself: a non-empty id, and numerator/denominator present exactly
    /// for ratios.
    ///
    /// # Errors
    /// [`IndicatorError::Invalid`] naming the problem.
    pub fn validate(&self) -> Result<(), IndicatorError> {
        let invalid = |problem: &str| IndicatorError::Invalid {
            indicator: self.id.clone(),
            problem: problem.to_string(),
        };
        if self.id.trim().is_empty() {
            return Err(invalid("id must not be empty"));
        }
        let is_ratio = self.kind == IndicatorKind::Ratio;
        let has_parts = self.numerator.is_some() || self.denominator.is_some();
        if is_ratio && (self.numerator.is_none() || self.denominator.is_none()) {
            return Err(invalid(
                "kind = \"ratio\" needs both `numerator` and `denominator`",
            ));
        }
        if !is_ratio && has_parts {
            return Err(invalid(
                "`numerator`/`denominator` are only allowed with kind = \"ratio\"",
            ));
        }
        if let Some(s) = self.scale
            && !(s.is_finite() && s > 0.0)
        {
            return Err(invalid(&format!(
                "`scale` must be positive and finite, got {s}"
            )));
        }
        Ok(())
    }

    /// Whether `a` is at least as good as `b` under the indicator's direction.
    ///
    /// ```
    /// use innodex::indicator::{Indicator, IndicatorKind};
    /// let i = Indicator::new("x", "x", IndicatorKind::Amount, "");
    /// assert!(i.at_least_as_good(2.0, 1.0));
    /// ```
    pub fn at_least_as_good(&self, a: f64, b: f64) -> bool {
        match self.direction {
            Direction::HigherIsBetter => a >= b,
            Direction::LowerIsBetter => a <= b,
        }
    }
}
