"""Start and stop the bot and Playground instances as child processes: free ports, logs, bounded waits.

`make playground` and the end-to-end tests both use this, so a person and the tests run the same thing;
the benchmarks and the two-instance test take their ports from `free_port` here too.
Every process is started in its own session and stopped by its own process-group id, never by name.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from playground.config import Person, write_config

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND_CLI = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PLAYGROUND_VERSION = "0.2.28"  # its HTTP API is private: the tests are written against this version


class StartError(RuntimeError):
    """A child process did not come up in time (its log is in the message)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@dataclass
class Child:
    """One child process, with the files its output went to."""

    name: str
    process: subprocess.Popen[bytes]
    logs: list[Path] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def log_text(self, limit: int = 20_000) -> str:
        parts = []
        for path in self.logs:
            text = path.read_text(errors="replace") if path.exists() else "(no log file)"
            parts.append(f"--- {path} ---\n{text[-limit:]}")
        return "\n".join(parts)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM to the child's own process group, SIGKILL if it has not gone within `timeout`."""
        if self.process.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                continue

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise StartError(f"{self.name} exited with {self.process.returncode}\n{self.log_text()}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise StartError(f"{self.name}: {what} not within {timeout:.0f} s\n{self.log_text()}")


def _spawn(name: str, args: list[str], cwd: Path, env: Mapping[str, str], log: Path) -> Child:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Child(name, process, [log])


def start_bot(port: int, database_path: Path, log: Path, extra_env: Mapping[str, str] | None = None) -> Child:
    """`python app.py` on 127.0.0.1:`port`, auth off; ready when /healthz answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    env |= {"PORT": str(port), "HOST": "127.0.0.1", "DATABASE_PATH": str(database_path), "PYTHONUNBUFFERED": "1"}
    env |= dict(extra_env or {})
    child = _spawn("bot", [sys.executable, str(ROOT / "app.py")], ROOT, env, log)
    try:
        child.wait_until(lambda: http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "/healthz")
    except BaseException:
        child.stop()
        raise
    return child


def start_playground(folder: Path, port: int, bot_endpoint: str, user: Person) -> Child:
    """One Playground instance for `user`, in `folder` (its config file and devTools/ log live there)."""
    if not PLAYGROUND_CLI.exists():
        raise StartError(f"{PLAYGROUND_CLI} is missing: run `npm ci` (make install-dev does)")
    config = write_config(folder, user)
    env = dict(os.environ)
    # Without BROWSER=none it tries to open a browser and exits; the config path pins our file.
    env |= {"TEAMSAPPTESTER_BROWSER": "none", "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config)}
    args = ["node", str(PLAYGROUND_CLI), "-e", bot_endpoint, "-c", "msteams", "--dt", "-p", str(port)]
    child = _spawn(f"playground ({user.name})", args, folder, env, folder / "run" / "playground.out.log")
    child.logs.append(folder / "devTools" / "m365agentsplayground.log")

    def ours() -> bool:
        # It falls back to a random port when its port is taken: make sure this port is this instance.
        status, body = http_get(f"http://127.0.0.1:{port}/_internal/v1/testConfig")
        return status == 200 and user.id in body and f'"currentUser":{{"id":"{user.id}"' in body

    try:
        child.wait_until(ours, 30, f"its API on port {port}")
    except BaseException:
        child.stop()
        raise
    return child
