//! Composite-index pipeline: statistics against hand-checked values, COINr's own treatment
//! tests, analytic invariants, and bad input that must name the element at fault.
use innodex::index::aggregate::Aggregation;
use innodex::index::framework::Framework;
use innodex::index::normalise::{Normalisation, normalise_column};
use innodex::index::panel::{Panel, PanelSpec};
use innodex::index::results::{
    PerformanceGroups, Reference, effective_weights, relative_scores, strengths_weaknesses,
};
use innodex::index::stats::{kurtosis, skewness};
use innodex::index::table::{ColumnNames, UnitData, read_imeta_str};
use innodex::index::treat::{Transform, TreatParams, treat_column};
use innodex::index::uncertainty::{UncertaintySpec, run};
use innodex::index::{CompositeIndex, IndexError, PipelineSpec, coherence};

fn asem() -> CompositeIndex {
    CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap()
}

#[test]
fn skew_and_kurtosis_are_excel_skew_and_kurt() {
    // Hand-checked: x = 1, 2, 3, 4, 10; mean 4; deviations −3, −2, −1, 0, 6;
    // Σd² = 50, Σd³ = 180, Σd⁴ = 1394; s² = 12.5.
    // SKEW = n/((n−1)(n−2)) Σ(d/s)³ = 5/12 · 180/12.5^1.5 = 1.2·√2 = 1.6970562748…
    // KURT = n(n+1)/((n−1)(n−2)(n−3)) Σ(d/s)⁴ − 3(n−1)²/((n−2)(n−3)) = 1.25 · 1394/156.25 − 8 = 3.152
    let x = [1.0, 2.0, 3.0, 4.0, 10.0];
    assert!((skewness(&x) - 1.2 * 2f64.sqrt()).abs() < 1e-12);
    assert!((kurtosis(&x) - 3.152).abs() < 1e-12);
    // Missing values are ignored; a symmetric vector has zero skewness.
    assert!((skewness(&[1.0, f64::NAN, 2.0, 3.0]) - 0.0).abs() < 1e-15);
    // Scale and shift invariance.
    let y: Vec<f64> = x.iter().map(|v| 3.0 * v - 7.0).collect();
    assert!((skewness(&y) - skewness(&x)).abs() < 1e-12);
    assert!((kurtosis(&y) - kurtosis(&x)).abs() < 1e-12);
}

fn coinr_params(winmax: usize, fallback: Transform) -> TreatParams {
    TreatParams {
        winmax,
        skew: 2.0,
        kurt: 3.5,
        fallback,
        combine: false,
    }
}

#[test]
fn treatment_matches_coinr_test_suite() {
    // COINr tests/testthat/test-treat.R: c(1:10, 100) is winsorised to 10 and then passes.
    let mut x: Vec<f64> = (1..=10).map(f64::from).collect();
    x.push(100.0);
    let t = treat_column(&x, &coinr_params(5, Transform::None)).unwrap();
    assert_eq!(t.passed_before, Some(false));
    assert_eq!(t.values[10], 10.0);
    assert_eq!(&t.values[..10], &x[..10]);
    assert_eq!(t.passed_after, Some(true));
    assert_eq!(t.n_winsorised, 1);
    // c(1:20, 100, 200) with one point allowed still fails …
    let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
    x.extend([100.0, 200.0]);
    let t = treat_column(&x, &coinr_params(1, Transform::None)).unwrap();
    assert_eq!(t.passed_after, Some(false));
    assert_eq!(t.values[21], 100.0);
    // … and with log_CT the original column is transformed.
    let t = treat_column(&x, &coinr_params(1, Transform::LogCt)).unwrap();
    for (i, v) in x.iter().enumerate() {
        assert!((t.values[i] - (v - 1.0 + 0.01 * 199.0).ln()).abs() < 1e-12);
    }
    assert_eq!(t.points.len(), 22);
}

#[test]
fn coinr_example_treats_the_expected_indicators() {
    // Cross-checked against an independent pandas re-implementation of COINr's rules:
    // 15 indicators are winsorised (none needs log_CT); Services loses 4 points.
    let b = asem().build(&PipelineSpec::coinr_example()).unwrap();
    let treated: Vec<(&str, usize)> = b
        .treatment
        .iter()
        .filter_map(|t| {
            t.detail
                .as_ref()
                .filter(|d| d.n_winsorised > 0)
                .map(|d| (t.indicator.as_str(), d.n_winsorised))
        })
        .collect();
    assert_eq!(treated.len(), 15, "{treated:?}");
    assert!(treated.contains(&("Services", 4)));
    assert!(treated.contains(&("Flights", 1)));
    assert!(
        b.treatment
            .iter()
            .all(|t| t.detail.as_ref().is_none_or(|d| d.transform.is_none()))
    );
    // Every treated point is recorded with the value it had after imputation.
    let pts = b.treated_points();
    let imputed = b.imputed.as_ref().unwrap();
    for p in &pts {
        assert_eq!(imputed.get(&p.unit, &p.indicator), Some(p.before));
        assert_eq!(
            b.treated.as_ref().unwrap().get(&p.unit, &p.indicator),
            Some(p.after)
        );
    }
    assert_eq!(pts.len(), treated.iter().map(|t| t.1).sum::<usize>());
    // Imputation fills every gap of the denominated data (each EurAsia group has data).
    let missing: usize = b
        .denominated
        .as_ref()
        .unwrap()
        .values
        .iter()
        .flatten()
        .filter(|v| v.is_nan())
        .count();
    assert_eq!(b.imputed_points.len(), missing);
    assert!(missing > 0);
    assert!(
        b.imputed
            .as_ref()
            .unwrap()
            .values
            .iter()
            .flatten()
            .all(|v| !v.is_nan())
    );
}

#[test]
fn normalisations_respect_directions_and_bounds() {
    let x = [3.0, 1.0, 7.0, f64::NAN, 5.0];
    for (m, lo, hi) in [
        (
            Normalisation::MinMax {
                low: 0.0,
                high: 100.0,
            },
            0.0,
            100.0,
        ),
        (Normalisation::DistanceToMax { scale: 1.0 }, 0.0, 1.0),
        (Normalisation::PercentRank { scale: 1.0 }, 0.0, 1.0),
    ] {
        for d in [1.0, -1.0] {
            let y = normalise_column(&x, &m, d, None).unwrap();
            assert!(y[3].is_nan());
            let best = if d > 0.0 { 2 } else { 1 };
            assert_eq!(y[best], hi, "{m:?} {d}");
            let worst = if d > 0.0 { 1 } else { 2 };
            assert_eq!(y[worst], lo, "{m:?} {d}");
        }
    }
    let z = normalise_column(
        &x,
        &Normalisation::ZScore {
            mean: 10.0,
            sd: 2.0,
        },
        1.0,
        None,
    )
    .unwrap();
    let present: Vec<f64> = z.iter().copied().filter(|v| !v.is_nan()).collect();
    assert!((innodex::index::stats::mean(&present) - 10.0).abs() < 1e-12);
    assert!((innodex::index::stats::sd(&present) - 2.0).abs() < 1e-12);
    let r = normalise_column(&x, &Normalisation::Borda, 1.0, None).unwrap();
    assert_eq!((r[0], r[1], r[2], r[4]), (1.0, 0.0, 3.0, 2.0));
    // Distance to target with a cap, in the indicator's units, for a "less is better" indicator.
    let t = normalise_column(
        &[10.0, 20.0, 40.0],
        &Normalisation::DistanceToTarget {
            target: Some(20.0),
            cap: true,
            scale: 1.0,
        },
        -1.0,
        None,
    )
    .unwrap();
    assert_eq!(t, vec![1.0, 1.0, 0.0]);
    // A constant indicator cannot be min-maxed.
    assert!(normalise_column(&[2.0, 2.0], &Normalisation::default(), 1.0, None).is_err());
}

#[test]
fn effective_weights_sum_to_one_and_follow_the_tree() {
    let b = asem().build(&PipelineSpec::default()).unwrap();
    let ew = effective_weights(&b);
    let ind: f64 = ew.iter().filter(|w| w.level == 1).map(|w| w.weight).sum();
    assert!((ind - 1.0).abs() < 1e-12);
    // LPI: 1/2 (Connectivity) × 1/5 (Physical among 5 pillars) × 1/8 (8 indicators).
    let lpi = ew.iter().find(|w| w.code == "LPI").unwrap();
    assert!((lpi.weight - 1.0 / 80.0).abs() < 1e-15);
    // With equal effective weights… the arithmetic index is the effective-weighted mean of
    // the normalised indicators (no missing data after COINr's imputation).
    let b = asem().build(&PipelineSpec::coinr_example()).unwrap();
    let ew = b.framework.effective_weights(&b.weights);
    let idx = b.score("Index").unwrap();
    for (r, value) in idx.iter().enumerate() {
        let direct: f64 = (0..b.framework.n_indicators())
            .map(|j| ew[j] * b.normalised.values[j][r])
            .sum();
        assert!((direct - value).abs() < 1e-9);
    }
}

#[test]
fn relative_scores_and_groups() {
    let b = asem().build(&PipelineSpec::default()).unwrap();
    let rel = relative_scores(&b, "Index", &Reference::Mean, &PerformanceGroups::eis()).unwrap();
    let mean: f64 = rel.iter().map(|r| r.relative).sum::<f64>() / rel.len() as f64;
    assert!((mean - 100.0).abs() < 1e-9);
    for r in &rel {
        let expect = if r.relative >= 125.0 {
            "Innovation Leaders"
        } else if r.relative >= 100.0 {
            "Strong Innovators"
        } else if r.relative >= 70.0 {
            "Moderate Innovators"
        } else {
            "Emerging Innovators"
        };
        assert_eq!(r.group, expect);
    }
    let sw = strengths_weaknesses(&b, "DEU", 5, 0.0).unwrap();
    assert_eq!(sw.strengths.len(), 5);
    assert!(sw.strengths.windows(2).all(|w| w[0].rank <= w[1].rank));
    assert!(sw.weaknesses.windows(2).all(|w| w[0].rank >= w[1].rank));
    assert!(sw.strengths[0].rank <= sw.weaknesses[0].rank);
}

#[test]
fn geometric_mean_meets_zero_with_a_clear_error_and_shift_works() {
    let mut spec = PipelineSpec {
        aggregate: Aggregation::Geometric { shift: None },
        ..PipelineSpec::default()
    };
    let e = asem().build(&spec).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, IndexError::NonPositiveInMean { .. }), "{msg}");
    assert!(
        msg.contains("geometric mean of `")
            && msg.contains("for unit `")
            && msg.contains("child `"),
        "{msg}"
    );
    // With min-max onto [1, 100] there are no zeros; geometric ≤ arithmetic for every unit.
    spec.normalise = Normalisation::MinMax {
        low: 1.0,
        high: 100.0,
    };
    let g = asem().build(&spec).unwrap();
    spec.aggregate = Aggregation::Arithmetic;
    let a = asem().build(&spec).unwrap();
    for (x, y) in g
        .score("Index")
        .unwrap()
        .iter()
        .zip(a.score("Index").unwrap())
    {
        assert!(x <= &(y + 1e-12));
    }
}

const META_OK: &str = "iCode,Parent,Type,Weight,Direction\na,P,Indicator,1,1\nb,P,Indicator,1,-1\nc,Q,Indicator,1,1\nP,Top,Aggregate,1,1\nQ,Top,Aggregate,1,1\nTop,NA,Aggregate,1,1\n";

#[test]
fn bad_frameworks_name_the_element() {
    let cases = [
        (
            META_OK.replace("c,Q,Indicator", "c,NA,Indicator"),
            "`c` has no parent",
        ),
        (
            META_OK
                .replace("P,Top,Aggregate", "P,Q,Aggregate")
                .replace("Q,Top,Aggregate", "Q,P,Aggregate"),
            "cycle in the framework",
        ),
        (
            META_OK.replace("b,P,Indicator,1,-1", "b,P,Indicator,-2,-1"),
            "`b` has weight -2",
        ),
        (
            META_OK.replace("c,Q,Indicator", "c,Nowhere,Indicator"),
            "parent `Nowhere`",
        ),
        (
            META_OK.replace("b,P,Indicator,1,-1", "b,P,Indicator,1,0"),
            "indicator `b` has direction 0",
        ),
        (
            META_OK.replace("a,P,Indicator,1,1", "a,P,Indicator,1,1\na,P,Indicator,1,1"),
            "duplicate code `a`",
        ),
    ];
    for (meta, expect) in cases {
        let e = read_imeta_str(&meta, "iMeta").unwrap_err().to_string();
        assert!(e.contains(expect), "{e} (expected {expect})");
    }
    let cyc = read_imeta_str(&cases_cycle(), "iMeta")
        .unwrap_err()
        .to_string();
    assert!(
        cyc.contains("P → Q → P") || cyc.contains("Q → P → Q"),
        "{cyc}"
    );
}

fn cases_cycle() -> String {
    META_OK
        .replace("P,Top,Aggregate", "P,Q,Aggregate")
        .replace("Q,Top,Aggregate", "Q,P,Aggregate")
}

#[test]
fn a_unit_with_no_data_is_named() {
    let m = read_imeta_str(META_OK, "iMeta").unwrap();
    let data = "uCode,a,b,c\nX,1,2,3\nY,NA,NA,NA\nZ,3,1,2\n";
    let d =
        UnitData::from_csv_str(data, "iData", &m.framework.indicator_codes(), &[], &[]).unwrap();
    let idx = CompositeIndex::new(m.framework.clone(), d).unwrap();
    let e = idx.build(&PipelineSpec::default()).unwrap_err();
    assert!(
        matches!(&e, IndexError::UnitAllMissing { unit, .. } if unit == "Y"),
        "{e}"
    );
    assert!(e.to_string().contains("unit `Y` has no data"));
    // Screening it out is the remedy.
    let spec: PipelineSpec = toml::from_str("[screen]\nmin_availability = 0.5\n").unwrap();
    let b = idx.build(&spec).unwrap();
    assert_eq!(b.units(), ["X", "Z"]);
    // Direction −1 on b: Z (b = 1) beats X (b = 2) on b.
    assert_eq!(b.score("b").unwrap(), &[0.0, 100.0]);
}

#[test]
fn typed_spec_rejects_unknown_keys_and_bad_values() {
    let e = PipelineSpec::from_toml_str("[treat]\nwinmax = 5\nskew_limit = 2\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("skew_limit"), "{e}");
    let e = PipelineSpec::from_toml_str("normalise = { method = \"minmax\", lo = 0 }\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("lo"), "{e}");
    let e = Framework::from_toml_str("[[indicators]]\ncode = \"x\"\nparent = \"top\"\nwieght = 2\n[[aggregates]]\ncode = \"top\"\n").unwrap_err().to_string();
    assert!(e.contains("wieght"), "{e}");
    let spec = PipelineSpec::from_toml_str(
        "impute = { method = \"group_mean\", group = \"Nope_group\" }\n",
    )
    .unwrap();
    let e = asem().build(&spec).unwrap_err().to_string();
    assert!(e.contains("unknown group `Nope_group`"), "{e}");
    let spec = PipelineSpec::from_toml_str(
        "[normalise_indicators]\nNotAnIndicator = { method = \"rank\" }\n",
    )
    .unwrap();
    assert!(
        asem()
            .build(&spec)
            .unwrap_err()
            .to_string()
            .contains("unknown indicator `NotAnIndicator`")
    );
}

#[test]
fn per_level_aggregation_and_availability_threshold() {
    // Geometric at the top only: Index = sqrt(Conn · Sust) (equal weights).
    let spec = PipelineSpec::from_toml_str("normalise = { method = \"minmax\", low = 1, high = 100 }\n[aggregate_nodes]\n4 = { method = \"geometric\" }\n").unwrap();
    let b = asem().build(&spec).unwrap();
    let (c, s, i) = (
        b.score("Conn").unwrap(),
        b.score("Sust").unwrap(),
        b.score("Index").unwrap(),
    );
    for r in 0..c.len() {
        assert!((i[r] - (c[r] * s[r]).sqrt()).abs() < 1e-9);
    }
    // A threshold of 1 (all children needed) leaves aggregates with a missing child missing.
    let spec = PipelineSpec {
        min_availability: Some(1.0),
        ..PipelineSpec::default()
    };
    let b = asem().build(&spec).unwrap();
    let fw = &b.framework;
    for p in fw.at_level(2) {
        for r in 0..b.units().len() {
            let any_missing = fw
                .node(p)
                .children
                .iter()
                .any(|&c| b.scores.values[c][r].is_nan());
            assert_eq!(b.scores.values[p][r].is_nan(), any_missing);
        }
    }
}

#[test]
fn coherence_statistics() {
    let b = asem().build(&PipelineSpec::coinr_example()).unwrap();
    let m = coherence::within_level(&b, 2, coherence::CorrelationMethod::Pearson).unwrap();
    for k in 0..m.rows.len() {
        assert!((m.values[k][k] - 1.0).abs() < 1e-12);
        for l in 0..m.rows.len() {
            assert!((m.values[k][l] - m.values[l][k]).abs() < 1e-12);
        }
    }
    // PCA of the 8 pillars: eigenvalues sum to 8, explained shares to 1, loadings² of a
    // component sum to its eigenvalue.
    let pillars: Vec<String> = b
        .framework
        .at_level(2)
        .iter()
        .map(|&i| b.framework.node(i).code.clone())
        .collect();
    let p = coherence::pca_of(&b, &pillars).unwrap();
    assert!((p.eigenvalues.iter().sum::<f64>() - 8.0).abs() < 1e-9);
    assert!((p.cumulative[7] - 1.0).abs() < 1e-12);
    assert!(p.eigenvalues.windows(2).all(|w| w[0] >= w[1]));
    for (c, l) in p.loadings.iter().enumerate() {
        let s: f64 = l.iter().map(|x| x * x).sum();
        assert!((s - p.eigenvalues[c]).abs() < 1e-9);
    }
    // Spearman of a node with itself is 1; Cronbach's alpha is at most 1.
    let s = coherence::correlations(
        &b,
        &["Index".to_string()],
        &["Index".to_string()],
        coherence::CorrelationMethod::Spearman,
    )
    .unwrap();
    assert!((s.values[0][0] - 1.0).abs() < 1e-12);
    let a = coherence::cronbach_of(&b, "Physical").unwrap();
    assert!(a.is_finite() && a <= 1.0);
}

#[test]
fn sobol_indices_of_an_input_without_effect_are_zero() {
    // Two inputs: the aggregation (arithmetic or geometric) and a "winsorisation limit" whose
    // two alternatives are the same. The second cannot move any rank: its total index is
    // exactly 0 (y_A = y_ABᵢ row by row); the aggregation explains everything (S1 ≈ ST ≈ 1).
    let spec: UncertaintySpec = toml::from_str(
        r#"
        n = 256
        seed = 9
        design = "sobol"
        [[inputs]]
        kind = "winsorisation"
        winmax = [5, 5]
        [[inputs]]
        kind = "aggregation"
        alternatives = [{ method = "arithmetic" }, { method = "geometric" }]
        "#,
    )
    .unwrap();
    let mut base = PipelineSpec::coinr_example();
    base.normalise = Normalisation::MinMax {
        low: 1.0,
        high: 100.0,
    };
    let r = run(&asem(), &base, &spec).unwrap();
    assert_eq!(r.scores.len(), 256 * (2 + 2));
    let s = r.sensitivity.as_ref().unwrap();
    let (win, agg) = (&s.mean_rank_shift[0], &s.mean_rank_shift[1]);
    assert_eq!(win.total, 0.0);
    assert!(win.first.abs() < 0.05, "{win:?}");
    assert!(
        (agg.total - 1.0).abs() < 0.05 && (agg.first - 1.0).abs() < 0.1,
        "{agg:?}"
    );
    assert!(agg.total_ci.0 <= agg.total && agg.total <= agg.total_ci.1);
    // Rank statistics use the A and B rows only: 2N values per unit, each 0 or 1 shift away
    // from one of the two aggregation methods' rankings.
    let deu = r.rank_stats.iter().find(|x| x.unit == "DEU").unwrap();
    assert!(deu.q05 <= deu.median && deu.median <= deu.q95);
}

/// The shipped provincial R&D panel (2015–2023, national total included) under a framework
/// of its two indicators.
fn province_rd_panel() -> (Framework, UnitData) {
    let fw = Framework::from_toml_str(
        "[[indicators]]\ncode = \"rd_intensity_pct\"\nparent = \"index\"\n[[indicators]]\ncode = \"rd_expenditure_100m_yuan\"\nparent = \"index\"\n[[aggregates]]\ncode = \"index\"\n",
    )
    .unwrap();
    let text = std::fs::read_to_string("data/china_province_rd_2015_2023.csv").unwrap();
    let names = ColumnNames::new("region_en", "region_zh", "year");
    let data = UnitData::from_csv_str_with(&text, "china", &names, &fw.indicator_codes(), &[], &[])
        .unwrap();
    (fw, data)
}

#[test]
fn panel_bounds_over_all_years() {
    let (fw, data) = province_rd_panel();
    // Without the national total.
    let keep: Vec<usize> = (0..data.n_rows())
        .filter(|&r| data.units[r] != "China")
        .collect();
    let panel = Panel::new(fw, data.select_rows(&keep)).unwrap();
    let g = panel.build(&PanelSpec::default()).unwrap();
    let t = g.table("rd_intensity_pct").unwrap();
    // Over the whole panel, 100 goes to the panel's largest raw value only (Beijing 2022,
    // 6.83 %) and 0 to the cells holding its smallest …
    let raw = &panel.data.values[0];
    let (lo, hi) = innodex::index::stats::min_max(raw);
    let flat: Vec<f64> = t.iter().flatten().copied().collect();
    assert_eq!(hi, 6.83);
    assert_eq!(
        flat.iter().filter(|v| **v == 100.0).count(),
        raw.iter().filter(|v| **v == hi).count()
    );
    assert_eq!(
        flat.iter().filter(|v| **v == 0.0).count(),
        raw.iter().filter(|v| **v == lo).count()
    );
    let bj = g.units.iter().position(|u| u == "Beijing").unwrap();
    assert_eq!(t[bj][7], 100.0);
    // … whereas year by year every year has its own 0 and 100.
    let y = panel
        .build(&PanelSpec {
            global_bounds: false,
            ..PanelSpec::default()
        })
        .unwrap();
    let ty = y.table("rd_intensity_pct").unwrap();
    for k in 0..y.years.len() {
        assert!(ty.iter().any(|r| r[k] == 100.0));
    }
    // Trends: Guangdong's intensity rose from 2.47 % (2015) to 3.54 % (2023).
    let tr = g.trends("rd_intensity_pct").unwrap();
    let gd = tr.iter().find(|t| t.unit == "Guangdong").unwrap();
    assert_eq!((gd.first_year, gd.last_year, gd.n_years), (2015, 2023, 9));
    assert!(gd.change > 0.0 && gd.slope > 0.0);
}

#[test]
fn panel_imputation_across_years() {
    let (fw, mut data) = province_rd_panel();
    // Remove Anhui's 2019 and 2020 values (2.03 and 2.28 as published; 2018: 2.16, 2021: 2.34).
    let rows: Vec<usize> = (0..data.n_rows())
        .filter(|&r| data.units[r] == "Anhui" && matches!(data.time[r], Some(2019 | 2020)))
        .collect();
    assert_eq!(rows.len(), 2);
    for &r in &rows {
        data.values[0][r] = f64::NAN;
    }
    let panel = Panel::new(fw, data).unwrap();
    let raw_of = |b: &innodex::index::panel::PanelBuild, y: usize| {
        // With `none` normalisation the scores are the (imputed) raw values.
        let t = b.table("rd_intensity_pct").unwrap();
        t[b.units.iter().position(|u| u == "Anhui").unwrap()][y]
    };
    let spec = |imp: &str| {
        let p = PipelineSpec::from_toml_str(&format!(
            "impute = {imp}\nnormalise = {{ method = \"none\" }}\n"
        ))
        .unwrap();
        PanelSpec::with(p)
    };
    let cf = panel
        .build(&spec("{ method = \"carry_forward\" }"))
        .unwrap();
    assert_eq!((raw_of(&cf, 4), raw_of(&cf, 5)), (2.16, 2.16));
    let lin = panel.build(&spec("{ method = \"linear\" }")).unwrap();
    assert!((raw_of(&lin, 4) - (2.16 + (2.34 - 2.16) / 3.0)).abs() < 1e-12);
    assert!((raw_of(&lin, 5) - (2.16 + 2.0 * (2.34 - 2.16) / 3.0)).abs() < 1e-12);
    // A one-year limit leaves the second gap year missing for carry-forward.
    let short = panel
        .build(&spec("{ method = \"carry_forward\", max_years = 1 }"))
        .unwrap();
    assert_eq!(raw_of(&short, 4), 2.16);
    assert!(raw_of(&short, 5).is_nan());
    // A panel method on a single cross-section is a clear error.
    let e = asem()
        .build(&PipelineSpec::from_toml_str("impute = { method = \"linear\" }").unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("needs several years"), "{e}");
}
