"""Every loader problem is reported, all at once, naming file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, KnowledgeSettings
from bot.errors import KnowledgeError
from bot.loader import load_knowledge
from bot.service import KnowledgeService
from tests.conftest import ELDERLY, write_knowledge


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    return caught.value.problems


def test_fixture_loads(kb_dir: Path) -> None:
    knowledge = load_knowledge(kb_dir)
    assert [e.id for e in knowledge.entries][:2] == ["elderly-canteens", "home-renovation"]
    assert knowledge.categories() == ["养老服务", "社会保险", "就业创业", "农业与补偿"]
    assert knowledge.regions["襄垣县"].parent == "长治市"


def test_unknown_source_names_file_entry_and_field(tmp_path: Path) -> None:
    broken = ELDERLY.replace('source = "src-b"', 'source = "src-9"')
    kb = write_knowledge(tmp_path, {"elderly.toml": broken})
    assert problems_of(kb) == [
        f'{kb / "elderly.toml"}: entry "pension-insurance": source: unknown source "src-9"'
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            (
                'excerpt = "推进居家适老化改造。"',
                'excerpt = "推进居家适老化改造。"\ncolour = "red"',
            ),
            'entry "home-renovation": colour: unknown field',
        ),
        (
            (
                'category = "养老服务"\nregion = "长治市"\nkeywords = ["适老化改造"',
                'region = "长治市"\nkeywords = ["适老化改造"',
            ),
            'entry "home-renovation": category: required field is missing',
        ),
        (
            ('keywords = ["适老化改造", "老年人 改造", "养老"]', 'keywords = "适老化改造"'),
            'entry "home-renovation": keywords: must be a list',
        ),
        (
            ('keywords = ["适老化改造", "老年人 改造", "养老"]', 'keywords = ["  "]'),
            'entry "home-renovation": keywords: empty keyword rule',
        ),
        (
            ('keywords = ["适老化改造", "老年人 改造", "养老"]', 'keywords = ["改"]'),
            "a one-character word needs another word",
        ),
        (
            ('excerpt = "推进居家适老化改造。"', 'excerpt = "' + "改" * 401 + '"'),
            'entry "home-renovation": excerpt: too long (401 characters, at most 400)',
        ),
        (
            ('id = "home-renovation"', 'id = "Home Renovation"'),
            "id: must be lowercase ascii words joined by '-'",
        ),
        (
            ('title = "居家适老化改造"', "title = 42"),
            'entry "home-renovation": title: must be text',
        ),
    ],
)
def test_entry_field_problems(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in ELDERLY
    kb = write_knowledge(tmp_path, {"elderly.toml": ELDERLY.replace(old, new)})
    problems = problems_of(kb)
    assert len(problems) == 1
    assert str(kb / "elderly.toml") in problems[0]
    assert expected in problems[0]


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-13-01", "not a real date"),
        ("2024-02-30", "not a real date"),
        ("yesterday", "bad date 'yesterday'"),
        ("2024/03/05", "bad date"),
        ("--13-01", "not a real date"),
    ],
)
def test_bad_dates(tmp_path: Path, date: str, message: str) -> None:
    kb = write_knowledge(tmp_path)
    sources = (kb / "sources.toml").read_text(encoding="utf-8")
    (kb / "sources.toml").write_text(sources.replace("2024-03-05", date), encoding="utf-8")
    problems = problems_of(kb)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f'{kb / "sources.toml"}: source "src-a": date: ')
    assert message in problems[0]


@pytest.mark.parametrize("date", ["2023", "2023-11", "2023-11-25", "--11-25", "--02-29", ""])
def test_good_dates(tmp_path: Path, date: str) -> None:
    kb = write_knowledge(tmp_path)
    sources = (kb / "sources.toml").read_text(encoding="utf-8")
    (kb / "sources.toml").write_text(sources.replace("2024-03-05", date), encoding="utf-8")
    assert load_knowledge(kb).sources["src-a"].date == date


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    kb = write_knowledge(
        tmp_path, {"more.toml": ELDERLY.split("[[entries]]")[1].join(["[[entries]]", ""])}
    )
    problems = problems_of(kb)
    assert problems == [
        f'{kb / "more.toml"}: entry "elderly-canteens": id: duplicate id, '
        f"already used in {kb / 'elderly.toml'}"
    ]


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path, {"jobs.toml": '[[entries]]\nid = "x"\ntitle = "没有引号\n'})
    problems = problems_of(kb)
    assert len(problems) == 1
    assert problems[0].startswith(f"{kb / 'jobs.toml'}:3:")
    assert "TOML syntax error" in problems[0]


def test_empty_file(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path, {"jobs.toml": "# nothing yet\n"})
    assert problems_of(kb) == [f"{kb / 'jobs.toml'}: file has no [[entries]] tables"]


def test_non_utf8_and_unreadable_files(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    (kb / "jobs.toml").write_bytes("id = '就业'".encode("gbk"))
    (kb / "folder.toml").mkdir()  # a directory where a file should be: unreadable as a file
    problems = problems_of(kb)
    assert any("folder.toml: cannot read file" in p for p in problems)
    assert any(p.startswith(f"{kb / 'jobs.toml'}: not UTF-8 text") for p in problems)


def test_missing_directory_and_sources(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: knowledge directory not found"
    ]
    kb = write_knowledge(tmp_path / "kb")
    (kb / "sources.toml").unlink()
    problems = problems_of(kb)
    assert (
        problems[0]
        == f"{kb / 'sources.toml'}: missing: every knowledge directory needs a sources file"
    )
    # Without sources every entry's source is unknown too: all of it is reported at once.
    assert sum("unknown source" in p for p in problems) == 6


def test_unknown_region_and_synonym_in_two_groups(tmp_path: Path) -> None:
    kb = write_knowledge(
        tmp_path,
        {
            "elderly.toml": ELDERLY.replace('region = "襄垣县"', 'region = "火星县"'),
            "synonyms.toml": (
                '[[groups]]\nwords = ["老人", "长者"]\n[[groups]]\nwords = ["老年人", "老人"]\n'
            ),
        },
    )
    problems = problems_of(kb)
    assert (
        f'{kb / "synonyms.toml"}: group 2: words: "老人" is already in group 1 '
        "(a word may belong to one group only)" in problems
    )
    assert any('entry "pension-insurance": region: unknown region "火星县"' in p for p in problems)


def test_many_problems_reported_together(tmp_path: Path) -> None:
    broken = ELDERLY.replace('source = "src-a"', 'source = "nope"', 1).replace(
        'excerpt = "推动基本养老保险应保尽保。"', 'excerpt = "' + "保" * 500 + '"'
    )
    kb = write_knowledge(tmp_path, {"elderly.toml": broken, "jobs.toml": "[[entries]]\nid = 3\n"})
    problems = problems_of(kb)
    joined = "\n".join(problems)
    assert 'entry "elderly-canteens": source: unknown source "nope"' in joined
    assert 'entry "pension-insurance": excerpt: too long (500 characters' in joined
    assert "jobs.toml: entry #1: id:" in joined
    assert "jobs.toml: entry #1: title: required field is missing" in joined


def test_fingerprints_change_with_content(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    before = load_knowledge(kb).fingerprints
    (kb / "elderly.toml").write_text(ELDERLY.replace("扩容提质", "扩容"), encoding="utf-8")
    after = load_knowledge(kb).fingerprints
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"elderly-canteens"}


def test_keywords_are_optional(tmp_path: Path) -> None:
    kb = write_knowledge(
        tmp_path,
        {"elderly.toml": ELDERLY.replace('keywords = ["适老化改造", "老年人 改造", "养老"]', "")},
    )
    entry = next(e for e in load_knowledge(kb).entries if e.id == "home-renovation")
    assert entry.keywords == ()


NEWS_PAGE = """第一则报道的标题

本报讯 11月25日，第一则报道写的是幸福食堂扩容提质的事情，全市新增配餐点二十个。这一句很短。

第二则
报道的标题

本报讯 第二则报道讲的是襄垣县野生动物致害补偿保险，为农户发放赔款180余万元。

日前,市民在潞州区图书馆内阅读学习,这是一则没有标题的图片新闻,图书馆藏书种类齐全。
"""

NEWS_SOURCES = """
[[sources]]
id = "item-one"
title = "第一则报道的标题"
publisher = "测试日报"
date = "--11-25"
file = "page.txt"
region = "长治市"

[[sources]]
id = "item-two"
title = "第二则——报道的标题"
publisher = "测试日报"
date = ""
file = "page.txt"

[[sources]]
id = "item-photo"
title = "图书馆（图片新闻）"
publisher = "测试日报"
date = ""
file = "page.txt"
begins_with = "日前,市民在潞州区图书馆"
"""


def test_passages_belong_to_the_news_item_they_stand_in(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    (kb / "articles" / "page.txt").write_text(NEWS_PAGE, encoding="utf-8")
    sources = (kb / "sources.toml").read_text(encoding="utf-8")
    (kb / "sources.toml").write_text(sources + NEWS_SOURCES, encoding="utf-8")
    passages = [p for p in load_knowledge(kb).passages if p.excerpt in NEWS_PAGE]
    by_source = {p.source: p for p in passages}
    assert set(by_source) == {"item-one", "item-two", "item-photo"}
    first = by_source["item-one"]
    # Short sentences join the one before; the headline is no passage; ids count per source.
    assert first.id == "item-one#1" and first.excerpt.endswith("这一句很短。")
    assert first.region == "长治市" and first.title == "第一则报道的标题"
    # A county named in the passage is its region; the title stands on two lines in the file.
    assert by_source["item-two"].region == "襄垣县"
    assert by_source["item-two"].excerpt.startswith("本报讯 第二则报道")
    assert by_source["item-photo"].region == "潞州区"
    assert all(NEWS_PAGE[p.start : p.end] == p.excerpt for p in passages)


def test_a_news_item_that_cannot_be_found_is_reported(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    (kb / "articles" / "page.txt").write_text(NEWS_PAGE, encoding="utf-8")
    sources = (kb / "sources.toml").read_text(encoding="utf-8")
    broken = NEWS_SOURCES.replace('begins_with = "日前,市民在潞州区图书馆"', "")
    (kb / "sources.toml").write_text(sources + broken, encoding="utf-8")
    problems = "\n".join(problems_of(kb))
    assert 'source "item-photo": title not found in' in problems
    assert "begins_with" in problems


def test_a_passage_an_entry_quotes_is_represented_by_the_entry(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    knowledge = load_knowledge(kb)
    # The fixture's article holds two sentences, both quoted by entries: no passage is left.
    assert knowledge.passages == ()
    (kb / "articles" / "a.txt").write_text(
        "扩容提质幸福食堂与配餐点。推进居家适老化改造。\n新建一座社区图书馆，藏书两万册，每天向居民开放。",
        encoding="utf-8",
    )
    (passage,) = load_knowledge(kb).passages
    assert passage.id == "src-a#2" and passage.excerpt.startswith("新建一座社区图书馆")


def test_an_article_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    (kb / "articles" / "a.txt").write_bytes("扩容提质幸福食堂".encode("gbk"))
    problems = "\n".join(problems_of(kb))
    assert "a.txt: cannot read the article as UTF-8 text" in problems


def test_an_article_that_is_a_named_pipe_is_reported_not_opened(tmp_path: Path) -> None:
    import os

    kb = write_knowledge(tmp_path)
    (kb / "articles" / "a.txt").unlink()
    os.mkfifo(kb / "articles" / "a.txt")  # opening it for reading would block for ever
    problems = "\n".join(problems_of(kb))
    assert 'source "src-a": file:' in problems and "not found" in problems


def test_a_file_nested_too_deep_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    arrays = "x = " + "[" * 3000 + "]" * 3000
    tables = "x = " + "{y = " * 3000 + "1" + "}" * 3000
    kb = write_knowledge(tmp_path, {"jobs.toml": arrays, "regions.toml": tables})
    problems = problems_of(kb)
    # Reported like any other problem, beside the others (the regions' names are now unknown).
    assert problems[0].startswith(f"{kb / 'regions.toml'}: nested too deeply to read")
    assert any(p.startswith(f"{kb / 'jobs.toml'}: nested too deeply to read") for p in problems)


def test_a_file_over_the_size_limit_is_a_problem_and_is_not_read(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    with (kb / "jobs.toml").open("wb") as huge:
        huge.truncate(6 * 1024 * 1024)  # sparse: 6 MB of NUL bytes, a TOML syntax error if read
    assert problems_of(kb) == [
        f"{kb / 'jobs.toml'}: file too large (6.00 MB; at most 5 MB, "
        "see knowledge.max_file_mb in config.toml)"
    ]


def test_an_article_over_the_size_limit_is_a_problem(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    with (kb / "articles" / "a.txt").open("wb") as huge:
        huge.truncate(3 * 512 * 1024)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb, max_file_bytes=1024 * 1024)
    assert caught.value.problems == [
        f"{kb / 'articles' / 'a.txt'}: file too large (1.50 MB; at most 1 MB, "
        "see knowledge.max_file_mb in config.toml)"
    ]


def test_the_configured_size_limit_holds_for_reloads(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path / "kb")
    config = Config(knowledge=KnowledgeSettings(dir=kb, max_file_mb=0.5))
    service = KnowledgeService.from_config(config)
    with (kb / "jobs.toml").open("ab") as grown:
        grown.truncate(768 * 1024)
    with pytest.raises(
        KnowledgeError, match=r"jobs\.toml: file too large \(0\.75 MB; at most 0\.5"
    ):
        service.reload()
    assert len(service.knowledge.entries) == 6  # the old version keeps answering


def test_an_enumerated_point_is_one_passage_with_its_own_sentences(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path)
    paragraph = (
        "县委书记表示，将抓好三件事。一是围绕城镇建设，推动城乡面貌再上台阶，谋深做实城乡融合文章；"
        "二是围绕基层治理提效年，推动党建引领基层治理再上台阶。实施好“五治提升”工程，"
        "竭尽全力把蓝图变成实景。三是围绕民生保障，办好群众身边的每一件实事。"
    )
    (kb / "articles" / "a.txt").write_text(paragraph, encoding="utf-8")
    excerpts = [p.excerpt for p in load_knowledge(kb).passages]
    # The sentence after 二是 … 。 belongs to point two, not to a passage of its own.
    assert any(e.startswith("二是") and e.endswith("变成实景。") for e in excerpts)
    assert any(e.startswith("三是") for e in excerpts)
    assert not any("一是" in e and "二是" in e for e in excerpts)
    assert "".join(excerpts) == paragraph
