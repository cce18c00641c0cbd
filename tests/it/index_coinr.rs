//! Published COINr results on the ASEM data.
use innodex::index::{CompositeIndex, PipelineSpec};

fn asem() -> CompositeIndex {
    CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").expect("ASEM data loads")
}

#[test]
fn raw_minmax_arithmetic_reproduces_coinr() {
    let b = asem().build(&PipelineSpec::default()).unwrap();
    let r = b.ranking("Index").unwrap();
    let expect = [
        ("DEU", 75.2278),
        ("GBR", 68.9363),
        ("FRA", 65.9181),
        ("CHE", 62.6059),
        ("NLD", 61.2438),
    ];
    for (k, (u, v)) in expect.iter().enumerate() {
        assert_eq!(r[k].0, *u, "rank {}: {:?}", k + 1, &r[..5]);
        assert!((r[k].1 - v).abs() < 1e-4, "{u}: {} vs {v}", r[k].1);
    }
}

#[test]
fn coinr_full_example_ranks_che_first() {
    let b = asem().build(&PipelineSpec::coinr_example()).unwrap();
    let r = b.ranking("Index").unwrap();
    eprintln!("{:?}", &r[..5]);
    assert_eq!(r[0].0, "CHE");
    assert!((r[0].1 - 68.3837).abs() < 1e-3, "{}", r[0].1);
}
