"""Lines first, speech after (issue #24): Narrate all shows every line before any speech is made; the speech
queue then speaks clip by clip (each clip's state on its narration lane block); only an edited clip is
spoken again; a clip plays once its speech is ready; the meter, the lane and the export check agree; the
export's Shorten replaces a locked (typed) line only when its box is ticked, as one undo step.

The speech is a gated fake run in a pool thread (`window.speech.in_process = False`), so what the lane shows
while nothing has been spoken is deterministic."""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.jobs import CancelToken, ProgressCallback
from core.project import Product, Project, set_narration, speech_key
from core.speech import FitResult
from gui.actions import ActionId
from gui.export_dialog import ExportDialog, FitDialog, ShortenDialog
from tests.gui.test_editor_flows import WAIT, idle, open_video

PRODUCT = {
    "name": "澜肌轻盈保湿精华液",
    "attributes": {"质地": "轻薄、水润、一抹即化", "活动优惠": "买一送一"},
}
LONG = "这款精华液质地轻薄水润，一抹就化开，换季干燥的时候用它特别舒服，现在下单还送同款小样。"


class GatedSpeech:
    """Stands in for the voice: each clip's job waits for `gate`, then 'speaks' (a short WAV)."""

    def __init__(self, folder: Path) -> None:
        self.gate = threading.Event()
        self.spoken: list[tuple[int, str]] = []
        self.started: list[tuple[int, str]] = []
        self.wav = folder / "speech.wav"
        from core.speech.audio import write_wav

        write_wav(self.wav, 0.2 * np.sin(np.arange(8000) / 5.0), 16000)

    def job(self, project: Project, index: int) -> Any:
        return partial(self._speak, project=project, index=index)

    def _speak(
        self, progress: ProgressCallback, cancel: CancelToken, project: Project, index: int
    ) -> FitResult:
        clip = project.clips[index]
        self.started.append((index, clip.narration))
        while not self.gate.wait(0.02):
            cancel.raise_if_cancelled()
        cancel.raise_if_cancelled()
        self.spoken.append((index, clip.narration))
        room = clip.duration_ms - project.speech.lead_ms - project.speech.tail_ms
        return FitResult(
            clip.narration.strip(), self.wav, project.speech.lead_ms, min(500, room), room, 100, 1.0, True
        )


@pytest.fixture
def gated(window: Any, tmp_path: Path) -> GatedSpeech:
    fake = GatedSpeech(tmp_path)
    window.speech.in_process = False
    window.speech.make_job = fake.job
    return fake


def states(window: Any) -> list[str]:
    doc = window.bridge.document
    return [(s.state if (s := doc.speech_of(c)) else "") for c in doc.project.clips]


def test_lines_show_before_any_speech_is_made(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, gated: GatedSpeech
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.edit("Product", lambda p: replace(p, product=Product.from_json(PRODUCT)))
    window.action(ActionId.NARRATE).trigger()
    qtbot.waitUntil(
        lambda: idle(window) and all(c.narration for c in window.bridge.project.clips), timeout=WAIT
    )
    # every line is shown while no speech is made: the first clip is being spoken, the others wait
    qtbot.waitUntil(lambda: states(window) == ["speaking", "waiting", "waiting"], timeout=WAIT)
    assert gated.spoken == [] and not gated.gate.is_set()
    assert [item.speech for item in window.timeline.narr_items] == ["speaking", "waiting", "waiting"]
    assert window.status.job_label.isVisible() and "1" in window.status.job_label.text()
    assert window.inspector.text.toPlainText() == window.bridge.project.clips[0].narration
    gated.gate.set()
    qtbot.waitUntil(lambda: states(window) == ["ready"] * 3, timeout=WAIT)
    assert [i for i, _t in gated.spoken] == [0, 1, 2]  # in timeline order
    window.timeline.rebuild()
    assert [item.speech for item in window.timeline.narr_items] == ["ready"] * 3
    # every line spoken: the preview's narration track is built from that speech (nothing spoken again)
    qtbot.waitUntil(lambda: bool(window.preview.narration_audio) and Path(window.preview.narration_audio).is_file(),
                    timeout=WAIT)  # fmt: skip
    assert [i for i, _t in gated.spoken] == [0, 1, 2]
    assert answers.errors == []


def test_only_the_edited_clip_is_spoken_again_and_stale_work_is_dropped(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, gated: GatedSpeech
) -> None:
    open_video(window, qtbot, answers, cut_video)
    window.bridge.edit("Lines", lambda p: set_narration(set_narration(set_narration(
        p, 0, "很轻薄。"), 1, "好用！"), 2, "快来买。"))  # fmt: skip
    gated.gate.set()
    qtbot.waitUntil(lambda: states(window) == ["ready"] * 3, timeout=WAIT)
    made = dict(window.bridge.document.made_speech())
    gated.gate.clear()
    gated.spoken.clear()
    gated.started.clear()
    # edit clip 2's line: only clip 2 is spoken again
    window.bridge.select([1])
    window.inspector.text.setPlainText("真的好用！")
    window.inspector.commit_text()
    qtbot.waitUntil(lambda: states(window) == ["ready", "speaking", "ready"], timeout=WAIT)
    # edited again while its speech is being made: that work is cancelled and its result dropped
    window.inspector.text.setPlainText("真的很好用！")
    window.inspector.commit_text()
    qtbot.waitUntil(lambda: gated.started[-1:] == [(1, "真的很好用！")], timeout=WAIT)
    gated.gate.set()
    qtbot.waitUntil(lambda: states(window) == ["ready"] * 3 and window.speech.job is None, timeout=WAIT)
    assert gated.spoken == [(1, "真的很好用！")]  # the stale line never finished; the others not redone
    doc = window.bridge.document
    for i in (0, 2):
        key = speech_key(doc.project, doc.project.clips[i])
        assert doc.made_speech()[key] is made[key]
    # undo brings back the earlier line with its speech: nothing to speak (typing one line is one step)
    doc.undo()
    assert window.bridge.project.clips[1].narration == "好用！" and states(window) == ["ready"] * 3
    qtbot.wait(100)
    assert gated.spoken == [(1, "真的很好用！")]


def test_a_clip_plays_as_soon_as_its_speech_is_ready(
    window: Any,
    qtbot: Any,
    answers: Any,
    cut_video: Path,
    gated: GatedSpeech,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    played: list[str] = []
    monkeypatch.setattr(window.preview, "play_file", played.append)
    open_video(window, qtbot, answers, cut_video)
    window.bridge.edit("Lines", lambda p: set_narration(set_narration(p, 0, "很轻薄。"), 2, "快来买。"))
    window.bridge.select([2])
    window.play_current_speech()  # asked for: clip 3 is spoken before clip 1
    assert played == [] and "3" in window.status_text.text()
    qtbot.waitUntil(lambda: bool(gated.started), timeout=WAIT)
    gated.gate.set()
    qtbot.waitUntil(lambda: played == [str(gated.wav)], timeout=WAIT)
    assert gated.spoken[0] == (2, "快来买。")
    qtbot.waitUntil(lambda: states(window) == ["ready", "", "ready"], timeout=WAIT)
    window.play_current_speech()  # ready: plays at once
    assert played == [str(gated.wav)] * 2
    # Esc with no main operation stops the speech queue
    gated.gate.clear()
    window.bridge.select([1])
    window.inspector.text.setPlainText("好用！")
    window.inspector.commit_text()
    qtbot.waitUntil(lambda: window.speech.job is not None, timeout=WAIT)
    window.action(ActionId.CANCEL).trigger()
    qtbot.waitUntil(lambda: window.speech.job is None, timeout=WAIT)
    assert states(window) == ["ready", "", "ready"] and (1, "好用！") not in gated.spoken


def test_meter_lane_and_export_check_give_one_verdict(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, gated: GatedSpeech, tmp_path: Path
) -> None:
    from core.pipeline import warm_estimates

    warm_estimates()  # the estimate's front-end, as the editor loads it in the background
    open_video(window, qtbot, answers, cut_video)
    lines = ["很轻薄。", "这款精华液质地轻薄水润，一抹就化开。", LONG]
    window.bridge.edit("Lines", lambda p: set_narration(set_narration(set_narration(
        p, 0, lines[0]), 1, lines[1]), 2, lines[2]))  # fmt: skip
    window.speech.stop()
    problems: list[Any] = []

    def script(dialog: Any) -> bool:
        if isinstance(dialog, ExportDialog):
            dialog.output.setText(str(tmp_path / "ad.mp4"))
            return True
        if isinstance(dialog, FitDialog):
            problems.extend(dialog.problems)
            return False
        raise AssertionError(f"unexpected dialog {dialog!r}")

    def verdicts() -> tuple[list[str], list[str], list[int]]:
        problems.clear()
        window.action(ActionId.EXPORT).trigger()  # decides at once: no job runs before the dialog
        meter = []
        for i in range(3):
            window.bridge.select([i])
            meter.append(window.inspector.fit.state)
        window.timeline.rebuild()
        lane = [item.state for item in window.timeline.narr_items]
        return meter, lane, [p.index for p in problems]

    answers.dialog_hook = script
    meter, lane, checked = verdicts()
    assert meter == lane and checked == [i for i, s in enumerate(meter) if s == "over"]
    assert meter[0] != "over" and meter[2] == "over" and window.main_job is None
    # the meter names the figure the export check names
    window.bridge.select([2])
    fit = window.inspector.fit
    assert f"{fit.needs_ms / 1000:.1f}" in window.inspector.seconds_meter.format()
    assert problems[-1].needs_ms == fit.needs_ms and problems[-1].room_ms == fit.room_ms
    # the speech made decides: clip 2's speech "does not fit" -> all three say so
    doc = window.bridge.document
    key = speech_key(doc.project, doc.project.clips[1])
    from core.project import ClipSpeech

    room = doc.project.clips[1].duration_ms
    doc.set_speech(
        key, ClipSpeech("ready", FitResult(lines[1], gated.wav, 100, room * 2, room, 100, 1.0, False, 5))
    )
    meter, lane, checked = verdicts()
    assert meter[1] == lane[1] == "over" and 1 in checked
    assert meter == lane and checked == [i for i, s in enumerate(meter) if s == "over"]


def fixed_shorter(project: Project, narrator: Any, indexes: list[int], **_options: Any) -> Any:
    """The narrator's proposals, fixed: "短句N。" for every clip asked (core.pipeline.shorten_proposals' shape)."""
    from core.pipeline import LineVerdict

    return (), [LineVerdict(i, project.clips[i].labels, f"短句{i + 1}。", "shortened") for i in indexes]


@pytest.mark.parametrize("tick_locked", [False, True])
def test_shorten_keeps_a_typed_line_unless_ticked(
    window: Any,
    qtbot: Any,
    answers: Any,
    cut_video: Path,
    gated: GatedSpeech,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tick_locked: bool,
) -> None:
    from gui import narration_commands

    monkeypatch.setattr(narration_commands, "shorten_proposals", fixed_shorter)
    open_video(window, qtbot, answers, cut_video)
    window.bridge.edit("Lines", lambda p: set_narration(set_narration(p, 0, LONG), 1, "好用！"))
    window.bridge.select([2])
    window.inspector.text.setPlainText(LONG)  # typed by the user: locked
    window.inspector.commit_text()
    assert window.bridge.project.clips[2].locked and not window.bridge.project.clips[0].locked
    # (the gated speech never finishes here: every verdict comes from the estimate)
    out = tmp_path / "ad.mp4"
    seen: dict[str, Any] = {"fit": 0}

    def script(dialog: Any) -> bool:
        if isinstance(dialog, ExportDialog):
            dialog.output.setText(str(out))
            dialog.burn.setChecked(False)
            return True
        if isinstance(dialog, FitDialog):
            seen["fit"] += 1
            if seen["fit"] == 1:
                assert [p.index for p in dialog.problems] == [0, 2]
                dialog.shorten_button.click()
                return True
            seen["again"] = [p.index for p in dialog.problems]
            dialog.cancel_button.click()
            return False
        if isinstance(dialog, ShortenDialog):
            rows = {v.index: check for check, v in dialog.rows}
            seen["ticked"] = {i: c.isChecked() for i, c in rows.items()}
            if tick_locked:
                rows[2].setChecked(True)
            return True
        raise AssertionError(f"unexpected dialog {dialog!r}")

    answers.dialog_hook = script
    undo_before = window.bridge.document.undo_text()
    window.action(ActionId.EXPORT).trigger()
    qtbot.waitUntil(lambda: "ticked" in seen and idle(window), timeout=WAIT)
    assert seen["ticked"] == {0: True, 2: False}  # the typed line is not ticked by default
    clips = window.bridge.project.clips
    assert clips[0].narration == "短句1。"
    if tick_locked:
        assert clips[2].narration == "短句3。"
        qtbot.waitUntil(lambda: out.is_file() and idle(window), timeout=WAIT * 2)
    else:
        assert clips[2].narration == LONG and clips[2].locked  # the user's text survives
        assert seen["again"] == [2] and not out.exists()  # still too long: asked again, cancelled
    # one undo step takes every applied line back
    assert window.bridge.document.undo_text() == "Shorten lines"
    window.bridge.document.undo()
    assert [c.narration for c in window.bridge.project.clips] == [LONG, "好用！", LONG]
    assert window.bridge.document.undo_text() in (undo_before, "Export settings")


# --- the narrator's and the voice's helper processes (gui/process_host.py lanes) -------------------------


def run_in_helper(window: Any, qtbot: Any, job: Any, lane: Any = "main") -> Any:
    """`job`'s result, run in the editor's helper process of `lane`."""
    out: list[Any] = []
    window.jobs.start("probe", job, out.append, in_process=True, lane=lane)
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT)
    return out[0]


def test_narrate_all_does_not_wait_for_the_clip_being_spoken(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bench's case (`./run bench editor`): lines are being spoken when the user asks for new ones. A
    clip's speech takes seconds and cannot be interrupted; the new lines must not wait for it (they did, in
    one shared helper process: 1.5-2.2 s of the 1.9 s measured)."""
    from core.jobs import core_job
    from gui import speech_queue
    from tests.gui import helper_jobs

    gate = tmp_path / "gate"
    gated = GatedSpeech(tmp_path)  # (only its WAV)
    monkeypatch.setattr(speech_queue, "warm_voice", helper_jobs.no_voice)
    window.speech.make_job = lambda project, index: core_job(
        helper_jobs.gated_speech, project, index, str(gate), str(gated.wav)
    )
    open_video(window, qtbot, answers, cut_video)
    window.bridge.edit("Product", lambda p: replace(p, product=Product.from_json(PRODUCT)))
    typed = ["很轻薄。", "好用！", "快来买。"]
    window.bridge.edit("Lines", lambda p: set_narration(set_narration(set_narration(
        p, 0, typed[0]), 1, typed[1]), 2, typed[2]))  # fmt: skip
    started = Path(str(gate) + ".started")
    qtbot.waitUntil(started.exists, timeout=WAIT)  # clip 1 is being spoken in the voice's process
    assert states(window)[0] == "speaking"
    window.action(ActionId.NARRATE).trigger()
    assert window.main_job is not None
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
    lines = [c.narration for c in window.bridge.project.clips]
    assert all(lines) and lines != typed
    assert not gate.exists()  # the lines came while that clip's speech was still being made
    # its line is gone: that speech is dropped and the new lines are spoken, in the voice's process
    voice_pid = int(started.read_text().split()[0])
    qtbot.waitUntil(lambda: states(window)[0] == "speaking" and window.speech.running is not None
                    and window.speech.running[0][0] == lines[0].strip(),
                    timeout=WAIT)  # fmt: skip
    main_pid = run_in_helper(window, qtbot, core_job(helper_jobs.process_id))  # (free while the voice speaks)
    gate.touch()
    qtbot.waitUntil(lambda: states(window) == ["ready"] * 3, timeout=WAIT)
    assert voice_pid != main_pid and voice_pid == run_in_helper(
        window, qtbot, core_job(helper_jobs.process_id), "voice"
    )
    assert answers.errors == []


def test_a_second_narrate_all_reuses_the_warm_narrator(
    window: Any, qtbot: Any, answers: Any, cut_video: Path, gated: GatedSpeech
) -> None:
    """The narrator is loaded once, in the main helper process, and kept: a second Narrate all neither starts
    a process nor loads the narrator again (loading it is most of a cold narration)."""
    from core.jobs import core_job
    from gui import config
    from tests.gui import helper_jobs

    open_video(window, qtbot, answers, cut_video)
    window.bridge.edit("Product", lambda p: replace(p, product=Product.from_json(PRODUCT)))
    probe = core_job(helper_jobs.narrator_here, config.narrator())
    seen = []
    for _ in range(2):
        window.action(ActionId.NARRATE).trigger()
        assert window.main_job is not None
        qtbot.waitUntil(lambda: idle(window), timeout=WAIT)
        assert all(c.narration for c in window.bridge.project.clips)
        seen.append(run_in_helper(window, qtbot, probe))
    (pid1, narrator1, loaded1), (pid2, narrator2, loaded2) = seen
    assert loaded1 and loaded2  # Narrate all (or the warm-up) had loaded it: the probe found it there
    assert (pid1, narrator1) == (pid2, narrator2)  # same process, same narrator object: loaded once
    assert answers.errors == []
