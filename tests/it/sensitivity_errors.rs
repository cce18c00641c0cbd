//! Bad input gives a clear error, never a panic.

use innodex::sensitivity::{
    BatchFnModel, Design, Distribution, FnModel, Input, MorrisDesign, MorrisOptions, Problem,
    SaltelliDesign, Scramble, SensitivityError, SensitivityWarning, SobolAnalysis, SobolOptions,
    analyze_morris, analyze_sobol, evaluate_design,
};
use ndarray::Array2;

#[test]
fn lower_bound_not_below_upper_bound() {
    for (lo, hi) in [
        (1.0, 1.0),
        (2.0, 1.0),
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
    ] {
        let e = Problem::uniform(&[("a", 0.0, 1.0), ("b", lo, hi)]).unwrap_err();
        match &e {
            SensitivityError::InvalidBounds { name, .. } => assert_eq!(name, "b"),
            other => panic!("wrong error {other:?}"),
        }
        assert!(e.to_string().contains("lower bound"));
    }
}

#[test]
fn invalid_distribution_parameters() {
    let cases = [
        Distribution::Normal {
            mean: 0.0,
            sd: -1.0,
        },
        Distribution::LogNormal {
            mu: 0.0,
            sigma: 0.0,
        },
        Distribution::Triangular {
            lower: 0.0,
            mode: 3.0,
            upper: 1.0,
        },
        Distribution::TruncatedNormal {
            mean: 0.0,
            sd: 1.0,
            lower: 2.0,
            upper: 1.0,
        },
        Distribution::Normal {
            mean: f64::NAN,
            sd: 1.0,
        },
    ];
    for d in cases {
        let e = Problem::new(vec![Input::new("x", d.clone())]).unwrap_err();
        assert!(
            matches!(e, SensitivityError::InvalidDistribution { .. }),
            "{d:?}: {e:?}"
        );
        assert!(e.to_string().contains("'x'"));
    }
    assert!(Problem::new(vec![]).is_err());
    let dup = vec![
        Input::new(
            "x",
            Distribution::Uniform {
                lower: 0.0,
                upper: 1.0,
            },
        ),
        Input::new(
            "x",
            Distribution::Uniform {
                lower: 0.0,
                upper: 1.0,
            },
        ),
    ];
    assert!(matches!(
        Problem::new(dup),
        Err(SensitivityError::InvalidProblem(_))
    ));
}

#[test]
fn model_returning_wrong_rows_or_nan() {
    let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
    let short = BatchFnModel::new(1, |x| Ok(Array2::zeros((x.nrows() - 1, 1))));
    let e = SobolAnalysis::new(p.clone(), 64).run(&short).unwrap_err();
    assert!(matches!(e, SensitivityError::WrongRowCount { .. }), "{e:?}");
    let wide = BatchFnModel::new(1, |x| Ok(Array2::zeros((x.nrows(), 2))));
    let e = SobolAnalysis::new(p.clone(), 64).run(&wide).unwrap_err();
    assert!(matches!(
        e,
        SensitivityError::WrongOutputCount {
            expected: 1,
            got: 2
        }
    ));
    let nan = FnModel::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = if x[0] > 0.9 { f64::NAN } else { x[0] }
    });
    let e = SobolAnalysis::new(p.clone(), 64).run(&nan).unwrap_err();
    match e {
        SensitivityError::NonFiniteOutput { output, value, .. } => {
            assert_eq!(output, 0);
            assert!(value.is_nan());
        }
        other => panic!("{other:?}"),
    }
    // analyze_sobol with outputs of the wrong length or with NaN.
    let y = Array2::<f64>::zeros((63, 1));
    assert!(matches!(
        analyze_sobol(&p, y.view(), &SobolOptions::default()),
        Err(SensitivityError::WrongRowCount { got: 63, .. })
    ));
    let mut y = Array2::<f64>::ones((60, 1));
    y[[7, 0]] = f64::INFINITY;
    assert!(matches!(
        analyze_sobol(&p, y.view(), &SobolOptions::default()),
        Err(SensitivityError::NonFiniteOutput { row: 7, .. })
    ));
    // Morris: Y rows differ from X rows.
    let d = MorrisDesign::new(2, 4, 4, 0).unwrap();
    let x = d.unit_matrix();
    let y = Array2::<f64>::zeros((x.nrows() + 1, 1));
    assert!(analyze_morris(&p, x.view(), y.view(), &MorrisOptions::default()).is_err());
    // Morris: a matrix that is not made of trajectories.
    let x = Array2::<f64>::from_elem((6, 2), 0.5);
    let y = Array2::<f64>::zeros((6, 1));
    assert!(matches!(
        analyze_morris(&p, x.view(), y.view(), &MorrisOptions::default()),
        Err(SensitivityError::InvalidOption { option: "x", .. })
    ));
}

#[test]
fn bad_options() {
    let p = Problem::uniform(&[("a", 0.0, 1.0)]).unwrap();
    assert!(SaltelliDesign::new(1, 0, true, Scramble::None, 0, 0).is_err());
    assert!(MorrisDesign::new(2, 4, 3, 0).is_err());
    assert!(MorrisDesign::new(2, 1, 4, 0).is_err());
    let y = Array2::<f64>::zeros((4, 1));
    let o = SobolOptions {
        conf_level: 1.5,
        ..Default::default()
    };
    assert!(matches!(
        analyze_sobol(&p, y.view(), &o),
        Err(SensitivityError::InvalidOption { .. })
    ));
    // Unbounded inputs on an unscrambled design hit the origin: a clear error.
    let pn = Problem::new(vec![Input::new(
        "z",
        Distribution::Normal { mean: 0.0, sd: 1.0 },
    )])
    .unwrap();
    let d = SaltelliDesign::new(1, 8, true, Scramble::None, 0, 0).unwrap();
    let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0]);
    let e = evaluate_design(&pn, &d, &m, 16).unwrap_err();
    assert!(matches!(e, SensitivityError::NonFiniteInput { row: 0, .. }));
    assert!(e.to_string().contains("scrambled"));
    // Scrambled: fine.
    let d = SaltelliDesign::new(1, 8, true, Scramble::LinearMatrix, 0, 0).unwrap();
    assert!(evaluate_design(&pn, &d, &m, 16).is_ok());
}

#[test]
fn n_not_power_of_two_gives_a_warning_that_says_why() {
    let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
    let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0] + x[1] * x[1]);
    let res = SobolAnalysis::new(p, 1000).n_bootstrap(10).run(&m).unwrap();
    assert_eq!(
        res.warnings,
        vec![SensitivityWarning::NotPowerOfTwo { n: 1000 }]
    );
    let msg = res.warnings[0].to_string();
    assert!(
        msg.contains("power of two") && msg.contains("1024") && msg.contains("512"),
        "{msg}"
    );
    assert!(msg.contains("net"));
}

#[test]
fn constant_output_gives_zero_indices_and_a_warning() {
    let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
    let m = FnModel::new(2, |x: &[f64], y: &mut [f64]| {
        y[0] = 3.0;
        y[1] = x[0];
    });
    let res = SobolAnalysis::new(p, 256).n_bootstrap(10).run(&m).unwrap();
    assert_eq!(res.outputs[0].s1, vec![0.0, 0.0]);
    assert!(
        res.warnings
            .contains(&SensitivityWarning::ConstantOutput { output: 0 })
    );
    assert!((res.outputs[1].s1[0] - 1.0).abs() < 0.01);
}

#[test]
fn oversized_requests_are_errors_not_aborts() {
    assert!(matches!(
        MorrisDesign::optimized(3, 10, 4, 1_000_000, 0),
        Err(SensitivityError::InvalidOption {
            option: "candidates",
            ..
        })
    ));
    assert!(SaltelliDesign::new(1000, usize::MAX / 4, true, Scramble::None, 0, 0).is_err());
    // A design too large to hold whole: an error from `matrix`, while batches still work.
    let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0)]).unwrap();
    let d = SaltelliDesign::new(3, 1 << 28, true, Scramble::None, 0, 0).unwrap();
    assert!(matches!(
        d.matrix(&p),
        Err(SensitivityError::TooLarge { columns: 3, .. })
    ));
    assert_eq!(d.batches(&p, 8).next().unwrap().unwrap().1.nrows(), 8);
}

/// The limit on a matrix held whole (2^28 numbers, 2 GiB), as the messages state it.
const LIMIT: &str = "above the limit of 268435456 numbers (2147483648 bytes, 2.0 GiB)";

#[test]
fn too_large_requests_are_refused_before_allocating_with_the_size_and_the_limit() {
    // Each request below would need 8 TiB or more: had anything been allocated (or a model
    // evaluated), the test could not return. The messages state rows × columns, the numbers
    // and bytes, and the limit.
    let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
    // Sobol' design, whole: N = 2^38 base points × (2k + 2 = 6) rows × 2 inputs.
    let d = SaltelliDesign::new(2, 1 << 38, true, Scramble::None, 0, 0).unwrap();
    let e = d.matrix(&p).unwrap_err();
    assert_eq!(
        e,
        SensitivityError::TooLarge {
            what: "the whole design",
            rows: 6 << 38,
            columns: 2,
            limit: 1 << 28,
            advice: "use a smaller N, or evaluate the design in batches (`Design::batches`, \
                     `evaluate_design`, `SobolAnalysis::run`)",
        }
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "the whole design of 1649267441664 rows × 2 columns = 3298534883328 numbers \
             (26388279066624 bytes, 24576.0 GiB) is above the limit"
        ),
        "{msg}"
    );
    assert!(msg.contains(LIMIT), "{msg}");
    // The outputs of a Sobol' analysis (N(k + 2) rows × 1 output), checked before the model
    // is called even once.
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let model = FnModel::new(1, |x: &[f64], y: &mut [f64]| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        y[0] = x[0];
    });
    let e = SobolAnalysis::new(p.clone(), 1 << 40)
        .second_order(false)
        .run(&model)
        .unwrap_err();
    assert!(
        matches!(e, SensitivityError::TooLarge { what: "the model outputs", rows, columns: 1, .. } if rows == 4 << 40),
        "{e:?}"
    );
    assert!(e.to_string().contains(LIMIT), "{e}");
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 0);
    // Morris trajectories (held whole): N (k + 1) rows × k.
    let e = MorrisDesign::new(2, 1 << 40, 4, 0).unwrap_err();
    assert!(
        matches!(e, SensitivityError::TooLarge { rows, columns: 2, .. } if rows == 3 << 40),
        "{e:?}"
    );
    assert!(e.to_string().contains(LIMIT), "{e}");
    // A Latin hypercube holds its permutations (N × k) whole.
    let e = innodex::sensitivity::LatinHypercubeDesign::new(2, u32::MAX as usize, 0).unwrap_err();
    assert!(
        matches!(e, SensitivityError::TooLarge { columns: 2, .. }),
        "{e:?}"
    );
    // One number over the limit (2^27 + 1 rows × 2) is refused.
    let lhs = innodex::sensitivity::LatinHypercubeDesign::new(2, (1 << 27) + 1, 0).unwrap_err();
    assert!(lhs.to_string().contains("268435458 numbers"), "{lhs}");
}
