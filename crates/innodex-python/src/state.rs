//! Pickling, written once: every class wrapping a serde core value (`inner`) pickles as
//! `(Class._from_state, (state,))`, the state being the CBOR bytes of that value (CBOR keeps
//! NaN, which JSON cannot). [`pickle_by_state!`] gives a class both methods; restoring goes
//! through the value's own `Deserialize`, so a plan is validated again as it is read back.
//! [`json_by_serde!`] gives a result class its `from_json` / `to_json` the same way.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{InnodexError, Res};

/// The CBOR bytes of a value.
pub(crate) fn to_cbor<'py, T: Serialize>(py: Python<'py>, v: &T) -> Res<Bound<'py, PyBytes>> {
    let mut buf = Vec::new();
    ciborium::into_writer(v, &mut buf)
        .map_err(|x| super::raise::<InnodexError>(format!("cannot pickle the state: {x}")))?;
    Ok(PyBytes::new(py, &buf))
}

/// A value from its CBOR bytes.
pub(crate) fn from_cbor<T: DeserializeOwned>(bytes: &[u8]) -> Res<T> {
    ciborium::from_reader(bytes)
        .map_err(|x| super::raise::<InnodexError>(format!("cannot restore the pickled state: {x}")))
}

/// `_from_state` and `__reduce__` for classes whose core value is the field `inner`.
macro_rules! pickle_by_state {
    ($($class:ty),* $(,)?) => {$(
        #[pymethods]
        impl $class {
            #[staticmethod]
            fn _from_state(state: &[u8]) -> $crate::Res<Self> {
                Ok(Self {
                    inner: $crate::state::from_cbor(state)?,
                })
            }

            fn __reduce__<'py>(
                &self,
                py: Python<'py>,
            ) -> $crate::Res<(Py<PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
                let ctor = py.get_type::<Self>().getattr("_from_state")?.unbind();
                Ok((ctor, ($crate::state::to_cbor(py, &self.inner)?,)))
            }
        }
    )*};
}
pub(crate) use pickle_by_state;

/// `from_json` and `to_json` for classes whose core value (`inner`) is their JSON form; a bad
/// text raises `$exc` naming the class.
macro_rules! json_by_serde {
    ($exc:ty; $($class:ty => $name:literal),* $(,)?) => {$(
        #[pymethods]
        impl $class {
            /// From the JSON of `to_json`.
            #[staticmethod]
            fn from_json(text: &str) -> $crate::Res<Self> {
                serde_json::from_str(text)
                    .map(|inner| Self { inner })
                    .map_err(|e| $crate::raise::<$exc>(format!("invalid {} JSON: {e}", $name)))
            }

            /// The value as JSON (NaN written as null).
            fn to_json(&self) -> $crate::Res<String> {
                serde_json::to_string(&self.inner).map_err($crate::raise::<$exc>)
            }
        }
    )*};
}
pub(crate) use json_by_serde;
