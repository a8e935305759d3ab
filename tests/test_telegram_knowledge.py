"""Admins change the knowledge from Telegram: uploads, /export, /versions, /rollback, offline."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.background import BUILD_SWITCH_INTERVAL
from bot.config import (
    Config,
    KnowledgeSettings,
    MatchingSettings,
    StorageSettings,
    TelegramSettings,
)
from bot.kbfiles import VersionStore
from bot.kbsheet import export_workbook
from bot.loader import load_knowledge
from bot.service import HOLD_SECONDS, KnowledgeService
from bot.storage import open_store
from bot.workbook import workbook_bytes
from handlers import admin
from handlers.app import build_application
from testing.updates import callback_query, document_message, text_message, to_update
from tests.telegram_fakes import FakeBotAPI

ADMIN = 42


class Harness:
    def __init__(self, application: Any, api: FakeBotAPI, kb: Path, data: Path) -> None:
        self.app, self.api, self.kb, self.data = application, api, kb, data
        self.service: KnowledgeService = application.bot_data.service

    async def send(self, text: str, user_id: int = ADMIN) -> list[dict[str, Any]]:
        before = len(self.api.calls)
        await self.app.process_update(to_update(self.app.bot, text_message(text, user_id=user_id)))
        return [p for _, p in self.api.calls[before:] if "text" in p]

    async def upload(
        self, name: str, data: bytes, user_id: int = ADMIN, size: int | None = None
    ) -> list[dict[str, Any]]:
        size = len(data) if size is None else size
        document = document_message(self.api.serve(data), name, file_size=size, user_id=user_id)
        update = to_update(self.app.bot, document)
        before = len(self.api.calls)
        await self.app.process_update(update)
        return [p for _, p in self.api.calls[before:] if "text" in p]

    async def tap(self, data: str, user_id: int = ADMIN) -> list[dict[str, Any]]:
        before = len(self.api.calls)
        await self.app.process_update(
            to_update(self.app.bot, callback_query(data, user_id=user_id))
        )
        return [p for _, p in self.api.calls[before:] if "text" in p]

    def versions(self) -> VersionStore:
        return VersionStore(self.data / "knowledge-versions")


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    markup = params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    if hasattr(markup, "to_dict"):
        markup = markup.to_dict()
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


@pytest.fixture
async def bot(kb_dir: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    data = tmp_path / "data"
    config = Config(
        knowledge=KnowledgeSettings(dir=kb_dir),
        matching=MatchingSettings(cutoff=2.0),
        telegram=TelegramSettings(token="123:TEST", admins=[ADMIN], typing_after_seconds=5.0),
        storage=StorageSettings(path=data / "bot.db", salt="pepper"),
    )
    store = open_store(config.storage.path, salt="pepper")
    api = FakeBotAPI()
    service = KnowledgeService(kb_dir, config.matching)
    application = build_application(config, service, store=store, request=api, rate_limiter=False)
    VersionStore.beside_database(config.storage.path).snapshot(kb_dir)  # as `bot run` does
    await application.initialize()
    yield Harness(application, api, kb_dir, data)
    await application.shutdown()
    if store is not None:
        store.close()


def workbook_with(kb: Path, changes: dict[str, str]) -> bytes:
    workbook = load_workbook(io.BytesIO(workbook_bytes(export_workbook(load_knowledge(kb), []))))
    for cell, value in changes.items():
        workbook["条目"][cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_an_uploaded_workbook_is_applied_after_confirmation(bot: Harness) -> None:
    before = (bot.kb / "elderly.toml").read_bytes()
    (reply,) = await bot.upload("知识库.xlsx", workbook_with(bot.kb, {"B2": "幸福食堂新标题"}))
    assert "检查通过：新增 0 条，删除 0 条，修改 1 条，共 6 条" in reply["text"]
    assert "~ elderly-canteens" in reply["text"]
    (confirm, cancel) = buttons(reply)
    assert confirm[0] == "确认更新" and cancel[0] == "取消"
    assert (bot.kb / "elderly.toml").read_bytes() == before  # nothing written yet
    assert bot.service.ask("幸福食堂").answers[0].title == "幸福食堂"

    (done,) = await bot.tap(confirm[1])
    assert "知识库已更新" in done["text"] and "第 1 版" in done["text"]
    assert bot.service.ask("幸福食堂").answers[0].title == "幸福食堂新标题"
    (version,) = bot.versions().list()
    store = bot.app.bot_data.store
    assert version.who == store.user_hash(ADMIN) and version.changed == 1
    assert store.rows("reloads")[-1]["changed"] == 1
    (again,) = await bot.tap(confirm[1])  # a second tap changes nothing
    assert "过期" in again["text"]


async def test_a_second_upload_replaces_the_first_and_buttons_expire(bot: Harness) -> None:
    (first,) = await bot.upload("a.xlsx", workbook_with(bot.kb, {"B2": "第一个"}))
    (second,) = await bot.upload("b.xlsx", workbook_with(bot.kb, {"B2": "第二个"}))
    (expired,) = await bot.tap(buttons(first)[0][1])
    assert "被后来发送的文件取代" in expired["text"]
    assert bot.service.ask("幸福食堂").answers[0].title == "幸福食堂"
    bot.service.clock = lambda: 1e9  # ten minutes and more later
    (late,) = await bot.tap(buttons(second)[0][1])
    assert "过期" in late["text"] and not bot.versions().list()
    (third,) = await bot.upload("c.xlsx", workbook_with(bot.kb, {"B2": "第三个"}))
    (cancelled,) = await bot.tap(buttons(third)[1][1])
    assert "已取消" in cancelled["text"] and not bot.versions().list()
    assert HOLD_SECONDS == 600


async def test_an_uploaded_workbook_with_problems_lists_every_one(bot: Harness) -> None:
    data = workbook_with(bot.kb, {"G2": "src-9", "D3": "火星市"})
    (reply,) = await bot.upload("kb.xlsx", data)
    assert "文件有 2 个问题，知识库没有改动" in reply["text"]
    assert '条目 第2行 「来源」: 未知来源 "src-9"' in reply["text"]
    assert '条目 第3行 「地区」: 未知地区 "火星市"' in reply["text"]
    assert not reply.get("reply_markup")
    (same,) = await bot.upload("kb.xlsx", workbook_with(bot.kb, {}))
    assert "没有要更新的" in same["text"]


async def test_an_uploaded_toml_file(bot: Harness) -> None:
    text = (bot.kb / "elderly.toml").read_text(encoding="utf-8").replace("幸福食堂", "爱心食堂", 1)
    (reply,) = await bot.upload("elderly.toml", text.encode("utf-8"))
    assert "修改 1 条" in reply["text"]
    await bot.tap(buttons(reply)[0][1])
    assert (bot.kb / "elderly.toml").read_text(encoding="utf-8") == text
    (broken,) = await bot.upload("elderly.toml", b'[[entries]]\nid = "x\n')
    assert "文件有 1 个问题" in broken["text"] and "elderly.toml:2:" in broken["text"]
    (named,) = await bot.upload("../../etc/evil name.toml", b"")
    assert "文件名 evil name.toml 不能用" in named["text"]


async def test_documents_of_residents_and_bad_documents(bot: Harness) -> None:
    (resident,) = await bot.upload("kb.xlsx", b"PK", user_id=7)
    assert resident["text"] == "抱歉，我只能看懂文字。请直接打字输入您的问题。"
    (large,) = await bot.upload("kb.xlsx", b"PK", size=6 * 1024 * 1024)
    assert large["text"] == "文件太大了（超过 5 MB），没有处理。"
    (other,) = await bot.upload("photo.pdf", b"%PDF")
    assert "只能处理 .xlsx 表格" in other["text"]
    (junk,) = await bot.upload("kb.xlsx", b"not a workbook")
    assert "不是 Excel 工作簿" in junk["text"]
    assert not [c for c in bot.api.calls if c[0] == "download" and "file0" in c[1]["url"]]


async def test_export_sends_the_workbook(bot: Harness) -> None:
    await bot.send("/export")
    (parts,) = bot.api.uploads
    ((name, content, _),) = [part for part in parts.values() if isinstance(part, tuple)]
    assert name == "knowledge.xlsx"
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["条目", "来源", "同义词", "地区", "未回答"]
    assert workbook["条目"]["A2"].value == "elderly-canteens"
    (refused,) = await bot.send("/export", user_id=7)
    assert refused["text"] == "抱歉，这个命令只有管理员可以使用。"
    assert len(bot.api.uploads) == 1


async def test_versions_and_rollback(bot: Harness) -> None:
    (none,) = await bot.send("/versions")
    assert "还没有保存的版本" in none["text"]
    original = (bot.kb / "elderly.toml").read_bytes()
    (reply,) = await bot.upload("kb.xlsx", workbook_with(bot.kb, {"B2": "改过的标题"}))
    await bot.tap(buttons(reply)[0][1])
    (listing,) = await bot.send("/versions")
    store = bot.app.bot_data.store
    assert "第 1 版" in listing["text"] and "+0 −0 ~1" in listing["text"]
    assert store.user_hash(ADMIN)[:12] in listing["text"]

    (usage,) = await bot.send("/rollback")
    assert "用法：/rollback 版本号" in usage["text"]
    (unknown,) = await bot.send("/rollback 9")
    assert "没有第 9 版" in unknown["text"]
    (refused,) = await bot.send("/rollback 1", user_id=7)
    assert "只有管理员" in refused["text"]
    (offer,) = await bot.send("/rollback 1")
    assert "恢复到第 1 版：新增 0 条，删除 0 条，修改 1 条" in offer["text"]
    confirm = buttons(offer)[0]
    assert confirm[0] == "确认恢复"
    await bot.tap(confirm[1], user_id=7)  # not an admin: nothing happens
    assert (bot.kb / "elderly.toml").read_bytes() != original
    (done,) = await bot.tap(confirm[1])
    assert "知识库已更新" in done["text"] and "第 2 版" in done["text"]
    assert (bot.kb / "elderly.toml").read_bytes() == original
    assert bot.service.ask("幸福食堂").answers[0].title == "幸福食堂"


async def test_a_reload_of_edited_files_keeps_a_version(bot: Harness) -> None:
    elderly = bot.kb / "elderly.toml"
    before = elderly.read_bytes()
    elderly.write_text(elderly.read_text(encoding="utf-8").replace("幸福食堂", "爱心食堂", 1))
    await bot.send("/reload")
    (version,) = bot.versions().list()
    assert version.changed == 1
    kept = bot.versions().directory_of(version.number)
    assert kept is not None and (kept / "elderly.toml").read_bytes() == before
    await bot.send("/reload")  # nothing edited since: no new version
    assert len(bot.versions().list()) == 1


async def test_a_reload_of_edited_synonyms_alone_keeps_a_version_too(bot: Harness) -> None:
    synonyms = bot.kb / "synonyms.toml"
    synonyms.write_text(
        synonyms.read_text(encoding="utf-8") + '\n[[groups]]\nwords = ["医保", "医疗保险"]\n'
    )
    await bot.send("/reload")
    (version,) = bot.versions().list()
    assert (version.added, version.removed, version.changed) == (0, 0, 0)


async def test_all_of_a_reload_runs_beside_answers_not_only_the_build(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the swap the keys and the version store still work for a while: at the default
    # switch interval every answer sent meanwhile waited 5 ms at each step (a 150 ms spike).
    intervals: dict[str, float] = {}
    keep_live = VersionStore.keep_live

    def recording_keep_live(self: VersionStore, *args: Any) -> bool:
        intervals["versions"] = sys.getswitchinterval()
        return keep_live(self, *args)

    refresh_keys = admin.refresh_keys

    def recording_refresh_keys(context: Any) -> None:
        intervals["keys"] = sys.getswitchinterval()
        refresh_keys(context)

    monkeypatch.setattr(VersionStore, "keep_live", recording_keep_live)
    monkeypatch.setattr(admin, "refresh_keys", recording_refresh_keys)
    normal = sys.getswitchinterval()
    (reply,) = await bot.send("/reload")
    assert "知识库已重新加载" in reply["text"]
    assert intervals == {
        "versions": pytest.approx(BUILD_SWITCH_INTERVAL),
        "keys": pytest.approx(BUILD_SWITCH_INTERVAL),
    }
    assert sys.getswitchinterval() == normal
