"""Invariants of the public Python API on generated inputs (hypothesis), the Python side of
``tests/it/properties.rs``: growth arithmetic round-trips; Monte Carlo quantiles are ordered and
probabilities lie in [0, 1]; normalised values lie within their method's bounds; an index
does not depend on the order of its units and indicators, nor (min-max) on the units of an
indicator; first-order Sobol' indices of an additive model sum to 1.

Examples are drawn by the derandomized profile of ``conftest.py`` (the same on every run), and
every test sets ``max_examples``, so that the whole file runs in a few seconds.
"""

from __future__ import annotations

import math

import innodex
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from innodex import sensitivity as sa

# --------------------------------------------------------------------------- growth arithmetic
levels = st.floats(min_value=1e-3, max_value=1e6)
# Ratios target / baseline with |ln r| ≥ 0.01, so that the growth rate is far enough from 0 for
# ln(1 + g) to keep its relative precision (the error of years_to_target is about
# 1e-16 · n / |ln r| ≤ 1e-12 here).
ratios = st.floats(min_value=0.05, max_value=20.0).filter(lambda r: abs(math.log(r)) >= 0.01)
spans = st.integers(min_value=1, max_value=50)
start_years = st.integers(min_value=1900, max_value=2100)


@settings(max_examples=60)
@given(levels, ratios, spans, start_years)
def test_required_cagr_compounds_back_to_the_target(v0: float, ratio: float, n: int, y0: int):
    v1 = v0 * ratio
    g = innodex.required_cagr(v0, v1, y0, y0 + n)
    assert math.isclose(v0 * (1 + g) ** n, v1, rel_tol=1e-9)
    # The observed CAGR of the same change is the same rate, and the baseline that reaches v1
    # at that rate is v0.
    assert math.isclose(innodex.cagr(v0, v1, y0, y0 + n), g, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(innodex.implied_baseline(v1, g, y0, y0 + n), v0, rel_tol=1e-9)
    # The yearly path at that rate ends on the target, one value a year, both ends included.
    path = innodex.compound_path(v0, g, y0, y0 + n)
    assert list(path.index) == list(range(y0, y0 + n + 1))
    assert math.isclose(path.iloc[-1], v1, rel_tol=1e-9)


@settings(max_examples=60)
@given(levels, ratios, spans, start_years)
def test_years_to_target_inverts_required_cagr(v0: float, ratio: float, n: int, y0: int):
    v1 = v0 * ratio
    g = innodex.required_cagr(v0, v1, y0, y0 + n)
    assert math.isclose(innodex.years_to_target(v0, v1, g), n, rel_tol=1e-9)


@settings(max_examples=60)
@given(
    st.floats(min_value=-1e6, max_value=1e6),
    st.floats(min_value=-1e6, max_value=1e6),
    spans,
    start_years,
)
def test_yearly_increment_adds_up_to_the_target(v0: float, v1: float, n: int, y0: int):
    inc = innodex.required_increment(v0, v1, y0, y0 + n)
    scale = max(abs(v0), abs(v1), 1.0)
    assert abs(v0 + n * inc - v1) <= 1e-9 * scale
    path = innodex.linear_path(v0, inc, y0, y0 + n)
    assert abs(path.iloc[-1] - v1) <= 1e-9 * scale
    # Every step is the increment.
    np.testing.assert_allclose(np.diff(path.to_numpy()), inc, rtol=0, atol=1e-9 * scale)


@settings(max_examples=60)
@given(st.floats(min_value=1e-3, max_value=2.0))
def test_doubling_time_is_the_time_to_double(g: float):
    t = innodex.doubling_time(g)
    assert math.isclose(t, innodex.years_to_target(1.0, 2.0, g), rel_tol=1e-12)
    assert math.isclose((1 + g) ** t, 2.0, rel_tol=1e-9)


@settings(max_examples=30)
@given(st.lists(st.tuples(levels, ratios), min_size=1, max_size=8), spans)
def test_arrays_give_the_scalar_results(pairs: list[tuple[float, float]], n: int):
    v0 = np.array([p[0] for p in pairs])
    v1 = v0 * np.array([p[1] for p in pairs])
    g = innodex.required_cagr(v0, v1, 2020, 2020 + n)
    assert g.shape == v0.shape
    for a, b, gi in zip(v0, v1, g, strict=True):
        # The same arithmetic element by element: equal to the last bit.
        assert innodex.required_cagr(float(a), float(b), 2020, 2020 + n) == gi


# --------------------------------------------------------------------------- Monte Carlo
# Seeds as the Python API takes them (non-negative 64-bit signed integers).
seeds = st.integers(min_value=0, max_value=2**64 - 1)
quantile_sets = st.lists(
    st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=6, unique=True
).map(sorted)


def assert_ordered(rows: np.ndarray) -> None:
    """Each row non-decreasing (quantiles in increasing probability), up to 1e-12 relative."""
    lo, hi = rows[:, :-1], rows[:, 1:]
    assert (lo <= hi + 1e-12 * np.abs(hi)).all(), rows


@settings(max_examples=40)
@given(
    mean=st.floats(min_value=-0.2, max_value=0.4),
    sd=st.floats(min_value=0.0, max_value=0.3),
    threshold=st.floats(min_value=1.0, max_value=3000.0),
    n_paths=st.integers(min_value=1, max_value=500),
    seed=seeds,
    quantiles=quantile_sets,
    per_path=st.booleans(),
)
def test_growth_quantiles_are_ordered_and_probabilities_in_0_1(
    mean, sd, threshold, n_paths, seed, quantiles, per_path
):
    r = innodex.simulate_growth(
        750.0,
        2020,
        2025,
        {"dist": "normal", "mean": mean, "sd": sd},
        threshold=threshold,
        n_paths=n_paths,
        seed=seed,
        quantiles=quantiles,
        per_path=per_path,
    )
    fan = r.fan.to_numpy()
    assert fan.shape == (6, len(quantiles))
    assert np.isfinite(fan).all() and (fan >= 0).all()
    assert_ordered(fan)
    # The start year is the start value on every path.
    assert (fan[0] == 750.0).all()
    assert 0.0 <= r.probability <= 1.0
    # The first year of attainment (or none by the horizon) is a distribution.
    att = r.attainment.to_numpy()
    assert (att >= 0).all() and (att <= 1).all()
    assert math.isclose(att.sum(), 1.0, abs_tol=1e-12)


@settings(max_examples=8)
@given(
    n_paths=st.integers(min_value=1, max_value=300),
    seed=seeds,
    quantiles=quantile_sets,
)
def test_plan_projection_quantiles_are_ordered_and_probabilities_in_0_1(n_paths, seed, quantiles):
    # The embedded Linyi plan under its three scenarios (a few milliseconds a run).
    res = innodex.project(
        innodex.Plan.builtin(), n_paths=n_paths, seed=seed, quantiles=quantiles, progress=False
    )
    df = res.to_pandas()
    # The quantile columns follow `mean`, in the order asked (by position: two probabilities
    # closer than 10⁻⁶ share a column name).
    q = df.iloc[:, list(df.columns).index("mean") + 1 :].dropna().to_numpy()
    assert q.shape[1] == len(quantiles)
    assert len(q) > 0
    assert_ordered(q)
    t = res.targets()
    projected = t[t["not_projected"].isna()]
    assert len(projected) > 0
    p = projected["probability"].to_numpy()
    assert ((p >= 0) & (p <= 1)).all(), p
    assert (projected["probability_se"].to_numpy() >= 0).all()
    # Not projected targets have no probability (NaN), never a number out of nowhere.
    assert t.loc[t["not_projected"].notna(), "probability"].isna().all()


# --------------------------------------------------------------------------- composite index
SMALL_INTEGERS = st.integers(min_value=-50, max_value=50)


@st.composite
def unit_tables(draw, values=SMALL_INTEGERS):
    """(codes of units, columns of indicator values, weights): 2–8 units, 2–5 indicators.
    Small integers, so that ties are frequent; every column varies (min-max needs a range)."""
    n_units = draw(st.integers(min_value=2, max_value=8))
    n_ind = draw(st.integers(min_value=2, max_value=5))
    column = st.lists(values, min_size=n_units, max_size=n_units).filter(lambda c: len(set(c)) > 1)
    cols = [draw(column) for _ in range(n_ind)]
    weights = draw(st.lists(st.integers(1, 5), min_size=n_ind, max_size=n_ind))
    return [f"U{u}" for u in range(n_units)], cols, weights


def build_index(
    units: list[str],
    cols: list[list[float]],
    weights: list[int],
    unit_order: list[int] | None = None,
    ind_order: list[int] | None = None,
    **pipeline,
) -> innodex.IndexResults:
    """An index with every indicator `i<j>` under `index`, rows and columns (and framework
    entries) in the given orders."""
    uo = unit_order or list(range(len(units)))
    io = ind_order or list(range(len(cols)))
    framework = {
        "indicators": [{"code": f"i{j}", "parent": "index", "weight": weights[j]} for j in io],
        "aggregates": [{"code": "index"}],
    }
    data = pd.DataFrame(
        {"uCode": [units[u] for u in uo], **{f"i{j}": [cols[j][u] for u in uo] for j in io}}
    )
    return innodex.CompositeIndex.from_frames(data, framework=framework).build(**pipeline)


# Normalisations and the bounds of their values, for n units.
METHODS = {
    "minmax [-5, 7]": ({"method": "minmax", "low": -5, "high": 7}, lambda n: (-5.0, 7.0)),
    "minmax [0, 100]": ({"method": "minmax"}, lambda n: (0.0, 100.0)),
    "goalposts [-10, 20] × 100": (
        {"method": "goalposts", "low": -10, "high": 20, "scale": 100},
        lambda n: (0.0, 100.0),
    ),
    "percent rank": ({"method": "percent_rank", "scale": 100}, lambda n: (0.0, 100.0)),
    "rank": ({"method": "rank"}, lambda n: (1.0, float(n))),
    "borda": ({"method": "borda"}, lambda n: (0.0, float(n - 1))),
}


@settings(max_examples=30)
@given(
    table=unit_tables(values=st.floats(min_value=-1e6, max_value=1e6)),
    method=st.sampled_from(sorted(METHODS)),
)
def test_normalised_values_and_the_index_lie_within_the_bounds(table, method):
    units, cols, weights = table
    normalise, bounds = METHODS[method]
    lo, hi = bounds(len(units))
    b = build_index(units, cols, weights, normalise=normalise)
    norm = b.stage("normalised").to_numpy()
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    assert np.isfinite(norm).all()
    assert (norm >= lo - tol).all() and (norm <= hi + tol).all(), (method, norm)
    if normalise["method"] == "minmax":
        # Min-max reaches both bounds on every indicator.
        np.testing.assert_allclose(norm.min(axis=0), lo, rtol=0, atol=tol)
        np.testing.assert_allclose(norm.max(axis=0), hi, rtol=0, atol=tol)
    # A weighted arithmetic mean stays within the bounds of what it averages.
    index = b.to_pandas()["index"].to_numpy()
    assert (index >= lo - tol).all() and (index <= hi + tol).all()


@settings(max_examples=30)
@given(table=unit_tables(), data=st.data())
def test_an_index_does_not_depend_on_the_order_of_units_and_indicators(table, data):
    units, cols, weights = table
    unit_order = data.draw(st.permutations(range(len(units))))
    ind_order = data.draw(st.permutations(range(len(cols))))
    a = build_index(units, cols, weights).to_pandas()["index"]
    b = build_index(units, cols, weights, unit_order, ind_order).to_pandas()["index"]
    assert sorted(b.index) == sorted(a.index)
    # Summation order of the weighted mean differs: equal to rounding (scores are 0–100).
    np.testing.assert_allclose(b.loc[a.index].to_numpy(), a.to_numpy(), rtol=0, atol=1e-9)
    # Ranks too (ties share the lowest rank either way).
    ra = build_index(units, cols, weights).ranking()["rank"]
    rb = build_index(units, cols, weights, unit_order, ind_order).ranking()["rank"]
    assert (rb.loc[ra.index] == ra).all()


@settings(max_examples=30)
@given(
    table=unit_tables(values=st.integers(min_value=-1000, max_value=1000)),
    factor=st.floats(min_value=1e-3, max_value=1e3),
    data=st.data(),
)
def test_min_max_scores_ignore_a_positive_scale_of_an_indicator(table, factor, data):
    # Exact in real arithmetic; in floating point the scaled values are rounded, an error of
    # about 1e-16 · |x| / range · 100 ≤ 1e-11 on the 0–100 scale (|x| ≤ 1000, range ≥ 1).
    units, cols, weights = table
    j = data.draw(st.integers(min_value=0, max_value=len(cols) - 1))
    scaled = [c if k != j else [v * factor for v in c] for k, c in enumerate(cols)]
    a = build_index(units, cols, weights)
    b = build_index(units, scaled, weights)
    np.testing.assert_allclose(
        b.stage("normalised")[f"i{j}"].to_numpy(),
        a.stage("normalised")[f"i{j}"].to_numpy(),
        rtol=0,
        atol=1e-9,
    )
    np.testing.assert_allclose(
        b.to_pandas()["index"].to_numpy(), a.to_pandas()["index"].to_numpy(), rtol=0, atol=1e-9
    )


# --------------------------------------------------------------------------- Sobol' indices
SOBOL_N = 2**11


@settings(max_examples=10)
@given(
    a=st.lists(st.floats(min_value=0.1, max_value=5.0), min_size=2, max_size=5),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_first_order_sobol_indices_of_an_additive_model_sum_to_one(a, seed):
    # y = Σ aᵢ xᵢ with xᵢ ~ U(0, 1): V(y) = Σ aᵢ² / 12, so Sᵢ = aᵢ² / Σ a², Σ S1 = 1, and
    # ST = S1 (no interactions). Tolerance 2/√N = 0.044 at N = 2^11: the Monte Carlo rate, about
    # two standard errors of the estimators on independent points; scrambled Sobol' points do
    # far better on this smooth model (measured: errors ≤ 4.7e-3, 2.3e-3 and 0.9e-3 at N = 2^10,
    # 2^11 and 2^12 over 100 random models, falling like 1/N).
    coef = np.array(a)
    k = len(a)
    p = sa.Problem([f"x{i}" for i in range(k)], [[0.0, 1.0]] * k)
    res = sa.sobol(
        p, lambda x: x @ coef, SOBOL_N, calc_second_order=False, seed=seed, progress=False
    )
    tol = 2 / math.sqrt(SOBOL_N)
    s = res.to_salib()
    want = coef**2 / np.sum(coef**2)
    assert abs(s["S1"].sum() - 1.0) < tol, s["S1"]
    np.testing.assert_allclose(s["S1"], want, rtol=0, atol=tol)
    np.testing.assert_allclose(s["ST"], want, rtol=0, atol=tol)
    # Each error is also within the index's own 95 % bootstrap half-width (which treats the
    # points as independent, so over-states the error of a Sobol' sequence).
    assert (np.abs(s["S1"] - want) <= s["S1_conf"]).all(), (s["S1"], want, s["S1_conf"])


def test_the_sobol_tolerance_is_not_vacuous():
    # The same check rejects indices of the wrong model: swapping two unequal coefficients
    # moves S1 by far more than the tolerance, so the property test can fail.
    coef = np.array([1.0, 3.0])
    p = sa.Problem(["x0", "x1"], [[0.0, 1.0]] * 2)
    s = sa.sobol(p, lambda x: x @ coef, SOBOL_N, calc_second_order=False, progress=False)
    wrong = coef[::-1] ** 2 / np.sum(coef**2)
    assert np.abs(s.S1[0] - wrong).max() > 10 * 2 / math.sqrt(SOBOL_N)
    assert s.S1[0] == pytest.approx([0.1, 0.9], abs=2 / math.sqrt(SOBOL_N))
