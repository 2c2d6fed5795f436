"""The installer: `./run package` builds the one-folder app and its archive; the frozen self-test passes
from an unpacked copy started elsewhere with a minimal environment. The self-test also runs unfrozen.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.processes import child_pids

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import build_package  # noqa: E402


def minimal_env(home: Path) -> dict[str, str]:
    """What a user's desktop launcher might give: no venv, no PYTHONPATH, no Qt settings."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home)}


def run_selftest(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`main.py --selftest` (unfrozen) started from `folder`."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--selftest"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_selftest_passes_unfrozen_from_another_folder(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)  # --selftest must set it itself
    proc = run_selftest(tmp_path, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "selftest ok"
    assert list(tmp_path.iterdir()) == [] or all(p.name.startswith(".") for p in tmp_path.iterdir())


def test_selftest_reports_what_failed(tmp_path: Path) -> None:
    """A broken install (ffmpeg missing) is named in one line per problem, exit 1, no traceback."""
    env = {**os.environ, "HOME": str(tmp_path), "SYNCNARRATOR_FFMPEG": str(tmp_path / "no-ffmpeg")}
    proc = run_selftest(tmp_path, env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1].startswith("selftest failed")
    assert any(line.startswith("FAILED ffmpeg present") for line in lines), lines
    assert "Traceback" not in proc.stdout + proc.stderr


def test_icon_is_a_small_square_png(tmp_path: Path) -> None:
    committed = (ROOT / "resources" / "icon.png").read_bytes()
    drawn = tmp_path / "icon.png"
    build_package.make_icon(drawn, size=64)
    for data, size in ((committed, 256), (drawn.read_bytes(), 64)):
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        assert struct.unpack(">II", data[16:24]) == (size, size)
    assert len(committed) < 64 * 1024


# Qt plugins for desktops this machine may not have: they load only where their system libraries exist.
OPTIONAL_PLUGINS = ("wayland-", "platformthemes/", "platforms/libqwayland", "libQt6Wayland", "libQt6WlShell")


def unresolved_libraries(internal: Path) -> list[str]:
    """Shared libraries in the bundle whose dependencies resolve neither in the bundle nor on the system.

    A dropped Qt library that a kept plugin needs (e.g. the ffmpeg media plugin linking QtQuick) shows up
    here instead of as a silent 'no multimedia backend' at run time.
    """
    if shutil.which("ldd") is None:
        return []
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(internal)}  # what the bootloader sets
    problems = []
    for lib in sorted(internal.rglob("*.so*")):
        rel = lib.relative_to(internal).as_posix()
        if not lib.is_file() or lib.is_symlink() or any(part in rel for part in OPTIONAL_PLUGINS):
            continue
        if lib.read_bytes()[:4] != b"\x7fELF":
            continue
        out = subprocess.run(["ldd", str(lib)], env=env, capture_output=True, text=True, timeout=60).stdout
        missing = sorted({line.split()[0] for line in out.splitlines() if "not found" in line})
        if missing:
            problems.append(f"{rel}: {', '.join(missing)}")
    return problems


@pytest.mark.package
@pytest.mark.timeout(1500)
def test_build_package_and_run_frozen_selftest_from_a_copy(tmp_path: Path) -> None:
    dist, work = tmp_path / "dist", tmp_path / "work"
    # the user's command: it also installs the `package` extra (PyInstaller) that `./run test` leaves out
    proc = subprocess.run(
        ["bash", str(ROOT / "run"), "package", "--dist", str(dist), "--work", str(work)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1400,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    print(proc.stdout)  # the sizes, for the CI log
    assert "MiB unpacked" in proc.stdout
    archives = list(dist.glob("SyncNarrator-*-linux-*.tar.gz"))
    assert len(archives) == 1, list(dist.iterdir())

    # "install" it: unpack the archive somewhere else, then drop the build
    install = tmp_path / "Applications" / "安装 目录 (x86)"  # spaces, CJK, brackets: paths are data
    install.mkdir(parents=True)
    with tarfile.open(archives[0]) as tar:
        tar.extractall(install, filter="tar")
    app = install / "SyncNarrator"
    exe = app / ("SyncNarrator.exe" if os.name == "nt" else "SyncNarrator")
    internal = app / "_internal"
    assert os.access(exe, os.X_OK)
    assert os.access(internal / "ffmpeg" / "ffmpeg", os.X_OK)
    assert list((internal / "fonts").glob("*.tt[cf]")), "no CJK font bundled"
    assert (internal / "resources" / "labels.json").is_file()
    assert (internal / "resources" / "i18n" / "syncnarrator_zh_CN.qm").is_file()  # the Chinese interface
    assert list(internal.rglob("qtbase_zh_CN.qm")), "Qt's own zh_CN translations were stripped"
    assert list((internal / "resources" / "demo").glob("*.mp4"))
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("cv2", "opencv_python_headless.libs", "torch", "transformers", "QtQml.abi3.so", "QtQuick.abi3.so", "libQt6WebEngineCore.so.6"):
        assert unwanted not in names, f"{unwanted} should not be in the package"
    assert not (internal / "tests").exists()
    assert not any(n.startswith("libQt5") for n in names), (
        "Qt5 libraries of the GUI OpenCV build were bundled"
    )
    assert unresolved_libraries(internal) == []
    shutil.rmtree(dist)

    home, cwd = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    cwd.mkdir()
    run = subprocess.run(
        [str(exe), "--selftest"], cwd=cwd, env=minimal_env(home), capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "selftest ok"

    version = subprocess.run(
        [str(exe), "--version"], cwd=cwd, env=minimal_env(home), capture_output=True, text=True, timeout=120
    )
    assert version.returncode == 0 and version.stdout.startswith("SyncNarrator ")
    bad = subprocess.run(
        [str(exe), "detect", str(cwd / "missing.mp4")],
        cwd=cwd,
        env=minimal_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0, bad.stderr
    assert "missing.mp4" in bad.stderr
    assert_editor_starts_and_quits(exe, cwd, home)


def assert_editor_starts_and_quits(exe: Path, cwd: Path, home: Path) -> None:
    """The frozen editor opens offscreen on the demo, starts its worker process and quits cleanly on SIGTERM."""
    if not Path("/proc/self/stat").exists():
        return
    env = {**minimal_env(home), "QT_QPA_PLATFORM": "offscreen"}
    editor = subprocess.Popen(
        [str(exe)], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 90
        worker = False
        while not worker and editor.poll() is None and time.monotonic() < deadline:
            for pid in child_pids(editor.pid):
                with contextlib.suppress(OSError):
                    worker = worker or b"--multiprocessing-fork" in Path(f"/proc/{pid}/cmdline").read_bytes()
            time.sleep(0.2)
        assert editor.poll() is None, "the editor exited on its own: " + editor.communicate()[1][-2000:]
        editor.send_signal(signal.SIGTERM)
        _, err = editor.communicate(timeout=60)
    finally:
        if editor.poll() is None:
            editor.kill()
            editor.communicate()
    assert editor.returncode == 0, err[-2000:]
    # (worker threads still delivering while the window closes may print a traceback; that is the editor's
    # shutdown, not the package: only an unhandled error of the program itself fails here)
    assert "Failed to execute script" not in err and "ModuleNotFoundError" not in err, err[-2000:]


def test_icu_data_keeps_chinese_english_and_what_icu_needs() -> None:
    """The package rebuilds Qt's ICU data with Chinese and English only: the items ICU needs for them stay."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_package", ROOT / "scripts" / "build_package.py")
    assert spec is not None and spec.loader is not None
    build_package = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_package)
    kept = ["res_index.res", "pool.res", "root.res", "zh.res", "zh_Hans_CN.res", "en_US.res", "coll/zh.res",
            "coll/root.res", "coll/res_index.res", "coll/ucadata.icu", "gb18030.cnv", "cnvalias.icu",
            "brkitr/cjdict.dict", "supplementalData.res", "zoneinfo64.res", "unit/pool.res", "likelySubtags.res"]
    dropped = ["fr.res", "de_CH.res", "coll/de.res", "curr/ja.res", "ibm-37_P100-1995.cnv", "translit/root.res",
               "brkitr/khmerdict.dict", "yue_Hant.res"]
    assert sorted(build_package.icu_items_to_drop(kept + dropped)) == sorted(dropped)
