//! `innodex index SPEC`, run as a user runs it (needs `--features cli`).
#![cfg(feature = "cli")]
use crate::support::innodex;

#[test]
fn asem_spec_reports_coinr_ranking_and_uncertainty() {
    let out = crate::support::succeeded(innodex(&[
        "index",
        "specs/asem_coinr.toml",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ranking"][0]["unit"], "CHE");
    assert!((v["ranking"][0]["score"].as_f64().unwrap() - 68.3837).abs() < 1e-3);
    let u = &v["uncertainty"];
    assert_eq!(u["scores"].as_array().unwrap().len(), 1000);
    assert_eq!(u["rank_stats"].as_array().unwrap().len(), 51);
}

#[test]
fn panel_spec_renders_markdown_and_csv() {
    let out = crate::support::succeeded(innodex(&[
        "index",
        "specs/china_rd_panel.toml",
        "--format",
        "markdown",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("| 2015 | 2016 |"));
    let out = innodex(&["index", "specs/china_rd_panel.toml", "--format", "csv"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 32); // header + 31 provinces (the national total screened out)
    assert!(text.lines().nth(1).unwrap().starts_with("1,Beijing,"));
}

#[test]
fn bad_spec_is_a_user_error_naming_the_key() {
    let dir = std::env::temp_dir().join(format!("innodex-index-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.toml");
    std::fs::write(&p, "[data]\nidata = \"x.csv\"\nimeta = \"y.csv\"\n[pipeline]\nnormalize = { method = \"minmax\" }\n").unwrap();
    let out = innodex(&["index", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("normalize"), "{err}");
}
