from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from core.speech import Speaker


@pytest.fixture
def shared_speech_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """One speech cache for the whole run, never the user's: the export tests speak the same lines."""
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "speech-cache"))


@pytest.fixture(scope="module")
def speaker() -> Speaker:
    """An espeak-ng speaker (fast, always installed) shared by a module's export tests."""
    from core.speech import EspeakEngine, Speaker

    return Speaker(EspeakEngine())
