"""Progress bars for long runs (tqdm, optional): one helper for every area.

The Rust core counts work units in atomics while it runs without the GIL; the bindings call a
Python callback with ``(done, total)`` about ten times a second, and this module turns those
calls into a tqdm bar. With ``progress=False``, or without tqdm, nothing is drawn and the
callback is None, so the core does not even take the GIL to report.

``progress="auto"`` (the default everywhere) draws a bar only where someone watches one: in a
terminal (standard error is a TTY) or in Jupyter with ipywidgets (a widget, never text on
standard error, which notebooks show like a warning), and only once a run has taken half a
second (tqdm's ``delay``), so short runs print nothing. ``True`` always draws one, ``False``
never does.
"""

from __future__ import annotations

import sys
from typing import Any

#: Seconds a run must last before the ``"auto"`` bar appears.
AUTO_DELAY = 0.5


def _in_jupyter_with_widgets() -> bool:
    """Running in a Jupyter kernel that can draw tqdm's widget."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if type(shell).__name__ != "ZMQInteractiveShell":
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def _tty() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def tqdm_bar(progress: bool | str, **kw: Any) -> Any:
    """A tqdm bar for ``progress`` (True, False or ``"auto"``), or None when none is drawn.

    >>> tqdm_bar(False, total=3) is None
    True
    """
    if progress is False:
        return None
    auto = progress == "auto"
    if auto and not (_tty() or _in_jupyter_with_widgets()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is an optional extra
        return None
    return tqdm(leave=False, delay=AUTO_DELAY if auto else 0.0, **kw)


class Bar:
    """A tqdm bar fed with absolute counts ``(done, total)``; a no-op when disabled.

    >>> b = Bar(False, "x")
    >>> b.callback is None
    True
    >>> b.close()
    """

    def __init__(
        self, enabled: bool | str, desc: str, unit: str = "it", file: Any = None
    ) -> None:
        self._bar: Any = tqdm_bar(enabled, total=0, desc=desc, unit=unit, file=file)
        self._shown = 0

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
