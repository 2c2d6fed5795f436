"""`batch` stopped from outside (issue #27): kill -9 takes its pool workers, their resource tracker and ffmpeg
along and nothing more is written; SIGTERM/SIGHUP to its process group (a closed terminal, `timeout`) and
SIGTERM to a Ray batch are a clean cancel: exit 130, no traceback, nothing left running, no staging folder,
a report that lists exactly the items whose outputs are in place.

Each test starts a real batch of four 16 s items with two workers (slow: run them one at a time).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mediagen import make_cut_video
from tests.processes import command_line, descendant_pids, running
from tests.test_batch import assert_item_done, outputs
from tests.test_render_cli import PRODUCT, ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and the parent-death signal"),
]


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    folder = tmp_path / "cat"
    folder.mkdir()
    shots = [("color=c=green", 4.0), ("color=c=red", 4.0), ("color=c=yellow", 4.0), ("color=c=blue", 4.0)]
    make_cut_video(folder / "long.mp4", shots, size="320x240")
    (folder / "p.json").write_text(json.dumps(PRODUCT, ensure_ascii=False), encoding="utf-8")
    # four items on two workers: one waits in the pool's queue (cancelled futures broke Python 3.11's pool)
    rows = [{"video": "long.mp4", "product": "p.json", "name": f"long{i}"} for i in range(4)]
    path = folder / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def start_batch(catalogue: Path, out: Path, engine: str = "local") -> subprocess.Popen[str]:
    env = {**os.environ, "SYNCNARRATOR_CACHE_DIR": str(out.parent / "cache")}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "batch", str(catalogue), "--out", str(out), "--engine", engine,
         "--workers", "2", "--burn-subtitles"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the group signal never reaches the test
    )  # fmt: skip


def wait_until_rendering(proc: subprocess.Popen[str], out: Path, engine: str = "local") -> list[int]:
    """Block until an item renders (its staging folder exists, an ffmpeg runs below the batch, and for the
    local engine both workers are up); the batch's process tree then."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        tree = descendant_pids(proc.pid)
        staging = out.is_dir() and any(p.name.endswith(".partial") for p in out.iterdir())
        ffmpeg = any("ffmpeg" in command_line(p) for p in tree)
        workers = sum("multiprocessing.spawn" in command_line(p) for p in tree)
        if staging and ffmpeg and (engine != "local" or workers >= 2):
            return tree
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the batch never started rendering: {proc.communicate()[1]}")


def still_running(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    left = pids
    while left and time.monotonic() < deadline:
        left = [p for p in pids if running(p)]
        time.sleep(0.05)
    return left


def final_outputs(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def assert_report_matches_outputs(out: Path, catalogue: Path) -> None:
    report = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    done = [e["name"] for e in report["items"] if e["status"] == "done"]
    assert final_outputs(out) == sorted(["batch-report.json", *[p.name for n in done for p in outputs(out, n)]])
    for name in done:
        assert_item_done(out, name, catalogue.parent / "long.mp4")


def test_kill_9_takes_the_pool_workers_their_tracker_and_ffmpeg_along(catalogue: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start_batch(catalogue, out)
    try:
        tree = wait_until_rendering(proc, out)
        assert any("resource_tracker" in command_line(p) for p in tree), [command_line(p) for p in tree]
        os.kill(proc.pid, signal.SIGKILL)  # the batch alone, as the OOM killer or `kill -9 PID` does
        proc.communicate(timeout=60)
        left = still_running(tree, 10)  # the parent-death signal acts at once; an item takes ~20 s
        written = final_outputs(out)
        time.sleep(3)  # a worker that outlived its parent would go on and move finished items in place
        assert final_outputs(out) == written
    finally:
        for pid in [p for p in descendant_pids(proc.pid) if running(p)]:
            os.kill(pid, signal.SIGKILL)
    assert left == [], [command_line(p) for p in left]
    assert [p.name for p in out.iterdir() if p.name.endswith(".partial")], "expected the killed run's staging"


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_signal_to_the_process_group_is_a_clean_cancel(catalogue: Path, tmp_path: Path, signame: str) -> None:
    out = tmp_path / "out"
    proc = start_batch(catalogue, out)
    try:
        tree = wait_until_rendering(proc, out)
        os.killpg(proc.pid, getattr(signal, signame))  # what a closed terminal and `timeout` do
        # a hang check, not a timing figure: a cancel that waits out the 60 s grace never gets here
        _, err = proc.communicate(timeout=50)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "InvalidStateError" not in err and "resource_tracker" not in err, err
    assert err.strip().splitlines()[-1] == f"cancelled ({signame})", err
    assert still_running(tree, 10) == [], [command_line(p) for p in tree if running(p)]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert_report_matches_outputs(out, catalogue)


def test_sigterm_cancels_a_ray_batch_and_shuts_ray_down(catalogue: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "out"
    proc = start_batch(catalogue, out, engine="ray")
    try:
        wait_until_rendering(proc, out, engine="ray")
        tree = descendant_pids(proc.pid)  # Ray's head processes and workers, started for this run
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert "SIGTERM received" not in err and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("cancelled"), err
    left = still_running(tree, 30)
    assert left == [], [command_line(p) for p in left]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert_report_matches_outputs(out, catalogue)
