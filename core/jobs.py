"""Progress and cancellation shared by every long job (detection, narration, synthesis, export).

Jobs never print or touch the GUI: they report through a callback and poll a thread-safe token.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import TypeVar

from core.errors import Cancelled

ProgressCallback = Callable[[float, str], None]
R = TypeVar("R")
# A long job as the editor runs it: fn(progress, cancel) -> result (picklable for the helper process).
CoreJob = Callable[[ProgressCallback, "CancelToken"], R]
"""Called with a fraction in [0, 1] and a short human-readable stage name."""


def no_progress(fraction: float, stage: str) -> None:
    """Default progress sink."""


class CancelToken:
    """Thread-safe stop flag; a job calls :meth:`raise_if_cancelled` between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds; returns True early if cancelled."""
        return self._event.wait(timeout)


def scaled(progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    """Map a sub-job's 0..1 progress into [start, end] of the parent job."""

    def report(fraction: float, stage: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), stage)

    return report


def expected_fraction(elapsed: float, expected: float) -> float:
    """Progress of work known only by its expected duration: linear up to 80% at the expected time,
    then slowing towards 95% (never 100% before it is done, never stuck when it runs long)."""
    r = elapsed / max(expected, 1e-3)
    return r if r <= 0.8 else 0.8 + 0.15 * (1 - math.exp(-(r - 0.8) / 0.5))
