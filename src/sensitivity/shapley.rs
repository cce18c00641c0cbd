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
//!   The formula above then averages over all k! permutations, each cost shared by every
//!   permutation it appears in (the "subset" aggregation of Broto, Bachoc and Depecker 2020,
//!   *SIAM/ASA JUQ* 8:693–716: N_V + (2^k − 2) N_O N_I runs instead of N_V + k!(k − 1) N_O N_I
//!   when every permutation step is estimated afresh).
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

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::copula::Copula;
use super::design::{DEFAULT_BATCH_ROWS, check_cells};
use super::shapley_work::{ExactWork, OUTER_BLOCK, RandomWork, VarWork, run_work};
use super::{
    Correlation, Model, Problem, SensitivityError, SensitivityWarning, Stream, check_conf_level,
    percentile_interval, std_ddof1, stream_key, z_value,
};
use crate::projection::stream::{chunk_stream, fill_words};

/// Largest k for which [`ShapleyMethod::Auto`] uses the exact estimator (2^8 − 2 = 254 costs).
pub const EXACT_AUTO_MAX_K: usize = 8;
/// Largest k the exact estimator accepts (2^16 − 2 costs).
const EXACT_MAX_K: usize = 16;
/// Bootstrap resamples per matrix product.
const BOOT_GROUP: usize = 32;

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

    builder_setters! {
        /// All options at once.
        options(o: ShapleyOptions) => options = o;

        /// The estimator.
        method(m: ShapleyMethod) => options.method = m;

        /// Random permutations (random estimator).
        n_perm(m: usize) => options.n_perm = m;

        /// Joint draws for Var(Y).
        n_var(n: usize) => options.n_var = n;

        /// Outer draws per cost.
        n_outer(n: usize) => options.n_outer = Some(n);

        /// Inner draws per outer draw.
        n_inner(n: usize) => options.n_inner = n;

        /// Bootstrap resamples.
        n_bootstrap(b: usize) => options.n_bootstrap = b;

        /// Confidence level of the intervals.
        conf_level(c: f64) => options.conf_level = c;

        /// Seed.
        seed(seed: u64) => options.seed = seed;

        /// Rows per model call (default 16,384; the results do not depend on it).
        batch_rows(rows: usize) => batch_rows = rows.max(1);
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
                Terms::exact(parts, n_sub, n_outer, m, w.blocks)
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
                Terms::random(parts, o.n_perm, k, m)
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
        est: &Terms,
    ) -> ShapleyResult {
        let o = &self.options;
        let k = self.problem.len();
        let m = yv.ncols();
        if output_names.len() != m {
            output_names = (0..m).map(|i| format!("y{i}")).collect();
        }
        let mut warnings = vec![];
        // Var(Y): the sample variance (divisor n − 1) of each output's joint draws.
        let nv = yv.nrows() as f64;
        let means: Vec<f64> = (0..m)
            .map(|out| yv.column(out).iter().sum::<f64>() / nv)
            .collect();
        let var: Vec<f64> = (0..m)
            .map(|out| {
                let c = means[out];
                yv.column(out)
                    .iter()
                    .map(|v| (v - c) * (v - c))
                    .sum::<f64>()
                    / (nv - 1.0)
            })
            .collect();
        let sums = est.units.sum_axis(Axis(0));
        let points: Vec<Vec<f64>> = (0..m)
            .map(|out| est.effects(out, var[out], sums.as_slice().unwrap_or(&[])))
            .collect();
        for (out, v) in var.iter().enumerate() {
            if v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                warnings.push(SensitivityWarning::ConstantOutput { output: out });
            }
        }
        let reps = if o.n_bootstrap >= 2 {
            bootstrap(est, yv, &means, o.n_bootstrap, o.seed)
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

/// The per-unit terms whose (bootstrap-weighted) column sums give every estimate. Exact
/// estimator: one row per outer draw l, columns `t · m + out` holding the inner variance of
/// subset t + 1 (a bit mask) at draw l; the costs are the column means. Random estimator: one
/// row per permutation, columns `i · m + out` holding the increments credited to input i (without
/// Var(Y)), then k columns flagging the permutation's last input, credited Var(Y) on top.
struct Terms {
    exact: bool,
    k: usize,
    m: usize,
    units: Array2<f64>,
}

impl Terms {
    fn exact(parts: Vec<Vec<f64>>, n_sub: usize, n_outer: usize, m: usize, blocks: usize) -> Terms {
        let mut units = Array2::zeros((n_outer, n_sub * m));
        for (c, part) in parts.iter().enumerate() {
            let (t, b) = (c / blocks, c % blocks);
            for (g, vals) in part.chunks_exact(m).enumerate() {
                let l = b * OUTER_BLOCK + g;
                for (o, v) in vals.iter().enumerate() {
                    units[[l, t * m + o]] = *v;
                }
            }
        }
        let k = (n_sub + 2).trailing_zeros() as usize;
        Terms {
            exact: true,
            k,
            m,
            units,
        }
    }

    fn random(parts: Vec<Vec<Vec<f64>>>, n_perm: usize, k: usize, m: usize) -> Terms {
        let mut units = Array2::zeros((n_perm, k * m + k));
        for (p, row) in parts.into_iter().flatten().enumerate() {
            units.row_mut(p).assign(&ndarray::ArrayView1::from(&row));
        }
        Terms {
            exact: false,
            k,
            m,
            units,
        }
    }

    /// Normalised effects of output `out` given Var(Y) = `var` and the column sums `sums` of
    /// the units (each unit counted once, or as often as a bootstrap resample draws it).
    fn effects(&self, out: usize, var: f64, sums: &[f64]) -> Vec<f64> {
        let (k, m) = (self.k, self.m);
        if var.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return vec![0.0; k];
        }
        let n = self.units.nrows() as f64;
        if self.exact {
            // c(∅) = 0, c(J) = mean inner variance, c(all) = Var(Y).
            let full = (1usize << k) - 1;
            let cost = |mask: usize| match mask {
                0 => 0.0,
                m_ if m_ == full => var,
                _ => sums[(mask - 1) * m + out] / n,
            };
            let weights = shapley_weights(k);
            (0..k)
                .map(|i| {
                    let bit = 1usize << i;
                    (0..1usize << k)
                        .filter(|mask| mask & bit == 0)
                        .map(|mask| {
                            weights[mask.count_ones() as usize] * (cost(mask | bit) - cost(mask))
                        })
                        .sum::<f64>()
                        / var
                })
                .collect()
        } else {
            (0..k)
                .map(|i| (sums[i * m + out] + var * sums[k * m + i]) / (n * var))
                .collect()
        }
    }
}

/// Bootstrap replicates `[resample][output][input]`. Resample b draws, from its own stream
/// keyed by `(seed, b)`, `n_var` indices of the variance draws and then as many indices of the
/// units (outer draws or permutations) as there are units (an index is the high 64 bits of a
/// random word times n: bias below n / 2⁶⁴). The units' weighted sums of a group of resamples
/// are one matrix product (counts × units); groups are fixed, so the replicates do not depend
/// on the threads.
fn bootstrap(
    est: &Terms,
    yv: ArrayView2<f64>,
    means: &[f64],
    n_boot: usize,
    seed: u64,
) -> Vec<Vec<Vec<f64>>> {
    let key = stream_key(seed, Stream::ShapleyBootstrap);
    let (nv, nu, m) = (yv.nrows(), est.units.nrows(), yv.ncols());
    let index = |w: u64, n: usize| ((u128::from(w) * n as u128) >> 64) as usize;
    let yv = yv.as_standard_layout();
    let ys = yv.as_slice().unwrap_or(&[]);
    let groups: Vec<usize> = (0..n_boot).step_by(BOOT_GROUP).collect();
    groups
        .into_par_iter()
        .flat_map_iter(|g0| {
            let g = BOOT_GROUP.min(n_boot - g0);
            let mut counts = Array2::<f64>::zeros((g, nu));
            let mut vars = vec![vec![0.0; m]; g];
            let mut words = vec![];
            for (r, b) in (g0..g0 + g).enumerate() {
                let mut rng = chunk_stream(key, b as u64);
                words.resize(nv + nu, 0);
                fill_words(&mut rng, &mut words);
                let (wv, wu) = words.split_at(nv);
                // Var(Y) on the resample, from the draws centred on the full sample's mean.
                let (mut s1, mut s2) = (vec![0.0; m], vec![0.0; m]);
                for &w in wv {
                    let i = index(w, nv) * m;
                    for (o, v) in ys[i..i + m].iter().enumerate() {
                        let d = v - means[o];
                        s1[o] += d;
                        s2[o] += d * d;
                    }
                }
                for o in 0..m {
                    vars[r][o] = (s2[o] - s1[o] * s1[o] / nv as f64) / (nv as f64 - 1.0);
                }
                let mut row = counts.row_mut(r);
                for &w in wu {
                    row[index(w, nu)] += 1.0;
                }
            }
            let sums = counts.dot(&est.units);
            (0..g)
                .map(|r| {
                    let s = sums.row(r).to_vec();
                    (0..m)
                        .map(|out| est.effects(out, vars[r][out], &s))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect()
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
