//! Profiling helper: the projection benchmark's model (750 start, 5 yearly steps of
//! N(0.12, 0.04) growth, quantiles 5/50/95 of the final year, P(final ≥ 1500)) in Rust.
//! Run: cargo run --release --example prof_projection -- PATHS THREADS REPEAT
use innodex::projection::monte_carlo::{McConfig, McModel, simulate};
use std::time::Instant;
fn main() {
    let arg = |i: usize, d: f64| {
        std::env::args()
            .nth(i)
            .map_or(d, |s| s.parse::<f64>().unwrap())
    };
    let (n, threads, repeat) = (
        arg(1, 1e7) as usize,
        arg(2, 2.0) as usize,
        arg(3, 3.0) as usize,
    );
    // MODE (4th argument): "full" (default), or "bare" (no quantiles, no target: the
    // simulation and the means only).
    let bare = std::env::args().nth(4).as_deref() == Some("bare");
    let mut model: McModel = serde_json::from_str(
        r#"{"horizon": 2025, "correlations": [],
        "channels": [{"id": "x", "known": [], "bounds": [0.0, 1e308],
          "kind": {"kind": "simulated", "start_year": 2020, "start_value": 750.0,
            "process": {"process": "growth", "rate": {"dist": "normal", "mean": 0.12, "sd": 0.04},
                        "per_path": false, "shock": null}}}],
        "targets": [{"id": "t", "indicator": "x", "higher_is_better": true,
          "rule": {"kind": "level", "value": 1500.0, "by": 2025}}]}"#,
    )
    .unwrap();
    let cfg = McConfig {
        n_paths: n,
        quantiles: vec![0.05, 0.5, 0.95],
        fan_years: Some(if bare { vec![] } else { vec![2025] }),
        ..McConfig::default()
    };
    if bare {
        model.targets.clear();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    for r in 0..repeat {
        let t = Instant::now();
        let res = pool.install(|| {
            simulate(
                &model,
                &McConfig {
                    seed: r as u64,
                    ..cfg.clone()
                },
            )
            .unwrap()
        });
        let s = t.elapsed().as_secs_f64();
        println!(
            "{n} paths, {threads} threads: {:.1} M paths/s  (P = {:.4})",
            n as f64 / s / 1e6,
            res.targets
                .first()
                .and_then(|t| t.probability)
                .unwrap_or(f64::NAN)
        );
    }
}
