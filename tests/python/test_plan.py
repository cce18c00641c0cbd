"""Plans from Python: the embedded Linyi plan, frames, overrides, errors, pickling."""

import pickle

import innodex
import pandas as pd
import pytest
from innodex import InnodexError, Plan, PlanError

TWELVE = [
    "rd_share",
    "rd_active_firms_share",
    "hte_count",
    "hte_net_increase",
    "ht_output_share",
    "tsme_entries",
    "key_problems_solved",
    "achievements_transferred",
    "talent_national",
    "talent_provincial",
    "talent_high_level",
    "talent_young",
]


@pytest.fixture
def plan():
    return Plan.builtin()


def test_targets_frame(plan):
    t = plan.targets()
    assert list(t.index) == TWELVE
    assert isinstance(t["status"].dtype, pd.CategoricalDtype)
    assert t["required_cagr"].dtype == "float64"
    hte = t.loc["hte_count"]
    assert hte["baseline"] == 750.0
    assert hte["baseline_provenance"].startswith("implied")
    assert hte["required_cagr"] == pytest.approx(0.148698355, abs=1e-9)
    assert hte["required_increment"] == 150.0
    # Every target has a status, and a reason when it cannot be assessed.
    assert t["status"].notna().all()
    assert (t["detail"].str.len() > 0).all()


def test_paths_frame_is_long_and_tidy(plan):
    p = plan.paths()
    assert list(p.columns) == ["target", "path", "year", "value"]
    hte = p[(p.target == "hte_count")].pivot(index="year", columns="path", values="value")
    assert hte.loc[2025, "compound"] == pytest.approx(1500.0)
    assert hte.loc[2023, "linear"] == 1200.0
    assert hte.loc[2023, "compound"] == pytest.approx(750 * 2 ** 0.6)


def test_observations_carry_provenance(plan):
    obs = plan.observations()
    sd = obs[obs.indicator == "shandong_rd_share"].set_index("year")
    assert sd.loc[2020, "value"] == 2.30
    assert set(sd["provenance"]) == {"observed"}
    budget = obs[obs.indicator == "municipal_st_budget"].set_index("year")
    assert budget.loc[2020, "provenance"] == "implied"
    assert budget.loc[2021, "value"] == 6.6


def test_override_a_baseline(plan):
    p2 = plan.with_observation("rd_share", 2020, 1.9)
    row = p2.targets().loc["rd_share"]
    assert row["baseline"] == 1.9
    assert row["baseline_provenance"].startswith("assumed")
    # Shandong's latest observed value (2.59, 2023) until a projection replaces it.
    assert row["target_value"] == pytest.approx(2.59)
    assert row["required_cagr"] == pytest.approx((2.59 / 1.9) ** 0.2 - 1, abs=1e-12)
    assert pd.isna(plan.targets().loc["rd_share", "baseline"]), "the original is unchanged"


@pytest.mark.parametrize(
    ("indicator", "year", "value", "pattern"),
    [
        ("hte_count", 2020, -750.0, r"hte_count.*-750"),
        ("ht_output_share", 2020, 140.0, r"ht_output_share.*140"),
        ("no_such_indicator", 2020, 1.0, r"no_such_indicator"),
        ("gdp", 2020, float("nan"), r"gdp.*NaN"),
    ],
)
def test_bad_overrides_raise_and_change_nothing(plan, indicator, year, value, pattern):
    before = plan.to_toml()
    with pytest.raises(PlanError, match=pattern):
        plan.set_observation(indicator, year, value)
    assert plan.to_toml() == before


def test_bad_plan_files(tmp_path):
    good = Plan.builtin().to_toml()
    cases = {
        "truncated": good[: len(good) // 3],
        "malformed": "[plan\nid = ",
        "unknown indicator": good.replace(
            'indicator = "talent_young"\nkind', 'indicator = "talent_old"\nkind'
        ),
        "year before base": good.replace(
            "base_year = 2020\nby = 2025\nabout", "base_year = 2020\nby = 2019\nabout", 1
        ),
    }
    for name, text in cases.items():
        path = tmp_path / f"{name.replace(' ', '_')}.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(PlanError) as e:
            Plan.from_file(path)
        assert isinstance(e.value, InnodexError) and isinstance(e.value, ValueError)
        assert str(path.name) in str(e.value) or "talent_old" in str(e.value) or "2019" in str(
            e.value
        ), (name, str(e.value))
    with pytest.raises(PlanError, match="no_such.toml"):
        Plan.from_file(tmp_path / "no_such.toml")
    with pytest.raises(PlanError, match="nowhere"):
        Plan.builtin("nowhere")


def test_pickle_round_trip(plan):
    p2 = pickle.loads(pickle.dumps(plan.with_observation("hte_count", 2021, 900)))
    obs = p2.observations().query("indicator == 'hte_count' and year == 2021")
    assert obs["value"].item() == 900
    assert p2.to_toml() == plan.with_observation("hte_count", 2021, 900).to_toml()


def test_reports_and_html(plan):
    assert "hte_count" in plan.report("markdown")
    with pytest.raises(PlanError, match="pdf"):
        plan.report("pdf")
    html = plan._repr_html_()
    assert "<table" in html and "talent_young" in html
    assert repr(plan) == "<Plan linyi-2021-2025 (Linyi, 2020–2025): 20 indicators, 12 targets>"
    assert innodex.__version__ == "0.1.0"


def test_plot_paths_returns_axes(plan):
    import matplotlib

    matplotlib.use("Agg")
    ax = plan.plot_paths("hte_count")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"compound path", "linear path"}
    assert list(lines["linear path"].get_ydata()) == [750, 900, 1050, 1200, 1350, 1500]
    with pytest.raises(PlanError, match="talent_young"):
        plan.plot_paths("talent_young")
