//! Composite indices: the full construction pipeline of a composite indicator and the analysis
//! of its robustness.
//!
//! Methods follow the OECD/JRC *Handbook on Constructing Composite Indicators* (2008), the
//! documentation of the JRC's COINr package (Becker et al. 2022, "COINr: An R package for
//! developing composite indicators", JOSS 7(78)) and the Global Innovation Index technical
//! notes; each module cites what it implements. The design takes COINr's idea — one object
//! holding every stage, rebuilt with other methodological choices — with typed specifications
//! instead of string addresses into a log.
//!
//! | module | what it owns |
//! |---|---|
//! | [`framework`] | the tree of indicators and aggregates, weights, directions, validation |
//! | [`table`] | COINr-style `iData`/`iMeta` CSV tables, unit data |
//! | [`denominate`], [`impute`], [`screen`], [`treat`], [`normalise`], [`aggregate`] | the stages |
//! | [`pipeline`] | the typed [`PipelineSpec`] and the [`Build`] keeping every stage |
//! | [`results`] | ranks, relative scores and performance groups, strengths and weaknesses, effective weights |
//! | [`coherence`] | correlations, Cronbach's alpha, principal components |
//! | [`uncertainty`] | Monte Carlo rank uncertainty and Sobol sensitivity over methodological choices |
//! | [`panel`] | several years, bounds over all years, trends |
//! | [`spec`] | a whole analysis in one TOML file (the `innodex index` command) |
//!
//! ```
//! use innodex::index::{CompositeIndex, PipelineSpec};
//! let asem = CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
//! // COINr's example: denominate, impute by group mean, screen, treat, min-max, arithmetic.
//! let built = asem.build(&PipelineSpec::coinr_example()).unwrap();
//! let (first, score) = &built.ranking("Index").unwrap()[0];
//! assert_eq!(first, "CHE");
//! assert!((score - 68.3837).abs() < 1e-3);
//! // Every stage is kept.
//! assert!(built.stage("treated").is_some() && !built.treated_points().is_empty());
//! ```

pub mod aggregate;
pub mod coherence;
pub mod denominate;
pub mod error;
pub mod framework;
pub mod impute;
pub mod normalise;
pub mod panel;
pub mod pipeline;
pub mod results;
pub mod screen;
pub mod spec;

pub mod table;
pub mod treat;
pub mod uncertainty;

/// The descriptive statistics the pipeline uses live in the crate's one stats layer.
pub use crate::stats;
pub use error::IndexError;
pub use framework::Framework;
pub use pipeline::{Build, CompositeIndex, PipelineSpec};
