"""ONNX files derived from a shipped model (Kokoro's duration predictor, its rewritten models): written
atomically, and beside the model they point into its weights instead of copying them; the graph lookups
their rewrites share."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def point_into(proto: Any, model: Path) -> None:
    """Make the large initializers of `proto` that are byte-for-byte in `model` ONNX external data
    (location, offset, length in that file), so a file derived from the model does not copy its weights;
    the derived file must then live beside `model`."""
    from onnx import TensorProto

    blob = model.read_bytes()
    hint = 0
    for tensor in proto.graph.initializer:
        raw = tensor.raw_data
        if len(raw) < 4096:
            continue
        at = blob.find(raw, hint)  # the model's tensors are in file order: usually found right after the last
        if at < 0:
            at = blob.find(raw)
        if at < 0:
            continue
        hint = at + len(raw)
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", model.name), ("offset", str(at)), ("length", str(len(raw)))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value


def save_atomically(proto: Any, out: Path) -> None:
    """Write the onnx ModelProto `proto` to `out` through a temporary file renamed when complete: a
    half-written model is never loaded by another process."""
    import onnx

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        onnx.save(proto, str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def save_derived(proto: Any, model: Path, out: Path) -> Path:
    """Write `proto`, made from `model`, to `out` atomically; beside `model` its weights point into it
    (point_into) instead of being copied."""
    if out.parent.resolve() == model.parent.resolve():
        point_into(proto, model)
    save_atomically(proto, out)
    return out


def consumers(graph: Any) -> dict[str, list[Any]]:
    """Each tensor's consuming nodes in an onnx GraphProto (a node once, however many of its inputs the
    tensor is): a rewrite may only drop a node whose output nothing else uses."""
    users: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in dict.fromkeys(node.input):
            users.setdefault(name, []).append(node)
    return users
