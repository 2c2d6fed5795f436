"""Build tiny random causal language models on disk, so the LLM narrator's real load + generate path runs in tests.

The tokenizer is character level (the `tokenizers` library) over the 12 labels, the prompt's words,
narration characters from ../shared (when present), ASCII and punctuation. Models are Llama-shaped with two
layers and hidden size 32: random weights emit random characters, which is exactly what the narrator's
length control and fallback have to survive.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.labels import LABELS

SHARED_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esync" / "dev.jsonl"
SPECIALS = ("<unk>", "<pad>", "<|im_start|>", "<|im_end|>")
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
PUNCTUATION = "，。！？、；：“”（）《》…—,.!?;:()-+%/ \n"
EXTRA_TEXT = (
    "你是电商短视频的旁白文案写手脚本策划商品信息名称视频共个镜头已写旁白请为下一写一句字数要求剧本类型"
    "只输出文字不要其他内容选择时长秒可选已规划这款产品真的很好用推荐给大家值得入手效果明显质地轻薄"
    "快来试试吧用过都说好闭眼入就对了我们皮肤肌肤精华面霜补水保湿修护紧致清爽温和敏感肌适合所有人"
)


@dataclass(frozen=True)
class TinyModels:
    chat: Path  # tokenizer with a chat template
    plain: Path  # same weights, no chat template
    punct: Path  # emits only punctuation: unusable output
    bin_only: Path  # config + pickle weights only (must be refused)


def _vocabulary(max_dev_lines: int) -> list[str]:
    text = "".join(LABELS) + "".join(LABELS.values()) + EXTRA_TEXT + PUNCTUATION
    text += "".join(chr(c) for c in range(33, 127))
    if SHARED_DEV.exists():
        with SHARED_DEV.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if n >= max_dev_lines:
                    break
                video = json.loads(line)
                text += "".join(c["narration"] for c in video["clips"])
    chars: list[str] = []
    seen = set(SPECIALS)
    for ch in text:
        if ch not in seen:
            seen.add(ch)
            chars.append(ch)
    return [*SPECIALS, *chars]


def build_tokenizer(out: Path, *, chat_template: bool, max_dev_lines: int = 60) -> object:
    """A character-level PreTrainedTokenizerFast saved to `out`; returns it."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(_vocabulary(max_dev_lines))}
    core_tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core_tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), "isolated")
    core_tok.decoder = decoders.Fuse()
    core_tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIALS])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core_tok,
        unk_token="<unk>",
        pad_token="<pad>",
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        clean_up_tokenization_spaces=False,
    )
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(out)
    return tokenizer


def _save_model(
    out: Path, vocab_size: int, tokenizer: object, *, punct_ids: tuple[int, int] | None
) -> object:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,  # type: ignore[attr-defined]
        eos_token_id=tokenizer.eos_token_id,  # type: ignore[attr-defined]
        pad_token_id=tokenizer.pad_token_id,  # type: ignore[attr-defined]
        tie_word_embeddings=False,
    )
    torch.manual_seed(1234)
    model = LlamaForCausalLM(config)
    if punct_ids is not None:
        # The final hidden state keeps one feature only; its sign picks one of two punctuation marks with a
        # huge margin, so every sampled token is punctuation whatever the prompt.
        with torch.no_grad():
            model.model.norm.weight.zero_()
            model.model.norm.weight[0] = 1.0
            model.lm_head.weight.zero_()
            model.lm_head.weight[punct_ids[0], 0] = 1e5  # large enough for any prompt: |h0| can be small
            model.lm_head.weight[punct_ids[1], 0] = -1e5
    model.save_pretrained(out)
    return model


def build_tiny_models(root: Path, *, max_dev_lines: int = 60) -> TinyModels:
    """Write the four model folders under `root` (a few seconds on CPU)."""
    chat, plain, punct, bin_only = (root / n for n in ("chat", "plain", "punct", "bin_only"))
    tokenizer = build_tokenizer(chat, chat_template=True, max_dev_lines=max_dev_lines)
    vocab_size = len(tokenizer)  # type: ignore[arg-type]
    model = _save_model(chat, vocab_size, tokenizer, punct_ids=None)

    build_tokenizer(plain, chat_template=False, max_dev_lines=max_dev_lines)
    for f in chat.iterdir():
        if f.name.endswith(".safetensors") or f.name in ("config.json", "generation_config.json"):
            shutil.copy(f, plain / f.name)

    tokenizer = build_tokenizer(punct, chat_template=True, max_dev_lines=max_dev_lines)
    ids = tokenizer.convert_tokens_to_ids(["。", "！"])  # type: ignore[attr-defined]
    _save_model(punct, vocab_size, tokenizer, punct_ids=(int(ids[0]), int(ids[1])))

    import torch

    bin_only.mkdir(parents=True, exist_ok=True)
    shutil.copy(chat / "config.json", bin_only / "config.json")
    build_tokenizer(bin_only, chat_template=True, max_dev_lines=max_dev_lines)
    torch.save(model.state_dict(), bin_only / "pytorch_model.bin")  # type: ignore[attr-defined]
    return TinyModels(chat=chat, plain=plain, punct=punct, bin_only=bin_only)


if __name__ == "__main__":  # build models for a manual bench run: python -m tests.llm_fixture OUT
    import sys

    models_ = build_tiny_models(Path(sys.argv[1]))
    print(models_)
