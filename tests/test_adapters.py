"""The assumptions our adapters make about jieba's and pypinyin's internals (bot/segment.py,
bot/pinyin.py): a new release that breaks one fails here, not in a resident's answer."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import jieba

from bot import pinyin, segment


def test_jieba_tokenizer_keeps_its_dictionary_in_freq_and_total() -> None:
    base = segment._base_tokenizer()
    assert isinstance(base.FREQ, dict) and len(base.FREQ) > 300_000
    assert isinstance(base.total, int) and base.total > 0
    assert segment.general_frequency("养老") > 0 and segment.general_frequency("幸福食堂") == 0


def test_a_segmenter_shares_the_dictionary_without_reading_it_again() -> None:
    # Its user words stay whole, stay out of the main dictionary, and out of the next segmenter.
    segmenter = segment.Segmenter(["幸福食堂", "适老化改造"])
    assert segmenter.words("哪里有幸福食堂") == ["哪里", "有", "幸福食堂"]
    assert "适老化改造" in segmenter.words("居家适老化改造")
    assert segment.general_frequency("幸福食堂") == 0
    assert segment.Segmenter([])._general is segment._base_tokenizer().FREQ
    assert "幸福食堂" not in segment.Segmenter(["适老化改造"]).words("哪里有幸福食堂")


def test_a_segmenter_costs_its_user_words_not_a_copy_of_the_dictionary() -> None:
    # A copy of jieba's half-million words per knowledge version cost ~40 MB and, during a
    # reload, stalled the event loop for 50 ms and more.
    import tracemalloc

    segment._base_tokenizer()
    tracemalloc.start()
    try:
        segmenter = segment.Segmenter(f"幸福食堂{n}" for n in range(1000))
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "幸福食堂7" in segmenter.words("哪里有幸福食堂7")
    assert allocated < 2_000_000


def test_the_frequent_nouns_kept_are_what_jiebas_tag_table_says() -> None:
    import jieba.posseg

    from bot.jieba_nouns import FREQUENT_NOUNS

    tags = jieba.posseg.dt.word_tag_tab
    frequent = segment._base_tokenizer().FREQ.items()
    nouns = {
        word
        for word, count in frequent
        if count >= segment.FUNCTION_WORD_FREQ
        and len(word) >= 2
        and tags.get(word) in {"n", "ns", "nt", "nz", "vn"}
    }
    assert nouns == FREQUENT_NOUNS
    assert not segment.is_function_word("工业") and segment.is_function_word("进行")


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


def _jieba_with(user_words: list[str]) -> jieba.Tokenizer:
    """jieba's own tokenizer over a copy of the main dictionary, the user words added its way."""
    base = segment._base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word in user_words:
        tokenizer.add_word(word, freq=max(segment.USER_WORD_FREQ, base.FREQ.get(word, 0)))
    return tokenizer


def _jieba_spans(tokenizer: jieba.Tokenizer, text: str) -> list[tuple[int, int]]:
    return [
        (start, end)
        for word, start, end in tokenizer.tokenize(text, HMM=False)
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
    # Words of the main dictionary too (养老 raised to a user word's weight, 长治县 a prefix of
    # nothing there), a single character, and one word twice (add_word counts it twice).
    user_words = ["幸福食堂", "适老化改造", "5g基站", "a级", "养老", "长治县乡", "级"]
    user_words += ["基站", "基站"]
    segmenter = segment.Segmenter(user_words)
    reference = _jieba_with(user_words)
    assert segmenter._log_total == math.log(reference.total)  # decides between longer and shorter
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    assert len(lines) > 500
    rng = random.Random(5)
    alphabet = "养老服务幸福食堂适老化改造基站长治县乡里5gGa3级 ，。！\t\r\n-_.%#&+？ab1２"
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for line in lines:
        assert segmenter.spans(line) == _jieba_spans(reference, line), line
