"""`make backup` and `make restore` (storage/backup.py): a copy of the live SQLite database taken while the
bot runs, restored with the bot stopped; the rows compared table by table, and the restored file served by
the bot again. SQLite only: PostgreSQL is pg_dump's."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from bot.config import Config
from storage.backup import main
from tests.conftest import ALICE, BOB, FAST, CardInHand, Teams, all_text
from tests.fake_connector import FakeConnector

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url() -> str:
    return ""  # the backup is SQLite's: this module runs on SQLite only


def rows(path: Path) -> dict[str, list[str]]:
    """Every table's rows (the full-text index's own tables included), in a comparable form."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{t}"')) for t in tables}
    finally:
        conn.close()


def run_cli(*args: str, database: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m storage.backup`, as `make backup` and `make restore` run it: another process than the bot."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    environment |= {"DATABASE_PATH": str(database), **env}
    return subprocess.run(
        [sys.executable, "-m", "storage.backup", *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def test_a_live_database_is_backed_up_restored_and_served_again(
    teams: Teams, bot_config: Config, tmp_path: Path, aiohttp_client: Any, connector: tuple[FakeConnector, str]
) -> None:
    database, folder = Path(bot_config.database_path), tmp_path / "backups"
    await teams.say(ALICE, "new lead Acme rollout")
    await teams.say(ALICE, "new contact Jane Doe jane@acme.example Acme")
    await teams.say(ALICE, "contact L-1 jane@acme.example")
    await teams.say(ALICE, "comment L-1 Called Jane about the rollout")
    await teams.say(BOB, "follow L-1")
    await teams.say(ALICE, "new opportunity Globex renewal")

    taken = run_cli("--to", str(folder), database=database)  # the bot is running, its connection open
    assert taken.returncode == 0, taken.stderr
    copy = Path(taken.stdout.strip())
    assert copy.parent == folder and copy.name.startswith("crm-") and copy.suffix == ".db"
    assert sorted(p.name for p in folder.iterdir()) == [copy.name]  # one file: no .part, no -wal
    at_backup = rows(database)
    assert rows(copy) == at_backup and at_backup["comments"] and at_backup["followers"]

    await teams.say(ALICE, "new lead Later lead")  # after the backup: the restore takes it away
    await teams.say(ALICE, "comment L-1 A comment the backup never saw")
    await teams.client.close()  # stop the bot (make restore says so), its database closed

    restored = run_cli("--to", str(folder), "--restore", str(copy), database=database)
    assert restored.returncode == 0, restored.stderr
    [kept] = [p for p in folder.iterdir() if p.name.startswith("crm-before-restore-")]
    assert str(kept) in restored.stdout
    assert rows(database) == at_backup
    assert "A comment the backup never saw" in str(rows(kept)["comments"])  # what it replaced is kept

    fake, service_url = connector
    again = Teams(await aiohttp_client(create_app(bot_config, delivery=FAST)), fake, service_url)
    card = await CardInHand.posted(again, ALICE, "show L-1")
    assert "Acme rollout" in card.text and "Jane Doe" in card.text and "Bob Follower" in card.text
    assert "I can't find L-2" in await again.text(ALICE, "show L-2")  # the later lead is gone
    assert "Later lead" not in all_text(await again.card(ALICE, "leads"))


def test_a_missing_database_is_not_created_and_nothing_is_written(tmp_path: Path) -> None:
    missing, folder = tmp_path / "nowhere.db", tmp_path / "backups"
    done = run_cli("--to", str(folder), database=missing)
    assert done.returncode == 1 and "there is no database at" in done.stderr
    assert not missing.exists() and list(folder.iterdir()) == []


def test_a_file_that_is_no_backup_or_a_newer_ones_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    database, folder = tmp_path / "crm.db", tmp_path / "backups"
    live = sqlite3.connect(database)
    live.execute("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    live.execute("INSERT INTO schema_migrations VALUES (1, 'core', 'then')")
    live.commit()
    live.close()
    before = database.read_bytes()

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    conn.execute("INSERT INTO schema_migrations VALUES (9999, 'from the future', 'later')")
    conn.commit()
    conn.close()
    for bad, why in ((junk, "not a database"), (other, "not this bot's database"), (newer, "schema version 9999")):
        done = run_cli("--to", str(folder), "--restore", str(bad), database=database)
        assert done.returncode == 1 and why in done.stderr, (bad, done.stderr)
        assert database.read_bytes() == before
    assert not folder.exists() or list(folder.iterdir()) == []


def test_postgresql_is_sent_to_pg_dump() -> None:
    assert main([], {"DATABASE_URL": "postgresql://crm@db/crm"}) == 2


def test_make_backup_and_restore_run_the_module() -> None:
    def dry(*args: str) -> str:
        done = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
        return done.stdout + done.stderr

    assert "-m storage.backup --to backups" in dry("backup")
    assert "-m storage.backup --to /srv/b --restore x.db" in dry("restore", "FROM=x.db", "BACKUP_DIR=/srv/b")
