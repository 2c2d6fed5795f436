"""Whether two renderings of a line are the same speech, as a listener hears it: Kokoro's rewritten models
compute the same values to float rounding, but its decoder carries the phase of its harmonic source, so a
last-bit change moves later samples (moving the voice style by one part in ten million does the same to the
shipped model). Compared instead: the length to the sample, the band spectrum, the brightness, the level."""

from __future__ import annotations

import numpy as np


def band_levels(samples: np.ndarray) -> np.ndarray:
    """Energy in 36 log-spaced bands per 43 ms frame, in dB."""
    frames = np.lib.stride_tricks.sliding_window_view(samples, 1024)[::256] * np.hanning(1024)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    edges = np.unique(np.geomspace(2, power.shape[1] - 1, 41).astype(int))
    return np.asarray(10 * np.log10(np.add.reduceat(power, edges, axis=1) + 1e-8))


def high_share_db(samples: np.ndarray) -> float:
    """The share of voiced energy above 7 kHz, in dB: brightness and hiss."""
    frames = np.lib.stride_tricks.sliding_window_view(samples, 1024)[::256] * np.hanning(1024)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    voiced = power.sum(axis=1) > power.sum(axis=1).max() * 1e-2
    high = np.fft.rfftfreq(1024, 1 / 24000) > 7000
    return float(10 * np.log10(power[voiced][:, high].sum() / power[voiced].sum()))


def assert_same_speech(a: np.ndarray, b: np.ndarray, what: object = "") -> None:
    """The same length to the sample; bands within 1.8 dB on average where the speech is (the shipped model
    against itself with its style moved by 1e-7: about 0.8-1.2 dB); brightness within 0.6 dB; level within
    5%. A wrong scale, bias or activation moves the bands by several dB."""
    assert a.size == b.size and a.size > 12000, (what, a.size, b.size)
    la, lb = band_levels(a), band_levels(b)
    loud = lb > lb.max() - 60
    spread = float(np.abs(la - lb)[loud].mean())
    assert spread < 1.8, (what, spread)
    assert abs(high_share_db(a) - high_share_db(b)) < 0.6, what
    assert abs(float(np.sqrt(np.mean(a**2))) / float(np.sqrt(np.mean(b**2))) - 1) < 0.05, what
