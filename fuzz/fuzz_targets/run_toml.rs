//! Run files: `RunFile::from_toml_str` on every input, and `Run::from_toml_str` (which also
//! loads the plan, scenario set and index specs a run file names, then checks the run) with a
//! fixed directory of small valid inputs: `plan.toml`, `scenarios.toml`, `spec.toml` (inline
//! framework, data `data.csv`) and `data.csv`.
//!
//! `Run::from_toml_str` reads any path it is given; an input naming `/dev/zero` would read
//! forever. Inputs with a `/` or a `\` (TOML escapes could spell a `/`) therefore stay inside
//! the directory and are parsed with `RunFile::from_toml_str` only.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use innodex::run::{Run, RunFile};
use libfuzzer_sys::fuzz_target;

const MAX_LEN: usize = 64 * 1024;

const SPEC: &str = r#"name = "fuzz"
[data]
idata = "data.csv"
[framework]
[[framework.indicators]]
code = "a"
parent = "ix"
[[framework.indicators]]
code = "b"
parent = "ix"
direction = -1
[[framework.aggregates]]
code = "ix"
"#;
const DATA: &str = "uCode,a,b\nU1,1,5\nU2,2,3\nU3,4,4\nU4,3,1\n";

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("innodex-fuzz-run-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        for (name, text) in [
            ("plan.toml", include_str!("../../plans/examples/china-rd-growth.toml")),
            ("scenarios.toml", include_str!("../../scenarios/linyi.toml")),
            ("spec.toml", SPEC),
            ("data.csv", DATA),
        ] {
            std::fs::write(d.join(name), text).expect("write a fuzz input file");
        }
        d
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_LEN {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = RunFile::from_toml_str(text, "fuzz.run.toml");
    if parsed.is_err() || text.contains(['/', '\\']) {
        return;
    }
    let _ = Run::from_toml_str(text, "fuzz.run.toml", dir());
});
