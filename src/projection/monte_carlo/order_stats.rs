//! Exact order statistics and type-7 quantiles of many paths without a full sort:
//! order-preserving integer keys, selection, and the bracketed (pilot + histogram) scheme.

use rayon::prelude::*;

/// Order-preserving map of f64 to u64 (total order; NaN sorts last).
#[inline(always)]
pub(super) fn key(v: f64) -> u64 {
    // Negative: flip every bit; positive: set the sign bit. Branch-free, so the key pass over a
    // chunk vectorises.
    let b = v.to_bits();
    b ^ (((b as i64 >> 63) as u64) | (1 << 63))
}

#[inline]
pub(super) fn unkey(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Puts the order statistics of the (sorted, distinct) `ranks` in place.
pub(super) fn multiselect(v: &mut [u64], offset: usize, ranks: &[usize]) {
    if ranks.is_empty() || v.is_empty() {
        return;
    }
    let mid = ranks.len() / 2;
    let r = ranks[mid] - offset;
    v.select_nth_unstable(r);
    let (left, right) = v.split_at_mut(r);
    multiselect(left, offset, &ranks[..mid]);
    multiselect(&mut right[1..], offset + r + 1, &ranks[mid + 1..]);
}

/// Order statistics (0-based `ranks`, sorted and distinct) of a large key buffer, in one
/// parallel pass.
///
/// The sampling step of Floyd and Rivest's SELECT (1975, "Expected time bounds for
/// selection", CACM 18(3)): a fixed strided sample of `SAMPLE` keys is taken; for each rank
/// the sample gives two keys that bracket it with overwhelming probability (±6 standard
/// deviations of a sample rank); a single pass counts the keys below each bracket and gathers
/// the few keys inside it (a few per cent), and only those are selected. When a bracket misses
/// its rank (the count proves it), the exact histogram method [`hist_order_stats`] answers
/// instead, so the result is exact whatever the data. Independent of the thread count: counts
/// are integers and a selection does not depend on the order of its input.
pub(super) fn par_order_stats(v: &[u64], ranks: &[usize]) -> Vec<u64> {
    const BLOCK: usize = 1 << 16;
    let n = v.len();
    if n < 4 * SAMPLE || ranks.is_empty() {
        return hist_order_stats(v, ranks);
    }
    let mut sample: Vec<u64> = (0..SAMPLE).map(|i| v[i * (n / SAMPLE)]).collect();
    let brackets = brackets_for(&mut sample, ranks, n);
    let m = brackets.len();
    let cells = v
        .par_chunks(BLOCK)
        .fold(
            || Cells::empty(m),
            |mut c, block| {
                c.add(block, &brackets);
                c
            },
        )
        .reduce(|| Cells::empty(m), Cells::merged);
    cells
        .select(ranks)
        .unwrap_or_else(|| hist_order_stats(v, ranks))
}

/// Sample size for the brackets of [`par_order_stats`] and the pilot of a bracketed run.
pub(super) const SAMPLE: usize = 1 << 15;

/// Key intervals [lo, hi] around each of the `ranks` (of `n` keys), from a random `sample` of
/// them: the sample's order statistics 6 binomial standard deviations (at most ½√S each)
/// either side of the rank's place, merged where they overlap. Only those order statistics
/// are selected (the sample is reordered, not sorted).
pub(super) fn brackets_for(sample: &mut [u64], ranks: &[usize], n: usize) -> Vec<(u64, u64)> {
    let m = sample.len();
    let half_width = 6.0 * 0.5 * (m as f64).sqrt() + 8.0;
    let ends: Vec<(usize, usize)> = ranks
        .iter()
        .map(|&r| {
            let j = r as f64 / n as f64 * m as f64;
            let a = (j - half_width).floor().max(0.0) as usize;
            let b = ((j + half_width).ceil() as usize).min(m - 1);
            (a, b)
        })
        .collect();
    let mut at: Vec<usize> = ends.iter().flat_map(|&(a, b)| [a, b]).collect();
    at.sort_unstable();
    at.dedup();
    multiselect(sample, 0, &at);
    let mut brackets: Vec<(u64, u64)> = vec![];
    for (a, b) in ends {
        let (lo, hi) = (sample[a], sample[b]);
        match brackets.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => brackets.push((lo, hi)),
        }
    }
    brackets
}

/// Where keys fall among m disjoint, sorted brackets: per bracket, the count of keys below it
/// and the keys inside it. Mergeable, so each worker builds its own over its blocks or chunks.
pub(super) struct Cells {
    pub(super) below: Vec<u64>,
    pub(super) inside: Vec<Vec<u64>>,
}

impl Cells {
    pub(super) fn empty(m: usize) -> Cells {
        Cells {
            below: vec![0; m],
            inside: vec![vec![]; m],
        }
    }

    /// Adds `keys`, bracket by bracket ([`scan_bracket`]).
    pub(super) fn add(&mut self, keys: &[u64], brackets: &[(u64, u64)]) {
        for ((&(lo, hi), below), inside) in
            brackets.iter().zip(&mut self.below).zip(&mut self.inside)
        {
            *below += scan_bracket(keys, lo, hi, inside);
        }
    }

    pub(super) fn merged(mut self, other: Cells) -> Cells {
        for (a, b) in self.below.iter_mut().zip(&other.below) {
            *a += b;
        }
        for (a, b) in self.inside.iter_mut().zip(other.inside) {
            a.extend_from_slice(&b);
        }
        self
    }

    /// The order statistics of `ranks` (sorted), or `None` when one of them is not inside a
    /// bracket (the sample misled; the count proves it).
    pub(super) fn select(mut self, ranks: &[usize]) -> Option<Vec<u64>> {
        let m = self.inside.len();
        let below = &self.below;
        let bracket_of = |r: usize| {
            (0..m).find(|&b| {
                let r = r as u64;
                r >= below[b] && r < below[b] + self.inside[b].len() as u64
            })
        };
        let located = ranks
            .iter()
            .map(|&r| bracket_of(r))
            .collect::<Option<Vec<_>>>()?;
        let mut out = vec![0u64; ranks.len()];
        for (b, (inside, &base)) in self.inside.iter_mut().zip(below).enumerate() {
            let idx: Vec<usize> = (0..ranks.len()).filter(|&i| located[i] == b).collect();
            let local: Vec<usize> = idx.iter().map(|&i| ranks[i] - base as usize).collect();
            multiselect(inside, 0, &local);
            for (&i, &l) in idx.iter().zip(&local) {
                out[i] = inside[l];
            }
        }
        Some(out)
    }
}

/// The keys below the bracket [`lo`, `hi`] (returned as a count) and those inside it (pushed
/// to `inside`): the inside keys by blocks of 64, a bit mask per block built with no branch
/// (it vectorises: about 1 key in 30 falls inside a bracket, at random, which a branch per key
/// would mispredict), then only its set bits visited. Compiled for AVX2 and AVX-512 beside
/// baseline x86-64 ([`multiversion`]), which has no 64-bit integer compare.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+avx+fma",
    "x86_64+avx2+avx+fma",
))]
pub(super) fn scan_bracket(keys: &[u64], lo: u64, hi: u64, inside: &mut Vec<u64>) -> u64 {
    // k in [lo, hi] exactly when k − lo (wrapping) ≤ hi − lo: one compare a key.
    let width = hi - lo;
    let below = keys.iter().map(|&k| u64::from(k < lo)).sum();
    for block in keys.chunks(64) {
        let mut within = 0u64;
        for (j, &k) in block.iter().enumerate() {
            within |= u64::from(k.wrapping_sub(lo) <= width) << j;
        }
        while within != 0 {
            inside.push(block[within.trailing_zeros() as usize]);
            within &= within - 1;
        }
    }
    below
}

/// Order statistics (0-based `ranks`) of a large key buffer, in parallel: a histogram of the
/// keys' leading bits (below the bits all keys share) locates the bucket of each rank, and only
/// the keys of those buckets are gathered and selected. Exact whatever the distribution of the
/// keys; three passes over the buffer, so [`par_order_stats`] tries its one-pass sample
/// brackets first. Independent of the thread count.
pub(super) fn hist_order_stats(v: &[u64], ranks: &[usize]) -> Vec<u64> {
    const BLOCK: usize = 1 << 16;
    let (mn, mx) = v
        .par_chunks(BLOCK)
        .map(|c| {
            c.iter()
                .fold((u64::MAX, 0u64), |(a, b), &k| (a.min(k), b.max(k)))
        })
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let span = mx - mn;
    let shift = (64 - span.leading_zeros()).saturating_sub(16);
    let nb = (span >> shift) as usize + 1;
    let bucket = |k: u64| ((k - mn) >> shift) as usize;
    let hist = v
        .par_chunks(BLOCK * 4)
        .map(|c| {
            let mut h = vec![0u64; nb];
            for &k in c {
                h[bucket(k)] += 1;
            }
            h
        })
        .reduce(
            || vec![0u64; nb],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    // cum[b] = number of keys in buckets before b.
    let mut cum = Vec::with_capacity(nb + 1);
    let mut acc = 0u64;
    cum.push(0);
    for h in &hist {
        acc += h;
        cum.push(acc);
    }
    let bucket_of = |r: usize| cum.partition_point(|&c| c <= r as u64) - 1;
    let mut need: Vec<usize> = ranks.iter().map(|&r| bucket_of(r)).collect();
    need.sort_unstable();
    need.dedup();
    let mut gathered: Vec<u64> = v
        .par_iter()
        .copied()
        .filter(|&k| need.binary_search(&bucket(k)).is_ok())
        .collect();
    // A rank's position among the gathered keys: its rank within its bucket plus the sizes of
    // the gathered buckets before it.
    let local = |r: usize| {
        let b = bucket_of(r);
        let before: u64 = need.iter().take_while(|&&x| x < b).map(|&x| hist[x]).sum();
        (r as u64 - cum[b] + before) as usize
    };
    let mut lr: Vec<usize> = ranks.iter().map(|&r| local(r)).collect();
    lr.sort_unstable();
    lr.dedup();
    multiselect(&mut gathered, 0, &lr);
    ranks.iter().map(|&r| gathered[local(r)]).collect()
}

/// Exact quantiles (numpy's default linear interpolation) of keys; may reorder `v`.
///
/// Small buffers: nested `select_nth_unstable` on the lower order statistic of each
/// probability; the upper neighbour (rank + 1) is the minimum of the short segment up to the
/// next selected rank. Large buffers: [`par_order_stats`].
/// The type-7 positions of `probs` among `n` values, (lower rank, fraction), and the sorted
/// ranks whose order statistics they need (each lower rank and the one above).
pub(super) fn rank_plan(n: usize, probs: &[f64]) -> (Vec<(usize, f64)>, Vec<usize>) {
    let pos: Vec<(usize, f64)> = probs
        .iter()
        .map(|&p| {
            let h = (n - 1) as f64 * p;
            let lo = (h.floor() as usize).min(n - 1);
            (lo, h - lo as f64)
        })
        .collect();
    let mut ranks: Vec<usize> = pos
        .iter()
        .flat_map(|&(lo, _)| [lo, (lo + 1).min(n - 1)])
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    (pos, ranks)
}

/// Linear interpolation between order statistics (type 7); `stats[i]` is the key of rank
/// `ranks[i]`.
pub(super) fn interpolate(pos: &[(usize, f64)], ranks: &[usize], stats: &[u64]) -> Vec<f64> {
    let n_max = ranks.last().copied().unwrap_or(0);
    let at = |r: usize| unkey(stats[ranks.binary_search(&r).expect("requested")]);
    pos.iter()
        .map(|&(lo, f)| {
            let a = at(lo);
            let b = at((lo + 1).min(n_max));
            if f == 0.0 || a == b {
                a
            } else {
                a + f * (b - a)
            }
        })
        .collect()
}

pub(super) fn quantiles_of(v: &mut [u64], probs: &[f64]) -> Vec<f64> {
    let n = v.len();
    if n >= 1 << 17 {
        let (pos, ranks) = rank_plan(n, probs);
        let stats = par_order_stats(v, &ranks);
        return interpolate(&pos, &ranks, &stats);
    }
    let pos = rank_plan(n, probs).0;
    let mut ranks: Vec<usize> = pos.iter().map(|p| p.0).collect();
    ranks.sort_unstable();
    ranks.dedup();
    multiselect(v, 0, &ranks);
    pos.iter()
        .map(|&(lo, f)| {
            let a = unkey(v[lo]);
            if f == 0.0 || lo + 1 >= n {
                return a;
            }
            // Elements after `lo` up to the next selected rank (exclusive) hold ranks lo+1…;
            // if lo + 1 is itself selected, it is in place.
            let next = ranks.iter().copied().find(|&r| r > lo).unwrap_or(n);
            let b = if next == lo + 1 {
                unkey(v[lo + 1])
            } else {
                unkey(*v[lo + 1..next].iter().min().expect("non-empty"))
            };
            if a == b { a } else { a + f * (b - a) }
        })
        .collect()
}

/// Exact quantiles of a sample, interpolated as numpy's default (`linear`). Reorders nothing
/// of the input: it works on a copy.
///
/// ```
/// let q = innodex::projection::monte_carlo::sample_quantiles(&[4.0, 1.0, 3.0, 2.0], &[0.0, 0.5, 1.0]);
/// assert_eq!(q, vec![1.0, 2.5, 4.0]);
/// ```
pub fn sample_quantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
    if values.is_empty() {
        return vec![f64::NAN; probs.len()];
    }
    let mut k: Vec<u64> = values.iter().map(|&v| key(v)).collect();
    quantiles_of(&mut k, probs)
}
