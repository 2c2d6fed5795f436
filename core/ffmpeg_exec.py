"""Locate and run the ffmpeg binary that imageio-ffmpeg ships (or the one bundled in the frozen app).

Every call passes an argument list (never a shell), has a timeout, and can be cancelled. Every helper
process is started with `child_process_options()`: on Linux the kernel kills it when this process dies,
even by `kill -9` (PR_SET_PDEATHSIG), so no orphan ffmpeg keeps encoding.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import Cancelled, ExportError
from core.jobs import CancelToken

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
    override = os.environ.get("SYNCNARRATOR_FFMPEG")
    if override:
        return override
    if getattr(sys, "frozen", False):
        base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
        for name in ("ffmpeg.exe", "ffmpeg"):
            candidate = base / "ffmpeg" / name
            if candidate.exists():
                return str(candidate)
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout: float = 600.0,
    cancel: CancelToken | None = None,
    on_stderr_line: Callable[[str], None] | None = None,
    stdout_to: int | None = subprocess.DEVNULL,
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with `args` (without the program name); kill it on cancel or timeout.

    Returns the completed process with the last 40 stderr lines in `.stderr`. Raises
    :class:`Cancelled` when cancelled and :class:`ExportError` on timeout.
    """
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", *args]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=stdout_to, stderr=subprocess.PIPE, **child_process_options()
    )
    tail: deque[str] = deque(maxlen=40)

    def pump() -> None:
        assert proc.stderr is not None
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            tail.append(line)
            if on_stderr_line is not None:
                on_stderr_line(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    waited = 0.0
    try:
        while True:
            try:
                proc.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                waited += 0.05
                if cancel is not None and cancel.cancelled:
                    proc.kill()
                    proc.wait()
                    raise Cancelled("cancelled") from None
                if waited > timeout:
                    proc.kill()
                    proc.wait()
                    raise ExportError(f"ffmpeg did not finish within {timeout:.0f} s") from None
    finally:
        if proc.poll() is None:  # an unexpected exception: never leave ffmpeg running
            proc.kill()
            proc.wait()
        reader.join(timeout=2)
        if proc.stderr is not None:
            proc.stderr.close()
    return subprocess.CompletedProcess(cmd, proc.returncode, b"", "\n".join(tail).encode())
