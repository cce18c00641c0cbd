//! Projections: scenario sets, plan projections (with a progress-reporting background job),
//! Monte Carlo runs of a model, deterministic methods, damped Holt and backtests.
//!
//! A Monte Carlo run's result stays native ([`PyMcResult`]: numpy arrays on demand); the other
//! results cross the boundary as JSON text. The Python layer (`innodex.projection`) turns them
//! into pandas frames and plots. Every call that simulates or fits releases the GIL.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use super::plan::PyPlan;
use super::{ProjectionError, Res, err, in_pool, raise};
use innodex::exec::Progress;
use innodex::projection::backtest::rolling::{RollingConfig, rolling_backtest};
use innodex::projection::backtest::{BacktestConfig, Panel, backtest};
use innodex::projection::methods::{DampedHolt, HoltInit, Method};
use innodex::projection::monte_carlo::{McConfig, McModel, McResult, simulate_with_progress};
use innodex::scenario::ScenarioSet;

crate::state::pickle_by_state!(PyScenarios, PyMcResult);
crate::state::json_by_serde!(ProjectionError; PyMcResult => "McResult");

/// Runs `f`, turning a panic into a `ProjectionError` (nothing panics across the boundary).
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Res<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(msg)) => Err(raise::<ProjectionError>(msg)),
        Err(_) => Err(raise::<ProjectionError>(
            "internal error in the projection (please report it)",
        )),
    }
}

fn config(json: &str) -> Result<McConfig, String> {
    serde_json::from_str(json).map_err(|e| format!("invalid projection settings: {e}"))
}

/// A set of named scenarios (TOML).
#[pyclass(name = "Scenarios", module = "innodex._core")]
#[derive(Clone)]
pub(crate) struct PyScenarios {
    inner: ScenarioSet,
}

#[pymethods]
impl PyScenarios {
    /// The scenarios shipped for the Linyi plan.
    #[staticmethod]
    fn linyi() -> Self {
        PyScenarios {
            inner: ScenarioSet::linyi(),
        }
    }

    /// The scenarios shipped for an embedded plan (by plan id), or `None`.
    #[staticmethod]
    fn builtin_for(plan_id: &str) -> Option<Self> {
        ScenarioSet::builtin_for(plan_id).map(|inner| PyScenarios { inner })
    }

    /// Parses a scenario file's text.
    #[staticmethod]
    fn from_toml(text: &str) -> Res<Self> {
        Ok(PyScenarios {
            inner: ScenarioSet::from_toml_str(text)?,
        })
    }

    /// Reads a scenario file.
    #[staticmethod]
    fn from_file(path: std::path::PathBuf) -> Res<Self> {
        Ok(PyScenarios {
            inner: ScenarioSet::from_path(&path)?,
        })
    }

    /// The same scenarios without the set's calibration against panels.
    fn without_calibration(&self) -> PyScenarios {
        let mut inner = self.inner.clone();
        inner.set.calibration.clear();
        PyScenarios { inner }
    }

    /// The panels the set is calibrated against (`[[set.calibration]]`), as JSON.
    fn calibration_json(&self) -> String {
        serde_json::to_string(&self.inner.set.calibration).expect("serialisable")
    }

    /// Scenario names in file order.
    fn names(&self) -> Vec<String> {
        self.inner.names().into_iter().map(String::from).collect()
    }

    /// The set as TOML.
    fn to_toml(&self) -> String {
        self.inner.to_toml_string()
    }

    /// The set as JSON text.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.inner).expect("serialisable")
    }

    /// Checks every scenario against `plan` (unknown indicators, invalid assumptions).
    fn validate(&self, plan: &PyPlan) -> Res<()> {
        let horizon = self.inner.horizon(&plan.inner);
        for s in &self.inner.scenarios {
            s.validate(&plan.inner, horizon)?;
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "<Scenarios {}: {}>",
            self.inner.set.id,
            self.inner.names().join(", ")
        )
    }
}

/// A plan projection running in a background thread: poll `progress()`, `wait()` for it
/// (the GIL is released while waiting), `cancel()` it, take its `result()`.
#[pyclass(name = "ProjectionJob", module = "innodex._core")]
pub(crate) struct PyProjectionJob {
    progress: Arc<Progress>,
    scenario: Arc<AtomicUsize>,
    n_scenarios: usize,
    rx: Mutex<Option<Receiver<Result<String, String>>>>,
    outcome: Mutex<Option<Result<String, String>>>,
}

impl PyProjectionJob {
    fn poll(&self, timeout: Duration) -> bool {
        let mut out = self.outcome.lock().expect("not poisoned");
        if out.is_some() {
            return true;
        }
        let mut rx = self.rx.lock().expect("not poisoned");
        let Some(r) = rx.as_ref() else { return true };
        match r.recv_timeout(timeout) {
            Ok(v) => {
                *out = Some(v);
                *rx = None;
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                *out = Some(Err("the projection stopped unexpectedly".into()));
                *rx = None;
                true
            }
        }
    }
}

#[pymethods]
impl PyProjectionJob {
    /// (chunks done, chunks in this scenario's run, scenario index, number of scenarios).
    fn progress(&self) -> (usize, usize, usize, usize) {
        (
            self.progress.done(),
            self.progress.total(),
            self.scenario.load(Ordering::Relaxed),
            self.n_scenarios,
        )
    }

    /// Waits up to `timeout` seconds; True when finished.
    #[pyo3(signature = (timeout = 0.1))]
    fn wait(&self, py: Python<'_>, timeout: f64) -> bool {
        let d = Duration::from_secs_f64(timeout.clamp(0.0, 3600.0));
        py.detach(|| self.poll(d))
    }

    /// Asks the run to stop; `result()` then raises.
    fn cancel(&self) {
        self.progress.cancel();
    }

    /// Waits for the end and returns the projection as JSON text (raises on error).
    fn result(&self, py: Python<'_>) -> Res<String> {
        while !py.detach(|| self.poll(Duration::from_millis(200))) {
            py.check_signals()?;
        }
        match self.outcome.lock().expect("not poisoned").as_ref() {
            Some(Ok(s)) => Ok(s.clone()),
            Some(Err(e)) => Err(raise::<ProjectionError>(e)),
            None => Err(raise::<ProjectionError>("no result")),
        }
    }
}

/// Starts projecting `plan` under `scenarios` (all, or the `only` names) in a background
/// thread. `config_json` holds the [`McConfig`] fields (n_paths, seed, quantiles, …).
/// `threads` caps the native threads (a dedicated pool; None: all cores).
#[pyfunction]
#[pyo3(signature = (plan, *, scenarios, config_json, only = None, threads = None))]
pub(crate) fn start_projection(
    plan: &PyPlan,
    scenarios: &PyScenarios,
    config_json: &str,
    only: Option<Vec<String>>,
    threads: Option<usize>,
) -> Res<PyProjectionJob> {
    let cfg = config(config_json).map_err(raise::<ProjectionError>)?;
    if threads == Some(0) {
        return Err(raise::<ProjectionError>(
            "threads must be at least 1 (or None for all cores)",
        ));
    }
    let set = match only {
        Some(names) => scenarios
            .inner
            .select(&names.iter().map(String::as_str).collect::<Vec<_>>())?,
        None => scenarios.inner.clone(),
    };
    let plan = plan.inner.clone();
    // Check everything that can be checked before starting, so errors raise here.
    if cfg.n_paths == 0 {
        return Err(raise::<ProjectionError>(
            innodex::projection::ProjectionError::ZeroPaths,
        ));
    }
    let horizon = set.horizon(&plan);
    for s in &set.scenarios {
        s.validate(&plan, horizon)?;
    }
    let progress = Arc::new(Progress::default());
    let scenario = Arc::new(AtomicUsize::new(0));
    let n_scenarios = set.scenarios.len();
    let (tx, rx) = channel();
    let (p2, s2) = (progress.clone(), scenario.clone());
    std::thread::Builder::new()
        .name("innodex-projection".into())
        .spawn(move || {
            let out = catch_unwind(AssertUnwindSafe(|| {
                in_pool(threads, || {
                    set.project_with_progress(&plan, &cfg, &p2, |i| s2.store(i, Ordering::Relaxed))
                        .map(|p| serde_json::to_string(&p).expect("serialisable"))
                        .map_err(|e| e.to_string())
                })
                .and_then(|r| r)
            }))
            .unwrap_or_else(|_| Err("internal error in the projection (please report it)".into()));
            let _ = tx.send(out);
        })
        .map_err(raise::<ProjectionError>)?;
    Ok(PyProjectionJob {
        progress,
        scenario,
        n_scenarios,
        rx: Mutex::new(Some(rx)),
        outcome: Mutex::new(None),
    })
}

/// Years (numpy int64) and the values of each.
type ByYear<'py, A> = (Bound<'py, PyArray1<i64>>, Bound<'py, A>);
/// Years, the probability that each is the first year a target holds, and of none.
type FirstYears = (Vec<i32>, Vec<f64>, f64);

/// The result of a Monte Carlo run ([`McResult`]), kept native: the arrays cross to Python as
/// numpy arrays on demand, and the rest as JSON (`to_json`) only when asked for.
#[pyclass(name = "McResult", module = "innodex._core", frozen)]
pub(crate) struct PyMcResult {
    inner: McResult,
}

#[pymethods]
impl PyMcResult {
    /// Paths simulated.
    #[getter]
    fn n_paths(&self) -> usize {
        self.inner.n_paths
    }

    /// Quantile probabilities of the fans.
    #[getter]
    fn quantiles(&self) -> Vec<f64> {
        self.inner.quantiles.clone()
    }

    /// The fan of indicator `i`: (years with quantiles, years × quantiles).
    fn fan<'py>(&self, py: Python<'py>, i: usize) -> Res<ByYear<'py, PyArray2<f64>>> {
        let f = self.indicator(i)?;
        let rows: Vec<(i32, &Vec<f64>)> = f
            .years
            .iter()
            .zip(&f.quantiles)
            .filter_map(|(&y, q)| q.as_ref().map(|q| (y, q)))
            .collect();
        let nq = self.inner.quantiles.len();
        let years: Vec<i64> = rows.iter().map(|&(y, _)| i64::from(y)).collect();
        let values = Array2::from_shape_fn((rows.len(), nq), |(r, j)| rows[r].1[j]);
        Ok((years.into_pyarray(py), values.into_pyarray(py)))
    }

    /// The mean of indicator `i` by year: (years, means; NaN where unknown).
    fn mean<'py>(&self, py: Python<'py>, i: usize) -> Res<ByYear<'py, PyArray1<f64>>> {
        let f = self.indicator(i)?;
        let years: Vec<i64> = f.years.iter().map(|&y| i64::from(y)).collect();
        let mean: Vec<f64> = f.mean.iter().map(|m| m.unwrap_or(f64::NAN)).collect();
        Ok((years.into_pyarray(py), mean.into_pyarray(py)))
    }

    /// Target `k`'s probability of being met and its standard error (None where not projected).
    fn probability(&self, k: usize) -> Res<(Option<f64>, Option<f64>)> {
        let t = self.target(k)?;
        Ok((t.probability, t.probability_se))
    }

    /// Target `k`'s first year of attainment: (years, probability of each, probability of
    /// not by the horizon), or None.
    fn attainment(&self, k: usize) -> Res<Option<FirstYears>> {
        let t = self.target(k)?;
        Ok(t.attainment
            .as_ref()
            .map(|a| (a.years.clone(), a.probability.clone(), a.not_by_horizon)))
    }

    fn __repr__(&self) -> String {
        format!(
            "<McResult {} paths, {} indicators, {} targets>",
            self.inner.n_paths,
            self.inner.indicators.len(),
            self.inner.targets.len()
        )
    }
}

impl PyMcResult {
    fn indicator(&self, i: usize) -> Res<&innodex::projection::monte_carlo::IndicatorFan> {
        self.inner.indicators.get(i).ok_or_else(|| {
            raise::<ProjectionError>(format!(
                "indicator {i} out of range ({} indicators)",
                self.inner.indicators.len()
            ))
        })
    }

    fn target(&self, k: usize) -> Res<&innodex::projection::monte_carlo::TargetOutcome> {
        self.inner.targets.get(k).ok_or_else(|| {
            raise::<ProjectionError>(format!(
                "target {k} out of range ({} targets)",
                self.inner.targets.len()
            ))
        })
    }
}

/// Runs a Monte Carlo model given as JSON ([`McModel`]) with settings ([`McConfig`]).
/// `threads` caps the native threads (a dedicated pool; None: all cores).
#[pyfunction]
#[pyo3(signature = (model_json, config_json, threads = None))]
pub(crate) fn simulate_model(
    py: Python<'_>,
    model_json: &str,
    config_json: &str,
    threads: Option<usize>,
) -> Res<PyMcResult> {
    let model: McModel = serde_json::from_str(model_json)
        .map_err(|e| err::<ProjectionError>(format!("invalid model: {e}")))?;
    let cfg = config(config_json).map_err(raise::<ProjectionError>)?;
    let progress = Progress::default();
    let work = || {
        simulate_with_progress(&model, &cfg, &progress)
            .map(|inner| PyMcResult { inner })
            .map_err(|e| e.to_string())
    };
    // A small run ends within milliseconds, so there is nothing for Ctrl-C to cancel and the
    // polling helper thread (tens of microseconds to start) is skipped; one chunk of paths
    // runs on this thread alone, without a pool. Larger runs are polled, so that Ctrl-C
    // cancels them between chunks.
    let out = if threads == Some(0) || cfg.n_paths > INLINE_MAX_PATHS {
        super::run_polled::<_, ProjectionError>(py, &progress, None, threads, work)?
    } else if cfg.n_paths <= cfg.chunk_size {
        py.detach(work)
    } else {
        py.detach(|| super::in_pool(threads, work))
            .map_err(raise::<ProjectionError>)?
    };
    out.map_err(raise::<ProjectionError>)
}

/// The most paths a Monte Carlo call runs without the polling helper thread: 16,384 paths of
/// a plan's few channels and years take about a millisecond (measured: 10^4 paths of one
/// channel over five years, 0.11 ms on two cores).
const INLINE_MAX_PATHS: usize = 16_384;

/// The shipped provincial R&D panel (`data/china_province_rd_2015_2023.csv`, embedded in the
/// library so that an installed wheel has it) as CSV text.
#[pyfunction]
pub(crate) fn china_province_rd_csv() -> &'static str {
    innodex::projection::backtest::CHINA_PROVINCE_RD_CSV
}

/// Projects a series with a method given as JSON ([`Method`], e.g. `{"method": "log_linear"}`);
/// returns the forecast as JSON.
#[pyfunction]
#[pyo3(signature = (method_json, *, years, values, horizon, level = 0.9))]
pub(crate) fn forecast(
    py: Python<'_>,
    method_json: &str,
    years: Vec<i32>,
    values: Vec<f64>,
    horizon: i32,
    level: f64,
) -> Res<String> {
    let m: Method = serde_json::from_str(method_json)
        .map_err(|e| err::<ProjectionError>(format!("invalid method: {e}")))?;
    py.detach(|| {
        guarded(|| {
            m.forecast(&years, &values, horizon, level)
                .map(|f| serde_json::to_string(&f).expect("serialisable"))
                .map_err(|e| e.to_string())
        })
    })
}

/// Damped Holt: fits (or uses) α, β, φ on `values`, with the heuristic initial state or the
/// given one, and forecasts `steps` ahead. Returns JSON: the model, `point` and `sd`.
#[pyfunction]
#[pyo3(signature = (values, *, steps, alpha = None, beta = None, phi = None, initial_level = None, initial_trend = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn damped_holt(
    py: Python<'_>,
    values: Vec<f64>,
    steps: usize,
    alpha: Option<f64>,
    beta: Option<f64>,
    phi: Option<f64>,
    initial_level: Option<f64>,
    initial_trend: Option<f64>,
) -> Res<String> {
    let init = match (initial_level, initial_trend) {
        (Some(level), Some(trend)) => HoltInit::Known { level, trend },
        (None, None) => HoltInit::Heuristic,
        _ => {
            return Err(raise::<ProjectionError>(
                "give both initial_level and initial_trend, or neither",
            ));
        }
    };
    py.detach(|| {
        guarded(|| {
            let m = DampedHolt::fit(&values, alpha, beta, phi, init).map_err(|e| e.to_string())?;
            let (point, sd) = m.forecast(steps);
            Ok(serde_json::json!({ "model": m, "point": point, "sd": sd }).to_string())
        })
    })
}

/// Backtests methods on a long-format CSV panel (the shipped provincial R&D data when
/// `csv_text` is None). `config_json` holds [`BacktestConfig`] fields. Returns JSON.
#[pyfunction]
#[pyo3(signature = (config_json, *, column = "rd_expenditure_100m_yuan", csv_text = None, unit_col = "region_en", year_col = "year"))]
pub(crate) fn run_backtest(
    py: Python<'_>,
    config_json: &str,
    column: &str,
    csv_text: Option<String>,
    unit_col: &str,
    year_col: &str,
) -> Res<String> {
    let cfg: BacktestConfig = backtest_settings(config_json)?;
    let columns = PanelColumns {
        unit_col,
        year_col,
        column,
    };
    on_panel(py, csv_text, columns, |panel, _| {
        backtest(panel, &cfg).map(|r| to_json(&r))
    })
}

/// `config_json` read as backtest settings.
fn backtest_settings<T: serde::de::DeserializeOwned>(config_json: &str) -> PyResult<T> {
    serde_json::from_str(config_json)
        .map_err(|e| err::<ProjectionError>(format!("invalid backtest settings: {e}")))
}

/// The columns of a long-format CSV panel.
struct PanelColumns<'a> {
    unit_col: &'a str,
    year_col: &'a str,
    column: &'a str,
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serialisable")
}

/// Runs `f` on the panel read from `csv_text` (the shipped provincial R&D data when None),
/// without Python's lock; `f` also gets the panel's name.
fn on_panel(
    py: Python<'_>,
    csv_text: Option<String>,
    columns: PanelColumns,
    f: impl FnOnce(&Panel, &str) -> Result<String, innodex::projection::ProjectionError> + Send,
) -> Res<String> {
    let name = if csv_text.is_some() {
        "data"
    } else {
        "china_province_rd"
    };
    let text =
        csv_text.unwrap_or_else(|| innodex::projection::backtest::CHINA_PROVINCE_RD_CSV.into());
    py.detach(|| {
        guarded(|| {
            let panel =
                Panel::from_csv_str(&text, columns.unit_col, columns.year_col, columns.column)
                    .map_err(|e| e.to_string())?;
            f(&panel, name).map_err(|e| e.to_string())
        })
    })
}

/// Rolling-origin backtest of a long-format CSV panel (the shipped provincial R&D data when
/// `csv_text` is None); `config_json` holds [`RollingConfig`] fields. With `learn_origins`, a
/// calibration learnt at those origins and scored at the configured origins
/// ([`innodex::projection::calibration::evaluate`]). Returns JSON.
#[pyfunction]
#[pyo3(signature = (config_json, *, column = "rd_expenditure_100m_yuan", csv_text = None, unit_col = "region_en", year_col = "year", learn_origins = None))]
pub(crate) fn run_rolling_backtest(
    py: Python<'_>,
    config_json: &str,
    column: &str,
    csv_text: Option<String>,
    unit_col: &str,
    year_col: &str,
    learn_origins: Option<Vec<i32>>,
) -> Res<String> {
    let cfg: RollingConfig = backtest_settings(config_json)?;
    let columns = PanelColumns {
        unit_col,
        year_col,
        column,
    };
    on_panel(py, csv_text, columns, |panel, name| match &learn_origins {
        Some(l) => innodex::projection::calibration::evaluate(panel, name, l, &cfg.origins, &cfg)
            .map(|r| to_json(&r)),
        None => rolling_backtest(panel, &cfg).map(|r| to_json(&r)),
    })
}
