//! Run files from Python: run one (its report and checks, optionally written to a directory)
//! and compare it with a previous report, as `innodex run` and `innodex check` do.

use std::path::PathBuf;

use pyo3::prelude::*;

use super::{InnodexError, Res};
use innodex::exec::Progress;
use innodex::run::compare::{Tolerance, compare_with_json};
use innodex::run::{Run, write_outputs};

/// Runs a run file; returns `(report JSON, files written, baseline comparison text or None,
/// passed)`. With `out`, writes report.json, the CSV tables, report.md and report.html there;
/// with `baseline` (the text of an earlier report.json), compares the key results within the
/// tolerances. Ctrl-C stops the run between Monte Carlo chunks.
#[pyfunction]
#[pyo3(signature = (path, *, out = None, baseline = None, tolerance = 0.0, rel_tolerance = 0.0, threads = None))]
#[allow(clippy::type_complexity)]
pub(crate) fn run_file(
    py: Python<'_>,
    path: PathBuf,
    out: Option<PathBuf>,
    baseline: Option<String>,
    tolerance: f64,
    rel_tolerance: f64,
    threads: Option<usize>,
) -> Res<(String, Vec<String>, Option<String>, bool)> {
    if !(tolerance >= 0.0 && rel_tolerance >= 0.0) {
        return Err(super::raise::<InnodexError>(format!(
            "tolerance and rel_tolerance must be numbers ≥ 0, got {tolerance} and {rel_tolerance}"
        )));
    }
    let run = Run::load(&path)?;
    let progress = Progress::default();
    let report = super::run_polled::<_, InnodexError>(py, &progress, None, threads, || {
        run.execute(&progress, &mut |_| {})
    })??;
    let files = match &out {
        Some(dir) => write_outputs(&report, dir)?,
        None => Vec::new(),
    };
    let mut passed = report.all_passed();
    let comparison = match &baseline {
        Some(text) => {
            let tol = Tolerance {
                absolute: tolerance,
                relative: rel_tolerance,
            };
            let cmp = compare_with_json(&report, text, "baseline", tol)?;
            passed &= cmp.passed();
            Some(cmp.to_text(tol))
        }
        None => None,
    };
    Ok((report.to_json(), files, comparison, passed))
}
