use innodex::projection::dist::Dist;
use innodex::projection::monte_carlo::*;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(10_000_000);
    let model = McModel {
        horizon: 2025,
        channels: vec![Channel::simulated(
            "hte",
            2020,
            750.0,
            Process::Growth {
                rate: Dist::normal(0.12, 0.04),
                per_path: false,
                shock: None,
            },
        )],
        targets: vec![McTarget {
            id: "t".into(),
            indicator: "hte".into(),
            rule: McRule::Level {
                threshold: 1500.0,
                by: 2025,
            },
            higher_is_better: true,
        }],
        correlations: vec![],
    };
    let cfg = McConfig {
        n_paths: n,
        seed: 1,
        quantiles: vec![0.05, 0.5, 0.95],
        fan_years: Some(vec![2025]),
        ..McConfig::default()
    };
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let r = simulate(&model, &cfg).unwrap();
        let dt = t.elapsed().as_secs_f64();
        println!(
            "{:.3}s {:.1} Mpaths/s p={:?} q={:?} passes={}",
            dt,
            n as f64 / dt / 1e6,
            r.targets[0].probability,
            r.indicators[0].at(2025),
            r.passes
        );
    }
}
