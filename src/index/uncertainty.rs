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

use std::sync::Arc;

use crate::exec::Progress;

use ndarray::Array2;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::aggregate::{self, Aggregation};
use super::error::IndexError;
use super::framework::Framework;
use super::impute::Imputation;
use super::normalise::Normalisation;
use super::pipeline::engine::{self, Resolved};
use super::pipeline::{CompositeIndex, PipelineSpec};
use super::stats;
use super::table::UnitData;
use super::treat::{TreatParams, TreatSpec};
use crate::sensitivity::{
    Design as _, MonteCarloDesign, Problem, SaltelliDesign, Scramble, SobolOptions, analyze_sobol,
};

const STREAM_WEIGHTS: u64 = 1000;

/// Largest number of cached combinations of the choices up to normalisation.
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
fn yes() -> bool {
    true
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
    #[serde(default = "yes")]
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

/// Rows kept, their unit codes and the normalised indicators.
type Prefix = (Vec<usize>, Arc<[String]>, Vec<Vec<f64>>);

/// The stages before treatment (denomination, imputation, screening) as they come out.
struct BeforeTreatment {
    rows: Vec<usize>,
    units: Arc<[String]>,
    cols: Vec<Vec<f64>>,
    /// Each column's skewness and kurtosis, where treatment starts (most columns pass its
    /// check whatever the winsorisation limit, and are then left as they are).
    moments: Vec<(f64, f64)>,
}

/// The analysis, prepared once.
struct Prepared<'a> {
    fw: &'a Framework,
    data: &'a UnitData,
    base: Resolved,
    target: usize,
    inputs: &'a [UncertainInput],
    /// Per input, the size of the discrete choice (none for weights).
    dims: Vec<Option<usize>>,
    /// For the weight inputs: (input position, nodes perturbed, noise).
    weight_inputs: Vec<(usize, Vec<usize>, f64)>,
    seed: u64,
    cache: Option<Vec<Result<Arc<Prefix>, String>>>,
    /// Positions of the prefix-affecting inputs (imputation, winsorisation, normalisation).
    prefix_inputs: Vec<usize>,
    /// The stages before treatment, run once when no input changes them (no imputation
    /// input): every rebuild would compute the same columns (loop-invariant work, not the
    /// stage cache; an error is every rebuild's).
    before_treatment: Option<Result<Arc<BeforeTreatment>, String>>,
    /// Per input, what each of its choices resolves to (treatment parameters per indicator
    /// for a winsorisation input, a method per indicator for a normalisation input): spec
    /// resolution, done once rather than in every rebuild.
    choices: Vec<Choices>,
}

/// The resolved alternatives of one uncertain input (see [`Prepared::choices`]).
enum Choices {
    Treat(Vec<Vec<Option<TreatParams>>>),
    Norms(Vec<Vec<Normalisation>>),
    Other,
}

fn choose(u: f64, n: usize) -> usize {
    ((u * n as f64) as usize).min(n - 1)
}

impl<'a> Prepared<'a> {
    /// The discrete choices affecting the stages up to normalisation, as a combination index.
    fn combo(&self, x: &[f64]) -> usize {
        let mut k = 0;
        for &i in &self.prefix_inputs {
            let n = self.dims[i].expect("discrete");
            k = k * n + choose(x[i], n);
        }
        k
    }

    fn combo_choices(&self, mut k: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for &i in self.prefix_inputs.iter().rev() {
            let n = self.dims[i].expect("discrete");
            out.push((i, k % n));
            k /= n;
        }
        out
    }

    /// Number of combinations of the prefix choices (saturating: only compared with the
    /// cache limit).
    fn n_combos(&self) -> usize {
        self.prefix_inputs
            .iter()
            .map(|&i| self.dims[i].expect("discrete"))
            .fold(1usize, |a, b| a.saturating_mul(b))
    }

    fn resolved_prefix(&self, choices: &[(usize, usize)]) -> Result<Resolved, IndexError> {
        let mut r = self.base.clone();
        for &(i, c) in choices {
            match &self.inputs[i] {
                UncertainInput::Imputation { alternatives, .. } => {
                    let m = &alternatives[c];
                    r.impute = if *m == Imputation::None {
                        None
                    } else {
                        Some(m.clone())
                    };
                }
                _ => match &self.choices[i] {
                    Choices::Treat(t) => r.treat = Some(t[c].clone()),
                    Choices::Norms(n) => r.norms = n[c].clone(),
                    Choices::Other => {}
                },
            }
        }
        Ok(r)
    }

    /// The treatment and normalisation of `choices`, borrowed (for the rebuilds that start
    /// from the columns before treatment: no imputation choice).
    fn treat_and_norms(
        &self,
        choices: &[(usize, usize)],
    ) -> (Option<&[Option<TreatParams>]>, &[Normalisation]) {
        let mut treat = self.base.treat.as_deref();
        let mut norms = self.base.norms.as_slice();
        for &(i, c) in choices {
            match &self.choices[i] {
                Choices::Treat(t) => treat = Some(&t[c]),
                Choices::Norms(n) => norms = &n[c],
                Choices::Other => {}
            }
        }
        (treat, norms)
    }

    fn prefix(&self, x: &[f64]) -> Result<Arc<Prefix>, String> {
        if let Some(c) = &self.cache {
            // The cache exists only when the combinations number at most CACHE_LIMIT, so the
            // combination index cannot overflow.
            return c[self.combo(x)].clone();
        }
        let choices: Vec<(usize, usize)> = self
            .prefix_inputs
            .iter()
            .map(|&i| (i, choose(x[i], self.dims[i].expect("discrete"))))
            .collect();
        self.compute_prefix_for(&choices)
    }

    fn compute_prefix(&self, k: usize) -> Result<Arc<Prefix>, String> {
        self.compute_prefix_for(&self.combo_choices(k))
    }

    fn compute_prefix_for(&self, choices: &[(usize, usize)]) -> Result<Arc<Prefix>, String> {
        let (fw, data) = (self.fw, self.data);
        let Some(before) = &self.before_treatment else {
            let r = self.resolved_prefix(choices).map_err(|e| e.to_string())?;
            let (rows, norm) = engine::prefix(fw, data, &r).map_err(|e| e.to_string())?;
            let units = rows.iter().map(|&k| data.units[k].clone()).collect();
            return Ok(Arc::new((rows, units, norm)));
        };
        // The same stages as `engine::prefix`, from the columns computed once.
        let before = before.as_ref().map_err(Clone::clone)?;
        let (treat, norms) = self.treat_and_norms(choices);
        let norm = match treat {
            Some(t) => {
                let treated = engine::treat_values_from(fw, &before.cols, &before.moments, t)
                    .map_err(|e| e.to_string())?;
                engine::normalise(fw, &treated, norms)
            }
            None => engine::normalise(fw, &before.cols, norms),
        }
        .map_err(|e| e.to_string())?;
        Ok(Arc::new((before.rows.clone(), before.units.clone(), norm)))
    }

    /// One rebuild: the target's scores for all units (missing if screened out).
    fn eval(&self, x: &[f64]) -> Result<Vec<f64>, String> {
        let pre = self.prefix(x)?;
        let (rows, units, norm) = (&pre.0, &pre.1, &pre.2);
        let mut weights = self.base.weights.clone();
        for (i, nodes, noise) in &self.weight_inputs {
            let mut rng = rng_for(self.seed, STREAM_WEIGHTS + *i as u64, x[*i].to_bits());
            for &nd in nodes {
                let v: f64 = rng.random();
                weights[nd] *= 1.0 + noise * (2.0 * v - 1.0);
            }
        }
        let choice = self
            .inputs
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, inp)| match inp {
                UncertainInput::Aggregation { alternatives, .. } => {
                    Some(alternatives[choose(x[i], alternatives.len())].clone())
                }
                _ => None,
            });
        let aggs_owned;
        let aggs = match choice {
            Some(a) => {
                aggs_owned = vec![a; self.fw.nodes().len()];
                &aggs_owned
            }
            None => &self.base.aggs,
        };
        let n_ind = self.fw.n_indicators();
        let aggs = aggregate::aggregates(
            self.fw,
            norm,
            units,
            &weights,
            aggs,
            self.base.min_availability,
        )
        .map_err(|e| e.to_string())?;
        let col = if self.target < n_ind {
            &norm[self.target]
        } else {
            &aggs[self.target - n_ind]
        };
        let mut out = vec![f64::NAN; self.data.n_rows()];
        for (p, &k) in rows.iter().enumerate() {
            out[k] = col[p];
        }
        Ok(out)
    }
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

/// Every rebuild's scores (NaN for a failed rebuild) and the distinct failure messages (ten
/// at most).
struct Rebuilds {
    scores: Vec<Vec<f64>>,
    failed: usize,
    failures: Vec<String>,
}

fn rebuild_all(
    prep: &Prepared<'_>,
    sample: &[Vec<f64>],
    progress: &Progress,
) -> Result<Rebuilds, IndexError> {
    progress.set_total(sample.len());
    let evals: Vec<Result<Vec<f64>, String>> = sample
        .par_iter()
        .map(|x| {
            if progress.is_cancelled() {
                return Err(CANCELLED.to_string());
            }
            let r = prep.eval(x);
            progress.advance(1);
            r
        })
        .collect();
    if progress.is_cancelled() {
        return Err(IndexError::bad("uncertainty", CANCELLED));
    }
    let n_units = prep.data.n_rows();
    let mut out = Rebuilds {
        scores: Vec::with_capacity(evals.len()),
        failed: 0,
        failures: Vec::new(),
    };
    for e in evals {
        match e {
            Ok(s) => out.scores.push(s),
            Err(msg) => {
                out.failed += 1;
                if out.failures.len() < 10 && !out.failures.contains(&msg) {
                    out.failures.push(msg);
                }
                out.scores.push(vec![f64::NAN; n_units]);
            }
        }
    }
    Ok(out)
}

/// What each choice of `input` resolves to: under a winsorisation limit, the nominal treatment
/// with that limit for every indicator (an indicator's own limit gives way); under a
/// normalisation, that method for every indicator.
fn choices_of(
    fw: &Framework,
    base_treat: &TreatSpec,
    input: &UncertainInput,
) -> Result<Choices, IndexError> {
    Ok(match input {
        UncertainInput::Winsorisation { winmax, .. } => Choices::Treat(
            winmax
                .iter()
                .map(|&w| {
                    let mut t = base_treat.clone();
                    t.winmax = w;
                    for o in t.indicators.values_mut() {
                        o.winmax = None;
                    }
                    engine::treatments(fw, &t)
                })
                .collect::<Result<_, _>>()?,
        ),
        UncertainInput::Normalisation { alternatives, .. } => Choices::Norms(
            alternatives
                .iter()
                .map(|a| vec![a.clone(); fw.n_indicators()])
                .collect(),
        ),
        _ => Choices::Other,
    })
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

impl<'a> Prepared<'a> {
    /// The nominal pipeline resolved once, and each input's alternatives checked.
    fn new(
        fw: &'a Framework,
        data: &'a UnitData,
        base: &PipelineSpec,
        spec: &'a UncertaintySpec,
    ) -> Result<Prepared<'a>, IndexError> {
        let target = match &spec.target {
            Some(t) => fw.require(t)?,
            None => fw.root(),
        };
        let base_r = engine::resolve(fw, data, base)?;
        let mut dims = Vec::new();
        let mut weight_inputs = Vec::new();
        let mut prefix_inputs = Vec::new();
        for (i, inp) in spec.inputs.iter().enumerate() {
            let n = inp.n_alternatives();
            let what = || format!("uncertainty input `{}`", inp.name());
            if n == Some(0) {
                return Err(IndexError::bad(what(), "has no alternatives"));
            }
            match inp {
                UncertainInput::Weights { levels, noise, .. } => {
                    if !(0.0..1.0).contains(noise) {
                        return Err(IndexError::bad(
                            what(),
                            format!("noise {noise} is not in [0, 1)"),
                        ));
                    }
                    let mut nodes = Vec::new();
                    for &l in levels {
                        if l < 1 || l > fw.n_levels() {
                            return Err(IndexError::bad(
                                what(),
                                format!("level {l} is not in 1..={}", fw.n_levels()),
                            ));
                        }
                        nodes.extend(fw.at_level(l));
                    }
                    weight_inputs.push((i, nodes, *noise));
                }
                UncertainInput::Imputation { alternatives, .. } => {
                    for m in alternatives {
                        let mut probe = base.clone();
                        probe.impute = Some(m.clone());
                        engine::resolve(fw, data, &probe)?;
                    }
                    prefix_inputs.push(i);
                }
                UncertainInput::Winsorisation { .. } | UncertainInput::Normalisation { .. } => {
                    prefix_inputs.push(i)
                }
                UncertainInput::Aggregation { .. } => {}
            }
            dims.push(n);
        }
        let base_treat = base.treat.clone().unwrap_or_default();
        let choices = spec
            .inputs
            .iter()
            .map(|inp| choices_of(fw, &base_treat, inp))
            .collect::<Result<Vec<_>, _>>()?;
        let varies_imputation = spec
            .inputs
            .iter()
            .any(|i| matches!(i, UncertainInput::Imputation { .. }));
        let before_treatment = (!varies_imputation).then(|| {
            engine::imputed(data, &base_r)
                .map(|(rows, cols)| {
                    let units = rows.iter().map(|&k| data.units[k].clone()).collect();
                    let moments = cols.iter().map(|c| stats::skewness_kurtosis(c)).collect();
                    Arc::new(BeforeTreatment {
                        rows,
                        units,
                        cols,
                        moments,
                    })
                })
                .map_err(|e| e.to_string())
        });
        Ok(Prepared {
            fw,
            data,
            base: base_r,
            target,
            inputs: &spec.inputs,
            dims,
            weight_inputs,
            seed: spec.seed,
            cache: None,
            prefix_inputs,
            before_treatment,
            choices,
        })
    }

    /// The target's scores under the nominal pipeline (NaN for units it leaves out).
    fn nominal_scores(&self) -> Result<Vec<f64>, IndexError> {
        let (fw, data) = (self.fw, self.data);
        let (rows, norm) = engine::prefix(fw, data, &self.base)?;
        let units: Vec<String> = rows.iter().map(|&k| data.units[k].clone()).collect();
        let all = aggregate::aggregate(
            fw,
            &norm,
            &units,
            &self.base.weights,
            &self.base.aggs,
            self.base.min_availability,
        )?;
        let mut out = vec![f64::NAN; data.n_rows()];
        for (p, &k) in rows.iter().enumerate() {
            out[k] = all[self.target][p];
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::CompositeIndex;

    #[test]
    fn stages_run_once_give_every_combination_the_full_pipeline_columns() {
        let idx = CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
        let base = PipelineSpec::coinr_example();
        let spec = UncertaintySpec::coinr_vignette(10, 1, SamplingDesign::MonteCarlo);
        let prep = Prepared::new(&idx.framework, &idx.data, &base, &spec).unwrap();
        assert!(
            prep.before_treatment.is_some(),
            "the vignette varies no imputation"
        );
        let mut full = Prepared::new(&idx.framework, &idx.data, &base, &spec).unwrap();
        full.before_treatment = None;
        let bits = |p: &Prefix| {
            let cols: Vec<Vec<u64>> =
                p.2.iter()
                    .map(|c| c.iter().map(|v| v.to_bits()).collect())
                    .collect();
            (p.0.clone(), p.1.to_vec(), cols)
        };
        for k in 0..prep.n_combos() {
            let a = prep.compute_prefix(k).unwrap();
            let b = full.compute_prefix(k).unwrap();
            assert_eq!(bits(&a), bits(&b), "combination {k}");
        }
    }
}
