"""Total parsing of the files a user hands over (product, project, dataset): any bytes give a value or one
error line naming the file (and the field), never another exception.

- size and nesting depth are limited before parsing (a 100,000-deep array is refused, not a RecursionError);
- numbers are parsed strictly: at most MAX_NUMBER_CHARS characters, finite (no NaN/Infinity/1e999);
- text is valid Unicode: a lone surrogate (`"\\ud800"`) is refused, naming the field;
- a file cut inside a UTF-8 character is called damaged, not "not a text file";
- field readers (`get_bool`, `get_number`, `get_int`, `get_text`) accept only the JSON type the field has:
  `"burn_subtitles": "false"` is an error, not true.

`error` parameters choose the exception class (ProjectError for projects, InputError otherwise).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from itertools import accumulate
from pathlib import Path
from typing import Any

from core.errors import InputError, SyncNarratorError, display_path

MAX_DEPTH = 64  # real files nest 4 deep
MAX_NUMBER_CHARS = 40  # digits, sign, point and exponent of one number
MAX_FILE_BYTES = {"product file": 16 << 20, "project file": 256 << 20}
DEFAULT_MAX_BYTES = 1 << 30  # datasets (dev.jsonl is 1 MB)

ErrorType = type[SyncNarratorError]


def shown(path: object) -> str:
    return display_path(path)


# ---------------------------------------------------------------------------------------------
# bytes -> text -> JSON


def decode_text(raw: bytes, where: str, error: ErrorType = InputError) -> str:
    """UTF-8 (a leading BOM is allowed); a cut multi-byte character at the end means a damaged file."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end >= len(raw) and exc.reason == "unexpected end of data":
            raise error(f"{where}: damaged file (cut inside a UTF-8 character at byte {exc.start})") from None
        raise error(f"{where}: not a text file (not UTF-8: invalid byte at offset {exc.start})") from None
    return text[1:] if text.startswith("\ufeff") else text


def read_bytes(path: Path, what: str, error: ErrorType = InputError, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file; missing, folder, pipe/device, too large or unreadable is one line."""
    path = Path(path)
    name = shown(path)
    limit = max_bytes if max_bytes is not None else MAX_FILE_BYTES.get(what, DEFAULT_MAX_BYTES)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise error(f"{name}: no such {what}") from None
    except (OSError, ValueError) as exc:
        raise error(f"{name}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    if os.path.isdir(path):
        raise error(f"{name}: is a folder, not a {what}")
    if not path.is_file():  # a named pipe or device would block the read forever
        raise error(f"{name}: is not a regular file (a pipe or device)")
    if st.st_size > limit:
        raise error(f"{name}: too large for a {what} ({st.st_size >> 20} MB; the limit is {limit >> 20} MB)")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"{name}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > limit:
        raise error(f"{name}: too large for a {what} (the limit is {limit >> 20} MB)")
    return raw


def read_text(path: Path, what: str, error: ErrorType = InputError, max_bytes: int | None = None) -> str:
    return decode_text(read_bytes(path, what, error, max_bytes), shown(path), error)


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """Deepest nesting of arrays/objects in JSON text (strings skipped); linear, no recursion."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


class _Refused(ValueError):
    pass


def _parse_int(s: str) -> int:
    if len(s) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number {len(s)} digits long")
    return int(s)


def _parse_float(s: str) -> float:
    if len(s) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number {len(s)} characters long")
    value = float(s)
    if not math.isfinite(value):
        raise _Refused(f"the number {s} is out of range")
    return value


def _parse_constant(s: str) -> Any:
    raise _Refused(f"{s} is not a number JSON allows")


def parse_json(
    text: str,
    where: str,
    error: ErrorType = InputError,
    *,
    what: str = "file",
    bad_json: str = "not valid JSON (line {line}: {msg})",
) -> Any:
    """JSON text -> value with the limits above; every problem is `error` naming `where` (and the field).
    `bad_json` words a syntax error (format fields `line`, `msg`)."""
    opened = text.count("[") + text.count("{")  # C-speed bound: depth <= the number of openings
    if opened > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise error(f"{where}: damaged {what} (nested more than {MAX_DEPTH} levels deep)")
    try:
        data = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except json.JSONDecodeError as exc:
        raise error(f"{where}: " + bad_json.format(line=exc.lineno, msg=exc.msg)) from None
    except _Refused as exc:
        raise error(f"{where}: damaged {what} ({exc})") from None
    except RecursionError:
        raise error(f"{where}: damaged {what} (nested too deeply)") from None
    except ValueError as exc:  # anything else the decoder refuses
        raise error(f"{where}: damaged {what} ({exc})") from None
    check_text(data, where, error)
    return data


def _field(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _bad_text(s: str) -> str | None:
    """Why `s` is not valid text (None when it is)."""
    if s.isascii():
        return None
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"a lone surrogate \\u{ord(s[exc.start]):04x}"
    return None


def check_text(data: Any, where: str, error: ErrorType = InputError, path: str = "") -> None:
    """Refuse invalid text (lone surrogates) in any key or string of `data`, naming the field."""
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, str):
            why = _bad_text(value)
            if why:
                raise error(f"{where}: {at or 'value'}: invalid text ({why})")
        elif isinstance(value, dict):
            for key, item in value.items():
                why = _bad_text(key) if isinstance(key, str) else None
                if why:
                    raise error(f"{where}: {at or 'object'}: invalid text in a key ({why})")
                stack.append((item, _field(at, key)))
        elif isinstance(value, list):
            stack.extend((item, _field(at, i)) for i, item in enumerate(value))


# ---------------------------------------------------------------------------------------------
# strict field readers


def _name(where: str, key: str) -> str:
    return f"{where}: '{key}'" if where else f"'{key}'"


def get_bool(
    data: Mapping[str, Any], key: str, default: bool, where: str, error: ErrorType = InputError
) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise error(f"{_name(where, key)} must be true or false, not {_short(value)}")
    return value


def get_number(
    data: Mapping[str, Any],
    key: str,
    default: float,
    where: str,
    error: ErrorType = InputError,
    *,
    lo: float = -math.inf,
    hi: float = math.inf,
) -> float:
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise error(f"{_name(where, key)} must be a number, not {_short(value)}")
    if not lo <= value <= hi:
        raise error(f"{_name(where, key)} must be between {lo:g} and {hi:g}, not {value:g}")
    return float(value)


def get_int(
    data: Mapping[str, Any],
    key: str,
    default: int | None,
    where: str,
    error: ErrorType = InputError,
    *,
    lo: int = -(2**53),
    hi: int = 2**53,
) -> int:
    value = data.get(key, default)
    if value is None and default is not None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        if value is None:
            raise error(f"{where}: missing '{key}'")
        raise error(f"{_name(where, key)} must be a whole number, not {_short(value)}")
    if not lo <= value <= hi:
        raise error(f"{_name(where, key)} must be between {lo} and {hi}, not {value}")
    return value


def get_text(
    data: Mapping[str, Any], key: str, default: str | None, where: str, error: ErrorType = InputError
) -> str | None:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise error(f"{_name(where, key)} must be text, not {_short(value)}")
    why = _bad_text(value)
    if why:
        raise error(f"{_name(where, key)}: invalid text ({why})")
    return value


def _short(value: Any) -> str:
    kind = {bool: "true/false", str: "text", list: "a list", dict: "an object"}.get(type(value))
    if isinstance(value, str):
        text = shown(value)
        return f'text "{text[:30]}{"…" if len(text) > 30 else ""}"'
    if kind:
        return kind
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."
