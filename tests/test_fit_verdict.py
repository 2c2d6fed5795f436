"""One fit verdict (issue #24): the budget meter, the narration lane, the export check and the export report
all come from core.pipeline.line_fit, from the speech already made when there is some, else from
Speaker.estimate_ms; the editor's narration writes and fits its lines without synthesizing; the CLI's
`export --shorten` never replaces a locked (typed) line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.narration.budget import MAX_SPEEDUP
from core.pipeline import (
    apply_lines,
    check_export,
    check_lines,
    line_fit,
    made_by_key,
    write_lines,
)
from core.project import Clip, Document, Product, Project, load_project, save_project, speech_key
from core.speech import Speaker, SpeechEngine, count_chars
from tests.test_pipeline import PRODUCT  # the same product card as the pipeline tests

ROOT = Path(__file__).resolve().parents[1]
LONG = "这款精华液质地轻薄水润，一抹就化开，换季干燥的时候用它特别舒服，现在下单还送同款小样。"


class FakeVoice(SpeechEngine):
    """A calibrated stand-in voice: 4 characters a second at rate 100; counts what it synthesizes."""

    name = "fake-voice"
    rate_range = (50, 200)
    default_rate = 100
    native_speed = True
    calibration_rates = (80, 110, 150)

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def voices(self, language: str | None = None):  # type: ignore[no-untyped-def]
        from core.speech import Voice

        return [Voice("v", "v", ("zh",))]

    def known_calibration(self, voice: str) -> tuple[tuple[int, float], ...]:
        return ((80, 3.2), (110, 4.4), (150, 6.0))

    def synthesize(self, text, out, *, voice=None, rate=None):  # type: ignore[no-untyped-def]
        from core.speech.audio import write_wav

        self.spoken.append(text)
        seconds = count_chars(text) / (4.0 * (rate or 100) / 100)
        t = np.arange(int(seconds * 16000)) / 16000
        return write_wav(out, 0.3 * np.sin(2 * np.pi * 220 * t), 16000)


@pytest.fixture
def voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeVoice:
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    return FakeVoice()


def project_with(lines: list[str], spans: list[tuple[int, int]]) -> Project:
    clips = tuple(Clip(a, b, narration=t) for (a, b), t in zip(spans, lines))
    return Project(product=Product.from_json(PRODUCT), clips=clips)


def test_the_export_check_is_the_meters_verdict_and_decides_without_speaking(voice: FakeVoice) -> None:
    speaker = Speaker(voice)
    spans = [(0, 3000), (3000, 4600), (4600, 6000), (6000, 9000)]
    project = project_with(["这款精华液很轻薄。", LONG, "好用！", ""], spans)
    fits = [line_fit(project, c, speaker=speaker) for c in project.clips]
    assert [f.state for f in fits] == ["fits", "over", "fits", "empty"]
    problems = check_lines(project, speaker)
    assert voice.spoken == []  # decided at once: nothing synthesized
    assert [p.index for p in problems] == [i for i, f in enumerate(fits) if f.state == "over"]
    # the figures the dialog and the CLI name are the meter's
    (problem,) = problems
    assert problem.needs_ms == fits[1].needs_ms and problem.room_ms == fits[1].room_ms
    assert fits[1].needs_ms == -(-fits[1].speech_ms // MAX_SPEEDUP) > fits[1].room_ms
    # the estimate is Speaker.estimate_ms (what is said), not a character count
    assert fits[0].speech_ms == speaker.estimate_ms(project.clips[0].narration, project.speech.rate_cps)


def test_the_speech_already_made_decides_over_the_estimate(voice: FakeVoice) -> None:
    speaker = Speaker(voice)
    project = project_with(["这款精华液很轻薄。", LONG], [(0, 3000), (3000, 4600)])
    made = {}
    for clip in project.clips:
        made[speech_key(project, clip)] = speaker.fit_clip(project, clip)
    lie = replace(made[speech_key(project, project.clips[0])], fits=False, duration_ms=9000)
    made[speech_key(project, project.clips[0])] = lie  # the speech says "does not fit": it wins
    verdicts = [line_fit(project, c, speaker=speaker, made=made) for c in project.clips]
    assert [v.state for v in verdicts] == ["over", "over"] and all(v.made for v in verdicts)
    assert [p.index for p in check_lines(project, speaker, made=made)] == [0, 1]
    # a line edited since its speech was made is judged by the estimate again (other key)
    edited = replace(project, clips=(replace(project.clips[0], narration="很轻薄。"), project.clips[1]))
    assert not line_fit(edited, edited.clips[0], speaker=speaker, made=made).made
    # check_export (the CLI) reuses the speech made and judges it with the same function
    voice.spoken.clear()
    fits, problems = check_export(project, speaker, made=made)
    assert voice.spoken == [] and fits[0] is lie
    assert [p.index for p in problems] == [0, 1]
    assert check_lines(project, speaker, made=made_by_key(project, fits)) == problems


def test_document_keeps_speech_by_key_across_undo(voice: FakeVoice) -> None:
    from core.project import ClipSpeech, set_narration

    speaker = Speaker(voice)
    doc = Document(project_with(["这款精华液很轻薄。"], [(0, 3000)]))
    heard: list[int] = []
    doc.observe_speech(lambda: heard.append(1))
    clip = doc.project.clips[0]
    fit = speaker.fit_clip(doc.project, clip)
    doc.set_speech(speech_key(doc.project, clip), ClipSpeech("ready", fit))
    assert heard == [1] and doc.speech_of(clip) == ClipSpeech("ready", fit)
    assert doc.made_speech() == {speech_key(doc.project, clip): fit}
    doc.edit("Edit", lambda p: set_narration(p, 0, "换一句。"))
    assert doc.speech_of(doc.project.clips[0]) is None  # the new line has no speech yet
    doc.undo()
    assert doc.speech_of(doc.project.clips[0]).fit is fit  # undo brings the line and its speech back
    with pytest.raises(ValueError):
        doc.set_speech(speech_key(doc.project, clip), ClipSpeech("done"))


def test_editor_narration_writes_and_fits_lines_without_synthesizing(
    voice: FakeVoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.narration.registry import create_narrator

    speaker = Speaker(voice)
    spans = [(0, 900), (900, 2300), (2300, 5100), (5100, 6000), (6000, 9800)]
    project = project_with([""] * 5, spans)
    verdicts = write_lines(
        project, create_narrator("embedded"), speaker=speaker, seed=2, cues=[None] * 5, speak=False
    )
    assert voice.spoken == []  # lines first: no speech made
    # and the editor's jobs (core functions run through core_job, speak=False) narrate, rewrite and shorten
    # that way
    from core.jobs import CancelToken, core_job
    from core.narration.registry import SharedNarrator
    from core.pipeline import rewrite_lines, shorten_proposals
    from core.speech import speaker as speaker_module

    monkeypatch.setattr(speaker_module, "_shared", speaker)
    token, noop, narrator = CancelToken(), lambda *_a: None, SharedNarrator("embedded")
    editor = core_job(write_lines, project, narrator, seed=2, speak=False)(noop, token)
    long = apply_lines(project, editor)
    long = replace(long, clips=(*long.clips[:2], replace(long.clips[2], narration=LONG), *long.clips[3:]))
    core_job(rewrite_lines, long, narrator, [0, 1], seed=3, speak=False)(noop, token)
    _kept, shorter = core_job(
        shorten_proposals, long, narrator, [2], skip_locked=False, seed=4, speak=False
    )(noop, token)
    assert [v.index for v in shorter] == [2]
    assert voice.spoken == []
    project = apply_lines(project, verdicts)
    for clip, v in zip(project.clips, verdicts):
        assert v.fit is None
        state = line_fit(project, clip, speaker=speaker).state
        assert (state != "over") == v.fits or state == "empty", (clip, v)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
    )


def test_cli_shorten_keeps_a_typed_line(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.media import probe
    from core.pipeline import media_summary
    from tests.mediagen import make_video

    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "speech-cache"))
    video = make_video(tmp_path / "src.mp4", duration=8.0, size="160x120", audio=None)
    project = Project(
        video=str(video),
        media=media_summary(probe(video)),
        product=Product.from_json(PRODUCT),
        clips=(
            Clip(0, 3000, narration="这款精华液很轻薄。"),
            Clip(3000, 6200, narration="一抹就化开。"),
            Clip(6200, 8000, narration=LONG, locked=True),  # typed by the user (typing locks a line)
        ),
    )
    path = tmp_path / "p.narr.json"
    save_project(project, path)
    before = path.read_bytes()
    out = tmp_path / "out.mp4"
    proc = cli("export", str(path), "--out", str(out), "--no-burn-subtitles", "--shorten")
    assert proc.returncode == 2, proc.stderr
    assert "clip 3: your line is locked; not shortened" in proc.stderr
    assert "shortened to" not in proc.stderr
    assert any(
        ln.startswith("clip 3 (00:00:06.200-00:00:08.000): the line needs") for ln in proc.stderr.splitlines()
    )
    assert not out.exists() and path.read_bytes() == before
    assert load_project(path).clips[2].narration == LONG

    # --allow-silent (without --shorten, as before) exports it silent; the line is still the user's
    proc = cli("export", str(path), "--out", str(out), "--no-burn-subtitles", "--allow-silent")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out.report.json").read_text(encoding="utf-8"))
    assert report["clips"][2]["status"] == "silent" and report["clips"][2]["line"] == LONG


class SlowVoice(FakeVoice):
    """Speaks far slower than its calibration says: the estimate lets a line through that its speech cannot fit."""

    def synthesize(self, text, out, *, voice=None, rate=None):  # type: ignore[no-untyped-def]
        from core.speech.audio import write_wav

        self.spoken.append(text)
        seconds = count_chars(text) / (1.2 * (rate or 100) / 100)
        t = np.arange(int(seconds * 16000)) / 16000
        return write_wav(out, 0.3 * np.sin(2 * np.pi * 220 * t), 16000)


def test_the_editor_export_stops_before_writing_when_the_speech_made_cannot_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.jobs import CancelToken
    from core.speech import speaker as speaker_module
    from gui.narration_commands import export_job

    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    speaker = Speaker(SlowVoice())
    monkeypatch.setattr(speaker_module, "_shared", speaker)
    project = project_with(["这款精华液很轻薄。", "好用。"], [(0, 3000), (3000, 6000)])
    assert [line_fit(project, c, speaker=speaker).state for c in project.clips] == ["fits", "fits"]
    out = tmp_path / "ad.mp4"
    held = export_job(project, out, False, (), {})(lambda *_a: None, CancelToken())
    assert held.result is None and [p.index for p in held.problems] == [0]
    assert not out.exists() and not (tmp_path / "ad.report.json").exists()
    # recorded as made, the speech turns the meter, the lane and the next check to "over"
    made = made_by_key(project, held.fits)
    assert line_fit(project, project.clips[0], speaker=speaker, made=made).state == "over"
    assert [p.index for p in check_lines(project, speaker, made=made)] == [0]
