//! The real data sets shipped with innodex, embedded in the library so that examples, tests and
//! notebooks work without the repository (Python: `innodex.datasets`). Each names its source;
//! `data/README.md` says what a model must know about each (vintages, breaks, bounds).
//!
//! ```
//! use innodex::datasets::{DATASETS, dataset};
//! assert_eq!(DATASETS.len(), 5);
//! let d = dataset("china_province_rd").unwrap();
//! assert!(d.csv.starts_with("region_zh,region_en,year,"));
//! assert!(dataset("atlantis").is_none());
//! ```

/// One shipped data set: a CSV table and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dataset {
    /// Short name (`china_province_rd`, `linyi_outcomes`, …).
    pub name: &'static str,
    /// The file under `data/`.
    pub file: &'static str,
    /// What it holds and its source, in one sentence.
    pub description: &'static str,
    /// The CSV text.
    pub csv: &'static str,
}

/// Every shipped data set.
pub const DATASETS: &[Dataset] = &[
    Dataset {
        name: "china_province_rd",
        file: "data/china_province_rd_2015_2023.csv",
        description: "R&D expenditure (100 million yuan) and intensity (% of GDP) of China's 31 \
                      provinces and the national total, 2015–2023, as first published in the \
                      NBS/MOST/MOF Statistical Bulletins on Science and Technology Funding",
        csv: include_str!("../data/china_province_rd_2015_2023.csv"),
    },
    Dataset {
        name: "linyi_outcomes",
        file: "data/linyi_outcomes_2021_2025.csv",
        description: "55 public figures on Linyi, Shandong and China, 2020–2025 (bounds, \
                      preliminary and final vintages, derived values, spans), each with its \
                      source page, publisher, publication date and a quote",
        csv: include_str!("../data/linyi_outcomes_2021_2025.csv"),
    },
    Dataset {
        name: "linyi_facts",
        file: "data/linyi_facts.csv",
        description: "figures about Linyi found in public sources before the plan period \
                      ended, with a confidence label",
        csv: include_str!("../data/linyi_facts.csv"),
    },
    Dataset {
        name: "asem_data",
        file: "data/ASEM_iData.csv",
        description: "COINr's example data (iData): ASEM Sustainable Connectivity indicators \
                      for 51 countries (MIT licence, © 2022 William Becker)",
        csv: include_str!("../data/ASEM_iData.csv"),
    },
    Dataset {
        name: "asem_meta",
        file: "data/ASEM_iMeta.csv",
        description: "COINr's example framework (iMeta): 49 indicators in 8 pillars, 2 \
                      sub-indices and an index",
        csv: include_str!("../data/ASEM_iMeta.csv"),
    },
];

// `projection::backtest::CHINA_PROVINCE_RD_CSV` is the first entry.
const _: () = assert!(matches!(DATASETS[0].name.as_bytes(), b"china_province_rd"));

/// The shipped data set of this name.
pub fn dataset(name: &str) -> Option<&'static Dataset> {
    DATASETS.iter().find(|d| d.name == name)
}
