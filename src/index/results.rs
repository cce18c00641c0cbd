//! Results of a build: ranks at every level, scores relative to a reference with performance
//! groups, strengths and weaknesses per unit, and effective weights.
//!
//! Performance groups follow the European Innovation Scoreboard (2021 on): relative to the EU
//! (reference = 100), *Innovation Leaders* from 125, *Strong Innovators* from 100 to 125,
//! *Moderate Innovators* from 70 to 100, *Emerging Innovators* below 70. The EIS text says
//! "between 100 % and 125 %" for both neighbours of a boundary; innodex puts a unit exactly on
//! a threshold in the higher group, so the reference itself (100) is a Strong Innovator. The
//! thresholds are configurable.
//!
//! ```
//! use innodex::index::{CompositeIndex, PipelineSpec};
//! use innodex::index::results::{relative_scores, PerformanceGroups, Reference};
//! let idx = CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
//! let b = idx.build(&PipelineSpec::default()).unwrap();
//! let rel = relative_scores(&b, "Index", &Reference::Unit("FRA".into()), &PerformanceGroups::eis()).unwrap();
//! let fra = rel.iter().find(|r| r.unit == "FRA").unwrap();
//! assert!((fra.relative - 100.0).abs() < 1e-12);
//! let deu = rel.iter().find(|r| r.unit == "DEU").unwrap();
//! assert_eq!(deu.group, "Strong Innovators"); // 75.23 / 65.92 = 114 %
//! ```

use serde::{Deserialize, Serialize};

use super::error::IndexError;
use super::framework::NodeKind;
use super::pipeline::{Build, Stage};
use super::stats;

/// A performance group: units whose relative score is at least `at_least` (and below every
/// higher group's threshold) belong to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerformanceGroup {
    /// Name.
    pub name: String,
    /// Lower threshold (inclusive) of the relative score; the last group takes the rest.
    pub at_least: f64,
}

/// Performance groups, from the best down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PerformanceGroups(pub Vec<PerformanceGroup>);

impl PerformanceGroups {
    /// The European Innovation Scoreboard groups (2021 on): ≥ 125, ≥ 100, ≥ 70, the rest.
    pub fn eis() -> PerformanceGroups {
        let g = |name: &str, at_least: f64| PerformanceGroup {
            name: name.into(),
            at_least,
        };
        PerformanceGroups(vec![
            g("Innovation Leaders", 125.0),
            g("Strong Innovators", 100.0),
            g("Moderate Innovators", 70.0),
            g("Emerging Innovators", f64::MIN),
        ])
    }

    /// The group of a relative score (empty for a missing score).
    pub fn classify(&self, relative: f64) -> String {
        if relative.is_nan() {
            return String::new();
        }
        for g in &self.0 {
            if relative >= g.at_least {
                return g.name.clone();
            }
        }
        self.0.last().map(|g| g.name.clone()).unwrap_or_default()
    }
}

impl Default for PerformanceGroups {
    fn default() -> Self {
        PerformanceGroups::eis()
    }
}

/// What a relative score is relative to (= 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Reference {
    /// A unit of the data (e.g. the EU aggregate).
    Unit(String),
    /// The mean over the units.
    Mean,
    /// A fixed value.
    Value(f64),
}

/// One unit's score relative to the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeScore {
    /// Unit.
    pub unit: String,
    /// Score.
    pub score: f64,
    /// Rank (1 = best).
    pub rank: f64,
    /// 100 × score / reference score.
    pub relative: f64,
    /// Performance group.
    pub group: String,
}

/// Scores of a node relative to a reference, with performance groups.
///
/// # Errors
/// [`IndexError::Unknown`] for an unknown node or reference unit; [`IndexError::BadParameter`]
/// for a reference score that is zero or missing.
pub fn relative_scores(
    b: &Build,
    code: &str,
    reference: &Reference,
    groups: &PerformanceGroups,
) -> Result<Vec<RelativeScore>, IndexError> {
    let s = b.score(code)?;
    let r = stats::rank_desc(s);
    let base = match reference {
        Reference::Unit(u) => s[b.unit_row(u)?],
        Reference::Mean => stats::mean(s),
        Reference::Value(v) => *v,
    };
    if base == 0.0 || !base.is_finite() {
        return Err(IndexError::bad(
            "reference",
            format!("reference score is {base}; it must be finite and non-zero"),
        ));
    }
    Ok(b.units()
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let rel = 100.0 * s[i] / base;
            RelativeScore {
                unit: u.clone(),
                score: s[i],
                rank: r[i],
                relative: rel,
                group: groups.classify(rel),
            }
        })
        .collect())
}

/// The ranks of every node (1 = best, ties share the best rank), laid out as the scores.
pub fn ranks(b: &Build) -> Stage {
    Stage {
        name: "ranks".into(),
        units: b.scores.units.clone(),
        indicators: b.scores.indicators.clone(),
        values: b
            .scores
            .values
            .iter()
            .map(|c| stats::rank_desc(c))
            .collect(),
    }
}

/// An indicator among a unit's strengths or weaknesses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorPosition {
    /// Indicator code.
    pub indicator: String,
    /// Indicator name.
    pub name: String,
    /// Its parent (pillar) code.
    pub parent: String,
    /// The unit's rank on it among all units (1 = best, directions applied).
    pub rank: f64,
    /// The unit's raw value.
    pub raw: f64,
    /// The unit's normalised score.
    pub score: f64,
}

/// A unit's strengths (best-ranked indicators) and weaknesses (worst-ranked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrengthsWeaknesses {
    /// Unit.
    pub unit: String,
    /// Best-ranked indicators, best first.
    pub strengths: Vec<IndicatorPosition>,
    /// Worst-ranked indicators, worst first.
    pub weaknesses: Vec<IndicatorPosition>,
}

/// The `n` best- and worst-ranked indicators of a unit (as COINr's `get_str_weak`), skipping
/// indicators with fewer distinct values than `min_unique_share` × units (e.g. binary
/// indicators, where a rank says little) and those the unit has no value for.
///
/// # Errors
/// [`IndexError::Unknown`] for an unknown unit.
pub fn strengths_weaknesses(
    b: &Build,
    unit: &str,
    n: usize,
    min_unique_share: f64,
) -> Result<StrengthsWeaknesses, IndexError> {
    let r = b.unit_row(unit)?;
    let fw = &b.framework;
    let raw_row = b.raw.units.iter().position(|u| u == unit);
    let mut pos = Vec::new();
    for j in 0..fw.n_indicators() {
        let col = &b.normalised.values[j];
        if col[r].is_nan() {
            continue;
        }
        let mut v = stats::present(col);
        let nv = v.len();
        v.sort_by(f64::total_cmp);
        v.dedup();
        if (v.len() as f64) < min_unique_share * nv as f64 {
            continue;
        }
        let node = fw.node(j);
        pos.push(IndicatorPosition {
            indicator: node.code.clone(),
            name: node.name.clone(),
            parent: node
                .parent
                .map(|p| fw.node(p).code.clone())
                .unwrap_or_default(),
            rank: stats::rank_desc(col)[r],
            raw: raw_row.map(|k| b.raw.values[j][k]).unwrap_or(f64::NAN),
            score: col[r],
        });
    }
    pos.sort_by(|a, b| {
        a.rank
            .total_cmp(&b.rank)
            .then_with(|| a.indicator.cmp(&b.indicator))
    });
    let strengths = pos.iter().take(n).cloned().collect();
    let weaknesses = pos.iter().rev().take(n).cloned().collect();
    Ok(StrengthsWeaknesses {
        unit: unit.to_string(),
        strengths,
        weaknesses,
    })
}

/// Effective weight of each node in the index (see
/// [`crate::index::framework::Framework::effective_weights`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectiveWeight {
    /// Node code.
    pub code: String,
    /// Level.
    pub level: u32,
    /// Indicator or aggregate.
    pub kind: NodeKind,
    /// Its share of the index.
    pub weight: f64,
}

/// Effective weights of every node with the build's weights.
pub fn effective_weights(b: &Build) -> Vec<EffectiveWeight> {
    let fw = &b.framework;
    let w = fw.effective_weights(&b.weights);
    fw.nodes()
        .iter()
        .zip(w)
        .map(|(n, weight)| EffectiveWeight {
            code: n.code.clone(),
            level: n.level,
            kind: n.kind,
            weight,
        })
        .collect()
}
