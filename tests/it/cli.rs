//! The command line, run as a user runs it.
use crate::support::innodex;

#[test]
fn report_lists_all_thirteen_targets_with_a_status() {
    let out = innodex(&["report", "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 13);
    for t in targets {
        let status = t["status"].as_str().unwrap();
        assert!(["met", "on_track", "off_track", "not_assessable"].contains(&status));
        assert!(!t["detail"].as_str().unwrap().is_empty(), "{t}");
    }
}

/// The main job answers "did the plan work?" first, on the shipped evidence.
#[test]
fn report_opens_with_the_verdict_on_real_evidence() {
    let out = innodex(&["report"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let verdict = text.find("Verdict: did the plan work?").expect("a verdict");
    let details = text.find("Targets, required growth and paths").unwrap();
    assert!(verdict < details, "the verdict comes first");

    let out = innodex(&["report", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["verdict"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 13);
    let row = |id: &str| rows.iter().find(|r| r["target"] == id).unwrap().clone();
    // "1600余家" at the end of 2022: a lower bound that proves "about 1500" (≥ 1425).
    let hte = row("hte_count");
    assert_eq!(hte["status"], "met");
    assert_eq!(hte["achieved_in"], 2022);
    assert_eq!(hte["evidence"]["bound"], "at_least");
    assert_eq!(hte["evidence"]["value"], 1600.0);
    // 236 achievements transferred in 2022 against at least 200 a year.
    let ach = row("achievements_transferred");
    assert_eq!(ach["evidence"]["year"], 2022);
    assert_eq!(ach["evidence"]["value"], 236.0);
    assert_eq!(ach["status"], "on_track");
    // The R&D share: derived 146.6 / 6555.8 in 2024 against Shandong's projected 2024 value
    // (2.59 in 2023 + the 2020–2023 OLS slope 0.102), with P(met) from the projection.
    let rd = row("rd_share");
    assert_eq!(rd["evidence"]["year"], 2024);
    assert_eq!(rd["evidence"]["provenance"]["kind"], "derived");
    assert!((rd["evidence"]["value"].as_f64().unwrap() - 146.6 / 6555.8 * 100.0).abs() < 1e-12);
    assert!((rd["required"].as_f64().unwrap() - (2.59 + 0.102)).abs() < 1e-9);
    assert_eq!(rd["status"], "off_track");
    let outlook = rd["outlook"].as_array().unwrap();
    assert_eq!(outlook.len(), 3);
    assert!(outlook.iter().all(|o| o["p_met"].is_f64()));
    // Every target that stays unassessable names the data it needs.
    for r in rows {
        if r["status"] == "not_assessable" {
            let needs = r["needs"].as_str().unwrap();
            assert!(needs.contains(r["indicator"].as_str().unwrap()), "{r}");
        } else {
            assert!(r["needs"].is_null(), "{r}");
        }
    }
}

fn assert_user_error(out: &std::process::Output, needles: &[&str]) {
    let err = crate::support::user_error(out);
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
    // The verdict (header + 13 rows), a blank line, the targets (header + 13 rows).
    assert_eq!(csv.lines().count(), 29, "{csv}");
    assert!(csv.starts_with("target,evidence_year,"));
}

#[test]
fn report_csv_tables_come_one_at_a_time() {
    // `--table` gives one CSV table each, as a spreadsheet or pandas reads it whole.
    let n_targets = innodex::plan::Plan::linyi().targets().len();
    for (table, header, rows) in [
        ("verdict", "target,evidence_year,", n_targets),
        ("targets", "target,kind,indicator,", n_targets),
        // One row per target and scenario (baseline, slow, fast).
        ("projection", "scenario,target,", 3 * n_targets),
    ] {
        let out = innodex(&["report", "--format", "csv", "--table", table]);
        assert!(
            out.status.success(),
            "{table}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csv = String::from_utf8(out.stdout).unwrap();
        assert!(csv.starts_with(header), "{table}: {csv}");
        assert!(
            csv.lines().all(|l| !l.is_empty()),
            "{table} has a blank line"
        );
        assert_eq!(csv.lines().count(), 1 + rows, "{table}: {csv}");
    }
    // The verdict table is the first table of the whole CSV, P(met) included.
    let whole = String::from_utf8(innodex(&["report", "--format", "csv"]).stdout).unwrap();
    let verdict =
        String::from_utf8(innodex(&["report", "--format", "csv", "--table", "verdict"]).stdout)
            .unwrap();
    assert!(whole.starts_with(&verdict));
    // Misuse says why and exits 2.
    for args in [
        &["report", "--table", "verdict"][..],
        &[
            "report",
            "--format",
            "csv",
            "--table",
            "projection",
            "--no-project",
        ][..],
    ] {
        let out = innodex(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--table"),
            "{args:?}"
        );
    }
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
    let hte = &v["targets"][3];
    assert_eq!(hte["target"], "hte_doubling");
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
            "start_share",
            "shandong_increment"
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
    crate::support::assert_no_panic(&err);
    assert!(out.stdout.is_empty(), "no partial output");
}

#[test]
fn a_reader_that_closes_early_is_not_an_internal_error() {
    // `innodex backtest … --format csv | head -3`: about 200 kB of rows, far more than a pipe
    // holds; the reader takes a few bytes and goes away.
    use std::io::Read;
    let mut child = crate::support::bin()
        .args([
            "backtest",
            "--origins",
            "2017,2018,2019,2020",
            "--format",
            "csv",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&head).starts_with("unit,method,origin"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("internal error"), "{err}");
    assert!(out.status.success(), "{:?} {err}", out.status);
}
