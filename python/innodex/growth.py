"""Growth arithmetic on floats or numpy arrays (broadcast together).

Every function takes explicit years and uses ``n = year1 - year0``; invalid input raises
:class:`innodex.GrowthError` naming the argument and the value (and the element, for arrays),
never returns NaN.

>>> from innodex import required_cagr, doubling_time
>>> round(required_cagr(750, 1500, 2020, 2025), 6)
0.148698
>>> required_cagr([750, 800], 1500, 2020, 2025).round(4)
array([0.1487, 0.134 ])
>>> round(doubling_time(0.07), 3)
10.245
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from innodex import _check, _core

ArrayLike = npt.ArrayLike
FloatOrArray = float | npt.NDArray[np.float64]


def _call(fn: Any, names: str, *args: ArrayLike) -> Any:
    """Call ``fn`` on the arguments broadcast together; ``names`` (space-separated) name them
    as the public function does, for messages."""
    arrays = []
    for name, a in zip(names.split(), args, strict=True):
        try:
            arrays.append(np.asarray(a, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be a number or an array of numbers, not {type(a).__name__}"
            ) from None
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flat = [np.ascontiguousarray(np.broadcast_to(a, shape)).ravel() for a in arrays]
    out = fn(*flat)
    if shape == ():
        return float(out[0])
    return out.reshape(shape)


@overload
def cagr(v0: float, v1: float, year0: float, year1: float) -> float: ...
@overload
def cagr(v0: ArrayLike, v1: ArrayLike, year0: ArrayLike, year1: ArrayLike) -> FloatOrArray: ...
def cagr(v0: ArrayLike, v1: ArrayLike, year0: ArrayLike, year1: ArrayLike) -> FloatOrArray:
    """Compound annual growth rate of an observed change: ``(v1 / v0) ** (1 / n) - 1``.

    >>> round(cagr(1681.9, 2386.0, 2020, 2023), 5)   # Shandong R&D spending
    0.12363
    """
    return _call(_core.cagr, "v0 v1 year0 year1", v0, v1, year0, year1)


@overload
def required_cagr(baseline: float, target: float, year0: float, year1: float) -> float: ...
@overload
def required_cagr(
    baseline: ArrayLike, target: ArrayLike, year0: ArrayLike, year1: ArrayLike
) -> FloatOrArray: ...
def required_cagr(
    baseline: ArrayLike, target: ArrayLike, year0: ArrayLike, year1: ArrayLike
) -> FloatOrArray:
    """Compound yearly growth needed to go from ``baseline`` (``year0``) to ``target`` (``year1``).

    >>> round(required_cagr(750, 1500, 2020, 2025), 9)
    0.148698355
    """
    return _call(
        _core.required_cagr, "baseline target year0 year1", baseline, target, year0, year1
    )


@overload
def required_increment(baseline: float, target: float, year0: float, year1: float) -> float: ...
@overload
def required_increment(
    baseline: ArrayLike, target: ArrayLike, year0: ArrayLike, year1: ArrayLike
) -> FloatOrArray: ...
def required_increment(
    baseline: ArrayLike, target: ArrayLike, year0: ArrayLike, year1: ArrayLike
) -> FloatOrArray:
    """Equal yearly increment needed: ``(target - baseline) / n``.

    >>> required_increment(750, 1500, 2020, 2025)
    150.0
    """
    return _call(
        _core.required_increment, "baseline target year0 year1", baseline, target, year0, year1
    )


@overload
def implied_baseline(target: float, rate: float, year0: float, year1: float) -> float: ...
@overload
def implied_baseline(
    target: ArrayLike, rate: ArrayLike, year0: ArrayLike, year1: ArrayLike
) -> FloatOrArray: ...
def implied_baseline(
    target: ArrayLike, rate: ArrayLike, year0: ArrayLike, year1: ArrayLike
) -> FloatOrArray:
    """The ``year0`` level implied by reaching ``target`` in ``year1`` at ``rate`` a year.

    >>> round(implied_baseline(1500, 2 ** 0.2 - 1, 2020, 2025), 9)
    750.0
    """
    return _call(_core.implied_baseline, "target rate year0 year1", target, rate, year0, year1)


@overload
def years_to_target(baseline: float, target: float, rate: float) -> float: ...
@overload
def years_to_target(baseline: ArrayLike, target: ArrayLike, rate: ArrayLike) -> FloatOrArray: ...
def years_to_target(baseline: ArrayLike, target: ArrayLike, rate: ArrayLike) -> FloatOrArray:
    """Years to go from ``baseline`` to ``target`` at ``rate`` a year: ``ln(t/b) / ln(1+rate)``.

    A start that already meets the target while the series does not fall takes 0 years; a
    falling series above its target (a floor) gives the years until it drops to it; a series
    below its target that does not rise raises ``GrowthError`` ("never reached").

    >>> round(years_to_target(750, 1500, 2 ** 0.2 - 1), 9)
    5.0
    >>> years_to_target(3.5, 3.0, 0.02)  # Finland's 3.5 % against a 3 % goal, rising
    0.0
    >>> round(years_to_target(3.5, 3.0, -0.05), 3)  # falling to a 3 % floor
    3.005
    """
    return _call(_core.years_to_target, "baseline target rate", baseline, target, rate)


@overload
def doubling_time(rate: float) -> float: ...
@overload
def doubling_time(rate: ArrayLike) -> FloatOrArray: ...
def doubling_time(rate: ArrayLike) -> FloatOrArray:
    """Exact doubling time ``ln 2 / ln(1 + rate)``; ``rate`` must be positive.

    >>> round(doubling_time(0.1487), 3)
    5.0
    """
    return _call(_core.doubling_time, "rate", rate)


@overload
def rule_of_70(rate: float) -> float: ...
@overload
def rule_of_70(rate: ArrayLike) -> FloatOrArray: ...
def rule_of_70(rate: ArrayLike) -> FloatOrArray:
    """The rule-of-70 approximation of the doubling time, ``70 / (100 rate)``.

    >>> round(rule_of_70(0.07), 12)
    10.0
    """
    return _call(_core.rule_of_70, "rate", rate)


#: The longest yearly path built (years); a longer one is refused before allocating: the core
#: would otherwise try to build up to 2**32 rows and abort the interpreter when memory runs out.
MAX_PATH_YEARS = 100_000


def _span(year0: Any, year1: Any) -> dict[str, int]:
    y0 = _check.year("year0", year0, _core.GrowthError)
    y1 = _check.year("year1", year1, _core.GrowthError)
    if y1 - y0 > MAX_PATH_YEARS:
        raise _core.GrowthError(
            f"year1 - year0 = {y1 - y0} years is too long a path (limit {MAX_PATH_YEARS})"
        )
    return {"year0": y0, "year1": y1}


def compound_path(baseline: float, rate: float, year0: int, year1: int) -> pd.Series:
    """Yearly values at constant growth, indexed by year (both ends included).

    >>> compound_path(750, 2 ** 0.2 - 1, 2020, 2025).round(1).tolist()
    [750.0, 861.5, 989.6, 1136.8, 1305.8, 1500.0]
    """
    years, values = _core.compound_path(
        _check.real("baseline", baseline, _core.GrowthError),
        rate=_check.real("rate", rate, _core.GrowthError),
        **_span(year0, year1),
    )
    return pd.Series(values, index=pd.Index(years, name="year"), name="compound")


def linear_path(baseline: float, increment: float, year0: int, year1: int) -> pd.Series:
    """Yearly values adding ``increment`` each year, indexed by year.

    >>> linear_path(750, 150, 2020, 2025).tolist()
    [750.0, 900.0, 1050.0, 1200.0, 1350.0, 1500.0]
    """
    years, values = _core.linear_path(
        _check.real("baseline", baseline, _core.GrowthError),
        increment=_check.real("increment", increment, _core.GrowthError),
        **_span(year0, year1),
    )
    return pd.Series(values, index=pd.Index(years, name="year"), name="linear")
