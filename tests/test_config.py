"""Configuration: the file, its defaults, and the environment variables that win over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_CONFIG", "TELEGRAM_BOT_TOKEN", "BOT_ADMIN_IDS", "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert config.telegram.token == "" and config.telegram.admins == []
    assert (
        config.matching.cutoff == 5.0
        and config.matching.passage_cutoff == 5.0
        and config.storage.retention_days == 180
    )


def test_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[telegram]\ntoken = "from-file"\nadmins = [1]\n[storage]\npath = "db/x.db"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ENV")
    monkeypatch.setenv("BOT_ADMIN_IDS", "7, 8")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s")
    config = load_config(str(path))
    assert config.telegram.token == "123:ENV" and config.telegram.admins == [7, 8]
    assert config.telegram.webhook.secret_token == "s"
    assert config.storage.path == tmp_path / "db" / "x.db"  # relative to the file
    assert "123:ENV" not in repr(config)  # secrets never appear in a repr (or a log)


def test_bad_admin_ids_and_bad_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ADMIN_IDS", "alice")
    (tmp_path / "ok.toml").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="BOT_ADMIN_IDS: expected comma-separated numeric"):
        load_config(str(tmp_path / "ok.toml"))
    monkeypatch.delenv("BOT_ADMIN_IDS")
    (tmp_path / "bad.toml").write_text("[matching]\ncutoff = -1\ncolour = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(tmp_path / "bad.toml"))
    assert "matching.cutoff" in str(caught.value) and "matching.colour" in str(caught.value)
    (tmp_path / "broken.toml").write_text("[matching\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML syntax error"):
        load_config(str(tmp_path / "broken.toml"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(str(tmp_path / "nowhere.toml"))


def test_a_config_nested_too_deep_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "deep.toml").write_text("x = " + "[" * 3000 + "]" * 3000, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"deep\.toml: nested too deeply to read"):
        load_config(str(tmp_path / "deep.toml"))


def test_the_knowledge_file_size_limit(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("[knowledge]\nmax_file_mb = 0.5\n", encoding="utf-8")
    assert load_config(str(tmp_path / "c.toml")).knowledge.max_file_bytes == 512 * 1024
    (tmp_path / "d.toml").write_text("", encoding="utf-8")
    assert load_config(str(tmp_path / "d.toml")).knowledge.max_file_bytes == 5 * 1024 * 1024
    (tmp_path / "e.toml").write_text("[knowledge]\nmax_file_mb = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"knowledge\.max_file_mb"):
        load_config(str(tmp_path / "e.toml"))
