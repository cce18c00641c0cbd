//! Ratio arithmetic on hand-computed cases (to 1e-12) and the Linyi application.

use crate::support::with_threads;
use innodex::cases::linyi;
use innodex::ratio;
use innodex::sensitivity::{SobolAnalysis, grid2, tornado};

#[test]
fn identity_on_hand_computed_cases() {
    // (1 + g_S) = (1 + g_R) / (1 + g_Y).
    let cases = [
        (0.10, 0.06, 1.10 / 1.06),
        (0.07, 0.07, 1.0),
        (0.0, 0.05, 1.0 / 1.05),
        (0.136, 0.051, 1.136 / 1.051),
    ];
    for (gr, gy, ratio_) in cases {
        let gs = ratio::share_growth(gr, gy).unwrap();
        assert!((1.0 + gs - ratio_).abs() < 1e-12);
    }
    // The identity also holds on levels: R, Y grown for a year.
    let (r0, y0) = (90.0, 4805.25);
    let s0 = ratio::share(r0, y0, 100.0).unwrap();
    let s1 = ratio::share(r0 * 1.12, y0 * 1.05, 100.0).unwrap();
    assert!((s1 / s0 - 1.12 / 1.05).abs() < 1e-12);
    // Five years compound.
    let s5 = ratio::project_share(2.0, 0.12, 0.05, 2020, 2025).unwrap();
    assert!((s5 - 2.0 * (1.12f64 / 1.05).powi(5)).abs() < 1e-12);
}

#[test]
fn required_growth_formula_on_hand_computed_cases() {
    // 2.0 % → 2.5 % in five years, GDP +6 %: 1.06 × 1.25^(1/5) − 1 = 0.1083779…
    let g = ratio::required_numerator_growth(2.0, 2.5, 0.06, 2020, 2025).unwrap();
    let hand = 1.06 * 1.25f64.powf(0.2) - 1.0;
    assert!((g - hand).abs() < 1e-12);
    assert!((g - 0.108_377_925_7).abs() < 1e-9);
    // No change of share: R grows as GDP.
    let g = ratio::required_numerator_growth(2.3, 2.3, 0.057, 2020, 2025).unwrap();
    assert!((g - 0.057).abs() < 1e-12);
    // Doubling the share in 5 years at zero GDP growth = doubling R: 2^(1/5) − 1.
    let g = ratio::required_numerator_growth(1.0, 2.0, 0.0, 2020, 2025).unwrap();
    assert!((g - (2f64.powf(0.2) - 1.0)).abs() < 1e-12);
    // Round trip.
    let back = ratio::project_share(
        1.8,
        ratio::required_numerator_growth(1.8, 2.6, 0.05, 2020, 2025).unwrap(),
        0.05,
        2020,
        2025,
    )
    .unwrap();
    assert!((back - 2.6).abs() < 1e-12);
    // Errors, not NaN.
    assert!(ratio::required_numerator_growth(0.0, 2.5, 0.06, 2020, 2025).is_err());
    assert!(ratio::required_numerator_growth(2.0, 2.5, 0.06, 2025, 2025).is_err());
    assert!(ratio::required_numerator_growth(2.0, 2.5, -1.0, 2020, 2025).is_err());
}

#[test]
fn elasticities_match_finite_differences() {
    let e = ratio::share_sensitivity(1.9, 0.11, 0.06, 2020, 2025).unwrap();
    let h = 1e-6;
    let f = |s0: f64, gr: f64, gy: f64| ratio::project_share(s0, gr, gy, 2020, 2025).unwrap();
    let d_gr = (f(1.9, 0.11 + h, 0.06) - f(1.9, 0.11 - h, 0.06)) / (2.0 * h);
    let d_gy = (f(1.9, 0.11, 0.06 + h) - f(1.9, 0.11, 0.06 - h)) / (2.0 * h);
    assert!((d_gr - e.d_numerator_growth).abs() < 1e-6);
    assert!((d_gy - e.d_denominator_growth).abs() < 1e-6);
    assert!((e.elasticity_numerator_growth - e.d_numerator_growth * 0.11 / e.share).abs() < 1e-12);
}

#[test]
fn shandong_trend_and_moving_reference() {
    // Real series 2019–2023: 2.10, 2.30, 2.34, 2.49, 2.59 (%).
    let tr = linyi::shandong_trend(2019).unwrap();
    assert_eq!(tr.line.n, 5);
    // Hand-computed OLS slope of ln v on t: Σ(t − t̄) ln v / Σ(t − t̄)².
    let v = [2.10f64, 2.30, 2.34, 2.49, 2.59];
    let slope = (-2.0 * v[0].ln() - v[1].ln() + v[3].ln() + 2.0 * v[4].ln()) / 10.0;
    assert!((tr.line.slope - slope).abs() < 1e-12);
    let med = tr.median(2025);
    assert!(med > 2.59 && med < 3.2, "{med}");
    // Required growth against the moving reference equals the fixed-target formula at the
    // reference's median.
    let g = ratio::required_numerator_growth_vs_reference(2.0, 0.06, 2020, 2025, &tr, 0.5).unwrap();
    let g2 = ratio::required_numerator_growth(2.0, med, 0.06, 2020, 2025).unwrap();
    assert!((g - g2).abs() < 1e-12);
    // Probability of beating the reference is 1/2 exactly at the median.
    assert!((tr.prob_below(2025, med) - 0.5).abs() < 1e-12);
    let grid = linyi::required_rd_growth_grid(&[0.04, 0.06, 0.08], &[1.6, 2.0], med).unwrap();
    assert!(grid[[0, 0]] > grid[[1, 0]] && grid[[0, 2]] > grid[[0, 0]]);
}

#[test]
fn linyi_gap_tornado_grid_and_sobol() {
    let p = linyi::gap_problem();
    let base: Vec<f64> = p.inputs().iter().map(|i| i.distribution.median()).collect();
    let (lo, hi): (Vec<f64>, Vec<f64>) =
        p.inputs().iter().map(|i| i.distribution.low_high()).unzip();
    let t = tornado(&linyi::GAP_INPUTS, &base, &lo, &hi, &linyi::GapModel).unwrap();
    assert_eq!(t.len(), 3);
    let gap = &t[0];
    // Swings are sorted, and R&D growth (range 20 points) dominates the gap.
    assert!(gap.bars.windows(2).all(|w| w[0].swing >= w[1].swing));
    assert_eq!(gap.bars[0].name, "rd_growth");
    // Grid of GDP growth × R&D growth and its contour equals the closed form.
    let gx = [0.04, 0.05, 0.06, 0.07, 0.08];
    let gy: Vec<f64> = (0..=100).map(|i| 0.04 + 0.0015 * i as f64).collect();
    let g = grid2(
        &linyi::GAP_INPUTS,
        &[0.1, 0.06, 2.5, 0.0],
        1,
        &gx,
        0,
        &gy,
        &linyi::GapModel,
    )
    .unwrap();
    // From a 2.5 % share in 2024 to Shandong's 2.59 % (2023, no increase) in one year.
    let start = linyi::gap_start();
    assert_eq!((start.share_year, start.reference), (2024, 2.59));
    let c = g[0].contour(0.0);
    for (ix, &gdp) in gx.iter().enumerate() {
        let exact = ratio::required_numerator_growth(2.5, 2.59, gdp, 2024, 2025).unwrap();
        assert!(
            (c[ix].unwrap() - exact).abs() < 1e-4,
            "{:?} vs {exact}",
            c[ix]
        );
    }
    // Sobol of the gap: all four inputs matter; S1 sum ≤ 1; R&D growth first.
    let res = SobolAnalysis::new(p, 1 << 12)
        .seed(4)
        .n_bootstrap(20)
        .run(&linyi::GapModel)
        .unwrap();
    let s = &res.outputs[0];
    assert_eq!(res.output_names[0], "gap_pp");
    let sum: f64 = s.s1.iter().sum();
    assert!(sum > 0.8 && sum <= 1.01, "{sum}");
    let best = (0..4).max_by(|&a, &b| s.st[a].total_cmp(&s.st[b])).unwrap();
    assert_eq!(best, 0);
}

#[test]
fn probability_of_beating_reference_is_consistent() {
    use innodex::sensitivity::{Distribution, Input, Problem};
    let tr = linyi::shandong_trend(2019).unwrap();
    // A degenerate-looking scenario (narrow ranges) approaches the closed form.
    let narrow = Problem::new(vec![
        Input::new(
            "g_r",
            Distribution::Uniform {
                lower: 0.1199999,
                upper: 0.1200001,
            },
        ),
        Input::new(
            "g_y",
            Distribution::Uniform {
                lower: 0.0599999,
                upper: 0.0600001,
            },
        ),
        Input::new(
            "s0",
            Distribution::Uniform {
                lower: 1.9999999,
                upper: 2.0000001,
            },
        ),
    ])
    .unwrap();
    let (p, _) = ratio::prob_beat_reference(&narrow, 2020, 2025, &tr, 4096, 1).unwrap();
    let s = ratio::project_share(2.0, 0.12, 0.06, 2020, 2025).unwrap();
    assert!((p - tr.prob_below(2025, s)).abs() < 1e-5);
    // Same seed, same answer with 1 or 2 threads.
    let wide = Problem::new(vec![
        Input::new(
            "g_r",
            Distribution::Uniform {
                lower: 0.06,
                upper: 0.16,
            },
        ),
        Input::new(
            "g_y",
            Distribution::Uniform {
                lower: 0.04,
                upper: 0.08,
            },
        ),
        Input::new(
            "s0",
            Distribution::Uniform {
                lower: 1.5,
                upper: 2.3,
            },
        ),
    ])
    .unwrap();
    let run = |t| {
        with_threads(t, || {
            ratio::prob_beat_reference(&wide, 2020, 2025, &tr, 50_000, 9).unwrap()
        })
    };
    assert_eq!(run(1), run(2));
    let _ = ratio::reference_trend(&[2019, 2020, 2021], &[1.0, 1.1, 1.2]).unwrap();
}
