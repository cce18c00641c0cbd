//! Scenarios: named sets of assumptions about how each indicator moves, and the projection of
//! a plan under each scenario of a set.
//!
//! # File format
//!
//! ```toml
//! [set]
//! id = "linyi-2021-2025"
//! horizon = 2025                       # last year projected (default: the plan's final year)
//! description = "Illustrative assumptions, not forecasts."
//!
//! [[scenarios]]
//! name = "baseline"
//! description = "Growth as in recent years."
//!
//! [scenarios.indicators.hte_count]     # one table per indicator projected
//! method = "compound"                  # see below
//! rate = { dist = "normal", mean = 0.14, sd = 0.03 }
//! per_path = false                     # draw the rate every year (false) or once per path (true)
//! shock = { dist = "normal", mean = 0.0, sd = 0.02 }   # optional, added every year
//! start = { year = 2020, value = 750, note = "why this value" }   # optional
//! note = "assumption: …"               # shown in every report
//!
//! [[scenarios.correlations]]
//! between = ["rd_expenditure", "gdp"]
//! rho = 0.5
//! ```
//!
//! | `method` | fields | moves |
//! |---|---|---|
//! | `compound` | `rate`, `per_path`, `shock` | v · (1 + rate + shock) |
//! | `increment` | `increment`, `per_path`, `shock` | v + increment + shock |
//! | `logistic` | `rate`, `ceiling` (100 for shares), `per_path`, `shock` | logit(v/K) + rate + shock |
//! | `log_linear`, `linear` | `fit` = [first, last] year, `simulate` (true) | fitted trend ([`crate::projection::methods`]) |
//! | `logistic_trend` | `ceiling`, `fit`, `simulate` | fitted trend on the logit |
//! | `damped_holt` | `alpha`, `beta`, `phi` (fitted when absent), `fit`, `simulate` | damped Holt |
//! | `hold` | | stays at its last observed value |
//!
//! `rate`, `increment` and `shock` are distributions ([`crate::projection::dist`]): a number,
//! or a table such as `{ dist = "triangular", min = 0.05, mode = 0.1, max = 0.15 }`, or
//! `{ dist = "bootstrap", from = 2015, to = 2020 }` to resample the indicator's own yearly
//! changes (growth rates for `compound`, differences for `increment`, logit differences for
//! `logistic`). Fitted methods start from the last observation in their `fit` window and, with
//! `simulate = true`, draw from their predictive distribution in the Monte Carlo run.
//!
//! An indicator is projected from `start` if given (its value is labelled an **assumption**
//! wherever it is reported), otherwise from its last observation. A ratio indicator of the plan
//! (such as R&D / GDP) whose numerator and denominator are both projected is derived path by
//! path. A target's reference series that the scenario does not project is held at its last
//! observed value, and the report says so. Unknown keys are errors.
//!
//! Every scenario of a set is run with the same seed (common random numbers), so differences
//! between scenarios come from the assumptions, not from the draws.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::exec::Progress;
use crate::indicator::{Indicator, IndicatorKind};
use crate::plan::{Plan, YEARS};
use crate::projection::ProjectionError;
use crate::projection::dist::Dist;
use crate::projection::fit::OlsLine;
use crate::projection::methods::{DampedHolt, HoltInit, logit};
use crate::projection::monte_carlo::{
    Channel, ChannelKind, Correlation, McConfig, McModel, McResult, McTarget, Process, TrendScale,
    simulate_with_progress,
};

/// The scenario file shipped for the Linyi plan (`scenarios/linyi.toml`).
pub const LINYI_SCENARIOS_TOML: &str = include_str!("../scenarios/linyi.toml");

/// The scenario file shipped for the Shandong plan (`scenarios/shandong.toml`).
pub const SHANDONG_SCENARIOS_TOML: &str = include_str!("../scenarios/shandong.toml");

/// Why a scenario cannot be read or run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read (not a regular file, too large, not UTF-8), or malformed
    /// TOML, a wrong type or an unknown key (the message gives file, line, column and key).
    #[error(transparent)]
    Input(#[from] crate::io::IoError),
    /// A scenario naming an indicator the plan does not have.
    #[error(
        "scenario `{}` names unknown indicator `{}`",
        crate::io::ex(scenario),
        crate::io::ex(indicator)
    )]
    UnknownIndicator {
        /// Scenario name.
        scenario: String,
        /// The unknown id.
        indicator: String,
    },
    /// No scenario of this name in the set.
    #[error("no scenario `{}` in the set", crate::io::ex(.0))]
    UnknownScenario(String),
    /// An assumption that does not hang together.
    #[error(
        "scenario `{}`, indicator `{}`: {problem}",
        crate::io::ex(scenario),
        crate::io::ex(indicator)
    )]
    Invalid {
        /// Scenario name.
        scenario: String,
        /// Indicator id.
        indicator: String,
        /// What is wrong.
        problem: String,
    },
    /// Two scenarios with one name, or an empty set.
    #[error("{0}")]
    Set(String),
    /// The projection itself failed.
    #[error("scenario `{}`: {source}", crate::io::ex(scenario))]
    Projection {
        /// Scenario name.
        scenario: String,
        /// The error.
        source: ProjectionError,
    },
}

/// How an indicator moves in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssumptionMethod {
    /// Compound growth.
    Compound,
    /// Yearly increment.
    Increment,
    /// Logistic steps toward a ceiling.
    Logistic,
    /// Fitted log-linear trend.
    LogLinear,
    /// Fitted linear trend.
    Linear,
    /// Fitted logistic trend.
    LogisticTrend,
    /// Fitted damped Holt.
    DampedHolt,
    /// Held at the last observation.
    Hold,
}

impl AssumptionMethod {
    fn name(self) -> &'static str {
        match self {
            AssumptionMethod::Compound => "compound",
            AssumptionMethod::Increment => "increment",
            AssumptionMethod::Logistic => "logistic",
            AssumptionMethod::LogLinear => "log_linear",
            AssumptionMethod::Linear => "linear",
            AssumptionMethod::LogisticTrend => "logistic_trend",
            AssumptionMethod::DampedHolt => "damped_holt",
            AssumptionMethod::Hold => "hold",
        }
    }
}

/// An assumed starting value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// Year.
    pub year: i32,
    /// Value.
    pub value: f64,
    /// Why this value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The assumption about one indicator (a flat table; see the module docs for which fields each
/// method takes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumption {
    /// The method.
    pub method: AssumptionMethod,
    /// Growth rate (`compound`) or logit slope (`logistic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Dist>,
    /// Yearly change (`increment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<Dist>,
    /// Draw the rate once per path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_path: Option<bool>,
    /// A yearly shock added to the rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shock: Option<Dist>,
    /// Ceiling of logistic methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<f64>,
    /// Window of years a fitted method uses, [first, last].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<[i32; 2]>,
    /// Whether a fitted method draws from its predictive distribution (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulate: Option<bool>,
    /// Damped Holt α.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Damped Holt β.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Damped Holt φ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phi: Option<f64>,
    /// Assumed starting value (otherwise the last observation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Start>,
    /// Why this assumption (shown in reports).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Assumption {
    /// A compound-growth assumption with the rate drawn every year.
    pub fn compound(rate: Dist) -> Assumption {
        Assumption {
            method: AssumptionMethod::Compound,
            rate: Some(rate),
            increment: None,
            per_path: None,
            shock: None,
            ceiling: None,
            fit: None,
            simulate: None,
            alpha: None,
            beta: None,
            phi: None,
            start: None,
            note: String::new(),
        }
    }
}

/// A correlation between two indicators' draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationSpec {
    /// The two indicators.
    pub between: [String; 2],
    /// Correlation of their normal scores.
    pub rho: f64,
}

/// One named scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name (`baseline`, `slow`, `fast`…).
    pub name: String,
    /// What it assumes, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// One assumption per projected indicator.
    #[serde(default)]
    pub indicators: BTreeMap<String, Assumption>,
    /// Correlations between indicators' draws.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<CorrelationSpec>,
}

/// The `[set]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SetMeta {
    /// Id.
    #[serde(default)]
    pub id: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Last year projected; the plan's final year when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<i32>,
    /// Calibration against panels (`[[set.calibration]]`; see
    /// [`crate::projection::calibration::CalibrationSpec`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<crate::projection::calibration::CalibrationSpec>,
}

/// A set of scenarios.
///
/// ```
/// use innodex::plan::Plan;
/// use innodex::projection::monte_carlo::McConfig;
/// use innodex::scenario::ScenarioSet;
/// let set = ScenarioSet::linyi();
/// assert_eq!(set.names(), vec!["baseline", "slow", "fast"]);
/// let cfg = McConfig { n_paths: 2000, seed: 1, ..McConfig::default() };
/// let p = set.project(&Plan::linyi(), &cfg).unwrap();
/// let base = p.scenario("baseline").unwrap();
/// let hte = base.result.target("hte_count").unwrap();
/// assert!(hte.probability.unwrap() > 0.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSet {
    /// Metadata.
    #[serde(default)]
    pub set: SetMeta,
    /// The scenarios.
    pub scenarios: Vec<Scenario>,
}

/// One line describing an assumption, as reports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssumptionNote {
    /// Indicator id.
    pub indicator: String,
    /// The assumption in words, with the provenance of the starting value.
    pub text: String,
}

/// The projection of a plan under one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioProjection {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// Every assumption made, in words (including derived ratios and held references).
    pub assumptions: Vec<AssumptionNote>,
    /// The Monte Carlo result.
    pub result: McResult,
}

/// The projection of a plan under every scenario of a set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanProjection {
    /// Plan id.
    pub plan: String,
    /// Scenario set id.
    pub set: String,
    /// Set description.
    pub description: String,
    /// Horizon.
    pub horizon: i32,
    /// Paths per scenario.
    pub n_paths: usize,
    /// Seed (shared by all scenarios).
    pub seed: u64,
    /// One projection per scenario, in file order.
    pub scenarios: Vec<ScenarioProjection>,
    /// What the fans and probabilities were calibrated against, per target (empty: not
    /// calibrated; see [`crate::projection::calibration`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<crate::projection::calibration::CalibrationInfo>,
}

impl PlanProjection {
    /// One scenario's projection by name.
    pub fn scenario(&self, name: &str) -> Option<&ScenarioProjection> {
        self.scenarios.iter().find(|s| s.name == name)
    }
}

fn dist_text(d: &Dist) -> String {
    match d {
        Dist::Fixed { value } => format!("{value}"),
        Dist::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
        Dist::LogNormal { mu, sigma } => format!("lognormal(mu {mu}, sigma {sigma})"),
        Dist::Uniform { min, max } => format!("uniform({min}, {max})"),
        Dist::Triangular { min, mode, max } => format!("triangular({min}, {mode}, {max})"),
        Dist::Pert {
            min,
            mode,
            max,
            lambda,
        } => format!("pert({min}, {mode}, {max}, λ {lambda})"),
        Dist::Empirical { values } => format!("one of {values:?}"),
        Dist::Bootstrap { from, to } => format!(
            "bootstrap of history{}",
            match (from, to) {
                (None, None) => String::new(),
                _ => format!(
                    " {}–{}",
                    from.map(|y| y.to_string()).unwrap_or_default(),
                    to.map(|y| y.to_string()).unwrap_or_default()
                ),
            }
        ),
    }
}

impl ScenarioSet {
    /// The scenario set shipped for the Linyi plan (`scenarios/linyi.toml`).
    pub fn linyi() -> ScenarioSet {
        ScenarioSet::from_toml_str(LINYI_SCENARIOS_TOML)
            .expect("the shipped scenarios parse (tested)")
    }

    /// The scenario set shipped for the Shandong plan (`scenarios/shandong.toml`).
    pub fn shandong() -> ScenarioSet {
        ScenarioSet::from_toml_str(SHANDONG_SCENARIOS_TOML)
            .expect("the shipped scenarios parse (tested)")
    }

    /// The scenario set shipped for a builtin plan (see [`crate::plan::BUILTIN_PLANS`]), by the
    /// plan's id; `None` for any other plan.
    ///
    /// ```
    /// use innodex::plan::BUILTIN_PLANS;
    /// use innodex::scenario::ScenarioSet;
    /// for id in BUILTIN_PLANS {
    ///     assert!(ScenarioSet::builtin_for(id).is_some());
    /// }
    /// assert!(ScenarioSet::builtin_for("my-plan").is_none());
    /// ```
    pub fn builtin_for(plan_id: &str) -> Option<ScenarioSet> {
        match plan_id {
            "linyi-2021-2025" => Some(ScenarioSet::linyi()),
            "shandong-2022-2027" => Some(ScenarioSet::shandong()),
            _ => None,
        }
    }

    /// Parses a scenario set.
    ///
    /// # Errors
    /// [`ScenarioError::Input`] (with line, column and key) for malformed TOML, wrong types or
    /// unknown keys; [`ScenarioError::Set`] for an empty set or duplicate names.
    pub fn from_toml_str(text: &str) -> Result<ScenarioSet, ScenarioError> {
        Self::parse(text, "scenario set")
    }

    /// Reads a scenario file.
    ///
    /// # Errors
    /// [`ScenarioError::Input`] (missing, not a regular file, above
    /// [`crate::io::max_file_bytes`]), otherwise as [`ScenarioSet::from_toml_str`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<ScenarioSet, ScenarioError> {
        let path = path.as_ref();
        let text = crate::io::read_text_file(path, crate::io::max_file_bytes())?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, origin: &str) -> Result<ScenarioSet, ScenarioError> {
        let set: ScenarioSet = crate::io::parse_toml(text, origin)?;
        if set.scenarios.is_empty() {
            return Err(ScenarioError::Set(
                "a scenario set needs at least one scenario".into(),
            ));
        }
        // Years outside the plan years (`plan::YEARS`) would make the projection grid span
        // billions of years: a fuzzed `horizon = 2000000000` ran out of memory.
        let check_year = |what: String, year: i32| {
            if YEARS.contains(&year) {
                Ok(())
            } else {
                Err(ScenarioError::Set(format!(
                    "{what} {year} is outside the supported years {}–{}",
                    YEARS.start(),
                    YEARS.end()
                )))
            }
        };
        if let Some(h) = set.set.horizon {
            check_year("set.horizon".into(), h)?;
        }
        for s in &set.scenarios {
            for (id, a) in &s.indicators {
                let key = |k: &str| format!("scenario `{}`, indicator `{id}`: {k}", s.name);
                if let Some(start) = &a.start {
                    check_year(key("start.year"), start.year)?;
                }
                for y in a.fit.iter().flatten() {
                    check_year(key("fit year"), *y)?;
                }
            }
        }
        let mut names: Vec<&str> = set.scenarios.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(ScenarioError::Set(format!(
                "duplicate scenario name `{}`",
                w[0]
            )));
        }
        Ok(set)
    }

    /// The set as TOML (round-trips through [`ScenarioSet::from_toml_str`]).
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("a scenario set serialises")
    }

    /// Scenario names in file order.
    pub fn names(&self) -> Vec<&str> {
        self.scenarios.iter().map(|s| s.name.as_str()).collect()
    }

    /// Keeps only the named scenarios (in the given order).
    ///
    /// # Errors
    /// [`ScenarioError::UnknownScenario`].
    pub fn select(&self, names: &[&str]) -> Result<ScenarioSet, ScenarioError> {
        let scenarios = names
            .iter()
            .map(|n| {
                self.scenarios
                    .iter()
                    .find(|s| s.name == *n)
                    .cloned()
                    .ok_or_else(|| ScenarioError::UnknownScenario(n.to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(ScenarioSet {
            set: self.set.clone(),
            scenarios,
        })
    }

    /// The horizon for `plan`: the set's, or the plan's final year.
    pub fn horizon(&self, plan: &Plan) -> i32 {
        self.set.horizon.unwrap_or(plan.meta().period[1])
    }

    /// Projects `plan` under every scenario.
    ///
    /// # Errors
    /// Any [`ScenarioError`]: unknown indicators, invalid assumptions, projection errors
    /// (zero paths, negative spreads, a horizon before a starting year…).
    pub fn project(&self, plan: &Plan, cfg: &McConfig) -> Result<PlanProjection, ScenarioError> {
        self.project_with_progress(plan, cfg, &Progress::default(), |_| {})
    }

    /// [`ScenarioSet::project`] with progress reporting and cancellation; `on_scenario` is
    /// called with each scenario's index before it runs (progress counters restart per
    /// scenario).
    ///
    /// # Errors
    /// As [`ScenarioSet::project`], or a cancelled run.
    pub fn project_with_progress(
        &self,
        plan: &Plan,
        cfg: &McConfig,
        progress: &Progress,
        mut on_scenario: impl FnMut(usize),
    ) -> Result<PlanProjection, ScenarioError> {
        let horizon = self.horizon(plan);
        let asked = &cfg.quantiles;
        let cfg = &crate::projection::calibration::run_config(cfg, &self.set.calibration);
        // Check every scenario before running any.
        let models = self
            .scenarios
            .iter()
            .map(|s| s.to_model(plan, horizon))
            .collect::<Result<Vec<_>, _>>()?;
        let mut scenarios = vec![];
        for (i, (s, (model, assumptions))) in self.scenarios.iter().zip(models).enumerate() {
            progress.reset();
            on_scenario(i);
            let mut result = simulate_with_progress(&model, cfg, progress).map_err(|source| {
                ScenarioError::Projection {
                    scenario: s.name.clone(),
                    source,
                }
            })?;
            for t in &mut result.targets {
                if let Some(why) = &mut t.not_projected
                    && why.ends_with("is not projected")
                {
                    *why = format!(
                        "scenario `{}` makes no assumption for `{}`",
                        s.name, t.indicator
                    );
                }
            }
            scenarios.push(ScenarioProjection {
                name: s.name.clone(),
                description: s.description.clone(),
                assumptions,
                result,
            });
        }
        let mut out = PlanProjection {
            plan: plan.meta().id.clone(),
            set: self.set.id.clone(),
            description: self.set.description.clone(),
            horizon,
            n_paths: cfg.n_paths,
            seed: cfg.seed,
            scenarios,
            calibration: vec![],
        };
        crate::projection::calibration::calibrate_projection(
            &mut out,
            plan,
            &self.set.calibration,
            asked,
        )
        .map_err(|source| ScenarioError::Projection {
            scenario: "(calibration)".into(),
            source,
        })?;
        Ok(out)
    }
}

/// How the years between a ratio's parts' latest evidence are bridged, in words (issue: a
/// ratio is derived from two observed or two projected parts; where the parts end in different
/// years, one projected part meets one observed part in the years between, and the report must
/// say so).
fn bridging(num: &str, den: &str, plan: &Plan) -> String {
    let last = |id: &str| observed(plan, id).last().map(|&(y, _)| y);
    match (last(num), last(den)) {
        (Some(a), Some(b)) if a == b => format!(
            "both parts observed to {a}, both projected from {} (no bridging)",
            a + 1
        ),
        (Some(a), Some(b)) => {
            let (early, late, ye, yl) = if a < b {
                (num, den, a, b)
            } else {
                (den, num, b, a)
            };
            let years = if ye + 1 == yl {
                format!("{yl}")
            } else {
                format!("{}–{yl}", ye + 1)
            };
            format!(
                "`{early}` is observed to {ye} and `{late}` to {yl}: in {years} the ratio joins \
                 the projected `{early}` (from its {ye} value) with the observed `{late}`; both \
                 are projected from {}",
                yl + 1
            )
        }
        _ => "a part has no observation; both parts start from their scenario values".into(),
    }
}

/// The indicator's own bounds (a ratio in % lies in 0–100, as its observations do).
fn bounds(ind: &Indicator) -> (f64, f64) {
    ind.bounds()
}

impl Scenario {
    /// Checks the scenario against a plan without running it.
    ///
    /// # Errors
    /// As [`Scenario::to_model`].
    pub fn validate(&self, plan: &Plan, horizon: i32) -> Result<(), ScenarioError> {
        self.to_model(plan, horizon).map(|_| ())
    }

    /// The simulation model of `plan` under this scenario, and the assumptions in words.
    ///
    /// # Errors
    /// [`ScenarioError::UnknownIndicator`], [`ScenarioError::Invalid`] (a field the method
    /// does not take, a missing rate, no observation to start from, too short a history for a
    /// fit or a bootstrap), [`ScenarioError::Projection`] (negative spreads, a horizon before the
    /// start, …).
    pub fn to_model(
        &self,
        plan: &Plan,
        horizon: i32,
    ) -> Result<(McModel, Vec<AssumptionNote>), ScenarioError> {
        let sname = &self.name;
        let proj = |source: ProjectionError| ScenarioError::Projection {
            scenario: sname.clone(),
            source,
        };
        let mut channels = vec![];
        let mut notes = vec![];
        for (id, a) in &self.indicators {
            let ind = plan
                .indicator(id)
                .ok_or_else(|| ScenarioError::UnknownIndicator {
                    scenario: sname.clone(),
                    indicator: id.clone(),
                })?;
            let (channel, text) = self.channel(plan, ind, a, horizon).map_err(|e| match e {
                Err(problem) => ScenarioError::Invalid {
                    scenario: sname.clone(),
                    indicator: id.clone(),
                    problem,
                },
                Ok(p) => proj(p),
            })?;
            channels.push(channel);
            notes.push(AssumptionNote {
                indicator: id.clone(),
                text,
            });
        }
        let projected = |id: &str, ch: &[Channel]| ch.iter().any(|c| c.id == id);
        // Ratios whose parts are projected.
        for ind in plan.indicators() {
            if ind.kind != IndicatorKind::Ratio || projected(&ind.id, &channels) {
                continue;
            }
            let (Some(num), Some(den)) = (&ind.numerator, &ind.denominator) else {
                continue;
            };
            if projected(num, &channels) && projected(den, &channels) {
                let scale = ind.scale.unwrap_or(1.0);
                channels.push(Channel {
                    id: ind.id.clone(),
                    known: observed(plan, &ind.id),
                    kind: ChannelKind::Ratio {
                        numerator: num.clone(),
                        denominator: den.clone(),
                        scale,
                    },
                    bounds: (0.0, f64::INFINITY),
                });
                notes.push(AssumptionNote {
                    indicator: ind.id.clone(),
                    text: format!(
                        "derived path by path: `{num}` / `{den}` × {scale}; {}",
                        bridging(num, den, plan)
                    ),
                });
            }
        }
        // References of targets on projected indicators, held at their last value.
        for t in plan.targets() {
            let Some(r) = t.reference() else { continue };
            if !projected(&t.indicator, &channels) || projected(r, &channels) {
                continue;
            }
            let obs = observed(plan, r);
            if let Some(&(y, v)) = obs.last() {
                let mut known = obs.clone();
                known.extend((y + 1..=horizon).map(|yy| (yy, v)));
                let ind = plan.indicator(r).expect("validated plan");
                channels.push(Channel {
                    id: r.to_string(),
                    known,
                    kind: ChannelKind::Known,
                    bounds: bounds(ind),
                });
                notes.push(AssumptionNote {
                    indicator: r.to_string(),
                    text: format!("assumption: held at its last observed value, {v} in {y}"),
                });
            }
        }
        let plan_base = plan.base_year();
        let targets = plan
            .targets()
            .iter()
            .map(|t| {
                McTarget::from_target(
                    t,
                    plan.indicator(&t.indicator).expect("validated"),
                    plan_base,
                )
            })
            .collect();
        let mut correlations = vec![];
        for c in &self.correlations {
            for id in &c.between {
                if !projected(id, &channels) {
                    return Err(if plan.indicator(id).is_none() {
                        ScenarioError::UnknownIndicator {
                            scenario: sname.clone(),
                            indicator: id.clone(),
                        }
                    } else {
                        ScenarioError::Invalid {
                            scenario: sname.clone(),
                            indicator: id.clone(),
                            problem:
                                "a correlation names an indicator the scenario does not project"
                                    .into(),
                        }
                    });
                }
            }
            correlations.push(Correlation {
                a: c.between[0].clone(),
                b: c.between[1].clone(),
                rho: c.rho,
            });
        }
        if !channels
            .iter()
            .any(|c| matches!(c.kind, ChannelKind::Simulated { .. }))
        {
            return Err(ScenarioError::Set(format!(
                "scenario `{sname}` projects no indicator"
            )));
        }
        Ok((
            McModel {
                horizon,
                channels,
                targets,
                correlations,
            },
            notes,
        ))
    }

    /// One channel; `Err(Err(text))` for an invalid assumption, `Err(Ok(e))` for a projection
    /// error.
    #[allow(clippy::type_complexity)]
    fn channel(
        &self,
        plan: &Plan,
        ind: &Indicator,
        a: &Assumption,
        horizon: i32,
    ) -> Result<(Channel, String), Result<ProjectionError, String>> {
        use AssumptionMethod as M;
        let m = a.method;
        let allowed: &[&str] = match m {
            M::Compound => &["rate", "per_path", "shock", "start"],
            M::Increment => &["increment", "per_path", "shock", "start"],
            M::Logistic => &["rate", "per_path", "shock", "start", "ceiling"],
            M::LogLinear | M::Linear => &["fit", "simulate"],
            M::LogisticTrend => &["fit", "simulate", "ceiling"],
            M::DampedHolt => &["fit", "simulate", "alpha", "beta", "phi"],
            M::Hold => &[],
        };
        let present = [
            ("rate", a.rate.is_some()),
            ("increment", a.increment.is_some()),
            ("per_path", a.per_path.is_some()),
            ("shock", a.shock.is_some()),
            ("ceiling", a.ceiling.is_some()),
            ("fit", a.fit.is_some()),
            ("simulate", a.simulate.is_some()),
            ("alpha", a.alpha.is_some()),
            ("beta", a.beta.is_some()),
            ("phi", a.phi.is_some()),
            ("start", a.start.is_some()),
        ];
        for (f, p) in present {
            if p && !allowed.contains(&f) {
                return Err(Err(format!(
                    "method `{}` does not take the field `{f}`",
                    m.name()
                )));
            }
        }
        let obs = observed(plan, &ind.id);
        let series = plan.series(&ind.id);
        let prov_of = |year: i32| {
            series
                .and_then(|s| s.point_at(year))
                .map(|p| {
                    if p.bound.is_exact() {
                        p.provenance.describe()
                    } else {
                        format!(
                            "{}; a bound ({}), so the P(met) of its targets are bounds too",
                            p.provenance.describe(),
                            p.describe_evidence()
                        )
                    }
                })
                .unwrap_or_default()
        };
        let note = if a.note.is_empty() {
            String::new()
        } else {
            format!(" — {}", a.note)
        };
        let ceiling = || -> Result<f64, String> {
            match (a.ceiling, ind.kind) {
                (Some(k), _) => Ok(k),
                (None, IndicatorKind::Share) => Ok(100.0),
                _ => Err(
                    "a logistic method needs a `ceiling` (100 is implied only for shares)".into(),
                ),
            }
        };
        let (lo, hi) = bounds(ind);
        if m == M::Hold {
            let Some(&(y, v)) = obs.last() else {
                return Err(Err("`hold` needs an observation".into()));
            };
            if horizon < y {
                return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
                    indicator: ind.id.clone(),
                    horizon,
                    last: y,
                }));
            }
            let mut known = obs.clone();
            known.extend((y + 1..=horizon).map(|yy| (yy, v)));
            return Ok((
                Channel {
                    id: ind.id.clone(),
                    known,
                    kind: ChannelKind::Known,
                    bounds: (lo, hi),
                },
                format!(
                    "assumption: held at {v} (its {y} value, {}){note}",
                    prov_of(y)
                ),
            ));
        }
        let last_obs = obs.last().copied();
        if let Some((y, _)) = last_obs
            && horizon < y
        {
            return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
                indicator: ind.id.clone(),
                horizon,
                last: y,
            }));
        }
        match m {
            M::Compound | M::Increment | M::Logistic => {
                let (start_year, start_value, start_text) = match &a.start {
                    Some(s) => {
                        if let Some((y, _)) = last_obs.filter(|(y, _)| *y > s.year) {
                            return Err(Err(format!(
                                "`start` year {} is before the last observation ({y}); start from {y} or later",
                                s.year
                            )));
                        }
                        let why = if s.note.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", s.note)
                        };
                        (s.year, s.value, format!("assumed (scenario){why}"))
                    }
                    None => match last_obs {
                        Some((y, v)) => (y, v, prov_of(y)),
                        None => return Err(Err(
                            "no observation to start from: give `start = { year = …, value = … }`"
                                .into(),
                        )),
                    },
                };
                if !(start_value.is_finite() && start_value >= lo && start_value <= hi) {
                    return Err(Err(format!(
                        "start value {start_value} is outside [{lo}, {hi}]"
                    )));
                }
                if start_year > horizon {
                    return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
                        indicator: ind.id.clone(),
                        horizon,
                        last: start_year,
                    }));
                }
                let per_path = a.per_path.unwrap_or(false);
                let (field, d) = match m {
                    M::Increment => ("increment", a.increment.clone()),
                    _ => ("rate", a.rate.clone()),
                };
                let d = d.ok_or_else(|| Err(format!("method `{}` needs `{field}`", m.name())))?;
                let k = if m == M::Logistic {
                    Some(ceiling().map_err(Err)?)
                } else {
                    None
                };
                let d = self.resolve_bootstrap(d, plan, ind, m, k)?;
                let shock = match &a.shock {
                    Some(s) => Some(self.resolve_bootstrap(s.clone(), plan, ind, m, k)?),
                    None => None,
                };
                let draw = if d.is_fixed() {
                    "fixed"
                } else if per_path {
                    "drawn once per path"
                } else {
                    "drawn every year"
                };
                let shock_text = shock
                    .as_ref()
                    .map(|s| format!(" + yearly shock {}", dist_text(s)))
                    .unwrap_or_default();
                let process = match m {
                    M::Compound => Process::Growth {
                        rate: d.clone(),
                        per_path,
                        shock,
                    },
                    M::Increment => Process::Increment {
                        step: d.clone(),
                        per_path,
                        shock,
                    },
                    _ => Process::Logistic {
                        rate: d.clone(),
                        per_path,
                        shock,
                        ceiling: k.expect("logistic"),
                    },
                };
                let what = match m {
                    M::Compound => "compound growth, rate".to_string(),
                    M::Increment => "yearly increment".to_string(),
                    _ => format!("logistic toward {}, logit slope", k.expect("logistic")),
                };
                let mut known: Vec<(i32, f64)> = obs
                    .iter()
                    .copied()
                    .filter(|(y, _)| *y < start_year)
                    .collect();
                known.push((start_year, start_value));
                Ok((
                    Channel {
                        id: ind.id.clone(),
                        known,
                        kind: ChannelKind::Simulated {
                            start_year,
                            start_value,
                            process,
                        },
                        bounds: (lo, hi),
                    },
                    format!(
                        "assumption: {what} {} ({draw}){shock_text}; from {start_value} in {start_year} ({start_text}){note}",
                        dist_text(&d)
                    ),
                ))
            }
            _ => {
                let window: Vec<(i32, f64)> = obs
                    .iter()
                    .copied()
                    .filter(|(y, _)| a.fit.is_none_or(|[f, t]| *y >= f && *y <= t))
                    .collect();
                let Some(&(y_last, v_last)) = window.last() else {
                    return Err(Err("no observation in the fit window".into()));
                };
                if y_last > horizon {
                    return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
                        indicator: ind.id.clone(),
                        horizon,
                        last: y_last,
                    }));
                }
                let years: Vec<i32> = window.iter().map(|p| p.0).collect();
                let values: Vec<f64> = window.iter().map(|p| p.1).collect();
                let simulate = a.simulate.unwrap_or(true);
                let (process, what) = match m {
                    M::DampedHolt => {
                        if years.windows(2).any(|w| w[1] != w[0] + 1) {
                            return Err(Err("damped_holt needs consecutive years".into()));
                        }
                        let h =
                            DampedHolt::fit(&values, a.alpha, a.beta, a.phi, HoltInit::Heuristic)
                                .map_err(Ok)?;
                        let what = format!(
                            "damped Holt (α {:.3}, β {:.3}, φ {:.3})",
                            h.alpha, h.beta, h.phi
                        );
                        (Process::Holt { model: h, simulate }, what)
                    }
                    _ => {
                        let (scale, z, what) = match m {
                            M::LogLinear => {
                                if values.iter().any(|v| *v <= 0.0) {
                                    return Err(Err("log_linear needs positive values".into()));
                                }
                                (
                                    TrendScale::Log,
                                    values.iter().map(|v| v.ln()).collect::<Vec<_>>(),
                                    "log-linear trend".to_string(),
                                )
                            }
                            M::Linear => (
                                TrendScale::Level,
                                values.clone(),
                                "linear trend".to_string(),
                            ),
                            _ => {
                                let k = ceiling().map_err(Err)?;
                                let z = values
                                    .iter()
                                    .map(|v| logit(*v, k))
                                    .collect::<Result<Vec<_>, _>>()
                                    .map_err(Ok)?;
                                (
                                    TrendScale::Logit { ceiling: k },
                                    z,
                                    format!("logistic trend toward {k}"),
                                )
                            }
                        };
                        let x: Vec<f64> = years.iter().map(|&y| y as f64).collect();
                        let line = OlsLine::fit(&x, &z).map_err(Ok)?;
                        (
                            Process::Trend {
                                scale,
                                line,
                                simulate,
                            },
                            what,
                        )
                    }
                };
                let known = obs.iter().copied().filter(|(y, _)| *y <= y_last).collect();
                Ok((
                    Channel {
                        id: ind.id.clone(),
                        known,
                        kind: ChannelKind::Simulated {
                            start_year: y_last,
                            start_value: v_last,
                            process,
                        },
                        bounds: (lo, hi),
                    },
                    format!(
                        "assumption: {what} fitted on {}–{y_last} ({} observations){}{note}",
                        years[0],
                        years.len(),
                        if simulate {
                            ", simulated with its predictive distribution"
                        } else {
                            ", point forecast"
                        }
                    ),
                ))
            }
        }
    }

    fn resolve_bootstrap(
        &self,
        d: Dist,
        plan: &Plan,
        ind: &Indicator,
        m: AssumptionMethod,
        ceiling: Option<f64>,
    ) -> Result<Dist, Result<ProjectionError, String>> {
        let Dist::Bootstrap { from, to } = d else {
            return Ok(d);
        };
        let obs: Vec<(i32, f64)> = observed(plan, &ind.id)
            .into_iter()
            .filter(|(y, _)| from.is_none_or(|f| *y >= f) && to.is_none_or(|t| *y <= t))
            .collect();
        let mut values = vec![];
        for w in obs.windows(2) {
            let ((y0, v0), (y1, v1)) = (w[0], w[1]);
            if y1 != y0 + 1 {
                continue;
            }
            values.push(match m {
                AssumptionMethod::Compound => {
                    if v0 <= 0.0 {
                        continue;
                    }
                    v1 / v0 - 1.0
                }
                AssumptionMethod::Increment => v1 - v0,
                _ => {
                    let k = ceiling.unwrap_or(100.0);
                    match (logit(v1, k), logit(v0, k)) {
                        (Ok(a), Ok(b)) => a - b,
                        _ => continue,
                    }
                }
            });
        }
        if values.is_empty() {
            return Err(Err(
                "a bootstrap needs at least two consecutive observed years".into(),
            ));
        }
        Ok(Dist::Empirical { values })
    }
}

/// The observations of an indicator as (year, value).
/// The evidence a projection may start from or keep: exact figures, and a latest figure that
/// bounds the value on the indicator's favourable side ("more than 1600" enterprises), which
/// makes the P(met) of its targets lower bounds (the assumption notes say so). A part of a
/// ratio keeps exact figures only: a bound on one part bounds the ratio in no useful direction.
fn observed(plan: &Plan, id: &str) -> Vec<(i32, f64)> {
    let Some(s) = plan.series(id) else {
        return vec![];
    };
    let part_of_ratio = plan
        .indicators()
        .iter()
        .any(|i| i.numerator.as_deref() == Some(id) || i.denominator.as_deref() == Some(id));
    let favourable = |p: &crate::series::Point| {
        let higher = plan
            .indicator(id)
            .is_none_or(|i| i.at_least_as_good(2.0, 1.0));
        matches!(
            (p.bound, higher),
            (crate::series::Bound::AtLeast, true) | (crate::series::Bound::AtMost, false)
        )
    };
    let last = s.points().len().saturating_sub(1);
    s.points()
        .iter()
        .enumerate()
        .filter(|(i, p)| p.bound.is_exact() || (*i == last && !part_of_ratio && favourable(p)))
        .map(|(_, p)| (p.year, p.value))
        .collect()
}
