"""Kokoro's int8 convolutions as int8 matrix products: the same integers, computed by a faster kernel.

The shipped model quantizes its 87 convolutions as ONNX `ConvInteger` with uint8 weights; onnxruntime
runs those through its uint8 x uint8 matrix kernel, and they are about 70% of a synthesis (profiled on
the bench lines). Rewritten as im2col (Transpose to time-major, Pad with the input's zero point, one
Gather of every kernel tap's rows) followed by `MatMulInteger` on the weights shifted to int8 (w - 128 with
zero point zp - 128: the same differences w - zp), the product runs on onnxruntime's uint8 x int8 kernel,
which uses the VNNI dot-product instructions where the CPU has them. Every product and sum is the same
integer, so the int32 results are identical and so is the speech, sample for sample.

The shift and the weights' new layout are computed by nodes on the model's own initializers, which
onnxruntime folds into constants when it loads the session; the rewritten file keeps those initializers
in the original model file (ONNX external data: offset and length), so it adds about 1 MB, not 92.

On a CPU without VNNI, onnxruntime's uint8 x int8 kernel may saturate 16-bit pair sums (its documented
limitation for AVX2): `int8_products_exact` asks the kernel itself on the worst case, and where it is not
exact the engine keeps the shipped model.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import numpy as np

CONVS_VERSION = 1  # files rewritten another way are rewritten again
CHECK_MODEL = (
    "CAgSADpgChgKAWEKAWISAXkiDU1hdE11bEludGVnZXISBWNoZWNrWhMKAWESDgoMCAISCAoCCAQKAghAWhMKAWISDgoMCAMSCAoCCEAKAggE"
    "YhMKAXkSDgoMCAYSCAoCCAQKAggEQgQKABAN"
)
"""An ONNX model y = MatMulInteger(a: uint8 [4, 64], b: int8 [64, 4]) (IR 8, opset 13), serialized: the
frozen app has onnxruntime but not `onnx` (tests check it against one built with onnx.helper)."""


def _ints(node: Any, name: str, default: list[int]) -> list[int]:
    for a in node.attribute:
        if a.name == name:
            return list(a.ints)
    return default


def _rewritable(node: Any, inits: dict[str, Any]) -> bool:
    """A 1-D, ungrouped ConvInteger with explicit pads and constant uint8 weights and zero point."""
    if node.op_type != "ConvInteger" or len(node.input) != 4:
        return False
    weights, zero = inits.get(node.input[1]), inits.get(node.input[3])
    if weights is None or zero is None or weights.data_type != 2 or zero.data_type != 2:  # 2: UINT8
        return False
    if len(weights.dims) != 3 or any(d != 1 for d in zero.dims):
        return False
    for a in node.attribute:
        if (a.name == "group" and a.i != 1) or (a.name == "auto_pad" and a.s not in (b"", b"NOTSET")):
            return False
    return True


def rewrite_convs(model: Any) -> int:
    """Replace every rewritable `ConvInteger` of `model` (an onnx ModelProto, changed in place) by
    im2col + `MatMulInteger` on int8 weights; returns how many. The original initializers are kept
    as they are (the nodes that shift them are folded by onnxruntime)."""
    from onnx import TensorProto, helper
    from onnx import numpy_helper as nh

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes: list[Any] = []
    added: list[Any] = []
    shifted: dict[str, str] = {}
    count = 0

    def const(name: str, value: np.ndarray) -> str:
        added.append(nh.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    for conv in graph.node:
        if not _rewritable(conv, inits):
            nodes.append(conv)
            continue
        out_ch, in_ch, k = (int(d) for d in inits[conv.input[1]].dims)
        dilation = _ints(conv, "dilations", [1])[0]
        stride = _ints(conv, "strides", [1])[0]
        pad_lo, pad_hi = _ints(conv, "pads", [0, 0])[:2]
        x, w_name, x_zp, zp_name = conv.input
        base = f"{conv.name or conv.output[0]}/im2col"
        rows = node("Transpose", [x], f"{base}/time_major", perm=[0, 2, 1])  # [1, T, C]
        if pad_lo or pad_hi:  # padded with the zero point: a pad contributes 0, as in ConvInteger
            pads = const(f"{base}/pads", np.array([0, pad_lo, 0, 0, pad_hi, 0], np.int64))
            rows = node("Pad", [rows, pads, x_zp], f"{base}/padded")
        if k == 1 and stride == 1:
            cols = rows
        else:  # row t of the columns: input rows t * stride + tap * dilation, [1, T', k, C] in one Gather
            length = node(
                "Gather",
                [node("Shape", [rows], f"{base}/shape"), const(f"{base}/one", np.array(1))],
                f"{base}/length",
                axis=0,
            )
            last = node("Sub", [length, const(f"{base}/span", np.array(dilation * (k - 1)))], f"{base}/last")
            starts = node(
                "Range",
                [const(f"{base}/zero", np.array(0)), last, const(f"{base}/stride", np.array(stride))],
                f"{base}/starts",
            )
            starts = node(
                "Unsqueeze", [starts, const(f"{base}/axis", np.array([1]))], f"{base}/starts_column"
            )
            taps = const(f"{base}/taps", np.arange(k, dtype=np.int64)[None, :] * dilation)
            picked = node(
                "Gather", [rows, node("Add", [starts, taps], f"{base}/rows")], f"{base}/gathered", axis=1
            )
            cols = node(
                "Reshape", [picked, const(f"{base}/cols_shape", np.array([1, -1, k * in_ch]))], f"{base}/cols"
            )
        if w_name not in shifted:  # [O, C, k] uint8 -> [(tap, C), O] int8, folded when the session loads
            matrix = node("Transpose", [w_name], f"{w_name}/taps_first", perm=[2, 1, 0])
            matrix = node(
                "Reshape",
                [matrix, const(f"{w_name}/matrix_shape", np.array([k * in_ch, out_ch]))],
                f"{w_name}/matrix",
            )
            wide = node("Cast", [matrix], f"{w_name}/int16", to=TensorProto.INT16)
            wide = node("Sub", [wide, const(f"{w_name}/128", np.array(128, np.int16))], f"{w_name}/centred")
            shifted[w_name] = node("Cast", [wide], f"{w_name}/int8", to=TensorProto.INT8)
        if zp_name not in shifted:
            zero = int(nh.to_array(inits[zp_name]).reshape(()))
            shifted[zp_name] = const(f"{zp_name}/int8", np.array(zero - 128, np.int8))
        product = node("MatMulInteger", [cols, shifted[w_name], x_zp, shifted[zp_name]], f"{base}/product")
        nodes.append(
            helper.make_node(
                "Transpose", [product], [conv.output[0]], name=f"{base}/channels_first", perm=[0, 2, 1]
            )
        )
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(added)
    return count


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


def build_fast_model(model: Path, out: Path) -> Path:
    """Write `model` with its convolutions rewritten (rewrite_convs) to `out`, atomically. Beside the
    model, its weights stay in the model file (point_into)."""
    import onnx

    proto = onnx.load(str(model))
    if rewrite_convs(proto) == 0:
        raise ValueError(f"{model.name}: no int8 convolution to rewrite")
    if out.parent.resolve() == model.parent.resolve():
        point_into(proto, model)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        onnx.save(proto, str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def int8_products_exact(ort: Any) -> bool:
    """Whether this CPU's onnxruntime computes uint8 x int8 matrix products exactly on the cases that
    saturate 16-bit pair sums (255 x -128 + 255 x -128, 255 x 127 + 255 x 127): the rewritten model is
    the same speech only where they are."""
    depth = 64
    a = np.full((4, depth), 255, np.uint8)
    a[1] = np.arange(depth) % 256
    a[3, ::2] = 0
    b = np.empty((depth, 4), np.int8)
    b[:, 0], b[:, 1] = -128, 127
    b[:, 2] = np.resize(np.array([127, -128], np.int8), depth)
    b[:, 3] = (np.arange(depth) * 37 % 256 - 128).astype(np.int8)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            base64.b64decode(CHECK_MODEL), opts, providers=["CPUExecutionProvider"]
        )
        got = session.run(None, {"a": a, "b": b})[0]
    except Exception:
        return False
    return bool(np.array_equal(got, a.astype(np.int64) @ b.astype(np.int64)))
