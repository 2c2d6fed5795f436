"""Clip (shot) detection: hard cuts, dissolves and fades, from small YUV thumbnails.

Why this design: decoding is the cost, so ffmpeg decodes once at reduced cost (no loop filter,
long videos as two halves in two processes, from HD up only the reference frames) and scales to a
thumbnail (luma plus half-size chroma, ~5% more CPU than gray alone); numpy then works on a few KB
per frame. Frame times are the decoder's PTS
(showinfo under -copyts, minus the file's start), never a frame count times a nominal rate, so
variable-frame-rate footage and late-starting streams get exact boundaries; where reference-only
decoding skipped frames next to a boundary (the container's packet list says so), just that window
is decoded in full to put the boundary on its frame.

Hard cuts are spikes of frame difference (luma, plus weighted chroma so a cut between colours of
equal brightness counts) against the local motion level on both sides (so camera motion, which
raises the level, does not cut), minus flashes (the picture after the spike returns to the picture
before it). Gradual transitions are found with a blend test: inside a
dissolve or fade a frame is close to the time-weighted mix of the frames ~0.16/0.32 s before and after
it, while camera motion or a cut is not; a run of such frames counts when the picture across it
changes clearly more than within the shots on either side, also after normalising brightness and
contrast (a brightness ramp is not a new picture). Fades are found directly as dark stretches: faded
out and back in (or between two different pictures) they are one transition at the darkest frame,
and the fade's slow end (eased fades, exposure settling) belongs to it; a dark stretch cut into and
cut out of (a dark title card) is two hard cuts instead. A blend run whose change is mostly
brightness (the exposure rising while a hand leaves the frame) is not a transition.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from core import defaults
from core.errors import ExportError, MediaError
from core.ffmpeg_exec import ffmpeg_stream, run_ffmpeg
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.media import MediaInfo, ffmpeg_input, probe

ANALYSIS_WIDTH = 64
"""Thumbnail width for detection; cuts and blends are visible at this size and noise is averaged."""

MAX_ANALYSIS_FPS = Fraction(60)
PRESCALE = 4
FAST_DECODE_PIXELS = 1280 * 720
"""From this picture size on, detect_clips skips non-reference frames by default."""


@dataclass(frozen=True)
class Detection:
    """Result of :func:`detect_clips`: clips in ms, contiguous from 0 to info.duration_ms."""

    info: MediaInfo
    clips: list[tuple[int, int]]
    # (boundary ms, "cut" | "dissolve" | "fade") as found, before short clips were merged away
    cuts: list[tuple[int, str]] = field(default_factory=list)


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
    errors: deque[str] = deque(maxlen=5)
    clock = _PtsClock()

    def on_stderr(raw: str) -> None:
        line = raw.strip()
        if not passthrough:
            errors.append(line)
            return
        ms = clock.feed(line)
        if ms is not None:
            if times_ms is not None:
                times_ms.append(ms)
        elif "error" in line.lower():
            errors.append(line)

    def too_slow(seconds: float) -> MediaError:
        return MediaError(f"{path}: decoding took longer than {seconds:.0f} s")

    rows = h * 3 // 2 if chroma else h
    size = w * rows
    count = 0
    # core.ffmpeg_exec.ffmpeg_stream kills ffmpeg on cancel/timeout even in a blocked read, and when the
    # consumer stops early; it raises Cancelled or too_slow() after the block.
    with ffmpeg_stream(
        cmd, timeout=timeout, cancel=cancel, on_stderr_line=on_stderr, timeout_error=too_slow
    ) as proc:
        while True:
            buf = proc.read(size)
            if len(buf) < size:
                break
            count += 1
            yield np.frombuffer(buf, dtype=np.uint8).reshape(rows, w)
        proc.wait(10)
    if proc.returncode is not None and -proc.returncode in _CRASH_SIGNALS:
        # Not our kill (that is SIGKILL): ffmpeg itself died; the frames so far are not the video.
        raise MediaError(f"{path}: the bundled ffmpeg crashed decoding it (signal {-proc.returncode})")
    if count == 0 and duration_ms is None:
        detail = errors[-1] if errors else f"ffmpeg exit code {proc.returncode}"
        raise MediaError(f"{path}: no video frames could be decoded ({detail})")


# Signals a crashing ffmpeg dies of (POSIX return codes are -signal; Windows has no SIGBUS)
_CRASH_SIGNALS = {
    int(sig)
    for name in ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE")
    if (sig := getattr(signal, name, None)) is not None
}


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
    under -copyts, minus the file's start: `_PtsClock`), which is where the preview shows that frame.
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
    clock = _PtsClock()
    times: list[int] = []
    arrived = threading.Condition()
    errors: deque[str] = deque(maxlen=5)

    def on_stderr(raw: str) -> None:
        ms = clock.feed(raw.strip())
        if ms is None:
            if "error" in raw.lower():
                errors.append(raw.strip())
            return
        with arrived:
            times.append(ms)
            arrived.notify_all()

    def too_slow(seconds: float) -> MediaError:
        return MediaError(f"{path}: making thumbnails took longer than {seconds:.0f} s")

    size = width * height * 3
    count = 0
    with ffmpeg_stream(
        cmd, timeout=timeout, cancel=cancel, on_stderr_line=on_stderr, timeout_error=too_slow
    ) as proc:
        while True:
            data = proc.read(size)
            if len(data) < size:
                break
            # showinfo logs a frame before ffmpeg writes it, but stderr is read by another thread
            with arrived:

                def logged(n: int = count) -> bool:
                    return len(times) > n or bool(cancel and cancel.cancelled)

                arrived.wait_for(logged, timeout=10)
                if len(times) <= count:
                    break
                ms = times[count]
            count += 1
            yield ms, data
        proc.wait(10)
    if count == 0 and proc.returncode not in (0, None):
        detail = errors[-1] if errors else f"ffmpeg exit code {proc.returncode}"
        raise MediaError(f"{path}: cannot make thumbnails ({detail})")


_PTS_RE = re.compile(r"\bn:\s*\d+\s+pts:\s*(-?\d+)\s+pts_time:")
_TB_RE = re.compile(r"config in time_base: (\d+)/(\d+)")
_START_RE = re.compile(r"^\s*Duration: .*?, start: (-?\d+(?:\.\d+)?)")
_CRC_TB_RE = re.compile(r"^#tb 0: (\d+)/(\d+)")


class _PtsClock:
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


@dataclass(frozen=True)
class _Packets:
    """Frame times of the first video stream as the container lists them (ms, file timeline, sorted)."""

    times: list[int]
    keyframes: list[int]


def frame_times(
    path: str | Path, *, cancel: CancelToken | None = None, timeout: float = 120.0
) -> list[int] | None:
    """Presentation time (ms, file timeline as in :func:`gray_frames`) of every frame of the first
    video stream, read from the container's packets without decoding (cheap), sorted; None if the
    packets carry no usable times. Used to tell whether frames were skipped between two decoded ones.
    """
    packets = _packets(path, cancel=cancel, timeout=timeout)
    return packets.times if packets is not None else None


def _packets(
    path: str | Path, *, cancel: CancelToken | None = None, timeout: float = 120.0
) -> _Packets | None:
    with tempfile.TemporaryDirectory(prefix="syncnarrator-detect-") as tmp:
        out = Path(tmp) / "packets.crc"
        clock = _PtsClock()
        args = ["-nostats", "-loglevel", "info", "-copyts", "-i", ffmpeg_input(path), "-map", "0:v:0"]
        args += ["-c", "copy", "-f", "framecrc", "-y", "file:" + str(out)]

        def note(line: str) -> None:  # the header's start time
            clock.feed(line)

        try:
            result = run_ffmpeg(args, timeout=timeout, cancel=cancel, on_stderr_line=note)
        except ExportError:  # run_ffmpeg's timeout: do without the packet list
            return None
        if result.returncode != 0 or not out.exists():
            return None
        tb: Fraction | None = None
        ticks: list[tuple[int, bool]] = []
        for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("#"):
                m = _CRC_TB_RE.match(line)
                if m and int(m.group(2)) > 0:
                    tb = Fraction(int(m.group(1)), int(m.group(2)))
                continue
            parts = [x.strip() for x in line.split(",")]
            if len(parts) < 6:
                continue
            try:  # stream, dts, pts, duration, size, crc[, F=flags unless only the key flag is set]
                ticks.append((int(parts[2]), not any(x.startswith("F=") for x in parts[6:])))
            except ValueError:
                return None  # packets without a PTS
    if tb is None or not ticks:
        return None

    def ms(t: int) -> int:
        return round((t * tb - clock.start) * 1000)

    return _Packets(sorted(ms(t) for t, _ in ticks), sorted(ms(t) for t, key in ticks if key))


SPLIT_MIN_MS = 20_000
"""From this duration on, detection decodes the two halves of the video in parallel processes."""
SPLIT_OVERLAP_MS = 500  # the first half decodes this far past the split (frames shown before a keyframe)


def _split_point(packets: _Packets | None, duration_ms: int) -> int | None:
    """A keyframe near the middle to split decoding at, or None (too short, no keyframe near the middle)."""
    if packets is None or duration_ms < SPLIT_MIN_MS or (os.cpu_count() or 1) < 2:
        return None
    middle = duration_ms // 2
    near = [k for k in packets.keyframes if 0.3 * duration_ms <= k <= 0.7 * duration_ms]
    return min(near, key=lambda k: abs(k - middle)) if near else None


def read_frames(
    path: str | Path,
    info: MediaInfo,
    *,
    width: int = ANALYSIS_WIDTH,
    skip_nonref: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    split_at_ms: int | None = None,
    chroma: bool = False,
) -> tuple[np.ndarray, list[int]]:
    """All thumbnails as one (n, h, w) uint8 array and each frame's PTS in ms, with progress.

    With `chroma` each frame is planar YUV 4:2:0, (n, h * 3 // 2, w) (see :func:`gray_frames`).
    Frames come as decoded (variable frame rates stay variable); times are the decoder's PTS.
    `split_at_ms` (a keyframe time) decodes before and from it in two ffmpeg processes at once: the
    two cores both decode, without frame threading's overhead.
    """
    duration = max(1, info.duration_ms)
    if split_at_ms is None:
        parts = [_Part(0, None, True, 0)]
    else:
        each = max(1, (os.cpu_count() or 2) // 2)
        parts = [_Part(0, split_at_ms + SPLIT_OVERLAP_MS, True, each), _Part(split_at_ms, None, False, each)]
    progress(0.0, "decoding")

    stop = _LinkedToken(cancel)

    def run(part: _Part) -> None:
        try:
            for frame in gray_frames(
                path,
                width=width,
                info=info,
                cancel=stop,
                skip_nonref=skip_nonref,
                times_ms=part.times,
                start_ms=part.start_ms,
                duration_ms=part.duration_ms,
                seek_exact=part.exact,
                threads=part.threads,
                chroma=chroma,
            ):
                part.frames.append(frame)
        except BaseException as exc:  # re-raised in the calling thread
            part.error = exc

    workers = [threading.Thread(target=run, args=(part,), daemon=True) for part in parts[1:]]
    for w in workers:
        w.start()
    last = 0.0

    def report() -> None:
        nonlocal last
        done = sum(p.done_ms() for p in parts) / duration
        if done - last >= 0.01:
            last = done
            progress(min(0.99, done), "decoding")

    # The first part runs here, reporting progress as its frames (and the other part's) arrive.
    failed = True
    try:
        for frame in gray_frames(
            path,
            width=width,
            info=info,
            cancel=cancel,
            skip_nonref=skip_nonref,
            times_ms=parts[0].times,
            duration_ms=parts[0].duration_ms,
            threads=parts[0].threads,
            chroma=chroma,
        ):
            parts[0].frames.append(frame)
            report()
        failed = False
    finally:
        if failed:
            stop.cancel()  # stop the other decoder too
        for w in workers:
            while w.is_alive():
                w.join(0.05)
                report()
    for part in parts[1:]:
        if part.error is not None:
            raise part.error
    if cancel is not None:
        cancel.raise_if_cancelled()
    frames: list[np.ndarray] = []
    times: list[int] = []
    if split_at_ms is not None and (
        any(len(p.times) != len(p.frames) for p in parts) or split_at_ms not in parts[1].times
    ):  # times unreadable, or the second decoder did not start at the keyframe: one decoder instead
        done = last
        return read_frames(
            path,
            info,
            width=width,
            skip_nonref=skip_nonref,
            progress=lambda f, stage: progress(max(f, done), stage),
            cancel=cancel,
            chroma=chroma,
        )
    for k, part in enumerate(parts):
        if len(part.times) != len(part.frames):  # frame times unreadable: spread the frames evenly
            part.times[:] = [
                i * info.duration_ms // max(1, len(part.frames)) for i in range(len(part.frames))
            ]
        lo = split_at_ms if k > 0 and split_at_ms is not None else None
        hi = split_at_ms if k == 0 and split_at_ms is not None else None
        for ms, frame in zip(part.times, part.frames, strict=True):
            if (lo is None or ms >= lo) and (hi is None or ms < hi):
                times.append(ms)
                frames.append(frame)
    if not frames:
        raise MediaError(f"{path}: no video frames could be decoded")
    return np.stack(frames), times


class _LinkedToken(CancelToken):
    """Cancelled with its parent token, or on its own (a helper decoder stopped after an error)."""

    def __init__(self, parent: CancelToken | None) -> None:
        super().__init__()
        self._parent = parent

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)


@dataclass
class _Part:
    """One ffmpeg decode of [start_ms, start_ms + duration_ms) and what it produced."""

    start_ms: int
    duration_ms: int | None
    exact: bool
    threads: int
    frames: list[np.ndarray] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    error: BaseException | None = None

    def done_ms(self) -> int:
        return max(0, self.times[-1] - self.start_ms) if self.times else 0


# ---------------------------------------------------------------------------------------------------
# Features


def _blur(frames: np.ndarray) -> np.ndarray:
    """2x2 box-average: halves the size, averaging away noise and sub-pixel motion."""
    _, h, w = frames.shape
    f = frames[:, : h // 2 * 2, : w // 2 * 2].astype(np.float32)
    return (f[:, 0::2, 0::2] + f[:, 1::2, 0::2] + f[:, 0::2, 1::2] + f[:, 1::2, 1::2]) * 0.25


def _mad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference per frame pair (0..255)."""
    return np.abs(a - b).mean(axis=(1, 2))


@dataclass
class _Features:
    f: np.ndarray  # (n, h, w) float32 blurred thumbnails
    d1: np.ndarray  # d1[t] = MAD(f[t-1], f[t]) (+ weighted colour MAD); d1[0] = 0
    luma: np.ndarray  # mean luma per frame
    spread: np.ndarray  # luma standard deviation per frame
    times: np.ndarray  # ms of each sample
    gap: np.ndarray  # frames between sample t-1 and t (1 unless frames were skipped); gap[0] = 1
    z: np.ndarray  # thumbnails with mean and contrast normalised: blind to fades and exposure drift
    c: np.ndarray | None = None  # (n, h, 2w) uint8 U|V planes at f's size, when colour was decoded
    dc: np.ndarray | None = None  # dc[t] = weighted colour MAD(t-1, t) (already inside d1); dc[0] = 0
    zd: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))  # MAD(z[t-1], z[t])

    @property
    def chroma(self) -> bool:
        return self.c is not None

    def cut_dist(self, a: int, b: int) -> float:
        """Picture difference for the hard-cut tests: luma MAD plus the weighted colour MAD."""
        d = _dist(self.f, a, b)
        if self.c is not None:
            d += float(_colour_mad(self.c, np.array([a]), np.array([b]))[0])
        return d


def _pictures(frames: np.ndarray, chroma: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(2x2-blurred luma, U and V side by side at the same size or None) of uint8 frames: gray, or
    planar YUV 4:2:0 with `chroma` (the chroma planes are already half size: no blur needed)."""
    if not chroma:
        return _blur(frames), None
    n, rows, w = frames.shape
    h = rows * 2 // 3
    y = _blur(frames[:, :h])
    flat = frames.reshape(n, rows * w)
    q = (h // 2) * (w // 2)
    u = flat[:, h * w : h * w + q].reshape(n, h // 2, w // 2)
    v = flat[:, h * w + q : h * w + 2 * q].reshape(n, h // 2, w // 2)
    yh, yw = y.shape[1:]
    return y, np.ascontiguousarray(np.concatenate([u[:, :yh, :yw], v[:, :yh, :yw]], axis=2))


def _colour_mad(c: np.ndarray, a: np.ndarray | slice | list[int], b: np.ndarray | slice | list[int]) -> np.ndarray:
    """CHROMA_WEIGHT x (MAD of U + MAD of V) per frame pair of `c` (U|V side by side, uint8)."""
    diff = np.abs(c[a].astype(np.int16) - c[b].astype(np.int16))
    return (diff.mean(axis=(1, 2)) * (2 * CHROMA_WEIGHT)).astype(np.float32)


def _features(
    frames: np.ndarray, times: list[int] | None = None, frame_ms: float = 40.0, chroma: bool = False
) -> _Features:
    f, c = _pictures(frames, chroma)
    n = f.shape[0]
    d1 = np.zeros(n, dtype=np.float32)
    if n > 1:
        d1[1:] = _mad(f[1:], f[:-1])
    dc: np.ndarray | None = None
    if c is not None:  # a cut between colours of equal brightness differs in chroma alone
        dc = np.zeros(n, dtype=np.float32)
        if n > 1:
            dc[1:] = _colour_mad(c, slice(1, None), slice(None, -1))
        d1 += dc
    t = np.asarray(times if times is not None else np.arange(n) * frame_ms, dtype=np.float64)
    gap = np.ones(n, dtype=np.float32)
    if n > 1:
        gap[1:] = np.maximum(1.0, np.round(np.diff(t) / frame_ms))
    luma, spread = f.mean(axis=(1, 2)), f.std(axis=(1, 2))
    z = (f - luma[:, None, None]) * (NORM_SPREAD / np.maximum(spread, DARK_SPREAD))[:, None, None]
    z = z.astype(np.float32)
    zd = np.zeros(n, dtype=np.float32)
    if n > 1:
        zd[1:] = _mad(z[1:], z[:-1])
    return _Features(f=f, d1=d1, luma=luma, spread=spread, times=t, gap=gap, z=z, c=c, dc=dc, zd=zd)


# ---------------------------------------------------------------------------------------------------
# Decisions

DARK_LUMA = 24.0  # mean luma of a "black" frame (0..255); limited-range black is 16
DARK_SPREAD = 12.0
FADE_STEP = 1.5  # luma change per frame that still counts as fading
FADE_TAIL_STEP = 1.0  # luma change over FADE_TAIL samples that still counts as the slow end of a fade
FADE_TAIL = 3
CUT_RAMP = 2  # samples of luma change next to a dark run that still belong to a hard cut into it
NORM_SPREAD = 40.0  # contrast of the normalised thumbnails (a typical picture's luma deviation)
BRIGHTNESS_SHARE = 0.4  # a "dissolve" keeping under 40% of its evidence without brightness is none
CHROMA_WEIGHT = 0.5  # a chroma (U + V) difference counts this much beside a luma difference
CHROMA_CUT_MIN = 4.0  # weighted colour difference a colour-only cut needs at least (full-range planes)


@dataclass(frozen=True)
class _Params:
    """Thresholds scaled by sensitivity (0 = fewest cuts, 1 = most)."""

    cut_ratio: float
    cut_min: float
    blend_ratio: float
    span_min: float
    cross_ratio: float
    cross_min: float
    strong_cross: float

    @staticmethod
    def for_sensitivity(sensitivity: float) -> _Params:
        s = min(max(sensitivity, 0.0), 1.0)
        m = 1.4 ** ((0.5 - s) * 2.0)  # 0 -> 1.4x stricter, 0.5 -> as tuned, 1 -> 1.4x laxer
        return _Params(
            cut_ratio=2.5 * m,
            cut_min=7.0 * m,
            blend_ratio=0.3 / m,
            span_min=8.0 * m,
            cross_ratio=1.6 * m,
            cross_min=12.0 * m,
            strong_cross=35.0 * m,
        )


def _window_median(x: np.ndarray, lo: int, hi: int) -> float:
    lo, hi = max(0, lo), min(len(x), hi)
    return float(np.median(x[lo:hi])) if hi > lo else 0.0


def _dist(f: np.ndarray, a: int, b: int) -> float:
    return float(np.abs(f[a] - f[b]).mean())


def _hard_cuts(ft: _Features, fps: float, p: _Params) -> list[tuple[int, float]]:
    """(sample index where the new shot starts, strength) for abrupt changes that are not flashes.

    The local level is motion per frame (differences divided by the frames between samples), so
    the test is the same whether every frame was decoded or only reference frames. With colour, a
    spike of the chroma difference alone against its own level counts too: a cut between colours
    of the same brightness inside strong motion (whose luma level hides the colour's share).
    """
    found = _spikes(ft.d1, ft.gap, fps, p.cut_min, p, ft.cut_dist)
    # Brightness alone (an exposure step, a ramp encoded in uneven steps) is no cut: with brightness
    # and contrast normalised, a new picture still differs (a flat picture's colour counts too).
    colour = ft.dc if ft.dc is not None else np.zeros_like(ft.zd)
    found = [(t, st) for t, st in found if ft.zd[t] + colour[t] >= max(p.cut_min, 0.35 * float(ft.d1[t]))]
    if ft.dc is not None:
        c = ft.c
        assert c is not None

        def colour_dist(a: int, b: int) -> float:
            return float(_colour_mad(c, np.array([a]), np.array([b]))[0])

        seen = {t for t, _ in found}
        found += [x for x in _spikes(ft.dc, ft.gap, fps, CHROMA_CUT_MIN, p, colour_dist) if x[0] not in seen]
        found.sort()
    return found


def _spikes(
    sig: np.ndarray,
    gap: np.ndarray,
    fps: float,
    minimum: float,
    p: _Params,
    dist: Callable[[int, int], float],
) -> list[tuple[int, float]]:
    """Samples where the difference signal `sig` jumps above `minimum` and p.cut_ratio x its local
    level on both sides, at its peak, and the picture does not come back (`dist`: no flash)."""
    per_frame = sig / np.sqrt(gap)  # motion over k frames differs ~sqrt(k) times as much, not k times
    n = len(sig)
    w = max(3, round(0.4 * fps))
    back = max(2, round(0.2 * fps))  # a flash lasts at most this many samples
    cuts: list[tuple[int, float]] = []
    for t in range(1, n):
        d = float(sig[t])
        if d < minimum:
            continue
        before = _window_median(per_frame, t - w, t)
        after = _window_median(per_frame, t + 1, t + 1 + w)
        level = max(before, after, 0.5) * float(np.sqrt(gap[t]))
        if d < p.cut_ratio * level:
            continue
        if t + 1 < n and per_frame[t + 1] > d:  # the peak is one sample later
            continue
        if t - 1 >= 1 and per_frame[t - 1] >= d:
            continue
        # Flash: the picture comes back to the one before the jump, or we are returning to it.
        similar = max(0.35 * d, 2.0 * level)
        flash = any(dist(t - 1, t + j) < similar for j in range(1, back + 1) if t + j < n)
        flash = flash or any(dist(t, t - 1 - j) < similar for j in range(1, back + 1) if t - 1 - j >= 0)
        if flash:
            continue
        cuts.append((t, d / (level + 1.0)))
    return cuts


def _shot_change(f: np.ndarray, s: int, e: int, busy: list[tuple[int, int]], p: _Params) -> float:
    """How much more the picture differs across [s, e] than within the shots on either side (ratio).

    `busy` are other transitions (frame intervals); the within-shot comparisons stop at them.
    """
    n = len(f)
    a, b = max(0, s - 1), min(n - 1, e + 1)
    gap = max(1, b - a)
    cross = _dist(f, a, b)
    if cross < p.cross_min:
        return 0.0
    lo = max([0, *[hi + 1 for lo_, hi in busy if hi < s]])
    hi = min([n - 1, *[lo_ - 1 for lo_, hi_ in busy if lo_ > e]])
    inner = []  # change within each neighbouring shot over the same gap (extrapolated when shorter)
    if a - lo >= 2:
        start = max(lo, a - gap)
        inner.append(_dist(f, start, a) * gap / (a - start))
    if hi - b >= 2:
        end = min(hi, b + gap)
        inner.append(_dist(f, b, end) * gap / (end - b))
    if not inner:  # boxed in by other transitions: no evidence either way
        return 1.0
    return cross / (max(inner) + 2.0)


def _runs(mask: np.ndarray, bridge: int = 0) -> list[tuple[int, int]]:
    """Inclusive index ranges where mask is true, bridging gaps of up to `bridge` false values."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    runs: list[tuple[int, int]] = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > bridge + 1:
            runs.append((start, prev))
            start = i
        prev = i
    runs.append((start, prev))
    return runs


def _gradual(
    ft: _Features, fps: float, p: _Params, cuts: list[int]
) -> list[tuple[int, float, str, int, int]]:
    """(middle sample, strength, kind, first sample, last sample) of dissolves and fades."""
    f = ft.f
    n = len(f)
    max_len = round(3.0 * fps)
    k_small = max(2, round(0.16 * fps))
    fade_len = round(1.5 * fps)
    regions: list[tuple[int, int, str]] = []  # candidate transitions (first, last frame, kind)
    # Fades: runs of dark frames between two pictures, extended over the fade out and in, including
    # a slow end (an eased fade or exposure settling after black changes brightness, not picture).
    dark = (ft.luma < DARK_LUMA) & (ft.spread < DARK_SPREAD)
    cut_set = set(cuts)

    def cut_at(i: int) -> bool:  # a hard cut starts the new picture at sample i (give or take one)
        return bool(cut_set & {i - 1, i, i + 1})

    luma = ft.luma
    for t, q in _runs(dark):
        if t == 0 or q == n - 1:
            continue  # fade in at the start or out at the end: not a boundary
        s, e = t, q
        while s > 0 and t - s < fade_len and luma[s - 1] > luma[s] + FADE_STEP:
            s -= 1
        while e < n - 1 and e - q < fade_len and luma[e + 1] > luma[e] + FADE_STEP:
            e += 1
        ramps = t - s >= 2 and e - q >= 2  # faded out and faded in, not a cut to black
        if t - s <= CUT_RAMP and e - q <= CUT_RAMP and cut_at(t) and cut_at(q + 1):
            # Cut into a dark picture (a title card, a night shot) and cut out of it: two hard cuts
            # where the picture changes, not one fade in the middle of the card.
            continue
        while s > 0 and t - s < fade_len and luma[max(0, s - FADE_TAIL)] > luma[s] + FADE_TAIL_STEP:
            s -= 1
        while e < n - 1 and e - q < fade_len and luma[min(n - 1, e + FADE_TAIL)] > luma[e] + FADE_TAIL_STEP:
            e += 1
        low = luma[t : q + 1]
        darkest = t + np.flatnonzero(
            low <= low.min() + 0.5
        )  # the darkest frame, or the middle of a black hold
        regions.append((s, e, f"fade:{int(darkest[len(darkest) // 2])}:{int(ramps)}"))
    # Dissolves (and fades the dark test missed): frames that are blends of their neighbours.
    candidate = np.zeros(n, dtype=bool)
    for half_ms in (160.0, 320.0):  # blend of the samples about half_ms before and after
        lo = np.clip(np.searchsorted(ft.times, ft.times - half_ms), 0, n - 1)
        hi = np.clip(np.searchsorted(ft.times, ft.times + half_ms), 0, n - 1)
        reach = 0.6 * half_ms  # both neighbours must exist (not clipped at the ends)
        ok = (ft.times - ft.times[lo] >= reach) & (ft.times[hi] - ft.times >= reach)
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        ia, ib = lo[idx], hi[idx]
        wgt = ((ft.times[idx] - ft.times[ia]) / (ft.times[ib] - ft.times[ia]))[:, None, None].astype(
            np.float32
        )
        span = _mad(f[ia], f[ib])
        lin = _mad(f[idx], f[ia] * (1 - wgt) + f[ib] * wgt)
        candidate[idx] |= (span > p.span_min) & (lin < p.blend_ratio * span)
    dissolves: list[tuple[int, int]] = []
    for t, q in _runs(candidate, bridge=1):
        if q - t + 1 < 2:
            continue
        s, e = max(0, t - k_small), min(n - 1, q + k_small)
        if dissolves and t - (dissolves[-1][1] - k_small) <= k_small:  # pieces of one transition
            s = dissolves[-1][0]
            dissolves.pop()
        dissolves.append((s, e))
    regions += [(s, e, "dissolve") for s, e in dissolves if e - s <= max_len]
    found: list[tuple[int, float, str, int, int]] = []
    fades: list[tuple[int, int]] = []
    for s, e, kind in regions:
        busy = [(c, c) for c in cuts if not s <= c <= e + 1]
        busy += [(s2, e2) for s2, e2, _ in regions if e2 < s or s2 > e]
        ratio = _shot_change(f, s, e, busy, p)
        a, b = max(0, s - 1), min(n - 1, e + 1)
        cross = _dist(f, a, b)
        m = (a + b) // 2
        wgt = float((ft.times[m] - ft.times[a]) / max(1.0, ft.times[b] - ft.times[a]))
        blend = float(np.abs(f[m] - (1 - wgt) * f[a] - wgt * f[b]).mean()) / (cross + 1e-3)
        if kind.startswith("fade:"):
            _, mid, ramped = kind.split(":")
            if ratio >= p.cross_ratio or ramped == "1":  # a fade to black and back is a transition
                found.append((int(mid), max(ratio, p.cross_ratio), "fade", s, e))
                fades.append((s, e))
        elif any(s <= e2 and s2 <= e for s2, e2 in fades):
            continue  # the blend part of a fade already found
        elif (z_ratio := _shot_change(ft.z, s, e, busy, p)) < 0.25 * p.cross_ratio:
            continue  # only brightness changed (a fade's tail, exposure): the picture is the same
        elif z_ratio < BRIGHTNESS_SHARE * ratio:
            # Mostly brightness: with brightness and contrast normalised, most of the evidence goes
            # (a hand leaving the frame while the exposure rises; a ramp into clipped highlights).
            # Real dissolves keep 0.7-1.0 of it (bench), exposure ramps 0.1-0.3.
            continue
        elif ratio >= p.cross_ratio or (
            ratio >= 0.45 * p.cross_ratio and cross >= p.strong_cross and blend <= p.blend_ratio
        ):
            found.append(((s + e + 1) // 2, ratio, "dissolve", s, e))
    return found


def _boundaries(ft: _Features, fps: float, p: _Params) -> list[tuple[int, float, str]]:
    """All boundaries (frame, strength, kind), one per transition, sorted by frame."""
    hard = _hard_cuts(ft, fps, p)
    grad = _gradual(ft, fps, p, [t for t, _ in hard])
    near = max(2, round(0.5 * fps))
    fades = [g for g in grad if g[2] == "fade"]
    # A fade may hold a steep step that looks like a cut: the fade wins. A "dissolve" around a hard
    # cut is the blend test straddling the cut: the cut wins.
    cuts = [(t, st) for t, st in hard if not any(s - near <= t <= e + near for _, _, _, s, e in fades)]
    pad = near // 2  # no shot is that short: a blend run touching a cut is the cut's doing
    dissolves = [
        g for g in grad if g[2] == "dissolve" and not any(g[3] - pad <= t <= g[4] + 1 + pad for t, _ in cuts)
    ]
    merged: list[tuple[int, float, str]] = [(m, st, k) for m, st, k, _, _ in fades + dissolves]
    merged += [(t, strength, "cut") for t, strength in cuts]
    merged.sort()
    # Overlapping gradual detections (dark run and blend run of one fade): keep the stronger.
    out: list[tuple[int, float, str]] = []
    for b in merged:
        if out and b[0] - out[-1][0] <= near and b[2] != "cut" and out[-1][2] != "cut":
            if b[1] > out[-1][1] and out[-1][2] != "fade":
                out[-1] = b
            continue
        out.append(b)
    return out


def _enforce_min_length(
    bounds: list[tuple[int, float, str]], duration_ms: int, min_clip_ms: int
) -> list[tuple[int, float, str]]:
    """Drop the weaker boundary of the shortest too-short clip until every clip is long enough."""
    bounds = list(bounds)
    while bounds:
        edges = [0, *[b[0] for b in bounds], duration_ms]
        lengths = [edges[i + 1] - edges[i] for i in range(len(edges) - 1)]
        i = min(range(len(lengths)), key=lengths.__getitem__)
        if lengths[i] >= min_clip_ms:
            break
        if i == 0:
            drop = 0
        elif i == len(lengths) - 1:
            drop = len(bounds) - 1
        else:
            drop = i - 1 if bounds[i - 1][1] <= bounds[i][1] else i
        del bounds[drop]
    return bounds


def _refine(
    path: str | Path,
    info: MediaInfo,
    ft: _Features,
    found: list[tuple[int, float, str]],
    cancel: CancelToken | None,
    every: list[int] | None,
) -> list[tuple[int, float, str]]:
    """Boundaries in ms, exact although non-reference frames were skipped.

    A cut found between decoded samples t-1 and t, or a fade's darkest sample t, may really be at a
    skipped frame in between; the container's packet times tell where frames were skipped, and those
    windows alone are decoded (every frame, two windows at a time) to put the boundary on its frame.
    """
    times = [int(x) for x in ft.times]
    n = len(times)
    todo: list[tuple[int, int, int, float, str]] = []  # (first, last sample of the window, t, strength, kind)
    out: list[tuple[int, float, str]] = []
    for t, strength, kind in found:
        if not 0 <= t < n:
            continue
        lo, hi = (t - 1, t) if kind == "cut" else (t - 1, t + 1)
        if kind == "dissolve" or lo < 0 or hi >= n:
            out.append((times[t], strength, kind))
        elif kind == "fade" and min(ft.luma[lo], ft.luma[hi]) <= ft.luma[t] + 0.5:
            out.append((times[t], strength, kind))  # inside a black hold: t is as dark as it gets
        elif every is not None and not _frame_between(every, times[lo], times[hi]):
            out.append((times[t], strength, kind))  # no frame between the decoded ones
        else:
            todo.append((lo, hi, t, strength, kind))

    def place(item: tuple[int, int, int, float, str]) -> tuple[int, float, str]:
        lo, hi, t, strength, kind = item
        a, b = times[lo], times[hi]
        window: list[int] = []
        mids = list(
            gray_frames(
                path,
                info=info,
                start_ms=a + 1,
                duration_ms=b - a,
                times_ms=window,
                cancel=cancel,
                threads=1,
                chroma=ft.chroma,
            )
        )
        inside = [(ms, fr) for ms, fr in zip(window, mids, strict=False) if a < ms < b]
        if len(window) != len(mids) or not inside:
            return times[t], strength, kind
        seq_t = [a, *[ms for ms, _ in inside], b]
        y, c = _pictures(np.stack([fr for _, fr in inside]), ft.chroma)
        seq = np.concatenate([ft.f[lo : lo + 1], y, ft.f[hi : hi + 1]])
        if kind == "cut":  # the new shot starts after the largest step
            steps = [float(np.abs(seq[j] - seq[j - 1]).mean()) for j in range(1, len(seq))]
            if c is not None and ft.c is not None:
                cseq = np.concatenate([ft.c[lo : lo + 1], c, ft.c[hi : hi + 1]])
                steps = [x + float(_colour_mad(cseq, [j], [j - 1])[0]) for j, x in enumerate(steps, 1)]
            return seq_t[1 + int(np.argmax(steps))], strength, kind
        luma = seq.mean(axis=(1, 2))  # fade: the darkest frame (the middle of a black hold)
        darkest = np.flatnonzero(luma <= luma.min() + 0.5)
        return seq_t[int(darkest[len(darkest) // 2])], strength, kind

    if len(todo) > 1 and (os.cpu_count() or 1) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            out += list(pool.map(place, todo))
    else:
        out += [place(item) for item in todo]
    return sorted(out)


def _frame_between(every: list[int], a: int, b: int) -> bool:
    """Whether the sorted frame times `every` hold one strictly between a and b."""
    k = bisect_right(every, a)
    return k < len(every) and every[k] < b


def detect_clips(
    path: str | Path,
    *,
    min_clip_ms: int = defaults.DETECT_MIN_CLIP_MS,
    sensitivity: float = 0.5,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    skip_nonref: bool | None = None,
    chroma: bool = True,
) -> Detection:
    """Split the video at `path` into contiguous clips at hard cuts, dissolves and fades.

    Boundaries are frame times from the decoder (PTS in ms on the file's timeline, see
    :func:`gray_frames`): a cut is at the first frame of the new shot, a fade through black at its
    darkest frame, on constant and variable frame rates alike.
    `skip_nonref` first decodes only frames that other frames reference: about half the decoding on
    H.264 with B-frames (none are skipped without them); where the container shows skipped frames
    next to a cut or a fade's darkest frame, just those few frames are then decoded to place it
    exactly. Default (None): on from HD (1280x720) up, where decoding is nearly all the cost;
    smaller videos are decoded fully.
    `chroma` (default on) decodes colour too, so cuts between colours of equal brightness count.
    Raises MediaError for unreadable input and Cancelled when `cancel` is set (the decoder is killed).
    """
    info = probe(path)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if skip_nonref is None:
        skip_nonref = info.width * info.height >= FAST_DECODE_PIXELS
    wanted = skip_nonref or info.duration_ms >= SPLIT_MIN_MS
    packets = _packets(path, cancel=cancel, timeout=60 + info.duration_ms / 1000) if wanted else None
    split = _split_point(packets, info.duration_ms)
    frames, times = read_frames(
        path,
        info,
        skip_nonref=skip_nonref,
        progress=progress,
        cancel=cancel,
        split_at_ms=split,
        chroma=chroma,
    )
    progress(0.99, "analysing")
    duration = info.duration_ms
    rate = info.fps if 0 < info.fps <= MAX_ANALYSIS_FPS else Fraction(30)
    span_s = (times[-1] - times[0]) / 1000 if len(times) > 1 else 0.0
    # Samples per second actually analysed (lower than the frame rate when frames were skipped).
    fps = (len(times) - 1) / span_s if span_s > 0 else float(rate)
    if cancel is not None:
        cancel.raise_if_cancelled()
    ft = _features(frames, times, 1000 / float(rate), chroma=chroma)
    del frames
    if cancel is not None:
        cancel.raise_if_cancelled()
    found = _boundaries(ft, fps, _Params.for_sensitivity(sensitivity))
    if skip_nonref and found:
        progress(0.99, "refining")
        in_ms = _refine(path, info, ft, found, cancel, packets.times if packets is not None else None)
    else:
        in_ms = [(times[t], s, k) for t, s, k in found if 0 <= t < len(times)]
    in_ms = [b for b in in_ms if 0 < b[0] < duration]
    kept = _enforce_min_length(in_ms, duration, max(0, int(min_clip_ms)))
    edges = [0, *[b[0] for b in kept], duration]
    clips = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    progress(1.0, "done")
    return Detection(info=info, clips=clips, cuts=[(ms, kind) for ms, _, kind in in_ms])
