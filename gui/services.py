"""The editor's single doorway into the core's long jobs and lookups.

Core modules are imported lazily here (so opening the window never pays for them) and adapted to
what the widgets need. Each job function has the shape `fn(progress, cancel) -> result` that
gui.jobs runs off the GUI thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import SyncNarratorError
from core.jobs import CancelToken, CoreJob, ProgressCallback, expected_fraction
from core.narration.knowledge import KEYS as KNOWN_ATTRIBUTE_KEYS
from core.project import Clip, MediaSummary, Product, Project

if TYPE_CHECKING:
    from core.export import ExportResult
    from core.export.report import FitProblem
    from core.pipeline import LineVerdict

# The 15 product attribute keys seen in E-SyncVidStory (the product panel shows them first).
ATTRIBUTE_KEYS = KNOWN_ATTRIBUTE_KEYS


class Unavailable(SyncNarratorError):
    """A feature whose core module is not part of this build."""


@dataclass(frozen=True)
class LabelInfo:
    name: str
    definition: str


@cache
def labels() -> tuple[LabelInfo, ...]:
    """The 12 storyline labels with definitions, from core.labels.LABELS whatever its exact shape."""
    try:
        from core.labels import LABELS
    except ImportError:
        return ()
    items: list[Any] = list(LABELS.items()) if isinstance(LABELS, dict) else list(LABELS)
    out: list[LabelInfo] = []
    for item in items:
        if isinstance(item, str):
            out.append(LabelInfo(item, ""))
        elif isinstance(item, (tuple, list)):
            out.append(LabelInfo(str(item[0]), str(item[1]) if len(item) > 1 else ""))
        elif isinstance(item, dict):
            out.append(LabelInfo(str(item.get("label") or item.get("name")), str(item.get("definition", ""))))
        else:
            name = getattr(item, "name", None) or getattr(item, "label", None) or str(item)
            out.append(LabelInfo(str(name), str(getattr(item, "definition", ""))))
    return tuple(out)


def spoken_chars(text: str) -> int:
    """Characters as budgets count them (E-SyncVidStory: the stripped line, punctuation included)."""
    try:
        from core.speech import count_chars
    except ImportError:
        return len(text.strip())
    return int(count_chars(text))


def budget(clip: Clip, project: Project) -> tuple[int, int]:
    """(min, max) characters for the clip's narration at the calibrated rate of its voice (core)."""
    from core.pipeline import clip_budget

    return clip_budget(project, clip, wait=False)


def estimate_speech_ms(text: str, rate_cps: float, voice: str | None = None) -> int:
    """How long the line takes to say at `rate_cps` with `voice`: core's one estimate (calibrated)."""
    from core.pipeline import estimate_speech_ms as estimate

    return estimate(text, rate_cps, voice, wait=False)


def max_speedup() -> float:
    """How much faster than the set rate synthesis may speak a line to fit it (rate boost x tempo)."""
    from core.narration.budget import MAX_SPEEDUP

    return float(MAX_SPEEDUP)


if TYPE_CHECKING:
    from core.pipeline import LineFit as Fit
else:
    Fit = Any  # core.pipeline.LineFit, imported when first used


def clip_fit(clip: Clip, project: Project, text: str | None = None, made: Any = None) -> Any:
    """The budget meter's, the narration lane's and the export check's verdict: core.pipeline.line_fit,
    from the speech already made (`made`: Document.made_speech()) or else the estimate (calibrated rate
    and text front-end once loaded; both load in the background, never on the GUI thread)."""
    from core.pipeline import line_fit

    return line_fit(project, clip, text, wait=False, made=made)


def check_lines(project: Project, made: Any = None) -> list[FitProblem]:
    """The export check, at once: the clips whose line cannot fit, by the same verdict as the meter."""
    from core.pipeline import check_lines as check

    return check(project, made=made, wait=False)


# ---------------------------------------------------------------------------------------------
# Jobs: top-level functions bound with functools.partial, so they can run in the helper process
# (gui.process_host). Each factory returns `fn(progress, cancel) -> result`.


def _probe(progress: ProgressCallback, cancel: CancelToken, path: str) -> MediaSummary:
    try:
        from core.media import probe
    except ImportError:
        raise Unavailable("reading videos is not available in this build (core.media)") from None
    from core.pipeline import media_summary

    progress(0.0, "reading video")
    return media_summary(probe(Path(path)))


def probe_job(path: str) -> CoreJob[MediaSummary]:
    return partial(_probe, path=path)


def _detect(progress: ProgressCallback, cancel: CancelToken, path: str) -> list[tuple[int, int]]:
    try:
        from core.detection import detect_clips
    except ImportError:
        raise Unavailable("clip detection is not available in this build (core.detection)") from None
    detection = detect_clips(Path(path), progress=progress, cancel=cancel)
    return [(int(a), int(b)) for a, b in detection.clips]


def detect_job(path: str) -> CoreJob[list[tuple[int, int]]]:
    return partial(_detect, path=path)


_narrators: dict[tuple[str, str], Any] = {}


def _narrator(backend: str, model_dir: str) -> Any:
    """One narrator per backend and model, kept (loading a model is the slow part)."""
    key = (backend, model_dir)
    if key not in _narrators:
        try:
            from core.narration.registry import create_narrator
        except ImportError:
            raise Unavailable(
                "the narrator is not available in this build (core.narration.registry)"
            ) from None
        _narrators[key] = create_narrator(backend, model_dir=Path(model_dir) if model_dir else None)
    return _narrators[key]


Lines = list[tuple[int, tuple[str, ...], str]]


def _narrate(
    progress: ProgressCallback, cancel: CancelToken, project: Project, backend: str, model_dir: str, seed: int
) -> Any:
    """Every clip narrated and fitted by the estimate (shorter rewrites when needed), nothing synthesized:
    the lines show at once and the speech queue (gui/speech_queue.py) speaks them afterwards."""
    from core.pipeline import write_lines

    narrator = _narrator(backend, model_dir)
    return write_lines(project, narrator, seed=seed, speak=False, progress=progress, cancel=cancel)


def narrate_job(project: Project, backend: str, model_dir: str, seed: int = 0) -> CoreJob[list[LineVerdict]]:
    """All clips: the job returns [LineVerdict] for core.pipeline.apply_lines."""
    return partial(_narrate, project=project, backend=backend, model_dir=model_dir, seed=seed)


def _rewrite(
    progress: ProgressCallback,
    cancel: CancelToken,
    project: Project,
    indexes: list[int],
    backend: str,
    model_dir: str,
    seed: int,
) -> Any:
    from core.pipeline import rewrite_lines

    narrator = _narrator(backend, model_dir)
    return rewrite_lines(project, narrator, indexes, seed=seed, speak=False, progress=progress, cancel=cancel)


def rewrite_job(
    project: Project, indexes: list[int], backend: str, model_dir: str, seed: int
) -> CoreJob[list[LineVerdict]]:
    """New lines for the given clips only, with the other clips as context: [LineVerdict]."""
    return partial(
        _rewrite, project=project, indexes=list(indexes), backend=backend, model_dir=model_dir, seed=seed
    )


def _shorten(
    progress: ProgressCallback, cancel: CancelToken, project: Project, indexes: list[int], backend: str,
    model_dir: str, seed: int,
) -> Any:  # fmt: skip
    from core.pipeline import shorten_lines

    narrator = _narrator(backend, model_dir)
    return shorten_lines(project, narrator, indexes, seed=seed, speak=False, progress=progress, cancel=cancel)


def shorten_job(
    project: Project, indexes: list[int], backend: str, model_dir: str, seed: int = 0
) -> CoreJob[list[LineVerdict]]:
    """Shorter lines proposed for the clips whose line does not fit (judged by the estimate, nothing
    synthesized): [LineVerdict]; the user chooses which to use."""
    return partial(
        _shorten, project=project, indexes=list(indexes), backend=backend, model_dir=model_dir, seed=seed
    )


def _alternatives(
    progress: ProgressCallback,
    cancel: CancelToken,
    project: Project,
    index: int,
    backend: str,
    model_dir: str,
    seed: int,
    count: int,
) -> list[tuple[tuple[str, ...], str]]:
    from core.pipeline import context_of, narration_request, visual_cues

    narrator = _narrator(backend, model_dir)
    request = narration_request(project, seed=seed, cues=visual_cues(project, cancel))
    cancel.raise_if_cancelled()
    context = context_of(project)
    progress(0.1, "writing narration")
    lines = narrator.alternatives(request, index, count=count, context=context)
    progress(1.0, "done")
    current = project.clips[index].narration.strip()
    out: list[tuple[tuple[str, ...], str]] = []
    for line in lines:
        text = line.text.strip()
        if text and text != current and text not in [t for _l, t in out]:
            out.append((tuple(line.labels), text))
    return out


def alternatives_job(
    project: Project, index: int, backend: str, model_dir: str, seed: int, count: int = 5
) -> CoreJob[list[tuple[tuple[str, ...], str]]]:
    """The narrator's top distinct lines for clip `index` ([(labels, text)], best first, the current one left out).

    The clip's labels are used as given (the request treats them as fixed), so the lines fit the storyline shown.
    """
    clips = list(project.clips)
    clips[index] = replace(clips[index], labels_locked=bool(clips[index].labels), locked=False)
    project = replace(project, clips=tuple(clips))
    return partial(
        _alternatives,
        project=project,
        index=index,
        backend=backend,
        model_dir=model_dir,
        seed=seed,
        count=count,
    )


THIN_FACTS = 3  # the fallback's threshold (the writer's knowledge_warnings decides when it is there)


def knowledge_warnings(product: Product) -> list[str]:
    """English one-line warnings when the product knowledge is empty or thin.

    core.narration.knowledge.knowledge_warnings (agreed interface) when this build has it; else the same
    rule in short: no name, or fewer than THIN_FACTS facts (values separated by 、,，;；).
    """
    try:
        from core.narration.knowledge import knowledge_warnings as warnings
    except ImportError:
        pass
    else:
        return list(warnings(product))
    import re

    out = [] if product.name.strip() else ["the product has no name"]
    facts = [p for v in product.attributes.values() for p in re.split(r"[、,，;；\n]+", str(v)) if p.strip()]
    if len(facts) < THIN_FACTS:
        out.append(f"the product knowledge has only {len(facts)} fact{'' if len(facts) == 1 else 's'}")
    return out


def _speaker() -> Any:
    try:
        from core.speech import shared_speaker
    except ImportError:
        raise Unavailable("speech is not available in this build (core.speech)") from None
    return shared_speaker()


def _voice_names(progress: ProgressCallback, cancel: CancelToken) -> list[tuple[str, str]]:
    """[(voice id, readable name)], no duplicates: core.speech.voices.list_voices() when this build has it."""
    try:
        from core.speech.voices import list_voices
    except ImportError:
        pairs = [(v.id, v.id) for v in _speaker().engine.voices("zh")]
    else:
        pairs = [(str(v.id), str(v.name or v.id)) for v in list_voices()]
    out: list[tuple[str, str]] = []
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for voice_id, name in pairs:
        if not voice_id or voice_id in seen_ids or name in seen_names:
            continue
        seen_ids.add(voice_id)
        seen_names.add(name)
        out.append((voice_id, name))
    return out


def voices_job() -> CoreJob[list[tuple[str, str]]]:
    return partial(_voice_names)


_preview_folder: Path | None = None


def preview_dir() -> Path:
    """This editor process's own temp folder for preview WAVs (private, removed when the editor exits).

    Created by the GUI process and passed to the helper process, so both use the same folder.
    """
    global _preview_folder
    if _preview_folder is None or not _preview_folder.is_dir():
        import atexit
        import tempfile

        _preview_folder = Path(tempfile.mkdtemp(prefix=f"syncnarrator-preview-{os.getpid()}-"))
        atexit.register(remove_preview_dir)
    return _preview_folder


def remove_preview_dir() -> None:
    """Delete the preview folder and its WAVs (window shutdown, and at exit)."""
    global _preview_folder
    if _preview_folder is not None:
        import shutil

        shutil.rmtree(_preview_folder, ignore_errors=True)
        _preview_folder = None


def preview_name(project: Project) -> str:
    """A stable name for the narration track of this project state (same state, same file)."""
    import hashlib

    key = repr((project.video, project.clips, project.speech)).encode("utf-8")
    return f"narration-{hashlib.sha256(key).hexdigest()[:16]}.wav"


def _synthesize(
    progress: ProgressCallback, cancel: CancelToken, project: Project, folder: str, made: Any = None
) -> tuple[Path, list[Any]]:
    from core.export import build_track
    from core.jobs import scaled
    from core.pipeline import export_fits

    fits = export_fits(project, _speaker(), made=made, progress=scaled(progress, 0.0, 0.9), cancel=cancel)
    cancel.raise_if_cancelled()
    progress(0.9, "mixing narration")
    n = len(project.clips)
    duration = project.media.duration_ms if project.media else (project.clips[-1].end_ms if n else 0)
    out = Path(folder) / preview_name(project)
    build_track(project, fits, duration, out)
    progress(1.0, "done")
    return out, fits


def synthesize_job(project: Project, made: Any = None) -> CoreJob[tuple[Path, list[Any]]]:
    """Every line's speech (what is made already is reused) as the narration track the preview plays, and
    the clips' FitResults (in clip order: the editor records them as made)."""
    return partial(_synthesize, project=project, folder=str(preview_dir()), made=dict(made or {}))


_SPEECH_COST = [1.0]  # wall seconds per second of speech, learned from each line spoken (helper process)
_VOICE_LOAD_S = 3.0  # a voice's first line also loads it (Kokoro: ~2 s on a quiet machine)
_voices_loaded: set[str] = set()


def _speak_clip(progress: ProgressCallback, cancel: CancelToken, project: Project, index: int) -> Any:
    """One clip's line synthesized and fitted (cached): a FitResult. The voice stays loaded in the helper
    process (one Speaker per process), so only the first clip pays for loading it. The synthesis is one
    call without progress of its own, so the bar follows the expected time (the estimated speech length
    times the cost measured on the lines spoken so far, plus loading the voice the first time), held
    below 100% until the speech is ready."""
    import threading
    import time

    from core.errors import Cancelled

    cancel.raise_if_cancelled()  # skipped when its line changed while it waited
    speaker = _speaker()
    clip = project.clips[index]
    s = project.effective_speech(clip)
    voice = speaker.voice_id(s.voice)
    first = voice not in _voices_loaded
    speech_s = max(0.5, speaker.estimate_ms(clip.narration, s.rate_cps, voice) / 1000)
    expected = speech_s * _SPEECH_COST[0] + (_VOICE_LOAD_S if first else 0.0)
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(speaker.fit_clip(project, clip))
        except BaseException as exc:  # handed to the job's thread below
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True, name="speak-clip")
    worker.start()
    progress(0.0, "speaking")
    while worker.is_alive():
        worker.join(0.1)
        if cancel.cancelled:
            raise Cancelled("cancelled")  # the synthesis finishes into the cache; nothing is played
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


def speak_clip_job(project: Project, index: int) -> CoreJob[Any]:
    """The speech queue's job for clip `index` of this snapshot: returns its core.speech.FitResult."""
    return partial(_speak_clip, project=project, index=index)


def _warm(
    progress: ProgressCallback,
    cancel: CancelToken,
    backend: str,
    model_dir: str,
    project: Project | None = None,
) -> bool:
    """Load the narrator, the text front-end and the voice in the helper process, and look at the clips
    (visual cues), before they are needed: Narrate all then only writes."""
    from core.pipeline import visual_cues, warm_estimates, write_lines

    narrator = _narrator(backend, model_dir)
    cancel.raise_if_cancelled()
    warm_estimates(_speaker())
    if backend == "embedded":  # its first narration loads what it writes with (seconds); an LLM loads on use
        sample = Project(product=Product("样品", {"功效": "补水保湿"}), clips=(Clip(0, 3000),))
        write_lines(sample, narrator, cues=[None], speak=False, cancel=cancel)
    if project is not None:
        visual_cues(project, cancel)  # cached per video and span
    cancel.raise_if_cancelled()
    engine = _speaker().resolve(None)[0]
    load = getattr(engine, "load", None)
    if callable(load):
        load()
    return True


def warm_job(backend: str, model_dir: str, project: Project | None = None) -> CoreJob[bool]:
    return partial(_warm, backend=backend, model_dir=model_dir, project=project)


def _warm_estimates(progress: ProgressCallback, cancel: CancelToken) -> bool:
    from core.pipeline import warm_estimates

    warm_estimates()
    return True


def warm_estimates_job() -> CoreJob[bool]:
    """Load the text front-end of the estimate in THIS process (a pool thread of the editor)."""
    return partial(_warm_estimates)


def _export(
    progress: ProgressCallback,
    cancel: CancelToken,
    project: Project,
    output: str,
    allow_silent: bool = False,
    shortened: tuple[int, ...] = (),
    made: Any = None,
) -> Any:
    try:
        from core.export import ExportOptions, export_project
        from core.pipeline import export_fits
    except ImportError:
        raise Unavailable("export is not available in this build (core.export)") from None
    from core.jobs import scaled

    out = Path(output)
    srt = out.with_suffix(".srt") if project.export.write_srt else None
    options = ExportOptions.from_project(
        project, srt=srt, allow_silent=allow_silent, shortened=frozenset(shortened)
    )
    # only the speech not made yet is synthesized
    fits = export_fits(project, _speaker(), made=made, progress=scaled(progress, 0.0, 0.3), cancel=cancel)
    if not allow_silent:  # the estimate let these lines through; their speech says they cannot fit
        from core.pipeline import check_lines, made_by_key

        problems = check_lines(project, _speaker(), made=made_by_key(project, fits))
        if problems:
            return ExportHeld(problems, fits)
    return export_project(
        project,
        out,
        options,
        speaker=_speaker(),
        fits=fits,
        progress=scaled(progress, 0.3, 1.0),
        cancel=cancel,
    )


@dataclass(frozen=True)
class ExportHeld:
    """An export that stopped before writing anything: the speech it made shows lines that cannot fit
    (`problems`, FitProblems), although the estimate let them through; `fits` is that speech, in clip order."""

    problems: list[Any]
    fits: list[Any]


def export_job(
    project: Project,
    output: Path,
    allow_silent: bool = False,
    shortened: tuple[int, ...] = (),
    made: Any = None,
) -> CoreJob[ExportResult]:
    """The core exporter on a snapshot of the project (edits made meanwhile do not change it); `made`:
    the speech already made (Document.made_speech()), reused instead of synthesized again."""
    return partial(
        _export, project=project, output=str(output), allow_silent=allow_silent, shortened=tuple(shortened),
        made=dict(made or {}),
    )  # fmt: skip


def read_report(path: Path | None) -> dict[str, Any]:
    """The export's OUT.report.json ({} when missing or unreadable)."""
    import json

    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def report_summary(path: Path | None) -> str:
    from core.export.report import summary_text

    return summary_text(read_report(path))


def load_product_beside(video: Path) -> Any:
    """`VIDEO.product.json` beside a video (None when there is none); errors as the CLI raises them."""
    from core.pipeline import load_product_beside as load

    return load(video)


def load_product(path: Path) -> Any:
    from core.pipeline import load_product as load

    return load(path)


def apply_lines(project: Project, lines: Any, *, unlock: bool = False) -> Project:
    """Narrator results into the project (core.pipeline.apply_lines)."""
    from core.pipeline import apply_lines as apply

    return apply(project, lines, unlock=unlock)


def merge_range(project: Project, first: int, last: int) -> Project:
    from core.pipeline import merge_range as merge

    return merge(project, first, last)
