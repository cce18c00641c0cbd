"""Composite indices: build a composite indicator, inspect every stage, and stress-test it.

Every number is computed by the Rust core (``innodex._core``); this module turns specs into
JSON, results into pandas frames, and draws the plots. Pipelines and uncertainty specs are the
same typed formats as the ``innodex index`` spec files, given as dicts, TOML text or keyword
arguments; unknown keys raise :class:`innodex.CompositeIndexError` naming them.

>>> import innodex
>>> asem = innodex.CompositeIndex.from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv")
>>> asem
<CompositeIndex Index: 51 units, 49 indicators, 4 levels>
>>> res = asem.build()                       # raw data, min-max [0, 100], arithmetic means
>>> res.ranking().head(3)["score"].round(4).tolist()
[75.2278, 68.9363, 65.9181]
>>> res = asem.build(innodex.index.COINR_EXAMPLE)  # COINr's full example pipeline
>>> res.ranking().index[0], round(float(res.ranking()["score"].iloc[0]), 4)
('CHE', 68.3837)
"""

from __future__ import annotations

import html
import json
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_SEED
from innodex._plot import axes, legend_outside
from innodex._progress import Bar
from innodex._result import Result

__all__ = [
    "COINR_EXAMPLE",
    "CompositeIndex",
    "IndexResults",
    "PCAResult",
    "Panel",
    "PanelResults",
    "UncertaintyAnalysis",
    "coinr_vignette_uncertainty",
    "run_spec",
]

#: COINr's full example pipeline on ASEM (``build_example_coin()``): denominate as iMeta says,
#: impute by the mean of the unit's EurAsia group, screen units with < 90 % data, treat with at
#: most 5 winsorised points (skewness 2, kurtosis 3.5) then ``log_CT``, min-max [0, 100],
#: arithmetic means.
COINR_EXAMPLE: dict[str, Any] = {
    "denominate": {},
    "impute": {"method": "group_mean", "group": "EurAsia_group"},
    "screen": {"min_availability": 0.9},
    "treat": {"winmax": 5, "skew": 2.0, "kurt": 3.5, "fallback": {"method": "log_ct"}},
    "normalise": {"method": "minmax", "low": 0, "high": 100},
    "aggregate": {"method": "arithmetic"},
}


def coinr_vignette_uncertainty(
    n: int = 100, seed: int = DEFAULT_SEED, design: str = "monte_carlo"
) -> dict[str, Any]:
    """The uncertainty analysis of COINr's sensitivity vignette on ASEM.

    Winsorisation limit 1–5; min-max [1, 100] or z-score (mean 10, sd 2); ±25 % noise on the
    weights of levels 2 and 3; arithmetic or geometric mean. ``design`` is ``monte_carlo`` or
    ``sobol`` (N(d + 2) rebuilds, Sobol indices of the mean absolute rank shift).
    """
    return {
        "n": n,
        "seed": seed,
        "design": design,
        "inputs": [
            {"kind": "winsorisation", "winmax": [1, 2, 3, 4, 5]},
            {
                "kind": "normalisation",
                "alternatives": [
                    {"method": "minmax", "low": 1, "high": 100},
                    {"method": "zscore", "mean": 10, "sd": 2},
                ],
            },
            {"kind": "weights", "levels": [2, 3], "noise": 0.25},
            {
                "kind": "aggregation",
                "alternatives": [{"method": "arithmetic"}, {"method": "geometric"}],
            },
        ],
    }


def _spec_json(
    spec: Mapping[str, Any] | str | None, extra: Mapping[str, Any], name: str = "spec"
) -> str:
    """A spec given as a dict, TOML text or None, updated with keyword arguments, as JSON."""
    if spec is None:
        d: dict[str, Any] = {}
    elif isinstance(spec, str):
        try:
            d = tomllib.loads(spec)
        except tomllib.TOMLDecodeError as e:
            raise _core.CompositeIndexError(f"{name} is not valid TOML: {e}") from e
    elif isinstance(spec, Mapping):
        d = dict(spec)
    else:
        raise TypeError(f"{name} must be a dict, TOML text or None, not {type(spec).__name__}")
    d.update(extra)
    # Spellings users of COINr ("normalise") and of SALib/scikit-learn ("normalize") both type.
    for us, uk in _ALIASES.items():
        if us in d:
            if uk in d:
                raise _core.CompositeIndexError(f"{name}: give `{uk}` or `{us}`, not both")
            d[uk] = d.pop(us)
    return json.dumps(d)


_ALIASES = {"normalize": "normalise", "normalization": "normalisation"}


def _csv(df: pd.DataFrame, name: str = "idata") -> str:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, not {type(df).__name__}")
    return df.to_csv(index=False)


def _csv_paths(idata: Any, imeta: Any) -> tuple[str, str]:
    """The iData and iMeta file paths, checked."""
    return _check.path("idata", idata), _check.path("imeta", imeta)


def _from_text_args(
    idata: pd.DataFrame,
    imeta: pd.DataFrame | None,
    framework: Mapping[str, Any] | str | None,
    unit: str,
    name: str,
    time: str,
    denominators: Iterable[str],
    groups: Iterable[str],
) -> tuple[str, dict[str, Any]]:
    """The iData CSV text and the keywords of the core's ``from_text`` for pandas frames."""
    return _csv(idata), {
        "imeta": None if imeta is None else _csv(imeta, "imeta"),
        "framework": None if framework is None else _spec_json(framework, {}, "framework"),
        "unit": unit,
        "name": name,
        "time": time,
        "denominators": list(denominators),
        "groups": list(groups),
    }


def _frame(units: Sequence[str], codes: Sequence[str], values: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(values, index=pd.Index(list(units), name="unit"), columns=list(codes))
    df.columns.name = "code"
    return df


def _reference_json(reference: str | float | None) -> str:
    if reference is None or reference == "mean":
        return json.dumps({"kind": "mean"})
    if isinstance(reference, int | float):
        return json.dumps({"kind": "value", "value": float(reference)})
    return json.dumps({"kind": "unit", "value": str(reference)})


class CompositeIndex:
    """A framework (indicators → aggregates → index) and the unit data of one period.

    Build it from COINr-style ``iData``/``iMeta`` tables (:meth:`from_csv`, :meth:`from_frames`)
    or from a framework spec and a data frame (:meth:`from_frames` with ``framework=``).
    Validation errors name the element at fault (an indicator with no parent, a cycle, a
    negative weight…). Objects pickle.
    """

    def __init__(self, core: _core.CompositeIndex) -> None:
        self._core = core

    @classmethod
    def from_csv(
        cls, idata: str | os.PathLike[str], imeta: str | os.PathLike[str]
    ) -> CompositeIndex:
        """Read iData and iMeta CSV files (the latest year if iData holds several)."""
        return cls(_core.CompositeIndex.from_csv(*_csv_paths(idata, imeta)))

    @classmethod
    def from_frames(
        cls,
        idata: pd.DataFrame,
        imeta: pd.DataFrame | None = None,
        *,
        framework: Mapping[str, Any] | str | None = None,
        unit: str = "uCode",
        name: str = "uName",
        time: str = "Time",
        denominators: Iterable[str] = (),
        groups: Iterable[str] = (),
        year: int | None = None,
    ) -> CompositeIndex:
        """From pandas frames: ``idata`` with ``imeta`` (COINr's format), or ``idata`` with a
        ``framework`` (dict or TOML text: ``indicators`` and ``aggregates`` lists, see
        :mod:`innodex.index`). ``unit``, ``name`` and ``time`` name the identifying columns;
        ``year`` selects one year of a long table (default: the latest).
        """
        text, kw = _from_text_args(idata, imeta, framework, unit, name, time, denominators, groups)
        return cls(_core.CompositeIndex.from_text(text, **kw, year=year))

    @property
    def core(self) -> _core.CompositeIndex:
        """The underlying Rust object."""
        return self._core

    @property
    def units(self) -> list[str]:
        """Unit codes."""
        return self._core.units

    @property
    def indicators(self) -> list[str]:
        """Indicator codes."""
        return self._core.indicators

    @property
    def codes(self) -> list[str]:
        """All node codes: indicators, then aggregates by level."""
        return self._core.codes

    def framework(self) -> pd.DataFrame:
        """The framework: one row per node (level, parent, weight, direction…)."""
        return pd.DataFrame(json.loads(self._core.framework_json())).set_index("code")

    def raw(self) -> pd.DataFrame:
        """Raw indicator values (units × indicators)."""
        return _frame(self.units, self.indicators, self._core.raw())

    def build(self, pipeline: Mapping[str, Any] | str | None = None, **kw: Any) -> IndexResults:
        """Build the index. ``pipeline`` (dict or TOML) and keyword arguments set the stages:
        ``denominate``, ``impute``, ``screen``, ``treat``, ``normalise`` (or ``normalize``),
        ``aggregate``, ``aggregate_nodes``, ``min_availability``, ``weights`` — all optional.

        >>> asem = CompositeIndex.from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv")
        >>> r = asem.build(normalise={"method": "minmax", "low": 1, "high": 100},
        ...                aggregate={"method": "geometric"})
        >>> r.ranking().index[0]
        'DEU'
        """
        return IndexResults(self._core.build(_spec_json(pipeline, kw, "pipeline")))

    def uncertainty(
        self,
        spec: Mapping[str, Any] | str,
        pipeline: Mapping[str, Any] | str | None = None,
        *,
        progress: bool | str = "auto",
        threads: int | None = None,
    ) -> UncertaintyAnalysis:
        """Monte Carlo uncertainty (and, with ``design = "sobol"``, Sobol sensitivity) of the
        ranks over methodological choices, around ``pipeline``. Reproducible from ``seed``
        whatever the number of threads. See :func:`coinr_vignette_uncertainty`.

        A tqdm bar counts the rebuilds unless ``progress=False`` (Ctrl-C stops the run);
        ``threads`` caps the native threads (None: all cores) without changing a number.

        >>> asem = CompositeIndex.from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv")
        >>> ua = asem.uncertainty(coinr_vignette_uncertainty(n=20, seed=1), progress=False)
        >>> len(ua.ranks())
        20
        """
        if spec is None:
            raise TypeError("spec must be a dict or TOML text, not NoneType")
        p, sp = _spec_json(pipeline, {}, "pipeline"), _spec_json(spec, {}, "spec")
        th = _check.threads(threads)
        with Bar(_check.progress(progress), "rebuilds", "builds") as bar:
            ua = self._core.uncertainty(p, spec=sp, threads=th, callback=bar.callback)
            return UncertaintyAnalysis(ua)

    def __repr__(self) -> str:
        return repr(self._core)

    def _repr_html_(self) -> str:
        fw = self.framework()
        counts = fw.groupby("level_name", sort=False).size().to_frame("nodes").to_html()
        return f"<p><b>{html.escape(repr(self))}</b></p>{counts}"


@dataclass(frozen=True, repr=False)
class PCAResult:
    """Principal components: per component the eigenvalue and variance shares, and loadings
    (correlations of each variable with each component)."""

    components: pd.DataFrame
    loadings: pd.DataFrame
    n_obs: int

    def to_pandas(self) -> pd.DataFrame:
        """Per component: eigenvalue, explained and cumulative variance share."""
        return self.components

    def plot(self, ax: Any = None, **kw: Any) -> Any:
        """Scree plot: variance explained per component and cumulated. Returns the Axes."""
        ax = axes(ax)
        x = np.arange(1, len(self.components) + 1)
        ax.bar(x, self.components["explained"], label="explained", **kw)
        ax.plot(x, self.components["cumulative"], "-o", color="black", label="cumulative")
        ax.set_xticks(x, list(self.components.index))
        ax.set_ylabel("share of variance")
        ax.set_title(f"Principal components ({self.n_obs} units)")
        legend_outside(ax)
        return ax

    def __repr__(self) -> str:
        first = float(self.components["explained"].iloc[0]) if len(self.components) else np.nan
        return (
            f"<PCAResult: {len(self.loadings)} variables, {self.n_obs} units; PC1 explains "
            f"{first:.1%}>"
        )

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(repr(self))}</b></p>" + self.components.to_html(
            float_format=lambda v: f"{v:.3f}"
        )


class IndexResults:
    """Every stage of one build: data sets, records of imputation, screening and treatment,
    scores and ranks at every level, and the analyses on them."""

    def __init__(self, core: _core.IndexBuild) -> None:
        self._core = core
        self._fw = pd.DataFrame(json.loads(core.framework_json())).set_index("code")

    @property
    def core(self) -> _core.IndexBuild:
        """The underlying Rust object."""
        return self._core

    @property
    def units(self) -> list[str]:
        """Units in the results (after screening)."""
        return self._core.units

    @property
    def index_code(self) -> str:
        """Code of the index (top node)."""
        return str(self._fw.index[self._fw["parent"].isna()][0])

    def framework(self) -> pd.DataFrame:
        """The framework, one row per node."""
        return self._fw.copy()

    def _codes(self, level: int | None) -> list[str]:
        if level is None:
            return list(self._fw.index)
        level = _check.integer("level", level, _core.CompositeIndexError)
        codes = list(self._fw.index[self._fw["level"] == level])
        if not codes:
            raise _core.CompositeIndexError(
                f"level {level} is not in the framework (1..{int(self._fw['level'].max())})"
            )
        return codes

    def _code(self, code: Any) -> str:
        """A node code (default: the index), checked against the framework."""
        if code is None:
            return self.index_code
        _check.text("code", code)
        if code not in self._fw.index:
            raise _core.CompositeIndexError(f"code: unknown node {code!r}")
        return code

    def stages(self) -> list[str]:
        """Names of the stages in this build."""
        return self._core.stage_names()

    def stage(self, name: str) -> pd.DataFrame:
        """A stage's data (units × indicators): ``raw``, ``denominated``, ``imputed``,
        ``screened``, ``treated``, ``normalised``, or ``aggregated`` (every node)."""
        return _frame(*self._core.stage(_check.text("name", name)))

    def to_pandas(self, level: int | None = None) -> pd.DataFrame:
        """Scores of every node (units × codes; indicators normalised), or of one level."""
        df = self.stage("aggregated")
        return df[self._codes(level)]

    def ranks(self, level: int | None = None) -> pd.DataFrame:
        """Ranks of every node (1 = best, ties share the best rank), or of one level."""
        df = _frame(self.units, self._core.codes, self._core.ranks())
        return df[self._codes(level)]

    def ranking(self, code: str | None = None) -> pd.DataFrame:
        """Units ordered by a node's score (default: the index), with rank and score."""
        code = self._code(code)
        s = self.to_pandas()[code]
        r = self.ranks()[code]
        df = pd.DataFrame({"rank": r, "score": s}).sort_values(["rank", "score"])
        return df

    def treatment(self) -> pd.DataFrame:
        """Per indicator: skewness and kurtosis before and after, points winsorised, transform."""
        return pd.DataFrame(json.loads(self._core.treatment_json())).set_index("indicator")

    def treated_points(self) -> pd.DataFrame:
        """Every treated point: indicator, unit, value before and after, how."""
        cols = ["indicator", "unit", "before", "after", "how"]
        return pd.DataFrame(json.loads(self._core.treated_points_json()), columns=cols)

    def imputed_points(self) -> pd.DataFrame:
        """Every imputed point: unit, indicator, value."""
        cols = ["unit", "indicator", "value"]
        return pd.DataFrame(json.loads(self._core.imputed_points_json()), columns=cols)

    def screening(self) -> pd.DataFrame | None:
        """Per unit: missing values, zeros, availability, kept or not (None without screening)."""
        rep = json.loads(self._core.screening_json())
        if rep is None:
            return None
        return pd.DataFrame(rep["units"]).set_index("unit")

    def relative(
        self,
        code: str | None = None,
        reference: str | float | None = "mean",
        groups: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Scores relative to a reference (= 100) — a unit code, ``"mean"`` or a number — with
        performance groups ``{name: lower threshold (inclusive)}`` from the best down (default:
        the European Innovation Scoreboard's ≥ 125, ≥ 100, ≥ 70, rest)."""
        g = None
        if groups is not None:
            lowest = -np.finfo(np.float64).max  # JSON has no -inf: the last group takes the rest
            g = json.dumps(
                [{"name": k, "at_least": max(float(v), lowest)} for k, v in groups.items()]
            )
        rows = json.loads(
            self._core.relative_json(self._code(code), _reference_json(reference), g)
        )
        return pd.DataFrame(rows).set_index("unit").sort_values("rank")

    def strengths_weaknesses(
        self, unit: str, n: int = 5, min_unique_share: float = 0.0
    ) -> pd.DataFrame:
        """A unit's ``n`` best- and worst-ranked indicators (column ``kind``)."""
        sw = json.loads(
            self._core.strengths_weaknesses_json(
                _check.text("unit", unit),
                _check.integer("n", n, _core.CompositeIndexError, minimum=1),
                _check.real("min_unique_share", min_unique_share, _core.CompositeIndexError),
            )
        )
        s = pd.DataFrame(sw["strengths"]).assign(kind="strength")
        w = pd.DataFrame(sw["weaknesses"]).assign(kind="weakness")
        return pd.concat([s, w], ignore_index=True)

    def effective_weights(self) -> pd.Series:
        """Each node's share of the index (the indicators' shares sum to one)."""
        rows = json.loads(self._core.effective_weights_json())
        return pd.DataFrame(rows).set_index("code")["weight"]

    def correlations(
        self,
        rows: Sequence[str] | None = None,
        cols: Sequence[str] | None = None,
        *,
        level: int | None = None,
        method: str = "pearson",
    ) -> pd.DataFrame:
        """Correlations between nodes (``pearson`` or ``spearman``, pairwise complete): the
        nodes of ``level`` among themselves, or ``rows`` against ``cols``."""
        r: list[str] = (
            self._codes(level if level is not None else 2) if rows is None
            else _check.strings("rows", rows)
        )
        c: list[str] = list(r) if cols is None else _check.strings("cols", cols)
        m = self._core.correlations(r, c, _check.text("method", method))
        return pd.DataFrame(m, index=r, columns=c)

    def cronbach(self, aggregate: str) -> float:
        """Cronbach's alpha of an aggregate's children."""
        return self._core.cronbach(_check.text("aggregate", aggregate))

    def pca(self, codes: Sequence[str] | None = None, *, level: int | None = None) -> PCAResult:
        """Principal components of the given nodes (default: the indicators of ``level`` 1)."""
        codes = (
            _check.strings("codes", codes) if codes is not None
            else self._codes(level if level else 1)
        )
        p = json.loads(self._core.pca_json(codes))
        names = [f"PC{i + 1}" for i in range(len(p["eigenvalues"]))]
        comp = pd.DataFrame(
            {
                "eigenvalue": p["eigenvalues"],
                "explained": p["explained"],
                "cumulative": p["cumulative"],
            },
            index=names,
        )
        loadings = pd.DataFrame(np.array(p["loadings"]).T, index=codes, columns=names)
        return PCAResult(comp, loadings, int(p["n_obs"]))

    # ------------------------------------------------------------------ plots
    def plot_scores(
        self, level: int = 2, top: int | None = 20, ax: Any = None, **kw: Any
    ) -> Any:
        """Index scores by unit as bars stacked by the nodes of ``level`` (pillars): each
        segment is the node's effective weight × its score, which add up to the index for an
        arithmetic index with no missing data. Returns the matplotlib Axes."""
        ew = self.effective_weights()
        codes = self._codes(level)
        parts = self.to_pandas()[codes] * ew[codes]
        order = self.ranking().index
        if top is not None:
            order = order[:top]
        parts = parts.loc[order]
        ax = axes(ax)
        bottom = np.zeros(len(parts))
        for c in codes:
            vals = parts[c].fillna(0.0).to_numpy()
            ax.bar(parts.index, vals, bottom=bottom, label=str(self._fw.loc[c, "name"]), **kw)
            bottom += vals
        ax.set_ylabel(f"{self.index_code} (contributions)")
        ax.tick_params(axis="x", rotation=90)
        legend_outside(ax)
        return ax

    def plot_correlations(
        self, level: int = 2, method: str = "pearson", ax: Any = None, **kw: Any
    ) -> Any:
        """A correlation heat map of the nodes of ``level``. Returns the Axes."""
        c = self.correlations(level=level, method=method)
        ax = axes(ax)
        im = ax.imshow(c.to_numpy(), vmin=-1, vmax=1, cmap=kw.pop("cmap", "RdBu_r"), **kw)
        ax.set_xticks(range(len(c.columns)), list(c.columns), rotation=90)
        ax.set_yticks(range(len(c.index)), list(c.index))
        for i in range(len(c.index)):
            for j in range(len(c.columns)):
                v = c.iat[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize="x-small")
        ax.figure.colorbar(im, ax=ax, label=f"{method} correlation")
        return ax

    def __repr__(self) -> str:
        return repr(self._core)

    def _repr_html_(self) -> str:
        top = self.ranking().head(10).to_html(float_format=lambda v: f"{v:.2f}")
        return f"<p><b>{html.escape(repr(self))}</b></p>{top}"


class UncertaintyAnalysis(Result):
    """Ranks over many rebuilds with other methodological choices: per unit the nominal,
    median and mean rank and the 5–95 % interval; Sobol indices with the Sobol design."""

    def __init__(self, core: _core.IndexUncertainty) -> None:
        self._core = core

    @property
    def core(self) -> _core.IndexUncertainty:
        """The underlying Rust object."""
        return self._core

    @property
    def target(self) -> str:
        """The node analysed."""
        return self._core.target

    @property
    def inputs(self) -> list[str]:
        """The uncertain inputs."""
        return self._core.inputs

    @property
    def failed(self) -> int:
        """Rebuilds that failed (their ranks are missing)."""
        return self._core.failed

    @property
    def failures(self) -> list[str]:
        """Distinct failure messages."""
        return self._core.failures

    def to_pandas(self) -> pd.DataFrame:
        """Rank statistics per unit (nominal, median, mean, q05, q95), by nominal rank."""
        df = pd.DataFrame(json.loads(self._core.rank_stats_json())).set_index("unit")
        return df.sort_values(["nominal", "median"])

    def ranks(self) -> pd.DataFrame:
        """Ranks, rebuilds × units."""
        return pd.DataFrame(self._core.ranks(), columns=self._core.units)

    def scores(self) -> pd.DataFrame:
        """Scores, rebuilds × units."""
        return pd.DataFrame(self._core.scores(), columns=self._core.units)

    def sample(self) -> pd.DataFrame:
        """The sample in [0, 1), rebuilds × inputs."""
        return pd.DataFrame(self._core.sample(), columns=self.inputs)

    def mean_rank_shift(self) -> pd.Series:
        """Mean absolute rank shift from the nominal ranks, per rebuild."""
        return pd.Series(self._core.mean_rank_shift(), name="mean_rank_shift")

    def sensitivity(self) -> pd.DataFrame | None:
        """Sobol indices of the mean absolute rank shift (first order, total, 5–95 %
        bootstrap intervals); None for a Monte Carlo design."""
        s = json.loads(self._core.sensitivity_json())
        if s is None:
            return None
        rows = [
            {
                "input": i["input"],
                "first": i["first"],
                "first_q05": i["first_ci"][0],
                "first_q95": i["first_ci"][1],
                "total": i["total"],
                "total_q05": i["total_ci"][0],
                "total_q95": i["total_ci"][1],
            }
            for i in s["mean_rank_shift"]
        ]
        return pd.DataFrame(rows).set_index("input").astype("float64")

    def sensitivity_by_unit(self, kind: str = "total") -> pd.DataFrame | None:
        """Sobol indices (``first`` or ``total``) of each unit's rank: units × inputs."""
        s = json.loads(self._core.sensitivity_json())
        if s is None:
            return None
        data = [[i[kind] for i in u] for u in s["per_unit"]]
        return pd.DataFrame(data, index=self._core.units, columns=self.inputs).astype("float64")

    def plot_rank_intervals(self, top: int | None = None, ax: Any = None, **kw: Any) -> Any:
        """Median rank with the 5–95 % interval per unit, nominal rank marked. Returns Axes."""
        df = self.to_pandas().dropna(subset=["nominal"])
        if top is not None:
            df = df.head(top)
        ax = axes(ax)
        x = np.arange(len(df))
        ax.vlines(x, df["q05"], df["q95"], color="grey", lw=2, label="5–95 %")
        ax.plot(x, df["median"], "o", label="median", **kw)
        ax.plot(x, df["nominal"], "x", color="black", label="nominal")
        ax.set_xticks(x, list(df.index), rotation=90)
        ax.invert_yaxis()
        ax.set_ylabel(f"rank of {self.target}")
        legend_outside(ax)
        return ax

    def plot_sensitivity(self, ax: Any = None, **kw: Any) -> Any:
        """Sobol indices as bars: first order plus interactions (total − first), with the
        5–95 % interval of the total. Returns the Axes."""
        s = self.sensitivity()
        if s is None:
            raise _core.CompositeIndexError(
                "no Sobol indices: run the analysis with design = 'sobol'"
            )
        s = s.clip(lower=0.0)
        ax = axes(ax)
        x = np.arange(len(s))
        inter = (s["total"] - s["first"]).clip(lower=0.0)
        ax.bar(x, s["first"], label="first order", **kw)
        ax.bar(x, inter, bottom=s["first"], label="interactions")
        err = np.vstack([s["total"] - s["total_q05"], s["total_q95"] - s["total"]]).clip(0.0)
        ax.errorbar(x, s["total"], yerr=err, fmt="none", color="black", capsize=3)
        ax.set_xticks(x, list(s.index))
        ax.set_ylabel("Sobol index (mean absolute rank shift)")
        legend_outside(ax)
        return ax

    def __repr__(self) -> str:
        return repr(self._core)

    _html_float = "{:.1f}"

    def _html_frame(self) -> pd.DataFrame:
        return self.to_pandas().head(10)


class Panel:
    """Unit data over several years: indices for every year with normalisation bounds (and
    outlier treatment) over all years, as the European Innovation Scoreboard does."""

    def __init__(self, core: _core.IndexPanel) -> None:
        self._core = core

    @classmethod
    def from_csv(cls, idata: str | os.PathLike[str], imeta: str | os.PathLike[str]) -> Panel:
        """Read iData (with a ``Time`` column) and iMeta CSV files."""
        return cls(_core.IndexPanel.from_csv(*_csv_paths(idata, imeta)))

    @classmethod
    def from_frames(
        cls,
        idata: pd.DataFrame,
        imeta: pd.DataFrame | None = None,
        *,
        framework: Mapping[str, Any] | str | None = None,
        unit: str = "uCode",
        name: str = "uName",
        time: str = "Time",
        denominators: Iterable[str] = (),
        groups: Iterable[str] = (),
    ) -> Panel:
        """As :meth:`CompositeIndex.from_frames`, keeping every year."""
        text, kw = _from_text_args(idata, imeta, framework, unit, name, time, denominators, groups)
        return cls(_core.IndexPanel.from_text(text, **kw))

    @property
    def years(self) -> list[int]:
        """Years present."""
        return self._core.years

    def build(
        self,
        pipeline: Mapping[str, Any] | str | None = None,
        global_bounds: bool = True,
        **kw: Any,
    ) -> PanelResults:
        """Build every year; ``global_bounds=False`` normalises (and treats) year by year."""
        spec = {"pipeline": json.loads(_spec_json(pipeline, kw)), "global_bounds": global_bounds}
        fw = json.loads(self._core.framework_json())
        return PanelResults(self._core.build(json.dumps(spec)), fw)

    def __repr__(self) -> str:
        return repr(self._core)

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(repr(self))}</b></p><p>years: {self.years}</p>"


class PanelResults(Result):
    """A built panel: scores and ranks by unit and year, and per-unit trends."""

    def __init__(self, core: _core.IndexPanelBuild, framework: list[dict[str, Any]]) -> None:
        self._core = core
        self._fw = framework
        self._root = next(n["code"] for n in framework if n["parent"] is None)

    @property
    def core(self) -> _core.IndexPanelBuild:
        """The underlying Rust object."""
        return self._core

    @property
    def years(self) -> list[int]:
        """Years."""
        return self._core.years

    def to_pandas(self, code: str | None = None, wide: bool = False) -> pd.DataFrame:
        """A node's scores (default: the index) as a tidy frame, one row per unit and year
        (columns ``unit``, ``year`` and the node's code); ``wide=True`` gives units × years."""
        code = code or self._root
        t = self._core.table(code)
        df = pd.DataFrame(t, index=pd.Index(self._core.units, name="unit"), columns=self.years)
        df = df.dropna(how="all")
        if wide:
            return df
        long = df.rename_axis(columns="year").stack().rename(code).reset_index()
        return long[["unit", "year", code]]

    def ranks(self, code: str | None = None) -> pd.DataFrame:
        """A node's ranks per year, units × years."""
        t = self._core.rank_table(code or self._root)
        df = pd.DataFrame(t, index=pd.Index(self._core.units, name="unit"), columns=self.years)
        return df.dropna(how="all")

    def trends(self, code: str | None = None) -> pd.DataFrame:
        """Per unit: first and last year and score, change, CAGR and least-squares slope."""
        rows = json.loads(self._core.trends_json(code or self._root))
        return pd.DataFrame(rows).set_index("unit").sort_values("last", ascending=False)

    def plot_trends(
        self, code: str | None = None, units: Sequence[str] | None = None, ax: Any = None
    ) -> Any:
        """Scores over the years for some units (default: the five best in the last year)."""
        df = self.to_pandas(code, wide=True)
        if units is None:
            units = list(df[self.years[-1]].sort_values(ascending=False).index[:5])
        ax = axes(ax)
        for u in units:
            ax.plot(self.years, df.loc[u], "-o", label=u)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(self.years) == 1:  # one year: no trend to draw, and no 200-year axis
            y = self.years[0]
            ax.set_xlim(y - 1, y + 1)
            ax.set_title(f"{code or self._root}: one year of data ({y}), no trend yet")
        else:
            ax.set_title(f"{code or self._root}, {self.years[0]}–{self.years[-1]}")
        ax.set_xlabel("year")
        ax.set_ylabel(code or self._root)
        legend_outside(ax)
        return ax

    def __repr__(self) -> str:
        return repr(self._core)

    _html_float = "{:.2f}"

    def _html_frame(self) -> pd.DataFrame:
        """The ten best units of the last year, with the last three years."""
        t = self.to_pandas(wide=True).iloc[:, -3:]
        return t.sort_values(self.years[-1], ascending=False).head(10)


def run_spec(path: str | os.PathLike[str], format: str = "table") -> str:
    """Run an index spec file (as ``innodex index SPEC``) and return its report."""
    return _core.run_index_spec(os.fspath(path), format)
