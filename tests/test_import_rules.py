"""core/ is pure Python: it never imports PySide6 or gui, and heavy libraries load lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = ("PySide6", "gui", "shiboken6")
LAZY_ONLY = ("torch", "transformers")


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module, line, at_top_level) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno, id(node) in top))
    return found


def test_core_never_imports_qt_or_gui() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{line} imports {mod}"
        for p in sorted((ROOT / "core").rglob("*.py"))
        for mod, line, _ in _imports(p)
        if mod.split(".")[0] in FORBIDDEN_IN_CORE
    ]
    assert not offenders, "\n".join(offenders)


def test_heavy_libraries_are_imported_lazily() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{line} imports {mod} at module level"
        for folder in ("core", "gui")
        for p in sorted((ROOT / folder).rglob("*.py"))
        for mod, line, top in _imports(p)
        if top and mod.split(".")[0] in LAZY_ONLY
    ]
    assert not offenders, "\n".join(offenders)


def test_importing_all_of_core_loads_no_qt_or_torch() -> None:
    code = (
        "import sys, pkgutil, importlib, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in ('PySide6', 'torch', 'transformers', 'gui') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_the_linter_rule_bans_qt_in_core() -> None:
    """The same rule as a ruff contract, so editors flag it while typing."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--select",
            "TID251",
            "--stdin-filename",
            "core/probe.py",
            "-",
        ],
        cwd=ROOT,
        input="import PySide6\nfrom gui import app\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0 and out.stdout.count("TID251") >= 2, out.stdout


def test_ruff_is_clean() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-4000:]
