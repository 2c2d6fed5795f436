"""One check -> shorten -> export flow (issue #26, item 2): core.pipeline.checked_export with its policy
(fail / shorten / allow_silent) is what `export` (CLI), `render`/`batch` (render_video) and the editor's
export job run; the editor's shorten job is its shorten step (shorten_proposals)."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import core.pipeline as pipeline
from core.jobs import CancelToken
from core.narration.registry import create_narrator
from core.pipeline import CheckedExport, check_lines, checked_export
from core.project import Project, save_project
from core.speech import Speaker
from tests.test_fit_verdict import LONG, FakeVoice, project_with

SPANS = [(0, 3000), (3000, 4600), (4600, 6000)]


@pytest.fixture
def speaker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Speaker:
    """The fake voice as the shared speaker; export_project recorded instead of run (no ffmpeg)."""
    from core.speech import speaker as speaker_module

    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    speaker = Speaker(FakeVoice())
    monkeypatch.setattr(speaker_module, "_shared", speaker)
    return speaker


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_export(project: Project, out: Path, options: Any, **kwargs: Any) -> Any:
        calls.append({"project": project, "options": options, "fits": kwargs.get("fits")})
        return SimpleNamespace(output=Path(out), srt=None, narration_wav=None, report_path=None, warnings=())

    monkeypatch.setattr(pipeline, "export_project", fake_export)
    return calls


def three_lines(*, locked: bool) -> Project:
    """Clip 2 (index 1) too long and unlocked; clip 3 (index 2) too long, locked (typed) or not."""
    project = project_with(["这款精华液很轻薄。", LONG, LONG], SPANS)
    clips = list(project.clips)
    clips[2] = replace(clips[2], locked=locked)
    return replace(project, clips=tuple(clips))


def run(project: Project, policy: str, **kwargs: Any) -> CheckedExport:
    from core.export import ExportOptions

    return checked_export(project, Path("ad.mp4"), ExportOptions(), policy=policy, **kwargs)  # type: ignore[arg-type]


def test_each_policy(speaker: Speaker, exported: list[dict[str, Any]]) -> None:
    project = three_lines(locked=True)
    assert [p.index for p in check_lines(project, speaker)] == [1, 2]

    # fail: nothing written, the lines that cannot fit named
    done = run(project, "fail")
    assert done.result is None and [p.index for p in done.problems] == [1, 2] and exported == []
    assert done.project == project and len(done.fits) == 3

    # allow_silent: exported as it is, the long lines left silent
    done = run(project, "allow_silent")
    assert done.result is not None and done.problems == []
    (call,) = exported
    assert call["options"].allow_silent and call["options"].shortened == frozenset()
    assert call["project"] == project
    exported.clear()

    # shorten: the unlocked line is rewritten shorter, the locked one is kept and fails the export
    done = run(project, "shorten", narrator=create_narrator("embedded"))
    assert done.kept == (2,) and [v.index for v in done.verdicts] == [1]
    assert done.result is None and [p.index for p in done.problems] == [2] and exported == []
    assert done.project.clips[2].narration == LONG and done.project.clips[2].locked

    # shorten without a locked line: exported with the shorter line, the rest left silent
    project = three_lines(locked=False)
    done = run(project, "shorten", narrator=create_narrator("embedded"))
    assert done.kept == () and sorted(v.index for v in done.verdicts) == [1, 2]
    assert done.result is not None and done.problems == []
    (call,) = exported
    shortened = {v.index for v in done.verdicts if v.verdict == "shortened"}
    assert shortened, done.verdicts  # the embedded narrator finds a shorter line for at least one
    assert call["options"].allow_silent and call["options"].shortened == frozenset(shortened)
    for v in done.verdicts:
        if v.verdict == "shortened":
            assert call["project"].clips[v.index].narration == v.text != LONG
    assert call["project"] is done.project
    exported.clear()

    # the accepted set (the editor's choice): none accepted, no line changes
    done = run(project, "shorten", narrator=create_narrator("embedded"), accept=lambda verdicts: [])
    assert [c.narration for c in done.project.clips] == [c.narration for c in project.clips]
    assert exported[0]["options"].shortened == frozenset()


def spy(monkeypatch: pytest.MonkeyPatch, name: str, *also: object) -> list[Any]:
    """Calls of core.pipeline.NAME recorded (and passed through), with what each returned; `also`: modules
    that imported it by name (the editor's gui.narration_commands)."""
    calls: list[Any] = []
    real = getattr(pipeline, name)

    @functools.wraps(real)  # the same signature: core_job checks the arguments against it
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        calls.append((kwargs, out))
        return out

    for module in (pipeline, *also):
        monkeypatch.setattr(module, name, wrapper)
    return calls


def test_cli_and_editor_go_through_the_one_function(
    speaker: Speaker, exported: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.cli import run as cli
    from core.jobs import core_job
    from core.narration.registry import SharedNarrator
    from gui import narration_commands

    video = tmp_path / "src.mp4"
    video.write_bytes(b"not read: export_project is recorded")
    project = replace(three_lines(locked=True), video=str(video))
    path = tmp_path / "p.narr.json"
    save_project(project, path)
    calls = spy(monkeypatch, "checked_export", narration_commands)
    proposals = spy(monkeypatch, "shorten_proposals", narration_commands)

    def editor_export(out: Path, allow_silent: bool = False) -> pipeline.CheckedExport:
        job = narration_commands.export_job(project, out, allow_silent, (), {})
        return job(lambda *_a: None, CancelToken())


    # the CLI without a flag: policy fail, exit 2
    assert cli(["export", str(path), "--out", str(tmp_path / "a.mp4")]) == 2
    # the editor's export job: policy fail, held
    held = editor_export(tmp_path / "b.mp4")
    assert held.result is None
    (cli_kwargs, cli_done), (gui_kwargs, gui_done) = calls
    assert cli_kwargs["policy"] == gui_kwargs["policy"] == "fail"
    # the same verdicts and lines
    assert [p.index for p in cli_done.problems] == [p.index for p in gui_done.problems] == [1, 2]
    assert gui_done.problems == held.problems
    assert [p.message() for p in cli_done.problems] == [p.message() for p in held.problems]
    assert exported == []
    calls.clear()

    # --shorten: the shorten policy, its shorten step skipping the locked line
    assert cli(["export", str(path), "--out", str(tmp_path / "a.mp4"), "--shorten"]) == 2
    ((kwargs, done),) = calls
    assert kwargs["policy"] == "shorten" and done.kept == (2,)
    assert proposals[-1][0]["skip_locked"] is True
    # the editor's shorten job is the same step, proposing for every line (the user chooses)
    shorten = core_job(  # as NarrationCommands._shorten_then_export builds it
        narration_commands.shorten_proposals, project, SharedNarrator("embedded"), [1, 2], skip_locked=False, speak=False
    )
    _kept, verdicts = shorten(lambda *_a: None, CancelToken())
    assert proposals[-1][0]["skip_locked"] is False and [v.index for v in verdicts] == [1, 2]
    calls.clear()

    # --allow-silent and the editor's "export anyway": allow_silent, both exported
    assert cli(["export", str(path), "--out", str(tmp_path / "a.mp4"), "--allow-silent"]) == 0
    editor_export(tmp_path / "b.mp4", allow_silent=True)
    assert [kw["policy"] for kw, _ in calls] == ["allow_silent", "allow_silent"]
    assert len(exported) == 2 and all(c["options"].allow_silent for c in exported)
    assert exported[0]["project"] == exported[1]["project"] == project


def test_render_and_batch_export_through_the_one_function() -> None:
    """render_video (the `render` command and every batch item) exports with checked_export, allow_silent: its
    lines were fitted (rewritten shorter) while narrating; batch items run render_video."""
    import inspect

    from core import batch

    assert 'policy="allow_silent"' in inspect.getsource(pipeline.render_video)
    assert "checked_export(" in inspect.getsource(pipeline.render_video)
    assert "render_video(" in inspect.getsource(batch.render_item)


def test_a_batch_item_is_rendered_with_renders_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """BatchOptions holds RenderOptions: the same defaults as `render` (subtitles burned in), passed whole to
    render_video with only the item's own outputs set."""
    from core import batch
    from core.pipeline import RenderOptions

    assert batch.BatchOptions().render == RenderOptions() and RenderOptions().burn_subtitles is True
    seen: list[RenderOptions] = []

    def fake_render(video: Path, product: Any, out: Path, *, options: RenderOptions, **_kw: Any) -> Any:
        seen.append(options)
        raise RuntimeError("stop here")  # the item fails; its options were seen

    monkeypatch.setattr(pipeline, "render_video", fake_render)
    monkeypatch.setattr(batch, "_narrator", lambda options: None)
    video = tmp_path / "a.mp4"
    video.write_bytes(b"x")
    item = batch.BatchItem(name="a", video=video, product_inline={"name": "杯"})
    render = RenderOptions(voice="v", burn_subtitles=False, seed=7, project_out=tmp_path / "no.narr.json")
    result = batch.render_item(item, tmp_path, batch.BatchOptions(render=render))
    assert result["status"] == "failed"
    (options,) = seen
    assert options.srt is not None and options.srt.name == "a.srt" and options.project_out is None
    assert replace(options, srt=None, project_out=None) == replace(render, project_out=None)
