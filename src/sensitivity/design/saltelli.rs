//! Saltelli's design on a Sobol' sequence (Saltelli 2002; Saltelli et al. 2010).

use std::sync::OnceLock;

use rand::RngExt;
use serde::{Deserialize, Serialize};
use sobol::params::JoeKuoD6;
use sobol::{Sobol, SobolParams};

use super::Design;
use crate::sensitivity::{SensitivityError, SensitivityWarning, Stream, chunk_rng};

/// Bits of each Sobol' coordinate (a double's significand).
const RESOLUTION: usize = 53;

fn params_1000() -> &'static JoeKuoD6 {
    static P: OnceLock<JoeKuoD6> = OnceLock::new();
    P.get_or_init(JoeKuoD6::standard)
}

fn params_21201() -> &'static JoeKuoD6 {
    static P: OnceLock<JoeKuoD6> = OnceLock::new();
    P.get_or_init(JoeKuoD6::extended)
}

/// How a Sobol' sequence is randomised.
///
/// ```
/// use innodex::sensitivity::Scramble;
/// assert_eq!(Scramble::default(), Scramble::LinearMatrix);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scramble {
    /// The plain sequence (deterministic; starts at the origin).
    None,
    /// A random digital shift: each coordinate's bits are XOR-ed with one random 53-bit word
    /// per dimension (the net structure is kept).
    DigitalShift,
    /// Random linear matrix scrambling plus a digital shift (Matoušek 1998, *J. Complexity*
    /// 14:527; Owen 2003): each dimension's generator matrix is multiplied by a random
    /// non-singular lower-triangular binary matrix. It keeps the (t, m, s)-net property and
    /// randomises every bit; it is the "LMS + shift" that SciPy's `qmc.Sobol` (and so SALib's
    /// default) uses. It is cheaper than, and not identical to, full nested Owen scrambling.
    #[default]
    LinearMatrix,
}

/// Saltelli's design (the radial "A, AB, BA, B" scheme of Saltelli 2002, with the A/B matrices
/// from a 2k-dimensional Sobol' sequence, Saltelli et al. 2010) in the unit hypercube.
///
/// Rows come in blocks of `2k + 2` per base sample (`k + 2` without second order), in SALib's
/// order: A, AB₁ … AB_k, [BA₁ … BA_k,] B; AB_j is A with column j from B, BA_j is B with
/// column j from A. The Sobol' points come from the `sobol` crate's Joe–Kuo (2008) direction
/// numbers (up to 21,201 dimensions, so k ≤ 10,600); point n is computed directly from the Gray
/// code of n, so any row range is generated on its own.
///
/// ```
/// use innodex::sensitivity::{Design, SaltelliDesign, Scramble};
/// let d = SaltelliDesign::new(3, 8, true, Scramble::None, 0, 0).unwrap();
/// assert_eq!(d.n_rows(), 8 * (2 * 3 + 2));
/// let m = d.unit_matrix();
/// // The first base point of the plain sequence is the origin; the second is (1/2, …).
/// assert_eq!(m.row(8).to_vec(), vec![0.5, 0.5, 0.5]);
/// assert!(d.warnings().is_empty());
/// assert!(!SaltelliDesign::new(3, 1000, true, Scramble::None, 0, 0).unwrap().warnings().is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct SaltelliDesign {
    k: usize,
    n: usize,
    second_order: bool,
    skip: u64,
    /// Direction numbers per dimension (2k × 53), already scrambled when asked.
    dirs: Vec<[u64; RESOLUTION]>,
    /// Digital shift per dimension (0 when not scrambled).
    shift: Vec<u64>,
}

impl SaltelliDesign {
    /// A design for `k` inputs with `n` base samples (`n (2k + 2)` rows with second order,
    /// `n (k + 2)` without), skipping the first `skip` points of the sequence.
    ///
    /// # Errors
    /// [`SensitivityError::InvalidOption`] when `k` or `n` is zero, `k` exceeds 10,600, or the
    /// sequence would need more than 2^53 points.
    pub fn new(
        k: usize,
        n: usize,
        second_order: bool,
        scramble: Scramble,
        skip: u64,
        seed: u64,
    ) -> Result<SaltelliDesign, SensitivityError> {
        if k == 0 {
            return Err(SensitivityError::InvalidOption {
                option: "k",
                reason: "at least one input".into(),
            });
        }
        if n == 0 {
            return Err(SensitivityError::InvalidOption {
                option: "n",
                reason: "the base sample size must be positive".into(),
            });
        }
        let dims = 2 * k;
        let params: &JoeKuoD6 = if dims <= 1000 {
            params_1000()
        } else {
            params_21201()
        };
        if dims > params.max_dims() {
            return Err(SensitivityError::InvalidOption {
                option: "k",
                reason: format!(
                    "at most {} inputs (Joe–Kuo direction numbers)",
                    params.max_dims() / 2
                ),
            });
        }
        let step = if second_order { 2 * k + 2 } else { k + 2 };
        if n.checked_mul(step).and_then(|r| r.checked_mul(k)).is_none() {
            return Err(SensitivityError::InvalidOption {
                option: "n",
                reason: format!("n = {n} rows × {k} inputs overflows"),
            });
        }
        if (n as u128) + (skip as u128) > (1u128 << RESOLUTION) {
            return Err(SensitivityError::InvalidOption {
                option: "n",
                reason: "more than 2^53 Sobol' points".into(),
            });
        }
        let raw = Sobol::<f64>::init_direction_vals::<u32>(dims, RESOLUTION, params);
        let mut dirs: Vec<[u64; RESOLUTION]> = raw
            .iter()
            .map(|v| {
                let mut a = [0u64; RESOLUTION];
                a.copy_from_slice(&v[..RESOLUTION]);
                a
            })
            .collect();
        let mut shift = vec![0u64; dims];
        if scramble != Scramble::None {
            // One generator per dimension, from (seed, dimension): reproducible and independent
            // of threads.
            for (d, (dir, sh)) in dirs.iter_mut().zip(shift.iter_mut()).enumerate() {
                let mut rng = chunk_rng(seed, Stream::Scramble, d as u64);
                if scramble == Scramble::LinearMatrix {
                    // Column c of the lower-triangular matrix L (rows are bit positions counted
                    // from the most significant): 1 on the diagonal, random bits below.
                    let cols: Vec<u64> = (0..RESOLUTION)
                        .map(|c| {
                            let diag = 1u64 << (63 - c);
                            let below = (diag - 1) & !((1u64 << (64 - RESOLUTION)) - 1);
                            diag | (rng.random::<u64>() & below)
                        })
                        .collect();
                    for v in dir.iter_mut() {
                        *v = apply_lower(&cols, *v);
                    }
                }
                *sh = rng.random::<u64>() & !((1u64 << (64 - RESOLUTION)) - 1);
            }
        }
        Ok(SaltelliDesign {
            k,
            n,
            second_order,
            skip,
            dirs,
            shift,
        })
    }

    /// Number of inputs.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Base sample size N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Whether the BA rows (for second-order indices) are included.
    pub fn second_order(&self) -> bool {
        self.second_order
    }

    /// Rows per base sample: 2k + 2 with second order, k + 2 without.
    pub fn step(&self) -> usize {
        if self.second_order {
            2 * self.k + 2
        } else {
            self.k + 2
        }
    }

    /// Warnings about the design: N not a power of two.
    pub fn warnings(&self) -> Vec<SensitivityWarning> {
        if self.n.is_power_of_two() {
            vec![]
        } else {
            vec![SensitivityWarning::NotPowerOfTwo { n: self.n }]
        }
    }

    /// The 2k-dimensional base point with index `i` (before skipping), as 53-bit integers in
    /// the top bits of each word.
    fn point(&self, idx: u64, out: &mut [u64]) {
        let g = idx ^ (idx >> 1);
        for (d, o) in out.iter_mut().enumerate() {
            let mut x = 0u64;
            let mut bits = g;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                x ^= self.dirs[d][b];
                bits &= bits - 1;
            }
            *o = x;
        }
    }

    /// Advances point `idx` (held in `x`) to point `idx + 1`.
    fn advance(&self, idx: u64, x: &mut [u64]) {
        let b = (!idx).trailing_zeros() as usize;
        for (d, v) in x.iter_mut().enumerate() {
            *v ^= self.dirs[d][b];
        }
    }

    /// The base points (A | B, 2k columns) with base indices `i0 .. i0 + count`, in [0, 1).
    ///
    /// ```
    /// use innodex::sensitivity::{SaltelliDesign, Scramble};
    /// let d = SaltelliDesign::new(1, 4, false, Scramble::None, 0, 0).unwrap();
    /// assert_eq!(d.base_points(0, 4), vec![0.0, 0.0, 0.5, 0.5, 0.75, 0.25, 0.25, 0.75]);
    /// ```
    pub fn base_points(&self, i0: usize, count: usize) -> Vec<f64> {
        let dims = 2 * self.k;
        let mut out = vec![0.0; count * dims];
        let mut x = vec![0u64; dims];
        let first = i0 as u64 + self.skip;
        self.point(first, &mut x);
        for (c, row) in out.chunks_exact_mut(dims).enumerate() {
            if c > 0 {
                self.advance(first + c as u64 - 1, &mut x);
            }
            for ((o, v), sh) in row.iter_mut().zip(&x).zip(&self.shift) {
                *o = to_unit(*v ^ sh);
            }
        }
        out
    }
}

/// y = L x over GF(2), L given by columns (bit positions from the most significant).
fn apply_lower(cols: &[u64], x: u64) -> u64 {
    let mut y = 0u64;
    let mut bits = x;
    while bits != 0 {
        let c = bits.leading_zeros() as usize;
        if c < cols.len() {
            y ^= cols[c];
        }
        bits &= !(1u64 << (63 - c));
    }
    y
}

#[inline]
fn to_unit(v: u64) -> f64 {
    // The crate's rendering of its f64 sequence (value / 2^64) on the top 53 bits: exact.
    (v >> (64 - RESOLUTION)) as f64 * (1.0 / (1u64 << RESOLUTION) as f64)
}

impl Design for SaltelliDesign {
    fn n_rows(&self) -> usize {
        self.n * self.step()
    }

    fn n_inputs(&self) -> usize {
        self.k
    }

    fn fill_unit(&self, start: usize, out: &mut [f64]) {
        let k = self.k;
        let step = self.step();
        let blocks = super::blocks_touched(start, out.len() / k, step);
        if blocks.is_empty() {
            return;
        }
        let i0 = blocks.start;
        let base = self.base_points(i0, blocks.len());
        for (r, row) in out.chunks_exact_mut(k).enumerate() {
            let g = start + r;
            let (i, c) = (g / step - i0, g % step);
            let p = &base[i * 2 * k..(i + 1) * 2 * k];
            let (a, b) = p.split_at(k);
            if c == 0 {
                row.copy_from_slice(a);
            } else if c == step - 1 {
                row.copy_from_slice(b);
            } else if c <= k {
                row.copy_from_slice(a);
                row[c - 1] = b[c - 1];
            } else {
                let j = c - k - 1;
                row.copy_from_slice(b);
                row[j] = a[j];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_points_equal_the_crate_iterator() {
        let d = SaltelliDesign::new(5, 1000, false, Scramble::None, 0, 0).unwrap();
        let pts = d.base_points(0, 1000);
        let seq = Sobol::<f64>::new(10, params_1000());
        for (i, p) in seq.take(1000).enumerate() {
            assert_eq!(&pts[i * 10..(i + 1) * 10], &p[..], "point {i}");
        }
        // Any starting index gives the same points.
        let mid = d.base_points(377, 50);
        assert_eq!(&mid[..], &pts[377 * 10..427 * 10]);
    }

    #[test]
    fn scrambled_points_keep_the_net_property() {
        // For N = 2^m, each coordinate of a (scrambled) Sobol' net hits every interval
        // [j/N, (j+1)/N) exactly once.
        for scramble in [Scramble::DigitalShift, Scramble::LinearMatrix] {
            let d = SaltelliDesign::new(4, 256, true, scramble, 0, 9).unwrap();
            let pts = d.base_points(0, 256);
            for dim in 0..8 {
                let mut seen = [false; 256];
                for i in 0..256 {
                    let v = pts[i * 8 + dim];
                    assert!((0.0..1.0).contains(&v));
                    seen[(v * 256.0) as usize] = true;
                }
                assert!(seen.iter().all(|&s| s), "{scramble:?} dim {dim}");
            }
            assert!(pts.iter().all(|&v| v > 0.0));
        }
    }

    #[test]
    fn rows_follow_salib_layout() {
        let d = SaltelliDesign::new(2, 2, true, Scramble::LinearMatrix, 0, 1).unwrap();
        let base = d.base_points(0, 2);
        let m = d.unit_matrix();
        for i in 0..2 {
            let a = &base[i * 4..i * 4 + 2];
            let b = &base[i * 4 + 2..i * 4 + 4];
            let r = i * 6;
            assert_eq!(m.row(r).to_vec(), a.to_vec());
            assert_eq!(m.row(r + 1).to_vec(), vec![b[0], a[1]]);
            assert_eq!(m.row(r + 2).to_vec(), vec![a[0], b[1]]);
            assert_eq!(m.row(r + 3).to_vec(), vec![a[0], b[1]]);
            assert_eq!(m.row(r + 4).to_vec(), vec![b[0], a[1]]);
            assert_eq!(m.row(r + 5).to_vec(), b.to_vec());
        }
    }
}
