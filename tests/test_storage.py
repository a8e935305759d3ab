"""The bot's memory: schema, privacy (hashing, masking), retention, stats, grouping, failures."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from bot import messages, storage
from bot.cli import main
from bot.config import MatchingSettings
from bot.privacy import mask_numbers
from bot.report import group_questions, stats_text, unanswered_groups, unanswered_text
from bot.service import KnowledgeService
from bot.storage import SCHEMA_VERSION, QueryRecord, Store, open_store, resolve_salt

USER = 987654321


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def record(
    question: str, answered: bool, entry: str | None = None, user: int = USER
) -> QueryRecord:
    category = "养老服务" if entry else None
    return QueryRecord(
        user, "private", question, answered, entry, category, 5.0 if entry else None, 1.5
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Store:
    return Store(tmp_path / "data" / "bot.db", salt="test-salt", clock=clock)


def test_schema_created_and_migrated_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    Store(path, salt="s").close()
    Store(path, salt="s").close()  # opening again must not migrate again
    db = sqlite3.connect(path)
    versions = db.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]  # each step once
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"queries", "feedback", "reloads", "preferences", "schema_version"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_one_vote_per_person_and_answer_a_second_press_changes_it(store: Store) -> None:
    own = store.record_query(record("幸福食堂", True, "elderly-canteens"))
    assert store.record_feedback(USER, "elderly-canteens", True, own)
    assert store.record_feedback(USER, "elderly-canteens", True, own)
    assert [r["helpful"] for r in store.rows("feedback")] == [1]
    assert store.record_feedback(USER, "elderly-canteens", False, own)
    assert [r["helpful"] for r in store.rows("feedback")] == [0]
    assert store.totals(7).unhelpful == 1 and store.totals(7).helpful == 0
    # Another answer of the same question is another vote.
    assert store.record_feedback(USER, "jobs", True, own)
    assert len(store.rows("feedback")) == 2


def test_version_1_votes_are_reduced_to_the_latest_per_person(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.table("schema_version").create({"version": int}, pk="version")
    storage._create_v1(db)
    db.table("schema_version").insert({"version": 1})
    rows = [("a", 1, "e", 1), ("a", 1, "e", 0), ("a", 1, "e", 1), ("b", 1, "e", 0)]
    for user_hash, query_id, entry_id, helpful in rows:
        db.table("feedback").insert(
            {
                "time": "2026-11-01T09:00:00+00:00",
                "user_hash": user_hash,
                "query_id": query_id,
                "entry_id": entry_id,
                "helpful": helpful,
            }
        )
    db.close()
    Store(path, salt="s").close()
    migrated = sqlite3.connect(path)
    kept = migrated.execute("SELECT user_hash, helpful FROM feedback ORDER BY user_hash")
    assert kept.fetchall() == [("a", 1), ("b", 0)]
    versions = migrated.execute("SELECT version FROM schema_version ORDER BY version")
    assert versions.fetchall() == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_a_migration_failing_halfway_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_done(db: sqlite_utils.Database) -> None:
        db.table("extra").create({"id": int}, pk="id")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(storage, "MIGRATIONS", [*storage.MIGRATIONS, half_done])
    path = tmp_path / "bot.db"
    assert Store(path, salt="s").health.failures == 1
    db = sqlite3.connect(path)
    assert db.execute("SELECT MAX(version) FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "extra" not in tables and "queries" in tables


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("身份证14040219800101123X补办", "身份证[身份证号]补办"),
        ("身份证号140402198001011234", "身份证号[身份证号]"),
        ("电话13912345678找我", "电话[手机号]找我"),
        ("打139-1234-5678或+86 13812345678", "打[手机号]或[手机号]"),
        ("卡号6222 0212 3456 7890 123", "卡号[卡号]"),
        ("我80岁了，2026年，3个孩子，邮编046000", "我80岁了，2026年，3个孩子，邮编046000"),
    ],
)
def test_personal_numbers_are_masked(raw: str, masked: str) -> None:
    assert mask_numbers(raw) == masked


def test_stored_question_is_normalised_and_masked(store: Store) -> None:
    store.record_query(record("我叫王五，電話13912345678，身份證14040219800101123X", False))
    (row,) = store.rows("queries")
    assert row["question"] == "我叫[姓名] 电话[手机号] 身份证[身份证号]"


def test_no_raw_user_id_anywhere_in_the_database(store: Store, tmp_path: Path) -> None:
    store.record_query(record("幸福食堂", True, "elderly-canteens"))
    store.record_feedback(USER, "elderly-canteens", True, 1)
    store.set_region(USER, "潞州区")
    store.record_reload(USER, True, (1, 0, 0))
    store.close()
    files = [p for p in (tmp_path / "data").iterdir() if p.name.startswith("bot.db")]
    content = b"".join(p.read_bytes() for p in files)
    assert str(USER).encode() not in content
    assert Store(tmp_path / "data" / "bot.db", salt="test-salt").region_of(USER) == "潞州区"
    assert Store(tmp_path / "data" / "bot.db", salt="other-salt").region_of(USER) is None


def test_salt_generated_once_and_kept_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_HASH_SALT", raising=False)
    first = resolve_salt("", tmp_path)
    assert first == resolve_salt("", tmp_path) and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "hash_salt").st_mode) == 0o600
    monkeypatch.setenv("BOT_HASH_SALT", "from-env")
    assert resolve_salt("", tmp_path) == "from-env"
    assert resolve_salt("from-config", tmp_path) == "from-config"


def test_a_data_directory_that_cannot_be_made_means_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("BOT_HASH_SALT", raising=False)
    (tmp_path / "occupied").write_text("a file where the directory should be")
    assert open_store(tmp_path / "occupied" / "data" / "bot.db") is None
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "no database" in warning.getMessage() and "BOT_HASH_SALT" in warning.getMessage()


def test_retention_purges_old_rows(store: Store, clock: Clock) -> None:
    store.record_query(record("旧问题", False))
    store.record_feedback(USER, "x", False, 1)
    clock.now += dt.timedelta(days=100)
    store.record_query(record("新问题", False))
    clock.now += dt.timedelta(days=81)  # the first rows are now 181 days old
    assert store.purge_old() == 2
    assert [r["question"] for r in store.rows("queries")] == ["新问题"]


def test_forget_deletes_everything_about_one_person(store: Store) -> None:
    store.record_query(record("幸福食堂", True, "elderly-canteens"))
    store.record_query(record("别人的问题", False, user=5))
    store.record_feedback(USER, "elderly-canteens", True, 1)
    store.set_region(USER, "潞州区")
    assert store.forget(USER) == 3
    assert [r["question"] for r in store.rows("queries")] == ["别人的问题"]
    assert store.rows("feedback") == [] and store.region_of(USER) is None


def test_forgotten_questions_leave_no_bytes_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect = sqlite3.connect

    def default_off(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        # Many SQLite builds (not Debian's) do not overwrite deleted rows unless asked to.
        connection = connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete=OFF")
        return connection

    monkeypatch.setattr(sqlite3, "connect", default_off)
    store = Store(tmp_path / "bot.db", salt="s")
    secret = "我的低保证明丢了怎么补"
    store.record_query(record(secret, False))
    store.record_query(record("别人的问题", False, user=5))
    files = [store.path, store.path.with_name("bot.db-wal")]
    assert secret.encode() in b"".join(p.read_bytes() for p in files)
    assert store.forget(USER) == 1
    assert all(secret.encode() not in p.read_bytes() for p in files if p.exists())
    assert [r["question"] for r in store.rows("queries")] == ["别人的问题"]


def test_a_forget_failing_halfway_deletes_nothing(store: Store) -> None:
    store.record_query(record("幸福食堂", True, "elderly-canteens"))
    store.record_feedback(USER, "elderly-canteens", True, 1)
    saboteur = sqlite3.connect(store.path)  # the second delete (feedback) fails
    saboteur.execute(
        "CREATE TRIGGER no_delete BEFORE DELETE ON feedback BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    saboteur.commit()
    assert store.forget(USER) == -1
    store.health.paused_until = 0  # later, the rows can be read again
    assert [r["question"] for r in store.rows("queries")] == ["幸福食堂"]
    assert len(store.rows("feedback")) == 1


def test_feedback_only_on_ones_own_stored_question(store: Store) -> None:
    own = store.record_query(record("幸福食堂", True, "elderly-canteens"))
    other = store.record_query(record("就业岗位", True, "jobs", user=5))
    assert store.record_feedback(USER, "jobs", False, other) is False
    assert store.record_feedback(USER, "elderly-canteens", False, 999) is False
    assert store.record_feedback(USER, "elderly-canteens", False, None) is False
    assert store.record_feedback(USER, "elderly-canteens", False, own) is True
    assert [(r["query_id"], r["user_hash"]) for r in store.rows("feedback")] == [
        (own, store.user_hash(USER))
    ]
    assert store.totals(1).unhelpful == 1


def test_totals_on_a_known_fixture(store: Store, clock: Clock) -> None:
    store.record_query(record("一周前", True, "old-entry"))
    clock.now += dt.timedelta(days=3)
    for _ in range(3):
        store.record_query(record("幸福食堂", True, "elderly-canteens"))
    store.record_query(record("护照", False))
    store.record_feedback(USER, "elderly-canteens", True, 2)
    store.record_feedback(USER, "elderly-canteens", False, 3)
    today = store.totals(1)
    assert (today.questions, today.answered, today.helpful, today.unhelpful) == (4, 3, 1, 1)
    assert today.answer_rate == 0.75 and today.top_entries == [("elderly-canteens", 3)]
    week = store.totals(7)
    assert week.questions == 5 and week.top_entries[1] == ("old-entry", 1)
    assert week.top_categories == [("养老服务", 4)]


def test_unanswered_and_unhelpful_questions_are_grouped(store: Store, kb_dir: Path) -> None:
    for question in ["医保报销怎么弄", "医保报销咋弄", "医保报销怎么弄", "护照怎么补办"]:
        store.record_query(record(question, False))
    answered = store.record_query(record("幸福食堂在哪", True, "elderly-canteens"))
    store.record_feedback(USER, "elderly-canteens", False, answered)
    service = KnowledgeService(kb_dir, MatchingSettings(cutoff=2.0))
    groups = unanswered_groups(store, service, 7)
    assert [(g.count, g.sample) for g in groups] == [
        (3, "医保报销怎么弄"),
        (1, "幸福食堂在哪"),
        (1, "护照怎么补办"),
    ]
    assert groups[1].nearest == "幸福食堂"
    assert "3× 医保报销怎么弄 → " in unanswered_text(groups, 7)


def test_group_questions_keeps_different_questions_apart() -> None:
    groups = group_questions(["低保怎么申请", "低保如何申请", "驾照怎么换", "低保怎么申请"])
    assert [(g.count, g.sample) for g in groups] == [(3, "低保怎么申请"), (1, "驾照怎么换")]


def test_a_locked_database_never_stops_the_caller(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.busy_timeout = 0.05
    store.close()
    store._open()
    blocker = sqlite3.connect(store.path)
    blocker.execute("BEGIN EXCLUSIVE")
    assert store.record_query(record("幸福食堂", True, "elderly-canteens")) is None
    assert store.health.failures == 1 and "locked" in store.health.last_error
    assert "database insert into queries failed" in caplog.text
    assert store.record_query(record("又一个", False)) is None  # paused: no waiting
    assert store.health.failures == 1
    blocker.rollback()
    blocker.close()
    store.health.paused_until = 0  # later: the store retries
    assert store.record_query(record("恢复后", False)) is not None


def test_an_unopenable_database_degrades_to_no_memory(tmp_path: Path) -> None:
    (tmp_path / "bot.db").mkdir()  # a directory where the database file should be
    broken = Store(tmp_path / "bot.db", salt="s")
    assert broken.health.failures == 1
    assert broken.record_query(record("幸福食堂", False)) is None
    assert broken.totals(7).questions == 0 and broken.region_of(USER) is None


def test_a_deleted_database_directory_is_noticed_and_made_again(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store.record_query(record("删除之前", False))
    shutil.rmtree(tmp_path / "data")  # SQLite would go on writing into the deleted file
    assert store.record_query(record("删除之后", False)) is None
    assert not store.up and store.health.failures == 1
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "deleted or replaced" in error.getMessage()
    assert stats_text(store) == messages.STORE_UNAVAILABLE
    store.health.paused_until = 0  # later: the store opens a new database
    assert store.record_query(record("重新建库", False)) is not None
    assert store.up and store.path.exists()
    assert [r["question"] for r in store.rows("queries")] == ["重新建库"]
    assert "今天：问题 1 个" in stats_text(store)


def test_stats_say_the_database_is_unavailable_not_zero(store: Store) -> None:
    store.record_query(record("幸福食堂", True, "elderly-canteens"))
    assert "今天：问题 1 个" in stats_text(store)
    store.busy_timeout = 0.05
    store.close()
    store._open()
    blocker = sqlite3.connect(store.path)
    blocker.execute("BEGIN EXCLUSIVE")
    assert store.record_query(record("护照", False)) is None
    assert not store.probe()  # reads pause with the writes
    assert stats_text(store) == messages.STORE_UNAVAILABLE
    blocker.rollback()
    store.health.paused_until = 0
    assert store.probe() and "今天：问题 1 个" in stats_text(store)


def test_report_and_export_commands(
    tmp_path: Path, kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.db"
    store = open_store(db, salt="s")
    assert store is not None
    store.record_query(record("护照怎么补办", False))
    store.record_query(record("幸福食堂", True, "elderly-canteens"))
    store.close()
    common = ["--knowledge", str(kb_dir), "--db", str(db)]
    assert main(["report", *common, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["periods"]["1"]["questions"] == 2 and data["periods"]["1"]["answered"] == 1
    assert data["unanswered"] == [{"count": 1, "sample": "护照怎么补办", "nearest": None}]
    assert main(["report", *common]) == 0
    assert "今天：问题 2 个，回答率 50%" in capsys.readouterr().out
    out = tmp_path / "unanswered.csv"
    assert main(["export-unanswered", *common, "--csv", str(out)]) == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["count,sample,nearest_entry,questions", "1,护照怎么补办,,护照怎么补办"]
    assert main(["report", "--knowledge", str(kb_dir), "--db", str(tmp_path / "none.db")]) == 1
    assert "no database yet" in capsys.readouterr().err
    (tmp_path / "hash_salt").unlink()
    (tmp_path / "hash_salt").mkdir()  # the salt cannot be read: a clear error, no traceback
    assert main(["report", *common]) == 1
    assert "hashing salt beside the database cannot be read" in capsys.readouterr().err
