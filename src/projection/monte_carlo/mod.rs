//! Monte Carlo projection: many simulated futures of several indicators at once, summarised as
//! fan charts (quantiles per year), means, the probability that each target is met and the
//! distribution of the year it is first reached.
//!
//! # The model
//!
//! Each indicator is a *channel* on a yearly grid from the earliest year any channel or target
//! needs to the `horizon`:
//! - a **simulated** channel starts from a value in its start year and moves by a
//!   [`Process`]: compound growth v·(1 + g), a yearly increment v + d, a logistic step on
//!   ln(v/(K − v)) (a share never passes its ceiling K), a fitted least-squares trend simulated
//!   from its posterior predictive distribution, or a fitted damped Holt model simulated from
//!   its innovations state-space form;
//! - a **ratio** channel is numerator / denominator × scale of two other channels, path by path;
//! - a **known** channel holds given values (e.g. a reference series held at its last value).
//!
//! A growth rate (or increment, or logit slope) is drawn from a [`Distribution`] either every year
//! (i.i.d.) or once per path (persistent), and an optional yearly `shock` is added on top, so
//! g(path, year) = rate(path [, year]) + shock(path, year). Correlations between indicators
//! act on their yearly draws (the yearly rate, or the shock when the rate is per path) and, when
//! both rates are per path, on the per-path draws, through a Gaussian copula: standard normal
//! scores are correlated with the Cholesky factor of the correlation matrix and mapped to each
//! margin (exactly a correlated multivariate normal for normal margins, and in the logarithm
//! for log-normal ones). Values are kept within the indicator's bounds (≥ 0; ≤ 100 for a
//! share) by clamping.
//!
//! # Reproducibility
//!
//! Paths are simulated in fixed-size chunks ([`McConfig::chunk_size`]); chunk *i* draws from
//! its own stream ([`super::stream`]: eight xoshiro256++ lanes keyed by `ChaCha8Rng` with `seed`
//! on stream *i*), and per-chunk partial sums are added
//! in chunk order. Results are therefore bit-identical for any number of threads.
//!
//! # Memory
//!
//! What is held, and nothing more:
//! - per worker thread, one chunk's trajectories: `chunk_size × channels × years` numbers;
//! - per chunk, its partial sums and counts: `(channels × years) + targets × (years + 3)` numbers;
//! - quantiles are exact order statistics of all paths, interpolated as numpy's default
//!   (`linear`, Hyndman and Fan type 7). A *quantile slot* is one indicator-year of the fan
//!   chart (only the years in [`McConfig::fan_years`], and only where the value is random) or
//!   one target's metric.
//!
//! Runs of 2¹⁷ paths or more make one **bracketed pass**: the first 2¹⁵ paths are a pilot
//! whose order statistics bracket each wanted rank (6 binomial standard deviations either
//! side), and for the later chunks each worker keeps, per slot, only a count of the values
//! below each bracket and the values inside it — about 3.4 % of the paths per quantile
//! (2·(3√S + 8)/S of them with S = 2¹⁵) — read while the chunk is still in cache. The counts
//! prove whether each rank fell inside its bracket; when one did not (rare by construction),
//! that slot gets an exact pass below.
//!
//! Exact passes (smaller runs, and the rare slot a bracket missed) hold the values of a slot
//! for every path, 8 bytes a path, in passes of at most [`McConfig::memory_budget`] bytes (at
//! least one slot per pass); every pass re-simulates the same paths from the same seeds, so
//! memory stays bounded by the budget whatever the number of indicators and years, at the
//! price of more simulation when the slots do not fit in one pass. Order statistics are found
//! with selection on order-preserving integer keys rather than a full sort.

use std::collections::HashMap;

use super::ProjectionError;

mod compile;
mod engine;
mod model;
mod order_stats;
mod result;
#[cfg(test)]
mod tests;

use crate::exec::Progress;
pub use model::*;
pub use order_stats::sample_quantiles;
pub use result::*;

use compile::*;
use engine::*;
use order_stats::*;

fn check_config(cfg: &McConfig) -> Result<(), ProjectionError> {
    if cfg.n_paths == 0 {
        return Err(ProjectionError::ZeroPaths);
    }
    if cfg.chunk_size == 0 {
        return Err(ProjectionError::InvalidParameter {
            what: "chunk_size".into(),
            value: 0.0,
            problem: "must be positive",
        });
    }
    for (i, &q) in cfg.quantiles.iter().enumerate() {
        if !(0.0..=1.0).contains(&q) {
            return Err(ProjectionError::InvalidParameter {
                what: "quantile".into(),
                value: q,
                problem: "must be in [0, 1]",
            });
        }
        // A repeated probability would name two fan columns alike.
        if cfg.quantiles[..i].contains(&q) {
            return Err(ProjectionError::InvalidParameter {
                what: "quantile".into(),
                value: q,
                problem: "is listed twice",
            });
        }
    }
    Ok(())
}

/// Runs the simulation (see the module docs).
///
/// ```
/// use innodex::stats::Distribution;
/// use innodex::projection::monte_carlo::{simulate, Channel, McConfig, McModel, McTarget, Process};
/// use innodex::target::Rule;
/// let model = McModel {
///     horizon: 2025,
///     channels: vec![Channel::simulated("hte", 2020, 750.0, Process::Growth {
///         rate: Distribution::normal(0.12, 0.04), per_path: false, shock: None })],
///     targets: vec![McTarget { id: "1500".into(), indicator: "hte".into(),
///         rule: Rule::Level { value: 1500.0, by: 2025 }, base_year: None,
///         higher_is_better: true }],
///     correlations: vec![],
/// };
/// let r = simulate(&model, &McConfig { n_paths: 20_000, seed: 7, ..McConfig::default() }).unwrap();
/// let p = r.targets[0].probability.unwrap();
/// // The median path, 750 · 1.12⁵ ≈ 1322, falls well short of 1500: about one path in twenty
/// // gets there.
/// assert!(p > 0.03 && p < 0.08);
/// ```
///
/// Refuses, before anything is allocated, a run larger than [`McConfig::max_values`] or whose
/// quantile buffer would exceed [`McConfig::max_buffer_bytes`].
fn check_size(cfg: &McConfig, channels: usize, years: usize) -> Result<(), ProjectionError> {
    let saturate = |x: u128| u64::try_from(x).unwrap_or(u64::MAX);
    let values = cfg.n_paths as u128 * channels.max(1) as u128 * years.max(1) as u128;
    if values > u128::from(cfg.max_values) {
        return Err(ProjectionError::TooLarge {
            what: "Monte Carlo values (paths × years × indicators; max_values)",
            size: saturate(values),
            limit: cfg.max_values,
        });
    }
    let bytes = cfg.n_paths as u128 * 8;
    if bytes > u128::from(cfg.max_buffer_bytes) {
        return Err(ProjectionError::TooLarge {
            what: "bytes of one quantile buffer (8 a path; max_buffer_bytes)",
            size: saturate(bytes),
            limit: cfg.max_buffer_bytes,
        });
    }
    Ok(())
}

/// # Errors
/// [`ProjectionError::ZeroPaths`], [`ProjectionError::TooLarge`], invalid distributions ([`ProjectionError::NegativeSpread`],
/// …), a horizon before a start year, unknown channels, bad correlations.
pub fn simulate(model: &McModel, cfg: &McConfig) -> Result<McResult, ProjectionError> {
    simulate_with_progress(model, cfg, &Progress::default())
}

/// [`simulate`], reporting progress and honouring cancellation through `progress`.
///
/// # Errors
/// As [`simulate`], plus [`ProjectionError::Cancelled`].
pub fn simulate_with_progress(
    model: &McModel,
    cfg: &McConfig,
    progress: &Progress,
) -> Result<McResult, ProjectionError> {
    check_config(cfg)?;
    let cm = compile(model)?;
    check_size(cfg, cm.chans.len(), cm.t_len)?;
    let years: Vec<i32> = (0..cm.t_len).map(|t| cm.first_year + t as i32).collect();
    let fan_years: Vec<bool> = years
        .iter()
        .map(|y| cfg.fan_years.as_ref().is_none_or(|f| f.contains(y)))
        .collect();
    let plan = SlotPlan::new(&cm, cfg, &fan_years);
    let (first_stats, slot_q, passes) = run_passes(&cm, cfg, &plan, progress)?;
    let totals = Totals::of(&first_stats, &cm);
    let out = Outputs {
        cm: &cm,
        cfg,
        plan: &plan,
        slot_q: &slot_q,
        totals: &totals,
        years: &years,
    };
    Ok(McResult {
        n_paths: cfg.n_paths,
        seed: cfg.seed,
        quantiles: cfg.quantiles.clone(),
        indicators: out.indicator_fans(model, &fan_years),
        targets: out.target_outcomes(model),
        years,
        passes,
    })
}

/// What the passes order: the fan slots (random channel-years in the fan), then a metric slot
/// per target whose metric is not already a fan slot, and the probabilities of each.
struct SlotPlan {
    slots: Vec<Slot>,
    /// Per compiled target, the slot holding its metric.
    metric_slot: Vec<Slot>,
    /// The fan's probabilities with the metric band's (5, 50, 95 %) added.
    metric_probs: Vec<f64>,
    /// Per slot: whether it is computed at `metric_probs` (else at the fan's).
    at_metric_probs: Vec<bool>,
}

impl SlotPlan {
    fn new(cm: &Compiled, cfg: &McConfig, fan_years: &[bool]) -> SlotPlan {
        let mut metric_probs: Vec<f64> = cfg.quantiles.clone();
        metric_probs.extend([0.05, 0.5, 0.95]);
        metric_probs.sort_by(f64::total_cmp);
        metric_probs.dedup();
        let mut slots = vec![];
        for (c, ch) in cm.chans.iter().enumerate() {
            for (t, (&fan, &random)) in fan_years.iter().zip(&ch.random).enumerate() {
                if fan && random {
                    slots.push(Slot::Fan { c, t });
                }
            }
        }
        // A level target's metric is its indicator's value in the target year: when that
        // year is in the fan, the fan's slot serves both.
        let metric_slot: Vec<Slot> = cm
            .targets
            .iter()
            .enumerate()
            .map(|(k, tg)| match tg.rule {
                CRule::Level { by, .. } if slots.contains(&Slot::Fan { c: tg.c, t: by }) => {
                    Slot::Fan { c: tg.c, t: by }
                }
                _ => Slot::Metric { k },
            })
            .collect();
        for s in &metric_slot {
            if matches!(s, Slot::Metric { .. }) {
                slots.push(*s);
            }
        }
        let at_metric_probs = slots
            .iter()
            .map(|slot| !matches!(slot, Slot::Fan { .. }) || metric_slot.contains(slot))
            .collect();
        SlotPlan {
            slots,
            metric_slot,
            metric_probs,
            at_metric_probs,
        }
    }

    fn probs<'a>(&'a self, cfg: &'a McConfig) -> Vec<&'a [f64]> {
        self.at_metric_probs
            .iter()
            .map(|&m| {
                if m {
                    &self.metric_probs[..]
                } else {
                    &cfg.quantiles[..]
                }
            })
            .collect()
    }

    fn index(&self, s: Slot) -> Option<usize> {
        self.slots.iter().position(|x| *x == s)
    }
}

/// The chunk statistics and every slot's quantiles: one bracketed pass for large runs (only
/// the keys near the wanted ranks, brackets from a pilot sample), then exact passes for the
/// slots whose brackets missed, or for all slots in small runs. Returns the number of passes.
type Passes = (Vec<ChunkStats>, HashMap<usize, Vec<f64>>, usize);

fn run_passes(
    cm: &Compiled,
    cfg: &McConfig,
    plan: &SlotPlan,
    progress: &Progress,
) -> Result<Passes, ProjectionError> {
    let n_paths = cfg.n_paths;
    let n_chunks = n_paths.div_ceil(cfg.chunk_size);
    let probs = plan.probs(cfg);
    let mut first_stats: Vec<ChunkStats> = vec![];
    let mut slot_q: HashMap<usize, Vec<f64>> = HashMap::new();
    let mut pending: Vec<usize> = (0..plan.slots.len()).collect();
    let bracketed = n_paths >= BRACKETED_MIN_PATHS && !plan.slots.is_empty();
    if bracketed {
        progress.set_total(n_chunks);
        let (stats, qs) = bracketed_pass(cm, cfg, &plan.slots, &probs, progress)?;
        first_stats = stats;
        pending.clear();
        for (i, q) in qs.into_iter().enumerate() {
            match q {
                Some(q) => {
                    slot_q.insert(i, q);
                }
                None => pending.push(i),
            }
        }
    }
    // Exact passes: every key of a group of slots held (as many slots at once as the memory
    // budget allows), the first pass also gathering the chunk statistics.
    let per_pass = (cfg.memory_budget / (n_paths * 8)).max(1);
    let groups: Vec<&[usize]> = if pending.is_empty() {
        if first_stats.is_empty() {
            vec![&[]]
        } else {
            vec![]
        }
    } else {
        pending.chunks(per_pass).collect()
    };
    if bracketed {
        progress.add_total(groups.len() * n_chunks);
    } else {
        progress.set_total(groups.len() * n_chunks);
    }
    let passes = usize::from(bracketed) + groups.len();
    for group in groups {
        let want_stats = first_stats.is_empty();
        let (stats, qs) = exact_pass(cm, cfg, &plan.slots, &probs, group, want_stats, progress)?;
        if let Some(stats) = stats {
            first_stats = stats;
        }
        for (&i, q) in group.iter().zip(qs) {
            slot_q.insert(i, q);
        }
    }
    Ok((first_stats, slot_q, passes))
}

/// The fewest path-years (paths × years of the grid × channels) that a run spreads over the
/// thread pool, its chunks and its quantiles: below it, they take less than waking a second core
/// does (measured: 10^4 paths × 6 years × 1 channel, 6·10^4, in ~190 µs on the calling thread,
/// against 170–265 µs on two cores, the upper figure when the other core had been idle).
const PARALLEL_MIN_PATH_YEARS: usize = 1 << 17;

/// One exact pass over every path, holding all keys of the slots in `group`; with
/// `want_stats`, also the chunk statistics.
type ExactPass = (Option<Vec<ChunkStats>>, Vec<Vec<f64>>);

fn exact_pass(
    cm: &Compiled,
    cfg: &McConfig,
    slots: &[Slot],
    probs: &[&[f64]],
    group: &[usize],
    want_stats: bool,
    progress: &Progress,
) -> Result<ExactPass, ProjectionError> {
    let (n_paths, chunk) = (cfg.n_paths, cfg.chunk_size);
    let n_chunks = n_paths.div_ceil(chunk);
    let group_slots: Vec<Slot> = group.iter().map(|&i| slots[i]).collect();
    let mut bufs: Vec<Vec<u64>> = group.iter().map(|_| vec![0u64; n_paths]).collect();
    let mut per_chunk: Vec<Vec<&mut [u64]>> = (0..n_chunks)
        .map(|_| Vec::with_capacity(group.len()))
        .collect();
    for b in bufs.iter_mut() {
        for (i, sl) in b.chunks_mut(chunk).enumerate() {
            per_chunk[i].push(sl);
        }
    }
    // Scratch buffers are reused by each worker; every chunk overwrites what it reads. A small
    // run stays on the calling thread (`PARALLEL_MIN_PATH_YEARS`).
    let parallel = n_paths
        .saturating_mul(cm.t_len)
        .saturating_mul(cm.chans.len().max(1))
        >= PARALLEL_MIN_PATH_YEARS;
    let results: Vec<Option<ChunkStats>> =
        crate::exec::map_chunks_with(per_chunk, parallel, Scratch::default, |s, ci, mut outs| {
            if progress.is_cancelled() {
                return None;
            }
            let n = chunk.min(n_paths - ci * chunk);
            let st = chunk_work(cm, ci, n, cfg.seed, s, want_stats, &group_slots, &mut outs);
            progress.advance(1);
            Some(st)
        });
    if progress.is_cancelled() {
        return Err(ProjectionError::Cancelled);
    }
    let stats = want_stats.then(|| {
        results
            .into_iter()
            .map(|r| r.expect("not cancelled"))
            .collect()
    });
    let jobs: Vec<(&mut Vec<u64>, &usize)> = bufs.iter_mut().zip(group).collect();
    let qs: Vec<Vec<f64>> = crate::exec::map_chunks_with(
        jobs,
        parallel,
        || (),
        |_, _, (b, &i)| quantiles_of(b, probs[i]),
    );
    Ok((stats, qs))
}

/// The chunk statistics summed in chunk order (bit-identical for any thread count).
struct Totals {
    sums: Vec<f64>,
    met: Vec<u64>,
    att: Vec<u64>,
    metric_sums: Vec<f64>,
}

impl Totals {
    fn of(stats: &[ChunkStats], cm: &Compiled) -> Totals {
        let n_targets = cm.targets.len();
        let mut t = Totals {
            sums: vec![0.0; cm.chans.len() * cm.t_len],
            met: vec![0u64; n_targets],
            att: vec![0u64; n_targets * (cm.t_len + 1)],
            metric_sums: vec![0.0; n_targets],
        };
        for st in stats {
            for (a, b) in t.sums.iter_mut().zip(&st.sums) {
                *a += b;
            }
            for (a, b) in t.met.iter_mut().zip(&st.met) {
                *a += b;
            }
            for (a, b) in t.att.iter_mut().zip(&st.att) {
                *a += b;
            }
            for (a, b) in t.metric_sums.iter_mut().zip(&st.metric_sums) {
                *a += b;
            }
        }
        t
    }
}

/// What the result is built from.
struct Outputs<'a> {
    cm: &'a Compiled,
    cfg: &'a McConfig,
    plan: &'a SlotPlan,
    slot_q: &'a HashMap<usize, Vec<f64>>,
    totals: &'a Totals,
    years: &'a [i32],
}

impl Outputs<'_> {
    fn quantiles(&self, s: Slot) -> Option<&Vec<f64>> {
        self.plan.index(s).and_then(|i| self.slot_q.get(&i))
    }

    /// The value of a metric-probability quantile vector at probability `p`.
    fn at(&self, q: &[f64], p: f64) -> f64 {
        let i = self
            .plan
            .metric_probs
            .iter()
            .position(|x| *x == p)
            .expect("always computed");
        q[i]
    }

    fn indicator_fans(&self, model: &McModel, fan_years: &[bool]) -> Vec<IndicatorFan> {
        let (cm, cfg, years) = (self.cm, self.cfg, self.years);
        let (t_len, pn) = (cm.t_len, cfg.n_paths as f64);
        cm.chans
            .iter()
            .enumerate()
            .map(|(c, ch)| {
                let mut mean = vec![];
                let mut quant = vec![];
                for (t, &in_fan) in fan_years.iter().enumerate() {
                    if !ch.avail[t] {
                        mean.push(None);
                        quant.push(None);
                        continue;
                    }
                    let m = self.totals.sums[c * t_len + t] / pn;
                    mean.push(m.is_finite().then_some(m));
                    quant.push(if !in_fan {
                        None
                    } else if ch.random[t] {
                        let s = Slot::Fan { c, t };
                        self.quantiles(s).map(|q| {
                            if self.plan.metric_slot.contains(&s) {
                                // Computed at the metric probabilities: pick the fan's.
                                cfg.quantiles.iter().map(|&p| self.at(q, p)).collect()
                            } else {
                                q.clone()
                            }
                        })
                    } else {
                        m.is_finite().then(|| vec![m; cfg.quantiles.len()])
                    });
                }
                IndicatorFan {
                    id: model.channels[c].id.clone(),
                    years: years.to_vec(),
                    simulated_from: match &ch.kind {
                        CKind::Sim { start, .. } => Some(years[*start] + 1),
                        CKind::Ratio { .. } => ch.random.iter().position(|&r| r).map(|t| years[t]),
                        CKind::Known => None,
                    },
                    mean,
                    quantiles: quant,
                }
            })
            .collect()
    }

    fn target_outcomes(&self, model: &McModel) -> Vec<TargetOutcome> {
        model
            .targets
            .iter()
            .zip(&self.cm.target_map)
            .map(|(t, m)| {
                let mut out = TargetOutcome {
                    id: t.id.clone(),
                    indicator: t.indicator.clone(),
                    target_year: t.rule.target_year(),
                    not_projected: None,
                    metric: t.metric_name().to_string(),
                    threshold: t.threshold(),
                    probability: None,
                    probability_se: None,
                    metric_mean: None,
                    metric_band: None,
                    metric_quantiles: None,
                    attainment: None,
                };
                match m {
                    Ok(k) => self.fill_outcome(&mut out, *k),
                    Err(why) => out.not_projected = Some(why.clone()),
                }
                out
            })
            .collect()
    }

    fn fill_outcome(&self, out: &mut TargetOutcome, k: usize) {
        let (cm, years, n_paths) = (self.cm, self.years, self.cfg.n_paths);
        let (t_len, pn) = (cm.t_len, n_paths as f64);
        let p = self.totals.met[k] as f64 / pn;
        out.probability = Some(p);
        out.probability_se = Some((p * (1.0 - p) / pn).sqrt());
        out.metric_mean = Some(self.totals.metric_sums[k] / pn);
        if let Some(q) = self.quantiles(self.plan.metric_slot[k]) {
            out.metric_band = Some([self.at(q, 0.05), self.at(q, 0.5), self.at(q, 0.95)]);
            out.metric_quantiles =
                Some(self.cfg.quantiles.iter().map(|&p| self.at(q, p)).collect());
        }
        if let Some(from) = cm.targets[k].att_from {
            let counts = &self.totals.att[k * (t_len + 1)..(k + 1) * (t_len + 1)];
            let probability: Vec<f64> =
                counts[from..t_len].iter().map(|&c| c as f64 / pn).collect();
            let mut cum = 0u64;
            let mut median_year = None;
            for (t, &c) in counts.iter().enumerate().take(t_len).skip(from) {
                cum += c;
                if 2 * cum >= n_paths as u64 {
                    median_year = Some(years[t]);
                    break;
                }
            }
            out.attainment = Some(Attainment {
                years: years[from..].to_vec(),
                probability,
                not_by_horizon: counts[t_len] as f64 / pn,
                median_year,
            });
        }
    }
}
