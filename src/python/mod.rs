//! Python bindings (feature `python`): thin wrappers over the core, no model logic.
//!
//! Pattern for every area (plan, projection, sensitivity, index):
//! - one file `src/python/<area>.rs` with a `pub(crate) fn register(m: &Bound<'_, PyModule>)`
//!   called from `init` below;
//! - errors converted with [`err`] into an exception class of the hierarchy rooted in
//!   `InnodexError` (a `ValueError`), the message naming the field and the value;
//! - heavy work inside `py.detach(…)` so other Python threads (and Dask workers) run;
//! - results cross the boundary as numpy arrays or as JSON text that the Python layer turns into
//!   pandas frames; classes pickle through `__reduce__` (constructor + serialised state).

use pyo3::prelude::*;

mod growth;
mod index;
mod plan;
mod projection;
mod sensitivity;

pyo3::create_exception!(
    _core,
    InnodexError,
    pyo3::exceptions::PyValueError,
    "Root of every innodex error; a subclass of ValueError."
);
pyo3::create_exception!(
    _core,
    GrowthError,
    InnodexError,
    "Invalid growth arithmetic input."
);
pyo3::create_exception!(
    _core,
    PlanError,
    InnodexError,
    "An invalid plan, plan file, target or observation."
);
pyo3::create_exception!(
    _core,
    ProjectionError,
    InnodexError,
    "Invalid projection or scenario input."
);
pyo3::create_exception!(
    _core,
    SensitivityError,
    InnodexError,
    "Invalid sensitivity-analysis input."
);
pyo3::create_exception!(
    _core,
    CompositeIndexError,
    InnodexError,
    "Invalid composite-index input."
);

/// Converts any displayable error into the Python exception class `E`.
pub(crate) fn err<E: pyo3::PyTypeInfo>(e: impl std::fmt::Display) -> PyErr {
    PyErr::new::<E, _>(e.to_string())
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
        index::register(m)?;
        Ok(())
    }
}
