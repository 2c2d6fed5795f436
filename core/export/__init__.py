"""Narrated export: narration track, ducking, subtitles (SRT/ASS), `export_project`."""

from core.export.exporter import (
    ExportOptions,
    ExportResult,
    build_command,
    check_output_path,
    export_project,
    fit_all,
    output_size,
)
from core.export.fonts import FontChoice, find_cjk_font
from core.export.subtitles import Cue, make_cues, to_ass, to_srt, wrap_lines
from core.export.track import Placement, build_track, measure_lufs

__all__ = [
    "Cue",
    "ExportOptions",
    "ExportResult",
    "FontChoice",
    "Placement",
    "build_command",
    "build_track",
    "check_output_path",
    "export_project",
    "find_cjk_font",
    "fit_all",
    "make_cues",
    "measure_lufs",
    "output_size",
    "to_ass",
    "to_srt",
    "wrap_lines",
]
