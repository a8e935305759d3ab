"""The import rule: the core never loads Telegram; the shipped knowledge validates."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys

from bot.loader import load_knowledge
from tests.conftest import ROOT


def imported_modules(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


FRONT_ENDS_AND_TOOLS = ("handlers", "benchmarks", "testing", "tests", "scripts")
# The only imports of the outer packages the core has: lazy, inside the command that needs them.
LAZY_ENTRIES = {"run_command": "handlers", "bench_command": "benchmarks"}


def _outer(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in FRONT_ENDS_AND_TOOLS else None


def test_core_never_imports_telegram_the_front_ends_or_the_tools() -> None:
    for path in sorted((ROOT / "bot").glob("*.py")):
        modules = imported_modules(str(path.relative_to(ROOT)))
        assert not any(m == "telegram" or m.startswith("telegram.") for m in modules), path
        if path.name != "cli.py":
            assert not any(_outer(m) for m in modules), path


def test_core_never_names_an_outer_module_in_a_string() -> None:
    """``python -m handlers.bench`` started by string was an import the test above cannot see."""
    for path in sorted((ROOT / "bot").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for word in node.value.split():
                    assert not _outer(word) or "." not in word, (path, node.value)


def test_the_cli_imports_outer_packages_only_lazily_in_their_commands() -> None:
    tree = ast.parse((ROOT / "bot" / "cli.py").read_text(encoding="utf-8"))
    importers = {
        (function.name, outer)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.ImportFrom) and (outer := _outer(node.module or ""))
    }
    top_level = [
        node
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and any(_outer(name) for name in _names(node))
    ]
    assert importers == set(LAZY_ENTRIES.items()) and not top_level


def _names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names]


def test_handlers_never_import_the_tools() -> None:
    for path in sorted((ROOT / "handlers").glob("*.py")):
        modules = imported_modules(str(path.relative_to(ROOT)))
        assert not any(_outer(m) not in (None, "handlers") for m in modules), path


def test_every_command_is_documented_in_the_readme() -> None:
    from bot.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in commands.choices:
        assert f"| `{name}" in readme, f"command {name} is missing from README's CLI reference"
    assert "| `kb test`" in readme and "| `kb lint`" in readme


def test_ask_chat_validate_do_not_load_telegram() -> None:
    for command in (["ask", "--json", "幸福食堂"], ["validate"], ["chat"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "bot", *command],
            input="",
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
        assert "bot.service" in imported or command == ["validate"]
        assert not {m for m in imported if m.split(".")[0] in ("telegram", "handlers")}, command


def test_shipped_knowledge_validates() -> None:
    knowledge = load_knowledge(ROOT / "knowledge")
    assert len(knowledge.entries) >= 20
    assert {"养老服务", "医疗卫生", "就业创业"} <= set(knowledge.categories())


def test_the_cli_docstring_names_every_command() -> None:
    import bot.cli
    from bot.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    doc = bot.cli.__doc__ or ""
    for name, sub in commands.choices.items():
        nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        names = [f"{name} {child}" for child in nested[0].choices] if nested else [name]
        for full in names:
            assert f"``{full}``" in doc, f"bot/cli.py's docstring does not name {full}"


def test_no_default_path_points_outside_the_repository() -> None:
    source = (ROOT / "bot" / "cli.py").read_text(encoding="utf-8")
    assert "parent.parent.parent" not in source and "shared/eval" not in source
