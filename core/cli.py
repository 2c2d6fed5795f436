"""Command line: `main.py SUBCOMMAND ...` runs headless on core alone.

Each subcommand lives in its own module exposing `register(subparsers)`; its handler returns an exit
code. User mistakes (SyncNarratorError) print one line and exit 2; Ctrl-C/cancel exits 130; anything
else is an internal error (exit 1).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import NoReturn

from core import __version__
from core.errors import Cancelled, SyncNarratorError, log_warnings_to_stderr
from core.output_guard import display_path

# Modules that add subcommands; each has `register(subparsers: argparse._SubParsersAction) -> None`.
COMMAND_MODULES = [
    "core.commands.detect",
    "core.commands.narrate",
    "core.commands.render",
    "core.commands.voices",
    "core.commands.speak",
    "core.commands.batch",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit 2 with one line, like our own input errors
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="syncnarrator", description="SyncNarrator: synchronized narration for product videos."
    )
    parser.add_argument("--version", action="version", version=f"SyncNarrator {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="print the traceback of an internal error (or set SYNCNARRATOR_DEBUG=1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def subcommand_names() -> set[str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so every job's cleanup runs (ffmpeg killed,
    partial outputs and work folders removed) and the command exits 130."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# Signals that end a run like Ctrl-C: `kill`, `timeout`, a closing terminal. (No SIGHUP on Windows.)
TERMINATION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def termination_is_cancel() -> Iterator[None]:
    """While inside: SIGTERM/SIGHUP raise Terminated in the main thread (once: further SIGINT/SIGTERM/
    SIGHUP are ignored so the cleanup is not cut short). The previous handlers are restored on exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    watched = (*TERMINATION_SIGNALS, signal.SIGINT)
    previous = {s: signal.getsignal(s) for s in watched}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        for s in watched:
            signal.signal(s, signal.SIG_IGN)
        raise Terminated(signum)

    for s in TERMINATION_SIGNALS:
        signal.signal(s, on_signal)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def run(argv: Sequence[str]) -> int:
    log_warnings_to_stderr()
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with termination_is_cancel():
            return int(args.handler(args) or 0)
    except SyncNarratorError as exc:
        print(f"error: {display_path(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except Terminated as exc:
        print(f"cancelled ({signal.Signals(exc.signum).name})", file=sys.stderr)
        return 130
    except (Cancelled, KeyboardInterrupt):
        print("cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:  # the environment (full disk, permissions, a vanished folder), not a bug
        where = f"{display_path(exc.filename)}: " if exc.filename else ""
        print(f"error: {where}{display_path(exc.strerror or str(exc))}", file=sys.stderr)
        return 2
    except Exception as exc:  # an internal error: say so in one line, keep the detail for a bug report
        import traceback

        if getattr(args, "debug", False) or debug_from_env():
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {display_path(str(exc))}", file=sys.stderr)
        return 1


def debug_from_env() -> bool:
    from core.platform import env_flag

    return env_flag("SYNCNARRATOR_DEBUG")


class StderrProgress:
    """Progress printer for the CLI: one updating line on a terminal, sparse lines otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._last = -1
        self._tty = sys.stderr.isatty()

    def __call__(self, fraction: float, stage: str) -> None:
        pct = int(fraction * 100)
        if pct == self._last or (not self._tty and pct - self._last < 10 and pct < 100):
            return
        self._last = pct
        end = "\r" if self._tty and pct < 100 else "\n"
        print(f"{self.label}: {pct:3d}% {display_path(stage)}", end=end, file=sys.stderr, flush=True)
