"""Command line: ``python -m bot <command>`` (the same as ``bot <command>``).

Commands: ``ask``, ``chat`` (the default), ``run``, ``report``, ``export-unanswered``, ``bench``,
``validate``, ``kb test``, ``kb lint``, ``kb export``, ``kb import``, ``kb versions``,
``kb rollback``, ``kb add-source``, ``kb draft`` (tests/test_architecture.py checks this list
against the parser). Every command takes ``--config`` and ``--knowledge`` after its name.
Errors become one-line messages, never tracebacks.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

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
UNANSWERED_DAYS = 30  # the 未回答 sheet of an exported workbook
CONSOLE = "console"  # the console chat's one conversation key
# What a sub-command runs: the loaded configuration and the parsed arguments to an exit status.
Handler = Callable[[Config, argparse.Namespace], int]


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
    ask.set_defaults(handler=ask_command)

    chat = commands.add_parser("chat", parents=[common], help="interactive console conversation")
    chat.set_defaults(handler=_console_chat)

    run = commands.add_parser("run", parents=[common], help="run the Telegram bot")
    run.add_argument("--base-url", help="Bot API base URL, e.g. http://127.0.0.1:8081/bot")
    run.add_argument("--db", help="SQLite database (default: storage.path in the config)")
    run.set_defaults(handler=run_command)

    report = commands.add_parser("report", parents=[common], help="usage statistics")
    report.add_argument("--days", type=float, default=7, help="period for unanswered questions")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument("--db", help="SQLite database (default: storage.path in the config)")
    report.set_defaults(handler=report_command)

    export = commands.add_parser(
        "export-unanswered", parents=[common], help="unanswered questions, grouped, as CSV"
    )
    export.add_argument(
        "--csv", required=True, metavar="FILE", help="where to write ('-' = stdout)"
    )
    export.add_argument("--days", type=float, default=30, help="period (default 30 days)")
    export.add_argument("--db", help="SQLite database (default: storage.path in the config)")
    export.set_defaults(handler=export_command)

    validate = commands.add_parser(
        "validate", parents=[common], help="check the knowledge directory"
    )
    validate.add_argument("directory", nargs="?", help="knowledge directory to check")
    validate.set_defaults(handler=validate_command)

    bench = commands.add_parser("bench", parents=[common], help="performance benchmark")
    bench.add_argument(
        "--sizes", default="1000,10000,100000", help="synthetic knowledge sizes (comma-separated)"
    )
    bench.add_argument("--questions", type=int, default=1000, help="size of the question mix")
    bench.add_argument(
        "--question-file",
        help="seed questions, JSONL with a 'q' field (docs/benchmarks.md uses the development "
        "set); without it, or if unreadable, the knowledge base's example questions",
    )
    bench.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    bench.add_argument("--plot", metavar="PNG", help="also draw p99 against size (matplotlib)")
    bench.set_defaults(handler=bench_command)

    kb = commands.add_parser(
        "kb",
        help="the clerk's tools: test, lint, export, import, versions, rollback, add-source, draft",
    )
    kb_commands = kb.add_subparsers(metavar="kb-command", required=True)
    kb_test = kb_commands.add_parser(
        "test", parents=[common], help="every example question must retrieve its own entry"
    )
    kb_test.set_defaults(handler=kb_test_command)
    kb_lint = kb_commands.add_parser(
        "lint", parents=[common], help="advisory checks of the knowledge"
    )
    kb_lint.add_argument(
        "--passages",
        action="store_true",
        help="list passages that answer example questions but belong to no entry",
    )
    kb_lint.set_defaults(handler=kb_lint_command)
    add_source_parsers(kb_commands, common)
    add_sheet_commands(kb_commands, common)
    return parser


def add_source_parsers(
    kb_commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:  # type: ignore[type-arg]
    """``kb add-source`` and ``kb draft``: a new source document, and rows for new entries."""
    add = kb_commands.add_parser(
        "add-source", parents=[common], help="add a source document (.txt, .docx, .pdf)"
    )
    add.add_argument("file", help="the document")
    add.add_argument("--title", required=True, help="its title, as the document gives it")
    add.add_argument("--publisher", required=True, help="who published it")
    add.add_argument(
        "--date",
        required=True,
        help="what the document states: YYYY, YYYY-MM, YYYY-MM-DD, --MM-DD (write it as "
        '--date=--MM-DD), or "" if it states none',
    )
    add.add_argument("--region", help="the region it is about (a name in regions.toml)")
    add.add_argument("--id", dest="source_id", help="source id (default: doc-<hash of the text>)")
    add.set_defaults(handler=add_source_command)
    draft = kb_commands.add_parser(
        "draft", parents=[common], help="a source's passages as rows of new entries (.xlsx)"
    )
    draft.add_argument("source_id", metavar="SOURCE_ID", help="the source (its id)")
    draft.add_argument("--out", metavar="FILE.xlsx", help="default: draft-SOURCE_ID.xlsx")
    draft.add_argument("--db", help="SQLite database (default: storage.path in the config)")
    draft.add_argument(
        "--days", type=float, default=180, help="unanswered questions of this period (180)"
    )
    draft.set_defaults(handler=draft_command)


def add_sheet_commands(kb_commands: Any, common: argparse.ArgumentParser) -> None:
    """``kb export FILE.xlsx``, ``kb import FILE.xlsx [--dry-run]``, ``kb versions [--json]``
    and ``kb rollback N [--yes]``."""
    export = kb_commands.add_parser(
        "export", parents=[common], help="write the knowledge base as a workbook (.xlsx)"
    )
    export.add_argument("file", metavar="FILE.xlsx", help="the workbook to write")
    export.add_argument("--db", help="SQLite database (default: storage.path in the config)")
    export.set_defaults(handler=kb_export_command)
    import_ = kb_commands.add_parser(
        "import", parents=[common], help="update the knowledge base from a workbook"
    )
    import_.add_argument("file", metavar="FILE.xlsx", help="the workbook to read")
    import_.add_argument(
        "--dry-run", action="store_true", help="check and show the changes, write nothing"
    )
    import_.add_argument("--db", help="SQLite database (its directory keeps the versions)")
    import_.set_defaults(handler=kb_import_command)
    versions = kb_commands.add_parser(
        "versions", parents=[common], help="the kept earlier versions of the knowledge"
    )
    versions.add_argument("--json", action="store_true", help="print a JSON list, newest last")
    versions.add_argument("--db", help="SQLite database (its directory keeps the versions)")
    versions.set_defaults(handler=versions_command)
    rollback = kb_commands.add_parser(
        "rollback", parents=[common], help="restore a kept version of the knowledge"
    )
    rollback.add_argument("number", type=int, help="the version's number (see kb versions)")
    rollback.add_argument("--yes", action="store_true", help="do not ask for a confirmation")
    rollback.add_argument("--db", help="SQLite database (its directory keeps the versions)")
    rollback.set_defaults(handler=rollback_command)


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
        config = load_config(args.config)
        if args.knowledge:
            config.knowledge.dir = Path(args.knowledge)
        if getattr(args, "db", None):
            config.storage.path = Path(args.db)
        handler: Handler = args.handler  # set by each sub-command's parser
        return handler(config, args)
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
    """Run the benchmark (the ``benchmarks`` package, outside the product) and print its table."""
    from benchmarks import run_from_cli  # lazy: only this command needs it

    print(run_from_cli(config, args))
    return EXIT_OK


def report_command(config: Config, args: argparse.Namespace) -> int:
    """Totals of today and the last 7 days, and the unanswered questions of ``--days``."""
    from bot.report import PERIODS, stats_text, unanswered_groups, unanswered_text

    with _open_store_and_service(config) as (store, service):
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
    return EXIT_OK


def export_command(config: Config, args: argparse.Namespace) -> int:
    """Unanswered question groups as CSV: count, sample, nearest entry, all wordings."""
    from bot.report import unanswered_groups

    with _open_store_and_service(config) as (store, service):
        groups = unanswered_groups(store, service, args.days)
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


def kb_export_command(config: Config, args: argparse.Namespace) -> int:
    """``kb export FILE.xlsx``: the knowledge base, and the recent unanswered questions, as a
    workbook."""
    from bot.kbsheet import export_workbook
    from bot.report import unanswered_groups
    from bot.workbook import save_workbook

    path = Path(args.file)
    service = KnowledgeService.from_config(config)
    groups = []
    if config.storage.path.exists():  # no database yet: the 未回答 sheet has only its header
        with _existing_store(config) as store:
            groups = unanswered_groups(store, service, UNANSWERED_DAYS)
    knowledge = service.knowledge
    try:
        save_workbook(export_workbook(knowledge, groups), path)
    except OSError as exc:
        raise BotError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    print(
        messages.SHEET_EXPORTED.format(
            path=path,
            entries=len(knowledge.entries),
            sources=len(knowledge.sources),
            groups=len(knowledge.synonym_groups),
            regions=len(knowledge.regions),
            unanswered=len(groups),
        )
    )
    return EXIT_OK


def kb_import_command(config: Config, args: argparse.Namespace) -> int:
    """``kb import FILE.xlsx [--dry-run]``: check the workbook and write the files it changes
    (with ``--dry-run`` only show the changes)."""
    from bot.kbfiles import StaleChange, VersionStore, apply_change, check_change
    from bot.kbsheet import plan_import

    path, dry_run = Path(args.file), args.dry_run
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(messages.SHEET_CANNOT_READ.format(path=path, reason=reason), file=sys.stderr)
        return EXIT_USAGE
    directory = config.knowledge.dir
    plan = plan_import(data, directory)
    for warning in plan.warnings:
        print(messages.SHEET_WARNING.format(warning=warning))
    if not plan.problems and not plan.writes:
        print(messages.SHEET_NOTHING_TO_DO)
        return EXIT_OK
    limit = config.knowledge.max_file_bytes
    report = None
    if not plan.problems:
        if dry_run:
            report = check_change(directory, plan.writes, max_file_bytes=limit)
        else:
            versions = VersionStore.beside_database(config.storage.path)
            try:
                report = apply_change(
                    directory, plan.writes, versions=versions, who="terminal", max_file_bytes=limit
                )
            except StaleChange:
                print(messages.SHEET_CHANGED_MEANWHILE, file=sys.stderr)
                return EXIT_PROBLEMS
        plan.problems += [messages.SHEET_FINAL_CHECK.format(problem=p) for p in report.problems]
    if plan.problems or report is None:
        print(messages.SHEET_PROBLEMS.format(count=len(plan.problems)), file=sys.stderr)
        for problem in plan.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    template = messages.SHEET_CHECKED if dry_run else messages.SHEET_APPLIED
    added, removed, changed = report.counts
    print(template.format(added=added, removed=removed, changed=changed, total=report.total))
    for sign, ids in (("+", report.added), ("-", report.removed), ("~", report.changed)):
        for entry_id in ids:
            print(f"  {sign} {entry_id}")
    if not dry_run:
        if report.version is not None:
            print(messages.SHEET_VERSION_KEPT.format(number=report.version))
        else:
            print(messages.VERSION_NOT_KEPT)
        print(messages.SHEET_RELOAD_HINT)
    return EXIT_OK


def versions_command(config: Config, args: argparse.Namespace) -> int:
    """``kb versions [--json]``: the kept earlier versions of the knowledge, oldest first."""
    from bot.kbfiles import VersionStore, describe_version, versions_json

    kept = VersionStore.beside_database(config.storage.path).list()
    if args.json:
        print(versions_json(kept))
    elif not kept:
        print(messages.VERSIONS_NONE)
    else:
        print(messages.VERSIONS_HEADER)
        for version in kept:
            print(describe_version(version))
    return EXIT_OK


def rollback_command(config: Config, args: argparse.Namespace) -> int:
    """``kb rollback N [--yes]``: check version N, ask for a confirmation, restore it."""
    from bot.kbfiles import VersionStore, apply_change, check_change

    store = VersionStore.beside_database(config.storage.path)
    base = store.directory_of(args.number)
    if base is None:
        print(messages.VERSION_UNKNOWN.format(number=args.number), file=sys.stderr)
        return EXIT_PROBLEMS
    directory, limit = config.knowledge.dir, config.knowledge.max_file_bytes
    report = check_change(directory, {}, base=base, max_file_bytes=limit)
    if report.problems:
        problems = "\n".join(f"  {p}" for p in report.problems)
        print(messages.ROLLBACK_BROKEN.format(number=args.number, problems=problems))
        return EXIT_PROBLEMS
    added, removed, changed = report.counts
    print(
        messages.ROLLBACK_SUMMARY.format(
            number=args.number, added=added, removed=removed, changed=changed, total=report.total
        )
    )
    if not args.yes:
        print(messages.ROLLBACK_QUESTION, end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes", "是"):
            print(messages.ROLLBACK_NOT_DONE)
            return EXIT_PROBLEMS
    report = apply_change(
        directory, {}, versions=store, who="terminal", base=base, max_file_bytes=limit
    )
    if report.problems:  # the version was checked a moment ago: only a race gets here
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    if report.version is None:
        print(messages.VERSION_NOT_KEPT)
    else:
        print(messages.ROLLBACK_DONE.format(number=args.number, kept=report.version))
    print(messages.SHEET_RELOAD_HINT)
    return EXIT_OK


@contextmanager
def _open_store_and_service(config: Config) -> Iterator[tuple[Store, KnowledgeService]]:
    """The usage database (which must exist), then the knowledge service: what the commands
    about the questions asked work on. The database is closed on leaving."""
    with _existing_store(config) as store:
        yield store, KnowledgeService.from_config(config)


@contextmanager
def _existing_store(config: Config) -> Iterator[Store]:
    """The usage database, closed on leaving; an error when there is none yet or its hashing
    salt cannot be read."""
    path = config.storage.path
    if not path.exists():
        raise BotError(f"{path}: no database yet (it is created when the bot first runs)")
    store = _open_store(config)
    if store is None:
        raise BotError(f"{path}: the hashing salt beside the database cannot be read")
    try:
        yield store
    finally:
        store.close()


def _open_store(config: Config) -> Store | None:
    """The configured usage database, or None when its hashing salt cannot be kept."""
    from bot.storage import open_store

    storage = config.storage
    return open_store(storage.path, salt=storage.salt, retention_days=storage.retention_days)


def validate_command(config: Config, args: argparse.Namespace) -> int:
    """Check a knowledge directory; print a summary or every problem."""
    path = Path(args.directory) if args.directory else config.knowledge.dir
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


def kb_test_command(config: Config, args: argparse.Namespace) -> int:
    """``kb test``: every example question must retrieve its own entry; exit 1 when one misses."""
    from bot.kbcheck import run_examples

    service = KnowledgeService.from_config(config)
    total, failures = run_examples(service)
    for failure in failures:
        print(failure.describe())
    print(f"{total} example questions, {total - len(failures)} passed, {len(failures)} failed")
    return EXIT_PROBLEMS if failures else EXIT_OK


def kb_lint_command(config: Config, args: argparse.Namespace) -> int:
    """``kb lint``: advisory warnings, exit 0; ``kb lint --passages``: the uncurated passages
    that answer example questions."""
    from bot.kbcheck import lint, uncurated_passages

    service = KnowledgeService.from_config(config)
    if args.passages:
        for line in uncurated_passages(service):
            print(line)
        return EXIT_OK
    warnings = lint(service)
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"{len(warnings)} warning(s); they never block loading")
    return EXIT_OK


def add_source_command(config: Config, args: argparse.Namespace) -> int:
    """Store a document's text as a new source's article, validated; print what it adds."""
    from bot.addsource import SourceRequest, apply_source
    from bot.loader import ARTICLES_DIR

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BotError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    request = SourceRequest(
        filename=path.name,
        data=data,
        title=args.title,
        publisher=args.publisher,
        date=args.date,
        region=args.region,
        source_id=args.source_id,
    )
    directory = config.knowledge.dir
    plan = apply_source(directory, request, config.knowledge.max_file_bytes)
    print(
        messages.SOURCE_ADDED.format(
            id=plan.source_id,
            title=plan.title,
            article=directory / ARTICLES_DIR / plan.article,
            count=len(plan.passages),
        )
    )
    print(messages.SOURCE_FIRST_PASSAGE.format(excerpt=plan.passages[0].excerpt))
    return EXIT_OK


def draft_command(config: Config, args: argparse.Namespace) -> int:
    """Write the source's passages no entry quotes as rows of the 条目 sheet to fill."""
    from bot.drafts import draft_rows, write_draft

    service = KnowledgeService.from_config(config)
    path = config.storage.path
    store = _open_store(config) if path.exists() else None
    try:
        rows = draft_rows(service, args.source_id, store, args.days)
    finally:
        if store is not None:
            store.close()
    if store is None:
        print(messages.DRAFT_NO_STORE.format(path=path), file=sys.stderr)
    if not rows:
        print(messages.DRAFT_NO_ROWS.format(id=args.source_id))
        return EXIT_OK
    out = Path(args.out or f"draft-{args.source_id}.xlsx")
    write_draft(out, rows, service.knowledge)
    used = sum(1 for row in rows if row.count)
    print(messages.DRAFT_WRITTEN.format(path=out, rows=len(rows), used=used))
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


def _console_chat(config: Config, args: argparse.Namespace) -> int:
    """``chat``: the console conversation on the standard input."""
    return chat_command(config)


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
