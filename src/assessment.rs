//! Did the plan work? One verdict row per target, from the evidence: the latest figure, the
//! value the target required in that year, the gap, the status, a graded progress class, the
//! years ahead of or behind the required path, and — when projections are given — the
//! probability of meeting the target under each scenario.
//!
//! # The grade (SDSN trend method)
//!
//! Following the trend assessment of the SDSN Sustainable Development Report (Sachs et al.,
//! *Sustainable Development Report*, methodology: "trend dashboards"), progress is the ratio
//!
//! ```text
//! r = observed average yearly change ÷ required average yearly change
//! ```
//!
//! both measured from the same start — the base-year value, or else the earliest exact
//! observation in the plan period — the observed one to the latest observation, the required
//! one to the target value in the target year. Change is **linear** (units a year) for level,
//! flow and increment targets and **compound** (growth rate a year) for growth-rate targets;
//! each row says which. Classes: *achieved* if the target is met; *on track* if r ≥ 1;
//! *moderately improving* if 0.5 ≤ r < 1; *stagnating* if 0 ≤ r < 0.5; *decreasing* if r < 0.
//!
//! Cumulative flows grade their running total (0 before the first year). Yearly flows whose
//! latest year reaches the minimum are on track (r is then the latest flow ÷ the minimum);
//! below it they are graded on their own trend toward the minimum by the last year, which
//! needs two observations.
//!
//! **Years ahead or behind**: the (fractional) year in which the required path reaches the
//! latest observed value, minus that observation's year; positive is ahead.
//!
//! A figure that is a bound ("more than 1600") makes r and the years ahead bounds too, in the
//! same direction; the row marks them (`≥`). See `docs/assessment.md` for a worked example.
//!
//! ```
//! use innodex::assessment::{Grade, verdict};
//! use innodex::plan::Plan;
//! use innodex::target::Status;
//! let v = verdict(&Plan::linyi(), None);
//! let hte = v.row("hte_count").unwrap();
//! assert_eq!(hte.status, Status::Met);
//! assert_eq!(hte.achieved_in, Some(2022)); // "1600余家" at the end of 2022
//! assert_eq!(hte.progress.as_ref().unwrap().grade, Grade::Achieved);
//! ```

use serde::{Deserialize, Serialize};

use crate::indicator::Indicator;
use crate::plan::Plan;
use crate::scenario::PlanProjection;
use crate::series::{Bound, Point, Series};
use crate::target::{ReferenceTrend, Rule, Status, Target, fmt_num, reference_value};

/// The graded progress class of a target (SDSN trend method; see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// The target is met.
    Achieved,
    /// r ≥ 1.
    OnTrack,
    /// 0.5 ≤ r < 1.
    ModeratelyImproving,
    /// 0 ≤ r < 0.5.
    Stagnating,
    /// r < 0.
    Decreasing,
}

impl Grade {
    /// The class of a progress ratio `r`.
    ///
    /// ```
    /// use innodex::assessment::Grade;
    /// assert_eq!(Grade::of_ratio(1.0), Grade::OnTrack);
    /// assert_eq!(Grade::of_ratio(0.5), Grade::ModeratelyImproving);
    /// assert_eq!(Grade::of_ratio(0.0), Grade::Stagnating);
    /// assert_eq!(Grade::of_ratio(-0.1), Grade::Decreasing);
    /// ```
    pub fn of_ratio(r: f64) -> Grade {
        if r >= 1.0 {
            Grade::OnTrack
        } else if r >= 0.5 {
            Grade::ModeratelyImproving
        } else if r >= 0.0 {
            Grade::Stagnating
        } else {
            Grade::Decreasing
        }
    }

    /// Lower-case label with spaces.
    pub fn label(self) -> &'static str {
        match self {
            Grade::Achieved => "achieved",
            Grade::OnTrack => "on track",
            Grade::ModeratelyImproving => "moderately improving",
            Grade::Stagnating => "stagnating",
            Grade::Decreasing => "decreasing",
        }
    }
}

/// How yearly change is measured for the grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeModel {
    /// Units a year.
    Linear,
    /// Growth rate a year.
    Compound,
}

/// The graded progress of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetProgress {
    /// Linear or compound change.
    pub model: ChangeModel,
    /// Start of the measurement: year.
    pub start_year: i32,
    /// Start of the measurement: value.
    pub start_value: f64,
    /// Latest observation: year.
    pub latest_year: i32,
    /// Latest observation: value.
    pub latest_value: f64,
    /// Observed average yearly change (units or rate a year).
    pub observed_change: f64,
    /// Required average yearly change from the same start.
    pub required_change: f64,
    /// r = observed ÷ required.
    pub ratio: f64,
    /// `exact`, or `at_least`/`at_most` when the latest figure is a bound (r and the years
    /// ahead are then bounds in the same direction).
    pub bound: Bound,
    /// The class.
    pub grade: Grade,
    /// Years ahead (+) or behind (−) the required path.
    pub years_ahead: Option<f64>,
}

/// What one scenario's projection says about a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlook {
    /// Scenario name.
    pub scenario: String,
    /// Probability that the target is met (`None` when the scenario does not project it).
    pub p_met: Option<f64>,
    /// Median first year of attainment, when more than half the paths reach the target.
    pub median_attainment_year: Option<i32>,
    /// The projection starts from no evidence of the target's indicator: its start is a
    /// scenario assumption, so P(met) says what the assumption implies, not what happened.
    pub assumed_start: bool,
    /// P(met) is calibrated against a panel's out-of-sample errors (see
    /// [`crate::projection::calibration`]); the note says against what, or why not.
    pub calibrated: bool,
    /// What the calibration did for this target (empty when the projection had none).
    pub calibration_note: String,
    /// P(met) before calibration (the scenarios' own spread), when it was calibrated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_uncalibrated: Option<f64>,
}

/// One target's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictRow {
    /// Target id.
    pub target: String,
    /// Target name.
    pub name: String,
    /// Indicator id.
    pub indicator: String,
    /// Unit of the indicator.
    pub unit: String,
    /// The target in words.
    pub statement: String,
    /// How the plan's words are read (empty when unambiguous).
    pub reading: String,
    /// Target year.
    pub target_year: i32,
    /// The latest evidence the status rests on.
    pub evidence: Option<Point>,
    /// The value the target requires in the evidence's year (on the required linear path,
    /// the reference's value, or the yearly minimum).
    pub required: Option<f64>,
    /// Evidence minus required (positive: ahead, for higher-is-better indicators).
    pub gap: Option<f64>,
    /// Achieved (`met`), on track, off track or not assessable.
    pub status: Status,
    /// The first year the evidence shows the target met.
    pub achieved_in: Option<i32>,
    /// Why this status.
    pub detail: String,
    /// The graded progress, when the evidence allows one.
    pub progress: Option<TargetProgress>,
    /// Why there is no grade.
    pub no_grade: String,
    /// P(met) and median attainment year per scenario (empty without projections).
    pub outlook: Vec<Outlook>,
    /// For a target that cannot be assessed: the data that would make it assessable.
    pub needs: Option<String>,
}

/// The verdict on a plan: one row per target, in plan order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Plan id.
    pub plan: String,
    /// Only evidence published by this date was used.
    pub as_of: Option<String>,
    /// The rows.
    pub rows: Vec<VerdictRow>,
    /// The plan's figures over spans of years, each with what follows from it (see
    /// [`crate::span`]), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<String>,
}

impl Verdict {
    /// One row by target id.
    pub fn row(&self, target: &str) -> Option<&VerdictRow> {
        self.rows.iter().find(|r| r.target == target)
    }
}

/// The verdict on every target of `plan`; with `projection`, each row also carries P(met)
/// and the median attainment year of every scenario.
///
/// ```
/// use innodex::assessment::verdict;
/// use innodex::plan::Plan;
/// let v = verdict(&Plan::linyi(), None);
/// assert_eq!(v.rows.len(), Plan::linyi().targets().len());
/// let ht = v.row("ht_output_share").unwrap();
/// assert!(ht.needs.as_ref().unwrap().contains("ht_output_share"));
/// ```
pub fn verdict(plan: &Plan, projection: Option<&PlanProjection>) -> Verdict {
    let rows = plan
        .evaluate_all()
        .into_iter()
        .map(|(t, ev)| {
            let ind = plan.indicator(&t.indicator).expect("validated plan");
            let empty = Series::default();
            let s = plan.series(&t.indicator).unwrap_or(&empty);
            let reference = t.reference().and_then(|r| plan.series(r));
            let base_year = t.effective_base_year(plan.base_year());
            let target_value = ev.required.target_value;
            let status = ev.assessment.status;
            let achieved_in = (status == Status::Met)
                .then(|| first_met_year(t, ind, s, base_year, target_value))
                .flatten();
            let (progress, no_grade) = grade(t, ind, s, reference, base_year, target_value, status);
            let evidence = latest_evidence(t, s, base_year);
            let required = evidence
                .as_ref()
                .and_then(|p| required_in(t, s, reference, base_year, target_value, p.year));
            let gap = evidence.as_ref().zip(required).map(|(p, r)| p.value - r);
            let outlook = projection
                .map(|pp| {
                    pp.scenarios
                        .iter()
                        .map(|sc| {
                            let o = sc.result.target(&t.id);
                            let cal = crate::projection::calibration::target_calibration(
                                pp, &sc.name, &t.id,
                            );
                            Outlook {
                                scenario: sc.name.clone(),
                                p_met: o.and_then(|o| o.probability),
                                median_attainment_year: o
                                    .and_then(|o| o.attainment.as_ref())
                                    .and_then(|a| a.median_year),
                                assumed_start: o.is_some_and(|o| o.probability.is_some())
                                    && !s.points().iter().any(|p| p.bound.is_exact()),
                                calibrated: cal.is_some_and(|c| c.calibrated),
                                calibration_note: cal.map(|c| c.note.clone()).unwrap_or_else(
                                    || {
                                        if pp.calibration.is_empty() {
                                            String::new()
                                        } else {
                                            format!(
                                                "not calibrated: no [[set.calibration]] lists `{}`",
                                                t.indicator
                                            )
                                        }
                                    },
                                ),
                                p_uncalibrated: cal
                                    .filter(|c| c.calibrated)
                                    .and_then(|c| c.probability_uncalibrated),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let needs = (status == Status::NotAssessable).then(|| needs(plan, t, ind));
            VerdictRow {
                target: t.id.clone(),
                name: t.name.clone(),
                indicator: ind.id.clone(),
                unit: ind.unit.clone(),
                statement: t.describe(),
                reading: t.reading.clone(),
                target_year: t.target_year(),
                evidence,
                required,
                gap,
                status,
                achieved_in,
                detail: ev.assessment.detail,
                progress,
                no_grade,
                outlook,
                needs,
            }
        })
        .collect();
    Verdict {
        plan: plan.meta().id.clone(),
        as_of: plan.as_of_date().map(|d| d.to_string()),
        rows,
        spans: plan.spans().iter().map(|s| span_line(plan, s)).collect(),
    }
}

/// One span figure and what follows from it in this plan: the value of its last year (used, or
/// outranked by another figure), or why nothing follows.
fn span_line(plan: &Plan, span: &crate::span::SpanEntry) -> String {
    let series = plan.series(&span.indicator);
    let base = series.and_then(|s| s.point_at(span.base_year()));
    let follows = match base.and_then(|b| span.end_point(b)) {
        None if base.is_none() => format!(
            "no {} value in the plan, so no {} value follows",
            span.base_year(),
            span.to
        ),
        None => format!(
            "its bound and the {} value's point in opposite directions",
            span.base_year()
        ),
        Some(end) => {
            let used = series
                .and_then(|s| s.point_at(span.to))
                .is_some_and(|p| *p == end);
            let value = format!("{}{}", end.bound.sign(), fmt_num(end.value));
            if used {
                format!("gives {} = {value} (derived, used)", span.to)
            } else {
                format!(
                    "gives {} = {value} (derived; a better-ranked figure of {} is used)",
                    span.to, span.to
                )
            }
        }
    };
    format!(
        "{}: {} — {}; {follows}",
        span.indicator,
        span.describe(),
        span.provenance.describe()
    )
}

/// The latest evidence in the plan period that bears on the target (flows: in their years).
fn latest_evidence(t: &Target, s: &Series, base_year: i32) -> Option<Point> {
    let (from, to) = match t.rule {
        Rule::YearlyFlow { from, to, .. } | Rule::CumulativeFlow { from, to, .. } => (from, to),
        _ => (base_year + 1, t.target_year()),
    };
    s.points()
        .iter()
        .rev()
        .find(|p| p.year >= from && p.year <= to)
        .cloned()
}

/// The first year in which the evidence proves the target met (level-like targets and flows).
fn first_met_year(
    t: &Target,
    ind: &Indicator,
    s: &Series,
    base_year: i32,
    target_value: Option<f64>,
) -> Option<i32> {
    match &t.rule {
        Rule::Level { .. } | Rule::MultipleOfBase { .. } => {
            let need = t.tolerant(ind, target_value?);
            s.points()
                .iter()
                .filter(|p| p.year > base_year && p.year <= t.target_year())
                .find(|p| crate::target::proves(ind, p, need, false) == Some(true))
                .map(|p| p.year)
        }
        Rule::CumulativeFlow { from, .. } => {
            let need = t.tolerant(ind, target_value?);
            let mut total = 0.0;
            for y in *from..=t.target_year() {
                total += s.value_at(y)?;
                if ind.at_least_as_good(total, need) {
                    return Some(y);
                }
            }
            None
        }
        // Yearly conditions are met only when every year is in: the last year.
        _ => Some(t.target_year()),
    }
}

/// The start of the grade: the base-year exact value, or the earliest exact observation in
/// the plan period before `before`.
fn start_point(s: &Series, base_year: i32, before: i32) -> Option<&Point> {
    s.points()
        .iter()
        .filter(|p| p.bound.is_exact() && p.year >= base_year && p.year < before)
        .min_by_key(|p| p.year)
}

/// The latest observation after `after` usable for the grade: exact, or a bound on the
/// favourable side (which makes the grade a bound).
fn latest_point<'a>(s: &'a Series, ind: &Indicator, after: i32, until: i32) -> Option<&'a Point> {
    let higher = ind.at_least_as_good(2.0, 1.0);
    s.points().iter().rev().find(|p| {
        p.year > after
            && p.year <= until
            && match p.bound {
                Bound::Exact => true,
                Bound::AtLeast => higher,
                Bound::AtMost => !higher,
            }
    })
}

/// The required value in `year`.
fn required_in(
    t: &Target,
    s: &Series,
    reference: Option<&Series>,
    base_year: i32,
    target_value: Option<f64>,
    year: i32,
) -> Option<f64> {
    match &t.rule {
        Rule::YearlyFlow { min, .. } => Some(*min),
        Rule::CumulativeFlow {
            min_total,
            from,
            to,
        } => Some(min_total * (year - from + 1) as f64 / (to - from + 1) as f64),
        Rule::AtLeastReference { margin, .. } => {
            let r = reference?;
            let trend = ReferenceTrend::fit(r, base_year);
            reference_value(r, trend.as_ref(), year).map(|(v, _)| v + margin)
        }
        Rule::GrowthFloor { min_rate, .. } => {
            let b = s.point_at(base_year).filter(|p| p.bound.is_exact())?;
            Some(b.value * (1.0 + min_rate).powi(year - base_year))
        }
        _ => {
            let target = target_value?;
            let b = s.point_at(base_year).filter(|p| p.bound.is_exact())?;
            let n = (t.target_year() - base_year) as f64;
            Some(b.value + (target - b.value) * (year - base_year) as f64 / n)
        }
    }
}

/// The graded progress, or why there is none.
#[allow(clippy::too_many_arguments)]
fn grade(
    t: &Target,
    ind: &Indicator,
    s: &Series,
    reference: Option<&Series>,
    base_year: i32,
    target_value: Option<f64>,
    status: Status,
) -> (Option<TargetProgress>, String) {
    let target_year = t.target_year();
    let achieved = status == Status::Met;
    let level_like =
        |target: Option<f64>, model: ChangeModel| -> (Option<TargetProgress>, String) {
            let Some(target) = target else {
                return (
                    None,
                    "no target value (a baseline or reference is missing)".into(),
                );
            };
            let Some(start) = start_point(s, base_year, target_year) else {
                return (
                    None,
                    format!(
                        "no exact observation of `{}` in {base_year}–{}",
                        ind.id,
                        target_year - 1
                    ),
                );
            };
            let Some(latest) = latest_point(s, ind, start.year, target_year) else {
                return (
                    None,
                    format!(
                        "one observation in the plan period ({}): a grade needs a second year",
                        start.year
                    ),
                );
            };
            progress_between(
                target_year,
                achieved,
                model,
                (start.year, start.value),
                (latest.year, latest.value, latest.bound),
                target,
            )
        };
    match &t.rule {
        Rule::Level { .. } | Rule::MultipleOfBase { .. } | Rule::NetIncrease { .. } => {
            level_like(target_value, ChangeModel::Linear)
        }
        Rule::GrowthFloor { .. } => level_like(target_value, ChangeModel::Compound),
        Rule::AtLeastReference { margin, .. } => {
            let Some(r) = reference else {
                return (None, "the reference is not in the plan".into());
            };
            let trend = ReferenceTrend::fit(r, base_year);
            let target = reference_value(r, trend.as_ref(), target_year).map(|(v, _)| v + margin);
            level_like(target, ChangeModel::Linear)
        }
        Rule::CumulativeFlow { from, .. } => {
            let Some(target) = target_value else {
                return (None, "no target total".into());
            };
            let mut total = 0.0;
            let mut last = None;
            for y in *from..=target_year {
                match s.point_at(y).filter(|p| p.bound.is_exact()) {
                    Some(p) => {
                        total += p.value;
                        last = Some(y);
                    }
                    None => break,
                }
            }
            match last {
                Some(y) => progress_between(
                    target_year,
                    achieved,
                    ChangeModel::Linear,
                    (from - 1, 0.0),
                    (y, total, Bound::Exact),
                    target,
                ),
                None => (
                    None,
                    format!("no exact yearly value of `{}` from {from} on", ind.id),
                ),
            }
        }
        Rule::YearlyFlow { min, from, .. } => {
            let in_years: Vec<&Point> = s
                .points()
                .iter()
                .filter(|p| p.year >= *from && p.year <= target_year)
                .collect();
            let Some(latest) = in_years.last() else {
                return (None, format!("no observation of `{}` in its years", ind.id));
            };
            if crate::target::proves(ind, latest, *min, false) == Some(true) {
                let ratio = latest.value / min;
                let grade = if achieved {
                    Grade::Achieved
                } else {
                    Grade::OnTrack
                };
                return (
                    Some(TargetProgress {
                        model: ChangeModel::Linear,
                        start_year: latest.year,
                        start_value: latest.value,
                        latest_year: latest.year,
                        latest_value: latest.value,
                        observed_change: 0.0,
                        required_change: 0.0,
                        ratio,
                        bound: latest.bound,
                        grade,
                        years_ahead: None,
                    }),
                    String::new(),
                );
            }
            let exact: Vec<&&Point> = in_years.iter().filter(|p| p.bound.is_exact()).collect();
            match (exact.first(), exact.last()) {
                (Some(a), Some(b)) if a.year < b.year => progress_between(
                    target_year,
                    achieved,
                    ChangeModel::Linear,
                    (a.year, a.value),
                    (b.year, b.value, Bound::Exact),
                    *min,
                ),
                _ => (
                    None,
                    "one yearly figure below the minimum: a grade needs two".into(),
                ),
            }
        }
    }
}

/// The grade of the change from `start` to `latest` against the change the target needs from
/// `start` to `target` in `target_year` (SDSN trend method; see [`grade`]).
fn progress_between(
    target_year: i32,
    achieved: bool,
    model: ChangeModel,
    start: (i32, f64),
    latest: (i32, f64, Bound),
    target: f64,
) -> (Option<TargetProgress>, String) {
    let (s_year, s_val) = start;
    let (l_year, l_val, bound) = latest;
    let span = (l_year - s_year) as f64;
    let horizon = (target_year - s_year) as f64;
    let (observed, required) = match model {
        ChangeModel::Linear => ((l_val - s_val) / span, (target - s_val) / horizon),
        ChangeModel::Compound => {
            if s_val <= 0.0 || l_val <= 0.0 || target <= 0.0 {
                return (None, "compound change needs positive values".into());
            }
            (
                crate::growth::compound_rate(s_val, l_val, span),
                crate::growth::compound_rate(s_val, target, horizon),
            )
        }
    };
    if required == 0.0 || !required.is_finite() {
        return (
            None,
            format!(
                "the start value {} already equals the target, so no change is required",
                fmt_num(s_val)
            ),
        );
    }
    let ratio = observed / required;
    // The year in which the required path reaches the latest value.
    let reach = match model {
        ChangeModel::Linear => s_year as f64 + (l_val - s_val) / required,
        ChangeModel::Compound => s_year as f64 + (l_val / s_val).ln() / (1.0 + required).ln(),
    };
    let years_ahead = reach.is_finite().then_some(reach - l_year as f64);
    let grade = if achieved {
        Grade::Achieved
    } else {
        Grade::of_ratio(ratio)
    };
    (
        Some(TargetProgress {
            model,
            start_year: s_year,
            start_value: s_val,
            latest_year: l_year,
            latest_value: l_val,
            observed_change: observed,
            required_change: required,
            ratio,
            bound,
            grade,
            years_ahead,
        }),
        String::new(),
    )
}

/// The data that would make a target assessable, in words.
fn needs(plan: &Plan, t: &Target, ind: &Indicator) -> String {
    let region = |i: &Indicator| {
        i.region
            .clone()
            .unwrap_or_else(|| plan.meta().region.en.clone())
    };
    let base_year = t.effective_base_year(plan.base_year());
    let by = t.target_year();
    match &t.rule {
        Rule::Level { .. } | Rule::MultipleOfBase { .. } | Rule::GrowthFloor { .. } => format!(
            "`{}` ({}) for a year in {}–{by}, and for {base_year} to grade the progress",
            ind.id,
            region(ind),
            base_year + 1
        ),
        Rule::NetIncrease { from, to, .. } => format!(
            "`{}` ({}) for two years in {}–{to} (consecutive years give each year's increase)",
            ind.id,
            region(ind),
            from - 1
        ),
        Rule::AtLeastReference { reference, .. } => {
            let r = plan.indicator(reference);
            format!(
                "`{}` ({}) and `{reference}` ({}) for a year in {}–{by}; two years of `{}` to grade the progress",
                ind.id,
                region(ind),
                r.map(&region).unwrap_or_default(),
                base_year + 1,
                ind.id
            )
        }
        Rule::YearlyFlow { from, to, .. } => format!(
            "`{}` ({}) for each year {from}–{to} (any one year gives a first status)",
            ind.id,
            region(ind)
        ),
        Rule::CumulativeFlow { from, to, .. } => format!(
            "`{}` ({}) for consecutive years from {from} (each year {from}–{to} for the total)",
            ind.id,
            region(ind)
        ),
    }
}
