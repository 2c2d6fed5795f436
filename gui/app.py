"""`./run` (editor) entry: one QApplication, the main window, crash recovery, then the demo or a file."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from core import platform
from gui import i18n, logs
from gui.config import language
from gui.dialogs import app_version, install_excepthook

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def resources_dir() -> Path:
    return platform.resources_dir()


def demo_video() -> Path:
    """The bundled demo ad (scripts/make_demo.py), opened when `./run` gets no file."""
    return resources_dir() / "demo" / "demo.mp4"


def app_icon() -> QIcon:
    """The SyncNarrator icon; resources_dir() finds it beside the frozen program too."""
    return QIcon(str(resources_dir() / "icon.png"))


def create_window() -> MainWindow:
    """The main window, with the application's name and icon (task bar, window list, dialogs)."""
    QApplication.setApplicationName("SyncNarrator")
    QApplication.setOrganizationName("SyncNarrator")
    icon = app_icon()
    QApplication.setWindowIcon(icon)
    from gui.main_window import MainWindow

    window = MainWindow()
    window.setWindowIcon(icon)
    return window


def display_problem(env: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why the editor cannot open a window here (Linux without a display), or None.

    Qt would otherwise abort with a multi-line plugin message that does not say what to do.
    """
    env = dict(os.environ) if env is None else env
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the editor on (DISPLAY and WAYLAND_DISPLAY are unset); start it from a desktop "
        "session, or use the headless subcommands, e.g. ./run render VIDEO --product P.json --out OUT.mp4"
    )


def run_editor(argv: list[str]) -> int:
    """Open the editor on `argv[0]` (video or project) or on the bundled demo; returns the exit code."""
    problem = display_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "syncnarrator"])
    logs.setup(app_version())
    install_excepthook()
    i18n.install(language())  # the system locale, or the language chosen in Settings
    window = create_window()
    window.fit_to_screen()  # a 1280x720 screen shows the whole window: timeline and status bar included
    window.show()
    QTimer.singleShot(500, window.keep_on_screen)  # the real frame is known once the window is shown
    # Ctrl-C in the terminal closes the window the normal way (asking to save); the idle timer lets
    # Python run its signal handlers while Qt's event loop is in control.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, lambda *_: window.terminate())
    heartbeat = QTimer(window)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)

    def start() -> None:
        if window.offer_recovery():
            return
        if argv:
            window.open_path(argv[0])
        elif demo_video().is_file():
            window.open_path(demo_video(), auto_narrate=True)

    QTimer.singleShot(0, start)
    return int(app.exec())
