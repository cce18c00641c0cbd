"""Plans as pandas frames: targets, required paths, indicators and observations.

>>> from innodex import Plan
>>> plan = Plan.builtin()
>>> plan
<Plan linyi-2021-2025 (Linyi, 2020–2025): 24 indicators, 13 targets>
>>> t = plan.targets()
>>> float(t.loc["hte_count", "required_cagr"]).__round__(6)
0.148698
>>> plan.with_observation("hte_count", 2020, 800).targets().loc["hte_doubling", "target_value"]
np.float64(1600.0)
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from innodex import _check, _core
from innodex._conventions import DEFAULT_PATHS, DEFAULT_QUANTILES, DEFAULT_SEED
from innodex._plot import axes, count_axis, legend_outside
from innodex._result import fmt_number

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


def _evidence_frame(text: str, first: list[str], ints: dict[str, str]) -> pd.DataFrame:
    """Evidence entries (JSON from the core) as a frame: the ``first`` columns as given, then
    bound, status, publication date, provenance kind and source (or note)."""
    rest = ["bound", "status", "published", "kind", "source"]
    flat = [
        {
            **{k: r[k] for k in first},
            "bound": r.get("bound", "exact"),
            "status": r.get("status"),
            "published": r.get("published"),
            "kind": r["provenance"]["kind"],
            "source": r["provenance"].get("source") or r["provenance"].get("note", ""),
        }
        for r in json.loads(text)
    ]
    return pd.DataFrame(flat, columns=first + rest).astype({**ints, "value": "float64"})


def _json_of(what: str, value: Any) -> str:
    """JSON text of a dict for the core; NaN or an unserialisable value is a PlanError."""
    try:
        return json.dumps(value, allow_nan=False, default=_plain)
    except (TypeError, ValueError) as e:
        raise _core.PlanError(f"{what}: {e}") from None


def _plain(v: Any) -> Any:
    """numpy scalars and arrays as plain Python values."""
    if hasattr(v, "tolist"):
        return v.tolist()
    raise TypeError(f"{type(v).__name__} is not a number, text, list or dict")


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts, empty cells (None, NaN, NA) left out and whole floats of an
    integer field (a year in a column with gaps) made whole."""
    rows = []
    for rec in df.to_dict("records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if v is None or (not isinstance(v, list | dict | tuple) and pd.isna(v)):
                continue
            v = v.item() if hasattr(v, "item") else v
            if isinstance(v, float) and v.is_integer() and k in _INTEGER_FIELDS:
                v = int(v)
            row[str(k)] = v
        rows.append(row)
    return rows


#: Target and indicator fields that hold whole numbers (years, counts of years).
_INTEGER_FIELDS = {"by", "base_year", "from", "to", "year"}


def _indicator_row(row: dict[str, Any]) -> dict[str, Any]:
    """``name_en``/``name_zh`` columns, or a plain ``name``, as the plan file's name table."""
    if "name_en" in row or "name_zh" in row:
        row["name"] = {k: row.pop(f"name_{k}") for k in ("en", "zh") if f"name_{k}" in row}
    elif isinstance(row.get("name"), str):
        row["name"] = {"en": row["name"]}
    return row


class Plan:
    """A plan: region, period, indicators, observations and targets (computed in Rust).

    Build one with :meth:`builtin`, :meth:`from_file` or :meth:`from_toml`. Plans pickle.
    """

    def __init__(self, core: _core.Plan) -> None:
        if not isinstance(core, _core.Plan):
            hint = (
                "Plan.from_dict(d)" if isinstance(core, Mapping)
                else "Plan.from_file(path)" if isinstance(core, str | os.PathLike)
                else "Plan.builtin(name), Plan.from_file(path) or Plan.from_dict(d)"
            )
            raise TypeError(
                f"Plan(...) wraps a compiled plan, not a {type(core).__name__}; use {hint}"
            )
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

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Plan:
        """A plan from a dict of the plan-file structure (the keys of the TOML format:
        ``plan``, ``indicators``, ``observations``, ``spans``, ``targets``), validated like a
        file: an unknown key, a wrong kind or a share of 140 % raise :class:`innodex.PlanError`
        naming the field and value.

        >>> import innodex
        >>> p = innodex.Plan.from_dict({
        ...     "plan": {"id": "p", "title": "T", "region": {"en": "R"}, "period": [2020, 2025]},
        ...     "indicators": [{"id": "x", "name": {"en": "X"}, "unit": "n", "kind": "count"}],
        ...     "observations": [{"indicator": "x", "year": 2020, "value": 100.0,
        ...                       "provenance": {"kind": "assumed", "note": "example"}}],
        ...     "targets": [{"id": "t", "indicator": "x", "kind": "multiple_of_base",
        ...                  "factor": 2.0, "base_year": 2020, "by": 2025}],
        ... })
        >>> round(float(p.targets().loc["t", "required_cagr"]), 6)
        0.148698
        """
        if not isinstance(d, Mapping):
            raise TypeError(
                f"Plan.from_dict takes a dict with the keys of a plan file (plan, indicators, "
                f"observations, spans, targets), not a {type(d).__name__}"
            )
        return cls(_core.Plan.from_json(_json_of("plan", d)))

    @classmethod
    def from_frames(
        cls,
        plan: Mapping[str, Any],
        *,
        indicators: pd.DataFrame,
        targets: pd.DataFrame,
        observations: pd.DataFrame | None = None,
    ) -> Plan:
        """A plan from tables: ``plan`` the ``[plan]`` fields (``id``, ``title``, ``region``,
        ``period``, …); ``indicators`` one row per indicator (``id``, ``name`` — or ``name_en``
        and ``name_zh`` —, ``unit``, ``kind``); ``targets`` one row per target with the fields
        of ``[[targets]]`` (a cell left empty is a field left out, so targets of different
        kinds share one frame); ``observations`` the evidence table of
        :meth:`with_observations` (``indicator, year, value, source, …``). Validated like a
        plan file: a bad cell raises :class:`innodex.PlanError` naming the field and value.

        >>> import pandas as pd
        >>> p = Plan.from_frames(
        ...     {"id": "p", "title": "Doubling", "region": {"en": "R"}, "period": [2020, 2025]},
        ...     indicators=pd.DataFrame({"id": ["firms"], "name": ["Firms"], "unit": ["firms"],
        ...                              "kind": ["count"]}),
        ...     targets=pd.DataFrame({"id": ["double", "level"], "indicator": ["firms"] * 2,
        ...                           "kind": ["multiple_of_base", "level"],
        ...                           "factor": [2.0, None], "base_year": [2020, None],
        ...                           "value": [None, 1500.0], "by": [2025, 2025]}),
        ...     observations=pd.DataFrame({"indicator": ["firms"], "year": [2020],
        ...                                "value": [750.0], "source": ["bureau, 2021"]}),
        ... )
        >>> round(float(p.targets().loc["double", "required_cagr"]), 4)
        0.1487
        >>> p.targets().loc["level", "statement"]
        '1500 by 2025'
        """
        for name, df in (("indicators", indicators), ("targets", targets)):
            if not isinstance(df, pd.DataFrame):
                raise TypeError(f"{name} must be a pandas DataFrame, not {type(df).__name__}")
        d = {
            "plan": dict(_check.mapping("plan", plan)),
            "indicators": [_indicator_row(r) for r in _rows(indicators)],
            "targets": _rows(targets),
        }
        out = cls.from_dict(d)
        return out if observations is None else out.with_observations(observations)

    def with_target(self, **fields: Any) -> Plan:
        """The plan with a target added, or replacing the one of the same ``id``; the fields
        are those of ``[[targets]]`` in a plan file (``id``, ``indicator``, ``kind``, ``value``,
        ``by``, …). The plan is validated again as a whole.

        >>> import innodex
        >>> p = innodex.Plan.builtin().with_target(
        ...     id="ht_output_share", indicator="ht_output_share", kind="level", value=50.0,
        ...     by=2025)
        >>> float(p.targets().loc["ht_output_share", "target_value"])
        50.0
        """
        return Plan(self._core.with_target_json(_json_of("target", fields)))

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
            year=_check.year("year", year, _core.PlanError),
            # NaN and infinities pass on: the core's message names the indicator and year.
            value=_check.real("value", value, _core.PlanError, finite=False),
            note=_check.text("note", note),
            kind=_check.text("kind", kind),
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

    # ------------------------------------------------------------------ evidence
    def with_observations(self, observations: Any) -> Plan:
        """A copy with more evidence beside the plan's own.

        ``observations`` is a DataFrame (or a path to a CSV file) with the columns
        ``indicator, region, year, value, unit, bound, status, source, published`` (``region``,
        ``unit``, ``bound``, ``status`` and ``published`` may be left out; see
        ``docs/assessment.md``). A later or better-ranked figure wins its year; every figure
        stays in :meth:`evidence`. Raises :class:`innodex.PlanError` naming the row and column
        of a bad cell (an unknown indicator, a share outside 0–100, an unknown bound or status).
        """
        if isinstance(observations, str | os.PathLike):
            with open(os.fspath(observations), encoding="utf-8") as f:
                text = f.read()
        elif isinstance(observations, pd.DataFrame):
            text = observations.to_csv(index=False)
        else:
            raise TypeError(
                "observations: pass a pandas DataFrame or the path of a CSV file, got "
                f"{type(observations).__name__}"
            )
        return Plan(self._core.with_observations_csv(text))

    def as_of(self, date: str) -> Plan:
        """The plan as it could be assessed on ``date`` (``YYYY``, ``YYYY-MM`` or
        ``YYYY-MM-DD``): only evidence published by then counts."""
        return Plan(self._core.as_of(_check.text("date", date)))

    def with_about(self, tolerance: float) -> Plan:
        """A copy with every "about" (左右) target's tolerance set (the plans assume 0.05)."""
        return Plan(self._core.with_about(_check.real("tolerance", tolerance, _core.PlanError)))

    def with_alternative_readings(self) -> Plan:
        """A copy with every target that has an alternative reading read that way."""
        return Plan(self._core.with_alternative_readings())

    def evidence(self) -> pd.DataFrame:
        """Every figure as given (all vintages, bounds and releases), in plan order."""
        return _evidence_frame(
            self._core.evidence_json(), ["indicator", "year", "value"], {"year": "int64"}
        )

    def spans(self) -> pd.DataFrame:
        """Figures over spans of years ("11.5 % a year on average in 2021–2025"), as given.

        A span ``from``–``to`` runs from the level of ``from - 1`` to that of ``to``;
        ``measure`` is ``average_growth`` (% a year, compound) or ``change`` (in the
        indicator's unit). Where the plan knows the year before the span, the span's last year
        gets a derived value (see :meth:`observations`), ranked below any observed figure.

        >>> import innodex
        >>> s = innodex.Plan.builtin("shandong-2022-2027").spans()
        >>> row = s.iloc[0]
        >>> row["indicator"], int(row["from"]), int(row["to"]), row["measure"], float(row["value"])
        ('rd_expenditure', 2021, 2025, 'average_growth', 11.5)
        """
        return _evidence_frame(
            self._core.spans_json(),
            ["indicator", "from", "to", "measure", "value"],
            {"from": "int64", "to": "int64"},
        )

    def verdict(self, projection: Any = "auto", **project_kw: Any) -> pd.DataFrame:
        """Did the plan work? One row per target, on the latest evidence.

        Columns: the latest evidence (``evidence_year``, ``evidence_value``,
        ``evidence_bound``, ``evidence_kind``, ``evidence_release``, ``evidence_published``),
        ``required`` (the value the target required in that year), ``gap``, ``status``,
        ``achieved_in``, ``grade`` (SDSN trend method), ``grade_model`` (linear/compound),
        ``r``, ``years_ahead``, one ``p_met[SCENARIO]`` and ``median_year[SCENARIO]`` column
        per scenario, and ``needs`` (the data an unassessable target needs).

        ``projection``: a :class:`innodex.projection.Projection` of this plan; ``"auto"``
        (default) projects the plan under its own shipped scenarios when it has them
        (``project_kw`` go to :func:`innodex.project`); ``None`` leaves P(met) out.
        """
        pj = None
        if isinstance(projection, str) and projection == "auto":
            if _core.Scenarios.builtin_for(self.id) is not None:
                pj = self.project(**project_kw)
        elif projection is not None:
            pj = projection
        text = self._core.verdict_json(None if pj is None else json.dumps(pj.data))
        rows = json.loads(text)["rows"]
        records = []
        for r in rows:
            ev = r.get("evidence") or {}
            g = r.get("progress") or {}
            rec: dict[str, Any] = {
                "target": r["target"],
                "evidence_year": ev.get("year"),
                "evidence_value": ev.get("value"),
                "evidence_bound": ev.get("bound", "exact") if ev else None,
                "evidence_kind": (ev.get("provenance") or {}).get("kind"),
                "evidence_release": ev.get("release"),
                "evidence_published": ev.get("published"),
                "required": r.get("required"),
                "gap": r.get("gap"),
                "status": r["status"],
                "achieved_in": r.get("achieved_in"),
                "grade": g.get("grade"),
                "grade_model": g.get("model"),
                "r": g.get("ratio"),
                "years_ahead": g.get("years_ahead"),
            }
            for o in r.get("outlook", []):
                rec[f"p_met[{o['scenario']}]"] = o.get("p_met")
                rec[f"median_year[{o['scenario']}]"] = o.get("median_attainment_year")
            rec["needs"] = r.get("needs")
            records.append(rec)
        df = pd.DataFrame(records).set_index("target")
        for col in ["evidence_value", "required", "gap", "r", "years_ahead"]:
            df[col] = df[col].astype("float64")
        for col in ["evidence_year", "achieved_in"] + [
            c for c in df.columns if c.startswith("median_year[")
        ]:
            df[col] = df[col].astype("Int64")
        df["status"] = pd.Categorical(df["status"], categories=STATUSES)
        return df

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

    def project(
        self,
        scenarios: Any = None,
        *,
        n_paths: int = DEFAULT_PATHS,
        seed: int = DEFAULT_SEED,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        fan_years: Sequence[int] | None = None,
        only: Sequence[str] | None = None,
        progress: bool | str = "auto",
        threads: int | None = None,
        chunk_size: int | None = None,
        memory_budget: int | None = None,
        max_values: int | None = None,
        max_buffer_bytes: int | None = None,
    ) -> Any:
        """Project the plan under ``scenarios`` (a :class:`innodex.Scenarios`, a scenario file,
        or None for the plan's shipped set) by Monte Carlo: the arguments and the result
        (:class:`innodex.Projection`) are those of :func:`innodex.project`.

        >>> import inspect
        >>> list(inspect.signature(Plan.project).parameters)[:4]
        ['self', 'scenarios', 'n_paths', 'seed']
        """
        from innodex.projection import project

        return project(
            self, scenarios, n_paths=n_paths, seed=seed, quantiles=quantiles,
            fan_years=fan_years, only=only, progress=progress, threads=threads,
            chunk_size=chunk_size, memory_budget=memory_budget, max_values=max_values,
            max_buffer_bytes=max_buffer_bytes,
        )

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
        # The evidence of the indicator in the plan period, bounds marked (≥ a lower bound).
        ev = self.evidence()
        ev = ev[(ev["indicator"] == row["indicator"]) & (ev["year"] >= p["year"].min())]
        markers = {"exact": "D", "at_least": "^", "at_most": "v"}
        signs = {"exact": "", "at_least": " (≥, a lower bound)", "at_most": " (≤, an upper bound)"}
        for (kind, bound), e in ev.groupby(["kind", "bound"], sort=False):
            ax.plot(e["year"], e["value"], markers.get(str(bound), "o"),
                    color="black" if kind == "observed" else "grey", linestyle="none",
                    label=f"{kind}{signs.get(str(bound), '')}")
        ax.set_title(f"{row['indicator_name']}: {row['statement']}")
        ax.set_xlabel("year")
        ax.set_ylabel(str(row["unit"]))
        if self.indicators().loc[row["indicator"], "kind"] == "count":
            count_axis(ax.yaxis)
        legend_outside(ax)
        return ax

    def __repr__(self) -> str:
        return repr(self._core)

    def _repr_html_(self) -> str:
        cols = ["statement", "baseline", "target_value", "required_cagr", "status"]
        table = self.targets()[cols].to_html(float_format=fmt_number, na_rep="–")
        return f"<p><b>{html.escape(repr(self))}</b></p>{table}"
