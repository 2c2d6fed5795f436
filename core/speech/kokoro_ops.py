"""Two custom operators for Kokoro's decoder (kokoro_ops.c): its elementwise work and its im2col in one
pass each.

AdaSnake: each of the decoder's 48 residual-block activations is, in the exported model, seven full-size
operators over a [channels, 4800 per second] tensor: a = (1 + gamma) * n + beta (AdaIN's affine, n the
instance-normed input), then Snake, a + sin(alpha * a)^2 / alpha. onnxruntime's Sin is scalar (about 2 ns a
value, ten times a Mul): those operators were a quarter of a synthesis after the convolutions were rewritten.
`fuse_snakes` replaces each by one AdaSnake node: sin^2 as exact as float's own sin (Cody-Waite reduction,
Cephes polynomials).

Im2ColInt8: each rewritten convolution (core.speech.kokoro_convs) quantized its input to int8, padded it and
stacked one Slice per tap: four passes over the columns. `kokoro_convs.rewrite_convs(columns=COLUMNS)` makes
them with this one operator, the same bytes (onnxruntime's rounding and saturation).

The library is compiled on first use with the system C compiler (or bundled in the frozen app), vectorized
for AVX-512, AVX2 or SSE2, chosen at load, and checked in a child process (so an onnxruntime it does not
fit cannot crash the app) against float64 and the operators it replaces. Where no compiler is found or the
check fails, the rewritten convolutions run without it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import platform
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np

from core.platform import bundle_dir
from core.speech.onnx_files import consumers

log = logging.getLogger(__name__)

DOMAIN = "ai.syncnarrator"
OP_NAME = "AdaSnake"
COLUMNS = (DOMAIN, "Im2ColInt8")  # the int8 im2col operator, for kokoro_convs.rewrite_convs
SOURCE = Path(__file__).with_name("kokoro_ops.c")
LIBRARY_NAME = "libsyncnarrator_kokoro_ops.so"
OPS_VERSION = 3  # libraries built or checked another way are built again
CHECK_TIMEOUT_S = 60
BUILD_TIMEOUT_S = 120


def _made(made_by: dict[str, Any], name: str, op: str) -> Any | None:
    node = made_by.get(name)
    return node if node is not None and node.op_type == op else None


def snake_sites(model: Any) -> list[tuple[list[Any], list[str], str]]:
    """Every AdaIN affine + Snake in `model`: (its seven nodes, the AdaSnake inputs [n, g, b, alpha,
    1/alpha], its output). The pattern as exported: a = Add(Mul(g, n), b) with n made by a Div (the
    instance norm); y = Add(a, Mul(1/alpha, Mul(s, s))) with s = Sin(Mul(alpha, a)); alpha and 1/alpha
    constants of the same size; every intermediate used only inside the pattern."""
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    made_by = {out: n for n in graph.node for out in n.output}
    users = consumers(graph)
    sites: list[tuple[list[Any], list[str], str]] = []
    for total in graph.node:
        if total.op_type != "Add":
            continue
        for a, term in ((total.input[0], total.input[1]), (total.input[1], total.input[0])):
            scaled = _made(made_by, term, "Mul")
            if scaled is None:
                continue
            inverse, squared_name = scaled.input if scaled.input[0] in inits else scaled.input[::-1]
            squared = _made(made_by, squared_name, "Mul")
            if inverse not in inits or squared is None or squared.input[0] != squared.input[1]:
                continue
            sine = _made(made_by, squared.input[0], "Sin")
            stretched = _made(made_by, sine.input[0], "Mul") if sine is not None else None
            if stretched is None or a not in stretched.input:
                continue
            alpha = stretched.input[1] if stretched.input[0] == a else stretched.input[0]
            affine = _made(made_by, a, "Add")
            if alpha not in inits or affine is None:
                continue
            if int(np.prod(inits[alpha].dims)) != int(np.prod(inits[inverse].dims)):
                continue
            for gain_name, beta in ((affine.input[0], affine.input[1]), (affine.input[1], affine.input[0])):
                gain = _made(made_by, gain_name, "Mul")
                if gain is None:
                    continue
                normed = [i for i in gain.input if _made(made_by, i, "Div") is not None]
                if len(normed) != 1:
                    continue
                n = normed[0]
                g = gain.input[1] if gain.input[0] == n else gain.input[0]
                nodes = [gain, affine, stretched, sine, squared, scaled, total]
                if len(users[a]) != 2 or any(len(users[x.output[0]]) != 1 for x in nodes[:1] + nodes[2:-1]):
                    continue
                sites.append((nodes, [n, g, beta, alpha, inverse], total.output[0]))
                break
            else:
                continue
            break
    return sites


def fuse_snakes(model: Any) -> int:
    """Replace every snake_sites pattern of `model` (an onnx ModelProto, changed in place) by one AdaSnake
    node; returns how many."""
    from onnx import helper

    sites = snake_sites(model)
    if not sites:
        return 0
    graph = model.graph
    removed = {id(node) for nodes, _, _ in sites for node in nodes}
    fused = {
        id(nodes[-1]): helper.make_node(
            OP_NAME, inputs, [output], name=f"{nodes[-1].name}/ada_snake", domain=DOMAIN
        )
        for nodes, inputs, output in sites
    }
    kept = [fused.get(id(n), n) for n in graph.node if id(n) in fused or id(n) not in removed]
    del graph.node[:]
    graph.node.extend(kept)
    if not any(o.domain == DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(DOMAIN, 1))
    return len(sites)


# ---------------------------------------------------------------------------------------------------------
# the library


def _compiler() -> list[str] | None:
    """The C compiler: the one Python was built with, else cc / gcc / clang on PATH."""
    for candidate in (sysconfig.get_config_var("CC"), "cc", "gcc", "clang"):
        if not candidate:
            continue
        words = shlex.split(str(candidate))
        if words and shutil.which(words[0]):
            return words
    return None


def build_library(out: Path) -> Path:
    """Compile kokoro_ops.c into the shared library `out` (atomically). Raises OSError or
    CalledProcessError when there is no compiler or it fails."""
    compiler = _compiler()
    if compiler is None:
        raise OSError("no C compiler (cc, gcc or clang) on PATH")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    command = [
        *compiler,
        "-O3",
        "-shared",
        "-fPIC",
        "-fno-math-errno",  # no errno: the loop vectorizes
        "-ffp-contract=off",  # each product and sum rounded as onnxruntime's operators round them
        "-fvisibility=hidden",
        "-o",
        str(tmp),
        str(SOURCE),
        "-lm",
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=BUILD_TIMEOUT_S)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def check_model(size: int = 4, length: int = 4099) -> tuple[bytes, dict[str, np.ndarray], np.ndarray]:
    """One AdaSnake node in miniature, its inputs (values from silence to far beyond one period) and the
    float64 answer: what `library_works` runs."""
    from onnx import TensorProto, helper
    from onnx import numpy_helper as nh

    rng = np.random.default_rng(3)
    alpha = rng.uniform(0.05, 8.0, (1, size, 1)).astype(np.float32)
    inverse = (1.0 / alpha).astype(np.float32)
    n = rng.normal(0.0, 3.0, (1, size, length)).astype(np.float32)
    n[0, 0, :5] = [0.0, -0.0, 1e-30, 400.0, -400.0]
    g = rng.uniform(0.5, 2.0, (1, size, 1)).astype(np.float32)
    b = rng.normal(0.0, 1.0, (1, size, 1)).astype(np.float32)
    inputs = [
        helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, size, None if x == "n" else 1]) for x in "ngb"
    ]
    graph = helper.make_graph(
        [helper.make_node(OP_NAME, ["n", "g", "b", "alpha", "inverse"], ["y"], domain=DOMAIN)],
        "ada_snake_check",
        inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [nh.from_array(alpha, "alpha"), nh.from_array(inverse, "inverse")],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid(DOMAIN, 1)]
    )
    model.ir_version = 9
    a = g.astype(np.float64) * n + b
    expected = a + inverse.astype(np.float64) * np.sin(alpha.astype(np.float64) * a) ** 2
    return model.SerializeToString(), {"n": n, "g": g, "b": b}, expected


def columns_model(
    taps: int, dilation: int, stride: int, pads: tuple[int, int], zero: int = -3
) -> tuple[bytes, bytes, dict[str, np.ndarray]]:
    """Im2ColInt8 in miniature and the standard operators it replaces (QuantizeLinear to int8, Pad with
    the zero point, a Slice per tap, Concat, Reshape), with their input: both must give the same bytes."""
    from onnx import TensorProto, helper
    from onnx import numpy_helper as nh

    rng = np.random.default_rng(taps * 100 + dilation)
    channels, length = 5, 301
    x = rng.normal(0.0, 2.0, (1, channels, length)).astype(np.float32)
    x[0, 0, :6] = [0.0, 1e9, -1e9, 0.5 * 0.037, -0.5 * 0.037, 1.5 * 0.037]  # saturation and ties
    x[0, 1, :201] = (np.arange(-100, 101) + 0.5) * 0.037  # at (or a rounding away from) a tie: v / scale
    inits = [
        nh.from_array(np.array(0.037, np.float32), "scale"),
        nh.from_array(np.array(zero, np.int8), "zero"),
        nh.from_array(np.array([taps, dilation, stride, *pads], np.int64), "geometry"),
    ]
    x_info = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, None])]
    y_info = [helper.make_tensor_value_info("y", TensorProto.INT8, None)]
    opsets = [helper.make_opsetid("", 18), helper.make_opsetid(DOMAIN, 1)]
    fused = helper.make_model(
        helper.make_graph(
            [helper.make_node("Im2ColInt8", ["x", "scale", "zero", "geometry"], ["y"], domain=DOMAIN)],
            "columns",
            x_info,
            y_info,
            inits,
        ),
        opset_imports=opsets,
    )
    span = dilation * (taps - 1)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "scale", "zero"], ["q"]),
        helper.make_node("Pad", ["q", "pads", "zero"], ["p"]),
    ]
    extra = [nh.from_array(np.array([0, 0, pads[0], 0, 0, pads[1]], np.int64), "pads")]
    extra += [nh.from_array(np.array([2]), "axis"), nh.from_array(np.array([stride]), "step")]
    pieces = []
    for tap in range(taps):
        start, end = tap * dilation, (tap * dilation - span) if tap * dilation < span else 2**62
        extra += [nh.from_array(np.array([start]), f"s{tap}"), nh.from_array(np.array([end]), f"e{tap}")]
        nodes += [
            helper.make_node("Slice", ["p", f"s{tap}", f"e{tap}", "axis", "step"], [f"t{tap}"]),
            helper.make_node("Unsqueeze", [f"t{tap}", "axis"], [f"u{tap}"]),
        ]
        pieces.append(f"u{tap}")
    extra.append(nh.from_array(np.array([1, channels * taps, -1], np.int64), "shape"))
    nodes += [
        helper.make_node("Concat", pieces, ["c"], axis=2),
        helper.make_node("Reshape", ["c", "shape"], ["y"]),
    ]
    plain = helper.make_model(
        helper.make_graph(nodes, "columns_plain", x_info, y_info, inits[:2] + extra), opset_imports=opsets[:1]
    )
    for proto in (fused, plain):
        proto.ir_version = 9
    return fused.SerializeToString(), plain.SerializeToString(), {"x": x}


COLUMN_GEOMETRIES = (
    (11, 5, 1, (25, 25)),
    (7, 3, 1, (9, 9)),
    (3, 1, 2, (1, 1)),
    (12, 1, 6, (3, 3)),
    (1, 1, 1, (0, 0)),
)
"""(taps, dilation, stride, pads) of every kind of convolution in Kokoro's decoder."""


def run_check(library: Path) -> float:
    """The largest error of the library's AdaSnake against float64, relative to the values' size; infinite
    where its Im2ColInt8 differs from the operators it replaces by one byte on any geometry."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.register_custom_ops_library(str(library))

    def run(model: bytes, feeds: dict[str, np.ndarray]) -> np.ndarray:
        session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        return np.asarray(session.run(None, feeds)[0])

    for taps, dilation, stride, pads in COLUMN_GEOMETRIES:
        fused, plain, feeds = columns_model(taps, dilation, stride, pads)
        a, b = run(fused, feeds), run(plain, feeds)
        if a.shape != b.shape or not np.array_equal(a, b):
            return float("inf")
    model, feeds, expected = check_model()
    got = run(model, feeds)
    return float(np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))))


def library_works(library: Path) -> bool:
    """Whether this onnxruntime loads the library and its AdaSnake gives float's precision, run in a
    child process: a library that does not fit this onnxruntime may crash the process loading it."""
    code = (
        "import sys; from pathlib import Path; from core.speech.kokoro_ops import run_check; "
        "print(run_check(Path(sys.argv[1])))"
    )
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(library)],
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT_S,
            cwd=root,
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
            },
        )
        return done.returncode == 0 and float(done.stdout.strip().splitlines()[-1]) < 1e-5
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return False


def _key() -> str:
    try:
        runtime = importlib.metadata.version("onnxruntime")
    except importlib.metadata.PackageNotFoundError:
        runtime = "?"
    source = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    return f"{OPS_VERSION}|{source}|onnxruntime {runtime}|{platform.machine()}|{sys.platform}"


_failed: set[str] = set()


def library_path(folder: Path) -> Path | None:
    """The custom-operator library: bundled in a frozen app, else compiled once into `folder` and checked
    (keyed by its source, onnxruntime's version and the machine: a stamp beside it). None where it cannot
    be built or fails its check; a failed check is remembered in the stamp, a missing compiler per process."""
    base = bundle_dir()
    if base is not None:
        bundled = base / "kokoro" / LIBRARY_NAME
        return bundled if bundled.is_file() else None
    if sys.platform == "win32" or not SOURCE.is_file():
        return None
    key = _key()
    out = folder / LIBRARY_NAME
    stamp = out.with_suffix(".stamp")
    if key in _failed:
        return None
    try:
        recorded = stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else ""
        if recorded == f"{key}|ok" and out.is_file():
            return out
        if recorded == f"{key}|failed":
            return None
        folder.mkdir(parents=True, exist_ok=True)
        build_library(out)
        works = library_works(out)
        stamp.write_text(f"{key}|{'ok' if works else 'failed'}", encoding="utf-8")
        if not works:
            log.info(
                "Kokoro's fused activations do not work with this onnxruntime; the model runs without them"
            )
            return None
        return out
    except (OSError, subprocess.SubprocessError) as exc:
        _failed.add(key)
        log.info("Kokoro's fused activations are not built (%s); the model runs without them", exc)
        return None
