"""Progress bars and the thread cap on the long runs: the bar reaches its total, the numbers
are the same with and without it, and with one or two native threads."""

from __future__ import annotations

import io
from typing import Any

import innodex
import numpy as np
import pandas as pd
import pytest
from innodex import _progress
from innodex import sensitivity as sa


class Recorder:
    """Collects every (done, total) the core reports."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))


def _asem(repo: Any) -> innodex.CompositeIndex:
    d = repo / "data"
    return innodex.CompositeIndex.from_csv(d / "ASEM_iData.csv", d / "ASEM_iMeta.csv")


def test_index_uncertainty_reports_every_rebuild(repo: Any) -> None:
    asem = _asem(repo)
    spec = innodex.coinr_vignette_uncertainty(n=40, seed=7)
    rec = Recorder()
    res = asem.core.uncertainty(
        "{}", spec=__import__("json").dumps(spec), threads=1, callback=rec
    )
    # The last report comes after the end: every rebuild counted.
    assert rec.calls[-1] == (40, 40)
    assert all(d <= t for d, t in rec.calls)
    plain = asem.uncertainty(spec, progress=False)
    np.testing.assert_array_equal(np.asarray(res.ranks()), plain.ranks().to_numpy())


def test_index_uncertainty_same_ranks_with_bar_and_threads(repo: Any) -> None:
    asem = _asem(repo)
    spec = innodex.coinr_vignette_uncertainty(n=16, seed=3, design="sobol")
    a = asem.uncertainty(spec, progress=True, threads=1)
    b = asem.uncertainty(spec, progress=False, threads=2)
    pd.testing.assert_frame_equal(a.ranks(), b.ranks(), check_exact=True)
    pd.testing.assert_frame_equal(a.sensitivity(), b.sensitivity(), check_exact=True)


def test_callback_exception_stops_the_run(repo: Any) -> None:
    asem = _asem(repo)
    spec = innodex.coinr_vignette_uncertainty(n=3000, seed=1)

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        asem.core.uncertainty(
            "{}", spec=__import__("json").dumps(spec), threads=1, callback=stop
        )


def test_sobol_bar_counts_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []
    orig = _progress.Bar.update

    def spy(self: _progress.Bar, done: int, total: int) -> None:
        seen.append((done, total))
        orig(self, done, total)

    monkeypatch.setattr(_progress.Bar, "update", spy)
    p = sa.Problem(["a", "b", "c"], [[0, 1]] * 3)
    f = lambda x: x[:, 0] * x[:, 1] + x[:, 2]  # noqa: E731
    with_bar = sa.sobol(p, f, 256, seed=1, batch_rows=500, progress=True)
    rows = 256 * (2 * 3 + 2) + 1  # the design plus the probe row
    assert seen[-1] == (rows, rows)
    seen.clear()
    without = sa.sobol(p, f, 256, seed=1, batch_rows=500, progress=False, threads=1)
    assert seen == []
    pd.testing.assert_frame_equal(with_bar.to_pandas(), without.to_pandas(), check_exact=True)


def test_bar_writes_to_its_file() -> None:
    pytest.importorskip("tqdm")
    out = io.StringIO()
    with _progress.Bar(True, "work", file=out) as bar:
        bar.update(5, 10)
        bar.update(10, 10)
    assert "work" in out.getvalue()


def test_projection_threads_change_no_number() -> None:
    plan = innodex.Plan.builtin()
    a = innodex.project(plan, n_paths=3000, seed=5, progress=False, threads=1)
    b = innodex.project(plan, n_paths=3000, seed=5, progress=True, threads=2)
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas(), check_exact=True)


def test_progress_auto_draws_only_where_someone_watches(monkeypatch: Any) -> None:
    import sys
    import types

    # Under pytest standard error is captured (no TTY) and there is no Jupyter kernel: "auto"
    # draws nothing, so a CI log or a script's output stays clean.
    assert _progress.tqdm_bar("auto", total=3) is None
    assert _progress.Bar("auto", "x").callback is None
    # In a terminal, a bar that waits half a second before it appears (short runs: nothing).
    monkeypatch.setattr(_progress, "_tty", lambda: True)
    bar = _progress.tqdm_bar("auto", total=3, file=io.StringIO())
    assert bar is not None and bar.delay == _progress.AUTO_DELAY == 0.5
    bar.close()
    monkeypatch.setattr(_progress, "_tty", lambda: False)
    # True always draws, at once; False never.
    bar = _progress.tqdm_bar(True, total=3, file=io.StringIO())
    assert bar is not None and bar.delay == 0
    bar.close()
    assert _progress.tqdm_bar(False, total=3) is None

    # Jupyter: a widget when ipywidgets is there, otherwise nothing (tqdm's text fallback goes
    # to standard error, which a notebook shows like a warning).
    class ZMQInteractiveShell:
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: ZMQInteractiveShell()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    assert not _progress._in_jupyter_with_widgets()
    assert _progress.tqdm_bar("auto", total=3) is None
    monkeypatch.setitem(sys.modules, "ipywidgets", types.ModuleType("ipywidgets"))
    assert _progress._in_jupyter_with_widgets()


def test_progress_takes_true_false_or_auto() -> None:
    p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    for ok in (True, False, "auto", np.bool_(False)):
        sa.sobol(p, lambda x: x[:, 0], 16, progress=ok)
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match="progress"):
            sa.sobol(p, lambda x: x[:, 0], 16, progress=bad)
