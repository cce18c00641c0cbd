"""Backtests and calibration: how well the projection methods would have done on a real panel
(single split or rolling origins, with proper scores), and the split-conformal calibration of
their intervals learnt on earlier origins and scored on later ones.

Every name here is also importable from :mod:`innodex.projection` and :mod:`innodex`.

>>> from innodex.backtesting import rolling_backtest
>>> r = rolling_backtest([2019, 2020], bootstrap_paths=0)
>>> sorted(r.origins)
[2019, 2020]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_SEED
from innodex._plot import axes, legend_outside
from innodex._result import Result

_E = _core.ProjectionError

# --------------------------------------------------------------------------- backtest
class Backtest(Result):
    """The result of :func:`backtest`: ``scores`` (one row per method) and ``rows`` (every
    forecast against the actual value)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._d = data
        self.scores = pd.DataFrame(
            [
                {
                    "method": s["method"],
                    "n": s["n_forecasts"],
                    "mape": s["mape"],
                    "coverage": s["coverage"],
                    **{f"mape_h{h}": e for h, e in s["mape_by_horizon"]},
                }
                for s in data["scores"]
            ]
        ).set_index("method")
        self.scores["coverage"] = self.scores["coverage"].astype("float64")
        self.rows = pd.DataFrame(data["rows"])

    @property
    def level(self) -> float:
        """Interval coverage asked for."""
        return float(self._d["level"])

    def to_pandas(self) -> pd.DataFrame:
        """The scores: one row per method (index ``method``)."""
        return self.scores

    def plot(self, ax: Any = None, **kw: Any) -> Any:
        """MAPE (%) by forecast horizon, one line per method. Returns the Axes.

        >>> backtest(bootstrap_paths=0).plot().get_xlabel()
        'horizon (years after the split)'
        """
        cols = [c for c in self.scores.columns if c.startswith("mape_h")]
        hs = [int(c[len("mape_h"):]) for c in cols]
        ax = axes(ax)
        for method, row in self.scores[cols].iterrows():
            ax.plot(hs, row.to_numpy(dtype="float64"), marker="o", label=str(method), **kw)
        ax.set_xticks(hs)
        ax.set_xlabel("horizon (years after the split)")
        ax.set_ylabel("MAPE (%)")
        ax.set_title(f"Backtest of {self._d['variable']} (fit to {self._d['split_year']})")
        legend_outside(ax)
        return ax

    def __repr__(self) -> str:
        return (
            f"<Backtest of {self._d['variable']}: {self._d['n_series']} series, fit to "
            f"{self._d['split_year']}>"
        )


def backtest(
    split_year: int = 2020,
    *,
    column: str = "rd_expenditure_100m_yuan",
    data: pd.DataFrame | None = None,
    unit_col: str = "region_en",
    year_col: str = "year",
    last_year: int | None = None,
    level: float = 0.9,
    methods: Sequence[str | dict[str, Any]] | None = None,
    bootstrap_paths: int = 10_000,
    seed: int = DEFAULT_SEED,
    exclude: Sequence[str] = ("China",),
    max_values: int | None = None,
    max_buffer_bytes: int | None = None,
) -> Backtest:
    """Fit every method up to ``split_year`` on each unit of a panel, project the later years
    and score them: MAPE (%) overall and by horizon, and the coverage of the ``level``
    intervals. The panel is ``data`` (long form) or the shipped provincial R&D data.

    >>> b = backtest(bootstrap_paths=0)
    >>> b.scores.loc["log_linear", "n"]
    np.int64(93)

    ``max_values`` and ``max_buffer_bytes`` are the size limits of the Monte Carlo method's
    runs (as in :func:`simulate_growth`); a run above them stops the backtest with
    :class:`innodex.ProjectionError`.
    """
    cfg: dict[str, Any] = {
        "split_year": _check.year("split_year", split_year, _E),
        "last_year": _check.year("last_year", last_year, _E, none=True),
        "level": _check.real("level", level, _E),
        "bootstrap_paths": _check.integer("bootstrap_paths", bootstrap_paths, _E, minimum=0),
        "seed": _check.seed(seed, _E),
        "exclude": _check.strings("exclude", exclude),
    }
    _add_methods_and_limits(cfg, methods, max_values, max_buffer_bytes)
    return Backtest(
        json.loads(
            _core.run_backtest(
                json.dumps(cfg), csv_text=_panel_csv(data), **_columns(column, unit_col, year_col)
            )
        )
    )


# --------------------------------------------------------------------------- rolling backtest
def _score_frame(scores: list[dict[str, Any]], levels: Sequence[float]) -> pd.DataFrame:
    """One row per score: n, MAPE %, coverage and mean relative width (%) per level, CRPS %."""
    names = [f"{round(lv * 100)}" for lv in levels]
    rows = []
    for s in scores:
        row: dict[str, Any] = {
            "method": s["method"],
            "horizon": 0 if s["horizon"] is None else int(s["horizon"]),
            "n": s["n"],
            "mape": s["mape"],
        }
        cov, wid = s["coverage"], s["width"]
        for i, nm in enumerate(names):
            row[f"cov{nm}"] = cov[i] if cov else float("nan")
        for i, nm in enumerate(names):
            row[f"width{nm}"] = wid[i] if wid else float("nan")
        row["crps"] = s["crps"]
        rows.append(row)
    return pd.DataFrame(rows)


def _pit_frame(scores: list[dict[str, Any]]) -> pd.DataFrame:
    rows = {s["method"]: s["pit"] for s in scores if s["horizon"] is None and s["pit"]}
    cols = [f"{i / 10:.1f}" for i in range(10)]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("method")


class RollingBacktest(Result):
    """The result of :func:`rolling_backtest`: ``scores`` (pooled over horizons, one row per
    method), ``by_horizon`` (index method, horizon), ``pit`` (PIT histogram counts in 10 bins,
    one row per method with a predictive distribution) and ``rows`` (every forecast).

    Coverage columns ``cov50`` … are shares of actual values inside the central intervals;
    ``width50`` … mean interval widths in % of the actual value; ``crps`` the mean CRPS in %
    of the actual value (for methods without a distribution: the MAPE). Coverage and width are
    NaN for methods without a predictive distribution (``cagr``, ``mean_increment``).
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self._d = data
        levels = data["levels"]
        f = _score_frame(data["scores"], levels)
        self.scores = f[f["horizon"] == 0].drop(columns="horizon").set_index("method")
        self.by_horizon = f[f["horizon"] > 0].set_index(["method", "horizon"])
        self.pit = _pit_frame(data["scores"])
        rows = []
        for r in data["rows"]:
            row = {k: r[k] for k in ("unit", "method", "origin", "horizon", "year", "actual",
                                     "point", "pit", "crps")}
            for i, lv in enumerate(levels):
                lo, hi = r["intervals"][i] if r["intervals"] else (None, None)
                row[f"lower{round(lv * 100)}"] = lo
                row[f"upper{round(lv * 100)}"] = hi
            rows.append(row)
        self.rows = pd.DataFrame(rows)

    @property
    def levels(self) -> list[float]:
        """Interval levels scored."""
        return [float(v) for v in self._d["levels"]]

    @property
    def origins(self) -> list[int]:
        """Forecast origins."""
        return [int(v) for v in self._d["origins"]]

    def to_pandas(self) -> pd.DataFrame:
        """The pooled scores: one row per method (index ``method``)."""
        return self.scores

    def plot(self, level: float = 0.9, ax: Any = None, **kw: Any) -> Any:
        """Coverage of the central ``level`` interval by horizon, one line per method with a
        predictive distribution, against the nominal level. Returns the Axes.

        >>> rolling_backtest([2020], bootstrap_paths=0).plot().get_ylabel()
        'coverage of the 90 % interval'
        """
        lv = _check.real("level", level, _E)
        col = f"cov{round(lv * 100)}"
        if col not in self.by_horizon.columns:
            raise _E(f"level must be one of {self.levels}, got {level}")
        ax = axes(ax)
        for method, g in self.by_horizon[col].dropna().groupby(level="method", sort=False):
            hs = g.index.get_level_values("horizon")
            ax.plot(hs, g.to_numpy(dtype="float64"), marker="o", label=str(method), **kw)
        ax.axhline(lv, color="grey", linestyle="--", linewidth=1, label="nominal")
        ax.set_xlabel("horizon (years after the origin)")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"coverage of the {round(lv * 100)} % interval")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"Rolling backtest of {self._d['variable']}, origins "
                     f"{', '.join(map(str, self.origins))}")
        legend_outside(ax)
        return ax

    def plot_pit(self, method: str = "log_linear", ax: Any = None, **kw: Any) -> Any:
        """The PIT histogram of one method (flat when the predictive distributions are
        calibrated; U-shaped when too narrow). Returns the Axes.

        >>> rolling_backtest([2020], bootstrap_paths=0).plot_pit("linear").get_xlabel()
        'PIT'
        """
        m = _check.text("method", method)
        if m not in self.pit.index:
            raise _E(f"method must be one of {list(self.pit.index)}, got {m!r}")
        counts = self.pit.loc[m].to_numpy(dtype="float64")
        ax = axes(ax)
        dens = counts / counts.sum() * 10 if counts.sum() else counts
        ax.bar(np.arange(10) / 10, dens, width=0.1, align="edge", edgecolor="white", **kw)
        ax.axhline(1.0, color="grey", linestyle="--", linewidth=1)
        ax.set_xlabel("PIT")
        ax.set_ylabel("density")
        ax.set_title(f"PIT of {m} ({self._d['variable']})")
        return ax

    def __repr__(self) -> str:
        return (
            f"<RollingBacktest of {self._d['variable']}: {self._d['n_series']} series, origins "
            f"{', '.join(map(str, self.origins))}>"
        )


class CalibrationResult(Result):
    """The result of :func:`calibrate`: scores at the scoring origins before and after
    calibration (``comparison``, index method and ``calibrated``; ``by_horizon`` adds the
    horizon), and the learnt positions (``factors``, index method and horizon; per level the
    signed positions of the calibrated bounds in half-widths of the uncalibrated interval,
    ``lo90`` and ``hi90`` …, ±1 meaning unchanged, and ``n``, the learning forecasts;
    ``scheme`` says how they were learnt)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._d = data
        levels = data["levels"]
        b = _score_frame(data["before"], levels).assign(calibrated=False)
        a = _score_frame(data["after"], levels).assign(calibrated=True)
        f = pd.concat([b, a], ignore_index=True)
        self.comparison = (
            f[f["horizon"] == 0].drop(columns="horizon").set_index(["method", "calibrated"])
            .sort_index(level="method", sort_remaining=True)
        )
        self.by_horizon = f[f["horizon"] > 0].set_index(["method", "calibrated", "horizon"])
        self.factors = pd.DataFrame(
            [
                {"method": c["method"], "horizon": h["horizon"], "n": h["n"],
                 **{f"{side}{round(lv * 100)}": v
                    for lv, lo, hi in zip(levels, h["lower"], h["upper"], strict=True)
                    for side, v in (("lo", lo), ("hi", hi))}}
                for c in data["calibrations"]
                for h in c["horizons"]
            ]
        ).set_index(["method", "horizon"])

    @property
    def scheme(self) -> str:
        """How the intervals were calibrated: ``two_sided`` or ``symmetric``."""
        cals = self._d["calibrations"]
        return str(cals[0]["scheme"]) if cals else "two_sided"

    @property
    def learn_origins(self) -> list[int]:
        """Origins the factors were learnt at."""
        return [int(v) for v in self._d["learn_origins"]]

    @property
    def score_origins(self) -> list[int]:
        """Origins scored."""
        return [int(v) for v in self._d["score_origins"]]

    def to_pandas(self) -> pd.DataFrame:
        """Pooled scores before and after (index ``method``, ``calibrated``)."""
        return self.comparison

    def plot(self, ax: Any = None, **kw: Any) -> Any:
        """Coverage against nominal level, before (dashed) and after (solid) calibration, one
        colour per method. Returns the Axes.

        >>> calibrate([2018, 2019], [2020], bootstrap_paths=0).plot().get_xlabel()
        'nominal coverage'
        """
        levels = [float(v) for v in self._d["levels"]]
        cols = [f"cov{round(lv * 100)}" for lv in levels]
        ax = axes(ax)
        for i, method in enumerate(self.comparison.index.get_level_values("method").unique()):
            c = f"C{i}"
            for cal, style in ((False, "--"), (True, "-")):
                y = self.comparison.loc[(method, cal), cols].to_numpy(dtype="float64")
                ax.plot(levels, y, style, marker="o" if cal else "x", color=c,
                        label=f"{method}{', calibrated' if cal else ', before'}", **kw)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=1, label="nominal")
        ax.set_xlim(min(levels) - 0.05, 1.0)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("nominal coverage")
        ax.set_ylabel("observed coverage")
        ax.set_title(f"Calibration of {self._d['variable']} ({self.scheme.replace('_', '-')})\n"
                     f"learnt at {', '.join(map(str, self.learn_origins))}, scored at "
                     f"{', '.join(map(str, self.score_origins))} (dashed: before)",
                     fontsize="medium")
        legend_outside(ax)
        return ax

    def __repr__(self) -> str:
        return (
            f"<CalibrationResult of {self._d['variable']}: learnt at "
            f"{', '.join(map(str, self.learn_origins))}, scored at "
            f"{', '.join(map(str, self.score_origins))}>"
        )


def _rolling_cfg(
    origins: Sequence[int], horizon: int, window: int | None, levels: Sequence[float],
    methods: Sequence[str | dict[str, Any]] | None, bootstrap_paths: int, seed: int,
    exclude: Sequence[str], max_values: int | None, max_buffer_bytes: int | None,
    origins_name: str = "origins",
) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "origins": _check.integers(origins_name, origins, _E),
        "max_horizon": _check.integer("horizon", horizon, _E, minimum=1, maximum=2**31 - 1),
        "window": _check.integer("window", window, _E, minimum=2, none=True,
                                 maximum=2**31 - 1),
        "levels": _check.reals("levels", levels, _E),
        "bootstrap_paths": _check.integer("bootstrap_paths", bootstrap_paths, _E, minimum=0),
        "seed": _check.seed(seed, _E),
        "exclude": _check.strings("exclude", exclude),
    }
    for o in cfg["origins"]:
        _check.year(origins_name, o, _E)
    _add_methods_and_limits(cfg, methods, max_values, max_buffer_bytes)
    return cfg


def _add_methods_and_limits(
    cfg: dict[str, Any],
    methods: Sequence[str | dict[str, Any]] | None,
    max_values: int | None,
    max_buffer_bytes: int | None,
) -> None:
    """Adds the Monte Carlo size limits and the methods to score (a bare name stands for
    ``{"method": name}``) that are given to ``cfg``, checked; None keeps the core's defaults."""
    _check.mc_limits(cfg, max_values, max_buffer_bytes, _E)
    if methods is not None:
        if isinstance(methods, str) or not isinstance(methods, Sequence):
            raise TypeError(f"methods must be a sequence, not {type(methods).__name__}")
        cfg["methods"] = [
            {"method": m} if isinstance(m, str) else dict(_check.mapping("methods[i]", m))
            for m in methods
        ]


def _columns(column: Any, unit_col: Any, year_col: Any) -> dict[str, str]:
    """The panel's column names, checked, as the core's keywords."""
    named = (("column", column), ("unit_col", unit_col), ("year_col", year_col))
    return {k: _check.text(k, v) for k, v in named}


def _panel_csv(data: pd.DataFrame | None) -> str | None:
    if data is None:
        return None
    return _check.instance("data", data, pd.DataFrame, "a pandas DataFrame").to_csv(index=False)


def rolling_backtest(
    origins: Sequence[int] = (2017, 2018, 2019, 2020),
    *,
    horizon: int = 3,
    window: int | None = None,
    column: str = "rd_expenditure_100m_yuan",
    data: pd.DataFrame | None = None,
    unit_col: str = "region_en",
    year_col: str = "year",
    levels: Sequence[float] = (0.5, 0.8, 0.9, 0.95),
    methods: Sequence[str | dict[str, Any]] | None = None,
    bootstrap_paths: int = 2000,
    seed: int = DEFAULT_SEED,
    exclude: Sequence[str] = ("China",),
    max_values: int | None = None,
    max_buffer_bytes: int | None = None,
) -> RollingBacktest:
    """Rolling-origin backtest (Tashman 2000): at each origin, fit every method to each unit's
    data up to it, project horizons 1 … ``horizon`` and score the full predictive
    distribution: MAPE, coverage and width of the central ``levels`` intervals, CRPS and PIT,
    by method and horizon. ``window`` fits each origin to its last ``window`` observations.

    >>> b = rolling_backtest([2019, 2020], bootstrap_paths=0)
    >>> int(b.scores.loc["log_linear", "n"])
    186
    >>> list(b.pit.columns)[:3]
    ['0.0', '0.1', '0.2']
    """
    cfg = _rolling_cfg(origins, horizon, window, levels, methods, bootstrap_paths, seed,
                       exclude, max_values, max_buffer_bytes)
    return RollingBacktest(
        json.loads(
            _core.run_rolling_backtest(
                json.dumps(cfg), csv_text=_panel_csv(data), **_columns(column, unit_col, year_col)
            )
        )
    )


def calibrate(
    learn_origins: Sequence[int] = (2018, 2019),
    score_origins: Sequence[int] = (2020,),
    *,
    horizon: int = 3,
    window: int | None = None,
    column: str = "rd_expenditure_100m_yuan",
    data: pd.DataFrame | None = None,
    unit_col: str = "region_en",
    year_col: str = "year",
    levels: Sequence[float] = (0.5, 0.8, 0.9, 0.95),
    methods: Sequence[str | dict[str, Any]] | None = None,
    bootstrap_paths: int = 2000,
    seed: int = DEFAULT_SEED,
    exclude: Sequence[str] = ("China",),
    max_values: int | None = None,
    max_buffer_bytes: int | None = None,
    conformal: str = "two_sided",
) -> CalibrationResult:
    """Split-conformal calibration learnt at ``learn_origins`` (on data up to the first of
    ``score_origins`` only) and evaluated out of sample at ``score_origins``: coverage, width
    and CRPS before and after, and the positions per method, horizon and level. A learning
    origin at or after the first scoring origin raises :class:`innodex.ProjectionError`.
    ``conformal``: ``"two_sided"`` (two one-sided ranks of the signed score: moves a biased
    forecast as well as widening it) or ``"symmetric"`` (one factor for both sides).

    >>> c = calibrate([2018, 2019], [2020], bootstrap_paths=0)
    >>> round(float(c.comparison.loc[("linear", True), "cov80"]), 3)
    0.828
    >>> c.scheme
    'two_sided'
    """
    cfg = _rolling_cfg(score_origins, horizon, window, levels, methods, bootstrap_paths, seed,
                       exclude, max_values, max_buffer_bytes, "score_origins")
    if conformal not in ("two_sided", "two-sided", "symmetric"):
        raise ValueError(
            f"conformal must be 'two_sided' or 'symmetric', not {str(conformal)[:40]!r}"
        )
    cfg["conformal"] = conformal.replace("-", "_")
    learn = _check.integers("learn_origins", learn_origins, _E)
    for o in learn:
        _check.year("learn_origins", o, _E)
    return CalibrationResult(
        json.loads(
            _core.run_rolling_backtest(
                json.dumps(cfg),
                csv_text=_panel_csv(data),
                **_columns(column, unit_col, year_col),
                learn_origins=[int(v) for v in learn],
            )
        )
    )
