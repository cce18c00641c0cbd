//! The command line, run as a user runs it.
use std::process::Command;

fn innodex(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_innodex"))
        .args(args)
        .output()
        .expect("the binary runs")
}

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
