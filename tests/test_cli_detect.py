"""`main.py detect` as other tools call it: one JSON object on stdout, progress on stderr, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from tests.mediagen import SHARED_MEDIA

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "detect", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_json_contract_on_bikes() -> None:
    proc = _run(str(SHARED_MEDIA / "bikes.mp4"), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # stdout is exactly one JSON object
    assert proc.stdout.strip().count("\n") == 0
    assert set(doc) == {"duration", "fps", "width", "height", "clips"}
    assert doc["duration"] == 10.0 and doc["fps"] == "25/1"
    assert (doc["width"], doc["height"]) == (640, 272)
    clips = doc["clips"]
    assert clips[0]["start"] == 0.0 and clips[-1]["end"] == doc["duration"]
    for a, b in pairwise(clips):
        assert a["end"] == b["start"]
    starts = [c["start"] for c in clips[1:]]
    assert len(starts) == 4  # the 0.32 s tail after 9.68 s is shorter than the 0.6 s minimum
    for found, true in zip(starts, [1.20, 3.04, 5.48, 7.48], strict=True):
        assert abs(found - true) <= 0.081
    for c in clips:  # seconds with at most 3 decimals
        assert round(c["start"], 3) == c["start"] and round(c["end"], 3) == c["end"]
    assert "detect:" in proc.stderr and "100%" in proc.stderr  # progress went to stderr


def test_min_clip_option_keeps_short_tail() -> None:
    proc = _run(str(SHARED_MEDIA / "bikes.mp4"), "--json", "--min-clip", "0.2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["clips"]) == 6
    assert proc.stderr == ""


def test_human_table() -> None:
    proc = _run(str(SHARED_MEDIA / "bikes.mp4"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "640x272" in lines[0] and "5 clips" in lines[0]
    assert "00:01.200" in proc.stdout and "00:10.000" in proc.stdout
    assert len([ln for ln in lines if ln.strip()[:1].isdigit()]) == 5


@pytest.mark.parametrize("kind", ["missing", "text", "directory"])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "clip.mp4"
    if kind == "text":
        target.write_text("hello")
    elif kind == "directory":
        target.mkdir()
    proc = _run(str(target), "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(target) in lines[0]
    assert "Traceback" not in proc.stderr


def test_bad_option_values_exit_2() -> None:
    proc = _run(str(SHARED_MEDIA / "bikes.mp4"), "--sensitivity", "2")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: --sensitivity")
    proc = _run(str(SHARED_MEDIA / "bikes.mp4"), "--min-clip", "-1")
    assert proc.returncode == 2 and "--min-clip" in proc.stderr


def test_json_width_height_are_the_display_size(tmp_path: Path) -> None:
    """704x576 stored at a 16:11 pixel aspect is shown as 1024x576: `width`/`height` say so."""
    from tests.mediagen import make_video

    video = make_video(
        tmp_path / "pal.mp4", duration=1.0, size="704x576", audio=None, extra=["-vf", "setsar=16/11"]
    )
    proc = _run(str(video), "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["width"], doc["height"]) == (1024, 576)
    assert set(doc) == {"duration", "fps", "width", "height", "clips"}
