"""`batch CATALOGUE --out DIR`: render a catalogue of ads (every item exactly a `render`), locally or on Ray.

Progress and one line per failed item on stderr, the batch report's path on stdout. Exit 0 when every item is
done or skipped, 4 when some failed, 2 when the catalogue itself is unusable, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import defaults
from core.errors import InputError, display_path

EXIT_SOME_FAILED = 4


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="render every ad of a catalogue (JSON Lines or CSV), locally or on Ray")
    p.add_argument("catalogue", help='CATALOGUE.jsonl or .csv: {"video", "product", "name"} per line')
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created when missing)")
    p.add_argument("--engine", choices=("local", "ray"), default="local", help="local process pool or Ray")
    p.add_argument("--workers", type=int, metavar="N", help="parallel items (default: the CPU cores)")
    p.add_argument("--ray-address", metavar="ADDRESS", help="existing Ray cluster (auto, ray://head:10001)")
    p.add_argument("--burn-subtitles", action="store_true", help="burn subtitles into the picture")
    p.add_argument("--voice", help="speech voice id (default: the engine's Mandarin voice)")
    p.add_argument(
        "--narrator",
        choices=defaults.NARRATOR_KINDS,
        default=defaults.NARRATOR_KIND,
        help=f"narrator ({defaults.NARRATOR_KIND})",
    )
    p.add_argument("--model", metavar="DIR", help="local model folder for --narrator llm (safetensors)")
    p.set_defaults(handler=run_batch_command)


def run_batch_command(args: argparse.Namespace) -> int:
    from core.batch import REPORT_NAME, BatchOptions, item_outputs, read_catalogue
    from core.batch_runner import run_batch
    from core.output_guard import check_outputs

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}: must be at least 1")
    if args.ray_address and args.engine != "ray":
        raise InputError("--ray-address is only used with --engine ray")
    if args.model and args.narrator != "llm":
        raise InputError("--model is only used with --narrator llm")
    catalogue = Path(args.catalogue)
    items = read_catalogue(catalogue)
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: --out must be a folder")
    outputs = [p for item in items for p in item_outputs(out_dir, item.name).all()]
    inputs: list[Path] = [catalogue]
    names: list[str | None] = ["the catalogue"]
    for item in items:
        inputs += [item.video, item.product_path] if item.product_path else [item.video]
        names += [f"the video of line {item.line}", f"the product of line {item.line}"][: len(item.inputs)]
    check_outputs(
        inputs,
        [*outputs, out_dir / REPORT_NAME],
        input_names=names,
        project_outputs=[item_outputs(out_dir, item.name).project for item in items],
    )
    if args.voice is not None:
        from core.commands.render import _check_voice

        _check_voice(args.voice)
    if args.burn_subtitles:
        from core.export import find_cjk_font

        find_cjk_font()  # a missing font is reported once, not once per item
    if args.narrator == "llm":
        from core.narration.registry import create_narrator

        create_narrator("llm", model_dir=args.model)  # checks the folder cheaply; workers load it
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from None
    options = BatchOptions(
        voice=args.voice,
        burn_subtitles=args.burn_subtitles,
        narrator=args.narrator,
        model_dir=str(Path(args.model).resolve()) if args.model else None,
    )
    report = run_batch(
        items,
        out_dir,
        options,
        engine=args.engine,
        workers=args.workers,
        ray_address=args.ray_address,
        log=lambda line: print(display_path(line), file=sys.stderr, flush=True),  # names escaped: one line each
    )
    print(display_path(report.path))
    return EXIT_SOME_FAILED if report.count("failed") else 0
