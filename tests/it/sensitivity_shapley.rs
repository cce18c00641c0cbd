//! Shapley effects (Song, Nelson and Staum 2016) and yearly Sobol' indices: the "Must hold" list
//! of issue 20 against closed forms and invariants.

use innodex::sensitivity::{
    Correlation, Distribution, FnModel, Input, Problem, Scramble, SensitivityError,
    SensitivityWarning, ShapleyAnalysis, ShapleyMethod, ShapleyResult, SobolAnalysis,
};

use crate::support::with_threads;

fn normal(name: &str, mean: f64, sd: f64) -> Input {
    Input::new(name, Distribution::Normal { mean, sd })
}

/// Bit-identical comparison through the shortest round-trip text of every f64.
fn same<T: std::fmt::Debug>(a: &T, b: &T) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

// ------------------------------------------------------------------ the Gaussian closed form

/// The inverse of a small symmetric positive-definite matrix by Gauss–Jordan elimination
/// (written here, independently of the library's Cholesky code).
fn inverse(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = r.clone();
            row.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs()))
            .unwrap();
        m.swap(c, p);
        let d = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= d);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let pivot = m[c].clone();
                m[r].iter_mut().zip(pivot).for_each(|(v, q)| *v -= f * q);
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

/// E[Var(Y | X_{−J})] for Y = βᵀX, X ~ N(μ, Σ): Var(Y | X_{−J}) is the constant
/// β_Jᵀ (Σ_JJ − Σ_{J,−J} Σ_{−J,−J}⁻¹ Σ_{−J,J}) β_J (the conditional covariance of a Gaussian).
fn cost(beta: &[f64], cov: &[Vec<f64>], mask: usize) -> f64 {
    let k = beta.len();
    let j: Vec<usize> = (0..k).filter(|i| mask >> i & 1 == 1).collect();
    let f: Vec<usize> = (0..k).filter(|i| mask >> i & 1 == 0).collect();
    let sub = |r: &[usize], c: &[usize]| -> Vec<Vec<f64>> {
        r.iter()
            .map(|&a| c.iter().map(|&b| cov[a][b]).collect())
            .collect()
    };
    let mut cj = sub(&j, &j);
    if !f.is_empty() {
        let inv = inverse(&sub(&f, &f));
        let sjf = sub(&j, &f);
        for p in 0..j.len() {
            for q in 0..j.len() {
                let mut adj = 0.0;
                for a in 0..f.len() {
                    for b in 0..f.len() {
                        adj += sjf[p][a] * inv[a][b] * sjf[q][b];
                    }
                }
                cj[p][q] -= adj;
            }
        }
    }
    let mut v = 0.0;
    for p in 0..j.len() {
        for q in 0..j.len() {
            v += beta[j[p]] * cj[p][q] * beta[j[q]];
        }
    }
    v
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|i| i as f64).product()
}

/// The Shapley effects of the Gaussian linear model, exactly (Iooss and Prieur 2019, §3.1):
/// Sh_i = Σ_{J ⊆ −i} |J|! (k − |J| − 1)! / k! · (c(J ∪ {i}) − c(J)) / Var(Y).
fn gaussian_linear_shapley(beta: &[f64], cov: &[Vec<f64>]) -> Vec<f64> {
    let k = beta.len();
    let var = cost(beta, cov, (1 << k) - 1);
    (0..k)
        .map(|i| {
            let mut s = 0.0;
            for mask in 0..1usize << k {
                if mask >> i & 1 == 1 {
                    continue;
                }
                let size = mask.count_ones() as usize;
                let w = factorial(size) * factorial(k - size - 1) / factorial(k);
                s += w * (cost(beta, cov, mask | 1 << i) - cost(beta, cov, mask));
            }
            s / var
        })
        .collect()
}

/// The closed form above agrees with the published two-input formula (Iooss and Prieur 2019,
/// eq. for k = 2): Sh₁ V = β₁²σ₁²(1 − ρ²/2) + ρ β₁β₂σ₁σ₂ + β₂²σ₂²ρ²/2.
#[test]
fn the_test_closed_form_matches_the_two_input_formula() {
    let (b1, b2, s1, s2, rho): (f64, f64, f64, f64, f64) = (1.5, -0.7, 2.0, 0.5, 0.6);
    let cov = vec![vec![s1 * s1, rho * s1 * s2], vec![rho * s1 * s2, s2 * s2]];
    let v = b1 * b1 * s1 * s1 + 2.0 * rho * b1 * b2 * s1 * s2 + b2 * b2 * s2 * s2;
    let sh1 = (b1 * b1 * s1 * s1 * (1.0 - rho * rho / 2.0)
        + rho * b1 * b2 * s1 * s2
        + b2 * b2 * s2 * s2 * rho * rho / 2.0)
        / v;
    let sh = gaussian_linear_shapley(&[b1, b2], &cov);
    assert!((sh[0] - sh1).abs() < 1e-14, "{} vs {sh1}", sh[0]);
    assert!((sh[0] + sh[1] - 1.0).abs() < 1e-14);
}

const BETA: [f64; 4] = [1.0, -2.0, 0.5, 1.5];
const SD: [f64; 4] = [1.0, 0.5, 2.0, 1.0];
const RHO: [[f64; 4]; 4] = [
    [1.0, 0.5, -0.3, 0.0],
    [0.5, 1.0, 0.2, 0.3],
    [-0.3, 0.2, 1.0, -0.2],
    [0.0, 0.3, -0.2, 1.0],
];

fn gaussian_case() -> (Problem, Correlation, Vec<f64>) {
    let names = ["x1", "x2", "x3", "x4"];
    let means = [3.0, -1.0, 0.0, 10.0];
    let p = Problem::new((0..4).map(|i| normal(names[i], means[i], SD[i])).collect()).unwrap();
    let r = Correlation::from_rows(&RHO.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap();
    let cov: Vec<Vec<f64>> = (0..4)
        .map(|i| (0..4).map(|j| RHO[i][j] * SD[i] * SD[j]).collect())
        .collect();
    (p, r, gaussian_linear_shapley(&BETA, &cov))
}

fn linear() -> FnModel<impl Fn(&[f64], &mut [f64]) + Sync> {
    FnModel::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = x.iter().zip(BETA).map(|(a, b)| a * b).sum()
    })
}

/// Every estimate within four bootstrap standard deviations (and 0.03) of the exact value,
/// and the effects summing to 1 (telescoping: exact up to rounding).
fn assert_close(res: &ShapleyResult, exact: &[f64]) {
    let e = &res.outputs[0];
    let z = 1.959963984540054;
    for (i, x) in exact.iter().enumerate() {
        let sd = e.conf[i] / z;
        let err = (e.shapley[i] - x).abs();
        assert!(
            err <= 4.0 * sd && err < 0.03,
            "{:?} Sh[{i}] = {} vs exact {x} (bootstrap sd {sd})",
            res.method,
            e.shapley[i],
        );
        assert!(sd > 0.0 && sd < 0.02, "sd {sd}");
    }
    let sum: f64 = e.shapley.iter().sum();
    assert!((sum - 1.0).abs() < 1e-12, "sum {sum}");
}

/// (a) Gaussian inputs, correlation Σ, Y = Σ βᵢXᵢ: both estimators give the closed form
/// within their Monte Carlo error, and the effects sum to 1.
#[test]
fn gaussian_linear_model_matches_the_closed_form() {
    let (p, r, exact) = gaussian_case();
    // The closed form is not the independent one (the test has teeth): βᵢ²σᵢ² / Σ βⱼ²σⱼ².
    let total: f64 = (0..4).map(|i| (BETA[i] * SD[i]).powi(2)).sum();
    assert!((0..4).any(|i| (exact[i] - (BETA[i] * SD[i]).powi(2) / total).abs() > 0.05));
    let exact_res = ShapleyAnalysis::new(p.clone(), r.clone())
        .n_var(20_000)
        .n_outer(2_000)
        .n_bootstrap(100)
        .seed(11)
        .run(&linear())
        .unwrap();
    assert_eq!(exact_res.method, ShapleyMethod::Exact);
    assert_eq!(exact_res.model_runs, 20_000 + 14 * 2_000 * 3);
    assert_close(&exact_res, &exact);
    let random = ShapleyAnalysis::new(p, r)
        .method(ShapleyMethod::Random)
        .n_perm(6_000)
        .n_var(20_000)
        .n_bootstrap(100)
        .seed(12)
        .run(&linear())
        .unwrap();
    assert_eq!(
        (random.n_perm, random.n_outer, random.n_inner),
        (6_000, 1, 3)
    );
    assert_close(&random, &exact);
}

/// The copula path with non-normal marginals: inputs uniform and log-normal, a model that maps
/// each input back to its normal score (Φ⁻¹((x − a)/(b − a)), (ln x − μ)/σ) and sums them with
/// weights β: the effects are those of the Gaussian linear model on the scores, exactly.
#[test]
fn non_normal_marginals_are_sampled_through_the_copula() {
    let p = Problem::new(vec![
        Input::new(
            "u1",
            Distribution::Uniform {
                lower: 0.0,
                upper: 2.0,
            },
        ),
        Input::new(
            "l2",
            Distribution::LogNormal {
                mu: 0.5,
                sigma: 0.3,
            },
        ),
        Input::new(
            "u3",
            Distribution::Uniform {
                lower: -1.0,
                upper: 1.0,
            },
        ),
        normal("n4", 0.0, 1.0),
    ])
    .unwrap();
    let r = Correlation::from_rows(&RHO.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap();
    let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| {
        let q = innodex::stats::normal_quantile;
        let z = [
            q(x[0] / 2.0),
            (x[1].ln() - 0.5) / 0.3,
            q((x[2] + 1.0) / 2.0),
            x[3],
        ];
        y[0] = z.iter().zip(BETA).map(|(a, b)| a * b).sum();
    });
    let cov: Vec<Vec<f64>> = RHO.iter().map(|r| r.to_vec()).collect();
    let exact = gaussian_linear_shapley(&BETA, &cov);
    let res = ShapleyAnalysis::new(p, r)
        .n_var(20_000)
        .n_outer(2_000)
        .seed(5)
        .run(&m)
        .unwrap();
    assert_close(&res, &exact);
}

/// (b) Independent inputs and an additive model: Shapley effects = first-order Sobol' indices
/// = Vᵢ / Σ Vⱼ. Y = X₁ + X₂² + sin(2πX₃), Xᵢ ~ U(0, 1): V = (1/12, 4/45, 1/2).
#[test]
fn independent_additive_model_gives_first_order_indices() {
    let p = Problem::uniform(&[("x1", 0.0, 1.0), ("x2", 0.0, 1.0), ("x3", 0.0, 1.0)]).unwrap();
    let v = [1.0 / 12.0, 4.0 / 45.0, 0.5];
    let total: f64 = v.iter().sum();
    let analytic: Vec<f64> = v.iter().map(|x| x / total).collect();
    let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = x[0] + x[1] * x[1] + (2.0 * std::f64::consts::PI * x[2]).sin()
    });
    for method in [ShapleyMethod::Exact, ShapleyMethod::Random] {
        // N_O = 3000 for the exact estimator; Song et al.'s N_O = 1 (the default) for m = 6000
        // random permutations.
        let mut an = ShapleyAnalysis::independent(p.clone())
            .method(method)
            .n_var(20_000)
            .n_perm(6_000)
            .seed(3);
        if method == ShapleyMethod::Exact {
            an = an.n_outer(3_000);
        }
        let res = an.run(&m).unwrap();
        assert_close(&res, &analytic);
    }
    // Sobol' first-order indices of the same model agree with both.
    let sobol = SobolAnalysis::new(p, 1 << 12)
        .second_order(false)
        .n_bootstrap(0)
        .run(&m)
        .unwrap();
    for (s, a) in sobol.outputs[0].s1.iter().zip(&analytic) {
        assert!((s - a).abs() < 0.02, "{s} vs {a}");
    }
}

/// (d) Same seed, same effects and intervals (bit for bit) on 1 or 2 threads, for both
/// estimators; the batch size changes nothing either.
#[test]
fn shapley_is_identical_on_one_and_two_threads() {
    let (p, r, _) = gaussian_case();
    for method in [ShapleyMethod::Exact, ShapleyMethod::Random] {
        // The random estimator with N_O = 2 (its outer average is exercised too).
        let n_outer = if method == ShapleyMethod::Exact {
            700
        } else {
            2
        };
        let an = ShapleyAnalysis::new(p.clone(), r.clone())
            .method(method)
            .n_var(3_000)
            .n_outer(n_outer)
            .n_perm(700)
            .n_bootstrap(20)
            .seed(8);
        let a = with_threads(1, || an.run(&linear()).unwrap());
        let b = with_threads(2, || an.run(&linear()).unwrap());
        same(&a, &b);
        let c = with_threads(2, || an.clone().batch_rows(1000).run(&linear()).unwrap());
        same(&a, &c);
        let d = with_threads(2, || an.clone().seed(9).run(&linear()).unwrap());
        assert_ne!(a.outputs[0].shapley, d.outputs[0].shapley);
    }
}

/// Bad correlation matrices and options are typed errors naming the entry and its value.
#[test]
fn bad_correlations_and_options_are_errors() {
    let msg = |e: SensitivityError| e.to_string();
    let rows = |v: &[&[f64]]| v.iter().map(|r| r.to_vec()).collect::<Vec<_>>();
    let e = Correlation::from_rows(&rows(&[&[1.0, 0.2], &[0.3, 1.0]])).unwrap_err();
    assert!(matches!(e, SensitivityError::InvalidCorrelation(_)));
    assert!(msg(e).contains("corr[1][0] = 0.3 but corr[0][1] = 0.2"));
    let e = Correlation::from_rows(&rows(&[
        &[1.0, 0.9, 0.9],
        &[0.9, 1.0, -0.9],
        &[0.9, -0.9, 1.0],
    ]));
    assert!(msg(e.unwrap_err()).contains("not positive definite (smallest eigenvalue -"));
    let e = Correlation::from_rows(&rows(&[&[1.0, 1.5], &[1.5, 1.0]])).unwrap_err();
    assert!(msg(e).contains("corr[0][1] = 1.5 is outside [-1, 1]"));
    let e = Correlation::from_rows(&rows(&[&[1.0, f64::INFINITY], &[0.0, 1.0]])).unwrap_err();
    assert!(msg(e).contains("corr[0][1] = inf is not finite"));
    let e = Correlation::from_rows(&rows(&[&[1.0, 0.0], &[0.0]])).unwrap_err();
    assert!(msg(e).contains("row 1 has 1 values, expected 2"));
    // A 2 × 2 matrix for three inputs.
    let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0)]).unwrap();
    let m = FnModel::new(1, |x: &[f64], y: &mut [f64]| y[0] = x[0]);
    let e = ShapleyAnalysis::new(p.clone(), Correlation::identity(2))
        .run(&m)
        .unwrap_err();
    assert!(msg(e).contains("corr is 2 × 2 but the problem has 3 inputs"));
    for (an, option) in [
        (
            ShapleyAnalysis::independent(p.clone()).n_inner(1),
            "n_inner",
        ),
        (ShapleyAnalysis::independent(p.clone()).n_var(1), "n_var"),
        (
            ShapleyAnalysis::independent(p.clone()).n_outer(0),
            "n_outer",
        ),
        (
            ShapleyAnalysis::independent(p.clone())
                .method(ShapleyMethod::Random)
                .n_perm(0),
            "n_perm",
        ),
        (
            ShapleyAnalysis::independent(p.clone()).conf_level(1.0),
            "conf_level",
        ),
    ] {
        let e = an.run(&m).unwrap_err();
        assert!(
            matches!(e, SensitivityError::InvalidOption { option: o, .. } if o == option),
            "{e}"
        );
    }
    // A model returning NaN names the row.
    let nan = FnModel::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = if x[0] > 0.9 { f64::NAN } else { x[0] }
    });
    let e = ShapleyAnalysis::independent(p)
        .n_var(100)
        .n_outer(10)
        .run(&nan);
    assert!(matches!(e, Err(SensitivityError::NonFiniteOutput { .. })));
}

/// A constant output: zero effects and a warning, never NaN.
#[test]
fn constant_output_gives_zero_effects() {
    let p = Problem::uniform(&[("a", 0.0, 1.0), ("b", 0.0, 1.0)]).unwrap();
    let m = FnModel::new(2, |x: &[f64], y: &mut [f64]| {
        y[0] = 1.0;
        y[1] = x[0];
    });
    let res = ShapleyAnalysis::independent(p)
        .n_var(2000)
        .n_outer(1000)
        .n_bootstrap(20)
        .run(&m)
        .unwrap();
    assert_eq!(res.outputs[0].shapley, vec![0.0, 0.0]);
    assert!(res.outputs[0].conf.iter().all(|c| *c == 0.0));
    assert!(
        res.warnings
            .contains(&SensitivityWarning::ConstantOutput { output: 0 })
    );
    let y1 = &res.outputs[1];
    assert!((y1.shapley[0] + y1.shapley[1] - 1.0).abs() < 1e-12);
    // b does not enter y1: its effect is zero up to the Monte Carlo error of c({a}) − Var(Y).
    assert!(
        y1.shapley[1].abs() < 3.0 * y1.conf[1] && y1.conf[1] < 0.05,
        "{y1:?}"
    );
}

// ------------------------------------------------------------------ yearly Sobol' indices

/// (c) The indices of the final year equal the single-output analysis of that year's column
/// exactly (same design, same seed), S2 included; and 1 or 2 threads change nothing.
#[test]
fn yearly_indices_at_the_final_year_equal_the_single_output_analysis() {
    let p = Problem::uniform(&[("g", 0.0, 0.2), ("h", 0.03, 0.08), ("s0", 2.0, 2.5)]).unwrap();
    let years = [2021, 2022, 2023, 2024, 2025];
    let path = |x: &[f64], t: usize| x[2] * ((1.0 + x[0]) / (1.0 + x[1])).powi(t as i32 + 1);
    let yearly = FnModel::new(5, move |x: &[f64], y: &mut [f64]| {
        for (t, v) in y.iter_mut().enumerate() {
            *v = path(x, t);
        }
    });
    let last = FnModel::new(1, move |x: &[f64], y: &mut [f64]| y[0] = path(x, 4));
    for second in [false, true] {
        let an = SobolAnalysis::new(p.clone(), 1 << 10)
            .second_order(second)
            .scramble(Scramble::LinearMatrix)
            .n_bootstrap(50)
            .seed(17);
        let over = with_threads(2, || an.run_over_time(&yearly, &years).unwrap());
        let single = with_threads(2, || an.run(&last).unwrap());
        assert_eq!(over.years, years);
        assert_eq!(over.result.output_names[4], "2025");
        same(over.year(2025).unwrap(), &single.outputs[0]);
        let one = with_threads(1, || an.run_over_time(&yearly, &years).unwrap());
        same(&one, &over);
        // The start share dominates early, the growth rates late.
        assert_eq!(over.dominant(2021), Some("s0"));
        assert_eq!(over.dominant(2025), Some("g"));
    }
    let e = SobolAnalysis::new(p, 64)
        .run_over_time(&yearly, &[2021, 2022])
        .unwrap_err();
    assert!(
        e.to_string().contains("2 years given for 5 model outputs"),
        "{e}"
    );
}

/// The report's yearly section for Linyi's R&D-share gap: its 2025 row equals the report's 2025
/// Sobol' section exactly (same design, seed and bootstrap), and the years read as the model
/// says (in the start year 2024 only the start share and Shandong's increase matter).
#[test]
fn report_gap_by_year_ends_with_the_2025_section() {
    use innodex::{plan::Plan, report::PlanReport};
    let r = PlanReport::new(&Plan::linyi())
        .with_rd_share_sensitivity(1 << 10, 3)
        .unwrap();
    let (g, y) = (
        r.rd_share_sensitivity.as_ref().unwrap(),
        r.rd_share_gap_by_year.as_ref().unwrap(),
    );
    assert_eq!(y.years, [2021, 2022, 2023, 2024, 2025]);
    same(&y.s1[4], &g.s1);
    same(&y.st[4], &g.st);
    same(&y.s1_conf[4], &g.s1_conf);
    same(&y.st_conf[4], &g.st_conf);
    assert_eq!(y.base_gap[4], g.base_gap);
    // 2024: Linyi at its start share; the growth rates have no effect at all.
    assert_eq!((y.s1[3][0], y.s1[3][1]), (0.0, 0.0));
    assert_eq!(y.dominant[3], "start_share");
    // Shandong: published through 2023 (2.34, 2.49, 2.59), projected after.
    let published: Vec<bool> = y.reference.iter().map(|r| r.1).collect();
    assert_eq!(published, [true, true, true, false, false]);
    assert_eq!(y.reference[1].0, 2.49);
    let md = r.to_markdown();
    assert!(md.contains("what drives Linyi's gap to the Shandong average, 2021–2025"));
    assert!(md.contains("| 2024 | 2.69 (projected) |"), "{md}");
    assert!(r.to_table().contains("largest: start_share"));
    // The years before the start share are back-cast, and every rendering says so: they are
    // not history, whatever their drivers.
    assert_eq!(y.start_year, 2024);
    for year in [2021, 2022, 2023] {
        assert!(md.contains(&format!("| {year} (back-cast) |")), "{md}");
        assert!(r.to_table().contains(&format!("{year} (back-cast)")));
    }
    assert!(!md.contains("2024 (back-cast)") && !md.contains("2025 (back-cast)"));
    assert!(md.contains("Rows marked back-cast (2021–2023) are not history"));
}
