"""Machine instructions per question, counted by valgrind: a speed figure that the load of a
shared machine does not move (timings here vary by tens of percent from one run to the next).

    .venv/bin/python -m scripts.question_instructions [--questions 1000] [--question-file JSONL]
        [--root CHECKOUT]

Runs the bench's question mix under ``valgrind --tool=callgrind`` twice, in parallel: loading
the shipped knowledge only, and loading it and answering the first N questions of the mix; the
difference divided by N is what one question costs. Hash randomisation is fixed so that both
runs build the same tables. Needs valgrind (Debian: ``apt install valgrind``); takes a few
minutes. ``--root`` counts another checkout of the project (an older commit, for a baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
_COLLECTED = re.compile(r"Collected : (\d+)")
# What each run does: load the shipped knowledge, answer the first N questions of the mix.
_PAYLOAD = """
import json, sys
from bot.config import load_config
from bot.loader import ARTICLES_DIR
from bot.service import KnowledgeService
from benchmarks.core import question_mix
config = load_config(None)
service = KnowledgeService(config.knowledge.dir, config.matching)
dev = [json.loads(line)["q"] for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
articles = "".join(
    p.read_text(encoding="utf-8") for p in sorted((config.knowledge.dir / ARTICLES_DIR).glob("*"))
)
for question in question_mix(dev, 1000, articles)[: int(sys.argv[2])]:
    service.ask(question)
"""


def _start(root: Path, question_file: Path, count: int) -> subprocess.Popen[str]:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-c",
        _PAYLOAD,
        str(question_file),
        str(count),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(root)}
    return subprocess.Popen(
        command,
        cwd=root,
        env=environment,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _instructions(process: subprocess.Popen[str]) -> int:
    _, errors = process.communicate()
    found = _COLLECTED.search(errors)
    if process.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed:\n{errors[-2000:]}")
    return int(found.group(1))


def main() -> int:
    """Count and print {"questions": N, "instructions_per_question": …} as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--question-file", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to count")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    root, question_file = args.root.resolve(), args.question_file.resolve()
    loading = _start(root, question_file, 0)
    answering = _start(root, question_file, args.questions)
    per_question = (_instructions(answering) - _instructions(loading)) / args.questions
    print(
        json.dumps({"questions": args.questions, "instructions_per_question": round(per_question)})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
