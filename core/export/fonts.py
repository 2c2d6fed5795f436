"""Find a CJK font for burned-in subtitles so no character renders as a box.

Looked for next to the frozen app (`fonts/`, bundled by the packager), then in the system's font
folders. $SYNCNARRATOR_FONT_DIRS (os.pathsep-separated) replaces the whole search path.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from core.errors import ExportError
from core.platform import bundle_dir, env, is_frozen

# file name (lower case) prefix -> family name libass asks for; the first match wins.
KNOWN_FONTS: tuple[tuple[str, str], ...] = (
    ("notosanscjk-bold", "Noto Sans CJK SC"),
    ("notosanscjksc-bold", "Noto Sans CJK SC"),
    ("notosanssc-bold", "Noto Sans SC"),
    ("sourcehansanssc-bold", "Source Han Sans SC"),
    ("notosanscjk-regular", "Noto Sans CJK SC"),
    ("notosanscjksc-regular", "Noto Sans CJK SC"),
    ("notosanssc-regular", "Noto Sans SC"),
    ("sourcehansanssc-regular", "Source Han Sans SC"),
    ("sourcehansans-regular", "Source Han Sans"),
    ("notosanscjk", "Noto Sans CJK SC"),
    ("notoserifcjk-regular", "Noto Serif CJK SC"),
    ("wqy-zenhei", "WenQuanYi Zen Hei"),
    ("wqy-microhei", "WenQuanYi Micro Hei"),
    ("msyh", "Microsoft YaHei"),
    ("simhei", "SimHei"),
    ("pingfang", "PingFang SC"),
    ("hiragino sans gb", "Hiragino Sans GB"),
)
FONT_SUFFIXES = (".ttc", ".otf", ".ttf")


@dataclass(frozen=True)
class FontChoice:
    path: Path
    family: str

    @property
    def folder(self) -> Path:
        return self.path.parent


def font_search_dirs() -> list[Path]:
    override = env("SYNCNARRATOR_FONT_DIRS")
    if override is not None:
        return [Path(p) for p in override.split(os.pathsep) if p]
    dirs: list[Path] = []
    bundle = bundle_dir()
    if bundle is not None and is_frozen():
        dirs.append(bundle / "fonts")
        dirs.append(Path(sys.executable).parent / "fonts")
    home = Path.home()
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        dirs += [
            windir / "Fonts",
            Path(os.environ.get("LOCALAPPDATA", home)) / "Microsoft" / "Windows" / "Fonts",
        ]
    elif sys.platform == "darwin":
        dirs += [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts"]
    else:
        dirs += [
            Path("/usr/share/fonts"),
            Path("/usr/local/share/fonts"),
            home / ".local/share/fonts",
            home / ".fonts",
        ]
    return dirs


def find_cjk_font(dirs: list[Path] | None = None) -> FontChoice:
    """The preferred CJK font found, or an ExportError saying where we looked and what to install."""
    dirs = font_search_dirs() if dirs is None else dirs
    found: dict[int, FontChoice] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
                continue
            name = path.name.lower()
            for rank, (prefix, family) in enumerate(KNOWN_FONTS):
                if name.startswith(prefix) and rank not in found:
                    found[rank] = FontChoice(path, family)
                    break
        if found:  # the bundled folder wins over the system's
            return found[min(found)]
    looked = ", ".join(str(d) for d in dirs) or "(no folders)"
    raise ExportError(
        f"no Chinese font found for burned-in subtitles (looked in {looked}); "
        "install fonts-noto-cjk or export with soft subtitles"
    )
