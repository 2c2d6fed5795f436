"""Issue #27 on the command line: damaged voice packs, bad environment values, text and numbers that are not
usable, every declared output checked before the first write, no output left by a failed render, names that
are not UTF-8 through every subcommand, control characters escaped in batch lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import project as pj
from core.cli import run
from core.errors import WriteError
from tests.mediagen import make_cut_video
from tests.test_guard_cli import PRODUCT, files, one_error_line, sha, video  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[1]
LATIN1 = os.fsdecode(b"caf\xe9")  # a Latin-1 name, as a Windows zip gives it: surrogate-escaped in Python


def main_py(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def clean_stderr(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 2, 4), (proc.returncode, proc.stderr)  # never a signal (-11) or exit 1


# --- voices -----------------------------------------------------------------------------------------------


def test_a_damaged_voice_pack_is_skipped_with_one_warning_naming_it(tmp_path: Path) -> None:
    packs = tmp_path / "voices"
    packs.mkdir()
    (packs / "zf_broken.pt").write_bytes(b"PK\x03\x04" + b"\x00" * 40)  # a cut-off zip
    (packs / "zf_junk.npz").write_bytes(b"not a zip at all")
    np.save(packs / "zf_good.npy", np.full((4, 1, 256), 0.1, dtype=np.float32))
    env = {
        "SYNCNARRATOR_VOICE_DIRS": str(packs),
        "SYNCNARRATOR_CONFIG_DIR": str(tmp_path / "config"),
        "SYNCNARRATOR_CACHE_DIR": str(tmp_path / "cache"),
    }
    proc = main_py("voices", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    voices = json.loads(proc.stdout)
    assert sum(v["default"] for v in voices) == 1
    assert "kokoro:zf_good" in {v["id"] for v in voices}
    assert not {"kokoro:zf_broken", "kokoro:zf_junk"} & {v["id"] for v in voices}
    warnings = proc.stderr.strip().splitlines()
    assert len(warnings) == 2, proc.stderr
    for name, line in zip(("zf_broken.pt", "zf_junk.npz"), warnings, strict=True):
        assert line.startswith("warning: ") and name in line and "skipped" in line
    proc = main_py("speak", "你好", "--out", str(tmp_path / "hi.wav"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "hi.wav").read_bytes()[:4] == b"RIFF"
    assert proc.stderr.count("zf_broken.pt") == 1, proc.stderr


def test_an_unknown_tts_engine_is_a_one_line_error(tmp_path: Path) -> None:
    proc = main_py("voices", "--json", env={"SYNCNARRATOR_TTS": "bogus"})
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: SYNCNARRATOR_TTS=bogus"), proc.stderr
    proc = main_py("voices", "--json", env={"SYNCNARRATOR_TTS": "espeak"})
    assert proc.returncode == 0, proc.stderr
    assert sum(v["default"] for v in json.loads(proc.stdout)) == 1


# --- speak and detect: bad text and numbers, speak's output guard -------------------------------------------


def test_speak_refuses_text_that_is_not_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.wav"
    assert run(["speak", "好\ud800", "--out", str(out)]) == 2
    one_error_line(capsys, "TEXT", "not valid text")
    proc = subprocess.run(  # as a shell passes bytes that are not UTF-8
        [os.fsencode(sys.executable), os.fsencode(ROOT / "main.py"), b"speak", b"\xff\xfe\xe5\xa5\xbd", b"--out",
         os.fsencode(out)],
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.decode().count("\n") == 1 and b"not valid text" in proc.stderr
    assert not out.exists()


def test_speak_out_goes_through_the_guard(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    project = files["project"]
    before = sha(project)
    assert run(["speak", "你好", "--out", str(project)]) == 2
    one_error_line(capsys, "p.narr.json", "project file")
    assert sha(project) == before
    assert run(["speak", "你好", "--out", "newname/"]) == 2
    one_error_line(capsys, "newname/", "folder")
    assert not (tmp_path / "newname").exists()
    # render and export refuse to put media over a project file too
    assert run(["render", str(files["video"]), "--product", str(files["product"]), "--out", str(project)]) == 2
    one_error_line(capsys, "project file")
    assert sha(project) == before


@pytest.mark.parametrize("value", ["1e308", "inf", "-1", "100000"])
def test_detect_min_clip_out_of_range_is_a_one_line_error(
    value: str, video: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    assert run(["detect", str(video), "--min-clip", value]) == 2
    one_error_line(capsys, "--min-clip")


# --- every output checked before the first is written --------------------------------------------------------


def test_export_checks_the_timeline_media_folder_before_writing_anything(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    proj = str(files["project"])
    (tmp_path / "T_media").write_text("a file where the timeline's media folder goes")
    before = sorted(os.listdir(tmp_path))
    assert run(["export", proj, "--out", "X.mp4", "--otio", "T.otio"]) == 2
    one_error_line(capsys, "T_media", "not a folder")
    assert sorted(os.listdir(tmp_path)) == before
    for out in ("M_media", "M_media/x.mp4"):
        if out == "M_media/x.mp4":
            (tmp_path / "M_media").mkdir()
            before = sorted(os.listdir(tmp_path))
        assert run(["export", proj, "--out", out, "--otio", "M.otio"]) == 2, out
        one_error_line(capsys, "M_media", "timeline")
        assert sorted(os.listdir(tmp_path)) == before, out
    assert os.listdir(tmp_path / "M_media") == []


@pytest.mark.slow
def test_export_otio_shorten_writes_the_timeline_the_mp4_speaks(tmp_path: Path) -> None:
    import opentimelineio as otio

    from tests.test_pipeline import _too_long_project

    proj = _too_long_project(tmp_path)
    env = {"SYNCNARRATOR_CACHE_DIR": str(tmp_path / "cache")}
    out, timeline = tmp_path / "short.mp4", tmp_path / "short.otio"
    proc = main_py("export", str(proj), "--out", str(out), "--otio", str(timeline), "--no-burn-subtitles",
                   "--shorten", env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "short.report.json").read_text(encoding="utf-8"))
    spoken = {i: c["line"] for i, c in enumerate(report["clips"]) if c["status"] in ("fitted", "shortened")}
    audio = otio.adapters.read_from_file(str(timeline)).audio_tracks()[0].find_clips()
    in_timeline = {c.metadata["syncnarrator"]["clip"]: c.metadata["syncnarrator"]["text"] for c in audio}
    assert in_timeline == spoken
    if report["clips"][2]["status"] == "shortened":
        assert len(in_timeline[2]) < 30


# --- a failed or cancelled render leaves none of its outputs ------------------------------------------------


@pytest.mark.parametrize("failure", ["cancel-while-mixing", "disk-full-saving-the-project"])
def test_render_leaves_no_project_when_it_fails_or_is_cancelled(
    tmp_path: Path,
    files: dict[str, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    import core.export.exporter as exporter
    import core.pipeline as pipeline

    monkeypatch.setenv("SYNCNARRATOR_TTS", "espeak")  # the quick voice: the failure, not the voice, is tested
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    if failure == "cancel-while-mixing":

        def interrupted(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(exporter, "mix_sound", interrupted)
    else:

        def full_disk(project: object, path: Path) -> None:
            raise WriteError.from_os_error(path, OSError(28, "No space left on device"), "cannot save the project")

        monkeypatch.setattr(pipeline, "save_project", full_disk)
    code = run([
        "render", str(files["video"]), "--product", str(files["product"]), "--out", str(out_dir / "o.mp4"),
        "--srt", str(out_dir / "o.srt"), "--project", str(out_dir / "P.narr.json"), "--no-burn-subtitles",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == (130 if failure == "cancel-while-mixing" else 2), err
    assert os.listdir(out_dir) == [], "a failed render left outputs"


# --- file names that are not UTF-8, through every subcommand ------------------------------------------------


@pytest.mark.slow
def test_names_that_are_not_utf8_through_every_subcommand(tmp_path: Path) -> None:
    env = {
        "SYNCNARRATOR_CACHE_DIR": str(tmp_path / "cache"),
        "SYNCNARRATOR_TTS": "espeak",
        "SYNCNARRATOR_VOICE_DIRS": str(tmp_path / "voices"),
    }
    (tmp_path / "voices").mkdir()
    np.save(tmp_path / "voices" / f"zf_{LATIN1}.npy", np.full((4, 1, 256), 0.1, dtype=np.float32))
    source = make_cut_video(tmp_path / f"{LATIN1}.mp4", [("color=c=green", 1.5), ("testsrc2", 1.5)], size="160x120")
    product = tmp_path / "p.json"
    product.write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")
    named = tmp_path / f"o{LATIN1}"

    proc = main_py("detect", str(source), "--json", env=env)
    clean_stderr(proc)
    assert proc.returncode == 0 and len(json.loads(proc.stdout)["clips"]) == 2

    proc = main_py("render", str(source), "--product", str(product), "--out", f"{named}.mp4", "--srt",
                   f"{named}.srt", env=env)  # fmt: skip
    clean_stderr(proc)
    assert proc.returncode == 0 and Path(f"{named}.mp4").is_file() and Path(f"{named}.report.json").is_file()
    json.loads(Path(f"{named}.report.json").read_text(encoding="utf-8"))  # valid UTF-8 JSON

    proc = main_py("render", str(source), "--product", str(product), "--out", str(tmp_path / "p.mp4"),
                   "--project", str(tmp_path / "p.narr.json"), env=env)  # fmt: skip
    clean_stderr(proc)
    assert proc.returncode == 2 and "not valid UTF-8" in proc.stderr and "caf\\udce9" in proc.stderr
    assert not (tmp_path / "p.mp4").exists() and not (tmp_path / "p.narr.json").exists()

    plain = tmp_path / "plain.mp4"
    os.link(source, plain)
    proj = tmp_path / "plain.narr.json"
    proc = main_py("render", str(plain), "--product", str(product), "--out", str(tmp_path / "r.mp4"), "--project",
                   str(proj), env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = main_py("export", str(proj), "--out", f"{named}2.mp4", "--otio", str(tmp_path / "t.otio"), env=env)
    clean_stderr(proc)
    assert proc.returncode == 0 and Path(f"{named}2.mp4").is_file() and (tmp_path / "t.otio").is_file()
    proc = main_py("export", str(proj), "--out", str(tmp_path / "x.mp4"), "--otio", f"{named}.otio", env=env)
    clean_stderr(proc)  # OTIO holds names as text: refused before anything is written
    assert proc.returncode == 2 and "valid UTF-8" in proc.stderr and not (tmp_path / "x.mp4").exists()

    proc = main_py("speak", "你好", "--out", f"{named}.wav", env=env)
    clean_stderr(proc)
    assert proc.returncode == 0 and Path(f"{named}.wav").is_file()

    proc = main_py("voices", env={**env, "SYNCNARRATOR_TTS": ""})  # the Kokoro voices, packs included
    clean_stderr(proc)
    assert "warning: " in proc.stderr and "zf_caf\\udce9.npy" in proc.stderr  # skipped, named, escaped

    catalogue = tmp_path / f"{LATIN1}.jsonl"
    catalogue.write_text(json.dumps({"video": "plain.mp4", "product": "p.json", "name": "ad"}) + "\n")
    out_dir = tmp_path / f"out{LATIN1}"
    proc = main_py("batch", str(catalogue), "--out", str(out_dir), "--workers", "1", env=env)
    clean_stderr(proc)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out_dir / "batch-report.json").read_text(encoding="utf-8"))
    assert report["items"][0]["status"] == "done"
    pj.load_project(out_dir / "ad.narr.json")

    dataset = tmp_path / f"{LATIN1}.jsonl.in"
    dataset.write_text(json.dumps({"id": "a", "product": PRODUCT, "clips": []}, ensure_ascii=False) + "\n")
    proc = main_py("narrate-dataset", str(dataset), f"{named}.jsonl", env=env)
    clean_stderr(proc)
    proc = main_py("eval-narration", f"{named}.jsonl", f"{named}.jsonl", env=env)
    clean_stderr(proc)


# --- control characters in batch lines ---------------------------------------------------------------------


def test_batch_failure_lines_escape_control_characters(tmp_path: Path) -> None:
    product = tmp_path / "p.json"
    product.write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")
    catalogue = tmp_path / "c.jsonl"
    catalogue.write_text(
        json.dumps({"video": "\x1b[31mred\u202e.mp4", "product": "p.json", "name": "red"}) + "\n", encoding="utf-8"
    )
    proc = main_py("batch", str(catalogue), "--out", str(tmp_path / "out"))
    assert proc.returncode == 4, proc.stderr
    assert "\x1b" not in proc.stderr and "\u202e" not in proc.stderr
    failed = [line for line in proc.stderr.splitlines() if line.startswith("batch: red: failed")]
    assert len(failed) == 1 and "\\x1b[31mred\\u202e.mp4" in failed[0], proc.stderr
