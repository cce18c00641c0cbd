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
use crate::plan::{Plan, YEARS};
use crate::projection::ProjectionError;
use crate::projection::monte_carlo::{McConfig, McResult, simulate_with_progress};
use crate::stats::Distribution;

mod model;

/// The scenario file shipped for the Linyi plan (`scenarios/linyi.toml`).
pub const LINYI_SCENARIOS_TOML: &str = crate::cases::linyi::SCENARIOS_TOML;

/// The scenario file shipped for the Shandong plan (`scenarios/shandong.toml`).
pub const SHANDONG_SCENARIOS_TOML: &str = crate::cases::shandong::SCENARIOS_TOML;

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
    pub rate: Option<Distribution>,
    /// Yearly change (`increment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<Distribution>,
    /// Draw the rate once per path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_path: Option<bool>,
    /// A yearly shock added to the rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shock: Option<Distribution>,
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
    pub fn compound(rate: Distribution) -> Assumption {
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

fn dist_text(d: &Distribution) -> String {
    match d {
        Distribution::Fixed { value } => format!("{value}"),
        Distribution::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
        Distribution::LogNormal { mu, sigma } => format!("lognormal(mu {mu}, sigma {sigma})"),
        Distribution::TruncatedNormal {
            mean,
            sd,
            lower,
            upper,
        } => format!("normal(mean {mean}, sd {sd}) truncated to [{lower}, {upper}]"),
        Distribution::Uniform { lower, upper } => format!("uniform({lower}, {upper})"),
        Distribution::Triangular { lower, mode, upper } => {
            format!("triangular({lower}, {mode}, {upper})")
        }
        Distribution::Pert {
            lower,
            mode,
            upper,
            lambda,
        } => format!("pert({lower}, {mode}, {upper}, λ {lambda})"),
        Distribution::Empirical { values } => format!("one of {values:?}"),
        Distribution::Bootstrap { from, to } => format!(
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
        crate::cases::linyi::scenarios()
    }

    /// The scenario set shipped for the Shandong plan (`scenarios/shandong.toml`).
    pub fn shandong() -> ScenarioSet {
        crate::cases::shandong::scenarios()
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
        crate::cases::builtin(plan_id).map(|c| c.scenarios())
    }

    /// Parses a scenario set.
    ///
    /// # Errors
    /// [`ScenarioError::Input`] (with line, column and key) for malformed TOML, wrong types or
    /// unknown keys; [`ScenarioError::Set`] for an empty set or duplicate names.
    pub fn from_toml_str(text: &str) -> Result<ScenarioSet, ScenarioError> {
        Self::validated(crate::io::parse_toml(text, "scenario set")?)
    }

    /// Reads a scenario file.
    ///
    /// # Errors
    /// [`ScenarioError::Input`] (missing, not a regular file, above
    /// [`crate::io::max_file_bytes`]), otherwise as [`ScenarioSet::from_toml_str`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<ScenarioSet, ScenarioError> {
        Self::validated(crate::io::read_toml(path)?)
    }

    /// The checks of a parsed set that its types cannot express.
    fn validated(set: ScenarioSet) -> Result<ScenarioSet, ScenarioError> {
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
