"""Where to go next: an entry's next_step (the clerk's words) or its category's referral."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.config import Config, KnowledgeSettings, MatchingSettings
from bot.conversation import answer_in_context, next_turn
from bot.loader import load_knowledge
from bot.models import Entry
from bot.render import render_answer
from bot.service import KnowledgeService
from tests.conftest import HarnessFactory

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
REFERRAL = "具体办理请咨询户籍所在地乡镇（街道）民政办"


@pytest.fixture(scope="module")
def service() -> KnowledgeService:
    config = Config(knowledge=KnowledgeSettings(dir=KNOWLEDGE), referrals={"社会救助": REFERRAL})
    return KnowledgeService.from_config(config)


def test_every_next_step_is_quoted_from_the_entrys_notes() -> None:
    entries = load_knowledge(KNOWLEDGE).entries
    with_steps = [entry for entry in entries if entry.next_step]
    assert with_steps
    for entry in with_steps:
        assert entry.next_step in entry.notes, entry.id


def test_an_entrys_next_step_is_shown_under_the_excerpt(service: KnowledgeService) -> None:
    answer = service.ask("老年食堂")
    assert answer.answers[0].next_step == "具体就餐点请咨询所在社区或民政部门。"
    text = render_answer(answer, service.categories(), "")
    assert text.index("怎么办：具体就餐点请咨询所在社区或民政部门。") > text.index("地区：")


def test_the_categorys_referral_stands_in_and_nothing_is_invented(
    service: KnowledgeService,
) -> None:
    assert service.ask("低保").answers[0].next_step == REFERRAL
    bare = KnowledgeService.from_config(Config(knowledge=KnowledgeSettings(dir=KNOWLEDGE)))
    assert bare.ask("低保").answers[0].next_step == ""  # no referral configured: nothing shown
    assert "怎么办" not in render_answer(bare.ask("低保"), bare.categories(), "")


def test_a_procedure_followup_gets_the_referral(service: KnowledgeService) -> None:
    previous = next_turn(service.ask("低保"), None)
    answer = answer_in_context(service, "那怎么申请", previous)
    assert answer.missing_detail == "办理流程" and answer.next_step == REFERRAL
    text = render_answer(answer, service.categories(), "")
    assert text.startswith("资料里没有写办理流程") and text.endswith(f"怎么办：{REFERRAL}")


def test_the_json_contract_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "老年食堂", "--knowledge", str(KNOWLEDGE)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert "next_step" not in payload and "next_step" not in payload["answers"][0]


def test_a_bad_referrals_table_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[referrals]\n"社会救助" = 3\n', encoding="utf-8")
    assert main(["ask", "低保", "--config", str(config)]) == 2


def test_next_step_must_be_text() -> None:
    with pytest.raises(ValidationError):
        Entry.model_validate(
            {
                "id": "a",
                "title": "t",
                "category": "c",
                "region": "r",
                "excerpt": "e",
                "source": "s",
                "next_step": ["x"],
            }
        )


async def test_telegram_shows_the_next_step(make_harness: HarnessFactory) -> None:
    bot = await make_harness(
        KNOWLEDGE,
        matching=MatchingSettings(),
        rate_limiter=True,
        admins=[],
        referrals={"社会救助": REFERRAL},
    )
    api = await bot.send("老年食堂")
    assert "怎么办：具体就餐点请咨询所在社区或民政部门。" in api.sent()[-1]["text"]
    await bot.send("低保")
    await bot.send("那怎么申请")
    assert api.sent()[-1]["text"].endswith(f"怎么办：{REFERRAL}")
