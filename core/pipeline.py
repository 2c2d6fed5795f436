"""The headless render flow (detect -> narrate -> speak/fit -> export) and the speech/export entry
points the editor uses, so the CLI, the editor and the frozen self-test share one implementation.

A line that does not fit its clip even at the fastest allowed speech is sent back to the narrator with
a smaller `chars_max` (a few tries) before the clip is left silent with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from core import defaults
from core.export import ExportOptions, ExportResult, check_output_path, export_project, find_cjk_font, fit_all
from core.jobs import CancelToken, ProgressCallback, no_progress, scaled
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, Narrator
from core.narration.budget import MIN_SPEECH_CHARS
from core.project import Clip, MediaSummary, Product, Project, SpeechSettings, save_project
from core.speech import FitResult, Speaker, count_chars, shared_speaker

__all__ = [
    "ExportOptions",
    "RenderOptions",
    "RenderResult",
    "estimate_speech_ms",
    "export_project",
    "load_product",
    "render_for_selftest",
    "render_video",
    "speak_clip",
    "synthesize_all",
]


@dataclass(frozen=True)
class RenderOptions:
    voice: str | None = None
    rate_cps: float = defaults.RATE_CPS
    preset: str = "source"
    burn_subtitles: bool = False
    srt: Path | None = None
    narration_wav: Path | None = None
    project_out: Path | None = None  # also save the project document here
    min_clip_ms: int = defaults.DETECT_MIN_CLIP_MS
    sensitivity: float = 0.5
    narrator: str = "embedded"
    rewrite_tries: int = 3
    seed: int = 0


@dataclass(frozen=True)
class RenderResult:
    project: Project
    export: ExportResult
    fits: tuple[FitResult, ...]
    dropped: tuple[int, ...] = ()  # clip indices left silent because no line fitted
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def output(self) -> Path:
        return self.export.output


def load_product(path: Path | str) -> Product:
    """PRODUCT.json -> Product; every problem is one InputError line naming the file (core.parsing)."""
    from core.project import load_product_file

    return load_product_file(path)


# ---------------------------------------------------------------------------------------------
# editor entry points


def estimate_speech_ms(
    text: str, rate_cps: float = defaults.RATE_CPS, voice: str | None = None, speaker: Speaker | None = None
) -> int:
    """Spoken duration of `text` from the voice's calibration, without synthesizing (budget meter)."""
    return (speaker or shared_speaker()).estimate_ms(text, rate_cps, voice)


def speak_clip(project: Project, index: int, speaker: Speaker | None = None) -> FitResult:
    """Synthesize and fit one clip's line (cached): 'play its speech' and the exact budget check."""
    return (speaker or shared_speaker()).fit_clip(project, project.clips[index])


# Every clip's line synthesized and fitted (cached), in clip order: the export's own first step.
synthesize_all = fit_all


# ---------------------------------------------------------------------------------------------
# render


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
    for attempt in range(tries):
        if fit.fits or not current.text.strip():
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
    info = detection.info
    project = Project(
        video=str(video),
        media=MediaSummary(info.duration_ms, info.fps, info.width, info.height, info.has_audio),
        product=product,
        clips=tuple(Clip(a, b) for a, b in detection.clips),
        speech=SpeechSettings(voice=options.voice, rate_cps=options.rate_cps),
    )
    if cancel is not None:
        cancel.raise_if_cancelled()

    progress(0.35, "writing narration")
    narrator = narrator or create_narrator(options.narrator)
    rate = speaker.calibrated_cps(options.rate_cps, options.voice)
    request = NarrationRequest(
        product=product,
        clips=tuple(ClipRequest(index=i, duration_ms=c.duration_ms) for i, c in enumerate(project.clips)),
        rate_cps=rate,
        seed=options.seed,
    )
    narrations = list(narrator.narrate(request, progress=scaled(progress, 0.35, 0.45), cancel=cancel))

    warnings: list[str] = [f"clip {n.index + 1}: {w}" for n in narrations for w in n.warnings]
    fits: list[FitResult] = []
    dropped: list[int] = []
    clips = list(project.clips)
    for i in range(len(clips)):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(0.45 + 0.2 * i / max(1, len(clips)), f"speaking clip {i + 1}/{len(clips)}")
        line, fit, ok = _fit_with_rewrites(
            narrator, request, narrations, i, project, speaker, options.rewrite_tries
        )
        narrations[i] = line
        text = line.text if ok else ""
        if not ok:
            dropped.append(i)
            warnings.append(
                f"clip {i + 1}: no line fits {clips[i].duration_ms / 1000:.1f} s "
                f"(still {fit.overflow_chars} characters too long); left silent"
            )
            fit = speaker.fit_clip(project, replace(clips[i], narration=""))
        clips[i] = replace(clips[i], labels=tuple(line.labels), narration=text)
        fits.append(fit)
    project = replace(project, clips=tuple(clips))

    if options.project_out is not None:
        save_project(project, Path(options.project_out))
    export_options = ExportOptions(
        preset=options.preset,
        burn_subtitles=options.burn_subtitles,
        srt=options.srt,
        narration_wav=options.narration_wav,
    )
    result = export_project(
        project,
        out,
        export_options,
        speaker=speaker,
        fits=fits,
        progress=scaled(progress, 0.65, 1.0),
        cancel=cancel,
    )
    return RenderResult(
        project=project,
        export=result,
        fits=tuple(fits),
        dropped=tuple(dropped),
        warnings=tuple(warnings) + result.warnings,
    )


def render_for_selftest(
    video: Path | str, out: Path | str, *, narration_wav: Path | None = None, product: Product | None = None
) -> tuple[Project, ExportResult]:
    """The render flow on the bundled demo (its product sits beside it as NAME.product.json)."""
    video = Path(video)
    if product is None:
        product_file = video.with_name(video.stem + ".product.json")
        product = load_product(product_file) if product_file.is_file() else Product()
    result = render_video(video, product, out, options=RenderOptions(narration_wav=narration_wav))
    return result.project, result.export


def warnings_text(warnings: Sequence[str]) -> list[str]:
    return [f"warning: {w}" for w in warnings]
