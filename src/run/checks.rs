//! Checks: a second pass over the parsed file (do the keys fit the kind, do the ids exist),
//! and their evaluation on a run's results.

use serde::{Deserialize, Serialize};
use std::ops::Range;
use toml::Spanned;

use super::file::{Check, CheckKind, RankStatistic, SobolOrder};
use super::{Run, RunError, RunReport};
use crate::cases::linyi::GAP_INPUTS;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// Its kind (`probability_met`, …).
    pub kind: String,
    /// The observed value (`None` for a status, or when the value is missing).
    pub observed: Option<f64>,
    /// The observed value in words.
    pub observed_text: String,
    /// The bound in words (`≥ 0.5`, `≤ 6`, `one of met, on track`).
    pub bound: String,
    /// Whether the check passed.
    pub passed: bool,
}

fn kind_name(k: CheckKind) -> &'static str {
    match k {
        CheckKind::ProbabilityMet => "probability_met",
        CheckKind::Quantile => "quantile",
        CheckKind::RequiredCagr => "required_cagr",
        CheckKind::Status => "status",
        CheckKind::Rank => "rank",
        CheckKind::Score => "score",
        CheckKind::Sobol => "sobol",
        CheckKind::Coverage => "coverage",
    }
}

/// The keys each kind takes (besides `kind` and `name`).
fn allowed(k: CheckKind) -> &'static [&'static str] {
    match k {
        CheckKind::ProbabilityMet => &["target", "scenario", "at_least", "at_most"],
        CheckKind::Quantile => &["target", "scenario", "q", "at_least", "at_most"],
        CheckKind::RequiredCagr => &["target", "indicator", "at_least", "at_most"],
        CheckKind::Status => &["target", "status"],
        CheckKind::Rank => &["index", "unit", "within_top", "statistic"],
        CheckKind::Score => &["index", "unit", "at_least", "at_most"],
        CheckKind::Sobol => &["input", "order", "at_least", "at_most"],
        CheckKind::Coverage => &[
            "method",
            "level",
            "horizon",
            "calibrated",
            "at_least",
            "at_most",
        ],
    }
}

fn present(c: &Check) -> Vec<&'static str> {
    let mut v = vec![];
    let mut add = |b: bool, k: &'static str| {
        if b {
            v.push(k)
        }
    };
    add(c.target.is_some(), "target");
    add(c.indicator.is_some(), "indicator");
    add(c.scenario.is_some(), "scenario");
    add(c.q.is_some(), "q");
    add(c.index.is_some(), "index");
    add(c.unit.is_some(), "unit");
    add(c.within_top.is_some(), "within_top");
    add(c.statistic.is_some(), "statistic");
    add(c.input.is_some(), "input");
    add(c.order.is_some(), "order");
    add(c.status.is_some(), "status");
    add(c.method.is_some(), "method");
    add(c.level.is_some(), "level");
    add(c.horizon.is_some(), "horizon");
    add(c.calibrated.is_some(), "calibrated");
    add(c.at_least.is_some(), "at_least");
    add(c.at_most.is_some(), "at_most");
    v
}

/// The name of a check: its own, or one built from its keys.
fn check_name(c: &Check) -> String {
    if let Some(n) = &c.name {
        return n.clone();
    }
    let s = |x: &Option<Spanned<String>>| x.as_ref().map(|v| v.get_ref().clone());
    let mut parts: Vec<String> = vec![];
    for (k, v) in [
        ("target", s(&c.target)),
        ("indicator", s(&c.indicator)),
        ("scenario", s(&c.scenario)),
        ("index", s(&c.index)),
        ("unit", s(&c.unit)),
        ("input", s(&c.input)),
        ("method", s(&c.method)),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    }
    if let Some(q) = &c.q {
        parts.push(format!("q={}", q.get_ref()));
    }
    if c.kind == CheckKind::Sobol {
        parts.push(format!("order={:?}", c.order.unwrap_or_default()).to_lowercase());
    }
    if let Some(l) = c.level {
        parts.push(format!("level={l}"));
    }
    if let Some(h) = c.horizon {
        parts.push(format!("horizon={h}"));
    }
    if c.calibrated == Some(true) {
        parts.push("calibrated".into());
    }
    format!("{}({})", kind_name(c.kind), parts.join(", "))
}

fn bound_text(c: &Check) -> String {
    match (c.at_least, c.at_most) {
        (Some(a), Some(b)) => format!("in [{a}, {b}]"),
        (Some(a), None) => format!("≥ {a}"),
        (None, Some(b)) => format!("≤ {b}"),
        (None, None) => String::new(),
    }
}

fn within(c: &Check, v: f64) -> bool {
    c.at_least.is_none_or(|a| v >= a) && c.at_most.is_none_or(|b| v <= b)
}

/// Checks every `[[checks]]` entry against the loaded plan, scenarios and indices.
pub(super) fn validate(run: &Run) -> Result<(), RunError> {
    for sc in &run.file.checks {
        validate_check(run, sc.get_ref(), &sc.span())?;
    }
    Ok(())
}

/// One check: its keys fit its kind, its bounds are ordered, and what it names exists.
fn validate_check(run: &Run, c: &Check, span: &Range<usize>) -> Result<(), RunError> {
    let span = span.clone();
    let kind = kind_name(c.kind);
    let ok = allowed(c.kind);
    if let Some(k) = present(c).into_iter().find(|k| !ok.contains(k)) {
        return Err(run.invalid(
            run.key_span(span, k),
            k,
            format!(
                "check `{}`: a `{kind}` check takes no `{k}` (it takes {})",
                check_name(c),
                ok.join(", ")
            ),
        ));
    }
    let need = |has: bool, key: &str| {
        if has {
            Ok(())
        } else {
            Err(run.invalid(
                span.clone(),
                key,
                format!("check `{}`: a `{kind}` check needs `{key}`", check_name(c)),
            ))
        }
    };
    let bounded = matches!(
        c.kind,
        CheckKind::ProbabilityMet
            | CheckKind::Quantile
            | CheckKind::RequiredCagr
            | CheckKind::Score
            | CheckKind::Sobol
            | CheckKind::Coverage
    );
    if bounded {
        need(
            c.at_least.is_some() || c.at_most.is_some(),
            "at_least` or `at_most",
        )?;
        if let (Some(a), Some(b)) = (c.at_least, c.at_most)
            && a > b
        {
            return Err(run.invalid(
                run.key_span(span, "at_least"),
                "at_least",
                format!("check `{}`: at_least {a} > at_most {b}", check_name(c)),
            ));
        }
    }
    // Targets and indicators of the plan.
    if let Some(t) = &c.target
        && run.plan.target(t.get_ref()).is_none()
    {
        return Err(run.invalid(
            t.span(),
            "target",
            format!(
                "check `{}`: unknown target `{}` (the plan `{}` has {})",
                check_name(c),
                t.get_ref(),
                run.plan.meta().id,
                run.plan
                    .targets()
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(i) = &c.indicator {
        if run.plan.indicator(i.get_ref()).is_none() {
            return Err(run.invalid(
                i.span(),
                "indicator",
                format!(
                    "check `{}`: unknown indicator `{}` (not in the plan `{}`)",
                    check_name(c),
                    i.get_ref(),
                    run.plan.meta().id
                ),
            ));
        }
        if !run
            .plan
            .targets()
            .iter()
            .any(|t| &t.indicator == i.get_ref())
        {
            return Err(run.invalid(
                i.span(),
                "indicator",
                format!(
                    "check `{}`: the plan sets no target on indicator `{}`",
                    check_name(c),
                    i.get_ref()
                ),
            ));
        }
    }
    match c.kind {
        CheckKind::ProbabilityMet | CheckKind::Quantile => check_projection_keys(run, c, &need)?,
        CheckKind::RequiredCagr => {
            need(c.target.is_some() || c.indicator.is_some(), "target")?;
            if c.target.is_some() && c.indicator.is_some() {
                return Err(run.invalid(
                    run.key_span(span, "indicator"),
                    "indicator",
                    format!(
                        "check `{}`: give `target` or `indicator`, not both",
                        check_name(c)
                    ),
                ));
            }
        }
        CheckKind::Status => {
            need(c.target.is_some(), "target")?;
            need(c.status.as_ref().is_some_and(|s| !s.is_empty()), "status")?;
        }
        CheckKind::Rank | CheckKind::Score => check_index_keys(run, c, &span, &need)?,
        CheckKind::Coverage => check_coverage_keys(run, c, &span, &need)?,
        CheckKind::Sobol => check_sobol_keys(run, c, &need)?,
    }
    Ok(())
}

/// A `probability_met` or `quantile` check: its target and scenario exist in the run's projection.
fn check_projection_keys(
    run: &Run,
    c: &Check,
    need: &dyn Fn(bool, &str) -> Result<(), RunError>,
) -> Result<(), RunError> {
    need(c.target.is_some(), "target")?;
    need(c.scenario.is_some(), "scenario")?;
    let sc_name = c.scenario.as_ref().expect("checked");
    let Some(set) = &run.scenarios else {
        return Err(run.invalid(
            sc_name.span(),
            "scenario",
            format!(
                "check `{}`: the run has no [projection] to take scenarios from",
                check_name(c)
            ),
        ));
    };
    if !set.names().contains(&sc_name.get_ref().as_str()) {
        return Err(run.invalid(
            sc_name.span(),
            "scenario",
            format!(
                "check `{}`: unknown scenario `{}` (the run projects {})",
                check_name(c),
                sc_name.get_ref(),
                set.names().join(", ")
            ),
        ));
    }
    if c.kind == CheckKind::Quantile {
        need(c.q.is_some(), "q")?;
        let q = c.q.as_ref().expect("checked");
        let qs = crate::projection::monte_carlo::McConfig::default().quantiles;
        if !qs.contains(q.get_ref()) {
            return Err(run.invalid(
                q.span(),
                "q",
                format!(
                    "check `{}`: q = {} is not a projected quantile (one of {qs:?})",
                    check_name(c),
                    q.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

/// A `rank` or `score` check: its index and unit exist.
fn check_index_keys(
    run: &Run,
    c: &Check,
    span: &Range<usize>,
    need: &dyn Fn(bool, &str) -> Result<(), RunError>,
) -> Result<(), RunError> {
    need(c.index.is_some(), "index")?;
    need(c.unit.is_some(), "unit")?;
    if c.kind == CheckKind::Rank {
        need(c.within_top.is_some(), "within_top")?;
    }
    let ix = c.index.as_ref().expect("checked");
    let Some(loaded) = run.indices.iter().find(|l| &l.run.id == ix.get_ref()) else {
        return Err(run.invalid(
            ix.span(),
            "index",
            format!(
                "check `{}`: unknown index `{}` (the run builds {})",
                check_name(c),
                ix.get_ref(),
                if run.indices.is_empty() {
                    "none".to_string()
                } else {
                    run.indices
                        .iter()
                        .map(|l| format!("`{}`", l.run.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        ));
    };
    if matches!(
        c.statistic,
        Some(RankStatistic::Median | RankStatistic::Q95)
    ) && loaded.spec.uncertainty.is_none()
    {
        return Err(run.invalid(
            run.key_span(span.clone(), "statistic"),
            "statistic",
            format!(
                "check `{}`: the index `{}` has no uncertainty analysis",
                check_name(c),
                ix.get_ref()
            ),
        ));
    }
    Ok(())
}

/// A `coverage` check: the run has a `[backtest]` with its method and level.
fn check_coverage_keys(
    run: &Run,
    c: &Check,
    span: &Range<usize>,
    need: &dyn Fn(bool, &str) -> Result<(), RunError>,
) -> Result<(), RunError> {
    need(c.method.is_some(), "method")?;
    need(c.level.is_some(), "level")?;
    let bad = |key: &str, why: String| {
        Err(run.invalid(
            run.key_span(span.clone(), key),
            key,
            format!("check `{}`: {why}", check_name(c)),
        ))
    };
    let Some(b) = &run.file.backtest else {
        return bad("method", "the run has no [backtest]".into());
    };
    if c.level.is_some_and(|l| ![0.5, 0.8, 0.9, 0.95].contains(&l)) {
        return bad("level", "level must be 0.5, 0.8, 0.9 or 0.95".into());
    }
    if c.horizon.is_some_and(|h| h < 1 || h > b.horizon) {
        return bad("horizon", format!("horizon must be in 1..={}", b.horizon));
    }
    if c.calibrated == Some(true) && b.learn.is_empty() {
        return bad(
            "calibrated",
            "calibrated coverage needs `learn` origins in [backtest]".into(),
        );
    }
    let m = c.method.as_ref().expect("checked").get_ref();
    let known = ["log_linear", "linear", "damped_holt", "bootstrap_growth"];
    if !known.contains(&m.as_str()) {
        return bad(
            "method",
            format!("unknown method `{m}` (one of {})", known.join(", ")),
        );
    }
    Ok(())
}

/// A `sobol` check: the run has the R&D-share gap sensitivity and the input.
fn check_sobol_keys(
    run: &Run,
    c: &Check,
    need: &dyn Fn(bool, &str) -> Result<(), RunError>,
) -> Result<(), RunError> {
    need(c.input.is_some(), "input")?;
    let input = c.input.as_ref().expect("checked");
    if !GAP_INPUTS.contains(&input.get_ref().as_str()) {
        return Err(run.invalid(
            input.span(),
            "input",
            format!(
                "check `{}`: unknown input `{}` (one of {})",
                check_name(c),
                input.get_ref(),
                GAP_INPUTS.join(", ")
            ),
        ));
    }
    if run
        .file
        .sensitivity
        .as_ref()
        .is_none_or(|s| s.rd_share_gap.is_none())
    {
        return Err(run.invalid(
            input.span(),
            "input",
            format!(
                "check `{}`: the run has no [sensitivity.rd_share_gap]",
                check_name(c)
            ),
        ));
    }
    Ok(())
}

fn numeric(c: &Check, observed: Option<f64>, digits: usize) -> CheckResult {
    let passed = observed.is_some_and(|v| within(c, v));
    CheckResult {
        name: check_name(c),
        kind: kind_name(c.kind).into(),
        observed,
        observed_text: observed.map_or_else(|| "missing".to_string(), |v| format!("{v:.digits$}")),
        bound: bound_text(c),
        passed,
    }
}

/// Evaluates every check on the results (validated by [`validate`]).
pub(super) fn evaluate(run: &Run, report: &RunReport) -> Result<Vec<CheckResult>, RunError> {
    let mut out = vec![];
    for sc in &run.file.checks {
        let c = sc.get_ref();
        let r = match c.kind {
            CheckKind::ProbabilityMet | CheckKind::Quantile => projection_result(c, report),
            CheckKind::RequiredCagr => {
                let observed = match (s(&c.target), s(&c.indicator)) {
                    (Some(t), _) => report
                        .plan
                        .targets
                        .iter()
                        .find(|r| r.target == t)
                        .and_then(|r| r.required_cagr),
                    // The indicator's most demanding target is the binding one.
                    (None, Some(i)) => report
                        .plan
                        .targets
                        .iter()
                        .filter(|r| r.indicator == i)
                        .filter_map(|r| r.required_cagr)
                        .reduce(f64::max),
                    (None, None) => None,
                };
                numeric(c, observed, 6)
            }
            CheckKind::Status => {
                let t = s(&c.target).unwrap_or_default();
                let row = report.plan.targets.iter().find(|r| r.target == t);
                let accepted = c.status.clone().unwrap_or_default();
                CheckResult {
                    name: check_name(c),
                    kind: kind_name(c.kind).into(),
                    observed: None,
                    observed_text: row.map_or("missing", |r| r.status.label()).into(),
                    bound: format!(
                        "one of {}",
                        accepted
                            .iter()
                            .map(|s| s.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    passed: row.is_some_and(|r| accepted.contains(&r.status)),
                }
            }
            CheckKind::Rank | CheckKind::Score => index_result(run, c, report)?,
            CheckKind::Coverage => coverage_result(c, report),
            CheckKind::Sobol => {
                let input = s(&c.input).unwrap_or_default();
                let g = report.plan.rd_share_sensitivity.as_ref();
                let observed = g.and_then(|g| {
                    let i = g.inputs.iter().position(|n| *n == input)?;
                    match c.order.unwrap_or_default() {
                        SobolOrder::First => g.s1.get(i).copied(),
                        SobolOrder::Total => g.st.get(i).copied(),
                    }
                });
                numeric(c, observed, 4)
            }
        };
        out.push(r);
    }
    Ok(out)
}

/// The text of an optional spanned key.
fn s(x: &Option<Spanned<String>>) -> Option<String> {
    x.as_ref().map(|v| v.get_ref().clone())
}

/// The probability or quantile of a target under a scenario.
fn projection_result(c: &Check, report: &RunReport) -> CheckResult {
    let (t, sn) = (s(&c.target), s(&c.scenario));
    let outcome = report
        .projection
        .as_ref()
        .and_then(|p| p.scenario(sn.as_deref().unwrap_or_default()))
        .and_then(|p| p.result.target(t.as_deref().unwrap_or_default()));
    let observed = match c.kind {
        CheckKind::ProbabilityMet => outcome.and_then(|o| o.probability),
        _ => {
            let q = c.q.as_ref().map_or(0.5, |q| *q.get_ref());
            let probs = &report
                .projection
                .as_ref()
                .and_then(|p| p.scenarios.first())
                .map(|s| s.result.quantiles.clone())
                .unwrap_or_default();
            let i = probs.iter().position(|p| *p == q);
            outcome
                .and_then(|o| o.metric_quantiles.as_ref())
                .and_then(|qs| i.and_then(|i| qs.get(i).copied()))
        }
    };
    let mut r = numeric(c, observed, 4);
    if observed.is_none()
        && let Some(why) = outcome.and_then(|o| o.not_projected.as_ref())
    {
        r.observed_text = format!("not projected: {why}");
    }
    r
}

/// The rank or score of a unit in an index.
fn index_result(run: &Run, c: &Check, report: &RunReport) -> Result<CheckResult, RunError> {
    let ix = c.index.as_ref().expect("validated");
    let unit = c.unit.as_ref().expect("validated");
    let res = report
        .indices
        .iter()
        .find(|i| &i.id == ix.get_ref())
        .expect("validated: every index is built");
    let row = res
        .report
        .ranking
        .iter()
        .find(|r| &r.unit == unit.get_ref());
    let Some(row) = row else {
        let mut units: Vec<&str> = res.report.ranking.iter().map(|r| r.unit.as_str()).collect();
        units.sort_unstable();
        return Err(run.invalid(
            unit.span(),
            "unit",
            format!(
                "check `{}`: unit `{}` is not in the results of index `{}` ({})",
                check_name(c),
                unit.get_ref(),
                ix.get_ref(),
                units.join(", ")
            ),
        ));
    };
    Ok(if c.kind == CheckKind::Score {
        numeric(c, Some(row.score), 3)
    } else {
        let stat = c.statistic.unwrap_or_default();
        let observed = match stat {
            RankStatistic::Nominal => Some(row.rank),
            RankStatistic::Median | RankStatistic::Q95 => res
                .report
                .uncertainty
                .as_ref()
                .and_then(|u| u.rank_stats.iter().find(|r| &r.unit == unit.get_ref()))
                .map(|r| {
                    if stat == RankStatistic::Median {
                        r.median
                    } else {
                        r.q95
                    }
                }),
        };
        let top = c.within_top.unwrap_or(0) as f64;
        CheckResult {
            name: check_name(c),
            kind: kind_name(c.kind).into(),
            observed,
            observed_text: observed.map_or_else(
                || "missing".into(),
                |v| {
                    format!(
                        "{} rank {v}",
                        match stat {
                            RankStatistic::Nominal => "nominal",
                            RankStatistic::Median => "median",
                            RankStatistic::Q95 => "95 % quantile of",
                        }
                    )
                },
            ),
            bound: format!("within top {top}"),
            passed: observed.is_some_and(|v| v <= top),
        }
    })
}

/// The coverage of a backtest method's interval.
fn coverage_result(c: &Check, report: &RunReport) -> CheckResult {
    let m = s(&c.method).unwrap_or_default();
    let cal = c.calibrated == Some(true);
    let b = report.backtest.as_ref();
    let (levels, scores) = match (b.and_then(|b| b.calibration.as_ref()), b) {
        (Some(e), _) => (
            e.levels.clone(),
            if cal {
                e.after.clone()
            } else {
                e.before.clone()
            },
        ),
        (None, Some(b)) => match &b.rolling {
            Some(r) if !cal => (r.levels.clone(), r.scores.clone()),
            _ => (vec![], vec![]),
        },
        _ => (vec![], vec![]),
    };
    let li = levels
        .iter()
        .position(|l| c.level.is_some_and(|x| (x - l).abs() < 1e-9));
    let observed = scores
        .iter()
        .find(|r| r.method == m && r.horizon == c.horizon)
        .and_then(|r| li.and_then(|i| r.coverage.get(i).copied()));
    numeric(c, observed, 3)
}
