"""The detectors' tuned numbers in one place, and the thresholds the sensitivity setting scales.

Luma values are on the full-range 0..255 scale of the analysis thumbnails (black = 0); the numbers were
tuned on the detection benchmark (`./run bench detect`): change them there, not one detector at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

DARK_LUMA = 24.0  # mean luma of a "black" frame (0..255); limited-range black is 16
DARK_SPREAD = 12.0
FADE_STEP = 1.5  # luma change per frame that still counts as fading
FADE_TAIL_STEP = 1.0  # luma change over FADE_TAIL samples that still counts as the slow end of a fade
FADE_TAIL = 3
CUT_RAMP = 2  # samples of luma change next to a dark run that still belong to a hard cut into it
NORM_SPREAD = 40.0  # contrast of the normalised thumbnails (a typical picture's luma deviation)
BRIGHTNESS_SHARE = 0.4  # a "dissolve" keeping under 40% of its evidence without brightness is none
CHROMA_WEIGHT = 0.5  # a chroma (U + V) difference counts this much beside a luma difference
CHROMA_CUT_MIN = 4.0  # weighted colour difference a colour-only cut needs at least (full-range planes)


@dataclass(frozen=True)
class Params:
    """Thresholds scaled by sensitivity (0 = fewest cuts, 1 = most)."""

    cut_ratio: float
    cut_min: float
    blend_ratio: float
    span_min: float
    cross_ratio: float
    cross_min: float
    strong_cross: float

    @staticmethod
    def for_sensitivity(sensitivity: float) -> Params:
        s = min(max(sensitivity, 0.0), 1.0)
        m = 1.4 ** ((0.5 - s) * 2.0)  # 0 -> 1.4x stricter, 0.5 -> as tuned, 1 -> 1.4x laxer
        return Params(
            cut_ratio=2.5 * m,
            cut_min=7.0 * m,
            blend_ratio=0.3 / m,
            span_min=8.0 * m,
            cross_ratio=1.6 * m,
            cross_min=12.0 * m,
            strong_cross=35.0 * m,
        )
