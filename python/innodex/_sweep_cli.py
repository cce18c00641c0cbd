"""``python -m innodex sweep``: run files as one sweep, for CI matrices, with one combined report.

::

    python -m innodex sweep scenarios/*.run.toml                          # here, one by one
    python -m innodex sweep scenarios/*.run.toml --address tcp://host:8786 --out report
    python -m innodex sweep scenarios/*.run.toml --workers 2              # a LocalCluster

Writes ``OUT/sweep.md``, ``OUT/sweep.html`` and ``OUT/sweep.csv`` (the tidy frame of
:class:`innodex.scale.RunFileTask`: one row per run file and check) and each run's own report
under ``OUT/runs/<name>/`` (written by the worker that ran it: on a cluster, ``OUT`` must be on
a file system the workers share). Exit status: 0 when every check of every run file passes, 1
when a check fails (each failure named on stderr), 2 for bad input (a missing or invalid run
file, a scheduler that does not answer).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from innodex import _core

PROG = "python -m innodex"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=PROG, description="innodex from Python: sweeps of run files")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sp = sub.add_parser(
        "sweep", help="run run files as one sweep and write one combined report",
        description=(__doc__ or "").split("\n\n")[0],
    )
    sp.add_argument("runfiles", nargs="+", metavar="RUNFILE", help="run files (*.run.toml)")
    sp.add_argument("--address", help="a running Dask scheduler (tcp://host:port)")
    sp.add_argument("--workers", type=int, default=0,
                    help="without --address: a LocalCluster of this many workers (default 0: "
                         "run here, one file after the other)")
    sp.add_argument("--threads", type=int, default=None,
                    help="native threads per run (default: 1 on a cluster, all cores here)")
    sp.add_argument("--out", default="sweep-report",
                    help="directory of the combined report (default: sweep-report)")
    sp.add_argument("--timeout", type=float, default=10.0,
                    help="seconds to wait for the scheduler at --address (default 10)")
    sp.add_argument("--quiet", action="store_true", help="print only failures and errors")
    return ap


def _md_cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return str(v).replace("|", "\\|").replace("\n", " ")


def _summary(df: pd.DataFrame) -> pd.DataFrame:
    """One row per run file: run name, checks, failed, passed, report directory."""
    rows = []
    for f, g in df.groupby("run_file", sort=False):
        checks = g[g["check"].notna()]
        rows.append({
            "run_file": f, "run": g["run"].iloc[0], "checks": len(checks),
            "failed": int((~checks["passed"].astype(bool)).sum()),
            "passed": bool(g["run_passed"].iloc[0]), "report_dir": g["report_dir"].iloc[0],
        })
    return pd.DataFrame(rows)


def _rel(path: Any, out: str) -> str | None:
    return None if not isinstance(path, str) else os.path.relpath(path, out)


def render_markdown(df: pd.DataFrame, out: str, seconds: float, where: str) -> str:
    """The combined report in Markdown."""
    s = _summary(df)
    lines = [
        f"# innodex sweep: {len(s)} run files, {int(s['checks'].sum())} checks, "
        f"{int(s['failed'].sum())} failed",
        "",
        f"Run {where}: {seconds:.1f} s. The rows of every table are in `sweep.csv`.",
        "",
        "| run file | run | checks | failed | result | report |",
        "|---|---|---:|---:|---|---|",
    ]
    for r in s.itertuples():
        rel = _rel(r.report_dir, out)
        link = "" if rel is None else f"[report]({rel}/report.md)"
        lines.append(
            f"| `{_md_cell(r.run_file)}` | {_md_cell(r.run)} | {r.checks} | {r.failed} | "
            f"{'passed' if r.passed else '**FAILED**'} | {link} |"
        )
    for f, g in df.groupby("run_file", sort=False):
        lines += ["", f"## {_md_cell(g['run'].iloc[0])} (`{_md_cell(f)}`)", ""]
        checks = g[g["check"].notna()]
        if checks.empty:
            lines.append("No checks.")
            continue
        lines += ["| check | kind | observed | bound | passed |", "|---|---|---:|---|---|"]
        for c in checks.itertuples():
            lines.append(
                f"| {_md_cell(c.check)} | {_md_cell(c.check_kind)} | "
                f"{_md_cell(c.observed_text)} | {_md_cell(c.bound)} | "
                f"{'yes' if c.passed else '**no**'} |"
            )
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;"
    "text-align:left}.fail{color:#b00;font-weight:bold}.pass{color:#070}"
)


def render_html(df: pd.DataFrame, out: str, seconds: float, where: str) -> str:
    """The combined report as one self-contained HTML page."""
    e = html.escape
    s = _summary(df)
    title = (f"innodex sweep: {len(s)} run files, {int(s['checks'].sum())} checks, "
             f"{int(s['failed'].sum())} failed")
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>",
        f"<p>Run {e(where)}: {seconds:.1f} s. The rows of every table are in "
        "<a href=sweep.csv>sweep.csv</a>.</p>",
        "<table><tr><th>run file</th><th>run</th><th>checks</th><th>failed</th><th>result</th>"
        "<th>report</th></tr>",
    ]
    for r in s.itertuples():
        rel = _rel(r.report_dir, out)
        link = "" if rel is None else f"<a href=\"{e(rel)}/report.html\">report</a>"
        res = "<span class=pass>passed</span>" if r.passed else "<span class=fail>FAILED</span>"
        parts.append(
            f"<tr><td><code>{e(str(r.run_file))}</code></td><td>{e(str(r.run))}</td>"
            f"<td>{r.checks}</td><td>{r.failed}</td><td>{res}</td><td>{link}</td></tr>"
        )
    parts.append("</table>")
    for f, g in df.groupby("run_file", sort=False):
        parts.append(f"<h2>{e(str(g['run'].iloc[0]))} (<code>{e(str(f))}</code>)</h2>")
        checks = g[g["check"].notna()]
        if checks.empty:
            parts.append("<p>No checks.</p>")
            continue
        parts.append("<table><tr><th>check</th><th>kind</th><th>observed</th><th>bound</th>"
                     "<th>passed</th></tr>")
        for c in checks.itertuples():
            ok = "<span class=pass>yes</span>" if c.passed else "<span class=fail>no</span>"
            parts.append(
                f"<tr><td>{e(_md_cell(c.check))}</td><td>{e(_md_cell(c.check_kind))}</td>"
                f"<td>{e(_md_cell(c.observed_text))}</td><td>{e(_md_cell(c.bound))}</td>"
                f"<td>{ok}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _error(msg: str) -> int:
    print(f"{PROG} sweep: error: {msg}", file=sys.stderr)
    return 2


def _sweep(args: argparse.Namespace) -> int:
    from innodex import scale

    for f in args.runfiles:
        if not os.path.isfile(f):
            return _error(f"no run file {f!r}")
    if args.workers < 0:
        return _error(f"--workers must be at least 0, got {args.workers}")
    if args.threads is not None and args.threads < 1:
        return _error(f"--threads must be at least 1, got {args.threads}")
    if not args.timeout > 0:
        return _error(f"--timeout must be positive, got {args.timeout}")
    out = os.path.abspath(args.out)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        return _error(f"--out {args.out!r}: {e.strerror or e}")
    tasks = scale.run_file_tasks(args.runfiles, out=os.path.join(out, "runs"))
    on_cluster = args.address is not None or args.workers > 0
    threads = args.threads if args.threads is not None else (1 if on_cluster else None)
    t0 = time.perf_counter()
    try:
        if args.address is not None:
            where = f"on the Dask cluster at {args.address}"
            df = scale.sweep(tasks, address=args.address, threads_per_worker=threads,
                             progress=False, timeout=args.timeout)
        elif args.workers > 0:
            where = f"on a LocalCluster of {args.workers} workers"
            df = scale.sweep(tasks, n_workers=args.workers, threads_per_worker=threads,
                             progress=False)
        else:
            where = "here (one run file after the other)"
            df = scale.run_tasks(tasks, threads=threads, progress=False)
    except ImportError as e:
        return _error(str(e))
    except OSError as e:  # no scheduler at --address
        return _error(str(e).replace("address: ", "--address: ", 1))
    except _core.InnodexError as e:  # an invalid run file (the message names file and key)
        return _error(str(e))
    seconds = time.perf_counter() - t0
    df.to_csv(os.path.join(out, "sweep.csv"), index=False)
    with open(os.path.join(out, "sweep.md"), "w", encoding="utf-8") as f:
        f.write(render_markdown(df, out, seconds, where))
    with open(os.path.join(out, "sweep.html"), "w", encoding="utf-8") as f:
        f.write(render_html(df, out, seconds, where))
    return _verdict(df, out, args.quiet)


def _verdict(df: pd.DataFrame, out: str, quiet: bool) -> int:
    s = _summary(df)
    failed = df[df["check"].notna() & ~df["passed"].astype(bool)]
    for r in failed.itertuples():
        print(f"FAILED {r.run_file}: check {r.check!r} ({r.check_kind}): observed "
              f"{r.observed_text}, required {r.bound}", file=sys.stderr)
    # A run can fail without a failing check row (e.g. a comparison with a baseline).
    for r in s[~s["passed"] & (s["failed"] == 0)].itertuples():
        print(f"FAILED {r.run_file}: the run did not pass", file=sys.stderr)
    if not quiet:
        for r in s.itertuples():
            print(f"{'ok    ' if r.passed else 'FAILED'} {r.run_file}: {r.checks} checks, "
                  f"{r.failed} failed")
        print(f"report: {os.path.join(out, 'sweep.html')} (and sweep.md, sweep.csv)")
    return 0 if bool(s["passed"].all()) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status.

    >>> main(["sweep", "no/such.run.toml"])
    2
    """
    args = _parser().parse_args(argv)
    if args.command == "sweep":
        return _sweep(args)
    return 2  # pragma: no cover - argparse rejects other commands
