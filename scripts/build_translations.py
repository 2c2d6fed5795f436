"""Update the editor's Qt Linguist translation and compile it: resources/i18n/syncnarrator_zh_CN.ts -> .qm.

    python scripts/build_translations.py            # lupdate (collect strings from gui/) + lrelease
    python scripts/build_translations.py --check    # exit 1 if a string lacks a translation or the .qm is stale
    python scripts/build_translations.py --release  # lrelease only (the packaging step)

pyside6-lupdate collects every `tr("…")` / `QT_TRANSLATE_NOOP("", "…")` / `_t("…")` of gui/ into the .ts (new strings
come in as "unfinished", strings no longer in the code are dropped); translate them in the .ts (by hand or
with pyside6-linguist), then run this again to compile the .qm that the editor loads. Locations are not
written into the .ts, so editing code does not churn it.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN", "en")
PLURAL_ONLY = ("en",)  # English needs only its plural forms ("1 line", "2 lines"): the source is English
CATALOG = "syncnarrator"


def ts_file(language: str) -> Path:
    return I18N / f"{CATALOG}_{language}.ts"


def qm_file(language: str) -> Path:
    return I18N / f"{CATALOG}_{language}.qm"


NOOP_ALIAS = "_t"  # `_t("…")` marks a table entry for translation like QT_TR_NOOP (gui/actions.py)


def tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease: beside this Python (the venv's bin) or on PATH."""
    exe_dir = Path(sys.executable).parent
    for candidate in (exe_dir / name, exe_dir / f"{name}.exe"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"error: {name} not found (it ships with PySide6: pip install PySide6)")
    return found


def sources() -> list[Path]:
    return sorted(p for p in (ROOT / "gui").rglob("*.py") if "__pycache__" not in p.parts)


def lupdate(ts: Path) -> None:
    files = [str(p.relative_to(ROOT)) for p in sources()]
    language = ts.stem.split("_", 1)[1]
    extra = ["-pluralonly"] if language in PLURAL_ONLY else []
    subprocess.run(
        [tool("pyside6-lupdate"), *files, "-locations", "none", "-no-obsolete", *extra,
         "-tr-function-alias", f"QT_TR_NOOP+={NOOP_ALIAS}", "-target-language", language, "-ts", str(ts)],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run(
        [tool("pyside6-lrelease"), "-silent", "-nounfinished", str(ts), "-qm", str(qm)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source) -> <message> of a .ts file."""
    out = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            out[(name, message.findtext("source") or "")] = message
    return out


def untranslated(ts: Path) -> list[str]:
    """Sources whose translation is missing, unfinished or empty (plural forms included)."""
    bad = []
    for (_ctx, source), message in messages(ts).items():
        translation = message.find("translation")
        if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
            bad.append(source)
            continue
        forms = translation.findall("numerusform")
        texts = [f.text or "" for f in forms] if forms else [translation.text or ""]
        if not all(t.strip() for t in texts):
            bad.append(source)
    return bad


def placeholder_mismatches(ts: Path) -> list[str]:
    """Translations whose {fields} / %n differ from the source's (format() would fail or lose a value)."""
    import re

    field = re.compile(r"\{[a-z_]*\}|%n")
    bad = []
    for (_ctx, source), message in messages(ts).items():
        translation = message.find("translation")
        if translation is None:
            continue
        forms = translation.findall("numerusform")
        texts = [f.text or "" for f in forms] if forms else [translation.text or ""]
        want = sorted(set(field.findall(source)))
        for text in texts:
            if text and sorted(set(field.findall(text))) != want:
                bad.append(source)
    return bad


def missing_strings(language: str) -> list[str]:
    """Strings in the code that the committed .ts does not translate (lupdate into a temporary copy)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / ts_file(language).name
        shutil.copy(ts_file(language), copy)
        lupdate(copy)
        committed = set(messages(ts_file(language)))
        fresh = set(messages(copy))
        new = sorted(source for (_ctx, source) in fresh - committed)
        return list(dict.fromkeys(new + untranslated(copy)))


def qm_is_current(language: str) -> bool:
    """The committed .qm is what lrelease makes of the committed .ts."""
    qm = qm_file(language)
    if not qm.is_file():
        return False
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / qm.name
        lrelease(ts_file(language), fresh)
        return hashlib.sha256(fresh.read_bytes()).digest() == hashlib.sha256(qm.read_bytes()).digest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="report missing translations and a stale .qm")
    parser.add_argument("--release", action="store_true", help="only compile the .ts into the .qm")
    args = parser.parse_args(argv)
    I18N.mkdir(parents=True, exist_ok=True)
    status = 0
    for language in LANGUAGES:
        ts, qm = ts_file(language), qm_file(language)
        if args.check:
            missing = missing_strings(language)
            for source in missing:
                print(f"{ts.name}: no translation for {source!r}")
            for source in placeholder_mismatches(ts):
                print(f"{ts.name}: placeholders differ for {source!r}")
                status = 1
            if not qm_is_current(language):
                print(f"{qm.name}: out of date; run python scripts/build_translations.py")
                status = 1
            status = status or int(bool(missing))
            continue
        if not args.release:
            lupdate(ts)
        lrelease(ts, qm)
        left = untranslated(ts)
        print(f"{ts.name}: {len(messages(ts))} strings, {len(left)} untranslated -> {qm.relative_to(ROOT)}")
        for source in left:
            print(f"  untranslated: {source!r}")
    return status


if __name__ == "__main__":
    sys.exit(main())
