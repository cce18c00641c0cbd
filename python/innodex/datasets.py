"""The real data shipped with innodex, as pandas frames, and the shipped case-study plans.

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

import pandas as pd

from innodex import _check, _core
from innodex.plan import Plan

__all__ = [
    "asem",
    "china_province_rd",
    "linyi_facts",
    "linyi_outcomes",
    "linyi_plan",
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
