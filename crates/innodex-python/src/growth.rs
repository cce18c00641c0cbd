//! Growth arithmetic over numpy arrays (the Python layer broadcasts and reshapes).

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::{GrowthError, Res, err, raise};
use innodex::growth;

fn year(field: &str, v: f64) -> Result<i32, String> {
    if v.fract() == 0.0 && v >= i32::MIN as f64 && v <= i32::MAX as f64 {
        Ok(v as i32)
    } else {
        Err(format!("{field} must be a whole year, got {v}"))
    }
}

/// Applies `f` element by element; the first failing element raises `GrowthError` naming its
/// position (when there is more than one) and the problem.
fn map_elements<'py>(
    py: Python<'py>,
    name: &str,
    columns: &[PyReadonlyArray1<'py, f64>],
    f: impl Fn(&[f64]) -> Result<f64, String>,
) -> Res<Bound<'py, PyArray1<f64>>> {
    let cols: Vec<&[f64]> = columns
        .iter()
        .map(|c| c.as_slice())
        .collect::<Result<_, _>>()
        .map_err(err::<GrowthError>)?;
    let n = cols.first().map_or(0, |c| c.len());
    if cols.iter().any(|c| c.len() != n) {
        return Err(raise::<GrowthError>(format!(
            "{name}: arguments have different lengths"
        )));
    }
    let mut out = Vec::with_capacity(n);
    let mut args = vec![0.0; cols.len()];
    for i in 0..n {
        for (a, c) in args.iter_mut().zip(&cols) {
            *a = c[i];
        }
        match f(&args) {
            Ok(v) => out.push(v),
            Err(msg) if n == 1 => return Err(raise::<GrowthError>(format!("{name}: {msg}"))),
            Err(msg) => return Err(raise::<GrowthError>(format!("{name}: element {i}: {msg}"))),
        }
    }
    Ok(PyArray1::from_vec(py, out))
}

macro_rules! level_years_fn {
    ($pyname:ident, $core:path) => {
        #[pyfunction]
        pub(crate) fn $pyname<'py>(
            py: Python<'py>,
            a: PyReadonlyArray1<'py, f64>,
            b: PyReadonlyArray1<'py, f64>,
            year0: PyReadonlyArray1<'py, f64>,
            year1: PyReadonlyArray1<'py, f64>,
        ) -> Res<Bound<'py, PyArray1<f64>>> {
            map_elements(py, stringify!($pyname), &[a, b, year0, year1], |x| {
                let y0 = year("year0", x[2])?;
                let y1 = year("year1", x[3])?;
                $core(x[0], x[1], y0, y1).map_err(|e| e.to_string())
            })
        }
    };
}

level_years_fn!(cagr, growth::cagr);
level_years_fn!(required_cagr, growth::required_cagr);
level_years_fn!(required_increment, growth::required_increment);
level_years_fn!(implied_baseline, growth::implied_baseline);

#[pyfunction]
pub(crate) fn years_to_target<'py>(
    py: Python<'py>,
    baseline: PyReadonlyArray1<'py, f64>,
    target: PyReadonlyArray1<'py, f64>,
    rate: PyReadonlyArray1<'py, f64>,
) -> Res<Bound<'py, PyArray1<f64>>> {
    map_elements(py, "years_to_target", &[baseline, target, rate], |x| {
        growth::years_to_target(x[0], x[1], x[2]).map_err(|e| e.to_string())
    })
}

#[pyfunction]
pub(crate) fn doubling_time<'py>(
    py: Python<'py>,
    rate: PyReadonlyArray1<'py, f64>,
) -> Res<Bound<'py, PyArray1<f64>>> {
    map_elements(py, "doubling_time", &[rate], |x| {
        growth::doubling_time(x[0]).map_err(|e| e.to_string())
    })
}

#[pyfunction]
pub(crate) fn rule_of_70<'py>(
    py: Python<'py>,
    rate: PyReadonlyArray1<'py, f64>,
) -> Res<Bound<'py, PyArray1<f64>>> {
    map_elements(py, "rule_of_70", &[rate], |x| {
        growth::rule_of_70(x[0]).map_err(|e| e.to_string())
    })
}

/// (years, values) of the compound path from `baseline` at `rate` between two years.
#[pyfunction]
#[pyo3(signature = (baseline, *, rate, year0, year1))]
pub(crate) fn compound_path(
    baseline: f64,
    rate: f64,
    year0: i32,
    year1: i32,
) -> Res<(Vec<i32>, Vec<f64>)> {
    let p = growth::compound_path(baseline, rate, year0, year1)?;
    Ok(p.into_iter().unzip())
}

/// (years, values) of the linear path from `baseline` adding `increment` a year.
#[pyfunction]
#[pyo3(signature = (baseline, *, increment, year0, year1))]
pub(crate) fn linear_path(
    baseline: f64,
    increment: f64,
    year0: i32,
    year1: i32,
) -> Res<(Vec<i32>, Vec<f64>)> {
    let p = growth::linear_path(baseline, increment, year0, year1)?;
    Ok(p.into_iter().unzip())
}
