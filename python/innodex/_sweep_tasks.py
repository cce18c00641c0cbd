"""The task kinds of :mod:`innodex.scale` beyond single series and Sobol' problems: a plan under
a scenario set, the uncertainty of a composite index, and a run file.

Each task holds only text and numbers (a plan or scenario set as TOML text or an embedded id,
an index spec as JSON text, a run file as a path), so it pickles to a few kilobytes, and each
returns a small tidy frame. Import them from :mod:`innodex.scale`.
"""

from __future__ import annotations

import functools
import json
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_PATHS, DEFAULT_SEED

if TYPE_CHECKING:  # pragma: no cover
    from innodex.plan import Plan
    from innodex.projection import Scenarios

__all__ = [
    "IndexUncertaintyTask",
    "PlanTask",
    "RunFileTask",
    "index_tasks",
    "plan_tasks",
    "run_file_tasks",
]


# ---------------------------------------------------------------------------- plans
def _file_or_toml(
    value: Any, name: str, expected: str, not_a_file: Callable[[str], Exception]
) -> str:
    """TOML text given as the path of a file (an ``os.PathLike``, or a string of one line) or
    as itself (a string of several lines). A path that is no file raises ``not_a_file(path)``,
    another type a ``TypeError`` saying ``name`` must be ``expected``."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and "\n" not in value):
        p = os.fspath(value)
        if not os.path.isfile(p):
            raise not_a_file(p)
        with open(p, encoding="utf-8") as f:
            return f.read()
    return _check.instance(name, value, str, expected)


def _plan_text(plan: Any, name: str = "plan") -> str:
    """An embedded plan id, or the TOML text of a :class:`Plan`, a plan file or TOML text."""
    from innodex.plan import Plan

    if isinstance(plan, Plan):
        return plan.to_toml()
    if isinstance(plan, str) and plan in Plan.builtin_names():
        return plan
    return _file_or_toml(
        plan,
        name,
        "an innodex.Plan, an embedded plan's id, a plan file or plan TOML text",
        lambda p: _core.PlanError(
            f"{name}: {p!r} is neither an embedded plan ({', '.join(Plan.builtin_names())}) "
            "nor a plan file"
        ),
    )


def _scenarios_text(scenarios: Any, name: str = "scenarios") -> str | None:
    from innodex.projection import Scenarios

    if scenarios is None:
        return None
    if isinstance(scenarios, Scenarios):
        return scenarios.to_toml()
    return _file_or_toml(
        scenarios,
        name,
        "an innodex.Scenarios, a scenario file, scenario TOML text or None",
        lambda p: _core.ProjectionError(f"{name}: no scenario file {p!r}"),
    )


@functools.lru_cache(maxsize=16)
def _plan(text: str) -> Plan:
    """The plan of a task (parsed once per worker process and text)."""
    from innodex.plan import Plan

    return Plan.builtin(text) if "\n" not in text else Plan.from_toml(text)


@dataclass
class PlanTask:
    """A Monte Carlo projection of a plan under a scenario set (:func:`innodex.project`).

    ``plan`` is an embedded plan's id (``Plan.builtin_names()``) or the plan's TOML text;
    ``scenarios`` is the TOML text of a scenario set, or None for the plan's own shipped set.
    Build tasks with :func:`plan_tasks` (which accepts :class:`innodex.Plan` objects and
    files). The result has one row per scenario and target, with the columns of
    :meth:`innodex.Projection.targets`: ``scenario``, ``target``, ``indicator``,
    ``target_year``, ``metric``, ``threshold``, ``q5``, ``median``, ``q95`` (the target metric's
    median and 90 % band), ``probability``, ``probability_se``, ``median_year``,
    ``not_projected``.

    >>> t = PlanTask({"plan": "linyi"}, "linyi-2021-2025", n_paths=200, seed=1)
    >>> df = t.run(threads=1)
    >>> sorted(df["scenario"].unique())
    ['baseline', 'fast', 'slow']
    >>> bool(df["probability"].dropna().between(0, 1).all())
    True
    """

    labels: dict[str, Any]
    plan: str
    scenarios: str | None = None
    n_paths: int = DEFAULT_PATHS
    seed: int = DEFAULT_SEED
    only: tuple[str, ...] | None = None

    def run(self, threads: int | None = None) -> pd.DataFrame:
        """Project; ``threads`` caps the native threads."""
        from innodex.projection import Scenarios, project

        sc = None if self.scenarios is None else Scenarios.from_toml(self.scenarios)
        res = project(
            _plan(self.plan), sc, n_paths=self.n_paths, seed=self.seed, only=self.only,
            progress=False, threads=threads,
        )
        return res.targets().reset_index()


def plan_tasks(
    plans: Sequence[Plan | str | os.PathLike[str]],
    scenario_sets: Mapping[str, Scenarios | str | os.PathLike[str] | None] | None = None,
    *,
    n_paths: int = DEFAULT_PATHS,
    seed: int = DEFAULT_SEED,
    only: Sequence[str] | None = None,
) -> list[PlanTask]:
    """Tasks for every plan × scenario set.

    ``plans``: :class:`innodex.Plan` objects, embedded plan ids or plan files (sent to the
    workers as TOML text, so files need not exist there). ``scenario_sets``: named scenario
    sets (a :class:`innodex.Scenarios`, a scenario file or TOML text; None: each plan's own
    shipped set); by default each plan's own set, named ``"shipped"``. Labels: ``plan`` (the
    plan's id) and ``scenario_set``. Every task uses ``seed``.

    >>> ts = plan_tasks(["linyi-2021-2025", "shandong-2022-2027"], n_paths=100)
    >>> [t.labels for t in ts]  # doctest: +NORMALIZE_WHITESPACE
    [{'plan': 'linyi-2021-2025', 'scenario_set': 'shipped'},
     {'plan': 'shandong-2022-2027', 'scenario_set': 'shipped'}]
    """
    if isinstance(plans, str | os.PathLike) or not isinstance(plans, Sequence):
        raise TypeError(f"plans must be a sequence of plans, not {type(plans).__name__}")
    sets = {"shipped": None} if scenario_sets is None else dict(
        _check.mapping("scenario_sets", scenario_sets)
    )
    n_paths = _check.integer("n_paths", n_paths, _core.ProjectionError, minimum=1)
    seed = _check.seed(seed, _core.ProjectionError)
    only_t = None if only is None else tuple(_check.strings("only", only))
    texts = {k: _scenarios_text(v, f"scenario_sets[{k!r}]") for k, v in sets.items()}
    tasks = []
    for i, p in enumerate(plans):
        text = _plan_text(p, f"plans[{i}]")
        pid = _plan(text).id
        for name, sc in texts.items():
            if sc is None and _core.Scenarios.builtin_for(pid) is None:
                raise _core.ProjectionError(
                    f"plans[{i}]: plan {pid!r} has no shipped scenarios; give scenario_sets"
                )
            tasks.append(
                PlanTask({"plan": pid, "scenario_set": str(name)}, text, sc, n_paths, seed,
                         only_t)
            )
    return tasks


# ---------------------------------------------------------------------------- index uncertainty
#: The shipped data sets an :class:`IndexUncertaintyTask` can name instead of CSV files.
INDEX_DATA = ("asem",)


@functools.lru_cache(maxsize=8)
def _composite(data: str | tuple[str, str]) -> Any:
    """The index of a task (read once per worker process and data)."""
    from innodex.index import CompositeIndex

    if data == "asem":
        return CompositeIndex(
            _core.CompositeIndex.from_text(
                _core.dataset_csv("asem_data"), imeta=_core.dataset_csv("asem_meta")
            )
        )
    idata, imeta = data
    return CompositeIndex.from_csv(idata, imeta)


def _spec(value: Any, name: str) -> str:
    """A spec (dict or TOML text) as JSON text."""
    if isinstance(value, str):
        try:
            value = tomllib.loads(value)
        except tomllib.TOMLDecodeError as e:
            raise _core.CompositeIndexError(f"{name} is not valid TOML: {e}") from e
    return json.dumps(dict(_check.mapping(name, value)), sort_keys=True)


def _data(data: Any) -> str | tuple[str, str]:
    if isinstance(data, str):
        if data not in INDEX_DATA:
            raise _core.CompositeIndexError(
                f"data: {data!r} is not a shipped data set ({', '.join(INDEX_DATA)}); give "
                "(idata.csv, imeta.csv)"
            )
        return data
    if isinstance(data, Sequence) and len(data) == 2:
        paths = tuple(os.path.abspath(_check.path(f"data[{i}]", d)) for i, d in enumerate(data))
        for p in paths:
            if not os.path.isfile(p):
                raise _core.CompositeIndexError(f"data: no file {p!r}")
        return paths  # type: ignore[return-value]
    raise TypeError(f"data must be 'asem' or (idata, imeta) paths, not {type(data).__name__}")


#: Columns of an :class:`IndexUncertaintyTask`'s frame.
INDEX_COLUMNS = ["unit", "rank_nominal", "rank_median", "rank_mean", "rank_q05", "rank_q95",
                 "failed"]


@dataclass
class IndexUncertaintyTask:
    """The uncertainty of a composite index's ranks over methodological choices
    (:meth:`innodex.CompositeIndex.uncertainty`) for one spec, sample size ``n`` and seed.

    ``spec`` and ``pipeline`` are JSON text (build tasks with :func:`index_tasks`, which takes
    dicts or TOML); ``n`` and ``seed`` override the spec's. ``data`` is a shipped data set
    (``"asem"``, COINr's example) or absolute paths of ``(iData, iMeta)`` CSV files readable on
    the workers. The result has one row per unit: ``unit``, ``rank_nominal``, ``rank_median``,
    ``rank_mean``, ``rank_q05``, ``rank_q95`` and ``failed`` (rebuilds that failed).

    >>> from innodex.index import coinr_vignette_uncertainty
    >>> t = index_tasks({"coinr": coinr_vignette_uncertainty()}, n=10, seeds=[1])[0]
    >>> df = t.run(threads=1)
    >>> len(df), df.columns[:3].tolist()
    (51, ['unit', 'rank_nominal', 'rank_median'])
    """

    labels: dict[str, Any]
    spec: str
    n: int
    seed: int
    pipeline: str = "{}"
    data: str | tuple[str, str] = "asem"

    def run(self, threads: int | None = None) -> pd.DataFrame:
        """Rebuild the index ``n`` times; ``threads`` caps the native threads."""
        spec = {**json.loads(self.spec), "n": self.n, "seed": self.seed}
        ua = _composite(self.data).uncertainty(
            spec, json.loads(self.pipeline), progress=False, threads=threads
        )
        df = ua.to_pandas().reset_index()
        df = df.rename(columns={c: f"rank_{c}" for c in df.columns if c != "unit"})
        df["failed"] = int(ua.failed)
        return df[INDEX_COLUMNS]


def _many(name: str, value: Any) -> list[Any]:
    """One value or an iterable of values (not a string) as a list."""
    if isinstance(value, int | float | str) or not isinstance(value, Iterable):
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        raise TypeError(f"{name} must be an integer or integers, not {type(value).__name__}")
    return list(value)


def index_tasks(
    specs: Mapping[str, Mapping[str, Any] | str],
    *,
    n: int | Iterable[int],
    seeds: int | Iterable[int],
    pipeline: Mapping[str, Any] | str | None = None,
    data: str | tuple[str | os.PathLike[str], str | os.PathLike[str]] = "asem",
) -> list[IndexUncertaintyTask]:
    """Tasks for every uncertainty spec × sample size × seed, around one ``pipeline``.

    ``specs``: named uncertainty specs (dicts or TOML text, as
    :meth:`innodex.CompositeIndex.uncertainty` takes them); ``n`` and ``seeds`` replace the
    specs' own (as in index spec files, there is no default seed: give it). Labels: ``spec``,
    ``n``, ``seed``.

    >>> from innodex.index import coinr_vignette_uncertainty as cv
    >>> ts = index_tasks({"mc": cv(), "sobol": cv(design="sobol")}, n=[100, 1000], seeds=[1, 2])
    >>> len(ts), ts[-1].labels
    (8, {'spec': 'sobol', 'n': 1000, 'seed': 2})
    """
    sp = {str(k): _spec(v, f"specs[{k!r}]") for k, v in _check.mapping("specs", specs).items()}
    ns = [_check.integer("n", v, _core.CompositeIndexError, minimum=1) for v in _many("n", n)]
    sd = [
        _check.seed(s, _core.CompositeIndexError, name=f"seeds[{i}]")
        for i, s in enumerate(_many("seeds", seeds))
    ]
    pipe = _spec({} if pipeline is None else pipeline, "pipeline")
    d = _data(data)
    return [
        IndexUncertaintyTask({"spec": name, "n": k, "seed": s}, text, k, s, pipe, d)
        for name, text in sp.items()
        for k in ns
        for s in sd
    ]


# ---------------------------------------------------------------------------- run files
#: Columns of a :class:`RunFileTask`'s frame.
RUN_COLUMNS = ["run", "check", "check_kind", "observed", "observed_text", "bound", "passed",
               "run_passed", "report_dir"]


@dataclass
class RunFileTask:
    """A run file (:func:`innodex.check_file`): its computations and checks.

    ``path`` must be readable on the workers (and the files it names, relative to it): an
    absolute path on a shared file system or the same checkout on every machine. With ``out``,
    the worker also writes the run's full report there (report.json, .md, .html and the CSV
    tables, as ``innodex run --out``). ``options`` are further keyword arguments of
    :func:`innodex.run_file` (``baseline``, ``tolerance``, ``rel_tolerance``). The result has one
    row per check: ``run`` (the run's
    name), ``check``, ``check_kind``, ``observed``, ``observed_text``, ``bound``, ``passed``,
    ``run_passed`` and ``report_dir`` (``out`` or None); a run file without checks gives one row
    with no check.

    >>> t = run_file_tasks(["scenarios/linyi-baseline.run.toml"])[0]
    >>> t.labels
    {'run_file': 'scenarios/linyi-baseline.run.toml'}
    """

    labels: dict[str, Any]
    path: str
    out: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def run(self, threads: int | None = None) -> pd.DataFrame:
        """Run the file and evaluate its checks; ``threads`` caps the native threads."""
        from innodex.runs import run_file

        r = run_file(self.path, out=self.out, threads=threads, **self.options)
        c = r.checks.rename(columns={"name": "check", "kind": "check_kind"})
        if c.empty:
            c = pd.DataFrame({"check": [None]})
        df = c.assign(run=str(r.report.get("name", "")), run_passed=r.passed, report_dir=self.out)
        return df.reindex(columns=RUN_COLUMNS).reset_index(drop=True)


def run_file_tasks(
    paths: Sequence[str | os.PathLike[str]], *, out: str | os.PathLike[str] | None = None
) -> list[RunFileTask]:
    """One task per run file (label ``run_file``: the path as given; the task holds the absolute
    path). ``out``: a directory where each run writes its full report, in a subdirectory named
    after the file (``linyi-baseline`` for ``linyi-baseline.run.toml``); it must be writable by
    the workers. A missing file raises :class:`innodex.InnodexError` naming it.
    """
    if isinstance(paths, str | os.PathLike) or not isinstance(paths, Sequence):
        raise TypeError(f"paths must be a sequence of run files, not {type(paths).__name__}")
    tasks = []
    seen: set[str] = set()
    for i, p in enumerate(paths):
        given = _check.path(f"paths[{i}]", p)
        full = os.path.abspath(given)
        if not os.path.isfile(full):
            raise _core.InnodexError(f"paths[{i}]: no run file {given!r}")
        sub = None
        if out is not None:
            stem = os.path.basename(full).removesuffix(".toml").removesuffix(".run")
            name, k = stem, 1
            while name in seen:
                k += 1
                name = f"{stem}-{k}"
            seen.add(name)
            sub = os.path.join(os.path.abspath(_check.path("out", out)), name)
        tasks.append(RunFileTask({"run_file": given}, full, sub))
    return tasks
