//! The Python extension module `innodex._core`: thin wrappers over the core crate, no model logic.
//!
//! Pattern for every area (plan, projection, sensitivity, index):
//! - one file `src/<area>.rs` whose classes and functions are `pub(crate)` and listed once,
//!   with `#[pymodule_export]`, in the module `_core` below (declared item by item, so pyo3's
//!   introspection generates the stubs: `scripts/stubs.py`);
//! - a binding returns [`Res`]: every core error converts with `?` into [`Raise`], whose one
//!   `From<Raise> for PyErr` picks the exception class (in the hierarchy rooted in
//!   `InnodexError`, a `ValueError`); only problems the core does not know (an argument's
//!   shape, a JSON state) are raised by hand, with [`raise`] or [`err`], naming field and value;
//! - heavy work inside `py.detach(…)` so other Python threads (and Dask workers) run;
//! - results cross the boundary as numpy arrays or as JSON text that the Python layer turns into
//!   pandas frames; classes pickle in one way, [`state::pickle_by_state!`] (CBOR bytes of the core value).

use pyo3::prelude::*;

use innodex::exec::Progress;

mod growth;
mod index;
mod plan;
mod projection;
mod ratio;
mod run;
mod sensitivity;
mod shapley;
mod state;

pyo3::create_exception!(
    innodex,
    InnodexError,
    pyo3::exceptions::PyValueError,
    "Root of every innodex error; a subclass of ValueError."
);
pyo3::create_exception!(
    innodex,
    GrowthError,
    InnodexError,
    "Invalid growth arithmetic input."
);
pyo3::create_exception!(
    innodex,
    PlanError,
    InnodexError,
    "An invalid plan, plan file, target or observation."
);
pyo3::create_exception!(
    innodex,
    ProjectionError,
    InnodexError,
    "Invalid projection or scenario input."
);
pyo3::create_exception!(
    innodex,
    SensitivityError,
    InnodexError,
    "Invalid sensitivity-analysis input."
);
pyo3::create_exception!(
    innodex,
    CompositeIndexError,
    InnodexError,
    "Invalid composite-index input."
);

/// What a binding raises: a core error (converted to its exception class in one place, the
/// `From<Raise> for PyErr` below) or a Python exception already made. Every core error type
/// converts into it, so a binding returning [`Res`] writes `core_call(…)?` and never chooses
/// an exception class itself (in the spirit of polars' one exhaustive error map).
pub(crate) enum Raise {
    /// An error of the core crate.
    Core(innodex::Error),
    /// A Python exception (a callback's, or one made for a non-core problem).
    Py(PyErr),
}

/// The result type of the bindings.
pub(crate) type Res<T> = Result<T, Raise>;

impl From<PyErr> for Raise {
    fn from(e: PyErr) -> Self {
        Raise::Py(e)
    }
}

macro_rules! raise_from_core {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for Raise {
            fn from(e: $t) -> Self {
                Raise::Core(e.into())
            }
        })*
    };
}

raise_from_core!(
    innodex::Error,
    innodex::io::IoError,
    innodex::exec::ExecError,
    innodex::indicator::IndicatorError,
    innodex::series::SeriesError,
    innodex::target::TargetError,
    innodex::plan::PlanError,
    innodex::growth::GrowthError,
    innodex::projection::ProjectionError,
    innodex::scenario::ScenarioError,
    innodex::ratio::RatioError,
    innodex::sensitivity::SensitivityError,
    innodex::index::IndexError,
    innodex::run::RunError,
);

impl From<Raise> for PyErr {
    /// The exception class of every core error: growth arithmetic → `GrowthError`; plans,
    /// targets, series, indicators → `PlanError`; projections, scenarios, thread pools →
    /// `ProjectionError`; sensitivity → `SensitivityError`; ratios by their cause; composite
    /// indices → `CompositeIndexError`; file reading and run files → `InnodexError`.
    fn from(r: Raise) -> PyErr {
        use innodex::Error as E;
        use innodex::ratio::RatioError;
        let e = match r {
            Raise::Py(e) => return e,
            Raise::Core(e) => e,
        };
        match &e {
            E::Growth(_) | E::Ratio(RatioError::Growth(_)) => err::<GrowthError>(e),
            E::Plan(_) | E::Target(_) | E::Series(_) | E::Indicator(_) => err::<PlanError>(e),
            E::Projection(_) | E::Scenario(_) | E::Exec(_) | E::Ratio(_) => {
                if let E::Ratio(RatioError::Sensitivity(_)) = &e {
                    err::<SensitivityError>(e)
                } else {
                    err::<ProjectionError>(e)
                }
            }
            E::Sensitivity(_) => err::<SensitivityError>(e),
            E::Index(_) => err::<CompositeIndexError>(e),
            _ => err::<InnodexError>(e),
        }
    }
}

/// [`err`] for a binding that returns [`Res`]: a problem the core does not know (an argument's
/// shape, a JSON state), raised as the Python exception class `E`.
pub(crate) fn raise<E: pyo3::PyTypeInfo>(e: impl std::fmt::Display) -> Raise {
    Raise::Py(err::<E>(e))
}

/// Converts any displayable error into the Python exception class `E`.
/// The message is bounded ([`innodex::io::bounded_message`]): a message never quotes a whole
/// input file.
pub(crate) fn err<E: pyo3::PyTypeInfo>(e: impl std::fmt::Display) -> PyErr {
    PyErr::new::<E, _>(innodex::io::bounded_message(e.to_string()))
}

/// [`innodex::exec::in_pool`] with its error as text (the message of the exception raised).
pub(crate) fn in_pool<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, String> {
    innodex::exec::in_pool(threads, f).map_err(|e| e.to_string())
}

/// Runs `work` on a helper thread (inside a pool of `threads` threads) while this thread waits
/// without the GIL. About ten times a second it takes the GIL to call `callback(done, total)`
/// with the counters of `progress` and to check for Ctrl-C; an exception from either cancels
/// the run through `progress` and is raised once the helper has stopped.
///
/// Why a helper thread rather than polling from inside the work: the work runs on rayon's
/// threads without the GIL and touches only atomics, so the progress bar costs one atomic add
/// per work unit and nothing else (well within the 2 % the progress bars may cost).
pub(crate) fn run_polled<T: Send, E: pyo3::PyTypeInfo>(
    py: Python<'_>,
    progress: &Progress,
    callback: Option<&Bound<'_, PyAny>>,
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    use std::sync::mpsc::{RecvTimeoutError, channel};
    use std::time::Duration;
    std::thread::scope(|s| {
        let (tx, rx) = channel();
        s.spawn(move || {
            let out =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| in_pool(threads, work)))
                    .unwrap_or_else(|_| Err("internal error (please report it)".into()));
            let _ = tx.send(out);
        });
        let mut rx = rx;
        let mut pending: Option<PyErr> = None;
        loop {
            // The receiver moves into the GIL-free section and back: it is Send, not Sync.
            let (got, back) = py.detach(move || {
                let r = rx.recv_timeout(Duration::from_millis(100));
                (r, rx)
            });
            rx = back;
            match got {
                Ok(out) => {
                    if let Some(e) = pending {
                        return Err(e);
                    }
                    if let Some(cb) = callback {
                        cb.call1((progress.done(), progress.total()))?;
                    }
                    return out.map_err(err::<E>);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if pending.is_some() {
                        continue;
                    }
                    let step = py.check_signals().and_then(|()| match callback {
                        Some(cb) => cb.call1((progress.done(), progress.total())).map(drop),
                        None => Ok(()),
                    });
                    if let Err(e) = step {
                        progress.cancel();
                        pending = Some(e);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(
                        pending.unwrap_or_else(|| err::<E>("the computation stopped unexpectedly"))
                    );
                }
            }
        }
    })
}

/// The module, declared item by item so that pyo3's introspection (`experimental-inspect`)
/// sees every class and function: `scripts/stubs.py` generates `_core.pyi` from the compiled
/// module.
#[pymodule]
mod _core {
    #[pymodule_export]
    use super::growth::{
        cagr, compound_path, doubling_time, implied_baseline, linear_path, required_cagr,
        required_increment, rule_of_70, years_to_target,
    };
    #[pymodule_export]
    use super::index::{
        PyCompositeIndex, PyIndexBuild, PyIndexPanel, PyIndexPanelBuild, PyIndexUncertainty,
        run_index_spec,
    };
    #[pymodule_export]
    use super::plan::{PyPlan, dataset_csv, dataset_names};
    #[pymodule_export]
    use super::projection::{
        PyMcResult, PyProjectionJob, PyScenarios, china_province_rd_csv, damped_holt, forecast,
        run_backtest, run_rolling_backtest, simulate_model, start_projection,
    };
    #[pymodule_export]
    use super::ratio::{
        PyTrend, linyi_gap, linyi_gap_problem, linyi_required_rd_growth_grid,
        linyi_shandong_series, prob_beat_reference, project_share, required_numerator_growth,
        required_numerator_growth_vs_reference, share_growth, share_sensitivity,
    };
    #[pymodule_export]
    use super::run::run_file;
    #[pymodule_export]
    use super::sensitivity::{
        PyMorrisResult, PyProblem, PySobolResult, grid2, lhs_sample, mc_sample, morris_analyze,
        morris_run, morris_sample, sobol_analyze, sobol_run, sobol_sample, tornado,
    };
    #[pymodule_export]
    use super::shapley::{PyShapleyResult, PySobolOverTime, shapley_run, sobol_over_time_run};

    #[pymodule_export]
    use super::{
        CompositeIndexError, GrowthError, InnodexError, PlanError, ProjectionError,
        SensitivityError,
    };

    /// The version of the extension (the crate's).
    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");
}
