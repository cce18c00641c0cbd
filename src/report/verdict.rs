//! The verdict table that opens every report: one row per target (see
//! [`crate::assessment`]), as aligned text, Markdown and CSV.

use std::fmt::Write as _;

use crate::assessment::{ChangeModel, TargetProgress, Verdict, VerdictRow};
use crate::target::{Status, fmt_num};

/// Text columns of a row: target, latest evidence, required, gap, status, grade, years
/// ahead, P(met) per scenario, median attainment year per scenario.
fn cells(r: &VerdictRow) -> Vec<String> {
    let evidence = r
        .evidence
        .as_ref()
        .map(|p| {
            format!(
                "{}{} ({}, {})",
                p.bound.sign(),
                num(p.value),
                p.year,
                evidence_tag(p)
            )
        })
        .unwrap_or_else(|| "–".into());
    let status = match (r.status, r.achieved_in) {
        (Status::Met, Some(y)) => format!("achieved {y}"),
        (Status::Met, None) => "achieved".into(),
        (s, _) => s.label().to_string(),
    };
    let (grade, ahead) = match &r.progress {
        Some(p) => (grade_text(p), ahead_text(p)),
        None => ("–".into(), "–".into()),
    };
    let p_met = if r.outlook.is_empty() {
        "–".to_string()
    } else {
        r.outlook
            .iter()
            .map(|o| {
                o.p_met
                    .map(|p| {
                        format!(
                            "{p:.2}{}{}",
                            if o.calibrated { "†" } else { "" },
                            if o.assumed_start { "*" } else { "" }
                        )
                    })
                    .unwrap_or_else(|| "–".into())
            })
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let median = if r.outlook.is_empty() {
        "–".to_string()
    } else {
        r.outlook
            .iter()
            .map(|o| {
                o.median_attainment_year
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "–".into())
            })
            .collect::<Vec<_>>()
            .join(" / ")
    };
    vec![
        r.target.clone(),
        evidence,
        r.required.map(num).unwrap_or_else(|| "–".into()),
        r.gap
            .map(|g| format!("{}{}", bound_prefix(r), signed(g)))
            .unwrap_or_else(|| "–".into()),
        status,
        grade,
        ahead,
        p_met,
        median,
    ]
}

fn bound_prefix(r: &VerdictRow) -> &'static str {
    r.evidence.as_ref().map_or("", |p| p.bound.sign())
}

/// `observed, final` / `derived` / `implied` …
fn evidence_tag(p: &crate::series::Point) -> String {
    match p.release {
        Some(rel) => format!("{}, {}", p.provenance.label(), rel.as_str()),
        None => p.provenance.label().to_string(),
    }
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn signed(v: f64) -> String {
    let s = num(v.abs());
    if v < 0.0 {
        format!("−{s}")
    } else {
        format!("+{s}")
    }
}

fn grade_text(p: &TargetProgress) -> String {
    let model = match p.model {
        ChangeModel::Linear => "lin",
        ChangeModel::Compound => "cmp",
    };
    format!(
        "{} (r {}{:.2}, {model})",
        p.grade.label(),
        p.bound.sign().trim_end(),
        p.ratio
    )
}

fn ahead_text(p: &TargetProgress) -> String {
    match p.years_ahead {
        Some(y) => format!("{}{:+.1}", p.bound.sign(), y),
        None => "–".into(),
    }
}

const HEADER: [&str; 9] = [
    "target",
    "latest evidence",
    "required",
    "gap",
    "status",
    "grade",
    "years ahead",
    "P(met)",
    "median year",
];

fn scenario_names(v: &Verdict) -> String {
    v.rows
        .first()
        .map(|r| {
            r.outlook
                .iter()
                .map(|o| o.scenario.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_default()
}

/// The verdict's cells for an HTML table: target, latest evidence, required, gap, status,
/// grade, years ahead, P(met) per scenario, and the data an unassessable target needs.
pub fn rows_text(v: &Verdict) -> Vec<Vec<String>> {
    v.rows
        .iter()
        .map(|r| {
            let mut c = cells(r);
            c.truncate(8);
            c.push(r.needs.clone().unwrap_or_default());
            c
        })
        .collect()
}

/// The legend under the verdict table.
pub fn legend_text(v: &Verdict) -> String {
    legend(v)
}

/// Aligned columns, two spaces apart, with a rule under the header.
pub(crate) fn aligned(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&width)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut s = String::new();
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(s, "{}", line(&head));
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    let _ = writeln!(s, "{}", line(&rule));
    for r in rows {
        let _ = writeln!(s, "{}", line(r));
    }
    s
}

fn title(v: &Verdict) -> String {
    let mut t =
        "Verdict: did the plan work? One row per target, on the latest evidence".to_string();
    if let Some(d) = &v.as_of {
        let _ = write!(t, " published by {d}");
    }
    t
}

fn legend(v: &Verdict) -> String {
    let mut s = String::from(
        "required: the value the target required in the evidence's year (linear path from the base year; the reference; the yearly minimum); gap = evidence − required. \
grade: SDSN trend method, r = observed ÷ required average yearly change (lin: linear, cmp: compound); years ahead: when the required path reaches the latest value, minus its year. \
≥ marks bounds (\"more than 1600\").",
    );
    let names = scenario_names(v);
    if !names.is_empty() {
        let _ = write!(
            s,
            " P(met) and median attainment year by scenario: {names} (Monte Carlo; see the projection section)."
        );
        if v.rows
            .iter()
            .any(|r| r.outlook.iter().any(|o| o.calibrated))
        {
            s.push_str(
                " † calibrated against a panel's out-of-sample errors (split conformal; docs/projections.md); unmarked probabilities rest on the scenarios' own spreads.",
            );
        } else {
            s.push_str(
                " The probabilities rest on the scenarios' own spreads, uncalibrated: on the provincial R&D panel such spreads covered 47–71 % of outcomes at a nominal 90 % (a scenario set's [[set.calibration]] calibrates them, as the shipped sets do unless --uncalibrated is given; docs/projections.md).",
            );
        }
        if v.rows
            .iter()
            .any(|r| r.outlook.iter().any(|o| o.assumed_start))
        {
            s.push_str(
                " * projected from a start the scenario assumes (no evidence of that indicator): what the assumption implies, not what happened.",
            );
        }
    }
    s
}

/// Which P(met) are calibrated, against what, and the uncalibrated values beside them; or why
/// a probability is not calibrated: one line per target with a projected probability, none
/// when the projection had no calibration.
pub fn calibration_text(v: &Verdict) -> Vec<String> {
    v.rows
        .iter()
        .filter_map(|r| {
            let o = r
                .outlook
                .iter()
                .find(|o| o.p_met.is_some() && !o.calibration_note.is_empty())?;
            let before = if r.outlook.iter().any(|o| o.calibrated) {
                let ps: Vec<String> = r
                    .outlook
                    .iter()
                    .map(|o| match (o.p_uncalibrated, o.p_met) {
                        (Some(p), _) | (None, Some(p)) => format!("{p:.2}"),
                        _ => "–".into(),
                    })
                    .collect();
                format!(" (uncalibrated: {})", ps.join(" / "))
            } else {
                String::new()
            };
            let mark = if o.calibrated { "† " } else { "" };
            Some(format!(
                "{}: {mark}{}{before}",
                r.target, o.calibration_note
            ))
        })
        .collect()
}

fn calibration_lines(s: &mut String, v: &Verdict, bullet: &str) {
    let lines = calibration_text(v);
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(s, "Calibration of P(met) (docs/projections.md):");
    for l in lines {
        let _ = writeln!(s, "{bullet}{l}");
    }
    s.push('\n');
}

/// The verdict as aligned text, with the readings and the data the unassessable targets need.
pub fn to_table(v: &Verdict) -> String {
    let rows: Vec<Vec<String>> = v.rows.iter().map(cells).collect();
    let mut s = format!("{}\n\n", title(v));
    s.push_str(&aligned(&HEADER, &rows));
    let _ = writeln!(s, "\n{}", wrap(&legend(v), 100));
    notes(v, &mut s, false);
    s
}

/// The verdict as a Markdown table.
pub fn to_markdown(v: &Verdict) -> String {
    let mut s = format!("## {}\n\n", title(v));
    let _ = writeln!(s, "| {} |", HEADER.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(HEADER.len()));
    for r in &v.rows {
        let mut c = cells(r);
        c[0] = format!("`{}`", c[0]);
        let _ = writeln!(s, "| {} |", c.join(" | "));
    }
    let _ = writeln!(s, "\n{}\n", legend(v));
    notes(v, &mut s, true);
    s
}

fn notes(v: &Verdict, s: &mut String, markdown: bool) {
    let bullet = if markdown { "- " } else { "  " };
    let readings: Vec<&VerdictRow> = v.rows.iter().filter(|r| !r.reading.is_empty()).collect();
    if !readings.is_empty() {
        let _ = writeln!(s, "Readings of the plan's words:");
        for r in readings {
            let _ = writeln!(s, "{bullet}{}: {}", r.target, r.reading);
        }
        if v.rows.iter().any(|r| r.statement.contains("assumed")) {
            let _ = writeln!(
                s,
                "{bullet}左右 (about): read as ±5 %, an assumption (vary it with --about)"
            );
        }
        s.push('\n');
    }
    if !v.spans.is_empty() {
        let _ = writeln!(
            s,
            "Figures over spans of years (a span 2021–2025 runs from the 2020 level):"
        );
        for line in &v.spans {
            let _ = writeln!(s, "{bullet}{line}");
        }
        s.push('\n');
    }
    calibration_lines(s, v, bullet);
    let missing: Vec<&VerdictRow> = v.rows.iter().filter(|r| r.needs.is_some()).collect();
    if !missing.is_empty() {
        let _ = writeln!(s, "Data that would make the unassessed targets assessable:");
        for r in missing {
            let _ = writeln!(
                s,
                "{bullet}{}: {}",
                r.target,
                r.needs.as_deref().unwrap_or_default()
            );
        }
        s.push('\n');
    }
    let evidence: Vec<&VerdictRow> = v.rows.iter().filter(|r| r.evidence.is_some()).collect();
    if !evidence.is_empty() {
        let _ = writeln!(s, "Evidence behind each row:");
        for r in evidence {
            let p = r.evidence.as_ref().expect("filtered");
            let _ = writeln!(
                s,
                "{bullet}{}: {} — {}",
                r.target,
                p.describe_evidence(),
                p.provenance.describe()
            );
            if let Some(pr) = &r.progress
                && pr.latest_year != pr.start_year
            {
                let _ = writeln!(
                    s,
                    "{bullet}  grade from {} ({}) to {}{} ({}): observed {} vs required {} a year",
                    fmt_num(pr.start_value),
                    pr.start_year,
                    pr.bound.sign(),
                    fmt_num(pr.latest_value),
                    pr.latest_year,
                    change(pr, pr.observed_change),
                    change(pr, pr.required_change)
                );
            } else if !r.no_grade.is_empty() {
                let _ = writeln!(s, "{bullet}  no grade: {}", r.no_grade);
            }
        }
        s.push('\n');
    }
}

fn change(p: &TargetProgress, c: f64) -> String {
    match p.model {
        ChangeModel::Linear => format!("{c:+.4}"),
        ChangeModel::Compound => format!("{:+.2} %", c * 100.0),
    }
}

/// CSV, one row per target (machine-readable: numbers unformatted).
pub fn to_csv(v: &Verdict) -> String {
    let mut out = String::from(
        "target,evidence_year,evidence_value,evidence_bound,evidence_kind,evidence_release,evidence_published,required,gap,status,achieved_in,grade,grade_model,r,years_ahead,p_met,median_attainment_year,needs\n",
    );
    let f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in &v.rows {
        let p = r.evidence.as_ref();
        let g = r.progress.as_ref();
        let fields = [
            r.target.clone(),
            p.map(|p| p.year.to_string()).unwrap_or_default(),
            f(p.map(|p| p.value)),
            p.map(|p| p.bound.as_str().to_string()).unwrap_or_default(),
            p.map(|p| p.provenance.label().to_string())
                .unwrap_or_default(),
            p.and_then(|p| p.release.map(|r| r.as_str().to_string()))
                .unwrap_or_default(),
            p.and_then(|p| p.published.map(|d| d.to_string()))
                .unwrap_or_default(),
            f(r.required),
            f(r.gap),
            r.status.label().to_string(),
            r.achieved_in.map(|y| y.to_string()).unwrap_or_default(),
            g.map(|g| g.grade.label().to_string()).unwrap_or_default(),
            g.map(|g| match g.model {
                ChangeModel::Linear => "linear".to_string(),
                ChangeModel::Compound => "compound".to_string(),
            })
            .unwrap_or_default(),
            f(g.map(|g| g.ratio)),
            f(g.and_then(|g| g.years_ahead)),
            r.outlook
                .iter()
                .map(|o| format!("{}={}", o.scenario, f(o.p_met)))
                .collect::<Vec<_>>()
                .join(";"),
            r.outlook
                .iter()
                .map(|o| {
                    format!(
                        "{}={}",
                        o.scenario,
                        o.median_attainment_year
                            .map(|y| y.to_string())
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(";"),
            r.needs.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|x| super::csv_field(x)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Greedy word wrap at `width` characters.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for w in text.split_whitespace() {
        let n = w.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(w);
        line += n;
    }
    out
}
