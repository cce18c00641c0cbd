//! Regression tests of the parser fuzzing (`fuzz/`, `scripts/fuzz.sh`, docs/security.md).
//!
//! Every input in the committed fuzz corpus (`fuzz/corpus/<target>/`) is replayed through the
//! parsers here, so `cargo test` alone keeps "no crash in the corpus" true even where cargo-fuzz
//! is not installed; the seeds copied from the shipped examples must still parse. Each crash the
//! fuzzers found is a test of its own below, with its input inline or under `fuzz/regressions/`.

use std::path::PathBuf;

use innodex::index::framework::Framework;
use innodex::index::pipeline::PipelineSpec;
use innodex::index::spec::IndexSpecFile;
use innodex::index::table::{ColumnNames, UnitData, read_imeta_str};
use innodex::plan::Plan;
use innodex::projection::backtest::Panel;
use innodex::run::{Run, RunFile};
use innodex::scenario::ScenarioSet;

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
    for seed in ["linyi-2021-2025.toml", "china-rd-growth.toml", "minimal.toml"] {
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
    let names = ColumnNames {
        unit: "region_en".into(),
        name: "region_zh".into(),
        time: "year".into(),
    };
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
    for seed in ["local-files.run.toml", "plan-file.run.toml", "builtin.run.toml"] {
        Run::from_toml_str(&named(&files, seed), seed, &dir)
            .unwrap_or_else(|e| panic!("{seed}: {e}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
