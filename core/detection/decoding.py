"""Frame readers: ffmpeg decodes to small raw pictures on stdout, the frame times come from its stderr.

Why here, apart from the detectors: detection, thumbnails and the timeline's filmstrip all read video
this way. Frame times are the decoder's PTS (showinfo under -copyts, minus the file's start: `PtsClock`),
never a frame count times a nominal rate, so variable-frame-rate footage and late-starting streams keep
exact times. Both readers run ffmpeg through one `_RawFrames` (kill on cancel, timeout or an early stop;
the last error lines for the message).
"""

from __future__ import annotations

import re
import signal
import threading
from collections import deque
from collections.abc import Callable, Generator
from contextlib import closing
from fractions import Fraction
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.ffmpeg_exec import ffmpeg_stream
from core.jobs import CancelToken
from core.media import MediaInfo, ffmpeg_input, probe

ANALYSIS_WIDTH = 64
"""Thumbnail width for detection; cuts and blends are visible at this size and noise is averaged."""

MAX_ANALYSIS_FPS = Fraction(60)
PRESCALE = 4

# Signals a crashing ffmpeg dies of (POSIX return codes are -signal; Windows has no SIGBUS)
CRASH_SIGNALS = {
    int(sig)
    for name in ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE")
    if (sig := getattr(signal, name, None)) is not None
}

_PTS_RE = re.compile(r"\bn:\s*\d+\s+pts:\s*(-?\d+)\s+pts_time:")
_TB_RE = re.compile(r"config in time_base: (\d+)/(\d+)")
_START_RE = re.compile(r"^\s*Duration: .*?, start: (-?\d+(?:\.\d+)?)")


class PtsClock:
    """Turns ffmpeg's stderr (run with -copyts) into frame times in ms on the file's timeline.

    The input header gives the file's start ("Duration: ..., start: 1.400000"), showinfo's config
    line the time base, and each showinfo frame line its PTS in ticks: time = PTS * tb - start, the
    same time ffmpeg shows without -copyts (and the origin `-ss` seeks from).
    """

    def __init__(self) -> None:
        self.start = Fraction(0)
        self.tb: Fraction | None = None

    def feed(self, line: str) -> int | None:
        """The frame time in ms if `line` is a showinfo frame line, else None (header lines are noted)."""
        m = _PTS_RE.search(line)
        if m and self.tb is not None:
            return round((int(m.group(1)) * self.tb - self.start) * 1000)
        m = _TB_RE.search(line)
        if m and int(m.group(2)) > 0 and self.tb is None:
            self.tb = Fraction(int(m.group(1)), int(m.group(2)))
            return None
        m = _START_RE.search(line)
        if m:
            self.start = Fraction(m.group(1))
        return None


class _RawFrames:
    """One ffmpeg run writing `frame_bytes`-sized raw pictures to stdout, its stderr read as it comes.

    `timed`: stderr carries showinfo lines, whose frame times are appended to `times` (the caller's list,
    read while decoding for progress) and the lines naming an error kept; otherwise every stderr line is
    an error line (ffmpeg runs at -loglevel error).
    """

    def __init__(self, cmd: list[str], frame_bytes: int, *, timed: bool, times: list[int] | None = None):
        self.cmd = cmd
        self.frame_bytes = frame_bytes
        self.timed = timed
        self.times: list[int] = times if times is not None else []
        self.errors: deque[str] = deque(maxlen=5)
        self.returncode: int | None = None
        self._clock = PtsClock()
        self._arrived = threading.Condition()

    def _on_stderr(self, raw: str) -> None:
        line = raw.strip()
        ms = self._clock.feed(line) if self.timed else None
        if ms is None:
            if not self.timed or "error" in line.lower():
                self.errors.append(line)
            return
        with self._arrived:
            self.times.append(ms)
            self._arrived.notify_all()

    def _time_of(self, n: int, cancel: CancelToken | None) -> int | None:
        """Frame n's time: showinfo logs a frame before ffmpeg writes it, but another thread reads stderr."""
        with self._arrived:

            def logged() -> bool:
                return len(self.times) > n or bool(cancel and cancel.cancelled)

            self._arrived.wait_for(logged, timeout=10)
            return self.times[n] if len(self.times) > n else None

    def read(
        self,
        *,
        timeout: float,
        cancel: CancelToken | None,
        timeout_error: Callable[[float], BaseException],
        synced: bool = False,
    ) -> Generator[tuple[int | None, bytes], None, None]:
        """(time or None, picture) per frame; `synced` waits for each frame's time and stops without one.

        Sets `returncode` once ffmpeg has ended (not when the consumer stops early: ffmpeg is killed).
        """
        size = self.frame_bytes
        count = 0
        # core.ffmpeg_exec.ffmpeg_stream kills ffmpeg on cancel/timeout even in a blocked read, and when the
        # consumer stops early; it raises Cancelled or timeout_error() after the block.
        with ffmpeg_stream(
            self.cmd,
            timeout=timeout,
            cancel=cancel,
            on_stderr_line=self._on_stderr,
            timeout_error=timeout_error,
        ) as proc:
            while True:
                buf = proc.read(size)
                if len(buf) < size:
                    break
                ms = self._time_of(count, cancel) if synced else None
                if synced and ms is None:
                    break
                count += 1
                yield ms, buf
            proc.wait(10)
        self.returncode = proc.returncode

    def detail(self) -> str:
        """The last error line ffmpeg wrote, else its exit code: the reason in a one-line message."""
        return self.errors[-1] if self.errors else f"ffmpeg exit code {self.returncode}"


def thumbnail_size(info: MediaInfo, width: int = ANALYSIS_WIDTH) -> tuple[int, int]:
    """(w, h) of a gray thumbnail keeping the displayed aspect ratio; both even, at least 2."""
    dw, dh = max(1, info.display_width), max(1, info.display_height)
    w = max(2, min(width, dw) // 2 * 2)
    h = max(2, round(w * dh / dw / 2) * 2)
    return w, h


def gray_frames(
    path: str | Path,
    *,
    width: int = ANALYSIS_WIDTH,
    info: MediaInfo | None = None,
    fps: Fraction | None = None,
    start_ms: int = 0,
    cancel: CancelToken | None = None,
    fast: bool = True,
    skip_nonref: bool = False,
    times_ms: list[int] | None = None,
    timeout: float | None = None,
    duration_ms: int | None = None,
    seek_exact: bool = True,
    threads: int = 0,
    chroma: bool = False,
) -> Generator[np.ndarray, None, None]:
    """Yield small grayscale frames (uint8, h x w), decoded cheaply by ffmpeg.

    Without `times_ms` (and `skip_nonref`) frames come at a constant rate: frame i shows
    start_ms + i / fps (fps defaults to the video's rate), as thumbnails want. With `times_ms`, frames
    come as the decoder produces them (each frame of a variable-frame-rate video once, none made up)
    and each frame's presentation time is appended to `times_ms`: its PTS in ms on the file's
    timeline (0 = the start ffmpeg reports for the file, the origin of `-ss`), so a stream that starts
    late keeps its offset (`fps` is then unused). `fast` skips the H.264 loop filter and chroma: invisible at thumbnail
    size, much less decoding. `skip_nonref` also skips frames no other frame depends on (typically
    half the B-frames, none in streams without B-frames). `duration_ms` stops after that much video
    from `start_ms`; `seek_exact=False` starts at the keyframe at or before `start_ms` instead of
    dropping the frames before it; `threads` is ffmpeg's decoding thread count (0 = auto). The
    ffmpeg child is killed when the consumer stops, on cancel (within ~0.1 s: raises Cancelled) and
    after `timeout` seconds. Times are complete once the generator is exhausted.
    `chroma` decodes colour too and yields each frame as planar YUV 4:2:0 in one (h * 3 // 2, w)
    array (the h x w luma, then the h/2 x w/2 U and V planes, as ffmpeg writes yuv420p): detection
    needs it for cuts between colours of equal brightness.
    """
    info = info or probe(path)
    rate = fps or info.fps
    if rate <= 0 or rate > MAX_ANALYSIS_FPS:
        rate = Fraction(30)
    w, h = thumbnail_size(info, width)
    passthrough = skip_nonref or times_ms is not None
    level = "info" if passthrough else "error"  # showinfo logs frame times at info level
    cmd = ["-nostats", "-loglevel", level]
    if fast:
        cmd += ["-skip_loop_filter", "all"]
        if not chroma:
            cmd += ["-flags", "gray"]  # no chroma decoding (builds with --enable-gray)
    if skip_nonref:
        cmd += ["-skip_frame", "noref"]
    cmd += ["-threads", str(max(0, threads))]
    if passthrough:
        cmd += ["-copyts"]  # the stream's own PTS; the file's start is subtracted below
    if start_ms > 0:
        cmd += ["-ss", f"{start_ms / 1000:.3f}"]
        if not seek_exact:
            cmd += ["-noaccurate_seek"]
    if duration_ms is not None:
        cmd += ["-t", f"{max(1, duration_ms) / 1000:.3f}"]
    cmd += ["-an", "-sn", "-dn", "-i", ffmpeg_input(path), "-map", "0:v:0"]
    pix = "yuv420p" if chroma else "gray"
    # Full range, as format=gray gives: the luma scale the thresholds were tuned on (black = 0).
    chain = (
        f"scale={w}:{h}:flags=area:out_range=full,format={pix}"
        if chroma
        else f"scale={w}:{h}:flags=area,format=gray"
    )
    if fast and info.display_width >= 3 * PRESCALE * w:
        # Area-averaging a big picture straight down costs ~10% of a 1080p decode; a cheap
        # subsampling to PRESCALE x the thumbnail first, then area-averaging, looks the same at 64 px.
        chain = f"scale={PRESCALE * w}:{PRESCALE * h}:flags=fast_bilinear,{chain}"
    if passthrough:
        chain += ",showinfo"
        cmd += ["-vf", chain, "-fps_mode", "passthrough"]
    else:
        cmd += ["-vf", chain, "-fps_mode", "cfr", "-r", f"{rate}"]
    cmd += ["-f", "rawvideo", "-pix_fmt", pix, "pipe:1"]
    if timeout is None:
        timeout = 120.0 + 4.0 * info.duration_ms / 1000

    def too_slow(seconds: float) -> MediaError:
        return MediaError(f"{path}: decoding took longer than {seconds:.0f} s")

    rows = h * 3 // 2 if chroma else h
    ffmpeg = _RawFrames(cmd, w * rows, timed=passthrough, times=times_ms)
    count = 0
    with closing(ffmpeg.read(timeout=timeout, cancel=cancel, timeout_error=too_slow)) as frames:
        for _, buf in frames:
            count += 1
            yield np.frombuffer(buf, dtype=np.uint8).reshape(rows, w)
    if ffmpeg.returncode is not None and -ffmpeg.returncode in CRASH_SIGNALS:
        # Not our kill (that is SIGKILL): ffmpeg itself died; the frames so far are not the video.
        raise MediaError(f"{path}: the bundled ffmpeg crashed decoding it (signal {-ffmpeg.returncode})")
    if count == 0 and duration_ms is None:
        raise MediaError(f"{path}: no video frames could be decoded ({ffmpeg.detail()})")


def sampled_frames(
    path: str | Path,
    *,
    interval_ms: int,
    width: int,
    height: int,
    keyframes_only: bool = False,
    cancel: CancelToken | None = None,
    timeout: float = 120.0,
) -> Generator[tuple[int, bytes], None, None]:
    """Colour pictures (RGB24, width x height) about every `interval_ms`, each with its frame's time.

    The timeline's thumbnails: frame k is the first decoded frame at or after k * interval_ms (from the
    first frame), and its time is its PTS on the file's timeline, read as detection reads it (showinfo
    under -copyts, minus the file's start: `PtsClock`), which is where the preview shows that frame.
    A rate filter (fps=) would instead hand over a frame up to an interval later than the time it is
    labelled with. `keyframes_only` decodes key frames only (long videos: seconds instead of minutes);
    each picture keeps its exact time. Cancel raises Cancelled; `timeout` seconds raise MediaError.
    """
    every = max(1, interval_ms) / 1000
    chain = f"select='gte(t-start_t,selected_n*{every:.6f})',scale={width}:{height},showinfo"
    cmd = ["-nostats", "-loglevel", "info", "-copyts"]
    if keyframes_only:
        cmd += ["-skip_frame", "nokey"]
    cmd += ["-an", "-sn", "-dn", "-i", ffmpeg_input(path), "-map", "0:v:0", "-vf", chain]
    cmd += ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]

    def too_slow(seconds: float) -> MediaError:
        return MediaError(f"{path}: making thumbnails took longer than {seconds:.0f} s")

    ffmpeg = _RawFrames(cmd, width * height * 3, timed=True)
    count = 0
    with closing(ffmpeg.read(timeout=timeout, cancel=cancel, timeout_error=too_slow, synced=True)) as frames:
        for ms, data in frames:
            assert ms is not None  # synced: every picture comes with its time
            count += 1
            yield ms, data
    if count == 0 and ffmpeg.returncode not in (0, None):
        raise MediaError(f"{path}: cannot make thumbnails ({ffmpeg.detail()})")
