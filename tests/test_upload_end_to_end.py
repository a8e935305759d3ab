"""The real bot process against the Bot API stub: an admin uploads a workbook, confirms, and the
bot answers from it; /export sends the workbook back."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from bot.kbsheet import export_workbook
from bot.loader import load_knowledge
from bot.workbook import workbook_bytes
from tests.botapi_stub import BotAPIStub
from tests.conftest import ROOT
from tests.test_end_to_end import TOKEN, message, stop_bot

ADMIN = 42


def document(update_id: int, file_id: str, name: str, size: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": ADMIN, "type": "private"},
            "from": {"id": ADMIN, "is_bot": False, "first_name": "管理员"},
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": name,
                "file_size": size,
            },
        },
    }


def tap(update_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": {"id": ADMIN, "is_bot": False, "first_name": "管理员"},
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": ADMIN, "type": "private"},
                "from": {"id": 999, "is_bot": True, "first_name": "民生助手"},
                "text": "检查通过",
            },
        },
    }


def wait_until(condition: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_an_admin_uploads_a_workbook_through_the_bot_api(kb_dir: Path, tmp_path: Path) -> None:
    workbook = load_workbook(
        io.BytesIO(workbook_bytes(export_workbook(load_knowledge(kb_dir), [])))
    )
    workbook["条目"]["B2"] = "社区幸福食堂"
    buffer = io.BytesIO()
    workbook.save(buffer)
    stub = BotAPIStub().start()
    stub.files["upload1"] = buffer.getvalue()
    db = tmp_path / "data" / "bot.db"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": str(ADMIN)}
    env.pop("BOT_CONFIG", None)
    command = ["run", "--base-url", stub.base_url, "--db", str(db), "--knowledge", str(kb_dir)]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stub.push(document(1, "upload1", "知识库.xlsx", len(stub.files["upload1"])))
        offer = wait_until(lambda: [p for p in stub.sent() if "reply_markup" in p])[0]
        assert "修改 1 条" in offer["text"]
        assert [c for c in stub.calls if c[0] == "download"]  # fetched from /file/bot…
        markup = json.loads(offer["reply_markup"])
        data = markup["inline_keyboard"][0][0]["callback_data"]
        stub.push(tap(2, data))
        edited = wait_until(lambda: stub.sent("editMessageText"))[0]
        assert "知识库已更新" in edited["text"] and "第 1 版" in edited["text"]
        assert "社区幸福食堂" in (kb_dir / "elderly.toml").read_text(encoding="utf-8")
        stub.push(message(3, "幸福食堂", user=ADMIN))
        answer = wait_until(lambda: [p for p in stub.sent() if "来源" in p.get("text", "")])[0]
        assert answer["text"].startswith("<b>社区幸福食堂</b>")
        stub.push(message(4, "/export", user=ADMIN))
        (sent,) = wait_until(lambda: stub.sent("sendDocument"))
        assert sent["document"]["filename"] == "knowledge.xlsx"
        exported = load_workbook(io.BytesIO(sent["document"]["data"]))
        assert exported["条目"]["B2"].value == "社区幸福食堂"
        assert (tmp_path / "data" / "knowledge-versions" / "0001" / "knowledge").is_dir()
    finally:
        _, err = stop_bot(process, stub)
    assert "Traceback" not in err, err
