"""Lazy matplotlib import with a clear message when the ``plot`` extra is missing."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    """Return ``matplotlib.pyplot``, or raise ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised only without matplotlib
        raise ImportError(
            "plotting needs matplotlib: pip install 'innodex[plot]'"
        ) from e
    return plt


def axes(ax: Any = None) -> Any:
    """The given Axes, or a new figure's Axes."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(figsize=(7, 4))
    return ax


#: One colour per scenario name, the same in every figure and in the HTML report
#: (``src/run/charts.rs`` uses the same three): baseline blue, slow red, fast green.
SCENARIO_COLORS = {"baseline": "#1f77b4", "slow": "#d62728", "fast": "#2ca02c"}
_OTHER = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e"]


def scenario_color(name: str) -> str:
    """The colour of a scenario: fixed for baseline/slow/fast, and for any other name one
    chosen from its bytes (their sum modulo 7, as ``src/run/charts.rs`` does), so it does not
    change with the order of a set.

    >>> scenario_color("slow"), scenario_color("my scenario") == scenario_color("my scenario")
    ('#d62728', True)
    """
    if name in SCENARIO_COLORS:
        return SCENARIO_COLORS[name]
    return _OTHER[sum(name.encode()) % len(_OTHER)]


def count_axis(axis: Any) -> None:
    """Whole numbers with thousands separators on a count axis (700, not 700.0)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def legend_outside(ax: Any) -> None:
    """A legend right of the plot area, where it cannot cover data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              fontsize="small", frameon=False)
