"""One narration pipeline: the editor's path (core functions it runs as jobs through core.jobs.core_job) and the CLI's
(`render` / `export`) give the same media summary, clips, lines, budgets and fit verdicts; the product
loader raises the same errors in both; `export` refuses a line that cannot fit, naming the clip."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from core.detection import detect_clips
from core.errors import InputError
from core.jobs import CancelToken, CoreCall
from core.media import probe
from core.pipeline import (
    RenderOptions,
    apply_lines,
    line_fit,
    load_product,
    media_summary,
    merge_range,
    narration_request,
    render_video,
)
from core.project import Clip, Product, Project, load_project, save_project
from tests.mediagen import ffmpeg, make_cut_video, make_video

ROOT = Path(__file__).resolve().parents[1]
R = TypeVar("R")
PRODUCT = {
    "name": "澜肌轻盈保湿精华液",
    "attributes": {
        "痛点": "换季干燥、脸部紧绷",
        "质地": "轻薄、水润、一抹即化",
        "活动优惠": "买一送一、赠同款小样",
    },
}


pytestmark = pytest.mark.usefixtures("shared_speech_cache")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
    )


def test_editor_path_and_cli_path_give_identical_lines_and_verdicts(tmp_path: Path) -> None:
    from core.jobs import core_job
    from core.narration.registry import SharedNarrator
    from core.pipeline import load_product_beside, write_lines

    video = make_cut_video(
        tmp_path / "ad.mp4",
        [("testsrc=decimals=0", 2.4), ("color=c=0x2050c0", 1.3), ("smptebars=sar=1", 3.0), ("color=c=white", 2.2)],
        size="320x240",
    )
    product_file = tmp_path / "ad.product.json"
    product_file.write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")

    # the command line: render (detect, narrate, fit, export)
    product = load_product(product_file)
    result = render_video(video, product, tmp_path / "out.mp4", options=RenderOptions(seed=5, burn_subtitles=False))

    # the editor: open the video (probe job, product beside it), detect job, "Narrate all" job, apply; each
    # job pickled as the editor sends it to its helper process
    def run(job: CoreCall[R]) -> R:
        return pickle.loads(pickle.dumps(job))(lambda f, s: None, CancelToken())  # type: ignore[no-any-return]

    media = media_summary(run(core_job(probe, video)))
    detection = run(core_job(detect_clips, video))
    editor = Project(
        video=str(video.resolve()),
        media=media,
        product=load_product_beside(video),
        clips=tuple(Clip(a, b) for a, b in detection.clips),
    )
    assert editor.media == result.project.media
    assert editor.product == result.project.product
    assert [(c.start_ms, c.end_ms) for c in editor.clips] == [(c.start_ms, c.end_ms) for c in result.project.clips]
    # same request: budgets at the calibrated rate of the same voice
    assert narration_request(editor, seed=5) == narration_request(replace(result.project, clips=editor.clips), seed=5)

    verdicts = run(core_job(write_lines, editor, SharedNarrator("embedded"), seed=5, speak=False))
    assert [(v.index, v.labels, v.text, v.verdict) for v in verdicts] == [
        (v.index, v.labels, v.text, v.verdict) for v in result.verdicts
    ]
    editor = apply_lines(editor, verdicts)
    assert [(c.labels, c.narration) for c in editor.clips] == [(c.labels, c.narration) for c in result.project.clips]
    # the meter and the narration lane (editor) and the CLI give one verdict per line
    for e, c in zip(editor.clips, result.project.clips):
        assert line_fit(editor, e, wait=False) == line_fit(result.project, c)
    assert all(line_fit(editor, c, wait=False).state in ("fits", "tight") for c in editor.clips if c.narration)
    # and what the export did agrees with the verdicts
    report = json.loads(result.export.report_path.read_text(encoding="utf-8"))
    statuses = [c["status"] for c in report["clips"]]
    assert statuses == [{"empty": "silent"}.get(v.verdict, v.verdict) for v in verdicts]


def test_lines_the_app_writes_never_show_an_over_budget_meter() -> None:
    from core.narration.registry import create_narrator
    from core.pipeline import write_lines

    product = Product.from_json(PRODUCT)
    spans = [(0, 900), (900, 2300), (2300, 5100), (5100, 6000), (6000, 9800)]
    project = Project(product=product, clips=tuple(Clip(a, b) for a, b in spans))
    verdicts = write_lines(project, create_narrator("embedded"), seed=2, cues=[None] * len(spans))
    project = apply_lines(project, verdicts)
    for clip, v in zip(project.clips, verdicts):
        fit = line_fit(project, clip)
        if v.verdict in ("fitted", "shortened"):
            assert fit.chars <= fit.chars_max and fit.state in ("fits", "tight"), (clip, fit)


def test_media_summary_is_the_display_size(tmp_path: Path) -> None:
    plain = make_video(tmp_path / "plain.mp4", duration=1.0, size="160x120", audio=None)
    rotated = tmp_path / "rotated.mp4"
    ffmpeg(["-display_rotation", "90", "-i", str(plain), "-c", "copy", str(rotated)])
    summary = media_summary(probe(rotated))
    assert (summary.width, summary.height) == (120, 160)


def test_product_loader_errors_are_the_same_for_editor_and_cli(tmp_path: Path) -> None:
    from core.pipeline import load_product_beside  # what the editor calls on opening a video

    video = make_video(tmp_path / "v.mp4", duration=1.0, size="64x48", audio=None)
    beside = tmp_path / "v.product.json"
    for bad in ('{"name": 3}', "{not json", '{"name": "x", "attributes": {"a": 1}}'):
        beside.write_text(bad, encoding="utf-8")
        with pytest.raises(InputError) as cli_error:
            load_product(beside)
        with pytest.raises(InputError) as editor_error:
            load_product_beside(video)
        assert str(cli_error.value) == str(editor_error.value)
        assert str(beside) in str(cli_error.value)
    beside.unlink()
    assert load_product_beside(video) is None


def test_merge_range() -> None:
    project = Project(clips=(Clip(0, 1000, narration="一"), Clip(1000, 2000, narration="二"), Clip(2000, 3000)))
    merged = merge_range(project, 0, 2)
    assert [(c.start_ms, c.end_ms) for c in merged.clips] == [(0, 3000)]
    assert merged.clips[0].narration == "一二"
    assert merge_range(project, 1, 1) == project


def _too_long_project(tmp_path: Path) -> Path:
    video = make_video(tmp_path / "src.mp4", duration=8.0, size="160x120", audio=None)
    long = "这款精华液质地轻薄水润，一抹就化开，换季干燥的时候用它特别舒服，现在下单还送同款小样。"
    project = Project(
        video=str(video),
        product=Product.from_json(PRODUCT),
        clips=(
            Clip(0, 3000, narration="这款精华液很轻薄。"),
            Clip(3000, 6200, narration="一抹就化开。"),
            Clip(6200, 8000, narration=long),
        ),
    )
    project = replace(project, media=media_summary(probe(video)))
    path = tmp_path / "p.narr.json"
    save_project(project, path)
    return path


def test_export_exits_2_naming_the_clip_unless_shorten_or_allow_silent(tmp_path: Path) -> None:
    proj = _too_long_project(tmp_path)
    out = tmp_path / "out.mp4"
    proc = cli("export", str(proj), "--out", str(out), "--no-burn-subtitles")
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("clip ")]
    assert len(lines) == 1
    assert re.fullmatch(r"clip 3 \(00:00:06\.200-00:00:08\.000\): the line needs \d+\.\d s, the clip leaves 1\.6 s", lines[0])
    assert not out.exists() and not (tmp_path / "out.report.json").exists()

    proc = cli("export", str(proj), "--out", str(out), "--no-burn-subtitles", "--allow-silent")
    assert proc.returncode == 0, proc.stderr
    assert "clip 3 (00:00:06.200-00:00:08.000)" in proc.stderr and "left silent" in proc.stderr
    report = json.loads((tmp_path / "out.report.json").read_text(encoding="utf-8"))
    assert [c["status"] for c in report["clips"]] == ["fitted", "fitted", "silent"]
    assert str(tmp_path / "out.report.json") in proc.stdout

    out2 = tmp_path / "short.mp4"
    proc = cli("export", str(proj), "--out", str(out2), "--no-burn-subtitles", "--shorten")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "short.report.json").read_text(encoding="utf-8"))
    assert [c["status"] for c in report["clips"]][:2] == ["fitted", "fitted"]
    third = report["clips"][2]
    if third["status"] == "shortened":
        assert "clip 3: shortened to" in proc.stderr and len(third["line"]) < 30
    else:  # the narrator found no shorter line that fits: said so, never silently
        assert third["status"] == "silent" and "clip 3 (" in proc.stderr
    assert load_project(proj).clips[2].narration.startswith("这款精华液质地轻薄水润")  # the project is not changed

    proc = cli("export", str(proj), "--out", str(out2), "--shorten", "--allow-silent")
    assert proc.returncode == 2 and "not allowed with" in proc.stderr


def test_the_editor_meter_never_waits_for_a_voice_calibration() -> None:
    """The first calibration of a voice synthesizes a few dozen lines: the meter uses the set rate
    meanwhile (known_rate returns None at once) and the calibrated rate once it is measured."""
    import threading

    from core.pipeline import estimate_speech_ms, known_rate

    release = threading.Event()
    done = threading.Event()

    class SlowSpeaker:
        def calibrated_cps(self, rate_cps: float, voice: str | None = None) -> float:
            release.wait(60)
            done.set()
            return 4.0

    speaker = SlowSpeaker()
    assert known_rate(5.0, "v", speaker) is None  # type: ignore[arg-type]
    assert estimate_speech_ms("一二三四五", 5.0, "v", speaker, wait=False) == 1000  # type: ignore[arg-type]
    release.set()
    assert done.wait(60)
    for _ in range(600):  # the background thread stores the value right after returning it
        if known_rate(5.0, "v", speaker) is not None:  # type: ignore[arg-type]
            break
        threading.Event().wait(0.05)
    assert known_rate(5.0, "v", speaker) == 4.0  # type: ignore[arg-type]
    assert estimate_speech_ms("一二三四五", 5.0, "v", speaker, wait=False) == 1250  # type: ignore[arg-type]
