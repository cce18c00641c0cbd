//! Plans: the embedded Linyi plan, the file format, validation errors and target assessment.
use innodex::plan::{Plan, PlanError};
use innodex::series::Provenance;
use innodex::target::Status;

fn assumed() -> Provenance {
    Provenance::Assumed {
        note: "test".into(),
    }
}

/// Sets an assumed observation (which must be accepted).
fn assume(plan: &mut Plan, indicator: &str, year: i32, value: f64) {
    plan.set_observation(indicator, year, value, assumed())
        .unwrap();
}

/// The status of a target's assessment.
fn status(plan: &Plan, target: &str) -> Status {
    plan.evaluate(target).unwrap().assessment.status
}

#[test]
fn linyi_plan_encodes_the_thirteen_targets_of_the_seed() {
    let plan = Plan::linyi();
    let ids: Vec<&str> = plan.targets().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "rd_share",
            "rd_active_firms_share",
            "hte_count",
            "hte_doubling",
            "hte_net_increase",
            "ht_output_share",
            "tsme_entries",
            "key_problems_solved",
            "achievements_transferred",
            "talent_national",
            "talent_provincial",
            "talent_high_level",
            "talent_young"
        ]
    );
    // The S&T budget: 6.6 (2021) as given and 2.0 (2020) implied.
    let budget = plan.series("municipal_st_budget").unwrap();
    assert_eq!(budget.value_at(2021), Some(6.6));
    assert_eq!(budget.point_at(2020).unwrap().provenance.label(), "implied");
    // Shandong's real R&D intensity is the reference of the relative target.
    let sd = plan.series("shandong_rd_share").unwrap();
    assert_eq!(sd.value_at(2020), Some(2.30));
    assert_eq!(sd.years(), (2015..=2023).collect::<Vec<_>>());
    assert_eq!(sd.point_at(2018).unwrap().provenance.label(), "observed");
    // The 750 baseline is implied, never presented as observed.
    let hte = plan.series("hte_count").unwrap().point_at(2020).unwrap();
    assert_eq!((hte.value, hte.provenance.label()), (750.0, "implied"));
}

#[test]
fn hte_doubling_paths_and_every_target_has_a_status_or_reason() {
    let plan = Plan::linyi();
    let ev = plan.evaluate("hte_count").unwrap();
    let r = &ev.required;
    assert_eq!(r.target_value, Some(1500.0));
    assert!((r.required_cagr.unwrap() - 0.148698355).abs() < 1e-9);
    assert_eq!(r.required_increment, Some(150.0));
    assert!((r.doubling_time.unwrap() - 5.0).abs() < 1e-9);
    assert_eq!(r.compound.last(), Some(&(2025, 1500.0)));
    assert_eq!(r.linear[1], (2021, 900.0));
    assert!((r.compound[1].1 - 750.0 * 2f64.powf(0.2)).abs() < 1e-9);
    for (t, ev) in plan.evaluate_all() {
        assert!(!ev.assessment.detail.is_empty(), "{} has no reason", t.id);
    }
}

#[test]
fn assessment_follows_observations() {
    let mut plan = Plan::linyi();
    // Two years of 175 net new high-tech enterprises: on the compound path (≥ 861.5, 989.6)
    // and above +150 a year.
    assume(&mut plan, "hte_count", 2021, 925.0);
    assume(&mut plan, "hte_count", 2022, 1100.0);
    assert_eq!(status(&plan, "hte_count"), Status::OnTrack);
    assert_eq!(status(&plan, "hte_net_increase"), Status::OnTrack);
    // A year of +100 breaks the yearly net-increase target, though the stock stays on track.
    assume(&mut plan, "hte_count", 2023, 1200.0);
    let net = plan.evaluate("hte_net_increase").unwrap().assessment;
    assert_eq!(net.status, Status::OffTrack);
    assert!(net.detail.contains("2023: 100"), "{}", net.detail);
    assert_eq!(status(&plan, "hte_count"), Status::OnTrack);
    // 1430 in 2025 is "about 1500" within ±5 %: met. 1400 is not.
    assume(&mut plan, "hte_count", 2025, 1430.0);
    assert_eq!(status(&plan, "hte_count"), Status::Met);
    assume(&mut plan, "hte_count", 2025, 1400.0);
    assert_eq!(status(&plan, "hte_count"), Status::OffTrack);

    // Yearly flows: every year ≥ 600 → met; one short year → off track.
    for (y, v) in [
        (2021, 650.0),
        (2022, 700.0),
        (2023, 610.0),
        (2024, 640.0),
        (2025, 605.0),
    ] {
        assume(&mut plan, "tsme_entries", y, v);
    }
    assert_eq!(status(&plan, "tsme_entries"), Status::Met);
    assume(&mut plan, "tsme_entries", 2024, 590.0);
    assert_eq!(status(&plan, "tsme_entries"), Status::OffTrack);

    // Relative target against the real Shandong series, as known at the end of 2024 (before
    // Linyi's 2024 GDP, hence its derived 2024 share): 2.40 in 2022 is below 2.49, but the
    // gap (0.09) is smaller than a linear closing from a 2020 gap of 0.40 allows (0.24).
    let mut plan = plan.as_of("2024-12-31".parse().unwrap()).unwrap();
    assert_eq!(plan.series("rd_share").unwrap().value_at(2024), None);
    assume(&mut plan, "rd_share", 2020, 1.90);
    assume(&mut plan, "rd_share", 2022, 2.40);
    let rd = plan.evaluate("rd_share").unwrap();
    assert_eq!(
        rd.assessment.status,
        Status::OnTrack,
        "{}",
        rd.assessment.detail
    );
    assume(&mut plan, "rd_share", 2023, 1.95);
    let rd = plan.evaluate("rd_share").unwrap();
    assert_eq!(
        rd.assessment.status,
        Status::OffTrack,
        "{}",
        rd.assessment.detail
    );
    assume(&mut plan, "rd_share", 2023, 2.70);
    assert_eq!(status(&plan, "rd_share"), Status::OnTrack);
    // "Exceed" is strict: in the target year, equal to the provincial average is not above it.
    assume(&mut plan, "shandong_rd_share", 2025, 2.80);
    assume(&mut plan, "rd_share", 2025, 2.80);
    assert_eq!(status(&plan, "rd_share"), Status::OffTrack);
    assume(&mut plan, "rd_share", 2025, 2.81);
    assert_eq!(status(&plan, "rd_share"), Status::Met);
}

#[test]
fn growth_floor_on_the_national_rd_target() {
    // The national plan: R&D spending grows more than 7 % a year on average (2021–2025).
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/plans/examples/china-rd-growth.toml"
    ))
    .unwrap();
    let plan = Plan::from_toml_str(&text).unwrap();
    let ev = plan.evaluate("rd_growth").unwrap();
    assert_eq!(
        ev.assessment.status,
        Status::OnTrack,
        "{}",
        ev.assessment.detail
    );
    assert_eq!(ev.required.required_cagr, Some(0.07));
    let expected_2025 = 24393.1 * 1.07f64.powi(5);
    assert!((ev.required.target_value.unwrap() - expected_2025).abs() < 1e-6);
}

#[test]
fn toml_round_trip_keeps_everything() {
    let plan = Plan::linyi();
    let again = Plan::from_toml_str(&plan.to_toml_string()).unwrap();
    assert_eq!(plan, again);
}

fn linyi_with(edit: impl Fn(String) -> String) -> Result<Plan, PlanError> {
    Plan::from_toml_str(&edit(innodex::plan::LINYI_TOML.to_string()))
}

#[test]
fn bad_plans_give_errors_that_name_the_problem() {
    // A negative baseline of a count.
    let e = linyi_with(|s| s.replacen("value = 750\n", "value = -750\n", 1)).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("hte_count") && m.contains("-750"), "{m}");
    // A share of 140 %.
    let e = linyi_with(|s| s.replace("value = 2.3\n", "value = 140.0\n")).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("shandong_rd_share") && m.contains("140"), "{m}");
    // A target year before its base year.
    let e = linyi_with(|s| {
        s.replacen(
            "base_year = 2020\nby = 2025",
            "base_year = 2020\nby = 2019",
            1,
        )
    })
    .unwrap_err();
    let m = e.to_string();
    assert!(m.contains("hte_count") && m.contains("2019"), "{m}");
    // A target naming an unknown indicator.
    let e = linyi_with(|s| {
        s.replace(
            "indicator = \"talent_young\"\nkind",
            "indicator = \"talent_old\"\nkind",
        )
    })
    .unwrap_err();
    assert!(matches!(e, PlanError::UnknownIndicator { .. }));
    assert!(e.to_string().contains("talent_old"), "{e}");
    // Malformed and truncated TOML: the parser's line and column come through.
    let e = Plan::from_toml_str("[plan\nid = 1").unwrap_err();
    assert!(matches!(e, PlanError::Input(_)));
    assert!(e.to_string().starts_with("plan:1:"), "{e}");
    let half = &innodex::plan::LINYI_TOML[..innodex::plan::LINYI_TOML.len() / 2];
    assert!(Plan::from_toml_str(half).is_err());
    // A misspelt key is not silently ignored.
    let e = linyi_with(|s| s.replacen("factor = 2.0", "factr = 2.0", 1)).unwrap_err();
    assert!(e.to_string().contains("factr"), "{e}");
    // Two figures of one year that nothing tells apart (same kind, no release or date).
    let e = linyi_with(|s| {
        s.replace(
            "[[observations]]\nindicator = \"above_size_industrial_firms\"",
            "[[observations]]\nindicator = \"above_size_industrial_firms\"\nyear = 2020\nvalue = 2950\nprovenance = { kind = \"observed\", source = \"x\" }\n\n[[observations]]\nindicator = \"above_size_industrial_firms\"",
        )
    })
    .unwrap_err();
    assert!(
        matches!(e, PlanError::AmbiguousEvidence { year: 2020, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("above_size_industrial_firms"), "{e}");
    // A missing file.
    let e = Plan::from_path("/no/such/plan.toml").unwrap_err();
    assert!(e.to_string().contains("/no/such/plan.toml"), "{e}");
}

#[test]
fn overrides_are_validated_and_leave_the_plan_unchanged_on_error() {
    let mut plan = Plan::linyi();
    let before = plan.clone();
    assert!(
        plan.set_observation("hte_count", 2020, -5.0, assumed())
            .is_err()
    );
    assert!(
        plan.set_observation("ht_output_share", 2020, 140.0, assumed())
            .is_err()
    );
    assert!(plan.set_observation("nope", 2020, 1.0, assumed()).is_err());
    assert_eq!(plan, before);
    assume(&mut plan, "ht_output_share", 2020, 35.0);
    let ev = plan.evaluate("ht_output_share").unwrap();
    let g = ev.required.required_cagr.unwrap();
    assert!((g - ((46.0f64 / 35.0).powf(0.2) - 1.0)).abs() < 1e-12);
    assert!((ev.required.required_increment.unwrap() - 2.2).abs() < 1e-12);
}

#[test]
fn ratio_indicators_are_derived_from_numerator_and_denominator() {
    let mut plan = Plan::linyi();
    // Linyi's GDP 2020 is observed (4805.25); with an assumed R&D spending of 96.1 the R&D
    // share follows as 96.1 / 4805.25 × 100 = 1.99990 %, labelled derived.
    assume(&mut plan, "rd_expenditure", 2020, 96.1);
    let p = plan
        .series("rd_share")
        .unwrap()
        .point_at(2020)
        .unwrap()
        .clone();
    assert!((p.value - 96.1 / 4805.25 * 100.0).abs() < 1e-12);
    assert_eq!(p.provenance.label(), "derived");
    // Changing the numerator re-derives the share; a given share wins over a derived one.
    assume(&mut plan, "rd_expenditure", 2020, 100.0);
    let v = plan.series("rd_share").unwrap().value_at(2020).unwrap();
    assert!((v - 100.0 / 4805.25 * 100.0).abs() < 1e-12);
    assume(&mut plan, "rd_share", 2020, 1.8);
    assume(&mut plan, "rd_expenditure", 2020, 120.0);
    assert_eq!(plan.series("rd_share").unwrap().value_at(2020), Some(1.8));
    let ev = plan.evaluate("rd_share").unwrap();
    assert_eq!(ev.required.baseline.unwrap().value, 1.8);
}
