"""Sweeps on a real Dask cluster: a scheduler and two one-thread workers, each a separate process
started here with dask's own command line (``dask scheduler``, ``dask worker``) on 127.0.0.1
and stopped at the end. Every kind of task swept through ``address=`` gives the sequential
frame value for value; a worker killed (SIGKILL) in the middle of a sweep changes nothing; the
command line ``python -m innodex sweep`` works against the cluster and fails a failing check.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import innodex
import numpy as np
import pandas as pd
import pytest
from dask.distributed import Client  # the test extras install dask[distributed]: never skipped
from innodex import datasets, scale
from innodex.index import coinr_vignette_uncertainty

START_TIMEOUT = 60.0  # seconds for the scheduler and workers to come up on a loaded machine


class Cluster:
    """A scheduler and workers as separate processes (``--no-nanny``: the process we start is
    the worker, so killing it loses the worker). Only the processes started here are stopped."""

    def __init__(self, tmp: pathlib.Path) -> None:
        self.tmp = tmp
        self.file = tmp / "scheduler.json"
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self._n = 0
        self.address = ""

    def _spawn(self, name: str, module: str, *args: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        try:
            return subprocess.Popen(
                [sys.executable, "-m", module, *args], stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=self.tmp,
            )
        finally:
            log.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in self.tmp.glob("*.log"))

    def start(self, n_workers: int = 2) -> None:
        # Port 0: the operating system picks a free port; the scheduler writes it to the file.
        self.scheduler = self._spawn(
            "scheduler", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
            "--no-dashboard", "--scheduler-file", str(self.file),
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.file.exists() or not self.file.read_text().strip():
            if self.scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the scheduler did not start\n{self.logs()}")
            time.sleep(0.05)
        self.address = json.loads(self.file.read_text())["address"]
        for _ in range(n_workers):
            self.add_worker()
        self.wait_for(n_workers)

    def add_worker(self) -> str:
        name = f"w{self._n}"
        self._n += 1
        self.workers[name] = self._spawn(
            name, "distributed.cli.dask_worker", "--scheduler-file", str(self.file),
            "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard",
            "--name", name,
        )
        return name

    def wait_for(self, n: int) -> None:
        with Client(self.address, timeout="30s") as c:
            try:
                c.wait_for_workers(n, timeout=START_TIMEOUT)
            except TimeoutError as e:
                raise RuntimeError(f"{n} workers did not start\n{self.logs()}") from e

    def stop(self) -> None:
        # Workers first: a worker whose scheduler has gone waits for it before exiting.
        for procs in (list(self.workers.values()), [self.scheduler] if self.scheduler else []):
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("dask"))
    try:  # stopped even when starting fails half-way or a test fails
        c.start(2)
        yield c
    finally:
        c.stop()


def _every_kind(repo: pathlib.Path) -> list[scale.Task]:
    """Small tasks of every kind: a builtin plan and a plan object (sent as TOML) under their
    own scenarios and under the other's file, provinces, index uncertainty, run files, Sobol'."""
    shandong = innodex.Plan.builtin("shandong-2022-2027")
    tasks: list[scale.Task] = []
    tasks += scale.plan_tasks(["linyi-2021-2025", shandong], n_paths=4000, seed=11)
    tasks += scale.plan_tasks(
        [innodex.Plan.from_file(repo / "plans" / "linyi-2021-2025.toml")],
        {"file": repo / "scenarios" / "linyi.toml"}, n_paths=3000, seed=12,
    )
    tasks += scale.province_tasks(n_paths=20_000, regions=["Beijing", "Qinghai"])
    tasks += scale.index_tasks(
        {"mc": coinr_vignette_uncertainty(), "sobol": coinr_vignette_uncertainty(design="sobol")},
        n=[64], seeds=[1, 2],
    )
    tasks += scale.run_file_tasks(
        [repo / "scenarios" / "linyi-baseline.run.toml", repo / "scenarios" / "asem-index.run.toml"]
    )
    tasks.append(scale.SobolTask({"problem": "gap"}, datasets.linyi_gap_problem(),
                                 datasets.linyi_gap, 128, seed=5,
                                 output_names=["gap_pp", "linyi_2025", "shandong_2025"]))
    return tasks


def test_sweep_through_address_equals_sequential_for_every_kind(
    cluster: Cluster, repo: pathlib.Path
) -> None:
    tasks = _every_kind(repo)
    with Client(cluster.address) as c:
        assert len(c.scheduler_info()["workers"]) == 2
    seq = scale.run_tasks(tasks, progress=False)  # all cores here, one thread on the workers
    timings: dict[str, float] = {}
    dist = scale.sweep(tasks, address=cluster.address, progress=False, timings=timings)
    pd.testing.assert_frame_equal(seq, dist, check_exact=True)
    # Real results of every kind, not empty frames.
    assert set(dist["plan"].dropna()) == {"linyi-2021-2025", "shandong-2022-2027"}
    assert dist["probability"].notna().sum() > 40
    assert dist["probability"].dropna().between(0, 1).all()
    assert set(dist["scenario_set"].dropna()) == {"shipped", "file"}
    assert (dist.loc[dist["spec"].notna(), "unit"].nunique()) == 51
    assert dist.loc[dist["run_file"].notna(), "run_passed"].astype(bool).all()
    assert set(dist["output"].dropna()) >= {"gap_pp"}
    # Different seeds give different numbers (the seeds travel with the tasks).
    ix = dist[dist["spec"] == "mc"].set_index(["seed", "unit"])["rank_mean"]
    assert not np.array_equal(ix.loc[1].to_numpy(), ix.loc[2].to_numpy())


def test_bad_address_is_named() -> None:
    with pytest.raises(OSError, match=r"address: no Dask scheduler answers at 'tcp://127\.0"):
        scale.sweep([], address="tcp://127.0.0.1:9", timeout=1, progress=False)


def test_cli_sweep_against_the_cluster_and_a_failing_check(
    cluster: Cluster, repo: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    files = [repo / "scenarios" / f for f in ("linyi-baseline.run.toml", "asem-index.run.toml")]
    out = tmp_path / "report"
    cmd = [sys.executable, "-m", "innodex", "sweep", *map(str, files), "--address",
           cluster.address, "--out", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    frame = pd.read_csv(out / "sweep.csv")
    seq = scale.run_tasks(scale.run_file_tasks(files), progress=False)
    pd.testing.assert_series_equal(frame["observed"], seq["observed"], check_exact=True)
    assert frame["passed"].all() and len(frame) == len(seq) > 5
    md = (out / "sweep.md").read_text()
    assert "2 run files" in md and "0 failed" in md
    assert (out / "sweep.html").read_text().count("<tr>") == 1 + 2 + 1 + len(seq) + 1
    for name in ("linyi-baseline", "asem-index"):  # each run's own report, written by a worker
        assert (out / "runs" / name / "report.json").is_file()

    # A run file whose check fails: exit status 1, the file and the check named.
    bad = tmp_path / "too-strict.run.toml"
    bad.write_text(
        '[run]\nname = "too strict"\nplan = "linyi-2021-2025"\n\n'
        '[[checks]]\nname = "doubling in five years at under 10 % a year"\n'
        'kind = "required_cagr"\nindicator = "hte_count"\nat_most = 0.10\n'
    )
    p = subprocess.run([*cmd[:4], str(bad), str(files[0]), "--address", cluster.address,
                        "--out", str(tmp_path / "r2")], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1
    assert f"FAILED {bad}: check 'doubling in five years at under 10 % a year'" in p.stderr
    assert "observed 0.148698" in p.stderr and "Traceback" not in p.stderr
    assert "**FAILED**" in (tmp_path / "r2" / "sweep.md").read_text()


def test_a_worker_killed_mid_sweep_changes_no_number(cluster: Cluster) -> None:
    # 10 index-uncertainty tasks of about 0.3 s each on one thread: long enough that the kill
    # lands while both workers are busy.
    tasks = scale.index_tasks({"coinr": coinr_vignette_uncertainty()}, n=12_000,
                              seeds=range(1, 11))
    seq = scale.run_tasks(tasks, threads=1, progress=False)
    killed: dict[str, object] = {}
    with Client(cluster.address) as watcher:
        def kill_one(done: int, total: int) -> None:
            if killed:
                return
            # The first result is in: kill a worker that is running a task (SIGKILL: no
            # goodbye to the scheduler, its task is lost and must run again elsewhere).
            busy = {a: k for a, k in watcher.processing().items() if k}
            # (With the callback late, e.g. on another client's event loop, nothing would run.)
            assert busy, f"result {done} of {total} came in with no task running"
            names = {a: w["name"] for a, w in watcher.scheduler_info()["workers"].items()}
            addr = next(iter(busy))
            proc = cluster.workers[names[addr]]
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            killed.update(name=names[addr], done=done, total=total, lost=len(busy[addr]))

        try:
            dist = scale.sweep(tasks, address=cluster.address, progress=False,
                               callback=kill_one)
            alive = len(watcher.scheduler_info()["workers"])
        finally:  # restore two workers for any later test
            if killed:
                cluster.add_worker()
                cluster.wait_for(2)
    assert killed, "no worker was killed"
    assert killed["done"] < killed["total"] // 2 and killed["lost"] >= 1  # mid-sweep, busy
    assert alive == 1  # the sweep finished on the surviving worker
    pd.testing.assert_frame_equal(seq, dist, check_exact=True)
    assert len(dist) == 10 * 51 and dist["failed"].eq(0).all()
