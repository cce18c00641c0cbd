//! Designs: point sets in the unit hypercube, generated in batches by row range.

use ndarray::{Array2, s};
use rayon::prelude::*;

use super::{Model, Problem, SensitivityError};

pub mod lhs;
pub mod mc;
pub mod morris;
pub mod saltelli;

/// Rows per block when a batch is filled in parallel. Fixed, so the split never depends on the
/// number of threads (designs are random-access by row anyway).
const FILL_BLOCK: usize = 1024;

/// Most numbers one matrix of a design or of its outputs may hold: 2^28 (2 GiB of 8-byte
/// floats), so that a request that would exhaust memory is refused before anything is
/// allocated ([`SensitivityError::TooLarge`]). Designs are evaluated in batches, so only
/// [`Design::matrix`] (the whole design at once) and the outputs (which the bootstrap needs)
/// are held whole.
pub(crate) const MAX_MATRIX_CELLS: usize = 1 << 28;

/// The blocks of `block` consecutive rows that rows `start..start + rows` touch (empty for no
/// rows): a design drawn block by block fills any slice of its rows from these blocks alone.
pub(crate) fn blocks_touched(start: usize, rows: usize, block: usize) -> std::ops::Range<usize> {
    if rows == 0 {
        return 0..0;
    }
    start / block..(start + rows - 1) / block + 1
}

/// Refuses a `rows × columns` matrix of more than [`MAX_MATRIX_CELLS`] numbers, before it is
/// allocated, with a [`SensitivityError::TooLarge`] that states its size and the limit.
pub(crate) fn check_cells(
    what: &'static str,
    rows: usize,
    columns: usize,
    advice: &'static str,
) -> Result<(), SensitivityError> {
    if rows
        .checked_mul(columns)
        .is_none_or(|c| c > MAX_MATRIX_CELLS)
    {
        return Err(SensitivityError::TooLarge {
            what,
            rows: rows as u64,
            columns: columns as u64,
            limit: MAX_MATRIX_CELLS as u64,
            advice,
        });
    }
    Ok(())
}

/// Default rows per evaluation batch.
pub(crate) const DEFAULT_BATCH_ROWS: usize = 1 << 14;

/// A design: a fixed number of rows in the unit hypercube, any range of which can be generated
/// on its own (so a design is produced in batches and never held whole).
///
/// ```
/// use innodex::sensitivity::{Design, MonteCarloDesign};
/// let d = MonteCarloDesign::new(2, 10, 42).unwrap();
/// let mut rows = vec![0.0; 3 * 2];
/// d.fill_unit(4, &mut rows); // rows 4, 5, 6
/// let all = d.unit_matrix();
/// assert_eq!(&rows[..], all.slice(ndarray::s![4..7, ..]).as_slice().unwrap());
/// ```
pub trait Design: Sync {
    /// Number of rows.
    fn n_rows(&self) -> usize;

    /// Number of columns (inputs).
    fn n_inputs(&self) -> usize;

    /// Writes rows `start .. start + out.len() / n_inputs()` (row-major) in [0, 1)^k.
    /// Callers keep the range inside `0 .. n_rows()`.
    fn fill_unit(&self, start: usize, out: &mut [f64]);

    /// The whole design in the unit hypercube (convenient for small designs and for export;
    /// the analyses never need it).
    fn unit_matrix(&self) -> Array2<f64> {
        let k = self.n_inputs();
        let mut m = Array2::zeros((self.n_rows(), k));
        if let Some(sl) = m.as_slice_mut() {
            fill_parallel(self, 0, sl);
        }
        m
    }

    /// The whole design on the problem's scales (SALib's `sample` output).
    ///
    /// # Errors
    /// [`SensitivityError::InvalidProblem`] when the problem's size differs from the design's;
    /// [`SensitivityError::NonFiniteInput`] when a quantile is infinite;
    /// [`SensitivityError::TooLarge`] above 2^28 numbers (2 GiB; use the batches instead),
    /// before anything is allocated.
    fn matrix(&self, problem: &Problem) -> Result<Array2<f64>, SensitivityError> {
        check_problem(self, problem)?;
        check_cells(
            "the whole design",
            self.n_rows(),
            self.n_inputs(),
            "use a smaller N, or evaluate the design in batches (`Design::batches`, \
             `evaluate_design`, `SobolAnalysis::run`)",
        )?;
        let mut m = self.unit_matrix();
        if let Some(sl) = m.as_slice_mut() {
            transform_parallel(problem, 0, sl)?;
        }
        Ok(m)
    }

    /// Iterates over the design in batches of `batch_rows` rows on the problem's scales.
    ///
    /// ```
    /// use innodex::sensitivity::{Design, MonteCarloDesign, Problem};
    /// let p = Problem::uniform(&[("x", 0.0, 10.0)]).unwrap();
    /// let d = MonteCarloDesign::new(1, 5, 1).unwrap();
    /// let sizes: Vec<usize> = d.batches(&p, 2).map(|b| b.unwrap().1.nrows()).collect();
    /// assert_eq!(sizes, vec![2, 2, 1]);
    /// ```
    fn batches<'a>(&'a self, problem: &'a Problem, batch_rows: usize) -> DesignBatches<'a, Self>
    where
        Self: Sized,
    {
        DesignBatches {
            design: self,
            problem,
            batch_rows: batch_rows.max(1),
            next: 0,
        }
    }
}

/// Iterator over a design's batches: `(first row, rows on the problem's scales)`.
pub struct DesignBatches<'a, D: Design> {
    design: &'a D,
    problem: &'a Problem,
    batch_rows: usize,
    next: usize,
}

impl<D: Design> Iterator for DesignBatches<'_, D> {
    type Item = Result<(usize, Array2<f64>), SensitivityError>;

    fn next(&mut self) -> Option<Self::Item> {
        let n = self.design.n_rows();
        if self.next >= n {
            return None;
        }
        if let Err(e) = check_problem(self.design, self.problem) {
            self.next = n;
            return Some(Err(e));
        }
        let start = self.next;
        let rows = self.batch_rows.min(n - start);
        self.next += rows;
        let batch = design_batch(self.design, self.problem, start, rows);
        if batch.is_err() {
            self.next = n;
        }
        Some(batch.map(|m| (start, m)))
    }
}

/// Rows `start..start + rows` of a design on the problem's scales (the problem already
/// checked against the design).
fn design_batch<D: Design + ?Sized>(
    design: &D,
    problem: &Problem,
    start: usize,
    rows: usize,
) -> Result<Array2<f64>, SensitivityError> {
    let k = design.n_inputs();
    let mut buf = vec![0.0; rows * k];
    fill_parallel(design, start, &mut buf);
    transform_parallel(problem, start, &mut buf)?;
    // Shape is consistent by construction.
    Array2::from_shape_vec((rows, k), buf).map_err(|e| SensitivityError::InvalidOption {
        option: "batch",
        reason: e.to_string(),
    })
}

fn check_problem<D: Design + ?Sized>(
    design: &D,
    problem: &Problem,
) -> Result<(), SensitivityError> {
    if problem.len() != design.n_inputs() {
        return Err(SensitivityError::InvalidProblem(format!(
            "the design has {} inputs but the problem {}",
            design.n_inputs(),
            problem.len()
        )));
    }
    Ok(())
}

pub(crate) fn fill_parallel<D: Design + ?Sized>(design: &D, start: usize, out: &mut [f64]) {
    let k = design.n_inputs();
    if k == 0 {
        return;
    }
    out.par_chunks_mut(FILL_BLOCK * k)
        .enumerate()
        .for_each(|(b, chunk)| {
            design.fill_unit(start + b * FILL_BLOCK, chunk);
        });
}

pub(crate) fn transform_parallel(
    problem: &Problem,
    start: usize,
    out: &mut [f64],
) -> Result<(), SensitivityError> {
    let k = problem.len();
    let errs: Vec<SensitivityError> = out
        .par_chunks_mut(FILL_BLOCK * k)
        .enumerate()
        .filter_map(|(b, chunk)| {
            problem
                .transform_in_place(chunk, start + b * FILL_BLOCK)
                .err()
        })
        .collect();
    match errs.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Evaluates a model on every row of a design, in batches of `batch_rows` rows, and returns the
/// outputs (`n_rows × n_outputs`). At most two batches of inputs exist at a time: the one being
/// evaluated and the next.
///
/// # Errors
/// [`SensitivityError::TooLarge`] when the outputs (rows × outputs) would hold more than 2^28
/// numbers (2 GiB), before anything is allocated or evaluated;
/// [`SensitivityError::WrongRowCount`]/[`SensitivityError::WrongOutputCount`] when the model
/// returns the wrong shape, [`SensitivityError::NonFiniteOutput`] for NaN or infinite
/// outputs, and the model's own errors.
///
/// ```
/// use innodex::sensitivity::{evaluate_design, FnModel, MonteCarloDesign, Problem};
/// let p = Problem::uniform(&[("x", 0.0, 1.0)]).unwrap();
/// let d = MonteCarloDesign::new(1, 100, 3).unwrap();
/// let y = evaluate_design(&p, &d, &FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = 2.0 * x[0]), 16).unwrap();
/// assert_eq!(y.dim(), (100, 1));
/// let bad = FnModel::new(1, |_x: &[f64], y: &mut [f64]| y[0] = f64::NAN);
/// assert!(evaluate_design(&p, &d, &bad, 16).is_err());
/// ```
pub fn evaluate_design<D, M>(
    problem: &Problem,
    design: &D,
    model: &M,
    batch_rows: usize,
) -> Result<Array2<f64>, SensitivityError>
where
    D: Design,
    M: Model + ?Sized,
{
    let m = model.n_outputs();
    if m == 0 {
        return Err(SensitivityError::InvalidOption {
            option: "model",
            reason: "the model declares no outputs".into(),
        });
    }
    check_cells(
        "the model outputs",
        design.n_rows(),
        m,
        "use a smaller N or fewer outputs",
    )?;
    let mut y = Array2::zeros((design.n_rows(), m));
    if model.concurrent_batches() {
        check_problem(design, problem)?;
        let batch_rows = batch_rows.max(1);
        // Each batch generates its own rows and writes its own outputs: the outputs do not
        // depend on which thread evaluates which batch, nor in what order.
        let chunks: Vec<_> = y
            .axis_chunks_iter_mut(ndarray::Axis(0), batch_rows)
            .collect();
        let errors: Vec<SensitivityError> = chunks
            .into_par_iter()
            .enumerate()
            .filter_map(|(b, mut yb)| {
                let start = b * batch_rows;
                design_batch(design, problem, start, yb.nrows())
                    .and_then(|x| model.evaluate(x.view(), yb.view_mut()))
                    .and_then(|()| check_finite(yb.view(), start))
                    .err()
            })
            .collect();
        return match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(y),
        };
    }
    let mut batches = design.batches(problem, batch_rows);
    let mut next = batches.next();
    while let Some(batch) = next {
        let (start, x) = batch?;
        let rows = x.nrows();
        let mut yb = y.slice_mut(s![start..start + rows, ..]);
        // The next batch is generated on another thread while the model evaluates this one
        // (a Python model holds one core, and generation is a tenth of a cheap model's time).
        let (evaluated, following) = rayon::join(
            || {
                model.evaluate(x.view(), yb.view_mut())?;
                check_finite(yb.view(), start)
            },
            || batches.next(),
        );
        evaluated?;
        next = following;
    }
    Ok(y)
}

pub(crate) fn check_finite(
    y: ndarray::ArrayView2<f64>,
    first_row: usize,
) -> Result<(), SensitivityError> {
    // A contiguous matrix is scanned as one slice (vectorised); only a failure is located.
    if let Some(all) = y.as_slice()
        && all.iter().all(|v| v.is_finite())
    {
        return Ok(());
    }
    for ((r, c), v) in y.indexed_iter() {
        if !v.is_finite() {
            return Err(SensitivityError::NonFiniteOutput {
                row: first_row + r,
                output: c,
                value: *v,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::blocks_touched;

    #[test]
    fn blocks_touched_covers_exactly_the_rows() {
        assert_eq!(blocks_touched(1000, 100, 1024), 0..2); // rows 1000..1100 straddle two blocks
        assert_eq!(blocks_touched(1024, 1024, 1024), 1..2);
        assert_eq!(blocks_touched(5, 0, 1024), 0..0);
        assert_eq!(blocks_touched(7, 1, 6), 1..2);
    }
}
