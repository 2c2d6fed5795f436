"""The Qt editor (PySide6). Importing it applies the bindings workaround in gui.compat first."""

from gui.compat import make_none_immortal

make_none_immortal()
