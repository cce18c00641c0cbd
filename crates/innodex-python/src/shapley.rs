//! Shapley effects for dependent inputs and yearly Sobol' indices: thin wrappers over
//! `innodex::sensitivity::{ShapleyAnalysis, SobolAnalysis::run_over_time}`.

use ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyArray3, PyReadonlyArray2};
use pyo3::prelude::*;

use super::sensitivity::{
    PyProblem, PySobolResult, SobolArgs, per_output_arrays, pooled, probed_model, py_model,
    result_getters, run_detached, sobol_analysis,
};
use super::{Res, SensitivityError as PySensitivityError, raise};
use innodex::sensitivity::{
    Correlation, ShapleyAnalysis, ShapleyMethod, ShapleyOptions, ShapleyResult, SobolOverTime,
};

crate::state::pickle_by_state!(PyShapleyResult, PySobolOverTime);
result_getters!(PyShapleyResult);
per_output_arrays!(PyShapleyResult;
    matrices:
        /// Shapley effects, outputs × inputs.
        shapley,
        /// Half-widths of the intervals, outputs × inputs.
        conf;
    intervals:
        /// Percentile intervals, outputs × inputs × (low, high).
        interval,
);
crate::state::json_by_serde!(
    PySensitivityError;
    PyShapleyResult => "ShapleyResult",
    PySobolOverTime => "SobolOverTime",
);

fn method(s: &str) -> Res<ShapleyMethod> {
    match s {
        "auto" => Ok(ShapleyMethod::Auto),
        "exact" => Ok(ShapleyMethod::Exact),
        "random" => Ok(ShapleyMethod::Random),
        other => Err(raise::<PySensitivityError>(format!(
            "method must be 'auto', 'exact' or 'random', got {other:?}"
        ))),
    }
}

fn method_name(m: ShapleyMethod) -> &'static str {
    match m {
        ShapleyMethod::Auto => "auto",
        ShapleyMethod::Exact => "exact",
        ShapleyMethod::Random => "random",
    }
}

/// Shapley effects of every output.
#[pyclass(name = "ShapleyResult", module = "innodex._core", frozen)]
pub(crate) struct PyShapleyResult {
    inner: ShapleyResult,
}

#[pymethods]
impl PyShapleyResult {
    /// The estimator used: "exact" or "random".
    #[getter]
    fn method(&self) -> &'static str {
        method_name(self.inner.method)
    }

    /// Random permutations (0 for the exact estimator).
    #[getter]
    fn n_perm(&self) -> usize {
        self.inner.n_perm
    }

    /// Joint draws for Var(Y).
    #[getter]
    fn n_var(&self) -> usize {
        self.inner.n_var
    }

    /// Outer draws per cost.
    #[getter]
    fn n_outer(&self) -> usize {
        self.inner.n_outer
    }

    /// Inner draws per outer draw.
    #[getter]
    fn n_inner(&self) -> usize {
        self.inner.n_inner
    }

    /// Model evaluations.
    #[getter]
    fn model_runs(&self) -> usize {
        self.inner.model_runs
    }

    /// Seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.options.seed
    }

    /// The estimate of Var(Y) of each output.
    fn variance(&self) -> Vec<f64> {
        self.inner.outputs.iter().map(|o| o.variance).collect()
    }

    /// The correlation matrix of the inputs' normal scores.
    fn correlation<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let c = &self.inner.correlation;
        Array2::from_shape_fn((c.k(), c.k()), |(i, j)| c.get(i, j)).into_pyarray(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<ShapleyResult {} inputs={} outputs={} model_runs={}>",
            method_name(self.inner.method),
            self.inner.names.len(),
            self.inner.outputs.len(),
            self.inner.model_runs
        )
    }
}

/// Shapley effects: `model(X) -> Y` is called once per batch of rows; `corr` is the correlation
/// of the inputs' normal scores (None: independent).
#[pyfunction]
#[pyo3(signature = (problem, *, model, corr = None, method = "auto", n_perm = 10000, n_var = 10000, n_outer = None, n_inner = 3, seed = 2021, num_resamples = 100, conf_level = 0.95, batch_rows = 16384, output_names = None, threads = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn shapley_run(
    py: Python<'_>,
    problem: &PyProblem,
    model: Py<PyAny>,
    corr: Option<PyReadonlyArray2<'_, f64>>,
    method: &str,
    n_perm: usize,
    n_var: usize,
    n_outer: Option<usize>,
    n_inner: usize,
    seed: u64,
    num_resamples: usize,
    conf_level: f64,
    batch_rows: usize,
    output_names: Option<Vec<String>>,
    threads: Option<usize>,
) -> Res<PyShapleyResult> {
    let p = &problem.inner;
    let corr = match corr {
        None => Correlation::identity(p.len()),
        Some(a) => {
            let a = a.as_array();
            let rows: Vec<Vec<f64>> = a.rows().into_iter().map(|r| r.to_vec()).collect();
            Correlation::from_rows(&rows)?
        }
    };
    let an = ShapleyAnalysis::new(p.clone(), corr)
        .options(ShapleyOptions {
            method: self::method(method)?,
            n_perm,
            n_var,
            n_outer,
            n_inner,
            n_bootstrap: num_resamples,
            conf_level,
            seed,
        })
        .batch_rows(batch_rows);
    // Invalid options fail before the model is called.
    an.plan()?;
    let medians = p.inputs().iter().map(|i| i.distribution.median()).collect();
    let m = probed_model(model, output_names, medians)?;
    let res = run_detached(py, &m, || pooled(threads, || an.run(&m)))?;
    Ok(PyShapleyResult { inner: res })
}

/// Sobol' indices of a model with one output per year.
#[pyclass(name = "SobolOverTime", module = "innodex._core", frozen)]
pub(crate) struct PySobolOverTime {
    inner: SobolOverTime,
}

#[pymethods]
impl PySobolOverTime {
    /// The years, one per output.
    #[getter]
    fn years(&self) -> Vec<i32> {
        self.inner.years.clone()
    }

    /// The indices of every year as a Sobol' result (outputs named by year).
    fn sobol(&self) -> PySobolResult {
        PySobolResult {
            inner: self.inner.result.clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<SobolOverTime N={} inputs={} years={}–{}>",
            self.inner.result.n,
            self.inner.result.names.len(),
            self.inner.years.first().copied().unwrap_or_default(),
            self.inner.years.last().copied().unwrap_or_default()
        )
    }
}

/// Yearly Sobol' indices: one Saltelli design evaluated once on a model with one output per
/// year (`years`: one per output column; None: 0, 1, …).
#[pyfunction]
#[pyo3(signature = (problem, *, model, n, years = None, calc_second_order = false, scramble = "lms", skip_values = 0, seed = 2021, num_resamples = 100, conf_level = 0.95, batch_rows = 16384, threads = None, concurrent_batches = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sobol_over_time_run(
    py: Python<'_>,
    problem: &PyProblem,
    model: Py<PyAny>,
    n: usize,
    years: Option<Vec<i32>>,
    calc_second_order: bool,
    scramble: &str,
    skip_values: u64,
    seed: u64,
    num_resamples: usize,
    conf_level: f64,
    batch_rows: usize,
    threads: Option<usize>,
    concurrent_batches: bool,
) -> Res<PySobolOverTime> {
    let an = sobol_analysis(
        problem,
        n,
        SobolArgs {
            calc_second_order,
            scramble,
            skip_values,
            seed,
            num_resamples,
            conf_level,
            batch_rows,
        },
    )?;
    let design = an.design()?;
    let m = py_model(model, None, &problem.inner, &design, concurrent_batches)?;
    let years = years.unwrap_or_else(|| (0..m_outputs(&m)).collect());
    let res = run_detached(py, &m, || pooled(threads, || an.run_over_time(&m, &years)))?;
    Ok(PySobolOverTime { inner: res })
}

fn m_outputs(m: &super::sensitivity::PyModel) -> i32 {
    use innodex::sensitivity::Model;
    i32::try_from(m.n_outputs()).unwrap_or(i32::MAX)
}
