"""The real bot process against the Bot API stub: an admin uploads a .docx as a new source,
confirms it, and the next question is answered from it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

from testing.updates import callback_query, document_message, text_message
from tests.botapi_stub import BotAPIStub
from tests.conftest import ROOT
from tests.documents import docx_bytes
from tests.test_end_to_end import TOKEN, stop_bot

ADMIN = 77
TITLE = "襄垣县关于提高高龄老人津贴标准的通知"
LONGEVITY = "百岁老人每人每月另发长寿补贴300元，由县财政全额保障，确保按时足额发放到位。"


def test_an_uploaded_document_answers_after_the_confirmation(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    config = tmp_path / "config.toml"
    config.write_text(f'[knowledge]\ndir = "{knowledge}"\n', encoding="utf-8")
    stub = BotAPIStub().start()
    stub.files["doc1"] = docx_bytes([TITLE, LONGEVITY])
    caption = f"来源：{TITLE} / 襄垣县民政局 / 2025-01 / 襄垣县"
    stub.push(document_message("doc1", "通知.docx", caption=caption, update_id=1, user_id=ADMIN))
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": str(ADMIN)}
    env.pop("BOT_CONFIG", None)
    command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    command += ["--base-url", stub.base_url, "--db", str(tmp_path / "bot.db")]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        (pending,) = stub.wait_for("sendMessage", 1)
        markup = pending["reply_markup"]
        buttons = json.loads(markup) if isinstance(markup, str) else markup
        confirm = {b["text"]: b["callback_data"] for b in buttons["inline_keyboard"][0]}["确认更新"]
        stub.push(callback_query(confirm, update_id=2, user_id=ADMIN))
        (added,) = stub.wait_for("editMessageText", 1)
        stub.push(text_message("百岁老人长寿补贴每月多少钱", update_id=3, user_id=ADMIN))
        answer = stub.wait_for("sendMessage", 2)[1]
    finally:
        _, err = stop_bot(process, stub)
    assert process.returncode == 0, err[-2000:]
    assert (
        pending["text"].startswith(f"收到原文《{TITLE}》") and "共 1 段可供检索" in pending["text"]
    )
    assert [unquote(p["path"]) for n, p in stub.calls if n == "download"] == [
        f"/file/bot{TOKEN}/documents/doc1"
    ]
    assert added["text"].startswith("已加入来源“doc-") and "知识库已重新加载" in added["text"]
    assert LONGEVITY in answer["text"].replace("<b>", "").replace("</b>", "")
    assert "来源：襄垣县民政局 · 2025年1月" in answer["text"]  # the full title: 来源详情
    assert TITLE in (knowledge / "sources.toml").read_text(encoding="utf-8")
    assert TITLE not in (ROOT / "knowledge" / "sources.toml").read_text(encoding="utf-8")
