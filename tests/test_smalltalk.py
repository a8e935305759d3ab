"""Small talk gets a short friendly reply, is stored as small talk and never as unanswered."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from bot import messages
from bot.cli import chat_command
from bot.config import Config, KnowledgeSettings
from bot.smalltalk import classify
from bot.storage import SCHEMA_VERSION, QueryRecord, Store, _create_v1
from tests.telegram_fakes import Harness


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("你好", "greeting"),
        ("您好！", "greeting"),
        ("在吗", "greeting"),
        ("谢谢", "thanks"),
        ("好的谢谢", "thanks"),
        ("谢谢，再见", "goodbye"),
        ("你是谁", "identity"),
        ("你是机器人吗？", "identity"),
        ("👍", "emoji"),
        ("😀😀", "emoji"),
        ("", "empty"),
        ("   ", "empty"),
        # Real questions are never small talk.
        ("你好，低保怎么办", None),
        ("你好 幸福食堂在哪", None),
        ("早餐", None),
        ("低保", None),
        ("谢谢你们的养老补贴", None),
    ],
)
def test_classify(text: str, kind: str | None) -> None:
    assert classify(text) == kind


def test_console_chat_answers_small_talk(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = Config(knowledge=KnowledgeSettings(dir=kb_dir))
    chat_command(config, io.StringIO("你好\n你是机器人吗\n👍\n谢谢\n"))
    out = capsys.readouterr().out
    for kind in ("greeting", "identity", "emoji", "thanks"):
        assert messages.SMALL_TALK[kind] in out
    assert messages.NO_ANSWER not in out


async def test_telegram_small_talk_is_stored_as_small_talk(remembering_bot: Harness) -> None:
    api = await remembering_bot.send("你好")
    assert api.sent()[-1]["text"] == messages.SMALL_TALK["greeting"]
    assert "reply_markup" not in api.sent()[-1]  # no category keyboard: nothing went wrong
    await remembering_bot.send("谢谢！")
    await remembering_bot.send("护照")
    store: Store = remembering_bot.app.bot_data.store
    kinds = [(r["question"], r["kind"]) for r in store.rows("queries")]
    assert kinds == [("你好", "small_talk"), ("谢谢", "small_talk"), ("护照", "question")]
    assert store.unanswered_questions(1) == ["护照"]
    totals = store.totals(1)
    assert totals.questions == 1 and totals.answered == 0


async def test_telegram_empty_mention_in_a_group(remembering_bot: Harness) -> None:
    api = await remembering_bot.send("@minsheng_bot", chat_type="group", chat_id=-100)
    assert api.sent()[-1]["text"] == messages.SMALL_TALK["empty"]
    api = await remembering_bot.send(
        "@minsheng_bot 你好，幸福食堂在哪", chat_type="group", chat_id=-100
    )
    assert api.sent()[-1]["text"].startswith("<b>幸福食堂</b>")


def test_a_version_1_database_gets_the_kind_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.table("schema_version").create({"version": int}, pk="version")
    _create_v1(db)
    db.table("schema_version").insert({"version": 1})
    db.table("queries").insert({"time": "2026-12-01T00:00:00", "question": "护照", "answered": 0})
    db.conn.close()
    store = Store(path, salt="s")
    store.record_query(
        QueryRecord(1, "private", "你好", False, None, None, None, 0.0, "small_talk")
    )
    assert [r["kind"] for r in store.rows("queries")] == ["question", "small_talk"]
    store.close()
    version = sqlite3.connect(path).execute("SELECT MAX(version) FROM schema_version").fetchone()
    assert version == (SCHEMA_VERSION,)
