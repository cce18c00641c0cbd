//! The `innodex` command line. Exit codes: 0 success, 2 bad input (with a message, never a
//! backtrace), 3 an internal error.

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

#[derive(clap::Args)]
struct PlanArgs {
    /// A plan file (TOML); the embedded Linyi 2021–2025 plan when absent.
    #[arg(long, value_name = "FILE")]
    plan: Option<std::path::PathBuf>,
    /// Override an observation, e.g. a baseline: `INDICATOR:YEAR=VALUE` (repeatable).
    #[arg(long = "baseline", value_name = "ID:YEAR=VALUE")]
    baselines: Vec<String>,
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
    },
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
    /// Build a composite index (and its uncertainty analysis) from a spec file (TOML).
    Index {
        /// The spec file; data paths in it are relative to it.
        spec: std::path::PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutFormat,
    },
}

/// An error for the user: printed as `error: …`, exit code 2.
struct UserError(String);

impl<E: std::fmt::Display> From<E> for UserError {
    fn from(e: E) -> Self {
        UserError(e.to_string())
    }
}

fn parse_override(spec: &str) -> Result<(String, i32, f64), UserError> {
    let bad = || {
        UserError(format!(
            "--baseline `{spec}`: expected INDICATOR:YEAR=VALUE, e.g. hte_count:2020=800"
        ))
    };
    let (id, rest) = spec.split_once(':').ok_or_else(bad)?;
    let (year, value) = rest.split_once('=').ok_or_else(bad)?;
    let year: i32 = year.trim().parse().map_err(|_| bad())?;
    let value: f64 = value.trim().parse().map_err(|_| bad())?;
    Ok((id.trim().to_string(), year, value))
}

fn load_plan(args: &PlanArgs) -> Result<Plan, UserError> {
    let mut plan = match &args.plan {
        Some(path) => Plan::from_path(path)?,
        None => Plan::linyi(),
    };
    for spec in &args.baselines {
        let (id, year, value) = parse_override(spec)?;
        plan.set_observation(
            &id,
            year,
            value,
            Provenance::Assumed {
                note: "set on the command line".into(),
            },
        )
        .map_err(|e| UserError(format!("--baseline `{spec}`: {e}")))?;
    }
    Ok(plan)
}

fn run(cli: Cli) -> Result<String, UserError> {
    match cli.command {
        Command::Report { plan, format } => {
            let plan = load_plan(&plan)?;
            let format = match format {
                OutFormat::Table => Format::Table,
                OutFormat::Json => Format::Json,
                OutFormat::Csv => Format::Csv,
                OutFormat::Markdown => Format::Markdown,
            };
            // The sensitivity section of the Linyi plan (a fixed seed: same report every run).
            let report = PlanReport::new(&plan).with_rd_share_sensitivity(1 << 12, 2021)?;
            Ok(report.render(format))
        }
        Command::Export { plan } => Ok(load_plan(&plan)?.to_toml_string()),
        Command::Plans => Ok(BUILTIN_PLANS.join("\n") + "\n"),
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

fn main() -> ExitCode {
    // Never show a Rust backtrace to a user: an internal error is reported in one line.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("innodex: internal error: {info}. Please report it.");
    }));
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Err(UserError(msg))) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(3),
    }
}
