"""Shapley effects for dependent inputs (re-exported by :mod:`innodex.sensitivity`).

Every number is computed in Rust (``innodex._core.shapley_run``): the estimators of Song,
Nelson and Staum (2016, *SIAM/ASA J. Uncertainty Quantification* 4:1060) over all permutations
(small k) or random ones, inputs made dependent by a Gaussian copula (a correlation matrix of
their normal scores, sampled conditionally without approximation), bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_SEED
from innodex._plot import axes
from innodex._result import CoreResult, interval_columns

if TYPE_CHECKING:
    from innodex.sensitivity import Model, Problem

_E = _core.SensitivityError


class ShapleyResult(CoreResult):
    """Shapley effects of every model output (they sum to 1 per output), with bootstrap
    intervals. ``to_pandas()`` gives one row per (output, input); ``plot()`` draws bars with
    their intervals. Pickles.
    """

    @property
    def method(self) -> str:
        """The estimator used: ``"exact"`` (all permutations) or ``"random"``."""
        return str(self._core.method)

    @property
    def shapley(self) -> npt.NDArray[np.float64]:
        """Shapley effects, outputs × inputs."""
        return self._core.shapley()

    @property
    def correlation(self) -> npt.NDArray[np.float64]:
        """The correlation matrix of the inputs' normal scores used."""
        return self._core.correlation()

    def to_pandas(self) -> pd.DataFrame:
        """Index (output, input); columns ``shapley``, ``conf`` (z·sd half-width), ``low``,
        ``high`` (percentile bootstrap interval)."""
        return self._by_output_and_input(
            {
                "shapley": self._core.shapley(),
                "conf": self._core.conf(),
                **interval_columns(self._core.interval()),
            }
        )

    def plot(self, ax: Any = None, output: int | str = 0) -> Any:
        """Bars of the Shapley effects of one output with their intervals; returns the Axes."""
        ax = axes(ax)
        o = self._out(output)
        x = np.arange(len(self.names))
        sh, conf = self._core.shapley()[o], self._core.conf()[o]
        ax.bar(x, sh, yerr=np.nan_to_num(conf), capsize=3, color="tab:purple",
               label="Shapley effect")
        ax.set_xticks(x, self.names, rotation=30, ha="right")
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylabel("share of Var(Y)")
        ax.set_title(f"Shapley effects of {self.output_names[o]} ({self.method}, "
                     f"{self._core.model_runs:,} model runs)")
        return ax

    _html_float = "{:.4f}"


def _corr(corr: Any, k: int) -> npt.NDArray[np.float64] | None:
    """The correlation argument as a float64 matrix (None: independent inputs)."""
    if corr is None:
        return None
    try:
        a = np.asarray(corr, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"corr must be a matrix of numbers ({e})") from None
    if a.ndim != 2:
        raise _E(f"invalid correlation matrix: corr must be a {k} × {k} matrix (one row and "
                 f"column per input), got shape {a.shape}")
    return np.ascontiguousarray(a)


def shapley(
    problem: Problem,
    model: Model,
    corr: npt.ArrayLike | None = None,
    method: str = "auto",
    n_perm: int = 10_000,
    n_var: int = 10_000,
    n_outer: int | None = None,
    n_inner: int = 3,
    seed: int = DEFAULT_SEED,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    batch_rows: int = 16384,
    output_names: Sequence[str] | None = None,
    progress: bool | str = "auto",
    threads: int | None = None,
) -> ShapleyResult:
    """Shapley effects of dependent inputs (Song, Nelson and Staum 2016).

    ``corr`` is the k × k correlation matrix of the inputs' normal scores (a Gaussian copula
    over the problem's marginals; for normal inputs it is their correlation), None for
    independent inputs. ``method``: ``"exact"`` (all k! permutations through the 2^k − 2
    conditional costs; k ≤ 16), ``"random"`` (``n_perm`` random permutations) or ``"auto"``
    (exact for k ≤ 8). Each cost is estimated from ``n_outer`` draws of the other inputs and
    ``n_inner`` conditional draws each (``n_outer`` None: 1000 exact, 1 random, as Song et al.
    recommend); Var(Y) from ``n_var`` joint draws. ``model``, ``progress`` and ``threads`` as
    for :func:`innodex.sensitivity.sobol`; the numbers are the same for any ``threads``.

    >>> from innodex import sensitivity as sa
    >>> p = sa.Problem(["x1", "x2"], [[0, 1], [0, 1]], ["norm", "norm"])
    >>> res = sa.shapley(p, lambda X: X[:, 0] + X[:, 1], corr=[[1, 0.5], [0.5, 1]],
    ...                  n_outer=2000, seed=1, progress=False)
    >>> res.method, round(float(res.shapley.sum()), 12)
    ('exact', 1.0)
    >>> bool(abs(res.to_pandas().loc[("y0", "x1"), "shapley"] - 0.5) < 0.05)
    True
    """
    from innodex.sensitivity import _analysis_options, _model_with_bar, _problem, _warn

    p = _problem(problem)
    k = len(p)
    c = _corr(corr, k)
    n_perm = _check.integer("n_perm", n_perm, _E, minimum=1)
    n_var = _check.integer("n_var", n_var, _E, minimum=2)
    n_outer = _check.integer("n_outer", n_outer, _E, minimum=1, none=True)
    n_inner = _check.integer("n_inner", n_inner, _E, minimum=2)
    method = _check.text("method", method)
    exact = method == "exact" or (method == "auto" and k <= 8)
    no = n_outer if n_outer is not None else (1000 if exact else 1)
    groups = ((2**k - 2) if exact else n_perm * (k - 1)) * no
    with _model_with_bar(model, progress, "Shapley", groups * n_inner + n_var) as m:
        res = ShapleyResult(
            _core.shapley_run(
                p._core,
                model=m,
                corr=c,
                method=method,
                n_perm=n_perm,
                n_var=n_var,
                n_outer=n_outer,
                n_inner=n_inner,
                **_analysis_options(seed, num_resamples, conf_level),
                batch_rows=_check.integer("batch_rows", batch_rows, _E, minimum=1),
                output_names=_check.strings("output_names", output_names, none=True),
                threads=_check.threads(threads),
            )
        )
    _warn(res.warnings)
    return res
