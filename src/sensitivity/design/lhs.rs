//! Latin hypercube design.

use rand::RngExt;

use super::Design;
use super::mc::MC_CHUNK;
use crate::sensitivity::{SensitivityError, Stream, chunk_rng};

/// A Latin hypercube sample (McKay, Beckman, Conover 1979, *Technometrics* 21:239): each input's
/// range is cut into `n` equal strata and every stratum holds exactly one point; strata are
/// paired at random across inputs and each point is placed at random inside its stratum.
///
/// The per-input permutations (`n × k` integers) are the only state; the jitter inside each
/// stratum is drawn per chunk of 1,024 rows from (seed, chunk index), so the design is the same
/// for any number of threads and any batch size.
///
/// ```
/// use innodex::sensitivity::{Design, LatinHypercubeDesign};
/// let d = LatinHypercubeDesign::new(2, 10, 1).unwrap();
/// let m = d.unit_matrix();
/// for col in m.columns() {
///     let mut strata: Vec<usize> = col.iter().map(|v| (v * 10.0) as usize).collect();
///     strata.sort();
///     assert_eq!(strata, (0..10).collect::<Vec<_>>());
/// }
/// ```
#[derive(Debug, Clone)]
pub struct LatinHypercubeDesign {
    k: usize,
    n: usize,
    seed: u64,
    /// perm[d * n + r] = stratum of row r in dimension d.
    perm: Vec<u32>,
}

impl LatinHypercubeDesign {
    /// `n` points for `k` inputs.
    ///
    /// # Errors
    /// [`SensitivityError::InvalidOption`] when `k` or `n` is zero or `n` ≥ 2^32;
    /// [`SensitivityError::TooLarge`] when `n × k` exceeds 2^28 (its permutations are held
    /// whole), before anything is allocated.
    pub fn new(k: usize, n: usize, seed: u64) -> Result<LatinHypercubeDesign, SensitivityError> {
        if k == 0 || n == 0 || n > u32::MAX as usize {
            return Err(SensitivityError::InvalidOption {
                option: "n",
                reason: "k and n must be positive and n < 2^32".into(),
            });
        }
        // The permutations are held whole (4 bytes a number, half of what the message counts,
        // but the design is then taken whole as 8-byte floats by `matrix` all the same).
        super::check_cells("the Latin hypercube design", n, k, "use a smaller N")?;
        let mut perm = Vec::with_capacity(n * k);
        for d in 0..k {
            let mut rng = chunk_rng(seed, Stream::LatinHypercube, d as u64);
            let mut p: Vec<u32> = (0..n as u32).collect();
            // Fisher–Yates.
            for i in (1..n).rev() {
                let j = rng.random_range(0..=i);
                p.swap(i, j);
            }
            perm.extend_from_slice(&p);
        }
        Ok(LatinHypercubeDesign { k, n, seed, perm })
    }
}

impl Design for LatinHypercubeDesign {
    fn n_rows(&self) -> usize {
        self.n
    }

    fn n_inputs(&self) -> usize {
        self.k
    }

    fn fill_unit(&self, start: usize, out: &mut [f64]) {
        let k = self.k;
        let rows = out.len() / k;
        let inv_n = 1.0 / self.n as f64;
        for c in super::blocks_touched(start, rows, MC_CHUNK) {
            // Stream index offset by k so it never meets the permutation streams.
            let mut rng = chunk_rng(
                self.seed,
                Stream::LatinHypercube,
                (self.k + c) as u64 | (1 << 63),
            );
            for g in c * MC_CHUNK..((c + 1) * MC_CHUNK).min(self.n) {
                for d in 0..k {
                    let u: f64 = rng.random::<f64>();
                    if g >= start && g < start + rows {
                        out[(g - start) * k + d] = (self.perm[d * self.n + g] as f64 + u) * inv_n;
                    }
                }
            }
        }
    }
}
