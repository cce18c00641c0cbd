//! Observation CSV tables, `indicator,region,year,value,unit,bound,status,source,published`,
//! read with the crate's one CSV reader (`innodex::io::CsvTable`): BOM, header check, "no
//! data rows", numbers and years by row and column. Invariants: no panic; a parsed table has
//! at least one row, every row as wide as the header; numbers read are finite; every error
//! message is short (it quotes input as an excerpt) and names a line where it is about a row.
#![no_main]

use innodex::io::{CsvTable, IoError};
use libfuzzer_sys::fuzz_target;

const MAX_MESSAGE: usize = 1000;

fn short(e: &IoError) {
    let m = e.to_string();
    assert!(m.len() <= MAX_MESSAGE, "{} bytes", m.len());
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = innodex_fuzz::text(data) else {
        return;
    };
    let table = match CsvTable::parse(text, "observations.csv") {
        Ok(t) => t,
        Err(e) => return short(&e),
    };
    assert!(!table.is_empty());
    // The leading byte-order mark is dropped (one; a mark inside the header, or a second one,
    // is a character of a column name like any other).
    let rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    if rest
        .chars()
        .next()
        .is_some_and(|c| c != '\u{feff}' && c != '"' && !c.is_whitespace())
    {
        assert!(!table.headers()[0].starts_with('\u{feff}'));
    }
    // The full header, then the four columns a minimal table needs.
    let cols = match table.require(&innodex::evidence::COLUMNS) {
        Ok(c) => c,
        Err(e) => {
            short(&e);
            match table.require(&innodex::evidence::COLUMNS[..4]) {
                Ok(c) => c,
                Err(e) => return short(&e),
            }
        }
    };
    for r in 0..table.len() {
        assert!(table.line(r) >= 2);
        match table.year(r, cols[2]) {
            Ok(_) => {}
            Err(e) => short(&e),
        }
        for c in [cols[3]].into_iter().chain(cols.get(5).copied()) {
            match table.number(r, c) {
                Ok(Some(v)) => assert!(v.is_finite()),
                Ok(None) => {}
                Err(e) => {
                    short(&e);
                    assert!(matches!(e, IoError::Csv { line, .. } if line == table.line(r)));
                }
            }
        }
        let _ = table.cell(r, cols[0]);
    }
});
