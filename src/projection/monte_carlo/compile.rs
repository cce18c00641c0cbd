//! The model compiled for simulation: channels in dependency order, inputs resolved to
//! constants or yearly series, correlated groups with their Cholesky factors, targets as slots.

use std::collections::HashMap;

use statrs::distribution::ChiSquared;

use super::*;
use crate::projection::ProjectionError;
use crate::projection::dist::{Dist, Role, Sampler};
use crate::projection::fit::OlsLine;
use crate::projection::methods::{DampedHolt, logit};

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

pub(super) fn compile(model: &McModel) -> Result<Compiled, ProjectionError> {
    let ids: HashMap<&str, usize> = model
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    if ids.len() != model.channels.len() {
        return Err(ProjectionError::InvalidInput {
            what: "simulation".into(),
            problem: "two channels share an id".into(),
        });
    }
    // The grid: from the earliest start year or target base year to the horizon.
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
        return Err(ProjectionError::InvalidInput {
            what: "simulation".into(),
            problem: "no simulated indicator".into(),
        });
    }
    for t in &model.targets {
        if t.rule.target_year() <= model.horizon {
            let y = match &t.rule {
                McRule::Level { by, .. } => *by,
                McRule::MultipleOfBase { base_year, .. }
                | McRule::AtLeastReference { base_year, .. } => *base_year,
                McRule::YearlyFlow { from, .. } | McRule::CumulativeFlow { from, .. } => *from,
                McRule::NetIncrease { from, .. } | McRule::GrowthFloor { from, .. } => from - 1,
            };
            first = first.min(y);
        }
    }
    let t_len = (model.horizon - first + 1) as usize;
    let idx = |y: i32| -> Option<usize> {
        (y >= first && y <= model.horizon).then(|| (y - first) as usize)
    };

    let mut yearly: Vec<Sampler> = vec![];
    let mut path: Vec<Sampler> = vec![];
    // Per channel: its yearly correlatable input and per-path input.
    let mut corr_yearly: Vec<Option<usize>> = vec![None; model.channels.len()];
    let mut corr_path: Vec<Option<usize>> = vec![None; model.channels.len()];
    let (mut n_trend, mut n_holt) = (0, 0);
    let mut chans = Vec::with_capacity(model.channels.len());
    for (ci, c) in model.channels.iter().enumerate() {
        let mut known = vec![f64::NAN; t_len];
        for &(y, v) in &c.known {
            if let Some(t) = idx(y) {
                if !v.is_finite() {
                    return Err(ProjectionError::InvalidInput {
                        what: format!("indicator `{}`", c.id),
                        problem: format!("known value of {y} is not finite"),
                    });
                }
                known[t] = v;
            }
        }
        let (lo, hi) = c.bounds;
        let kind = match &c.kind {
            ChannelKind::Known => CKind::Known,
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
                        return Err(ProjectionError::InvalidInput {
                            what: format!("ratio `{}`", c.id),
                            problem: "a ratio of ratios is not supported".into(),
                        });
                    }
                }
                CKind::Ratio {
                    num,
                    den,
                    scale: *scale,
                }
            }
            ChannelKind::Simulated {
                start_year,
                start_value,
                process,
            } => {
                let what = |s: &str| format!("indicator `{}` {s}", c.id);
                if !start_value.is_finite() || *start_value < lo || *start_value > hi {
                    return Err(ProjectionError::InvalidInput {
                        what: what("start value"),
                        problem: if hi >= f64::MAX {
                            format!("{start_value} is below {lo} (values must be ≥ {lo})")
                        } else {
                            format!("{start_value} is outside [{lo}, {hi}]")
                        },
                    });
                }
                let start = idx(*start_year).expect("within the grid");
                let mut input = |d: &Dist,
                                 per_path: bool,
                                 role: Role,
                                 name: &str|
                 -> Result<In, ProjectionError> {
                    let s = Sampler::new(d, role, &what(name))?;
                    Ok(if let Sampler::Fixed(v) = s {
                        In::Const(v)
                    } else if per_path {
                        path.push(s);
                        In::Path(path.len() - 1)
                    } else {
                        yearly.push(s);
                        In::Yearly(yearly.len() - 1)
                    })
                };
                let proc = match process {
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
                            Process::Increment { .. } => StepKind::Increment,
                            Process::Logistic { ceiling, .. } => {
                                logit(*start_value, *ceiling)?;
                                StepKind::Logistic(*ceiling)
                            }
                            _ => unreachable!(),
                        };
                        let role = if kind == StepKind::Growth {
                            Role::Rate
                        } else {
                            Role::Plain
                        };
                        let r = input(rate, *per_path, role, "rate")?;
                        let s = match shock {
                            Some(d) => input(d, false, Role::Plain, "shock")?,
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
                        match (r, s) {
                            (In::Yearly(k), _) => corr_yearly[ci] = Some(k),
                            (_, In::Yearly(k)) => corr_yearly[ci] = Some(k),
                            _ => {}
                        }
                        if let In::Path(k) = r {
                            corr_path[ci] = Some(k);
                        }
                        CProc::Step {
                            kind,
                            rate: r,
                            shock: s,
                        }
                    }
                    Process::Trend {
                        scale,
                        line,
                        simulate,
                    } => {
                        let chi = if *simulate {
                            if line.df() == 0 {
                                return Err(ProjectionError::TooFewObservations {
                                    method: format!("simulated trend of `{}`", c.id),
                                    needed: 3,
                                    got: line.n,
                                });
                            }
                            Some(ChiSquared::new(line.df() as f64).expect("df > 0"))
                        } else {
                            None
                        };
                        n_trend += 1;
                        CProc::Trend {
                            scale: *scale,
                            line: *line,
                            chi,
                            slot: n_trend - 1,
                        }
                    }
                    Process::Holt { model: m, simulate } => {
                        let sigma = if *simulate {
                            Some(m.sigma2().map(f64::sqrt).ok_or_else(|| {
                                ProjectionError::TooFewObservations {
                                    method: format!("simulated damped Holt of `{}`", c.id),
                                    needed: m.n_fitted + 1,
                                    got: m.n,
                                }
                            })?)
                        } else {
                            None
                        };
                        n_holt += 1;
                        CProc::Holt {
                            m: m.clone(),
                            sigma,
                            slot: n_holt - 1,
                        }
                    }
                };
                CKind::Sim {
                    start,
                    value: *start_value,
                    proc,
                }
            }
        };
        chans.push(CChan {
            known,
            kind,
            lo,
            hi,
            random: vec![false; t_len],
            avail: vec![false; t_len],
        });
    }
    // Availability and randomness, simulated and known channels first, then ratios.
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
    let mut order: Vec<usize> = (0..chans.len())
        .filter(|&i| !matches!(chans[i].kind, CKind::Ratio { .. }))
        .collect();
    order.extend((0..chans.len()).filter(|&i| matches!(chans[i].kind, CKind::Ratio { .. })));

    // Correlations.
    let mut yearly_pairs: Vec<(usize, usize, f64)> = vec![];
    let mut path_pairs: Vec<(usize, usize, f64)> = vec![];
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
        let mut used = false;
        if let (Some(x), Some(y)) = (corr_yearly[a], corr_yearly[b]) {
            yearly_pairs.push((x, y, cor.rho));
            used = true;
        }
        if let (Some(x), Some(y)) = (corr_path[a], corr_path[b]) {
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
    let groups = |pairs: &[(usize, usize, f64)],
                  n_inputs: usize|
     -> Result<(Vec<Group>, Vec<usize>), ProjectionError> {
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
    };
    let (yearly_groups, yearly_free) = groups(&yearly_pairs, yearly.len())?;
    let (path_groups, path_free) = groups(&path_pairs, path.len())?;

    // Targets.
    let mut targets = vec![];
    let mut target_map = vec![];
    for t in &model.targets {
        let Some(&c) = ids.get(t.indicator.as_str()) else {
            target_map.push(Err(format!("indicator `{}` is not projected", t.indicator)));
            continue;
        };
        let ty = t.rule.target_year();
        if ty > model.horizon {
            target_map.push(Err(format!(
                "target year {ty} is after the horizon {}",
                model.horizon
            )));
            continue;
        }
        let need = |ch: usize, years: &[i32]| -> Result<Vec<usize>, String> {
            years
                .iter()
                .map(|&y| match idx(y) {
                    Some(i) if chans[ch].avail[i] => Ok(i),
                    _ => Err(format!(
                        "no value of `{}` in {y} (neither observed nor projected)",
                        model.channels[ch].id
                    )),
                })
                .collect()
        };
        let span = |a: i32, b: i32| (a..=b).collect::<Vec<i32>>();
        let compiled: Result<CTarget, String> = (|| {
            let (rule, att_from) = match &t.rule {
                McRule::Level { threshold, by } => {
                    let i = need(c, &[*by])?;
                    let from = (0..t_len).find(|&k| chans[c].avail[k]).unwrap_or(i[0]);
                    (
                        CRule::Level {
                            thr: *threshold,
                            by: i[0],
                        },
                        Some(from),
                    )
                }
                McRule::MultipleOfBase {
                    threshold,
                    base_year,
                    by,
                } => {
                    let i = need(c, &[*base_year, *by])?;
                    (
                        CRule::Multiple {
                            thr: *threshold,
                            base: i[0],
                            by: i[1],
                        },
                        Some(i[0] + 1),
                    )
                }
                McRule::AtLeastReference {
                    reference,
                    margin,
                    base_year,
                    by,
                } => {
                    let r = *ids
                        .get(reference.as_str())
                        .ok_or_else(|| format!("reference `{reference}` is not projected"))?;
                    let i = need(c, &[*by])?;
                    need(r, &[*by])?;
                    let from = idx(*base_year).map(|b| b + 1).unwrap_or(0);
                    (
                        CRule::Reference {
                            r,
                            margin: *margin,
                            by: i[0],
                        },
                        Some(from),
                    )
                }
                McRule::YearlyFlow {
                    threshold,
                    from,
                    to,
                } => {
                    let i = need(c, &span(*from, *to))?;
                    (
                        CRule::Flow {
                            thr: *threshold,
                            from: i[0],
                            to: *i.last().expect("non-empty"),
                        },
                        None,
                    )
                }
                McRule::NetIncrease {
                    threshold,
                    from,
                    to,
                } => {
                    let i = need(c, &span(from - 1, *to))?;
                    (
                        CRule::Net {
                            thr: *threshold,
                            from: i[1],
                            to: *i.last().expect("non-empty"),
                        },
                        None,
                    )
                }
                McRule::GrowthFloor { min_rate, from, to } => {
                    let i = need(c, &[from - 1, *to])?;
                    (
                        CRule::Growth {
                            min_rate: *min_rate,
                            base: i[0],
                            to: i[1],
                        },
                        None,
                    )
                }
                McRule::CumulativeFlow {
                    threshold,
                    from,
                    to,
                } => {
                    let i = need(c, &span(*from, *to))?;
                    // Attainment may come after `to` only while values exist.
                    (
                        CRule::Cumulative {
                            thr: *threshold,
                            from: i[0],
                            to: *i.last().expect("non-empty"),
                        },
                        Some(i[0]),
                    )
                }
            };
            Ok(CTarget {
                c,
                rule,
                higher: t.higher_is_better,
                att_from,
            })
        })();
        match compiled {
            Ok(ct) => {
                targets.push(ct);
                target_map.push(Ok(targets.len() - 1));
            }
            Err(why) => target_map.push(Err(why)),
        }
    }
    Ok(Compiled {
        first_year: first,
        t_len,
        chans,
        order,
        yearly,
        yearly_groups,
        yearly_free,
        path,
        path_groups,
        path_free,
        n_trend,
        n_holt,
        targets,
        target_map,
    })
}
