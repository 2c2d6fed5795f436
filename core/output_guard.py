"""One output guard for every command that writes: nothing the user owns is overwritten by accident.

`check_outputs(inputs, outputs)` runs before any work and refuses (InputError, one line naming the file):
- an output that is the same file as an input or as another output (resolved paths, and `os.path.samefile`
  for files that exist, so hard links and symlinks are caught too);
- an existing output that is not a regular file (a folder, FIFO, device, socket);
- an output that is a symlink to a special file (`--srt /dev/stdout` must never replace or write a device).
- an output spelled as a folder (`--out name/`): it would otherwise quietly become a file called `name`;
- an existing project file (`*.narr.json`, its `.bak`) as anything but a project output (`project_outputs`):
  `speak ... --out P.narr.json` or `render --out P.narr.json` would replace the user's edits with media.
A symlink to a regular file is allowed (it is the file it names and compared as such).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from core.errors import InputError
from core.errors import display_path as display_path  # re-exported: callers import it from here


def _valid_name(path: Path | str) -> bool:
    """Whether the OS can be asked about `path` at all (no NUL, encodable: no lone surrogate)."""
    try:
        os.fsencode(path)
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return False
    return "\x00" not in os.fspath(path)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop: compare the absolute spelling
        return Path(os.path.abspath(path))


def _same(a: Path, ra: Path, b: Path, rb: Path) -> bool:
    if os.path.normcase(ra) == os.path.normcase(rb):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (yet)
        return False


def same_file(a: Path | str, b: Path | str) -> bool:
    """Whether `a` and `b` name one file: the same resolved path (symlinks followed, case folded where the
    OS folds it; also for files that do not exist yet) or, for existing files, the same inode (hard links).

    The one definition: the output guard, the exporter and batch's resume check all ask this."""
    pa, pb = Path(a), Path(b)
    return _same(pa, _resolved(pa), pb, _resolved(pb))


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


# Kernel and device file systems: a name there is never a place for a user's output (as root, replacing
# /dev/stdout or writing /proc/... would change the system, not make a file).
SYSTEM_FOLDERS = ("/dev", "/proc", "/sys") if os.name == "posix" else ()


def _in_system_folder(path: str) -> str | None:
    for top in SYSTEM_FOLDERS:
        if path == top or path.startswith(top + "/"):
            return top
    return None


def _link_chain_end(path: Path) -> str:
    """The first link target in the chain that is in a system folder (or the final real path)."""
    current = os.path.abspath(path)
    for _ in range(40):
        if not os.path.islink(current):
            break
        target = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.normpath(target)
        if _in_system_folder(current):
            return current
    return os.path.realpath(path)


def _check_target(path: Path) -> None:
    """An existing output must be a regular file (or a symlink to one); a dangling symlink is refused too:
    writing through it would create a file somewhere the user did not name. Nothing is written into
    /dev, /proc or /sys, nor through a symlink that leads there (/dev/stdout -> /proc/self/fd/1)."""
    shown = display_path(path)
    folder = _in_system_folder(os.path.realpath(os.path.dirname(os.path.abspath(path))))
    if folder:
        raise InputError(f"{shown}: cannot write into the system folder {folder} (refused)")
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
        folder = _in_system_folder(_link_chain_end(path))
        if folder:
            raise InputError(
                f"{shown}: is a symlink into the system folder {folder}; refusing to write over it"
            )
        return
    if not stat.S_ISREG(lst.st_mode):
        raise InputError(f"{shown}: is {_kind(lst.st_mode)}, not a regular file; refusing to write over it")


PROJECT_SUFFIXES = (".narr.json", ".narr.json.bak")


def _spelled_as_folder(path: Path | str) -> bool:
    """`name/` (or `name/.`): the user named a folder; Path() would drop the slash and write a file `name`."""
    text = os.fspath(path)
    seps = tuple(s for s in (os.sep, os.altsep) if s)
    return text.endswith(seps) or text.endswith(tuple(s + "." for s in seps)) or text in (".", "..")


def _is_project_file(path: Path) -> bool:
    return path.name.lower().endswith(PROJECT_SUFFIXES) and os.path.isfile(path)


def check_outputs(
    inputs: Sequence[Path | str | None],
    outputs: Sequence[Path | str | None],
    *,
    input_names: Sequence[str | None] = (),
    project_outputs: Sequence[Path | str | None] = (),
) -> None:
    """Refuse (InputError) outputs that would overwrite an input, another output, a special file or a project
    file, and outputs spelled as folders.

    `input_names` optionally words each input in the message ("the source video itself");
    `project_outputs` are the outputs that are project files themselves (they may replace one)."""
    for p in (*inputs, *outputs):
        if p is not None and not _valid_name(p):
            raise InputError(f"{display_path(p)}: is not a valid file name (a NUL or invalid character)")
    for p in outputs:
        if p is not None and str(p) != "" and _spelled_as_folder(p):
            raise InputError(f"{display_path(p)}: names a folder; give the output a file name")

    ins: list[Path] = []
    labels: list[str | None] = []
    for i, p in enumerate(inputs):
        if p is not None and str(p) != "":
            ins.append(Path(p))
            labels.append(input_names[i] if i < len(input_names) else None)
    for p in list(ins):  # a saved project's previous version (NAME.bak, see core.project) is the user's too
        if not p.name or p.name.endswith(".bak"):
            continue
        backup = p.with_name(p.name + ".bak")
        if os.path.isfile(backup):
            ins.append(backup)
            labels.append(f"the backup of {display_path(p.name)}")
    outs = [Path(p) for p in outputs if p is not None and str(p) != ""]
    rin = [_resolved(p) for p in ins]
    rout = [_resolved(p) for p in outs]
    for out in outs:
        _check_target(out)
    for i, (out, rout_i) in enumerate(zip(outs, rout, strict=True)):
        for inp, rinp, label in zip(ins, rin, labels, strict=True):
            if _same(out, rout_i, inp, rinp):
                what = f"the input file {display_path(inp)}" + (f" ({label})" if label else "")
                raise InputError(
                    f"{display_path(out)}: the output would overwrite {what}; choose another file name"
                )
        for j in range(i):
            if _same(out, rout_i, outs[j], rout[j]):
                raise InputError(
                    f"{display_path(out)}: the output would overwrite another output "
                    f"({display_path(outs[j])}); choose another file name"
                )
    projects = {_resolved(Path(p)) for p in project_outputs if p is not None and str(p) != ""}
    for out, rout_i in zip(outs, rout, strict=True):
        if _is_project_file(out) and rout_i not in projects:
            raise InputError(
                f"{display_path(out)}: is a project file; refusing to replace it with another kind of output"
            )


def same_or_inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies inside it (resolved spellings; neither needs to exist)."""
    rp, rf = _resolved(path), _resolved(folder)
    return rp == rf or rf in rp.parents
