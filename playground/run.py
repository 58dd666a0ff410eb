"""`make playground`: the bot and Microsoft 365 Agents Playground, ready to chat at http://localhost:56150.

`make playground PEOPLE=2` (up to 6) starts one Playground per person on the same bot: Alex Wilber on
56150, Megan Bowen on 56151, and so on, each with its own config file (its `currentUser`) and its own
browser window when a desktop is there to show one. One instance is one person (PLAYGROUND.md): what the bot
sends a person (a follower's notification) appears in that person's window only.

Ctrl-C stops them all. PLAYGROUND_PORT (the first instance's port), PORT and DATABASE_PATH override the
defaults; OPEN=0 opens no window.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from playground.config import PEOPLE, Person
from playground.processes import ROOT, Child, StartError, start_bot, start_playground

log = logging.getLogger("playground")


@dataclass(frozen=True)
class Instance:
    """One Playground: who it is, the port of its UI and the folder of its config file and logs."""

    person: Person
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"


def instances(people: int, first_port: int, root: Path = ROOT) -> list[Instance]:
    """The first `people` of the tenant, one Playground each on consecutive ports. The first uses the committed
    config in playground/; the others get theirs under playground/run/<name>/ (the launcher writes them)."""
    if not 1 <= people <= len(PEOPLE):
        raise ValueError(f"PEOPLE must be 1 to {len(PEOPLE)} (the Playground tenant's people), not {people}")
    folders = [root / "playground"] + [root / "playground" / "run" / p.key for p in PEOPLE[1:people]]
    return [Instance(p, first_port + i, folder) for i, (p, folder) in enumerate(zip(PEOPLE, folders, strict=False))]


def can_open_windows(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """A browser window needs a desktop: macOS, Windows, or a Linux/BSD session with a display (without one,
    Python's webbrowser would start a text browser in this terminal)."""
    if env.get("OPEN", "1") == "0":
        return False
    return platform in ("darwin", "win32") or bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m playground.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=int(os.environ.get("PEOPLE", "1") or 1))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        planned = instances(args.people, int(os.environ.get("PLAYGROUND_PORT", "56150")))
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    # Ctrl-C or a plain `kill` both stop the children (a shell's background job starts with SIGINT ignored).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    bot_port = int(os.environ.get("PORT", "3978"))
    database = Path(os.environ.get("DATABASE_PATH", "") or ROOT / "playground" / "playground.db")
    logs = ROOT / "playground" / "run"
    children: list[Child] = []
    try:
        children.append(start_bot(bot_port, database, logs / "bot.log"))
        endpoint = f"http://127.0.0.1:{bot_port}/api/messages"
        for instance in planned:
            children.append(start_playground(instance.folder, instance.port, endpoint, instance.person))
        log.info("Bot: %s (log %s, database %s)", endpoint, logs / "bot.log", database)
        for instance in planned:
            log.info("Playground: open %s to chat as %s.", instance.url, instance.person.name)
        if can_open_windows(os.environ):
            for instance in planned:
                webbrowser.open_new(instance.url)
        log.info("Ctrl-C stops them all.")
        while all(child.running() for child in children):
            time.sleep(0.5)
        gone = next(child for child in children if not child.running())
        log.error("%s stopped:\n%s", gone.name, gone.log_text(4000))
        return 1
    except StartError as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in reversed(children):
            child.stop()


if __name__ == "__main__":
    raise SystemExit(main())
