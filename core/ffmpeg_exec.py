"""Locate and run the ffmpeg binary that imageio-ffmpeg ships (or the one bundled in the frozen app).

Every call passes an argument list (never a shell), has a timeout, and can be cancelled. Every helper
process is started with `child_process_options()`: on Linux the kernel kills it when this process dies,
even by `kill -9` (PR_SET_PDEATHSIG), so no orphan ffmpeg keeps encoding.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import IO, Any

from core.errors import Cancelled, ExportError
from core.jobs import CancelToken
from core.platform import bundle_dir, env, resources_dir

_PR_SET_PDEATHSIG = 1


def _death_signal_setter() -> Callable[[], None] | None:
    """A preexec function for Linux children: die (SIGKILL) with the parent. Everything it needs (libc's
    prctl, the parent's pid) is looked up here, before fork, so the child runs two C calls and nothing
    else (no imports, no allocation that could take a lock another thread held at fork time)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        prctl.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    kill = int(signal.SIGKILL)

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0)

    return set_death_signal


def child_process_options() -> dict[str, Any]:
    """Popen/run keyword arguments for a helper process (ffmpeg, espeak-ng) that must not outlive us.

    Linux: PR_SET_PDEATHSIG (SIGKILL when the parent dies; if the parent already died between fork and
    prctl, the child sees a new parent and exits at once). Elsewhere the child gets no extra tie; a
    killed run's leftovers are swept by `core.leftovers.sweep` on the next start."""
    setter = _DEATH_SIGNAL
    if setter is None:
        return {}
    parent = os.getpid()

    def preexec() -> None:
        setter()
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(137)

    return {"preexec_fn": preexec}


_DEATH_SIGNAL = _death_signal_setter()


def die_with_parent(parent_pid: int) -> bool:
    """Call first thing in a helper *process* (a worker's initializer): on Linux the kernel kills it when
    its parent dies, even by kill -9. Caveat of PR_SET_PDEATHSIG: "parent" is the thread that started
    the process, so start such helpers from a thread that lives as long as they do (the main thread).
    Exits at once if the parent (`parent_pid`, passed from the parent) is already gone. Returns whether
    the tie was made (False off Linux: use a watchdog such as gui.process_host's)."""
    if _DEATH_SIGNAL is None:
        return False
    _DEATH_SIGNAL()
    if os.getppid() != parent_pid:
        os._exit(137)
    return True


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

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_environment() -> dict[str, str]:
    """The environment ffmpeg runs in: ours, with glibc's charset modules (gconv) blocked on Linux.

    Why: the bundled ffmpeg is a static build. Its MPEG-TS demuxer converts the service name from
    ISO 6937 (or another DVB charset) with iconv, and a static glibc's iconv dlopens the *system's*
    gconv module, which loads the system libc into the static process: a segfault on every
    .ts/.m2ts/.mts file. GCONV_PATH names resources/gconv first: its gconv-modules maps those
    charsets to a module that cannot load (its entries win over the system's, read after it, and
    setting GCONV_PATH also bypasses the system's gconv cache), so iconv_open fails and ffmpeg keeps
    the name's bytes. Nothing we read from ffmpeg depends on that conversion.
    """
    child = dict(os.environ)
    if sys.platform.startswith("linux"):
        blocked = resources_dir() / "gconv"
        child["GCONV_PATH"] = str(blocked) if (blocked / "gconv-modules").is_file() else os.devnull
    return child


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
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=ffmpeg_environment(),
        **child_process_options(),
    )
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
