"""Kokoro's int8 convolutions as int8 matrix products: the same integers, computed by a faster kernel.

The shipped model quantizes its 87 convolutions as ONNX `ConvInteger` (uint8 input, uint8 weights);
onnxruntime runs those through its uint8 x uint8 matrix kernel, and they are about 70% of a synthesis
(profiled on the bench lines). Rewritten as `MatMulInteger` of the weights (as shipped, only reshaped to
[out, in x taps]) with the input's im2col (one Slice per kernel tap, stacked) in int8 (v - 128: the
input quantized again at zero point - 128 from DynamicQuantizeLinear's own scale, or its top bit flipped;
the same differences v - zp), the product runs on onnxruntime's uint8 x int8 kernel, which uses the VNNI
dot-product instructions where the CPU has them. Every product and sum is the same integer.

Two more rewrites save full passes over the decoder's largest tensors (`fuse_products`, `square_powers`):
each product, its int32 bias, the cast to float and the scale (four operators) become one
`MatMulIntegerToFloat` and a float bias Add (the bias added in float instead of rounded down to the int32
grid first: a difference below one quantization step of the product), and Pow(x, 2) is x * x (the same
value). With them the speech is the same to float rounding, not to the bit: Kokoro's decoder carries the
phase of its harmonic source, so a last-bit change anywhere moves later samples the way moving the voice
style by one part in ten million does; tests/test_kokoro_convs.py checks each rewrite on its own and the
speech's length (to the sample) and spectrum against the shipped model.

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

from core.speech.onnx_files import consumers, save_derived

CONVS_VERSION = 4  # files rewritten another way are rewritten again
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


def rewrite_convs(model: Any, columns: tuple[str, str] | None = None) -> int:
    """Replace every rewritable `ConvInteger` of `model` (an onnx ModelProto, changed in place) by
    im2col + `MatMulInteger`; returns how many. The weights stay as they are (uint8, only reshaped).
    With `columns` (domain, op type) of a custom operator (core.speech.kokoro_ops's Im2ColInt8), an input
    quantized by DynamicQuantizeLinear gets its int8 columns from that one operator (float in: quantized,
    padded and laid out in one pass) instead of QuantizeLinear, Pad, a Slice per tap and a Concat."""
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
    from_float: dict[str, tuple[str, str]] = {}  # uint8 input -> (the float it quantizes, its scale)
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
                from_float[x] = (quantizer.input[0], quantizer.output[1])
                # quantized again to int8 at the zero point - 128: saturate(round(v / scale) + zp) - 128 (one pass)
                rows = (
                    ""  # the columns operator quantizes
                    if columns is not None
                    else node(
                        "QuantizeLinear", [quantizer.input[0], quantizer.output[1], zero], f"{base}/int8"
                    )
                )
            else:
                rows = node(
                    "Cast",
                    [node("BitwiseXor", [x, flip], f"{base}/flipped")],
                    f"{base}/int8",
                    to=TensorProto.INT8,
                )
            int8_inputs[x] = (rows, zero)
        rows, zero = int8_inputs[x]
        if columns is not None and x in from_float:
            source, scale = from_float[x]
            geometry = const(f"{base}/geometry", np.array([k, dilation, stride, pad_lo, pad_hi], np.int64))
            cols = node(columns[1], [source, scale, zero, geometry], f"{base}/cols", domain=columns[0])
        else:
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


def _producer(made_by: dict[str, Any], node: Any | None, op: str) -> Any | None:
    """The node making `node`'s first input, when `node` is an `op` (else None)."""
    return made_by.get(node.input[0]) if node is not None and node.op_type == op else None


def fuse_products(model: Any) -> int:
    """Replace each rewritten product's tail (MatMulInteger -> [Add int32 bias] -> Cast -> Mul by the two
    scales) by MatMulIntegerToFloat (the scales applied in its output pass) and, where there was a bias, an
    Add of the float bias (per output channel); returns how many. The int32 bias was the float bias divided
    by the scale and rounded down (Div, Floor, Cast), so the float one is found behind it."""
    from onnx import helper
    from onnx import numpy_helper as nh

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    made_by = {out: n for n in graph.node for out in n.output}
    users = consumers(graph)
    replaced: dict[int, list[Any]] = {}
    removed: set[int] = set()
    added: list[Any] = []

    def only_user(name: str, op: str) -> Any | None:
        found = users.get(name, [])
        return found[0] if len(found) == 1 and found[0].op_type == op else None

    for product in graph.node:
        if product.op_type != "MatMulInteger" or not product.name.endswith("/im2col/product"):
            continue
        tail: list[Any] = []
        bias = None
        after = users.get(product.output[0], [])
        if len(after) != 1:
            continue
        if after[0].op_type == "Add":  # + Reshape(Cast<int32>(Floor(bias / scale)))
            add = after[0]
            other = add.input[1] if add.input[0] == product.output[0] else add.input[0]
            reshape = made_by.get(other)
            rounded = _producer(made_by, reshape, "Reshape")
            floor = _producer(made_by, rounded, "Cast")
            divide = _producer(made_by, floor, "Floor")
            if divide is None or divide.op_type != "Div" or divide.input[0] not in inits:
                continue
            bias = nh.to_array(inits[divide.input[0]]).astype(np.float32)
            tail.append(add)
            # the int32 bias's own nodes go too where nothing else uses them
            for node, user in ((reshape, add), (rounded, reshape), (floor, rounded), (divide, floor)):
                if node is not None and users.get(node.output[0]) == [user]:
                    tail.append(node)
            cast = only_user(add.output[0], "Cast")
        else:
            cast = only_user(product.output[0], "Cast")
        if cast is None:
            continue
        scale = only_user(cast.output[0], "Mul")
        if scale is None:
            continue
        scales = made_by.get(scale.input[1] if scale.input[0] == cast.output[0] else scale.input[0])
        if scales is None or scales.op_type != "Mul":
            continue
        w_scale, x_scale = scales.input if scales.input[0] in inits else scales.input[::-1]
        if w_scale not in inits:  # the weights' scale is the constant one
            continue
        matrix = made_by.get(product.input[0])  # Reshape(weights [out, in, taps])
        channels = inits[matrix.input[0]].dims[0] if matrix is not None and matrix.input[0] in inits else -1
        if bias is not None and bias.size != channels:  # one bias per output channel
            continue
        weights, columns, w_zero, x_zero = product.input
        out = scale.output[0]
        to_float = f"{out}/unbiased" if bias is not None else out
        nodes = [
            helper.make_node(
                "MatMulIntegerToFloat",
                [weights, columns, w_scale, x_scale, w_zero, x_zero],
                [to_float],
                name=f"{product.name}/to_float",
                domain="com.microsoft",
            )
        ]
        if bias is not None:
            name = f"{product.name}/bias"
            added.append(nh.from_array(bias.reshape(-1, 1), name))  # [out, 1]: broadcast over time
            nodes.append(helper.make_node("Add", [to_float, name], [out], name=f"{product.name}/bias_add"))
        replaced[id(product)] = nodes
        removed.update(id(n) for n in [*tail, cast, scale])
    if replaced:
        kept: list[Any] = []
        for node in graph.node:
            if id(node) in replaced:
                kept.extend(replaced[id(node)])
            elif id(node) not in removed:
                kept.append(node)
        del graph.node[:]
        graph.node.extend(kept)
        graph.initializer.extend(added)
        if not any(o.domain == "com.microsoft" for o in model.opset_import):
            model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(replaced)


def square_powers(model: Any) -> int:
    """Pow(x, 2) with a constant exponent of 2 becomes Mul(x, x): the same value, a cheaper kernel."""
    from onnx import numpy_helper as nh

    inits = {t.name: t for t in model.graph.initializer}
    count = 0
    for node in model.graph.node:
        if node.op_type == "Pow" and node.input[1] in inits:
            exponent = nh.to_array(inits[node.input[1]])
            if exponent.size == 1 and float(exponent.reshape(-1)[0]) == 2.0:
                node.op_type = "Mul"
                node.input[1] = node.input[0]
                count += 1
    return count


def rewrite_model(proto: Any, columns: tuple[str, str] | None = None) -> int:
    """Every rewrite of this module on `proto` (in place): the convolutions (their columns by the custom
    operator `columns`, if given), their tails, the squares. Returns how many convolutions were rewritten."""
    count = rewrite_convs(proto, columns)
    if count:
        fuse_products(proto)
        square_powers(proto)
    return count


def build_fast_model(model: Path, out: Path) -> Path:
    """Write `model` with its convolutions rewritten (rewrite_model) to `out`, atomically. Beside the
    model, its weights stay in the model file (save_derived)."""
    import onnx

    proto = onnx.load(str(model))
    if rewrite_model(proto) == 0:
        raise ValueError(f"{model.name}: no int8 convolution to rewrite")
    return save_derived(proto, model, out)


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
