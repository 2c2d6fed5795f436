"""Generate small test videos with ffmpeg's lavfi sources (no media is committed)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from core.ffmpeg_exec import ffmpeg_path

SHARED_MEDIA = next(
    (d / "shared" / "media" for d in Path(__file__).resolve().parents if (d / "shared" / "media").is_dir()),
    Path(__file__).resolve().parents[1].parent / "shared" / "media",
)  # ../shared/media beside the repository (or further up, from a worktree)


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
        sep = ":" if "=" in src else "="
        args += ["-f", "lavfi", "-i", f"{src}{sep}size={size}:rate={rate}:duration={dur}"]
    n = len(shots)
    if audio:  # inputs first: options after -filter_complex/-map would be parsed as input options
        total = sum(d for _, d in shots)
        args += ["-f", "lavfi", "-i", f"sine=frequency=300:duration={total}"]
    chain = "".join(f"[{i}:v]format=yuv420p,setsar=1[v{i}];" for i in range(n))
    chain += "".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
    args += ["-filter_complex", chain, "-map", "[v]"]
    if audio:
        args += ["-map", f"{n}:a", "-c:a", "aac"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out)]
    ffmpeg(args)
    return out


def make_edit_video(
    out: Path,
    shots: Sequence[tuple[str, float]],
    transitions: Sequence[tuple[str, float]] = (),
    *,
    size: str = "320x240",
    rate: str = "25",
    preset: str = "ultrafast",
    extra: Sequence[str] = (),
    timeout: float = 300,
) -> list[float]:
    """Edit shots together with cuts, dissolves and fades; returns the true boundary times in seconds.

    shots: (filter chain producing video, seconds); `{size}` and `{rate}` in the chain are filled in, e.g.
    "testsrc2=size={size}:rate={rate}" or "movie=clip.mp4,scale={size}". Each shot is trimmed, scaled,
    and resampled to `rate`. transitions[i] joins shot i and i+1: ("cut", 0), or an xfade transition
    name with its duration ("fade" = dissolve, "fadeblack", "wipeleft", ...); missing entries are cuts.
    The boundary of a gradual transition is its middle.
    """
    w, h = size.split("x")
    chains = []
    for i, (src, dur) in enumerate(shots):
        chain = src.format(size=size, rate=rate)
        chains.append(
            f"{chain},trim=duration={dur},setpts=PTS-STARTPTS,scale={w}:{h},setsar=1,format=yuv420p,"
            f"fps={rate},settb=AVTB[s{i}]"
        )
    boundaries: list[float] = []
    length = shots[0][1]
    cur = "s0"
    for i in range(1, len(shots)):
        kind, tdur = transitions[i - 1] if i - 1 < len(transitions) else ("cut", 0.0)
        label = f"j{i}"
        if kind == "cut" or tdur <= 0:
            chains.append(f"[{cur}][s{i}]concat=n=2:v=1:a=0,settb=AVTB[{label}]")
            boundaries.append(length)
            length += shots[i][1]
        else:
            offset = length - tdur
            chains.append(
                f"[{cur}][s{i}]xfade=transition={kind}:duration={tdur}:offset={offset:.4f},settb=AVTB[{label}]"
            )
            boundaries.append(length - tdur / 2)
            length += shots[i][1] - tdur
        cur = label
    graph = ";".join(chains)
    args = ["-filter_complex", graph, "-map", f"[{cur}]", "-c:v", "libx264", "-preset", preset]
    args += ["-pix_fmt", "yuv420p", *extra, str(out)]
    ffmpeg(args, timeout=timeout)
    return [round(b, 4) for b in boundaries]


def make_frame_colour_video(out: Path, *, duration: float = 4.0, size: str = "160x120", rate: str = "25") -> Path:
    """Every frame one flat colour of its own (frame n: r = 37n, g = 91n, b = 53n, mod 256), so a picture
    names its frame: for comparing what two decoders show at the same time."""
    src = (
        f"color=c=black:size={size}:rate={rate}:duration={duration},"
        "geq=r='mod(N*37,256)':g='mod(N*91,256)':b='mod(N*53,256)'"
    )
    ffmpeg(["-f", "lavfi", "-i", src, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", "50", str(out)])  # fmt: skip
    return out
