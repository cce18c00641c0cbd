"""Shapley effects and yearly Sobol' indices from Python (issue 20): closed forms, invariants,
determinism and errors, against the installed wheel."""

import itertools
import math
import pickle

import matplotlib
import numpy as np
import pandas as pd
import pytest
from innodex import SensitivityError
from innodex import sensitivity as sa

matplotlib.use("Agg")

BETA = np.array([1.0, -2.0, 0.5])
SD = np.array([1.0, 0.5, 2.0])
RHO = np.array([[1.0, 0.6, -0.2], [0.6, 1.0, 0.3], [-0.2, 0.3, 1.0]])


def gaussian_linear_shapley(beta, cov):
    """The closed form (Iooss and Prieur 2019): c(J) = β_Jᵀ Σ_{J|−J} β_J, the conditional
    variance of a Gaussian, and Sh_i = Σ_{J ⊆ −i} |J|!(k−|J|−1)!/k! (c(J ∪ i) − c(J)) / Var Y."""
    k = len(beta)

    def cost(j):
        j = list(j)
        f = [i for i in range(k) if i not in j]
        if not j:
            return 0.0
        s = cov[np.ix_(j, j)]
        if f:
            s = s - cov[np.ix_(j, f)] @ np.linalg.solve(cov[np.ix_(f, f)], cov[np.ix_(f, j)])
        return float(beta[j] @ s @ beta[j])

    var = cost(range(k))
    out = []
    for i in range(k):
        others = [x for x in range(k) if x != i]
        total = 0.0
        for size in range(k):
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for j in itertools.combinations(others, size):
                total += w * (cost((*j, i)) - cost(j))
        out.append(total / var)
    return np.array(out)


def problem():
    return sa.Problem(["x1", "x2", "x3"], [[0.0, SD[0]], [1.0, SD[1]], [-2.0, SD[2]]],
                      ["norm", "norm", "norm"])


def linear(x):
    return x @ BETA


def test_shapley_equals_the_gaussian_linear_closed_form_and_sums_to_one():
    cov = RHO * np.outer(SD, SD)
    exact = gaussian_linear_shapley(BETA, cov)
    for method in ("exact", "random"):
        res = sa.shapley(problem(), linear, corr=RHO, method=method, n_outer=1500
                         if method == "exact" else None, n_perm=4000, n_var=10_000, seed=4,
                         progress=False)
        assert res.method == method
        sh, conf = res.shapley[0], res._core.conf()[0]
        assert abs(sh.sum() - 1.0) < 1e-12
        # Within four bootstrap standard deviations (z = 1.96 half-widths).
        assert np.all(np.abs(sh - exact) <= 4 * conf / 1.96), (method, sh, exact, conf)
        assert np.all(conf < 0.05)


def test_shapley_result_frame_plot_pickle_and_threads():
    kw = dict(corr=RHO, n_outer=300, n_var=2000, seed=9, progress=False, num_resamples=30)
    one = sa.shapley(problem(), lambda x: np.c_[linear(x), x[:, 0]], threads=1, **kw)
    two = sa.shapley(problem(), lambda x: np.c_[linear(x), x[:, 0]], threads=2, **kw)
    assert np.array_equal(one.shapley, two.shapley)
    assert np.array_equal(one._core.interval(), two._core.interval(), equal_nan=True)
    df = one.to_pandas()
    assert list(df.columns) == ["shapley", "conf", "low", "high"]
    assert df.index.names == ["output", "input"] and len(df) == 6
    assert (df["low"] <= df["shapley"] + 0.05).all()
    assert np.array_equal(pickle.loads(pickle.dumps(one)).shapley, one.shapley)
    assert np.array_equal(one.correlation, RHO)
    ax = one.plot(output=1)
    assert "Shapley effects of y1" in ax.get_title()
    assert "&lt;ShapleyResult exact inputs=3 outputs=2" in one._repr_html_()


def test_independent_additive_shapley_is_first_order_sobol():
    p = sa.Problem(["a", "b"], [[0, 1], [0, 1]])
    res = sa.shapley(p, lambda x: x[:, 0] + 2 * x[:, 1], n_outer=2000, n_var=10_000,
                     progress=False, seed=2)
    # Var: 1/12 and 4/12: S1 = (1/5, 4/5).
    assert np.allclose(res.shapley[0], [0.2, 0.8], atol=0.03)


@pytest.mark.parametrize(
    "corr, message",
    [
        ([[1, 0.5], [0.4, 1]], "corr[1][0] = 0.4 but corr[0][1] = 0.5"),
        ([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]], "not positive definite"),
        ([[1, 0.0], [0.0, 1]], "corr is 2 × 2 but the problem has 3 inputs"),
        ([[1, np.nan], [np.nan, 1]], "corr[0][1] = NaN is not finite"),
        ([[1, 2.0], [2.0, 1]], "corr[0][1] = 2 is outside [-1, 1]"),
        ([1, 0.5, 0.5], "must be a 3 × 3 matrix"),
    ],
)
def test_bad_correlation_matrices_name_the_entry(corr, message):
    k = 3 if "3" in message else 2
    p = sa.Problem([f"x{i}" for i in range(k)], [[0, 1]] * k)
    with pytest.raises(SensitivityError, match="invalid correlation matrix") as e:
        sa.shapley(p, lambda x: x.sum(axis=1), corr=corr, progress=False)
    assert message in str(e.value)


def test_bad_options_and_failing_models():
    p = problem()
    with pytest.raises(SensitivityError, match="n_inner must be at least 2"):
        sa.shapley(p, linear, n_inner=1, progress=False)
    with pytest.raises(SensitivityError, match="method must be 'auto', 'exact' or 'random'"):
        sa.shapley(p, linear, method="sobol", progress=False)
    with pytest.raises(SensitivityError, match="conf_level"):
        sa.shapley(p, linear, conf_level=1.5, progress=False)
    with pytest.raises(SensitivityError, match="not finite"):
        sa.shapley(p, lambda x: np.where(x[:, 0] > 1, np.nan, 0.0), n_outer=20, n_var=100,
                   progress=False)

    def boom(x):
        raise KeyError("the model's own error")

    with pytest.raises(KeyError, match="the model's own error"):
        sa.shapley(p, boom, progress=False)


def gap_path(x):
    """A share path over five years: start share × ((1 + g) / (1 + h))^t."""
    t = np.arange(1, 6)
    return x[:, 2:3] * ((1 + x[:, 0:1]) / (1 + x[:, 1:2])) ** t


def test_yearly_indices_final_year_equal_the_single_output_analysis_exactly():
    p = sa.Problem(["g", "h", "s0"], [[0, 0.2], [0.03, 0.08], [2.0, 2.5]])
    years = [2021, 2022, 2023, 2024, 2025]
    kw = dict(seed=13, num_resamples=40, progress=False)
    over = sa.sobol_over_time(p, gap_path, 1024, years=years, **kw)
    single = sa.sobol(p, lambda x: gap_path(x)[:, -1], 1024, calc_second_order=False, **kw)
    assert np.array_equal(over.S1[-1], single.S1[0])
    assert np.array_equal(over.ST[-1], single.ST[0])
    assert np.array_equal(over.sobol._core.s1_conf()[-1], single._core.s1_conf()[0])
    # Var ln s0 ≈ 0.0041 against t² Var ln(1 + g) ≈ 0.0027 t²: the start share leads in the
    # first year only.
    assert over.dominant().to_dict() == {2021: "s0", 2022: "g", 2023: "g", 2024: "g",
                                         2025: "g"}
    df = over.to_pandas()
    assert list(df.columns) == ["year", "input", "index", "value", "conf", "low", "high"]
    assert len(df) == 5 * 3 * 2
    last = df[(df.year == 2025) & (df["index"] == "S1")].set_index("input")["value"]
    assert np.array_equal(last.to_numpy(), single.S1[0])
    threads1 = sa.sobol_over_time(p, gap_path, 1024, years=years, threads=1, **kw)
    assert np.array_equal(threads1.S1, over.S1)
    assert pickle.loads(pickle.dumps(over)).years == years
    assert "interactions" in over.plot_area().get_legend_handles_labels()[1][-1]
    assert len(over.plot().get_lines()) == 6
    with_s2 = sa.sobol_over_time(p, gap_path, 256, years=years, calc_second_order=True, **kw)
    assert (with_s2.to_pandas()["index"] == "S2").sum() == 5 * 3
    assert isinstance(with_s2.to_pandas(), pd.DataFrame)


def test_yearly_years_are_checked():
    p = sa.Problem(["a"], [[0, 1]])
    two = lambda x: np.c_[x[:, 0], 2 * x[:, 0]]  # noqa: E731
    with pytest.raises(SensitivityError, match="strictly increasing, got 2024 after 2025"):
        sa.sobol_over_time(p, two, 64, years=[2025, 2024], progress=False)
    with pytest.raises(SensitivityError, match="3 years given for 2 model outputs"):
        sa.sobol_over_time(p, two, 64, years=[1, 2, 3], progress=False)
    assert sa.sobol_over_time(p, two, 64, progress=False).years == [0, 1]
