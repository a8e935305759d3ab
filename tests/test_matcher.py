"""The matcher on a small fixture knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import MatchingSettings
from bot.service import KnowledgeService
from tests.conftest import write_knowledge


def service_with_article(tmp_path: Path, article: str) -> KnowledgeService:
    """The fixture knowledge with one more article (its passages searchable), at low cut-offs."""
    kb = write_knowledge(tmp_path)
    (kb / "articles" / "a.txt").write_text(article, encoding="utf-8")
    return KnowledgeService(kb, MatchingSettings(cutoff=2.0, passage_cutoff=3.0))


def top_id(service: KnowledgeService, question: str, region: str | None = None) -> str | None:
    answer = service.ask(question, region=region)
    return answer.answers[0].id if answer.answered else None


def test_exact_keyword(service: KnowledgeService) -> None:
    assert top_id(service, "幸福食堂") == "elderly-canteens"


def test_synonym_applied_to_question_and_rule(service: KnowledgeService) -> None:
    # The rule says "老年人 吃饭"; the question says 长者, a synonym of 老年人.
    result = service.explain("长者吃饭的地方在哪")
    assert [c.entry_number for c in result.candidates][:1] == [0]
    hit = next(h for h in result.hits if h.text == "长者")
    assert (hit.canonical, hit.kind) == ("老年人", "synonym")


def test_and_rule_needs_every_word(service: KnowledgeService) -> None:
    fired = service.explain("老人吃饭").candidates[0].fired_rules
    assert "老年人 吃饭" in fired
    assert all("老年人 吃饭" not in c.fired_rules for c in service.explain("吃饭").candidates)


def test_excluded_word_stops_a_rule(service: KnowledgeService) -> None:
    # "保险 -野猪": the pension entry must not fire on 保险 when the question is about boars.
    result = service.explain("野猪拱了庄稼有保险吗")
    fired = {service.knowledge.entries[c.entry_number].id: c.fired_rules for c in result.candidates}
    assert "保险 -野猪" not in fired.get("pension-insurance", [])
    assert top_id(service, "野猪拱了庄稼有保险吗") == "wildlife-insurance"
    assert "保险 -野猪" in service.explain("有什么保险").candidates[0].fired_rules


def test_folded_pinyin_is_weaker_and_never_rewrites_a_real_word(service: KnowledgeService) -> None:
    # 县 xian / 乡 xiang meet only when -ng is folded; 县里 is a real word, so it stays itself.
    from bot.terms import find_terms

    index = service.index
    index.canonical["乡里"] = "乡里"
    index.pinyin.add(("xian", "li"), "乡里")
    index.window_readings.clear()  # what earlier questions' windows read as was kept without 乡里
    assert not [h for h in find_terms(index, "县里", [(0, 2)]) if h.surface == "乡里"]
    hits = find_terms(index, "先里", [(0, 1), (1, 2)])  # 先 xian, not a word
    assert [(h.surface, h.kind, h.quality) for h in hits] == [("乡里", "near-homophone", 0.6)]


def test_homophone_typo(service: KnowledgeService) -> None:
    result = service.explain("样老保险怎么交")  # 样老 typed for 养老
    assert top_id(service, "样老保险怎么交") == "pension-insurance"
    assert any(h.kind == "homophone" and h.surface == "养老保险" for h in result.hits)


def test_one_wrong_character_in_a_long_keyword(service: KnowledgeService) -> None:
    result = service.explain("适老化改照")  # 照 for 造
    assert result.candidates[0].entry_number == 1
    assert any(h.kind == "typo" and h.surface == "适老化改造" for h in result.hits)


def test_one_missing_character_in_a_long_keyword(service: KnowledgeService) -> None:
    result = service.explain("适老改造")  # 化 missing
    assert result.candidates[0].entry_number == 1
    assert any(h.kind == "typo" and h.surface == "适老化改造" for h in result.hits)


def test_traditional_characters(service: KnowledgeService) -> None:
    assert top_id(service, "幸福食堂與配餐點") == "elderly-canteens"


def test_region_named_in_question_ranks_first(service: KnowledgeService) -> None:
    assert top_id(service, "潞州区就业岗位多不多") == "jobs-luzhou"
    assert top_id(service, "襄垣的就业岗位") == "jobs-xiangyuan"
    ranked = [a.id for a in service.ask("潞州就业岗位").answers]
    assert ranked[:2] == ["jobs-luzhou", "jobs-xiangyuan"]  # the other region is kept, lower


def test_preferred_region_when_question_names_none(service: KnowledgeService) -> None:
    assert top_id(service, "就业岗位", region="潞州区") == "jobs-luzhou"
    assert top_id(service, "就业岗位", region="襄垣县") == "jobs-xiangyuan"
    # A region named in the question wins over the stored preference.
    assert top_id(service, "襄垣就业岗位", region="潞州区") == "jobs-xiangyuan"


def test_below_cutoff_is_refused_with_suggestions(service: KnowledgeService) -> None:
    answer = service.ask("护照过期了在哪里换")
    assert not answer.answered and answer.answers == []
    # 改造 is only in an entry's text, and the question's other words are explained by nothing.
    weak = service.ask("改造 护照 签证")
    assert not weak.answered
    assert "居家适老化改造" in weak.suggestions


def test_region_alone_is_not_an_answer(service: KnowledgeService) -> None:
    assert not service.ask("明天长治下不下雨").answered


def test_empty_junk_and_huge_questions(service: KnowledgeService) -> None:
    for question in ["", "   ", "！！！？？", "😀" * 50, "\x00\x01", "养" * 100_000]:
        answer = service.ask(question)
        assert answer.answered is False or answer.answers
    assert top_id(service, "幸福食堂" + "啊" * 100_000) == "elderly-canteens"


def test_answer_carries_source_and_highlights(service: KnowledgeService) -> None:
    best = service.ask("幸福食堂配餐点").answers[0]
    assert best.source.publisher == "测试日报" and best.source.date == "2024-03-05"
    assert best.highlights[0] == "幸福食堂"
    assert "highlights" not in best.model_dump()


def test_a_common_word_is_not_read_as_a_typo(service: KnowledgeService) -> None:
    # 晚上 sounds like 网上 and 大医院 is one character from 县医院, but both are ordinary words.
    from bot.config import MatchingSettings
    from tests.conftest import JOBS, write_knowledge

    extra = JOBS + (
        '\n[[entries]]\nid = "online-shop"\ntitle = "网上开店"\ncategory = "就业创业"\n'
        'region = "长治市"\nkeywords = ["网上", "县医院"]\nexcerpt = "网上。"\nsource = "src-b"\n'
    )
    kb = write_knowledge(service.directory.parent / "kb2", {"jobs.toml": extra})
    other = KnowledgeService(kb, MatchingSettings(cutoff=2.0))
    kinds = {(h.text, h.kind) for h in other.explain("晚上去大医院").hits}
    assert not {k for k in kinds if k[1] in ("homophone", "typo")}
    assert ("网伤", "homophone") in {(h.text, h.kind) for h in other.explain("网伤").hits}


def test_term_inside_an_unknown_word_weighs_half(service: KnowledgeService) -> None:
    from bot.terms import find_terms

    # 食堂 is a keyword; inside the token 食堂卡 (a canteen card) it is part of another word.
    inside = {h.text: h for h in find_terms(service.index, "食堂卡", [(0, 3)])}
    assert inside["食堂"].inside_word and inside["食堂"].quality == 0.5
    alone = {h.text: h for h in find_terms(service.index, "食堂卡", [(0, 2), (2, 3)])}
    assert not alone["食堂"].inside_word and alone["食堂"].quality == 1.0


def test_very_frequent_words_are_filler(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config import MatchingSettings
    from tests.conftest import ELDERLY, write_knowledge

    # 什么 is no configured filler word, but the general dictionary says it is everywhere.
    kb = write_knowledge(tmp_path, {"elderly.toml": ELDERLY.replace('"食堂"]', '"食堂", "什么"]')})
    index = KnowledgeService(kb, MatchingSettings()).index
    assert {"什么", "工作"} <= index.filler
    assert index.weight("什么") == 0.05 * index.idf["什么"]
    assert "食堂" not in index.filler and index.weight("食堂") == index.idf["食堂"]


def test_typo_windows_never_span_punctuation(service: KnowledgeService) -> None:
    # Punctuation becomes a space; a homophone window across it once crashed the matcher.
    for question in ["养，老保险", "适老化，改照", "幸福 食堂", "养 老"]:
        hits = service.explain(question).hits
        assert all(" " not in hit.text for hit in hits), hits


def test_asking_for_a_detail_the_entry_never_mentions_lowers_confidence(
    service: KnowledgeService,
) -> None:
    # The fixture's canteen entry says nothing about documents or phone numbers.
    plain = service.explain("幸福食堂配餐点").candidates[0]
    asking = service.explain("幸福食堂配餐点 要带什么材料").candidates[0]
    assert asking.unmet_details == ["所需材料"]
    assert asking.score == pytest.approx(plain.score * 0.6, rel=0.05)
    # A detail the entry does speak of costs nothing: 配餐点 is in its keywords and excerpt.
    service.settings.details["配餐地点"] = ["配餐点"]
    assert service.explain("幸福食堂配餐点").candidates[0].unmet_details == []


def test_region_typed_with_a_homophone(service: KnowledgeService) -> None:
    result = service.explain("路州区就业岗位")  # 路 for 潞
    assert result.regions == ["潞州区"]
    assert top_id(service, "路州区就业岗位") == "jobs-luzhou"
    assert service.explain("就业岗位").regions == []


def test_equal_keyword_evidence_goes_to_the_closer_title(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config import MatchingSettings
    from tests.conftest import write_knowledge

    twins = "".join(
        f'\n[[entries]]\nid = "{key}"\ntitle = "{title}"\ncategory = "c"\nregion = "长治市"\n'
        f'keywords = ["湛上村"]\nexcerpt = "{title}。"\nsource = "src-b"\n'
        for key, title in (("office", "湛上村共享办公"), ("dividend", "湛上村村民分红"))
    )
    kb = write_knowledge(tmp_path, {"jobs.toml": twins})
    service = KnowledgeService(kb, MatchingSettings(cutoff=1.0))
    first, second = service.explain("湛上村分红多少").candidates[:2]
    assert first.fired_rules == second.fired_rules == ["湛上村"]
    assert service.knowledge.entries[first.entry_number].id == "dividend"


def test_words_that_fire_nothing_do_not_dilute_coverage(service: KnowledgeService) -> None:
    # 吃饭 is only half of the AND rule "老年人 吃饭": alone it is no evidence for anyone.
    plain = service.explain("幸福食堂").candidates[0]
    padded = service.explain("幸福食堂 吃饭").candidates[0]
    assert plain.coverage == padded.coverage == 1.0


def test_entry_found_only_through_its_excerpt(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config import MatchingSettings
    from tests.conftest import write_knowledge

    county = (
        '[[entries]]\nid = "county-plan"\ntitle = "襄垣县民生计划"\ncategory = "c"\n'
        'region = "襄垣县"\nexcerpt = "提升养老水平，打造优质教育，推行基本失业保险应保尽保。"\n'
        'source = "src-b"\n'
    )
    kb = write_knowledge(tmp_path, {"county.toml": county})
    # Eight documents make every word's idf small: a lower cut-off than the shipped one.
    service = KnowledgeService(kb, MatchingSettings(cutoff=2.0))
    # The entry has no keywords at all: its excerpt's words find it.
    answer = service.ask("失业保险有吗")
    assert answer.answered and answer.answers[0].id == "county-plan"
    result = service.explain("失业保险有吗")
    terms = {t.canonical: t.via for t in result.candidates[0].terms}
    assert terms["失业"] == "text" and result.candidates[0].fired_rules == []
    # The region the question names ranks it first among entries sharing the word.
    named = service.explain("襄垣县养老怎么样").candidates
    assert service.knowledge.entries[named[0].entry_number].id == "county-plan"


def test_a_question_asking_two_things_is_covered_by_both_answers(service: KnowledgeService) -> None:
    result = service.explain("幸福食堂在哪 野生动物保险赔不赔")
    first, second = result.candidates[:2]
    ids = {service.knowledge.entries[c.entry_number].id for c in (first, second)}
    assert ids == {"elderly-canteens", "wildlife-insurance"}
    # Each explains its half; together they explain the question, and both get that coverage.
    assert first.coverage == second.coverage > 0.9
    alone = service.explain("幸福食堂在哪").candidates[0]
    assert alone.coverage == 1.0


def test_a_detail_the_sources_never_give_is_named_not_answered(service: KnowledgeService) -> None:
    answer = service.ask("幸福食堂电话号码是多少")
    assert not answer.answered and answer.missing_detail == "联系电话"
    assert answer.suggestions[0] == "幸福食堂"
    assert service.ask("幸福食堂").missing_detail is None


def test_a_passage_answers_what_no_entry_quotes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "扩容提质幸福食堂与配餐点。推进居家适老化改造。\n"
        "王莽岭景区今年创成国家5A级旅游景区，索道和卧龙山庄同步完成改造。",
    )
    answer = service.ask("王莽岭是几A景区")
    assert answer.answered
    first = answer.answers[0]
    assert first.kind == "passage" and first.id == "src-a#2"
    assert first.title == "测试文章甲" and first.source.id == "src-a"
    # The same passage keeps its id across a reload of unchanged files.
    service.reload()
    assert service.ask("王莽岭是几A景区").answers[0].id == "src-a#2"
    ticket = service.ask("王莽岭景区门票多少钱")
    assert not ticket.answered and ticket.missing_detail == "门票价格"


def test_a_frequent_noun_is_evidence_not_a_function_word(tmp_path: Path) -> None:
    # 面积 is among jieba's most frequent words, as 进行 and 什么 are; but it says what is asked.
    service = service_with_article(
        tmp_path,
        "扩容提质幸福食堂与配餐点。\n县城集中供热管网改造全部完成。\n今年新增供热面积20万平方米。\n",
    )
    answer = service.ask("供热面积有多大")
    assert answer.answered and answer.answers[0].id == "src-a#3"


def test_a_detail_word_said_with_erhua_is_the_same_detail(service: KnowledgeService) -> None:
    plain, erhua = service.ask("幸福食堂去哪申请"), service.ask("幸福食堂去哪儿申请")
    assert not erhua.answered and erhua.missing_detail == plain.missing_detail == "办理流程"


def test_a_detail_told_before_the_question_in_a_run_on_is_not_asked(
    service: KnowledgeService,
) -> None:
    # Voice input: the story first (价格还行), then 想问问 and the question itself.
    told = service.ask("俺家老人说菜的价格还行想问问幸福食堂和配餐点是咋安排的")
    assert told.answered and told.answers[0].id == "elderly-canteens"
    assert told.missing_detail is None
    # Nothing asked after the marker, or the detail in a sentence of its own: still asked.
    assert service.ask("幸福食堂收费吗想问一下").missing_detail == "费用"
    assert service.ask("幸福食堂收费吗 另外想问问配餐点有几个").missing_detail == "费用"


def test_how_much_was_invested_is_answered_by_a_total_amount(tmp_path: Path) -> None:
    service = service_with_article(
        tmp_path, "扩容提质幸福食堂与配餐点。\n大丰农贸市场利用闲置土地建成，投资1.17亿元。\n"
    )
    invested = service.ask("大丰农贸市场投了多少钱")
    assert invested.answered and invested.answers[0].id == "src-a#2"
    assert service.ask("大丰农贸市场摊位费多少钱").missing_detail == "费用"


def test_a_detail_asked_about_another_matter_is_not_asked_of_the_answer(
    service: KnowledgeService,
) -> None:
    asking = service.ask("幸福食堂配餐点 另外护照电话是多少")
    assert asking.answered and asking.answers[0].id == "elderly-canteens"
    assert not service.ask("幸福食堂配餐点电话是多少").answered


def test_the_first_part_is_answered_and_the_missing_detail_of_the_second_named(
    service: KnowledgeService,
) -> None:
    # Both parts are about the canteen entry; only the second asks a detail it does not state.
    answer = service.ask("幸福食堂扩容了吗 另外配餐点电话号码是多少")
    assert answer.answered and answer.answers[0].id == "elderly-canteens"
    assert answer.missing_detail == "联系电话"


def test_a_short_search_typed_as_the_text_says_it_gets_the_phrase_bonus(
    service: KnowledgeService,
) -> None:
    exact = service.explain("居家适老化改造").candidates[0]
    loose = service.explain("适老化 居家改造").candidates[0]
    assert service.knowledge.entries[exact.entry_number].id == "home-renovation"
    assert exact.score > loose.score


def test_a_total_amount_answers_a_question_about_a_total(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config import MatchingSettings
    from tests.conftest import ELDERLY, write_knowledge

    paid = ELDERLY.replace("扩容提质幸福食堂与配餐点。", "幸福食堂共为老人补贴180余万元。")
    kb = write_knowledge(tmp_path, {"elderly.toml": paid})
    service = KnowledgeService(kb, MatchingSettings(cutoff=2.0))
    assert service.explain("幸福食堂一共补贴了多少钱").candidates[0].unmet_details == []
    assert service.explain("幸福食堂吃一顿多少钱").candidates[0].unmet_details == ["费用"]


def test_invisible_characters_inside_a_word_do_not_split_it(service: KnowledgeService) -> None:
    answer = service.ask("幸\u200b福食\u2060堂")
    assert answer.answered and answer.answers[0].id == "elderly-canteens"


def test_passages_of_one_news_item_are_suggested_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config import MatchingSettings
    from tests.conftest import write_knowledge

    kb = write_knowledge(tmp_path)
    (kb / "articles" / "a.txt").write_text(
        "扩容提质幸福食堂与配餐点。推进居家适老化改造。\n"
        "王莽岭景区今年创成国家5A级旅游景区，索道和卧龙山庄同步完成改造。\n"
        "王莽岭周边新建三处驿站和一个游客中心，方便自驾游客休息补给。",
        encoding="utf-8",
    )
    service = KnowledgeService(kb, MatchingSettings(cutoff=50.0, passage_cutoff=50.0))
    answer = service.ask("王莽岭")
    assert not answer.answered
    assert answer.suggestions.count("测试文章甲") == 1


SUBSIDIES = """
[[entries]]
id = "pepper-subsidy"
title = "青椒种植补贴"
category = "农业与补偿"
region = "长治市"
keywords = ["青椒"]
excerpt = "青椒种植每亩给予补贴。"
source = "src-b"
questions = ["青椒补贴多久能发下来"]

[[entries]]
id = "job-subsidy"
title = "吸纳就业岗位补贴"
category = "就业创业"
region = "长治市"
keywords = ["岗位补贴", "补贴"]
excerpt = "企业吸纳就业给予岗位补贴。"
source = "src-b"

[[entries]]
id = "renovation-subsidy"
title = "适老化改造补贴"
category = "养老服务"
region = "长治市"
keywords = ["改造补贴"]
excerpt = "居家适老化改造给予补贴。"
source = "src-b"
"""


def test_suggestions_need_a_specific_shared_word(tmp_path: Path) -> None:
    kb = write_knowledge(tmp_path, {"subsidies.toml": SUBSIDIES})
    service = KnowledgeService(kb, MatchingSettings(cutoff=50.0, passage_cutoff=50.0))
    # 补贴 is said by entries of three categories: generic, decided from the knowledge.
    assert "补贴" in service.index.generic and "青椒" not in service.index.generic
    assert "长治" in service.index.generic  # a region name
    for question in ("高龄补贴怎么领", "明天长治天气怎么样", "护照办下来要多久"):
        answer = service.ask(question)
        assert not answer.answered and answer.suggestions == [], question
    # 多久 is only in an example question (how residents ask), not in what the entry says.
    near = service.ask("青椒补贴多少钱一亩")
    assert near.suggestion_ids[:1] == ["pepper-subsidy"]
    # "资料里没有写联系电话。关于「…」" only names a near topic.
    lenient = KnowledgeService(kb, MatchingSettings(cutoff=2.0))
    assert lenient.explain("高龄补贴电话多少").missing_detail == "联系电话"
    far = lenient.ask("高龄补贴电话多少")
    assert far.missing_detail is None and far.suggestions == []
    assert lenient.ask("青椒补贴电话多少").missing_detail == "联系电话"


UNEMPLOYMENT = """
[[entries]]
id = "unemployment-benefit"
title = "失业保险金发放"
category = "社会保险"
region = "长治市"
keywords = ["失业保险", "-幸福食堂"]
excerpt = "按月发放失业保险金。"
source = "src-b"
"""


def test_an_answer_names_the_topic_its_sentence_does_not_cover(tmp_path: Path) -> None:
    from bot.render import render_answer
    from handlers.render import answer_html

    kb = write_knowledge(tmp_path, {"unemployment.toml": UNEMPLOYMENT})
    service = KnowledgeService(kb, MatchingSettings())
    answer = service.ask("幸福食堂扩容了吗？还有失业保险呢")
    assert answer.answered and [a.id for a in answer.answers] == ["elderly-canteens"]
    best = answer.answers[0]
    assert (best.covers, best.not_covered) == (["幸福食堂", "扩容"], ["失业保险"])
    note = "（这段原文讲的是「幸福食堂」、「扩容」，没有讲到您问的「失业保险」。）"
    assert note in render_answer(answer, [], "") and note in answer_html(best)
    # Words the sentence does not say but no other entry is about are not named.
    plain = service.ask("幸福食堂明年还扩容吗").answers[0]
    assert plain.not_covered == [] and "没有讲到" not in answer_html(plain)
    assert "covers" not in answer.model_dump_json()  # not part of the JSON contract


def test_words_a_passage_says_together_outrank_the_same_words_apart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "乡村要振兴，先修路。\n推进乡村振兴，新修道路。",
    )
    # Apart, the shorter passage would rank first (BM25's length normalisation).
    result = service.explain("乡村振兴怎么搞")
    best = result.candidates[0]
    assert service.ask("乡村振兴怎么搞").answers[0].id == "src-a#2"
    assert best.phrase is not None
    assert result.normalized[best.phrase[0] : best.phrase[1]] == "乡村振兴"


def test_a_phrase_the_sources_quote_is_one_term(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "稳住煤炭、粮食两个“基本盘”，推动经济总量实现新的跃升。\n盘活基本建设资金，用好每一笔钱。",
    )
    result = service.explain("基本盘")
    # jieba alone splits 基本盘 into 基本 + 盘; quoted in a source, it is one word of its own.
    assert result.tokens == ["基本盘"]
    assert service.ask("基本盘").answers[0].id == "src-a#1"


def test_a_short_search_whose_pieces_a_text_says_in_a_row_wins_a_tie(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "整治乡镇企业的排污口，做到应查尽查，确保水质达标。\n开展入河排污口整治，消除黑臭水体，确保水质达标。",
    )
    assert service.ask("排污口 整治").answers[0].id == "src-a#2"


def test_asking_for_a_total_is_framing_not_a_word_the_answer_must_say(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "保险公司与县林业主管部门签订保险合同，每年为当地百姓提供1000万元的风险保障。",
    )
    # 一共 is rare in general Chinese, so it would weigh most of what the answer must explain.
    result = service.ask("这保险每年一共能提供多少保障")
    assert result.answered and result.answers[0].id == "src-a#1"


def test_who_pays_is_asked_by_tao_qian_and_stated_by_who_insures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "襄垣县建立起“政府投保,保险理赔,群众受益”的野猪致害补偿救助机制。",
    )
    question = "野猪保险要俺们自个儿掏钱不"
    unmet = {
        service.index.documents[c.entry_number].id: c.unmet_details
        for c in service.explain(question).candidates
    }
    # The entry never says who pays: 掏钱 asks for the cost; 政府投保 says who pays.
    assert unmet["wildlife-insurance"] == ["费用"]
    assert unmet["src-a#1"] == []
    assert service.ask(question).missing_detail == "费用"


def test_juchu_is_filler_like_cuoshi(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "和顺县出台多项举措，全力以赴稳岗扩岗。\n和顺县推进科技创新，培育民营企业梯队。",
    )
    # 举措 says a measure is asked for (as 措施 does), not which: the one about 科技 wins.
    assert service.ask("和顺县科技方面有啥举措").answers[0].id == "src-a#2"


def test_a_detail_word_that_begins_inside_a_term_asks_no_detail(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = service_with_article(
        tmp_path,
        "鹿家庄村建成大丰农贸市场，带动村民增收，提供300余个就业岗位。",
    )
    # 收多少 asks a fee, but here it is the end of 增收 and 多少.
    assert service.ask("大丰农贸市场增收多少").missing_detail is None
    assert service.ask("大丰农贸市场摊位收多少").missing_detail == "费用"


def test_what_a_document_says_is_kept_within_a_bound(
    service: KnowledgeService, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import bot.index

    index = service.index
    number = index.entry_numbers["elderly-canteens"]
    said = index.said(number)
    assert "食堂" in said.terms and said.text.startswith("幸福食堂")
    assert index.said_of[number] is index.said(number)  # found once, then kept
    monkeypatch.setattr(bot.index, "SAID_KEPT", 2)
    for other in range(3):
        index.said(other)
    assert len(index.said_of) <= 2


def test_inside_longer_agrees_with_the_pairwise_definition_on_every_span() -> None:
    # The one-pass check must say what comparing every pair says, for every layout of hits.
    import random

    from bot.matcher import _inside_longer
    from bot.terms import Hit

    def nested(hit: Hit, others: list[Hit]) -> bool:
        return any(
            o.start <= hit.start and hit.end <= o.end and o.end - o.start > hit.end - hit.start
            for o in others
        )

    rng = random.Random(3)
    for _ in range(300):
        length = rng.randint(2, 12)
        hits = []
        for _ in range(rng.randint(1, 6)):
            start = rng.randrange(length)
            end = rng.randint(start + 1, length)
            hits.append(Hit("x", "x", "x", start, end, "exact"))
        longer = [h for h in hits if rng.random() < 0.6]
        expected = {(h.start, h.end) for h in hits if nested(h, longer)}
        assert _inside_longer(hits, longer, length) == expected


def test_kept_windows_are_bounded_and_change_no_answer(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the matcher keeps of a question's windows is a cache: a tiny bound that clears it
    # all the time must give the same answers, and the tables never outgrow it.
    import bot.terms

    questions = ["样老保险怎么交", "适老化改照", "低包户有补贴吗", "上挡区的幸福食堂"] * 2
    plain = KnowledgeService(kb_dir, MatchingSettings(cutoff=2.0))
    expected = [plain.ask(q).model_dump() for q in questions]
    assert plain.index.window_readings  # the default bound keeps them
    monkeypatch.setattr(bot.terms, "WINDOWS_KEPT", 3)
    bounded = KnowledgeService(kb_dir, MatchingSettings(cutoff=2.0))
    assert [bounded.ask(q).model_dump() for q in questions] == expected
    index = bounded.index
    assert max(len(index.window_readings), len(index.window_typos), len(index.window_regions)) <= 3
