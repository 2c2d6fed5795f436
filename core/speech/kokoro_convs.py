"""Kokoro's int8 convolutions as int8 matrix products: the same integers, computed by a faster kernel.

The shipped model quantizes its 87 convolutions as ONNX `ConvInteger` (uint8 input, uint8 weights);
onnxruntime runs those through its uint8 x uint8 matrix kernel, and they are about 70% of a synthesis
(profiled on the bench lines). Rewritten as `MatMulInteger` of the weights (as shipped, only reshaped to
[out, in x taps]) with the input's im2col (one Slice per kernel tap, stacked) in int8 (v - 128: the
input quantized again at zero point - 128 from DynamicQuantizeLinear's own scale, or its top bit flipped;
the same differences v - zp), the product runs on onnxruntime's uint8 x int8 kernel, which uses the VNNI
dot-product instructions where the CPU has them. Every product and sum is the same integer, so the int32
results are identical and so is the speech, sample for sample: about 0.34-0.36 CPU-seconds per second of
speech instead of 0.54 on the 2-core test machine (README, `bench voice`).

The rewritten file keeps the model's initializers in the model file (ONNX external data: offset and
length), so it adds about 2.5 MB, not 92; nothing is converted at load (the weights are used as shipped).

On a CPU without VNNI, onnxruntime's uint8 x int8 kernel may saturate 16-bit pair sums (its documented
limitation for AVX2): `int8_products_exact` runs the rewrite in miniature on the worst cases first (and
checks the int8 requantization against the uint8 one), and where it is not exact the engine keeps the
shipped model.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np

from core.speech.onnx_files import point_into, save_atomically

CONVS_VERSION = 3  # files rewritten another way are rewritten again
CHECK_MODEL = (
    "CAgSADr3AgoeCgF4CgRmbGlwEgdmbGlwcGVkIgpCaXR3aXNlWG9yCh0KB2ZsaXBwZWQSAWIiBENhc3QqCQoCdG8YA6ABAgoYCgFhCgFiEgF5"
    "Ig1NYXRNdWxJbnRlZ2VyCigKAWYSAXUSBXNjYWxlEgJ6cCIVRHluYW1pY1F1YW50aXplTGluZWFyCiIKAnpwCgRmbGlwEgp6cF9mbGlwcGVk"
    "IgpCaXR3aXNlWG9yCiYKCnpwX2ZsaXBwZWQSB3pwX2ludDgiBENhc3QqCQoCdG8YA6ABAgomCgFmCgVzY2FsZQoHenBfaW50OBIBcSIOUXVh"
    "bnRpemVMaW5lYXISBWNoZWNrKgsQAkIEZmxpcEoBgFoTCgFhEg4KDAgCEggKAggECgIIQFoTCgF4Eg4KDAgCEggKAghACgIIBFoNCgFmEggK"
    "BggBEgIKAGITCgF5Eg4KDAgGEggKAggECgIIBGINCgF1EggKBggCEgIKAGINCgFxEggKBggDEgIKAEIECgAQEg=="
)
"""The rewrite in miniature, serialized (IR 8, opset 18): y = MatMulInteger(a: uint8 [4, 64],
Cast<int8>(BitwiseXor(x: uint8 [64, 4], 0x80))), and for f: float [n], u = DynamicQuantizeLinear(f) beside
q = QuantizeLinear(f, its scale, its zero point flipped to int8). The frozen app has onnxruntime but not
`onnx` (a test checks these bytes against the model built with onnx.helper)."""


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
    im2col + `MatMulInteger`; returns how many. The weights stay as they are (uint8, only reshaped)."""
    from onnx import TensorProto, helper
    from onnx import numpy_helper as nh

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes: list[Any] = []
    added: list[Any] = []
    matrices: dict[str, str] = {}
    count = 0

    def const(name: str, value: np.ndarray) -> str:
        added.append(nh.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    flip = const("im2col/0x80", np.array(0x80, np.uint8))
    made_by = {out: n for n in graph.node for out in n.output}
    int8_inputs: dict[str, tuple[str, str]] = {}  # uint8 input -> (its int8 values, its int8 zero point)
    for conv in graph.node:
        if not _rewritable(conv, inits):
            nodes.append(conv)
            continue
        out_ch, in_ch, k = (int(d) for d in inits[conv.input[1]].dims)
        dilation = _ints(conv, "dilations", [1])[0]
        stride = _ints(conv, "strides", [1])[0]
        pad_lo, pad_hi = _ints(conv, "pads", [0, 0])[:2]
        x, w_name, x_zp, w_zp = conv.input
        base = f"{conv.name or conv.output[0]}/im2col"
        if x not in int8_inputs:
            # the input's zero point as int8: v - 128 by flipping the top bit (the same byte read as int8)
            zero = node(
                "Cast",
                [node("BitwiseXor", [x_zp, flip], f"{base}/zp_flipped")],
                f"{base}/zp_int8",
                to=TensorProto.INT8,
            )
            quantizer = made_by.get(x)
            if (
                quantizer is not None
                and quantizer.op_type == "DynamicQuantizeLinear"
                and list(quantizer.output[::2]) == [x, x_zp]
            ):
                # quantized again to int8 at the zero point - 128: saturate(round(v / scale) + zp) - 128 (one pass)
                rows = node("QuantizeLinear", [quantizer.input[0], quantizer.output[1], zero], f"{base}/int8")
            else:
                rows = node(
                    "Cast",
                    [node("BitwiseXor", [x, flip], f"{base}/flipped")],
                    f"{base}/int8",
                    to=TensorProto.INT8,
                )
            int8_inputs[x] = (rows, zero)
        rows, zero = int8_inputs[x]
        if pad_lo or pad_hi:  # padded with the zero point: a pad contributes 0, as in ConvInteger
            pads = const(f"{base}/pads", np.array([0, 0, pad_lo, 0, 0, pad_hi], np.int64))
            rows = node("Pad", [rows, pads, zero], f"{base}/padded")
        if k == 1 and stride == 1:
            cols = rows
        else:  # tap j: the input from j * dilation on, every stride-th step; [1, C, k, T'] -> [1, C * k, T']
            span = dilation * (k - 1)
            axis = const(f"{base}/axis", np.array([2]))
            step = const(f"{base}/step", np.array([stride]))
            taps = []
            for tap in range(k):
                start = tap * dilation
                end = start - span if start < span else np.iinfo(np.int64).max  # T' columns for every tap
                piece = node(
                    "Slice",
                    [
                        rows,
                        const(f"{base}/start{tap}", np.array([start])),
                        const(f"{base}/end{tap}", np.array([end])),
                        axis,
                        step,
                    ],
                    f"{base}/tap{tap}",
                )
                taps.append(node("Unsqueeze", [piece, axis], f"{base}/tap{tap}_column"))
            stacked = node("Concat", taps, f"{base}/taps", axis=2)
            cols = node(
                "Reshape",
                [stacked, const(f"{base}/cols_shape", np.array([1, in_ch * k, -1]))],
                f"{base}/cols",
            )
        if w_name not in matrices:  # [O, C, k] -> [O, C * k]: rows in the columns' (channel, tap) order
            shape = const(f"{w_name}/matrix_shape", np.array([out_ch, in_ch * k]))
            matrices[w_name] = node("Reshape", [w_name, shape], f"{w_name}/matrix")
        nodes.append(
            helper.make_node(
                "MatMulInteger",
                [matrices[w_name], cols, w_zp, zero],
                [conv.output[0]],
                name=f"{base}/product",
            )
        )
        count += 1
    if count:
        del graph.node[:]
        graph.node.extend(nodes)
        graph.initializer.extend(added)
    return count


def build_fast_model(model: Path, out: Path) -> Path:
    """Write `model` with its convolutions rewritten (rewrite_convs) to `out`, atomically. Beside the
    model, its weights stay in the model file (point_into)."""
    import onnx

    proto = onnx.load(str(model))
    if rewrite_convs(proto) == 0:
        raise ValueError(f"{model.name}: no int8 convolution to rewrite")
    if out.parent.resolve() == model.parent.resolve():
        point_into(proto, model)
    save_atomically(proto, out)
    return out


def int8_products_exact(ort: Any) -> bool:
    """Whether this CPU's onnxruntime gives the rewrite's integers exactly: uint8 x int8 matrix products on
    the cases that saturate 16-bit pair sums (255 x -128 + 255 x -128, 255 x 127 + 255 x 127), uint8 ->
    int8 by flipping the top bit, and a quantization to int8 at zero point - 128 that is the uint8 one
    minus 128 (ties, both ends). Only then is the rewritten model the same speech."""
    depth = 64
    a = np.full((4, depth), 255, np.uint8)
    a[1] = np.arange(depth) % 256
    a[3, ::2] = 0
    b = np.empty((depth, 4), np.int16)
    b[:, 0], b[:, 1] = -128, 127
    b[:, 2] = np.resize(np.array([127, -128]), depth)
    b[:, 3] = np.arange(depth) * 37 % 256 - 128
    f = np.concatenate(
        [np.linspace(-3.0, 5.0, 509), np.arange(-40, 41) * 0.5 * (8.0 / 255), [0.0, -3.0, 5.0]]
    )
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            base64.b64decode(CHECK_MODEL), opts, providers=["CPUExecutionProvider"]
        )
        feeds = {"a": a, "x": (b + 128).astype(np.uint8), "f": f.astype(np.float32)}
        got, unsigned, signed = session.run(None, feeds)
    except Exception:
        return False
    products = np.array_equal(got, a.astype(np.int64) @ b.astype(np.int64))
    return bool(products and np.array_equal(unsigned.astype(np.int16) - 128, signed.astype(np.int16)))
