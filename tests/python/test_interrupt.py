"""Ctrl-C (KeyboardInterrupt) stops a long Monte Carlo run, and the native work stops with it.

Each case runs in a child Python that interrupts itself one second into a run that would take
far longer; the child reports what happened. Wall-clock limits here are guards against a hang,
not assertions about speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import json, os, signal, threading, time
    import innodex

    # What a terminal or Jupyter gives Python. A process started in the background by a
    # non-interactive shell (as CI may start this suite) inherits SIGINT *ignored*, and Python
    # then installs no handler, so Ctrl-C could not reach it at all.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupt():
        time.sleep(1.0)
        global fired
        fired = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    fired = None
    threading.Thread(target=interrupt, daemon=True).start()
    out = {}
    try:
        CALL
        out["outcome"] = "finished"
    except KeyboardInterrupt:
        out["outcome"] = "interrupted"
        out["latency_s"] = time.perf_counter() - fired
    # CPU used after the interrupt: near zero once the native threads have stopped.
    c0 = time.process_time()
    time.sleep(1.5)
    out["cpu_after_s"] = time.process_time() - c0
    print(json.dumps(out))
    """
)

CALLS = {
    # 2 × 10⁸ paths: several seconds of work on two cores.
    "simulate_growth": "innodex.simulate_growth(750.0, 2020, 2025, "
    "{'dist': 'normal', 'mean': 0.12, 'sd': 0.04}, threshold=1500.0, n_paths=200_000_000)",
    # The Linyi plan's three scenarios at 5 × 10⁷ paths each.
    "project": "innodex.project(innodex.Plan.builtin('linyi-2021-2025'), n_paths=50_000_000, "
    "progress=False)",
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_keyboard_interrupt_stops_a_long_run(name: str) -> None:
    code = CHILD.replace("CALL", CALLS[name])
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["outcome"] == "interrupted", out
    print(f"{name}: KeyboardInterrupt raised {out['latency_s']:.3f} s after Ctrl-C")
    # A run still going on two cores would use about 3 CPU-seconds in those 1.5 s.
    assert out["cpu_after_s"] < 0.5, out
