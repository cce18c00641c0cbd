//! Evidence against a threshold ([`proves`]) and moving references: a reference series
//! projected by a stated trend ([`ReferenceTrend`]).

use serde::{Deserialize, Serialize};

use super::*;
use crate::indicator::Indicator;
use crate::series::{Bound, Point, Series};

/// Whether the evidence `p` proves that the value reaches `need` under the indicator's
/// direction (`Some(true)`), proves that it does not (`Some(false)`), or decides nothing — a
/// bound counts only in the direction it bounds: at least 1600 proves "≥ 1425" and says
/// nothing about "≥ 2000". `strict` asks for "above" rather than "at least".
///
/// ```
/// use innodex::indicator::{Indicator, IndicatorKind};
/// use innodex::series::{Bound, Point, Provenance};
/// use innodex::target::proves;
/// let ind = Indicator::new("hte", "High-tech enterprises", IndicatorKind::Count, "");
/// let p = Point { bound: Bound::AtLeast, ..Point::new(2022, 1600.0, Provenance::Implied { note: String::new() }) };
/// assert_eq!(proves(&ind, &p, 1425.0, false), Some(true));
/// assert_eq!(proves(&ind, &p, 2000.0, false), None);
/// ```
pub fn proves(ind: &Indicator, p: &Point, need: f64, strict: bool) -> Option<bool> {
    let higher = ind.at_least_as_good(2.0, 1.0);
    let reaches = if strict {
        ind.at_least_as_good(p.value, need) && p.value != need
    } else {
        ind.at_least_as_good(p.value, need)
    };
    // The side of the figure on which the true value lies, in the good direction.
    let favourable_bound = matches!(
        (p.bound, higher),
        (Bound::AtLeast, true) | (Bound::AtMost, false)
    );
    match p.bound {
        Bound::Exact => Some(reaches),
        _ if favourable_bound => reaches.then_some(true),
        _ => (!reaches && p.value != need).then_some(false),
    }
}

/// A moving reference ("the provincial average") continued past its latest observation by a
/// stated trend: the ordinary-least-squares slope of its exact observations from the target's
/// base year to the latest one (the last four observations when fewer than two fall in that
/// window), drawn from the latest observation on. With a single observation the reference is
/// held at it, and the description says so.
///
/// ```
/// use innodex::plan::Plan;
/// use innodex::target::ReferenceTrend;
/// let plan = Plan::linyi();
/// let tr = ReferenceTrend::fit(plan.series("shandong_rd_share").unwrap(), 2020).unwrap();
/// // 2.30, 2.34, 2.49, 2.59 (2020–2023): slope 0.102 a year
/// assert!((tr.slope - 0.102).abs() < 1e-12);
/// assert!((tr.value_at(2025) - (2.59 + 2.0 * 0.102)).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceTrend {
    /// First year of the fit.
    pub fit_from: i32,
    /// Latest exact observation: its year.
    pub last_year: i32,
    /// Latest exact observation: its value.
    pub last_value: f64,
    /// Yearly change (units of the reference a year).
    pub slope: f64,
    /// Observations in the fit.
    pub n: usize,
}

impl ReferenceTrend {
    /// Fits the trend of `reference`; `None` without an exact observation.
    pub fn fit(reference: &Series, base_year: i32) -> Option<ReferenceTrend> {
        let exact: Vec<&Point> = reference
            .points()
            .iter()
            .filter(|p| p.bound.is_exact())
            .collect();
        let last = *exact.last()?;
        let mut window: Vec<&&Point> = exact.iter().filter(|p| p.year >= base_year).collect();
        if window.len() < 2 {
            window = exact.iter().rev().take(4).collect();
            window.reverse();
        }
        let x: Vec<f64> = window.iter().map(|p| p.year as f64).collect();
        let y: Vec<f64> = window.iter().map(|p| p.value).collect();
        // Fewer than two points (or one year twice) leave no slope: the reference is held.
        let slope = crate::projection::fit::OlsLine::fit(&x, &y).map_or(0.0, |l| l.slope);
        Some(ReferenceTrend {
            fit_from: window.first().map_or(last.year, |p| p.year),
            last_year: last.year,
            last_value: last.value,
            slope,
            n: window.len(),
        })
    }

    /// The trend value in `year` (after the latest observation; before it, the line through
    /// the latest observation with the same slope).
    pub fn value_at(&self, year: i32) -> f64 {
        self.last_value + self.slope * (year - self.last_year) as f64
    }

    /// The method in words.
    pub fn describe(&self) -> String {
        if self.n < 2 {
            format!(
                "held at its only observation ({} in {})",
                fmt_num(self.last_value),
                self.last_year
            )
        } else {
            format!(
                "projected from {} in {} by its linear trend {}–{} ({:+.4} a year, OLS)",
                fmt_num(self.last_value),
                self.last_year,
                self.fit_from,
                self.last_year,
                self.slope
            )
        }
    }
}

/// The reference's value in `year`: its exact observation, or else its trend projection past
/// the latest observation (`None` for a year before it that was not observed).
pub(crate) fn reference_value(
    reference: &Series,
    trend: Option<&ReferenceTrend>,
    year: i32,
) -> Option<(f64, bool)> {
    if let Some(p) = reference.point_at(year).filter(|p| p.bound.is_exact()) {
        return Some((p.value, false));
    }
    let tr = trend?;
    (year > tr.last_year).then(|| (tr.value_at(year), true))
}
