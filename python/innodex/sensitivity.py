"""Sensitivity analysis: Sobol', Morris and one-at-a-time (ratio indicators: :mod:`innodex.ratio`).

Every number is computed in Rust (``innodex._core``); this module adds SALib-like calls,
pandas frames and matplotlib plots. A SALib user maps calls one to one:

============================================  ==============================================
SALib                                         innodex.sensitivity
============================================  ==============================================
``problem = {"names": …, "bounds": …}``       ``Problem(names, bounds)`` or
                                              ``Problem.from_salib(problem)``
``SALib.sample.sobol.sample(problem, N)``     ``sobol_sample(problem, N)``
``SALib.analyze.sobol.analyze(problem, Y)``   ``sobol_analyze(problem, Y)`` (Y may have many
                                              columns: one analysis per output)
``SALib.sample.morris.sample(problem, N)``    ``morris_sample(problem, N)``
``SALib.analyze.morris.analyze(problem,X,Y)`` ``morris_analyze(problem, X, Y)``
``SALib.sample.latin.sample(problem, N)``     ``lhs_sample(problem, N)``
sample + evaluate + analyse                   ``sobol(problem, model, N)``,
                                              ``morris(problem, model, N)``
``Si.to_df()``                                ``result.to_pandas()``
(no SALib equivalent)                         ``sobol_over_time(problem, model, N, years)``,
                                              ``shapley(problem, model, corr=…)``
============================================  ==============================================

>>> import numpy as np
>>> from innodex import sensitivity as sa
>>> p = sa.Problem(["x1", "x2"], [[0, 1], [0, 1]])
>>> res = sa.sobol(p, lambda X: X[:, 0] + 2 * X[:, 1], 1024, seed=1)
>>> res.to_pandas().loc[("y0", "x2"), "ST"].round(1)
np.float64(0.8)
"""

from __future__ import annotations

import contextlib
import json
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_SEED
from innodex._plot import axes, legend_outside
from innodex._progress import Bar
from innodex._result import CoreResult, Result, interval_columns
from innodex._shapley import ShapleyResult, shapley
from innodex._sobol_time import SobolOverTimeResult, sobol_over_time

# Ratio indicators live in innodex.ratio; their names stay importable from here.
from innodex.ratio import (
    LogLinearTrend,
    project_share,
    required_numerator_growth,
    required_numerator_growth_vs_reference,
    share_growth,
    share_sensitivity,
)

Model = Callable[[npt.NDArray[np.float64]], Any]

__all__ = [
    "Grid",
    "LogLinearTrend",
    "MorrisResult",
    "Problem",
    "SensitivityWarning",
    "ShapleyResult",
    "SobolOverTimeResult",
    "SobolResult",
    "Tornado",
    "grid",
    "lhs_sample",
    "mc_sample",
    "morris",
    "morris_analyze",
    "morris_sample",
    "prob_beat_reference",
    "project_share",
    "required_numerator_growth",
    "required_numerator_growth_vs_reference",
    "share_growth",
    "share_sensitivity",
    "shapley",
    "sobol",
    "sobol_analyze",
    "sobol_over_time",
    "sobol_sample",
    "tornado",
]


class SensitivityWarning(UserWarning):
    """A result is computed but something about it needs attention (e.g. N not 2^m)."""


def _warn(messages: Sequence[str]) -> None:
    for m in messages:
        warnings.warn(m, SensitivityWarning, stacklevel=3)


# ---------------------------------------------------------------------------- problem

# The parameters each distribution name takes (SALib's five, then innodex's two).
_DIST_PARAMETERS = {
    "unif": "[lower, upper]",
    "norm": "[mean, sd]",
    "truncnorm": "[lower, upper, mean, sd]",
    "triang": "[lower, upper, peak as a fraction of the width]",
    "lognorm": "[mean, sd of ln x]",
    "pert": "[lower, mode, upper] or [lower, mode, upper, lambda]",
    "empirical": "[value, value, ...] (at least two different values)",
}


def _dist(kind: str, b: Sequence[float], name: str = "bounds") -> dict[str, Any]:
    """The core's problem form of one input's distribution; ``name`` names ``b`` in errors."""
    b = [float(v) for v in b]
    counts = {"unif": (2,), "norm": (2,), "truncnorm": (4,), "triang": (3,), "lognorm": (2,),
              "pert": (3, 4)}
    if kind not in _DIST_PARAMETERS:
        raise _core.SensitivityError(
            f"unknown distribution {kind!r}; expected one of {sorted(_DIST_PARAMETERS)}"
        )
    if kind in counts and len(b) not in counts[kind]:
        raise _core.SensitivityError(
            f"{name} for {kind!r} must be {_DIST_PARAMETERS[kind]}, got {len(b)} values"
        )
    if kind == "unif":
        return {"kind": "uniform", "lower": b[0], "upper": b[1]}
    if kind == "norm":
        return {"kind": "normal", "mean": b[0], "sd": b[1]}
    if kind == "truncnorm":
        return {"kind": "truncated_normal", "lower": b[0], "upper": b[1], "mean": b[2], "sd": b[3]}
    if kind == "triang":
        # SALib's three-value form: start, end, peak as a fraction of the width.
        lo, hi, c = b
        return {"kind": "triangular", "lower": lo, "upper": hi, "mode": lo + c * (hi - lo)}
    if kind == "lognorm":
        return {"kind": "log_normal", "mu": b[0], "sigma": b[1]}
    if kind == "pert":
        return {"kind": "pert", "lower": b[0], "mode": b[1], "upper": b[2],
                "lambda": b[3] if len(b) == 4 else 4.0}
    return {"kind": "empirical", "values": b}


class Problem(Result):
    """Named inputs with bounds or distributions (SALib's ``problem`` dict).

    ``bounds[i]`` holds the parameters of ``dists[i]`` as in SALib: ``unif`` [lower, upper]
    (the default), ``norm`` [mean, sd], ``truncnorm`` [lower, upper, mean, sd], ``triang``
    [lower, upper, peak as a fraction of the width], ``lognorm`` [mean, sd of ln x]; and beyond
    SALib, ``pert`` [lower, mode, upper] (λ = 4) or [lower, mode, upper, λ] (beta-PERT) and
    ``empirical`` [values…] (equally likely). Invalid input raises
    :class:`innodex.SensitivityError`.

    >>> Problem(["a", "b"], [[0, 1], [0, 2]]).names
    ['a', 'b']
    >>> import innodex
    >>> try:
    ...     Problem(["a"], [[1, 1]])
    ... except innodex.SensitivityError as e:
    ...     print(e)
    input 'a': lower bound 1 must be below upper bound 1 (both finite)
    """

    def __init__(
        self,
        names: Sequence[str],
        bounds: Sequence[Sequence[float]],
        dists: Sequence[str] | None = None,
    ) -> None:
        names = _check.strings("names", names)
        dists = _check.strings("dists", dists, none=True)
        if isinstance(bounds, str) or not isinstance(bounds, Sequence | np.ndarray):
            raise TypeError(f"bounds must be a sequence of [low, high] pairs, not "
                            f"{type(bounds).__name__}")
        bounds = [_check.reals(f"bounds[{i}]", b, _E) for i, b in enumerate(bounds)]
        if len(names) != len(bounds) or (dists is not None and len(dists) != len(names)):
            raise _core.SensitivityError("names, bounds and dists must have the same length")
        kinds = list(dists) if dists is not None else ["unif"] * len(names)
        inputs = [
            {"name": str(n), "distribution": _dist(k, b, f"bounds[{i}]")}
            for i, (n, b, k) in enumerate(zip(names, bounds, kinds, strict=True))
        ]
        self._core = _core.Problem.from_json(json.dumps(inputs))

    @classmethod
    def from_salib(cls, problem: dict[str, Any]) -> Problem:
        """From a SALib problem dict (``names``, ``bounds``, optional ``dists``).

        Grouped inputs (SALib's ``groups`` with a group shared by several inputs) are not
        supported and raise :class:`innodex.SensitivityError`; one group per input (which SALib
        itself writes into the dict) is accepted.
        """
        missing = [k for k in ("names", "bounds") if k not in problem]
        if missing:
            raise _core.SensitivityError(
                f"a SALib problem dict needs {' and '.join(map(repr, missing))} "
                f"(it has {', '.join(map(repr, problem)) or 'no keys'})"
            )
        groups = problem.get("groups")
        if groups is not None and len(set(groups)) != len(list(groups)):
            raise _core.SensitivityError("grouped inputs ('groups') are not supported")
        return cls(problem["names"], problem["bounds"], problem.get("dists"))

    @classmethod
    def _wrap(cls, core: _core.Problem) -> Problem:
        p = cls.__new__(cls)
        p._core = core
        return p

    @property
    def names(self) -> list[str]:
        """Input names."""
        return list(self._core.names)

    def __len__(self) -> int:
        return len(self._core)

    def medians(self) -> npt.NDArray[np.float64]:
        """Each input's median (the centre of its range for a uniform input), in input order:
        the usual base point of one-at-a-time analyses.

        >>> Problem(["a", "b"], [[0, 1], [2, 6]]).medians().tolist()
        [0.5, 4.0]
        """
        return np.asarray(self._core.medians(), dtype=np.float64)

    def to_pandas(self) -> pd.DataFrame:
        """One row per input: its distribution and parameters (index ``input``)."""
        rows = [
            {"input": i["name"], **i["distribution"]} for i in json.loads(self._core.to_json())
        ]
        return pd.DataFrame(rows).set_index("input")

    def __repr__(self) -> str:
        return repr(self._core)



_E = _core.SensitivityError


def _model(
    model: Model, bar: Bar | None = None, total: int = 0
) -> Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    """A vectorised model as the core expects it: a C-ordered 2-D float64 array out.

    A model written for one row at a time (``lambda r: r[0] + 2 * r[1]``) works too: when the
    first call with a matrix fails or gives a number of values that is not one per row, and the
    model called on each row does work, every later batch is evaluated row by row, with a
    one-time warning that this is slower (a Python call per row, against one call per
    16,384-row batch for a vectorised model). An exception that the row-by-row call raises as
    well propagates unchanged.

    With a progress ``bar``, every call advances it by its rows: the core calls the model once
    per batch (16,384 rows by default) with the GIL, so the bar costs one update per batch.
    """
    if not callable(model):
        raise TypeError(f"model must be callable, not {type(model).__name__}")
    done = [0]
    by_row = [False]

    def rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.array([np.asarray(model(r), dtype=np.float64) for r in x], dtype=np.float64)

    def vectorised(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if by_row[0]:
            return rows(x)
        try:
            y = np.asarray(model(x), dtype=np.float64)
            fits = y.ndim in (1, 2) and y.shape[0] == x.shape[0]
            error: BaseException | None = None
        except Exception as e:  # noqa: BLE001 - retried row by row, re-raised if that fails
            fits, error = False, e
        if fits:
            return y
        try:
            y_rows = rows(x)
        except Exception:
            if error is not None:
                raise error from None
            return y  # the core names the shape problem
        by_row[0] = True
        warnings.warn(
            "innodex: the model takes one row at a time, so it is called once per row; a model "
            "that takes the whole matrix (one row per sample) is much faster",
            stacklevel=4,
        )
        return y_rows

    lock = threading.Lock()  # batches may be evaluated from several threads at once

    def call(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        y = vectorised(x)
        if y.ndim == 1:
            y = y[:, None]
        if bar is not None:
            with lock:
                done[0] += x.shape[0]
                bar.update(done[0], total)
        return np.ascontiguousarray(y)

    return call


@contextlib.contextmanager
def _model_with_bar(
    model: Model, progress: Any, desc: str, rows: int
) -> Iterator[Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]]:
    """The model as the core expects it (:func:`_model`), counting the ``rows`` of the design it
    evaluates on a progress bar (``progress`` as the public calls take it) that closes when the
    block ends."""
    with Bar(_check.progress(progress), desc, "rows") as bar:
        # One more row than the design: the core first calls the model on a single row to learn
        # the number of outputs.
        yield _model(model, bar if bar.callback is not None else None, rows + 1)


def _saltelli_rows(n: int, k: int, second_order: bool) -> int:
    """Rows of Saltelli's design of base size ``n`` for ``k`` inputs: N(2k + 2) with second
    order indices, N(k + 2) without."""
    return n * ((2 if second_order else 1) * k + 2)


def _problem(problem: Any) -> Problem:
    """A Problem, or SALib's problem dict (``{"names": …, "bounds": …}``) made into one."""
    if isinstance(problem, Mapping):
        return Problem.from_salib(problem)
    return _check.instance(
        "problem", problem, Problem, "an innodex.sensitivity.Problem or a SALib problem dict"
    )


def _n(name: str, n: Any) -> int:
    return _check.integer(name, n, _E, minimum=1)


def _scramble(scramble: bool | str) -> str:
    if scramble is True:
        return "lms"
    if scramble is False:
        return "none"
    return _check.text("scramble", scramble)


def _design_options(scramble: bool | str, skip_values: Any) -> dict[str, Any]:
    """The Sobol'-sequence options of a Saltelli design, checked, as the core's keywords."""
    return {
        "scramble": _scramble(scramble),
        "skip_values": _check.integer("skip_values", skip_values, _E, minimum=0),
    }


def _analysis_options(seed: Any, num_resamples: Any, conf_level: Any) -> dict[str, Any]:
    """The bootstrap options every analysis takes, checked, as the core's keywords."""
    return {
        "seed": _check.seed(seed, _E),
        "num_resamples": _check.integer("num_resamples", num_resamples, _E, minimum=0),
        "conf_level": _check.real("conf_level", conf_level, _E),
    }


# ---------------------------------------------------------------------------- results


class SobolResult(CoreResult):
    """Sobol' indices of every model output, with bootstrap intervals.

    ``to_pandas()`` gives one row per (output, input); ``to_salib(output)`` gives SALib's dict
    keys (``S1``, ``S1_conf``, ``ST``, ``ST_conf``, ``S2``, ``S2_conf``). Pickles.
    """

    @property
    def S1(self) -> npt.NDArray[np.float64]:  # noqa: N802 - SALib's name
        """First-order indices, outputs × inputs."""
        return self._core.s1()

    @property
    def ST(self) -> npt.NDArray[np.float64]:  # noqa: N802 - SALib's name
        """Total-order indices, outputs × inputs."""
        return self._core.st()

    @property
    def S2(self) -> npt.NDArray[np.float64] | None:  # noqa: N802 - SALib's name
        """Second-order indices, outputs × inputs × inputs (upper triangle), or None."""
        return self._core.s2()

    def to_salib(self, output: int | str = 0) -> dict[str, npt.NDArray[np.float64]]:
        """SALib's result keys for one output."""
        o = self._out(output)
        d = {
            "S1": self._core.s1()[o],
            "S1_conf": self._core.s1_conf()[o],
            "ST": self._core.st()[o],
            "ST_conf": self._core.st_conf()[o],
        }
        s2 = self._core.s2()
        s2c = self._core.s2_conf()
        if s2 is not None and s2c is not None:
            d["S2"] = s2[o]
            d["S2_conf"] = s2c[o]
        return d

    def to_pandas(self) -> pd.DataFrame:
        """First- and total-order indices: index (output, input); columns S1, S1_conf, S1_low,
        S1_high, ST, ST_conf, ST_low, ST_high (low/high: percentile bootstrap interval)."""
        s1, st = self._core.s1(), self._core.st()
        s1c, stc = self._core.s1_conf(), self._core.st_conf()
        s1i, sti = self._core.s1_interval(), self._core.st_interval()
        return self._by_output_and_input(
            {
                "S1": s1,
                "S1_conf": s1c,
                **interval_columns(s1i, "S1_"),
                "ST": st,
                "ST_conf": stc,
                **interval_columns(sti, "ST_"),
            }
        )

    def second_order_pandas(self) -> pd.DataFrame:
        """Second-order indices: index (output, input_1, input_2); columns S2, S2_conf."""
        s2, s2c = self._core.s2(), self._core.s2_conf()
        if s2 is None or s2c is None:
            raise _core.SensitivityError("no second-order indices (second_order=False)")
        rows = []
        k = len(self.names)
        for o, out in enumerate(self.output_names):
            for i in range(k):
                for j in range(i + 1, k):
                    rows.append((out, self.names[i], self.names[j], s2[o, i, j], s2c[o, i, j]))
        df = pd.DataFrame(rows, columns=["output", "input_1", "input_2", "S2", "S2_conf"])
        return df.set_index(["output", "input_1", "input_2"])

    def plot(self, ax: Any = None, output: int | str = 0) -> Any:
        """Bars of S1 and ST with their intervals for one output; returns the Axes."""
        ax = axes(ax)
        o = self._out(output)
        x = np.arange(len(self.names))
        w = 0.38
        ax.bar(
            x - w / 2, self._core.s1()[o], w, yerr=self._core.s1_conf()[o], label="first order S1"
        )
        ax.bar(
            x + w / 2, self._core.st()[o], w, yerr=self._core.st_conf()[o], label="total order ST"
        )
        ax.set_xticks(x, self.names, rotation=30, ha="right")
        ax.set_ylabel("Sobol' index")
        ax.set_title(f"Sobol' indices of {self.output_names[o]} (N = {self._core.n})")
        ax.axhline(0, color="black", lw=0.5)
        ax.legend()
        return ax

    def plot_second_order(self, ax: Any = None, output: int | str = 0) -> Any:
        """Heat map of the second-order indices S2 (upper triangle) of one output."""
        s2 = self._core.s2()
        if s2 is None:
            raise _core.SensitivityError("no second-order indices (second_order=False)")
        ax = axes(ax)
        o = self._out(output)
        m = np.ma.masked_invalid(s2[o])
        mesh = ax.imshow(m, cmap="viridis")
        ax.figure.colorbar(mesh, ax=ax, label="S2")
        ticks = np.arange(len(self.names))
        ax.set_xticks(ticks, self.names, rotation=30, ha="right")
        ax.set_yticks(ticks, self.names)
        ax.set_title(f"Second-order Sobol' indices of {self.output_names[o]}")
        return ax

    _html_float = "{:.4f}"


class MorrisResult(CoreResult):
    """Morris statistics (μ, μ*, σ, μ* interval) of every output. Pickles."""

    def to_salib(self, output: int | str = 0) -> dict[str, Any]:
        """SALib's result keys for one output."""
        o = self._out(output)
        return {
            "names": self.names,
            "mu": self._core.mu()[o],
            "mu_star": self._core.mu_star()[o],
            "sigma": self._core.sigma()[o],
            "mu_star_conf": self._core.mu_star_conf()[o],
        }

    def to_pandas(self) -> pd.DataFrame:
        """Index (output, input); columns mu, mu_star, sigma, mu_star_conf, mu_star_low,
        mu_star_high."""
        return self._by_output_and_input(
            {
                "mu": self._core.mu(),
                "mu_star": self._core.mu_star(),
                "sigma": self._core.sigma(),
                "mu_star_conf": self._core.mu_star_conf(),
                **interval_columns(self._core.mu_star_interval(), "mu_star_"),
            }
        )

    def plot(self, ax: Any = None, output: int | str = 0) -> Any:
        """μ* against σ (Morris's plot), labelled, with μ* intervals; returns the Axes."""
        ax = axes(ax)
        o = self._out(output)
        ms, sg, c = self._core.mu_star()[o], self._core.sigma()[o], self._core.mu_star_conf()[o]
        ax.errorbar(ms, sg, xerr=c, fmt="o")
        for name, a, b in zip(self.names, ms, sg, strict=True):
            ax.annotate(name, (a, b), textcoords="offset points", xytext=(4, 4))
        ax.margins(0.12)  # room for the labels at the edges
        ax.set_xlabel("μ* (mean absolute elementary effect)")
        ax.set_ylabel("σ (interactions, non-linearity)")
        ax.set_title(f"Morris screening of {self.output_names[o]}")
        return ax

    _html_float = "{:.4f}"


# ---------------------------------------------------------------------------- designs


def sobol_sample(
    problem: Problem,
    N: int,  # noqa: N803 - SALib's name
    calc_second_order: bool = True,
    scramble: bool | str = True,
    skip_values: int = 0,
    seed: int = DEFAULT_SEED,
) -> npt.NDArray[np.float64]:
    """Saltelli's design on a Sobol' sequence (rows as SALib orders them).

    ``scramble``: True/"lms" (linear matrix scrambling + digital shift, as SciPy/SALib),
    "shift" (digital shift only) or False/"none". N not a power of two warns.
    """
    x, w = _core.sobol_sample(
        _problem(problem)._core,
        n=_n("N", N),
        calc_second_order=_check.flag("calc_second_order", calc_second_order),
        **_design_options(scramble, skip_values),
        seed=_check.seed(seed, _E),
    )
    _warn(w)
    return x


def morris_sample(
    problem: Problem,
    N: int,  # noqa: N803 - SALib's name
    num_levels: int = 4,
    optimal_trajectories: int | None = None,
    seed: int = DEFAULT_SEED,
) -> npt.NDArray[np.float64]:
    """N Morris trajectories (the r most spread out of ``optimal_trajectories`` if given)."""
    return _core.morris_sample(
        _problem(problem)._core,
        r=_n("N", N),
        num_levels=_check.integer("num_levels", num_levels, _E, minimum=2),
        optimal_trajectories=_check.integer(
            "optimal_trajectories", optimal_trajectories, _E, minimum=1, none=True
        ),
        seed=_check.seed(seed, _E),
    )


def mc_sample(problem: Problem, N: int, seed: int = DEFAULT_SEED) -> npt.NDArray[np.float64]:  # noqa: N803
    """Plain Monte Carlo sample."""
    seed = _check.seed(seed, _E)
    return _core.mc_sample(_problem(problem)._core, _n("N", N), seed)


def lhs_sample(problem: Problem, N: int, seed: int = DEFAULT_SEED) -> npt.NDArray[np.float64]:  # noqa: N803
    """Latin hypercube sample."""
    seed = _check.seed(seed, _E)
    return _core.lhs_sample(_problem(problem)._core, _n("N", N), seed)


# ---------------------------------------------------------------------------- analyses


def sobol_analyze(
    problem: Problem,
    Y: npt.ArrayLike,  # noqa: N803 - SALib's name
    calc_second_order: bool = True,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = DEFAULT_SEED,
    output_names: Sequence[str] | None = None,
    threads: int | None = None,
) -> SobolResult:
    """Sobol' indices from outputs on a Saltelli design; ``Y`` is 1-D or rows × outputs.

    ``threads`` caps the native threads (None: all cores) without changing a number.
    """
    res = SobolResult(
        _core.sobol_analyze(
            _problem(problem)._core,
            y=_check.rows("Y", Y, _E),
            calc_second_order=_check.flag("calc_second_order", calc_second_order),
            **_analysis_options(seed, num_resamples, conf_level),
            output_names=_check.strings("output_names", output_names, none=True),
            threads=_check.threads(threads),
        )
    )
    _warn(res.warnings)
    return res


def sobol(
    problem: Problem,
    model: Model,
    N: int,  # noqa: N803 - SALib's name
    calc_second_order: bool = True,
    scramble: bool | str = True,
    skip_values: int = 0,
    seed: int = DEFAULT_SEED,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    batch_rows: int = 16384,
    output_names: Sequence[str] | None = None,
    progress: bool | str = "auto",
    threads: int | None = None,
    concurrent_batches: bool = False,
) -> SobolResult:
    """Sample, evaluate and analyse in one call.

    ``model(X)`` gets a float64 matrix (one row per sample) and returns one value per row, or a
    matrix with one column per output. It is called on batches of ``batch_rows`` rows, so the
    whole design never exists in memory, and once before on a single row to learn the number of
    outputs. An exception raised by the model propagates unchanged. A tqdm bar counts the rows
    evaluated unless ``progress=False``; ``threads`` caps the native threads (None: all cores)
    without changing a number.

    ``concurrent_batches=True`` calls the model on several batches at once, one per native
    thread. A numpy model then runs on every core, because numpy releases Python's lock in its
    loops (about 1.8 times as fast on two cores for the Ishigami function). Only for a model
    that is safe to call from several threads at once (no shared state it changes); the numbers
    are the same either way.

    >>> import numpy as np
    >>> p = Problem(["a", "b"], [[0, 1], [0, 1]])
    >>> f = lambda x: x[:, 0] + 2 * x[:, 1]
    >>> one = sobol(p, f, 256, progress=False)
    >>> both = sobol(p, f, 256, progress=False, concurrent_batches=True)
    >>> bool(np.array_equal(one.S1, both.S1))
    True
    """
    p = _problem(problem)
    n = _n("N", N)
    second = _check.flag("calc_second_order", calc_second_order)
    with _model_with_bar(model, progress, "Sobol'", _saltelli_rows(n, len(p), second)) as m:
        res = SobolResult(
            _core.sobol_run(
                p._core,
                model=m,
                n=n,
                calc_second_order=second,
                **_design_options(scramble, skip_values),
                **_analysis_options(seed, num_resamples, conf_level),
                batch_rows=_check.integer("batch_rows", batch_rows, _E, minimum=1),
                output_names=_check.strings("output_names", output_names, none=True),
                threads=_check.threads(threads),
                concurrent_batches=_check.flag("concurrent_batches", concurrent_batches),
            )
        )
    _warn(res.warnings)
    return res


def morris_analyze(
    problem: Problem,
    X: npt.ArrayLike,  # noqa: N803 - SALib's name
    Y: npt.ArrayLike,  # noqa: N803 - SALib's name
    num_levels: int = 4,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = DEFAULT_SEED,
    output_names: Sequence[str] | None = None,
) -> MorrisResult:
    """Morris statistics from trajectories ``X`` and outputs ``Y`` (1-D or rows × outputs)."""
    return MorrisResult(
        _core.morris_analyze(
            _problem(problem)._core,
            x=_check.rows("X", X, _E),
            y=_check.rows("Y", Y, _E),
            num_levels=_check.integer("num_levels", num_levels, _E, minimum=2),
            **_analysis_options(seed, num_resamples, conf_level),
            output_names=_check.strings("output_names", output_names, none=True),
        )
    )


def morris(
    problem: Problem,
    model: Model,
    N: int,  # noqa: N803 - SALib's name
    num_levels: int = 4,
    optimal_trajectories: int | None = None,
    seed: int = DEFAULT_SEED,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    output_names: Sequence[str] | None = None,
    progress: bool | str = "auto",
    threads: int | None = None,
    concurrent_batches: bool = False,
) -> MorrisResult:
    """Morris screening in one call (N trajectories); ``model``, ``progress``, ``threads`` and
    ``concurrent_batches`` as for :func:`sobol`."""
    p = _problem(problem)
    n = _n("N", N)
    with _model_with_bar(model, progress, "Morris", n * (len(p) + 1)) as m:
        return MorrisResult(
            _core.morris_run(
                p._core,
                model=m,
                r=n,
                num_levels=_check.integer("num_levels", num_levels, _E, minimum=2),
                optimal_trajectories=_check.integer(
                    "optimal_trajectories", optimal_trajectories, _E, minimum=1, none=True
                ),
                **_analysis_options(seed, num_resamples, conf_level),
                output_names=_check.strings("output_names", output_names, none=True),
                threads=_check.threads(threads),
                concurrent_batches=_check.flag("concurrent_batches", concurrent_batches),
            )
        )


# ---------------------------------------------------------------------------- one at a time


@dataclass(repr=False)
class Tornado(Result):
    """One-at-a-time swings of one output, largest first."""

    output: str
    base_output: float
    bars: pd.DataFrame

    def to_pandas(self) -> pd.DataFrame:
        """One row per input: low/high input values, outputs and swing."""
        return self.bars

    def __repr__(self) -> str:
        return f"<Tornado of {self.output}: {len(self.bars)} inputs, base {self.base_output:.4g}>"

    _html_float = "{:.4g}"

    def plot(self, ax: Any = None) -> Any:
        """Tornado bars around the base output; returns the Axes."""
        ax = axes(ax)
        b = self.bars.iloc[::-1]
        y = np.arange(len(b))
        lo = b["output_low"].to_numpy() - self.base_output
        hi = b["output_high"].to_numpy() - self.base_output
        ax.barh(y, lo, left=self.base_output, color="tab:red", label="input at low value")
        ax.barh(y, hi, left=self.base_output, color="tab:blue", label="input at high value")
        ax.set_yticks(y, list(b.index))
        ax.axvline(self.base_output, color="black", lw=0.8)
        ax.set_xlabel(self.output)
        ax.set_title(f"One-at-a-time sensitivity of {self.output}")
        legend_outside(ax)
        return ax


def tornado(
    problem: Problem | Sequence[str],
    model: Model,
    base: Sequence[float] | None = None,
    low: Sequence[float] | None = None,
    high: Sequence[float] | None = None,
    output_names: Sequence[str] | None = None,
) -> Tornado | list[Tornado]:
    """Each input at its low and high value, the others at base: a :class:`Tornado` for a
    model with one output, a list of them (one per output) for several.

    >>> import numpy as np
    >>> p = Problem(["a", "b"], [[0, 1], [0, 2]])
    >>> t = tornado(p, lambda x: x[:, 0] + 3 * x[:, 1])
    >>> t.bars.index.tolist(), float(t.bars.loc["b", "swing"])
    (['b', 'a'], 6.0)
    >>> [u.output for u in tornado(p, lambda x: np.c_[x[:, 0], x[:, 1]])]
    ['y0', 'y1']

    With a :class:`Problem`, ``base`` defaults to the medians and ``low``/``high`` to the bounds
    (5 % and 95 % quantiles for unbounded distributions).
    """
    if not callable(model):
        raise TypeError(f"model must be callable, not {type(model).__name__}")
    if isinstance(problem, Problem):
        names = problem.names
        lo_d, hi_d = problem._core.low_high()
        base = list(base) if base is not None else problem._core.medians()
        low = list(low) if low is not None else lo_d
        high = list(high) if high is not None else hi_d
    else:
        names = _check.strings("problem", problem)
        if base is None or low is None or high is None:
            raise _core.SensitivityError("give base, low and high, or a Problem")
    out = json.loads(
        _core.tornado(
            names,
            base=[float(v) for v in base],
            low=[float(v) for v in low],
            high=[float(v) for v in high],
            model=_model(model),
            output_names=list(output_names) if output_names is not None else None,
        )
    )
    res = [
        Tornado(
            t["output"],
            t["base_output"],
            pd.DataFrame(t["bars"]).set_index("name"),
        )
        for t in out
    ]
    return res[0] if len(res) == 1 else res


@dataclass(repr=False)
class Grid(Result):
    """A two-input grid of one output: ``z[i, j]`` at (``x_values[j]``, ``y_values[i]``)."""

    output: str
    x_name: str
    y_name: str
    x_values: npt.NDArray[np.float64]
    y_values: npt.NDArray[np.float64]
    z: npt.NDArray[np.float64]

    def __repr__(self) -> str:
        return (
            f"<Grid of {self.output}: {self.x_name} ({len(self.x_values)} values) × "
            f"{self.y_name} ({len(self.y_values)} values)>"
        )

    _html_float = "{:.4g}"

    def to_pandas(self, wide: bool = False) -> pd.DataFrame:
        """The grid as a tidy frame, one row per point (columns ``x_name``, ``y_name`` and the
        output); ``wide=True`` gives the matrix instead (rows y values, columns x values).

        >>> g = Grid("z", "a", "b", np.array([0.0, 1.0]), np.array([5.0]),
        ...          np.array([[1.0, 2.0]]))
        >>> g.to_pandas().values.tolist(), g.to_pandas(wide=True).shape
        ([[0.0, 5.0, 1.0], [1.0, 5.0, 2.0]], (1, 2))
        """
        if wide:
            return pd.DataFrame(
                self.z,
                index=pd.Index(self.y_values, name=self.y_name),
                columns=pd.Index(self.x_values, name=self.x_name),
            )
        # Built from the arrays, so repeated grid values stay rows of their own.
        xx, yy = np.meshgrid(self.x_values, self.y_values)
        return pd.DataFrame({self.x_name: xx.ravel(), self.y_name: yy.ravel(),
                             self.output: np.asarray(self.z, dtype=float).ravel()})

    def contour(self, level: float) -> npt.NDArray[np.float64]:
        """For each x value, the y value where z first crosses ``level`` (linear
        interpolation; NaN if it does not)."""
        out = np.full(len(self.x_values), np.nan)
        for j in range(len(self.x_values)):
            col = self.z[:, j] - level
            for i in range(len(self.y_values) - 1):
                a, b = col[i], col[i + 1]
                if a == 0:
                    out[j] = self.y_values[i]
                    break
                if a * b < 0 or b == 0:
                    t = a / (a - b)
                    out[j] = self.y_values[i] + t * (self.y_values[i + 1] - self.y_values[i])
                    break
        return out

    def plot(self, ax: Any = None, level: float | None = None, cmap: str = "RdBu") -> Any:
        """Heat map with, if ``level`` is given, the contour where the output equals it."""
        ax = axes(ax)
        lim = float(np.nanmax(np.abs(self.z))) if level == 0 else None
        mesh = ax.pcolormesh(
            self.x_values,
            self.y_values,
            self.z,
            cmap=cmap,
            shading="auto",
            vmin=-lim if lim else None,
            vmax=lim,
        )
        ax.figure.colorbar(mesh, ax=ax, label=self.output)
        if level is not None:
            cs = ax.contour(self.x_values, self.y_values, self.z, levels=[level], colors="black")
            ax.clabel(cs, fmt={level: f"{self.output} = {level:g}"})
            if not cs.allsegs or not any(len(seg) for seg in cs.allsegs[0]):
                side = "above" if float(np.nanmin(self.z)) > level else "below"
                ax.set_title(f"{self.output} over {self.x_name} × {self.y_name}\n"
                             f"(all {side} {level:g} on this grid)", fontsize="medium")
            else:
                ax.set_title(f"{self.output} over {self.x_name} × {self.y_name}")
        else:
            ax.set_title(f"{self.output} over {self.x_name} × {self.y_name}")
        ax.set_xlabel(self.x_name)
        ax.set_ylabel(self.y_name)
        return ax


def grid(
    problem: Problem | Sequence[str],
    model: Model,
    x: str,
    x_values: npt.ArrayLike,
    y: str,
    y_values: npt.ArrayLike,
    base: Sequence[float] | None = None,
    output_names: Sequence[str] | None = None,
) -> Grid | list[Grid]:
    """Two inputs over a grid, the others at ``base`` (default: the problem's medians): a
    :class:`Grid` for a model with one output, a list (one per output) for several."""
    if not callable(model):
        raise TypeError(f"model must be callable, not {type(model).__name__}")
    if isinstance(problem, Problem):
        names = problem.names
        base = list(base) if base is not None else problem._core.medians()
    else:
        names = _check.strings("problem", problem)
        if base is None:
            raise _core.SensitivityError("give base, or a Problem")
    for arg, v in (("x", x), ("y", y)):
        if _check.text(arg, v) not in names:
            raise _core.SensitivityError(f"{arg}: unknown input {v!r}; inputs are {names}")
    xv = _check.array("x_values", x_values, _E)
    yv = _check.array("y_values", y_values, _E)
    res = _core.grid2(
        names,
        base=[float(v) for v in base],
        ix=names.index(x),
        x_values=xv.tolist(),
        iy=names.index(y),
        y_values=yv.tolist(),
        model=_model(model),
        output_names=list(output_names) if output_names is not None else None,
    )
    grids = [Grid(o, x, y, xv, yv, z) for o, z in res]
    return grids[0] if len(grids) == 1 else grids


def prob_beat_reference(
    scenario: Problem,
    year0: int,
    year1: int,
    reference: _core.LogLinearTrend,
    n: int = 100_000,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """Probability (and its Monte Carlo standard error) that a share beats a trend-projected
    reference in ``year1``; the scenario's three inputs are numerator growth, denominator
    growth and baseline share."""
    return _core.prob_beat_reference(
        _check.instance("scenario", scenario, Problem, "an innodex.sensitivity.Problem")._core,
        year0=_check.year("year0", year0, _core.GrowthError),
        year1=_check.year("year1", year1, _core.GrowthError),
        reference=_check.instance("reference", reference, _core.LogLinearTrend, "a LogLinearTrend"),
        n=_n("n", n),
        seed=_check.seed(seed, _E),
    )
