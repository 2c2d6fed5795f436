"""Project files are data: they cannot run commands or make an export write outside the chosen output.

Static checks over the whole repository (no shell, every subprocess has a timeout, no pickle/eval/remote
code) and an end-to-end run on files whose names are shell and filter-graph syntax. The LLM folder rules
(safetensors only, no remote code) are tested in test_llm_narrator.py; here only that no code path turns
them on by default.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from core import project as pj
from core.errors import SyncNarratorError
from core.project import Clip, MediaSummary, Project
from tests.mediagen import make_video

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", "build", "dist", ".git", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache"}
SHELL_NAMES = [
    "$(touch PWNED-dollar).mp4",
    "`touch PWNED-tick`.mp4",
    "; touch PWNED-semi #.mp4",
    "a'b\"c|touch PWNED-pipe&.mp4",
    "-i.mp4",
]
# characters that mean something in ffmpeg filter graphs and option syntax
GRAPH_FOLDER = "out [x];'y':z,w=1 %d \\ $HOME"


def python_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            files.append(path)
    return [*files, ROOT / "pyinstaller.spec"]


def calls(path: Path) -> list[tuple[str, ast.Call]]:
    """(dotted name of the callee, node) for every call in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found.append((ast.unparse(node.func), node))
    return found


def test_no_shell_anywhere_in_the_repository() -> None:
    offenders = []
    for path in python_files():
        for name, node in calls(path):
            where = f"{path.relative_to(ROOT)}:{node.lineno} {name}"
            for kw in node.keywords:
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    offenders.append(f"{where}(shell=...)")
            if name in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"):
                offenders.append(where)
            if name.endswith(("os.execl", "os.execlp", "os.spawnl")) or name == "pty.spawn":
                offenders.append(where)
    assert not offenders, "\n".join(offenders)
    assert python_files(), "found no files to check"


def test_every_blocking_subprocess_call_has_a_timeout() -> None:
    blocking = ("subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output")
    offenders = []
    for folder in ("core", "gui", "scripts", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name, node in calls(path):
                if name in blocking and not any(kw.arg in ("timeout", None) for kw in node.keywords):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name} without timeout")
    assert not offenders, "\n".join(offenders)


def test_every_long_running_subprocess_can_be_stopped() -> None:
    """A Popen'd child is killed or waited on with a timeout by the function or class that starts it."""
    offenders = []
    for folder in ("core", "gui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            # a method's child may be stopped by another method of its class (a player's stop())
            scopes = [n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))]
            for scope in scopes:
                starts = [
                    n
                    for n in ast.walk(scope)
                    if isinstance(n, ast.Call) and ast.unparse(n.func) in ("subprocess.Popen", "Popen")
                ]
                body = ast.unparse(scope)
                if starts and not any(word in body for word in (".kill(", ".terminate(", "timeout")):
                    offenders.append(
                        f"{path.relative_to(ROOT)}:{starts[0].lineno} {scope.name} never stops its child"
                    )
    assert not offenders, "\n".join(offenders)


def test_no_code_from_data() -> None:
    """Nothing in the app deserializes code: no pickle/marshal/eval/exec, torch.load only weights_only."""
    banned = {
        "pickle.load", "pickle.loads", "marshal.loads", "marshal.load", "eval", "exec", "yaml.load",
        "yaml.unsafe_load", "shelve.open", "dill.load", "dill.loads", "joblib.load", "numpy.load", "np.load",
    }  # fmt: skip
    offenders = []
    for folder in ("core", "gui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name, node in calls(path):
                where = f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                if name in banned and not (name in ("numpy.load", "np.load") and _allow_pickle_false(node)):
                    offenders.append(where)
                if name == "torch.load" and not any(
                    kw.arg == "weights_only" and isinstance(kw.value, ast.Constant) and kw.value.value is True
                    for kw in node.keywords
                ):
                    offenders.append(f"{where} without weights_only=True")
                for kw in node.keywords:
                    if (
                        kw.arg == "trust_remote_code"
                        and isinstance(kw.value, ast.Constant)
                        and kw.value.value
                    ):
                        offenders.append(f"{where} hard-codes trust_remote_code=True")
    assert not offenders, "\n".join(offenders)


def _allow_pickle_false(node: ast.Call) -> bool:
    return not any(
        kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)
        for kw in node.keywords
    )


def test_llm_remote_code_is_off_by_default() -> None:
    import inspect

    from core.narration import llm

    default = inspect.signature(llm.LLMNarrator).parameters["trust_remote_code"].default
    assert default is False


# --- end to end: hostile names are just names -------------------------------------------------------------


def tree_snapshot(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*")}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd and HOME inside tmp_path, so a command that ran would leave its PWNED file where we look."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pwned(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("PWNED*") if not p.name.endswith((".mp4", ".report.json")))


@pytest.mark.timeout(300)
def test_shell_syntax_in_file_names_runs_nothing(sandbox: Path) -> None:
    from core.detection import detect_clips
    from core.export import ExportOptions, export_project

    media = sandbox / "media"
    media.mkdir()
    seed = make_video(media / "seed.mp4", duration=2.0, size="160x120")
    out_dir = sandbox / GRAPH_FOLDER
    out_dir.mkdir()
    for i, name in enumerate(SHELL_NAMES):
        video = media / name
        video.write_bytes(seed.read_bytes())
        project_file = media / f"p{i}.narr.json"
        detection = detect_clips(video)
        info = detection.info
        project = Project(
            video=str(video),
            media=MediaSummary(info.duration_ms, Fraction(info.fps), info.width, info.height, info.has_audio),
            clips=tuple(Clip(a, b, narration="好用") for a, b in detection.clips),
        )
        pj.save_project(project, project_file)
        loaded = pj.load_project(project_file)
        assert loaded.video == str(video)
        before = tree_snapshot(sandbox)
        out = out_dir / f"{i} $(touch PWNED-out).mp4"
        srt = out_dir / f"{i} `touch PWNED-srt`.srt"
        export_project(loaded, out, ExportOptions(burn_subtitles=True, x264_preset="ultrafast", srt=srt))
        created = tree_snapshot(sandbox) - before
        # the speech cache and espeak-ng's pulseaudio client config (~/.config/pulse) are not export output
        created = {
            p
            for p in created
            if not p.is_relative_to(sandbox / "cache") and not p.is_relative_to(sandbox / "home")
        }
        assert created == {out, srt, out.with_name(out.stem + ".report.json")}, sorted(map(str, created))
        assert "好用" in srt.read_text(encoding="utf-8")
    assert pwned(sandbox, Path.cwd()) == []


def test_project_paths_are_never_executed_or_followed_for_writing(sandbox: Path) -> None:
    """A project naming a device, a shell command or a system file as its video only gets a clean error."""
    from core.export import ExportOptions, export_project

    for video in (
        "$(touch PWNED-load)",
        "/etc/passwd",
        "../../../../etc/hostname",
        "/dev/zero",
        "|touch PWNED",
    ):
        doc = {
            "format": pj.PROJECT_FORMAT,
            "schema": 1,
            "video": video,
            "media": {"duration_ms": 1000, "fps": "25/1", "width": 160, "height": 120},
            "clips": [{"start_ms": 0, "end_ms": 1000, "narration": "你好"}],
            "export": {"output": "/etc/passwd"},
        }
        path = sandbox / "evil.narr.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        project = pj.load_project(path)
        out = sandbox / "out.mp4"
        before = tree_snapshot(sandbox)
        with pytest.raises(SyncNarratorError) as info:
            export_project(project, out, ExportOptions(x264_preset="ultrafast"))
        assert "\n" not in str(info.value)
        assert not out.exists()
        created = tree_snapshot(sandbox) - before
        assert all("cache" in p.relative_to(sandbox).parts for p in created), created
    assert pwned(sandbox) == []
    assert os.path.getsize("/etc/passwd") > 0


HOSTILE_LINES = [
    "好用\n\n1\n00:00:00,000 --> 00:00:09,000\n注入",  # an SRT cue smuggled into the text
    "{\\fnEvil\\c&H0000FF&}红色\\N换行",  # ASS override tags
    "真的\x00好用",  # NUL cannot go into a command line
    "好用\u202e反转",  # right-to-left override
    "<b>加粗</b>&amp;",
    "\r\n\r\n好",
]


@pytest.mark.timeout(300)
def test_narration_text_is_only_text(sandbox: Path) -> None:
    """Whatever a line contains, export speaks and subtitles it; it never adds cues or fails on syntax."""
    from core.export import ExportOptions, export_project
    from core.ffmpeg_exec import ffmpeg_path

    video = make_video(sandbox / "v.mp4", duration=4.0, size="160x120")
    for i, line in enumerate(HOSTILE_LINES):
        project = Project(
            video=str(video),
            media=MediaSummary(4000, Fraction(25), 160, 120, True),
            clips=(Clip(0, 4000, narration=line),),
        )
        out = sandbox / f"out{i}.mp4"
        result = export_project(project, out, ExportOptions(x264_preset="ultrafast"))
        srt = subprocess.run(
            [ffmpeg_path(), "-v", "error", "-i", str(out), "-map", "0:s:0", "-f", "srt", "-"],
            capture_output=True,
            timeout=60,
        ).stdout.decode("utf-8", "replace")
        timings = [
            ln
            for ln in srt.splitlines()
            if re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", ln)
        ]
        assert len(timings) == len(result.cues), (line, srt)
        spoken = "".join(ch for ch in line if "\u4e00" <= ch <= "\u9fff")
        shown = "".join(ch for ch in srt if "\u4e00" <= ch <= "\u9fff")
        assert shown == spoken, (line, srt)
