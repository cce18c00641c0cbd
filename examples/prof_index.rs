//! Profiling helper: the uncached rebuild of the uncertainty analysis on one thread.
use innodex::index::uncertainty::{SamplingDesign, UncertaintySpec, run};
use innodex::index::{CompositeIndex, PipelineSpec};
use std::time::Instant;
fn main() {
    let idx = CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
    let base = PipelineSpec::coinr_example();
    let mut spec = UncertaintySpec::coinr_vignette(4000, 1, SamplingDesign::MonteCarlo);
    spec.cache = std::env::args().nth(1).as_deref() == Some("cache");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let t = Instant::now();
    let r = pool.install(|| run(&idx, &base, &spec).unwrap());
    println!(
        "{:.1} µs per rebuild (cache {})",
        t.elapsed().as_secs_f64() * 1e6 / r.scores.len() as f64,
        spec.cache
    );
}
