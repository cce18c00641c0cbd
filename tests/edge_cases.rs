//! Numerical edge cases (issue 8, item 5): zero and negative baselines, shares at exactly 0 and
//! 100 %, constant inputs, one year. Each gives the defined result documented in
//! `docs/security.md` ("Numerical edge cases") or a typed error that names the value.
use innodex::growth::{GrowthError, cagr, doubling_time, required_cagr, years_to_target};
use innodex::projection::ProjectionError;
use innodex::projection::dist::Dist;
use innodex::projection::methods::Method;
use innodex::projection::monte_carlo::{
    Channel, McConfig, McModel, McRule, McTarget, Process, simulate,
};

#[test]
fn zero_and_negative_baselines_are_errors_that_name_the_value() {
    for v0 in [0.0, -5.0, f64::NAN] {
        let e = cagr(v0, 10.0, 2020, 2025).unwrap_err();
        assert!(
            matches!(
                e,
                GrowthError::NonPositive { .. } | GrowthError::NotFinite { .. }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("v0"), "{e}");
    }
    assert!(
        cagr(10.0, 0.0, 2020, 2025)
            .unwrap_err()
            .to_string()
            .contains("v1")
    );
    assert!(required_cagr(0.0, 1500.0, 2020, 2025).is_err());
    // One year (start = end): no growth rate exists.
    assert!(required_cagr(750.0, 1500.0, 2020, 2020).is_err());
    // Zero or negative growth never reaches a higher target: an error, not ∞ or NaN.
    assert!(years_to_target(10.0, 20.0, 0.0).is_err());
    assert!(years_to_target(10.0, 20.0, -0.1).is_err());
    assert!(doubling_time(0.0).is_err());
    // Already there: zero years.
    assert_eq!(years_to_target(20.0, 20.0, 0.1).unwrap(), 0.0);
}

fn share_model(start: f64, process: Process) -> McModel {
    McModel {
        horizon: 2025,
        channels: vec![Channel {
            bounds: (0.0, 100.0),
            ..Channel::simulated("share", 2020, start, process)
        }],
        targets: vec![McTarget {
            id: "reach".into(),
            indicator: "share".into(),
            rule: McRule::Level {
                threshold: 50.0,
                by: 2025,
            },
            higher_is_better: true,
        }],
        correlations: vec![],
    }
}

fn logistic(rate: f64) -> Process {
    Process::Logistic {
        rate: Dist::Fixed { value: rate },
        per_path: false,
        shock: None,
        ceiling: 100.0,
    }
}

fn compound(rate: f64) -> Process {
    Process::Growth {
        rate: Dist::Fixed { value: rate },
        per_path: false,
        shock: None,
    }
}

#[test]
fn shares_at_exactly_0_and_100_percent() {
    let cfg = McConfig {
        n_paths: 100,
        ..McConfig::default()
    };
    // A logistic path has no logit at 0 or at its ceiling: a clear error naming the value.
    for start in [0.0, 100.0] {
        let e = simulate(&share_model(start, logistic(0.3)), &cfg).unwrap_err();
        assert!(
            e.to_string()
                .contains("strictly between 0 and the ceiling 100"),
            "{e}"
        );
    }
    // Compound growth keeps a share within [0, 100]: 0 stays 0, 100 stays 100 (clamped).
    for (start, want_p) in [(0.0, 0.0), (100.0, 1.0)] {
        let r = simulate(&share_model(start, compound(0.1)), &cfg).unwrap();
        for q in r.indicator("share").unwrap().at(2025).unwrap() {
            assert_eq!(*q, start);
        }
        assert_eq!(r.target("reach").unwrap().probability, Some(want_p));
    }
    // Past the bounds is refused, naming the value.
    let e = simulate(&share_model(100.5, compound(0.1)), &cfg).unwrap_err();
    assert!(e.to_string().contains("100.5"), "{e}");
}

#[test]
fn a_logistic_forecast_needs_a_share_strictly_inside_its_bounds() {
    let m = Method::Logistic {
        rate: 0.1,
        ceiling: 100.0,
    };
    for last in [0.0, 100.0] {
        let e = m
            .forecast(&[2019, 2020], &[50.0, last], 2025, 0.9)
            .unwrap_err();
        assert!(
            matches!(
                e,
                ProjectionError::InvalidParameter { .. } | ProjectionError::InvalidInput { .. }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("strictly between 0 and the ceiling"),
            "{e}"
        );
    }
}

#[test]
fn one_observation_is_too_few_for_a_fitted_trend() {
    let e = Method::LogLinear
        .forecast(&[2020], &[5.0], 2025, 0.9)
        .unwrap_err();
    assert!(
        matches!(e, ProjectionError::TooFewObservations { got: 1, .. }),
        "{e:?}"
    );
}

#[test]
fn a_horizon_equal_to_the_start_year_gives_the_start_value() {
    // One year: nothing is simulated; the target is judged on the start value.
    let mut m = share_model(60.0, logistic(0.3));
    m.horizon = 2020;
    m.targets[0].rule = McRule::Level {
        threshold: 50.0,
        by: 2020,
    };
    let r = simulate(
        &m,
        &McConfig {
            n_paths: 50,
            ..McConfig::default()
        },
    )
    .unwrap();
    assert_eq!(r.years, vec![2020]);
    assert_eq!(r.target("reach").unwrap().probability, Some(1.0));
}
