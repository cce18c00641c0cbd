//! "Calibrated against panel X" in a scenario set: the `[[set.calibration]]` specification and
//! the calibration of a plan projection's fans and target probabilities.

use serde::{Deserialize, Serialize};

use super::{Calibration, Conformal, probability_from_quantiles};
use crate::plan::Plan;
use crate::projection::ProjectionError;
use crate::projection::backtest::Panel;
use crate::projection::backtest::rolling::RollingConfig;
use crate::projection::backtest::scores::grid_levels;
use crate::projection::monte_carlo::{McConfig, McResult, TargetOutcome};
use crate::scenario::PlanProjection;
use std::collections::BTreeMap;

fn d_panel() -> String {
    "china_province_rd".into()
}
fn d_method() -> String {
    "log_linear".into()
}
fn d_learn() -> Vec<i32> {
    vec![2018, 2019, 2020]
}

/// "Calibrated against panel X": a `[[set.calibration]]` table of a scenario file.
///
/// ```toml
/// [[set.calibration]]
/// panel = "china_province_rd"            # the shipped panel, or a long-format CSV file
/// variable = "rd_expenditure_100m_yuan"  # its value column
/// method = "log_linear"                  # whose factors apply (default log_linear)
/// learn_origins = [2018, 2019, 2020]     # default; horizons 1–3, every later year of data
/// indicators = ["rd_expenditure", "hte_count"]
/// ```
///
/// The factors of `method` on the panel are applied to the fans of `indicators` and to the
/// probabilities of their `level`, `multiple_of_base` and `growth_floor` targets (metrics
/// that are a monotone function of one year's value). Other targets are left uncalibrated and
/// say so. This assumes the scenario's spread is miscalibrated like the method's. A
/// `multiple_of_base` target whose base year is itself simulated is calibrated as if the base
/// were fixed (an approximation); the horizon is the target year minus the indicator's start.
///
/// ```
/// use innodex::projection::calibration::CalibrationSpec;
/// let s: CalibrationSpec = toml::from_str(r#"
///     variable = "rd_expenditure_100m_yuan"
///     indicators = ["rd_expenditure"]
/// "#).unwrap();
/// assert_eq!((s.panel.as_str(), s.method.as_str()), ("china_province_rd", "log_linear"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// `china_province_rd` (the shipped panel) or the path of a long-format CSV file
    /// (relative to the working directory, not to the scenario file).
    #[serde(default = "d_panel")]
    pub panel: String,
    /// The value column.
    pub variable: String,
    /// The unit column of a CSV panel.
    #[serde(default = "crate::io::defaults::panel_unit_col")]
    pub unit_col: String,
    /// The year column of a CSV panel.
    #[serde(default = "crate::io::defaults::panel_year_col")]
    pub year_col: String,
    /// The method whose factors are applied (`log_linear`, `linear`, `damped_holt`,
    /// `bootstrap_growth`).
    #[serde(default = "d_method")]
    pub method: String,
    /// Origins learnt from.
    #[serde(default = "d_learn")]
    pub learn_origins: Vec<i32>,
    /// Last year of data used (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_until: Option<i32>,
    /// Fit window of the backtest (default: every observation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// How the intervals are built (`two_sided`, the default, or `symmetric`; see
    /// [`Conformal`]).
    #[serde(default)]
    pub conformal: Conformal,
    /// Indicators of the plan calibrated with these factors.
    pub indicators: Vec<String>,
}

impl CalibrationSpec {
    /// Reads the panel and learns the factors.
    ///
    /// # Errors
    /// An unreadable panel or the errors of [`Calibration::learn`].
    pub fn learn(&self) -> Result<Calibration, ProjectionError> {
        let panel = if self.panel == "china_province_rd" {
            Panel::china_province_rd(&self.variable)?
        } else {
            Panel::from_csv_path(&self.panel, &self.unit_col, &self.year_col, &self.variable)?
        };
        Calibration::learn(
            &panel,
            &self.panel,
            &self.method,
            &self.learn_origins,
            self.data_until,
            &RollingConfig {
                window: self.window,
                conformal: self.conformal,
                ..RollingConfig::default()
            },
        )
    }
}

/// Whether and how one target's probability was calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCalibration {
    /// Scenario.
    pub scenario: String,
    /// Target id.
    pub target: String,
    /// Indicator id.
    pub indicator: String,
    /// Whether the probability (and the metric's quantiles) are calibrated.
    pub calibrated: bool,
    /// Horizon (target year − last observed or start year).
    pub horizon: Option<i32>,
    /// Whether the horizon is beyond the learnt ones (the last horizon's factors were used).
    pub extrapolated: bool,
    /// The Monte Carlo probability before calibration.
    pub probability_uncalibrated: Option<f64>,
    /// The calibrated probability.
    pub probability: Option<f64>,
    /// Why not calibrated, or what was done.
    pub note: String,
}

/// What a calibrated projection was calibrated against, in its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationInfo {
    /// The specification.
    pub spec: CalibrationSpec,
    /// The factors learnt.
    pub calibration: Calibration,
    /// Per scenario and target of the spec's indicators: calibrated or not.
    pub targets: Vec<TargetCalibration>,
}

/// The Monte Carlo settings of a calibrated run: the quantile grid added to the fans'
/// quantiles (the results are cut back to the asked quantiles afterwards).
pub fn run_config(cfg: &McConfig, specs: &[CalibrationSpec]) -> McConfig {
    if specs.is_empty() {
        return cfg.clone();
    }
    let mut q = cfg.quantiles.clone();
    q.extend(grid_levels());
    q.sort_by(f64::total_cmp);
    q.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    McConfig {
        quantiles: q,
        ..cfg.clone()
    }
}

/// The calibration of one target, when `p` was projected with calibration.
pub fn target_calibration<'a>(
    p: &'a PlanProjection,
    scenario: &str,
    target: &str,
) -> Option<&'a TargetCalibration> {
    p.calibration
        .iter()
        .flat_map(|c| &c.targets)
        .find(|t| t.scenario == scenario && t.target == target)
}

fn pos(taus: &[f64], t: f64) -> Option<usize> {
    taus.iter().position(|x| (x - t).abs() < 1e-12)
}

/// Calibrates a plan projection run with [`run_config`]: fans and target probabilities of the
/// specs' indicators (see [`CalibrationSpec`]), then cuts the quantiles back to `quantiles`.
///
/// # Errors
/// A spec naming an indicator twice or one the plan lacks, an unreadable panel, or the errors
/// of [`Calibration::learn`].
pub fn calibrate_projection(
    p: &mut PlanProjection,
    plan: &Plan,
    specs: &[CalibrationSpec],
    quantiles: &[f64],
) -> Result<(), ProjectionError> {
    if specs.is_empty() {
        return Ok(());
    }
    check_specs(plan, specs)?;
    let n_paths = p.n_paths;
    for spec in specs {
        let cal = spec.learn()?;
        let mut targets = vec![];
        for s in &mut p.scenarios {
            let origins = calibrate_fans(&mut s.result, plan, spec, &cal);
            for t in &mut s.result.targets {
                if !spec.indicators.contains(&t.indicator) {
                    continue;
                }
                let origin = origins.get(&t.indicator).copied();
                let taus = &s.result.quantiles;
                targets.push(calibrate_target(
                    t, &s.name, taus, origin, plan, &cal, n_paths,
                ));
            }
        }
        p.calibration.push(CalibrationInfo {
            spec: spec.clone(),
            calibration: cal,
            targets,
        });
    }
    for s in &mut p.scenarios {
        cut_quantiles(&mut s.result, quantiles);
    }
    Ok(())
}

/// Every indicator of the specs exists, and none is in two specs.
fn check_specs(plan: &Plan, specs: &[CalibrationSpec]) -> Result<(), ProjectionError> {
    let bad = |problem: String| ProjectionError::InvalidInput {
        what: "set.calibration".into(),
        problem,
    };
    let mut seen = std::collections::BTreeSet::new();
    for s in specs {
        for i in &s.indicators {
            if plan.indicator(i).is_none() {
                return Err(bad(format!("unknown indicator `{i}`")));
            }
            if !seen.insert(i.clone()) {
                return Err(bad(format!("indicator `{i}` is in two calibrations")));
            }
        }
    }
    Ok(())
}

/// Calibrates the fans of the spec's simulated indicators in one scenario's result (horizon:
/// years after the last year before simulation starts, clamped to the indicator's bounds) and
/// returns each one's forecast origin.
fn calibrate_fans(
    r: &mut McResult,
    plan: &Plan,
    spec: &CalibrationSpec,
    cal: &Calibration,
) -> BTreeMap<String, i32> {
    let taus = r.quantiles.clone();
    let mid = pos(&taus, 0.5).expect("the grid holds the median");
    let mut origins = BTreeMap::new();
    for f in &mut r.indicators {
        if !spec.indicators.contains(&f.id) {
            continue;
        }
        let Some(from) = f.simulated_from else {
            continue;
        };
        origins.insert(f.id.clone(), from - 1);
        let (lo, hi) = plan
            .indicator(&f.id)
            .map(|i| i.kind.bounds())
            .unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        for (y, q) in f.years.iter().zip(f.quantiles.iter_mut()) {
            let Some(q) = q else { continue };
            if *y < from {
                continue;
            }
            let m = q[mid];
            *q = cal
                .transform(&taus, q, m, y - (from - 1))
                .into_iter()
                .map(|v| v.clamp(lo, hi))
                .collect();
        }
    }
    origins
}

/// Calibrates one target's metric quantiles and probability when its metric is a monotone
/// function of one year's value, and says what was done (or why not).
fn calibrate_target(
    t: &mut TargetOutcome,
    scenario: &str,
    taus: &[f64],
    origin: Option<i32>,
    plan: &Plan,
    cal: &Calibration,
    n_paths: usize,
) -> TargetCalibration {
    let mut tc = TargetCalibration {
        scenario: scenario.into(),
        target: t.id.clone(),
        indicator: t.indicator.clone(),
        calibrated: false,
        horizon: None,
        extrapolated: false,
        probability_uncalibrated: t.probability,
        probability: t.probability,
        note: String::new(),
    };
    let growth = t.metric == "average yearly growth rate";
    let kind_ok = growth
        || t.metric == "value in the target year"
        || t.metric == "multiple of the base-year value";
    let Some(o) = origin.filter(|_| t.probability.is_some()) else {
        tc.note = if t.probability.is_none() {
            "not projected"
        } else {
            "the indicator is not simulated"
        }
        .into();
        return tc;
    };
    if !kind_ok {
        tc.note = format!(
            "not calibrated: the metric ({}) is not a monotone function of one year's value",
            t.metric
        );
        return tc;
    }
    let Some(mq) = &t.metric_quantiles else {
        tc.note = "no metric quantiles".into();
        return tc;
    };
    let mid = pos(taus, 0.5).expect("the grid holds the median");
    let h = t.target_year - o;
    // A growth rate g is calibrated as the value 1 + g (positive, as the log scores need).
    let shift = if growth { 1.0 } else { 0.0 };
    let q: Vec<f64> = mq.iter().map(|v| v + shift).collect();
    let q2: Vec<f64> = cal
        .transform(taus, &q, q[mid], h)
        .into_iter()
        .map(|v| v - shift)
        .collect();
    let higher = plan
        .indicator(&t.indicator)
        .is_none_or(|i| i.at_least_as_good(2.0, 1.0));
    let pr = probability_from_quantiles(taus, &q2, t.threshold, higher);
    let (_, ext) = cal.factors(h);
    t.probability = Some(pr);
    t.probability_se = Some((pr * (1.0 - pr) / n_paths as f64).sqrt());
    if let (Some(a), Some(b), Some(c)) = (pos(taus, 0.05), pos(taus, 0.5), pos(taus, 0.95)) {
        t.metric_band = Some([q2[a], q2[b], q2[c]]);
    }
    t.metric_quantiles = Some(q2);
    tc.calibrated = true;
    tc.horizon = Some(h);
    tc.extrapolated = ext;
    tc.probability = Some(pr);
    let beyond = if ext {
        format!(
            ", horizon {h} beyond the learnt ones: positions of horizon {}",
            cal.horizons.last().expect("non-empty").horizon
        )
    } else {
        String::new()
    };
    tc.note = format!(
        "calibrated against {} `{}` ({}, {}, origins {:?}){beyond}; mean and years of attainment are not calibrated",
        cal.panel,
        cal.variable,
        cal.method,
        cal.scheme.name().replace('_', "-"),
        cal.learn_origins,
    );
    tc
}

/// Cuts a result's quantiles (fans and target metrics) back to the asked ones.
fn cut_quantiles(r: &mut McResult, quantiles: &[f64]) {
    let keep: Vec<usize> = quantiles
        .iter()
        .map(|&t| pos(&r.quantiles, t).expect("asked quantiles are in the run"))
        .collect();
    let cut = |q: &mut Vec<f64>| *q = keep.iter().map(|&i| q[i]).collect();
    for f in &mut r.indicators {
        for q in f.quantiles.iter_mut().flatten() {
            cut(q);
        }
    }
    for t in &mut r.targets {
        if let Some(q) = &mut t.metric_quantiles {
            cut(q);
        }
    }
    r.quantiles = quantiles.to_vec();
}
