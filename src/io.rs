//! Reading input files: one size limit, one TOML reader with short errors, one CSV reader.
//!
//! Every loader of the crate (plans, scenario sets, index specs, run files, index tables, panel
//! CSV files) reads through this module, so that every input gets the same treatment:
//!
//! - **Files** ([`read_text_file`]): only regular files are read (a FIFO, `/dev/zero` or a
//!   directory is refused before anything is read), and only up to a size limit
//!   ([`DEFAULT_MAX_FILE_BYTES`], 64 MiB; [`max_file_bytes`] reads the environment variable
//!   [`MAX_FILE_BYTES_ENV`] to change it). The limit is checked on the metadata before reading
//!   and enforced again while reading, since a file can grow between the two.
//! - **TOML** ([`parse_toml`], [`read_toml`]): errors are `file:line:col: message`, with the
//!   key where known; any input the parser's message quotes is cut to an [`excerpt`] of
//!   [`EXCERPT_CHARS`] characters. (The `toml` crate's own `Display` quotes the whole offending
//!   line and a marker line under it: a 50 MB line gave a 100 MB message.)
//! - **CSV** ([`CsvTable`]): a leading UTF-8 byte-order mark is dropped, cells are trimmed,
//!   ragged rows are errors naming their line, a table without data rows is an error, missing
//!   columns are named all at once, and numbers are finite (missing markers such as `NA` read
//!   as missing).
//!
//! ```
//! use innodex::io::{CsvTable, excerpt};
//! let t = CsvTable::parse("\u{feff}region,year\nShandong,2020\n", "panel.csv").unwrap();
//! assert_eq!(t.headers(), ["region", "year"]);
//! assert_eq!(t.require(&["region", "year"]).unwrap(), vec![0, 1]);
//! assert!(t.require(&["value"]).unwrap_err().to_string().contains("missing column `value`"));
//! assert_eq!(excerpt(&"x".repeat(500), 80).chars().count(), 81); // 80 and an ellipsis
//! ```

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;
use thiserror::Error;

/// The default size limit of an input file: 64 MiB. The largest shipped input is under
/// 100 KB; 64 MiB leaves room for big panels while keeping a mistaken path (a disk image, a
/// log) from filling memory.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The environment variable that overrides [`DEFAULT_MAX_FILE_BYTES`] (a number of bytes),
/// read at each file read, so it applies to the command line, Python and Rust alike.
pub const MAX_FILE_BYTES_ENV: &str = "INNODEX_MAX_FILE_BYTES";

/// The longest excerpt of input quoted in an error message, in characters.
pub const EXCERPT_CHARS: usize = 80;

/// Why an input file or text could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// The OS refused the read (missing file, no permission…).
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The path.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A directory, FIFO, socket or device.
    #[error("cannot read `{path}`: not a regular file ({kind})")]
    NotAFile {
        /// The path.
        path: String,
        /// What it is instead.
        kind: &'static str,
    },
    /// A file above the size limit.
    #[error(
        "cannot read `{path}`: {size} is above the limit of {limit} bytes (set {MAX_FILE_BYTES_ENV} to raise it)"
    )]
    TooLarge {
        /// The path.
        path: String,
        /// What is known of its size ("1000000000 bytes", "more than … bytes").
        size: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error("cannot read `{path}`: not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The path.
        path: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// Malformed TOML, a wrong type, an unknown or a missing key.
    #[error("{origin}:{line}:{column}: {}{message}", key.as_deref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
    Toml {
        /// The file (or what the text is, e.g. "plan").
        origin: String,
        /// Line (1-based).
        line: usize,
        /// Column (1-based, in characters).
        column: usize,
        /// The key, where known.
        key: Option<String>,
        /// The parser's message, quoted input shortened to excerpts.
        message: String,
    },
    /// Malformed JSON, a wrong type, an unknown or a missing key (e.g. a plan given as a
    /// Python dict, `Plan.from_dict`).
    #[error("{origin}: {message}")]
    Json {
        /// What the text is (e.g. "plan").
        origin: String,
        /// The parser's message (it names the field and the value), shortened to excerpts.
        message: String,
    },
    /// A CSV table that lacks columns it needs.
    #[error("{table}: missing column{} {} (columns: {found})", if missing.len() == 1 { "" } else { "s" }, missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "))]
    MissingColumns {
        /// The table (file name or role).
        table: String,
        /// Every missing column.
        missing: Vec<String>,
        /// The header found (an excerpt).
        found: String,
    },
    /// A CSV table with a header and no data rows (or an empty file).
    #[error("{table}: no data rows{}", if *header { " (only a header)" } else { " (empty file)" })]
    NoDataRows {
        /// The table.
        table: String,
        /// Whether a header was found.
        header: bool,
    },
    /// A malformed `INDICATOR:YEAR=VALUE` override (`--baseline`).
    #[error("`{spec}`: {problem}")]
    Override {
        /// The text given (an excerpt).
        spec: String,
        /// What is wrong.
        problem: String,
    },
    /// A malformed CSV row or cell.
    #[error("{table}: line {line}{}: {problem}", column.as_deref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
    Csv {
        /// The table.
        table: String,
        /// Line of the file (1-based; the header is line 1 when it is the first line).
        line: u64,
        /// The column, where one is at fault.
        column: Option<String>,
        /// What is wrong (quoted input as an excerpt).
        problem: String,
    },
}

/// `s` cut to at most `max` characters, with `…` appended when something was cut. Control
/// characters (a newline in a quoted cell) are shown escaped so an excerpt stays on one line.
///
/// ```
/// use innodex::io::excerpt;
/// assert_eq!(excerpt("short", 80), "short");
/// assert_eq!(excerpt("abcdef", 3), "abc…");
/// assert_eq!(excerpt("a\nb", 80), "a\\nb");
/// assert_eq!(excerpt("\u{1b}\u{1b}", 8), "\\u{1b}…"); // escapes count toward the length
/// ```
pub fn excerpt(s: &str, max: usize) -> String {
    // Counted in the characters written, escapes included: a header of control characters
    // (each escaped to six) once made a 160-character excerpt 1000 bytes long (fuzzing).
    let mut out = String::new();
    let mut written = 0;
    for c in s.chars() {
        let piece: String = if c.is_control() {
            c.escape_default().collect()
        } else {
            c.to_string()
        };
        let n = piece.chars().count();
        if written + n > max {
            out.push('…');
            break;
        }
        out.push_str(&piece);
        written += n;
    }
    out
}

/// [`excerpt`] at [`EXCERPT_CHARS`]: how error messages quote a name or value from input.
pub(crate) fn ex(s: &str) -> String {
    excerpt(s, EXCERPT_CHARS)
}

/// The most bytes of an error message as the command line prints it and Python raises it.
pub const MAX_MESSAGE_BYTES: usize = 2000;

/// `message` cut to [`MAX_MESSAGE_BYTES`] (at a character boundary, with a note). Every
/// message quotes input as excerpts already; this is the last guard at the boundaries (the
/// command line, Python), so that no message can quote a whole file.
///
/// ```
/// use innodex::io::{bounded_message, MAX_MESSAGE_BYTES};
/// assert_eq!(bounded_message("short".into()), "short");
/// let long = bounded_message("é".repeat(5000));
/// assert!(long.len() < MAX_MESSAGE_BYTES + 40 && long.ends_with("… (message cut)"));
/// ```
pub fn bounded_message(message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… (message cut)", &message[..end])
}

/// The file size limit in force: [`MAX_FILE_BYTES_ENV`] when set to a number of bytes,
/// otherwise [`DEFAULT_MAX_FILE_BYTES`] (an unreadable value is ignored rather than an error,
/// so that a typo cannot turn the limit off).
///
/// ```
/// // Unless the environment says otherwise:
/// if std::env::var_os(innodex::io::MAX_FILE_BYTES_ENV).is_none() {
///     assert_eq!(innodex::io::max_file_bytes(), 64 * 1024 * 1024);
/// }
/// ```
pub fn max_file_bytes() -> u64 {
    std::env::var(MAX_FILE_BYTES_ENV)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(DEFAULT_MAX_FILE_BYTES)
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads a UTF-8 text file of at most `limit` bytes.
///
/// The file's type and size are checked on its metadata before it is opened, so a FIFO is
/// never opened (which would block) and `/dev/zero` is never read; the limit is enforced again
/// while reading (`take(limit + 1)`), since a file can grow after the check.
///
/// ```
/// use innodex::io::{read_text_file, max_file_bytes, IoError};
/// let text = read_text_file("plans/linyi-2021-2025.toml", max_file_bytes()).unwrap();
/// assert!(text.contains("[plan]"));
/// assert!(matches!(read_text_file("plans/linyi-2021-2025.toml", 10), Err(IoError::TooLarge { .. })));
/// # #[cfg(unix)]
/// assert!(matches!(read_text_file("/dev/zero", 1 << 20), Err(IoError::NotAFile { .. })));
/// ```
///
/// # Errors
/// [`IoError::Read`], [`IoError::NotAFile`], [`IoError::TooLarge`], [`IoError::NotUtf8`].
pub fn read_text_file(path: impl AsRef<Path>, limit: u64) -> Result<String, IoError> {
    let path = path.as_ref();
    let name = || path.display().to_string();
    let read_err = |source| IoError::Read {
        path: name(),
        source,
    };
    // `metadata` follows symbolic links: a link to a regular file is fine.
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if !meta.is_file() {
        return Err(IoError::NotAFile {
            path: name(),
            kind: kind_of(meta.file_type()),
        });
    }
    if meta.len() > limit {
        return Err(IoError::TooLarge {
            path: name(),
            size: format!("{} bytes", meta.len()),
            limit,
        });
    }
    let file = File::open(path).map_err(read_err)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > limit {
        return Err(IoError::TooLarge {
            path: name(),
            size: format!("more than {limit} bytes (it grew while read)"),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| IoError::NotUtf8 {
        path: name(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Line and column (1-based, column in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The key whose value starts at `offset` (`key = value` on the same line), for errors that
/// point at a value.
fn key_before(text: &str, offset: usize) -> Option<String> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let head = &text[line_start..offset];
    let eq = head.rfind('=')?;
    let key: String = head[..eq]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let key = key.trim_matches('"').to_string();
    (!key.is_empty()).then(|| excerpt(&key, EXCERPT_CHARS))
}

/// The key a serde message names (`unknown field `x``, `missing field `x``).
fn key_in_message(message: &str) -> Option<String> {
    let i = message.find("field `")? + "field `".len();
    let rest = &message[i..];
    Some(excerpt(&rest[..rest.find('`')?], EXCERPT_CHARS))
}

/// `message` with every quoted part (between `"…"` or `` `…` ``) longer than
/// [`EXCERPT_CHARS`] cut to an excerpt, and the whole cut to a few excerpts' length: serde
/// messages quote the offending value, which can be megabytes long.
fn shorten_quotes(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find(['"', '`']) {
        let q = rest[i..].chars().next().expect("found");
        out.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        match after.find(q) {
            Some(j) => {
                out.push_str(&excerpt(&after[..j], EXCERPT_CHARS));
                out.push(q);
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&excerpt(after, EXCERPT_CHARS));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    excerpt(out.trim_end(), 4 * EXCERPT_CHARS)
}

/// The short form of a TOML error in `text` read from `origin`.
fn toml_error(text: &str, origin: &str, e: &toml::de::Error) -> IoError {
    let message = shorten_quotes(e.message());
    let (line, column, key) = match e.span() {
        Some(span) => {
            let (l, c) = line_col(text, span.start);
            // A serde message names unknown and missing keys; otherwise the span is the value,
            // and the key is before its `=`.
            let key = key_in_message(e.message()).or_else(|| key_before(text, span.start));
            (l, c, key)
        }
        None => (1, 1, key_in_message(e.message())),
    };
    IoError::Toml {
        origin: excerpt(origin, 4 * EXCERPT_CHARS),
        line,
        column,
        key,
        message,
    }
}

/// Parses TOML text into `T`; `origin` (a file name, or what the text is) names it in errors.
///
/// ```
/// use innodex::io::parse_toml;
/// #[derive(Debug, serde::Deserialize)]
/// struct A { #[allow(dead_code)] a: f64 }
/// let long = "x".repeat(1_000_000);
/// let e = parse_toml::<A>(&format!("a = \"{long}\"\n"), "f.toml").unwrap_err().to_string();
/// assert!(e.starts_with("f.toml:1:5: key `a`: "), "{e}");
/// assert!(e.len() < 500);
/// ```
///
/// # Errors
/// [`IoError::Toml`] with line, column, key and a message of a few hundred bytes at most.
pub fn parse_toml<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, IoError> {
    toml::from_str(text).map_err(|e| toml_error(text, origin, &e))
}

/// Parses JSON text into `T`; an error names the field and the value (serde's message, with
/// its position) and quotes input only as an excerpt.
///
/// ```
/// use innodex::io::parse_json;
/// let v: std::collections::BTreeMap<String, u32> = parse_json(r#"{"a": 1}"#, "map").unwrap();
/// assert_eq!(v["a"], 1);
/// let e = parse_json::<std::collections::BTreeMap<String, u32>>(r#"{"a": -1}"#, "map");
/// assert!(e.unwrap_err().to_string().starts_with("map: invalid value: integer `-1`"));
/// ```
///
/// # Errors
/// [`IoError::Json`].
pub fn parse_json<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, IoError> {
    serde_json::from_str(text).map_err(|e| IoError::Json {
        origin: origin.to_string(),
        message: excerpt(&e.to_string(), 4 * EXCERPT_CHARS),
    })
}

/// Reads a TOML file into `T` under the size limit [`max_file_bytes`].
///
/// ```
/// use innodex::io::read_toml;
/// let v: toml::Table = read_toml("plans/linyi-2021-2025.toml").unwrap();
/// assert!(v.contains_key("plan"));
/// ```
///
/// # Errors
/// As [`read_text_file`] and [`parse_toml`].
pub fn read_toml<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T, IoError> {
    let path = path.as_ref();
    let text = read_text_file(path, max_file_bytes())?;
    parse_toml(&text, &path.display().to_string())
}

/// A parsed CSV table: a header and at least one data row, every row as wide as the header.
///
/// ```
/// use innodex::io::CsvTable;
/// let t = CsvTable::parse("unit,x\nA,1.5\nB,NA\n", "data").unwrap();
/// assert_eq!(t.len(), 2);
/// let x = t.require(&["x"]).unwrap()[0];
/// assert_eq!(t.number(0, x).unwrap(), Some(1.5));
/// assert_eq!(t.number(1, x).unwrap(), None); // NA is missing
/// let e = CsvTable::parse("unit,x\nA,inf\n", "data").unwrap().number(0, 1).unwrap_err();
/// assert_eq!(e.to_string(), "data: line 2, column `x`: `inf` is not a finite number");
/// assert!(CsvTable::parse("unit,x\n", "data").unwrap_err().to_string().contains("no data rows"));
/// ```
#[derive(Debug, Clone)]
pub struct CsvTable {
    name: String,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
    lines: Vec<u64>,
}

/// Whether a cell means "missing" (empty, `NA`, `NaN`, `N/A`, `..`, `-`, `null`).
///
/// ```
/// assert!(innodex::io::is_missing("NA") && innodex::io::is_missing(" "));
/// assert!(!innodex::io::is_missing("0"));
/// ```
pub fn is_missing(cell: &str) -> bool {
    matches!(
        cell.trim(),
        "" | "NA" | "NaN" | "nan" | "NAN" | "na" | "N/A" | ".." | "-" | "null" | "NULL"
    )
}

impl CsvTable {
    /// Parses CSV text with a header line; `name` (a file name or the table's role) names it
    /// in errors. A leading byte-order mark is dropped, cells and headers are trimmed, and
    /// lines that are entirely empty are skipped.
    ///
    /// # Errors
    /// [`IoError::NoDataRows`] for an empty table or a header alone, [`IoError::Csv`] for a
    /// row of another width or a duplicate column name, naming the line.
    pub fn parse(text: &str, name: &str) -> Result<CsvTable, IoError> {
        let name = excerpt(name, 4 * EXCERPT_CHARS);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        // The csv crate's line numbers skip blank lines; the line of a byte offset does not.
        // Line ends as the csv crate reads them: `\n`, `\r\n`, and a lone `\r` (found by
        // fuzzing: a row after `value\r` was numbered line 1).
        let bytes = text.as_bytes();
        let newlines: Vec<usize> = (0..bytes.len())
            .filter(|&i| {
                bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
            })
            .collect();
        let line_at = |byte: u64| -> u64 {
            // A record's position is where the reader started, before the blank lines it
            // skipped: step over them to the record's own line.
            let mut b = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
            while b < bytes.len() && matches!(bytes[b], b'\n' | b'\r') {
                b += 1;
            }
            newlines.partition_point(|&i| i < b) as u64 + 1
        };
        let csv_err = |e: csv::Error| {
            let line = e.position().map_or(0, |p| line_at(p.byte()));
            let problem = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("{len} fields where the header has {expected_len}"),
                csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                _ => excerpt(&e.to_string(), 2 * EXCERPT_CHARS),
            };
            IoError::Csv {
                table: name.clone(),
                line,
                column: None,
                problem,
            }
        };
        let headers: Vec<String> = rdr
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(String::from)
            .collect();
        if headers.iter().all(String::is_empty) {
            if headers.len() <= 1 {
                return Err(IoError::NoDataRows {
                    table: name,
                    header: false,
                });
            }
            return Err(IoError::Csv {
                table: name,
                line: 1,
                column: None,
                problem: "the header has no column names".into(),
            });
        }
        for (i, h) in headers.iter().enumerate() {
            if headers[..i].contains(h) {
                return Err(IoError::Csv {
                    table: name,
                    line: 1,
                    column: Some(excerpt(h, EXCERPT_CHARS)),
                    problem: "the column name appears twice in the header".into(),
                });
            }
        }
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for r in rdr.records() {
            let r = r.map_err(csv_err)?;
            if r.iter().all(str::is_empty) {
                continue;
            }
            lines.push(r.position().map_or(0, |p| line_at(p.byte())));
            rows.push(r);
        }
        if rows.is_empty() {
            return Err(IoError::NoDataRows {
                table: name,
                header: true,
            });
        }
        Ok(CsvTable {
            name,
            headers,
            rows,
            lines,
        })
    }

    /// The table's name as used in errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column names (trimmed, without a byte-order mark).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The number of data rows (≥ 1).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Always false: a table has at least one data row (kept for the `len` convention).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of a column, if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The indices of the named columns, in the order asked.
    ///
    /// # Errors
    /// [`IoError::MissingColumns`] naming every missing column and the header found.
    pub fn require(&self, names: &[&str]) -> Result<Vec<usize>, IoError> {
        let missing: Vec<String> = names
            .iter()
            .filter(|n| self.column(n).is_none())
            .map(|n| excerpt(n, EXCERPT_CHARS))
            .collect();
        if !missing.is_empty() {
            return Err(IoError::MissingColumns {
                table: self.name.clone(),
                missing,
                found: excerpt(&self.headers.join(", "), 2 * EXCERPT_CHARS),
            });
        }
        Ok(names.iter().filter_map(|n| self.column(n)).collect())
    }

    /// The data rows (for readers that walk them themselves).
    pub(crate) fn into_records(self) -> Vec<csv::StringRecord> {
        self.rows
    }

    /// The file line (1-based) of data row `row` (0-based).
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// The trimmed text of a cell.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).unwrap_or("")
    }

    /// An error about one cell, naming line and column, quoting the cell as an excerpt.
    pub fn cell_error(&self, row: usize, col: usize, problem: &str) -> IoError {
        IoError::Csv {
            table: self.name.clone(),
            line: self.line(row),
            column: self.headers.get(col).map(|h| excerpt(h, EXCERPT_CHARS)),
            problem: format!(
                "`{}` {problem}",
                excerpt(self.cell(row, col), EXCERPT_CHARS)
            ),
        }
    }

    /// A cell as a finite number, `None` for a missing marker ([`is_missing`]).
    ///
    /// # Errors
    /// [`IoError::Csv`] for text that is not a number or is infinite, naming line and column.
    pub fn number(&self, row: usize, col: usize) -> Result<Option<f64>, IoError> {
        let cell = self.cell(row, col);
        if is_missing(cell) {
            return Ok(None);
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            Ok(_) => Err(self.cell_error(row, col, "is not a finite number")),
            Err(_) => Err(self.cell_error(row, col, "is not a number")),
        }
    }

    /// A cell as a whole year (an integer; `2020.0` is accepted).
    ///
    /// # Errors
    /// [`IoError::Csv`] for a missing cell or anything but an integer that fits an `i32`.
    pub fn year(&self, row: usize, col: usize) -> Result<i32, IoError> {
        let cell = self.cell(row, col);
        if let Ok(y) = cell.parse::<i32>() {
            return Ok(y);
        }
        match cell.parse::<f64>() {
            Ok(v) if v.fract() == 0.0 && v >= f64::from(i32::MIN) && v <= f64::from(i32::MAX) => {
                Ok(v as i32)
            }
            _ => Err(self.cell_error(row, col, "is not a year")),
        }
    }
}

/// One observation override, `INDICATOR:YEAR=VALUE` (the command line's `--baseline`).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Indicator id (trimmed, non-empty).
    pub indicator: String,
    /// Year, in [`crate::plan::YEARS`].
    pub year: i32,
    /// A finite value; its bounds are the indicator's, checked when the plan takes it
    /// ([`crate::plan::Plan::set_observation`]).
    pub value: f64,
}

/// Parses `INDICATOR:YEAR=VALUE`, e.g. `hte_count:2020=800`.
///
/// ```
/// use innodex::io::parse_override;
/// let o = parse_override(" rd_share : 2020 = 1.9 ").unwrap();
/// assert_eq!((o.indicator.as_str(), o.year, o.value), ("rd_share", 2020, 1.9));
/// assert!(parse_override("rd_share:2020=inf").unwrap_err().to_string().contains("finite"));
/// assert!(parse_override("rd_share:99999=1").unwrap_err().to_string().contains("1000–9999"));
/// assert!(parse_override("rd_share=1").is_err());
/// ```
///
/// # Errors
/// [`IoError::Override`] naming what is wrong, quoting the text as an excerpt.
pub fn parse_override(spec: &str) -> Result<Override, IoError> {
    let bad = |problem: String| IoError::Override {
        spec: excerpt(spec, EXCERPT_CHARS),
        problem,
    };
    let shape = || bad("expected INDICATOR:YEAR=VALUE, e.g. hte_count:2020=800".into());
    let (id, rest) = spec.split_once(':').ok_or_else(shape)?;
    let (year, value) = rest.split_once('=').ok_or_else(shape)?;
    let id = id.trim();
    if id.is_empty() {
        return Err(bad("the indicator is empty".into()));
    }
    let year: i32 = year.trim().parse().map_err(|_| {
        bad(format!(
            "year `{}` is not a whole number",
            excerpt(year.trim(), 20)
        ))
    })?;
    let years = crate::plan::YEARS;
    if !years.contains(&year) {
        return Err(bad(format!(
            "year {year} is outside the supported years {}–{}",
            years.start(),
            years.end()
        )));
    }
    let value: f64 = value.trim().parse().map_err(|_| {
        bad(format!(
            "value `{}` is not a number",
            excerpt(value.trim(), 20)
        ))
    })?;
    if !value.is_finite() {
        return Err(bad(format!("value {value} is not finite")));
    }
    Ok(Override {
        indicator: id.to_string(),
        year,
        value,
    })
}

/// Default values of optional keys in the file formats, named once for every format's
/// `#[serde(default = "…")]` (serde takes a function's path, not a value).
pub(crate) mod defaults {
    pub(crate) fn yes() -> bool {
        true
    }

    pub(crate) fn zero() -> f64 {
        0.0
    }

    pub(crate) fn one() -> f64 {
        1.0
    }

    pub(crate) fn hundred() -> f64 {
        100.0
    }

    /// The unit column of a long-format panel (the shipped provincial panel's).
    pub(crate) fn panel_unit_col() -> String {
        "region_en".into()
    }

    /// The year column of a long-format panel.
    pub(crate) fn panel_year_col() -> String {
        "year".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_shortened_and_the_message_bounded() {
        let m = shorten_quotes(&format!("invalid type: string \"{}\"", "y".repeat(10_000)));
        assert_eq!(m.chars().count(), 21 + 1 + 80 + 1 + 1);
        assert!(m.ends_with("…\""));
        assert_eq!(shorten_quotes("no quote"), "no quote");
        assert_eq!(shorten_quotes("open `abc"), "open `abc");
    }

    #[test]
    fn line_col_counts_characters_and_survives_a_mid_char_offset() {
        assert_eq!(line_col("a\n临x", 5), (2, 2));
        assert_eq!(line_col("临", 1), (1, 1));
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let t = CsvTable::parse("a,b\n1,2\n\n3,x\n", "t").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.line(1), 4);
        assert_eq!(
            t.number(1, 1).unwrap_err().to_string(),
            "t: line 4, column `b`: `x` is not a number"
        );
        let e = CsvTable::parse("a,b\n1,2,3\n", "t")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t: line 2: 3 fields where the header has 2");
        let e = CsvTable::parse("a,a\n1,2\n", "t").unwrap_err().to_string();
        assert!(
            e.contains("column `a`: the column name appears twice"),
            "{e}"
        );
        assert_eq!(
            CsvTable::parse("", "t").unwrap_err().to_string(),
            "t: no data rows (empty file)"
        );
        let e = t.require(&["c", "a", "d"]).unwrap_err().to_string();
        assert_eq!(e, "t: missing columns `c`, `d` (columns: a, b)");
        assert_eq!(t.year(0, 0).unwrap(), 1);
        let cr = CsvTable::parse("a,b\r1,2\r\r\n3,4\r\n", "t").unwrap();
        assert_eq!((cr.line(0), cr.line(1)), (2, 4));
        let e = CsvTable::parse(",,\n1,2,3\n", "t").unwrap_err().to_string();
        assert_eq!(e, "t: line 1: the header has no column names");
    }
}
