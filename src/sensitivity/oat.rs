//! One-at-a-time sensitivity: tornado diagrams and two-input grids.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::design::check_finite;
use super::{Model, SensitivityError};

/// One bar of a tornado: an input moved to its low and its high value, the others at base.
///
/// ```
/// use innodex::sensitivity::{tornado, FnModel};
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = -3.0 * x[0]);
/// let bar = &tornado(&["a"], &[0.0], &[-1.0], &[1.0], &m).unwrap()[0].bars[0];
/// assert_eq!((bar.output_low, bar.output_high, bar.swing), (3.0, -3.0, 6.0));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TornadoBar {
    /// Input name.
    pub name: String,
    /// The input's low value.
    pub low_input: f64,
    /// The input's high value.
    pub high_input: f64,
    /// Output with the input at its low value.
    pub output_low: f64,
    /// Output with the input at its high value.
    pub output_high: f64,
    /// |output_high − output_low|.
    pub swing: f64,
}

/// A tornado for one output: bars sorted by decreasing swing (see [`tornado`]).
///
/// ```
/// use innodex::sensitivity::{tornado, FnModel};
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0] + x[1]);
/// let t = &tornado(&["a", "b"], &[1.0, 1.0], &[0.0, 0.0], &[2.0, 3.0], &m).unwrap()[0];
/// assert_eq!(t.base_output, 2.0);
/// assert_eq!(t.bars[0].name, "b");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tornado {
    /// Output name.
    pub output: String,
    /// Output with every input at base.
    pub base_output: f64,
    /// Bars, largest swing first.
    pub bars: Vec<TornadoBar>,
}

/// One-at-a-time tornado: each input in turn at its `low` and `high` value with the others at
/// `base`; one [`Tornado`] per model output, bars sorted by swing. The model runs once, on a
/// batch of 2k + 1 rows.
///
/// # Errors
/// [`SensitivityError::InvalidOption`] for mismatched lengths, model errors, NaN outputs.
///
/// ```
/// use innodex::sensitivity::{tornado, FnModel};
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0] + 10.0 * x[1]);
/// let t = tornado(&["a", "b"], &[0.0, 0.0], &[-1.0, -1.0], &[1.0, 1.0], &m).unwrap();
/// assert_eq!(t[0].bars[0].name, "b");
/// assert_eq!(t[0].bars[0].swing, 20.0);
/// assert_eq!(t[0].bars[1].swing, 2.0);
/// ```
pub fn tornado<M: Model + ?Sized>(
    names: &[&str],
    base: &[f64],
    low: &[f64],
    high: &[f64],
    model: &M,
) -> Result<Vec<Tornado>, SensitivityError> {
    let k = names.len();
    if base.len() != k || low.len() != k || high.len() != k || k == 0 {
        return Err(SensitivityError::InvalidOption {
            option: "tornado",
            reason: format!(
                "names, base, low and high must have one entry per input ({k}); got {}, {}, {}",
                base.len(),
                low.len(),
                high.len()
            ),
        });
    }
    let mut x = Array2::zeros((2 * k + 1, k));
    for r in 0..2 * k + 1 {
        for c in 0..k {
            x[[r, c]] = base[c];
        }
    }
    for i in 0..k {
        x[[1 + 2 * i, i]] = low[i];
        x[[2 + 2 * i, i]] = high[i];
    }
    let y = run(model, &x)?;
    let out_names = model.output_names();
    Ok((0..y.ncols())
        .map(|o| {
            let mut bars: Vec<TornadoBar> = (0..k)
                .map(|i| {
                    let (yl, yh) = (y[[1 + 2 * i, o]], y[[2 + 2 * i, o]]);
                    TornadoBar {
                        name: names[i].to_string(),
                        low_input: low[i],
                        high_input: high[i],
                        output_low: yl,
                        output_high: yh,
                        swing: (yh - yl).abs(),
                    }
                })
                .collect();
            bars.sort_by(|a, b| b.swing.total_cmp(&a.swing));
            Tornado {
                output: out_names.get(o).cloned().unwrap_or_else(|| format!("y{o}")),
                base_output: y[[0, o]],
                bars,
            }
        })
        .collect())
}

fn run<M: Model + ?Sized>(model: &M, x: &Array2<f64>) -> Result<Array2<f64>, SensitivityError> {
    let m = model.n_outputs();
    if m == 0 {
        return Err(SensitivityError::InvalidOption {
            option: "model",
            reason: "the model declares no outputs".into(),
        });
    }
    let mut y = Array2::zeros((x.nrows(), m));
    model.evaluate(x.view(), y.view_mut())?;
    check_finite(y.view(), 0)?;
    Ok(y)
}

/// A two-input grid of one output: `z[[iy, ix]]` at (`x_values[ix]`, `y_values[iy]`).
///
/// ```
/// use innodex::sensitivity::{grid2, FnModel};
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0] - x[1]);
/// let g = &grid2(&["a", "b"], &[0.0, 0.0], 0, &[1.0, 2.0], 1, &[0.0], &m).unwrap()[0];
/// assert_eq!(g.z.row(0).to_vec(), vec![1.0, 2.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Output name.
    pub output: String,
    /// Name of the input on the x axis.
    pub x_name: String,
    /// Name of the input on the y axis.
    pub y_name: String,
    /// Values of the x input.
    pub x_values: Vec<f64>,
    /// Values of the y input.
    pub y_values: Vec<f64>,
    /// Output, one row per y value.
    pub z: Array2<f64>,
}

impl Grid {
    /// For each x value, the y value where the output first crosses `level` along the y axis
    /// (linear interpolation between grid points), or `None` if it does not cross.
    ///
    /// ```
    /// use innodex::sensitivity::{grid2, FnModel};
    /// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0] + x[1]);
    /// let g = &grid2(&["a", "b"], &[0.0, 0.0], 0, &[0.0, 1.0], 1, &[0.0, 1.0, 2.0], &m).unwrap()[0];
    /// assert_eq!(g.contour(1.5), vec![Some(1.5), Some(0.5)]);
    /// assert_eq!(g.contour(10.0), vec![None, None]);
    /// ```
    pub fn contour(&self, level: f64) -> Vec<Option<f64>> {
        (0..self.x_values.len())
            .map(|ix| {
                for iy in 0..self.y_values.len().saturating_sub(1) {
                    let (z0, z1) = (self.z[[iy, ix]] - level, self.z[[iy + 1, ix]] - level);
                    if z0 == 0.0 {
                        return Some(self.y_values[iy]);
                    }
                    if z0 * z1 < 0.0 || z1 == 0.0 {
                        let t = z0 / (z0 - z1);
                        return Some(
                            self.y_values[iy] + t * (self.y_values[iy + 1] - self.y_values[iy]),
                        );
                    }
                }
                None
            })
            .collect()
    }
}

/// A two-input grid: inputs `ix` and `iy` over `x_values` × `y_values`, the others at `base`;
/// one [`Grid`] per model output. The model runs once, on one batch.
///
/// # Errors
/// [`SensitivityError::InvalidOption`] for bad indices or lengths, model errors, NaN.
///
/// ```
/// use innodex::sensitivity::{grid2, FnModel};
/// let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0] * x[1]);
/// let g = grid2(&["a", "b"], &[1.0, 1.0], 0, &[1.0, 2.0], 1, &[3.0, 4.0, 5.0], &m).unwrap();
/// assert_eq!(g[0].z[[2, 1]], 10.0);
/// ```
pub fn grid2<M: Model + ?Sized>(
    names: &[&str],
    base: &[f64],
    ix: usize,
    x_values: &[f64],
    iy: usize,
    y_values: &[f64],
    model: &M,
) -> Result<Vec<Grid>, SensitivityError> {
    let k = names.len();
    if base.len() != k
        || ix >= k
        || iy >= k
        || ix == iy
        || x_values.is_empty()
        || y_values.is_empty()
    {
        return Err(SensitivityError::InvalidOption {
            option: "grid",
            reason: "need one base value per input, two distinct input indices and non-empty value lists"
                .into(),
        });
    }
    let (nx, ny) = (x_values.len(), y_values.len());
    let mut x = Array2::zeros((nx * ny, k));
    for (a, &yv) in y_values.iter().enumerate() {
        for (b, &xv) in x_values.iter().enumerate() {
            let r = a * nx + b;
            for (c, &bv) in base.iter().enumerate() {
                x[[r, c]] = bv;
            }
            x[[r, ix]] = xv;
            x[[r, iy]] = yv;
        }
    }
    let y = run(model, &x)?;
    let out_names = model.output_names();
    Ok((0..y.ncols())
        .map(|o| {
            let z = Array2::from_shape_fn((ny, nx), |(a, b)| y[[a * nx + b, o]]);
            Grid {
                output: out_names.get(o).cloned().unwrap_or_else(|| format!("y{o}")),
                x_name: names[ix].to_string(),
                y_name: names[iy].to_string(),
                x_values: x_values.to_vec(),
                y_values: y_values.to_vec(),
                z,
            }
        })
        .collect())
}
