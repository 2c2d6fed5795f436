"""The embedded narrator's resource file (resources/narrator/embedded.json.gz): its format and codec.

Why its own module: the training module (learn.py) writes it and the narrator reads it at run time; the
runtime imports this, never the trainer (issue #26). Deterministic gzip'd JSON (fixed mtime, sorted keys)
so a rebuild is byte-identical and the committed file can be checked against one.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from typing import Any

FORMAT = 2
"""The resource's "format" field: bumped when its shape changes."""


def encode_resource(resource: Mapping[str, Any]) -> bytes:
    """Deterministic gzip'd JSON (fixed mtime, sorted keys) so rebuilds are byte-identical."""
    data = json.dumps(resource, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return gzip.compress(data, compresslevel=9, mtime=0)


def decode_resource(blob: bytes) -> dict[str, Any]:
    """The resource's data; raises OSError (not gzip) or ValueError (not JSON, not UTF-8)."""
    resource: dict[str, Any] = json.loads(gzip.decompress(blob).decode("utf-8"))
    return resource
