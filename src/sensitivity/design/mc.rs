//! Plain Monte Carlo design.

use rand::RngExt;

use super::Design;
use crate::sensitivity::{SensitivityError, Stream, chunk_rng};

/// Rows per random stream: chunk c's generator is derived from (seed, c).
pub(crate) const MC_CHUNK: usize = 1024;

/// Independent uniform points in [0, 1)^k (plain Monte Carlo), reproducible from a seed and
/// identical for any number of threads: rows are drawn in chunks of 1,024, each from a
/// ChaCha8 generator derived from (seed, chunk index).
///
/// ```
/// use innodex::sensitivity::{Design, MonteCarloDesign};
/// let d = MonteCarloDesign::new(3, 2000, 7).unwrap();
/// let m = d.unit_matrix();
/// assert_eq!(m.dim(), (2000, 3));
/// assert!((m.mean().unwrap() - 0.5).abs() < 0.02);
/// assert_eq!(m, MonteCarloDesign::new(3, 2000, 7).unwrap().unit_matrix());
/// ```
#[derive(Debug, Clone)]
pub struct MonteCarloDesign {
    k: usize,
    n: usize,
    seed: u64,
}

impl MonteCarloDesign {
    /// `n` points for `k` inputs.
    ///
    /// # Errors
    /// [`SensitivityError::InvalidOption`] when `k` or `n` is zero.
    pub fn new(k: usize, n: usize, seed: u64) -> Result<MonteCarloDesign, SensitivityError> {
        if k == 0 || n == 0 {
            return Err(SensitivityError::InvalidOption {
                option: "n",
                reason: "k and n must be positive".into(),
            });
        }
        Ok(MonteCarloDesign { k, n, seed })
    }
}

impl Design for MonteCarloDesign {
    fn n_rows(&self) -> usize {
        self.n
    }

    fn n_inputs(&self) -> usize {
        self.k
    }

    fn fill_unit(&self, start: usize, out: &mut [f64]) {
        let k = self.k;
        let rows = out.len() / k;
        let mut buf = vec![0.0; MC_CHUNK * k];
        for c in super::blocks_touched(start, rows, MC_CHUNK) {
            let mut rng = chunk_rng(self.seed, Stream::MonteCarlo, c as u64);
            for v in buf.iter_mut() {
                *v = rng.random::<f64>();
            }
            let lo = (c * MC_CHUNK).max(start);
            let hi = ((c + 1) * MC_CHUNK).min(start + rows);
            let src = &buf[(lo - c * MC_CHUNK) * k..(hi - c * MC_CHUNK) * k];
            out[(lo - start) * k..(hi - start) * k].copy_from_slice(src);
        }
    }
}
