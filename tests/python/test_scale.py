"""Scale-out: tasks and results pickle; the native thread cap changes no number; a sweep on a
two-worker LocalCluster returns exactly the sequential frame."""

from __future__ import annotations

import pickle

import innodex
import numpy as np
import pandas as pd
import pytest
from innodex import datasets, scale


def test_province_tasks_cover_31_provinces_times_3_scenarios() -> None:
    tasks = scale.province_tasks(n_paths=10)
    assert len(tasks) == 93
    regions = {t.labels["region"] for t in tasks}
    assert len(regions) == 31 and "China" not in regions
    # The threshold is the 2020 value compounded at 7 % to 2025 (Shandong: 1681.9 in 2020).
    sd = next(t for t in tasks if t.labels["region"] == "Shandong")
    assert sd.threshold == pytest.approx(1681.9 * 1.07**5, rel=1e-12)
    assert sd.start == 2386.0 and sd.start_year == 2023


def test_scenarios_order_the_probabilities() -> None:
    # Liaoning's 2020-2023 growth puts it near the 7 % line, so the scenarios separate.
    tasks = scale.province_tasks(n_paths=2000, regions=["Liaoning"])
    df = scale.run_tasks(tasks, progress=False)
    p = df.groupby("scenario")["probability"].first()
    assert 0.0 < p["slow"] < p["baseline"] < p["fast"] < 1.0


def test_thread_cap_changes_no_number() -> None:
    tasks = scale.province_tasks(n_paths=5000, regions=["Guangdong", "Tibet"])
    one = scale.run_tasks(tasks, threads=1, progress=False)
    two = scale.run_tasks(tasks, threads=2, progress=False)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_tasks_and_results_pickle() -> None:
    t = scale.province_tasks(n_paths=100, regions=["Hebei"])[0]
    t2 = pickle.loads(pickle.dumps(t))
    pd.testing.assert_frame_equal(t.run(), t2.run(), check_exact=True)
    st = scale.SobolTask(
        {"problem": "gap"}, datasets.linyi_gap_problem(), datasets.linyi_gap, 64, seed=3
    )
    st2 = pickle.loads(pickle.dumps(st))
    pd.testing.assert_frame_equal(st.run(), st2.run(), check_exact=True)
    r = innodex.simulate_growth(750, 2020, 2025, 0.1, threshold=1500, n_paths=100)
    r2 = pickle.loads(pickle.dumps(r))
    pd.testing.assert_frame_equal(r.to_pandas(), r2.to_pandas(), check_exact=True)
    assert r2.probability == r.probability


def test_sweep_rejects_bad_arguments_before_starting_a_cluster() -> None:
    with pytest.raises(TypeError, match="tasks"):
        scale.sweep("not tasks")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"tasks\[0\]"):
        scale.sweep([object()])  # type: ignore[list-item]
    with pytest.raises(innodex.InnodexError, match="threads_per_worker"):
        scale.sweep([], threads_per_worker=0)


def test_distributed_sweep_equals_sequential() -> None:
    pytest.importorskip("dask.distributed", reason="the dask extra is not installed")
    from dask.distributed import Client, LocalCluster

    tasks: list[scale.Task] = list(
        scale.province_tasks(n_paths=20_000, regions=["Beijing", "Shandong", "Qinghai"])
    )
    tasks += [
        scale.SobolTask({"region": "Linyi", "scenario": f"sobol-{s}"}, datasets.linyi_gap_problem(),
                        datasets.linyi_gap, 256, seed=s)
        for s in (1, 2)
    ]
    seq = scale.run_tasks(tasks, progress=False)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        dist = scale.sweep(tasks, client=client, progress=False)
    pd.testing.assert_frame_equal(seq, dist, check_exact=True)
    # Real numbers, not an empty frame: 9 projections × 3 years, 2 Sobol runs × 3 outputs × 4
    # inputs.
    assert len(seq) == 9 * 3 + 2 * 3 * 4
    assert np.isfinite(seq["probability"].dropna()).all()


# ---------------------------------------------------------------------------- the task kinds


def test_plan_tasks_take_ids_objects_and_files_and_ship_text(repo) -> None:
    plan = innodex.Plan.builtin("shandong-2022-2027")
    ts = scale.plan_tasks(["linyi-2021-2025", plan, repo / "plans" / "linyi-2021-2025.toml"],
                          n_paths=500, seed=3)
    assert [t.labels["plan"] for t in ts] == [
        "linyi-2021-2025", "shandong-2022-2027", "linyi-2021-2025"]
    assert ts[0].plan == "linyi-2021-2025" and "[plan]" in ts[1].plan
    for t in ts:  # text and numbers only: a few kilobytes on the wire
        assert len(pickle.dumps(t)) < 32_000
    df = scale.run_tasks(ts, threads=1, progress=False)
    # The plan file and the embedded plan are the same plan: the same numbers.
    a = df[df["plan"] == "linyi-2021-2025"].drop(columns=["plan", "scenario_set"])
    n = len(a) // 2
    pd.testing.assert_frame_equal(a.iloc[:n].reset_index(drop=True),
                                  a.iloc[n:].reset_index(drop=True), check_exact=True)
    # The same as innodex.project directly.
    direct = innodex.project(plan, n_paths=500, seed=3, progress=False, threads=1).targets()
    got = df[df["plan"] == "shandong-2022-2027"].set_index(["scenario", "target"])
    np.testing.assert_array_equal(got["probability"].to_numpy(),
                                  direct["probability"].to_numpy())


def test_plan_tasks_with_another_scenario_set(repo) -> None:
    sc = innodex.Scenarios.from_file(repo / "scenarios" / "linyi.toml")
    ts = scale.plan_tasks(["linyi-2021-2025"], {"own": None, "same-file": sc}, n_paths=400)
    df = scale.run_tasks(ts, progress=False)
    own = df[df["scenario_set"] == "own"].drop(columns="scenario_set").reset_index(drop=True)
    other = df[df["scenario_set"] == "same-file"].drop(columns="scenario_set")
    pd.testing.assert_frame_equal(own, other.reset_index(drop=True), check_exact=True)


def test_task_builders_name_the_bad_field() -> None:
    with pytest.raises(innodex.PlanError, match=r"plans\[1\]: 'nowhere' is neither"):
        scale.plan_tasks(["linyi-2021-2025", "nowhere"])
    with pytest.raises(innodex.ProjectionError, match="n_paths"):
        scale.plan_tasks(["linyi-2021-2025"], n_paths=0)
    with pytest.raises(innodex.ProjectionError, match=r"scenario_sets\['x'\]: no scenario file"):
        scale.plan_tasks(["linyi-2021-2025"], {"x": "missing.toml"})
    with pytest.raises(TypeError, match="plans must be a sequence"):
        scale.plan_tasks("linyi-2021-2025")  # type: ignore[arg-type]
    with pytest.raises(innodex.CompositeIndexError, match=r"n must be at least 1, got 0"):
        scale.index_tasks({"a": {}}, n=0, seeds=1)
    with pytest.raises(innodex.CompositeIndexError, match=r"data: 'coinr' is not a shipped"):
        scale.index_tasks({"a": {}}, n=5, seeds=1, data="coinr")
    with pytest.raises(innodex.CompositeIndexError, match=r"specs\['a'\] is not valid TOML"):
        scale.index_tasks({"a": "[[x"}, n=5, seeds=1)
    with pytest.raises(innodex.InnodexError, match=r"paths\[0\]: no run file 'no.run.toml'"):
        scale.run_file_tasks(["no.run.toml"])


def test_index_tasks_vary_seed_and_n_and_match_the_direct_call() -> None:
    spec = innodex.coinr_vignette_uncertainty()
    ts = scale.index_tasks({"coinr": spec}, n=[20, 40], seeds=[1, 2])
    assert [(t.labels["n"], t.labels["seed"]) for t in ts] == [(20, 1), (20, 2), (40, 1), (40, 2)]
    df = scale.run_tasks(ts, progress=False)
    asem = innodex.CompositeIndex.from_frames(*innodex.datasets.asem())
    ua = asem.uncertainty({**spec, "n": 40, "seed": 2}, progress=False).to_pandas()
    got = df[(df["n"] == 40) & (df["seed"] == 2)].set_index("unit")
    np.testing.assert_array_equal(got.loc[ua.index, "rank_mean"], ua["mean"])
    np.testing.assert_array_equal(got.loc[ua.index, "rank_q95"], ua["q95"])


def test_run_file_task_rows_and_report(repo, tmp_path) -> None:
    ts = scale.run_file_tasks([repo / "scenarios" / "linyi-baseline.run.toml"], out=tmp_path)
    df = scale.run_tasks(ts, progress=False)
    checks = innodex.check_file(repo / "scenarios" / "linyi-baseline.run.toml").checks
    assert df["check"].tolist() == checks["name"].tolist()
    np.testing.assert_array_equal(df["observed"].to_numpy(), checks["observed"].to_numpy())
    assert df["run_passed"].all() and (tmp_path / "linyi-baseline" / "report.html").is_file()


def test_labels_may_not_shadow_result_columns() -> None:
    t = scale.GrowthTask({"year": 1}, 100.0, 2023, 2025, 0.05, n_paths=10)
    with pytest.raises(ValueError, match=r"labels \['year'\]"):
        scale.run_tasks([t], progress=False)


def test_cli_rejects_bad_input_without_a_traceback(capsys, repo, tmp_path) -> None:
    from innodex._sweep_cli import main

    assert main(["sweep", "no/such.run.toml", "--out", str(tmp_path)]) == 2
    assert "error: no run file 'no/such.run.toml'" in capsys.readouterr().err
    f = str(repo / "scenarios" / "linyi-baseline.run.toml")
    assert main(["sweep", f, "--workers", "-1", "--out", str(tmp_path)]) == 2
    assert "--workers must be at least 0, got -1" in capsys.readouterr().err
    bad = tmp_path / "bad.run.toml"
    bad.write_text('[run]\nname = "x"\nplan = "linyi-2021-2025"\nbogus = 1\n')
    assert main(["sweep", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "bogus" in err and "Traceback" not in err
    assert main(["sweep", f, "--out", str(tmp_path / "ok"), "--quiet"]) == 0
    assert (tmp_path / "ok" / "sweep.md").is_file()
