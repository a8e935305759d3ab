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
from testing.updates import callback_query, document_message, text_message
from tests.botapi_stub import BotAPIStub
from tests.conftest import ROOT
from tests.test_end_to_end import TOKEN, stop_bot

ADMIN = 42


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
        size = len(stub.files["upload1"])
        stub.push(
            document_message("upload1", "知识库.xlsx", file_size=size, update_id=1, user_id=ADMIN)
        )
        offer = wait_until(lambda: [p for p in stub.sent() if "reply_markup" in p])[0]
        assert "修改 1 条" in offer["text"]
        assert [c for c in stub.calls if c[0] == "download"]  # fetched from /file/bot…
        markup = json.loads(offer["reply_markup"])
        data = markup["inline_keyboard"][0][0]["callback_data"]
        stub.push(callback_query(data, update_id=2, user_id=ADMIN))
        edited = wait_until(lambda: stub.sent("editMessageText"))[0]
        assert "知识库已更新" in edited["text"] and "第 1 版" in edited["text"]
        assert "社区幸福食堂" in (kb_dir / "elderly.toml").read_text(encoding="utf-8")
        stub.push(text_message("幸福食堂", update_id=3, user_id=ADMIN))
        answer = wait_until(lambda: [p for p in stub.sent() if "来源" in p.get("text", "")])[0]
        assert answer["text"].startswith("<b>社区幸福食堂</b>")
        stub.push(text_message("/export", update_id=4, user_id=ADMIN))
        (sent,) = wait_until(lambda: stub.sent("sendDocument"))
        assert sent["document"]["filename"] == "knowledge.xlsx"
        exported = load_workbook(io.BytesIO(sent["document"]["data"]))
        assert exported["条目"]["B2"].value == "社区幸福食堂"
        assert (tmp_path / "data" / "knowledge-versions" / "0001" / "knowledge").is_dir()
    finally:
        _, err = stop_bot(process, stub)
    assert "Traceback" not in err, err
