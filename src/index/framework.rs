//! The framework of a composite index: a tree of indicators (level 1) grouped into any number
//! of aggregate levels up to a single index, with weights (relative among siblings) and
//! directions (+1: more is better, −1: less is better).
//!
//! A framework is built from a list of [`ElementSpec`]s — read from a COINr-style `iMeta` table
//! ([`crate::index::table::read_imeta`]) or from a typed TOML [`FrameworkSpec`] — and validated:
//! every element but the index has a parent that is an aggregate, the parent chain has no cycle,
//! there is exactly one top node, every aggregate has children, weights are finite and
//! non-negative and directions are ±1. Every error names the element at fault.
//!
//! ```
//! use innodex::index::framework::{Framework, FrameworkSpec};
//! let spec: FrameworkSpec = toml::from_str(r#"
//!     [[indicators]]
//!     code = "rd"
//!     parent = "inputs"
//!     [[indicators]]
//!     code = "patents"
//!     parent = "outputs"
//!     [[indicators]]
//!     code = "exports"
//!     parent = "outputs"
//!     weight = 3
//!     [[aggregates]]
//!     code = "inputs"
//!     parent = "index"
//!     [[aggregates]]
//!     code = "outputs"
//!     parent = "index"
//!     [[aggregates]]
//!     code = "index"
//! "#).unwrap();
//! let fw = Framework::from_spec(&spec).unwrap();
//! assert_eq!(fw.n_indicators(), 3);
//! assert_eq!(fw.node(fw.root()).code, "index");
//! // Effective weight of `exports` in the index: 1/2 (pillar) × 3/4 (within the pillar).
//! let w = fw.effective_weights(&fw.nominal_weights());
//! assert!((w[fw.index_of("exports").unwrap()] - 0.375).abs() < 1e-12);
//!
//! // An indicator with no parent is an error that names it.
//! let bad: FrameworkSpec = toml::from_str(r#"
//!     [[indicators]]
//!     code = "lonely"
//!     [[aggregates]]
//!     code = "index"
//! "#).unwrap();
//! let err = Framework::from_spec(&bad).unwrap_err().to_string();
//! assert!(err.contains("`lonely` has no parent"), "{err}");
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::IndexError;

/// Whether a node is an indicator (a leaf with data) or an aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A leaf: a column of data.
    Indicator,
    /// A weighted combination of its children.
    Aggregate,
}

/// One element of a framework as given by the user (an `iMeta` row or a TOML entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementSpec {
    /// Unique code.
    pub code: String,
    /// Display name (defaults to the code).
    pub name: Option<String>,
    /// Indicator or aggregate.
    pub kind: NodeKind,
    /// Parent aggregate (none for the index only).
    pub parent: Option<String>,
    /// Weight relative to its siblings.
    pub weight: f64,
    /// +1 if more is better, −1 if less is better (indicators only).
    pub direction: f64,
    /// Level as given (1 = indicators); computed from the tree when absent.
    pub level: Option<u32>,
    /// Unit of measurement.
    pub unit: Option<String>,
    /// A target value (used by distance-to-target normalisation).
    pub target: Option<f64>,
    /// Denominator column for [`crate::index::denominate`].
    pub denominator: Option<String>,
}

/// An indicator in a TOML framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    /// Unique code (the column name in the data).
    pub code: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Parent aggregate.
    #[serde(default)]
    pub parent: Option<String>,
    /// Weight relative to siblings (default 1).
    #[serde(default = "crate::io::defaults::one")]
    pub weight: f64,
    /// +1 (default) or −1.
    #[serde(default = "crate::io::defaults::one")]
    pub direction: f64,
    /// Unit of measurement.
    #[serde(default)]
    pub unit: Option<String>,
    /// Target value.
    #[serde(default)]
    pub target: Option<f64>,
    /// Denominator column.
    #[serde(default)]
    pub denominator: Option<String>,
}

/// An aggregate in a TOML framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregateSpec {
    /// Unique code.
    pub code: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Parent aggregate; absent for the index.
    #[serde(default)]
    pub parent: Option<String>,
    /// Weight relative to siblings (default 1).
    #[serde(default = "crate::io::defaults::one")]
    pub weight: f64,
}

/// A framework written in TOML: indicators, aggregates and optional level names.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkSpec {
    /// Names of the levels from the indicators up (e.g. `["Indicator", "Pillar", "Index"]`).
    #[serde(default)]
    pub level_names: Vec<String>,
    /// The indicators.
    #[serde(default)]
    pub indicators: Vec<IndicatorSpec>,
    /// The aggregates, including the index.
    #[serde(default)]
    pub aggregates: Vec<AggregateSpec>,
}

impl FrameworkSpec {
    /// The elements of this spec.
    pub fn elements(&self) -> Vec<ElementSpec> {
        let ind = self.indicators.iter().map(|i| ElementSpec {
            code: i.code.clone(),
            name: i.name.clone(),
            kind: NodeKind::Indicator,
            parent: i.parent.clone(),
            weight: i.weight,
            direction: i.direction,
            level: None,
            unit: i.unit.clone(),
            target: i.target,
            denominator: i.denominator.clone(),
        });
        let agg = self.aggregates.iter().map(|a| ElementSpec {
            code: a.code.clone(),
            name: a.name.clone(),
            kind: NodeKind::Aggregate,
            parent: a.parent.clone(),
            weight: a.weight,
            direction: 1.0,
            level: None,
            unit: None,
            target: None,
            denominator: None,
        });
        ind.chain(agg).collect()
    }
}

/// A validated node of the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Unique code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Indicator or aggregate.
    pub kind: NodeKind,
    /// Level: 1 for indicators, higher for aggregates; the index is at the top level.
    pub level: u32,
    /// Index of the parent node (none for the index).
    pub parent: Option<usize>,
    /// Indices of the children.
    pub children: Vec<usize>,
    /// Nominal weight relative to siblings.
    pub weight: f64,
    /// +1 or −1 (aggregates: +1).
    pub direction: f64,
    /// Unit of measurement.
    pub unit: Option<String>,
    /// Target value.
    pub target: Option<f64>,
    /// Denominator column.
    pub denominator: Option<String>,
}

/// A validated framework. Nodes are ordered: indicators first (in the order given), then
/// aggregates by level, so that aggregating in node order always meets children first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Framework {
    nodes: Vec<Node>,
    n_ind: usize,
    root: usize,
    level_names: Vec<String>,
    by_code: HashMap<String, usize>,
}

impl Framework {
    /// Builds and validates a framework from elements.
    ///
    /// # Errors
    /// [`IndexError::DuplicateCode`], [`IndexError::NegativeWeight`],
    /// [`IndexError::BadDirection`], [`IndexError::NoParent`], [`IndexError::UnknownParent`],
    /// [`IndexError::Cycle`], [`IndexError::Roots`], [`IndexError::EmptyAggregate`],
    /// [`IndexError::LevelOrder`], [`IndexError::ZeroWeights`].
    pub fn new(elements: &[ElementSpec], level_names: &[String]) -> Result<Framework, IndexError> {
        let pos = check_elements(elements)?;
        let parent = parents(elements, &pos)?;
        check_acyclic(elements, &parent)?;
        let n = elements.len();
        let roots: Vec<usize> = (0..n).filter(|&i| parent[i].is_none()).collect();
        if roots.len() != 1 {
            return Err(IndexError::Roots {
                roots: roots.iter().map(|&i| elements[i].code.clone()).collect(),
            });
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, p) in parent.iter().enumerate() {
            if let Some(p) = *p {
                children[p].push(i);
            }
        }
        for i in 0..n {
            if elements[i].kind == NodeKind::Aggregate && children[i].is_empty() {
                return Err(IndexError::EmptyAggregate(elements[i].code.clone()));
            }
        }
        let level = levels(elements, &parent, &children)?;
        for i in 0..n {
            if elements[i].kind == NodeKind::Aggregate
                && children[i].iter().all(|&c| elements[c].weight == 0.0)
            {
                return Err(IndexError::ZeroWeights(elements[i].code.clone()));
            }
        }
        // Order: indicators as given, then aggregates by level (stable).
        let mut order: Vec<usize> = (0..n)
            .filter(|&i| elements[i].kind == NodeKind::Indicator)
            .collect();
        let n_ind = order.len();
        if n_ind == 0 {
            return Err(IndexError::bad("framework", "it has no indicators"));
        }
        let mut aggs: Vec<usize> = (0..n)
            .filter(|&i| elements[i].kind == NodeKind::Aggregate)
            .collect();
        aggs.sort_by_key(|&i| level[i]);
        order.extend(aggs);
        let mut new_of = vec![0usize; n];
        for (new, &old) in order.iter().enumerate() {
            new_of[old] = new;
        }
        let nodes: Vec<Node> = order
            .iter()
            .map(|&old| {
                let e = &elements[old];
                Node {
                    code: e.code.clone(),
                    name: e
                        .name
                        .clone()
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| e.code.clone()),
                    kind: e.kind,
                    level: level[old],
                    parent: parent[old].map(|p| new_of[p]),
                    children: children[old].iter().map(|&c| new_of[c]).collect(),
                    weight: e.weight,
                    direction: if e.kind == NodeKind::Indicator {
                        e.direction
                    } else {
                        1.0
                    },
                    unit: e.unit.clone(),
                    target: e.target,
                    denominator: e.denominator.clone(),
                }
            })
            .collect();
        let root = new_of[roots[0]];
        let by_code = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.code.clone(), i))
            .collect();
        Ok(Framework {
            level_names: full_level_names(level_names, nodes[root].level),
            nodes,
            n_ind,
            root,
            by_code,
        })
    }

    /// Builds a framework from a TOML [`FrameworkSpec`].
    ///
    /// # Errors
    /// As [`Framework::new`].
    pub fn from_spec(spec: &FrameworkSpec) -> Result<Framework, IndexError> {
        Framework::new(&spec.elements(), &spec.level_names)
    }

    /// Parses a TOML framework (the [`FrameworkSpec`] format).
    ///
    /// # Errors
    /// [`IndexError::Input`] for malformed TOML or unknown keys, then as [`Framework::new`].
    pub fn from_toml_str(text: &str) -> Result<Framework, IndexError> {
        let spec: FrameworkSpec =
            crate::io::parse_toml(text, "framework").map_err(IndexError::from)?;
        Framework::from_spec(&spec)
    }

    /// All nodes: indicators first, then aggregates by level.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// One node.
    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// Number of indicators (they are nodes `0..n_indicators()`).
    pub fn n_indicators(&self) -> usize {
        self.n_ind
    }

    /// Codes of the indicators, in order.
    pub fn indicator_codes(&self) -> Vec<String> {
        self.nodes[..self.n_ind]
            .iter()
            .map(|n| n.code.clone())
            .collect()
    }

    /// Codes of all nodes, in node order.
    pub fn codes(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.code.clone()).collect()
    }

    /// The index (top node).
    pub fn root(&self) -> usize {
        self.root
    }

    /// Number of levels (the index's level).
    pub fn n_levels(&self) -> u32 {
        self.nodes[self.root].level
    }

    /// Names of the levels, from 1 (indicators) up.
    pub fn level_names(&self) -> &[String] {
        &self.level_names
    }

    /// Node position of a code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// Node position of a code, or an error naming it.
    ///
    /// # Errors
    /// [`IndexError::Unknown`].
    pub fn require(&self, code: &str) -> Result<usize, IndexError> {
        self.index_of(code).ok_or_else(|| IndexError::Unknown {
            kind: "node",
            code: code.to_string(),
        })
    }

    /// Nodes at a level, in node order.
    pub fn at_level(&self, level: u32) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].level == level)
            .collect()
    }

    /// The nominal weights, one per node.
    pub fn nominal_weights(&self) -> Vec<f64> {
        self.nodes.iter().map(|n| n.weight).collect()
    }

    /// The ancestor of node `i` at `level` (itself if it is at that level).
    pub fn ancestor_at(&self, mut i: usize, level: u32) -> Option<usize> {
        loop {
            if self.nodes[i].level == level {
                return Some(i);
            }
            if self.nodes[i].level > level {
                return None;
            }
            i = self.nodes[i].parent?;
        }
    }

    /// The indicators below node `i` (itself if an indicator).
    pub fn indicators_under(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![i];
        while let Some(k) = stack.pop() {
            if self.nodes[k].kind == NodeKind::Indicator {
                out.push(k);
            } else {
                stack.extend(self.nodes[k].children.iter().rev());
            }
        }
        out.sort_unstable();
        out
    }

    /// Effective weight of every node in the index: the product, along the path to the index,
    /// of each node's weight divided by the sum of its siblings' weights (the index has 1).
    /// The effective weights of the indicators sum to one. This is the nominal share of each
    /// node in an arithmetic index with no missing data (OECD/JRC Handbook 2008, §6).
    pub fn effective_weights(&self, weights: &[f64]) -> Vec<f64> {
        let mut eff = vec![0.0; self.nodes.len()];
        eff[self.root] = 1.0;
        // Parents come after children in node order, so walk down from the top.
        for i in (0..self.nodes.len()).rev() {
            let node = &self.nodes[i];
            if node.kind == NodeKind::Aggregate {
                let total: f64 = node.children.iter().map(|&c| weights[c]).sum();
                for &c in &node.children {
                    eff[c] = if total > 0.0 {
                        eff[i] * weights[c] / total
                    } else {
                        0.0
                    };
                }
            }
        }
        eff
    }

    /// Resolves weight overrides by code into a per-node weight vector.
    ///
    /// # Errors
    /// [`IndexError::Unknown`] for an unknown code, [`IndexError::NegativeWeight`].
    pub fn weights_with(
        &self,
        overrides: &std::collections::BTreeMap<String, f64>,
    ) -> Result<Vec<f64>, IndexError> {
        let mut w = self.nominal_weights();
        for (code, &v) in overrides {
            let i = self.require(code)?;
            if !v.is_finite() || v < 0.0 {
                return Err(IndexError::NegativeWeight {
                    code: code.clone(),
                    weight: v,
                });
            }
            w[i] = v;
        }
        Ok(w)
    }
}

/// Each element's code is non-empty and unique, its weight finite and non-negative, an
/// indicator's direction ±1. Returns each code's position.
fn check_elements(elements: &[ElementSpec]) -> Result<HashMap<&str, usize>, IndexError> {
    let mut pos: HashMap<&str, usize> = HashMap::new();
    for (i, e) in elements.iter().enumerate() {
        if e.code.trim().is_empty() {
            return Err(IndexError::bad(
                "framework",
                format!("element {} has an empty code", i + 1),
            ));
        }
        if pos.insert(e.code.as_str(), i).is_some() {
            return Err(IndexError::DuplicateCode(e.code.clone()));
        }
        if !e.weight.is_finite() || e.weight < 0.0 {
            return Err(IndexError::NegativeWeight {
                code: e.code.clone(),
                weight: e.weight,
            });
        }
        if e.kind == NodeKind::Indicator && e.direction != 1.0 && e.direction != -1.0 {
            return Err(IndexError::BadDirection {
                code: e.code.clone(),
                direction: e.direction,
            });
        }
    }
    Ok(pos)
}

/// Each element's parent position: parents exist and are aggregates; only aggregates may
/// have none.
fn parents(
    elements: &[ElementSpec],
    pos: &HashMap<&str, usize>,
) -> Result<Vec<Option<usize>>, IndexError> {
    let mut parent: Vec<Option<usize>> = vec![None; elements.len()];
    for (i, e) in elements.iter().enumerate() {
        match &e.parent {
            None => {
                if e.kind == NodeKind::Indicator {
                    return Err(IndexError::NoParent {
                        code: e.code.clone(),
                    });
                }
            }
            Some(p) => match pos.get(p.as_str()) {
                Some(&j) if elements[j].kind == NodeKind::Aggregate => parent[i] = Some(j),
                _ => {
                    return Err(IndexError::UnknownParent {
                        code: e.code.clone(),
                        parent: p.clone(),
                    });
                }
            },
        }
    }
    Ok(parent)
}

/// Follows the parents from each node; a node met twice on one path closes a cycle.
fn check_acyclic(elements: &[ElementSpec], parent: &[Option<usize>]) -> Result<(), IndexError> {
    let n = elements.len();
    let mut state = vec![0u8; n]; // 0 unvisited, 1 on the current path, 2 done
    for start in 0..n {
        let mut path = Vec::new();
        let mut cur = Some(start);
        while let Some(c) = cur {
            match state[c] {
                2 => break,
                1 => {
                    let from = path.iter().position(|&p| p == c).unwrap_or(0);
                    let mut cyc: Vec<String> = path[from..]
                        .iter()
                        .map(|&p: &usize| elements[p].code.clone())
                        .collect();
                    cyc.push(elements[c].code.clone());
                    return Err(IndexError::Cycle { path: cyc });
                }
                _ => {
                    state[c] = 1;
                    path.push(c);
                    cur = parent[c];
                }
            }
        }
        for p in path {
            state[p] = 2;
        }
    }
    Ok(())
}

/// Each element's level: as declared, else its height in the tree (indicators 1); a parent's
/// level is above its children's.
fn levels(
    elements: &[ElementSpec],
    parent: &[Option<usize>],
    children: &[Vec<usize>],
) -> Result<Vec<u32>, IndexError> {
    let n = elements.len();
    // A declared level is bounded by the size of the tree: n elements cannot fill more than
    // n levels, and a larger number (a fuzzed "Level" of 5·10⁵⁹ saturates to u32::MAX)
    // would make the level names a list of billions.
    for e in elements {
        if let Some(l) = e.level
            && e.kind == NodeKind::Aggregate
            && !(2..=n.max(2) as u32).contains(&l)
        {
            return Err(IndexError::bad(
                format!("level of aggregate `{}`", crate::io::ex(&e.code)),
                format!(
                    "{l} is not in 2..={} (the framework has {n} elements)",
                    n.max(2)
                ),
            ));
        }
    }
    fn height(i: usize, el: &[ElementSpec], ch: &[Vec<usize>], memo: &mut [u32]) -> u32 {
        if memo[i] > 0 {
            return memo[i];
        }
        let h = if el[i].kind == NodeKind::Indicator {
            1
        } else {
            1 + ch[i]
                .iter()
                .map(|&c| height(c, el, ch, memo))
                .max()
                .unwrap_or(0)
        };
        memo[i] = h;
        h
    }
    let mut memo = vec![0u32; n];
    let mut level = vec![0u32; n];
    for i in 0..n {
        let h = height(i, elements, children, &mut memo);
        level[i] = match elements[i].kind {
            NodeKind::Indicator => 1,
            NodeKind::Aggregate => elements[i].level.unwrap_or(h),
        };
    }
    for i in 0..n {
        if let Some(p) = parent[i]
            && level[p] <= level[i]
        {
            return Err(IndexError::LevelOrder {
                code: elements[i].code.clone(),
                level: level[i],
                parent: elements[p].code.clone(),
                parent_level: level[p],
            });
        }
    }
    Ok(level)
}

/// The names given, then "Indicator" (level 1), "Level l" and "Index" (the top) for the rest.
fn full_level_names(given: &[String], top: u32) -> Vec<String> {
    let mut names: Vec<String> = given.to_vec();
    for l in names.len() as u32 + 1..=top {
        names.push(if l == 1 {
            "Indicator".into()
        } else if l == top {
            "Index".into()
        } else {
            format!("Level {l}")
        });
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(code: &str, kind: NodeKind, parent: Option<&str>) -> ElementSpec {
        ElementSpec {
            code: code.into(),
            name: None,
            kind,
            parent: parent.map(String::from),
            weight: 1.0,
            direction: 1.0,
            level: None,
            unit: None,
            target: None,
            denominator: None,
        }
    }

    #[test]
    fn cycle_is_named() {
        let els = vec![
            el("x", NodeKind::Indicator, Some("a")),
            el("a", NodeKind::Aggregate, Some("b")),
            el("b", NodeKind::Aggregate, Some("a")),
            el("top", NodeKind::Aggregate, None),
        ];
        let e = Framework::new(&els, &[]).unwrap_err();
        assert!(matches!(e, IndexError::Cycle { .. }));
        let msg = e.to_string();
        assert!(
            msg.contains("a → b → a") || msg.contains("b → a → b"),
            "{msg}"
        );
    }

    #[test]
    fn ordering_puts_children_first() {
        let els = vec![
            el("top", NodeKind::Aggregate, None),
            el("p", NodeKind::Aggregate, Some("top")),
            el("x", NodeKind::Indicator, Some("p")),
            el("y", NodeKind::Indicator, Some("top")),
        ];
        let fw = Framework::new(&els, &[]).unwrap();
        assert_eq!(fw.codes(), vec!["x", "y", "p", "top"]);
        assert_eq!(fw.node(fw.root()).level, 3);
        for (i, n) in fw.nodes().iter().enumerate() {
            for &c in &n.children {
                assert!(c < i);
            }
        }
    }
}
