"""The code's structure, checked: no import cycles in core/, the layers contract, the type checker."""

from __future__ import annotations

import ast
import contextlib
import io
import keyword
import os
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under `if TYPE_CHECKING:` (never run: a type annotation's import)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def import_graph(package: str = "core", *, runtime: bool = False, root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the package's modules it imports anywhere (also inside functions, which still cycle).

    `runtime`: leave out imports under `if TYPE_CHECKING:`, which never execute."""
    files = {_module_name(p, root): p for p in (root / package).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree) if runtime else set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_core_has_no_import_cycles() -> None:
    """Function-level imports count: llm.py importing registry.py, which imports llm.py, was one."""
    graph = import_graph("core")
    assert "core.narration.llm" in graph["core.narration.registry"]
    assert cycles(graph) == []


def test_gui_has_no_runtime_import_cycles() -> None:
    """gui.dialogs <-> gui.export_dialog was one (the generic LinesDialog lived in the export dialog). The
    controllers no longer name the window's type either (they see it through gui/hosts.py), so gui/ has no
    cycle even counting imports under `if TYPE_CHECKING:`."""
    graph = import_graph("gui", runtime=True)
    assert "gui.lines_dialog" in graph["gui.dialogs"] and "gui.dialogs" in graph["gui.export_dialog"]
    assert cycles(graph) == []
    assert cycles(import_graph("gui")) == []


def test_runtime_graph_counts_function_imports_not_type_checking_ones(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n")
    (pkg / "b.py").write_text("import pkg.c\n")
    (pkg / "c.py").write_text("def f():\n    from pkg import b\n    from . import a\n")
    graph = import_graph("pkg", runtime=True, root=tmp_path)
    assert graph["pkg.a"] == set() and graph["pkg.c"] == {"pkg.a", "pkg.b"}
    assert cycles(graph) == [["pkg.b", "pkg.c"]]
    assert cycles(import_graph("pkg", root=tmp_path)) == [["pkg.a", "pkg.b", "pkg.c"]]


# -- one home for defaults ------------------------------------------------------------------------------

DEFAULT_LITERALS = [
    re.compile(r"rate\w*\s*(:\s*float\s*)?=\s*5(\.0)?\b"),  # rate_cps: float = 5.0
    re.compile(r"\"rate_cps\",\s*5(\.0)?\)"),  # data.get("rate_cps", 5.0)
    re.compile(r"--rate.*default=5"),
    re.compile(r"0\.5\s*<=.*<=\s*30"),  # the rate range
    re.compile(r"(lead|tail)_ms\w*\s*(:\s*int\s*)?=\s*(100|150)\b"),
    re.compile(r"\"(lead|tail)_ms\",\s*(100|150)\)"),
    re.compile(r"\(\s*\"embedded\",\s*\"llm\"\s*\)|\[\s*\"embedded\",\s*\"llm\"\s*\]"),  # narrator kinds
    re.compile(r"narrator\w*\s*(:\s*str\s*)?=\s*\"(embedded|llm)\"|default=\"embedded\""),  # the default kind
    re.compile(r"min_clip_ms\w*\s*(:\s*int\s*)?=\s*(40|600)\b", re.IGNORECASE),  # MIN_CLIP_MS, DETECT_MIN_...
    re.compile(r"\"min_clip_ms\",\s*(40|600)\b"),
    re.compile(r"\"kokoro\",\s*\"espeak\",\s*\"pyttsx3\""),  # VOICE_ENGINES
    re.compile(r"-31(\.0)?\s*<=|<=\s*-5(\.0)?\b"),  # the loudness range
]

# Literal values that live in core/defaults.py, found as Python tokens (comments and prose in messages do
# not count): the loudness target and the other offered targets, the duck level, the export presets.
DEFAULT_NUMBERS = {-14.0: "LOUDNESS_LUFS", -16.0: "LOUDNESS_TARGETS", -23.0: "LOUDNESS_TARGETS", -12.0: "DUCK_DB"}
DEFAULT_STRINGS = {"source": "PRESET_SOURCE / EXPORT_PRESET"}
# The same value meaning something else: (file, literal) -> why it is not the constant.
DEFAULT_ALLOWED = {
    ("core/export/track.py", "-16.0"): "the narration track's own level before the mix, not an export target",
}


def default_literal_tokens(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every number or string token in `source` whose value core.defaults owns."""
    found: list[tuple[int, str]] = []
    previous: list[tokenize.TokenInfo] = []  # the last two significant tokens
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NUMBER and previous and previous[-1].string == "-" and _unary(previous[:-1]):
            with contextlib.suppress(ValueError):
                if -float(token.string) in DEFAULT_NUMBERS:
                    found.append((token.start[0], "-" + token.string))
        elif token.type == tokenize.STRING and token.string[-1] in "\"'":
            with contextlib.suppress(ValueError, SyntaxError):
                if ast.literal_eval(token.string) in DEFAULT_STRINGS:
                    found.append((token.start[0], token.string))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = [*previous[-1:], token]
    return found


def _unary(before: list[tokenize.TokenInfo]) -> bool:
    """Whether a "-" after these tokens is a sign (`x = -14`), not a subtraction (`width - 16`)."""
    if not before:
        return True
    last = before[-1]
    if last.type in (tokenize.NUMBER, tokenize.STRING) or last.string in (")", "]", "}"):
        return False
    if last.type == tokenize.NAME:  # `return -14` is a sign, `None - 14` and `x - 14` are not
        return keyword.iskeyword(last.string) and last.string not in ("None", "True", "False")
    return True


def test_the_literal_finder_finds_planted_defaults() -> None:
    planted = (
        'LOUD = -14.0  # -16 in a comment\nx = f(-14, "-14 LUFS", preset="source", y=-12)\n'
        "z = -140.0 + w - 16 + (a) - 14\nreturn -23\n"
    )
    assert default_literal_tokens(planted) == [(1, "-14.0"), (2, "-14"), (2, '"source"'), (2, "-12"), (4, "-23")]


def _sources() -> list[Path]:
    return [p for folder in ("core", "gui") for p in sorted((ROOT / folder).rglob("*.py"))]


def test_defaults_are_defined_once() -> None:
    """The default rate was spelled in 9 places, its range 4 ways, -14 LUFS and the "source" preset six times
    each; now core/defaults.py alone has them."""
    offenders = []
    for path in _sources():
        if path.name == "defaults.py":
            continue
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            if any(p.search(line) for p in DEFAULT_LITERALS):
                offenders.append(f"{name}:{n}: {line.strip()}")
        for n, literal in default_literal_tokens(text):
            if (name, literal) not in DEFAULT_ALLOWED:
                offenders.append(f"{name}:{n}: {literal} (use core.defaults)")
    assert offenders == []


# -- one home for helpers: file -> pattern, and the only file allowed to match it --------------------------

ONE_HOME = {
    "core/output_guard.py": re.compile(r"def \w*same_?file\w*\(|os\.path\.samefile\("),
    "core/timebase.py": re.compile(r"def (frame_at|ms_to_frame|nearest_frame)\(|round\(Fraction\(\w+, 1000\)"),
    "core/project.py": re.compile(r"\.(rate_cps|voice) or \w+\.(speech\.)?(rate_cps|voice)\b"),
    # the narrator's runtime helpers, once in the training module (#26): their runtime homes
    "core/narration/resource.py": re.compile(r"def (en|de)code_resource\("),
    "core/narration/planner.py": re.compile(r"def (position_class|length_bucket)\("),
    # a clip's budget: the project's at the calibrated rate (pipeline), the request's one rule (base)
    "core/pipeline.py": re.compile(r"def clip_budget\("),
    "core/narration/base.py": re.compile(r"\.chars_max < \w+\.chars_min"),
}


def test_helpers_have_one_home() -> None:
    """_same_file was written 3 times, frame_at twice (rounding differently), the clip's speech overrides
    resolved in 7 places: each is now defined in one module and imported from there."""
    elsewhere = {
        f"{path.relative_to(ROOT).as_posix()}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for home, pattern in ONE_HOME.items()
        if pattern.search(line) and path.relative_to(ROOT).as_posix() != home
    }
    assert elsewhere == set()
    for home, pattern in ONE_HOME.items():  # the patterns still find the one definition
        assert pattern.search((ROOT / home).read_text(encoding="utf-8")), home


def test_runtime_code_does_not_import_the_training_module() -> None:
    """learn.py builds the narrator's resource offline (scripts/build_narrator_resource.py); what the app runs
    imports the resource's codec and the planner's helpers from their runtime homes, never the trainer."""
    graph = import_graph("core", runtime=True)
    assert graph.get("core.narration.learn")  # the finder sees the module
    assert sorted(name for name, deps in graph.items() if "core.narration.learn" in deps) == []


def test_version_is_defined_once() -> None:
    import tomllib

    from core import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert __version__.count(".") >= 1


# -- the type checker and the layers contract, as configured in pyproject.toml ---------------------------


def _tool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )  # fmt: skip


def test_mypy_is_clean(tmp_path: Path) -> None:
    """Strict on core/ (pyproject [tool.mypy]); a new untyped function or wrong call fails the run."""
    proc = _tool("-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Success" in proc.stdout


def test_mypy_catches_a_type_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def half(ms: int) -> int:\n    return ms / 2\n", encoding="utf-8")
    proc = _tool("-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy-cache"), str(bad))
    assert proc.returncode == 1 and "return-value" in proc.stdout, proc.stdout


def _lint_imports(config: Path | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return _tool("-c", code, *(["--config", str(config)] if config else []), cwd=cwd)


def test_core_layers_contract_is_kept() -> None:
    """errors/timebase -> media/project -> detection, narration, speech -> export -> pipeline -> commands; and
    in gui/, widgets never import controllers, controllers never import the window."""
    proc = _lint_imports()
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "0 broken" in proc.stdout


def test_layers_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """The same contract with export below project must break: project -> ... -> export imports exist."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = config.index("[tool.importlinter]")
    section = config[start:].replace('  "export",\n', "").replace(
        '  "media : project : labels",\n', '  "media : project : labels",\n  "export",\n'
    )
    (tmp_path / "layers.toml").write_text(section, encoding="utf-8")
    proc = _lint_imports(tmp_path / "layers.toml")
    assert proc.returncode == 1 and "BROKEN" in proc.stdout, proc.stdout[-3000:]


def test_detection_contract_catches_a_shared_module_importing_upwards(tmp_path: Path) -> None:
    """The detection package's layers with params above features must break (features reads params)."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = config[config.index("[tool.importlinter]") :]
    planted = section.replace('  "features | decoding",\n  "params",\n', '  "params",\n  "features | decoding",\n')
    assert planted != section
    (tmp_path / "layers.toml").write_text(planted, encoding="utf-8")
    proc = _lint_imports(tmp_path / "layers.toml")
    assert proc.returncode == 1 and "BROKEN" in proc.stdout, proc.stdout[-3000:]
    assert "core.detection.features -> core.detection.params" in proc.stdout, proc.stdout[-3000:]


def test_detection_modules_stay_small() -> None:
    """One job per module (#26): decoding and each detector in its own file, none past 300 lines."""
    folder = ROOT / "core" / "detection"
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in folder.glob("*.py")}
    assert {"decoding.py", "cuts.py", "fades.py", "dissolves.py", "clips.py"} <= sizes.keys()
    assert {name: n for name, n in sizes.items() if n > 300} == {}


def test_gui_modules_stay_small() -> None:
    """The window composes views (<= 450 lines); no gui module grows past 600 (split it: see DEVELOPERS)."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "gui").glob("*.py")}
    assert sizes["main_window.py"] <= 450, sizes["main_window.py"]
    assert {name: n for name, n in sizes.items() if n > 600} == {}


def test_gui_contracts_catch_a_widget_importing_a_controller(tmp_path: Path) -> None:
    """The gui contracts, on a copy of the code with two planted imports: a view importing a controller, and a
    controller importing the window (as narration_commands did for its type before gui/hosts.py)."""
    for package in ("core", "gui"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert _lint_imports(cwd=tmp_path).returncode == 0  # the copy itself keeps them
    banner = tmp_path / "gui" / "banner.py"
    banner.write_text(banner.read_text(encoding="utf-8") + "\nfrom gui import narration_commands\n", encoding="utf-8")
    documents = tmp_path / "gui" / "documents.py"
    planted = "\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from gui.main_window import MainWindow\n"
    documents.write_text(documents.read_text(encoding="utf-8") + planted, encoding="utf-8")
    proc = _lint_imports(cwd=tmp_path)
    assert proc.returncode == 1 and "2 broken" in proc.stdout, proc.stdout[-3000:]
    assert "gui.banner is not allowed to import gui.narration_commands" in proc.stdout
    assert "gui.documents is not allowed to import gui.main_window" in proc.stdout
