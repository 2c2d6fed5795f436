"""E-SyncVidStory-shaped JSONL (dev.jsonl): strict reading with line numbers, requests, results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core import defaults
from core.errors import InputError
from core.labels import canonical_label
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest
from core.parsing import get_int, get_text, parse_json, shown
from core.project import Product
from core.user_files import read_user_text


def read_jsonl(path: Path, *, need_budget: bool = True) -> list[dict[str, Any]]:
    """Videos from a JSONL file; any malformed line is an InputError naming the file and line."""
    raw = read_user_text(path, "file")
    videos = []
    for no, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{shown(path)}:{no}"
        video = parse_json(line, where, InputError, bad_json="not valid JSON ({msg})")
        _check_video(video, where, need_budget)
        videos.append(video)
    return videos


MAX_CHARS = 10_000  # a clip's character budget; real clips need a few dozen


def _check_video(video: Any, where: str, need_budget: bool) -> None:
    """Every field later code reads has its JSON type and range (total parsing: no exception but InputError)."""
    if not isinstance(video, dict):
        raise InputError(f"{where}: expected a JSON object")
    vid = video.get("id")
    if vid is not None and (isinstance(vid, bool) or not isinstance(vid, (str, int))):
        raise InputError(f"{where}: 'id' must be text or a whole number")
    _check_product(video.get("product"), where)
    clips = video.get("clips")
    if not isinstance(clips, list):
        raise InputError(f"{where}: 'clips' must be a list")
    for k, clip in enumerate(clips):
        if not isinstance(clip, dict):
            raise InputError(f"{where}: clip {k} must be an object")
        get_int(clip, "index", k, f"{where}: clip {k}", InputError, lo=0, hi=1_000_000)
        get_text(clip, "narration", "", f"{where}: clip {k}", InputError)
        labels = clip.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise InputError(f"{where}: clip {k}: 'labels' must be a list of text")
        if not need_budget:
            continue
        lo, hi = clip.get("chars_min"), clip.get("chars_max")
        if not isinstance(lo, int) or not isinstance(hi, int) or isinstance(lo, bool) or isinstance(hi, bool):
            raise InputError(f"{where}: clip {k}: 'chars_min' and 'chars_max' must be integers")
        if hi > MAX_CHARS:
            raise InputError(f"{where}: clip {k}: chars_max {hi} is more than {MAX_CHARS}")
        if hi < lo:
            raise InputError(f"{where}: clip {k}: chars_max {hi} is smaller than chars_min {lo}")
        if lo < 0:
            raise InputError(f"{where}: clip {k}: chars_min must not be negative")


def _check_product(product: Any, where: str) -> None:
    if product is None:
        return
    if not isinstance(product, dict):
        raise InputError(f"{where}: 'product' must be an object")
    name = product.get("name")
    if name is not None and not isinstance(name, str):
        raise InputError(f"{where}: product 'name' must be text")
    attrs = product.get("attributes")
    if attrs is not None and (
        not isinstance(attrs, dict) or not all(v is None or isinstance(v, str) for v in attrs.values())
    ):
        raise InputError(f"{where}: product 'attributes' must map names to text")


def product_of(video: dict[str, Any], where: str = "product") -> Product:
    """The product, tolerant of a missing name or attributes (a generic narration is still written)."""
    p = video.get("product") or {}
    if not isinstance(p, dict):
        raise InputError(f"{where}: 'product' must be an object")
    name = p.get("name") or ""
    attrs = p.get("attributes") or {}
    if not isinstance(name, str):
        raise InputError(f"{where}: product 'name' must be text")
    if not isinstance(attrs, dict):
        raise InputError(f"{where}: product 'attributes' must be an object")
    spoken = p.get("spoken_name") or ""
    if not isinstance(spoken, str):
        raise InputError(f"{where}: product 'spoken_name' must be text")
    return Product(
        name=name,
        attributes={str(k): str(v) for k, v in attrs.items() if v is not None},
        spoken_name=spoken.strip(),
    )


def video_request(
    video: dict[str, Any],
    storyline: str = "predict",
    rate_cps: float = defaults.RATE_CPS,
    seed: int = 0,
    where: str = "video",
) -> NarrationRequest:
    """A NarrationRequest from one dataset video; `narration` fields are never read."""
    clips = []
    for k, c in enumerate(video.get("clips", [])):
        labels: tuple[str, ...] = ()
        if storyline == "given":
            labels = tuple(x for x in (canonical_label(str(s)) for s in c.get("labels", [])) if x)
        lo, hi = int(c["chars_min"]), int(c["chars_max"])
        duration = round((lo + hi) / 2 / rate_cps * 1000)
        clips.append(
            ClipRequest(
                index=int(c.get("index", k)), duration_ms=duration, chars_min=lo, chars_max=hi, labels=labels
            )
        )
    return NarrationRequest(
        product=product_of(video, where), clips=tuple(clips), rate_cps=rate_cps, seed=seed
    )


def result_row(video: dict[str, Any], lines: Sequence[ClipNarration]) -> dict[str, Any]:
    return {
        "id": video.get("id"),
        "clips": [{"index": n.index, "labels": list(n.labels), "narration": n.text} for n in lines],
    }
