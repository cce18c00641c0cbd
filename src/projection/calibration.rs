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
    RollingConfig, RollingResult, RollingRow, RollingScore, rolling_backtest, score_all,
    score_table,
};
use super::backtest::scores::{grid_levels, grid_median, pit_quantiles};

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
                    r.point,
                    Some(q2),
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
    if v == m {
        return m;
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
