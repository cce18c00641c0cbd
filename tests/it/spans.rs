//! Evidence over spans of years (`innodex::span`): the shipped Shandong figures, CSV span rows,
//! ranking against observed figures, `as_of`, overrides, and the verdict's lines.

use innodex::assessment::verdict;
use innodex::evidence::read_observations_csv;
use innodex::plan::Plan;
use innodex::series::{Bound, Provenance};

const HEADER: &str = "indicator,region,year,value,unit,bound,status,source,published,measure\n";

fn rd_2025(plan: &Plan) -> Option<f64> {
    plan.series("rd_expenditure").unwrap().value_at(2025)
}

#[test]
fn shandong_average_growth_gives_a_derived_2025_value_published_in_2026() {
    let plan = Plan::shandong();
    // 1681.9 (2020, final) × 1.115^5: the government work report's 2021–2025 average.
    let expected = 1681.9 * 1.115_f64.powi(5);
    assert!((expected - 2898.508).abs() < 1e-3);
    let p = plan
        .series("rd_expenditure")
        .unwrap()
        .point_at(2025)
        .unwrap()
        .clone();
    assert!((p.value - expected).abs() < 1e-9);
    assert_eq!(p.bound, Bound::Exact);
    let Provenance::Derived { note } = &p.provenance else {
        panic!("{:?}", p.provenance)
    };
    assert!(
        note.contains("1681.9 × (1 + 11.5 %)^5") && note.contains("2020 value"),
        "{note}"
    );
    // Published 2026-01-28: not known at the end of 2025, known in February 2026.
    assert_eq!(
        rd_2025(&plan.as_of("2025-12".parse().unwrap()).unwrap()),
        None
    );
    let feb = rd_2025(&plan.as_of("2026-02".parse().unwrap()).unwrap()).unwrap();
    assert!((feb - expected).abs() < 1e-9);
    // The hte_count span has no 2020 base in this plan: kept, nothing derived.
    assert_eq!(plan.spans().len(), 2);
    assert_eq!(plan.series("hte_count").unwrap().value_at(2025), None);
    let v = verdict(&plan, None);
    assert_eq!(v.spans.len(), 2);
    assert!(
        v.spans[0].contains("gives 2025 = 2898.508 (derived, used)"),
        "{}",
        v.spans[0]
    );
    assert!(
        v.spans[1].contains("no 2020 value in the plan"),
        "{}",
        v.spans[1]
    );
}

#[test]
fn an_observed_figure_outranks_the_span_and_an_override_replaces_it() {
    let plan = Plan::shandong();
    let csv = format!(
        "{HEADER}rd_expenditure,Shandong,2025,2950,100m_yuan,exact,final,bulletin,2026-09,\n"
    );
    let rows = read_observations_csv(&plan, &csv).unwrap();
    let observed = plan.with_evidence(rows).unwrap();
    assert_eq!(rd_2025(&observed), Some(2950.0));
    let v = verdict(&observed, None);
    assert!(
        v.spans[0].contains("a better-ranked figure of 2025 is used"),
        "{}",
        v.spans[0]
    );
    // An override of the span's last year wins over the derived value.
    let mut o = plan.clone();
    o.set_observation(
        "rd_expenditure",
        2025,
        3000.0,
        Provenance::Assumed {
            note: "what if".into(),
        },
    )
    .unwrap();
    assert_eq!(rd_2025(&o), Some(3000.0));
}

#[test]
fn csv_span_rows_read_their_measure_and_bound_and_derive_the_last_year() {
    let plan = Plan::linyi();
    // hte_count 2020 is 750 (implied by the doubling); ≥ 800 added over 2021–2025.
    let csv = format!(
        "{HEADER}hte_count,Linyi,2021-2025,800,count,at_least,preliminary,report,2026-02,\n\
         rd_expenditure,Linyi,2021–2024,10,pct_per_year,exact,final,bulletin,2025-10,\n"
    );
    let rows = read_observations_csv(&plan, &csv).unwrap();
    assert!(rows.observations.is_empty());
    assert_eq!(rows.spans.len(), 2);
    assert_eq!(rows.spans[0].measure, innodex::span::SpanMeasure::Change);
    assert_eq!(
        rows.spans[1].measure,
        innodex::span::SpanMeasure::AverageGrowth
    );
    assert_eq!((rows.spans[1].from, rows.spans[1].to), (2021, 2024));
    let with = plan.with_evidence(rows).unwrap();
    let hte = with
        .series("hte_count")
        .unwrap()
        .point_at(2025)
        .unwrap()
        .clone();
    assert_eq!((hte.value, hte.bound), (1550.0, Bound::AtLeast));
    // rd_expenditure 2024 is observed: the span's derived value ranks below it.
    assert_eq!(
        with.series("rd_expenditure").unwrap().value_at(2024),
        plan.series("rd_expenditure").unwrap().value_at(2024)
    );
}

#[test]
fn bad_span_rows_name_the_line_and_column() {
    let plan = Plan::linyi();
    let err = |row: &str| {
        let e = read_observations_csv(&plan, &format!("{HEADER}{row}\n")).unwrap_err();
        e.to_string()
    };
    let m = err("hte_count,Linyi,2025-2021,5,count,,,src,,");
    assert!(
        m.contains("line 2, column `year`") && m.contains("FROM ≤ TO"),
        "{m}"
    );
    let m = err("rd_expenditure,Linyi,2021-2024,-100,pct_per_year,,,src,,");
    assert!(
        m.contains("line 2, column `value`") && m.contains("above −100"),
        "{m}"
    );
    let m = err("hte_count,Linyi,2024,5,count,,,src,,change");
    assert!(
        m.contains("line 2, column `measure`") && m.contains("span rows only"),
        "{m}"
    );
    let m = err("hte_count,Linyi,2021-2024,5,count,,,src,,growth");
    assert!(
        m.contains("column `measure`") && m.contains("average_growth or change"),
        "{m}"
    );
}

/// Issue 15, item 4: where a ratio's parts end in different years, the projection says how the
/// years between are bridged; where they end together, that no bridging was needed.
#[test]
fn the_projection_says_how_a_ratio_bridges_parts_that_end_in_different_years() {
    use innodex::projection::monte_carlo::McConfig;
    use innodex::scenario::ScenarioSet;
    let cfg = McConfig {
        n_paths: 200,
        ..McConfig::default()
    };
    let note = |plan: &Plan| {
        let p = ScenarioSet::linyi().project(plan, &cfg).unwrap();
        p.scenarios[0]
            .assumptions
            .iter()
            .find(|a| a.indicator == "rd_share")
            .expect("a note on the derived ratio")
            .text
            .clone()
    };
    let together = note(&Plan::linyi());
    assert!(
        together.contains("both parts observed to 2024, both projected from 2025 (no bridging)"),
        "{together}"
    );
    let csv = format!("{HEADER}gdp,Linyi,2025,6900,100m_yuan,exact,final,bulletin,2026-04,\n");
    let later = Plan::linyi()
        .with_evidence(read_observations_csv(&Plan::linyi(), &csv).unwrap())
        .unwrap();
    let bridged = note(&later);
    assert!(
        bridged.contains("`rd_expenditure` is observed to 2024 and `gdp` to 2025: in 2025 the ratio joins the projected `rd_expenditure` (from its 2024 value) with the observed `gdp`; both are projected from 2026"),
        "{bridged}"
    );
}
