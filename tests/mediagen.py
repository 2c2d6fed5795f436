"""Generate small test videos with ffmpeg's lavfi sources (no media is committed)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from core.ffmpeg_exec import ffmpeg_path

SHARED_MEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "media"


def ffmpeg(args: Sequence[str], timeout: float = 300) -> None:
    """Run ffmpeg or fail the test with its stderr tail."""
    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", *args],
        capture_output=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace")[-2000:])


def make_video(
    out: Path,
    *,
    duration: float = 2.0,
    size: str = "320x240",
    rate: str = "25",
    source: str = "testsrc2",
    audio: str | None = "sine=frequency=440",
    channels: int = 2,
    pix_fmt: str = "yuv420p",
    extra: Sequence[str] = (),
) -> Path:
    """One continuous shot of a lavfi pattern, H.264 (+ AAC unless audio is None)."""
    args = ["-f", "lavfi", "-i", f"{source}=size={size}:rate={rate}:duration={duration}"]
    if audio:
        layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
        args += ["-f", "lavfi", "-i", f"{audio}:duration={duration}:sample_rate=48000"]
        args += ["-af", f"aformat=channel_layouts={layout}", "-c:a", "aac", "-b:a", "96k"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix_fmt, "-g", "50", *extra, str(out)]
    ffmpeg(args)
    return out


def make_cut_video(
    out: Path, shots: Sequence[tuple[str, float]], size: str = "320x240", rate: int = 25, audio: bool = False
) -> Path:
    """Hard cuts between lavfi sources: shots = [(lavfi source expr without size/rate, seconds), ...]."""
    args: list[str] = []
    for src, dur in shots:
        args += ["-f", "lavfi", "-i", f"{src}:size={size}:rate={rate}:duration={dur}"]
    n = len(shots)
    chain = "".join(f"[{i}:v]format=yuv420p,setsar=1[v{i}];" for i in range(n))
    chain += "".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
    args += ["-filter_complex", chain, "-map", "[v]"]
    if audio:
        total = sum(d for _, d in shots)
        args += ["-f", "lavfi", "-i", f"sine=frequency=300:duration={total}", "-map", f"{n}:a", "-c:a", "aac"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out)]
    ffmpeg(args)
    return out
