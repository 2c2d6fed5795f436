"""Helpers with one home (#26): output_guard.same_file, timebase.nearest_frame / ms_to_frame,
Project.effective_speech, and batch's atomic writes named so the leftover sweep finds a killed run's."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest

from core import batch, leftovers
from core.output_guard import same_file
from core.project import Clip, Project, SpeechSettings
from core.timebase import frame_to_ms, ms_to_frame, nearest_frame, snap_ms_to_frame


def test_same_file_by_spelling_link_and_inode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = tmp_path / "in.mp4"
    video.write_bytes(b"x")
    os.link(video, tmp_path / "hard.mp4")
    (tmp_path / "soft.mp4").symlink_to(video)
    (tmp_path / "dir").mkdir()
    (tmp_path / "dirlink").symlink_to(tmp_path / "dir")
    monkeypatch.chdir(tmp_path)
    assert same_file(video, "in.mp4")  # relative and absolute spelling
    assert same_file(video, tmp_path / "sub" / ".." / "in.mp4")
    assert same_file(video, tmp_path / "hard.mp4") and same_file(tmp_path / "soft.mp4", video)
    # not written yet: the same place through a symlinked folder is the same file
    assert same_file(tmp_path / "dirlink" / "new.mp4", tmp_path / "dir" / "new.mp4")
    other = tmp_path / "other.mp4"
    other.write_bytes(b"x")
    assert not same_file(video, other) and not same_file(video, tmp_path / "missing.mp4")
    assert not same_file(video, "in\x00.mp4")  # an invalid name is no file, not an error


def test_nearest_frame_rounds_cut_points_and_ms_to_frame_floors_the_playhead() -> None:
    for fps in (Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(60)):
        for n in range(0, 3000, 11):
            start = frame_to_ms(n, fps)
            assert nearest_frame(start, fps) == n == ms_to_frame(start, fps)
            assert nearest_frame(start - 1, fps) == n  # a boundary 1 ms early is still this frame's cut
            assert ms_to_frame(frame_to_ms(n + 1, fps) - 1, fps) == n  # on screen until the next starts
    fps = Fraction(25)  # frame 1 starts at 40 ms
    assert (nearest_frame(39, fps), ms_to_frame(39, fps)) == (1, 0)
    assert snap_ms_to_frame(39, fps) == 40 and snap_ms_to_frame(19, fps) == 0


def test_effective_speech_takes_the_clips_overrides() -> None:
    project = Project(speech=SpeechSettings(voice="kokoro:zf_xiaoxiao", rate_cps=4.5, lead_ms=80, tail_ms=120))
    plain = Clip(0, 2000, narration="好")
    own = Clip(2000, 4000, narration="好", voice="espeak:cmn", rate_cps=6.0)
    assert project.effective_speech(plain) == project.speech
    assert project.effective_speech(own) == SpeechSettings(
        voice="espeak:cmn", rate_cps=6.0, lead_ms=80, tail_ms=120
    )
    assert project.effective_speech(Clip(0, 1, voice="")).voice == "kokoro:zf_xiaoxiao"


def test_batch_atomic_write_leaves_a_temp_name_the_sweep_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch killed mid-write leaves its temp report; its name must carry the pid for the sweep."""
    seen: list[list[Path]] = []

    def stop_mid_write(tmp: str | Path, path: Path) -> None:
        with pytest.MonkeyPatch.context() as killed:  # as if this process were gone
            killed.setattr(leftovers, "_alive", lambda pid: pid != os.getpid())
            seen.append(leftovers.stale_leftovers(tmp_path))

    monkeypatch.setattr(batch, "give_replacement_mode", stop_mid_write)
    target = tmp_path / "batch.report.json"
    batch.write_atomic(target, "{}")
    assert target.read_text(encoding="utf-8") == "{}"
    assert len(seen) == 1 and len(seen[0]) == 1 and seen[0][0].name.startswith(f".{target.name}.")
    assert os.listdir(tmp_path) == [target.name]
