//! Evidence resolution: from every figure as given (all vintages, bounds, spans) to one value
//! per indicator and year, and the ratios derived from their parts.

use std::collections::BTreeMap;

use super::*;

impl Plan {
    /// One value per indicator and year from the evidence: of the entries published by
    /// `as_of` (all entries when `None`; an observed entry without a publication date counts
    /// only then), the best-ranked — observed final, then preliminary, then derived, implied,
    /// assumed; among equals the latest publication (a tie is an error). Ratios are
    /// then derived where numerator and denominator are both exact.
    pub(super) fn resolve(
        indicators: &[Indicator],
        evidence: &[ObservationEntry],
        spans: &[SpanEntry],
        as_of: Option<PubDate>,
    ) -> Result<BTreeMap<String, Series>, PlanError> {
        let out_by_then = |provenance: &Provenance, published: Option<PubDate>| match as_of {
            None => false,
            Some(cut) => !match (provenance, published) {
                (_, Some(d)) => d <= cut,
                // Not a publication: implied and assumed values stand at any date.
                (Provenance::Implied { .. } | Provenance::Assumed { .. }, None) => true,
                _ => false,
            },
        };
        let mut best: BTreeMap<(&str, i32), Point> = BTreeMap::new();
        for o in evidence {
            if out_by_then(&o.provenance, o.published) {
                continue;
            }
            let p = o.point();
            match best.get(&(o.indicator.as_str(), o.year)) {
                Some(b) if b.rank() == p.rank() => {
                    return Err(PlanError::AmbiguousEvidence {
                        indicator: o.indicator.clone(),
                        year: o.year,
                    });
                }
                Some(b) if b.rank() > p.rank() => {}
                _ => {
                    best.insert((o.indicator.as_str(), o.year), p);
                }
            }
        }
        // A span figure gives its last year's value where the year before the span is known
        // and nothing better ranked stands for that year (derived ranks below observed).
        for span in spans {
            if out_by_then(&span.provenance, span.published) {
                continue;
            }
            let key = (span.indicator.as_str(), span.base_year());
            let Some(end) = best.get(&key).and_then(|base| span.end_point(base)) else {
                continue;
            };
            let slot = (span.indicator.as_str(), span.to);
            if best.get(&slot).is_none_or(|b| b.rank() < end.rank()) {
                best.insert(slot, end);
            }
        }
        let mut grouped: BTreeMap<&str, Vec<Point>> = BTreeMap::new();
        for ((id, _), p) in best {
            grouped.entry(id).or_default().push(p);
        }
        let mut series = BTreeMap::new();
        for ind in indicators {
            let points = grouped.remove(ind.id.as_str()).unwrap_or_default();
            series.insert(ind.id.clone(), Series::new(ind, points)?);
        }
        Self::derive_ratios(indicators, &mut series)?;
        Ok(series)
    }

    /// Fills the years where a ratio indicator is not observed but its numerator and
    /// denominator both are: value = numerator / denominator × scale, labelled implied.
    /// An observed ratio always wins over a derived one.
    fn derive_ratios(
        indicators: &[Indicator],
        series: &mut BTreeMap<String, Series>,
    ) -> Result<(), PlanError> {
        for ind in indicators {
            let (Some(num), Some(den)) = (&ind.numerator, &ind.denominator) else {
                continue;
            };
            let scale = ind.scale.unwrap_or(1.0);
            let derivation = |n: &Point, d: &Point| Provenance::Derived {
                note: format!(
                    "{num} / {den} × {scale} = {} / {} × {scale}",
                    crate::target::fmt_num(n.value),
                    crate::target::fmt_num(d.value)
                ),
            };
            // A year is (re)derived unless the ratio itself was given for it.
            let free = |year| {
                series[&ind.id]
                    .point_at(year)
                    .is_none_or(|p| matches!(p.provenance, Provenance::Derived { .. }))
            };
            // Only exact figures make an exact ratio; a bound on one part bounds nothing
            // once divided by another estimate.
            let derived: Vec<Point> = series[num]
                .points()
                .iter()
                .filter(|n| n.bound.is_exact())
                .filter_map(|n| {
                    let d = series[den]
                        .point_at(n.year)
                        .filter(|d| d.bound.is_exact())?;
                    (d.value != 0.0 && free(n.year)).then(|| Point {
                        year: n.year,
                        value: n.value / d.value * scale,
                        provenance: derivation(n, d),
                        bound: Bound::Exact,
                        release: n.release.min(d.release),
                        published: n.published.max(d.published),
                    })
                })
                .collect();
            let s = series
                .get_mut(&ind.id)
                .expect("every indicator has a series");
            for p in derived {
                s.upsert(ind, p)?;
            }
        }
        Ok(())
    }
}
