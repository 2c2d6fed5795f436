"""Render a catalogue of ads unattended: every item is exactly a `render` (core.pipeline.render_video).

A catalogue is JSON Lines (or CSV with the same columns): `video`, `product` (a PRODUCT.json path or an inline
`{"name", "attributes"}` object), optional `name` (the output stem, default: the video's stem). Relative paths
are relative to the catalogue file. Each item writes DIR/NAME.mp4, .srt, .narr.json and .report.json; they are
rendered into a hidden staging folder inside DIR (named like the export's partial files, so a killed run's
are swept by the next) and moved to their final names only when the whole item
succeeded (the MP4 last), so a cancelled or killed batch never leaves half-written outputs under final names.
DIR/batch-report.json is rewritten atomically each time an item finishes.

Engines: a local process pool here (spawned workers that share one cancel event) or Ray tasks
(`core.batch_ray`, imported only for `--engine ray`). Both run `render_item` on each item and hand back a
plain dict; `core.batch_runner.run_batch` skips what is done, picks the engine and keeps the report.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core import defaults
from core.errors import Cancelled, InputError, SyncNarratorError
from core.jobs import CancelToken
from core.leftovers import temp_prefix
from core.output_guard import same_file
from core.parsing import parse_json
from core.project import Product, check_storable_video
from core.user_files import give_replacement_mode, read_user_text, utf8_text

REPORT_NAME = "batch-report.json"
STAGING_SUFFIX = ".partial"  # staging folders: .NAME.PID-XXXX.partial (core.leftovers sweeps dead runs')
COLUMNS = ("video", "product", "name")
_BAD_NAME_CHARS = set('/\\:*?"<>|\x00')


@dataclass(frozen=True)
class BatchItem:
    """One catalogue line, paths resolved against the catalogue's folder."""

    name: str
    video: Path
    product_path: Path | None = None  # the product given as a file
    product_inline: Mapping[str, Any] | None = None  # or inline
    line: int = 0

    @property
    def inputs(self) -> list[Path]:
        return [p for p in (self.video, self.product_path) if p is not None]


@dataclass(frozen=True)
class BatchOptions:
    """What every item is rendered with (the `render` options a batch exposes)."""

    voice: str | None = None
    burn_subtitles: bool = False
    narrator: str = defaults.NARRATOR_KIND
    model_dir: str | None = None


@dataclass(frozen=True)
class ItemOutputs:
    video: Path
    srt: Path
    project: Path
    report: Path

    def all(self) -> list[Path]:
        return [self.video, self.srt, self.project, self.report]


def item_outputs(out_dir: Path, name: str) -> ItemOutputs:
    return ItemOutputs(
        video=out_dir / f"{name}.mp4",
        srt=out_dir / f"{name}.srt",
        project=out_dir / f"{name}.narr.json",
        report=out_dir / f"{name}.report.json",
    )


# ---------------------------------------------------------------------------------------------
# reading the catalogue


def read_catalogue(path: Path | str) -> list[BatchItem]:
    """Parse a JSONL or CSV catalogue (CSV when the file name ends in .csv). Anything that makes the
    catalogue itself unusable (unreadable, malformed line, missing column, bad or duplicate name) is one
    InputError line naming the file and line; a missing video or a bad product is the item's own failure."""
    path = Path(path)
    text = read_user_text(path, "catalogue")
    if text.startswith("\ufeff"):  # spreadsheets save CSV with a byte-order mark
        text = text[1:]
    rows = _csv_rows(path, text) if path.suffix.lower() == ".csv" else _jsonl_rows(path, text)
    if not rows:
        raise InputError(f"{path}: the catalogue has no items")
    base = path.resolve().parent
    items: list[BatchItem] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        item = _item(path, base, line, row)
        key = item.name.casefold()  # NAME.mp4 and name.mp4 are one file on case-insensitive disks
        if key in seen:
            raise InputError(
                f"{path}: line {line}: duplicate output name {item.name!r} (also on line {seen[key]}); "
                "give each item its own 'name'"
            )
        seen[key] = line
        items.append(item)
    return items


def _jsonl_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        data = parse_json(
            raw, f"{path}: line {number}", what="catalogue line", bad_json="not valid JSON ({msg})"
        )
        if not isinstance(data, dict):
            raise InputError(f"{path}: line {number}: expected an object with 'video' and 'product'")
        rows.append((number, data))
    return rows


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        if "video" not in header or "product" not in header:
            raise InputError(f"{path}: line 1: the CSV header needs the columns video, product (and name)")
        reader.fieldnames = header
        rows = []
        for row in reader:
            values = {k: (v or "").strip() for k, v in row.items() if k is not None and k in COLUMNS}
            if None in row:
                raise InputError(f"{path}: line {reader.line_num}: more fields than the header has")
            if not any(values.values()):
                continue
            data: dict[str, Any] = {"video": values.get("video", "")}
            product = values.get("product", "")
            if product.startswith("{"):  # an inline product object in a cell
                data["product"] = parse_json(
                    product,
                    f"{path}: line {reader.line_num}: the product cell",
                    what="product cell",
                    bad_json="not valid JSON ({msg})",
                )
            else:
                data["product"] = product
            if values.get("name"):
                data["name"] = values["name"]
            rows.append((reader.line_num, data))
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None
    return rows


def _item(path: Path, base: Path, line: int, row: Mapping[str, Any]) -> BatchItem:
    where = f"{path}: line {line}"
    video = row.get("video")
    if not isinstance(video, str) or not video.strip() or "\x00" in video:
        raise InputError(f"{where}: 'video' must be a file path")
    video_path = _resolve(base, video.strip())
    product = row.get("product")
    product_path: Path | None = None
    product_inline: Mapping[str, Any] | None = None
    if isinstance(product, str) and product.strip() and "\x00" not in product:
        product_path = _resolve(base, product.strip())
    elif isinstance(product, dict):
        product_inline = product
    else:
        raise InputError(f"{where}: 'product' must be a PRODUCT.json path or an object with name/attributes")
    name = row.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        name = video_path.stem
    if not isinstance(name, str):
        raise InputError(f"{where}: 'name' must be text (the output file name without extension)")
    name = name.strip()
    if name in (".", "..") or name.startswith(".") or any(c in _BAD_NAME_CHARS or ord(c) < 32 for c in name):
        raise InputError(
            f"{where}: 'name' {name!r} is not a plain file name (no folders, no leading dot, no / \\ : * ? \" < > |)"
        )
    return BatchItem(name, video_path, product_path, product_inline, line)


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return Path(os.path.normpath(p if p.is_absolute() else base / p))


def load_item_product(item: BatchItem) -> Product:
    """The item's product; a bad product file is an InputError naming it (the item fails, not the batch)."""
    from core.pipeline import load_product

    if item.product_path is not None:
        return load_product(item.product_path)
    try:
        return Product.from_json(item.product_inline, where=f"line {item.line}: product")
    except SyncNarratorError as exc:
        raise InputError(str(exc)) from None


# ---------------------------------------------------------------------------------------------
# is an item already done?


def outputs_complete(item: BatchItem, outputs: ItemOutputs, options: BatchOptions) -> str | None:
    """None when the item's outputs are all there and sound (verified, not just present), else why not.

    Sound: the project loads, names this item's video, product, voice and burn-in; the report is a JSON object;
    the MP4 probes with audio and the project's duration; nothing is older than the source video."""
    from core.media import probe
    from core.project import load_project

    for p in outputs.all() if export_writes_report() else outputs.all()[:3]:
        if not p.is_file():
            return f"{p.name} is missing"
    try:
        project = load_project(outputs.project)
        report = json.loads(outputs.report.read_text(encoding="utf-8")) if export_writes_report() else {}
        info = probe(outputs.video)
        outputs.srt.read_text(encoding="utf-8")
        product = load_item_product(item)
    except (SyncNarratorError, OSError, ValueError) as exc:
        return f"an output does not read back ({exc})"
    if not isinstance(report, dict):
        return f"{outputs.report.name} is not a report"
    if project.video is None or not same_file(Path(project.video), item.video):
        return f"{outputs.project.name} belongs to another video"
    if project.product != product:
        return "the product changed"
    if project.speech.voice != options.voice:
        return "the voice changed"
    if project.export.burn_subtitles != options.burn_subtitles:
        return "--burn-subtitles changed"
    if project.media is None or not project.clips:
        return f"{outputs.project.name} has no clips"
    frame_ms = 1000 / float(project.media.fps) if project.media.fps else 40
    if abs(info.duration_ms - project.media.duration_ms) > max(100, 2 * frame_ms) or not info.has_audio:
        return f"{outputs.video.name} does not match its project"
    try:
        if item.video.stat().st_mtime > outputs.video.stat().st_mtime:
            return "the video is newer than the output"
    except OSError as exc:
        return f"cannot read the video ({exc.strerror or exc})"
    return None


def export_writes_report() -> bool:
    """Whether this build's export writes OUT.report.json (ExportResult.report_path)."""
    from core.export import ExportResult

    return "report_path" in getattr(ExportResult, "__dataclass_fields__", {})


# ---------------------------------------------------------------------------------------------
# one item (runs in a worker process: a pool worker or a Ray task)

_narrators: dict[tuple[str, str | None], Any] = {}


def _narrator(options: BatchOptions) -> Any:
    """One narrator per worker process: the LLM loads once, not once per item."""
    from core.narration.registry import create_narrator

    key = (options.narrator, options.model_dir)
    if key not in _narrators:
        if options.narrator == "llm":
            narrator = create_narrator("llm", model_dir=options.model_dir)
            getattr(narrator, "load", lambda: None)()  # the LLM narrator loads its model once, here
        else:
            narrator = create_narrator(options.narrator)
        _narrators[key] = narrator
    return _narrators[key]


def render_item(
    item: BatchItem, out_dir: Path, options: BatchOptions, cancel: CancelToken | None = None
) -> dict[str, Any]:
    """Render one item into a staging folder, then move its files to their final names.

    Returns {"status": "done" | "failed" | "cancelled", "error"?, "seconds", "warnings"}; never raises for
    the item's own problems, so one bad item never stops the batch."""
    from core.pipeline import RenderOptions, render_video
    from core.project import project_to_json

    started = time.monotonic()
    out_dir = Path(out_dir)
    final = item_outputs(out_dir, item.name)
    staging: Path | None = None
    try:
        product = load_item_product(item)
        if not item.video.is_file():
            raise InputError(f"{item.video}: no such video file")
        check_storable_video(item.video, final.project)  # every item writes its project
        staging = Path(
            tempfile.mkdtemp(prefix=f".{item.name}.{os.getpid()}-", suffix=STAGING_SUFFIX, dir=out_dir)
        )
        staged = item_outputs(staging, item.name)
        result = render_video(
            item.video,
            product,
            staged.video,
            options=RenderOptions(
                voice=options.voice,
                burn_subtitles=options.burn_subtitles,
                srt=staged.srt,
                narrator=options.narrator,
            ),
            narrator=_narrator(options),
            cancel=cancel,
        )
        if cancel is not None:
            cancel.raise_if_cancelled()
        # the project remembers the burn-in, so `export` of it (and the rerun check) match this render
        project = replace(
            result.project, export=replace(result.project.export, burn_subtitles=options.burn_subtitles)
        )
        write_atomic(
            staged.project, json.dumps(project_to_json(project, final.project), ensure_ascii=False, indent=1)
        )
        report_path = getattr(result.export, "report_path", None)
        if export_writes_report():
            # the export writes OUT.report.json; it names the staged files, so point it at the final ones
            if report_path is None or not Path(report_path).is_file():
                raise SyncNarratorError(f"{final.video}: the export wrote no report")
            report = json.loads(Path(report_path).read_text(encoding="utf-8"))
            report = _restage(report, staging, out_dir)
            write_atomic(staged.report, json.dumps(report, ensure_ascii=False, indent=1))
        if not staged.srt.exists():  # a video too short for any line still gets its (empty) subtitles
            write_atomic(staged.srt, "")
        if cancel is not None:
            cancel.raise_if_cancelled()
        moves = [(staged.report, final.report), (staged.srt, final.srt), (staged.project, final.project)]
        for src, dst in [*moves, (staged.video, final.video)]:  # the MP4 last: it marks the item done
            if src.exists():
                os.replace(src, dst)
        return {
            "status": "done",
            "seconds": round(time.monotonic() - started, 2),
            "warnings": list(result.warnings),
        }
    except (Cancelled, KeyboardInterrupt):
        return {"status": "cancelled", "seconds": round(time.monotonic() - started, 2), "warnings": []}
    except SyncNarratorError as exc:
        return failed_result(str(exc), started)
    except OSError as exc:
        return failed_result(f"{final.video}: cannot write ({exc.strerror or exc})", started)
    except Exception as exc:  # an internal error in one item must not stop the batch
        return failed_result(f"internal error: {type(exc).__name__}: {exc}", started)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def failed_result(message: str, started: float | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"status": "failed", "error": " ".join(message.split()), "warnings": []}
    if started is not None:  # one line, always; seconds only when the item was actually rendered
        result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _restage(value: Any, staging: Path, out_dir: Path) -> Any:
    """Replace the staging folder in every path of the export report by the output folder."""
    if isinstance(value, dict):
        return {k: _restage(v, staging, out_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [_restage(v, staging, out_dir) for v in value]
    if isinstance(value, str):
        pairs = ((str(staging.resolve()), str(out_dir.resolve())), (str(staging), str(out_dir)))
        for old, new in ((utf8_text(a), utf8_text(b)) for a, b in pairs):  # as the report spells names
            if old in value:
                value = value.replace(old, new)
    return value


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        give_replacement_mode(tmp, path)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_staging(out_dir: Path, names: Iterable[str]) -> None:
    """Remove staging folders left by workers that were stopped hard (a second Ctrl-C, a lost node)."""
    for name in names:
        for leftover in out_dir.glob(f".{name}.*{STAGING_SUFFIX}"):
            shutil.rmtree(leftover, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# local engine: a pool of spawned processes sharing one cancel event

OnResult = Callable[[BatchItem, Mapping[str, Any]], None]
CANCEL_GRACE_S = 60.0  # running items stop at their next cancel check; ffmpeg is killed within 0.1 s
_worker_stop: Any = None


class _EventToken(CancelToken):
    """A CancelToken over a multiprocessing Event, so the parent cancels every worker's render at once."""

    def __init__(self, event: Any) -> None:  # the event has set/is_set/wait like threading.Event
        self._event = event


# Signals that end a batch (Ctrl-C, kill/timeout, a closed terminal): the parent's to handle. It sets the
# shared `stop` event; a worker that died of one instead would break the pool mid-item.
_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


def _init_worker(stop: Any, threads: int, parent_pid: int) -> None:
    from core.errors import log_warnings_to_stderr
    from core.ffmpeg_exec import die_with_parent
    from core.speech import kokoro

    global _worker_stop
    die_with_parent(parent_pid)  # kill -9 of the batch takes this worker (and its ffmpeg) along
    _worker_stop = stop
    for signum in _STOP_SIGNALS:  # a signal to the whole group (Ctrl-C, `timeout`) is the parent's
        signal.signal(signum, signal.SIG_IGN)
    log_warnings_to_stderr()
    kokoro.SESSION_THREADS = threads  # this worker's share of the cores for the neural voice


def _start_quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (it removes the pool's semaphores once every process of
    the batch is gone) without its warnings: after a `kill -9` it cleans up silently instead of printing
    "leaked semaphore objects" on the terminal after the program died. It takes the interpreter's -W flags."""
    import sys
    from multiprocessing import resource_tracker

    quiet = "ignore::UserWarning"
    sys.warnoptions.append(quiet)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(quiet)


@contextlib.contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Block the stop signals in this thread while it starts helper processes (pool workers, the resource
    tracker): they start with the signals blocked, so a signal to the process group in their first second
    cannot kill them before they ignore it. A signal that arrives meanwhile is delivered on unblocking."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _pool_task(item: BatchItem, out_dir: Path, options: BatchOptions) -> dict[str, Any]:
    token = _EventToken(_worker_stop) if _worker_stop is not None else None
    result = render_item(item, out_dir, options, cancel=token)
    if token is not None and token.cancelled and result["status"] != "done":
        result = {**result, "status": "cancelled"}  # ffmpeg killed by the same Ctrl-C is not a failure
    return result


def run_local(
    items: Sequence[BatchItem],
    out_dir: Path,
    options: BatchOptions,
    *,
    workers: int,
    on_result: OnResult,
    task: Callable[[BatchItem, Path, BatchOptions], dict[str, Any]] | None = None,
) -> None:
    """Render `items` on a process pool. A worker that dies (killed, out of memory, a crash in a decoder)
    breaks the pool and every item it still held; those are tried again one at a time, each in its own
    process, so only the item that kills its worker again is reported failed. `task` (picklable) replaces
    the render in tests."""
    import multiprocessing
    ctx = multiprocessing.get_context("spawn")
    with _stop_signals_blocked():  # the tracker outlives a SIGHUP to the group (it ignores SIGINT/SIGTERM)
        _start_quiet_resource_tracker()
        stop = ctx.Event()
    run = task or _pool_task
    broken = _run_pool(ctx, stop, run, items, out_dir, options, workers, on_result)
    for item in broken:
        if _run_pool(ctx, stop, run, [item], out_dir, options, 1, on_result):
            on_result(item, failed_result("the worker process stopped unexpectedly while rendering it"))


def _run_pool(
    ctx: Any,
    stop: Any,
    task: Callable[[BatchItem, Path, BatchOptions], dict[str, Any]],
    items: Sequence[BatchItem],
    out_dir: Path,
    options: BatchOptions,
    workers: int,
    on_result: OnResult,
) -> list[BatchItem]:
    """One pool over `items`; returns the items lost to a broken pool (their results were not reported)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    threads = max(1, (os.cpu_count() or 1) // max(1, min(workers, len(items))))
    executor = ProcessPoolExecutor(
        max_workers=min(workers, len(items)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(stop, threads, os.getpid()),
    )
    futures: dict[Any, BatchItem] = {}
    broken: list[BatchItem] = []
    reported: set[Any] = set()
    try:
        # workers are started by submit(), from this (the main) thread: the parent-death tie is to this
        # thread; a signal that arrives meanwhile is raised when they are unblocked, inside this `try`
        with _stop_signals_blocked():
            for item in items:
                futures[executor.submit(task, item, out_dir, options)] = item
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                item = futures[future]
                reported.add(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken.append(item)
                    continue
                except Exception as exc:
                    result = failed_result(f"internal error: {type(exc).__name__}: {exc}")
                on_result(item, result)
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()  # queued items never start
        _wait_for_cleanup(executor, futures)
        # items that finished while the others stopped are done (their outputs are in place): say so
        for future, item in futures.items():
            if future not in reported and future.done() and not future.cancelled():
                with contextlib.suppress(BaseException):
                    result = future.result()
                    if result.get("status") == "done":
                        on_result(item, result)
        remove_staging(out_dir, [i.name for i in items])
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        if broken:  # the dead worker's staging folder is left behind (its process is gone now)
            from core.leftovers import sweep

            sweep(out_dir)
    return [i for i in items if i in broken]


def _wait_for_cleanup(executor: Any, futures: Iterable[Any]) -> None:
    """Give the running items CANCEL_GRACE_S to stop and remove their staging; kill them after (or at a
    second Ctrl-C)."""
    from concurrent.futures import wait

    try:
        stuck = bool(wait(list(futures), timeout=CANCEL_GRACE_S).not_done)
    except KeyboardInterrupt:
        stuck = True
    if stuck:
        import threading

        # killing workers breaks the pool; Python 3.11's pool then sets an exception on the futures
        # cancelled above and its manager thread dies of InvalidStateError: nothing to report, so quiet
        previous = threading.excepthook

        def quiet(args: Any) -> None:
            if args.exc_type is not None and args.exc_type.__name__ == "InvalidStateError":
                return
            previous(args)

        threading.excepthook = quiet
        for process in list(getattr(executor, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                process.kill()
