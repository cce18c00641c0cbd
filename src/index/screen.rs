//! Screening units by data availability and by their share of zeros (COINr `Screen`).
//!
//! For each unit: availability = share of indicators with a value; non-zero share = share of
//! non-zero values among the values present. A unit is kept when its availability is at least
//! `min_availability` (and, when screening by zeros, its non-zero share at least
//! `min_nonzero`); `force_include` and `force_exclude` override the rule.
//!
//! ```
//! use innodex::index::screen::{screen, ScreenSpec};
//! let cols = vec![vec![1.0, f64::NAN, 0.0], vec![2.0, f64::NAN, 0.0], vec![3.0, 5.0, 0.0]];
//! let units: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
//! let spec = ScreenSpec { min_availability: 0.5, ..ScreenSpec::default() };
//! let rep = screen(&cols, &units, &spec).unwrap();
//! assert_eq!(rep.removed, vec!["B"]);
//! assert!((rep.units[1].availability - 1.0 / 3.0).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};

use super::error::IndexError;

/// What to screen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenBy {
    /// Data availability only (COINr `byNA`).
    #[default]
    Na,
    /// Share of non-zero values only (`byzeros`).
    Zeros,
    /// Either criterion failing excludes (`byNAandzeros`).
    NaAndZeros,
}

fn two_thirds() -> f64 {
    2.0 / 3.0
}
fn five_pc() -> f64 {
    0.05
}

/// Screening settings (defaults as COINr: availability ≥ 2/3, non-zero share ≥ 5 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSpec {
    /// Minimum share of indicators with data, in [0, 1].
    #[serde(default = "two_thirds")]
    pub min_availability: f64,
    /// Minimum share of non-zero values among those present, in [0, 1].
    #[serde(default = "five_pc")]
    pub min_nonzero: f64,
    /// Which criteria to apply.
    #[serde(default)]
    pub by: ScreenBy,
    /// Units kept whatever their data.
    #[serde(default)]
    pub force_include: Vec<String>,
    /// Units removed whatever their data.
    #[serde(default)]
    pub force_exclude: Vec<String>,
}

impl Default for ScreenSpec {
    fn default() -> Self {
        ScreenSpec {
            min_availability: two_thirds(),
            min_nonzero: five_pc(),
            by: ScreenBy::Na,
            force_include: Vec::new(),
            force_exclude: Vec::new(),
        }
    }
}

/// One unit's screening figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitAvailability {
    /// The unit.
    pub unit: String,
    /// Indicators missing.
    pub n_missing: usize,
    /// Zeros among the values present.
    pub n_zero: usize,
    /// Share of indicators with data.
    pub availability: f64,
    /// Share of non-zero values among those present (`NaN` if none present).
    pub nonzero_share: f64,
    /// Kept?
    pub included: bool,
}

/// The outcome of screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenReport {
    /// Per unit, in input order.
    pub units: Vec<UnitAvailability>,
    /// Codes of the units removed.
    pub removed: Vec<String>,
}

impl ScreenReport {
    /// Rows kept, in input order.
    pub fn kept_rows(&self) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&i| self.units[i].included)
            .collect()
    }
}

/// Screens units (rows of the column-wise `cols`).
///
/// # Errors
/// [`IndexError::BadParameter`] for thresholds outside [0, 1], [`IndexError::Unknown`] for a
/// forced unit that is not in the data.
pub fn screen(
    cols: &[Vec<f64>],
    units: &[String],
    spec: &ScreenSpec,
) -> Result<ScreenReport, IndexError> {
    validate(spec, units)?;
    let mut out = Vec::with_capacity(units.len());
    let mut removed = Vec::new();
    for (r, unit) in units.iter().enumerate() {
        let (n_missing, n_zero, availability, nonzero_share, included) = judge(cols, r, unit, spec);
        if !included {
            removed.push(unit.clone());
        }
        out.push(UnitAvailability {
            unit: unit.clone(),
            n_missing,
            n_zero,
            availability,
            nonzero_share,
            included,
        });
    }
    Ok(ScreenReport {
        units: out,
        removed,
    })
}

/// One unit's figures and verdict: (missing, zeros, availability, non-zero share, kept).
fn judge(
    cols: &[Vec<f64>],
    r: usize,
    unit: &str,
    spec: &ScreenSpec,
) -> (usize, usize, f64, f64, bool) {
    let k = cols.len();
    let n_missing = cols.iter().filter(|c| c[r].is_nan()).count();
    let n_zero = cols.iter().filter(|c| c[r] == 0.0).count();
    let availability = if k == 0 {
        0.0
    } else {
        1.0 - n_missing as f64 / k as f64
    };
    let present = k - n_missing;
    let nonzero_share = if present == 0 {
        f64::NAN
    } else {
        1.0 - n_zero as f64 / present as f64
    };
    let low_data = availability < spec.min_availability;
    let low_nonzero = nonzero_share.is_nan() || nonzero_share < spec.min_nonzero;
    let mut included = match spec.by {
        ScreenBy::Na => !low_data,
        ScreenBy::Zeros => !low_nonzero,
        ScreenBy::NaAndZeros => !(low_data || low_nonzero),
    };
    if spec.force_include.iter().any(|u| u == unit) {
        included = true;
    }
    if spec.force_exclude.iter().any(|u| u == unit) {
        included = false;
    }
    (n_missing, n_zero, availability, nonzero_share, included)
}

/// The rows kept by screening, without the report (for repeated rebuilds). Thresholds and
/// forced units are assumed valid (checked by [`screen`] in the nominal build).
pub(crate) fn kept_rows(cols: &[Vec<f64>], units: &[&str], spec: &ScreenSpec) -> Vec<usize> {
    (0..units.len())
        .filter(|&r| judge(cols, r, units[r], spec).4)
        .collect()
}

/// Checks thresholds and forced units.
pub(crate) fn validate(spec: &ScreenSpec, units: &[String]) -> Result<(), IndexError> {
    for (name, v) in [
        ("screen.min_availability", spec.min_availability),
        ("screen.min_nonzero", spec.min_nonzero),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(IndexError::bad(name, format!("{v} is not in [0, 1]")));
        }
    }
    for u in spec.force_include.iter().chain(&spec.force_exclude) {
        if !units.contains(u) {
            return Err(IndexError::Unknown {
                kind: "unit",
                code: u.clone(),
            });
        }
    }
    Ok(())
}
