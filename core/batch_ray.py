"""The `batch` items as Ray tasks (`--engine ray`): imported only for that engine, Ray is an optional extra.

Each item is one `@ray.remote(num_cpus=1)` task running `core.batch.render_item`; results are gathered as they
complete with `ray.wait`. Without an address a local Ray is started for the run with `--workers` CPUs (the
package's own folder is put on the workers' PYTHONPATH, so they run the same code as this process); with
`--ray-address` (`auto`, `ray://head:10001`) the tasks go to that cluster, whose head and workers have the
package installed and see the media and DIR at the same paths (shared storage).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.batch import CANCEL_GRACE_S, BatchItem, BatchOptions, OnResult, remove_staging, render_item
from core.errors import InputError


def _task(item: BatchItem, out_dir: str, options: BatchOptions) -> Mapping[str, Any]:
    """Runs on a Ray worker: one item, exactly as a pool worker renders it (Ctrl-C there = cancelled)."""
    return render_item(item, Path(out_dir), options)


_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


def _our_signal_handlers() -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {s: signal.getsignal(s) for s in _SIGNALS}


def _restore_signal_handlers(handlers: dict[int, Any]) -> None:
    for signum, handler in handlers.items():
        if handler is not None and signal.getsignal(signum) is not handler:
            signal.signal(signum, handler)


def _package_root() -> str:
    import core

    return str(Path(core.__file__).resolve().parent.parent)


def run_on_ray(
    items: Sequence[BatchItem],
    out_dir: Path,
    options: BatchOptions,
    *,
    workers: int,
    address: str | None,
    on_result: OnResult,
    max_in_flight: int | None = None,
) -> None:
    try:
        import ray
    except ImportError:
        raise InputError(
            "--engine ray needs Ray: install the batch extra (pip install 'syncnarrator[batch]')"
        ) from None

    started_here = not ray.is_initialized()
    handlers = _our_signal_handlers()
    if started_here:
        if address:
            try:
                with warnings.catch_warnings():  # Ray Client warns before it raises: one line is enough
                    warnings.simplefilter("ignore")
                    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise InputError(
                    f"--ray-address {address}: cannot connect ({' '.join(str(exc).split())})"
                ) from None
        else:
            # local workers inherit the environment: they import this very package
            root = _package_root()
            paths = [root, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
            os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
            ray.init(
                num_cpus=workers,
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
    # ray.init installs its own C++ SIGTERM handler, which aborts the process (exit -6, a raw log line, Ray's
    # agents and a staging folder left): ours turns SIGTERM/SIGHUP into a cancel, so it goes back in place
    _restore_signal_handlers(handlers)
    task = ray.remote(num_cpus=1, max_retries=1)(_task)
    pending: dict[Any, BatchItem] = {}
    queue = list(items)
    folder = str(Path(out_dir).resolve())
    # on a cluster, --workers caps the items in flight (Ray's usual back-pressure); otherwise every item is
    # submitted at once and Ray runs as many as the CPUs allow
    limit = max_in_flight if address and max_in_flight else len(queue)
    try:
        while queue or pending:
            while queue and len(pending) < limit:
                item = queue.pop(0)
                pending[task.remote(item, folder, options)] = item
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                item = pending.pop(ref)
                try:
                    result = dict(ray.get(ref))
                except ray.exceptions.RayError as exc:
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    result = {"status": "failed", "error": f"Ray: {first}", "warnings": []}
                on_result(item, result)
    except BaseException:
        for ref in pending:  # queued tasks are dropped; running ones get a KeyboardInterrupt and clean up
            with contextlib.suppress(Exception):
                ray.cancel(ref)
        finished: list[Any] = []
        with contextlib.suppress(BaseException):
            finished, _ = ray.wait(list(pending), num_returns=len(pending), timeout=CANCEL_GRACE_S)
        for ref in finished:  # an item that completed while the others stopped is done: the report says so
            with contextlib.suppress(BaseException):
                result = dict(ray.get(ref, timeout=5))
                if result.get("status") == "done":
                    on_result(pending[ref], result)
        remove_staging(Path(out_dir), [i.name for i in pending.values()])
        raise
    finally:
        if started_here:
            with contextlib.suppress(BaseException):  # a second signal must not leave Ray's agents running
                ray.shutdown()
