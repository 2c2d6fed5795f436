"""The controllers run on what they are given (gui/hosts.py protocols), not on the window: here a plain host,
a plain Clip panel and preview, a real bridge and operations, and no MainWindow at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from core.project import Clip, Document, Product, Project
from gui.bridge import DocumentBridge
from gui.clip_edits import ClipEdits
from gui.hosts import Alternative
from gui.jobs import JobRunner
from gui.narration_commands import NarrationCommands
from gui.operations import Operations
from gui.speech_queue import SpeechQueue


class PlainHost:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.product_tab = 0
        self.parent = QWidget()

    def show_message(self, text: str) -> None:
        self.messages.append(text)

    def show_error(self, title: str, exc: BaseException, details: str = "") -> None:
        self.messages.append(f"{title}: {exc}")

    def automatic_edit(self, description: str, change: Callable[[Project], Project]) -> bool:
        return False

    def window(self) -> QWidget:
        return self.parent

    def flush_edits(self) -> None:
        return None

    def show_product_tab(self) -> None:
        self.product_tab += 1

    def update_title(self) -> None:
        return None


class PlainPanel:
    """The Clip panel's list of other lines, without a widget."""

    def __init__(self) -> None:
        self.lines: dict[int, list[Alternative]] = {}
        self.refreshed = 0

    def refresh(self) -> None:
        self.refreshed += 1

    def set_alternatives(self, index: int, lines: list[Alternative]) -> None:
        self.lines[index] = list(lines)

    def next_alternative(self, index: int) -> Alternative | None:
        return self.lines[index].pop(0) if self.lines.get(index) else None


class PlainPlayer:
    def set_narration_audio(self, path: str | None) -> None:
        return None

    def warn_if_no_audio_output(self) -> bool:
        return False

    def play_file(self, path: str) -> bool:
        return True


def commands(qapp: Any, project: Project) -> tuple[NarrationCommands, PlainHost, PlainPanel, DocumentBridge]:
    host, panel = PlainHost(), PlainPanel()
    bridge = DocumentBridge(Document(project))
    jobs = JobRunner()
    operations = Operations(bridge, jobs, host)
    speech = SpeechQueue(bridge, jobs, operations)
    speech.enabled = False
    return NarrationCommands(host, bridge, operations, speech, PlainPlayer(), panel), host, panel, bridge


def test_regenerate_walks_the_listed_lines_without_a_window(qapp: Any) -> None:
    narration, _host, panel, bridge = commands(qapp, Project(clips=(Clip(0, 3000), Clip(3000, 6000))))
    panel.set_alternatives(1, [(("产品功效",), "补水保湿一整天"), (("质地/成分/材质",), "质地轻薄好吸收")])
    bridge.select([1])
    narration.regenerate_current()
    assert bridge.project.clips[1].narration == "补水保湿一整天" and bridge.project.clips[1].labels == ("产品功效",)
    narration.regenerate_current()
    assert bridge.project.clips[1].narration == "质地轻薄好吸收" and panel.refreshed == 2
    bridge.document.undo()
    assert bridge.project.clips[1].narration == "补水保湿一整天"  # one undo step each


def test_thin_product_knowledge_sends_the_user_to_the_product_tab(qapp: Any, answers: Any) -> None:
    narration, host, _panel, _bridge = commands(qapp, Project(product=Product(""), clips=(Clip(0, 3000),)))
    answers.yes = False  # "Narrate anyway?" no
    assert narration.narrate_all() is None
    assert host.product_tab == 1 and narration.operations.main_job is None


def test_merge_without_a_next_clip_says_so(qapp: Any) -> None:
    narration, host, _panel, bridge = commands(qapp, Project(clips=(Clip(0, 3000),)))
    edits = ClipEdits(host, bridge, narration.operations, narration.next_seed)
    bridge.select([0])
    assert edits.merge_selected() is False
    assert host.messages and "no next clip" in host.messages[-1]
