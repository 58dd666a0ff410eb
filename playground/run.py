"""`make playground`: the bot and Microsoft 365 Agents Playground, ready to chat at http://localhost:56150.

Ctrl-C stops both. PLAYGROUND_PORT, PORT and DATABASE_PATH override the defaults.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from types import FrameType

from playground.config import PEOPLE
from playground.processes import ROOT, Child, StartError, start_bot, start_playground

log = logging.getLogger("playground")


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C or a plain `kill` both stop the children (a shell's background job starts with SIGINT ignored).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ui_port = int(os.environ.get("PLAYGROUND_PORT", "56150"))
    bot_port = int(os.environ.get("PORT", "3978"))
    database = Path(os.environ.get("DATABASE_PATH", "") or ROOT / "playground" / "playground.db")
    folder = ROOT / "playground"  # its config file is the committed .m365agentsplayground.yml
    logs = folder / "run"
    children: list[Child] = []
    try:
        children.append(start_bot(bot_port, database, logs / "bot.log"))
        endpoint = f"http://127.0.0.1:{bot_port}/api/messages"
        children.append(start_playground(folder, ui_port, endpoint, PEOPLE[0]))
        log.info("Bot: %s (log %s, database %s)", endpoint, logs / "bot.log", database)
        log.info("Playground: open http://localhost:%d and chat as %s. Ctrl-C stops both.", ui_port, PEOPLE[0].name)
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
