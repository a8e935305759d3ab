"""The assumptions our adapters make about jieba's and pypinyin's internals (bot/segment.py,
bot/pinyin.py): a new release that breaks one fails here, not in a resident's answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jieba

from bot import pinyin, segment


def test_jieba_tokenizer_keeps_its_dictionary_in_freq_and_total() -> None:
    base = segment._base_tokenizer()
    assert isinstance(base.FREQ, dict) and len(base.FREQ) > 300_000
    assert isinstance(base.total, int) and base.total > 0
    assert segment.general_frequency("养老") > 0 and segment.general_frequency("幸福食堂") == 0


def test_a_segmenter_shares_the_dictionary_without_reading_it_again() -> None:
    # Setting FREQ, total and initialized by hand must give a working tokenizer whose user
    # words stay whole, and must leave the main dictionary without them.
    segmenter = segment.Segmenter(["幸福食堂", "适老化改造"])
    assert segmenter.words("哪里有幸福食堂") == ["哪里", "有", "幸福食堂"]
    assert "适老化改造" in segmenter.words("居家适老化改造")
    assert segment.general_frequency("幸福食堂") == 0
    assert isinstance(segmenter._tokenizer, jieba.Tokenizer) and segmenter._tokenizer.initialized


def test_jiebas_tagger_over_our_tokenizer_tags_person_names_nr() -> None:
    tags = dict(segment.general_tags("我叫王小明"))
    assert tags.get("王小明") == "nr"


def test_pypinyin_ships_its_character_table_as_a_module_file() -> None:
    spec = importlib.util.find_spec("pypinyin")
    assert spec is not None and spec.submodule_search_locations
    table = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
    assert table.is_file()
    assert "yang" in pinyin.plain_readings("养") and {"chang", "zhang"} <= pinyin.plain_readings(
        "长"
    )


def _jieba_spans(segmenter: segment.Segmenter, text: str) -> list[tuple[int, int]]:
    return [
        (start, end)
        for word, start, end in segmenter._tokenizer.tokenize(text, HMM=False)
        if not word.isspace()
    ]


def test_our_segmentation_is_jiebas_token_for_token() -> None:
    # Segmenter.spans does jieba's get_DAG, calc and cut in one pass: on the articles, every
    # question set and random mixes of words, letters, digits, marks and spaces, it must cut
    # exactly where jieba's tokenize does.
    import random

    root = Path(__file__).parent.parent
    texts = [p.read_text(encoding="utf-8") for p in (root / "knowledge" / "articles").glob("*")]
    texts += [p.read_text(encoding="utf-8") for p in (root / "tests" / "data").glob("*")]
    segmenter = segment.Segmenter(["幸福食堂", "适老化改造", "5g基站", "a级"])
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    assert len(lines) > 500
    rng = random.Random(5)
    alphabet = "养老服务幸福食堂适老化改造基站长治县乡里5gGa3级 ，。！\t\r\n-_.%#&+？ab1２"
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for line in lines:
        assert segmenter.spans(line) == _jieba_spans(segmenter, line), line
