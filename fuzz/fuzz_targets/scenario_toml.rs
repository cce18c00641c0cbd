//! Projection scenario sets (`ScenarioSet::from_toml_str`): parsing never panics; a parsed
//! set round-trips through TOML; each scenario is checked against the embedded Linyi plan and,
//! when the horizon is near, projected with a handful of Monte Carlo paths.
#![no_main]

use std::sync::OnceLock;

use innodex::plan::Plan;
use innodex::projection::monte_carlo::McConfig;
use innodex::scenario::ScenarioSet;
use libfuzzer_sys::fuzz_target;

const MAX_LEN: usize = 64 * 1024;

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(Plan::linyi)
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_LEN {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = ScenarioSet::from_toml_str(text) else {
        return;
    };
    let again = set.to_toml_string();
    let back = ScenarioSet::from_toml_str(&again)
        .unwrap_or_else(|e| panic!("a serialised scenario set must parse again: {e}\n{again}"));
    if back != set {
        assert_eq!(
            back.to_toml_string(),
            again,
            "scenario round-trip changed the set"
        );
    }
    let plan = plan();
    let horizon = set.horizon(plan);
    for s in &set.scenarios {
        let _ = s.validate(plan, horizon);
    }
    // Keep one execution fast: a few paths, a few scenarios, a horizon of at most 30 years
    // past the plan's base year (a far horizon is a resource question, not a parser one).
    if set.scenarios.len() <= 4 && (plan.base_year()..=plan.base_year() + 30).contains(&horizon) {
        let cfg = McConfig {
            n_paths: 16,
            chunk_size: 8,
            ..McConfig::default()
        };
        let _ = set.project(plan, &cfg);
    }
});
