"""Small WAV helpers on numpy: read/write 16-bit PCM, trim silence, resample, time-stretch via ffmpeg."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from core.errors import ExportError
from core.ffmpeg_exec import run_ffmpeg


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and the sample rate (multi-channel input is averaged)."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"{path}: unsupported sample width {width}")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data, rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Mono 16-bit PCM."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(pcm.tobytes())
    return Path(path)


def wav_duration_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return round(w.getnframes() * 1000 / w.getframerate())


def trim_silence(samples: np.ndarray, rate: int, threshold_db: float = -45.0, pad_ms: int = 15) -> np.ndarray:
    """Cut the engine's leading/trailing silence so measured durations are the speech itself."""
    if samples.size == 0:
        return samples
    threshold = 10 ** (threshold_db / 20)
    loud = np.nonzero(np.abs(samples) > threshold)[0]
    if loud.size == 0:
        return samples[:0]
    pad = rate * pad_ms // 1000
    return samples[max(0, loud[0] - pad) : min(samples.size, loud[-1] + pad + 1)]


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Linear resampling; only used when two voices differ in sample rate."""
    if rate == target or samples.size == 0:
        return samples
    n = round(samples.size * target / rate)
    x = np.linspace(0, samples.size - 1, n)
    resampled: np.ndarray = np.interp(x, np.arange(samples.size), samples).astype(np.float32)
    return resampled


def time_stretch(src: Path, dst: Path, tempo: float) -> Path:
    """Speed speech up by `tempo` (pitch kept) with ffmpeg's atempo."""
    args = ["-y", "-i", str(src), "-af", f"atempo={tempo:.4f}", "-ac", "1", "-c:a", "pcm_s16le", str(dst)]
    proc = run_ffmpeg(
        args, timeout=120, timeout_error=lambda _s: ExportError("time-stretching speech took too long")
    )
    if proc.returncode != 0:
        raise ExportError(f"time-stretching speech failed: {proc.stderr.decode('utf-8', 'replace')[-300:]}")
    return dst
