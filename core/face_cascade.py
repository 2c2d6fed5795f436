"""Viola-Jones face detection with OpenCV's Haar frontal-face cascade, evaluated in numpy.

The visual cues need one answer per frame (is there a face?), on 160-pixel frames. OpenCV did this with
151 MiB of the package (its video I/O libraries included); the same cascade file (Intel License, shipped in
resources/cascades) evaluated here with integral images gives the same kind of answer from numpy alone.
It follows OpenCV 4's CascadeClassifier.detectMultiScale: the image scaled down by `scale_factor` per step,
24x24 windows every 2 pixels (every pixel past 2x), each window's features divided by its standard deviation,
stumps summed per stage, and detections grouped (OpenCV's groupRectangles, eps 0.2): a face is a group of
more than `min_neighbors` windows.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.platform import resources_dir

CASCADE_FILE = "cascades/haarcascade_frontalface_default.xml"


@dataclass(frozen=True)
class Stage:
    threshold: float
    features: np.ndarray  # (K,) feature index of each stump
    thresholds: np.ndarray  # (K,)
    left: np.ndarray  # (K,) value when the feature is below its threshold
    right: np.ndarray  # (K,)


@dataclass(frozen=True)
class Cascade:
    width: int
    height: int
    stages: tuple[Stage, ...]
    rects: np.ndarray  # (F, 3, 4) x, y, w, h of up to three rectangles per feature (unused: zeros)
    weights: np.ndarray  # (F, 3)


def _numbers(text: str | None) -> list[float]:
    return [float(v) for v in (text or "").split()]


def load_cascade(path: Path) -> Cascade:
    """A stump-based HAAR cascade in OpenCV's XML format (ValueError when it is not one)."""
    root = ET.parse(path).getroot()
    node = root.find("cascade")
    if node is None or (node.findtext("featureType") or "").strip() != "HAAR":
        raise ValueError(f"{path}: not an OpenCV HAAR cascade")
    width, height = int(node.findtext("width") or 0), int(node.findtext("height") or 0)
    stages = []
    for st in node.findall("stages/_"):
        nodes = [_numbers(w.findtext("internalNodes")) for w in st.findall("weakClassifiers/_")]
        leaves = [_numbers(w.findtext("leafValues")) for w in st.findall("weakClassifiers/_")]
        if any(len(n) != 4 or len(leaf) != 2 for n, leaf in zip(nodes, leaves)):
            raise ValueError(f"{path}: only stump cascades are supported")
        stages.append(
            Stage(
                float(st.findtext("stageThreshold") or 0),
                np.array([int(n[2]) for n in nodes], np.intp),
                np.array([n[3] for n in nodes], np.float64),
                np.array([leaf[0] for leaf in leaves], np.float64),
                np.array([leaf[1] for leaf in leaves], np.float64),
            )
        )
    feats = node.findall("features/_")
    rects = np.zeros((len(feats), 3, 4), np.intp)
    weights = np.zeros((len(feats), 3), np.float64)
    for i, feat in enumerate(feats):
        for j, r in enumerate(feat.findall("rects/_")[:3]):
            x, y, w, h, weight = _numbers(r.text)
            rects[i, j] = (int(x), int(y), int(w), int(h))
            weights[i, j] = weight
    if not stages or width <= 2 or height <= 2:
        raise ValueError(f"{path}: an empty cascade")
    return Cascade(width, height, tuple(stages), rects, weights)


@functools.lru_cache(maxsize=1)
def frontal_face() -> Cascade | None:
    """The shipped frontal-face cascade (parsed once), or None when the file is missing or unreadable."""
    path = resources_dir() / CASCADE_FILE
    try:
        return load_cascade(path)
    except (OSError, ValueError, ET.ParseError):
        return None


def resize_linear(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear resize with pixel centres aligned (OpenCV's INTER_LINEAR), as float64."""
    h, w = img.shape
    ys = np.clip((np.arange(height) + 0.5) * (h / height) - 0.5, 0, h - 1)
    xs = np.clip((np.arange(width) + 0.5) * (w / width) - 0.5, 0, w - 1)
    y0, x0 = ys.astype(np.intp), xs.astype(np.intp)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    src = img.astype(np.float64)
    top = src[y0][:, x0] * (1 - fx) + src[y0][:, x1] * fx
    bottom = src[y1][:, x0] * (1 - fx) + src[y1][:, x1] * fx
    out: np.ndarray = np.rint(top * (1 - fy) + bottom * fy)
    return out


def _integral(img: np.ndarray) -> np.ndarray:
    out = np.zeros((img.shape[0] + 1, img.shape[1] + 1), np.float64)
    out[1:, 1:] = img.cumsum(0).cumsum(1)
    return out


def _windows(cascade: Cascade, img: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-left corners (x, y) of the windows of `img` that pass every stage."""
    cw, ch = cascade.width, cascade.height
    h, w = img.shape
    ys, xs = np.mgrid[0 : h - ch + 1 : step, 0 : w - cw + 1 : step]
    xs, ys = xs.ravel(), ys.ravel()
    s, sq = _integral(img), _integral(img * img)

    def box(table: np.ndarray, x: np.ndarray, y: np.ndarray, rw: np.ndarray | int, rh: np.ndarray | int) -> np.ndarray:
        return table[y + rh, x + rw] - table[y, x + rw] - table[y + rh, x] + table[y, x]  # type: ignore[no-any-return]

    area = (cw - 2) * (ch - 2)
    total = box(s, xs + 1, ys + 1, cw - 2, ch - 2)
    squares = box(sq, xs + 1, ys + 1, cw - 2, ch - 2)
    spread = area * squares - total * total
    norm = np.where(spread > 0, np.sqrt(np.maximum(spread, 0)), 1.0)
    for stage in cascade.stages:
        if xs.size == 0:
            break
        r = cascade.rects[stage.features]  # (K, 3, 4)
        x = xs[:, None, None] + r[None, :, :, 0]
        y = ys[:, None, None] + r[None, :, :, 1]
        sums = box(s, x, y, r[None, :, :, 2], r[None, :, :, 3])  # (M, K, 3)
        value = (sums * cascade.weights[stage.features][None]).sum(axis=2)
        votes = np.where(value < stage.thresholds[None, :] * norm[:, None], stage.left, stage.right).sum(axis=1)
        keep = votes >= stage.threshold
        xs, ys, norm = xs[keep], ys[keep], norm[keep]
    return xs, ys


def detect(
    cascade: Cascade, gray: np.ndarray, scale_factor: float = 1.2, min_size: int = 16
) -> list[tuple[int, int, int, int]]:
    """Every window (x, y, w, h) that passes the cascade, at every scale, before grouping."""
    h, w = gray.shape
    found: list[tuple[int, int, int, int]] = []
    factor = 1.0
    while True:
        win_w, win_h = round(cascade.width * factor), round(cascade.height * factor)
        sw, sh = round(w / factor), round(h / factor)
        if sw <= cascade.width or sh <= cascade.height:
            break
        if win_w >= min_size and win_h >= min_size:
            img = resize_linear(gray, sw, sh) if factor > 1.0 else gray.astype(np.float64)
            xs, ys = _windows(cascade, img, 1 if factor > 2 else 2)
            found += [(round(x * factor), round(y * factor), win_w, win_h) for x, y in zip(xs.tolist(), ys.tolist())]
        factor *= scale_factor
    return found


def groups(rects: list[tuple[int, int, int, int]], min_neighbors: int, eps: float = 0.2) -> list[int]:
    """Sizes of the groups of similar windows with more than `min_neighbors` members (groupRectangles)."""
    parent = list(range(len(rects)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (x1, y1, w1, h1) in enumerate(rects):
        for j in range(i):
            x2, y2, w2, h2 = rects[j]
            delta = eps * (min(w1, w2) + min(h1, h2)) * 0.5
            if (
                abs(x1 - x2) <= delta
                and abs(y1 - y2) <= delta
                and abs(x1 + w1 - x2 - w2) <= delta
                and abs(y1 + h1 - y2 - h2) <= delta
            ):
                parent[root(i)] = root(j)
    counts: dict[int, int] = {}
    for i in range(len(rects)):
        counts[root(i)] = counts.get(root(i), 0) + 1
    return [n for n in counts.values() if n > min_neighbors]


def has_face(cascade: Cascade, gray: np.ndarray, min_neighbors: int = 4) -> bool:
    """True when a group of more than `min_neighbors` windows finds a face (OpenCV's default grouping)."""
    return bool(groups(detect(cascade, gray), min_neighbors))
