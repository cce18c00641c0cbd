//! Rolling-origin backtests, scores (CRPS, PIT) and split-conformal calibration: hand-computed
//! cases, closed forms, and the rule that a calibration never sees the years it is scored on.
use innodex::plan::Plan;
use innodex::projection::backtest::Panel;
use innodex::projection::backtest::rolling::{RollingConfig, rolling_backtest};
use innodex::projection::backtest::scores::{
    crps_gaussian, crps_quantiles, crps_sample, grid_levels, pit_histogram, pit_quantiles,
};
use innodex::projection::calibration::{
    Calibration, Conformal, HorizonFactors, conformal_factor, conformal_lower, evaluate,
    normalised_score, probability_from_quantiles, signed_score, target_calibration,
};
use innodex::projection::fit::normal_quantile;
use innodex::projection::monte_carlo::McConfig;
use innodex::scenario::ScenarioSet;
use rand::RngExt;
use rand::SeedableRng;

fn normal_grid(mu: f64, sigma: f64) -> Vec<f64> {
    grid_levels()
        .iter()
        .map(|&t| mu + sigma * normal_quantile(t))
        .collect()
}

#[test]
fn conformal_rank_by_hand() {
    let s: Vec<f64> = (1..=9).map(f64::from).collect(); // 1, 2, …, 9 (n = 9)
    assert_eq!(conformal_factor(&s, 0.5), 5.0); // ⌈10 · 0.5⌉ = 5
    assert_eq!(conformal_factor(&s, 0.8), 8.0); // ⌈8⌉ = 8 (not 9: 0.8 · 10 rounding guarded)
    assert_eq!(conformal_factor(&s, 0.9), 9.0); // ⌈9⌉ = 9
    assert_eq!(conformal_factor(&s, 0.95), f64::INFINITY); // ⌈9.5⌉ = 10 > 9
    // Order does not matter; n = 19 gives the 18th (0.9) and 19th (0.95) smallest.
    let mut s19: Vec<f64> = (1..=19).map(|i| f64::from(i) / 10.0).collect();
    s19.reverse();
    assert_eq!(conformal_factor(&s19, 0.9), 1.8);
    assert_eq!(conformal_factor(&s19, 0.95), 1.9);
    assert!(conformal_factor(&[], 0.9).is_nan());
}

#[test]
fn normalised_scores_by_hand() {
    // m = 100, interval [100/1.1, 110]: y = 121 is two half-widths up in logs, y = 100/1.21
    // two down; y on a bound scores 1, at the median 0.
    let (lo, m, hi) = (100.0 / 1.1, 100.0, 110.0);
    assert!((normalised_score(lo, m, hi, 121.0) - 2.0).abs() < 1e-12);
    assert!((normalised_score(lo, m, hi, 100.0 / 1.21) - 2.0).abs() < 1e-12);
    assert!((normalised_score(lo, m, hi, 110.0) - 1.0).abs() < 1e-12);
    assert_eq!(normalised_score(lo, m, hi, 100.0), 0.0);
    // Asymmetric sides: [80, 125] around 100, y = 90: ln(100/90)/ln(100/80) = 0.47216…
    assert!((normalised_score(80.0, 100.0, 125.0, 90.0) - 0.472_164_7).abs() < 1e-6);
    // A side of zero width: infinitely far.
    assert_eq!(normalised_score(90.0, 100.0, 100.0, 101.0), f64::INFINITY);
}

/// A symmetric calibration: positions ±k per level.
fn one_factor(levels: Vec<f64>, factors: Vec<f64>) -> Calibration {
    let lower = factors.iter().map(|k| -k).collect();
    positions(levels, lower, factors)
}

fn positions(levels: Vec<f64>, lower: Vec<f64>, upper: Vec<f64>) -> Calibration {
    Calibration {
        panel: "hand".into(),
        variable: "x".into(),
        method: "log_linear".into(),
        scheme: Conformal::TwoSided,
        learn_origins: vec![2018],
        data_until: Some(2019),
        levels,
        horizons: vec![HorizonFactors {
            horizon: 1,
            n: 10,
            lower,
            upper,
        }],
    }
}

#[test]
fn two_sided_conformal_by_hand() {
    // Signed scores: below the median negative, in lower half-widths.
    let (lo, m, hi) = (80.0, 100.0, 125.0);
    assert!((signed_score(lo, m, hi, 90.0) + 0.472_164_7).abs() < 1e-6);
    assert!((signed_score(lo, m, hi, 125.0) - 1.0).abs() < 1e-12);
    assert_eq!(signed_score(lo, m, hi, 100.0), 0.0);
    assert_eq!(signed_score(100.0, m, hi, 99.0), f64::NEG_INFINITY); // zero-width lower side
    assert_eq!(signed_score(0.0, m, hi, 50.0), 0.0); // a lower bound ≤ 0 is infinitely far
    // Lower ranks: ⌊(n + 1) a⌋-th smallest, −∞ below rank 1.
    let s: Vec<f64> = (1..=19).map(f64::from).collect(); // n = 19
    assert_eq!(conformal_lower(&s, 0.05), 1.0); // ⌊1⌋ (0.05 · 20 rounding guarded)
    assert_eq!(conformal_lower(&s, 0.1), 2.0);
    assert_eq!(conformal_lower(&s, 0.025), f64::NEG_INFINITY); // ⌊0.5⌋ = 0
    assert!(conformal_lower(&[], 0.1).is_nan());
    // 90 % from n = 19 signed scores 1..19 (every actual above the median): lower = the
    // ⌊20 · 0.05⌋ = 1st smallest, upper = the ⌈20 · 0.95⌉ = 19th.
    assert_eq!(Conformal::TwoSided.positions(&s, 0.9), (1.0, 19.0));
    // Symmetric: ±(⌈20 · 0.9⌉ = 18th smallest |t|).
    assert_eq!(Conformal::Symmetric.positions(&s, 0.9), (-18.0, 18.0));
    // 95 % needs n ≥ 2/0.05 − 1 = 39 forecasts two-sided: both bounds infinite at n = 19.
    assert_eq!(
        Conformal::TwoSided.positions(&s, 0.95),
        (f64::NEG_INFINITY, f64::INFINITY)
    );
    // Mapping positions to values: [90, 110] around 100 at 90 %, positions (0.5, 2):
    // lower = 100 (110/100)^0.5 = 104.88 (above the median: a biased forecast moved up),
    // upper = 100 (1.1)² = 121.
    let c = positions(vec![0.9], vec![0.5], vec![2.0]);
    let q = c.transform(&[0.05, 0.5, 0.95], &[90.0, 100.0, 110.0], 100.0, 1);
    assert!((q[0] - 100.0).abs() < 1e-9, "{q:?}"); // the median, sorted first
    assert!((q[1] - 100.0 * 1.1f64.sqrt()).abs() < 1e-9, "{q:?}");
    assert!((q[2] - 121.0).abs() < 1e-9, "{q:?}");
    // Positions (−2, −0.5): both bounds below the median, in lower half-widths.
    let c = positions(vec![0.9], vec![-2.0], vec![-0.5]);
    let q = c.transform(&[0.05, 0.5, 0.95], &[90.0, 100.0, 110.0], 100.0, 1);
    assert!((q[0] - 81.0).abs() < 1e-9 && (q[1] - 100.0 * 0.9f64.sqrt()).abs() < 1e-9);
    // The learnt interval contains exactly the learning scores between its ranks: with the
    // interval of positions (t_lo, t_hi), a value is inside iff t_lo ≤ t ≤ t_hi.
    let c = positions(vec![0.9], vec![-1.5], vec![2.5]);
    let q = c.transform(&[0.05, 0.5, 0.95], &[90.0, 100.0, 110.0], 100.0, 1);
    for y in [85.0, 86.0, 90.0, 105.0, 126.0, 127.0] {
        let t = signed_score(90.0, 100.0, 110.0, y);
        assert_eq!(q[0] <= y && y <= q[2], (-1.5..=2.5).contains(&t), "{y}");
    }
}

#[test]
fn calibrated_interval_by_hand() {
    // k = 2 at 90 %: [90, 110] around 100 becomes [100 (0.9)², 100 (1.1)²] = [81, 121].
    let c = one_factor(vec![0.9], vec![2.0]);
    let q = c.transform(&[0.05, 0.5, 0.95], &[90.0, 100.0, 110.0], 100.0, 1);
    assert!((q[0] - 81.0).abs() < 1e-9 && q[1] == 100.0 && (q[2] - 121.0).abs() < 1e-9);
    // Horizon 3 was not learnt: the last horizon's factors are used, flagged.
    let (f, extrapolated) = c.factors(3);
    assert!(extrapolated && f.horizon == 1);
    // Per-level factors are interpolated in the level |2τ − 1|: 1 at 50 %, 3 at 90 % → 2 at 70 %.
    let c2 = one_factor(vec![0.5, 0.9], vec![1.0, 3.0]);
    assert!((c2.position(1, 0.7, true) - 2.0).abs() < 1e-12);
    assert!((c2.position(1, 0.7, false) + 2.0).abs() < 1e-12);
    assert_eq!(c2.position(1, 0.2, true), 1.0);
    assert_eq!(c2.position(1, 0.99, true), 3.0);
    // The calibrated probability: X with one factor k is m (X/m)^k, so
    // P_cal(X ≥ T) = P(X ≥ m (T/m)^{1/k}). X lognormal, ln X ~ N(0, 0.1²), k = 2, T = e^0.2:
    // P_cal = P(ln X ≥ 0.1) = 1 − Φ(1) = 0.158655.
    let taus = grid_levels();
    let q: Vec<f64> = taus
        .iter()
        .map(|&t| (0.1 * normal_quantile(t)).exp())
        .collect();
    let c3 = one_factor(vec![0.5, 0.8, 0.9, 0.95], vec![2.0; 4]);
    let qc = c3.transform(&taus, &q, 1.0, 1);
    let p = probability_from_quantiles(&taus, &qc, 0.2f64.exp(), true);
    assert!((p - 0.158_655).abs() < 0.005, "{p}");
    let p0 = probability_from_quantiles(&taus, &q, 0.2f64.exp(), true);
    assert!((p0 - 0.022_750).abs() < 0.005, "{p0}"); // uncalibrated: 1 − Φ(2)
}

#[test]
fn crps_closed_form_and_sample_forms_agree() {
    for (mu, sigma, y) in [(0.0, 1.0, 0.0), (10.0, 2.0, 13.0), (-1.0, 0.5, -2.2)] {
        let exact = crps_gaussian(mu, sigma, y);
        let grid = crps_quantiles(&normal_grid(mu, sigma), y);
        assert!((grid - exact).abs() / exact < 2e-3, "{grid} vs {exact}");
        // Energy form on 200 000 seeded normal draws: Monte Carlo error well below 1 %.
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(7);
        let draws: Vec<f64> = (0..200_000)
            .map(|_| mu + sigma * normal_quantile(rng.random::<f64>()))
            .collect();
        let s = crps_sample(&draws, y);
        assert!((s - exact).abs() / exact < 0.01, "{s} vs {exact}");
    }
    // N(0, 1) at 0: 2φ(0) − 1/√π.
    assert!((crps_gaussian(0.0, 1.0, 0.0) - 0.233_694_977_3).abs() < 1e-9);
    // A sample by hand: {1, 2, 4}, y = 2: E|X − y| = 1, E|X − X'| = 2 · (1 + 3 + 2) / 9 = 4/3.
    assert!((crps_sample(&[4.0, 1.0, 2.0], 2.0) - (1.0 - 2.0 / 3.0)).abs() < 1e-12);
}

#[test]
fn pit_is_uniform_for_a_correctly_specified_model() {
    // y ~ N(μ_i, σ_i²) with the forecast N(μ_i, σ_i²): the 10 PIT bins each hold 10 % of
    // 20 000 values within 5 binomial standard deviations (√(20000 · 0.1 · 0.9) = 42.4).
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(2023);
    let mut pits = vec![];
    for i in 0..20_000 {
        let (mu, sigma) = (f64::from(i % 7), 1.0 + f64::from(i % 3));
        let y = mu + sigma * normal_quantile(rng.random::<f64>());
        pits.push(pit_quantiles(&normal_grid(mu, sigma), y));
    }
    let h = pit_histogram(&pits, 10);
    for c in &h {
        assert!((*c as f64 - 2000.0).abs() < 5.0 * 42.4, "{h:?}");
    }
    // A forecast half as wide as the truth piles PIT values in the end bins.
    let narrow: Vec<f64> = (0..2000)
        .map(|i| {
            let y = 2.0 * normal_quantile((f64::from(i) + 0.5) / 2000.0);
            pit_quantiles(&normal_grid(0.0, 1.0), y)
        })
        .collect();
    let hn = pit_histogram(&narrow, 10);
    assert!(hn[0] > 400 && hn[9] > 400, "{hn:?}");
}

#[test]
fn rolling_backtest_is_reproducible_and_scores_every_origin() {
    let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
    let cfg = RollingConfig {
        origins: vec![2018, 2019, 2020],
        bootstrap_paths: 300,
        ..RollingConfig::default()
    };
    let a = rolling_backtest(&panel, &cfg).unwrap();
    let b = rolling_backtest(&panel, &cfg).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.n_series, 31);
    // 2018 → 2019–2021, 2019 → 2020–2022, 2020 → 2021–2023: 9 forecasts per unit.
    let ll = a.score("log_linear", None).unwrap();
    assert_eq!(ll.n, 31 * 9);
    assert_eq!(ll.coverage.len(), 4);
    assert_eq!(ll.pit.iter().sum::<usize>(), 31 * 9);
    // Wider levels cover more, and are wider.
    assert!(ll.coverage.windows(2).all(|w| w[0] <= w[1]));
    assert!(ll.width.windows(2).all(|w| w[0] < w[1]));
    for h in 1..=3 {
        assert_eq!(a.score("linear", Some(h)).unwrap().n, 31 * 3);
    }
    // Point methods: CRPS is the absolute error, so their relative CRPS is their MAPE.
    let cagr = a.score("cagr", None).unwrap();
    assert!(cagr.coverage.is_empty() && (cagr.crps - cagr.mape).abs() < 1e-9);
    // The origin-2020 log-linear rows are the single-split backtest's (same fit, same interval).
    let single = innodex::projection::backtest::backtest(
        &panel,
        &innodex::projection::backtest::BacktestConfig {
            bootstrap_paths: 0,
            ..Default::default()
        },
    )
    .unwrap();
    for r in single.rows.iter().filter(|r| r.method == "log_linear") {
        let x = a
            .rows
            .iter()
            .find(|x| {
                x.method == "log_linear" && x.origin == 2020 && x.unit == r.unit && x.year == r.year
            })
            .unwrap();
        let (lo, hi) = x.intervals[2];
        assert!((x.point / r.point - 1.0).abs() < 1e-9);
        assert!(
            (lo / r.lower.unwrap() - 1.0).abs() < 1e-6
                && (hi / r.upper.unwrap() - 1.0).abs() < 1e-6
        );
    }
}

#[test]
fn a_calibration_is_never_learnt_from_its_own_scoring_years() {
    let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
    let cfg = RollingConfig {
        bootstrap_paths: 0,
        ..RollingConfig::default()
    };
    // Overlap is refused: learning at the scoring origin, or after it.
    assert!(evaluate(&panel, "p", &[2018, 2020], &[2020], &cfg).is_err());
    assert!(evaluate(&panel, "p", &[2019], &[2018, 2020], &cfg).is_err());
    assert!(Calibration::learn(&panel, "p", "log_linear", &[2020], Some(2020), &cfg).is_err());
    let e = evaluate(&panel, "p", &[2018, 2019], &[2020], &cfg).unwrap();
    // Change every value after the first scoring origin: the factors must not move (they
    // were learnt without those years), while the scores, which use them, do.
    let mut changed = panel.clone();
    for (years, values) in changed.series.values_mut() {
        for (y, v) in years.iter().zip(values.iter_mut()) {
            if *y > 2020 {
                *v *= 3.0;
            }
        }
    }
    let e2 = evaluate(&changed, "p", &[2018, 2019], &[2020], &cfg).unwrap();
    assert_eq!(e.calibrations, e2.calibrations);
    assert_ne!(e.before, e2.before);
    for c in &e.calibrations {
        assert_eq!(c.data_until, Some(2020));
        // Horizon 1 from 2018 and 2019, horizon 2 from 2018 (2020 is the last learnt year).
        assert_eq!(
            c.horizons.iter().map(|h| h.n).collect::<Vec<_>>(),
            vec![62, 31],
            "{}",
            c.method
        );
    }
}

#[test]
fn provincial_rd_calibration_out_of_sample() {
    // Learn at 2018 and 2019 (data to 2020), score origin 2020 (2021–2023): the numbers of
    // docs/projections.md. Two-sided calibration brings the best two methods (log-linear and
    // linear) within ±5 points of nominal at 80 % and 90 %; the uncalibrated ones are 15–43
    // points short.
    let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
    let cfg = RollingConfig {
        bootstrap_paths: 2000,
        ..RollingConfig::default()
    };
    let e = evaluate(&panel, "china_province_rd", &[2018, 2019], &[2020], &cfg).unwrap();
    println!("{}", e.to_table());
    for (m, b80, b90) in [("log_linear", 0.462, 0.613), ("linear", 0.269, 0.473)] {
        let before = e.score(m, None, false).unwrap();
        let after = e.score(m, None, true).unwrap();
        assert_eq!(after.n, 93);
        assert!(
            (before.coverage[1] - b80).abs() < 0.001 && (before.coverage[2] - b90).abs() < 0.001,
            "{m} {:?}",
            before.coverage
        );
        for (i, p) in [(1, 0.8), (2, 0.9)] {
            assert!(
                (after.coverage[i] - p).abs() <= 0.05,
                "{m} {:?}",
                after.coverage
            );
        }
        // Wider intervals, and a better whole distribution (lower CRPS).
        assert!(
            after.width[2] > before.width[2] && after.crps < before.crps,
            "{m}"
        );
    }
    // Calibration moves every method's 90 % coverage toward nominal.
    for m in ["log_linear", "linear", "damped_holt", "bootstrap_growth"] {
        let (b, a) = (
            e.score(m, None, false).unwrap(),
            e.score(m, None, true).unwrap(),
        );
        assert!(
            (a.coverage[2] - 0.9).abs() < (b.coverage[2] - 0.9).abs(),
            "{m}"
        );
    }
    // The symmetric scheme (one factor for both sides) cannot move a biased forecast: linear,
    // whose actual values lie mostly above its median, stays far short at 80 %.
    let sym = evaluate(
        &panel,
        "china_province_rd",
        &[2018, 2019],
        &[2020],
        &RollingConfig {
            conformal: Conformal::Symmetric,
            ..cfg
        },
    )
    .unwrap();
    let lin = sym.score("linear", None, true).unwrap();
    assert!(
        (lin.coverage[1] - 0.516).abs() < 0.001,
        "{:?}",
        lin.coverage
    );
    let ll = sym.score("log_linear", None, true).unwrap();
    assert!(
        (ll.coverage[1] - 0.817).abs() < 0.001 && (ll.coverage[2] - 0.903).abs() < 0.001,
        "{:?}",
        ll.coverage
    );
}

#[test]
fn calibrated_scenario_set_labels_each_target() {
    // The shipped Linyi set is calibrated; the same set without its calibration is the raw one.
    let set = ScenarioSet::linyi();
    assert_eq!(set.set.calibration.len(), 1);
    let mut uncalibrated = set.clone();
    uncalibrated.set.calibration.clear();
    let cfg = McConfig {
        n_paths: 4000,
        seed: 3,
        ..McConfig::default()
    };
    let plan = Plan::linyi();
    let cal = set.project(&plan, &cfg).unwrap();
    let raw = uncalibrated.project(&plan, &cfg).unwrap();
    assert_eq!(cal.calibration.len(), 1);
    assert!(raw.calibration.is_empty());
    let s = cal.scenario("fast").unwrap();
    // The asked quantiles are back.
    assert_eq!(s.result.quantiles, cfg.quantiles);
    let f = s.result.indicator("hte_count").unwrap();
    assert!(f.quantiles.iter().flatten().all(|q| q.len() == 5));
    let t = target_calibration(&cal, "fast", "hte_count").unwrap();
    // The count starts from its 2022 evidence ("more than 1600"): horizon 3 to 2025, within
    // the horizons the factors were learnt for.
    assert!(
        t.calibrated && !t.extrapolated && t.horizon == Some(3),
        "{t:?}"
    );
    let p_raw = raw
        .scenario("fast")
        .unwrap()
        .result
        .target("hte_count")
        .unwrap()
        .probability
        .unwrap();
    // The engine's (uncalibrated) probability is kept beside the calibrated one.
    assert!((t.probability_uncalibrated.unwrap() - p_raw).abs() < 1e-12);
    let p_cal = s.result.target("hte_count").unwrap().probability.unwrap();
    assert_eq!(Some(p_cal), t.probability);
    // The scenario's spread is widened (log-linear factors > 1), so a likely target is no more
    // likely (here already met on evidence: both stay near 1).
    assert!(p_raw > 0.85 && p_cal <= p_raw, "{p_raw} {p_cal}");
    // Median kept, band wider.
    let (b0, b1) = (
        raw.scenario("fast")
            .unwrap()
            .result
            .target("hte_count")
            .unwrap()
            .metric_band
            .unwrap(),
        s.result.target("hte_count").unwrap().metric_band.unwrap(),
    );
    assert!((b0[1] - b1[1]).abs() < 1e-9 && b1[0] < b0[0] && b1[2] > b0[2]);
    // A target whose metric is not one year's value stays uncalibrated, and says why.
    let n = target_calibration(&cal, "fast", "hte_net_increase").unwrap();
    assert!(!n.calibrated && n.note.contains("not"), "{}", n.note);
    // Targets on indicators outside every calibration have no entry.
    assert!(target_calibration(&cal, "fast", "tsme_entries").is_none());
    // Uncalibrated indicators' fans are untouched.
    assert_eq!(
        s.result.indicator("tsme_entries"),
        raw.scenario("fast")
            .unwrap()
            .result
            .indicator("tsme_entries")
    );
}

#[test]
fn unit_factors_change_nothing_and_calibrated_grids_stay_sorted() {
    let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
    let r = rolling_backtest(
        &panel,
        &RollingConfig {
            origins: vec![2020],
            bootstrap_paths: 0,
            ..RollingConfig::default()
        },
    )
    .unwrap();
    let levels = r.levels.clone();
    let identity = one_factor(levels.clone(), vec![1.0; 4]);
    // Factors that fall from level to level would cross quantiles without the rearrangement.
    let crossing = one_factor(levels.clone(), vec![3.0, 2.0, 1.0, 0.5]);
    for row in r.rows.iter().filter(|x| x.quantiles.is_some()) {
        let c = crossing.apply_row(row, &levels);
        let q = c.quantiles.as_ref().unwrap();
        assert!(q.windows(2).all(|w| w[0] <= w[1]));
        assert!((c.point - row.point).abs() < 1e-9 * row.point); // the median stays
        // Positive-valued panel: quantiles ≤ 0 (a linear trend's far tail for a small
        // province) are floored at 0, so only all-positive grids are unchanged by k = 1.
        if row.quantiles.as_ref().unwrap()[0] <= 0.0 {
            assert_eq!(q[0], 0.0);
            continue;
        }
        let same = identity.apply_row(row, &levels);
        assert_eq!(same.intervals, row.intervals);
        assert!(
            (same.crps - row.crps).abs() < 1e-9,
            "{} {}",
            same.crps,
            row.crps
        );
        assert_eq!(same.pit, row.pit);
    }
}
