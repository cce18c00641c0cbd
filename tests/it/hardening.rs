//! Issue 16, hardening round two: every value path validated, bounded error messages, one CSV
//! reader. One test (or more) per case of the issue, named after it; the command-line halves
//! need the `cli` feature.

use std::path::{Path, PathBuf};

use innodex::growth::{GrowthError, years_to_target};
use innodex::index::pipeline::CompositeIndex;
use innodex::index::spec::IndexSpecFile;
use innodex::index::table::UnitData;
use innodex::io::{CsvTable, IoError, parse_override, read_text_file};
use innodex::plan::{LINYI_TOML, Plan, PlanError};
use innodex::projection::backtest::Panel;
use innodex::run::Run;
use innodex::scenario::ScenarioSet;
use innodex::series::Provenance;

use crate::support::tmp;

fn assumed() -> Provenance {
    Provenance::Assumed {
        note: "test".into(),
    }
}

// ---- 1. a share of 140 % ------------------------------------------------------------------

#[test]
fn case1_a_percent_ratio_of_140_is_refused_on_every_value_path() {
    let mut plan = Plan::linyi();
    let e = plan
        .set_observation("rd_share", 2020, 140.0, assumed())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "indicator `rd_share` (ratio): value 140 is outside [0, 100] (year 2020)"
    );
    // The plan is unchanged, and 1.9 % still goes through.
    assert_eq!(plan, Plan::linyi());
    plan.set_observation("rd_share", 2020, 1.9, assumed())
        .unwrap();
    assert_eq!(plan.series("rd_share").unwrap().value_at(2020), Some(1.9));
    // In a plan file: an observation, and a level target, of 140 %.
    let obs = format!(
        "{LINYI_TOML}\n[[observations]]\nindicator = \"rd_share\"\nyear = 2019\nvalue = 140.0\nprovenance = {{ kind = \"assumed\", note = \"x\" }}\n"
    );
    let e = Plan::from_toml_str(&obs).unwrap_err().to_string();
    assert!(
        e.contains("`rd_share` (ratio): value 140 is outside [0, 100]"),
        "{e}"
    );
    let level = LINYI_TOML.replace("value = 46.0", "value = 146.0");
    assert_ne!(level, LINYI_TOML, "the plan has a level target of 46 %");
    let e = Plan::from_toml_str(&level).unwrap_err();
    assert!(matches!(e, PlanError::TargetValue { .. }), "{e}");
    assert!(
        e.to_string().contains("value 146 is outside [0, 100]"),
        "{e}"
    );
}

#[test]
fn case1_baseline_strings_are_parsed_and_checked_by_one_core_function() {
    let o = parse_override("rd_share:2020=1.9").unwrap();
    assert_eq!(
        (o.indicator.as_str(), o.year, o.value),
        ("rd_share", 2020, 1.9)
    );
    for (spec, needle) in [
        ("rd_share:2020=NaN", "value NaN is not finite"),
        ("rd_share:2020=-inf", "value -inf is not finite"),
        ("rd_share:20x0=1", "year `20x0` is not a whole number"),
        (
            "rd_share:0=1",
            "year 0 is outside the supported years 1000–9999",
        ),
        ("rd_share 2020 1", "expected INDICATOR:YEAR=VALUE"),
        (" :2020=1", "the indicator is empty"),
    ] {
        let e = parse_override(spec).unwrap_err().to_string();
        assert!(e.contains(needle), "{spec}: {e}");
    }
    let long = format!("{}:2020=1", "x".repeat(10_000));
    let e = parse_override(&format!("{long}=")).unwrap_err().to_string();
    assert!(e.len() < 300, "{}", e.len());
}

#[test]
fn case1_a_scenario_starting_a_percent_ratio_at_140_is_refused() {
    let text = r#"
[set]
id = "s"
horizon = 2025
[[scenarios]]
name = "a"
[scenarios.indicators.rd_share]
method = "compound"
rate = 0.05
start = { year = 2024, value = 140.0 }
"#;
    let set = ScenarioSet::from_toml_str(text).unwrap();
    let e = set.scenarios[0]
        .validate(&Plan::linyi(), 2025)
        .unwrap_err()
        .to_string();
    assert!(e.contains("start value 140 is outside [0, 100]"), "{e}");
    // A start before the latest evidence (2024) is superseded by it, and still refused when
    // it is out of bounds: bad input whichever value the run would start from.
    let set = ScenarioSet::from_toml_str(&text.replace("year = 2024", "year = 2020")).unwrap();
    let e = set.scenarios[0]
        .validate(&Plan::linyi(), 2025)
        .unwrap_err()
        .to_string();
    assert!(e.contains("start value 140 is outside [0, 100]"), "{e}");
}

// ---- 2. a 50 MB line -----------------------------------------------------------------------

/// A TOML file with one 50 MB line (an unquoted value, so the parser quotes the line).
pub(crate) fn fifty_mb_line(dir: &Path) -> PathBuf {
    let p = dir.join("big.toml");
    let mut text = String::with_capacity(50_000_020);
    text.push_str("[plan]\nid = ");
    text.extend(std::iter::repeat_n('x', 50_000_000));
    text.push('\n');
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn case2_a_50_mb_line_gives_a_short_error_naming_file_line_and_column() {
    let dir = tmp("h-bigline");
    let p = fifty_mb_line(&dir);
    let loc = format!("{}:2:6:", p.display());
    let errors = [
        Plan::from_path(&p).unwrap_err().to_string(),
        ScenarioSet::from_path(&p).unwrap_err().to_string(),
        IndexSpecFile::from_path(&p).unwrap_err().to_string(),
        Run::load(&p).unwrap_err().to_string(),
    ];
    for e in errors {
        assert!(e.len() < 500, "{} bytes", e.len());
        assert!(e.starts_with(&loc), "{e}");
        assert!(e.contains("key `id`"), "{e}");
    }
    // A quoted value of the wrong type: serde quotes the value; it is cut to 80 characters.
    let p = dir.join("str.toml");
    let mut text = String::from("[plan]\nid = \"p\"\nperiod = \"");
    text.extend(std::iter::repeat_n('y', 10_000_000));
    text.push_str("\"\n");
    std::fs::write(&p, text).unwrap();
    let e = Plan::from_path(&p).unwrap_err().to_string();
    assert!(
        e.len() < 500,
        "{} bytes: {}",
        e.len(),
        &e[..500.min(e.len())]
    );
    assert!(
        e.starts_with(&format!("{}:3:10: key `period`", p.display())),
        "{e}"
    );
    assert!(e.contains(&format!("\"{}…\"", "y".repeat(80))), "{e}");
}

// ---- 3. a target whose reference is its own indicator -------------------------------------

const CYCLE_PLAN: &str = r#"
[plan]
id = "p"
region = { en = "R" }
period = [2020, 2025]

[[indicators]]
id = "a"
name = { en = "a" }
unit = "%"
kind = "share"

[[indicators]]
id = "b"
name = { en = "b" }
unit = "%"
kind = "share"

[[indicators]]
id = "c"
name = { en = "c" }
unit = "%"
kind = "share"

[[observations]]
indicator = "a"
year = 2020
value = 2.0
provenance = { kind = "assumed", note = "x" }

[[targets]]
id = "t1"
indicator = "a"
kind = "at_least_reference"
reference = "REF1"
by = 2025
"#;

#[test]
fn case3_a_target_referencing_its_own_indicator_is_refused_naming_the_cycle() {
    let e = Plan::from_toml_str(&CYCLE_PLAN.replace("REF1", "a")).unwrap_err();
    assert!(matches!(e, PlanError::Cycle { .. }), "{e}");
    assert_eq!(e.to_string(), "reference cycle: `a` (target `t1`) → `a`");
    // Acyclic: a judged against b is fine.
    assert!(Plan::from_toml_str(&CYCLE_PLAN.replace("REF1", "b")).is_ok());
}

#[test]
fn case3_longer_reference_cycles_and_ratio_cycles_are_refused() {
    let three = format!(
        "{}\n{}\n{}",
        CYCLE_PLAN.replace("REF1", "b"),
        "[[targets]]\nid = \"t2\"\nindicator = \"b\"\nkind = \"at_least_reference\"\nreference = \"c\"\nby = 2025\n",
        "[[targets]]\nid = \"t3\"\nindicator = \"c\"\nkind = \"at_least_reference\"\nreference = \"a\"\nby = 2025\n",
    );
    let e = Plan::from_toml_str(&three).unwrap_err().to_string();
    assert_eq!(
        e,
        "reference cycle: `a` (target `t1`) → `b` (target `t2`) → `c` (target `t3`) → `a`"
    );
    let ratio = CYCLE_PLAN.replace("REF1", "b").replace(
        "[[indicators]]\nid = \"c\"\nname = { en = \"c\" }\nunit = \"%\"\nkind = \"share\"",
        "[[indicators]]\nid = \"c\"\nname = { en = \"c\" }\nunit = \"x\"\nkind = \"ratio\"\nnumerator = \"b\"\ndenominator = \"c\"",
    );
    let e = Plan::from_toml_str(&ratio).unwrap_err().to_string();
    assert_eq!(e, "ratio cycle: `c` (denominator) → `c`");
    // The embedded plan has none.
    assert!(innodex::cycles::reference_cycle(Plan::linyi().targets()).is_none());
}

// ---- 4. inf in index data ------------------------------------------------------------------

fn codes(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn case4_infinite_index_values_are_refused_naming_row_and_column() {
    for cell in ["inf", "-inf", "Infinity", "1e999"] {
        let text = format!("uCode,a,b\nA,1,2\nB,{cell},3\nC,2,4\n");
        let e = UnitData::from_csv_str(&text, "iData", &codes(&["a", "b"]), &[], &[])
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "iData: row 2, column `a`: `{cell}` is not a finite number (write NA for a missing value)"
            )
        );
    }
    // NA stays the documented missing value.
    let d =
        UnitData::from_csv_str("uCode,a\nA,1\nB,NA\n", "iData", &codes(&["a"]), &[], &[]).unwrap();
    assert!(d.values[0][1].is_nan());
    // Data built in Rust with an infinity is refused by the index too.
    let fw = innodex::index::framework::Framework::from_toml_str(
        "[[indicators]]\ncode = \"a\"\nparent = \"ix\"\n[[aggregates]]\ncode = \"ix\"\n",
    )
    .unwrap();
    let mut d =
        UnitData::from_csv_str("uCode,a\nA,1\nB,2\n", "iData", &codes(&["a"]), &[], &[]).unwrap();
    d.values[0][1] = f64::INFINITY;
    let e = CompositeIndex::new(fw, d).err().unwrap().to_string();
    assert_eq!(
        e,
        "unit `B`: row 2, column `a`: `inf` is not a finite number (write NA for a missing value)"
    );
}

// ---- 5. a byte-order mark ------------------------------------------------------------------

#[test]
fn case5_a_panel_csv_with_a_byte_order_mark_is_read() {
    let text = "\u{feff}region,year,v\nA,2019,1\nA,2020,2\nB,2020,3\n";
    let p = Panel::from_csv_str(text, "region", "year", "v").unwrap();
    assert_eq!(p.series["A"], (vec![2019, 2020], vec![1.0, 2.0]));
    assert_eq!(p.series["B"], (vec![2020], vec![3.0]));
    // Missing columns are all named, with the header found.
    let e = Panel::from_csv_str(text, "unit", "year", "w")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing columns `unit`, `w` (columns: region, year, v)"),
        "{e}"
    );
    // An infinite value is refused with its line and column.
    let e = Panel::from_csv_str("region,year,v\nA,2019,inf\n", "region", "year", "v")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 2, column `v`: `inf` is not a finite number"),
        "{e}"
    );
}

// ---- 6. non-regular and oversized files ----------------------------------------------------

#[cfg(unix)]
fn fifo(dir: &Path) -> PathBuf {
    let p = dir.join("fifo.toml");
    let ok = std::process::Command::new("mkfifo")
        .arg(&p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo");
    p
}

#[cfg(unix)]
#[test]
fn case6_fifos_devices_and_directories_are_refused_before_reading() {
    let dir = tmp("h-fifo");
    let f = fifo(&dir);
    // Opening a FIFO for reading would block: the refusal must come from its metadata.
    let e = Plan::from_path(&f).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("cannot read `{}`: not a regular file (a FIFO)", f.display())
    );
    let e = ScenarioSet::from_path("/dev/zero").unwrap_err().to_string();
    assert_eq!(
        e,
        "cannot read `/dev/zero`: not a regular file (a character device)"
    );
    let e = IndexSpecFile::from_path(&dir).unwrap_err().to_string();
    assert!(e.ends_with("not a regular file (a directory)"), "{e}");
    assert!(matches!(
        read_text_file("/dev/zero", u64::MAX),
        Err(IoError::NotAFile { .. })
    ));
}

#[test]
fn case6_files_above_the_limit_are_refused_with_size_and_limit() {
    let dir = tmp("h-large");
    let p = dir.join("plan.toml");
    std::fs::write(&p, LINYI_TOML).unwrap();
    let n = LINYI_TOML.len() as u64;
    let e = read_text_file(&p, n - 1).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "cannot read `{}`: {n} bytes is above the limit of {} bytes (set INNODEX_MAX_FILE_BYTES to raise it)",
            p.display(),
            n - 1
        )
    );
    assert_eq!(read_text_file(&p, n).unwrap(), LINYI_TOML);
    assert_eq!(innodex::io::DEFAULT_MAX_FILE_BYTES, 64 << 20);
    // A multi-GB plan (sparse, so the test writes nothing) is refused from its size alone.
    let huge = dir.join("huge.toml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(5 << 30)
        .unwrap();
    let e = Plan::from_path(&huge).unwrap_err().to_string();
    assert!(
        e.ends_with(&format!(
            "5368709120 bytes is above the limit of {} bytes (set INNODEX_MAX_FILE_BYTES to raise it)",
            innodex::io::max_file_bytes()
        )),
        "{e}"
    );
    let bad = dir.join("latin1.csv");
    std::fs::write(&bad, b"a,b\n\xe9,1\n").unwrap();
    let e = read_text_file(&bad, 100).unwrap_err().to_string();
    assert!(
        e.ends_with("not UTF-8 text (invalid byte at offset 4)"),
        "{e}"
    );
}

// ---- 7. a header and no rows ---------------------------------------------------------------

#[test]
fn case7_a_header_without_rows_says_no_data_rows() {
    let e = UnitData::from_csv_str("uCode,a,b\n", "iData", &codes(&["a", "b"]), &[], &[])
        .unwrap_err()
        .to_string();
    assert_eq!(e, "iData: no data rows (only a header)");
    let e = UnitData::from_csv_str("\u{feff}uCode,a\n\n\n", "iData", &codes(&["a"]), &[], &[])
        .unwrap_err()
        .to_string();
    assert_eq!(e, "iData: no data rows (only a header)");
    let e = innodex::index::table::read_imeta_str("", "iMeta")
        .unwrap_err()
        .to_string();
    assert_eq!(e, "iMeta: no data rows (empty file)");
    assert!(CsvTable::parse("a\n1\n", "t").is_ok());
}

// ---- 8. a start that already meets the target ---------------------------------------------

#[test]
fn case8_years_to_target_of_a_start_already_meeting_the_target_is_zero() {
    // Finland's R&D intensity, 3.5 %, against a 3 % goal, rising: already met.
    assert_eq!(years_to_target(3.5, 3.0, 0.02).unwrap(), 0.0);
    assert_eq!(years_to_target(3.5, 3.0, 0.0).unwrap(), 0.0);
    // Falling toward a floor from above: the years until it drops to the floor.
    let t = years_to_target(3.5, 3.0, -0.05).unwrap();
    assert!((t - 3.005_279_377_506_163).abs() < 1e-12, "{t}");
    // Below the target and not rising: never reached (and doubling still needs growth).
    assert!(matches!(
        years_to_target(3.0, 3.5, -0.05),
        Err(GrowthError::Unreachable { .. })
    ));
    assert!(innodex::growth::doubling_time(0.0).is_err());
}

// ---- the command line ----------------------------------------------------------------------

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use crate::support::{innodex, repo, s, text};

    /// Exit 2, one `error:` line of fewer than `max` bytes, no panic; returns stderr.
    fn refused(args: &[&str], max: usize) -> String {
        let err = crate::support::user_error(&innodex(args));
        assert!(err.len() < max, "{args:?}: {} bytes", err.len());
        err
    }

    #[test]
    fn case1_cli_baseline_of_140_percent_exits_2() {
        let e = refused(
            &["report", "--no-project", "--baseline", "rd_share:2020=140"],
            300,
        );
        assert_eq!(
            e.trim_end(),
            "error: --baseline `rd_share:2020=140`: indicator `rd_share` (ratio): value 140 is outside [0, 100] (year 2020)"
        );
        let e = refused(
            &["report", "--no-project", "--baseline", "rd_share:2020=nan"],
            300,
        );
        assert!(e.contains("value NaN is not finite"), "{e}");
    }

    #[test]
    fn case2_cli_50_mb_line_gives_a_short_error_for_every_command() {
        let dir = tmp("h-cli-bigline");
        let p = fifty_mb_line(&dir);
        let p = s(&p);
        let out = s(&dir).to_string() + "/out";
        for args in [
            vec!["report", "--plan", p],
            vec!["project", "--plan", p],
            vec!["project", "--scenarios", p],
            vec!["index", p],
            vec!["run", p, "--out", &out],
            vec!["check", p],
        ] {
            let e = refused(&args, 500);
            assert!(e.contains(&format!("{p}:2:6: key `id`")), "{args:?}: {e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn case6_cli_refuses_fifos_dev_zero_and_files_above_the_limit() {
        let dir = tmp("h-cli-fifo");
        let f = fifo(&dir);
        let e = refused(&["report", "--plan", s(&f)], 300);
        assert!(e.contains("not a regular file (a FIFO)"), "{e}");
        let e = refused(&["project", "--scenarios", "/dev/zero"], 300);
        assert!(e.contains("not a regular file (a character device)"), "{e}");
        let plan = repo().join("plans/linyi-2021-2025.toml");
        let out = crate::support::bin()
            .env(innodex::io::MAX_FILE_BYTES_ENV, "1000")
            .args(["report", "--no-project", "--plan", s(&plan)])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let e = text(&out.stderr);
        assert!(
            e.contains("is above the limit of 1000 bytes (set INNODEX_MAX_FILE_BYTES"),
            "{e}"
        );
    }

    #[test]
    fn case3_4_7_cli_cycles_infinities_and_empty_tables_exit_2() {
        let dir = tmp("h-cli-misc");
        let plan = dir.join("cycle.toml");
        std::fs::write(&plan, CYCLE_PLAN.replace("REF1", "a")).unwrap();
        let e = refused(&["report", "--plan", s(&plan)], 300);
        assert_eq!(
            e.trim_end(),
            "error: reference cycle: `a` (target `t1`) → `a`"
        );
        std::fs::copy(
            repo().join("fuzz/run_fixture/spec.toml"),
            dir.join("spec.toml"),
        )
        .unwrap();
        let spec = dir.join("spec.toml");
        std::fs::write(dir.join("data.csv"), "uCode,a,b\nA,1,2\nB,inf,3\nC,2,4\n").unwrap();
        let e = refused(&["index", s(&spec)], 300);
        assert!(
            e.contains("row 2, column `a`: `inf` is not a finite number"),
            "{e}"
        );
        std::fs::write(dir.join("data.csv"), "uCode,a,b\n").unwrap();
        let e = refused(&["index", s(&spec)], 300);
        assert!(
            e.ends_with("data.csv: no data rows (only a header)\n"),
            "{e}"
        );
    }

    #[test]
    fn case5_cli_backtest_reads_a_panel_with_a_byte_order_mark() {
        let dir = tmp("h-cli-bom");
        let csv = repo().join("data/china_province_rd_2015_2023.csv");
        let body = std::fs::read_to_string(csv).unwrap();
        let p = dir.join("bom.csv");
        std::fs::write(&p, format!("\u{feff}{body}")).unwrap();
        let out = innodex(&[
            "backtest",
            "--data",
            s(&p),
            "--paths",
            "0",
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let plain = innodex(&[
            "backtest",
            "--data",
            s(&repo().join("data/china_province_rd_2015_2023.csv")),
            "--paths",
            "0",
            "--format",
            "json",
        ]);
        assert_eq!(text(&out.stdout), text(&plain.stdout));
        assert!(text(&out.stdout).contains("\"n_series\": 31"));
    }
}
