use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;
use rayon::prelude::*;
fn main() {
    let n = 10_000_000usize;
    let nd = statrs::distribution::Normal::standard();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut finals = vec![0.0f64; n];
        let hits: usize = finals
            .par_chunks_mut(2048)
            .enumerate()
            .map(|(i, c)| {
                let mut rng = ChaCha8Rng::seed_from_u64(1);
                rng.set_stream(i as u64);
                let mut h = 0;
                for v in c.iter_mut() {
                    let mut x = 750.0;
                    for _ in 0..5 {
                        x *= 1.0
                            + 0.12
                            + 0.04 * rand::distr::Distribution::<f64>::sample(&nd, &mut rng);
                    }
                    *v = x;
                    h += (x >= 1500.0) as usize;
                }
                h
            })
            .sum();
        let t1 = t.elapsed().as_secs_f64();
        let q = innodex::projection::monte_carlo::sample_quantiles(&finals, &[0.05, 0.5, 0.95]);
        let dt = t.elapsed().as_secs_f64();
        println!(
            "raw loop: sim {t1:.3}s total {dt:.3}s {:.1} Mpaths/s {h} {q:?}",
            n as f64 / dt / 1e6,
            h = hits
        );
    }
}
