"""The real data shipped with innodex, as pandas frames, the shipped case-study plans and the
Linyi case's R&D-share gap model.

Every table is embedded in the library (no repository needed) and names its source; the
project's ``data/README.md`` says what a model must know about each (vintages, breaks, bounds).

>>> from innodex import datasets
>>> [name for name, _, _ in datasets.names()]
['china_province_rd', 'linyi_outcomes', 'linyi_facts', 'asem_data', 'asem_meta']
>>> rd = datasets.china_province_rd()
>>> float(rd.query("region_en == 'Shandong' and year == 2020")["rd_intensity_pct"].iloc[0])
2.3
>>> datasets.linyi_plan().id, datasets.shandong_plan().id
('linyi-2021-2025', 'shandong-2022-2027')
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
import pandas as pd

from innodex import _check, _core
from innodex.plan import Plan
from innodex.sensitivity import Problem

_E = _core.SensitivityError

__all__ = [
    "asem",
    "china_province_rd",
    "linyi_facts",
    "linyi_gap",
    "linyi_gap_problem",
    "linyi_outcomes",
    "linyi_plan",
    "linyi_required_rd_growth_grid",
    "linyi_shandong_series",
    "load",
    "names",
    "shandong_plan",
]


def names() -> list[tuple[str, str, str]]:
    """The shipped data sets: ``(name, file, description)`` each."""
    return [tuple(t) for t in _core.dataset_names()]  # type: ignore[misc]


def load(name: str) -> pd.DataFrame:
    """A shipped data set by name (see :func:`names`) as a DataFrame, read as published: the
    ``year`` column stays text where a row gives a span (``2021-2024``)."""
    text = _core.dataset_csv(_check.text("name", name))
    return pd.read_csv(io.StringIO(text), dtype={"year": str} if name == "linyi_outcomes" else None)


def china_province_rd() -> pd.DataFrame:
    """R&D expenditure (100 million yuan) and intensity (% of GDP) of China's 31 provinces and
    the national total, 2015–2023, as first published (NBS/MOST/MOF bulletins)."""
    return load("china_province_rd")


def linyi_outcomes() -> pd.DataFrame:
    """55 public figures on Linyi, Shandong and China, 2020–2025, with bound, status
    (final/preliminary/derived/target), source page, publisher, publication date and quote."""
    return load("linyi_outcomes")


def linyi_facts() -> pd.DataFrame:
    """Figures about Linyi found in public sources, with a confidence label."""
    return load("linyi_facts")


def asem() -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's example (ASEM Sustainable Connectivity): ``(iData, iMeta)``."""
    return load("asem_data"), load("asem_meta")


def linyi_plan() -> Plan:
    """Linyi's 2021–2025 science and technology innovation plan, with its 2021–2025 evidence."""
    return Plan.builtin("linyi-2021-2025")


def shandong_plan() -> Plan:
    """Shandong's 2022 plan (targets for 2027), with the province's published series."""
    return Plan.builtin("shandong-2022-2027")


# ------------------------------------------------------------ the Linyi R&D-share gap model


def linyi_gap_problem() -> Problem:
    """Inputs of the Linyi 2025 gap model with their stated ranges: R&D growth, nominal GDP
    growth, Linyi's start share (its 2024 share, derived from two published figures, ± 0.15
    points) and Shandong's yearly increase (points).
    """
    return Problem._wrap(_core.linyi_gap_problem())


def linyi_gap(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The Linyi 2025 gap model (vectorised, computed in Rust): rows of (R&D growth, GDP
    growth, 2020 share, Shandong trend shift) → columns (gap in points, Linyi 2025 share,
    Shandong 2025 share). See :func:`linyi_gap_problem` for the inputs' ranges."""
    return _core.linyi_gap(_check.rows("x", x, _E))


def linyi_shandong_series(from_year: int, to_year: int) -> tuple[list[int], list[float]]:
    """Shandong's R&D intensity (years, %) from the embedded plan."""
    return _core.linyi_shandong_series(
        _check.year("from_year", from_year, _core.GrowthError),
        _check.year("to_year", to_year, _core.GrowthError),
    )


def linyi_required_rd_growth_grid(
    gdp_growths: npt.ArrayLike, baselines: npt.ArrayLike, reference_2025: float
) -> pd.DataFrame:
    """R&D growth Linyi needs (2020–2025) to reach ``reference_2025``: rows baseline shares,
    columns GDP growth rates."""
    g = _check.array("gdp_growths", gdp_growths, _E).ravel()
    b = _check.array("baselines", baselines, _E).ravel()
    z = _core.linyi_required_rd_growth_grid(
        g, b, _check.real("reference_2025", reference_2025, _E)
    )
    return pd.DataFrame(
        z,
        index=pd.Index(b, name="baseline_share_2020"),
        columns=pd.Index(g, name="gdp_growth"),
    )
