//! Invariants of the numerical core, checked by proptest on generated inputs (issue 8, item 2):
//! quantiles are ordered and probabilities lie in [0, 1]; min-max scores lie within their
//! bounds and do not change when an indicator is scaled by a positive constant; an index does
//! not depend on the order of its units and indicators; the first-order Sobol' indices of an
//! additive model sum to 1. (Growth round-trips: `tests/it/growth.rs`.)
use innodex::index::PipelineSpec;
use innodex::index::normalise::{Normalisation, normalise_column};
use innodex::projection::monte_carlo::{McConfig, McModel, sample_quantiles, simulate};
use innodex::sensitivity::{FnModel, Problem, SobolAnalysis};
use innodex::stats::Distribution;
use proptest::prelude::*;

fn growth_model(mean: f64, sd: f64, threshold: f64) -> McModel {
    crate::support::growth_to_level(Distribution::normal(mean, sd), threshold)
}

/// An index of `units` × `ind` values from a framework with every indicator under `index`,
/// columns and rows in the given orders.
fn build_scores(
    values: &[Vec<f64>],
    unit_order: &[usize],
    ind_order: &[usize],
) -> Vec<(String, f64)> {
    let mut meta = String::from("iCode,Parent,Type,Direction,Weight\n");
    for &j in ind_order {
        meta.push_str(&format!("i{j},index,Indicator,1,1\n"));
    }
    meta.push_str("index,NA,Aggregate,1,1\n");
    let mut data = String::from("uCode");
    for &j in ind_order {
        data.push_str(&format!(",i{j}"));
    }
    data.push('\n');
    for &u in unit_order {
        data.push_str(&format!("U{u}"));
        for &j in ind_order {
            data.push_str(&format!(",{}", values[u][j]));
        }
        data.push('\n');
    }
    let b = crate::support::index_from_csv(&meta, &data)
        .build(&PipelineSpec::default())
        .unwrap();
    let col = b
        .scores
        .indicators
        .iter()
        .position(|c| c == "index")
        .unwrap();
    // Stages hold values column-wise: values[indicator][unit].
    let mut out: Vec<(String, f64)> = b
        .scores
        .units
        .iter()
        .zip(&b.scores.values[col])
        .map(|(u, v)| (u.clone(), *v))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn monte_carlo_quantiles_are_ordered_and_probabilities_in_0_1(
        mean in -0.2f64..0.4, sd in 0.0f64..0.3, threshold in 1.0f64..3000.0,
        n in 1usize..3000, seed in any::<u64>(),
    ) {
        let cfg = McConfig { n_paths: n, seed, quantiles: vec![0.05, 0.25, 0.5, 0.75, 0.95], ..McConfig::default() };
        let r = simulate(&growth_model(mean, sd, threshold), &cfg).unwrap();
        for year in 2020..=2025 {
            let q = r.indicator("x").unwrap().at(year).unwrap();
            prop_assert!(q.windows(2).all(|w| w[0] <= w[1]), "{year}: {q:?}");
            prop_assert!(q.iter().all(|v| v.is_finite() && *v >= 0.0));
        }
        let p = r.target("reach").unwrap().probability.unwrap();
        prop_assert!((0.0..=1.0).contains(&p), "{p}");
    }

    #[test]
    fn sample_quantiles_are_ordered_and_within_the_data(
        v in prop::collection::vec(-1e6f64..1e6, 1..200),
        mut probs in prop::collection::vec(0.0f64..=1.0, 1..8),
    ) {
        probs.sort_by(f64::total_cmp);
        let q = sample_quantiles(&v, &probs);
        let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        prop_assert!(q.windows(2).all(|w| w[0] <= w[1]), "{q:?}");
        prop_assert!(q.iter().all(|x| *x >= lo && *x <= hi));
    }

    #[test]
    fn min_max_scores_lie_in_their_bounds_and_ignore_positive_scaling(
        x in prop::collection::vec(-1e3f64..1e3, 2..50), c in 1e-3f64..1e3,
    ) {
        let spread = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - x.iter().cloned().fold(f64::INFINITY, f64::min);
        prop_assume!(spread > 1e-6);
        let m = Normalisation::MinMax { low: 0.0, high: 100.0 };
        let a = normalise_column(&x, &m, 1.0, None).unwrap();
        prop_assert!(a.iter().all(|v| (0.0..=100.0).contains(v)), "{a:?}");
        let scaled: Vec<f64> = x.iter().map(|v| v * c).collect();
        let b = normalise_column(&scaled, &m, 1.0, None).unwrap();
        for (u, w) in a.iter().zip(&b) {
            // Min-max is invariant to x → c·x (c > 0) exactly in real arithmetic; in floating
            // point, to a few ulps of the 0–100 scale.
            prop_assert!((u - w).abs() < 1e-9, "{u} vs {w}");
        }
    }

    #[test]
    fn an_index_does_not_depend_on_the_order_of_units_and_indicators(
        values in prop::collection::vec(prop::collection::vec(0.0f64..100.0, 4), 5),
        unit_perm in Just((0..5).collect::<Vec<usize>>()).prop_shuffle(),
        ind_perm in Just((0..4).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        // Every indicator must vary, or min-max normalisation refuses it (ties are allowed).
        for j in 0..4 {
            let col: Vec<f64> = values.iter().map(|r| r[j]).collect();
            let spread = col.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - col.iter().cloned().fold(f64::INFINITY, f64::min);
            prop_assume!(spread > 1e-3);
        }
        let a = build_scores(&values, &[0, 1, 2, 3, 4], &[0, 1, 2, 3]);
        let b = build_scores(&values, &unit_perm, &ind_perm);
        for ((ua, sa), (ub, sb)) in a.iter().zip(&b) {
            prop_assert_eq!(ua, ub);
            // Summation order of the weighted mean differs: equal to rounding.
            prop_assert!((sa - sb).abs() < 1e-9, "{ua}: {sa} vs {sb}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn first_order_sobol_indices_of_an_additive_model_sum_to_one(
        a in prop::collection::vec(0.1f64..5.0, 2..5), seed in any::<u64>(),
    ) {
        // y = Σ aᵢ xᵢ, xᵢ ~ U(0, 1): Sᵢ = aᵢ² / Σ a², so Σ S1 = 1 and S1 = ST exactly. With
        // N = 2^12 scrambled Sobol' points the estimators' errors are a few 10⁻³ (their
        // bootstrap half-widths here are below 0.02); 0.05 leaves room for the sum of k terms.
        let k = a.len();
        let names: Vec<String> = (0..k).map(|i| format!("x{i}")).collect();
        let b: Vec<(&str, f64, f64)> = names.iter().map(|n| (n.as_str(), 0.0, 1.0)).collect();
        let p = Problem::uniform(&b).unwrap();
        let coef = a.clone();
        let model = FnModel::new(1, move |x: &[f64], y: &mut [f64]| {
            y[0] = x.iter().zip(&coef).map(|(xi, ai)| xi * ai).sum();
        });
        let res = SobolAnalysis::new(p, 1 << 12).second_order(false).seed(seed).run(&model).unwrap();
        let s = &res.outputs[0];
        let total: f64 = s.s1.iter().sum();
        prop_assert!((total - 1.0).abs() < 0.05, "Σ S1 = {total}");
        let norm: f64 = a.iter().map(|v| v * v).sum();
        for (i, ai) in a.iter().enumerate() {
            prop_assert!((s.s1[i] - ai * ai / norm).abs() < 0.05, "S1[{i}] = {} vs {}", s.s1[i], ai * ai / norm);
        }
    }
}
