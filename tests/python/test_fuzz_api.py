"""Fuzz the public API at the Python/Rust boundary (issue 8, item 3).

Every entry point of ``test_api.VALID`` (functions, constructors and the main methods of result
objects; ``test_api.test_every_public_callable_is_walked`` keeps that inventory complete) is
called with its valid arguments except one, replaced by a hypothesis-drawn hostile value: wrong
types, NaN, infinities, zero, negatives, integers past 64 bits, empty and (cheaply) large arrays.
Each call must either return or raise ``TypeError`` or an ``innodex.InnodexError`` subclass;
a Rust panic (``pyo3_runtime.PanicException``, a ``BaseException``) or any other exception is
a failure. A returned object is walked (floats, arrays, frames, ``to_pandas()``) and must hold
no NaN unless the API documents one (``DOCUMENTED_NAN`` lists them with the reason).

Reproducible: the ``innodex`` hypothesis profile (``conftest.py``) derandomizes the draws. The
fixed sweep (``test_special_values``) tries a representative subset of the hostile values on
every argument; hypothesis samples the full list.
"""

from __future__ import annotations

import math
from typing import Any

import innodex
import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from innodex import sensitivity as sa
from test_api import _REPO, VALID, Wrong

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class Weird:
    """Claims a length but cannot be indexed (exceptions raised by a caller's own dunders
    are theirs, so none raise here)."""

    def __len__(self) -> int:
        return 3

    def __repr__(self) -> str:
        return "<Weird>"


# Hostile values, each tried against every argument of every entry point.
SPECIAL: list[Any] = [
    None, "", "x", b"x", {}, {"a": 1}, ["a", "b"], [None], Wrong(), Weird(), object(),
    math.nan, math.inf, -math.inf, np.float64("nan"), 0, 0.0, -0.0, -1, -1.0, -0.5, 1e308,
    5e-324, 2**63, -(2**63) - 1, 10**12, 2**64 + 1, np.int64(-1), np.uint64(2**63), True,
    [], (), np.array([]), np.zeros((0, 2)), np.array([np.nan]), np.array([np.inf, 1.0]),
    [math.nan, 1.0], [math.inf], [[1.0]], [1.0] * 3, np.zeros((3, 3, 3)),
    # Large but cheap: ten thousand floats.
    np.zeros(10**4), np.ones(10**4),
]

HOSTILE = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats(),  # includes NaN, ±inf, subnormals, -0.0
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.lists(st.one_of(st.floats(), st.integers(-5, 5), st.text(max_size=2), st.none()),
             max_size=4),
    st.dictionaries(st.text(max_size=3), st.one_of(st.integers(), st.floats()), max_size=2),
)

ERRORS = (TypeError, innodex.InnodexError)

# Entry points whose valid call takes a while (a Monte Carlo run, an uncertainty analysis, a
# backtest, a figure): fewer examples, so the file stays well under a minute.
SLOW = {
    "project", "backtest", "rolling_backtest", "calibrate",
    "CompositeIndex", "Panel", "CompositeIndex.build",
    "CompositeIndex.uncertainty", "Projection.plot_fan", "Plan.plot_paths", "SobolResult.plot",
    "run_tasks", "province_tasks", "prob_beat_reference", "sobol", "morris",
    "IndexResults.pca", "IndexResults.correlations", "IndexResults.relative",
}

# NaN the API documents: entry point -> (where NaN may appear, why). A path is allowed when
# it contains one of the fragments.
_PLAN_TARGET_NAN = (
    ("['baseline']", "['target_value']", "['required_cagr']", "['required_increment']",
     "['doubling_time']", "['doubling_time_rule_of_70']"),
    "Plan.targets(): a not_assessable (qualitative) target has no baseline, level or growth",
)
DOCUMENTED_NAN: dict[str, tuple[tuple[str, ...], str]] = {
    "Plan": _PLAN_TARGET_NAN,
    "Plan.from_file": _PLAN_TARGET_NAN,
    "Plan.from_toml": _PLAN_TARGET_NAN,
    "Plan.set_observation": _PLAN_TARGET_NAN,
    # ASEM's iData has missing values and the default pipeline does not impute: the raw and
    # normalised stages and the scores keep NaN where a unit's indicator is missing.
    "CompositeIndex.build": (("result",), "missing data stays missing without imputation"),
    "IndexResults.stage": (("result",), "missing data stays missing without imputation"),
    "IndexResults.to_pandas": (("result",), "missing data stays missing without imputation"),
    # SobolResult.S2: "outputs × inputs × inputs (upper triangle)"; SALib's S2 is NaN below it.
    "SobolResult.to_salib": (("['S2']", "['S2_conf']"), "S2 holds the upper triangle only"),
    # bootstrap_paths=0 draws no intervals: nothing to cover, no bounds.
    "backtest": (("['coverage']", "['lower']", "['upper']"), "no intervals without bootstrap"),
    # Point methods (cagr, mean_increment) have no intervals: coverage, width and bounds NaN.
    "rolling_backtest": (("cov", "width", "lower", "upper", "['pit']", "rows"),
                         "point methods have no predictive distribution"),
    # "Probability of meeting each target: targets × scenarios (NaN: not projected)".
    "Projection.attainment": (("result",), "NaN marks a target not projected in a scenario"),
}


def _nan_paths(obj: Any, where: str = "result", depth: int = 0) -> list[str]:
    """Where NaN appears in a returned object (floats, arrays, frames, results)."""
    if depth > 4 or obj is None or isinstance(obj, bool | int | str | bytes):
        return []
    if isinstance(obj, float | np.floating):
        return [where] if math.isnan(obj) else []
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            return [where] if np.isnan(obj).any() else []
        if obj.dtype == object:
            return [p for i, v in enumerate(obj.ravel()[:1000])
                    for p in _nan_paths(v, f"{where}[{i}]", depth + 1)]
        return []
    if isinstance(obj, pd.DataFrame):
        # By position: with duplicate column labels, obj[col] is itself a frame.
        out = []
        for i, col in enumerate(obj.columns):
            out += _nan_paths(obj.iloc[:, i], f"{where}[{col!r}]", depth + 1)
        return out
    if isinstance(obj, pd.Series):
        if obj.dtype.kind in "fc":
            return [where] if obj.isna().any() else []
        if obj.dtype == object:
            return [p for i, v in enumerate(obj.to_numpy()[:1000])
                    for p in _nan_paths(v, f"{where}[{i}]", depth + 1)]
        return []
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _nan_paths(v, f"{where}[{k!r}]", depth + 1)]
    if isinstance(obj, list | tuple):
        return [p for i, v in enumerate(obj[:1000])
                for p in _nan_paths(v, f"{where}[{i}]", depth + 1)]
    if isinstance(obj, matplotlib.artist.Artist):
        return []
    out = []
    if callable(getattr(obj, "to_pandas", None)):
        out += _nan_paths(obj.to_pandas(), f"{where}.to_pandas()", depth + 1)
    for k, v in vars(obj).items() if hasattr(obj, "__dict__") else ():
        if not k.startswith("_"):
            out += _nan_paths(v, f"{where}.{k}", depth + 1)
    return out


def _is_package_error(e: BaseException) -> bool:
    return isinstance(e, innodex.InnodexError) and type(e).__module__.startswith("innodex")


def check_call(name: str, fn: Any, kwargs: dict[str, Any]) -> Any:
    """Call; the outcome must be a return without undocumented NaN, a TypeError or the
    package's error. Anything else (a panic above all) fails with the call spelt out."""
    shown = ", ".join(f"{k}={_short(v)}" for k, v in kwargs.items())
    try:
        out = fn(**kwargs)
    except BaseException as e:  # noqa: BLE001 - a PanicException is a BaseException
        if type(e).__name__ == "PanicException":
            pytest.fail(f"Rust panic crossed the boundary: {name}({shown}): {e!r}")
        if isinstance(e, TypeError) or _is_package_error(e):
            return e
        pytest.fail(f"{name}({shown}) raised {type(e).__module__}.{type(e).__name__}: {e}")
    finally:
        plt.close("all")
    allowed = DOCUMENTED_NAN.get(name, ((), ""))[0]
    nan = [p for p in _nan_paths(out) if not any(a in p for a in allowed)]
    assert not nan, f"{name}({shown}) returned NaN silently at {nan[:5]}"
    return out


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"array(shape={v.shape}, dtype={v.dtype})"
    if isinstance(v, list) and len(v) > 8:
        return f"[{len(v)} items]"
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


NAMES = [n for n, make in VALID.items() if make is not None]


def test_documented_nan_names_are_entry_points() -> None:
    assert set(DOCUMENTED_NAN) <= set(NAMES)
    assert SLOW <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_valid_call_returns_no_undocumented_nan(name: str) -> None:
    fn, kwargs = VALID[name](_REPO)
    out = check_call(name, fn, kwargs)
    assert not isinstance(out, BaseException), f"the valid call of {name} raised {out!r}"


def _fuzz(name: str, data: st.DataObject) -> None:
    fn, kwargs = VALID[name](_REPO)
    param = data.draw(st.sampled_from(sorted(kwargs)), label="argument")
    kwargs[param] = data.draw(HOSTILE, label="value")
    check_call(name, fn, kwargs)


@pytest.mark.parametrize("name", [n for n in NAMES if n not in SLOW])
@settings(max_examples=15)
@given(data=st.data())
def test_fuzz_entry_point(name: str, data: st.DataObject) -> None:
    _fuzz(name, data)


@pytest.mark.parametrize("name", sorted(SLOW))
@settings(max_examples=4)
@given(data=st.data())
def test_fuzz_slow_entry_point(name: str, data: st.DataObject) -> None:
    _fuzz(name, data)


# Every argument of every entry point also gets the whole SPECIAL list once, deterministically
# (hypothesis' draws above are a sample; these are the values the issue names).
def _special_cases() -> list[tuple[str, str]]:
    # The slow entry points get the hypothesis draws only (their sweep would take minutes).
    return [(n, p) for n in NAMES if n not in SLOW for p in VALID[n](_REPO)[1]]


# One of each family of hostile value (wrong type, non-finite, out of range, empty, large).
SWEEP: list[Any] = [None, "x", Wrong(), math.nan, math.inf, -1, 2**63, [], np.array([np.nan]),
                    np.zeros(10**4)]


@pytest.mark.parametrize(("name", "param"), _special_cases())
def test_special_values(name: str, param: str) -> None:
    for value in SWEEP:
        fn, kwargs = VALID[name](_REPO)
        kwargs[param] = value
        check_call(name, fn, kwargs)


# Requests too large to allocate are refused up front, with the size in the message.
@pytest.mark.parametrize(
    ("call", "err"),
    [
        (lambda: innodex.project(innodex.Plan.builtin(), n_paths=10**12, progress=False),
         innodex.ProjectionError),
        (lambda: innodex.simulate_growth(750.0, 2020, 2025, 0.1, n_paths=10**12),
         innodex.ProjectionError),
        (lambda: innodex.simulate_growth(750.0, 2020, 2025, 0.1, n_paths=2**63),
         innodex.ProjectionError),
    ],
    ids=["project", "simulate_growth", "simulate_growth_2^63"],
)
def test_huge_monte_carlo_requests_are_refused_before_any_work(call: Any, err: type) -> None:
    # Refused by a size check before allocating (10¹² paths could not even be allocated, so
    # returning at all shows nothing was attempted); no wall-clock assertion here.
    with pytest.raises(err) as info:
        call()
    # The message states the size asked for (paths × years × indicators) and the limit, or
    # (past 64 bits) that n_paths itself is out of range.
    msg = str(info.value)
    assert ("the request needs" in msg and "limit" in msg) or (
        "n_paths" in msg and "at most" in msg
    ), msg


def test_huge_sensitivity_designs_are_refused() -> None:
    p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    for fn in (sa.sobol_sample, sa.mc_sample, sa.lhs_sample, sa.morris_sample):
        with pytest.raises(innodex.InnodexError):
            fn(p, 10**12, seed=1)


# Regressions found by this fuzz.
@pytest.mark.parametrize("value", [2**63, 10**12, -(2**63)])
def test_regression_year_beyond_32_bits_raises_the_package_error(value: int) -> None:
    # Was builtins.OverflowError from the conversion to the core's i32 years.
    for fn in (innodex.compound_path, innodex.linear_path):
        with pytest.raises(innodex.GrowthError, match="year1"):
            fn(750.0, 0.1, 2020, value)
    with pytest.raises(innodex.PlanError, match="year"):
        innodex.Plan.builtin().set_observation("hte_count", value, 800.0)


def test_regression_huge_year_span_is_refused_before_allocating() -> None:
    # Was an abort of the interpreter (the core tried to allocate 64 GiB for 2**32 rows).
    for fn in (innodex.compound_path, innodex.linear_path):
        with pytest.raises(innodex.GrowthError, match="too long"):
            fn(1.0, 0.0, -(2**31), 2**31 - 1)


def test_regression_seed_past_64_bits_raises_the_package_error() -> None:
    with pytest.raises(innodex.InnodexError, match="seed"):
        sa.mc_sample(sa.Problem(["a"], [[0, 1]]), 4, seed=2**64 + 1)


def test_seeds_take_the_cores_whole_unsigned_64_bit_range() -> None:
    # The core's seeds are u64: Python took only up to 2**63 - 1 before.
    top = 2**64 - 1
    a = innodex.simulate_growth(750.0, 2020, 2025, {"dist": "normal", "mean": 0.1, "sd": 0.05},
                                n_paths=500, seed=top)
    b = innodex.simulate_growth(750.0, 2020, 2025, {"dist": "normal", "mean": 0.1, "sd": 0.05},
                                n_paths=500, seed=top)
    c = innodex.simulate_growth(750.0, 2020, 2025, {"dist": "normal", "mean": 0.1, "sd": 0.05},
                                n_paths=500, seed=2**63 - 1)
    assert a.fan.equals(b.fan)
    assert not a.fan.loc[2025].equals(c.fan.loc[2025])
    assert a.n_paths == 500
    p = innodex.project(innodex.Plan.builtin(), n_paths=200, seed=top, progress=False)
    assert p.seed == top
    problem = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    for fn in (sa.sobol_sample, sa.mc_sample, sa.lhs_sample, sa.morris_sample):
        x = fn(problem, 8, seed=top)
        assert x.shape[1] == 2 and np.all((x >= 0) & (x <= 1))
        with pytest.raises(innodex.InnodexError, match="seed must be at most 18446744073709551615"):
            fn(problem, 8, seed=2**64)
    with pytest.raises(innodex.ProjectionError, match="seed"):
        innodex.simulate_growth(750.0, 2020, 2025, 0.1, n_paths=10, seed=2**64)


def test_quantile_columns_keep_distinct_quantiles_apart() -> None:
    # Found by the property tests: 0 and 1.2e-7 were both named "q0".
    r = innodex.simulate_growth(750.0, 2020, 2025, {"dist": "normal", "mean": 0.1, "sd": 0.05},
                                n_paths=2000, seed=3, quantiles=[0.0, 1.2e-7, 0.5, 1.0])
    assert list(r.fan.columns) == ["q0", "q1.2e-05", "q50", "q100"]
    assert (r.fan["q0"] <= r.fan["q1.2e-05"]).all() and (r.fan["q50"] <= r.fan["q100"]).all()
    with pytest.raises(innodex.ProjectionError, match="quantile = 0.5: is listed twice"):
        innodex.simulate_growth(750.0, 2020, 2025, 0.1, n_paths=10, quantiles=[0.5, 0.5])


def test_backtest_size_limits_stop_the_run_and_can_be_raised() -> None:
    # 1000 bootstrap paths × 4 years (2020–2023) per province.
    with pytest.raises(innodex.ProjectionError, match="needs 4000, above the limit of 3999"):
        innodex.backtest(bootstrap_paths=1000, max_values=3999)
    b = innodex.backtest(bootstrap_paths=1000, max_values=4000)
    assert b.scores.loc["bootstrap_growth", "n"] == 93
    with pytest.raises(innodex.ProjectionError, match="max_values must be at least 1"):
        innodex.backtest(bootstrap_paths=10, max_values=0)
