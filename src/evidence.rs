//! Users' own evidence: observations from a CSV table, validated against a plan.
//!
//! # Columns
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `indicator` | yes | an indicator id of the plan |
//! | `region` | no | must match the indicator's region (the plan's region unless the indicator names another); empty: not checked |
//! | `year` | yes | the year the figure describes, or a span `2021-2025` for a figure over years ([`crate::span`]: the change from the 2020 level to the 2025 level) |
//! | `value` | yes | the figure (for a bound, the bound); shares must lie in 0–100; for a span, % a year or the change |
//! | `unit` | no | as the source words it (kept for the reader, not converted); for a span, `pct_per_year` means an average growth |
//! | `measure` | no | spans only: `average_growth` or `change`; empty: `average_growth` when the unit is `pct_per_year`, else `change` |
//! | `bound` | no | `exact` (default), `at_least` or `at_most` |
//! | `status` | no | `final` (default), `preliminary` or `derived` (computed from other figures; `source` then gives the arithmetic), or `implied`/`assumed` |
//! | `source` | yes | who published it (or the arithmetic of a derived value) |
//! | `published` | no | `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty or `unknown` when not known |
//!
//! Other columns (a `quote`, a `note`) are ignored. Every error names the line of the file
//! (the header is line 1) and the column, and quotes at most a short excerpt of the cell.
//!
//! ```
//! use innodex::evidence::read_observations_csv;
//! use innodex::plan::Plan;
//! let plan = Plan::linyi();
//! let csv = "indicator,region,year,value,unit,bound,status,source,published\n\
//!            ht_output_share,Linyi,2024,41.5,pct,exact,preliminary,my survey,2025-03\n";
//! let rows = read_observations_csv(&plan, csv).unwrap();
//! let plan = plan.with_evidence(rows).unwrap();
//! assert_eq!(plan.series("ht_output_share").unwrap().value_at(2024), Some(41.5));
//! // A span row: 3 points a year over 2021–2024, from the 2020 value of 40 to 2024's 52.
//! let span = "indicator,year,value,unit,source\n\
//!             ht_output_share,2021-2024,12,pct,my survey\n";
//! let rows = read_observations_csv(&plan, span).unwrap();
//! assert_eq!(rows.spans.len(), 1);
//! let bad = csv.replace("41.5", "140");
//! let e = read_observations_csv(&plan, &bad).unwrap_err();
//! assert!(e.to_string().contains("line 2, column `value`"), "{e}");
//! ```

use crate::io::{CsvTable, IoError, excerpt};
use crate::plan::{ObservationEntry, Plan, PlanError, YEARS};
use crate::series::{Bound, Provenance, PubDate, Release};
use crate::span::{SpanEntry, SpanMeasure};

/// The rows of an observations table: figures of single years and figures over spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvidenceRows {
    /// One figure of one year per entry.
    pub observations: Vec<ObservationEntry>,
    /// Figures over spans of years (rows whose `year` is `YYYY-YYYY`).
    pub spans: Vec<SpanEntry>,
}

impl Plan {
    /// The plan with the rows of an observations table added ([`Plan::with_observations`],
    /// then [`Plan::with_spans`]).
    ///
    /// # Errors
    /// As those two; `self` is unchanged.
    pub fn with_evidence(&self, rows: EvidenceRows) -> Result<Plan, PlanError> {
        self.with_observations(rows.observations)?
            .with_spans(rows.spans)
    }
}

/// A span `2021-2025` (hyphen or en dash): its first and last year.
fn parse_span(cell: &str) -> Option<(i32, i32)> {
    let (a, b) = cell.split_once('-').or_else(|| cell.split_once('–'))?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

const REQUIRED: [&str; 4] = ["indicator", "year", "value", "source"];

/// Every column an observation table may have (the module docs say what each means), in the
/// order the shipped tables write them.
///
/// ```
/// let header = innodex::evidence::COLUMNS.join(",");
/// assert!(header.starts_with("indicator,region,year,value"));
/// ```
pub const COLUMNS: [&str; 9] = [
    "indicator",
    "region",
    "year",
    "value",
    "unit",
    "bound",
    "status",
    "source",
    "published",
];

/// Reads and validates an observations table (see the module docs) against `plan`, with the
/// one CSV reader of [`crate::io::CsvTable`] (byte-order mark, header checks, "no data rows").
///
/// # Errors
/// [`PlanError::Input`] with the [`IoError`] naming the line and column of the first bad cell: an unknown indicator, a
/// region other than the indicator's, a year outside 1000–9999, a value that is not a finite
/// number or outside the indicator's bounds (a share of 140 %), an unknown bound or status, a
/// malformed date; or a malformed table.
pub fn read_observations_csv(plan: &Plan, text: &str) -> Result<EvidenceRows, PlanError> {
    Ok(read_rows(plan, text)?)
}

fn read_rows(plan: &Plan, text: &str) -> Result<EvidenceRows, IoError> {
    let table = CsvTable::parse(text, "observations table")?;
    let req = table.require(&REQUIRED)?;
    let (c_ind, c_year, c_value, c_source) = (req[0], req[1], req[2], req[3]);
    let opt = |name: &str| table.column(name);
    let (c_region, c_bound, c_status, c_published) =
        (opt("region"), opt("bound"), opt("status"), opt("published"));
    let (c_unit, c_measure) = (opt("unit"), opt("measure"));
    let mut out = EvidenceRows::default();
    for row in 0..table.len() {
        let cell = |c: Option<usize>| c.map_or("", |c| table.cell(row, c));
        let bad = |c: usize, problem: &str| table.cell_error(row, c, problem);
        let id = table.cell(row, c_ind);
        let ind = plan.indicator(id).ok_or_else(|| {
            bad(
                c_ind,
                &format!(
                    "is not an indicator of plan `{}`",
                    excerpt(&plan.meta().id, 60)
                ),
            )
        })?;
        let region = cell(c_region);
        let expected = ind
            .region
            .clone()
            .unwrap_or_else(|| plan.meta().region.en.clone());
        if let Some(c) = c_region
            && !region.is_empty()
            && !region.eq_ignore_ascii_case(&expected)
        {
            return Err(bad(
                c,
                &format!("is not the region `{id}` is measured for ({expected})"),
            ));
        }
        let span = parse_span(table.cell(row, c_year));
        let year = match span {
            Some((from, to)) => {
                if !(YEARS.contains(&(from - 1)) && YEARS.contains(&to)) || to < from {
                    return Err(bad(
                        c_year,
                        "is not a span of years FROM-TO with FROM ≤ TO in 1001–9999",
                    ));
                }
                to
            }
            None => table.year(row, c_year)?,
        };
        if !YEARS.contains(&year) {
            return Err(bad(c_year, "is not a year in 1000–9999"));
        }
        let value = table
            .number(row, c_value)?
            .ok_or_else(|| bad(c_value, "is missing: an observation needs a value"))?;
        let measure = match (span, cell(c_measure)) {
            (None, "") => None,
            (None, _) => {
                return Err(bad(
                    c_measure.expect("non-empty cell"),
                    "is for span rows only (a year such as 2021-2025)",
                ));
            }
            (Some(_), "") if cell(c_unit) == "pct_per_year" => Some(SpanMeasure::AverageGrowth),
            (Some(_), "") => Some(SpanMeasure::Change),
            (Some(_), m) => Some(SpanMeasure::parse(m).ok_or_else(|| {
                bad(
                    c_measure.expect("non-empty cell"),
                    "is not a measure (expected average_growth or change)",
                )
            })?),
        };
        match measure {
            None => ind
                .check_value(value)
                .map_err(|e| bad(c_value, &format!("is not allowed: {e}")))?,
            Some(SpanMeasure::AverageGrowth) if value <= -100.0 => {
                return Err(bad(
                    c_value,
                    "is not an average growth (must be above −100 % a year)",
                ));
            }
            Some(_) => {}
        }
        let bound = match cell(c_bound) {
            "" => Bound::Exact,
            b => Bound::parse(b).ok_or_else(|| {
                bad(
                    c_bound.expect("non-empty cell"),
                    "is not a bound (expected exact, at_least or at_most)",
                )
            })?,
        };
        let source = table.cell(row, c_source);
        if source.is_empty() {
            return Err(bad(c_source, "is empty: say who published the figure"));
        }
        let note = excerpt(source, 500);
        let published = match cell(c_published) {
            "" | "unknown" => None,
            d => Some(d.parse::<PubDate>().map_err(|e| {
                bad(
                    c_published.expect("non-empty cell"),
                    &format!("is not a date: {e}"),
                )
            })?),
        };
        let (provenance, status) = match cell(c_status) {
            "" | "final" => (observed(&note, published), Some(Release::Final)),
            "preliminary" => (observed(&note, published), Some(Release::Preliminary)),
            "derived" => (Provenance::Derived { note }, None),
            "implied" => (Provenance::Implied { note }, None),
            "assumed" => (Provenance::Assumed { note }, None),
            _ => {
                return Err(bad(
                    c_status.expect("non-empty cell"),
                    "is not a status (expected final, preliminary, derived, implied or assumed)",
                ));
            }
        };
        match (span, measure) {
            (Some((from, to)), Some(measure)) => out.spans.push(SpanEntry {
                indicator: id.to_string(),
                from,
                to,
                measure,
                value,
                provenance,
                bound,
                status,
                published,
            }),
            _ => out.observations.push(ObservationEntry {
                indicator: id.to_string(),
                year,
                value,
                provenance,
                bound,
                status,
                published,
            }),
        }
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
