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
    /// Computed from other figures (e.g. R&D / GDP from two published values); `note` gives
    /// the arithmetic.
    Derived {
        /// The formula, with the figures it uses.
        note: String,
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
            Provenance::Derived { .. } => "derived",
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
            Provenance::Derived { note } => format!("derived: {note}"),
            Provenance::Implied { note } => format!("implied: {note}"),
            Provenance::Assumed { note } => format!("assumed: {note}"),
        }
    }
}

/// How a published figure bounds the true value: "1600余家" (more than 1600) is `AtLeast`.
///
/// A bound is evidence only in the direction it bounds: at least 1600 proves "≥ 1425" and
/// proves nothing about "≤ 1000".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The figure is the value.
    #[default]
    Exact,
    /// The value is at least the figure.
    AtLeast,
    /// The value is at most the figure.
    AtMost,
}

impl Bound {
    /// `exact`, `at_least` or `at_most`, as in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Bound::Exact => "exact",
            Bound::AtLeast => "at_least",
            Bound::AtMost => "at_most",
        }
    }

    /// The sign written before a bounded figure (`≥`, `≤` or nothing).
    pub fn sign(self) -> &'static str {
        match self {
            Bound::Exact => "",
            Bound::AtLeast => "≥ ",
            Bound::AtMost => "≤ ",
        }
    }

    /// Whether the figure is the value itself.
    pub fn is_exact(&self) -> bool {
        *self == Bound::Exact
    }

    /// Parses `exact`, `at_least` or `at_most`.
    ///
    /// ```
    /// use innodex::series::Bound;
    /// assert_eq!(Bound::parse("at_least"), Some(Bound::AtLeast));
    /// assert_eq!(Bound::parse("about"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Bound> {
        match s {
            "exact" => Some(Bound::Exact),
            "at_least" => Some(Bound::AtLeast),
            "at_most" => Some(Bound::AtMost),
            _ => None,
        }
    }
}

/// Which release of a published figure: statistics offices publish a preliminary figure
/// (预计, 初步核算) and revise it later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Release {
    /// An estimate published before the final figure.
    Preliminary,
    /// The final (or only) figure.
    Final,
}

impl Release {
    /// `final` or `preliminary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Release::Final => "final",
            Release::Preliminary => "preliminary",
        }
    }
}

/// A publication date with the precision the source gives: a year, a month or a day.
///
/// Compared by the last day it can mean (`2023-05` is known by 2023-05-31), so "published by
/// a date" is never claimed earlier than the source allows.
///
/// ```
/// use innodex::series::PubDate;
/// let d: PubDate = "2023-05".parse().unwrap();
/// assert_eq!(d.known_by(), (2023, 5, 31));
/// assert!("2023-05-31".parse::<PubDate>().unwrap() >= d);
/// assert!("May 2023".parse::<PubDate>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PubDate {
    /// Year.
    pub year: i32,
    /// Month (1–12), if given.
    pub month: Option<u8>,
    /// Day (1–31), if given.
    pub day: Option<u8>,
}

impl PubDate {
    /// The last (year, month, day) the date can mean.
    pub fn known_by(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(12), self.day.unwrap_or(31))
    }
}

impl PartialOrd for PubDate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PubDate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.known_by().cmp(&other.known_by())
    }
}

impl std::fmt::Display for PubDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for PubDate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{}` is not a date YYYY, YYYY-MM or YYYY-MM-DD",
                crate::io::excerpt(s, 40)
            )
        };
        let parts: Vec<&str> = s.trim().split('-').collect();
        if parts.is_empty() || parts.len() > 3 || parts[0].len() != 4 {
            return Err(bad());
        }
        let num = |p: &str, len: usize| -> Result<u32, String> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let year = num(parts[0], 4)? as i32;
        let month = parts.get(1).map(|m| num(m, 2)).transpose()?;
        let day = parts.get(2).map(|d| num(d, 2)).transpose()?;
        if month.is_some_and(|m| !(1..=12).contains(&m))
            || day.is_some_and(|d| !(1..=31).contains(&d))
        {
            return Err(bad());
        }
        Ok(PubDate {
            year,
            month: month.map(|m| m as u8),
            day: day.map(|d| d as u8),
        })
    }
}

impl TryFrom<String> for PubDate {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<PubDate> for String {
    fn from(d: PubDate) -> String {
        d.to_string()
    }
}

/// One value of one year: a piece of evidence with its provenance, its bound, its release and
/// its publication date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Calendar year.
    pub year: i32,
    /// The value, in the indicator's unit.
    pub value: f64,
    /// Where it comes from.
    pub provenance: Provenance,
    /// Whether the figure is the value or a bound on it.
    #[serde(default, skip_serializing_if = "Bound::is_exact")]
    pub bound: Bound,
    /// Final or preliminary (for published figures; `None` when the source does not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Release>,
    /// When the source published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PubDate>,
}

impl Point {
    /// An exact point with no release or publication date.
    ///
    /// ```
    /// use innodex::series::{Bound, Point, Provenance};
    /// let p = Point::new(2020, 750.0, Provenance::Implied { note: "doubling".into() });
    /// assert_eq!(p.bound, Bound::Exact);
    /// ```
    pub fn new(year: i32, value: f64, provenance: Provenance) -> Point {
        Point {
            year,
            value,
            provenance,
            bound: Bound::Exact,
            release: None,
            published: None,
        }
    }

    /// The evidence in one line: value with its bound, year, label, release and date
    /// (`≥ 1600 (2022; observed, final, published 2023-05)`).
    pub fn describe_evidence(&self) -> String {
        let mut tags = vec![self.provenance.label().to_string()];
        if let Some(r) = self.release {
            tags.push(r.as_str().into());
        }
        if let Some(d) = self.published {
            tags.push(format!("published {d}"));
        }
        format!(
            "{}{} ({}; {})",
            self.bound.sign(),
            crate::target::fmt_num(self.value),
            self.year,
            tags.join(", ")
        )
    }

    /// The rank of this evidence when several figures describe one year: an observed final
    /// figure beats a preliminary one, which beats a derived, implied or assumed value; a later
    /// publication beats an earlier one of the same kind.
    pub(crate) fn rank(&self) -> (u8, (i32, u8, u8)) {
        let kind = match (&self.provenance, self.release) {
            (Provenance::Observed { .. }, Some(Release::Preliminary)) => 4,
            (Provenance::Observed { .. }, _) => 5,
            (Provenance::Derived { .. }, _) => 3,
            (Provenance::Implied { .. }, _) => 2,
            (Provenance::Assumed { .. }, _) => 1,
        };
        (
            kind,
            self.published.map(|d| d.known_by()).unwrap_or((0, 0, 0)),
        )
    }
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
            .map(|(&year, &value)| Point::new(year, value, provenance.clone()))
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
