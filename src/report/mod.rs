//! The plan report: first the verdict (one row per target on the latest evidence: status,
//! grade, years ahead, P(met) per scenario; see [`crate::assessment`]), then per target the
//! baseline and its provenance, the target, the required growth, the compound and linear paths;
//! rendered as a text table, JSON, CSV or Markdown.

pub mod verdict;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::assessment::{self, Verdict};
use crate::cases::linyi::{GapByYear, GapSensitivity, gap_by_year, gap_sensitivity};
use crate::growth;
use crate::plan::Plan;
use crate::sensitivity::SensitivityError;
use crate::target::Status;

/// One target's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRow {
    /// Target id.
    pub target: String,
    /// Kind of target.
    pub kind: String,
    /// Indicator id.
    pub indicator: String,
    /// Indicator name (English).
    pub indicator_name: String,
    /// Indicator name (Chinese).
    pub indicator_name_zh: String,
    /// Unit.
    pub unit: String,
    /// The target in words.
    pub statement: String,
    /// The plan's words.
    pub quote: String,
    /// Base year.
    pub base_year: i32,
    /// Baseline value, if any.
    pub baseline: Option<f64>,
    /// Provenance of the baseline (`observed: …`, `implied: …`, `assumed: …`).
    pub baseline_provenance: Option<String>,
    /// Target year.
    pub target_year: i32,
    /// Target level (for yearly targets: the minimum per year; for totals: the total).
    pub target_value: Option<f64>,
    /// How the target level was derived.
    pub target_note: String,
    /// Required compound yearly growth.
    pub required_cagr: Option<f64>,
    /// Required equal yearly increment.
    pub required_increment: Option<f64>,
    /// Exact doubling time at the required growth.
    pub doubling_time: Option<f64>,
    /// Rule-of-70 doubling time at the required growth.
    pub doubling_time_rule_of_70: Option<f64>,
    /// Compound path (year, value).
    pub compound_path: Vec<(i32, f64)>,
    /// Linear path (year, value); for flows, the minimum each year.
    pub linear_path: Vec<(i32, f64)>,
    /// Status.
    pub status: Status,
    /// Why this status.
    pub detail: String,
    /// Notes on missing parts of the path.
    pub note: String,
}

/// The report on a plan.
///
/// ```
/// let report = innodex::report::PlanReport::new(&innodex::plan::Plan::linyi());
/// assert_eq!(report.targets.len(), 13);
/// assert!(report.to_markdown().contains("hte_count"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    /// The innodex version that wrote it.
    pub innodex_version: String,
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// Region (English).
    pub region: String,
    /// Region (Chinese).
    pub region_zh: String,
    /// Base and final year.
    pub period: [i32; 2],
    /// Source document.
    pub source: String,
    /// The verdict: one row per target on the latest evidence (printed first).
    pub verdict: Verdict,
    /// One row per target.
    pub targets: Vec<TargetRow>,
    /// Name (English) and unit of each indicator, for charts and tables.
    #[serde(default)]
    pub indicators: Vec<IndicatorLabel>,
    /// For the Linyi plan: what drives the 2025 gap of its R&D share to Shandong's
    /// (see [`PlanReport::with_rd_share_sensitivity`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rd_share_sensitivity: Option<GapSensitivity>,
    /// For the Linyi plan: what drives the gap in each year 2021–2025 (yearly Sobol' indices;
    /// see [`PlanReport::with_rd_share_sensitivity`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rd_share_gap_by_year: Option<GapByYear>,
}

/// How an indicator is named on a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorLabel {
    /// Indicator id.
    pub id: String,
    /// English name.
    pub name: String,
    /// Unit.
    pub unit: String,
}

/// Output formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text.
    Table,
    /// Pretty-printed JSON (the whole [`PlanReport`]).
    Json,
    /// One CSV row per target.
    Csv,
    /// Markdown tables.
    Markdown,
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "–".into())
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.2} %", x * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// A target's paths and note, each on a line of its own after its label (both renderers
/// write them; only the labels differ), where it has them.
fn paths_and_note(s: &mut String, r: &TargetRow, labels: [&str; 3]) {
    let texts = [
        (!r.compound_path.is_empty()).then(|| path_text(&r.compound_path)),
        (!r.linear_path.is_empty()).then(|| path_text(&r.linear_path)),
        (!r.note.is_empty()).then(|| r.note.clone()),
    ];
    for (label, text) in labels.iter().zip(texts) {
        if let Some(text) = text {
            let _ = writeln!(s, "{label}{text}");
        }
    }
}

fn path_text(p: &[(i32, f64)]) -> String {
    p.iter()
        .map(|(y, v)| format!("{y}: {v:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary cells of a target: id, statement, baseline (year, provenance kind), target
/// value, required CAGR, yearly increment, doubling time, status.
fn summary_cells(r: &TargetRow) -> Vec<String> {
    vec![
        r.target.clone(),
        r.statement.clone(),
        match (r.baseline, &r.baseline_provenance) {
            (Some(b), Some(p)) => format!(
                "{b} ({}, {})",
                r.base_year,
                p.split(':').next().unwrap_or("")
            ),
            _ => "–".into(),
        },
        opt(r.target_value, 2),
        pct(r.required_cagr),
        opt(r.required_increment, 2),
        opt(r.doubling_time, 2),
        r.status.label().to_string(),
    ]
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The R&D-share sensitivity section, as Markdown or as plain text.
fn gap_text(g: &GapSensitivity, markdown: bool) -> String {
    let mut s = String::new();
    let title = "R&D share of GDP: what drives Linyi's 2025 gap to the Shandong average";
    if markdown {
        let _ = writeln!(s, "\n## {title}\n");
    } else {
        let _ = writeln!(s, "\n{title}\n{}", "-".repeat(title.chars().count()));
    }
    let st = &g.start;
    let _ = writeln!(
        s,
        "Gap = Linyi's share − Shandong's share in 2025 (percentage points; > 0 meets the target). \
         Same evidence as the verdict and the projection: Linyi {:.3} % in {} (derived), Shandong {:.2} % in {}. \
         Inputs uniform over stated ranges (not the scenarios' distributions), so the share of draws \
         meeting the target below is a what-if over those ranges, not the projection's P(met):{}",
        st.share,
        st.share_year,
        st.reference,
        st.reference_year,
        if markdown { "\n" } else { "" }
    );
    for (name, (lo, hi)) in g.inputs.iter().zip(&g.ranges) {
        let _ = writeln!(
            s,
            "{} {name}: {} – {}",
            if markdown { "-" } else { " " },
            crate::target::fmt_num(*lo),
            crate::target::fmt_num(*hi)
        );
    }
    let _ = writeln!(
        s,
        "\nGap at mid-range inputs: {:+.3} pp; share of {} uniform draws meeting the target: {:.1} %.\n",
        g.base_gap,
        2 * g.n,
        g.share_meeting_target * 100.0
    );
    let _ = writeln!(
        s,
        "Sobol' indices of the gap (Saltelli 2010 first order, Jansen total order; N = {}, seed {}, 95 % bootstrap half-widths):{}",
        g.n,
        g.seed,
        if markdown {
            "\n\n| input | S1 | ST | tornado swing (pp) |\n|---|---|---|---|"
        } else {
            ""
        }
    );
    for (i, name) in g.inputs.iter().enumerate() {
        let swing = g
            .tornado
            .iter()
            .find(|b| &b.name == name)
            .map_or(f64::NAN, |b| b.swing);
        if markdown {
            let _ = writeln!(
                s,
                "| {name} | {:.3} ± {:.3} | {:.3} ± {:.3} | {swing:.3} |",
                g.s1[i], g.s1_conf[i], g.st[i], g.st_conf[i]
            );
        } else {
            let _ = writeln!(
                s,
                "  {name:<20} S1 {:.3} ± {:.3}   ST {:.3} ± {:.3}   swing {swing:.3} pp",
                g.s1[i], g.s1_conf[i], g.st[i], g.st_conf[i]
            );
        }
    }
    s
}

/// The yearly R&D-share gap section (which input drives the gap in each year), as Markdown or
/// as plain text.
fn gap_by_year_text(g: &GapByYear, markdown: bool) -> String {
    let mut s = String::new();
    let title = format!(
        "R&D share of GDP: what drives Linyi's gap to the Shandong average, {}–{}",
        g.years.first().copied().unwrap_or_default(),
        g.years.last().copied().unwrap_or_default()
    );
    if markdown {
        let _ = writeln!(s, "\n## {title}\n");
    } else {
        let _ = writeln!(s, "\n{title}\n{}", "-".repeat(title.chars().count()));
    }
    let _ = writeln!(
        s,
        "The same inputs and ranges as above. Linyi follows one constant-rate path through its \
         derived {} share (earlier years: the shares that path implies, so the growth rates \
         weigh more the further a year is from {}, in either direction, and in {} itself only \
         the start share and Shandong's increase matter); Shandong is its published value \
         through its latest year, then grows by the yearly increase. First-order \
         (S1) and total-order (ST) Sobol' indices of each year's gap from one Saltelli design \
         evaluated once (N = {}, seed {}, 95 % bootstrap half-widths); the {} row equals the \
         section above. {}\n",
        g.start_year,
        g.start_year,
        g.start_year,
        g.n,
        g.seed,
        g.years.last().copied().unwrap_or_default(),
        g.back_cast_note()
    );
    if markdown {
        let cols: Vec<String> = g.inputs.iter().map(|n| format!("{n}: S1 ± / ST")).collect();
        let _ = writeln!(
            s,
            "| year | Shandong (%) | gap at mid-range (pp) | {} | largest S1 |",
            cols.join(" | ")
        );
        let _ = writeln!(s, "|---|---|---|{}---|", "---|".repeat(g.inputs.len()));
    } else {
        let _ = writeln!(
            s,
            "Per input: S1 ± half-width / ST, in the order {}.",
            g.inputs.join(", ")
        );
    }
    for (t, year) in g.years.iter().enumerate() {
        let (reference, published) = g.reference[t];
        let cells: Vec<String> = (0..g.inputs.len())
            .map(|j| {
                format!(
                    "{:.3} ± {:.3} / {:.3}",
                    g.s1[t][j], g.s1_conf[t][j], g.st[t][j]
                )
            })
            .collect();
        let shandong = format!(
            "{reference:.2}{}",
            if published { "" } else { " (projected)" }
        );
        let year = g.year_label(*year);
        if markdown {
            let _ = writeln!(
                s,
                "| {year} | {shandong} | {:+.3} | {} | {} |",
                g.base_gap[t],
                cells.join(" | "),
                g.dominant[t]
            );
        } else {
            let _ = writeln!(
                s,
                "  {year:<16}  Shandong {shandong:<16} gap {:+.3} pp  [{}]  largest: {}",
                g.base_gap[t],
                cells.join("; "),
                g.dominant[t]
            );
        }
    }
    s
}

impl PlanReport {
    /// Evaluates every target of `plan`.
    pub fn new(plan: &Plan) -> Self {
        let meta = plan.meta();
        let targets = plan
            .evaluate_all()
            .into_iter()
            .map(|(t, ev)| {
                let ind = plan.indicator(&t.indicator).expect("validated plan");
                let r = ev.required;
                TargetRow {
                    target: t.id.clone(),
                    kind: t.rule.kind_name().to_string(),
                    indicator: ind.id.clone(),
                    indicator_name: ind.name.en.clone(),
                    indicator_name_zh: ind.name.zh.clone(),
                    unit: ind.unit.clone(),
                    statement: t.describe(),
                    quote: t.quote.clone(),
                    base_year: r.base_year,
                    baseline: r.baseline.as_ref().map(|p| p.value),
                    baseline_provenance: r.baseline.as_ref().map(|p| p.provenance.describe()),
                    target_year: r.target_year,
                    target_value: r.target_value,
                    target_note: r.target_note,
                    required_cagr: r.required_cagr,
                    required_increment: r.required_increment,
                    doubling_time: r.doubling_time,
                    doubling_time_rule_of_70: r
                        .required_cagr
                        .and_then(|g| growth::rule_of_70(g).ok()),
                    compound_path: r.compound,
                    linear_path: r.linear,
                    status: ev.assessment.status,
                    detail: ev.assessment.detail,
                    note: r.note,
                }
            })
            .collect();
        PlanReport {
            innodex_version: env!("CARGO_PKG_VERSION").to_string(),
            plan: meta.id.clone(),
            title: meta.title.clone(),
            region: meta.region.en.clone(),
            region_zh: meta.region.zh.clone(),
            period: meta.period,
            source: meta.source.clone(),
            verdict: assessment::verdict(plan, None),
            targets,
            indicators: plan
                .indicators()
                .iter()
                .map(|i| IndicatorLabel {
                    id: i.id.clone(),
                    name: i.name.en.clone(),
                    unit: i.unit.clone(),
                })
                .collect(),
            rd_share_sensitivity: None,
            rd_share_gap_by_year: None,
        }
    }

    /// Adds the sensitivity of Linyi's R&D-share gap to Shandong (tornado and Sobol' indices of
    /// the 2025 gap, and the yearly indices of the gap 2021–2025; base sample `n`, `seed`), for
    /// the Linyi plan only; other plans are returned unchanged.
    ///
    /// # Errors
    /// As [`gap_sensitivity`] and [`gap_by_year`].
    ///
    /// ```
    /// use innodex::{plan::Plan, report::PlanReport};
    /// let r = PlanReport::new(&Plan::linyi()).with_rd_share_sensitivity(1 << 10, 7).unwrap();
    /// assert!(r.to_markdown().contains("Sobol"));
    /// ```
    pub fn with_rd_share_sensitivity(
        mut self,
        n: usize,
        seed: u64,
    ) -> Result<Self, SensitivityError> {
        if self.plan == "linyi-2021-2025" {
            self.rd_share_sensitivity = Some(gap_sensitivity(n, seed)?);
            self.rd_share_gap_by_year = Some(gap_by_year(n, seed)?);
        }
        Ok(self)
    }

    /// Adds P(met) and the median attainment year of every scenario of `projection` to the
    /// verdict rows.
    pub fn with_projection(
        mut self,
        plan: &Plan,
        projection: &crate::scenario::PlanProjection,
    ) -> Self {
        self.verdict = assessment::verdict(plan, Some(projection));
        self
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.to_table(),
            Format::Json => self.to_json(),
            Format::Csv => self.to_csv(),
            Format::Markdown => self.to_markdown(),
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// CSV: the verdict table ([`PlanReport::verdict_csv`]), a blank line, then the targets
    /// table ([`PlanReport::targets_csv`]).
    pub fn to_csv(&self) -> String {
        self.verdict_csv() + "\n" + &self.targets_csv()
    }

    /// The verdict as one CSV table, one row per target: the latest evidence, the value
    /// required in its year, the gap, the status, the grade and P(met) per scenario.
    ///
    /// ```
    /// use innodex::{plan::Plan, report::PlanReport};
    /// let csv = PlanReport::new(&Plan::linyi()).verdict_csv();
    /// assert!(csv.starts_with("target,evidence_year,"));
    /// assert_eq!(csv.lines().count(), 1 + Plan::linyi().targets().len());
    /// ```
    pub fn verdict_csv(&self) -> String {
        verdict::to_csv(&self.verdict)
    }

    /// The targets as one CSV table, one row per target: baseline, required growth and the
    /// required paths (as `year:value` lists separated by `;`).
    ///
    /// ```
    /// use innodex::{plan::Plan, report::PlanReport};
    /// let csv = PlanReport::new(&Plan::linyi()).targets_csv();
    /// assert!(csv.starts_with("target,kind,indicator,"));
    /// ```
    pub fn targets_csv(&self) -> String {
        let mut out = String::from(
            "target,kind,indicator,unit,statement,base_year,baseline,baseline_provenance,target_year,target_value,required_cagr,required_increment,doubling_time,doubling_time_rule_of_70,compound_path,linear_path,status,detail\n",
        );
        let num = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
        let path = |p: &[(i32, f64)]| {
            p.iter()
                .map(|(y, v)| format!("{y}:{v}"))
                .collect::<Vec<_>>()
                .join(";")
        };
        for r in &self.targets {
            let fields = [
                r.target.clone(),
                r.kind.clone(),
                r.indicator.clone(),
                r.unit.clone(),
                r.statement.clone(),
                r.base_year.to_string(),
                num(r.baseline),
                r.baseline_provenance.clone().unwrap_or_default(),
                r.target_year.to_string(),
                num(r.target_value),
                num(r.required_cagr),
                num(r.required_increment),
                num(r.doubling_time),
                num(r.doubling_time_rule_of_70),
                path(&r.compound_path),
                path(&r.linear_path),
                r.status.label().to_string(),
                r.detail.clone(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out
    }

    /// Markdown: a summary table and one section per target.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# {} ({} {}, {}–{})\n\nSource: {}\n",
            self.title, self.region, self.region_zh, self.period[0], self.period[1], self.source
        );
        s.push_str(&verdict::to_markdown(&self.verdict));
        s.push_str("## Targets, required growth and paths\n\n");
        s.push_str("| target | statement | baseline | target value | required CAGR | yearly increment | doubling time (years) | status |\n");
        s.push_str("|---|---|---|---|---|---|---|---|\n");
        for r in &self.targets {
            let _ = writeln!(
                s,
                "| `{}` | {} |",
                r.target,
                summary_cells(r)[1..].join(" | ")
            );
        }
        for r in &self.targets {
            let _ = writeln!(
                s,
                "\n## `{}` — {}\n\n{} ({}), {}: {}\n",
                r.target,
                r.indicator_name,
                r.indicator_name_zh,
                r.unit,
                r.status.label(),
                r.detail
            );
            if !r.quote.is_empty() {
                let _ = writeln!(s, "> {}\n", r.quote);
            }
            if let Some(p) = &r.baseline_provenance {
                let _ = writeln!(
                    s,
                    "- baseline {}: {} — {p}",
                    r.base_year,
                    opt(r.baseline, 2)
                );
            }
            paths_and_note(
                &mut s,
                r,
                ["- compound path: ", "- linear path: ", "- note: "],
            );
        }
        s.push_str(&self.rd_share_sections(true));
        s
    }

    /// A plain-text table followed by the paths of the targets that have them.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} — {} ({}), {}–{}\nSource: {}\n",
            self.title, self.region, self.region_zh, self.period[0], self.period[1], self.source
        );
        s.push_str(&verdict::to_table(&self.verdict));
        s.push_str("Targets, required growth and paths\n\n");
        let header = [
            "target",
            "statement",
            "baseline",
            "target",
            "req. CAGR",
            "increment",
            "doubling",
            "status",
        ];
        let rows: Vec<Vec<String>> = self.targets.iter().map(summary_cells).collect();
        s.push_str(&verdict::aligned(&header, &rows));
        s.push_str("\nStatus details and paths\n");
        for r in &self.targets {
            let _ = writeln!(s, "\n{} [{}]: {}", r.target, r.status.label(), r.detail);
            if let Some(p) = &r.baseline_provenance {
                let _ = writeln!(s, "  baseline {}: {}", r.base_year, p);
            }
            paths_and_note(&mut s, r, ["  compound: ", "  linear:   ", "  note: "]);
        }
        s.push_str(&self.rd_share_sections(false));
        s
    }

    /// The R&D-share sections (sensitivity of the gap, the gap year by year), where the
    /// report has them.
    fn rd_share_sections(&self, markdown: bool) -> String {
        let sensitivity = self.rd_share_sensitivity.as_ref();
        let by_year = self.rd_share_gap_by_year.as_ref();
        sensitivity.map_or_else(String::new, |g| gap_text(g, markdown))
            + &by_year.map_or_else(String::new, |g| gap_by_year_text(g, markdown))
    }
}

// ------------------------------------------------------------------------ projection section

/// One target under one scenario, as the projection section of the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionRow {
    /// Scenario name.
    pub scenario: String,
    /// Target id.
    pub target: String,
    /// Indicator id.
    pub indicator: String,
    /// The target in words.
    pub statement: String,
    /// Target year.
    pub target_year: i32,
    /// What is measured on each path (e.g. "multiple of the base-year value").
    pub metric: String,
    /// The threshold the metric must reach (tolerance included).
    pub threshold: f64,
    /// Median of the metric.
    pub median: Option<f64>,
    /// 5 % quantile of the metric.
    pub q5: Option<f64>,
    /// 95 % quantile of the metric.
    pub q95: Option<f64>,
    /// Probability that the target is met.
    pub probability: Option<f64>,
    /// Its Monte Carlo standard error.
    pub probability_se: Option<f64>,
    /// Median first year of attainment (`None`: not reached by the horizon on most paths, or
    /// not defined for the kind of target, see `attainment`).
    pub median_attainment_year: Option<i32>,
    /// Attainment in words: a year, "after 2025", or "–" where not defined.
    pub attainment: String,
    /// Why the target is not projected, if it is not.
    pub not_projected: Option<String>,
}

/// The projection section of the plan report: per target under each scenario, the median and
/// 90 % band of its metric at the target year, the probability of meeting it and the median
/// year of attainment, with every assumption listed.
///
/// ```
/// use innodex::plan::Plan;
/// use innodex::projection::monte_carlo::McConfig;
/// use innodex::report::ProjectionSection;
/// use innodex::scenario::ScenarioSet;
/// let plan = Plan::linyi();
/// let p = ScenarioSet::linyi()
///     .project(&plan, &McConfig { n_paths: 1000, ..McConfig::default() })
///     .unwrap();
/// let s = ProjectionSection::new(&plan, &p);
/// assert_eq!(s.rows.len(), 3 * plan.targets().len());
/// assert!(s.to_markdown().contains("assumption"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionSection {
    /// Scenario set id.
    pub set: String,
    /// Set description.
    pub description: String,
    /// Horizon.
    pub horizon: i32,
    /// Paths per scenario.
    pub n_paths: usize,
    /// Seed.
    pub seed: u64,
    /// Per scenario: name, description and assumptions in words.
    pub scenarios: Vec<(String, String, Vec<crate::scenario::AssumptionNote>)>,
    /// One row per scenario and target.
    pub rows: Vec<ProjectionRow>,
}

fn g4(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

impl ProjectionSection {
    /// Builds the section from a plan projection.
    pub fn new(plan: &Plan, p: &crate::scenario::PlanProjection) -> Self {
        let mut rows = vec![];
        for s in &p.scenarios {
            for t in &s.result.targets {
                let statement = plan.target(&t.id).map(|x| x.describe()).unwrap_or_default();
                let band = t.metric_band;
                let attainment = match (&t.attainment, &t.not_projected) {
                    (_, Some(_)) | (None, _) => "–".to_string(),
                    (Some(a), None) => match a.median_year {
                        Some(y) => y.to_string(),
                        None => format!("after {}", p.horizon),
                    },
                };
                rows.push(ProjectionRow {
                    scenario: s.name.clone(),
                    target: t.id.clone(),
                    indicator: t.indicator.clone(),
                    statement,
                    target_year: t.target_year,
                    metric: t.metric.clone(),
                    threshold: t.threshold,
                    median: band.map(|b| b[1]),
                    q5: band.map(|b| b[0]),
                    q95: band.map(|b| b[2]),
                    probability: t.probability,
                    probability_se: t.probability_se,
                    median_attainment_year: t.attainment.as_ref().and_then(|a| a.median_year),
                    attainment,
                    not_projected: t.not_projected.clone(),
                });
            }
        }
        ProjectionSection {
            set: p.set.clone(),
            description: p.description.clone(),
            horizon: p.horizon,
            n_paths: p.n_paths,
            seed: p.seed,
            scenarios: p
                .scenarios
                .iter()
                .map(|s| (s.name.clone(), s.description.clone(), s.assumptions.clone()))
                .collect(),
            rows,
        }
    }

    /// Renders the section.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.to_table(),
            Format::Json => serde_json::to_string_pretty(self).expect("serialisable"),
            Format::Csv => self.to_csv(),
            Format::Markdown => self.to_markdown(),
        }
    }

    fn cells(r: &ProjectionRow) -> [String; 6] {
        match &r.not_projected {
            Some(why) => [
                r.target.clone(),
                r.metric.clone(),
                g4(r.threshold),
                "–".into(),
                "–".into(),
                format!("not projected: {why}"),
            ],
            None => [
                r.target.clone(),
                r.metric.clone(),
                g4(r.threshold),
                match (r.median, r.q5, r.q95) {
                    (Some(m), Some(a), Some(b)) => format!("{} [{} – {}]", g4(m), g4(a), g4(b)),
                    _ => "–".into(),
                },
                r.probability
                    .map(|p| format!("{:.1} %", p * 100.0))
                    .unwrap_or_else(|| "–".into()),
                r.attainment.clone(),
            ],
        }
    }

    /// Markdown: the assumptions and one table per scenario.
    pub fn to_markdown(&self) -> String {
        let mut s = format!(
            "\n## Projections ({} Monte Carlo paths per scenario, seed {}, horizon {})\n\n{}\n\nEvery scenario value below rests on the stated assumptions; none is an observation. Median and 90 % band (5 %–95 %) of each target's metric at the target year, the probability of meeting the target, and the median first year it is reached.\n",
            self.n_paths, self.seed, self.horizon, self.description
        );
        for (name, desc, notes) in &self.scenarios {
            let _ = writeln!(s, "\n### Scenario `{name}`: {desc}\n");
            for n in notes {
                let _ = writeln!(s, "- `{}`: {}", n.indicator, n.text);
            }
            s.push_str("\n| target | metric | threshold | median [90 % band] | P(met) | median year reached |\n|---|---|---|---|---|---|\n");
            for r in self.rows.iter().filter(|r| &r.scenario == name) {
                let c = Self::cells(r);
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    c[0], c[1], c[2], c[3], c[4], c[5]
                );
            }
        }
        s
    }

    /// Plain text.
    pub fn to_table(&self) -> String {
        let mut s = format!(
            "\nProjections: {} paths per scenario, seed {}, horizon {}\n{}\nAll scenario values rest on assumptions (listed), not observations.\n",
            self.n_paths, self.seed, self.horizon, self.description
        );
        let header = [
            "target",
            "metric",
            "threshold",
            "median [5 %–95 %]",
            "P(met)",
            "reached",
        ]
        .map(String::from);
        for (name, desc, notes) in &self.scenarios {
            let _ = writeln!(s, "\nScenario {name}: {desc}");
            for n in notes {
                let _ = writeln!(s, "  {}: {}", n.indicator, n.text);
            }
            let rows: Vec<[String; 6]> = self
                .rows
                .iter()
                .filter(|r| &r.scenario == name)
                .map(Self::cells)
                .collect();
            let mut w = header.clone().map(|h| h.chars().count());
            for r in &rows {
                for (wi, c) in w.iter_mut().zip(r).take(5) {
                    *wi = (*wi).max(c.chars().count());
                }
            }
            let line = |c: &[String; 6]| {
                let mut out = String::from("  ");
                for (i, cell) in c.iter().enumerate() {
                    out.push_str(cell);
                    if i < 5 {
                        out.push_str(&" ".repeat(w[i] - cell.chars().count() + 2));
                    }
                }
                out.trim_end().to_string()
            };
            let _ = writeln!(s, "{}", line(&header));
            for r in &rows {
                let _ = writeln!(s, "{}", line(r));
            }
        }
        s
    }

    /// CSV, one row per scenario and target.
    pub fn to_csv(&self) -> String {
        let mut s = String::from(
            "scenario,target,indicator,target_year,metric,threshold,median,q5,q95,probability,probability_se,median_attainment_year,not_projected\n",
        );
        let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        for r in &self.rows {
            let f = [
                r.scenario.clone(),
                r.target.clone(),
                r.indicator.clone(),
                r.target_year.to_string(),
                r.metric.clone(),
                r.threshold.to_string(),
                o(r.median),
                o(r.q5),
                o(r.q95),
                o(r.probability),
                o(r.probability_se),
                r.median_attainment_year
                    .map(|y| y.to_string())
                    .unwrap_or_default(),
                r.not_projected.clone().unwrap_or_default(),
            ];
            let line: Vec<String> = f.iter().map(|x| csv_field(x)).collect();
            s.push_str(&line.join(","));
            s.push('\n');
        }
        s
    }
}
