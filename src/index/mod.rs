//! Composite indices: the full construction pipeline of a composite indicator and the analysis
//! of its robustness, after the OECD/JRC *Handbook on Constructing Composite Indicators* (2008)
//! and the JRC's COINr package.

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
pub mod stats;
pub mod table;
pub mod treat;
pub mod uncertainty;

pub use error::IndexError;
pub use framework::Framework;
pub use pipeline::{Build, CompositeIndex, PipelineSpec};
