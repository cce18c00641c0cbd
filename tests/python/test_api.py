"""Walk the public API: every entry point, called with a wrong type or a bad value for one
argument (the others valid), raises ``TypeError`` or an ``innodex.InnodexError`` subclass whose
message names that argument. Each valid call is also run once, so that a failure can only come
from the argument we broke."""

from __future__ import annotations

import functools
import inspect
import math
import pathlib
from typing import Any

import innodex
import numpy as np
import pytest
from innodex import datasets
from innodex import sensitivity as sa

REPO = pathlib.Path(__file__).resolve().parents[2]

ERRORS = (TypeError, innodex.InnodexError)


class Wrong:
    """An object of a type no entry point accepts."""

    def __repr__(self) -> str:
        return "<Wrong>"


def _plan() -> innodex.Plan:
    return innodex.Plan.builtin()


def _problem() -> sa.Problem:
    return sa.Problem(["a", "b"], [[0, 1], [0, 1]])


def _lin(x: np.ndarray) -> np.ndarray:
    return x[:, 0] + 2 * x[:, 1]


@functools.cache
def _projection() -> innodex.Projection:
    return innodex.project(_plan(), n_paths=200, seed=1, progress=False)


@functools.cache
def _sobol() -> sa.SobolResult:
    return sa.sobol(_problem(), _lin, 64, seed=1, progress=False)


@functools.cache
def _build() -> innodex.IndexResults:
    return _asem(_REPO).build()


def _trend() -> sa.LogLinearTrend:
    return sa.LogLinearTrend.fit([2016, 2017, 2018, 2019, 2020], [2.3, 2.4, 2.2, 2.1, 2.3])


def _asem(repo: Any) -> innodex.CompositeIndex:
    d = repo / "data"
    return innodex.CompositeIndex.from_csv(d / "ASEM_iData.csv", d / "ASEM_iMeta.csv")


# name -> function(repo) giving (callable, kwargs) of a valid, quick call.
VALID: dict[str, Any] = {
    "cagr": lambda r: (innodex.cagr, dict(v0=750.0, v1=1500.0, year0=2020, year1=2025)),
    "required_cagr": lambda r: (
        innodex.required_cagr, dict(baseline=750.0, target=1500.0, year0=2020, year1=2025)
    ),
    "required_increment": lambda r: (
        innodex.required_increment, dict(baseline=750.0, target=1500.0, year0=2020, year1=2025)
    ),
    "implied_baseline": lambda r: (
        innodex.implied_baseline, dict(target=1500.0, rate=0.1, year0=2020, year1=2025)
    ),
    "years_to_target": lambda r: (
        innodex.years_to_target, dict(baseline=750.0, target=1500.0, rate=0.1)
    ),
    "doubling_time": lambda r: (innodex.doubling_time, dict(rate=0.07)),
    "rule_of_70": lambda r: (innodex.rule_of_70, dict(rate=0.07)),
    "compound_path": lambda r: (
        innodex.compound_path, dict(baseline=750.0, rate=0.1, year0=2020, year1=2025)
    ),
    "linear_path": lambda r: (
        innodex.linear_path, dict(baseline=750.0, increment=150.0, year0=2020, year1=2025)
    ),
    "Plan": lambda r: (innodex.Plan.builtin, dict(name="linyi-2021-2025")),
    "Plan.from_file": lambda r: (
        innodex.Plan.from_file, dict(path=r / "plans/linyi-2021-2025.toml")
    ),
    "Plan.from_toml": lambda r: (innodex.Plan.from_toml, dict(text=_plan().to_toml())),
    "Plan.set_observation": lambda r: (
        _plan().set_observation, dict(indicator="hte_count", year=2020, value=800.0)
    ),
    "Plan.plot_paths": lambda r: (_plan().plot_paths, dict(target="hte_count")),
    "Scenarios": lambda r: (
        innodex.Scenarios.from_toml, dict(text=innodex.Scenarios.linyi().to_toml())
    ),
    "project": lambda r: (
        innodex.project, dict(plan=_plan(), n_paths=200, seed=1, progress=False, threads=1,
                              max_values=10**6, max_buffer_bytes=10**6)
    ),
    "simulate_growth": lambda r: (
        innodex.simulate_growth,
        dict(start=750.0, start_year=2020, horizon=2025, rate=0.1, threshold=1500.0,
             n_paths=200, seed=1, threads=1, max_values=10**6, max_buffer_bytes=10**6),
    ),
    "forecast": lambda r: (
        innodex.forecast, dict(years=[2019, 2020], values=[100.0, 110.0], method="compound",
                               horizon=2022, rate=0.1)
    ),
    "damped_holt": lambda r: (innodex.damped_holt, dict(values=[1.0, 2.0, 3.5, 4.0, 5.5], steps=2)),
    "backtest": lambda r: (innodex.backtest, dict(split_year=2020, bootstrap_paths=0, seed=1)),
    "rolling_backtest": lambda r: (
        innodex.rolling_backtest,
        dict(origins=[2020], horizon=2, window=5, levels=[0.8, 0.9], bootstrap_paths=0, seed=1),
    ),
    "calibrate": lambda r: (
        innodex.calibrate,
        dict(learn_origins=[2018], score_origins=[2020], horizon=2, bootstrap_paths=0, seed=1),
    ),
    "Problem": lambda r: (sa.Problem, dict(names=["a", "b"], bounds=[[0, 1], [0, 1]])),
    "sobol_sample": lambda r: (sa.sobol_sample, dict(problem=_problem(), N=8, seed=1)),
    "morris_sample": lambda r: (sa.morris_sample, dict(problem=_problem(), N=4, seed=1)),
    "mc_sample": lambda r: (sa.mc_sample, dict(problem=_problem(), N=8, seed=1)),
    "lhs_sample": lambda r: (sa.lhs_sample, dict(problem=_problem(), N=8, seed=1)),
    "sobol": lambda r: (
        sa.sobol, dict(problem=_problem(), model=_lin, N=64, seed=1, progress=False, threads=1)
    ),
    "sobol_analyze": lambda r: (
        sa.sobol_analyze,
        dict(problem=_problem(), Y=_lin(sa.sobol_sample(_problem(), 64, seed=1)), seed=1),
    ),
    "morris": lambda r: (
        sa.morris, dict(problem=_problem(), model=_lin, N=8, seed=1, progress=False, threads=1)
    ),
    "shapley": lambda r: (
        sa.shapley,
        dict(problem=_problem(), model=_lin, corr=[[1, 0.3], [0.3, 1]], method="exact",
             n_outer=20, n_inner=3, n_var=200, seed=1, progress=False, threads=1),
    ),
    "sobol_over_time": lambda r: (
        sa.sobol_over_time,
        dict(problem=_problem(), model=lambda x: np.c_[_lin(x), x[:, 0]], N=64,
             years=[2024, 2025], seed=1, progress=False, threads=1),
    ),
    "ShapleyResult.plot": lambda r: (
        sa.shapley(_problem(), _lin, n_outer=20, n_var=200, progress=False).plot, dict(output=0)
    ),
    "morris_analyze": lambda r: (
        sa.morris_analyze,
        dict(problem=_problem(), X=sa.morris_sample(_problem(), 8, seed=1),
             Y=_lin(sa.morris_sample(_problem(), 8, seed=1)), seed=1),
    ),
    "tornado": lambda r: (sa.tornado, dict(problem=_problem(), model=_lin)),
    "grid": lambda r: (
        sa.grid, dict(problem=_problem(), model=_lin, x="a", x_values=[0.0, 1.0], y="b",
                      y_values=[0.0, 1.0])
    ),
    "share_growth": lambda r: (sa.share_growth, dict(g_numerator=0.1, g_denominator=0.06)),
    "share_sensitivity": lambda r: (
        sa.share_sensitivity, dict(s0=2.0, g_numerator=0.1, g_denominator=0.06, year0=2020,
                                   year1=2025)
    ),
    "project_share": lambda r: (
        sa.project_share, dict(s0=2.0, g_numerator=0.1, g_denominator=0.06, year0=2020,
                               year1=2025)
    ),
    "required_numerator_growth": lambda r: (
        sa.required_numerator_growth, dict(s0=2.0, s_target=2.5, g_denominator=0.06,
                                           year0=2020, year1=2025)
    ),
    "required_numerator_growth_vs_reference": lambda r: (
        sa.required_numerator_growth_vs_reference,
        dict(s0=2.0, g_denominator=0.06, year0=2020, year1=2025, reference=_trend(), p=0.5),
    ),
    "prob_beat_reference": lambda r: (
        sa.prob_beat_reference,
        dict(scenario=sa.Problem(["g_r", "g_y", "s0"], [[0.08, 0.12], [0.05, 0.07], [1.7, 2.1]]),
             year0=2020, year1=2025, reference=_trend(), n=1000, seed=1),
    ),
    "linyi_gap": lambda r: (
        datasets.linyi_gap, dict(x=sa.mc_sample(datasets.linyi_gap_problem(), 4))
    ),
    "load": lambda r: (datasets.load, dict(name="linyi_facts")),
    "linyi_shandong_series": lambda r: (
        datasets.linyi_shandong_series, dict(from_year=2015, to_year=2020)
    ),
    "linyi_required_rd_growth_grid": lambda r: (
        datasets.linyi_required_rd_growth_grid,
        dict(gdp_growths=[0.05, 0.06], baselines=[1.8, 2.0], reference_2025=2.6),
    ),
    "CompositeIndex": lambda r: (
        innodex.CompositeIndex.from_csv,
        dict(idata=r / "data/ASEM_iData.csv", imeta=r / "data/ASEM_iMeta.csv"),
    ),
    "Panel": lambda r: (
        innodex.Panel.from_csv,
        dict(idata=r / "data/ASEM_iData.csv", imeta=r / "data/ASEM_iMeta.csv"),
    ),
    "CompositeIndex.build": lambda r: (_asem(r).build, dict(pipeline=None)),
    "CompositeIndex.uncertainty": lambda r: (
        _asem(r).uncertainty,
        dict(spec=innodex.coinr_vignette_uncertainty(n=5, seed=1), progress=False, threads=1),
    ),
    # Methods of results: the arguments a researcher types.
    "Projection.fan": lambda r: (
        _projection().fan, dict(indicator="hte_count", scenario="fast")
    ),
    "Projection.attainment": lambda r: (
        _projection().attainment, dict(target="hte_count", scenario="fast")
    ),
    "Projection.plot_fan": lambda r: (
        _projection().plot_fan, dict(indicator="hte_count", scenario="slow", target=1500.0)
    ),
    "SobolResult.to_salib": lambda r: (_sobol().to_salib, dict(output="y0")),
    "SobolResult.plot": lambda r: (_sobol().plot, dict(output=0)),
    "IndexResults.ranking": lambda r: (_build().ranking, dict(code="Index")),
    "IndexResults.stage": lambda r: (_build().stage, dict(name="normalised")),
    "IndexResults.to_pandas": lambda r: (_build().to_pandas, dict(level=2)),
    "IndexResults.relative": lambda r: (_build().relative, dict(code="Index")),
    "IndexResults.strengths_weaknesses": lambda r: (
        _build().strengths_weaknesses, dict(unit="DEU", n=3)
    ),
    "IndexResults.correlations": lambda r: (
        _build().correlations, dict(rows=["Physical", "Social"], method="spearman")
    ),
    "IndexResults.cronbach": lambda r: (_build().cronbach, dict(aggregate="Physical")),
    "IndexResults.pca": lambda r: (_build().pca, dict(codes=["Physical", "Social"])),
    "Plan.report": lambda r: (_plan().report, dict(format="markdown")),
    "run_file": lambda r: (
        innodex.run_file, dict(path=str(REPO / "scenarios" / "asem-index.run.toml"))
    ),
    "check_file": lambda r: (
        innodex.check_file, dict(path=str(REPO / "scenarios" / "asem-index.run.toml"))
    ),
    "coinr_vignette_uncertainty": None,  # builds a dict; checked by uncertainty() above
    "province_tasks": lambda r: (
        innodex.province_tasks, dict(n_paths=10, seed=1, regions=["Shandong"])
    ),
    "plan_tasks": lambda r: (
        innodex.plan_tasks,
        dict(plans=["linyi-2021-2025"], scenario_sets={"own": None}, n_paths=10, seed=1,
             only=["baseline"]),
    ),
    "index_tasks": lambda r: (
        innodex.index_tasks,
        dict(specs={"a": innodex.coinr_vignette_uncertainty()}, n=[5], seeds=[1],
             pipeline={}, data="asem"),
    ),
    "run_file_tasks": lambda r: (
        innodex.run_file_tasks,
        dict(paths=[str(REPO / "scenarios" / "asem-index.run.toml")], out=str(REPO / "out")),
    ),
    "run_tasks": lambda r: (
        innodex.run_tasks,
        dict(tasks=innodex.province_tasks(n_paths=10, regions=["Shandong"]), threads=1,
             progress=False),
    ),
}

# Bad values (right type, wrong value): entry -> {argument: [values]}.
BAD_VALUES: dict[str, dict[str, list[Any]]] = {
    "cagr": {"v0": [math.nan, -1.0], "v1": [math.nan]},
    "required_cagr": {"baseline": [math.nan, 0.0], "target": [math.inf]},
    "doubling_time": {"rate": [math.nan, -0.5]},
    "compound_path": {"baseline": [math.nan], "rate": [math.nan]},
    "linear_path": {"increment": [math.nan]},
    "project": {"n_paths": [0, -5], "seed": [-1], "quantiles": [[1.5], [math.nan]],
                "threads": [0], "max_values": [0, 2**64], "max_buffer_bytes": [-1]},
    "simulate_growth": {"n_paths": [0, -1], "start": [math.nan], "threshold": [math.nan],
                        "threads": [0], "rate": [math.nan], "max_values": [0],
                        "max_buffer_bytes": [0, 2**64]},
    "forecast": {"values": [[math.nan, 1.0]], "level": [math.nan]},
    "sobol_sample": {"N": [0, -8], "seed": [-1]},
    "sobol": {"N": [0], "conf_level": [math.nan, 1.5], "threads": [0]},
    "sobol_analyze": {"conf_level": [math.nan]},
    "morris": {"N": [0], "num_levels": [1]},
    "shapley": {"corr": [[[1, 2], [2, 1]], [[1, 0.3], [0.2, 1]], [[1.0]]],
                "method": ["sobol"], "n_outer": [0], "n_inner": [1], "n_var": [1],
                "seed": [-1], "threads": [0]},
    "sobol_over_time": {"N": [0], "years": [[2025, 2024], [2025]], "threads": [0]},
    "ShapleyResult.plot": {"output": ["zz", 5]},
    "mc_sample": {"N": [-1]},
    "lhs_sample": {"N": [0]},
    "CompositeIndex.uncertainty": {"threads": [0]},
    "province_tasks": {"n_paths": [0], "regions": [["Atlantis"]]},
    "run_tasks": {"threads": [0]},
    "plan_tasks": {"n_paths": [0], "seed": [-1], "plans": [["nowhere"]]},
    "index_tasks": {"n": [0, [5, -1]], "seeds": [[-1]], "data": ["nowhere"]},
    "run_file_tasks": {"paths": [["nowhere.run.toml"]]},
    "SobolResult.to_salib": {"output": ["zz", 5]},
    "IndexResults.ranking": {"code": ["NOPE"]},
    "IndexResults.to_pandas": {"level": [99]},
    "IndexResults.strengths_weaknesses": {"n": [0]},
    "run_file": {"tolerance": [math.nan, -1.0], "rel_tolerance": [-0.5], "threads": [0]},
    "check_file": {"tolerance": [math.nan], "threads": [0]},
}

# Parameters that take any object by design (the wrong-type probe does not apply).
ANY_TYPE = {

}

# Public names that are not entry points to call with arguments: result types (built by the
# library, never by hand), exceptions, modules, constants.
NOT_CALLED = {
    "Backtest", "RollingBacktest", "CalibrationResult",
    "GrowthResult", "Projection", "IndexResults", "PanelResults", "PCAResult",
    "UncertaintyAnalysis", "MorrisResult", "SobolResult", "Tornado", "Grid", "RunResult",
    "ShapleyResult", "SobolOverTimeResult",
    "SensitivityWarning", "InnodexError", "GrowthError", "PlanError", "ProjectionError",
    "SensitivityError", "CompositeIndexError", "__version__", "COINR_EXAMPLE", "index",
    "scale", "sensitivity", "LogLinearTrend", "GrowthTask", "SobolTask",
    "PlanTask", "IndexUncertaintyTask", "RunFileTask",
    # No arguments to break.
    "linyi_gap_problem", "province_panel", "names", "china_province_rd", "linyi_outcomes",
    "linyi_facts", "asem", "linyi_plan", "shandong_plan",
    # Constants and protocols.
    "PROVINCE_SCENARIOS", "Task",
    # Runs a spec file through the CLI's code; its one argument is a path (checked in
    # test_index).
    "run_spec",
    # Needs a running cluster; its argument checks run before dask starts: test_scale.
    "sweep",
}


def test_every_public_callable_is_walked() -> None:
    modules = [innodex, innodex.sensitivity, innodex.index, innodex.scale, innodex.datasets]
    names = {(m, n) for m in modules for n in m.__all__}
    walked = {k.split(".")[0] for k in VALID}
    missing = sorted(
        f"{m.__name__}.{n}" for m, n in names
        if n not in walked and n not in NOT_CALLED and callable(getattr(m, n))
    )
    assert missing == [], f"add these entry points to VALID: {missing}"


def _cases() -> list[tuple[str, str]]:
    out = []
    for name, make in VALID.items():
        if make is None:
            continue
        params = _params(name)
        for p in params:
            if (name, p) not in ANY_TYPE:
                out.append((name, p))
    return out


def _params(name: str) -> list[str]:
    make = VALID[name]
    # The keyword arguments of the valid call are what we break (defaults are not probed).
    fn, kwargs = make(_REPO)
    return list(kwargs)


from conftest import REPO as _REPO  # noqa: E402


@pytest.mark.parametrize("name", [n for n, m in VALID.items() if m is not None])
def test_valid_call_works(name: str, repo: Any) -> None:
    fn, kwargs = VALID[name](repo)
    fn(**kwargs)


@pytest.mark.parametrize(("name", "param"), _cases())
def test_wrong_type_names_the_argument(name: str, param: str, repo: Any) -> None:
    fn, kwargs = VALID[name](repo)
    kwargs[param] = Wrong()
    with pytest.raises(ERRORS) as info:
        fn(**kwargs)
    assert param in str(info.value), f"{name}({param}=<Wrong>): {info.value!r}"


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [(n, p, v) for n, d in BAD_VALUES.items() for p, vs in d.items() for v in vs],
)
def test_bad_value_names_the_argument(name: str, param: str, value: Any, repo: Any) -> None:
    fn, kwargs = VALID[name](repo)
    kwargs[param] = value
    with pytest.raises(innodex.InnodexError) as info:
        fn(**kwargs)
    assert param in str(info.value), f"{name}({param}={value!r}): {info.value!r}"


def test_ratio_functions_raise_the_package_error_for_impossible_growth() -> None:
    # A denominator growing at -100 % makes the share undefined.
    with pytest.raises(innodex.InnodexError):
        sa.share_growth(0.1, -1.0)


def test_signatures_use_the_shared_words() -> None:
    # The long runs take the same keyword arguments for the same things.
    for fn in (innodex.project, innodex.sobol, innodex.morris,
               innodex.CompositeIndex.uncertainty, innodex.run_tasks):
        params = inspect.signature(fn).parameters
        assert "progress" in params and "threads" in params, fn
    for fn in (innodex.project, innodex.simulate_growth):
        params = inspect.signature(fn).parameters
        assert {"n_paths", "seed", "quantiles", "threads"} <= set(params), fn


def test_datasets_are_the_shipped_files_as_frames():
    """Every shipped data set loads from the library itself and equals its file under data/."""
    import pathlib

    import pandas as pd
    from innodex import datasets

    root = pathlib.Path(__file__).resolve().parents[2]
    for name, file, description in datasets.names():
        assert description
        frame = datasets.load(name)
        dtype = {"year": str} if name == "linyi_outcomes" else None
        pd.testing.assert_frame_equal(frame, pd.read_csv(root / file, dtype=dtype))
    rd = datasets.china_province_rd()
    # 31 provinces and the national total, 2015–2023.
    assert rd["region_en"].nunique() == 32
    assert sorted(rd["year"].unique()) == list(range(2015, 2024))
    out = datasets.linyi_outcomes()
    assert len(out) == 55 and "2021-2024" in set(out["year"])
    data, meta = datasets.asem()
    assert len(data) == 51 and (meta["Type"] == "Indicator").sum() == 49
    with pytest.raises(innodex.PlanError, match="no data set `atlantis`"):
        datasets.load("atlantis")


def test_run_file_from_python_runs_checks_writes_and_compares(tmp_path):
    """innodex.run_file = `innodex run` + `innodex check`: the checks, the files, and the
    baseline comparison (its own report passes; a doctored key result fails)."""
    import json
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    path = root / "scenarios" / "asem-index.run.toml"
    r = innodex.run_file(path, out=tmp_path / "out")
    assert r.passed and len(r.checks) == 4 and r.checks["passed"].all()
    assert "report.json" in r.files and (tmp_path / "out" / "report.json").exists()
    # DEU's ASEM score is checked ≥ 60; the run file's check carries the observed value.
    deu = r.checks.set_index("name").loc["score(index=asem, unit=DEU)"]
    assert deu["observed"] == pytest.approx(60.751, abs=5e-4)
    again = innodex.run_file(path, baseline=tmp_path / "out" / "report.json")
    assert again.passed and again.comparison is not None
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    key = next(iter(report["key_results"]))
    report["key_results"][key] += 1.0
    doctored = tmp_path / "doctored.json"
    doctored.write_text(json.dumps(report))
    moved = innodex.run_file(path, baseline=doctored, tolerance=0.5)
    assert not moved.passed and key in moved.comparison
    with pytest.raises(innodex.InnodexError, match="tolerance"):
        innodex.run_file(path, tolerance=-1)
    with pytest.raises(innodex.InnodexError, match="nope.run.toml"):
        innodex.run_file(tmp_path / "nope.run.toml")
    # check_file = `innodex check`: the calibration run file's coverage checks pass (the
    # calibrated log-linear and linear intervals within ±5 points), and nothing is written.
    c = innodex.check_file(root / "scenarios" / "rd-calibration.run.toml")
    assert c.passed and not c.files and len(c.checks) == 5, c.checks
    cov = c.checks.set_index("name")["observed"]
    assert cov["calibrated linear 80 % intervals cover 75–85 %"] == pytest.approx(0.828, abs=1e-3)
