"""Changing the knowledge directory safely, and keeping its earlier versions.

A change (an import, an uploaded file, a rollback) is written into a complete copy of the
directory beside it (``.knowledge.staging-…``), validated there, and then swapped in with one
``renameat2(RENAME_EXCHANGE)``: at every moment the knowledge directory is either the old one or
the new one, never half of each. Where the exchange is not available (not Linux) two renames
are used, and a crash between them is repaired by the next change (``recover``). The previous
directory is kept as a numbered version under the data directory; the last ``KEEP_VERSIONS``.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from bot import messages
from bot.errors import BotError, KnowledgeError
from bot.loader import DEFAULT_MAX_FILE_BYTES, load_knowledge

logger = logging.getLogger(__name__)
KEEP_VERSIONS = 20
VERSIONS_DIR = "knowledge-versions"
LIVE = "live"  # the directory as it was last loaded or applied: what a /reload replaces
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class StaleChange(BotError):
    """The knowledge directory changed after the change was checked: check it again."""


@dataclass(frozen=True)
class ChangeReport:
    """What a change does (or would do): entry ids added, removed, changed, or its problems."""

    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    total: int = 0
    version: int | None = None  # the number the replaced directory was kept as

    @property
    def counts(self) -> tuple[int, int, int]:
        """(added, removed, changed)."""
        return len(self.added), len(self.removed), len(self.changed)


def _staging_prefix(directory: Path) -> str:
    return f".{directory.name}.staging-"


def _aside_prefix(directory: Path) -> str:
    return f".{directory.name}.previous-"


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """One change at a time (the CLI and the bot may both try): an exclusive lock file beside
    the knowledge directory. Leftovers of an interrupted change are repaired first."""
    lock_path = directory.parent / f".{directory.name}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            recover(directory)
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def recover(directory: Path) -> None:
    """Repair what an interrupted change left: the old directory set aside by the two-rename
    fallback goes back when the knowledge directory is missing; staging copies are deleted."""
    parent = directory.parent
    if not parent.is_dir():
        return
    for path in sorted(parent.iterdir()):
        if path.name.startswith(_aside_prefix(directory)):
            if not directory.exists():
                path.rename(directory)
                logger.warning("recovered %s from an interrupted change", directory)
            else:
                shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(_staging_prefix(directory)):
            shutil.rmtree(path, ignore_errors=True)


def directory_digest(directory: Path) -> str:
    """A digest of every file's path and bytes: equal digests, equal directories."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def _stage(directory: Path, base: Path, writes: Mapping[str, bytes | None]) -> Path:
    """A complete copy of ``base`` beside ``directory`` with ``writes`` applied (None deletes)."""
    staged = directory.parent / f"{_staging_prefix(directory)}{secrets.token_hex(4)}"
    shutil.copytree(base, staged, symlinks=False)
    for name, data in writes.items():
        path = staged / name
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)
    return staged


def _diff(directory: Path, staged: Path, max_file_bytes: int) -> ChangeReport:
    """Validate ``staged``; its entries compared with those of ``directory``."""
    try:
        new = load_knowledge(staged, max_file_bytes)
    except KnowledgeError as exc:
        # Name the real directory: the staging copy is gone when the clerk reads this.
        return ChangeReport(problems=[p.replace(str(staged), str(directory)) for p in exc.problems])
    try:
        old = load_knowledge(directory, max_file_bytes).fingerprints
    except KnowledgeError:
        old = {}  # a broken directory is replaced as a whole: everything counts as added
    fresh = new.fingerprints
    return ChangeReport(
        added=sorted(k for k in fresh if k not in old),
        removed=sorted(k for k in old if k not in fresh),
        changed=sorted(k for k, v in fresh.items() if k in old and old[k] != v),
        total=len(fresh),
    )


def check_change(
    directory: Path,
    writes: Mapping[str, bytes | None],
    *,
    base: Path | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ChangeReport:
    """What applying ``writes`` to ``base`` (default: the directory itself) would change; the
    directory is not touched."""
    with _writable(directory), locked(directory):
        staged = _stage(directory, base or directory, writes)
        try:
            return _diff(directory, staged, max_file_bytes)
        finally:
            shutil.rmtree(staged, ignore_errors=True)


@contextlib.contextmanager
def _writable(directory: Path) -> Iterator[None]:
    """A directory that cannot be copied or written becomes one clear error."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or directory
        raise BotError(
            f"{where}: cannot change the knowledge directory: {exc.strerror or exc}"
        ) from exc


def apply_change(
    directory: Path,
    writes: Mapping[str, bytes | None],
    *,
    versions: VersionStore | None,
    who: str,
    base: Path | None = None,
    expected_digest: str | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ChangeReport:
    """Write ``writes`` (over a copy of ``base``, default the directory) into a staging copy,
    validate it, swap it in and keep the previous directory as a version.

    Nothing changes when it has problems (they are returned) or when ``expected_digest`` is
    given and the directory no longer has it (StaleChange).
    """
    with _writable(directory), locked(directory):
        if expected_digest is not None and directory_digest(directory) != expected_digest:
            raise StaleChange("the knowledge directory changed meanwhile")
        staged = _stage(directory, base or directory, writes)
        try:
            report = _diff(directory, staged, max_file_bytes)
            if report.problems:
                return report
            swap_directories(staged, directory)
            # ``staged`` now holds the previous directory.
            return dataclasses.replace(
                report, version=_keep(versions, staged, directory, report, who)
            )
        finally:
            shutil.rmtree(staged, ignore_errors=True)


def _keep(
    versions: VersionStore | None, previous: Path, directory: Path, report: ChangeReport, who: str
) -> int | None:
    """Keep ``previous`` as a version: its number, or None when the data directory cannot take
    it (the change itself is done: that is logged, not undone)."""
    if versions is None:
        return None
    try:
        number = versions.keep(previous, report.counts, who).number
        versions.snapshot(directory)
    except OSError as exc:
        logger.error(
            "the previous knowledge version could not be kept in %s: %s", versions.root, exc
        )
        return None
    return number


def swap_directories(staged: Path, directory: Path) -> None:
    """Put ``staged`` in the place of ``directory`` (which ends up at ``staged``) atomically."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        result = renameat2(
            _AT_FDCWD, os.fsencode(staged), _AT_FDCWD, os.fsencode(directory), _RENAME_EXCHANGE
        )
        if result == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(directory))
    # No atomic exchange here: two renames; ``recover`` repairs a crash between them.
    aside = directory.parent / f"{_aside_prefix(directory)}{secrets.token_hex(4)}"
    directory.rename(aside)
    staged.rename(directory)
    aside.rename(staged)


class VersionInfo(BaseModel):
    """One kept version: the directory as it was before the change made at ``time``."""

    number: int
    time: str  # UTC, ISO 8601 with seconds
    added: int
    removed: int
    changed: int
    who: str  # a hashed Telegram user id, or "terminal"


class VersionStore:
    """Numbered earlier knowledge directories under ``root`` (``<n>/knowledge`` and
    ``<n>/version.json``), and the ``live`` copy of the directory last loaded or applied."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def beside_database(cls, database: Path) -> VersionStore:
        """The versions kept in the data directory (the database's directory)."""
        return cls(database.parent / VERSIONS_DIR)

    def list(self) -> list[VersionInfo]:
        """Every kept version, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.iterdir():
            if not path.name.isdigit():
                continue
            try:
                found.append(VersionInfo.model_validate_json((path / "version.json").read_bytes()))
            except (OSError, ValueError):
                logger.warning("%s: not a readable version, skipped", path)
        return sorted(found, key=lambda version: version.number)

    def directory_of(self, number: int) -> Path | None:
        """The knowledge directory of version ``number``, if it is kept."""
        path = self.root / f"{number:04d}" / "knowledge"
        return path if path.is_dir() else None

    def keep(self, previous: Path, counts: tuple[int, int, int], who: str) -> VersionInfo:
        """Move ``previous`` in as the next version (the change ``counts`` replaced it), and drop
        the oldest beyond ``KEEP_VERSIONS``."""
        self.root.mkdir(parents=True, exist_ok=True)
        versions = self.list()
        number = versions[-1].number + 1 if versions else 1
        added, removed, changed = counts
        info = VersionInfo(
            number=number,
            time=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            added=added,
            removed=removed,
            changed=changed,
            who=who,
        )
        incoming = self.root / f".incoming-{secrets.token_hex(4)}"
        incoming.mkdir()
        shutil.move(str(previous), str(incoming / "knowledge"))
        (incoming / "version.json").write_text(info.model_dump_json(), encoding="utf-8")
        incoming.rename(self.root / f"{number:04d}")
        for old in [*versions, info][:-KEEP_VERSIONS]:
            shutil.rmtree(self.root / f"{old.number:04d}", ignore_errors=True)
        logger.info("knowledge version %d kept (%s)", number, info)
        return info

    def snapshot(self, directory: Path) -> None:
        """Copy ``directory`` as the ``live`` copy: what the next edited-files reload replaces."""
        self.root.mkdir(parents=True, exist_ok=True)
        fresh = self.root / f".live-{secrets.token_hex(4)}"
        shutil.copytree(directory, fresh)
        live = self.root / LIVE
        if live.exists():
            shutil.rmtree(live)
        fresh.rename(live)

    def keep_live(self, directory: Path, counts: tuple[int, int, int], who: str) -> bool:
        """After a reload found edited files: keep the ``live`` copy (what answered before) as a
        version and copy the directory as the new ``live``. False when the live copy already
        equals the directory (an import kept its version already) or there is none (it is made
        when the bot starts)."""
        live = self.root / LIVE
        if not live.is_dir():
            return False
        if directory_digest(live) == directory_digest(directory):
            return False
        held = self.root / f".held-{secrets.token_hex(4)}"
        live.rename(held)
        self.keep(held, counts, who)
        self.snapshot(directory)
        return True

    def cleanup(self) -> None:
        """Delete what an interrupted ``keep`` or ``snapshot`` left."""
        if self.root.is_dir():
            for path in self.root.iterdir():
                if path.name.startswith((".incoming-", ".live-", ".held-")):
                    shutil.rmtree(path, ignore_errors=True)


def versions_json(versions: list[VersionInfo]) -> str:
    """``bot kb versions --json``: a list of {"number", "time", "added", "removed", "changed"}."""
    fields = ("number", "time", "added", "removed", "changed")
    return json.dumps([version.model_dump(include=set(fields)) for version in versions])


def describe_version(version: VersionInfo) -> str:
    """One kept version as a line: number, time (UTC), who, +added −removed ~changed."""
    who = messages.WHO_TERMINAL if version.who == "terminal" else version.who[:12]
    return messages.VERSION_LINE.format(
        number=version.number,
        time=version.time.replace("T", " ").replace("Z", " UTC"),
        who=who,
        added=version.added,
        removed=version.removed,
        changed=version.changed,
    )
