"""The defaults every Python entry point shares (docs/conventions.md lists them beside the
Rust, command-line and run-file ones)."""

from __future__ import annotations

#: Monte Carlo paths per scenario of :func:`innodex.project` and ``Plan.project``.
DEFAULT_PATHS = 10_000
#: Seed of every seeded entry point, in Python, Rust, the command line and run files: 2021,
#: the first year of the Linyi plan (one default everywhere, so a default run gives the same
#: numbers on every surface).
DEFAULT_SEED = 2021
#: Quantile probabilities of fan charts; their columns are named ``q5``, ``q25``, … ``q95``.
DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
