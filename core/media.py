"""Media probing with the bundled ffmpeg (there is no ffprobe): parse `ffmpeg -i` diagnostics.

Why parse text: imageio-ffmpeg ships only the ffmpeg binary. The stream dump gives sizes, codecs and
audio layout; rounded rates ("29.97 fps") are replaced by the exact rate that ffmpeg's `showinfo`
filter prints when it is configured ("frame_rate: 30000/1001"), which costs decoding one frame and
also proves the video is decodable. A second tiny decode near the end catches truncated files whose
header is intact (MP4 with the index at the front).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from core.errors import MediaError
from core.ffmpeg_exec import run_ffmpeg
from core.timebase import parse_rate

PROBE_TIMEOUT_S = 60.0

_CHANNELS = {
    "mono": 1,
    "stereo": 2,
    "2.1": 3,
    "3.0": 3,
    "quad": 4,
    "4.0": 4,
    "4.1": 5,
    "5.0": 5,
    "5.0(side)": 5,
    "5.1": 6,
    "5.1(side)": 6,
    "6.0": 6,
    "6.1": 7,
    "7.0": 7,
    "7.1": 8,
    "7.1(wide)": 8,
}
# Demuxers that hold still images, not videos (a PNG renamed .mp4 is probed as png_pipe).
_IMAGE_DEMUXERS = ("image2", "_pipe", "gif", "webp")

_INPUT_RE = re.compile(r"^Input #0, (?P<fmt>[^,]+(?:,[^ ]+)*), from ")
_DURATION_RE = re.compile(r"Duration: (?P<d>N/A|(\d+):(\d+):(\d+(?:\.\d+)?))(?:.*bitrate: (?P<br>\d+) kb/s)?")
_START_RE = re.compile(r"Duration: .*?, start: (?P<start>-?\d+(?:\.\d+)?)")
_SAR_RE = re.compile(r"\[SAR (\d+):(\d+) DAR \d+:\d+\]")
# Demuxers whose "Duration" is the end time on the file's clock, start offset included (ffmpeg's
# matroska demuxer reports the Segment's Duration element, which muxers write as the last timestamp).
_END_TIME_DEMUXERS = ("matroska", "webm")
_STREAM_RE = re.compile(r"^\s*Stream #0:(?P<idx>\d+)[^:]*: (?P<kind>Video|Audio): (?P<rest>.*)$")
_SIZE_RE = re.compile(r"(?<![\w])(\d{2,5})x(\d{2,5})(?![\w])")
_FPS_RE = re.compile(r"([\d.]+k?) (fps|tbr)")
_ROTATION_RE = re.compile(r"[Dd]isplay ?[Mm]atrix: rotation of (-?[\d.]+) degrees")
_SHOWINFO_RATE_RE = re.compile(r"config in time_base: \S+, frame_rate: (\d+)/(\d+)")
_FIRST_FRAME_RE = re.compile(r"\bn:\s*0\s+pts:")
_HZ_RE = re.compile(r"(\d+) Hz, ([^,]+)")


@dataclass(frozen=True)
class MediaInfo:
    """What the editor and the detectors need to know about a video file."""

    path: Path
    duration_ms: int
    fps: Fraction
    width: int
    height: int
    rotation: int  # display matrix rotation as ffmpeg reports it (counter-clockwise), 0/90/180/270
    pix_fmt: str
    video_codec: str
    has_audio: bool
    audio_channels: int
    audio_sample_rate: int
    bit_rate: int | None = None  # bits per second of the whole file, when known
    sar: Fraction = Fraction(1)  # sample (pixel) aspect ratio: 16:11 for PAL 704x576 shown as 16:9

    @property
    def shown_width(self) -> int:
        """Width of the unrotated picture in square pixels: width x SAR (even), the height kept."""
        if self.sar == 1 or self.sar <= 0:
            return self.width
        return max(2, round(self.width * self.sar / 2) * 2)

    @property
    def display_width(self) -> int:
        """Width as shown: non-square pixels stretched to square (SAR), then rotated as players do."""
        return self.height if self.rotation in (90, 270) else self.shown_width

    @property
    def display_height(self) -> int:
        return self.shown_width if self.rotation in (90, 270) else self.height

    @property
    def frame_count(self) -> int:
        """Expected number of frames (duration x rate), for progress and sizing."""
        return max(1, round(Fraction(self.duration_ms, 1000) * self.fps))


def ffmpeg_input(path: str | Path) -> str:
    """`path` as an ffmpeg input that is always a local file ("pipe:1.mp4" or "concat:x" are names too)."""
    return "file:" + str(Path(path).resolve())


def probe(path: str | Path) -> MediaInfo:
    """Read duration, exact frame rate, size, rotation and audio layout of `path`.

    Raises MediaError with a one-line message naming the file for anything that is not a readable video.
    """
    p = Path(path)
    name = str(p)
    if not p.exists():
        raise MediaError(f"{name}: no such file")
    if p.is_dir():
        raise MediaError(f"{name}: is a folder, not a video file")
    if not p.is_file():  # a named pipe or device would block open() forever
        raise MediaError(f"{name}: is not a regular file (a pipe or device), not a video file")
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise MediaError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise MediaError(f"{name}: file is empty (0 bytes)")

    text = _ffmpeg_text(
        ["-i", ffmpeg_input(p), "-map", "0:v:0?", "-frames:v", "1", "-vf", "showinfo", "-f", "null", "-"],
        name,
    )
    info = _parse(p, text)
    _check_tail(p, info)
    return info


def _ffmpeg_text(args: list[str], name: str) -> str:
    """All of ffmpeg's stderr (the header comes first, so a tail is not enough)."""

    def too_slow(_seconds: float) -> MediaError:
        return MediaError(f"{name}: ffmpeg took too long to read the file")

    try:
        proc = run_ffmpeg(
            ["-loglevel", "info", "-nostats", *args],
            timeout=PROBE_TIMEOUT_S,
            timeout_error=too_slow,
            tail_lines=None,
        )
    except OSError as exc:
        raise MediaError(f"{name}: cannot run ffmpeg to read it ({exc})") from None
    if proc.returncode < 0:  # killed by a signal: the bundled ffmpeg crashed on this file
        raise MediaError(f"{name}: the bundled ffmpeg crashed reading it (signal {-proc.returncode})")
    return proc.stderr.decode("utf-8", "replace")


def _parse(p: Path, text: str) -> MediaInfo:
    name = str(p)
    lines = text.splitlines()
    fmt = ""
    for line in lines:
        m = _INPUT_RE.match(line)
        if m:
            fmt = m.group("fmt")
            break
    if not fmt:
        raise MediaError(f"{name}: not a video file ffmpeg can read ({_reason(lines)})")
    if any(fmt.endswith(d) or fmt == d for d in _IMAGE_DEMUXERS):
        raise MediaError(f"{name}: is a still image ({fmt.removesuffix('_pipe')}), not a video")

    duration_ms = 0
    bit_rate: int | None = None
    for line in lines:
        m = _DURATION_RE.search(line)
        if m:
            if m.group("d") != "N/A":
                h, mi, s = int(m.group(2)), int(m.group(3)), Fraction(m.group(4))
                duration_ms = round((h * 3600 + mi * 60 + s) * 1000)
                st = _START_RE.search(line)
                start_ms = round(Fraction(st.group("start")) * 1000) if st else 0
                if start_ms > 0 and any(d in fmt for d in _END_TIME_DEMUXERS) and duration_ms > start_ms:
                    duration_ms -= start_ms  # the clips run from the start, on ffmpeg's timeline
            if m.group("br"):
                bit_rate = int(m.group("br")) * 1000
            break

    video: str | None = None
    audio: str | None = None
    rotation = 0
    in_video = False
    for line in lines:
        if line.startswith(("Stream mapping", "Output #")):
            break
        m = _STREAM_RE.match(line)
        if m:
            in_video = False
            if m.group("kind") == "Video" and video is None and "attached pic" not in m.group("rest"):
                video = m.group("rest")
                in_video = True
            elif m.group("kind") == "Audio" and audio is None:
                audio = m.group("rest")
            continue
        r = _ROTATION_RE.search(line)
        if r and in_video:
            rotation = round(float(r.group(1))) % 360
    if video is None:
        what = "an audio-only file" if audio else "a file without a video stream"
        raise MediaError(f"{name}: is {what}, not a video")
    if duration_ms <= 0:
        raise MediaError(f"{name}: has no known duration (damaged or not a video file)")
    if not _FIRST_FRAME_RE.search(text):
        raise MediaError(f"{name}: no video frame could be decoded ({_reason(lines)})")

    codec = video.split(",")[0].split()[0]
    pix_fmt = ""
    parts = _split_top(video)
    if len(parts) > 1:
        pix_fmt = parts[1].split("(")[0].strip()
    size = _SIZE_RE.search(video)
    if not size:
        raise MediaError(f"{name}: video stream has no picture size (damaged file?)")
    width, height = int(size.group(1)), int(size.group(2))
    sar = Fraction(1)
    sm = _SAR_RE.search(video)
    if sm and int(sm.group(1)) > 0 and int(sm.group(2)) > 0:
        sar = Fraction(int(sm.group(1)), int(sm.group(2)))
        if not Fraction(1, 8) <= sar <= 8:  # a broken header, not a picture anyone shoots
            sar = Fraction(1)

    fps = _exact_rate(text, video)
    channels = 0
    sample_rate = 0
    if audio is not None:
        hz = _HZ_RE.search(audio)
        if hz:
            sample_rate = int(hz.group(1))
            layout = hz.group(2).strip()
            channels = _CHANNELS.get(layout, 0)
            if not channels:
                ch = re.match(r"(\d+) channels", layout)
                channels = int(ch.group(1)) if ch else 0
    return MediaInfo(
        path=p,
        duration_ms=duration_ms,
        fps=fps,
        width=width,
        height=height,
        rotation=rotation if rotation in (0, 90, 180, 270) else 0,
        pix_fmt=pix_fmt,
        video_codec=codec,
        has_audio=audio is not None,
        audio_channels=channels,
        audio_sample_rate=sample_rate,
        bit_rate=bit_rate,
        sar=sar,
    )


def _exact_rate(text: str, video: str) -> Fraction:
    """Exact rate from showinfo; else the rounded dump value mapped onto NTSC rates where it fits."""
    m = _SHOWINFO_RATE_RE.search(text)
    if m and int(m.group(1)) > 0 and int(m.group(2)) > 0:
        rate = Fraction(int(m.group(1)), int(m.group(2)))
        if 0 < rate <= 1000:
            return rate
    found = dict((kind, value) for value, kind in _FPS_RE.findall(video))
    for key in ("fps", "tbr"):
        value = found.get(key)
        if value:
            value = str(float(value[:-1]) * 1000) if value.endswith("k") else value
            rate = parse_rate(value)
            for base in (24, 30, 48, 60, 120):
                ntsc = Fraction(base * 1000, 1001)
                if abs(float(rate) - float(ntsc)) < 0.006:
                    return ntsc
            return rate
    return Fraction(25)


# Decoding shortcuts for the tail check: it needs one decodable frame, not a good picture (from the
# keyframe before the last second, a 1080p file otherwise costs about a second of full decoding).
TAIL_BACK_S = 12.0
_CHEAP_DECODE = ["-skip_loop_filter", "all", "-skip_frame", "noref", "-flags", "gray"]


def _check_tail(p: Path, info: MediaInfo) -> None:
    """Decode the last second (every packet is read); a truncated file fails here."""
    start = max(0.0, info.duration_ms / 1000 - 1.0)
    args = ["-ss", f"{start:.3f}", "-i", ffmpeg_input(p), "-map", "0:v:0"]
    args += ["-vf", "showinfo", "-f", "null", "-"]
    text = _ffmpeg_text([*_CHEAP_DECODE, *args], str(p))
    if "partial file" not in text and not _FIRST_FRAME_RE.search(text):
        text = _ffmpeg_text(args, str(p))  # a codec whose frames all count as non-reference
    if "partial file" not in text and not _FIRST_FRAME_RE.search(text) and start > 0:
        # No index to seek by (MPEG-TS): the seek lands after the last keyframe of a long GOP and
        # nothing decodes. From TAIL_BACK_S before the end there is a keyframe in any real footage.
        back = ["-ss", f"{max(0.0, start - TAIL_BACK_S):.3f}", *args[2:]]
        text = _ffmpeg_text([*_CHEAP_DECODE, *back], str(p))
    if "partial file" in text or not _FIRST_FRAME_RE.search(text):
        raise MediaError(f"{p}: file is truncated or damaged (its end cannot be decoded)")


def _split_top(text: str) -> list[str]:
    """Split a stream description on commas that are not inside parentheses."""
    parts: list[str] = []
    depth = 0
    cur = ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def _reason(lines: list[str]) -> str:
    """The most telling ffmpeg complaint, shortened to a phrase."""
    for line in reversed(lines):
        low = line.lower()
        if "moov atom not found" in low:
            return "incomplete or damaged MP4: moov atom not found"
    for line in reversed(lines):
        if "Invalid data found" in line:
            return "invalid data"
        if "Permission denied" in line:
            return "permission denied"
    for line in reversed(lines):
        line = re.sub(r"^\[[^\]]*\]\s*", "", line).strip()
        if line and not line.startswith(("Error opening", "At least one output")):
            return line[:120]
    return "unknown format"
