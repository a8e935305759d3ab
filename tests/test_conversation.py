"""Follow-ups read with the previous answer: the core, the console and the Telegram layer."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import chat_command, main
from bot.config import Config, ConversationSettings, KnowledgeSettings
from bot.conversation import (
    ConversationMemory,
    Turn,
    answer_in_context,
    followup_kind,
    next_turn,
)
from bot.service import KnowledgeService
from tests.telegram_fakes import Harness

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="module")
def service() -> KnowledgeService:
    return KnowledgeService.from_config(Config(knowledge=KnowledgeSettings(dir=KNOWLEDGE)))


def converse(service: KnowledgeService, *questions: str) -> list:  # type: ignore[type-arg]
    previous: Turn | None = None
    answers = []
    for question in questions:
        answer = answer_in_context(service, question, previous)
        previous = next_turn(answer, previous)
        answers.append(answer)
    return answers


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("那怎么申请", "detail"),
        ("在哪里", "detail"),
        ("要钱不", "detail"),
        ("还有别的吗", "more"),
        ("那襄垣呢", "short"),
        ("野猪把庄稼糟蹋了能赔吗", None),
        ("", None),
    ],
)
def test_followup_kind(text: str, kind: str | None) -> None:
    assert followup_kind(text, 300) == kind


def test_procedure_followup_says_honestly_the_sources_do_not_give_it(
    service: KnowledgeService,
) -> None:
    first, followup = converse(service, "低保", "那怎么申请")
    assert first.answered and first.answers[0].id == "dibao-tekun-care"
    assert followup.followup == "detail"
    assert not followup.answered and followup.missing_detail == "办理流程"
    assert followup.suggestions[0] == first.answers[0].title
    # Alone, the same words find nothing: it is the previous topic that gave the answer.
    assert not service.ask("那怎么申请").suggestions


def test_region_followup_repeats_the_previous_question_for_the_region(
    service: KnowledgeService,
) -> None:
    _, followup = converse(service, "野猪把庄稼糟蹋了能赔吗", "那襄垣呢")
    assert followup.followup == "region"
    assert followup.answered and followup.answers[0].region == "襄垣县"
    assert "襄垣" in followup.query


def test_more_followup_shows_other_answers_or_says_there_are_none(
    service: KnowledgeService,
) -> None:
    first, more, again = converse(service, "野猪把庄稼糟蹋了能赔吗", "还有别的吗", "还有别的吗")
    assert more.followup == "more" and more.topic == first.answers[0].title
    # The best answer was shown in full, the others only as titles: "more" shows those.
    assert more.answered and first.answers[0].id not in {item.id for item in more.answers}
    assert more.answers[0].id == first.answers[1].id
    assert {first.answers[0].id, more.answers[0].id}.isdisjoint(item.id for item in again.answers)


def test_a_new_topic_wins_over_the_previous_one(service: KnowledgeService) -> None:
    _, new = converse(service, "低保", "那野猪把庄稼糟蹋了能赔吗")
    assert new.followup is None and new.answered
    assert new.answers[0].id.startswith("wildlife")


def test_without_a_previous_turn_it_is_the_stateless_answer(service: KnowledgeService) -> None:
    assert answer_in_context(service, "低保", None) == service.ask("低保")


def test_memory_times_out_and_forgets() -> None:
    now = [0.0]
    memory = ConversationMemory(600, clock=lambda: now[0])
    turn = Turn("低保", ("dibao-tekun-care",), ("低保",), "长治市", "低保")
    memory.remember((1, 1), turn)
    now[0] = 599
    assert memory.get((1, 1)) == turn
    now[0] = 1200
    assert memory.get((1, 1)) is None
    memory.remember((1, 1), turn)
    memory.forget((1, 1))
    assert memory.get((1, 1)) is None
    memory.remember((2, 2), turn)
    now[0] = 2000
    memory.remember((3, 3), turn)  # the expired conversation of (2, 2) is dropped on the way
    assert list(memory._turns) == [(3, 3)]


def test_timeout_is_configured_in_minutes() -> None:
    assert Config().conversation.timeout_minutes == 10
    with pytest.raises(ValueError):
        ConversationSettings(timeout_minutes=0)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--knowledge", str(KNOWLEDGE)])
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_context_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "ask", "--json", "--context", "低保", "那怎么申请")
    payload = json.loads(out)
    assert code == 0 and payload["followup"] == "detail"
    assert payload["missing_detail"] == "办理流程" and not payload["answered"]
    code, out, _ = run_cli(capsys, "ask", "--json", "那怎么申请")
    assert "followup" not in json.loads(out)  # stateless: the contract is unchanged


def test_ask_context_refuses_batch(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "ask", "--batch", "-", "--context", "低保")
    assert code == 2 and err.startswith("error:") and err[-1] == "\n" and err.count("\n") == 1


def test_console_chat_keeps_the_state(capsys: pytest.CaptureFixture[str]) -> None:
    config = Config(knowledge=KnowledgeSettings(dir=KNOWLEDGE))
    chat_command(config, io.StringIO("低保\n那怎么申请\n还有别的吗\n还有别的吗\n"))
    out = capsys.readouterr().out
    assert "资料里没有写办理流程。关于「低保对象与特困人员关爱保障」" in out
    assert "关于「低保对象与特困人员关爱保障」，资料里没有更多相关的内容了" in out
    assert "抱歉，这个问题我暂时没有找到可靠的答案" not in out


async def test_telegram_followups_and_forget(shipped_bot: Harness) -> None:
    async def send(text: str) -> str:
        api = await shipped_bot.send(text)
        return str(api.sent()[-1]["text"])

    assert "低保" in await send("低保")
    assert (await send("那怎么申请")).startswith("资料里没有写办理流程")
    assert "困境儿童福利保障" in await send("还有别的吗")
    assert "没有更多相关的内容" in await send("还有别的吗")
    await send("/forget")
    assert "抱歉，这个问题我暂时没有找到可靠的答案" in await send("那怎么申请")


async def test_telegram_group_state_is_per_member(shipped_bot: Harness) -> None:
    async def send(text: str, user_id: int) -> str:
        group = {"chat_type": "group", "chat_id": -100, "reply_to_bot": True}
        api = await shipped_bot.send(text, user_id=user_id, **group)
        return str(api.sent()[-1]["text"])

    await send("低保", 1)
    assert "抱歉，这个问题我暂时没有找到可靠的答案" in await send("那怎么申请", 2)
    assert (await send("那怎么申请", 1)).startswith("资料里没有写办理流程")


def test_an_unknown_short_word_does_not_bring_back_the_previous_answer(
    service: KnowledgeService,
) -> None:
    _, unknown = converse(service, "老年食堂", "护照")
    assert unknown == service.ask("护照")


def test_a_detail_followup_that_finds_nothing_new_says_so(service: KnowledgeService) -> None:
    first, where = converse(service, "老年食堂", "在哪")
    assert where.answers[0].id == first.answers[0].id
    assert where.lead == ["关于「幸福食堂与老年助餐点」，资料里只有下面这些，没有写得更具体。"]


def test_a_region_followup_says_when_nothing_is_about_that_region(
    service: KnowledgeService,
) -> None:
    _, followup = converse(service, "老年食堂", "那襄垣呢")
    assert followup.answers[0].region == "长治市"
    assert followup.lead == ["资料里没有专门讲襄垣县的内容，下面是长治市的："]
