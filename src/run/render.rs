//! Writing a run report: `report.json`, CSV tables, `report.md` and a self-contained
//! `report.html` with inline SVG charts.

use std::fmt::Write as _;
use std::path::Path;

use super::{RunError, RunReport, charts};
use crate::scenario::PlanProjection;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// [`esc`], with the markdown code spans of target statements (`` `shandong_rd_share` ``)
/// shown as `<code>`; an unpaired backtick stays as it is.
fn esc_inline_code(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 16);
    for (i, p) in parts.iter().enumerate() {
        let paired = i % 2 == 1 && i + 1 < parts.len();
        if paired {
            let _ = write!(out, "<code>{}</code>", esc(p));
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&esc(p));
        }
    }
    out
}

fn csv_of(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The CSV tables of a report, as (file name, contents).
fn csv_tables(r: &RunReport) -> Vec<(String, String)> {
    let mut out = vec![];
    out.push((
        "checks.csv".to_string(),
        csv_of(
            &[
                "name",
                "kind",
                "observed",
                "observed_text",
                "bound",
                "passed",
            ],
            r.checks.iter().map(|c| {
                vec![
                    c.name.clone(),
                    c.kind.clone(),
                    num(c.observed),
                    c.observed_text.clone(),
                    c.bound.clone(),
                    c.passed.to_string(),
                ]
            }),
        ),
    ));
    out.push((
        "key_results.csv".into(),
        csv_of(
            &["key", "value"],
            r.key_results
                .iter()
                .map(|(k, v)| vec![k.clone(), v.to_string()]),
        ),
    ));
    out.push(("targets.csv".into(), r.plan.to_csv()));
    if let Some(p) = &r.projection {
        if let Some(sec) = &r.projection_section {
            out.push(("projection.csv".into(), sec.to_csv()));
        }
        let mut rows = vec![];
        for s in &p.scenarios {
            for f in &s.result.indicators {
                for (y, q) in f.years.iter().zip(&f.quantiles) {
                    if let Some(q) = q {
                        let mut row = vec![s.name.clone(), f.id.clone(), y.to_string()];
                        row.extend(q.iter().map(|v| v.to_string()));
                        rows.push(row);
                    }
                }
            }
        }
        let probs: Vec<String> = p
            .scenarios
            .first()
            .map(|s| s.result.quantiles.iter().map(|q| format!("q{q}")).collect())
            .unwrap_or_default();
        let mut head = vec!["scenario", "indicator", "year"];
        head.extend(probs.iter().map(String::as_str));
        out.push(("fans.csv".into(), csv_of(&head, rows)));
    }
    if let Some(g) = &r.plan.rd_share_sensitivity {
        out.push((
            "sensitivity.csv".into(),
            csv_of(
                &[
                    "input",
                    "low",
                    "high",
                    "gap_at_low",
                    "gap_at_high",
                    "swing",
                    "s1",
                    "s1_conf",
                    "st",
                    "st_conf",
                ],
                g.inputs.iter().enumerate().map(|(i, name)| {
                    let b = g.tornado.iter().find(|b| &b.name == name);
                    vec![
                        name.clone(),
                        g.ranges[i].0.to_string(),
                        g.ranges[i].1.to_string(),
                        num(b.map(|b| b.output_low)),
                        num(b.map(|b| b.output_high)),
                        num(b.map(|b| b.swing)),
                        num(g.s1.get(i).copied()),
                        num(g.s1_conf.get(i).copied()),
                        num(g.st.get(i).copied()),
                        num(g.st_conf.get(i).copied()),
                    ]
                }),
            ),
        ));
    }
    if let Some(g) = &r.rd_growth_grid {
        let mut rows = vec![];
        for (i, b) in g.baselines.iter().enumerate() {
            for (j, y) in g.gdp_growths.iter().enumerate() {
                rows.push(vec![
                    b.to_string(),
                    y.to_string(),
                    g.reference_2025.to_string(),
                    num(g.required.get(i).and_then(|r| r.get(j)).copied()),
                ]);
            }
        }
        out.push((
            "growth_grid.csv".into(),
            csv_of(
                &[
                    "baseline_share_2020",
                    "gdp_growth",
                    "reference_2025",
                    "required_rd_growth",
                ],
                rows,
            ),
        ));
    }
    for ix in &r.indices {
        if let Ok(text) = ix.report.render("csv") {
            out.push((format!("index-{}.csv", ix.id), text));
        }
        if let Some(u) = &ix.report.uncertainty {
            out.push((
                format!("rank-intervals-{}.csv", ix.id),
                csv_of(
                    &["unit", "nominal", "mean", "median", "q05", "q95"],
                    u.rank_stats.iter().map(|s| {
                        vec![
                            s.unit.clone(),
                            s.nominal.to_string(),
                            s.mean.to_string(),
                            s.median.to_string(),
                            s.q05.to_string(),
                            s.q95.to_string(),
                        ]
                    }),
                ),
            ));
        }
    }
    out
}

/// The checks as a plain-text table (what `innodex check` prints).
///
/// ```
/// use innodex::run::{CheckResult, checks_table};
/// let c = CheckResult { name: "p".into(), kind: "probability_met".into(), observed: Some(0.4),
///     observed_text: "0.4000".into(), bound: "≥ 0.5".into(), passed: false };
/// assert!(checks_table(&[c]).contains("FAIL"));
/// ```
pub fn checks_table(checks: &[super::CheckResult]) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.observed_text.clone(),
                c.bound.clone(),
                if c.passed { "PASS" } else { "FAIL" }.to_string(),
            ]
        })
        .collect();
    let mut s = crate::report::verdict::aligned(&["check", "observed", "bound", "result"], &rows);
    let failed = checks.iter().filter(|c| !c.passed).count();
    let _ = writeln!(
        s,
        "{} checks: {} passed, {failed} failed",
        checks.len(),
        checks.len() - failed
    );
    s
}

fn markdown(r: &RunReport) -> String {
    let mut s = format!("# {}\n\n", r.name);
    if !r.description.is_empty() {
        let _ = writeln!(s, "{}\n", r.description);
    }
    let _ = writeln!(
        s,
        "innodex {}. Charts are in `report.html`; every number is in `report.json`.\n",
        r.innodex_version
    );
    s.push_str("## Inputs\n\n| role | file | SHA-256 |\n|---|---|---|\n");
    for i in &r.inputs {
        let _ = writeln!(s, "| {} | `{}` | `{}` |", i.role, i.path, i.sha256);
    }
    s.push_str("\nSeeds: ");
    s.push_str(
        &r.seeds
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    s.push_str("\n\n## Checks\n\n| check | observed | bound | result |\n|---|---|---|---|\n");
    for c in &r.checks {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            c.name,
            c.observed_text,
            c.bound,
            if c.passed { "PASS" } else { "**FAIL**" }
        );
    }
    s.push('\n');
    // The plan report's own Markdown, one heading level down.
    for line in r.plan.to_markdown().lines() {
        if line.starts_with('#') {
            s.push('#');
        }
        s.push_str(line);
        s.push('\n');
    }
    if let Some(sec) = &r.projection_section {
        s.push_str(&sec.to_markdown());
    }
    if let Some(g) = &r.rd_growth_grid {
        let _ = writeln!(
            s,
            "\n## Required R&D growth a year to reach {} % in 2025\n",
            g.reference_2025
        );
        s.push_str("| share 2020 \\ GDP growth |");
        for y in &g.gdp_growths {
            let _ = write!(s, " {:.1} % |", y * 100.0);
        }
        s.push_str("\n|---|");
        s.push_str(&"---|".repeat(g.gdp_growths.len()));
        s.push('\n');
        for (b, row) in g.baselines.iter().zip(&g.required) {
            let _ = write!(s, "| {b} % |");
            for v in row {
                let _ = write!(s, " {:.2} % |", v * 100.0);
            }
            s.push('\n');
        }
    }
    for ix in &r.indices {
        let _ = writeln!(s, "\n## Index `{}` ({})\n", ix.id, ix.spec);
        if let Ok(t) = ix.report.render("markdown") {
            s.push_str(&t);
        }
    }
    s
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}\
th,td{border:1px solid #ccc;padding:0.25em 0.5em;text-align:left}\
th{background:#f3f3f3}.pass{color:#05661b;font-weight:bold}.fail{color:#b00020;font-weight:bold}\
figure{display:inline-block;margin:0.5em;vertical-align:top}code{font-size:0.95em}";

fn html(r: &RunReport) -> Result<String, String> {
    let mut s = String::new();
    html_head(&mut s, r);
    html_verdict(&mut s, r);
    html_targets(&mut s, r)?;
    html_projections(&mut s, r)?;
    html_sensitivity(&mut s, r)?;
    html_indices(&mut s, r)?;
    html_inputs(&mut s, r);
    Ok(s)
}

/// One chart in a `<figure>` with its caption; `kind` names it for the browser test.
fn figure(s: &mut String, kind: &str, caption: &str, svg: String) {
    let _ = write!(
        s,
        "<figure class=\"chart\" data-chart=\"{kind}\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
        esc(caption)
    );
}

/// The page head, the title, and the checks table.
fn html_head(s: &mut String, r: &RunReport) {
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&r.name),
        esc(&r.name)
    );
    if !r.description.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(&r.description));
    }
    let failed = r.checks.iter().filter(|c| !c.passed).count();
    let _ = writeln!(
        s,
        "<p>innodex {}. Checks: {} passed, {failed} failed.</p>",
        esc(&r.innodex_version),
        r.checks.len() - failed
    );
    s.push_str("<h2>Checks</h2>\n<table id=\"checks\"><tr><th>check</th><th>observed</th><th>bound</th><th>result</th></tr>\n");
    for c in &r.checks {
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            esc(&c.name),
            esc(&c.observed_text),
            esc(&c.bound),
            if c.passed { "pass" } else { "fail" },
            if c.passed { "PASS" } else { "FAIL" }
        );
    }
    s.push_str("</table>\n");
}

/// The verdict: did the plan work?
fn html_verdict(s: &mut String, r: &RunReport) {
    // The verdict first: did the plan work?
    let v = &r.plan.verdict;
    let _ = writeln!(
        s,
        "<h2>Verdict: did the plan work?</h2>\n<table id=\"verdict\"><tr><th>target</th><th>latest evidence</th><th>required</th><th>gap</th><th>status</th><th>grade</th><th>years ahead</th><th>P(met)</th><th>needs</th></tr>"
    );
    for row in crate::report::verdict::rows_text(v) {
        s.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(s, "<td><code>{}</code></td>", esc(c));
            } else {
                let _ = write!(s, "<td>{}</td>", esc(c));
            }
        }
        s.push_str("</tr>\n");
    }
    let _ = writeln!(
        s,
        "</table>\n<p>{}</p>",
        esc(&crate::report::verdict::legend_text(v))
    );
    let cal = crate::report::verdict::calibration_text(v);
    if !cal.is_empty() {
        s.push_str(
            "<p>Calibration of P(met) (docs/projections.md):</p>\n<ul id=\"calibration\">\n",
        );
        for l in cal {
            let _ = writeln!(s, "<li>{}</li>", esc(&l));
        }
        s.push_str("</ul>\n");
    }
}

/// The targets table and their required paths.
fn html_targets(s: &mut String, r: &RunReport) -> Result<(), String> {
    // Targets.
    let _ = writeln!(
        s,
        "<h2>Targets of {} ({}–{})</h2>\n<table><tr><th>target</th><th>statement</th><th>baseline</th><th>target value</th><th>required CAGR</th><th>status</th></tr>",
        esc(&r.plan.title),
        r.plan.period[0],
        r.plan.period[1]
    );
    for t in &r.plan.targets {
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.target),
            esc_inline_code(&t.statement),
            t.baseline
                .map_or("–".into(), |b| format!("{b} ({})", t.base_year)),
            t.target_value.map_or("–".into(), charts::tick),
            t.required_cagr
                .map_or("–".into(), |g| format!("{:.2} %", g * 100.0)),
            esc(t.status.label())
        );
    }
    s.push_str("</table>\n");
    // Targets with the same required paths (a level and a doubling of the same count) share
    // one chart.
    let mut groups: Vec<Vec<&crate::report::TargetRow>> = vec![];
    for t in r.plan.targets.iter().filter(|t| t.compound_path.len() >= 2) {
        match groups.iter_mut().find(|g| {
            g[0].indicator == t.indicator
                && g[0].compound_path == t.compound_path
                && g[0].linear_path == t.linear_path
        }) {
            Some(g) => g.push(t),
            None => groups.push(vec![t]),
        }
    }
    for g in &groups {
        let ids: Vec<&str> = g.iter().map(|t| t.target.as_str()).collect();
        figure(
            s,
            "paths",
            &format!("{}: compound and linear paths", ids.join(", ")),
            charts::target_paths(g)?,
        );
    }
    Ok(())
}

/// The projection table and one fan chart per simulated indicator.
fn html_projections(s: &mut String, r: &RunReport) -> Result<(), String> {
    // Projections.
    if let Some(p) = &r.projection {
        let _ = writeln!(
            s,
            "<h2>Projections</h2>\n<p>{} — {} Monte Carlo paths per scenario, seed {}, horizon {}. Every scenario value rests on stated assumptions, not observations.</p>",
            esc(&p.description),
            p.n_paths,
            p.seed,
            p.horizon
        );
        s.push_str("<table><tr><th>scenario</th><th>target</th><th>metric</th><th>threshold</th><th>median [5 %–95 %]</th><th>P(met)</th></tr>\n");
        for sc in &p.scenarios {
            for t in sc
                .result
                .targets
                .iter()
                .filter(|t| t.not_projected.is_none())
            {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&sc.name),
                    esc(&t.id),
                    esc(&t.metric),
                    charts::tick(t.threshold),
                    t.metric_band.map_or("–".into(), |b| format!(
                        "{} [{} – {}]",
                        band_value(b[1]),
                        band_value(b[0]),
                        band_value(b[2])
                    )),
                    t.probability
                        .map_or("–".into(), |p| format!("{:.1} %", p * 100.0))
                );
            }
        }
        s.push_str("</table>\n");
        let mut ids: Vec<&str> = vec![];
        for sc in &p.scenarios {
            for f in &sc.result.indicators {
                if f.simulated_from.is_some() && !ids.contains(&f.id.as_str()) {
                    ids.push(&f.id);
                }
            }
        }
        for id in ids {
            figure(
                s,
                "fan",
                &format!("{id}: fan chart by scenario"),
                charts::fan(p, id, &fan_labels(r, p, id))?,
            );
        }
    }
    Ok(())
}

/// The R&D-share gap sensitivity and the required-growth grid.
fn html_sensitivity(s: &mut String, r: &RunReport) -> Result<(), String> {
    // Sensitivity.
    if let Some(g) = &r.plan.rd_share_sensitivity {
        let _ = writeln!(
            s,
            "<h2>What drives the R&amp;D-share gap</h2>\n<p>Gap at mid-range inputs: {:+.3} pp; share of {} uniform draws meeting the target: {:.1} %. Sobol' indices (N = {}, seed {}):</p>",
            g.base_gap,
            2 * g.n,
            g.share_meeting_target * 100.0,
            g.n,
            g.seed
        );
        s.push_str("<table><tr><th>input</th><th>range</th><th>S1</th><th>ST</th></tr>\n");
        for (i, name) in g.inputs.iter().enumerate() {
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td>{} – {}</td><td>{:.3} ± {:.3}</td><td>{:.3} ± {:.3}</td></tr>",
                esc(name),
                band_value(g.ranges[i].0),
                band_value(g.ranges[i].1),
                g.s1[i],
                g.s1_conf[i],
                g.st[i],
                g.st_conf[i]
            );
        }
        s.push_str("</table>\n");
        figure(
            s,
            "tornado",
            "Tornado: gap at each input's low (orange) and high (blue) value",
            charts::tornado(g)?,
        );
    }
    if let Some(g) = &r.plan.rd_share_gap_by_year {
        html_gap_by_year(s, g)?;
    }
    if let Some(g) = &r.rd_growth_grid {
        s.push_str("<h2>Required R&amp;D growth</h2>\n");
        figure(
            s,
            "heatmap",
            "Required R&D growth by 2020 share and GDP growth",
            charts::heat_map(g)?,
        );
    }
    Ok(())
}

/// The R&D-share gap year by year: the yearly Sobol' indices as a table and a chart.
fn html_gap_by_year(s: &mut String, g: &crate::cases::linyi::GapByYear) -> Result<(), String> {
    let _ = writeln!(
        s,
        "<h3>The gap year by year, {}–{}</h3>\n<p>Which input drives the gap in each year: Linyi on one constant-rate path through its derived {} share (earlier years: the shares that path implies), Shandong published through its latest year and then growing by the yearly increase. S1 ± 95 % half-width / ST from one Saltelli design evaluated once (N = {}, seed {}); the last row equals the table above. {}</p>",
        g.years.first().copied().unwrap_or_default(),
        g.years.last().copied().unwrap_or_default(),
        g.start_year,
        g.n,
        g.seed,
        esc(&g.back_cast_note())
    );
    s.push_str("<table><tr><th>year</th><th>Shandong (%)</th><th>gap at mid-range (pp)</th>");
    for name in &g.inputs {
        let _ = write!(s, "<th><code>{}</code> S1 / ST</th>", esc(name));
    }
    s.push_str("<th>largest S1</th></tr>\n");
    for (t, year) in g.years.iter().enumerate() {
        let (reference, published) = g.reference[t];
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{reference:.2}{}</td><td>{:+.3}</td>",
            g.year_label(*year),
            if published { "" } else { " (projected)" },
            g.base_gap[t]
        );
        for j in 0..g.inputs.len() {
            let _ = write!(
                s,
                "<td>{:.3} ± {:.3} / {:.3}</td>",
                g.s1[t][j], g.s1_conf[t][j], g.st[t][j]
            );
        }
        let _ = writeln!(s, "<td><code>{}</code></td></tr>", esc(&g.dominant[t]));
    }
    s.push_str("</table>\n");
    figure(
        s,
        "sobol-by-year",
        "Sobol' indices of the gap by year: S1 (solid, with its 95 % band) and ST (dashed)",
        charts::sobol_by_year(g)?,
    );
    Ok(())
}

/// Each composite index: ranking and rank intervals.
fn html_indices(s: &mut String, r: &RunReport) -> Result<(), String> {
    // Indices.
    for ix in &r.indices {
        let rep = &ix.report;
        let _ = writeln!(
            s,
            "<h2>Index <code>{}</code>: {}</h2>\n<p>{} units, {} indicators; spec <code>{}</code>.</p>",
            esc(&ix.id),
            esc(&rep.name),
            rep.n_units,
            rep.n_indicators,
            esc(&ix.spec)
        );
        s.push_str("<table><tr><th>rank</th><th>unit</th><th>name</th><th>score</th></tr>\n");
        for row in rep.ranking.iter().take(rep.top.max(15)) {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{:.2}</td></tr>",
                row.rank,
                esc(&row.unit),
                esc(&row.name),
                row.score
            );
        }
        s.push_str("</table>\n");
        if let Some(u) = &rep.uncertainty {
            figure(
                s,
                "rank-intervals",
                &format!("{}: rank intervals", ix.id),
                charts::rank_intervals(&ix.id, &u.rank_stats)?,
            );
        }
    }
    Ok(())
}

/// The inputs with their hashes, and the seeds; the page end.
fn html_inputs(s: &mut String, r: &RunReport) {
    s.push_str("<h2>Inputs</h2>\n<table><tr><th>role</th><th>file</th><th>SHA-256</th></tr>\n");
    for i in &r.inputs {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            esc(&i.role),
            esc(&i.path),
            esc(&i.sha256)
        );
    }
    s.push_str("</table>\n<p>Seeds: ");
    s.push_str(&esc(&r
        .seeds
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")));
    s.push_str("</p>\n</body>\n</html>\n");
}

/// Writes every output of a run into `dir` (created if needed): `report.json`, `report.md`,
/// `report.html` and the CSV tables. Returns the file names written, in order.
///
/// # Errors
/// [`RunError::Write`] when a file cannot be written, [`RunError::Compute`] when a chart
/// cannot be drawn.
///
/// ```
/// use innodex::run::{Run, write_outputs};
/// let run = Run::from_toml_str("[run]\nname = \"x\"\nplan = \"linyi-2021-2025\"\n",
///     "x.run.toml", std::path::Path::new(".")).unwrap();
/// let report = run.execute(&Default::default(), &mut |_| {}).unwrap();
/// let dir = std::env::temp_dir().join("innodex-doc-write-outputs");
/// let files = write_outputs(&report, &dir).unwrap();
/// assert!(files.contains(&"report.html".to_string()));
/// ```
pub fn write_outputs(report: &RunReport, dir: &Path) -> Result<Vec<String>, RunError> {
    let werr = |p: &Path, source| RunError::Write {
        path: p.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
    let html = html(report).map_err(|message| RunError::Compute {
        path: dir.display().to_string(),
        message: format!("drawing a chart: {message}"),
    })?;
    let mut files = vec![
        ("report.json".to_string(), report.to_json()),
        ("report.md".to_string(), markdown(report)),
        ("report.html".to_string(), html),
    ];
    files.extend(csv_tables(report));
    let mut names = vec![];
    for (name, text) in files {
        // Written beside and renamed into place, so an interrupted or failed write never
        // leaves a truncated report where a complete one is expected.
        let p = dir.join(&name);
        let part = dir.join(format!(".{name}.part"));
        std::fs::write(&part, text).map_err(|e| werr(&part, e))?;
        std::fs::rename(&part, &p).map_err(|e| werr(&p, e))?;
        names.push(name);
    }
    Ok(names)
}

/// A value of a metric band: four significant digits (2371, 47.37, 0.4493), thousands
/// separated.
fn band_value(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let digits = (4 - (v.abs().max(1e-12).log10().floor() as i32 + 1)).max(0);
    let scale = 10f64.powi(digits);
    charts::tick((v * scale).round() / scale)
}

/// Name, unit and target thresholds of an indicator's fan chart: every target on its yearly
/// value (a level; a multiple of a base-year value, drawn at multiple × base).
fn fan_labels(r: &RunReport, p: &PlanProjection, id: &str) -> charts::FanLabels {
    let label = r.plan.indicators.iter().find(|i| i.id == id);
    let mut thresholds = vec![];
    if let Some(sc) = p.scenarios.first() {
        for t in sc.result.targets.iter().filter(|t| t.indicator == id) {
            let base = r
                .plan
                .targets
                .iter()
                .find(|x| x.target == t.id)
                .and_then(|x| x.baseline);
            match (t.metric.as_str(), base) {
                ("value in the target year", _) => {
                    thresholds.push((format!("{} ({})", t.id, t.target_year), t.threshold));
                }
                ("lowest yearly value", _) => {
                    thresholds.push((format!("{} (each year)", t.id), t.threshold));
                }
                ("multiple of the base-year value", Some(b)) => {
                    thresholds.push((format!("{} ({})", t.id, t.target_year), t.threshold * b));
                }
                _ => {}
            }
        }
    }
    // A fan whose targets' projections start from a scenario assumption says so.
    let assumed = r
        .plan
        .verdict
        .rows
        .iter()
        .any(|v| v.indicator == id && v.outlook.iter().any(|o| o.assumed_start));
    charts::FanLabels {
        name: label.map_or_else(|| id.to_string(), |i| i.name.clone()),
        unit: label.map_or_else(String::new, |i| i.unit.clone()),
        thresholds,
        note: assumed.then(|| {
            "starts from a value the scenarios assume (no evidence of this indicator)".into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::esc_inline_code;

    #[test]
    fn statements_show_code_spans_as_code_and_escape_the_rest() {
        assert_eq!(
            esc_inline_code("above `shandong_rd_share` & <b>"),
            "above <code>shandong_rd_share</code> &amp; &lt;b&gt;"
        );
        assert_eq!(
            esc_inline_code("`a` and `b<`"),
            "<code>a</code> and <code>b&lt;</code>"
        );
        // An unpaired backtick is kept literally.
        assert_eq!(esc_inline_code("x ` y"), "x ` y");
        assert_eq!(esc_inline_code("`a` ` b"), "<code>a</code> ` b");
        assert_eq!(esc_inline_code("no code"), "no code");
    }
}
