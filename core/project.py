"""The project document: source video, product knowledge, clips with storyline and narration, settings.

State is immutable (frozen dataclasses); every edit replaces it, so undo/redo is exact snapshot
restore and observers (the editor's widgets) can diff cheaply. Saves are atomic and keep a backup.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from core import defaults, leftovers
from core.errors import InputError, ProjectError, WriteError, display_path
from core.parsing import (
    decode_text,
    get_bool,
    get_int,
    get_number,
    get_text,
    parse_json,
    read_bytes,
    read_text,
    shown,
)
from core.timebase import format_rate, parse_rate
from core.user_files import atomic_file, write_atomic

SCHEMA_VERSION = 1
PROJECT_FORMAT = "syncnarrator-project"
PROJECT_SUFFIX = ".narr.json"
MIN_CLIP_MS = defaults.MIN_CLIP_MS  # re-exported: gui.timeline and tests use it from here
MAX_GAP_MS = 10_000  # speech lead/tail: anything longer leaves no clip room to speak


@dataclass(frozen=True)
class Product:
    """Product knowledge, same shape as `product` in E-SyncVidStory: values separated by '、'."""

    name: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    spoken_name: str = ""
    """What lines call the product ("美的空气炸锅"); "" = derived from the title (core.narration.naming)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "attributes": dict(self.attributes)}
        if self.spoken_name:
            out["spoken_name"] = self.spoken_name
        return out

    @staticmethod
    def from_json(data: Any, where: str = "product") -> Product:
        if not isinstance(data, dict):
            raise ProjectError(f"{where}: expected an object with 'name' and 'attributes'")
        name = data.get("name", "")
        attrs = data.get("attributes", {}) or {}
        if not isinstance(name, str):
            raise ProjectError(f"{where}: 'name' must be text")
        if not isinstance(attrs, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in attrs.items()
        ):
            raise ProjectError(f"{where}: 'attributes' must map text keys to text values")
        spoken = get_text(data, "spoken_name", "", where, ProjectError) or ""
        return Product(name=name, attributes=dict(attrs), spoken_name=spoken.strip())


@dataclass(frozen=True)
class MediaSummary:
    """What the document needs to know about its video without probing it again."""

    duration_ms: int
    fps: Fraction
    width: int
    height: int
    has_audio: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "duration_ms": self.duration_ms,
            "fps": format_rate(self.fps),
            "width": self.width,
            "height": self.height,
            "has_audio": self.has_audio,
        }

    @staticmethod
    def from_json(data: Any) -> MediaSummary:
        if not isinstance(data, dict):
            raise ProjectError("media: expected an object")
        try:
            fps = data["fps"]
            if isinstance(fps, bool) or not isinstance(fps, (str, int, float)):
                raise ValueError(f"'fps' must be a rate such as 25 or \"30000/1001\", not {fps!r}"[:120])
            summary = MediaSummary(
                duration_ms=_int(data["duration_ms"]),
                fps=parse_rate(str(fps)),
                width=_int(data["width"]),
                height=_int(data["height"]),
                has_audio=get_bool(data, "has_audio", False, "media", ProjectError),
            )
        except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
            raise ProjectError(f"media: malformed ({exc})") from None
        if summary.duration_ms <= 0 or summary.fps <= 0:
            raise ProjectError("media: duration and fps must be positive")
        if not (0 < summary.width <= 1 << 16 and 0 < summary.height <= 1 << 16):
            raise ProjectError("media: width and height must be between 1 and 65536")
        return summary


@dataclass(frozen=True)
class Clip:
    """One shot of the video with its storyline labels and narration line."""

    start_ms: int
    end_ms: int
    labels: tuple[str, ...] = ()
    labels_locked: bool = False  # the user chose these labels; the planner keeps them
    narration: str = ""
    locked: bool = False  # the user wrote/kept this line; the narrator keeps it
    voice: str | None = None  # per-clip override of SpeechSettings.voice
    rate_cps: float | None = None  # per-clip override of SpeechSettings.rate_cps

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "labels": list(self.labels),
            "labels_locked": self.labels_locked,
            "narration": self.narration,
            "locked": self.locked,
            "voice": self.voice,
            "rate_cps": self.rate_cps,
        }

    @staticmethod
    def from_json(data: Any, where: str) -> Clip:
        if not isinstance(data, dict):
            raise ProjectError(f"{where}: expected an object")
        try:
            labels = data.get("labels", [])
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise ProjectError(f"{where}: 'labels' must be a list of text")
            narration = data.get("narration", "")
            if not isinstance(narration, str):
                raise ProjectError(f"{where}: 'narration' must be text")
            voice = data.get("voice")
            if voice is not None and not isinstance(voice, str):
                raise ProjectError(f"{where}: 'voice' must be text")
            rate = data.get("rate_cps")
            if rate is not None:
                rate = get_number(
                    data,
                    "rate_cps",
                    defaults.RATE_CPS,
                    where,
                    ProjectError,
                    lo=defaults.RATE_MIN_CPS,
                    hi=defaults.RATE_MAX_CPS,
                )
            return Clip(
                start_ms=_int(data["start_ms"]),
                end_ms=_int(data["end_ms"]),
                labels=tuple(labels),
                labels_locked=get_bool(data, "labels_locked", False, where, ProjectError),
                narration=narration,
                locked=get_bool(data, "locked", False, where, ProjectError),
                voice=voice,
                rate_cps=rate,
            )
        except KeyError as exc:
            raise ProjectError(f"{where}: missing {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ProjectError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class SpeechSettings:
    voice: str | None = None  # engine voice id; None = the engine's default Chinese voice
    rate_cps: float = defaults.RATE_CPS  # spoken characters per second the budgets assume
    lead_ms: int = defaults.LEAD_MS  # speech starts this long after its clip starts
    tail_ms: int = defaults.TAIL_MS  # and ends at least this long before the clip ends

    def to_json(self) -> dict[str, Any]:
        return {
            "voice": self.voice,
            "rate_cps": self.rate_cps,
            "lead_ms": self.lead_ms,
            "tail_ms": self.tail_ms,
        }

    @staticmethod
    def from_json(data: Any) -> SpeechSettings:
        if not isinstance(data, dict):
            raise ProjectError("speech: expected an object")
        where, err = "speech", ProjectError
        settings = SpeechSettings(
            voice=get_text(data, "voice", None, where, err),
            rate_cps=get_number(
                data,
                "rate_cps",
                defaults.RATE_CPS,
                where,
                err,
                lo=defaults.RATE_MIN_CPS,
                hi=defaults.RATE_MAX_CPS,
            ),
            lead_ms=get_int(data, "lead_ms", defaults.LEAD_MS, where, err, lo=0, hi=MAX_GAP_MS),
            tail_ms=get_int(data, "tail_ms", defaults.TAIL_MS, where, err, lo=0, hi=MAX_GAP_MS),
        )
        return settings


EXPORT_PRESETS = defaults.EXPORT_PRESETS  # re-exported: the exporter, the CLI and the dialog use it from here


@dataclass(frozen=True)
class ExportSettings:
    preset: str = defaults.EXPORT_PRESET
    burn_subtitles: bool = True  # short-video platforms need burned-in subtitles
    soft_subtitles: bool = True
    write_srt: bool = False
    duck_db: float = defaults.DUCK_DB  # original audio level while narration speaks
    output: str | None = None  # last export path, relative to the project file when saved
    loudness_lufs: float = defaults.LOUDNESS_LUFS  # integrated loudness of the export (LOUDNESS_TARGETS)

    def to_json(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "burn_subtitles": self.burn_subtitles,
            "soft_subtitles": self.soft_subtitles,
            "write_srt": self.write_srt,
            "duck_db": self.duck_db,
            "output": self.output,
            "loudness_lufs": self.loudness_lufs,
        }

    @staticmethod
    def from_json(data: Any) -> ExportSettings:
        if not isinstance(data, dict):
            raise ProjectError("export: expected an object")
        where, err = "export", ProjectError
        settings = ExportSettings(
            preset=get_text(data, "preset", defaults.EXPORT_PRESET, where, err) or defaults.EXPORT_PRESET,
            burn_subtitles=get_bool(data, "burn_subtitles", True, where, err),
            soft_subtitles=get_bool(data, "soft_subtitles", True, where, err),
            write_srt=get_bool(data, "write_srt", False, where, err),
            duck_db=get_number(data, "duck_db", defaults.DUCK_DB, where, err),
            output=get_text(data, "output", None, where, err),
            loudness_lufs=get_number(data, "loudness_lufs", defaults.LOUDNESS_LUFS, where, err),
        )
        if settings.preset not in EXPORT_PRESETS:
            raise ProjectError(f"export: unknown preset {settings.preset!r}")
        if not -60 <= settings.duck_db <= 0:
            raise ProjectError("export: 'duck_db' must be between -60 and 0")
        if not defaults.loudness_in_range(settings.loudness_lufs):
            lo, hi = defaults.LOUDNESS_MIN_LUFS, defaults.LOUDNESS_MAX_LUFS
            raise ProjectError(f"export: 'loudness_lufs' must be between {lo:g} and {hi:g}")
        return settings


@dataclass(frozen=True)
class Project:
    """Everything the user works on; `video` is an absolute path in memory."""

    video: str | None = None
    media: MediaSummary | None = None
    product: Product = field(default_factory=Product)
    clips: tuple[Clip, ...] = ()
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    export: ExportSettings = field(default_factory=ExportSettings)

    @property
    def video_missing(self) -> bool:
        return self.video is not None and not Path(self.video).is_file()

    def effective_speech(self, clip: Clip) -> SpeechSettings:
        """The settings `clip` is spoken with: the project's, with the clip's own voice and rate overrides
        (the one place that resolves them, for fitting, budgets, reports and the preview alike)."""
        s = self.speech
        return replace(s, voice=clip.voice or s.voice, rate_cps=clip.rate_cps or s.rate_cps)

    def clip_index_at(self, ms: int) -> int | None:
        for i, clip in enumerate(self.clips):
            if clip.start_ms <= ms < clip.end_ms:
                return i
        if self.clips and ms == self.clips[-1].end_ms:
            return len(self.clips) - 1
        return None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        value = int(value)
    if not -(2**53) <= value <= 2**53:
        raise ValueError(f"number out of range: {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# Serialization


def check_storable_video(video: Path | str, project_path: Path | str) -> None:
    """InputError now when a project file could not name `video`: a project is UTF-8 JSON, and a file name
    that is not valid UTF-8 (Latin-1 bytes from a Windows zip) has no spelling in it."""
    try:
        os.fspath(video).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            f"{display_path(project_path)}: a project cannot name the video {display_path(video)} "
            "(its file name is not valid UTF-8 text); rename the video, or leave out the project file"
        ) from None


def project_to_json(project: Project, project_path: Path | None = None) -> dict[str, Any]:
    """Plain JSON; the video path is stored relative to the project file's folder when possible."""
    video = project.video
    if video is not None and project_path is not None:
        try:
            video = os.path.relpath(video, Path(project_path).resolve().parent)
        except ValueError:  # different drive on Windows
            pass
    if video is not None:
        video = Path(video).as_posix()
    return {
        "format": PROJECT_FORMAT,
        "schema": SCHEMA_VERSION,
        "video": video,
        "media": project.media.to_json() if project.media else None,
        "product": project.product.to_json(),
        "speech": project.speech.to_json(),
        "export": project.export.to_json(),
        "clips": [c.to_json() for c in project.clips],
    }


def project_from_json(data: Any, project_path: Path | None = None) -> Project:
    """Validate and build a Project; every problem is a ProjectError naming what is wrong."""
    if not isinstance(data, dict):
        raise ProjectError("not a SyncNarrator project (expected a JSON object)")
    if data.get("format") != PROJECT_FORMAT:
        raise ProjectError("not a SyncNarrator project (missing 'format')")
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise ProjectError("project has no valid schema version")
    if schema > SCHEMA_VERSION:
        raise ProjectError(
            f"project was saved by a newer SyncNarrator (schema {schema}, this version reads {SCHEMA_VERSION})"
        )
    video = data.get("video")
    if video is not None:
        if not isinstance(video, str) or not video or "\x00" in video:
            raise ProjectError("'video' must be a file path")
        path = Path(video)
        if not path.is_absolute() and project_path is not None:
            path = Path(project_path).resolve().parent / path
        video = os.path.normpath(str(path))
    media = MediaSummary.from_json(data["media"]) if data.get("media") is not None else None
    clips_raw = data.get("clips", [])
    if not isinstance(clips_raw, list):
        raise ProjectError("'clips' must be a list")
    clips = tuple(Clip.from_json(c, f"clip {i + 1}") for i, c in enumerate(clips_raw))
    validate_clips(clips, media)
    return Project(
        video=video,
        media=media,
        product=Product.from_json(data.get("product", {})),
        clips=clips,
        speech=SpeechSettings.from_json(data.get("speech", {})),
        export=ExportSettings.from_json(data.get("export", {})),
    )


def validate_clips(clips: tuple[Clip, ...], media: MediaSummary | None) -> None:
    previous_end = 0
    for i, clip in enumerate(clips):
        if clip.start_ms < previous_end or clip.end_ms <= clip.start_ms:
            raise ProjectError(f"clip {i + 1}: times overlap or run backwards")
        previous_end = clip.end_ms
    if media is not None and clips and clips[-1].end_ms > media.duration_ms + 1000:
        raise ProjectError(f"clip {len(clips)}: ends after the video")


def save_project(project: Project, path: Path) -> None:
    """Atomic save: write a temp file beside `path`, fsync, keep the old file as `path.bak`, rename.

    A failed write (full disk, permissions) raises WriteError (a ProjectError-like one-liner that is also
    an OSError) naming the file, and no temporary file is left behind, whatever interrupted the save."""
    path = Path(path)
    data = json.dumps(project_to_json(project, path), ensure_ascii=False, indent=1).encode("utf-8")
    folder = path.resolve().parent
    writing = path
    leftovers.sweep(folder)  # temp files of a save that was killed (their process is gone)
    try:
        with atomic_file(path) as new:  # written first: a full disk fails before the backup is touched
            new.write(data)
            new.flush()
            os.fsync(new.fileno())
            if path.exists() and _loads_cleanly(path):  # a damaged file never replaces a good backup
                backup = writing = path.with_name(path.name + ".bak")
                write_atomic(backup, path.read_bytes(), mode_of=path)
                writing = path
        _fsync_dir(folder)
    except OSError as exc:
        raise WriteError.from_os_error(writing, exc, "cannot save the project") from None


def _loads_cleanly(path: Path) -> bool:
    try:
        load_project(path)
    except ProjectError:
        return False
    return True


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_project(path: Path) -> Project:
    """Read a project; a damaged one raises ProjectError that offers the previous save (`.backup`)."""
    try:
        return _load_project(Path(path))
    except ProjectError as exc:
        backup = backup_path(Path(path))
        if Path(path).name.endswith(".bak") or not backup.is_file():
            raise
        error = ProjectError(f"{exc}; the previous save is kept as {backup.name}")
        error.backup = backup  # type: ignore[attr-defined]  # the editor offers to open it
        raise error from None


def _load_project(path: Path) -> Project:
    """Total: size/depth limits, strict numbers and booleans, valid text (core.parsing)."""
    name = shown(path)
    raw = read_bytes(path, "project file", ProjectError)
    text = decode_text(raw, name, ProjectError)
    data = parse_json(
        text,
        name,
        ProjectError,
        what="project file",
        bad_json="damaged project file (bad JSON at line {line})",
    )
    try:
        return project_from_json(data, path)
    except ProjectError as exc:
        raise ProjectError(f"{name}: {exc}") from None


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".bak")


# ---------------------------------------------------------------------------------------------
# Edits: pure functions Project -> Project. They raise ValueError for edits that make no sense.


def set_clips(project: Project, clips: tuple[Clip, ...]) -> Project:
    validate_clips(clips, project.media)
    return replace(project, clips=clips)


def replace_clip(project: Project, index: int, **changes: Any) -> Project:
    _check_index(project, index)
    clips = list(project.clips)
    clips[index] = replace(clips[index], **changes)
    return replace(project, clips=tuple(clips))


def set_labels(project: Project, index: int, labels: tuple[str, ...], lock: bool = True) -> Project:
    return replace_clip(project, index, labels=tuple(labels), labels_locked=lock)


def set_narration(project: Project, index: int, text: str, lock: bool | None = None) -> Project:
    changes: dict[str, Any] = {"narration": text}
    if lock is not None:
        changes["locked"] = lock
    return replace_clip(project, index, **changes)


def move_boundary(project: Project, index: int, ms: int) -> Project:
    """Move the boundary between clip `index - 1` and clip `index` to `ms` (both clips keep >= MIN_CLIP_MS)."""
    if not 1 <= index < len(project.clips):
        raise ValueError(f"no boundary before clip {index}")
    left, right = project.clips[index - 1], project.clips[index]
    ms = max(left.start_ms + MIN_CLIP_MS, min(ms, right.end_ms - MIN_CLIP_MS))
    clips = list(project.clips)
    clips[index - 1] = replace(left, end_ms=ms)
    clips[index] = replace(right, start_ms=ms)
    return replace(project, clips=tuple(clips))


def split_clip(project: Project, ms: int) -> Project:
    """Split the clip under `ms` in two; the right part starts with no narration and the same labels."""
    index = project.clip_index_at(ms)
    if index is None:
        raise ValueError("the playhead is not on a clip")
    clip = project.clips[index]
    if ms - clip.start_ms < MIN_CLIP_MS or clip.end_ms - ms < MIN_CLIP_MS:
        raise ValueError("too close to a clip boundary to split")
    left = replace(clip, end_ms=ms)
    right = replace(clip, start_ms=ms, narration="", locked=False)
    clips = [*project.clips[:index], left, right, *project.clips[index + 1 :]]
    return replace(project, clips=tuple(clips))


def merge_with_next(project: Project, index: int) -> Project:
    """Join clip `index` and the next; narration lines are concatenated, labels united."""
    if not 0 <= index < len(project.clips) - 1:
        raise ValueError("there is no next clip to merge with")
    a, b = project.clips[index], project.clips[index + 1]
    labels = tuple(dict.fromkeys(a.labels + b.labels))[:2]
    merged = replace(
        a,
        end_ms=b.end_ms,
        labels=labels,
        labels_locked=a.labels_locked or b.labels_locked,
        narration=(a.narration + b.narration),
        locked=a.locked or b.locked,
    )
    clips = [*project.clips[:index], merged, *project.clips[index + 2 :]]
    return replace(project, clips=tuple(clips))


def _check_index(project: Project, index: int) -> None:
    if not 0 <= index < len(project.clips):
        raise ValueError(f"no clip {index}")


# ---------------------------------------------------------------------------------------------
# The document: current state, file path, undo/redo history, observers.

Listener = Callable[["Document"], None]
MAX_UNDO_STEPS = 500  # older steps are dropped: a long session keeps bounded memory


@dataclass(frozen=True)
class _Step:
    description: str
    before: Project
    after: Project
    merge_key: object = None


@dataclass(frozen=True)
class Change:
    """What a document notification is about: the project before and after, and why."""

    before: Project
    after: Project
    kind: str  # "edit", "undo", "redo", "untracked", "save"
    description: str = ""


ChangeListener = Callable[[Change], None]

SpeechKey = tuple[str, int, str | None, float, int, int]
SPEECH_STATES = ("waiting", "speaking", "ready", "failed")


def speech_key(project: Project, clip: Clip) -> SpeechKey:
    """What a clip's speech depends on: its line, length, voice, rate and the lead/tail. Speech made for
    one key stays valid for every project state with that key (undo brings it back, an edit moves on)."""
    s = project.effective_speech(clip)
    return (
        clip.narration.strip(),
        clip.duration_ms,
        s.voice,
        float(s.rate_cps),
        s.lead_ms,
        s.tail_ms,
    )


@dataclass(frozen=True)
class ClipSpeech:
    """Where one line's speech is: "waiting", "speaking", "ready" (with its `fit`, a core.speech.FitResult)
    or "failed" (with a one-line `error`). Not part of the project: no undo step, never saved."""

    state: str
    fit: Any = None
    error: str = ""


class Document:
    """Holds the project and its history; views call `edit()` and observe `observe()`/`subscribe()`."""

    def __init__(self, project: Project | None = None, path: Path | None = None) -> None:
        self._project = project or Project()
        self.path: Path | None = Path(path) if path else None
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []
        self._saved: Project | None = self._project if path else None
        self._listeners: list[Listener] = []
        self._observers: list[ChangeListener] = []
        self._mergeable = False  # the last step may absorb the next edit with the same merge key
        self._speech: dict[SpeechKey, ClipSpeech] = {}
        self._speech_observers: list[Callable[[], None]] = []

    # -- speech made for the lines (by key, so it survives undo and is dropped by no edit)
    def speech_of(self, clip: Clip, project: Project | None = None) -> ClipSpeech | None:
        return self._speech.get(speech_key(project or self._project, clip))

    def speech_at(self, key: SpeechKey) -> ClipSpeech | None:
        return self._speech.get(key)

    def made_speech(self) -> dict[SpeechKey, Any]:
        """Every line whose speech is ready: key -> FitResult (what the fit verdict and the export reuse)."""
        return {k: v.fit for k, v in self._speech.items() if v.state == "ready" and v.fit is not None}

    def set_speech(self, key: SpeechKey, speech: ClipSpeech | None) -> None:
        """Record (or forget, with None) a line's speech state; observers of speech hear it."""
        self.set_speeches({key: speech})

    def set_speeches(self, states: Mapping[SpeechKey, ClipSpeech | None]) -> None:
        """Several lines' speech states at once: one notification (a 200-clip queue marks them waiting)."""
        changed = False
        for key, speech in states.items():
            if speech is not None and speech.state not in SPEECH_STATES:
                raise ValueError(f"unknown speech state {speech.state!r}")
            if self._speech.get(key) == speech:
                continue
            changed = True
            if speech is None:
                self._speech.pop(key, None)
            else:
                self._speech[key] = speech
        if changed:
            for listener in list(self._speech_observers):
                listener()

    def observe_speech(self, listener: Callable[[], None]) -> Callable[[], None]:
        """`listener()` after a line's speech changed state (not an edit: the project is the same)."""
        self._speech_observers.append(listener)
        return lambda: self._speech_observers.remove(listener) if listener in self._speech_observers else None

    # -- state
    @property
    def project(self) -> Project:
        return self._project

    @property
    def dirty(self) -> bool:
        return self._project is not self._saved and self._project != self._saved

    @property
    def name(self) -> str:
        if self.path is not None:
            name = self.path.name
            return name[: -len(PROJECT_SUFFIX)] if name.endswith(PROJECT_SUFFIX) else self.path.stem
        if self._project.video:
            return Path(self._project.video).stem
        return "Untitled"

    # -- observers
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """`listener(document)` after every change (edit, undo, redo, save)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def observe(self, listener: ChangeListener) -> Callable[[], None]:
        """`listener(Change)` after every change, with the project before and after it."""
        self._observers.append(listener)
        return lambda: self._observers.remove(listener) if listener in self._observers else None

    def _notify(self, before: Project | None = None, kind: str = "save", description: str = "") -> None:
        change = Change(self._project if before is None else before, self._project, kind, description)
        for observer in list(self._observers):
            observer(change)
        for listener in list(self._listeners):
            listener(self)

    # -- edits
    def edit(self, description: str, change: Callable[[Project], Project], merge_key: object = None) -> bool:
        """Apply `change` as one undoable step; returns False (and records nothing) if nothing changed.

        Consecutive edits with the same `merge_key` (not None) become one step: typing a line in
        several pauses is one undo. Undo, redo, save or any other edit in between ends the merging.
        """
        before = self._project
        after = change(before)
        if after == before:
            return False
        last = self._undo[-1] if self._undo else None
        if merge_key is not None and self._mergeable and last is not None and last.merge_key == merge_key:
            self._undo[-1] = _Step(description, last.before, after, merge_key)
        else:
            self._undo.append(_Step(description, before, after, merge_key))
            del self._undo[:-MAX_UNDO_STEPS]
        self._mergeable = merge_key is not None
        self._redo.clear()
        self._project = after
        self._notify(before, "edit", description)
        return True

    def set_untracked(self, change: Callable[[Project], Project]) -> bool:
        """Apply `change` to the project and to every state in the history, as no undo step.

        For settings that are not an edit (the export settings used by an export): Undo after an export
        takes back the last edit, never the settings. The document becomes dirty when it changed.
        """
        after = change(self._project)
        if after == self._project:
            return False
        before = self._project
        self._undo = [
            _Step(s.description, change(s.before), change(s.after), s.merge_key) for s in self._undo
        ]
        self._redo = [
            _Step(s.description, change(s.before), change(s.after), s.merge_key) for s in self._redo
        ]
        self._project = after
        self._notify(before, "untracked")
        return True

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        return self._undo[-1].description if self._undo else ""

    def redo_text(self) -> str:
        return self._redo[-1].description if self._redo else ""

    def undo(self) -> bool:
        if not self._undo:
            return False
        step = self._undo.pop()
        self._redo.append(step)
        self._project = step.before
        self._mergeable = False
        self._notify(step.after, "undo", step.description)
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        step = self._redo.pop()
        self._undo.append(step)
        self._project = step.after
        self._mergeable = False
        self._notify(step.before, "redo", step.description)
        return True

    # -- files
    def save(self, path: Path | None = None) -> Path:
        target = Path(path) if path else self.path
        if target is None:
            raise ProjectError("choose a file name to save the project")
        save_project(self._project, target)
        self.path = target
        self._saved = self._project
        self._mergeable = False  # typing after a save is a new step (undo returns to the saved text)
        self._notify()
        return target

    def mark_saved(self) -> None:
        self._saved = self._project

    @classmethod
    def open(cls, path: Path) -> Document:
        return cls(load_project(path), path)


def load_product_file(path: Path | str) -> Product:
    """PRODUCT.json -> Product (strict); every problem is one InputError line naming the file."""
    path = Path(path)
    name = shown(path)
    data = parse_json(read_text(path, "product file"), name, what="product file")
    try:
        return Product.from_json(data, where=name)
    except ProjectError as exc:
        raise InputError(str(exc)) from None
