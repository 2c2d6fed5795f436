"""Build resources/narrator/embedded.json.gz and resources/labels.json from ../shared/data/esync.

The narrator resource holds the storyline planner's tables, the products' text (the storyline prior), the
character n-gram counts of every narration (the writer's fluency model; the sentence bank's are counted when
the app loads it, so editing resources/narrator/bank/ needs no rebuild) and a few real lines per label for
the LLM narrator's prompt. The app never reads ../shared at run time.
Deterministic: the same dev.jsonl gives byte-identical files (tests check the committed ones).
Usage: .venv/bin/python scripts/build_narrator_resource.py [--data DIR] [--out RESOURCES_DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.narration.learn import build_resource, read_videos  # noqa: E402
from core.narration.resource import encode_resource  # noqa: E402


def build(data_dir: Path, out_dir: Path) -> list[Path]:
    """Write both resources; returns the paths written."""
    videos = read_videos(data_dir / "dev.jsonl")
    narrator = out_dir / "narrator" / "embedded.json.gz"
    narrator.parent.mkdir(parents=True, exist_ok=True)
    narrator.write_bytes(encode_resource(build_resource(videos)))
    labels = out_dir / "labels.json"
    labels.write_bytes((data_dir / "labels.json").read_bytes())
    return [narrator, labels]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "esync")
    ap.add_argument("--out", type=Path, default=ROOT / "resources")
    args = ap.parse_args(argv)
    for path in build(args.data, args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
