"""Teams' side of files in the personal chat, played against the bot: a person sends a file (a message with a
file download attachment), and answers a FileConsentCard (a `fileConsent/invoke`). See tests/fake_files.py."""

from __future__ import annotations

import asyncio
from typing import Any

from app import BOT
from tests.conftest import Person, Teams
from tests.fake_connector import Posted
from tests.fake_files import CONSENT_CARD, INFO_CARD


async def send_file(teams: Teams, person: Person, name: str, data: bytes, status: int = 200) -> list[Posted]:
    """The person drops a file into their chat with the bot; what the bot then posted in that chat."""
    return await send_attachment(teams, person, teams.connector.files.attachment(name, data, status))


async def send_attachment(teams: Teams, person: Person, attachment: dict[str, Any]) -> list[Posted]:
    """A message carrying this file attachment; what the bot posted in the person's chat, once it has read the
    file (its answer to the message, then, on its own, the preview or why not)."""
    before = len(teams.connector.posted)
    activity = teams.activity(person, attachments=[attachment])
    code, _ = await teams.post(activity)
    assert code in (200, 201), code
    await files_read(teams)
    chat = f"a:1:{person.teams_id}"
    return [p for p in teams.connector.posted[before:] if p.method == "POST" and p.conversation_id == chat]


async def files_read(teams: Teams, timeout: float = 10.0) -> None:
    """Wait (bounded) until the bot has read every file it was sent and said what it found."""
    tasks: set[asyncio.Task[None]] = teams.client.app[BOT].files.reading
    await teams.connector.wait_for(lambda: not tasks, timeout)  # its looks move the bot's FakeClock as it waits


def consent_cards(posts: list[Posted]) -> list[dict[str, Any]]:
    return [a for p in posts for a in p.activity.get("attachments") or [] if a.get("contentType") == CONSENT_CARD]


def info_cards(posts: list[Posted]) -> list[dict[str, Any]]:
    return [a for p in posts for a in p.activity.get("attachments") or [] if a.get("contentType") == INFO_CARD]


async def answer_consent(
    teams: Teams, person: Person, consent: dict[str, Any], action: str = "accept", chat: str = "personal"
) -> tuple[int, Any, list[Posted]]:
    """The person clicks Allow (accept) or Decline on the consent card: Teams' invoke (a reply to the card's
    message), its answer, and what the bot posted meanwhile."""
    value = teams.connector.files.consent_value(consent, action)
    return await post_consent(teams, person, consent, value, chat)


async def post_consent(
    teams: Teams, person: Person, consent: dict[str, Any], value: dict[str, Any], chat: str = "personal",
    activity_id: str | None = None,
) -> tuple[int, Any, list[Posted]]:  # fmt: skip
    """Teams' fileConsent/invoke with this value (`activity_id`: the same invoke delivered again)."""
    invoke = teams.activity(person, kind="invoke", chat=chat, name="fileConsent/invoke", value=value)
    if activity_id is not None:
        invoke["id"] = activity_id
    message = consent_message(teams, consent)
    if message is not None:
        invoke["replyToId"] = message.id
    before = len(teams.connector.posted)
    status, body = await teams.post(invoke)
    return status, body, teams.connector.posted[before:]


def consent_message(teams: Teams, consent: dict[str, Any]) -> Posted | None:
    """The bot's message that carried this consent card (None: a card the bot never sent)."""
    return next((p for p in teams.connector.posted if p.method == "POST" and consent in consent_cards([p])), None)


async def export_file(teams: Teams, person: Person, what: str) -> bytes:
    """`export <what>` in the personal chat, accepted: the bytes the bot uploaded."""
    offer = consent_cards(await teams.say(person, f"export {what}"))
    assert len(offer) == 1, offer
    status, _, posts = await answer_consent(teams, person, offer[0])
    assert status == 200, status
    (info,) = info_cards(posts)
    return teams.connector.files.uploaded(info["content"]["uniqueId"])
