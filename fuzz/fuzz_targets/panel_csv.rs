//! Long-format panel CSV (one row per unit and year), as the backtests and the provincial
//! index read it: `projection::backtest::Panel::from_csv_str` and
//! `UnitData::from_csv_str_with` (other unit, name and time column names). Small parsed
//! panels are backtested (a few bootstrap paths) and built as the provincial R&D index panel
//! (`specs/china_rd_panel.toml`'s framework).
#![no_main]

use std::sync::OnceLock;

use innodex::index::framework::Framework;
use innodex::index::panel::{Panel as IndexPanel, PanelSpec};
use innodex::index::pipeline::PipelineSpec;
use innodex::index::spec::IndexSpecFile;
use innodex::index::table::{ColumnNames, UnitData};
use innodex::projection::backtest::{BacktestConfig, Panel, backtest};
use libfuzzer_sys::fuzz_target;

const MAX_UNITS: usize = 40;
/// Backtests walk every year of a series; a span of centuries is a resource question.
const MAX_SPAN: i32 = 60;
const MAX_ROWS: usize = 400;
/// (unit, year, value) columns: the provincial R&D table's two variables, and the long
/// `indicator,region,year,value` layout of `data/linyi_facts.csv`.
const COLUMNS: [(&str, &str, &str); 3] = [
    ("region_en", "year", "rd_intensity_pct"),
    ("region_en", "year", "rd_expenditure_100m_yuan"),
    ("region", "year", "value"),
];

fn framework() -> &'static Framework {
    static FW: OnceLock<Framework> = OnceLock::new();
    FW.get_or_init(|| {
        let spec = IndexSpecFile::from_toml_str(include_str!("../../specs/china_rd_panel.toml"))
            .expect("the shipped spec parses");
        Framework::from_spec(spec.framework.as_ref().expect("inline framework"))
            .expect("the shipped framework is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = innodex_fuzz::text(data) else {
        return;
    };
    for (unit, year, value) in COLUMNS {
        let Ok(panel) = Panel::from_csv_str(text, unit, year, value) else {
            continue;
        };
        let small = panel.series.len() <= MAX_UNITS
            && panel.series.values().all(|(years, values)| {
                assert_eq!(years.len(), values.len(), "a series has one value per year");
                assert!(
                    years.windows(2).all(|w| w[0] < w[1]),
                    "years strictly increase"
                );
                match (years.first(), years.last()) {
                    (Some(a), Some(b)) => b.saturating_sub(*a) <= MAX_SPAN,
                    _ => true,
                }
            });
        if small {
            let cfg = BacktestConfig {
                bootstrap_paths: 16,
                ..BacktestConfig::default()
            };
            if let Ok(r) = backtest(&panel, &cfg) {
                let _ = r.to_table();
                let _ = r.rows_csv();
            }
        }
    }

    let names = ColumnNames {
        unit: "region_en".into(),
        name: "region_zh".into(),
        time: "year".into(),
    };
    let fw = framework();
    let Ok(d) = UnitData::from_csv_str_with(text, "panel", &names, &fw.indicator_codes(), &[], &[])
    else {
        return;
    };
    if d.n_rows() > MAX_ROWS {
        return;
    }
    if let Ok(panel) = IndexPanel::new(fw.clone(), d)
        && let Ok(b) = panel.build(&PanelSpec::with(PipelineSpec::default()))
    {
        let _ = b.table("rd_index");
        let _ = b.rank_table("rd_index");
        let _ = b.trends("rd_index");
    }
});
