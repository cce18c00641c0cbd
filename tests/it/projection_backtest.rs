//! Backtests on the provincial R&D panel and on synthetic panels with known answers.
use innodex::projection::ProjectionError;
use innodex::projection::backtest::{BacktestConfig, Panel, backtest};
use innodex::projection::methods::Method;

#[test]
fn province_backtest_scores_every_method_on_31_provinces() {
    let panel = Panel::china_province_rd("rd_expenditure_100m_yuan").unwrap();
    assert_eq!(panel.series.len(), 32);
    let r = backtest(&panel, &BacktestConfig::default()).unwrap();
    println!("{}", r.to_table());
    assert_eq!(r.n_series, 31);
    assert_eq!(r.scores.len(), 6);
    for s in &r.scores {
        assert_eq!(s.n_forecasts, 93, "{}", s.method);
        assert!(s.failures.is_empty());
        assert!(s.mape.is_finite() && s.mape > 0.0);
        assert_eq!(s.mape_by_horizon.len(), 3);
        if let Some(c) = s.coverage {
            assert!((0.0..=1.0).contains(&c));
        }
    }
    assert!(r.score("cagr").unwrap().coverage.is_none());
    assert!(r.score("bootstrap_growth").unwrap().coverage.is_some());

    // The CAGR method by hand for Beijing: 2015–2020 CAGR carried forward from 2020.
    let (years, v) = &panel.series["Beijing"];
    let i15 = years.iter().position(|&y| y == 2015).unwrap();
    let i20 = years.iter().position(|&y| y == 2020).unwrap();
    let g = (v[i20] / v[i15]).powf(0.2) - 1.0;
    let mut apes = vec![];
    for row in r.rows.iter().filter(|r| r.method == "cagr") {
        let (yy, vv) = &panel.series[&row.unit];
        let a = yy.iter().position(|&y| y == 2015).unwrap();
        let b = yy.iter().position(|&y| y == 2020).unwrap();
        let gg = (vv[b] / vv[a]).powf(0.2) - 1.0;
        let want = vv[b] * (1.0 + gg).powi(row.horizon);
        assert!((row.point - want).abs() < 1e-9 * want);
        apes.push(((want - row.actual) / row.actual).abs() * 100.0);
        if row.unit == "Beijing" && row.year == 2023 {
            assert!((row.point - v[i20] * (1.0 + g).powi(3)).abs() < 1e-9);
        }
    }
    let mape = apes.iter().sum::<f64>() / apes.len() as f64;
    assert!((r.score("cagr").unwrap().mape - mape).abs() < 1e-9);
}

#[test]
fn exact_trends_backtest_with_zero_error() {
    // Two units that grow exactly 8 % and 12 % a year: the log-linear trend and the CAGR
    // forecast them without error.
    let mut csv = String::from("unit,year,v\n");
    for (u, g) in [("a", 0.08f64), ("b", 0.12)] {
        for (k, y) in (2010..=2020).enumerate() {
            csv.push_str(&format!("{u},{y},{}\n", 50.0 * (1.0 + g).powi(k as i32)));
        }
    }
    let panel = Panel::from_csv_str(&csv, "unit", "year", "v").unwrap();
    let cfg = BacktestConfig {
        split_year: 2016,
        methods: vec![Method::LogLinear, Method::Cagr],
        bootstrap_paths: 1000,
        ..BacktestConfig::default()
    };
    let r = backtest(&panel, &cfg).unwrap();
    assert_eq!(r.n_series, 2);
    assert!(r.score("log_linear").unwrap().mape < 1e-9);
    assert!(r.score("cagr").unwrap().mape < 1e-9);
    // Every resampled rate is the same: the bootstrap is exact too, and covers the truth.
    let b = r.score("bootstrap_growth").unwrap();
    assert!(b.mape < 1e-9);
    assert_eq!(b.coverage, Some(1.0));
    assert_eq!(r.rows.iter().filter(|x| x.method == "cagr").count(), 8);
}

#[test]
fn backtest_errors() {
    let panel = Panel::china_province_rd("rd_intensity_pct").unwrap();
    let cfg = BacktestConfig {
        split_year: 2030,
        ..BacktestConfig::default()
    };
    assert!(
        backtest(&panel, &cfg)
            .unwrap_err()
            .to_string()
            .contains("both sides")
    );
    assert!(
        Panel::china_province_rd("nope")
            .unwrap_err()
            .to_string()
            .contains("missing column `nope`")
    );
    let cfg = BacktestConfig {
        level: 1.5,
        ..BacktestConfig::default()
    };
    assert!(backtest(&panel, &cfg).is_err());
    // The Monte Carlo method's size limit stops the whole backtest (it is not one unit's
    // failure); raised, the same run goes through. 1000 paths × 4 years (2020–2023).
    let small = BacktestConfig {
        bootstrap_paths: 1000,
        max_values: 3999,
        ..BacktestConfig::default()
    };
    let e = backtest(&panel, &small).unwrap_err();
    assert!(
        matches!(
            e,
            ProjectionError::TooLarge {
                size: 4000,
                limit: 3999,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("`--max-values` in the CLI"), "{e}");
    let raised = BacktestConfig {
        max_values: 4000,
        ..small
    };
    let r = backtest(&panel, &raised).unwrap();
    let boot = r
        .scores
        .iter()
        .find(|s| s.method == "bootstrap_growth")
        .unwrap();
    assert!(
        boot.failures.is_empty() && boot.n_forecasts == 93,
        "{boot:?}"
    );
}
