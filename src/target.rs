//! The target algebra: every kind of target a development plan sets, the yearly path each one
//! requires from its baseline, and the assessment of observations against it.
//!
//! | kind | plan wording | fields |
//! |---|---|---|
//! | `level` | "high-tech output share reaches 46 % by 2025" | `value`, `by`, optional `base_year` |
//! | `multiple_of_base` | "high-tech enterprises double on 2020 by 2025" | `factor`, `base_year`, `by` |
//! | `at_least_reference` | "R&D share above the provincial average by 2025" | `reference`, `by`, optional `margin`, `base_year` |
//! | `yearly_flow` | "at least 600 SMEs enter each year" | `min`, `from`, `to` |
//! | `net_increase` | "a net increase of at least 150 a year" | `min`, `from`, `to` |
//! | `growth_floor` | "R&D spending grows at least 7 % a year on average" | `min_rate`, `from`, `to` |
//! | `cumulative_flow` | "at least 3000 entries over the period" | `min_total`, `from`, `to` |
//!
//! `from..=to` are the years a yearly condition applies to; its base is `from − 1` (the stock
//! before the first increase). Any level target may be approximate ("about 1500"): `about` is
//! the relative tolerance, so `about = 0.05` accepts 1425.
//!
//! Assessment rules (the direction of the indicator is respected throughout):
//! - a level target is **met** once an observation at or before the target year reaches the
//!   target (within tolerance); **off track** if the target year's observation falls short;
//!   before the target year it is **on track** when the latest observation is at least the
//!   required path (compound by default, `path = "linear"` to choose the other) in that year;
//! - a relative target compares with the reference series in the same year; below it, the gap
//!   must have closed at least linearly since the base year to count as on track;
//! - yearly flows and net increases are **off track** as soon as one year falls short, **met**
//!   when every year is observed and passes, and **on track** while the observed years pass;
//! - without the data these rules need, the status is **not assessable** with the reason.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::growth;
use crate::indicator::Indicator;
use crate::series::{Bound, Point, Series};

/// Which required path a level target is assessed against before its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// Constant yearly growth rate.
    #[default]
    Compound,
    /// Constant yearly increment.
    Linear,
}

/// The rule of a target, one variant per kind of target (see the module table).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Rule {
    /// A level by a year.
    Level {
        /// Target level.
        value: f64,
        /// Target year.
        by: i32,
    },
    /// `factor` times the base year's level, by a year.
    MultipleOfBase {
        /// Multiple of the base level (2 = doubling).
        factor: f64,
        /// Target year.
        by: i32,
    },
    /// At least a reference series (plus `margin`), by a year.
    AtLeastReference {
        /// Id of the reference indicator.
        reference: String,
        /// Target year.
        by: i32,
        /// Amount added to the reference (0 = "reach or exceed").
        margin: f64,
    },
    /// A flow of at least `min` in every year `from..=to`.
    YearlyFlow {
        /// Minimum yearly flow.
        min: f64,
        /// First year.
        from: i32,
        /// Last year.
        to: i32,
    },
    /// A stock growing by at least `min` in every year `from..=to`.
    NetIncrease {
        /// Minimum yearly increase.
        min: f64,
        /// First year of increase (base stock is `from − 1`).
        from: i32,
        /// Last year.
        to: i32,
    },
    /// Average compound growth of at least `min_rate` from `from − 1` to `to`.
    GrowthFloor {
        /// Minimum average yearly growth rate (0.07 = 7 %).
        min_rate: f64,
        /// First year of growth.
        from: i32,
        /// Last year.
        to: i32,
    },
    /// A flow summing to at least `min_total` over `from..=to`.
    CumulativeFlow {
        /// Minimum total.
        min_total: f64,
        /// First year.
        from: i32,
        /// Last year.
        to: i32,
    },
}

impl Rule {
    /// The kind's name as written in plan files.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Rule::Level { .. } => "level",
            Rule::MultipleOfBase { .. } => "multiple_of_base",
            Rule::AtLeastReference { .. } => "at_least_reference",
            Rule::YearlyFlow { .. } => "yearly_flow",
            Rule::NetIncrease { .. } => "net_increase",
            Rule::GrowthFloor { .. } => "growth_floor",
            Rule::CumulativeFlow { .. } => "cumulative_flow",
        }
    }
}

/// A target of a plan.
///
/// In files a target is a flat table with a `kind` key (see the module docs); it is checked
/// when read, so a `Target` value always has the fields its kind needs.
///
/// ```
/// use innodex::target::Target;
/// let t: Target = toml::from_str(r#"
///     id = "hte_doubling"
///     indicator = "hte_count"
///     kind = "multiple_of_base"
///     factor = 2.0
///     base_year = 2020
///     by = 2025
///     about = 0.05
/// "#).unwrap();
/// assert_eq!(t.target_year(), 2025);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TargetSpec", into = "TargetSpec")]
pub struct Target {
    /// Unique id within the plan.
    pub id: String,
    /// The indicator the target is about.
    pub indicator: String,
    /// Short English description.
    pub name: String,
    /// The plan's original words.
    pub quote: String,
    /// The rule.
    pub rule: Rule,
    /// Base year of the required path; `None` means the plan's base year.
    pub base_year: Option<i32>,
    /// Relative tolerance of an approximate ("about") target.
    pub about: Option<f64>,
    /// The path used for on-track assessment of level targets.
    pub path: PathKind,
    /// `at_least_reference`: the value must be strictly above the reference ("超过", exceed)
    /// rather than at or above it ("达到或超过", reach or exceed).
    pub strict: bool,
    /// How the plan's words are read, when they allow more than one reading (shown in
    /// reports beside the target).
    pub reading: String,
    /// The other reading of the same words, as a complete target (see
    /// [`crate::plan::Plan::with_alternative_readings`]).
    pub alternative: Option<Box<Target>>,
}

/// The flat file form of a [`Target`]: every field of every kind, checked on conversion.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Target id.
    pub id: String,
    /// Indicator id.
    pub indicator: String,
    /// Kind of target (`level`, `multiple_of_base`, …).
    pub kind: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Original words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    /// `level`: the level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `multiple_of_base`: the factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// `at_least_reference`: the reference indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `at_least_reference`: margin over the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// `yearly_flow`, `net_increase`: the yearly minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// `growth_floor`: the minimum rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rate: Option<f64>,
    /// `cumulative_flow`: the minimum total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_total: Option<f64>,
    /// Base year of the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_year: Option<i32>,
    /// Target year of level targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<i32>,
    /// First year of yearly targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i32>,
    /// Last year of yearly targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i32>,
    /// Relative tolerance ("about").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<f64>,
    /// Path for assessment (`compound` or `linear`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathKind>,
    /// `at_least_reference`: strictly above the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// How the plan's words are read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reading: String,
    /// The other reading, as a complete target table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Box<Target>>,
}

/// An invalid target definition.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TargetError {
    /// A field the kind needs is missing.
    #[error("target `{target}` (kind `{kind}`) needs the field `{field}`")]
    Missing {
        /// Target id.
        target: String,
        /// Kind.
        kind: String,
        /// Missing field.
        field: &'static str,
    },
    /// A field the kind does not use is present.
    #[error("target `{target}` (kind `{kind}`) does not take the field `{field}`")]
    Unexpected {
        /// Target id.
        target: String,
        /// Kind.
        kind: String,
        /// Extra field.
        field: &'static str,
    },
    /// An unknown `kind`.
    #[error(
        "target `{target}`: unknown kind `{kind}` (expected level, multiple_of_base, at_least_reference, yearly_flow, net_increase, growth_floor or cumulative_flow)"
    )]
    UnknownKind {
        /// Target id.
        target: String,
        /// The kind given.
        kind: String,
    },
    /// A field with an invalid value.
    #[error("target `{target}`: field `{field}` = {value}: {problem}")]
    BadValue {
        /// Target id.
        target: String,
        /// Field name.
        field: &'static str,
        /// The value, as written.
        value: String,
        /// What is wrong.
        problem: &'static str,
    },
}

impl TryFrom<TargetSpec> for Target {
    type Error = TargetError;

    fn try_from(s: TargetSpec) -> Result<Self, TargetError> {
        let id = s.id.clone();
        let kind = s.kind.clone();
        let missing = |field| TargetError::Missing {
            target: id.clone(),
            kind: kind.clone(),
            field,
        };
        let bad = |field, value: String, problem| TargetError::BadValue {
            target: id.clone(),
            field,
            value,
            problem,
        };
        if s.id.trim().is_empty() {
            return Err(bad("id", format!("{:?}", s.id), "must not be empty"));
        }
        let finite = |field, v: Option<f64>| -> Result<f64, TargetError> {
            let v = v.ok_or_else(|| missing(field))?;
            if v.is_finite() {
                Ok(v)
            } else {
                Err(bad(field, v.to_string(), "must be finite"))
            }
        };
        let year_range = |from: Option<i32>, to: Option<i32>| -> Result<(i32, i32), TargetError> {
            let from = from.ok_or_else(|| missing("from"))?;
            let to = to.ok_or_else(|| missing("to"))?;
            if to < from {
                return Err(bad("to", to.to_string(), "must not be before `from`"));
            }
            Ok((from, to))
        };
        // Which optional fields each kind accepts; anything else is an error, so a typo such
        // as `value` on a multiple_of_base target does not pass silently.
        let (rule, allowed): (Rule, &[&str]) = match s.kind.as_str() {
            "level" => (
                Rule::Level {
                    value: finite("value", s.value)?,
                    by: s.by.ok_or_else(|| missing("by"))?,
                },
                &["value", "by", "base_year", "about", "path"],
            ),
            "multiple_of_base" => {
                let factor = finite("factor", s.factor)?;
                if factor <= 0.0 {
                    return Err(bad("factor", factor.to_string(), "must be positive"));
                }
                if s.base_year.is_none() {
                    return Err(missing("base_year"));
                }
                (
                    Rule::MultipleOfBase {
                        factor,
                        by: s.by.ok_or_else(|| missing("by"))?,
                    },
                    &["factor", "by", "base_year", "about", "path"],
                )
            }
            "at_least_reference" => (
                Rule::AtLeastReference {
                    reference: s.reference.clone().ok_or_else(|| missing("reference"))?,
                    by: s.by.ok_or_else(|| missing("by"))?,
                    margin: match s.margin {
                        None => 0.0,
                        m => finite("margin", m)?,
                    },
                },
                &["reference", "margin", "by", "base_year", "path"],
            ),
            "yearly_flow" | "net_increase" => {
                let min = finite("min", s.min)?;
                let (from, to) = year_range(s.from, s.to)?;
                let rule = if s.kind == "yearly_flow" {
                    Rule::YearlyFlow { min, from, to }
                } else {
                    Rule::NetIncrease { min, from, to }
                };
                (rule, &["min", "from", "to", "about"])
            }
            "growth_floor" => {
                let min_rate = finite("min_rate", s.min_rate)?;
                if min_rate <= -1.0 {
                    return Err(bad(
                        "min_rate",
                        min_rate.to_string(),
                        "must be greater than -1",
                    ));
                }
                let (from, to) = year_range(s.from, s.to)?;
                (
                    Rule::GrowthFloor { min_rate, from, to },
                    &["min_rate", "from", "to"],
                )
            }
            "cumulative_flow" => {
                let min_total = finite("min_total", s.min_total)?;
                let (from, to) = year_range(s.from, s.to)?;
                (
                    Rule::CumulativeFlow {
                        min_total,
                        from,
                        to,
                    },
                    &["min_total", "from", "to", "about"],
                )
            }
            _ => {
                return Err(TargetError::UnknownKind {
                    target: s.id,
                    kind: s.kind,
                });
            }
        };
        let present: [(&'static str, bool); 12] = [
            ("value", s.value.is_some()),
            ("factor", s.factor.is_some()),
            ("reference", s.reference.is_some()),
            ("margin", s.margin.is_some()),
            ("min", s.min.is_some()),
            ("min_rate", s.min_rate.is_some()),
            ("min_total", s.min_total.is_some()),
            ("base_year", s.base_year.is_some()),
            ("by", s.by.is_some()),
            ("from", s.from.is_some()),
            ("to", s.to.is_some()),
            ("about", s.about.is_some()),
        ];
        for (field, is_set) in present {
            if is_set && !allowed.contains(&field) {
                return Err(TargetError::Unexpected {
                    target: s.id,
                    kind: s.kind,
                    field,
                });
            }
        }
        if s.strict.is_some() && s.kind != "at_least_reference" {
            return Err(TargetError::Unexpected {
                target: s.id,
                kind: s.kind,
                field: "strict",
            });
        }
        if let Some(alt) = &s.alternative
            && alt.alternative.is_some()
        {
            return Err(bad(
                "alternative",
                alt.id.clone(),
                "an alternative reading cannot have an alternative of its own",
            ));
        }
        if s.path.is_some() && !allowed.contains(&"path") {
            return Err(TargetError::Unexpected {
                target: s.id,
                kind: s.kind,
                field: "path",
            });
        }
        if let Some(a) = s.about
            && !(a.is_finite() && (0.0..1.0).contains(&a))
        {
            return Err(bad(
                "about",
                a.to_string(),
                "must be a relative tolerance in [0, 1)",
            ));
        }
        if let (Some(b), Some(by)) = (s.base_year, s.by)
            && by <= b
        {
            return Err(bad("by", by.to_string(), "must be after `base_year`"));
        }
        Ok(Target {
            id: s.id,
            indicator: s.indicator,
            name: s.name,
            quote: s.quote,
            rule,
            base_year: s.base_year,
            about: s.about,
            path: s.path.unwrap_or_default(),
            strict: s.strict.unwrap_or(false),
            reading: s.reading,
            alternative: s.alternative,
        })
    }
}

impl From<Target> for TargetSpec {
    fn from(t: Target) -> Self {
        let mut s = TargetSpec {
            id: t.id,
            indicator: t.indicator,
            kind: t.rule.kind_name().to_string(),
            name: t.name,
            quote: t.quote,
            base_year: t.base_year,
            about: t.about,
            strict: t.strict.then_some(true),
            reading: t.reading,
            alternative: t.alternative,
            ..TargetSpec::default()
        };
        match t.rule {
            Rule::Level { value, by } => {
                s.value = Some(value);
                s.by = Some(by);
            }
            Rule::MultipleOfBase { factor, by } => {
                s.factor = Some(factor);
                s.by = Some(by);
            }
            Rule::AtLeastReference {
                reference,
                by,
                margin,
            } => {
                s.reference = Some(reference);
                s.by = Some(by);
                s.margin = (margin != 0.0).then_some(margin);
            }
            Rule::YearlyFlow { min, from, to } | Rule::NetIncrease { min, from, to } => {
                s.min = Some(min);
                s.from = Some(from);
                s.to = Some(to);
            }
            Rule::GrowthFloor { min_rate, from, to } => {
                s.min_rate = Some(min_rate);
                s.from = Some(from);
                s.to = Some(to);
            }
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => {
                s.min_total = Some(min_total);
                s.from = Some(from);
                s.to = Some(to);
            }
        }
        if matches!(
            s.kind.as_str(),
            "level" | "multiple_of_base" | "at_least_reference"
        ) && t.path != PathKind::Compound
        {
            s.path = Some(t.path);
        }
        s
    }
}

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

/// Status of a target given the observations so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The target is reached.
    Met,
    /// Not reached yet, but the observations are on the required path.
    OnTrack,
    /// Below the required path, or missed.
    OffTrack,
    /// The data needed to judge are missing (the assessment says which).
    NotAssessable,
}

impl Status {
    /// Lower-case label with spaces (`on track`).
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::OnTrack => "on track",
            Status::OffTrack => "off track",
            Status::NotAssessable => "not assessable",
        }
    }
}

/// A status with the reason behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The status.
    pub status: Status,
    /// Why: the comparison made, or the data that are missing.
    pub detail: String,
}

impl Assessment {
    fn new(status: Status, detail: impl Into<String>) -> Self {
        Assessment {
            status,
            detail: detail.into(),
        }
    }
}

/// The yearly path a target requires, from its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredPath {
    /// Base year.
    pub base_year: i32,
    /// The observation used as baseline, if any.
    pub baseline: Option<Point>,
    /// Year by which the target must hold.
    pub target_year: i32,
    /// The level to reach in the target year (for yearly targets: the minimum per year).
    pub target_value: Option<f64>,
    /// How the target level was derived (e.g. "2 × 2020 level").
    pub target_note: String,
    /// Compound yearly growth needed (level targets with positive levels).
    pub required_cagr: Option<f64>,
    /// Equal yearly increment needed.
    pub required_increment: Option<f64>,
    /// Exact doubling time at the required growth rate, when that rate is positive.
    pub doubling_time: Option<f64>,
    /// Year-by-year path at constant growth.
    pub compound: Vec<(i32, f64)>,
    /// Year-by-year path at constant increments (for flows: the minimum each year).
    pub linear: Vec<(i32, f64)>,
    /// Why parts of the path are missing.
    pub note: String,
}

/// Everything a target needs from a plan to be evaluated.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The indicator of the target.
    pub indicator: &'a Indicator,
    /// Its observations.
    pub series: &'a Series,
    /// The reference series, for `at_least_reference`.
    pub reference: Option<&'a Series>,
    /// The plan's base year (used when the target has none).
    pub plan_base_year: i32,
}

/// A target's required path and its assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The path.
    pub required: RequiredPath,
    /// The status.
    pub assessment: Assessment,
}

pub(crate) fn fmt_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

impl Target {
    /// The year by which the target must be met (the last year for yearly targets).
    pub fn target_year(&self) -> i32 {
        match &self.rule {
            Rule::Level { by, .. }
            | Rule::MultipleOfBase { by, .. }
            | Rule::AtLeastReference { by, .. } => *by,
            Rule::YearlyFlow { to, .. }
            | Rule::NetIncrease { to, .. }
            | Rule::GrowthFloor { to, .. }
            | Rule::CumulativeFlow { to, .. } => *to,
        }
    }

    /// The base year of the required path.
    pub fn effective_base_year(&self, plan_base_year: i32) -> i32 {
        match &self.rule {
            Rule::YearlyFlow { from, .. }
            | Rule::NetIncrease { from, .. }
            | Rule::GrowthFloor { from, .. }
            | Rule::CumulativeFlow { from, .. } => from - 1,
            _ => self.base_year.unwrap_or(plan_base_year),
        }
    }

    /// The reference indicator id, for relative targets.
    pub fn reference(&self) -> Option<&str> {
        match &self.rule {
            Rule::AtLeastReference { reference, .. } => Some(reference),
            _ => None,
        }
    }

    /// A one-line statement of the target ("≥ 2 × 2020 level by 2025 (about ±5 %)").
    ///
    /// ```
    /// # use innodex::target::Target;
    /// let t: Target = toml::from_str(r#"
    ///     id = "t"
    ///     indicator = "x"
    ///     kind = "yearly_flow"
    ///     min = 600.0
    ///     from = 2021
    ///     to = 2025
    /// "#).unwrap();
    /// assert_eq!(t.describe(), "≥ 600 each year 2021–2025");
    /// ```
    pub fn describe(&self) -> String {
        let about = match self.about {
            Some(a) => format!(" (about: ±{}%, assumed)", fmt_num(a * 100.0)),
            None => String::new(),
        };
        let base = |b: Option<i32>| b.map(|y| y.to_string()).unwrap_or_else(|| "base".into());
        match &self.rule {
            Rule::Level { value, by } => format!("{} by {by}{about}", fmt_num(*value)),
            Rule::MultipleOfBase { factor, by } => format!(
                "{} × {} level by {by}{about}",
                fmt_num(*factor),
                base(self.base_year)
            ),
            Rule::AtLeastReference {
                reference,
                by,
                margin,
            } => {
                let op = if self.strict { ">" } else { "≥" };
                if *margin == 0.0 {
                    format!("{op} `{reference}` by {by}")
                } else {
                    format!("{op} `{reference}` + {} by {by}", fmt_num(*margin))
                }
            }
            Rule::YearlyFlow { min, from, to } => {
                format!("≥ {} each year {from}–{to}{about}", fmt_num(*min))
            }
            Rule::NetIncrease { min, from, to } => {
                format!(
                    "net increase ≥ {} each year {from}–{to}{about}",
                    fmt_num(*min)
                )
            }
            Rule::GrowthFloor { min_rate, from, to } => format!(
                "average growth ≥ {}% a year {}–{to}",
                fmt_num(min_rate * 100.0),
                from - 1
            ),
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => format!("total ≥ {} over {from}–{to}{about}", fmt_num(*min_total)),
        }
    }

    /// The threshold after applying the "about" tolerance in the indicator's favourable
    /// direction (for higher-is-better: `value × (1 − about)`).
    pub(crate) fn tolerant(&self, ind: &Indicator, value: f64) -> f64 {
        let a = self.about.unwrap_or(0.0);
        if ind.at_least_as_good(2.0, 1.0) {
            value - a * value.abs()
        } else {
            value + a * value.abs()
        }
    }

    /// The required path and the assessment of the observations.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// let plan = Plan::linyi();
    /// let ev = plan.evaluate("hte_count").unwrap();
    /// assert!((ev.required.required_cagr.unwrap() - 0.148698355).abs() < 1e-9);
    /// assert_eq!(ev.required.required_increment, Some(150.0));
    /// ```
    pub fn evaluate(&self, ctx: &Context<'_>) -> Evaluation {
        let required = self.required_path(ctx);
        let assessment = self.assess(ctx, &required);
        Evaluation {
            required,
            assessment,
        }
    }

    fn required_path(&self, ctx: &Context<'_>) -> RequiredPath {
        let base_year = self.effective_base_year(ctx.plan_base_year);
        let target_year = self.target_year();
        let baseline = ctx.series.point_at(base_year).cloned();
        let b = baseline.as_ref().map(|p| p.value);
        let mut req = RequiredPath {
            base_year,
            baseline,
            target_year,
            target_value: None,
            target_note: String::new(),
            required_cagr: None,
            required_increment: None,
            doubling_time: None,
            compound: vec![],
            linear: vec![],
            note: String::new(),
        };
        let no_baseline = format!(
            "no {base_year} baseline for `{}`: add an observation (or override the baseline) to get a path",
            ctx.indicator.id
        );
        // Level targets: a level T in the target year, paths from the baseline B.
        let level: Option<(f64, String)> = match &self.rule {
            Rule::Level { value, .. } => Some((*value, "stated level".into())),
            Rule::MultipleOfBase { factor, .. } => match b {
                Some(b) => Some((
                    factor * b,
                    format!("{} × {base_year} level", fmt_num(*factor)),
                )),
                None => {
                    req.note = no_baseline.clone();
                    None
                }
            },
            Rule::AtLeastReference {
                reference, margin, ..
            } => match ctx.reference {
                Some(r) => {
                    let trend = ReferenceTrend::fit(r, base_year);
                    match reference_value(r, trend.as_ref(), target_year) {
                        Some((v, false)) => {
                            Some((v + margin, format!("`{reference}` in {target_year}")))
                        }
                        Some((v, true)) => Some((
                            v + margin,
                            format!(
                                "`{reference}` in {target_year}, {}",
                                trend.as_ref().map(|t| t.describe()).unwrap_or_default()
                            ),
                        )),
                        None => {
                            req.note = format!("reference `{reference}` has no observations");
                            None
                        }
                    }
                }
                None => {
                    req.note = format!("reference `{reference}` is not in the plan");
                    None
                }
            },
            Rule::NetIncrease { min, from, to } => b.map(|b| {
                (
                    b + min * (to - from + 1) as f64,
                    format!("{base_year} level + {} a year", fmt_num(*min)),
                )
            }),
            Rule::GrowthFloor { min_rate, from, to } => b.map(|b| {
                (
                    b * (1.0 + min_rate).powi(to - from + 1),
                    format!(
                        "{base_year} level grown {}% a year",
                        fmt_num(min_rate * 100.0)
                    ),
                )
            }),
            Rule::YearlyFlow { min, from, to } => {
                req.target_value = Some(*min);
                req.target_note = "minimum each year".into();
                req.required_increment = None;
                req.linear = (*from..=*to).map(|y| (y, *min)).collect();
                return req;
            }
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => {
                let n = (to - from + 1) as f64;
                req.target_value = Some(*min_total);
                req.target_note = format!("total; {} a year on average", fmt_num(min_total / n));
                req.linear = (*from..=*to)
                    .map(|y| (y, min_total * (y - from + 1) as f64 / n))
                    .collect();
                return req;
            }
        };
        let Some((t, note)) = level else {
            if req.note.is_empty() {
                req.note = no_baseline;
            }
            return req;
        };
        req.target_value = Some(t);
        req.target_note = note;
        let Some(b) = b else {
            req.note = no_baseline;
            return req;
        };
        match &self.rule {
            Rule::NetIncrease { min, .. } => req.required_increment = Some(*min),
            _ => {
                req.required_increment =
                    growth::required_increment(b, t, base_year, target_year).ok()
            }
        }
        if let Some(d) = req.required_increment {
            req.linear = growth::linear_path(b, d, base_year, target_year).unwrap_or_default();
        }
        let g = match &self.rule {
            Rule::GrowthFloor { min_rate, .. } => Ok(*min_rate),
            _ => growth::required_cagr(b, t, base_year, target_year),
        };
        match g {
            Ok(g) => {
                req.required_cagr = Some(g);
                req.doubling_time = growth::doubling_time(g).ok();
                req.compound =
                    growth::compound_path(b, g, base_year, target_year).unwrap_or_default();
                if let Some(last) = req.compound.last_mut() {
                    // (1+g)^n can miss t in the last bit; the path must end on the target.
                    last.1 = t;
                }
            }
            Err(e) => req.note = format!("no compound path: {e}"),
        }
        req
    }

    fn assess(&self, ctx: &Context<'_>, req: &RequiredPath) -> Assessment {
        use Status::*;
        let ind = ctx.indicator;
        let id = &ind.id;
        let base_year = req.base_year;
        let target_year = req.target_year;
        let s = ctx.series;
        match &self.rule {
            Rule::Level { .. } | Rule::MultipleOfBase { .. } => {
                let Some(t) = req.target_value else {
                    return Assessment::new(NotAssessable, req.note.clone());
                };
                let need = self.tolerant(ind, t);
                let in_period: Vec<&Point> = s
                    .points()
                    .iter()
                    .filter(|p| p.year > base_year && p.year <= target_year)
                    .collect();
                if let Some(first) = in_period
                    .iter()
                    .find(|p| proves(ind, p, need, false) == Some(true))
                {
                    return Assessment::new(
                        Met,
                        format!(
                            "{}{} in {} reaches {}",
                            first.bound.sign(),
                            fmt_num(first.value),
                            first.year,
                            fmt_num(t)
                        ),
                    );
                }
                let Some(last) = in_period.iter().rev().find(|p| p.bound.is_exact()).copied()
                else {
                    let why = match in_period.last() {
                        Some(p) => format!(
                            "the only evidence after {base_year} is a bound ({}) that does not decide the target",
                            p.describe_evidence()
                        ),
                        None => format!("no observation of `{id}` after the base year {base_year}"),
                    };
                    return Assessment::new(NotAssessable, why);
                };
                if last.year == target_year {
                    return Assessment::new(
                        OffTrack,
                        format!(
                            "{} in {target_year}, short of {}",
                            fmt_num(last.value),
                            fmt_num(t)
                        ),
                    );
                }
                let path = match self.path {
                    PathKind::Compound if !req.compound.is_empty() => &req.compound,
                    _ => &req.linear,
                };
                match path.iter().find(|(y, _)| *y == last.year) {
                    Some((_, p)) => {
                        let p_need = self.tolerant(ind, *p);
                        let status = if ind.at_least_as_good(last.value, p_need) {
                            OnTrack
                        } else {
                            OffTrack
                        };
                        Assessment::new(
                            status,
                            format!(
                                "{} in {} against {} on the required {} path",
                                fmt_num(last.value),
                                last.year,
                                fmt_num(*p),
                                if path == &req.compound {
                                    "compound"
                                } else {
                                    "linear"
                                }
                            ),
                        )
                    }
                    None => Assessment::new(NotAssessable, req.note.clone()),
                }
            }
            Rule::AtLeastReference {
                reference, margin, ..
            } => {
                let Some(r) = ctx.reference else {
                    return Assessment::new(
                        NotAssessable,
                        format!("reference `{reference}` is not in the plan"),
                    );
                };
                // The latest year (≤ target year, after the base) with an exact value of the
                // indicator and a reference value (observed, or its stated trend past its
                // latest observation).
                let trend = ReferenceTrend::fit(r, base_year);
                let common = s
                    .points()
                    .iter()
                    .rev()
                    .filter(|p| p.year <= target_year && p.year > base_year && p.bound.is_exact())
                    .find_map(|p| {
                        reference_value(r, trend.as_ref(), p.year)
                            .map(|(rv, projected)| (p.year, p.value, rv + margin, projected))
                    });
                let Some((year, v, rv, projected)) = common else {
                    let why = if s.points().iter().any(|p| p.year > base_year) {
                        format!(
                            "no year after {base_year} with both `{id}` and `{reference}` observed"
                        )
                    } else {
                        format!("no observation of `{id}` after the base year {base_year}")
                    };
                    return Assessment::new(NotAssessable, why);
                };
                let cmp = format!(
                    "{} against `{reference}` {} in {year}{}",
                    fmt_num(v),
                    fmt_num(rv),
                    if projected {
                        format!(
                            " ({})",
                            trend.as_ref().map(|t| t.describe()).unwrap_or_default()
                        )
                    } else {
                        String::new()
                    }
                );
                let meets = if self.strict {
                    ind.at_least_as_good(v, rv) && v != rv
                } else {
                    ind.at_least_as_good(v, rv)
                };
                if meets {
                    return Assessment::new(if year == target_year { Met } else { OnTrack }, cmp);
                }
                if year == target_year {
                    return Assessment::new(OffTrack, cmp);
                }
                match (s.value_at(base_year), r.value_at(base_year)) {
                    (Some(v0), Some(r0)) => {
                        let gap0 = (r0 + margin - v0).abs();
                        let gap = (rv - v).abs();
                        let allowed =
                            gap0 * (target_year - year) as f64 / (target_year - base_year) as f64;
                        let status = if gap <= allowed { OnTrack } else { OffTrack };
                        Assessment::new(
                            status,
                            format!(
                                "{cmp}; gap {} against at most {} for a linear closing since {base_year}",
                                fmt_num(gap),
                                fmt_num(allowed)
                            ),
                        )
                    }
                    _ => Assessment::new(
                        OffTrack,
                        format!(
                            "{cmp}; below the reference (no {base_year} values to judge the trend)"
                        ),
                    ),
                }
            }
            Rule::YearlyFlow { min, from, to } | Rule::NetIncrease { min, from, to } => {
                let is_flow = matches!(self.rule, Rule::YearlyFlow { .. });
                let need = self.tolerant(ind, *min);
                let what = if is_flow { "flow" } else { "net increase" };
                let n_years = (to - from + 1) as usize;
                // Per year: Some(true) the evidence proves the year passes, Some(false) it
                // proves it fails, None it decides nothing (a bound on the wrong side).
                let mut verdicts: Vec<(i32, f64, Bound, Option<bool>)> = Vec::new();
                for y in *from..=*to {
                    let pt = if is_flow {
                        s.point_at(y).map(|p| (p.value, p.bound))
                    } else {
                        s.point_at(y).zip(s.point_at(y - 1)).and_then(|(a, b)| {
                            b.bound.is_exact().then_some((a.value - b.value, a.bound))
                        })
                    };
                    if let Some((v, bound)) = pt {
                        let probe = Point {
                            bound,
                            ..Point::new(
                                y,
                                v,
                                crate::series::Provenance::Assumed {
                                    note: String::new(),
                                },
                            )
                        };
                        verdicts.push((y, v, bound, proves(ind, &probe, need, false)));
                    }
                }
                let short: Vec<String> = verdicts
                    .iter()
                    .filter(|v| v.3 == Some(false))
                    .map(|(y, v, _, _)| format!("{y}: {}", fmt_num(*v)))
                    .collect();
                if !short.is_empty() {
                    return Assessment::new(
                        OffTrack,
                        format!("{what} below {} in {}", fmt_num(*min), short.join(", ")),
                    );
                }
                let passed: Vec<String> = verdicts
                    .iter()
                    .filter(|v| v.3 == Some(true))
                    .map(|(y, v, b, _)| format!("{y}: {}{}", b.sign(), fmt_num(*v)))
                    .collect();
                if passed.len() == n_years {
                    return Assessment::new(
                        Met,
                        format!("{what} ≥ {} in every year", fmt_num(*min)),
                    );
                }
                if !passed.is_empty() {
                    return Assessment::new(
                        OnTrack,
                        format!(
                            "{what} ≥ {} in the {} of {n_years} years with evidence ({})",
                            fmt_num(*min),
                            passed.len(),
                            passed.join(", ")
                        ),
                    );
                }
                // A stock observed in two non-consecutive years: the average yearly increase
                // between them (each year's own increase is unknown).
                if !is_flow {
                    let start = s
                        .points()
                        .iter()
                        .filter(|p| p.year >= from - 1 && p.year < *to && p.bound.is_exact())
                        .min_by_key(|p| p.year);
                    if let Some(a) = start
                        && let Some(b) = s
                            .points()
                            .iter()
                            .rev()
                            .find(|p| p.year > a.year && p.year <= *to)
                    {
                        let avg = (b.value - a.value) / (b.year - a.year) as f64;
                        let probe = Point {
                            bound: b.bound,
                            ..Point::new(
                                b.year,
                                avg,
                                crate::series::Provenance::Assumed {
                                    note: String::new(),
                                },
                            )
                        };
                        let text = format!(
                            "average net increase {}{} a year {}–{} (from {} to {}{}); the yearly increases are not observed",
                            b.bound.sign(),
                            fmt_num(avg),
                            a.year,
                            b.year,
                            fmt_num(a.value),
                            b.bound.sign(),
                            fmt_num(b.value)
                        );
                        match proves(ind, &probe, need, false) {
                            Some(true) => return Assessment::new(OnTrack, text),
                            Some(false) => {
                                return Assessment::new(
                                    OffTrack,
                                    format!("{text}, so some year fell below {}", fmt_num(*min)),
                                );
                            }
                            None => {}
                        }
                    }
                }
                let need_data = if is_flow {
                    format!("no observation of `{id}` in {from}–{to} that decides the target")
                } else {
                    format!(
                        "no two observations of `{id}` in {}–{to} that decide the target",
                        from - 1
                    )
                };
                Assessment::new(NotAssessable, need_data)
            }
            Rule::GrowthFloor { min_rate, .. } => {
                let Some(b) = req.baseline.as_ref() else {
                    return Assessment::new(NotAssessable, req.note.clone());
                };
                let Some(last) = s
                    .last_at_or_before(target_year)
                    .filter(|p| p.year > base_year)
                else {
                    return Assessment::new(
                        NotAssessable,
                        format!("no observation of `{id}` after the base year {base_year}"),
                    );
                };
                match growth::cagr(b.value, last.value, base_year, last.year) {
                    Ok(g) => {
                        let ok = g >= *min_rate;
                        let status = match (ok, last.year == target_year) {
                            (true, true) => Met,
                            (true, false) => OnTrack,
                            (false, _) => OffTrack,
                        };
                        Assessment::new(
                            status,
                            format!(
                                "average growth {}% a year {base_year}–{} against {}%",
                                fmt_num(g * 100.0),
                                last.year,
                                fmt_num(min_rate * 100.0)
                            ),
                        )
                    }
                    Err(e) => Assessment::new(NotAssessable, format!("no growth rate: {e}")),
                }
            }
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => {
                let mut total = 0.0;
                let mut last = None;
                for y in *from..=*to {
                    match s.value_at(y) {
                        Some(v) => {
                            total += v;
                            last = Some(y);
                        }
                        None => break,
                    }
                }
                let need = self.tolerant(ind, *min_total);
                let Some(last) = last else {
                    return Assessment::new(
                        NotAssessable,
                        format!("no observation of `{id}` in {from}"),
                    );
                };
                if ind.at_least_as_good(total, need) {
                    return Assessment::new(
                        Met,
                        format!(
                            "total {} by {last} reaches {}",
                            fmt_num(total),
                            fmt_num(*min_total)
                        ),
                    );
                }
                if last == *to {
                    return Assessment::new(
                        OffTrack,
                        format!("total {} short of {}", fmt_num(total), fmt_num(*min_total)),
                    );
                }
                let pro_rata = need * (last - from + 1) as f64 / (to - from + 1) as f64;
                let status = if ind.at_least_as_good(total, pro_rata) {
                    OnTrack
                } else {
                    OffTrack
                };
                Assessment::new(
                    status,
                    format!(
                        "total {} by {last} against {} pro rata",
                        fmt_num(total),
                        fmt_num(pro_rata)
                    ),
                )
            }
        }
    }
}
