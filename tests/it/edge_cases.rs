//! Numerical edge cases (issue 8, item 5): zero and negative baselines, shares at exactly 0 and
//! 100 %, constant inputs, one year, an index of one unit. Each gives the defined result
//! documented in `docs/security.md` ("Numerical edge cases") or a typed error that names the
//! value.
use innodex::growth::{GrowthError, cagr, doubling_time, required_cagr, years_to_target};
use innodex::index::{CompositeIndex, IndexError, PipelineSpec};
use innodex::projection::ProjectionError;
use innodex::projection::methods::Method;
use innodex::projection::monte_carlo::{Channel, McConfig, McModel, McTarget, Process, simulate};
use innodex::stats::Distribution;
use innodex::target::Rule;

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
            rule: Rule::Level {
                value: 50.0,
                by: 2025,
            },
            base_year: None,
            higher_is_better: true,
        }],
        correlations: vec![],
    }
}

fn logistic(rate: f64) -> Process {
    Process::Logistic {
        rate: Distribution::Fixed { value: rate },
        per_path: false,
        shock: None,
        ceiling: 100.0,
    }
}

fn compound(rate: f64) -> Process {
    Process::Growth {
        rate: Distribution::Fixed { value: rate },
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
    m.targets[0].rule = Rule::Level {
        value: 50.0,
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

/// An index of two indicators `a` and `b` (equal weights, arithmetic mean) over the given
/// units, one row `(code, a, b)` each.
fn two_indicator_index(rows: &[(&str, f64, f64)]) -> CompositeIndex {
    let meta = "iCode,Parent,Type,Direction,Weight\na,index,Indicator,1,1\nb,index,Indicator,1,1\n\
                index,NA,Aggregate,1,1\n";
    let mut data = String::from("uCode,a,b\n");
    for (u, a, b) in rows {
        data.push_str(&format!("{u},{a},{b}\n"));
    }
    crate::support::index_from_csv(meta, &data)
}

fn pipeline(toml: &str) -> PipelineSpec {
    PipelineSpec::from_toml_str(toml).unwrap()
}

/// The index score of every unit (finite, or the test fails).
fn index_scores(idx: &CompositeIndex, spec: &PipelineSpec) -> Vec<f64> {
    let b = idx.build(spec).unwrap();
    let col = b
        .scores
        .indicators
        .iter()
        .position(|c| c == "index")
        .unwrap();
    assert!(
        b.scores.values.iter().flatten().all(|v| v.is_finite()),
        "{:?}",
        b.scores.values
    );
    b.scores.values[col].clone()
}

#[test]
fn a_single_unit_index_is_refused_by_spread_normalisations_and_defined_otherwise() {
    let one = two_indicator_index(&[("U1", 3.0, 7.0)]);
    // Min-max (the default), z-scores and distance to max divide by the range or the standard
    // deviation of the units' values: with one unit there is none. A typed error naming the
    // first indicator and the count, not NaN and not "constant".
    for (toml, stage) in [
        ("", "min-max normalisation (it divides by the range)"),
        (
            "normalise = { method = \"zscore\" }",
            "z-score normalisation (it divides by the standard deviation)",
        ),
        (
            "normalise = { method = \"distance_to_max\" }",
            "distance-to-max normalisation (it divides by the range)",
        ),
    ] {
        let e = one.build(&pipeline(toml)).unwrap_err();
        match &e {
            IndexError::TooFewValues {
                indicator,
                n: 1,
                needed: 2,
                stage: s,
            } => assert_eq!((indicator.as_str(), *s), ("a", stage)),
            other => panic!("{toml:?}: {other:?}"),
        }
        assert_eq!(
            e.to_string(),
            format!(
                "indicator `a` has 1 non-missing value(s) at stage {stage}; at least 2 are needed"
            )
        );
    }
    // Percent rank, (n − 1) in its denominator: its own error, naming the indicator.
    let e = one
        .build(&pipeline("normalise = { method = \"percent_rank\" }"))
        .unwrap_err();
    assert!(
        matches!(&e, IndexError::Transform { indicator, .. } if indicator == "a"),
        "{e:?}"
    );
    assert!(e.to_string().contains("needs two values"), "{e}");
    // Methods that need no spread give a defined, finite index (exact values):
    // rank 1 and Borda 0 for the only unit; goalposts [0, 10]: (0.3 + 0.7) / 2;
    // the raw values: (3 + 7) / 2; fraction of max: 1 each.
    for (toml, want) in [
        ("normalise = { method = \"rank\" }", 1.0),
        ("normalise = { method = \"borda\" }", 0.0),
        (
            "normalise = { method = \"goalposts\", low = 0, high = 10 }",
            0.5,
        ),
        ("normalise = { method = \"none\" }", 5.0),
        ("normalise = { method = \"fraction_of_max\" }", 1.0),
    ] {
        let s = index_scores(&one, &pipeline(toml));
        assert_eq!(s.len(), 1);
        assert!((s[0] - want).abs() < 1e-12, "{toml}: {} vs {want}", s[0]);
    }
    // Treatment and imputation have nothing to do on one unit (skewness needs four values:
    // left untreated), so the raw-value index is unchanged.
    let s = index_scores(
        &one,
        &pipeline(
            "normalise = { method = \"none\" }\nimpute = { method = \"mean\" }\n[treat]\nwinmax = 5",
        ),
    );
    assert!((s[0] - 5.0).abs() < 1e-12, "{}", s[0]);
}

#[test]
fn a_constant_indicator_is_refused_by_min_max_and_z_scores_naming_it_and_its_value() {
    // `b` is 0.1 for every unit. For z-scores this once slipped through: the mean of
    // [0.1, 0.1, 0.1] is 0.10000000000000002 in floating point, so the computed sd was
    // 1.7e-17, not 0, and every unit got z = −0.816 instead of an error.
    let idx = two_indicator_index(&[("U1", 1.0, 0.1), ("U2", 2.0, 0.1), ("U3", 4.0, 0.1)]);
    for (toml, method) in [
        ("", "minmax"),
        ("normalise = { method = \"zscore\" }", "zscore"),
        (
            "normalise = { method = \"distance_to_max\" }",
            "distance_to_max",
        ),
    ] {
        let e = idx.build(&pipeline(toml)).unwrap_err();
        match &e {
            IndexError::ZeroRange {
                indicator,
                value,
                method: m,
                ..
            } => assert_eq!((indicator.as_str(), *value, *m), ("b", 0.1, method)),
            other => panic!("{toml:?}: {other:?}"),
        }
        assert_eq!(
            e.to_string(),
            format!(
                "indicator `b` is constant (0.1) after the preceding stages: {method} \
                 normalisation divides by zero"
            )
        );
    }
    // Normalised per indicator, the constant one by rank (every unit ties at 1): defined.
    // Index = (min-max of a on [0, 100] + 1) / 2: a = 1, 2, 4 → 0, 33.33…, 100.
    let s = index_scores(
        &idx,
        &pipeline("[normalise_indicators]\nb = { method = \"rank\" }"),
    );
    for (got, want) in s.iter().zip([0.5, (100.0 / 3.0 + 1.0) / 2.0, 50.5]) {
        assert!((got - want).abs() < 1e-12, "{s:?}");
    }
}
