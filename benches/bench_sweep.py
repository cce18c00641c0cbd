"""Sweep benchmark: a workload where parallelism pays, run sequentially on one thread and on a
real Dask cluster of two one-thread workers (a scheduler and two workers started here as
separate processes with dask's command line, stopped at the end). Checks that the frames are
equal, prints both times and their ratio (best of k, alternating), and the load of the machine.

    python benches/bench_sweep.py                          # 31 provinces × 3 scenarios × 10^7 paths
    python benches/bench_sweep.py --workload index         # index uncertainty, N = 10^5, 8 specs
    python benches/bench_sweep.py --n-paths 2000000 -k 5 --workers 2
    python benches/bench_sweep.py --profile   # bytes shipped per task kind, overhead per task

Both sides run innodex on one native thread: ``threads=1`` in every call (a dedicated thread
pool of one thread per call; ``sweep`` passes ``threads_per_worker=1`` to its tasks), and the
workers also run with ``RAYON_NUM_THREADS=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import pickle
import subprocess
import sys
import tempfile
import time

import pandas as pd
from innodex import scale
from innodex.index import coinr_vignette_uncertainty


def index_specs() -> dict[str, dict]:
    """8 uncertainty specifications around COINr's vignette: all four uncertain inputs, each
    one left out, weights alone, wider weight noise, normalisation with aggregation."""
    base = coinr_vignette_uncertainty()
    inp = base["inputs"]
    specs = {"all": base}
    for i, x in enumerate(inp):
        specs[f"without_{x['kind']}"] = {**base, "inputs": [y for j, y in enumerate(inp) if j != i]}
    specs["weights_only"] = {**base, "inputs": [inp[2]]}
    specs["weights_noise_0.5"] = {**base, "inputs": [inp[0], inp[1], {**inp[2], "noise": 0.5},
                                                      inp[3]]}
    specs["normalisation_aggregation"] = {**base, "inputs": [inp[1], inp[3]]}
    return specs


def workload(args: argparse.Namespace) -> list[scale.Task]:
    if args.workload == "index":
        return list(scale.index_tasks(index_specs(), n=args.n, seeds=[2025]))
    return list(scale.province_tasks(n_paths=args.n_paths, seed=2025))


class Processes:
    """``dask scheduler`` and ``dask worker --nthreads 1`` as separate processes."""

    def __init__(self, n_workers: int) -> None:
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="innodex-bench-"))
        file = self.tmp / "scheduler.json"
        env = {**os.environ, "RAYON_NUM_THREADS": "1"}
        run = [sys.executable, "-m"]
        self.scheduler = subprocess.Popen(
            [*run, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(file)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        while not file.exists() or not file.read_text().strip():
            if self.scheduler.poll() is not None:
                raise RuntimeError("the scheduler did not start")
            time.sleep(0.05)
        self.address = json.loads(file.read_text())["address"]
        self.workers = [
            subprocess.Popen(
                [*run, "distributed.cli.dask_worker", "--scheduler-file", str(file),
                 "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for _ in range(n_workers)
        ]
        from dask.distributed import Client

        with Client(self.address) as c:
            c.wait_for_workers(n_workers, timeout=120)

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by the scheduler, the workers and this
        process (Linux ``/proc``)."""
        tick = os.sysconf("SC_CLK_TCK")

        def proc(pid: int) -> float:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick

        me = os.times()
        return {"scheduler": proc(self.scheduler.pid),
                "workers": sum(proc(w.pid) for w in self.workers),
                "client": me.user + me.system}

    def close(self) -> None:
        for group in (self.workers, [self.scheduler]):
            for p in group:
                p.terminate()
            for p in group:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


def kinds() -> dict[str, scale.Task]:
    """One task of every kind, as a sweep would ship it."""
    repo = pathlib.Path(__file__).resolve().parents[1]
    from innodex import Plan, datasets

    return {
        "PlanTask (embedded plan id, 10^4 paths)": scale.plan_tasks(["linyi-2021-2025"])[0],
        "PlanTask (Plan object as TOML, 10^4 paths)": scale.plan_tasks([Plan.builtin()])[0],
        "GrowthTask (a province, 10^5 paths)": scale.province_tasks(n_paths=100_000)[0],
        "IndexUncertaintyTask (ASEM, N = 1000)": scale.index_tasks(
            {"coinr": coinr_vignette_uncertainty()}, n=1000, seeds=1)[0],
        "RunFileTask (linyi-baseline)": scale.run_file_tasks(
            [repo / "scenarios" / "linyi-baseline.run.toml"])[0],
        "SobolTask (Linyi gap, N = 1024)": scale.SobolTask(
            {"problem": "gap"}, datasets.linyi_gap_problem(), datasets.linyi_gap, 1024),
    }


def profile(cluster: Processes) -> None:
    """Bytes shipped to a worker and back for each kind, its seconds on one thread, and the
    cost of a sweep per task (tiny tasks: what Dask adds around each)."""
    print("| task | to the worker (bytes) | back (bytes) | seconds (1 thread) |")
    print("|---|---:|---:|---:|")
    for name, t in kinds().items():
        t0 = time.perf_counter()
        df = scale.run_tasks([t], threads=1, progress=False)
        sec = time.perf_counter() - t0
        print(f"| {name} | {len(pickle.dumps(t))} | {len(pickle.dumps(df))} | {sec:.3f} |")
    # What Dask adds per task: tasks that do nothing (a one-row frame), here and on the cluster;
    # the CPU seconds of the scheduler, the workers and this client (the caller) per task.
    tiny = [NullTask({"i": i}) for i in range(2000)]
    n, p = len(tiny), len(cluster.workers)
    here = min(_timed(lambda: scale.run_tasks(tiny, progress=False)) for _ in range(3))
    fixed = min(_timed(lambda: scale.sweep(tiny[:2], address=cluster.address, progress=False))
                for _ in range(3))
    walls, cpus = [], []
    for _ in range(3):
        c0 = cluster.cpu()
        walls.append(_timed(lambda: scale.sweep(tiny, address=cluster.address, progress=False)))
        cpus.append({k: v - c0[k] for k, v in cluster.cpu().items()})
    cpu = min(cpus, key=lambda c: sum(c.values()))
    print(f"{n} empty tasks: here {here:.2f} s ({1e3 * here / n:.2f} ms a task); sweep on {p} "
          f"workers best {min(walls):.2f} s ({1e3 * min(walls) / n:.2f} ms a task of wall time); "
          f"CPU ms a task: scheduler {1e3 * cpu['scheduler'] / n:.2f}, workers "
          f"{1e3 * cpu['workers'] / n:.2f}, client {1e3 * cpu['client'] / n:.2f}; a sweep of "
          f"2 empty tasks (connect, submit, gather): {fixed:.3f} s; {load()}")


class NullTask:
    """A task that computes nothing: its sweep measures the cost around a task."""

    def __init__(self, labels: dict) -> None:
        self.labels = labels

    def run(self, threads: int | None = None) -> pd.DataFrame:
        return pd.DataFrame({"x": [0.0]})


def _timed(f) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def busy(seconds: float = 1.0) -> float:
    """The share of the machine's CPU time used over ``seconds`` (Linux ``/proc/stat``)."""
    def read() -> tuple[int, int]:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait

    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


def wait_idle(limit: float, threshold: float = 0.1) -> float:
    """Wait (at most ``limit`` seconds) until others use under ``threshold`` of the CPU; the
    busy share last seen."""
    deadline = time.monotonic() + limit
    b = busy()
    while b > threshold and time.monotonic() < deadline:
        b = busy()
    return b


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--workload", choices=["provinces", "index"], default="provinces")
    ap.add_argument("--n-paths", type=int, default=10_000_000, help="provinces: paths a task")
    ap.add_argument("--n", type=int, default=100_000, help="index: rebuilds a specification")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("-k", type=int, default=3, help="repetitions (best of k)")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                    help="before each timed run, wait up to this long for the machine to be "
                         "idle (others under 10 %% of the CPU); the share seen is printed")
    ap.add_argument("--profile", action="store_true",
                    help="print sizes and per-task overhead instead of the benchmark")
    args = ap.parse_args()
    if args.profile:
        cluster = Processes(args.workers)
        try:
            profile(cluster)
        finally:
            cluster.close()
        return
    tasks = workload(args)
    size = max(len(pickle.dumps(t)) for t in tasks)
    print(f"{args.workload}: {len(tasks)} tasks (largest {size} bytes pickled), "
          f"{os.cpu_count()} cores, {load()}")
    t0 = time.perf_counter()
    cluster = Processes(args.workers)
    print(f"scheduler + {args.workers} workers started in {time.perf_counter() - t0:.2f} s")
    try:
        # Warm-up: the workers import innodex and dask's machinery once.
        scale.sweep(workload(argparse.Namespace(**{**vars(args), "n_paths": 100, "n": 10})),
                    address=cluster.address, progress=False)
        seq_t, dist_t, seq = [], [], None
        for i in range(args.k):
            b0 = wait_idle(args.wait_idle) if args.wait_idle else busy()
            t0 = time.perf_counter()
            seq = scale.run_tasks(tasks, threads=1, progress=False)
            seq_t.append(time.perf_counter() - t0)
            b1 = wait_idle(args.wait_idle) if args.wait_idle else busy()
            t0 = time.perf_counter()
            dist = scale.sweep(tasks, address=cluster.address, threads_per_worker=1,
                               progress=False)
            dist_t.append(time.perf_counter() - t0)
            pd.testing.assert_frame_equal(seq, dist, check_exact=True)
            print(f"  round {i + 1}: sequential {seq_t[-1]:.2f} s (others' CPU before: "
                  f"{b0:.0%}), sweep {dist_t[-1]:.2f} s ({b1:.0%}); "
                  f"× {seq_t[-1] / dist_t[-1]:.2f}; {load()}", flush=True)
    finally:
        cluster.close()
    result = pickle.dumps(seq)
    print(f"sequential (1 thread): best {min(seq_t):.2f} s; sweep on {args.workers} one-thread "
          f"workers: best {min(dist_t):.2f} s; ratio {min(seq_t) / min(dist_t):.2f}× "
          f"(best of {args.k}); frames equal ({len(seq)} rows, {len(result)} bytes pickled)")


if __name__ == "__main__":
    main()
