"""Product knowledge: name, spoken name (口播名称), the 15 known attribute keys, free keys, and paste-to-fill."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.narration.knowledge import KEYS as KNOWN_KEYS
from core.narration.naming import derive_name
from core.project import Product
from gui.bridge import DocumentBridge
from gui.i18n import tr

_LINE = re.compile(r"^\s*([^:：=]{1,40}?)\s*[:：=]\s*(.*?)\s*$")


def parse_attribute_block(text: str) -> dict[str, str]:
    """'key：value' (or key: value) per line; lines without a key continue the previous value."""
    out: dict[str, str] = {}
    last: str | None = None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if m:
            last = m.group(1).strip()
            out[last] = m.group(2)
        elif last is not None:
            out[last] = "、".join(x for x in (out[last], raw.strip()) if x)
    return out


class ProductPanel(QWidget):
    """Every field commits on editingFinished as one undo step."""

    def __init__(self, bridge: DocumentBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self._updating = False
        self._typed = False  # a field was typed in and not committed yet (focus still in it)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # never sideways: the fields shrink and the help text wraps to the panel's width
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area = scroll
        inner = QWidget()
        form = QFormLayout(inner)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setObjectName("knowledgeWarning")
        self.warning.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.warning.setVisible(False)
        form.addRow(self.warning)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("Product name"))
        self.name.setMinimumWidth(60)
        self.name.editingFinished.connect(self.commit)
        self.name.textEdited.connect(self._edited)
        form.addRow(tr("Name"), self.name)
        self.spoken = QLineEdit()  # what every line calls the product; empty = derived from the name
        self.spoken.setObjectName("spokenName")
        self.spoken.setMinimumWidth(60)
        self.spoken.setToolTip(
            tr(
                "What the narration calls the product (brand + type). Leave empty to use the name shown in grey."
            )
        )
        self.spoken.editingFinished.connect(self.commit)
        self.spoken.textEdited.connect(self._edited)
        self.name.textEdited.connect(self._show_derived_name)
        form.addRow(tr("Spoken name"), self.spoken)
        self.fields: dict[str, QLineEdit] = {}
        for key in KNOWN_KEYS:
            edit = QLineEdit()
            edit.setPlaceholderText(tr("values separated by 、"))
            edit.setMinimumWidth(60)
            edit.editingFinished.connect(self.commit)
            edit.textEdited.connect(self._edited)
            form.addRow(key, edit)
            self.fields[key] = edit
        form.addRow(QLabel(tr("Other keys")))
        self.extra = QTableWidget(0, 2)
        self.extra.setHorizontalHeaderLabels([tr("Key"), tr("Value")])
        self.extra.setMinimumWidth(60)
        self.extra.horizontalHeader().setStretchLastSection(True)
        self.extra.itemChanged.connect(lambda _item: self.commit())
        form.addRow(self.extra)
        row = QHBoxLayout()
        add = QPushButton(tr("Add key"))
        add.clicked.connect(self._add_row)
        row.addWidget(add)
        row.addStretch(1)
        form.addRow(row)
        help_text = QLabel(tr("Paste a block of “key：value” lines to fill the fields:"))
        help_text.setWordWrap(True)
        form.addRow(help_text)
        self.paste = QPlainTextEdit()
        self.paste.setMaximumHeight(80)
        self.paste.setPlaceholderText("功效：保湿、修护\n活动优惠：买一送一")
        form.addRow(self.paste)
        self.fill = QPushButton(tr("Fill from text"))
        self.fill.clicked.connect(self.fill_from_paste)
        form.addRow(self.fill)
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        self._warnings_source: Callable[[], list[str]] | None = None
        bridge.productChanged.connect(self.refresh)
        bridge.documentReplaced.connect(self.refresh)
        self.refresh()

    def set_warnings_source(self, source: Callable[[], list[str]]) -> None:
        """Where the thin-knowledge warnings come from (the window: core.narration.knowledge)."""
        self._warnings_source = source
        self.refresh()

    def refresh(self) -> None:
        product = self.bridge.project.product
        warnings = self._warnings_source() if self._warnings_source is not None else []
        self.warning.setText(
            tr(
                "The product knowledge is thin: {warnings}. The narrator says only what is written here: add facts (功效, 成分, 活动优惠…) for true lines."
            ).format(warnings=tr("; ").join(warnings))
            if warnings
            else ""
        )
        self.warning.setVisible(bool(warnings))
        self._updating = True
        try:
            if self.name.text() != product.name:
                self.name.setText(product.name)
            if self.spoken.text() != product.spoken_name:
                self.spoken.setText(product.spoken_name)
            self._show_derived_name()
            for key, edit in self.fields.items():
                value = product.attributes.get(key, "")
                if edit.text() != value:
                    edit.setText(value)
            extras = [(k, v) for k, v in product.attributes.items() if k not in self.fields]
            current = self._extra_pairs(keep_empty=True)
            if [p for p in current if p[0] and p[1]] != extras:  # a half-typed row stays
                self.extra.setRowCount(len(extras))
                for r, (k, v) in enumerate(extras):
                    self.extra.setItem(r, 0, QTableWidgetItem(k))
                    self.extra.setItem(r, 1, QTableWidgetItem(v))
        finally:
            self._updating = False

    def _extra_pairs(self, keep_empty: bool = False) -> list[tuple[str, str]]:
        pairs = []
        for r in range(self.extra.rowCount()):
            k = self.extra.item(r, 0)
            v = self.extra.item(r, 1)
            key = k.text().strip() if k else ""
            if key or keep_empty:
                pairs.append((key, v.text().strip() if v else ""))
        return pairs

    def _add_row(self) -> None:
        self._updating = True
        self.extra.insertRow(self.extra.rowCount())
        self._updating = False

    def product_from_fields(self) -> Product:
        attrs = {key: edit.text().strip() for key, edit in self.fields.items() if edit.text().strip()}
        for key, value in self._extra_pairs():
            if key and value and key not in attrs:
                attrs[key] = value
        return Product(
            name=self.name.text().strip(), attributes=attrs, spoken_name=self.spoken.text().strip()
        )

    def _show_derived_name(self, _text: str = "") -> None:
        """The spoken name derived from the title as the placeholder: what lines say when left empty."""
        derived = derive_name(self.name.text().strip())
        self.spoken.setPlaceholderText(derived or tr("brand + product type, e.g. 美的空气炸锅"))

    def _edited(self, _text: str = "") -> None:
        self._typed = True

    def flush(self) -> None:
        """Commit a field still being typed in (Ctrl+R narrates with the product on screen)."""
        if self._typed:
            self.commit()

    def commit(self) -> None:
        if self._updating:
            return
        self._typed = False
        product = self.product_from_fields()
        self.bridge.edit(tr("Edit product"), lambda p: replace(p, product=product))

    def fill_from_paste(self) -> None:
        """Merge pasted pairs into the product (one undo step); '名称'/'name' sets the name."""
        pairs = parse_attribute_block(self.paste.toPlainText())
        if not pairs:
            self.bridge.message.emit(tr("Nothing to fill: write one “key：value” per line"))
            return
        current = self.bridge.project.product
        name, spoken = current.name, current.spoken_name
        attrs = dict(current.attributes)
        for key, value in pairs.items():
            if key.lower() in ("名称", "name", "产品", "商品", "产品名称", "商品名称"):
                name = value
            elif key.lower() in ("口播名称", "spoken name", "spoken_name"):
                spoken = value.strip()
            else:
                attrs[key] = value
        product = Product(name=name, attributes=attrs, spoken_name=spoken)
        if self.bridge.edit(tr("Fill product from text"), lambda p: replace(p, product=product)):
            self.paste.clear()
