"""`./run bench NAME [ARGS]`: run tests/bench/bench_NAME.py's main(argv). Benchmarks are never part of `./run test`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    available = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "tests" / "bench").glob("bench_*.py"))
    if not argv or argv[0] not in available:
        print(f"usage: ./run bench {{{','.join(available)}}} [ARGS]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"tests.bench.bench_{argv[0]}")
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
