"""Clip detection accuracy on generated edits with known boundaries, and on real footage.

Tolerances (from the issue): 2 frames for hard cuts, 0.5 s for dissolves and fades.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from core.detection import Detection, detect_clips, gray_frames, thumbnail_size
from core.detection import features as detect_features
from core.detection import packets as detect_packets
from core.detection import params as detect_params
from core.detection import reader as detect_reader
from core.errors import Cancelled, MediaError
from core.ffmpeg_exec import ffmpeg_path
from core.jobs import CancelToken
from core.media import MediaInfo, probe
from tests.mediagen import SHARED_MEDIA, ffmpeg, make_edit_video

FPS = 25
CUT_TOL_MS = 2 * 1000 / FPS + 1
GRADUAL_TOL_MS = 500

TESTSRC = "testsrc2=size={size}:rate={rate}"
MANDEL = "mandelbrot=size={size}:rate={rate}"
BARS = "smptebars=size={size}:rate={rate}"
LIFE = "life=size={size}:rate={rate}:mold=10:ratio=0.3"
RGB = "rgbtestsrc=size={size}:rate={rate}"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[float]]]:
    """name -> (video, true boundaries in seconds); all 320x240 at 25 fps, a few seconds."""
    d = tmp_path_factory.mktemp("detect")
    out: dict[str, tuple[Path, list[float]]] = {}

    def add(
        name: str, shots: list[tuple[str, float]], transitions: tuple[tuple[str, float], ...] = ()
    ) -> None:
        path = d / f"{name}.mp4"
        out[name] = (path, make_edit_video(path, shots, transitions, rate=str(FPS)))

    add("cuts", [(TESTSRC, 1.6), (BARS, 1.2), (MANDEL, 1.4), (LIFE, 1.0), (RGB, 1.0)])
    add("dissolve", [(TESTSRC, 2.0), (MANDEL, 2.5), (BARS, 2.0)], (("fade", 1.0), ("fade", 0.6)))
    add("fade", [(TESTSRC, 2.0), (MANDEL, 2.0)], (("fadeblack", 1.0),))
    white = "drawbox=x=0:y=0:w=iw:h=ih:t=fill:color=white"  # a 2-frame flash, then a 1-frame 60% one
    add("flash", [(f"{BARS},{white}:enable='between(n,30,31)',{white}@0.6:enable='eq(n,60)'", 3.0)])
    add("pan", [("testsrc2=size=1280x240:rate={rate},crop=320:240:x='min(t*320\\,960)':y=0", 3.0)])
    zoom = "zoompan=z='1+on*0.02':d=1:x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':s={size}:fps={rate}"
    add("zoom", [(f"smptehdbars=size=640x480:rate={{rate}},{zoom}", 3.0)])
    # Issue #25: hard cuts into and out of 1 s dark title cards (dark, thin white "letters").
    add("card", [(TESTSRC, 2.0), (CARD, 1.0), (MANDEL, 2.0), (CARD, 1.0), (f"{TESTSRC},hflip", 2.0)])
    # Colour changes at equal luma: flat red to flat green (BT.601 luma 106 and 108), and a moving
    # pattern whose chroma is turned half-way round the hue circle (the hue filter keeps luma as is).
    add(
        "colour_flat",
        [
            (f"color=c={RED_106}:size={{size}}:rate={{rate}}", 1.6),
            (f"color=c={GREEN_108}:size={{size}}:rate={{rate}}", 1.6),
        ],
    )
    add("colour_hue", [(TESTSRC, 2.0), (f"{TESTSRC},trim=start=2,setpts=PTS-STARTPTS,hue=h=180", 2.0)])
    # No cut: a dark "hand" leaves the frame while the exposure rises (slow brightness ramp + motion),
    # and faster ramps into clipped highlights (the gradients' seeds are fixed: each one is a
    # picture the detector before issue #25 cut: a "dissolve", or "cuts" at the ramp's uneven steps).
    for name, speed, ramp, seed in (
        ("ramp_slow", 160, 0.25, 0),
        ("ramp_fast", 400, 0.5, 3),
        ("ramp_fast_clipping", 400, 0.5, 4),
    ):
        hand = f"drawbox=x='iw*0.3+t*{speed}':y=ih*0.2:w=iw*0.4:h=ih*0.8:color=0x302018:t=fill"
        exposure = f"eq=brightness='min(0.35\\,max(0\\,(t-1)*{ramp}))':eval=frame"
        source = f"gradients=size={{size}}:rate={{rate}}:speed=0.01:seed={seed}"
        add(name, [(f"{source},{hand},{exposure}", 4.0)])
    return out


LETTERS = ",".join(
    f"drawbox=x=iw*{0.2 + 0.1 * i:.2f}:y=ih*0.45:w=iw*0.06:h=ih*0.1:color=white:t=2" for i in range(6)
)
CARD = "color=c=0x101010:size={size}:rate={rate}," + LETTERS
RED_106, GREEN_108 = "0xC34444", "0x3D8D3D"


def _boundaries(det: Detection) -> list[int]:
    return [start for start, _ in det.clips[1:]]


def _assert_contiguous(det: Detection) -> None:
    assert det.clips, "at least one clip"
    assert det.clips[0][0] == 0
    assert det.clips[-1][1] == det.info.duration_ms
    for (_, end), (start, _) in zip(det.clips, det.clips[1:], strict=False):
        assert end == start
    assert all(b > a for a, b in det.clips)


def _assert_matches(found: list[int], truth_s: list[float], tol_ms: float) -> None:
    assert len(found) == len(truth_s), (found, truth_s)
    for f, t in zip(found, truth_s, strict=True):
        assert abs(f - t * 1000) <= tol_ms, (found, truth_s)


def test_hard_cuts(media: dict[str, tuple[Path, list[float]]]) -> None:
    path, truth = media["cuts"]
    det = detect_clips(path)
    _assert_contiguous(det)
    _assert_matches(_boundaries(det), truth, CUT_TOL_MS)
    assert [kind for _, kind in det.cuts] == ["cut"] * len(truth)
    # Constant rate too: each cut is exactly the first frame of the new shot (shots of whole frames).
    assert _boundaries(det) == [round(t * 1000) for t in truth]
    assert _boundaries(detect_clips(path, skip_nonref=True)) == [round(t * 1000) for t in truth]


def test_dissolves(media: dict[str, tuple[Path, list[float]]]) -> None:
    path, truth = media["dissolve"]
    det = detect_clips(path)
    _assert_contiguous(det)
    _assert_matches(_boundaries(det), truth, GRADUAL_TOL_MS)


def test_fade_through_black(media: dict[str, tuple[Path, list[float]]]) -> None:
    path, truth = media["fade"]
    det = detect_clips(path)
    _assert_contiguous(det)
    _assert_matches(_boundaries(det), truth, GRADUAL_TOL_MS)


@pytest.mark.parametrize("name", ["flash", "pan", "zoom"])
def test_no_cut_on_flash_or_camera_motion(media: dict[str, tuple[Path, list[float]]], name: str) -> None:
    path, _ = media[name]
    det = detect_clips(path)
    assert det.clips == [(0, det.info.duration_ms)], (name, det.cuts)


def test_bikes_real_cuts() -> None:
    truth = [1.20, 3.04, 5.48, 7.48, 9.68]
    det = detect_clips(SHARED_MEDIA / "bikes.mp4", min_clip_ms=200)
    _assert_contiguous(det)
    _assert_matches(_boundaries(det), truth, CUT_TOL_MS)
    assert _boundaries(det) == [round(t * 1000) for t in truth]  # the new shots' first frames
    # The default minimum length (0.6 s) folds the 0.32 s tail into the clip before it.
    det = detect_clips(SHARED_MEDIA / "bikes.mp4")
    _assert_matches(_boundaries(det), truth[:-1], CUT_TOL_MS)
    assert all(b - a >= 600 for a, b in det.clips)


def test_bigbuckbunny_is_one_shot() -> None:
    det = detect_clips(SHARED_MEDIA / "bigbuckbunny.mp4")
    assert det.clips == [(0, 5310)]
    assert det.info.audio_channels == 6


def test_min_clip_merges_short_clips(media: dict[str, tuple[Path, list[float]]]) -> None:
    path, truth = media["cuts"]  # clips of 1.6, 1.2, 1.4, 1.0, 1.0 s
    det = detect_clips(path, min_clip_ms=1300)
    _assert_contiguous(det)
    assert all(b - a >= 1300 for a, b in det.clips)
    true_ms = [t * 1000 for t in truth]
    for b in _boundaries(det):  # survivors are real cuts
        assert min(abs(b - t) for t in true_ms) <= CUT_TOL_MS
    assert len(det.clips) >= 2
    # Longer than the video: one clip.
    assert detect_clips(path, min_clip_ms=60_000).clips == [(0, det.info.duration_ms)]


def test_sensitivity_orders_cut_counts() -> None:
    counts = [
        len(detect_clips(SHARED_MEDIA / "bikes.mp4", sensitivity=s, min_clip_ms=0).clips) for s in (0, 1)
    ]
    assert counts[0] <= counts[1]
    assert counts[0] >= 3  # even the least sensitive setting sees the obvious cuts


def test_progress_reports_increasing_fractions(media: dict[str, tuple[Path, list[float]]]) -> None:
    seen: list[float] = []
    detect_clips(media["cuts"][0], progress=lambda f, stage: seen.append(f))
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert len(seen) > 10  # reported while decoding, not only at the end


def test_cancel_kills_decoder(
    media: dict[str, tuple[Path, list[float]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    procs: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def spy(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        proc = real_popen(*args, **kwargs)  # type: ignore[call-overload]
        procs.append(proc)
        return proc

    monkeypatch.setattr(subprocess, "Popen", spy)  # ffmpeg starts in core.ffmpeg_exec
    token = CancelToken()

    def progress(fraction: float, stage: str) -> None:
        if fraction > 0.1:
            token.cancel()

    with pytest.raises(Cancelled):
        detect_clips(media["cuts"][0], progress=progress, cancel=token)
    assert procs and all(p.poll() is not None for p in procs)

    already = CancelToken()
    already.cancel()
    with pytest.raises(Cancelled):
        detect_clips(media["cuts"][0], cancel=already)


def test_unreadable_input_is_media_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(MediaError, match=r"notes\.mp4"):
        detect_clips(text)
    with pytest.raises(MediaError, match="no such file"):
        detect_clips(tmp_path / "missing.mp4")


def test_gray_frames_are_small_and_complete(media: dict[str, tuple[Path, list[float]]]) -> None:
    path = media["fade"][0]
    info = probe(path)
    frames = list(gray_frames(path, width=48, info=info))
    assert abs(len(frames) - info.frame_count) <= 1
    assert frames[0].shape == (36, 48) and frames[0].dtype == np.uint8
    # The fade through black really shows up as dark frames in the middle.
    lumas = [float(f.mean()) for f in frames]
    assert min(lumas) < 20 < lumas[0]
    # Stopping early (thumbnails for an editor) closes the decoder without error.
    gen = gray_frames(path, width=32, info=info)
    first = next(gen)
    gen.close()
    assert first.shape == (24, 32)


def test_thumbnail_size_follows_display_orientation(tmp_path: Path) -> None:
    info = probe(SHARED_MEDIA / "bikes.mp4")
    assert thumbnail_size(info, 64) == (64, 28)
    rotated = MediaInfo(**{**info.__dict__, "rotation": 90})
    w, h = thumbnail_size(rotated, 64)
    assert h > w and w % 2 == 0 and h % 2 == 0


def test_skip_nonref_draft_mode_on_b_frames(tmp_path: Path) -> None:
    """With B-frames (x264 veryfast), skipping non-reference frames still puts the cuts on their frames."""
    path = tmp_path / "bframes.mp4"
    truth = make_edit_video(
        path, [(BARS, 1.5), (TESTSRC, 1.5), (RGB, 1.5)], preset="veryfast", extra=["-bf", "3"]
    )
    times: list[int] = []
    frames = list(gray_frames(path, width=32, skip_nonref=True, times_ms=times))
    assert len(times) == len(frames) and times[0] == 0 and times == sorted(times)
    assert len(frames) < 0.75 * probe(path).frame_count  # frames really were skipped
    det = detect_clips(path, skip_nonref=True)
    _assert_contiguous(det)
    _assert_matches(_boundaries(det), truth, CUT_TOL_MS)
    assert _boundaries(det) == [1520, 3040]  # exactly: shots of 1.5 s at 25 fps hold 38 frames


def test_hd_default_skips_nonref_frames_on_real_cuts(tmp_path: Path) -> None:
    """bikes.mp4 upscaled to 720p with B-frames: the default HD path (reference frames only) keeps
    every real cut within 2 frames and reports progress from frame times."""
    from tests.mediagen import ffmpeg

    path = tmp_path / "bikes720.mp4"
    src = SHARED_MEDIA / "bikes.mp4"
    ffmpeg(
        [
            "-i",
            str(src),
            "-vf",
            "scale=1280:720",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-bf",
            "3",
            str(path),
        ]
    )
    seen: list[float] = []
    det = detect_clips(path, min_clip_ms=200, progress=lambda f, stage: seen.append(f))
    _assert_contiguous(det)
    _assert_matches(_boundaries(det), [1.20, 3.04, 5.48, 7.48, 9.68], CUT_TOL_MS)
    assert _boundaries(det) == [1200, 3040, 5480, 7480, 9680]  # exact although frames were skipped
    assert seen[-1] == 1.0 and len(seen) > 10 and seen == sorted(seen)
    assert max(f for f in seen if f < 1.0) > 0.9  # decoding progress reached the end


# ---------------------------------------------------------------------------------------------------
# Frame-exact boundaries: ground truth from ffmpeg's own showinfo, independent of core.detection.


SHOWINFO = ("-vf", "showinfo", "-f", "null", "-")


def _showinfo(path: Path) -> list[tuple[int, float]]:
    """(PTS in ms, mean luma) of every decoded frame, on ffmpeg's default timeline (no -copyts)."""
    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-i", str(path), "-map", "0:v:0", *SHOWINFO],
        capture_output=True,
        text=True,
        timeout=120,
    )
    m = re.search(r"config in time_base: (\d+)/(\d+)", proc.stderr)
    assert m, proc.stderr[-2000:]
    tb = Fraction(int(m.group(1)), int(m.group(2)))
    # Other log lines (a muxer warning) may land inside a frame's line: match the parts separately.
    pts = re.findall(r"\bn:\s*\d+\s+pts:\s*(-?\d+)\s", proc.stderr)
    means = re.findall(r"\bmean:\[(\d+)", proc.stderr)
    assert len(pts) == len(means) == proc.stderr.count(" pts_time:"), "unparsed showinfo lines"
    return [(round(int(p) * tb * 1000), float(y)) for p, y in zip(pts, means, strict=True)]


SHOT_SOURCES = [TESTSRC, BARS, MANDEL, RGB]


def _vfr_edit(
    out: Path, lengths: list[int], pts_expr: str, *, preset: str = "ultrafast", extra: tuple[str, ...] = ()
) -> list[int]:
    """Hard cuts after lengths[i] frames each; frame N is given PTS `pts_expr` (ticks of 1/24000 s),
    kept as is (variable frame rate). Returns the frame index where each new shot starts."""
    chains = [
        f"{src.format(size='320x240', rate=24)},trim=end_frame={n},setpts=PTS-STARTPTS,format=yuv420p[s{i}]"
        for i, (src, n) in enumerate(zip(SHOT_SOURCES, lengths, strict=False))
    ]
    joined = "".join(f"[s{i}]" for i in range(len(lengths)))
    graph = (
        ";".join(chains) + f";{joined}concat=n={len(lengths)}:v=1:a=0,settb=1/24000,setpts='{pts_expr}'[v]"
    )
    args = [
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-fps_mode",
        "passthrough",
        "-video_track_timescale",
        "24000",
    ]
    ffmpeg([*args, "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", *extra, str(out)])
    starts, total = [], 0
    for n in lengths[:-1]:
        total += n
        starts.append(total)
    return starts


# Durations of 1001 and 2002 ticks (a 23.976 fps camera dropping every other frame) plus jitter, so the
# frame times are on no constant-rate grid.
VFR_PTS = "N*1001+floor(N/2)*1001+mod(N,3)*300"


def test_vfr_cuts_are_first_frame_pts(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    starts = _vfr_edit(path, [31, 26, 35, 24], VFR_PTS)
    frames = _showinfo(path)
    durations = {b[0] - a[0] for a, b in itertools.pairwise(frames)}
    assert len(durations) >= 3  # really variable
    det = detect_clips(path, min_clip_ms=0)
    _assert_contiguous(det)
    assert _boundaries(det) == [frames[i][0] for i in starts], det.cuts


def test_cuts_are_exact_when_nonref_frames_are_skipped(tmp_path: Path) -> None:
    """B-frames in a fixed pattern (no scene-cut keyframes): some new shots start on a non-reference
    frame that the fast pass skips; the cut must still be that frame's PTS, not the next decoded one."""
    path = tmp_path / "vfr_bframes.mp4"
    x264 = "scenecut=0:b-adapt=0:bframes=3:b-pyramid=normal:keyint=48"
    starts = _vfr_edit(path, [41, 36, 46, 30], VFR_PTS, preset="veryfast", extra=("-x264-params", x264))
    truth = [ms for ms, _ in _showinfo(path)]
    cut_ms = [truth[i] for i in starts]
    decoded: list[int] = []
    list(gray_frames(path, skip_nonref=True, times_ms=decoded))
    assert set(cut_ms) - set(decoded), "no cut lands on a skipped frame: the test would prove nothing"
    assert set(decoded) <= set(truth)  # the decoded frames' times are real frame times
    det = detect_clips(path, min_clip_ms=0, skip_nonref=True)
    _assert_contiguous(det)
    assert _boundaries(det) == cut_ms, det.cuts


@pytest.mark.parametrize("case", ["video_after_audio", "file_starts_late"])
def test_cut_times_on_streams_not_starting_at_zero(tmp_path: Path, case: str) -> None:
    """video_after_audio: the video starts 0.52 s after the audio (an MP4 edit list);
    file_starts_late: every timestamp starts at 1.5 s. Cut times are on ffmpeg's timeline (what -ss
    seeks), not counted from the first video frame."""
    path = tmp_path / f"{case}.mp4"
    graph = "".join(
        f"{src.format(size='320x240', rate=25)},trim=end_frame={n},setpts=PTS-STARTPTS,format=yuv420p[s{i}];"
        for i, (src, n) in enumerate(zip(SHOT_SOURCES, [30, 27, 33], strict=False))
    )
    args = ["-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast"]
    if case == "video_after_audio":
        graph += "[s0][s1][s2]concat=n=3:v=1:a=0,setpts=PTS+0.52/TB[v]"
        args = ["-f", "lavfi", "-i", "sine=duration=4", "-map", "0:a", "-c:a", "aac", *args]
    else:
        graph += "[s0][s1][s2]concat=n=3:v=1:a=0[v]"
        args += ["-output_ts_offset", "1.5"]
    ffmpeg([*args, "-filter_complex", graph, "-map", "[v]", str(path)])
    frames = _showinfo(path)
    assert frames[0][0] == (520 if case == "video_after_audio" else 0)
    det = detect_clips(path, min_clip_ms=0)
    assert _boundaries(det) == [frames[30][0], frames[57][0]], det.cuts
    times: list[int] = []
    list(gray_frames(path, times_ms=times))
    assert times == [ms for ms, _ in frames]


# (first shot: bikes.mp4 from, to; second shot: bigbuckbunny.mp4 from, to; fade out s; fade in s)
FADES = {
    "eased_in": ((1.3, 2.9), (0.0, 2.6), 0.4, 0.4),
    "fast_motion_before": ((3.12, 5.4), (1.0, 3.0), 0.3, 0.5),
}


@pytest.mark.parametrize("case", sorted(FADES))
def test_fade_out_and_in_is_one_boundary_at_the_darkest_frame(tmp_path: Path, case: str) -> None:
    """Real footage faded to black and back in, the fade-in with an eased end (brightness still
    settling for 1.5 s): one boundary, at the darkest frame or the first frame after it, whether
    every frame is decoded or only reference frames (B-frames here)."""
    (a0, a1), (b0, b1), fade_out, fade_in = FADES[case]
    path = tmp_path / f"{case}.mp4"
    bikes, bunny = SHARED_MEDIA / "bikes.mp4", SHARED_MEDIA / "bigbuckbunny.mp4"
    graph = (
        f"[0:v]trim=start={a0}:end={a1},setpts=PTS-STARTPTS,scale=320:180,setsar=1,fps=25,"
        f"fade=t=out:st={a1 - a0 - fade_out:.2f}:d={fade_out}[a];"
        f"[1:v]trim=start={b0}:end={b1},setpts=PTS-STARTPTS,scale=320:180,setsar=1,fps=25,"
        f"eq=eval=frame:brightness='-0.2*max(0\\,1-t/1.5)',fade=t=in:st=0:d={fade_in}[b];"
        "[a][b]concat=n=2:v=1:a=0[v]"
    )
    ffmpeg(
        [
            *("-i", str(bikes), "-i", str(bunny), "-filter_complex", graph, "-map", "[v]"),
            *("-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-pix_fmt", "yuv420p", str(path)),
        ]
    )
    frames = _showinfo(path)
    darkest = min(range(len(frames)), key=lambda i: frames[i][1])
    allowed = {frames[darkest][0], frames[darkest + 1][0]}
    for kwargs in ({"min_clip_ms": 0}, {}, {"min_clip_ms": 0, "skip_nonref": True}):
        det = detect_clips(path, **kwargs)  # type: ignore[arg-type]
        _assert_contiguous(det)
        assert len(det.clips) == 2, (kwargs, det.cuts)
        assert det.cuts[0][0] in allowed and det.cuts[0][1] == "fade", (kwargs, det.cuts, allowed)


def test_split_decoding_matches_one_decoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long videos are decoded as two halves at once, split at a keyframe: the frames and their times
    must be exactly those of one decoder, with and without skipping non-reference frames."""
    path = tmp_path / "halves.mp4"
    starts = _vfr_edit(
        path, [41, 36, 46, 30], VFR_PTS, preset="veryfast", extra=("-x264-params", "bframes=3:keyint=20")
    )
    info = probe(path)
    packets = detect_packets.read_packets(path)
    assert packets is not None and len(packets.keyframes) >= 3
    assert packets.times == [ms for ms, _ in _showinfo(path)]
    monkeypatch.setattr(detect_reader, "SPLIT_MIN_MS", 1000)
    split = detect_reader.split_point(packets, info.duration_ms)
    assert split is not None and split in packets.keyframes and 0 < split < info.duration_ms
    calls: list[dict[str, object]] = []
    real_gray_frames = detect_reader.gray_frames

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real_gray_frames(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(detect_reader, "gray_frames", spy)
    for skip in (False, True):
        whole = detect_reader.read_frames(path, info, skip_nonref=skip)
        calls.clear()
        halves = detect_reader.read_frames(path, info, skip_nonref=skip, split_at_ms=split)
        # really two decoders (no fallback to one), the second from the keyframe
        assert len(calls) == 2
        assert [(c.get("start_ms", 0), c.get("seek_exact", True)) for c in calls if c.get("start_ms")] == [
            (split, False)
        ]
        assert halves[1] == whole[1]
        assert np.array_equal(halves[0], whole[0])
    det = detect_clips(path, min_clip_ms=0, skip_nonref=True)  # splits (SPLIT_MIN_MS patched)
    truth = [ms for ms, _ in _showinfo(path)]
    assert _boundaries(det) == [truth[i] for i in starts]


# ---------------------------------------------------------------------------------------------------
# Issue #25: boundaries an editor would draw


def test_hard_cuts_into_and_out_of_a_dark_title_card(media: dict[str, tuple[Path, list[float]]]) -> None:
    """Two frame-exact cuts per card, where the picture changes; not one "fade" mid-card."""
    path, truth = media["card"]
    ft = detect_features.features(np.stack(list(gray_frames(path))))
    card = slice(round(2.2 * FPS), round(2.8 * FPS))  # the card is "black" to the fade test
    assert (ft.luma[card] < detect_params.DARK_LUMA).all()
    assert (ft.spread[card] < detect_params.DARK_SPREAD).all()
    for skip in (False, True):
        det = detect_clips(path, skip_nonref=skip)
        _assert_contiguous(det)
        assert _boundaries(det) == [round(t * 1000) for t in truth] == [2000, 3000, 5000, 6000]
        assert [kind for _, kind in det.cuts] == ["cut"] * 4


def test_fade_to_black_and_back_stays_one_boundary(media: dict[str, tuple[Path, list[float]]]) -> None:
    path, _ = media["fade"]
    det = detect_clips(path, min_clip_ms=0)
    assert [kind for _, kind in det.cuts] == ["fade"]
    frames = np.stack(list(gray_frames(path)))
    darkest = int(np.argmin(frames.reshape(len(frames), -1).mean(axis=1)))
    assert abs(det.cuts[0][0] - darkest * 1000 / FPS) <= 2 * 1000 / FPS


@pytest.mark.parametrize("name", ["colour_flat", "colour_hue"])
def test_colour_change_at_equal_luma_is_a_cut(media: dict[str, tuple[Path, list[float]]], name: str) -> None:
    path, truth = media[name]
    gray = np.stack(list(gray_frames(path))).astype(float)
    cut = round(truth[0] * FPS)
    before, after = gray[cut - 3 : cut].mean(), gray[cut : cut + 3].mean()
    assert abs(before - after) <= 3, "the test video's shots must have (nearly) the same luma"
    det = detect_clips(path)
    assert _boundaries(det) == [round(truth[0] * 1000)]
    assert det.cuts == [(round(truth[0] * 1000), "cut")]
    if name == "colour_flat":  # gray frames alone cannot see it
        assert detect_clips(path, chroma=False).clips == [(0, det.info.duration_ms)]


def test_colour_frames_hold_both_chroma_planes(media: dict[str, tuple[Path, list[float]]]) -> None:
    path, _ = media["colour_flat"]
    frames = list(gray_frames(path, width=32, chroma=True))
    assert frames[0].shape == (24 * 3 // 2, 32)  # 32x24 luma, then 16x12 U and V
    y, c = detect_features.pictures(np.stack(frames), chroma=True)
    assert c is not None and c.shape[1:] == (y.shape[1], 2 * y.shape[2])
    v_red, v_green = c[0, :, y.shape[2] :].mean(), c[-1, :, y.shape[2] :].mean()
    assert v_red > 170 and v_green < 110  # V (red difference): high for red, low for green


@pytest.mark.parametrize("name", ["ramp_slow", "ramp_fast", "ramp_fast_clipping"])
def test_brightness_ramp_with_motion_is_no_cut(media: dict[str, tuple[Path, list[float]]], name: str) -> None:
    path, _ = media[name]
    frames = np.stack(list(gray_frames(path))).astype(float)
    luma = frames.reshape(len(frames), -1).mean(axis=1)
    assert luma[-1] - luma[round(0.9 * FPS)] > 40, "the exposure must really rise"
    det = detect_clips(path, min_clip_ms=0)
    assert det.clips == [(0, det.info.duration_ms)], det.cuts


@pytest.mark.parametrize("suffix", [".ts", ".mkv"])
def test_cuts_are_exact_in_transport_streams_and_late_starting_mkv(tmp_path: Path, suffix: str) -> None:
    """MPEG-TS starts its clock at 1.4 s, this MKV at 5 s: boundaries are on ffmpeg's timeline of the
    file (the start subtracted), the clips end at the probed duration (the offset not counted)."""
    path = tmp_path / f"edit{suffix}"
    extra = ["-output_ts_offset", "5"] if suffix == ".mkv" else []
    truth = make_edit_video(path, [(TESTSRC, 1.2), (MANDEL, 1.0), (BARS, 1.4)], rate=str(FPS), extra=extra)
    det = detect_clips(path, min_clip_ms=0)
    assert _boundaries(det) == [round(t * 1000) for t in truth] == [1200, 2200]
    assert abs(det.info.duration_ms - 3600) <= 80 and det.clips[-1][1] == det.info.duration_ms


def test_a_crashing_decoder_is_one_media_error_line(
    media: dict[str, tuple[Path, list[float]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ffmpeg dying by a signal halfway (as the static build did on MPEG-TS) is a MediaError naming
    the file, not a short list of frames taken for the whole video."""
    from core import ffmpeg_exec

    path, _ = media["cuts"]
    info = probe(path)
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\nhead -c 100000 /dev/zero\nkill -SEGV $$\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SYNCNARRATOR_FFMPEG", str(fake))
    ffmpeg_exec.ffmpeg_path.cache_clear()
    try:
        with pytest.raises(MediaError) as exc_info:
            list(gray_frames(path, info=info))
    finally:
        monkeypatch.undo()
        ffmpeg_exec.ffmpeg_path.cache_clear()
    message = str(exc_info.value)
    assert str(path) in message and "crashed" in message and "\n" not in message
