//! The model compiled for simulation: channels in dependency order, inputs resolved to
//! constants or yearly series, correlated groups with their Cholesky factors, targets as slots.

use std::collections::HashMap;

use statrs::distribution::ChiSquared;

use super::*;
use crate::projection::ProjectionError;
use crate::projection::dist::{Role, Sampler};
use crate::projection::fit::OlsLine;
use crate::projection::methods::{DampedHolt, logit};
use crate::stats::Distribution;
use crate::target::Rule;

// ------------------------------------------------------------------------------ compiled form

#[derive(Debug, Clone, Copy)]
pub(super) enum In {
    Const(f64),
    Yearly(usize),
    Path(usize),
}

impl In {
    #[inline]
    pub(super) fn get(self, yd: &[f64], pd: &[f64], n: usize, p: usize) -> f64 {
        match self {
            In::Const(v) => v,
            In::Yearly(k) => yd[k * n + p],
            In::Path(k) => pd[k * n + p],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum StepKind {
    Growth,
    Increment,
    Logistic(f64),
}

#[derive(Debug, Clone)]
pub(super) enum CProc {
    Step {
        kind: StepKind,
        rate: In,
        shock: In,
    },
    Trend {
        scale: TrendScale,
        line: OlsLine,
        chi: Option<ChiSquared>,
        slot: usize,
    },
    Holt {
        m: DampedHolt,
        sigma: Option<f64>,
        slot: usize,
    },
}

#[derive(Debug, Clone)]
pub(super) enum CKind {
    Known,
    Sim {
        start: usize,
        value: f64,
        proc: CProc,
    },
    Ratio {
        num: usize,
        den: usize,
        scale: f64,
    },
}

#[derive(Debug, Clone)]
pub(super) struct CChan {
    pub(super) known: Vec<f64>,
    pub(super) kind: CKind,
    pub(super) lo: f64,
    pub(super) hi: f64,
    /// Whether the value can differ between paths, per grid year.
    pub(super) random: Vec<bool>,
    /// Whether the value is available, per grid year.
    pub(super) avail: Vec<bool>,
}

#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) members: Vec<usize>,
    /// Lower-triangular Cholesky factor, row-major m × m.
    pub(super) chol: Vec<f64>,
}

#[derive(Debug, Clone)]
pub(super) enum CRule {
    Level {
        thr: f64,
        by: usize,
    },
    Multiple {
        thr: f64,
        base: usize,
        by: usize,
    },
    Reference {
        r: usize,
        margin: f64,
        by: usize,
    },
    Flow {
        thr: f64,
        from: usize,
        to: usize,
    },
    Net {
        thr: f64,
        from: usize,
        to: usize,
    },
    Growth {
        min_rate: f64,
        base: usize,
        to: usize,
    },
    Cumulative {
        thr: f64,
        from: usize,
        to: usize,
    },
}

#[derive(Debug, Clone)]
pub(super) struct CTarget {
    pub(super) c: usize,
    pub(super) rule: CRule,
    pub(super) higher: bool,
    /// First grid index searched for attainment (None: not defined).
    pub(super) att_from: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Slot {
    Fan { c: usize, t: usize },
    Metric { k: usize },
}

pub(super) struct Compiled {
    pub(super) first_year: i32,
    pub(super) t_len: usize,
    pub(super) chans: Vec<CChan>,
    pub(super) order: Vec<usize>,
    pub(super) yearly: Vec<Sampler>,
    pub(super) yearly_groups: Vec<Group>,
    pub(super) yearly_free: Vec<usize>,
    pub(super) path: Vec<Sampler>,
    pub(super) path_groups: Vec<Group>,
    pub(super) path_free: Vec<usize>,
    pub(super) n_trend: usize,
    pub(super) n_holt: usize,
    pub(super) targets: Vec<CTarget>,
    /// Index into `targets` for each model target, or the reason it is not projected.
    pub(super) target_map: Vec<Result<usize, String>>,
}

/// The years of the simulation grid: from the earliest start year or target base year to the
/// horizon.
#[derive(Debug, Clone, Copy)]
struct Grid {
    first: i32,
    horizon: i32,
}

impl Grid {
    fn of(model: &McModel) -> Result<Grid, ProjectionError> {
        let mut first = i32::MAX;
        for c in &model.channels {
            if let ChannelKind::Simulated { start_year, .. } = c.kind {
                if start_year > model.horizon {
                    return Err(ProjectionError::HorizonBeforeLastObservation {
                        indicator: c.id.clone(),
                        horizon: model.horizon,
                        last: start_year,
                    });
                }
                first = first.min(start_year);
            }
        }
        if first == i32::MAX {
            return Err(invalid("simulation", "no simulated indicator".into()));
        }
        for t in &model.targets {
            if t.rule.target_year() <= model.horizon {
                let y = match &t.rule {
                    Rule::Level { by, .. } => Some(*by),
                    Rule::MultipleOfBase { .. } | Rule::AtLeastReference { .. } => t.base_year,
                    Rule::YearlyFlow { from, .. } | Rule::CumulativeFlow { from, .. } => {
                        Some(*from)
                    }
                    Rule::NetIncrease { from, .. } | Rule::GrowthFloor { from, .. } => {
                        Some(from - 1)
                    }
                };
                first = y.map_or(first, |y| first.min(y));
            }
        }
        Ok(Grid {
            first,
            horizon: model.horizon,
        })
    }

    fn len(self) -> usize {
        (self.horizon - self.first + 1) as usize
    }

    fn idx(self, y: i32) -> Option<usize> {
        (y >= self.first && y <= self.horizon).then(|| (y - self.first) as usize)
    }
}

fn invalid(what: &str, problem: String) -> ProjectionError {
    ProjectionError::InvalidInput {
        what: what.into(),
        problem,
    }
}

/// The random inputs, in the order channels compile (that order fixes the random streams).
#[derive(Default)]
struct Inputs {
    yearly: Vec<Sampler>,
    path: Vec<Sampler>,
    n_trend: usize,
    n_holt: usize,
}

/// A channel's draws that a correlation may bind: its yearly input and its per-path input.
#[derive(Default, Clone, Copy)]
struct Correlatable {
    yearly: Option<usize>,
    path: Option<usize>,
}

impl Inputs {
    fn input(
        &mut self,
        d: &Distribution,
        per_path: bool,
        role: Role,
        what: &str,
    ) -> Result<In, ProjectionError> {
        let s = Sampler::new(d, role, what)?;
        Ok(if let Sampler::Fixed(v) = s {
            In::Const(v)
        } else if per_path {
            self.path.push(s);
            In::Path(self.path.len() - 1)
        } else {
            self.yearly.push(s);
            In::Yearly(self.yearly.len() - 1)
        })
    }
}

pub(super) fn compile(model: &McModel) -> Result<Compiled, ProjectionError> {
    let ids: HashMap<&str, usize> = model
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    if ids.len() != model.channels.len() {
        return Err(invalid("simulation", "two channels share an id".into()));
    }
    let grid = Grid::of(model)?;
    let mut inputs = Inputs::default();
    let mut correlatable = vec![Correlatable::default(); model.channels.len()];
    let mut chans = Vec::with_capacity(model.channels.len());
    for (ci, c) in model.channels.iter().enumerate() {
        let (kind, corr) = channel_kind(model, c, &ids, grid, &mut inputs)?;
        correlatable[ci] = corr;
        chans.push(CChan {
            known: known_values(c, grid)?,
            kind,
            lo: c.bounds.0,
            hi: c.bounds.1,
            random: vec![false; grid.len()],
            avail: vec![false; grid.len()],
        });
    }
    mark_availability(&mut chans, grid.len());
    // Ratios run after the channels they divide.
    let mut order: Vec<usize> = (0..chans.len())
        .filter(|&i| !matches!(chans[i].kind, CKind::Ratio { .. }))
        .collect();
    order.extend((0..chans.len()).filter(|&i| matches!(chans[i].kind, CKind::Ratio { .. })));
    let (yearly_pairs, path_pairs) = correlation_pairs(model, &ids, &correlatable)?;
    let (yearly_groups, yearly_free) = correlation_group(&yearly_pairs, inputs.yearly.len())?;
    let (path_groups, path_free) = correlation_group(&path_pairs, inputs.path.len())?;
    let (targets, target_map) = compile_targets(model, &ids, &chans, grid);
    Ok(Compiled {
        first_year: grid.first,
        t_len: grid.len(),
        chans,
        order,
        yearly: inputs.yearly,
        yearly_groups,
        yearly_free,
        path: inputs.path,
        path_groups,
        path_free,
        n_trend: inputs.n_trend,
        n_holt: inputs.n_holt,
        targets,
        target_map,
    })
}

/// A channel's known values on the grid (NaN where none).
fn known_values(c: &Channel, grid: Grid) -> Result<Vec<f64>, ProjectionError> {
    let mut known = vec![f64::NAN; grid.len()];
    for &(y, v) in &c.known {
        if let Some(t) = grid.idx(y) {
            if !v.is_finite() {
                return Err(invalid(
                    &format!("indicator `{}`", c.id),
                    format!("known value of {y} is not finite"),
                ));
            }
            known[t] = v;
        }
    }
    Ok(known)
}

fn channel_kind(
    model: &McModel,
    c: &Channel,
    ids: &HashMap<&str, usize>,
    grid: Grid,
    inputs: &mut Inputs,
) -> Result<(CKind, Correlatable), ProjectionError> {
    match &c.kind {
        ChannelKind::Known => Ok((CKind::Known, Correlatable::default())),
        ChannelKind::Ratio {
            numerator,
            denominator,
            scale,
        } => {
            let find = |id: &String| {
                ids.get(id.as_str())
                    .copied()
                    .ok_or_else(|| ProjectionError::UnknownIndicator {
                        scenario: String::new(),
                        indicator: id.clone(),
                    })
            };
            let (num, den) = (find(numerator)?, find(denominator)?);
            for part in [num, den] {
                if matches!(model.channels[part].kind, ChannelKind::Ratio { .. }) {
                    return Err(invalid(
                        &format!("ratio `{}`", c.id),
                        "a ratio of ratios is not supported".into(),
                    ));
                }
            }
            let kind = CKind::Ratio {
                num,
                den,
                scale: *scale,
            };
            Ok((kind, Correlatable::default()))
        }
        ChannelKind::Simulated {
            start_year,
            start_value,
            process,
        } => {
            let (lo, hi) = c.bounds;
            let what = |s: &str| format!("indicator `{}` {s}", c.id);
            if !start_value.is_finite() || *start_value < lo || *start_value > hi {
                return Err(invalid(
                    &what("start value"),
                    if hi >= f64::MAX {
                        format!("{start_value} is below {lo} (values must be ≥ {lo})")
                    } else {
                        format!("{start_value} is outside [{lo}, {hi}]")
                    },
                ));
            }
            let (proc, corr) = compile_process(&c.id, *start_value, process, inputs)?;
            let kind = CKind::Sim {
                start: grid.idx(*start_year).expect("within the grid"),
                value: *start_value,
                proc,
            };
            Ok((kind, corr))
        }
    }
}

fn compile_process(
    id: &str,
    start_value: f64,
    process: &Process,
    inputs: &mut Inputs,
) -> Result<(CProc, Correlatable), ProjectionError> {
    let what = |s: &str| format!("indicator `{id}` {s}");
    match process {
        Process::Growth {
            rate,
            per_path,
            shock,
        }
        | Process::Increment {
            step: rate,
            per_path,
            shock,
        }
        | Process::Logistic {
            rate,
            per_path,
            shock,
            ..
        } => {
            let kind = match process {
                Process::Growth { .. } => StepKind::Growth,
                Process::Logistic { ceiling, .. } => {
                    logit(start_value, *ceiling)?;
                    StepKind::Logistic(*ceiling)
                }
                _ => StepKind::Increment,
            };
            let role = if kind == StepKind::Growth {
                Role::Rate
            } else {
                Role::Plain
            };
            let r = inputs.input(rate, *per_path, role, &what("rate"))?;
            let s = match shock {
                Some(d) => inputs.input(d, false, Role::Plain, &what("shock"))?,
                None => In::Const(0.0),
            };
            if let In::Const(g) = r
                && kind == StepKind::Growth
                && g <= -1.0
            {
                return Err(ProjectionError::InvalidParameter {
                    what: what("rate"),
                    value: g,
                    problem: "must be greater than -1",
                });
            }
            let corr = Correlatable {
                yearly: match (r, s) {
                    (In::Yearly(k), _) | (_, In::Yearly(k)) => Some(k),
                    _ => None,
                },
                path: match r {
                    In::Path(k) => Some(k),
                    _ => None,
                },
            };
            let proc = CProc::Step {
                kind,
                rate: r,
                shock: s,
            };
            Ok((proc, corr))
        }
        Process::Trend {
            scale,
            line,
            simulate,
        } => {
            let chi = if *simulate {
                if line.df() == 0 {
                    return Err(ProjectionError::TooFewObservations {
                        method: format!("simulated trend of `{id}`"),
                        needed: 3,
                        got: line.n,
                    });
                }
                Some(ChiSquared::new(line.df() as f64).expect("df > 0"))
            } else {
                None
            };
            inputs.n_trend += 1;
            let proc = CProc::Trend {
                scale: *scale,
                line: *line,
                chi,
                slot: inputs.n_trend - 1,
            };
            Ok((proc, Correlatable::default()))
        }
        Process::Holt { model: m, simulate } => {
            let sigma = if *simulate {
                Some(m.sigma2().map(f64::sqrt).ok_or_else(|| {
                    ProjectionError::TooFewObservations {
                        method: format!("simulated damped Holt of `{id}`"),
                        needed: m.n_fitted + 1,
                        got: m.n,
                    }
                })?)
            } else {
                None
            };
            inputs.n_holt += 1;
            let proc = CProc::Holt {
                m: m.clone(),
                sigma,
                slot: inputs.n_holt - 1,
            };
            Ok((proc, Correlatable::default()))
        }
    }
}

/// Availability and randomness per year: simulated and known channels first, then ratios
/// (available where both parts are, or where observed themselves).
fn mark_availability(chans: &mut [CChan], t_len: usize) {
    for c in chans.iter_mut() {
        match &c.kind {
            CKind::Known => {
                for t in 0..t_len {
                    c.avail[t] = c.known[t].is_finite();
                }
            }
            CKind::Sim { start, proc, .. } => {
                let stochastic = match proc {
                    CProc::Step { rate, shock, .. } => {
                        !matches!(rate, In::Const(_)) || !matches!(shock, In::Const(_))
                    }
                    CProc::Trend { chi, .. } => chi.is_some(),
                    CProc::Holt { sigma, .. } => sigma.is_some(),
                };
                for t in 0..t_len {
                    c.avail[t] = t >= *start || c.known[t].is_finite();
                    c.random[t] = t > *start && stochastic;
                }
            }
            CKind::Ratio { .. } => {}
        }
    }
    for i in 0..chans.len() {
        if let CKind::Ratio { num, den, .. } = chans[i].kind {
            for t in 0..t_len {
                let both = chans[num].avail[t] && chans[den].avail[t];
                let random = both && (chans[num].random[t] || chans[den].random[t]);
                let own = chans[i].known[t].is_finite();
                chans[i].avail[t] = both || own;
                chans[i].random[t] = random;
            }
        }
    }
}

type Pairs = Vec<(usize, usize, f64)>;

/// The model's correlations as pairs of yearly inputs and pairs of per-path inputs.
fn correlation_pairs(
    model: &McModel,
    ids: &HashMap<&str, usize>,
    correlatable: &[Correlatable],
) -> Result<(Pairs, Pairs), ProjectionError> {
    let mut yearly_pairs = vec![];
    let mut path_pairs = vec![];
    for cor in &model.correlations {
        let find = |id: &str| {
            ids.get(id)
                .copied()
                .ok_or_else(|| ProjectionError::UnknownIndicator {
                    scenario: String::new(),
                    indicator: id.to_string(),
                })
        };
        let (a, b) = (find(&cor.a)?, find(&cor.b)?);
        if !(cor.rho.is_finite() && cor.rho.abs() <= 1.0) || a == b {
            return Err(ProjectionError::Correlation {
                problem: format!(
                    "correlation of `{}` and `{}` must be in [-1, 1] between two different indicators, got {}",
                    cor.a, cor.b, cor.rho
                ),
            });
        }
        let (ca, cb) = (correlatable[a], correlatable[b]);
        let mut used = false;
        if let (Some(x), Some(y)) = (ca.yearly, cb.yearly) {
            yearly_pairs.push((x, y, cor.rho));
            used = true;
        }
        if let (Some(x), Some(y)) = (ca.path, cb.path) {
            path_pairs.push((x, y, cor.rho));
            used = true;
        }
        if !used {
            return Err(ProjectionError::Correlation {
                problem: format!(
                    "`{}` and `{}` have no random draws of the same kind (yearly or per path) to correlate",
                    cor.a, cor.b
                ),
            });
        }
    }
    Ok((yearly_pairs, path_pairs))
}

/// One correlated group of the inputs named in `pairs` (with its Cholesky factor) and the
/// inputs left free.
fn correlation_group(
    pairs: &[(usize, usize, f64)],
    n_inputs: usize,
) -> Result<(Vec<Group>, Vec<usize>), ProjectionError> {
    if pairs.is_empty() {
        return Ok((vec![], (0..n_inputs).collect()));
    }
    let mut members: Vec<usize> = pairs.iter().flat_map(|p| [p.0, p.1]).collect();
    members.sort_unstable();
    members.dedup();
    let m = members.len();
    let pos = |k: usize| members.iter().position(|&x| x == k).expect("member");
    let mut a = vec![0.0; m * m];
    for i in 0..m {
        a[i * m + i] = 1.0;
    }
    for &(x, y, r) in pairs {
        let (i, j) = (pos(x), pos(y));
        a[i * m + j] = r;
        a[j * m + i] = r;
    }
    let chol = crate::stats::cholesky(&a, m).ok_or_else(|| ProjectionError::Correlation {
        problem: "the correlation matrix is not positive definite".into(),
    })?;
    let free = (0..n_inputs).filter(|k| !members.contains(k)).collect();
    Ok((vec![Group { members, chol }], free))
}

/// The targets the grid can check, and for each model target its slot or why it is not
/// projected.
fn compile_targets(
    model: &McModel,
    ids: &HashMap<&str, usize>,
    chans: &[CChan],
    grid: Grid,
) -> (Vec<CTarget>, Vec<Result<usize, String>>) {
    let mut targets = vec![];
    let mut target_map = vec![];
    for t in &model.targets {
        let compiled = compile_target(model, t, ids, chans, grid);
        target_map.push(compiled.map(|ct| {
            targets.push(ct);
            targets.len() - 1
        }));
    }
    (targets, target_map)
}

fn compile_target(
    model: &McModel,
    t: &McTarget,
    ids: &HashMap<&str, usize>,
    chans: &[CChan],
    grid: Grid,
) -> Result<CTarget, String> {
    let &c = ids
        .get(t.indicator.as_str())
        .ok_or_else(|| format!("indicator `{}` is not projected", t.indicator))?;
    let ty = t.rule.target_year();
    if ty > model.horizon {
        return Err(format!(
            "target year {ty} is after the horizon {}",
            model.horizon
        ));
    }
    // The grid positions of `years`, each of which needs a value of channel `ch`.
    let need = |ch: usize, years: &[i32]| -> Result<Vec<usize>, String> {
        years
            .iter()
            .map(|&y| match grid.idx(y) {
                Some(i) if chans[ch].avail[i] => Ok(i),
                _ => Err(format!(
                    "no value of `{}` in {y} (neither observed nor projected)",
                    model.channels[ch].id
                )),
            })
            .collect()
    };
    let span = |a: i32, b: i32| (a..=b).collect::<Vec<i32>>();
    let last = |i: &[usize]| *i.last().expect("non-empty");
    let (rule, att_from) = match &t.rule {
        Rule::Level { value, by } => {
            let i = need(c, &[*by])?;
            let from = (0..grid.len()).find(|&k| chans[c].avail[k]).unwrap_or(i[0]);
            (
                CRule::Level {
                    thr: *value,
                    by: i[0],
                },
                Some(from),
            )
        }
        Rule::MultipleOfBase { factor, by } => {
            let base_year = t
                .base_year
                .ok_or_else(|| "a multiple of a base needs `base_year`".to_string())?;
            let i = need(c, &[base_year, *by])?;
            let rule = CRule::Multiple {
                thr: *factor,
                base: i[0],
                by: i[1],
            };
            (rule, Some(i[0] + 1))
        }
        Rule::AtLeastReference {
            reference,
            margin,
            by,
        } => {
            let r = *ids
                .get(reference.as_str())
                .ok_or_else(|| format!("reference `{reference}` is not projected"))?;
            let i = need(c, &[*by])?;
            need(r, &[*by])?;
            let from = t.base_year.and_then(|b| grid.idx(b)).map_or(0, |b| b + 1);
            let rule = CRule::Reference {
                r,
                margin: *margin,
                by: i[0],
            };
            (rule, Some(from))
        }
        Rule::YearlyFlow { min, from, to } => {
            let i = need(c, &span(*from, *to))?;
            let rule = CRule::Flow {
                thr: *min,
                from: i[0],
                to: last(&i),
            };
            (rule, None)
        }
        Rule::NetIncrease { min, from, to } => {
            let i = need(c, &span(from - 1, *to))?;
            let rule = CRule::Net {
                thr: *min,
                from: i[1],
                to: last(&i),
            };
            (rule, None)
        }
        Rule::GrowthFloor { min_rate, from, to } => {
            let i = need(c, &[from - 1, *to])?;
            let rule = CRule::Growth {
                min_rate: *min_rate,
                base: i[0],
                to: i[1],
            };
            (rule, None)
        }
        Rule::CumulativeFlow {
            min_total,
            from,
            to,
        } => {
            let i = need(c, &span(*from, *to))?;
            // Attainment may come after `to` only while values exist.
            let rule = CRule::Cumulative {
                thr: *min_total,
                from: i[0],
                to: last(&i),
            };
            (rule, Some(i[0]))
        }
    };
    Ok(CTarget {
        c,
        rule,
        higher: t.higher_is_better,
        att_from,
    })
}
