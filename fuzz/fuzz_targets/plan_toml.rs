//! Plan TOML (`Plan::from_toml_str`): parsing never panics; a parsed plan re-serialises to
//! TOML that parses back to the same plan; its report (every target evaluated) renders in
//! every format without panicking.
#![no_main]

use innodex::plan::Plan;
use innodex::report::{Format, PlanReport};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = innodex_fuzz::text(data) else {
        return;
    };
    let Ok(plan) = Plan::from_toml_str(text) else {
        return;
    };
    // NaN values compare unequal; then the serialised texts must still agree.
    innodex_fuzz::assert_round_trip("plan", &plan, Plan::to_toml_string, Plan::from_toml_str);
    let report = PlanReport::new(&plan);
    for f in [Format::Table, Format::Json, Format::Csv, Format::Markdown] {
        let _ = report.render(f);
    }
});
