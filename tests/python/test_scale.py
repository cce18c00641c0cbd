"""Scale-out: tasks and results pickle; the native thread cap changes no number; a sweep on a
two-worker LocalCluster returns exactly the sequential frame."""

from __future__ import annotations

import pickle

import innodex
import numpy as np
import pandas as pd
import pytest
from innodex import scale
from innodex import sensitivity as sa


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
    st = scale.SobolTask({"problem": "gap"}, sa.linyi_gap_problem(), sa.linyi_gap, 64, seed=3)
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
        scale.SobolTask({"region": "Linyi", "scenario": f"sobol-{s}"}, sa.linyi_gap_problem(),
                        sa.linyi_gap, 256, seed=s)
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
