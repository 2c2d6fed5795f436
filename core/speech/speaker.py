"""Speech for narration lines: calibration, cached synthesis, and fitting a line into its clip.

A line starts `lead_ms` after its clip starts and must end `tail_ms` before the clip ends. The engine
rate comes first (from the calibrated characters per second, sped up a little if needed), then a
time-stretch of at most `MAX_TEMPO`; if the line still overruns, the result says by how many
characters so the editor can flag it and the narrator can shorten it.
"""

from __future__ import annotations

import itertools
import math
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from core import defaults
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.narration.budget import MAX_RATE_BOOST, MAX_SPEEDUP, MAX_TEMPO
from core.project import Clip, Project
from core.speech.audio import read_wav, time_stretch, trim_silence, wav_duration_ms, write_wav
from core.speech.cache import SynthesisCache, cache_dir, load_json, save_json
from core.speech.engine import SpeechEngine, SpeechError

CALIBRATION_LINES = (
    "这款精华液质地轻薄，一抹就化开，吸收特别快。",
    "早晚各用一次，肌肤明显更加水润有光泽。",
    "熬夜肌真的被拿捏住了。",
    "夏天出门总是怕晒黑？",
    "它添加了烟酰胺和玻尿酸，温和不刺激，敏感肌也能放心用。",
    "SPF50的防晒力，12小时持久保湿。",
    "这个杯子保温效果真的很好，装上热水，一整天都是热的。",
    "双十一买2送1，到手才99元。",
    "赶紧点击下方链接抢购吧！",
    "好看又好用，宝宝们冲。",
)
"""Spoken one by one, as narration is: short ad lines with numbers, Latin letters and questions. One
long text was spoken 7% slower per character than E-SyncVidStory's lines, so every meter ran amber."""
FIRST_TARGET = 0.95
"""The first synthesis aims at this share of the speaking time: the estimate is within about 10% of a line's
spoken length, so most lines that need a faster voice fit the first time and none is rushed much."""
TOUCH_UP = 1.04
"""A line spoken up to this much too long is time-stretched the rest of the way rather than spoken again
(WSOLA at 4% is not heard; a second synthesis costs as much as the first)."""
SECOND_TARGET = 0.985
"""The second synthesis, from the line's measured duration, aims at this share (rate rounding, 1% slack)."""
PREDICTED_TARGET = 0.99
"""With an engine's own duration model (Kokoro's predictor, within about 1-2% and erring long) the first
synthesis aims at this share: nearly every line fits in that one synthesis, at most a touch-up stretch."""
ESTIMATE_ERROR = 1.1
"""How far a line's spoken length may be from its estimate (about 10% on the benchmarks' lines)."""
FAR_OVER = 1.25
"""A line whose estimate at the fastest allowed speech is more than this times its speaking time is refused
without synthesizing: the estimate is never 25% too long on a real line (its error is about 10%), so the
line cannot fit, and a pasted page would otherwise cost minutes of synthesis to learn so."""
CALIBRATION_VERSION = 2  # calibrations measured another way are measured again
CALIBRATION_RATES = (120, 220, 340, 450)


def count_chars(text: str) -> int:
    """Characters as narration budgets count them (E-SyncVidStory: len of the line, punctuation included)."""
    return len(text.strip())


def spoken_length(text: str) -> int:
    """Syllables plus pauses of a line as the front-end reads it."""
    from core.speech.frontend import read_text

    reading = read_text(text)
    return len(reading.syllables) + sum(1 for w in reading.words if w.pause)


@lru_cache(maxsize=1)
def _units_per_char() -> float:
    """Spoken units per character on the calibration lines (what the calibrated rate counts)."""
    return sum(spoken_length(t) for t in CALIBRATION_LINES) / sum(count_chars(t) for t in CALIBRATION_LINES)


def equivalent_chars(text: str) -> float:
    """How many calibration-line characters `text` takes to say."""
    return spoken_length(text) / _units_per_char() if text.strip() else 0.0


@dataclass(frozen=True)
class Calibration:
    """Measured characters per second of one voice at several engine rates (piecewise linear)."""

    engine: str
    voice: str
    points: tuple[tuple[int, float], ...]  # (engine rate, chars per second), rates ascending

    def cps_at(self, rate: float) -> float:
        pts = self.points
        if rate <= pts[0][0]:
            (r0, c0), (r1, c1) = pts[0], pts[1]
        elif rate >= pts[-1][0]:
            (r0, c0), (r1, c1) = pts[-2], pts[-1]
        else:
            i = next(i for i in range(1, len(pts)) if pts[i][0] >= rate)
            (r0, c0), (r1, c1) = pts[i - 1], pts[i]
        return max(0.1, c0 + (c1 - c0) * (rate - r0) / (r1 - r0))

    def rate_for(self, cps: float) -> float:
        """Engine rate that speaks `cps` characters per second (extrapolated past the measured range)."""
        pts = self.points
        for (r0, c0), (r1, c1) in itertools.pairwise(pts):
            if c0 <= cps <= c1 and c1 > c0:
                return r0 + (r1 - r0) * (cps - c0) / (c1 - c0)
        (r0, c0), (r1, c1) = (pts[0], pts[1]) if cps < pts[0][1] else (pts[-2], pts[-1])
        slope = (c1 - c0) / (r1 - r0) if r1 != r0 else 0.0
        return r0 + (cps - c0) / slope if slope > 0 else float(r1)


@dataclass(frozen=True)
class FitResult:
    """One line fitted into one clip; `wav` is the audio to place at clip start + `offset_ms`."""

    text: str
    wav: Path | None
    offset_ms: int  # from the clip's start (the lead)
    duration_ms: int  # spoken duration after time-stretch
    available_ms: int
    engine_rate: int
    tempo: float
    fits: bool
    overflow_chars: int = 0  # how many characters too long when it does not fit
    voice: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)


class Speaker:
    """Voices + synthesis cache + calibrations; thread-safe, shared by pipeline and editor.

    Each voice id names its engine (`kokoro:jf_alpha`, `espeak:cmn-latn-pinyin`, see core.speech.voices);
    a Speaker made with an `engine` uses that engine for every voice (tests, benchmarks).
    """

    def __init__(self, engine: SpeechEngine | None = None, cache: SynthesisCache | None = None) -> None:
        self._engine = engine
        self._cache = cache
        self._calibrations: dict[str, Calibration] = {}
        self._lock = threading.RLock()
        self.syntheses = 0  # lines the engine has spoken (cache misses): what fitting costs

    def resolve(self, voice: str | None) -> tuple[SpeechEngine, str, str]:
        """(engine, the engine's voice id, the voice id used for caching and calibration)."""
        if self._engine is not None:
            local = voice or self._engine.default_voice("zh")
            return self._engine, local, local
        from core.speech.voices import resolve_voice

        return resolve_voice(voice)

    @property
    def engine(self) -> SpeechEngine:
        """The engine of the default voice."""
        return self.resolve(None)[0]

    def engine_for(self, voice: str | None) -> SpeechEngine:
        return self.resolve(voice)[0]

    @property
    def cache(self) -> SynthesisCache:
        if self._cache is None:
            self._cache = SynthesisCache()
        return self._cache

    def voice_id(self, voice: str | None) -> str:
        return self.resolve(voice)[2]

    # -- synthesis
    def synthesize(self, text: str, *, voice: str | None = None, rate: int | None = None) -> Path:
        """Cached WAV of `text` (leading/trailing silence trimmed) at the engine rate `rate`."""
        engine, local, voice = self.resolve(voice)
        rate = engine.clamp_rate(rate if rate is not None else engine.default_rate)
        key = SynthesisCache.key(engine.name, text, voice, rate, 1.0)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        tmp = self.cache.temp_path(key)
        with self._lock:
            self.syntheses += 1
        try:
            engine.synthesize(text, tmp, voice=local, rate=rate)
            samples, sr = read_wav(tmp)
            samples = trim_silence(samples, sr)
            if samples.size == 0:
                raise SpeechError(f"voice {voice!r} produced silence for {text[:20]!r}")
            write_wav(tmp, samples, sr)
            return self.cache.commit(key, tmp)
        finally:
            tmp.unlink(missing_ok=True)

    def _stretched(self, text: str, voice: str, rate: int, tempo: float) -> Path:
        raw = self.synthesize(text, voice=voice, rate=rate)
        if abs(tempo - 1.0) < 1e-4:
            return raw
        key = SynthesisCache.key(self.engine_for(voice).name, text, voice, rate, tempo)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        tmp = self.cache.temp_path(key)
        try:
            time_stretch(raw, tmp, tempo)
            return self.cache.commit(key, tmp)
        finally:
            tmp.unlink(missing_ok=True)

    # -- calibration
    def calibration(self, voice: str | None = None) -> Calibration:
        """Characters per second of `voice`, measured once per voice and kept in the cache folder."""
        engine, local, voice = self.resolve(voice)
        with self._lock:
            if voice in self._calibrations:
                return self._calibrations[voice]
            known = engine.known_calibration(local)
            if known:
                cal = Calibration(engine.name, voice, known)
                self._calibrations[voice] = cal
                return cal
            path = cache_dir() / "calibration.json"
            data = load_json(path) or {}
            entry_key = f"{CALIBRATION_VERSION}|{engine.name}|{voice}"
            entry = data.get(entry_key)
            points: tuple[tuple[int, float], ...] = ()
            if isinstance(entry, list) and len(entry) >= 2:
                try:
                    points = tuple((int(r), float(c)) for r, c in entry)
                except (TypeError, ValueError):
                    points = ()
            if not points:
                measured = []
                for rate in engine.calibration_rates or CALIBRATION_RATES:
                    r = engine.clamp_rate(rate)
                    ms = sum(
                        wav_duration_ms(self.synthesize(t, voice=voice, rate=r)) for t in CALIBRATION_LINES
                    )
                    chars = sum(count_chars(t) for t in CALIBRATION_LINES)
                    measured.append((r, chars * 1000 / max(ms, 1)))
                points = tuple(sorted(dict(measured).items()))
                data[entry_key] = [list(p) for p in points]
                save_json(path, data)
            cal = Calibration(engine.name, voice, points)
            self._calibrations[voice] = cal
            return cal

    def engine_rate(self, rate_cps: float, voice: str | None = None) -> int:
        return self.engine_for(voice).clamp_rate(self.calibration(voice).rate_for(rate_cps))

    def calibrated_cps(self, rate_cps: float, voice: str | None = None) -> float:
        """The characters per second the voice really reaches when asked for `rate_cps` (engine limits)."""
        cal = self.calibration(voice)
        return cal.cps_at(self.engine_for(voice).clamp_rate(cal.rate_for(rate_cps)))

    def estimate_ms(self, text: str, rate_cps: float, voice: str | None = None) -> int:
        """Spoken duration of `text` from the calibration, without synthesizing (budget meter).

        Counted in what is said, not in characters: "SPF50+" is 6 characters but 8 syllables, "¥199"
        4 characters and 6 syllables (the front-end's reading), scaled to calibration characters."""
        if count_chars(text) == 0:
            return 0
        return round(equivalent_chars(text) * 1000 / self.calibrated_cps(rate_cps, voice))

    # -- fitting
    def fastest(self, rate_cps: float, voice: str | None = None) -> tuple[int, float]:
        """(engine rate, time-stretch) of the fastest allowed speech: a voice with its own speed control
        speaks up to MAX_SPEEDUP faster itself; other engines speed up MAX_RATE_BOOST, then stretch."""
        engine = self.engine_for(voice)
        base = self.engine_rate(rate_cps, voice)
        if getattr(engine, "native_speed", False):
            return engine.clamp_rate(base * MAX_SPEEDUP), 1.0
        return engine.clamp_rate(base * MAX_RATE_BOOST), MAX_TEMPO

    def fit(
        self,
        text: str,
        clip_ms: int,
        *,
        voice: str | None = None,
        rate_cps: float = defaults.RATE_CPS,
        lead_ms: int = defaults.LEAD_MS,
        tail_ms: int = defaults.TAIL_MS,
    ) -> FitResult:
        """Synthesize `text` so it fits a clip of `clip_ms`, in about one synthesis.

        The engine's own duration model, when it has one (Kokoro), chooses the engine rate before anything
        is spoken (aiming at PREDICTED_TARGET of the speaking time), else the calibrated estimate does (aiming
        at FIRST_TARGET); a line still up to TOUCH_UP too long is time-stretched the rest of the way;
        longer, its measured duration gives the rate that fits (durations scale about inversely with the
        engine's speed) and it is spoken once more. What is left after that is a time-stretch, within the
        allowed speed-up. A line whose estimate at the fastest allowed speech is over FAR_OVER times its
        speaking time is refused from the estimate alone: nothing is synthesized (a pasted page in a 2 s
        clip is decided at once).
        """
        voice = self.voice_id(voice)
        text = text.strip()
        available = clip_ms - lead_ms - tail_ms
        n = count_chars(text)
        if not text:
            return FitResult(text, None, lead_ms, 0, max(0, available), 0, 1.0, True, 0, voice)
        base = self.engine_rate(rate_cps, voice)
        if available <= 0:
            return FitResult(
                text, None, lead_ms, 0, 0, base, 1.0, False, n, voice, ("clip too short for speech",)
            )
        engine = self.engine_for(voice)
        cal = self.calibration(voice)
        top, max_tempo = self.fastest(rate_cps, voice)
        units = equivalent_chars(text)
        at_top = units * 1000 / cal.cps_at(top)  # estimated, before any time-stretch
        if at_top / max_tempo > available * FAR_OVER:
            # counted with the estimate's error on the safe side, so a line shortened by it fits
            over = max(1, n - math.floor(n * available * max_tempo / (at_top * ESTIMATE_ERROR)))
            return FitResult(
                text, None, lead_ms, round(at_top), available, top, max_tempo, False, over, voice,
                ("decided from the estimate: far longer than the clip",),
            )  # fmt: skip
        at_base = units * 1000 / cal.cps_at(base)
        rate = base
        predicted = self._predicted_rate(engine, text, voice, base, top, available)
        if predicted is not None:
            rate = predicted
        elif at_base > available * FIRST_TARGET:
            wanted = cal.rate_for(cal.cps_at(base) * at_base / (available * FIRST_TARGET))
            rate = engine.clamp_rate(min(max(wanted, base), top))
        wav = self.synthesize(text, voice=voice, rate=rate)
        dur = wav_duration_ms(wav)
        # the allowed time-stretch that is left: for a voice with its own speed, only what is left of the
        # allowed speed-up; other engines stretch up to MAX_TEMPO after their rate boost
        cap = max_tempo if max_tempo > 1.0 else max(1.0, cal.cps_at(top) / cal.cps_at(rate))
        touch = math.ceil(dur / available * 1.01 * 1000) / 1000  # the tempo a stretch would take
        if dur > available and rate < top and touch > min(TOUCH_UP, cap):
            ratio = dur / (available * SECOND_TARGET)
            wanted = max(rate * ratio, cal.rate_for(cal.cps_at(rate) * ratio))
            second = engine.clamp_rate(min(max(math.ceil(wanted), rate + 1), top))
            if second > rate:
                rate = second
                wav = self.synthesize(text, voice=voice, rate=rate)
                dur = wav_duration_ms(wav)
                cap = max_tempo if max_tempo > 1.0 else max(1.0, cal.cps_at(top) / cal.cps_at(rate))
        tempo = 1.0
        if dur > available:
            # the rest is a time-stretch (none at the top rate of a voice with its own speed)
            tempo = math.ceil(dur / available * 1.01 * 1000) / 1000
            if tempo > cap:
                fitting_chars = math.floor(n * available * cap / dur)
                over = max(1, n - fitting_chars)
                return FitResult(text, wav, lead_ms, dur, available, rate, cap, False, over, voice)
            wav = self._stretched(text, voice, rate, tempo)
            dur = wav_duration_ms(wav)
            if dur > available:
                return FitResult(text, wav, lead_ms, dur, available, rate, tempo, False, 1, voice)
        return FitResult(text, wav, lead_ms, dur, available, rate, tempo, True, 0, voice)

    def _predicted_rate(
        self, engine: SpeechEngine, text: str, voice: str, base: int, top: int, available: int
    ) -> int | None:
        """The slowest rate from `base` to `top` at which the engine's own duration model says `text` takes
        at most PREDICTED_TARGET of `available` (`top` when none does); None without such a model."""
        local = self.resolve(voice)[1]
        goal = available * PREDICTED_TARGET
        first = engine.predict_ms(text, voice=local, rate=base)
        if first is None or first <= goal:
            return None if first is None else base
        for rate in range(base + 1, top + 1):
            ms = engine.predict_ms(text, voice=local, rate=rate)
            if ms is not None and ms <= goal:
                return rate
        return top

    def fit_clip(self, project: Project, clip: Clip) -> FitResult:
        """`fit` with the project's speech settings and the clip's own voice/rate overrides."""
        s = project.effective_speech(clip)
        return self.fit(
            clip.narration,
            clip.duration_ms,
            voice=s.voice,
            rate_cps=s.rate_cps,
            lead_ms=s.lead_ms,
            tail_ms=s.tail_ms,
        )

    def fit_project(
        self,
        project: Project,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[FitResult]:
        """Every clip's line fitted, in clip order (empty lines give an empty, fitting result).

        Clips are spoken side by side when the engine can (Kokoro: one line per usable core, each inference
        on one thread, cheaper than one line on every core); progress is reported from the calling thread."""
        clips = project.clips
        total = max(1, len(clips))
        workers = min(len(clips), self.engine_for(project.speech.voice).parallel_lines())
        if workers <= 1:
            results = []
            for i, clip in enumerate(clips):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                progress(i / total, f"speaking clip {i + 1}/{total}")
                results.append(self.fit_clip(project, clip))
            progress(1.0, "speech ready")
            return results

        def one(clip: Clip) -> FitResult:
            if cancel is not None:
                cancel.raise_if_cancelled()
            return self.fit_clip(project, clip)

        progress(0.0, f"speaking clip 1/{total}")
        with ThreadPoolExecutor(workers, thread_name_prefix="speech") as pool:
            futures = [pool.submit(one, clip) for clip in clips]
            try:
                for done, future in enumerate(as_completed(futures), 1):
                    future.result()  # the first failure (or cancel) stops the rest
                    progress(done / total, f"speaking clip {min(done + 1, total)}/{total}")
                    if cancel is not None:
                        cancel.raise_if_cancelled()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        progress(1.0, "speech ready")
        return [f.result() for f in futures]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()


_shared: Speaker | None = None
_shared_lock = threading.Lock()


def shared_speaker() -> Speaker:
    """One Speaker per process (one model / pyttsx3 worker per engine), created on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Speaker()
        return _shared
