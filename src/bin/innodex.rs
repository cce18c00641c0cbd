//! The `innodex` command line. Exit codes: 0 success, 1 a failed check (`innodex check`), 2 bad
//! input (with a message, never a backtrace), 3 an internal error.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use innodex::growth;
use innodex::plan::{BUILTIN_PLANS, Plan};
use innodex::report::{Format, PlanReport};
use innodex::series::Provenance;

#[derive(Parser)]
#[command(
    name = "innodex",
    version,
    about = "Innovation indicators, plan targets and the arithmetic behind them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Table,
    Json,
    Csv,
    Markdown,
}

/// One table of `report --format csv`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportTable {
    /// One row per target: latest evidence, required value, gap, status, grade, P(met).
    Verdict,
    /// One row per target: baseline, required growth and paths.
    Targets,
    /// One row per target and scenario: the Monte Carlo projection.
    Projection,
}

#[derive(clap::Args)]
struct PlanArgs {
    /// A plan file (TOML), or the id of a builtin plan (`innodex plans`); the embedded Linyi
    /// 2021–2025 plan when absent.
    #[arg(long, value_name = "FILE|ID")]
    plan: Option<std::path::PathBuf>,
    /// Override an observation, e.g. a baseline: `INDICATOR:YEAR=VALUE` (repeatable).
    #[arg(long = "baseline", value_name = "ID:YEAR=VALUE")]
    baselines: Vec<String>,
    /// More evidence from a CSV table (columns: indicator, region, year, value, unit, bound,
    /// status, source, published; see docs/assessment.md), beside the plan's (repeatable).
    #[arg(long = "observations", value_name = "FILE")]
    observations: Vec<std::path::PathBuf>,
    /// Use only evidence published by this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// The tolerance of every "about" (左右) target, e.g. 0.1 for ±10 % (the plans assume 0.05).
    #[arg(long, value_name = "TOLERANCE")]
    about: Option<f64>,
    /// Read every target that has an alternative reading that way (e.g. the Linyi talent
    /// targets as 2025 stocks instead of flows over 2021–2025).
    #[arg(long)]
    alternative_readings: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Report on every target of a plan: baseline, required growth, paths and status.
    Report {
        #[command(flatten)]
        plan: PlanArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
        /// With `--format csv`: print only this table, as one CSV a spreadsheet or pandas reads
        /// whole (without it, the verdict, targets and projection tables follow each other,
        /// separated by blank lines).
        #[arg(long, value_enum, value_name = "TABLE")]
        table: Option<ReportTable>,
        /// Leave out the projection section (Monte Carlo under each scenario; on by default
        /// when the plan has shipped scenarios or `--scenarios` is given).
        #[arg(long)]
        no_project: bool,
        #[command(flatten)]
        projection: projection_cli::ProjectArgs,
    },
    /// Project a plan's indicators under scenarios: fan charts, probability of meeting each
    /// target, year of attainment (Monte Carlo).
    Project {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        projection: projection_cli::ProjectArgs,
        /// Output format (json: the full result, fans included).
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
        /// Also print each projected indicator's yearly median and 90 % band.
        #[arg(long)]
        fans: bool,
    },
    /// Backtest the projection methods on a panel: fit up to a split year, score the years after.
    Backtest(projection_cli::BacktestArgs),
    /// Print a plan as TOML (a starting point for your own plan file).
    Export {
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// List the embedded plans.
    Plans,
    /// Growth arithmetic from a baseline to a target.
    Growth {
        /// Baseline level.
        #[arg(long, allow_negative_numbers = true)]
        baseline: f64,
        /// Target level.
        #[arg(long, allow_negative_numbers = true)]
        target: f64,
        /// Base year.
        #[arg(long)]
        from: i32,
        /// Target year.
        #[arg(long)]
        to: i32,
    },
    /// Run a run file: compute everything it asks for and write the report (JSON, CSV,
    /// Markdown, HTML with SVG charts) into a directory.
    Run(run_cli::RunArgs),
    /// Evaluate a run file's checks (exit 0 all pass, 1 any fails, 2 bad input), optionally
    /// against a previous report.json (a regression gate).
    Check(run_cli::CheckArgs),
    /// Print the JSON Schema of run files.
    Schema,
    /// Build a composite index (and its uncertainty analysis) from a spec file (TOML).
    Index {
        /// The spec file; data paths in it are relative to it.
        spec: std::path::PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
    },
}

impl From<OutFormat> for Format {
    fn from(f: OutFormat) -> Format {
        match f {
            OutFormat::Table => Format::Table,
            OutFormat::Json => Format::Json,
            OutFormat::Csv => Format::Csv,
            OutFormat::Markdown => Format::Markdown,
        }
    }
}

/// The `project` and `backtest` subcommands and the projection section of `report`.
mod projection_cli {
    use super::UserError;
    use innodex::plan::Plan;
    use innodex::projection::backtest::rolling::{RollingConfig, rolling_backtest};
    use innodex::projection::backtest::{self, BacktestConfig, Panel};
    use innodex::projection::calibration;
    use innodex::projection::monte_carlo::McConfig;
    use innodex::report::{Format, PlanReport, ProjectionSection};
    use innodex::scenario::{PlanProjection, ScenarioSet};

    #[derive(clap::Args)]
    pub(super) struct ProjectArgs {
        /// A scenario file (TOML); the scenarios shipped with a builtin plan when absent.
        #[arg(long, value_name = "FILE")]
        pub(super) scenarios: Option<std::path::PathBuf>,
        /// Run only this scenario (repeatable).
        #[arg(long = "scenario", value_name = "NAME")]
        only: Vec<String>,
        /// Leave out the set's calibration against panels ([[set.calibration]]): every
        /// probability then rests on the scenarios' own spreads.
        #[arg(long)]
        uncalibrated: bool,
        /// Monte Carlo paths per scenario.
        #[arg(long, default_value_t = 10_000)]
        paths: usize,
        /// Seed (the same for every scenario).
        #[arg(long, default_value_t = innodex::DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        limits: McLimits,
    }

    /// The Monte Carlo size limits, checked before any work (see `McConfig`).
    #[derive(clap::Args)]
    pub(super) struct McLimits {
        /// Most values a run may simulate (paths × years × indicators) [default: 10^10].
        #[arg(long, value_name = "N")]
        max_values: Option<u64>,
        /// Most bytes of one quantile buffer (8 a path) [default: 4 GiB].
        #[arg(long, value_name = "BYTES")]
        max_buffer_bytes: Option<u64>,
    }

    impl McLimits {
        fn apply(&self, max_values: &mut u64, max_buffer_bytes: &mut u64) {
            if let Some(v) = self.max_values {
                *max_values = v;
            }
            if let Some(b) = self.max_buffer_bytes {
                *max_buffer_bytes = b;
            }
        }
    }

    #[derive(clap::Args)]
    pub(super) struct BacktestArgs {
        /// A long-format CSV panel; the shipped provincial R&D data when absent.
        #[arg(long, value_name = "FILE")]
        data: Option<std::path::PathBuf>,
        /// Column of values.
        #[arg(long, default_value = "rd_expenditure_100m_yuan")]
        column: String,
        /// Column of units.
        #[arg(long, default_value = "region_en")]
        unit_col: String,
        /// Column of years.
        #[arg(long, default_value = "year")]
        year_col: String,
        /// Last year used for fitting.
        #[arg(long, default_value_t = 2020)]
        split: i32,
        /// Last year scored (default: every later year).
        #[arg(long)]
        last: Option<i32>,
        /// Interval coverage.
        #[arg(long, default_value_t = 0.9)]
        level: f64,
        /// Paths of the bootstrap Monte Carlo method (0 leaves it out).
        #[arg(long, default_value_t = 10_000)]
        paths: usize,
        #[command(flatten)]
        limits: McLimits,
        /// Rolling-origin backtest at these origins (comma-separated, e.g. 2017,2018,2019,2020):
        /// coverage at 50/80/90/95 %, widths, CRPS and PIT by method and horizon. With
        /// --learn, these are the scoring origins of a calibration.
        #[arg(long, value_delimiter = ',', value_name = "YEARS")]
        origins: Vec<i32>,
        /// Learn split-conformal calibration at these origins (all before the first of
        /// --origins; only data up to it is used) and print scores before and after.
        #[arg(
            long,
            value_delimiter = ',',
            value_name = "YEARS",
            requires = "origins"
        )]
        learn: Vec<i32>,
        /// How --learn builds calibrated intervals: two-sided (two one-sided ranks of the
        /// signed score; moves a biased forecast) or symmetric (one factor for both sides).
        #[arg(long, default_value = "two-sided", value_parser = ["two-sided", "symmetric"], requires = "learn")]
        conformal: String,
        /// Horizons 1..N of the rolling backtest.
        #[arg(long, default_value_t = 3)]
        horizon: i32,
        /// Fit each origin to its last N observations only (rolling backtest).
        #[arg(long, value_name = "N")]
        window: Option<usize>,
        /// Output: table or json (scores), csv (every forecast).
        #[arg(long, value_enum, default_value = "table")]
        format: super::OutFormat,
    }

    fn run(plan: &Plan, a: &ProjectArgs) -> Result<PlanProjection, UserError> {
        let set = match &a.scenarios {
            Some(p) => ScenarioSet::from_path(p)?,
            None => ScenarioSet::builtin_for(&plan.meta().id).ok_or_else(|| {
                UserError("this plan has no shipped scenarios: give --scenarios FILE".into())
            })?,
        };
        let mut set = if a.only.is_empty() {
            set
        } else {
            set.select(&a.only.iter().map(String::as_str).collect::<Vec<_>>())?
        };
        if a.uncalibrated {
            set.set.calibration.clear();
        }
        let mut cfg = McConfig {
            n_paths: a.paths,
            seed: a.seed,
            ..McConfig::default()
        };
        a.limits
            .apply(&mut cfg.max_values, &mut cfg.max_buffer_bytes);
        Ok(set.project(plan, &cfg)?)
    }

    pub(super) fn project(
        plan: &Plan,
        a: &ProjectArgs,
        format: Format,
        fans: bool,
    ) -> Result<String, UserError> {
        let p = run(plan, a)?;
        if format == Format::Json {
            return Ok(serde_json::to_string_pretty(&p).expect("serialisable") + "\n");
        }
        let mut out = ProjectionSection::new(plan, &p).render(format);
        if format != Format::Csv {
            out.push_str(&calibration_note(&p));
        }
        if fans && format != Format::Csv {
            for s in &p.scenarios {
                out.push_str(&format!(
                    "\nFans, scenario {} (median [5 %–95 %])\n",
                    s.name
                ));
                for f in &s.result.indicators {
                    let Some(from) = f.simulated_from else {
                        continue;
                    };
                    let cells: Vec<String> = f
                        .years
                        .iter()
                        .zip(&f.quantiles)
                        .filter(|(y, _)| **y >= from)
                        .filter_map(|(y, q)| {
                            let q = q.as_ref()?;
                            let at = |p: f64| {
                                s.result
                                    .quantiles
                                    .iter()
                                    .position(|x| *x == p)
                                    .map(|i| q[i])
                            };
                            Some(match (at(0.05), at(0.5), at(0.95)) {
                                (Some(a), Some(m), Some(b)) => {
                                    format!("{y}: {m:.4} [{a:.4} – {b:.4}]")
                                }
                                _ => format!("{y}: {q:?}"),
                            })
                        })
                        .collect();
                    out.push_str(&format!("  {}: {}\n", f.id, cells.join("; ")));
                }
            }
        }
        Ok(out)
    }

    /// Which probabilities are calibrated, and against what.
    fn calibration_note(p: &PlanProjection) -> String {
        let mut s = String::new();
        for c in &p.calibration {
            s.push_str(&format!(
                "\nCalibrated against {} `{}` ({} factors, origins {:?}) for {}:\n",
                c.calibration.panel,
                c.calibration.variable,
                c.calibration.method,
                c.calibration.learn_origins,
                c.spec.indicators.join(", ")
            ));
            for t in &c.targets {
                s.push_str(&format!(
                    "  {} / {}: {}\n",
                    t.scenario,
                    t.target,
                    match (t.calibrated, t.probability_uncalibrated, t.probability) {
                        (true, Some(a), Some(b)) => format!(
                            "P(met) {:.1} % calibrated (uncalibrated {:.1} %){}",
                            b * 100.0,
                            a * 100.0,
                            if t.extrapolated {
                                ", horizon beyond the learnt ones"
                            } else {
                                ""
                            }
                        ),
                        _ => t.note.clone(),
                    }
                ));
            }
        }
        s
    }

    pub(super) fn report_with_projection(
        plan: &Plan,
        report: PlanReport,
        a: &ProjectArgs,
        format: Format,
        table: Option<super::ReportTable>,
    ) -> Result<String, UserError> {
        let p = run(plan, a)?;
        let report = report.with_projection(plan, &p);
        let section = ProjectionSection::new(plan, &p);
        Ok(match (format, table) {
            (_, Some(super::ReportTable::Verdict)) => report.verdict_csv(),
            (_, Some(super::ReportTable::Targets)) => report.targets_csv(),
            (_, Some(super::ReportTable::Projection)) => section.to_csv(),
            (format, None) => match format {
                Format::Json => {
                    let mut v = serde_json::to_value(&report).expect("serialisable");
                    v["projection"] = serde_json::to_value(&section).expect("serialisable");
                    serde_json::to_string_pretty(&v).expect("serialisable")
                }
                Format::Csv => report.to_csv() + "\n" + &section.to_csv(),
                f => report.render(f) + &section.render(f),
            },
        })
    }

    fn rolling(a: &BacktestArgs, panel: &Panel) -> Result<String, UserError> {
        let mut cfg = RollingConfig {
            origins: a.origins.clone(),
            max_horizon: a.horizon,
            window: a.window,
            bootstrap_paths: a.paths,
            conformal: a.conformal.parse().map_err(UserError)?,
            ..RollingConfig::default()
        };
        a.limits
            .apply(&mut cfg.max_values, &mut cfg.max_buffer_bytes);
        let name = a
            .data
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "china_province_rd".into());
        let json =
            |v: serde_json::Value| serde_json::to_string_pretty(&v).expect("serialisable") + "\n";
        if !a.learn.is_empty() {
            let e = calibration::evaluate(panel, &name, &a.learn, &a.origins, &cfg)?;
            return Ok(match a.format {
                super::OutFormat::Json => {
                    let mut v = serde_json::to_value(&e).expect("serialisable");
                    if let Some(o) = v.get_mut("scored").and_then(|s| s.as_object_mut()) {
                        o.remove("rows");
                    }
                    json(v)
                }
                super::OutFormat::Csv => e.scored.rows_csv(),
                _ => e.to_table(),
            });
        }
        let r = rolling_backtest(panel, &cfg)?;
        Ok(match a.format {
            super::OutFormat::Json => {
                let mut v = serde_json::to_value(&r).expect("serialisable");
                if let Some(o) = v.as_object_mut() {
                    o.remove("rows");
                }
                json(v)
            }
            super::OutFormat::Csv => r.rows_csv(),
            _ => r.to_table(),
        })
    }

    pub(super) fn backtest(a: &BacktestArgs) -> Result<String, UserError> {
        let panel = match &a.data {
            Some(p) => Panel::from_csv_path(p, &a.unit_col, &a.year_col, &a.column)?,
            None => Panel::from_csv_str(
                backtest::CHINA_PROVINCE_RD_CSV,
                &a.unit_col,
                &a.year_col,
                &a.column,
            )?,
        };
        if !a.origins.is_empty() {
            return rolling(a, &panel);
        }
        let mut cfg = BacktestConfig {
            split_year: a.split,
            last_year: a.last,
            level: a.level,
            bootstrap_paths: a.paths,
            ..BacktestConfig::default()
        };
        a.limits
            .apply(&mut cfg.max_values, &mut cfg.max_buffer_bytes);
        let r = backtest::backtest(&panel, &cfg)?;
        Ok(match a.format {
            super::OutFormat::Json => {
                let mut v = serde_json::to_value(&r).expect("serialisable");
                if let Some(o) = v.as_object_mut() {
                    o.remove("rows");
                }
                serde_json::to_string_pretty(&v).expect("serialisable") + "\n"
            }
            super::OutFormat::Csv => r.rows_csv(),
            _ => r.to_table(),
        })
    }
}

/// The `run` and `check` subcommands: run files, reports, checks and the baseline gate.
mod run_cli {
    use std::io::IsTerminal;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use innodex::exec::Progress;
    use innodex::run::compare::{Tolerance, compare_with_json};
    use innodex::run::{Run, RunReport, checks_table, write_outputs};

    use super::UserError;

    #[derive(clap::Args)]
    pub(super) struct Logging {
        /// Print nothing but the result (no progress bar).
        #[arg(long, short)]
        quiet: bool,
        /// Print each step to stderr.
        #[arg(long, short, conflicts_with = "quiet")]
        verbose: bool,
    }

    #[derive(clap::Args)]
    pub(super) struct RunArgs {
        /// The run file (TOML); relative paths in it start at its directory.
        file: PathBuf,
        /// Where to write report.json, report.md, report.html and the CSV tables.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        log: Logging,
    }

    #[derive(clap::Args)]
    pub(super) struct CheckArgs {
        /// The run file (TOML).
        file: PathBuf,
        /// A previous run's report.json: fail when a key result moved beyond tolerance.
        #[arg(long, value_name = "REPORT_JSON")]
        baseline: Option<PathBuf>,
        /// Absolute tolerance of the baseline comparison.
        #[arg(long, default_value_t = 0.02)]
        tolerance: f64,
        /// Relative tolerance (share of the baseline value); a key passes within either.
        #[arg(long, default_value_t = 0.0)]
        rel_tolerance: f64,
        /// Also write the report into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        log: Logging,
    }

    /// Loads and runs a file, with a progress bar on a terminal (hidden in CI and with
    /// `--quiet`) and steps on stderr with `--verbose`.
    fn execute(file: &PathBuf, log: &Logging) -> Result<RunReport, UserError> {
        let run = Run::load(file)?;
        let bar = if log.quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        };
        let progress = Progress::default();
        let finished = AtomicBool::new(false);
        let verbose = log.verbose;
        let result = std::thread::scope(|scope| {
            // The Monte Carlo reports chunks done through `progress`; poll it from here so
            // the computation never waits on the terminal.
            scope.spawn(|| {
                while !finished.load(Ordering::Relaxed) {
                    bar.set_length(progress.total() as u64);
                    bar.set_position(progress.done() as u64);
                    std::thread::sleep(Duration::from_millis(80));
                }
            });
            let r = run.execute(&progress, &mut |step| {
                if verbose {
                    bar.suspend(|| eprintln!("innodex: {step}"));
                }
                bar.set_message(step.to_string());
            });
            finished.store(true, Ordering::Relaxed);
            r
        });
        bar.finish_and_clear();
        Ok(result?)
    }

    pub(super) fn run(a: &RunArgs) -> Result<String, UserError> {
        let report = execute(&a.file, &a.log)?;
        let files = super::write_uninterrupted(|| write_outputs(&report, &a.out))?;
        if a.log.quiet {
            return Ok(String::new());
        }
        Ok(format!(
            "{}\nwrote {} files to {}: {}\n",
            checks_table(&report.checks),
            files.len(),
            a.out.display(),
            files.join(", ")
        ))
    }

    pub(super) fn check(a: &CheckArgs) -> Result<(String, u8), UserError> {
        if !(a.tolerance >= 0.0 && a.rel_tolerance >= 0.0) {
            return Err(UserError(
                "--tolerance and --rel-tolerance must be numbers ≥ 0".into(),
            ));
        }
        // Read the baseline first: a missing file is bad input, found before any work.
        let baseline = match &a.baseline {
            Some(p) => Some((
                p.display().to_string(),
                innodex::io::read_text_file(p, innodex::io::max_file_bytes())
                    .map_err(|e| UserError(format!("baseline report: {e}")))?,
            )),
            None => None,
        };
        let report = execute(&a.file, &a.log)?;
        if let Some(dir) = &a.out {
            super::write_uninterrupted(|| write_outputs(&report, dir))?;
        }
        let mut out = format!("{}: {}\n", a.file.display(), report.name);
        out.push_str(&checks_table(&report.checks));
        let mut ok = report.all_passed();
        if let Some((path, text)) = baseline {
            let tol = Tolerance {
                absolute: a.tolerance,
                relative: a.rel_tolerance,
            };
            let cmp = compare_with_json(&report, &text, &path, tol)?;
            out.push('\n');
            out.push_str(&cmp.to_text(tol));
            ok &= cmp.passed();
        }
        Ok((out, if ok { 0 } else { 1 }))
    }
}

/// An error for the user: printed as `error: …`, exit code 2.
struct UserError(String);

impl<E: std::fmt::Display> From<E> for UserError {
    fn from(e: E) -> Self {
        UserError(e.to_string())
    }
}

fn load_plan(args: &PlanArgs) -> Result<Plan, UserError> {
    // `--plan` names a file, or a builtin plan (see `innodex plans`) when no such file exists.
    let mut plan = match &args.plan {
        Some(path)
            if !path.exists() && path.to_str().is_some_and(|s| BUILTIN_PLANS.contains(&s)) =>
        {
            Plan::builtin(path.to_str().unwrap_or_default())?
        }
        Some(path) => Plan::from_path(path)?,
        None => Plan::linyi(),
    };
    for path in &args.observations {
        let shown = path.display();
        let text = innodex::io::read_text_file(path, innodex::io::max_file_bytes())
            .map_err(|e| UserError(format!("--observations: {e}")))?;
        let rows = innodex::evidence::read_observations_csv(&plan, &text)
            .map_err(|e| UserError(format!("--observations `{shown}`: {e}")))?;
        plan = plan
            .with_evidence(rows)
            .map_err(|e| UserError(format!("--observations `{shown}`: {e}")))?;
    }
    if let Some(date) = &args.as_of {
        let d: innodex::series::PubDate = date
            .parse()
            .map_err(|e| UserError(format!("--as-of: {e}")))?;
        plan = plan.as_of(d)?;
    }
    for spec in &args.baselines {
        let o =
            innodex::io::parse_override(spec).map_err(|e| UserError(format!("--baseline {e}")))?;
        plan.set_observation(
            &o.indicator,
            o.year,
            o.value,
            Provenance::Assumed {
                note: "set on the command line".into(),
            },
        )
        .map_err(|e| {
            UserError(format!(
                "--baseline `{}`: {e}",
                innodex::io::excerpt(spec, innodex::io::EXCERPT_CHARS)
            ))
        })?;
    }
    if let Some(tol) = args.about {
        plan = plan
            .with_about(tol)
            .map_err(|e| UserError(format!("--about {tol}: {e}")))?;
    }
    if args.alternative_readings {
        plan = plan.with_alternative_readings();
    }
    Ok(plan)
}

fn run(cli: Cli) -> Result<(String, u8), UserError> {
    match cli.command {
        Command::Run(a) => run_cli::run(&a).map(|s| (s, 0)),
        Command::Check(a) => run_cli::check(&a),
        Command::Schema => Ok((innodex::run::schema_json(), 0)),
        other => run_other(other).map(|s| (s, 0)),
    }
}

fn run_other(command: Command) -> Result<String, UserError> {
    match command {
        Command::Run(_) | Command::Check(_) | Command::Schema => {
            unreachable!("handled by run")
        }
        Command::Report {
            plan,
            format,
            table,
            no_project,
            projection,
        } => {
            if table.is_some() && !matches!(format, OutFormat::Csv) {
                return Err(UserError("--table goes with --format csv".into()));
            }
            let plan = load_plan(&plan)?;
            // The sensitivity section of the Linyi plan (a fixed seed: same report every run).
            let report =
                PlanReport::new(&plan).with_rd_share_sensitivity(1 << 12, innodex::DEFAULT_SEED)?;
            let has_scenarios = projection.scenarios.is_some()
                || innodex::scenario::ScenarioSet::builtin_for(&plan.meta().id).is_some();
            let project = has_scenarios && !no_project;
            match table {
                Some(ReportTable::Verdict) if !project => return Ok(report.verdict_csv()),
                Some(ReportTable::Targets) => return Ok(report.targets_csv()),
                Some(ReportTable::Projection) if !project => {
                    return Err(UserError(
                        "--table projection needs a projection: this plan has no shipped \
                         scenarios (give --scenarios FILE) or --no-project was given"
                            .into(),
                    ));
                }
                _ => {}
            }
            if project {
                return projection_cli::report_with_projection(
                    &plan,
                    report,
                    &projection,
                    format.into(),
                    table,
                );
            }
            Ok(report.render(format.into()))
        }
        Command::Project {
            plan,
            projection,
            format,
            fans,
        } => projection_cli::project(&load_plan(&plan)?, &projection, format.into(), fans),
        Command::Backtest(args) => projection_cli::backtest(&args),
        Command::Export { plan } => Ok(load_plan(&plan)?.to_toml_string()),
        Command::Plans => Ok(BUILTIN_PLANS
            .iter()
            .map(|id| {
                let title = Plan::builtin(id).map(|p| p.meta().title.clone());
                format!("{id}\t{}\n", title.unwrap_or_default())
            })
            .collect()),
        Command::Index { spec, format } => {
            let format = match format {
                OutFormat::Table => "table",
                OutFormat::Json => "json",
                OutFormat::Csv => "csv",
                OutFormat::Markdown => "markdown",
            };
            Ok(innodex::index::spec::run_spec_file(&spec, format)?)
        }
        Command::Growth {
            baseline,
            target,
            from,
            to,
        } => {
            let g = growth::required_cagr(baseline, target, from, to)?;
            let d = growth::required_increment(baseline, target, from, to)?;
            let mut out = format!(
                "from {baseline} ({from}) to {target} ({to}), n = {} years\nrequired CAGR:       {:.6} ({:.4} %)\nrequired increment:  {d:.6} a year\n",
                to - from,
                g,
                g * 100.0
            );
            match growth::doubling_time(g) {
                Ok(t) => out.push_str(&format!(
                    "doubling time:       {t:.4} years (rule of 70: {:.4})\n",
                    growth::rule_of_70(g)?
                )),
                Err(_) => out.push_str("doubling time:       – (no positive growth)\n"),
            }
            Ok(out)
        }
    }
}

/// Set while report files are being written: Ctrl-C then waits for the files to be complete.
static WRITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Set by a Ctrl-C that arrived while writing.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Exit status after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: i32 = 130;

/// Runs `write` with Ctrl-C deferred until it has finished, then honours a deferred Ctrl-C.
fn write_uninterrupted<T>(write: impl FnOnce() -> T) -> T {
    use std::sync::atomic::Ordering;
    WRITING.store(true, Ordering::SeqCst);
    let out = write();
    WRITING.store(false, Ordering::SeqCst);
    if INTERRUPTED.load(Ordering::SeqCst) {
        eprintln!("innodex: interrupted (the report files were completed first)");
        std::process::exit(EXIT_INTERRUPTED);
    }
    out
}

fn main() -> ExitCode {
    // Never show a Rust backtrace to a user: an internal error is reported in one line.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("innodex: internal error: {info}. Please report it.");
    }));
    // Ctrl-C stops a computation at once (nothing has been written yet, so nothing is lost),
    // but lets a write of report files finish.
    let _ = ctrlc::set_handler(|| {
        use std::sync::atomic::Ordering;
        if WRITING.load(Ordering::SeqCst) {
            INTERRUPTED.store(true, Ordering::SeqCst);
        } else {
            eprintln!("innodex: interrupted");
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok((text, code))) => {
            // A reader that closes early (`innodex … | head`) is not an error of ours: stop
            // quietly, as other command-line tools do, instead of panicking in `print!`.
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write the output: {e}");
                    ExitCode::from(2)
                }
                Ok(()) => ExitCode::from(code),
            }
        }
        Ok(Err(UserError(msg))) => {
            // Messages quote input as excerpts; the bound is the last guard.
            eprintln!("error: {}", innodex::io::bounded_message(msg));
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(3),
    }
}
