//! Projection scenario sets (`ScenarioSet::from_toml_str`): parsing never panics; a parsed
//! set round-trips through TOML; each scenario is checked against the embedded Linyi plan and,
//! when the horizon is near, projected with a handful of Monte Carlo paths.
#![no_main]

use innodex::projection::monte_carlo::McConfig;
use innodex::scenario::ScenarioSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = innodex_fuzz::text(data) else {
        return;
    };
    let Ok(set) = ScenarioSet::from_toml_str(text) else {
        return;
    };
    innodex_fuzz::assert_round_trip(
        "scenario set",
        &set,
        ScenarioSet::to_toml_string,
        ScenarioSet::from_toml_str,
    );
    let plan = innodex_fuzz::linyi();
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
