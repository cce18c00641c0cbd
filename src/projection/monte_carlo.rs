//! Monte Carlo projection: many simulated futures of several indicators at once, summarised as
//! fan charts (quantiles per year), means, the probability that each target is met and the
//! distribution of the year it is first reached.
//!
//! # The model
//!
//! Each indicator is a *channel* on a yearly grid from the earliest year any channel or target
//! needs to the `horizon`:
//! - a **simulated** channel starts from a value in its start year and moves by a
//!   [`Process`]: compound growth v·(1 + g), a yearly increment v + d, a logistic step on
//!   ln(v/(K − v)) (a share never passes its ceiling K), a fitted least-squares trend simulated
//!   from its posterior predictive distribution, or a fitted damped Holt model simulated from
//!   its innovations state-space form;
//! - a **ratio** channel is numerator / denominator × scale of two other channels, path by path;
//! - a **known** channel holds given values (e.g. a reference series held at its last value).
//!
//! A growth rate (or increment, or logit slope) is drawn from a [`Dist`] either every year
//! (i.i.d.) or once per path (persistent), and an optional yearly `shock` is added on top, so
//! g(path, year) = rate(path [, year]) + shock(path, year). Correlations between indicators
//! act on their yearly draws (the yearly rate, or the shock when the rate is per path) and, when
//! both rates are per path, on the per-path draws, through a Gaussian copula: standard normal
//! scores are correlated with the Cholesky factor of the correlation matrix and mapped to each
//! margin (exactly a correlated multivariate normal for normal margins, and in the logarithm
//! for log-normal ones). Values are kept within the indicator's bounds (≥ 0; ≤ 100 for a
//! share) by clamping.
//!
//! # Reproducibility
//!
//! Paths are simulated in fixed-size chunks ([`McConfig::chunk_size`]); chunk *i* draws from
//! its own stream ([`super::stream`]: eight xoshiro256++ lanes keyed by `ChaCha8Rng` with `seed`
//! on stream *i*), and per-chunk partial sums are added
//! in chunk order. Results are therefore bit-identical for any number of threads.
//!
//! # Memory
//!
//! What is held, and nothing more:
//! - per worker thread, one chunk's trajectories: `chunk_size × channels × years` numbers;
//! - per chunk, its partial sums and counts: `(channels × years) + targets × (years + 3)` numbers;
//! - quantiles are exact order statistics of all paths, interpolated as numpy's default
//!   (`linear`, Hyndman and Fan type 7). A *quantile slot* is one indicator-year of the fan
//!   chart (only the years in [`McConfig::fan_years`], and only where the value is random) or
//!   one target's metric.
//!
//! Runs of 2¹⁷ paths or more make one **bracketed pass**: the first 2¹⁵ paths are a pilot
//! whose order statistics bracket each wanted rank (6 binomial standard deviations either
//! side), and for the later chunks each worker keeps, per slot, only a count of the values
//! below each bracket and the values inside it — about 3.4 % of the paths per quantile
//! (2·(3√S + 8)/S of them with S = 2¹⁵) — read while the chunk is still in cache. The counts
//! prove whether each rank fell inside its bracket; when one did not (rare by construction),
//! that slot gets an exact pass below.
//!
//! Exact passes (smaller runs, and the rare slot a bracket missed) hold the values of a slot
//! for every path, 8 bytes a path, in passes of at most [`McConfig::memory_budget`] bytes (at
//! least one slot per pass); every pass re-simulates the same paths from the same seeds, so
//! memory stays bounded by the budget whatever the number of indicators and years, at the
//! price of more simulation when the slots do not fit in one pass. Order statistics are found
//! with selection on order-preserving integer keys rather than a full sort.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::stream::ChunkStream;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::ChiSquared;

use super::ProjectionError;
use super::dist::{Dist, Role, Sampler, std_normal};
use super::fit::OlsLine;
use super::methods::{DampedHolt, inv_logit, logit};
use crate::indicator::Indicator;
use crate::target::{Rule, Target};

/// Run settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct McConfig {
    /// Number of simulated paths (> 0).
    pub n_paths: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// Quantile probabilities of the fan charts (default 0.05, 0.25, 0.5, 0.75, 0.95).
    pub quantiles: Vec<f64>,
    /// Paths per chunk (the unit of parallel work and of random streams; default 2048). The
    /// results depend on it, never on the number of threads.
    pub chunk_size: usize,
    /// Years of the fan charts; `None` for every year of the grid.
    pub fan_years: Option<Vec<i32>>,
    /// Bytes that quantile buffers may hold at once (default 512 MiB).
    pub memory_budget: usize,
    /// Most simulated values (paths × years × indicators) one run may take (default 10¹⁰,
    /// minutes of work on two cores): larger requests are refused at once, before any work.
    pub max_values: u64,
    /// Most bytes one quantile buffer may take (8 bytes a path; default 4 GiB, 5.4 × 10⁸
    /// paths): the buffer of one fan year cannot be split, so larger requests are refused
    /// rather than left to fail allocation.
    pub max_buffer_bytes: u64,
}

impl Default for McConfig {
    fn default() -> Self {
        McConfig {
            n_paths: 10_000,
            seed: 0,
            quantiles: vec![0.05, 0.25, 0.5, 0.75, 0.95],
            chunk_size: 2048,
            fan_years: None,
            memory_budget: 512 << 20,
            max_values: 10_000_000_000,
            max_buffer_bytes: 4 << 30,
        }
    }
}

/// How the scale of a fitted trend maps to values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scale")]
pub enum TrendScale {
    /// y itself.
    Level,
    /// ln y.
    Log,
    /// ln(y / (K − y)).
    Logit {
        /// The ceiling K.
        ceiling: f64,
    },
}

impl TrendScale {
    #[inline]
    fn back(&self, z: f64) -> f64 {
        match self {
            TrendScale::Level => z,
            TrendScale::Log => z.exp(),
            TrendScale::Logit { ceiling } => inv_logit(z, *ceiling),
        }
    }
}

/// How a simulated channel moves from one year to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "process")]
pub enum Process {
    /// v ← v · (1 + rate + shock).
    Growth {
        /// Yearly growth rate (`lognormal` means 1 + g is log-normal).
        rate: Dist,
        /// Draw the rate once per path instead of every year.
        per_path: bool,
        /// A yearly shock added to the rate.
        shock: Option<Dist>,
    },
    /// v ← v + step + shock.
    Increment {
        /// Yearly change.
        step: Dist,
        /// Draw the step once per path.
        per_path: bool,
        /// A yearly shock added to the step.
        shock: Option<Dist>,
    },
    /// logit(v/K) ← logit(v/K) + rate + shock.
    Logistic {
        /// Yearly change of the logit.
        rate: Dist,
        /// Draw the rate once per path.
        per_path: bool,
        /// A yearly shock added to the rate.
        shock: Option<Dist>,
        /// The ceiling K.
        ceiling: f64,
    },
    /// A least-squares trend on the `scale`. With `simulate`, each path draws σ², intercept and
    /// slope from their posterior under a flat prior (σ² = SSE/χ²ₙ₋₂, then the coefficients
    /// normal around the estimates) and adds a yearly N(0, σ²) error: each year's draws then
    /// follow exactly the t-based prediction interval. Without, the point forecast.
    Trend {
        /// The scale of the fit.
        scale: TrendScale,
        /// The fitted line (x = calendar year).
        line: OlsLine,
        /// Simulate the predictive distribution (true) or follow the point forecast.
        simulate: bool,
    },
    /// A fitted damped Holt model. With `simulate`, each year adds an N(0, σ²) innovation and
    /// updates level and trend as ETS(A,Ad,N); without, the point forecast.
    Holt {
        /// The fitted model (state after the last observation).
        model: DampedHolt,
        /// Simulate innovations.
        simulate: bool,
    },
}

/// What a channel is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ChannelKind {
    /// Simulated from `start_value` in `start_year` on.
    Simulated {
        /// First year (its value is `start_value`).
        start_year: i32,
        /// The value in the start year.
        start_value: f64,
        /// The yearly move.
        process: Process,
    },
    /// `numerator / denominator × scale`, path by path.
    Ratio {
        /// Numerator channel id.
        numerator: String,
        /// Denominator channel id.
        denominator: String,
        /// Scale (100 for per cent).
        scale: f64,
    },
    /// Only the known values.
    Known,
}

/// One indicator of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// Indicator id.
    pub id: String,
    /// Values known before the simulation starts (observed or assumed), by year.
    pub known: Vec<(i32, f64)>,
    /// What the channel is.
    pub kind: ChannelKind,
    /// Bounds the values are kept in.
    pub bounds: (f64, f64),
}

impl Channel {
    /// A simulated channel with no other known values and bounds [0, ∞).
    ///
    /// ```
    /// use innodex::projection::dist::Dist;
    /// use innodex::projection::monte_carlo::{Channel, Process};
    /// let c = Channel::simulated("hte_count", 2020, 750.0, Process::Growth {
    ///     rate: Dist::normal(0.12, 0.04), per_path: false, shock: None });
    /// assert_eq!(c.bounds, (0.0, f64::INFINITY));
    /// ```
    pub fn simulated(id: &str, start_year: i32, start_value: f64, process: Process) -> Channel {
        Channel {
            id: id.to_string(),
            known: vec![],
            kind: ChannelKind::Simulated {
                start_year,
                start_value,
                process,
            },
            bounds: (0.0, f64::INFINITY),
        }
    }
}

/// A target as the simulation checks it, path by path. Thresholds already include the "about"
/// tolerance; `higher_is_better` is the indicator's direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McTarget {
    /// Target id.
    pub id: String,
    /// Channel (indicator) id.
    pub indicator: String,
    /// The rule.
    pub rule: McRule,
    /// Direction of the indicator.
    pub higher_is_better: bool,
}

/// The rule of a [`McTarget`]; each has a *metric* computed per path, and the target is met
/// when the metric is at least as good as the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum McRule {
    /// Metric: the value in `by`.
    Level {
        /// Threshold.
        threshold: f64,
        /// Target year.
        by: i32,
    },
    /// Metric: value in `by` / value in `base_year`.
    MultipleOfBase {
        /// Threshold on the multiple.
        threshold: f64,
        /// Base year.
        base_year: i32,
        /// Target year.
        by: i32,
    },
    /// Metric: value − (reference + margin) in `by`; threshold 0.
    AtLeastReference {
        /// Reference channel id.
        reference: String,
        /// Margin over the reference.
        margin: f64,
        /// Base year (attainment is searched after it).
        base_year: i32,
        /// Target year.
        by: i32,
    },
    /// Metric: the worst year's value in `from..=to`.
    YearlyFlow {
        /// Threshold.
        threshold: f64,
        /// First year.
        from: i32,
        /// Last year.
        to: i32,
    },
    /// Metric: the worst year's change in `from..=to`.
    NetIncrease {
        /// Threshold.
        threshold: f64,
        /// First year of increase.
        from: i32,
        /// Last year.
        to: i32,
    },
    /// Metric: the average growth rate from `from − 1` to `to`; met when ≥ `min_rate`.
    GrowthFloor {
        /// Minimum rate.
        min_rate: f64,
        /// First year of growth.
        from: i32,
        /// Last year.
        to: i32,
    },
    /// Metric: the sum over `from..=to`.
    CumulativeFlow {
        /// Threshold.
        threshold: f64,
        /// First year.
        from: i32,
        /// Last year.
        to: i32,
    },
}

impl McRule {
    /// Words for the metric.
    pub fn metric_name(&self) -> &'static str {
        match self {
            McRule::Level { .. } => "value in the target year",
            McRule::MultipleOfBase { .. } => "multiple of the base-year value",
            McRule::AtLeastReference { .. } => "gap to the reference (+ margin)",
            McRule::YearlyFlow { .. } => "lowest yearly value",
            McRule::NetIncrease { .. } => "lowest yearly net increase",
            McRule::GrowthFloor { .. } => "average yearly growth rate",
            McRule::CumulativeFlow { .. } => "total over the period",
        }
    }

    /// The threshold the metric is compared with.
    pub fn threshold(&self) -> f64 {
        match self {
            McRule::Level { threshold, .. }
            | McRule::MultipleOfBase { threshold, .. }
            | McRule::YearlyFlow { threshold, .. }
            | McRule::NetIncrease { threshold, .. }
            | McRule::CumulativeFlow { threshold, .. } => *threshold,
            McRule::AtLeastReference { .. } => 0.0,
            McRule::GrowthFloor { min_rate, .. } => *min_rate,
        }
    }

    /// The year by which the rule must hold.
    pub fn target_year(&self) -> i32 {
        match self {
            McRule::Level { by, .. }
            | McRule::MultipleOfBase { by, .. }
            | McRule::AtLeastReference { by, .. } => *by,
            McRule::YearlyFlow { to, .. }
            | McRule::NetIncrease { to, .. }
            | McRule::GrowthFloor { to, .. }
            | McRule::CumulativeFlow { to, .. } => *to,
        }
    }

    /// Whether a first year of attainment is defined (levels, references and totals; not for
    /// conditions on every year or on an average rate).
    pub fn has_attainment(&self) -> bool {
        matches!(
            self,
            McRule::Level { .. }
                | McRule::MultipleOfBase { .. }
                | McRule::AtLeastReference { .. }
                | McRule::CumulativeFlow { .. }
        )
    }
}

impl McTarget {
    /// The simulation form of a plan target: tolerance applied in the indicator's favourable
    /// direction, base years resolved.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// use innodex::projection::monte_carlo::{McRule, McTarget};
    /// let plan = Plan::linyi();
    /// let t = plan.target("hte_count").unwrap();
    /// let m = McTarget::from_target(t, plan.indicator("hte_count").unwrap(), 2020);
    /// // "about 1500": 1500 × (1 − 0.05) = 1425.
    /// assert!(matches!(m.rule, McRule::Level { threshold, .. } if (threshold - 1425.0).abs() < 1e-9));
    /// ```
    pub fn from_target(t: &Target, ind: &Indicator, plan_base_year: i32) -> McTarget {
        let higher = ind.at_least_as_good(2.0, 1.0);
        let about = t.about.unwrap_or(0.0);
        let tol = |v: f64| {
            if higher {
                v - about * v.abs()
            } else {
                v + about * v.abs()
            }
        };
        let base_year = t.effective_base_year(plan_base_year);
        let rule = match &t.rule {
            Rule::Level { value, by } => McRule::Level {
                threshold: tol(*value),
                by: *by,
            },
            Rule::MultipleOfBase { factor, by } => McRule::MultipleOfBase {
                threshold: tol(*factor),
                base_year,
                by: *by,
            },
            Rule::AtLeastReference {
                reference,
                by,
                margin,
            } => McRule::AtLeastReference {
                reference: reference.clone(),
                margin: *margin,
                base_year,
                by: *by,
            },
            Rule::YearlyFlow { min, from, to } => McRule::YearlyFlow {
                threshold: tol(*min),
                from: *from,
                to: *to,
            },
            Rule::NetIncrease { min, from, to } => McRule::NetIncrease {
                threshold: tol(*min),
                from: *from,
                to: *to,
            },
            Rule::GrowthFloor { min_rate, from, to } => McRule::GrowthFloor {
                min_rate: *min_rate,
                from: *from,
                to: *to,
            },
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => McRule::CumulativeFlow {
                threshold: tol(*min_total),
                from: *from,
                to: *to,
            },
        };
        McTarget {
            id: t.id.clone(),
            indicator: t.indicator.clone(),
            rule,
            higher_is_better: higher,
        }
    }
}

/// A correlation between the draws of two channels (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    /// First channel id.
    pub a: String,
    /// Second channel id.
    pub b: String,
    /// Correlation coefficient of the normal scores, in [−1, 1].
    pub rho: f64,
}

/// Everything a simulation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McModel {
    /// Last year simulated.
    pub horizon: i32,
    /// The indicators.
    pub channels: Vec<Channel>,
    /// The targets checked on every path.
    pub targets: Vec<McTarget>,
    /// Correlations between channels' draws.
    pub correlations: Vec<Correlation>,
}

/// Progress of a running simulation, shared with another thread (e.g. a progress bar), and a
/// way to cancel it.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    cancel: AtomicBool,
}

impl Progress {
    /// Chunks simulated so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }
    /// Chunks to simulate (all passes); 0 until the run has started.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
    /// Asks the run to stop; it returns [`ProjectionError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed)
    }
    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
    /// Sets the number of work units to do. For other long computations (e.g. the index
    /// uncertainty analysis) that report through this same type, so that one progress bar
    /// and one cancellation path serve them all.
    pub fn set_total(&self, n: usize) {
        self.total.store(n, Ordering::Relaxed)
    }
    /// Counts `n` more work units done (see [`Progress::set_total`]).
    pub fn advance(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    /// Sets the counters back to zero (cancellation is kept).
    pub fn reset(&self) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(0, Ordering::Relaxed);
    }
}

/// The fan chart of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorFan {
    /// Indicator id.
    pub id: String,
    /// Grid years.
    pub years: Vec<i32>,
    /// First simulated year (after the start), if the channel is simulated.
    pub simulated_from: Option<i32>,
    /// Mean per year (`None` where the value is unknown).
    pub mean: Vec<Option<f64>>,
    /// Quantiles per year at [`McResult::quantiles`] (`None` outside the fan years or where the
    /// value is unknown; constant years repeat the value).
    pub quantiles: Vec<Option<Vec<f64>>>,
}

impl IndicatorFan {
    /// The quantiles of one year.
    pub fn at(&self, year: i32) -> Option<&[f64]> {
        let i = self.years.iter().position(|&y| y == year)?;
        self.quantiles[i].as_deref()
    }
}

/// The year a target is first reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attainment {
    /// Years searched.
    pub years: Vec<i32>,
    /// Probability that each year is the first year the target holds.
    pub probability: Vec<f64>,
    /// Probability that it is not reached by the horizon.
    pub not_by_horizon: f64,
    /// The median first year (`None` when more than half of the paths never reach it).
    pub median_year: Option<i32>,
}

/// What the simulation says about one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetOutcome {
    /// Target id.
    pub id: String,
    /// Indicator id.
    pub indicator: String,
    /// Target year.
    pub target_year: i32,
    /// Why the target could not be simulated (then the numbers below are absent).
    pub not_projected: Option<String>,
    /// What the metric is.
    pub metric: String,
    /// The threshold of the metric.
    pub threshold: f64,
    /// Probability that the target is met.
    pub probability: Option<f64>,
    /// Monte Carlo standard error of the probability, √(p(1 − p)/n).
    pub probability_se: Option<f64>,
    /// Mean of the metric.
    pub metric_mean: Option<f64>,
    /// 5 %, 50 % and 95 % quantiles of the metric.
    pub metric_band: Option<[f64; 3]>,
    /// Quantiles of the metric at [`McResult::quantiles`].
    pub metric_quantiles: Option<Vec<f64>>,
    /// First year of attainment, where defined.
    pub attainment: Option<Attainment>,
}

/// The result of [`simulate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McResult {
    /// Paths simulated.
    pub n_paths: usize,
    /// Seed.
    pub seed: u64,
    /// Quantile probabilities of the fans.
    pub quantiles: Vec<f64>,
    /// Grid years.
    pub years: Vec<i32>,
    /// One fan per channel.
    pub indicators: Vec<IndicatorFan>,
    /// One outcome per target.
    pub targets: Vec<TargetOutcome>,
    /// Simulation passes over the paths: one bracketed pass for large runs, plus the exact
    /// passes that keep full quantile buffers within the memory budget (usually none after a
    /// bracketed pass).
    pub passes: usize,
}

impl McResult {
    /// The fan of one indicator.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorFan> {
        self.indicators.iter().find(|f| f.id == id)
    }
    /// The outcome of one target.
    pub fn target(&self, id: &str) -> Option<&TargetOutcome> {
        self.targets.iter().find(|t| t.id == id)
    }
}

// ------------------------------------------------------------------------------ compiled form

#[derive(Debug, Clone, Copy)]
enum In {
    Const(f64),
    Yearly(usize),
    Path(usize),
}

impl In {
    #[inline]
    fn get(self, yd: &[f64], pd: &[f64], n: usize, p: usize) -> f64 {
        match self {
            In::Const(v) => v,
            In::Yearly(k) => yd[k * n + p],
            In::Path(k) => pd[k * n + p],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum StepKind {
    Growth,
    Increment,
    Logistic(f64),
}

#[derive(Debug, Clone)]
enum CProc {
    Step {
        kind: StepKind,
        rate: In,
        shock: In,
    },
    Trend {
        scale: TrendScale,
        line: OlsLine,
        chi: Option<ChiSquared>,
        slot: usize,
    },
    Holt {
        m: DampedHolt,
        sigma: Option<f64>,
        slot: usize,
    },
}

#[derive(Debug, Clone)]
enum CKind {
    Known,
    Sim {
        start: usize,
        value: f64,
        proc: CProc,
    },
    Ratio {
        num: usize,
        den: usize,
        scale: f64,
    },
}

#[derive(Debug, Clone)]
struct CChan {
    known: Vec<f64>,
    kind: CKind,
    lo: f64,
    hi: f64,
    /// Whether the value can differ between paths, per grid year.
    random: Vec<bool>,
    /// Whether the value is available, per grid year.
    avail: Vec<bool>,
}

#[derive(Debug, Clone)]
struct Group {
    members: Vec<usize>,
    /// Lower-triangular Cholesky factor, row-major m × m.
    chol: Vec<f64>,
}

#[derive(Debug, Clone)]
enum CRule {
    Level {
        thr: f64,
        by: usize,
    },
    Multiple {
        thr: f64,
        base: usize,
        by: usize,
    },
    Reference {
        r: usize,
        margin: f64,
        by: usize,
    },
    Flow {
        thr: f64,
        from: usize,
        to: usize,
    },
    Net {
        thr: f64,
        from: usize,
        to: usize,
    },
    Growth {
        min_rate: f64,
        base: usize,
        to: usize,
    },
    Cumulative {
        thr: f64,
        from: usize,
        to: usize,
    },
}

#[derive(Debug, Clone)]
struct CTarget {
    c: usize,
    rule: CRule,
    higher: bool,
    /// First grid index searched for attainment (None: not defined).
    att_from: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Fan { c: usize, t: usize },
    Metric { k: usize },
}

struct Compiled {
    first_year: i32,
    t_len: usize,
    chans: Vec<CChan>,
    order: Vec<usize>,
    yearly: Vec<Sampler>,
    yearly_groups: Vec<Group>,
    yearly_free: Vec<usize>,
    path: Vec<Sampler>,
    path_groups: Vec<Group>,
    path_free: Vec<usize>,
    n_trend: usize,
    n_holt: usize,
    targets: Vec<CTarget>,
    /// Index into `targets` for each model target, or the reason it is not projected.
    target_map: Vec<Result<usize, String>>,
}

fn cholesky(a: &[f64], m: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * m + k] * l[j * m + k]).sum();
            if i == j {
                let d = a[i * m + i] - s;
                if d <= 1e-12 {
                    return None;
                }
                l[i * m + i] = d.sqrt();
            } else {
                l[i * m + j] = (a[i * m + j] - s) / l[j * m + j];
            }
        }
    }
    Some(l)
}

fn compile(model: &McModel) -> Result<Compiled, ProjectionError> {
    let ids: HashMap<&str, usize> = model
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    if ids.len() != model.channels.len() {
        return Err(ProjectionError::InvalidInput {
            what: "simulation".into(),
            problem: "two channels share an id".into(),
        });
    }
    // The grid: from the earliest start year or target base year to the horizon.
    let mut first = i32::MAX;
    for c in &model.channels {
        if let ChannelKind::Simulated { start_year, .. } = c.kind {
            if start_year > model.horizon {
                return Err(ProjectionError::HorizonBeforeLastObservation {
                    indicator: c.id.clone(),
                    horizon: model.horizon,
                    last: start_year,
                });
            }
            first = first.min(start_year);
        }
    }
    if first == i32::MAX {
        return Err(ProjectionError::InvalidInput {
            what: "simulation".into(),
            problem: "no simulated indicator".into(),
        });
    }
    for t in &model.targets {
        if t.rule.target_year() <= model.horizon {
            let y = match &t.rule {
                McRule::Level { by, .. } => *by,
                McRule::MultipleOfBase { base_year, .. }
                | McRule::AtLeastReference { base_year, .. } => *base_year,
                McRule::YearlyFlow { from, .. } | McRule::CumulativeFlow { from, .. } => *from,
                McRule::NetIncrease { from, .. } | McRule::GrowthFloor { from, .. } => from - 1,
            };
            first = first.min(y);
        }
    }
    let t_len = (model.horizon - first + 1) as usize;
    let idx = |y: i32| -> Option<usize> {
        (y >= first && y <= model.horizon).then(|| (y - first) as usize)
    };

    let mut yearly: Vec<Sampler> = vec![];
    let mut path: Vec<Sampler> = vec![];
    // Per channel: its yearly correlatable input and per-path input.
    let mut corr_yearly: Vec<Option<usize>> = vec![None; model.channels.len()];
    let mut corr_path: Vec<Option<usize>> = vec![None; model.channels.len()];
    let (mut n_trend, mut n_holt) = (0, 0);
    let mut chans = Vec::with_capacity(model.channels.len());
    for (ci, c) in model.channels.iter().enumerate() {
        let mut known = vec![f64::NAN; t_len];
        for &(y, v) in &c.known {
            if let Some(t) = idx(y) {
                if !v.is_finite() {
                    return Err(ProjectionError::InvalidInput {
                        what: format!("indicator `{}`", c.id),
                        problem: format!("known value of {y} is not finite"),
                    });
                }
                known[t] = v;
            }
        }
        let (lo, hi) = c.bounds;
        let kind = match &c.kind {
            ChannelKind::Known => CKind::Known,
            ChannelKind::Ratio {
                numerator,
                denominator,
                scale,
            } => {
                let find = |id: &String| {
                    ids.get(id.as_str())
                        .copied()
                        .ok_or_else(|| ProjectionError::UnknownIndicator {
                            scenario: String::new(),
                            indicator: id.clone(),
                        })
                };
                let (num, den) = (find(numerator)?, find(denominator)?);
                for part in [num, den] {
                    if matches!(model.channels[part].kind, ChannelKind::Ratio { .. }) {
                        return Err(ProjectionError::InvalidInput {
                            what: format!("ratio `{}`", c.id),
                            problem: "a ratio of ratios is not supported".into(),
                        });
                    }
                }
                CKind::Ratio {
                    num,
                    den,
                    scale: *scale,
                }
            }
            ChannelKind::Simulated {
                start_year,
                start_value,
                process,
            } => {
                let what = |s: &str| format!("indicator `{}` {s}", c.id);
                if !start_value.is_finite() || *start_value < lo || *start_value > hi {
                    return Err(ProjectionError::InvalidInput {
                        what: what("start value"),
                        problem: if hi >= f64::MAX {
                            format!("{start_value} is below {lo} (values must be ≥ {lo})")
                        } else {
                            format!("{start_value} is outside [{lo}, {hi}]")
                        },
                    });
                }
                let start = idx(*start_year).expect("within the grid");
                let mut input = |d: &Dist,
                                 per_path: bool,
                                 role: Role,
                                 name: &str|
                 -> Result<In, ProjectionError> {
                    let s = Sampler::new(d, role, &what(name))?;
                    Ok(if let Sampler::Fixed(v) = s {
                        In::Const(v)
                    } else if per_path {
                        path.push(s);
                        In::Path(path.len() - 1)
                    } else {
                        yearly.push(s);
                        In::Yearly(yearly.len() - 1)
                    })
                };
                let proc = match process {
                    Process::Growth {
                        rate,
                        per_path,
                        shock,
                    }
                    | Process::Increment {
                        step: rate,
                        per_path,
                        shock,
                    }
                    | Process::Logistic {
                        rate,
                        per_path,
                        shock,
                        ..
                    } => {
                        let kind = match process {
                            Process::Growth { .. } => StepKind::Growth,
                            Process::Increment { .. } => StepKind::Increment,
                            Process::Logistic { ceiling, .. } => {
                                logit(*start_value, *ceiling)?;
                                StepKind::Logistic(*ceiling)
                            }
                            _ => unreachable!(),
                        };
                        let role = if kind == StepKind::Growth {
                            Role::Rate
                        } else {
                            Role::Plain
                        };
                        let r = input(rate, *per_path, role, "rate")?;
                        let s = match shock {
                            Some(d) => input(d, false, Role::Plain, "shock")?,
                            None => In::Const(0.0),
                        };
                        if let In::Const(g) = r
                            && kind == StepKind::Growth
                            && g <= -1.0
                        {
                            return Err(ProjectionError::InvalidParameter {
                                what: what("rate"),
                                value: g,
                                problem: "must be greater than -1",
                            });
                        }
                        match (r, s) {
                            (In::Yearly(k), _) => corr_yearly[ci] = Some(k),
                            (_, In::Yearly(k)) => corr_yearly[ci] = Some(k),
                            _ => {}
                        }
                        if let In::Path(k) = r {
                            corr_path[ci] = Some(k);
                        }
                        CProc::Step {
                            kind,
                            rate: r,
                            shock: s,
                        }
                    }
                    Process::Trend {
                        scale,
                        line,
                        simulate,
                    } => {
                        let chi = if *simulate {
                            if line.df() == 0 {
                                return Err(ProjectionError::TooFewObservations {
                                    method: format!("simulated trend of `{}`", c.id),
                                    needed: 3,
                                    got: line.n,
                                });
                            }
                            Some(ChiSquared::new(line.df() as f64).expect("df > 0"))
                        } else {
                            None
                        };
                        n_trend += 1;
                        CProc::Trend {
                            scale: *scale,
                            line: *line,
                            chi,
                            slot: n_trend - 1,
                        }
                    }
                    Process::Holt { model: m, simulate } => {
                        let sigma = if *simulate {
                            Some(m.sigma2().map(f64::sqrt).ok_or_else(|| {
                                ProjectionError::TooFewObservations {
                                    method: format!("simulated damped Holt of `{}`", c.id),
                                    needed: m.n_fitted + 1,
                                    got: m.n,
                                }
                            })?)
                        } else {
                            None
                        };
                        n_holt += 1;
                        CProc::Holt {
                            m: m.clone(),
                            sigma,
                            slot: n_holt - 1,
                        }
                    }
                };
                CKind::Sim {
                    start,
                    value: *start_value,
                    proc,
                }
            }
        };
        chans.push(CChan {
            known,
            kind,
            lo,
            hi,
            random: vec![false; t_len],
            avail: vec![false; t_len],
        });
    }
    // Availability and randomness, simulated and known channels first, then ratios.
    for c in chans.iter_mut() {
        match &c.kind {
            CKind::Known => {
                for t in 0..t_len {
                    c.avail[t] = c.known[t].is_finite();
                }
            }
            CKind::Sim { start, proc, .. } => {
                let stochastic = match proc {
                    CProc::Step { rate, shock, .. } => {
                        !matches!(rate, In::Const(_)) || !matches!(shock, In::Const(_))
                    }
                    CProc::Trend { chi, .. } => chi.is_some(),
                    CProc::Holt { sigma, .. } => sigma.is_some(),
                };
                for t in 0..t_len {
                    c.avail[t] = t >= *start || c.known[t].is_finite();
                    c.random[t] = t > *start && stochastic;
                }
            }
            CKind::Ratio { .. } => {}
        }
    }
    for i in 0..chans.len() {
        if let CKind::Ratio { num, den, .. } = chans[i].kind {
            for t in 0..t_len {
                let both = chans[num].avail[t] && chans[den].avail[t];
                let random = both && (chans[num].random[t] || chans[den].random[t]);
                let own = chans[i].known[t].is_finite();
                chans[i].avail[t] = both || own;
                chans[i].random[t] = random;
            }
        }
    }
    let mut order: Vec<usize> = (0..chans.len())
        .filter(|&i| !matches!(chans[i].kind, CKind::Ratio { .. }))
        .collect();
    order.extend((0..chans.len()).filter(|&i| matches!(chans[i].kind, CKind::Ratio { .. })));

    // Correlations.
    let mut yearly_pairs: Vec<(usize, usize, f64)> = vec![];
    let mut path_pairs: Vec<(usize, usize, f64)> = vec![];
    for cor in &model.correlations {
        let find = |id: &str| {
            ids.get(id)
                .copied()
                .ok_or_else(|| ProjectionError::UnknownIndicator {
                    scenario: String::new(),
                    indicator: id.to_string(),
                })
        };
        let (a, b) = (find(&cor.a)?, find(&cor.b)?);
        if !(cor.rho.is_finite() && cor.rho.abs() <= 1.0) || a == b {
            return Err(ProjectionError::Correlation {
                problem: format!(
                    "correlation of `{}` and `{}` must be in [-1, 1] between two different indicators, got {}",
                    cor.a, cor.b, cor.rho
                ),
            });
        }
        let mut used = false;
        if let (Some(x), Some(y)) = (corr_yearly[a], corr_yearly[b]) {
            yearly_pairs.push((x, y, cor.rho));
            used = true;
        }
        if let (Some(x), Some(y)) = (corr_path[a], corr_path[b]) {
            path_pairs.push((x, y, cor.rho));
            used = true;
        }
        if !used {
            return Err(ProjectionError::Correlation {
                problem: format!(
                    "`{}` and `{}` have no random draws of the same kind (yearly or per path) to correlate",
                    cor.a, cor.b
                ),
            });
        }
    }
    let groups = |pairs: &[(usize, usize, f64)],
                  n_inputs: usize|
     -> Result<(Vec<Group>, Vec<usize>), ProjectionError> {
        if pairs.is_empty() {
            return Ok((vec![], (0..n_inputs).collect()));
        }
        let mut members: Vec<usize> = pairs.iter().flat_map(|p| [p.0, p.1]).collect();
        members.sort_unstable();
        members.dedup();
        let m = members.len();
        let pos = |k: usize| members.iter().position(|&x| x == k).expect("member");
        let mut a = vec![0.0; m * m];
        for i in 0..m {
            a[i * m + i] = 1.0;
        }
        for &(x, y, r) in pairs {
            let (i, j) = (pos(x), pos(y));
            a[i * m + j] = r;
            a[j * m + i] = r;
        }
        let chol = cholesky(&a, m).ok_or_else(|| ProjectionError::Correlation {
            problem: "the correlation matrix is not positive definite".into(),
        })?;
        let free = (0..n_inputs).filter(|k| !members.contains(k)).collect();
        Ok((vec![Group { members, chol }], free))
    };
    let (yearly_groups, yearly_free) = groups(&yearly_pairs, yearly.len())?;
    let (path_groups, path_free) = groups(&path_pairs, path.len())?;

    // Targets.
    let mut targets = vec![];
    let mut target_map = vec![];
    for t in &model.targets {
        let Some(&c) = ids.get(t.indicator.as_str()) else {
            target_map.push(Err(format!("indicator `{}` is not projected", t.indicator)));
            continue;
        };
        let ty = t.rule.target_year();
        if ty > model.horizon {
            target_map.push(Err(format!(
                "target year {ty} is after the horizon {}",
                model.horizon
            )));
            continue;
        }
        let need = |ch: usize, years: &[i32]| -> Result<Vec<usize>, String> {
            years
                .iter()
                .map(|&y| match idx(y) {
                    Some(i) if chans[ch].avail[i] => Ok(i),
                    _ => Err(format!(
                        "no value of `{}` in {y} (neither observed nor projected)",
                        model.channels[ch].id
                    )),
                })
                .collect()
        };
        let span = |a: i32, b: i32| (a..=b).collect::<Vec<i32>>();
        let compiled: Result<CTarget, String> = (|| {
            let (rule, att_from) = match &t.rule {
                McRule::Level { threshold, by } => {
                    let i = need(c, &[*by])?;
                    let from = (0..t_len).find(|&k| chans[c].avail[k]).unwrap_or(i[0]);
                    (
                        CRule::Level {
                            thr: *threshold,
                            by: i[0],
                        },
                        Some(from),
                    )
                }
                McRule::MultipleOfBase {
                    threshold,
                    base_year,
                    by,
                } => {
                    let i = need(c, &[*base_year, *by])?;
                    (
                        CRule::Multiple {
                            thr: *threshold,
                            base: i[0],
                            by: i[1],
                        },
                        Some(i[0] + 1),
                    )
                }
                McRule::AtLeastReference {
                    reference,
                    margin,
                    base_year,
                    by,
                } => {
                    let r = *ids
                        .get(reference.as_str())
                        .ok_or_else(|| format!("reference `{reference}` is not projected"))?;
                    let i = need(c, &[*by])?;
                    need(r, &[*by])?;
                    let from = idx(*base_year).map(|b| b + 1).unwrap_or(0);
                    (
                        CRule::Reference {
                            r,
                            margin: *margin,
                            by: i[0],
                        },
                        Some(from),
                    )
                }
                McRule::YearlyFlow {
                    threshold,
                    from,
                    to,
                } => {
                    let i = need(c, &span(*from, *to))?;
                    (
                        CRule::Flow {
                            thr: *threshold,
                            from: i[0],
                            to: *i.last().expect("non-empty"),
                        },
                        None,
                    )
                }
                McRule::NetIncrease {
                    threshold,
                    from,
                    to,
                } => {
                    let i = need(c, &span(from - 1, *to))?;
                    (
                        CRule::Net {
                            thr: *threshold,
                            from: i[1],
                            to: *i.last().expect("non-empty"),
                        },
                        None,
                    )
                }
                McRule::GrowthFloor { min_rate, from, to } => {
                    let i = need(c, &[from - 1, *to])?;
                    (
                        CRule::Growth {
                            min_rate: *min_rate,
                            base: i[0],
                            to: i[1],
                        },
                        None,
                    )
                }
                McRule::CumulativeFlow {
                    threshold,
                    from,
                    to,
                } => {
                    let i = need(c, &span(*from, *to))?;
                    // Attainment may come after `to` only while values exist.
                    (
                        CRule::Cumulative {
                            thr: *threshold,
                            from: i[0],
                            to: *i.last().expect("non-empty"),
                        },
                        Some(i[0]),
                    )
                }
            };
            Ok(CTarget {
                c,
                rule,
                higher: t.higher_is_better,
                att_from,
            })
        })();
        match compiled {
            Ok(ct) => {
                targets.push(ct);
                target_map.push(Ok(targets.len() - 1));
            }
            Err(why) => target_map.push(Err(why)),
        }
    }
    Ok(Compiled {
        first_year: first,
        t_len,
        chans,
        order,
        yearly,
        yearly_groups,
        yearly_free,
        path,
        path_groups,
        path_free,
        n_trend,
        n_holt,
        targets,
        target_map,
    })
}

// ------------------------------------------------------------------------------ simulation

#[derive(Default)]
struct Scratch {
    traj: Vec<f64>,
    yd: Vec<f64>,
    pd: Vec<f64>,
    z: Vec<f64>,
    trend: Vec<f64>,
    holt: Vec<f64>,
    metric: Vec<f64>,
    done: Vec<f64>,
    acc: Vec<f64>,
    bits: Vec<u64>,
}

#[derive(Debug, Clone)]
struct ChunkStats {
    sums: Vec<f64>,
    met: Vec<u64>,
    att: Vec<u64>,
    metric_sums: Vec<f64>,
}

/// Sum with eight independent accumulators (vectorisable, and a fixed order: deterministic).
#[inline(always)]
fn lane_sum(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let tail: f64 = it.remainder().iter().sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn draw_groups(
    rng: &mut ChunkStream,
    samplers: &[Sampler],
    free: &[usize],
    groups: &[Group],
    n: usize,
    out: &mut [f64],
    z: &mut Vec<f64>,
    bits: &mut Vec<u64>,
) {
    for &k in free {
        samplers[k].fill(rng, &mut out[k * n..(k + 1) * n], bits);
    }
    for g in groups {
        let m = g.members.len();
        z.resize(2 * m, 0.0);
        for p in 0..n {
            for zi in z[..m].iter_mut() {
                *zi = std_normal(rng);
            }
            for i in 0..m {
                let y: f64 = g.chol[i * m..=i * m + i]
                    .iter()
                    .zip(&z[..=i])
                    .map(|(l, zj)| l * zj)
                    .sum();
                let k = g.members[i];
                out[k * n + p] = samplers[k].at_normal_score(y);
            }
        }
    }
}

impl Compiled {
    // Always inlined (as are the helpers it calls) into `chunk_work`, to share its copies for
    // wider vector units.
    #[inline(always)]
    fn simulate_chunk(&self, chunk: usize, n: usize, seed: u64, s: &mut Scratch) {
        let t_len = self.t_len;
        let mut rng = super::stream::chunk_stream(seed, chunk as u64);
        s.traj.resize(self.chans.len() * t_len * n, 0.0);
        s.yd.resize(self.yearly.len() * n, 0.0);
        s.pd.resize(self.path.len() * n, 0.0);
        s.trend.resize(self.n_trend * 3 * n, 0.0);
        s.holt.resize(self.n_holt * 2 * n, 0.0);
        draw_groups(
            &mut rng,
            &self.path,
            &self.path_free,
            &self.path_groups,
            n,
            &mut s.pd,
            &mut s.z,
            &mut s.bits,
        );
        // Per-path parameters of simulated trends and initial Holt states.
        for c in &self.chans {
            match &c.kind {
                CKind::Sim {
                    proc:
                        CProc::Trend {
                            line,
                            chi: Some(chi),
                            slot,
                            ..
                        },
                    ..
                } => {
                    let buf = &mut s.trend[slot * 3 * n..(slot + 1) * 3 * n];
                    let (nn, sxx) = (line.n as f64, line.sxx);
                    let m_hat = line.predict(line.x_mean);
                    for p in 0..n {
                        let x2: f64 = rand::distr::Distribution::<f64>::sample(chi, &mut rng);
                        let sigma = (line.sse / x2).sqrt();
                        let m = m_hat + sigma / nn.sqrt() * std_normal(&mut rng);
                        let b = line.slope + sigma / sxx.sqrt() * std_normal(&mut rng);
                        buf[p] = m;
                        buf[n + p] = b;
                        buf[2 * n + p] = sigma;
                    }
                }
                CKind::Sim {
                    proc: CProc::Holt { m, slot, .. },
                    ..
                } => {
                    let buf = &mut s.holt[slot * 2 * n..(slot + 1) * 2 * n];
                    buf[..n].fill(m.level);
                    buf[n..].fill(m.trend);
                }
                _ => {}
            }
        }
        for t in 0..t_len {
            if t > 0 {
                draw_groups(
                    &mut rng,
                    &self.yearly,
                    &self.yearly_free,
                    &self.yearly_groups,
                    n,
                    &mut s.yd,
                    &mut s.z,
                    &mut s.bits,
                );
            }
            for &ci in &self.order {
                let c = &self.chans[ci];
                let base = (ci * t_len + t) * n;
                match &c.kind {
                    CKind::Known => s.traj[base..base + n].fill(c.known[t]),
                    CKind::Sim { start, value, proc } => {
                        if t < *start {
                            s.traj[base..base + n].fill(c.known[t]);
                            continue;
                        }
                        if t == *start {
                            s.traj[base..base + n].fill(*value);
                            continue;
                        }
                        let (prev, cur) = s.traj.split_at_mut(base);
                        let prev = &prev[base - n..];
                        let cur = &mut cur[..n];
                        let (lo, hi) = (c.lo, c.hi);
                        match proc {
                            CProc::Step { kind, rate, shock } => {
                                let (yd, pd) = (&s.yd, &s.pd);
                                match (kind, rate, shock) {
                                    (StepKind::Growth, In::Yearly(k), In::Const(sh)) => {
                                        let g = &yd[k * n..(k + 1) * n];
                                        for p in 0..n {
                                            cur[p] = (prev[p] * (1.0 + sh + g[p])).clamp(lo, hi);
                                        }
                                    }
                                    (StepKind::Growth, _, _) => {
                                        for p in 0..n {
                                            let g =
                                                rate.get(yd, pd, n, p) + shock.get(yd, pd, n, p);
                                            cur[p] = (prev[p] * (1.0 + g)).clamp(lo, hi);
                                        }
                                    }
                                    (StepKind::Increment, _, _) => {
                                        for p in 0..n {
                                            let d =
                                                rate.get(yd, pd, n, p) + shock.get(yd, pd, n, p);
                                            cur[p] = (prev[p] + d).clamp(lo, hi);
                                        }
                                    }
                                    (StepKind::Logistic(k), _, _) => {
                                        for p in 0..n {
                                            let r =
                                                rate.get(yd, pd, n, p) + shock.get(yd, pd, n, p);
                                            let v = prev[p];
                                            let x = (v / (k - v)).ln() + r;
                                            cur[p] = inv_logit(x, *k).clamp(lo, hi);
                                        }
                                    }
                                }
                            }
                            CProc::Trend {
                                scale,
                                line,
                                chi,
                                slot,
                            } => {
                                let x = (self.first_year + t as i32) as f64;
                                match chi {
                                    None => cur.fill(scale.back(line.predict(x)).clamp(lo, hi)),
                                    Some(_) => {
                                        let buf = &s.trend[slot * 3 * n..(slot + 1) * 3 * n];
                                        for p in 0..n {
                                            let z = buf[p]
                                                + buf[n + p] * (x - line.x_mean)
                                                + buf[2 * n + p] * std_normal(&mut rng);
                                            cur[p] = scale.back(z).clamp(lo, hi);
                                        }
                                    }
                                }
                            }
                            CProc::Holt { m, sigma, slot } => {
                                let buf = &mut s.holt[slot * 2 * n..(slot + 1) * 2 * n];
                                let (ls, bs) = buf.split_at_mut(n);
                                for p in 0..n {
                                    let e = match sigma {
                                        Some(sd) => sd * std_normal(&mut rng),
                                        None => 0.0,
                                    };
                                    let yhat = ls[p] + m.phi * bs[p];
                                    cur[p] = (yhat + e).clamp(lo, hi);
                                    ls[p] = yhat + m.alpha * e;
                                    bs[p] = m.phi * bs[p] + m.alpha * m.beta * e;
                                }
                            }
                        }
                    }
                    CKind::Ratio { num, den, scale } => {
                        let (nb, db) = ((num * t_len + t) * n, (den * t_len + t) * n);
                        let own = c.known[t];
                        for p in 0..n {
                            let (a, b) = (s.traj[nb + p], s.traj[db + p]);
                            let v = a / b * scale;
                            s.traj[base + p] = if v.is_finite() { v } else { own };
                        }
                    }
                }
            }
        }
    }

    /// Target `k`'s metric for the chunk's paths ([`Compiled::eval_targets`] has run): a level
    /// target's is its indicator's row in the target year, read in place.
    #[inline(always)]
    fn metric_row<'a>(&self, k: usize, n: usize, s: &'a Scratch) -> &'a [f64] {
        let tg = &self.targets[k];
        match tg.rule {
            CRule::Level { by, .. } => {
                let row = tg.c * self.t_len + by;
                &s.traj[row * n..(row + 1) * n]
            }
            _ => &s.metric[k * n..(k + 1) * n],
        }
    }

    /// Fills `s.metric` (targets × n; level targets excepted, see [`Compiled::metric_row`])
    /// and, when `stats` is given, met counts and attainment.
    #[inline(always)]
    fn eval_targets(&self, n: usize, s: &mut Scratch, mut stats: Option<&mut ChunkStats>) {
        let t_len = self.t_len;
        s.metric.resize(self.targets.len() * n, 0.0);
        for (k, tg) in self.targets.iter().enumerate() {
            let v = |t: usize| &s.traj[(tg.c * t_len + t) * n..(tg.c * t_len + t + 1) * n];
            let out = &mut s.metric[k * n..(k + 1) * n];
            let worst = |a: f64, b: f64| if tg.higher { a.min(b) } else { a.max(b) };
            let thr = match &tg.rule {
                CRule::Level { thr, .. } => *thr,
                CRule::Multiple { thr, base, by } => {
                    let (b0, b1) = (v(*base), v(*by));
                    for p in 0..n {
                        out[p] = b1[p] / b0[p];
                    }
                    *thr
                }
                CRule::Reference { r, margin, by, .. } => {
                    let rv = &s.traj[(r * t_len + by) * n..(r * t_len + by + 1) * n];
                    let vv = v(*by);
                    for p in 0..n {
                        out[p] = vv[p] - (rv[p] + margin);
                    }
                    0.0
                }
                CRule::Flow { thr, from, to } => {
                    out.copy_from_slice(v(*from));
                    for t in from + 1..=*to {
                        for (o, x) in out.iter_mut().zip(v(t)) {
                            *o = worst(*o, *x);
                        }
                    }
                    *thr
                }
                CRule::Net { thr, from, to } => {
                    out.fill(if tg.higher {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    });
                    for t in *from..=*to {
                        let (a, b) = (v(t - 1), v(t));
                        for p in 0..n {
                            out[p] = worst(out[p], b[p] - a[p]);
                        }
                    }
                    *thr
                }
                CRule::Growth { min_rate, base, to } => {
                    let (a, b) = (v(*base), v(*to));
                    let years = (*to - *base) as f64;
                    for p in 0..n {
                        out[p] = (b[p] / a[p]).powf(1.0 / years) - 1.0;
                    }
                    *min_rate
                }
                CRule::Cumulative { thr, from, to } => {
                    out.fill(0.0);
                    for t in *from..=*to {
                        for (o, x) in out.iter_mut().zip(v(t)) {
                            *o += x;
                        }
                    }
                    *thr
                }
            };
            let Some(st) = stats.as_deref_mut() else {
                continue;
            };
            // A growth floor is "at least this rate" whatever the indicator's direction.
            let higher = tg.higher || matches!(tg.rule, CRule::Growth { .. });
            let (sg, st_thr) = if higher { (1.0, thr) } else { (-1.0, -thr) };
            let metric = self.metric_row(k, n, s);
            let met = metric
                .iter()
                .map(|&m| (sg * m >= st_thr) as u64)
                .sum::<u64>();
            st.met[k] += met;
            st.metric_sums[k] += lane_sum(metric);
            if let Some(from) = tg.att_from {
                // Year by year over contiguous rows: done[p] is 1.0 once path p has attained
                // (a float flag: every lane of the marking loop is then 64 bits wide, and it
                // vectorises on baseline x86-64, which has no 64-bit integer compare).
                s.done.clear();
                s.done.resize(n, 0.0);
                if matches!(tg.rule, CRule::Cumulative { .. }) {
                    s.acc.clear();
                    s.acc.resize(n, 0.0);
                }
                let done = &mut s.done;
                let att = &mut st.att[k * (t_len + 1)..(k + 1) * (t_len + 1)];
                let row =
                    |c: usize, t: usize| &s.traj[(c * t_len + t) * n..(c * t_len + t + 1) * n];
                // "At least as good" as s·a ≥ s·b with s = ±1: no branch on the direction,
                // and a select rather than a jump, so the loops vectorise.
                let sg = if tg.higher { 1.0 } else { -1.0 };
                // Marking is a select per path; the paths attained so far are the sum of the
                // flags (eight-lane sum, exact for counts below 2^53), with no counter whose
                // chain of increments would keep the loop scalar.
                #[inline(always)]
                fn mark(done: &mut [f64], hits: impl Iterator<Item = bool>) -> u64 {
                    for (d, hit) in done.iter_mut().zip(hits) {
                        *d = if hit { 1.0 } else { *d };
                    }
                    lane_sum(done) as u64
                }
                let mut attained = 0u64;
                for (t, att_t) in att.iter_mut().enumerate().take(t_len).skip(from) {
                    let x = row(tg.c, t);
                    let so_far = match &tg.rule {
                        CRule::Level { thr, .. } => {
                            let st = sg * thr;
                            mark(done, x.iter().map(|&v| sg * v >= st))
                        }
                        CRule::Multiple { thr, base, .. } => {
                            let b = row(tg.c, *base);
                            let st = sg * thr;
                            let hits = x.iter().zip(b).map(|(&v, &b0)| sg * (v / b0) >= st);
                            mark(done, hits)
                        }
                        CRule::Reference { r, margin, .. } => {
                            let rv = row(*r, t);
                            let hits = x
                                .iter()
                                .zip(rv)
                                .map(|(&v, &r0)| sg * (v - (r0 + margin)) >= 0.0);
                            mark(done, hits)
                        }
                        CRule::Cumulative { thr, .. } => {
                            let st = sg * thr;
                            for (a, &v) in s.acc.iter_mut().zip(x) {
                                *a += v;
                            }
                            mark(done, s.acc.iter().map(|&a| sg * a >= st))
                        }
                        _ => attained,
                    };
                    *att_t += so_far - attained;
                    attained = so_far;
                }
                att[t_len] += n as u64 - attained;
            }
        }
    }
}

/// Order-preserving map of f64 to u64 (total order; NaN sorts last).
#[inline(always)]
fn key(v: f64) -> u64 {
    // Negative: flip every bit; positive: set the sign bit. Branch-free, so the key pass over a
    // chunk vectorises.
    let b = v.to_bits();
    b ^ (((b as i64 >> 63) as u64) | (1 << 63))
}

#[inline]
fn unkey(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Puts the order statistics of the (sorted, distinct) `ranks` in place.
fn multiselect(v: &mut [u64], offset: usize, ranks: &[usize]) {
    if ranks.is_empty() || v.is_empty() {
        return;
    }
    let mid = ranks.len() / 2;
    let r = ranks[mid] - offset;
    v.select_nth_unstable(r);
    let (left, right) = v.split_at_mut(r);
    multiselect(left, offset, &ranks[..mid]);
    multiselect(&mut right[1..], offset + r + 1, &ranks[mid + 1..]);
}

/// Order statistics (0-based `ranks`, sorted and distinct) of a large key buffer, in one
/// parallel pass.
///
/// The sampling step of Floyd and Rivest's SELECT (1975, "Expected time bounds for
/// selection", CACM 18(3)): a fixed strided sample of `SAMPLE` keys is taken; for each rank
/// the sample gives two keys that bracket it with overwhelming probability (±6 standard
/// deviations of a sample rank); a single pass counts the keys below each bracket and gathers
/// the few keys inside it (a few per cent), and only those are selected. When a bracket misses
/// its rank (the count proves it), the exact histogram method [`hist_order_stats`] answers
/// instead, so the result is exact whatever the data. Independent of the thread count: counts
/// are integers and a selection does not depend on the order of its input.
fn par_order_stats(v: &[u64], ranks: &[usize]) -> Vec<u64> {
    const BLOCK: usize = 1 << 16;
    let n = v.len();
    if n < 4 * SAMPLE || ranks.is_empty() {
        return hist_order_stats(v, ranks);
    }
    let mut sample: Vec<u64> = (0..SAMPLE).map(|i| v[i * (n / SAMPLE)]).collect();
    let brackets = brackets_for(&mut sample, ranks, n);
    let m = brackets.len();
    let cells = v
        .par_chunks(BLOCK)
        .fold(
            || Cells::empty(m),
            |mut c, block| {
                c.add(block, &brackets);
                c
            },
        )
        .reduce(|| Cells::empty(m), Cells::merged);
    cells
        .select(ranks)
        .unwrap_or_else(|| hist_order_stats(v, ranks))
}

/// Sample size for the brackets of [`par_order_stats`] and the pilot of a bracketed run.
const SAMPLE: usize = 1 << 15;

/// Key intervals [lo, hi] around each of the `ranks` (of `n` keys), from a random `sample` of
/// them: the sample's order statistics 6 binomial standard deviations (at most ½√S each)
/// either side of the rank's place, merged where they overlap. Only those order statistics
/// are selected (the sample is reordered, not sorted).
fn brackets_for(sample: &mut [u64], ranks: &[usize], n: usize) -> Vec<(u64, u64)> {
    let m = sample.len();
    let half_width = 6.0 * 0.5 * (m as f64).sqrt() + 8.0;
    let ends: Vec<(usize, usize)> = ranks
        .iter()
        .map(|&r| {
            let j = r as f64 / n as f64 * m as f64;
            let a = (j - half_width).floor().max(0.0) as usize;
            let b = ((j + half_width).ceil() as usize).min(m - 1);
            (a, b)
        })
        .collect();
    let mut at: Vec<usize> = ends.iter().flat_map(|&(a, b)| [a, b]).collect();
    at.sort_unstable();
    at.dedup();
    multiselect(sample, 0, &at);
    let mut brackets: Vec<(u64, u64)> = vec![];
    for (a, b) in ends {
        let (lo, hi) = (sample[a], sample[b]);
        match brackets.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => brackets.push((lo, hi)),
        }
    }
    brackets
}

/// Where keys fall among m disjoint, sorted brackets: per bracket, the count of keys below it
/// and the keys inside it. Mergeable, so each worker builds its own over its blocks or chunks.
struct Cells {
    below: Vec<u64>,
    inside: Vec<Vec<u64>>,
}

impl Cells {
    fn empty(m: usize) -> Cells {
        Cells {
            below: vec![0; m],
            inside: vec![vec![]; m],
        }
    }

    /// Adds `keys`, bracket by bracket ([`scan_bracket`]).
    fn add(&mut self, keys: &[u64], brackets: &[(u64, u64)]) {
        for ((&(lo, hi), below), inside) in
            brackets.iter().zip(&mut self.below).zip(&mut self.inside)
        {
            *below += scan_bracket(keys, lo, hi, inside);
        }
    }

    fn merged(mut self, other: Cells) -> Cells {
        for (a, b) in self.below.iter_mut().zip(&other.below) {
            *a += b;
        }
        for (a, b) in self.inside.iter_mut().zip(other.inside) {
            a.extend_from_slice(&b);
        }
        self
    }

    /// The order statistics of `ranks` (sorted), or `None` when one of them is not inside a
    /// bracket (the sample misled; the count proves it).
    fn select(mut self, ranks: &[usize]) -> Option<Vec<u64>> {
        let m = self.inside.len();
        let below = &self.below;
        let bracket_of = |r: usize| {
            (0..m).find(|&b| {
                let r = r as u64;
                r >= below[b] && r < below[b] + self.inside[b].len() as u64
            })
        };
        let located = ranks
            .iter()
            .map(|&r| bracket_of(r))
            .collect::<Option<Vec<_>>>()?;
        let mut out = vec![0u64; ranks.len()];
        for (b, (inside, &base)) in self.inside.iter_mut().zip(below).enumerate() {
            let idx: Vec<usize> = (0..ranks.len()).filter(|&i| located[i] == b).collect();
            let local: Vec<usize> = idx.iter().map(|&i| ranks[i] - base as usize).collect();
            multiselect(inside, 0, &local);
            for (&i, &l) in idx.iter().zip(&local) {
                out[i] = inside[l];
            }
        }
        Some(out)
    }
}

/// The keys below the bracket [`lo`, `hi`] (returned as a count) and those inside it (pushed
/// to `inside`): the inside keys by blocks of 64, a bit mask per block built with no branch
/// (it vectorises: about 1 key in 30 falls inside a bracket, at random, which a branch per key
/// would mispredict), then only its set bits visited. Compiled for AVX2 and AVX-512 beside
/// baseline x86-64 ([`multiversion`]), which has no 64-bit integer compare.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+avx+fma",
    "x86_64+avx2+avx+fma",
))]
fn scan_bracket(keys: &[u64], lo: u64, hi: u64, inside: &mut Vec<u64>) -> u64 {
    // k in [lo, hi] exactly when k − lo (wrapping) ≤ hi − lo: one compare a key.
    let width = hi - lo;
    let below = keys.iter().map(|&k| u64::from(k < lo)).sum();
    for block in keys.chunks(64) {
        let mut within = 0u64;
        for (j, &k) in block.iter().enumerate() {
            within |= u64::from(k.wrapping_sub(lo) <= width) << j;
        }
        while within != 0 {
            inside.push(block[within.trailing_zeros() as usize]);
            within &= within - 1;
        }
    }
    below
}

/// Order statistics (0-based `ranks`) of a large key buffer, in parallel: a histogram of the
/// keys' leading bits (below the bits all keys share) locates the bucket of each rank, and only
/// the keys of those buckets are gathered and selected. Exact whatever the distribution of the
/// keys; three passes over the buffer, so [`par_order_stats`] tries its one-pass sample
/// brackets first. Independent of the thread count.
fn hist_order_stats(v: &[u64], ranks: &[usize]) -> Vec<u64> {
    const BLOCK: usize = 1 << 16;
    let (mn, mx) = v
        .par_chunks(BLOCK)
        .map(|c| {
            c.iter()
                .fold((u64::MAX, 0u64), |(a, b), &k| (a.min(k), b.max(k)))
        })
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let span = mx - mn;
    let shift = (64 - span.leading_zeros()).saturating_sub(16);
    let nb = (span >> shift) as usize + 1;
    let bucket = |k: u64| ((k - mn) >> shift) as usize;
    let hist = v
        .par_chunks(BLOCK * 4)
        .map(|c| {
            let mut h = vec![0u64; nb];
            for &k in c {
                h[bucket(k)] += 1;
            }
            h
        })
        .reduce(
            || vec![0u64; nb],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    // cum[b] = number of keys in buckets before b.
    let mut cum = Vec::with_capacity(nb + 1);
    let mut acc = 0u64;
    cum.push(0);
    for h in &hist {
        acc += h;
        cum.push(acc);
    }
    let bucket_of = |r: usize| cum.partition_point(|&c| c <= r as u64) - 1;
    let mut need: Vec<usize> = ranks.iter().map(|&r| bucket_of(r)).collect();
    need.sort_unstable();
    need.dedup();
    let mut gathered: Vec<u64> = v
        .par_iter()
        .copied()
        .filter(|&k| need.binary_search(&bucket(k)).is_ok())
        .collect();
    // A rank's position among the gathered keys: its rank within its bucket plus the sizes of
    // the gathered buckets before it.
    let local = |r: usize| {
        let b = bucket_of(r);
        let before: u64 = need.iter().take_while(|&&x| x < b).map(|&x| hist[x]).sum();
        (r as u64 - cum[b] + before) as usize
    };
    let mut lr: Vec<usize> = ranks.iter().map(|&r| local(r)).collect();
    lr.sort_unstable();
    lr.dedup();
    multiselect(&mut gathered, 0, &lr);
    ranks.iter().map(|&r| gathered[local(r)]).collect()
}

/// Exact quantiles (numpy's default linear interpolation) of keys; may reorder `v`.
///
/// Small buffers: nested `select_nth_unstable` on the lower order statistic of each
/// probability; the upper neighbour (rank + 1) is the minimum of the short segment up to the
/// next selected rank. Large buffers: [`par_order_stats`].
/// The type-7 positions of `probs` among `n` values, (lower rank, fraction), and the sorted
/// ranks whose order statistics they need (each lower rank and the one above).
fn rank_plan(n: usize, probs: &[f64]) -> (Vec<(usize, f64)>, Vec<usize>) {
    let pos: Vec<(usize, f64)> = probs
        .iter()
        .map(|&p| {
            let h = (n - 1) as f64 * p;
            let lo = (h.floor() as usize).min(n - 1);
            (lo, h - lo as f64)
        })
        .collect();
    let mut ranks: Vec<usize> = pos
        .iter()
        .flat_map(|&(lo, _)| [lo, (lo + 1).min(n - 1)])
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    (pos, ranks)
}

/// Linear interpolation between order statistics (type 7); `stats[i]` is the key of rank
/// `ranks[i]`.
fn interpolate(pos: &[(usize, f64)], ranks: &[usize], stats: &[u64]) -> Vec<f64> {
    let n_max = ranks.last().copied().unwrap_or(0);
    let at = |r: usize| unkey(stats[ranks.binary_search(&r).expect("requested")]);
    pos.iter()
        .map(|&(lo, f)| {
            let a = at(lo);
            let b = at((lo + 1).min(n_max));
            if f == 0.0 || a == b {
                a
            } else {
                a + f * (b - a)
            }
        })
        .collect()
}

fn quantiles_of(v: &mut [u64], probs: &[f64]) -> Vec<f64> {
    let n = v.len();
    if n >= 1 << 17 {
        let (pos, ranks) = rank_plan(n, probs);
        let stats = par_order_stats(v, &ranks);
        return interpolate(&pos, &ranks, &stats);
    }
    let pos = rank_plan(n, probs).0;
    let mut ranks: Vec<usize> = pos.iter().map(|p| p.0).collect();
    ranks.sort_unstable();
    ranks.dedup();
    multiselect(v, 0, &ranks);
    pos.iter()
        .map(|&(lo, f)| {
            let a = unkey(v[lo]);
            if f == 0.0 || lo + 1 >= n {
                return a;
            }
            // Elements after `lo` up to the next selected rank (exclusive) hold ranks lo+1…;
            // if lo + 1 is itself selected, it is in place.
            let next = ranks.iter().copied().find(|&r| r > lo).unwrap_or(n);
            let b = if next == lo + 1 {
                unkey(v[lo + 1])
            } else {
                unkey(*v[lo + 1..next].iter().min().expect("non-empty"))
            };
            if a == b { a } else { a + f * (b - a) }
        })
        .collect()
}

/// Exact quantiles of a sample, interpolated as numpy's default (`linear`). Reorders nothing
/// of the input: it works on a copy.
///
/// ```
/// let q = innodex::projection::monte_carlo::sample_quantiles(&[4.0, 1.0, 3.0, 2.0], &[0.0, 0.5, 1.0]);
/// assert_eq!(q, vec![1.0, 2.5, 4.0]);
/// ```
pub fn sample_quantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
    if values.is_empty() {
        return vec![f64::NAN; probs.len()];
    }
    let mut k: Vec<u64> = values.iter().map(|&v| key(v)).collect();
    quantiles_of(&mut k, probs)
}

/// Runs of at least this many paths try [`bracketed_pass`] first (below, every key is held).
const BRACKETED_MIN_PATHS: usize = 1 << 17;

/// One chunk of paths: simulate, the chunk statistics (year sums, when `want_stats`, and the
/// target counts), and the order keys of each slot in `group` written to `outs`.
///
/// Compiled for baseline x86-64 and again for AVX2 and AVX-512, the best chosen at run time
/// ([`multiversion`]): its loops over the paths are written to vectorise, and wider vector
/// units run them in fewer instructions. Rust never contracts `a * b + c` into an FMA and keeps
/// the order of every sum, so each copy gives bit-identical results.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+avx+fma",
    "x86_64+avx2+avx+fma",
))]
#[allow(clippy::too_many_arguments)]
fn chunk_work(
    cm: &Compiled,
    ci: usize,
    n: usize,
    seed: u64,
    s: &mut Scratch,
    want_stats: bool,
    group: &[Slot],
    outs: &mut [&mut [u64]],
) -> ChunkStats {
    let t_len = cm.t_len;
    let n_targets = cm.targets.len();
    cm.simulate_chunk(ci, n, seed, s);
    let mut st = ChunkStats {
        sums: vec![],
        met: vec![0; n_targets],
        att: vec![0; n_targets * (t_len + 1)],
        metric_sums: vec![0.0; n_targets],
    };
    if want_stats {
        // A plain loop: an iterator adapter here would be compiled once, outside this
        // function's wider copies, and its sums would run on baseline SIMD.
        st.sums = Vec::with_capacity(cm.chans.len() * t_len);
        for row in s.traj.chunks_exact(n).take(cm.chans.len() * t_len) {
            st.sums.push(lane_sum(row));
        }
    }
    cm.eval_targets(n, s, want_stats.then_some(&mut st));
    for (slot, out) in group.iter().zip(outs.iter_mut()) {
        let src = match *slot {
            Slot::Fan { c, t } => &s.traj[(c * t_len + t) * n..(c * t_len + t + 1) * n],
            Slot::Metric { k } => cm.metric_row(k, n, s),
        };
        for (o, v) in out.iter_mut().zip(src) {
            *o = key(*v);
        }
    }
    st
}

/// What a worker holds in the main part of [`bracketed_pass`]: simulation scratch, one chunk's
/// keys per slot, and what it has gathered: its chunks' statistics (with their index) and the
/// cells of each slot over all its chunks (`None` once the run is cancelled).
type RestWork = (
    Scratch,
    Vec<Vec<u64>>,
    Option<(Vec<(usize, ChunkStats)>, Vec<Cells>)>,
);

/// What [`bracketed_pass`] returns: the chunk statistics in chunk order, and per slot its
/// quantiles or `None` when a bracket missed.
type Bracketed = (Vec<ChunkStats>, Vec<Option<Vec<f64>>>);

/// All chunks in one pass, holding per slot only the keys near the ranks its quantiles need.
///
/// The first chunks (at least [`SAMPLE`] paths) are a pilot: their keys are kept whole, and
/// the brackets around each rank are read off them as off any random sample of the paths
/// ([`brackets_for`]). Of every later chunk, a worker then only counts the keys below each
/// bracket and keeps those inside ([`Cells`]), while they are still in cache; no buffer of
/// all the paths is filled or read again. A slot whose ranks do not all fall inside its
/// brackets (the counts prove it; rare by construction) gets `None`, and the caller computes
/// it exactly from a full buffer. Returns the chunk statistics in chunk order and the
/// quantiles per slot.
fn bracketed_pass(
    cm: &Compiled,
    cfg: &McConfig,
    slots: &[Slot],
    probs: &[&[f64]],
    progress: &Progress,
) -> Result<Bracketed, ProjectionError> {
    let (n_paths, chunk) = (cfg.n_paths, cfg.chunk_size);
    let n_chunks = n_paths.div_ceil(chunk);
    let pilot_chunks = SAMPLE.div_ceil(chunk).min(n_chunks);
    let len = |ci: usize| chunk.min(n_paths - ci * chunk);
    let pilot: Vec<Option<(ChunkStats, Vec<Vec<u64>>)>> = (0..pilot_chunks)
        .into_par_iter()
        .map_init(Scratch::default, |s, ci| {
            if progress.is_cancelled() {
                return None;
            }
            let mut keys: Vec<Vec<u64>> = slots.iter().map(|_| vec![0; len(ci)]).collect();
            let mut outs: Vec<&mut [u64]> = keys.iter_mut().map(|k| &mut k[..]).collect();
            let st = chunk_work(cm, ci, len(ci), cfg.seed, s, true, slots, &mut outs);
            progress.done.fetch_add(1, Ordering::Relaxed);
            Some((st, keys))
        })
        .collect();
    if progress.is_cancelled() {
        return Err(ProjectionError::Cancelled);
    }
    let mut stats = Vec::with_capacity(n_chunks);
    let mut sample: Vec<Vec<u64>> = vec![vec![]; slots.len()];
    for (st, keys) in pilot.into_iter().map(|r| r.expect("not cancelled")) {
        stats.push(st);
        for (a, k) in sample.iter_mut().zip(keys) {
            a.extend_from_slice(&k);
        }
    }
    let plans: Vec<_> = probs
        .iter()
        .zip(&mut sample)
        .map(|(p, smp)| {
            let (pos, ranks) = rank_plan(n_paths, p);
            let brackets = brackets_for(smp, &ranks, n_paths);
            (pos, ranks, brackets)
        })
        .collect();
    let empty_cells = || -> Vec<Cells> {
        plans
            .iter()
            .map(|plan| Cells::empty(plan.2.len()))
            .collect()
    };
    // Each worker folds its chunks into its own cells (counts add up and a selection does not
    // depend on the order of its input, so how rayon splits the chunks does not matter).
    let rest = (pilot_chunks..n_chunks)
        .into_par_iter()
        .fold(
            || -> RestWork {
                let gathered = (vec![], empty_cells());
                (
                    Scratch::default(),
                    vec![vec![]; slots.len()],
                    Some(gathered),
                )
            },
            |(mut s, mut keys, mut gathered): RestWork, ci| {
                let Some((stats, cells)) = gathered.as_mut() else {
                    return (s, keys, None);
                };
                if progress.is_cancelled() {
                    return (s, keys, None);
                }
                for k in keys.iter_mut() {
                    k.resize(len(ci), 0);
                }
                let mut outs: Vec<&mut [u64]> = keys.iter_mut().map(|k| &mut k[..]).collect();
                let st = chunk_work(cm, ci, len(ci), cfg.seed, &mut s, true, slots, &mut outs);
                for ((c, k), plan) in cells.iter_mut().zip(&keys).zip(&plans) {
                    c.add(k, &plan.2);
                }
                stats.push((ci, st));
                progress.done.fetch_add(1, Ordering::Relaxed);
                (s, keys, gathered)
            },
        )
        .map(|(_, _, gathered)| gathered)
        .reduce(
            || Some((vec![], empty_cells())),
            |a, b| {
                let ((mut sa, ca), (sb, cb)) = (a?, b?);
                sa.extend(sb);
                Some((
                    sa,
                    ca.into_iter().zip(cb).map(|(x, y)| x.merged(y)).collect(),
                ))
            },
        );
    let Some((mut rest_stats, rest_cells)) = rest else {
        return Err(ProjectionError::Cancelled);
    };
    if progress.is_cancelled() {
        return Err(ProjectionError::Cancelled);
    }
    rest_stats.sort_unstable_by_key(|(ci, _)| *ci);
    stats.extend(rest_stats.into_iter().map(|(_, st)| st));
    let cells: Vec<Cells> = sample
        .iter()
        .zip(&plans)
        .zip(rest_cells)
        .map(|((smp, plan), mut c)| {
            c.add(smp, &plan.2);
            c
        })
        .collect();
    let qs = cells
        .into_par_iter()
        .zip(&plans)
        .map(|(c, (pos, ranks, _))| c.select(ranks).map(|st| interpolate(pos, ranks, &st)))
        .collect();
    Ok((stats, qs))
}

fn check_config(cfg: &McConfig) -> Result<(), ProjectionError> {
    if cfg.n_paths == 0 {
        return Err(ProjectionError::ZeroPaths);
    }
    if cfg.chunk_size == 0 {
        return Err(ProjectionError::InvalidParameter {
            what: "chunk_size".into(),
            value: 0.0,
            problem: "must be positive",
        });
    }
    for (i, &q) in cfg.quantiles.iter().enumerate() {
        if !(0.0..=1.0).contains(&q) {
            return Err(ProjectionError::InvalidParameter {
                what: "quantile".into(),
                value: q,
                problem: "must be in [0, 1]",
            });
        }
        // A repeated probability would name two fan columns alike.
        if cfg.quantiles[..i].contains(&q) {
            return Err(ProjectionError::InvalidParameter {
                what: "quantile".into(),
                value: q,
                problem: "is listed twice",
            });
        }
    }
    Ok(())
}

/// Runs the simulation (see the module docs).
///
/// ```
/// use innodex::projection::dist::Dist;
/// use innodex::projection::monte_carlo::{simulate, Channel, McConfig, McModel, McRule, McTarget, Process};
/// let model = McModel {
///     horizon: 2025,
///     channels: vec![Channel::simulated("hte", 2020, 750.0, Process::Growth {
///         rate: Dist::normal(0.12, 0.04), per_path: false, shock: None })],
///     targets: vec![McTarget { id: "1500".into(), indicator: "hte".into(),
///         rule: McRule::Level { threshold: 1500.0, by: 2025 }, higher_is_better: true }],
///     correlations: vec![],
/// };
/// let r = simulate(&model, &McConfig { n_paths: 20_000, seed: 7, ..McConfig::default() }).unwrap();
/// let p = r.targets[0].probability.unwrap();
/// // The median path, 750 · 1.12⁵ ≈ 1322, falls well short of 1500: about one path in twenty
/// // gets there.
/// assert!(p > 0.03 && p < 0.08);
/// ```
///
/// Refuses, before anything is allocated, a run larger than [`McConfig::max_values`] or whose
/// quantile buffer would exceed [`McConfig::max_buffer_bytes`].
fn check_size(cfg: &McConfig, channels: usize, years: usize) -> Result<(), ProjectionError> {
    let saturate = |x: u128| u64::try_from(x).unwrap_or(u64::MAX);
    let values = cfg.n_paths as u128 * channels.max(1) as u128 * years.max(1) as u128;
    if values > u128::from(cfg.max_values) {
        return Err(ProjectionError::TooLarge {
            what: "Monte Carlo values (paths × years × indicators; max_values)",
            size: saturate(values),
            limit: cfg.max_values,
        });
    }
    let bytes = cfg.n_paths as u128 * 8;
    if bytes > u128::from(cfg.max_buffer_bytes) {
        return Err(ProjectionError::TooLarge {
            what: "bytes of one quantile buffer (8 a path; max_buffer_bytes)",
            size: saturate(bytes),
            limit: cfg.max_buffer_bytes,
        });
    }
    Ok(())
}

/// # Errors
/// [`ProjectionError::ZeroPaths`], [`ProjectionError::TooLarge`], invalid distributions ([`ProjectionError::NegativeSpread`],
/// …), a horizon before a start year, unknown channels, bad correlations.
pub fn simulate(model: &McModel, cfg: &McConfig) -> Result<McResult, ProjectionError> {
    simulate_with_progress(model, cfg, &Progress::default())
}

/// [`simulate`], reporting progress and honouring cancellation through `progress`.
///
/// # Errors
/// As [`simulate`], plus [`ProjectionError::Cancelled`].
pub fn simulate_with_progress(
    model: &McModel,
    cfg: &McConfig,
    progress: &Progress,
) -> Result<McResult, ProjectionError> {
    check_config(cfg)?;
    let cm = compile(model)?;
    let n_paths = cfg.n_paths;
    let t_len = cm.t_len;
    check_size(cfg, cm.chans.len(), t_len)?;
    let years: Vec<i32> = (0..t_len).map(|t| cm.first_year + t as i32).collect();
    let fan_years: Vec<bool> = years
        .iter()
        .map(|y| cfg.fan_years.as_ref().is_none_or(|f| f.contains(y)))
        .collect();
    let mut metric_probs: Vec<f64> = cfg.quantiles.clone();
    metric_probs.extend([0.05, 0.5, 0.95]);
    metric_probs.sort_by(f64::total_cmp);
    metric_probs.dedup();

    let mut slots = vec![];
    for (c, ch) in cm.chans.iter().enumerate() {
        for (t, (&fan, &random)) in fan_years.iter().zip(&ch.random).enumerate() {
            if fan && random {
                slots.push(Slot::Fan { c, t });
            }
        }
    }
    // A level target's metric is its indicator's value in the target year: when that year is
    // in the fan, the fan's slot serves both.
    let metric_slot: Vec<Slot> = cm
        .targets
        .iter()
        .enumerate()
        .map(|(k, tg)| match tg.rule {
            CRule::Level { by, .. } if slots.contains(&Slot::Fan { c: tg.c, t: by }) => {
                Slot::Fan { c: tg.c, t: by }
            }
            _ => Slot::Metric { k },
        })
        .collect();
    for s in &metric_slot {
        if matches!(s, Slot::Metric { .. }) {
            slots.push(*s);
        }
    }
    let probs: Vec<&[f64]> = slots
        .iter()
        .map(|slot| {
            let shared = matches!(slot, Slot::Fan { .. }) && metric_slot.contains(slot);
            match slot {
                Slot::Fan { .. } if !shared => &cfg.quantiles[..],
                _ => &metric_probs[..],
            }
        })
        .collect();
    let chunk = cfg.chunk_size;
    let n_chunks = n_paths.div_ceil(chunk);
    let mut first_stats: Vec<ChunkStats> = vec![];
    let mut slot_q: HashMap<usize, Vec<f64>> = HashMap::new();
    // Large runs: one pass that keeps only the keys near the wanted ranks (brackets from a
    // pilot sample); the slots whose brackets miss, if any, get the exact passes below.
    let mut pending: Vec<usize> = (0..slots.len()).collect();
    let bracketed = n_paths >= BRACKETED_MIN_PATHS && !slots.is_empty();
    if bracketed {
        progress.total.store(n_chunks, Ordering::Relaxed);
        let (stats, qs) = bracketed_pass(&cm, cfg, &slots, &probs, progress)?;
        first_stats = stats;
        pending.clear();
        for (i, q) in qs.into_iter().enumerate() {
            match q {
                Some(q) => {
                    slot_q.insert(i, q);
                }
                None => pending.push(i),
            }
        }
    }
    // Exact passes: every key of a group of slots held (as many slots at once as the memory
    // budget allows), the first pass also gathering the chunk statistics.
    let per_pass = (cfg.memory_budget / (n_paths * 8)).max(1);
    let groups: Vec<&[usize]> = if pending.is_empty() {
        if first_stats.is_empty() {
            vec![&[]]
        } else {
            vec![]
        }
    } else {
        pending.chunks(per_pass).collect()
    };
    if bracketed {
        progress
            .total
            .fetch_add(groups.len() * n_chunks, Ordering::Relaxed);
    } else {
        progress
            .total
            .store(groups.len() * n_chunks, Ordering::Relaxed);
    }
    let passes = usize::from(bracketed) + groups.len();
    for group in groups {
        let want_stats = first_stats.is_empty();
        let group_slots: Vec<Slot> = group.iter().map(|&i| slots[i]).collect();
        let mut bufs: Vec<Vec<u64>> = group.iter().map(|_| vec![0u64; n_paths]).collect();
        let mut per_chunk: Vec<Vec<&mut [u64]>> = (0..n_chunks)
            .map(|_| Vec::with_capacity(group.len()))
            .collect();
        for b in bufs.iter_mut() {
            for (i, sl) in b.chunks_mut(chunk).enumerate() {
                per_chunk[i].push(sl);
            }
        }
        let results: Vec<Option<ChunkStats>> = per_chunk
            .into_par_iter()
            .enumerate()
            // Scratch buffers are reused by each worker; every chunk overwrites what it reads.
            .map_init(Scratch::default, |s, (ci, mut outs)| {
                if progress.is_cancelled() {
                    return None;
                }
                let n = chunk.min(n_paths - ci * chunk);
                let st = chunk_work(&cm, ci, n, cfg.seed, s, want_stats, &group_slots, &mut outs);
                progress.done.fetch_add(1, Ordering::Relaxed);
                Some(st)
            })
            .collect();
        if progress.is_cancelled() {
            return Err(ProjectionError::Cancelled);
        }
        if want_stats {
            first_stats = results
                .into_iter()
                .map(|r| r.expect("not cancelled"))
                .collect();
        }
        let qs: Vec<Vec<f64>> = bufs
            .par_iter_mut()
            .zip(group.par_iter())
            .map(|(b, &i)| quantiles_of(b, probs[i]))
            .collect();
        for (&i, q) in group.iter().zip(qs) {
            slot_q.insert(i, q);
        }
    }

    // Combine per-chunk statistics in chunk order (bit-identical for any thread count).
    let mut sums = vec![0.0; cm.chans.len() * t_len];
    let n_targets = cm.targets.len();
    let mut met = vec![0u64; n_targets];
    let mut att = vec![0u64; n_targets * (t_len + 1)];
    let mut metric_sums = vec![0.0; n_targets];
    for st in &first_stats {
        for (a, b) in sums.iter_mut().zip(&st.sums) {
            *a += b;
        }
        for (a, b) in met.iter_mut().zip(&st.met) {
            *a += b;
        }
        for (a, b) in att.iter_mut().zip(&st.att) {
            *a += b;
        }
        for (a, b) in metric_sums.iter_mut().zip(&st.metric_sums) {
            *a += b;
        }
    }
    let pn = n_paths as f64;
    let slot_index = |s: Slot| slots.iter().position(|x| *x == s);
    let indicators = cm
        .chans
        .iter()
        .enumerate()
        .map(|(c, ch)| {
            let mut mean = vec![];
            let mut quant = vec![];
            for t in 0..t_len {
                if !ch.avail[t] {
                    mean.push(None);
                    quant.push(None);
                    continue;
                }
                let m = sums[c * t_len + t] / pn;
                mean.push(m.is_finite().then_some(m));
                quant.push(if !fan_years[t] {
                    None
                } else if ch.random[t] {
                    let s = Slot::Fan { c, t };
                    slot_index(s).and_then(|i| slot_q.get(&i)).map(|q| {
                        if metric_slot.contains(&s) {
                            // Computed at the metric probabilities: pick the fan's.
                            cfg.quantiles
                                .iter()
                                .map(|p| {
                                    q[metric_probs.iter().position(|x| x == p).expect("superset")]
                                })
                                .collect()
                        } else {
                            q.clone()
                        }
                    })
                } else {
                    m.is_finite().then(|| vec![m; cfg.quantiles.len()])
                });
            }
            IndicatorFan {
                id: model.channels[c].id.clone(),
                years: years.clone(),
                simulated_from: match &ch.kind {
                    CKind::Sim { start, .. } => Some(years[*start] + 1),
                    CKind::Ratio { .. } => ch.random.iter().position(|&r| r).map(|t| years[t]),
                    CKind::Known => None,
                },
                mean,
                quantiles: quant,
            }
        })
        .collect();
    let targets = model
        .targets
        .iter()
        .zip(&cm.target_map)
        .map(|(t, m)| {
            let mut out = TargetOutcome {
                id: t.id.clone(),
                indicator: t.indicator.clone(),
                target_year: t.rule.target_year(),
                not_projected: None,
                metric: t.rule.metric_name().to_string(),
                threshold: t.rule.threshold(),
                probability: None,
                probability_se: None,
                metric_mean: None,
                metric_band: None,
                metric_quantiles: None,
                attainment: None,
            };
            let k = match m {
                Ok(k) => *k,
                Err(why) => {
                    out.not_projected = Some(why.clone());
                    return out;
                }
            };
            let p = met[k] as f64 / pn;
            out.probability = Some(p);
            out.probability_se = Some((p * (1.0 - p) / pn).sqrt());
            out.metric_mean = Some(metric_sums[k] / pn);
            if let Some(q) = slot_index(metric_slot[k]).and_then(|i| slot_q.get(&i)) {
                let at = |p: f64| {
                    let i = metric_probs
                        .iter()
                        .position(|x| *x == p)
                        .expect("always computed");
                    q[i]
                };
                out.metric_band = Some([at(0.05), at(0.5), at(0.95)]);
                out.metric_quantiles = Some(cfg.quantiles.iter().map(|&p| at(p)).collect());
            }
            if let Some(from) = cm.targets[k].att_from {
                let counts = &att[k * (t_len + 1)..(k + 1) * (t_len + 1)];
                let probability: Vec<f64> =
                    counts[from..t_len].iter().map(|&c| c as f64 / pn).collect();
                let mut cum = 0u64;
                let mut median_year = None;
                for (t, &c) in counts.iter().enumerate().take(t_len).skip(from) {
                    cum += c;
                    if 2 * cum >= n_paths as u64 {
                        median_year = Some(years[t]);
                        break;
                    }
                }
                out.attainment = Some(Attainment {
                    years: years[from..].to_vec(),
                    probability,
                    not_by_horizon: counts[t_len] as f64 / pn,
                    median_year,
                });
            }
            out
        })
        .collect();
    Ok(McResult {
        n_paths,
        seed: cfg.seed,
        quantiles: cfg.quantiles.clone(),
        years,
        indicators,
        targets,
        passes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A growth channel and a cumulative channel, with level and cumulative targets.
    fn two_channel_model() -> McModel {
        serde_json::from_str(
            r#"{"horizon": 2025, "correlations": [],
            "channels": [
              {"id": "x", "known": [], "bounds": [0.0, 1e308],
               "kind": {"kind": "simulated", "start_year": 2020, "start_value": 750.0,
                 "process": {"process": "growth", "rate": {"dist": "normal", "mean": 0.12,
                   "sd": 0.04}, "per_path": false, "shock": null}}},
              {"id": "y", "known": [], "bounds": [-1e308, 1e308],
               "kind": {"kind": "simulated", "start_year": 2020, "start_value": 600.0,
                 "process": {"process": "increment", "step": {"dist": "uniform", "min": -20.0,
                   "max": 30.0}, "per_path": false, "shock": null}}}],
            "targets": [
              {"id": "t", "indicator": "x", "higher_is_better": true,
               "rule": {"kind": "level", "threshold": 1500.0, "by": 2025}},
              {"id": "c", "indicator": "y", "higher_is_better": true,
               "rule": {"kind": "cumulative_flow", "threshold": 3700.0, "from": 2021, "to": 2025}}]}"#,
        )
        .expect("valid model")
    }

    /// Every slot's quantiles from full key buffers (what the exact passes compute).
    fn exact(cm: &Compiled, cfg: &McConfig, slots: &[Slot], probs: &[&[f64]]) -> Vec<Vec<f64>> {
        let n = cfg.n_paths;
        let mut bufs: Vec<Vec<u64>> = slots.iter().map(|_| vec![0; n]).collect();
        let mut s = Scratch::default();
        for ci in 0..n.div_ceil(cfg.chunk_size) {
            let (a, b) = (ci * cfg.chunk_size, ((ci + 1) * cfg.chunk_size).min(n));
            let mut outs: Vec<&mut [u64]> = bufs.iter_mut().map(|v| &mut v[a..b]).collect();
            chunk_work(cm, ci, b - a, cfg.seed, &mut s, true, slots, &mut outs);
        }
        bufs.iter_mut()
            .zip(probs)
            .map(|(b, p)| quantiles_of(b, p))
            .collect()
    }

    #[test]
    fn the_bracketed_pass_gives_the_exact_quantiles_or_says_it_cannot() {
        let cm = compile(&two_channel_model()).unwrap();
        let cfg = McConfig {
            n_paths: (1 << 18) + 77,
            seed: 9,
            ..McConfig::default()
        };
        let slots = [
            Slot::Fan { c: 0, t: 5 },
            Slot::Fan { c: 1, t: 3 },
            Slot::Metric { k: 1 },
        ];
        let inner: &[f64] = &[0.05, 0.25, 0.5, 0.75, 0.95];
        // The extremes: the run's minimum and maximum are in the 2^15-path pilot with
        // probability 1/8 each, so their brackets usually miss.
        let extremes: &[f64] = &[0.0, 0.5, 1.0];
        let probs = [inner, extremes, inner];
        let want = exact(&cm, &cfg, &slots, &probs);
        let (stats, got) = bracketed_pass(&cm, &cfg, &slots, &probs, &Progress::default()).unwrap();
        assert_eq!(stats.len(), cfg.n_paths.div_ceil(cfg.chunk_size));
        assert_eq!(got[0].as_ref(), Some(&want[0]));
        assert_eq!(got[2].as_ref(), Some(&want[2]));
        assert!(
            got[1].is_none(),
            "the extremes' brackets should have missed"
        );
        // Through `simulate`, a missed slot gets an exact pass: same numbers either way.
        let model = two_channel_model();
        let q = |cfg: &McConfig| {
            let r = simulate(&model, cfg).unwrap();
            (r.passes, r.indicators[1].quantiles[3].clone().unwrap())
        };
        let big = McConfig {
            quantiles: extremes.to_vec(),
            ..cfg.clone()
        };
        let (passes, y3) = q(&big);
        assert_eq!(passes, 2);
        assert_eq!(y3, want[1]);
    }

    #[test]
    fn keys_preserve_order() {
        let v = [
            -3.5,
            -0.0,
            0.0,
            1e-300,
            2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for a in v {
            assert_eq!(unkey(key(a)).to_bits(), a.to_bits());
            for b in v {
                if a < b {
                    assert!(key(a) < key(b), "{a} {b}");
                }
            }
        }
    }

    #[test]
    fn parallel_order_statistics_equal_sorting() {
        // 2^20 + 7 values with many ties and a wide range, past the parallel threshold.
        let n = (1 << 20) + 7;
        let vals: Vec<f64> = (0..n as u64)
            .map(|i| {
                let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                if i % 5 == 0 {
                    3.0
                } else {
                    (h as f64 - 8e6) * 1e-3
                }
            })
            .collect();
        let probs = [0.0, 0.05, 0.2, 0.5, 0.95, 0.999, 1.0];
        let got = sample_quantiles(&vals, &probs);
        let mut sorted = vals.clone();
        sorted.sort_by(f64::total_cmp);
        for (p, g) in probs.iter().zip(got) {
            let h = (n - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let want = sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]);
            assert!(
                (g - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{p}: {g} vs {want}"
            );
        }
    }

    #[test]
    fn order_statistics_exact_when_the_sample_misleads() {
        // The strided sample (every (n / 2^15)-th key) sees only zeros, so every bracket
        // misses: the histogram fallback must still give the exact order statistics.
        let n = 1usize << 21;
        let stride = n / (1 << 15);
        let v: Vec<u64> = (0..n as u64)
            .map(|i| {
                if (i as usize).is_multiple_of(stride) {
                    0
                } else {
                    i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 8
                }
            })
            .collect();
        let ranks = [0, 1, n / 20, n / 2, n / 2 + 1, n - 1];
        let mut sorted = v.clone();
        sorted.sort_unstable();
        let want: Vec<u64> = ranks.iter().map(|&r| sorted[r]).collect();
        assert_eq!(par_order_stats(&v, &ranks), want);
        assert_eq!(hist_order_stats(&v, &ranks), want);
    }

    #[test]
    fn sample_brackets_equal_sorting() {
        // Typical data, where the brackets hold: both methods agree with a full sort.
        let n = (1usize << 20) + 11;
        let v: Vec<u64> = (0..n as u64)
            .map(|i| key(((i.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64).ln()))
            .collect();
        let ranks = [3, n / 20, n / 20 + 1, n / 2, n - 2, n - 1];
        let mut sorted = v.clone();
        sorted.sort_unstable();
        let want: Vec<u64> = ranks.iter().map(|&r| sorted[r]).collect();
        assert_eq!(par_order_stats(&v, &ranks), want);
    }

    #[test]
    fn quantiles_match_sorting_definition() {
        // numpy: np.quantile([5, 1, 4, 2, 3, 9, 7], [0, .1, .5, .95, 1]) = 1, 1.6, 4, 8.4, 9
        let q = sample_quantiles(
            &[5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 7.0],
            &[0.0, 0.1, 0.5, 0.95, 1.0],
        );
        let want = [1.0, 1.6, 4.0, 8.4, 9.0];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }
}
