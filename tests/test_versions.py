"""Versions and rollback of the knowledge directory, and crash safety of every change."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.kbfiles import KEEP_VERSIONS, VersionStore, recover
from bot.loader import load_knowledge
from tests.conftest import ROOT


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def cli(kb: Path, *args: str) -> list[str]:
    return [*args, "--knowledge", str(kb), "--db", str(kb.parent / "data" / "bot.db")]


def edited_workbook(kb: Path, title: str, capsys: pytest.CaptureFixture[str]) -> Path:
    xlsx = kb.parent / f"{title}.xlsx"
    assert main(cli(kb, "kb", "export", str(xlsx))) == 0
    workbook = load_workbook(xlsx)
    workbook["条目"]["B2"] = title
    workbook.save(xlsx)
    capsys.readouterr()
    return xlsx


def test_imports_keep_versions_and_rollback_restores_one(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = snapshot(kb_dir)
    assert main(cli(kb_dir, "kb", "versions")) == 0
    assert "还没有保存的版本" in capsys.readouterr().out
    assert main(cli(kb_dir, "kb", "import", str(edited_workbook(kb_dir, "第一次", capsys)))) == 0
    after_first = snapshot(kb_dir)
    assert main(cli(kb_dir, "kb", "import", str(edited_workbook(kb_dir, "第二次", capsys)))) == 0
    capsys.readouterr()

    assert main(cli(kb_dir, "kb", "versions", "--json")) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["number"] for v in listed] == [1, 2]
    assert all(set(v) == {"number", "time", "added", "removed", "changed"} for v in listed)
    assert listed[0]["changed"] == 1 and listed[0]["added"] == 0
    assert listed[1]["time"] >= listed[0]["time"] and listed[1]["time"].endswith("Z")
    assert main(cli(kb_dir, "kb", "versions")) == 0
    text = capsys.readouterr().out
    assert "第 2 版" in text and "终端" in text and "+0 −0 ~1" in text

    assert main(cli(kb_dir, "kb", "rollback", "1", "--yes")) == 0
    out = capsys.readouterr().out
    assert "修改 1 条" in out and "已恢复到第 1 版" in out and "第 3 版" in out
    assert snapshot(kb_dir) == original
    assert main(cli(kb_dir, "kb", "rollback", "2", "--yes")) == 0
    assert snapshot(kb_dir) == after_first  # version 2 is the directory before the 2nd import
    assert [v.number for v in VersionStore(kb_dir.parent / "data/knowledge-versions").list()] == [
        1,
        2,
        3,
        4,
    ]
    assert main(cli(kb_dir, "kb", "rollback", "9", "--yes")) == 1
    assert "没有第 9 版" in capsys.readouterr().err


def test_rollback_asks_first(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(cli(kb_dir, "kb", "import", str(edited_workbook(kb_dir, "改过", capsys)))) == 0
    before = snapshot(kb_dir)
    for answer, code in (("n\n", 1), ("", 1), ("y\n", 0)):
        proc = subprocess.run(
            [sys.executable, "-m", "bot", *cli(kb_dir, "kb", "rollback", "1")],
            input=answer,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert proc.returncode == code, proc.stderr
        assert "确定要恢复吗" in proc.stdout
        if code:
            assert "没有恢复" in proc.stdout and snapshot(kb_dir) == before
    assert snapshot(kb_dir) != before


def test_the_last_twenty_versions_are_kept(tmp_path: Path, kb_dir: Path) -> None:
    store = VersionStore(tmp_path / "versions")
    for number in range(KEEP_VERSIONS + 2):
        copy = tmp_path / f"copy-{number}"
        copy.mkdir()
        (copy / "mark.txt").write_text(str(number), encoding="utf-8")
        store.keep(copy, (number, 0, 0), "terminal")
    kept = store.list()
    assert [v.number for v in kept] == list(range(3, KEEP_VERSIONS + 3))
    directory = store.directory_of(3)
    assert directory is not None and (directory / "mark.txt").read_text() == "2"
    assert store.directory_of(2) is None


def test_a_reload_of_edited_files_keeps_what_answered_before(tmp_path: Path, kb_dir: Path) -> None:
    store = VersionStore(tmp_path / "versions")
    assert not store.keep_live(kb_dir, (0, 0, 1), "abc")  # no live copy yet: nothing to keep
    store.snapshot(kb_dir)
    before = snapshot(kb_dir)
    elderly = kb_dir / "elderly.toml"
    elderly.write_text(elderly.read_text(encoding="utf-8").replace("幸福食堂", "幸福饭堂", 1))
    assert store.keep_live(kb_dir, (0, 0, 1), "abc")
    (version,) = store.list()
    assert version.who == "abc" and version.changed == 1
    kept = store.directory_of(version.number)
    assert kept is not None and snapshot(kept) == before
    assert not store.keep_live(kb_dir, (0, 0, 0), "abc")  # unchanged since: no new version


CRASH = """
import os, sys
import bot.kbfiles as kbfiles
from bot.cli import main
{patch}
sys.exit(main({argv!r}))
"""


def crash(argv: list[str], patch: str) -> subprocess.CompletedProcess[str]:
    code = CRASH.format(patch=textwrap.dedent(patch), argv=argv)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_a_crash_between_write_and_swap_leaves_the_old_directory(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(kb_dir)
    xlsx = edited_workbook(kb_dir, "崩溃之前", capsys)
    # The staging copy is fully written and validated; the process dies before the swap.
    proc = crash(
        cli(kb_dir, "kb", "import", str(xlsx)),
        "kbfiles.swap_directories = lambda staged, directory: os._exit(9)",
    )
    assert proc.returncode == 9, proc.stderr
    assert snapshot(kb_dir) == before
    leftovers = [p for p in kb_dir.parent.iterdir() if ".staging-" in p.name]
    assert leftovers  # the written copy, never swapped in
    assert main(cli(kb_dir, "kb", "import", str(xlsx), "--dry-run")) == 0
    assert not [p for p in kb_dir.parent.iterdir() if ".staging-" in p.name]  # cleaned up


def test_a_crash_after_the_swap_leaves_the_new_directory(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = edited_workbook(kb_dir, "崩溃之后", capsys)
    proc = crash(
        cli(kb_dir, "kb", "import", str(xlsx)),
        "kbfiles.VersionStore.keep = lambda *args: os._exit(9)",
    )
    assert proc.returncode == 9, proc.stderr
    titles = [entry.title for entry in load_knowledge(kb_dir).entries]
    assert "崩溃之后" in titles  # complete and valid


def test_without_an_atomic_exchange_a_crash_between_the_renames_is_repaired(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(kb_dir)
    xlsx = edited_workbook(kb_dir, "两次改名", capsys)
    # No renameat2 (another OS): the directory is renamed aside, then the process dies before
    # the staging copy takes its place.
    proc = crash(
        cli(kb_dir, "kb", "import", str(xlsx)),
        """
        import pathlib
        def no_libc(*args, **kwargs):
            raise OSError("no libc")
        kbfiles.ctypes.CDLL = no_libc
        renames = []
        original = pathlib.Path.rename
        def rename(self, target):
            renames.append(self)
            if len(renames) == 2:
                os._exit(9)
            return original(self, target)
        pathlib.Path.rename = rename
        """,
    )
    assert proc.returncode == 9, proc.stderr
    assert not kb_dir.exists()
    recover(kb_dir)
    assert snapshot(kb_dir) == before


def test_an_unwritable_data_directory_does_not_undo_the_change(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = edited_workbook(kb_dir, "数据目录坏了", capsys)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    argv = ["kb", "import", str(xlsx), "--knowledge", str(kb_dir), "--db", str(blocker / "bot.db")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "原来的版本没能保存" in out and "修改 1 条" in out
    assert "数据目录坏了" in [entry.title for entry in load_knowledge(kb_dir).entries]
