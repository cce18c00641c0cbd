//! Calibration of predictive distributions against a panel: split-conformal factors per
//! method and horizon, learnt on earlier forecast origins, evaluated on later ones, and applied
//! to fan charts and probabilities of meeting targets.
//!
//! **Method** (split-conformal prediction with a normalised non-conformity score: Vovk,
//! Gammerman and Shafer 2005, *Algorithmic Learning in a Random World*; Lei, G'Sell, Rinaldo,
//! Tibshirani and Wasserman 2018, *JASA* 113; Romano, Patterson and Candès 2019, *NeurIPS* 32;
//! Angelopoulos and Bates 2023, "Conformal prediction: a gentle introduction", *Found. Trends
//! ML* 16(4)). For a forecast with median m and central level-p interval [l, u], and the
//! actual value y (all positive), the signed score is the log-distance of y from the median in
//! units of the interval's half on that side ([`signed_score`]):
//!
//! t_p = ln(y/m) / ln(u/m) if y ≥ m, −ln(m/y) / ln(m/l) if y < m.
//!
//! y lies inside the interval exactly when −1 ≤ t_p ≤ 1. Over the n learning forecasts of one
//! method and horizon (every unit, every learning origin), the calibrated interval runs between
//! two signed positions (t_lo, t_hi) ([`Conformal::positions`]): by default
//! ([`Conformal::TwoSided`]) the ⌊(n + 1) α/2⌋-th and ⌈(n + 1)(1 − α/2)⌉-th smallest scores
//! (α = 1 − p), so each tail misses at most α/2 of exchangeable new values; with
//! [`Conformal::Symmetric`] ±k, k the ⌈(n + 1) p⌉-th smallest |t|. A position t ≥ 0 is the
//! value m (u/m)^t, a position t < 0 the value m (l/m)^(−t): the interval is stretched, shrunk
//! and (two-sided) moved in log-distance from the median. If the learning and the new
//! forecasts are exchangeable, a new actual value falls inside it with probability at least p.
//!
//! **Whole distributions.** Positions are learnt at each level of [`Calibration::levels`];
//! between them they are interpolated linearly in the level ℓ = |2τ − 1| of each quantile τ
//! (constant beyond the first and last level). A quantile above the median, q_τ, is sent to the
//! upper position of its level measured against (q_{1−τ}, q_τ), one below the median to the
//! lower position, and the results are sorted (monotone rearrangement: Chernozhukov,
//! Fernández-Val and Galichon 2010, *Econometrica* 78(3)). So at each learnt level the
//! calibrated quantiles are exactly the calibrated interval. With symmetric positions ±k for
//! every level this is the distribution of m (X/m)^k, so P_cal(X ≥ T) = P(X ≥ m (T/m)^{1/k}).
//! Probabilities are read off the calibrated quantile grid
//! ([`crate::projection::backtest::scores::GRID`]) by linear interpolation, within 0.005 of
//! the exact value for the transformed draws.
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
//! use innodex::projection::calibration::{conformal_factor, signed_score};
//! // Scores 0.2, 0.5, 0.9, 1.3, 2.0 (n = 5): the upper 80 % rank is the ⌈6 · 0.8⌉ = 5th.
//! assert_eq!(conformal_factor(&[0.9, 0.2, 2.0, 0.5, 1.3], 0.8), 2.0);
//! // y = 121, m = 110, u = 121: y is on the upper bound, score 1.
//! assert!((signed_score(100.0, 110.0, 121.0, 121.0) - 1.0).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};

use super::ProjectionError;
use super::backtest::Panel;
use super::backtest::rolling::{
    Predictive, RollingConfig, RollingResult, RollingRow, RollingScore, rolling_backtest,
    score_all, score_table,
};
use super::backtest::scores::{grid_levels, grid_median, pit_quantiles};

/// The calibrated positions of one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonFactors {
    /// Years after the origin.
    pub horizon: i32,
    /// Learning forecasts (units × origins).
    pub n: usize,
    /// Signed position of each level's calibrated lower bound (−1: the uncalibrated bound;
    /// −∞: too few forecasts for that tail), one per level of [`Calibration::levels`].
    pub lower: Vec<f64>,
    /// Signed position of each level's calibrated upper bound (+1: the uncalibrated bound).
    pub upper: Vec<f64>,
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
    /// How the intervals were built from the scores.
    #[serde(default)]
    pub scheme: Conformal,
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
    /// Learns the positions of `method` from a backtest's rows (every origin in them), by
    /// `scheme`.
    ///
    /// # Errors
    /// [`ProjectionError::InvalidInput`] when the method has no distributional forecasts in
    /// the rows.
    pub fn from_rows(
        panel: &str,
        r: &RollingResult,
        method: &str,
        scheme: Conformal,
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
            let (lower, upper) = r
                .levels
                .iter()
                .enumerate()
                .map(|(li, &p)| {
                    let t: Vec<f64> = rows
                        .iter()
                        .map(|x| {
                            let (lo, hi) = x.intervals[li];
                            signed_score(lo, x.point, hi, x.actual)
                        })
                        .collect();
                    scheme.positions(&t, p)
                })
                .unzip();
            horizons.push(HorizonFactors {
                horizon: h,
                n: rows.len(),
                lower,
                upper,
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
            scheme,
            learn_origins: r.origins.clone(),
            data_until: r.data_until,
            levels: r.levels.clone(),
            horizons,
        })
    }

    /// Runs a rolling backtest of `method` on `panel` at `learn_origins` (data up to
    /// `data_until`) and learns its positions. `base` gives the other backtest settings and
    /// the scheme ([`RollingConfig::conformal`]).
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
        Calibration::from_rows(panel_name, &r, method, base.conformal)
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

    /// The signed position at horizon `h` of the calibrated upper (`upper = true`) or lower
    /// bound of the central level-`l` interval, interpolated linearly between the learnt
    /// levels and constant beyond them. A level whose rank fell outside the n scores (±∞:
    /// fewer than 2/α − 1 forecasts two-sided, 1/α − 1 symmetric) is left out of the
    /// interpolation, so whole distributions stay finite; its interval is then not a conformal
    /// one (its coverage is measured, not guaranteed).
    ///
    /// ```
    /// use innodex::projection::calibration::{Calibration, Conformal, HorizonFactors};
    /// let c = Calibration {
    ///     panel: "hand".into(), variable: "x".into(), method: "log_linear".into(),
    ///     scheme: Conformal::TwoSided, learn_origins: vec![2018], data_until: Some(2019),
    ///     levels: vec![0.5, 0.9],
    ///     horizons: vec![HorizonFactors { horizon: 1, n: 40, lower: vec![-1.0, -2.0],
    ///                                     upper: vec![1.0, 3.0] }],
    /// };
    /// assert!((c.position(1, 0.7, true) - 2.0).abs() < 1e-12); // halfway between 1 and 3
    /// assert_eq!(c.position(1, 0.2, false), -1.0); // below the first level: constant
    /// let mut c2 = c.clone();
    /// c2.horizons[0].upper[1] = f64::INFINITY;     // too few forecasts at 90 %
    /// assert_eq!(c2.position(1, 0.9, true), 1.0);  // the 50 % position carries on
    /// ```
    pub fn position(&self, h: i32, l: f64, upper: bool) -> f64 {
        let (f, _) = self.factors(h);
        let v = if upper { &f.upper } else { &f.lower };
        // A level with too few forecasts for a finite bound takes its finite neighbours'.
        let pts: Vec<(f64, f64)> = self
            .levels
            .iter()
            .zip(v)
            .filter(|(_, x)| x.is_finite())
            .map(|(&a, &b)| (a, b))
            .collect();
        let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
            return v[0];
        };
        if l <= first.0 {
            return first.1;
        }
        for w in pts.windows(2) {
            let ((l0, a), (l1, b)) = (w[0], w[1]);
            if l <= l1 {
                return a + (l - l0) / (l1 - l0) * (b - a);
            }
        }
        last.1
    }

    /// Calibrates quantiles `q` at levels `taus` (sorted) of a horizon-`h` forecast with
    /// median `m` (see the module docs), then sorts them; values ≤ 0 stay at 0.
    pub fn transform(&self, taus: &[f64], q: &[f64], m: f64, h: i32) -> Vec<f64> {
        let mut out: Vec<f64> = taus
            .iter()
            .zip(q)
            .map(|(&t, &v)| {
                let upper = t >= 0.5;
                let pos = self.position(h, (2.0 * t - 1.0).abs(), upper);
                // The bound on the side the position points to: this quantile, or its mirror.
                let same_side = (pos >= 0.0) == upper;
                let bound = if same_side {
                    v
                } else {
                    quantile_at(taus, q, 1.0 - t)
                };
                power_map(bound, m, pos.abs())
            })
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

/// The quantile at level `t` of quantiles `q` at sorted levels `taus`, by linear
/// interpolation (the end values beyond them).
fn quantile_at(taus: &[f64], q: &[f64], t: f64) -> f64 {
    let i = taus.partition_point(|&x| x < t);
    if i == 0 {
        return q[0];
    }
    if i == taus.len() {
        return q[q.len() - 1];
    }
    if (taus[i] - t).abs() < 1e-12 {
        return q[i];
    }
    let w = (t - taus[i - 1]) / (taus[i] - taus[i - 1]);
    q[i - 1] + w * (q[i] - q[i - 1])
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
        let scheme = self
            .calibrations
            .first()
            .map_or(Conformal::default(), |c| c.scheme);
        s.push_str(&format!(
            "\nCalibrated positions ({}; lower/upper bound of each level in half-widths, ±1 = \
             uncalibrated; levels {})\n",
            scheme.name(),
            self.levels
                .iter()
                .map(|l| format!("{:.0} %", l * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for c in &self.calibrations {
            for f in &c.horizons {
                let k: Vec<String> = f
                    .lower
                    .iter()
                    .zip(&f.upper)
                    .map(|(a, b)| format!("{a:+.2}/{b:+.2}"))
                    .collect();
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

/// Learns calibration at `learn_origins` and scores it at `score_origins`, out of sample: the
/// learning backtest sees only data up to the first scoring origin. The scheme is
/// [`RollingConfig::conformal`].
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
        if let Ok(c) = Calibration::from_rows(panel_name, &learnt, m, cfg.conformal) {
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

mod conformal;
mod scenario;

pub use conformal::{Conformal, conformal_factor, conformal_lower, normalised_score, signed_score};
pub use scenario::{
    CalibrationInfo, CalibrationSpec, TargetCalibration, calibrate_projection, run_config,
    target_calibration,
};
