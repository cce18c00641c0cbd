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
