"""A throwaway PostgreSQL server for the tests and benchmarks: Debian's binaries, initdb in a temporary
folder as an unprivileged user (the server refuses to run as root), a free port on 127.0.0.1, and a
migrated template database that each test copies (CREATE DATABASE ... TEMPLATE: milliseconds, in memory).

The tests' server keeps its files in shared memory (`in_memory()`: /dev/shm where it has room): the copy of the
template checkpoints, and on a disk other processes keep busy that took 0.1-0.6 s a test instead of ~15 ms."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playground.processes import free_port

TEMPLATE = "crm_template"


def bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


SHARED_MEMORY = Path("/dev/shm")
ROOM_NEEDED = 2 * 1024**3  # bytes free: the template, a few databases at a time, their WAL


def in_memory() -> Path | None:
    """A tmpfs to keep a throwaway server's files in, when there is one with room (a container's default
    /dev/shm of 64 MB is too small: then the files go to the temporary folder, on disk)."""
    if not SHARED_MEMORY.is_dir() or not os.access(SHARED_MEMORY, os.W_OK | os.X_OK):
        return None
    stats = os.statvfs(SHARED_MEMORY)
    return SHARED_MEMORY if stats.f_bavail * stats.f_frsize >= ROOM_NEEDED else None


class PostgresServer:
    def __init__(self, under: Path | None = None) -> None:
        """`under`: the folder to make the server's own in (the temporary folder by default)."""
        binaries = bin_dir()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed: run `make test` (as root it installs Debian's postgresql)")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="crm-pg-", dir=under))
        self.data = self.folder / "data"
        self.port = free_port()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-pg-admin")  # one at a time, in order
        self._spare: Future[str] | None = None  # the next test's database, being made
        self._connection: Any = None  # the worker's (psycopg loads only when a database is asked for)
        self.user = None if os.getuid() != 0 else ("postgres" if _user_exists("postgres") else "nobody")
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            os.chmod(self.folder, 0o700)

    def _as_server_user(self, *command: str) -> list[str]:
        return ["runuser", "-u", self.user, "--", *command] if self.user else list(command)

    def start(self) -> PostgresServer:
        subprocess.run(
            self._as_server_user(
                str(self.bin / "initdb"), "-D", str(self.data), "-U", "crm", "-A", "trust", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync",
            ),
            check=True, capture_output=True,
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            self._as_server_user(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                "-w", "-t", "60", "start",
            ),
            check=True, capture_output=True,
        )  # fmt: skip
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://crm@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.encode())

    def create_template(self) -> None:
        from storage.migrations import migrate
        from storage.postgres import open_postgres

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        db = open_postgres(self.url(TEMPLATE), pool_size=2)
        migrate(db)
        db.close()

    def new_database(self) -> str:
        """A fresh copy of the template, made ahead on the server's worker thread while the previous test ran
        (then the next one is started)."""
        spare = self._spare or self._worker.submit(self._copy_template)
        self._spare = self._worker.submit(self._copy_template)
        return spare.result()

    def drop_database(self, name: str) -> None:
        """Dropped on the worker thread: the next test need not wait for it."""
        self._worker.submit(self._on_worker, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _copy_template(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self._on_worker(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return name

    def _on_worker(self, sql: str) -> None:
        """On the worker thread, on its connection."""
        import psycopg

        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.url(), autocommit=True)
        self._connection.execute(sql.encode())

    def stop(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        if self._connection is not None:
            self._connection.close()
        try:
            subprocess.run(
                self._as_server_user(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                capture_output=True,
                timeout=60,
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
