use super::*;

/// A growth channel and a cumulative channel, with level and cumulative targets.
fn two_channel_model() -> McModel {
    serde_json::from_str(
        r#"{"horizon": 2025, "correlations": [],
        "channels": [
          {"id": "x", "known": [], "bounds": [0.0, 1e308],
           "kind": {"kind": "simulated", "start_year": 2020, "start_value": 750.0,
             "process": {"process": "growth", "rate": {"dist": "normal", "mean": 0.12,
               "sd": 0.04}, "per_path": false, "shock": null}}},
          {"id": "y", "known": [], "bounds": [-1e308, 1e308],
           "kind": {"kind": "simulated", "start_year": 2020, "start_value": 600.0,
             "process": {"process": "increment", "step": {"dist": "uniform", "min": -20.0,
               "max": 30.0}, "per_path": false, "shock": null}}}],
        "targets": [
          {"id": "t", "indicator": "x", "higher_is_better": true,
           "rule": {"kind": "level", "value": 1500.0, "by": 2025}},
          {"id": "c", "indicator": "y", "higher_is_better": true,
           "rule": {"kind": "cumulative_flow", "min_total": 3700.0, "from": 2021, "to": 2025}}]}"#,
    )
    .expect("valid model")
}

/// Every slot's quantiles from full key buffers (what the exact passes compute).
fn exact(cm: &Compiled, cfg: &McConfig, slots: &[Slot], probs: &[&[f64]]) -> Vec<Vec<f64>> {
    let n = cfg.n_paths;
    let mut bufs: Vec<Vec<u64>> = slots.iter().map(|_| vec![0; n]).collect();
    let mut s = Scratch::default();
    for ci in 0..n.div_ceil(cfg.chunk_size) {
        let (a, b) = (ci * cfg.chunk_size, ((ci + 1) * cfg.chunk_size).min(n));
        let mut outs: Vec<&mut [u64]> = bufs.iter_mut().map(|v| &mut v[a..b]).collect();
        chunk_work(cm, ci, b - a, cfg.seed, &mut s, true, slots, &mut outs);
    }
    bufs.iter_mut()
        .zip(probs)
        .map(|(b, p)| quantiles_of(b, p))
        .collect()
}

#[test]
fn the_bracketed_pass_gives_the_exact_quantiles_or_says_it_cannot() {
    let cm = compile(&two_channel_model()).unwrap();
    let cfg = McConfig {
        n_paths: (1 << 18) + 77,
        seed: 9,
        ..McConfig::default()
    };
    let slots = [
        Slot::Fan { c: 0, t: 5 },
        Slot::Fan { c: 1, t: 3 },
        Slot::Metric { k: 1 },
    ];
    let inner: &[f64] = &[0.05, 0.25, 0.5, 0.75, 0.95];
    // The extremes: the run's minimum and maximum are in the 2^15-path pilot with
    // probability 1/8 each, so their brackets usually miss.
    let extremes: &[f64] = &[0.0, 0.5, 1.0];
    let probs = [inner, extremes, inner];
    let want = exact(&cm, &cfg, &slots, &probs);
    let (stats, got) = bracketed_pass(&cm, &cfg, &slots, &probs, &Progress::default()).unwrap();
    assert_eq!(stats.len(), cfg.n_paths.div_ceil(cfg.chunk_size));
    assert_eq!(got[0].as_ref(), Some(&want[0]));
    assert_eq!(got[2].as_ref(), Some(&want[2]));
    assert!(
        got[1].is_none(),
        "the extremes' brackets should have missed"
    );
    // Through `simulate`, a missed slot gets an exact pass: same numbers either way.
    let model = two_channel_model();
    let q = |cfg: &McConfig| {
        let r = simulate(&model, cfg).unwrap();
        (r.passes, r.indicators[1].quantiles[3].clone().unwrap())
    };
    let big = McConfig {
        quantiles: extremes.to_vec(),
        ..cfg.clone()
    };
    let (passes, y3) = q(&big);
    assert_eq!(passes, 2);
    assert_eq!(y3, want[1]);
}

#[test]
fn keys_preserve_order() {
    let v = [
        -3.5,
        -0.0,
        0.0,
        1e-300,
        2.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    for a in v {
        assert_eq!(unkey(key(a)).to_bits(), a.to_bits());
        for b in v {
            if a < b {
                assert!(key(a) < key(b), "{a} {b}");
            }
        }
    }
}

#[test]
fn parallel_order_statistics_equal_sorting() {
    // 2^20 + 7 values with many ties and a wide range, past the parallel threshold.
    let n = (1 << 20) + 7;
    let vals: Vec<f64> = (0..n as u64)
        .map(|i| {
            let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            if i % 5 == 0 {
                3.0
            } else {
                (h as f64 - 8e6) * 1e-3
            }
        })
        .collect();
    let probs = [0.0, 0.05, 0.2, 0.5, 0.95, 0.999, 1.0];
    let got = sample_quantiles(&vals, &probs);
    let mut sorted = vals.clone();
    sorted.sort_by(f64::total_cmp);
    for (p, g) in probs.iter().zip(got) {
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        let want = sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]);
        assert!(
            (g - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{p}: {g} vs {want}"
        );
    }
}

#[test]
fn order_statistics_exact_when_the_sample_misleads() {
    // The strided sample (every (n / 2^15)-th key) sees only zeros, so every bracket
    // misses: the histogram fallback must still give the exact order statistics.
    let n = 1usize << 21;
    let stride = n / (1 << 15);
    let v: Vec<u64> = (0..n as u64)
        .map(|i| {
            if (i as usize).is_multiple_of(stride) {
                0
            } else {
                i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 8
            }
        })
        .collect();
    let ranks = [0, 1, n / 20, n / 2, n / 2 + 1, n - 1];
    let mut sorted = v.clone();
    sorted.sort_unstable();
    let want: Vec<u64> = ranks.iter().map(|&r| sorted[r]).collect();
    assert_eq!(par_order_stats(&v, &ranks), want);
    assert_eq!(hist_order_stats(&v, &ranks), want);
}

#[test]
fn sample_brackets_equal_sorting() {
    // Typical data, where the brackets hold: both methods agree with a full sort.
    let n = (1usize << 20) + 11;
    let v: Vec<u64> = (0..n as u64)
        .map(|i| key(((i.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64).ln()))
        .collect();
    let ranks = [3, n / 20, n / 20 + 1, n / 2, n - 2, n - 1];
    let mut sorted = v.clone();
    sorted.sort_unstable();
    let want: Vec<u64> = ranks.iter().map(|&r| sorted[r]).collect();
    assert_eq!(par_order_stats(&v, &ranks), want);
}

#[test]
fn quantiles_match_sorting_definition() {
    // numpy: np.quantile([5, 1, 4, 2, 3, 9, 7], [0, .1, .5, .95, 1]) = 1, 1.6, 4, 8.4, 9
    let q = sample_quantiles(
        &[5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 7.0],
        &[0.0, 0.1, 0.5, 0.95, 1.0],
    );
    let want = [1.0, 1.6, 4.0, 8.4, 9.0];
    for (a, b) in q.iter().zip(want) {
        assert!((a - b).abs() < 1e-12, "{q:?}");
    }
}
