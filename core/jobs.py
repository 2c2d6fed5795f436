"""Progress and cancellation shared by every long job (detection, narration, synthesis, export).

Jobs never print or touch the GUI: they report through a callback and poll a thread-safe token.
"""

from __future__ import annotations

import inspect
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from core.errors import Cancelled

ProgressCallback = Callable[[float, str], None]
"""Called with a fraction in [0, 1] and a short human-readable stage name."""
R = TypeVar("R")
P = ParamSpec("P")
# A long job as the editor runs it: fn(progress, cancel) -> result (picklable for the helper process).
CoreJob = Callable[[ProgressCallback, "CancelToken"], R]


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


@dataclass(frozen=True)
class CoreCall(Generic[R]):
    """One call of a core function, run later as `job(progress, cancel)` (a `CoreJob[R]`).

    Picklable when the function is a module-level one and its arguments are picklable: the editor sends
    it to its helper process. Built by `core_job`, which also checks the arguments against the function."""

    fn: Callable[..., R]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    reports: bool  # the function takes `progress`
    cancels: bool  # the function takes `cancel`

    def __call__(self, progress: ProgressCallback, cancel: CancelToken) -> R:
        extra: dict[str, Any] = {}
        if self.reports:
            extra["progress"] = progress
        if self.cancels:
            extra["cancel"] = cancel
        return self.fn(*self.args, **self.kwargs, **extra)


def core_job(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> CoreCall[R]:
    """`fn(*args, **kwargs)` as a job: the arguments are typed by `fn`'s own signature (ParamSpec), and the
    job hands `fn` its `progress` and `cancel` when it takes them (Anki's CollectionOp calls its collection
    the same way: one direct, typed call, no wrapper per function)."""
    if "progress" in kwargs or "cancel" in kwargs:
        raise TypeError("core_job passes progress and cancel itself")
    params = inspect.signature(fn).parameters
    inspect.signature(fn).bind(*args, **kwargs)  # a wrong argument fails here, not in the helper process
    return CoreCall(fn, tuple(args), dict(kwargs), "progress" in params, "cancel" in params)
