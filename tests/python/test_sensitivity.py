"""Sensitivity analysis from Python: SALib parity, analytic values, errors, pickling, plots."""

import pickle
import re

import innodex
import numpy as np
import pandas as pd
import pytest
from innodex import SensitivityError, datasets
from innodex import sensitivity as sa
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol
from SALib.sample import morris as salib_morris_sample
from SALib.sample import sobol as salib_sobol_sample
from SALib.test_functions import Ishigami

PI = np.pi
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}
G_A = np.array([0, 1, 4.5, 9, 99, 99, 99, 99, 99, 99], dtype=float)


def g_function(x, a=G_A):
    return np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)


def g_problem(k):
    return {"num_vars": k, "names": [f"x{i + 1}" for i in range(k)], "bounds": [[0, 1]] * k}


@pytest.mark.parametrize(
    "problem,model,n,second",
    [
        (ISHIGAMI, Ishigami.evaluate, 1024, True),
        (g_problem(10), g_function, 512, True),
        (g_problem(10), g_function, 512, False),
    ],
)
def test_same_samples_and_outputs_give_salib_indices(problem, model, n, second):
    # SALib's own sample and outputs, fed to both analyses.
    x = salib_sobol_sample.sample(problem, n, calc_second_order=second, seed=3)
    y = model(x)
    ref = salib_sobol.analyze(problem, y, calc_second_order=second, num_resamples=10, seed=1)
    got = sa.sobol_analyze(sa.Problem.from_salib(problem), y, calc_second_order=second)
    s = got.to_salib()
    np.testing.assert_allclose(s["S1"], ref["S1"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(s["ST"], ref["ST"], rtol=0, atol=1e-10)
    if second:
        # Same NaN pattern (lower triangle and diagonal) and same values.
        np.testing.assert_allclose(s["S2"], ref["S2"], rtol=0, atol=1e-10, equal_nan=True)
    else:
        assert "S2" not in s


def test_unscrambled_design_equals_salib_unscrambled_design():
    x_ref = salib_sobol_sample.sample(ISHIGAMI, 256, calc_second_order=True, scramble=False)
    x = sa.sobol_sample(sa.Problem.from_salib(ISHIGAMI), 256, scramble=False)
    np.testing.assert_allclose(x, x_ref, rtol=0, atol=1e-12)


def test_morris_matches_salib_on_the_same_trajectories():
    problem = g_problem(10)
    x = salib_morris_sample.sample(problem, 30, num_levels=4, seed=2)
    y = g_function(x)
    ref = salib_morris.analyze(problem, x, y, num_levels=4, seed=1)
    got = sa.morris_analyze(sa.Problem.from_salib(problem), x, y, num_levels=4).to_salib()
    for key in ["mu", "mu_star", "sigma"]:
        np.testing.assert_allclose(got[key], ref[key], rtol=0, atol=1e-10)


def test_ishigami_one_call_and_many_outputs():
    p = sa.Problem.from_salib(ISHIGAMI)

    def two(x):
        return np.column_stack([Ishigami.evaluate(x), g_function((x + PI) / (2 * PI), G_A[:3])])

    res = sa.sobol(p, two, 2**13, seed=4, output_names=["ishigami", "g3"])
    df = res.to_pandas()
    assert list(df.index.get_level_values("output").unique()) == ["ishigami", "g3"]
    ish = df.loc["ishigami"]
    np.testing.assert_allclose(ish["S1"], [0.3139, 0.4424, 0.0], atol=0.015)
    np.testing.assert_allclose(ish["ST"], [0.5576, 0.4424, 0.2437], atol=0.015)
    assert (ish["ST_low"] <= ish["ST"]).all() and (ish["ST"] <= ish["ST_high"]).all()
    s2 = res.second_order_pandas()
    assert s2.loc[("ishigami", "x1", "x3"), "S2"] == pytest.approx(0.2437, abs=0.03)
    # Batching is invisible.
    again = sa.sobol(p, two, 2**13, seed=4, batch_rows=1000)
    np.testing.assert_array_equal(again.S1, res.S1)


def test_morris_ranks_g_function():
    res = sa.morris(sa.Problem.from_salib(g_problem(10)), g_function, 50, seed=1)
    order = res.to_pandas().loc["y0"]["mu_star"].sort_values(ascending=False).index
    assert list(order[:4]) == ["x1", "x2", "x3", "x4"]


def test_bad_input_raises_sensitivity_error():
    with pytest.raises(SensitivityError, match="lower bound"):
        sa.Problem(["a"], [[2, 1]])
    with pytest.raises(SensitivityError, match="sd must be positive"):
        sa.Problem(["a"], [[0, -1]], dists=["norm"])
    with pytest.raises(innodex.InnodexError):
        sa.Problem(["a"], [[0, 1]], dists=["weird"])
    with pytest.raises(SensitivityError, match="groups"):
        sa.Problem.from_salib({"names": ["a", "b"], "bounds": [[0, 1]] * 2, "groups": ["g", "g"]})
    p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    with pytest.raises(SensitivityError, match="output rows"):
        sa.sobol(p, lambda x: x[:-1, 0], 64)
    with pytest.raises(SensitivityError, match="not finite"):
        sa.sobol(p, lambda x: np.where(x[:, 0] > 0.9, np.nan, x[:, 0]), 64)
    with pytest.raises(SensitivityError, match="rows"):
        sa.sobol_analyze(p, np.zeros(63))

    # The model's own exception comes through unchanged.
    def broken(x):
        raise KeyError("model bug")

    with pytest.raises(KeyError, match="model bug"):
        sa.sobol(p, broken, 64)


LIMIT = "above the limit of 268435456 numbers (2147483648 bytes, 2.0 GiB)"


def test_too_large_requests_are_refused_with_the_size_and_the_limit():
    # Each request needs terabytes: the call could not return had anything been allocated. The
    # message states rows × columns, the numbers and bytes, and the limit (2^28 numbers).
    p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    with pytest.raises(SensitivityError) as info:
        sa.sobol_sample(p, 2**38, seed=1)
    assert str(info.value).startswith(
        "the whole design of 1649267441664 rows × 2 columns = 3298534883328 numbers "
        "(26388279066624 bytes, 24576.0 GiB) is above the limit"
    ), info.value
    assert LIMIT in str(info.value) and "use a smaller N" in str(info.value)
    for fn, rows in [(sa.morris_sample, 3 * 2**40), (sa.mc_sample, 2**40)]:
        with pytest.raises(SensitivityError, match=f"of {rows} rows × 2 columns") as info:
            fn(p, 2**40, seed=1)
        assert LIMIT in str(info.value)
    # One number over the limit: 2^27 + 1 rows of a Latin hypercube in 2 inputs.
    with pytest.raises(SensitivityError, match=f"= {2**28 + 2} numbers .*{re.escape(LIMIT)}"):
        sa.lhs_sample(p, 2**27 + 1, seed=1)
    # The outputs of a Sobol' analysis: refused after the one probing row that tells the
    # number of outputs, before any evaluation of the design.
    rows_seen = []

    def model(x):
        rows_seen.append(len(x))
        return x[:, 0]

    with pytest.raises(SensitivityError, match=f"the model outputs of {4 * 2**40} rows × 1"):
        sa.sobol(p, model, 2**40, calc_second_order=False, progress=False)
    assert rows_seen == [1]


def test_not_power_of_two_warns():
    p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    with pytest.warns(sa.SensitivityWarning, match="power of two"):
        sa.sobol(p, lambda x: x[:, 0] + x[:, 1] ** 2, 1000, num_resamples=10)


def test_results_pickle_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    p = sa.Problem.from_salib(ISHIGAMI)
    res = sa.sobol(p, Ishigami.evaluate, 512, seed=1, num_resamples=20)
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.S1, res.S1)
    assert pickle.loads(pickle.dumps(p)).names == p.names
    ax = res.plot()
    assert len(ax.patches) == 6
    ax2 = res.plot_second_order()
    assert ax2.get_title().startswith("Second-order")
    m = sa.morris(p, Ishigami.evaluate, 10, seed=1)
    assert pickle.loads(pickle.dumps(m)).to_pandas().equals(m.to_pandas())
    m.plot()


def test_tornado_and_grid_on_the_linyi_gap():
    p = datasets.linyi_gap_problem()
    t = sa.tornado(p, datasets.linyi_gap, output_names=["gap_pp", "linyi", "shandong"])
    gap = t[0].to_pandas()
    assert gap.index[0] == "rd_growth"
    assert gap["swing"].is_monotonic_decreasing
    t[0].plot()
    g = sa.grid(
        p,
        datasets.linyi_gap,
        "gdp_growth",
        [0.04, 0.06, 0.08],
        "rd_growth",
        np.linspace(0.04, 0.2, 161),
        base=[0.1, 0.06, 2.5, 0.0],
    )[0]
    # From a 2.5 % share in 2024 to Shandong's 2.59 % (2023, no increase) in one year.
    exact = [sa.required_numerator_growth(2.5, 2.59, gy, 2024, 2025) for gy in [0.04, 0.06, 0.08]]
    np.testing.assert_allclose(g.contour(0.0), exact, atol=1e-4)
    g.plot(level=0.0)


def test_ratio_functions():
    assert sa.share_growth(0.1, 0.06) == pytest.approx(1.1 / 1.06 - 1, abs=1e-15)
    g = sa.required_numerator_growth(2.0, 2.5, 0.06, 2020, 2025)
    assert g == pytest.approx(1.06 * 1.25**0.2 - 1, abs=1e-12)
    with pytest.raises(innodex.GrowthError):
        sa.required_numerator_growth(2.0, 2.5, 0.06, 2025, 2020)
    years, values = datasets.linyi_shandong_series(2019, 2023)
    tr = sa.LogLinearTrend.fit(years, values)
    assert 0.03 < tr.growth_rate < 0.06
    assert pickle.loads(pickle.dumps(tr)).median(2025) == tr.median(2025)
    scen = sa.Problem(["g_r", "g_y", "s0"], [[0.06, 0.16], [0.04, 0.08], [1.5, 2.3]])
    p1, se = sa.prob_beat_reference(scen, 2020, 2025, tr, n=20000, seed=1)
    assert 0 < p1 < 1 and se < 0.01
    grid = datasets.linyi_required_rd_growth_grid([0.05, 0.06], [1.8, 2.0], tr.median(2025))
    assert grid.loc[1.8, 0.05] > grid.loc[2.0, 0.05]


def test_distributions_match_salib_quantiles():
    # Same plain Sobol' points (skipping the first 1024, so no point sits at 0), mapped through
    # each distribution: innodex (statrs quantiles) and SALib (scipy.stats ppf) agree.
    problem = {
        "num_vars": 5,
        "names": ["u", "n", "tn", "tri", "ln"],
        "bounds": [[1, 3], [0.5, 0.2], [0, 1, 0.3, 0.5], [0, 2, 0.25], [0.1, 0.4]],
        "dists": ["unif", "norm", "truncnorm", "triang", "lognorm"],
    }
    x_ref = salib_sobol_sample.sample(
        problem, 256, calc_second_order=False, scramble=False, skip_values=1024
    )
    x = sa.sobol_sample(
        sa.Problem.from_salib(problem),
        256,
        calc_second_order=False,
        scramble=False,
        skip_values=1024,
    )
    np.testing.assert_allclose(x, x_ref, rtol=1e-9, atol=1e-9)


def test_salib_problem_dicts_are_accepted_where_a_problem_is():
    """SALib users pass their problem dict; the result equals the Problem's, and a dict
    without the keys says which it needs."""
    d = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    model = lambda X: X[:, 0] + 2 * X[:, 1]  # noqa: E731
    from_dict = sa.sobol(d, model, 256, seed=3).to_pandas()
    from_problem = sa.sobol(sa.Problem.from_salib(d), model, 256, seed=3).to_pandas()
    pd.testing.assert_frame_equal(from_dict, from_problem)
    # Additive: S1 = (1, 4)/5 analytically; 256 base samples are within 0.05.
    assert from_dict.loc[("y0", "b"), "S1"] == pytest.approx(0.8, abs=0.05)
    with pytest.raises(innodex.SensitivityError, match="needs 'bounds'"):
        sa.sobol({"names": ["a"]}, model, 64)
    assert sa.Problem(["a", "b"], [[0, 1], [2, 6]]).medians().tolist() == [0.5, 4.0]


def test_a_model_written_for_one_row_works_and_says_it_is_slower():
    # Ishigami written for one row at a time gives exactly the vectorised model's indices.
    p = sa.Problem(["x1", "x2", "x3"], [[-np.pi, np.pi]] * 3)

    def one_row(r):
        return np.sin(r[0]) + 7 * np.sin(r[1]) ** 2 + 0.1 * r[2] ** 4 * np.sin(r[0])

    with pytest.warns(UserWarning, match="one row at a time"):
        rowwise = sa.sobol(p, one_row, 256, seed=3, progress=False)
    vect = sa.sobol(p, Ishigami.evaluate, 256, seed=3, progress=False)
    np.testing.assert_array_equal(rowwise.S1, vect.S1)
    np.testing.assert_array_equal(rowwise.ST, vect.ST)
    # Two outputs per row; Morris and the tornado too.
    with pytest.warns(UserWarning, match="one row at a time"):
        two = sa.morris(p, lambda r: [r[0], 2 * r[1]], 8, seed=1, progress=False)
    assert two.to_pandas().index.get_level_values(0).unique().tolist() == ["y0", "y1"]
    with pytest.warns(UserWarning):
        t = sa.tornado(p, lambda r: r[0] + 3 * r[1])
    assert isinstance(t, sa.Tornado)
    assert float(t.bars.loc["x2", "swing"]) == pytest.approx(6 * np.pi)
    # A model that fails on rows as well raises its own error, unchanged.
    def broken(x):
        raise KeyError("no such column")

    with pytest.raises(KeyError, match="no such column"):
        sa.sobol(p, broken, 64, progress=False)


def test_one_output_gives_one_result():
    p = sa.Problem(["a", "b"], [[0, 1], [0, 2]])
    t = sa.tornado(p, lambda x: x[:, 0] + 3 * x[:, 1])
    assert isinstance(t, sa.Tornado) and t.bars.index.tolist() == ["b", "a"]
    g = sa.grid(p, lambda x: x[:, 0] * x[:, 1], "a", [0, 1], "b", [0, 2])
    assert isinstance(g, sa.Grid) and float(g.z[1, 1]) == 2.0
    both = sa.tornado(p, lambda x: np.c_[x[:, 0], x[:, 1]])
    assert [u.output for u in both] == ["y0", "y1"]


def test_concurrent_batches_give_the_same_numbers_and_pass_errors_on() -> None:
    """``concurrent_batches=True`` evaluates several batches at once (one per native thread):
    every index and interval equals the serial run's bit for bit, for Sobol' (with S2), yearly
    Sobol' and Morris, on one thread or two; a model's exception still propagates unchanged,
    and every row is evaluated exactly once."""
    p = sa.Problem.from_salib(ISHIGAMI)
    seen: list[int] = []

    def counted(x: np.ndarray) -> np.ndarray:
        seen.append(x.shape[0])
        return Ishigami.evaluate(x)

    def two_years(x: np.ndarray) -> np.ndarray:
        y = Ishigami.evaluate(x)
        return np.column_stack([y, y * x[:, 0]])

    def arrays(r: sa.SobolResult, names: list[str]) -> list[np.ndarray]:
        return [getattr(r._core, f)() for f in names]

    sobol_stats = ["s1", "st", "s1_conf", "st_conf", "s2", "s2_conf", "s1_interval"]
    serial = sa.sobol(p, Ishigami.evaluate, 1024, batch_rows=1000, progress=False)
    for threads in (1, 2):
        seen.clear()
        both = sa.sobol(p, counted, 1024, batch_rows=1000, progress=False, threads=threads,
                        concurrent_batches=True)
        # The probe row, then every design row once (N (2k + 2) rows in batches of 1000).
        assert seen[0] == 1 and sum(seen[1:]) == 1024 * 8 and max(seen[1:]) == 1000
        for a, b in zip(arrays(serial, sobol_stats), arrays(both, sobol_stats), strict=True):
            np.testing.assert_array_equal(a, b)
    yearly = [sa.sobol_over_time(p, two_years, 512, years=[2024, 2025], progress=False,
                                 concurrent_batches=c, batch_rows=700) for c in (False, True)]
    np.testing.assert_array_equal(yearly[0].ST, yearly[1].ST)
    np.testing.assert_array_equal(yearly[0].S1, yearly[1].S1)
    morris = [sa.morris(p, Ishigami.evaluate, 64, progress=False, concurrent_batches=c)
              for c in (False, True)]
    np.testing.assert_array_equal(morris[0]._core.mu_star(), morris[1]._core.mu_star())
    np.testing.assert_array_equal(morris[0]._core.sigma(), morris[1]._core.sigma())

    class Boom(Exception):
        pass

    def fails_late(x: np.ndarray) -> np.ndarray:
        if x.shape[0] > 1 and x[0, 0] > 0:
            raise Boom("batch refused")
        return Ishigami.evaluate(x)

    with pytest.raises(Boom, match="batch refused"):
        sa.sobol(p, fails_late, 1024, batch_rows=500, progress=False, concurrent_batches=True)


def test_pert_and_empirical_inputs_give_the_variance_shares_of_an_additive_model():
    # y = x1 + x2 with x1 ~ PERT(0, 0.5, 1; λ = 4) (variance 1/28) and x2 equally likely in
    # {0, 0.5, 1} (variance 1/6): S1 = ST = each variance over their sum.
    p = sa.Problem(["pert", "emp"], [[0, 0.5, 1], [1, 0, 0.5]], ["pert", "empirical"])
    res = sa.sobol(p, lambda x: x[:, 0] + x[:, 1], 2**13, seed=3, progress=False)
    v1, v2 = 1 / 28, 1 / 6
    shares = np.array([v1, v2]) / (v1 + v2)
    np.testing.assert_allclose(res.S1[0], shares, atol=0.03)
    np.testing.assert_allclose(res.ST[0], shares, atol=0.03)
    # λ given explicitly as a fourth value.
    assert sa.Problem(["a"], [[0, 0.5, 1, 6]], ["pert"]).names == ["a"]


@pytest.mark.parametrize(
    ("bounds", "dist", "says"),
    [
        ([[0, 1]], "truncnorm", "for 'truncnorm' must be [lower, upper, mean, sd], got 2"),
        ([[0, 1]], "triang", "bounds[0] for 'triang' must be"),
        ([[0, 1, 2]], "unif", "bounds[0] for 'unif' must be [lower, upper], got 3"),
        ([[0, 1]], "pert", "bounds[0] for 'pert' must be"),
        ([[2, 2]], "empirical", "two different values"),
        ([[0, 1]], "beta", "unknown distribution 'beta'"),
    ],
)
def test_wrong_distribution_parameters_name_the_bounds(bounds, dist, says):
    with pytest.raises(innodex.SensitivityError, match=re.escape(says)):
        sa.Problem(["a"], bounds, [dist])
