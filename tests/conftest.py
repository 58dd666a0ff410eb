"""Shared fixtures: a fresh database, the fake Bot Connector, and a `teams` client that sends the bot
activities shaped exactly like Microsoft Teams' and reads the replies back from the fake connector."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import shutil
import socket
import sqlite3
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import BOT, SERVICES, create_app
from bot.config import Config
from bot.domain.clock import shifted, utc_now
from bot.domain.models import User
from bot.notify.rate_limits import DeliveryPolicy
from bot.services import CrmService
from storage.db import open_database
from storage.migrations import migrate
from storage.repository import Repository
from tests.fake_clock import CountingExecutor, Driver, FakeClock
from tests.fake_connector import FakeConnector, Posted
from tests.fake_graph import FakeCredential, FakeGraph
from tests.postgres_server import PostgresServer, in_memory

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
OTHER_TENANT = "72f988bf-0000-4000-8000-00000000bbbb"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"
TEAM_ID = "19:team@thread.tacv2"  # the team whose channel the tests talk in
BOT_NAME = "CRM"
CARD = "application/vnd.microsoft.card.adaptive"
CHANNEL = "19:sales@thread.tacv2"  # the team channel the bot is installed in (Teams.activity's "channel")
GROUP_CHAT = "19:group-chat@thread.v2"  # Teams.activity's "group"
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
    locale: str | None = None  # sent in Teams' clientInfo entity on each of their activities, as Teams does


ALICE = Person("29:alice", "aad0a11c-0000-4000-8000-000000000001", "Alice Owner", "alice@contoso.example")
BOB = Person("29:bob", "aad0b0b0-0000-4000-8000-000000000002", "Bob Follower", "bob@contoso.example")
CAROL = Person("29:carol", "aad0ca20-0000-4000-8000-000000000003", "Carol Other", "carol@contoso.example")
DAVE = Person("29:dave", "aad0da7e-0000-4000-8000-000000000004", "Dave Channel", "dave@contoso.example")
MALLORY = Person(
    "29:mallory", "aad0ba11-0000-4000-8000-000000000005", "Mallory Elsewhere", "mallory@fabrikam.example", OTHER_TENANT
)


# The storage tests, the bot tests through HTTP and the concurrency tests run on both backends.
# CRM_TEST_BACKENDS=sqlite runs them on SQLite alone (no PostgreSQL installed).
BACKENDS = [b for b in os.environ.get("CRM_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL for the whole run, its files in memory where there is room, started here and stopped (and
    removed) at the end."""
    server = PostgresServer(under=in_memory()).start()
    try:
        server.create_template()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once for the run: each test starts from a copy of it, as each PostgreSQL test
    does from the template database (every migration run for every test cost ~40 ms; the migrations themselves
    are tested in tests/storage and tests/bot/test_startup.py, from empty and old databases)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "crm.db"
    db = open_database(str(path))
    migrate(db)
    db.close()  # the last connection: SQLite checkpoints the WAL into the file and removes it
    return path


@pytest.fixture
def database_path(tmp_path: Path, database_url: str, sqlite_template: Path) -> str:
    """The test's SQLite file: a copy of the migrated template (on PostgreSQL, a path nothing opens)."""
    path = tmp_path / "crm.db"
    if not database_url:
        shutil.copyfile(sqlite_template, path)
    return str(path)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """ "" for SQLite; for PostgreSQL, a fresh migrated database of its own (dropped afterwards)."""
    if request.param == "sqlite":
        yield ""
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.new_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def services(sqlite_template: Path) -> CrmService:
    db = open_database(":memory:")
    with closing(sqlite3.connect(sqlite_template)) as template:
        template.backup(db.conn)  # the migrated schema, copied page by page
    return CrmService(Repository(db))


@pytest.fixture
def make_user(services: CrmService) -> Callable[..., User]:
    def make(person: Person = ALICE) -> User:
        return services.people.record_user(person.tenant_id, person.teams_id, person.aad_object_id, person.name, None)

    return make


_COUNTED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CountingExecutor] = weakref.WeakKeyDictionary()


def counted_threads() -> CountingExecutor:
    """The running event loop's default executor (msrest's HTTP calls run there), counted for a FakeClock's Driver;
    set on the first call (the loop shuts it down when it closes)."""
    loop = asyncio.get_running_loop()
    if loop not in _COUNTED:
        _COUNTED[loop] = CountingExecutor(thread_name_prefix="asyncio-default")
        loop.set_default_executor(_COUNTED[loop])
    return _COUNTED[loop]


class Teams:
    """Plays Microsoft Teams against the bot under test, over HTTP."""

    def __init__(self, client: TestClient, connector: FakeConnector, service_url: str) -> None:
        self.client = client
        self.connector = connector
        self.service_url = service_url
        self.clock: FakeClock | None = None  # the bot's, when `moving` made the test's waits move it
        self.driver: Driver | None = None
        self._ids = itertools.count(1)

    def moving(self, clock: FakeClock, graph: FakeGraph | None = None) -> Teams:
        """The bot waits on `clock` (create_app(timer=clock)): the fakes keep its time, and each wait of the test
        (connector.wait_for, settled, cards_updated, passing) moves it whenever nothing is under way
        (tests/fake_clock.py's Driver), so backoffs, rate windows and the debounce pass at once."""
        self.clock = clock
        fakes: list[FakeConnector | FakeGraph] = [self.connector, *([graph] if graph else [])]
        for fake in fakes:
            fake.now = clock.monotonic
        answering = [functools.partial(lambda f: f.handling > 0, fake) for fake in fakes]
        shared = getattr(self.connector.on_look, "__self__", None)  # a second app on the same fake and clock
        if isinstance(shared, Driver) and shared.clock is clock:
            shared.busy += [self._transactions, *answering]
            self.driver = shared
        else:
            threads = counted_threads()
            self.driver = Driver(clock, self._transactions, *answering, slow=(threads.under_way,))
        self.connector.on_look = self.driver.step
        self.connector.look_every = 0.002
        return self

    async def idle(self, timeout: float = 5.0) -> None:
        """Until the bot has done all it would do by now (nothing under way for a few looks), its FakeClock left
        where it is: the sender's passes after a start or a move of the clock, a post that is due."""
        assert self.driver is not None, "idle() watches a FakeClock's Driver: start the bot with moving()"
        driver = self.driver
        driver.hold, driver.calm_looks = True, 0
        try:
            await self.connector.wait_for(lambda: driver.calm, timeout)
        finally:
            driver.hold = False

    async def passing(self, seconds: float) -> None:
        """Let `seconds` of the bot's time pass (its FakeClock moved as in any wait): the sender's passes, a
        window that must not end in a post; then nothing it would do by then is left undone."""
        assert self.clock is not None, "passing() moves the bot's FakeClock: start it with moving()"
        until = self.clock.elapsed + seconds
        clock = self.clock
        await self.connector.wait_for(lambda: clock.elapsed >= until)

    def now(self) -> float:
        """The bot's time in seconds (its FakeClock's when moving), to measure what it waited."""
        return self.clock.monotonic() if self.clock is not None else time.monotonic()

    def _transactions(self) -> bool:
        """Whether PostgreSQL work is under way (a pooled connection out); SQLite's runs inline."""
        busy = getattr(self.services.repo.db, "busy", None)
        return bool(busy and busy())

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
        elif chat == "group":  # a group chat (the bot may or may not be in it: connector.without_bot)
            conversation = {
                "id": GROUP_CHAT,
                "conversationType": "groupChat",
                "isGroup": True,
                "tenantId": person.tenant_id,
            }
        else:
            conversation = {
                "id": f"{CHANNEL};messageid=1700000000000",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": person.tenant_id,
            }
        channel_data: dict[str, Any] = {"tenant": {"id": person.tenant_id}}
        if chat == "channel":
            channel_data |= {"team": {"id": TEAM_ID}, "channel": {"id": CHANNEL}}
        if person.locale:
            client = {"type": "clientInfo", "locale": person.locale, "platform": "Web"}
            fields["entities"] = [*fields.get("entities", []), client]
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
            "locale": person.locale or "en-US",
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
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            self.connector.delivered.add(body["id"])  # a message in Teams now: the bot may reply to it
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
        """Wait (bounded) until the sender has nothing left to do now (a row held for later, such as the
        owner's daily roll-up of who follows, may stay pending); the outbox counts then."""
        await self.connector.wait_for(lambda: self.busy_rows() == 0, timeout)
        return self.outbox()

    def busy_rows(self) -> int:
        """Notifications being sent or due within a minute by the bot's clock (retries, merge windows),
        read from the database; rows held longer are held by design."""
        sql = (
            "SELECT count(*) FROM notifications WHERE status = 'sending'"
            " OR (status = 'pending' AND next_attempt_at <= ?)"
        )
        soon = shifted(self.services.clock(), 60)
        return int(self.services.repo.db.execute(sql, [soon]).fetchone()[0])

    async def cards_updated(self, timeout: float = 5.0) -> None:
        """Wait (bounded) until every scheduled update of posted cards has been tried."""
        tasks = self.client.app[BOT].card_updater._tasks
        await self.connector.wait_for(lambda: not tasks, timeout)

    def comment_count(self, tenant_id: str, record_id: int) -> int:
        """The comments stored on a record, read from the database (the product never counts them)."""
        sql = "SELECT count(*) FROM comments WHERE tenant_id = ? AND record_id = ?"
        return int(self.services.repo.db.execute(sql, [tenant_id, record_id]).fetchone()[0])

    async def click(
        self, person: Person, verb: Any, data: Any, chat: str = "personal", message_id: str | None = None
    ) -> dict[str, Any]:
        """Click an Action.Execute button the way Teams does: an adaptiveCard/action invoke."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        invoke = self.activity(person, kind="invoke", chat=chat, name="adaptiveCard/action", value=value)
        if message_id:
            invoke["replyToId"] = message_id
        status, body = await self.post(invoke)
        assert status == 200, (status, body)
        return body


class CardInHand:
    """A posted card as one person sees it: press its buttons by title, as in Teams."""

    def __init__(self, teams: Teams, person: Person, card: dict[str, Any], message_id: str, chat: str) -> None:
        self.teams, self.person, self.card, self.message_id, self.chat = teams, person, card, message_id, chat
        self.answer: dict[str, Any] = {}

    @classmethod
    async def posted(cls, teams: Teams, person: Person, command: str, chat: str = "personal") -> CardInHand:
        replies = await teams.say(person, command, chat)
        posts = [r for r in replies if r.cards]
        assert len(posts) == 1, [r.activity for r in replies]
        return cls(teams, person, posts[0].cards[0], posts[0].id, chat)

    def held_by(self, person: Person) -> CardInHand:
        """The same message as someone else in the chat sees it."""
        return CardInHand(self.teams, person, self.card, self.message_id, self.chat)

    def _actions(self) -> list[dict[str, Any]]:
        """The buttons a person sees (not the card's hidden refresh action)."""
        return find([self.card.get("body", []), self.card.get("actions", [])], "Action.Execute")

    def buttons(self) -> list[str]:
        return [a["title"] for a in self._actions()]

    async def press(self, title: str, /, **values: str) -> CardInHand:
        """Click the button: Teams merges the inputs' values into the action's data. A card answer
        replaces the card; a message answer leaves it and is kept in `answer`."""
        matches = [a for a in self._actions() if a["title"] == title]
        assert matches, f"no button {title!r} in {self.buttons()}"
        action = matches[0]
        data = {**action.get("data", {})}
        if action.get("associatedInputs") != "none":
            data |= self.input_values() | values
        self.answer = await self.teams.click(self.person, action["verb"], data, self.chat, self.message_id)
        if self.answer["type"] == CARD:
            self.card = self.answer["value"]
        return self

    @property
    def text(self) -> str:
        return all_text(self.card)

    def inputs(self) -> dict[str, dict[str, Any]]:
        return {i["id"]: i for i in find(self.card, "Input.")}

    def input_values(self) -> dict[str, str]:
        """What Teams sends for the inputs nobody touched: their current values. An input left empty is not
        sent at all (Teams omits it), so "absent" means "untouched", never "cleared"."""
        found = {}
        for input_id, element in self.inputs().items():
            default = element.get("valueOff", "false") if element["type"] == "Input.Toggle" else ""
            value = str(element.get("value", default))
            if value:
                found[input_id] = value
        return found


def walk_card(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    """Call `visit` on every element of a card, depth first, in order."""
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            walk_card(value, visit)
    elif isinstance(node, list):
        for item in node:
            walk_card(item, visit)


def find(card: Any, type_prefix: str) -> list[dict[str, Any]]:
    """Every element of a card whose type starts with `type_prefix`, in order."""
    found: list[dict[str, Any]] = []
    walk_card(card, lambda n: found.append(n) if str(n.get("type", "")).startswith(type_prefix) else None)
    return found


def all_text(card: Mapping[str, Any]) -> str:
    """Every piece of text a person can read on a card, one per line."""
    found: list[str] = []

    def visit(node: dict[str, Any]) -> None:
        kind = str(node.get("type", ""))
        if kind == "TextBlock":
            found.append(node["text"])
        if kind == "FactSet":
            found.extend(f"{f['title']}: {f['value']}" for f in node["facts"])
        if kind.startswith(("Action.", "Input.")) and "title" in node:
            found.append(f"[{node['title']}]")

    walk_card(card, visit)
    return "\n".join(found)


@pytest.fixture
async def connector(aiohttp_server: Any) -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    # Teams' errors and limits hit the bot's proactive messages here, not its answers to the tests' chat.
    fake.scope = lambda _conversation, activity: bool(activity.get("summary"))
    fake.channels.add(CHANNEL)
    for person in (ALICE, BOB, CAROL, DAVE, MALLORY):
        fake.add_member(person.teams_id, person.name, person.email, person.aad_object_id, person.tenant_id)
    fake.rosters[TEAM_ID] = {p.teams_id for p in (ALICE, BOB, CAROL, DAVE)}  # the sales team: TENANT's people
    fake.team_names[TEAM_ID] = "Sales"
    server = await aiohttp_server(fake.app())
    fake.files.base_url = f"http://127.0.0.1:{server.port}"
    yield fake, f"http://127.0.0.1:{server.port}/amer/"


@pytest.fixture
def surroundings(request: pytest.FixtureRequest, aiohttp_server: Any) -> None:
    """What an app under test talks to, set up before it so that it stops first (fixtures are torn down in the
    reverse order): the fakes aiohttp_server serves (the connector, Graph) and the test's database. Stopped
    after them, an app's last deliveries and card updates were retried against a closed port (msrest's 4.8 s of
    backoff) and its pool waited 30 s for a connection to a dropped database, in the teardown of tests whose
    fixtures asked for aiohttp_client before bot_config or connector."""
    if "database_url" in request.fixturenames:
        request.getfixturevalue("database_url")


@pytest.fixture
def aiohttp_client(surroundings: None, aiohttp_client: Any) -> Any:
    """pytest-aiohttp's, after the surroundings, whatever order a test or fixture names them in."""
    return aiohttp_client


@pytest.fixture(autouse=True)
def only_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs offline: a connection to anything but loopback fails the test loudly."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to reach {address!r}: tests talk only to local fakes")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
async def fake_graph(aiohttp_server: Any) -> AsyncIterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()
    server = await aiohttp_server(fake.app())
    yield fake, f"http://127.0.0.1:{server.port}/v1.0"


@pytest.fixture
def fake_clock() -> FakeClock:
    """The bot's time in the HTTP tests (create_app(timer=...)): from now on, moved by the test's waits, never
    slept through (dates the tests work out from today stay right); each stamp a microsecond after the last."""
    return FakeClock(start=utc_now(), tick=0.000001)


@pytest.fixture
async def teams_with_graph(
    database_url: str,
    aiohttp_client: Any,
    connector: tuple[FakeConnector, str],
    fake_graph: tuple[FakeGraph, str],
    database_path: str,
    fake_clock: FakeClock,
) -> Teams:
    """The bot with Microsoft Graph configured for TENANT and pointed at the fake Graph."""
    fake, service_url = connector
    config = Config(
        database_path=database_path,
        database_url=database_url,
        graph_client_id="00000000-0000-4000-8000-00000000c11e",
        graph_client_secret="not-a-secret",
        graph_tenant_id=TENANT,
        graph_base_url=fake_graph[1],
        teams_app_catalog_id="catalog-app-1",
        notify_window_seconds=0,
        file_download_hosts=(fake.files.base_url,),
    )
    fake_graph[0].publish("catalog-app-1", web_application_id=config.graph_client_id)  # as `make package` builds it
    app = create_app(config, graph_credential=FakeCredential(config.graph_client_id), delivery=FAST, timer=fake_clock)
    return Teams(await aiohttp_client(app), fake, service_url).moving(fake_clock, fake_graph[0])


@pytest.fixture
def bot_config(database_path: str, database_url: str, connector: tuple[FakeConnector, str]) -> Config:
    """The bot's settings in tests; files come from the fake's loopback origin (as FILE_DOWNLOAD_HOSTS lists it)."""
    return Config(
        database_path=database_path,
        database_url=database_url,
        notify_window_seconds=0,
        file_download_hosts=(connector[0].files.base_url,),
    )


@pytest.fixture
async def teams(
    bot_config: Config,
    aiohttp_client: Any,
    connector: tuple[FakeConnector, str],
    fake_clock: FakeClock,
) -> Teams:
    fake, service_url = connector
    client = await aiohttp_client(create_app(bot_config, delivery=FAST, timer=fake_clock))
    return Teams(client, fake, service_url).moving(fake_clock)
