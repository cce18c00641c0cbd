//! Evaluating a target against the evidence: the required path, the status and its detail.

use super::*;
use crate::growth;
use crate::indicator::Indicator;
use crate::series::{Bound, Point};

impl Target {
    /// The year by which the target must be met (the last year for yearly targets).
    pub fn target_year(&self) -> i32 {
        self.rule.target_year()
    }

    /// The base year of the required path.
    pub fn effective_base_year(&self, plan_base_year: i32) -> i32 {
        match &self.rule {
            Rule::YearlyFlow { from, .. }
            | Rule::NetIncrease { from, .. }
            | Rule::GrowthFloor { from, .. }
            | Rule::CumulativeFlow { from, .. } => from - 1,
            _ => self.base_year.unwrap_or(plan_base_year),
        }
    }

    /// The reference indicator id, for relative targets.
    pub fn reference(&self) -> Option<&str> {
        match &self.rule {
            Rule::AtLeastReference { reference, .. } => Some(reference),
            _ => None,
        }
    }

    /// A one-line statement of the target ("≥ 2 × 2020 level by 2025 (about ±5 %)").
    ///
    /// ```
    /// # use innodex::target::Target;
    /// let t: Target = toml::from_str(r#"
    ///     id = "t"
    ///     indicator = "x"
    ///     kind = "yearly_flow"
    ///     min = 600.0
    ///     from = 2021
    ///     to = 2025
    /// "#).unwrap();
    /// assert_eq!(t.describe(), "≥ 600 each year 2021–2025");
    /// ```
    pub fn describe(&self) -> String {
        let about = match self.about {
            Some(a) => format!(" (about: ±{}%, assumed)", fmt_num(a * 100.0)),
            None => String::new(),
        };
        let base = |b: Option<i32>| b.map(|y| y.to_string()).unwrap_or_else(|| "base".into());
        match &self.rule {
            Rule::Level { value, by } => format!("{} by {by}{about}", fmt_num(*value)),
            Rule::MultipleOfBase { factor, by } => format!(
                "{} × {} level by {by}{about}",
                fmt_num(*factor),
                base(self.base_year)
            ),
            Rule::AtLeastReference {
                reference,
                by,
                margin,
            } => {
                let op = if self.strict { ">" } else { "≥" };
                if *margin == 0.0 {
                    format!("{op} `{reference}` by {by}")
                } else {
                    format!("{op} `{reference}` + {} by {by}", fmt_num(*margin))
                }
            }
            Rule::YearlyFlow { min, from, to } => {
                format!("≥ {} each year {from}–{to}{about}", fmt_num(*min))
            }
            Rule::NetIncrease { min, from, to } => {
                format!(
                    "net increase ≥ {} each year {from}–{to}{about}",
                    fmt_num(*min)
                )
            }
            Rule::GrowthFloor { min_rate, from, to } => format!(
                "average growth ≥ {}% a year {}–{to}",
                fmt_num(min_rate * 100.0),
                from - 1
            ),
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => format!("total ≥ {} over {from}–{to}{about}", fmt_num(*min_total)),
        }
    }

    /// The threshold after applying the "about" tolerance in the indicator's favourable
    /// direction (for higher-is-better: `value × (1 − about)`).
    pub(crate) fn tolerant(&self, ind: &Indicator, value: f64) -> f64 {
        let a = self.about.unwrap_or(0.0);
        if ind.at_least_as_good(2.0, 1.0) {
            value - a * value.abs()
        } else {
            value + a * value.abs()
        }
    }

    /// The required path and the assessment of the observations.
    ///
    /// ```
    /// use innodex::plan::Plan;
    /// let plan = Plan::linyi();
    /// let ev = plan.evaluate("hte_count").unwrap();
    /// assert!((ev.required.required_cagr.unwrap() - 0.148698355).abs() < 1e-9);
    /// assert_eq!(ev.required.required_increment, Some(150.0));
    /// ```
    pub fn evaluate(&self, ctx: &Context<'_>) -> Evaluation {
        let required = self.required_path(ctx);
        let assessment = self.assess(ctx, &required);
        Evaluation {
            required,
            assessment,
        }
    }

    fn required_path(&self, ctx: &Context<'_>) -> RequiredPath {
        let base_year = self.effective_base_year(ctx.plan_base_year);
        let target_year = self.target_year();
        let baseline = ctx.series.point_at(base_year).cloned();
        let b = baseline.as_ref().map(|p| p.value);
        let mut req = RequiredPath {
            base_year,
            baseline,
            target_year,
            target_value: None,
            target_note: String::new(),
            required_cagr: None,
            required_increment: None,
            doubling_time: None,
            compound: vec![],
            linear: vec![],
            note: String::new(),
        };
        let no_baseline = format!(
            "no {base_year} baseline for `{}`: add an observation (or override the baseline) to get a path",
            ctx.indicator.id
        );
        // Level targets: a level T in the target year, paths from the baseline B.
        let level: Option<(f64, String)> = match &self.rule {
            Rule::Level { value, .. } => Some((*value, "stated level".into())),
            Rule::MultipleOfBase { factor, .. } => match b {
                Some(b) => Some((
                    factor * b,
                    format!("{} × {base_year} level", fmt_num(*factor)),
                )),
                None => {
                    req.note = no_baseline.clone();
                    None
                }
            },
            Rule::AtLeastReference {
                reference, margin, ..
            } => match ctx.reference {
                Some(r) => {
                    let trend = ReferenceTrend::fit(r, base_year);
                    match reference_value(r, trend.as_ref(), target_year) {
                        Some((v, false)) => {
                            Some((v + margin, format!("`{reference}` in {target_year}")))
                        }
                        Some((v, true)) => Some((
                            v + margin,
                            format!(
                                "`{reference}` in {target_year}, {}",
                                trend.as_ref().map(|t| t.describe()).unwrap_or_default()
                            ),
                        )),
                        None => {
                            req.note = format!("reference `{reference}` has no observations");
                            None
                        }
                    }
                }
                None => {
                    req.note = format!("reference `{reference}` is not in the plan");
                    None
                }
            },
            Rule::NetIncrease { min, from, to } => b.map(|b| {
                (
                    b + min * (to - from + 1) as f64,
                    format!("{base_year} level + {} a year", fmt_num(*min)),
                )
            }),
            Rule::GrowthFloor { min_rate, from, to } => b.map(|b| {
                (
                    b * (1.0 + min_rate).powi(to - from + 1),
                    format!(
                        "{base_year} level grown {}% a year",
                        fmt_num(min_rate * 100.0)
                    ),
                )
            }),
            Rule::YearlyFlow { min, from, to } => {
                req.target_value = Some(*min);
                req.target_note = "minimum each year".into();
                req.required_increment = None;
                req.linear = (*from..=*to).map(|y| (y, *min)).collect();
                return req;
            }
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => {
                let n = (to - from + 1) as f64;
                req.target_value = Some(*min_total);
                req.target_note = format!("total; {} a year on average", fmt_num(min_total / n));
                req.linear = (*from..=*to)
                    .map(|y| (y, min_total * (y - from + 1) as f64 / n))
                    .collect();
                return req;
            }
        };
        let Some((t, note)) = level else {
            if req.note.is_empty() {
                req.note = no_baseline;
            }
            return req;
        };
        req.target_value = Some(t);
        req.target_note = note;
        let Some(b) = b else {
            req.note = no_baseline;
            return req;
        };
        match &self.rule {
            Rule::NetIncrease { min, .. } => req.required_increment = Some(*min),
            _ => {
                req.required_increment =
                    growth::required_increment(b, t, base_year, target_year).ok()
            }
        }
        if let Some(d) = req.required_increment {
            req.linear = growth::linear_path(b, d, base_year, target_year).unwrap_or_default();
        }
        let g = match &self.rule {
            Rule::GrowthFloor { min_rate, .. } => Ok(*min_rate),
            _ => growth::required_cagr(b, t, base_year, target_year),
        };
        match g {
            Ok(g) => {
                req.required_cagr = Some(g);
                req.doubling_time = growth::doubling_time(g).ok();
                req.compound =
                    growth::compound_path(b, g, base_year, target_year).unwrap_or_default();
                if let Some(last) = req.compound.last_mut() {
                    // (1+g)^n can miss t in the last bit; the path must end on the target.
                    last.1 = t;
                }
            }
            Err(e) => req.note = format!("no compound path: {e}"),
        }
        req
    }

    fn assess(&self, ctx: &Context<'_>, req: &RequiredPath) -> Assessment {
        match &self.rule {
            Rule::Level { .. } | Rule::MultipleOfBase { .. } => self.assess_level(ctx, req),
            Rule::AtLeastReference {
                reference, margin, ..
            } => self.assess_reference(ctx, req, reference, *margin),
            Rule::YearlyFlow { min, from, to } | Rule::NetIncrease { min, from, to } => {
                self.assess_yearly(ctx, *min, *from, *to)
            }
            Rule::GrowthFloor { min_rate, .. } => Self::assess_growth_floor(ctx, req, *min_rate),
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => self.assess_cumulative(ctx, *min_total, *from, *to),
        }
    }

    /// A level or a multiple: met once reached, else judged against the required path.
    fn assess_level(&self, ctx: &Context<'_>, req: &RequiredPath) -> Assessment {
        use Status::*;
        let ind = ctx.indicator;
        let id = &ind.id;
        let base_year = req.base_year;
        let target_year = req.target_year;
        let s = ctx.series;
        let Some(t) = req.target_value else {
            return Assessment::new(NotAssessable, req.note.clone());
        };
        let need = self.tolerant(ind, t);
        let in_period: Vec<&Point> = s
            .points()
            .iter()
            .filter(|p| p.year > base_year && p.year <= target_year)
            .collect();
        if let Some(first) = in_period
            .iter()
            .find(|p| proves(ind, p, need, false) == Some(true))
        {
            return Assessment::new(
                Met,
                format!(
                    "{}{} in {} reaches {}",
                    first.bound.sign(),
                    fmt_num(first.value),
                    first.year,
                    fmt_num(t)
                ),
            );
        }
        let Some(last) = in_period.iter().rev().find(|p| p.bound.is_exact()).copied() else {
            let why = match in_period.last() {
                Some(p) => format!(
                    "the only evidence after {base_year} is a bound ({}) that does not decide the target",
                    p.describe_evidence()
                ),
                None => format!("no observation of `{id}` after the base year {base_year}"),
            };
            return Assessment::new(NotAssessable, why);
        };
        if last.year == target_year {
            return Assessment::new(
                OffTrack,
                format!(
                    "{} in {target_year}, short of {}",
                    fmt_num(last.value),
                    fmt_num(t)
                ),
            );
        }
        let path = match self.path {
            PathKind::Compound if !req.compound.is_empty() => &req.compound,
            _ => &req.linear,
        };
        match path.iter().find(|(y, _)| *y == last.year) {
            Some((_, p)) => {
                let p_need = self.tolerant(ind, *p);
                Assessment::new(
                    on_track_if(ind.at_least_as_good(last.value, p_need)),
                    format!(
                        "{} in {} against {} on the required {} path",
                        fmt_num(last.value),
                        last.year,
                        fmt_num(*p),
                        if path == &req.compound {
                            "compound"
                        } else {
                            "linear"
                        }
                    ),
                )
            }
            None => Assessment::new(NotAssessable, req.note.clone()),
        }
    }

    /// At least a reference (plus margin): compared in the latest common year; below it, the
    /// gap must have closed at least linearly since the base year.
    fn assess_reference(
        &self,
        ctx: &Context<'_>,
        req: &RequiredPath,
        reference: &str,
        margin: f64,
    ) -> Assessment {
        use Status::*;
        let ind = ctx.indicator;
        let id = &ind.id;
        let base_year = req.base_year;
        let target_year = req.target_year;
        let s = ctx.series;
        let Some(r) = ctx.reference else {
            return Assessment::new(
                NotAssessable,
                format!("reference `{reference}` is not in the plan"),
            );
        };
        // The latest year (≤ target year, after the base) with an exact value of the
        // indicator and a reference value (observed, or its stated trend past its
        // latest observation).
        let trend = ReferenceTrend::fit(r, base_year);
        let common = s
            .points()
            .iter()
            .rev()
            .filter(|p| p.year <= target_year && p.year > base_year && p.bound.is_exact())
            .find_map(|p| {
                reference_value(r, trend.as_ref(), p.year)
                    .map(|(rv, projected)| (p.year, p.value, rv + margin, projected))
            });
        let Some((year, v, rv, projected)) = common else {
            let why = if s.points().iter().any(|p| p.year > base_year) {
                format!("no year after {base_year} with both `{id}` and `{reference}` observed")
            } else {
                format!("no observation of `{id}` after the base year {base_year}")
            };
            return Assessment::new(NotAssessable, why);
        };
        let cmp = format!(
            "{} against `{reference}` {} in {year}{}",
            fmt_num(v),
            fmt_num(rv),
            if projected {
                format!(
                    " ({})",
                    trend.as_ref().map(|t| t.describe()).unwrap_or_default()
                )
            } else {
                String::new()
            }
        );
        let meets = if self.strict {
            ind.at_least_as_good(v, rv) && v != rv
        } else {
            ind.at_least_as_good(v, rv)
        };
        if meets {
            return Assessment::new(if year == target_year { Met } else { OnTrack }, cmp);
        }
        if year == target_year {
            return Assessment::new(OffTrack, cmp);
        }
        match (s.value_at(base_year), r.value_at(base_year)) {
            (Some(v0), Some(r0)) => {
                let gap0 = (r0 + margin - v0).abs();
                let gap = (rv - v).abs();
                let allowed = gap0 * (target_year - year) as f64 / (target_year - base_year) as f64;
                let status = on_track_if(gap <= allowed);
                Assessment::new(
                    status,
                    format!(
                        "{cmp}; gap {} against at most {} for a linear closing since {base_year}",
                        fmt_num(gap),
                        fmt_num(allowed)
                    ),
                )
            }
            _ => Assessment::new(
                OffTrack,
                format!("{cmp}; below the reference (no {base_year} values to judge the trend)"),
            ),
        }
    }

    /// A yearly flow or net increase: every year with evidence must pass.
    fn assess_yearly(&self, ctx: &Context<'_>, min: f64, from: i32, to: i32) -> Assessment {
        use Status::*;
        let ind = ctx.indicator;
        let id = &ind.id;
        let s = ctx.series;
        let is_flow = matches!(self.rule, Rule::YearlyFlow { .. });
        let need = self.tolerant(ind, min);
        let what = if is_flow { "flow" } else { "net increase" };
        let n_years = (to - from + 1) as usize;
        // Per year: Some(true) the evidence proves the year passes, Some(false) it
        // proves it fails, None it decides nothing (a bound on the wrong side).
        let mut verdicts: Vec<(i32, f64, Bound, Option<bool>)> = Vec::new();
        for y in from..=to {
            let pt = if is_flow {
                s.point_at(y).map(|p| (p.value, p.bound))
            } else {
                s.point_at(y)
                    .zip(s.point_at(y - 1))
                    .and_then(|(a, b)| b.bound.is_exact().then_some((a.value - b.value, a.bound)))
            };
            if let Some((v, bound)) = pt {
                let probe = Point {
                    bound,
                    ..Point::new(
                        y,
                        v,
                        crate::series::Provenance::Assumed {
                            note: String::new(),
                        },
                    )
                };
                verdicts.push((y, v, bound, proves(ind, &probe, need, false)));
            }
        }
        let short: Vec<String> = verdicts
            .iter()
            .filter(|v| v.3 == Some(false))
            .map(|(y, v, _, _)| format!("{y}: {}", fmt_num(*v)))
            .collect();
        if !short.is_empty() {
            return Assessment::new(
                OffTrack,
                format!("{what} below {} in {}", fmt_num(min), short.join(", ")),
            );
        }
        let passed: Vec<String> = verdicts
            .iter()
            .filter(|v| v.3 == Some(true))
            .map(|(y, v, b, _)| format!("{y}: {}{}", b.sign(), fmt_num(*v)))
            .collect();
        if passed.len() == n_years {
            return Assessment::new(Met, format!("{what} ≥ {} in every year", fmt_num(min)));
        }
        if !passed.is_empty() {
            return Assessment::new(
                OnTrack,
                format!(
                    "{what} ≥ {} in the {} of {n_years} years with evidence ({})",
                    fmt_num(min),
                    passed.len(),
                    passed.join(", ")
                ),
            );
        }
        // A stock observed in two non-consecutive years: the average yearly increase
        // between them (each year's own increase is unknown).
        if !is_flow {
            let start = s
                .points()
                .iter()
                .filter(|p| p.year >= from - 1 && p.year < to && p.bound.is_exact())
                .min_by_key(|p| p.year);
            if let Some(a) = start
                && let Some(b) = s
                    .points()
                    .iter()
                    .rev()
                    .find(|p| p.year > a.year && p.year <= to)
            {
                let avg = (b.value - a.value) / (b.year - a.year) as f64;
                let probe = Point {
                    bound: b.bound,
                    ..Point::new(
                        b.year,
                        avg,
                        crate::series::Provenance::Assumed {
                            note: String::new(),
                        },
                    )
                };
                let text = format!(
                    "average net increase {}{} a year {}–{} (from {} to {}{}); the yearly increases are not observed",
                    b.bound.sign(),
                    fmt_num(avg),
                    a.year,
                    b.year,
                    fmt_num(a.value),
                    b.bound.sign(),
                    fmt_num(b.value)
                );
                match proves(ind, &probe, need, false) {
                    Some(true) => return Assessment::new(OnTrack, text),
                    Some(false) => {
                        return Assessment::new(
                            OffTrack,
                            format!("{text}, so some year fell below {}", fmt_num(min)),
                        );
                    }
                    None => {}
                }
            }
        }
        let need_data = if is_flow {
            format!("no observation of `{id}` in {from}–{to} that decides the target")
        } else {
            format!(
                "no two observations of `{id}` in {}–{to} that decide the target",
                from - 1
            )
        };
        Assessment::new(NotAssessable, need_data)
    }

    /// An average growth rate since the base year.
    fn assess_growth_floor(ctx: &Context<'_>, req: &RequiredPath, min_rate: f64) -> Assessment {
        use Status::*;
        let ind = ctx.indicator;
        let id = &ind.id;
        let base_year = req.base_year;
        let target_year = req.target_year;
        let s = ctx.series;
        let Some(b) = req.baseline.as_ref() else {
            return Assessment::new(NotAssessable, req.note.clone());
        };
        let Some(last) = s
            .last_at_or_before(target_year)
            .filter(|p| p.year > base_year)
        else {
            return Assessment::new(
                NotAssessable,
                format!("no observation of `{id}` after the base year {base_year}"),
            );
        };
        match growth::cagr(b.value, last.value, base_year, last.year) {
            Ok(g) => {
                let ok = g >= min_rate;
                let status = match (ok, last.year == target_year) {
                    (true, true) => Met,
                    (true, false) => OnTrack,
                    (false, _) => OffTrack,
                };
                Assessment::new(
                    status,
                    format!(
                        "average growth {}% a year {base_year}–{} against {}%",
                        fmt_num(g * 100.0),
                        last.year,
                        fmt_num(min_rate * 100.0)
                    ),
                )
            }
            Err(e) => Assessment::new(NotAssessable, format!("no growth rate: {e}")),
        }
    }

    /// A total over the period, pro rata before its end.
    fn assess_cumulative(
        &self,
        ctx: &Context<'_>,
        min_total: f64,
        from: i32,
        to: i32,
    ) -> Assessment {
        use Status::*;
        let ind = ctx.indicator;
        let id = &ind.id;
        let s = ctx.series;
        let mut total = 0.0;
        let mut last = None;
        for y in from..=to {
            match s.value_at(y) {
                Some(v) => {
                    total += v;
                    last = Some(y);
                }
                None => break,
            }
        }
        let need = self.tolerant(ind, min_total);
        let Some(last) = last else {
            return Assessment::new(NotAssessable, format!("no observation of `{id}` in {from}"));
        };
        if ind.at_least_as_good(total, need) {
            return Assessment::new(
                Met,
                format!(
                    "total {} by {last} reaches {}",
                    fmt_num(total),
                    fmt_num(min_total)
                ),
            );
        }
        if last == to {
            return Assessment::new(
                OffTrack,
                format!("total {} short of {}", fmt_num(total), fmt_num(min_total)),
            );
        }
        let pro_rata = need * (last - from + 1) as f64 / (to - from + 1) as f64;
        Assessment::new(
            on_track_if(ind.at_least_as_good(total, pro_rata)),
            format!(
                "total {} by {last} against {} pro rata",
                fmt_num(total),
                fmt_num(pro_rata)
            ),
        )
    }
}

/// On track when the evidence is at least as good as the required path's value, off track
/// otherwise (a target whose year has not come).
fn on_track_if(at_least_as_good: bool) -> Status {
    if at_least_as_good {
        Status::OnTrack
    } else {
        Status::OffTrack
    }
}
