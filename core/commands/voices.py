"""`voices [--json]`: the installed voices that speak Mandarin.

`--json` prints one list of `{"id", "engine", "language", "name", "default"}` (exactly one default; every
espeak-ng voice's engine contains "espeak"). A contract other tools parse: keep the fields.
"""

from __future__ import annotations

import argparse
import json

from core.errors import display_path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("voices", help="list the installed Mandarin voices (the default one marked)")
    p.add_argument("--json", action="store_true", help="print a JSON list of voices")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from core.speech.voices import list_voices

    voices = list_voices()
    if args.json:
        print(json.dumps([v.to_json() for v in voices], ensure_ascii=False))
        return 0
    width = max((len(v.id) for v in voices), default=0)
    for v in voices:
        line = f"{v.id:<{width}}  {v.name}  [{v.engine}]{'  (default)' if v.default else ''}"
        print(display_path(line))  # a voice pack's id is its file name: escaped like every name
    return 0
