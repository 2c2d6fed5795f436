"""The Qt editor (PySide6 widgets observing the core document)."""
