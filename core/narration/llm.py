"""Local LLM narrator: a Hugging Face causal LM from a folder on disk writes the lines, fully offline.

torch and transformers are imported only inside functions here (the `llm` extra), so the rest of the app
starts without them. Only safetensors weights are loaded (pickle weights can run code) and remote code stays
off unless the user opts in. The model's raw output is never trusted: every line is cleaned, checked
against its character budget, resampled, cut at a clause boundary or padded, and as a last resort
replaced by the embedded narrator's line with a warning, so the product's length promise holds for any
model, even a random one.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.labels import LABEL_NAMES, canonical_label
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, Narrator, VisualCues
from core.narration.compose.check import calls_to_buy, reads_wrong
from core.narration.compose.facts import Card, read_card
from core.narration.naming import brand_and_type, lexicon, spoken_name
from core.project import Product

log = logging.getLogger(__name__)

LLM_EXTRA_HINT = (
    "the LLM narrator needs the `llm` extra: pip install 'syncnarrator[llm]' "
    "(torch, transformers, safetensors, tokenizers)"
)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")
CLAUSE_ENDS = "，。！？、；"
SENTENCE_ENDS = "。！？"
PROMPT_MARKERS = ("商品信息", "字数要求", "剧本类型", "镜头", "旁白：", "<|", "|>")
PAD_CLAUSES = (
    "真的很好用",
    "值得一试",
    "快来试试吧",
    "真的很不错",
    "推荐给大家",
    "赶紧入手吧",
    "用过都说好",
    "闭眼入就对了",
    "效果真的很明显",
    "性价比真的很高",
)
MAX_KNOWLEDGE_CHARS = 360
MAX_CONTEXT_LINES = 6

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]")
_KEEP = re.compile(r"[^\u3400-\u9fff\uf900-\ufaffA-Za-z0-9，。！？、；：“”‘’（）《》…—+\-.%/·\s]")
_ASCII_PUNCT = str.maketrans({",": "，", "!": "！", "?": "？", ";": "；", ":": "："})
_LEADING = "，。！？、；：…—）》” "
_PREFIX = re.compile(r"^\s*(?:(?:旁白|文案|台词|答|回答|输出)\s*[:：]|镜头\s*\d+\s*/\s*\d+\s*[:：]?)\s*")


# --------------------------------------------------------------------------------------------- text rules


def clean_line(raw: str) -> str:
    """The first line of model output as narration: no labels, quotes, stray symbols or doubled marks."""
    text = raw.replace("\r", "\n").strip()
    text = next((ln.strip() for ln in text.split("\n") if _PREFIX.sub("", ln).strip(_LEADING)), "")
    text = _KEEP.sub("", text.translate(_ASCII_PUNCT))
    for _ in range(3):
        stripped = _PREFIX.sub("", text.lstrip(_LEADING))
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)  # no spaces next to Chinese
    text = re.sub(r"\s+", " ", text).strip()
    text = text.strip("“”‘’\"'「」『』")
    text = re.sub(r"([，。！？、；：…—])[，。！？、；：…—]+", r"\1", text)
    return text.lstrip(_LEADING)


def unusable_reason(text: str, prompt: str, earlier: Sequence[str] = ()) -> str | None:
    """Why `text` cannot be spoken as narration (None when it can)."""
    if not text:
        return "empty output"
    if not _WORD.search(text):
        return "only punctuation"
    if any(marker in text for marker in PROMPT_MARKERS):
        return "prompt echo"
    core = re.sub(r"[^\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]", "", text)
    if len(core) >= 6 and core in re.sub(r"[^\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]", "", prompt):
        return "prompt echo"
    if any(core and core == re.sub(r"[^\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]", "", e) for e in earlier):
        return "repeats an earlier line"
    if len(_CJK.findall(text)) * 2 < len(_WORD.findall(text)):
        return "not Chinese text"
    return None


def _finish(text: str) -> str:
    """End a line on a full stop rather than a dangling comma (same length)."""
    if text and text[-1] in "，、；：":
        return text[:-1] + "。"
    return text


def cut_at_clause(text: str, lo: int, hi: int) -> str | None:
    """The longest prefix ending at a clause mark whose length is within [lo, hi], or None."""
    for k in range(min(hi, len(text)), max(lo, 1) - 1, -1):
        if text[k - 1] in CLAUSE_ENDS:
            return _finish(text[:k])
    return None


def pad_line(text: str, lo: int, hi: int, seed: int) -> str | None:
    """Lengthen a short but good line with a generic closing clause so it lands in [lo, hi], or None."""
    if len(_WORD.findall(text)) < 4:
        return None
    base = text.rstrip("。！？，、；：")
    options = [c for c in PAD_CLAUSES if lo <= len(base) + 1 + len(c) + 1 <= hi]
    if not options:
        return None
    return f"{base}，{options[seed % len(options)]}。"


def fit_to_budget(text: str, lo: int, hi: int, seed: int, *, ended: bool) -> tuple[str | None, str]:
    """(line within [lo, hi] or None, how it was obtained: 'as-is', 'cut', 'padded', 'no fit')."""
    if not text:
        return None, "no fit"
    if lo <= len(text) <= hi and (ended or text[-1] in SENTENCE_ENDS):
        if text[-1] not in CLAUSE_ENDS and len(text) < hi:
            return text + "。", "as-is"
        return _finish(text), "as-is"
    if len(text) >= lo:
        cut = cut_at_clause(text, lo, hi)
        if cut is not None:
            return cut, "cut"
        return None, "no fit"
    padded = pad_line(text, lo, hi, seed)
    return (padded, "padded") if padded else (None, "no fit")


SLOT_NAMES = {
    "material": "成分/材质",
    "part": "配置",
    "trait": "特点",
    "benefit": "功效",
    "look": "外观",
    "texture": "质地/口感",
    "audience": "适用人群",
    "pain": "痛点",
    "offer": "优惠（照原文说）",
    "event": "活动",
    "service": "售后",
    "cert": "认证",
}
"""How the prompt heads each type of fact (the writer's typed facts, not the card's noisy fields)."""


def product_card(product: Product) -> Card:
    """The product's typed facts as the embedded writer reads them (same cleaning, same spoken name)."""
    brand, ptype = brand_and_type(product.name)
    name = spoken_name(product)
    attrs = {str(k): str(v) for k, v in product.attributes.items()}
    others = frozenset(b for b in lexicon().brands if b not in product.name)
    return read_card(
        product.name, attrs, name, ptype if ptype and ptype in name else "", brand or name, others
    )


def _knowledge(product: Product, limit: int = MAX_KNOWLEDGE_CHARS) -> str:
    """The product as the line may speak of it: its title, spoken name and typed facts (the card's noise left
    out), trimmed so long catalogues don't crowd out the task."""
    lines = [f"商品名称：{product.name}"] if product.name else []
    name = spoken_name(product)
    if name:
        lines.append(f"口播名称：{name}")  # what the line calls it: never a fragment of the title
    card = product_card(product)
    for slot, head in SLOT_NAMES.items():
        values = [f.text for f in card.of(slot)][:6]
        if values:
            lines.append(f"{head}：{'、'.join(values)}")
    text = "\n".join(lines)
    return text if len(text) <= limit else text[:limit].rsplit("\n", 1)[0]


def _scene(cues: VisualCues | None) -> str:
    """The clip's visual cues in words (the model cannot see the frames), e.g. '画面：人物出镜、近景特写\n'."""
    if cues is None:
        return ""
    words = [
        word
        for value, word in (
            (cues.faces, "人物出镜"),
            (cues.closeup, "近景特写"),
            (cues.text, "画面文字较多"),
            (cues.motion, "动作幅度大"),
        )
        if value >= 0.5
    ]
    return f"画面：{'、'.join(words)}\n" if words else ""


# ------------------------------------------------------------------------------------------- the model folder


def check_model_folder(model_dir: str | Path | None) -> Path:
    """The model folder if it looks loadable (cheap: no torch); else InputError naming folder and problem."""
    if model_dir is None or str(model_dir).strip() == "":
        raise InputError("the LLM narrator needs a model folder (--model DIR)")
    path = Path(model_dir).expanduser()
    if not path.exists():
        raise InputError(f"{path}: model folder not found")
    if not path.is_dir():
        raise InputError(f"{path}: not a folder (point --model at the folder holding config.json)")
    config_file = path / "config.json"
    if not config_file.is_file():
        raise InputError(f"{path}: no model here (config.json is missing)")
    from core.parsing import parse_json, read_text, shown

    # total parsing: a damaged or hostile config.json (deep nesting, huge numbers) is one InputError line
    config = parse_json(read_text(config_file, "model config"), shown(config_file), what="model config")
    if not isinstance(config, dict) or not isinstance(config.get("model_type"), str):
        raise InputError(f"{config_file}: not a Hugging Face model config (no model_type)")
    try:
        files = [f.name for f in path.iterdir() if f.is_file()]
    except OSError as exc:
        raise InputError(f"{path}: cannot list the model folder ({exc.strerror or exc})") from None
    if not any(f.endswith(".safetensors") for f in files):
        if any(f.endswith(PICKLE_SUFFIXES) for f in files):
            raise InputError(
                f"{path}: only pickle weights (.bin/.pt), which can run code when loaded; "
                "convert the model to safetensors"
            )
        raise InputError(f"{path}: no model weights (*.safetensors) in the folder")
    if not any(f in files for f in TOKENIZER_FILES):
        raise InputError(f"{path}: no tokenizer (tokenizer.json or tokenizer_config.json) in the folder")
    return path


def _import_llm_libs() -> tuple[Any, Any]:
    """torch and transformers, offline; InputError with the install hint when they are missing."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # OpenMP threads that sleep instead of spinning: the editor, ffmpeg and speech share the CPU, and
    # spinning workers made generation ~10x slower on a busy 2-core machine (read when torch loads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
        import transformers
    except ImportError:
        raise InputError(LLM_EXTRA_HINT) from None
    except Exception as exc:  # installed but broken (mismatched versions, missing native library)
        raise InputError(
            f"{LLM_EXTRA_HINT} - the installed copy fails: {type(exc).__name__}: {exc}"
        ) from None
    return torch, transformers


def llm_available() -> bool:
    """True when the `llm` extra is installed (without importing it)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers"))


def _pick_dtype(torch: Any, device: str, model_dir: Path) -> Any:
    """bf16/fp16 on a GPU; float32 on CPU (fast everywhere) unless that would need more than ~8 GB of RAM."""
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    weights = sum(f.stat().st_size for f in model_dir.glob("*.safetensors"))
    return torch.bfloat16 if weights > 4 * 1024**3 else torch.float32


def _cpu_threads(torch: Any) -> int:
    """torch's default (physical cores) capped by the CPUs this process may actually use (containers)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    return max(1, min(int(torch.get_num_threads()), usable))


@dataclass
class GenerationStats:
    """Counters for the benchmark's tokens/s and seconds/clip columns."""

    clips: int = 0
    lines_from_model: int = 0
    fallbacks: int = 0
    new_tokens: int = 0
    generate_seconds: float = 0.0
    narrate_seconds: float = 0.0
    load_seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.new_tokens / self.generate_seconds if self.generate_seconds > 0 else 0.0

    @property
    def seconds_per_clip(self) -> float:
        return self.narrate_seconds / self.clips if self.clips else 0.0


@dataclass
class _Loaded:
    torch: Any
    model: Any
    tokenizer: Any
    device: str
    dtype: Any
    eos_ids: list[int]
    banned_ids: list[int]  # special tokens other than end of sequence
    newline_ids: list[int]
    sentence_end_ids: list[int]
    token_chars: Any  # LongTensor: characters each token adds when decoded
    label_ids: dict[str, list[int]]  # empty when some label is not encodable (planner fallback)
    max_positions: int


# ---------------------------------------------------------------------------------------------- narrator


class LLMNarrator(Narrator):
    """Narrator backed by a local causal LM (Qwen2.5-Instruct, a model fine-tuned on E-SyncVidStory, ...)."""

    name = "llm"

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        trust_remote_code: bool = False,
        device: str | None = None,
        threads: int | None = None,
        attempts: int = 3,
        temperature: float = 0.8,
        top_p: float = 0.9,
        label_source: str = "model",
        fallback: Narrator | None = None,
    ) -> None:
        if label_source not in ("model", "embedded"):
            raise InputError(f"label_source must be 'model' or 'embedded', not '{label_source}'")
        if not (temperature > 0 and 0 < top_p <= 1):
            raise InputError(f"temperature must be > 0 and top_p in (0, 1], got {temperature} and {top_p}")
        if not llm_available():  # nothing else matters without torch
            raise InputError(LLM_EXTRA_HINT)
        self.model_dir = check_model_folder(model_dir)
        self.trust_remote_code = bool(trust_remote_code)
        self.device = device
        self.threads = threads
        self.attempts = max(1, int(attempts))
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self.label_source = label_source
        self._fallback = fallback
        self._lock = threading.RLock()
        self._loaded: _Loaded | None = None
        self.stats = GenerationStats()

    # ------------------------------------------------------------------------------------------ loading

    def load(self, progress: ProgressCallback = no_progress) -> None:
        """Load tokenizer and model once (seconds to minutes); narrate() calls it on first use."""
        with self._lock:
            if self._loaded is not None:
                return
            started = time.perf_counter()
            progress(0.0, "loading model")
            torch, transformers = _import_llm_libs()
            self._check_architecture()
            if self.trust_remote_code:
                log.warning(
                    "%s: running the model folder's own code (trust_remote_code is on)", self.model_dir
                )
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            dtype = _pick_dtype(torch, device, self.model_dir)
            if not device.startswith("cuda"):
                torch.set_num_threads(self.threads or _cpu_threads(torch))
            common = {"local_files_only": True, "trust_remote_code": self.trust_remote_code}
            try:
                tokenizer = transformers.AutoTokenizer.from_pretrained(str(self.model_dir), **common)
                model = transformers.AutoModelForCausalLM.from_pretrained(
                    str(self.model_dir), use_safetensors=True, dtype=dtype, **common
                )
                model.to(device)  # may run out of GPU memory
                model.eval()
                loaded = self._prepare(torch, model, tokenizer, device, dtype)
            except InputError:
                raise
            except Exception as exc:  # a user-supplied folder: any failure to load is a problem with it
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise InputError(f"{self.model_dir}: cannot load the model ({first[:200]})") from None
            self._loaded = loaded
            self.stats.load_seconds += time.perf_counter() - started
            progress(1.0, "model loaded")

    def _check_architecture(self) -> None:
        try:
            from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
        except ImportError:  # moved in some transformers release: loading will tell
            return

        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        model_type = str(config.get("model_type"))
        if model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
            return
        custom = isinstance(config.get("auto_map"), dict) and "AutoModelForCausalLM" in config["auto_map"]
        if custom and self.trust_remote_code:
            return
        if custom:
            raise InputError(
                f"{self.model_dir}: architecture '{model_type}' needs the folder's own Python code; "
                "turn on 'trust remote code' in the settings only if you trust its source"
            )
        raise InputError(
            f"{self.model_dir}: unsupported architecture '{model_type}' (not a causal language model)"
        )

    def _prepare(self, torch: Any, model: Any, tokenizer: Any, device: str, dtype: Any) -> _Loaded:
        """Token tables the length control needs, computed once per model."""
        eos: set[int] = set()
        for source in (getattr(model, "generation_config", None), model.config):
            value = getattr(source, "eos_token_id", None)
            eos.update([value] if isinstance(value, int) else list(value or []))
        if tokenizer.eos_token_id is not None:
            eos.add(int(tokenizer.eos_token_id))
        vocab = len(tokenizer)
        size = max(vocab, int(getattr(model.config, "vocab_size", vocab)))
        pieces = tokenizer.batch_decode([[i] for i in range(vocab)], skip_special_tokens=False)
        specials = set(tokenizer.all_special_ids) | {
            i
            for i, t in getattr(tokenizer, "added_tokens_decoder", {}).items()
            if getattr(t, "special", False)
        }
        chars = [0 if i in specials else len(p.strip("\n")) for i, p in enumerate(pieces)]
        token_chars = torch.tensor(chars + [0] * (size - vocab), dtype=torch.long, device=device)
        banned = sorted((specials - eos) | set(range(vocab, size)))
        newline_ids = [i for i, p in enumerate(pieces) if "\n" in p and i not in specials]
        sentence_end_ids = [
            i for i, p in enumerate(pieces) if p.strip() and set(p.strip()) <= set(SENTENCE_ENDS)
        ]
        label_ids: dict[str, list[int]] = {}
        for label in LABEL_NAMES:
            ids = tokenizer.encode(label, add_special_tokens=False)
            if not ids or tokenizer.unk_token_id in ids:
                label_ids = {}  # the planner decides when the model cannot even spell the labels
                break
            label_ids[label] = [int(i) for i in ids]
        max_positions = int(getattr(model.config, "max_position_embeddings", 0) or 4096)
        return _Loaded(
            torch=torch,
            model=model,
            tokenizer=tokenizer,
            device=device,
            dtype=dtype,
            eos_ids=sorted(eos),
            banned_ids=banned,
            newline_ids=newline_ids,
            sentence_end_ids=sentence_end_ids,
            token_chars=token_chars,
            label_ids=label_ids,
            max_positions=max_positions,
        )

    def describe(self) -> str:
        """One line for logs and the bench: folder, device, dtype."""
        if self._loaded is None:
            return f"llm {self.model_dir.name} (not loaded)"
        dtype = str(self._loaded.dtype).removeprefix("torch.")
        return f"llm {self.model_dir.name} on {self._loaded.device} ({dtype})"

    # ------------------------------------------------------------------------------------------ prompts

    def _render(self, system: str, user: str, answer_prefix: str) -> str:
        """Chat template when the tokenizer has one, else plain text ending where the answer starts."""
        assert self._loaded is not None
        tok = self._loaded.tokenizer
        if getattr(tok, "chat_template", None):
            # Some templates reject a system turn (Gemma); thinking models get thinking switched off (Qwen3).
            for messages in (
                [{"role": "system", "content": system}, {"role": "user", "content": user}],
                [{"role": "user", "content": f"{system}\n\n{user}"}],
            ):
                try:
                    text = tok.apply_chat_template(
                        messages, tokenize=False, add_generation_prompt=True, enable_thinking=False
                    )
                    return str(text)
                except Exception as exc:  # jinja's TemplateError or whatever the template raises
                    log.debug("chat template refused %s: %s", [m["role"] for m in messages], exc)
        return f"{system}\n\n{user}\n{answer_prefix}"

    def _encode(self, prompt: str) -> Any:
        assert self._loaded is not None
        tok = self._loaded.tokenizer
        templated = bool(getattr(tok, "chat_template", None))
        ids = tok(prompt, add_special_tokens=not templated, return_tensors="pt")["input_ids"]
        return ids.to(self._loaded.device)

    @staticmethod
    def _context_block(n: int, earlier: Sequence[ClipNarration]) -> str:
        shown = [c for c in earlier if c.text][-MAX_CONTEXT_LINES:]
        if not shown:
            return ""
        rows = [f"镜头 {c.index + 1}/{n}（{'、'.join(c.labels) or '未定'}）：{c.text}" for c in shown]
        return "已写旁白：\n" + "\n".join(rows) + "\n"

    def line_prompt(
        self,
        product: Product,
        n: int,
        clip: ClipRequest,
        labels: Sequence[str],
        lo: int,
        hi: int,
        earlier: Sequence[ClipNarration],
        knowledge_chars: int = MAX_KNOWLEDGE_CHARS,
    ) -> str:
        """The E-SyncVidStory-style request for one clip's line."""
        system = (
            "你是电商短视频的旁白文案写手。为每个镜头写一句口语化的中文旁白，字数必须符合要求。"
            "提到商品时用它的口播名称。只说商品信息里有的事实，数字和优惠照原文说；整句话要通顺，不要罗列卖点。"
        )
        examples = self._examples(labels)
        user = (
            f"商品信息：\n{_knowledge(product, knowledge_chars)}\n\n"
            + (f"同类镜头的真实旁白（只学说法，不要照抄）：\n{examples}\n\n" if examples else "")
            + f"视频共{n}个镜头。\n{self._context_block(n, earlier)}"
            f"请为下一个镜头写旁白。\n镜头 {clip.index + 1}/{n}\n{_scene(clip.cues)}字数要求：{lo}-{hi}个字\n"
            f"剧本类型：{'、'.join(labels)}\n只输出旁白文字，不要其他内容。"
        )
        return self._render(system, user, "旁白：")

    def _examples(self, labels: Sequence[str]) -> str:
        """A few real lines of the clip's role from the embedded resource (empty when it has none)."""
        embedded = self._embedded()
        models = getattr(embedded, "models", None)
        shown: list[str] = []
        for lab in labels:
            shown += list(getattr(models, "examples", {}).get(lab, ()))[:2]
        return "\n".join(shown[:3])

    def label_prompt(
        self,
        product: Product,
        n: int,
        clip: ClipRequest,
        lo: int,
        hi: int,
        earlier: Sequence[ClipNarration],
        knowledge_chars: int = MAX_KNOWLEDGE_CHARS,
    ) -> str:
        """Asks for the clip's script type; the answer is scored over the 12 labels only."""
        system = "你是电商短视频的脚本策划。"
        seconds = clip.duration_ms / 1000
        user = (
            f"商品信息：\n{_knowledge(product, knowledge_chars)}\n\n"
            f"剧本类型可选：{'、'.join(LABEL_NAMES)}\n"
            f"视频共{n}个镜头。\n{self._context_block(n, earlier)}{_scene(clip.cues)}"
            f"请为镜头 {clip.index + 1}/{n}（时长{seconds:.1f}秒，字数要求：{lo}-{hi}个字）选择剧本类型，只输出类型名。"
        )
        return self._render(system, user, "剧本类型：")

    def _fit_prompt(self, build: Any, reserve: int) -> tuple[str, Any]:
        """Build a prompt that leaves `reserve` positions free, shrinking knowledge and context if needed."""
        assert self._loaded is not None
        limit = self._loaded.max_positions - reserve
        for knowledge_chars, keep in ((MAX_KNOWLEDGE_CHARS, None), (120, 2), (40, 0)):
            prompt = build(knowledge_chars, keep)
            ids = self._encode(prompt)
            if ids.shape[1] <= limit:
                return prompt, ids
        raise InputError(f"{self.model_dir}: the model's context window is too small for a narration prompt")

    # ------------------------------------------------------------------------------------------ labels

    def _predict_labels(
        self, request: NarrationRequest, clip: ClipRequest, lo: int, hi: int, earlier: Sequence[ClipNarration]
    ) -> tuple[str, ...]:
        """The most likely label(s) among the 12."""
        scores = self.label_scores(request, clip, lo, hi, earlier)
        ranked = sorted(scores, key=lambda lab: -scores[lab])
        best, second = ranked[0], ranked[1]
        # A second storyline label only for lines long enough to carry two ideas, when nearly as likely.
        if hi >= 30 and scores[second] >= scores[best] - 0.7:
            return (best, second)
        return (best,)

    def label_scores(
        self, request: NarrationRequest, clip: ClipRequest, lo: int, hi: int, earlier: Sequence[ClipNarration]
    ) -> dict[str, float]:
        """Log-likelihood of each label's text as the answer to the label prompt (one prompt pass, cached)."""
        self.load()
        assert self._loaded is not None
        torch = self._loaded.torch
        model = self._loaded.model
        n = len(request.clips)

        def build(kc: int, keep: int | None) -> str:
            shown = list(earlier) if keep is None else list(earlier)[len(earlier) - keep :] if keep else []
            return self.label_prompt(request.product, n, clip, lo, hi, shown, kc)

        _, ids = self._fit_prompt(build, reserve=16)
        scores: dict[str, float] = {}
        # transformers 5 renamed `past_key_values` to `cache`; older releases only know the old name.
        cache_kw = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        with torch.no_grad():
            out = model(input_ids=ids, use_cache=True)
            first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
            cache = out.get(cache_kw)
            length = ids.shape[1]
            for label, label_ids in self._loaded.label_ids.items():
                score = float(first[label_ids[0]])
                if len(label_ids) > 1:
                    rest = torch.tensor([label_ids[:-1]], device=self._loaded.device)
                    logits = None
                    if cache is not None and hasattr(cache, "crop"):
                        try:
                            o = model(input_ids=rest, use_cache=True, **{cache_kw: cache})
                            cache.crop(-rest.shape[1])  # back to the prompt for the next label
                            logits = o.logits[0]
                        except Exception as exc:  # a cache that cannot be cut back (sliding window, ...)
                            log.debug("label scoring without the prompt cache: %s", exc)
                            cache = None
                    if logits is None:  # score the whole prompt + label again
                        logits = model(input_ids=torch.cat([ids, rest], dim=1)).logits[0, length:]
                    lp = torch.log_softmax(logits.float(), dim=-1)
                    score += float(sum(lp[j, label_ids[j + 1]] for j in range(len(label_ids) - 1)))
                scores[label] = score
        return scores

    def _planner_labels(self, request: NarrationRequest) -> dict[int, tuple[str, ...]]:
        embedded = self._embedded()
        plan = getattr(embedded, "plan", None)
        if callable(plan):  # the embedded planner alone, without writing its lines
            return {c.index: tuple(labels) for c, labels in zip(request.clips, plan(request))}
        return {c.index: c.labels for c in embedded.narrate(request)}

    # ------------------------------------------------------------------------------------------ lines

    def _generate(
        self, ids: Any, lo: int, hi: int, seed: int, cancel: CancelToken | None
    ) -> tuple[str, bool]:
        """One sampled continuation under the budget controls: (raw text, ended by the model itself)."""
        assert self._loaded is not None
        loaded = self._loaded
        torch = loaded.torch
        from transformers import LogitsProcessorList, StoppingCriteriaList

        prompt_len = ids.shape[1]
        processor = _budget_processor(loaded, prompt_len, lo, hi)
        stopper = _stopper(loaded, prompt_len, lo, hi, cancel)
        torch.manual_seed(seed)
        max_new = min(hi + max(16, hi // 2), max(8, loaded.max_positions - prompt_len))
        pad = loaded.tokenizer.pad_token_id
        if pad is None:
            pad = loaded.eos_ids[0] if loaded.eos_ids else 0
        started = time.perf_counter()
        with torch.no_grad():
            out = loaded.model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                do_sample=True,
                temperature=self.temperature,
                top_p=self.top_p,
                top_k=0,
                max_new_tokens=max_new,
                logits_processor=LogitsProcessorList([processor]),
                stopping_criteria=StoppingCriteriaList([stopper]),
                pad_token_id=pad,
                eos_token_id=loaded.eos_ids or None,
            )
        new = out[0, prompt_len:].tolist()
        self.stats.new_tokens += len(new)
        self.stats.generate_seconds += time.perf_counter() - started
        ended = bool(new) and new[-1] in loaded.eos_ids
        text = loaded.tokenizer.decode(new, skip_special_tokens=True)
        if not ended and "\n" in text.strip():
            ended = True
        if len(clean_line(text)) >= hi:
            ended = False  # the budget ran out and the processor forced the end: maybe mid-phrase
        return text, ended

    def _line(
        self,
        request: NarrationRequest,
        clip: ClipRequest,
        labels: tuple[str, ...],
        lo: int,
        hi: int,
        earlier: Sequence[ClipNarration],
        seed: int,
        fallback_seed: int,
        avoid: Sequence[str],
        cancel: CancelToken | None,
    ) -> tuple[str, tuple[str, ...]]:
        """(line within [lo, hi], warnings): resample, cut or pad; else the embedded narrator's line."""
        n = len(request.clips)

        def build(kc: int, keep: int | None) -> str:
            shown = list(earlier) if keep is None else list(earlier)[len(earlier) - keep :] if keep else []
            return self.line_prompt(request.product, n, clip, labels, lo, hi, shown, kc)

        prompt, ids = self._fit_prompt(build, reserve=hi + 16)
        earlier_text = [c.text for c in earlier] + list(avoid)
        card = product_card(request.product)
        cta_said = any(calls_to_buy(c.text, card) for c in earlier)
        reasons: list[str] = []
        repaired: str | None = None
        for attempt in range(self.attempts):
            if cancel is not None:
                cancel.raise_if_cancelled()
            raw, ended = self._generate(ids, lo, hi, seed * 7919 + attempt, cancel)
            if cancel is not None:
                cancel.raise_if_cancelled()
            text = clean_line(raw)
            reason = unusable_reason(text, prompt, earlier_text)
            if reason == "empty output" and raw.strip():
                reason = "only punctuation"  # cleaning removed everything the model wrote
            if reason:
                reasons.append(reason)
                continue
            line, how = fit_to_budget(text, lo, hi, seed + attempt, ended=ended)
            wrong = reads_wrong(line, card, cta_said=cta_said) if line is not None else None
            if wrong:  # the same last check as the embedded writer's lines
                reasons.append(f"reads wrong: {wrong}")
                continue
            if line is not None and how == "as-is":
                return line, ()
            if line is not None and repaired is None:
                repaired = line
            reasons.append(f"{len(text)} characters" if line is None else how)
        if repaired is not None:
            return repaired, ()
        fallback = self._fallback_line(request, clip, labels, earlier, fallback_seed)
        unusable = all(r in _UNUSABLE or r.startswith("reads wrong") for r in reasons)
        what = "unusable" if unusable else f"not within {lo}-{hi} characters"
        warning = (
            f"the LLM's output was {what} ({', '.join(dict.fromkeys(reasons))}) "
            "after {0} tries; used the embedded narrator's line".format(self.attempts)
        )
        self.stats.fallbacks += 1
        return fallback.text, (warning, *fallback.warnings)

    def _embedded(self) -> Narrator:
        if self._fallback is None:
            from core.narration.embedded import EmbeddedNarrator  # not via registry: it imports this module

            self._fallback = EmbeddedNarrator()
        return self._fallback

    def _fallback_line(
        self,
        request: NarrationRequest,
        clip: ClipRequest,
        labels: tuple[str, ...],
        earlier: Sequence[ClipNarration],
        seed: int,
    ) -> ClipNarration:
        clips = tuple(replace(c, labels=labels) if c.index == clip.index else c for c in request.clips)
        line = self._embedded().rewrite(
            replace(request, clips=clips), clip.index, seed=seed, context=list(earlier)
        )
        lo, hi = request.budget(clip)
        if len(line.text) > hi:  # never trust a length promise blindly
            text = cut_at_clause(line.text, lo, hi) or line.text[: max(hi - 1, 0)].rstrip("，、；：") + "。"
            line = replace(line, text=text[:hi])
        return line

    # ------------------------------------------------------------------------------------------ interface

    def _clip(
        self,
        request: NarrationRequest,
        clip: ClipRequest,
        earlier: Sequence[ClipNarration],
        seed: int,
        planned: dict[int, tuple[str, ...]] | None,
        cancel: CancelToken | None,
        *,
        fallback_seed: int,
        avoid: Sequence[str] = (),
    ) -> ClipNarration:
        lo, hi = request.budget(clip)
        labels = tuple(dict.fromkeys(lab for lab in (canonical_label(x) for x in clip.labels) if lab))
        with self._lock:  # one model, possibly shared by the editor's jobs
            if not labels:
                if planned is not None and planned.get(clip.index):
                    labels = planned[clip.index]
                else:
                    labels = self._predict_labels(request, clip, lo or 10, hi or 16, earlier)
            if clip.locked_text:
                warn = () if lo <= len(clip.locked_text) <= hi else ("locked line is outside the budget",)
                return ClipNarration(clip.index, labels, clip.locked_text, lo, hi, warn)
            if hi <= 0:
                return ClipNarration(clip.index, labels, "", 0, 0, ("clip too short for speech",))
            text, warnings = self._line(
                request, clip, labels, lo, hi, earlier, seed, fallback_seed, avoid, cancel
            )
        if not warnings:
            self.stats.lines_from_model += 1
        return ClipNarration(clip.index, labels, text, lo, hi, warnings)

    def _planned(self, request: NarrationRequest) -> dict[int, tuple[str, ...]] | None:
        assert self._loaded is not None
        needs = any(not c.labels for c in request.clips)
        if needs and (self.label_source == "embedded" or not self._loaded.label_ids):
            return self._planner_labels(request)
        return None

    def narrate(
        self,
        request: NarrationRequest,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[ClipNarration]:
        """All clips in order, each line inside its budget; earlier lines are context for later ones."""
        if cancel is not None:
            cancel.raise_if_cancelled()
        self.load(progress=lambda _fraction, stage: progress(0.0, stage))
        started = time.perf_counter()
        planned = self._planned(request)
        results: list[ClipNarration] = []
        n = len(request.clips)
        try:
            for k, clip in enumerate(request.clips):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                progress(k / max(n, 1), f"narrating clip {k + 1}/{n}")
                seed = request.seed * 1_000_003 + clip.index
                line = self._clip(request, clip, results, seed, planned, cancel, fallback_seed=request.seed)
                results.append(line)
                self.stats.clips += 1
        finally:
            self.stats.narrate_seconds += time.perf_counter() - started
        progress(1.0, "narration done")
        return results

    def rewrite(
        self,
        request: NarrationRequest,
        index: int,
        *,
        seed: int,
        context: list[ClipNarration] | None = None,
    ) -> ClipNarration:
        """A fresh line for one clip; the other clips' lines before it are its context."""
        clip = next((c for c in request.clips if c.index == index), None)
        if clip is None:
            raise InputError(f"no clip {index} in the request")
        self.load()
        earlier = sorted((c for c in context or [] if c.index < index), key=lambda c: c.index)
        current = next((c for c in context or [] if c.index == index), None)
        if not clip.labels and current is not None and current.labels:
            clip = replace(clip, labels=current.labels)  # keep the storyline, change the words
        planned = self._planned(request) if not clip.labels else None
        # an explicit rewrite replaces even the user's own line, and must differ from the current one
        clip = replace(clip, locked_text=None)
        avoid = [current.text] if current is not None and current.text else []
        started = time.perf_counter()
        try:
            return self._clip(
                request,
                clip,
                earlier,
                seed * 1_000_003 + index + 17,
                planned,
                None,
                fallback_seed=seed,
                avoid=avoid,
            )
        finally:
            self.stats.narrate_seconds += time.perf_counter() - started
            self.stats.clips += 1


_UNUSABLE = ("empty output", "only punctuation", "prompt echo", "repeats an earlier line", "not Chinese text")


# ------------------------------------------------------------------------------------ generation controls
# Built by functions so the transformers base classes are imported lazily, with the narrator.


def _decoded_length(loaded: _Loaded, ids: Any) -> tuple[int, str]:
    text = clean_line(loaded.tokenizer.decode(ids, skip_special_tokens=True))
    return len(text), text


def _budget_processor(loaded: _Loaded, prompt_len: int, lo: int, hi: int) -> Any:
    """Logits rules: no end before `lo` characters, no token that would pass `hi`, a growing nudge
    towards a full stop or the end once the line is long enough (so it ends on its own, inside budget)."""
    from transformers import LogitsProcessor

    torch = loaded.torch
    eos = torch.tensor(loaded.eos_ids, dtype=torch.long, device=loaded.device)
    banned = torch.tensor(loaded.banned_ids, dtype=torch.long, device=loaded.device)
    newline = torch.tensor(loaded.newline_ids, dtype=torch.long, device=loaded.device)
    stops = torch.tensor(loaded.sentence_end_ids, dtype=torch.long, device=loaded.device)
    vocab = loaded.token_chars.shape[0]

    class BudgetProcessor(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            scores = scores.clone()
            width = min(scores.shape[1], vocab)
            chars = loaded.token_chars[:width]
            neg = torch.finfo(scores.dtype).min
            if banned.numel():
                scores[:, banned[banned < scores.shape[1]]] = neg
            for row in range(input_ids.shape[0]):
                n, text = _decoded_length(loaded, input_ids[row, prompt_len:].tolist())
                room = hi - n
                if n < lo:
                    scores[row, eos] = neg
                    if newline.numel():
                        scores[row, newline] = neg
                too_long = chars > max(room, 0)
                scores[row, :width][too_long] = neg
                if room <= 0:
                    scores[row] = neg  # the budget is used up: the line ends here
                elif n >= lo:
                    push = 2.0 + 6.0 * (n - lo + 1) / max(hi - lo + 1, 1)
                    if text and text[-1] in SENTENCE_ENDS:
                        scores[row, eos] += push  # a finished sentence inside the budget: stop
                    elif stops.numel():
                        scores[row, stops] += push  # finish the sentence soon
                if bool(torch.all(scores[row] <= neg)) and eos.numel():
                    scores[row, eos] = 0.0  # never leave the sampler without a choice
            return scores

    return BudgetProcessor()


def _stopper(loaded: _Loaded, prompt_len: int, lo: int, hi: int, cancel: CancelToken | None) -> Any:
    """Stop between tokens when cancelled, when the budget is used up (even for a model without an
    end token), or when a long enough line is followed by a new line."""
    from transformers import StoppingCriteria

    torch = loaded.torch

    class Stop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            batch = input_ids.shape[0]
            if cancel is not None and cancel.cancelled:
                return torch.ones(batch, dtype=torch.bool, device=input_ids.device)
            done = []
            for row in range(batch):
                raw = loaded.tokenizer.decode(input_ids[row, prompt_len:].tolist(), skip_special_tokens=True)
                n = len(clean_line(raw))
                done.append(n >= hi or ("\n" in raw.strip() and n >= lo))
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return Stop()
