//! innodex's integration tests, as modules of one test crate so that the test code is compiled
//! and linked once. Tests of the command line need the `cli` feature (the test command enables
//! it; `cargo test` without it runs the library tests only).

mod support;

mod assessment;
mod edge_cases;
mod fuzz_regressions;
mod growth;
mod hardening;
mod index_coinr;
mod index_pipeline;
mod index_uncertainty;
mod plan;
mod projection_backtest;
mod projection_calibration;
mod projection_core;
mod projection_scenario;
mod properties;
mod sensitivity_errors;
mod sensitivity_gsa;
mod sensitivity_ratio;
mod sensitivity_shapley;
mod shandong;
mod spans;

#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "cli")]
mod index_cli;
#[cfg(feature = "cli")]
mod projection_cli;
#[cfg(feature = "cli")]
mod run_cli;
