//! What the fuzz targets share: the input filter, the embedded plan they check against and the
//! round-trip invariant of the file formats.

use std::sync::OnceLock;

use innodex::plan::Plan;

/// The largest input a target reads: a larger one is a question of resources, not of parsing.
pub const MAX_LEN: usize = 64 * 1024;

/// The fuzzed bytes as text, when they are valid UTF-8 of at most [`MAX_LEN`] bytes.
pub fn text(data: &[u8]) -> Option<&str> {
    if data.len() > MAX_LEN {
        return None;
    }
    std::str::from_utf8(data).ok()
}

/// The embedded Linyi plan, built once per process.
pub fn linyi() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(Plan::linyi)
}

/// A parsed value written back as text must parse again, to the same value or, where the
/// value has no exact text (a float printed shortest), to one that writes the same text.
pub fn assert_round_trip<T: PartialEq, E: std::fmt::Display>(
    what: &str,
    value: &T,
    write: impl Fn(&T) -> String,
    parse: impl Fn(&str) -> Result<T, E>,
) {
    let again = write(value);
    let back = parse(&again)
        .unwrap_or_else(|e| panic!("a serialised {what} must parse again: {e}\n{again}"));
    if back != *value {
        assert_eq!(write(&back), again, "{what} round-trip changed the {what}");
    }
}
