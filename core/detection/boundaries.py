"""One boundary per transition: the detectors' findings merged, and clips kept to a minimum length.

Why a merge step: the detectors overlap. A fade may hold a steep step that looks like a cut (the fade
wins); a "dissolve" around a hard cut is the blend test straddling the cut (the cut wins); a fade's
dark run and its blend run are one transition (the stronger stays).
"""

from __future__ import annotations

from core.detection.cuts import hard_cuts
from core.detection.dissolves import dissolve_candidates, judge_dissolves
from core.detection.fades import fade_candidates, judge_fades
from core.detection.features import Features, Transition
from core.detection.params import Params


def gradual(ft: Features, fps: float, p: Params, cuts: list[int]) -> list[Transition]:
    """Fades and dissolves, each candidate judged against the shots around it (the other candidates and
    the hard `cuts` bound those shots)."""
    fade_runs = fade_candidates(ft, fps, cuts)
    blend_runs = dissolve_candidates(ft, fps, p)
    spans = [(c.first, c.last) for c in fade_runs] + blend_runs
    fades = judge_fades(ft, p, cuts, fade_runs, spans)
    return fades + judge_dissolves(ft, p, cuts, blend_runs, spans, fades)


def boundaries(ft: Features, fps: float, p: Params) -> list[tuple[int, float, str]]:
    """All boundaries (frame, strength, kind), one per transition, sorted by frame."""
    hard = hard_cuts(ft, fps, p)
    grad = gradual(ft, fps, p, [t for t, _ in hard])
    near = max(2, round(0.5 * fps))
    fades = [g for g in grad if g.kind == "fade"]
    # A fade may hold a steep step that looks like a cut: the fade wins. A "dissolve" around a hard
    # cut is the blend test straddling the cut: the cut wins.
    cuts = [(t, st) for t, st in hard if not any(g.first - near <= t <= g.last + near for g in fades)]
    pad = near // 2  # no shot is that short: a blend run touching a cut is the cut's doing
    dissolves = [
        g
        for g in grad
        if g.kind == "dissolve" and not any(g.first - pad <= t <= g.last + 1 + pad for t, _ in cuts)
    ]
    merged: list[tuple[int, float, str]] = [(g.mid, g.strength, g.kind) for g in fades + dissolves]
    merged += [(t, strength, "cut") for t, strength in cuts]
    merged.sort()
    # Overlapping gradual detections (dark run and blend run of one fade): keep the stronger.
    out: list[tuple[int, float, str]] = []
    for b in merged:
        if out and b[0] - out[-1][0] <= near and b[2] != "cut" and out[-1][2] != "cut":
            if b[1] > out[-1][1] and out[-1][2] != "fade":
                out[-1] = b
            continue
        out.append(b)
    return out


def enforce_min_length(
    bounds: list[tuple[int, float, str]], duration_ms: int, min_clip_ms: int
) -> list[tuple[int, float, str]]:
    """Drop the weaker boundary of the shortest too-short clip until every clip is long enough."""
    bounds = list(bounds)
    while bounds:
        edges = [0, *[b[0] for b in bounds], duration_ms]
        lengths = [edges[i + 1] - edges[i] for i in range(len(edges) - 1)]
        i = min(range(len(lengths)), key=lengths.__getitem__)
        if lengths[i] >= min_clip_ms:
            break
        if i == 0:
            drop = 0
        elif i == len(lengths) - 1:
            drop = len(bounds) - 1
        else:
            drop = i - 1 if bounds[i - 1][1] <= bounds[i][1] else i
        del bounds[drop]
    return bounds
