//! Plans: a region, a period, indicators, observations and targets; the TOML plan format; the
//! embedded Linyi 2021–2025 plan.
//!
//! # File format
//!
//! ```toml
//! [plan]
//! id = "linyi-2021-2025"
//! title = "Linyi science and technology innovation plan, 14th Five-Year period"
//! region = { en = "Linyi", zh = "临沂" }
//! period = [2020, 2025]          # base year, final year
//! source = "Linyi Municipal Government, press release of 2021-06-05"
//!
//! [[indicators]]                 # see `innodex::indicator::Indicator`
//! id = "hte_count"
//! name = { en = "High-tech enterprises", zh = "高新技术企业" }
//! unit = "enterprises"
//! kind = "count"                 # count | amount | share | ratio | flow
//!
//! [[observations]]               # one value of one year, with its provenance
//! indicator = "hte_count"
//! year = 2020
//! value = 750
//! provenance = { kind = "implied", note = "about 1500 in 2025 is a doubling of 2020" }
//! # or { kind = "observed", source = "…", vintage = "…", confidence = "…" }
//! # or { kind = "assumed", note = "…" }
//!
//! [[spans]]                      # a figure over years: see `innodex::span`
//! indicator = "hte_count"
//! from = 2021                    # covers the change from the 2020 level…
//! to = 2025                      # …to the 2025 level
//! measure = "change"             # or "average_growth" (% a year, compound)
//! value = 750
//! bound = "at_least"
//! provenance = { kind = "observed", source = "…" }
//!
//! [[targets]]                    # see `innodex::target` for every kind and field
//! id = "hte_count"
//! indicator = "hte_count"
//! kind = "multiple_of_base"
//! factor = 2.0
//! base_year = 2020
//! by = 2025
//! about = 0.05
//! ```
//!
//! Unknown keys are errors, so a misspelt field never passes silently. Every year (period,
//! observations, targets) lies in [`YEARS`], 1000–9999.

use std::collections::{BTreeMap, HashSet};
use std::ops::RangeInclusive;
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::indicator::{Indicator, IndicatorError, Names};
use crate::series::{Bound, Point, Provenance, PubDate, Release, Series, SeriesError};
use crate::span::SpanEntry;
use crate::target::{Context, Evaluation, Rule, Target};

mod resolve;

/// The Linyi plan's TOML source (`plans/linyi-2021-2025.toml`); the case lives in
/// [`crate::cases::linyi`].
pub const LINYI_TOML: &str = crate::cases::linyi::PLAN_TOML;

/// The Shandong plan's TOML source (`plans/shandong-2022-2027.toml`); the case lives in
/// [`crate::cases::shandong`].
pub const SHANDONG_TOML: &str = crate::cases::shandong::PLAN_TOML;

/// The years a plan, its observations and its targets may name: four-digit calendar years.
/// Plans are about calendar years; the bound keeps the year arithmetic of targets and
/// projections (`from − 1`, `to − from`, loops over the years) from overflowing an `i32` or
/// running for billions of years on a typo (found by fuzzing, see docs/security.md).
pub const YEARS: RangeInclusive<i32> = 1000..=9999;

/// [`PlanError::Years`] unless `year` lies in [`YEARS`].
fn check_year(whom: impl FnOnce() -> String, what: &str, year: i32) -> Result<(), PlanError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(PlanError::Years {
            whom: whom(),
            problem: format!(
                "{what} {year} is outside the supported years {}–{}",
                YEARS.start(),
                YEARS.end()
            ),
        })
    }
}

/// The years a target names, with the key that names each.
fn target_years(t: &Target) -> Vec<(&'static str, i32)> {
    let mut years: Vec<(&'static str, i32)> =
        t.base_year.map(|y| ("base_year", y)).into_iter().collect();
    match &t.rule {
        Rule::Level { by, .. }
        | Rule::MultipleOfBase { by, .. }
        | Rule::AtLeastReference { by, .. } => {
            years.push(("by", *by));
        }
        Rule::YearlyFlow { from, to, .. }
        | Rule::NetIncrease { from, to, .. }
        | Rule::GrowthFloor { from, to, .. }
        | Rule::CumulativeFlow { from, to, .. } => {
            years.push(("from", *from));
            years.push(("to", *to));
        }
    }
    years
}

/// Names of the plans embedded in the library; [`Plan::builtin`] loads each.
///
/// ```
/// use innodex::plan::{BUILTIN_PLANS, Plan};
/// for id in BUILTIN_PLANS {
///     assert_eq!(Plan::builtin(id).unwrap().meta().id, *id);
/// }
/// ```
pub const BUILTIN_PLANS: &[&str] = &["linyi-2021-2025", "shandong-2022-2027"];

// The list above must name the cases' plans, in order (a const cannot map over them).
const _: () = {
    assert!(BUILTIN_PLANS.len() == crate::cases::BUILTIN.len());
};

/// Why a plan cannot be read or used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The file could not be read (not a regular file, too large, not UTF-8), or malformed
    /// TOML, a wrong type or an unknown key (the message gives file, line, column and key).
    #[error(transparent)]
    Input(#[from] crate::io::IoError),
    /// A figure over a span of years that cannot be used (see [`crate::span`]).
    #[error("a span figure of `{indicator}`: {problem}")]
    Span {
        /// Indicator id.
        indicator: String,
        /// What is wrong.
        problem: String,
    },
    /// Two figures of one indicator and year that nothing tells apart.
    #[error(
        "two figures of `{indicator}` for {year} rank equally (same kind, release and publication date): give them different `status` or `published`, or drop one"
    )]
    AmbiguousEvidence {
        /// Indicator id.
        indicator: String,
        /// Year.
        year: i32,
    },
    /// Two items share an id.
    #[error("duplicate {what} id `{}`", crate::io::ex(id))]
    Duplicate {
        /// "indicator" or "target".
        what: &'static str,
        /// The id.
        id: String,
    },
    /// A reference to an indicator that the plan does not define.
    #[error(
        "{} names unknown indicator `{}`",
        crate::io::ex(whom),
        crate::io::ex(indicator)
    )]
    UnknownIndicator {
        /// Who refers to it (e.g. "target `hte_count`").
        whom: String,
        /// The unknown id.
        indicator: String,
    },
    /// A target or plan year that does not fit.
    #[error("{}: {problem}", crate::io::ex(whom))]
    Years {
        /// Who.
        whom: String,
        /// What is wrong.
        problem: String,
    },
    /// An invalid indicator definition.
    #[error(transparent)]
    Indicator(#[from] IndicatorError),
    /// An invalid series of observations.
    #[error(transparent)]
    Series(#[from] SeriesError),
    /// A target level the indicator cannot take (a share target of 140 %).
    #[error("target `{}`: value: {source}", crate::io::ex(target))]
    TargetValue {
        /// Target id.
        target: String,
        /// What is wrong with the value.
        source: IndicatorError,
    },
    /// References that go round in a cycle: targets judged against each other (a target
    /// whose reference is its own indicator, or longer), or a ratio defined through itself.
    #[error("{what} cycle: {}", .cycle.describe())]
    Cycle {
        /// "reference" or "ratio".
        what: &'static str,
        /// The cycle.
        cycle: crate::cycles::Cycle,
    },
    /// No target with this id.
    #[error("no target `{}` in the plan", crate::io::ex(.0))]
    UnknownTarget(String),
    /// An invalid target, or an invalid change to the targets.
    #[error(transparent)]
    Target(#[from] crate::target::TargetError),
    /// No embedded plan of this name.
    #[error("no built-in plan `{}` (available: linyi-2021-2025)", crate::io::ex(.0))]
    UnknownBuiltin(String),
}

/// The `[plan]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanMeta {
    /// Plan id.
    pub id: String,
    /// Title.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The region the plan is for.
    pub region: Names,
    /// Base year and final year.
    pub period: [i32; 2],
    /// The document the plan comes from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Only evidence published by this date counts (see [`Plan::as_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<PubDate>,
}

/// One `[[observations]]` entry: a figure of one indicator and year, as its source gives it.
///
/// Several entries may describe the same indicator and year (a preliminary and a final
/// release, two publications): all are kept as evidence, and [`Plan`] resolves them to one
/// value per year (see [`Plan::evidence`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationEntry {
    /// Indicator id.
    pub indicator: String,
    /// Year.
    pub year: i32,
    /// Value (for a bound, the bound).
    pub value: f64,
    /// Provenance.
    pub provenance: Provenance,
    /// `exact` (default), `at_least` or `at_most`.
    #[serde(default, skip_serializing_if = "Bound::is_exact")]
    pub bound: Bound,
    /// `final` or `preliminary`, for published figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Release>,
    /// Publication date, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PubDate>,
}

impl ObservationEntry {
    /// The entry as a series point.
    pub fn point(&self) -> Point {
        Point {
            year: self.year,
            value: self.value,
            provenance: self.provenance.clone(),
            bound: self.bound,
            release: self.status,
            published: self.published,
        }
    }

    /// An entry from an indicator id and a point.
    pub fn from_point(indicator: &str, p: &Point) -> ObservationEntry {
        ObservationEntry {
            indicator: indicator.to_string(),
            year: p.year,
            value: p.value,
            provenance: p.provenance.clone(),
            bound: p.bound,
            status: p.release,
            published: p.published,
        }
    }
}

impl From<Plan> for PlanFile {
    fn from(p: Plan) -> PlanFile {
        PlanFile {
            plan: p.meta,
            indicators: p.indicators,
            observations: p.evidence,
            spans: p.spans,
            targets: p.targets,
        }
    }
}

impl TryFrom<PlanFile> for Plan {
    type Error = PlanError;

    fn try_from(file: PlanFile) -> Result<Plan, PlanError> {
        Plan::from_file_form(file)
    }
}

/// The file form of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    plan: PlanMeta,
    #[serde(default)]
    indicators: Vec<Indicator>,
    #[serde(default)]
    observations: Vec<ObservationEntry>,
    #[serde(default)]
    spans: Vec<SpanEntry>,
    #[serde(default)]
    targets: Vec<Target>,
}

/// A validated plan. Its serde form is the plan file's (`[plan]`, `[[indicators]]`,
/// `[[observations]]`, `[[spans]]`, `[[targets]]`), and deserialising validates it as
/// [`Plan::new`] does.
///
/// ```
/// use innodex::plan::Plan;
/// let plan = Plan::linyi();
/// assert_eq!(plan.targets().len(), 13);
/// assert_eq!(plan.meta().period, [2020, 2025]);
/// let again: Plan = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
/// assert_eq!(again, plan);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "PlanFile", try_from = "PlanFile")]
pub struct Plan {
    meta: PlanMeta,
    indicators: Vec<Indicator>,
    /// Every entry as given, in file order (all vintages).
    evidence: Vec<ObservationEntry>,
    /// Figures over spans of years, as given (see [`crate::span`]).
    spans: Vec<SpanEntry>,
    /// One resolved value per indicator and year (see [`Plan::evidence`]).
    series: BTreeMap<String, Series>,
    targets: Vec<Target>,
}

impl Plan {
    /// The embedded Linyi 2021–2025 plan (a shortcut for [`crate::cases::linyi::plan`]).
    pub fn linyi() -> Plan {
        crate::cases::linyi::plan()
    }

    /// The embedded Shandong plan (鲁政字〔2022〕225号, published 2022-11-25): R&D intensity
    /// 2.8 % and high-tech industry output about 53 % of above-size industrial output by 2027,
    /// base year 2021, with Shandong's published evidence (`plans/shandong-2022-2027.toml`).
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// let p = Plan::shandong();
    /// assert_eq!(p.meta().id, "shandong-2022-2027");
    /// assert_eq!(p.base_year(), 2021);
    /// assert_eq!(p.series("rd_share").unwrap().value_at(2023), Some(2.59));
    /// ```
    pub fn shandong() -> Plan {
        crate::cases::shandong::plan()
    }

    /// An embedded plan by name (see [`BUILTIN_PLANS`]); `"linyi"` and `"shandong"` are short
    /// names.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// assert_eq!(Plan::builtin("shandong").unwrap().meta().id, "shandong-2022-2027");
    /// assert!(Plan::builtin("atlantis").is_err());
    /// ```
    ///
    /// # Errors
    /// [`PlanError::UnknownBuiltin`].
    pub fn builtin(name: &str) -> Result<Plan, PlanError> {
        crate::cases::BUILTIN
            .iter()
            .find(|c| c.id == name || c.id.split('-').next() == Some(name))
            .map(|c| c.plan())
            .ok_or_else(|| PlanError::UnknownBuiltin(name.to_string()))
    }

    /// Parses and validates a plan from TOML text.
    ///
    /// # Errors
    /// [`PlanError::Input`] for malformed TOML, wrong types or unknown keys (with line,
    /// column and key), and the validation errors of [`Plan::new`].
    pub fn from_toml_str(text: &str) -> Result<Plan, PlanError> {
        Self::from_file_form(crate::io::parse_toml(text, "plan")?)
    }

    /// Reads a plan file.
    ///
    /// # Errors
    /// [`PlanError::Input`] if the file cannot be read (missing, not a regular file, above
    /// [`crate::io::max_file_bytes`]), otherwise as [`Plan::from_toml_str`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Plan, PlanError> {
        Self::from_file_form(crate::io::read_toml(path)?)
    }

    /// Parses and validates a plan from JSON text of the plan-file structure (the same keys
    /// as the TOML format: `plan`, `indicators`, `observations`, `spans`, `targets`); Python's
    /// `Plan.from_dict` sends a dict this way.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// let json = r#"{"plan": {"id": "p", "title": "T", "region": {"en": "R"}, "period": [2020, 2025]},
    ///   "indicators": [{"id": "x", "name": {"en": "X"}, "unit": "n", "kind": "count"}],
    ///   "targets": [{"id": "t", "indicator": "x", "kind": "level", "value": 10, "by": 2025}]}"#;
    /// let plan = Plan::from_json_str(json).unwrap();
    /// assert_eq!(plan.targets().len(), 1);
    /// let bad = json.replace("\"count\"", "\"cnt\"");
    /// assert!(Plan::from_json_str(&bad).unwrap_err().to_string().contains("unknown variant `cnt`"));
    /// ```
    ///
    /// # Errors
    /// [`PlanError::Input`] for malformed JSON, wrong types or unknown keys (the message names
    /// the field and the value), and the validation errors of [`Plan::new`].
    pub fn from_json_str(text: &str) -> Result<Plan, PlanError> {
        Self::from_file_form(crate::io::parse_json(text, "plan")?)
    }

    fn from_file_form(file: PlanFile) -> Result<Plan, PlanError> {
        Plan::new(file.plan, file.indicators, file.observations, file.targets)?
            .with_spans(file.spans)
    }

    /// Builds and validates a plan from its parts.
    ///
    /// # Errors
    /// Duplicate ids, targets or observations naming unknown indicators, invalid indicator
    /// metadata, invalid series (unsorted years, out-of-bounds values such as a share of 140 %),
    /// and target years at or before their base year.
    pub fn new(
        meta: PlanMeta,
        indicators: Vec<Indicator>,
        observations: Vec<ObservationEntry>,
        targets: Vec<Target>,
    ) -> Result<Plan, PlanError> {
        let [y0, y1] = meta.period;
        for y in [y0, y1] {
            check_year(|| format!("plan `{}`", meta.id), "period year", y)?;
        }
        if y1 <= y0 {
            return Err(PlanError::Years {
                whom: format!("plan `{}`", meta.id),
                problem: format!("period [{y0}, {y1}]: the final year must be after the base year"),
            });
        }
        let mut ids = HashSet::new();
        for ind in &indicators {
            ind.validate()?;
            if !ids.insert(ind.id.as_str()) {
                return Err(PlanError::Duplicate {
                    what: "indicator",
                    id: ind.id.clone(),
                });
            }
        }
        let known = |whom: String, id: &str| -> Result<(), PlanError> {
            if ids.contains(id) {
                Ok(())
            } else {
                Err(PlanError::UnknownIndicator {
                    whom,
                    indicator: id.to_string(),
                })
            }
        };
        for ind in &indicators {
            for part in [&ind.numerator, &ind.denominator].into_iter().flatten() {
                known(format!("ratio indicator `{}`", ind.id), part)?;
            }
        }
        if let Some(cycle) = crate::cycles::ratio_cycle(&indicators) {
            return Err(PlanError::Cycle {
                what: "ratio",
                cycle,
            });
        }
        for o in &observations {
            known(format!("an observation of {}", o.year), &o.indicator)?;
            check_year(
                || format!("an observation of `{}`", o.indicator),
                "year",
                o.year,
            )?;
        }
        let series = Self::resolve(&indicators, &observations, &[], meta.as_of)?;
        let mut target_ids = HashSet::new();
        for t in &targets {
            if !target_ids.insert(t.id.as_str()) {
                return Err(PlanError::Duplicate {
                    what: "target",
                    id: t.id.clone(),
                });
            }
            known(format!("target `{}`", t.id), &t.indicator)?;
            for (key, y) in target_years(t) {
                check_year(|| format!("target `{}`", t.id), key, y)?;
            }
            if let Some(r) = t.reference() {
                known(format!("target `{}` (reference)", t.id), r)?;
            }
            if let Some(alt) = &t.alternative {
                known(
                    format!("target `{}` (alternative reading)", t.id),
                    &alt.indicator,
                )?;
            }
            // A level is a value of the indicator: a share target of 140 % is as wrong as an
            // observation of 140 %.
            if let Rule::Level { value, .. } = t.rule
                && let Some(ind) = indicators.iter().find(|i| i.id == t.indicator)
            {
                ind.check_value(value)
                    .map_err(|source| PlanError::TargetValue {
                        target: t.id.clone(),
                        source,
                    })?;
            }
            let base = t.effective_base_year(y0);
            if matches!(
                t.rule,
                Rule::Level { .. } | Rule::MultipleOfBase { .. } | Rule::AtLeastReference { .. }
            ) && t.target_year() <= base
            {
                return Err(PlanError::Years {
                    whom: format!("target `{}`", t.id),
                    problem: format!(
                        "target year {} is not after its base year {base}",
                        t.target_year()
                    ),
                });
            }
        }
        if let Some(cycle) = crate::cycles::reference_cycle(&targets) {
            return Err(PlanError::Cycle {
                what: "reference",
                cycle,
            });
        }
        Ok(Plan {
            meta,
            indicators,
            evidence: observations,
            spans: Vec::new(),
            series,
            targets,
        })
    }

    /// The plan with every approximate ("about") target's tolerance set to `tolerance` (the
    /// plans' ±5 % reading of 左右 is an assumption; this varies it).
    ///
    /// ```
    /// let plan = innodex::plan::Plan::linyi().with_about(0.1).unwrap();
    /// assert_eq!(plan.target("hte_count").unwrap().about, Some(0.1));
    /// assert_eq!(plan.target("hte_doubling").unwrap().about, None); // not approximate
    /// assert!(innodex::plan::Plan::linyi().with_about(1.5).is_err());
    /// ```
    ///
    /// # Errors
    /// [`PlanError::Target`] unless `tolerance` lies in [0, 1).
    pub fn with_about(&self, tolerance: f64) -> Result<Plan, PlanError> {
        if !(tolerance.is_finite() && (0.0..1.0).contains(&tolerance)) {
            return Err(PlanError::Target(crate::target::TargetError::BadValue {
                target: "(every approximate target)".into(),
                field: "about",
                value: tolerance.to_string(),
                problem: "must be a relative tolerance in [0, 1)",
            }));
        }
        let mut plan = self.clone();
        for t in &mut plan.targets {
            if t.about.is_some() {
                t.about = Some(tolerance);
            }
            if let Some(alt) = &mut t.alternative
                && alt.about.is_some()
            {
                alt.about = Some(tolerance);
            }
        }
        Ok(plan)
    }

    /// The plan with every target that has an alternative reading replaced by it (the
    /// original becomes the alternative), e.g. the talent targets read as 2025 stocks instead
    /// of flows over the period.
    ///
    /// ```
    /// use innodex::target::Rule;
    /// let plan = innodex::plan::Plan::linyi();
    /// assert!(matches!(plan.target("talent_young").unwrap().rule, Rule::CumulativeFlow { .. }));
    /// let stock = plan.with_alternative_readings();
    /// let t = stock.target("talent_young").unwrap();
    /// assert!(matches!(t.rule, Rule::Level { .. }));
    /// assert_eq!(t.indicator, "talent_young_stock");
    /// ```
    pub fn with_alternative_readings(&self) -> Plan {
        let mut plan = self.clone();
        for t in &mut plan.targets {
            if let Some(alt) = t.alternative.take() {
                let mut alt = *alt;
                if alt.name.is_empty() {
                    alt.name = t.name.clone();
                }
                if alt.quote.is_empty() {
                    alt.quote = t.quote.clone();
                }
                let mut original = std::mem::replace(t, alt);
                original.alternative = None;
                t.alternative = Some(Box::new(original));
            }
        }
        plan
    }

    /// Every piece of evidence as given (all vintages and bounds), in file order; the
    /// resolved one-value-per-year view is [`Plan::series`].
    pub fn evidence(&self) -> &[ObservationEntry] {
        &self.evidence
    }

    /// The publication cut-off in force, if any (see [`Plan::as_of`]).
    pub fn as_of_date(&self) -> Option<PubDate> {
        self.meta.as_of
    }

    /// The plan as it could be assessed on `date`: only evidence published by then counts
    /// (observed figures without a publication date are left out; implied and assumed values
    /// stay).
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// let plan = Plan::linyi();
    /// let gdp_2024 = |p: &Plan| p.series("gdp").unwrap().value_at(2024);
    /// assert_eq!(gdp_2024(&plan), Some(6555.8)); // the final figure of 2025-12
    /// let early = plan.as_of("2025-06".parse().unwrap()).unwrap();
    /// assert_eq!(gdp_2024(&early), Some(6600.0)); // only the preliminary one was out
    /// ```
    ///
    /// # Errors
    /// As [`Plan::new`] (a derived ratio out of bounds).
    pub fn as_of(&self, date: PubDate) -> Result<Plan, PlanError> {
        let series = Self::resolve(&self.indicators, &self.evidence, &self.spans, Some(date))?;
        let mut plan = self.clone();
        plan.meta.as_of = Some(date);
        plan.series = series;
        Ok(plan)
    }

    /// The plan with more evidence: `entries` are validated like a plan file's observations
    /// and stand beside the existing ones (a later or better-ranked figure wins the year).
    ///
    /// # Errors
    /// [`PlanError::UnknownIndicator`], [`PlanError::Years`], or a value the indicator does
    /// not allow; `self` is unchanged.
    pub fn with_observations(&self, entries: Vec<ObservationEntry>) -> Result<Plan, PlanError> {
        for o in &entries {
            if self.indicator(&o.indicator).is_none() {
                return Err(PlanError::UnknownIndicator {
                    whom: format!("an observation of {}", o.year),
                    indicator: o.indicator.clone(),
                });
            }
            check_year(
                || format!("an observation of `{}`", o.indicator),
                "year",
                o.year,
            )?;
        }
        let mut evidence = self.evidence.clone();
        evidence.extend(entries);
        let series = Self::resolve(&self.indicators, &evidence, &self.spans, self.meta.as_of)?;
        Ok(Plan {
            evidence,
            series,
            ..self.clone()
        })
    }

    /// The plan with more figures over spans of years (see [`crate::span`]): each is checked
    /// (a known indicator, years in [`YEARS`], `to` not before `from`, a finite value, an
    /// average growth above −100 %) and kept beside the existing ones; where the year before a
    /// span is known, the span's last year gets a derived value unless a better-ranked figure
    /// stands there.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// use innodex::span::{SpanEntry, SpanMeasure};
    /// let plan = Plan::shandong();
    /// assert_eq!(plan.series("rd_expenditure").unwrap().value_at(2020), Some(1681.9));
    /// // The shipped plan holds "R&D spending grew 11.5 % a year on average in 2021–2025".
    /// let v2025 = plan.series("rd_expenditure").unwrap().value_at(2025).unwrap();
    /// assert!((v2025 - 1681.9 * 1.115_f64.powi(5)).abs() < 1e-9);
    /// let bad = SpanEntry::new("rd_expenditure", 2021, 2025, SpanMeasure::AverageGrowth, -120.0);
    /// assert!(plan.with_spans(vec![bad]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`PlanError::UnknownIndicator`], [`PlanError::Years`] or [`PlanError::Span`]; `self` is
    /// unchanged.
    pub fn with_spans(&self, entries: Vec<SpanEntry>) -> Result<Plan, PlanError> {
        for e in &entries {
            if self.indicator(&e.indicator).is_none() {
                return Err(PlanError::UnknownIndicator {
                    whom: format!("a span figure of {}–{}", e.from, e.to),
                    indicator: e.indicator.clone(),
                });
            }
            for (key, y) in [
                ("from", e.from),
                ("to", e.to),
                ("base year (from − 1)", e.from - 1),
            ] {
                check_year(|| format!("a span figure of `{}`", e.indicator), key, y)?;
            }
            if let Some(problem) = e.problem() {
                return Err(PlanError::Span {
                    indicator: e.indicator.clone(),
                    problem,
                });
            }
        }
        let mut spans = self.spans.clone();
        spans.extend(entries);
        let series = Self::resolve(&self.indicators, &self.evidence, &spans, self.meta.as_of)?;
        Ok(Plan {
            spans,
            series,
            ..self.clone()
        })
    }

    /// The plan with `target` added, or replacing the target of the same id; the plan is
    /// validated again as a whole (a target on an unknown indicator, a reference cycle, a
    /// level outside the indicator's bounds are errors).
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// use innodex::target::{Target, TargetSpec};
    /// let spec: TargetSpec = serde_json::from_str(
    ///     r#"{"id": "ht_output_share", "indicator": "ht_output_share", "kind": "level",
    ///         "value": 50.0, "by": 2025}"#).unwrap();
    /// let plan = Plan::linyi().with_target(Target::try_from(spec).unwrap()).unwrap();
    /// assert_eq!(plan.targets().len(), 13); // replaced, not added
    /// assert!(plan.target("ht_output_share").unwrap().about.is_none());
    /// ```
    ///
    /// # Errors
    /// As [`Plan::new`]; `self` is unchanged.
    pub fn with_target(&self, target: Target) -> Result<Plan, PlanError> {
        let mut targets = self.targets.clone();
        match targets.iter_mut().find(|t| t.id == target.id) {
            Some(t) => *t = target,
            None => targets.push(target),
        }
        Plan::new(
            self.meta.clone(),
            self.indicators.clone(),
            self.evidence.clone(),
            targets,
        )?
        .with_spans(self.spans.clone())
    }

    /// The figures over spans of years, as given (see [`crate::span`]).
    pub fn spans(&self) -> &[SpanEntry] {
        &self.spans
    }

    /// The `[plan]` table.
    pub fn meta(&self) -> &PlanMeta {
        &self.meta
    }

    /// The base year (first year of the period).
    pub fn base_year(&self) -> i32 {
        self.meta.period[0]
    }

    /// Indicators in file order.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// Targets in file order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// One indicator by id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The observations of one indicator.
    pub fn series(&self, id: &str) -> Option<&Series> {
        self.series.get(id)
    }

    /// One target by id.
    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id == id)
    }

    /// Sets (or replaces) an observation, e.g. to override a baseline with a user's value.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// use innodex::series::Provenance;
    /// let mut plan = Plan::linyi();
    /// plan.set_observation("hte_count", 2020, 800.0,
    ///     Provenance::Assumed { note: "my estimate".into() }).unwrap();
    /// let ev = plan.evaluate("hte_doubling").unwrap();
    /// assert_eq!(ev.required.target_value, Some(1600.0));
    /// assert!(plan.set_observation("rd_share", 2020, f64::NAN,
    ///     Provenance::Assumed { note: String::new() }).is_err());
    /// ```
    ///
    /// # Errors
    /// [`PlanError::UnknownIndicator`], or [`PlanError::Series`] for a value the indicator does
    /// not allow; the plan is unchanged on error.
    pub fn set_observation(
        &mut self,
        indicator: &str,
        year: i32,
        value: f64,
        provenance: Provenance,
    ) -> Result<(), PlanError> {
        let ind = self
            .indicators
            .iter()
            .find(|i| i.id == indicator)
            .ok_or_else(|| PlanError::UnknownIndicator {
                whom: "the override".into(),
                indicator: indicator.to_string(),
            })?;
        check_year(|| format!("the override of `{indicator}`"), "year", year)?;
        ind.check_value(value)
            .map_err(|source| PlanError::Series(SeriesError::Value { year, source }))?;
        // An override replaces every figure of that year; work on copies so that an error
        // (also in a derived ratio) leaves the plan unchanged.
        let mut evidence = self.evidence.clone();
        evidence.retain(|o| !(o.indicator == indicator && o.year == year));
        evidence.push(ObservationEntry::from_point(
            indicator,
            &Point::new(year, value, provenance),
        ));
        // …and every span figure ending that year, which would otherwise derive a value
        // ranked above an assumed one.
        let mut spans = self.spans.clone();
        spans.retain(|s| !(s.indicator == indicator && s.to == year));
        self.series = Self::resolve(&self.indicators, &evidence, &spans, self.meta.as_of)?;
        self.evidence = evidence;
        self.spans = spans;
        Ok(())
    }

    /// Evaluates one target: its required path and its status.
    ///
    /// # Errors
    /// [`PlanError::UnknownTarget`].
    pub fn evaluate(&self, target_id: &str) -> Result<Evaluation, PlanError> {
        let t = self
            .target(target_id)
            .ok_or_else(|| PlanError::UnknownTarget(target_id.to_string()))?;
        Ok(self.evaluate_target(t))
    }

    /// Evaluates every target, in file order.
    pub fn evaluate_all(&self) -> Vec<(&Target, Evaluation)> {
        self.targets
            .iter()
            .map(|t| (t, self.evaluate_target(t)))
            .collect()
    }

    fn evaluate_target(&self, t: &Target) -> Evaluation {
        let empty = Series::default();
        // Plan::new guarantees both indicators exist.
        let indicator = self.indicator(&t.indicator).expect("validated");
        let ctx = Context {
            indicator,
            series: self.series.get(&t.indicator).unwrap_or(&empty),
            reference: t.reference().and_then(|r| self.series.get(r)),
            plan_base_year: self.base_year(),
        };
        t.evaluate(&ctx)
    }

    /// The plan as TOML text in the file format (round-trips through [`Plan::from_toml_str`]).
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("a plan always serialises to TOML")
    }
}
