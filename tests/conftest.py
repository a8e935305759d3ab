"""Shared fixtures: a small knowledge base written to a temporary directory, and the Telegram
application over it (or over the shipped knowledge) with the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, KnowledgeSettings, MatchingSettings, TelegramSettings
from bot.service import KnowledgeService
from bot.storage import Store
from handlers.app import build_application
from tests.telegram_fakes import FakeBotAPI, Harness

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_KNOWLEDGE = ROOT / "knowledge"
ADMIN = 42  # the admin of every harness unless a test says otherwise
# The shared development set, outside the repository (a test using it skips that part without).
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"

SOURCES = """
[[sources]]
id = "src-a"
title = "测试文章甲"
publisher = "测试日报"
date = "2024-03-05"
file = "a.txt"

[[sources]]
id = "src-b"
title = "测试文章乙"
publisher = "测试县政府"
date = ""
"""

REGIONS = """
[[regions]]
name = "长治市"
aliases = ["长治"]

[[regions]]
name = "襄垣县"
parent = "长治市"
aliases = ["襄垣"]

[[regions]]
name = "潞州区"
parent = "长治市"
aliases = ["潞州"]
"""

SYNONYMS = """
[[groups]]
words = ["老年人", "老人", "长者"]

[[groups]]
words = ["就业", "找工作", "找活"]
"""

ELDERLY = """
[[entries]]
id = "elderly-canteens"
title = "幸福食堂"
category = "养老服务"
region = "长治市"
keywords = ["幸福食堂", "配餐点", "老年人 吃饭", "食堂"]
excerpt = "扩容提质幸福食堂与配餐点。"
source = "src-a"
questions = ["幸福食堂在哪"]

[[entries]]
id = "home-renovation"
title = "居家适老化改造"
category = "养老服务"
region = "长治市"
keywords = ["适老化改造", "老年人 改造", "养老"]
excerpt = "推进居家适老化改造。"
source = "src-a"

[[entries]]
id = "pension-insurance"
title = "养老保险应保尽保"
category = "社会保险"
region = "襄垣县"
keywords = ["养老保险", "参保", "保险 -野猪"]
excerpt = "推动基本养老保险应保尽保。"
source = "src-b"
"""

JOBS = """
[[entries]]
id = "jobs-xiangyuan"
title = "襄垣县就业岗位"
category = "就业创业"
region = "襄垣县"
keywords = ["就业岗位", "就业", "招聘"]
excerpt = "襄垣县新增就业岗位。"
source = "src-b"

[[entries]]
id = "jobs-luzhou"
title = "潞州区就业岗位"
category = "就业创业"
region = "潞州区"
keywords = ["就业岗位", "就业", "招聘"]
excerpt = "潞州区新增就业岗位。"
source = "src-b"

[[entries]]
id = "wildlife-insurance"
title = "野生动物致害补偿保险"
category = "农业与补偿"
region = "襄垣县"
keywords = ["野生动物", "野猪 保险", "野猪 赔", "庄稼"]
excerpt = "野生动物致害补偿保险试点。"
source = "src-b"
"""


def write_knowledge(directory: Path, files: dict[str, str] | None = None) -> Path:
    """Write the fixture knowledge base (optionally with some files replaced) to ``directory``."""
    contents = {
        "sources.toml": SOURCES,
        "regions.toml": REGIONS,
        "synonyms.toml": SYNONYMS,
        "elderly.toml": ELDERLY,
        "jobs.toml": JOBS,
    }
    contents.update(files or {})
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "articles").mkdir(exist_ok=True)
    (directory / "articles" / "a.txt").write_text(
        "扩容提质幸福食堂与配餐点。推进居家适老化改造。", encoding="utf-8"
    )
    for name, text in contents.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A valid fixture knowledge directory."""
    return write_knowledge(tmp_path / "knowledge")


@pytest.fixture
def service(kb_dir: Path) -> KnowledgeService:
    """A service over the fixture knowledge base with default settings."""
    return KnowledgeService(kb_dir, MatchingSettings(cutoff=2.0))


HarnessFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness() -> AsyncIterator[HarnessFactory]:
    """Start initialised applications over a knowledge directory and a fake Bot API, each shut
    down after the test: ``await make_harness(kb, store=..., rate_limiter=..., matching=...,
    referrals=..., **telegram_settings)`` (cutoff 2.0 and ``ADMIN`` unless changed)."""
    started: list[Harness] = []

    async def make(
        kb: Path,
        *,
        rate_limiter: bool = False,
        store: Store | None = None,
        matching: MatchingSettings | None = None,
        referrals: dict[str, str] | None = None,
        **telegram: Any,
    ) -> Harness:
        config = Config(
            knowledge=KnowledgeSettings(dir=kb),
            matching=matching or MatchingSettings(cutoff=2.0),
            telegram=TelegramSettings(
                **{"token": "123:TEST", "admins": [ADMIN], "typing_after_seconds": 5.0, **telegram}
            ),
            referrals=referrals or {},
        )
        api = FakeBotAPI()
        application = build_application(
            config,
            KnowledgeService.from_config(config),
            store=store,
            request=api,
            rate_limiter=rate_limiter,
        )
        await application.initialize()
        started.append(Harness(application, api, kb))
        return started[-1]

    yield make
    for harness in started:
        await harness.app.shutdown()


@pytest.fixture
async def bot(make_harness: HarnessFactory, kb_dir: Path) -> Harness:
    """The application over the fixture knowledge, without a database."""
    return await make_harness(kb_dir)


@pytest.fixture
async def remembering_bot(make_harness: HarnessFactory, kb_dir: Path, tmp_path: Path) -> Harness:
    """The application over the fixture knowledge, storing queries in a temporary database."""
    return await make_harness(kb_dir, store=Store(tmp_path / "bot.db", salt="s"))


@pytest.fixture
async def shipped_bot(make_harness: HarnessFactory) -> Harness:
    """The application over the shipped knowledge with default matching and the rate limiter,
    no admins and no database."""
    return await make_harness(
        SHIPPED_KNOWLEDGE, matching=MatchingSettings(), rate_limiter=True, admins=[]
    )


@pytest.fixture(autouse=True)
def _word_cache_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the word cache of every test out of the user's home (one per test session)."""
    monkeypatch.setenv("BOT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "word-cache"))
