//! Shapley effects for dependent inputs (Song, Nelson and Staum 2016), exact over all
//! permutations or over random ones, with bootstrap intervals.
//!
//! Owen (2014) proposed Shapley values of the "players" X₁ … X_k in the game whose value of a
//! coalition J is the output variance it explains; Song, Nelson and Staum (2016, "Shapley
//! effects for global sensitivity analysis: theory and computation", *SIAM/ASA J. Uncertainty
//! Quantification* 4:1060–1083) showed that the cost c(J) = E[Var(Y | X_{−J})] gives the same
//! effects as Var(E[Y | X_J]) and is estimated without bias by a double loop, and gave the two
//! estimators implemented here:
//!
//! Sh_i = Σ_{J ⊆ −i} |J|! (k − |J| − 1)! / k! · (c(J ∪ {i}) − c(J)),  effects Sh_i / Var(Y).
//!
//! * **Exact permutations** (for small k): every c(J), J ≠ ∅, J ≠ all, is estimated once by
//!   `n_outer` draws of x_{−J} from its marginal, each followed by `n_inner` draws of x_J given
//!   x_{−J}, c(J) ≈ mean over outer draws of the inner sample variance (divisor n_inner − 1);
//!   c(∅) = 0 and c(all) = Var(Y), estimated by the sample variance of `n_var` joint draws.
//!   The formula above then averages over all k! permutations.
//! * **Random permutations** (for larger k): `n_perm` uniformly random permutations π; along
//!   each, c of every prefix {π₁ … π_j} (j < k) is estimated afresh (Song et al. recommend
//!   n_outer = 1, n_inner = 3), the last prefix is Var(Y), and input π_j is credited with the
//!   increment c(π₁…π_j) − c(π₁…π_{j−1}).
//!
//! Both telescope: the effects sum to exactly 1 (up to rounding) whatever the Monte Carlo error.
//! Dependence comes from a [`Correlation`] of the inputs' normal scores (a Gaussian copula over
//! the problem's marginals), sampled conditionally without approximation (see
//! [`Correlation`]'s module: the conditional normal law, then the marginals' quantiles).
//!
//! For independent inputs the effects of an additive model are the first-order Sobol' indices;
//! for a linear model of Gaussian inputs they have a closed form (Owen and Prieur 2017, "On
//! Shapley value for measuring importance of dependent inputs", *SIAM/ASA JUQ* 5:986–1002;
//! Iooss and Prieur 2019, "Shapley effects for sensitivity analysis with correlated inputs:
//! comparisons with Sobol' indices, numerical estimation and applications", *Int. J.
//! Uncertainty Quantification* 9:493–514), which the tests compare against.
//!
//! **Bootstrap**: resample b draws, from `(seed, b)`, one resample with replacement of the
//! `n_var` variance draws and one of the outer draws (exact: the outer index l, applied to every
//! subset's independent outer sample, so the bootstrap variance of each c(J) and of their
//! combination is consistent) or of the permutations (random); every estimate is recomputed,
//! Var(Y) included. **Determinism**: every chunk of work draws from its own stream keyed by
//! `(seed, chunk)` and results are combined in chunk order, so the effects are bit-identical
//! for any number of threads.

use ndarray::{Array2, ArrayView2, s};
use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::copula::{Conditional, Copula};
use super::design::{DEFAULT_BATCH_ROWS, check_cells, check_finite};
use super::{
    Correlation, Model, Problem, SensitivityError, SensitivityWarning, Stream, check_conf_level,
    chunk_rng, percentile_interval, std_ddof1, stream_key, z_value,
};
use crate::projection::dist::fill_std_normal;
use crate::projection::stream::{ChunkStream, chunk_stream};

/// Largest k for which [`ShapleyMethod::Auto`] uses the exact estimator (2^8 − 2 = 254 costs).
pub const EXACT_AUTO_MAX_K: usize = 8;
/// Largest k the exact estimator accepts (2^16 − 2 costs).
const EXACT_MAX_K: usize = 16;
/// Outer draws per chunk (exact estimator) and variance draws per chunk.
const OUTER_BLOCK: usize = 256;
const VAR_BLOCK: usize = 1024;
/// Permutations per chunk (random estimator).
const PERM_BLOCK: usize = 16;

/// Which Shapley estimator to use.
///
/// ```
/// use innodex::sensitivity::ShapleyMethod;
/// assert_eq!(ShapleyMethod::default(), ShapleyMethod::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShapleyMethod {
    /// Exact permutations for k ≤ [`EXACT_AUTO_MAX_K`], random permutations above.
    #[default]
    Auto,
    /// All k! permutations through the 2^k − 2 costs (k ≤ 16).
    Exact,
    /// `n_perm` random permutations.
    Random,
}

/// Options of a Shapley analysis (the names of Song et al. 2016: N_V, N_O, N_I, m).
///
/// ```
/// use innodex::sensitivity::ShapleyOptions;
/// let o = ShapleyOptions::default();
/// assert_eq!((o.n_var, o.n_inner, o.n_perm), (10_000, 3, 10_000));
/// assert_eq!(o.n_outer, None); // 1000 (exact) or 1 (random)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShapleyOptions {
    /// Estimator.
    pub method: ShapleyMethod,
    /// Random permutations m (random estimator).
    pub n_perm: usize,
    /// Joint draws N_V for Var(Y).
    pub n_var: usize,
    /// Outer draws N_O per cost (None: 1000 for the exact estimator, 1 for the random one, as
    /// Song et al. recommend).
    pub n_outer: Option<usize>,
    /// Inner (conditional) draws N_I per outer draw (≥ 2).
    pub n_inner: usize,
    /// Bootstrap resamples (0 or 1: no intervals).
    pub n_bootstrap: usize,
    /// Confidence level of the intervals.
    pub conf_level: f64,
    /// Seed of the sampling and of the bootstrap.
    pub seed: u64,
}

impl Default for ShapleyOptions {
    fn default() -> Self {
        ShapleyOptions {
            method: ShapleyMethod::Auto,
            n_perm: 10_000,
            n_var: 10_000,
            n_outer: None,
            n_inner: 3,
            n_bootstrap: 100,
            conf_level: 0.95,
            seed: crate::DEFAULT_SEED,
        }
    }
}

/// Shapley effects of one output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapleyEffects {
    /// The effects Sh_i / Var(Y) (they sum to 1; all 0 for a constant output).
    #[serde(with = "super::nan_serde::vec")]
    pub shapley: Vec<f64>,
    /// Half-widths z·sd of the bootstrap replicates.
    #[serde(with = "super::nan_serde::vec")]
    pub conf: Vec<f64>,
    /// Percentile intervals of the bootstrap replicates.
    #[serde(with = "super::nan_serde::pairs")]
    pub interval: Vec<(f64, f64)>,
    /// The estimate of Var(Y) (sample variance of the `n_var` joint draws).
    #[serde(with = "super::nan_serde::scalar")]
    pub variance: f64,
}

/// The result of a Shapley analysis: one [`ShapleyEffects`] per model output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapleyResult {
    /// Input names.
    pub names: Vec<String>,
    /// Output names.
    pub output_names: Vec<String>,
    /// The estimator used (exact or random, never auto).
    pub method: ShapleyMethod,
    /// Random permutations averaged (0 for the exact estimator, which covers all k!).
    pub n_perm: usize,
    /// Joint draws for Var(Y).
    pub n_var: usize,
    /// Outer draws per cost.
    pub n_outer: usize,
    /// Inner draws per outer draw.
    pub n_inner: usize,
    /// Model evaluations (rows).
    pub model_runs: usize,
    /// Options as given.
    pub options: ShapleyOptions,
    /// The correlation of the inputs' normal scores.
    pub correlation: Correlation,
    /// Effects per output.
    pub outputs: Vec<ShapleyEffects>,
    /// Warnings (constant outputs, no bootstrap).
    pub warnings: Vec<SensitivityWarning>,
}

/// Shapley effects of a model's inputs, dependent through a Gaussian copula (builder; see the
/// module notes for the method).
///
/// ```
/// use innodex::sensitivity::{Correlation, FnModel, Problem, ShapleyAnalysis, ShapleyMethod};
/// // Y = X1 + X2 with X1, X2 standard normal, correlation 0.5: by symmetry each effect is 1/2.
/// let p = Problem::new(vec![
///     innodex::sensitivity::Input::new("x1", innodex::sensitivity::Distribution::Normal { mean: 0.0, sd: 1.0 }),
///     innodex::sensitivity::Input::new("x2", innodex::sensitivity::Distribution::Normal { mean: 0.0, sd: 1.0 }),
/// ]).unwrap();
/// let r = Correlation::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0] + x[1]);
/// let res = ShapleyAnalysis::new(p, r).n_outer(2000).n_bootstrap(50).seed(1).run(&m).unwrap();
/// assert_eq!(res.method, ShapleyMethod::Exact);
/// let sh = &res.outputs[0].shapley;
/// assert!((sh[0] - 0.5).abs() < 0.05 && (sh[0] + sh[1] - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct ShapleyAnalysis {
    problem: Problem,
    corr: Correlation,
    batch_rows: usize,
    options: ShapleyOptions,
}

impl ShapleyAnalysis {
    /// An analysis of `problem` whose inputs' normal scores have correlation `corr` (k × k).
    pub fn new(problem: Problem, corr: Correlation) -> Self {
        ShapleyAnalysis {
            problem,
            corr,
            batch_rows: DEFAULT_BATCH_ROWS,
            options: ShapleyOptions::default(),
        }
    }

    /// An analysis with independent inputs.
    pub fn independent(problem: Problem) -> Self {
        let k = problem.len();
        ShapleyAnalysis::new(problem, Correlation::identity(k))
    }

    /// All options at once.
    pub fn options(mut self, o: ShapleyOptions) -> Self {
        self.options = o;
        self
    }

    /// The estimator.
    pub fn method(mut self, m: ShapleyMethod) -> Self {
        self.options.method = m;
        self
    }

    /// Random permutations (random estimator).
    pub fn n_perm(mut self, m: usize) -> Self {
        self.options.n_perm = m;
        self
    }

    /// Joint draws for Var(Y).
    pub fn n_var(mut self, n: usize) -> Self {
        self.options.n_var = n;
        self
    }

    /// Outer draws per cost.
    pub fn n_outer(mut self, n: usize) -> Self {
        self.options.n_outer = Some(n);
        self
    }

    /// Inner draws per outer draw.
    pub fn n_inner(mut self, n: usize) -> Self {
        self.options.n_inner = n;
        self
    }

    /// Bootstrap resamples.
    pub fn n_bootstrap(mut self, b: usize) -> Self {
        self.options.n_bootstrap = b;
        self
    }

    /// Confidence level of the intervals.
    pub fn conf_level(mut self, c: f64) -> Self {
        self.options.conf_level = c;
        self
    }

    /// Seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// Rows per model call (default 16,384; the results do not depend on it).
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// The estimator, N_O and the number of model evaluations this analysis will make.
    ///
    /// # Errors
    /// [`SensitivityError::InvalidCorrelation`] when the matrix is not k × k;
    /// [`SensitivityError::InvalidOption`] for an option out of range (n_var < 2,
    /// n_inner < 2, n_outer or n_perm zero, exact with k > 16, k > 64, a confidence level
    /// outside (0, 1)) or a run too large to count.
    ///
    /// ```
    /// use innodex::sensitivity::{Problem, ShapleyAnalysis, ShapleyMethod};
    /// let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0)]).unwrap();
    /// let a = ShapleyAnalysis::independent(p).n_var(1000);
    /// // Exact: 1000 + (2³ − 2) · 1000 · 3 rows.
    /// assert_eq!(a.plan().unwrap(), (ShapleyMethod::Exact, 1000, 19_000));
    /// assert!(a.n_inner(1).plan().unwrap_err().to_string().contains("n_inner"));
    /// ```
    pub fn plan(&self) -> Result<(ShapleyMethod, usize, usize), SensitivityError> {
        let o = &self.options;
        let k = self.problem.len();
        if self.corr.k() != k {
            return Err(SensitivityError::InvalidCorrelation(format!(
                "corr is {0} × {0} but the problem has {k} inputs",
                self.corr.k()
            )));
        }
        check_conf_level(o.conf_level)?;
        let opt = |option: &'static str, reason: String| {
            Err(SensitivityError::InvalidOption { option, reason })
        };
        if o.n_var < 2 {
            return opt(
                "n_var",
                format!("at least 2 draws for Var(Y), got {}", o.n_var),
            );
        }
        if o.n_inner < 2 {
            return opt(
                "n_inner",
                format!(
                    "at least 2 inner draws (a sample variance), got {}",
                    o.n_inner
                ),
            );
        }
        if k > 64 {
            return opt("problem", format!("at most 64 inputs, got {k}"));
        }
        let method = match o.method {
            ShapleyMethod::Auto if k <= EXACT_AUTO_MAX_K => ShapleyMethod::Exact,
            ShapleyMethod::Auto => ShapleyMethod::Random,
            m => m,
        };
        if method == ShapleyMethod::Exact && k > EXACT_MAX_K {
            return opt(
                "method",
                format!(
                    "the exact estimator needs 2^k − 2 costs; k = {k} > {EXACT_MAX_K}: use random permutations"
                ),
            );
        }
        let n_outer = o.n_outer.unwrap_or(match method {
            ShapleyMethod::Exact => 1000,
            _ => 1,
        });
        if n_outer == 0 {
            return opt("n_outer", "at least 1 outer draw".into());
        }
        if method == ShapleyMethod::Random && o.n_perm == 0 {
            return opt("n_perm", "at least 1 permutation".into());
        }
        let groups = match method {
            ShapleyMethod::Exact => ((1usize << k) - 2).checked_mul(n_outer),
            _ => o
                .n_perm
                .checked_mul(k - 1)
                .and_then(|g| g.checked_mul(n_outer)),
        };
        let runs = groups
            .and_then(|g| g.checked_mul(o.n_inner))
            .and_then(|r| r.checked_add(o.n_var));
        match runs {
            Some(r) => Ok((method, n_outer, r)),
            None => opt("n_outer", "the number of model runs overflows".into()),
        }
    }

    /// Samples, evaluates the model batch by batch and estimates the effects of every output.
    ///
    /// # Errors
    /// As [`ShapleyAnalysis::plan`]; [`SensitivityError::TooLarge`] when the stored inner variances would
    /// exceed 2^28 numbers; the model's errors, wrong output shapes, non-finite outputs.
    pub fn run<M: Model + ?Sized>(&self, model: &M) -> Result<ShapleyResult, SensitivityError> {
        let (method, n_outer, model_runs) = self.plan()?;
        let copula = Copula::new(&self.problem, &self.corr)?;
        let k = self.problem.len();
        let m = model.n_outputs();
        if m == 0 {
            return Err(SensitivityError::InvalidOption {
                option: "model",
                reason: "the model declares no outputs".into(),
            });
        }
        let o = self.options;
        check_cells(
            "the variance sample's outputs",
            o.n_var,
            m,
            "use a smaller n_var",
        )?;
        let key_var = stream_key(o.seed, Stream::ShapleyVariance);
        let var_work = VarWork {
            copula: &copula,
            n: o.n_var,
            key: key_var,
        };
        let yv = run_work(&var_work, model, k, m, self.batch_rows, 0)?;
        let yv: Vec<f64> = yv.into_iter().flatten().collect();
        let yv = Array2::from_shape_vec((o.n_var, m), yv).map_err(|e| {
            SensitivityError::InvalidOption {
                option: "n_var",
                reason: e.to_string(),
            }
        })?;
        let key = stream_key(o.seed, Stream::ShapleyCost);
        let est = match method {
            ShapleyMethod::Exact => {
                let n_sub = (1usize << k) - 2;
                check_cells(
                    "the inner variances",
                    n_sub * n_outer,
                    m,
                    "use a smaller n_outer or the random estimator",
                )?;
                let w = ExactWork {
                    copula: &copula,
                    n_outer,
                    n_inner: o.n_inner,
                    blocks: n_outer.div_ceil(OUTER_BLOCK),
                    n_sub,
                    key,
                };
                let parts = run_work(&w, model, k, m, self.batch_rows, o.n_var)?;
                Estimator::Exact(Costs::assemble(parts, n_sub, n_outer, m, w.blocks))
            }
            _ => {
                check_cells(
                    "the permutation increments",
                    o.n_perm,
                    k * m,
                    "use fewer permutations",
                )?;
                let w = RandomWork {
                    copula: &copula,
                    n_perm: o.n_perm,
                    n_outer,
                    n_inner: o.n_inner,
                    key,
                };
                let parts = run_work(&w, model, k, m, self.batch_rows, o.n_var)?;
                Estimator::Random(parts.into_iter().flatten().collect())
            }
        };
        Ok(self.finish(
            method,
            n_outer,
            model_runs,
            model.output_names(),
            yv.view(),
            &est,
        ))
    }

    /// Point estimates, bootstrap and the result.
    fn finish(
        &self,
        method: ShapleyMethod,
        n_outer: usize,
        model_runs: usize,
        mut output_names: Vec<String>,
        yv: ArrayView2<f64>,
        est: &Estimator,
    ) -> ShapleyResult {
        let o = &self.options;
        let k = self.problem.len();
        let m = yv.ncols();
        if output_names.len() != m {
            output_names = (0..m).map(|i| format!("y{i}")).collect();
        }
        let mut warnings = vec![];
        let ones = vec![1u32; yv.nrows()];
        let var: Vec<f64> = (0..m)
            .map(|out| weighted_var(yv.column(out), &ones))
            .collect();
        let points: Vec<Vec<f64>> = (0..m)
            .map(|out| est.effects(k, out, var[out], None))
            .collect();
        for (out, v) in var.iter().enumerate() {
            if !(*v > 0.0) {
                warnings.push(SensitivityWarning::ConstantOutput { output: out });
            }
        }
        let reps: Vec<Vec<Vec<f64>>> = if o.n_bootstrap >= 2 {
            (0..o.n_bootstrap)
                .into_par_iter()
                .map(|b| {
                    let mut rng = chunk_rng(o.seed, Stream::ShapleyBootstrap, b as u64);
                    let cv = counts(&mut rng, yv.nrows());
                    let ce = counts(&mut rng, est.units());
                    (0..m)
                        .map(|out| {
                            let v = weighted_var(yv.column(out), &cv);
                            est.effects(k, out, v, Some(&ce))
                        })
                        .collect()
                })
                .collect()
        } else {
            warnings.push(SensitivityWarning::NoBootstrap);
            vec![]
        };
        let zq = z_value(o.conf_level);
        let outputs = (0..m)
            .map(|out| {
                let mut conf = vec![f64::NAN; k];
                let mut interval = vec![(f64::NAN, f64::NAN); k];
                if reps.len() >= 2 {
                    for i in 0..k {
                        let mut v: Vec<f64> = reps.iter().map(|r| r[out][i]).collect();
                        conf[i] = zq * std_ddof1(&v);
                        interval[i] = percentile_interval(&mut v, o.conf_level);
                    }
                }
                ShapleyEffects {
                    shapley: points[out].clone(),
                    conf,
                    interval,
                    variance: var[out],
                }
            })
            .collect();
        ShapleyResult {
            names: self.problem.names().iter().map(|s| s.to_string()).collect(),
            output_names,
            method,
            n_perm: if method == ShapleyMethod::Random {
                o.n_perm
            } else {
                0
            },
            n_var: o.n_var,
            n_outer,
            n_inner: o.n_inner,
            model_runs,
            options: *o,
            correlation: self.corr.clone(),
            outputs,
            warnings,
        }
    }
}

/// A bootstrap resample of `n` units as counts (multinomial through n uniform indices).
fn counts<R: rand::Rng>(rng: &mut R, n: usize) -> Vec<u32> {
    let mut c = vec![0u32; n];
    for _ in 0..n {
        c[rng.random_range(0..n)] += 1;
    }
    c
}

/// Sample variance (divisor n − 1) of `y` with integer weights summing to n.
fn weighted_var(y: ndarray::ArrayView1<f64>, w: &[u32]) -> f64 {
    let n: f64 = w.iter().map(|&c| f64::from(c)).sum();
    let mean = y.iter().zip(w).map(|(v, &c)| v * f64::from(c)).sum::<f64>() / n;
    y.iter()
        .zip(w)
        .map(|(v, &c)| f64::from(c) * (v - mean) * (v - mean))
        .sum::<f64>()
        / (n - 1.0)
}

/// The estimated costs of the exact estimator: inner variances by subset, outer draw, output.
struct Costs {
    n_sub: usize,
    n_outer: usize,
    m: usize,
    /// `s2[(t · n_outer + l) · m + out]`, t = mask − 1.
    s2: Vec<f64>,
}

impl Costs {
    fn assemble(
        parts: Vec<Vec<f64>>,
        n_sub: usize,
        n_outer: usize,
        m: usize,
        blocks: usize,
    ) -> Costs {
        debug_assert_eq!(parts.len(), n_sub * blocks);
        let s2: Vec<f64> = parts.into_iter().flatten().collect();
        Costs {
            n_sub,
            n_outer,
            m,
            s2,
        }
    }

    /// c(J) for every J (index = mask), c(∅) = 0, c(all) = `var`, optionally on a resample of
    /// the outer draws.
    fn all(&self, out: usize, var: f64, w: Option<&[u32]>) -> Vec<f64> {
        let (no, m) = (self.n_outer, self.m);
        let mut c = Vec::with_capacity(self.n_sub + 2);
        c.push(0.0);
        for t in 0..self.n_sub {
            let base = t * no * m + out;
            let sum: f64 = match w {
                None => (0..no).map(|l| self.s2[base + l * m]).sum(),
                Some(w) => (0..no)
                    .map(|l| f64::from(w[l]) * self.s2[base + l * m])
                    .sum(),
            };
            c.push(sum / no as f64);
        }
        c.push(var);
        c
    }
}

/// One random permutation's contribution: increments credited to each input (without Var(Y))
/// and the last input, which is credited Var(Y) on top.
struct PermPart {
    last: usize,
    /// `d[i · m + out]`.
    d: Vec<f64>,
}

enum Estimator {
    Exact(Costs),
    Random(Vec<PermPart>),
}

impl Estimator {
    /// Resampling units of the bootstrap: outer draws (exact) or permutations (random).
    fn units(&self) -> usize {
        match self {
            Estimator::Exact(c) => c.n_outer,
            Estimator::Random(p) => p.len(),
        }
    }

    /// Normalised effects of output `out` given Var(Y) = `var`, on the resample `w` if given.
    fn effects(&self, k: usize, out: usize, var: f64, w: Option<&[u32]>) -> Vec<f64> {
        if !(var > 0.0) {
            return vec![0.0; k];
        }
        let raw = match self {
            Estimator::Exact(costs) => {
                let c = costs.all(out, var, w);
                let weights = shapley_weights(k);
                (0..k)
                    .map(|i| {
                        let bit = 1usize << i;
                        (0..1usize << k)
                            .filter(|mask| mask & bit == 0)
                            .map(|mask| {
                                weights[mask.count_ones() as usize] * (c[mask | bit] - c[mask])
                            })
                            .sum::<f64>()
                    })
                    .collect::<Vec<f64>>()
            }
            Estimator::Random(parts) => {
                let m = parts.first().map_or(1, |p| p.d.len() / k);
                let mut sh = vec![0.0; k];
                for (p, part) in parts.iter().enumerate() {
                    let c = w.map_or(1.0, |w| f64::from(w[p]));
                    if c == 0.0 {
                        continue;
                    }
                    for (i, s) in sh.iter_mut().enumerate() {
                        *s += c * part.d[i * m + out];
                    }
                    sh[part.last] += c * var;
                }
                let n = parts.len() as f64;
                sh.iter_mut().for_each(|s| *s /= n);
                sh
            }
        };
        raw.iter().map(|v| v / var).collect()
    }
}

/// |J|! (k − |J| − 1)! / k! for |J| = 0 … k − 1, i.e. 1 / (k · C(k − 1, |J|)).
fn shapley_weights(k: usize) -> Vec<f64> {
    let mut w = Vec::with_capacity(k);
    let mut binom = 1.0f64;
    for s in 0..k {
        if s > 0 {
            binom = binom * (k - s) as f64 / s as f64;
        }
        w.push(1.0 / (k as f64 * binom));
    }
    w
}

// ---------------------------------------------------------------------------- the work

/// Work cut into chunks of rows, each generated from its own stream and reduced on its own.
trait Work: Sync {
    /// What generating a chunk leaves for its reduction.
    type State: Send;
    /// What a chunk's reduction gives.
    type Out: Send;
    fn n_chunks(&self) -> usize;
    fn rows(&self, c: usize) -> usize;
    /// Writes chunk `c`'s rows (row-major, k columns).
    fn fill(&self, c: usize, x: &mut [f64]) -> Result<Self::State, SensitivityError>;
    /// Reduces chunk `c`'s outputs (rows × outputs).
    fn reduce(&self, c: usize, state: Self::State, y: ArrayView2<f64>) -> Self::Out;
}

/// Runs `work` in batches of whole chunks (at most `batch_rows` rows unless one chunk is
/// larger): chunks are generated in parallel, the model evaluates the batch, the chunks are
/// reduced in parallel; results come back in chunk order. `first_row` numbers rows in errors.
fn run_work<W: Work, M: Model + ?Sized>(
    work: &W,
    model: &M,
    k: usize,
    m: usize,
    batch_rows: usize,
    first_row: usize,
) -> Result<Vec<W::Out>, SensitivityError> {
    let n = work.n_chunks();
    let mut out = Vec::with_capacity(n);
    let mut c0 = 0;
    let mut row0 = first_row;
    while c0 < n {
        let mut c1 = c0 + 1;
        let mut rows = work.rows(c0);
        while c1 < n && rows + work.rows(c1) <= batch_rows {
            rows += work.rows(c1);
            c1 += 1;
        }
        let mut x = vec![0.0; rows * k];
        let mut slices = Vec::with_capacity(c1 - c0);
        let mut rest: &mut [f64] = &mut x;
        for c in c0..c1 {
            let (a, b) = rest.split_at_mut(work.rows(c) * k);
            slices.push((c, a));
            rest = b;
        }
        let states: Vec<W::State> = slices
            .into_par_iter()
            .map(|(c, sl)| work.fill(c, sl))
            .collect::<Result<_, _>>()?;
        let x = Array2::from_shape_vec((rows, k), x)
            .map_err(|e| SensitivityError::Model(e.to_string()))?;
        let mut y = Array2::zeros((rows, m));
        if rows > 0 {
            model.evaluate(x.view(), y.view_mut())?;
            check_finite(y.view(), row0)?;
        }
        let mut starts = Vec::with_capacity(c1 - c0);
        let mut r = 0;
        for c in c0..c1 {
            starts.push(r);
            r += work.rows(c);
        }
        let reduced: Vec<W::Out> = states
            .into_par_iter()
            .zip(starts)
            .enumerate()
            .map(|(i, (st, r))| {
                let c = c0 + i;
                work.reduce(c, st, y.slice(s![r..r + work.rows(c), ..]))
            })
            .collect();
        out.extend(reduced);
        row0 += rows;
        c0 = c1;
    }
    Ok(out)
}

/// Standard normal numbers for one chunk, from its own fast stream.
fn normals(key: u64, chunk: usize, n: usize, bits: &mut Vec<u64>) -> (Vec<f64>, ChunkStream) {
    let mut rng = chunk_stream(key, chunk as u64);
    let mut eps = vec![0.0; n];
    fill_std_normal(&mut rng, &mut eps, bits);
    (eps, rng)
}

/// The sample variance (divisor n − 1) of the inner draws of each outer draw, per output,
/// written as `[group][output]`.
fn inner_variances(y: ArrayView2<f64>, n_inner: usize, out: &mut Vec<f64>) {
    let m = y.ncols();
    let groups = y.nrows() / n_inner;
    for g in 0..groups {
        for o in 0..m {
            let col = (0..n_inner).map(|i| y[[g * n_inner + i, o]]);
            let mean = col.clone().sum::<f64>() / n_inner as f64;
            let ss: f64 = col.map(|v| (v - mean) * (v - mean)).sum();
            out.push(ss / (n_inner - 1) as f64);
        }
    }
}

/// The N_V joint draws for Var(Y).
struct VarWork<'a> {
    copula: &'a Copula,
    n: usize,
    key: u64,
}

impl Work for VarWork<'_> {
    type State = ();
    type Out = Vec<f64>;

    fn n_chunks(&self) -> usize {
        self.n.div_ceil(VAR_BLOCK)
    }

    fn rows(&self, c: usize) -> usize {
        VAR_BLOCK.min(self.n - c * VAR_BLOCK)
    }

    fn fill(&self, c: usize, x: &mut [f64]) -> Result<(), SensitivityError> {
        let k = self.copula.k();
        let (eps, _) = normals(self.key, c, x.len(), &mut vec![]);
        for (row, e) in x.chunks_exact_mut(k).zip(eps.chunks_exact(k)) {
            self.copula.joint(e, row);
        }
        Ok(())
    }

    fn reduce(&self, _c: usize, _s: (), y: ArrayView2<f64>) -> Vec<f64> {
        y.iter().copied().collect()
    }
}

/// The exact estimator's costs: chunk c is subset t = c / blocks (mask t + 1), outer draws
/// of block c % blocks.
struct ExactWork<'a> {
    copula: &'a Copula,
    n_outer: usize,
    n_inner: usize,
    blocks: usize,
    n_sub: usize,
    key: u64,
}

impl ExactWork<'_> {
    fn groups(&self, c: usize) -> usize {
        let b = c % self.blocks;
        OUTER_BLOCK.min(self.n_outer - b * OUTER_BLOCK)
    }
}

impl Work for ExactWork<'_> {
    type State = ();
    type Out = Vec<f64>;

    fn n_chunks(&self) -> usize {
        self.n_sub * self.blocks
    }

    fn rows(&self, c: usize) -> usize {
        self.groups(c) * self.n_inner
    }

    fn fill(&self, c: usize, x: &mut [f64]) -> Result<(), SensitivityError> {
        let mask = (c / self.blocks + 1) as u64;
        let cond = Conditional::new(self.copula, mask)?;
        let per = cond.normals(self.n_inner);
        let (eps, _) = normals(self.key, c, per * self.groups(c), &mut vec![]);
        let k = self.copula.k();
        let mut buf = vec![];
        for (rows, e) in x
            .chunks_exact_mut(self.n_inner * k)
            .zip(eps.chunks_exact(per))
        {
            cond.group(self.copula, e, self.n_inner, rows, &mut buf);
        }
        Ok(())
    }

    fn reduce(&self, _c: usize, _s: (), y: ArrayView2<f64>) -> Vec<f64> {
        let mut out = Vec::with_capacity(y.nrows() / self.n_inner * y.ncols());
        inner_variances(y, self.n_inner, &mut out);
        out
    }
}

/// The random estimator: chunk c holds permutations c · PERM_BLOCK …, each with its k − 1
/// proper prefixes, each prefix with n_outer groups of n_inner rows.
struct RandomWork<'a> {
    copula: &'a Copula,
    n_perm: usize,
    n_outer: usize,
    n_inner: usize,
    key: u64,
}

impl RandomWork<'_> {
    fn perms(&self, c: usize) -> usize {
        PERM_BLOCK.min(self.n_perm - c * PERM_BLOCK)
    }

    fn rows_per_perm(&self) -> usize {
        (self.copula.k() - 1) * self.n_outer * self.n_inner
    }
}

impl Work for RandomWork<'_> {
    type State = Vec<Vec<usize>>;
    type Out = Vec<PermPart>;

    fn n_chunks(&self) -> usize {
        self.n_perm.div_ceil(PERM_BLOCK)
    }

    fn rows(&self, c: usize) -> usize {
        self.perms(c) * self.rows_per_perm()
    }

    fn fill(&self, c: usize, x: &mut [f64]) -> Result<Vec<Vec<usize>>, SensitivityError> {
        let k = self.copula.k();
        let mut rng = chunk_stream(self.key, c as u64);
        let mut bits = vec![];
        let mut buf = vec![];
        let mut perms = Vec::with_capacity(self.perms(c));
        let mut rows = x.chunks_exact_mut(self.n_inner * k);
        for _ in 0..self.perms(c) {
            // Fisher–Yates.
            let mut p: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                p.swap(i, rng.random_range(0..=i));
            }
            let mut mask = 0u64;
            for &v in &p[..k - 1] {
                mask |= 1 << v;
                let cond = Conditional::new(self.copula, mask)?;
                let per = cond.normals(self.n_inner);
                let mut eps = vec![0.0; per * self.n_outer];
                fill_std_normal(&mut rng, &mut eps, &mut bits);
                for e in eps.chunks_exact(per) {
                    if let Some(r) = rows.next() {
                        cond.group(self.copula, e, self.n_inner, r, &mut buf);
                    }
                }
            }
            perms.push(p);
        }
        Ok(perms)
    }

    fn reduce(&self, _c: usize, perms: Vec<Vec<usize>>, y: ArrayView2<f64>) -> Vec<PermPart> {
        let k = self.copula.k();
        let m = y.ncols();
        let mut s2 = Vec::with_capacity(y.nrows() / self.n_inner * m);
        inner_variances(y, self.n_inner, &mut s2);
        let per_prefix = self.n_outer * m;
        perms
            .into_iter()
            .enumerate()
            .map(|(p, perm)| {
                let mut d = vec![0.0; k * m];
                let mut prev = vec![0.0; m];
                for (j, &input) in perm[..k - 1].iter().enumerate() {
                    let base = (p * (k - 1) + j) * per_prefix;
                    for o in 0..m {
                        let c = (0..self.n_outer).map(|l| s2[base + l * m + o]).sum::<f64>()
                            / self.n_outer as f64;
                        d[input * m + o] += c - prev[o];
                        prev[o] = c;
                    }
                }
                let last = perm[k - 1];
                for o in 0..m {
                    d[last * m + o] -= prev[o];
                }
                PermPart { last, d }
            })
            .collect()
    }
}
