//! Morris trajectories (Morris 1991), optionally selected for spread (Campolongo et al. 2007).

use rand::RngExt;
use rayon::prelude::*;

use super::Design;
use crate::sensitivity::{SensitivityError, Stream, chunk_rng};

/// Morris's one-at-a-time trajectories (Morris 1991, *Technometrics* 33:161): each trajectory
/// has k + 1 points on a p-level grid of [0, 1]^k, and consecutive points differ in exactly one
/// input, by Δ = p / (2 (p − 1)). The base point, the direction of each step and the order of
/// the inputs are random (the B* construction).
///
/// With [`MorrisDesign::optimized`] the r trajectories are chosen among `candidates` random
/// ones to maximise their spread, the criterion of Campolongo, Cariboni and Saltelli (2007,
/// *Environ. Model. Softw.* 22:1509): the sum over pairs of trajectories of the squared sum of
/// point-to-point distances. The selection is greedy (start from the farthest pair, add the
/// trajectory that adds most), as in Ruano et al. (2012, *Environ. Model. Softw.* 37:103);
/// it approximates the exhaustive search.
///
/// Trajectory t is drawn from a generator derived from (seed, t): reproducible, and the same
/// for any number of threads.
///
/// ```
/// use innodex::sensitivity::{Design, MorrisDesign};
/// let d = MorrisDesign::new(3, 10, 4, 1).unwrap();
/// assert_eq!(d.n_rows(), 10 * 4);
/// assert!((d.delta() - 2.0 / 3.0).abs() < 1e-15);
/// let m = d.unit_matrix();
/// // Consecutive points of a trajectory differ in exactly one input, by ±Δ.
/// for l in 0..3 {
///     let diff: Vec<f64> = (0..3).map(|i| m[[l + 1, i]] - m[[l, i]]).collect();
///     assert_eq!(diff.iter().filter(|d| d.abs() > 1e-12).count(), 1);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct MorrisDesign {
    k: usize,
    r: usize,
    levels: usize,
    /// r (k + 1) × k points, row-major (a Morris design is small: it is kept whole).
    unit: Vec<f64>,
}

impl MorrisDesign {
    /// `r` random trajectories for `k` inputs on a `levels`-level grid (`levels` even, ≥ 2;
    /// 4 is the usual choice).
    ///
    /// # Errors
    /// [`SensitivityError::InvalidOption`] for `k = 0`, `r < 2` or an odd or too small number of
    /// levels; [`SensitivityError::TooLarge`] when the design (r (k + 1) × k, held whole) would
    /// exceed 2^28 numbers, before anything is allocated.
    pub fn new(
        k: usize,
        r: usize,
        levels: usize,
        seed: u64,
    ) -> Result<MorrisDesign, SensitivityError> {
        check(k, r, levels)?;
        let unit: Vec<f64> = (0..r)
            .into_par_iter()
            .map(|t| trajectory(k, levels, seed, t as u64))
            .collect::<Vec<_>>()
            .concat();
        Ok(MorrisDesign { k, r, levels, unit })
    }

    /// `r` trajectories chosen among `candidates` random ones for maximal spread (Campolongo et
    /// al. 2007; greedy selection).
    ///
    /// # Errors
    /// As [`MorrisDesign::new`], and when `candidates < r` or `candidates > 5000`.
    ///
    /// ```
    /// use innodex::sensitivity::{Design, MorrisDesign};
    /// let d = MorrisDesign::optimized(4, 10, 4, 50, 3).unwrap();
    /// assert_eq!(d.n_rows(), 10 * 5);
    /// ```
    pub fn optimized(
        k: usize,
        r: usize,
        levels: usize,
        candidates: usize,
        seed: u64,
    ) -> Result<MorrisDesign, SensitivityError> {
        check(k, r, levels)?;
        if candidates > MAX_CANDIDATES {
            return Err(SensitivityError::InvalidOption {
                option: "candidates",
                reason: format!(
                    "at most {MAX_CANDIDATES} candidate trajectories (the selection keeps a \
                     candidates² distance matrix), got {candidates}"
                ),
            });
        }
        if candidates < r {
            return Err(SensitivityError::InvalidOption {
                option: "candidates",
                reason: format!("need at least r = {r} candidate trajectories, got {candidates}"),
            });
        }
        let cands: Vec<Vec<f64>> = (0..candidates)
            .into_par_iter()
            .map(|t| trajectory(k, levels, seed, t as u64))
            .collect();
        let m = candidates;
        // Pairwise distances between trajectories (sum of Euclidean distances between points).
        let dist: Vec<f64> = (0..m * m)
            .into_par_iter()
            .map(|ij| {
                let (i, j) = (ij / m, ij % m);
                if i >= j {
                    return 0.0;
                }
                let mut s = 0.0;
                for a in cands[i].chunks_exact(k) {
                    for b in cands[j].chunks_exact(k) {
                        s += a
                            .iter()
                            .zip(b)
                            .map(|(x, y)| (x - y) * (x - y))
                            .sum::<f64>()
                            .sqrt();
                    }
                }
                s
            })
            .collect();
        let d = |i: usize, j: usize| {
            if i < j {
                dist[i * m + j]
            } else {
                dist[j * m + i]
            }
        };
        let mut chosen = Vec::with_capacity(r);
        let mut best = (0, 1, f64::NEG_INFINITY);
        for i in 0..m {
            for j in i + 1..m {
                if d(i, j) > best.2 {
                    best = (i, j, d(i, j));
                }
            }
        }
        chosen.push(best.0);
        chosen.push(best.1);
        let mut score: Vec<f64> = (0..m)
            .map(|c| d(c, best.0).powi(2) + d(c, best.1).powi(2))
            .collect();
        while chosen.len() < r {
            let mut pick = usize::MAX;
            let mut top = f64::NEG_INFINITY;
            for (c, &sc) in score.iter().enumerate() {
                if !chosen.contains(&c) && sc > top {
                    top = sc;
                    pick = c;
                }
            }
            chosen.push(pick);
            for (c, s) in score.iter_mut().enumerate() {
                *s += d(c, pick).powi(2);
            }
        }
        let unit = chosen
            .iter()
            .flat_map(|&c| cands[c].iter().copied())
            .collect();
        Ok(MorrisDesign { k, r, levels, unit })
    }

    /// The step Δ = p / (2 (p − 1)) in the unit hypercube.
    pub fn delta(&self) -> f64 {
        delta(self.levels)
    }

    /// Number of trajectories r.
    pub fn trajectories(&self) -> usize {
        self.r
    }

    /// Number of grid levels p.
    pub fn levels(&self) -> usize {
        self.levels
    }
}

/// Largest number of candidate trajectories for [`MorrisDesign::optimized`] (5,000).
pub(crate) const MAX_CANDIDATES: usize = 5000;

/// Δ = p / (2 (p − 1)).
pub(crate) fn delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

fn check(k: usize, r: usize, levels: usize) -> Result<(), SensitivityError> {
    if k == 0 {
        return Err(SensitivityError::InvalidOption {
            option: "k",
            reason: "at least one input".into(),
        });
    }
    if r < 2 {
        return Err(SensitivityError::InvalidOption {
            option: "r",
            reason: "at least two trajectories".into(),
        });
    }
    super::check_cells(
        "the Morris design (N trajectories × (k + 1) rows)",
        r.saturating_mul(k + 1),
        k,
        "use fewer trajectories (a smaller N)",
    )?;
    if levels < 2 || !levels.is_multiple_of(2) {
        return Err(SensitivityError::InvalidOption {
            option: "num_levels",
            reason: format!("an even number ≥ 2 (Morris 1991), got {levels}"),
        });
    }
    Ok(())
}

/// One trajectory (B* of Morris 1991): (k + 1) × k values.
fn trajectory(k: usize, levels: usize, seed: u64, t: u64) -> Vec<f64> {
    let mut rng = chunk_rng(seed, Stream::MorrisTrajectory, t);
    let step = 1.0 / (levels as f64 - 1.0);
    let dlt = delta(levels);
    // Base levels x* ∈ {0, 1/(p−1), …, 1 − Δ}: p/2 choices.
    let mut x: Vec<f64> = (0..k)
        .map(|_| rng.random_range(0..levels / 2) as f64 * step)
        .collect();
    let up: Vec<bool> = (0..k).map(|_| rng.random::<bool>()).collect();
    let mut order: Vec<usize> = (0..k).collect();
    for i in (1..k).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    for i in 0..k {
        if !up[i] {
            x[i] += dlt;
        }
    }
    let mut out = Vec::with_capacity((k + 1) * k);
    out.extend_from_slice(&x);
    for &i in &order {
        if up[i] {
            x[i] += dlt;
        } else {
            x[i] -= dlt;
        }
        // Snap to the grid to avoid drift (values are multiples of 1/(p−1)).
        x[i] = (x[i] * (levels as f64 - 1.0)).round() * step;
        out.extend_from_slice(&x);
    }
    out
}

impl Design for MorrisDesign {
    fn n_rows(&self) -> usize {
        self.r * (self.k + 1)
    }

    fn n_inputs(&self) -> usize {
        self.k
    }

    fn fill_unit(&self, start: usize, out: &mut [f64]) {
        let k = self.k;
        out.copy_from_slice(&self.unit[start * k..start * k + out.len()]);
    }
}
