"""Narrated export: narration track, ducking, subtitles (SRT/ASS), `export_project`."""

from core.export.exporter import (
    ExportOptions,
    ExportResult,
    audio_command,
    check_output_path,
    export_project,
    fit_all,
    mux_command,
    output_size,
    video_command,
)
from core.export.fonts import FontChoice, find_cjk_font
from core.export.loudness import DEFAULT_TARGET_LUFS, LOUDNESS_TARGETS, Loudness, measure_file
from core.export.report import FitError, FitProblem, fit_problems, report_path_for, summary_text
from core.export.subtitles import Cue, SubtitleStyle, make_cues, style_for, to_ass, to_srt, wrap_lines
from core.export.track import Placement, build_track, measure_lufs

__all__ = [
    "DEFAULT_TARGET_LUFS",
    "LOUDNESS_TARGETS",
    "Cue",
    "ExportOptions",
    "ExportResult",
    "FitError",
    "FitProblem",
    "FontChoice",
    "Loudness",
    "Placement",
    "SubtitleStyle",
    "audio_command",
    "build_track",
    "check_output_path",
    "export_project",
    "find_cjk_font",
    "fit_all",
    "fit_problems",
    "make_cues",
    "measure_file",
    "measure_lufs",
    "mux_command",
    "output_size",
    "report_path_for",
    "style_for",
    "summary_text",
    "to_ass",
    "to_srt",
    "video_command",
    "wrap_lines",
]
