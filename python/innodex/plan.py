"""Plans as pandas frames: targets, required paths, indicators and observations.

>>> from innodex import Plan
>>> plan = Plan.builtin()
>>> plan
<Plan linyi-2021-2025 (Linyi, 2020–2025): 20 indicators, 12 targets>
>>> t = plan.targets()
>>> float(t.loc["hte_count", "required_cagr"]).__round__(6)
0.148698
>>> plan.with_observation("hte_count", 2020, 800).targets().loc["hte_count", "target_value"]
np.float64(1600.0)
"""

from __future__ import annotations

import html
import json
import os
from typing import Any

import pandas as pd

from innodex import _check, _core
from innodex._plot import axes

STATUSES = ["met", "on_track", "off_track", "not_assessable"]
_TARGET_COLUMNS = [
    "kind",
    "indicator",
    "indicator_name",
    "indicator_name_zh",
    "unit",
    "statement",
    "base_year",
    "baseline",
    "baseline_provenance",
    "target_year",
    "target_value",
    "target_note",
    "required_cagr",
    "required_increment",
    "doubling_time",
    "doubling_time_rule_of_70",
    "status",
    "detail",
    "note",
    "quote",
]


class Plan:
    """A plan: region, period, indicators, observations and targets (computed in Rust).

    Build one with :meth:`builtin`, :meth:`from_file` or :meth:`from_toml`. Plans pickle.
    """

    def __init__(self, core: _core.Plan) -> None:
        self._core = core

    # ------------------------------------------------------------------ construction
    @classmethod
    def builtin(cls, name: str = "linyi-2021-2025") -> Plan:
        """An embedded plan; ``Plan.builtin_names()`` lists them."""
        return cls(_core.Plan.builtin(_check.text("name", name)))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Plan:
        """Read a plan file (TOML); errors raise :class:`innodex.PlanError` with line and key."""
        return cls(_core.Plan.from_file(_check.path("path", path)))

    @classmethod
    def from_toml(cls, text: str) -> Plan:
        """Parse a plan from TOML text."""
        return cls(_core.Plan.from_toml(_check.text("text", text)))

    @staticmethod
    def builtin_names() -> list[str]:
        """Names of the embedded plans."""
        return list(_core.Plan.builtin_names())

    def to_toml(self) -> str:
        """The plan in its file format."""
        return self._core.to_toml()

    def copy(self) -> Plan:
        """An independent copy."""
        return Plan.from_toml(self.to_toml())

    # ------------------------------------------------------------------ identity
    @property
    def id(self) -> str:
        """Plan id."""
        return self._core.id

    @property
    def region(self) -> str:
        """Region (English)."""
        return self._core.region

    @property
    def period(self) -> tuple[int, int]:
        """(base year, final year)."""
        return self._core.period

    @property
    def core(self) -> _core.Plan:
        """The underlying Rust object (for the other innodex modules)."""
        return self._core

    # ------------------------------------------------------------------ overrides
    def set_observation(
        self,
        indicator: str,
        year: int,
        value: float,
        note: str = "set from Python",
        kind: str = "assumed",
    ) -> None:
        """Set or replace one observation in place (``kind``: assumed, implied or observed).

        Raises :class:`innodex.PlanError` for an unknown indicator or a value the indicator's
        kind does not allow (a share of 140 %, a negative count); the plan is then unchanged.
        """
        self._core.set_observation(
            _check.text("indicator", indicator),
            _check.year("year", year, _core.PlanError),
            # NaN and infinities pass on: the core's message names the indicator and year.
            _check.real("value", value, _core.PlanError, finite=False),
            _check.text("note", note),
            _check.text("kind", kind),
        )

    def with_observation(
        self,
        indicator: str,
        year: int,
        value: float,
        note: str = "set from Python",
        kind: str = "assumed",
    ) -> Plan:
        """A copy of the plan with one observation set (e.g. a baseline override)."""
        new = self.copy()
        new.set_observation(indicator, year, value, note, kind)
        return new

    # ------------------------------------------------------------------ results
    def _report(self) -> dict[str, Any]:
        return json.loads(self._core.report_json())

    def targets(self) -> pd.DataFrame:
        """One row per target: baseline, target level, required growth, status and why.

        Indexed by target id; ``status`` is categorical (met, on_track, off_track,
        not_assessable).
        """
        rows = self._report()["targets"]
        df = pd.DataFrame(rows).set_index("target")
        df = df[_TARGET_COLUMNS]
        df["status"] = pd.Categorical(df["status"], categories=STATUSES)
        for col in ["baseline", "target_value", "required_cagr", "required_increment",
                    "doubling_time", "doubling_time_rule_of_70"]:
            df[col] = df[col].astype("float64")
        df.index.name = "target"
        return df

    def to_pandas(self) -> pd.DataFrame:
        """The plan's targets (as :meth:`targets`), so that every innodex object has one."""
        return self.targets()

    def paths(self) -> pd.DataFrame:
        """The required yearly paths in long form: target, path (compound/linear), year, value."""
        records = []
        for row in self._report()["targets"]:
            for kind in ("compound", "linear"):
                for year, value in row[f"{kind}_path"]:
                    records.append((row["target"], kind, year, value))
        df = pd.DataFrame(records, columns=["target", "path", "year", "value"])
        return df.astype({"year": "int64", "value": "float64"})

    def indicators(self) -> pd.DataFrame:
        """Indicator metadata, indexed by id."""
        rows = json.loads(self._core.indicators_json())
        flat = [
            {
                "id": r["id"],
                "name": r["name"]["en"],
                "name_zh": r["name"].get("zh", ""),
                "unit": r["unit"],
                "kind": r["kind"],
                "direction": r.get("direction", "higher_is_better"),
                "region": r.get("region"),
            }
            for r in rows
        ]
        return pd.DataFrame(flat).set_index("id")

    def observations(self) -> pd.DataFrame:
        """Every observation with its provenance (observed, implied or assumed)."""
        df = pd.DataFrame(
            json.loads(self._core.observations_json()),
            columns=["indicator", "year", "value", "provenance", "source"],
        )
        return df.astype({"year": "int64", "value": "float64"})

    def report(self, format: str = "table") -> str:
        """The report as text: ``table``, ``markdown``, ``csv`` or ``json``."""
        return self._core.report(_check.text("format", format))

    def project(self, scenarios: Any = None, **kw: Any) -> Any:
        """Project the plan under scenarios (Monte Carlo); see :func:`innodex.project`."""
        from innodex.projection import project

        return project(self, scenarios, **kw)

    # ------------------------------------------------------------------ display
    def plot_paths(self, target: str = "hte_count", ax: Any = None, **kw: Any) -> Any:
        """Plot a target's compound and linear required paths; returns the matplotlib Axes."""
        p = self.paths()
        p = p[p["target"] == _check.text("target", target)]
        if p.empty:
            raise _core.PlanError(f"target {target!r} has no required path (see targets())")
        ax = axes(ax)
        for kind, style in (("compound", "-o"), ("linear", "--s")):
            q = p[p["path"] == kind]
            if not q.empty:
                ax.plot(q["year"], q["value"], style, label=f"{kind} path", **kw)
        row = self.targets().loc[target]
        ax.set_title(f"{row['indicator_name']}: {row['statement']}")
        ax.set_xlabel("year")
        ax.set_ylabel(str(row["unit"]))
        ax.legend()
        return ax

    def __repr__(self) -> str:
        return repr(self._core)

    def _repr_html_(self) -> str:
        cols = ["statement", "baseline", "target_value", "required_cagr", "status"]
        table = self.targets()[cols].to_html(float_format=lambda v: f"{v:,.4g}", na_rep="–")
        return f"<p><b>{html.escape(repr(self))}</b></p>{table}"
