"""`render` (detect, narrate, speak, export in one go) and `export` (a saved, possibly edited project).

Progress goes to stderr, warnings as `warning: ...` lines on stderr, the written file paths to stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import defaults
from core.cli import StderrProgress
from core.errors import InputError
from core.narration.base import Narrator
from core.output_guard import check_outputs, display_path
from core.project import EXPORT_PRESETS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("render", help="detect, narrate, speak and export a narrated video in one go")
    p.add_argument("video")
    p.add_argument("--product", required=True, help='PRODUCT.json: {"name": ..., "attributes": {...}}')
    p.add_argument("--out", required=True, help="OUT.mp4")
    p.add_argument("--srt", help="also write the subtitles as SRT")
    p.add_argument("--narration-wav", help="also write the narration track alone (16-bit PCM WAV)")
    p.add_argument("--project", help="also save the project document (OUT.narr.json) for the editor")
    p.add_argument("--burn-subtitles", action="store_true", help="burn subtitles into the picture")
    p.add_argument("--voice", help="voice id from `voices` (default: the neural Mandarin voice)")
    p.add_argument(
        "--rate",
        type=float,
        default=defaults.RATE_CPS,
        metavar="CHARS_PER_S",
        help=f"speaking rate ({defaults.RATE_CPS:g})",
    )
    p.add_argument("--preset", choices=EXPORT_PRESETS, default="source", help="output size (source)")
    p.add_argument(
        "--narrator",
        choices=defaults.NARRATOR_KINDS,
        default=defaults.NARRATOR_KIND,
        help=f"narrator ({defaults.NARRATOR_KIND})",
    )
    p.add_argument("--model", metavar="DIR", help="local model folder for --narrator llm (safetensors)")
    p.set_defaults(handler=run_render)

    e = sub.add_parser("export", help="export a saved project (no re-detection, no re-narration)")
    e.add_argument("project")
    e.add_argument("--out", help="OUT.mp4 (the narrated video)")
    e.add_argument(
        "--otio",
        metavar="OUT.otio",
        help="also (or only) write the timeline for other editors: .otio, or .xml / .edl with OTIO's adapters",
    )
    e.add_argument("--srt", help="also write the subtitles as SRT")
    e.add_argument("--narration-wav", help="also write the narration track alone (16-bit PCM WAV)")
    e.add_argument("--burn-subtitles", action="store_true", help="burn subtitles into the picture")
    e.add_argument("--preset", choices=EXPORT_PRESETS, help="output size (default: the project's)")
    e.set_defaults(handler=run_export)


def _opt_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _report(output: Path, extras: list[Path | None], warnings: tuple[str, ...]) -> None:
    for w in warnings:
        print(f"warning: {display_path(w)}", file=sys.stderr)
    for path in [output, *extras]:
        if path is not None:
            print(display_path(path))


def run_render(args: argparse.Namespace) -> int:
    from core.narration.knowledge import knowledge_warnings
    from core.pipeline import RenderOptions, load_product, render_video

    if not defaults.rate_in_range(args.rate):
        raise InputError(f"--rate {args.rate}: must be {defaults.rate_range_text()}")
    video = Path(args.video)
    # before any work: no output may overwrite the video, the product file, another output or a device
    check_outputs(
        [video, args.product],
        [args.out, args.srt, args.narration_wav, args.project],
        input_names=["the source video itself", "the product knowledge"],
    )
    if not video.is_file():
        raise InputError(f"{display_path(video)}: no such video file")
    product = load_product(args.product)
    for warning in knowledge_warnings(product):  # thin knowledge: the lines will be generic
        print(f"warning: {warning}", file=sys.stderr)
    options = RenderOptions(
        voice=args.voice,
        rate_cps=args.rate,
        preset=args.preset,
        burn_subtitles=args.burn_subtitles,
        srt=_opt_path(args.srt),
        narration_wav=_opt_path(args.narration_wav),
        project_out=_opt_path(args.project),
    )
    if options.voice is not None:
        _check_voice(options.voice)
    narrator = _llm_narrator(args)
    result = render_video(
        video, product, Path(args.out), options=options, narrator=narrator, progress=StderrProgress("render")
    )
    _report(result.output, [options.srt, options.narration_wav, options.project_out], result.warnings)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from core.errors import ProjectError
    from core.export import ExportOptions, export_project
    from core.project import load_project

    if not args.out and not args.otio:
        raise InputError("export needs --out OUT.mp4, --otio OUT.otio, or both")
    if not args.out and (args.srt or args.narration_wav or args.burn_subtitles or args.preset):
        raise InputError("--srt, --narration-wav, --burn-subtitles and --preset go with --out OUT.mp4")
    outputs = [args.out, args.srt, args.narration_wav, args.otio]
    # before reading the project: `--out P.narr.json` never replaces P
    check_outputs([args.project], outputs, input_names=["the project"])
    if args.otio:
        from core.interchange import check_timeline_target

        check_timeline_target(Path(args.otio))
    project = load_project(Path(args.project))
    shown = display_path(args.project)
    if not project.video:
        raise ProjectError(f"{shown}: the project has no video")
    if not Path(project.video).is_file():
        raise ProjectError(f"{shown}: its video {display_path(project.video)} is missing")
    check_outputs(
        [args.project, project.video], outputs, input_names=["the project", "the source video itself"]
    )
    overrides: dict[str, object] = {
        "srt": _opt_path(args.srt),
        "narration_wav": _opt_path(args.narration_wav),
        "burn_subtitles": args.burn_subtitles or project.export.burn_subtitles,
    }
    if args.preset:
        overrides["preset"] = args.preset
    options = ExportOptions.from_project(project, **overrides)
    if args.out:
        result = export_project(project, Path(args.out), options, progress=StderrProgress("export"))
        _report(result.output, [result.srt, result.narration_wav], result.warnings)
    if args.otio:
        from core.interchange import export_timeline

        timeline = export_timeline(
            project, Path(args.otio), inputs=[Path(args.project)], progress=StderrProgress("timeline")
        )
        _report(timeline.output, [timeline.media_dir], ())
    return 0


def _llm_narrator(args: argparse.Namespace) -> Narrator | None:
    """The LLM narrator, loaded now so a bad model folder fails before minutes of detection."""
    if args.narrator != "llm":
        if args.model:
            raise InputError("--model is only used with --narrator llm")
        return None
    from core.narration.registry import create_narrator

    narrator = create_narrator("llm", model_dir=args.model)
    narrator.load(progress=StderrProgress("loading model"))  # type: ignore[attr-defined]
    return narrator


def _check_voice(voice: str) -> None:
    """InputError naming the voice when it is not installed (see `voices`)."""
    from core.speech.voices import resolve_voice

    resolve_voice(voice)
