"""Scenario projections: fan charts, the probability of meeting each target, years of attainment.

All numbers are computed in Rust (``innodex._core``); this module turns them into pandas frames
and matplotlib plots, and shows a progress bar for long runs.

>>> import innodex
>>> plan = innodex.Plan.builtin()
>>> res = innodex.project(plan, n_paths=2000, seed=1, progress=False)
>>> res.scenarios
['baseline', 'slow', 'fast']
>>> p = res.probabilities()
>>> bool(p.loc["tsme_entries", "fast"] > p.loc["tsme_entries", "slow"])
True
>>> res.fan("hte_count").loc[2020].tolist()
[750.0, 750.0, 750.0, 750.0, 750.0]
"""

from __future__ import annotations

import functools
import html
import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from innodex import _check, _core
from innodex._plot import axes

if TYPE_CHECKING:  # pragma: no cover
    from innodex.plan import Plan

DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _qnames(qs: Sequence[float]) -> list[str]:
    """Column names of quantiles: ``q`` and the percentage (``q5``, ``q2.5``), with as many
    significant digits as keep distinct quantiles apart (0 and 1e-9 are ``q0`` and ``q1e-07``).

    >>> _qnames([0.05, 0.5, 0.95])
    ['q5', 'q50', 'q95']
    >>> _qnames([0.999999999, 1.0])
    ['q99.9999999', 'q100']
    """
    for digits in (6, 9, 12, 15, 17):
        names = [f"q{q * 100:.{digits}g}" for q in qs]
        if len(set(names)) == len(set(qs)):
            return names
    return names


# --------------------------------------------------------------------------- scenarios
class Scenarios:
    """A set of named scenarios (a TOML scenario file; see ``docs/projections.md``).

    >>> Scenarios.linyi().names()
    ['baseline', 'slow', 'fast']
    """

    def __init__(self, core: _core.Scenarios) -> None:
        self._core = core

    @classmethod
    def linyi(cls) -> Scenarios:
        """The scenarios shipped for the Linyi plan (``scenarios/linyi.toml``)."""
        return cls(_core.Scenarios.linyi())

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenarios:
        """Read a scenario file; errors raise :class:`innodex.ProjectionError`."""
        return cls(_core.Scenarios.from_file(_check.path("path", path)))

    @classmethod
    def from_toml(cls, text: str) -> Scenarios:
        """Parse scenarios from TOML text."""
        return cls(_core.Scenarios.from_toml(_check.text("text", text)))

    def names(self) -> list[str]:
        """Scenario names in file order."""
        return list(self._core.names())

    def to_toml(self) -> str:
        """The set in its file format."""
        return self._core.to_toml()

    def to_dict(self) -> dict[str, Any]:
        """The set as plain Python data."""
        return json.loads(self._core.to_json())

    def validate(self, plan: Plan) -> None:
        """Check every scenario against ``plan``; raises :class:`innodex.ProjectionError`."""
        self._core.validate(plan.core)

    @property
    def core(self) -> _core.Scenarios:
        """The underlying Rust object."""
        return self._core

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (Scenarios.from_toml, (self.to_toml(),))

    def __repr__(self) -> str:
        return repr(self._core)

    def _repr_html_(self) -> str:
        rows = [
            (sc["name"], a["indicator"], a.get("text", ""))
            for sc in self.to_dict().get("scenarios", [])
            for a in sc.get("assumptions", [])
        ]
        table = ""
        if rows:
            df = pd.DataFrame(rows, columns=["scenario", "indicator", "assumption"])
            table = df.to_html(index=False)
        return f"<p><b>{html.escape(repr(self))}</b></p>{table}"


_E = _core.ProjectionError


def _limits(cfg: dict[str, Any], max_values: int | None, max_buffer_bytes: int | None) -> None:
    """Adds the Monte Carlo size limits (``McConfig::max_values``, ``max_buffer_bytes``) that
    are given to ``cfg``; None keeps the core's defaults (10^10 values, 4 GiB)."""
    for name, limit in (("max_values", max_values), ("max_buffer_bytes", max_buffer_bytes)):
        if limit is not None:
            cfg[name] = _check.integer(name, limit, _E, minimum=1, maximum=_check.U64_MAX)


def _config(
    n_paths: int,
    seed: int,
    quantiles: Sequence[float],
    fan_years: Sequence[int] | None,
    chunk_size: int | None,
    memory_budget: int | None,
    max_values: int | None = None,
    max_buffer_bytes: int | None = None,
) -> str:
    qs = _check.reals("quantiles", quantiles, _E)
    for q in qs:
        if not 0.0 <= q <= 1.0:
            raise _E(f"quantiles must lie in [0, 1], got {q}")
    cfg: dict[str, Any] = {
        "n_paths": _check.integer("n_paths", n_paths, _E, minimum=1),
        "seed": _check.seed(seed, _E),
        "quantiles": qs,
        "fan_years": _check.integers("fan_years", fan_years, _E, none=True),
    }
    if chunk_size is not None:
        cfg["chunk_size"] = _check.integer("chunk_size", chunk_size, _E, minimum=1)
    if memory_budget is not None:
        cfg["memory_budget"] = _check.integer("memory_budget", memory_budget, _E, minimum=1)
    _limits(cfg, max_values, max_buffer_bytes)
    return json.dumps(cfg)


def _bar(total: int, enabled: bool, desc: str) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is optional
        return None
    return tqdm(total=total, desc=desc, unit="%", leave=False)


# --------------------------------------------------------------------------- plan projection
def project(
    plan: Plan,
    scenarios: Scenarios | str | os.PathLike[str] | None = None,
    *,
    n_paths: int = 10_000,
    seed: int = 0,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    fan_years: Sequence[int] | None = None,
    only: Sequence[str] | None = None,
    progress: bool = True,
    threads: int | None = None,
    chunk_size: int | None = None,
    memory_budget: int | None = None,
    max_values: int | None = None,
    max_buffer_bytes: int | None = None,
) -> Projection:
    """Project ``plan`` under every scenario (Monte Carlo, computed in Rust, GIL released).

    Parameters
    ----------
    plan
        The plan (:class:`innodex.Plan`).
    scenarios
        A :class:`Scenarios`, a path to a scenario file, or None for the shipped Linyi
        scenarios.
    n_paths, seed
        Paths per scenario, reproducible from ``seed`` whatever the number of threads.
    quantiles, fan_years
        Quantile probabilities of the fan charts, and the years they cover (default: all).
    only
        A subset of scenario names.
    progress
        Show a tqdm progress bar (Ctrl-C cancels the run either way).
    threads
        Cap on the native threads (None: all cores); the numbers do not depend on it.
    max_values, max_buffer_bytes
        Size limits, checked before any work: the most simulated values (paths × years ×
        indicators) of one scenario (None: 10¹⁰) and the most bytes of one quantile buffer (8
        a path; None: 4 GiB). A larger request raises :class:`innodex.ProjectionError` stating
        the size and the limit; raise them for a run you know fits in memory and time.

    Returns
    -------
    Projection

    Raises
    ------
    innodex.ProjectionError
        Invalid input (zero paths, a negative spread, a scenario naming an unknown
        indicator, …) or a request above ``max_values``/``max_buffer_bytes``; ``TypeError``
        for an argument of the wrong type.

    Examples
    --------
    >>> import innodex
    >>> res = innodex.project(innodex.Plan.builtin(), n_paths=1000, progress=False, threads=1)
    >>> res.n_paths
    1000
    """
    from innodex.plan import Plan

    _check.instance("plan", plan, Plan, "an innodex.Plan")
    if scenarios is None:
        # The plan's own shipped scenarios, never another plan's.
        own = _core.Scenarios.builtin_for(plan.id)
        if own is None:
            raise _core.ProjectionError(
                f"plan {plan.id!r} has no shipped scenarios: pass scenarios= (an "
                "innodex.Scenarios or the path of a scenario file)"
            )
        sc = Scenarios(own)
    elif isinstance(scenarios, Scenarios):
        sc = scenarios
    else:
        sc = Scenarios.from_file(_check.path("scenarios", scenarios))
    cfg = _config(
        n_paths,
        seed,
        quantiles,
        fan_years,
        chunk_size,
        memory_budget,
        max_values,
        max_buffer_bytes,
    )
    job = _core.start_projection(
        plan.core,
        sc.core,
        cfg,
        _check.strings("only", only, none=True),
        _check.threads(threads),
    )
    bar = _bar(100, _check.flag("progress", progress), "projecting")
    shown = 0
    try:
        while not job.wait(0.1):
            if bar is not None:
                done, total, k, n = job.progress()
                frac = (k + (done / total if total else 0.0)) / max(n, 1)
                now = int(100 * frac)
                if now > shown:
                    bar.update(now - shown)
                    shown = now
        if bar is not None and shown < 100:
            bar.update(100 - shown)
    except KeyboardInterrupt:
        job.cancel()
        raise
    finally:
        if bar is not None:
            bar.close()
    return Projection(json.loads(job.result()))


class Projection:
    """The projection of a plan under a set of scenarios.

    Frames: :meth:`to_pandas` (every fan), :meth:`fan`, :meth:`probabilities`,
    :meth:`targets`, :meth:`attainment`, :meth:`assumptions`; plots: :meth:`plot_fan`.
    Plain Python data inside, so it pickles.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self._d = data

    @property
    def data(self) -> dict[str, Any]:
        """The raw result (as serialised by the Rust core)."""
        return self._d

    @property
    def scenarios(self) -> list[str]:
        """Scenario names."""
        return [s["name"] for s in self._d["scenarios"]]

    @property
    def n_paths(self) -> int:
        """Paths per scenario."""
        return int(self._d["n_paths"])

    @property
    def seed(self) -> int:
        """Seed."""
        return int(self._d["seed"])

    @property
    def horizon(self) -> int:
        """Last year projected."""
        return int(self._d["horizon"])

    def _scenario(self, name: str | None) -> dict[str, Any]:
        if name is None:
            return self._d["scenarios"][0]
        _check.text("scenario", name)
        for s in self._d["scenarios"]:
            if s["name"] == name:
                return s
        raise _core.ProjectionError(f"no scenario {name!r} (have {self.scenarios})")

    @property
    def quantiles(self) -> list[float]:
        """Quantile probabilities of the fans."""
        return list(self._d["scenarios"][0]["result"]["quantiles"])

    def to_pandas(self) -> pd.DataFrame:
        """Every fan in long form: scenario, indicator, year, simulated, mean and one column per
        quantile (``q5``, ``q25``, …)."""
        qs = self.quantiles
        rows = []
        for s in self._d["scenarios"]:
            for f in s["result"]["indicators"]:
                start = f["simulated_from"]
                for year, mean, q in zip(f["years"], f["mean"], f["quantiles"], strict=True):
                    if mean is None and q is None:
                        continue
                    qv = q if q is not None else [np.nan] * len(qs)
                    rows.append(
                        [s["name"], f["id"], year, start is not None and year >= start,
                         np.nan if mean is None else mean, *qv]
                    )
        cols = ["scenario", "indicator", "year", "simulated", "mean", *_qnames(qs)]
        df = pd.DataFrame(rows, columns=cols)
        return df.astype({"year": "int64", "simulated": "bool"})

    def fan(self, indicator: str, scenario: str | None = None) -> pd.DataFrame:
        """One indicator's quantiles by year (index ``year``, columns ``q5``…), first scenario
        by default."""
        _check.text("indicator", indicator)
        df = self.to_pandas()
        name = self._scenario(scenario)["name"]
        sel = df[(df["scenario"] == name) & (df["indicator"] == indicator)]
        if sel.empty:
            raise _core.ProjectionError(
                f"indicator {indicator!r} is not projected in scenario {name!r}"
            )
        return sel.set_index("year")[_qnames(self.quantiles)]

    def targets(self) -> pd.DataFrame:
        """One row per scenario and target: metric, threshold, median and 90 % band of the
        metric, probability of meeting the target (and its Monte Carlo standard error), median
        year of attainment, and why a target is not projected."""
        rows = []
        for s in self._d["scenarios"]:
            for t in s["result"]["targets"]:
                band = t["metric_band"] or [np.nan] * 3
                att = t["attainment"]
                rows.append(
                    {
                        "scenario": s["name"],
                        "target": t["id"],
                        "indicator": t["indicator"],
                        "target_year": t["target_year"],
                        "metric": t["metric"],
                        "threshold": t["threshold"],
                        "p05": band[0],
                        "median": band[1],
                        "p95": band[2],
                        "probability": t["probability"],
                        "probability_se": t["probability_se"],
                        "median_year": None if att is None else att["median_year"],
                        "not_projected": t["not_projected"],
                    }
                )
        df = pd.DataFrame(rows)
        for c in ["threshold", "p05", "median", "p95", "probability", "probability_se"]:
            df[c] = df[c].astype("float64")
        df["median_year"] = df["median_year"].astype("Int64")
        return df.set_index(["scenario", "target"])

    def probabilities(self) -> pd.DataFrame:
        """Probability of meeting each target: targets × scenarios (NaN: not projected)."""
        return self.targets()["probability"].unstack("scenario")[self.scenarios]

    def calibration(self) -> pd.DataFrame:
        """Which probabilities are calibrated, and against what: one row per scenario and
        target of a calibrated indicator (index ``scenario``, ``target``), with the panel,
        variable, method and learning origins, ``calibrated``, the horizon, the uncalibrated
        and calibrated probabilities and a note. Empty for a set without
        ``[[set.calibration]]``.

        >>> import innodex
        >>> innodex.project(innodex.Plan.builtin(), n_paths=200, progress=False).calibration().empty
        True
        """
        rows = [
            {
                "scenario": t["scenario"], "target": t["target"], "indicator": t["indicator"],
                "panel": c["calibration"]["panel"], "variable": c["calibration"]["variable"],
                "method": c["calibration"]["method"],
                "learn_origins": list(c["calibration"]["learn_origins"]),
                "calibrated": bool(t["calibrated"]), "horizon": t["horizon"],
                "extrapolated": bool(t["extrapolated"]),
                "probability_uncalibrated": t["probability_uncalibrated"],
                "probability": t["probability"], "note": t["note"],
            }
            for c in self._d.get("calibration", [])
            for t in c["targets"]
        ]
        cols = ["scenario", "target", "indicator", "panel", "variable", "method",
                "learn_origins", "calibrated", "horizon", "extrapolated",
                "probability_uncalibrated", "probability", "note"]
        return pd.DataFrame(rows, columns=cols).set_index(["scenario", "target"])

    def attainment(self, target: str, scenario: str | None = None) -> pd.Series:
        """Distribution of the first year ``target`` is reached (a final ``not by <horizon>``
        entry holds the rest)."""
        _check.text("target", target)
        s = self._scenario(scenario)
        for t in s["result"]["targets"]:
            if t["id"] == target:
                a = t["attainment"]
                if a is None:
                    raise _core.ProjectionError(
                        f"target {target!r} has no year of attainment in scenario "
                        f"{s['name']!r} (not projected, or a condition on every year)"
                    )
                idx = [str(y) for y in a["years"]] + [f"not by {self.horizon}"]
                return pd.Series(
                    [*a["probability"], a["not_by_horizon"]], index=idx, name=target
                )
        raise _core.ProjectionError(f"no target {target!r}")

    def assumptions(self) -> pd.DataFrame:
        """Every assumption of every scenario, in words."""
        rows = [
            (s["name"], a["indicator"], a["text"])
            for s in self._d["scenarios"]
            for a in s["assumptions"]
        ]
        return pd.DataFrame(rows, columns=["scenario", "indicator", "assumption"])

    def plot_fan(
        self,
        indicator: str,
        scenario: str | None = None,
        ax: Any = None,
        *,
        target: float | None = None,
        **kw: Any,
    ) -> Any:
        """Fan chart of one indicator: the median line and the quantile bands (outer band
        lightest). ``target`` draws a horizontal line. Returns the matplotlib Axes."""
        fan = self.fan(indicator, scenario)
        target = _check.real("target", target, _E, none=True)
        qs = self.quantiles
        ax = axes(ax)
        years = fan.index.to_numpy()
        name = self._scenario(scenario)["name"]
        color = kw.pop("color", "C0")
        n = len(qs)
        names = _qnames(qs)
        for i in range(n // 2):
            lo, hi = names[i], names[n - 1 - i]
            ax.fill_between(
                years, fan[lo], fan[hi], color=color, alpha=0.15 + 0.15 * i, linewidth=0,
                label=f"{lo[1:]}–{hi[1:]} %",
            )
        mid = names[qs.index(0.5)] if 0.5 in qs else names[n // 2]
        ax.plot(years, fan[mid], color=color, marker="o", label=f"median ({name})", **kw)
        if target is not None:
            ax.axhline(target, color="k", linestyle="--", linewidth=1, label="target")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{indicator}: {name} scenario ({self.n_paths:,} paths)")
        ax.set_xlabel("year")
        ax.legend(loc="upper left", fontsize="small")
        return ax

    def report(self) -> str:
        """A plain-text summary: one line per scenario and projected target."""
        t = self.targets()
        lines = []
        for (sc, tg), r in t.iterrows():
            if isinstance(r["not_projected"], str):
                continue
            lines.append(
                f"{sc:<10} {tg:<24} P(met) = {r['probability']:6.1%}  "
                f"median {r['median']:.4g} [{r['p05']:.4g}, {r['p95']:.4g}] vs {r['threshold']:.4g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Projection of {self._d['plan']}: scenarios {', '.join(self.scenarios)}; "
            f"{self.n_paths:,} paths, seed {self.seed}, horizon {self.horizon}>"
        )

    def _repr_html_(self) -> str:
        p = self.probabilities().dropna(how="all")
        table = p.to_html(float_format=lambda v: f"{v:.1%}", na_rep="–")
        return f"<p><b>{html.escape(repr(self))}</b></p><p>P(target met)</p>{table}"


# --------------------------------------------------------------------------- one series
def _dist(name: str, d: float | dict[str, Any]) -> Any:
    if isinstance(d, dict):
        return dict(d)
    return {"dist": "fixed", "value": _check.real(name, d, _E)}


class GrowthResult:
    """The result of :func:`simulate_growth`: fan quantiles by year, the mean, P(final ≥
    threshold) and the distribution of the first year the threshold is reached."""

    def __init__(self, data: dict[str, Any], threshold: float | None = None) -> None:
        self._d = data
        self.threshold = threshold
        self.quantiles: list[float] = list(data["quantiles"])
        t = self._target = data["targets"][0] if data["targets"] else None
        self.probability: float | None = None if t is None else t["probability"]
        self.probability_se: float | None = None if t is None else t["probability_se"]

    # The pandas objects are built on first use: a large run's numbers are ready in a few
    # milliseconds, and building all three tables would add about one more.
    @functools.cached_property
    def fan(self) -> pd.DataFrame:
        """Quantiles by year: index ``year``, a column per quantile (``q5``, ``q50``, …)."""
        ind = self._d["indicators"][0]
        rows = [
            (y, q) for y, q in zip(ind["years"], ind["quantiles"], strict=True) if q is not None
        ]
        values = np.array([q for _, q in rows], dtype="float64")
        return pd.DataFrame(
            values.reshape(len(rows), len(self.quantiles)),
            index=pd.Index([y for y, _ in rows], name="year", dtype="int64"),
            columns=_qnames(self.quantiles),
        )

    @functools.cached_property
    def mean(self) -> pd.Series:
        """The mean by year."""
        ind = self._d["indicators"][0]
        return pd.Series(ind["mean"], index=ind["years"], name="mean", dtype="float64")

    @functools.cached_property
    def attainment(self) -> pd.Series | None:
        """The probability that the threshold is first reached in each year, and of ``"not
        reached"`` by the horizon; None without a threshold."""
        t = self._target
        if t is None or t["attainment"] is None:
            return None
        a = t["attainment"]
        return pd.Series(
            [*a["probability"], a["not_by_horizon"]],
            index=[str(y) for y in a["years"]] + ["not reached"],
        )

    @property
    def n_paths(self) -> int:
        """Paths simulated."""
        return int(self._d["n_paths"])

    def to_pandas(self) -> pd.DataFrame:
        """The fan with the mean: index ``year``, columns ``q5``, …, ``mean`` (float64)."""
        return self.fan.join(self.mean)

    def plot(self, ax: Any = None, **kw: Any) -> Any:
        """Fan chart: the median and the quantile bands, the threshold dashed. Returns the Axes.

        >>> r = simulate_growth(750, 2020, 2025, 0.12, threshold=1500, n_paths=100)
        >>> r.plot().get_title()
        'Simulated growth (100 paths)'
        """
        ax = axes(ax)
        years = self.fan.index.to_numpy()
        color = kw.pop("color", "C0")
        qs, n = self.quantiles, len(self.quantiles)
        names = _qnames(qs)
        for i in range(n // 2):
            lo, hi = names[i], names[n - 1 - i]
            ax.fill_between(
                years, self.fan[lo], self.fan[hi], color=color, alpha=0.15 + 0.15 * i,
                linewidth=0, label=f"{lo[1:]}–{hi[1:]} %",
            )
        mid = names[qs.index(0.5)] if 0.5 in qs else names[n // 2]
        ax.plot(years, self.fan[mid], color=color, marker="o", label="median", **kw)
        if self.threshold is not None:
            ax.axhline(self.threshold, color="k", linestyle="--", linewidth=1, label="threshold")
        ax.set_title(f"Simulated growth ({self.n_paths:,} paths)")
        ax.set_xlabel("year")
        ax.legend(loc="upper left", fontsize="small")
        return ax

    def __repr__(self) -> str:
        p = "–" if self.probability is None else f"{self.probability:.4f}"
        return f"<GrowthResult: {self.n_paths:,} paths, P(final ≥ threshold) = {p}>"

    def _repr_html_(self) -> str:
        table = self.to_pandas().to_html(float_format=lambda v: f"{v:,.4g}")
        return f"<p><b>{html.escape(repr(self))}</b></p>{table}"


def simulate_growth(
    start: float,
    start_year: int,
    horizon: int,
    rate: float | dict[str, Any],
    *,
    threshold: float | None = None,
    n_paths: int = 10_000,
    seed: int = 0,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    fan_years: Sequence[int] | None = None,
    per_path: bool = False,
    shock: float | dict[str, Any] | None = None,
    chunk_size: int | None = None,
    threads: int | None = None,
    max_values: int | None = None,
    max_buffer_bytes: int | None = None,
) -> GrowthResult:
    """Monte Carlo of one series growing at a random yearly ``rate`` from ``start``.

    ``rate`` is a number or a distribution dict such as ``{"dist": "normal", "mean": 0.12,
    "sd": 0.04}`` (see ``docs/projections.md``), drawn every year or, with ``per_path``, once
    per path; ``threshold`` adds the target "final value ≥ threshold".

    >>> r = simulate_growth(750, 2020, 2025, {"dist": "normal", "mean": 0.12, "sd": 0.04},
    ...                     threshold=1500, n_paths=20_000, seed=1)
    >>> 0.03 < r.probability < 0.08
    True

    ``threads`` caps the native threads (None: all cores) without changing a number.
    ``max_values`` (paths × years; None: 10¹⁰) and ``max_buffer_bytes`` (8 a path; None:
    4 GiB) are the size limits, checked before any work; a larger request raises
    :class:`innodex.ProjectionError` stating the size and the limit.

    >>> from innodex import ProjectionError
    >>> try:
    ...     simulate_growth(750, 2020, 2025, 0.1, n_paths=1000, max_values=5000)
    ... except ProjectionError as e:
    ...     print(str(e).split(": ", 1)[1])
    the request needs 6000, above the limit of 5000 (use fewer paths, or raise the limit: \
`McConfig::max_values` in Rust, `max_values=` in Python, `--max-values` in the CLI)
    """
    start = _check.real("start", start, _E)
    start_year = _check.year("start_year", start_year, _E)
    horizon = _check.year("horizon", horizon, _E)
    threshold = _check.real("threshold", threshold, _E, none=True)
    process: dict[str, Any] = {
        "process": "growth",
        "rate": _dist("rate", rate),
        "per_path": _check.flag("per_path", per_path),
        "shock": None if shock is None else _dist("shock", shock),
    }
    targets = []
    if threshold is not None:
        targets.append(
            {
                "id": "threshold",
                "indicator": "x",
                "rule": {"kind": "level", "threshold": float(threshold), "by": int(horizon)},
                "higher_is_better": True,
            }
        )
    model = {
        "horizon": int(horizon),
        "channels": [
            {
                "id": "x",
                "known": [],
                "kind": {
                    "kind": "simulated",
                    "start_year": int(start_year),
                    "start_value": float(start),
                    "process": process,
                },
                "bounds": [0.0, float(np.finfo(np.float64).max)],
            }
        ],
        "targets": targets,
        "correlations": [],
    }
    cfg = _config(
        n_paths,
        seed,
        quantiles,
        fan_years,
        chunk_size,
        None,
        max_values,
        max_buffer_bytes,
    )
    out = _core.simulate_model(json.dumps(model), cfg, _check.threads(threads))
    return GrowthResult(json.loads(out), threshold)


def forecast(
    years: Sequence[int],
    values: Sequence[float],
    method: str = "log_linear",
    horizon: int | None = None,
    level: float = 0.9,
    **params: float,
) -> pd.DataFrame:
    """Project one series with a deterministic or fitted method (``compound`` with ``rate``,
    ``increment``, ``logistic``, ``cagr``, ``mean_increment``, ``log_linear``, ``linear``,
    ``logistic_trend`` with ``ceiling``, ``damped_holt`` with optional ``alpha``, ``beta``,
    ``phi``). Returns point forecasts and, for fitted methods, the ``level`` prediction
    interval; fitted parameters are in ``df.attrs["params"]``.

    >>> df = forecast([2019, 2020], [100.0, 110.0], "compound", 2022, rate=0.1)
    >>> df["point"].round(6).tolist()
    [121.0, 133.1]
    """
    ys = _check.integers("years", years, _E)
    vs = _check.reals("values", values, _E)
    if not ys:
        raise _E("years must not be empty")
    spec = {
        "method": _check.text("method", method),
        **{k: _check.real(k, v, _E) for k, v in params.items()},
    }
    h = max(ys) + 5 if horizon is None else _check.year("horizon", horizon, _E)
    lv = _check.real("level", level, _E)
    out = json.loads(_core.forecast(json.dumps(spec), ys, vs, h, lv))
    df = pd.DataFrame({"point": out["point"]}, index=pd.Index(out["years"], name="year"))
    if out["lower"]:
        df["lower"] = out["lower"]
        df["upper"] = out["upper"]
    df.attrs["params"] = dict(out["params"])
    df.attrs["method"] = out["method"]
    return df


def damped_holt(
    values: Sequence[float],
    steps: int,
    *,
    alpha: float | None = None,
    beta: float | None = None,
    phi: float | None = None,
    initial_level: float | None = None,
    initial_trend: float | None = None,
) -> dict[str, Any]:
    """Damped Holt (Gardner and McKenzie 1985), in statsmodels' parametrisation
    (``smoothing_level`` α, ``smoothing_trend`` β, ``damping_trend`` φ). Parameters not given
    are fitted (minimum one-step SSE); the initial state is the given one or the heuristic
    ℓ₀ = y₁, b₀ = y₂ − y₁. Returns ``{"model": …, "point": [...], "sd": [...]}``."""
    opt = {
        k: _check.real(k, v, _E, none=True)
        for k, v in [
            ("alpha", alpha), ("beta", beta), ("phi", phi), ("initial_level", initial_level),
            ("initial_trend", initial_trend),
        ]
    }
    return json.loads(
        _core.damped_holt(
            _check.reals("values", values, _E), _check.integer("steps", steps, _E, minimum=0),
            opt["alpha"], opt["beta"], opt["phi"], opt["initial_level"], opt["initial_trend"],
        )
    )


# --------------------------------------------------------------------------- backtest
class Backtest:
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
        ax.legend(fontsize="small")
        return ax

    def __repr__(self) -> str:
        return (
            f"<Backtest of {self._d['variable']}: {self._d['n_series']} series, fit to "
            f"{self._d['split_year']}>"
        )

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(repr(self))}</b></p>" + self.scores.to_html(
            float_format=lambda v: f"{v:.3g}", na_rep="–"
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
    seed: int = 2020,
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
    _limits(cfg, max_values, max_buffer_bytes)
    if methods is not None:
        if isinstance(methods, str) or not isinstance(methods, Sequence):
            raise TypeError(f"methods must be a sequence, not {type(methods).__name__}")
        cfg["methods"] = [
            {"method": m} if isinstance(m, str) else dict(_check.mapping("methods[i]", m))
            for m in methods
        ]
    csv = None
    if data is not None:
        csv = _check.instance("data", data, pd.DataFrame, "a pandas DataFrame").to_csv(
            index=False
        )
    return Backtest(
        json.loads(
            _core.run_backtest(
                json.dumps(cfg), _check.text("column", column), csv,
                _check.text("unit_col", unit_col), _check.text("year_col", year_col),
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


class RollingBacktest:
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
        ax.set_ylabel(f"coverage of the {round(lv * 100)} % interval")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"Rolling backtest of {self._d['variable']}, origins "
                     f"{', '.join(map(str, self.origins))}")
        ax.legend(fontsize="small")
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

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(repr(self))}</b></p>" + self.scores.to_html(
            float_format=lambda v: f"{v:.3g}", na_rep="–"
        )


class CalibrationResult:
    """The result of :func:`calibrate`: scores at the scoring origins before and after
    calibration (``comparison``, index method and ``calibrated``; ``by_horizon`` adds the
    horizon), and the learnt factors (``factors``, index method and horizon; one column per
    level, ``k90`` …, and ``n``, the learning forecasts)."""

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
                 **{f"k{round(lv * 100)}": k for lv, k in zip(levels, h["factors"], strict=True)}}
                for c in data["calibrations"]
                for h in c["horizons"]
            ]
        ).set_index(["method", "horizon"])

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
                ax.plot(levels, y, style, marker="o", color=c,
                        label=f"{method}{' (calibrated)' if cal else ''}", **kw)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=1)
        ax.set_xlim(min(levels) - 0.05, 1.0)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("nominal coverage")
        ax.set_ylabel("observed coverage")
        ax.set_title(f"Calibration of {self._d['variable']}: learnt at "
                     f"{', '.join(map(str, self.learn_origins))}, scored at "
                     f"{', '.join(map(str, self.score_origins))}")
        ax.legend(fontsize="x-small")
        return ax

    def __repr__(self) -> str:
        return (
            f"<CalibrationResult of {self._d['variable']}: learnt at "
            f"{', '.join(map(str, self.learn_origins))}, scored at "
            f"{', '.join(map(str, self.score_origins))}>"
        )

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(repr(self))}</b></p>" + self.comparison.to_html(
            float_format=lambda v: f"{v:.3g}", na_rep="–"
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
    _limits(cfg, max_values, max_buffer_bytes)
    if methods is not None:
        if isinstance(methods, str) or not isinstance(methods, Sequence):
            raise TypeError(f"methods must be a sequence, not {type(methods).__name__}")
        cfg["methods"] = [
            {"method": m} if isinstance(m, str) else dict(_check.mapping("methods[i]", m))
            for m in methods
        ]
    return cfg


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
    seed: int = 2020,
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
                json.dumps(cfg), _check.text("column", column), _panel_csv(data),
                _check.text("unit_col", unit_col), _check.text("year_col", year_col),
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
    seed: int = 2020,
    exclude: Sequence[str] = ("China",),
    max_values: int | None = None,
    max_buffer_bytes: int | None = None,
) -> CalibrationResult:
    """Split-conformal calibration learnt at ``learn_origins`` (on data up to the first of
    ``score_origins`` only) and evaluated out of sample at ``score_origins``: coverage, width
    and CRPS before and after, and the factors per method, horizon and level. A learning
    origin at or after the first scoring origin raises :class:`innodex.ProjectionError`.

    >>> c = calibrate([2018, 2019], [2020], bootstrap_paths=0)
    >>> round(float(c.comparison.loc[("log_linear", True), "cov90"]), 3)
    0.903
    """
    cfg = _rolling_cfg(score_origins, horizon, window, levels, methods, bootstrap_paths, seed,
                       exclude, max_values, max_buffer_bytes, "score_origins")
    learn = _check.integers("learn_origins", learn_origins, _E)
    for o in learn:
        _check.year("learn_origins", o, _E)
    return CalibrationResult(
        json.loads(
            _core.run_rolling_backtest(
                json.dumps(cfg), _check.text("column", column), _panel_csv(data),
                _check.text("unit_col", unit_col), _check.text("year_col", year_col),
                [int(v) for v in learn],
            )
        )
    )
