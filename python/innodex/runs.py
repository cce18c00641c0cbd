"""Run files from Python: what ``innodex run`` and ``innodex check`` do, for notebooks and CI
scripts. A run file (``scenarios/*.run.toml``) names a plan, projections, sensitivity analyses,
index specs, seeds and checks; :func:`run_file` runs it and returns the report.

>>> import innodex
>>> r = innodex.run_file("scenarios/linyi-baseline.run.toml")
>>> r.passed, len(r.checks) > 0
(True, True)
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd

from innodex import _check, _core
from innodex._result import Result

__all__ = ["RunResult", "run_file"]


class RunResult(Result):
    """The report of a run file: ``report`` (the dict of ``report.json``), ``checks`` (one row
    per check), ``passed``, the ``files`` written and the baseline ``comparison`` text."""

    def __init__(
        self, report_json: str, files: list[str], comparison: str | None, passed: bool
    ) -> None:
        self.report: dict[str, Any] = json.loads(report_json)
        self.files = list(files)
        self.comparison = comparison
        self.passed = bool(passed)
        self.checks = pd.DataFrame(
            self.report.get("checks", []),
            columns=["name", "kind", "observed", "observed_text", "bound", "passed"],
        )

    def to_pandas(self) -> pd.DataFrame:
        """The checks, one row per check."""
        return self.checks

    def to_dict(self) -> dict[str, Any]:
        """The report as ``report.json`` holds it."""
        return self.report

    def __repr__(self) -> str:
        n = len(self.checks)
        failed = int((~self.checks["passed"].astype(bool)).sum())
        return (
            f"<RunResult {self.report.get('name', '')}: {n} checks, "
            f"{failed} failed{'' if self.comparison is None else ', compared with a baseline'}>"
        )


def run_file(
    path: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    baseline: str | os.PathLike[str] | None = None,
    tolerance: float = 0.0,
    rel_tolerance: float = 0.0,
    threads: int | None = None,
) -> RunResult:
    """Run a run file and evaluate its checks (``innodex run`` / ``innodex check``).

    ``out``: also write report.json, the CSV tables, report.md and report.html there.
    ``baseline``: a previous report.json; its key results must agree within ``tolerance``
    (absolute) or ``rel_tolerance`` (relative), else ``passed`` is False and ``comparison``
    says which moved. Bad input raises :class:`innodex.InnodexError` (or its area's subclass)
    naming the file, line and key.
    """
    base_text = None
    if baseline is not None:
        with open(_check.path("baseline", baseline), encoding="utf-8") as f:
            base_text = f.read()
    report, files, comparison, passed = _core.run_file(
        _check.path("path", path),
        out=None if out is None else _check.path("out", out),
        baseline=base_text,
        tolerance=_check.real("tolerance", tolerance, _core.InnodexError),
        rel_tolerance=_check.real("rel_tolerance", rel_tolerance, _core.InnodexError),
        threads=threads,
    )
    return RunResult(report, files, comparison, passed)


def check_file(
    path: str | os.PathLike[str],
    *,
    baseline: str | os.PathLike[str] | None = None,
    tolerance: float = 0.0,
    rel_tolerance: float = 0.0,
    threads: int | None = None,
) -> RunResult:
    """Run a run file's computations and evaluate its checks without writing any file
    (``innodex check``): :attr:`RunResult.passed` is what the command's exit status says
    (False when a check fails or the baseline moved). Bad input raises as
    :func:`run_file` does.
    """
    return run_file(path, baseline=baseline, tolerance=tolerance, rel_tolerance=rel_tolerance,
                    threads=threads)
