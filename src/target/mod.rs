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

use crate::indicator::Indicator;
use crate::series::{Point, Series};

mod evaluate;
mod reference;
mod spec;

pub(crate) use reference::reference_value;
pub use reference::{ReferenceTrend, proves};
pub use spec::TargetSpec;

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

/// The rule of a target, one variant per kind of target (see the module table). Its serde form
/// is tagged by `kind` (`{"kind": "level", "value": 1500, "by": 2025}`), as the simulation
/// model takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
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
        #[serde(default)]
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

    /// The year by which the rule must hold (the last year for yearly rules).
    ///
    /// ```
    /// use innodex::target::Rule;
    /// assert_eq!(Rule::NetIncrease { min: 150.0, from: 2021, to: 2025 }.target_year(), 2025);
    /// ```
    pub fn target_year(&self) -> i32 {
        match self {
            Rule::Level { by, .. }
            | Rule::MultipleOfBase { by, .. }
            | Rule::AtLeastReference { by, .. } => *by,
            Rule::YearlyFlow { to, .. }
            | Rule::NetIncrease { to, .. }
            | Rule::GrowthFloor { to, .. }
            | Rule::CumulativeFlow { to, .. } => *to,
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
