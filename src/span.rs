//! Evidence over a span of years: "R&D spending grew 11.5 % a year on average in 2021–2025",
//! "more than 20 000 high-tech enterprises were added in 2021–2025". Sources state progress
//! this way as often as they give yearly values, and a span figure is evidence like any other:
//! it is kept as given, listed with the plan's evidence, and where the value of the year before
//! the span is known it yields the value of the span's last year as a **derived** point (with
//! its arithmetic), which ranks below any observed figure of that year.
//!
//! A span `from–to` covers the changes of the years `from`, …, `to`: from the level of
//! `from − 1` to the level of `to` (the usual reading of "average growth over 2021–2025" in
//! statistical communiqués, whose base is the 2020 level). So with base value v₀ and n = to −
//! from + 1 years:
//! - average growth g (% a year, compound): v(to) = v₀ · (1 + g/100)ⁿ;
//! - change Δ (in the indicator's unit): v(to) = v₀ + Δ.
//!
//! ```
//! use innodex::span::{SpanEntry, SpanMeasure};
//! use innodex::series::{Bound, Point, Provenance};
//! let span = SpanEntry::new("rd_expenditure", 2021, 2025, SpanMeasure::AverageGrowth, 11.5);
//! let base = Point::new(2020, 1681.9, Provenance::Assumed { note: "example".into() });
//! let end = span.end_point(&base).unwrap();
//! assert_eq!(end.year, 2025);
//! assert!((end.value - 1681.9 * 1.115_f64.powi(5)).abs() < 1e-9);
//! assert_eq!(end.bound, Bound::Exact);
//! ```

use serde::{Deserialize, Serialize};

use crate::series::{Bound, Point, Provenance, PubDate, Release};
use crate::target::fmt_num;

/// What a span figure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanMeasure {
    /// Average yearly growth in percent, compounded (年均增长).
    AverageGrowth,
    /// Total change over the span, in the indicator's unit (增加, 新增).
    Change,
}

impl SpanMeasure {
    /// `average_growth` or `change`, as written in plan files and CSV tables.
    pub fn label(self) -> &'static str {
        match self {
            SpanMeasure::AverageGrowth => "average_growth",
            SpanMeasure::Change => "change",
        }
    }

    /// Parses [`SpanMeasure::label`].
    pub fn parse(text: &str) -> Option<SpanMeasure> {
        match text {
            "average_growth" => Some(SpanMeasure::AverageGrowth),
            "change" => Some(SpanMeasure::Change),
            _ => None,
        }
    }
}

/// One `[[spans]]` entry of a plan file (or a CSV row whose year is a span such as
/// `2021-2025`): a figure over the years `from`–`to`, as its source gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpanEntry {
    /// Indicator id.
    pub indicator: String,
    /// First year whose change the span covers (the base level is that of `from − 1`).
    pub from: i32,
    /// Last year of the span.
    pub to: i32,
    /// What the value measures.
    pub measure: SpanMeasure,
    /// The figure (for a bound, the bound): percent a year, or a change in the indicator's
    /// unit.
    pub value: f64,
    /// Where the figure comes from.
    pub provenance: Provenance,
    /// `exact` (default), `at_least` or `at_most`.
    #[serde(default, skip_serializing_if = "Bound::is_exact")]
    pub bound: Bound,
    /// `final` or `preliminary`, for published figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Release>,
    /// Publication date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PubDate>,
}

impl SpanEntry {
    /// An exact span figure with an assumed provenance (for examples and tests; files give
    /// the source).
    pub fn new(indicator: &str, from: i32, to: i32, measure: SpanMeasure, value: f64) -> Self {
        SpanEntry {
            indicator: indicator.to_string(),
            from,
            to,
            measure,
            value,
            provenance: Provenance::Assumed {
                note: "example".into(),
            },
            bound: Bound::Exact,
            status: None,
            published: None,
        }
    }

    /// The year whose level the span starts from (`from − 1`).
    pub fn base_year(&self) -> i32 {
        self.from - 1
    }

    /// Years of change the span covers.
    pub fn years(&self) -> i32 {
        self.to - self.from + 1
    }

    /// Why the entry is not a usable span figure, if it is not: `to` before `from`, a value
    /// that is not finite, or an average growth of −100 % or less.
    pub fn problem(&self) -> Option<String> {
        if self.to < self.from {
            return Some(format!(
                "span {}–{} ends before it starts",
                self.from, self.to
            ));
        }
        if !self.value.is_finite() {
            return Some(format!("value {} is not a finite number", self.value));
        }
        if self.measure == SpanMeasure::AverageGrowth && self.value <= -100.0 {
            return Some(format!(
                "an average growth of {} % a year is impossible (must be above −100)",
                fmt_num(self.value)
            ));
        }
        None
    }

    /// One line for reports: "average growth 11.5 % a year over 2021–2025 (preliminary)".
    pub fn describe(&self) -> String {
        let bound = match self.bound {
            Bound::Exact => "",
            Bound::AtLeast => "at least ",
            Bound::AtMost => "at most ",
        };
        let what = match self.measure {
            SpanMeasure::AverageGrowth => {
                format!("average growth {bound}{} % a year", fmt_num(self.value))
            }
            SpanMeasure::Change => format!("change {bound}{:+}", self.value),
        };
        let status = match self.status {
            Some(Release::Preliminary) => " (preliminary)",
            Some(Release::Final) => " (final)",
            None => "",
        };
        format!("{what} over {}–{}{status}", self.from, self.to)
    }

    /// The value of the span's last year that follows from the base-year point `base`, as a
    /// derived point carrying the arithmetic, the span's release status and publication date;
    /// `None` when `base` is not of [`SpanEntry::base_year`] or the bounds of the base and the
    /// span point in opposite directions (nothing then follows).
    pub fn end_point(&self, base: &Point) -> Option<Point> {
        if base.year != self.base_year() || self.problem().is_some() {
            return None;
        }
        let bound = match (base.bound, self.bound) {
            (Bound::Exact, b) | (b, Bound::Exact) => b,
            (a, b) if a == b => a,
            _ => return None,
        };
        let n = self.years();
        let (value, formula) = match self.measure {
            SpanMeasure::AverageGrowth => (
                base.value * (1.0 + self.value / 100.0).powi(n),
                format!(
                    "{} × (1 + {} %)^{n}",
                    fmt_num(base.value),
                    fmt_num(self.value)
                ),
            ),
            SpanMeasure::Change => (
                base.value + self.value,
                format!("{} {:+}", fmt_num(base.value), self.value),
            ),
        };
        if !value.is_finite() {
            return None;
        }
        let source = match &self.provenance {
            Provenance::Observed { source, .. } => source.clone(),
            other => other.describe(),
        };
        Some(Point {
            year: self.to,
            value,
            provenance: Provenance::Derived {
                note: format!(
                    "{formula} = {} from the {} value and the {} ({source})",
                    fmt_num(value),
                    base.year,
                    self.describe()
                ),
            },
            bound,
            release: self.status,
            published: self.published,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(year: i32, value: f64) -> Point {
        Point::new(
            year,
            value,
            Provenance::Assumed {
                note: "test".into(),
            },
        )
    }

    #[test]
    fn change_and_bounds_combine_in_one_direction_only() {
        let mut span = SpanEntry::new("hte", 2021, 2025, SpanMeasure::Change, 20000.0);
        span.bound = Bound::AtLeast;
        let base = point(2020, 11466.0);
        let end = span.end_point(&base).unwrap();
        assert_eq!(
            (end.year, end.value, end.bound),
            (2025, 31466.0, Bound::AtLeast)
        );
        let mut at_most_base = base.clone();
        at_most_base.bound = Bound::AtMost;
        assert!(span.end_point(&at_most_base).is_none());
        // Only the year before the span is a base.
        assert!(span.end_point(&point(2021, 1.0)).is_none());
    }

    #[test]
    fn problems_are_named() {
        let bad = SpanEntry::new("x", 2025, 2021, SpanMeasure::Change, 1.0);
        assert!(bad.problem().unwrap().contains("ends before it starts"));
        let crash = SpanEntry::new("x", 2021, 2025, SpanMeasure::AverageGrowth, -100.0);
        assert!(crash.problem().unwrap().contains("impossible"));
        assert!(crash.end_point(&point(2020, 5.0)).is_none());
    }
}
