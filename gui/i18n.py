"""The editor's languages: Simplified Chinese (zh_CN) and English, through Qt's translation system.

Every user-visible string of the editor is written in English in the source as `tr("…")` (or listed
with `QT_TRANSLATE_NOOP("", "…")` when it is a table entry) and translated by
`resources/i18n/syncnarrator_zh_CN.ts`, compiled to `.qm` by `scripts/build_translations.py`.
All strings share one (empty) translation context, so moving code between modules and classes never
loses a translation. Placeholders are `{name}` fields filled with `str.format` after translation;
counts use Qt's `%n` plural forms (`tr("%n lines", "", n)`).

The command line (core/) stays English and never imports this module.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

LANGUAGES = ("system", "zh_CN", "en")  # the Settings choice; "system" follows the system locale
CATALOG = "syncnarrator"
_installed: list[QTranslator] = []
_active = "en"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for translation without translating it (tables translated where shown)."""
    return text


def tr(text: str, disambiguation: str = "", n: int = -1) -> str:
    """`text` in the interface language (lupdate collects every literal `tr("…")` call)."""
    return QCoreApplication.translate("", text, disambiguation or None, n)


def i18n_dir() -> Path:
    """resources/i18n beside the code or inside the frozen bundle."""
    from core.platform import resources_dir

    return resources_dir() / "i18n"


def qt_translations_dir() -> Path:
    """Qt's own translations (qtbase_zh_CN.qm): PySide6/Qt/translations, also inside the frozen bundle."""
    from core.platform import bundle_dir

    bundle = bundle_dir()
    if bundle is not None and (bundle / "PySide6" / "Qt" / "translations").is_dir():
        return bundle / "PySide6" / "Qt" / "translations"
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def resolve(language: str | None, system_name: str | None = None) -> str:
    """The language to show: "zh_CN" or "en"; "system"/None follow the system locale (any zh -> zh_CN)."""
    if language in ("zh_CN", "en"):
        return language
    name = system_name if system_name is not None else QLocale.system().name()
    return "zh_CN" if name.lower().startswith("zh") else "en"


def active_language() -> str:
    return _active


def install(language: str | None = None) -> str:
    """Install the translators for `language` on the running application; returns "zh_CN" or "en".

    Replaces any earlier ones, so tests (and a future live switch) can change language.
    """
    global _active
    app = QCoreApplication.instance()
    uninstall()
    chosen = resolve(language)
    if app is not None and chosen == "en":
        plurals = QTranslator(app)  # English plural forms only ("1 line" / "2 lines")
        if plurals.load(f"{CATALOG}_en", str(i18n_dir())):
            app.installTranslator(plurals)
            _installed.append(plurals)
    if app is None or chosen == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        _active = "en"
        return _active
    ours = QTranslator(app)
    if not ours.load(f"{CATALOG}_{chosen}", str(i18n_dir())):
        _active = "en"  # the .qm is missing from this build: English rather than a half translation
        return _active
    for translator in (ours, *_qt_translators(app, chosen)):
        app.installTranslator(translator)
        _installed.append(translator)
    QLocale.setDefault(QLocale(chosen))
    _active = chosen
    return _active


def _qt_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    out = []
    for catalog in ("qtbase", "qtmultimedia"):
        t = QTranslator(app)
        if t.load(f"{catalog}_{language}", str(qt_translations_dir())):
            out.append(t)
    return out


def uninstall() -> None:
    global _active
    app = QCoreApplication.instance()
    while _installed:
        t = _installed.pop()
        if app is not None:
            app.removeTranslator(t)
    _active = "en"


# --- texts that come from elsewhere (core progress stages, label definitions) -----------------------

_STAGES = {
    QT_TRANSLATE_NOOP("", "reading video"),
    QT_TRANSLATE_NOOP("", "decoding"),
    QT_TRANSLATE_NOOP("", "analysing"),
    QT_TRANSLATE_NOOP("", "done"),
    QT_TRANSLATE_NOOP("", "encoding"),
    QT_TRANSLATE_NOOP("", "mixing narration"),
    QT_TRANSLATE_NOOP("", "speech ready"),
    QT_TRANSLATE_NOOP("", "loading model"),
    QT_TRANSLATE_NOOP("", "model loaded"),
    QT_TRANSLATE_NOOP("", "narration done"),
    QT_TRANSLATE_NOOP("", "writing narration"),
    QT_TRANSLATE_NOOP("", "narration written"),
    QT_TRANSLATE_NOOP("", "looking at the clips"),
    QT_TRANSLATE_NOOP("", "thumbnails"),
    QT_TRANSLATE_NOOP("", "writing report"),
    QT_TRANSLATE_NOOP("", "checking the fit"),
    QT_TRANSLATE_NOOP("", "speaking"),
    QT_TRANSLATE_NOOP("", "finishing"),
    QT_TRANSLATE_NOOP("", "lines fitted"),
    QT_TRANSLATE_NOOP("", "refining"),
    QT_TRANSLATE_NOOP("", "writing the timeline"),
    QT_TRANSLATE_NOOP("", "shortening lines"),
    QT_TRANSLATE_NOOP("", "measuring loudness"),
}
_COUNTED_STAGE = re.compile(r"^(speaking|narrating|rewriting|fitting) clip (\d+)(?:/(\d+))?$")


def stage_text(stage: str) -> str:
    """A progress stage reported by the core (English) in the interface language."""
    stage = stage.strip()
    if not stage:
        return ""
    m = _COUNTED_STAGE.match(stage)
    if m:
        verb, k, total = m.group(1), m.group(2), m.group(3)
        if verb == "speaking":
            text = tr("speaking clip {k} of {n}") if total else tr("speaking clip {k}")
        elif verb == "fitting":  # a line judged against its clip by the estimate (nothing spoken)
            text = tr("fitting clip {k} of {n}") if total else tr("fitting clip {k}")
        elif verb == "narrating":
            text = tr("narrating clip {k} of {n}") if total else tr("narrating clip {k}")
        else:
            text = tr("rewriting clip {k}")
        return text.format(k=k, n=total)
    return tr(stage) if stage in _STAGES else stage


_FACTS = re.compile(r"^the product knowledge has only (\d+) facts?$")


def knowledge_warning_text(warning: str) -> str:
    """A warning of core.narration.knowledge.knowledge_warnings (English) in the interface language.

    Warnings read "what is wrong[: what it means]"; known parts are translated, others kept."""
    head, _sep, tail = warning.strip().partition(": ")
    m = _FACTS.match(head)
    if m:
        head = tr("the product knowledge has only %n facts", "", int(m.group(1)))
    else:
        heads = {
            "the product has no name": tr("the product has no name"),
            "the product knowledge is empty": tr("the product knowledge is empty"),
        }
        head = heads.get(head, head)
    tails = {
        "lines cannot name it": tr("lines cannot name it"),
        "lines will be generic or repeat it (add selling points, materials, offers)": tr(
            "lines will be generic or repeat it (add selling points, materials, offers)"
        ),
        "nothing usable (codes, fragments or noise): the lines leave it out": tr(
            "nothing usable (codes, fragments or noise): the lines leave it out"
        ),
    }
    separator = tr(": ")
    return head + separator + tails.get(tail, tail) if tail else head


LABEL_DEFINITIONS_EN = {
    "产品推荐": QT_TRANSLATE_NOOP("", "Introduces the product: the speaker or a group recommends it."),
    "痛点铺垫": QT_TRANSLATE_NOOP("", "The problem, need or challenge faced before using the product."),
    "引导购买": QT_TRANSLATE_NOOP(
        "", "Urges the viewer to buy, strongly: perks, price, discounts, promotions, gifts."
    ),
    "外观设计": QT_TRANSLATE_NOOP(
        "",
        "How the product or its package looks (shape, size, colour, pattern, details); the cut, texture and embroidery of clothes.",
    ),
    "质地/成分/材质": QT_TRANSLATE_NOOP(
        "", "The product's texture and feel, its ingredients or the materials it is made of."
    ),
    "产品试用": QT_TRANSLATE_NOOP(
        "",
        "Using or trying the product in detail (make-up steps, applying skin care, wearing clothes), not just mentioning it.",
    ),
    "产品功效": QT_TRANSLATE_NOOP(
        "", "What the product does and the effect or change it brings; how clothes look and feel when worn."
    ),
    "质量/特性介绍": QT_TRANSLATE_NOOP(
        "", "The product's quality or properties: durability, waterproofing, crease resistance and so on."
    ),
    "鉴定展示": QT_TRANSLATE_NOOP(
        "", "Shows quality appraisals, certificates of honour or assessments by an authority."
    ),
    "安全认证": QT_TRANSLATE_NOOP("", "Shows the safety certifications and tests the product passed."),
    "生产过程": QT_TRANSLATE_NOOP("", "How the product is made in the factory."),
    "其他/通用卖点": QT_TRANSLATE_NOOP("", "Briefly, any other advantage, highlight or selling point."),
}


def label_definition(name: str, chinese: str) -> str:
    """The definition of storyline label `name`: the dataset's Chinese one in zh_CN, else English."""
    if _active == "zh_CN" or name not in LABEL_DEFINITIONS_EN:
        return chinese
    return tr(LABEL_DEFINITIONS_EN[name])
