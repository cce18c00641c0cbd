//! Reading COINr-style tables (with the `csv` crate) and the unit data they hold.
//!
//! * `iMeta`: one row per indicator or aggregate with columns `Level`, `iCode`, `iName`,
//!   `Direction`, `Weight`, `Unit`, `Target`, `Denominator`, `Parent`, `Type` (`Indicator`,
//!   `Aggregate`, `Group`, `Denominator`). Rows of type `Group` and `Denominator` declare the
//!   grouping and denominator columns of `iData`.
//! * `iData`: one row per unit (and year, for panels) with `uCode`, optionally `uName` and
//!   `Time`, group columns (declared in `iMeta` or named `*_group`), denominator columns and
//!   one column per indicator. Other columns are ignored.
//!
//! Missing values may be written `NA`, `NaN`, `..`, `-` or left empty; they are held as `NaN`.
//!
//! ```
//! use innodex::index::table::{read_imeta_str, UnitData};
//! let meta = "iCode,Parent,Type,Direction,Weight\nrd,index,Indicator,1,1\npat,index,Indicator,1,1\nindex,NA,Aggregate,1,1\nregion,NA,Group,NA,NA\n";
//! let m = read_imeta_str(meta, "iMeta").unwrap();
//! assert_eq!(m.framework.n_indicators(), 2);
//! let data = "uCode,region,rd,pat\nA,north,1.5,NA\nB,south,2.0,10\n";
//! let d = UnitData::from_csv_str(data, "iData", &m.framework.indicator_codes(), &m.denominators, &m.groups).unwrap();
//! assert_eq!(d.units, vec!["A", "B"]);
//! assert!(d.values[1][0].is_nan());
//! assert_eq!(d.groups["region"][1].as_deref(), Some("south"));
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::IndexError;
use super::framework::{ElementSpec, Framework, NodeKind};

/// Parses a cell as a number; `None` for a missing-value marker.
/// A cell as a number: `Ok(None)` for a missing marker (`NA`, empty…), an error for text and
/// for ±∞ (min–max scaling against an infinite value made every other unit 0; NaN is the only
/// missing value, and it is spelt as a missing marker).
pub(crate) fn parse_cell(s: &str) -> Result<Option<f64>, ()> {
    if crate::io::is_missing(s) {
        return Ok(None);
    }
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(()),
    }
}

fn is_missing_text(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || matches!(t, "NA" | "NaN" | "nan" | "N/A" | "null" | "NULL")
}

/// What an `iMeta` table declares.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The validated framework.
    pub framework: Framework,
    /// Denominator columns declared (type `Denominator`) or referenced by indicators.
    pub denominators: Vec<String>,
    /// Group columns declared (type `Group`).
    pub groups: Vec<String>,
}

/// Reads an `iMeta` table from a file.
///
/// # Errors
/// [`IndexError::Input`] (unreadable file, malformed CSV, no data rows),
/// [`IndexError::Csv`], [`IndexError::MissingColumn`],
/// [`IndexError::NotANumber`], then the framework's validation errors.
pub fn read_imeta(path: impl AsRef<Path>) -> Result<Meta, IndexError> {
    let path = path.as_ref();
    let text = crate::io::read_text_file(path, crate::io::max_file_bytes())?;
    read_imeta_str(&text, &path.display().to_string())
}

/// Reads an `iMeta` file and the `iData` file it describes: the framework, and the data of
/// every year `iData` holds (its indicator, denominator and group columns those of `iMeta`).
///
/// # Errors
/// As [`read_imeta`] and [`UnitData::from_csv`].
///
/// ```
/// let (meta, data) =
///     innodex::index::table::read_tables("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
/// assert_eq!((meta.framework.n_indicators(), data.n_rows()), (49, 51));
/// ```
pub fn read_tables(
    idata: impl AsRef<Path>,
    imeta: impl AsRef<Path>,
) -> Result<(Meta, UnitData), IndexError> {
    let meta = read_imeta(imeta)?;
    let data = UnitData::from_csv(
        idata,
        &meta.framework.indicator_codes(),
        &meta.denominators,
        &meta.groups,
    )?;
    Ok((meta, data))
}

/// The header and rows of a table, read by the one CSV reader ([`crate::io::CsvTable`]:
/// byte-order mark, trimming, ragged rows, "no data rows").
fn read_records(
    text: &str,
    table: &str,
) -> Result<(Vec<String>, Vec<csv::StringRecord>), IndexError> {
    let t = crate::io::CsvTable::parse(text, table)?;
    Ok((t.headers().to_vec(), t.into_records()))
}

/// Reads an `iMeta` table from text; `table` names it in errors.
///
/// # Errors
/// As [`read_imeta`].
pub fn read_imeta_str(text: &str, table: &str) -> Result<Meta, IndexError> {
    let (headers, rows) = read_records(text, table)?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| IndexError::MissingColumn {
            table: table.into(),
            column: name.into(),
        })
    };
    let c_code = need("iCode")?;
    let c_parent = need("Parent")?;
    let (c_type, c_level) = (col("Type"), col("Level"));
    if c_type.is_none() && c_level.is_none() {
        return Err(IndexError::MissingColumn {
            table: table.into(),
            column: "Type".into(),
        });
    }
    let (c_name, c_dir, c_w, c_unit, c_target, c_den) = (
        col("iName"),
        col("Direction"),
        col("Weight"),
        col("Unit"),
        col("Target"),
        col("Denominator"),
    );
    let num = |row: usize,
               r: &csv::StringRecord,
               c: Option<usize>,
               name: &str|
     -> Result<Option<f64>, IndexError> {
        match c {
            None => Ok(None),
            Some(c) => parse_cell(r.get(c).unwrap_or("")).map_err(|_| IndexError::NotANumber {
                table: table.into(),
                row,
                column: name.into(),
                value: r.get(c).unwrap_or("").into(),
            }),
        }
    };
    let text_of = |r: &csv::StringRecord, c: Option<usize>| -> Option<String> {
        c.and_then(|c| r.get(c))
            .filter(|s| !is_missing_text(s))
            .map(String::from)
    };
    let mut elements = Vec::new();
    let mut denominators = Vec::new();
    let mut groups = Vec::new();
    for (k, r) in rows.iter().enumerate() {
        let row = k + 1;
        let code = r.get(c_code).unwrap_or("").to_string();
        let level = num(row, r, c_level, "Level")?;
        let ty = text_of(r, c_type).unwrap_or_else(|| match level {
            Some(1.0) => "Indicator".into(),
            Some(_) => "Aggregate".into(),
            None => "Other".into(),
        });
        let kind = match ty.as_str() {
            "Indicator" => NodeKind::Indicator,
            "Aggregate" => NodeKind::Aggregate,
            "Denominator" => {
                if !denominators.contains(&code) {
                    denominators.push(code);
                }
                continue;
            }
            "Group" => {
                if !groups.contains(&code) {
                    groups.push(code);
                }
                continue;
            }
            _ => continue,
        };
        let weight = num(row, r, c_w, "Weight")?.unwrap_or(1.0);
        let direction = num(row, r, c_dir, "Direction")?.unwrap_or(1.0);
        let denominator = text_of(r, c_den);
        if let Some(d) = &denominator
            && !denominators.contains(d)
        {
            denominators.push(d.clone());
        }
        elements.push(ElementSpec {
            code,
            name: text_of(r, c_name),
            kind,
            parent: text_of(r, Some(c_parent)),
            weight,
            direction,
            level: match level {
                None => None,
                // Whole numbers only; the upper bound is the framework's (Framework::new).
                Some(l) if l.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&l) => {
                    Some(l as u32)
                }
                Some(_) => {
                    let raw = c_level.and_then(|c| r.get(c)).unwrap_or("");
                    return Err(IndexError::bad(
                        format!("iMeta row {row}, column Level"),
                        format!(
                            "`{}` is not a whole number from 1 to {}",
                            crate::io::ex(raw),
                            u32::MAX
                        ),
                    ));
                }
            },
            unit: text_of(r, c_unit),
            target: num(row, r, c_target, "Target")?,
            denominator,
        });
    }
    let framework = Framework::new(&elements, &[])?;
    Ok(Meta {
        framework,
        denominators,
        groups,
    })
}

/// Names of the identifying columns of a unit table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnNames {
    /// Unit code column (default `uCode`).
    #[serde(default = "d_unit")]
    pub unit: String,
    /// Unit name column (default `uName`).
    #[serde(default = "d_name")]
    pub name: String,
    /// Year column (default `Time`).
    #[serde(default = "d_time")]
    pub time: String,
}

fn d_unit() -> String {
    "uCode".into()
}
fn d_name() -> String {
    "uName".into()
}
fn d_time() -> String {
    "Time".into()
}

impl ColumnNames {
    /// The unit code, unit name and year columns.
    ///
    /// ```
    /// use innodex::index::table::ColumnNames;
    /// assert_eq!(ColumnNames::new("uCode", "uName", "Time"), ColumnNames::default());
    /// ```
    pub fn new(unit: &str, name: &str, time: &str) -> ColumnNames {
        ColumnNames {
            unit: unit.into(),
            name: name.into(),
            time: time.into(),
        }
    }
}

impl Default for ColumnNames {
    fn default() -> Self {
        ColumnNames {
            unit: d_unit(),
            name: d_name(),
            time: d_time(),
        }
    }
}

/// Unit data: one row per unit (and year), with groups, denominators and indicator columns.
/// Indicator values are held column-wise (`values[indicator][unit]`), missing as `NaN`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitData {
    /// Unit codes.
    pub units: Vec<String>,
    /// Unit names (the code when absent).
    pub names: Vec<String>,
    /// Year of each row, if the table has a `Time` column.
    pub time: Vec<Option<i32>>,
    /// Group columns: per unit, the group label (none if missing).
    pub groups: BTreeMap<String, Vec<Option<String>>>,
    /// Denominator columns.
    pub denominators: BTreeMap<String, Vec<f64>>,
    /// Indicator codes, in column order.
    pub indicators: Vec<String>,
    /// Indicator values, `values[indicator][unit]`.
    pub values: Vec<Vec<f64>>,
}

impl UnitData {
    /// Reads `iData` from a file. `indicators` are the columns to read as indicators (all
    /// required), `denominators` and `groups` the declared extra columns (read if present);
    /// columns named `*_group` are read as groups too.
    ///
    /// # Errors
    /// [`IndexError::Input`] (unreadable file, malformed CSV, no data rows),
    /// [`IndexError::Csv`], [`IndexError::MissingColumn`],
    /// [`IndexError::NotANumber`].
    pub fn from_csv(
        path: impl AsRef<Path>,
        indicators: &[String],
        denominators: &[String],
        groups: &[String],
    ) -> Result<UnitData, IndexError> {
        let path = path.as_ref();
        let text = crate::io::read_text_file(path, crate::io::max_file_bytes())?;
        UnitData::from_csv_str(
            &text,
            &path.display().to_string(),
            indicators,
            denominators,
            groups,
        )
    }

    /// Reads `iData` from text; `table` names it in errors. See [`UnitData::from_csv`].
    ///
    /// # Errors
    /// As [`UnitData::from_csv`].
    pub fn from_csv_str(
        text: &str,
        table: &str,
        indicators: &[String],
        denominators: &[String],
        groups: &[String],
    ) -> Result<UnitData, IndexError> {
        UnitData::from_csv_str_with(
            text,
            table,
            &ColumnNames::default(),
            indicators,
            denominators,
            groups,
        )
    }

    /// As [`UnitData::from_csv_str`] with other names for the unit, name and time columns
    /// (e.g. a long table with `region_en` and `year`).
    ///
    /// # Errors
    /// As [`UnitData::from_csv`].
    pub fn from_csv_str_with(
        text: &str,
        table: &str,
        names: &ColumnNames,
        indicators: &[String],
        denominators: &[String],
        groups: &[String],
    ) -> Result<UnitData, IndexError> {
        let (headers, rows) = read_records(text, table)?;
        let col = |name: &str| headers.iter().position(|h| h == name);
        let c_code = col(&names.unit).ok_or_else(|| IndexError::MissingColumn {
            table: table.into(),
            column: names.unit.clone(),
        })?;
        let (c_name, c_time) = (col(&names.name), col(&names.time));
        let mut ind_cols = Vec::with_capacity(indicators.len());
        for code in indicators {
            ind_cols.push(col(code).ok_or_else(|| IndexError::MissingColumn {
                table: table.into(),
                column: code.clone(),
            })?);
        }
        let number = |row: usize, r: &csv::StringRecord, c: usize| -> Result<f64, IndexError> {
            let cell = r.get(c).unwrap_or("");
            parse_cell(cell)
                .map(|v| v.unwrap_or(f64::NAN))
                .map_err(|_| IndexError::NotANumber {
                    table: table.into(),
                    row,
                    column: headers[c].clone(),
                    value: cell.into(),
                })
        };
        let mut group_cols: Vec<(String, usize)> = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            if groups.contains(h) || h.ends_with("_group") {
                group_cols.push((h.clone(), c));
            }
        }
        let mut den_cols: Vec<(String, usize)> = Vec::new();
        for d in denominators {
            if let Some(c) = col(d)
                && !den_cols.iter().any(|(k, _)| k == d)
            {
                den_cols.push((d.clone(), c));
            }
        }
        let n = rows.len();
        let mut data = UnitData {
            units: Vec::with_capacity(n),
            names: Vec::with_capacity(n),
            time: Vec::with_capacity(n),
            groups: group_cols
                .iter()
                .map(|(g, _)| (g.clone(), Vec::with_capacity(n)))
                .collect(),
            denominators: den_cols
                .iter()
                .map(|(d, _)| (d.clone(), Vec::with_capacity(n)))
                .collect(),
            indicators: indicators.to_vec(),
            values: vec![Vec::with_capacity(n); indicators.len()],
        };
        for (k, r) in rows.iter().enumerate() {
            let row = k + 1;
            let code = r.get(c_code).unwrap_or("").trim().to_string();
            if code.is_empty() {
                return Err(IndexError::Csv {
                    table: table.into(),
                    message: format!("row {row}: empty unit code (column `{}`)", names.unit),
                });
            }
            data.names.push(
                c_name
                    .and_then(|c| r.get(c))
                    .map(String::from)
                    .unwrap_or_else(|| code.clone()),
            );
            data.units.push(code);
            data.time.push(match c_time {
                None => None,
                Some(c) => {
                    let v = number(row, r, c)?;
                    if v.is_nan() { None } else { Some(v as i32) }
                }
            });
            for (g, c) in &group_cols {
                let v = r.get(*c).filter(|s| !is_missing_text(s)).map(String::from);
                data.groups.get_mut(g).expect("group column").push(v);
            }
            for (d, c) in &den_cols {
                let v = number(row, r, *c)?;
                data.denominators
                    .get_mut(d)
                    .expect("denominator column")
                    .push(v);
            }
            for (j, &c) in ind_cols.iter().enumerate() {
                let v = number(row, r, c)?;
                data.values[j].push(v);
            }
        }
        Ok(data)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.units.len()
    }

    /// The distinct years present, sorted.
    pub fn years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self.time.iter().flatten().copied().collect();
        y.sort_unstable();
        y.dedup();
        y
    }

    /// The rows of one year.
    pub fn year(&self, year: i32) -> UnitData {
        let rows: Vec<usize> = (0..self.n_rows())
            .filter(|&i| self.time[i] == Some(year))
            .collect();
        self.select_rows(&rows)
    }

    /// A subset of rows, in the order given.
    pub fn select_rows(&self, rows: &[usize]) -> UnitData {
        UnitData {
            units: rows.iter().map(|&i| self.units[i].clone()).collect(),
            names: rows.iter().map(|&i| self.names[i].clone()).collect(),
            time: rows.iter().map(|&i| self.time[i]).collect(),
            groups: self
                .groups
                .iter()
                .map(|(k, v)| (k.clone(), rows.iter().map(|&i| v[i].clone()).collect()))
                .collect(),
            denominators: self
                .denominators
                .iter()
                .map(|(k, v)| (k.clone(), rows.iter().map(|&i| v[i]).collect()))
                .collect(),
            indicators: self.indicators.clone(),
            values: self
                .values
                .iter()
                .map(|c| rows.iter().map(|&i| c[i]).collect())
                .collect(),
        }
    }

    /// Checks that every indicator and denominator value is finite or NaN (NaN is "missing");
    /// ±∞ is refused: min–max scaling against it made every other unit 0 and the unit itself
    /// missing.
    ///
    /// # Errors
    /// [`IndexError::NotANumber`] naming the row (1-based) and the column.
    pub fn check_values(&self) -> Result<(), IndexError> {
        let columns = self
            .indicators
            .iter()
            .zip(&self.values)
            .chain(self.denominators.iter());
        for (code, col) in columns {
            if let Some(i) = col.iter().position(|v| v.is_infinite()) {
                return Err(IndexError::NotANumber {
                    table: format!("unit `{}`", crate::io::excerpt(&self.units[i], 40)),
                    row: i + 1,
                    column: code.clone(),
                    value: col[i].to_string(),
                });
            }
        }
        Ok(())
    }

    /// Checks that unit codes are unique (one row per unit).
    ///
    /// # Errors
    /// [`IndexError::DuplicateCode`] naming the first repeated unit.
    pub fn check_unique_units(&self) -> Result<(), IndexError> {
        let mut seen = std::collections::HashSet::new();
        for u in &self.units {
            if !seen.insert(u.as_str()) {
                return Err(IndexError::DuplicateCode(format!(
                    "{u} (unit appears on several rows; for several years use a panel, or select one year)"
                )));
            }
        }
        Ok(())
    }
}
