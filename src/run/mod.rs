//! Run files: one TOML file that says which plan, projections, sensitivity analyses and
//! composite indices to compute, with seeds, and which **checks** the results must pass.
//! `innodex run FILE --out DIR` writes the report (JSON, CSV, Markdown, HTML with SVG charts);
//! `innodex check FILE` evaluates the checks, optionally against a previous `report.json`
//! (see [`compare`]). The format is documented in `docs/runs.md` and by the JSON Schema
//! [`schema_json`] (committed as `docs/run-file.schema.json`).
//!
//! Everything a run writes is a function of its inputs and seeds: no timestamps, no absolute
//! paths, and floats written by serde_json, so the same run gives byte-identical files.
//!
//! ```
//! use innodex::run::Run;
//! let run = Run::from_toml_str(r#"
//!     [run]
//!     name = "doubling"
//!     plan = "linyi-2021-2025"
//!     [[checks]]
//!     kind = "required_cagr"
//!     target = "hte_count"
//!     at_most = 0.15
//! "#, "doubling.run.toml", std::path::Path::new(".")).unwrap();
//! let report = run.execute(&Default::default(), &mut |_| {}).unwrap();
//! assert!(report.checks[0].passed);
//! assert!((report.checks[0].observed.unwrap() - 0.148698355).abs() < 1e-9);
//! ```

mod charts;
mod checks;
pub mod compare;
pub mod file;
mod render;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

pub use checks::CheckResult;
pub use file::{
    Check, CheckKind, GapRun, GridRun, IndexRun, ObservationOverride, ProjectionRun, RankStatistic,
    RunFile, RunMeta, SensitivityRun, SobolOrder,
};
pub use render::{checks_table, write_outputs};

use crate::exec::Progress;
use crate::index::spec::{IndexReport, IndexSpecFile};
use crate::plan::{BUILTIN_PLANS, Plan};
use crate::projection::monte_carlo::McConfig;
use crate::report::{PlanReport, ProjectionSection};
use crate::scenario::{PlanProjection, ScenarioSet};
use crate::series::Provenance;

/// Why a run cannot be loaded, computed or written. Messages name the file, the line and the
/// key where there is one.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RunError {
    /// A file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file that is not a regular file, above the size limit or not UTF-8 (see
    /// [`crate::io`]).
    #[error(transparent)]
    Input(crate::io::IoError),
    /// Malformed TOML, a wrong type, an unknown or a missing key.
    #[error("{path}:{line}:{column}: {}{message}", key_prefix(key))]
    Parse {
        /// The run file.
        path: String,
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// The key, where known.
        key: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A well-formed file that refers to something that does not exist or does not fit (an
    /// unknown indicator in a check, a missing scenario file, a bound missing…).
    #[error("{path}:{line}: {}{message}", key_prefix(key))]
    Invalid {
        /// The run file.
        path: String,
        /// Line (1-based) of the key.
        line: usize,
        /// The key.
        key: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A computation failed (after the file was checked).
    #[error("{path}: {message}")]
    Compute {
        /// The run file.
        path: String,
        /// What failed.
        message: String,
    },
    /// An output could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A baseline report that cannot be read or compared.
    #[error("baseline `{path}`: {message}")]
    Baseline {
        /// The baseline file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl From<crate::io::IoError> for RunError {
    fn from(e: crate::io::IoError) -> Self {
        use crate::io::IoError;
        match e {
            IoError::Read { path, source } => RunError::Io { path, source },
            IoError::Toml {
                origin,
                line,
                column,
                key,
                message,
            } => RunError::Parse {
                path: origin,
                line,
                column,
                key,
                message,
            },
            e => RunError::Input(e),
        }
    }
}

fn key_prefix(key: &Option<String>) -> String {
    key.as_deref()
        .map(|k| format!("key `{k}`: "))
        .unwrap_or_default()
}

/// Line and column (1-based) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl RunFile {
    /// Parses a run file; `path` names it in error messages.
    ///
    /// # Errors
    /// [`RunError::Parse`] with the line, column and key of malformed TOML, a wrong type, an
    /// unknown key or a missing one.
    pub fn from_toml_str(text: &str, path: &str) -> Result<RunFile, RunError> {
        crate::io::parse_toml(text, path).map_err(RunError::from)
    }
}

/// The JSON Schema of run files, generated from [`RunFile`] (pretty JSON with a final newline;
/// committed as `docs/run-file.schema.json`, and a test keeps the two identical).
///
/// ```
/// let s = innodex::run::schema_json();
/// assert!(s.contains("\"probability_met\""));
/// ```
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(RunFile);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

/// One input file and its SHA-256, as recorded in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputHash {
    /// What the file is (`run file`, `plan`, `scenarios`, `index spec`, `index data`).
    pub role: String,
    /// The path relative to the run file's directory, or `embedded:ID` for embedded inputs.
    pub path: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `a/b/../c` → `a/c`, lexically, with forward slashes (the same on every machine).
fn normalise(p: &Path) -> String {
    let mut parts: Vec<String> = vec![];
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::CurDir => {}
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => parts.push(String::new()),
        }
    }
    parts.join("/")
}

/// The required R&D growth grid of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrowthGrid {
    /// GDP growth rates (columns).
    pub gdp_growths: Vec<f64>,
    /// Baseline R&D shares, % (rows).
    pub baselines: Vec<f64>,
    /// The 2025 share to reach, %.
    pub reference_2025: f64,
    /// Required R&D growth a year, `required[row][column]`.
    pub required: Vec<Vec<f64>>,
}

/// One composite index of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexRunResult {
    /// The id given in the run file.
    pub id: String,
    /// The spec file, relative to the run file.
    pub spec: String,
    /// The report. The per-rebuild arrays of the uncertainty analysis (sample, scores and
    /// ranks of every rebuild) are left out: they are large and the rank statistics
    /// summarise them.
    pub report: IndexReport,
}

/// The results of a `[backtest]` table: a rolling backtest, or (with `learn`) a calibration
/// evaluation; forecast rows are left out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BacktestReport {
    /// The panel (`china_province_rd` or the file).
    pub panel: String,
    /// The rolling backtest (without `learn`).
    pub rolling: Option<crate::projection::backtest::rolling::RollingResult>,
    /// The calibration evaluation (with `learn`).
    pub calibration: Option<crate::projection::calibration::CalibrationEvaluation>,
}

/// Everything a run computed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// The innodex version that wrote it.
    pub innodex_version: String,
    /// The run's name.
    pub name: String,
    /// The run's description.
    pub description: String,
    /// Every input with its SHA-256.
    pub inputs: Vec<InputHash>,
    /// Every seed used, by what it seeded.
    pub seeds: BTreeMap<String, u64>,
    /// The plan report (targets, required growth, paths, status; with the R&D-share gap
    /// sensitivity when the run asks for it).
    pub plan: PlanReport,
    /// The projections, fans included.
    pub projection: Option<PlanProjection>,
    /// The required R&D growth grid.
    pub rd_growth_grid: Option<GrowthGrid>,
    /// The `[backtest]`: scores per method and horizon (forecast rows left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backtest: Option<BacktestReport>,
    /// The composite indices.
    pub indices: Vec<IndexRunResult>,
    /// The checks, in file order.
    pub checks: Vec<CheckResult>,
    /// The key results compared by `innodex check --baseline`, by name.
    pub key_results: BTreeMap<String, f64>,
    /// The projection as the plan report shows it (for the Markdown and CSV outputs; its
    /// numbers are all in `projection`).
    #[serde(skip)]
    pub projection_section: Option<ProjectionSection>,
}

impl RunReport {
    /// Whether every check passed.
    pub fn all_passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// Pretty JSON with a final newline (keys in a fixed order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a run report serialises") + "\n"
    }
}

struct LoadedIndex {
    run: IndexRun,
    spec: IndexSpecFile,
    dir: PathBuf,
    label: String,
}

/// A loaded run file: the file, the plan, the scenario set and the index specs, all checked.
pub struct Run {
    /// The run file.
    pub file: RunFile,
    path: String,
    text: String,
    plan: Plan,
    scenarios: Option<ScenarioSet>,
    indices: Vec<LoadedIndex>,
    inputs: Vec<InputHash>,
    /// The `[backtest]` panel and its label.
    backtest_panel: Option<(crate::projection::backtest::Panel, String)>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("path", &self.path)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// Reads and checks a run file; relative paths in it are resolved against its directory.
    ///
    /// # Errors
    /// [`RunError::Io`], [`RunError::Input`], [`RunError::Parse`] or [`RunError::Invalid`],
    /// each naming the file,
    /// line and key.
    pub fn load(path: impl AsRef<Path>) -> Result<Run, RunError> {
        let path = path.as_ref();
        let text = crate::io::read_text_file(path, crate::io::max_file_bytes())?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        Run::from_toml_str(&text, &path.display().to_string(), dir)
    }

    /// Parses and checks a run file's text; `path` names it in messages and `dir` is where
    /// its relative paths start.
    ///
    /// # Errors
    /// As [`Run::load`].
    pub fn from_toml_str(text: &str, path: &str, dir: &Path) -> Result<Run, RunError> {
        let file = RunFile::from_toml_str(text, path)?;
        let mut run = Run {
            path: path.to_string(),
            text: text.to_string(),
            plan: Plan::linyi(),
            scenarios: None,
            indices: vec![],
            backtest_panel: None,
            inputs: vec![InputHash {
                role: "run file".into(),
                path: Path::new(path)
                    .file_name()
                    .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned()),
                sha256: sha256_hex(text.as_bytes()),
            }],
            file,
        };
        run.resolve(dir)?;
        checks::validate(&run)?;
        Ok(run)
    }

    pub(crate) fn invalid(&self, span: Range<usize>, key: &str, message: String) -> RunError {
        RunError::Invalid {
            path: self.path.clone(),
            line: line_col(&self.text, span.start).0,
            key: Some(key.to_string()),
            message,
        }
    }

    /// The span of `key = …` inside `within` (a check's table), or `within` itself when the
    /// key is not written there: errors about a key point at its own line.
    pub(crate) fn key_span(&self, within: Range<usize>, key: &str) -> Range<usize> {
        // For `[[checks]]` tables the span covers the header only: read on to the next
        // table header.
        let start = within.start.min(self.text.len());
        let body = &self.text[start..];
        let mut off = 0;
        for (i, line) in body.split_inclusive('\n').enumerate() {
            let t = line.trim_start();
            if i > 0 && t.starts_with('[') && off >= within.end.saturating_sub(start) {
                break;
            }
            if let Some(rest) = t.strip_prefix(key)
                && rest.trim_start().starts_with('=')
            {
                let at = start + off + (line.len() - t.len());
                return at..at + key.len();
            }
            off += line.len();
        }
        within
    }

    /// The line of a table header such as `[projection]` (1 when absent).
    fn table_span(&self, header: &str) -> Range<usize> {
        let at = self
            .text
            .lines()
            .scan(0usize, |off, l| {
                let start = *off;
                *off += l.len() + 1;
                Some((start, l))
            })
            .find(|(_, l)| l.trim_start().starts_with(header))
            .map_or(0, |(s, _)| s);
        at..at
    }

    fn hash_file(&mut self, role: &str, label: String, path: &Path) -> Result<(), RunError> {
        // Read under the same limits as the loaders (a hashed input is also loaded).
        let text = crate::io::read_text_file(path, crate::io::max_file_bytes())?;
        self.inputs.push(InputHash {
            role: role.into(),
            path: label,
            sha256: sha256_hex(text.as_bytes()),
        });
        Ok(())
    }

    fn resolve(&mut self, dir: &Path) -> Result<(), RunError> {
        self.resolve_plan(dir)?;
        self.resolve_backtest(dir)?;
        self.resolve_projection(dir)?;
        self.resolve_indices(dir)
    }

    /// The plan (an embedded id, else a file relative to the run file) and the run file's observations.
    fn resolve_plan(&mut self, dir: &Path) -> Result<(), RunError> {
        // The plan: an embedded id, else a file relative to the run file.
        let plan_ref = self.file.run.plan.clone();
        let id = plan_ref.get_ref().as_str();
        if BUILTIN_PLANS.contains(&id) {
            self.plan = Plan::builtin(id)
                .map_err(|e| self.invalid(plan_ref.span(), "run.plan", e.to_string()))?;
            let case = crate::cases::builtin(id).expect("a builtin plan is a case");
            self.inputs.push(InputHash {
                role: "plan".into(),
                path: format!("embedded:{id}"),
                sha256: sha256_hex(case.plan_toml.as_bytes()),
            });
        } else {
            let p = dir.join(id);
            if !p.is_file() {
                return Err(self.invalid(
                    plan_ref.span(),
                    "run.plan",
                    format!(
                        "`{id}` is neither an embedded plan ({}) nor a plan file",
                        BUILTIN_PLANS.join(", ")
                    ),
                ));
            }
            self.plan = Plan::from_path(&p)
                .map_err(|e| self.invalid(plan_ref.span(), "run.plan", e.to_string()))?;
            self.hash_file("plan", normalise(Path::new(id)), &p)?;
        }
        for o in self.file.run.observations.clone() {
            self.plan
                .set_observation(
                    o.indicator.get_ref(),
                    o.year,
                    o.value,
                    Provenance::Assumed {
                        note: if o.note.is_empty() {
                            "set by the run file".into()
                        } else {
                            o.note.clone()
                        },
                    },
                )
                .map_err(|e| self.invalid(o.indicator.span(), "indicator", e.to_string()))?;
        }
        Ok(())
    }

    /// The `[backtest]` panel, read and hashed.
    fn resolve_backtest(&mut self, dir: &Path) -> Result<(), RunError> {
        // The backtest panel.
        if let Some(b) = self.file.backtest.clone() {
            use crate::projection::backtest::{CHINA_PROVINCE_RD_CSV, Panel};
            let (panel, label) = match &b.data {
                Some(d) => {
                    let p = dir.join(d.get_ref());
                    let panel = Panel::from_csv_path(&p, &b.unit_col, &b.year_col, &b.column)
                        .map_err(|e| self.invalid(d.span(), "backtest.data", e.to_string()))?;
                    self.hash_file("backtest panel", normalise(Path::new(d.get_ref())), &p)?;
                    (panel, d.get_ref().clone())
                }
                None => {
                    let panel = Panel::from_csv_str(
                        CHINA_PROVINCE_RD_CSV,
                        &b.unit_col,
                        &b.year_col,
                        &b.column,
                    )
                    .map_err(|e| {
                        self.invalid(
                            self.table_span("[backtest]"),
                            "backtest.column",
                            e.to_string(),
                        )
                    })?;
                    self.inputs.push(InputHash {
                        role: "backtest panel".into(),
                        path: "embedded:china_province_rd".into(),
                        sha256: sha256_hex(CHINA_PROVINCE_RD_CSV.as_bytes()),
                    });
                    (panel, "china_province_rd".into())
                }
            };
            self.backtest_panel = Some((panel, label));
        }
        Ok(())
    }

    /// The projection's scenario set: a file, or the builtin plan's own shipped set.
    fn resolve_projection(&mut self, dir: &Path) -> Result<(), RunError> {
        // The projection scenario set.
        if let Some(pr) = self.file.projection.clone() {
            let set = match &pr.scenarios {
                Some(s) => {
                    let p = dir.join(s.get_ref());
                    let set = ScenarioSet::from_path(&p).map_err(|e| {
                        self.invalid(s.span(), "projection.scenarios", e.to_string())
                    })?;
                    self.hash_file("scenarios", normalise(Path::new(s.get_ref())), &p)?;
                    set
                }
                // A builtin plan's own shipped set (never another plan's).
                None if crate::cases::builtin(&self.plan.meta().id).is_some() => {
                    let case = crate::cases::builtin(&self.plan.meta().id).expect("checked");
                    self.inputs.push(InputHash {
                        role: "scenarios".into(),
                        path: format!("embedded:{}", case.id),
                        sha256: sha256_hex(case.scenarios_toml.as_bytes()),
                    });
                    case.scenarios()
                }
                None => {
                    return Err(self.invalid(
                        self.table_span("[projection]"),
                        "projection.scenarios",
                        "this plan has no embedded scenario set: give `scenarios = FILE`".into(),
                    ));
                }
            };
            let set = if pr.only.is_empty() {
                set
            } else {
                let names: Vec<&str> = pr.only.iter().map(String::as_str).collect();
                set.select(&names).map_err(|e| {
                    self.invalid(
                        self.table_span("[projection]"),
                        "projection.only",
                        e.to_string(),
                    )
                })?
            };
            if pr.paths == 0 {
                return Err(self.invalid(
                    self.table_span("[projection]"),
                    "projection.paths",
                    "needs at least one path".into(),
                ));
            }
            self.scenarios = Some(set);
        }
        Ok(())
    }

    /// The index specs and their data files, hashed.
    fn resolve_indices(&mut self, dir: &Path) -> Result<(), RunError> {
        // Index specs.
        for ix in self.file.index.clone() {
            if self.indices.iter().any(|l| l.run.id == ix.id) {
                return Err(self.invalid(
                    ix.spec.span(),
                    "index.id",
                    format!("duplicate index id `{}`", ix.id),
                ));
            }
            let p = dir.join(ix.spec.get_ref());
            let mut spec = IndexSpecFile::from_path(&p)
                .map_err(|e| self.invalid(ix.spec.span(), "index.spec", e.to_string()))?;
            if ix.uncertainty_n.is_some() || ix.seed.is_some() {
                let Some(u) = spec.uncertainty.as_mut() else {
                    return Err(self.invalid(
                        ix.spec.span(),
                        "index.uncertainty_n",
                        format!(
                            "the spec `{}` has no [uncertainty] to set a size or seed for",
                            ix.spec.get_ref()
                        ),
                    ));
                };
                if let Some(n) = ix.uncertainty_n {
                    u.n = n;
                }
                if let Some(s) = ix.seed {
                    u.seed = s;
                }
            }
            let label = normalise(Path::new(ix.spec.get_ref()));
            self.hash_file("index spec", label.clone(), &p)?;
            let spec_dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            let spec_rel = Path::new(ix.spec.get_ref())
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let mut data = vec![("index data", spec.data.idata.clone())];
            if let Some(m) = &spec.data.imeta {
                data.push(("index metadata", m.clone()));
            }
            for (role, d) in data {
                if d.is_absolute() {
                    self.hash_file(role, d.display().to_string(), &d)?;
                } else {
                    self.hash_file(role, normalise(&spec_rel.join(&d)), &spec_dir.join(&d))?;
                }
            }
            self.indices.push(LoadedIndex {
                run: ix,
                spec,
                dir: spec_dir,
                label,
            });
        }
        Ok(())
    }

    /// The plan the run uses (with the run file's observations).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Computes everything the run file asks for and evaluates its checks. `progress` counts
    /// the Monte Carlo chunks of each scenario (another thread may poll it); `on_step` is
    /// told each step before it runs.
    ///
    /// # Errors
    /// [`RunError::Compute`] when a computation fails, [`RunError::Invalid`] when a check
    /// names a unit the index does not have.
    pub fn execute(
        &self,
        progress: &Progress,
        on_step: &mut dyn FnMut(&str),
    ) -> Result<RunReport, RunError> {
        let compute = |message: String| RunError::Compute {
            path: self.path.clone(),
            message,
        };
        let f = &self.file;
        let mut seeds = BTreeMap::new();
        seeds.insert("run".to_string(), f.run.seed);
        on_step("plan report");
        let mut plan_report = PlanReport::new(&self.plan);
        let projection = match (&f.projection, &self.scenarios) {
            (Some(pr), Some(set)) => {
                let seed = pr.seed.unwrap_or(f.run.seed);
                seeds.insert("projection".into(), seed);
                let d = McConfig::default();
                let cfg = McConfig {
                    n_paths: pr.paths,
                    seed,
                    max_values: pr.max_values.unwrap_or(d.max_values),
                    max_buffer_bytes: pr.max_buffer_bytes.unwrap_or(d.max_buffer_bytes),
                    ..d
                };
                let names = set.names();
                let p = set
                    .project_with_progress(&self.plan, &cfg, progress, |i| {
                        on_step(&format!(
                            "projection: scenario `{}` ({} paths)",
                            names.get(i).copied().unwrap_or("?"),
                            pr.paths
                        ))
                    })
                    .map_err(|e| compute(e.to_string()))?;
                Some(p)
            }
            _ => None,
        };
        let mut grid = None;
        if let Some(s) = &f.sensitivity {
            if let Some(g) = &s.rd_share_gap {
                let seed = g.seed.unwrap_or(f.run.seed);
                seeds.insert("sensitivity.rd_share_gap".into(), seed);
                on_step(&format!("sensitivity: R&D-share gap (N = {})", g.n));
                plan_report.rd_share_sensitivity = Some(
                    crate::cases::linyi::gap_sensitivity(g.n, seed)
                        .map_err(|e| compute(format!("sensitivity.rd_share_gap: {e}")))?,
                );
                plan_report.rd_share_gap_by_year = Some(
                    crate::cases::linyi::gap_by_year(g.n, seed)
                        .map_err(|e| compute(format!("sensitivity.rd_share_gap: {e}")))?,
                );
            }
            if let Some(g) = &s.rd_growth_grid {
                on_step("sensitivity: required R&D growth grid");
                let a = crate::cases::linyi::required_rd_growth_grid(
                    &g.gdp_growths,
                    &g.baselines,
                    g.reference_2025,
                )
                .map_err(|e| compute(format!("sensitivity.rd_growth_grid: {e}")))?;
                grid = Some(GrowthGrid {
                    gdp_growths: g.gdp_growths.clone(),
                    baselines: g.baselines.clone(),
                    reference_2025: g.reference_2025,
                    required: a.outer_iter().map(|r| r.to_vec()).collect(),
                });
            }
        }
        let mut backtest = None;
        if let (Some(b), Some((panel, label))) = (&f.backtest, &self.backtest_panel) {
            let seed = b.seed.unwrap_or(f.run.seed);
            seeds.insert("backtest".into(), seed);
            backtest = Some(run_backtest(b, panel, label, seed, on_step).map_err(compute)?);
        }
        let mut indices = vec![];
        for ix in &self.indices {
            on_step(&format!("index `{}`: {}", ix.run.id, ix.label));
            if let Some(u) = &ix.spec.uncertainty {
                seeds.insert(format!("index.{}.uncertainty", ix.run.id), u.seed);
            }
            let mut report = ix
                .spec
                .run(&ix.dir)
                .map_err(|e| compute(format!("index `{}`: {e}", ix.run.id)))?;
            if let Some(u) = report.uncertainty.as_mut() {
                u.sample.clear();
                u.scores.clear();
                u.ranks.clear();
            }
            indices.push(IndexRunResult {
                id: ix.run.id.clone(),
                spec: ix.label.clone(),
                report,
            });
        }
        let mut report = RunReport {
            innodex_version: env!("CARGO_PKG_VERSION").to_string(),
            name: f.run.name.clone(),
            description: f.run.description.clone(),
            inputs: self.inputs.clone(),
            seeds,
            plan: plan_report,
            projection,
            rd_growth_grid: grid,
            backtest,
            indices,
            checks: vec![],
            key_results: BTreeMap::new(),
            projection_section: None,
        };
        report.projection_section = report
            .projection
            .as_ref()
            .map(|p| ProjectionSection::new(&self.plan, p));
        if let Some(p) = &report.projection {
            // The verdict's P(met) columns come from this run's projection.
            report.plan.verdict = crate::assessment::verdict(&self.plan, Some(p));
        }
        on_step("checks");
        report.checks = checks::evaluate(self, &report)?;
        report.key_results = compare::key_results(&report);
        Ok(report)
    }
}

/// The `[backtest]` of a run: a rolling backtest, or with `learn` a calibration learnt and
/// scored out of sample; the per-forecast rows are dropped (the CSV output has them).
fn run_backtest(
    b: &file::BacktestRun,
    panel: &crate::projection::backtest::Panel,
    label: &str,
    seed: u64,
    on_step: &mut dyn FnMut(&str),
) -> Result<BacktestReport, String> {
    use crate::projection::backtest::rolling::{RollingConfig, rolling_backtest};
    let cfg = RollingConfig {
        origins: b.origins.clone(),
        max_horizon: b.horizon,
        window: b.window,
        bootstrap_paths: b.paths,
        seed,
        conformal: b.conformal,
        ..RollingConfig::default()
    };
    let fail = |e: crate::projection::ProjectionError| format!("backtest: {e}");
    Ok(if b.learn.is_empty() {
        on_step("backtest: rolling origins");
        let mut r = rolling_backtest(panel, &cfg).map_err(fail)?;
        r.rows.clear();
        BacktestReport {
            panel: label.to_string(),
            rolling: Some(r),
            calibration: None,
        }
    } else {
        on_step("backtest: calibration learnt and scored out of sample");
        let mut e =
            crate::projection::calibration::evaluate(panel, label, &b.learn, &b.origins, &cfg)
                .map_err(fail)?;
        e.scored.rows.clear();
        BacktestReport {
            panel: label.to_string(),
            rolling: None,
            calibration: Some(e),
        }
    })
}
