//! Profiling aid for the Shapley estimators: the 6-input correlated model of
//! `benches/bench_shapley.py`, written in Rust, so the time is innodex's alone (no Python model).
//!
//!     cargo run --release --example prof_shapley [n_outer] [n_var] [repeats] [n_bootstrap]

use innodex::sensitivity::{Correlation, Distribution, FnModel, Input, Problem, ShapleyAnalysis};
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_outer = args.first().copied().unwrap_or(5_000);
    let n_var = args.get(1).copied().unwrap_or(100_000);
    let repeats = args.get(2).copied().unwrap_or(3);
    let n_boot = args.get(3).copied().unwrap_or(100);
    let d = |n: &str, dist| Input::new(n, dist);
    let p = Problem::new(vec![
        d("x1", Distribution::Normal { mean: 0.0, sd: 1.0 }),
        d("x2", Distribution::Normal { mean: 1.0, sd: 0.5 }),
        d(
            "x3",
            Distribution::Uniform {
                lower: 0.0,
                upper: 1.0,
            },
        ),
        d(
            "x4",
            Distribution::Uniform {
                lower: -1.0,
                upper: 1.0,
            },
        ),
        d(
            "x5",
            Distribution::LogNormal {
                mu: 0.0,
                sigma: 0.25,
            },
        ),
        d("x6", Distribution::Normal { mean: 0.0, sd: 2.0 }),
    ])
    .expect("valid problem");
    let r = Correlation::from_rows(&[
        vec![1.0, 0.5, 0.3, 0.0, 0.0, 0.2],
        vec![0.5, 1.0, 0.0, 0.2, 0.0, 0.0],
        vec![0.3, 0.0, 1.0, -0.4, 0.0, 0.0],
        vec![0.0, 0.2, -0.4, 1.0, 0.3, 0.0],
        vec![0.0, 0.0, 0.0, 0.3, 1.0, 0.6],
        vec![0.2, 0.0, 0.0, 0.0, 0.6, 1.0],
    ])
    .expect("valid correlation");
    let model = FnModel::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = x[0]
            + x[0] * x[1]
            + 2.0 * (std::f64::consts::PI * x[2]).sin()
            + x[3] * x[3]
            + 0.5 * x[4]
            + 0.3 * x[5]
    });
    for _ in 0..repeats {
        let t = Instant::now();
        let res = ShapleyAnalysis::new(p.clone(), r.clone())
            .n_outer(n_outer)
            .n_var(n_var)
            .n_bootstrap(n_boot)
            .seed(1)
            .run(&model)
            .expect("runs");
        println!(
            "{:.3} s, {} model runs: {:?}",
            t.elapsed().as_secs_f64(),
            res.model_runs,
            res.outputs[0].shapley
        );
    }
}
