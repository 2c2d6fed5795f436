"""Faults: export cancelled or killed midway, output disk full, project saves killed between writes.

After each fault there is nothing at the output path (or the old/new project, never a mix), the error is
one clear line, and the next attempt succeeds.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from core import project as pj
from core.errors import Cancelled, ExportError, SyncNarratorError
from core.jobs import CancelToken
from core.media import probe
from core.project import Clip, MediaSummary, Product, Project
from tests.mediagen import ffmpeg
from tests.processes import child_pids

ROOT = Path(__file__).resolve().parents[1]
LINES = ("这款精华真的好用", "补水保湿一整天", "今晚下单立减五十")


@pytest.fixture(scope="module")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("speech-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("SYNCNARRATOR_CACHE_DIR", str(folder))
    yield folder
    mp.undo()


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory, speech_cache: Path) -> Project:
    """A 6 s, three-shot video with audio and a narrated project for it."""
    folder = tmp_path_factory.mktemp("src")
    video = folder / "ad.mp4"
    shots = ("testsrc2", "smptebars", "color=c=orange")
    args: list[str] = []
    for src in shots:
        sep = ":" if "=" in src else "="
        args += ["-f", "lavfi", "-i", f"{src}{sep}size=320x240:rate=25:duration=2"]
    args += ["-f", "lavfi", "-i", "sine=frequency=300:duration=6:sample_rate=48000"]
    graph = "".join(f"[{i}:v]format=yuv420p,setsar=1[v{i}];" for i in range(3)) + "[v0][v1][v2]concat=n=3[v]"
    args += [
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        "3:a",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
    ]
    ffmpeg([*args, "-c:a", "aac", str(video)])
    info = probe(video)
    clips = tuple(
        Clip(i * 2000, (i + 1) * 2000 if i < 2 else info.duration_ms, ("产品推荐",), False, LINES[i], False)
        for i in range(3)
    )
    return Project(
        video=str(video),
        media=MediaSummary(info.duration_ms, Fraction(info.fps), info.width, info.height, info.has_audio),
        product=Product("精华液", {"功效": "补水"}),
        clips=clips,
    )


def export(project: Project, out: Path, **kw: Any) -> Any:
    from core.export import ExportOptions, export_project

    options = ExportOptions(burn_subtitles=True, x264_preset="ultrafast")
    return export_project(project, out, options, **kw)


def assert_good_output(out: Path, project: Project) -> None:
    info = probe(out)
    assert info.has_audio and abs(info.duration_ms - project.media.duration_ms) <= 120  # type: ignore[union-attr]


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


# --- export interrupted ---------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_cancel_midway_leaves_nothing_and_next_export_works(tmp_path: Path, narrated: Project) -> None:
    out = tmp_path / "final.mp4"
    token = CancelToken()

    def progress(fraction: float, stage: str) -> None:
        if stage == "encoding":
            token.cancel()

    with pytest.raises(Cancelled):
        export(narrated, out, progress=progress, cancel=token)
    assert not out.exists()
    assert os.listdir(tmp_path) == [], "partial or temporary files left after cancel"
    export(narrated, out)
    assert_good_output(out, narrated)
    assert sorted(os.listdir(tmp_path)) == ["final.mp4", "final.report.json"]


@pytest.mark.timeout(300)
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the ffmpeg child")
def test_ffmpeg_killed_midway_is_a_clear_error(tmp_path: Path, narrated: Project) -> None:
    out = tmp_path / "final.mp4"
    out.write_bytes(b"previous export")  # an older file at the target survives a failed export
    killed: list[int] = []
    watchers: list[threading.Thread] = []

    def kill_the_encode() -> None:  # the picture's encode may last less than one progress report (0.1 s)
        deadline = time.monotonic() + 30
        while not killed and time.monotonic() < deadline:
            for pid in child_pids():
                with contextlib.suppress(OSError):
                    if "libx264" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
            time.sleep(0.005)

    def progress(fraction: float, stage: str) -> None:
        if stage == "encoding" and not watchers:
            watchers.append(threading.Thread(target=kill_the_encode, daemon=True))
            watchers[0].start()

    with pytest.raises(ExportError) as info:
        export(narrated, out, progress=progress)
    watchers[0].join()
    assert killed and "\n" not in str(info.value)
    assert out.read_bytes() == b"previous export"
    assert os.listdir(tmp_path) == ["final.mp4"]
    export(narrated, out)
    assert_good_output(out, narrated)


EXPORT_SCRIPT = """
import json, sys
from pathlib import Path
from fractions import Fraction
sys.path.insert(0, {root!r})
from core.project import load_project
from core.export import ExportOptions, export_project
project = load_project(Path(sys.argv[1]))
export_project(project, Path(sys.argv[2]), ExportOptions(burn_subtitles=True, x264_preset="ultrafast"))
"""


@pytest.mark.timeout(300)
def test_export_process_killed_leaves_no_output(
    tmp_path: Path, narrated: Project, speech_cache: Path
) -> None:
    """The whole app dies (SIGKILL) while ffmpeg writes: the target never holds a partial video."""
    project_file = tmp_path / "ad.narr.json"
    pj.save_project(narrated, project_file)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "final.mp4"
    env = {**os.environ, "SYNCNARRATOR_CACHE_DIR": str(speech_cache)}
    child = subprocess.Popen(
        [sys.executable, "-c", EXPORT_SCRIPT.format(root=str(ROOT)), str(project_file), str(out)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            partial = [p for p in out_dir.glob(".*partial*") if p.is_file() and p.stat().st_size > 0]
            if partial:
                break
            time.sleep(0.005)
        was_running = child.poll() is None
        os.killpg(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        if child.stderr is not None:
            child.stderr.close()
    if not was_running:
        pytest.skip("the export finished before it could be killed")
    if out.exists():  # killed in the instant after the final rename: then it must be the whole video
        assert_good_output(out, narrated)
        pytest.skip("the export completed just before the kill")
    assert not out.exists(), "a killed export left a file at the output path"
    export(narrated, out)
    assert_good_output(out, narrated)
    assert visible(out_dir) == ["final.mp4", "final.report.json"]


# --- disk full --------------------------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Path:
    """A 400 KiB tmpfs (root only); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    try:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("cannot run mount")
    if proc.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


@pytest.mark.timeout(300)
def test_disk_full_during_encoding_is_a_clear_error(tiny_disk: Path, narrated: Project) -> None:
    out = tiny_disk / "final.mp4"
    with pytest.raises(SyncNarratorError) as info:
        export(narrated, out)
    assert os.listdir(tiny_disk) == [], "partial files left on the full disk"
    message = str(info.value)
    assert "\n" not in message and ("space" in message.lower() or "full" in message.lower()), message


@pytest.mark.timeout(300)
def test_disk_full_while_writing_narration_is_a_clear_error(
    tmp_path: Path, narrated: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC raised inside Python (the narration track) must not surface as an internal error."""
    import core.export.exporter as exporter

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exporter, "write_track", full)  # the narration WAV, written on the sound thread
    out = tmp_path / "final.mp4"
    with pytest.raises((SyncNarratorError, OSError)) as info:
        export(narrated, out)
    assert os.listdir(tmp_path) == []
    assert isinstance(info.value, SyncNarratorError), (
        f"raw {info.value!r} reaches the user as an internal error"
    )
    assert "space" in str(info.value).lower() and "\n" not in str(info.value)


# --- project saves interrupted ----------------------------------------------------------------------------


def big_project(tag: str, clips: int = 1500) -> Project:
    return Project(
        video="/videos/ad.mp4",
        media=MediaSummary(clips * 1000, Fraction(25), 320, 240, True),
        product=Product(tag, {"功效": "补水、保湿"}),
        clips=tuple(
            Clip(i * 1000, (i + 1) * 1000, ("产品推荐",), False, f"{tag}第{i}句台词" * 3, False)
            for i in range(clips)
        ),
    )


class Crash(BaseException):
    """Stands in for the process dying: not an Exception, so nothing handles it as an error."""


@pytest.mark.timeout(120)
def test_save_interrupted_at_every_step_keeps_old_or_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = big_project("旧", 50), big_project("新", 60)
    real = {"replace": os.replace, "fsync": os.fsync, "fdopen": os.fdopen}
    steps = 0
    crash_at = -1

    def counted(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal steps
            steps += 1
            if steps == crash_at:
                raise Crash(name)
            result = real[name](*args, **kwargs)
            if name == "fdopen":  # a crash halfway through writing the file
                return HalfWriter(result)
            return result

        return call

    class HalfWriter:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            nonlocal steps
            steps += 1
            if steps == crash_at:
                self.fh.write(data[: len(data) // 2])
                self.fh.flush()
                raise Crash("write")
            return self.fh.write(data)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.fh, name)

    path = tmp_path / "p.narr.json"
    for name in real:
        monkeypatch.setattr(os, name, counted(name))
    pj.save_project(old, path)
    total = steps
    pj.save_project(old, path)
    total = steps - total
    assert total >= 4
    for crash_at_offset in range(1, total + 1):
        pj.save_project(old, path)  # start from a known state: file and backup hold `old`
        crash_at = steps + crash_at_offset
        try:
            pj.save_project(new, path)
        except Crash:
            pass
        crash_at = -1
        assert pj.load_project(path) in (old, new), f"mixed file after a crash at step {crash_at_offset}"
        assert pj.load_project(pj.backup_path(path)) in (old, new)


SAVE_LOOP = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.test_faults import big_project
from core.project import save_project
a, b = big_project("甲"), big_project("乙")
path = Path(sys.argv[1])
print("ready", flush=True)
while True:
    save_project(a, path)
    save_project(b, path)
"""


@pytest.mark.timeout(300)
def test_save_killed_at_random_points_keeps_a_whole_version(tmp_path: Path) -> None:
    versions = (big_project("甲"), big_project("乙"))
    path = tmp_path / "p.narr.json"
    pj.save_project(versions[0], path)
    rng = random.Random(7)
    for _ in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVE_LOOP.format(root=str(ROOT)), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        stop = threading.Event()
        stop.wait(rng.uniform(0.05, 0.6))
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()
        assert pj.load_project(path) in versions
        assert pj.load_project(pj.backup_path(path)) in versions
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in (path.name, pj.backup_path(path).name)]
    # a kill can leave a hidden temp file; it never replaces the project and is ignored when loading
    assert all(name.startswith(".") and name.endswith(".tmp") for name in leftovers), leftovers
    json.loads(path.read_text(encoding="utf-8"))
    pj.save_project(versions[1], path)  # the next save sweeps the temp files the killed ones left
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, pj.backup_path(path).name]


# --- damaged caches ---------------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_damaged_speech_cache_is_rebuilt(
    tmp_path: Path, narrated: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash or disk error can leave cached speech damaged; the next export must not be stuck on it."""
    from core.speech import Speaker

    cache = tmp_path / "cache"
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(cache))
    export(narrated, tmp_path / "first.mp4", speaker=Speaker())
    wavs = sorted((cache / "speech").glob("*.wav"))
    assert wavs
    for wav in wavs:
        data = wav.read_bytes()
        wav.write_bytes(data[: len(data) // 3] + bytes(range(101)))
    try:
        export(narrated, tmp_path / "second.mp4", speaker=Speaker())
    except SyncNarratorError as exc:  # a clear error would do too
        assert "\n" not in str(exc)
        return
    assert_good_output(tmp_path / "second.mp4", narrated)
