"""The command line: JSON shape, batch alignment, validate, and no tracebacks on bad input."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from tests.conftest import ROOT, write_knowledge

ANSWER_KEYS = {"id", "kind", "title", "category", "region", "excerpt", "source", "score"}


def run_cli(
    *args: str, stdin: str | bytes = "", cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args], input=data, capture_output=True, cwd=cwd, timeout=120
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


def test_every_command_has_a_handler() -> None:
    """Each sub-command's parser names the function ``main`` dispatches to."""
    parsers = [build_parser()]
    leaves = []
    while parsers:
        parser = parsers.pop()
        nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            parsers += nested[0].choices.values()
        else:
            leaves.append(parser)
    assert len(leaves) == 15
    assert all(callable(leaf.get_default("handler")) for leaf in leaves), [
        leaf.prog for leaf in leaves if not callable(leaf.get_default("handler"))
    ]


def test_ask_json_shape(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--knowledge", str(kb_dir), "--json", "幸福食堂"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    data = json.loads(out)
    assert set(data) == {"query", "answered", "answers", "suggestions", "missing_detail"}
    assert data["query"] == "幸福食堂" and data["answered"] is True
    assert 1 <= len(data["answers"]) <= 3
    first = data["answers"][0]
    assert set(first) == ANSWER_KEYS
    assert set(first["source"]) == {"id", "title", "publisher", "date"}
    assert first["id"] == "elderly-canteens" and isinstance(first["score"], float)
    assert first["kind"] == "entry" and data["missing_detail"] is None


def test_batch_keeps_order_and_junk_lines(kb_dir: Path) -> None:
    lines = ["幸福食堂", "", "   ", "!!!", "\x01\x02", "襄垣就业岗位", "😀😀"]
    stdin = "\n".join(lines).encode("utf-8") + b"\n\xff\xfe bad bytes\n"
    proc = run_cli("ask", "--knowledge", str(kb_dir), "--json", "--batch", "-", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == len(lines) + 1
    assert [r["answered"] for r in rows] == [True, False, False, False, False, True, False, False]
    assert rows[0]["answers"][0]["id"] == "elderly-canteens"
    assert rows[5]["answers"][0]["id"] == "jobs-xiangyuan"
    assert rows[1]["query"] == ""


def test_batch_of_ten_thousand_lines(kb_dir: Path, tmp_path: Path) -> None:
    questions = ["幸福食堂", "", "就业岗位在哪", "护照"] * 2500
    batch = tmp_path / "batch.txt"
    batch.write_text("\n".join(questions) + "\n", encoding="utf-8")
    proc = run_cli("ask", "--knowledge", str(kb_dir), "--json", "--batch", str(batch))
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()
    assert len(rows) == 10_000
    assert [json.loads(r)["query"] for r in rows[:4]] == questions[:4]


def test_ask_text_and_explain(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--knowledge", str(kb_dir), "幸福食堂"]) == 0
    text = capsys.readouterr().out
    assert "【幸福食堂】" in text and "来源：测试日报 · 2024年3月5日\n      《测试文章甲》" in text
    assert "地区：长治市" in text
    assert main(["ask", "--knowledge", str(kb_dir), "--explain", "长者吃饭 襄垣"]) == 0
    explained = capsys.readouterr().out
    assert "长者→老年人" in explained
    assert "region:      襄垣县 (from the question)" in explained
    assert "rules fired: 老年人 吃饭" in explained
    assert "cut-off:" in explained and "verdict:" in explained


def test_not_answered_text_lists_categories(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--knowledge", str(kb_dir), "护照怎么办"]) == 0
    text = capsys.readouterr().out
    assert "没有找到可靠的答案" in text and "养老服务、社会保险、就业创业、农业与补偿" in text


def test_validate_ok_and_problems(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(kb_dir)]) == 0
    assert "OK, 6 entries" in capsys.readouterr().out
    broken = write_knowledge(
        tmp_path / "broken",
        {"jobs.toml": '[[entries]]\nid = "x"\ntitle = "t"\n', "elderly.toml": "[[entries]\n"},
    )
    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "elderly.toml:1:" in err
    assert 'jobs.toml: entry "x": category: required field is missing' in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ask", "--knowledge", "/nonexistent/kb", "x"],
            "/nonexistent/kb: knowledge directory not found",
        ),
        (["validate", "/nonexistent/kb"], "/nonexistent/kb: knowledge directory not found"),
        (["ask", "--config", "/nonexistent/config.toml", "x"], "config file not found"),
        (["ask", "--json", "--batch", "/nonexistent/q.txt"], "cannot read batch file"),
    ],
)
def test_bad_input_gives_one_line_not_a_traceback(args: list[str], message: str) -> None:
    proc = run_cli(*args)
    assert proc.returncode in (1, 2)
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_empty_and_huge_questions(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 100 kB of text is more than one command-line argument may hold, so call main() directly.
    for question in ["", "养" * 100_000]:
        assert main(["ask", "--knowledge", str(kb_dir), "--json", question]) == 0
        assert json.loads(capsys.readouterr().out)["answered"] is False


def test_chat_console(kb_dir: Path) -> None:
    proc = run_cli("chat", "--knowledge", str(kb_dir), stdin="幸福食堂\n\n护照\n退出\n幸福食堂\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("【幸福食堂】") == 1  # nothing is answered after 退出
    assert "没有找到可靠的答案" in proc.stdout and "再见" in proc.stdout


def test_default_command_is_chat_on_the_shipped_knowledge(tmp_path: Path) -> None:
    proc = run_cli(stdin="")
    assert proc.returncode == 0, proc.stderr
    assert "民生政策问答助手" in proc.stdout


def test_config_env_and_relative_knowledge_dir(tmp_path: Path) -> None:
    write_knowledge(tmp_path / "kb")
    (tmp_path / "bot.toml").write_text('[knowledge]\ndir = "kb"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "validate"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"BOT_CONFIG": str(tmp_path / "bot.toml"), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{tmp_path / 'kb'}: OK" in proc.stdout


def test_explain_shows_the_field_hits(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--knowledge", str(kb_dir), "--explain", "居家适老化改造"]) == 0
    out = capsys.readouterr().out
    assert "[entry] home-renovation" in out
    assert "keyword rule" in out and "text, field tf" in out


def test_kb_lint_lists_uncurated_passages(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (kb_dir / "articles" / "a.txt").write_text(
        "扩容提质幸福食堂与配餐点。推进居家适老化改造。\n"
        "全市新建幸福食堂配餐点三十个，老年人就餐享受优惠，覆盖城乡社区。",
        encoding="utf-8",
    )
    # Eight documents give every word a small idf: cut-offs for a knowledge base that small.
    config = kb_dir.parent / "small.toml"
    config.write_text("[matching]\ncutoff = 2.0\npassage_cutoff = 2.0\n", encoding="utf-8")
    args = ["kb", "lint", "--config", str(config), "--knowledge", str(kb_dir), "--passages"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert 'passage "src-a#2" answers' in out


def test_a_knowledge_file_nested_too_deep_stops_validate_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = write_knowledge(tmp_path / "kb", {"jobs.toml": "x = " + "[" * 3000 + "]" * 3000})
    proc = run_cli("validate", str(kb))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{kb / 'jobs.toml'}: nested too deeply to read" in proc.stderr
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:TEST")  # it must refuse before connecting
    proc = run_cli("run", "--knowledge", str(kb))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{kb / 'jobs.toml'}: nested too deeply to read" in proc.stderr


def test_the_configured_file_size_limit_stops_validate_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = write_knowledge(tmp_path / "kb")
    with (kb / "jobs.toml").open("ab") as grown:
        grown.truncate(768 * 1024)
    config = tmp_path / "bot.toml"
    config.write_text('[knowledge]\ndir = "kb"\nmax_file_mb = 0.5\n', encoding="utf-8")
    expected = f"{kb / 'jobs.toml'}: file too large (0.75 MB; at most 0.5 MB"
    proc = run_cli("validate", "--config", str(config))
    assert proc.returncode == 1 and expected in proc.stderr
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:TEST")  # it must refuse before connecting
    proc = run_cli("run", "--config", str(config))
    assert proc.returncode == 1 and expected in proc.stderr
