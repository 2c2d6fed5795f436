"""Editor speed: opening a 10-minute 1080p video, scrolling/zooming a 200-clip timeline, and what the user
waits for when narrating a 10-clip ad (issue #24).

    ./run bench editor [--keep] [--detect] [--narrate-only | --no-narrate]

1. Open: time from creating the window to the window shown with its clip block(s) painted, for the
   raw video (one block until detection) and for a saved 200-clip project of it; then the time to
   the first and to all thumbnails (they fill in progressively); with --detect also the detection time.
2. Timeline: per-frame paint times while scrolling and zooming the 200-clip timeline, against a
   baseline measured in the same run (the same view with one clip), and against a naive full-scene
   redraw (what a timeline that repaints everything each frame would cost).

3. Narrate (a generated 10-clip ad with its product card, speech cache empty): from Narrate all to every
   line shown (goal <= 1.5 s with the narrator loaded), to the first clip's speech playable (goal <= 5 s)
   and to every clip's speech made (what the old Narrate all waited for before showing any line); then
   the export check on that project, whose speech is made (goal <= 1 s), in the window and after opening
   the saved project again, against the old check (every line fitted again from the speech cache).
   Printed with the load average.

The 10-minute video is a 12 s 1080p clip with cuts, looped with stream copy (cheap to make); it is
cached in the temp folder between runs.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


@functools.cache  # also holds the application: PySide6 deletes a QApplication nothing refers to
def quiet_app() -> Any:
    """The QApplication (made once) with error dialogs printed instead of shown: a modal box would stop the run."""
    from PySide6.QtWidgets import QApplication

    from gui import dialogs

    app = QApplication.instance() or QApplication([])
    dialogs.show_error = lambda parent, title, exc, details="": print(f"error: {dialogs.one_line(exc)}")
    return app


def wait(predicate: Callable[[], object], timeout_s: float) -> float:
    """Process the editor's events until `predicate()` holds; the seconds it took (SystemExit after timeout_s)."""
    from PySide6.QtWidgets import QApplication

    start = time.perf_counter()
    while not predicate():
        QApplication.processEvents()
        time.sleep(0.002)
        if time.perf_counter() - start > timeout_s:
            raise SystemExit(f"timed out after {timeout_s} s")
    return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./run bench editor")
    parser.add_argument("--detect", action="store_true", help="also time clip detection of the long video")
    parser.add_argument("--keep", action="store_true", help="keep the generated video in the temp folder")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--narrate-only", action="store_true", help="only part 3 (narrate a 10-clip ad)")
    only.add_argument("--no-narrate", action="store_true", help="skip part 3")
    args = parser.parse_args(argv)

    os.environ["SYNCNARRATOR_CONFIG_DIR"] = str(CACHE / "config")
    # an empty speech cache: the first clip's speech is really synthesized (the helper process inherits it)
    os.environ["SYNCNARRATOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="syncnarrator-bench-speech-")
    if args.narrate_only:
        return bench_narrate()
    code = bench_open_and_scroll(args)
    return code or (0 if args.no_narrate else bench_narrate())


def bench_open_and_scroll(args: argparse.Namespace) -> int:
    t = time.perf_counter()
    video = make_long_video()
    print(
        f"video: {video} ({video.stat().st_size / 1e6:.1f} MB, made/cached in {time.perf_counter() - t:.1f} s)"
    )

    from PySide6.QtCore import QElapsedTimer

    t_import = time.perf_counter()
    quiet_app()
    from core.project import Clip, Document, Project
    from gui.main_window import MainWindow

    print(f"import Qt + editor modules: {time.perf_counter() - t_import:.2f} s")

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


AD_SHOTS = [
    ("testsrc2=alpha=255", 2.4), ("color=c=0x3070c0", 1.8), ("smptebars=sar=1", 2.6), ("color=c=0xc07030", 2.0),
    ("color=c=0x204060", 3.0), ("color=c=0x30a050", 1.6), ("rgbtestsrc", 2.2), ("color=c=0x803090", 2.8),
    ("testsrc=decimals=0", 1.9), ("color=c=0xd0d040", 2.5),
]  # fmt: skip
AD_PRODUCT = {
    "name": "澜肌轻盈保湿精华液",
    "attributes": {
        "痛点": "换季干燥、脸部紧绷、上妆卡粉",
        "质地": "轻薄、水润、一抹即化",
        "成分": "玻尿酸、烟酰胺",
        "功效": "补水保湿、提亮肤色",
        "适用人群": "干皮、混干皮",
        "活动优惠": "买一送一、赠同款小样",
    },
}


def bench_narrate() -> int:
    """Part 3: what the user waits for from Narrate all, and the export check of a project whose speech is made."""
    import json

    from tests.mediagen import make_cut_video

    quiet_app()
    from core.pipeline import check_export, check_lines
    from gui import dialogs
    from gui.actions import ActionId
    from gui.main_window import MainWindow

    dialogs.ask_yes_no = lambda *a, **k: True

    CACHE.mkdir(parents=True, exist_ok=True)
    video = CACHE / "ten_clip_ad.mp4"
    if not video.is_file():
        make_cut_video(video, AD_SHOTS, size="640x360")
    (CACHE / "ten_clip_ad.product.json").write_text(
        json.dumps(AD_PRODUCT, ensure_ascii=False), encoding="utf-8"
    )
    window = MainWindow()
    window.resize(1600, 900)
    window.show()
    window.open_path(video)
    wait(lambda: window.main_job is None and len(window.bridge.project.clips) >= 10, 300)
    wait(lambda: window.speech.warm, 300)  # the narrator and the voice loaded, as after a first narration
    project = window.bridge.project
    n = len(project.clips)
    assert project.product.name, "the product card beside the video was not read"
    load_before = os.getloadavg()

    doc = window.bridge.document

    def ready(i: int) -> bool:
        state = doc.speech_of(doc.project.clips[i])
        return state is not None and state.state == "ready"

    t0 = time.perf_counter()
    window.action(ActionId.NARRATE).trigger()
    t_lines = wait(
        lambda: window.main_job is None and all(c.narration for c in window.bridge.project.clips), 120
    )
    t_first = time.perf_counter() - t0 + wait(lambda: ready(0), 300)
    t_all = time.perf_counter() - t0 + wait(lambda: all(ready(i) for i in range(n)), 1200)
    load_after = os.getloadavg()
    lines = [c.narration for c in window.bridge.project.clips]

    # the export check of this project: speech made (the window), then reopened from its file (the speech
    # cache on disk, no speech in memory), against the old check (every line fitted again, cache hits)
    shown: list[float] = []

    def answer(dialog) -> bool:  # the fit dialog (or none): the check has decided
        shown.append(time.perf_counter())
        return False

    dialogs.exec_dialog = answer
    out = CACHE / "ten_clip_ad.narrated.mp4"

    def time_check(w) -> tuple[float, int]:
        shown.clear()
        start = time.perf_counter()
        w.narration.start_export(out)
        started = time.perf_counter()
        if w.main_job is not None:  # no line too long: the export started; not part of the check
            w.main_job.cancel()
            wait(lambda: w.main_job is None, 120)
        return ((shown[0] if shown else started) - start), len(
            check_lines(w.bridge.project, made=w.bridge.made_speech(), wait=False)
        )

    t_check, over = time_check(window)
    saved = CACHE / "ten_clip_ad.narr.json"
    window.bridge.document.save(saved)
    window.shutdown()
    window.close()
    window = MainWindow()
    window.show()
    window.speech.enabled = False  # measure the check alone
    window.open_path(saved)
    wait(lambda: window.bridge.project.clips and window.main_job is None, 60)
    t_check_reopened, _ = time_check(window)
    t = time.perf_counter()
    check_export(window.bridge.project)
    t_old_check = time.perf_counter() - t
    window.shutdown()
    window.close()

    def goal(value: float, limit: float) -> str:
        return f"{value:.2f} s (goal <= {limit:g} s: {'met' if value <= limit else 'NOT met'})"

    print(
        f"narrate a {n}-clip ad ({sum(d for _s, d in AD_SHOTS):.1f} s, product card beside it), narrator and voice loaded:"
    )
    print(f"  Narrate all -> every line shown: {goal(t_lines, 1.5)}")
    print(f"  -> first clip's speech playable: {goal(t_first, 5.0)}")
    print(
        f"  -> every clip's speech made: {t_all:.2f} s (the old Narrate all showed no line before this: "
        f"lines now come {t_all / max(t_lines, 1e-3):.0f}x sooner)"
    )
    print(f"  lines: {' / '.join(lines)}")
    print(
        f"export check, speech made, {over} line(s) too long: in the window {goal(t_check, 1.0)}; "
        f"project reopened {t_check_reopened:.3f} s; old check (every line fitted again from the speech cache) "
        f"{t_old_check:.2f} s = {t_old_check / max(t_check, 1e-4):.0f}x the new one"
    )
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min; {os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
