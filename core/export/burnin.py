"""Burned-in subtitles drawn once per cue, then overlaid while each cue is shown.

ffmpeg's `ass` filter (libass) draws the subtitle on every frame and blends its three layers (shadow,
outline, text) per pixel in plain C: about 2 ms per 1080p frame, 8% of a veryfast x264 encode. Here the
same filter draws each cue once (the same script, font and sizes) on a transparent canvas; the box every
cue fits in is cut out, and the picture's encode overlays that small stream (ffmpeg's SIMD blend) only
while a cue is shown. The picture comes out as the `ass` filter draws it, within rounding (tested).

When this cannot hold (cues that overlap in time, which libass would stack; text reaching the top of the
canvas; more cues than a command line carries) `render_cue_images` returns None and the exporter burns
the subtitles with the `ass` filter.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysubs2

from core.errors import ExportError
from core.export.fonts import FontChoice
from core.export.subtitles import style_for
from core.ffmpeg_exec import run_ffmpeg
from core.jobs import CancelToken
from core.media import ffmpeg_input

MAX_CUES = 300
"""Each cue adds about 50 characters to the encode's command line (Windows allows 32 K); beyond this
the `ass` filter draws the subtitles."""
MAX_DRAWN_BYTES = 512 << 20
"""The drawn canvases (one bottom band per cue, 1.9 MB at 1080p) wait in a temporary file until cut;
more than this (a long 4K video) and the `ass` filter draws the subtitles."""


@dataclass(frozen=True)
class CueImages:
    """One yuva420p frame per cue (`path`, raw, width x height) to overlay at (x, y) of the picture."""

    path: Path
    width: int
    height: int
    x: int
    y: int
    shown_ms: tuple[
        tuple[int, int], ...
    ]  # per cue: first and first-not-shown millisecond, as libass times it

    def pts_expression(self) -> str:
        """`setpts` on a 1/1000 time base: frame N starts where cue N does."""
        return "+".join(f"{a}*eq(N,{k})" for k, (a, _b) in enumerate(self.shown_ms)) or "0"

    def enable_expression(self) -> str:
        """The overlay's `enable`: true while a cue is shown (libass: start <= t < end)."""
        return "+".join(f"gte(t,{a / 1000:.3f})*lt(t,{b / 1000:.3f})" for a, b in self.shown_ms) or "0"


def _filter_escape(text: str, chars: str) -> str:
    """A backslash before each of `chars` (backslash first), as ffmpeg's filter graph syntax wants."""
    for ch in sorted(set(chars), key=lambda c: c != "\\"):
        text = text.replace(ch, "\\" + ch)
    return text


def filter_path(path: Path) -> str:
    """`path` as a filter's option inside a filter graph (escaped for the option, then for the graph)."""
    return _filter_escape(_filter_escape(str(path), "\\'=:"), "\\'[],;")


def single_font_folder(font: FontChoice, work: Path) -> Path:
    """A folder holding the chosen font alone: libass reads every file of its `fontsdir` into memory
    (the four Noto CJK files of a Linux system are 93 MB, 0.3 CPU-s and 0.5 s per ffmpeg run)."""
    folder = work / "fonts"
    folder.mkdir(exist_ok=True)
    target = folder / font.path.name
    if target.exists():
        return folder
    for link in (os.symlink, os.link):  # Windows without developer mode refuses symlinks
        with contextlib.suppress(OSError):
            link(font.path, target)
            return folder
    shutil.copyfile(font.path, target)
    return folder


def _canvas_colour(colour: pysubs2.Color) -> pysubs2.Color:
    """The colour drawn on the transparent canvas: ffmpeg's blend moves the canvas's alpha towards the
    colour's opacity by that opacity times the glyph's coverage, so a shadow of opacity s would come out
    s*s opaque; drawn at sqrt(s) it is s, as the `ass` filter shows it (a black layer on the black canvas
    keeps its colour whatever the factor; opaque colours stay as they are)."""
    opacity = 1 - colour.a / 255
    return pysubs2.Color(colour.r, colour.g, colour.b, round(255 * (1 - math.sqrt(opacity))))


def _even(n: float) -> int:
    return int(n) // 2 * 2


def render_cue_images(
    ass_text: str,
    width: int,
    height: int,
    fonts_dir: Path | None,
    work: Path,
    *,
    cancel: CancelToken | None = None,
    timeout: float = 600.0,
) -> CueImages | None:
    """Draw each event of `ass_text` (the export's script for a width x height picture) once; None when
    the per-frame `ass` filter must draw them (see the module's docstring) or there is nothing to draw."""
    subs = pysubs2.SSAFile.from_string(ass_text)
    events = [e for e in subs.events if not e.is_comment and e.end > e.start]  # libass shows no other
    if not events or len(events) > MAX_CUES:
        return None
    shown = [(max(0, e.start), max(0, e.end)) for e in events]
    if any(b1 > a2 for (_a1, b1), (a2, _b2) in itertools.pairwise(shown)):
        return None  # overlapping cues: libass stacks them
    st = style_for(width, height)
    # the canvas is the bottom of the picture (bottom-aligned text keeps its pixels when PlayResY is the
    # canvas's height: sizes are in pixels at scale 1); three lines' room for the two a cue may have
    band = min(height, _even(st.margin_v + 3 * st.ass_font_size + 4 * (st.outline_px + st.shadow_px) + 2))
    if width * band * 5 // 2 * len(events) > MAX_DRAWN_BYTES:
        return None
    subs.events = events
    subs.info["PlayResY"] = str(band)
    for style in subs.styles.values():
        style.primarycolor, style.secondarycolor, style.outlinecolor, style.backcolor = (
            _canvas_colour(c)
            for c in (style.primarycolor, style.secondarycolor, style.outlinecolor, style.backcolor)
        )
    for k, event in enumerate(events):  # cue k is shown during second k of the drawing
        event.start, event.end = k * 1000, (k + 1) * 1000
    script = work / "cues.ass"
    script.write_text(subs.to_string("ass"), encoding="utf-8")
    drawn = work / "cues-drawn.yuva"
    fonts = f":fontsdir={filter_path(fonts_dir)}" if fonts_dir is not None else ""
    canvas = f"color=c=black@0:s={width}x{band}:r=1:d={len(events)},format=yuva420p"  # transparent
    proc = run_ffmpeg(
        [
            *("-v", "error", "-f", "lavfi", "-i", canvas),
            *("-vf", f"ass=filename={filter_path(script)}{fonts}:alpha=1"),
            *(
                "-frames:v",
                str(len(events)),
                "-f",
                "rawvideo",
                "-pix_fmt",
                "yuva420p",
                "-y",
                ffmpeg_input(drawn),
            ),
        ],
        timeout=timeout,
        cancel=cancel,
    )
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise ExportError(f"ffmpeg could not draw the subtitles: {tail[0]}")
    try:
        return _cut(drawn, work / "cues.yuva", width, band, height, tuple(shown))
    finally:
        with contextlib.suppress(OSError):  # the work folder goes anyway (Windows keeps a mapped file)
            drawn.unlink(missing_ok=True)


def _planes(frame: np.ndarray, width: int, height: int) -> list[np.ndarray]:
    """Y, U, V, A of one yuva420p frame."""
    y, c = width * height, (width // 2) * (height // 2)
    return [
        frame[:y].reshape(height, width),
        frame[y : y + c].reshape(height // 2, width // 2),
        frame[y + c : y + 2 * c].reshape(height // 2, width // 2),
        frame[y + 2 * c :].reshape(height, width),
    ]


def _cut(
    drawn: Path, out: Path, width: int, band: int, height: int, shown: tuple[tuple[int, int], ...]
) -> CueImages | None:
    """The box (even edges, for 4:2:0 chroma) every drawn cue fits in, cut from each frame into `out`."""
    size = width * band * 5 // 2
    if drawn.stat().st_size != size * len(shown):
        raise ExportError("ffmpeg drew the subtitles incompletely")
    frames = np.memmap(drawn, dtype=np.uint8, mode="r", shape=(len(shown), size))
    rows = np.zeros(band, dtype=bool)
    cols = np.zeros(width, dtype=bool)
    for frame in frames:
        alpha = _planes(frame, width, band)[3]
        rows |= alpha.any(axis=1)
        cols |= alpha.any(axis=0)
    if not rows.any():
        return None  # nothing visible
    if rows[0]:
        return None  # the text may reach above the canvas
    first_row, last_row = int(np.argmax(rows)), band - 1 - int(np.argmax(rows[::-1]))
    first_col, last_col = int(np.argmax(cols)), width - 1 - int(np.argmax(cols[::-1]))
    y0, y1 = _even(first_row), min(band, _even(last_row + 2))
    x0, x1 = _even(first_col), min(width, _even(last_col + 2))
    with out.open("wb") as f:
        for frame in frames:
            for plane, sub in zip(_planes(frame, width, band), (1, 2, 2, 1), strict=True):
                f.write(np.ascontiguousarray(plane[y0 // sub : y1 // sub, x0 // sub : x1 // sub]).tobytes())
    del frames
    return CueImages(out, x1 - x0, y1 - y0, x0, height - band + y0, shown)
