"""What the progress bars cost: the same Monte Carlo projection, Sobol' analysis and index
uncertainty analysis with ``progress=True`` (tqdm writing to /dev/null) and ``progress=False``,
alternated, each repeated; prints the median times and their ratio.

Run from the repository root after ``maturin develop --release``:

    python benches/bench_progress.py [--repeat 5]

The bars must cost at most 2 %: the core counts work in atomics and the bar is refreshed from
Python about ten times a second (projection, index uncertainty) or once per batch of model
rows (Sobol'). Timings on a shared machine are noisy; compare medians, not single runs.
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
from innodex import sensitivity as sa


def _time(f: Callable[[bool], object], progress: bool) -> float:
    with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
        t0 = time.perf_counter()
        f(progress)
        return time.perf_counter() - t0


def bench(name: str, f: Callable[[bool], object], repeat: int) -> float:
    f(False)  # warm-up (page cache, thread pool)
    on, off = [], []
    for i in range(repeat):
        # Alternate the order so that drift (other jobs on the machine) hits both alike.
        for p in (True, False) if i % 2 == 0 else (False, True):
            (on if p else off).append(_time(f, p))
    a, b = statistics.median(on), statistics.median(off)
    print(f"{name:<34} progress=True {a:8.3f} s   progress=False {b:8.3f} s   ratio {a / b:.4f}")
    return a / b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    plan = innodex.Plan.builtin()
    asem = innodex.CompositeIndex.from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv")
    problem = sa.linyi_gap_problem()

    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    ish = sa.Problem(["x1", "x2", "x3"], [[-np.pi, np.pi]] * 3)
    spec = innodex.coinr_vignette_uncertainty(n=300, seed=1)
    ratios = [
        bench("Monte Carlo: project, 2e5 paths",
              lambda p: innodex.project(plan, n_paths=200_000, seed=1, progress=p), args.repeat),
        bench("Sobol': Ishigami, N = 2^15",
              lambda p: sa.sobol(ish, ishigami, 2**15, seed=1, progress=p), args.repeat),
        bench("Sobol': linyi_gap (Rust model), 2^14",
              lambda p: sa.sobol(problem, sa.linyi_gap, 2**14, seed=1, progress=p), args.repeat),
        bench("index uncertainty: ASEM, 300 builds",
              lambda p: asem.uncertainty(spec, innodex.COINR_EXAMPLE, progress=p), args.repeat),
    ]
    print(f"largest ratio {max(ratios):.4f} (bound: 1.02)")


if __name__ == "__main__":
    main()
