//! Annual series: years, values and where every value comes from.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::indicator::{Indicator, IndicatorError};

/// Where an observation comes from. A model never presents an assumed value as observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Provenance {
    /// Published by a source; `vintage` says which edition (statistics get revised).
    Observed {
        /// Who published it.
        source: String,
        /// Which edition or publication date.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        vintage: String,
        /// How far the figure can be trusted ("high", "medium", "low"…).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        confidence: String,
    },
    /// Not published, but follows from published statements (e.g. "doubling to 1500" ⇒ 750).
    Implied {
        /// The reasoning.
        note: String,
    },
    /// Chosen by the user or the model author.
    Assumed {
        /// Why this value.
        note: String,
    },
}

impl Provenance {
    /// `observed`, `implied` or `assumed`.
    pub fn label(&self) -> &'static str {
        match self {
            Provenance::Observed { .. } => "observed",
            Provenance::Implied { .. } => "implied",
            Provenance::Assumed { .. } => "assumed",
        }
    }

    /// One line: the label and its source or note.
    ///
    /// ```
    /// use innodex::series::Provenance;
    /// let p = Provenance::Implied { note: "doubling".into() };
    /// assert_eq!(p.describe(), "implied: doubling");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Provenance::Observed {
                source, vintage, ..
            } if !vintage.is_empty() => format!("observed: {source} ({vintage})"),
            Provenance::Observed { source, .. } => format!("observed: {source}"),
            Provenance::Implied { note } => format!("implied: {note}"),
            Provenance::Assumed { note } => format!("assumed: {note}"),
        }
    }
}

/// One value of one year, with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Calendar year.
    pub year: i32,
    /// The value, in the indicator's unit.
    pub value: f64,
    /// Where it comes from.
    pub provenance: Provenance,
}

/// An invalid series.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SeriesError {
    /// Years not strictly increasing (a duplicate or an unsorted year).
    #[error(
        "series `{indicator}`: years must be strictly increasing, but {year} follows {previous}"
    )]
    YearOrder {
        /// Indicator id.
        indicator: String,
        /// The earlier year.
        previous: i32,
        /// The offending year.
        year: i32,
    },
    /// Different numbers of years and values.
    #[error("series `{indicator}`: {years} years but {values} values")]
    Length {
        /// Indicator id.
        indicator: String,
        /// Number of years.
        years: usize,
        /// Number of values.
        values: usize,
    },
    /// A value the indicator does not allow.
    #[error("{source} (year {year})")]
    Value {
        /// The year of the value.
        year: i32,
        /// What is wrong with it.
        source: IndicatorError,
    },
}

/// An annual series of one indicator: strictly increasing years, valid values.
///
/// ```
/// use innodex::indicator::{Indicator, IndicatorKind};
/// use innodex::series::{Provenance, Series};
/// let ind = Indicator::new("rd_share", "R&D share", IndicatorKind::Share, "%");
/// let src = Provenance::Observed { source: "NBS".into(), vintage: String::new(), confidence: String::new() };
/// let s = Series::from_values(&ind, &[2019, 2020], &[2.10, 2.30], src.clone()).unwrap();
/// assert_eq!(s.value_at(2020), Some(2.30));
/// assert!(Series::from_values(&ind, &[2020], &[140.0], src).is_err()); // a share of 140 %
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Series {
    points: Vec<Point>,
}

impl Series {
    /// Builds a series from points, validating order and values against `indicator`.
    ///
    /// # Errors
    /// [`SeriesError::YearOrder`] for unsorted or repeated years, [`SeriesError::Value`] for a
    /// value outside the indicator's bounds.
    pub fn new(indicator: &Indicator, points: Vec<Point>) -> Result<Self, SeriesError> {
        for w in points.windows(2) {
            if w[1].year <= w[0].year {
                return Err(SeriesError::YearOrder {
                    indicator: indicator.id.clone(),
                    previous: w[0].year,
                    year: w[1].year,
                });
            }
        }
        for p in &points {
            indicator
                .check_value(p.value)
                .map_err(|source| SeriesError::Value {
                    year: p.year,
                    source,
                })?;
        }
        Ok(Series { points })
    }

    /// Builds a series from parallel slices with one provenance for all values.
    ///
    /// # Errors
    /// As [`Series::new`], plus [`SeriesError::Length`].
    pub fn from_values(
        indicator: &Indicator,
        years: &[i32],
        values: &[f64],
        provenance: Provenance,
    ) -> Result<Self, SeriesError> {
        if years.len() != values.len() {
            return Err(SeriesError::Length {
                indicator: indicator.id.clone(),
                years: years.len(),
                values: values.len(),
            });
        }
        let points = years
            .iter()
            .zip(values)
            .map(|(&year, &value)| Point {
                year,
                value,
                provenance: provenance.clone(),
            })
            .collect();
        Series::new(indicator, points)
    }

    /// The points in year order.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Whether the series has no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The point of `year`, if observed.
    pub fn point_at(&self, year: i32) -> Option<&Point> {
        self.points
            .binary_search_by_key(&year, |p| p.year)
            .ok()
            .map(|i| &self.points[i])
    }

    /// The value of `year`, if observed.
    pub fn value_at(&self, year: i32) -> Option<f64> {
        self.point_at(year).map(|p| p.value)
    }

    /// The last point (latest year).
    pub fn last(&self) -> Option<&Point> {
        self.points.last()
    }

    /// The latest point in a year ≤ `year`.
    pub fn last_at_or_before(&self, year: i32) -> Option<&Point> {
        self.points.iter().rev().find(|p| p.year <= year)
    }

    /// Years, in order.
    pub fn years(&self) -> Vec<i32> {
        self.points.iter().map(|p| p.year).collect()
    }

    /// Values, in year order.
    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.value).collect()
    }

    /// Inserts or replaces the value of one year, validating it.
    ///
    /// # Errors
    /// [`SeriesError::Value`] if the indicator does not allow the value; the series is unchanged.
    pub fn upsert(&mut self, indicator: &Indicator, point: Point) -> Result<(), SeriesError> {
        indicator
            .check_value(point.value)
            .map_err(|source| SeriesError::Value {
                year: point.year,
                source,
            })?;
        match self.points.binary_search_by_key(&point.year, |p| p.year) {
            Ok(i) => self.points[i] = point,
            Err(i) => self.points.insert(i, point),
        }
        Ok(())
    }
}
