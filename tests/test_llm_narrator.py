"""The local LLM narrator on tiny random models built here: real loading, generation, length control,
fallback, cancellation, and clean one-line errors for bad model folders."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import Cancelled, InputError
from core.jobs import CancelToken
from core.labels import LABEL_NAMES
from core.narration import llm
from core.narration.base import ClipNarration, ClipRequest, NarrationRequest, VisualCues
from core.narration.registry import create_narrator
from core.project import Product
from tests.llm_fixture import TinyModels, build_tiny_models

PRODUCT = Product(
    name="轻薄保湿精华液",
    attributes={"功效": "补水、保湿、修护", "质地": "轻薄、清爽、不油腻", "活动优惠": "买一送一、限时大促"},
)


# threads=1 everywhere: the models are tiny and CI's two cores are shared, where OpenMP spinning costs 10x.


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    return build_tiny_models(tmp_path_factory.mktemp("tiny_llm"))


@pytest.fixture(scope="session")
def chat_narrator(tiny: TinyModels) -> llm.LLMNarrator:
    narrator = create_narrator("llm", model_dir=tiny.chat, threads=1)
    assert isinstance(narrator, llm.LLMNarrator)
    return narrator


def _request(seed: int = 0) -> NarrationRequest:
    return NarrationRequest(
        product=PRODUCT,
        clips=(
            ClipRequest(index=0, duration_ms=3000, chars_min=12, chars_max=18),
            ClipRequest(index=1, duration_ms=2600, labels=("产品功效",)),  # budget from duration
            ClipRequest(index=2, duration_ms=4000, chars_min=30, chars_max=36, labels=("其他",)),
            ClipRequest(index=3, duration_ms=2000, chars_min=6, chars_max=9, locked_text="用户自己写的。"),
            ClipRequest(index=4, duration_ms=300),  # too short for speech
        ),
        rate_cps=5.0,
        seed=seed,
    )


def _assert_valid(lines: list[ClipNarration], request: NarrationRequest) -> None:
    assert [c.index for c in lines] == [c.index for c in request.clips]
    for line, clip in zip(lines, request.clips):
        assert line.labels and set(line.labels) <= set(LABEL_NAMES), line
        if clip.locked_text is None:
            assert line.chars_min <= len(line.text) <= line.chars_max, line
            if line.chars_max:
                assert any("\u4e00" <= ch <= "\u9fff" for ch in line.text), line


# ------------------------------------------------------------------------------------------ bad folders


def _one_line_error(model_dir: object, **options: object) -> str:
    with pytest.raises(InputError) as info:
        narrator = create_narrator("llm", model_dir=model_dir, **options, threads=1)  # type: ignore[arg-type]
        narrator.load()  # type: ignore[attr-defined]
    message = str(info.value)
    assert "\n" not in message and message
    return message


def test_missing_and_empty_folders_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert str(missing) in _one_line_error(missing) and "not found" in _one_line_error(missing)
    assert "--model" in _one_line_error(None)
    a_file = tmp_path / "model.safetensors"
    a_file.write_bytes(b"x")
    assert "not a folder" in _one_line_error(a_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    message = _one_line_error(empty)
    assert str(empty) in message and "config.json" in message


def test_folder_without_weights_or_tokenizer(tmp_path: Path, tiny: TinyModels) -> None:
    no_weights = tmp_path / "no_weights"
    no_weights.mkdir()
    shutil.copy(tiny.chat / "config.json", no_weights)
    shutil.copy(tiny.chat / "tokenizer.json", no_weights)
    message = _one_line_error(no_weights)
    assert str(no_weights) in message and "weights" in message
    no_tok = tmp_path / "no_tokenizer"
    no_tok.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny.chat / name, no_tok)
    assert "tokenizer" in _one_line_error(no_tok)
    bad_config = tmp_path / "bad_config"
    shutil.copytree(tiny.chat, bad_config)
    (bad_config / "config.json").write_text("{not json", encoding="utf-8")
    assert "config.json" in _one_line_error(bad_config)


def test_pickle_only_weights_are_refused(tiny: TinyModels) -> None:
    message = _one_line_error(tiny.bin_only)
    assert str(tiny.bin_only) in message and "safetensors" in message and "pickle" in message


def test_unsupported_and_custom_code_architectures(tmp_path: Path, tiny: TinyModels) -> None:
    vision = tmp_path / "vision"
    shutil.copytree(tiny.chat, vision)
    (vision / "config.json").write_text(json.dumps({"model_type": "vit"}), encoding="utf-8")
    message = _one_line_error(vision)
    assert str(vision) in message and "unsupported architecture 'vit'" in message

    custom = tmp_path / "custom"
    shutil.copytree(tiny.chat, custom)
    config = {"model_type": "my_secret_lm", "auto_map": {"AutoModelForCausalLM": "modeling.MyLM"}}
    (custom / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert "trust remote code" in _one_line_error(custom)
    # opted in: the architecture is accepted and loading is attempted (its code file is missing here)
    message = _one_line_error(custom, trust_remote_code=True)
    assert str(custom) in message and "cannot load the model" in message


def test_weights_that_do_not_load_give_one_line(tmp_path: Path, tiny: TinyModels) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny.chat, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 64)
    message = _one_line_error(broken)
    assert str(broken) in message and "cannot load" in message


def test_missing_torch_names_the_extra(monkeypatch: pytest.MonkeyPatch, tiny: TinyModels) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    monkeypatch.setitem(sys.modules, "transformers", None)
    assert "`llm` extra" in _one_line_error(tiny.chat)
    monkeypatch.setattr(llm, "llm_available", lambda: True)  # found on disk but broken at import time
    assert "`llm` extra" in _one_line_error(tiny.chat)


# ---------------------------------------------------------------------------------------- generation


def test_lines_fit_budgets_labels_are_the_12_and_runs_repeat(chat_narrator: llm.LLMNarrator) -> None:
    request = _request(seed=3)
    seen: list[tuple[float, str]] = []
    lines = chat_narrator.narrate(request, progress=lambda f, s: seen.append((f, s)))
    _assert_valid(lines, request)
    assert lines[1].labels == ("产品功效",) and lines[2].labels == ("其他/通用卖点",)
    assert lines[3].text == "用户自己写的。"  # locked lines are kept verbatim
    assert lines[4].text == "" and (lines[4].chars_min, lines[4].chars_max) == (0, 0)
    assert (lines[1].chars_min, lines[1].chars_max) == (8, 14)  # 2.35 s of speech at 5 cps, +-3
    assert [s for _, s in seen if "clip" in s] == [f"narrating clip {k}/5" for k in range(1, 6)]
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][0] == 1.0
    assert chat_narrator.narrate(request) == lines  # same seed, same lines


def test_the_model_writes_lines_itself_and_stats_count_tokens(tiny: TinyModels) -> None:
    narrator = create_narrator("llm", model_dir=tiny.chat, threads=1)
    request = _request(seed=5)
    lines = narrator.narrate(request)
    # Random weights write gibberish, but the budget controls make it end inside the budget on its own.
    assert any(not line.warnings and line.text for line in lines)
    stats = narrator.stats  # type: ignore[attr-defined]
    assert stats.new_tokens > 0 and stats.tokens_per_second > 0 and stats.clips == 5
    assert stats.seconds_per_clip > 0


def test_model_without_chat_template(tiny: TinyModels) -> None:
    narrator = create_narrator("llm", model_dir=tiny.plain, threads=1)
    request = _request(seed=1)
    lines = narrator.narrate(request)
    _assert_valid(lines, request)
    prompt = narrator.line_prompt(PRODUCT, 5, request.clips[0], ("产品推荐",), 12, 18, [])  # type: ignore[attr-defined]
    assert "<|im_start|>" not in prompt and prompt.endswith("旁白：")


def test_chat_template_without_a_system_role(tmp_path: Path, tiny: TinyModels) -> None:
    folder = tmp_path / "no_system"
    shutil.copytree(tiny.chat, folder)
    template = (
        "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system role') }}"
        "{% endif %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    (folder / "chat_template.jinja").write_text(template, encoding="utf-8")
    narrator = create_narrator("llm", model_dir=folder, threads=1)
    request = _request(seed=4)
    _assert_valid(narrator.narrate(request), request)
    prompt = narrator.line_prompt(PRODUCT, 5, request.clips[0], ("产品推荐",), 12, 18, [])  # type: ignore[attr-defined]
    assert (
        prompt.startswith("<|im_start|>user\n你是电商短视频的旁白文案写手")
        and "字数要求：12-18个字" in prompt
    )


def test_prompt_is_e_sync_style_with_earlier_lines(chat_narrator: llm.LLMNarrator) -> None:
    chat_narrator.load()
    clip = ClipRequest(index=1, duration_ms=3000, cues=VisualCues(faces=0.9, closeup=0.7, motion=0.1))
    earlier = [ClipNarration(0, ("产品推荐",), "这款精华真的很好用。", 8, 14)]
    prompt = chat_narrator.line_prompt(PRODUCT, 3, clip, ("产品功效", "质地/成分/材质"), 10, 16, earlier)
    assert prompt.startswith("<|im_start|>system") and prompt.endswith("<|im_start|>assistant\n")
    for part in (
        "商品信息：",
        "商品名称：轻薄保湿精华液",
        "功效：补水、保湿、修护",
        "镜头 2/3",
        "字数要求：10-16个字",
        "剧本类型：产品功效、质地/成分/材质",
        "镜头 1/3（产品推荐）：这款精华真的很好用。",
        "画面：人物出镜、近景特写\n",
    ):
        assert part in prompt, part
    assert "动作" not in prompt
    label_prompt = chat_narrator.label_prompt(PRODUCT, 3, clip, 10, 16, earlier)
    assert "画面：人物出镜、近景特写" in label_prompt and "剧本类型可选：产品推荐、痛点铺垫" in label_prompt


def test_unusable_output_falls_back_to_the_embedded_line_with_a_warning(tiny: TinyModels) -> None:
    narrator = create_narrator("llm", model_dir=tiny.punct, attempts=2, threads=1)
    request = _request(seed=2)
    lines = narrator.narrate(request)
    _assert_valid(lines, request)
    spoken = [line for line in lines if line.chars_max and request.clips[line.index].locked_text is None]
    assert spoken
    for line in spoken:
        assert any("unusable (only punctuation)" in w and "embedded narrator" in w for w in line.warnings), (
            line
        )
    assert narrator.stats.fallbacks == len(spoken)  # type: ignore[attr-defined]


def test_rewrite_gives_a_valid_line_per_seed(chat_narrator: llm.LLMNarrator) -> None:
    request = _request()
    context = chat_narrator.narrate(request)
    first = chat_narrator.rewrite(request, 2, seed=1, context=context)
    second = chat_narrator.rewrite(request, 2, seed=2, context=context)
    for line in (first, second):
        assert line.index == 2 and 30 <= len(line.text) <= 36 and line.labels == ("其他/通用卖点",)
    assert first.text != second.text
    relabel = chat_narrator.rewrite(request, 0, seed=4, context=context)
    assert set(relabel.labels) <= set(LABEL_NAMES) and 12 <= len(relabel.text) <= 18


def test_labels_from_the_embedded_planner_when_asked(tiny: TinyModels) -> None:
    narrator = create_narrator("llm", model_dir=tiny.chat, label_source="embedded", threads=1)
    embedded = create_narrator("embedded")
    request = _request(seed=7)
    planned = {c.index: c.labels for c in embedded.narrate(request)}
    lines = narrator.narrate(request)
    assert [line.labels for line in lines] == [planned[line.index] for line in lines]


def test_label_scores_with_the_prompt_cache_match_full_recomputation(
    chat_narrator: llm.LLMNarrator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import DynamicCache

    request = _request()
    earlier = [ClipNarration(0, ("产品推荐",), "这款精华真的很好用。", 12, 18)]
    cached = chat_narrator.label_scores(request, request.clips[1], 8, 14, earlier)
    assert set(cached) == set(LABEL_NAMES)

    refused: list[int] = []

    def refuse(self: object, max_length: int) -> None:
        refused.append(max_length)
        raise ValueError("not croppable")

    monkeypatch.setattr(DynamicCache, "crop", refuse)
    full = chat_narrator.label_scores(request, request.clips[1], 8, 14, earlier)
    assert refused  # the first pass really used the cache
    assert full == pytest.approx(cached, abs=1e-3)
    assert len(set(round(v, 3) for v in full.values())) > 1  # the scores do depend on the label


def test_budget_processor_rules(chat_narrator: llm.LLMNarrator) -> None:
    """No end before chars_min, nothing that passes chars_max, a push towards a full stop near the end."""
    import torch

    chat_narrator.load()
    loaded = chat_narrator._loaded  # the generation controls are internal; test them directly
    assert loaded is not None
    tok = loaded.tokenizer
    prompt = tok("商品信息", add_special_tokens=False)["input_ids"]
    eos = loaded.eos_ids
    newline = tok.convert_tokens_to_ids("\n")
    stop = tok.convert_tokens_to_ids("。")
    plain = tok.convert_tokens_to_ids("好")
    processor = llm._budget_processor(loaded, len(prompt), 6, 8)

    def run(generated: str) -> torch.Tensor:
        ids = prompt + tok(generated, add_special_tokens=False)["input_ids"]
        return processor(torch.tensor([ids]), torch.zeros(1, len(tok)))[0]

    floor = torch.finfo(torch.float32).min
    short = run("补水保湿")  # 4 < 6 characters: the line may not end yet
    assert all(short[e] == floor for e in eos) and short[newline] == floor
    assert short[plain] == 0 and short[stop] == 0
    near = run("补水保湿真的很")  # 7 characters, room for one: a full stop is favoured
    assert near[stop] > near[plain] == 0
    done = run("补水保湿真的。")  # a finished sentence inside the budget: ending is favoured
    assert all(done[e] > 0 for e in eos)
    full = run("补水保湿真的很好")  # 8 = chars_max: only the end is allowed
    assert all(full[e] == 0 for e in eos) and int((full > floor).sum()) == len(set(eos))


class _CancelAfterPolls(CancelToken):
    """Becomes cancelled after `polls` reads of `.cancelled`, which only the per-token stopper reads."""

    def __init__(self, polls: int) -> None:
        super().__init__()
        self.remaining = polls

    @property
    def cancelled(self) -> bool:
        self.remaining -= 1
        if self.remaining <= 0:
            self.cancel()
        return super().cancelled


def test_cancel_stops_between_tokens(tiny: TinyModels) -> None:
    narrator = create_narrator("llm", model_dir=tiny.chat, threads=1)
    narrator.load()  # type: ignore[attr-defined]
    token = _CancelAfterPolls(polls=4)
    stages: list[str] = []
    with pytest.raises(Cancelled):
        narrator.narrate(_request(), progress=lambda f, s: stages.append(s), cancel=token)
    assert stages == ["narrating clip 1/5"]  # stopped inside the first clip's generation
    assert 0 < narrator.stats.new_tokens <= 5  # type: ignore[attr-defined]


def test_cancel_before_start_and_between_clips(chat_narrator: llm.LLMNarrator) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        chat_narrator.narrate(_request(), cancel=token)
    token = CancelToken()
    stages: list[str] = []

    def progress(fraction: float, stage: str) -> None:
        stages.append(stage)
        if stage == "narrating clip 2/5":
            token.cancel()

    with pytest.raises(Cancelled):
        chat_narrator.narrate(_request(), progress=progress, cancel=token)
    assert stages[-1] == "narrating clip 2/5"


def test_locked_line_outside_its_budget_is_kept_with_a_warning(chat_narrator: llm.LLMNarrator) -> None:
    clip = ClipRequest(index=0, duration_ms=2000, chars_min=20, chars_max=26, locked_text="太短了。")
    (line,) = chat_narrator.narrate(NarrationRequest(product=PRODUCT, clips=(clip,)))
    assert line.text == "太短了。" and line.warnings == ("locked line is outside the budget",)


# ---------------------------------------------------------------------------------------- text rules


def test_clean_line_strips_prefixes_quotes_and_symbols() -> None:
    assert llm.clean_line("旁白：“这款精华 真的好用！！”\n第二行") == "这款精华真的好用！"
    assert llm.clean_line("  ，。镜头 2/5：补水, 保湿!") == "补水，保湿！"
    assert llm.clean_line("。。！！") == ""
    assert llm.clean_line("镜头 3/5\n旁白：补水保湿。") == "补水保湿。"  # a header line is skipped
    assert llm.clean_line("镜头 3/5 补水保湿。") == "补水保湿。"


def test_unusable_reasons() -> None:
    prompt = "商品信息：精华液\n字数要求：10-16个字"
    assert llm.unusable_reason("", prompt) == "empty output"
    assert llm.unusable_reason("……", prompt) == "only punctuation"
    assert llm.unusable_reason("字数要求：10-16个字", prompt) == "prompt echo"
    assert llm.unusable_reason("这款真的好用。", prompt, ["这款真的好用！"]) == "repeats an earlier line"
    assert llm.unusable_reason("this is English text.", prompt) == "not Chinese text"
    assert llm.unusable_reason("这款精华真的好用。", prompt) is None


def test_cut_and_pad() -> None:
    assert llm.cut_at_clause("补水保湿，质地轻薄不油腻，用完很舒服", 5, 13) == "补水保湿，质地轻薄不油腻。"
    assert llm.cut_at_clause("补水保湿质地轻薄不油腻", 3, 8) is None
    padded = llm.pad_line("补水保湿很清爽。", 14, 18, seed=0)
    assert padded is not None and 14 <= len(padded) <= 18 and padded.startswith("补水保湿很清爽，")
    assert llm.fit_to_budget("补水保湿很清爽", 5, 10, 0, ended=True) == ("补水保湿很清爽。", "as-is")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="补水保湿清爽好用，。！、a1 ", max_size=60),
    lo=st.integers(1, 40),
    width=st.integers(0, 8),
    ended=st.booleans(),
    seed=st.integers(0, 50),
)
def test_fit_to_budget_never_returns_a_line_outside_the_budget(
    text: str, lo: int, width: int, ended: bool, seed: int
) -> None:
    line, how = llm.fit_to_budget(llm.clean_line(text), lo, lo + width, seed, ended=ended)
    assert (line is None) == (how == "no fit")
    if line is not None:
        assert lo <= len(line) <= lo + width


# ------------------------------------------------------------------------------------------------ CLI


def test_render_reports_bad_model_folders_in_one_line(
    tmp_path: Path, tiny: TinyModels, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.cli import run

    video = tmp_path / "in.mp4"
    video.write_bytes(b"not looked at: the model is checked first")
    product = tmp_path / "product.json"
    product.write_text(json.dumps(PRODUCT.to_json(), ensure_ascii=False), encoding="utf-8")
    base = ["render", str(video), "--product", str(product), "--out", str(tmp_path / "out.mp4")]
    for model, problem in ((tmp_path / "nope", "model folder not found"), (tiny.bin_only, "pickle weights")):
        assert run([*base, "--narrator", "llm", "--model", str(model)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"error: {model}: ") and problem in err and "\n" not in err
    assert run([*base, "--model", str(tiny.chat)]) == 2
    assert "only used with --narrator llm" in capsys.readouterr().err


def test_render_end_to_end_with_the_llm_narrator(
    tmp_path: Path, tiny: TinyModels, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.cli import run
    from core.narration import registry
    from core.project import load_project
    from tests.mediagen import make_cut_video

    monkeypatch.setenv("SYNCNARRATOR_CACHE_DIR", str(tmp_path / "cache"))
    created: list[llm.LLMNarrator] = []

    def spy(kind: str = "embedded", model_dir: object = None, **options: object) -> object:
        narrator = registry_create(kind, model_dir=model_dir, **{"threads": 1, **options})  # type: ignore[arg-type]
        if isinstance(narrator, llm.LLMNarrator):
            created.append(narrator)
        return narrator

    registry_create = registry.create_narrator
    monkeypatch.setattr(registry, "create_narrator", spy)
    video = make_cut_video(
        tmp_path / "in.mp4", [("color=c=green", 2.5), ("color=c=red", 2.5)], size="160x120"
    )
    product = tmp_path / "product.json"
    product.write_text(json.dumps(PRODUCT.to_json(), ensure_ascii=False), encoding="utf-8")
    out, project_file = tmp_path / "out.mp4", tmp_path / "out.narr.json"
    args = [
        "render",
        str(video),
        "--product",
        str(product),
        "--out",
        str(out),
        "--project",
        str(project_file),
    ]
    assert run([*args, "--narrator", "llm", "--model", str(tiny.chat)]) == 0, capsys.readouterr().err
    assert out.stat().st_size > 0
    (narrator,) = created
    assert narrator.stats.clips >= 1 and narrator.stats.new_tokens > 0
    project = load_project(project_file)
    assert project.clips and all(c.narration for c in project.clips)
    assert all(set(c.labels) <= set(LABEL_NAMES) for c in project.clips)


def test_narrate_dataset_with_the_llm_narrator(
    tmp_path: Path, tiny: TinyModels, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.cli import run
    from core.narration import registry

    registry_create = registry.create_narrator
    monkeypatch.setattr(
        registry,
        "create_narrator",
        lambda kind, model_dir=None, **o: registry_create(kind, model_dir, threads=1, **o),
    )
    videos = [
        {
            "id": f"v{n}",
            "product": PRODUCT.to_json(),
            "clips": [
                {"index": 0, "chars_min": 10, "chars_max": 16, "labels": ["产品推荐"], "narration": "参考"},
                {
                    "index": 1,
                    "chars_min": 20,
                    "chars_max": 26,
                    "labels": ["产品功效", "其他"],
                    "narration": "",
                },
            ],
        }
        for n in range(2)
    ]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in videos), encoding="utf-8")
    assert run(["narrate-dataset", str(src), str(dst), "--narrator", "llm", "--model", str(tiny.chat)]) == 0
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["v0", "v1"]
    for row, video in zip(rows, videos):
        for out, ref in zip(row["clips"], video["clips"]):
            assert ref["chars_min"] <= len(out["narration"]) <= ref["chars_max"], out
            assert set(out["labels"]) <= set(LABEL_NAMES)
    capsys.readouterr()
    missing = tmp_path / "no_model"
    assert run(["narrate-dataset", str(src), str(dst), "--narrator", "llm", "--model", str(missing)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {missing}: model folder not found"


def test_the_llms_lines_go_through_the_writers_last_check(
    tiny: TinyModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fluent-looking but unpublishable line (a list of facts, an offer the card does not make) is refused
    like an embedded line would be, and the embedded narrator's line is used with a warning."""
    narrator = create_narrator("llm", model_dir=tiny.chat, attempts=2, threads=1)
    assert isinstance(narrator, llm.LLMNarrator)
    bad = iter(["补水，保湿，修护，轻薄，清爽。", "现在买一送三，赶紧下单吧！"] * 4)
    monkeypatch.setattr(narrator, "_generate", lambda *a, **k: (next(bad), True))
    request = NarrationRequest(
        PRODUCT, (ClipRequest(0, 3000, chars_min=12, chars_max=18, labels=("引导购买",)),)
    )
    line = narrator.narrate(request)[0]
    assert "一送三" not in line.text and "补水，保湿" not in line.text
    assert any("reads wrong" in w and "embedded narrator" in w for w in line.warnings), line.warnings


def test_the_llm_prompt_has_typed_facts_and_lines_of_the_same_role(tiny: TinyModels) -> None:
    narrator = create_narrator("llm", model_dir=tiny.chat, threads=1)
    assert isinstance(narrator, llm.LLMNarrator)
    narrator.load()
    noisy = Product("轻薄保湿精华液", {**PRODUCT.attributes, "鉴定/认证": "AUTHENTICATION、😀"})
    prompt = narrator.line_prompt(noisy, 3, ClipRequest(0, 3000), ("引导购买",), 12, 18, [])
    assert "优惠（照原文说）：买一送一" in prompt and "AUTHENTICATION" not in prompt and "😀" not in prompt
    assert "同类镜头的真实旁白" in prompt
