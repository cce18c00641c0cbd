//! The verdict (`innodex::assessment`): status on bounded and revised evidence, the SDSN grade
//! and years ahead on hand-computed cases, and a projection that is coherent with the evidence.
use innodex::assessment::{ChangeModel, Grade, verdict};
use innodex::plan::{ObservationEntry, Plan};
use innodex::projection::monte_carlo::McConfig;
use innodex::scenario::ScenarioSet;
use innodex::series::{Bound, Provenance};
use innodex::target::Status;
use proptest::prelude::*;

/// A one-indicator plan: x = 100 in 2020, a target of 200 by 2025 (or `target`), and `obs`.
fn plan_with(target: &str, obs: &str) -> Plan {
    Plan::from_toml_str(&format!(
        r#"
[plan]
id = "t"
region = {{ en = "R", zh = "" }}
period = [2020, 2025]

[[indicators]]
id = "x"
name = {{ en = "x", zh = "" }}
unit = "units"
kind = "count"

[[observations]]
indicator = "x"
year = 2020
value = 100
provenance = {{ kind = "observed", source = "s" }}
{obs}

[[targets]]
id = "t"
indicator = "x"
{target}
"#
    ))
    .unwrap()
}

const LEVEL: &str = "kind = \"level\"\nvalue = 200.0\nby = 2025";

fn obs(year: i32, value: f64, bound: &str) -> String {
    format!(
        "[[observations]]\nindicator = \"x\"\nyear = {year}\nvalue = {value}\nbound = \"{bound}\"\nprovenance = {{ kind = \"observed\", source = \"s\" }}\n"
    )
}

#[test]
fn grades_and_years_ahead_on_hand_computed_level_cases() {
    // Required: (200 − 100) / 5 = 20 a year. Observed from 2020 to 2022.
    // (value, r, grade, years ahead = 2020 + (v − 100)/20 − 2022, required in 2022, gap)
    let cases = [
        (150.0, 1.25, Grade::OnTrack, 0.5, Status::OnTrack),
        (
            120.0,
            0.5,
            Grade::ModeratelyImproving,
            -1.0,
            Status::OffTrack,
        ),
        (105.0, 0.125, Grade::Stagnating, -1.75, Status::OffTrack),
        (90.0, -0.25, Grade::Decreasing, -2.5, Status::OffTrack),
    ];
    for (v, r, grade, ahead, status) in cases {
        let plan = plan_with(LEVEL, &obs(2022, v, "exact"));
        let row = verdict(&plan, None).rows.remove(0);
        let p = row.progress.as_ref().unwrap();
        assert_eq!(p.model, ChangeModel::Linear);
        assert!((p.observed_change - (v - 100.0) / 2.0).abs() < 1e-12);
        assert!((p.required_change - 20.0).abs() < 1e-12);
        assert!((p.ratio - r).abs() < 1e-12, "{v}: {}", p.ratio);
        assert_eq!(p.grade, grade, "{v}");
        assert!((p.years_ahead.unwrap() - ahead).abs() < 1e-12, "{v}");
        assert_eq!(row.status, status, "{v}: {}", row.detail);
        assert_eq!(row.required, Some(140.0));
        assert!((row.gap.unwrap() - (v - 140.0)).abs() < 1e-12);
        assert!(row.needs.is_none());
    }
}

#[test]
fn a_bound_counts_only_in_the_direction_it_bounds() {
    // "More than 210" proves the target (≥ 200), first in 2022.
    let plan = plan_with(LEVEL, &obs(2022, 210.0, "at_least"));
    let row = verdict(&plan, None).rows.remove(0);
    assert_eq!(row.status, Status::Met);
    assert_eq!(row.achieved_in, Some(2022));
    let p = row.progress.unwrap();
    assert_eq!((p.grade, p.bound), (Grade::Achieved, Bound::AtLeast));
    assert!((p.ratio - 55.0 / 20.0).abs() < 1e-12); // a lower bound on r
    // "More than 110" proves nothing about 200: not assessable, with a lower-bound grade.
    let plan = plan_with(LEVEL, &obs(2022, 110.0, "at_least"));
    let row = verdict(&plan, None).rows.remove(0);
    assert_eq!(row.status, Status::NotAssessable, "{}", row.detail);
    assert!(row.detail.contains("bound"), "{}", row.detail);
    let p = row.progress.unwrap();
    assert_eq!((p.grade, p.bound), (Grade::Stagnating, Bound::AtLeast));
    // "At most 300" proves nothing either; "at most 150" in the target year proves a miss.
    let plan = plan_with(LEVEL, &obs(2025, 300.0, "at_most"));
    assert_eq!(verdict(&plan, None).rows[0].status, Status::NotAssessable);
    let plan = plan_with(LEVEL, &obs(2025, 150.0, "at_most"));
    let t = plan.targets()[0].clone();
    let ind = plan.indicator("x").unwrap();
    let p = plan.series("x").unwrap().point_at(2025).unwrap();
    assert_eq!(innodex::target::proves(ind, p, 200.0, false), Some(false));
    assert_eq!(t.target_year(), 2025);
}

#[test]
fn growth_floor_grades_compound_change() {
    // ≥ 7 % a year from 2020: 125 in 2023 is 1.25^(1/3) − 1 = 7.7217 % a year, r = 1.1031;
    // the 7 % path reaches 125 in 2020 + ln 1.25 / ln 1.07 = 2023.298.
    let target = "kind = \"growth_floor\"\nmin_rate = 0.07\nfrom = 2021\nto = 2025";
    let plan = plan_with(target, &obs(2023, 125.0, "exact"));
    let row = verdict(&plan, None).rows.remove(0);
    let p = row.progress.unwrap();
    assert_eq!(p.model, ChangeModel::Compound);
    let g = 1.25f64.powf(1.0 / 3.0) - 1.0;
    assert!((p.observed_change - g).abs() < 1e-12);
    assert!((p.required_change - 0.07).abs() < 1e-12);
    assert!((p.ratio - g / 0.07).abs() < 1e-12);
    assert_eq!(p.grade, Grade::OnTrack);
    let ahead = 2020.0 + 1.25f64.ln() / 1.07f64.ln() - 2023.0;
    assert!((p.years_ahead.unwrap() - ahead).abs() < 1e-12);
    assert_eq!(row.status, Status::OnTrack);
}

#[test]
fn cumulative_and_yearly_flows() {
    // At least 10 over 2021–2025: 3 + 3 by 2022 against 2 a year: r = 1.5, one year ahead.
    let target = "kind = \"cumulative_flow\"\nmin_total = 10.0\nfrom = 2021\nto = 2025";
    let text = format!("{}{}", obs(2021, 3.0, "exact"), obs(2022, 3.0, "exact"));
    let row = verdict(&plan_with(target, &text), None).rows.remove(0);
    let p = row.progress.unwrap();
    assert_eq!(
        (p.start_year, p.start_value, p.latest_value),
        (2020, 0.0, 6.0)
    );
    assert!((p.ratio - 1.5).abs() < 1e-12);
    assert!((p.years_ahead.unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(row.status, Status::OnTrack);
    assert_eq!(row.required, Some(4.0));
    // Linyi: 236 achievements transferred in 2022 against at least 200 a year.
    let v = verdict(&Plan::linyi(), None);
    let row = v.row("achievements_transferred").unwrap();
    assert_eq!(row.status, Status::OnTrack);
    let p = row.progress.as_ref().unwrap();
    assert_eq!(p.grade, Grade::OnTrack);
    assert!((p.ratio - 236.0 / 200.0).abs() < 1e-12);
}

#[test]
fn linyi_verdict_on_the_shipped_evidence() {
    let v = verdict(&Plan::linyi(), None);
    // 750 (2020, implied) to "more than 1600" (2022): at least +425 a year against the
    // required +150: r ≥ 2.833, at least 2020 + 850/150 − 2022 = 3.67 years ahead.
    for id in ["hte_count", "hte_doubling"] {
        let row = v.row(id).unwrap();
        assert_eq!(
            (row.status, row.achieved_in),
            (Status::Met, Some(2022)),
            "{id}"
        );
        let p = row.progress.as_ref().unwrap();
        assert!((p.ratio - 425.0 / 150.0).abs() < 1e-12);
        assert!((p.years_ahead.unwrap() - (850.0 / 150.0 - 2.0)).abs() < 1e-12);
        assert_eq!(p.bound, Bound::AtLeast);
    }
    // The net-increase target: on track on average (the yearly increases are unobserved).
    let net = v.row("hte_net_increase").unwrap();
    assert_eq!(net.status, Status::OnTrack);
    assert!(net.detail.contains("not observed"), "{}", net.detail);
    // Targets without evidence name the data they need.
    let ht = v.row("ht_output_share").unwrap();
    assert_eq!(ht.status, Status::NotAssessable);
    assert!(
        ht.needs
            .as_deref()
            .unwrap()
            .contains("`ht_output_share` (Linyi)")
    );
    let talent = v.row("talent_young").unwrap();
    assert!(talent.reading.contains("cumulative flow"));
}

#[test]
fn as_of_uses_only_what_was_published_then() {
    let plan = Plan::linyi();
    let share = |p: &Plan| p.series("rd_share").unwrap().point_at(2024).cloned();
    // After the final GDP figure (2025-12-25): 146.6 / 6555.8.
    let now = share(&plan).unwrap();
    assert!((now.value - 146.6 / 6555.8 * 100.0).abs() < 1e-12);
    // Mid-2025 only the preliminary 6600 was out.
    let mid = plan.as_of("2025-06-30".parse().unwrap()).unwrap();
    let before = share(&mid).unwrap();
    assert!((before.value - 146.6 / 6600.0 * 100.0).abs() < 1e-12);
    assert_eq!(verdict(&mid, None).as_of.as_deref(), Some("2025-06-30"));
    // Before the 2025 work report, Linyi's 2024 figures were not published at all; and before
    // May 2023 nothing showed the enterprise count past 1500.
    let early = plan.as_of("2024-12-31".parse().unwrap()).unwrap();
    assert!(share(&early).is_none());
    let v = verdict(&plan.as_of("2023-04-30".parse().unwrap()).unwrap(), None);
    assert_eq!(v.row("hte_count").unwrap().status, Status::NotAssessable);
    let v = verdict(&plan.as_of("2023-05-31".parse().unwrap()).unwrap(), None);
    assert_eq!(v.row("hte_count").unwrap().achieved_in, Some(2022));
}

#[test]
fn user_evidence_stands_beside_the_shipped_one() {
    // A later final figure wins its year; the earlier one stays as evidence.
    let plan = Plan::linyi();
    let extra = ObservationEntry {
        indicator: "gdp".into(),
        year: 2024,
        value: 6500.0,
        provenance: Provenance::Observed {
            source: "a revision".into(),
            vintage: String::new(),
            confidence: String::new(),
        },
        bound: Bound::Exact,
        status: Some(innodex::series::Release::Final),
        published: Some("2026-03-01".parse().unwrap()),
    };
    let more = plan.with_observations(vec![extra]).unwrap();
    assert_eq!(more.series("gdp").unwrap().value_at(2024), Some(6500.0));
    assert_eq!(more.evidence().len(), plan.evidence().len() + 1);
    assert_eq!(plan.series("gdp").unwrap().value_at(2024), Some(6555.8));
}

fn cfg(n: usize) -> McConfig {
    McConfig {
        n_paths: n,
        seed: 7,
        ..McConfig::default()
    }
}

#[test]
fn observed_years_are_identical_across_scenarios() {
    let plan = Plan::linyi();
    let p = ScenarioSet::linyi().project(&plan, &cfg(4000)).unwrap();
    for id in ["gdp", "rd_expenditure", "rd_share", "hte_count"] {
        let s = plan.series(id).unwrap();
        for point in s
            .points()
            .iter()
            .filter(|p| p.bound.is_exact() && p.year >= 2020)
        {
            for sc in &p.scenarios {
                let fan = sc.result.indicator(id).unwrap();
                let Some(q) = fan.at(point.year) else {
                    continue;
                };
                for v in q {
                    assert!(
                        (v - point.value).abs() < 1e-9,
                        "{id} {} in scenario {}: {v} vs observed {}",
                        point.year,
                        sc.name,
                        point.value
                    );
                }
            }
        }
    }
    // The 2024 share is in every scenario's fan (both parts observed that year).
    let share = 146.6 / 6555.8 * 100.0;
    for sc in &p.scenarios {
        let q = sc.result.indicator("rd_share").unwrap().at(2024).unwrap();
        assert!(q.iter().all(|v| (v - share).abs() < 1e-9), "{}", sc.name);
    }
}

/// P(R&D share > reference in 2025) for yearly R&D and GDP growth means `gr`, `gy`, with
/// both parts observed in 2024 and the reference held at 2.30 (so the target is in reach).
fn p_share_met(gr: f64, gy: f64) -> f64 {
    let mut plan = Plan::linyi();
    plan.set_observation(
        "shandong_rd_share",
        2024,
        2.30,
        Provenance::Assumed {
            note: "test".into(),
        },
    )
    .unwrap();
    let set = ScenarioSet::from_toml_str(&format!(
        r#"
[set]
id = "t"
horizon = 2025

[[scenarios]]
name = "s"
[scenarios.indicators.rd_expenditure]
method = "compound"
rate = {{ dist = "normal", mean = {gr}, sd = 0.03 }}
[scenarios.indicators.gdp]
method = "compound"
rate = {{ dist = "normal", mean = {gy}, sd = 0.02 }}
"#
    ))
    .unwrap();
    let p = set.project(&plan, &cfg(4000)).unwrap();
    p.scenarios[0]
        .result
        .target("rd_share")
        .unwrap()
        .probability
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Same seed, so each path's share rises with R&D growth and falls with GDP growth: the
    /// probability is monotone exactly, not just on average.
    #[test]
    fn p_share_met_rises_with_rd_growth_and_falls_with_gdp_growth(
        gr in 0.0f64..0.12, dgr in 0.0f64..0.05, gy in 0.02f64..0.08, dgy in 0.0f64..0.04,
    ) {
        let base = p_share_met(gr, gy);
        prop_assert!(p_share_met(gr + dgr, gy) >= base);
        prop_assert!(p_share_met(gr, gy + dgy) <= base);
    }
}

#[test]
fn p_share_met_matches_its_delta_method_value() {
    // 2.2362 needs ln((1 + g_R)/(1 + g_Y)) > ln(2.30 / 2.2362); to first order that log ratio
    // is normal with mean ln((1 + μ_R)/(1 + μ_Y)) and sd √((0.03/(1 + μ_R))² + (0.02/(1 + μ_Y))²).
    let s0 = 146.6 / 6555.8 * 100.0;
    let approx = |gr: f64, gy: f64| {
        let m = ((1.0 + gr) / (1.0 + gy)).ln();
        let sd = ((0.03 / (1.0 + gr)).powi(2) + (0.02 / (1.0 + gy)).powi(2)).sqrt();
        innodex::projection::fit::normal_cdf((m - (2.30f64 / s0).ln()) / sd)
    };
    // Within 0.03: Monte Carlo error (4000 paths, se ≤ 0.008) plus the linearisation.
    for (gr, gy) in [(0.0, 0.05), (0.12, 0.05), (0.08, 0.02), (0.08, 0.08)] {
        let p = p_share_met(gr, gy);
        assert!(
            (p - approx(gr, gy)).abs() < 0.03,
            "{gr} {gy}: {p} vs {}",
            approx(gr, gy)
        );
    }
    assert!(p_share_met(0.08, 0.02) > p_share_met(0.08, 0.08) + 0.3);
}
