"""Editor robustness: damaged projects, the app icon, shutdown while workers deliver, stale thumbnails."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QColor, QImage
from shiboken6 import Shiboken

from core.project import Clip, MediaSummary, Product, Project, load_project, save_project
from gui.actions import ActionId
from tests.mediagen import make_cut_video

WAIT = 30_000  # ms


@pytest.fixture(scope="module")
def colour_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two tiny one-colour videos, so a thumbnail tells which video it came from."""
    folder = tmp_path_factory.mktemp("colours")
    return {
        c: make_cut_video(folder / f"{c}.mp4", [(f"color=c={c}", 2.0)], size="160x120")
        for c in ("red", "blue")
    }


def project_file(folder: Path, video: Path, name: str, product: str = "") -> Path:
    """A saved project on `video` (2 s, 160x120), opened without any helper-process job."""
    media = MediaSummary(duration_ms=2000, fps=Fraction(25), width=160, height=120)
    clips = (Clip(0, 1000), Clip(1000, 2000))
    project = Project(video=str(video), media=media, clips=clips, product=Product(name=product))
    path = folder / f"{name}.narr.json"
    save_project(project, path)
    return path


def colour_of(image: QImage) -> str:
    c = QColor(image.pixel(image.width() // 2, image.height() // 2))
    return "red" if c.red() > 150 and c.blue() < 100 else "blue" if c.blue() > 150 and c.red() < 100 else "?"


def gate_thumbnails(
    monkeypatch: pytest.MonkeyPatch, gate: threading.Event, delivered: threading.Event
) -> None:
    """Thumbnail workers deliver one image, then wait at `gate` before delivering the next."""
    import gui.thumbnails
    from gui.thumbnails import thumbnails_job

    def gated(video: str, duration_ms: int, width: int, height: int, deliver: Callable[..., None]) -> Any:
        def slow(ms: int, image: QImage) -> None:
            if delivered.is_set():
                gate.wait(WAIT / 1000)
            deliver(ms, image)
            delivered.set()

        return thumbnails_job(video, duration_ms, width, height, slow)

    monkeypatch.setattr(gui.thumbnails, "thumbnails_job", gated)


# -- 1. damaged project: offer the previous save ---------------------------------------------------


@pytest.fixture
def damaged(colour_videos: dict[str, Path], tmp_path: Path) -> tuple[Path, Path]:
    """ad.narr.json saved twice (the first save kept as .bak), then cut in half by a crash."""
    project_file(tmp_path, colour_videos["red"], "ad", product="first save")
    path = project_file(tmp_path, colour_videos["red"], "ad", product="second save")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    backup = path.with_name(path.name + ".bak")
    assert backup.is_file()
    return path, backup


def test_damaged_project_opens_the_previous_save(
    window: Any, answers: Any, monkeypatch: Any, damaged: tuple[Path, Path]
) -> None:
    from gui import dialogs

    path, backup = damaged
    damaged_bytes, backup_bytes = path.read_bytes(), backup.read_bytes()
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_open_backup", lambda _parent, message: asked.append(message) or True)
    assert window.open_path(path)
    assert len(asked) == 1 and "\n" not in asked[0]
    assert "ad.narr.json" in asked[0] and "ad.narr.json.bak" in asked[0]  # names the file and the backup
    doc = window.bridge.document
    assert doc.project.product.name == "first save"
    assert doc.path == path  # Save goes to the original name...
    assert doc.dirty and window.windowTitle().startswith("ad*")  # ...and there is something to save
    assert path.read_bytes() == damaged_bytes and backup.read_bytes() == backup_bytes  # both untouched
    assert answers.errors == []
    window.action(ActionId.SAVE).trigger()  # replaces the damaged file (atomically, by save_project)
    assert load_project(path).product.name == "first save"
    assert not window.bridge.document.dirty and answers.errors == []


def test_damaged_project_cancel_keeps_everything(
    window: Any, answers: Any, monkeypatch: Any, damaged: tuple[Path, Path]
) -> None:
    from gui import dialogs

    path, backup = damaged
    damaged_bytes, backup_bytes = path.read_bytes(), backup.read_bytes()
    before = window.bridge.document
    monkeypatch.setattr(dialogs, "ask_open_backup", lambda _parent, _message: False)
    assert not window.open_path(path)
    assert window.bridge.document is before
    assert "damaged" in window.status_text.text()
    assert path.read_bytes() == damaged_bytes and backup.read_bytes() == backup_bytes


def test_damaged_project_without_a_backup_is_a_one_line_error(
    window: Any, answers: Any, monkeypatch: Any, damaged: tuple[Path, Path]
) -> None:
    from gui import dialogs

    path, backup = damaged
    backup.unlink()
    monkeypatch.setattr(dialogs, "ask_open_backup", lambda *_a: pytest.fail("no previous save to offer"))
    assert not window.open_path(path)
    assert len(answers.errors) == 1 and "ad.narr.json" in answers.errors[0]


def test_ask_open_backup_dialog_buttons(qtbot: Any, monkeypatch: Any) -> None:
    """The real dialog: the one-line message with "Open previous save" and "Cancel"."""
    from PySide6.QtWidgets import QMessageBox

    from gui import dialogs

    seen: list[tuple[str, list[str]]] = []

    def click(box: QMessageBox, label: str) -> int:
        seen.append((box.text(), [b.text().replace("&", "") for b in box.buttons()]))
        for b in box.buttons():
            if b.text().replace("&", "") == label:
                b.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", lambda box: click(box, "Open previous save"))
    assert dialogs.ask_open_backup(None, "x.narr.json: damaged")
    monkeypatch.setattr(QMessageBox, "exec", lambda box: click(box, "Cancel"))
    assert not dialogs.ask_open_backup(None, "x.narr.json: damaged")
    assert seen[0][0] == "x.narr.json: damaged"
    assert sorted(seen[0][1]) == ["Cancel", "Open previous save"]


# -- 2. the app icon ---------------------------------------------------------------------------------


def test_the_window_has_the_app_icon(qtbot: Any, answers: Any) -> None:
    from PySide6.QtWidgets import QApplication

    from gui.app import create_window

    window = create_window()  # what `./run` shows
    qtbot.addWidget(window)
    try:
        assert not window.windowIcon().isNull()
        assert not QApplication.windowIcon().isNull()  # dialogs and the task bar too
        assert max(size.width() for size in window.windowIcon().availableSizes()) >= 64
    finally:
        window.shutdown()


def test_the_icon_is_found_beside_the_frozen_program(tmp_path: Path, monkeypatch: Any) -> None:
    from gui.app import app_icon, resources_dir

    bundle = tmp_path / "SyncNarrator" / "_internal"
    (bundle / "resources").mkdir(parents=True)
    shutil.copy(resources_dir() / "icon.png", bundle / "resources" / "icon.png")
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)  # as PyInstaller sets it
    assert not app_icon().isNull()
    (bundle / "resources" / "icon.png").unlink()
    assert app_icon().isNull()  # it really looks in the bundle, not in the source tree


# -- 3. shutdown while thumbnails load -------------------------------------------------------------


def test_terminate_while_thumbnails_load_prints_no_traceback(
    answers: Any, qtbot: Any, colour_videos: dict[str, Path], tmp_path: Path, capfd: Any, monkeypatch: Any
) -> None:
    """SIGTERM while a worker is between two thumbnails, and the window is gone before it delivers."""
    from gui.main_window import MainWindow

    gate, delivered = threading.Event(), threading.Event()
    gate_thumbnails(monkeypatch, gate, delivered)
    window = MainWindow()
    window.show()
    assert window.open_path(project_file(tmp_path, colour_videos["red"], "red"))
    assert delivered.wait(WAIT / 1000)  # the worker is now waiting to deliver its second thumbnail
    window.jobs.wait_all = lambda msecs=0: False  # a loaded machine: the worker outlives the wait
    window.terminate()
    Shiboken.delete(window)  # the app returned from exec(): the window and its jobs are deleted
    gate.set()
    assert QThreadPool.globalInstance().waitForDone(WAIT)
    qtbot.wait(50)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "RuntimeError" not in err, err


def test_terminate_landing_before_a_job_starts_runs_no_orphan_job(
    answers: Any, qtbot: Any, colour_videos: dict[str, Path], tmp_path: Path, capfd: Any, monkeypatch: Any
) -> None:
    """The signal handler can run between two Python lines, e.g. just before the thumbnails start."""
    import gui.thumbnails
    from gui.main_window import MainWindow
    from gui.thumbnails import thumbnails_job

    window = MainWindow()
    window.show()
    started: list[Any] = []
    window.jobs.jobStarted.connect(started.append)

    def terminate_first(*args: Any) -> Any:
        window.terminate()
        return thumbnails_job(*args)

    monkeypatch.setattr(gui.thumbnails, "thumbnails_job", terminate_first)
    window.open_path(project_file(tmp_path, colour_videos["red"], "red"))
    assert started and not any(job.running for job in started)  # nothing starts after shutdown
    Shiboken.delete(window)
    assert QThreadPool.globalInstance().waitForDone(WAIT)
    qtbot.wait(50)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "RuntimeError" not in err, err


# -- 4. cancelling thumbnails, opening another file meanwhile ---------------------------------------


def test_cancel_stops_thumbnails(
    window: Any, qtbot: Any, colour_videos: dict[str, Path], tmp_path: Path, monkeypatch: Any
) -> None:
    gate, delivered = threading.Event(), threading.Event()
    gate_thumbnails(monkeypatch, gate, delivered)
    assert window.open_path(project_file(tmp_path, colour_videos["red"], "red"))
    job = window.thumb_job
    outcomes: list[str] = []
    job.cancelled.connect(lambda: outcomes.append("cancelled"))
    job.succeeded.connect(lambda _n: outcomes.append("finished"))
    assert delivered.wait(WAIT / 1000)
    assert window.cancel_button.isVisible()  # no main job: Cancel stops the thumbnails
    window.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=WAIT)
    assert outcomes == ["cancelled"]
    qtbot.wait(50)
    assert len(window.timeline.thumbs.times) <= 2  # of 24 planned
    assert window.thumb_label.text() == ""


def test_opening_another_file_drops_the_old_videos_thumbnails(
    window: Any, qtbot: Any, colour_videos: dict[str, Path], tmp_path: Path, monkeypatch: Any
) -> None:
    red = project_file(tmp_path, colour_videos["red"], "red")
    blue = project_file(tmp_path, colour_videos["blue"], "blue")
    gate, delivered = threading.Event(), threading.Event()
    gate_thumbnails(monkeypatch, gate, delivered)
    assert window.open_path(red)
    old = window.thumb_job
    # the red worker delivers a thumbnail that the GUI thread has not handled yet...
    assert delivered.wait(WAIT / 1000)
    # ...when the user opens another project
    assert window.open_path(blue)
    gate.set()
    qtbot.waitUntil(lambda: not old.running and not window.thumb_job.running, timeout=WAIT)
    qtbot.wait(50)
    colours = [colour_of(image) for image in window.timeline.thumbs.images]
    assert colours and set(colours) == {"blue"}, colours
