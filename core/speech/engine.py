"""Offline speech engines: pyttsx3 (isolated in a worker process) and espeak-ng called directly.

pyttsx3's espeak driver misbehaves off the main thread and after many `runAndWait` calls in one
process, so it runs in a persistent 'spawn' worker that is restarted when it hangs or dies. When
pyttsx3 cannot start at all, the espeak-ng command line is a real second engine (no fake voices).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import SyncNarratorError
from core.platform import bundle_dir, is_frozen


class SpeechError(SyncNarratorError):
    """The speech engine is missing or failed; the message says which and why."""


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...] = ()

    def speaks(self, language: str) -> bool:
        """True for `zh` on cmn/yue/zh voices, else a prefix match on the language tags."""
        language = language.lower()
        tags = [t.lower() for t in self.languages] or [self.id.lower().rsplit("/", 1)[-1]]
        family = {"zh": ("zh", "cmn", "yue")}.get(language, (language,))
        if any(t == f or t.startswith(f + "-") or t.startswith(f + "_") for t in tags for f in family):
            return True
        # SAPI5/NSSS ids are registry paths or bundle ids: 'TTS_MS_ZH-CN_HUIHUI', 'com.apple.voice.Ting-Ting'
        ident = self.id.lower().replace("_", "-")
        return language == "zh" and (
            "chinese" in self.name.lower() or "-zh-" in f"-{ident}" or "zh-cn" in ident
        )


class SpeechEngine(ABC):
    """Lists voices and writes a line of speech to a WAV file; `rate` is in the engine's own units."""

    name: str = "engine"
    rate_range: tuple[int, int] = (80, 450)
    default_rate: int = 175

    @abstractmethod
    def voices(self, language: str | None = None) -> list[Voice]:
        """Installed voices, optionally only those speaking `language` ('zh', 'en', ...)."""

    @abstractmethod
    def synthesize(self, text: str, out: Path, *, voice: str | None = None, rate: int | None = None) -> Path:
        """Write `text` spoken by `voice` at `rate` to the WAV file `out` (mono 16-bit PCM)."""

    def default_voice(self, language: str = "zh") -> str:
        """Mandarin first ('cmn' on espeak-ng), else any voice of the language."""
        candidates = self.voices(language)
        for v in candidates:
            if any(t.lower() == "cmn" for t in v.languages) or v.id.lower().endswith("cmn"):
                return v.id
        if candidates:
            return candidates[0].id
        raise SpeechError(f"no {language} voice installed for {self.name} (install espeak-ng)")

    native_speed: bool = False  # True: the engine's own rate control is good enough to fit lines (no time-stretch)
    calibration_rates: tuple[int, ...] = ()  # engine rates to calibrate at (empty: the Speaker's default)

    def known_calibration(self, voice: str) -> tuple[tuple[int, float], ...] | None:
        """Characters per second measured ahead of time for a shipped voice (None: measure it)."""
        return None

    def predict_ms(self, text: str, *, voice: str | None = None, rate: int | None = None) -> int | None:
        """The spoken (silence-trimmed) duration of `text` at `rate` known before synthesizing it, from the
        engine's own duration model; None when the engine has none (Speaker.fit then uses the calibration)."""
        return None

    def close(self) -> None:  # noqa: B027 - most engines hold nothing
        """Release worker processes; the engine may be used again afterwards."""

    def parallel_lines(self) -> int:
        """How many lines this engine can speak at once to good effect (Speaker.fit_project)."""
        return 1

    def clamp_rate(self, rate: float) -> int:
        lo, hi = self.rate_range
        return round(min(max(rate, lo), hi))


# ---------------------------------------------------------------------------------------------
# espeak-ng command line


def espeak_path() -> str | None:
    """espeak-ng (or espeak) on PATH, or next to the frozen app."""
    base = bundle_dir() if is_frozen() else None
    if base is not None:
        for name in ("espeak-ng.exe", "espeak-ng"):
            if (base / "espeak-ng" / name).exists():
                return str(base / "espeak-ng" / name)
    return shutil.which("espeak-ng") or shutil.which("espeak")


MANDARIN_PROBE = "ni3 hao3, zhe4 kuan3 chan3 pin3 zhen1 de5 hen3 hao3 yong4."
"""Tone-numbered pinyin: a voice that speaks Mandarin reads it with tone contours, an English-latin voice
switches to English (`(en)`) and reads the tone digits as numbers."""
ESPEAK_MANDARIN_CANDIDATES = ("cmn-latn-pinyin", "cmn-Latn-pinyin", "sit/cmn-Latn-pinyin", "cmn", "zh")
_TONE_CONTOUR = re.compile(r"(?:55|35|214|21|51|11)")
_LANGUAGE_SWITCH = re.compile(r"\((?!cmn\))[a-z]{2,3}(?:-[a-z0-9]+)?\)", re.IGNORECASE)


def phonemes_are_mandarin(phonemes: str, syllables: int | None = None) -> bool:
    """True when espeak-ng's `-x` output stays in Mandarin: no switch to another language such as
    `(en)` and tone contours (55, 35, 214, 51...) on (nearly) every syllable."""
    if not phonemes.strip() or _LANGUAGE_SWITCH.search(phonemes):
        return False
    tones = len(_TONE_CONTOUR.findall(phonemes))
    return tones >= max(1, round(0.8 * syllables)) if syllables else tones > 0


class EspeakEngine(SpeechEngine):
    """espeak-ng invoked per line; stateless, so safe from any thread.

    Chinese is never handed to espeak-ng as Hanzi: the front-end's tone-numbered pinyin goes to a voice
    checked to read pinyin as Mandarin (`cmn-latn-pinyin`). Debian 12's espeak-ng 1.51 `cmn` voice reads
    Chinese as English-spoken pinyin ("gan three, jin three..."); the check looks at the phonemes
    (`espeak-ng -x`), not at the voice's name.
    """

    name = "espeak-ng"
    rate_range = (80, 450)
    default_rate = 175

    def __init__(self, program: str | None = None) -> None:
        program = program or espeak_path()
        if not program:
            raise SpeechError("espeak-ng is not installed (apt-get install espeak-ng)")
        self.program = program
        self._voices: list[Voice] | None = None
        self._mandarin: str | None = None

    def voices(self, language: str | None = None) -> list[Voice]:
        if self._voices is None:
            proc = subprocess.run(
                [self.program, "--voices"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL
            )
            found: list[Voice] = []
            for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
                parts = line.split()
                if len(parts) >= 5:
                    # Pty Language Age/Gender VoiceName File Other
                    found.append(Voice(id=parts[1], name=parts[3], languages=(parts[1],)))
            self._voices = found
        if language is None:
            return list(self._voices)
        return [v for v in self._voices if v.speaks(language)]

    def phonemes(self, text: str, voice: str) -> str:
        """espeak-ng's phoneme transcription (`-x`) of `text` as `voice` would speak it, nothing played."""
        proc = subprocess.run(
            [self.program, "-q", "-x", "-v", voice, "--", text.replace("\x00", " ")],
            capture_output=True,
            timeout=30 + len(text),
            stdin=subprocess.DEVNULL,
        )
        return proc.stdout.decode("utf-8", "replace")

    def mandarin_voice(self) -> str:
        """The installed voice that reads tone-numbered pinyin as Mandarin, found by its phonemes."""
        if self._mandarin is not None:
            return self._mandarin
        installed = {v.id.lower(): v.id for v in self.voices()}
        tried = []
        for name in ESPEAK_MANDARIN_CANDIDATES:
            voice = installed.get(name.lower(), name if "/" in name else None)
            if voice is None or voice in tried:
                continue
            tried.append(voice)
            if phonemes_are_mandarin(self.phonemes(MANDARIN_PROBE, voice), len(MANDARIN_PROBE.split())):
                self._mandarin = voice
                return voice
        raise SpeechError(
            "espeak-ng has no voice that reads Mandarin pinyin (tried "
            + (", ".join(tried) or "none installed")
            + "); install espeak-ng 1.50 or later"
        )

    def default_voice(self, language: str = "zh") -> str:
        if language == "zh":
            return self.mandarin_voice()
        return super().default_voice(language)

    def is_chinese(self, voice: str) -> bool:
        """Voices that speak Chinese (cmn, zh, sit/cmn...) all go through the checked pinyin voice."""
        tail = voice.rsplit("/", 1)[-1].lower()
        return tail.startswith(("cmn", "zh"))

    def spoken_input(self, text: str, voice: str | None = None) -> tuple[str, str]:
        """(voice, text) exactly as handed to espeak-ng: Chinese voices get the front-end's pinyin."""
        voice = (voice or self.default_voice()).rsplit("/", 1)[-1]
        if self.is_chinese(voice):
            from core.speech.frontend import read_text

            return self.mandarin_voice(), read_text(text).pinyin_with_pauses()
        return voice, text

    def synthesize(self, text: str, out: Path, *, voice: str | None = None, rate: int | None = None) -> Path:
        voice, spoken = self.spoken_input(text, voice)
        if not spoken.strip(" ,."):
            raise SpeechError(f"nothing to say in {text[:20]!r}")
        rate = self.clamp_rate(rate or self.default_rate)
        out = Path(out)
        proc = subprocess.run(
            [self.program, "-v", voice, "-s", str(rate), "-w", str(out), "--", spoken.replace("\x00", " ")],
            capture_output=True,
            timeout=60 + len(spoken),
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no audio written"]
            raise SpeechError(f"espeak-ng failed for voice {voice!r}: {tail[0]}")
        return out


# ---------------------------------------------------------------------------------------------
# pyttsx3 in a worker process


def _pyttsx3_worker(requests: Any, replies: Any) -> None:
    """Worker loop: one pyttsx3 engine, one request at a time; replies ('ok', value) or ('err', text)."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the espeak driver prints "Audio saved to ..."
    finished = threading.Event()
    try:
        import pyttsx3

        engine = pyttsx3.init()
        engine.connect("finished-utterance", lambda **_kw: finished.set())
    except Exception as exc:
        replies.put(("err", f"pyttsx3 cannot start: {type(exc).__name__}: {exc}"))
        return
    replies.put(("ok", "ready"))
    while True:
        req = requests.get()
        if req is None:
            break
        try:
            if req[0] == "voices":
                value: Any = [
                    (str(v.id), str(v.name or v.id), tuple(str(x) for x in (v.languages or ())))
                    for v in engine.getProperty("voices")
                ]
            else:
                _, text, path, voice, rate = req
                if voice:
                    engine.setProperty("voice", voice)
                engine.setProperty("rate", int(rate))
                finished.clear()
                engine.save_to_file(text, path)
                engine.runAndWait()
                # pyttsx3 2.99's espeak driver can return from runAndWait before its callback has
                # written the file, and a stale finished-utterance may arrive from the previous line;
                # without waiting for *this* file, consecutive lines swapped files and rates (measured).
                if not finished.wait(30 + len(text)):
                    raise TimeoutError("no finished-utterance notification")
                _wait_for_audio_file(path, 30 + len(text) / 2)
                value = path
            replies.put(("ok", value))
        except Exception as exc:
            replies.put(("err", f"{type(exc).__name__}: {exc}"))


def _wait_for_audio_file(path: str, timeout: float) -> None:
    """Block until `path` is complete: a WAV whose header matches its size, or (AIFF from NSSS) a file
    whose size has stopped changing."""
    import time
    import wave

    deadline = time.monotonic() + timeout
    last_size = -1
    while time.monotonic() < deadline:
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as fh:
                riff = fh.read(4) == b"RIFF"
            if riff:
                with wave.open(path, "rb") as w:
                    frames, width, channels = w.getnframes(), w.getsampwidth(), w.getnchannels()
                if frames > 0 and size >= 44 + frames * width * channels:
                    return
            elif size > 0 and size == last_size:
                return
            last_size = size
        except (OSError, EOFError, wave.Error):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"pyttsx3 did not finish writing {path}")


def _to_wav(path: Path) -> None:
    """Convert an audio file in place to mono 16-bit PCM WAV with ffmpeg."""
    from core.ffmpeg_exec import run_ffmpeg

    tmp = path.with_name(path.name + ".conv.wav")
    proc = run_ffmpeg(
        ["-v", "error", "-y", "-i", str(path), "-ac", "1", "-c:a", "pcm_s16le", str(tmp)],
        timeout=120,
        timeout_error=lambda _s: SpeechError("converting the speech engine's audio took too long"),
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise SpeechError(
            f"cannot read the speech engine's audio: {proc.stderr.decode(errors='replace')[-200:]}"
        )
    os.replace(tmp, path)


class Pyttsx3Engine(SpeechEngine):
    """pyttsx3 (espeak-ng / SAPI5 / NSSS) driven through a persistent spawn worker with timeouts."""

    name = "pyttsx3"
    rate_range = (80, 450)
    default_rate = 200
    start_timeout = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: Any = None
        self._requests: Any = None
        self._replies: Any = None
        self._voices: list[Voice] | None = None
        self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._requests = ctx.Queue()
        self._replies = ctx.Queue()
        self._proc = ctx.Process(target=_pyttsx3_worker, args=(self._requests, self._replies), daemon=True)
        self._proc.start()
        status, value = self._reply(self.start_timeout)
        if status != "ok":
            self._kill()
            raise SpeechError(str(value))

    def _reply(self, timeout: float) -> tuple[str, Any]:
        """The worker's answer; gives up at `timeout` or as soon as the worker is gone."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            try:
                reply: tuple[str, Any] = self._replies.get(timeout=0.2)
                return reply
            except queue.Empty:
                if self._proc is None or not self._proc.is_alive():
                    return ("err", "pyttsx3 worker died")
                if time.monotonic() > deadline:
                    return ("err", "pyttsx3 worker timed out")

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._proc = None
        for q in (self._requests, self._replies):
            if q is not None:
                q.close()
                q.join_thread()
        self._requests = self._replies = None

    def _call(self, request: tuple[Any, ...], timeout: float) -> Any:
        """Send one request; on a hang or crash restart the worker and try once more."""
        with self._lock:
            last = ""
            for _attempt in range(2):
                if self._proc is None or not self._proc.is_alive():
                    self._kill()
                    self._start()
                self._requests.put(request)
                status, value = self._reply(timeout)
                if status == "ok":
                    return value
                last = str(value)
                self._kill()
            raise SpeechError(f"pyttsx3 failed: {last}")

    def voices(self, language: str | None = None) -> list[Voice]:
        if self._voices is None:
            raw = self._call(("voices",), 60.0)
            self._voices = [Voice(id=i, name=n, languages=tuple(langs)) for i, n, langs in raw]
        if language is None:
            return list(self._voices)
        return [v for v in self._voices if v.speaks(language)]

    def synthesize(self, text: str, out: Path, *, voice: str | None = None, rate: int | None = None) -> Path:
        voice = voice or self.default_voice()
        out = Path(out)
        out.unlink(missing_ok=True)
        from core.speech.frontend import read_text

        text = read_text(text).normalized  # numbers, units and codes as Chinese words (SAPI/NSSS read Hanzi)
        self._call(
            ("synth", text, str(out), voice, self.clamp_rate(rate or self.default_rate)), 60 + len(text)
        )
        if not out.exists() or out.stat().st_size <= 44:
            raise SpeechError(f"pyttsx3 wrote no audio for voice {voice!r}")
        with open(out, "rb") as fh:
            riff = fh.read(4) == b"RIFF"
        if not riff:  # NSSS (macOS) writes AIFF whatever the file name says
            _to_wav(out)
        return out

    def close(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.is_alive():
                with contextlib.suppress(Exception):
                    self._requests.put(None)
                self._proc.join(3)
            self._kill()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
