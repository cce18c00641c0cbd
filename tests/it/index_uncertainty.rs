//! Uncertainty and sensitivity analysis: reproducibility and invariants.
use innodex::index::uncertainty::{SamplingDesign, UncertaintyResult, UncertaintySpec, run};
use innodex::index::{CompositeIndex, PipelineSpec};

use crate::support::with_threads;

fn asem() -> CompositeIndex {
    CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap()
}

/// Every number of a result as bits (NaN-safe equality).
fn bits(r: &UncertaintyResult) -> Vec<u64> {
    let mut v: Vec<u64> = Vec::new();
    for row in r.sample.iter().chain(&r.scores).chain(&r.ranks) {
        v.extend(row.iter().map(|x| x.to_bits()));
    }
    v.extend(r.mean_rank_shift.iter().map(|x| x.to_bits()));
    for s in &r.rank_stats {
        v.extend(
            [s.nominal, s.mean, s.median, s.q05, s.q95]
                .iter()
                .map(|x| x.to_bits()),
        );
    }
    if let Some(s) = &r.sensitivity {
        v.push(s.variance.to_bits());
        for i in s.mean_rank_shift.iter().chain(s.per_unit.iter().flatten()) {
            v.extend(
                [
                    i.first,
                    i.total,
                    i.first_ci.0,
                    i.first_ci.1,
                    i.total_ci.0,
                    i.total_ci.1,
                ]
                .iter()
                .map(|x| x.to_bits()),
            );
        }
    }
    v.push(r.failed as u64);
    v
}

#[test]
fn same_seed_same_results_with_one_or_two_threads() {
    let idx = asem();
    let base = PipelineSpec::coinr_example();
    for design in [SamplingDesign::MonteCarlo, SamplingDesign::Sobol] {
        let spec = UncertaintySpec::coinr_vignette(150, 42, design);
        let a = with_threads(1, || run(&idx, &base, &spec).unwrap());
        let b = with_threads(2, || run(&idx, &base, &spec).unwrap());
        assert_eq!(bits(&a), bits(&b), "{design:?}");
        eprintln!("{design:?}: failed {} {:?}", a.failed, a.failures);
        if let Some(s) = &a.sensitivity {
            eprintln!("{:#?}", s.mean_rank_shift);
        }
    }
}

#[test]
fn the_stage_cache_changes_nothing_but_speed() {
    let idx = asem();
    let base = PipelineSpec::coinr_example();
    let mut spec = UncertaintySpec::coinr_vignette(64, 7, SamplingDesign::Sobol);
    let cached = run(&idx, &base, &spec).unwrap();
    spec.cache = false;
    let fresh = run(&idx, &base, &spec).unwrap();
    assert_eq!(bits(&cached), bits(&fresh));
}

#[test]
fn rank_statistics_are_those_of_the_rank_matrix() {
    let idx = asem();
    let spec = UncertaintySpec::coinr_vignette(200, 3, SamplingDesign::MonteCarlo);
    let r = run(&idx, &PipelineSpec::coinr_example(), &spec).unwrap();
    for (u, st) in r.rank_stats.iter().enumerate() {
        let col: Vec<f64> = r.ranks.iter().map(|row| row[u]).collect();
        assert_eq!(st.median, innodex::index::stats::quantile(&col, 0.5));
        assert_eq!(st.q05, innodex::index::stats::quantile(&col, 0.05));
        assert!(st.q05 <= st.median && st.median <= st.q95);
        assert!((1.0..=51.0).contains(&st.q05) && (1.0..=51.0).contains(&st.q95));
    }
    // The mean absolute rank shift of each rebuild is what its name says.
    for (k, row) in r.ranks.iter().enumerate() {
        let m: f64 = row
            .iter()
            .zip(&r.nominal_ranks)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / 51.0;
        assert!((m - r.mean_rank_shift[k]).abs() < 1e-12);
    }
}

#[test]
fn progress_counts_every_rebuild_and_changes_nothing() {
    use innodex::exec::Progress;
    let idx = asem();
    let base = PipelineSpec::coinr_example();
    let spec = UncertaintySpec::coinr_vignette(32, 5, SamplingDesign::Sobol);
    let plain = run(&idx, &base, &spec).unwrap();
    let progress = Progress::default();
    let counted =
        innodex::index::uncertainty::run_with_progress(&idx, &base, &spec, &progress).unwrap();
    assert_eq!(bits(&plain), bits(&counted));
    // Saltelli's design without second order: N (d + 2) rebuilds, d = 4 inputs.
    assert_eq!(progress.total(), 32 * (4 + 2));
    assert_eq!(progress.done(), progress.total());
}

#[test]
fn a_cancelled_analysis_stops_with_an_error() {
    use innodex::exec::Progress;
    let idx = asem();
    let spec = UncertaintySpec::coinr_vignette(200, 5, SamplingDesign::MonteCarlo);
    let progress = Progress::default();
    progress.cancel();
    let err = refusal(&idx, &spec, &progress);
    assert!(err.contains("cancelled"), "{err}");
    assert_eq!(progress.done(), 0);
}

/// The message of an analysis of the COINr example that must fail.
fn refusal(
    idx: &CompositeIndex,
    spec: &UncertaintySpec,
    progress: &innodex::exec::Progress,
) -> String {
    innodex::index::uncertainty::run_with_progress(
        idx,
        &PipelineSpec::coinr_example(),
        spec,
        progress,
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn an_analysis_too_large_for_memory_is_refused_before_any_rebuild() {
    use innodex::exec::Progress;
    // ASEM: 51 units, 4 inputs. N = 10^9 Monte Carlo rebuilds would hold 10^9 × 2 × (4 + 51)
    // numbers (880 GB); a Sobol' design multiplies the rebuilds by d + 2 = 6.
    let idx = asem();
    for (design, rebuilds) in [
        (SamplingDesign::MonteCarlo, 1_000_000_000u64),
        (SamplingDesign::Sobol, 6_000_000_000),
    ] {
        let spec = UncertaintySpec::coinr_vignette(1_000_000_000, 5, design);
        let progress = Progress::default();
        let msg = refusal(&idx, &spec, &progress);
        assert!(msg.starts_with("uncertainty.n: the rebuilds"), "{msg}");
        assert!(
            msg.contains(&format!(
                "{rebuilds} rows × 110 columns = {} numbers",
                rebuilds * 110
            )),
            "{msg}"
        );
        assert!(
            msg.contains("above the limit of 268435456 numbers (2147483648 bytes, 2.0 GiB)"),
            "{msg}"
        );
        // Nothing was rebuilt (no total was even set).
        assert_eq!((progress.total(), progress.done()), (0, 0));
    }
}
