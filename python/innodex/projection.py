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
import numpy.typing as npt
import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_PATHS, DEFAULT_QUANTILES, DEFAULT_SEED
from innodex._plot import axes, count_axis, legend_outside, scenario_color
from innodex._progress import tqdm_bar
from innodex._result import Result

# Backtests and calibration live in innodex.backtesting; their names stay importable from here.
from innodex.backtesting import (
    Backtest,
    CalibrationResult,
    RollingBacktest,
    backtest,
    calibrate,
    rolling_backtest,
)

if TYPE_CHECKING:  # pragma: no cover
    from innodex.plan import Plan



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

    def uncalibrated(self) -> Scenarios:
        """The same scenarios without the set's calibration against panels
        (``[[set.calibration]]``): every probability then rests on the scenarios' own spreads.

        >>> s = Scenarios.linyi()
        >>> [c["variable"] for c in s.calibration], s.uncalibrated().calibration
        (['rd_expenditure_100m_yuan'], [])
        """
        return Scenarios(self._core.without_calibration())

    @property
    def calibration(self) -> list[dict[str, Any]]:
        """The panels the set is calibrated against (the ``[[set.calibration]]`` tables: panel,
        variable, method, learning origins, indicators, conformal scheme)."""
        return list(json.loads(self._core.calibration_json()))

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

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return (Scenarios, (self._core,))

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
    _check.mc_limits(cfg, max_values, max_buffer_bytes, _E)
    return json.dumps(cfg)


# --------------------------------------------------------------------------- plan projection
def project(
    plan: Plan,
    scenarios: Scenarios | str | os.PathLike[str] | None = None,
    *,
    n_paths: int = DEFAULT_PATHS,
    seed: int = DEFAULT_SEED,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    fan_years: Sequence[int] | None = None,
    only: Sequence[str] | None = None,
    progress: bool | str = "auto",
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
        ``"auto"`` (default): a tqdm bar in a terminal or Jupyter (with ipywidgets) once the
        run has lasted half a second; True always, False never. Ctrl-C cancels the run
        either way.
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
        n_paths, seed, quantiles, fan_years, chunk_size, memory_budget, max_values, max_buffer_bytes
    )
    job = _core.start_projection(
        plan.core,
        scenarios=sc.core,
        config_json=cfg,
        only=_check.strings("only", only, none=True),
        threads=_check.threads(threads),
    )
    bar = tqdm_bar(_check.progress(progress), total=100, desc="projecting", unit="%")
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
    data = json.loads(job.result())
    # Names, units and kinds for finished charts; plain data, so the result still pickles.
    data["indicator_meta"] = [
        {"id": i, "name": r["name"], "unit": r["unit"], "kind": r["kind"]}
        for i, r in plan.indicators().iterrows()
    ]
    # Indicators with exact evidence, observed or derived (a ratio of observed parts, as the
    # verdict reads it): a fan of any other starts from a value the scenario assumes.
    ev = plan.evidence()
    verdict = plan.verdict(projection=None)
    derived = verdict.index[verdict["evidence_bound"] == "exact"]
    data["evidenced"] = sorted(
        set(ev.loc[ev["bound"] == "exact", "indicator"])
        | set(plan.targets().loc[derived, "indicator"])
    )
    # The base value of multiple-of-base targets, to draw their threshold on the value axis.
    t = plan.targets()
    data["target_base"] = {
        str(i): float(v) for i, v in t.loc[t["kind"] == "multiple_of_base", "baseline"].items()
        if pd.notna(v)
    }
    return Projection(data)


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
        """The raw result (as serialised by the Rust core), with the plan's indicator names,
        units and evidence that the charts use (``indicator_meta``, ``evidenced``,
        ``target_base``)."""
        return self._d

    #: Keys the Python layer adds to the core's result (see :attr:`data`).
    _CHART_KEYS = ("indicator_meta", "evidenced", "target_base")

    def to_json(self, indent: int | None = 2) -> str:
        """The projection in the JSON form of the command line's ``innodex project --format
        json`` (the same keys and, for the same plan, scenarios, paths and seed, the same
        numbers), so results from Python and the CLI can be compared or archived alike."""
        core = {k: v for k, v in self._d.items() if k not in self._CHART_KEYS}
        return json.dumps(core, indent=indent, ensure_ascii=False)

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
                        "q5": band[0],
                        "median": band[1],
                        "q95": band[2],
                        "probability": t["probability"],
                        "probability_se": t["probability_se"],
                        "median_year": None if att is None else att["median_year"],
                        "not_projected": t["not_projected"],
                    }
                )
        df = pd.DataFrame(rows)
        for c in ["threshold", "q5", "median", "q95", "probability", "probability_se"]:
            df[c] = df[c].astype("float64")
        df["median_year"] = df["median_year"].astype("Int64")
        return df.set_index(["scenario", "target"])

    def probabilities(self) -> pd.DataFrame:
        """Probability of meeting each target: targets × scenarios (NaN: not projected)."""
        return self.targets()["probability"].unstack("scenario")[self.scenarios]

    def calibration(self) -> pd.DataFrame:
        """Which probabilities are calibrated, and against what: one row per scenario and
        target of a calibrated indicator (index ``scenario``, ``target``), with the panel,
        variable, method, scheme and learning origins, ``calibrated``, the horizon, the uncalibrated
        and calibrated probabilities and a note. Empty for a set without
        ``[[set.calibration]]``.

        >>> import innodex
        >>> c = innodex.project(innodex.Plan.builtin(), n_paths=200, progress=False).calibration()
        >>> row = c.loc[("baseline", "hte_count")]
        >>> row["variable"], row["scheme"], bool(row["calibrated"])
        ('rd_expenditure_100m_yuan', 'two_sided', True)
        >>> innodex.project(innodex.Plan.builtin(), innodex.Scenarios.linyi().uncalibrated(),
        ...                 n_paths=200, progress=False).calibration().empty
        True
        """
        rows = [
            {
                "scenario": t["scenario"], "target": t["target"], "indicator": t["indicator"],
                "panel": c["calibration"]["panel"], "variable": c["calibration"]["variable"],
                "method": c["calibration"]["method"],
                "scheme": c["calibration"].get("scheme", "two_sided"),
                "learn_origins": list(c["calibration"]["learn_origins"]),
                "calibrated": bool(t["calibrated"]), "horizon": t["horizon"],
                "extrapolated": bool(t["extrapolated"]),
                "probability_uncalibrated": t["probability_uncalibrated"],
                "probability": t["probability"], "note": t["note"],
            }
            for c in self._d.get("calibration", [])
            for t in c["targets"]
        ]
        cols = ["scenario", "target", "indicator", "panel", "variable", "method", "scheme",
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
        """Fan chart of one indicator under one scenario: the median line and the quantile
        bands (outer band lightest), in the scenario's fixed colour; the threshold of every
        target on this indicator's value (a dashed line with its id and year; ``target`` adds
        one more), the indicator's name as title and its unit on the y axis, whole numbers for
        counts, and the legend outside the plot area. Returns the matplotlib Axes.

        >>> import innodex
        >>> res = innodex.project(innodex.Plan.builtin(), n_paths=500, progress=False)
        >>> ax = res.plot_fan("hte_count", "baseline")
        >>> ax.get_title().splitlines()[0], ax.get_ylabel()
        ('High-tech enterprises — baseline scenario', 'enterprises')
        >>> [t.get_text() for t in ax.get_legend().get_texts()][3:]
        ['hte_count ≥ 1,425 (2025)', 'hte_doubling ≥ 1,500 (2025)']
        """
        fan = self.fan(indicator, scenario)
        target = _check.real("target", target, _E, none=True)
        qs = self.quantiles
        ax = axes(ax)
        years = fan.index.to_numpy()
        name = self._scenario(scenario)["name"]
        color = kw.pop("color", scenario_color(name))
        n = len(qs)
        names = _qnames(qs)
        for i in range(n // 2):
            lo, hi = names[i], names[n - 1 - i]
            ax.fill_between(
                years, fan[lo], fan[hi], color=color, alpha=0.15 + 0.15 * i, linewidth=0,
                label=f"{lo[1:]}–{hi[1:]} %",
            )
        mid = names[qs.index(0.5)] if 0.5 in qs else names[n // 2]
        ax.plot(years, fan[mid], color=color, marker="o", label="median", **kw)
        lines = self._thresholds(indicator, name)
        if target is not None:
            lines.append(("target", target, None))
        for i, (tid, value, when) in enumerate(lines):
            label = f"{tid} ≥ {value:,.4g}" + ("" if when is None else f" ({when})")
            ax.axhline(value, color="0.2", linestyle=("--", ":", "-.")[i % 3], linewidth=1,
                       label=label)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        meta = self._meta(indicator)
        title = f"{meta.get('name', indicator)} — {name} scenario"
        if "evidenced" in self._d and indicator not in self._d["evidenced"]:
            title += "\nfrom a start the scenario assumes (no evidence of this indicator)"
        for c in self._d.get("calibration", []):
            if indicator in c["spec"]["indicators"]:
                cal = c["calibration"]
                title += (f"\ncalibrated on {cal['panel']} `{cal['variable']}` "
                          f"({cal['method']}, {cal.get('scheme', 'two_sided')})")
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel(f"year ({self.n_paths:,} paths, seed {self.seed})")
        if meta.get("unit"):
            ax.set_ylabel(meta["unit"])
        if meta.get("kind") == "count":
            count_axis(ax.yaxis)
        legend_outside(ax)
        return ax

    def _meta(self, indicator: str) -> dict[str, Any]:
        """Name, unit and kind of an indicator (empty for a projection made without them)."""
        for m in self._d.get("indicator_meta", []):
            if m["id"] == indicator:
                return dict(m)
        return {}

    def _thresholds(self, indicator: str, scenario: str) -> list[tuple[str, float, str | None]]:
        """(target id, threshold, when) of the targets on this indicator's yearly value: the
        same targets as the HTML report's fans (``fan_labels`` in ``src/run/render.rs``)."""
        out: list[tuple[str, float, str | None]] = []
        for s in self._d["scenarios"]:
            if s["name"] != scenario:
                continue
            for t in s["result"]["targets"]:
                if t["indicator"] != indicator:
                    continue
                when = str(t["target_year"])
                if t["metric"] == "value in the target year":
                    out.append((t["id"], float(t["threshold"]), when))
                elif t["metric"] == "lowest yearly value":
                    out.append((t["id"], float(t["threshold"]), "each year"))
                elif (base := self._d.get("target_base", {}).get(t["id"])) is not None:
                    out.append((t["id"], float(t["threshold"]) * base, when))
        return out

    def report(self) -> str:
        """A plain-text summary: one line per scenario and projected target."""
        t = self.targets()
        lines = []
        for (sc, tg), r in t.iterrows():
            if isinstance(r["not_projected"], str):
                continue
            lines.append(
                f"{sc:<10} {tg:<24} P(met) = {r['probability']:6.1%}  "
                f"median {r['median']:.4g} [{r['q5']:.4g}, {r['q95']:.4g}] vs {r['threshold']:.4g}"
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


class GrowthResult(Result):
    """The result of :func:`simulate_growth`: fan quantiles by year, the mean, P(final ≥
    threshold) and the distribution of the first year the threshold is reached."""

    def __init__(self, core: _core.McResult, threshold: float | None = None) -> None:
        self._core = core
        self.threshold = threshold
        self.quantiles: list[float] = core.quantiles
        self._has_target = threshold is not None
        p, se = core.probability(0) if self._has_target else (None, None)
        self.probability: float | None = p
        self.probability_se: float | None = se

    # The pandas objects are built on first use, from numpy arrays the core hands over: a
    # small run's numbers are ready in tens of microseconds, a pandas table takes as long.
    @functools.cached_property
    def fan(self) -> pd.DataFrame:
        """Quantiles by year: index ``year``, a column per quantile (``q5``, ``q50``, …)."""
        years, values = self._core.fan(0)
        return pd.DataFrame(
            values, index=pd.Index(years, name="year"), columns=_qnames(self.quantiles)
        )

    @functools.cached_property
    def mean(self) -> pd.Series:
        """The mean by year."""
        years, mean = self._core.mean(0)
        return pd.Series(mean, index=years, name="mean")

    @functools.cached_property
    def attainment(self) -> pd.Series | None:
        """The probability that the threshold is first reached in each year, and of ``"not
        reached"`` by the horizon; None without a threshold."""
        a = self._core.attainment(0) if self._has_target else None
        if a is None:
            return None
        years, prob, not_reached = a
        return pd.Series([*prob, not_reached], index=[str(y) for y in years] + ["not reached"])

    @property
    def final_quantiles(self) -> npt.NDArray[np.float64]:
        """The quantiles of the horizon year (at :attr:`quantiles`) as a numpy array: the
        numbers of ``fan.iloc[-1]`` without building a pandas table.

        >>> r = simulate_growth(750, 2020, 2025, 0.1, n_paths=10, quantiles=[0.5])
        >>> r.final_quantiles.round(2).tolist()
        [1207.88]
        """
        return self._core.fan(0)[1][-1]

    @property
    def n_paths(self) -> int:
        """Paths simulated."""
        return self._core.n_paths

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
        legend_outside(ax)
        return ax

    def __repr__(self) -> str:
        p = "–" if self.probability is None else f"{self.probability:.4f}"
        return f"<GrowthResult: {self.n_paths:,} paths, P(final ≥ threshold) = {p}>"

    _html_float = "{:,.4g}"


def simulate_growth(
    start: float,
    start_year: int,
    horizon: int,
    rate: float | dict[str, Any],
    *,
    threshold: float | None = None,
    n_paths: int = DEFAULT_PATHS,
    seed: int = DEFAULT_SEED,
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
                "rule": {"kind": "level", "value": float(threshold), "by": int(horizon)},
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
        n_paths, seed, quantiles, fan_years, chunk_size, None, max_values, max_buffer_bytes
    )
    out = _core.simulate_model(json.dumps(model), cfg, _check.threads(threads))
    return GrowthResult(out, threshold)


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
    out = json.loads(_core.forecast(json.dumps(spec), years=ys, values=vs, horizon=h, level=lv))
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
            _check.reals("values", values, _E),
            steps=_check.integer("steps", steps, _E, minimum=0),
            **opt,
        )
    )


__all__ = [
    "DEFAULT_QUANTILES",
    "Backtest",
    "CalibrationResult",
    "GrowthResult",
    "Projection",
    "RollingBacktest",
    "Scenarios",
    "backtest",
    "calibrate",
    "damped_holt",
    "forecast",
    "project",
    "rolling_backtest",
    "simulate_growth",
]
