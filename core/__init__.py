"""SyncNarrator core: pure-Python media, narration, speech and export logic (no Qt)."""

__version__ = "0.1.0"
