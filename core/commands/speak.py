"""`speak TEXT --out OUT.wav [--voice ID] [--rate CHARS_PER_S] [--pinyin]`: one line of speech to a WAV file.

Writes mono 16-bit PCM with the default voice (or `--voice`, an id from `voices`). `--rate` asks for a
speaking rate in characters per second (calibrated per voice), else the voice's natural rate. `--pinyin`
prints one line on stdout: the tone-numbered pinyin syllables spoken, after the front-end's reading of
numbers, units and Latin words. TEXT is at most defaults.SPEAK_MAX_CHARS (500) characters: longer text
is refused at once, before anything is loaded. Exit 0, 2 on bad input (one line on stderr), 1 on an
internal error.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from core import defaults
from core.errors import InputError, display_path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("speak", help="speak one line into a WAV file")
    p.add_argument("text")
    p.add_argument("--out", required=True, help="OUT.wav (mono 16-bit PCM)")
    p.add_argument("--voice", help="voice id from `voices` (default: the neural Mandarin voice)")
    p.add_argument("--rate", type=float, metavar="CHARS_PER_S", help="speaking rate (default: the voice's own)")
    p.add_argument("--pinyin", action="store_true", help="print the tone-numbered pinyin that was spoken")
    p.set_defaults(handler=run)


def _writable_target(out: Path) -> None:
    import os

    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{out}: its folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{out}: cannot write in {folder} (permission denied)")


def _check_text(text: str) -> None:
    """TEXT must be real Unicode: bytes that are not UTF-8 reach Python as lone surrogates, U+DC80..U+DCFF."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"TEXT has a character that is not valid text at position {exc.start + 1} "
            "(bytes that are not UTF-8, or a lone surrogate); nothing to speak"
        ) from None


def run(args: argparse.Namespace) -> int:
    from core.errors import WriteError
    from core.output_guard import check_outputs
    from core.speech import SpeechError, shared_speaker
    from core.speech.frontend import read_text
    from core.user_files import write_atomic

    # the same guard as every command's, on the name as typed (`--out name/` names a folder), before any work
    check_outputs([], [args.out])
    _check_text(args.text)
    text = " ".join(args.text.split())
    if not text:
        raise InputError("TEXT is empty: nothing to speak")
    if len(text) > defaults.SPEAK_MAX_CHARS:
        raise InputError(
            f"TEXT is {len(text)} characters: speak says at most {defaults.SPEAK_MAX_CHARS} at a time "
            "(split it into lines)"
        )
    reading = read_text(text)
    if not reading.syllables:
        raise InputError(f"TEXT {text[:30]!r} has nothing that can be spoken")
    if args.rate is not None and (not math.isfinite(args.rate) or not defaults.rate_in_range(args.rate)):
        raise InputError(f"--rate {args.rate}: must be {defaults.rate_range_text()}")
    out = Path(args.out)
    _writable_target(out)
    speaker = shared_speaker()
    engine, _local, voice = speaker.resolve(args.voice)  # InputError for an unknown voice
    try:
        rate = speaker.engine_rate(args.rate, voice) if args.rate is not None else engine.default_rate
        wav = speaker.synthesize(text, voice=voice, rate=rate)
    except SpeechError as exc:  # the engine failed (model damaged, espeak-ng crashed): not the user's input
        print(f"error: {display_path(exc)}", file=sys.stderr)
        return 1
    try:
        write_atomic(out, wav.read_bytes())  # all or nothing: a full disk or Ctrl-C leaves no temp file
    except OSError as exc:
        raise WriteError.from_os_error(out, exc) from None
    if args.pinyin:
        print(reading.pinyin)
    return 0
