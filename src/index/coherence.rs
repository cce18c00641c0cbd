//! Statistical coherence of a framework (OECD/JRC Handbook 2008, §4 "Multivariate analysis";
//! COINr `get_corr`, `get_cronbach`, `get_PCA`): correlations within and across levels,
//! Cronbach's alpha and principal components.
//!
//! Principal components use [`nalgebra`]'s `SymmetricEigen` on the correlation matrix. Why
//! nalgebra rather than a hand-written solver or `faer`: it is pure Rust (no BLAS/LAPACK to
//! install, which matters for the Python wheels), maintained by Dimforge with a long release
//! history, and its symmetric eigen-decomposition (Householder tridiagonalisation followed by
//! implicit symmetric QR) is accurate for the small dense matrices of a framework (tens of
//! indicators); `faer` is faster on large matrices but a far heavier build for no gain here.
//!
//! ```
//! use innodex::index::coherence::{cronbach_alpha, pca};
//! // Three perfectly correlated items x, 2x, x − 1: variances 5/3, 20/3, 5/3 and the sum 4x − 1
//! // has variance 80/3, so alpha = 3/2 · (1 − 10 / (80/3)) = 0.9375; one component explains all.
//! let a = [1.0, 2.0, 3.0, 4.0];
//! let b = [2.0, 4.0, 6.0, 8.0];
//! let c = [0.0, 1.0, 2.0, 3.0];
//! assert!((cronbach_alpha(&[&a, &b, &c]) - 0.9375).abs() < 1e-12);
//! let p = pca(&[&a, &b, &c]).unwrap();
//! assert!((p.explained[0] - 1.0).abs() < 1e-9);
//! ```

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use super::error::IndexError;
use super::pipeline::Build;
use super::stats;

/// A correlation coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationMethod {
    /// Pearson's product-moment correlation.
    #[default]
    Pearson,
    /// Spearman's rank correlation.
    Spearman,
}

/// Correlation of two variables over the pairs present in both.
pub fn correlation(x: &[f64], y: &[f64], method: CorrelationMethod) -> f64 {
    match method {
        CorrelationMethod::Pearson => stats::pearson(x, y),
        CorrelationMethod::Spearman => stats::spearman(x, y),
    }
}

/// A labelled correlation matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationMatrix {
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub cols: Vec<String>,
    /// `values[row][col]`.
    pub values: Vec<Vec<f64>>,
    /// The coefficient.
    pub method: CorrelationMethod,
}

/// Correlations between the scores of two sets of nodes of a build (pairwise complete).
///
/// # Errors
/// [`IndexError::Unknown`] for an unknown code.
pub fn correlations(
    b: &Build,
    rows: &[String],
    cols: &[String],
    method: CorrelationMethod,
) -> Result<CorrelationMatrix, IndexError> {
    let r: Vec<&[f64]> = rows.iter().map(|c| b.score(c)).collect::<Result<_, _>>()?;
    let c: Vec<&[f64]> = cols.iter().map(|c| b.score(c)).collect::<Result<_, _>>()?;
    Ok(CorrelationMatrix {
        rows: rows.to_vec(),
        cols: cols.to_vec(),
        values: r
            .iter()
            .map(|x| c.iter().map(|y| correlation(x, y, method)).collect())
            .collect(),
        method,
    })
}

/// Correlations among the nodes of one level (`level` 1 = indicators).
///
/// # Errors
/// [`IndexError::BadParameter`] for a level outside the framework.
pub fn within_level(
    b: &Build,
    level: u32,
    method: CorrelationMethod,
) -> Result<CorrelationMatrix, IndexError> {
    let fw = &b.framework;
    if level < 1 || level > fw.n_levels() {
        return Err(IndexError::bad(
            "level",
            format!("{level} is not in 1..={}", fw.n_levels()),
        ));
    }
    let codes: Vec<String> = fw
        .at_level(level)
        .iter()
        .map(|&i| fw.node(i).code.clone())
        .collect();
    correlations(b, &codes, &codes, method)
}

/// One node's correlation with an ancestor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeCorrelation {
    /// The node.
    pub code: String,
    /// The ancestor.
    pub with: String,
    /// The coefficient.
    pub value: f64,
}

/// The correlation of every node at `level` with its ancestor at `with_level` (e.g. each
/// indicator with its pillar: 1 and 2; each pillar with the index: 2 and the top level).
///
/// # Errors
/// [`IndexError::BadParameter`] unless `level < with_level ≤` the top level.
pub fn with_ancestors(
    b: &Build,
    level: u32,
    with_level: u32,
    method: CorrelationMethod,
) -> Result<Vec<NodeCorrelation>, IndexError> {
    let fw = &b.framework;
    if level < 1 || with_level <= level || with_level > fw.n_levels() {
        return Err(IndexError::bad(
            "levels",
            format!("need 1 ≤ {level} < {with_level} ≤ {}", fw.n_levels()),
        ));
    }
    Ok(fw
        .at_level(level)
        .into_iter()
        .filter_map(|i| {
            let a = fw.ancestor_at(i, with_level)?;
            Some(NodeCorrelation {
                code: fw.node(i).code.clone(),
                with: fw.node(a).code.clone(),
                value: correlation(&b.scores.values[i], &b.scores.values[a], method),
            })
        })
        .collect())
}

/// Rows where every column has a value.
fn complete_rows(cols: &[&[f64]]) -> Vec<usize> {
    let n = cols.first().map(|c| c.len()).unwrap_or(0);
    (0..n)
        .filter(|&r| cols.iter().all(|c| !c[r].is_nan()))
        .collect()
}

/// Cronbach's alpha of a set of variables over complete rows:
/// α = k/(k − 1) · (1 − Σ var(xᵢ) / var(Σ xᵢ)) (Cronbach 1951). `NaN` with fewer than two
/// variables or rows.
///
/// ```
/// use innodex::index::coherence::cronbach_alpha;
/// // var(x) = var(y) = 1, cov = 0.5: var(sum) = 3, alpha = 2·(1 − 2/3) = 2/3.
/// let x = [1.0, 2.0, 3.0, 2.0];
/// let y = [1.0, 3.0, 2.0, 2.0];
/// assert!((cronbach_alpha(&[&x, &y]) - 2.0 / 3.0).abs() < 1e-12);
/// ```
pub fn cronbach_alpha(cols: &[&[f64]]) -> f64 {
    let k = cols.len();
    let rows = complete_rows(cols);
    if k < 2 || rows.len() < 2 {
        return f64::NAN;
    }
    let sub: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| rows.iter().map(|&r| c[r]).collect())
        .collect();
    let sum_var: f64 = sub.iter().map(|c| stats::variance(c)).sum();
    let total: Vec<f64> = (0..rows.len())
        .map(|r| sub.iter().map(|c| c[r]).sum())
        .collect();
    let vt = stats::variance(&total);
    k as f64 / (k as f64 - 1.0) * (1.0 - sum_var / vt)
}

/// Cronbach's alpha of the children of an aggregate.
///
/// # Errors
/// [`IndexError::Unknown`].
pub fn cronbach_of(b: &Build, aggregate: &str) -> Result<f64, IndexError> {
    let i = b.framework.require(aggregate)?;
    let cols: Vec<&[f64]> = b
        .framework
        .node(i)
        .children
        .iter()
        .map(|&c| b.scores.values[c].as_slice())
        .collect();
    Ok(cronbach_alpha(&cols))
}

/// Principal components of standardised variables (the eigen-decomposition of their
/// correlation matrix over complete rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca {
    /// Eigenvalues (variances of the components), largest first; they sum to the number of
    /// variables.
    pub eigenvalues: Vec<f64>,
    /// Share of the total variance explained by each component.
    pub explained: Vec<f64>,
    /// Cumulative share.
    pub cumulative: Vec<f64>,
    /// Eigenvectors (`vectors[component][variable]`), each oriented so that its entries sum to
    /// a non-negative number.
    pub vectors: Vec<Vec<f64>>,
    /// Loadings: correlations of each variable with each component, eigenvector × √eigenvalue
    /// (`loadings[component][variable]`).
    pub loadings: Vec<Vec<f64>>,
    /// Rows used.
    pub n_obs: usize,
}

/// Principal component analysis of variables (columns) over complete rows.
///
/// # Errors
/// [`IndexError::BadParameter`] with fewer than two variables or three complete rows, or a
/// constant variable.
pub fn pca(cols: &[&[f64]]) -> Result<Pca, IndexError> {
    let k = cols.len();
    let rows = complete_rows(cols);
    if k < 2 || rows.len() < 3 {
        return Err(IndexError::bad(
            "pca",
            format!(
                "needs ≥ 2 variables and ≥ 3 complete rows (got {k} and {})",
                rows.len()
            ),
        ));
    }
    let sub: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| rows.iter().map(|&r| c[r]).collect())
        .collect();
    let mut corr = DMatrix::<f64>::identity(k, k);
    for a in 0..k {
        let s = stats::sd(&sub[a]);
        if s.is_nan() || s <= 0.0 {
            return Err(IndexError::bad(
                "pca",
                format!("variable {} is constant", a + 1),
            ));
        }
        for c in a + 1..k {
            let v = stats::pearson(&sub[a], &sub[c]);
            corr[(a, c)] = v;
            corr[(c, a)] = v;
        }
    }
    let eig = SymmetricEigen::new(corr);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let total: f64 = eig.eigenvalues.iter().sum();
    let mut out = Pca {
        eigenvalues: Vec::with_capacity(k),
        explained: Vec::with_capacity(k),
        cumulative: Vec::with_capacity(k),
        vectors: Vec::with_capacity(k),
        loadings: Vec::with_capacity(k),
        n_obs: rows.len(),
    };
    let mut cum = 0.0;
    for &j in &order {
        let lam = eig.eigenvalues[j].max(0.0);
        let mut v: Vec<f64> = eig.eigenvectors.column(j).iter().copied().collect();
        if v.iter().sum::<f64>() < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        cum += lam / total;
        out.eigenvalues.push(lam);
        out.explained.push(lam / total);
        out.cumulative.push(cum);
        out.loadings
            .push(v.iter().map(|x| x * lam.sqrt()).collect());
        out.vectors.push(v);
    }
    Ok(out)
}

/// PCA of the children of an aggregate (or, for the index's level, of any set of codes).
///
/// # Errors
/// As [`pca`]; [`IndexError::Unknown`] for an unknown code.
pub fn pca_of(b: &Build, codes: &[String]) -> Result<Pca, IndexError> {
    let cols: Vec<&[f64]> = codes.iter().map(|c| b.score(c)).collect::<Result<_, _>>()?;
    pca(&cols)
}
