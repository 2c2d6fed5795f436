"""Lines that do not fit their clips (the pre-export check) and the report written beside each export.

`OUT.report.json`: per clip the line, its spoken length, the speed-up used and whether it was fitted,
shortened by the narrator or left silent; the loudness figures of the file; the subtitle settings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.narration.budget import MAX_SPEEDUP
from core.project import Project
from core.speech import FitResult, Speaker, count_chars
from core.user_files import utf8_text

REPORT_VERSION = 1


def timestamp(ms: int) -> str:
    """00:00:06.200"""
    ms = max(0, int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


@dataclass(frozen=True)
class FitProblem:
    """A clip whose line cannot be spoken inside it even at the fastest allowed speech."""

    index: int  # 0-based
    start_ms: int
    end_ms: int
    needs_ms: int  # spoken length at the fastest allowed speed-up
    room_ms: int  # what the clip leaves (clip minus lead and tail)
    text: str

    def message(self) -> str:
        needs, room = seconds_pair(self.needs_ms, self.room_ms)
        return (
            f"clip {self.index + 1} ({timestamp(self.start_ms)}-{timestamp(self.end_ms)}): "
            f"the line needs {needs} s, the clip leaves {room} s"
        )


def seconds_pair(needs_ms: int, room_ms: int) -> tuple[str, str]:
    """Tenths of a second, or hundredths where tenths would show the two as equal."""
    for digits in (1, 2, 3):
        a, b = f"{needs_ms / 1000:.{digits}f}", f"{room_ms / 1000:.{digits}f}"
        if a != b:
            return a, b
    return a, b


class FitError(InputError):
    """Lines that would be left silent; `problems` names them (the message has one line per clip)."""

    def __init__(self, problems: Sequence[FitProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.message() for p in self.problems))


def needs_ms(fit: FitResult, rate_cps: float) -> int:
    """How long the line lasts at the fastest allowed speech (with the fitter's 1% safety margin)."""
    if fit.duration_ms > 0:
        return math.ceil(fit.duration_ms * 1.01 / max(fit.tempo, 1.0))
    return round(count_chars(fit.text) * 1000 / (rate_cps * MAX_SPEEDUP))


def fit_problems(project: Project, fits: Sequence[FitResult | None]) -> list[FitProblem]:
    """Every clip whose (non-empty) line does not fit, in clip order."""
    out = []
    for i, (clip, fit) in enumerate(zip(project.clips, fits)):
        if fit is None or fit.fits or not clip.narration.strip():
            continue
        rate = project.effective_speech(clip).rate_cps
        out.append(
            FitProblem(i, clip.start_ms, clip.end_ms, needs_ms(fit, rate), max(0, fit.available_ms), fit.text)
        )
    return out


def report_path_for(out: Path) -> Path:
    """OUT.mp4 -> OUT.report.json beside it."""
    out = Path(out)
    return out.with_name(out.stem + ".report.json")


def speedup(project: Project, index: int, fit: FitResult, speaker: Speaker) -> float:
    """How much faster than the set speaking rate the line is spoken (engine rate boost x tempo)."""
    speech = project.effective_speech(project.clips[index])
    voice, rate = speech.voice, speech.rate_cps
    try:
        base = speaker.calibrated_cps(rate, voice)
        used = speaker.calibration(voice).cps_at(fit.engine_rate)
    except Exception:  # a report never fails an export that succeeded
        return round(fit.tempo, 3)
    return round(max(1.0, used / max(base, 0.1)) * fit.tempo, 3)


def report_data(
    project: Project,
    fits: Sequence[FitResult | None],
    result: Any,  # core.export.ExportResult (not imported: the exporter imports this module)
    options: Any,  # core.export.ExportOptions
    speaker: Speaker,
) -> dict[str, Any]:
    placed = {p.clip_index: p for p in result.placements}
    clips = []
    for i, clip in enumerate(project.clips):
        fit = fits[i] if i < len(fits) else None
        line = clip.narration.strip()
        entry: dict[str, Any] = {
            "clip": i + 1,
            "start_ms": clip.start_ms,
            "end_ms": clip.end_ms,
            "line": line,
        }
        p = placed.get(i)
        if p is not None and fit is not None:
            entry.update(
                status="shortened" if i in options.shortened else "fitted",
                speech_start_ms=p.start_ms,
                spoken_ms=p.end_ms - p.start_ms,
                speedup=speedup(project, i, fit, speaker),
            )
        else:
            entry.update(
                status="silent",
                reason="too long" if line else "no line",
                spoken_ms=0,
                speedup=None,
            )
            if line and fit is not None:
                entry["needs_ms"] = needs_ms(fit, project.effective_speech(clip).rate_cps)
                entry["room_ms"] = max(0, fit.available_ms)
        clips.append(entry)
    counts = {k: sum(1 for c in clips if c["status"] == k) for k in ("fitted", "shortened", "silent")}
    counts["silent_with_line"] = sum(1 for c in clips if c["status"] == "silent" and c["line"])
    loud = result.loudness
    return {
        "version": REPORT_VERSION,
        "output": result.output.name,
        "duration_ms": result.duration_ms,
        "video_copied": result.video_copied,
        "subtitles": {
            "burned_in": options.burn_subtitles,
            "soft_track": options.soft_subtitles and bool(result.cues),
            "srt": result.srt.name if result.srt else None,
            "cues": len(result.cues),
        },
        "loudness": {
            "target_lufs": options.loudness_lufs,
            **(loud.to_json() if loud else {"integrated_lufs": None, "true_peak_dbtp": None}),
            "original_ducked_db": options.duck_db,
        },
        "summary": counts,
        "clips": clips,
        "warnings": list(result.warnings),
    }


def write_report(
    path: Path,
    project: Project,
    fits: Sequence[FitResult | None],
    result: Any,
    options: Any,
    speaker: Speaker,
) -> None:
    data = report_data(project, fits, result, options, speaker)
    text = utf8_text(json.dumps(data, ensure_ascii=False, indent=2))  # file names that are not UTF-8
    Path(path).write_text(text + "\n", encoding="utf-8")


def summary_text(report: dict[str, Any]) -> str:
    """A few lines for the editor's end-of-export message."""
    s = report.get("summary", {})
    loud = report.get("loudness", {})
    lines = [
        f"{s.get('fitted', 0)} lines fitted, {s.get('shortened', 0)} shortened, "
        f"{s.get('silent_with_line', 0)} left silent."
    ]
    if loud.get("integrated_lufs") is not None:
        lines.append(
            f"Loudness {loud['integrated_lufs']:.1f} LUFS (target {loud.get('target_lufs')}), "
            f"true peak {loud.get('true_peak_dbtp', 0):.1f} dBTP."
        )
    silent = [c for c in report.get("clips", []) if c.get("status") == "silent" and c.get("line")]
    for c in silent[:5]:
        lines.append(f"Silent: clip {c['clip']} ({timestamp(c['start_ms'])}-{timestamp(c['end_ms'])})")
    return "\n".join(lines)
