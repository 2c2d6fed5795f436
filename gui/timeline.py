"""The timeline: ruler, thumbnail strip, clip lane (coloured by label), narration lane, playhead.

Built on QGraphicsView so scrolling repaints only exposed regions; zoom re-lays out item geometry
(O(clips), no image work) instead of scaling pixels. Boundary drags move two items live and commit
one undo step on release.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from core.pipeline import line_fit
from core.project import MIN_CLIP_MS, Clip, move_boundary
from core.timebase import format_timecode, snap_ms_to_frame
from gui.bridge import DocumentBridge
from gui.i18n import tr
from gui.speech_queue import SPEECH_TEXT, draw_speech_mark
from gui.style import FIT_COLORS, FITS, SELECTED, label_color

RULER_Y, RULER_H = 0.0, 18.0
THUMB_Y, THUMB_H = 20.0, 48.0
CLIP_Y, CLIP_H = 72.0, 46.0
NARR_Y, NARR_H = 122.0, 34.0
SCENE_H = 160.0
MARGIN = 8.0
HANDLE_PX = 5.0  # how close (in pixels) a press must be to grab a boundary
MIN_PX_PER_MS = 0.0005
MAX_PX_PER_MS = 1.0


class _Lane(QGraphicsItem):
    """Base for items whose geometry is computed from times by the view."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__()
        self.view = view
        self._rect = QRectF()

    def boundingRect(self) -> QRectF:
        return self._rect

    def set_rect(self, rect: QRectF) -> None:
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect


class ClipItem(_Lane):
    """One clip block: number, first label, lock marker; highlighted when selected."""

    def __init__(self, view: TimelineView, index: int) -> None:
        super().__init__(view)
        self.index = index

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        clip = self.view.clip(self.index)
        if clip is None:
            return
        r = self._rect.adjusted(0.5, 0.5, -0.5, -0.5)
        colour = label_color(clip.labels[0] if clip.labels else None)
        p.fillRect(r, colour)
        selected = self.index in self.view.bridge.selection
        p.setPen(QPen(SELECTED if selected else colour.darker(160), 3 if selected else 1))
        p.drawRect(r.adjusted(1, 1, -1, -1) if selected else r)
        if r.width() < 14:
            return
        p.setPen(Qt.GlobalColor.white)
        p.setFont(self.view.small_font)
        text = f"{self.index + 1} " + "/".join(clip.labels)
        fm = self.view.small_metrics
        p.drawText(
            r.adjusted(4, 2, -4, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            fm.elidedText(text, Qt.TextElideMode.ElideRight, int(r.width() - 8)),
        )
        start_ms, end_ms = self.view.span(self.index)  # while a boundary is dragged: the new span
        p.drawText(
            r.adjusted(4, 0, -4, -3),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            fm.elidedText(
                f"{(end_ms - start_ms) / 1000:.2f}s" + ("  " + tr("locked") if clip.locked else ""),
                Qt.TextElideMode.ElideRight,
                int(r.width() - 8),
            ),
        )


class NarrationItem(_Lane):
    """The line's spoken length against its clip (green fits, amber spoken faster, red runs over: the one
    verdict of core.pipeline.line_fit) and where its speech is: waiting and being made are drawn pale with a
    dashed outline and a hollow / half dot, ready solid with a full dot, failed with a red cross."""

    def __init__(self, view: TimelineView, index: int) -> None:
        super().__init__(view)
        self.index = index
        self.state = "fits"
        self.speech = ""  # "", "waiting", "speaking", "ready", "failed" (core.project.ClipSpeech)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        clip = self.view.clip(self.index)
        if clip is None or not clip.narration:
            return
        # A line that runs long is drawn up to its own clip's end (never over the next clip's block);
        # its colour (red) says it does not fit.
        start_ms, end_ms = self.view.span(self.index)
        r = self._rect.intersected(QRectF(self.view.ms_to_x(start_ms), self._rect.top(),
                                          max(self.view.ms_to_x(end_ms) - self.view.ms_to_x(start_ms) - 1, 1.0),
                                          self._rect.height()))  # fmt: skip
        if r.isEmpty():
            return
        colour = FIT_COLORS.get(self.state, FITS)
        made = self.speech in ("ready", "")
        p.fillRect(r, QColor(colour.red(), colour.green(), colour.blue(), 200 if made else 110))
        pen = QPen(colour.darker(150))
        if not made:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawRect(r)
        mark = draw_speech_mark(p, r, self.speech)
        if r.width() > 14 + mark:
            p.setPen(Qt.GlobalColor.white)
            p.setFont(self.view.small_font)
            p.drawText(
                r.adjusted(3 + mark, 0, -3, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                self.view.small_metrics.elidedText(
                    clip.narration, Qt.TextElideMode.ElideRight, int(r.width() - 6 - mark)
                ),
            )


class RulerItem(_Lane):
    """Time ticks, painted only for the exposed part."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__(view)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        view = self.view
        exposed = option.exposedRect
        p.fillRect(exposed.intersected(self._rect), QColor("#2b2d31"))
        step = view.tick_step_ms()
        first = max(0, int(view.x_to_ms(exposed.left()) // step * step))
        last = view.x_to_ms(exposed.right()) + step
        p.setPen(QColor("#c8c8c8"))
        p.setFont(view.small_font)
        t = first
        while t <= min(last, view.duration_ms):
            x = view.ms_to_x(t)
            p.drawLine(QPointF(x, RULER_H - 6), QPointF(x, RULER_H))
            p.drawText(
                QPointF(x + 2, RULER_H - 6), format_timecode(t)[:-4] if step >= 1000 else format_timecode(t)
            )
            t += step


class ThumbStripItem(_Lane):
    """Video thumbnails at their times; draws only the exposed ones, skipping overlaps when zoomed out."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__(view)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.times: list[int] = []
        self.images: list[QImage] = []

    def add(self, ms: int, image: QImage) -> None:
        i = bisect_left(self.times, ms)
        self.times.insert(i, ms)
        self.images.insert(i, image)
        self.update()  # nearest-thumbnail tiling may change any slot

    def clear(self) -> None:
        self.times.clear()
        self.images.clear()
        self.update()

    def image_at(self, ms: int) -> QImage | None:
        """The thumbnail of the frame shown at `ms`: the last one whose frame time is at or before `ms`
        (the first one before it), as the preview shows a frame until the next one starts."""
        if not self.times:
            return None
        return self.images[max(0, bisect_right(self.times, ms) - 1)]

    def tile_image(self, ms: int, clip_start: int, clip_end: int) -> QImage | None:
        """The picture for a tile at `ms` inside the clip [clip_start, clip_end): the frame at `ms`, or,
        before the clip's first thumbnail, that first thumbnail (a frame of the same shot, never the
        previous one)."""
        i = bisect_right(self.times, ms) - 1
        if i < 0 or self.times[i] < clip_start:
            j = bisect_left(self.times, clip_start)
            if j < len(self.times) and self.times[j] < clip_end:
                return self.images[j]
        return self.image_at(ms)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Tile the strip clip by clip (tiles restart at each cut, as the clip blocks do): a tile shows
        the frame at its left edge's time, so the shots change where the clips do."""
        exposed = option.exposedRect
        p.fillRect(exposed.intersected(self._rect), QColor("#1e1f22"))
        if not self.times:
            return
        view = self.view
        slot = max(self.images[0].width(), 8)
        end_x = view.ms_to_x(view.duration_ms)
        clips = view.bridge.project.clips
        spans = [(c.start_ms, c.end_ms) for c in clips] or [(0, view.duration_ms)]
        p.save()  # the view does not save painter state between items (DontSavePainterState)
        for start, end in spans:
            left, right = view.ms_to_x(start), min(view.ms_to_x(end), end_x)
            if right <= exposed.left() or left >= exposed.right():
                continue
            p.setClipRect(QRectF(left, THUMB_Y, right - left, THUMB_H))
            x = left + max(0, int((exposed.left() - left) // slot)) * slot
            while x < min(exposed.right(), right):
                img = self.tile_image(view.x_to_ms(x), start, end)
                if img is not None:
                    p.drawImage(QPointF(x, THUMB_Y + (THUMB_H - img.height()) / 2), img)
                x += slot
        p.restore()


class TimelineView(QGraphicsView):
    """Zoomable, scrollable view of the project's clips; edits go through the bridge."""

    zoomChanged = Signal(float)
    editLineRequested = Signal(int)  # double-click in the narration lane
    contextMenuRequested = Signal(QPoint)  # right-click (the clip under it is selected first)

    def __init__(self, bridge: DocumentBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.px_per_ms = 0.05
        self._fitted = False
        self.small_font = QFont()
        self.small_font.setPointSize(8)
        self.small_metrics = QFontMetrics(self.small_font)
        self.setScene(QGraphicsScene(self))
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setBackgroundBrush(QBrush(QColor("#26282c")))
        self.setMinimumHeight(int(SCENE_H) + 24)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.ruler = RulerItem(self)
        self.thumbs = ThumbStripItem(self)
        self.playhead = QGraphicsLineItem()
        self.playhead.setPen(QPen(QColor("#ff4040"), 1.5))
        self.playhead.setZValue(10)
        for item in (self.ruler, self.thumbs, self.playhead):
            self.scene().addItem(item)
        self.clip_items: list[ClipItem] = []
        self.narr_items: list[NarrationItem] = []
        self._drag: int | None = None  # boundary index being dragged
        self._drag_ms = 0
        self._follow_width = True  # fitted to the width until the user zooms
        bridge.documentReplaced.connect(self._on_document_replaced)
        for part in (
            bridge.clipsChanged,
            bridge.narrationChanged,
            bridge.settingsChanged,
            bridge.videoChanged,
        ):
            part.connect(self.rebuild)  # a save or a product edit leaves the timeline alone
        bridge.speechChanged.connect(self.rebuild)  # a line's speech made (or waiting, failed)
        bridge.selectionChanged.connect(self._on_selection)
        bridge.playheadChanged.connect(self._on_playhead)
        self.rebuild()

    # -- geometry
    @property
    def duration_ms(self) -> int:
        project = self.bridge.project
        if project.media is not None:
            return project.media.duration_ms
        return project.clips[-1].end_ms if project.clips else 0

    def ms_to_x(self, ms: float) -> float:
        return MARGIN + ms * self.px_per_ms

    def x_to_ms(self, x: float) -> int:
        return round((x - MARGIN) / self.px_per_ms)

    def clip(self, index: int) -> Clip | None:
        clips = self.bridge.project.clips
        return clips[index] if 0 <= index < len(clips) else None

    def tick_step_ms(self) -> int:
        for step in (40, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000, 600000):
            if step * self.px_per_ms >= 70:
                return step
        return 1200000

    def fit(self) -> None:
        """Zoom so the whole video fits the visible width (and keep fitting as the window grows)."""
        if self.duration_ms > 0:
            width = max(self.viewport().width() - 2 * MARGIN, 100)
            self.set_zoom(width / self.duration_ms)
            self._follow_width = True

    def span(self, index: int) -> tuple[int, int]:
        """Clip `index`'s (start, end) as shown: while a boundary is dragged, the dragged position."""
        clips = self.bridge.project.clips
        if index >= len(clips):
            return (0, 0)
        start, end = clips[index].start_ms, clips[index].end_ms
        if self._drag is not None and self._drag > 0:
            if index == self._drag - 1:
                end = self._drag_ms
            elif index == self._drag:
                start = self._drag_ms
        return start, end

    def set_zoom(self, px_per_ms: float, anchor_ms: int | None = None) -> None:
        """Change the scale keeping `anchor_ms` (default: the playhead) at the same screen x."""
        px_per_ms = min(max(px_per_ms, MIN_PX_PER_MS), MAX_PX_PER_MS)
        if anchor_ms is None:
            anchor_ms = self.bridge.playhead_ms
        screen_x = self.mapFromScene(QPointF(self.ms_to_x(anchor_ms), 0)).x()
        self.px_per_ms = px_per_ms
        self.layout_items()
        bar = self.horizontalScrollBar()
        bar.setValue(int(self.ms_to_x(anchor_ms) - screen_x))
        self.zoomChanged.emit(px_per_ms)

    def zoom_in(self) -> None:
        self._follow_width = False
        self.set_zoom(self.px_per_ms * 1.5)

    def zoom_out(self) -> None:
        self._follow_width = False
        self.set_zoom(self.px_per_ms / 1.5)

    # -- model -> items
    def _on_document_replaced(self) -> None:
        self.thumbs.clear()
        self._fitted = False
        self.rebuild()
        if self.viewport().width() > 150:
            self.fit()
            self._fitted = True

    def rebuild(self) -> None:
        """Match one item per clip, then lay out; cheap enough to run after every edit."""
        n = len(self.bridge.project.clips)
        scene = self.scene()
        while len(self.clip_items) > n:
            scene.removeItem(self.clip_items.pop())
            scene.removeItem(self.narr_items.pop())
        while len(self.clip_items) < n:
            item = ClipItem(self, len(self.clip_items))
            narr = NarrationItem(self, len(self.narr_items))
            self.clip_items.append(item)
            self.narr_items.append(narr)
            scene.addItem(item)
            scene.addItem(narr)
        self._drag = None
        self.layout_items()
        for item in self.clip_items:
            item.update()
        for lane in self.narr_items:
            lane.update()
        self.thumbs.update()  # its tiles restart at the clips' starts

    def layout_items(self) -> None:
        project = self.bridge.project
        width = self.ms_to_x(self.duration_ms) + MARGIN
        self.scene().setSceneRect(QRectF(0, 0, max(width, 10), SCENE_H))
        self.ruler.set_rect(QRectF(0, RULER_Y, width, RULER_H))
        self.thumbs.set_rect(QRectF(0, THUMB_Y, width, THUMB_H))
        lead = project.speech.lead_ms
        doc = self.bridge.document
        made = doc.made_speech()
        for i, clip in enumerate(project.clips):
            self._place_clip(i, clip.start_ms, clip.end_ms)
            narr = self.narr_items[i]
            fit = line_fit(project, clip, wait=False, made=made)
            speech = doc.speech_of(clip) if clip.narration.strip() else None
            narr.state = fit.state
            narr.speech = speech.state if speech is not None else ""
            narr.setToolTip(
                clip.narration + "\n" + tr("{chars} characters (budget {low}–{high}), ≈{speech} s of {room} s").format(
                    chars=fit.chars, low=fit.chars_min, high=fit.chars_max,
                    speech=f"{fit.speech_ms / 1000:.1f}", room=f"{fit.room_ms / 1000:.1f}",
                )
                + (f"\n{tr(SPEECH_TEXT[speech.state])}" if speech is not None else "")
                + (f": {speech.error}" if speech is not None and speech.error else "")
                if clip.narration
                else ""
            )  # fmt: skip
            spoken_ms = fit.speech_ms
            if speech is not None and speech.state == "ready" and speech.fit is not None:
                spoken_ms = int(speech.fit.duration_ms) or spoken_ms  # what was made
            self.clip_items[i].setToolTip(
                tr("Clip {number}: {start}–{end} s").format(
                    number=i + 1, start=f"{clip.start_ms / 1000:.2f}", end=f"{clip.end_ms / 1000:.2f}"
                )
                + (f"\n{'、'.join(clip.labels)}" if clip.labels else "")
            )
            x0 = self.ms_to_x(clip.start_ms + lead)
            narr.set_rect(QRectF(x0, NARR_Y, max(spoken_ms * self.px_per_ms, 2.0), NARR_H))
        self._on_playhead(self.bridge.playhead_ms)

    def _place_clip(self, i: int, start_ms: int, end_ms: int) -> None:
        x0, x1 = self.ms_to_x(start_ms), self.ms_to_x(end_ms)
        self.clip_items[i].set_rect(QRectF(x0, CLIP_Y, max(x1 - x0, 1.0), CLIP_H))

    def _on_selection(self) -> None:
        for item in self.clip_items:
            item.update()

    def _on_playhead(self, ms: int) -> None:
        x = self.ms_to_x(ms)
        self.playhead.setLine(x, 0, x, SCENE_H)

    def ensure_playhead_visible(self) -> None:
        self.ensureVisible(QRectF(self.ms_to_x(self.bridge.playhead_ms), 0, 1, 1), 40, 0)

    def set_thumbnail(self, ms: int, image: QImage) -> None:
        self.thumbs.add(ms, image)

    # -- hit testing
    def boundary_near(self, scene_x: float) -> int | None:
        """Index i of the boundary between clip i-1 and i within HANDLE_PX of `scene_x`."""
        clips = self.bridge.project.clips
        ms = self.x_to_ms(scene_x)
        starts = [c.start_ms for c in clips]
        i = bisect_left(starts, ms)
        best, best_d = None, HANDLE_PX + 1
        for j in (i - 1, i, i + 1):
            if 1 <= j < len(clips):
                d = abs(self.ms_to_x(starts[j]) - scene_x)
                if d < best_d:
                    best, best_d = j, d
        return best if best_d <= HANDLE_PX else None

    def clip_at_x(self, scene_x: float) -> int | None:
        return self.bridge.project.clip_index_at(self.x_to_ms(scene_x))

    def clip_center(self, index: int, lane_y: float = CLIP_Y + CLIP_H / 2) -> QPoint:
        """Viewport point at the middle of clip `index` (for tests and keyboard navigation)."""
        clip = self.bridge.project.clips[index]
        self.ensureVisible(QRectF(self.ms_to_x(clip.start_ms), 0, clip.duration_ms * self.px_per_ms, 1), 0, 0)
        return self.mapFromScene(QPointF(self.ms_to_x((clip.start_ms + clip.end_ms) / 2), lane_y))

    def boundary_point(self, index: int) -> QPoint:
        clip = self.bridge.project.clips[index]
        self.ensureVisible(QRectF(self.ms_to_x(clip.start_ms), 0, 1, 1), 60, 0)
        return self.mapFromScene(QPointF(self.ms_to_x(clip.start_ms), CLIP_Y + CLIP_H / 2))

    # -- mouse and keys
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = self.mapToScene(event.position().toPoint())
        if pos.y() < CLIP_Y:
            self.bridge.set_playhead(self._snap(self.x_to_ms(pos.x())))
            self._drag = -1  # scrubbing the playhead
            return
        if pos.y() <= CLIP_Y + CLIP_H:
            boundary = self.boundary_near(pos.x())
            if boundary is not None:
                self._drag = boundary
                self._drag_ms = self.bridge.project.clips[boundary].start_ms
                return
        index = self.clip_at_x(pos.x())
        if index is None:
            return
        mods = event.modifiers()
        selection = list(self.bridge.selection)
        if mods & Qt.KeyboardModifier.ControlModifier:
            selection = [i for i in selection if i != index] if index in selection else [*selection, index]
        elif mods & Qt.KeyboardModifier.ShiftModifier and selection:
            lo, hi = sorted((selection[0], index))
            selection = list(range(lo, hi + 1))
        else:
            selection = [index]
        self.bridge.select(selection)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Right-click a clip: select it (unless already selected) and offer the clip actions."""
        pos = self.mapToScene(event.pos())
        index = self.clip_at_x(pos.x())
        if index is not None and index not in self.bridge.selection:
            self.bridge.select([index])
        self.contextMenuRequested.emit(event.globalPos())  # the window shows gui.actions.CLIP_CONTEXT_MENU

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Double-click a clip: select it and put the playhead at its start (its line: edit it)."""
        pos = self.mapToScene(event.position().toPoint())
        index = self.clip_at_x(pos.x()) if pos.y() >= CLIP_Y else None
        if index is None:
            return super().mouseDoubleClickEvent(event)
        self.bridge.select([index])
        self.bridge.set_playhead(self.bridge.project.clips[index].start_ms)
        if pos.y() >= NARR_Y:
            self.editLineRequested.emit(index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = self.mapToScene(event.position().toPoint())
        if self._drag == -1:
            self.bridge.set_playhead(self._snap(self.x_to_ms(pos.x())))
            return
        if self._drag is not None:
            clips = self.bridge.project.clips
            left, right = clips[self._drag - 1], clips[self._drag]
            ms = self._snap(self.x_to_ms(pos.x()))
            ms = max(left.start_ms + MIN_CLIP_MS, min(ms, right.end_ms - MIN_CLIP_MS))
            self._drag_ms = ms
            self._place_clip(self._drag - 1, left.start_ms, ms)
            self._place_clip(self._drag, ms, right.end_ms)
            self.clip_items[self._drag - 1].update()
            self.clip_items[self._drag].update()
            self.narr_items[self._drag - 1].update()
            self.narr_items[self._drag].update()
            self.bridge.message.emit(
                tr("Boundary at {time}: clip {a} {a_seconds} s, clip {b} {b_seconds} s").format(
                    time=format_timecode(ms), a=self._drag, a_seconds=f"{(ms - left.start_ms) / 1000:.2f}",
                    b=self._drag + 1, b_seconds=f"{(right.end_ms - ms) / 1000:.2f}",
                )
            )  # fmt: skip
            return
        near = pos.y() >= CLIP_Y and pos.y() <= CLIP_Y + CLIP_H and self.boundary_near(pos.x()) is not None
        self.viewport().setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is not None and drag > 0:
            ms = self._drag_ms
            if ms != self.bridge.project.clips[drag].start_ms:
                self.bridge.edit(tr("Move clip boundary"), lambda p: move_boundary(p, drag, ms))
            else:
                self.layout_items()
            return
        super().mouseReleaseEvent(event)

    def _snap(self, ms: int) -> int:
        media = self.bridge.project.media
        ms = max(0, min(ms, self.duration_ms))
        return snap_ms_to_frame(ms, media.fps) if media is not None else ms

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            anchor = self.x_to_ms(self.mapToScene(event.position().toPoint()).x())
            self._follow_width = False
            self.set_zoom(self.px_per_ms * (1.25 if delta > 0 else 0.8), anchor_ms=anchor)
            event.accept()
            return
        bar = self.horizontalScrollBar()
        bar.setValue(bar.value() - delta)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if (
            self.viewport().width() > 150
            and self.duration_ms > 0
            and (not self._fitted or self._follow_width)
        ):
            self._fitted = True
            self.fit()  # the first time, and whenever the window grows or shrinks while fitted
