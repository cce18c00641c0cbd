"""What the progress bars cost: the same Monte Carlo projection, Sobol' analysis and index
uncertainty analysis with ``progress=True`` (tqdm writing to /dev/null) and ``progress=False``,
alternated, each repeated; prints the median times and their ratio.

Run from the repository root after ``maturin develop --release``:

    python benches/bench_progress.py [--repeat 5]

The bars must cost at most 2 %: the core counts work in atomics and the bar is refreshed from
Python about ten times a second (projection, index uncertainty) or once per batch of model
rows (Sobol'). Wall time on a shared machine is noisy (other processes take the cores), so
the ratio compares the CPU time of this process (all its threads: the work, the bar and the
polling), the fastest of the repeats of each; the ratio of wall-clock medians is printed
beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from collections.abc import Callable

import innodex
import numpy as np
from innodex import datasets
from innodex import sensitivity as sa


def _time(f: Callable[[bool], object], progress: bool) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU time counts every thread of this process."""
    with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
        t0, c0 = time.perf_counter(), time.process_time()
        f(progress)
        return time.perf_counter() - t0, time.process_time() - c0


def bench(name: str, f: Callable[[bool], object], repeat: int) -> float:
    _time(f, False)  # warm-up (page cache, thread pool, tqdm import)
    _time(f, True)
    on: list[tuple[float, float]] = []
    off: list[tuple[float, float]] = []
    for i in range(repeat):
        # Alternate the order so that drift (other jobs on the machine) hits both alike.
        for p in (True, False) if i % 2 == 0 else (False, True):
            (on if p else off).append(_time(f, p))
    # CPU time is what the bar adds to the work, and it is far less disturbed than wall time
    # by other processes on a shared machine; the fastest of the repeats is the least
    # disturbed run (as timeit). Wall-clock medians are printed beside it.
    cpu = min(c for _, c in on) / min(c for _, c in off)
    wall = statistics.median(w for w, _ in on) / statistics.median(w for w, _ in off)
    print(
        f"{name:<40} CPU on/off {min(c for _, c in on):7.3f} / {min(c for _, c in off):7.3f} s"
        f"  ratio {cpu:.4f}   (wall medians ratio {wall:.4f})"
    )
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    plan = innodex.Plan.builtin()
    asem = innodex.CompositeIndex.from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv")
    problem = datasets.linyi_gap_problem()

    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    ish = sa.Problem(["x1", "x2", "x3"], [[-np.pi, np.pi]] * 3)
    spec = innodex.coinr_vignette_uncertainty(n=20_000, seed=1)
    ratios = [
        bench("Monte Carlo: project, 10^6 paths",
              lambda p: innodex.project(plan, n_paths=1_000_000, seed=1, progress=p),
              args.repeat),
        bench("Sobol': Ishigami, N = 2^18",
              lambda p: sa.sobol(ish, ishigami, 2**18, seed=1, progress=p), args.repeat),
        bench("Sobol': linyi_gap (Rust model), N = 2^17",
              lambda p: sa.sobol(problem, datasets.linyi_gap, 2**17, seed=1, progress=p),
              args.repeat),
        bench("index uncertainty: ASEM, 20,000 builds",
              lambda p: asem.uncertainty(spec, innodex.COINR_EXAMPLE, progress=p), args.repeat),
    ]
    print(f"largest CPU-time ratio {max(ratios):.4f} (bound: 1.02)")


if __name__ == "__main__":
    main()
