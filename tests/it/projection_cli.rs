//! `innodex project`, `innodex backtest` and `innodex report --project`, run as a user runs them.
#![cfg(feature = "cli")]
use crate::support::innodex;

#[test]
fn project_json_has_every_scenario_and_target() {
    let out =
        crate::support::succeeded(innodex(&["project", "--paths", "2000", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sc = v["scenarios"].as_array().unwrap();
    assert_eq!(sc.len(), 3);
    for s in sc {
        assert_eq!(s["result"]["targets"].as_array().unwrap().len(), 13);
        assert_eq!(s["result"]["n_paths"], 2000);
    }
    // The same seed gives the same numbers run after run.
    let again = innodex(&["project", "--paths", "2000", "--format", "json"]);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn project_table_labels_assumptions_and_selects_scenarios() {
    let out = innodex(&["project", "--paths", "1000", "--scenario", "slow", "--fans"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Scenario slow"));
    assert!(!text.contains("Scenario fast"));
    assert!(text.contains("assumed (scenario)"));
    assert!(text.contains("not projected"));
    assert!(text.contains("Fans, scenario slow"));
}

#[test]
fn report_gets_a_projection_section() {
    // On by default for the Linyi plan, which ships scenarios.
    let out = innodex(&["report", "--paths", "1000", "--format", "markdown"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("## Projections"));
    assert!(text.contains("| `hte_doubling` | multiple of the base-year value"));
    let out = innodex(&["report", "--paths", "1000", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["targets"].as_array().unwrap().len(), 13);
    assert_eq!(v["projection"]["rows"].as_array().unwrap().len(), 39);
    let out = innodex(&["report", "--no-project", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("projection").is_none());
}

#[test]
fn backtest_prints_scores() {
    let out = innodex(&["backtest", "--paths", "1000"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for m in [
        "cagr",
        "log_linear",
        "linear",
        "damped_holt",
        "bootstrap_growth",
    ] {
        assert!(text.contains(m), "{text}");
    }
    let out = innodex(&[
        "backtest",
        "--column",
        "rd_intensity_pct",
        "--format",
        "csv",
        "--paths",
        "0",
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 1 + 5 * 31 * 3);
}

#[test]
fn bad_projection_input_exits_2_with_a_message() {
    let out = innodex(&["project", "--paths", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("at least 1"), "{err}");
    let out = innodex(&["project", "--scenario", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no scenario `nope`")
    );
    let dir = std::env::temp_dir().join(format!("innodex-proj-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.toml");
    std::fs::write(
        &f,
        "[[scenarios]]\nname = \"s\"\n[scenarios.indicators.nope]\nmethod = \"compound\"\nrate = 0.1\n",
    )
    .unwrap();
    let out = innodex(&["project", "--scenarios", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("unknown indicator `nope`")
    );
    let out = innodex(&["backtest", "--split", "2030"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn size_limits_are_options_and_the_message_names_them() {
    // Refused with exit 2 and a message holding every needle, or run with exit 0.
    let refused = |args: &[&str], needles: &[&str]| {
        let out = innodex(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        for n in needles {
            assert!(err.contains(n), "{args:?}: {err}");
        }
    };
    let runs = |args: &[&str]| {
        let out = innodex(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    };
    // Baseline scenario, 1000 paths: 42 000 values (paths × years × indicators).
    let baseline = ["project", "--scenario", "baseline", "--paths", "1000"];
    refused(
        &[&baseline[..], &["--max-values", "41999"]].concat(),
        &[
            "needs 42000, above the limit of 41999",
            "`--max-values` in the CLI",
        ],
    );
    runs(&[&baseline[..], &["--max-values", "42000"]].concat());
    refused(
        &["project", "--paths", "1000", "--max-buffer-bytes", "7999"],
        &["needs 8000,", "`--max-buffer-bytes` in the CLI"],
    );
    // The backtest's Monte Carlo method: 1000 paths × 4 years.
    refused(
        &["backtest", "--paths", "1000", "--max-values", "3999"],
        &["needs 4000, above the limit of 3999"],
    );
    runs(&["backtest", "--paths", "1000", "--max-values", "4000"]);
}

#[test]
fn backtest_rolling_origins_and_calibration() {
    let out = crate::support::succeeded(innodex(&[
        "backtest",
        "--origins",
        "2019,2020",
        "--paths",
        "300",
    ]));
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(t.contains("origins 2019, 2020") && t.contains("cov90") && t.contains("CRPS%"));
    let out = crate::support::succeeded(innodex(&[
        "backtest",
        "--origins",
        "2020",
        "--learn",
        "2018,2019",
        "--paths",
        "300",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["learn_data_until"], 2020);
    assert_eq!(v["calibrations"].as_array().unwrap().len(), 4);
    assert!(v["after"].as_array().unwrap().len() == v["before"].as_array().unwrap().len());
    // Learning on the scored origin is refused, with the reason.
    let out = innodex(&[
        "backtest",
        "--origins",
        "2020",
        "--learn",
        "2019,2020",
        "--paths",
        "0",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("never be learnt from the years it is scored on")
    );
}

#[test]
fn project_says_which_probabilities_are_calibrated() {
    // The shipped Linyi set is calibrated by default; --uncalibrated drops the calibration.
    let run = |extra: &[&str]| {
        let mut args = vec!["project", "--paths", "1000", "--scenario", "baseline"];
        args.extend_from_slice(extra);
        let out = crate::support::succeeded(innodex(&args));
        String::from_utf8(out.stdout).unwrap()
    };
    let t = run(&[]);
    assert!(
        t.contains("Calibrated against china_province_rd `rd_expenditure_100m_yuan`"),
        "{t}"
    );
    assert!(t.contains("baseline / hte_count: P(met)") && t.contains("calibrated (uncalibrated"));
    let u = run(&["--uncalibrated"]);
    assert!(!u.contains("Calibrated against"), "{u}");
    // The report's verdict marks calibrated probabilities and lists what they rest on.
    let out = innodex(&["report", "--paths", "1000"]);
    let r = String::from_utf8(out.stdout).unwrap();
    let flat = r.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("† calibrated against a panel"), "{r}");
    assert!(
        r.contains("hte_count: † calibrated against china_province_rd `rd_expenditure_100m_yuan` (log_linear, two-sided"),
        "{r}"
    );
    assert!(r.contains(
        "ht_output_share: not calibrated: no [[set.calibration]] lists `ht_output_share`"
    ));
    let out = innodex(&["report", "--paths", "1000", "--uncalibrated"]);
    let r = String::from_utf8(out.stdout).unwrap();
    let flat = r.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        !r.contains('†') && flat.contains("uncalibrated: on the provincial R&D panel"),
        "{r}"
    );
}
