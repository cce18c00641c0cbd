//! Denomination: dividing extensive indicators by a size variable (GDP, population, area…) so
//! that units of different size compare (OECD/JRC Handbook 2008, §1.3; COINr `Denominate`).
//!
//! The denominated value is `x · scale / d`, i.e. COINr's `x / (d / ScaleFactor)`. A missing
//! or zero denominator gives a missing value.
//!
//! ```
//! use innodex::index::denominate::denominate_column;
//! let out = denominate_column(&[10.0, 6.0, f64::NAN], &[2.0, 0.0, 1.0], 1000.0);
//! assert_eq!(out[0], 5000.0);
//! assert!(out[1].is_nan() && out[2].is_nan());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::IndexError;
use super::framework::Framework;
use super::table::UnitData;

/// How to denominate one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Denomination {
    /// The denominator column of the unit data.
    pub by: String,
    /// Factor multiplying the ratio (default 1).
    #[serde(default = "crate::io::defaults::one")]
    pub scale: f64,
}

/// Denomination settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenominateSpec {
    /// Use the denominators named in the framework (`iMeta` column `Denominator`); default true.
    #[serde(default = "crate::io::defaults::yes")]
    pub use_metadata: bool,
    /// Per-indicator settings, overriding the metadata.
    #[serde(default)]
    pub indicators: BTreeMap<String, Denomination>,
}

impl Default for DenominateSpec {
    fn default() -> Self {
        DenominateSpec {
            use_metadata: true,
            indicators: BTreeMap::new(),
        }
    }
}

/// `x · scale / d`, missing where `x` or `d` is missing or `d` is zero.
pub fn denominate_column(x: &[f64], d: &[f64], scale: f64) -> Vec<f64> {
    x.iter()
        .zip(d)
        .map(|(&v, &den)| {
            if den == 0.0 || den.is_nan() {
                f64::NAN
            } else {
                v * scale / den
            }
        })
        .collect()
}

/// The denomination of each indicator (none if not denominated).
///
/// # Errors
/// [`IndexError::Unknown`] for an unknown indicator or denominator column,
/// [`IndexError::BadParameter`] for a non-finite or zero scale.
pub fn resolve(
    fw: &Framework,
    data: &UnitData,
    spec: &DenominateSpec,
) -> Result<Vec<Option<Denomination>>, IndexError> {
    let mut out: Vec<Option<Denomination>> = (0..fw.n_indicators())
        .map(|i| {
            if spec.use_metadata {
                fw.node(i)
                    .denominator
                    .clone()
                    .map(|by| Denomination { by, scale: 1.0 })
            } else {
                None
            }
        })
        .collect();
    for (code, d) in &spec.indicators {
        let i = fw
            .index_of(code)
            .filter(|&i| i < fw.n_indicators())
            .ok_or_else(|| IndexError::Unknown {
                kind: "indicator",
                code: code.clone(),
            })?;
        if !d.scale.is_finite() || d.scale == 0.0 {
            return Err(IndexError::bad(
                format!("denominate.{code}.scale"),
                "must be finite and non-zero",
            ));
        }
        out[i] = Some(d.clone());
    }
    for d in out.iter().flatten() {
        if !data.denominators.contains_key(&d.by) {
            return Err(IndexError::Unknown {
                kind: "denominator",
                code: d.by.clone(),
            });
        }
    }
    Ok(out)
}

/// Denominates the indicator columns of `data` (in framework order) as resolved.
pub fn apply(data: &UnitData, values: &[Vec<f64>], how: &[Option<Denomination>]) -> Vec<Vec<f64>> {
    values
        .iter()
        .zip(how)
        .map(|(col, h)| match h {
            None => col.clone(),
            Some(d) => denominate_column(col, &data.denominators[&d.by], d.scale),
        })
        .collect()
}
