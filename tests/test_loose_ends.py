"""Loose ends of #16, each pinned by a test that fails without its fix."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


# -- --debug is a real option -------------------------------------------------------------------------


def test_debug_is_a_registered_option() -> None:
    from core.cli import build_parser

    args = build_parser().parse_args(["--debug", "detect", "video.mp4"])
    assert args.debug is True
    assert build_parser().parse_args(["detect", "video.mp4"]).debug is False


def test_debug_prints_the_traceback_of_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import types

    import core.cli

    def boom(_args: Any) -> int:
        raise ZeroDivisionError("bug")

    fake = types.ModuleType("fake_boom_command")
    fake.register = lambda sub: sub.add_parser("boom").set_defaults(handler=boom)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_boom_command", fake)
    monkeypatch.setattr(core.cli, "COMMAND_MODULES", [*core.cli.COMMAND_MODULES, "fake_boom_command"])
    monkeypatch.delenv("SYNCNARRATOR_DEBUG", raising=False)
    assert core.cli.run(["boom"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert core.cli.run(["--debug", "boom"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal error: ZeroDivisionError: bug" in err


def test_main_sends_debug_subcommand_to_the_cli() -> None:
    from main import _is_subcommand

    assert _is_subcommand(["--debug", "detect", "x.mp4"])
    assert not _is_subcommand([])


# -- umask is read, never set ------------------------------------------------------------------------


def test_replacement_mode_never_changes_the_umask(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Setting the umask to 0 even for a moment lets another thread create a world-writable file."""
    from core import user_files

    mask = os.umask(0o022)
    os.umask(mask)

    def forbidden(_mask: int) -> int:
        raise AssertionError("os.umask() called while other threads may create files")

    monkeypatch.setattr(os, "umask", forbidden)
    assert user_files.replacement_mode(tmp_path / "new.json") == 0o666 & ~mask
    assert user_files.current_umask() == mask


def test_umask_is_read_consistently_from_threads(tmp_path: Path) -> None:
    from core import user_files

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(user_files.current_umask())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1


# -- preview WAVs: a private folder per editor process, removed at exit --------------------------------

PREVIEW_CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from gui import preview_files
print(preview_files.preview_dir())
"""


def test_preview_folder_is_private_to_the_process_and_removed_at_exit() -> None:
    from gui import preview_files

    mine = preview_files.preview_dir()
    assert mine.is_dir() and preview_files.preview_dir() == mine
    out = subprocess.run(
        [sys.executable, "-c", PREVIEW_CHILD, str(ROOT)], capture_output=True, text=True, timeout=120
    )
    theirs = Path(out.stdout.strip())
    assert out.returncode == 0, out.stderr
    assert theirs != mine  # not one folder shared by every editor on the machine
    assert not theirs.exists()  # the other process cleaned up after itself
    if os.name == "posix":
        assert mine.stat().st_mode & 0o077 == 0  # private
    preview_files.remove_preview_dir()
    assert not mine.exists()


def test_preview_names_are_stable_across_processes() -> None:
    """Python's hash() of strings changes per process; the track name must not."""
    from core.project import Clip, Project
    from gui import preview_files

    project = Project(video="/v.mp4", clips=(Clip(0, 1000, narration="好"),))
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from core.project import Clip, Project; from gui import preview_files;"
        "print(preview_files.preview_name(Project(video='/v.mp4', clips=(Clip(0, 1000, narration='好'),))))"
    )
    names = {
        subprocess.run(
            [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout.strip()
        for seed in (1, 2)
    }  # fmt: skip
    assert names == {preview_files.preview_name(project)}


# -- ./run: the editor alone needs no dev or llm extra -------------------------------------------------


def _plan(*args: str) -> str:
    out = subprocess.run(
        ["bash", str(ROOT / "run"), *args],
        capture_output=True, text=True, timeout=60, env={**os.environ, "SYNCNARRATOR_RUN_PLAN": "1"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_run_alone_installs_only_what_the_editor_needs() -> None:
    assert _plan() == "extras: []"
    assert _plan("render", "--help") == "extras: []"
    extras = _plan("test").removeprefix("extras: [").removesuffix("]").split(",")
    assert {"dev", "llm"} <= set(extras)


# -- one atomic write ---------------------------------------------------------------------------------


def test_atomic_file_is_all_or_nothing(tmp_path: Path) -> None:
    from core.user_files import atomic_file, write_atomic

    target = tmp_path / "out.json"
    write_atomic(target, b"old")
    target.chmod(0o640)
    with pytest.raises(RuntimeError), atomic_file(target) as fh:
        fh.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp left behind
    with atomic_file(target, "w") as fh:
        fh.write("新")
    assert target.read_text(encoding="utf-8") == "新"
    assert target.stat().st_mode & 0o777 == 0o640  # the replaced file's permissions are kept
