"""Ratio indicators such as R&D / GDP: the share's growth arithmetic, its projection and its
sensitivity to the growth of each part, and a log-linear reference trend (the Linyi R&D-share
gap model, a case built on them, is in :mod:`innodex.datasets`). Every number is computed in
Rust (``innodex._core``).

Every name here is also importable from :mod:`innodex.sensitivity` and :mod:`innodex`.

>>> from innodex.ratio import share_growth
>>> round(share_growth(0.10, 0.05), 6)  # (1.10 / 1.05) − 1
0.047619
"""

from __future__ import annotations

import json
from typing import Any

from innodex import _check, _core

LogLinearTrend = _core.LogLinearTrend
_E = _core.SensitivityError

__all__ = [
    "LogLinearTrend",
        "project_share",
    "required_numerator_growth",
    "required_numerator_growth_vs_reference",
    "share_growth",
    "share_sensitivity",
]


def _r(name: str, v: Any) -> float:
    return _check.real(name, v, _core.GrowthError, finite=False)


def _years(year0: Any, year1: Any) -> dict[str, int]:
    named = (("year0", year0), ("year1", year1))
    return {k: _check.year(k, v, _core.GrowthError) for k, v in named}


def share_growth(g_numerator: float, g_denominator: float) -> float:
    """Growth of a share S = R / Y: (1 + g_R) / (1 + g_Y) − 1.

    >>> bool(abs(share_growth(0.1, 0.06) - (1.1 / 1.06 - 1)) < 1e-15)
    True
    """
    return _core.share_growth(_r("g_numerator", g_numerator), _r("g_denominator", g_denominator))


def project_share(
    s0: float, g_numerator: float, g_denominator: float, year0: int, year1: int
) -> float:
    """The share in ``year1``: S0 ((1 + g_R) / (1 + g_Y))^n.

    >>> s = project_share(2.0, 0.1, 0.06, 2020, 2025)
    >>> bool(abs(s - 2.0 * (1.1 / 1.06) ** 5) < 1e-12)
    True
    """
    return _core.project_share(
        _r("s0", s0), g_numerator=_r("g_numerator", g_numerator),
        g_denominator=_r("g_denominator", g_denominator), **_years(year0, year1),
    )


def required_numerator_growth(
    s0: float, s_target: float, g_denominator: float, year0: int, year1: int
) -> float:
    """Numerator growth that moves the share from ``s0`` to ``s_target`` by ``year1`` while the
    denominator grows at ``g_denominator``: (1 + g_Y)(S*/S0)^(1/n) − 1.

    >>> g = required_numerator_growth(2.0, 2.5, 0.06, 2020, 2025)
    >>> bool(abs(g - (1.06 * (2.5 / 2.0) ** (1 / 5) - 1)) < 1e-12)
    True
    """
    return _core.required_numerator_growth(
        _r("s0", s0), s_target=_r("s_target", s_target),
        g_denominator=_r("g_denominator", g_denominator), **_years(year0, year1),
    )


def required_numerator_growth_vs_reference(
    s0: float,
    g_denominator: float,
    year0: int,
    year1: int,
    reference: _core.LogLinearTrend,
    p: float,
) -> float:
    """Numerator growth that beats a trend-projected ``reference`` share in ``year1`` with
    probability ``p`` (the reference's prediction uncertainty only)."""
    return _core.required_numerator_growth_vs_reference(
        _r("s0", s0), g_denominator=_r("g_denominator", g_denominator),
        **_years(year0, year1),
        reference=_check.instance("reference", reference, _core.LogLinearTrend, "a LogLinearTrend"),
        p=_r("p", p),
    )


# ---------------------------------------------------------------------------- ratio


def share_sensitivity(
    s0: float, g_numerator: float, g_denominator: float, year0: int, year1: int
) -> dict[str, float]:
    """Elasticities and derivatives of the target-year share S0 ((1+g_R)/(1+g_Y))^n.

    >>> round(share_sensitivity(2.0, 0.1, 0.06, 2020, 2025)["elasticity_numerator_growth"], 6)
    0.454545
    """
    return dict(
        json.loads(
            _core.share_sensitivity(
                _r("s0", s0), g_numerator=_r("g_numerator", g_numerator),
                g_denominator=_r("g_denominator", g_denominator), **_years(year0, year1),
            )
        )
    )
