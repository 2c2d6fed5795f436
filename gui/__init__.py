"""SyncNarrator editor: Qt widgets observing the core document."""
