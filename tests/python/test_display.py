"""Every result renders in Jupyter (``_repr_html_``), has a short one-line ``__repr__`` and a
``to_pandas()`` frame, and its plots return matplotlib Axes; exceptions pickle (Dask sends
them back from workers)."""

from __future__ import annotations

import pickle
from typing import Any

import innodex
import numpy as np
import pandas as pd
import pytest
from innodex import sensitivity as sa

mpl = pytest.importorskip("matplotlib", reason="the plot extra is not installed")
import matplotlib.pyplot as plt  # noqa: E402


def _lin(x: np.ndarray) -> np.ndarray:
    return x[:, 0] + 2 * x[:, 1] * x[:, 0]


def _results(repo: Any) -> dict[str, tuple[Any, list[str]]]:
    """Each result with the names of its plot methods (called with no required argument
    beyond those given in a lambda)."""
    plan = innodex.Plan.builtin()
    p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    asem = innodex.CompositeIndex.from_csv(repo / "data/ASEM_iData.csv",
                                           repo / "data/ASEM_iMeta.csv")
    build = asem.build()
    ua = asem.uncertainty(innodex.coinr_vignette_uncertainty(n=8, seed=1, design="sobol"),
                          progress=False)
    panel = innodex.Panel.from_csv(repo / "data/ASEM_iData.csv", repo / "data/ASEM_iMeta.csv")
    return {
        "Plan": (plan, ["plot_paths"]),
        "Scenarios": (innodex.Scenarios.linyi(), []),
        "Projection": (innodex.project(plan, n_paths=500, progress=False),
                       ["plot_fan:hte_count"]),
        "GrowthResult": (innodex.simulate_growth(750, 2020, 2025, 0.1, threshold=1500,
                                                 n_paths=500), ["plot"]),
        "Backtest": (innodex.backtest(bootstrap_paths=0), ["plot"]),
        "RollingBacktest": (innodex.rolling_backtest([2020], bootstrap_paths=0),
                            ["plot", "plot_pit"]),
        "CalibrationResult": (innodex.calibrate([2018, 2019], [2020], bootstrap_paths=0),
                              ["plot"]),
        "Problem": (p, []),
        "SobolResult": (sa.sobol(p, _lin, 64, progress=False), ["plot", "plot_second_order"]),
        "MorrisResult": (sa.morris(p, _lin, 8, progress=False), ["plot"]),
        "Tornado": (sa.tornado(p, _lin), ["plot"]),
        "Grid": (sa.grid(p, _lin, "a", [0, 0.5, 1], "b", [0, 1]), ["plot"]),
        "CompositeIndex": (asem, []),
        "IndexResults": (build, ["plot_scores", "plot_correlations"]),
        "PCAResult": (build.pca(level=2), ["plot"]),
        "UncertaintyAnalysis": (ua, ["plot_rank_intervals", "plot_sensitivity"]),
        "PanelResults": (panel.build(), ["plot_trends"]),
    }


def test_results_render_and_plot(repo: Any) -> None:
    for name, (obj, plots) in _results(repo).items():
        r = repr(obj)
        assert "\n" not in r and len(r) < 200, (name, r)
        assert "<" in obj._repr_html_(), name
        if name not in {"Scenarios", "CompositeIndex"}:
            assert isinstance(obj.to_pandas(), pd.DataFrame), name
        for spec in plots:
            meth, _, arg = spec.partition(":")
            ax = getattr(obj, meth)(arg) if arg else getattr(obj, meth)()
            assert isinstance(ax, mpl.axes.Axes), (name, meth)
            assert ax.has_data(), (name, meth)
            plt.close(ax.figure)


def test_plots_draw_on_a_given_axes() -> None:
    fig, ax = plt.subplots()
    out = innodex.Plan.builtin().plot_paths("hte_count", ax=ax)
    assert out is ax
    plt.close(fig)


@pytest.mark.parametrize(
    "exc",
    [innodex.InnodexError, innodex.GrowthError, innodex.PlanError, innodex.ProjectionError,
     innodex.SensitivityError, innodex.CompositeIndexError],
)
def test_exceptions_pickle(exc: type[Exception]) -> None:
    e = pickle.loads(pickle.dumps(exc("n_paths must be at least 1")))
    assert type(e) is exc and str(e) == "n_paths must be at least 1"
    assert isinstance(e, ValueError)


def test_result_frames_are_tidy_and_go_straight_to_files(repo: Any, tmp_path: Any) -> None:
    """Every result's ``to_pandas()`` frame is tidy: flat, named columns once the index is
    reset, cells of plain scalar types (what CSV, Excel and parquet writers take), and it
    survives a CSV round trip with its values."""
    import io

    for name, (obj, _) in _results(repo).items():
        if name in {"Scenarios", "CompositeIndex"}:
            continue
        df = obj.to_pandas()
        flat = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
        assert not isinstance(flat.columns, pd.MultiIndex), name
        assert all(isinstance(c, str | int) for c in flat.columns), (name, list(flat.columns))
        assert flat.columns.is_unique, name
        for col in flat.columns:
            cells = flat[col].dropna()
            assert not any(isinstance(v, list | dict | tuple | set) for v in cells), (name, col)
        back = pd.read_csv(io.StringIO(flat.to_csv(index=False)))
        assert back.shape == flat.shape, name
        num = flat.select_dtypes("number").columns
        np.testing.assert_allclose(back[num].to_numpy(dtype=float),
                                   flat[num].to_numpy(dtype=float), rtol=1e-12, err_msg=name)


def test_core_objects_pickle_one_way(repo: Any) -> None:
    """Every pickling extension class pickles in one encoding, ``(Class._from_state,
    (CBOR bytes,))``, and comes back equal in what it shows (its JSON or repr)."""
    from innodex import _core

    results = _results(repo)
    cores = [getattr(obj, "_core", obj) for obj, _ in results.values()]
    pickling = [c for c in cores if type(c).__module__ == "innodex._core"
                and hasattr(type(c), "_from_state")]
    names = {type(c).__name__ for c in pickling}
    assert {"Plan", "Scenarios", "Problem", "SobolResult", "MorrisResult",
            "CompositeIndex", "McResult"} <= names, names
    trend = innodex.LogLinearTrend.fit([2018, 2019, 2020, 2021], [1.0, 1.1, 1.25, 1.3])
    for c in [*pickling, trend]:
        ctor, (state,) = c.__reduce__()
        assert ctor == type(c)._from_state
        assert isinstance(state, bytes)
        back = pickle.loads(pickle.dumps(c))
        show = "to_json" if hasattr(c, "to_json") else "__repr__"
        assert getattr(back, show)() == getattr(c, show)()
    # A damaged state is refused with the library's error, not a crash.
    with pytest.raises(innodex.InnodexError, match="cannot restore the pickled state"):
        _core.Plan._from_state(b"\x00not cbor")
    state = _core.Plan.builtin("linyi-2021-2025").__reduce__()[1][0]
    assert _core.Plan._from_state(state).to_toml() == _core.Plan.builtin().to_toml()
