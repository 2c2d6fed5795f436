"""`main.py render` and `main.py export` as other tools call them: files, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from core.media import probe
from core.narration.base import ClipNarration, Narrator
from core.project import load_project, save_project, set_narration
from tests.mediagen import SHARED_MEDIA, make_cut_video, make_video
from tests.test_export import assert_speech_inside_clips, decode_audio, speech_regions

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = {
    "name": "澜肌轻盈保湿精华液",
    "attributes": {
        "痛点": "换季干燥、脸部紧绷",
        "质地": "轻薄、水润、一抹即化",
        "活动优惠": "买一送一、赠同款小样",
    },
}


def cli(
    *args: str, env_extra: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def product(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "product.json"
    path.write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_render_real_footage_then_export_edited_project(tmp_path: Path, product: Path) -> None:
    src = SHARED_MEDIA / "bikes.mp4"
    if not src.exists():
        pytest.skip("shared media missing")
    before = sha(src)
    out_dir = tmp_path / "输出 it's: here"
    out_dir.mkdir()
    out, srt, wav, proj = (out_dir / n for n in ("成片.mp4", "a.srt", "n.wav", "ad.narr.json"))
    proc = cli(
        "render",
        str(src),
        "--product",
        str(product),
        "--out",
        str(out),
        "--srt",
        str(srt),
        "--narration-wav",
        str(wav),
        "--project",
        str(proj),
    )
    assert proc.returncode == 0, proc.stderr
    assert sha(src) == before
    assert "render:" in proc.stderr  # progress on stderr
    source, result = probe(src), probe(out)
    assert abs(result.duration_ms - source.duration_ms) <= 1000 / float(source.fps)
    assert result.audio_channels == 2 and result.video_codec == "h264" and result.pix_fmt == "yuv420p"
    with wave.open(str(wav)) as w:  # the narration alone, same timeline, 16-bit PCM
        assert w.getsampwidth() == 2
        assert abs(w.getnframes() / w.getframerate() * 1000 - source.duration_ms) <= 40
    project = load_project(proj)
    assert len(project.clips) >= 3 and project.clips[-1].end_ms == source.duration_ms
    regions = speech_regions(decode_audio(wav))
    assert_speech_inside_clips(regions, project)
    dropped = proc.stderr
    for i, clip in enumerate(project.clips):
        if clip.duration_ms >= 1200 and f"clip {i + 1}:" not in dropped:
            assert clip.narration and any(clip.start_ms <= s < clip.end_ms for s, _ in regions), clip
    assert srt.read_text(encoding="utf-8").strip()

    # the user rewrites a line and exports again without re-detecting or re-narrating
    index = max(range(len(project.clips)), key=lambda i: project.clips[i].duration_ms)
    edited = set_narration(project, index, "轻薄水润不黏腻。", lock=True)
    save_project(edited, proj)
    out2, srt2 = out_dir / "edited.mp4", out_dir / "edited.srt"
    proc = cli("export", str(proj), "--out", str(out2), "--srt", str(srt2))
    assert proc.returncode == 0, proc.stderr
    assert "轻薄水润不黏腻" in srt2.read_text(encoding="utf-8") and "。" not in srt2.read_text(encoding="utf-8")
    assert abs(probe(out2).duration_ms - source.duration_ms) <= 40
    assert sha(src) == before
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]


def test_render_error_cases_exit_2_with_one_line(tmp_path: Path, product: Path) -> None:
    src = make_cut_video(tmp_path / "src.mp4", [("color=c=green", 1.0), ("color=c=red", 1.0)], size="160x120")
    before = sha(src)
    cases = [
        (
            ["render", str(src), "--product", str(product), "--out", str(src)],
            "would overwrite the input file",
        ),
        (
            ["render", str(tmp_path / "nope.mp4"), "--product", str(product), "--out", "o.mp4"],
            "no such video",
        ),
        (["render", str(src), "--product", str(tmp_path / "none.json"), "--out", "o.mp4"], "no such product"),
        (
            ["render", str(src), "--product", str(product), "--out", str(tmp_path / "no" / "o.mp4")],
            "does not exist",
        ),
        (["export", str(tmp_path / "missing.narr.json"), "--out", "o.mp4"], "no such project"),
        (
            ["render", str(src), "--product", str(product), "--out", "o.mp4", "--voice", "klingon"],
            "no such voice",
        ),
        (
            ["render", str(src), "--product", str(product), "--out", "o.mp4", "--rate", "99"],
            "between 0.5 and 30",
        ),
    ]
    unwritable = "/sys/o.mp4" if os.geteuid() == 0 else "/o.mp4"
    cases.append((["render", str(src), "--product", str(product), "--out", unwritable], "cannot write"))
    for args, message in cases:
        proc = cli(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    (tmp_path / "nofonts").mkdir()
    proc = cli(
        "render",
        str(src),
        "--product",
        str(product),
        "--out",
        str(tmp_path / "o.mp4"),
        "--burn-subtitles",
        env_extra={"SYNCNARRATOR_FONT_DIRS": str(tmp_path / "nofonts")},
    )
    assert proc.returncode == 2 and "no Chinese font" in proc.stderr
    assert sha(src) == before
    assert not (tmp_path / "o.mp4").exists()


def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path: Path, product: Path) -> None:
    shots = [("color=c=green", 4.0), ("color=c=red", 4.0), ("color=c=yellow", 4.0), ("color=c=blue", 4.0)]
    src = make_cut_video(tmp_path / "src.mp4", shots, size="320x240")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "render",
            str(src),
            "--product",
            str(product),
            "--out",
            str(out_dir / "o.mp4"),
            "--srt",
            str(out_dir / "o.srt"),
            "--burn-subtitles",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the first progress line: the job is under way
    assert first.startswith("render:")
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 130, first + rest
    assert "cancelled" in rest
    assert list(out_dir.iterdir()) == []


def test_narration_wav_is_silent_outside_speech_when_no_lines(tmp_path: Path, product: Path) -> None:
    """A project whose lines are all empty exports the original audio and a silent narration track."""
    src = make_video(tmp_path / "src.mp4", duration=2.0, size="160x120")
    proc = cli(
        "render",
        str(src),
        "--product",
        str(product),
        "--out",
        str(tmp_path / "o.mp4"),
        "--project",
        str(tmp_path / "p.narr.json"),
    )
    assert proc.returncode == 0, proc.stderr
    project = load_project(tmp_path / "p.narr.json")
    blank = project.__class__(
        **{**project.__dict__, "clips": tuple(c.__class__(c.start_ms, c.end_ms) for c in project.clips)}
    )
    save_project(blank, tmp_path / "p.narr.json")
    proc = cli(
        "export",
        str(tmp_path / "p.narr.json"),
        "--out",
        str(tmp_path / "e.mp4"),
        "--narration-wav",
        str(tmp_path / "n.wav"),
    )
    assert proc.returncode == 0, proc.stderr
    assert np.abs(decode_audio(tmp_path / "n.wav")).max() == 0
    assert np.abs(decode_audio(tmp_path / "e.mp4")).max() > 0.05  # the original tone, not ducked away


class ScriptedNarrator(Narrator):
    """A narrator double: first lines far too long; rewrites honour chars_max only if `cooperative`."""

    name = "scripted"
    LONG = "现在下单还送同款小样，赶紧点击下方链接抢购吧！限时优惠只有今天，错过再等一年，快来抢购吧！"

    def __init__(self, cooperative: bool) -> None:
        self.cooperative = cooperative
        self.rewrites: list[tuple[int, int | None]] = []

    def narrate(self, request, *, progress=None, cancel=None):  # type: ignore[override]
        return [ClipNarration(c.index, ("产品推荐",), self.LONG, 1, 60) for c in request.clips]

    def rewrite(self, request, index, *, seed, context=None):  # type: ignore[override]
        clip = request.clips[index]
        self.rewrites.append((index, clip.chars_max))
        text = self.LONG[: clip.chars_max] if self.cooperative else self.LONG
        return ClipNarration(index, ("产品推荐",), text, clip.chars_min or 1, clip.chars_max or 60)


@pytest.mark.parametrize("cooperative", [True, False])
def test_render_asks_for_shorter_lines_then_drops(tmp_path: Path, product: Path, cooperative: bool) -> None:
    from core.pipeline import RenderOptions, load_product, render_video
    from core.speech import EspeakEngine, Speaker

    src = make_cut_video(
        tmp_path / "src.mp4", [("color=c=white", 2.5), ("color=c=navy", 2.5)], size="160x120"
    )
    narrator = ScriptedNarrator(cooperative)
    result = render_video(
        src,
        load_product(product),
        tmp_path / "o.mp4",
        options=RenderOptions(narration_wav=tmp_path / "n.wav"),
        speaker=Speaker(EspeakEngine()),
        narrator=narrator,
    )
    assert len(result.project.clips) == 2
    asked = [m for _, m in narrator.rewrites]
    assert asked and all(m is not None and m < len(ScriptedNarrator.LONG) for m in asked)
    regions = speech_regions(decode_audio(tmp_path / "n.wav"))
    if cooperative:
        assert result.dropped == ()
        assert all(0 < len(c.narration) < len(ScriptedNarrator.LONG) for c in result.project.clips)
        assert_speech_inside_clips(regions, result.project)
        assert len(regions) >= 2
    else:
        assert result.dropped == (0, 1)
        assert len(narrator.rewrites) == 2 * RenderOptions().rewrite_tries
        assert sum("left silent" in w for w in result.warnings) == 2
        assert regions == []
        # the line stays in the project (for the editor to show as too long); the export left it silent
        assert all(c.narration == ScriptedNarrator.LONG for c in result.project.clips)
        assert [v.verdict for v in result.verdicts] == ["silent", "silent"]
        report = json.loads(result.export.report_path.read_text(encoding="utf-8"))
        assert [c["status"] for c in report["clips"]] == ["silent", "silent"]
