"""The editor's export dialog runs the same output guard as the command line: an output that would
overwrite the video, the project or a special file is refused with an error dialog, and the dialog stays."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog

from core.project import Clip, MediaSummary, Project, save_project


def test_export_dialog_refuses_inputs_and_special_files(qtbot: Any, answers: Any, tmp_path: Path) -> None:
    from gui.export_dialog import ExportDialog

    video = tmp_path / "ad.mp4"
    video.write_bytes(b"not really a video")
    project = Project(
        video=str(video),
        media=MediaSummary(2000, Fraction(25), 160, 120, False),
        clips=(Clip(0, 2000, narration="好"),),
    )
    project_file = tmp_path / "ad.narr.json"
    save_project(project, project_file)
    os.mkfifo(tmp_path / "pipe.mp4")
    dialog = ExportDialog(project, project_file, None)
    qtbot.addWidget(dialog)
    before = {p: p.read_bytes() for p in (video, project_file)}
    cases = [(video, "ad.mp4"), (project_file, "ad.narr.json"), (tmp_path / "pipe.mp4", "pipe")]
    for target, needle in cases:
        dialog.output.setText(str(target))
        dialog.accept()
        assert dialog.result() != QDialog.DialogCode.Accepted
        assert answers.errors and needle in answers.errors[-1] and "\n" not in answers.errors[-1]
    # with "Also write an .srt file" the SRT beside the output is checked too
    (tmp_path / "clash.srt").mkdir()
    dialog.srt.setChecked(True)
    dialog.output.setText(str(tmp_path / "clash.mp4"))
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and "clash.srt" in answers.errors[-1]
    count = len(answers.errors)
    dialog.output.setText(str(tmp_path / "narrated.mp4"))
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted and len(answers.errors) == count
    assert {p: p.read_bytes() for p in before} == before
