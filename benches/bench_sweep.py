"""The sweep of notebook 05 timed from the command line: 31 provinces × 3 scenarios × 10^5
paths, run here (all cores per task, then one thread per task) and on a Dask LocalCluster of
two one-thread worker processes; checks that the frames are equal.

    python benches/bench_sweep.py [--n-paths 100000] [--workers 2]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from innodex import scale


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-paths", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    tasks = scale.province_tasks(n_paths=args.n_paths, seed=2025)
    seq = None
    for threads in (None, 1):
        t0 = time.perf_counter()
        seq = scale.run_tasks(tasks, threads=threads, progress=False)
        print(f"sequential, threads={threads}: {time.perf_counter() - t0:.2f} s")
    timings: dict[str, float] = {}
    dist = scale.sweep(
        tasks, n_workers=args.workers, threads_per_worker=1, progress=False, timings=timings
    )
    print(
        f"dask, {args.workers} workers × 1 thread: start {timings['cluster']:.2f} s, "
        f"sweep {timings['run']:.2f} s"
    )
    pd.testing.assert_frame_equal(seq, dist, check_exact=True)
    print(f"{len(tasks)} tasks, {len(dist)} rows: the distributed frame equals the sequential one")


if __name__ == "__main__":
    main()
