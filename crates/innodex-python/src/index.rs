//! Composite indices: thin wrappers over `innodex::index` (no model logic here).
//!
//! Specifications cross the boundary as JSON text (the Python layer turns dicts and TOML into
//! it; the same typed serde structs with `deny_unknown_fields` validate them); tables come
//! back as numpy arrays and records as JSON text. Objects pickle through CBOR bytes of their
//! serde state (CBOR keeps NaN, which JSON cannot).

use std::path::PathBuf;

use ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CompositeIndexError, Raise, Res};
use innodex::exec::Progress;
use innodex::index::coherence::{self, CorrelationMethod};
use innodex::index::framework::FrameworkSpec;
use innodex::index::panel::{Panel, PanelBuild, PanelSpec};
use innodex::index::pipeline::{Build, CompositeIndex, PipelineSpec};
use innodex::index::results::{self, PerformanceGroups, Reference};
use innodex::index::table::{ColumnNames, UnitData, read_imeta_str};
use innodex::index::uncertainty::{self, UncertaintyResult, UncertaintySpec};
use innodex::index::{Framework, IndexError, spec};

crate::state::pickle_by_state!(
    PyCompositeIndex,
    PyIndexBuild,
    PyIndexUncertainty,
    PyIndexPanel,
    PyIndexPanelBuild
);

/// Row labels, column labels and values.
type Labelled<'py> = (Vec<String>, Vec<String>, Bound<'py, PyArray2<f64>>);

/// A non-core problem (a JSON or pickled state) raised as `CompositeIndexError`.
fn e(x: impl std::fmt::Display) -> Raise {
    super::raise::<CompositeIndexError>(x)
}

fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Res<T> {
    serde_json::from_str(text).map_err(|x| e(format!("{what}: {x}")))
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> Res<String> {
    serde_json::to_string(v).map_err(e)
}

/// Column-wise data (`cols[col][row]`) as a rows × cols array.
fn matrix<'py>(py: Python<'py>, cols: &[Vec<f64>], n_rows: usize) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn((n_rows, cols.len()), |(r, c)| cols[c][r]).into_pyarray(py)
}

/// Row-wise data (`rows[row][col]`) as an array.
fn rows_matrix<'py>(
    py: Python<'py>,
    rows: &[Vec<f64>],
    n_cols: usize,
) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn((rows.len(), n_cols), |(r, c)| rows[r][c]).into_pyarray(py)
}

fn framework_records(fw: &Framework) -> Vec<serde_json::Value> {
    fw.nodes()
        .iter()
        .map(|n| {
            serde_json::json!({
                "code": n.code,
                "name": n.name,
                "kind": n.kind,
                "level": n.level,
                "level_name": fw.level_names().get(n.level as usize - 1),
                "parent": n.parent.map(|p| fw.node(p).code.clone()),
                "weight": n.weight,
                "direction": n.direction,
                "unit": n.unit,
                "target": n.target,
                "denominator": n.denominator,
            })
        })
        .collect()
}

fn load(
    framework_json: Option<&str>,
    imeta: Option<&str>,
    idata: &str,
    columns: ColumnNames,
    denominators: Vec<String>,
    groups: Vec<String>,
) -> Res<(Framework, UnitData)> {
    let (fw, mut dens, mut grps) = match (framework_json, imeta) {
        (Some(f), None) => {
            let spec: FrameworkSpec = from_json("framework", f)?;
            (Framework::from_spec(&spec)?, Vec::new(), Vec::new())
        }
        (None, Some(m)) => {
            let meta = read_imeta_str(m, "iMeta")?;
            (meta.framework, meta.denominators, meta.groups)
        }
        _ => return Err(e("give either a framework or an iMeta table")),
    };
    dens.extend(denominators);
    grps.extend(groups);
    let data = UnitData::from_csv_str_with(
        idata,
        "iData",
        &columns,
        &fw.indicator_codes(),
        &dens,
        &grps,
    )?;
    Ok((fw, data))
}

fn pick_year(data: UnitData, year: Option<i32>) -> Res<UnitData> {
    let years = data.years();
    match year {
        Some(y) if !years.contains(&y) => Err(e(IndexError::Unknown {
            kind: "year",
            code: y.to_string(),
        })),
        Some(y) => Ok(data.year(y)),
        None if years.len() > 1 => Ok(data.year(*years.last().expect("years"))),
        None => Ok(data),
    }
}

/// A composite index: a framework and the unit data of one period.
#[pyclass(name = "CompositeIndex", module = "innodex._core", frozen)]
pub(crate) struct PyCompositeIndex {
    inner: CompositeIndex,
}

#[pymethods]
impl PyCompositeIndex {
    /// Reads COINr-style iData and iMeta CSV files (the latest year if several).
    #[staticmethod]
    fn from_csv(idata: PathBuf, imeta: PathBuf) -> Res<Self> {
        Ok(Self {
            inner: CompositeIndex::from_csv(&idata, &imeta)?,
        })
    }

    /// From iData and iMeta as CSV text, or from a framework (JSON of the TOML framework
    /// format) and iData text with its column names.
    #[staticmethod]
    #[pyo3(signature = (idata, *, imeta = None, framework = None, unit = "uCode", name = "uName", time = "Time", denominators = vec![], groups = vec![], year = None))]
    #[allow(clippy::too_many_arguments)]
    fn from_text(
        idata: &str,
        imeta: Option<&str>,
        framework: Option<&str>,
        unit: &str,
        name: &str,
        time: &str,
        denominators: Vec<String>,
        groups: Vec<String>,
        year: Option<i32>,
    ) -> Res<Self> {
        let cols = ColumnNames::new(unit, name, time);
        let (fw, data) = load(framework, imeta, idata, cols, denominators, groups)?;
        let data = pick_year(data, year)?;
        Ok(Self {
            inner: CompositeIndex::new(fw, data)?,
        })
    }

    /// Unit codes.
    #[getter]
    fn units(&self) -> Vec<String> {
        self.inner.data.units.clone()
    }

    /// Unit names.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner.data.names.clone()
    }

    /// Indicator codes.
    #[getter]
    fn indicators(&self) -> Vec<String> {
        self.inner.framework.indicator_codes()
    }

    /// All node codes (indicators, then aggregates by level).
    #[getter]
    fn codes(&self) -> Vec<String> {
        self.inner.framework.codes()
    }

    /// The framework as JSON records.
    fn framework_json(&self) -> Res<String> {
        to_json(&framework_records(&self.inner.framework))
    }

    /// The group columns as JSON ({column: [label or null per unit]}).
    fn groups_json(&self) -> Res<String> {
        to_json(&self.inner.data.groups)
    }

    /// Raw indicator values (units × indicators).
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        matrix(py, &self.inner.data.values, self.inner.data.n_rows())
    }

    /// Builds the index with a pipeline (JSON of the pipeline format).
    #[pyo3(signature = (pipeline = "{}"))]
    fn build(&self, py: Python<'_>, pipeline: &str) -> Res<PyIndexBuild> {
        let spec: PipelineSpec = from_json("pipeline", pipeline)?;
        let inner = &self.inner;
        Ok(PyIndexBuild {
            inner: py.detach(|| inner.build(&spec))?,
        })
    }

    /// Uncertainty (and Sobol sensitivity) analysis around a pipeline (both JSON), on at most
    /// `threads` threads; `callback(done, total)` is called about ten times a second with the
    /// rebuilds done (for a progress bar) and may raise to stop the run.
    #[pyo3(signature = (pipeline, *, spec, threads = None, callback = None))]
    fn uncertainty(
        &self,
        py: Python<'_>,
        pipeline: &str,
        spec: &str,
        threads: Option<usize>,
        callback: Option<Bound<'_, PyAny>>,
    ) -> Res<PyIndexUncertainty> {
        let p: PipelineSpec = from_json("pipeline", pipeline)?;
        let s: UncertaintySpec = from_json("uncertainty", spec)?;
        let inner = &self.inner;
        let progress = Progress::default();
        let result = super::run_polled::<_, CompositeIndexError>(
            py,
            &progress,
            callback.as_ref(),
            threads,
            || uncertainty::run_with_progress(inner, &p, &s, &progress),
        )??;
        Ok(PyIndexUncertainty { inner: result })
    }

    fn __repr__(&self) -> String {
        let fw = &self.inner.framework;
        format!(
            "<CompositeIndex {}: {} units, {} indicators, {} levels>",
            fw.node(fw.root()).code,
            self.inner.data.n_rows(),
            fw.n_indicators(),
            fw.n_levels()
        )
    }
}

/// Every stage of one build.
#[pyclass(name = "IndexBuild", module = "innodex._core", frozen)]
pub(crate) struct PyIndexBuild {
    inner: Build,
}

#[pymethods]
impl PyIndexBuild {
    /// Units in the results (after screening).
    #[getter]
    fn units(&self) -> Vec<String> {
        self.inner.units().to_vec()
    }

    /// All node codes.
    #[getter]
    fn codes(&self) -> Vec<String> {
        self.inner.framework.codes()
    }

    /// Names of the stages present.
    fn stage_names(&self) -> Vec<String> {
        [
            "raw",
            "denominated",
            "imputed",
            "screened",
            "treated",
            "normalised",
            "aggregated",
        ]
        .iter()
        .filter(|s| self.inner.stage(s).is_some())
        .map(|s| s.to_string())
        .collect()
    }

    /// A stage: (units, codes, values units × codes).
    fn stage<'py>(&self, py: Python<'py>, name: &str) -> Res<Labelled<'py>> {
        let s = self.inner.stage(name).ok_or_else(|| {
            e(format!(
                "stage {name:?} is not in this build (present: {})",
                self.stage_names().join(", ")
            ))
        })?;
        Ok((
            s.units.clone(),
            s.indicators.clone(),
            matrix(py, &s.values, s.units.len()),
        ))
    }

    /// Ranks of every node (units × codes), 1 = best.
    fn ranks<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let r = results::ranks(&self.inner);
        matrix(py, &r.values, r.units.len())
    }

    /// The framework as JSON records.
    fn framework_json(&self) -> Res<String> {
        to_json(&framework_records(&self.inner.framework))
    }

    /// The pipeline used, as JSON.
    fn pipeline_json(&self) -> Res<String> {
        to_json(&self.inner.spec)
    }

    /// Treatment record per indicator, as JSON.
    fn treatment_json(&self) -> Res<String> {
        let rows: Vec<serde_json::Value> = self
            .inner
            .treatment
            .iter()
            .map(|t| {
                let d = t.detail.as_ref();
                serde_json::json!({
                    "indicator": t.indicator,
                    "skipped": t.skipped,
                    "skew_before": d.map(|d| d.skew_before),
                    "kurt_before": d.map(|d| d.kurt_before),
                    "passed_before": d.and_then(|d| d.passed_before),
                    "n_winsorised": d.map(|d| d.n_winsorised),
                    "transform": d.and_then(|d| d.transform.as_ref().map(|t| t.label())),
                    "skew_after": d.map(|d| d.skew_after),
                    "kurt_after": d.map(|d| d.kurt_after),
                    "passed_after": d.and_then(|d| d.passed_after),
                    "note": d.and_then(|d| d.note.clone()),
                })
            })
            .collect();
        to_json(&rows)
    }

    /// Every treated point, as JSON.
    fn treated_points_json(&self) -> Res<String> {
        to_json(&self.inner.treated_points())
    }

    /// Every imputed point, as JSON.
    fn imputed_points_json(&self) -> Res<String> {
        to_json(&self.inner.imputed_points)
    }

    /// The screening figures, as JSON (null without screening).
    fn screening_json(&self) -> Res<String> {
        to_json(&self.inner.screen_report)
    }

    /// Scores relative to a reference (JSON `{"kind": "unit", "value": "DEU"}`,
    /// `{"kind": "mean"}` or `{"kind": "value", "value": 50}`), with performance groups
    /// (JSON list of `{"name", "at_least"}`; EIS when absent).
    #[pyo3(signature = (code, reference, groups = None))]
    fn relative_json(&self, code: &str, reference: &str, groups: Option<&str>) -> Res<String> {
        let r: Reference = from_json("reference", reference)?;
        let g = match groups {
            Some(g) => from_json("groups", g)?,
            None => PerformanceGroups::eis(),
        };
        to_json(&results::relative_scores(&self.inner, code, &r, &g)?)
    }

    /// A unit's strengths and weaknesses, as JSON.
    #[pyo3(signature = (unit, n = 5, min_unique_share = 0.0))]
    fn strengths_weaknesses_json(
        &self,
        unit: &str,
        n: usize,
        min_unique_share: f64,
    ) -> Res<String> {
        to_json(&results::strengths_weaknesses(
            &self.inner,
            unit,
            n,
            min_unique_share,
        )?)
    }

    /// Effective weights of every node, as JSON.
    fn effective_weights_json(&self) -> Res<String> {
        to_json(&results::effective_weights(&self.inner))
    }

    /// Correlation matrix between two lists of node codes (`pearson` or `spearman`).
    #[pyo3(signature = (rows, cols, method = "pearson"))]
    fn correlations<'py>(
        &self,
        py: Python<'py>,
        rows: Vec<String>,
        cols: Vec<String>,
        method: &str,
    ) -> Res<Bound<'py, PyArray2<f64>>> {
        let m = match method {
            "pearson" => CorrelationMethod::Pearson,
            "spearman" => CorrelationMethod::Spearman,
            other => {
                return Err(e(format!(
                    "method must be 'pearson' or 'spearman', got {other:?}"
                )));
            }
        };
        let c = coherence::correlations(&self.inner, &rows, &cols, m)?;
        Ok(rows_matrix(py, &c.values, cols.len()))
    }

    /// Cronbach's alpha of an aggregate's children.
    fn cronbach(&self, aggregate: &str) -> Res<f64> {
        Ok(coherence::cronbach_of(&self.inner, aggregate)?)
    }

    /// Principal components of the given nodes, as JSON.
    fn pca_json(&self, codes: Vec<String>) -> Res<String> {
        to_json(&coherence::pca_of(&self.inner, &codes)?)
    }

    fn __repr__(&self) -> String {
        let root = self
            .inner
            .framework
            .node(self.inner.framework.root())
            .code
            .clone();
        let top = self
            .inner
            .ranking(&root)
            .ok()
            .and_then(|r| r.first().cloned());
        format!(
            "<IndexBuild {root}: {} units, stages {}{}>",
            self.inner.units().len(),
            self.stage_names().join(" → "),
            top.map(|(u, s)| format!("; first {u} ({s:.2})"))
                .unwrap_or_default()
        )
    }
}

/// The outcome of an uncertainty analysis.
#[pyclass(name = "IndexUncertainty", module = "innodex._core", frozen)]
pub(crate) struct PyIndexUncertainty {
    inner: UncertaintyResult,
}

#[pymethods]
impl PyIndexUncertainty {
    /// The node analysed.
    #[getter]
    fn target(&self) -> String {
        self.inner.target.clone()
    }

    /// All units.
    #[getter]
    fn units(&self) -> Vec<String> {
        self.inner.units.clone()
    }

    /// Input names.
    #[getter]
    fn inputs(&self) -> Vec<String> {
        self.inner.inputs.clone()
    }

    /// Rebuilds that failed.
    #[getter]
    fn failed(&self) -> usize {
        self.inner.failed
    }

    /// Distinct failure messages.
    #[getter]
    fn failures(&self) -> Vec<String> {
        self.inner.failures.clone()
    }

    /// The sample (rebuilds × inputs) in [0, 1).
    fn sample<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        rows_matrix(py, &self.inner.sample, self.inner.inputs.len())
    }

    /// Scores (rebuilds × units).
    fn scores<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        rows_matrix(py, &self.inner.scores, self.inner.units.len())
    }

    /// Ranks (rebuilds × units).
    fn ranks<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        rows_matrix(py, &self.inner.ranks, self.inner.units.len())
    }

    /// Mean absolute rank shift of each rebuild.
    fn mean_rank_shift<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.mean_rank_shift.clone())
    }

    /// Nominal scores.
    fn nominal_scores<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.nominal_scores.clone())
    }

    /// Nominal ranks.
    fn nominal_ranks<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.nominal_ranks.clone())
    }

    /// Rank statistics per unit, as JSON.
    fn rank_stats_json(&self) -> Res<String> {
        to_json(&self.inner.rank_stats)
    }

    /// Sobol indices, as JSON (null for a Monte Carlo design).
    fn sensitivity_json(&self) -> Res<String> {
        to_json(&self.inner.sensitivity)
    }

    fn __repr__(&self) -> String {
        format!(
            "<IndexUncertainty {}: {} rebuilds over {} ({} failed){}>",
            self.inner.target,
            self.inner.scores.len(),
            self.inner.inputs.join(", "),
            self.inner.failed,
            if self.inner.sensitivity.is_some() {
                ", with Sobol indices"
            } else {
                ""
            }
        )
    }
}

/// Unit data over several years.
#[pyclass(name = "IndexPanel", module = "innodex._core", frozen)]
pub(crate) struct PyIndexPanel {
    inner: Panel,
}

#[pymethods]
impl PyIndexPanel {
    /// Reads a panel from iData (with a Time column) and iMeta CSV files.
    #[staticmethod]
    fn from_csv(idata: PathBuf, imeta: PathBuf) -> Res<Self> {
        Ok(Self {
            inner: Panel::from_csv(&idata, &imeta)?,
        })
    }

    /// As `CompositeIndex.from_text`, keeping every year.
    #[staticmethod]
    #[pyo3(signature = (idata, *, imeta = None, framework = None, unit = "uCode", name = "uName", time = "Time", denominators = vec![], groups = vec![]))]
    #[allow(clippy::too_many_arguments)]
    fn from_text(
        idata: &str,
        imeta: Option<&str>,
        framework: Option<&str>,
        unit: &str,
        name: &str,
        time: &str,
        denominators: Vec<String>,
        groups: Vec<String>,
    ) -> Res<Self> {
        let cols = ColumnNames::new(unit, name, time);
        let (fw, data) = load(framework, imeta, idata, cols, denominators, groups)?;
        Ok(Self {
            inner: Panel::new(fw, data)?,
        })
    }

    /// Years present.
    #[getter]
    fn years(&self) -> Vec<i32> {
        self.inner.years()
    }

    /// The framework as JSON records.
    fn framework_json(&self) -> Res<String> {
        to_json(&framework_records(&self.inner.framework))
    }

    /// Builds every year (panel spec as JSON: `{"pipeline": {...}, "global_bounds": true}`).
    #[pyo3(signature = (spec = "{}"))]
    fn build(&self, py: Python<'_>, spec: &str) -> Res<PyIndexPanelBuild> {
        let s: PanelSpec = from_json("panel", spec)?;
        let inner = &self.inner;
        Ok(PyIndexPanelBuild {
            inner: py.detach(|| inner.build(&s))?,
        })
    }

    fn __repr__(&self) -> String {
        let y = self.inner.years();
        format!(
            "<IndexPanel {}: {} rows, years {}–{}>",
            self.inner.framework.node(self.inner.framework.root()).code,
            self.inner.data.n_rows(),
            y.first().copied().unwrap_or_default(),
            y.last().copied().unwrap_or_default()
        )
    }
}

/// A built panel.
#[pyclass(name = "IndexPanelBuild", module = "innodex._core", frozen)]
pub(crate) struct PyIndexPanelBuild {
    inner: PanelBuild,
}

#[pymethods]
impl PyIndexPanelBuild {
    /// Years.
    #[getter]
    fn years(&self) -> Vec<i32> {
        self.inner.years.clone()
    }

    /// Units.
    #[getter]
    fn units(&self) -> Vec<String> {
        self.inner.units.clone()
    }

    /// All node codes.
    #[getter]
    fn codes(&self) -> Vec<String> {
        self.inner.framework.codes()
    }

    /// A node's scores (units × years).
    fn table<'py>(&self, py: Python<'py>, code: &str) -> Res<Bound<'py, PyArray2<f64>>> {
        let t = self.inner.table(code)?;
        Ok(rows_matrix(py, &t, self.inner.years.len()))
    }

    /// A node's ranks per year (units × years).
    fn rank_table<'py>(&self, py: Python<'py>, code: &str) -> Res<Bound<'py, PyArray2<f64>>> {
        let t = self.inner.rank_table(code)?;
        Ok(rows_matrix(py, &t, self.inner.years.len()))
    }

    /// Per-unit trends of a node, as JSON.
    fn trends_json(&self, code: &str) -> Res<String> {
        to_json(&self.inner.trends(code)?)
    }

    fn __repr__(&self) -> String {
        format!(
            "<IndexPanelBuild: {} units, {} years>",
            self.inner.units.len(),
            self.inner.years.len()
        )
    }
}

/// Runs an index spec file (the `innodex index` command) and returns its report.
#[pyfunction]
#[pyo3(signature = (path, format = "table"))]
pub(crate) fn run_index_spec(py: Python<'_>, path: PathBuf, format: &str) -> Res<String> {
    let f = format.to_string();
    Ok(py.detach(move || spec::run_spec_file(&path, &f))?)
}
