"""Shapley effects of a 6-input correlated model to ±0.01: innodex against a NumPy reference
implementation of the same estimator, side by side in one process.

The estimator (both sides): Song, Nelson and Staum (2016), exact permutations: every cost
c(J) = E[Var(Y | X_{-J})] of the 2^6 - 2 = 62 proper subsets from N_O outer draws of X_{-J}
and N_I = 3 conditional draws of X_J each (Gaussian copula: the normal scores of J given those
of -J are Gaussian, mapped through the marginals' quantiles), Var(Y) from N_V joint draws, the
Shapley combination, and B = 100 bootstrap resamples of the outer draws and of the variance
draws. The NumPy reference below is vectorised per subset (one array operation over all its
N_O x N_I rows for each step) and uses scipy.special.ndtr for the normal CDF: an honest
competitor, written for this benchmark. Both call the same vectorised numpy model.

    python benches/bench_shapley.py          # N_V, N_O for ±0.01; best of 5 alternating runs
    python benches/bench_shapley.py --quick  # smaller N_V and N_O, one run each

This is a benchmark, not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from innodex import sensitivity as sa
from scipy.special import ndtr

NAMES = ["x1", "x2", "x3", "x4", "x5", "x6"]
# Marginals: (kind, a, b) with normal (mean, sd), uniform (lower, upper), lognormal (mu, sigma).
MARGINALS = [
    ("norm", 0.0, 1.0),
    ("norm", 1.0, 0.5),
    ("unif", 0.0, 1.0),
    ("unif", -1.0, 1.0),
    ("lognorm", 0.0, 0.25),
    ("norm", 0.0, 2.0),
]
R = np.array(
    [
        [1.0, 0.5, 0.3, 0.0, 0.0, 0.2],
        [0.5, 1.0, 0.0, 0.2, 0.0, 0.0],
        [0.3, 0.0, 1.0, -0.4, 0.0, 0.0],
        [0.0, 0.2, -0.4, 1.0, 0.3, 0.0],
        [0.0, 0.0, 0.0, 0.3, 1.0, 0.6],
        [0.2, 0.0, 0.0, 0.0, 0.6, 1.0],
    ]
)
K = len(NAMES)


def model(x: np.ndarray) -> np.ndarray:
    """A nonlinear model with an interaction: x1 + x1 x2 + 2 sin(pi x3) + x4^2 + 0.5 x5 + 0.3 x6."""
    return (x[:, 0] + x[:, 0] * x[:, 1] + 2.0 * np.sin(np.pi * x[:, 2]) + x[:, 3] ** 2
            + 0.5 * x[:, 4] + 0.3 * x[:, 5])


def problem() -> sa.Problem:
    dists = [m[0] for m in MARGINALS]
    return sa.Problem(NAMES, [[m[1], m[2]] for m in MARGINALS], dists)


# ---------------------------------------------------------------------------- the reference


def to_marginals(z: np.ndarray) -> np.ndarray:
    """Normal scores (rows x K) to the inputs' scales, column by column."""
    x = np.empty_like(z)
    for i, (kind, a, b) in enumerate(MARGINALS):
        if kind == "norm":
            x[:, i] = a + b * z[:, i]
        elif kind == "unif":
            x[:, i] = a + (b - a) * ndtr(z[:, i])
        else:
            x[:, i] = np.exp(a + b * z[:, i])
    return x


def shapley_weights(k: int) -> np.ndarray:
    """W[i, mask]: the weight of c(mask) in Sh_i (+w for masks holding i, -w for the others)."""
    w = np.zeros((k, 2**k))
    for i in range(k):
        for mask in range(2**k):
            if mask >> i & 1:
                continue
            s = bin(mask).count("1")
            wt = math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
            w[i, mask | 1 << i] += wt
            w[i, mask] -= wt
    return w


def numpy_shapley(n_var, n_outer, n_inner=3, n_boot=100, seed=1):
    """The exact-permutation estimator, vectorised with NumPy; returns (effects, half-widths)."""
    rng = np.random.default_rng(seed)
    k = K
    lfull = np.linalg.cholesky(R)
    yv = model(to_marginals(rng.standard_normal((n_var, k)) @ lfull.T))
    n_sub = 2**k - 2
    s2 = np.empty((n_sub, n_outer))
    for t, mask in enumerate(range(1, 2**k - 1)):
        vary = [i for i in range(k) if mask >> i & 1]
        fix = [i for i in range(k) if not mask >> i & 1]
        rff = R[np.ix_(fix, fix)]
        a = np.linalg.solve(rff, R[np.ix_(fix, vary)]).T  # R_JF R_FF^-1
        cond = R[np.ix_(vary, vary)] - a @ R[np.ix_(fix, vary)]
        zf = rng.standard_normal((n_outer, len(fix))) @ np.linalg.cholesky(rff).T
        zj = (zf @ a.T)[:, None, :] + (
            rng.standard_normal((n_outer, n_inner, len(vary))) @ np.linalg.cholesky(cond).T)
        z = np.empty((n_outer, n_inner, k))
        z[:, :, fix] = zf[:, None, :]
        z[:, :, vary] = zj
        y = model(to_marginals(z.reshape(-1, k))).reshape(n_outer, n_inner)
        s2[t] = y.var(axis=1, ddof=1)
    w = shapley_weights(k)

    def effects(cost_sub, var):
        c = np.concatenate([[0.0], cost_sub, [var]])
        return w @ c / var

    point = effects(s2.mean(axis=1), yv.var(ddof=1))
    # Bootstrap: per resample, the variance draws gathered and the outer draws counted; the
    # costs of all resamples are then one matrix product (subsets x outer) @ (outer x B).
    vars_ = np.empty(n_boot)
    co = np.empty((n_outer, n_boot))
    for b in range(n_boot):
        vars_[b] = yv[rng.integers(0, n_var, n_var)].var(ddof=1)
        co[:, b] = np.bincount(rng.integers(0, n_outer, n_outer), minlength=n_outer)
    costs = s2 @ co / n_outer  # n_sub x B
    reps = (w[:, 1:-1] @ costs + w[:, -1:] * vars_) / vars_  # k x B
    reps = reps.T
    return point, 1.959963984540054 * reps.std(axis=0, ddof=1)


# ---------------------------------------------------------------------------- the runs


def run_innodex(n_var, n_outer):
    t = time.perf_counter()
    res = sa.shapley(problem(), model, corr=R, method="exact", n_var=n_var, n_outer=n_outer,
                     n_inner=3, num_resamples=100, seed=1, progress=False)
    return time.perf_counter() - t, res.shapley[0], res._core.conf()[0]


def run_numpy(n_var, n_outer):
    t = time.perf_counter()
    sh, conf = numpy_shapley(n_var, n_outer)
    return time.perf_counter() - t, sh, conf


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    # N_V = 50,000 and N_O = 3,000 give 95 % bootstrap half-widths below 0.01 on every effect.
    n_var = 20_000 if args.quick else 50_000
    n_outer = 1_000 if args.quick else 3_000
    repeat = 1 if args.quick else args.repeat
    runs = (2**K - 2) * n_outer * 3 + n_var
    print(f"6 inputs, Gaussian copula, exact permutations: N_V = {n_var:,}, N_O = {n_outer:,}, "
          f"N_I = 3, 100 bootstrap resamples: {runs:,} model runs per estimate")
    t_inno, t_np = [], []
    for _ in range(repeat):  # alternate, so a load spike hits both sides alike
        ti, shi, ci = run_innodex(n_var, n_outer)
        tn, shn, cn = run_numpy(n_var, n_outer)
        t_inno.append(ti)
        t_np.append(tn)
    print(f"{'input':<6} {'innodex':>16} {'numpy':>16}")
    for name, a, ca, b, cb in zip(NAMES, shi, ci, shn, cn, strict=True):
        print(f"{name:<6} {a:>8.4f} ± {ca:.4f} {b:>8.4f} ± {cb:.4f}")
    print(f"largest 95 % half-width: innodex {ci.max():.4f}, numpy {cn.max():.4f}; "
          f"largest difference {np.abs(shi - shn).max():.4f}; sums {shi.sum():.12f} "
          f"{shn.sum():.12f}")
    # The model itself, on as many rows in batches of 16,384: a floor both sides share.
    z = np.random.default_rng(0).standard_normal((16_384, K)) @ np.linalg.cholesky(R).T
    x = to_marginals(z)
    t = time.perf_counter()
    for _ in range(math.ceil(runs / 16_384)):
        model(x)
    t_model = time.perf_counter() - t
    print(f"the model alone on {runs:,} rows: {t_model:.3f} s (both sides pay it)")
    bi, bn = min(t_inno), min(t_np)
    print(f"innodex: best {bi:.3f} s of {[round(t, 3) for t in t_inno]}")
    print(f"numpy:   best {bn:.3f} s of {[round(t, 3) for t in t_np]}")
    print(f"ratio (numpy / innodex, best of {repeat}): {bn / bi:.1f}x")


if __name__ == "__main__":
    # A check of the reference's combination step: summed over the inputs, the weight of every
    # proper subset's cost is 0 and that of c(all) is 1 (the effects sum to 1).
    w = shapley_weights(K)
    assert np.allclose(w.sum(axis=0)[1:-1], 0.0) and math.isclose(w[:, -1].sum(), 1.0)
    main()
