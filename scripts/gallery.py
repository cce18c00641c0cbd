"""Regenerates the chart gallery: docs/gallery/*.png (every matplotlib chart of the Python
package, on the shipped data) and docs/gallery/*.svg (every chart kind of the HTML run report),
and docs/gallery.md, which shows them.

    . .venv/bin/activate && python scripts/gallery.py     # after ./scripts/test-wheel.sh

Uses the installed innodex and the CLI built by the test command (target/ci/innodex).
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import tempfile

import matplotlib

matplotlib.use("Agg")
import innodex  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from innodex import datasets
from innodex import sensitivity as sa  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "gallery"


def _ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _gap_by_year(problem: sa.Problem) -> sa.SobolOverTimeResult:
    """Yearly Sobol' indices of Linyi's gap 2021–2025 (the report's model, in numpy)."""
    years = [2021, 2022, 2023, 2024, 2025]
    published = dict(zip(*datasets.linyi_shandong_series(2021, 2023), strict=True))

    def model(x: np.ndarray) -> np.ndarray:
        g_rd, g_gdp, share, inc = x.T
        return np.column_stack([
            share * ((1 + g_rd) / (1 + g_gdp)) ** (y - 2024)
            - published.get(y, published[2023] + inc * (y - 2023)) for y in years])

    return sa.sobol_over_time(problem, model, 2**10, years=years, progress=False)


def _rho_rd_gdp() -> np.ndarray:
    corr = np.eye(4)
    corr[0, 1] = corr[1, 0] = 0.5
    return corr


def python_charts() -> list[tuple[str, str, object]]:
    """(file stem, what it shows, a function drawing it and returning its Axes)."""
    plan = innodex.Plan.builtin()
    proj = innodex.project(plan, n_paths=20_000, progress=False)
    gap = datasets.linyi_gap_problem()
    ish = sa.Problem(["x1", "x2", "x3"], [[-np.pi, np.pi]] * 3)
    asem = innodex.CompositeIndex.from_csv(ROOT / "data/ASEM_iData.csv",
                                           ROOT / "data/ASEM_iMeta.csv")
    build = asem.build()
    ua = asem.uncertainty(innodex.coinr_vignette_uncertainty(n=500, design="sobol"),
                          progress=False)
    panel = innodex.Panel.from_csv(ROOT / "data/ASEM_iData.csv", ROOT / "data/ASEM_iMeta.csv")
    base = gap.medians()
    return [
        ("plan-paths", "`Plan.plot_paths`: the required compound and linear paths",
         lambda: plan.plot_paths("hte_count")),
        ("fan-hte", "`Projection.plot_fan`: a calibrated fan with its targets' thresholds",
         lambda: proj.plot_fan("hte_count", "slow")),
        ("fan-assumed", "`Projection.plot_fan`: a fan from a start the scenario assumes",
         lambda: proj.plot_fan("ht_output_share", "baseline")),
        ("growth", "`simulate_growth(…).plot()`: one series' fan and P(final ≥ threshold)",
         lambda: innodex.simulate_growth(750, 2020, 2025, {"dist": "normal", "mean": 0.12,
                                                           "sd": 0.04},
                                         threshold=1500, n_paths=20_000).plot()),
        ("backtest", "`backtest().plot()`: errors of the projection methods by horizon",
         lambda: innodex.backtest().plot()),
        ("rolling-coverage", "`rolling_backtest(…).plot()`: interval coverage by horizon",
         lambda: innodex.rolling_backtest([2017, 2018, 2019, 2020]).plot()),
        ("rolling-pit", "`rolling_backtest(…).plot_pit()`: the PIT histogram (U: too narrow)",
         lambda: innodex.rolling_backtest([2017, 2018, 2019, 2020]).plot_pit("log_linear")),
        ("calibration", "`calibrate(…).plot()`: coverage before and after calibration",
         lambda: innodex.calibrate([2018, 2019], [2020]).plot()),
        ("sobol", "`sobol(…).plot()`: S1 and ST with intervals (Ishigami)",
         lambda: sa.sobol(ish, _ishigami, 2**12, progress=False).plot()),
        ("sobol-s2", "`sobol(…).plot_second_order()`: S2 (Ishigami)",
         lambda: sa.sobol(ish, _ishigami, 2**12, progress=False).plot_second_order()),
        ("morris", "`morris(…).plot()`: μ* against σ (Ishigami)",
         lambda: sa.morris(ish, _ishigami, 50, progress=False).plot()),
        ("tornado", "`tornado(…).plot()`: the R&D-share gap, one input at a time",
         lambda: sa.tornado(gap, datasets.linyi_gap,
                            output_names=["gap_pp", "linyi", "shandong"])[0]
         .plot()),
        ("grid", "`grid(…).plot()`: the gap over R&D and GDP growth, the zero contour",
         lambda: sa.grid(gap, datasets.linyi_gap, "gdp_growth", np.linspace(0.03, 0.08, 21),
                         "rd_growth", np.linspace(0.0, 0.2, 41), base=base,
                         output_names=["gap_pp", "linyi", "shandong"])[0].plot(level=0.0)),
        ("sobol-by-year-area", "`sobol_over_time(…).plot_area()`: S1 of the gap stacked by year",
         lambda: _gap_by_year(gap).plot_area()),
        ("sobol-by-year", "`sobol_over_time(…).plot()`: S1 and ST of the gap by year",
         lambda: _gap_by_year(gap).plot()),
        ("shapley", "`shapley(…).plot()`: the 2025 gap, R&D and GDP growth correlated (ρ = 0.5)",
         lambda: sa.shapley(gap, lambda x: datasets.linyi_gap(x)[:, 0], corr=_rho_rd_gdp(),
                            n_outer=500, n_var=5000, output_names=["gap_pp"],
                            progress=False).plot()),
        ("index-scores", "`IndexResults.plot_scores()`: ASEM scores stacked by pillar",
         lambda: build.plot_scores()),
        ("index-correlations", "`IndexResults.plot_correlations()`",
         lambda: build.plot_correlations()),
        ("index-pca", "`IndexResults.pca(…).plot()`", lambda: build.pca(level=2).plot()),
        ("index-ranks", "`UncertaintyAnalysis.plot_rank_intervals()`",
         lambda: ua.plot_rank_intervals(top=20)),
        ("index-sensitivity", "`UncertaintyAnalysis.plot_sensitivity()`",
         lambda: ua.plot_sensitivity()),
        ("index-trends", "`PanelResults.plot_trends()`", lambda: panel.build().plot_trends()),
    ]


def report_charts(tmp: pathlib.Path) -> list[tuple[str, str]]:
    """Runs a run file with every chart kind and saves each kind's first SVG."""
    run = tmp / "all.run.toml"
    run.write_text(
        f"""[run]
name = "gallery"
plan = "linyi-2021-2025"
[projection]
scenarios = "{ROOT / 'scenarios/linyi.toml'}"
paths = 20000
[sensitivity.rd_share_gap]
n = 1024
[sensitivity.rd_growth_grid]
gdp_growths = [0.04, 0.05, 0.06, 0.07, 0.08]
baselines = [1.5, 1.7, 1.9, 2.1, 2.3]
reference_2025 = 2.8
[[index]]
id = "asem"
spec = "{ROOT / 'specs/asem_coinr.toml'}"
uncertainty_n = 500
""",
        encoding="utf-8",
    )
    subprocess.run([str(ROOT / "target/ci/innodex"), "run", str(run), "--out", str(tmp / "out"),
                    "--quiet"], check=True)
    html = (tmp / "out/report.html").read_text(encoding="utf-8")
    out = []
    wanted = {"paths": None, "fan": "hte_count", "tornado": None, "sobol-by-year": None,
              "heatmap": None, "rank-intervals": None}
    for kind, caption_start in wanted.items():
        for m in re.finditer(r'<figure class="chart" data-chart="([^"]+)">(.*?)</figure>', html,
                             re.S):
            if m.group(1) != kind:
                continue
            cap = re.search(r"<figcaption>(.*?)</figcaption>", m.group(2), re.S)
            caption = cap.group(1) if cap else kind
            if caption_start and not caption.startswith(caption_start):
                continue
            svg = re.search(r"<svg.*?</svg>", m.group(2), re.S).group(0)
            (OUT / f"report-{kind}.svg").write_text(svg, encoding="utf-8")
            out.append((f"report-{kind}.svg", caption))
            break
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Chart gallery",
        "",
        "Every chart kind innodex draws, on the shipped data, as it comes out with its defaults.",
        "Regenerated by `python scripts/gallery.py` (after `./scripts/test-wheel.sh`); each image",
        "was looked at in its rendered form when it last changed.",
        "",
        "## Python (matplotlib)",
        "",
    ]
    for stem, what, draw in python_charts():
        ax = draw()
        fig = ax.figure
        fig.savefig(OUT / f"{stem}.png", dpi=80, bbox_inches="tight")
        plt.close(fig)
        lines += [f"### {what}", "", f"![{stem}](gallery/{stem}.png)", ""]
    lines += ["## The HTML run report (SVG)", ""]
    with tempfile.TemporaryDirectory() as d:
        for name, caption in report_charts(pathlib.Path(d)):
            lines += [f"### {caption}", "", f"![{name}](gallery/{name})", ""]
    (ROOT / "docs" / "gallery.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {len(list(OUT.iterdir()))} charts to {OUT} and docs/gallery.md")


if __name__ == "__main__":
    main()
