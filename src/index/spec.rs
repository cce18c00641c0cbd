//! A complete index specification in one TOML file — data, framework, pipeline, results,
//! uncertainty, panel — and its report, as used by `innodex index SPEC`.
//!
//! ```toml
//! [data]
//! idata = "../data/ASEM_iData.csv"   # paths relative to the spec file
//! imeta = "../data/ASEM_iMeta.csv"   # or give a [framework] instead
//!
//! [pipeline]
//! impute = { method = "group_mean", group = "EurAsia_group" }
//! [pipeline.denominate]
//! [pipeline.screen]
//! min_availability = 0.9
//! [pipeline.treat]
//! winmax = 5
//!
//! [results]
//! reference = { kind = "unit", value = "DEU" }
//! top = 10
//!
//! [uncertainty]
//! n = 500
//! seed = 1
//! [[uncertainty.inputs]]
//! kind = "winsorisation"
//! winmax = [1, 2, 3, 4, 5]
//! ```
//!
//! ```
//! use innodex::index::spec::IndexSpecFile;
//! let text = r#"
//!     [data]
//!     idata = "data/ASEM_iData.csv"
//!     imeta = "data/ASEM_iMeta.csv"
//! "#;
//! let spec = IndexSpecFile::from_toml_str(text).unwrap();
//! let report = spec.run(std::path::Path::new(".")).unwrap();
//! assert_eq!(report.ranking[0].unit, "DEU");
//! let text = report.render("table").unwrap();
//! assert!(text.contains("DEU"));
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::IndexError;
use super::framework::{Framework, FrameworkSpec};
use super::panel::{Panel, PanelSpec};
use super::pipeline::{CompositeIndex, PipelineSpec};
use super::results::{self, PerformanceGroups, Reference};
use super::stats;
use super::table::{ColumnNames, UnitData, read_imeta};
use super::uncertainty::{self, UncertaintyResult, UncertaintySpec};

/// Where the data come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// The unit data (CSV), relative to the spec file.
    pub idata: PathBuf,
    /// The `iMeta` table (CSV); required unless the spec has a `[framework]`.
    #[serde(default)]
    pub imeta: Option<PathBuf>,
    /// Names of the unit, name and year columns.
    #[serde(default)]
    pub columns: ColumnNames,
    /// Denominator columns (when there is no `iMeta`).
    #[serde(default)]
    pub denominators: Vec<String>,
    /// Group columns (when there is no `iMeta`; `*_group` columns are always read).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Use this year of a table with several (default: the latest).
    #[serde(default)]
    pub year: Option<i32>,
    /// Build every year as a panel.
    #[serde(default)]
    pub panel: bool,
}

fn d_top() -> usize {
    15
}

/// What to report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsSpec {
    /// Scores relative to this reference (= 100), with performance groups.
    #[serde(default)]
    pub reference: Option<Reference>,
    /// Performance groups (default: the European Innovation Scoreboard's).
    #[serde(default)]
    pub groups: Option<PerformanceGroups>,
    /// Rows of the ranking shown in text reports (all in JSON and CSV).
    #[serde(default = "d_top")]
    pub top: usize,
}

impl Default for ResultsSpec {
    fn default() -> Self {
        ResultsSpec {
            reference: None,
            groups: None,
            top: d_top(),
        }
    }
}

/// A complete index specification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpecFile {
    /// A name for the report.
    #[serde(default)]
    pub name: Option<String>,
    /// The data.
    pub data: DataSpec,
    /// The framework (instead of `iMeta`).
    #[serde(default)]
    pub framework: Option<FrameworkSpec>,
    /// The methodological choices.
    #[serde(default)]
    pub pipeline: PipelineSpec,
    /// Normalise panels over all years (default true).
    #[serde(default = "crate::io::defaults::yes")]
    pub global_bounds: bool,
    /// Reporting.
    #[serde(default)]
    pub results: ResultsSpec,
    /// An uncertainty analysis around the pipeline's choices.
    #[serde(default)]
    pub uncertainty: Option<UncertaintySpec>,
}

/// One row of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingRow {
    /// Rank (1 = best).
    pub rank: f64,
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// Index score.
    pub score: f64,
    /// Relative to the reference (if any).
    pub relative: Option<f64>,
    /// Performance group (if a reference is set).
    pub group: Option<String>,
    /// Scores of the level below the index, in framework order.
    pub components: Vec<f64>,
}

/// One row of a panel's trend table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelRow {
    /// Unit.
    pub unit: String,
    /// Index score per year.
    pub scores: Vec<f64>,
    /// Least-squares slope (points a year).
    pub slope: f64,
    /// Change first → last year.
    pub change: f64,
}

/// The report of a spec file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexReport {
    /// Name.
    pub name: String,
    /// The index code.
    pub index: String,
    /// Units in the results.
    pub n_units: usize,
    /// Indicators.
    pub n_indicators: usize,
    /// The year built (latest for a panel).
    pub year: Option<i32>,
    /// Codes of the level below the index.
    pub components: Vec<String>,
    /// The ranking (latest year for a panel).
    pub ranking: Vec<RankingRow>,
    /// Units removed by screening.
    pub screened_out: Vec<String>,
    /// Indicators winsorised (with the number of points) or transformed.
    pub treated: Vec<(String, String)>,
    /// Imputed points.
    pub n_imputed: usize,
    /// Years of a panel.
    pub years: Vec<i32>,
    /// A panel's index scores and trends.
    pub panel: Vec<PanelRow>,
    /// The uncertainty analysis.
    pub uncertainty: Option<UncertaintyResult>,
    /// Rows shown in text reports.
    #[serde(skip)]
    pub top: usize,
}

impl IndexSpecFile {
    /// Parses a spec.
    ///
    /// # Errors
    /// [`IndexError::Input`] for malformed TOML, unknown keys or wrong types (with line,
    /// column and key).
    pub fn from_toml_str(text: &str) -> Result<IndexSpecFile, IndexError> {
        Ok(crate::io::parse_toml(text, "index spec")?)
    }

    /// Reads a spec file.
    ///
    /// # Errors
    /// [`IndexError::Input`]: the file cannot be read (missing, not a regular file, above
    /// [`crate::io::max_file_bytes`]) or is malformed (`file:line:col`).
    pub fn from_path(path: impl AsRef<Path>) -> Result<IndexSpecFile, IndexError> {
        Ok(crate::io::read_toml(path)?)
    }

    /// Loads the framework and data, resolving paths against `base` (the spec's directory).
    ///
    /// # Errors
    /// Reading and validation errors.
    pub fn load(&self, base: &Path) -> Result<(Framework, UnitData), IndexError> {
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let (fw, dens, groups) = match (&self.framework, &self.data.imeta) {
            (Some(_), Some(_)) => {
                return Err(IndexError::Spec(
                    "give either [framework] or data.imeta, not both".into(),
                ));
            }
            (None, None) => {
                return Err(IndexError::Spec(
                    "a framework is needed: give [framework] or data.imeta".into(),
                ));
            }
            (Some(f), None) => (
                Framework::from_spec(f)?,
                self.data.denominators.clone(),
                self.data.groups.clone(),
            ),
            (None, Some(m)) => {
                let meta = read_imeta(resolve(m))?;
                let mut d = meta.denominators;
                d.extend(self.data.denominators.iter().cloned());
                let mut g = meta.groups;
                g.extend(self.data.groups.iter().cloned());
                (meta.framework, d, g)
            }
        };
        let path = resolve(&self.data.idata);
        let text = crate::io::read_text_file(&path, crate::io::max_file_bytes())?;
        let data = UnitData::from_csv_str_with(
            &text,
            &path.display().to_string(),
            &self.data.columns,
            &fw.indicator_codes(),
            &dens,
            &groups,
        )?;
        Ok((fw, data))
    }

    /// Builds everything the spec asks for.
    ///
    /// # Errors
    /// Any error of loading, building, the panel or the uncertainty analysis.
    pub fn run(&self, base: &Path) -> Result<IndexReport, IndexError> {
        let (fw, data) = self.load(base)?;
        let years = data.years();
        let mut report_years = Vec::new();
        let mut panel_rows = Vec::new();
        if self.data.panel {
            let panel = Panel::new(fw.clone(), data.clone())?;
            let pb = panel.build(&PanelSpec {
                pipeline: self.pipeline.clone(),
                global_bounds: self.global_bounds,
            })?;
            let root = fw.node(fw.root()).code.clone();
            let table = pb.table(&root)?;
            let trends = pb.trends(&root)?;
            for (u, row) in pb.units.iter().zip(table) {
                let t = trends.iter().find(|t| &t.unit == u);
                panel_rows.push(PanelRow {
                    unit: u.clone(),
                    scores: row,
                    slope: t.map(|t| t.slope).unwrap_or(f64::NAN),
                    change: t.map(|t| t.change).unwrap_or(f64::NAN),
                });
            }
            panel_rows.retain(|r: &PanelRow| r.scores.iter().any(|v| !v.is_nan()));
            panel_rows.sort_by(|a, b| {
                let (x, y) = (
                    a.scores.last().copied().unwrap_or(f64::NAN),
                    b.scores.last().copied().unwrap_or(f64::NAN),
                );
                match (x.is_nan(), y.is_nan()) {
                    (false, false) => y.total_cmp(&x),
                    (p, q) => p.cmp(&q),
                }
            });
            report_years = pb.years.clone();
        }
        let year = match self.data.year {
            Some(y) => {
                if !years.contains(&y) {
                    return Err(IndexError::Unknown {
                        kind: "year",
                        code: y.to_string(),
                    });
                }
                Some(y)
            }
            None => years.last().copied(),
        };
        let cross = match year {
            Some(y) if years.len() > 1 => data.year(y),
            _ => data,
        };
        let index = CompositeIndex::new(fw.clone(), cross)?;
        let b = index.build(&self.pipeline)?;
        let root = fw.root();
        let root_code = fw.node(root).code.clone();
        let comps: Vec<usize> = fw.node(root).children.clone();
        let rel = match &self.results.reference {
            None => None,
            Some(r) => Some(results::relative_scores(
                &b,
                &root_code,
                r,
                self.results
                    .groups
                    .as_ref()
                    .unwrap_or(&PerformanceGroups::eis()),
            )?),
        };
        let scores = b.score(&root_code)?;
        let ranks = stats::rank_desc(scores);
        let mut ranking: Vec<RankingRow> = b
            .units()
            .iter()
            .enumerate()
            .map(|(i, u)| RankingRow {
                rank: ranks[i],
                unit: u.clone(),
                name: index.data.names[index.data.units.iter().position(|x| x == u).unwrap_or(0)]
                    .clone(),
                score: scores[i],
                relative: rel.as_ref().map(|r| r[i].relative),
                group: rel.as_ref().map(|r| r[i].group.clone()),
                components: comps.iter().map(|&c| b.scores.values[c][i]).collect(),
            })
            .collect();
        ranking.sort_by(|a, b| match (a.rank.is_nan(), b.rank.is_nan()) {
            (false, false) => a.rank.total_cmp(&b.rank).then_with(|| a.unit.cmp(&b.unit)),
            (x, y) => x.cmp(&y),
        });
        let treated = b
            .treatment
            .iter()
            .filter_map(|t| {
                let d = t.detail.as_ref()?;
                match (&d.transform, d.n_winsorised) {
                    (Some(tr), _) => Some((t.indicator.clone(), tr.label())),
                    (None, n) if n > 0 => Some((t.indicator.clone(), format!("winsorised {n}"))),
                    _ => None,
                }
            })
            .collect();
        let uncertainty = match &self.uncertainty {
            None => None,
            Some(u) => Some(uncertainty::run(&index, &self.pipeline, u)?),
        };
        Ok(IndexReport {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| fw.node(root).name.clone()),
            index: root_code,
            n_units: b.units().len(),
            n_indicators: fw.n_indicators(),
            year,
            components: comps.iter().map(|&c| fw.node(c).code.clone()).collect(),
            ranking,
            screened_out: b
                .screen_report
                .as_ref()
                .map(|r| r.removed.clone())
                .unwrap_or_default(),
            treated,
            n_imputed: b.imputed_points.len(),
            years: report_years,
            panel: panel_rows,
            uncertainty,
            top: self.results.top,
        })
    }
}

fn num(v: f64, digits: usize) -> String {
    if v.is_nan() {
        "–".into()
    } else {
        format!("{v:.digits$}")
    }
}

impl IndexReport {
    /// Renders the report: `table` (text), `markdown`, `json` or `csv` (the ranking).
    ///
    /// # Errors
    /// [`IndexError::BadParameter`] for an unknown format.
    pub fn render(&self, format: &str) -> Result<String, IndexError> {
        match format {
            "json" => serde_json::to_string_pretty(self)
                .map(|s| s + "\n")
                .map_err(|e| IndexError::bad("json", e.to_string())),
            "csv" => Ok(self.csv()),
            "table" => Ok(self.text(false)),
            "markdown" => Ok(self.text(true)),
            other => Err(IndexError::bad(
                "format",
                format!("`{other}`: use table, markdown, json or csv"),
            )),
        }
    }

    fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head = vec![
            "rank".to_string(),
            "unit".into(),
            "name".into(),
            self.index.clone(),
        ];
        head.extend(self.components.iter().cloned());
        if self.ranking.iter().any(|r| r.relative.is_some()) {
            head.push("relative".into());
            head.push("group".into());
        }
        let _ = w.write_record(&head);
        for r in &self.ranking {
            let mut row = vec![
                num(r.rank, 0),
                r.unit.clone(),
                r.name.clone(),
                format!("{}", r.score),
            ];
            row.extend(r.components.iter().map(|v| format!("{v}")));
            if let (Some(rel), Some(g)) = (r.relative, &r.group) {
                row.push(format!("{rel}"));
                row.push(g.clone());
            }
            let _ = w.write_record(&row);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    fn text(&self, md: bool) -> String {
        let mut s = String::new();
        let h = if md { "## " } else { "" };
        let _ = writeln!(
            s,
            "{h}{} — {} units, {} indicators{}\n",
            self.name,
            self.n_units,
            self.n_indicators,
            self.year.map(|y| format!(", {y}")).unwrap_or_default()
        );
        if !self.screened_out.is_empty() {
            let _ = writeln!(s, "Screened out: {}\n", self.screened_out.join(", "));
        }
        if self.n_imputed > 0 {
            let _ = writeln!(s, "Imputed points: {}\n", self.n_imputed);
        }
        if !self.treated.is_empty() {
            let t: Vec<String> = self
                .treated
                .iter()
                .map(|(i, how)| format!("{i} ({how})"))
                .collect();
            let _ = writeln!(s, "Treated indicators: {}\n", t.join(", "));
        }
        let mut head = vec!["rank".to_string(), "unit".into(), self.index.clone()];
        head.extend(self.components.iter().cloned());
        let rel = self.ranking.iter().any(|r| r.relative.is_some());
        if rel {
            head.push("relative".into());
            head.push("group".into());
        }
        let rows: Vec<Vec<String>> = self
            .ranking
            .iter()
            .take(self.top)
            .map(|r| {
                let mut row = vec![num(r.rank, 0), r.unit.clone(), num(r.score, 2)];
                row.extend(r.components.iter().map(|v| num(*v, 2)));
                if rel {
                    row.push(num(r.relative.unwrap_or(f64::NAN), 1));
                    row.push(r.group.clone().unwrap_or_default());
                }
                row
            })
            .collect();
        write_table(&mut s, md, &head, &rows);
        if !self.panel.is_empty() {
            let _ = writeln!(
                s,
                "{h}Panel: {} by year (bounds over all years)\n",
                self.index
            );
            let mut head = vec!["unit".to_string()];
            head.extend(self.years.iter().map(|y| y.to_string()));
            head.push("slope/yr".into());
            let rows: Vec<Vec<String>> = self
                .panel
                .iter()
                .map(|p| {
                    let mut r = vec![p.unit.clone()];
                    r.extend(p.scores.iter().map(|v| num(*v, 1)));
                    r.push(num(p.slope, 2));
                    r
                })
                .collect();
            write_table(&mut s, md, &head, &rows);
        }
        if let Some(u) = &self.uncertainty {
            self.uncertainty_text(&mut s, u, md);
        }
        s
    }

    /// The uncertainty section: rank statistics, the Sobol' indices of the rank shift and
    /// the failed rebuilds.
    fn uncertainty_text(&self, s: &mut String, u: &UncertaintyResult, md: bool) {
        let h = if md { "## " } else { "" };
        let _ = writeln!(
            s,
            "{h}Uncertainty of {} ranks: {} rebuilds ({} failed)\n",
            u.target,
            u.scores.len(),
            u.failed
        );
        let mut st: Vec<&uncertainty::RankStats> = u
            .rank_stats
            .iter()
            .filter(|r| !r.nominal.is_nan())
            .collect();
        st.sort_by(|a, b| a.nominal.total_cmp(&b.nominal));
        let head: Vec<String> = ["unit", "nominal", "median", "mean", "5%", "95%"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows: Vec<Vec<String>> = st
            .iter()
            .take(self.top)
            .map(|r| {
                vec![
                    r.unit.clone(),
                    num(r.nominal, 0),
                    num(r.median, 1),
                    num(r.mean, 1),
                    num(r.q05, 1),
                    num(r.q95, 1),
                ]
            })
            .collect();
        write_table(s, md, &head, &rows);
        if let Some(sens) = &u.sensitivity {
            let _ = writeln!(s, "{h}Sobol indices of the mean absolute rank shift\n");
            let head: Vec<String> = ["input", "first", "5–95 %", "total", "5–95 %"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let rows: Vec<Vec<String>> = sens
                .mean_rank_shift
                .iter()
                .map(|i| {
                    vec![
                        i.input.clone(),
                        num(i.first, 3),
                        format!("{} – {}", num(i.first_ci.0, 3), num(i.first_ci.1, 3)),
                        num(i.total, 3),
                        format!("{} – {}", num(i.total_ci.0, 3), num(i.total_ci.1, 3)),
                    ]
                })
                .collect();
            write_table(s, md, &head, &rows);
        }
        for f in &u.failures {
            let _ = writeln!(s, "failed rebuild: {f}");
        }
    }
}

/// Runs a spec file and renders its report (the `innodex index` subcommand).
///
/// # Errors
/// Any error of reading, building or rendering, naming the element at fault.
pub fn run_spec_file(path: &Path, format: &str) -> Result<String, IndexError> {
    let spec = IndexSpecFile::from_path(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    spec.run(base)?.render(format)
}

/// A table as Markdown (`md`) or as right-aligned text columns, then a blank line.
fn write_table(s: &mut String, md: bool, head: &[String], rows: &[Vec<String>]) {
    if md {
        let _ = writeln!(s, "| {} |", head.join(" | "));
        let _ = writeln!(s, "|{}", head.iter().map(|_| "---|").collect::<String>());
        for r in rows {
            let _ = writeln!(s, "| {} |", r.join(" | "));
        }
    } else {
        let mut wid: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
        for r in rows {
            for (k, c) in r.iter().enumerate() {
                wid[k] = wid[k].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{c:>w$}", w = wid[k]))
                .collect::<Vec<_>>()
                .join("  ")
        };
        let _ = writeln!(s, "{}", line(head));
        for r in rows {
            let _ = writeln!(s, "{}", line(r));
        }
    }
    s.push('\n');
}
