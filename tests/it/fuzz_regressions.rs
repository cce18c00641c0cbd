//! Regression tests of the parser fuzzing (`fuzz/`, `scripts/fuzz.sh`, docs/security.md).
//!
//! Every input in the committed fuzz corpus (`fuzz/corpus/<target>/`) is replayed through the
//! parsers here, so `cargo test` alone keeps "no crash in the corpus" true even where cargo-fuzz
//! is not installed; the seeds copied from the shipped examples must still parse. Each crash the
//! fuzzers found is a test of its own below, with its input inline or under `fuzz/regressions/`.

use std::path::PathBuf;

use innodex::index::framework::Framework;
use innodex::index::panel::{Panel as IndexPanel, PanelSpec};
use innodex::index::pipeline::PipelineSpec;
use innodex::index::spec::IndexSpecFile;
use innodex::index::table::{ColumnNames, UnitData, read_imeta_str};
use innodex::plan::{Plan, PlanError};
use innodex::projection::backtest::Panel;
use innodex::run::{Run, RunFile};
use innodex::scenario::{ScenarioError, ScenarioSet};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus files of one target, sorted, with their text (the fuzz targets skip non-UTF-8
/// input, so these do too).
fn corpus(target: &str) -> Vec<(PathBuf, String)> {
    let dir = root().join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).expect("read a corpus file");
            String::from_utf8(bytes).ok().map(|t| (p, t))
        })
        .collect()
}

fn named(files: &[(PathBuf, String)], name: &str) -> String {
    files
        .iter()
        .find(|(p, _)| p.file_name().is_some_and(|n| n == name))
        .unwrap_or_else(|| panic!("seed `{name}` missing from the corpus"))
        .1
        .clone()
}

/// The directory the `run_toml` target loads run files against (see its docs).
fn run_fixture() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("innodex-fuzz-regressions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let r = root();
    for (name, from) in [
        ("plan.toml", r.join("plans/examples/china-rd-growth.toml")),
        ("scenarios.toml", r.join("scenarios/linyi.toml")),
        ("spec.toml", r.join("fuzz/run_fixture/spec.toml")),
        ("data.csv", r.join("fuzz/run_fixture/data.csv")),
    ] {
        std::fs::copy(&from, dir.join(name)).expect("copy a fixture file");
    }
    dir
}

#[test]
fn plan_corpus_parses_and_round_trips() {
    let files = corpus("plan_toml");
    for (path, text) in &files {
        if let Ok(plan) = Plan::from_toml_str(text) {
            let again = plan.to_toml_string();
            let back = Plan::from_toml_str(&again)
                .unwrap_or_else(|e| panic!("{}: re-serialised plan: {e}", path.display()));
            assert_eq!(back.to_toml_string(), again, "{}", path.display());
        }
    }
    for seed in [
        "linyi-2021-2025.toml",
        "china-rd-growth.toml",
        "minimal.toml",
    ] {
        Plan::from_toml_str(&named(&files, seed)).unwrap_or_else(|e| panic!("{seed}: {e}"));
    }
}

#[test]
fn scenario_corpus_parses_and_round_trips() {
    let files = corpus("scenario_toml");
    for (path, text) in &files {
        if let Ok(set) = ScenarioSet::from_toml_str(text) {
            let again = set.to_toml_string();
            let back = ScenarioSet::from_toml_str(&again)
                .unwrap_or_else(|e| panic!("{}: re-serialised set: {e}", path.display()));
            assert_eq!(back.to_toml_string(), again, "{}", path.display());
            let plan = Plan::linyi();
            for s in &set.scenarios {
                let _ = s.validate(&plan, set.horizon(&plan));
            }
        }
    }
    ScenarioSet::from_toml_str(&named(&files, "linyi.toml")).expect("the shipped scenarios");
}

#[test]
fn index_spec_corpus_parses() {
    let files = corpus("index_spec_toml");
    for (_, text) in &files {
        let _ = Framework::from_toml_str(text);
        let _ = PipelineSpec::from_toml_str(text);
        if let Ok(spec) = IndexSpecFile::from_toml_str(text)
            && let Some(f) = &spec.framework
        {
            let _ = Framework::from_spec(f);
        }
    }
    for seed in ["asem_coinr.toml", "china_rd_panel.toml"] {
        IndexSpecFile::from_toml_str(&named(&files, seed)).unwrap_or_else(|e| panic!("{e}"));
    }
    Framework::from_toml_str(&named(&files, "framework-only.toml")).expect("framework-only");
    PipelineSpec::from_toml_str(&named(&files, "pipeline-only.toml")).expect("pipeline-only");
}

#[test]
fn coinr_corpus_parses() {
    let files = corpus("coinr_csv");
    let mut read_both = 0;
    for (_, text) in &files {
        let Some((imeta, idata)) = text.split_once('\0') else {
            continue;
        };
        if let Ok(meta) = read_imeta_str(imeta, "iMeta") {
            let codes = meta.framework.indicator_codes();
            if UnitData::from_csv_str(idata, "iData", &codes, &meta.denominators, &meta.groups)
                .is_ok()
            {
                read_both += 1;
            }
        }
    }
    // asem-8-units, tiny and tiny-panel at least.
    assert!(read_both >= 3, "only {read_both} iMeta + iData seeds read");
}

#[test]
fn panel_corpus_parses() {
    let files = corpus("panel_csv");
    let names = ColumnNames::new("region_en", "region_zh", "year");
    let codes = ["rd_intensity_pct".to_string()];
    for (_, text) in &files {
        let _ = Panel::from_csv_str(text, "region_en", "year", "rd_intensity_pct");
        let _ = Panel::from_csv_str(text, "region", "year", "value");
        let _ = UnitData::from_csv_str_with(text, "panel", &names, &codes, &[], &[]);
    }
    let p = Panel::from_csv_str(
        &named(&files, "china-4-provinces.csv"),
        "region_en",
        "year",
        "rd_intensity_pct",
    )
    .expect("the provincial slice");
    assert_eq!(p.series.len(), 4);
}

#[test]
fn run_corpus_parses_and_the_fixture_seeds_load() {
    let files = corpus("run_toml");
    let dir = run_fixture();
    for (path, text) in &files {
        let parsed = RunFile::from_toml_str(text, "fuzz.run.toml");
        if parsed.is_ok() && !text.contains(['/', '\\']) {
            let _ = Run::from_toml_str(text, &path.display().to_string(), &dir);
        }
    }
    // The hand-made seeds reach past parsing into loading and checking (else the fuzzer
    // would only ever see the parse step).
    for seed in [
        "local-files.run.toml",
        "plan-file.run.toml",
        "builtin.run.toml",
    ] {
        Run::from_toml_str(&named(&files, seed), seed, &dir)
            .unwrap_or_else(|e| panic!("{seed}: {e}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Crashes found by fuzzing (inputs under fuzz/regressions/<target>/, also in the corpus).

fn regression(target: &str, name: &str) -> String {
    let p = root().join("fuzz/regressions").join(target).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `from = -2147483648` in a `growth_floor` target: the base year `from − 1` overflowed an
/// `i32` (a panic with overflow checks, a wrapped year without). Years are now checked against
/// `plan::YEARS` and the error names the target and the key.
#[test]
fn plan_target_year_out_of_range_is_an_error() {
    let text = regression("plan_toml", "year-overflow-from-minus-one.toml");
    let e = Plan::from_toml_str(&text).expect_err("a target year of -2147483648");
    assert!(matches!(e, PlanError::Years { .. }), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("target `rd_growth`") && m.contains("from -2147483648"),
        "{m}"
    );
    assert!(m.contains("1000–9999"), "{m}");
    // The same file with an ordinary year is a valid plan.
    let fixed = text.replace("from = -2147483648", "from = 2021");
    Plan::from_toml_str(&fixed).expect("the example plan");
}

#[test]
fn plan_period_and_observation_years_out_of_range_are_errors() {
    let text = regression("plan_toml", "year-overflow-from-minus-one.toml")
        .replace("from = -2147483648", "from = 2021");
    let wide = text.replace(
        "period = [2020, 2025]",
        "period = [-2147483648, 2147483647]",
    );
    let m = Plan::from_toml_str(&wide).expect_err("period").to_string();
    assert!(m.contains("period year -2147483648"), "{m}");
    let obs = text.replace("year = 2023", "year = 2147483647");
    let m = Plan::from_toml_str(&obs)
        .expect_err("observation")
        .to_string();
    assert!(
        m.contains("observation of `rd_expenditure`") && m.contains("2147483647"),
        "{m}"
    );
    // An override (as run files set them) is held to the same years.
    let mut plan = Plan::from_toml_str(&text).expect("the example plan");
    let before = plan.clone();
    let e = plan
        .set_observation(
            "rd_expenditure",
            i32::MIN,
            1.0,
            innodex::series::Provenance::Assumed { note: "x".into() },
        )
        .expect_err("override year");
    assert!(
        e.to_string().contains("override of `rd_expenditure`"),
        "{e}"
    );
    assert_eq!(plan, before, "a refused override leaves the plan unchanged");
}

/// `horizon = 2000000000` with a `hold` assumption: checking the scenario filled a vector
/// with a value for every year up to the horizon and ran out of memory. The horizon, start
/// years and fit windows are now held to `plan::YEARS` when the set is parsed.
#[test]
fn scenario_far_horizon_is_an_error() {
    let text = regression("scenario_toml", "far-horizon-hold-oom.toml");
    let e = ScenarioSet::from_toml_str(&text).expect_err("horizon 2000000000");
    assert!(matches!(e, ScenarioError::Set(_)), "{e:?}");
    assert!(e.to_string().contains("set.horizon 2000000000"), "{e}");
    let ok = text.replace("horizon = 2000000000", "horizon = 2025");
    let set = ScenarioSet::from_toml_str(&ok).expect("horizon 2025");
    // With a near horizon the same scenario gets as far as its own check (holding GDP alone
    // projects nothing), instead of filling memory.
    let e = set.scenarios[0]
        .validate(&Plan::linyi(), 2025)
        .expect_err("a hold-only scenario");
    assert!(e.to_string().contains("projects no indicator"), "{e}");
    let start = ok.replace(
        "method = \"hold\"",
        "method = \"compound\"\nrate = { dist = \"fixed\", value = 0.05 }\nstart = { year = -5, value = 1.0 }",
    );
    let m = ScenarioSet::from_toml_str(&start)
        .expect_err("start year")
        .to_string();
    assert!(m.contains("indicator `gdp`: start.year -5"), "{m}");
}

/// An index panel with years -2147483648 and 2147483647: the trend's CAGR divided by
/// `y1 − y0`, which overflowed an `i32`. The span is now taken in `f64`.
#[test]
fn panel_trend_over_the_widest_years_is_finite() {
    let text = regression("panel_csv", "trend-span-overflow.csv");
    let spec = IndexSpecFile::from_toml_str(
        &std::fs::read_to_string(root().join("specs/china_rd_panel.toml")).expect("spec"),
    )
    .expect("the shipped spec");
    let fw = Framework::from_spec(spec.framework.as_ref().expect("inline framework"))
        .expect("framework");
    let names = ColumnNames::new("region_en", "region_zh", "year");
    let data = UnitData::from_csv_str_with(&text, "panel", &names, &fw.indicator_codes(), &[], &[])
        .expect("the table reads");
    let built = IndexPanel::new(fw, data)
        .expect("panel")
        .build(&PanelSpec::with(PipelineSpec::default()))
        .expect("build");
    let trends = built.trends("rd_index").expect("trends");
    assert_eq!(trends.len(), 3);
    for t in &trends {
        assert_eq!((t.first_year, t.last_year), (i32::MIN, i32::MAX));
        assert!(t.cagr.is_finite() || t.first <= 0.0, "{t:?}");
    }
}

#[test]
fn baseline_arg_corpus_parses_and_applies_or_refuses_cleanly() {
    let files = corpus("baseline_arg");
    let linyi = Plan::linyi();
    let mut applied = 0;
    for (path, spec) in &files {
        match innodex::io::parse_override(spec) {
            Ok(o) => {
                assert!(o.value.is_finite(), "{}", path.display());
                let mut plan = linyi.clone();
                let note = innodex::series::Provenance::Assumed { note: "t".into() };
                match plan.set_observation(&o.indicator, o.year, o.value, note) {
                    Ok(()) => applied += 1,
                    Err(e) => {
                        assert!(e.to_string().len() < 1000, "{}", path.display());
                        assert_eq!(plan, linyi, "{}", path.display());
                    }
                }
            }
            Err(e) => assert!(e.to_string().len() < 1000, "{}", path.display()),
        }
    }
    // The valid seeds (rd_share 1.9, hte_count 800, …) apply; 140 % and NaN do not.
    assert!(applied >= 4, "{applied}");
    let o = innodex::io::parse_override(&named(&files, "seed-3")).unwrap();
    let note = innodex::series::Provenance::Assumed { note: "t".into() };
    assert!(
        linyi
            .clone()
            .set_observation(&o.indicator, o.year, o.value, note)
            .is_err()
    );
}

#[test]
fn observations_csv_corpus_reads_or_refuses_with_short_messages() {
    use innodex::io::CsvTable;
    let files = corpus("observations_csv");
    for (path, text) in &files {
        match CsvTable::parse(text, "observations.csv") {
            Ok(t) => {
                // Found by fuzzing: a header of control characters, each escaped to six
                // characters, made the missing-columns message 1041 bytes long.
                if let Err(e) = t.require(&innodex::evidence::COLUMNS) {
                    assert!(e.to_string().len() < 1000, "{}", path.display());
                }
                for r in 0..t.len() {
                    // Found by fuzzing: a row after a lone `\r` line end was numbered line 1.
                    assert!(t.line(r) >= 2, "{}: row {r}", path.display());
                    if let Some(c) = t.column("value") {
                        match t.number(r, c) {
                            Ok(v) => assert!(v.is_none_or(f64::is_finite)),
                            Err(e) => assert!(e.to_string().len() < 1000, "{}", path.display()),
                        }
                    }
                }
            }
            Err(e) => assert!(e.to_string().len() < 1000, "{}", path.display()),
        }
    }
    let full = CsvTable::parse(&named(&files, "full.csv"), "o").unwrap();
    assert_eq!(full.len(), 2);
    let bom = CsvTable::parse(&named(&files, "bom.csv"), "o").unwrap();
    assert_eq!(bom.headers()[0], "indicator");
    let e = CsvTable::parse(&named(&files, "header_only.csv"), "o").unwrap_err();
    assert_eq!(e.to_string(), "o: no data rows (only a header)");
    let cr = CsvTable::parse(&named(&files, "lone-cr-line-end.csv"), "o").unwrap();
    assert_eq!(cr.line(0), 2);
    let t = CsvTable::parse(&named(&files, "minimal_inf.csv"), "o").unwrap();
    assert_eq!(
        t.number(1, 3).unwrap_err().to_string(),
        "o: line 3, column `value`: `inf` is not a finite number"
    );
}

/// An iMeta `Level` of 5·10⁵⁹ for the index (found by fuzzing `coinr_csv`, a timeout): it
/// saturated to `u32::MAX` and the framework then named every level up to it (1.6 GB and
/// minutes). A declared level is now a whole number ≥ 1, and an aggregate's is at most the
/// number of elements.
#[test]
fn coinr_meta_huge_aggregate_level_is_an_error() {
    let text = regression("coinr_csv", "huge-aggregate-level.txt");
    let (imeta, _) = text.split_once('\0').expect("iMeta, NUL, iData");
    // As found: the indicator's Level 0 is refused first (row 1).
    let m = read_imeta_str(imeta, "iMeta")
        .expect_err("Level 0")
        .to_string();
    assert!(
        m.contains("iMeta row 1, column Level") && m.contains("`0` is not a whole number"),
        "{m}"
    );
    // With the indicator at level 1, the aggregate's 5·10⁵⁹ is refused (row 3), briefly.
    let fixed = imeta.replace("x,X,ix,Indicator,0,", "x,X,ix,Indicator,1,");
    let m = read_imeta_str(&fixed, "iMeta")
        .expect_err("a level of 5e59")
        .to_string();
    assert!(
        m.contains("iMeta row 3, column Level") && m.contains("from 1 to 4294967295"),
        "{m}"
    );
    assert!(m.len() < 300, "{m}");
    // A whole level above the tree's size is refused by the framework, 3 (of 3) accepted with
    // that many level names.
    let with_level = |l: &str| {
        fixed
            .lines()
            .map(|line| {
                if line.starts_with("ix,") {
                    format!("ix,Index,,Aggregate,{l},,1")
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let m = read_imeta_str(&with_level("4"), "iMeta")
        .expect_err("level 4 of 3")
        .to_string();
    assert!(
        m.contains("level of aggregate `ix`") && m.contains("4 is not in 2..=3"),
        "{m}"
    );
    let meta = read_imeta_str(&with_level("3"), "iMeta").expect("level 3 of 3");
    assert_eq!(meta.framework.n_levels(), 3);
    assert_eq!(meta.framework.level_names().len(), 3);
}
