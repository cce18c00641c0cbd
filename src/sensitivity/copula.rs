//! Dependent inputs: a correlation matrix of the inputs' normal scores (a Gaussian copula over
//! the problem's marginals) and exact conditional sampling from it.
//!
//! Input i is X_i = F_i⁻¹(Φ(Z_i)) with Z ~ N(0, R): each input keeps its marginal distribution
//! (F_i, from the [`Problem`]) and R is the correlation of the normal scores Z (for normal
//! marginals it is the correlation of the inputs themselves; for others it is the rank-based
//! dependence of the copula, close to but not equal to the inputs' Pearson correlation).
//!
//! Conditional sampling, as the Shapley estimator needs it (X_J given X_{−J} = x_{−J}): the map
//! from Z_i to X_i is one to one, so conditioning on X_{−J} is conditioning on Z_{−J}, and
//! Z_J | Z_{−J} = z is Gaussian with mean R_{J,−J} R_{−J,−J}⁻¹ z and covariance
//! R_{JJ} − R_{J,−J} R_{−J,−J}⁻¹ R_{−J,J} (the Schur complement); its draws are mapped through
//! the marginals' quantile functions. Normal and log-normal marginals are mapped directly
//! (μ + σ z, exp(μ + σ z)), the others through their quantile at Φ(z).

use serde::{Deserialize, Serialize};

use super::{Distribution, Problem, SensitivityError};
use crate::stats::{cholesky, cholesky_solve, normal_cdf};

/// Tolerance of the checks of symmetry and of the unit diagonal.
const TOL: f64 = 1e-12;

/// A validated correlation matrix of k inputs' normal scores (the Gaussian copula's parameter):
/// symmetric, unit diagonal, entries in [−1, 1], positive definite. Serialises as its rows.
///
/// ```
/// use innodex::sensitivity::Correlation;
/// let r = Correlation::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
/// assert_eq!(r.get(0, 1), 0.5);
/// assert!(!r.is_identity() && Correlation::identity(3).is_identity());
/// let e = Correlation::from_rows(&[vec![1.0, 0.5], vec![0.4, 1.0]]).unwrap_err();
/// assert!(e.to_string().contains("corr[1][0] = 0.4"), "{e}");
/// let e = Correlation::from_rows(&[vec![1.0, 1.0], vec![1.0, 1.0]]).unwrap_err();
/// assert!(e.to_string().contains("not positive definite"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Vec<f64>>", into = "Vec<Vec<f64>>")]
pub struct Correlation {
    k: usize,
    /// Row-major k × k.
    r: Vec<f64>,
    /// Its lower Cholesky factor, row-major.
    l: Vec<f64>,
}

impl TryFrom<Vec<Vec<f64>>> for Correlation {
    type Error = SensitivityError;

    fn try_from(rows: Vec<Vec<f64>>) -> Result<Self, Self::Error> {
        Correlation::from_rows(&rows)
    }
}

impl From<Correlation> for Vec<Vec<f64>> {
    fn from(c: Correlation) -> Self {
        c.r.chunks(c.k.max(1)).map(<[f64]>::to_vec).collect()
    }
}

fn bad(reason: String) -> SensitivityError {
    SensitivityError::InvalidCorrelation(reason)
}

impl Correlation {
    /// The identity (independent inputs).
    pub fn identity(k: usize) -> Correlation {
        let mut r = vec![0.0; k * k];
        for i in 0..k {
            r[i * k + i] = 1.0;
        }
        Correlation { k, l: r.clone(), r }
    }

    /// A matrix from its rows.
    ///
    /// # Errors
    /// [`SensitivityError::InvalidCorrelation`], naming the entry and its value, when the rows
    /// are not k of length k, an entry is not finite or outside [−1, 1], the diagonal is not 1,
    /// the matrix is not symmetric (to 1e-12), or not positive definite (with its smallest
    /// eigenvalue).
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Correlation, SensitivityError> {
        let k = rows.len();
        if k == 0 {
            return Err(bad("corr has no rows".into()));
        }
        if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != k) {
            return Err(bad(format!(
                "corr must be square: row {i} has {} values, expected {k}",
                row.len()
            )));
        }
        Correlation::new(k, rows.concat())
    }

    /// A k × k matrix from its values in row-major order.
    ///
    /// # Errors
    /// As [`Correlation::from_rows`]; also when `values` does not hold k² numbers.
    ///
    /// ```
    /// use innodex::sensitivity::Correlation;
    /// assert!(Correlation::new(2, vec![1.0, 0.3, 0.3, 1.0]).is_ok());
    /// let e = Correlation::new(2, vec![1.0, f64::NAN, 0.3, 1.0]).unwrap_err();
    /// assert!(e.to_string().contains("corr[0][1] = NaN is not finite"), "{e}");
    /// let e = Correlation::new(2, vec![0.9, 0.3, 0.3, 1.0]).unwrap_err();
    /// assert!(e.to_string().contains("corr[0][0] = 0.9"), "{e}");
    /// ```
    pub fn new(k: usize, values: Vec<f64>) -> Result<Correlation, SensitivityError> {
        if k == 0 || values.len() != k * k {
            return Err(bad(format!(
                "corr must be {k} × {k} ({} values), got {} values",
                k * k,
                values.len()
            )));
        }
        let at = |i: usize, j: usize| values[i * k + j];
        for i in 0..k {
            for j in 0..k {
                let v = at(i, j);
                if !v.is_finite() {
                    return Err(bad(format!("corr[{i}][{j}] = {v} is not finite")));
                }
                if i == j && (v - 1.0).abs() > TOL {
                    return Err(bad(format!(
                        "corr[{i}][{i}] = {v}: the diagonal of a correlation matrix is 1"
                    )));
                }
                if !(-1.0..=1.0).contains(&v) {
                    return Err(bad(format!("corr[{i}][{j}] = {v} is outside [-1, 1]")));
                }
            }
        }
        for i in 0..k {
            for j in 0..i {
                if (at(i, j) - at(j, i)).abs() > TOL {
                    return Err(bad(format!(
                        "corr[{i}][{j}] = {} but corr[{j}][{i}] = {}: a correlation matrix is \
                         symmetric",
                        at(i, j),
                        at(j, i)
                    )));
                }
            }
        }
        let Some(l) = cholesky(&values, k) else {
            let m = nalgebra::DMatrix::from_row_slice(k, k, &values);
            let min = nalgebra::SymmetricEigen::new(m)
                .eigenvalues
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            return Err(bad(format!(
                "corr is not positive definite (smallest eigenvalue {min:.3e}; perfectly \
                 correlated inputs, |r| = 1, are not supported: merge them into one input)"
            )));
        };
        Ok(Correlation { k, r: values, l })
    }

    /// Number of inputs.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Entry (i, j).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.r[i * self.k + j]
    }

    /// Whether the inputs are independent (every off-diagonal entry 0).
    pub fn is_identity(&self) -> bool {
        (0..self.k).all(|i| (0..self.k).all(|j| i == j || self.get(i, j) == 0.0))
    }
}

/// Maps a normal score to input `d`'s scale.
#[inline]
pub(crate) fn to_marginal(d: &Distribution, z: f64) -> f64 {
    match *d {
        Distribution::Normal { mean, sd } => mean + sd * z,
        Distribution::LogNormal { mu, sigma } => (mu + sigma * z).exp(),
        Distribution::Uniform { lower, upper } => normal_cdf(z) * (upper - lower) + lower,
        _ => d.quantile(normal_cdf(z)),
    }
}

/// The problem's marginals joined by a Gaussian copula.
#[derive(Debug, Clone)]
pub(crate) struct Copula {
    pub(crate) dists: Vec<Distribution>,
    pub(crate) corr: Correlation,
    l: Vec<f64>,
}

impl Copula {
    pub(crate) fn new(problem: &Problem, corr: &Correlation) -> Result<Copula, SensitivityError> {
        if corr.k() != problem.len() {
            return Err(bad(format!(
                "corr is {0} × {0} but the problem has {1} inputs",
                corr.k(),
                problem.len()
            )));
        }
        Ok(Copula {
            dists: problem
                .inputs()
                .iter()
                .map(|i| i.distribution.clone())
                .collect(),
            corr: corr.clone(),
            l: corr.l.clone(),
        })
    }

    pub(crate) fn k(&self) -> usize {
        self.dists.len()
    }

    /// One joint draw from k standard normal numbers `eps`, written to `x`.
    #[inline]
    pub(crate) fn joint(&self, eps: &[f64], x: &mut [f64]) {
        let k = self.k();
        for (i, (xi, d)) in x.iter_mut().zip(&self.dists).enumerate() {
            let row = &self.l[i * k..i * k + i + 1];
            let z: f64 = row.iter().zip(eps).map(|(a, b)| a * b).sum();
            *xi = to_marginal(d, z);
        }
    }
}

/// Sampling X_J given X_{−J} for one subset J of inputs (the "varied" set; its complement is
/// "fixed"), precomputed from the correlation matrix.
#[derive(Debug, Clone)]
pub(crate) struct Conditional {
    pub(crate) varied: Vec<usize>,
    pub(crate) fixed: Vec<usize>,
    /// Cholesky factor of R_{−J,−J} (fixed × fixed), to draw the fixed scores.
    l_fixed: Vec<f64>,
    /// R_{J,−J} R_{−J,−J}⁻¹ (varied × fixed): the conditional mean's coefficients.
    a: Vec<f64>,
    /// Cholesky factor of the conditional covariance (varied × varied).
    l_cond: Vec<f64>,
}

impl Conditional {
    /// The sampler of subset `mask` (bit i: input i varies).
    ///
    /// # Errors
    /// [`SensitivityError::InvalidCorrelation`] when a conditional covariance is numerically
    /// singular (a correlation too close to ±1).
    pub(crate) fn new(c: &Copula, mask: u64) -> Result<Conditional, SensitivityError> {
        let k = c.k();
        let (varied, fixed): (Vec<usize>, Vec<usize>) = (0..k).partition(|&i| mask >> i & 1 == 1);
        let (nv, nf) = (varied.len(), fixed.len());
        let r = |i: usize, j: usize| c.corr.get(i, j);
        let rff: Vec<f64> = fixed
            .iter()
            .flat_map(|&i| fixed.iter().map(move |&j| r(i, j)))
            .collect();
        let singular = || {
            bad(format!(
                "corr: the inputs {fixed:?} are too strongly correlated to condition on \
                 (a conditional covariance is singular)"
            ))
        };
        let l_fixed = if nf == 0 {
            vec![]
        } else {
            cholesky(&rff, nf).ok_or_else(singular)?
        };
        let mut a = vec![0.0; nv * nf];
        for (q, &v) in varied.iter().enumerate() {
            let mut col: Vec<f64> = fixed.iter().map(|&f| r(f, v)).collect();
            if nf > 0 {
                cholesky_solve(&l_fixed, nf, &mut col);
            }
            a[q * nf..(q + 1) * nf].copy_from_slice(&col);
        }
        let mut s = vec![0.0; nv * nv];
        for p in 0..nv {
            for q in 0..nv {
                let adj: f64 = (0..nf)
                    .map(|f| a[p * nf + f] * r(fixed[f], varied[q]))
                    .sum();
                s[p * nv + q] = r(varied[p], varied[q]) - adj;
            }
        }
        // Symmetrise the rounding of the product before factoring.
        for p in 0..nv {
            for q in 0..p {
                let m = 0.5 * (s[p * nv + q] + s[q * nv + p]);
                s[p * nv + q] = m;
                s[q * nv + p] = m;
            }
        }
        let l_cond = cholesky(&s, nv).ok_or_else(|| {
            bad(format!(
                "corr: the inputs {varied:?} given {fixed:?} have a singular conditional \
                 covariance (a correlation too close to ±1)"
            ))
        })?;
        Ok(Conditional {
            varied,
            fixed,
            l_fixed,
            a,
            l_cond,
        })
    }

    /// Normal numbers one group consumes: the fixed scores once, the varied ones per inner draw.
    pub(crate) fn normals(&self, n_inner: usize) -> usize {
        self.fixed.len() + n_inner * self.varied.len()
    }

    /// One group: draws x_{−J} from its marginal, then `n_inner` draws of x_J given it, into
    /// `rows` (`n_inner` rows of k values). `eps` holds [`Conditional::normals`] standard
    /// normal numbers; `buf` is scratch.
    #[inline]
    pub(crate) fn group(
        &self,
        c: &Copula,
        eps: &[f64],
        n_inner: usize,
        rows: &mut [f64],
        buf: &mut Vec<f64>,
    ) {
        let k = c.k();
        let (nv, nf) = (self.varied.len(), self.fixed.len());
        buf.clear();
        buf.resize(nf + nv, 0.0);
        let (zf, mean) = buf.split_at_mut(nf);
        // Fixed scores z_f = L_f ε, and their values (the same in every inner row).
        for (i, z) in zf.iter_mut().enumerate() {
            *z = self.l_fixed[i * nf..i * nf + i + 1]
                .iter()
                .zip(eps)
                .map(|(a, b)| a * b)
                .sum();
        }
        for (p, mu) in mean.iter_mut().enumerate() {
            *mu = self.a[p * nf..(p + 1) * nf]
                .iter()
                .zip(zf.iter())
                .map(|(a, b)| a * b)
                .sum();
        }
        let first = &mut rows[..k];
        for (f, &i) in self.fixed.iter().enumerate() {
            first[i] = to_marginal(&c.dists[i], zf[f]);
        }
        for inner in 0..n_inner {
            let e = &eps[nf + inner * nv..nf + (inner + 1) * nv];
            let (before, row) = rows.split_at_mut(inner * k);
            let row = &mut row[..k];
            if inner > 0 {
                for &i in &self.fixed {
                    row[i] = before[i];
                }
            }
            for (p, &i) in self.varied.iter().enumerate() {
                let z = mean[p]
                    + self.l_cond[p * nv..p * nv + p + 1]
                        .iter()
                        .zip(e)
                        .map(|(a, b)| a * b)
                        .sum::<f64>();
                row[i] = to_marginal(&c.dists[i], z);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conditional law of a bivariate normal: Z₂ | Z₁ = z ~ N(ρ z, 1 − ρ²).
    #[test]
    fn bivariate_conditional() {
        let p = Problem::new(vec![
            super::super::Input::new("a", Distribution::Normal { mean: 0.0, sd: 1.0 }),
            super::super::Input::new("b", Distribution::Normal { mean: 0.0, sd: 1.0 }),
        ])
        .unwrap();
        let rho = 0.6;
        let c = Copula::new(&p, &Correlation::new(2, vec![1.0, rho, rho, 1.0]).unwrap()).unwrap();
        let cond = Conditional::new(&c, 0b10).unwrap();
        assert_eq!(
            (cond.varied.clone(), cond.fixed.clone()),
            (vec![1], vec![0])
        );
        assert!((cond.a[0] - rho).abs() < 1e-15);
        assert!((cond.l_cond[0] - (1.0 - rho * rho).sqrt()).abs() < 1e-15);
        let mut rows = vec![0.0; 4];
        let mut buf = vec![];
        cond.group(&c, &[2.0, 0.0, 1.0], 2, &mut rows, &mut buf);
        assert_eq!(rows[0], 2.0);
        assert_eq!(rows[2], 2.0);
        assert!((rows[1] - rho * 2.0).abs() < 1e-15);
        assert!((rows[3] - (rho * 2.0 + (1.0 - rho * rho).sqrt())).abs() < 1e-15);
    }
}
