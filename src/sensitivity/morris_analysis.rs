//! Morris elementary effects: μ, μ* and σ with bootstrap intervals.

use ndarray::{Array2, ArrayView2};
use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::design::morris::delta;
use super::design::{DEFAULT_BATCH_ROWS, evaluate_design};
use super::{
    Design, Model, MorrisDesign, Problem, SensitivityError, SensitivityWarning, Stream,
    check_conf_level, chunk_rng, percentile_interval, std_ddof1, z_value,
};

/// Options of a Morris analysis (SALib's `morris.analyze` keyword arguments).
///
/// ```
/// use innodex::sensitivity::MorrisOptions;
/// assert_eq!(MorrisOptions::default().num_levels, 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MorrisOptions {
    /// Grid levels p of the design (gives Δ = p / (2 (p − 1))).
    pub num_levels: usize,
    /// Bootstrap resamples of the trajectories.
    pub n_bootstrap: usize,
    /// Confidence level of the intervals.
    pub conf_level: f64,
    /// Seed of the bootstrap.
    pub seed: u64,
}

impl Default for MorrisOptions {
    fn default() -> Self {
        MorrisOptions {
            num_levels: 4,
            n_bootstrap: 100,
            conf_level: 0.95,
            seed: crate::DEFAULT_SEED,
        }
    }
}

/// Morris statistics of one output: μ (Morris 1991), μ* (Campolongo et al. 2007), σ, and
/// bootstrap intervals (see [`MorrisIndices::ranking`] for an example).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MorrisIndices {
    /// Mean elementary effect μ (Morris 1991).
    #[serde(with = "super::nan_serde::vec")]
    pub mu: Vec<f64>,
    /// Mean absolute elementary effect μ* (Campolongo et al. 2007).
    #[serde(with = "super::nan_serde::vec")]
    pub mu_star: Vec<f64>,
    /// Standard deviation of the elementary effects σ (ddof = 1).
    #[serde(with = "super::nan_serde::vec")]
    pub sigma: Vec<f64>,
    /// Half-width z·sd of the bootstrap replicates of μ* (SALib's `mu_star_conf`).
    #[serde(with = "super::nan_serde::vec")]
    pub mu_star_conf: Vec<f64>,
    /// Percentile interval of μ*.
    #[serde(with = "super::nan_serde::pairs")]
    pub mu_star_interval: Vec<(f64, f64)>,
    /// Percentile interval of μ.
    #[serde(with = "super::nan_serde::pairs")]
    pub mu_interval: Vec<(f64, f64)>,
    /// Percentile interval of σ.
    #[serde(with = "super::nan_serde::pairs")]
    pub sigma_interval: Vec<(f64, f64)>,
}

impl MorrisIndices {
    /// Input indices ordered by decreasing μ*.
    ///
    /// ```
    /// use innodex::sensitivity::MorrisIndices;
    /// let m = MorrisIndices { mu: vec![], mu_star: vec![0.1, 3.0, 1.0], sigma: vec![],
    ///     mu_star_conf: vec![], mu_star_interval: vec![], mu_interval: vec![], sigma_interval: vec![] };
    /// assert_eq!(m.ranking(), vec![1, 2, 0]);
    /// ```
    pub fn ranking(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.mu_star.len()).collect();
        idx.sort_by(|&a, &b| self.mu_star[b].total_cmp(&self.mu_star[a]));
        idx
    }
}

/// The result of a Morris analysis: one [`MorrisIndices`] per model output (Morris 1991;
/// Campolongo et al. 2007).
///
/// ```
/// use innodex::sensitivity::{FnModel, MorrisAnalysis, Problem};
/// let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = 2.0 * x[0] + x[1]);
/// let res = MorrisAnalysis::new(p, 10).run(&m).unwrap();
/// assert_eq!(res.trajectories, 10);
/// assert!((res.outputs[0].mu_star[0] - 2.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MorrisResult {
    /// Input names.
    pub names: Vec<String>,
    /// Output names.
    pub output_names: Vec<String>,
    /// Number of trajectories r.
    pub trajectories: usize,
    /// Options used.
    pub options: MorrisOptions,
    /// Statistics per output.
    pub outputs: Vec<MorrisIndices>,
    /// Warnings.
    pub warnings: Vec<SensitivityWarning>,
}

/// Morris statistics from a design and the model's outputs (SALib's `morris.analyze`).
///
/// `x` holds the design's rows (unit or physical scale: only which input changed between
/// consecutive rows of a trajectory, and its direction, are read), `y` one row per design row
/// and one column per output. Trajectory t is rows t(k+1) … t(k+1)+k. The elementary effect of
/// the input changed between rows l and l+1 is ±(y_{l+1} − y_l) / Δ with Δ = p / (2 (p − 1))
/// in the unit hypercube, the sign that of the step (Morris 1991). μ is the mean effect, μ* the
/// mean absolute effect (Campolongo et al. 2007), σ the standard deviation (ddof = 1). The
/// bootstrap resamples whole trajectories; resample b is drawn from (seed, b).
///
/// # Errors
/// [`SensitivityError::WrongRowCount`] for rows not a multiple of k + 1 or a mismatch between
/// `x` and `y`; [`SensitivityError::InvalidOption`] when consecutive rows of a trajectory do
/// not differ in exactly one input; [`SensitivityError::NonFiniteOutput`] for NaN.
///
/// ```
/// use innodex::sensitivity::{analyze_morris, Design, MorrisDesign, MorrisOptions, Problem};
/// let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
/// let d = MorrisDesign::new(2, 20, 4, 1).unwrap();
/// let x = d.matrix(&p).unwrap();
/// let y = x.map_axis(ndarray::Axis(1), |r| 3.0 * r[0] - r[1]).insert_axis(ndarray::Axis(1));
/// let res = analyze_morris(&p, x.view(), y.view(), &MorrisOptions::default()).unwrap();
/// let m = &res.outputs[0];
/// assert!((m.mu[0] - 3.0).abs() < 1e-9 && (m.mu[1] + 1.0).abs() < 1e-9);
/// assert!((m.mu_star[1] - 1.0).abs() < 1e-9 && m.sigma[0] < 1e-9);
/// ```
pub fn analyze_morris(
    problem: &Problem,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    options: &MorrisOptions,
) -> Result<MorrisResult, SensitivityError> {
    let names: Vec<String> = problem.names().iter().map(|s| s.to_string()).collect();
    let output_names = (0..y.ncols()).map(|i| format!("y{i}")).collect();
    analyze_inner(names, output_names, x, y, options)
}

fn analyze_inner(
    names: Vec<String>,
    mut output_names: Vec<String>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    options: &MorrisOptions,
) -> Result<MorrisResult, SensitivityError> {
    let k = names.len();
    check_inputs(k, x, y, options)?;
    if output_names.len() != y.ncols() {
        output_names = (0..y.ncols()).map(|i| format!("y{i}")).collect();
    }
    let r = x.nrows() / (k + 1);
    let moves = trajectory_moves(x, k, r)?;
    let mut warnings = vec![];
    if options.n_bootstrap < 2 {
        warnings.push(SensitivityWarning::NoBootstrap);
    }
    let outputs = (0..y.ncols())
        .into_par_iter()
        .map(|o| output_indices(y.column(o), &moves, k, r, options))
        .collect();
    Ok(MorrisResult {
        names,
        output_names,
        trajectories: r,
        options: *options,
        outputs,
        warnings,
    })
}

/// The options are valid, the design has k columns and whole trajectories of k + 1 rows, and
/// the outputs one finite row per design row.
fn check_inputs(
    k: usize,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    options: &MorrisOptions,
) -> Result<(), SensitivityError> {
    check_conf_level(options.conf_level)?;
    if options.num_levels < 2 {
        return Err(SensitivityError::InvalidOption {
            option: "num_levels",
            reason: format!("at least 2, got {}", options.num_levels),
        });
    }
    if x.ncols() != k {
        return Err(SensitivityError::InvalidProblem(format!(
            "the design has {} columns but the problem {k} inputs",
            x.ncols()
        )));
    }
    let rows = x.nrows();
    if rows == 0 || !rows.is_multiple_of(k + 1) {
        return Err(SensitivityError::WrongRowCount {
            expected: rows.div_ceil(k + 1).max(1) * (k + 1),
            got: rows,
        });
    }
    if y.nrows() != rows {
        return Err(SensitivityError::WrongRowCount {
            expected: rows,
            got: y.nrows(),
        });
    }
    if y.ncols() == 0 {
        return Err(SensitivityError::WrongOutputCount {
            expected: 1,
            got: 0,
        });
    }
    super::design::check_finite(y, 0)
}

/// Which input moves at each step of each trajectory (`moves[t * k + l]`), and its direction.
fn trajectory_moves(
    x: ArrayView2<f64>,
    k: usize,
    r: usize,
) -> Result<Vec<(usize, f64)>, SensitivityError> {
    let mut moves = vec![(0usize, 0.0f64); r * k];
    for t in 0..r {
        for l in 0..k {
            let a = x.row(t * (k + 1) + l);
            let b = x.row(t * (k + 1) + l + 1);
            let changed: Vec<usize> = (0..k).filter(|&i| a[i] != b[i]).collect();
            if changed.len() != 1 {
                return Err(SensitivityError::InvalidOption {
                    option: "x",
                    reason: format!(
                        "rows {} and {} of trajectory {t} differ in {} inputs, not one",
                        t * (k + 1) + l,
                        t * (k + 1) + l + 1,
                        changed.len()
                    ),
                });
            }
            let i = changed[0];
            moves[t * k + l] = (i, if b[i] > a[i] { 1.0 } else { -1.0 });
        }
    }
    Ok(moves)
}

/// μ, μ* and σ of one output's elementary effects, each trajectory weighted by `counts` (1
/// each when None: the point estimate; a bootstrap resample's counts otherwise).
fn effect_stats(ee: &[f64], k: usize, r: usize, counts: Option<&[u32]>) -> Vec<(f64, f64, f64)> {
    (0..k)
        .map(|i| {
            let mut w = 0.0;
            let (mut s, mut sa) = (0.0, 0.0);
            let mut vals = vec![];
            for t in 0..r {
                let c = counts.map_or(1, |c| c[t]);
                for _ in 0..c {
                    vals.push(ee[t * k + i]);
                }
                let c = c as f64;
                w += c;
                s += c * ee[t * k + i];
                sa += c * ee[t * k + i].abs();
            }
            (s / w, sa / w, std_ddof1(&vals))
        })
        .collect()
}

/// One output's Morris statistics with their bootstrap intervals.
fn output_indices(
    y: ndarray::ArrayView1<f64>,
    moves: &[(usize, f64)],
    k: usize,
    r: usize,
    options: &MorrisOptions,
) -> MorrisIndices {
    let dlt = delta(options.num_levels);
    // ee[t * k + i]: effect of input i in trajectory t.
    let mut ee = vec![0.0; r * k];
    for t in 0..r {
        for l in 0..k {
            let (i, sgn) = moves[t * k + l];
            let y0 = y[t * (k + 1) + l];
            let y1 = y[t * (k + 1) + l + 1];
            ee[t * k + i] = sgn * (y1 - y0) / dlt;
        }
    }
    let point = effect_stats(&ee, k, r, None);
    let n_boot = options.n_bootstrap;
    let boot: Vec<Vec<(f64, f64, f64)>> = if n_boot >= 2 {
        (0..n_boot)
            .map(|b| {
                let mut rng = chunk_rng(options.seed, Stream::MorrisBootstrap, b as u64);
                let mut counts = vec![0u32; r];
                for _ in 0..r {
                    counts[rng.random_range(0..r)] += 1;
                }
                effect_stats(&ee, k, r, Some(&counts))
            })
            .collect()
    } else {
        vec![]
    };
    let zq = z_value(options.conf_level);
    let mut res = MorrisIndices {
        mu: point.iter().map(|p| p.0).collect(),
        mu_star: point.iter().map(|p| p.1).collect(),
        sigma: point.iter().map(|p| p.2).collect(),
        mu_star_conf: vec![],
        mu_star_interval: vec![],
        mu_interval: vec![],
        sigma_interval: vec![],
    };
    for i in 0..k {
        if boot.len() < 2 {
            res.mu_star_conf.push(f64::NAN);
            res.mu_star_interval.push((f64::NAN, f64::NAN));
            res.mu_interval.push((f64::NAN, f64::NAN));
            res.sigma_interval.push((f64::NAN, f64::NAN));
            continue;
        }
        let mut ms: Vec<f64> = boot.iter().map(|b| b[i].1).collect();
        res.mu_star_conf.push(zq * std_ddof1(&ms));
        res.mu_star_interval
            .push(percentile_interval(&mut ms, options.conf_level));
        let mut mu: Vec<f64> = boot.iter().map(|b| b[i].0).collect();
        res.mu_interval
            .push(percentile_interval(&mut mu, options.conf_level));
        let mut sg: Vec<f64> = boot.iter().map(|b| b[i].2).collect();
        res.sigma_interval
            .push(percentile_interval(&mut sg, options.conf_level));
    }
    res
}

/// Sample + evaluate + analyse in one call for the Morris method.
///
/// ```
/// use innodex::sensitivity::{FnModel, MorrisAnalysis, Problem};
/// let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0)]).unwrap();
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = 10.0 * x[0] + x[1] * x[1]);
/// let res = MorrisAnalysis::new(p, 30).seed(5).run(&m).unwrap();
/// assert_eq!(res.outputs[0].ranking(), vec![0, 1, 2]);
/// ```
#[derive(Debug, Clone)]
pub struct MorrisAnalysis {
    problem: Problem,
    r: usize,
    candidates: Option<usize>,
    options: MorrisOptions,
}

impl MorrisAnalysis {
    /// An analysis with `r` trajectories, 4 levels, 100 bootstrap resamples, seed
    /// [`crate::DEFAULT_SEED`].
    pub fn new(problem: Problem, r: usize) -> Self {
        MorrisAnalysis {
            problem,
            r,
            candidates: None,
            options: MorrisOptions::default(),
        }
    }

    builder_setters! {
        /// Grid levels p (even).
        num_levels(p: usize) => options.num_levels = p;

        /// Choose the r trajectories among `m` candidates for spread (Campolongo et al. 2007).
        optimal_trajectories(m: usize) => candidates = Some(m);

        /// Seed of the trajectories and the bootstrap.
        seed(seed: u64) => options.seed = seed;

        /// Bootstrap resamples.
        n_bootstrap(b: usize) => options.n_bootstrap = b;

        /// Confidence level.
        conf_level(c: f64) => options.conf_level = c;
    }

    /// The design.
    ///
    /// # Errors
    /// As [`MorrisDesign::new`].
    pub fn design(&self) -> Result<MorrisDesign, SensitivityError> {
        let k = self.problem.len();
        match self.candidates {
            Some(m) => {
                MorrisDesign::optimized(k, self.r, self.options.num_levels, m, self.options.seed)
            }
            None => MorrisDesign::new(k, self.r, self.options.num_levels, self.options.seed),
        }
    }

    /// Generates the trajectories, evaluates the model and analyses every output.
    ///
    /// # Errors
    /// Invalid options, the model's errors, wrong shapes, NaN outputs.
    pub fn run<M: Model + ?Sized>(&self, model: &M) -> Result<MorrisResult, SensitivityError> {
        let design = self.design()?;
        let y = evaluate_design(&self.problem, &design, model, DEFAULT_BATCH_ROWS)?;
        let x: Array2<f64> = design.unit_matrix();
        let names = self.problem.names().iter().map(|s| s.to_string()).collect();
        analyze_inner(
            names,
            model.output_names(),
            x.view(),
            y.view(),
            &self.options,
        )
    }
}
