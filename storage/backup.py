"""`make backup` and `make restore`: a consistent copy of the SQLite database, taken while the bot runs, and
that copy put back (with the bot stopped).

The copy is SQLite's online backup API (`sqlite3.Connection.backup`) in one step: a read transaction, so
in WAL mode the bot keeps reading and writing meanwhile, and the copy is the database as of one commit. It
is written to `<folder>/<name>-<UTC time>.db.part`, checked (`PRAGMA integrity_check`) and only then renamed
to `.db`: a failed or interrupted backup leaves no file that looks like one. A restore checks the copy the
same way, refuses one made by a newer version of the bot (a schema this code does not know), keeps the
database it replaces as `<name>-before-restore-<UTC time>.db` beside the backups, and copies through the
same API into the database file (its WAL included), so no stale `-wal` file can undo it.

PostgreSQL (`DATABASE_URL`) has its own tools: `pg_dump` and `pg_restore` (docs/operations.md).

    python -m storage.backup [--to backups]             # DATABASE_PATH (default crm.db) -> backups/crm-<time>.db
    python -m storage.backup --restore backups/crm-20261207T101500Z.db [--to backups]
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from storage.migrations import MIGRATIONS

STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why, and nothing was changed."""


def _open_existing(path: Path) -> sqlite3.Connection:
    """A connection to a database that must exist (sqlite3.connect alone would create an empty one)."""
    if not path.is_file():
        raise BackupError(f"there is no database at {path}")
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, timeout=10)


def _checked(conn: sqlite3.Connection, what: str) -> int:
    """The schema version of a sound copy of the bot's database (else BackupError)."""
    verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"{what} is damaged: {verdict}")
    try:
        return int(conn.execute("SELECT COALESCE(MAX(number), 0) FROM schema_migrations").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not this bot's database (no schema_migrations)") from exc


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    """All pages in one step: one read transaction on the source, so the copy is as of one commit (in WAL
    mode the bot keeps writing meanwhile)."""
    target = sqlite3.connect(target_path, isolation_level=None, timeout=10)
    try:
        source.backup(target)
    finally:
        target.close()


def _free_name(folder: Path, stem: str, now: datetime) -> Path:
    base = f"{stem}-{now.astimezone(UTC).strftime(STAMP)}"
    for n in range(1000):
        candidate = folder / (f"{base}.db" if n == 0 else f"{base}-{n}.db")
        if not candidate.exists():
            return candidate
    raise BackupError(f"too many backups named {base} in {folder}")


def backup(database_path: str | Path, folder: str | Path, now: datetime | None = None, label: str = "") -> Path:
    """Copy the live database at `database_path` to a new timestamped file in `folder` (one file: its journal
    is a rollback journal, not a WAL); returns its path."""
    database, folder = Path(database_path), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, database.stem + label, now or datetime.now(UTC))
    part = target.with_name(target.name + ".part")
    source = _open_existing(database)
    try:
        _copy(source, part)
        copy = sqlite3.connect(part, isolation_level=None)
        try:
            _checked(copy, f"the copy of {database}")
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        part.rename(target)
    except BaseException:
        for leftover in (part, part.with_name(part.name + "-wal"), part.with_name(part.name + "-shm")):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    return target


def restore(
    backup_path: str | Path, database_path: str | Path, folder: str | Path, now: datetime | None = None
) -> Path | None:
    """Put the backup at `backup_path` in place of the database at `database_path` (stop the bot first). The
    database it replaces, if any, is kept in `folder` first; returns where (None when there was none)."""
    backup_file, database = Path(backup_path), Path(database_path)
    source = _open_existing(backup_file)
    try:
        version = _checked(source, str(backup_file))
        known = MIGRATIONS[-1][0]
        if version > known:
            raise BackupError(
                f"{backup_file} has schema version {version}, and this version of the bot knows up to {known}:"
                " restore it with the version of the bot that made it"
            )
        kept = backup(database, folder, now, label="-before-restore") if database.exists() else None
        _copy(source, database)  # through SQLite's pager: the database's WAL is written consistently too
        return kept
    finally:
        source.close()


def _said(name: str, stream: TextIO) -> logging.Logger:
    """The command's own lines (a backup's path on stdout, why not on stderr), as plain messages."""
    log = logging.getLogger(f"storage.backup.{name}")
    if not log.handlers:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def main(argv: list[str] | None = None, env: dict[str, str] | None = None) -> int:
    env = dict(os.environ) if env is None else env
    out, err = _said("out", sys.stdout), _said("err", sys.stderr)
    parser = argparse.ArgumentParser(prog="python -m storage.backup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--to", default=env.get("BACKUP_DIR") or "backups", help="the backups' folder")
    parser.add_argument("--restore", metavar="FILE", help="put this backup in place of the database")
    args = parser.parse_args(argv)
    if env.get("DATABASE_URL"):
        err.error(
            "DATABASE_URL is set: this is for the SQLite file. Back PostgreSQL up with pg_dump"
            ' (pg_dump -Fc -f crm.dump "$DATABASE_URL"), restore with pg_restore.'
        )
        return 2
    database = env.get("DATABASE_PATH") or "crm.db"
    try:
        if args.restore:
            kept = restore(args.restore, database, args.to)
            if kept is not None:
                out.info("kept the database it replaced as %s", kept)
            out.info("restored %s from %s; start the bot", database, args.restore)
        else:
            out.info("%s", backup(database, args.to))
    except (BackupError, sqlite3.Error, OSError) as exc:
        err.error("not done: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
