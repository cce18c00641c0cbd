//! Sobol' indices from a Saltelli design: first order (Saltelli et al. 2010), total order
//! (Jansen 1999), second order (Saltelli 2002), with seeded bootstrap intervals.

use ndarray::{Array2, ArrayView2};
use rand::RngExt;
use rand::distr::Uniform;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::design::{DEFAULT_BATCH_ROWS, evaluate_design};
use super::{
    Model, Problem, SaltelliDesign, Scramble, SensitivityError, SensitivityWarning, Stream,
    check_conf_level, chunk_rng, percentile_interval, std_ddof1, z_value,
};
use crate::exec::map_chunks;
use crate::stats;

/// Options of a Sobol' analysis (SALib's `analyze` keyword arguments).
///
/// ```
/// use innodex::sensitivity::SobolOptions;
/// let o = SobolOptions::default();
/// assert!(o.second_order);
/// assert_eq!(o.n_bootstrap, 100);
/// assert_eq!(o.conf_level, 0.95);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SobolOptions {
    /// Whether second-order indices are computed (the design must then hold the BA rows).
    pub second_order: bool,
    /// Bootstrap resamples for the intervals (0 or 1: no intervals).
    pub n_bootstrap: usize,
    /// Confidence level of the intervals, in (0, 1).
    pub conf_level: f64,
    /// Seed of the bootstrap.
    pub seed: u64,
}

impl Default for SobolOptions {
    fn default() -> Self {
        SobolOptions {
            second_order: true,
            n_bootstrap: 100,
            conf_level: 0.95,
            seed: crate::DEFAULT_SEED,
        }
    }
}

/// Sobol' indices of one output.
///
/// `*_conf` are half-widths z·sd of the bootstrap replicates (z the normal quantile of the
/// confidence level), as SALib reports them; `*_interval` are percentile intervals of the same
/// replicates, which are better when an index is near 0 or 1.
///
/// ```
/// use innodex::sensitivity::{analyze_sobol, Design, Problem, SaltelliDesign, Scramble, SobolOptions};
/// let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
/// let d = SaltelliDesign::new(2, 1024, true, Scramble::LinearMatrix, 0, 1).unwrap();
/// let x = d.matrix(&p).unwrap();
/// let y = x.map_axis(ndarray::Axis(1), |r| r[0] + 2.0 * r[1]).insert_axis(ndarray::Axis(1));
/// let res = analyze_sobol(&p, y.view(), &SobolOptions::default()).unwrap();
/// let s = &res.outputs[0];
/// // Additive model: S1 = ST = (1/5, 4/5), no interaction.
/// assert!((s.s1[0] - 0.2).abs() < 0.02 && (s.st[1] - 0.8).abs() < 0.02);
/// assert!(s.s2.as_ref().unwrap()[[0, 1]].abs() < 0.02);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolIndices {
    /// First-order indices (Saltelli et al. 2010 estimator).
    #[serde(with = "super::nan_serde::vec")]
    pub s1: Vec<f64>,
    /// Half-widths of the first-order intervals.
    #[serde(with = "super::nan_serde::vec")]
    pub s1_conf: Vec<f64>,
    /// Percentile intervals of the first-order indices.
    #[serde(with = "super::nan_serde::pairs")]
    pub s1_interval: Vec<(f64, f64)>,
    /// Total-order indices (Jansen 1999 estimator).
    #[serde(with = "super::nan_serde::vec")]
    pub st: Vec<f64>,
    /// Half-widths of the total-order intervals.
    #[serde(with = "super::nan_serde::vec")]
    pub st_conf: Vec<f64>,
    /// Percentile intervals of the total-order indices.
    #[serde(with = "super::nan_serde::pairs")]
    pub st_interval: Vec<(f64, f64)>,
    /// Second-order indices, k × k, upper triangle filled (NaN elsewhere, as SALib).
    #[serde(with = "super::nan_serde::opt_matrix")]
    pub s2: Option<Array2<f64>>,
    /// Half-widths of the second-order intervals (upper triangle).
    #[serde(with = "super::nan_serde::opt_matrix")]
    pub s2_conf: Option<Array2<f64>>,
    /// Variance of the output over the A and B samples (on the output's scale).
    #[serde(with = "super::nan_serde::scalar")]
    pub variance: f64,
}

/// The result of a Sobol' analysis: one [`SobolIndices`] per model output, with the input
/// and output names, the options used and any warnings. Serialises with serde (NaN kept).
///
/// ```
/// use innodex::sensitivity::{FnModel, Problem, SobolAnalysis};
/// let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
/// let m = FnModel::new(2, |x: &[f64], y: &mut [f64]| { y[0] = x[0]; y[1] = x[1]; })
///     .with_names(&["first", "second"]);
/// let res = SobolAnalysis::new(p, 512).n_bootstrap(10).run(&m).unwrap();
/// assert_eq!(res.output_names, vec!["first", "second"]);
/// assert!((res.outputs[1].st[1] - 1.0).abs() < 0.02 && res.outputs[1].st[0].abs() < 0.02);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolResult {
    /// Input names.
    pub names: Vec<String>,
    /// Output names.
    pub output_names: Vec<String>,
    /// Base sample size N.
    pub n: usize,
    /// Options used.
    pub options: SobolOptions,
    /// Indices per output.
    pub outputs: Vec<SobolIndices>,
    /// Warnings (N not a power of two, constant outputs, …).
    pub warnings: Vec<SensitivityWarning>,
}

/// Sobol' indices from model outputs on a Saltelli design (SALib's `sobol.analyze`).
///
/// `y` has one row per design row, in the design's order (blocks of 2k + 2 rows per base
/// sample with second order, k + 2 without: A, AB₁…AB_k, [BA₁…BA_k,] B) and one column per
/// model output; all outputs are analysed in one call, in parallel.
///
/// Conventions (those of SALib, so that both give the same numbers on the same outputs): each
/// output is centred and scaled by the mean and standard deviation of *all* its values; V is
/// the population variance of the concatenated A and B outputs;
/// S1_j = mean(f(B)·(f(AB_j) − f(A))) / V (Saltelli et al. 2010, *Comput. Phys. Commun.*
/// 181:259, Table 2 (b)); ST_j = mean((f(A) − f(AB_j))²) / (2V) (Jansen 1999, *Comput. Phys.
/// Commun.* 117:35; Table 2 (f) of Saltelli et al. 2010); S2_jk = mean(f(BA_j)·f(AB_k) −
/// f(A)·f(B)) / V − S1_j − S1_k (Saltelli 2002, *Comput. Phys. Commun.* 145:280). Bootstrap:
/// resample the N base samples with replacement, recompute everything (V included); resample b
/// is drawn from a generator derived from (seed, b), so results are identical for any number of
/// threads.
///
/// # Errors
/// [`SensitivityError::WrongRowCount`] when the rows are not a multiple of the block size,
/// [`SensitivityError::NonFiniteOutput`] for NaN or infinite outputs,
/// [`SensitivityError::InvalidOption`] for a confidence level outside (0, 1).
///
/// ```
/// use innodex::sensitivity::{analyze_sobol, Problem, SobolOptions, SensitivityError};
/// let p = Problem::uniform(&[("a", 0.0, 1.0)]).unwrap();
/// let y = ndarray::Array2::<f64>::zeros((5, 1)); // not a multiple of 2k + 2 = 4
/// let err = analyze_sobol(&p, y.view(), &SobolOptions::default()).unwrap_err();
/// assert!(matches!(err, SensitivityError::WrongRowCount { .. }));
/// ```
pub fn analyze_sobol(
    problem: &Problem,
    y: ArrayView2<f64>,
    options: &SobolOptions,
) -> Result<SobolResult, SensitivityError> {
    let names = problem
        .names()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    let output_names = (0..y.ncols()).map(|i| format!("y{i}")).collect();
    analyze_inner(names, output_names, y, options, None)
}

/// The analysis; `counts` are the bootstrap resamples when drawn ahead ([`resample_counts`]
/// over `0..n_bootstrap`), else they are drawn here.
fn analyze_inner(
    names: Vec<String>,
    output_names: Vec<String>,
    y: ArrayView2<f64>,
    options: &SobolOptions,
    counts: Option<&[Vec<u16>]>,
) -> Result<SobolResult, SensitivityError> {
    check_conf_level(options.conf_level)?;
    let shape = Shape::of(names.len(), y, options)?;
    let n = shape.n;
    let mut warnings = vec![];
    if !n.is_power_of_two() {
        warnings.push(SensitivityWarning::NotPowerOfTwo { n });
    }
    let n_boot = options.n_bootstrap;
    if n_boot < 2 {
        warnings.push(SensitivityWarning::NoBootstrap);
    }
    // Normalised outputs, one contiguous vector per output (the only copy; never the inputs).
    // One output (the usual case) stays on this thread: no hand-off to the pool.
    let outputs: Vec<usize> = (0..y.ncols()).collect();
    let normal = map_chunks(outputs, || (), |_, _, o| normalised(y.column(o)));
    let mut constant = vec![false; y.ncols()];
    let mut scales = vec![0.0; y.ncols()];
    let mut z = Vec::with_capacity(y.ncols());
    for (o, (zo, variance, range)) in normal.into_iter().enumerate() {
        scales[o] = variance;
        constant[o] = is_constant(range, &zo, &shape);
        z.push(zo);
        if constant[o] {
            warnings.push(SensitivityWarning::ConstantOutput { output: o });
        }
    }
    // Point estimates.
    let points: Vec<Estimates> = map_chunks(
        z.iter().collect(),
        || (),
        |_, _, zo| Sums::accumulate(&shape, zo).estimates(&shape),
    );
    // Bootstrap: resample b's counts from (seed, b); every output uses the same resamples.
    let boot: Vec<Vec<Estimates>> = if n_boot >= 2 {
        let group = bootstrap_group(&shape, z.len(), n_boot);
        bootstrap(&shape, &z, n_boot, options.seed, counts, group)
    } else {
        vec![]
    };
    let outputs = (0..y.ncols())
        .map(|o| {
            let reps: Vec<&Estimates> = boot.iter().map(|b| &b[o]).collect();
            output_indices(&points[o], &reps, constant[o], scales[o], &shape, options)
        })
        .collect();
    Ok(SobolResult {
        names,
        output_names,
        n,
        options: *options,
        outputs,
        warnings,
    })
}

impl Shape {
    /// The design's shape from the outputs: whole blocks of k + 2 rows (2k + 2 with second
    /// order), at least one output, every value finite.
    fn of(k: usize, y: ArrayView2<f64>, options: &SobolOptions) -> Result<Shape, SensitivityError> {
        let step = if options.second_order {
            2 * k + 2
        } else {
            k + 2
        };
        let rows = y.nrows();
        if rows == 0 || !rows.is_multiple_of(step) {
            return Err(SensitivityError::WrongRowCount {
                expected: rows.div_ceil(step).max(1) * step,
                got: rows,
            });
        }
        if y.ncols() == 0 {
            return Err(SensitivityError::WrongOutputCount {
                expected: 1,
                got: 0,
            });
        }
        super::design::check_finite(y, 0)?;
        Ok(Shape {
            k,
            step,
            n: rows / step,
            second: options.second_order,
        })
    }
}

/// An output standardised to mean 0 and (population) standard deviation 1 (all zeros when
/// constant), with its variance and its range (greatest − least value).
///
/// The sums run in row order whatever the column's layout: a column of a many-output matrix
/// (strided) gives the same numbers as a single-output one.
fn normalised(col: ndarray::ArrayView1<f64>) -> (Vec<f64>, f64, f64) {
    let copy: Vec<f64>;
    let v: &[f64] = match col.as_slice() {
        Some(v) => v,
        None => {
            copy = col.iter().copied().collect();
            &copy
        }
    };
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let variance = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64;
    let sd = variance.sqrt();
    let z = if sd > 0.0 {
        v.iter().map(|x| (x - mean) / sd).collect()
    } else {
        vec![0.0; v.len()]
    };
    let (lo, hi) = stats::min_max(v);
    (z, variance, hi - lo)
}

/// Whether an output is constant: no range at all, or (SALib's test) its normalised A and B
/// outputs span at most machine epsilon.
fn is_constant(range: f64, zo: &[f64], shape: &Shape) -> bool {
    let (n, step) = (shape.n, shape.step);
    let ab: Vec<f64> = (0..n)
        .flat_map(|i| [zo[i * step], zo[i * step + step - 1]])
        .collect();
    let (lo, hi) = stats::min_max(&ab);
    range == 0.0 || hi - lo <= f64::EPSILON
}

/// One output's indices from its point estimates and bootstrap replicates (a constant
/// output's indices and half-widths are 0).
fn output_indices(
    p: &Estimates,
    reps: &[&Estimates],
    constant: bool,
    variance: f64,
    shape: &Shape,
    options: &SobolOptions,
) -> SobolIndices {
    let k = shape.k;
    let zq = z_value(options.conf_level);
    let zero_if = |v: f64| if constant { 0.0 } else { v };
    let summarise = |get: &dyn Fn(&Estimates) -> f64| -> (f64, (f64, f64)) {
        if reps.len() < 2 {
            return (f64::NAN, (f64::NAN, f64::NAN));
        }
        let mut v: Vec<f64> = reps.iter().map(|e| get(e)).collect();
        let conf = zero_if(zq * std_ddof1(&v));
        let iv = percentile_interval(&mut v, options.conf_level);
        (conf, iv)
    };
    let mut s1_conf = vec![];
    let mut s1_interval = vec![];
    let mut st_conf = vec![];
    let mut st_interval = vec![];
    for j in 0..k {
        let (c, iv) = summarise(&|e: &Estimates| e.s1[j]);
        s1_conf.push(c);
        s1_interval.push(iv);
        let (c, iv) = summarise(&|e: &Estimates| e.st[j]);
        st_conf.push(c);
        st_interval.push(iv);
    }
    let (s2, s2_conf) = if options.second_order {
        let mut s2 = Array2::from_elem((k, k), f64::NAN);
        let mut s2c = Array2::from_elem((k, k), f64::NAN);
        let mut idx = 0;
        for j in 0..k {
            for m in j + 1..k {
                s2[[j, m]] = zero_if(p.s2[idx]);
                let i2 = idx;
                s2c[[j, m]] = summarise(&|e: &Estimates| e.s2[i2]).0;
                idx += 1;
            }
        }
        (Some(s2), Some(s2c))
    } else {
        (None, None)
    };
    SobolIndices {
        s1: p.s1.iter().map(|&v| zero_if(v)).collect(),
        s1_conf,
        s1_interval,
        st: p.st.iter().map(|&v| zero_if(v)).collect(),
        st_conf,
        st_interval,
        s2,
        s2_conf,
        variance,
    }
}

/// Resamples per group: their counts (u16, `GROUP × N`) are held at once.
const GROUP: usize = 32;

/// The most partial-product values (chunks × outputs × resamples × terms) held at once: 32 MiB.
const PRODUCTS_MAX: usize = 1 << 22;

/// How many resamples share one product: all of them, so that each chunk's term matrix is built
/// once, while their counts and the partial products fit ([`COUNTS_AHEAD_MAX`],
/// [`PRODUCTS_MAX`]); else [`GROUP`].
fn bootstrap_group(sh: &Shape, n_outputs: usize, n_boot: usize) -> usize {
    let (_, n_chunks) = sh.chunks();
    let products = n_chunks
        .saturating_mul(n_outputs)
        .saturating_mul(n_boot)
        .saturating_mul(sh.width());
    if n_boot.saturating_mul(sh.n) <= COUNTS_AHEAD_MAX && products <= PRODUCTS_MAX {
        n_boot.max(1)
    } else {
        GROUP
    }
}

/// Bootstrap estimates `[resample][output]`.
///
/// Every statistic is a sum over base samples of per-sample terms (A, A², B, B², the S1, ST and
/// S2 summands), so a resample's sums are its counts times the term matrix. The base samples are
/// cut into at most 64 row chunks (a function of N only); each chunk's term matrix is built once
/// per group of resamples and multiplied by the group's counts (a dense matrix product), and the
/// chunks' partial sums are added in chunk order: the result does not depend on the threads,
/// nor on the number of resamples a product takes (`group`, [`bootstrap_group`]).
fn bootstrap(
    sh: &Shape,
    z: &[Vec<f64>],
    n_boot: usize,
    seed: u64,
    ahead: Option<&[Vec<u16>]>,
    group: usize,
) -> Vec<Vec<Estimates>> {
    let n = sh.n;
    let m = sh.width();
    let (rows, n_chunks) = sh.chunks();
    let group = group.max(1);
    let ahead = ahead.filter(|a| a.len() >= n_boot && a.iter().all(|c| c.len() == n));
    // One group: its counts are all drawn first (in parallel), unless drawn ahead while the
    // model ran.
    let drawn_all;
    let ahead = match ahead {
        None if group >= n_boot => {
            drawn_all = resample_counts(n, 0..n_boot, seed);
            Some(&drawn_all[..])
        }
        given => given,
    };
    let mut out = Vec::with_capacity(n_boot);
    for g0 in (0..n_boot).step_by(group) {
        let g = group.min(n_boot - g0);
        let drawn;
        let counts: &[Vec<u16>] = match ahead {
            Some(all) => &all[g0..g0 + g],
            None => {
                drawn = resample_counts(n, g0..g0 + g, seed);
                &drawn
            }
        };
        let partials: Vec<Vec<Array2<f64>>> = map_chunks(
            (0..n_chunks).collect(),
            || (),
            |_, _, c| {
                let lo = c * rows;
                let hi = (lo + rows).min(n);
                let mut cm = Array2::zeros((g, hi - lo));
                for (mut to, from) in cm.rows_mut().into_iter().zip(counts) {
                    to.iter_mut()
                        .zip(&from[lo..hi])
                        .for_each(|(t, &c)| *t = f64::from(c));
                }
                z.iter()
                    .map(|zo| {
                        let mut t = Array2::zeros((hi - lo, m));
                        for (i, mut tr) in t.rows_mut().into_iter().enumerate() {
                            let row = &zo[(lo + i) * sh.step..(lo + i + 1) * sh.step];
                            if let Some(ts) = tr.as_slice_mut() {
                                sh.terms(row, ts);
                            }
                        }
                        cm.dot(&t)
                    })
                    .collect()
            },
        );
        for b in 0..g {
            out.push(
                (0..z.len())
                    .map(|o| {
                        let mut v = vec![0.0; m];
                        for p in &partials {
                            for (acc, x) in v.iter_mut().zip(p[o].row(b)) {
                                *acc += x;
                            }
                        }
                        Sums::from_terms(sh, &v, n as f64).estimates(sh)
                    })
                    .collect(),
            );
        }
    }
    out
}

/// How many times each of the `n` base samples is drawn in bootstrap resamples `b` of `range`
/// (resample b from its own stream of `seed`: the counts do not depend on how resamples are
/// grouped, nor on the outputs).
fn resample_counts(n: usize, range: std::ops::Range<usize>, seed: u64) -> Vec<Vec<u16>> {
    // A few thousand draws in all take less than handing them to the pool would.
    if n.saturating_mul(range.len()) < 1 << 16 {
        return range.map(|b| resample_count(n, b, seed)).collect();
    }
    range
        .into_par_iter()
        .map(|b| resample_count(n, b, seed))
        .collect()
}

/// How many times each base sample is drawn in bootstrap resample `b`.
///
/// The draws are rand's `Uniform` over `0..n` (Lemire's multiply-and-reject) through an
/// iterator, which inlines into this loop: 2.4 instead of 4.1 ns a draw against one
/// `random_range` call per draw. For a power-of-two `n` (the N a Sobol' design asks for) the two
/// give the same indices: the low half of the product is then a multiple of n, so neither
/// Lemire's rejection nor Canon's correction step of `random_range` ever fires. For another n
/// a resample in which one of them fires differs from there on.
fn resample_count(n: usize, b: usize, seed: u64) -> Vec<u16> {
    let mut c = vec![0u16; n];
    let Ok(draws) = Uniform::new(0, n) else {
        return c;
    };
    let mut rng = chunk_rng(seed, Stream::SobolBootstrap, b as u64);
    for i in (&mut rng).sample_iter(draws).take(n) {
        c[i] = c[i].saturating_add(1);
    }
    c
}

/// The most bootstrap counts (resamples × N) drawn ahead, while the model runs: 2^23 counts
/// take 16 MiB. Beyond it they are drawn group by group during the analysis, as memory
/// allows.
const COUNTS_AHEAD_MAX: usize = 1 << 23;

struct Shape {
    k: usize,
    step: usize,
    n: usize,
    second: bool,
}

impl Shape {
    /// The bootstrap's row chunks: (rows a chunk, number of chunks), a function of N only.
    fn chunks(&self) -> (usize, usize) {
        let rows = self.n.div_ceil(64).max(1024).min(self.n).max(1);
        (rows, self.n.div_ceil(rows))
    }

    /// Number of per-sample terms: A, A², B, B², k S1 terms, k ST terms, k(k−1)/2 S2 terms.
    fn width(&self) -> usize {
        4 + 2 * self.k
            + if self.second {
                self.k * (self.k - 1) / 2
            } else {
                0
            }
    }

    /// The per-sample terms of one base sample's block of outputs.
    fn terms(&self, row: &[f64], out: &mut [f64]) {
        let k = self.k;
        let a = row[0];
        let b = row[self.step - 1];
        let ab = &row[1..=k];
        out[0] = a;
        out[1] = a * a;
        out[2] = b;
        out[3] = b * b;
        for j in 0..k {
            out[4 + j] = b * (ab[j] - a);
            let d = a - ab[j];
            out[4 + k + j] = d * d;
        }
        if self.second {
            let ba = &row[k + 1..=2 * k];
            let ab_ = a * b;
            let mut idx = 4 + 2 * k;
            for j in 0..k {
                let baj = ba[j];
                for &abm in &ab[j + 1..] {
                    out[idx] = baj * abm - ab_;
                    idx += 1;
                }
            }
        }
    }
}

/// Weighted sums over base samples (weights = bootstrap counts, or 1).
struct Sums {
    w: f64,
    sa: f64,
    sa2: f64,
    sb: f64,
    sb2: f64,
    s1: Vec<f64>,
    st: Vec<f64>,
    s2: Vec<f64>,
}

struct Estimates {
    s1: Vec<f64>,
    st: Vec<f64>,
    s2: Vec<f64>,
}

impl Sums {
    fn from_terms(sh: &Shape, v: &[f64], w: f64) -> Sums {
        let k = sh.k;
        Sums {
            w,
            sa: v[0],
            sa2: v[1],
            sb: v[2],
            sb2: v[3],
            s1: v[4..4 + k].to_vec(),
            st: v[4 + k..4 + 2 * k].to_vec(),
            s2: v[4 + 2 * k..].to_vec(),
        }
    }

    /// Point-estimate sums: every base sample once, in order.
    fn accumulate(sh: &Shape, z: &[f64]) -> Sums {
        let m = sh.width();
        let mut v = vec![0.0; m];
        let mut t = vec![0.0; m];
        for row in z.chunks_exact(sh.step).take(sh.n) {
            sh.terms(row, &mut t);
            for (acc, x) in v.iter_mut().zip(&t) {
                *acc += x;
            }
        }
        Sums::from_terms(sh, &v, sh.n as f64)
    }

    fn estimates(&self, sh: &Shape) -> Estimates {
        let nn = self.w;
        let m = (self.sa + self.sb) / (2.0 * nn);
        let var = ((self.sa2 + self.sb2) / (2.0 * nn) - m * m).max(0.0);
        let ok = var > f64::EPSILON;
        let div = |x: f64| if ok { x / nn / var } else { 0.0 };
        let s1: Vec<f64> = self.s1.iter().map(|&v| div(v)).collect();
        let st: Vec<f64> = self.st.iter().map(|&v| 0.5 * div(v)).collect();
        let mut s2 = Vec::with_capacity(self.s2.len());
        if sh.second {
            let mut idx = 0;
            for j in 0..sh.k {
                for m in j + 1..sh.k {
                    s2.push(div(self.s2[idx]) - s1[j] - s1[m]);
                    idx += 1;
                }
            }
        }
        Estimates { s1, st, s2 }
    }
}

/// Sample + evaluate + analyse in one call (SALib's `sobol.sample`, `evaluate`,
/// `sobol.analyze`), with a builder for the options.
///
/// The design is generated and evaluated in batches of `batch_rows` rows; only the outputs
/// (N (2k + 2) values per output) are kept for the analysis.
///
/// ```
/// use innodex::sensitivity::{FnModel, Problem, SobolAnalysis, Scramble, testfns};
/// let k = 4;
/// let a = [0.0, 1.0, 9.0, 99.0];
/// let problem = Problem::uniform(&[("x1", 0.0, 1.0), ("x2", 0.0, 1.0), ("x3", 0.0, 1.0), ("x4", 0.0, 1.0)]).unwrap();
/// let model = FnModel::new(1, move |x: &[f64], y: &mut [f64]| y[0] = testfns::g_function(x, &a));
/// let res = SobolAnalysis::new(problem, 1 << 12)
///     .second_order(false)
///     .scramble(Scramble::LinearMatrix)
///     .seed(3)
///     .n_bootstrap(50)
///     .run(&model)
///     .unwrap();
/// let (s1, _) = testfns::g_function_indices(&a);
/// for j in 0..k { assert!((res.outputs[0].s1[j] - s1[j]).abs() < 0.02); }
/// ```
#[derive(Debug, Clone)]
pub struct SobolAnalysis {
    problem: Problem,
    n: usize,
    scramble: Scramble,
    skip: u64,
    batch_rows: usize,
    options: SobolOptions,
}

impl SobolAnalysis {
    /// An analysis of `problem` with base sample size `n` (a power of two; the model runs
    /// n (2k + 2) times with second order, n (k + 2) without). Defaults: second order, LMS
    /// scrambling, 100 bootstrap resamples, 95 % intervals, seed [`crate::DEFAULT_SEED`].
    pub fn new(problem: Problem, n: usize) -> Self {
        SobolAnalysis {
            problem,
            n,
            scramble: Scramble::default(),
            skip: 0,
            batch_rows: DEFAULT_BATCH_ROWS,
            options: SobolOptions::default(),
        }
    }

    builder_setters! {
        /// Whether to compute second-order indices.
        second_order(yes: bool) => options.second_order = yes;

        /// The scrambling of the Sobol' sequence.
        scramble(s: Scramble) => scramble = s;

        /// Skip the first points of the sequence.
        skip(skip: u64) => skip = skip;

        /// Seed for scrambling and bootstrap.
        seed(seed: u64) => options.seed = seed;

        /// Bootstrap resamples.
        n_bootstrap(b: usize) => options.n_bootstrap = b;

        /// Confidence level of the intervals.
        conf_level(c: f64) => options.conf_level = c;

        /// Rows per evaluation batch (memory is proportional to it; default 16,384).
        batch_rows(rows: usize) => batch_rows = rows.max(1);
    }

    /// The design this analysis evaluates.
    ///
    /// # Errors
    /// As [`SaltelliDesign::new`].
    pub fn design(&self) -> Result<SaltelliDesign, SensitivityError> {
        SaltelliDesign::new(
            self.problem.len(),
            self.n,
            self.options.second_order,
            self.scramble,
            self.skip,
            self.options.seed,
        )
    }

    /// Generates the design, evaluates the model batch by batch and analyses every output.
    ///
    /// # Errors
    /// Invalid options, the model's errors, wrong output shapes, NaN outputs.
    pub fn run<M: Model + ?Sized>(&self, model: &M) -> Result<SobolResult, SensitivityError> {
        let design = self.design()?;
        // The bootstrap counts depend on N and the seed only: drawn while the model runs, as
        // tasks of the pool that a thread takes whenever the model leaves it idle (a Python
        // model holds one core at a time; the counts are a third of a cheap model's analysis).
        let n_boot = self.options.n_bootstrap;
        let ahead = n_boot >= 2 && n_boot.saturating_mul(self.n) <= COUNTS_AHEAD_MAX;
        let seed = self.options.seed;
        let (y, counts) = rayon::join(
            || evaluate_design(&self.problem, &design, model, self.batch_rows),
            || ahead.then(|| resample_counts(self.n, 0..n_boot, seed)),
        );
        self.analyze_with(&y?.view(), model.output_names(), counts.as_deref())
    }

    /// Analyses outputs already computed on [`SobolAnalysis::design`].
    ///
    /// # Errors
    /// As [`analyze_sobol`].
    pub fn analyze(
        &self,
        y: &ArrayView2<f64>,
        output_names: Vec<String>,
    ) -> Result<SobolResult, SensitivityError> {
        self.analyze_with(y, output_names, None)
    }

    fn analyze_with(
        &self,
        y: &ArrayView2<f64>,
        output_names: Vec<String>,
        counts: Option<&[Vec<u16>]>,
    ) -> Result<SobolResult, SensitivityError> {
        let names = self.problem.names().iter().map(|s| s.to_string()).collect();
        let mut res = analyze_inner(names, output_names, *y, &self.options, counts)?;
        if res.output_names.len() != y.ncols() {
            res.output_names = (0..y.ncols()).map(|i| format!("y{i}")).collect();
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drawn through `Uniform`, the counts equal those of one `random_range` call per draw (how
    /// every earlier interval was computed) for a power-of-two N; any N gives N draws.
    #[test]
    fn resample_counts_equal_random_range_draws_for_powers_of_two() {
        for n in [1usize, 2, 64, 1024, 4096] {
            for b in 0..20 {
                let mut rng = chunk_rng(7, Stream::SobolBootstrap, b as u64);
                let mut want = vec![0u16; n];
                for _ in 0..n {
                    want[rng.random_range(0..n)] += 1;
                }
                assert_eq!(resample_count(n, b, 7), want, "n = {n}, b = {b}");
            }
        }
        for n in [3usize, 1000, 1023] {
            let c = resample_count(n, 0, 7);
            assert_eq!(c.iter().map(|&x| x as usize).sum::<usize>(), n);
        }
    }

    /// The bootstrap gives the same bits whether its resamples share one product, go in
    /// groups (drawn group by group, or sliced from counts drawn ahead), on any N.
    #[test]
    fn bootstrap_groups_change_no_number() {
        for n in [1000usize, 2048, 3000] {
            let sh = Shape {
                k: 3,
                step: 8,
                n,
                second: true,
            };
            // Two outputs of irregular values (a fixed-point sine sequence).
            let z: Vec<Vec<f64>> = (0..2)
                .map(|o| {
                    (0..n * 8)
                        .map(|i| ((i * 37 + o * 11) as f64 * 0.61).sin())
                        .collect()
                })
                .collect();
            let n_boot = 23;
            let bits = |e: &[Vec<Estimates>]| -> Vec<u64> {
                e.iter()
                    .flatten()
                    .flat_map(|x| x.s1.iter().chain(&x.st).chain(&x.s2))
                    .map(|v| v.to_bits())
                    .collect()
            };
            let one = bits(&bootstrap(&sh, &z, n_boot, 5, None, n_boot));
            let grouped = bits(&bootstrap(&sh, &z, n_boot, 5, None, 4));
            let ahead = resample_counts(n, 0..n_boot, 5);
            let sliced = bits(&bootstrap(&sh, &z, n_boot, 5, Some(&ahead), 7));
            assert_eq!(one.len(), n_boot * 2 * (3 + 3 + 3));
            assert_eq!(one, grouped, "n = {n}");
            assert_eq!(one, sliced, "n = {n}");
            assert_eq!(bootstrap_group(&sh, 2, n_boot), n_boot);
            assert_eq!(bootstrap_group(&sh, 2, 1 << 20), GROUP);
        }
    }
}
