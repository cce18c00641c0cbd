//! The "must hold" properties of the projection core, and closed-form checks of every piece.
use crate::support::with_threads;
use innodex::projection::ProjectionError;
use innodex::projection::fit::{OlsLine, normal_cdf, normal_quantile, t_quantile};
use innodex::projection::methods::{DampedHolt, HoltInit, LogLinearTrend, Method};
use innodex::projection::monte_carlo::{
    Channel, ChannelKind, Correlation, McConfig, McModel, McTarget, Process, TrendScale, simulate,
};
use innodex::stats::Distribution;
use innodex::target::Rule;

/// China's R&D expenditure 2015–2023, 100 million yuan, first published
/// (data/china_province_rd_2015_2023.csv).
const YEARS: [i32; 9] = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023];
const CHINA_RD: [f64; 9] = [
    14169.9, 15676.7, 17606.1, 19677.9, 22143.6, 24393.1, 27956.3, 30782.9, 33357.1,
];

#[test]
fn log_linear_cagr_equals_hand_computed_least_squares() {
    // By hand: x = year − 2019 ∈ {−4…4}, Σx = 0, Sxx = 60, slope b = Σ x·ln y / 60.
    let sxy: f64 = YEARS
        .iter()
        .zip(CHINA_RD)
        .map(|(y, v)| (y - 2019) as f64 * v.ln())
        .sum();
    let b = sxy / 60.0;
    let t = LogLinearTrend::fit(&YEARS, &CHINA_RD).unwrap();
    assert!((t.line.slope - b).abs() < 1e-12);
    assert!((t.cagr() - (b.exp() - 1.0)).abs() < 1e-12);
    // And against the same fit done independently in Python (math.fsum), printed to 17 digits.
    assert!((t.cagr() - 0.11606511280003767).abs() < 1e-12);
    // SE(CAGR) = e^b · s / √Sxx with s² = SSE / 7.
    assert!((t.cagr_se().unwrap() - 0.0018417130117728286).abs() < 1e-12);
}

#[test]
fn trend_prediction_interval_is_the_textbook_formula() {
    let x: Vec<f64> = YEARS.iter().map(|&y| y as f64).collect();
    let f = Method::Linear
        .forecast(&YEARS, &CHINA_RD, 2025, 0.9)
        .unwrap();
    let line = OlsLine::fit(&x, &CHINA_RD).unwrap();
    let s = line.sigma().unwrap();
    let t = t_quantile(0.95, 7.0).unwrap();
    // x̄ = 2019, Sxx = 60: at 2025 the leverage term is (2025 − 2019)² / 60.
    let hw = t * s * (1.0 + 1.0 / 9.0 + 36.0 / 60.0f64).sqrt();
    assert!((f.upper[1] - f.point[1] - hw).abs() < 1e-9 * hw);
    assert!((f.point[1] - f.lower[1] - hw).abs() < 1e-9 * hw);
}

#[test]
fn logistic_methods_never_pass_the_ceiling() {
    let shares = [60.0, 70.0, 80.0, 88.0, 93.0];
    let years = [2019, 2020, 2021, 2022, 2023];
    let f = Method::LogisticTrend { ceiling: 100.0 }
        .forecast(&years, &shares, 2060, 0.9)
        .unwrap();
    assert!(
        f.upper
            .iter()
            .chain(&f.point)
            .all(|&v| v < 100.0 && v > 0.0)
    );
    let g = Method::Logistic {
        rate: 0.8,
        ceiling: 100.0,
    }
    .forecast(&years, &shares, 2080, 0.9)
    .unwrap();
    // Far out the path rounds to the ceiling in floating point, and never beyond it.
    assert!(g.point.iter().all(|&v| v <= 100.0));
    assert!(g.point[..20].iter().all(|&v| v < 100.0));
    // One step from 93 %: logit(0.93) + 0.8, back-transformed.
    let x = (93.0f64 / 7.0).ln() + 0.8;
    assert!((g.point[0] - 100.0 / (1.0 + (-x).exp())).abs() < 1e-12);
}

#[test]
fn damped_holt_recursions_by_hand() {
    // α = 0.5, β = 0.5, φ = 0.8, ℓ₀ = 10, b₀ = 1, y = [12, 13].
    // t=1: ŷ = 10.8, ℓ = 11.4, b = 0.5·1.4 + 0.5·0.8 = 1.1
    // t=2: ŷ = 11.4 + 0.88 = 12.28, ℓ = 12.64, b = 0.5·1.24 + 0.5·0.88 = 1.06
    // forecast h=1: 12.64 + 0.8·1.06 = 13.488; h=2: + 0.64·1.06 = 14.1664
    let m = DampedHolt::fit(
        &[12.0, 13.0],
        Some(0.5),
        Some(0.5),
        Some(0.8),
        HoltInit::Known {
            level: 10.0,
            trend: 1.0,
        },
    )
    .unwrap();
    assert!((m.level - 12.64).abs() < 1e-12 && (m.trend - 1.06).abs() < 1e-12);
    let (p, sd) = m.forecast(3);
    assert!((p[0] - 13.488).abs() < 1e-12 && (p[1] - 14.1664).abs() < 1e-12);
    // SSE = 1.2² + 0.72² = 1.9584; nothing fitted, σ² = SSE / 2.
    assert!((m.sse - 1.9584).abs() < 1e-12);
    let s2: f64 = 1.9584 / 2.0;
    let sd = sd.unwrap();
    let c1: f64 = 0.5 + 0.25 * 0.8;
    let c2: f64 = 0.5 + 0.25 * (0.8 + 0.64);
    assert!((sd[0] - s2.sqrt()).abs() < 1e-12);
    assert!((sd[1] - (s2 * (1.0 + c1 * c1)).sqrt()).abs() < 1e-12);
    assert!((sd[2] - (s2 * (1.0 + c1 * c1 + c2 * c2)).sqrt()).abs() < 1e-12);
}

#[test]
fn fitted_damped_holt_is_a_local_minimum_of_the_sse() {
    let m = DampedHolt::fit(&CHINA_RD, None, None, None, HoltInit::Heuristic).unwrap();
    assert_eq!(m.n_fitted, 3);
    let sse = |a: f64, b: f64, p: f64| {
        DampedHolt::fit(&CHINA_RD, Some(a), Some(b), Some(p), HoltInit::Heuristic)
            .unwrap()
            .sse
    };
    let base = sse(m.alpha, m.beta, m.phi);
    assert!((base - m.sse).abs() < 1e-9 * base);
    for d in [-1e-3, 1e-3] {
        for (a, b, p) in [
            (m.alpha + d, m.beta, m.phi),
            (m.alpha, m.beta + d, m.phi),
            (m.alpha, m.beta, m.phi + d),
        ] {
            let inside = (1e-4..=0.9999).contains(&a)
                && (1e-4..=0.9999).contains(&b)
                && (0.8..=0.98).contains(&p);
            if inside {
                assert!(sse(a, b, p) >= base * (1.0 - 1e-9), "{a} {b} {p}");
            }
        }
    }
}

fn lognormal_model(mu: f64, sigma: f64, threshold: f64) -> McModel {
    crate::support::growth_to_level(Distribution::LogNormal { mu, sigma }, threshold)
}

#[test]
fn iid_lognormal_growth_gives_a_lognormal_final_value() {
    // 1 + g ~ LN(μ, σ) each year, 5 years: X₂₀₂₅ ~ LN(ln 750 + 5μ, √5 σ).
    let (mu, sigma, thr) = (0.11, 0.05, 1300.0);
    let n = 200_000;
    let cfg = McConfig {
        n_paths: n,
        seed: 20210605,
        ..McConfig::default()
    };
    let r = simulate(&lognormal_model(mu, sigma, thr), &cfg).unwrap();
    let (m, s) = (750f64.ln() + 5.0 * mu, 5f64.sqrt() * sigma);
    let q = r.indicator("x").unwrap().at(2025).unwrap();
    for (p, got) in cfg.quantiles.iter().zip(q) {
        let z = normal_quantile(*p);
        let exact = (m + s * z).exp();
        // SE of a sample quantile: √(p(1 − p)/n) / f(q), f the log-normal density.
        let dens = (-z * z / 2.0).exp() / ((2.0 * std::f64::consts::PI).sqrt() * s * exact);
        let se = (p * (1.0 - p) / n as f64).sqrt() / dens;
        assert!(
            (got - exact).abs() < 4.0 * se,
            "p = {p}: {got} vs {exact} (se {se})"
        );
    }
    let t = r.target("reach").unwrap();
    let exact = 1.0 - normal_cdf((thr.ln() - m) / s);
    let se = (exact * (1.0 - exact) / n as f64).sqrt();
    let got = t.probability.unwrap();
    assert!((got - exact).abs() < 4.0 * se, "{got} vs {exact}");
    // The mean: E X = exp(m + s²/2).
    let mean = r.indicator("x").unwrap().mean[5].unwrap();
    let sd = ((s * s).exp_m1() * (2.0 * m + s * s).exp()).sqrt();
    assert!((mean - (m + s * s / 2.0).exp()).abs() < 4.0 * sd / (n as f64).sqrt());
}

#[test]
fn truncated_normal_per_path_rate_matches_its_closed_form() {
    // g ~ N(0.10, 0.05²) truncated to [0.05, 0.15], drawn once per path, 5 years from 750:
    // P(X₂₀₂₅ ≥ thr) = (Φ(b) − Φ(z_c)) / (Φ(b) − Φ(a)), z_c the standardised rate that reaches thr.
    let (mean, sd, lo, hi) = (0.10, 0.05, 0.05, 0.15);
    let mut m = lognormal_model(0.0, 0.0, 1300.0);
    m.channels[0] = Channel::simulated(
        "x",
        2020,
        750.0,
        Process::Growth {
            rate: Distribution::TruncatedNormal {
                mean,
                sd,
                lower: lo,
                upper: hi,
            },
            per_path: true,
            shock: None,
        },
    );
    let n = 100_000;
    let cfg = McConfig {
        n_paths: n,
        seed: 7,
        ..McConfig::default()
    };
    let r = simulate(&m, &cfg).unwrap();
    let (a, b) = ((lo - mean) / sd, (hi - mean) / sd);
    let c = ((1300.0f64 / 750.0).powf(0.2) - 1.0 - mean) / sd;
    let exact = (normal_cdf(b) - normal_cdf(c)) / (normal_cdf(b) - normal_cdf(a));
    let got = r.target("reach").unwrap().probability.unwrap();
    let se = (exact * (1.0 - exact) / n as f64).sqrt();
    assert!((got - exact).abs() < 4.0 * se, "{got} vs {exact}");
    // Every path stays inside the truncation interval's values.
    let q = r.indicator("x").unwrap().at(2025).unwrap();
    let (min, max) = (750.0 * (1.0 + lo).powi(5), 750.0 * (1.0 + hi).powi(5));
    assert!(q.iter().all(|v| (min..=max).contains(v)), "{q:?}");
}

/// A model touching every feature: correlated yearly and per-path draws, shocks, a bootstrap,
/// PERT and triangular margins, a simulated trend, a simulated Holt, a logistic share, a ratio,
/// and a target of every kind.
fn everything_model() -> McModel {
    let holt = DampedHolt::fit(
        &CHINA_RD,
        Some(0.8),
        Some(0.3),
        Some(0.9),
        HoltInit::Heuristic,
    )
    .unwrap();
    let x: Vec<f64> = YEARS.iter().map(|&y| y as f64).collect();
    let ly: Vec<f64> = CHINA_RD.iter().map(|v| v.ln()).collect();
    let mut share = Channel::simulated(
        "share",
        2020,
        40.0,
        Process::Logistic {
            rate: Distribution::Triangular {
                lower: 0.0,
                mode: 0.05,
                upper: 0.15,
            },
            per_path: false,
            shock: None,
            ceiling: 100.0,
        },
    );
    share.bounds = (0.0, 100.0);
    let mut flow = Channel::simulated(
        "flow",
        2020,
        600.0,
        Process::Growth {
            rate: Distribution::Empirical {
                values: vec![-0.05, 0.0, 0.04, 0.08, 0.12],
            },
            per_path: false,
            shock: None,
        },
    );
    flow.known = vec![(2019, 580.0)];
    McModel {
        horizon: 2026,
        channels: vec![
            Channel::simulated(
                "rd",
                2020,
                100.0,
                Process::Growth {
                    rate: Distribution::normal(0.10, 0.03),
                    per_path: false,
                    shock: None,
                },
            ),
            Channel::simulated(
                "gdp",
                2020,
                4805.25,
                Process::Growth {
                    rate: Distribution::Pert {
                        lower: 0.02,
                        mode: 0.06,
                        upper: 0.08,
                        lambda: 4.0,
                    },
                    per_path: true,
                    shock: Some(Distribution::normal(0.0, 0.01)),
                },
            ),
            Channel {
                id: "rd_share".into(),
                known: vec![],
                kind: ChannelKind::Ratio {
                    numerator: "rd".into(),
                    denominator: "gdp".into(),
                    scale: 100.0,
                },
                bounds: (0.0, f64::INFINITY),
            },
            Channel::simulated(
                "hte",
                2020,
                750.0,
                Process::Increment {
                    step: Distribution::Uniform {
                        lower: 100.0,
                        upper: 200.0,
                    },
                    per_path: true,
                    shock: Some(Distribution::normal(0.0, 20.0)),
                },
            ),
            share,
            flow,
            Channel::simulated(
                "trend",
                2023,
                CHINA_RD[8],
                Process::Trend {
                    scale: TrendScale::Log,
                    line: OlsLine::fit(&x, &ly).unwrap(),
                    simulate: true,
                },
            ),
            Channel::simulated(
                "holt",
                2023,
                CHINA_RD[8],
                Process::Holt {
                    model: holt,
                    simulate: true,
                },
            ),
            Channel {
                id: "ref".into(),
                known: (2019..=2026)
                    .map(|y| (y, 2.2 + 0.05 * (y - 2019) as f64))
                    .collect(),
                kind: ChannelKind::Known,
                bounds: (0.0, 100.0),
            },
        ],
        targets: vec![
            tgt(
                "lvl",
                "trend",
                Rule::Level {
                    value: 40000.0,
                    by: 2025,
                },
            ),
            tgt(
                "mult",
                "hte",
                Rule::MultipleOfBase {
                    factor: 1.9,
                    by: 2025,
                },
            ),
            tgt(
                "refgap",
                "rd_share",
                Rule::AtLeastReference {
                    reference: "ref".into(),
                    margin: 0.0,
                    by: 2025,
                },
            ),
            tgt(
                "flowmin",
                "flow",
                Rule::YearlyFlow {
                    min: 600.0,
                    from: 2021,
                    to: 2025,
                },
            ),
            tgt(
                "net",
                "hte",
                Rule::NetIncrease {
                    min: 150.0,
                    from: 2021,
                    to: 2025,
                },
            ),
            tgt(
                "floor",
                "rd",
                Rule::GrowthFloor {
                    min_rate: 0.07,
                    from: 2021,
                    to: 2025,
                },
            ),
            tgt(
                "cum",
                "flow",
                Rule::CumulativeFlow {
                    min_total: 3000.0,
                    from: 2021,
                    to: 2025,
                },
            ),
            tgt(
                "share46",
                "share",
                Rule::Level {
                    value: 46.0,
                    by: 2025,
                },
            ),
            tgt(
                "holt",
                "holt",
                Rule::Level {
                    value: 38000.0,
                    by: 2026,
                },
            ),
        ],
        correlations: vec![Correlation {
            a: "rd".into(),
            b: "gdp".into(),
            rho: 0.6,
        }],
    }
}

fn tgt(id: &str, ind: &str, rule: Rule) -> McTarget {
    McTarget {
        id: id.into(),
        indicator: ind.into(),
        rule,
        base_year: Some(2020),
        higher_is_better: true,
    }
}

#[test]
fn same_seed_is_bit_identical_with_one_and_two_threads() {
    let model = everything_model();
    let cfg = McConfig {
        n_paths: 30_001,
        seed: 42,
        chunk_size: 1000,
        ..McConfig::default()
    };
    let run = |threads| with_threads(threads, || simulate(&model, &cfg).unwrap());
    let (a, b) = (run(1), run(2));
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!(a, b);
    // Every target kind was simulated.
    assert!(
        a.targets.iter().all(|t| t.probability.is_some()),
        "{:?}",
        a.targets
    );
    // A tiny memory budget forces one slot per pass: same numbers, more passes.
    let small = McConfig {
        memory_budget: 1,
        ..cfg.clone()
    };
    let c = simulate(&model, &small).unwrap();
    assert!(c.passes > 10);
    assert_eq!(a.indicators, c.indicators);
    assert_eq!(a.targets, c.targets);
    // A different seed changes the draws.
    let d = simulate(&model, &McConfig { seed: 43, ..cfg }).unwrap();
    assert_ne!(a.indicators, d.indicators);
}

#[test]
fn deterministic_paths_give_exact_probabilities_and_attainment_years() {
    let fixed = |id: &str, v0: f64, p: Process| Channel::simulated(id, 2020, v0, p);
    let model = McModel {
        horizon: 2027,
        channels: vec![
            fixed(
                "hte",
                750.0,
                Process::Growth {
                    rate: Distribution::Fixed { value: 0.15 },
                    per_path: false,
                    shock: None,
                },
            ),
            fixed(
                "lin",
                750.0,
                Process::Increment {
                    step: Distribution::Fixed { value: 150.0 },
                    per_path: false,
                    shock: None,
                },
            ),
            fixed(
                "flow",
                500.0,
                Process::Increment {
                    step: Distribution::Fixed { value: 50.0 },
                    per_path: false,
                    shock: None,
                },
            ),
        ],
        targets: vec![
            // 750·1.15⁴ = 1311.7 < 1425 ≤ 750·1.15⁵ = 1508.5: first reached in 2025.
            tgt(
                "double",
                "hte",
                Rule::MultipleOfBase {
                    factor: 1.9,
                    by: 2025,
                },
            ),
            // +150 a year exactly: a net increase ≥ 150 holds, ≥ 150.5 fails.
            tgt(
                "net_ok",
                "lin",
                Rule::NetIncrease {
                    min: 150.0,
                    from: 2021,
                    to: 2025,
                },
            ),
            tgt(
                "net_no",
                "lin",
                Rule::NetIncrease {
                    min: 150.5,
                    from: 2021,
                    to: 2025,
                },
            ),
            // Flows 550, 600, 650, 700, 750 (2021–2025): the lowest is 550.
            tgt(
                "flow600",
                "flow",
                Rule::YearlyFlow {
                    min: 600.0,
                    from: 2021,
                    to: 2025,
                },
            ),
            // Running total 550, 1150, 1800, 2500, 3250: reaches 3000 in 2025.
            tgt(
                "cum3000",
                "flow",
                Rule::CumulativeFlow {
                    min_total: 3000.0,
                    from: 2021,
                    to: 2025,
                },
            ),
            // 15 % a year exceeds a 14.87 % floor.
            tgt(
                "floor",
                "hte",
                Rule::GrowthFloor {
                    min_rate: 2f64.powf(0.2) - 1.0,
                    from: 2021,
                    to: 2025,
                },
            ),
            // 750 + 150·7 = 1800 in 2027; 2000 is never reached.
            tgt(
                "never",
                "lin",
                Rule::Level {
                    value: 2000.0,
                    by: 2027,
                },
            ),
            tgt(
                "late",
                "beyond",
                Rule::Level {
                    value: 1.0,
                    by: 2025,
                },
            ),
        ],
        correlations: vec![],
    };
    let r = simulate(
        &model,
        &McConfig {
            n_paths: 1000,
            ..McConfig::default()
        },
    )
    .unwrap();
    let p = |id: &str| r.target(id).unwrap().probability.unwrap();
    assert_eq!(p("double"), 1.0);
    assert_eq!(p("net_ok"), 1.0);
    assert_eq!(p("net_no"), 0.0);
    assert_eq!(p("flow600"), 0.0);
    assert_eq!(p("cum3000"), 1.0);
    assert_eq!(p("floor"), 1.0);
    assert_eq!(p("never"), 0.0);
    let att = |id: &str| r.target(id).unwrap().attainment.clone().unwrap();
    assert_eq!(att("double").median_year, Some(2025));
    assert_eq!(att("cum3000").median_year, Some(2025));
    assert_eq!(att("never").median_year, None);
    assert_eq!(att("never").not_by_horizon, 1.0);
    assert!(r.target("flow600").unwrap().attainment.is_none());
    let band = r.target("flow600").unwrap().metric_band.unwrap();
    assert_eq!(band, [550.0, 550.0, 550.0]);
    let late = r.target("late").unwrap();
    assert!(
        late.not_projected
            .as_deref()
            .unwrap()
            .contains("not projected")
    );
    // A constant path has all quantiles equal to its value.
    let q = r.indicator("lin").unwrap().at(2024).unwrap();
    assert!(q.iter().all(|&v| v == 1350.0));
}

#[test]
fn simulated_trend_reproduces_the_t_prediction_interval() {
    // Posterior-predictive draws of a log-linear trend: each year's 5 % and 95 % quantiles are
    // the t-based 90 % prediction interval (up to Monte Carlo error).
    let f = Method::LogLinear
        .forecast(&YEARS[..6], &CHINA_RD[..6], 2023, 0.9)
        .unwrap();
    let x: Vec<f64> = YEARS[..6].iter().map(|&y| y as f64).collect();
    let ly: Vec<f64> = CHINA_RD[..6].iter().map(|v| v.ln()).collect();
    let model = McModel {
        horizon: 2023,
        channels: vec![Channel::simulated(
            "rd",
            2020,
            CHINA_RD[5],
            Process::Trend {
                scale: TrendScale::Log,
                line: OlsLine::fit(&x, &ly).unwrap(),
                simulate: true,
            },
        )],
        targets: vec![],
        correlations: vec![],
    };
    let r = simulate(
        &model,
        &McConfig {
            n_paths: 400_000,
            seed: 3,
            quantiles: vec![0.05, 0.5, 0.95],
            ..McConfig::default()
        },
    )
    .unwrap();
    let fan = r.indicator("rd").unwrap();
    for (i, y) in [2021, 2022, 2023].iter().enumerate() {
        let q = fan.at(*y).unwrap();
        for (got, want) in q.iter().zip([f.lower[i], f.point[i], f.upper[i]]) {
            assert!((got / want - 1.0).abs() < 0.004, "{y}: {got} vs {want}");
        }
    }
}

#[test]
fn simulated_holt_matches_its_analytic_interval() {
    let m = DampedHolt::fit(
        &CHINA_RD,
        Some(0.7),
        Some(0.4),
        Some(0.9),
        HoltInit::Heuristic,
    )
    .unwrap();
    let (point, sd) = m.forecast(3);
    let sd = sd.unwrap();
    let model = McModel {
        horizon: 2026,
        channels: vec![Channel::simulated(
            "rd",
            2023,
            CHINA_RD[8],
            Process::Holt {
                model: m,
                simulate: true,
            },
        )],
        targets: vec![],
        correlations: vec![],
    };
    let n = 200_000;
    let r = simulate(
        &model,
        &McConfig {
            n_paths: n,
            seed: 11,
            quantiles: vec![0.05, 0.95],
            ..McConfig::default()
        },
    )
    .unwrap();
    let fan = r.indicator("rd").unwrap();
    let z = normal_quantile(0.95);
    for h in 0..3 {
        let q = fan.at(2024 + h as i32).unwrap();
        let se = (0.05f64 * 0.95 / n as f64).sqrt()
            / ((-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() / sd[h]);
        assert!((q[0] - (point[h] - z * sd[h])).abs() < 4.0 * se);
        assert!((q[1] - (point[h] + z * sd[h])).abs() < 4.0 * se);
    }
}

#[test]
fn correlation_reaches_the_paths() {
    // Per-path log-normal growth factors with correlated scores ρ: over 5 years
    // ln(A/B) = const + 5σ(Z_A − Z_B), whose sd is 5σ√(2 − 2ρ).
    let sigma = 0.02;
    let chan = |id: &str| {
        Channel::simulated(
            id,
            2020,
            100.0,
            Process::Growth {
                rate: Distribution::LogNormal { mu: 0.05, sigma },
                per_path: true,
                shock: None,
            },
        )
    };
    for rho in [-0.5, 0.0, 0.8] {
        let model = McModel {
            horizon: 2025,
            channels: vec![
                chan("a"),
                chan("b"),
                Channel {
                    id: "ratio".into(),
                    known: vec![],
                    kind: ChannelKind::Ratio {
                        numerator: "a".into(),
                        denominator: "b".into(),
                        scale: 1.0,
                    },
                    bounds: (0.0, f64::INFINITY),
                },
            ],
            targets: vec![],
            correlations: if rho == 0.0 {
                vec![]
            } else {
                vec![Correlation {
                    a: "a".into(),
                    b: "b".into(),
                    rho,
                }]
            },
        };
        let r = simulate(
            &model,
            &McConfig {
                n_paths: 100_000,
                seed: 5,
                quantiles: vec![0.05, 0.95],
                ..McConfig::default()
            },
        )
        .unwrap();
        let q = r.indicator("ratio").unwrap().at(2025).unwrap();
        let sd = (q[1].ln() - q[0].ln()) / (2.0 * normal_quantile(0.95));
        let want = 5.0 * sigma * (2.0 - 2.0 * rho).sqrt();
        assert!((sd / want - 1.0).abs() < 0.02, "rho {rho}: {sd} vs {want}");
    }
}

#[test]
fn bad_input_gives_clear_errors() {
    let m = lognormal_model(0.1, 0.05, 1500.0);
    let e = simulate(
        &m,
        &McConfig {
            n_paths: 0,
            ..McConfig::default()
        },
    )
    .unwrap_err();
    assert_eq!(e, ProjectionError::ZeroPaths);
    assert!(e.to_string().contains("at least 1"));

    for (quantiles, bad, problem) in [
        (vec![0.05, 1.5], 1.5, "must be in [0, 1]"),
        (vec![0.05, 0.5, 0.05], 0.05, "listed twice"),
    ] {
        let e = simulate(
            &m,
            &McConfig {
                quantiles,
                ..McConfig::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(e, ProjectionError::InvalidParameter { value, .. } if value == bad),
            "{e}"
        );
        assert!(e.to_string().contains(problem), "{e}");
    }

    let neg = lognormal_model(0.1, -0.05, 1500.0);
    let e = simulate(&neg, &McConfig::default()).unwrap_err();
    assert!(matches!(e, ProjectionError::NegativeSpread { .. }), "{e}");
    assert!(e.to_string().contains("must not be negative"));
    for d in [
        Distribution::normal(0.1, -1.0),
        Distribution::Uniform {
            lower: 1.0,
            upper: 0.0,
        },
        Distribution::Triangular {
            lower: 1.0,
            mode: 1.0,
            upper: 0.5,
        },
    ] {
        assert!(matches!(
            d.validate_as_draw("x"),
            Err(ProjectionError::NegativeSpread { .. })
        ));
    }

    let mut early = lognormal_model(0.1, 0.05, 1500.0);
    early.horizon = 2019;
    let e = simulate(&early, &McConfig::default()).unwrap_err();
    assert!(
        matches!(
            e,
            ProjectionError::HorizonBeforeLastObservation {
                horizon: 2019,
                last: 2020,
                ..
            }
        ),
        "{e}"
    );
    let e = Method::LogLinear
        .forecast(&YEARS, &CHINA_RD, 2020, 0.9)
        .unwrap_err();
    assert!(matches!(
        e,
        ProjectionError::HorizonBeforeLastObservation { .. }
    ));

    let mut unknown = lognormal_model(0.1, 0.05, 1500.0);
    unknown.correlations.push(Correlation {
        a: "x".into(),
        b: "nope".into(),
        rho: 0.5,
    });
    let e = simulate(&unknown, &McConfig::default()).unwrap_err();
    assert!(matches!(e, ProjectionError::UnknownIndicator { .. }), "{e}");

    let e = Method::LogLinear
        .forecast(&[2020], &[1.0], 2025, 0.9)
        .unwrap_err();
    assert!(matches!(e, ProjectionError::TooFewObservations { .. }));
    let e = Method::LogLinear
        .forecast(&[2020, 2021], &[1.0, -1.0], 2025, 0.9)
        .unwrap_err();
    assert!(e.to_string().contains("positive"));
}

#[test]
fn oversized_requests_are_refused_before_any_work_with_the_size() {
    let model = lognormal_model(0.1, 0.05, 1500.0);
    // 2 × 10¹¹ paths × 6 years (2020–2025) × 1 indicator = 1.2 × 10¹² values.
    let huge = McConfig {
        n_paths: 200_000_000_000,
        ..McConfig::default()
    };
    let e = simulate(&model, &huge).unwrap_err();
    assert!(matches!(e, ProjectionError::TooLarge { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("needs 1200000000000,"), "{msg}");
    assert!(msg.contains("10000000000"), "{msg}");
    // It says how to raise that limit, from Rust, from Python and on the command line.
    assert!(
        msg.ends_with("(use fewer paths, or raise the limit: `McConfig::max_values` in Rust, `max_values=` in Python, `--max-values` in the CLI)"),
        "{msg}"
    );
    // 10⁹ paths is within the value limit (6 × 10⁹) but its quantile buffer (8 × 10⁹
    // bytes) is not.
    let wide = McConfig {
        n_paths: 1_000_000_000,
        ..McConfig::default()
    };
    let msg = simulate(&model, &wide).unwrap_err().to_string();
    assert!(
        msg.contains("bytes") && msg.contains("needs 8000000000,"),
        "{msg}"
    );
    assert!(msg.contains(&(4u64 << 30).to_string()), "{msg}");
    assert!(
        msg.contains("`McConfig::max_buffer_bytes` in Rust, `max_buffer_bytes=` in Python"),
        "{msg}"
    );
    // Raising the limits is the documented way through (checked on a small run).
    let ok = McConfig {
        n_paths: 1000,
        max_values: 6000,
        max_buffer_bytes: 8000,
        ..McConfig::default()
    };
    assert!(simulate(&model, &ok).is_ok());
    let just_over = McConfig {
        n_paths: 1001,
        ..ok
    };
    assert!(simulate(&model, &just_over).is_err());
}
