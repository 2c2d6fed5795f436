"""Read one tensor from a PyTorch `.pt` file (zip format) without torch and without running pickled code.

Kokoro voice packs (zf_xiaoxiao.pt ...) are `torch.save(tensor)` files: a zip holding `data.pkl`, whose
pickle only rebuilds a tensor from a raw storage in `data/N`. The unpickler here allows exactly the
handful of globals such a file needs, mapped to numpy; any other global (the way a malicious pickle runs
code) is refused.
"""

from __future__ import annotations

import collections
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": None,  # converted by hand below
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    def __init__(self, name: str) -> None:
        self.name = name


def _rebuild_tensor(
    storage: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_rest: Any
) -> np.ndarray:
    if not size:
        return storage[offset : offset + 1].reshape(())
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if need > storage.size or offset < 0 or any(s < 0 for s in stride):
        raise ValueError("tensor larger than its storage")
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(storage[offset:], shape=size, strides=[s * item for s in stride])
    return np.array(view)


class _SafeUnpickler(pickle.Unpickler):
    def __init__(self, fh: Any, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(fh)
        self.archive = archive
        self.prefix = prefix

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a voice pack")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError("unexpected persistent id")
        kind, key = pid[1], str(pid[2])
        if not isinstance(kind, _StorageType) or "/" in key or ".." in key:
            raise pickle.UnpicklingError("unexpected storage")
        raw = self.archive.read(f"{self.prefix}/data/{key}" if self.prefix else f"data/{key}")
        if kind.name == "BFloat16Storage":
            halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            return halves.view(np.float32)
        return np.frombuffer(raw, dtype=np.dtype(_DTYPES[kind.name]).newbyteorder("<"))


def load_tensor(path: Path) -> np.ndarray:
    """The tensor saved in `path` as a numpy array; ValueError when the file is not a single tensor."""
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise ValueError("not a PyTorch zip file")
        prefix = pickles[0].rsplit("/", 1)[0] if "/" in pickles[0] else ""
        with archive.open(pickles[0]) as fh:
            try:
                value = _SafeUnpickler(fh, archive, prefix).load()
            except pickle.UnpicklingError as exc:
                raise ValueError(str(exc)) from None
    if isinstance(value, dict) and len(value) == 1:  # {"name": tensor}
        value = next(iter(value.values()))
    if not isinstance(value, np.ndarray):
        raise ValueError("the file holds no tensor")
    return value
