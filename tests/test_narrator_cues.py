"""Visual cues for the planner on tiny generated clips (numpy; OpenCV only draws the test faces and checks the
cascade gives its answers)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core import visual_cues
from core.errors import Cancelled, MediaError
from core.jobs import CancelToken
from core.visual_cues import compute_cues
from tests.mediagen import make_cut_video


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cues") / "cues.mp4"
    shots = [
        ("color=c=black", 1.0),  # dark, flat
        ("color=c=white", 1.0),  # bright, flat
        ("testsrc2", 1.0),  # moving pattern with digits: edges, text-like rows, motion
    ]
    return make_cut_video(out, shots, size="160x120")


def test_cues_tell_shots_apart(video: Path) -> None:
    dark, bright, busy = compute_cues(video, [(0, 1000), (1000, 2000), (2000, 3000)])
    assert dark.brightness < 0.15 < 0.85 < bright.brightness
    assert dark.motion == 0.0 == bright.motion < busy.motion
    assert dark.text == 0.0 and busy.text > 0.0
    for c in (dark, bright, busy):
        for value in (c.faces, c.text, c.motion, c.brightness, c.closeup):
            assert 0.0 <= value <= 1.0


def test_cues_errors_and_cancel(video: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        compute_cues(tmp_path / "missing.mp4", [(0, 1000)])
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(MediaError):
        compute_cues(junk, [(0, 1000)])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        compute_cues(video, [(0, 1000)], cancel=token)
    assert compute_cues(video, []) == []


def _drawn_face(features: bool = True) -> np.ndarray:
    """A 160x120 frame with a skin-coloured oval; with `features`, hair, brows, eyes, nose and mouth make it a face."""
    img = np.full((120, 160, 3), 200, np.uint8)
    cv2.ellipse(img, (80, 60), (30, 40), 0, 0, 360, (140, 170, 215), -1)
    if features:
        for ex in (68, 92):
            cv2.line(img, (ex - 7, 42), (ex + 7, 42), (40, 40, 40), 3)
            cv2.ellipse(img, (ex, 50), (7, 4), 0, 0, 360, (30, 30, 30), -1)
        cv2.line(img, (80, 55), (80, 70), (110, 130, 170), 3)
        cv2.ellipse(img, (80, 80), (12, 4), 0, 0, 360, (60, 60, 120), -1)
        cv2.ellipse(img, (80, 30), (32, 16), 0, 180, 360, (20, 20, 20), -1)
    return cv2.GaussianBlur(img, (3, 3), 0)


def test_faces_cue_uses_the_haar_cascade() -> None:
    cascade = visual_cues._cascade()
    assert cascade is not None, "resources/cascades ships haarcascade_frontalface_default.xml"
    face, blank = _drawn_face(True), _drawn_face(False)
    assert visual_cues.cues_for_frames([face, face], cascade).faces == 1.0
    # the same skin-coloured oval without a face's features: the skin share is high, the cascade finds nothing
    assert visual_cues._skin_share(blank) > 0.15
    assert visual_cues.cues_for_frames([blank, blank], cascade).faces == 0.0
    assert visual_cues.cues_for_frames([face, blank], cascade).faces == 0.5


def test_faces_cue_falls_back_to_skin_share_without_cascade(monkeypatch: pytest.MonkeyPatch) -> None:
    blank = _drawn_face(False)
    grey = np.full((120, 160, 3), 128, np.uint8)
    assert visual_cues.cues_for_frames([blank], None).faces > 0.0
    assert visual_cues.cues_for_frames([grey], None).faces == 0.0
    from core import face_cascade

    face_cascade.frontal_face.cache_clear()
    monkeypatch.setattr(face_cascade, "CASCADE_FILE", "cascades/nonexistent.xml")
    try:
        assert visual_cues._cascade() is None
    finally:
        face_cascade.frontal_face.cache_clear()


def _frames() -> dict[str, np.ndarray]:
    face = _drawn_face(True)
    small = np.full((120, 160, 3), 200, np.uint8)
    small[30:90, 50:130] = cv2.resize(face, (80, 60))
    noise = (np.random.default_rng(0).random((90, 160, 3)) * 255).astype(np.uint8)
    return {"face": face, "blank": _drawn_face(False), "small": small, "noise": noise}


@pytest.mark.parametrize("name", ["face", "blank", "small", "noise"])
def test_numpy_cascade_finds_the_windows_opencv_finds(name: str) -> None:
    """The cascade evaluated in numpy (what ships) against OpenCV's own CascadeClassifier on one frame:
    the same windows pass, so the same faces are found."""
    from core import face_cascade

    gray = cv2.cvtColor(_frames()[name], cv2.COLOR_BGR2GRAY)
    ours = face_cascade.detect(visual_cues._cascade(), gray)
    clf = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"))
    theirs = clf.detectMultiScale(gray, 1.2, 0, minSize=(16, 16))
    assert abs(len(ours) - len(theirs)) <= max(1, len(theirs) // 10)
    found = len(clf.detectMultiScale(gray, 1.2, 4, minSize=(16, 16))) > 0
    assert face_cascade.has_face(visual_cues._cascade(), gray) == found


def test_visual_cues_need_no_opencv() -> None:
    """The package leaves OpenCV out: computing cues must not import it."""
    import subprocess
    import sys

    code = (
        "import sys; import core.visual_cues, core.pipeline; "
        "assert 'cv2' not in sys.modules, 'cv2 imported'"
    )
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
