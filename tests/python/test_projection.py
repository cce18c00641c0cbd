"""Projections from Python: statsmodels agreement, closed forms, frames, plots, errors."""

from __future__ import annotations

import math
import pathlib
import pickle
from statistics import NormalDist

import innodex
import numpy as np
import pandas as pd
import pytest
from innodex import ProjectionError, Scenarios

# China's R&D expenditure 2015–2023 (100 million yuan, first published), from the shipped CSV.
CHINA_RD = [14169.9, 15676.7, 17606.1, 19677.9, 22143.6, 24393.1, 27956.3, 30782.9, 33357.1]


def test_national_series_matches_the_shipped_data() -> None:
    b = innodex.backtest(bootstrap_paths=0, exclude=[], methods=["cagr"])
    china = b.rows[(b.rows["unit"] == "China") & (b.rows["year"] == 2023)]
    assert china["actual"].item() == CHINA_RD[-1]


@pytest.mark.parametrize(
    ("alpha", "beta", "phi"), [(0.8, 0.2, 0.9), (0.5, 0.5, 0.95), (0.3, 0.1, 0.85)]
)
def test_damped_holt_matches_statsmodels_with_known_initial_state(
    alpha: float, beta: float, phi: float
) -> None:
    from statsmodels.tsa.holtwinters import Holt

    l0, b0 = 13000.0, 1400.0
    fit = Holt(
        np.asarray(CHINA_RD),
        damped_trend=True,
        initialization_method="known",
        initial_level=l0,
        initial_trend=b0,
    ).fit(smoothing_level=alpha, smoothing_trend=beta, damping_trend=phi, optimized=False)
    want = fit.forecast(6)
    ours = innodex.damped_holt(
        CHINA_RD, 6, alpha=alpha, beta=beta, phi=phi, initial_level=l0, initial_trend=b0
    )
    np.testing.assert_allclose(ours["point"], want, rtol=0, atol=1e-8)
    assert ours["model"]["sse"] == pytest.approx(fit.sse, rel=1e-10)


def test_damped_holt_matches_statsmodels_with_the_heuristic_start() -> None:
    from statsmodels.tsa.holtwinters import Holt

    fit = Holt(
        np.asarray(CHINA_RD), damped_trend=True, initialization_method="legacy-heuristic"
    ).fit(smoothing_level=0.7, smoothing_trend=0.3, damping_trend=0.92, optimized=False)
    assert fit.params["initial_level"] == CHINA_RD[0]
    ours = innodex.damped_holt(CHINA_RD, 4, alpha=0.7, beta=0.3, phi=0.92)
    np.testing.assert_allclose(ours["point"], fit.forecast(4), rtol=0, atol=1e-8)
    # The same model through the generic forecast call.
    df = innodex.forecast(
        range(2015, 2024), CHINA_RD, "damped_holt", 2027, alpha=0.7, beta=0.3, phi=0.92
    )
    np.testing.assert_allclose(df["point"], fit.forecast(4), rtol=0, atol=1e-8)
    assert (df["lower"] < df["point"]).all() and (df["point"] < df["upper"]).all()


def test_log_linear_cagr_is_the_least_squares_slope() -> None:
    years = np.arange(2015, 2024)
    slope = np.polyfit(years - 2019, np.log(CHINA_RD), 1)[0]
    df = innodex.forecast(years, CHINA_RD, "log_linear", 2025)
    assert df.attrs["params"]["cagr"] == pytest.approx(math.expm1(slope), abs=1e-12)


def test_lognormal_growth_matches_the_closed_form() -> None:
    mu, sigma, n, thr = 0.1, 0.06, 100_000, 1300.0
    r = innodex.simulate_growth(
        750, 2020, 2025, {"dist": "lognormal", "mu": mu, "sigma": sigma},
        threshold=thr, n_paths=n, seed=9, quantiles=[0.05, 0.5, 0.95],
    )
    final = NormalDist(math.log(750) + 5 * mu, math.sqrt(5) * sigma)
    for p, got in zip([0.05, 0.5, 0.95], r.fan.loc[2025], strict=True):
        z = NormalDist().inv_cdf(p)
        exact = math.exp(final.inv_cdf(p))
        dens = NormalDist().pdf(z) / (final.stdev * exact)
        se = math.sqrt(p * (1 - p) / n) / dens
        assert abs(got - exact) < 4 * se
    p = 1 - final.cdf(math.log(thr))
    assert abs(r.probability - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert r.attainment is not None and r.attainment.sum() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def linyi() -> innodex.Projection:
    return innodex.Plan.builtin().project(n_paths=5000, seed=3, progress=False)


def test_projection_frames(linyi: innodex.Projection) -> None:
    df = linyi.to_pandas()
    assert list(df.columns) == [
        "scenario", "indicator", "year", "simulated", "mean", "q5", "q25", "q50", "q75", "q95",
    ]
    assert set(df["scenario"]) == {"baseline", "slow", "fast"}
    q = df[["q5", "q25", "q50", "q75", "q95"]].dropna().to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    fan = linyi.fan("ht_output_share", "fast")
    assert fan.index.tolist() == [2020, 2021, 2022, 2023, 2024, 2025]
    assert (fan.to_numpy() <= 100).all()
    t = linyi.targets()
    assert t.shape[0] == 39
    hte = t.loc[("baseline", "hte_count")]
    assert hte["q5"] <= hte["median"] <= hte["q95"]
    # "About 1500": 1500 × (1 − 0.05); the doubling is exact.
    assert hte["threshold"] == pytest.approx(1425.0)
    assert t.loc[("baseline", "hte_doubling"), "threshold"] == pytest.approx(2.0)
    p = linyi.probabilities()
    assert list(p.columns) == ["baseline", "slow", "fast"]
    assert p.loc["talent_young"].isna().all()
    assert ((p.dropna() >= 0) & (p.dropna() <= 1)).all().all()
    a = linyi.attainment("hte_count", "fast")
    assert a.sum() == pytest.approx(1.0)
    assert "assumed (scenario)" in " ".join(linyi.assumptions()["assumption"])
    assert "P(target met)" in linyi._repr_html_()
    assert "hte_count" in linyi.report()


def test_same_seed_same_numbers_and_pickling(linyi: innodex.Projection) -> None:
    again = innodex.project(innodex.Plan.builtin(), n_paths=5000, seed=3, progress=True)
    pd.testing.assert_frame_equal(again.to_pandas(), linyi.to_pandas())
    other = innodex.project(innodex.Plan.builtin(), n_paths=5000, seed=4, progress=False)
    assert not other.to_pandas().equals(linyi.to_pandas())
    back = pickle.loads(pickle.dumps(linyi))
    pd.testing.assert_frame_equal(back.targets(), linyi.targets())
    sc = pickle.loads(pickle.dumps(Scenarios.linyi()))
    assert sc.names() == ["baseline", "slow", "fast"]


def test_plot_fan_returns_the_axes(linyi: innodex.Projection) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = linyi.plot_fan("hte_count", target=1800)
    # Finished by default: the indicator's name and its calibration in the title, its unit on
    # the y axis, the targets' thresholds (1425 and 2 × 750) and the extra one in the legend,
    # the scenario's fixed colour.
    title = ax.get_title()
    assert title.startswith("High-tech enterprises — baseline scenario") and "calibrated" in title
    assert ax.get_ylabel() == "enterprises"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[3:] == ["hte_count ≥ 1,425 (2025)", "hte_doubling ≥ 1,500 (2025)",
                          "target ≥ 1,800"]
    from innodex._plot import scenario_color

    assert ax.get_lines()[0].get_color() == scenario_color("baseline") == "#1f77b4"
    # A fan from a start the scenario assumes says so; one from evidence (observed, or the R&D
    # share derived from observed parts) does not.
    assert "assumes" in linyi.plot_fan("ht_output_share").get_title()
    # A minimum every year is drawn too, as in the HTML report.
    tsme = linyi.plot_fan("tsme_entries").get_legend().get_texts()
    assert "tsme_entries ≥ 600 (each year)" in [t.get_text() for t in tsme]
    assert "assumes" not in linyi.plot_fan("rd_share").get_title()
    fig, ax2 = plt.subplots()
    assert linyi.plot_fan("rd_share", "slow", ax=ax2) is ax2
    plt.close("all")


def test_only_and_custom_scenarios() -> None:
    plan = innodex.Plan.builtin()
    res = innodex.project(plan, only=["fast"], n_paths=500, progress=False)
    assert res.scenarios == ["fast"]
    text = """
[[scenarios]]
name = "flat"
[scenarios.indicators.hte_count]
method = "increment"
increment = 150
"""
    # As of 2022, before "more than 1600" (2022) was published: the stock starts from 2020.
    early = plan.as_of("2022-12")
    res = innodex.project(early, Scenarios.from_toml(text), n_paths=200, progress=False)
    t = res.targets().loc[("flat", "hte_net_increase")]
    assert t["probability"] == 1.0 and t["median"] == 150.0


def test_errors_raise_projection_error() -> None:
    plan = innodex.Plan.builtin()
    with pytest.raises(ProjectionError, match="at least 1"):
        innodex.project(plan, n_paths=0, progress=False)
    bad = Scenarios.from_toml(
        '[[scenarios]]\nname = "s"\n[scenarios.indicators.nope]\nmethod = "compound"\nrate = 0.1\n'
    )
    with pytest.raises(ProjectionError, match="unknown indicator `nope`"):
        innodex.project(plan, bad, progress=False)
    neg = Scenarios.from_toml(
        '[[scenarios]]\nname = "s"\n[scenarios.indicators.hte_count]\nmethod = "compound"\n'
        'rate = { dist = "normal", mean = 0.1, sd = -0.1 }\n'
    )
    with pytest.raises(ProjectionError, match="must not be negative"):
        innodex.project(plan, neg, progress=False)
    early = Scenarios.from_toml(
        '[set]\nhorizon = 2022\n[[scenarios]]\nname = "s"\n'
        '[scenarios.indicators.rd_expenditure]\nmethod = "compound"\nrate = 0.1\n'
    )
    with pytest.raises(ProjectionError, match="horizon 2022 is before the last observation"):
        innodex.project(plan, early, progress=False)
    with pytest.raises(ProjectionError, match="unknown key|unknown field"):
        Scenarios.from_toml('[[scenarios]]\nname = "s"\ncolour = 1\n')
    with pytest.raises(ProjectionError):
        innodex.simulate_growth(750, 2020, 2025, {"dist": "uniform", "min": 1, "max": 0})
    with pytest.raises(ProjectionError, match="positive"):
        innodex.forecast([2020, 2021], [1.0, -1.0], "log_linear", 2023)
    with pytest.raises(ProjectionError):
        innodex.damped_holt(CHINA_RD, 3, alpha=1.5)
    with pytest.raises(ProjectionError, match="no scenario"):
        innodex.project(plan, only=["nope"], progress=False)
    assert issubclass(ProjectionError, ValueError)


def test_monte_carlo_size_limits_can_be_set_from_python() -> None:
    # simulate_growth: 1000 paths × 6 years (2020–2025) × 1 series = 6000 values, 8000 bytes
    # of quantile buffer. Each limit refuses one unit below the size and allows it exactly.
    def run(**limits: int) -> innodex.GrowthResult:
        return innodex.simulate_growth(750.0, 2020, 2025, 0.1, n_paths=1000, seed=1, **limits)

    with pytest.raises(ProjectionError) as info:
        run(max_values=5999)
    assert "needs 6000, above the limit of 5999 (" in str(info.value)
    assert "`max_values=` in Python" in str(info.value)
    with pytest.raises(ProjectionError) as info:
        run(max_buffer_bytes=7999)
    assert "needs 8000, above the limit of 7999 (" in str(info.value)
    assert "`max_buffer_bytes=` in Python" in str(info.value)
    ok = run(max_values=6000, max_buffer_bytes=8000)
    assert ok.n_paths == 1000
    # A fixed rate of 10 %: every quantile is 750 · 1.1⁵.
    assert ok.fan.loc[2025].to_numpy() == pytest.approx([750 * 1.1**5] * 5, rel=1e-12)
    # A limit lowered on a plan projection (also through Plan.project) names the new limit.
    plan = innodex.Plan.builtin()
    for call in (innodex.project, lambda p, **kw: p.project(**kw)):
        with pytest.raises(ProjectionError, match=r"above the limit of 1000 \(.*max_values="):
            call(plan, n_paths=200, progress=False, max_values=1000)
    # 10^12 paths stay refused with the value limit raised: the quantile buffer (8 bytes a
    # path) is then over its own limit, before anything is allocated.
    buffer = r"needs 8000000000000, above the limit of 4294967296 .*`max_buffer_bytes=`"
    with pytest.raises(ProjectionError, match=buffer):
        innodex.project(plan, n_paths=10**12, progress=False, max_values=2**64 - 1)
    # Bad limits name the argument.
    with pytest.raises(ProjectionError, match="max_values must be at least 1, got 0"):
        run(max_values=0)
    with pytest.raises(ProjectionError, match=f"max_buffer_bytes must be at most {2**64 - 1}"):
        run(max_buffer_bytes=2**64)
    with pytest.raises(TypeError, match="max_values must be an integer, not float"):
        run(max_values=1e6)


def test_backtest_frames() -> None:
    b = innodex.backtest(bootstrap_paths=2000)
    assert list(b.scores.index) == [
        "cagr", "mean_increment", "log_linear", "linear", "damped_holt", "bootstrap_growth",
    ]
    assert (b.scores["n"] == 93).all()
    assert np.isnan(b.scores.loc["cagr", "coverage"])
    assert 0 <= b.scores.loc["log_linear", "coverage"] <= 1
    assert len(b.rows) == 6 * 93
    share = innodex.backtest(
        column="rd_intensity_pct",
        methods=["log_linear", {"method": "logistic_trend", "ceiling": 100.0}],
        bootstrap_paths=0,
    )
    assert list(share.scores.index) == ["log_linear", "logistic_trend"]


def test_rolling_backtest_frames_and_calibration_out_of_sample() -> None:
    b = innodex.rolling_backtest([2019, 2020], bootstrap_paths=0)
    assert int(b.scores.loc["log_linear", "n"]) == 31 * 6
    assert int(b.by_horizon.loc[("linear", 2), "n"]) == 31 * 2
    # PIT counts add up to the forecasts; point methods have none.
    assert int(b.pit.loc["log_linear"].sum()) == 31 * 6
    assert "cagr" not in b.pit.index
    # Point methods: no coverage, CRPS equals MAPE.
    assert np.isnan(b.scores.loc["cagr", "cov90"])
    assert b.scores.loc["cagr", "crps"] == pytest.approx(b.scores.loc["cagr", "mape"])
    assert len(b.rows) == 31 * 6 * 5
    # Same seed, same numbers (with the Monte Carlo method).
    r1 = innodex.rolling_backtest([2020], bootstrap_paths=300, seed=4).scores
    r2 = innodex.rolling_backtest([2020], bootstrap_paths=300, seed=4).scores
    pd.testing.assert_frame_equal(r1, r2)
    # Out-of-sample calibration: the numbers the Rust tests and docs show.
    c = innodex.calibrate([2018, 2019], [2020], bootstrap_paths=0)
    before, after = c.comparison.loc[("log_linear", False)], c.comparison.loc[("log_linear", True)]
    assert before["cov90"] == pytest.approx(0.613, abs=1e-3)
    assert abs(after["cov80"] - 0.8) <= 0.05 and abs(after["cov90"] - 0.9) <= 0.05
    assert after["width90"] > before["width90"]
    # Two-sided (the default) also brings linear, the second method, within ±5 points.
    lin = c.comparison.loc[("linear", True)]
    assert abs(lin["cov80"] - 0.8) <= 0.05 and abs(lin["cov90"] - 0.9) <= 0.05
    assert c.scheme == "two_sided"
    assert list(c.factors.loc["log_linear"].index) == [1, 2]
    assert {"n", "lo90", "hi90"} <= set(c.factors.columns)
    # Horizon 1 of log-linear learnt from 62 forecasts: its 90 % bounds move out (lower below
    # −1, upper above +1 half-widths).
    f1 = c.factors.loc[("log_linear", 1)]
    assert f1["n"] == 62 and f1["lo90"] < -1 < 1 < f1["hi90"]
    # Symmetric (one factor for both sides) leaves linear far short at 80 %: it cannot move
    # a biased forecast.
    s = innodex.calibrate([2018, 2019], [2020], bootstrap_paths=0, conformal="symmetric")
    assert s.scheme == "symmetric"
    assert s.comparison.loc[("linear", True), "cov80"] == pytest.approx(0.516, abs=1e-3)
    sf = s.factors.loc[("log_linear", 1)]
    assert sf["lo90"] == pytest.approx(-sf["hi90"])
    with pytest.raises(ValueError, match="conformal"):
        innodex.calibrate([2018, 2019], [2020], bootstrap_paths=0, conformal="both")
    with pytest.raises(innodex.ProjectionError, match="never be learnt"):
        innodex.calibrate([2019, 2020], [2020], bootstrap_paths=0)


def test_calibrated_scenario_set_labels_probabilities(repo: pathlib.Path) -> None:
    plan = innodex.Plan.builtin()
    # The shipped set is calibrated by default; .uncalibrated() drops its calibration.
    cal = innodex.project(plan, n_paths=3000, seed=5, progress=False)
    raw = innodex.project(plan, Scenarios.linyi().uncalibrated(), n_paths=3000, seed=5,
                          progress=False)
    assert Scenarios.from_file(repo / "scenarios/linyi.toml").calibration[0]["method"] == (
        "log_linear")
    c = cal.calibration()
    row = c.loc[("fast", "hte_count")]
    assert bool(row["calibrated"]) and row["method"] == "log_linear"
    p_raw = raw.probabilities().loc["hte_count", "fast"]
    assert row["probability_uncalibrated"] == pytest.approx(p_raw)
    assert row["probability"] == pytest.approx(cal.probabilities().loc["hte_count", "fast"])
    assert row["probability"] < row["probability_uncalibrated"]
    assert not bool(c.loc[("fast", "hte_net_increase"), "calibrated"])
    assert raw.calibration().empty


def test_a_plan_gets_its_own_scenarios_or_a_clear_error(repo: pathlib.Path) -> None:
    # The Shandong plan projects under its own shipped set, never Linyi's.
    sd = innodex.Plan.builtin("shandong-2022-2027")
    res = innodex.project(sd, n_paths=500, progress=False)
    assert set(res.targets().index.get_level_values(1)) == {"rd_share", "ht_output_share"}
    # A plan file without shipped scenarios: an error that says how to give them.
    other = innodex.Plan.from_file(repo / "plans/examples/china-rd-growth.toml")
    with pytest.raises(innodex.ProjectionError, match="no shipped scenarios: pass scenarios="):
        innodex.project(other, n_paths=100, progress=False)


def test_python_and_the_cli_give_the_same_projection_by_default(repo: pathlib.Path) -> None:
    """One set of conventions: with their defaults (seed 2021, the plan's own calibrated
    scenario set) Python and the command line give the same numbers, in one JSON form."""
    import json
    import shutil
    import subprocess

    cli = repo / "target" / "ci" / "innodex"
    if not cli.exists():
        cli = shutil.which("innodex")  # type: ignore[assignment]
    assert cli, "the CLI is built by the test command (target/ci/innodex)"
    out = subprocess.run([str(cli), "project", "--paths", "2000", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    from_cli = json.loads(out)
    from_py = json.loads(innodex.project(innodex.Plan.builtin(), n_paths=2000,
                                         progress=False).to_json())
    assert from_py == from_cli
    assert from_py["seed"] == 2021 and from_py["calibration"]


def test_growth_result_arrays_are_the_core_result_and_thread_invariant() -> None:
    """``simulate_growth`` keeps the core's result native (numpy on demand): its fan, mean,
    probability and attainment are the numbers of the result's own JSON; and the three ways a
    call runs (one chunk on the calling thread, a few chunks without the polling thread, a
    large run polled) give the same numbers for any thread cap."""
    import json

    rate = {"dist": "normal", "mean": 0.12, "sd": 0.04}
    for n in (1_000, 10_000, 20_000):
        runs = [
            innodex.simulate_growth(750, 2020, 2025, rate, threshold=1500, n_paths=n, seed=7,
                                    threads=t)
            for t in (None, 1, 2)
        ]
        d = json.loads(runs[0]._core.to_json())
        ind, tgt = d["indicators"][0], d["targets"][0]
        r = runs[0]
        assert r.n_paths == n
        assert r.fan.index.tolist() == [y for y, q in zip(ind["years"], ind["quantiles"],
                                                          strict=True) if q is not None]
        np.testing.assert_array_equal(r.fan.to_numpy(),
                                      [q for q in ind["quantiles"] if q is not None])
        np.testing.assert_array_equal(r.final_quantiles, ind["quantiles"][-1])
        np.testing.assert_array_equal(r.mean.to_numpy(), ind["mean"])
        assert (r.probability, r.probability_se) == (tgt["probability"], tgt["probability_se"])
        assert r.attainment is not None
        assert r.attainment.tolist() == [*tgt["attainment"]["probability"],
                                         tgt["attainment"]["not_by_horizon"]]
        for other in runs[1:]:
            assert other._core.to_json() == runs[0]._core.to_json()
    # A bad thread cap is refused on every path.
    for n in (10, 5_000, 20_000):
        with pytest.raises(innodex.InnodexError, match="thread"):
            innodex.simulate_growth(750, 2020, 2025, 0.1, n_paths=n, threads=0)
