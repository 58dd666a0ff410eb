"""Shared fixtures: a fresh database, the fake Bot Connector, and a `teams` client that sends the bot
activities shaped exactly like Microsoft Teams' and reads the replies back from the fake connector."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import SERVICES, create_app
from bot.config import Config
from bot.models import User
from bot.notifications import DeliveryPolicy
from bot.services import CrmService
from storage.db import open_database
from storage.migrations import migrate
from storage.repository import Repository
from tests.fake_connector import FakeConnector, Posted

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
OTHER_TENANT = "72f988bf-0000-4000-8000-00000000bbbb"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"
BOT_NAME = "CRM"
CARD = "application/vnd.microsoft.card.adaptive"
# The sender with short waits, so retries and timeouts play out in well under a second.
FAST = DeliveryPolicy(backoff_base=0.05, backoff_cap=0.2, send_timeout=0.5, poll_seconds=0.1, max_attempts=4)


@dataclass(frozen=True)
class Person:
    """A Teams user: their per-bot id (29:...), Entra object id, name, email and tenant."""

    teams_id: str
    aad_object_id: str
    name: str
    email: str
    tenant_id: str = TENANT


ALICE = Person("29:alice", "aad-alice", "Alice Owner", "alice@contoso.example")
BOB = Person("29:bob", "aad-bob", "Bob Follower", "bob@contoso.example")
CAROL = Person("29:carol", "aad-carol", "Carol Other", "carol@contoso.example")
DAVE = Person("29:dave", "aad-dave", "Dave Channel", "dave@contoso.example")
MALLORY = Person("29:mallory", "aad-mallory", "Mallory Elsewhere", "mallory@fabrikam.example", OTHER_TENANT)


@pytest.fixture
def services() -> CrmService:
    db = open_database(":memory:")
    migrate(db)
    return CrmService(Repository(db))


@pytest.fixture
def make_user(services: CrmService) -> Callable[..., User]:
    def make(person: Person = ALICE) -> User:
        return services.record_user(person.tenant_id, person.teams_id, person.aad_object_id, person.name, None)

    return make


class Teams:
    """Plays Microsoft Teams against the bot under test, over HTTP."""

    def __init__(self, client: TestClient, connector: FakeConnector, service_url: str) -> None:
        self.client = client
        self.connector = connector
        self.service_url = service_url
        self._ids = itertools.count(1)

    @property
    def services(self) -> CrmService:
        return self.client.app[SERVICES]

    def activity(self, person: Person, kind: str = "message", chat: str = "personal", **fields: Any) -> dict[str, Any]:
        conversation: dict[str, Any]
        if chat == "personal":
            conversation = {
                "id": f"a:1:{person.teams_id}",
                "conversationType": "personal",
                "tenantId": person.tenant_id,
            }
        else:
            conversation = {
                "id": "19:sales@thread.tacv2;messageid=1700000000000",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": person.tenant_id,
            }
        channel_data: dict[str, Any] = {"tenant": {"id": person.tenant_id}}
        if chat == "channel":
            channel_data |= {"team": {"id": "19:team@thread.tacv2"}, "channel": {"id": "19:sales@thread.tacv2"}}
        return {
            "type": kind,
            "id": f"act-{next(self._ids)}-{uuid.uuid4().hex[:6]}",
            "timestamp": "2026-11-23T12:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": person.teams_id, "name": person.name, "aadObjectId": person.aad_object_id},
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "channelData": channel_data,
            "locale": "en-US",
            **fields,
        }

    def message(self, person: Person, text: str, chat: str = "personal") -> dict[str, Any]:
        if chat == "personal":
            return self.activity(person, text=text, textFormat="plain")
        mention = {"type": "mention", "text": f"<at>{BOT_NAME}</at>", "mentioned": {"id": BOT_ID, "name": BOT_NAME}}
        return self.activity(
            person, chat=chat, text=f"<at>{BOT_NAME}</at> {text}", textFormat="plain", entities=[mention]
        )

    async def post(self, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        response = await self.client.post("/api/messages", json=body, headers=headers)
        data = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, data

    async def say(self, person: Person, text: str, chat: str = "personal") -> list[Posted]:
        activity = self.message(person, text, chat)
        status, _ = await self.post(activity)
        assert status in (200, 201), status
        return self.connector.replies_to(activity["id"])

    async def card(self, person: Person, text: str, chat: str = "personal") -> dict[str, Any]:
        """Send a command and return the one card the bot answered with."""
        replies = await self.say(person, text, chat)
        cards = [c for r in replies for c in r.cards]
        assert len(cards) == 1, [r.activity for r in replies]
        return cards[0]

    async def text(self, person: Person, text: str, chat: str = "personal") -> str:
        replies = await self.say(person, text, chat)
        assert replies, f"no reply to {text!r}"
        return "\n".join(r.text for r in replies)

    def notifications(self, person: Person) -> list[Posted]:
        """The notification messages `person` got in their 1:1 chat with the bot."""
        return self.connector.notifications(f"a:1:{person.teams_id}")

    def outbox(self, tenant_id: str = TENANT) -> dict[str, int]:
        return {status.value: n for status, n in self.services.deliveries.counts(tenant_id).items()}

    async def settled(self, timeout: float = 5.0) -> dict[str, int]:
        """Wait (bounded) until the sender has nothing left to do; the outbox counts then."""
        await self.connector.wait_for(lambda: self.outbox()["pending"] + self.outbox()["sending"] == 0, timeout)
        return self.outbox()

    async def click(self, person: Person, verb: str, data: dict[str, Any], chat: str = "personal") -> dict[str, Any]:
        """Click an Action.Execute button the way Teams does: an adaptiveCard/action invoke."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        invoke = self.activity(person, kind="invoke", chat=chat, name="adaptiveCard/action", value=value)
        status, body = await self.post(invoke)
        assert status == 200, (status, body)
        return body


def all_text(card: dict[str, Any]) -> str:
    """Every piece of text a person can read on a card, one per line."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node["text"])
            if node.get("type") == "FactSet":
                found.extend(f"{f['title']}: {f['value']}" for f in node["facts"])
            if node.get("type", "").startswith(("Action.", "Input.")) and "title" in node:
                found.append(f"[{node['title']}]")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(found)


@pytest.fixture
async def connector(aiohttp_server: Any) -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    # Teams' errors and limits hit the bot's proactive messages here, not its answers to the tests' chat.
    fake.scope = lambda _conversation, activity: bool(activity.get("summary"))
    for person in (ALICE, BOB, CAROL, DAVE, MALLORY):
        fake.add_member(person.teams_id, person.name, person.email, person.aad_object_id, person.tenant_id)
    server = await aiohttp_server(fake.app())
    yield fake, f"http://127.0.0.1:{server.port}/amer/"


@pytest.fixture
def bot_config(tmp_path: Any) -> Config:
    return Config(database_path=str(tmp_path / "crm.db"), notify_window_seconds=0)


@pytest.fixture
async def teams(aiohttp_client: Any, connector: tuple[FakeConnector, str], bot_config: Config) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST))
    return Teams(client, fake, service_url)
