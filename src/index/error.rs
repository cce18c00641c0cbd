//! The one error type of the composite-index module.

use thiserror::Error;

/// Why a composite index could not be read, built or analysed.
///
/// Every variant names the element at fault (indicator, aggregate, unit, column, file) so that
/// the message alone tells a user what to fix.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An input file or text could not be read: not a regular file, above the size limit,
    /// malformed TOML or CSV, no data rows (see [`crate::io`]).
    #[error(transparent)]
    Input(#[from] crate::io::IoError),
    /// A CSV table is malformed.
    #[error("{table}: {message}")]
    Csv {
        /// Which table (`iData`, `iMeta`, a file name).
        table: String,
        /// What is wrong, with the row where known.
        message: String,
    },
    /// A TOML specification is malformed (wrong type, unknown key, missing field).
    #[error("specification: {0}")]
    Spec(String),
    /// A table lacks a column it needs.
    #[error("{table}: missing column `{column}`")]
    MissingColumn {
        /// Which table.
        table: String,
        /// The column.
        column: String,
    },
    /// A cell could not be read as a number.
    #[error(
        "{table}: row {row}, column `{column}`: `{}` is not a finite number (write NA for a missing value)",
        crate::io::excerpt(value, crate::io::EXCERPT_CHARS)
    )]
    NotANumber {
        /// Which table.
        table: String,
        /// One-based data row.
        row: usize,
        /// Column.
        column: String,
        /// The text found.
        value: String,
    },
    /// Two elements share a code.
    #[error("duplicate code `{0}`")]
    DuplicateCode(String),
    /// An indicator or aggregate (other than the index) has no parent.
    #[error("`{code}` has no parent: every indicator and aggregate except the index needs one")]
    NoParent {
        /// The orphan.
        code: String,
    },
    /// A parent code names nothing in the framework.
    #[error("`{code}` names parent `{parent}`, which is not an aggregate of the framework")]
    UnknownParent {
        /// The child.
        code: String,
        /// The missing parent.
        parent: String,
    },
    /// Following parents leads back to where it started.
    #[error("cycle in the framework: {}", .path.join(" → "))]
    Cycle {
        /// The codes on the cycle, first repeated at the end.
        path: Vec<String>,
    },
    /// The framework has no single top (index) node.
    #[error("the framework must have exactly one top node (the index); found {}", if .roots.is_empty() { "none".to_string() } else { .roots.join(", ") })]
    Roots {
        /// The parentless aggregates found.
        roots: Vec<String>,
    },
    /// An aggregate has no children.
    #[error("aggregate `{0}` has no children")]
    EmptyAggregate(String),
    /// A weight is negative, NaN or infinite.
    #[error("`{code}` has weight {weight}: weights must be finite and non-negative")]
    NegativeWeight {
        /// The element.
        code: String,
        /// The weight given.
        weight: f64,
    },
    /// All children of an aggregate have zero weight.
    #[error("aggregate `{0}`: all its children have zero weight")]
    ZeroWeights(String),
    /// A direction other than +1 or −1.
    #[error("indicator `{code}` has direction {direction}: it must be 1 or -1")]
    BadDirection {
        /// The indicator.
        code: String,
        /// The value given.
        direction: f64,
    },
    /// A child's level is not below its parent's.
    #[error(
        "`{code}` (level {level}) has parent `{parent}` at level {parent_level}; a parent must sit at a higher level"
    )]
    LevelOrder {
        /// The child.
        code: String,
        /// Its level.
        level: u32,
        /// The parent.
        parent: String,
        /// The parent's level.
        parent_level: u32,
    },
    /// A code names no indicator, aggregate, unit, group or denominator.
    #[error("unknown {kind} `{code}`")]
    Unknown {
        /// What was looked for: `indicator`, `unit`, `group`, `denominator`, `node`.
        kind: &'static str,
        /// The code.
        code: String,
    },
    /// A unit has no data for any indicator.
    #[error("unit `{unit}` has no data for any indicator{stage}; screen it out or remove it")]
    UnitAllMissing {
        /// The unit.
        unit: String,
        /// The stage (e.g. " after screening").
        stage: String,
    },
    /// An indicator has no usable values.
    #[error(
        "indicator `{indicator}` has {n} non-missing value(s) at stage {stage}; at least {needed} are needed"
    )]
    TooFewValues {
        /// The indicator.
        indicator: String,
        /// Values present.
        n: usize,
        /// Values needed.
        needed: usize,
        /// Where.
        stage: &'static str,
    },
    /// An indicator is constant, so a normalisation that divides by its range or spread fails.
    #[error(
        "indicator `{indicator}` is constant ({value}) after {stage}: {method} normalisation divides by zero"
    )]
    ZeroRange {
        /// The indicator.
        indicator: String,
        /// Its only value.
        value: f64,
        /// The normalisation.
        method: &'static str,
        /// Where.
        stage: &'static str,
    },
    /// A geometric (or harmonic, or power with p ≤ 0) mean meets a zero or negative value.
    #[error(
        "{method} mean of `{aggregate}` for unit `{unit}`: child `{child}` is {value}, and a {method} mean needs positive values (normalise to a positive range, e.g. min-max [1, 100], or set a shift)"
    )]
    NonPositiveInMean {
        /// The mean (`geometric`, `harmonic`, `power`).
        method: &'static str,
        /// The aggregate being computed.
        aggregate: String,
        /// The unit.
        unit: String,
        /// The offending child.
        child: String,
        /// Its value.
        value: f64,
    },
    /// A parameter is out of range.
    #[error("{what}: {reason}")]
    BadParameter {
        /// Which parameter.
        what: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A transformation cannot be applied to an indicator.
    #[error("indicator `{indicator}`: {reason}")]
    Transform {
        /// The indicator.
        indicator: String,
        /// Why.
        reason: String,
    },
    /// Two data sets do not line up (units or indicators differ).
    #[error("data mismatch: {0}")]
    Mismatch(String),
}

impl IndexError {
    pub(crate) fn bad(what: impl Into<String>, reason: impl Into<String>) -> Self {
        IndexError::BadParameter {
            what: what.into(),
            reason: reason.into(),
        }
    }
}
