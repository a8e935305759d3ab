"""Command line: ``python -m bot <command>`` (the same as ``bot <command>``).

Commands: ``ask``, ``chat`` (the default), ``run``, ``report``, ``export-unanswered``, ``bench``,
``validate``, ``kb test``, ``kb lint``. Every command
takes ``--config`` and ``--knowledge`` after its name. Errors become one-line messages, never
tracebacks.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot import messages
from bot.config import Config, load_config
from bot.errors import BotError, ConfigError, KnowledgeError
from bot.loader import load_knowledge
from bot.logsetup import configure_logging
from bot.render import render_answer, render_explanation
from bot.service import KnowledgeService

# Commands import what only they need (storage, reports, kb tools, bench), so that `ask`
# starts fast.
if TYPE_CHECKING:
    from bot.storage import Store

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
CONSOLE = "console"  # the console chat's one conversation key
DEV_QUESTIONS = Path(__file__).resolve().parent.parent.parent / "shared/eval/dev_questions.jsonl"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="config file (default ./config.toml or $BOT_CONFIG)")
    common.add_argument("--knowledge", help="knowledge directory (default: from the config)")

    parser = argparse.ArgumentParser(
        prog="bot", description="Livelihood-measures inquiry bot: console front end."
    )
    commands = parser.add_subparsers(dest="command", metavar="command")

    ask = commands.add_parser("ask", parents=[common], help="answer one question or a batch")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--batch", metavar="FILE", help="one question per line; '-' for stdin")
    ask.add_argument("--explain", action="store_true", help="show why the question matched")
    ask.add_argument("--region", help="rank this region's entries first (a resident's choice)")
    ask.add_argument(
        "--context",
        metavar="PREVIOUS",
        help="read the question as a follow-up of this previous question (not with --batch)",
    )

    commands.add_parser("chat", parents=[common], help="interactive console conversation")

    run = commands.add_parser("run", parents=[common], help="run the Telegram bot")
    run.add_argument("--base-url", help="Bot API base URL, e.g. http://127.0.0.1:8081/bot")
    run.add_argument("--db", help="SQLite database (default: storage.path in the config)")

    report = commands.add_parser("report", parents=[common], help="usage statistics")
    report.add_argument("--days", type=float, default=7, help="period for unanswered questions")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument("--db", help="SQLite database (default: storage.path in the config)")

    export = commands.add_parser(
        "export-unanswered", parents=[common], help="unanswered questions, grouped, as CSV"
    )
    export.add_argument(
        "--csv", required=True, metavar="FILE", help="where to write ('-' = stdout)"
    )
    export.add_argument("--days", type=float, default=30, help="period (default 30 days)")
    export.add_argument("--db", help="SQLite database (default: storage.path in the config)")

    validate = commands.add_parser(
        "validate", parents=[common], help="check the knowledge directory"
    )
    validate.add_argument("directory", nargs="?", help="knowledge directory to check")

    bench = commands.add_parser("bench", parents=[common], help="performance benchmark")
    bench.add_argument(
        "--sizes", default="1000,10000,100000", help="synthetic knowledge sizes (comma-separated)"
    )
    bench.add_argument("--questions", type=int, default=1000, help="size of the question mix")
    bench.add_argument(
        "--question-file",
        default=str(DEV_QUESTIONS),
        help="seed questions, JSONL with a 'q' field (default: the development set); "
        "without it the knowledge base's example questions are used",
    )
    bench.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    bench.add_argument("--plot", metavar="PNG", help="also draw p99 against size (matplotlib)")

    kb = commands.add_parser("kb", help="the clerk's tools: kb test, kb lint")
    kb_commands = kb.add_subparsers(dest="kb_command", metavar="kb-command", required=True)
    kb_commands.add_parser(
        "test", parents=[common], help="every example question must retrieve its own entry"
    )
    kb_lint = kb_commands.add_parser(
        "lint", parents=[common], help="advisory checks of the knowledge"
    )
    kb_lint.add_argument(
        "--passages",
        action="store_true",
        help="list passages that answer example questions but belong to no entry",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    configure_logging()
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            # The default: the Telegram bot when a token is configured, else the console chat.
            command = "run" if load_config(None).telegram.token else "chat"
            args = build_parser().parse_args([command])
        command = args.command
        config = load_config(args.config)
        if args.knowledge:
            config.knowledge.dir = Path(args.knowledge)
        if command == "validate":
            return validate_command(config, args.directory)
        if command == "ask":
            return ask_command(config, args)
        if command == "kb":
            return kb_command(config, args.kb_command, getattr(args, "passages", False))
        if getattr(args, "db", None):
            config.storage.path = Path(args.db)
        if command == "run":
            return run_command(config, args)
        if command == "report":
            return report_command(config, args)
        if command == "bench":
            return bench_command(config, args)
        if command == "export-unanswered":
            return export_command(config, args)
        return chat_command(config)
    except KnowledgeError as exc:
        print(f"The knowledge base has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


def run_command(config: Config, args: argparse.Namespace) -> int:
    """Start the Telegram bot (the only command that loads Telegram code)."""
    if args.base_url:
        config.telegram.base_url = args.base_url
    secrets = [config.telegram.token, config.telegram.webhook.secret_token, config.storage.salt]
    configure_logging("INFO", secrets)
    from handlers.app import run  # lazy: ask, chat and validate never import Telegram

    return run(config)


def bench_command(config: Config, args: argparse.Namespace) -> int:
    """Run the benchmark and print its table (or JSON); see docs/benchmarks.md."""
    try:
        import rank_bm25  # noqa: F401  (a baseline, installed with the [bench] extra)
    except ImportError as exc:
        raise BotError("bench needs the baselines: pip install -e '.[bench]'") from exc
    from bot.bench import question_mix, run_benchmark, telegram_throughput
    from bot.benchreport import benchmark_table, plot_p99

    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    dev = _seed_questions(Path(args.question_file), config)
    results = run_benchmark(config.knowledge.dir, dev, sizes, args.questions)
    articles = "".join(
        p.read_text(encoding="utf-8") for p in (config.knowledge.dir / "articles").glob("*")
    )
    results["telegram"] = telegram_throughput(
        question_mix(dev, 2000, articles), config.knowledge.dir, args.config
    )
    if args.plot:
        plot_p99(results, Path(args.plot))
    print(json.dumps(results, ensure_ascii=False) if args.json else benchmark_table(results))
    return EXIT_OK


def _seed_questions(path: Path, config: Config) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["q"] for line in lines if line.strip()]
    except (OSError, ValueError, KeyError):
        knowledge = load_knowledge(config.knowledge.dir, config.knowledge.max_file_bytes)
        return [q for entry in knowledge.entries for q in entry.questions]


def report_command(config: Config, args: argparse.Namespace) -> int:
    """Totals of today and the last 7 days, and the unanswered questions of ``--days``."""
    from bot.report import PERIODS, stats_text, unanswered_groups, unanswered_text

    store = _existing_store(config)
    service = KnowledgeService.from_config(config)
    groups = unanswered_groups(store, service, args.days)
    if args.json:
        payload = {
            "periods": {str(days): asdict(store.totals(days)) for days in PERIODS.values()},
            "unanswered_days": args.days,
            "unanswered": [
                {"count": g.count, "sample": g.sample, "nearest": g.nearest} for g in groups
            ],
            "database_failures": store.health.failures,
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(stats_text(store))
        print()
        print(unanswered_text(groups, args.days))
    store.close()
    return EXIT_OK


def export_command(config: Config, args: argparse.Namespace) -> int:
    """Unanswered question groups as CSV: count, sample, nearest entry, all wordings."""
    from bot.report import unanswered_groups

    store = _existing_store(config)
    service = KnowledgeService.from_config(config)
    groups = unanswered_groups(store, service, args.days)
    store.close()
    rows = [
        [g.count, g.sample, g.nearest or "", " | ".join(dict.fromkeys(g.questions))] for g in groups
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["count", "sample", "nearest_entry", "questions"])
    writer.writerows(rows)
    if args.csv == "-":
        sys.stdout.write(buffer.getvalue())
        return EXIT_OK
    try:
        # utf-8-sig: the byte-order mark makes spreadsheet programs read the Chinese correctly.
        Path(args.csv).write_text(buffer.getvalue(), encoding="utf-8-sig")
    except OSError as exc:
        raise BotError(f"{args.csv}: cannot write: {exc.strerror or exc}") from exc
    print(f"{args.csv}: {len(rows)} groups", file=sys.stderr)
    return EXIT_OK


def _existing_store(config: Config) -> Store:
    from bot.storage import open_store

    path = config.storage.path
    if not path.exists():
        raise BotError(f"{path}: no database yet (it is created when the bot first runs)")
    store = open_store(path, salt=config.storage.salt, retention_days=config.storage.retention_days)
    if store is None:
        raise BotError(f"{path}: the hashing salt beside the database cannot be read")
    return store


def validate_command(config: Config, directory: str | None) -> int:
    """Check a knowledge directory; print a summary or every problem."""
    path = Path(directory) if directory else config.knowledge.dir
    knowledge = load_knowledge(path, config.knowledge.max_file_bytes)
    per_category = Counter(entry.category for entry in knowledge.entries)
    print(f"{path}: OK, {len(knowledge.entries)} entries")
    for category, count in per_category.items():
        print(f"  {category}: {count}")
    print(
        f"  sources: {len(knowledge.sources)}, synonym groups: {len(knowledge.synonym_groups)}, "
        f"regions: {len(knowledge.regions)}"
    )
    return EXIT_OK


def kb_command(config: Config, action: str, passages: bool = False) -> int:
    """``kb test``: exit 1 when an example question misses; ``kb lint``: warnings, exit 0;
    ``kb lint --passages``: the uncurated passages that answer example questions."""
    from bot.kbcheck import lint, run_examples, uncurated_passages

    service = KnowledgeService.from_config(config)
    if action == "test":
        total, failures = run_examples(service)
        for failure in failures:
            print(failure.describe())
        print(f"{total} example questions, {total - len(failures)} passed, {len(failures)} failed")
        return EXIT_PROBLEMS if failures else EXIT_OK
    if passages:
        for line in uncurated_passages(service):
            print(line)
        return EXIT_OK
    warnings = lint(service)
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"{len(warnings)} warning(s); they never block loading")
    return EXIT_OK


def ask_command(config: Config, args: argparse.Namespace) -> int:
    """Answer a question, or a batch of them, as text, JSON or an explanation."""
    if args.batch is None and args.question is None:
        print('error: give a question, e.g. bot ask "老人食堂", or --batch FILE', file=sys.stderr)
        return EXIT_USAGE
    if args.context is not None and args.batch is not None:
        print("error: --context reads one follow-up; --batch stays stateless", file=sys.stderr)
        return EXIT_USAGE
    service = KnowledgeService.from_config(config)
    if args.context is not None:
        return _ask_in_context(service, config, args)
    questions = _batch_lines(args.batch) if args.batch is not None else iter([args.question])
    out = sys.stdout
    for question in questions:
        if args.explain:
            result = service.explain(question, region=args.region)
            out.write(render_explanation(result, service.index) + "\n")
        elif args.json:
            answer = service.ask(question, region=args.region)
            out.write(json.dumps(answer.model_dump(), ensure_ascii=False) + "\n")
        else:
            answer = service.ask(question, region=args.region)
            text = render_answer(answer, service.categories(), config.messages.no_answer)
            out.write(text + "\n\n")
    out.flush()
    return EXIT_OK


def _ask_in_context(service: KnowledgeService, config: Config, args: argparse.Namespace) -> int:
    """``ask --context PREVIOUS``: answer PREVIOUS, then the question as its follow-up."""
    from bot.conversation import answer_in_context, next_turn

    previous = next_turn(service.ask(args.context, region=args.region), None)
    answer = answer_in_context(service, args.question, previous, region=args.region)
    if args.json:
        payload = answer.model_dump()
        payload["followup"] = answer.followup
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(render_answer(answer, service.categories(), config.messages.no_answer) + "\n")
    return EXIT_OK


def _batch_lines(name: str) -> Iterator[str]:
    """Lines of a batch file (``-`` = stdin), decoded leniently so a bad byte never stops it."""
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise BotError(f"{name}: cannot read batch file: {exc.strerror or exc}") from exc
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        yield line.removesuffix("\r")


def chat_command(config: Config, stdin: TextIO | None = None) -> int:
    """Interactive console conversation over the same core as the Telegram bot."""
    from bot.conversation import ConversationMemory, answer_in_context, next_turn
    from bot.smalltalk import classify

    service = KnowledgeService.from_config(config)
    # The console is one conversation: the same follow-up state as a Telegram chat.
    memory = ConversationMemory(config.conversation.timeout_minutes * 60)
    stdin = stdin or sys.stdin
    interactive = stdin.isatty()
    print(messages.CHAT_GREETING)
    while True:
        if interactive:
            print(messages.CHAT_PROMPT, end="", flush=True)
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            line = ""
        if not line:
            break
        question = line.strip()
        if question.lower() in messages.CHAT_EXIT_WORDS:
            break
        if not question:
            print(messages.EMPTY_QUESTION)
            continue
        talk = classify(question)
        if talk is not None:
            print(messages.SMALL_TALK[talk] + "\n")
            continue
        previous = memory.get(CONSOLE)
        answer = answer_in_context(service, question, previous)
        turn = next_turn(answer, previous)
        if turn is None:
            memory.forget(CONSOLE)
        else:
            memory.remember(CONSOLE, turn)
        print(render_answer(answer, service.categories(), config.messages.no_answer) + "\n")
    print(messages.CHAT_GOODBYE)
    return EXIT_OK
