//! Panels: the index for several years, with normalisation bounds taken over all years so
//! that scores compare across time (as the European Innovation Scoreboard does: "the minimum
//! and maximum are taken over the whole eight-year period"; COINr `Normalise(purse,
//! global = TRUE)`), panel imputation across years, and per-unit trends.
//!
//! Per year, the pipeline runs denomination, cross-section imputation and screening; then the
//! outlier treatment and the normalisation are applied to all years' values together (or year
//! by year with `global_bounds = false`), and each year is aggregated. Treating the pooled
//! panel keeps one decision per indicator (winsorise or log-transform) for every year. A panel imputation method
//! (`carry_forward`, `linear`) in the pipeline is applied across years first.
//!
//! ```
//! use innodex::index::panel::{Panel, PanelSpec};
//! use innodex::index::table::{ColumnNames, UnitData};
//! use innodex::index::Framework;
//! let fw = Framework::from_toml_str(r#"
//!     [[indicators]]
//!     code = "rd_intensity_pct"
//!     parent = "index"
//!     [[aggregates]]
//!     code = "index"
//! "#).unwrap();
//! let text = std::fs::read_to_string("data/china_province_rd_2015_2023.csv").unwrap();
//! let names = ColumnNames::new("region_en", "region_zh", "year");
//! let data = UnitData::from_csv_str_with(&text, "china", &names, &fw.indicator_codes(), &[], &[]).unwrap();
//! let panel = Panel::new(fw, data).unwrap();
//! let built = panel.build(&PanelSpec::default()).unwrap();
//! assert_eq!(built.years, (2015..=2023).collect::<Vec<_>>());
//! // With bounds over all years, Beijing's 2022 intensity (6.83 %, the highest of the whole
//! // panel) scores 100; its 2023 value (6.73 %) scores below 100, which a year-by-year
//! // normalisation would have hidden.
//! let t = built.table("index").unwrap();
//! let bj = &t[built.units.iter().position(|u| u == "Beijing").unwrap()];
//! assert_eq!(bj[7], 100.0);
//! assert!(bj[8] < 100.0);
//! ```

use serde::{Deserialize, Serialize};

use super::aggregate;
use super::error::IndexError;
use super::framework::Framework;
use super::impute;
use super::pipeline::{PipelineSpec, Stage, engine};
use super::stats;
use super::table::UnitData;

/// How to build a panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelSpec {
    /// The pipeline applied to each year.
    #[serde(default)]
    pub pipeline: PipelineSpec,
    /// Normalise over all years together (default true).
    #[serde(default = "crate::io::defaults::yes")]
    pub global_bounds: bool,
}

impl Default for PanelSpec {
    fn default() -> Self {
        PanelSpec {
            pipeline: PipelineSpec::default(),
            global_bounds: true,
        }
    }
}

impl PanelSpec {
    /// A panel spec with the given pipeline and global bounds.
    pub fn with(pipeline: PipelineSpec) -> PanelSpec {
        PanelSpec {
            pipeline,
            global_bounds: true,
        }
    }
}

/// Unit data over several years.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Panel {
    /// The framework.
    pub framework: Framework,
    /// The data, one row per unit and year.
    pub data: UnitData,
}

/// One unit's trend in a node's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Unit.
    pub unit: String,
    /// First year with a score.
    pub first_year: i32,
    /// Last year with a score.
    pub last_year: i32,
    /// Score in the first year.
    pub first: f64,
    /// Score in the last year.
    pub last: f64,
    /// last − first.
    pub change: f64,
    /// Compound yearly growth between first and last ((last/first)^(1/n) − 1; `NaN` unless
    /// both are positive and the years differ).
    pub cagr: f64,
    /// Least-squares slope of the score on the year (points a year).
    pub slope: f64,
    /// Years with a score.
    pub n_years: usize,
}

/// A built panel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PanelBuild {
    /// The framework.
    pub framework: Framework,
    /// Years, ascending.
    pub years: Vec<i32>,
    /// Per year, the scores of every node (rows: units kept that year).
    pub scores: Vec<Stage>,
    /// All units of the panel, in order of first appearance.
    pub units: Vec<String>,
}

impl Panel {
    /// A panel from a framework and long unit data (with years).
    ///
    /// # Errors
    /// [`IndexError::Mismatch`] if rows lack a year or the indicator columns are not the
    /// framework's; [`IndexError::DuplicateCode`] for a unit repeated within a year.
    pub fn new(framework: Framework, data: UnitData) -> Result<Panel, IndexError> {
        data.check_values()?;
        if data.time.iter().any(|t| t.is_none()) {
            return Err(IndexError::Mismatch(
                "every row of a panel needs a year".into(),
            ));
        }
        if data.indicators != framework.indicator_codes() {
            return Err(IndexError::Mismatch(
                "the data's indicator columns must be the framework's indicators, in framework order".into(),
            ));
        }
        for y in data.years() {
            data.year(y)
                .check_unique_units()
                .map_err(|e| IndexError::Mismatch(format!("year {y}: {e}")))?;
        }
        Ok(Panel { framework, data })
    }

    /// Reads a panel from COINr-style `iData` (with a `Time` column) and `iMeta`.
    ///
    /// # Errors
    /// Reading and validation errors.
    pub fn from_csv(
        idata: impl AsRef<std::path::Path>,
        imeta: impl AsRef<std::path::Path>,
    ) -> Result<Panel, IndexError> {
        let (meta, data) = super::table::read_tables(idata, imeta)?;
        Panel::new(meta.framework, data)
    }

    /// The years present.
    pub fn years(&self) -> Vec<i32> {
        self.data.years()
    }

    /// Applies a panel imputation method across years.
    fn impute_panel(&self, method: &impute::Imputation) -> UnitData {
        let mut data = self.data.clone();
        let mut units: Vec<&String> = Vec::new();
        for u in &self.data.units {
            if !units.contains(&u) {
                units.push(u);
            }
        }
        for u in units {
            let mut rows: Vec<usize> = (0..data.n_rows())
                .filter(|&r| &data.units[r] == u)
                .collect();
            rows.sort_by_key(|&r| data.time[r]);
            let years: Vec<i32> = rows
                .iter()
                .map(|&r| data.time[r].unwrap_or_default())
                .collect();
            for col in data.values.iter_mut() {
                let x: Vec<f64> = rows.iter().map(|&r| col[r]).collect();
                let (y, _) = impute::impute_panel_column(&years, &x, method);
                for (k, &r) in rows.iter().enumerate() {
                    col[r] = y[k];
                }
            }
        }
        data
    }

    /// Builds the index for every year.
    ///
    /// # Errors
    /// Any stage's error, prefixed with the year where it occurred.
    pub fn build(&self, spec: &PanelSpec) -> Result<PanelBuild, IndexError> {
        let fw = &self.framework;
        let data = match &spec.pipeline.impute {
            Some(m) if m.is_panel() => self.impute_panel(m),
            _ => self.data.clone(),
        };
        let years = data.years();
        let r = engine::resolve_with(fw, &data, &spec.pipeline, true)?;
        let in_year = |y: i32, e: IndexError| IndexError::Mismatch(format!("year {y}: {e}"));
        // With bounds over all years, the outlier treatment is also decided once on the pooled
        // panel: decided year by year it could log-transform an indicator in one year and only
        // winsorise it in the next, and scores would no longer compare across years.
        let pooled = spec.global_bounds && r.treat.is_some();
        let mut per_year_r = r.clone();
        if pooled {
            per_year_r.treat = None;
        }
        let mut per_year = Vec::with_capacity(years.len());
        for &y in &years {
            let d = data.year(y);
            let (rows, treated) =
                engine::treated(fw, &d, &per_year_r).map_err(|e| in_year(y, e))?;
            let units: Vec<String> = rows.iter().map(|&k| d.units[k].clone()).collect();
            per_year.push((y, units, treated));
        }
        let normalised: Vec<Vec<Vec<f64>>> = if spec.global_bounds {
            let mut joint: Vec<Vec<f64>> = (0..fw.n_indicators())
                .map(|j| {
                    per_year
                        .iter()
                        .flat_map(|(_, _, t)| t[j].iter().copied())
                        .collect()
                })
                .collect();
            if let (true, Some(t)) = (pooled, &r.treat) {
                joint = engine::treat_values(fw, &joint, t)?;
            }
            let norm = engine::normalise(fw, &joint, &r.norms)?;
            let mut out = Vec::with_capacity(per_year.len());
            let mut start = 0;
            for (_, units, _) in &per_year {
                let n = units.len();
                out.push(norm.iter().map(|c| c[start..start + n].to_vec()).collect());
                start += n;
            }
            out
        } else {
            per_year
                .iter()
                .map(|(y, _, t)| engine::normalise(fw, t, &r.norms).map_err(|e| in_year(*y, e)))
                .collect::<Result<_, _>>()?
        };
        let mut scores = Vec::with_capacity(years.len());
        for ((y, units, _), norm) in per_year.iter().zip(normalised) {
            let all =
                aggregate::aggregate(fw, &norm, units, &r.weights, &r.aggs, r.min_availability)
                    .map_err(|e| in_year(*y, e))?;
            scores.push(Stage {
                name: format!("aggregated {y}"),
                units: units.clone(),
                indicators: fw.codes(),
                values: all,
            });
        }
        let mut units: Vec<String> = Vec::new();
        for u in &data.units {
            if !units.contains(u) {
                units.push(u.clone());
            }
        }
        Ok(PanelBuild {
            framework: fw.clone(),
            years,
            scores,
            units,
        })
    }
}

impl PanelBuild {
    /// A node's scores as `table[unit][year]` (units as [`PanelBuild::units`], years as
    /// [`PanelBuild::years`]; missing where the unit was absent or screened out).
    ///
    /// # Errors
    /// [`IndexError::Unknown`].
    pub fn table(&self, code: &str) -> Result<Vec<Vec<f64>>, IndexError> {
        let i = self.framework.require(code)?;
        Ok(self
            .units
            .iter()
            .map(|u| {
                self.scores
                    .iter()
                    .map(|s| {
                        s.units
                            .iter()
                            .position(|x| x == u)
                            .map(|r| s.values[i][r])
                            .unwrap_or(f64::NAN)
                    })
                    .collect()
            })
            .collect())
    }

    /// A node's ranks per year, laid out as [`PanelBuild::table`].
    ///
    /// # Errors
    /// [`IndexError::Unknown`].
    pub fn rank_table(&self, code: &str) -> Result<Vec<Vec<f64>>, IndexError> {
        let t = self.table(code)?;
        let ny = self.years.len();
        let mut out = vec![vec![f64::NAN; ny]; self.units.len()];
        for y in 0..ny {
            let col: Vec<f64> = t.iter().map(|r| r[y]).collect();
            for (u, r) in stats::rank_desc(&col).into_iter().enumerate() {
                out[u][y] = r;
            }
        }
        Ok(out)
    }

    /// Per-unit trends of a node's score.
    ///
    /// # Errors
    /// [`IndexError::Unknown`].
    pub fn trends(&self, code: &str) -> Result<Vec<Trend>, IndexError> {
        let t = self.table(code)?;
        Ok(self
            .units
            .iter()
            .zip(t)
            .filter_map(|(u, row)| {
                let obs: Vec<(i32, f64)> = self
                    .years
                    .iter()
                    .copied()
                    .zip(row)
                    .filter(|(_, v)| !v.is_nan())
                    .collect();
                let (&(y0, v0), &(y1, v1)) = (obs.first()?, obs.last()?);
                let xs: Vec<f64> = obs.iter().map(|o| o.0 as f64).collect();
                let ys: Vec<f64> = obs.iter().map(|o| o.1).collect();
                let mx = stats::mean(&xs);
                let my = stats::mean(&ys);
                let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
                let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
                let cagr = if v0 > 0.0 && v1 > 0.0 && y1 > y0 {
                    // The span in f64: `y1 - y0` overflows an i32 for far-apart years (fuzzing).
                    crate::growth::compound_rate(v0, v1, f64::from(y1) - f64::from(y0))
                } else {
                    f64::NAN
                };
                Some(Trend {
                    unit: u.clone(),
                    first_year: y0,
                    last_year: y1,
                    first: v0,
                    last: v1,
                    change: v1 - v0,
                    cagr,
                    slope: if sxx > 0.0 { sxy / sxx } else { f64::NAN },
                    n_years: obs.len(),
                })
            })
            .collect())
    }
}
