//! Calibration of predictive distributions against a panel: split-conformal factors per
//! method and horizon, learnt on earlier forecast origins, evaluated on later ones, and applied
//! to fan charts and probabilities of meeting targets.
//!
//! **Method** (split-conformal prediction with a normalised non-conformity score: Vovk,
//! Gammerman and Shafer 2005, *Algorithmic Learning in a Random World*; Lei, G'Sell, Rinaldo,
//! Tibshirani and Wasserman 2018, *JASA* 113; Angelopoulos and Bates 2023, "Conformal
//! prediction: a gentle introduction", *Found. Trends ML* 16(4)). For a forecast with median m
//! and central level-p interval [l, u], and the actual value y (all positive), the score is the
//! log-distance of y from the median in units of the interval's half on that side:
//!
//! s_p = ln(y/m) / ln(u/m) if y ≥ m, ln(m/y) / ln(m/l) if y < m.
//!
//! y lies inside the interval exactly when s_p ≤ 1. Over the n learning forecasts of one method
//! and horizon (every unit, every learning origin), the calibrated factor is the
//! ⌈(n + 1) p⌉-th smallest score, k_p (+∞ when ⌈(n + 1) p⌉ > n). The calibrated interval is
//! [m (l/m)^k_p, m (u/m)^k_p]: it stretches (k > 1) or shrinks (k < 1) the log-distance from
//! the median. If the learning and the new forecasts are exchangeable, a new actual value falls
//! inside it with probability at least p (and below p + 1/(n + 1) for continuous scores).
//!
//! **Whole distributions.** Factors are learnt at each level of [`Calibration::levels`]; between
//! them k is interpolated linearly in the level ℓ = |2τ − 1| of each quantile τ (constant beyond
//! the first and last level), every quantile is mapped q_τ ↦ m (q_τ/m)^k(ℓ), and the results
//! are sorted (monotone rearrangement: Chernozhukov, Fernández-Val and Galichon 2010,
//! *Econometrica* 78(3)). With one factor k for every level this is the distribution of
//! m (X/m)^k, so P_cal(X ≥ T) = P(X ≥ m (T/m)^{1/k}). Probabilities are read off the
//! calibrated quantile grid ([`crate::projection::backtest::scores::GRID`]) by linear
//! interpolation, within 0.005 of the exact value for the transformed draws.
//!
//! **Assumptions.** Exchangeability across units and origins: the forecast errors of a
//! province at origin 2020 behave like those of the provinces at 2017–2019, relative to each
//! method's own spread. Short fits (origin 2017 uses three points) and breaks make this only
//! approximately true, which is why calibration is always evaluated out of sample
//! ([`evaluate`]). Horizons beyond the learnt ones use the last learnt horizon's factors
//! (flagged). Applying a panel's factors to a scenario assumes the scenario's spread is
//! miscalibrated like the chosen method's on that panel.
//!
//! **Never learnt from its own scoring years.** [`evaluate`] takes learning and scoring origins
//! and refuses a learning origin at or after the first scoring origin; the learning backtest
//! runs on the panel cut at the first scoring origin ([`RollingConfig::data_until`]), so no
//! value of a scored year can reach a factor (tested by changing those values).
//!
//! ```
//! use innodex::projection::calibration::{conformal_factor, normalised_score};
//! // Scores 0.2, 0.5, 0.9, 1.3, 2.0 (n = 5): the 80 % factor is the ⌈6 · 0.8⌉ = 5th smallest.
//! assert_eq!(conformal_factor(&[0.9, 0.2, 2.0, 0.5, 1.3], 0.8), 2.0);
//! // y = 121, m = 110, u = 121: y is on the upper bound, score 1.
//! assert!((normalised_score(100.0, 110.0, 121.0, 121.0) - 1.0).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};

use super::ProjectionError;
use super::backtest::Panel;
use super::backtest::rolling::{
    Predictive, RollingConfig, RollingResult, RollingRow, RollingScore, rolling_backtest,
    score_all, score_table,
};
use super::backtest::scores::{grid_levels, grid_median, pit_quantiles};
use super::monte_carlo::McConfig;
use crate::plan::Plan;
use crate::scenario::PlanProjection;

/// The normalised non-conformity score of actual `y` for a forecast with median `m` and
/// interval [`lo`, `hi`] (see the module docs); +∞ when y is off a side of zero width, 0 when
/// y = m. A lower bound ≤ 0 is infinitely far in log terms (score 0 below the median).
pub fn normalised_score(lo: f64, m: f64, hi: f64, y: f64) -> f64 {
    if y == m {
        return 0.0;
    }
    if y > m {
        let d = (hi / m).ln();
        if d > 0.0 {
            (y / m).ln() / d
        } else {
            f64::INFINITY
        }
    } else {
        if lo <= 0.0 {
            return 0.0;
        }
        let d = (m / lo).ln();
        if d > 0.0 {
            (m / y).ln() / d
        } else {
            f64::INFINITY
        }
    }
}

/// The split-conformal quantile: the ⌈(n + 1) p⌉-th smallest of `scores`, +∞ when that rank
/// exceeds n (too few scores for level p), NaN for no scores.
///
/// ```
/// use innodex::projection::calibration::conformal_factor;
/// let s = [0.3, 0.1, 0.7, 0.5];
/// assert_eq!(conformal_factor(&s, 0.5), 0.5);   // ⌈5 · 0.5⌉ = 3rd smallest
/// assert_eq!(conformal_factor(&s, 0.9), f64::INFINITY); // ⌈4.5⌉ = 5 > 4
/// ```
pub fn conformal_factor(scores: &[f64], p: f64) -> f64 {
    let n = scores.len();
    if n == 0 {
        return f64::NAN;
    }
    // ⌈(n + 1) p⌉ with a guard against 0.8 · 10 = 8.000000000000002.
    let r = (((n + 1) as f64 * p) - 1e-9).ceil() as usize;
    if r > n {
        return f64::INFINITY;
    }
    let mut s = scores.to_vec();
    s.sort_by(f64::total_cmp);
    s[r.max(1) - 1]
}

/// The factors of one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonFactors {
    /// Years after the origin.
    pub horizon: i32,
    /// Learning forecasts (units × origins).
    pub n: usize,
    /// One factor per level of [`Calibration::levels`].
    pub factors: Vec<f64>,
}

/// Factors learnt for one method on one panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Where the panel came from (`china_province_rd` or a file).
    pub panel: String,
    /// The panel's variable.
    pub variable: String,
    /// The method calibrated.
    pub method: String,
    /// Origins learnt from.
    pub learn_origins: Vec<i32>,
    /// Last year of data the factors saw.
    pub data_until: Option<i32>,
    /// Interval levels.
    pub levels: Vec<f64>,
    /// Factors by horizon (1, 2, …).
    pub horizons: Vec<HorizonFactors>,
}

impl Calibration {
    /// Learns the factors of `method` from a backtest's rows (every origin in them).
    ///
    /// # Errors
    /// [`ProjectionError::InvalidInput`] when the method has no distributional forecasts in
    /// the rows.
    pub fn from_rows(
        panel: &str,
        r: &RollingResult,
        method: &str,
    ) -> Result<Calibration, ProjectionError> {
        let mut horizons = vec![];
        for h in 1..=r.max_horizon {
            let rows: Vec<&RollingRow> = r
                .rows
                .iter()
                .filter(|x| x.method == method && x.horizon == h && x.quantiles.is_some())
                .filter(|x| x.actual > 0.0 && x.point > 0.0)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let factors = r
                .levels
                .iter()
                .enumerate()
                .map(|(li, &p)| {
                    let s: Vec<f64> = rows
                        .iter()
                        .map(|x| {
                            let (lo, hi) = x.intervals[li];
                            normalised_score(lo, x.point, hi, x.actual)
                        })
                        .collect();
                    conformal_factor(&s, p)
                })
                .collect();
            horizons.push(HorizonFactors {
                horizon: h,
                n: rows.len(),
                factors,
            });
        }
        if horizons.is_empty() {
            return Err(ProjectionError::InvalidInput {
                what: "calibration".into(),
                problem: format!(
                    "method `{method}` has no interval forecasts to learn from at origins {:?}",
                    r.origins
                ),
            });
        }
        Ok(Calibration {
            panel: panel.into(),
            variable: r.variable.clone(),
            method: method.into(),
            learn_origins: r.origins.clone(),
            data_until: r.data_until,
            levels: r.levels.clone(),
            horizons,
        })
    }

    /// Runs a rolling backtest of `method` on `panel` at `learn_origins` (data up to
    /// `data_until`) and learns its factors. `base` gives the other backtest settings.
    ///
    /// ```
    /// use innodex::projection::backtest::Panel;
    /// use innodex::projection::backtest::rolling::RollingConfig;
    /// use innodex::projection::calibration::Calibration;
    /// let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
    /// let c = Calibration::learn(&panel, "china_province_rd", "log_linear", &[2017, 2018, 2019],
    ///     Some(2020), &RollingConfig::default()).unwrap();
    /// assert_eq!(c.horizons[0].n, 31 * 3); // h = 1 from 2017, 2018 and 2019
    /// assert_eq!(c.horizons[2].n, 31);     // h = 3 only from 2017 (2020 is the last year)
    /// ```
    ///
    /// # Errors
    /// An unknown method, a learning origin at or after `data_until`, or the errors of
    /// [`rolling_backtest`] and [`Calibration::from_rows`].
    pub fn learn(
        panel: &Panel,
        panel_name: &str,
        method: &str,
        learn_origins: &[i32],
        data_until: Option<i32>,
        base: &RollingConfig,
    ) -> Result<Calibration, ProjectionError> {
        if let (Some(d), Some(o)) = (data_until, learn_origins.iter().max())
            && *o >= d
        {
            return Err(ProjectionError::InvalidInput {
                what: "calibration".into(),
                problem: format!("learning origin {o} leaves no data before {d} to learn from"),
            });
        }
        let cfg = RollingConfig {
            origins: learn_origins.to_vec(),
            data_until,
            ..method_config(base, method)?
        };
        let r = rolling_backtest(panel, &cfg)?;
        Calibration::from_rows(panel_name, &r, method)
    }

    /// The factors of horizon `h`, and whether they were extrapolated (h beyond the learnt
    /// horizons uses the last one; below the first, the first).
    pub fn factors(&self, h: i32) -> (&HorizonFactors, bool) {
        match self.horizons.iter().find(|f| f.horizon == h) {
            Some(f) => (f, false),
            None if h > self.horizons.last().expect("non-empty").horizon => {
                (self.horizons.last().expect("non-empty"), true)
            }
            None => (&self.horizons[0], true),
        }
    }

    /// The factor at horizon `h` for central level `l`, interpolated linearly between the
    /// learnt levels and constant beyond them.
    pub fn factor(&self, h: i32, l: f64) -> f64 {
        let (f, _) = self.factors(h);
        let lv = &self.levels;
        if l <= lv[0] {
            return f.factors[0];
        }
        for i in 1..lv.len() {
            if l <= lv[i] {
                let w = (l - lv[i - 1]) / (lv[i] - lv[i - 1]);
                let (a, b) = (f.factors[i - 1], f.factors[i]);
                return if a.is_finite() && b.is_finite() {
                    a + w * (b - a)
                } else if w > 0.0 {
                    b
                } else {
                    a
                };
            }
        }
        *f.factors.last().expect("non-empty")
    }

    /// Calibrates quantiles `q` at levels `taus` of a horizon-`h` forecast with median `m`:
    /// q ↦ m (q/m)^k(|2τ − 1|), then sorted; values ≤ 0 stay at 0.
    pub fn transform(&self, taus: &[f64], q: &[f64], m: f64, h: i32) -> Vec<f64> {
        let mut out: Vec<f64> = taus
            .iter()
            .zip(q)
            .map(|(&t, &v)| power_map(v, m, self.factor(h, (2.0 * t - 1.0).abs())))
            .collect();
        out.sort_by(f64::total_cmp);
        out
    }

    /// A backtest row with its predictive grid calibrated (scores recomputed).
    pub fn apply_row(&self, r: &RollingRow, levels: &[f64]) -> RollingRow {
        match &r.quantiles {
            Some(q) if r.point > 0.0 => {
                let q2 = self.transform(&grid_levels(), q, grid_median(q), r.horizon);
                RollingRow::new(
                    &r.unit,
                    &r.method,
                    r.origin,
                    r.year,
                    r.actual,
                    Predictive::Quantiles(q2),
                    levels,
                )
            }
            _ => r.clone(),
        }
    }
}

/// m (v/m)^k for v > 0 (k = +∞ sends v ≠ m to 0 or +∞); 0 for v ≤ 0.
pub fn power_map(v: f64, m: f64, k: f64) -> f64 {
    if v <= 0.0 || m <= 0.0 {
        return v.max(0.0);
    }
    if v == m || k == 1.0 {
        return v;
    }
    m * (v / m).powf(k)
}

/// The rolling configuration restricted to one method.
fn method_config(base: &RollingConfig, method: &str) -> Result<RollingConfig, ProjectionError> {
    let mut cfg = base.clone();
    if method == "bootstrap_growth" {
        cfg.methods.clear();
        if cfg.bootstrap_paths == 0 {
            cfg.bootstrap_paths = RollingConfig::default().bootstrap_paths;
        }
        return Ok(cfg);
    }
    let m = base
        .methods
        .iter()
        .chain(RollingConfig::default().methods.iter())
        .find(|m| m.name() == method)
        .cloned()
        .ok_or_else(|| ProjectionError::InvalidInput {
            what: "calibration".into(),
            problem: format!(
                "unknown method `{method}` (log_linear, linear, damped_holt, logistic_trend, bootstrap_growth)"
            ),
        })?;
    if !m.has_interval() {
        return Err(ProjectionError::InvalidInput {
            what: "calibration".into(),
            problem: format!("method `{method}` has no predictive distribution to calibrate"),
        });
    }
    cfg.methods = vec![m];
    cfg.bootstrap_paths = 0;
    Ok(cfg)
}

/// Out-of-sample evaluation of calibration: factors learnt at the learning origins (on data
/// up to the first scoring origin only), scores at the scoring origins before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationEvaluation {
    /// The panel's variable.
    pub variable: String,
    /// Origins learnt from.
    pub learn_origins: Vec<i32>,
    /// Origins scored.
    pub score_origins: Vec<i32>,
    /// Last year of data the learning saw (the first scoring origin).
    pub learn_data_until: i32,
    /// Interval levels.
    pub levels: Vec<f64>,
    /// One calibration per method with intervals.
    pub calibrations: Vec<Calibration>,
    /// Scores of the uncalibrated forecasts at the scoring origins (pooled, then by horizon).
    pub before: Vec<RollingScore>,
    /// Scores of the calibrated forecasts.
    pub after: Vec<RollingScore>,
    /// The scoring backtest (uncalibrated rows).
    pub scored: RollingResult,
}

impl CalibrationEvaluation {
    /// The calibration of one method.
    pub fn calibration(&self, method: &str) -> Option<&Calibration> {
        self.calibrations.iter().find(|c| c.method == method)
    }

    /// A pooled (or per-horizon) score, before (`calibrated = false`) or after.
    pub fn score(
        &self,
        method: &str,
        horizon: Option<i32>,
        calibrated: bool,
    ) -> Option<&RollingScore> {
        let v = if calibrated {
            &self.after
        } else {
            &self.before
        };
        v.iter()
            .find(|s| s.method == method && s.horizon == horizon)
    }

    /// Before/after table: coverage per level, mean width and CRPS, pooled over horizons,
    /// then the learnt factors.
    pub fn to_table(&self) -> String {
        let o = |v: &[i32]| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut s = format!(
            "Calibration of `{}`: learnt at origins {} (data up to {}), scored at origins {}\n\n",
            self.variable,
            o(&self.learn_origins),
            self.learn_data_until,
            o(&self.score_origins)
        );
        let mut rows = vec![];
        for c in &self.calibrations {
            for (tag, v) in [("", &self.before), (" (cal)", &self.after)] {
                for r in v.iter().filter(|r| r.method == c.method) {
                    let mut r = r.clone();
                    r.method = format!("{}{tag}", r.method);
                    rows.push(r);
                }
            }
        }
        // Pooled rows first, then by horizon.
        let pooled: Vec<RollingScore> = rows
            .iter()
            .filter(|r| r.horizon.is_none())
            .cloned()
            .collect();
        s.push_str(&score_table(&pooled, &self.levels));
        s.push_str("\nBy horizon\n");
        let by: Vec<RollingScore> = rows.into_iter().filter(|r| r.horizon.is_some()).collect();
        s.push_str(&score_table(&by, &self.levels));
        s.push_str("\nFactors k (per level ");
        s.push_str(
            &self
                .levels
                .iter()
                .map(|l| format!("{:.0} %", l * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
        );
        s.push_str(")\n");
        for c in &self.calibrations {
            for f in &c.horizons {
                let k: Vec<String> = f.factors.iter().map(|k| format!("{k:.3}")).collect();
                s.push_str(&format!(
                    "{:<17} h{} n={:<4} {}\n",
                    c.method,
                    f.horizon,
                    f.n,
                    k.join(" ")
                ));
            }
        }
        s
    }
}

/// Learns calibration factors at `learn_origins` and scores them at `score_origins`, out of
/// sample: the learning backtest sees only data up to the first scoring origin.
///
/// ```
/// use innodex::projection::backtest::Panel;
/// use innodex::projection::backtest::rolling::RollingConfig;
/// use innodex::projection::calibration::evaluate;
/// let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
/// let cfg = RollingConfig { bootstrap_paths: 0, ..RollingConfig::default() };
/// let e = evaluate(&panel, "china_province_rd", &[2017, 2018, 2019], &[2020], &cfg).unwrap();
/// assert_eq!(e.learn_data_until, 2020);
/// // Learning on the very origin that is scored is refused.
/// assert!(evaluate(&panel, "china_province_rd", &[2019, 2020], &[2020], &cfg).is_err());
/// ```
///
/// # Errors
/// [`ProjectionError::InvalidInput`] for empty origin lists or a learning origin at or after
/// the first scoring origin; the errors of [`rolling_backtest`].
pub fn evaluate(
    panel: &Panel,
    panel_name: &str,
    learn_origins: &[i32],
    score_origins: &[i32],
    cfg: &RollingConfig,
) -> Result<CalibrationEvaluation, ProjectionError> {
    let bad = |problem: String| ProjectionError::InvalidInput {
        what: "calibration evaluation".into(),
        problem,
    };
    let (Some(&lmax), Some(&smin)) = (learn_origins.iter().max(), score_origins.iter().min())
    else {
        return Err(bad("give learning and scoring origins".into()));
    };
    if lmax >= smin {
        return Err(bad(format!(
            "learning origin {lmax} is not before the first scoring origin {smin}: a calibration \
             must never be learnt from the years it is scored on"
        )));
    }
    let learn_cfg = RollingConfig {
        origins: learn_origins.to_vec(),
        data_until: Some(smin),
        ..cfg.clone()
    };
    let learnt = rolling_backtest(panel, &learn_cfg)?;
    let scored = rolling_backtest(
        panel,
        &RollingConfig {
            origins: score_origins.to_vec(),
            ..cfg.clone()
        },
    )?;
    let mut calibrations = vec![];
    for m in &scored.methods {
        if let Ok(c) = Calibration::from_rows(panel_name, &learnt, m) {
            calibrations.push(c);
        }
    }
    let after_rows: Vec<RollingRow> = scored
        .rows
        .iter()
        .map(
            |r| match calibrations.iter().find(|c| c.method == r.method) {
                Some(c) => c.apply_row(r, &scored.levels),
                None => r.clone(),
            },
        )
        .collect();
    let methods: Vec<String> = calibrations.iter().map(|c| c.method.clone()).collect();
    let before = score_all(&methods, &scored.rows, &scored.levels, scored.max_horizon);
    let after = score_all(&methods, &after_rows, &scored.levels, scored.max_horizon);
    Ok(CalibrationEvaluation {
        variable: panel.variable.clone(),
        learn_origins: learnt.origins.clone(),
        score_origins: scored.origins.clone(),
        learn_data_until: smin,
        levels: scored.levels.clone(),
        calibrations,
        before,
        after,
        scored,
    })
}

/// The calibrated probability that a metric with quantiles `q` at levels `taus` (sorted, the
/// grid included) is at least `threshold` (`higher = true`) or at most it.
pub fn probability_from_quantiles(taus: &[f64], q: &[f64], threshold: f64, higher: bool) -> f64 {
    // Read the grid part of the quantiles.
    let grid = grid_levels();
    let g: Vec<f64> = grid
        .iter()
        .map(|t| {
            let i = taus
                .iter()
                .position(|x| (x - t).abs() < 1e-12)
                .expect("the grid levels are among the quantiles");
            q[i]
        })
        .collect();
    let f = pit_quantiles(&g, threshold);
    if higher { 1.0 - f } else { f }
}

// ------------------------------------------------------------------ scenario sets

fn d_panel() -> String {
    "china_province_rd".into()
}
fn d_unit_col() -> String {
    "region_en".into()
}
fn d_year_col() -> String {
    "year".into()
}
fn d_method() -> String {
    "log_linear".into()
}
fn d_learn() -> Vec<i32> {
    vec![2018, 2019, 2020]
}

/// "Calibrated against panel X": a `[[set.calibration]]` table of a scenario file.
///
/// ```toml
/// [[set.calibration]]
/// panel = "china_province_rd"            # the shipped panel, or a long-format CSV file
/// variable = "rd_expenditure_100m_yuan"  # its value column
/// method = "log_linear"                  # whose factors apply (default log_linear)
/// learn_origins = [2018, 2019, 2020]     # default; horizons 1–3, every later year of data
/// indicators = ["rd_expenditure", "hte_count"]
/// ```
///
/// The factors of `method` on the panel are applied to the fans of `indicators` and to the
/// probabilities of their `level`, `multiple_of_base` and `growth_floor` targets (metrics
/// that are a monotone function of one year's value). Other targets are left uncalibrated and
/// say so. This assumes the scenario's spread is miscalibrated like the method's. A
/// `multiple_of_base` target whose base year is itself simulated is calibrated as if the base
/// were fixed (an approximation); the horizon is the target year minus the indicator's start.
///
/// ```
/// use innodex::projection::calibration::CalibrationSpec;
/// let s: CalibrationSpec = toml::from_str(r#"
///     variable = "rd_expenditure_100m_yuan"
///     indicators = ["rd_expenditure"]
/// "#).unwrap();
/// assert_eq!((s.panel.as_str(), s.method.as_str()), ("china_province_rd", "log_linear"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// `china_province_rd` (the shipped panel) or the path of a long-format CSV file
    /// (relative to the working directory, not to the scenario file).
    #[serde(default = "d_panel")]
    pub panel: String,
    /// The value column.
    pub variable: String,
    /// The unit column of a CSV panel.
    #[serde(default = "d_unit_col")]
    pub unit_col: String,
    /// The year column of a CSV panel.
    #[serde(default = "d_year_col")]
    pub year_col: String,
    /// The method whose factors are applied (`log_linear`, `linear`, `damped_holt`,
    /// `bootstrap_growth`).
    #[serde(default = "d_method")]
    pub method: String,
    /// Origins learnt from.
    #[serde(default = "d_learn")]
    pub learn_origins: Vec<i32>,
    /// Last year of data used (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_until: Option<i32>,
    /// Fit window of the backtest (default: every observation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// Indicators of the plan calibrated with these factors.
    pub indicators: Vec<String>,
}

impl CalibrationSpec {
    /// Reads the panel and learns the factors.
    ///
    /// # Errors
    /// An unreadable panel or the errors of [`Calibration::learn`].
    pub fn learn(&self) -> Result<Calibration, ProjectionError> {
        let panel = if self.panel == "china_province_rd" {
            Panel::china_province_rd(&self.variable)?
        } else {
            Panel::from_csv_path(&self.panel, &self.unit_col, &self.year_col, &self.variable)?
        };
        Calibration::learn(
            &panel,
            &self.panel,
            &self.method,
            &self.learn_origins,
            self.data_until,
            &RollingConfig {
                window: self.window,
                ..RollingConfig::default()
            },
        )
    }
}

/// Whether and how one target's probability was calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCalibration {
    /// Scenario.
    pub scenario: String,
    /// Target id.
    pub target: String,
    /// Indicator id.
    pub indicator: String,
    /// Whether the probability (and the metric's quantiles) are calibrated.
    pub calibrated: bool,
    /// Horizon (target year − last observed or start year).
    pub horizon: Option<i32>,
    /// Whether the horizon is beyond the learnt ones (the last horizon's factors were used).
    pub extrapolated: bool,
    /// The Monte Carlo probability before calibration.
    pub probability_uncalibrated: Option<f64>,
    /// The calibrated probability.
    pub probability: Option<f64>,
    /// Why not calibrated, or what was done.
    pub note: String,
}

/// What a calibrated projection was calibrated against, in its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationInfo {
    /// The specification.
    pub spec: CalibrationSpec,
    /// The factors learnt.
    pub calibration: Calibration,
    /// Per scenario and target of the spec's indicators: calibrated or not.
    pub targets: Vec<TargetCalibration>,
}

/// The Monte Carlo settings of a calibrated run: the quantile grid added to the fans'
/// quantiles (the results are cut back to the asked quantiles afterwards).
pub fn run_config(cfg: &McConfig, specs: &[CalibrationSpec]) -> McConfig {
    if specs.is_empty() {
        return cfg.clone();
    }
    let mut q = cfg.quantiles.clone();
    q.extend(grid_levels());
    q.sort_by(f64::total_cmp);
    q.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    McConfig {
        quantiles: q,
        ..cfg.clone()
    }
}

/// The calibration of one target, when `p` was projected with calibration.
pub fn target_calibration<'a>(
    p: &'a PlanProjection,
    scenario: &str,
    target: &str,
) -> Option<&'a TargetCalibration> {
    p.calibration
        .iter()
        .flat_map(|c| &c.targets)
        .find(|t| t.scenario == scenario && t.target == target)
}

fn pos(taus: &[f64], t: f64) -> Option<usize> {
    taus.iter().position(|x| (x - t).abs() < 1e-12)
}

/// Calibrates a plan projection run with [`run_config`]: fans and target probabilities of the
/// specs' indicators (see [`CalibrationSpec`]), then cuts the quantiles back to `quantiles`.
///
/// # Errors
/// A spec naming an indicator twice or one the plan lacks, an unreadable panel, or the errors
/// of [`Calibration::learn`].
pub fn calibrate_projection(
    p: &mut PlanProjection,
    plan: &Plan,
    specs: &[CalibrationSpec],
    quantiles: &[f64],
) -> Result<(), ProjectionError> {
    if specs.is_empty() {
        return Ok(());
    }
    let bad = |problem: String| ProjectionError::InvalidInput {
        what: "set.calibration".into(),
        problem,
    };
    let mut seen = std::collections::BTreeSet::new();
    for s in specs {
        for i in &s.indicators {
            if plan.indicator(i).is_none() {
                return Err(bad(format!("unknown indicator `{i}`")));
            }
            if !seen.insert(i.clone()) {
                return Err(bad(format!("indicator `{i}` is in two calibrations")));
            }
        }
    }
    for spec in specs {
        let cal = spec.learn()?;
        let mut targets = vec![];
        for s in &mut p.scenarios {
            let r = &mut s.result;
            let taus = r.quantiles.clone();
            let mid = pos(&taus, 0.5).expect("the grid holds the median");
            let mut origins = std::collections::BTreeMap::new();
            for f in &mut r.indicators {
                if !spec.indicators.contains(&f.id) {
                    continue;
                }
                let Some(from) = f.simulated_from else {
                    continue;
                };
                origins.insert(f.id.clone(), from - 1);
                let (lo, hi) = plan
                    .indicator(&f.id)
                    .map(|i| i.kind.bounds())
                    .unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
                for (y, q) in f.years.iter().zip(f.quantiles.iter_mut()) {
                    let Some(q) = q else { continue };
                    if *y < from {
                        continue;
                    }
                    let m = q[mid];
                    *q = cal
                        .transform(&taus, q, m, y - (from - 1))
                        .into_iter()
                        .map(|v| v.clamp(lo, hi))
                        .collect();
                }
            }
            for t in &mut r.targets {
                if !spec.indicators.contains(&t.indicator) {
                    continue;
                }
                let mut tc = TargetCalibration {
                    scenario: s.name.clone(),
                    target: t.id.clone(),
                    indicator: t.indicator.clone(),
                    calibrated: false,
                    horizon: None,
                    extrapolated: false,
                    probability_uncalibrated: t.probability,
                    probability: t.probability,
                    note: String::new(),
                };
                let origin = origins.get(&t.indicator).copied();
                let growth = t.metric == "average yearly growth rate";
                let kind_ok = growth
                    || t.metric == "value in the target year"
                    || t.metric == "multiple of the base-year value";
                match (&t.metric_quantiles, origin, t.probability) {
                    (_, _, None) => tc.note = "not projected".into(),
                    (_, None, _) => tc.note = "the indicator is not simulated".into(),
                    _ if !kind_ok => {
                        tc.note = format!(
                            "not calibrated: the metric ({}) is not a monotone function of one year's value",
                            t.metric
                        );
                    }
                    (Some(mq), Some(o), Some(_)) => {
                        let h = t.target_year - o;
                        let shift = if growth { 1.0 } else { 0.0 };
                        let q: Vec<f64> = mq.iter().map(|v| v + shift).collect();
                        let q2: Vec<f64> = cal
                            .transform(&taus, &q, q[mid], h)
                            .into_iter()
                            .map(|v| v - shift)
                            .collect();
                        let higher = plan
                            .indicator(&t.indicator)
                            .is_none_or(|i| i.at_least_as_good(2.0, 1.0));
                        let pr = probability_from_quantiles(&taus, &q2, t.threshold, higher);
                        let (_, ext) = cal.factors(h);
                        t.probability = Some(pr);
                        t.probability_se = Some((pr * (1.0 - pr) / p.n_paths as f64).sqrt());
                        if let (Some(a), Some(b), Some(c)) =
                            (pos(&taus, 0.05), pos(&taus, 0.5), pos(&taus, 0.95))
                        {
                            t.metric_band = Some([q2[a], q2[b], q2[c]]);
                        }
                        t.metric_quantiles = Some(q2);
                        tc.calibrated = true;
                        tc.horizon = Some(h);
                        tc.extrapolated = ext;
                        tc.probability = Some(pr);
                        tc.note = format!(
                            "calibrated against {} `{}` ({}, origins {:?}){}; mean and years of attainment are not calibrated",
                            cal.panel,
                            cal.variable,
                            cal.method,
                            cal.learn_origins,
                            if ext {
                                format!(
                                    ", horizon {h} beyond the learnt ones: factors of horizon {}",
                                    cal.horizons.last().expect("non-empty").horizon
                                )
                            } else {
                                String::new()
                            }
                        );
                    }
                    _ => tc.note = "no metric quantiles".into(),
                }
                targets.push(tc);
            }
        }
        p.calibration.push(CalibrationInfo {
            spec: spec.clone(),
            calibration: cal,
            targets,
        });
    }
    // Back to the asked quantiles.
    for s in &mut p.scenarios {
        let r = &mut s.result;
        let keep: Vec<usize> = quantiles
            .iter()
            .map(|&t| pos(&r.quantiles, t).expect("asked quantiles are in the run"))
            .collect();
        let cut = |q: &mut Vec<f64>| *q = keep.iter().map(|&i| q[i]).collect();
        for f in &mut r.indicators {
            for q in f.quantiles.iter_mut().flatten() {
                cut(q);
            }
        }
        for t in &mut r.targets {
            if let Some(q) = &mut t.metric_quantiles {
                cut(q);
            }
        }
        r.quantiles = quantiles.to_vec();
    }
    Ok(())
}
