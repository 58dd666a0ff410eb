"""The Playground's tenant and people, and its config file (`.m365agentsplayground.yml`) for one of them.

One Playground instance is one person (its `currentUser`); everyone else in the tenant sits in `users`,
which the Playground wants to be exactly five. Two instances with two different current users, pointed
at the same bot, are two people in one organisation. The YAML is written with JSON-quoted strings, which
every YAML parser reads, so this needs no YAML library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CONFIG_FILE_NAME = ".m365agentsplayground.yml"
TENANT_ID = "4c0d2a1e-7b7e-4f0a-9c41-5a5e0c0ffee1"
BOT_ID = "28:teams-crm-playground-bot"
BOT_NAME = "CRM"
DOMAIN = "contoso.example"


@dataclass(frozen=True)
class Person:
    """A user of the test tenant, with the fields the Playground's config file asks for."""

    key: str  # short name, also the local part of the email
    given_name: str
    surname: str
    number: int

    @property
    def id(self) -> str:
        return f"29:playground-{self.key}"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}"

    @property
    def email(self) -> str:
        return f"{self.key}@{DOMAIN}"

    @property
    def aad_object_id(self) -> str:
        return f"00000000-0000-4000-8000-{self.number:012d}"

    @property
    def personal_chat_id(self) -> str:
        return f"a:playground-personal-{self.key}"

    def as_config(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.email,  # sic: the Playground's spelling
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
        }


PEOPLE: tuple[Person, ...] = (
    Person("alex", "Alex", "Wilber", 20),
    Person("megan", "Megan", "Bowen", 21),
    Person("adele", "Adele", "Vance", 22),
    Person("isaiah", "Isaiah", "Langer", 23),
    Person("patti", "Patti", "Fernandez", 24),
    Person("lynne", "Lynne", "Robbins", 25),
)


def person(key: str) -> Person:
    return next(p for p in PEOPLE if p.key == key)


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def _user_lines(p: Person, indent: str) -> list[str]:
    fields = p.as_config()
    first, *rest = fields.items()
    lines = [f"{indent}- {first[0]}: {_q(first[1])}"]
    lines += [f"{indent}  {k}: {_q(v)}" for k, v in rest]
    return lines


def render_config(current: Person) -> str:
    """The config file's text for an instance whose user is `current`."""
    others = [p for p in PEOPLE if p != current]
    lines = [
        "# Microsoft 365 Agents Playground config (written by `python -m playground.config`; edit playground/config.py).",
        "# One tenant; the current user chats with the bot, the five others are the tenant's other users.",
        'version: "0.1.1"',
        f"tenantId: {_q(TENANT_ID)}",
        "bot:",
        f"  id: {_q(BOT_ID)}",
        f"  name: {_q(BOT_NAME)}",
        "currentUser:",
        *[f"  {k}: {_q(v)}" for k, v in current.as_config().items()],
        "users:",
        *[line for p in others for line in _user_lines(p, "  ")],
        "personalChat:",
        f"  id: {_q(current.personal_chat_id)}",
        "groupChat:",
        f"  id: {_q('19:playground-sales-chat@thread.v2')}",
        f"  name: {_q('Sales chat')}",
        "team:",
        f"  id: {_q('19:playground-sales-team@thread.tacv2')}",
        f"  name: {_q('Sales')}",
        f"  aadGroupId: {_q('00000000-0000-4000-8000-000000000031')}",
        "  channels:",
        f"    - id: {_q('19:playground-deals@thread.tacv2')}",
        f"      name: {_q('Deals')}",
    ]
    return "\n".join(lines) + "\n"


def write_config(folder: Path, current: Person) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_FILE_NAME
    path.write_text(render_config(current))
    return path


if __name__ == "__main__":  # `python -m playground.config` rewrites the committed config
    print(write_config(Path(__file__).resolve().parent, PEOPLE[0]))
