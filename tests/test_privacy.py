"""No name, address or personal number a resident types is kept: not in the database, its WAL,
the journal, nor the DEBUG log; and the log never holds whole updates, usernames or raw ids."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.logsetup import MAX_LINE_CHARS, RedactingFormatter
from bot.privacy import mask_personal
from testing.updates import text_message
from tests.botapi_stub import BotAPIStub
from tests.test_end_to_end import start_bot, stop_bot

NAME, ROAD, USERNAME, FIRST_NAME, USER_ID = "王小明", "英雄南路", "wangxm_1950", "小明同志", 7345291
MOBILE_NOTATIONS = ("13800138000", "１３８００１３８０００", "138 0013 8000", "138-0013-8000")
CONVERSATION = (
    f"我叫{NAME}，住在潞州区{ROAD}88号3单元，想问高龄津贴怎么领",
    f"我的手机{MOBILE_NOTATIONS[0]}，幸福食堂在哪",
    f"电话{MOBILE_NOTATIONS[1]}，低保标准是多少",
    f"我爸王建国的手机是{MOBILE_NOTATIONS[2]}，残疾人有什么补贴",
    f"打{MOBILE_NOTATIONS[3]}找我，身份证14040219800101123X，医保报销比例",
)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("我叫王小明，住在潞州区英雄南路88号3单元", "我叫[姓名],住在潞州区[地址]"),
        ("我住幸福小区5号楼2单元301室", "我住幸福小区[地址]"),
        ("府后西街12号院2号楼", "[地址]"),
        ("我爸王建国今年80岁了", "我爸[姓名]今年80岁了"),
        ("我是张伟，想问残疾人补贴", "我是[姓名],想问残疾人补贴"),
        ("手机１３８００１３８０００", "手机[手机号]"),
        ("电话138 0013 8000", "电话[手机号]"),
        ("打138－0013－8000", "打[手机号]"),
        ("座机0355-2345678", "座机[电话]"),
        ("卡号6222 0212 3456 7890 123", "卡号[卡号]"),
    ],
)
def test_names_addresses_and_numbers_are_masked(raw: str, masked: str) -> None:
    assert mask_personal(raw) == masked


@pytest.mark.parametrize(
    "public",
    [
        "王莽岭是几A景区",  # a place named after a person
        "和顺县养老水平咋提升",  # jieba tags 和顺县 as a name
        "周末想带孙子去湖边走走",  # a common word with a surname's character
        "县城好多小胡同还是土路",
        "我80岁了,2026年,3个孩子,邮编046000",  # short numbers say nothing about a person
        "鹿家庄那个农贸市场招人吗",
    ],
)
def test_public_words_and_short_numbers_stay(public: str) -> None:
    assert mask_personal(public) == public


def test_a_huge_log_line_is_cut_and_a_number_at_the_cut_does_not_leak() -> None:
    formatter = RedactingFormatter("%(message)s", ["SECRET"])
    body = "x" * (MAX_LINE_CHARS - 5) + "13800138000" + "y" * 10_000_000
    line = formatter.format(logging.makeLogRecord({"msg": body}))
    assert len(line) < MAX_LINE_CHARS + 40
    assert "1380" not in line and "characters cut" in line


def _files_bytes(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file())


def test_a_conversation_leaves_no_personal_detail_in_the_database_wal_or_debug_log(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    stub = BotAPIStub().start()
    process = start_bot(stub, data / "bot.db", BOT_LOG_LEVEL="DEBUG")
    try:
        for number, text in enumerate(CONVERSATION, start=1):
            stub.push(
                text_message(
                    text,
                    update_id=number,
                    user_id=USER_ID,
                    first_name=FIRST_NAME,
                    username=USERNAME,
                )
            )
        stub.wait_for("sendMessage", len(CONVERSATION))
        # While the bot runs: the database, its WAL and the journal, as they are on disk.
        running = _files_bytes(data)
    finally:
        _, log = stop_bot(process, stub)
    stored = running + _files_bytes(data)

    assert b"queries" in stored  # the questions were stored, masked
    assert "[姓名]".encode() in stored and "[地址]".encode() in stored
    secrets = [NAME, "王建国", ROAD, "88号", "14040219800101123X", *MOBILE_NOTATIONS]
    for secret in secrets:
        assert secret.encode() not in stored, secret
        assert secret not in log, secret
    for identifier in (USERNAME, FIRST_NAME, str(USER_ID)):
        assert identifier not in log, identifier
    assert "DEBUG" in log  # the log really was at DEBUG
