"""An admin's new source document in Telegram: checked, held for 确认更新, added and reloaded."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.addsource import SourceRequest, apply_source
from handlers.sources import parse_caption
from testing.updates import document_message, to_update
from tests.conftest import ADMIN
from tests.documents import docx_bytes
from tests.telegram_fakes import FakeBotAPI, Harness

TITLE = "襄垣县关于提高高龄老人津贴标准的通知"
LONGEVITY = "百岁老人每人每月另发长寿补贴300元，由县财政全额保障，确保按时足额发放到位。"
NOTICE = docx_bytes(
    [
        TITLE,
        "为进一步关爱高龄老年人，全县80周岁以上老年人高龄津贴由每人每月50元提高到每人每月80元。",
        LONGEVITY,
    ]
)
CAPTION = f"来源：{TITLE} / 襄垣县民政局 / 2025年1月 / 襄垣县"
QUESTION = "百岁老人长寿补贴每月多少钱"


async def upload(
    harness: Harness,
    name: str,
    data: bytes,
    caption: str | None = CAPTION,
    *,
    user_id: int,
    file_size: int | None = None,
) -> FakeBotAPI:
    size = len(data) if file_size is None else file_size
    file_id = harness.api.serve(data)
    document = document_message(file_id, name, file_size=size, caption=caption, user_id=user_id)
    await harness.app.process_update(to_update(harness.app.bot, document))
    return harness.api


def decision_buttons(harness: Harness, params: dict[str, Any]) -> dict[str, str]:
    buttons = dict(harness.buttons(params))
    assert set(buttons) == {"确认更新", "取消"}
    return buttons


def test_the_caption_gives_title_publisher_date_and_region() -> None:
    assert parse_caption("来源：通知 / 县民政局 / 2025-01") == ("通知", "县民政局", "2025-01", None)
    assert parse_caption("来源: 通知／县民政局／未注明／襄垣") == ("通知", "县民政局", "", "襄垣")
    assert parse_caption("来源：通知 / 县民政局") is None
    assert parse_caption("来源： / 县民政局 / 2025") is None


async def test_an_admins_document_is_added_after_the_confirmation(remembering_bot: Harness) -> None:
    api = await upload(remembering_bot, "通知.docx", NOTICE, user_id=ADMIN)
    (pending,) = api.sent()
    assert pending["text"].startswith(f"收到原文《{TITLE}》（襄垣县民政局，2025年1月），检查通过")
    assert (
        "共 2 段可供检索" in pending["text"] and "第一段：为进一步关爱高龄老年人" in pending["text"]
    )
    buttons = decision_buttons(remembering_bot, pending)
    sources = (remembering_bot.kb / "sources.toml").read_text(encoding="utf-8")
    assert TITLE not in sources  # nothing is written before the confirmation
    await remembering_bot.send(QUESTION)
    assert LONGEVITY not in api.sent()[-1]["text"]

    await remembering_bot.tap(buttons["确认更新"], user_id=ADMIN)
    report = api.sent("editMessageText")[-1]["text"]
    assert report.startswith("已加入来源“doc-") and "2 段可供检索" in report
    assert "知识库已重新加载：新增 0 条，删除 0 条，修改 0 条，共 6 条" in report
    assert f'title = "{TITLE}"' in (remembering_bot.kb / "sources.toml").read_text(encoding="utf-8")
    await remembering_bot.send(QUESTION)
    answer = api.sent()[-1]["text"]
    assert LONGEVITY in answer.replace("<b>", "").replace("</b>", "")
    assert "来源：襄垣县民政局 · 2025年1月" in answer and "地区：襄垣县" in answer
    (row,) = remembering_bot.app.bot_data.store.rows("reloads")
    assert row["ok"] == 1


async def test_a_residents_document_gets_the_usual_request_to_type(
    remembering_bot: Harness,
) -> None:
    api = await upload(remembering_bot, "通知.docx", NOTICE, user_id=5)
    assert api.sent()[-1]["text"] == "抱歉，我只能看懂文字。请直接打字输入您的问题。"
    assert not api.sent("getFile")


@pytest.mark.parametrize(
    ("name", "caption", "size", "reply"),
    [
        ("通知.docx", "来源：只有标题", None, "请在文件说明里写：来源：标题 / 发布单位 / 日期"),
        ("表格.xls", CAPTION, None, "没有加入这份原文：不支持这种文件（.xls）"),
        # The file's name is the sender's: escaped, since messages are HTML.
        ("表格.<b>", CAPTION, None, "没有加入这份原文：不支持这种文件（.&lt;b&gt;）"),
        ("通知.docx", CAPTION, 6 * 1024 * 1024, "没有加入这份原文：文件太大（6.0 MB，最多 5 MB）"),
    ],
)
async def test_refused_before_the_download(
    remembering_bot: Harness, name: str, caption: str, size: int | None, reply: str
) -> None:
    api = await upload(remembering_bot, name, NOTICE, caption, user_id=ADMIN, file_size=size)
    assert api.sent()[-1]["text"].startswith(reply)
    assert not api.sent("getFile")


@pytest.mark.parametrize(
    ("caption", "data", "reply"),
    [
        (
            f"来源：{TITLE} / 襄垣县民政局 / 上个月",
            NOTICE,
            "没有加入这份原文：日期“上个月”不对",
        ),
        (f"来源：{TITLE} / 襄垣县民政局 / 2025 / 火星", NOTICE, "没有“火星”这个地区"),
        (CAPTION, b"not a word file", "没有加入这份原文：这个 .docx 文件打不开"),
        ("来源：测试文章甲 / 测试日报 / 2024", NOTICE, "这份原文已经加入过了：来源“src-a”"),
    ],
)
async def test_refused_after_the_check(
    remembering_bot: Harness, caption: str, data: bytes, reply: str
) -> None:
    api = await upload(remembering_bot, "通知.docx", data, caption, user_id=ADMIN)
    (sent,) = api.sent()
    assert reply in sent["text"] and "reply_markup" not in sent
    assert TITLE not in (remembering_bot.kb / "sources.toml").read_text(encoding="utf-8")


async def test_cancel_expiry_replacement_and_other_peoples_taps(remembering_bot: Harness) -> None:
    api = await upload(remembering_bot, "通知.docx", NOTICE, user_id=ADMIN)
    first = decision_buttons(remembering_bot, api.sent()[-1])
    await remembering_bot.tap(first["确认更新"], user_id=5)
    assert api.sent("answerCallbackQuery")[-1]["text"] == "抱歉，这个命令只有管理员可以使用。"
    await remembering_bot.tap(first["取消"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"] == "已取消，没有加入这份原文。"
    await remembering_bot.tap(first["确认更新"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"].startswith("这次加入已经过期或被新发的文件取代")

    await upload(remembering_bot, "通知.docx", NOTICE, user_id=ADMIN)
    second = decision_buttons(remembering_bot, api.sent()[-1])
    await upload(remembering_bot, "通知.docx", NOTICE, user_id=ADMIN)  # replaces the one before
    third = decision_buttons(remembering_bot, api.sent()[-1])
    await remembering_bot.tap(second["确认更新"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"].startswith("这次加入已经过期")
    service = remembering_bot.app.bot_data.service
    started = time.monotonic()
    service.clock = lambda: started + 601  # ten minutes later
    await remembering_bot.tap(third["确认更新"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"].startswith("这次加入已经过期")
    assert TITLE not in (remembering_bot.kb / "sources.toml").read_text(encoding="utf-8")
    assert not remembering_bot.app.bot_data.store.rows("reloads")


async def test_a_document_added_meanwhile_is_not_added_twice(remembering_bot: Harness) -> None:
    api = await upload(remembering_bot, "通知.docx", NOTICE, user_id=ADMIN)
    buttons = decision_buttons(remembering_bot, api.sent()[-1])
    request = SourceRequest("通知.docx", NOTICE, TITLE, "襄垣县民政局", "2025")
    apply_source(remembering_bot.kb, request)  # the clerk added it in the terminal in the meantime
    await remembering_bot.tap(buttons["确认更新"], user_id=ADMIN)
    assert api.sent("editMessageText")[-1]["text"].startswith(
        "没有加入这份原文：这份原文已经加入过了"
    )
    assert (remembering_bot.kb / "sources.toml").read_text(encoding="utf-8").count(TITLE) == 1
