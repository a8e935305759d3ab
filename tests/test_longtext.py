"""A message over the cap: its last question-like sentences are read, and the resident is told."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot import messages
from bot.cli import chat_command
from bot.config import Config, KnowledgeSettings
from bot.longtext import question_part
from bot.service import KnowledgeService
from tests.telegram_fakes import Harness

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
PREAMBLE = "今天天气不错，我们村里的老人家都在院子里晒太阳，大家一起说说笑笑。"
QUESTION = "我想问一下，村里的老人吃饭有没有老年食堂？"
# About 4,000 characters with the question at the very end, as voice input sends it.
LONG = PREAMBLE * 121 + QUESTION


def test_short_text_is_read_whole() -> None:
    assert question_part("老年食堂在哪", 300) == ("老年食堂在哪", False)


def test_the_last_question_sentences_are_read() -> None:
    read, partial = question_part(LONG, 300)
    assert partial and read == QUESTION


def test_several_question_sentences_fit_in_order() -> None:
    text = PREAMBLE * 20 + "低保怎么申请？" + PREAMBLE + "老年食堂在哪里？"
    read, partial = question_part(text, 300)
    assert partial and read == "低保怎么申请？老年食堂在哪里？"


def test_without_a_question_the_last_sentences_that_fit() -> None:
    read, partial = question_part(PREAMBLE * 40, 100)
    assert partial and 0 < len(read) <= 100 and read.endswith("说说笑笑。")


def test_a_run_on_without_full_stops_keeps_its_end() -> None:
    read, partial = question_part("养" * 5000 + "老年食堂在哪", 300)
    assert partial and read.endswith("老年食堂在哪") and len(read) == 300
    # Without a question at its end, the start is read, as for any text over the cap.
    read, partial = question_part("幸福食堂" + "啊" * 5000, 300)
    assert partial and read.startswith("幸福食堂")


@pytest.fixture(scope="module")
def service() -> KnowledgeService:
    return KnowledgeService.from_config(Config(knowledge=KnowledgeSettings(dir=KNOWLEDGE)))


def test_a_4000_character_message_is_answered_from_its_question(
    service: KnowledgeService,
) -> None:
    assert len(LONG) > 4000
    answer = service.ask(LONG)
    assert answer.partial and answer.answered
    assert answer.answers[0].id == "elderly-canteens"
    assert not service.ask(QUESTION).partial


def test_console_says_only_part_was_read(capsys: pytest.CaptureFixture[str]) -> None:
    chat_command(Config(knowledge=KnowledgeSettings(dir=KNOWLEDGE)), io.StringIO(LONG + "\n"))
    out = capsys.readouterr().out
    assert messages.PARTLY_READ in out and "【幸福食堂与老年助餐点】" in out


async def test_telegram_long_message(shipped_bot: Harness) -> None:
    api = await shipped_bot.send(LONG)
    first, answer = api.sent()
    assert first["text"] == messages.PARTLY_READ
    assert "幸福食堂" in answer["text"]
