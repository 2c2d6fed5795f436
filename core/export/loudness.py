"""The final mix: the original sound ducked under the narration, brought to a loudness target and
through a true-peak limiter, so every export meets what short-video platforms normalise to.

- Ducking: while a line is spoken the original sits at least `SPEECH_OVER_ORIGINAL_DB` below the speech
  (and at least the project's duck level below itself); it goes down over `DUCK_ATTACK_S` before the
  line and comes back over `DUCK_RELEASE_S` (raised-cosine ramps in dB), and stays down across short
  gaps between lines, so nothing pumps.
- Loudness: integrated loudness measured by a BS.1770 meter (numpy), one gain to the
  target (-14 LUFS by default), then a look-ahead true-peak limiter (4x oversampled peak detection) with
  its ceiling under -1 dBTP; measured again and corrected until it settles. The encoded sound is
  measured by ffmpeg's `ebur128` for the report.
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import defaults
from core.errors import ExportError
from core.ffmpeg_exec import run_ffmpeg
from core.jobs import CancelToken
from core.output_guard import display_path

MIX_RATE = 48000
DEFAULT_TARGET_LUFS = defaults.LOUDNESS_LUFS  # re-exported under the names core.export's callers use
LOUDNESS_TARGETS = defaults.LOUDNESS_TARGETS
TRUE_PEAK_MAX_DBTP = -1.0
"""No export has a true peak above this."""
LIMITER_CEILING_DBTP = -2.0
"""The limiter's ceiling: 1 dB under the promise for the AAC encoder's overshoot."""
SPEECH_OVER_ORIGINAL_DB = 12.0
DUCK_ATTACK_S = 0.15
DUCK_RELEASE_S = 0.45
DUCK_HOLD_GAP_S = 0.8
"""Lines closer than this keep the original down between them (no pumping)."""


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float | None
    true_peak_dbtp: float | None
    lra: float | None = None

    def to_json(self) -> dict[str, float | None]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 2)

        return {
            "integrated_lufs": r(self.integrated_lufs),
            "true_peak_dbtp": r(self.true_peak_dbtp),
            "loudness_range_lu": r(self.lra),
        }


# ---------------------------------------------------------------------------------------------
# measuring (ffmpeg ebur128, its per-frame metadata)


def _number(value: object) -> float | None:
    try:
        x = float(str(value))
    except ValueError:
        return None
    return x if np.isfinite(x) and x > -70 else None


_METER_KEYS = {"lavfi.r128.I": "i", "lavfi.r128.LRA": "lra", "lavfi.r128.true_peak": "tp"}


def parse_ebur128_metadata(text: str) -> Loudness:
    """The last values of ebur128's running integrated loudness, loudness range and true peak (linear;
    both are over everything measured so far), as `ametadata=print` writes them; none for sound too short
    to have a block (loudnorm said -inf there: the report shows no figure, as for silence)."""
    last: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key in _METER_KEYS:
            last[_METER_KEYS[key]] = value
    if "i" not in last:  # sound shorter than the meter's first block (a one-frame video): nothing to measure
        return Loudness(None, None)
    peak = _number(last.get("tp"))
    peak_db = None if peak is None or peak <= 0 else _number(20 * np.log10(peak))
    return Loudness(_number(last["i"]), peak_db, _number(last.get("lra")))


def _run_meter(args: list[str], cancel: CancelToken | None = None) -> Loudness:
    """BS.1770 integrated loudness, loudness range and 4x-oversampled true peak by ffmpeg's ebur128: a
    fifth of the CPU of `loudnorm`'s analysis (which resamples to 192 kHz first), within 0.1 LU of it."""
    proc = run_ffmpeg(
        [
            *("-v", "error", "-nostats", *args),
            *("-af", "ebur128=peak=true:metadata=1,ametadata=mode=print:file=-", "-f", "null", "-"),
        ],
        timeout=900,
        cancel=cancel,
        stdout_to=subprocess.PIPE,
    )
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise ExportError(f"ffmpeg could not measure loudness: {tail[0]}")
    return parse_ebur128_metadata(proc.stdout.decode("ascii", "replace"))


def measure_samples(samples: np.ndarray, rate: int = MIX_RATE, cancel: CancelToken | None = None) -> Loudness:
    """Loudness of float samples (n,) or (n, channels), by ffmpeg (through a temporary raw file)."""
    x = np.ascontiguousarray(samples, dtype="<f4")
    channels = 1 if x.ndim == 1 else x.shape[1]
    if x.size == 0:
        return Loudness(None, None)
    fd, name = tempfile.mkstemp(prefix="syncnarrator-loudness-", suffix=".f32")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(x.tobytes())
        return _run_meter(["-f", "f32le", "-ar", str(rate), "-ac", str(channels), "-i", name], cancel)
    finally:
        Path(name).unlink(missing_ok=True)


def measure_file(path: Path, cancel: CancelToken | None = None) -> Loudness:
    """Loudness of the first audio stream of a media file."""
    return _run_meter(["-i", str(path), "-map", "0:a:0"], cancel)


# ---------------------------------------------------------------------------------------------
# decoding and ducking


def decode_audio(
    path: Path,
    duration_ms: int,
    rate: int = MIX_RATE,
    *,
    work: Path | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """The first audio stream as (n, 2) float32 at `rate`, padded or cut to `duration_ms`."""
    fd, name = tempfile.mkstemp(prefix=".syncnarrator-decode-", suffix=".f32", dir=work)
    try:
        with os.fdopen(fd, "wb") as raw:
            proc = run_ffmpeg(
                [
                    "-v",
                    "error",
                    "-i",
                    str(path),
                    "-map",
                    "0:a:0",
                    "-ac",
                    "2",
                    "-ar",
                    str(rate),
                    "-f",
                    "f32le",
                    "-",
                ],
                timeout=900,
                cancel=cancel,
                stdout_to=raw.fileno(),
            )
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
            raise ExportError(f"{display_path(path)}: cannot decode its sound ({msg[0]})")
        data = np.fromfile(name, dtype="<f4")
    finally:
        Path(name).unlink(missing_ok=True)
    data = data[: data.size // 2 * 2].reshape(-1, 2)
    n = round(duration_ms * rate / 1000)
    out = np.zeros((n, 2), dtype=np.float32)
    m = min(n, data.shape[0])
    out[:m] = data[:m]
    return out


def _rms_db(x: np.ndarray) -> float:
    if x.size == 0:
        return -120.0
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def merge_spans(
    spans: Sequence[tuple[float, float]], gap_s: float = DUCK_HOLD_GAP_S
) -> list[list[tuple[float, float]]]:
    """Spans (seconds) grouped where the gap between neighbours is shorter than `gap_s`."""
    groups: list[list[tuple[float, float]]] = []
    for s, e in sorted(spans):
        if groups and s - groups[-1][-1][1] < gap_s:
            groups[-1].append((s, e))
        else:
            groups.append([(s, e)])
    return groups


def duck_gains(
    original: np.ndarray,
    speech: np.ndarray,
    spans: Sequence[tuple[float, float]],
    duck_db: float,
    rate: int = MIX_RATE,
    over_db: float = SPEECH_OVER_ORIGINAL_DB,
) -> np.ndarray:
    """Per-sample gain for the original: 1 outside speech, smooth ramps, under the speech by `over_db`."""
    n = original.shape[0]
    env_db = np.zeros(n, dtype=np.float64)
    if duck_db >= 0 and over_db <= 0:
        return np.ones(n, dtype=np.float32)
    orig_mono = original.mean(axis=1) if original.ndim == 2 else original
    speech_mono = speech.mean(axis=1) if speech.ndim == 2 else speech
    attack, release = round(DUCK_ATTACK_S * rate), round(DUCK_RELEASE_S * rate)
    for group in merge_spans(spans):
        level = 0.0
        for s, e in group:
            a, b = max(0, round(s * rate)), min(n, round(e * rate))
            if b <= a:
                continue
            needed = _rms_db(speech_mono[a:b]) - over_db - 1.0 - _rms_db(orig_mono[a:b])
            level = min(level, duck_db, needed)
        level = max(level, -60.0)
        if level >= 0:
            continue
        a, b = max(0, round(group[0][0] * rate)), min(n, round(group[-1][1] * rate))
        seg_a, seg_b = max(0, a - attack), min(n, b + release)
        shape = np.ones(seg_b - seg_a)
        ramp_in = np.arange(seg_a, a) - (a - attack)
        shape[: a - seg_a] = 0.5 - 0.5 * np.cos(np.pi * ramp_in / attack)
        ramp_out = np.arange(b, seg_b) - b
        shape[b - seg_a :] = 0.5 + 0.5 * np.cos(np.pi * ramp_out / release)
        env_db[seg_a:seg_b] = np.minimum(env_db[seg_a:seg_b], level * shape)
    return (10 ** (env_db / 20)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# true-peak limiting and loudness


def _oversample_kernels(factor: int = 4, half: int = 16) -> list[np.ndarray]:
    k = np.arange(-half, half + 1)
    window = np.kaiser(2 * half + 1, 8.0)
    return [np.sinc(k - p / factor) * window for p in range(1, factor)]


_KERNELS = _oversample_kernels()


def sample_true_peaks(x: np.ndarray) -> np.ndarray:
    """Per sample, the largest |value| of the 4x oversampled signal around it, over all channels.

    Inter-sample peaks exceed the samples by at most ~3 dB, so only samples above -3.5 dB of the loudest
    are interpolated (windowed-sinc phases); elsewhere the sample value is the answer."""
    x2 = x if x.ndim == 2 else x[:, None]
    peaks: np.ndarray = np.abs(x2).max(axis=1).astype(np.float32)
    if peaks.size == 0:
        return peaks
    half = (_KERNELS[0].size - 1) // 2
    candidates = np.flatnonzero(peaks >= peaks.max() * 0.66)
    for start in range(0, candidates.size, 1 << 16):
        idx = candidates[start : start + (1 << 16)]
        for ch in range(x2.shape[1]):
            padded = np.pad(x2[:, ch], half)
            windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)[idx]
            for kernel in _KERNELS:
                # np.convolve flips the kernel: interpolating between samples i and i+1 reads it reversed
                np.maximum.at(peaks, idx, np.abs(windows @ kernel[::-1]).astype(np.float32))
    return peaks


# ITU-R BS.1770 K-weighting at 48 kHz: a high shelf, then a high pass (the standard's coefficients)
_K_SHELF = (np.array([1.53512485958697, -2.69169618940638, 1.19839281085285]),
            np.array([1.0, -1.69065929318241, 0.73248077421585]))  # fmt: skip
_K_HIGHPASS = (np.array([1.0, -2.0, 1.0]), np.array([1.0, -1.99004745483398, 0.99007225036621]))


def _fast_size(n: int) -> int:
    """The smallest 2-3-5-smooth length >= n (pocketfft is fastest on those)."""
    m = n
    while True:
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 1


@functools.lru_cache(maxsize=4)
def _k_gain(size: int) -> np.ndarray:
    w = np.exp(-1j * np.pi * np.arange(size // 2 + 1) / (size / 2))
    response = np.ones_like(w)
    for b, a in (_K_SHELF, _K_HIGHPASS):
        response *= np.polyval(b[::-1], w) / np.polyval(a[::-1], w)
    gain: np.ndarray = np.abs(response)[:, None]
    return gain


def _k_weighted_power(x: np.ndarray) -> np.ndarray:
    """Per channel, the K-weighted signal's power per sample (the filter applied by FFT, zero phase:
    phase does not change the energy of 400 ms blocks; 0.1 s of padding keeps the ends apart)."""
    n = x.shape[0]
    size = _fast_size(n + MIX_RATE // 10)
    filtered = np.fft.irfft(np.fft.rfft(x, size, axis=0) * _k_gain(size), size, axis=0)[:n]
    power: np.ndarray = filtered**2
    return power


def _gated_loudness(power: np.ndarray, rate: int) -> float | None:
    """BS.1770 gating over per-sample K-weighted powers (n, channels)."""
    block, step = round(0.4 * rate), round(0.1 * rate)
    if power.shape[0] < block:
        return None
    csum = np.vstack([np.zeros((1, power.shape[1])), np.cumsum(power, axis=0)])
    starts = np.arange(0, power.shape[0] - block + 1, step)
    z = (csum[starts + block] - csum[starts]) / block  # (blocks, channels) mean squares
    total = z.sum(axis=1)
    levels = -0.691 + 10 * np.log10(np.maximum(total, 1e-20))
    gated = levels > -70
    if not gated.any():
        return None
    relative = -0.691 + 10 * np.log10(total[gated].mean()) - 10
    final = gated & (levels > relative)
    return float(-0.691 + 10 * np.log10(total[final].mean()))


def integrated_loudness(x: np.ndarray, rate: int = MIX_RATE) -> float | None:
    """BS.1770-4 integrated loudness (LUFS) of (n, channels) samples at 48 kHz, or None when silent.

    The export's own fast meter for settling the gain; the file itself is measured by ffmpeg."""
    x2 = x if x.ndim == 2 else x[:, None]
    if x2.shape[0] < round(0.4 * rate):
        return None
    return _gated_loudness(_k_weighted_power(x2), rate)


def true_peak_dbtp(x: np.ndarray) -> float:
    if x.size == 0:
        return -120.0
    return float(20 * np.log10(max(float(sample_true_peaks(x).max()), 1e-9)))


def limiter_gain(x: np.ndarray, ceiling_db: float = LIMITER_CEILING_DBTP, rate: int = MIX_RATE) -> np.ndarray:
    """Look-ahead true-peak limiter's gain per sample: from the oversampled peaks per 2.5 ms block,
    widened to +-3 blocks (attack before the peak, release after) and interpolated, so it never jumps;
    a final scale keeps any residue between block centres under the ceiling."""
    n = x.shape[0]
    if n == 0:
        return np.ones(0, dtype=np.float32)
    ceiling = 10 ** (ceiling_db / 20)
    block = max(16, rate // 400)
    peaks = sample_true_peaks(x)
    blocks = -(-n // block)
    padded = np.zeros(blocks * block, dtype=np.float32)
    padded[:n] = peaks
    need = np.minimum(1.0, ceiling / np.maximum(padded.reshape(blocks, block).max(axis=1), 1e-9))
    widened = need.copy()
    for shift in (1, 2, 3):
        widened = np.minimum(widened, np.concatenate([need[shift:], np.ones(shift)]))
        widened = np.minimum(widened, np.concatenate([np.ones(shift), need[:-shift]]))
    centers = np.arange(blocks) * block + block / 2
    gain: np.ndarray = np.interp(np.arange(n), centers, widened).astype(np.float32)
    limited = x * (gain[:, None] if x.ndim == 2 else gain)
    peak = float(sample_true_peaks(limited).max())
    if peak > ceiling:
        gain *= np.float32(ceiling / peak)
    return gain


def limit_true_peak(
    x: np.ndarray, ceiling_db: float = LIMITER_CEILING_DBTP, rate: int = MIX_RATE
) -> np.ndarray:
    gain = limiter_gain(x, ceiling_db, rate)
    out: np.ndarray = (x * (gain[:, None] if x.ndim == 2 else gain)).astype(np.float32)
    return out


def master(
    mix: np.ndarray,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    ceiling_db: float = LIMITER_CEILING_DBTP,
    rate: int = MIX_RATE,
) -> tuple[np.ndarray, float | None]:
    """Gain to `target_lufs` and limit true peaks to `ceiling_db`; returns the mix and its loudness.

    The mix is K-weighted once; the limiter's gain changes slowly, so the loudness after gain and
    limiting is the gated loudness of those powers times the squared gain (no second filtering). The
    limiter takes a little loudness off the peaks, so the gain is corrected until it settles."""
    x = mix if mix.ndim == 2 else mix[:, None]
    if x.shape[0] < round(0.4 * rate):
        return limit_true_peak(mix, ceiling_db, rate), None
    power = _k_weighted_power(x)
    loudness = _gated_loudness(power, rate)
    if loudness is None:  # silence: nothing to bring up
        return limit_true_peak(mix, ceiling_db, rate), None
    gain_db = target_lufs - loudness
    envelope = np.ones(x.shape[0], dtype=np.float32)
    for _ in range(5):
        g = np.float32(10 ** (gain_db / 20))
        envelope = limiter_gain(x * g, ceiling_db, rate) * g
        measured = _gated_loudness(power * np.square(envelope, dtype=np.float64)[:, None], rate)
        if measured is None:
            break
        loudness = measured
        if abs(loudness - target_lufs) < 0.2:
            break
        gain_db += target_lufs - loudness
    out: np.ndarray = (x * envelope[:, None]).astype(np.float32)
    return (out if mix.ndim == 2 else out[:, 0]), loudness
