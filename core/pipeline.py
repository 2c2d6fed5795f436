"""One narration pipeline for the editor and the command line (no Qt here).

Building a narration request from a project (the calibrated rate of the chosen voice, visual cues when
a video is present, locked lines, fixed labels), writing and fitting lines (estimate, rewrite shorter
through the narrator, speed-up limits), applying narrator results to a project, merging a range of
clips, the one speech-length estimate and budget (meter, narration lane, export check), the one media
summary and product loader; and the headless render flow (detect -> narrate -> fit -> export). The
editor (gui/services.py) and `render`/`export` call these same functions, so the same project and
settings give the same lines, budgets and fit verdicts in both.

A line that does not fit its clip even at the fastest allowed speech is sent back to the narrator with
a smaller `chars_max` (a few tries); `render` then leaves the clip silent and says so on stderr.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core import defaults
from core.export import (
    DEFAULT_TARGET_LUFS,
    ExportOptions,
    ExportResult,
    FitProblem,
    check_output_path,
    export_project,
    find_cjk_font,
    fit_all,
    fit_problems,
)
from core.jobs import CancelToken, ProgressCallback, no_progress, scaled
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, Narrator, VisualCues
from core.narration.budget import MAX_SPEEDUP, MIN_SPEECH_CHARS, char_budget
from core.project import (
    Clip,
    MediaSummary,
    Product,
    Project,
    SpeechSettings,
    check_storable_video,
    merge_with_next,
    save_project,
)
from core.speech import FitResult, Speaker, count_chars, shared_speaker

__all__ = [
    "ExportOptions",
    "LineFit",
    "LineVerdict",
    "RenderOptions",
    "RenderResult",
    "apply_lines",
    "check_export",
    "clip_budget",
    "clip_rate",
    "estimate_speech_ms",
    "export_project",
    "line_fit",
    "load_product",
    "media_summary",
    "merge_range",
    "narration_request",
    "render_for_selftest",
    "render_video",
    "shorten_lines",
    "speak_clip",
    "synthesize_all",
    "visual_cues",
    "write_lines",
]


@dataclass(frozen=True)
class RenderOptions:
    voice: str | None = None
    rate_cps: float = defaults.RATE_CPS
    preset: str = defaults.EXPORT_PRESET
    burn_subtitles: bool = True
    loudness_lufs: float = DEFAULT_TARGET_LUFS
    srt: Path | None = None
    narration_wav: Path | None = None
    project_out: Path | None = None  # also save the project document here
    min_clip_ms: int = defaults.DETECT_MIN_CLIP_MS
    sensitivity: float = 0.5
    narrator: str = defaults.NARRATOR_KIND
    rewrite_tries: int = 3
    seed: int = 0


@dataclass(frozen=True)
class RenderResult:
    project: Project
    export: ExportResult
    fits: tuple[FitResult, ...]
    dropped: tuple[int, ...] = ()  # clip indices left silent because no line fitted
    warnings: tuple[str, ...] = field(default_factory=tuple)
    verdicts: tuple[LineVerdict, ...] = ()

    @property
    def output(self) -> Path:
        return self.export.output


def load_product(path: Path | str) -> Product:
    """PRODUCT.json -> Product; every problem is one InputError line naming the file (core.parsing)."""
    from core.project import load_product_file

    return load_product_file(path)


def media_summary(info: Any) -> MediaSummary:
    """What a project keeps about its video: the display size (after rotation), as the picture shows."""
    return MediaSummary(
        duration_ms=int(info.duration_ms),
        fps=info.fps,
        width=int(getattr(info, "display_width", 0) or info.width),
        height=int(getattr(info, "display_height", 0) or info.height),
        has_audio=bool(info.has_audio),
    )


def product_beside(video: Path | str) -> Path:
    video = Path(video)
    return video.with_name(video.stem + ".product.json")


def load_product_beside(video: Path | str) -> Product | None:
    """`VIDEO.product.json` next to a video, if there is one (errors raised as by `load_product`)."""
    candidate = product_beside(video)
    return load_product(candidate) if candidate.is_file() else None


# ---------------------------------------------------------------------------------------------
# rates, budgets and the one speech-length estimate

_rates: dict[tuple[int, str | None, float], float] = {}
_rates_lock = threading.Lock()


def calibrated_rate(rate_cps: float, voice: str | None = None, speaker: Speaker | None = None) -> float:
    """Characters per second `voice` really speaks when asked for `rate_cps` (memoized per speaker)."""
    speaker = speaker or shared_speaker()
    key = (id(speaker), voice, float(rate_cps))
    with _rates_lock:
        if key in _rates:
            return _rates[key]
    value = float(speaker.calibrated_cps(rate_cps, voice))
    with _rates_lock:
        _rates[key] = value
    return value


_pending: set[tuple[int, str | None, float]] = set()


def known_rate(rate_cps: float, voice: str | None = None, speaker: Speaker | None = None) -> float | None:
    """The calibrated rate if it is known already; otherwise None, and it is measured in the background
    (a voice's first calibration synthesizes a few dozen lines: never on the editor's GUI thread)."""
    speaker = speaker or shared_speaker()
    key = (id(speaker), voice, float(rate_cps))
    with _rates_lock:
        if key in _rates:
            return _rates[key]
        if key in _pending:
            return None
        _pending.add(key)

    def measure() -> None:
        try:
            calibrated_rate(rate_cps, voice, speaker)
        except Exception:  # the estimate falls back to the set rate; synthesis reports real problems
            pass
        finally:
            with _rates_lock:
                _pending.discard(key)

    threading.Thread(target=measure, name="calibrate-voice", daemon=True).start()
    return None


def clip_rate(project: Project, clip: Clip, speaker: Speaker | None = None, *, wait: bool = True) -> float:
    """The calibrated speaking rate of the clip's voice (its own voice/rate overrides first).

    `wait=False` (the editor's meters): the set rate until the calibration is known."""
    speech = project.effective_speech(clip)
    rate, voice = speech.rate_cps, speech.voice
    if wait:
        return calibrated_rate(rate, voice, speaker)
    known = known_rate(rate, voice, speaker)
    return rate if known is None else known


def clip_budget(
    project: Project, clip: Clip, speaker: Speaker | None = None, *, wait: bool = True
) -> tuple[int, int]:
    """(chars_min, chars_max) of the clip at the calibrated rate: what the narrator writes to."""
    s = project.speech
    rate = clip_rate(project, clip, speaker, wait=wait)
    return char_budget(clip.duration_ms, rate, lead_ms=s.lead_ms, tail_ms=s.tail_ms)


def estimate_speech_ms(
    text: str,
    rate_cps: float = defaults.RATE_CPS,
    voice: str | None = None,
    speaker: Speaker | None = None,
    *,
    wait: bool = True,
) -> int:
    """Spoken duration of `text` from the voice's calibration, without synthesizing (`wait` as clip_rate)."""
    n = count_chars(text)
    if n == 0:
        return 0
    rate = (
        calibrated_rate(rate_cps, voice, speaker)
        if wait
        else (known_rate(rate_cps, voice, speaker) or rate_cps)
    )
    return round(n * 1000 / rate)


@dataclass(frozen=True)
class LineFit:
    """How a clip's line relates to its clip: the budget meter, the narration lane and the fit check."""

    chars: int
    chars_min: int
    chars_max: int
    speech_ms: int  # estimated at the calibrated rate
    room_ms: int  # clip minus lead and tail
    state: str  # "empty", "fits", "tight" (will be spoken faster), "over" (will not fit)


def line_fit(
    project: Project,
    clip: Clip,
    text: str | None = None,
    speaker: Speaker | None = None,
    *,
    wait: bool = True,
) -> LineFit:
    """The one verdict for a line: budget meter, narration lane, and what the narrator wrote to."""
    text = clip.narration if text is None else text
    lo, hi = clip_budget(project, clip, speaker, wait=wait)
    n = count_chars(text)
    rate = clip_rate(project, clip, speaker, wait=wait)
    speech = 0 if n == 0 else round(n * 1000 / rate)
    room = max(0, clip.duration_ms - project.speech.lead_ms - project.speech.tail_ms)
    if n == 0:
        state = "empty"
    elif n > hi or speech > room * MAX_SPEEDUP:
        state = "over"
    elif speech > room:
        state = "tight"
    else:
        state = "fits"
    return LineFit(n, lo, hi, speech, room, state)


def speak_clip(project: Project, index: int, speaker: Speaker | None = None) -> FitResult:
    """Synthesize and fit one clip's line (cached): 'play its speech' and the exact budget check."""
    return (speaker or shared_speaker()).fit_clip(project, project.clips[index])


# Every clip's line synthesized and fitted (cached), in clip order: the export's own first step.
synthesize_all = fit_all


# ---------------------------------------------------------------------------------------------
# narration requests, lines and verdicts

_cues: dict[tuple[str, int, int], VisualCues] = {}
_cues_lock = threading.Lock()


def visual_cues(
    project: Project, cancel: CancelToken | None = None, progress: ProgressCallback = no_progress
) -> list[VisualCues | None]:
    """Visual cues per clip for the storyline planner (cached per video and span; None without video)."""
    video = project.video
    if not video or project.video_missing:
        return [None] * len(project.clips)
    try:
        from core.visual_cues import compute_cues
    except ImportError:
        return [None] * len(project.clips)
    from core.errors import SyncNarratorError

    spans = [(c.start_ms, c.end_ms) for c in project.clips]
    with _cues_lock:
        missing = [span for span in spans if (video, span[0], span[1]) not in _cues]
    for k in range(0, len(missing), 10):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(k / max(len(missing), 1), "looking at the clips")
        chunk = missing[k : k + 10]
        try:
            found = compute_cues(video, chunk, cancel=cancel)
        except SyncNarratorError:
            return [None] * len(project.clips)  # the narrator works without them
        with _cues_lock:
            for span, cues in zip(chunk, found):
                _cues[(video, span[0], span[1])] = cues
    with _cues_lock:
        return [_cues.get((video, span[0], span[1])) for span in spans]


def narration_request(
    project: Project,
    *,
    speaker: Speaker | None = None,
    cues: Sequence[VisualCues | None] | None = None,
    seed: int = 0,
    unlocked: Sequence[int] = (),
) -> NarrationRequest:
    """The request both front ends send: budgets at the calibrated rate, cues, locked lines, fixed labels.

    `unlocked`: clips whose locked line is to be rewritten anyway (Regenerate)."""
    cues = list(cues) if cues is not None else [None] * len(project.clips)
    clips = []
    for i, c in enumerate(project.clips):
        lo, hi = clip_budget(project, c, speaker)
        locked = c.locked and bool(c.narration) and i not in unlocked
        clips.append(
            ClipRequest(
                index=i,
                duration_ms=c.duration_ms,
                chars_min=lo,
                chars_max=hi,
                labels=c.labels if c.labels_locked else (),
                locked_text=c.narration if locked else None,
                cues=cues[i] if i < len(cues) else None,
            )
        )
    return NarrationRequest(
        product=project.product,
        clips=tuple(clips),
        rate_cps=calibrated_rate(project.speech.rate_cps, project.speech.voice, speaker),
        seed=seed,
    )


def context_of(project: Project, speaker: Speaker | None = None) -> list[ClipNarration]:
    """The project's current lines as narrator context."""
    out = []
    for i, c in enumerate(project.clips):
        lo, hi = clip_budget(project, c, speaker)
        out.append(ClipNarration(index=i, labels=c.labels, text=c.narration, chars_min=lo, chars_max=hi))
    return out


@dataclass(frozen=True)
class LineVerdict:
    """One clip's line after fitting: `verdict` is "fitted", "shortened", "silent" or "empty"."""

    index: int
    labels: tuple[str, ...]
    text: str
    verdict: str
    fit: FitResult | None = None

    @property
    def fits(self) -> bool:
        return self.verdict in ("fitted", "shortened", "empty")


def _fit_with_rewrites(
    narrator: Narrator,
    request: NarrationRequest,
    narrations: list[ClipNarration],
    index: int,
    project: Project,
    speaker: Speaker,
    tries: int,
) -> tuple[ClipNarration, FitResult, bool]:
    """Fit clip `index`'s line; ask for shorter lines while it overruns. Returns (line, fit, fitted)."""
    clip = replace(project.clips[index], narration=narrations[index].text)
    fit = speaker.fit_clip(project, clip)
    current = narrations[index]
    locked = request.clips[index].locked_text is not None
    for attempt in range(tries):
        if fit.fits or not current.text.strip() or locked:
            break
        chars_max = count_chars(current.text) - fit.overflow_chars - 1
        if chars_max < MIN_SPEECH_CHARS:
            break
        chars_min = max(1, min(current.chars_min, chars_max - 2 * request.tolerance))
        clips = list(request.clips)
        clips[index] = replace(clips[index], chars_min=chars_min, chars_max=chars_max, labels=current.labels)
        shorter = narrator.rewrite(
            replace(request, clips=tuple(clips)), index, seed=request.seed + attempt + 1, context=narrations
        )
        if count_chars(shorter.text) >= count_chars(current.text):
            continue  # not shorter: try another seed
        current = shorter
        fit = speaker.fit_clip(project, replace(clip, narration=current.text))
    return current, fit, fit.fits


def fit_lines(
    project: Project,
    narrator: Narrator,
    request: NarrationRequest,
    narrations: Sequence[ClipNarration],
    indexes: Sequence[int] | None = None,
    *,
    speaker: Speaker | None = None,
    tries: int = 3,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[LineVerdict]:
    """Speak and fit the given clips' lines (all by default), rewriting shorter ones that overrun."""
    speaker = speaker or shared_speaker()
    lines = list(narrations)
    indexes = list(range(len(project.clips))) if indexes is None else list(indexes)
    out = []
    for k, i in enumerate(indexes):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(k / max(1, len(indexes)), f"speaking clip {i + 1}/{len(project.clips)}")
        before = lines[i].text
        line, fit, ok = _fit_with_rewrites(narrator, request, lines, i, project, speaker, tries)
        lines[i] = line
        if not line.text.strip():
            verdict = "empty"
        elif not ok:
            verdict = "silent"
        else:
            verdict = "shortened" if line.text != before else "fitted"
        out.append(LineVerdict(i, tuple(line.labels), line.text, verdict, fit))
    progress(1.0, "lines fitted")
    return out


def write_lines(
    project: Project,
    narrator: Narrator,
    *,
    speaker: Speaker | None = None,
    seed: int = 0,
    cues: Sequence[VisualCues | None] | None = None,
    tries: int = 3,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[LineVerdict]:
    """Narrate every clip and fit each line (shorter rewrites when needed): 'Narrate all' and `render`."""
    speaker = speaker or shared_speaker()
    if cues is None:
        cues = visual_cues(project, cancel, scaled(progress, 0.0, 0.2))
    request = narration_request(project, speaker=speaker, cues=cues, seed=seed)
    narrations = narrator.narrate(request, progress=scaled(progress, 0.2, 0.5), cancel=cancel)
    return fit_lines(
        project, narrator, request, narrations, speaker=speaker, tries=tries,
        progress=scaled(progress, 0.5, 1.0), cancel=cancel,
    )  # fmt: skip


def rewrite_lines(
    project: Project,
    narrator: Narrator,
    indexes: Sequence[int],
    *,
    speaker: Speaker | None = None,
    seed: int = 0,
    cues: Sequence[VisualCues | None] | None = None,
    tries: int = 3,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[LineVerdict]:
    """New lines for the given clips only (locks on them ignored), the others as context, each fitted."""
    speaker = speaker or shared_speaker()
    if cues is None:
        cues = visual_cues(project, cancel)
    request = narration_request(project, speaker=speaker, cues=cues, seed=seed, unlocked=indexes)
    context = context_of(project, speaker)
    for k, index in enumerate(indexes):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(0.5 * k / max(len(indexes), 1), f"rewriting clip {index + 1}")
        context[index] = narrator.rewrite(request, index, seed=seed + k, context=context)
    return fit_lines(
        project, narrator, request, context, indexes, speaker=speaker, tries=tries,
        progress=scaled(progress, 0.5, 1.0), cancel=cancel,
    )  # fmt: skip


def shorten_lines(
    project: Project,
    narrator: Narrator,
    indexes: Sequence[int],
    *,
    speaker: Speaker | None = None,
    seed: int = 0,
    tries: int = 4,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[LineVerdict]:
    """Shorter lines for clips whose line does not fit (the user's own lines too: asked for explicitly)."""
    speaker = speaker or shared_speaker()
    request = narration_request(project, speaker=speaker, cues=visual_cues(project, cancel), seed=seed,
                                unlocked=indexes)  # fmt: skip
    return fit_lines(
        project, narrator, request, context_of(project, speaker), indexes, speaker=speaker, tries=tries,
        progress=progress, cancel=cancel,
    )  # fmt: skip


def apply_lines(
    project: Project, lines: Sequence[LineVerdict | tuple[int, tuple[str, ...], str]], *, unlock: bool = False
) -> Project:
    """Narrator results into the project: fixed labels and locked lines are kept (unless `unlock`)."""
    clips = list(project.clips)
    for item in lines:
        index, labels, text = (item.index, item.labels, item.text) if isinstance(item, LineVerdict) else item
        clip = clips[index]
        changes: dict[str, Any] = {}
        if not clip.labels_locked:
            changes["labels"] = tuple(labels)
        if unlock or not clip.locked:
            changes["narration"] = text
            if unlock:
                changes["locked"] = False
        clips[index] = replace(clip, **changes)
    return replace(project, clips=tuple(clips))


def merge_range(project: Project, first: int, last: int) -> Project:
    """Clips first..last (inclusive) joined into one."""
    for _ in range(max(0, last - first)):
        project = merge_with_next(project, first)
    return project


# ---------------------------------------------------------------------------------------------
# the pre-export check


def check_export(
    project: Project,
    speaker: Speaker | None = None,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[list[FitResult], list[FitProblem]]:
    """Every clip's line spoken and fitted: the fits (reused by the export) and the lines that cannot fit."""
    fits = fit_all(project, speaker, progress=progress, cancel=cancel)
    return fits, fit_problems(project, fits)


# ---------------------------------------------------------------------------------------------
# render


def render_video(
    video: Path | str,
    product: Product,
    out: Path | str,
    *,
    options: RenderOptions | None = None,
    speaker: Speaker | None = None,
    narrator: Narrator | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> RenderResult:
    """Detect clips, narrate (storyline predicted), speak and fit every line, export the narrated MP4."""
    from core.detection import detect_clips
    from core.narration.registry import create_narrator

    options = options or RenderOptions()
    video = Path(video).resolve()
    out = Path(out)
    # refuse bad targets before minutes of work
    for target, what in (
        (out, "output"),
        (options.srt, "subtitle file"),
        (options.narration_wav, "narration file"),
        (options.project_out, "project file"),
    ):
        if target is not None:
            check_output_path(Path(target), video, what)
    if options.project_out is not None:
        check_storable_video(video, options.project_out)
    if options.burn_subtitles:
        find_cjk_font()  # a missing font is reported now, not after detection and narration
    speaker = speaker or shared_speaker()

    detection = detect_clips(
        video,
        min_clip_ms=options.min_clip_ms,
        sensitivity=options.sensitivity,
        progress=scaled(progress, 0.0, 0.35),
        cancel=cancel,
    )
    project = Project(
        video=str(video),
        media=media_summary(detection.info),
        product=product,
        clips=tuple(Clip(a, b) for a, b in detection.clips),
        speech=SpeechSettings(voice=options.voice, rate_cps=options.rate_cps),
    )
    if cancel is not None:
        cancel.raise_if_cancelled()

    progress(0.35, "writing narration")
    narrator = narrator or create_narrator(options.narrator)
    verdicts = write_lines(
        project,
        narrator,
        speaker=speaker,
        seed=options.seed,
        tries=options.rewrite_tries,
        progress=scaled(progress, 0.35, 0.65),
        cancel=cancel,
    )
    project = apply_lines(project, verdicts)
    warnings: list[str] = []
    for v in verdicts:
        if v.verdict == "silent":
            clip = project.clips[v.index]
            over = v.fit.overflow_chars if v.fit is not None else 0
            warnings.append(
                f"clip {v.index + 1}: no line fits {clip.duration_ms / 1000:.1f} s "
                f"(still {over} characters too long); left silent"
            )
    export_options = ExportOptions(
        preset=options.preset,
        burn_subtitles=options.burn_subtitles,
        srt=options.srt,
        narration_wav=options.narration_wav,
        loudness_lufs=options.loudness_lufs,
        allow_silent=True,  # render says so itself (above)
        shortened=frozenset(v.index for v in verdicts if v.verdict == "shortened"),
    )
    fits = [v.fit for v in verdicts]
    result = export_project(
        project,
        out,
        export_options,
        speaker=speaker,
        fits=fits if all(f is not None for f in fits) else None,  # type: ignore[arg-type]
        progress=scaled(progress, 0.65, 1.0),
        cancel=cancel,
    )
    if options.project_out is not None:
        # saved last: a render that fails or is cancelled while exporting leaves no project behind, and a
        # project that cannot be saved takes the export's outputs back, so a failed render leaves none
        try:
            save_project(project, Path(options.project_out))
        except BaseException:
            for written in (result.output, result.srt, result.narration_wav, result.report_path):
                if written is not None:
                    Path(written).unlink(missing_ok=True)
            raise
    export_warnings = tuple(w for w in result.warnings if not w.endswith("; left silent"))
    return RenderResult(
        project=project,
        export=result,
        fits=tuple(v.fit for v in verdicts if v.fit is not None),
        dropped=tuple(v.index for v in verdicts if v.verdict == "silent"),
        warnings=tuple(warnings) + export_warnings,
        verdicts=tuple(verdicts),
    )


def render_for_selftest(
    video: Path | str, out: Path | str, *, narration_wav: Path | None = None, product: Product | None = None
) -> tuple[Project, ExportResult]:
    """The render flow on the bundled demo (its product sits beside it as NAME.product.json)."""
    video = Path(video)
    if product is None:
        product = load_product_beside(video) or Product()
    # plain (no burn-in): the self-test burns subtitles in a second export and compares the two
    options = RenderOptions(narration_wav=narration_wav, burn_subtitles=False)
    result = render_video(video, product, out, options=options)
    return result.project, result.export


def warnings_text(warnings: Sequence[str]) -> list[str]:
    return [f"warning: {w}" for w in warnings]
