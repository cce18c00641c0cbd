//! The run file format (TOML): serde types with `deny_unknown_fields`, from which the JSON
//! Schema of `docs/run-file.schema.json` is generated.
//!
//! Values that later checks refer back to (the plan, file paths, the ids a check names) are
//! kept as [`toml::Spanned`] so that an error found after parsing (an unknown indicator in a
//! check, a missing scenario file) still names the line of the key.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::target::Status;

fn d_seed() -> u64 {
    crate::DEFAULT_SEED
}

fn d_paths() -> usize {
    crate::DEFAULT_PATHS
}

fn d_gap_n() -> usize {
    1024
}

/// A run file: what to compute and what to assert about the results.
///
/// ```
/// let f = innodex::run::RunFile::from_toml_str(r#"
///     [run]
///     name = "smoke"
///     plan = "linyi-2021-2025"
///     [[checks]]
///     kind = "required_cagr"
///     indicator = "hte_count"
///     at_most = 0.15
/// "#, "smoke.run.toml").unwrap();
/// assert_eq!(f.run.seed, 2021);
/// assert_eq!(f.checks.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "innodex run file",
    description = "What to compute for a plan (projections, sensitivity analyses, composite indices, with seeds) and which checks the results must pass. See docs/runs.md."
)]
pub struct RunFile {
    /// The run: its name, the plan and the default seed.
    pub run: RunMeta,
    /// Monte Carlo projections of the plan under a projection scenario set.
    #[serde(default)]
    pub projection: Option<ProjectionRun>,
    /// Sensitivity analyses of Linyi's R&D-share target.
    #[serde(default)]
    pub sensitivity: Option<SensitivityRun>,
    /// A rolling-origin backtest of a panel, optionally with an out-of-sample calibration
    /// (`[backtest]`).
    #[serde(default)]
    pub backtest: Option<BacktestRun>,
    /// Composite indices built from index spec files (`[[index]]`).
    #[serde(default)]
    pub index: Vec<IndexRun>,
    /// Assertions on the results (`[[checks]]`); `innodex check` fails when one fails.
    #[serde(default)]
    #[schemars(with = "Vec<Check>")]
    pub checks: Vec<Spanned<Check>>,
}

/// The `[run]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunMeta {
    /// A name for the report.
    pub name: String,
    /// What the run is for.
    #[serde(default)]
    pub description: String,
    /// The plan: the id of an embedded plan (`linyi-2021-2025`) or a plan file (TOML),
    /// relative to the run file.
    #[schemars(with = "String")]
    pub plan: Spanned<String>,
    /// Default seed of every random part of the run (default 2021, [`crate::DEFAULT_SEED`]).
    #[serde(default = "d_seed")]
    pub seed: u64,
    /// Observations to set or override in the plan (labelled "assumed" in the report).
    #[serde(default)]
    pub observations: Vec<ObservationOverride>,
}

/// One observation set by the run file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationOverride {
    /// Indicator id.
    #[schemars(with = "String")]
    pub indicator: Spanned<String>,
    /// Year.
    pub year: i32,
    /// Value.
    pub value: f64,
    /// Why this value (shown as its provenance).
    #[serde(default)]
    pub note: String,
}

/// The `[projection]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectionRun {
    /// A projection scenario set file (the format of `scenarios/linyi.toml`), relative to the
    /// run file; the embedded Linyi set when absent (Linyi plan only).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub scenarios: Option<Spanned<String>>,
    /// Run only these scenarios (default: all, in file order).
    #[serde(default)]
    pub only: Vec<String>,
    /// Monte Carlo paths per scenario (default 10 000, [`crate::DEFAULT_PATHS`]).
    #[serde(default = "d_paths")]
    pub paths: usize,
    /// Seed (default: `run.seed`).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Most values the run may simulate, paths × years × indicators (default 10^10; see
    /// `McConfig::max_values`).
    #[serde(default)]
    pub max_values: Option<u64>,
    /// Most bytes of one quantile buffer, 8 a path (default 4 GiB; see
    /// `McConfig::max_buffer_bytes`).
    #[serde(default)]
    pub max_buffer_bytes: Option<u64>,
}

fn d_column() -> String {
    "rd_expenditure_100m_yuan".into()
}
fn d_horizon() -> i32 {
    3
}
fn d_bt_paths() -> usize {
    2000
}

/// The `[backtest]` table: a rolling-origin backtest (coverage at 50/80/90/95 %, widths, CRPS,
/// PIT by method and horizon) and, with `learn`, a split-conformal calibration learnt at those
/// origins and scored at `origins` (see docs/projections.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BacktestRun {
    /// A long-format CSV panel, relative to the run file; the shipped provincial R&D panel
    /// (`data/china_province_rd_2015_2023.csv`) when absent.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub data: Option<Spanned<String>>,
    /// The value column (default `rd_expenditure_100m_yuan`).
    #[serde(default = "d_column")]
    pub column: String,
    /// The unit column (default `region_en`).
    #[serde(default = "crate::io::defaults::panel_unit_col")]
    pub unit_col: String,
    /// The year column (default `year`).
    #[serde(default = "crate::io::defaults::panel_year_col")]
    pub year_col: String,
    /// Forecast origins (the scoring origins when `learn` is given).
    pub origins: Vec<i32>,
    /// Origins to learn the calibration at (all before the first of `origins`).
    #[serde(default)]
    pub learn: Vec<i32>,
    /// Horizons 1..horizon (default 3).
    #[serde(default = "d_horizon")]
    pub horizon: i32,
    /// Fit each origin to its last `window` observations only.
    #[serde(default)]
    pub window: Option<usize>,
    /// Paths of the `bootstrap_growth` Monte Carlo method (default 2000; 0 leaves it out).
    #[serde(default = "d_bt_paths")]
    pub paths: usize,
    /// Seed (default: `run.seed`).
    #[serde(default)]
    pub seed: Option<u64>,
    /// How `learn` builds calibrated intervals (`two_sided`, the default, or `symmetric`).
    #[serde(default)]
    #[schemars(with = "String")]
    pub conformal: crate::projection::calibration::Conformal,
}

/// The `[sensitivity]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityRun {
    /// Tornado and Sobol' indices of Linyi's 2025 R&D-share gap to Shandong
    /// (`innodex::cases::linyi::gap_sensitivity`).
    #[serde(default)]
    pub rd_share_gap: Option<GapRun>,
    /// Required R&D growth for each baseline share and GDP growth (a heat map).
    #[serde(default)]
    pub rd_growth_grid: Option<GridRun>,
}

/// Settings of the R&D-share gap sensitivity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GapRun {
    /// Base sample size of the Sobol' design, a power of two (default 1024).
    #[serde(default = "d_gap_n")]
    pub n: usize,
    /// Seed (default: `run.seed`).
    #[serde(default)]
    pub seed: Option<u64>,
}

/// The grid of required R&D growth rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GridRun {
    /// Nominal GDP growth rates a year (columns), e.g. 0.04.
    pub gdp_growths: Vec<f64>,
    /// Linyi's 2020 R&D shares in % (rows), e.g. 1.9.
    pub baselines: Vec<f64>,
    /// The 2025 share to reach, in % (e.g. Shandong's projected 2025 average).
    pub reference_2025: f64,
}

/// One `[[index]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexRun {
    /// Id by which checks refer to this index.
    pub id: String,
    /// The index spec file (the format of `specs/asem_coinr.toml`), relative to the run file.
    #[schemars(with = "String")]
    pub spec: Spanned<String>,
    /// Sample size of the spec's uncertainty analysis (default: the spec's).
    #[serde(default)]
    pub uncertainty_n: Option<usize>,
    /// Seed of the spec's uncertainty analysis (default: the spec's).
    #[serde(default)]
    pub seed: Option<u64>,
}

/// What a check asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// The probability that `target` is met under `scenario` (projection).
    ProbabilityMet,
    /// The `q` quantile of `target`'s metric at its target year under `scenario`.
    Quantile,
    /// The required CAGR of `target`, or of `indicator` (its most demanding target).
    RequiredCagr,
    /// The assessment status of `target` is one of `status`.
    Status,
    /// The rank of `unit` in `index` (`statistic`: nominal, median or q95) is within
    /// `within_top`.
    Rank,
    /// The score of `unit` in `index`.
    Score,
    /// A Sobol' index (`order`: first or total) of `input` in the R&D-share gap sensitivity.
    Sobol,
    /// The coverage (0–1) of `method`'s central `level` interval in the `[backtest]`, pooled
    /// or at `horizon`, uncalibrated or (`calibrated = true`) calibrated.
    Coverage,
}

/// Which rank of a unit a `rank` check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankStatistic {
    /// The rank in the nominal build.
    #[default]
    Nominal,
    /// The median rank of the uncertainty analysis.
    Median,
    /// The 95 % quantile of the rank (its worst plausible rank).
    Q95,
}

/// Which Sobol' index a `sobol` check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SobolOrder {
    /// First order S1.
    First,
    /// Total order ST.
    #[default]
    Total,
}

/// One `[[checks]]` entry. Which keys a kind needs:
///
/// | kind | keys |
/// |---|---|
/// | `probability_met` | `target`, `scenario`, a bound |
/// | `quantile` | `target`, `scenario`, `q`, a bound |
/// | `required_cagr` | `target` or `indicator`, a bound |
/// | `status` | `target`, `status` (a list) |
/// | `rank` | `index`, `unit`, `within_top`, optional `statistic` |
/// | `score` | `index`, `unit`, a bound |
/// | `sobol` | `input`, optional `order`, a bound |
/// | `coverage` | `method`, `level`, optional `horizon` and `calibrated`, a bound |
///
/// A bound is `at_least`, `at_most` or both. The check is one flat table (not a tagged
/// union) so that the TOML parser reports the line of every key, and a second pass checks
/// that the keys fit the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// What the check asserts.
    pub kind: CheckKind,
    /// A name for the report (default: built from the kind and its keys).
    #[serde(default)]
    pub name: Option<String>,
    /// A target id of the plan.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub target: Option<Spanned<String>>,
    /// An indicator id of the plan (`required_cagr`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub indicator: Option<Spanned<String>>,
    /// A scenario name of the projection.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub scenario: Option<Spanned<String>>,
    /// A quantile probability, one of the projection's (0.05, 0.25, 0.5, 0.75, 0.95).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub q: Option<Spanned<f64>>,
    /// An index id (`[[index]]`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub index: Option<Spanned<String>>,
    /// A unit code of the index.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub unit: Option<Spanned<String>>,
    /// The rank must be at most this (1 = best).
    #[serde(default)]
    pub within_top: Option<usize>,
    /// Which rank (default nominal).
    #[serde(default)]
    pub statistic: Option<RankStatistic>,
    /// An input of the R&D-share gap (`rd_growth`, `gdp_growth`, `start_share`,
    /// `shandong_increment`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub input: Option<Spanned<String>>,
    /// Which Sobol' index (default total).
    #[serde(default)]
    pub order: Option<SobolOrder>,
    /// Accepted statuses (`met`, `on_track`, `off_track`, `not_assessable`).
    #[serde(default)]
    pub status: Option<Vec<Status>>,
    /// A backtest method (`coverage`: `log_linear`, `linear`, `damped_holt`,
    /// `bootstrap_growth`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub method: Option<Spanned<String>>,
    /// An interval level of the backtest (0.5, 0.8, 0.9 or 0.95).
    #[serde(default)]
    pub level: Option<f64>,
    /// A horizon of the backtest (default: pooled over horizons).
    #[serde(default)]
    pub horizon: Option<i32>,
    /// Read the calibrated coverage (default false; needs `[backtest] learn`).
    #[serde(default)]
    pub calibrated: Option<bool>,
    /// Lower bound (inclusive).
    #[serde(default)]
    pub at_least: Option<f64>,
    /// Upper bound (inclusive).
    #[serde(default)]
    pub at_most: Option<f64>,
}
