//! Ratio indicators (R&D / GDP): thin wrappers over `innodex::ratio`, the share's growth
//! arithmetic, the log-linear reference trend and the Linyi R&D-share gap model.

use ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::sensitivity::PyProblem;
use super::{ProjectionError, Res, SensitivityError as PySensitivityError, raise};
use innodex::cases::linyi;
use innodex::ratio::{self, LogLinearTrend};
use innodex::sensitivity::Model;

crate::state::pickle_by_state!(PyTrend);
crate::state::json_by_serde!(ProjectionError; PyTrend => "LogLinearTrend");

/// Share growth (1 + g_R) / (1 + g_Y) − 1.
#[pyfunction]
pub(crate) fn share_growth(g_numerator: f64, g_denominator: f64) -> Res<f64> {
    Ok(ratio::share_growth(g_numerator, g_denominator)?)
}

/// Share in `year1`: S0 ((1 + g_R) / (1 + g_Y))^n.
#[pyfunction]
#[pyo3(signature = (s0, *, g_numerator, g_denominator, year0, year1))]
pub(crate) fn project_share(
    s0: f64,
    g_numerator: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
) -> Res<f64> {
    Ok(ratio::project_share(
        s0,
        g_numerator,
        g_denominator,
        year0,
        year1,
    )?)
}

/// Required numerator growth (1 + g_Y)(S*/S0)^(1/n) − 1.
#[pyfunction]
#[pyo3(signature = (s0, *, s_target, g_denominator, year0, year1))]
pub(crate) fn required_numerator_growth(
    s0: f64,
    s_target: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
) -> Res<f64> {
    Ok(ratio::required_numerator_growth(
        s0,
        s_target,
        g_denominator,
        year0,
        year1,
    )?)
}

/// Elasticities and derivatives of the target-year share, as JSON.
#[pyfunction]
#[pyo3(signature = (s0, *, g_numerator, g_denominator, year0, year1))]
pub(crate) fn share_sensitivity(
    s0: f64,
    g_numerator: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
) -> Res<String> {
    let s = ratio::share_sensitivity(s0, g_numerator, g_denominator, year0, year1)?;
    serde_json::to_string(&s).map_err(raise::<PySensitivityError>)
}

/// A log-linear trend with a prediction interval.
#[pyclass(name = "LogLinearTrend", module = "innodex._core", frozen)]
pub(crate) struct PyTrend {
    inner: LogLinearTrend,
}

#[pymethods]
impl PyTrend {
    /// Fits ln v = a + b (t − t̄) by least squares (three points at least).
    #[staticmethod]
    fn fit(years: Vec<i32>, values: Vec<f64>) -> Res<Self> {
        Ok(PyTrend {
            inner: ratio::reference_trend(&years, &values)?,
        })
    }

    /// Trend growth rate e^b − 1.
    #[getter]
    fn growth_rate(&self) -> f64 {
        self.inner.cagr()
    }

    /// Residual standard deviation of the log values.
    #[getter]
    fn resid_sd(&self) -> f64 {
        self.inner.line.sigma().unwrap_or(f64::NAN)
    }

    /// Trend value (predictive median) in `year`.
    fn median(&self, year: i32) -> f64 {
        self.inner.median(year)
    }

    /// Prediction standard error of the log value in `year`.
    fn log_se(&self, year: i32) -> f64 {
        self.inner.log_se(year)
    }

    /// The `p` quantile of the predictive distribution in `year`.
    fn quantile(&self, year: i32, p: f64) -> Res<f64> {
        Ok(ratio::reference_quantile(&self.inner, year, p)?)
    }

    /// Probability that the value in `year` is below `value`.
    fn prob_below(&self, year: i32, value: f64) -> f64 {
        self.inner.prob_below(year, value)
    }

    fn __repr__(&self) -> String {
        format!(
            "<LogLinearTrend growth={:.4} per year, {} points>",
            self.inner.cagr(),
            self.inner.line.n
        )
    }
}

/// Required numerator growth to reach the reference's `p` quantile in `year1`.
#[pyfunction]
#[pyo3(signature = (s0, *, g_denominator, year0, year1, reference, p))]
pub(crate) fn required_numerator_growth_vs_reference(
    s0: f64,
    g_denominator: f64,
    year0: i32,
    year1: i32,
    reference: &PyTrend,
    p: f64,
) -> Res<f64> {
    Ok(ratio::required_numerator_growth_vs_reference(
        s0,
        g_denominator,
        year0,
        year1,
        &reference.inner,
        p,
    )?)
}

/// Probability of beating the reference under a scenario (3 inputs): (p, standard error).
#[pyfunction]
#[pyo3(signature = (scenario, *, year0, year1, reference, n = 100000, seed = 2021))]
pub(crate) fn prob_beat_reference(
    py: Python<'_>,
    scenario: &PyProblem,
    year0: i32,
    year1: i32,
    reference: &PyTrend,
    n: usize,
    seed: u64,
) -> Res<(f64, f64)> {
    Ok(py.detach(|| {
        ratio::prob_beat_reference(&scenario.inner, year0, year1, &reference.inner, n, seed)
    })?)
}

/// The Linyi gap model, vectorised: X (rows × 4: rd_growth, gdp_growth, start_share,
/// shandong_increment) → Y (rows × 3: gap_pp, linyi_share_2025, shandong_share_2025).
#[pyfunction]
pub(crate) fn linyi_gap<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
) -> Res<Bound<'py, PyArray2<f64>>> {
    let xv = x.as_array();
    let mut y = Array2::zeros((xv.nrows(), 3));
    linyi::GapModel.evaluate(xv, y.view_mut())?;
    Ok(y.into_pyarray(py))
}

/// The Linyi gap model's inputs with their stated (partly assumed) ranges.
#[pyfunction]
pub(crate) fn linyi_gap_problem() -> PyProblem {
    PyProblem {
        inner: linyi::gap_problem(),
    }
}

/// Shandong's R&D intensity (years, %) from the embedded plan.
#[pyfunction]
#[pyo3(signature = (from_year = 2015, to_year = 2023))]
pub(crate) fn linyi_shandong_series(from_year: i32, to_year: i32) -> (Vec<i32>, Vec<f64>) {
    linyi::shandong_series(from_year, to_year)
}

/// Required Linyi R&D growth to reach `reference_2025`: baselines (rows) × GDP growth (cols).
#[pyfunction]
pub(crate) fn linyi_required_rd_growth_grid<'py>(
    py: Python<'py>,
    gdp_growths: PyReadonlyArray1<'py, f64>,
    baselines: PyReadonlyArray1<'py, f64>,
    reference_2025: f64,
) -> Res<Bound<'py, PyArray2<f64>>> {
    let g = gdp_growths.as_array().to_vec();
    let b = baselines.as_array().to_vec();
    Ok(linyi::required_rd_growth_grid(&g, &b, reference_2025)?.into_pyarray(py))
}
