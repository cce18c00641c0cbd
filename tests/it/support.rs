//! What the integration tests share: the CLI runner, scratch directories, thread pools and
//! the assertions several modules make.
#![allow(dead_code)] // each helper is used by some test modules, not all of them

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `innodex` binary this test run built (feature `cli`).
#[cfg(feature = "cli")]
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_innodex"))
}

/// Runs the command line with `args` and returns its exit status and output.
#[cfg(feature = "cli")]
pub fn innodex(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// `out`, after asserting that its command succeeded (its standard error is the message).
#[cfg(feature = "cli")]
pub fn succeeded(out: Output) -> Output {
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

/// A fresh, empty scratch directory for one test: unique per process and name.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("innodex-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A path as `&str` for a command line.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Lossy UTF-8 text of a process output stream.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The repository root (where `data/`, `plans/` and `specs/` live).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `f` on a pool of `n` threads (results must not depend on `n`: the tests compare them).
pub fn with_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    innodex::exec::in_pool(Some(n), f).expect("a pool of n > 0 threads starts")
}

/// Asserts that a process's standard error shows neither a panic nor a backtrace hint.
pub fn assert_no_panic(err: &str) {
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

/// The standard error of a command refused as bad input: exit status 2, an `error: ` line,
/// no panic.
pub fn user_error(out: &Output) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(err.starts_with("error: "), "{err}");
    assert_no_panic(&err);
    err
}

/// One channel `x` growing from 750 (2020) at a yearly `rate`, and one target `reach`: a level
/// of at least `threshold` by 2025.
pub fn growth_to_level(
    rate: innodex::stats::Distribution,
    threshold: f64,
) -> innodex::projection::monte_carlo::McModel {
    use innodex::projection::monte_carlo::{Channel, McModel, McTarget, Process};
    McModel {
        horizon: 2025,
        channels: vec![Channel::simulated(
            "x",
            2020,
            750.0,
            Process::Growth {
                rate,
                per_path: false,
                shock: None,
            },
        )],
        targets: vec![McTarget {
            id: "reach".into(),
            indicator: "x".into(),
            rule: innodex::target::Rule::Level {
                value: threshold,
                by: 2025,
            },
            base_year: None,
            higher_is_better: true,
        }],
        correlations: vec![],
    }
}

/// A composite index from COINr-style iMeta and iData CSV text.
pub fn index_from_csv(imeta: &str, idata: &str) -> innodex::index::CompositeIndex {
    let m = innodex::index::table::read_imeta_str(imeta, "iMeta").unwrap();
    let codes = m.framework.indicator_codes();
    let d = innodex::index::table::UnitData::from_csv_str(
        idata,
        "iData",
        &codes,
        &m.denominators,
        &m.groups,
    )
    .unwrap();
    innodex::index::CompositeIndex::new(m.framework, d).unwrap()
}
