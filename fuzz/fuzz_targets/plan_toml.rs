//! Plan TOML (`Plan::from_toml_str`): parsing never panics; a parsed plan re-serialises to
//! TOML that parses back to the same plan; its report (every target evaluated) renders in
//! every format without panicking.
#![no_main]

use innodex::plan::Plan;
use innodex::report::{Format, PlanReport};
use libfuzzer_sys::fuzz_target;

/// Plans are small hand-written files; larger inputs only slow the search down.
const MAX_LEN: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_LEN {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = Plan::from_toml_str(text) else {
        return;
    };
    let again = plan.to_toml_string();
    let back = Plan::from_toml_str(&again)
        .unwrap_or_else(|e| panic!("a serialised plan must parse again: {e}\n{again}"));
    // NaN values compare unequal; then the serialised texts must still agree.
    if back != plan {
        assert_eq!(
            back.to_toml_string(),
            again,
            "plan round-trip changed the plan"
        );
    }
    let report = PlanReport::new(&plan);
    for f in [Format::Table, Format::Json, Format::Csv, Format::Markdown] {
        let _ = report.render(f);
    }
});
