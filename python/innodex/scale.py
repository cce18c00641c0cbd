"""Scale-out: run a sweep of independent tasks — plans × scenario sets, provinces × scenarios,
index uncertainty over specs × sample sizes × seeds, run files, Sobol' problems — on a
``dask.distributed`` cluster, and gather the results into one tidy DataFrame.

Every task is a small picklable object with ``labels`` (the columns that identify it in the
result) and a ``run(threads)`` method that returns a tidy frame; :func:`run_tasks` runs a list
of them here, one after the other, and :func:`sweep` runs the same list on a cluster (a
``LocalCluster`` by default, or the cluster at ``address``, or a given ``client``). Both return
the same frame, value for value: every number is computed by the Rust core from the task's own
seed, and the core's results do not depend on the number of threads. On a cluster each task's
native threads are capped at ``threads_per_worker`` (a dedicated thread pool per call), so that
the workers of one machine do not oversubscribe its cores.

The task kinds (build them with the functions named) and the columns of their rows, after the
label columns:

- :class:`PlanTask` (:func:`plan_tasks`: plans × scenario sets): ``scenario``, ``target``,
  ``indicator``, ``target_year``, ``metric``, ``threshold``, ``q5``, ``median``, ``q95``,
  ``probability``, ``probability_se``, ``median_year``, ``not_projected``;
- :class:`GrowthTask` (:func:`province_tasks`: provinces × scenarios): ``year``, ``mean``,
  ``q5`` … ``q95``, ``probability``, ``probability_se``;
- :class:`IndexUncertaintyTask` (:func:`index_tasks`: specs × n × seeds): ``unit``,
  ``rank_nominal``, ``rank_median``, ``rank_mean``, ``rank_q05``, ``rank_q95``, ``failed``;
- :class:`RunFileTask` (:func:`run_file_tasks`): ``run``, ``check``, ``check_kind``,
  ``observed``, ``observed_text``, ``bound``, ``passed``, ``run_passed``, ``report_dir``;
- :class:`SobolTask` (by hand): ``output``, ``input``, ``S1``, ``S1_conf``, ``S1_low``,
  ``S1_high``, ``ST``, ``ST_conf``, ``ST_low``, ``ST_high``.

A sweep of several kinds gives the union of their columns (missing values where a kind has no
such column). Tasks carry text and numbers only (TOML/JSON text, paths, ids), a few kilobytes
each; ``docs/scale.md`` gives the measured sizes, timings and the expected scaling.

dask is an optional extra (``pip install 'innodex[dask]'``), imported only by :func:`sweep`.
``python -m innodex sweep RUNFILES…`` runs run files as a sweep from the command line.

>>> from innodex import scale
>>> tasks = scale.province_tasks(n_paths=1000, regions=["Shandong", "Jiangsu"])
>>> tasks += scale.plan_tasks(["linyi-2021-2025"], n_paths=500)
>>> len(tasks)
7
>>> df = scale.run_tasks(tasks, progress=False)
>>> df[["region", "scenario"]].dropna().drop_duplicates().shape[0]
6
>>> bool(df["probability"].dropna().between(0, 1).all())
True
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_SEED
from innodex._sweep_tasks import (
    IndexUncertaintyTask,
    PlanTask,
    RunFileTask,
    index_tasks,
    plan_tasks,
    run_file_tasks,
)
from innodex.growth import cagr, compound_path
from innodex.projection import DEFAULT_QUANTILES, simulate_growth
from innodex.sensitivity import Model, Problem, sobol

__all__ = [
    "PROVINCE_SCENARIOS",
    "GrowthTask",
    "IndexUncertaintyTask",
    "PlanTask",
    "RunFileTask",
    "SobolTask",
    "Task",
    "index_tasks",
    "plan_tasks",
    "province_panel",
    "province_tasks",
    "run_file_tasks",
    "run_tasks",
    "sweep",
]


class Task(Protocol):
    """What :func:`run_tasks` and :func:`sweep` accept: labels and ``run(threads)``."""

    labels: Mapping[str, Any]

    def run(self, threads: int | None = None) -> pd.DataFrame:
        """The task's result as a tidy frame (without the label columns)."""
        ...


@dataclass
class GrowthTask:
    """A Monte Carlo projection of one series (:func:`innodex.simulate_growth`).

    The result has one row per year: ``year``, ``mean``, the quantile columns (``q5``, …) and
    the probability (with its Monte Carlo standard error) that the final value reaches
    ``threshold`` (NaN without a threshold).

    >>> t = GrowthTask({"region": "X"}, 100.0, 2023, 2025, 0.05, threshold=110.0, n_paths=10)
    >>> t.run()["year"].tolist()
    [2023, 2024, 2025]
    """

    labels: dict[str, Any]
    start: float
    start_year: int
    horizon: int
    rate: float | dict[str, Any]
    threshold: float | None = None
    n_paths: int = 10_000
    seed: int = DEFAULT_SEED
    quantiles: Sequence[float] = DEFAULT_QUANTILES

    def run(self, threads: int | None = None) -> pd.DataFrame:
        """Simulate; ``threads`` caps the native threads."""
        r = simulate_growth(
            self.start, self.start_year, self.horizon, self.rate,
            threshold=self.threshold, n_paths=self.n_paths, seed=self.seed,
            quantiles=self.quantiles, threads=threads,
        )
        df = r.to_pandas().reset_index()
        df["probability"] = np.nan if r.probability is None else r.probability
        df["probability_se"] = np.nan if r.probability_se is None else r.probability_se
        return df


@dataclass
class SobolTask:
    """A Sobol' analysis (:func:`innodex.sensitivity.sobol`) of one problem and model.

    ``model`` must pickle (a function defined at the top level of a module, or a function of
    ``innodex`` itself such as :func:`innodex.datasets.linyi_gap`). The result has one row
    per (output, input) with the columns of :meth:`SobolResult.to_pandas`.
    """

    labels: dict[str, Any]
    problem: Problem
    model: Model
    N: int  # noqa: N815 - SALib's name, as in innodex.sensitivity.sobol
    seed: int = DEFAULT_SEED
    calc_second_order: bool = False
    num_resamples: int = 100
    output_names: Sequence[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def run(self, threads: int | None = None) -> pd.DataFrame:
        """Sample, evaluate and analyse; ``threads`` caps the native threads."""
        res = sobol(
            self.problem, self.model, self.N, calc_second_order=self.calc_second_order,
            seed=self.seed, num_resamples=self.num_resamples, output_names=self.output_names,
            progress=False, threads=threads, **self.options,
        )
        return res.to_pandas().reset_index()


# ---------------------------------------------------------------------------- provinces

#: The province scenarios of :func:`province_tasks`: each shifts the yearly growth rate of R&D
#: spending from the province's own 2020–2023 CAGR (``shift``) and draws it every year from a
#: normal distribution with standard deviation ``sd``. Assumptions for illustration, not
#: forecasts.
PROVINCE_SCENARIOS: dict[str, dict[str, float]] = {
    "slow": {"shift": -0.03, "sd": 0.03},
    "baseline": {"shift": 0.0, "sd": 0.03},
    "fast": {"shift": 0.02, "sd": 0.03},
}


def province_panel() -> pd.DataFrame:
    """The shipped provincial R&D panel (31 provinces and China, 2015–2023, first-published
    vintage; see ``data/README.md``), in long form. It is embedded in the library, so an
    installed wheel has it.

    >>> p = province_panel()
    >>> p["region_en"].nunique(), int(p["year"].min()), int(p["year"].max())
    (32, 2015, 2023)
    """
    return pd.read_csv(io.StringIO(_core.china_province_rd_csv()))


def province_tasks(
    scenarios: Mapping[str, Mapping[str, float]] | None = None,
    *,
    n_paths: int = 100_000,
    seed: int = DEFAULT_SEED,
    horizon: int = 2025,
    growth_target: float = 0.07,
    regions: Sequence[str] | None = None,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
) -> list[GrowthTask]:
    """Projection tasks for every province × scenario: R&D spending (100 m yuan) from 2023 to
    ``horizon``, with the probability of meeting the national 14th Five-Year Plan target that
    R&D spending grows at least ``growth_target`` a year on average from 2020 (threshold: the
    2020 value compounded at that rate to ``horizon``).

    Every task uses the same ``seed``: the scenarios and provinces are compared on common
    random numbers, so a difference between two rows comes from the assumptions, not from the
    draws.

    >>> ts = province_tasks(n_paths=100)
    >>> len(ts), ts[0].labels
    (93, {'region': 'Anhui', 'scenario': 'slow'})
    """
    sc = dict(PROVINCE_SCENARIOS if scenarios is None else scenarios)
    n_paths = _check.integer("n_paths", n_paths, _core.ProjectionError, minimum=1)
    horizon = _check.integer("horizon", horizon, _core.ProjectionError, minimum=2024)
    growth_target = _check.real("growth_target", growth_target, _core.ProjectionError)
    seed = _check.seed(seed, _core.ProjectionError)
    panel = province_panel()
    panel = panel[panel["region_en"] != "China"]
    wide = panel.pivot(index="region_en", columns="year", values="rd_expenditure_100m_yuan")
    if regions is not None:
        wanted = _check.strings("regions", regions)
        unknown = sorted(set(wanted) - set(wide.index))
        if unknown:
            raise _core.ProjectionError(f"regions: unknown {unknown}")
        wide = wide.loc[sorted(wanted)]
    # Rates and thresholds come from the Rust growth arithmetic.
    trend = cagr(wide[2020].to_numpy(), wide[2023].to_numpy(), 2020, 2023)
    tasks = []
    for (region, row), g in zip(wide.iterrows(), np.atleast_1d(trend), strict=True):
        threshold = float(compound_path(float(row[2020]), growth_target, 2020, horizon).iloc[-1])
        for name, a in sc.items():
            rate = {"dist": "normal", "mean": float(g) + a["shift"], "sd": a["sd"]}
            tasks.append(
                GrowthTask(
                    {"region": str(region), "scenario": str(name)}, float(row[2023]), 2023,
                    horizon, rate, threshold, n_paths, seed, tuple(quantiles),
                )
            )
    return tasks


# ---------------------------------------------------------------------------- running


def _labelled(task: Task, df: pd.DataFrame) -> pd.DataFrame:
    clash = [k for k in task.labels if k in df.columns]
    if clash:
        raise ValueError(
            f"labels {clash} of task {dict(task.labels)} are also columns of its result; "
            "rename them"
        )
    labels = pd.DataFrame({k: [v] * len(df) for k, v in task.labels.items()}, index=df.index)
    return pd.concat([labels, df], axis=1)


def _run_one(task: Task, threads: int | None) -> pd.DataFrame:
    """Run one task (on a worker): the task's frame with its labels in front."""
    return _labelled(task, task.run(threads))


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    # In task order (gather keeps it), so a sweep and a sequential run line up row for row.
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _tasks(tasks: Any) -> list[Any]:
    if isinstance(tasks, str) or not isinstance(tasks, Sequence):
        raise TypeError(f"tasks must be a sequence of tasks, not {type(tasks).__name__}")
    out = list(tasks)
    for i, t in enumerate(out):
        if not callable(getattr(t, "run", None)) or not isinstance(
            getattr(t, "labels", None), Mapping
        ):
            raise TypeError(
                f"tasks[{i}] must be a task (labels and run(threads)), not {type(t).__name__}"
            )
    return out


def run_tasks(
    tasks: Sequence[Task], *, threads: int | None = None, progress: bool | str = "auto"
) -> pd.DataFrame:
    """Run tasks here, one after the other, and return one frame: the tasks' labels, then
    their results, in task order.

    ``threads`` caps the native threads of each task (None: all cores). A tqdm bar counts the
    tasks unless ``progress=False``.

    Examples
    --------
    >>> tasks = province_tasks(n_paths=500, regions=["Tianjin"])
    >>> df = run_tasks(tasks, threads=1, progress=False)
    >>> df.columns[:3].tolist(), len(df)
    (['region', 'scenario', 'year'], 9)
    >>> df.equals(run_tasks(tasks, threads=2, progress=False))  # threads change no number
    True
    """
    ts = _tasks(tasks)
    th = _check.threads(threads)
    from innodex._progress import Bar

    frames = []
    with Bar(_check.progress(progress), "tasks", "tasks") as bar:
        for i, t in enumerate(ts):
            frames.append(_run_one(t, th))
            bar.update(i + 1, len(ts))
    return _combine(frames)


def _connect(address: str, timeout: float | None) -> Any:
    """A client of the scheduler at ``address``; an unreachable or malformed address raises
    ``OSError`` naming it."""
    from dask.distributed import Client

    try:
        return Client(address, timeout=timeout if timeout is not None else "30s")
    except (OSError, TimeoutError, ValueError) as e:
        raise OSError(f"address: no Dask scheduler answers at {address!r}: {e}") from e


def sweep(
    tasks: Sequence[Task],
    *,
    client: Any = None,
    address: str | None = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    progress: bool | str = "auto",
    timings: dict[str, float] | None = None,
    callback: Callable[[int, int], object] | None = None,
    timeout: float | None = None,
) -> pd.DataFrame:
    """Run tasks on a ``dask.distributed`` cluster and gather one frame, equal to
    :func:`run_tasks`'s.

    Parameters
    ----------
    tasks
        :class:`PlanTask`, :class:`GrowthTask`, :class:`IndexUncertaintyTask`,
        :class:`RunFileTask`, :class:`SobolTask` or any picklable object with ``labels`` and
        ``run(threads)``.
    client, address
        A ``dask.distributed.Client`` to use, or the address of a running scheduler
        (``tcp://host:port``); with neither, a ``LocalCluster`` of ``n_workers`` processes
        (dask's default: one per core) is started and closed again.
    threads_per_worker
        Native threads each task may use on its worker (and the threads of a local cluster's
        workers): workers × threads should not exceed the cores.
    progress
        A tqdm bar counting finished tasks.
    timings
        If a dict is given, ``"cluster"`` (seconds to start or connect to the cluster) and
        ``"run"`` (seconds from submitting to gathering) are written into it.
    callback
        Called as ``callback(done, total)`` in this thread each time a task finishes.
    timeout
        Seconds to wait for the scheduler at ``address`` (None: 30).

    Returns
    -------
    pandas.DataFrame
        The tasks' labels, then their results, in task order. A worker lost during the sweep
        changes nothing: the scheduler reruns its tasks elsewhere, from the same seeds.

    Raises
    ------
    OSError
        No scheduler answers at ``address``.

    Examples
    --------
    Not run by the doctests, since it needs a cluster (``tests/python/test_cluster.py`` starts
    a scheduler and two workers and runs the same comparison):

    >>> tasks = province_tasks(n_paths=100_000)                   # doctest: +SKIP
    >>> df = sweep(tasks, address="tcp://127.0.0.1:8786")        # doctest: +SKIP
    >>> df.equals(run_tasks(tasks))                               # doctest: +SKIP
    True
    """
    ts = _tasks(tasks)
    tpw = _check.integer("threads_per_worker", threads_per_worker, minimum=1)
    n_workers = _check.integer("n_workers", n_workers, minimum=1, none=True)
    address = _check.text("address", address, none=True)
    timeout = _check.real("timeout", timeout, _core.InnodexError, none=True)
    if timeout is not None and not timeout > 0:
        raise _core.InnodexError(f"timeout must be positive, got {timeout}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, not {type(callback).__name__}")
    show = _check.progress(progress)
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as e:  # pragma: no cover - exercised only without dask
        raise ImportError("sweep needs dask.distributed: pip install 'innodex[dask]'") from e
    from innodex._progress import Bar

    t0 = time.perf_counter()
    cluster = None
    own = client is None
    if client is None:
        if address is not None:
            client = _connect(address, timeout)
        else:
            cluster = LocalCluster(
                n_workers=n_workers, threads_per_worker=tpw, processes=True,
                dashboard_address=None,
            )
            client = Client(cluster)
    t1 = time.perf_counter()
    try:
        futures = client.map(_run_one, ts, threads=tpw, pure=False)
        with Bar(show, "tasks", "tasks") as bar:
            # On this client's own loop: as_completed's default is the default client's, and
            # with another client in the process (a notebook's, a watcher's) its events would
            # only arrive at the end.
            for i, _ in enumerate(as_completed(futures, loop=client.loop)):
                bar.update(i + 1, len(ts))
                if callback is not None:
                    callback(i + 1, len(ts))
        frames = client.gather(futures)
    finally:
        t2 = time.perf_counter()
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    if timings is not None:
        timings["cluster"] = t1 - t0
        timings["run"] = t2 - t1
    return _combine(list(frames))
