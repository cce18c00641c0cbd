//! The Python extension module `innodex._core`: thin wrappers over the core crate, no model logic.
//!
//! Pattern for every area (plan, projection, sensitivity, index):
//! - one file `src/<area>.rs` with a `pub(crate) fn register(m: &Bound<'_, PyModule>)`
//!   called from `init` below;
//! - a binding returns [`Res`]: every core error converts with `?` into [`Raise`], whose one
//!   `From<Raise> for PyErr` picks the exception class (in the hierarchy rooted in
//!   `InnodexError`, a `ValueError`); only problems the core does not know (an argument's
//!   shape, a JSON state) are raised by hand, with [`raise`] or [`err`], naming field and value;
//! - heavy work inside `py.detach(…)` so other Python threads (and Dask workers) run;
//! - results cross the boundary as numpy arrays or as JSON text that the Python layer turns into
//!   pandas frames; classes pickle through `__reduce__` (constructor + serialised state).

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

#[pymodule]
mod _core {
    use super::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let py = m.py();
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("InnodexError", py.get_type::<InnodexError>())?;
        m.add("GrowthError", py.get_type::<GrowthError>())?;
        m.add("PlanError", py.get_type::<PlanError>())?;
        m.add("ProjectionError", py.get_type::<ProjectionError>())?;
        m.add("SensitivityError", py.get_type::<SensitivityError>())?;
        m.add("CompositeIndexError", py.get_type::<CompositeIndexError>())?;
        growth::register(m)?;
        plan::register(m)?;
        projection::register(m)?;
        sensitivity::register(m)?;
        shapley::register(m)?;
        ratio::register(m)?;
        run::register(m)?;
        index::register(m)?;
        Ok(())
    }
}
