//! Cycles among a plan's references: a target judged against a reference series that is in
//! turn judged against the first (of any length, including a target whose reference is its own
//! indicator), and ratio indicators defined through themselves.
//!
//! Why refuse them: a target whose reference is its own indicator is trivially "on track"
//! against itself, and a longer cycle makes every target on it judge the others by themselves;
//! a ratio defined through itself has no first value to derive from.
//!
//! ```
//! use innodex::cycles::find_cycle;
//! let edges = [("a", "b", "t1"), ("b", "c", "t2"), ("c", "a", "t3")];
//! let cycle = find_cycle(edges.iter().map(|&(f, t, l)| (f, t, l))).unwrap();
//! assert_eq!(cycle.describe(), "`a` (t1) → `b` (t2) → `c` (t3) → `a`");
//! assert!(find_cycle([("a", "b", "t1")]).is_none());
//! ```

use std::collections::BTreeMap;

use crate::indicator::Indicator;
use crate::target::Target;

/// A cycle: nodes in order, each with the label of the edge leaving it; the first node closes
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// `(node, label of the edge to the next node)`.
    pub steps: Vec<(String, String)>,
}

impl Cycle {
    /// One line: `` `a` (t1) → `b` (t2) → `a` ``.
    pub fn describe(&self) -> String {
        let mut s: Vec<String> = self
            .steps
            .iter()
            .map(|(n, l)| format!("`{}` ({})", crate::io::excerpt(n, 40), l))
            .collect();
        if let Some((first, _)) = self.steps.first() {
            s.push(format!("`{}`", crate::io::excerpt(first, 40)));
        }
        crate::io::excerpt(&s.join(" → "), 600)
    }
}

/// The first cycle of a directed graph given as labelled edges `(from, to, label)`, found by
/// depth-first search in the order of the node names (so the answer is reproducible).
pub fn find_cycle<'a>(
    edges: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Option<Cycle> {
    let mut adj: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (from, to, label) in edges {
        adj.entry(from).or_default().push((to, label));
        adj.entry(to).or_default();
    }
    // 0 = not visited, 1 = on the current path, 2 = done.
    let mut state: BTreeMap<&str, u8> = adj.keys().map(|&k| (k, 0)).collect();
    let nodes: Vec<&str> = adj.keys().copied().collect();
    for start in nodes {
        if state[start] != 0 {
            continue;
        }
        // An explicit stack (node, next edge index) instead of recursion: a plan can hold
        // thousands of targets and a fuzzed chain must not overflow the stack.
        let mut path: Vec<(&str, &str)> = Vec::new();
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        state.insert(start, 1);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let Some(&(to, label)) = adj[node].get(*next) else {
                state.insert(node, 2);
                stack.pop();
                path.pop();
                continue;
            };
            *next += 1;
            match state[to] {
                0 => {
                    path.push((node, label));
                    state.insert(to, 1);
                    stack.push((to, 0));
                }
                1 => {
                    path.push((node, label));
                    let i = path
                        .iter()
                        .position(|&(n, _)| n == to)
                        .expect("on the path");
                    return Some(Cycle {
                        steps: path[i..]
                            .iter()
                            .map(|&(n, l)| (n.to_string(), l.to_string()))
                            .collect(),
                    });
                }
                _ => {}
            }
        }
    }
    None
}

/// A cycle of references through targets: an edge from a target's indicator to its reference,
/// labelled `target `id``.
///
/// ```
/// use innodex::cycles::reference_cycle;
/// use innodex::target::Target;
/// let t: Target = toml::from_str(r#"
/// id = "self"
/// indicator = "rd_share"
/// kind = "at_least_reference"
/// reference = "rd_share"
/// by = 2025
/// "#).unwrap();
/// let c = reference_cycle(&[t]).unwrap();
/// assert_eq!(c.describe(), "`rd_share` (target `self`) → `rd_share`");
/// ```
pub fn reference_cycle(targets: &[Target]) -> Option<Cycle> {
    let labels: Vec<(&str, &str, String)> = targets
        .iter()
        .filter_map(|t| {
            Some((
                t.indicator.as_str(),
                t.reference()?,
                format!("target `{}`", t.id),
            ))
        })
        .collect();
    find_cycle(labels.iter().map(|(f, t, l)| (*f, *t, l.as_str())))
}

/// A ratio indicator defined through itself: edges from a ratio to its numerator and
/// denominator.
///
/// ```
/// use innodex::cycles::ratio_cycle;
/// use innodex::indicator::{Indicator, IndicatorKind};
/// let mut r = Indicator::new("r", "r", IndicatorKind::Ratio, "");
/// r.numerator = Some("r".into());
/// r.denominator = Some("gdp".into());
/// assert_eq!(ratio_cycle(&[r]).unwrap().describe(), "`r` (numerator) → `r`");
/// ```
pub fn ratio_cycle(indicators: &[Indicator]) -> Option<Cycle> {
    let edges = indicators.iter().flat_map(|i| {
        [
            i.numerator
                .as_deref()
                .map(|n| (i.id.as_str(), n, "numerator")),
            i.denominator
                .as_deref()
                .map(|d| (i.id.as_str(), d, "denominator")),
        ]
        .into_iter()
        .flatten()
    });
    find_cycle(edges)
}
