"""Where synthesized speech and calibrations are kept, so previews and re-exports never speak twice."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import wave
from pathlib import Path
from typing import Any

from core.platform import cache_dir as platform_cache_dir
from core.user_files import write_atomic


def cache_dir() -> Path:
    """$SYNCNARRATOR_CACHE_DIR, else the per-user cache folder of the platform (core.platform)."""
    return platform_cache_dir()


class SynthesisCache:
    """WAV files keyed by (engine, text, voice, rate, tempo); writes are atomic (temp + rename)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_dir() / "speech"
        self.root.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(engine: str, text: str, voice: str, rate: int, tempo: float) -> str:
        blob = json.dumps([engine, text, voice, int(rate), round(float(tempo), 4)], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.root / f"{key}.wav"

    def get(self, key: str) -> Path | None:
        """The cached WAV, or None; a damaged entry (crash, disk error) is removed so it is made again."""
        p = self.path(key)
        if not p.is_file():
            return None
        if _wav_is_whole(p):
            return p
        try:
            p.unlink()
        except OSError:
            pass
        return None

    def temp_path(self, key: str) -> Path:
        """A fresh temp file in the cache folder to write into before `commit`."""
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".wav", dir=self.root)
        os.close(fd)
        return Path(tmp)

    def commit(self, key: str, tmp: Path) -> Path:
        target = self.path(key)
        os.replace(tmp, target)
        return target


def _wav_is_whole(path: Path) -> bool:
    """A readable PCM WAV whose data holds every frame its header announces."""
    try:
        with wave.open(str(path), "rb") as w:
            frame_bytes = w.getsampwidth() * w.getnchannels()
            expected = w.getnframes() * frame_bytes
            data = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error):
        return False
    return frame_bytes > 0 and expected > 0 and len(data) == expected


def load_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def save_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, ensure_ascii=False).encode("utf-8"), fsync=False)
