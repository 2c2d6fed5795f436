"""`narrate-dataset IN OUT` and `eval-narration REF PRED`: batch narration of E-SyncVidStory-shaped data.

narrate-dataset writes one JSON line per input video ({"id", "clips": [{"index", "labels", "narration"}]}),
same order as IN; the `narration` fields of IN are never read. eval-narration prints character-level
BLEU-1..4, METEOR, CIDEr-D, sync rate, knowledge coverage, 4-gram repetition and label accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core import defaults, leftovers
from core.errors import InputError, WriteError
from core.output_guard import check_outputs, display_path
from core.user_files import atomic_file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("narrate-dataset", help="write narration for every video of a dev.jsonl-shaped file")
    p.add_argument("input", metavar="IN.jsonl")
    p.add_argument("output", metavar="OUT.jsonl")
    p.add_argument(
        "--storyline",
        choices=["given", "predict"],
        default="predict",
        help="use each clip's labels (given) or predict them (default)",
    )
    p.add_argument("--narrator", choices=defaults.NARRATOR_KINDS, default=defaults.NARRATOR_KIND)
    p.add_argument("--model", default=None, help="model directory for --narrator llm")
    p.add_argument(
        "--rate",
        type=float,
        default=defaults.RATE_CPS,
        metavar="CHARS_PER_S",
        help=f"speaking rate ({defaults.RATE_CPS:g})",
    )
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    p.set_defaults(handler=run_narrate)

    e = sub.add_parser("eval-narration", help="score predicted narration against references")
    e.add_argument("reference", metavar="REF.jsonl")
    e.add_argument("prediction", metavar="PRED.jsonl")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    e.set_defaults(handler=run_eval)


def _write_atomic(path: Path, lines: list[str]) -> None:
    """Temp file beside `path`, renamed over it; a failed write is exit 2 naming `path`, no temp left."""
    path = path.resolve()
    try:
        leftovers.sweep(path.parent)  # what a killed earlier run left
        with atomic_file(path, "w", suffix=".part", fsync=False) as fh:
            fh.writelines(line + "\n" for line in lines)
    except OSError as exc:
        raise WriteError.from_os_error(path, exc) from None


def run_narrate(args: argparse.Namespace) -> int:
    from core.cli import StderrProgress
    from core.narration.dataset import read_jsonl, result_row, video_request
    from core.narration.knowledge import knowledge_warnings
    from core.narration.registry import create_narrator

    src, dst = Path(args.input), Path(args.output)
    if not defaults.rate_in_range(args.rate):
        raise InputError(f"--rate {args.rate}: must be {defaults.rate_range_text()}")
    check_outputs([src], [dst])
    videos = read_jsonl(src)
    narrator = create_narrator(args.narrator, model_dir=args.model)
    load = getattr(narrator, "load", None)
    if callable(load):  # the LLM narrator: load and check the model once, before the first video
        load(progress=StderrProgress("loading model"))
    progress = StderrProgress("narrate")
    rows = []
    for n, video in enumerate(videos):
        progress(n / max(1, len(videos)), f"video {n + 1}/{len(videos)}")
        request = video_request(video, args.storyline, args.rate, args.seed, where=f"{src}: video {n + 1}")
        for warning in knowledge_warnings(request.product):
            print(display_path(f"warning: {src}: video {n + 1}: {warning}"), file=sys.stderr)
        try:
            lines = narrator.narrate(request)
        except InputError as exc:
            raise InputError(f"{src}: video {n + 1}: {exc}") from None
        rows.append(json.dumps(result_row(video, lines), ensure_ascii=False))
    _write_atomic(dst, rows)
    progress(1.0, f"{len(rows)} videos written to {dst}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from core.narration.dataset import read_jsonl
    from core.narration.evaluation import evaluate

    ref_path, pred_path = Path(args.reference), Path(args.prediction)
    refs = read_jsonl(ref_path)
    preds = read_jsonl(pred_path, need_budget=False)
    if not refs or not any(ref.get("clips") for ref in refs):
        raise InputError(f"{display_path(ref_path)}: no reference videos with clips to score against")
    if not preds:
        raise InputError(f"{display_path(pred_path)}: no predictions (the file has no videos)")
    by_id = {p.get("id"): p for p in preds if p.get("id") is not None}
    matched = []
    for n, ref in enumerate(refs):
        rid = ref.get("id")
        if rid is not None and rid in by_id:
            matched.append(by_id[rid])
        elif rid is None and n < len(preds):
            matched.append(preds[n])
        else:
            raise InputError(
                f"{display_path(pred_path)}: no prediction for video {rid!r} "
                f"(line {n + 1} of {display_path(ref_path)})"
            )
    report = evaluate(refs, matched).as_dict()
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    names = {
        "bleu1": "BLEU-1",
        "bleu2": "BLEU-2",
        "bleu3": "BLEU-3",
        "bleu4": "BLEU-4",
        "meteor": "METEOR",
        "cider_d": "CIDEr-D",
        "sync": "lines inside budget %",
        "coverage": "knowledge coverage %",
        "repetition_4gram": "4-gram repetition %",
        "label_accuracy": "label accuracy %",
        "lines": "lines",
    }
    for key, label in names.items():
        value = report[key]
        print(f"{label:24s} {'n/a' if value is None else value}", file=sys.stdout)
    return 0
