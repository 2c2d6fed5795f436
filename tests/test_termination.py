"""Termination is a cancel: SIGTERM/SIGHUP mid-export exit 130 and leave nothing behind; after kill -9 the
ffmpeg child dies with its parent and the next export sweeps the leftovers.

ffmpeg is reached through a wrapper ($SYNCNARRATOR_FFMPEG) that adds `-re` to the encoding run only, so the
export takes as long as the video plays and a signal reliably lands while ffmpeg encodes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import project as pj
from core.ffmpeg_exec import ffmpeg_path
from core.leftovers import partial_prefix, stale_leftovers, sweep, work_prefix
from core.project import Project
from tests.test_faults import narrated, speech_cache  # noqa: F401  (module fixtures)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs /proc and the Linux parent-death signal"
)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def ffmpeg_pids(tag: str) -> list[int]:
    """Live (not zombie) ffmpeg processes whose command line mentions `tag` (a test's own folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            line = _cmdline(int(entry.name))
            try:
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if "ffmpeg" in line and tag in line and state != "Z":
                found.append(int(entry.name))
    return found


@pytest.fixture
def slow_ffmpeg(tmp_path: Path) -> Path:
    wrapper = tmp_path / "slow-ffmpeg"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" -progress "*) exec "{ffmpeg_path()}" -re "$@";; esac\n'
        f'exec "{ffmpeg_path()}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def start_export(
    tmp_path: Path, project: Project, cache: Path, wrapper: Path, *extra: str
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    work = tmp_path / "job"
    work.mkdir()
    project_file = work / "ad.narr.json"
    pj.save_project(project, project_file)
    out_dir = work / "out"
    out_dir.mkdir()
    env = {**os.environ, "SYNCNARRATOR_CACHE_DIR": str(cache), "SYNCNARRATOR_FFMPEG": str(wrapper)}
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "export", str(project_file), "--out", str(out_dir / "final.mp4"),
         "--srt", str(out_dir / "final.srt"), "--narration-wav", str(out_dir / "final.wav"), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a signal sent to the test's group never reaches it by accident
    )  # fmt: skip
    return child, project_file, out_dir


def wait_for_encoding(child: subprocess.Popen[bytes], out_dir: Path) -> list[int]:
    """Block until ffmpeg encodes into a partial file; the ffmpeg pids (empty if the export ended first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        partial = [p for p in out_dir.glob(".*partial*") if p.is_file() and p.stat().st_size > 0]
        pids = ffmpeg_pids(str(out_dir))
        if partial and pids:
            return pids
        time.sleep(0.02)
    return []


def wait_gone(pids: list[int], seconds: float = 30.0) -> list[int]:
    deadline = time.monotonic() + seconds
    left = pids
    while left and time.monotonic() < deadline:
        left = [p for p in pids if p in ffmpeg_pids("")]
        time.sleep(0.02)
    return left


@pytest.mark.timeout(300)
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_signal_mid_export_is_a_clean_cancel(
    tmp_path: Path,
    narrated: Project,  # noqa: F811
    speech_cache: Path,  # noqa: F811
    slow_ffmpeg: Path,
    signame: str,
) -> None:
    child, project_file, out_dir = start_export(tmp_path, narrated, speech_cache, slow_ffmpeg)
    before = project_file.read_bytes()
    try:
        pids = wait_for_encoding(child, out_dir)
        assert pids, (
            f"the export never reached encoding: {child.stderr.read().decode() if child.stderr else ''}"
        )
        child.send_signal(getattr(signal, signame))
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    text = err.decode()
    assert child.returncode == 130, text
    assert "Traceback" not in text and "cancelled" in text.splitlines()[-1], text
    assert wait_gone(pids, 5) == [], "ffmpeg kept running after the export was cancelled"
    assert os.listdir(out_dir) == [], "partial outputs or work folders left after the signal"
    assert project_file.read_bytes() == before


@pytest.mark.timeout(300)
def test_kill_9_takes_ffmpeg_along_and_the_next_run_sweeps_leftovers(
    tmp_path: Path,
    narrated: Project,  # noqa: F811
    speech_cache: Path,  # noqa: F811
    slow_ffmpeg: Path,
) -> None:
    child, project_file, out_dir = start_export(tmp_path, narrated, speech_cache, slow_ffmpeg)
    try:
        pids = wait_for_encoding(child, out_dir)
        assert pids, "the export never reached encoding"
        os.kill(child.pid, signal.SIGKILL)  # the app alone, not its process group
        child.communicate(timeout=60)
        orphans = wait_gone(pids, 2.0)  # the parent-death signal acts at once; the video plays for 6 s
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        for pid in ffmpeg_pids(str(out_dir)):
            os.kill(pid, signal.SIGKILL)
    assert orphans == [], "an orphan ffmpeg kept encoding after its parent was killed"
    left = sorted(p.name for p in out_dir.iterdir())
    assert any(name.startswith(".syncnarrator-export-") for name in left), left  # what kill -9 leaves
    assert sorted(p.name for p in stale_leftovers(out_dir)) == left
    env = {**os.environ, "SYNCNARRATOR_CACHE_DIR": str(speech_cache)}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export", str(project_file), "--out", str(out_dir / "final.mp4")],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(out_dir)) == ["final.mp4", "final.report.json"], "the next export did not sweep the killed run's leftovers"


def test_sweep_keeps_live_runs_and_foreign_files(tmp_path: Path) -> None:
    mine = tmp_path / (work_prefix() + "abc123")
    mine.mkdir()
    live_partial = tmp_path / (partial_prefix(tmp_path / "x.mp4") + "q1w2.partial.mp4")
    live_partial.write_bytes(b"x")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_dir = tmp_path / f".syncnarrator-export-{dead.pid}-zz99"
    (stale_dir / "inner").mkdir(parents=True)
    stale_partial = tmp_path / f".my ad.v2.{dead.pid}-ab_9.partial.mp4"
    stale_partial.write_bytes(b"x" * 10)
    user = [tmp_path / ".hidden-user-file", tmp_path / f".notes.{dead.pid}-ab.txt", tmp_path / "final.mp4"]
    for path in user:
        path.write_text("keep")
    removed = sweep(tmp_path)
    assert sorted(removed) == sorted([stale_dir, stale_partial])
    assert mine.is_dir() and live_partial.is_file() and all(p.is_file() for p in user)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a dead child of a dead parent waits for init to reap it)."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


HELPER = """
import os, sys, time
sys.path.insert(0, {root!r})
from core.ffmpeg_exec import die_with_parent
assert die_with_parent(int(sys.argv[1]))
print("tied", flush=True)
time.sleep(120)
"""
MIDDLE = """
import subprocess, sys, os, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid())], stdout=subprocess.PIPE)
print(child.pid, flush=True)
child.stdout.readline()
print("ready", flush=True)
time.sleep(120)
"""


@pytest.mark.timeout(120)
def test_die_with_parent_ties_a_helper_process_to_its_parent() -> None:
    middle = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, HELPER.format(root=str(ROOT))], stdout=subprocess.PIPE, text=True
    )
    assert middle.stdout is not None
    helper = int(middle.stdout.readline())
    assert middle.stdout.readline().strip() == "ready"
    os.kill(middle.pid, signal.SIGKILL)
    middle.wait(timeout=30)
    middle.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(helper):
        time.sleep(0.02)
    alive = _running(helper)
    if alive:
        os.kill(helper, signal.SIGKILL)
    assert not alive, "the helper outlived its killed parent"


@pytest.mark.timeout(300)
def test_sigterm_during_render_detection_is_a_clean_cancel(
    tmp_path: Path,
    narrated: Project,  # noqa: F811
    speech_cache: Path,  # noqa: F811
) -> None:
    """The same while `render` is still detecting clips (ffmpeg decoding to a pipe, slowed by -re)."""
    wrapper = tmp_path / "slow-decode-ffmpeg"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" rawvideo "*) exec "{ffmpeg_path()}" -re "$@";; esac\n'
        f'exec "{ffmpeg_path()}" "$@"\n'
    )
    wrapper.chmod(0o755)
    product = tmp_path / "product.json"
    product.write_text('{"name": "精华液", "attributes": {"功效": "补水"}}', encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {**os.environ, "SYNCNARRATOR_CACHE_DIR": str(speech_cache), "SYNCNARRATOR_FFMPEG": str(wrapper)}
    video = str(narrated.video)
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "render", video, "--product", str(product),
         "--out", str(out_dir / "o.mp4"), "--project", str(out_dir / "o.narr.json")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        pids: list[int] = []
        while time.monotonic() < deadline and child.poll() is None and not pids:
            pids = [p for p in ffmpeg_pids(video) if "rawvideo" in _cmdline(p)]
            time.sleep(0.02)
        assert pids, "render never started decoding"
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130, err.decode()
    assert wait_gone(pids, 5) == []
    assert os.listdir(out_dir) == []
