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
from core.jobs import CancelToken, CoreJob, ProgressCallback
from core.narration.knowledge import KEYS as KNOWN_ATTRIBUTE_KEYS
from core.project import Clip, MediaSummary, Product, Project

if TYPE_CHECKING:
    from core.export import ExportResult

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
    """(min, max) characters for the clip's narration at the project's speaking rate."""
    from core.narration.budget import char_budget

    rate = clip.rate_cps or project.speech.rate_cps
    return char_budget(clip.duration_ms, rate, lead_ms=project.speech.lead_ms, tail_ms=project.speech.tail_ms)


def estimate_speech_ms(text: str, rate_cps: float) -> int:
    """How long the line takes to say at `rate_cps` (synthesis time-stretches each line to that rate)."""
    n = spoken_chars(text)
    return 0 if n == 0 else round(n * 1000 / max(rate_cps, 0.1))


def max_speedup() -> float:
    """How much faster than the set rate synthesis may speak a line to fit it (rate boost x tempo)."""
    from core.narration.budget import MAX_SPEEDUP

    return float(MAX_SPEEDUP)


@dataclass(frozen=True)
class Fit:
    """How a clip's line relates to its clip; drives the budget meter and the narration lane colour."""

    chars: int
    chars_min: int
    chars_max: int
    speech_ms: int  # at the set speaking rate
    room_ms: int  # clip minus lead and tail
    state: str  # "empty", "fits", "tight" (will be spoken faster), "over" (will not fit)


def clip_fit(clip: Clip, project: Project, text: str | None = None) -> Fit:
    text = clip.narration if text is None else text
    lo, hi = budget(clip, project)
    n = spoken_chars(text)
    speech = estimate_speech_ms(text, clip.rate_cps or project.speech.rate_cps)
    room = max(0, clip.duration_ms - project.speech.lead_ms - project.speech.tail_ms)
    if n == 0:
        state = "empty"
    elif n > hi or speech > room * max_speedup():
        state = "over"
    elif speech > room:
        state = "tight"
    else:
        state = "fits"
    return Fit(n, lo, hi, speech, room, state)


# ---------------------------------------------------------------------------------------------
# Jobs: top-level functions bound with functools.partial, so they can run in the helper process
# (gui.process_host). Each factory returns `fn(progress, cancel) -> result`.


def _probe(progress: ProgressCallback, cancel: CancelToken, path: str) -> MediaSummary:
    try:
        from core.media import probe
    except ImportError:
        raise Unavailable("reading videos is not available in this build (core.media)") from None
    progress(0.0, "reading video")
    info = probe(Path(path))
    return MediaSummary(
        duration_ms=int(info.duration_ms),
        fps=info.fps,
        width=int(getattr(info, "display_width", 0) or info.width),
        height=int(getattr(info, "display_height", 0) or info.height),
        has_audio=bool(info.has_audio),
    )


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


_cues: dict[tuple[str, int, int], Any] = {}


def _clip_cues(project: Project, progress: ProgressCallback, cancel: CancelToken) -> list[Any]:
    """Visual cues per clip for the storyline planner (cached per video and span; None if unavailable)."""
    video = project.video
    if not video or project.video_missing:
        return [None] * len(project.clips)
    try:
        from core.visual_cues import compute_cues
    except ImportError:
        return [None] * len(project.clips)
    spans = [(c.start_ms, c.end_ms) for c in project.clips]
    missing = [span for span in spans if (video, *span) not in _cues]
    for k in range(0, len(missing), 10):
        cancel.raise_if_cancelled()
        progress(k / max(len(missing), 1), "looking at the clips")
        chunk = missing[k : k + 10]
        try:
            for span, cues in zip(chunk, compute_cues(video, chunk, cancel=cancel)):
                _cues[(video, *span)] = cues
        except SyncNarratorError:
            return [None] * len(project.clips)  # the narrator works without them
    return [_cues.get((video, *span)) for span in spans]


def _narration_request(project: Project, seed: int = 0, cues: list[Any] | None = None) -> Any:
    from core.narration.base import ClipRequest, NarrationRequest

    cues = cues or [None] * len(project.clips)
    clips = tuple(
        ClipRequest(
            index=i,
            duration_ms=c.duration_ms,
            labels=c.labels if c.labels_locked else (),
            locked_text=c.narration if c.locked and c.narration else None,
            cues=cues[i],
        )
        for i, c in enumerate(project.clips)
    )
    return NarrationRequest(product=project.product, clips=clips, rate_cps=project.speech.rate_cps, seed=seed)


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
) -> Lines:
    from core.jobs import scaled

    cues = _clip_cues(project, scaled(progress, 0.0, 0.3), cancel)
    narrator = _narrator(backend, model_dir)
    request = _narration_request(project, seed, cues)
    lines = narrator.narrate(request, progress=scaled(progress, 0.3, 1.0), cancel=cancel)
    return [(n.index, tuple(n.labels), n.text) for n in lines]


def narrate_job(project: Project, backend: str, model_dir: str, seed: int = 0) -> CoreJob[Lines]:
    """All clips: the job returns [(index, labels, text)] to apply."""
    return partial(_narrate, project=project, backend=backend, model_dir=model_dir, seed=seed)


def _rewrite(
    progress: ProgressCallback,
    cancel: CancelToken,
    project: Project,
    indexes: list[int],
    backend: str,
    model_dir: str,
    seed: int,
) -> Lines:
    from core.narration.base import ClipNarration

    narrator = _narrator(backend, model_dir)
    request = _narration_request(project, seed, _clip_cues(project, lambda f, s: None, cancel))
    context = []
    for i, c in enumerate(project.clips):
        lo, hi = budget(c, project)
        context.append(ClipNarration(index=i, labels=c.labels, text=c.narration, chars_min=lo, chars_max=hi))
    out = []
    for k, index in enumerate(indexes):
        cancel.raise_if_cancelled()
        progress(k / max(len(indexes), 1), f"rewriting clip {index + 1}")
        line = narrator.rewrite(request, index, seed=seed + k, context=context)
        context[index] = line
        out.append((index, tuple(line.labels), line.text))
    progress(1.0, "done")
    return out


def rewrite_job(
    project: Project, indexes: list[int], backend: str, model_dir: str, seed: int
) -> CoreJob[Lines]:
    """New lines for the given clips only, with the other clips as context."""
    return partial(
        _rewrite, project=project, indexes=list(indexes), backend=backend, model_dir=model_dir, seed=seed
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
    from core.narration.base import ClipNarration

    narrator = _narrator(backend, model_dir)
    request = _narration_request(project, seed, _clip_cues(project, lambda f, s: None, cancel))
    cancel.raise_if_cancelled()
    context = []
    for i, c in enumerate(project.clips):
        lo, hi = budget(c, project)
        context.append(ClipNarration(index=i, labels=c.labels, text=c.narration, chars_min=lo, chars_max=hi))
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


def _synthesize(progress: ProgressCallback, cancel: CancelToken, project: Project, folder: str) -> Path:
    from core.export import build_track, fit_all
    from core.jobs import scaled

    fits = fit_all(project, _speaker(), progress=scaled(progress, 0.0, 0.9), cancel=cancel)
    cancel.raise_if_cancelled()
    progress(0.9, "mixing narration")
    n = len(project.clips)
    duration = project.media.duration_ms if project.media else (project.clips[-1].end_ms if n else 0)
    out = Path(folder) / preview_name(project)
    build_track(project, fits, duration, out)
    progress(1.0, "done")
    return out


def synthesize_job(project: Project) -> CoreJob[Path]:
    """Speak every line fitted to its clip and build the narration track the preview plays."""
    return partial(_synthesize, project=project, folder=str(preview_dir()))


def _speak_line(progress: ProgressCallback, cancel: CancelToken, project: Project, index: int) -> Path | None:
    return _speaker().fit_clip(project, project.clips[index]).wav


def speak_line_job(project: Project, index: int) -> CoreJob[Path | None]:
    return partial(_speak_line, project=project, index=index)


def _export(progress: ProgressCallback, cancel: CancelToken, project: Project, output: str) -> Any:
    try:
        from core.export import ExportOptions, export_project
    except ImportError:
        raise Unavailable("export is not available in this build (core.export)") from None
    out = Path(output)
    srt = out.with_suffix(".srt") if project.export.write_srt else None
    options = ExportOptions.from_project(project, srt=srt)
    return export_project(project, out, options, speaker=_speaker(), progress=progress, cancel=cancel)


def export_job(project: Project, output: Path) -> CoreJob[ExportResult]:
    """The core exporter on a snapshot of the project (edits made meanwhile do not change it)."""
    return partial(_export, project=project, output=str(output))
