//! `--baseline INDICATOR:YEAR=VALUE` strings: `innodex::io::parse_override`, then the override
//! applied to the embedded Linyi plan (`Plan::set_observation`, bounds and derived ratios).
//! Invariants: no panic; a parsed override has a finite value and a year in `plan::YEARS`; an
//! accepted override is in the plan afterwards; a refused one leaves the plan unchanged; every
//! error message is short (it quotes input as an excerpt).
#![no_main]

use innodex::plan::YEARS;
use innodex::series::Provenance;
use libfuzzer_sys::fuzz_target;

/// An error quotes at most a few excerpts of 80 characters.
const MAX_MESSAGE: usize = 1000;

fuzz_target!(|data: &[u8]| {
    let Some(spec) = innodex_fuzz::text(data) else {
        return;
    };
    let o = match innodex::io::parse_override(spec) {
        Ok(o) => o,
        Err(e) => {
            assert!(
                e.to_string().len() <= MAX_MESSAGE,
                "{} bytes",
                e.to_string().len()
            );
            return;
        }
    };
    assert!(o.value.is_finite() && YEARS.contains(&o.year));
    let mut plan = innodex_fuzz::linyi().clone();
    let note = Provenance::Assumed {
        note: "fuzz".into(),
    };
    match plan.set_observation(&o.indicator, o.year, o.value, note) {
        Ok(()) => assert_eq!(
            plan.series(&o.indicator).unwrap().value_at(o.year),
            Some(o.value)
        ),
        Err(e) => {
            assert!(
                e.to_string().len() <= MAX_MESSAGE,
                "{} bytes",
                e.to_string().len()
            );
            assert_eq!(&plan, innodex_fuzz::linyi());
        }
    }
});
