"""The committed narrator resource is what the build script makes from ../shared (byte for byte)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "esync"


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_narrator_resource", ROOT / "scripts" / "build_narrator_resource.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (DATA / "dev.jsonl").is_file(), reason="../shared/data/esync is not available")
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    written = _build_module().build(DATA, tmp_path)
    for path in written:
        committed = ROOT / "resources" / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale: run scripts/build_narrator_resource.py"
        )


def test_resource_is_compact_and_loads() -> None:
    from core.narration.embedded import resource_path
    from core.narration.resource import decode_resource

    path = resource_path()
    assert path.stat().st_size < 3_000_000
    resource = decode_resource(path.read_bytes())
    assert len(resource["labels"]) == 12 and len(resource["fluency"]) > 50_000
    assert len(resource["products"]) == len(resource["planner"]["product_labels"])


def test_build_accepts_a_subset_of_videos() -> None:
    from core.narration.embedded import EmbeddedNarrator
    from core.narration.learn import build_resource
    from core.narration.resource import encode_resource

    videos = [
        {
            "id": str(i),
            "product": {"name": f"品牌{i}面霜", "attributes": {"功效": "补水、保湿", "质地": "清爽"}},
            "clips": [
                {
                    "index": 0,
                    "chars_min": 8,
                    "chars_max": 14,
                    "labels": ["产品推荐"],
                    "narration": f"今天推荐品牌{i}面霜。",
                },
                {
                    "index": 1,
                    "chars_min": 9,
                    "chars_max": 15,
                    "labels": ["产品功效"],
                    "narration": "它能补水，效果很好。",
                },
                {
                    "index": 2,
                    "chars_min": 9,
                    "chars_max": 15,
                    "labels": ["其他"],
                    "narration": "赶紧点击链接下单吧。",
                },
            ],
        }
        for i in range(3)
    ]
    resource = build_resource(videos)
    assert encode_resource(resource) == encode_resource(build_resource(videos))
    assert resource["fluency"]["^今天"] == 3  # the narrations' character n-grams, with start marks
    from core.narration.base import ClipRequest, NarrationRequest
    from core.project import Product

    lines = EmbeddedNarrator(resource=resource).narrate(
        NarrationRequest(
            Product("新品牌面霜", {"功效": "控油"}), (ClipRequest(1, 0, chars_min=8, chars_max=12),)
        )
    )
    assert 8 <= len(lines[0].text) <= 12
