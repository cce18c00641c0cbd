//! What a Monte Carlo run returns: fan charts, target outcomes, attainment years.

use serde::{Deserialize, Serialize};

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
