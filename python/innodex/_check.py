"""Argument checks at the Python boundary: a wrong type raises ``TypeError`` and a bad value the
area's :class:`innodex.InnodexError` subclass, both naming the argument as the caller wrote it.

Why here and not only in Rust: the bindings' own messages name the Rust parameter (``n``
where SALib's spelling is ``N``) and numpy's conversions name nothing (``float() argument must
be…``); a researcher should read which of their arguments is wrong.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from innodex import _core

#: The widest integer the core takes (i64); larger integers raise the package's error instead
#: of an ``OverflowError`` from the conversion.
INT_MAX = 2**63 - 1
#: The widest unsigned integer the core takes (u64: seeds, size limits).
U64_MAX = 2**64 - 1
#: Years are 32-bit in the core.
YEAR_MIN, YEAR_MAX = -(2**31), 2**31 - 1


def _type_error(name: str, expected: str, value: Any) -> TypeError:
    return TypeError(f"{name} must be {expected}, not {type(value).__name__}")


def integer(
    name: str,
    value: Any,
    err: type[Exception] = _core.InnodexError,
    *,
    minimum: int | None = None,
    maximum: int = INT_MAX,
    none: bool = False,
) -> Any:
    """An integer (numpy integers too, not bool) in [``minimum``, ``maximum``] (by default the
    range of a 64-bit integer); None if ``none``.

    >>> integer("n_paths", 10, minimum=1)
    10
    >>> integer("n_paths", 0, minimum=1)
    Traceback (most recent call last):
    innodex.InnodexError: n_paths must be at least 1, got 0
    """
    if value is None and none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _type_error(name, "an integer", value)
    v = int(value)
    if minimum is not None and v < minimum:
        raise err(f"{name} must be at least {minimum}, got {v}")
    if v < -INT_MAX - 1:
        raise err(f"{name} must be at least {-INT_MAX - 1}, got {v}")
    if v > maximum:
        raise err(f"{name} must be at most {maximum}, got {v}")
    return v


def seed(value: Any, err: type[Exception] = _core.InnodexError, *, name: str = "seed") -> int:
    """A random seed: an integer in [0, 2⁶⁴ − 1], the core's unsigned 64-bit seeds.

    >>> seed(2**64 - 1)
    18446744073709551615
    >>> seed(2**64)
    Traceback (most recent call last):
    innodex.InnodexError: seed must be at most 18446744073709551615, got 18446744073709551616
    """
    return integer(name, value, err, minimum=0, maximum=U64_MAX)


def year(
    name: str, value: Any, err: type[Exception] = _core.InnodexError, *, none: bool = False
) -> Any:
    """A year: an integer the core's 32-bit years hold.

    >>> year("year1", 10**12)
    Traceback (most recent call last):
    innodex.InnodexError: year1 must be at most 2147483647, got 1000000000000
    """
    return integer(name, value, err, minimum=YEAR_MIN, maximum=YEAR_MAX, none=none)


def real(
    name: str,
    value: Any,
    err: type[Exception] = _core.InnodexError,
    *,
    finite: bool = True,
    none: bool = False,
) -> Any:
    """A real number (not bool), finite unless ``finite=False``; None if ``none``.

    >>> real("rate", 0.1)
    0.1
    >>> real("rate", float("nan"))
    Traceback (most recent call last):
    innodex.InnodexError: rate must be a finite number, got nan
    """
    if value is None and none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _type_error(name, "a number", value)
    v = float(value)
    if finite and not math.isfinite(v):
        raise err(f"{name} must be a finite number, got {v}")
    return v


def text(name: str, value: Any, *, none: bool = False) -> Any:
    """A string; None if ``none``."""
    return None if value is None and none else instance(name, value, str, "a string")


def flag(name: str, value: Any) -> bool:
    """A bool (numpy bools too)."""
    if not isinstance(value, bool | np.bool_):
        raise _type_error(name, "True or False", value)
    return bool(value)


def progress(value: Any) -> bool | str:
    """A progress setting: True, False or ``"auto"``."""
    if isinstance(value, str) and value == "auto":
        return "auto"
    if not isinstance(value, bool | np.bool_):
        raise _type_error("progress", 'True, False or "auto"', value)
    return bool(value)


def path(name: str, value: Any) -> str:
    """A path: a string or an ``os.PathLike``."""
    if not isinstance(value, str | os.PathLike):
        raise _type_error(name, "a path (str or os.PathLike)", value)
    return os.fspath(value)


def strings(name: str, value: Any, *, none: bool = False) -> Any:
    """A sequence of strings (not a single string); None if ``none``."""
    if value is None and none:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray):
        raise _type_error(name, "a sequence of strings", value)
    out = list(value)
    for v in out:
        if not isinstance(v, str):
            raise _type_error(f"every element of {name}", "a string", v)
    return out


def _each(
    name: str, value: Any, expected: str, element: Callable[[str, Any], Any], none: bool
) -> Any:
    """Every element of a sequence (not text, bytes or a mapping) checked by ``element`` under
    the name ``name[i]``, as a list; None if ``none``."""
    if value is None and none:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence | np.ndarray):
        raise _type_error(name, expected, value)
    return [element(f"{name}[{i}]", v) for i, v in enumerate(value)]


def reals(
    name: str, value: Any, err: type[Exception] = _core.InnodexError, *, none: bool = False
) -> Any:
    """A sequence of finite real numbers as a list; None if ``none``."""
    return _each(name, value, "a sequence of numbers", functools.partial(real, err=err), none)


def integers(
    name: str, value: Any, err: type[Exception] = _core.InnodexError, *, none: bool = False
) -> Any:
    """A sequence of integers as a list; None if ``none``."""
    return _each(name, value, "a sequence of integers", functools.partial(integer, err=err), none)


def array(name: str, value: Any, err: type[Exception] = _core.InnodexError) -> Any:
    """A float64 numpy array (no copy when it already is one); NaN raises."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be numbers or an array of numbers ({e})") from None
    if np.isnan(a).any():
        raise err(f"{name} contains NaN")
    return a


def instance(name: str, value: Any, cls: type | tuple[type, ...], what: str) -> Any:
    """``value`` if it is an instance of ``cls``."""
    if not isinstance(value, cls):
        raise _type_error(name, what, value)
    return value


def threads(value: Any) -> Any:
    """The ``threads`` argument: None (all cores) or a positive integer."""
    return integer("threads", value, minimum=1, none=True)


def mapping(name: str, value: Any, *, none: bool = False) -> Any:
    """A mapping (dict); None if ``none``."""
    return None if value is None and none else instance(name, value, Mapping, "a dict")


def mc_limits(
    cfg: dict[str, Any], max_values: int | None, max_buffer_bytes: int | None, exc: type
) -> None:
    """Adds the Monte Carlo size limits (``McConfig::max_values``, ``max_buffer_bytes``) that
    are given to ``cfg``; None keeps the core's defaults (10^10 values, 4 GiB)."""
    for name, limit in (("max_values", max_values), ("max_buffer_bytes", max_buffer_bytes)):
        if limit is not None:
            cfg[name] = integer(name, limit, exc, minimum=1, maximum=U64_MAX)


def rows(name: str, y: Any, exc: type) -> np.ndarray:
    """A finite 1-D or 2-D array as C-contiguous rows (a 1-D array becomes one column)."""
    a = array(name, y, exc)
    if a.ndim not in (1, 2):
        raise exc(f"{name} must be 1-D or 2-D, got {a.ndim} dimensions")
    if a.ndim == 1:
        a = a[:, None]
    return np.ascontiguousarray(a)
