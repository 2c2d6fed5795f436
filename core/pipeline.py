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

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from core import defaults
from core.errors import Cancelled
from core.export import (
    DEFAULT_TARGET_LUFS,
    ExportOptions,
    ExportResult,
    FitProblem,
    build_track,
    check_output_path,
    export_project,
    find_cjk_font,
    fit_all,
)
from core.export.report import needs_ms
from core.jobs import CancelToken, ProgressCallback, expected_fraction, no_progress, scaled
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, Narrator, VisualCues
from core.narration.budget import MAX_SPEEDUP, MIN_SPEECH_CHARS, char_budget
from core.narration.registry import SharedNarrator
from core.project import (
    Clip,
    MediaSummary,
    Product,
    Project,
    SpeechKey,
    SpeechSettings,
    check_storable_video,
    merge_with_next,
    save_project,
    speech_key,
)
from core.speech import FitResult, Speaker, count_chars, shared_speaker

__all__ = [
    "CheckedExport",
    "ExportOptions",
    "FitPolicy",
    "LineFit",
    "LineVerdict",
    "RenderOptions",
    "RenderResult",
    "alternative_lines",
    "apply_lines",
    "check_export",
    "check_lines",
    "checked_export",
    "clip_budget",
    "clip_rate",
    "estimate_speech_ms",
    "export_fits",
    "export_project",
    "line_estimate_ms",
    "line_fit",
    "load_product",
    "media_summary",
    "merge_range",
    "narration_request",
    "narration_track",
    "render_for_selftest",
    "render_video",
    "shorten_lines",
    "shorten_proposals",
    "speak_clip",
    "synthesize_all",
    "visual_cues",
    "warm_up",
    "warm_voice",
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
    """How a clip's line relates to its clip: THE verdict the budget meter, the narration lane, the export
    check (its dialog and the CLI's message) and the narrator's fitting all show."""

    chars: int
    chars_min: int
    chars_max: int
    speech_ms: int  # estimated at the calibrated rate (what is said: syllables and pauses)
    room_ms: int  # clip minus lead and tail
    state: str  # "empty", "fits", "tight" (will be spoken faster), "over" (will not fit)
    needs_ms: int = 0  # spoken length at the fastest allowed speech (what "over" compares with room_ms)
    made: bool = False  # decided from the speech already made (else from the estimate)

    @property
    def short(self) -> bool:
        """Fewer characters than the budget asks for: the clip will have some silence."""
        return 0 < self.chars < self.chars_min

    @property
    def overflow_chars(self) -> int:
        """About how many characters too long (0 unless "over"): what a shorter rewrite must drop."""
        if self.state != "over" or self.needs_ms <= 0:
            return 0
        fitting = math.floor(self.chars * self.room_ms / self.needs_ms)
        return max(1, self.chars - fitting)


Made = Mapping[SpeechKey, FitResult]
"""Speech already made, by `core.project.speech_key` (the editor's Document.made_speech())."""

_front_end_ready = threading.Event()
_front_end_lock = threading.Lock()
_front_end_started = False


def warm_estimates(speaker: Speaker | None = None) -> None:
    """Load the text front-end the estimate reads lines with (jieba: about 2 s, once per process)."""
    global _front_end_started
    with _front_end_lock:
        _front_end_started = True
    try:
        (speaker or shared_speaker()).estimate_ms("预热", defaults.RATE_CPS)
    finally:
        _front_end_ready.set()


def estimates_ready() -> bool:
    return _front_end_ready.is_set()


def _warm_in_background(speaker: Speaker) -> None:
    global _front_end_started
    with _front_end_lock:
        if _front_end_started:
            return
        _front_end_started = True

    def warm() -> None:
        try:
            warm_estimates(speaker)
        except Exception:  # the estimate falls back to counting characters
            _front_end_ready.set()

    threading.Thread(target=warm, name="warm-estimates", daemon=True).start()


_estimates: dict[tuple[int, str, float, str | None], int] = {}


def line_estimate_ms(
    text: str, rate_cps: float, voice: str | None = None, speaker: Speaker | None = None, *, wait: bool = True
) -> int:
    """Spoken length of `text`: `Speaker.estimate_ms` (what is said, at the voice's calibrated rate).

    `wait=False` (the editor's GUI thread) never blocks: until the voice's calibration and the text
    front-end are loaded (in the background), the characters at the set rate."""
    if count_chars(text) == 0:
        return 0
    speaker = speaker or shared_speaker()
    if not wait:
        known = known_rate(rate_cps, voice, speaker)
        if known is None or not _front_end_ready.is_set():
            _warm_in_background(speaker)
            return round(count_chars(text) * 1000 / (known or rate_cps))
    key = (id(speaker), text.strip(), float(rate_cps), voice)
    hit = _estimates.get(key)
    if hit is None:
        hit = int(speaker.estimate_ms(text, rate_cps, voice))
        _front_end_ready.set()  # loaded now, in this process
        if len(_estimates) > 4096:
            _estimates.clear()
        _estimates[key] = hit
    return hit


def line_fit(
    project: Project,
    clip: Clip,
    text: str | None = None,
    speaker: Speaker | None = None,
    *,
    wait: bool = True,
    made: Made | None = None,
) -> LineFit:
    """The one verdict for a line: from its speech when already made (`made`), else from the estimate.

    "over": the line cannot be spoken inside the clip even at the fastest allowed speech; "tight": it
    will be spoken faster than the set rate (or is past the character budget); "fits" otherwise."""
    text = clip.narration if text is None else text
    if text != clip.narration:
        clip = replace(clip, narration=text)
    lo, hi = clip_budget(project, clip, speaker, wait=wait)
    n = count_chars(text)
    s = project.effective_speech(clip)
    speech = line_estimate_ms(text, s.rate_cps, s.voice, speaker, wait=wait)
    room = max(0, clip.duration_ms - project.speech.lead_ms - project.speech.tail_ms)
    fit = made.get(speech_key(project, clip)) if made and n else None
    if fit is not None and fit.text != text.strip():
        fit = None
    needs = 0 if n == 0 else math.ceil(speech / MAX_SPEEDUP)
    if fit is not None:
        needs = needs_ms(fit, s.rate_cps)
    if n == 0:
        state = "empty"
    elif fit is not None:
        state = (
            "over" if not fit.fits else "tight" if fit.tempo > 1.0001 or speech > room or n > hi else "fits"
        )
    elif needs > room:
        state = "over"
    elif speech > room or n > hi:
        state = "tight"
    else:
        state = "fits"
    return LineFit(n, lo, hi, speech, room, state, needs, fit is not None)


def check_lines(
    project: Project, speaker: Speaker | None = None, *, made: Made | None = None, wait: bool = True
) -> list[FitProblem]:
    """The export check, at once: every clip whose line `line_fit` calls "over" (no synthesis)."""
    out = []
    for i, clip in enumerate(project.clips):
        fit = line_fit(project, clip, speaker=speaker, wait=wait, made=made)
        if fit.state == "over":
            out.append(
                FitProblem(i, clip.start_ms, clip.end_ms, fit.needs_ms, fit.room_ms, clip.narration.strip())
            )
    return out


def made_by_key(project: Project, fits: Sequence[FitResult | None]) -> dict[SpeechKey, FitResult]:
    """Fits in clip order -> the `made` mapping `line_fit` and `export_fits` read."""
    return {speech_key(project, c): f for c, f in zip(project.clips, fits) if f is not None}


def export_fits(
    project: Project,
    speaker: Speaker | None = None,
    *,
    made: Made | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[FitResult]:
    """Every clip's speech for the export: what is already made is reused, only the rest is synthesized."""
    speaker = speaker or shared_speaker()
    made = made or {}
    out = []
    missing = [i for i, c in enumerate(project.clips) if speech_key(project, c) not in made]
    done = 0
    for i, clip in enumerate(project.clips):
        if cancel is not None:
            cancel.raise_if_cancelled()
        fit = made.get(speech_key(project, clip))
        if fit is None or fit.text != clip.narration.strip():
            progress(done / max(1, len(missing)), f"speaking clip {i + 1}/{len(project.clips)}")
            fit = speaker.fit_clip(project, clip)
            done += 1
        out.append(fit)
    progress(1.0, "speech ready")
    return out


_SPEECH_COST = [1.0]  # wall seconds per second of speech, learned from each line spoken (this process)
_VOICE_LOAD_S = 3.0  # a voice's first line also loads it (Kokoro: ~2 s on a quiet machine)
_voices_loaded: set[str] = set()


def speak_clip(
    project: Project,
    index: int,
    speaker: Speaker | None = None,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> FitResult:
    """Synthesize and fit one clip's line (cached): 'play its speech', the editor's speech queue and the exact
    budget check. The voice stays loaded (one Speaker per process), so only the first clip pays for loading
    it. The synthesis is one call without progress of its own, so `progress` follows the expected time (the
    estimated speech length times the cost measured on the lines spoken so far, plus loading the voice the
    first time), held below 100% until the speech is ready; a cancel stops waiting (the synthesis finishes
    into the cache)."""
    if cancel is not None:
        cancel.raise_if_cancelled()  # skipped when its line changed while it waited
    speaker = speaker or shared_speaker()
    clip = project.clips[index]
    s = project.effective_speech(clip)
    voice = speaker.voice_id(s.voice)
    first = voice not in _voices_loaded
    speech_s = max(0.5, speaker.estimate_ms(clip.narration, s.rate_cps, voice) / 1000)
    expected = speech_s * _SPEECH_COST[0] + (_VOICE_LOAD_S if first else 0.0)
    outcome: list[FitResult | BaseException] = []

    def run() -> None:
        try:
            outcome.append(speaker.fit_clip(project, clip))
        except BaseException as exc:  # handed to the calling thread below
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True, name="speak-clip")
    worker.start()
    progress(0.0, "speaking")
    while worker.is_alive():
        worker.join(0.1)
        if cancel is not None and cancel.cancelled:
            raise Cancelled("cancelled")
        progress(expected_fraction(time.monotonic() - started, expected), "speaking")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    elapsed = time.monotonic() - started
    _voices_loaded.add(voice)
    if result.duration_ms > 0 and elapsed > 0.3:  # a cache hit says nothing about the voice's speed
        spent = max(0.1, elapsed - (_VOICE_LOAD_S if first else 0.0))
        _SPEECH_COST[0] = 0.5 * _SPEECH_COST[0] + 0.5 * spent / (result.duration_ms / 1000)
    progress(1.0, "speech ready")
    return result


def narration_track(
    project: Project,
    out: Path | str,
    *,
    made: Made | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[Path, list[FitResult]]:
    """Every line's speech (what `made` holds is reused) mixed as one narration track at `out` (the editor's
    preview plays it), and the clips' FitResults in clip order."""
    fits = export_fits(project, made=made, progress=scaled(progress, 0.0, 0.9), cancel=cancel)
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(0.9, "mixing narration")
    n = len(project.clips)
    duration = project.media.duration_ms if project.media else (project.clips[-1].end_ms if n else 0)
    build_track(project, fits, duration, Path(out))
    progress(1.0, "done")
    return Path(out), fits


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


def _judge(project: Project, clip: Clip, speaker: Speaker, speak: bool) -> tuple[bool, int, FitResult | None]:
    """(fits, characters too many, the speech when made) of a clip's line: synthesized and fitted when
    `speak` (render, the CLI), else the estimate alone (the editor: lines first, speech after)."""
    if speak:
        fit = speaker.fit_clip(project, clip)
        verdict = line_fit(project, clip, speaker=speaker, made={speech_key(project, clip): fit})
        return verdict.state != "over", fit.overflow_chars if not fit.fits else 0, fit
    verdict = line_fit(project, clip, speaker=speaker)
    return verdict.state != "over", verdict.overflow_chars, None


def _fit_with_rewrites(
    narrator: Narrator,
    request: NarrationRequest,
    narrations: list[ClipNarration],
    index: int,
    project: Project,
    speaker: Speaker,
    tries: int,
    speak: bool = True,
) -> tuple[ClipNarration, FitResult | None, bool]:
    """Fit clip `index`'s line; ask for shorter lines while it overruns. Returns (line, fit, fitted)."""
    clip = replace(project.clips[index], narration=narrations[index].text)
    fits, overflow, fit = _judge(project, clip, speaker, speak)
    current = narrations[index]
    locked = request.clips[index].locked_text is not None
    for attempt in range(tries):
        if fits or not current.text.strip() or locked:
            break
        chars_max = count_chars(current.text) - overflow - 1
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
        fits, overflow, fit = _judge(project, replace(clip, narration=current.text), speaker, speak)
    return current, fit, fits


def fit_lines(
    project: Project,
    narrator: Narrator,
    request: NarrationRequest,
    narrations: Sequence[ClipNarration],
    indexes: Sequence[int] | None = None,
    *,
    speaker: Speaker | None = None,
    tries: int = 3,
    speak: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[LineVerdict]:
    """Fit the given clips' lines (all by default), rewriting shorter ones that overrun.

    `speak`: synthesize each line and judge its speech (render, the CLI); else judge by `line_fit`'s
    estimate without synthesizing (the editor shows the lines at once and speaks them afterwards)."""
    speaker = speaker or shared_speaker()
    lines = list(narrations)
    indexes = list(range(len(project.clips))) if indexes is None else list(indexes)
    out = []
    stage = "speaking clip" if speak else "fitting clip"
    for k, i in enumerate(indexes):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(k / max(1, len(indexes)), f"{stage} {i + 1}/{len(project.clips)}")
        before = lines[i].text
        line, fit, ok = _fit_with_rewrites(narrator, request, lines, i, project, speaker, tries, speak)
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
    speak: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[LineVerdict]:
    """Narrate every clip and fit each line (shorter rewrites when needed): 'Narrate all' and `render`.

    `speak=False` (the editor): judged by the estimate, nothing synthesized; the lines show at once."""
    speaker = speaker or shared_speaker()
    if cues is None:
        cues = visual_cues(project, cancel, scaled(progress, 0.0, 0.2))
    request = narration_request(project, speaker=speaker, cues=cues, seed=seed)
    narrations = narrator.narrate(request, progress=scaled(progress, 0.2, 0.5), cancel=cancel)
    return fit_lines(
        project, narrator, request, narrations, speaker=speaker, tries=tries, speak=speak,
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
    speak: bool = True,
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
        project, narrator, request, context, indexes, speaker=speaker, tries=tries, speak=speak,
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
    speak: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[LineVerdict]:
    """Shorter lines for the given clips (whoever wrote them: the caller decides whose line may be replaced;
    the editor asks per line, the CLI's --shorten skips locked ones)."""
    speaker = speaker or shared_speaker()
    request = narration_request(project, speaker=speaker, cues=visual_cues(project, cancel), seed=seed,
                                unlocked=indexes)  # fmt: skip
    return fit_lines(
        project, narrator, request, context_of(project, speaker), indexes, speaker=speaker, tries=tries, speak=speak,
        progress=progress, cancel=cancel,
    )  # fmt: skip


def alternative_lines(
    project: Project,
    narrator: Narrator,
    index: int,
    *,
    seed: int = 0,
    count: int = 5,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[tuple[tuple[str, ...], str]]:
    """The narrator's top distinct lines for clip `index`, best first, the current one left out: [(labels,
    text)]. The clip's labels are used as given (fixed in the request), so the lines fit the storyline shown."""
    clips = list(project.clips)
    clips[index] = replace(clips[index], labels_locked=bool(clips[index].labels), locked=False)
    project = replace(project, clips=tuple(clips))
    request = narration_request(project, seed=seed, cues=visual_cues(project, cancel))
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(0.1, "writing narration")
    lines = narrator.alternatives(request, index, count=count, context=context_of(project))
    progress(1.0, "done")
    current = project.clips[index].narration.strip()
    out: list[tuple[tuple[str, ...], str]] = []
    for line in lines:
        text = line.text.strip()
        if text and text != current and text not in [t for _l, t in out]:
            out.append((tuple(line.labels), text))
    return out


def warm_up(
    narrator: SharedNarrator,
    project: Project | None = None,
    *,
    voice: bool = True,
    cancel: CancelToken | None = None,
) -> bool:
    """Load the narrator, the estimate's text front-end and (`voice`) the voice, and look at the clips (visual
    cues, cached), before they are needed: the editor's helper process does it while the user looks at the
    window, so Narrate all then only writes. The editor loads the voice in its other helper process
    (`warm_voice`), where the speech is made, so `voice=False` there."""
    narrator.narrator  # noqa: B018 (created and kept in this process; an LLM loads its model on first use)
    if cancel is not None:
        cancel.raise_if_cancelled()
    speaker = shared_speaker()
    warm_estimates(speaker)
    if narrator.kind == "embedded":  # its first narration loads what it writes with (seconds); an LLM loads on use
        narrator.narrator.load()  # jieba's tables: the first card read would load them
        sample = Project(product=Product("样品", {"功效": "补水保湿"}), clips=(Clip(0, 3000),))
        write_lines(sample, narrator, cues=[None], speak=False, cancel=cancel)
    if project is not None:
        visual_cues(project, cancel)  # cached per video and span
    if voice:
        warm_voice(cancel=cancel)
    return True


def warm_voice(*, cancel: CancelToken | None = None) -> bool:
    """Load the estimate's text front-end and the voice of this process (the editor's speech process does it
    while the user reads the lines, so the first clip's speech does not pay for loading the voice)."""
    speaker = shared_speaker()
    warm_estimates(speaker)
    if cancel is not None:
        cancel.raise_if_cancelled()
    engine = speaker.resolve(None)[0]
    load = getattr(engine, "load", None)
    if callable(load):
        load()
    return True


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
    made: Made | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[list[FitResult], list[FitProblem]]:
    """Every clip's speech (what `made` holds is reused, the rest synthesized) and the lines that cannot fit,
    judged by `line_fit` on that speech. The editor decides at once with `check_lines` instead."""
    speaker = speaker or shared_speaker()
    fits = export_fits(project, speaker, made=made, progress=progress, cancel=cancel)
    return fits, check_lines(project, speaker, made=made_by_key(project, fits))


FitPolicy = Literal["fail", "shorten", "allow_silent"]
FIT_POLICIES: tuple[FitPolicy, ...] = ("fail", "shorten", "allow_silent")


@dataclass(frozen=True)
class CheckedExport:
    """What `checked_export` did: `problems` non-empty means nothing was written (`result` is None) and
    names the lines that cannot fit; `project` is the one exported (with the accepted shorter lines)."""

    project: Project
    fits: list[FitResult]
    problems: list[FitProblem]
    result: ExportResult | None = None
    kept: tuple[int, ...] = ()  # locked lines the shorten policy left to the user
    verdicts: tuple[LineVerdict, ...] = ()  # the narrator's proposals (shorten policy)

def shorten_proposals(
    project: Project,
    narrator: Narrator,
    indexes: Sequence[int],
    *,
    skip_locked: bool,
    speaker: Speaker | None = None,
    seed: int = 0,
    speak: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[tuple[int, ...], list[LineVerdict]]:
    """The shorten step of the checked export for the clips `indexes` (the lines that cannot fit): (locked
    lines skipped, the narrator's proposals). The CLI skips
    locked lines (`skip_locked`); the editor proposes for all and lets the user choose line by line."""
    kept = tuple(sorted(i for i in indexes if skip_locked and project.clips[i].locked))
    todo = [i for i in indexes if i not in kept]
    if not todo:
        return kept, []
    verdicts = shorten_lines(
        project, narrator, todo, speaker=speaker, seed=seed, speak=speak, progress=progress, cancel=cancel
    )
    return kept, verdicts


def checked_export(
    project: Project,
    out: Path | str,
    options: ExportOptions,
    *,
    policy: FitPolicy = "fail",
    narrator: Narrator | None = None,
    accept: Callable[[list[LineVerdict]], Sequence[LineVerdict]] | None = None,
    speaker: Speaker | None = None,
    made: Made | None = None,
    fits: Sequence[FitResult] | None = None,
    check_progress: ProgressCallback | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> CheckedExport:
    """The one check -> shorten -> export flow of `render`, `export`, `batch` and the editor's export.

    Every clip's speech is made (`made`/`fits` reused) and each line judged by `line_fit`; lines that cannot
    fit are settled by `policy`: "fail" writes nothing and returns them, "allow_silent" exports leaving them
    silent, "shorten" has the narrator (default: embedded) rewrite the unlocked ones shorter (`accept` picks
    which proposals to use: default those that fit), leaves what it could not shorten silent and fails on
    locked lines (the user's to edit). `check_progress`: the check's own progress (else the first 30%)."""
    speaker = speaker or shared_speaker()
    export_progress = progress if check_progress is not None else scaled(progress, 0.3, 1.0)
    check_progress = check_progress or scaled(progress, 0.0, 0.3)
    allow_silent = policy == "allow_silent"
    problems: list[FitProblem] = []
    kept: tuple[int, ...] = ()
    verdicts: list[LineVerdict] = []
    shortened: frozenset[int] = frozenset()
    if fits is None:
        fits = export_fits(project, speaker, made=made, progress=check_progress, cancel=cancel)
    if not allow_silent:
        problems = check_lines(project, speaker, made=made_by_key(project, fits))
    if problems and policy == "shorten":
        from core.narration.registry import create_narrator

        narrator = narrator or create_narrator("embedded")
        kept, verdicts = shorten_proposals(
            project, narrator, [p.index for p in problems], skip_locked=True, speaker=speaker, cancel=cancel
        )
        if verdicts:
            chosen = accept(verdicts) if accept is not None else [v for v in verdicts if v.fits]
            shortened = frozenset(v.index for v in chosen if v.verdict == "shortened")
            again = made_by_key(project, fits)  # the speech already made is reused by the second check
            project = apply_lines(project, chosen, unlock=True)
            fits = export_fits(project, speaker, made=again, cancel=cancel)
            problems = check_lines(project, speaker, made=made_by_key(project, fits))
        # what the narrator could not shorten is left silent; a kept line fails the export
        problems = [p for p in problems if p.index in kept]
        allow_silent = not problems
    if problems:
        return CheckedExport(project, list(fits), problems, None, kept, tuple(verdicts))
    options = replace(options, allow_silent=allow_silent or options.allow_silent,
                      shortened=options.shortened | shortened)  # fmt: skip
    result = export_project(project, out, options, speaker=speaker, fits=list(fits), progress=export_progress,
                            cancel=cancel)  # fmt: skip
    return CheckedExport(project, list(fits), [], result, kept, tuple(verdicts))


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
    fits = [v.fit for v in verdicts if v.fit is not None]
    result = checked_export(
        project,
        out,
        export_options,
        policy="allow_silent",  # the lines were fitted above; what could not fit is named and left silent
        speaker=speaker,
        fits=fits if len(fits) == len(verdicts) else None,
        check_progress=no_progress,
        progress=scaled(progress, 0.65, 1.0),
        cancel=cancel,
    ).result
    assert result is not None  # allow_silent always exports
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
