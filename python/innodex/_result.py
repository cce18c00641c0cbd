"""The one base of innodex's result classes (in the spirit of SALib's ``ResultDict``).

A result holds what Rust computed; ``to_pandas()`` gives its main frame, ``repr`` a one-line
summary, and Jupyter shows the summary above the frame (``_repr_html_``), with floats written
by ``_html_float`` and missing values as "–". A class changes what Jupyter shows by overriding
``_html_frame`` (e.g. the first ten rows), not ``_repr_html_``.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd


def fmt_number(v: float, digits: int = 4) -> str:
    """A number for tables people read: whole numbers in full with thousands separators
    (10000 → "10,000", never "1e+04"), others to ``digits`` significant digits.

    >>> fmt_number(10000.0), fmt_number(1500.0), fmt_number(0.148698), fmt_number(2.236)
    ('10,000', '1,500', '0.1487', '2.236')
    """
    if v == v and abs(v) < 1e15 and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.{digits}g}"


def interval_columns(interval: Any, prefix: str = "") -> dict[str, Any]:
    """The columns ``{prefix}low`` and ``{prefix}high`` of an array of intervals whose last
    axis holds the lower and the upper bound."""
    return {f"{prefix}low": interval[..., 0], f"{prefix}high": interval[..., 1]}


class Result:
    """Base of the result classes: ``to_pandas``, a summary ``repr`` and an HTML view."""

    #: Format of floats in the HTML view (a ``str.format`` pattern); None: :func:`fmt_number`
    #: (whole numbers in full, others to four significant digits).
    _html_float: str | None = None

    def to_pandas(self) -> pd.DataFrame:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _html_frame(self) -> pd.DataFrame:
        """The frame Jupyter shows under the summary (the whole result by default)."""
        return self.to_pandas()

    def _repr_html_(self) -> str:
        fmt = fmt_number if self._html_float is None else self._html_float.format
        table = self._html_frame().to_html(float_format=fmt, na_rep="–")
        return f"<p><b>{html.escape(repr(self))}</b></p>{table}"


class CoreResult(Result):
    """A result over one native result object (``_core``) with named inputs and outputs: the
    names, the warnings, a repr, pickling, and an output looked up by name or position. Written
    once for the sensitivity results (Sobol', Morris, Shapley), as their Rust getters are."""

    def __init__(self, core: Any) -> None:
        self._core = core

    @property
    def names(self) -> list[str]:
        """Input names."""
        return list(self._core.names)

    @property
    def output_names(self) -> list[str]:
        """Output names."""
        return list(self._core.output_names)

    @property
    def warnings(self) -> list[str]:
        """Warnings about the analysis."""
        return list(self._core.warnings)

    def _out(self, output: int | str) -> int:
        """The position of ``output`` (a name, or an index counted from either end)."""
        from innodex import _check, _core

        names = self.output_names
        if isinstance(output, str):
            if output not in names:
                raise _core.SensitivityError(
                    f"output: unknown output {output!r}; outputs are {names}"
                )
            return names.index(output)
        o = _check.integer("output", output, _core.SensitivityError)
        if not -len(names) <= o < len(names):
            raise _core.SensitivityError(
                f"output: index {o} is out of range for {len(names)} outputs"
            )
        return o % len(names)

    def _by_output_and_input(self, columns: dict[str, Any]) -> pd.DataFrame:
        """A frame indexed by (output, input) from arrays of shape outputs × inputs (raveled)."""
        idx = pd.MultiIndex.from_product([self.output_names, self.names], names=["output", "input"])
        return pd.DataFrame({k: v.ravel() for k, v in columns.items()}, index=idx)

    def __repr__(self) -> str:
        return repr(self._core)

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return (type(self), (self._core,))
