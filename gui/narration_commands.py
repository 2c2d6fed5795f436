"""The editor's narration commands as operations: detect, narrate, rewrite, alternatives, speech, export.

Each command builds a `DocumentOp` (changes the project: one undo step, stale results dropped) or a
`QueryOp` (read-only) and hands it to `operations` (gui/operations.py). Actions reach them by id
(`ActionId.NARRATE` in gui/actions.py); the window only composes. The commands see the window through the
`CommandHost` protocol and the preview and Clip panel through `Player` and `AlternativesView`
(gui/hosts.py), never the widgets themselves.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from core.detection import Detection, detect_clips
from core.errors import InputError
from core.export import ExportOptions, ExportResult
from core.interchange import TimelineResult, export_timeline
from core.jobs import CoreJob, core_job
from core.narration.knowledge import knowledge_warnings
from core.pipeline import (
    CheckedExport,
    FitPolicy,
    LineVerdict,
    Made,
    alternative_lines,
    apply_lines,
    check_lines,
    checked_export,
    narration_track,
    rewrite_lines,
    shorten_proposals,
    warm_up,
    write_lines,
)
from core.project import Clip, ExportSettings, Project, set_clips
from core.speech import FitResult
from core.speech.voices import VoiceInfo, list_voices
from gui import config, dialogs, i18n
from gui.bridge import DocumentBridge
from gui.export_dialog import ExportDialog, FitDialog, ShortenDialog, beside
from gui.hosts import AlternativesView, CommandHost, Player
from gui.i18n import tr
from gui.jobs import Job
from gui.operations import DocumentOp, Operations, QueryOp
from gui.preview_files import preview_dir, preview_name
from gui.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from gui.speech_queue import SpeechQueue

Lines = list[tuple[int, tuple[str, ...], str]]  # (clip index, labels, text)
Verdicts = list[LineVerdict]  # index, labels, text, verdict (fitted/shortened/...)
Alternatives = list[tuple[tuple[str, ...], str]]  # (labels, text), best first
LABEL_PAUSE_MS = 1500  # the storyline clicks of one change: the rewrite is offered after this pause


def apply_rewrites(project: Project, lines: Sequence[LineVerdict | tuple[int, tuple[str, ...], str]]) -> Project:
    """Rewritten lines replace the clips' lines (unlocking them); locked labels are kept."""
    return apply_lines(project, lines, unlock=True)


def export_job(
    snapshot: Project, output: Path, allow_silent: bool, shortened: tuple[int, ...], made: Made
) -> CoreJob[CheckedExport]:
    """The editor's export: core's checked export of a snapshot with the policy "fail" (or "allow_silent":
    export anyway); only the speech not in `made` is synthesized, and when that speech shows a line the
    estimate let through cannot fit, nothing is written (the result's `problems`; the editor asks again)."""
    srt = output.with_suffix(".srt") if snapshot.export.write_srt else None
    options = ExportOptions.from_project(snapshot, srt=srt, shortened=frozenset(shortened))
    policy: FitPolicy = "allow_silent" if allow_silent else "fail"
    return core_job(checked_export, snapshot, output, options, policy=policy, made=dict(made))


def voice_choices(voices: list[VoiceInfo]) -> list[tuple[str, str]]:
    """[(voice id, readable name)] for the settings' list: no id or name twice."""
    out: list[tuple[str, str]] = []
    for v in voices:
        name = v.name or v.id
        if v.id and all(v.id != i and name != n for i, n in out):
            out.append((v.id, name))
    return out


class NarrationCommands(QObject):
    def __init__(
        self,
        host: CommandHost,
        bridge: DocumentBridge,
        operations: Operations,
        speech: SpeechQueue,
        player: Player,
        alternatives: AlternativesView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.bridge = bridge
        self.operations = operations
        self.speech = speech
        self.player = player
        self.alternatives_view = alternatives
        self.seed = random.randrange(1 << 30)
        self.auto_narrate = False
        self.narration_track: str | None = None
        self.voices: list[tuple[str, str]] = []  # (voice id, readable name)
        self.last_export: ExportResult | None = None
        self._labels_pending: tuple[int, tuple[int, int]] | None = None  # clip index, its span
        self._labels_timer = QTimer(self)
        self._labels_timer.setSingleShot(True)
        self._labels_timer.setInterval(LABEL_PAUSE_MS)
        self._labels_timer.timeout.connect(self._offer_pending_rewrite)
        self.bridge.selectionChanged.connect(self._selection_left_labels)
        self.bridge.documentReplaced.connect(self._drop_pending_rewrite)

    def _selection_left_labels(self) -> None:
        if self._labels_pending is not None and self.bridge.current != self._labels_pending[0]:
            self._offer_pending_rewrite()

    def _drop_pending_rewrite(self) -> None:
        self._labels_timer.stop()
        self._labels_pending = None

    def warm_job(self, project: Project | None = None) -> CoreJob[bool]:
        """Loads the narrator and the estimate's front-end in the main helper process and looks at the clips
        (the speech queue starts it once there are clips, and loads the voice in its own process)."""
        return core_job(warm_up, config.narrator(), project, voice=False)

    def next_seed(self, step: int) -> int:
        self.seed += step
        return self.seed

    # -- clips
    def detect(self, auto_narrate: bool | None = None) -> Job | None:
        w = self.host
        if auto_narrate is not None:
            self.auto_narrate = auto_narrate
        project = self.bridge.project
        if project.video is None or project.media is None:
            w.show_message(tr("Open a video first"))
            return None
        if project.video_missing:
            w.show_error(tr("Detect clips"), InputError(f"{project.video}: the video is missing"))
            return None
        video = project.video

        def apply(p: Project, detection: Detection) -> Project:
            current = {(c.start_ms, c.end_ms): c for c in p.clips}
            return set_clips(p, tuple(current.get(span, Clip(*span)) for span in detection.clips))

        def done(detection: Detection, _applied: bool) -> None:
            self.bridge.select([0] if detection.clips else [])
            w.show_message(tr("Detected %n clips", "", len(detection.clips)))
            if self.auto_narrate:
                self.auto_narrate = False
                self.narrate_all(automatic=True)

        return self.operations.change(DocumentOp[Detection](
            tr("Detecting clips"), tr("Detect clips"), lambda _s: core_job(detect_clips, Path(video)), apply,
            stale=lambda _s, now: now.video != video, done=done,
            # the demo's detection and narration are the editor's own doing: they leave it "untouched"
            automatic=self.auto_narrate and not self.bridge.document.can_undo(),
        ))  # fmt: skip

    # -- lines
    def knowledge_warnings(self) -> list[str]:
        """What is missing from the product knowledge, in the interface language (empty: enough)."""
        return [
            i18n.knowledge_warning_text(w) for w in knowledge_warnings(self.bridge.project.product)
        ]

    def narrate_all(self, automatic: bool = False) -> Job | None:
        w = self.host
        if not self.bridge.project.clips:
            return None
        warnings = self.knowledge_warnings()
        if warnings and not automatic:
            question = tr(
                "The product knowledge is thin: {warnings}.\nThe narrator can only say what the Product tab tells it; fill it in first for lines that are true to the product.\n\nNarrate anyway?"
            ).format(warnings=tr("; ").join(warnings))
            if not dialogs.ask_yes_no(w.window(), tr("Narrate all"), question):
                w.show_product_tab()
                return None
        narrator = config.narrator()
        seed = self.next_seed(1)
        what = tr("Narrate all")
        # every clip narrated and fitted by the estimate, nothing synthesized: the lines show at once and the
        # speech queue (gui/speech_queue.py) speaks them afterwards
        return self.operations.change(DocumentOp[Verdicts](
            tr("Narrating"), what, lambda snap: core_job(write_lines, snap, narrator, seed=seed, speak=False),
            apply_lines,
            done=lambda lines, _a: w.show_message(tr("{what}: %n lines", "", len(lines)).format(what=what)),
            automatic=automatic,
        ))  # fmt: skip

    def narrate_selected(
        self, indexes: list[int] | None = None, what: str = "", override_lock: bool = False
    ) -> Job | None:
        """New lines for the selected clips; locked lines are kept unless `override_lock`."""
        what = what or tr("Narrate selected")
        project = self.bridge.project
        chosen = list(indexes if indexes is not None else self.bridge.selection)
        if not override_lock:
            chosen = [i for i in chosen if not project.clips[i].locked]
        if not chosen:
            self.host.show_message(tr("{what}: the selected lines are locked").format(what=what))
            return None
        narrator = config.narrator()
        seed = self.next_seed(7)

        def unlock(p: Project) -> Project:
            return replace(
                p, clips=tuple(replace(c, locked=False) if i in chosen else c for i, c in enumerate(p.clips))
            )

        return self.operations.change(DocumentOp[Verdicts](
            tr("Writing lines"), what,
            lambda snap: core_job(rewrite_lines, snap, narrator, chosen, seed=seed, speak=False),
            apply_rewrites, prepare=unlock,
        ))  # fmt: skip

    # -- alternatives ("换一句")
    def request_alternatives(self, index: int | None = None, then_use_next: bool = False) -> Job | None:
        """Ask the narrator for the clip's alternatives (off the GUI thread); the Clip panel lists them."""
        index = self.bridge.current if index is None else index
        if index is None:
            return None
        self.host.flush_edits()
        snapshot = self.bridge.project
        span = (snapshot.clips[index].start_ms, snapshot.clips[index].end_ms)

        def done(lines: Alternatives) -> None:
            now = self.bridge.project.clips
            if index >= len(now) or (now[index].start_ms, now[index].end_ms) != span:
                return
            self.alternatives_view.set_alternatives(index, lines)
            if not lines:
                self.host.show_message(tr("The narrator has no other line for this clip"))
            elif then_use_next:
                self.use_next_alternative()

        job = core_job(alternative_lines, snapshot, config.narrator(), index, seed=self.next_seed(11))
        return self.operations.query(QueryOp[Alternatives](tr("Finding other lines"), job, done))

    def use_alternative(self, index: int, text: str, labels: tuple[str, ...] = (), what: str = "") -> bool:
        """Put an alternative line in clip `index`: one undo step. A locked line is replaced only after asking."""
        clips = self.bridge.project.clips
        if index >= len(clips):
            return False
        clip = clips[index]
        if (
            clip.locked
            and clip.narration
            and clip.narration != text
            and not dialogs.ask_yes_no(
                self.host.window(),
                tr("Replace line"),
                tr("This line is locked (you wrote or locked it). Replace it?"),
            )
        ):
            return False
        done = self.bridge.edit(
            what or tr("Use another line"),
            lambda p: apply_rewrites(p, [(index, labels or p.clips[index].labels, text)]),
        )
        if done:
            self.alternatives_view.refresh()
        return done

    def use_next_alternative(self) -> bool:
        """Regenerate walks through the listed alternatives; past the last one it asks for new ones."""
        index = self.bridge.current
        if index is None:
            return False
        nxt = self.alternatives_view.next_alternative(index)
        if nxt is None:
            return False
        labels, text = nxt
        return self.use_alternative(index, text, labels, tr("Regenerate line"))

    def regenerate_current(self) -> None:
        index = self.bridge.current
        if index is not None and not self.use_next_alternative():
            self.request_alternatives(index, then_use_next=True)

    def offer_rewrite_for_labels(self, index: int) -> None:
        """The user changed the clip's storyline: offer a line written for the new labels, once.

        A label change is often several clicks (untick one, tick another): the offer waits until the
        clicks pause (LABEL_PAUSE_MS) or another clip is chosen, so it is asked once per change."""
        pending = self._labels_pending
        if pending is not None and pending[0] != index:
            self._offer_pending_rewrite()
        clip = self.bridge.project.clips[index]
        self._labels_pending = (index, (clip.start_ms, clip.end_ms))
        self._labels_timer.start()

    def _offer_pending_rewrite(self) -> None:
        self._labels_timer.stop()
        pending, self._labels_pending = self._labels_pending, None
        if pending is None:
            return
        index, span = pending
        clips = self.bridge.project.clips
        if index >= len(clips) or (clips[index].start_ms, clips[index].end_ms) != span:
            return  # the clip was retimed or removed meanwhile
        self._rewrite_for_labels(index)

    def _rewrite_for_labels(self, index: int) -> None:
        clip = self.bridge.project.clips[index]
        if not clip.narration:
            self.request_alternatives(index, then_use_next=True)
            return
        if clip.locked:
            question = tr(
                "The storyline changed. This line is locked (you wrote or locked it): rewrite it for the new storyline?"
            )
        else:
            question = tr("The storyline changed: rewrite this line for the new storyline?")
        if dialogs.ask_yes_no(self.host.window(), tr("Rewrite line"), question):
            self.request_alternatives(index, then_use_next=True)

    # -- speech
    def synthesize(self) -> Job | None:
        """The narration track of every line for the preview: the speech already made is reused."""
        w = self.host
        snapshot = self.bridge.project
        if not snapshot.clips:
            return None

        def done(result: tuple[Path, list[FitResult]]) -> None:
            track, fits = result
            self.speech.record(snapshot, fits)
            self.narration_track = str(track) if track else None
            self.player.set_narration_audio(self.narration_track)
            w.show_message(
                tr("Narration synthesized: play to hear it") if track else tr("Narration synthesized")
            )
            self.player.warn_if_no_audio_output()

        return self.operations.query(QueryOp[tuple[Path, list[FitResult]]](
            tr("Synthesizing speech"), self._track_job(snapshot), done, lane="voice"
        ))  # fmt: skip

    def _track_job(self, snapshot: Project) -> CoreJob[tuple[Path, list[FitResult]]]:
        """The preview's narration track of `snapshot` (the speech already made is reused)."""
        made = dict(self.bridge.made_speech(snapshot))
        return core_job(narration_track, snapshot, preview_dir() / preview_name(snapshot), made=made)

    def build_track_when_spoken(self) -> Job | None:
        """Once every line's speech is made (the queue is idle), the preview's narration track is built from
        it (nothing synthesized), so playing the video speaks the lines without Synthesize."""
        queue = self.speech
        snapshot = self.bridge.project
        ready, total = queue.counts()
        if queue.active or not total or ready < total or self.operations.main_job is not None:
            return None
        name = preview_name(snapshot)
        if self.narration_track and Path(self.narration_track).name == name:
            return None
        self.narration_track = str(preview_dir() / name)  # (being built: asked once)

        def done(result: tuple[Path, list[FitResult]]) -> None:
            if self.bridge.project is snapshot or preview_name(self.bridge.project) == name:
                self.narration_track = str(result[0])
                self.player.set_narration_audio(self.narration_track)

        return self.operations.query(
            QueryOp[tuple[Path, list[FitResult]]](
                "Narration track", self._track_job(snapshot), done, main=False, lane="voice"
            )
        )

    def play_current_speech(self) -> bool:
        """试听: the clip's speech plays as soon as it is made (at once when it is; else it is spoken next)."""
        w = self.host
        w.flush_edits()  # the line typed in the last 800 ms is the one to hear
        index = self.bridge.current
        if index is None:
            return False
        if not self.bridge.project.clips[index].narration.strip():
            w.show_message(tr("This clip has no narration yet"))
            return False
        doc = self.bridge.document

        def play(fit: FitResult) -> None:
            if self.bridge.document is not doc or fit.wav is None:
                return
            w.show_message(tr("Speech for clip {number}").format(number=index + 1))
            self.player.play_file(str(fit.wav))

        if not self.speech.play_when_ready(index, play):
            w.show_message(
                tr("Making the speech for clip {number}; it plays when ready").format(number=index + 1)
            )
        return True

    # -- export and settings
    def export_dialog(self) -> None:
        doc = self.bridge.document
        dialog = ExportDialog(doc.project, doc.path, self.host.window())
        if not dialogs.exec_dialog(dialog):
            return
        self.start_export(dialog.output_path(), dialog.settings(doc.project.export))

    def start_export(
        self, output: Path, settings: ExportSettings | None = None, shortened: tuple[int, ...] = ()
    ) -> bool:
        """Check every line against its clip at once (the meter's verdict: the speech already made, else the
        estimate), settle those that cannot fit (FitDialog: shorten with the narrator, choosing line by
        line / export anyway, leaving them silent / cancel), then export a snapshot of the project that
        synthesizes only the speech not made yet; edits made meanwhile do not change this export.

        The export settings are kept with the project but are no undo step: Ctrl+Z after an export
        takes back the last edit, not the settings.
        """
        w = self.host
        if settings is not None and settings != self.bridge.project.export:
            doc = self.bridge.document
            clean = not doc.dirty
            doc.set_untracked(lambda p: replace(p, export=settings))
            if clean:  # an export alone does not make the project "modified" (kept if saved later)
                doc.mark_saved()
                w.update_title()
            config.set_default_burn_subtitles(settings.burn_subtitles)
        snapshot = self.bridge.project
        if snapshot.video_missing:
            w.show_error(tr("Export"), InputError(f"{snapshot.video}: the video is missing"))
            return False
        problems = check_lines(snapshot, made=self.bridge.made_speech(snapshot), wait=False)
        if not problems:
            self._run_export(snapshot, output, shortened=shortened)
            return True
        dialog = FitDialog(problems, w.window())
        if not dialogs.exec_dialog(dialog) or dialog.choice == FitDialog.CANCEL:
            w.show_message(tr("Export cancelled: some lines do not fit their clips"))
            return False
        if dialog.choice == FitDialog.SILENT:
            self._run_export(snapshot, output, allow_silent=True, shortened=shortened)
            return True
        self._shorten_then_export([p.index for p in problems], output, shortened)
        return True

    def _shorten_then_export(
        self, indexes: list[int], output: Path, shortened: tuple[int, ...] = ()
    ) -> Job | None:
        """The narrator proposes shorter lines; the user picks which to use (ShortenDialog: a locked line, one
        they typed or locked, is unchecked), the chosen ones are applied as one undo step, then the export
        checks again (a line kept too long asks again: export it silent or cancel)."""
        w = self.host
        narrator = config.narrator()
        seed = self.next_seed(13)
        snapshot = self.bridge.project
        doc = self.bridge.document

        def proposed(result: tuple[tuple[int, ...], Verdicts]) -> None:
            verdicts = result[1]  # every line is proposed (a locked one unchecked): the user chooses
            if self.bridge.document is not doc:
                return
            now = self.bridge.project
            if [(c.start_ms, c.end_ms, c.narration) for c in now.clips] != [
                (c.start_ms, c.end_ms, c.narration) for c in snapshot.clips
            ]:
                w.show_message(
                    tr("{what}: the clips changed while it ran; run it again").format(
                        what=tr("Shorten lines")
                    )
                )
                return
            dialog = ShortenDialog(now, verdicts, w.window())
            if not dialogs.exec_dialog(dialog):
                w.show_message(tr("Export cancelled: some lines do not fit their clips"))
                return
            chosen = dialog.chosen()
            if chosen:
                self.bridge.edit(tr("Shorten lines"), lambda p: apply_lines(p, chosen, unlock=True))
            done = tuple(sorted({*shortened, *(v.index for v in chosen)}))
            self.start_export(output, shortened=done)

        # the checked export's shorten step, judged by the estimate (nothing synthesized)
        job = core_job(shorten_proposals, snapshot, narrator, indexes, skip_locked=False, seed=seed, speak=False)
        return self.operations.query(QueryOp[tuple[tuple[int, ...], Verdicts]](tr("Shortening lines"), job, proposed))

    def _run_export(
        self, snapshot: Project, output: Path, allow_silent: bool = False, shortened: tuple[int, ...] = ()
    ) -> Job | None:
        w = self.host
        doc = self.bridge.document

        def done(checked: CheckedExport) -> None:
            result = checked.result
            if result is None:  # the speech made says a line the estimate let through cannot fit: ask again
                if self.bridge.document is doc:
                    self.speech.record(snapshot, checked.fits)
                    self.start_export(output, shortened=shortened)
                return
            warnings = list(result.warnings)
            message = tr("Exported {name}").format(name=output.name)
            if warnings:
                message += " " + tr("(%n warnings: {first})", "", len(warnings)).format(first=warnings[0])
            w.show_message(message)
            self.last_export = result
            dialogs.show_export_finished(w.window(), output, result)

        def cancelled() -> None:
            w.show_message(tr("Export cancelled; {name} was not written").format(name=output.name))

        job = export_job(snapshot, output, allow_silent, shortened, self.bridge.made_speech(snapshot))
        return self.operations.query(QueryOp[CheckedExport](  # the voice's process: it synthesizes what is missing
            tr("Exporting"), job, done, cancelled, document_bound=False, lane="voice"
        ))  # fmt: skip

    def export_timeline_dialog(self) -> None:
        """Ask for OUT.otio (or .xml / .edl), then write the timeline in the job process."""
        doc = self.bridge.document
        project = doc.project
        if project.video is None or project.video_missing:
            self.host.show_error(
                tr("Export timeline"), InputError(f"{project.video}: the video is missing")
            )
            return
        start = beside(doc.path or Path(project.video), Path(project.video).stem + ".otio")
        filt = "OpenTimelineIO (*.otio);;FCP 7 XML (*.xml);;CMX 3600 EDL (*.edl)"
        path = dialogs.choose_save_file(self.host.window(), tr("Export timeline"), str(start), filt)
        if path:
            self.start_timeline_export(Path(path))

    def start_timeline_export(self, output: Path) -> Job | None:
        """The timeline of a snapshot of the project (core.interchange), off the GUI thread."""
        def done(result: TimelineResult) -> None:
            self.host.show_message(tr("Exported {name}").format(name=result.output.name))

        job = core_job(export_timeline, self.bridge.project, output)
        return self.operations.query(
            QueryOp[TimelineResult](tr("Exporting timeline"), job, done, document_bound=False)
        )

    def settings_dialog(self) -> None:
        w = self.host
        doc = self.bridge.document
        dialog = SettingsDialog(doc.project.speech, self.voices, w.window())
        if not self.voices:  # listing voices starts the speech engine: do it off the GUI thread

            def listed(found: list[VoiceInfo]) -> None:
                pairs = voice_choices(found)
                self.voices.extend(pairs)
                dialog.add_voices(pairs)

            self.operations.query(QueryOp[list[VoiceInfo]](
                "Voices", core_job(list_voices), listed, main=False, document_bound=False, lane="voice"
            ))  # fmt: skip
        if not dialogs.exec_dialog(dialog):
            return
        language_before = config.language()
        dialog.apply_user_settings()
        speech = dialog.speech(doc.project.speech)
        self.bridge.edit(tr("Speech settings"), lambda p: replace(p, speech=speech))
        if config.language() != language_before:
            w.show_message(tr("The new language is used from the next start of SyncNarrator"))
