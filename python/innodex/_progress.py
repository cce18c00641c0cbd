"""Progress bars for long runs (tqdm, optional): one helper for every area.

The Rust core counts work units in atomics while it runs without the GIL; the bindings call a
Python callback with ``(done, total)`` about ten times a second, and this module turns those
calls into a tqdm bar. With ``progress=False``, or without tqdm, nothing is drawn and the
callback is None, so the core does not even take the GIL to report.
"""

from __future__ import annotations

from typing import Any


class Bar:
    """A tqdm bar fed with absolute counts ``(done, total)``; a no-op when disabled.

    >>> b = Bar(False, "x")
    >>> b.callback is None
    True
    >>> b.close()
    """

    def __init__(self, enabled: bool, desc: str, unit: str = "it", file: Any = None) -> None:
        self._bar: Any = None
        self._shown = 0
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # pragma: no cover - tqdm is an optional extra
                return
            self._bar = tqdm(total=0, desc=desc, unit=unit, leave=False, file=file)

    @property
    def callback(self) -> Any:
        """The ``(done, total)`` callback to hand to the core, or None when disabled."""
        return None if self._bar is None else self.update

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` work units."""
        bar = self._bar
        if bar is None:
            return
        if total and bar.total != total:
            bar.total = total
            bar.refresh()
        if done > self._shown:
            bar.update(done - self._shown)
            self._shown = done

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
