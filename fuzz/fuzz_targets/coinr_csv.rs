//! COINr-style CSV tables: `read_imeta_str` (iMeta) and `UnitData::from_csv_str` (iData).
//!
//! The input is `iMeta`, a NUL byte, then `iData` (no NUL: all of it is `iData`). `iData` is
//! first read on its own, with every column but the unit, name and time columns as an
//! indicator, so the table reader is fuzzed even when `iMeta` is broken. With a valid `iMeta`,
//! `iData` is read against its framework and a small table is then built as an index (one
//! year: `CompositeIndex`, with the default pipeline and COINr's example pipeline; several
//! years: the index `Panel`). `CompositeIndex::from_csv` and `index::panel::Panel::from_csv`
//! are exactly these calls behind a file read.
#![no_main]

use innodex::index::panel::{Panel, PanelSpec};
use innodex::index::pipeline::{CompositeIndex, PipelineSpec};
use innodex::index::table::{UnitData, read_imeta_str};
use libfuzzer_sys::fuzz_target;

/// Sizes of the builds; larger tables are parsed and validated only.
const MAX_ROWS: usize = 64;
const MAX_INDICATORS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let Some(text) = innodex_fuzz::text(data) else {
        return;
    };
    let (imeta, idata) = match text.split_once('\0') {
        Some((m, d)) => (Some(m), d),
        None => (None, text),
    };

    let header: Vec<String> = idata
        .lines()
        .next()
        .unwrap_or("")
        .split(',')
        .map(|h| h.trim().trim_matches('"').to_string())
        .filter(|h| !matches!(h.as_str(), "uCode" | "uName" | "Time"))
        .collect();
    if let Ok(d) = UnitData::from_csv_str(idata, "iData", &header, &[], &[]) {
        let _ = d.check_unique_units();
        let _ = d.years();
    }

    let Some(imeta) = imeta else {
        return;
    };
    let Ok(meta) = read_imeta_str(imeta, "iMeta") else {
        return;
    };
    let codes = meta.framework.indicator_codes();
    let Ok(d) = UnitData::from_csv_str(idata, "iData", &codes, &meta.denominators, &meta.groups)
    else {
        return;
    };
    if d.n_rows() > MAX_ROWS || codes.len() > MAX_INDICATORS {
        return;
    }
    let years = d.years();
    if years.len() > 1 {
        if let Ok(panel) = Panel::new(meta.framework, d) {
            let _ = panel.build(&PanelSpec::with(PipelineSpec::default()));
        }
    } else if let Ok(ix) = CompositeIndex::new(meta.framework, d) {
        let _ = ix.build(&PipelineSpec::default());
        let _ = ix.build(&PipelineSpec::coinr_example());
    }
});
