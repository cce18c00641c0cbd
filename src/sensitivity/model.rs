//! Models: anything that maps a batch of input rows to a batch of output rows.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

use super::SensitivityError;

/// A model evaluated on batches of input rows (one row per sample, one column per input) into
/// batches of output rows (one column per output). Many outputs are analysed in one call.
///
/// Implement it for a type, or wrap a closure with [`FnModel`] (row by row, run on rayon's
/// threads) or [`BatchFnModel`] (a whole batch at once, as a vectorised Python callable is).
///
/// ```
/// use innodex::sensitivity::{Model, SensitivityError};
/// use ndarray::{ArrayView2, ArrayViewMut2, array, Array2};
/// struct Sum;
/// impl Model for Sum {
///     fn n_outputs(&self) -> usize { 1 }
///     fn evaluate(&self, x: ArrayView2<f64>, mut y: ArrayViewMut2<f64>) -> Result<(), SensitivityError> {
///         for (r, row) in x.rows().into_iter().enumerate() { y[[r, 0]] = row.sum(); }
///         Ok(())
///     }
/// }
/// let mut y = Array2::zeros((2, 1));
/// Sum.evaluate(array![[1.0, 2.0], [3.0, 4.0]].view(), y.view_mut()).unwrap();
/// assert_eq!(y, array![[3.0], [7.0]]);
/// ```
pub trait Model: Sync {
    /// Number of outputs (columns of `y`).
    fn n_outputs(&self) -> usize;

    /// Names of the outputs (default `y0`, `y1`, …).
    fn output_names(&self) -> Vec<String> {
        (0..self.n_outputs()).map(|i| format!("y{i}")).collect()
    }

    /// Evaluates the rows of `x` into the rows of `y` (`y` has `x.nrows()` rows and
    /// [`Model::n_outputs`] columns).
    ///
    /// # Errors
    /// Whatever the model reports; the caller checks shapes and NaN.
    fn evaluate(&self, x: ArrayView2<f64>, y: ArrayViewMut2<f64>) -> Result<(), SensitivityError>;

    /// Whether [`Model::evaluate`] may run on several batches at once, from different threads
    /// (default: no). Worth it for a model that is serial inside a batch but does not hold a
    /// shared lock throughout, such as a numpy model behind Python's GIL (numpy releases it in
    /// its loops); a model that is already parallel inside a batch gains nothing.
    fn concurrent_batches(&self) -> bool {
        false
    }
}

/// A model from a closure evaluated row by row (`f(x_row, y_row)`), in parallel over rows.
///
/// ```
/// use innodex::sensitivity::{FnModel, Model};
/// use ndarray::{array, Array2};
/// let m = FnModel::new(2, |x: &[f64], y: &mut [f64]| { y[0] = x[0] * x[1]; y[1] = x[0] + x[1]; });
/// let mut y = Array2::zeros((1, 2));
/// m.evaluate(array![[2.0, 3.0]].view(), y.view_mut()).unwrap();
/// assert_eq!(y, array![[6.0, 5.0]]);
/// ```
pub struct FnModel<F> {
    n_outputs: usize,
    names: Option<Vec<String>>,
    f: F,
}

impl<F> FnModel<F>
where
    F: Fn(&[f64], &mut [f64]) + Sync,
{
    /// Wraps `f`, which writes `n_outputs` values for one input row.
    pub fn new(n_outputs: usize, f: F) -> Self {
        FnModel {
            n_outputs,
            names: None,
            f,
        }
    }

    /// Names the outputs.
    ///
    /// ```
    /// use innodex::sensitivity::{FnModel, Model};
    /// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0]).with_names(&["gap"]);
    /// assert_eq!(m.output_names(), vec!["gap"]);
    /// ```
    pub fn with_names(mut self, names: &[&str]) -> Self {
        self.names = Some(names.iter().map(|s| s.to_string()).collect());
        self
    }
}

impl<F> Model for FnModel<F>
where
    F: Fn(&[f64], &mut [f64]) + Sync,
{
    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn output_names(&self) -> Vec<String> {
        match &self.names {
            Some(n) if n.len() == self.n_outputs => n.clone(),
            _ => (0..self.n_outputs).map(|i| format!("y{i}")).collect(),
        }
    }

    fn evaluate(
        &self,
        x: ArrayView2<f64>,
        mut y: ArrayViewMut2<f64>,
    ) -> Result<(), SensitivityError> {
        let k = x.ncols();
        let m = self.n_outputs;
        let (Some(xs), Some(ys)) = (x.as_slice(), y.as_slice_mut()) else {
            // Non-contiguous views: row by row, sequentially.
            let mut xb = vec![0.0; k];
            let mut yb = vec![0.0; m];
            for r in 0..x.nrows() {
                for c in 0..k {
                    xb[c] = x[[r, c]];
                }
                (self.f)(&xb, &mut yb);
                for c in 0..m {
                    y[[r, c]] = yb[c];
                }
            }
            return Ok(());
        };
        if m == 0 || k == 0 {
            return Ok(());
        }
        const ROWS: usize = 256;
        xs.par_chunks(ROWS * k)
            .zip(ys.par_chunks_mut(ROWS * m))
            .for_each(|(xc, yc)| {
                for (xr, yr) in xc.chunks_exact(k).zip(yc.chunks_exact_mut(m)) {
                    (self.f)(xr, yr);
                }
            });
        Ok(())
    }
}

/// A model from a closure that evaluates a whole batch (`f(x) -> y`, `y` with one row per row of
/// `x`), the shape of a vectorised Python or numpy function.
///
/// ```
/// use innodex::sensitivity::{BatchFnModel, Model};
/// use ndarray::{array, Array2, Axis};
/// let m = BatchFnModel::new(1, |x| Ok(x.sum_axis(Axis(1)).insert_axis(Axis(1))));
/// let mut y = Array2::zeros((2, 1));
/// m.evaluate(array![[1.0, 1.0], [2.0, 2.0]].view(), y.view_mut()).unwrap();
/// assert_eq!(y, array![[2.0], [4.0]]);
/// ```
pub struct BatchFnModel<F> {
    n_outputs: usize,
    f: F,
}

impl<F> BatchFnModel<F>
where
    F: Fn(ArrayView2<f64>) -> Result<Array2<f64>, SensitivityError> + Sync,
{
    /// Wraps `f`, which returns `x.nrows()` rows of `n_outputs` values.
    pub fn new(n_outputs: usize, f: F) -> Self {
        BatchFnModel { n_outputs, f }
    }
}

impl<F> Model for BatchFnModel<F>
where
    F: Fn(ArrayView2<f64>) -> Result<Array2<f64>, SensitivityError> + Sync,
{
    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn evaluate(
        &self,
        x: ArrayView2<f64>,
        mut y: ArrayViewMut2<f64>,
    ) -> Result<(), SensitivityError> {
        let out = (self.f)(x)?;
        copy_outputs(out.view(), y.view_mut())
    }
}

/// Copies a batch's outputs `out`, as a model returned them, into `y` (one row per input row,
/// one column per declared output), refusing any other shape.
///
/// # Errors
/// [`SensitivityError::WrongRowCount`] or [`SensitivityError::WrongOutputCount`].
///
/// ```
/// use innodex::sensitivity::copy_outputs;
/// use ndarray::{array, Array2};
/// let mut y = Array2::zeros((2, 1));
/// copy_outputs(array![[1.0], [2.0]].view(), y.view_mut()).unwrap();
/// assert_eq!(y, array![[1.0], [2.0]]);
/// assert!(copy_outputs(array![[1.0, 2.0]].view(), y.view_mut()).is_err());
/// ```
pub fn copy_outputs(
    out: ArrayView2<f64>,
    mut y: ArrayViewMut2<f64>,
) -> Result<(), SensitivityError> {
    if out.nrows() != y.nrows() {
        return Err(SensitivityError::WrongRowCount {
            expected: y.nrows(),
            got: out.nrows(),
        });
    }
    if out.ncols() != y.ncols() {
        return Err(SensitivityError::WrongOutputCount {
            expected: y.ncols(),
            got: out.ncols(),
        });
    }
    y.assign(&out);
    Ok(())
}
