//! Run files: `RunFile::from_toml_str` on every input, and `Run::from_toml_str` (which also
//! loads the plan, scenario set and index specs a run file names, then checks the run) with a
//! fixed directory of small valid inputs: `plan.toml` (`plans/examples/china-rd-growth.toml`),
//! `scenarios.toml` (`scenarios/linyi.toml`), and `spec.toml` (inline framework) with its
//! `data.csv` from `fuzz/run_fixture/`. `tests/fuzz_regressions.rs` builds the same directory.
//!
//! `Run::from_toml_str` reads any path it is given; an input naming `/dev/zero` would read
//! forever. Inputs with a `/` or a `\` (TOML escapes could spell a `/`) therefore stay inside
//! the directory and are parsed with `RunFile::from_toml_str` only.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use innodex::run::{Run, RunFile};
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("innodex-fuzz-run-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        for (name, text) in [
            (
                "plan.toml",
                include_str!("../../plans/examples/china-rd-growth.toml"),
            ),
            ("scenarios.toml", include_str!("../../scenarios/linyi.toml")),
            ("spec.toml", include_str!("../run_fixture/spec.toml")),
            ("data.csv", include_str!("../run_fixture/data.csv")),
        ] {
            std::fs::write(d.join(name), text).expect("write a fuzz input file");
        }
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = innodex_fuzz::text(data) else {
        return;
    };
    let parsed = RunFile::from_toml_str(text, "fuzz.run.toml");
    if parsed.is_err() || text.contains(['/', '\\']) {
        return;
    }
    let _ = Run::from_toml_str(text, "fuzz.run.toml", dir());
});
