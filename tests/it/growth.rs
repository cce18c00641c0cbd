//! Growth arithmetic against analytic answers, and its invariants (proptest).
use innodex::growth::*;
use proptest::prelude::*;

#[test]
fn doubling_750_to_1500_in_five_years() {
    let g = required_cagr(750.0, 1500.0, 2020, 2025).unwrap();
    assert!((g - 0.148698355).abs() < 1e-9, "{g}");
    assert_eq!(
        required_increment(750.0, 1500.0, 2020, 2025).unwrap(),
        150.0
    );
    assert!((years_to_target(750.0, 1500.0, g).unwrap() - 5.0).abs() < 1e-9);
    // Doubling time at 14.87 %: ln 2 / ln 1.1487 = 4.99946…
    let t = doubling_time(0.1487).unwrap();
    assert!((t - 5.0).abs() < 1e-3, "{t}");
    assert!((doubling_time(g).unwrap() - 5.0).abs() < 1e-12);
    // The rule of 70 understates it a little at this rate: 70 / 14.87 = 4.707.
    assert!((rule_of_70(0.1487).unwrap() - 4.70746).abs() < 1e-5);
    assert!((implied_baseline(1500.0, g, 2020, 2025).unwrap() - 750.0).abs() < 1e-9);
}

#[test]
fn cagr_of_real_series() {
    // China's R&D spending 2020 → 2023 (NBS bulletins): 24,393.1 → 33,357.1 (100 m yuan).
    let g = cagr(24393.1, 33357.1, 2020, 2023).unwrap();
    let expected = (33357.1f64 / 24393.1).powf(1.0 / 3.0) - 1.0;
    assert!((g - expected).abs() < 1e-15);
    assert!((g - 0.10996).abs() < 1e-4);
}

#[test]
fn bad_input_is_an_error_not_nan() {
    assert!(matches!(
        required_cagr(0.0, 1.0, 2020, 2025),
        Err(GrowthError::NonPositive {
            field: "baseline",
            ..
        })
    ));
    assert!(matches!(
        required_cagr(1.0, 2.0, 2020, 2020),
        Err(GrowthError::YearOrder { .. })
    ));
    assert!(matches!(
        required_increment(1.0, f64::INFINITY, 2020, 2021),
        Err(GrowthError::NotFinite {
            field: "target",
            ..
        })
    ));
    assert!(matches!(
        rule_of_70(0.0),
        Err(GrowthError::Unreachable { .. })
    ));
    assert!(matches!(
        implied_baseline(1.0, -1.0, 2020, 2021),
        Err(GrowthError::RateTooLow { .. })
    ));
    let msg = required_cagr(-750.0, 1500.0, 2020, 2025)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("baseline") && msg.contains("-750"), "{msg}");
}

#[test]
fn paths_agree_at_both_ends_only() {
    let g = required_cagr(750.0, 1500.0, 2020, 2025).unwrap();
    let c = compound_path(750.0, g, 2020, 2025).unwrap();
    let l = linear_path(750.0, 150.0, 2020, 2025).unwrap();
    assert_eq!(c.first(), l.first());
    assert!((c[5].1 - l[5].1).abs() < 1e-9);
    // In between, the compound path lies below the linear one (convexity).
    for k in 1..5 {
        assert!(c[k].1 < l[k].1, "{k}");
    }
}

proptest! {
    #[test]
    fn required_cagr_and_years_to_target_invert(
        b in 1e-3f64..1e6, ratio in 0.2f64..20.0, n in 1i32..40
    ) {
        prop_assume!((ratio - 1.0).abs() > 1e-6);
        let t = b * ratio;
        let g = required_cagr(b, t, 2000, 2000 + n).unwrap();
        let years = years_to_target(b, t, g).unwrap();
        prop_assert!((years - n as f64).abs() < 1e-8 * n as f64, "{years} vs {n}");
        let b2 = implied_baseline(t, g, 2000, 2000 + n).unwrap();
        prop_assert!((b2 - b).abs() <= 1e-9 * b);
    }

    #[test]
    fn compound_path_reaches_target_in_final_year(
        b in 1e-3f64..1e6, ratio in 0.2f64..20.0, n in 1i32..40
    ) {
        let t = b * ratio;
        let g = required_cagr(b, t, 2000, 2000 + n).unwrap();
        let p = compound_path(b, g, 2000, 2000 + n).unwrap();
        prop_assert_eq!(p.len(), n as usize + 1);
        prop_assert_eq!(p[n as usize].0, 2000 + n);
        prop_assert!((p[n as usize].1 - t).abs() <= 1e-9 * t);
        let d = required_increment(b, t, 2000, 2000 + n).unwrap();
        let l = linear_path(b, d, 2000, 2000 + n).unwrap();
        prop_assert!((l[n as usize].1 - t).abs() <= 1e-9 * t.max(b));
    }

    #[test]
    fn cagr_composes_over_adjacent_periods(
        v0 in 1.0f64..1e4, r1 in 0.5f64..2.0, r2 in 0.5f64..2.0, n1 in 1i32..10, n2 in 1i32..10
    ) {
        let v1 = v0 * r1;
        let v2 = v1 * r2;
        let g1 = cagr(v0, v1, 0, n1).unwrap();
        let g2 = cagr(v1, v2, n1, n1 + n2).unwrap();
        let g = cagr(v0, v2, 0, n1 + n2).unwrap();
        let lhs = (1.0 + g).powi(n1 + n2);
        let rhs = (1.0 + g1).powi(n1) * (1.0 + g2).powi(n2);
        prop_assert!((lhs - rhs).abs() <= 1e-9 * lhs);
    }
}
