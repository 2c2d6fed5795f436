"""A message strip at the top of the window: what to do next, with one button and a close box.

Not a dialog: the user can keep working and dismiss it. Used when a video opens without its product
card (X.product.json), so the narrator has nothing to say about the product yet.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from gui.i18n import tr


class Banner(QFrame):
    """Hidden until `show_missing_product`; `actionRequested` when its button is pressed."""

    actionRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setStyleSheet(
            "#banner { background: #fff4d6; border-bottom: 1px solid #e0c36a; }"
            " #banner QLabel { color: #4a3b00; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 4, 4)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.button = QPushButton(tr("Open the Product tab"))
        self.button.clicked.connect(self.actionRequested)
        row.addWidget(self.button)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip(tr("Dismiss"))
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        row.addWidget(self.close_button)
        self.hide()

    def show_missing_product(self, video: Path) -> None:
        card = video.with_suffix("").name + ".product.json"
        self.text.setText(
            tr(
                "No product card for {name}: the narrator needs the product's name and selling points. Put {card} beside the video and open it again, or fill in the Product tab, then Narrate all (Ctrl+R)."
            ).format(name=video.name, card=card)
        )
        self.show()
