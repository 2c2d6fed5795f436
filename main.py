"""SyncNarrator entry point: no arguments (or a file) opens the editor; subcommands run headless."""

from __future__ import annotations

import sys
from pathlib import Path


def _is_subcommand(argv: list[str]) -> bool:
    if not argv:
        return False
    if argv[0] == "--debug":  # `--debug SUBCOMMAND ...` (core.cli's global option)
        return _is_subcommand(argv[1:]) or len(argv) == 1
    first = argv[0]
    if first in ("-h", "--help", "--version"):
        return True
    if first.startswith("-"):
        return False
    from core.cli import subcommand_names

    # Anything that is not an existing file is treated as a subcommand, so typos get argparse's error.
    return first in subcommand_names() or not Path(first).exists()


def _restore_library_path() -> None:
    """The frozen app's loader points LD_LIBRARY_PATH at its bundle; programs it starts (ffmpeg, espeak-ng)
    must get the system's libraries, or they may mix the bundle's with the system's C library."""
    if getattr(sys, "frozen", False) and sys.platform.startswith("linux"):
        import os

        original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
        if original:
            os.environ["LD_LIBRARY_PATH"] = original
        else:
            os.environ.pop("LD_LIBRARY_PATH", None)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _restore_library_path()
    if argv[:1] == ["--selftest"]:  # headless end-to-end check of an installed (frozen) build
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from core.selftest import main as selftest

        return selftest(argv[1:])
    if _is_subcommand(argv):
        from core.cli import run

        return run(argv)
    try:
        from gui.app import run_editor
    except ImportError as exc:
        print(f"error: the editor is not available in this build ({exc})", file=sys.stderr)
        return 1
    return run_editor(argv)


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # the speech worker is a spawned process, also in the frozen app
    sys.exit(main())
