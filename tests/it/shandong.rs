//! The second real plan: Shandong's 2022 plan (鲁政字〔2022〕225号), its evidence, its verdict
//! (hand-computed), its shipped scenarios and the command line on it.
use innodex::assessment::{ChangeModel, Grade, verdict};
use innodex::plan::{BUILTIN_PLANS, Plan};
use innodex::projection::monte_carlo::McConfig;
use innodex::scenario::ScenarioSet;
use innodex::series::Bound;
use innodex::target::Status;

const ID: &str = "shandong-2022-2027";

#[test]
fn the_shandong_plan_loads_with_its_two_targets_and_resolved_evidence() {
    assert!(BUILTIN_PLANS.contains(&ID));
    let p = Plan::shandong();
    assert_eq!(p.meta().id, ID);
    assert_eq!(Plan::builtin(ID).unwrap().meta().id, ID);
    assert_eq!(Plan::builtin("shandong").unwrap().meta().id, ID);
    assert_eq!(p.base_year(), 2021);
    let ids: Vec<&str> = p.targets().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["rd_share", "ht_output_share"]);
    let rd = p.series("rd_share").unwrap();
    // 2021: the bulletin's 2.34 (observed, final) outranks the derived 2.49 − 0.14 = 2.35.
    assert_eq!(rd.value_at(2021), Some(2.34));
    assert_eq!(rd.value_at(2023), Some(2.59));
    let ht = p.series("ht_output_share").unwrap();
    assert_eq!(ht.value_at(2021), Some(46.8));
    assert_eq!(ht.value_at(2025), Some(55.7));
    // Part-year figures (44.37 % for H1 2020, 51.37 % for Q1–Q3 2023) are left out: 2020 is
    // the derived 55.7 − 10.6, 2023 the whole-year lower bound "超过51%".
    assert_eq!(ht.value_at(2020), Some(45.1));
    assert_eq!(ht.value_at(2023), Some(51.0));
}

#[test]
fn shandong_verdict_rd_share_grade_and_years_ahead_by_hand() {
    let v = verdict(&Plan::shandong(), None);
    let row = v.row("rd_share").unwrap();
    assert_eq!(row.status, Status::OnTrack);
    let p = row.progress.as_ref().unwrap();
    // Start: the base year 2021, 2.34 (first-published bulletin). Latest: 2.59 in 2023.
    let (start, latest) = (2.34, 2.59);
    let required = (2.8 - start) / (2027 - 2021) as f64; // 0.0766… points a year
    let observed = (latest - start) / (2023 - 2021) as f64; // 0.125 points a year
    let r = observed / required; // 1.6304…
    let ahead = 2021.0 + (latest - start) / required - 2023.0; // +1.2609 years
    assert_eq!(p.model, ChangeModel::Linear);
    assert_eq!((p.start_year, p.latest_year), (2021, 2023));
    assert!((p.start_value - start).abs() < 1e-9);
    assert!((p.latest_value - latest).abs() < 1e-9);
    assert!((p.required_change - required).abs() < 1e-9);
    assert!((p.observed_change - observed).abs() < 1e-9);
    assert!((p.ratio - r).abs() < 1e-9, "r = {}", p.ratio);
    assert!((p.ratio - 1.630_434_782_608_695_7).abs() < 1e-9);
    assert!((p.years_ahead.unwrap() - ahead).abs() < 1e-9);
    assert!((ahead - 1.260_869_565_217_39).abs() < 1e-9);
    assert_eq!(p.grade, Grade::OnTrack); // r ≥ 1
    // Required in 2023 on the linear path: 2.34 + 2 × 0.0767 = 2.4933; gap +0.0967.
    assert!((row.required.unwrap() - (start + 2.0 * required)).abs() < 1e-9);
    assert!((row.gap.unwrap() - (latest - start - 2.0 * required)).abs() < 1e-9);
}

#[test]
fn shandong_high_tech_share_is_achieved_in_2023_by_a_lower_bound() {
    let v = verdict(&Plan::shandong(), None);
    let row = v.row("ht_output_share").unwrap();
    // "About 53 %" with the assumed ±5 %: met at 53 × (1 − 0.05) = 50.35 % or more. "超过51%"
    // in 2023 is a lower bound of 51 ≥ 50.35, so it proves the target met in 2023 already;
    // 2025's 55.7 % (preliminary) is the latest figure.
    assert_eq!(row.status, Status::Met);
    assert_eq!(row.achieved_in, Some(2023));
    let e = row.evidence.as_ref().unwrap();
    assert_eq!((e.year, e.value, e.bound), (2025, 55.7, Bound::Exact));
    let p = row.progress.as_ref().unwrap();
    assert_eq!(p.grade, Grade::Achieved);
    // r = ((55.7 − 46.8) / 4) / ((53 − 46.8) / 6) = 2.225 / 1.0333 = 2.1532;
    // years ahead = 2021 + 8.9 / 1.0333 − 2025 = +4.6129.
    let required = (53.0 - 46.8) / 6.0;
    assert!((p.ratio - (55.7 - 46.8) / 4.0 / required).abs() < 1e-9);
    assert!((p.years_ahead.unwrap() - (2021.0 + (55.7 - 46.8) / required - 2025.0)).abs() < 1e-9);
}

#[test]
fn shandong_scenarios_are_shipped_and_project_both_targets() {
    assert!(ScenarioSet::builtin_for(ID).is_some());
    assert!(ScenarioSet::builtin_for("linyi-2021-2025").is_some());
    assert!(ScenarioSet::builtin_for("no-such-plan").is_none());
    let set = ScenarioSet::shandong();
    assert_eq!(set.names(), vec!["baseline", "slow", "fast"]);
    let plan = Plan::shandong();
    let cfg = McConfig {
        n_paths: 2000,
        seed: 7,
        ..McConfig::default()
    };
    let proj = set.project(&plan, &cfg).unwrap();
    let v = verdict(&plan, Some(&proj));
    for id in ["rd_share", "ht_output_share"] {
        let out = &v.row(id).unwrap().outlook;
        assert_eq!(out.len(), 3, "{id}");
        for o in out {
            let p = o
                .p_met
                .unwrap_or_else(|| panic!("{id}/{}: no P(met)", o.scenario));
            assert!((0.0..=1.0).contains(&p));
            assert!(!o.assumed_start, "{id}: starts from evidence");
        }
    }
    // Slow R&D (0.05 points a year from 2.59 in 2023, 0.0525 needed) is a coin toss; the fast
    // scenario all but certain.
    let p = |id: &str, s: &str| {
        let row = v.row(id).unwrap();
        row.outlook
            .iter()
            .find(|o| o.scenario == s)
            .unwrap()
            .p_met
            .unwrap()
    };
    assert!(p("rd_share", "slow") < p("rd_share", "baseline"));
    assert!(p("rd_share", "slow") < p("rd_share", "fast"));
    assert!(p("rd_share", "fast") > 0.95);
}

#[cfg(feature = "cli")]
mod cli {
    use crate::support::{innodex, text};

    #[test]
    fn plans_lists_both_builtin_plans_with_titles() {
        let out = innodex(&["plans"]);
        assert!(out.status.success());
        let t = text(&out.stdout);
        let ids: Vec<&str> = t.lines().map(|l| l.split('\t').next().unwrap()).collect();
        assert_eq!(ids, ["linyi-2021-2025", "shandong-2022-2027"]);
        assert!(t.contains("Shandong"), "{t}");
    }

    #[test]
    fn report_on_the_builtin_shandong_plan_has_verdict_and_p_met() {
        let out = innodex(&["report", "--plan", super::ID, "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = v["verdict"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        let row = |id: &str| rows.iter().find(|r| r["target"] == id).unwrap().clone();
        let ht = row("ht_output_share");
        assert_eq!(ht["status"], "met");
        assert_eq!(ht["achieved_in"], 2023);
        let rd = row("rd_share");
        assert_eq!(rd["status"], "on_track");
        assert_eq!(rd["progress"]["grade"], "on_track");
        let r = rd["progress"]["ratio"].as_f64().unwrap();
        assert!((r - (0.25 / 2.0) / (0.46 / 6.0)).abs() < 1e-9);
        for row in rows {
            let outlook = row["outlook"].as_array().unwrap();
            let names: Vec<&str> = outlook
                .iter()
                .map(|o| o["scenario"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["baseline", "slow", "fast"], "{}", row["target"]);
            for o in outlook {
                let p = o["p_met"].as_f64().expect("a P(met) number");
                assert!((0.0..=1.0).contains(&p));
            }
        }
        // A plan file still works where an id would: the same plan from its path.
        let path = crate::support::repo().join("plans/shandong-2022-2027.toml");
        let out = innodex(&["report", "--plan", crate::support::s(&path), "--no-project"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("Verdict: did the plan work?"));
    }

    #[test]
    fn every_report_format_works_on_the_shandong_plan() {
        for format in ["table", "markdown", "csv", "json"] {
            let out = innodex(&[
                "report",
                "--plan",
                super::ID,
                "--format",
                format,
                "--paths",
                "500",
            ]);
            assert!(out.status.success(), "{format}: {}", text(&out.stderr));
            let t = text(&out.stdout);
            for id in ["rd_share", "ht_output_share"] {
                assert!(t.contains(id), "{format}: no {id}");
            }
            if format == "json" {
                let _: serde_json::Value = serde_json::from_str(&t).unwrap();
            }
        }
    }
}
