"""Locate and run the ffmpeg binary that imageio-ffmpeg ships (or the one bundled in the frozen app).

Every call passes an argument list (never a shell), has a timeout, and can be cancelled.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import IO

from core.errors import Cancelled, ExportError
from core.jobs import CancelToken
from core.platform import bundle_dir, env


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    """Path of the ffmpeg executable: $SYNCNARRATOR_FFMPEG, the frozen bundle, or imageio-ffmpeg's."""
    override = env("SYNCNARRATOR_FFMPEG")
    if override:
        return override
    base = bundle_dir()
    if base is not None:
        for name in ("ffmpeg.exe", "ffmpeg"):
            candidate = base / "ffmpeg" / name
            if candidate.exists():
                return str(candidate)
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


class FfmpegProcess:
    """A running ffmpeg child (see `ffmpeg_stream`): read `.stdout` for piped output."""

    def __init__(self, proc: subprocess.Popen[bytes], tail: deque[str]) -> None:
        self.proc = proc
        self.stdout: IO[bytes] | None = proc.stdout
        self.tail = tail  # the last stderr lines
        self.cancelled = False
        self.timed_out = False

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def read(self, size: int) -> bytes:
        """Up to `size` bytes of stdout (fewer at the end); b'' once ffmpeg was killed or finished."""
        assert self.stdout is not None, "ffmpeg_stream(..., stdout=subprocess.PIPE) to read"
        return self.stdout.read(size)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if still running after `timeout` seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr_text(self) -> str:
        return "\n".join(self.tail)


@contextmanager
def ffmpeg_stream(
    args: Sequence[str],
    *,
    timeout: float,
    cancel: CancelToken | None = None,
    on_stderr_line: Callable[[str], None] | None = None,
    stdout: int | None = subprocess.PIPE,
    timeout_error: Callable[[float], BaseException] | None = None,
    tail_lines: int | None = 40,
) -> Iterator[FfmpegProcess]:
    """Run ffmpeg (`args` without the program name) while the caller reads its output.

    The one place the app starts ffmpeg: an argument list (no shell), stdin closed, stderr pumped by a
    thread (into `.tail` and `on_stderr_line`), and a watcher that kills the child on cancel or after
    `timeout` seconds even while the caller is blocked in a read. When the block ends ffmpeg is killed
    if still running and reaped, the threads joined and the pipes closed; then `Cancelled` is raised if
    it was cancelled, and `timeout_error(timeout)` (default: ExportError) if it ran out of time.
    """
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", *args]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE)
    run = FfmpegProcess(proc, deque(maxlen=tail_lines))
    stop = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            run.tail.append(line)
            if on_stderr_line is not None:
                on_stderr_line(line)

    def watch() -> None:  # a blocked read cannot poll the token, so the watcher kills the child
        started = time.monotonic()
        while not stop.wait(0.05):
            if cancel is not None and cancel.cancelled:
                run.cancelled = True
            elif time.monotonic() - started > timeout:
                run.timed_out = True
            else:
                continue
            with contextlib.suppress(OSError):
                proc.kill()
            return

    threads = [threading.Thread(target=pump, daemon=True), threading.Thread(target=watch, daemon=True)]
    for t in threads:
        t.start()
    try:
        yield run
    finally:
        stop.set()
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
        proc.wait()
        for t in threads:
            t.join(timeout=2)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    if run.cancelled:
        raise Cancelled("cancelled")
    if run.timed_out:
        raise (timeout_error or _export_timeout)(timeout)


def _export_timeout(timeout: float) -> BaseException:
    return ExportError(f"ffmpeg did not finish within {timeout:.0f} s")


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout: float = 600.0,
    cancel: CancelToken | None = None,
    on_stderr_line: Callable[[str], None] | None = None,
    stdout_to: int | None = subprocess.DEVNULL,
    timeout_error: Callable[[float], BaseException] | None = None,
    tail_lines: int | None = 40,
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with `args` (without the program name) to the end; kill it on cancel or timeout.

    Returns the completed process with the last `tail_lines` stderr lines (None: all) in `.stderr`
    and, with `stdout_to=subprocess.PIPE`, all of stdout in `.stdout`. Raises :class:`Cancelled`
    when cancelled and `timeout_error(timeout)` (default :class:`ExportError`) on timeout.
    """
    out = b""
    with ffmpeg_stream(
        args,
        timeout=timeout,
        cancel=cancel,
        on_stderr_line=on_stderr_line,
        stdout=stdout_to,
        timeout_error=timeout_error,
        tail_lines=tail_lines,
    ) as run:
        if run.stdout is not None:
            out = run.stdout.read()  # to EOF; the watcher still kills ffmpeg on cancel or timeout
        while run.wait(0.05) is None:
            pass
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", *args]
    return subprocess.CompletedProcess(cmd, run.returncode or 0, out, run.stderr_text().encode())
