//! The simulation of one chunk of paths and the passes over all chunks (exact and bracketed).

use rayon::prelude::*;

use super::*;
use crate::projection::ProjectionError;
use crate::projection::dist::{Sampler, std_normal};
use crate::projection::methods::inv_logit;
use crate::projection::stream::ChunkStream;

// ------------------------------------------------------------------------------ simulation

#[derive(Default)]
pub(super) struct Scratch {
    pub(super) traj: Vec<f64>,
    pub(super) yd: Vec<f64>,
    pub(super) pd: Vec<f64>,
    pub(super) z: Vec<f64>,
    pub(super) trend: Vec<f64>,
    pub(super) holt: Vec<f64>,
    pub(super) metric: Vec<f64>,
    pub(super) done: Vec<f64>,
    pub(super) acc: Vec<f64>,
    pub(super) bits: Vec<u64>,
}

#[derive(Debug, Clone)]
pub(super) struct ChunkStats {
    pub(super) sums: Vec<f64>,
    pub(super) met: Vec<u64>,
    pub(super) att: Vec<u64>,
    pub(super) metric_sums: Vec<f64>,
}

/// Sum with eight independent accumulators (vectorisable, and a fixed order: deterministic).
#[inline(always)]
pub(super) fn lane_sum(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let tail: f64 = it.remainder().iter().sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn draw_groups(
    rng: &mut ChunkStream,
    samplers: &[Sampler],
    free: &[usize],
    groups: &[Group],
    n: usize,
    out: &mut [f64],
    z: &mut Vec<f64>,
    bits: &mut Vec<u64>,
) {
    for &k in free {
        samplers[k].fill(rng, &mut out[k * n..(k + 1) * n], bits);
    }
    for g in groups {
        let m = g.members.len();
        z.resize(2 * m, 0.0);
        for p in 0..n {
            for zi in z[..m].iter_mut() {
                *zi = std_normal(rng);
            }
            for i in 0..m {
                let y: f64 = g.chol[i * m..=i * m + i]
                    .iter()
                    .zip(&z[..=i])
                    .map(|(l, zj)| l * zj)
                    .sum();
                let k = g.members[i];
                out[k * n + p] = samplers[k].at_normal_score(y);
            }
        }
    }
}

impl Compiled {
    // Always inlined (as are the helpers it calls) into `chunk_work`, to share its copies for
    // wider vector units.
    #[inline(always)]
    pub(super) fn simulate_chunk(&self, chunk: usize, n: usize, seed: u64, s: &mut Scratch) {
        let t_len = self.t_len;
        let mut rng = crate::projection::stream::chunk_stream(seed, chunk as u64);
        s.traj.resize(self.chans.len() * t_len * n, 0.0);
        s.yd.resize(self.yearly.len() * n, 0.0);
        s.pd.resize(self.path.len() * n, 0.0);
        s.trend.resize(self.n_trend * 3 * n, 0.0);
        s.holt.resize(self.n_holt * 2 * n, 0.0);
        draw_groups(
            &mut rng,
            &self.path,
            &self.path_free,
            &self.path_groups,
            n,
            &mut s.pd,
            &mut s.z,
            &mut s.bits,
        );
        self.path_parameters(n, s, &mut rng);
        for t in 0..t_len {
            if t > 0 {
                draw_groups(
                    &mut rng,
                    &self.yearly,
                    &self.yearly_free,
                    &self.yearly_groups,
                    n,
                    &mut s.yd,
                    &mut s.z,
                    &mut s.bits,
                );
            }
            for &ci in &self.order {
                let c = &self.chans[ci];
                let base = (ci * t_len + t) * n;
                match &c.kind {
                    CKind::Known => s.traj[base..base + n].fill(c.known[t]),
                    CKind::Sim { start, value, .. } => {
                        if t < *start {
                            s.traj[base..base + n].fill(c.known[t]);
                        } else if t == *start {
                            s.traj[base..base + n].fill(*value);
                        } else {
                            self.advance(ci, t, n, s, &mut rng);
                        }
                    }
                    CKind::Ratio { num, den, scale } => {
                        let (nb, db) = ((num * t_len + t) * n, (den * t_len + t) * n);
                        let own = c.known[t];
                        for p in 0..n {
                            let (a, b) = (s.traj[nb + p], s.traj[db + p]);
                            let v = a / b * scale;
                            s.traj[base + p] = if v.is_finite() { v } else { own };
                        }
                    }
                }
            }
        }
    }

    /// Per-path parameters of simulated trends (drawn from their fit's sampling distribution)
    /// and initial Holt states.
    #[inline(always)]
    fn path_parameters(&self, n: usize, s: &mut Scratch, rng: &mut ChunkStream) {
        for c in &self.chans {
            match &c.kind {
                CKind::Sim {
                    proc:
                        CProc::Trend {
                            line,
                            chi: Some(chi),
                            slot,
                            ..
                        },
                    ..
                } => {
                    let buf = &mut s.trend[slot * 3 * n..(slot + 1) * 3 * n];
                    let (nn, sxx) = (line.n as f64, line.sxx);
                    let m_hat = line.predict(line.x_mean);
                    for p in 0..n {
                        let x2: f64 = rand::distr::Distribution::<f64>::sample(chi, rng);
                        let sigma = (line.sse / x2).sqrt();
                        let m = m_hat + sigma / nn.sqrt() * std_normal(rng);
                        let b = line.slope + sigma / sxx.sqrt() * std_normal(rng);
                        buf[p] = m;
                        buf[n + p] = b;
                        buf[2 * n + p] = sigma;
                    }
                }
                CKind::Sim {
                    proc: CProc::Holt { m, slot, .. },
                    ..
                } => {
                    let buf = &mut s.holt[slot * 2 * n..(slot + 1) * 2 * n];
                    buf[..n].fill(m.level);
                    buf[n..].fill(m.trend);
                }
                _ => {}
            }
        }
    }

    /// Channel `ci`'s values in grid year `t` from those of `t − 1`, by its process.
    #[inline(always)]
    fn advance(&self, ci: usize, t: usize, n: usize, s: &mut Scratch, rng: &mut ChunkStream) {
        let c = &self.chans[ci];
        let CKind::Sim { proc, .. } = &c.kind else {
            unreachable!("only simulated channels advance")
        };
        let base = (ci * self.t_len + t) * n;
        let (prev, cur) = s.traj.split_at_mut(base);
        let prev = &prev[base - n..];
        let cur = &mut cur[..n];
        let (lo, hi) = (c.lo, c.hi);
        match proc {
            CProc::Step { kind, rate, shock } => {
                let (yd, pd) = (&s.yd, &s.pd);
                match (kind, rate, shock) {
                    (StepKind::Growth, In::Yearly(k), In::Const(sh)) => {
                        let g = &yd[k * n..(k + 1) * n];
                        for p in 0..n {
                            cur[p] = (prev[p] * (1.0 + sh + g[p])).clamp(lo, hi);
                        }
                    }
                    (StepKind::Growth, _, _) => {
                        for p in 0..n {
                            let g = rate.get(yd, pd, n, p) + shock.get(yd, pd, n, p);
                            cur[p] = (prev[p] * (1.0 + g)).clamp(lo, hi);
                        }
                    }
                    (StepKind::Increment, _, _) => {
                        for p in 0..n {
                            let d = rate.get(yd, pd, n, p) + shock.get(yd, pd, n, p);
                            cur[p] = (prev[p] + d).clamp(lo, hi);
                        }
                    }
                    (StepKind::Logistic(k), _, _) => {
                        for p in 0..n {
                            let r = rate.get(yd, pd, n, p) + shock.get(yd, pd, n, p);
                            let v = prev[p];
                            let x = (v / (k - v)).ln() + r;
                            cur[p] = inv_logit(x, *k).clamp(lo, hi);
                        }
                    }
                }
            }
            CProc::Trend {
                scale,
                line,
                chi,
                slot,
            } => {
                let x = (self.first_year + t as i32) as f64;
                match chi {
                    None => cur.fill(scale.back(line.predict(x)).clamp(lo, hi)),
                    Some(_) => {
                        let buf = &s.trend[slot * 3 * n..(slot + 1) * 3 * n];
                        for p in 0..n {
                            let z = buf[p]
                                + buf[n + p] * (x - line.x_mean)
                                + buf[2 * n + p] * std_normal(rng);
                            cur[p] = scale.back(z).clamp(lo, hi);
                        }
                    }
                }
            }
            CProc::Holt { m, sigma, slot } => {
                let buf = &mut s.holt[slot * 2 * n..(slot + 1) * 2 * n];
                let (ls, bs) = buf.split_at_mut(n);
                for p in 0..n {
                    let e = match sigma {
                        Some(sd) => sd * std_normal(rng),
                        None => 0.0,
                    };
                    let yhat = ls[p] + m.phi * bs[p];
                    cur[p] = (yhat + e).clamp(lo, hi);
                    ls[p] = yhat + m.alpha * e;
                    bs[p] = m.phi * bs[p] + m.alpha * m.beta * e;
                }
            }
        }
    }

    /// Target `k`'s metric for the chunk's paths ([`Compiled::eval_targets`] has run): a level
    /// target's is its indicator's row in the target year, read in place.
    #[inline(always)]
    pub(super) fn metric_row<'a>(&self, k: usize, n: usize, s: &'a Scratch) -> &'a [f64] {
        let tg = &self.targets[k];
        match tg.rule {
            CRule::Level { by, .. } => {
                let row = tg.c * self.t_len + by;
                &s.traj[row * n..(row + 1) * n]
            }
            _ => &s.metric[k * n..(k + 1) * n],
        }
    }

    /// Fills `s.metric` (targets × n; level targets excepted, see [`Compiled::metric_row`])
    /// and, when `stats` is given, met counts and attainment.
    #[inline(always)]
    pub(super) fn eval_targets(
        &self,
        n: usize,
        s: &mut Scratch,
        mut stats: Option<&mut ChunkStats>,
    ) {
        let t_len = self.t_len;
        s.metric.resize(self.targets.len() * n, 0.0);
        for (k, tg) in self.targets.iter().enumerate() {
            let v = |t: usize| &s.traj[(tg.c * t_len + t) * n..(tg.c * t_len + t + 1) * n];
            let out = &mut s.metric[k * n..(k + 1) * n];
            let worst = |a: f64, b: f64| if tg.higher { a.min(b) } else { a.max(b) };
            let thr = match &tg.rule {
                CRule::Level { thr, .. } => *thr,
                CRule::Multiple { thr, base, by } => {
                    let (b0, b1) = (v(*base), v(*by));
                    for p in 0..n {
                        out[p] = b1[p] / b0[p];
                    }
                    *thr
                }
                CRule::Reference { r, margin, by, .. } => {
                    let rv = &s.traj[(r * t_len + by) * n..(r * t_len + by + 1) * n];
                    let vv = v(*by);
                    for p in 0..n {
                        out[p] = vv[p] - (rv[p] + margin);
                    }
                    0.0
                }
                CRule::Flow { thr, from, to } => {
                    out.copy_from_slice(v(*from));
                    for t in from + 1..=*to {
                        for (o, x) in out.iter_mut().zip(v(t)) {
                            *o = worst(*o, *x);
                        }
                    }
                    *thr
                }
                CRule::Net { thr, from, to } => {
                    out.fill(if tg.higher {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    });
                    for t in *from..=*to {
                        let (a, b) = (v(t - 1), v(t));
                        for p in 0..n {
                            out[p] = worst(out[p], b[p] - a[p]);
                        }
                    }
                    *thr
                }
                CRule::Growth { min_rate, base, to } => {
                    let (a, b) = (v(*base), v(*to));
                    let years = (*to - *base) as f64;
                    for p in 0..n {
                        out[p] = crate::growth::compound_rate(a[p], b[p], years);
                    }
                    *min_rate
                }
                CRule::Cumulative { thr, from, to } => {
                    out.fill(0.0);
                    for t in *from..=*to {
                        for (o, x) in out.iter_mut().zip(v(t)) {
                            *o += x;
                        }
                    }
                    *thr
                }
            };
            let Some(st) = stats.as_deref_mut() else {
                continue;
            };
            // A growth floor is "at least this rate" whatever the indicator's direction.
            let higher = tg.higher || matches!(tg.rule, CRule::Growth { .. });
            let (sg, st_thr) = if higher { (1.0, thr) } else { (-1.0, -thr) };
            let metric = self.metric_row(k, n, s);
            let met = metric
                .iter()
                .map(|&m| (sg * m >= st_thr) as u64)
                .sum::<u64>();
            st.met[k] += met;
            st.metric_sums[k] += lane_sum(metric);
            if let Some(from) = tg.att_from {
                // Year by year over contiguous rows: done[p] is 1.0 once path p has attained
                // (a float flag: every lane of the marking loop is then 64 bits wide, and it
                // vectorises on baseline x86-64, which has no 64-bit integer compare).
                s.done.clear();
                s.done.resize(n, 0.0);
                if matches!(tg.rule, CRule::Cumulative { .. }) {
                    s.acc.clear();
                    s.acc.resize(n, 0.0);
                }
                let done = &mut s.done;
                let att = &mut st.att[k * (t_len + 1)..(k + 1) * (t_len + 1)];
                let row =
                    |c: usize, t: usize| &s.traj[(c * t_len + t) * n..(c * t_len + t + 1) * n];
                // "At least as good" as s·a ≥ s·b with s = ±1: no branch on the direction,
                // and a select rather than a jump, so the loops vectorise.
                let sg = if tg.higher { 1.0 } else { -1.0 };
                // Marking is a select per path; the paths attained so far are the sum of the
                // flags (eight-lane sum, exact for counts below 2^53), with no counter whose
                // chain of increments would keep the loop scalar.
                #[inline(always)]
                fn mark(done: &mut [f64], hits: impl Iterator<Item = bool>) -> u64 {
                    for (d, hit) in done.iter_mut().zip(hits) {
                        *d = if hit { 1.0 } else { *d };
                    }
                    lane_sum(done) as u64
                }
                let mut attained = 0u64;
                for (t, att_t) in att.iter_mut().enumerate().take(t_len).skip(from) {
                    let x = row(tg.c, t);
                    let so_far = match &tg.rule {
                        CRule::Level { thr, .. } => {
                            let st = sg * thr;
                            mark(done, x.iter().map(|&v| sg * v >= st))
                        }
                        CRule::Multiple { thr, base, .. } => {
                            let b = row(tg.c, *base);
                            let st = sg * thr;
                            let hits = x.iter().zip(b).map(|(&v, &b0)| sg * (v / b0) >= st);
                            mark(done, hits)
                        }
                        CRule::Reference { r, margin, .. } => {
                            let rv = row(*r, t);
                            let hits = x
                                .iter()
                                .zip(rv)
                                .map(|(&v, &r0)| sg * (v - (r0 + margin)) >= 0.0);
                            mark(done, hits)
                        }
                        CRule::Cumulative { thr, .. } => {
                            let st = sg * thr;
                            for (a, &v) in s.acc.iter_mut().zip(x) {
                                *a += v;
                            }
                            mark(done, s.acc.iter().map(|&a| sg * a >= st))
                        }
                        _ => attained,
                    };
                    *att_t += so_far - attained;
                    attained = so_far;
                }
                att[t_len] += n as u64 - attained;
            }
        }
    }
}

/// Runs of at least this many paths try [`bracketed_pass`] first (below, every key is held).
pub(super) const BRACKETED_MIN_PATHS: usize = 1 << 17;

/// One chunk of paths: simulate, the chunk statistics (year sums, when `want_stats`, and the
/// target counts), and the order keys of each slot in `group` written to `outs`.
///
/// Compiled for baseline x86-64 and again for AVX2 and AVX-512, the best chosen at run time
/// ([`multiversion`]): its loops over the paths are written to vectorise, and wider vector
/// units run them in fewer instructions. Rust never contracts `a * b + c` into an FMA and keeps
/// the order of every sum, so each copy gives bit-identical results.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq+avx2+avx+fma",
    "x86_64+avx2+avx+fma",
))]
#[allow(clippy::too_many_arguments)]
pub(super) fn chunk_work(
    cm: &Compiled,
    ci: usize,
    n: usize,
    seed: u64,
    s: &mut Scratch,
    want_stats: bool,
    group: &[Slot],
    outs: &mut [&mut [u64]],
) -> ChunkStats {
    let t_len = cm.t_len;
    let n_targets = cm.targets.len();
    cm.simulate_chunk(ci, n, seed, s);
    let mut st = ChunkStats {
        sums: vec![],
        met: vec![0; n_targets],
        att: vec![0; n_targets * (t_len + 1)],
        metric_sums: vec![0.0; n_targets],
    };
    if want_stats {
        // A plain loop: an iterator adapter here would be compiled once, outside this
        // function's wider copies, and its sums would run on baseline SIMD.
        st.sums = Vec::with_capacity(cm.chans.len() * t_len);
        for row in s.traj.chunks_exact(n).take(cm.chans.len() * t_len) {
            st.sums.push(lane_sum(row));
        }
    }
    cm.eval_targets(n, s, want_stats.then_some(&mut st));
    for (slot, out) in group.iter().zip(outs.iter_mut()) {
        let src = match *slot {
            Slot::Fan { c, t } => &s.traj[(c * t_len + t) * n..(c * t_len + t + 1) * n],
            Slot::Metric { k } => cm.metric_row(k, n, s),
        };
        for (o, v) in out.iter_mut().zip(src) {
            *o = key(*v);
        }
    }
    st
}

/// What a worker holds in the main part of [`bracketed_pass`]: simulation scratch, one chunk's
/// keys per slot, and what it has gathered: its chunks' statistics (with their index) and the
/// cells of each slot over all its chunks (`None` once the run is cancelled).
pub(super) type RestWork = (
    Scratch,
    Vec<Vec<u64>>,
    Option<(Vec<(usize, ChunkStats)>, Vec<Cells>)>,
);

/// What [`bracketed_pass`] returns: the chunk statistics in chunk order, and per slot its
/// quantiles or `None` when a bracket missed.
pub(super) type Bracketed = (Vec<ChunkStats>, Vec<Option<Vec<f64>>>);

/// All chunks in one pass, holding per slot only the keys near the ranks its quantiles need.
///
/// The first chunks (at least [`SAMPLE`] paths) are a pilot: their keys are kept whole, and
/// the brackets around each rank are read off them as off any random sample of the paths
/// ([`brackets_for`]). Of every later chunk, a worker then only counts the keys below each
/// bracket and keeps those inside ([`Cells`]), while they are still in cache; no buffer of
/// all the paths is filled or read again. A slot whose ranks do not all fall inside its
/// brackets (the counts prove it; rare by construction) gets `None`, and the caller computes
/// it exactly from a full buffer. Returns the chunk statistics in chunk order and the
/// quantiles per slot.
pub(super) fn bracketed_pass(
    cm: &Compiled,
    cfg: &McConfig,
    slots: &[Slot],
    probs: &[&[f64]],
    progress: &Progress,
) -> Result<Bracketed, ProjectionError> {
    let (n_paths, chunk) = (cfg.n_paths, cfg.chunk_size);
    let n_chunks = n_paths.div_ceil(chunk);
    let pilot_chunks = SAMPLE.div_ceil(chunk).min(n_chunks);
    let len = |ci: usize| chunk.min(n_paths - ci * chunk);
    let pilot: Vec<Option<(ChunkStats, Vec<Vec<u64>>)>> = (0..pilot_chunks)
        .into_par_iter()
        .map_init(Scratch::default, |s, ci| {
            if progress.is_cancelled() {
                return None;
            }
            let mut keys: Vec<Vec<u64>> = slots.iter().map(|_| vec![0; len(ci)]).collect();
            let mut outs: Vec<&mut [u64]> = keys.iter_mut().map(|k| &mut k[..]).collect();
            let st = chunk_work(cm, ci, len(ci), cfg.seed, s, true, slots, &mut outs);
            progress.advance(1);
            Some((st, keys))
        })
        .collect();
    if progress.is_cancelled() {
        return Err(ProjectionError::Cancelled);
    }
    let mut stats = Vec::with_capacity(n_chunks);
    let mut sample: Vec<Vec<u64>> = vec![vec![]; slots.len()];
    for (st, keys) in pilot.into_iter().map(|r| r.expect("not cancelled")) {
        stats.push(st);
        for (a, k) in sample.iter_mut().zip(keys) {
            a.extend_from_slice(&k);
        }
    }
    let plans: Vec<_> = probs
        .iter()
        .zip(&mut sample)
        .map(|(p, smp)| {
            let (pos, ranks) = rank_plan(n_paths, p);
            let brackets = brackets_for(smp, &ranks, n_paths);
            (pos, ranks, brackets)
        })
        .collect();
    let empty_cells = || -> Vec<Cells> {
        plans
            .iter()
            .map(|plan| Cells::empty(plan.2.len()))
            .collect()
    };
    // Each worker folds its chunks into its own cells (counts add up and a selection does not
    // depend on the order of its input, so how rayon splits the chunks does not matter).
    let rest = (pilot_chunks..n_chunks)
        .into_par_iter()
        .fold(
            || -> RestWork {
                let gathered = (vec![], empty_cells());
                (
                    Scratch::default(),
                    vec![vec![]; slots.len()],
                    Some(gathered),
                )
            },
            |(mut s, mut keys, mut gathered): RestWork, ci| {
                let Some((stats, cells)) = gathered.as_mut() else {
                    return (s, keys, None);
                };
                if progress.is_cancelled() {
                    return (s, keys, None);
                }
                for k in keys.iter_mut() {
                    k.resize(len(ci), 0);
                }
                let mut outs: Vec<&mut [u64]> = keys.iter_mut().map(|k| &mut k[..]).collect();
                let st = chunk_work(cm, ci, len(ci), cfg.seed, &mut s, true, slots, &mut outs);
                for ((c, k), plan) in cells.iter_mut().zip(&keys).zip(&plans) {
                    c.add(k, &plan.2);
                }
                stats.push((ci, st));
                progress.advance(1);
                (s, keys, gathered)
            },
        )
        .map(|(_, _, gathered)| gathered)
        .reduce(
            || Some((vec![], empty_cells())),
            |a, b| {
                let ((mut sa, ca), (sb, cb)) = (a?, b?);
                sa.extend(sb);
                Some((
                    sa,
                    ca.into_iter().zip(cb).map(|(x, y)| x.merged(y)).collect(),
                ))
            },
        );
    let Some((mut rest_stats, rest_cells)) = rest else {
        return Err(ProjectionError::Cancelled);
    };
    if progress.is_cancelled() {
        return Err(ProjectionError::Cancelled);
    }
    rest_stats.sort_unstable_by_key(|(ci, _)| *ci);
    stats.extend(rest_stats.into_iter().map(|(_, st)| st));
    let cells: Vec<Cells> = sample
        .iter()
        .zip(&plans)
        .zip(rest_cells)
        .map(|((smp, plan), mut c)| {
            c.add(smp, &plan.2);
            c
        })
        .collect();
    let qs = cells
        .into_par_iter()
        .zip(&plans)
        .map(|(c, (pos, ranks, _))| c.select(ranks).map(|st| interpolate(pos, ranks, &st)))
        .collect();
    Ok((stats, qs))
}
