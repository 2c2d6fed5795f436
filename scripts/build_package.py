"""`./run package`: build the one-folder app with PyInstaller and pack it as a .tar.gz (or .zip on Windows).

Steps: make sure the app icon exists, run PyInstaller on pyinstaller.spec (OpenCV is left out: the visual
cues need only numpy and the bundled ffmpeg), strip debug symbols from the Python library, write the archive and print
the unpacked and archive sizes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = "SyncNarrator"
MIB = 1024 * 1024


# --- icon -----------------------------------------------------------------------------------------------


def _png(pixels: bytes, width: int, height: int) -> bytes:
    """Encode 8-bit RGBA rows as PNG (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    stride = width * 4
    raw = b"".join(b"\x00" + pixels[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def make_icon(path: Path, size: int = 256) -> None:
    """Draw the app icon: a rounded teal tile with a play triangle and two sound waves."""
    import numpy as np

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    s = float(size)
    # rounded square mask, anti-aliased over one pixel
    r, m = 0.22 * s, 0.04 * s
    dx = np.maximum(np.maximum(m + r - xx, xx - (s - m - r)), 0)
    dy = np.maximum(np.maximum(m + r - yy, yy - (s - m - r)), 0)
    tile = np.clip(r - np.hypot(dx, dy) + 0.5, 0, 1)
    t = (xx + yy) / (2 * s)
    rgb = np.stack([20 + 30 * t, 150 - 60 * t, 170 + 60 * t], axis=-1)
    white = np.zeros_like(tile)
    # play triangle
    cx, cy, h = 0.40 * s, 0.5 * s, 0.36 * s
    left, right = cx - 0.30 * h, cx + 0.55 * h
    inside = np.minimum(xx - left, (h / 2) * (right - xx) / (right - left) - np.abs(yy - cy))
    white = np.maximum(white, np.clip(inside + 0.5, 0, 1))
    # two sound-wave arcs to the right of the triangle
    dist = np.hypot(xx - right + 0.02 * s, yy - cy)
    ang = np.abs(np.arctan2(yy - cy, xx - right + 0.02 * s))
    for radius in (0.14 * s, 0.24 * s):
        ring = np.clip(0.028 * s - np.abs(dist - radius) + 0.5, 0, 1) * (ang < 0.75)
        white = np.maximum(white, ring)
    color = rgb * (1 - white[..., None]) + 255 * white[..., None]
    rgba = np.concatenate([color, 255 * tile[..., None]], axis=-1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_png(np.clip(rgba, 0, 255).astype(np.uint8).tobytes(), size, size))


# --- build ----------------------------------------------------------------------------------------------


def version() -> str:
    text = (ROOT / "core" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    return match.group(1) if match else "0"


def folder_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(app: Path, count: int = 8) -> list[tuple[str, int]]:
    """The biggest entries of the bundle folder (MiB figures for the build log)."""
    internal = app / "_internal" if (app / "_internal").is_dir() else app
    sizes = []
    for entry in internal.iterdir():
        size = folder_size(entry) if entry.is_dir() else entry.lstat().st_size
        sizes.append((entry.name, size))
    return sorted(sizes, key=lambda item: -item[1])[:count]


def strip_debug_info(app: Path) -> None:
    """libpython from some Python builds carries ~18 MiB of debug info the app never needs."""
    strip = shutil.which("strip")
    if strip is None or os.name != "posix":
        return
    for lib in app.rglob("libpython*.so*"):
        if lib.is_file() and not lib.is_symlink():
            subprocess.run([strip, "--strip-debug", str(lib)], capture_output=True, timeout=120)


# --- ICU data: only the locales the app speaks -------------------------------------------------------------

ICU_KEEP_LANGUAGES = ("root", "zh", "en")
ICU_KEEP_CONVERTERS = re.compile(r"^(gb18030|windows-936.*|ibm-1386.*|big5.*|windows-950.*)\.cnv$")
_LOCALE_ITEM = re.compile(r"^([a-z]{2,3})(_[A-Za-z0-9]+)*$")


def icu_items_to_drop(items: list[str]) -> list[str]:
    """ICU data items the app never reads: locale data of languages other than Chinese and English (ICU
    falls back to root, Qt formats numbers and dates from its own CLDR tables), legacy code-page converters
    but the Chinese ones, transliteration, and South-East Asian word-break dictionaries."""
    drop = []
    for item in items:
        name = item.rsplit("/", 1)[-1]
        stem, _, ext = name.rpartition(".")
        match = _LOCALE_ITEM.match(stem) if ext == "res" and stem not in ("res_index", "pool") else None
        other_language = match is not None and match.group(1) not in ICU_KEEP_LANGUAGES
        legacy_codepage = ext == "cnv" and not ICU_KEEP_CONVERTERS.match(name)
        unused = item.startswith("translit/") or name in ("khmerdict.dict", "burmesedict.dict", "laodict.dict")
        if other_language or legacy_codepage or unused:
            drop.append(item)
    return drop


def slim_icu_data(app: Path) -> int:
    """Rebuild Qt's libicudata (32 MiB, every locale of the world) with the items the app uses (about 9 MiB).

    Needs icupkg and genccode (icu-devtools) and a C compiler; without them the library is left as it is.
    Qt's collation (zh_CN sorting in the file dialog), GB18030 decoding, time zones and line breaking give
    the same results with the slim data (checked when it was introduced). Returns the bytes saved."""
    tools = [shutil.which(t) for t in ("icupkg", "genccode", "nm", "cc")]
    libs = [p for p in app.rglob("libicudata.so.*") if p.is_file() and not p.is_symlink()]
    if os.name != "posix" or not libs or None in tools:
        if libs:
            print("note: icu-devtools or a C compiler missing: Qt's ICU data is bundled whole")
        return 0
    icupkg, genccode, nm, cc = (str(t) for t in tools)
    saved = 0
    for lib in libs:
        symbols = subprocess.run([nm, "-D", "-S", "--defined-only", str(lib)], capture_output=True, text=True)
        found = re.search(r"^([0-9a-f]+) ([0-9a-f]+) R (icudt(\d+)_dat)$", symbols.stdout, re.M)
        sections = subprocess.run(["readelf", "-S", "-W", str(lib)], capture_output=True, text=True).stdout
        rodata = re.search(r"\.rodata\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+)", sections)
        if found is None or rodata is None:
            print(f"note: {lib.name}: no ICU data symbol found; left as it is")
            continue
        address, size, symbol, version = int(found[1], 16), int(found[2], 16), found[3], found[4]
        offset = address - int(rodata[1], 16) + int(rodata[2], 16)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            name = f"icudt{version}l"  # icupkg names the items after the package file: keep ICU's name
            (work / "in").mkdir()
            (work / "out").mkdir()
            (work / "in" / f"{name}.dat").write_bytes(lib.read_bytes()[offset : offset + size])
            listing = subprocess.run([icupkg, "-l", str(work / "in" / f"{name}.dat")], capture_output=True, text=True)
            drop = set(icu_items_to_drop(listing.stdout.split()))
            for _attempt in range(5):  # keep what a kept item depends on (aliases such as zh_Hant_HK -> yue)
                (work / "drop.txt").write_text("\n".join(sorted(drop)) + "\n", encoding="utf-8")
                run = subprocess.run(
                    [icupkg, "-r", str(work / "drop.txt"), str(work / "in" / f"{name}.dat"), str(work / "out" / f"{name}.dat")],
                    capture_output=True, text=True,
                )  # fmt: skip
                missing = set(re.findall(r"depends on missing item (\S+)", run.stdout + run.stderr))
                if not missing:
                    break
                drop -= missing
            if run.returncode != 0:
                print(f"note: {lib.name}: icupkg failed; left as it is")
                continue
            subprocess.run(
                [genccode, "-a", "gcc", "-e", symbol.removesuffix("_dat"), "-d", str(work), str(work / "out" / f"{name}.dat")],
                check=True, capture_output=True,
            )  # fmt: skip
            slim = work / lib.name
            subprocess.run(
                [cc, "-shared", "-nostdlib", f"-Wl,-soname,{lib.name}", "-o", str(slim), str(work / f"{name}_dat.S")],
                check=True, capture_output=True,
            )  # fmt: skip
            check = subprocess.run([nm, "-D", "--defined-only", str(slim)], capture_output=True, text=True).stdout
            if symbol not in check:
                print(f"note: {lib.name}: the rebuilt library lacks {symbol}; left as it is")
                continue
            saved += lib.stat().st_size - slim.stat().st_size
            shutil.copyfile(slim, lib)
    return saved


def write_archive(app: Path, out_dir: Path, ver: str) -> Path:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64")
    base = out_dir / f"{APP}-{ver}-{system}-{machine}"
    if os.name == "nt":
        archive = base.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(app.rglob("*")):
                zf.write(p, Path(APP) / p.relative_to(app))
        return archive
    archive = Path(str(base) + ".tar.gz")
    tmp = Path(str(archive) + ".part")
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        tar.add(app, arcname=APP)
    tmp.replace(archive)
    return archive


def build(dist: Path, work: Path, archive: bool = True) -> tuple[Path, Path | None]:
    """Run PyInstaller; returns (app folder, archive or None)."""
    icon = ROOT / "resources" / "icon.png"
    if not icon.is_file():
        make_icon(icon)
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work / "pyinstaller"), str(ROOT / "pyinstaller.spec"),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, env=env, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"error: PyInstaller failed (exit {proc.returncode})")
    app = dist / APP
    strip_debug_info(app)
    saved = slim_icu_data(app)
    if saved:
        print(f"ICU data: {saved / MIB:.1f} MiB of other languages' locale data left out")
    out = write_archive(app, dist, version()) if archive else None
    return app, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the SyncNarrator installer archive.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="build cache folder (build/)")
    parser.add_argument("--no-archive", action="store_true", help="only build the app folder")
    parser.add_argument("--icon", action="store_true", help="(re)draw resources/icon.png and stop")
    args = parser.parse_args(argv)
    if args.icon:
        make_icon(ROOT / "resources" / "icon.png")
        return 0
    app, archive = build(args.dist.resolve(), args.work.resolve(), archive=not args.no_archive)
    print(f"app folder: {app} ({folder_size(app) / MIB:.1f} MiB unpacked)")
    print("largest parts: " + ", ".join(f"{name} {size / MIB:.0f}" for name, size in largest_parts(app)))
    if archive is not None:
        print(f"archive:    {archive} ({archive.stat().st_size / MIB:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
