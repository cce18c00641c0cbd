"""Composite indices from Python: COINr's published results, pandas round trips, errors,
pickling, reproducibility, invariants and plots."""

import os
import pathlib
import pickle

import innodex
import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from innodex import CompositeIndex, CompositeIndexError, InnodexError
from innodex.index import COINR_EXAMPLE, Panel, coinr_vignette_uncertainty, run_spec

matplotlib.use("Agg")

# The repository root, also when the tests run against an installed wheel from a copy of this
# directory (scripts/test-wheel.sh sets INNODEX_REPO); as in conftest.py.
REPO = pathlib.Path(os.environ.get("INNODEX_REPO", pathlib.Path(__file__).resolve().parents[2]))
IDATA = str(REPO / "data" / "ASEM_iData.csv")
IMETA = str(REPO / "data" / "ASEM_iMeta.csv")
CHINA = str(REPO / "data" / "china_province_rd_2015_2023.csv")
CHINA_FRAMEWORK = {
    "indicators": [
        {"code": "rd_intensity_pct", "parent": "rd", "weight": 2},
        {"code": "rd_expenditure_100m_yuan", "parent": "rd"},
    ],
    "aggregates": [{"code": "rd", "name": "R&D index"}],
}


@pytest.fixture(scope="module")
def asem():
    return CompositeIndex.from_csv(IDATA, IMETA)


@pytest.fixture(scope="module")
def example(asem):
    return asem.build(COINR_EXAMPLE)


def test_raw_minmax_arithmetic_reproduces_coinr(asem):
    r = asem.build().ranking()
    expect = {"DEU": 75.2278, "GBR": 68.9363, "FRA": 65.9181, "CHE": 62.6059, "NLD": 61.2438}
    assert list(r.index[:5]) == list(expect)
    for unit, score in expect.items():
        assert r.loc[unit, "score"] == pytest.approx(score, abs=1e-4)


def test_coinr_full_example_ranks_che_first(example):
    r = example.ranking()
    assert r.index[0] == "CHE"
    assert r["score"].iloc[0] == pytest.approx(68.3837, abs=1e-3)
    assert example.stages() == [
        "raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated"
    ]


def test_frames_give_the_same_index_as_files(asem):
    idata = pd.read_csv(IDATA)
    imeta = pd.read_csv(IMETA)
    from_frames = CompositeIndex.from_frames(idata, imeta).build(COINR_EXAMPLE).to_pandas()
    from_files = asem.build(COINR_EXAMPLE).to_pandas()
    pd.testing.assert_frame_equal(from_frames, from_files)


def test_stages_and_records_are_consistent(example):
    raw = example.stage("raw")
    assert raw.shape == (51, 49)
    treated = example.stage("treated")
    imputed = example.stage("imputed")
    pts = example.treated_points()
    assert set(pts["how"]) <= {"winsorised_high", "winsorised_low", "transformed"}
    for row in pts.itertuples():
        assert imputed.loc[row.unit, row.indicator] == row.before
        assert treated.loc[row.unit, row.indicator] == row.after
    t = example.treatment()
    assert (t["n_winsorised"] > 0).sum() == 15
    # Every imputed value is the mean of the unit's EurAsia group (non-missing, denominated).
    den = example.stage("denominated")
    groups = pd.read_csv(IDATA).set_index("uCode")["EurAsia_group"]
    for row in example.imputed_points().head(10).itertuples():
        members = groups[groups == groups[row.unit]].index
        assert row.value == pytest.approx(den.loc[members, row.indicator].mean(), rel=1e-12)
    norm = example.stage("normalised")
    assert norm.min().min() == 0.0 and norm.max().max() == 100.0


def test_levels_ranks_and_weights(example):
    pillars = example.to_pandas(level=2)
    assert pillars.shape == (51, 8)
    ranks = example.ranks(level=4)
    assert ranks.loc["CHE", "Index"] == 1.0
    w = example.effective_weights()
    assert w[example.framework()["level"] == 1].sum() == pytest.approx(1.0)
    rel = example.relative(reference="CHE")
    assert rel.loc["CHE", "relative"] == pytest.approx(100.0)
    assert rel.loc["CHE", "group"] == "Strong Innovators"  # a threshold belongs to the higher group
    custom = example.relative(reference=50.0, groups={"top": 120.0, "rest": float("-inf")})
    assert set(custom["group"]) <= {"top", "rest"}
    sw = example.strengths_weaknesses("CHE", n=3)
    assert list(sw["kind"]) == ["strength"] * 3 + ["weakness"] * 3


def test_coherence(example):
    c = example.correlations(level=2)
    assert c.shape == (8, 8)
    np.testing.assert_allclose(c.to_numpy(), c.to_numpy().T, atol=1e-12)
    np.testing.assert_allclose(np.diag(c.to_numpy()), 1.0, atol=1e-12)
    # Pearson's correlation agrees with pandas.
    scores = example.to_pandas()
    assert c.loc["Physical", "P2P"] == pytest.approx(
        scores["Physical"].corr(scores["P2P"]), abs=1e-12
    )
    s = example.correlations(["Index"], ["Conn", "Sust"], method="spearman")
    assert s.loc["Index", "Conn"] == pytest.approx(
        scores["Index"].corr(scores["Conn"], method="spearman"), abs=1e-12
    )
    p = example.pca(level=2)
    assert p.components["eigenvalue"].sum() == pytest.approx(8.0)
    assert p.components["cumulative"].iloc[-1] == pytest.approx(1.0)
    # Loadings are correlations of the variables with the component scores: |l| ≤ 1.
    assert (p.loadings.abs() <= 1 + 1e-12).all().all()
    assert example.cronbach("Physical") <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"normalise": {"method": "minmax", "lo": 0}}, r"unknown field `lo`"),
        ({"treat": {"winmax": 5, "skew_limit": 2}}, r"skew_limit"),
        ({"aggregate": {"method": "geometric"}}, r"geometric mean of `.*` for unit `.*`: child `"),
        ({"impute": {"method": "group_mean", "group": "Nope"}}, r"unknown group `Nope`"),
        ({"weights": {"LPI": -1}}, r"`LPI` has weight -1"),
    ],
)
def test_errors_name_the_element(asem, kwargs, pattern):
    with pytest.raises(CompositeIndexError, match=pattern):
        asem.build(**kwargs)


def test_error_hierarchy_and_framework_errors():
    assert issubclass(CompositeIndexError, InnodexError)
    assert issubclass(CompositeIndexError, ValueError)
    meta = pd.read_csv(IMETA)
    meta.loc[meta.iCode == "LPI", "Parent"] = np.nan
    with pytest.raises(CompositeIndexError, match="`LPI` has no parent"):
        CompositeIndex.from_frames(pd.read_csv(IDATA), meta)
    data = pd.read_csv(IDATA)
    codes = meta[meta.Type == "Indicator"].iCode
    data.loc[data.uCode == "AUT", list(codes)] = np.nan
    with pytest.raises(CompositeIndexError, match="unit `AUT` has no data"):
        CompositeIndex.from_frames(data, pd.read_csv(IMETA)).build()
    with pytest.raises(CompositeIndexError, match="not valid TOML"):
        CompositeIndex.from_csv(IDATA, IMETA).build("normalise = {")


TWO_INDICATORS = {
    "indicators": [{"code": "a", "parent": "index"}, {"code": "b", "parent": "index"}],
    "aggregates": [{"code": "index"}],
}


def two_indicator_index(rows):
    """An index of indicators ``a`` and ``b`` (equal weights, arithmetic mean), one row per
    ``(unit, a, b)``."""
    df = pd.DataFrame(rows, columns=["uCode", "a", "b"])
    return CompositeIndex.from_frames(df, framework=TWO_INDICATORS)


def test_a_single_unit_index_is_refused_by_spread_normalisations_and_defined_otherwise():
    one = two_indicator_index([("U1", 3.0, 7.0)])
    # Min-max and z-scores divide by the range or the sd of the units' values: with one unit
    # there is none. A typed error naming the indicator and the count, not NaN.
    for method, stage in [
        ("minmax", "min-max normalisation (it divides by the range)"),
        ("zscore", "z-score normalisation (it divides by the standard deviation)"),
    ]:
        with pytest.raises(CompositeIndexError) as info:
            one.build(normalise={"method": method})
        assert str(info.value) == (
            f"indicator `a` has 1 non-missing value(s) at stage {stage}; at least 2 are needed"
        )
    # Methods that need no spread: a defined, finite index (exact values).
    for normalise, want in [
        ({"method": "rank"}, 1.0),
        ({"method": "goalposts", "low": 0, "high": 10}, 0.5),
        ({"method": "none"}, 5.0),
    ]:
        r = one.build(normalise=normalise).to_pandas()
        assert r.shape == (1, 3)
        assert np.isfinite(r.to_numpy()).all()
        assert r.loc["U1", "index"] == pytest.approx(want, abs=1e-12)


def test_a_constant_indicator_is_refused_by_min_max_and_z_scores_naming_it():
    idx = two_indicator_index([("U1", 1.0, 0.1), ("U2", 2.0, 0.1), ("U3", 4.0, 0.1)])
    for method in ["minmax", "zscore"]:
        with pytest.raises(CompositeIndexError) as info:
            idx.build(normalise={"method": method})
        assert str(info.value) == (
            f"indicator `b` is constant (0.1) after the preceding stages: {method} "
            "normalisation divides by zero"
        )


def test_toml_pipeline_equals_dict(asem):
    toml_text = """
        impute = { method = "group_mean", group = "EurAsia_group" }
        [denominate]
        [screen]
        min_availability = 0.9
        [treat]
        winmax = 5
    """
    a = asem.build(toml_text).to_pandas()
    b = asem.build(COINR_EXAMPLE).to_pandas()
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=15, deadline=None)
@given(
    scale=st.floats(min_value=1e-3, max_value=1e3),
    shift=st.floats(min_value=-1e3, max_value=1e3),
    col=st.sampled_from(["LPI", "Goods", "CO2", "Renew"]),
)
def test_minmax_index_is_invariant_to_affine_rescaling(scale, shift, col):
    # Min-max normalisation removes any positive affine change of an indicator's units.
    idata = pd.read_csv(IDATA)
    imeta = pd.read_csv(IMETA)
    base = CompositeIndex.from_frames(idata, imeta).build().to_pandas()["Index"]
    idata[col] = idata[col] * scale + shift
    moved = CompositeIndex.from_frames(idata, imeta).build().to_pandas()["Index"]
    np.testing.assert_allclose(moved.to_numpy(), base.to_numpy(), rtol=0, atol=1e-9)


def test_uncertainty_is_reproducible_and_coherent(asem):
    spec = coinr_vignette_uncertainty(n=120, seed=5)
    a = asem.uncertainty(spec, COINR_EXAMPLE)
    b = asem.uncertainty(spec, COINR_EXAMPLE)
    pd.testing.assert_frame_equal(a.ranks(), b.ranks())
    stats = a.to_pandas()
    assert stats.loc["CHE", "nominal"] == 1.0
    assert (stats["q05"] <= stats["median"]).all() and (stats["median"] <= stats["q95"]).all()
    # The statistics are those of the rank matrix.
    ranks = a.ranks()
    assert stats.loc["NLD", "mean"] == pytest.approx(ranks["NLD"].mean())
    assert stats.loc["NLD", "q95"] == pytest.approx(ranks["NLD"].quantile(0.95))
    assert a.sensitivity() is None
    other = asem.uncertainty({**spec, "seed": 6}, COINR_EXAMPLE)
    assert not other.ranks().equals(a.ranks())


def test_sobol_design(asem):
    spec = coinr_vignette_uncertainty(n=64, seed=3, design="sobol")
    u = asem.uncertainty(spec, COINR_EXAMPLE)
    assert len(u.ranks()) == 64 * (4 + 2)
    s = u.sensitivity()
    assert list(s.index) == ["Winsorisation", "Normalisation", "Weights", "Aggregation"]
    assert (s["total"] >= 0).all()
    assert (s["total_q05"] <= s["total_q95"]).all()
    per_unit = u.sensitivity_by_unit()
    assert per_unit.shape == (51, 4)


def test_an_uncertainty_analysis_too_large_for_memory_is_refused(asem):
    # 10^9 rebuilds × 2 (4 inputs + 51 units) numbers: refused before any rebuild (the call
    # could not return otherwise), with the size and the limit.
    spec = coinr_vignette_uncertainty(n=10**9, seed=1)
    with pytest.raises(CompositeIndexError) as info:
        asem.uncertainty(spec, COINR_EXAMPLE, progress=False)
    msg = str(info.value)
    assert msg.startswith("uncertainty.n: the rebuilds"), msg
    assert "1000000000 rows × 110 columns = 110000000000 numbers" in msg, msg
    assert "above the limit of 268435456 numbers (2147483648 bytes, 2.0 GiB)" in msg, msg


def test_pickle_round_trips(asem, example):
    a2 = pickle.loads(pickle.dumps(asem))
    pd.testing.assert_frame_equal(a2.build().to_pandas(), asem.build().to_pandas())
    e2 = pickle.loads(pickle.dumps(example))
    pd.testing.assert_frame_equal(e2.stage("treated"), example.stage("treated"))
    pd.testing.assert_frame_equal(e2.treated_points(), example.treated_points())
    u = asem.uncertainty(coinr_vignette_uncertainty(n=20, seed=1, design="sobol"), COINR_EXAMPLE)
    u2 = pickle.loads(pickle.dumps(u))
    pd.testing.assert_frame_equal(u2.to_pandas(), u.to_pandas())
    pd.testing.assert_frame_equal(u2.sensitivity(), u.sensitivity())


def china_panel():
    data = pd.read_csv(CHINA)
    data = data[data.region_en != "China"]
    return Panel.from_frames(
        data, framework=CHINA_FRAMEWORK, unit="region_en", name="region_zh", time="year"
    )


def test_panel_bounds_over_all_years_and_trends():
    p = china_panel()
    assert p.years == list(range(2015, 2024))
    res = p.build()
    t = res.to_pandas("rd_intensity_pct", wide=True)
    assert t.shape == (31, 9)
    # The tidy form: one row per province and year, the same values.
    long = res.to_pandas("rd_intensity_pct")
    assert list(long.columns) == ["unit", "year", "rd_intensity_pct"] and len(long) == 31 * 9
    assert long.set_index(["unit", "year"]).loc[("Beijing", 2022), "rd_intensity_pct"] == 100.0
    assert t.max().max() == 100.0 and t.loc["Beijing", 2022] == 100.0
    assert t.loc["Beijing", 2023] < 100.0
    yearly = p.build(global_bounds=False).to_pandas("rd_intensity_pct", wide=True)
    assert (yearly.max() == 100.0).all()
    tr = res.trends()
    gd = tr.loc["Guangdong"]
    assert gd["first_year"] == 2015 and gd["last_year"] == 2023
    s = res.to_pandas(wide=True).loc["Guangdong"]
    slope = np.polyfit(np.arange(2015, 2024), s.to_numpy(), 1)[0]
    assert gd["slope"] == pytest.approx(slope, rel=1e-9)
    r2 = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(r2.to_pandas(), res.to_pandas())


def test_single_year_from_a_long_table():
    data = pd.read_csv(CHINA)
    idx = CompositeIndex.from_frames(
        data, framework=CHINA_FRAMEWORK, unit="region_en", name="region_zh", time="year",
        year=2020,
    )
    r = idx.build(screen={"force_exclude": ["China"], "min_availability": 0})
    assert "China" not in r.units
    assert r.ranking().index[0] == "Beijing"


def test_run_spec_file():
    text = run_spec(REPO / "specs" / "china_rd_panel.toml", "csv")
    assert text.splitlines()[1].startswith("1,Beijing,")


def test_plots_return_axes(example, asem):
    ax = example.plot_scores(level=2, top=10)
    assert len(ax.patches) == 10 * 8
    # The stacked segments add up to the index score (arithmetic, no missing data).
    heights = np.zeros(10)
    for k, patch in enumerate(ax.patches):
        heights[k % 10] += patch.get_height()
    top = example.ranking()["score"].iloc[:10].to_numpy()
    np.testing.assert_allclose(heights, top, atol=1e-9)
    assert example.plot_correlations(level=2).images
    u = asem.uncertainty(coinr_vignette_uncertainty(n=20, seed=1, design="sobol"), COINR_EXAMPLE)
    assert u.plot_rank_intervals(top=15).lines
    assert len(u.plot_sensitivity().patches) == 8
    assert china_panel().build().plot_trends().lines
    with pytest.raises(CompositeIndexError, match="sobol"):
        asem.uncertainty(coinr_vignette_uncertainty(n=10), COINR_EXAMPLE).plot_sensitivity()
    matplotlib.pyplot.close("all")


def test_repr(asem, example):
    assert repr(asem) == "<CompositeIndex Index: 51 units, 49 indicators, 4 levels>"
    assert "first CHE (68.38)" in repr(example)
    assert "<table" in example._repr_html_()
    assert innodex.CompositeIndex is CompositeIndex


def test_normalize_is_an_alias_of_normalise(asem):
    uk = asem.build(normalise={"method": "minmax", "low": 1, "high": 100}).ranking()
    us = asem.build(normalize={"method": "minmax", "low": 1, "high": 100}).ranking()
    pd.testing.assert_frame_equal(uk, us)
    with pytest.raises(innodex.CompositeIndexError, match="not both"):
        asem.build(normalise={"method": "minmax"}, normalize={"method": "minmax"})
