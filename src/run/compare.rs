//! The regression gate: key results of a run compared with those of a previous
//! `report.json`.
//!
//! A key result passes when `|new − old| ≤ max(absolute, relative × |old|)`. A key of the
//! baseline that the new run no longer has fails (a result disappeared); a new key is listed
//! but does not fail (the run grew).
//!
//! ```
//! use std::collections::BTreeMap;
//! use innodex::run::compare::{compare_maps, Tolerance};
//! let old = BTreeMap::from([("p".to_string(), 0.50)]);
//! let new = BTreeMap::from([("p".to_string(), 0.53)]);
//! let tight = Tolerance { absolute: 0.02, relative: 0.0 };
//! assert!(!compare_maps(&old, &new, tight).passed());
//! let loose = Tolerance { absolute: 0.05, relative: 0.0 };
//! assert!(compare_maps(&old, &new, loose).passed());
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{RunError, RunReport};

/// Tolerances of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Absolute tolerance.
    pub absolute: f64,
    /// Relative tolerance (a share of the baseline value's magnitude).
    pub relative: f64,
}

/// One key result that moved beyond tolerance, disappeared or is new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// The key.
    pub key: String,
    /// The baseline value (`None`: a new key).
    pub old: Option<f64>,
    /// The new value (`None`: the key disappeared).
    pub new: Option<f64>,
    /// The tolerance that applied.
    pub allowed: f64,
}

/// The comparison of two runs' key results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Keys compared (present in both).
    pub compared: usize,
    /// Keys beyond tolerance, largest change first.
    pub moved: Vec<Moved>,
    /// Keys of the baseline the new run does not have.
    pub missing: Vec<String>,
    /// Keys the baseline does not have.
    pub added: Vec<String>,
    /// The largest change within tolerance (key, old, new), if any key changed at all.
    pub largest_within: Option<(String, f64, f64)>,
}

impl Comparison {
    /// No key moved beyond tolerance and none disappeared.
    pub fn passed(&self) -> bool {
        self.moved.is_empty() && self.missing.is_empty()
    }

    /// A readable account: what moved, by how much.
    pub fn to_text(&self, tol: Tolerance) -> String {
        let mut s = format!(
            "Baseline comparison: {} key results compared (tolerance: absolute {}, relative {})\n",
            self.compared, tol.absolute, tol.relative
        );
        if self.moved.is_empty() {
            s.push_str("  no key result moved beyond tolerance\n");
        } else {
            let w = self.moved.iter().map(|m| m.key.len()).max().unwrap_or(3);
            let _ = writeln!(
                s,
                "  {:<w$}  {:>14}  {:>14}  {:>14}  {:>12}",
                "MOVED", "baseline", "now", "change", "allowed"
            );
            for m in &self.moved {
                let (o, n) = (m.old.unwrap_or(f64::NAN), m.new.unwrap_or(f64::NAN));
                let _ = writeln!(
                    s,
                    "  {:<w$}  {o:>14.6}  {n:>14.6}  {:>+14.6}  {:>12.6}",
                    m.key,
                    n - o,
                    m.allowed
                );
            }
        }
        for k in &self.missing {
            let _ = writeln!(s, "  MISSING {k}: in the baseline, not in this run");
        }
        if !self.added.is_empty() {
            let _ = writeln!(
                s,
                "  {} new key result(s), not in the baseline (not a failure)",
                self.added.len()
            );
        }
        if let Some((k, o, n)) = &self.largest_within {
            let _ = writeln!(
                s,
                "  largest change within tolerance: {k}: {o} -> {n} ({:+.6})",
                n - o
            );
        }
        let _ = writeln!(
            s,
            "baseline: {}",
            if self.passed() { "PASS" } else { "FAIL" }
        );
        s
    }
}

/// Compares two maps of key results.
pub fn compare_maps(
    old: &BTreeMap<String, f64>,
    new: &BTreeMap<String, f64>,
    tol: Tolerance,
) -> Comparison {
    let mut moved = vec![];
    let mut compared = 0;
    let mut largest_within: Option<(String, f64, f64)> = None;
    for (k, &o) in old {
        let Some(&n) = new.get(k) else { continue };
        compared += 1;
        let allowed = tol.absolute.max(tol.relative * o.abs());
        let d = (n - o).abs();
        if d > allowed {
            moved.push(Moved {
                key: k.clone(),
                old: Some(o),
                new: Some(n),
                allowed,
            });
        } else if d > 0.0
            && largest_within
                .as_ref()
                .is_none_or(|(_, a, b)| d > (b - a).abs())
        {
            largest_within = Some((k.clone(), o, n));
        }
    }
    moved.sort_by(|a, b| {
        let d = |m: &Moved| (m.new.unwrap_or(0.0) - m.old.unwrap_or(0.0)).abs();
        d(b).total_cmp(&d(a)).then_with(|| a.key.cmp(&b.key))
    });
    Comparison {
        compared,
        moved,
        missing: old
            .keys()
            .filter(|k| !new.contains_key(*k))
            .cloned()
            .collect(),
        added: new
            .keys()
            .filter(|k| !old.contains_key(*k))
            .cloned()
            .collect(),
        largest_within,
    }
}

/// Compares a run with the text of a previous `report.json` (`path` names it in errors).
///
/// # Errors
/// [`RunError::Baseline`] for a file that is not a run report.
pub fn compare_with_json(
    report: &RunReport,
    baseline_json: &str,
    path: &str,
    tol: Tolerance,
) -> Result<Comparison, RunError> {
    let bad = |message: String| RunError::Baseline {
        path: path.to_string(),
        message,
    };
    let v: serde_json::Value =
        serde_json::from_str(baseline_json).map_err(|e| bad(format!("not JSON: {e}")))?;
    let keys = v
        .get("key_results")
        .ok_or_else(|| bad("not a run report (no `key_results`)".into()))?;
    let old: BTreeMap<String, f64> =
        serde_json::from_value(keys.clone()).map_err(|e| bad(format!("`key_results`: {e}")))?;
    Ok(compare_maps(&old, &report.key_results, tol))
}

/// The key results of a run: probabilities and metric bands of every projected target,
/// required CAGRs, Sobol' indices of the R&D-share gap, index scores and ranks (with rank
/// intervals). Non-finite values are left out.
pub(super) fn key_results(r: &RunReport) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let mut put = |k: String, v: Option<f64>| {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            m.insert(k, v);
        }
    };
    for t in &r.plan.targets {
        put(format!("required_cagr.{}", t.target), t.required_cagr);
    }
    if let Some(p) = &r.projection {
        for s in &p.scenarios {
            for t in &s.result.targets {
                let k = format!("projection.{}.{}", s.name, t.id);
                put(format!("{k}.probability"), t.probability);
                if let Some(b) = t.metric_band {
                    put(format!("{k}.q5"), Some(b[0]));
                    put(format!("{k}.median"), Some(b[1]));
                    put(format!("{k}.q95"), Some(b[2]));
                }
            }
        }
    }
    if let Some(g) = &r.plan.rd_share_sensitivity {
        put("rd_share_gap.base_gap".into(), Some(g.base_gap));
        put(
            "rd_share_gap.share_meeting_target".into(),
            Some(g.share_meeting_target),
        );
        for (i, name) in g.inputs.iter().enumerate() {
            put(format!("rd_share_gap.s1.{name}"), g.s1.get(i).copied());
            put(format!("rd_share_gap.st.{name}"), g.st.get(i).copied());
        }
    }
    for ix in &r.indices {
        for row in &ix.report.ranking {
            put(
                format!("index.{}.score.{}", ix.id, row.unit),
                Some(row.score),
            );
            put(format!("index.{}.rank.{}", ix.id, row.unit), Some(row.rank));
        }
        if let Some(u) = &ix.report.uncertainty {
            for s in &u.rank_stats {
                put(
                    format!("index.{}.rank_median.{}", ix.id, s.unit),
                    Some(s.median),
                );
                put(format!("index.{}.rank_q05.{}", ix.id, s.unit), Some(s.q05));
                put(format!("index.{}.rank_q95.{}", ix.id, s.unit), Some(s.q95));
            }
        }
    }
    m
}
