"""Burned-in subtitles drawn once per cue and overlaid while shown (core.export.burnin) look as ffmpeg's
`ass` filter draws them on every frame: the same text, font, place and timing, frame by frame."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pysubs2
import pytest

import core.export.burnin as burnin
import core.export.exporter as exporter
from core.export import ExportOptions, export_project
from core.export.fonts import find_cjk_font
from core.export.subtitles import Cue, to_ass
from core.ffmpeg_exec import ffmpeg_path
from core.media import probe
from core.project import Clip, MediaSummary, Project
from core.speech import EspeakEngine, Speaker
from tests.mediagen import make_video

W, H = 320, 240


pytestmark = pytest.mark.usefixtures("shared_speech_cache")


def frames(path: Path) -> np.ndarray:
    """Every frame as (n, W*H*3/2) yuv420p bytes."""
    proc = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(-1, W * H * 3 // 2).astype(np.int16)


def test_cues_drawn_once_look_as_the_ass_filter_draws_them_on_every_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_video(tmp_path / "src.mp4", duration=6.0, size=f"{W}x{H}", audio=None)  # a moving pattern
    info = probe(source)
    project = Project(
        video=str(source),
        media=MediaSummary(info.duration_ms, info.fps, W, H, info.has_audio),
        clips=(
            Clip(0, 2000, narration="这款精华液很轻薄。"),
            Clip(2000, 4000, narration="早晚各用一次！"),
            Clip(4000, 6000, narration="肌肤水润有光泽。"),
        ),
    )
    commands: list[list[str]] = []
    real_command = exporter.video_command

    def recording(*args: object, **kwargs: object) -> list[str]:
        commands.append(real_command(*args, **kwargs))  # type: ignore[arg-type]
        return commands[-1]

    monkeypatch.setattr(exporter, "video_command", recording)
    options = ExportOptions(burn_subtitles=True, crf=0, report=False)  # lossless: the frames as drawn
    speaker = Speaker(EspeakEngine())
    once = export_project(project, tmp_path / "once.mp4", options, speaker=speaker)
    monkeypatch.setattr(exporter, "render_cue_images", lambda *a, **k: None)
    every = export_project(project, tmp_path / "every.mp4", options, speaker=speaker)
    graphs = [c[c.index("-filter_complex") + 1] for c in commands]
    assert "overlay" in graphs[0] and "ass=" not in graphs[0]
    assert "ass=" in graphs[1] and "overlay" not in graphs[1]
    assert once.cues == every.cues and len(once.cues) == 3

    a, b, src = frames(tmp_path / "once.mp4"), frames(tmp_path / "every.mp4"), frames(source)
    assert a.shape == b.shape == src.shape
    luma = W * H
    texted = np.abs(b[:, :luma] - src[:, :luma]).max(axis=1) > 100
    assert texted.sum() > 0.6 * len(b) and not texted.all()  # text while cues show, none at the start
    assert np.abs(a[:, :luma] - b[:, :luma]).max() <= 3  # the same pixels on every frame, so the same timing
    chroma = np.abs(a[:, luma:] - b[:, luma:])
    assert (chroma > 4).sum() <= 0.002 * chroma.size, np.bincount(chroma.ravel())[:20]


def cues_script(times: list[tuple[int, int]], lines: tuple[str, ...] = ("这款精华液很轻薄",)) -> str:
    cues = [Cue(a, b, lines) for a, b in times]
    return to_ass(cues, 640, 360, find_cjk_font().family)


def test_each_cue_is_one_image_in_the_box_all_of_them_fit(tmp_path: Path) -> None:
    times = [(0, 1000), (1000, 2500), (3000, 4000)]
    script = cues_script(times, ("这款精华液很轻薄", "早晚各用一次"))  # two lines
    script = script.replace("这款精华液很轻薄\\N早晚各用一次", "短", 1)  # the first cue: one short line
    script = script.replace("这款精华液很轻薄\\N早晚各用一次", "这款精华液很轻薄", 1)  # the second: one line
    fonts = burnin.single_font_folder(find_cjk_font(), tmp_path)
    images = burnin.render_cue_images(script, 640, 360, fonts, tmp_path)
    assert images is not None
    assert images.shown_ms == tuple(times)
    assert all(v % 2 == 0 for v in (images.x, images.y, images.width, images.height))  # 4:2:0 chroma
    assert (
        images.x > 0
        and images.x + images.width < 640
        and 360 * 0.6 < images.y < images.y + images.height < 360
    )
    raw = np.fromfile(images.path, dtype=np.uint8).reshape(3, -1)
    alpha = raw[:, images.width * images.height * 3 // 2 :].reshape(3, images.height, images.width)
    widths = [np.ptp(np.nonzero(a.any(axis=0))[0]) for a in alpha]
    heights = [np.ptp(np.nonzero(a.any(axis=1))[0]) for a in alpha]
    assert widths[0] < widths[1] / 3 and widths[1] == widths[2]
    assert heights[0] == heights[1] and heights[2] > 1.6 * heights[1]  # the third cue has two lines
    assert not (tmp_path / "cues-drawn.yuva").exists()
    assert (
        images.enable_expression()
        == "gte(t,0.000)*lt(t,1.000)+gte(t,1.000)*lt(t,2.500)+gte(t,3.000)*lt(t,4.000)"
    )


def test_the_ass_filter_draws_what_one_image_per_cue_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fonts = burnin.single_font_folder(find_cjk_font(), tmp_path)
    # overlapping cues: libass stacks them
    assert burnin.render_cue_images(cues_script([(0, 2000), (1500, 3000)]), 640, 360, fonts, tmp_path) is None
    monkeypatch.setattr(burnin, "MAX_DRAWN_BYTES", 640 * 50)  # canvases too large to keep a while
    assert burnin.render_cue_images(cues_script([(0, 1000)]), 640, 360, fonts, tmp_path) is None
    monkeypatch.setattr(burnin, "MAX_CUES", 2)  # more cues than the command line should carry
    assert burnin.render_cue_images(cues_script([(0, 1), (2, 3), (4, 5)]), 640, 360, fonts, tmp_path) is None


def test_a_shadow_drawn_on_the_canvas_keeps_its_opacity() -> None:
    shadow = pysubs2.Color(0, 0, 0, 96)  # the subtitle style's shadow: 62% opaque
    drawn = burnin._canvas_colour(shadow)
    assert (1 - drawn.a / 255) ** 2 == pytest.approx(1 - shadow.a / 255, abs=0.005)
    assert burnin._canvas_colour(pysubs2.Color(255, 255, 255, 0)) == pysubs2.Color(255, 255, 255, 0)


def test_libass_reads_the_chosen_font_alone(tmp_path: Path) -> None:
    font = find_cjk_font()
    folder = burnin.single_font_folder(font, tmp_path)
    assert [p.name for p in folder.iterdir()] == [font.path.name]
    assert (folder / font.path.name).stat().st_size == font.path.stat().st_size
    assert burnin.single_font_folder(font, tmp_path) == folder  # a second call finds it there


def test_a_cue_of_no_duration_gets_no_image(tmp_path: Path) -> None:
    fonts = burnin.single_font_folder(find_cjk_font(), tmp_path)
    images = burnin.render_cue_images(
        cues_script([(0, 1000), (1000, 1000), (1000, 2000)]), 640, 360, fonts, tmp_path
    )
    assert images is not None and images.shown_ms == ((0, 1000), (1000, 2000))
    assert images.path.stat().st_size == 2 * images.width * images.height * 5 // 2
    assert images.pts_expression() == "0*eq(N,0)+1000*eq(N,1)"
