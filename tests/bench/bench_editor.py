"""Editor speed: opening a 10-minute 1080p video, and scrolling/zooming a 200-clip timeline.

    ./run bench editor [--keep] [--detect]

1. Open: time from creating the window to the window shown with its clip block(s) painted, for the
   raw video (one block until detection) and for a saved 200-clip project of it; then the time to
   the first and to all thumbnails (they fill in progressively); with --detect also the detection time.
2. Timeline: per-frame paint times while scrolling and zooming the 200-clip timeline, against a
   baseline measured in the same run (the same view with one clip), and against a naive full-scene
   redraw (what a timeline that repaints everything each frame would cost).

The 10-minute video is a 12 s 1080p clip with cuts, looped with stream copy (cheap to make); it is
cached in the temp folder between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CACHE = Path(tempfile.gettempdir()) / "syncnarrator-bench-editor"


def make_long_video() -> Path:
    from tests.mediagen import ffmpeg, make_cut_video

    CACHE.mkdir(parents=True, exist_ok=True)
    long_video = CACHE / "ten_minutes_1080p.mp4"
    if long_video.is_file():
        return long_video
    short = make_cut_video(
        CACHE / "twelve_seconds_1080p.mp4",
        [
            ("testsrc2=alpha=255", 3.0),
            ("color=c=0x3070c0", 3.0),
            ("smptebars=sar=1", 3.0),
            ("color=c=0xc07030", 3.0),
        ],
        size="1920x1080",
    )
    ffmpeg(["-stream_loop", "49", "-i", str(short), "-c", "copy", "-t", "600", str(long_video)], timeout=600)
    return long_video


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./run bench editor")
    parser.add_argument("--detect", action="store_true", help="also time clip detection of the long video")
    parser.add_argument("--keep", action="store_true", help="keep the generated video in the temp folder")
    args = parser.parse_args(argv)

    os.environ["SYNCNARRATOR_CONFIG_DIR"] = str(CACHE / "config")
    t = time.perf_counter()
    video = make_long_video()
    print(
        f"video: {video} ({video.stat().st_size / 1e6:.1f} MB, made/cached in {time.perf_counter() - t:.1f} s)"
    )

    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QApplication

    t_import = time.perf_counter()
    app = QApplication.instance() or QApplication([])
    from core.project import Clip, Document, Project
    from gui import dialogs
    from gui.main_window import MainWindow

    print(f"import Qt + editor modules: {time.perf_counter() - t_import:.2f} s")
    dialogs.show_error = lambda parent, title, exc, details="": print(f"error: {dialogs.one_line(exc)}")

    def wait(predicate, timeout_s: float) -> float:
        start = time.perf_counter()
        while not predicate():
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() - start > timeout_s:
                raise SystemExit(f"timed out after {timeout_s} s")
        return time.perf_counter() - start

    # -- 1a. open the raw video
    t0 = time.perf_counter()
    window = MainWindow()
    window.resize(1600, 900)
    window.show()
    window.detect = lambda: None  # measure opening alone; detection is timed separately
    window.open_path(video)
    wait(lambda: window.bridge.project.media is not None and window.timeline.clip_items, 30)
    window.timeline.viewport().repaint()
    t_video = time.perf_counter() - t0
    wait(lambda: window.timeline.thumbs.times, 60)
    t_first_thumb = time.perf_counter() - t0
    wait(lambda: window.thumb_job is not None and not window.thumb_job.running, 300)
    t_all_thumbs = time.perf_counter() - t0
    n_thumbs = len(window.timeline.thumbs.times)
    print(f"open 10-min 1080p video: window + clip block in {t_video:.2f} s; first thumbnail {t_first_thumb:.2f} s; "
          f"all {n_thumbs} thumbnails {t_all_thumbs:.2f} s")  # fmt: skip
    if args.detect:
        del window.detect
        t_d = time.perf_counter()
        window.detect()
        wait(lambda: window.main_job is None and len(window.bridge.project.clips) > 1, 1800)
        print(f"detection: {len(window.bridge.project.clips)} clips in {time.perf_counter() - t_d:.1f} s")
    media = window.bridge.project.media
    window.shutdown()
    window.close()

    # -- 1b. open a saved 200-clip project of the same video
    step = media.duration_ms // 200
    clips = tuple(
        Clip(
            i * step,
            (i + 1) * step if i < 199 else media.duration_ms,
            labels=(("产品推荐", "产品功效", "引导购买")[i % 3],),
            narration="这款精华液质地轻薄，一抹就化开，吸收特别快。"[: 6 + i % 12],
        )
        for i in range(200)
    )
    project_file = CACHE / "two_hundred_clips.narr.json"
    Document(Project(video=str(video), media=media, clips=clips)).save(project_file)
    t0 = time.perf_counter()
    window = MainWindow()
    window.resize(1600, 900)
    window.show()
    window.open_path(project_file)
    window.timeline.viewport().repaint()
    t_project = time.perf_counter() - t0
    print(f"open 200-clip project of it: window + 200 clip blocks in {t_project:.2f} s")
    wait(lambda: window.thumb_job is not None and not window.thumb_job.running, 300)

    # -- 2. scroll and zoom
    view = window.timeline
    timer = QElapsedTimer()

    def frame() -> float:
        timer.start()
        view.viewport().repaint()
        return timer.nsecsElapsed() / 1e6

    def scroll_and_zoom() -> tuple[list[float], list[float]]:
        view.set_zoom(0.02, anchor_ms=0)  # 20 px per second: the timeline is 12,000 px wide
        bar = view.horizontalScrollBar()
        scroll = []
        for x in range(0, bar.maximum(), max(1, bar.maximum() // 300)):
            bar.setValue(x)
            scroll.append(frame())
        zoom = []
        for _ in range(3):
            for factor in [1.25] * 12 + [0.8] * 12:
                view.set_zoom(view.px_per_ms * factor, anchor_ms=media.duration_ms // 2)
                zoom.append(frame())
        return scroll, zoom

    scroll, zoom = scroll_and_zoom()
    naive = []
    from PySide6.QtGui import QImage, QPainter

    for _ in range(5):
        rect = view.scene().sceneRect()
        image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32_Premultiplied)
        timer.start()
        painter = QPainter(image)
        view.scene().render(painter)
        painter.end()
        naive.append(timer.nsecsElapsed() / 1e6)

    # baseline: the same view with a single clip
    window.bridge.edit(
        "one clip", lambda p: Project(video=p.video, media=p.media, clips=(Clip(0, media.duration_ms),))
    )
    base_scroll, base_zoom = scroll_and_zoom()
    window.bridge.document.undo()

    def describe(name: str, values: list[float], base: list[float]) -> None:
        med, p95, worst = statistics.median(values), percentile(values, 0.95), max(values)
        print(f"{name}: {len(values)} frames, median {med:.2f} ms, p95 {p95:.2f} ms, max {worst:.2f} ms "
              f"(1-clip baseline median {statistics.median(base):.2f} ms, ratio {med / max(statistics.median(base), 1e-3):.2f})")  # fmt: skip

    describe("scroll 200 clips", scroll, base_scroll)
    describe("zoom 200 clips", zoom, base_zoom)
    print(f"naive full-scene redraw of the same timeline: median {statistics.median(naive):.1f} ms per frame "
          f"({statistics.median(naive) / statistics.median(scroll):.0f}x a scroll frame)")  # fmt: skip
    window.shutdown()
    window.close()
    if not args.keep:
        pass  # the cached video is reused by the next run; delete CACHE to regenerate
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
