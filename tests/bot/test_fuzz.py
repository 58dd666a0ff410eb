"""Property-based fuzzing through HTTP: random activities and card payloads, shaped like Teams' and
then broken in every way hypothesis can think of. Never a 5xx, the bot keeps serving, and a request
it refuses changes nothing."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import SERVICES, create_app
from bot.config import Config
from bot.services import CrmService
from cards import verbs
from tests.conftest import ALICE, BOT_ID, MALLORY, Person
from tests.fake_connector import FakeConnector

DOMAIN_TABLES = ("contacts", "records", "record_contacts", "followers", "comments", "events")
KNOWN_VERBS = [getattr(verbs, name) for name in dir(verbs) if name.isupper() and "DATASET" not in name]


class LiveBot:
    """The real app and the fake connector, served from a thread with its own event loop."""

    def __init__(self, database: str) -> None:
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.database = database
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(20), "the bot did not start"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        self.connector = FakeConnector()
        self.app = create_app(Config(database_path=self.database))
        self.runners = [web.AppRunner(self.connector.app()), web.AppRunner(self.app)]
        ports = []
        for runner in self.runners:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        self.service_url = f"http://127.0.0.1:{ports[0]}/"
        self.url = f"http://127.0.0.1:{ports[1]}/api/messages"

    @property
    def services(self) -> CrmService:
        return self.app[SERVICES]

    def call(self, func: Any) -> Any:
        """Run `func()` on the bot's loop (the database belongs to that thread's turns)."""

        async def run() -> Any:
            return func()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def snapshot(self) -> dict[str, list[Any]]:
        db = self.services.repo.db
        return self.call(lambda: {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in DOMAIN_TABLES})

    def stop(self) -> None:
        async def shutdown() -> None:
            for runner in reversed(self.runners):
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def activity(self, person: Person, **fields: Any) -> dict[str, Any]:
        return {
            "type": "message",
            "id": uuid.uuid4().hex,
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": person.teams_id, "name": person.name, "aadObjectId": person.aad_object_id},
            "conversation": {"id": f"a:1:{person.teams_id}", "conversationType": "personal"},
            "recipient": {"id": BOT_ID, "name": "CRM"},
            "channelData": {"tenant": {"id": person.tenant_id}},
            **fields,
        }

    def post(self, body: Any) -> requests.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return requests.post(self.url, data=data, headers={"Content-Type": "application/json"}, timeout=15)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBot]:
    bot = LiveBot(str(tmp_path_factory.mktemp("fuzz") / "crm.db"))
    for command in (
        "new contact Jane Buyer jane@acme.example",
        "new lead Acme rollout",
        "new contact Carl carl@acme.example",
    ):
        assert bot.post(bot.activity(ALICE, text=command)).status_code in (200, 201)
    yield bot
    bot.stop()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        "type",
        "text",
        "from",
        "conversation",
        "channelData",
        "entities",
        "value",
        "serviceUrl",
        "channelId",
        "recipient",
        "name",
        "id",
        "replyToId",
    ]
)
fuzz = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz
@given(
    changes=st.dictionaries(keys, json_values, max_size=4),
    drop=st.lists(keys, max_size=3),
    person=st.sampled_from([ALICE, MALLORY]),
)
def test_broken_activities_never_get_a_5xx(
    live: LiveBot, changes: dict[str, Any], drop: list[str], person: Person
) -> None:
    activity = live.activity(person, text="show L-1") | changes
    for key in drop:
        activity.pop(key, None)
    if activity.get("serviceUrl") != live.service_url and isinstance(activity.get("serviceUrl"), str):
        activity["serviceUrl"] = live.service_url  # a real URL elsewhere would be refused by the network guard
    before = live.snapshot()
    response = live.post(activity)
    assert response.status_code < 500, (response.status_code, activity)
    assert "Traceback" not in response.text
    if response.status_code >= 400 or activity.get("type") != "message":
        assert live.snapshot() == before


@fuzz
@given(
    verb=st.sampled_from(KNOWN_VERBS) | st.text(max_size=20),
    data=st.fixed_dictionaries(
        {},
        optional={
            "ref": st.sampled_from(["L-1", "l-1", "L-99", "O-1", ""]) | json_values,
            "version": st.integers(-5, 5) | json_values,
            "contact": st.sampled_from(["1", "2", "3", "999", ""]) | json_values,
            "stage": st.sampled_from(["New", "Won", "qualified"]) | json_values,
            "comment": st.text(max_size=100) | json_values,
            "kind": st.sampled_from(["lead", "opportunity", "invoice"]) | json_values,
            "title": json_values,
            "follower": json_values,
            "send_id": json_values,
            "role": st.sampled_from(["participants", "followers", "x"]) | json_values,
        },
    )
    | json_values,
    person=st.sampled_from([ALICE, MALLORY]),
)
def test_tampered_card_payloads_are_answered_with_200(live: LiveBot, verb: Any, data: Any, person: Person) -> None:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    before = live.snapshot()
    response = live.post(live.activity(person, type="invoke", name="adaptiveCard/action", value=value))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["statusCode"] == 200 and "Traceback" not in response.text
    if body["type"] == "application/vnd.microsoft.activity.message" or person is MALLORY:
        assert live.snapshot() == before  # refused, or another tenant's record: nothing changed


def test_the_bot_still_serves_after_the_fuzzing(live: LiveBot) -> None:
    assert requests.get(live.url.replace("/api/messages", "/healthz"), timeout=5).json() == {"ok": True}
    assert live.post(live.activity(ALICE, text="show L-1")).status_code in (200, 201)
