//! Rolling-origin backtests (Tashman 2000, "Out-of-sample tests of forecasting accuracy: an
//! analysis and review", *IJF* 16(4)): for each forecast origin o, every method is fitted to
//! each unit's observations up to o and projects years o + 1 … o + h; each projection is a full
//! predictive distribution, stored as 199 quantiles ([`super::scores::GRID`]), and is scored
//! against the actual value: absolute percentage error of the median, coverage and width of
//! the central 50/80/90/95 % intervals, the CRPS and the PIT, by method and horizon.
//!
//! Predictive distributions: the fitted trends' t-based predictive on their scale (ln y for
//! `log_linear`, y for `linear`, the logit for `logistic_trend`; n − 2 degrees of freedom),
//! damped Holt's normal ETS(A,Ad,N) predictive, and the Monte Carlo method `bootstrap_growth`
//! (each unit's own yearly growth rates resampled i.i.d.; its quantiles are order statistics of
//! the simulated paths). Methods without an interval (`cagr`, `mean_increment`) are scored on
//! their point forecast only (their CRPS is the absolute error).
//!
//! Widths and the CRPS are reported relative to the actual value, in per cent, so that units
//! of very different size (Guangdong and Tibet) weigh alike, as in the MAPE.
//!
//! ```
//! use innodex::projection::backtest::Panel;
//! use innodex::projection::backtest::rolling::{rolling_backtest, RollingConfig};
//! let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
//! let cfg = RollingConfig { origins: vec![2019, 2020], bootstrap_paths: 500, ..RollingConfig::default() };
//! let r = rolling_backtest(&panel, &cfg).unwrap();
//! let ll = r.score("log_linear", None).unwrap();
//! assert_eq!(ll.n, 31 * 3 + 31 * 3); // origin 2019: 2020–2022; 2020: 2021–2023
//! assert!(ll.coverage[2] > 0.3 && ll.coverage[2] < 1.0); // 90 % interval
//! ```

use serde::{Deserialize, Serialize};

use super::scores::{
    GRID, central_interval, crps_quantiles, grid_levels, grid_median, pit_histogram, pit_quantiles,
};
use super::{BacktestConfig, Panel};
use crate::projection::ProjectionError;
use crate::projection::fit::{normal_quantile, t_quantile};
use crate::projection::methods::{Method, inv_logit, logit};
use crate::projection::monte_carlo::McConfig;

/// Rolling-origin backtest settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RollingConfig {
    /// Forecast origins: last year of each fit (e.g. 2017, 2018, 2019, 2020).
    pub origins: Vec<i32>,
    /// Horizons 1 … `max_horizon` are projected and scored (3).
    pub max_horizon: i32,
    /// No observation after this year is used, for fitting or scoring (`None`: all). This is
    /// how a calibration is kept from ever seeing the years it is scored on
    /// ([`crate::projection::calibration`]).
    pub data_until: Option<i32>,
    /// First year used for fitting (`None`: each series' first observation).
    pub first_year: Option<i32>,
    /// Fit to the last `window` observations up to each origin only (`None`: every
    /// observation from `first_year`). A fixed window gives every origin fits of one length,
    /// which makes forecast errors at different origins more alike (exchangeable).
    pub window: Option<usize>,
    /// Central interval levels scored (0.5, 0.8, 0.9, 0.95); each (1 ∓ level)/2 must be a
    /// multiple of 0.005.
    pub levels: Vec<f64>,
    /// The deterministic and fitted methods compared.
    pub methods: Vec<Method>,
    /// Paths of the `bootstrap_growth` Monte Carlo method (0 to leave it out).
    pub bootstrap_paths: usize,
    /// Seed of the Monte Carlo method (the same for every unit and origin).
    pub seed: u64,
    /// Units left out (by default the national total, `China`).
    pub exclude: Vec<String>,
    /// Size limit of the Monte Carlo method's runs ([`McConfig::max_values`]).
    pub max_values: u64,
    /// Size limit of its quantile buffers ([`McConfig::max_buffer_bytes`]).
    pub max_buffer_bytes: u64,
    /// How a calibration learnt from this backtest builds its intervals
    /// ([`crate::projection::calibration::evaluate`]); unused by the backtest itself.
    pub conformal: crate::projection::calibration::Conformal,
}

impl Default for RollingConfig {
    fn default() -> Self {
        let b = BacktestConfig::default();
        RollingConfig {
            origins: vec![2017, 2018, 2019, 2020],
            max_horizon: 3,
            data_until: None,
            first_year: None,
            window: None,
            levels: vec![0.5, 0.8, 0.9, 0.95],
            methods: b.methods,
            bootstrap_paths: 2000,
            seed: b.seed,
            exclude: b.exclude,
            max_values: b.max_values,
            max_buffer_bytes: b.max_buffer_bytes,
            conformal: Default::default(),
        }
    }
}

/// One forecast of one unit's value, against the actual value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingRow {
    /// Unit.
    pub unit: String,
    /// Method.
    pub method: String,
    /// Forecast origin (last fitted year).
    pub origin: i32,
    /// Years after the origin.
    pub horizon: i32,
    /// Year forecast.
    pub year: i32,
    /// Actual value.
    pub actual: f64,
    /// Point forecast (the predictive median for methods with a distribution).
    pub point: f64,
    /// Bounds of the central intervals at [`RollingResult::levels`] (empty for point methods).
    pub intervals: Vec<(f64, f64)>,
    /// PIT value F(actual) (`None` for point methods).
    pub pit: Option<f64>,
    /// CRPS, in the unit of the values.
    pub crps: f64,
    /// The predictive quantiles on the grid ([`super::scores::grid_levels`]); not serialised.
    #[serde(skip)]
    pub quantiles: Option<Vec<f64>>,
}

/// A forecast of one value: a point, or a predictive distribution as grid quantiles.
#[derive(Debug, Clone, PartialEq)]
pub enum Predictive {
    /// A point forecast only.
    Point(f64),
    /// Quantiles at [`super::scores::grid_levels`].
    Quantiles(Vec<f64>),
}

impl RollingRow {
    /// Builds a row from a forecast and the actual value, scoring it at `levels`.
    pub fn new(
        unit: &str,
        method: &str,
        origin: i32,
        year: i32,
        actual: f64,
        forecast: Predictive,
        levels: &[f64],
    ) -> RollingRow {
        let (point, quantiles) = match forecast {
            Predictive::Point(p) => (p, None),
            Predictive::Quantiles(q) => (f64::NAN, Some(q)),
        };
        let (point, intervals, pit, crps) = match &quantiles {
            Some(q) => (
                grid_median(q),
                levels.iter().map(|&l| central_interval(q, l)).collect(),
                Some(pit_quantiles(q, actual)),
                crps_quantiles(q, actual),
            ),
            None => (point, vec![], None, (point - actual).abs()),
        };
        RollingRow {
            unit: unit.into(),
            method: method.into(),
            origin,
            horizon: year - origin,
            year,
            actual,
            point,
            intervals,
            pit,
            crps,
            quantiles,
        }
    }
}

/// Scores of one method, over all horizons or one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingScore {
    /// Method.
    pub method: String,
    /// Horizon (`None`: every horizon pooled).
    pub horizon: Option<i32>,
    /// Forecasts scored.
    pub n: usize,
    /// Mean absolute percentage error of the point forecast, %.
    pub mape: f64,
    /// Share of actual values inside the central interval, per level (empty for point
    /// methods).
    pub coverage: Vec<f64>,
    /// Mean interval width relative to the actual value, %, per level.
    pub width: Vec<f64>,
    /// Mean CRPS relative to the actual value, % (for point methods the MAPE).
    pub crps: f64,
    /// PIT histogram: counts in 10 equal bins of [0, 1] (empty for point methods).
    pub pit: Vec<usize>,
}

/// The result of [`rolling_backtest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingResult {
    /// What was projected.
    pub variable: String,
    /// Forecast origins.
    pub origins: Vec<i32>,
    /// Largest horizon.
    pub max_horizon: i32,
    /// Last year of data used.
    pub data_until: Option<i32>,
    /// Interval levels scored.
    pub levels: Vec<f64>,
    /// Units scored.
    pub n_series: usize,
    /// Methods, in the order of the configuration (`bootstrap_growth` last).
    pub methods: Vec<String>,
    /// Scores per method: pooled over horizons first, then by horizon.
    pub scores: Vec<RollingScore>,
    /// Units a method could not be applied to at an origin: (method, origin, unit, reason).
    pub failures: Vec<(String, i32, String, String)>,
    /// Every forecast.
    pub rows: Vec<RollingRow>,
}

/// Scores of `rows` (one method's) pooled, or for one horizon.
pub fn score_rows(
    method: &str,
    horizon: Option<i32>,
    rows: &[&RollingRow],
    nl: usize,
) -> RollingScore {
    let mean = |v: &mut dyn Iterator<Item = f64>| {
        let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
        if n == 0 { f64::NAN } else { s / n as f64 }
    };
    let with_iv: Vec<&&RollingRow> = rows.iter().filter(|r| r.intervals.len() == nl).collect();
    let (coverage, width) = if with_iv.is_empty() || nl == 0 {
        (vec![], vec![])
    } else {
        (
            (0..nl)
                .map(|l| {
                    with_iv
                        .iter()
                        .filter(|r| {
                            let (lo, hi) = r.intervals[l];
                            r.actual >= lo && r.actual <= hi
                        })
                        .count() as f64
                        / with_iv.len() as f64
                })
                .collect(),
            (0..nl)
                .map(|l| {
                    mean(&mut with_iv.iter().map(|r| {
                        let (lo, hi) = r.intervals[l];
                        (hi - lo) / r.actual.abs() * 100.0
                    }))
                })
                .collect(),
        )
    };
    let pits: Vec<f64> = rows.iter().filter_map(|r| r.pit).collect();
    RollingScore {
        method: method.into(),
        horizon,
        n: rows.len(),
        mape: mean(
            &mut rows
                .iter()
                .map(|r| ((r.point - r.actual) / r.actual).abs() * 100.0),
        ),
        coverage,
        width,
        crps: mean(&mut rows.iter().map(|r| r.crps / r.actual.abs() * 100.0)),
        pit: if pits.is_empty() {
            vec![]
        } else {
            pit_histogram(&pits, 10)
        },
    }
}

/// Scores of every method in `methods` over `rows`: pooled, then per horizon 1 … `max_h`.
pub fn score_all(
    methods: &[String],
    rows: &[RollingRow],
    levels: &[f64],
    max_h: i32,
) -> Vec<RollingScore> {
    let mut out = vec![];
    for m in methods {
        let mine: Vec<&RollingRow> = rows.iter().filter(|r| &r.method == m).collect();
        out.push(score_rows(m, None, &mine, levels.len()));
        for h in 1..=max_h {
            let at: Vec<&RollingRow> = mine.iter().copied().filter(|r| r.horizon == h).collect();
            if !at.is_empty() {
                out.push(score_rows(m, Some(h), &at, levels.len()));
            }
        }
    }
    out
}

impl RollingResult {
    /// The scores of one method, pooled (`horizon = None`) or at one horizon.
    pub fn score(&self, method: &str, horizon: Option<i32>) -> Option<&RollingScore> {
        self.scores
            .iter()
            .find(|s| s.method == method && s.horizon == horizon)
    }

    /// A plain-text table of the scores.
    pub fn to_table(&self) -> String {
        let origins: Vec<String> = self.origins.iter().map(|o| o.to_string()).collect();
        let mut s = format!(
            "Rolling-origin backtest of `{}`: origins {}, horizons 1–{}, {} series{}\n\n",
            self.variable,
            origins.join(", "),
            self.max_horizon,
            self.n_series,
            self.data_until
                .map(|y| format!(", data up to {y}"))
                .unwrap_or_default()
        );
        s.push_str(&score_table(&self.scores, &self.levels));
        for (m, o, u, why) in &self.failures {
            s.push_str(&format!("  {m} not applied to {u} at origin {o}: {why}\n"));
        }
        s
    }

    /// CSV of every forecast: unit, method, origin, horizon, year, actual, point, then lower
    /// and upper bound per level, PIT and CRPS.
    pub fn rows_csv(&self) -> String {
        let mut s = String::from("unit,method,origin,horizon,year,actual,point");
        for l in &self.levels {
            let p = (l * 100.0).round();
            s.push_str(&format!(",lower{p},upper{p}"));
        }
        s.push_str(",pit,crps\n");
        for r in &self.rows {
            s.push_str(&format!(
                "{},{},{},{},{},{},{}",
                r.unit, r.method, r.origin, r.horizon, r.year, r.actual, r.point
            ));
            for i in 0..self.levels.len() {
                match r.intervals.get(i) {
                    Some((a, b)) => s.push_str(&format!(",{a},{b}")),
                    None => s.push_str(",,"),
                }
            }
            s.push_str(&format!(
                ",{},{}\n",
                r.pit.map(|p| p.to_string()).unwrap_or_default(),
                r.crps
            ));
        }
        s
    }
}

/// A text table of scores: method, horizon, n, MAPE, coverage per level, mean width and CRPS.
pub fn score_table(scores: &[RollingScore], levels: &[f64]) -> String {
    let mut s = format!("{:<17} {:>3} {:>5} {:>7}", "method", "h", "n", "MAPE%");
    for l in levels {
        s.push_str(&format!(" {:>6}", format!("cov{}", (l * 100.0).round())));
    }
    let wl = levels
        .iter()
        .position(|l| (*l - 0.9).abs() < 1e-9)
        .unwrap_or(levels.len().saturating_sub(1));
    s.push_str(&format!(
        " {:>9} {:>6}  PIT histogram (10 bins)\n",
        levels
            .get(wl)
            .map(|l| format!("width{}%", (l * 100.0).round()))
            .unwrap_or_default(),
        "CRPS%"
    ));
    for r in scores {
        s.push_str(&format!(
            "{:<17} {:>3} {:>5} {:>7.2}",
            r.method,
            r.horizon
                .map(|h| h.to_string())
                .unwrap_or_else(|| "all".into()),
            r.n,
            r.mape
        ));
        for i in 0..levels.len() {
            match r.coverage.get(i) {
                Some(c) => s.push_str(&format!(" {:>6}", format!("{:.1}", c * 100.0))),
                None => s.push_str(&format!(" {:>6}", "–")),
            }
        }
        match r.width.get(wl) {
            Some(w) => s.push_str(&format!(" {w:>9.2}")),
            None => s.push_str(&format!(" {:>9}", "–")),
        }
        s.push_str(&format!(" {:>6.2}", r.crps));
        if !r.pit.is_empty() {
            let p: Vec<String> = r.pit.iter().map(|c| c.to_string()).collect();
            s.push_str(&format!("  {}", p.join(" ")));
        }
        s.push('\n');
    }
    s
}

/// Years, point forecasts and (for methods with a distribution) one quantile grid per year.
type Grids = (Vec<i32>, Vec<f64>, Option<Vec<Vec<f64>>>);

/// The transformation of a fitted trend's scale.
#[derive(Clone, Copy)]
enum Scale {
    Level,
    Log,
    Logit(f64),
}

impl Scale {
    fn to(self, v: f64) -> f64 {
        match self {
            Scale::Level => v,
            Scale::Log => v.ln(),
            Scale::Logit(k) => logit(v, k).unwrap_or(f64::NAN),
        }
    }
    fn back(self, z: f64) -> f64 {
        match self {
            Scale::Level => z,
            Scale::Log => z.exp(),
            Scale::Logit(k) => inv_logit(z, k),
        }
    }
}

/// The predictive quantile grids (one per projected year) of a method with an interval, from
/// its forecast at one level: the interval's half-width on the method's scale is
/// q(0.95) · scale, with q the t quantile on n − 2 degrees of freedom for the trends and the
/// normal quantile for damped Holt; every grid quantile is then center + q(τ) · scale.
fn method_grids(
    m: &Method,
    years: &[i32],
    values: &[f64],
    last: i32,
) -> Result<Grids, ProjectionError> {
    let f = m.forecast(years, values, last, 0.9)?;
    if f.lower.is_empty() {
        return Ok((f.years, f.point, None));
    }
    let (scale, df) = match m {
        Method::LogLinear => (Scale::Log, Some((years.len() - 2) as f64)),
        Method::Linear => (Scale::Level, Some((years.len() - 2) as f64)),
        Method::LogisticTrend { ceiling } => {
            (Scale::Logit(*ceiling), Some((years.len() - 2) as f64))
        }
        _ => (Scale::Level, None),
    };
    let q = |p: f64| match df {
        Some(d) => t_quantile(p, d).unwrap_or(f64::NAN),
        None => normal_quantile(p),
    };
    let q95 = q(0.95);
    let taus = grid_levels();
    let qt: Vec<f64> = taus.iter().map(|&t| q(t)).collect();
    let grids = (0..f.years.len())
        .map(|i| {
            let c = scale.to(f.point[i]);
            let sc = (scale.to(f.upper[i]) - scale.to(f.lower[i])) / 2.0 / q95;
            let mut g: Vec<f64> = qt.iter().map(|z| scale.back(c + z * sc)).collect();
            // The t quantile function's numerical tails can be off by an ulp-scale step;
            // a grid is kept monotone.
            g.sort_by(f64::total_cmp);
            g
        })
        .collect();
    Ok((f.years, f.point, Some(grids)))
}

fn bootstrap_grids(
    years: &[i32],
    values: &[f64],
    last: i32,
    cfg: &RollingConfig,
) -> Result<Grids, ProjectionError> {
    let mc = McConfig {
        n_paths: cfg.bootstrap_paths,
        seed: cfg.seed,
        quantiles: grid_levels(),
        max_values: cfg.max_values,
        max_buffer_bytes: cfg.max_buffer_bytes,
        ..McConfig::default()
    };
    let (out, grids) = super::bootstrap_growth_fan(years, values, last, &mc)?;
    let point = grids.iter().map(|g| grid_median(g)).collect();
    Ok((out, point, Some(grids)))
}

/// Runs the rolling-origin backtest (see the module docs).
///
/// # Errors
/// [`ProjectionError::InvalidInput`] for no origins, a level not on the grid, or no unit with
/// data on both sides of any origin; [`ProjectionError::TooLarge`] when the Monte Carlo runs
/// exceed the size limits. Methods that cannot be applied to a unit at an origin are listed in
/// [`RollingResult::failures`].
pub fn rolling_backtest(
    panel: &Panel,
    cfg: &RollingConfig,
) -> Result<RollingResult, ProjectionError> {
    let bad = |problem: String| ProjectionError::InvalidInput {
        what: "rolling backtest".into(),
        problem,
    };
    if cfg.origins.is_empty() {
        return Err(bad("no forecast origins".into()));
    }
    if cfg.max_horizon < 1 {
        return Err(bad("max_horizon must be at least 1".into()));
    }
    for &l in &cfg.levels {
        let on_grid = ((1.0 - l) / 2.0 * (GRID + 1) as f64
            - ((1.0 - l) / 2.0 * (GRID + 1) as f64).round())
        .abs()
            < 1e-9;
        if !(l > 0.0 && l < 1.0 && on_grid) {
            return Err(bad(format!(
                "interval level {l}: must be in (0, 1) with (1 − level)/2 a multiple of 0.005"
            )));
        }
    }
    let mut origins = cfg.origins.clone();
    origins.sort_unstable();
    origins.dedup();
    let mut names: Vec<String> = cfg.methods.iter().map(|m| m.name().to_string()).collect();
    if cfg.bootstrap_paths > 0 {
        names.push("bootstrap_growth".into());
    }
    let mut rows = vec![];
    let mut failures = vec![];
    let mut units = std::collections::BTreeSet::new();
    for (unit, (years, values)) in &panel.series {
        if cfg.exclude.contains(unit) {
            continue;
        }
        // Structural cut: nothing after `data_until` exists for this backtest.
        let keep: Vec<usize> = (0..years.len())
            .filter(|&i| cfg.data_until.is_none_or(|d| years[i] <= d))
            .collect();
        let (years, values): (Vec<i32>, Vec<f64>) =
            keep.iter().map(|&i| (years[i], values[i])).unzip();
        for &o in &origins {
            let mut fit: Vec<usize> = (0..years.len())
                .filter(|&i| years[i] <= o && cfg.first_year.is_none_or(|f| years[i] >= f))
                .collect();
            if let Some(w) = cfg.window {
                if fit.len() < w {
                    continue;
                }
                fit.drain(..fit.len() - w);
            }
            let test: Vec<usize> = (0..years.len())
                .filter(|&i| years[i] > o && years[i] <= o + cfg.max_horizon)
                .collect();
            if fit.is_empty() || test.is_empty() {
                continue;
            }
            units.insert(unit.clone());
            let fy: Vec<i32> = fit.iter().map(|&i| years[i]).collect();
            let fv: Vec<f64> = fit.iter().map(|&i| values[i]).collect();
            let last = years[*test.last().expect("non-empty")];
            for (mi, name) in names.iter().enumerate() {
                let fc = match cfg.methods.get(mi) {
                    Some(m) => method_grids(m, &fy, &fv, last),
                    None => bootstrap_grids(&fy, &fv, last, cfg),
                };
                let (fyears, point, grids) = match fc {
                    Ok(f) => f,
                    Err(e @ (ProjectionError::TooLarge { .. } | ProjectionError::Cancelled)) => {
                        return Err(e);
                    }
                    Err(e) => {
                        failures.push((name.clone(), o, unit.clone(), e.to_string()));
                        continue;
                    }
                };
                for &i in &test {
                    let Some(k) = fyears.iter().position(|&y| y == years[i]) else {
                        continue;
                    };
                    let q = grids.as_ref().map(|g| g[k].clone());
                    if q.as_ref().is_some_and(|q| q.iter().any(|v| !v.is_finite())) {
                        failures.push((
                            name.clone(),
                            o,
                            unit.clone(),
                            "no predictive spread (too few points)".into(),
                        ));
                        break;
                    }
                    rows.push(RollingRow::new(
                        unit,
                        name,
                        o,
                        years[i],
                        values[i],
                        match q {
                            Some(q) => Predictive::Quantiles(q),
                            None => Predictive::Point(point[k]),
                        },
                        &cfg.levels,
                    ));
                }
            }
        }
    }
    if rows.is_empty() {
        return Err(bad(format!(
            "no unit has observations on both sides of the origins {origins:?}"
        )));
    }
    let scores = score_all(&names, &rows, &cfg.levels, cfg.max_horizon);
    Ok(RollingResult {
        variable: panel.variable.clone(),
        origins,
        max_horizon: cfg.max_horizon,
        data_until: cfg.data_until,
        levels: cfg.levels.clone(),
        n_series: units.len(),
        methods: names,
        scores,
        failures,
        rows,
    })
}
