"""core.output_guard.check_outputs: an output never names an input, another output, or a special file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    for target, word in ((tmp_path, "folder"), (fifo, "pipe"), (Path("/dev/null"), "system folder")):
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


def test_system_folders_and_links_into_them_are_refused(tmp_path: Path) -> None:
    """As root, `--srt /dev/stdout` must not replace the system's /dev/stdout link, even when the program's
    stdout is a regular file (then the link chain ends at a regular file)."""
    for target in ("/dev/stdout", "/dev/new.srt", "/proc/self/fd/1", "/sys/o.mp4"):
        with pytest.raises(InputError, match="system folder"):
            check_outputs([], [target])
    log = tmp_path / "log.txt"
    link = tmp_path / "my-stdout.srt"
    link.symlink_to("/proc/self/fd/1")
    with open(log, "w") as fh:  # a child whose stdout is a regular file: the chain ends at log.txt
        script = (
            "import sys\n"
            "from core.output_guard import check_outputs\n"
            "try:\n    check_outputs([], [sys.argv[1]])\nexcept Exception as e:\n    print(e, file=sys.stderr)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", script, str(link)], stdout=fh, stderr=subprocess.PIPE, text=True, timeout=60,
            cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
    assert "symlink into the system folder /proc" in proc.stderr, proc.stderr
    assert link.is_symlink()


def test_an_inputs_backup_is_protected_too(tmp_path: Path) -> None:
    project = tmp_path / "p.narr.json"
    project.write_text("{}")
    backup = tmp_path / "p.narr.json.bak"
    check_outputs([project], [backup])  # no backup yet: nothing to protect
    backup.write_text("{}")
    with pytest.raises(InputError, match=r"the backup of p\.narr\.json"):
        check_outputs([project], [backup])


paths = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.sampled_from(
        ["", ".", "..", "/", "/dev/null", "/proc/self/fd/1", "x" * 300, "a\x00b", "~", "in.json"]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inputs=st.lists(paths, max_size=3), outputs=st.lists(paths, max_size=3))
def test_any_names_give_none_or_one_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inputs: list[str | None], outputs: list[str | None]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("in.json").write_text("{}")
    try:
        check_outputs(inputs, outputs)
    except InputError as exc:
        assert "\n" not in str(exc) and "\x1b" not in str(exc)
