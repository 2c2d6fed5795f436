"""One output guard for every command that writes: nothing the user owns is overwritten by accident.

`check_outputs(inputs, outputs)` runs before any work and refuses (InputError, one line naming the file):
- an output that is the same file as an input or as another output (resolved paths, and `os.path.samefile`
  for files that exist, so hard links and symlinks are caught too);
- an existing output that is not a regular file (a folder, FIFO, device, socket);
- an output that is a symlink to a special file (`--srt /dev/stdout` must never replace or write a device).
A symlink to a regular file is allowed (it is the file it names and compared as such).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from core.errors import InputError


def display_path(path: object) -> str:
    """`path` as one printable line: control characters (newline, ESC, DEL, C1, bidi overrides) escaped."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0 or ch in _BIDI or 0xD800 <= code <= 0xDFFF:
            if code == 0x0A:
                out.append("\\n")
            elif code == 0x0D:
                out.append("\\r")
            elif code == 0x09:
                out.append("\\t")
            elif code <= 0xFF:
                out.append(f"\\x{code:02x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


# Bidirectional overrides/isolates and line/paragraph separators: they reorder or break a terminal line.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare the absolute spelling
        return Path(os.path.abspath(path))


def _same(a: Path, ra: Path, b: Path, rb: Path) -> bool:
    if ra == rb:
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (yet)
        return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check_target(path: Path) -> None:
    """An existing output must be a regular file (or a symlink to one); a dangling symlink is refused too:
    writing through it would create a file somewhere the user did not name."""
    shown = display_path(path)
    try:
        lst = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"{shown}: cannot use as an output ({exc.strerror or exc})") from None
    if stat.S_ISLNK(lst.st_mode):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise InputError(
                f"{shown}: is a symlink to a missing file; refusing to write through it"
            ) from None
        except OSError as exc:
            raise InputError(
                f"{shown}: is a symlink that cannot be followed ({exc.strerror or exc})"
            ) from None
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{shown}: is a symlink to {_kind(st.st_mode)}; refusing to write over it")
        return
    if not stat.S_ISREG(lst.st_mode):
        raise InputError(f"{shown}: is {_kind(lst.st_mode)}, not a regular file; refusing to write over it")


def check_outputs(inputs: Sequence[Path | str | None], outputs: Sequence[Path | str | None]) -> None:
    """Refuse (InputError) outputs that would overwrite an input, another output, or a special file."""
    ins = [Path(p) for p in inputs if p is not None and str(p) != ""]
    outs = [Path(p) for p in outputs if p is not None and str(p) != ""]
    rin = [_resolved(p) for p in ins]
    rout = [_resolved(p) for p in outs]
    for out in outs:
        _check_target(out)
    for i, (out, rout_i) in enumerate(zip(outs, rout, strict=True)):
        for inp, rinp in zip(ins, rin, strict=True):
            if _same(out, rout_i, inp, rinp):
                raise InputError(
                    f"{display_path(out)}: the output would overwrite the input file {display_path(inp)}; "
                    "choose another file name"
                )
        for j in range(i):
            if _same(out, rout_i, outs[j], rout[j]):
                raise InputError(
                    f"{display_path(out)}: the output would overwrite another output "
                    f"({display_path(outs[j])}); choose another file name"
                )
