"""Plans from Python: the embedded Linyi plan, frames, overrides, errors, pickling."""

import pickle

import innodex
import pandas as pd
import pytest
from innodex import InnodexError, Plan, PlanError

THIRTEEN = [
    "rd_share",
    "rd_active_firms_share",
    "hte_count",
    "hte_doubling",
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
    assert list(t.index) == THIRTEEN
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
    # Shandong's 2025 value by its stated trend: 2.59 (2023) + 2 × 0.102 (OLS 2020–2023).
    assert row["target_value"] == pytest.approx(2.794, abs=1e-9)
    assert row["required_cagr"] == pytest.approx((2.794 / 1.9) ** 0.2 - 1, abs=1e-9)
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
    assert repr(plan) == "<Plan linyi-2021-2025 (Linyi, 2020–2025): 24 indicators, 13 targets>"
    assert innodex.__version__ == "0.1.0"


def test_plot_paths_returns_axes(plan):
    import matplotlib

    matplotlib.use("Agg")
    ax = plan.plot_paths("hte_count")
    lines = {line.get_label(): line for line in ax.get_lines()}
    # The required paths, and the evidence: 750 in 2020 (implied by the plan) and "more than
    # 1600" in 2022 (observed, a lower bound).
    assert set(lines) == {"compound path", "linear path", "implied",
                          "observed (≥, a lower bound)"}
    assert list(lines["linear path"].get_ydata()) == [750, 900, 1050, 1200, 1350, 1500]
    obs = lines["observed (≥, a lower bound)"]
    assert list(obs.get_xdata()) == [2022] and list(obs.get_ydata()) == [1600]
    # Counts on the y axis are whole numbers with separators.
    assert ax.yaxis.get_major_formatter()(1500, 0) == "1,500"
    with pytest.raises(PlanError, match="ht_output_share"):
        plan.plot_paths("ht_output_share")


# ---------------------------------------------------------------- the verdict on real evidence


def test_verdict_frame_on_the_shipped_evidence(plan):
    v = plan.verdict(n_paths=2000, seed=1, progress=False)
    assert list(v.index) == THIRTEEN
    hte = v.loc["hte_count"]
    # "1600余家" at the end of 2022: a lower bound proving "about 1500".
    assert (hte["evidence_year"], hte["evidence_value"], hte["evidence_bound"]) == (
        2022, 1600.0, "at_least")
    assert hte["status"] == "met" and hte["achieved_in"] == 2022
    assert hte["r"] == pytest.approx(425 / 150, abs=1e-12)
    assert hte["years_ahead"] == pytest.approx(850 / 150 - 2, abs=1e-12)
    rd = v.loc["rd_share"]
    assert rd["evidence_kind"] == "derived"
    assert rd["evidence_value"] == pytest.approx(146.6 / 6555.8 * 100, abs=1e-12)
    assert rd["required"] == pytest.approx(2.59 + 0.102, abs=1e-9)
    assert [c for c in v.columns if c.startswith("p_met[")] == [
        "p_met[baseline]", "p_met[slow]", "p_met[fast]"]
    assert 0.0 <= rd["p_met[baseline]"] <= 1.0
    # Unassessable targets name their data; the others do not.
    assert v.loc[v["status"] == "not_assessable", "needs"].str.len().gt(0).all()
    assert v.loc[v["status"] != "not_assessable", "needs"].isna().all()
    # Without projections, no P(met) columns.
    assert not any(c.startswith("p_met[") for c in plan.verdict(projection=None).columns)


def test_as_of_before_and_after_a_revision(plan):
    share = lambda p: p.verdict(projection=None).loc["rd_share", "evidence_value"]  # noqa: E731
    assert share(plan) == pytest.approx(146.6 / 6555.8 * 100, abs=1e-12)
    assert share(plan.as_of("2025-06")) == pytest.approx(146.6 / 6600 * 100, abs=1e-12)
    # The cut-off survives a pickle (it is part of the plan).
    import pickle

    again = pickle.loads(pickle.dumps(plan.as_of("2025-06").core))
    assert innodex.Plan(again).verdict(projection=None).loc[
        "rd_share", "evidence_value"] == pytest.approx(146.6 / 6600 * 100, abs=1e-12)
    with pytest.raises(innodex.PlanError, match="not a date"):
        plan.as_of("June 2025")


def test_with_observations_from_a_frame_and_its_errors(plan):
    mine = pd.DataFrame({
        "indicator": ["ht_output_share", "ht_output_share"],
        "region": ["Linyi", "Linyi"],
        "year": [2020, 2023],
        "value": [40.0, 43.0],
        "bound": ["exact", "exact"],
        "status": ["final", "final"],
        "source": ["test", "test"],
        "published": ["2021", "2024"],
    })
    v = plan.with_observations(mine).verdict(projection=None).loc["ht_output_share"]
    # Required: 40 + (46 − 40) × 3/5 = 43.6 in 2023; observed +1 a year vs required +1.2: r = 5/6.
    assert v["required"] == pytest.approx(43.6, abs=1e-12)
    assert v["r"] == pytest.approx(1 / 1.2, abs=1e-12)
    assert v["grade"] == "moderately_improving"
    assert v["status"] == "off_track"
    bad = mine.assign(value=[40.0, 140.0])
    with pytest.raises(innodex.PlanError, match=r"line 3, column `value`"):
        plan.with_observations(bad)
    with pytest.raises(innodex.PlanError, match=r"column `indicator`"):
        plan.with_observations(mine.assign(indicator=["nope", "nope"]))
    with pytest.raises(innodex.PlanError, match=r"column `bound`"):
        plan.with_observations(mine.assign(bound=["about", "about"]))
    with pytest.raises(TypeError, match="DataFrame"):
        plan.with_observations([1, 2])


def test_readings_and_about_are_choices(plan):
    stock = plan.with_alternative_readings()
    assert stock.targets().loc["talent_young", "statement"].startswith("10000 by 2025")
    wide = plan.with_about(0.1)
    assert "±10%" in wide.targets().loc["hte_count", "statement"]
    with pytest.raises(innodex.PlanError, match="about"):
        plan.with_about(1.5)


def test_the_shandong_plan_is_builtin():
    sd = innodex.Plan.builtin("shandong-2022-2027")
    assert "shandong-2022-2027" in innodex.Plan.builtin_names()
    v = sd.verdict(projection=None)
    assert v.loc["ht_output_share", "achieved_in"] == 2023


def test_span_rows_from_a_frame_and_the_shipped_spans(plan):
    """A row whose year is a span is a figure over years: kept, listed, and the span's last
    year derived from the year before it (hte_count 2020 is 750, implied by the doubling)."""
    mine = pd.DataFrame({
        "indicator": ["hte_count"],
        "year": ["2021-2025"],
        "value": [800.0],
        "unit": ["count"],
        "bound": ["at_least"],
        "status": ["preliminary"],
        "source": ["report"],
        "published": ["2026-02"],
    })
    with_span = plan.with_observations(mine)
    spans = with_span.spans()
    assert spans[["indicator", "from", "to", "measure", "value", "bound"]].values.tolist() == [
        ["hte_count", 2021, 2025, "change", 800.0, "at_least"]
    ]
    # The evidence lists single-year figures only; the resolved series gains 750 + 800 in 2025.
    ev = with_span.evidence()
    assert not ((ev["indicator"] == "hte_count") & (ev["year"] == 2025)).any()
    obs = with_span.observations()
    row = obs[(obs["indicator"] == "hte_count") & (obs["year"] == 2025)]
    assert row["value"].tolist() == [1550.0]
    shandong = innodex.Plan.builtin("shandong-2022-2027").spans()
    assert shandong["measure"].tolist() == ["average_growth", "change"]
    assert shandong.loc[0, "value"] == 11.5
    with pytest.raises(innodex.PlanError, match=r"column `year`.*FROM ≤ TO"):
        plan.with_observations(mine.assign(year=["2025-2021"]))


_MINI = {
    "plan": {"id": "p", "title": "T", "region": {"en": "R"}, "period": [2020, 2025]},
    "indicators": [{"id": "x", "name": {"en": "X"}, "unit": "%", "kind": "share"}],
    "observations": [{"indicator": "x", "year": 2020, "value": 40.0,
                      "provenance": {"kind": "observed", "source": "bulletin"}}],
    "targets": [{"id": "t", "indicator": "x", "kind": "level", "value": 46.0, "by": 2025}],
}


def test_plan_from_dict_round_trips_and_names_bad_fields():
    import copy

    p = innodex.Plan.from_dict(_MINI)
    t = p.targets().loc["t"]
    # Linear: (46 − 40) / 5 = 1.2 a year; compound: (46/40)^(1/5) − 1.
    assert t["required_cagr"] == pytest.approx((46 / 40) ** 0.2 - 1, abs=1e-12)
    # The same plan through TOML: identical targets.
    again = innodex.Plan.from_toml(p.to_toml()).targets()
    pd.testing.assert_frame_equal(again, p.targets())
    bad = copy.deepcopy(_MINI)
    bad["indicators"][0]["kind"] = "shares"
    with pytest.raises(innodex.PlanError, match="unknown variant `shares`"):
        innodex.Plan.from_dict(bad)
    bad = copy.deepcopy(_MINI)
    bad["targets"][0]["value"] = 146.0
    with pytest.raises(innodex.PlanError, match="146"):
        innodex.Plan.from_dict(bad)
    bad = copy.deepcopy(_MINI)
    bad["observations"][0]["value"] = float("nan")
    with pytest.raises(innodex.PlanError, match="plan: Out of range float values"):
        innodex.Plan.from_dict(bad)
    with pytest.raises(TypeError, match="takes a dict"):
        innodex.Plan.from_dict([("plan", {})])


def test_plan_constructor_says_what_to_pass():
    with pytest.raises(TypeError, match=r"use Plan\.from_dict\(d\)"):
        innodex.Plan(_MINI)
    with pytest.raises(TypeError, match=r"use Plan\.from_file\(path\)"):
        innodex.Plan("plans/linyi-2021-2025.toml")


def test_with_target_adds_or_replaces_and_validates(plan):
    n = len(plan.targets())
    added = plan.with_target(id="rd_2030", indicator="rd_share", kind="level", value=3.0,
                             by=2025)
    assert len(added.targets()) == n + 1
    assert added.targets().loc["rd_2030", "target_value"] == 3.0
    replaced = plan.with_target(id="ht_output_share", indicator="ht_output_share",
                                kind="level", value=50.0, by=2025)
    assert len(replaced.targets()) == n
    assert replaced.targets().loc["ht_output_share", "target_value"] == 50.0
    # The original is unchanged.
    assert plan.targets().loc["ht_output_share", "target_value"] == 46.0
    with pytest.raises(innodex.PlanError, match="target: unknown field `valeu`"):
        plan.with_target(id="z", indicator="hte_count", kind="level", valeu=1.0, by=2025)
    with pytest.raises(innodex.PlanError, match="unknown indicator `nope`"):
        plan.with_target(id="z", indicator="nope", kind="level", value=1.0, by=2025)
    with pytest.raises(innodex.PlanError, match="140"):
        plan.with_target(id="z", indicator="ht_output_share", kind="level", value=140.0,
                         by=2025)


def test_tables_in_jupyter_show_counts_in_full(plan):
    """10000 shows as 10,000 (not 1e+04); shares keep their decimals."""
    from innodex._result import fmt_number

    assert [fmt_number(v) for v in (10000.0, 750.0, 0.14869835, 46.0, 2.2362)] == [
        "10,000", "750", "0.1487", "46", "2.236"]
    big = plan.with_target(id="x", indicator="hte_count", kind="level", value=10000.0, by=2025)
    html = big._repr_html_()
    assert "10,000" in html and "1e+04" not in html


def test_plan_from_frames_matches_the_same_plan_from_a_dict():
    meta = {"id": "p", "title": "Doubling", "region": {"en": "R", "zh": "区"},
            "period": [2020, 2025]}
    ind = pd.DataFrame({"id": ["firms", "share"], "name_en": ["Firms", "Share"],
                        "name_zh": ["企业", "占比"], "unit": ["firms", "%"],
                        "kind": ["count", "share"]})
    tg = pd.DataFrame({"id": ["double", "share46"], "indicator": ["firms", "share"],
                       "kind": ["multiple_of_base", "level"], "factor": [2.0, None],
                       "base_year": [2020, None], "value": [None, 46.0], "by": [2025, 2025]})
    obs = pd.DataFrame({"indicator": ["firms"], "year": [2020], "value": [750.0],
                        "source": ["bureau, 2021"]})
    p = innodex.Plan.from_frames(meta, indicators=ind, targets=tg, observations=obs)
    same = innodex.Plan.from_dict({
        "plan": meta,
        "indicators": [
            {"id": "firms", "name": {"en": "Firms", "zh": "企业"}, "unit": "firms",
             "kind": "count"},
            {"id": "share", "name": {"en": "Share", "zh": "占比"}, "unit": "%", "kind": "share"},
        ],
        "targets": [
            {"id": "double", "indicator": "firms", "kind": "multiple_of_base", "factor": 2.0,
             "base_year": 2020, "by": 2025},
            {"id": "share46", "indicator": "share", "kind": "level", "value": 46.0, "by": 2025},
        ],
    }).with_observations(obs)
    pd.testing.assert_frame_equal(p.targets(), same.targets())
    # 2^(1/5) − 1 from the observed 750.
    assert p.targets().loc["double", "required_cagr"] == pytest.approx(2 ** 0.2 - 1, abs=1e-12)
    # The evidence came in through the observation table, labelled observed.
    ev = p.evidence()
    assert ev["value"].tolist() == [750.0] and ev["kind"].tolist() == ["observed"]
    # A bad cell names its field and value; a wrong type says what to pass.
    bad = tg.copy()
    bad.loc[1, "value"] = 140.0
    with pytest.raises(innodex.PlanError, match="140"):
        innodex.Plan.from_frames(meta, indicators=ind, targets=bad)
    with pytest.raises(TypeError, match="targets must be a pandas DataFrame"):
        innodex.Plan.from_frames(meta, indicators=ind, targets=tg.to_dict("records"))
