"""The code's structure, checked: no import cycles in core/, the layers contract, the type checker."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package: str = "core") -> dict[str, set[str]]:
    """module -> the package's modules it imports anywhere (also inside functions, which still cycle)."""
    files = {_module_name(p): p for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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


# -- one home for defaults ------------------------------------------------------------------------------

DEFAULT_LITERALS = [
    re.compile(r"rate\w*\s*(:\s*float\s*)?=\s*5(\.0)?\b"),  # rate_cps: float = 5.0
    re.compile(r"\"rate_cps\",\s*5(\.0)?\)"),  # data.get("rate_cps", 5.0)
    re.compile(r"--rate.*default=5"),
    re.compile(r"0\.5\s*<=.*<=\s*30"),  # the rate range
    re.compile(r"(lead|tail)_ms\w*\s*(:\s*int\s*)?=\s*(100|150)\b"),
    re.compile(r"\"(lead|tail)_ms\",\s*(100|150)\)"),
    re.compile(r"\(\s*\"embedded\",\s*\"llm\"\s*\)|\[\s*\"embedded\",\s*\"llm\"\s*\]"),  # narrator kinds
]


def test_defaults_are_defined_once() -> None:
    """The default rate was spelled in 9 places, its range 4 ways; now core/defaults.py alone has them."""
    offenders = []
    for folder in ("core", "gui"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "defaults.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if any(p.search(line) for p in DEFAULT_LITERALS):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


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
        env={**os.environ, "PYTHONPATH": str(ROOT)},
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


def _lint_imports(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return _tool("-c", code, *(["--config", str(config)] if config else []))


def test_core_layers_contract_is_kept() -> None:
    """errors/timebase -> media/project -> detection, narration, speech -> export -> pipeline -> commands."""
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


def test_gui_modules_stay_small() -> None:
    """The window composes views (<= 450 lines); no gui module grows past 600 (split it: see DEVELOPERS)."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "gui").glob("*.py")}
    assert sizes["main_window.py"] <= 450, sizes["main_window.py"]
    assert {name: n for name, n in sizes.items() if n > 600} == {}
