//! Out-of-sample backtests: fit each method on a panel of series up to a split year, project
//! the following years and score the projections against what happened.
//!
//! Scores per method: the mean absolute percentage error (MAPE, in per cent) of the point
//! forecasts over every (series, year) pair, the same by horizon, and the empirical coverage of
//! the prediction intervals (the share of actual values inside them; a 90 % interval should
//! cover about 90 %). Methods without an interval have no coverage. The Monte Carlo method
//! `bootstrap_growth` resamples each series' own historical yearly growth rates (i.i.d.) and
//! uses the median and the (1 − level)/2, (1 + level)/2 quantiles of the simulated paths.
//!
//! ```
//! use innodex::projection::backtest::{backtest, BacktestConfig, Panel};
//! let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
//! let r = backtest(&panel, &BacktestConfig::default()).unwrap();
//! assert_eq!(r.n_series, 31); // the 31 provinces; the national total is excluded
//! let ll = r.score("log_linear").unwrap();
//! assert_eq!(ll.n_forecasts, 31 * 3);
//! assert!(ll.mape > 0.0 && ll.coverage.is_some());
//! ```

pub mod rolling;
pub mod scores;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ProjectionError;
use super::methods::Method;
use super::monte_carlo::{Channel, McConfig, McModel, Process, simulate};
use crate::stats::Distribution;

/// R&D expenditure and intensity of China's provinces, 2015–2023, first published
/// (`data/china_province_rd_2015_2023.csv`; see `data/README.md` for the source).
/// The same text as [`crate::datasets`]' `china_province_rd`.
pub const CHINA_PROVINCE_RD_CSV: &str = crate::datasets::DATASETS[0].csv;

/// A panel: one annual series per unit (region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    /// What the values are (the column name).
    pub variable: String,
    /// Series by unit: years and values, years strictly increasing.
    pub series: BTreeMap<String, (Vec<i32>, Vec<f64>)>,
}

impl Panel {
    /// Reads a long-format CSV (one row per unit and year) with a header line, through the
    /// crate's one CSV reader ([`crate::io::CsvTable`]: a byte-order mark is dropped, cells
    /// are trimmed). A row with an empty value is skipped (a gap in the series).
    ///
    /// ```
    /// use innodex::projection::backtest::Panel;
    /// let p = Panel::from_csv_str("\u{feff}region,year,v\nA,2020,1\nA,2021,2\n", "region", "year", "v").unwrap();
    /// assert_eq!(p.series["A"], (vec![2020, 2021], vec![1.0, 2.0]));
    /// let e = Panel::from_csv_str("region,year,v\n", "region", "year", "v").unwrap_err();
    /// assert!(e.to_string().contains("no data rows"), "{e}");
    /// ```
    ///
    /// # Errors
    /// [`ProjectionError::InvalidInput`] for no data rows, missing columns (all named), an
    /// unparsable or infinite number (naming line and column) or a repeated (unit, year).
    pub fn from_csv_str(
        text: &str,
        unit_col: &str,
        year_col: &str,
        value_col: &str,
    ) -> Result<Panel, ProjectionError> {
        let bad = |problem: String| ProjectionError::InvalidInput {
            what: "panel CSV".into(),
            problem,
        };
        let table =
            crate::io::CsvTable::parse(text, "panel CSV").map_err(|e| bad(e.to_string()))?;
        let cols = table
            .require(&[unit_col, year_col, value_col])
            .map_err(|e| bad(e.to_string()))?;
        let (ui, yi, vi) = (cols[0], cols[1], cols[2]);
        let mut rows: BTreeMap<String, Vec<(i32, f64)>> = BTreeMap::new();
        for r in 0..table.len() {
            let year = table.year(r, yi).map_err(|e| bad(e.to_string()))?;
            let Some(value) = table.number(r, vi).map_err(|e| bad(e.to_string()))? else {
                continue;
            };
            rows.entry(table.cell(r, ui).to_string())
                .or_default()
                .push((year, value));
        }
        let mut series = BTreeMap::new();
        for (unit, mut r) in rows {
            r.sort_by_key(|p| p.0);
            if r.windows(2).any(|w| w[0].0 == w[1].0) {
                return Err(bad(format!("unit `{unit}` has a repeated year")));
            }
            series.insert(unit, r.into_iter().unzip());
        }
        Ok(Panel {
            variable: value_col.to_string(),
            series,
        })
    }

    /// Reads a long-format CSV file.
    ///
    /// # Errors
    /// As [`Panel::from_csv_str`], or [`ProjectionError::InvalidInput`] if the file cannot be
    /// read.
    pub fn from_csv_path(
        path: impl AsRef<Path>,
        unit_col: &str,
        year_col: &str,
        value_col: &str,
    ) -> Result<Panel, ProjectionError> {
        let path = path.as_ref();
        let text = crate::io::read_text_file(path, crate::io::max_file_bytes()).map_err(|e| {
            ProjectionError::InvalidInput {
                what: format!(
                    "panel file `{}`",
                    crate::io::excerpt(&path.display().to_string(), 160)
                ),
                problem: e.to_string(),
            }
        })?;
        Self::from_csv_str(&text, unit_col, year_col, value_col).map_err(|e| match e {
            ProjectionError::InvalidInput { problem, .. } => ProjectionError::InvalidInput {
                what: format!(
                    "panel file `{}`",
                    crate::io::excerpt(&path.display().to_string(), 160)
                ),
                problem,
            },
            e => e,
        })
    }

    /// One column of the embedded provincial R&D panel (`rd_expenditure_100m_yuan` or
    /// `rd_intensity_pct`), units by English name (`China` is the national total).
    ///
    /// # Errors
    /// An unknown column.
    pub fn china_province_rd(column: &str) -> Result<Panel, ProjectionError> {
        Self::from_csv_str(CHINA_PROVINCE_RD_CSV, "region_en", "year", column)
    }
}

/// Backtest settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BacktestConfig {
    /// Last year used for fitting.
    pub split_year: i32,
    /// Last year projected and scored (`None`: each series' last observation).
    pub last_year: Option<i32>,
    /// First year used for fitting (`None`: each series' first observation).
    pub first_year: Option<i32>,
    /// Coverage of the intervals (0.9).
    pub level: f64,
    /// The deterministic and fitted methods compared.
    pub methods: Vec<Method>,
    /// Paths of the `bootstrap_growth` Monte Carlo method (0 to leave it out).
    pub bootstrap_paths: usize,
    /// Seed of the Monte Carlo method.
    pub seed: u64,
    /// Units left out (by default the national total, `China`).
    pub exclude: Vec<String>,
    /// Size limit of the Monte Carlo method's runs ([`McConfig::max_values`]).
    pub max_values: u64,
    /// Size limit of its quantile buffers ([`McConfig::max_buffer_bytes`]).
    pub max_buffer_bytes: u64,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        BacktestConfig {
            split_year: 2020,
            last_year: None,
            first_year: None,
            level: 0.9,
            methods: vec![
                Method::Cagr,
                Method::MeanIncrement,
                Method::LogLinear,
                Method::Linear,
                Method::DampedHolt {
                    alpha: None,
                    beta: None,
                    phi: None,
                },
            ],
            bootstrap_paths: 10_000,
            seed: crate::DEFAULT_SEED,
            exclude: vec!["China".into()],
            max_values: McConfig::default().max_values,
            max_buffer_bytes: McConfig::default().max_buffer_bytes,
        }
    }
}

/// One projected value against the actual one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestRow {
    /// Unit.
    pub unit: String,
    /// Method.
    pub method: String,
    /// Year.
    pub year: i32,
    /// Years after the split.
    pub horizon: i32,
    /// Actual value.
    pub actual: f64,
    /// Point forecast.
    pub point: f64,
    /// Interval, if the method has one.
    pub lower: Option<f64>,
    /// Interval, if the method has one.
    pub upper: Option<f64>,
}

/// A method's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodScore {
    /// Method name.
    pub method: String,
    /// Number of (unit, year) forecasts scored.
    pub n_forecasts: usize,
    /// Mean absolute percentage error, in per cent.
    pub mape: f64,
    /// MAPE by horizon (years after the split).
    pub mape_by_horizon: Vec<(i32, f64)>,
    /// Share of actual values inside the interval, if the method has intervals.
    pub coverage: Option<f64>,
    /// Units the method could not be applied to, with the reason.
    pub failures: Vec<(String, String)>,
}

/// The result of [`backtest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestResult {
    /// What was projected.
    pub variable: String,
    /// Last fitting year.
    pub split_year: i32,
    /// Interval coverage asked for.
    pub level: f64,
    /// Units scored.
    pub n_series: usize,
    /// One score per method, in the order of the configuration.
    pub scores: Vec<MethodScore>,
    /// Every forecast.
    pub rows: Vec<BacktestRow>,
}

impl BacktestResult {
    /// The score of one method.
    pub fn score(&self, method: &str) -> Option<&MethodScore> {
        self.scores.iter().find(|s| s.method == method)
    }

    /// A plain-text table of the scores.
    pub fn to_table(&self) -> String {
        let mut s = format!(
            "Backtest of `{}`: fit to {}, project {} series; {:.0} % intervals\n\n{:<16} {:>6} {:>8} {:>10}   MAPE by horizon\n",
            self.variable,
            self.split_year,
            self.n_series,
            self.level * 100.0,
            "method",
            "n",
            "MAPE %",
            "coverage"
        );
        for m in &self.scores {
            let cov = m
                .coverage
                .map(|c| format!("{:.1} %", c * 100.0))
                .unwrap_or_else(|| "–".into());
            let by: Vec<String> = m
                .mape_by_horizon
                .iter()
                .map(|(h, e)| format!("h{h}: {e:.2}"))
                .collect();
            s.push_str(&format!(
                "{:<16} {:>6} {:>8.2} {:>10}   {}\n",
                m.method,
                m.n_forecasts,
                m.mape,
                cov,
                by.join(", ")
            ));
            for (u, why) in &m.failures {
                s.push_str(&format!("  not applied to {u}: {why}\n"));
            }
        }
        s
    }

    /// CSV of every forecast.
    pub fn rows_csv(&self) -> String {
        let mut s = String::from("unit,method,year,horizon,actual,point,lower,upper\n");
        let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        for r in &self.rows {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                r.unit,
                r.method,
                r.year,
                r.horizon,
                r.actual,
                r.point,
                o(r.lower),
                o(r.upper)
            ));
        }
        s
    }
}

/// A forecast of one series by one method: years, point, and optional interval.
type Fc = (Vec<i32>, Vec<f64>, Option<(Vec<f64>, Vec<f64>)>);

fn bootstrap_forecast(
    years: &[i32],
    values: &[f64],
    last: i32,
    cfg: &BacktestConfig,
) -> Result<Fc, ProjectionError> {
    let a = (1.0 - cfg.level) / 2.0;
    let mc = McConfig {
        n_paths: cfg.bootstrap_paths,
        seed: cfg.seed,
        quantiles: vec![a, 0.5, 1.0 - a],
        max_values: cfg.max_values,
        max_buffer_bytes: cfg.max_buffer_bytes,
        ..McConfig::default()
    };
    let (out_years, qs) = bootstrap_growth_fan(years, values, last, &mc)?;
    let point = qs.iter().map(|q| q[1]).collect();
    let lo = qs.iter().map(|q| q[0]).collect();
    let hi = qs.iter().map(|q| q[2]).collect();
    Ok((out_years, point, Some((lo, hi))))
}

/// The bootstrap-growth method: yearly growth rates resampled from the observed ones
/// (between consecutive years only), simulated from the last observation to `last`. Returns
/// the forecast years and each one's quantiles at `mc.quantiles`.
pub(super) fn bootstrap_growth_fan(
    years: &[i32],
    values: &[f64],
    last: i32,
    mc: &McConfig,
) -> Result<(Vec<i32>, Vec<Vec<f64>>), ProjectionError> {
    let rates: Vec<f64> = years
        .windows(2)
        .zip(values.windows(2))
        .filter(|(y, v)| y[1] == y[0] + 1 && v[0] > 0.0)
        .map(|(_, v)| v[1] / v[0] - 1.0)
        .collect();
    if rates.is_empty() {
        return Err(ProjectionError::TooFewObservations {
            method: "bootstrap_growth".into(),
            needed: 2,
            got: values.len(),
        });
    }
    let (y0, v0) = (
        *years.last().expect("non-empty"),
        *values.last().expect("non-empty"),
    );
    let model = McModel {
        horizon: last,
        channels: vec![Channel::simulated(
            "x",
            y0,
            v0,
            Process::Growth {
                rate: Distribution::Empirical { values: rates },
                per_path: false,
                shock: None,
            },
        )],
        targets: vec![],
        correlations: vec![],
    };
    let r = simulate(&model, mc)?;
    let fan = r.indicator("x").expect("the channel");
    let out_years: Vec<i32> = (y0 + 1..=last).collect();
    let qs = out_years
        .iter()
        .map(|y| fan.at(*y).expect("simulated year").to_vec())
        .collect();
    Ok((out_years, qs))
}

/// Runs the backtest (see the module docs).
///
/// # Errors
/// [`ProjectionError::InvalidParameter`] for a level outside (0, 1),
/// [`ProjectionError::InvalidInput`] when no unit has data on both sides of the split,
/// [`ProjectionError::TooLarge`] when the Monte Carlo method's runs exceed
/// [`BacktestConfig::max_values`] or [`BacktestConfig::max_buffer_bytes`].
/// Methods that cannot be applied to a unit (e.g. too few points) are listed in
/// [`MethodScore::failures`] instead.
pub fn backtest(panel: &Panel, cfg: &BacktestConfig) -> Result<BacktestResult, ProjectionError> {
    if !(cfg.level > 0.0 && cfg.level < 1.0) {
        return Err(ProjectionError::InvalidParameter {
            what: "backtest level".into(),
            value: cfg.level,
            problem: "must be in (0, 1)",
        });
    }
    let mut names: Vec<String> = cfg.methods.iter().map(|m| m.name().to_string()).collect();
    if cfg.bootstrap_paths > 0 {
        names.push("bootstrap_growth".into());
    }
    let mut rows = vec![];
    let mut failures: Vec<Vec<(String, String)>> = vec![vec![]; names.len()];
    let mut n_series = 0;
    for (unit, (years, values)) in &panel.series {
        if cfg.exclude.contains(unit) {
            continue;
        }
        let fit: Vec<usize> = (0..years.len())
            .filter(|&i| years[i] <= cfg.split_year && cfg.first_year.is_none_or(|f| years[i] >= f))
            .collect();
        let test: Vec<usize> = (0..years.len())
            .filter(|&i| years[i] > cfg.split_year && cfg.last_year.is_none_or(|l| years[i] <= l))
            .collect();
        if fit.is_empty() || test.is_empty() {
            continue;
        }
        n_series += 1;
        let fy: Vec<i32> = fit.iter().map(|&i| years[i]).collect();
        let fv: Vec<f64> = fit.iter().map(|&i| values[i]).collect();
        let last = years[*test.last().expect("non-empty")];
        for (mi, name) in names.iter().enumerate() {
            let fc: Result<Fc, ProjectionError> = match cfg.methods.get(mi) {
                Some(m) => m.forecast(&fy, &fv, last, cfg.level).map(|f| {
                    let iv = (!f.lower.is_empty()).then(|| (f.lower.clone(), f.upper.clone()));
                    (f.years, f.point, iv)
                }),
                None => bootstrap_forecast(&fy, &fv, last, cfg),
            };
            let (fyears, point, iv) = match fc {
                Ok(f) => f,
                // A size limit or a cancellation is about the whole run, not this unit.
                Err(e @ (ProjectionError::TooLarge { .. } | ProjectionError::Cancelled)) => {
                    return Err(e);
                }
                Err(e) => {
                    failures[mi].push((unit.clone(), e.to_string()));
                    continue;
                }
            };
            for &i in &test {
                let Some(k) = fyears.iter().position(|&y| y == years[i]) else {
                    continue;
                };
                rows.push(BacktestRow {
                    unit: unit.clone(),
                    method: name.clone(),
                    year: years[i],
                    horizon: years[i] - cfg.split_year,
                    actual: values[i],
                    point: point[k],
                    lower: iv.as_ref().map(|(l, _)| l[k]),
                    upper: iv.as_ref().map(|(_, u)| u[k]),
                });
            }
        }
    }
    if n_series == 0 {
        return Err(ProjectionError::InvalidInput {
            what: "backtest".into(),
            problem: format!(
                "no unit has observations on both sides of {}",
                cfg.split_year
            ),
        });
    }
    let scores = names
        .iter()
        .zip(failures)
        .map(|(name, failures)| {
            let mine: Vec<&BacktestRow> = rows.iter().filter(|r| &r.method == name).collect();
            let ape = |r: &BacktestRow| ((r.point - r.actual) / r.actual).abs() * 100.0;
            let mean = |v: &[f64]| {
                if v.is_empty() {
                    f64::NAN
                } else {
                    v.iter().sum::<f64>() / v.len() as f64
                }
            };
            let all: Vec<f64> = mine.iter().map(|r| ape(r)).collect();
            let mut hs: Vec<i32> = mine.iter().map(|r| r.horizon).collect();
            hs.sort_unstable();
            hs.dedup();
            let by = hs
                .iter()
                .map(|h| {
                    let v: Vec<f64> = mine
                        .iter()
                        .filter(|r| r.horizon == *h)
                        .map(|r| ape(r))
                        .collect();
                    (*h, mean(&v))
                })
                .collect();
            let with_iv: Vec<&&BacktestRow> = mine.iter().filter(|r| r.lower.is_some()).collect();
            let coverage = (!with_iv.is_empty()).then(|| {
                with_iv
                    .iter()
                    .filter(|r| {
                        r.lower.is_some_and(|l| r.actual >= l)
                            && r.upper.is_some_and(|u| r.actual <= u)
                    })
                    .count() as f64
                    / with_iv.len() as f64
            });
            MethodScore {
                method: name.clone(),
                n_forecasts: mine.len(),
                mape: mean(&all),
                mape_by_horizon: by,
                coverage,
                failures,
            }
        })
        .collect();
    Ok(BacktestResult {
        variable: panel.variable.clone(),
        split_year: cfg.split_year,
        level: cfg.level,
        n_series,
        scores,
        rows,
    })
}
