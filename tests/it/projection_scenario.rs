//! Scenario files and the projection of plans under them.
use innodex::plan::Plan;
use innodex::projection::ProjectionError;
use innodex::projection::monte_carlo::McConfig;
use innodex::scenario::{ScenarioError, ScenarioSet};
use innodex::stats::Distribution;

fn cfg(n: usize) -> McConfig {
    McConfig {
        n_paths: n,
        seed: 2021,
        ..McConfig::default()
    }
}

#[test]
fn linyi_scenarios_project_every_target_or_say_why_not() {
    let plan = Plan::linyi();
    let set = ScenarioSet::linyi();
    let p = set.project(&plan, &cfg(20_000)).unwrap();
    assert_eq!(p.horizon, 2025);
    assert_eq!(p.scenarios.len(), 3);
    for s in &p.scenarios {
        assert_eq!(s.result.targets.len(), plan.targets().len());
        for t in &s.result.targets {
            match &t.not_projected {
                Some(why) => assert!(
                    t.id.starts_with("talent")
                        || t.id == "rd_active_firms_share"
                        || t.id == "key_problems_solved"
                        || t.id == "achievements_transferred"
                        // The stock starts from its 2022 evidence: 2021's increase is unknown.
                        || (t.id == "hte_net_increase" && why.contains("2021")),
                    "{}: {why}",
                    t.id
                ),
                None => {
                    let pr = t.probability.unwrap();
                    assert!((0.0..=1.0).contains(&pr));
                    let [lo, mid, hi] = t.metric_band.unwrap();
                    assert!(lo <= mid && mid <= hi, "{}", t.id);
                }
            }
        }
        let talent = s.result.target("talent_young").unwrap();
        assert!(
            talent
                .not_projected
                .as_deref()
                .unwrap()
                .contains("makes no assumption for `talent_young`")
        );
        // The ratio R&D / GDP is derived, and its assumption is stated.
        assert!(s.assumptions.iter().any(
            |a| a.indicator == "rd_share" && a.text.contains("`rd_expenditure` / `gdp` × 100")
        ));
        // Assumed baselines are labelled as assumptions.
        let ht = s
            .assumptions
            .iter()
            .find(|a| a.indicator == "ht_output_share")
            .unwrap();
        assert!(ht.text.contains("assumed (scenario)"), "{}", ht.text);
        // A share never passes 100 %.
        let fan = s.result.indicator("ht_output_share").unwrap();
        assert!(
            fan.quantiles
                .iter()
                .flatten()
                .flatten()
                .all(|&v| v <= 100.0)
        );
    }
    // Ordered scenarios: fast > baseline > slow for the tech-SME entries (common random
    // numbers make this hold path by path, so exactly).
    let pr = |name: &str| {
        p.scenario(name)
            .unwrap()
            .result
            .target("tsme_entries")
            .unwrap()
            .probability
            .unwrap()
    };
    assert!(pr("fast") > pr("baseline") && pr("baseline") > pr("slow"));
    // The R&D share starts from both parts observed in 2024, so faster R&D growth relative to
    // GDP (fast 14 %/7 %, baseline 10 %/6 %, slow 6 %/4 %) gives a higher 2025 share: the
    // scenarios are no longer ranked backwards.
    let median_2025 = |name: &str| {
        let r = &p.scenario(name).unwrap().result;
        let i = r.quantiles.iter().position(|q| *q == 0.5).unwrap();
        r.indicator("rd_share").unwrap().at(2025).unwrap()[i]
    };
    assert!(median_2025("fast") > median_2025("baseline"));
    assert!(median_2025("baseline") > median_2025("slow"));
}

const MINI_PLAN: &str = r#"
[plan]
id = "mini"
region = { en = "Mini" }
period = [2020, 2025]

[[indicators]]
id = "x"
name = { en = "X" }
unit = "u"
kind = "amount"

[[indicators]]
id = "y"
name = { en = "Y" }
unit = "u"
kind = "amount"

[[observations]]
indicator = "x"
year = 2018
value = 100.0
provenance = { kind = "observed", source = "test" }

[[observations]]
indicator = "x"
year = 2019
value = 110.0
provenance = { kind = "observed", source = "test" }

[[observations]]
indicator = "x"
year = 2020
value = 121.0
provenance = { kind = "observed", source = "test" }

[[targets]]
id = "x_level"
indicator = "x"
kind = "level"
value = 190.0
by = 2025
"#;

fn mini_set(body: &str) -> Result<ScenarioSet, ScenarioError> {
    ScenarioSet::from_toml_str(&format!(
        "[set]\nid = \"t\"\n\n[[scenarios]]\nname = \"s\"\n{body}"
    ))
}

#[test]
fn bootstrap_resamples_the_indicators_own_growth() {
    // x grew exactly 10 % in 2019 and 2020, so every bootstrap draw is 10 %: the path is
    // 121 · 1.1^h on every path; 121 · 1.1⁵ = 194.87 ≥ 190, first in 2025.
    let plan = Plan::from_toml_str(MINI_PLAN).unwrap();
    let set = mini_set(
        "[scenarios.indicators.x]\nmethod = \"compound\"\nrate = { dist = \"bootstrap\" }\n",
    )
    .unwrap();
    let p = set.project(&plan, &cfg(500)).unwrap();
    let r = &p.scenarios[0].result;
    let q = r.indicator("x").unwrap().at(2025).unwrap();
    let want = 121.0 * 1.1f64.powi(5);
    assert!(q.iter().all(|v| (v - want).abs() < 1e-9), "{q:?}");
    let t = r.target("x_level").unwrap();
    assert_eq!(t.probability, Some(1.0));
    assert_eq!(t.attainment.as_ref().unwrap().median_year, Some(2025));
    assert!(p.scenarios[0].assumptions[0].text.contains("one of [0.1"));
}

#[test]
fn fitted_methods_start_from_the_fit_window() {
    let plan = Plan::from_toml_str(MINI_PLAN).unwrap();
    let set =
        mini_set("[scenarios.indicators.x]\nmethod = \"log_linear\"\nsimulate = false\n").unwrap();
    let p = set.project(&plan, &cfg(100)).unwrap();
    let q = p.scenarios[0]
        .result
        .indicator("x")
        .unwrap()
        .at(2025)
        .unwrap();
    // An exact 10 % series: the trend is 121 · 1.1⁵ in 2025.
    assert!((q[0] - 121.0 * 1.1f64.powi(5)).abs() < 1e-9);
}

#[test]
fn scenario_errors_are_clear() {
    let plan = Plan::from_toml_str(MINI_PLAN).unwrap();
    // An unknown indicator.
    let set = mini_set("[scenarios.indicators.nope]\nmethod = \"compound\"\nrate = 0.1\n").unwrap();
    let e = set.project(&plan, &cfg(10)).unwrap_err();
    assert!(
        matches!(&e, ScenarioError::UnknownIndicator { scenario, indicator } if scenario == "s" && indicator == "nope"),
        "{e}"
    );
    assert_eq!(e.to_string(), "scenario `s` names unknown indicator `nope`");
    // An unknown key.
    let e = mini_set("[scenarios.indicators.x]\nmethod = \"compound\"\nrates = 0.1\n").unwrap_err();
    assert!(e.to_string().contains("rates"), "{e}");
    // A field the method does not take.
    let set = mini_set("[scenarios.indicators.x]\nmethod = \"compound\"\nrate = 0.1\nphi = 0.9\n")
        .unwrap();
    let e = set.project(&plan, &cfg(10)).unwrap_err();
    assert!(
        e.to_string().contains("does not take the field `phi`"),
        "{e}"
    );
    // A negative spread.
    let set = mini_set(
        "[scenarios.indicators.x]\nmethod = \"compound\"\nrate = { dist = \"normal\", mean = 0.1, sd = -0.02 }\n",
    )
    .unwrap();
    let e = set.project(&plan, &cfg(10)).unwrap_err();
    assert!(
        matches!(
            &e,
            ScenarioError::Projection {
                source: ProjectionError::NegativeSpread { .. },
                ..
            }
        ),
        "{e}"
    );
    // Zero paths.
    let set = mini_set("[scenarios.indicators.x]\nmethod = \"compound\"\nrate = 0.1\n").unwrap();
    let e = set.project(&plan, &cfg(0)).unwrap_err();
    assert!(
        matches!(
            &e,
            ScenarioError::Projection {
                source: ProjectionError::ZeroPaths,
                ..
            }
        ),
        "{e}"
    );
    // A horizon before the last observation.
    let set = ScenarioSet::from_toml_str(
        "[set]\nhorizon = 2019\n\n[[scenarios]]\nname = \"s\"\n[scenarios.indicators.x]\nmethod = \"compound\"\nrate = 0.1\n",
    )
    .unwrap();
    let e = set.project(&plan, &cfg(10)).unwrap_err();
    assert!(
        matches!(
            &e,
            ScenarioError::Projection {
                source: ProjectionError::HorizonBeforeLastObservation {
                    horizon: 2019,
                    last: 2020,
                    ..
                },
                ..
            }
        ),
        "{e}"
    );
    // A start before the last observation: the evidence supersedes the assumed start, and the
    // note says so (the projection starts from the last observation, not from 1.0 in 2019).
    let set = mini_set(
        "[scenarios.indicators.x]\nmethod = \"compound\"\nrate = 0.1\nstart = { year = 2019, value = 1.0 }\n",
    )
    .unwrap();
    let p = set.project(&plan, &cfg(10)).unwrap();
    let note = &p.scenarios[0].assumptions[0].text;
    assert!(
        note.contains("supersedes the scenario's assumed start (1 in 2019)"),
        "{note}"
    );
    let from_evidence = mini_set("[scenarios.indicators.x]\nmethod = \"compound\"\nrate = 0.1\n")
        .unwrap()
        .project(&plan, &cfg(10))
        .unwrap();
    assert_eq!(
        p.scenarios[0].result.indicators,
        from_evidence.scenarios[0].result.indicators
    );
    // An empty set, duplicate names.
    assert!(ScenarioSet::from_toml_str("scenarios = []").is_err());
    assert!(
        ScenarioSet::from_toml_str("[[scenarios]]\nname = \"a\"\n[[scenarios]]\nname = \"a\"\n")
            .unwrap_err()
            .to_string()
            .contains("duplicate")
    );
    // No starting point for an indicator never observed.
    let set = mini_set("[scenarios.indicators.y]\nmethod = \"compound\"\nrate = 0.1\n").unwrap();
    assert!(
        set.project(&plan, &cfg(10))
            .unwrap_err()
            .to_string()
            .contains("no observation to start from")
    );
    assert!(ScenarioSet::linyi().select(&["nope"]).is_err());
}

#[test]
fn scenario_files_round_trip() {
    let set = ScenarioSet::linyi();
    let again = ScenarioSet::from_toml_str(&set.to_toml_string()).unwrap();
    assert_eq!(set, again);
    let hte = &set.scenarios[0].indicators["hte_count"];
    assert_eq!(
        hte.rate,
        Some(Distribution::Triangular {
            lower: 0.08,
            mode: 0.14,
            upper: 0.20
        })
    );
}
