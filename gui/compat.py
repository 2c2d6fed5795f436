"""Work around a reference-count bug of the installed Qt bindings on Python < 3.12.

PySide6 6.12's abi3 wheels return `None` from every void method without taking a reference, and
drop references to True/False somewhere too (fine on Python 3.12+, where these are immortal). On
3.11 each call lowers the count, and after some tens of thousands of painter calls the interpreter
aborts with "none_dealloc: deallocating None" (or bool_dealloc at exit). Giving these singletons a
huge reference count makes them effectively immortal, as on 3.12. pyproject pins PySide6 below 6.12,
so this only acts if a 6.12+ wheel is installed anyway.
"""

from __future__ import annotations

import ctypes
import sys

_BALLAST = 1 << 40  # never reached: 2**40 void calls would take weeks of painting


def _bindings_affected() -> bool:
    """True for shiboken6 6.12+ (the affected wheels) or when the version cannot be read (frozen app)."""
    try:
        from importlib.metadata import version

        major, minor = (int(x) for x in version("shiboken6").split(".")[:2])
    except Exception:  # no metadata (frozen) or an odd version string: stay on the safe side
        return True
    return (major, minor) >= (6, 12)


def make_none_immortal() -> bool:
    """Raise None's, True's and False's reference counts once per process (CPython < 3.12 only)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or not _bindings_affected():
        return False
    if getattr(sys, "_syncnarrator_none_ballast", False):
        return False
    for singleton in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is PyObject's first field
        refcnt.value += _BALLAST
    sys._syncnarrator_none_ballast = True  # type: ignore[attr-defined]
    return True
