"""Benchmark: the uncertainty analysis of COINr's sensitivity vignette on the ASEM data.

Inputs (as COINr's vignette): winsorisation limit 1–5; min-max [1, 100] or z-score (10, 2);
±25 % noise on the level-2 and level-3 weights; arithmetic or geometric mean; around COINr's
example pipeline (denominate, impute by EurAsia group mean, screen at 90 %, treat, min-max,
arithmetic). Prints the time per rebuild at N = 1,000 and N = 10,000 (Monte Carlo), and for the
Sobol design at N = 200 (1,200 rebuilds, COINr's sensitivity example), with the stage cache
(default) and without it (every rebuild runs the whole pipeline from the raw data, as COINr's
``Regen`` does). Wall time per rebuild is the figure to compare; CPU time per rebuild (summed
over threads) is printed too, because on a shared machine the wall time also counts other
processes' load.

COINr is measured, not quoted, when R and COINr are installed (``benches/coinr/install.sh``:
R from Debian's packages, COINr from its public source into ``target/R-lib``): the benchmark
then runs COINr's own uncertainty analysis of the same vignette on the same ASEM data
(``benches/coinr/uncertainty.R``, N = ``--coinr-n``, best of two) and divides by that. Without
R or COINr it says so and falls back to the figure measured on this machine class in issue 21
(COINr 1.1.14, 0.135–0.22 s per rebuild; the fastest is used), marked as quoted.

Run from the repository root:  python benches/bench_index.py [--threads K]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import time

COINR_QUOTED_SECONDS = 0.135  # issue 21's measurement on this machine class, the fastest


def coinr_seconds_per_rebuild(n: int) -> tuple[float, str]:
    """COINr's time per rebuild (best of two runs of its uncertainty analysis at N = n) and
    what it is; the quoted figure with the reason when COINr cannot run here."""
    if shutil.which("Rscript") is None:
        return COINR_QUOTED_SECONDS, "quoted: no Rscript (benches/coinr/install.sh installs R)"
    env = dict(os.environ, R_LIBS=os.path.abspath("target/R-lib"))
    best, version = float("inf"), ""
    for _ in range(2):
        out = subprocess.run(
            ["Rscript", "benches/coinr/uncertainty.R", str(n)], capture_output=True, text=True,
            env=env, timeout=3600,
        )
        m = re.search(r"COINr (\S+) N=\d+ elapsed=\S+ per_rebuild=(\S+)", out.stdout)
        if out.returncode != 0 or m is None:
            why = (out.stderr.strip().splitlines() or ["no output"])[-1][:120]
            return COINR_QUOTED_SECONDS, f"quoted: COINr did not run ({why})"
        version, best = m.group(1), min(best, float(m.group(2)))
    return best, f"measured: COINr {version}, N = {n}, best of 2"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=None, help="rayon threads (default: all)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--coinr-n", type=int, default=100, help="COINr's replications (N)")
    args = ap.parse_args()
    if args.threads:
        os.environ["RAYON_NUM_THREADS"] = str(args.threads)
    import innodex  # noqa: PLC0415  (after RAYON_NUM_THREADS is set)
    from innodex.index import COINR_EXAMPLE, coinr_vignette_uncertainty  # noqa: PLC0415

    asem = innodex.CompositeIndex.from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv")
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f}; "
          f"innodex {innodex.__version__}; CPUs visible: {os.cpu_count()}; "
          f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'all')}")
    coinr, what = coinr_seconds_per_rebuild(args.coinr_n)
    print(f"COINr per rebuild: {coinr:.4f} s ({what}); 'per core' compares CPU time "
          "(COINr runs on one core)")
    print(f"{'design':>7} {'N':>6} {'cache':>6} {'rebuilds':>9} {'best s':>8} "
          f"{'ms/rebuild':>11} {'cpu ms/reb':>11} {'vs COINr':>9} {'per core':>9} {'failed':>6}")
    for design, n in [("mc", 1_000), ("mc", 10_000), ("sobol", 200), ("sobol", 1_000)]:
        for cache in (True, False):
            spec = coinr_vignette_uncertainty(
                n=n, seed=1, design="sobol" if design == "sobol" else "monte_carlo"
            )
            spec["cache"] = cache
            best = cpu = float("inf")
            for _ in range(args.repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                u = asem.uncertainty(spec, COINR_EXAMPLE)
                best = min(best, time.perf_counter() - t0)
                cpu = min(cpu, time.process_time() - c0)
            k = len(u.ranks())
            per = best / k
            print(f"{design:>7} {n:>6} {cache!s:>6} {k:>9} {best:>8.3f} {1e3 * per:>11.4f} "
                  f"{1e3 * cpu / k:>11.4f} {coinr / per:>8.0f}x "
                  f"{coinr / (cpu / k):>8.0f}x {u.failed:>6}")


if __name__ == "__main__":
    main()
