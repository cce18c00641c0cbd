//! Imputation of missing values (OECD/JRC Handbook 2008, §1.4; COINr `Impute`).
//!
//! * cross-section: the indicator's mean or median over all units, or over the units of the
//!   same group (COINr `i_mean_grp`, `i_median_grp`): a unit is given the mean of the
//!   non-missing values of its group; a unit with no group label, or a group with no data for
//!   the indicator, stays missing;
//! * panel (several years): carry the latest earlier value forward, or interpolate linearly
//!   between the nearest earlier and later years, in both cases only across gaps of at most
//!   `max_years` when given (COINr `impute_panel`, `"latest"` and `"linear"`).
//!
//! Every imputed point is recorded.
//!
//! ```
//! use innodex::index::impute::{impute_column, Imputation};
//! let x = [1.0, f64::NAN, 3.0, f64::NAN, 10.0];
//! let groups = [Some("a"), Some("a"), Some("a"), Some("b"), Some("b")];
//! let (y, filled) = impute_column(&x, &Imputation::GroupMean { group: "g".into() }, Some(&groups));
//! assert_eq!(y, vec![1.0, 2.0, 3.0, 10.0, 10.0]);
//! assert_eq!(filled, vec![1, 3]);
//! let (y, _) = impute_column::<&str>(&x, &Imputation::Median, None);
//! assert_eq!(y[1], 3.0);
//! ```

use serde::{Deserialize, Serialize};

use super::stats;

/// An imputation method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Imputation {
    /// No imputation (an alternative in uncertainty analyses).
    None,
    /// The indicator's mean over all units.
    Mean,
    /// The indicator's median over all units.
    Median,
    /// The mean over the units of the same group (a group column of the unit data).
    GroupMean {
        /// The group column.
        group: String,
    },
    /// The median over the units of the same group.
    GroupMedian {
        /// The group column.
        group: String,
    },
    /// Panels only: the unit's latest earlier value.
    CarryForward {
        /// Largest gap in years to bridge (unlimited when absent).
        #[serde(default)]
        max_years: Option<u32>,
    },
    /// Panels only: linear interpolation between the unit's nearest earlier and later values;
    /// missing values before the first or after the last observation are left missing.
    Linear {
        /// Largest distance in years between the two observations used (unlimited if absent).
        #[serde(default)]
        max_years: Option<u32>,
    },
}

impl Imputation {
    /// Whether the method needs several years of data.
    pub fn is_panel(&self) -> bool {
        matches!(
            self,
            Imputation::CarryForward { .. } | Imputation::Linear { .. }
        )
    }

    /// The group column this method uses, if any.
    pub fn group(&self) -> Option<&str> {
        match self {
            Imputation::GroupMean { group } | Imputation::GroupMedian { group } => Some(group),
            _ => None,
        }
    }

    /// A short label.
    pub fn label(&self) -> String {
        match self {
            Imputation::None => "none".into(),
            Imputation::Mean => "mean".into(),
            Imputation::Median => "median".into(),
            Imputation::GroupMean { group } => format!("group mean ({group})"),
            Imputation::GroupMedian { group } => format!("group median ({group})"),
            Imputation::CarryForward { .. } => "carry forward".into(),
            Imputation::Linear { .. } => "linear interpolation".into(),
        }
    }
}

/// Imputes one column in a cross-section. `groups` gives each unit's group label (needed for
/// the group methods). Returns the column and the rows filled. Panel methods leave the column
/// unchanged (use [`impute_panel_column`]).
pub fn impute_column<S: AsRef<str>>(
    x: &[f64],
    method: &Imputation,
    groups: Option<&[Option<S>]>,
) -> (Vec<f64>, Vec<usize>) {
    let ids = groups.map(group_ids);
    impute_column_ids(x, method, ids.as_ref().map(|(g, n)| (g.as_slice(), *n)))
}

/// Group labels as dense ids (in order of first appearance) and the number of groups.
pub(crate) fn group_ids<S: AsRef<str>>(groups: &[Option<S>]) -> (Vec<Option<usize>>, usize) {
    let mut labels: Vec<&str> = Vec::new();
    let ids = groups
        .iter()
        .map(|g| {
            g.as_ref().map(|g| {
                let g = g.as_ref();
                match labels.iter().position(|l| *l == g) {
                    Some(i) => i,
                    None => {
                        labels.push(g);
                        labels.len() - 1
                    }
                }
            })
        })
        .collect();
    (ids, labels.len())
}

/// [`impute_column`] with groups given as dense ids.
pub(crate) fn impute_column_ids(
    x: &[f64],
    method: &Imputation,
    groups: Option<(&[Option<usize>], usize)>,
) -> (Vec<f64>, Vec<usize>) {
    let mut y = x.to_vec();
    let mut filled = Vec::new();
    if !x.iter().any(|v| v.is_nan()) {
        return (y, filled);
    }
    let fill = |y: &mut Vec<f64>, filled: &mut Vec<usize>, value: &dyn Fn(usize) -> f64| {
        for i in 0..x.len() {
            if x[i].is_nan() {
                let v = value(i);
                if !v.is_nan() {
                    y[i] = v;
                    filled.push(i);
                }
            }
        }
    };
    match method {
        Imputation::Mean => {
            let m = stats::mean(x);
            fill(&mut y, &mut filled, &|_| m);
        }
        Imputation::Median => {
            let m = stats::median(x);
            fill(&mut y, &mut filled, &|_| m);
        }
        Imputation::GroupMean { .. } | Imputation::GroupMedian { .. } => {
            let Some((ids, n_groups)) = groups else {
                return (y, filled);
            };
            // Members of each group in unit order, so the mean sums in the same order as
            // `stats::mean` over the group's values.
            let mut members: Vec<Vec<f64>> = vec![Vec::new(); n_groups];
            for (i, g) in ids.iter().enumerate() {
                if let Some(g) = g {
                    members[*g].push(x[i]);
                }
            }
            let centre: Vec<f64> = members
                .iter()
                .map(|m| {
                    if matches!(method, Imputation::GroupMean { .. }) {
                        stats::mean(m)
                    } else {
                        stats::median(m)
                    }
                })
                .collect();
            fill(&mut y, &mut filled, &|i| {
                ids[i].map_or(f64::NAN, |g| centre[g])
            });
        }
        Imputation::None | Imputation::CarryForward { .. } | Imputation::Linear { .. } => {}
    }
    (y, filled)
}

/// Imputes one unit's series over years (`years` ascending, `x[k]` the value in `years[k]`)
/// with a panel method. Returns the series and the positions filled.
///
/// ```
/// use innodex::index::impute::{impute_panel_column, Imputation};
/// let years = [2015, 2016, 2017, 2018, 2019];
/// let x = [1.0, f64::NAN, f64::NAN, 4.0, f64::NAN];
/// let (y, _) = impute_panel_column(&years, &x, &Imputation::Linear { max_years: None });
/// assert_eq!(&y[..4], &[1.0, 2.0, 3.0, 4.0]);
/// assert!(y[4].is_nan());
/// let (y, f) = impute_panel_column(&years, &x, &Imputation::CarryForward { max_years: Some(1) });
/// assert_eq!(y[1], 1.0);
/// assert!(y[2].is_nan());
/// assert_eq!(y[4], 4.0);
/// assert_eq!(f, vec![1, 4]);
/// ```
pub fn impute_panel_column(
    years: &[i32],
    x: &[f64],
    method: &Imputation,
) -> (Vec<f64>, Vec<usize>) {
    let mut y = x.to_vec();
    let mut filled = Vec::new();
    let obs: Vec<usize> = (0..x.len()).filter(|&k| !x[k].is_nan()).collect();
    for k in 0..x.len() {
        if !x[k].is_nan() {
            continue;
        }
        let before = obs.iter().rev().find(|&&j| years[j] < years[k]).copied();
        let after = obs.iter().find(|&&j| years[j] > years[k]).copied();
        match method {
            Imputation::CarryForward { max_years } => {
                if let Some(b) = before
                    && max_years.is_none_or(|m| (years[k] - years[b]) as i64 <= m as i64)
                {
                    y[k] = x[b];
                    filled.push(k);
                }
            }
            Imputation::Linear { max_years } => {
                if let (Some(b), Some(a)) = (before, after)
                    && max_years.is_none_or(|m| (years[a] - years[b]) as i64 <= m as i64)
                {
                    let t = (years[k] - years[b]) as f64 / (years[a] - years[b]) as f64;
                    y[k] = x[b] + t * (x[a] - x[b]);
                    filled.push(k);
                }
            }
            _ => {}
        }
    }
    (y, filled)
}
