"""The container's packet list: every frame's time and the keyframes, without decoding.

Why: reference-only decoding skips frames, and the packet list tells where (so a boundary next to a
skipped frame is placed exactly); its keyframes are where decoding can split in two.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from core.detection.decoding import PtsClock
from core.errors import ExportError
from core.ffmpeg_exec import run_ffmpeg
from core.jobs import CancelToken
from core.media import ffmpeg_input

_CRC_TB_RE = re.compile(r"^#tb 0: (\d+)/(\d+)")


@dataclass(frozen=True)
class Packets:
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
    packets = read_packets(path, cancel=cancel, timeout=timeout)
    return packets.times if packets is not None else None


def read_packets(
    path: str | Path, *, cancel: CancelToken | None = None, timeout: float = 120.0
) -> Packets | None:
    """The first video stream's packet times and keyframes (ffmpeg's framecrc muxer: a stream copy, no
    decoding); None when ffmpeg fails, runs out of time or the packets carry no PTS."""
    with tempfile.TemporaryDirectory(prefix="syncnarrator-detect-") as tmp:
        out = Path(tmp) / "packets.crc"
        clock = PtsClock()
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

    return Packets(sorted(ms(t) for t, _ in ticks), sorted(ms(t) for t, key in ticks if key))
