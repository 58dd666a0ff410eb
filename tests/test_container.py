"""The container image (Dockerfile, .dockerignore). Its facts are read from the Dockerfile; what it would
run is run without a daemon: the build context as .dockerignore leaves it (Docker's matching rules), started
with the image's CMD and ENV and checked with its HEALTHCHECK command. With a Docker daemon at hand, the
image is also built and started, and its /healthz asked (skipped here otherwise: say so in the report)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from playground.processes import free_port, http_get

ROOT = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def env_of(found: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in found:
        if word == "ENV":
            env |= dict(re.findall(r"(\w+)=(\S+)", rest))
    return env


def exec_form(rest: str) -> list[str]:
    words = json.loads(rest)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), rest
    return words


def test_the_dockerfile_says_what_the_image_is() -> None:
    found = instructions()
    words = [w for w, _ in found]
    [base] = [rest for w, rest in found if w == "FROM"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base), base  # Python's slim Debian image
    users = [rest for w, rest in found if w == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith(("root:", "0:"))
    assert words.index("USER") > max(i for i, w in enumerate(words) if w == "RUN")  # nothing runs as root after
    [expose] = [rest for w, rest in found if w == "EXPOSE"]
    assert expose.split() == ["3978"]
    env = env_of(found)
    assert env["PORT"] == "3978" and env["HOST"] == "0.0.0.0"  # reachable from outside the container
    [volume] = [exec_form(rest) for w, rest in found if w == "VOLUME"]
    assert volume == ["/data"] and Path(env["DATABASE_PATH"]).parent == Path("/data")  # the SQLite file
    assert "DATABASE_URL" not in env  # PostgreSQL only when the operator gives one
    [health] = [rest for w, rest in found if w == "HEALTHCHECK"]
    assert "/healthz" in health and re.search(r"--timeout=\d+s", health)
    assert exec_form(health.split(" CMD ", 1)[1])[:2] == ["python", "-c"]
    [cmd] = [exec_form(rest) for w, rest in found if w == "CMD"]
    assert cmd == ["python", "app.py"]
    installs = [rest for w, rest in found if w == "RUN" and "pip install" in rest]
    assert installs and all("-r requirements.txt" in r for r in installs)
    text = (ROOT / "Dockerfile").read_text()
    assert "requirements-dev" not in text.replace("(requirements-dev.txt stays out)", "")
    assert ".dockerignore" in [p.name for p in ROOT.iterdir()]


# --- .dockerignore, matched as Docker matches it (moby/patternmatcher) ------------------------------------


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern: `**` any number of directories (none included), `*` and `?` within one."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        rules.append((keep, _pattern(os.path.normpath(line.lstrip("!").strip()).lstrip("/"))))
    return rules


def ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """A path is left out when the last rule matching it, or one of its parent folders, leaves it out."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for keep, pattern in rules:
        if any(pattern.fullmatch(p) for p in prefixes):
            verdict = not keep
    return verdict


def context_files() -> list[str]:
    """The files the build context would send: the worktree as it is, minus what .dockerignore leaves out."""
    rules = ignore_rules()
    found = []
    for folder, dirs, files in os.walk(ROOT):
        rel = Path(folder).relative_to(ROOT).as_posix()
        rel = "" if rel == "." else rel + "/"
        dirs[:] = [d for d in dirs if not ignored(rel + d, rules)]
        found += [rel + f for f in files if not ignored(rel + f, rules)]
    return sorted(found)


def test_the_context_keeps_what_the_bot_runs_and_leaves_out_the_rest() -> None:
    rules = ignore_rules()
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    runtime = [
        p for p in tracked if p in ("app.py", "requirements.txt") or p.startswith(("bot/", "cards/", "storage/"))
    ]
    assert any(p.endswith(".sql") for p in runtime)  # the migrations are data the bot reads
    assert [p for p in runtime if ignored(p, rules)] == []
    for left_out in (
        "crm.db", "crm.db-wal", "playground/playground.db", "backups/crm-20261207T101500Z.db", "data/x.db-shm",
        "tests/conftest.py", "docs/usage.md", "bench/fanout.py", "requirements-dev.txt", ".venv/bin/python",
        "node_modules/x/index.js", "manifest/atk/node_modules/x/index.js", "bot/__pycache__/config.cpython-311.pyc", ".git/HEAD", "test-artifacts/a.png",
    ):  # fmt: skip
        assert ignored(left_out, rules), left_out


def answers(url: str) -> bool:
    try:
        return http_get(url)[0] == 200
    except OSError:  # not listening yet
        return False


def test_the_image_runs_from_its_context_and_passes_its_health_check(tmp_path: Path) -> None:
    """What `docker run` would do, without a daemon: the context copied to /app, the image's ENV (the volume
    a folder here, a free port), its CMD started there and its HEALTHCHECK command run against it."""
    app_dir, volume = tmp_path / "app", tmp_path / "data"
    for rel in context_files():
        target = app_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    volume.mkdir()
    found = instructions()
    image_env = env_of(found)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "DATABASE_", "PYTHON", "GRAPH_"))}
    env |= image_env | {"PORT": str(port), "DATABASE_PATH": str(volume / Path(image_env["DATABASE_PATH"]).name)}
    [cmd] = [exec_form(rest) for w, rest in found if w == "CMD"]
    [health] = [exec_form(rest.split(" CMD ", 1)[1]) for w, rest in found if w == "HEALTHCHECK"]
    python = lambda words: [sys.executable if words[0] == "python" else words[0], *words[1:]]  # noqa: E731
    log = (tmp_path / "bot.log").open("wb")
    bot = subprocess.Popen(
        python(cmd), cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while not answers(f"http://127.0.0.1:{port}/healthz"):
            assert bot.poll() is None, (tmp_path / "bot.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "bot.log").read_text()
            time.sleep(0.1)
        checked = subprocess.run(python(health), cwd=app_dir, env=env, capture_output=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        assert (volume / "crm.db").exists()  # the database went to the volume
        imported = subprocess.run(
            [sys.executable, "-c", "import app, bot; print(bot.__file__)"], cwd=app_dir, env=env,
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert imported.stdout.startswith(str(app_dir)), imported  # the copy ran, not this checkout
    finally:
        os.killpg(bot.pid, 15)
        bot.wait(timeout=10)
        log.close()
    # Stopped, the same health check fails: it is no constant.
    assert subprocess.run(python(health), cwd=app_dir, env=env, capture_output=True, timeout=30).returncode != 0


def docker_daemon() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not docker_daemon(), reason="no Docker daemon reachable (`docker info` fails)")
def test_the_image_builds_starts_and_answers_healthz(tmp_path: Path) -> None:
    tag, name, port = "teams-crm:test", f"teams-crm-test-{os.getpid()}", free_port()
    built = subprocess.run(["docker", "build", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-4000:]
    run = ["docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:3978", tag]
    assert subprocess.run(run, capture_output=True, timeout=60).returncode == 0
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    assert json.loads(answer.read()) == {"ok": True}
                    break
            except OSError:
                assert time.monotonic() < deadline, subprocess.run(["docker", "logs", name], capture_output=True).stdout
                time.sleep(0.5)
        uid = subprocess.run(["docker", "exec", name, "id", "-u"], capture_output=True, text=True, timeout=30)
        assert uid.stdout.strip() not in ("", "0")
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
