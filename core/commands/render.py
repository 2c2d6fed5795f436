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
from core.project import EXPORT_PRESETS, Project


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("render", help="detect, narrate, speak and export a narrated video in one go")
    p.add_argument("video")
    p.add_argument("--product", required=True, help='PRODUCT.json: {"name": ..., "attributes": {...}}')
    p.add_argument("--out", required=True, help="OUT.mp4")
    p.add_argument("--srt", help="also write the subtitles as SRT")
    p.add_argument("--narration-wav", help="also write the narration track alone (16-bit PCM WAV)")
    p.add_argument("--project", help="also save the project document (OUT.narr.json) for the editor")
    p.add_argument(
        "--burn-subtitles",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="burn subtitles into the picture (default: yes; the soft subtitle track is always there)",
    )
    p.add_argument(
        "--loudness", type=float, default=defaults.LOUDNESS_LUFS, metavar="LUFS", help=LOUDNESS_HELP
    )
    p.add_argument("--voice", help="voice id from `voices` (default: the neural Mandarin voice)")
    p.add_argument(
        "--rate",
        type=float,
        default=defaults.RATE_CPS,
        metavar="CHARS_PER_S",
        help=f"speaking rate ({defaults.RATE_CPS:g})",
    )
    p.add_argument(
        "--preset",
        choices=EXPORT_PRESETS,
        default=defaults.EXPORT_PRESET,
        help=f"output size ({defaults.EXPORT_PRESET})",
    )
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
    e.add_argument(
        "--burn-subtitles",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="burn subtitles into the picture (default: the project's setting)",
    )
    e.add_argument("--preset", choices=EXPORT_PRESETS, help="output size (default: the project's)")
    e.add_argument("--loudness", type=float, metavar="LUFS", help=LOUDNESS_HELP + " (default: the project's)")
    fit = e.add_mutually_exclusive_group()
    fit.add_argument(
        "--shorten",
        action="store_true",
        help="lines too long for their clips are rewritten shorter by the narrator (locked lines, the ones "
        "you typed or locked, are kept: edit them yourself)",
    )
    fit.add_argument(
        "--allow-silent",
        action="store_true",
        help="export anyway, leaving clips whose line does not fit silent",
    )
    e.set_defaults(handler=run_export)


LOUDNESS_HELP = "integrated loudness target: -14 (short-video platforms, default), -16 or -23"


def _loudness(value: float | None) -> float | None:
    if value is not None and not defaults.loudness_in_range(value):
        lo, hi = defaults.LOUDNESS_MIN_LUFS, defaults.LOUDNESS_MAX_LUFS
        raise InputError(f"--loudness {value}: must be between {lo:g} and {hi:g} LUFS (e.g. -14, -16, -23)")
    return value


def _opt_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _report(output: Path, extras: list[Path | None], warnings: tuple[str, ...]) -> None:
    for w in warnings:
        print(f"warning: {display_path(w)}", file=sys.stderr)
    for path in [output, *extras]:
        if path is not None:
            print(display_path(path))


def _report_path(out: str) -> Path:
    """OUT.report.json, written beside every export: guarded like the other outputs."""
    from core.export.report import report_path_for

    return report_path_for(Path(out))


def run_render(args: argparse.Namespace) -> int:
    from core.narration.knowledge import knowledge_warnings
    from core.pipeline import RenderOptions, load_product, render_video

    if not defaults.rate_in_range(args.rate):
        raise InputError(f"--rate {args.rate}: must be {defaults.rate_range_text()}")
    video = Path(args.video)
    # before any work: no output may overwrite the video, the product file, another output or a device
    check_outputs(
        [video, args.product],
        [args.out, args.srt, args.narration_wav, args.project, _report_path(args.out)],
        input_names=["the source video itself", "the product knowledge"],
        project_outputs=[args.project],
    )
    if not video.is_file():
        raise InputError(f"{display_path(video)}: no such video file")
    product = load_product(args.product)
    for warning in knowledge_warnings(product):  # thin knowledge: the lines will be generic
        print(f"warning: {display_path(warning)}", file=sys.stderr)
    options = RenderOptions(
        loudness_lufs=_loudness(args.loudness) or defaults.LOUDNESS_LUFS,
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
    _report(
        result.output,
        [options.srt, options.narration_wav, options.project_out, result.export.report_path],
        result.warnings,
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from core.errors import ProjectError
    from core.project import load_project

    if not args.out and not args.otio:
        raise InputError("export needs --out OUT.mp4, --otio OUT.otio, or both")
    mp4_only = (args.srt, args.narration_wav, args.burn_subtitles is not None, args.preset, args.loudness is not None,
                args.shorten, args.allow_silent)  # fmt: skip
    if not args.out and any(mp4_only):
        raise InputError(
            "--srt, --narration-wav, --[no-]burn-subtitles, --preset, --loudness, --shorten and --allow-silent "
            "go with --out OUT.mp4"
        )
    outputs = [
        args.out,
        args.srt,
        args.narration_wav,
        args.otio,
        _report_path(args.out) if args.out else None,
    ]
    # before reading the project: `--out P.narr.json` never replaces P
    check_outputs([args.project], outputs, input_names=["the project"])
    if args.otio:
        from core.interchange import check_beside_timeline, check_timeline_target

        # the timeline's media folder is an output too: checked with the others, before any is written
        check_timeline_target(Path(args.otio))
        check_beside_timeline(Path(args.otio), outputs)
    project = load_project(Path(args.project))
    shown = display_path(args.project)
    if not project.video:
        raise ProjectError(f"{shown}: the project has no video")
    if not Path(project.video).is_file():
        raise ProjectError(f"{shown}: its video {display_path(project.video)} is missing")
    check_outputs(
        [args.project, project.video], outputs, input_names=["the project", "the source video itself"]
    )
    written: list[Path] = []
    if args.out:
        code, project, written = _export_mp4(args, project)
        if code:
            return code
    if args.otio:
        from core.interchange import export_timeline

        try:  # the timeline of the project the MP4 was made from (--shorten's lines included)
            timeline = export_timeline(
                project, Path(args.otio), inputs=[Path(args.project)], progress=StderrProgress("timeline")
            )
        except BaseException:  # a failed or cancelled export leaves none of its outputs, the MP4 neither
            for path in written:
                path.unlink(missing_ok=True)
            raise
        written += [timeline.output, timeline.media_dir]
    for path in written:  # stdout: every file written, once all are
        print(display_path(path))
    return 0


def _export_mp4(args: argparse.Namespace, project: Project) -> tuple[int, Project, list[Path]]:
    """The narrated MP4: every line checked against its clip first (exit 2 naming the clips that cannot
    fit, unless --shorten or --allow-silent), then the export and its report. Returns the exit code, the
    project as exported (with --shorten's lines) and the files written (paths printed by the caller)."""
    from core.export import ExportOptions, export_project
    from core.pipeline import apply_lines, check_export, made_by_key, shorten_lines
    from core.speech import shared_speaker

    overrides: dict[str, object] = {
        "srt": _opt_path(args.srt),
        "narration_wav": _opt_path(args.narration_wav),
        "allow_silent": bool(args.allow_silent),
    }
    if args.burn_subtitles is not None:
        overrides["burn_subtitles"] = args.burn_subtitles
    if args.preset:
        overrides["preset"] = args.preset
    if _loudness(args.loudness) is not None:
        overrides["loudness_lufs"] = args.loudness
    speaker = shared_speaker()
    fits, problems = check_export(project, speaker, progress=StderrProgress("checking lines"))
    shortened: list[int] = []
    kept: set[int] = set()  # locked lines (typed or locked by the user): --shorten never replaces them
    if problems and args.shorten:
        from core.narration.registry import create_narrator

        kept = {p.index for p in problems if project.clips[p.index].locked}
        for index in sorted(kept):
            print(display_path(f"clip {index + 1}: your line is locked; not shortened"), file=sys.stderr)
        indexes = [p.index for p in problems if p.index not in kept]
        if indexes:
            made = made_by_key(project, fits)  # the speech already made is reused by the second check
            verdicts = shorten_lines(project, create_narrator("embedded"), indexes, speaker=speaker)
            project = apply_lines(project, [v for v in verdicts if v.fits], unlock=True)
            shortened = [v.index for v in verdicts if v.verdict == "shortened"]
            for v in verdicts:
                if v.verdict == "shortened":
                    print(display_path(f"clip {v.index + 1}: shortened to {v.text}"), file=sys.stderr)
            fits, problems = check_export(project, speaker, made=made)
        # what the narrator could not shorten is named below and left silent; a kept line is the user's
        # to edit: it fails the export as without --shorten
        problems = [p for p in problems if p.index in kept]
        overrides["allow_silent"] = not problems
    if problems and not overrides["allow_silent"]:
        for problem in problems:
            print(display_path(problem.message()), file=sys.stderr)
        many = len(problems) > 1
        remedy = (
            "edit them yourself (--shorten keeps locked lines) or pass --allow-silent without --shorten"
            if kept
            else "edit them, or pass --shorten (rewrite them shorter) or --allow-silent (leave them silent)"
        )
        print(
            f"error: {len(problems)} line{'s' if many else ''} too long for {'their clips' if many else 'its clip'}; "
            + remedy,
            file=sys.stderr,
        )
        return 2, project, []
    overrides["shortened"] = frozenset(shortened)
    options = ExportOptions.from_project(project, **overrides)
    result = export_project(
        project, Path(args.out), options, speaker=speaker, fits=fits, progress=StderrProgress("export")
    )
    for w in result.warnings:
        print(f"warning: {display_path(w)}", file=sys.stderr)
    written = [result.output, result.srt, result.narration_wav, result.report_path]
    return 0, project, [Path(p) for p in written if p is not None]


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
