"""The Product tab's 口播名称 / Spoken name (issue #23): the derived name as placeholder, editing is one undo
step, saved with the product, and shown in Chinese under zh_CN."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gui.actions import ActionId


def test_spoken_name_field_placeholder_and_undo(window: Any, qtbot: Any, answers: Any) -> None:
    panel = window.product_panel
    panel.name.setText("公牛插线板USB插座家用多孔")
    panel.name.editingFinished.emit()
    assert panel.spoken.text() == "" and panel.spoken.placeholderText() == "公牛插线板"
    panel.name.setText("美的无油空气炸锅家用")
    panel.name.textEdited.emit("美的无油空气炸锅家用")  # the placeholder follows the typing
    assert panel.spoken.placeholderText() == "美的空气炸锅"
    panel.name.editingFinished.emit()
    steps = window.bridge.document.undo_text()
    panel.spoken.setText(" 美的炸锅 ")
    panel.spoken.editingFinished.emit()
    product = window.bridge.project.product
    assert product.spoken_name == "美的炸锅" and product.name == "美的无油空气炸锅家用"
    assert window.bridge.document.undo_text() != steps or steps == "Edit product"
    window.action(ActionId.UNDO).trigger()  # one step back: the spoken name alone is undone
    assert window.bridge.project.product.spoken_name == ""
    assert window.bridge.project.product.name == "美的无油空气炸锅家用"
    assert panel.spoken.text() == ""
    window.action(ActionId.REDO).trigger()
    assert panel.spoken.text() == "美的炸锅"
    panel.paste.setPlainText("口播名称：小美炸锅\n功效：少油")
    panel.fill.click()
    assert window.bridge.project.product.spoken_name == "小美炸锅"
    assert answers.errors == []


@pytest.fixture
def chinese(qapp: Any) -> Iterator[None]:
    from gui import i18n

    assert i18n.install("zh_CN") == "zh_CN"
    yield
    i18n.uninstall()


def test_spoken_name_label_is_chinese(chinese: None, make_window: Any) -> None:
    from PySide6.QtWidgets import QFormLayout, QLabel

    window = make_window()
    panel = window.product_panel
    form = panel.spoken.parentWidget().layout()
    assert isinstance(form, QFormLayout)
    label = form.labelForField(panel.spoken)
    assert isinstance(label, QLabel) and label.text() == "口播名称"
    panel.name.setText("")
    panel.name.textEdited.emit("")
    assert panel.spoken.placeholderText() == "品牌 + 品类，例如 美的空气炸锅"
