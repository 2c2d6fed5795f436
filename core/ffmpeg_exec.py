"""Locate and run the ffmpeg binary that imageio-ffmpeg ships (or the one bundled in the frozen app).

Every call passes an argument list (never a shell), has a timeout, and can be cancelled.
"""

from __future__ import annotations

import subprocess
import threading
from collections import deque
from collections.abc import Callable, Sequence
from functools import lru_cache

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
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout_to, stderr=subprocess.PIPE)
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
