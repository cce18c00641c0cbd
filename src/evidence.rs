//! Users' own evidence: observations from a CSV table, validated against a plan.
//!
//! # Columns
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `indicator` | yes | an indicator id of the plan |
//! | `region` | no | must match the indicator's region (the plan's region unless the indicator names another); empty: not checked |
//! | `year` | yes | the year the figure describes |
//! | `value` | yes | the figure (for a bound, the bound); shares must lie in 0–100 |
//! | `unit` | no | as the source words it (kept for the reader, not converted) |
//! | `bound` | no | `exact` (default), `at_least` or `at_most` |
//! | `status` | no | `final` (default), `preliminary` or `derived` (computed from other figures; `source` then gives the arithmetic), or `implied`/`assumed` |
//! | `source` | yes | who published it (or the arithmetic of a derived value) |
//! | `published` | no | `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty or `unknown` when not known |
//!
//! Other columns (a `quote`, a `note`) are ignored. Every error names the row (the header is
//! row 1) and the column, and quotes at most a short excerpt of the cell.
//!
//! ```
//! use innodex::evidence::read_observations_csv;
//! use innodex::plan::Plan;
//! let plan = Plan::linyi();
//! let csv = "indicator,region,year,value,unit,bound,status,source,published\n\
//!            ht_output_share,Linyi,2024,41.5,pct,exact,preliminary,my survey,2025-03\n";
//! let rows = read_observations_csv(&plan, csv).unwrap();
//! let plan = plan.with_observations(rows).unwrap();
//! assert_eq!(plan.series("ht_output_share").unwrap().value_at(2024), Some(41.5));
//! let bad = csv.replace("41.5", "140");
//! let e = read_observations_csv(&plan, &bad).unwrap_err();
//! assert!(e.to_string().contains("row 2, column `value`"), "{e}");
//! ```

use thiserror::Error;

use crate::plan::{ObservationEntry, Plan, YEARS};
use crate::series::{Bound, Provenance, PubDate, Release, excerpt};

/// Longest excerpt of a cell quoted in an error message.
const EXCERPT: usize = 60;

/// A problem in an observations table.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The table itself: no header, a missing column, no data rows, malformed CSV.
    #[error("observations table: {0}")]
    Table(String),
    /// One cell.
    #[error("observations table, row {row}, column `{column}`: {problem}")]
    Cell {
        /// Row number (the header is row 1).
        row: usize,
        /// Column name.
        column: String,
        /// What is wrong, quoting the cell.
        problem: String,
    },
}

const REQUIRED: [&str; 4] = ["indicator", "year", "value", "source"];

/// Reads and validates an observations table (see the module docs) against `plan`.
///
/// # Errors
/// [`EvidenceError::Table`] for a malformed table, [`EvidenceError::Cell`] naming the row and
/// column of the first bad cell: an unknown indicator, a region other than the indicator's, a
/// year outside 1000–9999, a value that is not a finite number or outside the indicator's
/// bounds (a share of 140 %), an unknown bound or status, a malformed date.
pub fn read_observations_csv(
    plan: &Plan,
    text: &str,
) -> Result<Vec<ObservationEntry>, EvidenceError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| EvidenceError::Table(excerpt(&e.to_string(), 120)))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.iter().all(|h| h.is_empty()) {
        return Err(EvidenceError::Table("no header row".into()));
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    for name in REQUIRED {
        if col(name).is_none() {
            return Err(EvidenceError::Table(format!(
                "no column `{name}` (columns: {})",
                excerpt(&header.join(", "), 120)
            )));
        }
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| {
            EvidenceError::Table(format!("row {row}: {}", excerpt(&e.to_string(), 120)))
        })?;
        let cell = |name: &str| col(name).and_then(|c| record.get(c)).unwrap_or("");
        let bad = |column: &str, problem: String| EvidenceError::Cell {
            row,
            column: column.to_string(),
            problem,
        };
        let quoted = |name: &str| format!("`{}`", excerpt(cell(name), EXCERPT));
        let id = cell("indicator");
        let ind = plan.indicator(id).ok_or_else(|| {
            bad(
                "indicator",
                format!(
                    "{} is not an indicator of plan `{}`",
                    quoted("indicator"),
                    plan.meta().id
                ),
            )
        })?;
        let region = cell("region");
        let expected = ind
            .region
            .clone()
            .unwrap_or_else(|| plan.meta().region.en.clone());
        if !region.is_empty() && !region.eq_ignore_ascii_case(&expected) {
            return Err(bad(
                "region",
                format!("{} but `{id}` is measured for {expected}", quoted("region")),
            ));
        }
        let year: i32 = cell("year")
            .parse()
            .ok()
            .filter(|y| YEARS.contains(y))
            .ok_or_else(|| {
                bad(
                    "year",
                    format!("{} is not a year in 1000–9999", quoted("year")),
                )
            })?;
        let value: f64 = cell("value")
            .parse()
            .map_err(|_| bad("value", format!("{} is not a number", quoted("value"))))?;
        ind.check_value(value)
            .map_err(|e| bad("value", e.to_string()))?;
        let bound = match cell("bound") {
            "" => Bound::Exact,
            b => Bound::parse(b).ok_or_else(|| {
                bad(
                    "bound",
                    format!("{} (expected exact, at_least or at_most)", quoted("bound")),
                )
            })?,
        };
        let source = cell("source");
        if source.is_empty() {
            return Err(bad("source", "empty: say who published the figure".into()));
        }
        let note = excerpt(source, 500);
        let published = match cell("published") {
            "" | "unknown" => None,
            d => Some(d.parse::<PubDate>().map_err(|e| bad("published", e))?),
        };
        let (provenance, status) = match cell("status") {
            "" | "final" => (observed(&note, published), Some(Release::Final)),
            "preliminary" => (observed(&note, published), Some(Release::Preliminary)),
            "derived" => (Provenance::Derived { note }, None),
            "implied" => (Provenance::Implied { note }, None),
            "assumed" => (Provenance::Assumed { note }, None),
            _ => {
                return Err(bad(
                    "status",
                    format!(
                        "{} (expected final, preliminary, derived, implied or assumed)",
                        quoted("status")
                    ),
                ));
            }
        };
        out.push(ObservationEntry {
            indicator: id.to_string(),
            year,
            value,
            provenance,
            bound,
            status,
            published,
        });
    }
    if out.is_empty() {
        return Err(EvidenceError::Table("no data rows".into()));
    }
    Ok(out)
}

fn observed(source: &str, published: Option<PubDate>) -> Provenance {
    Provenance::Observed {
        source: source.to_string(),
        vintage: published.map(|d| d.to_string()).unwrap_or_default(),
        confidence: String::new(),
    }
}
