"""The narration track: fitted lines placed at their offsets on the video's timeline, normalized.

Built in numpy so placement is sample-exact; the loudness is measured by ffmpeg's EBU R128 meter and
corrected with one linear gain (no dynamic processing that could smear speech across clip edges).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.ffmpeg_exec import run_ffmpeg
from core.project import Project
from core.speech import FitResult
from core.speech.audio import read_wav, resample, write_wav

TARGET_LUFS = -16.0
PEAK_LIMIT = 0.89  # about -1 dBFS
TRACK_RATE = 24000  # the neural voice's native rate (Kokoro); other voices are resampled to it


@dataclass(frozen=True)
class Placement:
    """One spoken line on the timeline."""

    clip_index: int
    start_ms: int
    end_ms: int
    text: str


def measure_lufs(path: Path) -> float | None:
    """Integrated loudness of a WAV in LUFS (None when silent or unmeasurable)."""
    proc = run_ffmpeg(["-i", str(path), "-af", "ebur128", "-f", "null", "-"], timeout=300)
    text = proc.stderr.decode("utf-8", "replace")
    summary = text[text.rfind("Summary:") :] if "Summary:" in text else ""
    m = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    if not m or m.group(1) == "-inf":
        return None
    value = float(m.group(1))
    return value if value > -70 else None


def speech_pauses(wav: Path, min_ms: int = 60, below_db: float = 30.0) -> list[int]:
    """Middles (ms from the start) of the pauses in a spoken line: 10 ms frames `below_db` under the
    loudest, at least `min_ms` long (the subtitle cues of a long line change there)."""
    samples, rate = read_wav(wav)
    frame = max(1, rate // 100)
    n = samples.size // frame
    if n == 0:
        return []
    rms = np.sqrt(np.mean(np.square(samples[: n * frame].reshape(n, frame), dtype=np.float64), axis=1))
    level = 20 * np.log10(np.maximum(rms, 1e-9))
    quiet = level < level.max() - below_db
    pauses: list[int] = []
    start = None
    for i, q in enumerate([*quiet.tolist(), False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (
                i - start >= round(min_ms * rate / (frame * 1000)) and start > 0 and i < n
            ):  # inner pauses only
                pauses.append(round((start + i) / 2 * frame * 1000 / rate))
            start = None
    return pauses


def build_track(
    project: Project, fits: Sequence[FitResult | None], duration_ms: int, out: Path
) -> list[Placement]:
    """Write the narration WAV (mono 16-bit, `duration_ms` long) and return where each line sits."""
    track, placements = place_lines(project, fits, duration_ms)
    write_track(out, track, placements)
    return placements


def place_lines(
    project: Project, fits: Sequence[FitResult | None], duration_ms: int
) -> tuple[np.ndarray, list[Placement]]:
    """The narration track's samples (TRACK_RATE, not yet normalized) and where each line sits.

    Apart from `write_track` so the export knows the subtitles' times (and can start the video encode)
    before the track is normalized, which runs ffmpeg's meter."""
    total = round(duration_ms * TRACK_RATE / 1000)
    track = np.zeros(total, dtype=np.float32)
    placements: list[Placement] = []
    for i, (clip, fit) in enumerate(zip(project.clips, fits)):
        if fit is None or fit.wav is None or not fit.fits or not fit.text:
            continue
        samples, rate = read_wav(fit.wav)
        samples = resample(samples, rate, TRACK_RATE)
        start_ms = clip.start_ms + fit.offset_ms
        first = round(start_ms * TRACK_RATE / 1000)
        # never past the clip's end (the fit guarantees this; the clamp keeps rounding honest)
        last = min(total, round((clip.end_ms - project.speech.tail_ms) * TRACK_RATE / 1000))
        n = max(0, min(samples.size, last - first))
        if n == 0:
            continue
        track[first : first + n] += samples[:n]
        placements.append(Placement(i, start_ms, start_ms + round(n * 1000 / TRACK_RATE), fit.text))
    return track, placements


def write_track(out: Path, track: np.ndarray, placements: Sequence[Placement]) -> None:
    """Write `place_lines`'s samples as the narration WAV, normalized when anything is spoken."""
    write_wav(out, track, TRACK_RATE)
    if placements:
        normalize(out, track)


def limit_peaks(samples: np.ndarray, limit: float = PEAK_LIMIT, block: int = 110) -> np.ndarray:
    """Smooth peak limiter: per-5 ms-block gain, widened to neighbours and interpolated, then a hard clip.

    Speech synthesizers leave sparse peaks well above their loudness, so reaching -16 LUFS by gain
    alone would clip; this takes the peaks down without touching the quiet parts.
    """
    n = samples.size
    if n == 0:
        return samples
    blocks = -(-n // block)
    padded = np.zeros(blocks * block, dtype=np.float32)
    padded[:n] = np.abs(samples)
    peaks = padded.reshape(blocks, block).max(axis=1)
    gains = np.minimum(1.0, limit / np.maximum(peaks, 1e-9))
    widened = np.minimum(gains, np.minimum(np.roll(gains, 1), np.roll(gains, -1)))
    centers = np.arange(blocks) * block + block / 2
    envelope = np.interp(np.arange(n), centers, widened).astype(np.float32)
    limited: np.ndarray = np.clip(samples * envelope, -limit, limit)
    return limited


def normalize(path: Path, track: np.ndarray) -> None:
    """Bring the track to TARGET_LUFS (gain + peak limiting), measured twice to settle the limiter's loss."""
    current = track
    for _ in range(2):
        loudness = measure_lufs(path)
        if loudness is None or abs(loudness - TARGET_LUFS) < 0.5:
            return
        current = limit_peaks(current * 10 ** ((TARGET_LUFS - loudness) / 20))
        write_wav(path, current, TRACK_RATE)
