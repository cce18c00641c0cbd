"""Sobol' indices through time (re-exported by :mod:`innodex.sensitivity`).

A model with one output per year of a horizon is evaluated once on one Saltelli design; the
indices of every year come from the same evaluations (``innodex._core.sobol_over_time_run``),
and those of a year equal, bit for bit, a single-output analysis of that year's column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_SEED
from innodex._plot import axes, legend_outside
from innodex._result import Result

if TYPE_CHECKING:
    from innodex.sensitivity import Model, Problem, SobolResult

_E = _core.SensitivityError


class SobolOverTimeResult(Result):
    """First- and total-order Sobol' indices (and second order when asked) of every year, with
    bootstrap intervals. ``to_pandas()`` is tidy (year, input, index, value, conf, low, high);
    ``plot_area()`` stacks S1 by year, ``plot()`` draws S1 and ST lines. Pickles.
    """

    def __init__(self, core: _core.SobolOverTime) -> None:
        self._core = core

    @property
    def years(self) -> list[int]:
        """The years, one per model output."""
        return list(self._core.years)

    @property
    def sobol(self) -> SobolResult:
        """The indices as a :class:`innodex.sensitivity.SobolResult` (outputs named by year)."""
        from innodex.sensitivity import SobolResult

        return SobolResult(self._core.sobol())

    @property
    def names(self) -> list[str]:
        """Input names."""
        return list(self._core.sobol().names)

    @property
    def warnings(self) -> list[str]:
        """Warnings about the analysis."""
        return list(self._core.sobol().warnings)

    @property
    def S1(self) -> npt.NDArray[np.float64]:  # noqa: N802 - SALib's name
        """First-order indices, years × inputs."""
        return self._core.sobol().s1()

    @property
    def ST(self) -> npt.NDArray[np.float64]:  # noqa: N802 - SALib's name
        """Total-order indices, years × inputs."""
        return self._core.sobol().st()

    def dominant(self) -> pd.Series:
        """The input with the largest first-order index in each year (index ``year``)."""
        s1 = self.S1
        return pd.Series([self.names[j] for j in np.argmax(s1, axis=1)],
                         index=pd.Index(self.years, name="year"), name="dominant_input")

    def to_pandas(self) -> pd.DataFrame:
        """One row per (year, input, index): columns ``year``, ``input``, ``index`` (S1, ST,
        S2), ``value``, ``conf`` (z·sd half-width), ``low``, ``high`` (percentile interval;
        NaN for S2, whose input reads ``"a:b"``).

        >>> from innodex import sensitivity as sa
        >>> p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
        >>> r = sa.sobol_over_time(p, lambda X: np.c_[X[:, 0], X[:, 0] + 3 * X[:, 1]], 512,
        ...                        years=[2024, 2025], progress=False)
        >>> df = r.to_pandas()
        >>> list(df.columns), len(df)
        (['year', 'input', 'index', 'value', 'conf', 'low', 'high'], 8)
        >>> r.dominant().to_dict()
        {2024: 'a', 2025: 'b'}
        """
        core = self._core.sobol()
        years, names = self.years, self.names
        frames = []
        for index, v, c, iv in (("S1", core.s1(), core.s1_conf(), core.s1_interval()),
                                ("ST", core.st(), core.st_conf(), core.st_interval())):
            yy, jj = np.meshgrid(np.arange(len(years)), np.arange(len(names)), indexing="ij")
            frames.append(pd.DataFrame({
                "year": np.asarray(years)[yy.ravel()],
                "input": np.asarray(names, dtype=object)[jj.ravel()],
                "index": index,
                "value": v.ravel(),
                "conf": c.ravel(),
                "low": iv[..., 0].ravel(),
                "high": iv[..., 1].ravel(),
            }))
        s2, s2c = core.s2(), core.s2_conf()
        if s2 is not None and s2c is not None:
            rows = [(y, f"{names[i]}:{names[j]}", "S2", s2[t, i, j], s2c[t, i, j], np.nan, np.nan)
                    for t, y in enumerate(years)
                    for i in range(len(names)) for j in range(i + 1, len(names))]
            frames.append(pd.DataFrame(rows, columns=list(frames[0].columns)))
        df = pd.concat(frames, ignore_index=True)
        df["_order"] = df["index"].map({"S1": 0, "ST": 1, "S2": 2})
        df = df.sort_values(["year", "_order"], kind="stable")
        return df.drop(columns="_order").reset_index(drop=True)

    def plot_area(self, ax: Any = None) -> Any:
        """First-order indices stacked by year (negative estimates drawn as 0), with the part
        of the variance that no input explains alone (1 − Σ S1: interactions) on top."""
        ax = axes(ax)
        s1 = np.clip(self.S1, 0.0, None)
        rest = np.clip(1.0 - s1.sum(axis=1), 0.0, None)
        ax.stackplot(self.years, *s1.T, rest, labels=[*self.names, "interactions (1 − Σ S1)"],
                     colors=[*[f"C{i % 10}" for i in range(len(self.names))], "0.85"])
        ax.set_xticks(self.years, [str(y) for y in self.years])
        ax.set_ylim(0, max(1.0, float((s1.sum(axis=1) + rest).max())))
        ax.set_xlabel("year")
        ax.set_ylabel("share of the output's variance")
        ax.set_title("First-order Sobol' indices by year")
        legend_outside(ax)
        return ax

    def plot(self, ax: Any = None) -> Any:
        """S1 (solid, with its percentile interval shaded) and ST (dashed) of every input by
        year; returns the Axes."""
        ax = axes(ax)
        core = self._core.sobol()
        iv = core.s1_interval()
        for j, name in enumerate(self.names):
            color = f"C{j % 10}"
            ax.plot(self.years, self.S1[:, j], "-o", color=color, label=f"{name} S1")
            ax.plot(self.years, self.ST[:, j], "--", color=color, label=f"{name} ST")
            ax.fill_between(self.years, iv[:, j, 0], iv[:, j, 1], color=color, alpha=0.15)
        ax.set_xticks(self.years, [str(y) for y in self.years])
        ax.set_xlabel("year")
        ax.set_ylabel("Sobol' index")
        ax.set_title("Sobol' indices by year (S1 solid, ST dashed)")
        legend_outside(ax)
        return ax

    _html_float = "{:.4f}"

    def __repr__(self) -> str:
        return repr(self._core)

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return (SobolOverTimeResult, (self._core,))


def sobol_over_time(
    problem: Problem,
    model: Model,
    N: int,  # noqa: N803 - SALib's name
    years: Any = None,
    calc_second_order: bool = False,
    scramble: bool | str = True,
    skip_values: int = 0,
    seed: int = DEFAULT_SEED,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    batch_rows: int = 16384,
    progress: bool | str = "auto",
    threads: int | None = None,
    concurrent_batches: bool = False,
) -> SobolOverTimeResult:
    """Yearly Sobol' indices: ``model(X)`` returns one column per year (``years``, strictly
    increasing; None numbers the columns 0, 1, …); one Saltelli design of base size ``N`` is
    evaluated once and every year analysed (S1, ST, and S2 with ``calc_second_order``), with
    bootstrap intervals. The other arguments are those of :func:`innodex.sensitivity.sobol`.
    """
    from innodex.sensitivity import (
        _analysis_options,
        _design_options,
        _model_with_bar,
        _n,
        _problem,
        _saltelli_rows,
        _warn,
    )

    p = _problem(problem)
    n = _n("N", N)
    second = _check.flag("calc_second_order", calc_second_order)
    if years is not None:
        years = [_check.year(f"years[{i}]", y, _E) for i, y in enumerate(_check.integers(
            "years", years, _E))]
    rows = _saltelli_rows(n, len(p), second)
    with _model_with_bar(model, progress, "Sobol' by year", rows) as m:
        res = SobolOverTimeResult(
            _core.sobol_over_time_run(
                p._core,
                model=m,
                n=n,
                years=years,
                calc_second_order=second,
                **_design_options(scramble, skip_values),
                **_analysis_options(seed, num_resamples, conf_level),
                batch_rows=_check.integer("batch_rows", batch_rows, _E, minimum=1),
                threads=_check.threads(threads),
                concurrent_batches=_check.flag("concurrent_batches", concurrent_batches),
            )
        )
    _warn(res.warnings)
    return res
