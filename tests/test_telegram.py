"""The Telegram layer through Application.process_update, offline, with real Update objects."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import CallbackContext, CallbackQueryHandler

from bot import messages
from bot.storage import Store
from handlers import callbacks, resident
from handlers.callbacks import ButtonKind
from handlers.render import split_message
from handlers.state import BotData
from handlers.storewatch import watch_store
from testing.faults import bad_request, too_many_requests
from testing.updates import callback_query, channel_post, text_message, to_update
from tests.conftest import ADMIN, ELDERLY, JOBS, REGIONS, HarnessFactory, write_knowledge
from tests.telegram_fakes import Harness


async def test_start_greets_with_categories_and_examples(bot: Harness) -> None:
    api = await bot.send("/start")
    (sent,) = api.sent()
    assert sent["parse_mode"] == "HTML"
    assert "民生政策问答助手" in sent["text"] and "野猪" in sent["text"]
    labels = [label for label, _ in bot.buttons(sent)]
    assert labels == ["养老服务", "社会保险", "就业创业", "农业与补偿"]


async def test_the_state_is_one_typed_bot_data_set_at_build_and_filled_on_use(
    bot: Harness,
) -> None:
    data = bot.app.bot_data
    assert isinstance(data, BotData)
    assert data.service is not None and data.config is not None and data.store is None
    assert data.flood is not None and data.flood_taps is not None
    assert data.flood is not data.flood_taps  # messages and taps are counted apart
    assert data.keys is None
    await bot.send("/region")
    assert data.keys is not None


def test_every_message_text_reads_the_same_as_html() -> None:
    """Messages go out as HTML (the application's default), many of them unescaped texts from
    bot.messages: none may hold the characters HTML gives a meaning (the CLI's prompt aside)."""
    texts = _strings([value for name, value in vars(messages).items() if name.isupper()])
    assert len(texts) > 100
    assert [t for t in texts if set(t) & set("<>&")] == [messages.CHAT_PROMPT]


def _strings(value: object) -> list[str]:
    """Every string in ``value``, looking into lists, tuples and a dict's values."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


async def test_help(bot: Harness) -> None:
    api = await bot.send("/help")
    assert "/start" in api.sent()[0]["text"]


async def test_question_gets_answer_with_source_and_buttons(bot: Harness) -> None:
    api = await bot.send("幸福食堂和配餐点")
    (sent,) = api.sent()
    text = sent["text"]
    assert text.startswith("<b>幸福食堂</b>")
    assert "<b>幸福食堂</b>与<b>配餐点</b>" in text  # the question's words are highlighted
    # A short source line; the full title is behind 来源详情.
    assert "来源：测试日报 · 2024年3月5日\n地区：长治市" in text and "《" not in text
    buttons = bot.buttons(sent)
    assert ("👍 有用", callbacks.feedback_data("elderly-canteens", True)) in buttons
    assert all(len(data.encode()) <= 64 for _, data in buttons)
    await bot.tap(dict(buttons)["来源详情"])
    alert = api.sent("answerCallbackQuery")[-1]
    assert alert["text"] == "测试日报\n《测试文章甲》\n2024年3月5日" and alert["show_alert"]
    assert len(api.sent()) == 1  # nothing else sent


async def test_more_answers_edit_the_buttons_in_place_with_back(bot: Harness) -> None:
    api = await bot.send("就业岗位")
    answer = api.sent()[0]
    more = [b for b in bot.buttons(answer) if b[0].startswith("更多相关")]
    assert more and more[0][0] == "更多相关 (1)"
    for _ in range(3):  # pressed three times: the same buttons, no new message
        await bot.tap(more[0][1])
    assert len(api.sent()) == 1
    edits = api.sent("editMessageReplyMarkup")
    assert len(edits) == 3 and not api.sent("editMessageText")
    (title, data), (back, back_data) = bot.buttons(edits[-1])
    assert back == "« 返回"
    await bot.tap(back_data)
    assert bot.buttons(api.sent("editMessageReplyMarkup")[-1]) == bot.buttons(answer)
    await bot.tap(data)  # a title: that answer, as a new message
    assert len(api.sent()) == 2 and title in api.sent()[-1]["text"]
    assert len(api.sent("answerCallbackQuery")) == 5  # every tap answered


async def test_html_in_questions_and_knowledge_is_escaped(
    make_harness: HarnessFactory, tmp_path: Path
) -> None:
    kb = write_knowledge(
        tmp_path,
        {"elderly.toml": ELDERLY.replace("扩容提质幸福食堂与配餐点。", "幸福食堂<b>&规划</b>。")},
    )
    harness = await make_harness(kb)
    api = await harness.send("<i>幸福食堂</i><script>")
    text = api.sent()[0]["text"]
    assert "&lt;b&gt;&amp;规划&lt;/b&gt;" in text and "<script>" not in text


def rows(params: dict[str, Any]) -> list[list[str]]:
    """The labels of a keyboard, row by row."""
    markup = params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [[button["text"] for button in row] for row in markup["inline_keyboard"]]


async def test_low_confidence_and_no_answer(bot: Harness) -> None:
    api = await bot.send("改造 护照 签证")  # only one word found, and only in a text
    sent = api.sent()[-1]
    assert sent["text"] == "我没有把握确定您问的是哪一项。您是不是想问："
    assert rows(sent) == [["居家适老化改造"], ["📂 按类别查看"]]
    await bot.send("明天天气")
    fallback = api.sent()[-1]
    assert "没有找到可靠的答案" in fallback["text"]
    assert rows(fallback) == [["📂 按类别查看"]]
    # The categories in place of the buttons, and 返回 to the suggestions.
    await bot.tap(dict(bot.buttons(sent))["📂 按类别查看"])
    menu = api.sent("editMessageReplyMarkup")[-1]
    assert rows(menu) == [["养老服务", "社会保险", "就业创业"], ["农业与补偿"], ["« 返回"]]
    await bot.tap(dict(bot.buttons(menu))["« 返回"])
    assert rows(api.sent("editMessageReplyMarkup")[-1]) == rows(sent)
    assert len(api.sent()) == 2


async def test_at_most_three_rows_of_buttons_on_an_answer_or_a_miss(
    make_harness: HarnessFactory, tmp_path: Path
) -> None:
    entries = "".join(
        f'\n[[entries]]\nid = "e{i}"\ntitle = "条目{i}"\ncategory = "类别{i}"\n'
        f'region = "长治市"\nkeywords = ["关键词"]\nexcerpt = "内容{i}。"\nsource = "src-b"\n'
        for i in range(12)
    )
    harness = await make_harness(write_knowledge(tmp_path, {"many.toml": entries}))
    for question in ("关键词", "明天天气", "改造 护照 签证"):
        await harness.send(question)
        assert len(rows(harness.api.sent()[-1])) <= 3, question


async def test_category_pages_and_entry_tap(make_harness: HarnessFactory, tmp_path: Path) -> None:
    entries = "".join(
        f'\n[[entries]]\nid = "e{i}"\ntitle = "条目{i}"\ncategory = "测试"\nregion = "长治市"\n'
        f'keywords = ["关键词{i}"]\nexcerpt = "内容{i}。"\nsource = "src-b"\n'
        for i in range(10)
    )
    harness = await make_harness(write_knowledge(tmp_path, {"many.toml": entries}))
    api = await harness.send("/start")
    start = api.sent()[-1]
    await harness.tap(dict(harness.buttons(start))["测试"])
    first = api.sent("editMessageReplyMarkup")[-1]
    labels = harness.buttons(first)
    assert [label for label, _ in labels][:8] == [f"条目{i}" for i in range(8)]
    assert labels[-2:] == [
        ("« 返回（1/2）", callbacks.menu_data(None)),
        ("下一页 »", callbacks.page_data("测试", 1)),
    ]
    await harness.tap(callbacks.page_data("测试", 1))
    edited = api.sent("editMessageReplyMarkup")[-1]
    assert [label for label, _ in harness.buttons(edited)] == [
        "条目8",
        "条目9",
        "« 上一页",
        "« 返回（2/2）",
    ]
    await harness.tap(callbacks.menu_data(None))  # back to the categories of /start
    assert harness.buttons(api.sent("editMessageReplyMarkup")[-1]) == harness.buttons(start)
    assert len(api.sent()) == 1 and not api.sent("editMessageText")  # all in place
    await harness.tap(callbacks.entry_data("e9"))
    assert api.sent()[-1]["text"].startswith("<b>条目9</b>")


@pytest.mark.parametrize(
    "data",
    [
        "",
        "x",
        "e:zzzzzzzz",
        "e:00000000",
        "c:12345678",
        "f:2:abcdef12",
        "m:" + ",".join(["abcdef12"] * 6),
        "é" * 40,
        "p:abcdef12:-1",
        "a:abcdef12:-:-",
        "m:abcdef12:-:zz",
        "f:1:abcdef12:" + ",".join(["abcdef12"] * 4) + ":1",
        "s:abcdef12",
        "b:-",
        "k:abc",
        "r:-:zz",
        "n:x",
    ],
)
async def test_forged_or_stale_buttons(bot: Harness, data: str) -> None:
    api = await bot.tap(data)
    assert api.sent("answerCallbackQuery")[-1]["text"] == "这个按钮已经过期了，请重新提问。"
    assert not api.sent()


async def test_group_chat_rules(bot: Harness) -> None:
    api = await bot.send("幸福食堂", chat_type="group", chat_id=-100)
    assert not api.sent()  # group chatter not addressed to the bot
    await bot.send("@minsheng_bot 幸福食堂在哪", chat_type="group", chat_id=-100)
    assert api.sent()[-1]["text"].startswith("<b>幸福食堂</b>")
    await bot.send("那配餐点呢，幸福食堂", chat_type="group", chat_id=-100, reply_to_bot=True)
    assert len(api.sent()) == 2
    await bot.send("/help@minsheng_bot", chat_type="group", chat_id=-100)
    assert "/start" in api.sent()[-1]["text"]


async def test_non_text_messages_get_a_polite_request(bot: Harness) -> None:
    sticker = {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "s",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    }
    api = await bot.send(None, extra=sticker)
    assert api.sent()[-1]["text"] == "抱歉，我只能看懂文字。请直接打字输入您的问题。"
    await bot.send(None, extra={"location": {"latitude": 36.2, "longitude": 113.1}})
    assert len(api.sent()) == 2
    await bot.send(None, chat_type="group", chat_id=-100, extra=sticker)
    assert len(api.sent()) == 2  # not in groups unless it replies to the bot


async def test_flood_control(make_harness: HarnessFactory, kb_dir: Path) -> None:
    harness = await make_harness(kb_dir, flood_max_messages=3)
    for _ in range(5):
        await harness.send("幸福食堂", user_id=7)
    texts = harness.api.texts()
    assert sum(t.startswith("<b>幸福食堂</b>") for t in texts) == 3
    assert texts.count("您发得有点快，请稍等一会儿再问。") == 1  # once, then silence
    await harness.send("幸福食堂", user_id=8)  # another resident is not affected
    assert harness.api.texts()[-1].startswith("<b>幸福食堂</b>")


async def test_reload_refused_for_non_admins(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    api = await bot.send("/reload", user_id=5_551_234)
    assert api.sent()[-1]["text"] == "抱歉，这个命令只有管理员可以使用。"
    assert "refused /reload from a non-admin user (hashed id " in caplog.text
    assert "5551234" not in caplog.text  # never the raw id


async def test_reload_by_admin_reports_changes(bot: Harness) -> None:
    elderly = (bot.kb / "elderly.toml").read_text(encoding="utf-8")
    (bot.kb / "elderly.toml").write_text(
        elderly.replace("扩容提质", "扩容").replace(
            'id = "home-renovation"', 'id = "home-renovation-2"'
        ),
        encoding="utf-8",
    )
    api = await bot.send("/reload", user_id=ADMIN)
    report = api.sent()[-1]["text"]
    assert "新增 1 条，删除 1 条，修改 1 条，共 6 条" in report
    assert "+ home-renovation-2" in report and "− home-renovation" in report
    # The edited excerpt no longer quotes the article's first sentence: it became a passage.
    assert "原文段落 1 段可供检索" in report


async def test_broken_reload_keeps_the_old_knowledge(bot: Harness) -> None:
    (bot.kb / "elderly.toml").write_text(
        ELDERLY.replace('source = "src-a"', 'source = "gone"'), encoding="utf-8"
    )
    (bot.kb / "jobs.toml").write_text("[[entries]\n", encoding="utf-8")
    api = await bot.send("/reload", user_id=ADMIN)
    report = api.sent()[-1]["text"]
    assert report.startswith("知识库有 3 个问题，没有更新，仍在使用原来的版本")
    assert 'entry "elderly-canteens": source: unknown source "gone"' in report.replace(
        "&quot;", '"'
    )
    assert "jobs.toml:1:" in report
    await bot.send("就业岗位")
    assert api.sent()[-1]["text"].startswith("<b>")  # jobs still answer from the old version


async def test_errors_apologise_and_notify_admins(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index exploded")

    bot.app.bot_data.service.ask = broken
    api = await bot.send("幸福食堂")
    texts = api.texts()
    assert "抱歉，刚才出了点问题，请稍后再试一次。" in texts
    notice = [p for p in api.sent() if p["chat_id"] == ADMIN]
    assert notice and "RuntimeError: index exploded" in notice[0]["text"]
    assert "error while handling an update" in caplog.text and "Traceback" in caplog.text
    await bot.send("幸福食堂")
    assert len([p for p in api.sent() if p["chat_id"] == ADMIN]) == 1  # notices are rate-limited


async def test_the_admins_read_the_error_as_it_reads_cut_at_500_characters(
    bot: Harness,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Can't read <b> & co " + "长" * 600)

    bot.app.bot_data.service.ask = broken
    api = await bot.send("幸福食堂")
    (notice,) = [p for p in api.sent() if p["chat_id"] == ADMIN]
    assert notice.get("parse_mode") is None  # plain text, not the default HTML
    error = notice["text"].removeprefix("机器人出错：")
    assert error.startswith("RuntimeError: Can't read <b> & co 长") and len(error) == 500
    assert "&#x27;" not in notice["text"] and "&lt;" not in notice["text"]


async def test_a_rejected_message_is_survived(bot: Harness) -> None:
    bot.api.faults.inject("sendMessage", bad_request("can't parse entities"), repeat=True)
    await bot.send("幸福食堂")  # must not raise
    bot.api.faults.clear("sendMessage")
    await bot.send("幸福食堂")
    assert bot.api.texts()[-1].startswith("<b>幸福食堂</b>")


def test_split_message_keeps_tags_balanced() -> None:
    text = "\n".join(f"<b>第{i}行</b> " + "内容" * 300 for i in range(20))
    chunks = split_message(text)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert all(c.count("<b>") == c.count("</b>") for c in chunks)
    assert "".join(c.replace("\n", "") for c in chunks) == text.replace("\n", "")
    long_line = "<b>" + "长" * 5000 + "</b>" + "&amp;" * 900
    parts = split_message(long_line)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    assert "".join(parts).replace("</b><b>", "") == long_line
    assert sum(p.count("&amp;") for p in parts) == 900  # no entity was cut in two


async def test_typing_action_when_answering_takes_long(
    make_harness: HarnessFactory, kb_dir: Path
) -> None:
    harness = await make_harness(kb_dir, typing_after_seconds=0.05)
    harness.api.delay["sendMessage"] = 0.3  # a slow network
    api = await harness.send("幸福食堂")
    assert api.sent("sendChatAction")[0]["action"] == "typing"
    del harness.api.delay["sendMessage"]
    await harness.send("幸福食堂")
    assert len(api.sent("sendChatAction")) == 1  # a quick answer shows no typing


async def test_retry_after_is_respected(make_harness: HarnessFactory, kb_dir: Path) -> None:
    harness = await make_harness(kb_dir, rate_limiter=True)
    harness.api.faults.inject("sendMessage", too_many_requests(1))
    started = time.monotonic()
    api = await harness.send("幸福食堂")
    assert time.monotonic() - started >= 1.0  # waited as told, then sent
    attempts = api.sent()
    assert len(attempts) == 2 and attempts[-1]["text"].startswith("<b>幸福食堂</b>")


async def test_questions_and_feedback_are_stored(remembering_bot: Harness) -> None:
    api = await remembering_bot.send("幸福食堂 我13912345678", user_id=3)
    store = remembering_bot.app.bot_data.store
    (query,) = store.rows("queries")
    assert query["question"] == "幸福食堂 我[手机号]" and query["answered"] == 1
    assert query["top_entry"] == "elderly-canteens" and query["top_category"] == "养老服务"
    unhelpful = dict(remembering_bot.buttons(api.sent()[-1]))["👎 没用"]
    await remembering_bot.tap(unhelpful, user_id=3)
    (feedback,) = store.rows("feedback")
    assert (feedback["query_id"], feedback["helpful"]) == (query["id"], 0)


async def test_feedback_on_someone_elses_question_is_not_stored(remembering_bot: Harness) -> None:
    api = await remembering_bot.send("幸福食堂", user_id=3)
    unhelpful = dict(remembering_bot.buttons(api.sent()[-1]))["👎 没用"]
    await remembering_bot.tap(unhelpful, user_id=4)  # in a group, anyone can press it
    await remembering_bot.tap(callbacks.feedback_data("elderly-canteens", False, 77), user_id=3)
    assert api.sent("answerCallbackQuery")[-1]["text"] == "谢谢您的反馈！"
    assert remembering_bot.app.bot_data.store.rows("feedback") == []


async def test_region_choice_changes_the_ranking(remembering_bot: Harness) -> None:
    api = await remembering_bot.send("/region")
    buttons = dict(remembering_bot.buttons(api.sent()[-1]))
    assert {"长治市", "襄垣县", "潞州区", "不限地区"} <= set(buttons)
    await remembering_bot.tap(buttons["潞州区"])
    assert api.sent("editMessageText")[-1]["text"] == "好的，之后会优先回答“潞州区”的措施。"
    await remembering_bot.send("就业岗位")
    assert api.sent()[-1]["text"].startswith("<b>潞州区就业岗位</b>")
    await remembering_bot.tap(buttons["襄垣县"])
    await remembering_bot.send("就业岗位")
    assert api.sent()[-1]["text"].startswith("<b>襄垣县就业岗位</b>")
    await remembering_bot.tap(buttons["不限地区"])
    assert api.sent("editMessageText")[-1]["text"] == "好的，不再限定地区。"


async def test_forget_deletes_the_residents_rows(remembering_bot: Harness) -> None:
    await remembering_bot.send("幸福食堂", user_id=3)
    await remembering_bot.send("护照", user_id=4)
    api = await remembering_bot.send("/forget", user_id=3)
    assert api.sent()[-1]["text"].startswith("已删除保存的与您有关的全部记录（1 条）")
    store = remembering_bot.app.bot_data.store
    assert [r["question"] for r in store.rows("queries")] == ["护照"]


async def test_stats_and_unanswered_for_admins_only(remembering_bot: Harness) -> None:
    for question in ["幸福食堂", "护照怎么补办", "护照如何补办"]:
        await remembering_bot.send(question, user_id=3)
    api = await remembering_bot.send("/stats", user_id=3)
    assert api.sent()[-1]["text"] == "抱歉，这个命令只有管理员可以使用。"
    await remembering_bot.send("/stats", user_id=ADMIN)
    stats = api.sent()[-1]["text"]
    assert "今天：问题 3 个，回答率 33%" in stats and "elderly-canteens (1)" in stats
    await remembering_bot.send("/unanswered 3", user_id=ADMIN)
    assert "2× 护照怎么补办" in api.sent()[-1]["text"]


async def test_reloads_are_recorded(remembering_bot: Harness) -> None:
    await remembering_bot.send("/reload", user_id=ADMIN)
    store = remembering_bot.app.bot_data.store
    (row,) = store.rows("reloads")
    assert row["ok"] == 1 and row["admin_hash"] == store.user_hash(ADMIN) != str(ADMIN)


async def test_a_broken_database_never_stops_answering(
    make_harness: HarnessFactory, kb_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "bot.db").mkdir()  # cannot be opened as a database
    harness = await make_harness(kb_dir, store=Store(tmp_path / "bot.db", salt="s"))
    api = await harness.send("幸福食堂")
    assert api.sent()[-1]["text"].startswith("<b>幸福食堂</b>")
    await harness.send("/forget")
    assert api.sent()[-1]["text"] == "抱歉，现在暂时无法删除，请稍后再试一次。"
    assert harness.app.bot_data.store.health.failures >= 1


async def test_stats_and_unanswered_say_the_database_is_unavailable(
    make_harness: HarnessFactory, kb_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "bot.db").mkdir()  # cannot be opened as a database
    harness = await make_harness(kb_dir, store=Store(tmp_path / "bot.db", salt="s"))
    api = await harness.send("/stats", user_id=ADMIN)
    assert api.sent()[-1]["text"] == "统计数据暂时不可用（数据库无法打开），请查看日志。"
    await harness.send("/unanswered", user_id=ADMIN)
    assert api.sent()[-1]["text"] == "统计数据暂时不可用（数据库无法打开），请查看日志。"


@pytest.mark.parametrize("fault", ["drop", "timeout"])
async def test_network_failures_are_logged_and_the_bot_goes_on(
    bot: Harness, fault: Literal["drop", "timeout"], caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.faults.inject("sendMessage", fault)
    await bot.send("幸福食堂")  # the answer is lost to the network: logged, not raised
    assert "error while handling an update" in caplog.text
    await bot.send("幸福食堂")
    assert bot.api.texts()[-1].startswith("<b>幸福食堂</b>")  # the next one gets through


async def test_a_rejected_answer_gets_the_resident_a_fallback(bot: Harness) -> None:
    bot.api.faults.inject("sendMessage", bad_request("message is too long"))
    api = await bot.send("幸福食堂")
    to_resident = [p["text"] for p in api.sent() if p["chat_id"] == 1]
    assert to_resident[0].startswith("<b>幸福食堂</b>")  # rejected by the API
    assert to_resident[-1] == "抱歉，刚才出了点问题，请稍后再试一次。"  # the fallback


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.text(max_size=64).filter(lambda d: len(d.encode()) <= 64))
async def test_forged_callback_data_never_crashes_or_reaches_admin_actions(
    make_harness: HarnessFactory, kb_dir: Path, data: str
) -> None:
    harness = await make_harness(kb_dir)
    reloads = []
    harness.app.bot_data.service.reload = lambda: reloads.append(1)
    errors: list[BaseException] = []

    async def record_error(update: object, context: Any) -> None:
        errors.append(context.error)

    harness.app.add_error_handler(record_error)
    await harness.tap(data, user_id=5)
    await harness.app.shutdown()  # at once, not after all 200 examples
    assert not errors and not reloads
    assert harness.api.sent("answerCallbackQuery")  # every tap is acknowledged


async def test_concurrent_reloads_are_serialised(bot: Harness) -> None:
    service = bot.app.bot_data.service
    active = []
    peak = []
    real_build = service._build

    def slow_build(directory: Path) -> Any:
        active.append(1)
        peak.append(len(active))
        time.sleep(0.1)
        try:
            return real_build(directory)
        finally:
            active.pop()

    service._build = slow_build
    await asyncio.gather(*(bot.send("/reload", user_id=ADMIN) for _ in range(3)))
    reports = [t for t in bot.api.texts() if t.startswith("知识库已重新加载")]
    assert len(reports) == 3 and max(peak) == 1  # one at a time, all done


async def test_a_missing_detail_is_named_and_the_entry_is_one_tap_away(bot: Harness) -> None:
    api = await bot.send("幸福食堂电话号码是多少")
    sent = api.sent()[-1]
    assert sent["text"] == "资料里没有写联系电话。关于「幸福食堂」，资料里有这些："
    buttons = dict(bot.buttons(sent))
    api = await bot.tap(buttons["幸福食堂"])
    assert api.sent()[-1]["text"].startswith("<b>幸福食堂</b>")


async def test_a_two_part_question_gets_its_first_part_and_the_missing_detail(
    bot: Harness,
) -> None:
    api = await bot.send("幸福食堂扩容了吗 另外配餐点电话号码是多少")
    text = api.sent()[-1]["text"]
    assert text.startswith("<b>幸福食堂</b>")
    assert text.endswith("（您问的联系电话，资料里没有写。）")


async def test_a_reload_of_a_file_nested_too_deep_reports_the_problem(bot: Harness) -> None:
    (bot.kb / "jobs.toml").write_text("x = " + "[" * 3000 + "]" * 3000, encoding="utf-8")
    api = await bot.send("/reload", user_id=ADMIN)
    report = api.sent()[-1]["text"]
    assert report.startswith("知识库有 1 个问题，没有更新，仍在使用原来的版本")
    assert f"{bot.kb / 'jobs.toml'}: nested too deeply to read" in report


def cut_jobs_file(kb: Path) -> None:
    """jobs.toml cut after its first entry: 2 of the 6 entries are gone, a third of them."""
    (kb / "jobs.toml").write_text(JOBS[: JOBS.index("[[entries]]", 10)], encoding="utf-8")


def confirmation_buttons(harness: Harness, params: dict[str, Any]) -> dict[str, str]:
    buttons = dict(harness.buttons(params))
    assert set(buttons) == {"确认更新", "取消"}
    return buttons


async def test_a_reload_removing_many_entries_waits_for_the_admins_confirmation(
    make_harness: HarnessFactory, kb_dir: Path, tmp_path: Path
) -> None:
    harness = await make_harness(kb_dir, store=Store(tmp_path / "bot.db", salt="s"))
    cut_jobs_file(kb_dir)
    api = await harness.send("/reload", user_id=ADMIN)
    (held,) = api.sent()
    assert held["text"].startswith("这次更新将删除 2 条（共 6 条）")
    assert "− jobs-luzhou, wildlife-insurance" in held["text"]
    buttons = confirmation_buttons(harness, held)
    await harness.send("野生动物")
    assert api.sent()[-1]["text"].startswith("<b>野生动物致害补偿保险</b>")  # not swapped in yet
    assert not harness.app.bot_data.store.rows("reloads")
    await harness.tap(buttons["确认更新"], user_id=ADMIN)
    report = api.sent("editMessageText")[-1]["text"]
    assert report.startswith("知识库已重新加载：新增 0 条，删除 2 条，修改 0 条，共 4 条")
    await harness.send("野生动物")
    assert not api.sent()[-1]["text"].startswith("<b>野生动物致害补偿保险</b>")
    (row,) = harness.app.bot_data.store.rows("reloads")
    assert (row["ok"], row["removed"]) == (1, 2)


async def test_a_held_reload_is_cancelled_expires_and_is_replaced(bot: Harness) -> None:
    service = bot.app.bot_data.service
    knowledge = service.knowledge
    cut_jobs_file(bot.kb)
    api = await bot.send("/reload", user_id=ADMIN)
    first = confirmation_buttons(bot, api.sent()[-1])
    await bot.tap(first["确认更新"], user_id=5)  # only an admin's tap counts
    assert api.sent("answerCallbackQuery")[-1]["text"] == "抱歉，这个命令只有管理员可以使用。"
    await bot.tap(first["取消"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"] == "已取消这次更新，仍在使用原来的版本。"
    await bot.tap(first["确认更新"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"].startswith(
        "这次更新已经过期或被新的 /reload 取代"
    )
    await bot.send("/reload", user_id=ADMIN)
    second = confirmation_buttons(bot, api.sent()[-1])
    await bot.send("/reload", user_id=ADMIN)  # a new /reload replaces the held version
    third = confirmation_buttons(bot, api.sent()[-1])
    await bot.tap(second["确认更新"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"].startswith("这次更新已经过期")
    started = time.monotonic()
    service.clock = lambda: started + 601  # ten minutes later
    await bot.tap(third["确认更新"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"].startswith("这次更新已经过期")
    assert service.knowledge is knowledge  # nothing was ever swapped in


async def errors_of(harness: Harness) -> list[BaseException]:
    """The errors the application's error handlers will see from now on."""
    errors: list[BaseException] = []

    async def record_error(update: object, context: Any) -> None:
        errors.append(context.error)

    harness.app.add_error_handler(record_error)
    return errors


NOT_MODIFIED = bad_request(
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


async def test_a_double_tap_that_changes_nothing_is_no_error(
    make_harness: HarnessFactory, tmp_path: Path
) -> None:
    entries = "".join(
        f'\n[[entries]]\nid = "e{i}"\ntitle = "条目{i}"\ncategory = "测试"\nregion = "长治市"\n'
        f'excerpt = "内容{i}。"\nsource = "src-b"\n'
        for i in range(10)
    )
    harness = await make_harness(write_knowledge(tmp_path, {"many.toml": entries}))
    errors = await errors_of(harness)
    harness.api.faults.inject("editMessageText", NOT_MODIFIED, repeat=True)  # already shown
    harness.api.faults.inject("editMessageReplyMarkup", NOT_MODIFIED, repeat=True)
    api = await harness.tap(callbacks.page_data("测试", 1))
    await harness.tap(callbacks.region_data("长治市"))
    assert api.sent("editMessageText") and api.sent("editMessageReplyMarkup") and not errors
    assert "抱歉，刚才出了点问题，请稍后再试一次。" not in api.texts()
    assert len(api.sent("answerCallbackQuery")) == 2  # both taps acknowledged


@pytest.mark.parametrize("page", ["²", "٣", "1²"])
async def test_a_page_number_that_is_not_ascii_digits_is_forged(bot: Harness, page: str) -> None:
    errors = await errors_of(bot)
    api = await bot.tap(f"p:{callbacks.short_key('养老服务')}:{page}")
    assert api.sent("answerCallbackQuery")[-1]["text"] == "这个按钮已经过期了，请重新提问。"
    assert not errors and not api.sent()


async def test_a_channel_post_mentioning_the_bot_is_ignored(bot: Harness) -> None:
    errors = await errors_of(bot)
    for text in ("@minsheng_bot 幸福食堂在哪", "/help@minsheng_bot", "/reload"):
        await bot.app.process_update(to_update(bot.app.bot, channel_post(text)))
    assert not errors and not bot.api.sent()


async def test_group_chatter_does_not_count_against_the_flood_guard(
    make_harness: HarnessFactory, kb_dir: Path
) -> None:
    harness = await make_harness(kb_dir, flood_max_messages=3)
    group = {"chat_type": "group", "chat_id": -100, "user_id": 7}
    for text in ["今天天气不错", "吃了吗", "/start@other_bot", "哈哈", "好的"]:
        await harness.send(text, **group)
    assert not harness.api.sent()  # chatter and another bot's command: not answered, not counted
    for _ in range(3):
        await harness.send("@minsheng_bot 幸福食堂在哪", **group)
    texts = harness.api.texts()
    assert len(texts) == 3 and all(t.startswith("<b>幸福食堂</b>") for t in texts)
    await harness.send("/help", **group)  # a command for every bot of the group counts
    assert harness.api.texts()[-1] == "您发得有点快，请稍等一会儿再问。"


async def test_admins_hear_once_when_the_database_goes_down_and_once_when_it_is_back(
    make_harness: HarnessFactory, kb_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "bot.db"
    store = Store(path, salt="s")
    harness = await make_harness(kb_dir, store=store)
    assert harness.app.job_queue is not None
    assert any(job.callback is watch_store for job in harness.app.job_queue.jobs())
    context = CallbackContext(harness.app)
    await watch_store(context)
    assert harness.api.sent() == []  # up, as the admins assume: nothing to say

    shutil.rmtree(path.parent)
    path.mkdir(parents=True)  # where the database was, now something it cannot open
    for _ in range(3):  # checks while it stays down
        store.health.paused_until = 0.0
        await watch_store(context)
    notices = [p for p in harness.api.sent() if int(p["chat_id"]) == ADMIN]
    assert len(notices) == 1 and notices[0]["text"].startswith("数据库暂时无法写入")

    path.rmdir()  # the file can be made again
    for _ in range(2):
        store.health.paused_until = 0.0
        await watch_store(context)
    notices = [p for p in harness.api.sent() if int(p["chat_id"]) == ADMIN]
    assert [n["text"] for n in notices[1:]] == ["数据库已恢复，问题记录照常进行。"]


async def test_votes_one_per_person_changeable_with_a_thank_you(remembering_bot: Harness) -> None:
    api = await remembering_bot.send("就业岗位", user_id=3)
    answer = api.sent()[-1]
    store = remembering_bot.app.bot_data.store
    helpful = dict(remembering_bot.buttons(answer))["👍 有用"]
    await remembering_bot.tap(helpful, user_id=3)
    await remembering_bot.tap(helpful, user_id=3)  # pressed twice: still one vote
    assert [r["helpful"] for r in store.rows("feedback")] == [1]
    thanked = api.sent("editMessageReplyMarkup")[-1]
    assert rows(thanked) == [["更多相关 (1)", "来源详情"], ["🙏 谢谢反馈：有用", "改为 👎"]]
    await remembering_bot.tap(dict(remembering_bot.buttons(thanked))["改为 👎"], user_id=3)
    assert [r["helpful"] for r in store.rows("feedback")] == [0]  # changed, not added
    assert api.sent("answerCallbackQuery")[-1]["text"].startswith("谢谢您的反馈！")
    # 👎 offers the next related answer and the categories, in three rows at most.
    unhelpful = api.sent("editMessageReplyMarkup")[-1]
    assert rows(unhelpful) == [
        ["襄垣县就业岗位"],
        ["📂 按类别查看"],
        ["🙏 谢谢反馈：没用", "改为 👍"],
    ]
    buttons = dict(remembering_bot.buttons(unhelpful))
    await remembering_bot.tap(buttons["📂 按类别查看"], user_id=3)
    categories = api.sent("editMessageReplyMarkup")[-1]
    assert "养老服务" in rows(categories)[0] and rows(categories)[-1] == ["« 返回"]
    await remembering_bot.tap(dict(remembering_bot.buttons(categories))["« 返回"], user_id=3)
    assert rows(api.sent("editMessageReplyMarkup")[-1]) == [["襄垣县就业岗位"], ["📂 按类别查看"]]
    await remembering_bot.tap(buttons["襄垣县就业岗位"], user_id=3)
    assert api.sent()[-1]["text"].startswith("<b>襄垣县就业岗位</b>")
    # Someone else's press (in a group) is thanked, not stored, and changes no buttons.
    edits = len(api.sent("editMessageReplyMarkup"))
    await remembering_bot.tap(helpful, user_id=4)
    assert [r["helpful"] for r in store.rows("feedback")] == [0]
    assert len(api.sent("editMessageReplyMarkup")) == edits
    assert api.sent("answerCallbackQuery")[-1]["text"] == "谢谢您的反馈！"


async def test_taps_have_their_own_limit_and_every_tap_is_answered(
    make_harness: HarnessFactory, kb_dir: Path
) -> None:
    harness = await make_harness(kb_dir, flood_max_messages=3, flood_max_taps=5)
    await harness.send("/start", user_id=7)
    category = dict(harness.buttons(harness.api.sent()[-1]))["养老服务"]
    for _ in range(8):
        await harness.tap(category, user_id=7)
    answers = harness.api.sent("answerCallbackQuery")
    assert len(answers) == 8  # none left spinning
    assert [a.get("text") for a in answers[5:]] == ["您发得有点快，请稍等一会儿再问。"] * 3
    assert len(harness.api.sent("editMessageReplyMarkup")) == 5
    # The taps used none of the typed questions' allowance (/start used one).
    for _ in range(2):
        await harness.send("幸福食堂", user_id=7)
    assert all(t.startswith("<b>幸福食堂</b>") for t in harness.api.texts()[-2:])
    await harness.send("幸福食堂", user_id=7)
    assert harness.api.texts()[-1] == "您发得有点快，请稍等一会儿再问。"


async def test_in_groups_answers_reply_to_the_question(bot: Harness) -> None:
    group = {"chat_type": "group", "chat_id": -100, "user_id": 3}
    for question in (
        "@minsheng_bot 幸福食堂在哪",
        "@minsheng_bot 明天天气",
        "@minsheng_bot 改造 护照",
    ):
        update = to_update(bot.app.bot, text_message(question, **group))
        await bot.app.process_update(update)
        replied = bot.api.sent()[-1]["reply_parameters"]
        replied = json.loads(replied) if isinstance(replied, str) else replied
        assert update.message is not None and replied["message_id"] == update.message.message_id
    await bot.send("幸福食堂")  # a private chat: no quoting needed
    assert "reply_parameters" not in bot.api.sent()[-1]


async def test_a_region_prompt_in_a_group_takes_only_the_askers_tap(
    remembering_bot: Harness,
) -> None:
    group = {"chat_type": "group", "chat_id": -100}
    api = await remembering_bot.send("/region", user_id=3, **group)
    prompt = api.sent()[-1]
    assert "reply_parameters" in prompt  # a reply to the command
    buttons = dict(remembering_bot.buttons(prompt))
    await remembering_bot.tap(buttons["潞州区"], user_id=4)  # someone else
    assert api.sent("answerCallbackQuery")[-1]["text"] == (
        "这是给发送 /region 的人选的。您也可以自己发送 /region 来选择。"
    )
    store = remembering_bot.app.bot_data.store
    assert store.region_of(4) is None and store.region_of(3) is None
    assert not api.sent("editMessageText")
    await remembering_bot.tap(buttons["潞州区"], user_id=3)
    assert store.region_of(3) == "潞州区"
    assert api.sent("editMessageText")[-1]["text"] == "好的，之后会优先回答“潞州区”的措施。"


async def test_region_list_grouped_by_city_without_the_anonymous_county(
    make_harness: HarnessFactory, tmp_path: Path
) -> None:
    regions = REGIONS + (
        '\n[[regions]]\nname = "晋中市"\n\n[[regions]]\nname = "和顺县"\nparent = "晋中市"\n'
        '\n[[regions]]\nname = "某县(原文匿名**)"\nanonymous = true\n'
    )
    speech = (
        '\n[[entries]]\nid = "speech"\ntitle = "县里的庭院经济"\ncategory = "农业与补偿"\n'
        'region = "某县(原文匿名**)"\nkeywords = ["庭院经济"]\nexcerpt = "发展庭院经济。"\n'
        'source = "src-b"\n'
    )
    kb = write_knowledge(tmp_path, {"regions.toml": regions, "speech.toml": speech})
    harness = await make_harness(kb)
    api = await harness.send("/region")
    # 长治市 (more entries) first, each city's group on its own rows, the city leading it.
    assert rows(api.sent()[-1]) == [
        ["长治市", "襄垣县", "潞州区"],
        ["晋中市", "和顺县"],
        ["不限地区"],
    ]
    await harness.send("庭院经济")
    answer = api.sent()[-1]["text"]
    assert "地区：某县（原文未写县名）" in answer and "匿名" not in answer


async def test_a_miss_sharing_only_a_region_name_offers_the_categories_only(bot: Harness) -> None:
    # The title 襄垣县就业岗位 shares only the county's name with the question: no suggestion.
    api = await bot.send("襄垣县明天天气怎么样")
    sent = api.sent()[-1]
    assert "没有找到可靠的答案" in sent["text"]
    assert rows(sent) == [["📂 按类别查看"]]
    await bot.send("襄垣县就业")  # a specific shared word: answered or suggested, never empty
    assert "襄垣县就业岗位" in api.sent()[-1]["text"] or ["襄垣县就业岗位"] in rows(api.sent()[-1])


def button_samples() -> dict[ButtonKind, str]:
    """The callback data of one button of each kind."""
    held = "ab12cd34"
    return {
        ButtonKind.CATEGORY: callbacks.category_data("养老服务"),
        ButtonKind.PAGE: callbacks.page_data("养老服务", 0, []),
        ButtonKind.MENU: callbacks.menu_data(None),
        ButtonKind.MISS: callbacks.miss_data([]),
        ButtonKind.ENTRY: callbacks.entry_data("elderly-canteens"),
        ButtonKind.SOURCE: callbacks.source_data("elderly-canteens"),
        ButtonKind.MORE: callbacks.more_data("elderly-canteens", ["wildlife-insurance"], 7),
        ButtonKind.ANSWER: callbacks.answer_data("elderly-canteens", ["wildlife-insurance"], 7),
        ButtonKind.FEEDBACK: callbacks.feedback_data("elderly-canteens", False, 7),
        ButtonKind.THANKS: callbacks.thanks_data(),
        ButtonKind.REGION: callbacks.region_data("长治市", 5),
        ButtonKind.RELOAD: callbacks.reload_data(held, True),
        ButtonKind.CHANGE: callbacks.change_data(held, False),
    }


def test_every_button_decodes_to_its_kind_named_by_its_prefix() -> None:
    samples = button_samples()
    assert set(samples) == set(ButtonKind)
    for kind, data in samples.items():
        action = callbacks.parse(data)
        assert action is not None and action.kind is kind, data
        assert data.split(":")[0] == kind.value
    reload, change = (callbacks.parse(samples[k]) for k in (ButtonKind.RELOAD, ButtonKind.CHANGE))
    assert reload is not None and reload.confirm and change is not None and not change.confirm


async def test_each_button_prefix_has_its_own_handler_and_the_last_says_expired(
    bot: Harness,
) -> None:
    from handlers.sources import DECISION_PATTERN

    *prefixed, last = [h for h in bot.app.handlers[0] if isinstance(h, CallbackQueryHandler)]
    assert last.pattern is None  # the catch-all, registered last
    patterns = sorted(h.pattern.pattern for h in prefixed)
    assert patterns == sorted([DECISION_PATTERN, *callbacks.PATTERNS.values()])
    assert len({h.callback for h in prefixed}) == len(prefixed)  # each does one job
    for kind, data in button_samples().items():
        tap = to_update(bot.app.bot, callback_query(data))
        (taker,) = [h for h in prefixed if h.check_update(tap)]
        assert taker.pattern.pattern == callbacks.PATTERNS[kind]
    assert not any(h.check_update(to_update(bot.app.bot, callback_query("zz:1"))) for h in prefixed)
    api = await bot.tap("zz:1")
    assert api.sent("answerCallbackQuery")[-1]["text"] == messages.BUTTON_EXPIRED
    # A handler given another kind's button (were it registered wrongly) takes it as expired.
    update = to_update(bot.app.bot, callback_query(callbacks.entry_data("elderly-canteens")))
    await resident.category_pressed(update, CallbackContext.from_update(update, bot.app))
    assert api.sent("answerCallbackQuery")[-1]["text"] == messages.BUTTON_EXPIRED
    assert not api.sent()


def test_every_kind_of_button_has_its_own_prefix() -> None:
    """Two kinds sharing a prefix were told apart only by their number of parts."""
    samples = {
        "category": callbacks.category_data("养老服务"),
        "menu": callbacks.menu_data(None),
        "miss": callbacks.miss_data([]),
        "source": callbacks.source_data("elderly-canteens"),
        "change": callbacks.change_data("ab12cd34", True),
        "reload": callbacks.reload_data("ab12cd34", True),
        "region": callbacks.region_data(None),
    }
    prefixes = {kind: data.split(":")[0] for kind, data in samples.items()}
    assert len(set(prefixes.values())) == len(prefixes), prefixes
    from handlers.sources import DECISION_PATTERN

    assert DECISION_PATTERN.split(":")[0] not in prefixes.values()
