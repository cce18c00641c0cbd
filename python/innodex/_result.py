"""The one base of innodex's result classes (in the spirit of SALib's ``ResultDict``).

A result holds what Rust computed; ``to_pandas()`` gives its main frame, ``repr`` a one-line
summary, and Jupyter shows the summary above the frame (``_repr_html_``), with floats written
by ``_html_float`` and missing values as "–". A class changes what Jupyter shows by overriding
``_html_frame`` (e.g. the first ten rows), not ``_repr_html_``.
"""

from __future__ import annotations

import html

import pandas as pd


class Result:
    """Base of the result classes: ``to_pandas``, a summary ``repr`` and an HTML view."""

    #: Format of floats in the HTML view.
    _html_float = "{:.3g}"

    def to_pandas(self) -> pd.DataFrame:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _html_frame(self) -> pd.DataFrame:
        """The frame Jupyter shows under the summary (the whole result by default)."""
        return self.to_pandas()

    def _repr_html_(self) -> str:
        table = self._html_frame().to_html(float_format=self._html_float.format, na_rep="–")
        return f"<p><b>{html.escape(repr(self))}</b></p>{table}"
