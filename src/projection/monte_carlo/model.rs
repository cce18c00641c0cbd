//! The model a Monte Carlo run simulates: channels, their processes, targets and correlations, and the run settings.

use serde::{Deserialize, Serialize};

use crate::indicator::Indicator;
use crate::projection::fit::OlsLine;
use crate::projection::methods::{DampedHolt, inv_logit};
use crate::stats::Distribution;
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
            n_paths: crate::DEFAULT_PATHS,
            seed: crate::DEFAULT_SEED,
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
    pub(super) fn back(&self, z: f64) -> f64 {
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
        rate: Distribution,
        /// Draw the rate once per path instead of every year.
        per_path: bool,
        /// A yearly shock added to the rate.
        shock: Option<Distribution>,
    },
    /// v ← v + step + shock.
    Increment {
        /// Yearly change.
        step: Distribution,
        /// Draw the step once per path.
        per_path: bool,
        /// A yearly shock added to the step.
        shock: Option<Distribution>,
    },
    /// logit(v/K) ← logit(v/K) + rate + shock.
    Logistic {
        /// Yearly change of the logit.
        rate: Distribution,
        /// Draw the rate once per path.
        per_path: bool,
        /// A yearly shock added to the rate.
        shock: Option<Distribution>,
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
    /// use innodex::stats::Distribution;
    /// use innodex::projection::monte_carlo::{Channel, Process};
    /// let c = Channel::simulated("hte_count", 2020, 750.0, Process::Growth {
    ///     rate: Distribution::normal(0.12, 0.04), per_path: false, shock: None });
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

/// A target as the simulation checks it, path by path: a plan's [`Rule`] whose thresholds
/// already include the "about" tolerance, with its base year resolved. Each rule has a
/// *metric* computed per path ([`McTarget::metric_name`]); the target is met when the metric
/// is at least as good as [`McTarget::threshold`].
///
/// ```
/// use innodex::projection::monte_carlo::McTarget;
/// use innodex::target::Rule;
/// let t = McTarget {
///     id: "t".into(),
///     indicator: "x".into(),
///     rule: Rule::MultipleOfBase { factor: 1.9, by: 2025 },
///     base_year: Some(2020),
///     higher_is_better: true,
/// };
/// assert_eq!(t.threshold(), 1.9);
/// assert_eq!(t.metric_name(), "multiple of the base-year value");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McTarget {
    /// Target id.
    pub id: String,
    /// Channel (indicator) id.
    pub indicator: String,
    /// The rule, its level moved by the tolerance in the indicator's favourable direction.
    pub rule: Rule,
    /// The base year: the denominator of a multiple (required there) and, for a reference
    /// target, the year after which attainment is searched. Yearly rules use `from − 1`.
    #[serde(default)]
    pub base_year: Option<i32>,
    /// Direction of the indicator.
    pub higher_is_better: bool,
}

impl McTarget {
    /// Words for the metric computed per path.
    pub fn metric_name(&self) -> &'static str {
        match self.rule {
            Rule::Level { .. } => "value in the target year",
            Rule::MultipleOfBase { .. } => "multiple of the base-year value",
            Rule::AtLeastReference { .. } => "gap to the reference (+ margin)",
            Rule::YearlyFlow { .. } => "lowest yearly value",
            Rule::NetIncrease { .. } => "lowest yearly net increase",
            Rule::GrowthFloor { .. } => "average yearly growth rate",
            Rule::CumulativeFlow { .. } => "total over the period",
        }
    }

    /// The threshold the metric is compared with (0 for the gap to a reference).
    pub fn threshold(&self) -> f64 {
        match self.rule {
            Rule::Level { value: v, .. }
            | Rule::MultipleOfBase { factor: v, .. }
            | Rule::YearlyFlow { min: v, .. }
            | Rule::NetIncrease { min: v, .. }
            | Rule::GrowthFloor { min_rate: v, .. }
            | Rule::CumulativeFlow { min_total: v, .. } => v,
            Rule::AtLeastReference { .. } => 0.0,
        }
    }

    /// Whether a first year of attainment is defined (levels, references and totals; not for
    /// conditions on every year or on an average rate).
    pub fn has_attainment(&self) -> bool {
        matches!(
            self.rule,
            Rule::Level { .. }
                | Rule::MultipleOfBase { .. }
                | Rule::AtLeastReference { .. }
                | Rule::CumulativeFlow { .. }
        )
    }

    /// The simulation form of a plan target: tolerance applied in the indicator's favourable
    /// direction (not to a growth rate or a reference margin), base year resolved.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// use innodex::projection::monte_carlo::McTarget;
    /// use innodex::target::Rule;
    /// let plan = Plan::linyi();
    /// let t = plan.target("hte_count").unwrap();
    /// let m = McTarget::from_target(t, plan.indicator("hte_count").unwrap(), 2020);
    /// // "about 1500": 1500 × (1 − 0.05) = 1425.
    /// assert!(matches!(m.rule, Rule::Level { value, .. } if (value - 1425.0).abs() < 1e-9));
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
        let mut rule = t.rule.clone();
        match &mut rule {
            Rule::Level { value: v, .. }
            | Rule::MultipleOfBase { factor: v, .. }
            | Rule::YearlyFlow { min: v, .. }
            | Rule::NetIncrease { min: v, .. }
            | Rule::CumulativeFlow { min_total: v, .. } => *v = tol(*v),
            Rule::GrowthFloor { .. } | Rule::AtLeastReference { .. } => {}
        }
        McTarget {
            id: t.id.clone(),
            indicator: t.indicator.clone(),
            rule,
            base_year: Some(t.effective_base_year(plan_base_year)),
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
