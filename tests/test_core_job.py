"""core.jobs.core_job: one typed, picklable call of a core function (what the editor runs in its helper process),
and the narrator that travels with it by name."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import Cancelled
from core.jobs import CancelToken, ProgressCallback, core_job, no_progress
from core.narration.registry import SharedNarrator

ROOT = Path(__file__).resolve().parents[1]


def count_to(
    n: int, *, step: int = 1, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
) -> list[int]:
    out = []
    for k in range(0, n, step):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(k / n, "counting")
        out.append(k)
    return out


def add(a: int, b: int = 0) -> int:
    return a + b


def test_the_job_hands_the_function_its_progress_and_cancel_and_survives_pickling() -> None:
    job = pickle.loads(pickle.dumps(core_job(count_to, 4, step=2)))  # as the helper process receives it
    seen: list[tuple[float, str]] = []
    assert job(lambda f, s: seen.append((f, s)), CancelToken()) == [0, 2]
    assert seen == [(0.0, "counting"), (0.5, "counting")]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        job(no_progress, token)


def test_a_function_without_progress_or_cancel_is_called_without_them() -> None:
    assert core_job(add, 2, b=3)(no_progress, CancelToken()) == 5


def test_wrong_arguments_fail_when_the_job_is_built_not_in_the_helper_process() -> None:
    with pytest.raises(TypeError):
        core_job(add, 1, c=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        core_job(count_to, 3, progress=no_progress)


def test_the_type_checker_checks_the_arguments_against_the_function(tmp_path: Path) -> None:
    bad = tmp_path / "bad_job.py"
    bad.write_text(
        "from core.jobs import CoreJob, core_job\nfrom core.pipeline import merge_range\n"
        "from core.project import Project\n"
        "ok: CoreJob[Project] = core_job(merge_range, Project(), 0, 1)\n"
        "wrong = core_job(merge_range, Project(), '0', 1)\n"
        "result: CoreJob[int] = core_job(merge_range, Project(), 0, 1)\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / "cache"), str(bad)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["5", "6"], proc.stdout


def test_the_shared_narrator_travels_by_name_and_is_created_once_per_process() -> None:
    narrator = SharedNarrator("embedded")
    copy = pickle.loads(pickle.dumps(narrator))
    assert copy == narrator and len(pickle.dumps(narrator)) < 200  # the name, not a loaded model
    assert copy.narrator is narrator.narrator  # one real narrator in this process
    assert type(narrator.narrator).__name__ == "EmbeddedNarrator"
