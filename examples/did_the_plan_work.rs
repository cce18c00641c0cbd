//! A Rust user's first program, on the public API only: load a plan, add your own evidence,
//! project it under its own scenarios, and print the verdict — did the plan work?
//!
//! Run: `cargo run --release --example did_the_plan_work [-- PLAN_ID]` (default: the Linyi
//! 2021–2025 plan; `shandong-2022-2027` is the other shipped one). The test command builds and
//! runs it.
use innodex::evidence::read_observations_csv;
use innodex::prelude::*;
use innodex::report::verdict::to_table;

fn main() -> innodex::Result<()> {
    let id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "linyi-2021-2025".into());
    let plan = Plan::builtin(&id)?;

    // Your own evidence, in the CSV form of `innodex report --observations` (docs/assessment.md):
    // a figure of one year, and one over a span (the change from the 2020 level to 2025; it
    // derives no value here, the plan having no 2020 figure, and the verdict says so).
    let region = &plan.meta().region.en;
    let mine = format!(
        "indicator,region,year,value,unit,bound,status,source,published\n\
         ht_output_share,{region},2024,45.2,pct,exact,preliminary,my survey,2025-03\n\
         ht_output_share,{region},2021-2025,4,pct,at_least,preliminary,my survey,2026-02\n"
    );
    // (Illustrative figures, added only where the plan has no evidence of its own for them.)
    let unobserved = plan
        .series("ht_output_share")
        .is_some_and(|s| s.points().is_empty());
    let plan = if unobserved {
        plan.with_evidence(read_observations_csv(&plan, &mine)?)?
    } else {
        plan
    };

    // The plan's own scenario set (never another plan's), a small Monte Carlo run.
    let scenarios = ScenarioSet::builtin_for(&plan.meta().id);
    let config = McConfig {
        n_paths: 2_000,
        seed: 2021,
        ..McConfig::default()
    };
    let projection = match &scenarios {
        Some(set) => Some(set.project(&plan, &config)?),
        None => None,
    };

    let verdict = verdict(&plan, projection.as_ref());
    println!("{}", to_table(&verdict));
    let met = verdict
        .rows
        .iter()
        .filter(|r| r.status == Status::Met)
        .count();
    println!(
        "{met} of {} targets met on the evidence",
        verdict.rows.len()
    );
    Ok(())
}
