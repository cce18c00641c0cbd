//! The sampling work of the Shapley estimators: chunks of rows, each drawn from its own stream
//! keyed by `(seed, chunk)`, evaluated by the model in batches and reduced chunk by chunk, so
//! that results do not depend on the number of threads or the batch size.

use ndarray::{Array2, ArrayView2, s};
use rand::RngExt;
use rayon::prelude::*;

use super::copula::{Conditional, Copula};
use super::design::check_finite;
use super::{Model, SensitivityError};
use crate::projection::dist::fill_std_normal;
use crate::projection::stream::{ChunkStream, chunk_stream};

/// Outer draws per chunk (exact estimator) and variance draws per chunk.
pub(super) const OUTER_BLOCK: usize = 256;
const VAR_BLOCK: usize = 1024;
/// Permutations per chunk (random estimator).
const PERM_BLOCK: usize = 16;

/// Work cut into chunks of rows, each generated from its own stream and reduced on its own.
pub(super) trait Work: Sync {
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

/// One batch: chunks `c0 .. c1`, their rows generated, and what generating them left.
struct Batch<S> {
    c0: usize,
    c1: usize,
    x: Array2<f64>,
    states: Vec<S>,
}

/// The last chunk of the batch that starts at chunk `c0`: whole chunks up to `batch_rows` rows
/// (at least one chunk).
fn batch_end<W: Work>(work: &W, c0: usize, batch_rows: usize) -> usize {
    let n = work.n_chunks();
    let mut c1 = c0 + 1;
    let mut rows = work.rows(c0);
    while c1 < n && rows + work.rows(c1) <= batch_rows {
        rows += work.rows(c1);
        c1 += 1;
    }
    c1
}

/// Generates the rows of chunks `c0 .. c1` (in parallel over chunks).
fn generate<W: Work>(
    work: &W,
    k: usize,
    c0: usize,
    c1: usize,
) -> Result<Batch<W::State>, SensitivityError> {
    let rows: usize = (c0..c1).map(|c| work.rows(c)).sum();
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
    let x =
        Array2::from_shape_vec((rows, k), x).map_err(|e| SensitivityError::Model(e.to_string()))?;
    Ok(Batch { c0, c1, x, states })
}

/// Runs `work` in batches of whole chunks (at most `batch_rows` rows unless one chunk is
/// larger): while the model evaluates one batch, the next is generated (a Python model holds
/// the GIL on one core while the sampling runs on the others); each batch's chunks are then
/// reduced in parallel. Results come back in chunk order, whatever the threads. `first_row`
/// numbers rows in errors.
pub(super) fn run_work<W: Work, M: Model + ?Sized>(
    work: &W,
    model: &M,
    k: usize,
    m: usize,
    batch_rows: usize,
    first_row: usize,
) -> Result<Vec<W::Out>, SensitivityError> {
    let n = work.n_chunks();
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return Ok(out);
    }
    let mut row0 = first_row;
    let mut next = Some(generate(work, k, 0, batch_end(work, 0, batch_rows))?);
    while let Some(batch) = next.take() {
        let rows = batch.x.nrows();
        let mut y = Array2::zeros((rows, m));
        let (evaluated, following) = rayon::join(
            || {
                if rows > 0 {
                    model.evaluate(batch.x.view(), y.view_mut())?;
                    check_finite(y.view(), row0)?;
                }
                Ok::<(), SensitivityError>(())
            },
            || {
                (batch.c1 < n)
                    .then(|| generate(work, k, batch.c1, batch_end(work, batch.c1, batch_rows)))
                    .transpose()
            },
        );
        evaluated?;
        next = following?;
        let mut starts = Vec::with_capacity(batch.c1 - batch.c0);
        let mut r = 0;
        for c in batch.c0..batch.c1 {
            starts.push(r);
            r += work.rows(c);
        }
        let reduced: Vec<W::Out> = batch
            .states
            .into_par_iter()
            .zip(starts)
            .enumerate()
            .map(|(i, (st, r))| {
                let c = batch.c0 + i;
                work.reduce(c, st, y.slice(s![r..r + work.rows(c), ..]))
            })
            .collect();
        out.extend(reduced);
        row0 += rows;
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
pub(super) struct VarWork<'a> {
    pub(super) copula: &'a Copula,
    pub(super) n: usize,
    pub(super) key: u64,
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
pub(super) struct ExactWork<'a> {
    pub(super) copula: &'a Copula,
    pub(super) n_outer: usize,
    pub(super) n_inner: usize,
    pub(super) blocks: usize,
    pub(super) n_sub: usize,
    pub(super) key: u64,
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
pub(super) struct RandomWork<'a> {
    pub(super) copula: &'a Copula,
    pub(super) n_perm: usize,
    pub(super) n_outer: usize,
    pub(super) n_inner: usize,
    pub(super) key: u64,
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
    type Out = Vec<Vec<f64>>;

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

    /// One row per permutation: the increments credited to each input without Var(Y),
    /// `[i · m + out]`, then k flags of the last input (credited Var(Y) on top).
    fn reduce(&self, _c: usize, perms: Vec<Vec<usize>>, y: ArrayView2<f64>) -> Vec<Vec<f64>> {
        let k = self.copula.k();
        let m = y.ncols();
        let mut s2 = Vec::with_capacity(y.nrows() / self.n_inner * m);
        inner_variances(y, self.n_inner, &mut s2);
        let per_prefix = self.n_outer * m;
        perms
            .into_iter()
            .enumerate()
            .map(|(p, perm)| {
                let mut d = vec![0.0; k * m + k];
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
                d[k * m + last] = 1.0;
                d
            })
            .collect()
    }
}
