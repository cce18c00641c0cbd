//! The `Plan` class: load, validate, override observations, evaluate targets.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyType;

use super::{PlanError, Res, err, raise};
use innodex::plan::{BUILTIN_PLANS, Plan};
use innodex::report::{Format, PlanReport};
use innodex::series::Provenance;

crate::state::pickle_by_state!(PyPlan);

/// A plan: region, period, indicators, observations and targets.
#[pyclass(name = "Plan", module = "innodex._core")]
#[derive(Clone)]
pub(crate) struct PyPlan {
    pub(crate) inner: Plan,
}

#[pymethods]
impl PyPlan {
    /// An embedded plan (default: the Linyi 2021–2025 plan).
    #[staticmethod]
    #[pyo3(signature = (name = "linyi-2021-2025"))]
    fn builtin(name: &str) -> Res<Self> {
        Ok(PyPlan {
            inner: Plan::builtin(name)?,
        })
    }

    /// Parses a plan from TOML text.
    #[staticmethod]
    fn from_toml(text: &str) -> Res<Self> {
        Ok(PyPlan {
            inner: Plan::from_toml_str(text)?,
        })
    }

    /// Parses a plan from JSON text of the plan-file structure (`Plan.from_dict`).
    #[staticmethod]
    fn from_json(text: &str) -> Res<Self> {
        Ok(PyPlan {
            inner: Plan::from_json_str(text)?,
        })
    }

    /// The plan with a target (JSON of the `[[targets]]` fields) added or replacing the one of
    /// the same id.
    fn with_target_json(&self, text: &str) -> Res<Self> {
        // A malformed target is a plan error (PlanError), not a bare input error.
        let spec: innodex::target::TargetSpec =
            innodex::io::parse_json(text, "target").map_err(innodex::plan::PlanError::from)?;
        let target = innodex::target::Target::try_from(spec)?;
        Ok(PyPlan {
            inner: self.inner.with_target(target)?,
        })
    }

    /// Reads a plan file.
    #[staticmethod]
    fn from_file(path: PathBuf) -> Res<Self> {
        Ok(PyPlan {
            inner: Plan::from_path(&path)?,
        })
    }

    /// Names of the embedded plans.
    #[classmethod]
    fn builtin_names(_cls: &Bound<'_, PyType>) -> Vec<&'static str> {
        BUILTIN_PLANS.to_vec()
    }

    /// The plan in its TOML file format.
    fn to_toml(&self) -> String {
        self.inner.to_toml_string()
    }

    /// Plan id.
    #[getter]
    fn id(&self) -> String {
        self.inner.meta().id.clone()
    }

    /// Region name in English.
    #[getter]
    fn region(&self) -> String {
        self.inner.meta().region.en.clone()
    }

    /// (base year, final year).
    #[getter]
    fn period(&self) -> (i32, i32) {
        let [a, b] = self.inner.meta().period;
        (a, b)
    }

    /// Target ids in plan order.
    fn target_ids(&self) -> Vec<String> {
        self.inner.targets().iter().map(|t| t.id.clone()).collect()
    }

    /// Indicator ids in plan order.
    fn indicator_ids(&self) -> Vec<String> {
        self.inner
            .indicators()
            .iter()
            .map(|i| i.id.clone())
            .collect()
    }

    /// Sets or replaces an observation (e.g. a baseline). `kind` is `assumed` (default),
    /// `implied` or `observed` (then `note` is the source).
    #[pyo3(signature = (indicator, *, year, value, note = "set from Python", kind = "assumed"))]
    fn set_observation(
        &mut self,
        indicator: &str,
        year: i32,
        value: f64,
        note: &str,
        kind: &str,
    ) -> Res<()> {
        let provenance = match kind {
            "assumed" => Provenance::Assumed { note: note.into() },
            "implied" => Provenance::Implied { note: note.into() },
            "observed" => Provenance::Observed {
                source: note.into(),
                vintage: String::new(),
                confidence: String::new(),
            },
            other => {
                return Err(raise::<PlanError>(format!(
                    "kind must be 'assumed', 'implied' or 'observed', got {other:?}"
                )));
            }
        };
        Ok(self
            .inner
            .set_observation(indicator, year, value, provenance)?)
    }

    /// The verdict (one row per target) as JSON text; with the JSON of a projection of this
    /// plan, the rows carry P(met) and the median attainment year of each scenario.
    #[pyo3(signature = (projection_json = None))]
    fn verdict_json(&self, projection_json: Option<&str>) -> Res<String> {
        let projection: Option<innodex::scenario::PlanProjection> = projection_json
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| err::<PlanError>(format!("projection: {e}")))?;
        let v = innodex::assessment::verdict(&self.inner, projection.as_ref());
        Ok(serde_json::to_string(&v).expect("serialisable"))
    }

    /// The plan with more evidence from a CSV table (see `innodex::evidence`).
    fn with_observations_csv(&self, text: &str) -> Res<Self> {
        let rows = innodex::evidence::read_observations_csv(&self.inner, text)?;
        Ok(PyPlan {
            inner: self.inner.with_evidence(rows)?,
        })
    }

    /// The plan as it could be assessed on `date` (YYYY, YYYY-MM or YYYY-MM-DD).
    fn as_of(&self, date: &str) -> Res<Self> {
        let d: innodex::series::PubDate = date
            .parse()
            .map_err(|e: String| err::<PlanError>(format!("as_of: {e}")))?;
        Ok(PyPlan {
            inner: self.inner.as_of(d)?,
        })
    }

    /// The plan with every "about" target's tolerance set to `tolerance`.
    fn with_about(&self, tolerance: f64) -> Res<Self> {
        Ok(PyPlan {
            inner: self.inner.with_about(tolerance)?,
        })
    }

    /// The plan with every target read by its alternative reading.
    fn with_alternative_readings(&self) -> Self {
        PyPlan {
            inner: self.inner.with_alternative_readings(),
        }
    }

    /// Every piece of evidence (all vintages) as JSON text.
    fn evidence_json(&self) -> String {
        serde_json::to_string(self.inner.evidence()).expect("serialisable")
    }

    /// Figures over spans of years as JSON text (a list of objects).
    fn spans_json(&self) -> String {
        serde_json::to_string(self.inner.spans()).expect("serialisable")
    }

    /// The full report (every target) as JSON text.
    fn report_json(&self) -> String {
        PlanReport::new(&self.inner).to_json()
    }

    /// The report rendered as `table`, `markdown`, `csv` or `json`.
    #[pyo3(signature = (format = "table"))]
    fn report(&self, format: &str) -> Res<String> {
        let f = match format {
            "table" => Format::Table,
            "markdown" => Format::Markdown,
            "csv" => Format::Csv,
            "json" => Format::Json,
            other => {
                return Err(raise::<PlanError>(format!(
                    "format must be 'table', 'markdown', 'csv' or 'json', got {other:?}"
                )));
            }
        };
        Ok(PlanReport::new(&self.inner).render(f))
    }

    /// Indicators as JSON text (a list of objects).
    fn indicators_json(&self) -> String {
        serde_json::to_string(self.inner.indicators()).expect("serialisable")
    }

    /// Observations as JSON text: indicator, year, value, provenance.
    fn observations_json(&self) -> String {
        let rows: Vec<serde_json::Value> = self
            .inner
            .indicators()
            .iter()
            .flat_map(|ind| {
                self.inner
                    .series(&ind.id)
                    .map(|s| s.points().to_vec())
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |p| {
                        serde_json::json!({
                            "indicator": ind.id,
                            "year": p.year,
                            "value": p.value,
                            "provenance": p.provenance.label(),
                            "source": p.provenance.describe(),
                        })
                    })
            })
            .collect();
        serde_json::to_string(&rows).expect("serialisable")
    }

    fn __repr__(&self) -> String {
        let m = self.inner.meta();
        format!(
            "<Plan {} ({}, {}–{}): {} indicators, {} targets>",
            m.id,
            m.region.en,
            m.period[0],
            m.period[1],
            self.inner.indicators().len(),
            self.inner.targets().len()
        )
    }
}

/// The shipped data sets: (name, file, description) each.
#[pyfunction]
pub(crate) fn dataset_names() -> Vec<(String, String, String)> {
    innodex::datasets::DATASETS
        .iter()
        .map(|d| (d.name.into(), d.file.into(), d.description.into()))
        .collect()
}

/// The CSV text of a shipped data set.
#[pyfunction]
pub(crate) fn dataset_csv(name: &str) -> Res<&'static str> {
    innodex::datasets::dataset(name)
        .map(|d| d.csv)
        .ok_or_else(|| {
            let names: Vec<&str> = innodex::datasets::DATASETS.iter().map(|d| d.name).collect();
            raise::<PlanError>(format!(
                "no data set `{}`; the shipped ones are {}",
                innodex::io::excerpt(name, 60),
                names.join(", ")
            ))
        })
}
