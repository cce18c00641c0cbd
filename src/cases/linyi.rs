//! The Linyi case: R&D spending as a share of GDP must reach or exceed Shandong's average by
//! 2025 (base year 2020).
//!
//! Linyi's 2020 R&D share is **not publicly known**: the required-growth arithmetic
//! ([`required_rd_growth_grid`]) takes it as an input over an assumed range. The gap model
//! ([`GapModel`], [`gap_problem`]) starts instead from the latest evidence, Linyi's 2024 share
//! derived from two published figures, within a stated range.
//!
//! The embedded plan and scenario files are [`PLAN_TOML`] and [`SCENARIOS_TOML`].

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use crate::ratio::*;
use crate::sensitivity::{Distribution, Input, Model, Problem, SensitivityError};

case_files!(linyi, "linyi-2021-2025", "linyi.toml");

/// Base year of the plan.
pub const BASE_YEAR: i32 = 2020;
/// Target year of the plan.
pub const TARGET_YEAR: i32 = 2025;
/// Shandong's R&D intensity in 2020 (%, first published; NBS/MOST/MOF bulletin).
pub const SHANDONG_2020: f64 = 2.30;

/// Shandong's R&D intensity series (years, %) from the embedded plan (2015–2023, first
/// published vintage), restricted to `from_year ..= to_year`.
///
/// ```
/// let (years, v) = innodex::cases::linyi::shandong_series(2020, 2023);
/// assert_eq!(years, vec![2020, 2021, 2022, 2023]);
/// assert_eq!(v, vec![2.30, 2.34, 2.49, 2.59]);
/// ```
pub fn shandong_series(from_year: i32, to_year: i32) -> (Vec<i32>, Vec<f64>) {
    let plan = Plan::linyi();
    let mut years = vec![];
    let mut values = vec![];
    if let Some(s) = plan.series("shandong_rd_share") {
        for p in s.points() {
            if p.year >= from_year && p.year <= to_year {
                years.push(p.year);
                values.push(p.value);
            }
        }
    }
    (years, values)
}

/// A log-linear trend of Shandong's intensity fitted from `from_year` to 2023. Starting in
/// 2019 avoids the 2018–2019 statistical break (data verification and the 4th economic
/// census), which a fit from 2015 would read as a slowdown.
///
/// # Errors
/// Fewer than three points in the window.
///
/// ```
/// let tr = innodex::cases::linyi::shandong_trend(2019).unwrap();
/// assert!(tr.cagr() > 0.03 && tr.cagr() < 0.06);
/// ```
pub fn shandong_trend(from_year: i32) -> Result<LogLinearTrend, RatioError> {
    let (y, v) = shandong_series(from_year, 2023);
    reference_trend(&y, &v)
}

/// Required Linyi R&D growth (a year, 2020–2025) to reach `reference_2025`, for each
/// baseline share (rows) and GDP growth rate (columns).
///
/// # Errors
/// Non-positive shares, GDP growth ≤ −100 %.
///
/// ```
/// let g = innodex::cases::linyi::required_rd_growth_grid(&[0.05, 0.06], &[2.0], 2.7).unwrap();
/// assert!((g[[0, 1]] - (1.06 * (2.7f64 / 2.0).powf(0.2) - 1.0)).abs() < 1e-15);
/// ```
pub fn required_rd_growth_grid(
    gdp_growths: &[f64],
    baselines: &[f64],
    reference_2025: f64,
) -> Result<Array2<f64>, RatioError> {
    let mut out = Array2::zeros((baselines.len(), gdp_growths.len()));
    for (i, &s0) in baselines.iter().enumerate() {
        for (j, &gy) in gdp_growths.iter().enumerate() {
            out[[i, j]] =
                required_numerator_growth(s0, reference_2025, gy, BASE_YEAR, TARGET_YEAR)?;
        }
    }
    Ok(out)
}

/// Names of the inputs of [`GapModel`], in order.
pub const GAP_INPUTS: [&str; 4] = [
    "rd_growth",
    "gdp_growth",
    "start_share",
    "shandong_increment",
];

/// The evidence the gap model starts from, read from the embedded plan: Linyi's latest
/// exact R&D share (2024: 146.6 / 6555.8 = 2.236 %, derived from two published figures)
/// and Shandong's latest published intensity (2.59 % in 2023). The Monte Carlo
/// projection of the report starts from the same figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GapStart {
    /// Year of Linyi's latest exact share.
    pub share_year: i32,
    /// Linyi's share in that year (%).
    pub share: f64,
    /// Year of Shandong's latest published intensity.
    pub reference_year: i32,
    /// Shandong's intensity in that year (%).
    pub reference: f64,
}

impl GapStart {
    /// The start from a plan's `rd_share` and `shandong_rd_share` evidence (exact figures
    /// only), or `None` when either is missing.
    pub fn from_plan(plan: &Plan) -> Option<GapStart> {
        let last = |id: &str| {
            plan.series(id)?
                .points()
                .iter()
                .rev()
                .find(|p| p.bound.is_exact() && p.year <= TARGET_YEAR)
                .map(|p| (p.year, p.value))
        };
        let (share_year, share) = last("rd_share")?;
        let (reference_year, reference) = last("shandong_rd_share")?;
        Some(GapStart {
            share_year,
            share,
            reference_year,
            reference,
        })
    }
}

/// The start from the embedded Linyi plan's evidence.
pub fn gap_start() -> GapStart {
    static START: std::sync::LazyLock<GapStart> = std::sync::LazyLock::new(|| {
        GapStart::from_plan(&Plan::linyi()).expect("the embedded plan has both shares (tested)")
    });
    *START
}

/// Linyi's 2025 gap to Shandong as a model for the sensitivity tools, from the evidence of
/// [`gap_start`].
///
/// Inputs (in [`GAP_INPUTS`] order): Linyi's nominal R&D growth a year and its nominal GDP
/// growth a year from the start year to 2025, its share in the start year (%), and
/// Shandong's yearly increase (percentage points) from its latest value. Outputs: the gap
/// in percentage points (Linyi − Shandong, 2025; > 0 meets the target), Linyi's 2025
/// share, Shandong's 2025 share.
///
/// ```
/// use innodex::cases::linyi::{GapModel, gap_start};
/// use innodex::sensitivity::Model;
/// use ndarray::{array, Array2};
/// let s = gap_start();
/// assert_eq!((s.share_year, s.reference_year), (2024, 2023));
/// let mut y = Array2::zeros((1, 3));
/// // Equal growth of R&D and GDP keeps Linyi at its start; Shandong adds 2 × 0.1 pp.
/// GapModel.evaluate(array![[0.1, 0.1, 2.0, 0.1]].view(), y.view_mut()).unwrap();
/// assert!((y[[0, 1]] - 2.0).abs() < 1e-12);
/// assert!((y[[0, 2]] - (s.reference + 0.2)).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct GapModel;

impl Model for GapModel {
    fn n_outputs(&self) -> usize {
        3
    }

    fn output_names(&self) -> Vec<String> {
        vec![
            "gap_pp".into(),
            "linyi_share_2025".into(),
            "shandong_share_2025".into(),
        ]
    }

    fn evaluate(
        &self,
        x: ndarray::ArrayView2<f64>,
        mut y: ndarray::ArrayViewMut2<f64>,
    ) -> Result<(), SensitivityError> {
        check_gap_inputs(x.ncols())?;
        let start = gap_start();
        let n = TARGET_YEAR - start.share_year;
        let m = (TARGET_YEAR - start.reference_year) as f64;
        for (r, row) in x.rows().into_iter().enumerate() {
            let (gr, gy, s0, inc) = (row[0], row[1], row[2], row[3]);
            let linyi = s0 * ((1.0 + gr) / (1.0 + gy)).powi(n);
            let sd = start.reference + inc * m;
            y[[r, 0]] = linyi - sd;
            y[[r, 1]] = linyi;
            y[[r, 2]] = sd;
        }
        Ok(())
    }
}

/// The uncertain inputs of [`GapModel`] with stated ranges (all uniform), around the
/// evidence of [`gap_start`]:
/// - R&D growth 0–20 % a year: 2024 was +13.1 % on 2023 (Dazhong Daily, 2025-01-20);
/// - GDP growth 3–8 % a year (nominal): 2020–2024 averaged 8.1 % nominal (4805 → 6556);
/// - start share: the derived 2024 share (2.236 %) ± 0.15 points — 2.221 % with the
///   preliminary GDP, and the R&D figure may describe the statistical year 2023 (local
///   R&D statistics lag), which would put the 2024 share near 2.4 %;
/// - Shandong's yearly increase 0.04–0.16 points: its yearly increases 2020–2023 were
///   0.04, 0.15 and 0.10 (OLS slope 0.102).
///
/// ```
/// let p = innodex::cases::linyi::gap_problem();
/// assert_eq!(p.names(), innodex::cases::linyi::GAP_INPUTS.to_vec());
/// ```
pub fn gap_problem() -> Problem {
    let u = |name: &str, lower: f64, upper: f64| {
        Input::new(name, Distribution::Uniform { lower, upper })
    };
    let s0 = gap_start().share;
    // The ranges satisfy lower < upper for any positive share: this cannot fail.
    Problem::new(vec![
        u(GAP_INPUTS[0], 0.0, 0.20),
        u(GAP_INPUTS[1], 0.03, 0.08),
        u(GAP_INPUTS[2], s0 - 0.15, s0 + 0.15),
        u(GAP_INPUTS[3], 0.04, 0.16),
    ])
    .unwrap_or_else(|_| unreachable!("constant valid ranges"))
}

/// What drives Linyi's 2025 gap to the Shandong average: a tornado over the stated ranges
/// of [`gap_problem`] and Sobol' indices (first and total order, with bootstrap intervals)
/// of the gap, for the `innodex report` output. The share of a uniform random
/// sample (plain Monte Carlo, 2n draws) is the probability of meeting the target if every
/// input were uniform over its range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapSensitivity {
    /// Input names, in [`GAP_INPUTS`] order.
    pub inputs: Vec<String>,
    /// The stated range of each input.
    pub ranges: Vec<(f64, f64)>,
    /// Gap (percentage points) with every input at its mid-range value.
    pub base_gap: f64,
    /// Tornado bars of the gap, largest swing first.
    pub tornado: Vec<crate::sensitivity::TornadoBar>,
    /// First-order Sobol' indices of the gap.
    pub s1: Vec<f64>,
    /// Their bootstrap half-widths (95 %).
    pub s1_conf: Vec<f64>,
    /// Total-order Sobol' indices of the gap.
    pub st: Vec<f64>,
    /// Their bootstrap half-widths (95 %).
    pub st_conf: Vec<f64>,
    /// Share of 2n uniform random draws over the ranges whose gap is > 0 (the target is
    /// "exceed").
    pub share_meeting_target: f64,
    /// The evidence the model starts from.
    pub start: GapStart,
    /// Base sample size of the Sobol' design.
    pub n: usize,
    /// Seed of the scrambling and the bootstrap.
    pub seed: u64,
}

/// Computes [`GapSensitivity`] with a Saltelli design of base size `n` (a power of two).
///
/// # Errors
/// As [`crate::sensitivity::SobolAnalysis::run`].
///
/// ```
/// let g = innodex::cases::linyi::gap_sensitivity(1 << 10, 1).unwrap();
/// assert_eq!(g.tornado[0].name, "rd_growth");
/// assert!(g.st[0] > g.st[1]);
/// ```
pub fn gap_sensitivity(n: usize, seed: u64) -> Result<GapSensitivity, SensitivityError> {
    use crate::sensitivity::{MonteCarloDesign, SobolAnalysis, evaluate_design, tornado};
    let p = gap_problem();
    let base: Vec<f64> = p.inputs().iter().map(|i| i.distribution.median()).collect();
    let ranges: Vec<(f64, f64)> = p
        .inputs()
        .iter()
        .map(|i| i.distribution.low_high())
        .collect();
    let (lo, hi): (Vec<f64>, Vec<f64>) = ranges.iter().copied().unzip();
    let t = tornado(&GAP_INPUTS, &base, &lo, &hi, &GapModel)?;
    let analysis = SobolAnalysis::new(p.clone(), n)
        .seed(seed)
        .n_bootstrap(200)
        .second_order(false);
    let res = analysis.run(&GapModel)?;
    let gap = &res.outputs[0];
    let share_meeting_target = {
        let design = MonteCarloDesign::new(GAP_INPUTS.len(), 2 * n, seed)?;
        let y = evaluate_design(&p, &design, &GapModel, 4096)?;
        y.column(0).iter().filter(|v| **v > 0.0).count() as f64 / y.nrows() as f64
    };
    Ok(GapSensitivity {
        inputs: GAP_INPUTS.iter().map(|s| s.to_string()).collect(),
        ranges,
        base_gap: t[0].base_output,
        tornado: t[0].bars.clone(),
        s1: gap.s1.clone(),
        s1_conf: gap.s1_conf.clone(),
        st: gap.st.clone(),
        st_conf: gap.st_conf.clone(),
        share_meeting_target,
        start: gap_start(),
        n,
        seed,
    })
}

// ------------------------------------------------------------------ the gap, year by year

/// Both gap models take the four inputs of [`GAP_INPUTS`].
fn check_gap_inputs(k: usize) -> Result<(), SensitivityError> {
    if k == GAP_INPUTS.len() {
        Ok(())
    } else {
        Err(SensitivityError::InvalidProblem(format!(
            "the gap model has {} inputs, got {k}",
            GAP_INPUTS.len()
        )))
    }
}

/// The years of [`GapPathModel`]: the plan period after the base year.
pub const GAP_YEARS: [i32; 5] = [2021, 2022, 2023, 2024, 2025];

/// Shandong's published intensity in `year`, from the embedded plan (None after its latest
/// published year).
fn shandong_published(year: i32) -> Option<f64> {
    static SERIES: std::sync::LazyLock<Vec<(i32, f64)>> = std::sync::LazyLock::new(|| {
        let (y, v) = shandong_series(BASE_YEAR, TARGET_YEAR);
        y.into_iter().zip(v).collect()
    });
    SERIES.iter().find(|(y, _)| *y == year).map(|(_, v)| *v)
}

/// Linyi's R&D-share gap to Shandong in each year 2021–2025 ([`GAP_YEARS`]), with the inputs of
/// [`GapModel`] (in [`GAP_INPUTS`] order) and the same evidence ([`gap_start`]).
///
/// Linyi's share follows one constant-rate path through its derived share in the start year
/// (2024): s_t = s_start · ((1 + g_R)/(1 + g_Y))^(t − start), so the years before the start are
/// the shares that path implies (its evidence is one exact share, not a series). Shandong's
/// intensity is its published value up to its latest year (2023) and grows by the yearly
/// increase after it. The 2025 output is computed with the very arithmetic of [`GapModel`]'s
/// gap, so its Sobol' indices equal those of the report's 2025 section exactly.
///
/// ```
/// use innodex::cases::linyi::{GapModel, GapPathModel, gap_start};
/// use innodex::sensitivity::Model;
/// use ndarray::{array, Array2};
/// let x = array![[0.1, 0.05, 2.2, 0.1]];
/// let (mut y, mut g) = (Array2::zeros((1, 5)), Array2::zeros((1, 3)));
/// GapPathModel.evaluate(x.view(), y.view_mut()).unwrap();
/// GapModel.evaluate(x.view(), g.view_mut()).unwrap();
/// assert_eq!(y[[0, 4]], g[[0, 0]]); // 2025: the same number, bit for bit
/// // 2024: Linyi at its start share, Shandong one increase above 2023.
/// assert!((y[[0, 3]] - (2.2 - gap_start().reference - 0.1)).abs() < 1e-12);
/// // 2022: Shandong's published 2.49 %.
/// assert!((y[[0, 1]] - (2.2 * (1.05f64 / 1.1).powi(2) - 2.49)).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct GapPathModel;

impl Model for GapPathModel {
    fn n_outputs(&self) -> usize {
        GAP_YEARS.len()
    }

    fn output_names(&self) -> Vec<String> {
        GAP_YEARS.iter().map(|y| format!("gap_{y}")).collect()
    }

    fn evaluate(
        &self,
        x: ndarray::ArrayView2<f64>,
        mut y: ndarray::ArrayViewMut2<f64>,
    ) -> Result<(), SensitivityError> {
        check_gap_inputs(x.ncols())?;
        let start = gap_start();
        for (r, row) in x.rows().into_iter().enumerate() {
            let (gr, gy, s0, inc) = (row[0], row[1], row[2], row[3]);
            for (t, &year) in GAP_YEARS.iter().enumerate() {
                // As GapModel: s0 · ratio^n and reference + increase · m.
                let n = year - start.share_year;
                let linyi = s0 * ((1.0 + gr) / (1.0 + gy)).powi(n);
                let sd = match shandong_published(year) {
                    Some(v) if year <= start.reference_year => v,
                    _ => start.reference + inc * (year - start.reference_year) as f64,
                };
                y[[r, t]] = linyi - sd;
            }
        }
        Ok(())
    }
}

/// Which input drives Linyi's R&D-share gap in each year 2021–2025: Sobol' indices of
/// [`GapPathModel`] over the ranges of [`gap_problem`], from one Saltelli design evaluated once
/// ([`crate::sensitivity::SobolAnalysis::run_over_time`]), with the settings of
/// [`gap_sensitivity`] (so the 2025 row equals its indices exactly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapByYear {
    /// The years.
    pub years: Vec<i32>,
    /// Input names, in [`GAP_INPUTS`] order.
    pub inputs: Vec<String>,
    /// The year of Linyi's start share (the path runs through it).
    pub start_year: i32,
    /// Gap (percentage points) at mid-range inputs, per year.
    pub base_gap: Vec<f64>,
    /// Shandong's intensity used per year (%; published, or projected with the mid-range
    /// yearly increase) and whether it is published.
    pub reference: Vec<(f64, bool)>,
    /// First-order indices, years × inputs.
    pub s1: Vec<Vec<f64>>,
    /// Their bootstrap half-widths (95 %).
    pub s1_conf: Vec<Vec<f64>>,
    /// Total-order indices, years × inputs.
    pub st: Vec<Vec<f64>>,
    /// Their bootstrap half-widths (95 %).
    pub st_conf: Vec<Vec<f64>>,
    /// The input with the largest first-order index, per year.
    pub dominant: Vec<String>,
    /// Base sample size of the Sobol' design.
    pub n: usize,
    /// Seed of the scrambling and the bootstrap.
    pub seed: u64,
}

impl GapByYear {
    /// How to label `year`: the years before [`GapByYear::start_year`] are back-cast (Linyi's
    /// share in them is not in the evidence; the model implies it from the start share along
    /// the sampled path), so their gaps and drivers are a counterfactual, not history.
    ///
    /// ```
    /// let g = innodex::cases::linyi::gap_by_year(1 << 8, 1).unwrap();
    /// assert_eq!(g.year_label(2021), "2021 (back-cast)");
    /// assert_eq!(g.year_label(2025), "2025");
    /// ```
    pub fn year_label(&self, year: i32) -> String {
        if year < self.start_year {
            format!("{year} (back-cast)")
        } else {
            year.to_string()
        }
    }

    /// The sentence that says what the back-cast years are (empty when there are none).
    pub fn back_cast_note(&self) -> String {
        let first = self.years.first().copied().unwrap_or(self.start_year);
        if first >= self.start_year {
            return String::new();
        }
        format!(
            "Rows marked back-cast ({first}–{}) are not history: Linyi's R&D share in those \
             years is not in the evidence, so the model implies it from the {} share along \
             the same constant-rate path. Their gaps and drivers say what the sampled growth \
             rates would imply for those years (a counterfactual), not what happened; the \
             verdict above gives the evidence.",
            self.start_year - 1,
            self.start_year
        )
    }
}

/// Computes [`GapByYear`] with a Saltelli design of base size `n` (a power of two).
///
/// # Errors
/// As [`crate::sensitivity::SobolAnalysis::run_over_time`].
///
/// ```
/// let g = innodex::cases::linyi::gap_by_year(1 << 10, 1).unwrap();
/// assert_eq!(g.years, vec![2021, 2022, 2023, 2024, 2025]);
/// // In 2024 the gap is the start share minus Shandong's 2024 value: the share and the
/// // increase explain it; the growth rates do not enter.
/// assert_eq!(g.s1[3][0], 0.0);
/// assert_eq!(g.dominant[4], "rd_growth");
/// ```
pub fn gap_by_year(n: usize, seed: u64) -> Result<GapByYear, SensitivityError> {
    use crate::sensitivity::SobolAnalysis;
    let p = gap_problem();
    let analysis = SobolAnalysis::new(p.clone(), n)
        .seed(seed)
        .n_bootstrap(200)
        .second_order(false);
    let res = analysis.run_over_time(&GapPathModel, &GAP_YEARS)?;
    let mid: Vec<f64> = p.inputs().iter().map(|i| i.distribution.median()).collect();
    let x = Array2::from_shape_vec((1, mid.len()), mid.clone())
        .map_err(|e| SensitivityError::Model(e.to_string()))?;
    let mut y = Array2::zeros((1, GAP_YEARS.len()));
    GapPathModel.evaluate(x.view(), y.view_mut())?;
    let start = gap_start();
    let reference = GAP_YEARS
        .iter()
        .map(|&year| match shandong_published(year) {
            Some(v) if year <= start.reference_year => (v, true),
            _ => (
                start.reference + mid[3] * (year - start.reference_year) as f64,
                false,
            ),
        })
        .collect();
    let rows = |f: &dyn Fn(&crate::sensitivity::SobolIndices) -> Vec<f64>| {
        res.result.outputs.iter().map(f).collect::<Vec<_>>()
    };
    Ok(GapByYear {
        years: GAP_YEARS.to_vec(),
        inputs: GAP_INPUTS.iter().map(|s| s.to_string()).collect(),
        start_year: start.share_year,
        base_gap: y.row(0).to_vec(),
        reference,
        s1: rows(&|s| s.s1.clone()),
        s1_conf: rows(&|s| s.s1_conf.clone()),
        st: rows(&|s| s.st.clone()),
        st_conf: rows(&|s| s.st_conf.clone()),
        dominant: GAP_YEARS
            .iter()
            .map(|&y| res.dominant(y).unwrap_or_default().to_string())
            .collect(),
        n,
        seed,
    })
}
