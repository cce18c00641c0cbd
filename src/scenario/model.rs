//! From a scenario and a plan to a Monte Carlo model: a channel per projected indicator
//! (its start from the evidence, its process, its bounds), derived ratios and how their parts
//! are bridged, held references, and the targets.

use crate::indicator::{Indicator, IndicatorKind};
use crate::plan::Plan;
use crate::projection::ProjectionError;
use crate::projection::fit::OlsLine;
use crate::projection::methods::{DampedHolt, HoltInit, logit};
use crate::projection::monte_carlo::{
    Channel, ChannelKind, Correlation, McModel, McTarget, Process, TrendScale,
};
use crate::stats::Distribution;

use super::*;

/// How the years between a ratio's parts' latest evidence are bridged, in words. Each part
/// starts from its own latest evidence, so where the parts end in different years a projected
/// part meets an observed one in the years between; a reader of P(met) must know that.
fn bridging(num: &str, den: &str, plan: &Plan) -> String {
    let last = |id: &str| observed(plan, id).last().map(|&(y, _)| y);
    match (last(num), last(den)) {
        (Some(a), Some(b)) if a == b => format!(
            "both parts observed to {a}, both projected from {} (no bridging)",
            a + 1
        ),
        (Some(a), Some(b)) => {
            let (early, late, ye, yl) = if a < b {
                (num, den, a, b)
            } else {
                (den, num, b, a)
            };
            let years = if ye + 1 == yl {
                format!("{yl}")
            } else {
                format!("{}–{yl}", ye + 1)
            };
            format!(
                "`{early}` is observed to {ye} and `{late}` to {yl}: in {years} the ratio joins \
                 the projected `{early}` (from its {ye} value) with the observed `{late}`; both \
                 are projected from {}",
                yl + 1
            )
        }
        _ => "a part has no observation; both parts start from their scenario values".into(),
    }
}

impl Scenario {
    /// Checks the scenario against a plan without running it.
    ///
    /// # Errors
    /// As [`Scenario::to_model`].
    pub fn validate(&self, plan: &Plan, horizon: i32) -> Result<(), ScenarioError> {
        self.to_model(plan, horizon).map(|_| ())
    }

    /// The simulation model of `plan` under this scenario, and the assumptions in words.
    ///
    /// # Errors
    /// [`ScenarioError::UnknownIndicator`], [`ScenarioError::Invalid`] (a field the method
    /// does not take, a missing rate, no observation to start from, too short a history for a
    /// fit or a bootstrap), [`ScenarioError::Projection`] (negative spreads, a horizon before the
    /// start, …).
    pub fn to_model(
        &self,
        plan: &Plan,
        horizon: i32,
    ) -> Result<(McModel, Vec<AssumptionNote>), ScenarioError> {
        let sname = &self.name;
        let proj = |source: ProjectionError| ScenarioError::Projection {
            scenario: sname.clone(),
            source,
        };
        let mut channels = vec![];
        let mut notes = vec![];
        for (id, a) in &self.indicators {
            let ind = plan
                .indicator(id)
                .ok_or_else(|| ScenarioError::UnknownIndicator {
                    scenario: sname.clone(),
                    indicator: id.clone(),
                })?;
            let (channel, text) = self.channel(plan, ind, a, horizon).map_err(|e| match e {
                Err(problem) => ScenarioError::Invalid {
                    scenario: sname.clone(),
                    indicator: id.clone(),
                    problem,
                },
                Ok(p) => proj(p),
            })?;
            channels.push(channel);
            notes.push(AssumptionNote {
                indicator: id.clone(),
                text,
            });
        }
        let projected = |id: &str, ch: &[Channel]| ch.iter().any(|c| c.id == id);
        // Ratios whose parts are projected.
        for ind in plan.indicators() {
            if ind.kind != IndicatorKind::Ratio || projected(&ind.id, &channels) {
                continue;
            }
            let (Some(num), Some(den)) = (&ind.numerator, &ind.denominator) else {
                continue;
            };
            if projected(num, &channels) && projected(den, &channels) {
                let scale = ind.scale.unwrap_or(1.0);
                channels.push(Channel {
                    id: ind.id.clone(),
                    known: observed(plan, &ind.id),
                    kind: ChannelKind::Ratio {
                        numerator: num.clone(),
                        denominator: den.clone(),
                        scale,
                    },
                    bounds: (0.0, f64::INFINITY),
                });
                notes.push(AssumptionNote {
                    indicator: ind.id.clone(),
                    text: format!(
                        "derived path by path: `{num}` / `{den}` × {scale}; {}",
                        bridging(num, den, plan)
                    ),
                });
            }
        }
        // References of targets on projected indicators, held at their last value.
        for t in plan.targets() {
            let Some(r) = t.reference() else { continue };
            if !projected(&t.indicator, &channels) || projected(r, &channels) {
                continue;
            }
            let obs = observed(plan, r);
            if let Some(&(y, v)) = obs.last() {
                let mut known = obs.clone();
                known.extend((y + 1..=horizon).map(|yy| (yy, v)));
                let ind = plan.indicator(r).expect("validated plan");
                channels.push(Channel {
                    id: r.to_string(),
                    known,
                    kind: ChannelKind::Known,
                    bounds: ind.bounds(),
                });
                notes.push(AssumptionNote {
                    indicator: r.to_string(),
                    text: format!("assumption: held at its last observed value, {v} in {y}"),
                });
            }
        }
        let plan_base = plan.base_year();
        let targets = plan
            .targets()
            .iter()
            .map(|t| {
                McTarget::from_target(
                    t,
                    plan.indicator(&t.indicator).expect("validated"),
                    plan_base,
                )
            })
            .collect();
        let mut correlations = vec![];
        for c in &self.correlations {
            for id in &c.between {
                if !projected(id, &channels) {
                    return Err(if plan.indicator(id).is_none() {
                        ScenarioError::UnknownIndicator {
                            scenario: sname.clone(),
                            indicator: id.clone(),
                        }
                    } else {
                        ScenarioError::Invalid {
                            scenario: sname.clone(),
                            indicator: id.clone(),
                            problem:
                                "a correlation names an indicator the scenario does not project"
                                    .into(),
                        }
                    });
                }
            }
            correlations.push(Correlation {
                a: c.between[0].clone(),
                b: c.between[1].clone(),
                rho: c.rho,
            });
        }
        if !channels
            .iter()
            .any(|c| matches!(c.kind, ChannelKind::Simulated { .. }))
        {
            return Err(ScenarioError::Set(format!(
                "scenario `{sname}` projects no indicator"
            )));
        }
        Ok((
            McModel {
                horizon,
                channels,
                targets,
                correlations,
            },
            notes,
        ))
    }

    /// One channel; `Err(Err(text))` for an invalid assumption, `Err(Ok(e))` for a projection
    /// error.
    #[allow(clippy::type_complexity)]
    fn channel(
        &self,
        plan: &Plan,
        ind: &Indicator,
        a: &Assumption,
        horizon: i32,
    ) -> Result<(Channel, String), Result<ProjectionError, String>> {
        use AssumptionMethod as M;
        let m = a.method;
        check_fields(a).map_err(Err)?;
        let obs = observed(plan, &ind.id);
        let series = plan.series(&ind.id);
        let prov_of = |year: i32| {
            series
                .and_then(|s| s.point_at(year))
                .map(|p| {
                    if p.bound.is_exact() {
                        p.provenance.describe()
                    } else {
                        format!(
                            "{}; a bound ({}), so the P(met) of its targets are bounds too",
                            p.provenance.describe(),
                            p.describe_evidence()
                        )
                    }
                })
                .unwrap_or_default()
        };
        let note = if a.note.is_empty() {
            String::new()
        } else {
            format!(" — {}", a.note)
        };
        let (lo, hi) = ind.bounds();
        if m == M::Hold {
            let Some(&(y, v)) = obs.last() else {
                return Err(Err("`hold` needs an observation".into()));
            };
            if horizon < y {
                return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
                    indicator: ind.id.clone(),
                    horizon,
                    last: y,
                }));
            }
            let mut known = obs.clone();
            known.extend((y + 1..=horizon).map(|yy| (yy, v)));
            return Ok((
                Channel {
                    id: ind.id.clone(),
                    known,
                    kind: ChannelKind::Known,
                    bounds: (lo, hi),
                },
                format!(
                    "assumption: held at {v} (its {y} value, {}){note}",
                    prov_of(y)
                ),
            ));
        }
        let last_obs = obs.last().copied();
        if let Some((y, _)) = last_obs
            && horizon < y
        {
            return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
                indicator: ind.id.clone(),
                horizon,
                last: y,
            }));
        }
        match m {
            M::Compound | M::Increment | M::Logistic => {
                self.process_channel(plan, ind, a, horizon, &obs, &prov_of, &note)
            }
            _ => fitted_channel(ind, a, horizon, &obs, &note),
        }
    }

    /// A channel simulated by a stated process (compound, increment, logistic) from the
    /// latest evidence or the scenario's stated start.
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn process_channel(
        &self,
        plan: &Plan,
        ind: &Indicator,
        a: &Assumption,
        horizon: i32,
        obs: &[(i32, f64)],
        prov_of: &dyn Fn(i32) -> String,
        note: &str,
    ) -> Result<(Channel, String), Result<ProjectionError, String>> {
        use AssumptionMethod as M;
        let m = a.method;
        let (lo, hi) = ind.bounds();
        let last_obs = obs.last().copied();
        // A stated start is checked even when later evidence supersedes it: a share of
        // 140 % is bad input whichever value the run starts from.
        if let Some(s) = &a.start
            && !(s.value.is_finite() && s.value >= lo && s.value <= hi)
        {
            return Err(Err(format!(
                "start value {} is outside [{lo}, {hi}]",
                s.value
            )));
        }
        let (start_year, start_value, start_text) = match &a.start {
            // Evidence published after the scenario was written supersedes its
            // assumed start: each series starts from its own latest evidence.
            Some(s) if last_obs.is_some_and(|(y, _)| y > s.year) => {
                let (y, v) = last_obs.expect("checked");
                (
                    y,
                    v,
                    format!(
                        "{}; it supersedes the scenario's assumed start ({} in {})",
                        prov_of(y),
                        s.value,
                        s.year
                    ),
                )
            }
            Some(s) => {
                let why = if s.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", s.note)
                };
                (s.year, s.value, format!("assumed (scenario){why}"))
            }
            None => match last_obs {
                Some((y, v)) => (y, v, prov_of(y)),
                None => {
                    return Err(Err(
                        "no observation to start from: give `start = { year = …, value = … }`"
                            .into(),
                    ));
                }
            },
        };
        if !(start_value.is_finite() && start_value >= lo && start_value <= hi) {
            return Err(Err(format!(
                "start value {start_value} is outside [{lo}, {hi}]"
            )));
        }
        if start_year > horizon {
            return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
                indicator: ind.id.clone(),
                horizon,
                last: start_year,
            }));
        }
        let per_path = a.per_path.unwrap_or(false);
        let (field, d) = match m {
            M::Increment => ("increment", a.increment.clone()),
            _ => ("rate", a.rate.clone()),
        };
        let d = d.ok_or_else(|| Err(format!("method `{}` needs `{field}`", m.name())))?;
        let k = if m == M::Logistic {
            Some(ceiling_of(a, ind).map_err(Err)?)
        } else {
            None
        };
        let d = self.resolve_bootstrap(d, plan, ind, m, k)?;
        let shock = match &a.shock {
            Some(s) => Some(self.resolve_bootstrap(s.clone(), plan, ind, m, k)?),
            None => None,
        };
        let draw = if d.is_fixed() {
            "fixed"
        } else if per_path {
            "drawn once per path"
        } else {
            "drawn every year"
        };
        let shock_text = shock
            .as_ref()
            .map(|s| format!(" + yearly shock {}", dist_text(s)))
            .unwrap_or_default();
        let process = match m {
            M::Compound => Process::Growth {
                rate: d.clone(),
                per_path,
                shock,
            },
            M::Increment => Process::Increment {
                step: d.clone(),
                per_path,
                shock,
            },
            _ => Process::Logistic {
                rate: d.clone(),
                per_path,
                shock,
                ceiling: k.expect("logistic"),
            },
        };
        let what = match m {
            M::Compound => "compound growth, rate".to_string(),
            M::Increment => "yearly increment".to_string(),
            _ => format!("logistic toward {}, logit slope", k.expect("logistic")),
        };
        let mut known: Vec<(i32, f64)> = obs
            .iter()
            .copied()
            .filter(|(y, _)| *y < start_year)
            .collect();
        known.push((start_year, start_value));
        Ok((
            Channel {
                id: ind.id.clone(),
                known,
                kind: ChannelKind::Simulated {
                    start_year,
                    start_value,
                    process,
                },
                bounds: (lo, hi),
            },
            format!(
                "assumption: {what} {} ({draw}){shock_text}; from {start_value} in {start_year} ({start_text}){note}",
                dist_text(&d)
            ),
        ))
    }

    fn resolve_bootstrap(
        &self,
        d: Distribution,
        plan: &Plan,
        ind: &Indicator,
        m: AssumptionMethod,
        ceiling: Option<f64>,
    ) -> Result<Distribution, Result<ProjectionError, String>> {
        let Distribution::Bootstrap { from, to } = d else {
            return Ok(d);
        };
        let obs: Vec<(i32, f64)> = observed(plan, &ind.id)
            .into_iter()
            .filter(|(y, _)| from.is_none_or(|f| *y >= f) && to.is_none_or(|t| *y <= t))
            .collect();
        let mut values = vec![];
        for w in obs.windows(2) {
            let ((y0, v0), (y1, v1)) = (w[0], w[1]);
            if y1 != y0 + 1 {
                continue;
            }
            values.push(match m {
                AssumptionMethod::Compound => {
                    if v0 <= 0.0 {
                        continue;
                    }
                    v1 / v0 - 1.0
                }
                AssumptionMethod::Increment => v1 - v0,
                _ => {
                    let k = ceiling.unwrap_or(100.0);
                    match (logit(v1, k), logit(v0, k)) {
                        (Ok(a), Ok(b)) => a - b,
                        _ => continue,
                    }
                }
            });
        }
        if values.is_empty() {
            return Err(Err(
                "a bootstrap needs at least two consecutive observed years".into(),
            ));
        }
        Ok(Distribution::Empirical { values })
    }
}

/// The observations of an indicator as (year, value).
/// The evidence a projection may start from or keep: exact figures, and a latest figure that
/// bounds the value on the indicator's favourable side ("more than 1600" enterprises), which
/// makes the P(met) of its targets lower bounds (the assumption notes say so). A part of a
/// ratio keeps exact figures only: a bound on one part bounds the ratio in no useful direction.
fn observed(plan: &Plan, id: &str) -> Vec<(i32, f64)> {
    let Some(s) = plan.series(id) else {
        return vec![];
    };
    let part_of_ratio = plan
        .indicators()
        .iter()
        .any(|i| i.numerator.as_deref() == Some(id) || i.denominator.as_deref() == Some(id));
    let favourable = |p: &crate::series::Point| {
        let higher = plan
            .indicator(id)
            .is_none_or(|i| i.at_least_as_good(2.0, 1.0));
        matches!(
            (p.bound, higher),
            (crate::series::Bound::AtLeast, true) | (crate::series::Bound::AtMost, false)
        )
    };
    let last = s.points().len().saturating_sub(1);
    s.points()
        .iter()
        .enumerate()
        .filter(|(i, p)| p.bound.is_exact() || (*i == last && !part_of_ratio && favourable(p)))
        .map(|(_, p)| (p.year, p.value))
        .collect()
}

/// A channel from a trend or damped Holt fitted to the evidence in the fit window.
#[allow(clippy::type_complexity)]
fn fitted_channel(
    ind: &Indicator,
    a: &Assumption,
    horizon: i32,
    obs: &[(i32, f64)],
    note: &str,
) -> Result<(Channel, String), Result<ProjectionError, String>> {
    use AssumptionMethod as M;
    let m = a.method;
    let (lo, hi) = ind.bounds();
    let window: Vec<(i32, f64)> = obs
        .iter()
        .copied()
        .filter(|(y, _)| a.fit.is_none_or(|[f, t]| *y >= f && *y <= t))
        .collect();
    let Some(&(y_last, v_last)) = window.last() else {
        return Err(Err("no observation in the fit window".into()));
    };
    if y_last > horizon {
        return Err(Ok(ProjectionError::HorizonBeforeLastObservation {
            indicator: ind.id.clone(),
            horizon,
            last: y_last,
        }));
    }
    let years: Vec<i32> = window.iter().map(|p| p.0).collect();
    let values: Vec<f64> = window.iter().map(|p| p.1).collect();
    let simulate = a.simulate.unwrap_or(true);
    let (process, what) = match m {
        M::DampedHolt => {
            if years.windows(2).any(|w| w[1] != w[0] + 1) {
                return Err(Err("damped_holt needs consecutive years".into()));
            }
            let h = DampedHolt::fit(&values, a.alpha, a.beta, a.phi, HoltInit::Heuristic)
                .map_err(Ok)?;
            let what = format!(
                "damped Holt (α {:.3}, β {:.3}, φ {:.3})",
                h.alpha, h.beta, h.phi
            );
            (Process::Holt { model: h, simulate }, what)
        }
        _ => {
            let (scale, z, what) = match m {
                M::LogLinear => {
                    if values.iter().any(|v| *v <= 0.0) {
                        return Err(Err("log_linear needs positive values".into()));
                    }
                    (
                        TrendScale::Log,
                        values.iter().map(|v| v.ln()).collect::<Vec<_>>(),
                        "log-linear trend".to_string(),
                    )
                }
                M::Linear => (
                    TrendScale::Level,
                    values.clone(),
                    "linear trend".to_string(),
                ),
                _ => {
                    let k = ceiling_of(a, ind).map_err(Err)?;
                    let z = values
                        .iter()
                        .map(|v| logit(*v, k))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(Ok)?;
                    (
                        TrendScale::Logit { ceiling: k },
                        z,
                        format!("logistic trend toward {k}"),
                    )
                }
            };
            let x: Vec<f64> = years.iter().map(|&y| y as f64).collect();
            let line = OlsLine::fit(&x, &z).map_err(Ok)?;
            (
                Process::Trend {
                    scale,
                    line,
                    simulate,
                },
                what,
            )
        }
    };
    let known = obs.iter().copied().filter(|(y, _)| *y <= y_last).collect();
    Ok((
        Channel {
            id: ind.id.clone(),
            known,
            kind: ChannelKind::Simulated {
                start_year: y_last,
                start_value: v_last,
                process,
            },
            bounds: (lo, hi),
        },
        format!(
            "assumption: {what} fitted on {}–{y_last} ({} observations){}{note}",
            years[0],
            years.len(),
            if simulate {
                ", simulated with its predictive distribution"
            } else {
                ", point forecast"
            }
        ),
    ))
}

/// The fields an assumption's method takes: any other is an error naming it.
fn check_fields(a: &Assumption) -> Result<(), String> {
    use AssumptionMethod as M;
    let m = a.method;
    let allowed: &[&str] = match m {
        M::Compound => &["rate", "per_path", "shock", "start"],
        M::Increment => &["increment", "per_path", "shock", "start"],
        M::Logistic => &["rate", "per_path", "shock", "start", "ceiling"],
        M::LogLinear | M::Linear => &["fit", "simulate"],
        M::LogisticTrend => &["fit", "simulate", "ceiling"],
        M::DampedHolt => &["fit", "simulate", "alpha", "beta", "phi"],
        M::Hold => &[],
    };
    let present = [
        ("rate", a.rate.is_some()),
        ("increment", a.increment.is_some()),
        ("per_path", a.per_path.is_some()),
        ("shock", a.shock.is_some()),
        ("ceiling", a.ceiling.is_some()),
        ("fit", a.fit.is_some()),
        ("simulate", a.simulate.is_some()),
        ("alpha", a.alpha.is_some()),
        ("beta", a.beta.is_some()),
        ("phi", a.phi.is_some()),
        ("start", a.start.is_some()),
    ];
    for (f, p) in present {
        if p && !allowed.contains(&f) {
            return Err(format!(
                "method `{}` does not take the field `{f}`",
                m.name()
            ));
        }
    }
    Ok(())
}

/// The ceiling of a logistic method: the stated one, or 100 for a share.
fn ceiling_of(a: &Assumption, ind: &Indicator) -> Result<f64, String> {
    match (a.ceiling, ind.kind) {
        (Some(k), _) => Ok(k),
        (None, IndicatorKind::Share) => Ok(100.0),
        _ => Err("a logistic method needs a `ceiling` (100 is implied only for shares)".into()),
    }
}
