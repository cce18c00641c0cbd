//! The command line, run as a user runs it.
use crate::support::innodex;

#[test]
fn report_lists_all_twelve_targets_with_a_status() {
    let out = innodex(&["report", "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 12);
    for t in targets {
        let status = t["status"].as_str().unwrap();
        assert!(["met", "on_track", "off_track", "not_assessable"].contains(&status));
        assert!(!t["detail"].as_str().unwrap().is_empty(), "{t}");
    }
}

fn assert_user_error(out: &std::process::Output, needles: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
}

fn write_plan(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("innodex-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_format_renders_every_target() {
    for format in ["table", "markdown", "csv", "json"] {
        let out = innodex(&["report", "--format", format]);
        assert!(out.status.success(), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        for id in [
            "rd_share",
            "hte_net_increase",
            "tsme_entries",
            "talent_young",
        ] {
            assert!(text.contains(id), "{format} lacks {id}");
        }
    }
    let csv =
        String::from_utf8(innodex(&["report", "--no-project", "--format", "csv"]).stdout).unwrap();
    assert_eq!(csv.lines().count(), 13, "header + 12 targets");
}

#[test]
fn baseline_override_changes_the_required_path() {
    let out = innodex(&[
        "report",
        "--format",
        "json",
        "--baseline",
        "hte_count:2020=800",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hte = &v["targets"][2];
    assert_eq!(hte["target"], "hte_count");
    assert_eq!(hte["target_value"], 1600.0);
    assert_eq!(
        hte["baseline_provenance"],
        "assumed: set on the command line"
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    assert_user_error(
        &innodex(&["report", "--plan", "/no/such.toml"]),
        &["/no/such.toml"],
    );
    let p = write_plan("truncated.toml", &innodex::plan::LINYI_TOML[..3000]);
    assert_user_error(
        &innodex(&["report", "--plan", p.to_str().unwrap()]),
        &["truncated.toml"],
    );
    let share = innodex::plan::LINYI_TOML.replace("value = 2.3\n", "value = 140\n");
    let p = write_plan("share.toml", &share);
    assert_user_error(
        &innodex(&["report", "--plan", p.to_str().unwrap()]),
        &["shandong_rd_share", "140"],
    );
    let unknown = innodex::plan::LINYI_TOML.replace(
        "indicator = \"talent_young\"\nkind",
        "indicator = \"talent_old\"\nkind",
    );
    let p = write_plan("unknown.toml", &unknown);
    assert_user_error(
        &innodex(&["report", "--plan", p.to_str().unwrap()]),
        &["talent_old"],
    );
    assert_user_error(
        &innodex(&["report", "--baseline", "hte_count:2020=-5"]),
        &["hte_count", "-5"],
    );
    assert_user_error(&innodex(&["report", "--baseline", "garbage"]), &["garbage"]);
    assert_user_error(
        &innodex(&[
            "growth",
            "--baseline",
            "-750",
            "--target",
            "1500",
            "--from",
            "2020",
            "--to",
            "2025",
        ]),
        &["baseline", "-750"],
    );
    assert_user_error(
        &innodex(&[
            "growth",
            "--baseline",
            "750",
            "--target",
            "1500",
            "--from",
            "2025",
            "--to",
            "2020",
        ]),
        &["2020", "2025"],
    );
    // clap's own usage errors use exit code 2 as well.
    assert_eq!(
        innodex(&["report", "--format", "pdf"]).status.code(),
        Some(2)
    );
}

#[test]
fn growth_subcommand_prints_the_arithmetic() {
    let out = innodex(&[
        "growth",
        "--baseline",
        "750",
        "--target",
        "1500",
        "--from",
        "2020",
        "--to",
        "2025",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0.148698"), "{text}");
    assert!(text.contains("150.000000"), "{text}");
}

#[test]
fn export_round_trips_through_report() {
    let out = innodex(&["export"]);
    assert!(out.status.success());
    let p = write_plan("exported.toml", &String::from_utf8(out.stdout).unwrap());
    let a = innodex(&["report", "--format", "json"]);
    let b = innodex(&["report", "--format", "json", "--plan", p.to_str().unwrap()]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn report_shows_what_drives_the_rd_share_gap() {
    let out = innodex(&["report", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let g = &v["rd_share_sensitivity"];
    let names: Vec<&str> = g["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "rd_growth",
            "gdp_growth",
            "baseline_share_2020",
            "shandong_trend"
        ]
    );
    // The gap is additive in logs of near-independent inputs: S1 and ST nearly coincide and
    // the first-order indices sum to about one.
    let s1: f64 = g["s1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((s1 - 1.0).abs() < 0.1, "{s1}");
    let p = g["share_meeting_target"].as_f64().unwrap();
    assert!(p > 0.0 && p < 1.0);
    let md = String::from_utf8(innodex(&["report", "--format", "markdown"]).stdout).unwrap();
    assert!(md.contains("| rd_growth |"), "{md}");
}

#[test]
fn ctrl_c_stops_a_long_projection_with_exit_130_and_no_backtrace() {
    use std::process::Stdio;
    // 10⁸ paths × 3 scenarios: minutes of work, far longer than this test waits.
    let mut child = crate::support::bin()
        .args(["project", "--paths", "100000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished before the interrupt"
    );
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    // A guard against a hang, not a timing assertion: the run would otherwise take minutes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "still running after Ctrl-C"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("innodex: interrupted"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no partial output");
}
