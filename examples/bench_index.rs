//! Benchmark: the uncertainty analysis of COINr's sensitivity vignette on the ASEM data
//! (winsorisation limit 1–5, min-max [1, 100] or z-score (10, 2), ±25 % noise on the level-2
//! and level-3 weights, arithmetic or geometric mean), around COINr's example pipeline.
//!
//! Run: `cargo run --release --example bench_index [-- N ...]`. Prints the time per rebuild,
//! with the stage cache (default) and without it (every rebuild runs the whole pipeline from
//! the raw data, as COINr's `Regen` does). COINr needs 0.3 s per rebuild on this machine class
//! (its vignette: N = 100 in 32.5 s; the Sobol version, 1,200 rebuilds, in 330 s); COINr cannot
//! run here (no R), so that figure is quoted, not measured.
use std::time::Instant;

use innodex::index::uncertainty::{SamplingDesign, UncertaintySpec, run};
use innodex::index::{CompositeIndex, PipelineSpec};

fn main() {
    let ns: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ns = if ns.is_empty() {
        vec![1_000, 10_000]
    } else {
        ns
    };
    let idx =
        CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").expect("ASEM data");
    let base = PipelineSpec::coinr_example();
    let threads = rayon::current_num_threads();
    println!("threads: {threads}");
    println!(
        "{:>8} {:>6} {:>8} {:>10} {:>12} {:>12} {:>8}",
        "design", "N", "cache", "rebuilds", "total s", "ms/rebuild", "failed"
    );
    for &n in &ns {
        for design in [SamplingDesign::MonteCarlo, SamplingDesign::Sobol] {
            for cache in [true, false] {
                let mut spec = UncertaintySpec::coinr_vignette(n, 1, design);
                spec.cache = cache;
                let t = Instant::now();
                let r = run(&idx, &base, &spec).expect("analysis runs");
                let s = t.elapsed().as_secs_f64();
                let k = r.scores.len();
                println!(
                    "{:>8} {:>6} {:>8} {:>10} {:>12.3} {:>12.4} {:>8}",
                    if design == SamplingDesign::Sobol {
                        "sobol"
                    } else {
                        "mc"
                    },
                    n,
                    cache,
                    k,
                    s,
                    1e3 * s / k as f64,
                    r.failed
                );
            }
        }
    }
}
