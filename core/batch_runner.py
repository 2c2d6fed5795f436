"""Run a catalogue: skip what is done, render the rest on the local pool or on Ray, keep batch-report.json true.

Split from core.batch so the engines (core.batch's pool, core.batch_ray) depend on the item code and this
module on both, without an import cycle.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.batch import (
    REPORT_NAME,
    BatchItem,
    BatchOptions,
    failed_result,
    item_outputs,
    load_item_product,
    outputs_complete,
    run_local,
    write_atomic,
)
from core.errors import InputError, SyncNarratorError
from core.user_files import utf8_text


@dataclass
class BatchReport:
    """batch-report.json: the finished items in catalogue order, rewritten atomically after each one."""

    path: Path
    items: Sequence[BatchItem]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record(self, item: BatchItem, entry: dict[str, Any]) -> None:
        self.entries[item.name] = entry
        self.write()

    def write(self) -> None:
        rows = [self.entries[i.name] for i in self.items if i.name in self.entries]
        text = json.dumps({"items": rows}, ensure_ascii=False, indent=1)
        write_atomic(self.path, utf8_text(text) + "\n")  # a file name that is not UTF-8 must not fail it

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries.values() if e["status"] == status)


@dataclass
class BatchProgress:
    """Counts and an ETA for the progress line (items rendered per second of wall time so far)."""

    total: int
    started: float = field(default_factory=time.monotonic)
    finished: int = 0
    rendered: int = 0
    failed: int = 0
    skipped: int = 0

    def eta_seconds(self, remaining: int) -> float | None:
        if self.rendered == 0:
            return None
        return (time.monotonic() - self.started) / self.rendered * remaining

    def line(self, remaining: int) -> str:
        eta = self.eta_seconds(remaining)
        eta_text = "--" if eta is None else _duration(eta)
        return (
            f"batch: {self.finished}/{self.total} items ({self.failed} failed, {self.skipped} skipped), "
            f"ETA {eta_text}"
        )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


def item_entry(item: BatchItem, out_dir: Path, result: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": item.name, "video": str(item.video), "status": result["status"]}
    if result["status"] == "failed":
        entry["error"] = result.get("error", "failed")
    else:
        entry["output"] = str(item_outputs(out_dir.resolve(), item.name).video)
    if "seconds" in result:
        entry["seconds"] = result["seconds"]
    return entry


def run_batch(
    items: Sequence[BatchItem],
    out_dir: Path,
    options: BatchOptions,
    *,
    engine: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> BatchReport:
    """Skip the items already done, render the rest on `engine`, record each as it finishes.

    Ctrl-C (KeyboardInterrupt, or the CLI's SIGTERM exception) cancels the running items, waits for them to
    clean up and propagates; the report then lists exactly the items that finished."""
    from core.leftovers import sweep

    out_dir = Path(out_dir)
    sweep(out_dir)  # staging folders of a batch that was killed outright (kill -9, power loss)
    report = BatchReport(out_dir / REPORT_NAME, items)
    progress = BatchProgress(total=len(items))
    todo: list[BatchItem] = []

    def finish(item: BatchItem, result: Mapping[str, Any]) -> None:
        entry = item_entry(item, out_dir, result)
        report.record(item, entry)
        progress.finished += 1
        if result["status"] == "skipped":
            progress.skipped += 1
        elif "seconds" in result:  # rendered (or tried) on the engine: what the ETA is based on
            progress.rendered += 1
        if result["status"] == "failed":
            progress.failed += 1
            log(f"batch: {item.name}: failed: {entry['error']}")
        for warning in result.get("warnings", ()):
            log(f"warning: {item.name}: {' '.join(str(warning).split())}")
        log(progress.line(len(items) - progress.finished))

    for item in items:
        if outputs_complete(item, item_outputs(out_dir, item.name), options) is None:
            finish(item, {"status": "skipped"})
            continue
        try:
            load_item_product(item)
            if not item.video.is_file():
                raise InputError(f"{item.video}: no such video file")
        except SyncNarratorError as exc:
            finish(item, failed_result(str(exc)))
            continue
        todo.append(item)
    report.write()
    if not todo:
        log(progress.line(0))
        return report
    count = max(1, workers or os.cpu_count() or 1)
    log(
        f"batch: {len(todo)} of {len(items)} items to render on {engine} "
        f"({'Ray at ' + ray_address if ray_address else _plural(min(count, len(todo)), 'worker')})"
    )
    progress.started = time.monotonic()
    if engine == "ray":
        from core.batch_ray import run_on_ray

        run_on_ray(
            todo,
            out_dir,
            options,
            workers=count,
            address=ray_address,
            on_result=finish,
            max_in_flight=workers,
        )
    elif engine == "local":
        run_local(todo, out_dir, options, workers=count, on_result=finish)
    else:
        raise InputError(f"--engine {engine}: choose local or ray")
    return report
