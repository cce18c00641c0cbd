//! Uncertainty and sensitivity of ranks over methodological choices (OECD/JRC Handbook 2008,
//! §5 and Step 7; Saisana, Saltelli & Tarantola 2005, "Uncertainty and sensitivity analysis
//! techniques as tools for the quality assessment of composite indicators", JRSS A 168;
//! COINr `get_sensitivity`).
//!
//! A typed [`UncertaintySpec`] lists the uncertain inputs, each a set of alternatives sampled
//! uniformly (imputation method or none, winsorisation limit, normalisation method, aggregation
//! method) or a continuous perturbation (±x % noise on the weights of chosen levels). Each input
//! is one dimension u ∈ [0, 1): a discrete input with m alternatives takes alternative
//! ⌊u·m⌋; the weight input scales each weight at the chosen levels by (1 + x(2vₖ − 1)), where the
//! vₖ are drawn from a generator seeded by (seed, u) — a whole random weight set per value of u,
//! as COINr draws one noisy weight set per replication.
//!
//! * **Monte Carlo** (`design = "monte_carlo"`): N random points
//!   ([`crate::sensitivity::MonteCarloDesign`]); per unit the nominal rank and the mean, median
//!   and 5 %–95 % quantiles of its rank.
//! * **Sobol** (`design = "sobol"`): Saltelli's design on a scrambled Sobol' sequence
//!   ([`crate::sensitivity::SaltelliDesign`], first and total order: N(d + 2) rebuilds, in
//!   SALib's row order A, AB₁ … AB_d, B) and the estimators of
//!   [`crate::sensitivity::analyze_sobol`] — first order by Saltelli et al. (2010), total by
//!   Jansen (1999), percentile bootstrap intervals (here at 90 %, i.e. 5 %–95 %, as COINr) —
//!   applied to the mean absolute rank shift (the mean over units of |rank − nominal rank|,
//!   COINr's target) and to each unit's rank, all in one call. Rank statistics come from the
//!   2N independent points of A and B. N a power of two suits the Sobol' sequence best.
//!
//! Rebuilds run in parallel with rayon. Results are reproducible from `seed` and identical with
//! any number of threads: the designs derive their random streams from (seed, chunk index),
//! the weight sets from (seed, input, u), never from the thread, and every reduction runs in a
//! fixed order after the parallel map. A rebuild that fails (e.g. a geometric mean meeting a
//! negative z-score) is counted and its ranks are missing, as in COINr (Sobol indices are then
//! not computed, and the report says why).
//!
//! ```
//! use innodex::index::{CompositeIndex, PipelineSpec};
//! use innodex::index::uncertainty::{run, UncertaintySpec};
//! let idx = CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
//! let spec: UncertaintySpec = toml::from_str(r#"
//!     n = 50
//!     seed = 1
//!     [[inputs]]
//!     kind = "weights"
//!     levels = [2, 3]
//!     noise = 0.25
//!     [[inputs]]
//!     kind = "aggregation"
//!     alternatives = [{ method = "arithmetic" }, { method = "geometric" }]
//! "#).unwrap();
//! let mut base = PipelineSpec::default();
//! base.normalise = innodex::index::normalise::Normalisation::MinMax { low: 1.0, high: 100.0 };
//! let res = run(&idx, &base, &spec).unwrap();
//! let deu = res.rank_stats.iter().find(|r| r.unit == "DEU").unwrap();
//! assert_eq!(deu.nominal, 1.0);
//! assert!(deu.q05 <= deu.median && deu.median <= deu.q95);
//! ```

use crate::exec::Progress;

use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::aggregate::Aggregation;
use super::error::IndexError;
use super::impute::Imputation;
use super::normalise::Normalisation;
use super::pipeline::{CompositeIndex, PipelineSpec};
use super::stats;
use super::table::UnitData;
use crate::sensitivity::{
    Design as _, MonteCarloDesign, Problem, SaltelliDesign, Scramble, SobolOptions, analyze_sobol,
};
use rebuild::{Prepared, Rebuilds, rebuild_all};

const STREAM_WEIGHTS: u64 = 1000;

/// Largest number of cached combinations of the choices up to normalisation.
mod rebuild;

const CACHE_LIMIT: usize = 4096;

/// A ChaCha8 generator for (seed, stream, chunk): the weight sets of the `weights` input are
/// drawn from (seed, input, bits of u).
pub fn rng_for(seed: u64, stream: u64, chunk: u64) -> ChaCha8Rng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8..16].copy_from_slice(&stream.to_le_bytes());
    s[16..24].copy_from_slice(&chunk.to_le_bytes());
    s[24..].copy_from_slice(b"innodex\0");
    ChaCha8Rng::from_seed(s)
}

/// One uncertain input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum UncertainInput {
    /// Imputation method (`{ method = "none" }` for no imputation).
    Imputation {
        /// Display name.
        #[serde(default)]
        name: Option<String>,
        /// The alternatives.
        alternatives: Vec<Imputation>,
    },
    /// Maximum number of winsorised points (the rest of the treatment as in the pipeline, or
    /// COINr's defaults if the pipeline has no treatment).
    Winsorisation {
        /// Display name.
        #[serde(default)]
        name: Option<String>,
        /// The alternatives, e.g. `[1, 2, 3, 4, 5]`.
        winmax: Vec<usize>,
    },
    /// Normalisation of every indicator.
    Normalisation {
        /// Display name.
        #[serde(default)]
        name: Option<String>,
        /// The alternatives.
        alternatives: Vec<Normalisation>,
    },
    /// ±`noise` (a fraction) uniform noise on the weights of the nodes at `levels`.
    Weights {
        /// Display name.
        #[serde(default)]
        name: Option<String>,
        /// Levels whose weights are perturbed (e.g. `[2, 3]`).
        levels: Vec<u32>,
        /// Relative half-width, in [0, 1).
        noise: f64,
    },
    /// Aggregation at every level.
    Aggregation {
        /// Display name.
        #[serde(default)]
        name: Option<String>,
        /// The alternatives.
        alternatives: Vec<Aggregation>,
    },
}

impl UncertainInput {
    /// The input's display name.
    pub fn name(&self) -> String {
        let (n, d) = match self {
            UncertainInput::Imputation { name, .. } => (name, "Imputation"),
            UncertainInput::Winsorisation { name, .. } => (name, "Winsorisation"),
            UncertainInput::Normalisation { name, .. } => (name, "Normalisation"),
            UncertainInput::Weights { name, .. } => (name, "Weights"),
            UncertainInput::Aggregation { name, .. } => (name, "Aggregation"),
        };
        n.clone().unwrap_or_else(|| d.to_string())
    }

    fn n_alternatives(&self) -> Option<usize> {
        match self {
            UncertainInput::Imputation { alternatives, .. } => Some(alternatives.len()),
            UncertainInput::Winsorisation { winmax, .. } => Some(winmax.len()),
            UncertainInput::Normalisation { alternatives, .. } => Some(alternatives.len()),
            UncertainInput::Aggregation { alternatives, .. } => Some(alternatives.len()),
            UncertainInput::Weights { .. } => None,
        }
    }
}

/// The sampling design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplingDesign {
    /// Plain Monte Carlo: N rebuilds.
    #[default]
    MonteCarlo,
    /// Saltelli design for Sobol indices: N(d + 2) rebuilds.
    Sobol,
}

fn d_n() -> usize {
    100
}
fn d_boot() -> usize {
    100
}

/// An uncertainty (and optionally sensitivity) analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintySpec {
    /// Sample size N (default 100).
    #[serde(default = "d_n")]
    pub n: usize,
    /// Seed.
    #[serde(default)]
    pub seed: u64,
    /// The node whose ranks are analysed (default: the index).
    #[serde(default)]
    pub target: Option<String>,
    /// Monte Carlo or Sobol.
    #[serde(default)]
    pub design: SamplingDesign,
    /// Bootstrap resamples for the intervals of Sobol indices (default 100; 0 for none).
    #[serde(default = "d_boot")]
    pub bootstrap: usize,
    /// Reuse the stages up to normalisation across rebuilds with the same discrete choices
    /// (default true; results are identical either way, only faster).
    #[serde(default = "crate::io::defaults::yes")]
    pub cache: bool,
    /// The uncertain inputs.
    pub inputs: Vec<UncertainInput>,
}

impl UncertaintySpec {
    /// COINr's sensitivity vignette on ASEM: winsorisation limit 1–5; min-max [1, 100] or
    /// z-score (mean 10, sd 2); ±25 % noise on the weights of levels 2 and 3; arithmetic or
    /// geometric mean.
    pub fn coinr_vignette(n: usize, seed: u64, design: SamplingDesign) -> UncertaintySpec {
        UncertaintySpec {
            n,
            seed,
            target: None,
            design,
            bootstrap: d_boot(),
            cache: true,
            inputs: vec![
                UncertainInput::Winsorisation {
                    name: None,
                    winmax: vec![1, 2, 3, 4, 5],
                },
                UncertainInput::Normalisation {
                    name: None,
                    alternatives: vec![
                        Normalisation::MinMax {
                            low: 1.0,
                            high: 100.0,
                        },
                        Normalisation::ZScore {
                            mean: 10.0,
                            sd: 2.0,
                        },
                    ],
                },
                UncertainInput::Weights {
                    name: None,
                    levels: vec![2, 3],
                    noise: 0.25,
                },
                UncertainInput::Aggregation {
                    name: None,
                    alternatives: vec![
                        Aggregation::Arithmetic,
                        Aggregation::Geometric { shift: None },
                    ],
                },
            ],
        }
    }
}

/// Rank statistics of one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankStats {
    /// Unit.
    pub unit: String,
    /// Rank in the nominal build.
    pub nominal: f64,
    /// Mean rank.
    pub mean: f64,
    /// Median rank.
    pub median: f64,
    /// 5 % quantile.
    pub q05: f64,
    /// 95 % quantile.
    pub q95: f64,
}

/// First-order and total Sobol indices of one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolIndex {
    /// The input.
    pub input: String,
    /// First-order index Sᵢ.
    pub first: f64,
    /// Total index S_Tᵢ.
    pub total: f64,
    /// 5 % and 95 % bootstrap quantiles of Sᵢ.
    pub first_ci: (f64, f64),
    /// 5 % and 95 % bootstrap quantiles of S_Tᵢ.
    pub total_ci: (f64, f64),
}

/// Sobol sensitivity results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// Variance of the mean absolute rank shift.
    pub variance: f64,
    /// Indices of the mean absolute rank shift, one per input.
    pub mean_rank_shift: Vec<SobolIndex>,
    /// Per unit, the indices of its rank (no intervals), one per input.
    pub per_unit: Vec<Vec<SobolIndex>>,
}

/// The outcome of an uncertainty analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncertaintyResult {
    /// The node analysed.
    pub target: String,
    /// All units (rows of `scores` and `ranks` columns).
    pub units: Vec<String>,
    /// Input names.
    pub inputs: Vec<String>,
    /// The sample in [0, 1)^d, one row per rebuild.
    pub sample: Vec<Vec<f64>>,
    /// Nominal scores.
    pub nominal_scores: Vec<f64>,
    /// Nominal ranks.
    pub nominal_ranks: Vec<f64>,
    /// Scores, `scores[rebuild][unit]` (missing if screened out or the rebuild failed).
    pub scores: Vec<Vec<f64>>,
    /// Ranks, `ranks[rebuild][unit]`.
    pub ranks: Vec<Vec<f64>>,
    /// Mean absolute rank shift of each rebuild.
    pub mean_rank_shift: Vec<f64>,
    /// Rank statistics per unit.
    pub rank_stats: Vec<RankStats>,
    /// Rebuilds that failed.
    pub failed: usize,
    /// Distinct failure messages (at most ten).
    pub failures: Vec<String>,
    /// Sobol indices (Sobol design only).
    pub sensitivity: Option<Sensitivity>,
}

fn mean_abs_shift(r: &[f64], nominal: &[f64]) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for (a, b) in r.iter().zip(nominal) {
        if !a.is_nan() && !b.is_nan() {
            s += (a - b).abs();
            n += 1;
        }
    }
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Sobol indices of the mean absolute rank shift and of each unit's rank, by the innodex
/// sensitivity module (Saltelli 2010 first order, Jansen 1999 total, percentile bootstrap
/// intervals at 90 %, i.e. 5 %–95 %). Units whose rank is missing in some rebuild (screened
/// out by some choices) get missing indices.
fn sobol_indices(
    names: &[String],
    mean_rank_shift: &[f64],
    ranks: &[Vec<f64>],
    n_units: usize,
    spec: &UncertaintySpec,
) -> Result<Sensitivity, IndexError> {
    let d = names.len();
    let bounds: Vec<(&str, f64, f64)> = names.iter().map(|n| (n.as_str(), 0.0, 1.0)).collect();
    let sa_err =
        |e: crate::sensitivity::SensitivityError| IndexError::bad("uncertainty", e.to_string());
    let problem = Problem::uniform(&bounds).map_err(sa_err)?;
    let complete: Vec<usize> = (0..n_units)
        .filter(|&u| ranks.iter().all(|r| r[u].is_finite()))
        .collect();
    let y = Array2::from_shape_fn((ranks.len(), 1 + complete.len()), |(r, c)| {
        if c == 0 {
            mean_rank_shift[r]
        } else {
            ranks[r][complete[c - 1]]
        }
    });
    let options = SobolOptions {
        second_order: false,
        n_bootstrap: spec.bootstrap,
        conf_level: 0.90,
        seed: spec.seed,
    };
    let res = analyze_sobol(&problem, y.view(), &options).map_err(sa_err)?;
    let index = |o: &crate::sensitivity::SobolIndices, i: usize| SobolIndex {
        input: names[i].clone(),
        first: o.s1[i],
        total: o.st[i],
        first_ci: o
            .s1_interval
            .get(i)
            .copied()
            .unwrap_or((f64::NAN, f64::NAN)),
        total_ci: o
            .st_interval
            .get(i)
            .copied()
            .unwrap_or((f64::NAN, f64::NAN)),
    };
    let missing = || {
        (0..d)
            .map(|i| SobolIndex {
                input: names[i].clone(),
                first: f64::NAN,
                total: f64::NAN,
                first_ci: (f64::NAN, f64::NAN),
                total_ci: (f64::NAN, f64::NAN),
            })
            .collect::<Vec<_>>()
    };
    let mut per_unit = vec![missing(); n_units];
    for (c, &u) in complete.iter().enumerate() {
        per_unit[u] = (0..d).map(|i| index(&res.outputs[1 + c], i)).collect();
    }
    Ok(Sensitivity {
        variance: res.outputs[0].variance,
        mean_rank_shift: (0..d).map(|i| index(&res.outputs[0], i)).collect(),
        per_unit,
    })
}

/// The message of a run stopped through [`Progress::cancel`].
const CANCELLED: &str = "cancelled";

/// Runs an uncertainty (and, with the Sobol design, sensitivity) analysis of `index` around
/// the nominal choices `base`.
///
/// # Errors
/// [`IndexError::BadParameter`] for an empty or invalid spec (N < 3, no inputs, an input
/// without alternatives, noise outside [0, 1), a Sobol design with one input, levels outside
/// the framework, or an N whose rebuilds would hold more than 2^28 numbers — 2 GiB — of
/// design, scores and ranks, refused before any work with the size and the limit); any error
/// of the nominal build.
pub fn run(
    index: &CompositeIndex,
    base: &PipelineSpec,
    spec: &UncertaintySpec,
) -> Result<UncertaintyResult, IndexError> {
    run_with_progress(index, base, spec, &Progress::default())
}

/// [`run`], counting rebuilds done in `progress` (its total is the number of rebuilds) and
/// stopping early when `progress` is cancelled. The results are those of [`run`], bit for bit:
/// the counters only observe the rebuilds.
///
/// # Errors
/// As [`run`], plus [`IndexError::BadParameter`] naming `uncertainty` when cancelled.
pub fn run_with_progress(
    index: &CompositeIndex,
    base: &PipelineSpec,
    spec: &UncertaintySpec,
    progress: &Progress,
) -> Result<UncertaintyResult, IndexError> {
    let (fw, data) = (&index.framework, &index.data);
    check_spec(spec, data)?;
    let mut prep = Prepared::new(fw, data, base, spec)?;
    let nominal_scores = prep.nominal_scores()?;
    let nominal_ranks = stats::rank_desc(&nominal_scores);
    if spec.cache && prep.n_combos() <= CACHE_LIMIT {
        let combos: Vec<_> = (0..prep.n_combos())
            .into_par_iter()
            .map(|k| prep.compute_prefix(k))
            .collect();
        prep.cache = Some(combos);
    }
    let d = spec.inputs.len();
    let sample = design_rows(spec)?;
    let Rebuilds {
        scores,
        failed,
        mut failures,
    } = rebuild_all(&prep, &sample, progress)?;
    let ranks: Vec<Vec<f64>> = scores.par_iter().map(|s| stats::rank_desc(s)).collect();
    let mean_rank_shift: Vec<f64> = ranks
        .iter()
        .map(|r| mean_abs_shift(r, &nominal_ranks))
        .collect();
    // Rank statistics over independent random points: all of a Monte Carlo sample; the A and
    // B rows of a Saltelli design (first and last row of each block of d + 2).
    let stat_rows: Vec<usize> = match spec.design {
        SamplingDesign::MonteCarlo => (0..ranks.len()).collect(),
        SamplingDesign::Sobol => (0..ranks.len())
            .filter(|r| r % (d + 2) == 0 || r % (d + 2) == d + 1)
            .collect(),
    };
    let rank_stats = rank_stats(data, &nominal_ranks, &ranks, &stat_rows);
    let names: Vec<String> = spec.inputs.iter().map(|i| i.name()).collect();
    let sensitivity = match spec.design {
        SamplingDesign::MonteCarlo => None,
        SamplingDesign::Sobol if mean_rank_shift.iter().any(|v| !v.is_finite()) => {
            failures.push(
                "Sobol indices not computed: some rebuilds failed (their rank shift is missing)"
                    .into(),
            );
            None
        }
        SamplingDesign::Sobol => Some(sobol_indices(
            &names,
            &mean_rank_shift,
            &ranks,
            data.n_rows(),
            spec,
        )?),
    };
    Ok(UncertaintyResult {
        target: fw.node(prep.target).code.clone(),
        units: data.units.clone(),
        inputs: names,
        sample,
        nominal_scores,
        nominal_ranks,
        scores,
        ranks,
        mean_rank_shift,
        rank_stats,
        failed,
        failures,
        sensitivity,
    })
}

/// Refuses, before any work, a spec that cannot run: too few points or inputs, or a design
/// whose scores and ranks would not fit in memory (each rebuild holds its design row and one
/// score and one rank per unit, the design twice: as a matrix and as rows).
fn check_spec(spec: &UncertaintySpec, data: &UnitData) -> Result<(), IndexError> {
    if spec.n < 3 {
        return Err(IndexError::bad(
            "uncertainty.n",
            format!("{} is too small (at least 3)", spec.n),
        ));
    }
    if spec.inputs.is_empty() {
        return Err(IndexError::bad(
            "uncertainty.inputs",
            "no uncertain input given",
        ));
    }
    if spec.design == SamplingDesign::Sobol && spec.inputs.len() < 2 {
        return Err(IndexError::bad(
            "uncertainty.inputs",
            "a Sobol analysis needs at least two inputs",
        ));
    }
    let rebuilds = match spec.design {
        SamplingDesign::MonteCarlo => Some(spec.n),
        SamplingDesign::Sobol => spec.n.checked_mul(spec.inputs.len() + 2),
    };
    crate::sensitivity::check_cells(
        "the rebuilds (design, scores and ranks: 2 × (inputs + units) numbers each)",
        rebuilds.unwrap_or(usize::MAX),
        2 * (spec.inputs.len() + data.n_rows()),
        "use a smaller n",
    )
    .map_err(|e| IndexError::bad("uncertainty.n", e.to_string()))
}

/// The design's points in the unit hypercube, one row per rebuild.
fn design_rows(spec: &UncertaintySpec) -> Result<Vec<Vec<f64>>, IndexError> {
    let (d, n) = (spec.inputs.len(), spec.n);
    let sa_err =
        |e: crate::sensitivity::SensitivityError| IndexError::bad("uncertainty", e.to_string());
    let unit = match spec.design {
        SamplingDesign::MonteCarlo => MonteCarloDesign::new(d, n, spec.seed)
            .map_err(sa_err)?
            .unit_matrix(),
        SamplingDesign::Sobol => {
            SaltelliDesign::new(d, n, false, Scramble::LinearMatrix, 0, spec.seed)
                .map_err(sa_err)?
                .unit_matrix()
        }
    };
    Ok(unit.rows().into_iter().map(|r| r.to_vec()).collect())
}

/// Per unit: its nominal rank and the mean, median and 5–95 % of its ranks over `rows`.
fn rank_stats(
    data: &UnitData,
    nominal_ranks: &[f64],
    ranks: &[Vec<f64>],
    rows: &[usize],
) -> Vec<RankStats> {
    (0..data.n_rows())
        .into_par_iter()
        .map(|u| {
            let mut v: Vec<f64> = rows
                .iter()
                .map(|&r| ranks[r][u])
                .filter(|x| !x.is_nan())
                .collect();
            v.sort_by(f64::total_cmp);
            RankStats {
                unit: data.units[u].clone(),
                nominal: nominal_ranks[u],
                mean: stats::mean(&v),
                median: stats::quantile_sorted(&v, 0.5),
                q05: stats::quantile_sorted(&v, 0.05),
                q95: stats::quantile_sorted(&v, 0.95),
            }
        })
        .collect()
}
