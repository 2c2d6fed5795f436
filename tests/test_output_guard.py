"""core.output_guard.check_outputs: an output never names an input, another output, or a special file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import InputError
from core.output_guard import check_outputs, display_path


def _one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    text = str(exc.value)
    assert "\n" not in text and "\x1b" not in text
    return text


def test_fresh_outputs_beside_inputs_are_allowed(tmp_path: Path) -> None:
    src = tmp_path / "in.mp4"
    src.write_bytes(b"x")
    existing = tmp_path / "old.srt"
    existing.write_text("old")
    check_outputs([src, None], [tmp_path / "out.mp4", existing, None])
    check_outputs([], [])


def test_output_equal_to_an_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "p.narr.json"
    src.write_text("{}")
    with pytest.raises(InputError) as exc:
        check_outputs([src], [tmp_path / "sub" / ".." / "p.narr.json"])
    assert "p.narr.json" in _one_line(exc) and "overwrite the input" in str(exc.value)


def test_relative_and_absolute_spelling_are_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("product.json").write_text("{}")
    with pytest.raises(InputError):
        check_outputs([str(tmp_path / "product.json")], ["product.json"])


def test_hard_link_and_symlink_to_an_input_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text("{}")
    os.link(src, tmp_path / "hard.json")
    (tmp_path / "soft.json").symlink_to(src)
    for out in ("hard.json", "soft.json"):
        with pytest.raises(InputError, match="overwrite the input"):
            check_outputs([src], [tmp_path / out])


def test_two_outputs_naming_one_file_are_refused_even_before_it_exists(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="another output") as exc:
        check_outputs([], [tmp_path / "x.srt", tmp_path / "." / "x.srt"])
    assert "x.srt" in _one_line(exc)


def test_existing_folder_fifo_and_device_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target, word in ((tmp_path, "folder"), (fifo, "pipe"), (Path("/dev/null"), "device")):
        with pytest.raises(InputError, match=word):
            check_outputs([], [target])


def test_symlink_to_a_special_file_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.srt"
    link.symlink_to("/dev/null")
    with pytest.raises(InputError, match="symlink to a device"):
        check_outputs([], [link])
    dangling = tmp_path / "dangling.srt"
    dangling.symlink_to(tmp_path / "nowhere" / "x")
    with pytest.raises(InputError, match="symlink"):
        check_outputs([], [dangling])


def test_symlink_to_a_regular_file_is_allowed(tmp_path: Path) -> None:
    target = tmp_path / "real.srt"
    target.write_text("old")
    link = tmp_path / "link.srt"
    link.symlink_to(target)
    check_outputs([tmp_path / "other.json"], [link])


def test_messages_escape_control_characters(tmp_path: Path) -> None:
    src = tmp_path / "a\nb\x1b[31m.json"
    src.write_text("{}")
    with pytest.raises(InputError) as exc:
        check_outputs([src], [src])
    assert "a\\nb\\x1b[31m.json" in _one_line(exc)
    assert display_path("x\u202ey\x7f") == "x\\u202ey\\x7f"
    assert display_path("普通 name.mp4") == "普通 name.mp4"
