"""Growth arithmetic from Python: analytic values, arrays, errors, and invariants (hypothesis)."""

import math

import innodex
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from innodex import (
    GrowthError,
    InnodexError,
    doubling_time,
    implied_baseline,
    required_cagr,
    required_increment,
    rule_of_70,
    years_to_target,
)


def test_doubling_targets_of_the_linyi_plan():
    g = required_cagr(750, 1500, 2020, 2025)
    assert isinstance(g, float)
    assert g == pytest.approx(0.148698355, abs=1e-9)
    assert required_increment(750, 1500, 2020, 2025) == 150.0
    assert years_to_target(750, 1500, g) == pytest.approx(5.0, abs=1e-9)
    assert doubling_time(0.1487) == pytest.approx(5.0, abs=1e-3)
    assert rule_of_70(0.07) == pytest.approx(10.0, abs=1e-12)
    assert implied_baseline(1500, g, 2020, 2025) == pytest.approx(750.0, abs=1e-9)


def test_arrays_broadcast_and_keep_their_shape():
    baselines = np.array([[600.0, 750.0], [900.0, 1000.0]])
    g = required_cagr(baselines, 1500.0, 2020, 2025)
    assert g.shape == (2, 2)
    np.testing.assert_allclose(g, (1500.0 / baselines) ** 0.2 - 1, rtol=0, atol=1e-15)
    years = required_increment(750.0, 1500.0, 2020, np.array([2023, 2025, 2030]))
    np.testing.assert_allclose(years, [250.0, 150.0, 75.0])


def test_errors_name_the_field_and_value():
    with pytest.raises(GrowthError, match=r"baseline .* got -750"):
        required_cagr(-750, 1500, 2020, 2025)
    with pytest.raises(GrowthError, match=r"end year 2020 must be after start year 2025"):
        required_cagr(750, 1500, 2025, 2020)
    with pytest.raises(GrowthError, match=r"element 1: .*got 0"):
        required_cagr([750, 0], 1500, 2020, 2025)
    with pytest.raises(GrowthError, match=r"year1 must be a whole year, got 2025.5"):
        required_cagr(750, 1500, 2020, 2025.5)
    with pytest.raises(GrowthError, match="never reached"):
        years_to_target(750, 1500, -0.05)
    # One hierarchy, rooted in a ValueError.
    assert issubclass(GrowthError, InnodexError)
    assert issubclass(InnodexError, ValueError)
    with pytest.raises(ValueError):
        doubling_time(0.0)


def test_paths_as_series():
    c = innodex.compound_path(750, 2**0.2 - 1, 2020, 2025)
    lin = innodex.linear_path(750, 150, 2020, 2025)
    assert list(c.index) == list(range(2020, 2026))
    assert c.iloc[-1] == pytest.approx(1500.0, abs=1e-9)
    assert (c.iloc[1:-1] < lin.iloc[1:-1]).all()


levels = st.floats(min_value=1e-3, max_value=1e6)
ratios = st.floats(min_value=0.2, max_value=20.0).filter(lambda r: abs(r - 1) > 1e-6)


@given(levels, ratios, st.integers(min_value=1, max_value=40))
def test_required_cagr_and_years_to_target_invert(b, ratio, n):
    t = b * ratio
    g = required_cagr(b, t, 2000, 2000 + n)
    assert years_to_target(b, t, g) == pytest.approx(n, rel=1e-8)


@given(levels, ratios, st.integers(min_value=1, max_value=40))
def test_compound_path_reaches_its_target_in_the_final_year(b, ratio, n):
    t = b * ratio
    g = required_cagr(b, t, 2000, 2000 + n)
    path = innodex.compound_path(b, g, 2000, 2000 + n)
    assert path.index[-1] == 2000 + n
    assert math.isclose(path.iloc[-1], t, rel_tol=1e-9)
