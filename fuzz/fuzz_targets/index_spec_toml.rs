//! Index specifications: `IndexSpecFile::from_toml_str`, `Framework::from_toml_str` and
//! `PipelineSpec::from_toml_str` on the same text never panic. A spec with an inline framework
//! is then built with its own pipeline on a small synthetic data set (five units, one value
//! missing), which drives every stage the spec turns on.
#![no_main]

use std::collections::BTreeMap;

use innodex::index::framework::Framework;
use innodex::index::pipeline::{CompositeIndex, PipelineSpec};
use innodex::index::spec::IndexSpecFile;
use innodex::index::table::UnitData;
use libfuzzer_sys::fuzz_target;

/// Indicators of the synthetic build; larger frameworks are parsed and validated only.
const MAX_INDICATORS: usize = 32;
const UNITS: usize = 5;

/// Deterministic, varied values (no two indicators constant, one `NaN` to impute).
fn synthetic(fw: &Framework, groups: &[String], denominators: &[String]) -> UnitData {
    let indicators = fw.indicator_codes();
    let units: Vec<String> = (0..UNITS).map(|u| format!("U{u}")).collect();
    let values = (0..indicators.len())
        .map(|j| {
            (0..UNITS)
                .map(|u| {
                    if u == 1 && j == 0 {
                        f64::NAN
                    } else {
                        1.0 + ((u * 7 + j * 3) % 11) as f64 * (j as f64 + 0.5)
                    }
                })
                .collect()
        })
        .collect();
    let groups: BTreeMap<String, Vec<Option<String>>> = groups
        .iter()
        .map(|g| {
            let labels = (0..UNITS).map(|u| Some(format!("g{}", u % 2))).collect();
            (g.clone(), labels)
        })
        .collect();
    let denominators = denominators
        .iter()
        .map(|d| (d.clone(), (0..UNITS).map(|u| 10.0 + u as f64).collect()))
        .collect();
    UnitData {
        names: units.clone(),
        time: vec![None; UNITS],
        units,
        groups,
        denominators,
        indicators,
        values,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = innodex_fuzz::text(data) else {
        return;
    };
    let _ = Framework::from_toml_str(text);
    let _ = PipelineSpec::from_toml_str(text);
    let Ok(spec) = IndexSpecFile::from_toml_str(text) else {
        return;
    };
    let Some(fs) = &spec.framework else {
        return;
    };
    let Ok(fw) = Framework::from_spec(fs) else {
        return;
    };
    if fw.n_indicators() > MAX_INDICATORS {
        return;
    }
    // The groups an imputation names exist in the data, so group imputation runs too.
    let mut groups = spec.data.groups.clone();
    if let Some(g) = spec.pipeline.impute.as_ref().and_then(|m| m.group()) {
        groups.push(g.to_string());
    }
    let data = synthetic(&fw, &groups, &spec.data.denominators);
    if let Ok(ix) = CompositeIndex::new(fw, data) {
        let _ = ix.build(&spec.pipeline);
    }
});
