"""File > Export timeline…: the OpenTimelineIO timeline is written by a job, off the GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import opentimelineio as otio

from core.timebase import nearest_frame
from gui.actions import ActionId
from tests.gui.test_editor_flows import WAIT, idle, narrate, open_video


def test_export_timeline_action_writes_the_otio_file(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path
) -> None:
    assert not window.action(ActionId.EXPORT_TIMELINE).isEnabled()  # nothing to export before a video is open
    open_video(window, qtbot, answers, cut_video)
    narrate(window, qtbot)
    out = tmp_path / "timeline.otio"
    answers.save_file = str(out)
    window.action(ActionId.EXPORT_TIMELINE).trigger()
    assert window.main_job is not None  # a job, not work on the GUI thread
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT * 2)
    assert answers.errors == []
    assert "Exported" in window.status_text.text()
    project = window.bridge.project
    timeline = otio.adapters.read_from_file(str(out))
    clips = list(timeline.video_tracks()[0].find_clips())
    fps = project.media.fps
    assert [round(c.source_range.start_time.value_rescaled_to(float(fps))) for c in clips] == [
        nearest_frame(c.start_ms, fps) for c in project.clips
    ]
    for line in timeline.audio_tracks()[0].find_clips():
        assert (tmp_path / line.media_reference.target_url).is_file()
