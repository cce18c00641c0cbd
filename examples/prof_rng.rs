//! Profiling helper: bulk random words on one thread, `ChaCha8Rng` against the Monte Carlo
//! chunk stream (eight xoshiro256++ lanes, `innodex::projection::stream`).
//! Run: cargo run --release --example prof_rng
use innodex::projection::stream::{chunk_stream, fill_words};
use rand::{RngExt, SeedableRng};
use std::time::Instant;

fn time(name: &str, mut f: impl FnMut(&mut [u64])) {
    let mut buf = vec![0u64; 10240];
    let t = Instant::now();
    let mut acc = 0u64;
    for _ in 0..10_000 {
        f(&mut buf);
        acc ^= buf[17];
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{name:>22}: {:.2} ns per 64-bit word (check {})",
        s * 1e9 / (10_000.0 * 10240.0),
        acc % 10
    );
}

fn main() {
    let mut chacha = rand::rngs::ChaCha8Rng::seed_from_u64(1);
    time("ChaCha8Rng fill", |b| chacha.fill(b));
    let mut lanes = chunk_stream(1, 0);
    time("chunk stream fill", |b| fill_words(&mut lanes, b));
}
