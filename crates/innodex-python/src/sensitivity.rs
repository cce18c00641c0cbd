//! Sensitivity analysis: thin wrappers over `innodex::sensitivity`. Heavy calls run inside
//! `py.detach`; a Python model is called back (with the GIL) once per batch of rows.

use std::sync::Mutex;

use ndarray::{Array2, Array3, ArrayView2, ArrayViewMut2};
use numpy::{IntoPyArray, PyArray2, PyArray3, PyReadonlyArray2, ToPyArray};
use pyo3::prelude::*;

use super::{Res, SensitivityError as PySensitivityError, err, in_pool, raise};
use innodex::sensitivity::{
    self as sa, Design, LatinHypercubeDesign, Model, MonteCarloDesign, MorrisAnalysis,
    MorrisDesign, MorrisOptions, MorrisResult, Problem, SaltelliDesign, Scramble, SensitivityError,
    SobolAnalysis, SobolOptions, SobolResult,
};

crate::state::pickle_by_state!(PyProblem, PySobolResult, PyMorrisResult);
crate::state::json_by_serde!(
    PySensitivityError;
    PySobolResult => "SobolResult",
    PyMorrisResult => "MorrisResult",
);

pub(crate) fn scramble(s: &str) -> Res<Scramble> {
    match s {
        "none" => Ok(Scramble::None),
        "shift" | "digital_shift" => Ok(Scramble::DigitalShift),
        "lms" | "linear_matrix" => Ok(Scramble::LinearMatrix),
        other => Err(raise::<PySensitivityError>(format!(
            "scramble must be 'lms', 'shift' or 'none', got {other:?}"
        ))),
    }
}

pub(crate) fn view2<'a>(a: &'a PyReadonlyArray2<'_, f64>) -> ArrayView2<'a, f64> {
    a.as_array()
}

/// A Python callable `f(X) -> Y` (X: rows × k float64, Y: rows × m float64, C order) as a
/// model. A Python exception raised by `f` is kept and re-raised unchanged.
pub(crate) struct PyModel {
    f: Py<PyAny>,
    n_outputs: usize,
    names: Vec<String>,
    error: Mutex<Option<PyErr>>,
    /// Whether batches may be evaluated at once from several threads (the caller's promise
    /// that the callable is safe to call so).
    concurrent: bool,
}

impl PyModel {
    /// Allows (or not) several batches at once.
    pub(crate) fn concurrent(mut self, yes: bool) -> Self {
        self.concurrent = yes;
        self
    }

    fn call(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, SensitivityError> {
        self.call_with(x, |a| Ok(a.to_owned()))
    }

    /// Calls the model on `x` and hands its output (a view of the returned numpy array) to
    /// `then`, with the GIL held.
    fn call_with<T>(
        &self,
        x: ArrayView2<f64>,
        then: impl FnOnce(ArrayView2<f64>) -> Result<T, SensitivityError>,
    ) -> Result<T, SensitivityError> {
        Python::attach(|py| {
            let arr = x.to_pyarray(py);
            let out = self.f.bind(py).call1((arr,)).and_then(|o| {
                o.extract::<PyReadonlyArray2<'_, f64>>().map_err(|e| {
                    err::<PySensitivityError>(format!(
                        "the model must return a 2-D float64 array (one row per sample): {e}"
                    ))
                })
            });
            let out = out.map_err(|e| {
                let msg = e.to_string();
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(e);
                }
                SensitivityError::Model(msg)
            })?;
            then(out.as_array())
        })
    }

    fn take_error(&self) -> Option<PyErr> {
        self.error.lock().ok().and_then(|mut s| s.take())
    }
}

impl Model for PyModel {
    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn concurrent_batches(&self) -> bool {
        self.concurrent
    }

    fn output_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Calls the model and copies its output straight from the numpy array into `y` (one copy).
    fn evaluate(
        &self,
        x: ArrayView2<f64>,
        mut y: ArrayViewMut2<f64>,
    ) -> Result<(), SensitivityError> {
        self.call_with(x, |out| sa::copy_outputs(out, y.view_mut()))
    }
}

/// Builds a model, learning its number of outputs from one call on the design's first row.
pub(crate) fn py_model<D: Design>(
    f: Py<PyAny>,
    names: Option<Vec<String>>,
    problem: &Problem,
    design: &D,
    concurrent: bool,
) -> Res<PyModel> {
    let mut first = vec![0.0; problem.len()];
    design.fill_unit(0, &mut first);
    problem.transform_in_place(&mut first, 0)?;
    probed_model(f, names, first).map(|m| m.concurrent(concurrent))
}

/// Builds a model, learning its number of outputs from one call on the input row `first`.
pub(crate) fn probed_model(
    f: Py<PyAny>,
    names: Option<Vec<String>>,
    first: Vec<f64>,
) -> Res<PyModel> {
    let mut m = PyModel {
        f,
        n_outputs: 0,
        names: vec![],
        error: Mutex::new(None),
        concurrent: false,
    };
    let k = first.len();
    let x = Array2::from_shape_vec((1, k), first).map_err(err::<PySensitivityError>)?;
    let probe = m.call(x.view());
    if let Some(e) = m.take_error() {
        return Err(e.into());
    }
    let probe = probe?;
    m.n_outputs = probe.ncols();
    if m.n_outputs == 0 {
        return Err(raise::<PySensitivityError>(
            "the model returned no output columns",
        ));
    }
    m.names = match names {
        Some(n) if n.len() == m.n_outputs => n,
        Some(n) => {
            return Err(raise::<PySensitivityError>(format!(
                "{} output names given for {} model outputs",
                n.len(),
                m.n_outputs
            )));
        }
        None => (0..m.n_outputs).map(|i| format!("y{i}")).collect(),
    };
    Ok(m)
}

/// Runs `f` without the GIL, then re-raises a model's own Python exception if there was one.
pub(crate) fn run_detached<T: Send>(
    py: Python<'_>,
    model: &PyModel,
    f: impl FnOnce() -> Result<T, SensitivityError> + Send,
) -> Res<T> {
    let res = py.detach(f);
    if let Some(e) = model.take_error() {
        return Err(e.into());
    }
    Ok(res?)
}

/// Runs `f` in a pool of `threads` threads (see [`super::in_pool`]), as a sensitivity result.
pub(crate) fn pooled<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T, SensitivityError> + Send,
) -> Result<T, SensitivityError> {
    in_pool(threads, f).unwrap_or_else(|reason| {
        Err(SensitivityError::InvalidOption {
            option: "threads",
            reason,
        })
    })
}

// ---------------------------------------------------------------------------- Problem

/// Inputs with bounds or distributions (built by `innodex.sensitivity.Problem`).
#[pyclass(name = "Problem", module = "innodex._core", frozen)]
#[derive(Clone)]
pub(crate) struct PyProblem {
    pub(crate) inner: Problem,
}

#[pymethods]
impl PyProblem {
    /// From JSON: a list of `{"name": …, "distribution": {"kind": "uniform", "lower": …,
    /// "upper": …}}` (kinds: uniform, normal, truncated_normal, triangular, log_normal, pert
    /// with `lower`, `mode`, `upper` and optional `lambda`, empirical with `values`).
    #[staticmethod]
    fn from_json(text: &str) -> Res<Self> {
        let inputs: Vec<sa::Input> = serde_json::from_str(text)
            .map_err(|e| err::<PySensitivityError>(format!("invalid problem JSON: {e}")))?;
        Ok(PyProblem {
            inner: Problem::new(inputs)?,
        })
    }

    /// The inputs as JSON.
    fn to_json(&self) -> Res<String> {
        serde_json::to_string(self.inner.inputs()).map_err(raise::<PySensitivityError>)
    }

    /// Input names.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner.names().iter().map(|s| s.to_string()).collect()
    }

    /// Medians of the inputs.
    fn medians(&self) -> Vec<f64> {
        self.inner
            .inputs()
            .iter()
            .map(|i| i.distribution.median())
            .collect()
    }

    /// Low and high values (bounds, or 5 % and 95 % quantiles).
    fn low_high(&self) -> (Vec<f64>, Vec<f64>) {
        self.inner
            .inputs()
            .iter()
            .map(|i| i.distribution.low_high())
            .unzip()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("<Problem: {}>", self.inner.names().join(", "))
    }
}

// ---------------------------------------------------------------------------- results

/// Sobol' indices of every output.
#[pyclass(name = "SobolResult", module = "innodex._core", frozen)]
pub(crate) struct PySobolResult {
    pub(crate) inner: SobolResult,
}

/// One statistic of every output, outputs × inputs.
pub(crate) fn per_output<'py, O>(
    py: Python<'py>,
    outputs: &[O],
    k: usize,
    stat: impl Fn(&O) -> &[f64],
) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn((outputs.len(), k), |(o, j)| stat(&outputs[o])[j]).into_pyarray(py)
}

/// One interval statistic of every output, outputs × inputs × (low, high).
pub(crate) fn per_output_interval<'py, O>(
    py: Python<'py>,
    outputs: &[O],
    k: usize,
    stat: impl Fn(&O) -> &[(f64, f64)],
) -> Bound<'py, PyArray3<f64>> {
    Array3::from_shape_fn((outputs.len(), k, 2), |(o, j, e)| {
        let (lo, hi) = stat(&outputs[o])[j];
        if e == 0 { lo } else { hi }
    })
    .into_pyarray(py)
}

/// The getters every sensitivity result shares: input and output names, the confidence
/// level and the warnings. A second `#[pymethods]` block (pyo3's `multiple-pymethods`).
macro_rules! result_getters {
    ($($class:ty),+ $(,)?) => {$(
        #[pymethods]
        impl $class {
            /// Input names.
            #[getter]
            fn names(&self) -> Vec<String> {
                self.inner.names.clone()
            }

            /// Output names.
            #[getter]
            fn output_names(&self) -> Vec<String> {
                self.inner.output_names.clone()
            }

            /// Confidence level of the intervals.
            #[getter]
            fn conf_level(&self) -> f64 {
                self.inner.options.conf_level
            }

            /// Warnings, as sentences.
            #[getter]
            fn warnings(&self) -> Vec<String> {
                self.inner.warnings.iter().map(|w| w.to_string()).collect()
            }
        }
    )+};
}
pub(crate) use result_getters;

/// The per-output statistics of a sensitivity result as numpy arrays, each method named after
/// the field of the core's per-output record it reads: `matrices` give outputs × inputs,
/// `intervals` outputs × inputs × (low, high). One more `#[pymethods]` block.
macro_rules! per_output_arrays {
    (
        $class:ty;
        matrices: $($(#[doc = $mdoc:literal])* $mat:ident),* ;
        intervals: $($(#[doc = $idoc:literal])* $int:ident),* $(,)?
    ) => {
        #[pymethods]
        impl $class {
            $(
                $(#[doc = $mdoc])*
                fn $mat<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
                    $crate::sensitivity::per_output(
                        py, &self.inner.outputs, self.inner.names.len(), |o| &o.$mat,
                    )
                }
            )*
            $(
                $(#[doc = $idoc])*
                fn $int<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray3<f64>> {
                    $crate::sensitivity::per_output_interval(
                        py, &self.inner.outputs, self.inner.names.len(), |o| &o.$int,
                    )
                }
            )*
        }
    };
}
pub(crate) use per_output_arrays;

result_getters!(PySobolResult, PyMorrisResult);
per_output_arrays!(PySobolResult;
    matrices:
        /// First-order indices, outputs × inputs.
        s1,
        /// Half-widths of the first-order intervals, outputs × inputs.
        s1_conf,
        /// Total-order indices, outputs × inputs.
        st,
        /// Half-widths of the total-order intervals, outputs × inputs.
        st_conf;
    intervals:
        /// Percentile intervals of S1, outputs × inputs × (low, high).
        s1_interval,
        /// Percentile intervals of ST, outputs × inputs × (low, high).
        st_interval,
);
per_output_arrays!(PyMorrisResult;
    matrices:
        /// Mean elementary effects μ, outputs × inputs.
        mu,
        /// Mean absolute elementary effects μ*, outputs × inputs.
        mu_star,
        /// Standard deviations σ of the elementary effects, outputs × inputs.
        sigma,
        /// Half-widths of the μ* intervals, outputs × inputs.
        mu_star_conf;
    intervals:
        /// Percentile intervals of μ*, outputs × inputs × (low, high).
        mu_star_interval,
);

#[pymethods]
impl PySobolResult {
    /// Base sample size N.
    #[getter]
    fn n(&self) -> usize {
        self.inner.n
    }

    /// Second-order indices, outputs × inputs × inputs (upper triangle; NaN elsewhere), or
    /// None without second order.
    fn s2<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray3<f64>>> {
        self.s2_of(py, false)
    }

    /// Half-widths of the second-order intervals, or None.
    fn s2_conf<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray3<f64>>> {
        self.s2_of(py, true)
    }

    fn __repr__(&self) -> String {
        format!(
            "<SobolResult N={} inputs={} outputs={}>",
            self.inner.n,
            self.inner.names.len(),
            self.inner.outputs.len()
        )
    }
}

impl PySobolResult {
    fn s2_of<'py>(&self, py: Python<'py>, conf: bool) -> Option<Bound<'py, PyArray3<f64>>> {
        let k = self.inner.names.len();
        let mats: Option<Vec<&Array2<f64>>> = self
            .inner
            .outputs
            .iter()
            .map(|o| {
                if conf {
                    o.s2_conf.as_ref()
                } else {
                    o.s2.as_ref()
                }
            })
            .collect();
        let mats = mats?;
        Some(
            Array3::from_shape_fn((mats.len(), k, k), |(o, i, j)| mats[o][[i, j]]).into_pyarray(py),
        )
    }
}

/// Morris statistics of every output.
#[pyclass(name = "MorrisResult", module = "innodex._core", frozen)]
pub(crate) struct PyMorrisResult {
    inner: MorrisResult,
}

#[pymethods]
impl PyMorrisResult {
    /// Number of trajectories.
    #[getter]
    fn trajectories(&self) -> usize {
        self.inner.trajectories
    }

    fn __repr__(&self) -> String {
        format!(
            "<MorrisResult r={} inputs={} outputs={}>",
            self.inner.trajectories,
            self.inner.names.len(),
            self.inner.outputs.len()
        )
    }
}

// ---------------------------------------------------------------------------- designs

fn whole<'py, D: Design + Send + Sync>(
    py: Python<'py>,
    design: &D,
    problem: &Problem,
) -> Res<Bound<'py, PyArray2<f64>>> {
    let m = py.detach(|| design.matrix(problem))?;
    Ok(m.into_pyarray(py))
}

/// Saltelli design on a Sobol' sequence: (matrix, warnings).
#[pyfunction]
#[pyo3(signature = (problem, *, n, calc_second_order = true, scramble = "lms", skip_values = 0, seed = 2021))]
pub(crate) fn sobol_sample<'py>(
    py: Python<'py>,
    problem: &PyProblem,
    n: usize,
    calc_second_order: bool,
    scramble: &str,
    skip_values: u64,
    seed: u64,
) -> Res<(Bound<'py, PyArray2<f64>>, Vec<String>)> {
    let d = SaltelliDesign::new(
        problem.inner.len(),
        n,
        calc_second_order,
        self::scramble(scramble)?,
        skip_values,
        seed,
    )?;
    let w = d.warnings().iter().map(|w| w.to_string()).collect();
    Ok((whole(py, &d, &problem.inner)?, w))
}

/// Morris trajectories (optionally the most spread-out r among `optimal_trajectories`).
#[pyfunction]
#[pyo3(signature = (problem, *, r, num_levels = 4, optimal_trajectories = None, seed = 2021))]
pub(crate) fn morris_sample<'py>(
    py: Python<'py>,
    problem: &PyProblem,
    r: usize,
    num_levels: usize,
    optimal_trajectories: Option<usize>,
    seed: u64,
) -> Res<Bound<'py, PyArray2<f64>>> {
    let k = problem.inner.len();
    let d = py.detach(|| match optimal_trajectories {
        Some(m) => MorrisDesign::optimized(k, r, num_levels, m, seed),
        None => MorrisDesign::new(k, r, num_levels, seed),
    })?;
    whole(py, &d, &problem.inner)
}

/// Plain Monte Carlo sample.
#[pyfunction]
#[pyo3(signature = (problem, n, seed = 2021))]
pub(crate) fn mc_sample<'py>(
    py: Python<'py>,
    problem: &PyProblem,
    n: usize,
    seed: u64,
) -> Res<Bound<'py, PyArray2<f64>>> {
    let d = MonteCarloDesign::new(problem.inner.len(), n, seed)?;
    whole(py, &d, &problem.inner)
}

/// Latin hypercube sample.
#[pyfunction]
#[pyo3(signature = (problem, n, seed = 2021))]
pub(crate) fn lhs_sample<'py>(
    py: Python<'py>,
    problem: &PyProblem,
    n: usize,
    seed: u64,
) -> Res<Bound<'py, PyArray2<f64>>> {
    let d = py.detach(|| LatinHypercubeDesign::new(problem.inner.len(), n, seed))?;
    whole(py, &d, &problem.inner)
}

// ---------------------------------------------------------------------------- analyses

/// Sobol' indices from outputs on a Saltelli design (rows × outputs).
#[pyfunction]
#[pyo3(signature = (problem, *, y, calc_second_order = true, num_resamples = 100, conf_level = 0.95, seed = 2021, output_names = None, threads = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sobol_analyze(
    py: Python<'_>,
    problem: &PyProblem,
    y: PyReadonlyArray2<'_, f64>,
    calc_second_order: bool,
    num_resamples: usize,
    conf_level: f64,
    seed: u64,
    output_names: Option<Vec<String>>,
    threads: Option<usize>,
) -> Res<PySobolResult> {
    let opts = SobolOptions {
        second_order: calc_second_order,
        n_bootstrap: num_resamples,
        conf_level,
        seed,
    };
    let yv = view2(&y);
    let mut res = py.detach(|| pooled(threads, || sa::analyze_sobol(&problem.inner, yv, &opts)))?;
    if let Some(n) = output_names
        && n.len() == res.output_names.len()
    {
        res.output_names = n;
    }
    Ok(PySobolResult { inner: res })
}

/// The Python-level options of a Sobol' run (`sobol_run`, `sobol_over_time`).
pub(crate) struct SobolArgs<'a> {
    pub(crate) calc_second_order: bool,
    pub(crate) scramble: &'a str,
    pub(crate) skip_values: u64,
    pub(crate) seed: u64,
    pub(crate) num_resamples: usize,
    pub(crate) conf_level: f64,
    pub(crate) batch_rows: usize,
}

/// The core's Sobol' analysis with those options.
pub(crate) fn sobol_analysis(problem: &PyProblem, n: usize, a: SobolArgs) -> Res<SobolAnalysis> {
    Ok(SobolAnalysis::new(problem.inner.clone(), n)
        .second_order(a.calc_second_order)
        .scramble(scramble(a.scramble)?)
        .skip(a.skip_values)
        .seed(a.seed)
        .n_bootstrap(a.num_resamples)
        .conf_level(a.conf_level)
        .batch_rows(a.batch_rows))
}

/// Sample + evaluate + analyse: `model(X) -> Y` is called once per batch of rows.
#[pyfunction]
#[pyo3(signature = (problem, *, model, n, calc_second_order = true, scramble = "lms", skip_values = 0, seed = 2021, num_resamples = 100, conf_level = 0.95, batch_rows = 16384, output_names = None, threads = None, concurrent_batches = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sobol_run(
    py: Python<'_>,
    problem: &PyProblem,
    model: Py<PyAny>,
    n: usize,
    calc_second_order: bool,
    scramble: &str,
    skip_values: u64,
    seed: u64,
    num_resamples: usize,
    conf_level: f64,
    batch_rows: usize,
    output_names: Option<Vec<String>>,
    threads: Option<usize>,
    concurrent_batches: bool,
) -> Res<PySobolResult> {
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
    let m = py_model(
        model,
        output_names,
        &problem.inner,
        &design,
        concurrent_batches,
    )?;
    let res = run_detached(py, &m, || pooled(threads, || an.run(&m)))?;
    Ok(PySobolResult { inner: res })
}

/// Morris statistics from a design `x` and outputs `y` (rows × outputs).
#[pyfunction]
#[pyo3(signature = (problem, *, x, y, num_levels = 4, num_resamples = 100, conf_level = 0.95, seed = 2021, output_names = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn morris_analyze(
    py: Python<'_>,
    problem: &PyProblem,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray2<'_, f64>,
    num_levels: usize,
    num_resamples: usize,
    conf_level: f64,
    seed: u64,
    output_names: Option<Vec<String>>,
) -> Res<PyMorrisResult> {
    let opts = MorrisOptions {
        num_levels,
        n_bootstrap: num_resamples,
        conf_level,
        seed,
    };
    let (xv, yv) = (view2(&x), view2(&y));
    let mut res = py.detach(|| sa::analyze_morris(&problem.inner, xv, yv, &opts))?;
    if let Some(n) = output_names
        && n.len() == res.output_names.len()
    {
        res.output_names = n;
    }
    Ok(PyMorrisResult { inner: res })
}

/// Morris sample + evaluate + analyse.
#[pyfunction]
#[pyo3(signature = (problem, *, model, r, num_levels = 4, optimal_trajectories = None, seed = 2021, num_resamples = 100, conf_level = 0.95, output_names = None, threads = None, concurrent_batches = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn morris_run(
    py: Python<'_>,
    problem: &PyProblem,
    model: Py<PyAny>,
    r: usize,
    num_levels: usize,
    optimal_trajectories: Option<usize>,
    seed: u64,
    num_resamples: usize,
    conf_level: f64,
    output_names: Option<Vec<String>>,
    threads: Option<usize>,
    concurrent_batches: bool,
) -> Res<PyMorrisResult> {
    let mut an = MorrisAnalysis::new(problem.inner.clone(), r)
        .num_levels(num_levels)
        .seed(seed)
        .n_bootstrap(num_resamples)
        .conf_level(conf_level);
    if let Some(m) = optimal_trajectories {
        an = an.optimal_trajectories(m);
    }
    let design = py.detach(|| an.design())?;
    let m = py_model(
        model,
        output_names,
        &problem.inner,
        &design,
        concurrent_batches,
    )?;
    let res = run_detached(py, &m, || pooled(threads, || an.run(&m)))?;
    Ok(PyMorrisResult { inner: res })
}

/// One-at-a-time tornado; returns JSON (a list of tornados, one per output).
#[pyfunction]
#[pyo3(signature = (names, *, base, low, high, model, output_names = None))]
pub(crate) fn tornado(
    py: Python<'_>,
    names: Vec<String>,
    base: Vec<f64>,
    low: Vec<f64>,
    high: Vec<f64>,
    model: Py<PyAny>,
    output_names: Option<Vec<String>>,
) -> Res<String> {
    let m = oat_model(model, output_names, &base)?;
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let t = run_detached(py, &m, || sa::tornado(&refs, &base, &low, &high, &m))?;
    serde_json::to_string(&t).map_err(raise::<PySensitivityError>)
}

/// Two-input grid; returns a list of (output name, z) with z of shape (len(y), len(x)).
#[pyfunction]
#[pyo3(signature = (names, *, base, ix, x_values, iy, y_values, model, output_names = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn grid2<'py>(
    py: Python<'py>,
    names: Vec<String>,
    base: Vec<f64>,
    ix: usize,
    x_values: Vec<f64>,
    iy: usize,
    y_values: Vec<f64>,
    model: Py<PyAny>,
    output_names: Option<Vec<String>>,
) -> Res<Vec<(String, Bound<'py, PyArray2<f64>>)>> {
    let m = oat_model(model, output_names, &base)?;
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let g = run_detached(py, &m, || {
        sa::grid2(&refs, &base, ix, &x_values, iy, &y_values, &m)
    })?;
    Ok(g.into_iter()
        .map(|g| (g.output, g.z.into_pyarray(py)))
        .collect())
}

/// A model for the one-at-a-time tools, its number of outputs learnt from one call on the
/// base point.
fn oat_model(f: Py<PyAny>, names: Option<Vec<String>>, base: &[f64]) -> Res<PyModel> {
    let mut m = PyModel {
        f,
        n_outputs: 0,
        names: vec![],
        error: Mutex::new(None),
        concurrent: false,
    };
    let x = Array2::from_shape_vec((1, base.len()), base.to_vec())
        .map_err(err::<PySensitivityError>)?;
    let probe = m.call(x.view());
    if let Some(e) = m.take_error() {
        return Err(e.into());
    }
    let probe = probe?;
    m.n_outputs = probe.ncols();
    m.names = match names {
        Some(n) if n.len() == m.n_outputs => n,
        _ => (0..m.n_outputs).map(|i| format!("y{i}")).collect(),
    };
    Ok(m)
}
