"""A person in one Playground instance, driven over the Playground's own HTTP + websocket API.

`PlaygroundChat` sends what its UI sends (messages, Action.Submit, Action.Execute, install events) and
reads what the bot sends from the websocket the UI listens on. `click(message, title, inputs)` finds a
button on a card by its title and sends what the Playground sends for that kind of button, so a test
reads like a person using the card: `await alex.click(card, "Set contact", {"contact": "jane@..."})`.
Written against Playground 0.2.28 (see ../shared/PLAYGROUND.md): its API is private.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from cards import verbs
from tests.conftest import all_text, find

CARD = "application/vnd.microsoft.card.adaptive"
WAIT = 15.0  # seconds: the longest any single step may take


@dataclass
class Message:
    """One message the bot posted (or updated) in this person's chat."""

    id: str
    text: str
    cards: list[dict[str, Any]]
    action: str  # createMessage | updateMessage
    raw: dict[str, Any] = field(repr=False)

    @property
    def card(self) -> dict[str, Any]:
        assert len(self.cards) == 1, f"expected one card, got {len(self.cards)}: {self.text!r}"
        return self.cards[0]

    def readable(self) -> str:
        """What a person reads: the text and every card's text, facts and button titles."""
        return "\n".join([self.text, *(all_text(card) for card in self.cards)]).strip()


def is_notification(message: Message) -> bool:
    return "You get this because you follow" in message.readable()


def find_action(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The button titled `title` anywhere on the card (actions, action sets, select actions)."""
    found = [a for a in find(card, "Action.") if a.get("title") == title]
    assert found, f"no button {title!r} on the card:\n{all_text(card)}"
    return found[0]


class PlaygroundChat:
    """One person's personal chat with the bot, in one Playground instance."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.conversation_id = ""
        self.user_id = ""
        self.bot_id = ""
        self.messages: list[Message] = []
        self._arrived = asyncio.Condition()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> PlaygroundChat:
        """Read the instance's config and open the websocket: before sending anything, as the UI does."""
        config = (await self._json("GET", "/_internal/v1/testConfig"))["config"]
        self.conversation_id = config["personalChat"]["id"]
        self.user_id = config["currentUser"]["id"]
        self.bot_id = config["bot"]["id"]
        self._ws = await self.session.ws_connect(f"{self.base_url}/_ws_conversation/v1/conversations/stream")
        self._reader = asyncio.create_task(self._read())
        return self

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws:
            await self._ws.close()

    async def _read(self) -> None:
        assert self._ws is not None
        async for frame in self._ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            event = json.loads(frame.data)
            message = event.get("message") or {}
            if event.get("action") not in ("createMessage", "updateMessage") or not isinstance(message, dict):
                continue
            if event.get("actionConversationId") != self.conversation_id:
                continue
            if (message.get("from") or {}).get("id") != self.bot_id:
                continue
            cards = [a["content"] for a in message.get("attachments") or [] if a.get("contentType") == CARD]
            async with self._arrived:
                self.messages.append(
                    Message(str(message.get("messageId")), message.get("text") or "", cards, event["action"], message)
                )
                self._arrived.notify_all()

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, self.base_url + path, json=body) as response:
            text = await response.text()
            assert response.status == 200, f"{method} {path} -> {response.status}: {text[:500]}"
            return json.loads(text) if text else None

    # --- reading ------------------------------------------------------------------------------

    def mark(self) -> int:
        return len(self.messages)

    async def wait_for(
        self, since: int, count: int = 1, where: Callable[[Message], bool] = lambda m: True, timeout: float = WAIT
    ) -> list[Message]:
        """The first `count` messages from the bot after `since` that match, within `timeout` seconds."""

        def matching() -> list[Message]:
            return [m for m in self.messages[since:] if where(m)]

        async with self._arrived:
            try:
                await asyncio.wait_for(self._arrived.wait_for(lambda: len(matching()) >= count), timeout)
            except TimeoutError:
                seen = "\n---\n".join(m.readable()[:300] for m in self.messages[since:]) or "(nothing)"
                raise AssertionError(f"waited {timeout:.0f} s for {count} message(s); the bot sent:\n{seen}") from None
        return matching()[:count]

    async def nothing_arrives(self, since: int, seconds: float) -> None:
        """No message from the bot after `since` for `seconds` (a bounded wait, for 'nobody was told')."""
        await asyncio.sleep(seconds)
        extra = self.messages[since:]
        assert not extra, f"unexpected message(s): {[m.readable()[:200] for m in extra]}"

    # --- acting -------------------------------------------------------------------------------

    async def install(self, settle: float = 0.5) -> None:
        """What the Playground's UI sends on every page load: installationUpdate + conversationUpdate.

        Then waits until the bot has been quiet for `settle` seconds, so that a welcome (sent only the
        first time) is not taken for the answer to the next command."""
        await self._json("POST", f"/_debug/conversation/{self.conversation_id}/installation", {})
        await self.settle(settle)

    async def settle(self, quiet: float, timeout: float = WAIT) -> None:
        """Wait until no message has arrived for `quiet` seconds (at most `timeout`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            count = self.mark()
            await asyncio.sleep(quiet)
            if self.mark() == count:
                return
        raise AssertionError(f"the bot kept sending for {timeout:.0f} s")

    async def say(self, text: str, replies: int = 1) -> Message:
        """Type `text` in the compose box and send it; the bot's (last) reply. Notifications that arrive
        meanwhile (someone else's change to a record this person follows) are not replies."""
        since = self.mark()
        body = {"from": {"id": self.user_id}, "text": text, "textFormat": "plain"}
        await self._json("POST", f"/_conversation/v1/conversations/{self.conversation_id}/messages", body)
        return (await self.wait_for(since, replies, where=lambda m: not is_notification(m)))[-1]

    async def click(self, message: Message, title: str, inputs: dict[str, Any] | None = None) -> Message:
        """Click the button `title` on the message's card with `inputs` typed into the card's fields.

        Action.Execute: the invoke's answer replaces the card, so the returned Message is the same one
        with its new card; a button that runs a command answers with a new message, which is returned, as
        for an Action.Submit."""
        action = find_action(message.card, title)
        data = {**(action.get("data") or {}), **(inputs or {})}
        if action["type"] == "Action.Execute" and action["verb"] == verbs.RUN_COMMAND:
            since = self.mark()
            await self.execute(message, action["verb"], data)
            return (await self.wait_for(since))[-1]
        if action["type"] == "Action.Execute":
            return await self.execute(message, action["verb"], data)
        assert action["type"] == "Action.Submit", f"can't click a {action['type']} here"
        since = self.mark()
        body = {"conversation": {"id": self.conversation_id}, "from": {"id": self.user_id}}
        await self._json("POST", "/_conversation/v1/submit", body | {"replyToId": message.id, "value": data})
        return (await self.wait_for(since))[-1]

    async def execute(self, message: Message, verb: str, data: dict[str, Any]) -> Message:
        """An Action.Execute invoke as the Playground's UI sends it (it sends no `trigger`)."""
        body = {
            "name": "adaptiveCard/action",
            "conversation": {"id": self.conversation_id},
            "from": {"id": self.user_id},
            "replyToId": message.id,
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
        }
        answer = await self._json("POST", "/_conversation/v1/invoke", body)
        assert isinstance(answer, dict), answer
        if answer.get("type") == CARD:
            return Message(message.id, "", [answer["value"]], "invokeResponse", answer)
        return Message(message.id, str(answer.get("value", "")), [], "invokeResponse", answer)

    async def compose_extension(self, name: str, value: dict[str, Any]) -> Any:
        """A message-extension invoke (`composeExtension/query`, `fetchTask`, `submitAction`) through the
        Playground's invoke API, which forwards it to the bot as Teams would and returns the bot's answer."""
        body = {
            "name": name,
            "conversation": {"id": self.conversation_id},
            "from": {"id": self.user_id},
            "value": value,
        }
        return await self._json("POST", "/_conversation/v1/invoke", body)
