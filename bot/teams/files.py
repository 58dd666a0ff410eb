"""Files in the personal chat, Teams' way (Microsoft Learn, "Send and receive files using bot"): a file a
person sends is downloaded from its pre-authenticated URL (no token of ours goes there; size-limited while
streaming; a timeout), only from where Teams serves files (`DownloadPolicy`), in the background: the person is
answered at once and the preview follows as a message of its own. A file the bot sends is offered with a
FileConsentCard, uploaded on accept to the OneDrive upload session Teams opened (Content-Range fragments), and
shown with a file info card."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment, ConversationReference, InvokeResponse
from yarl import URL

from bot.domain.contact_csv import MAX_IMPORT_BYTES, FileOffer, Offered
from bot.domain.errors import DomainError
from bot.domain.language import _, translated
from bot.domain.rules import clean_text
from bot.handlers.contact_files import EXPORTS, export_bytes, personal_only, preview_reply
from bot.handlers.replies import Reply
from bot.services.contact_files import OFFER_GONE
from bot.teams.activity import Turn, is_personal

log = logging.getLogger(__name__)

DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=10)
FRAGMENT = 16 * 320 * 1024  # OneDrive: fragments in multiples of 320 KiB, at most 60 MiB
# Where Teams serves the files people send a bot: SharePoint and OneDrive (work and personal); other clouds'
# hosts (sovereign clouds) and test servers are added with FILE_DOWNLOAD_HOSTS.
TEAMS_FILE_HOSTS = ("*.sharepoint.com", "*.sharepoint-df.com", "1drv.ms", "*.onedrive.com", "*.files.1drv.com")
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_OFFER_ID = re.compile(r"[0-9a-f]{32}")

Deliver = Callable[[str, ConversationReference, Activity], Awaitable[str | None]]


def _too_large(limit: int) -> str:
    return _("The file is larger than {n} MB; split it into smaller files.", n=limit // (1024 * 1024))


class FileRefused(Exception):
    """A download that cannot be used; `answer(name)` is what the person is told."""

    def answer(self, name: str) -> str:
        return _("I could not download {file}. Send it to me again.", file=name)


class TooLarge(FileRefused):
    def answer(self, name: str) -> str:
        return _(
            "I could not import {file}: the file is larger than {mb} MB; split it.",
            file=name,
            mb=MAX_IMPORT_BYTES // (1024 * 1024),
        )


@dataclass(frozen=True)
class DownloadPolicy:
    """Where a file a person sent may be fetched from: https on port 443 of Teams' file hosts or of a host
    FILE_DOWNLOAD_HOSTS names (`host`, `*.suffix`), or exactly an origin it names (`https://host:port`,
    `http://127.0.0.1:port`); never a URL that carries credentials."""

    extra: tuple[str, ...] = ()

    def allows(self, url: URL) -> bool:
        host = (url.raw_host or "").lower().rstrip(".")
        if not host or url.raw_user is not None or url.raw_password is not None or not url.is_absolute():
            return False
        for entry in (*TEAMS_FILE_HOSTS, *self.extra):
            if "://" in entry:
                allowed = URL(entry)
                if (allowed.scheme, (allowed.raw_host or "").lower(), allowed.port) == (url.scheme, host, url.port):
                    return True
            elif url.scheme == "https" and url.port == 443 and _matches(entry, host):
                return True
        return False


def _matches(entry: str, host: str) -> bool:
    return host.endswith(entry[1:]) if entry.startswith("*.") else host == entry


async def download(url: Any, policy: DownloadPolicy, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The file's bytes, following redirects only within the policy's hosts; TooLarge past `limit` bytes (not read
    further); FileRefused for anything else (the person is told the same whatever the cause: an address the policy
    refuses, an answer other than 200, a refused connection or a timeout)."""
    try:
        target = URL(url) if isinstance(url, str) else None
    except ValueError:
        target = None
    if target is None:
        raise FileRefused("no download URL")
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for _ in range(MAX_REDIRECTS + 1):
                if not policy.allows(target):
                    log.info("download refused: %s://%s:%s is not a file host", target.scheme, target.host, target.port)
                    raise FileRefused("not a file host")
                async with session.get(target, allow_redirects=False) as response:
                    if response.status in _REDIRECTS and response.headers.get("Location"):
                        target = target.join(URL(response.headers["Location"]))
                        continue
                    if response.status != 200:
                        log.info("download refused: the file host answered %s", response.status)
                        raise FileRefused(f"answered {response.status}")
                    return await _read_limited(response, limit)
            raise FileRefused("too many redirects")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.info("download failed: %s", type(exc).__name__)
        raise FileRefused(type(exc).__name__) from None


async def _read_limited(response: aiohttp.ClientResponse, limit: int) -> bytes:
    if (response.content_length or 0) > limit:
        raise TooLarge("too large")
    data = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > limit:
            raise TooLarge("too large")
    return bytes(data)


def fragment_timeout(size: int) -> float:
    """Seconds one fragment's PUT may take: 10 s, plus its bytes at 256 KiB a second (30 s for a full 5 MiB
    fragment). Each fragment has its own: a file of several fragments may take longer as a whole."""
    return 10.0 + size / (256 * 1024)


async def upload(
    url: str, data: bytes, timeout_of: Callable[[int], float] = fragment_timeout, fragment: int = FRAGMENT
) -> bool:
    """PUT the bytes to an upload session, fragment by fragment, each within its own time; whether the whole
    file arrived."""
    total = len(data)
    try:
        async with aiohttp.ClientSession() as session:
            for start in range(0, max(total, 1), fragment):
                part = data[start : start + fragment]
                timeout = aiohttp.ClientTimeout(total=timeout_of(len(part)), sock_connect=10)
                headers = {"Content-Range": f"bytes {start}-{start + len(part) - 1}/{total}",
                           "Content-Length": str(len(part))}  # fmt: skip
                async with session.put(url, data=part, headers=headers, timeout=timeout) as response:
                    if response.status not in (200, 201, 202):
                        log.info("upload refused: %s", response.status)
                        return False
                    if response.status in (200, 201):
                        return start + len(part) == total
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.info("upload failed: %s", type(exc).__name__)
    return False


def consent_attachment(offer: FileOffer) -> Attachment:
    context = {"export": offer.what, "offer": offer.offer_id}  # the offer id is what an answer is held to
    content = {"description": offer.description, "sizeInBytes": offer.size, "acceptContext": context,
               "declineContext": context}  # fmt: skip
    return Attachment(content_type=CONSENT_CARD, content=content, name=offer.name)


def file_attachments(turn_context: TurnContext) -> list[Attachment]:
    return [a for a in turn_context.activity.attachments or [] if a.content_type == DOWNLOAD_INFO]


class FileExchange:
    def __init__(self, policy: DownloadPolicy, deliver: Deliver | None = None) -> None:
        self.policy = policy
        self.deliver = deliver  # a message of the bot's own into a chat: the proactive path notifications take
        self.reading: set[asyncio.Task[None]] = set()

    async def received(self, turn_context: TurnContext, turn: Turn, attachment: Attachment) -> Reply:
        """A file the person sent: answered at once (Teams waits about 15 s for an answer, then sends the message
        again); its preview card, or why it cannot be imported, follows once it is read."""
        if not is_personal(turn_context.activity):
            return Reply(text=personal_only(), outcome="refused")
        content = attachment.content if isinstance(attachment.content, dict) else {}
        name = clean_text(str(attachment.name or ""))[:100] or _("your file")
        if not await turn.services.run(turn.services.work.claim_unclaimed):  # taken now: a redelivery reads nothing
            return Reply(outcome="redelivered")
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        task = asyncio.create_task(self._read(turn, reference, content.get("downloadUrl"), name), name="file")
        self.reading.add(task)
        task.add_done_callback(self.reading.discard)
        return Reply(text=_("Reading your file {file} …", file=name), outcome="reading")

    async def _read(self, turn: Turn, reference: ConversationReference, url: Any, name: str) -> None:
        try:
            try:
                data = await download(url, self.policy)
            except FileRefused as exc:
                reply = Reply(text=exc.answer(name), outcome="refused")
            else:
                reply = await turn.services.run(preview_reply, turn.services, turn.user, name, data)
            if self.deliver is None:
                log.warning(
                    "tenant=%s user=%s file read, but the bot cannot send messages", turn.tenant_id, turn.user.id
                )
                return
            if reply.card is not None:
                message = MessageFactory.attachment(CardFactory.adaptive_card(reply.card))
            else:
                message = MessageFactory.text(reply.text or "")
            message.channel_data = {"tenant": {"id": turn.tenant_id}}
            await self.deliver(turn.tenant_id, reference, message)
            log.info("tenant=%s user=%s file read: %s", turn.tenant_id, turn.user.id, reply.outcome)
        except Exception:  # nothing to answer any more: the person sends the file again
            log.exception("tenant=%s user=%s reading a file failed", turn.tenant_id, turn.user.id)

    async def close(self) -> None:
        """The app stops: files still being read are dropped (their senders send them again)."""
        for task in list(self.reading):
            task.cancel()
        await asyncio.gather(*self.reading, return_exceptions=True)

    async def consent(self, turn_context: TurnContext, turn: Turn, value: dict[str, Any]) -> InvokeResponse:
        """The person's answer to a FileConsentCard (Teams sends it from the personal chat only): held to an offer
        the bot made to that person and not answered yet, so a file goes out once per offer; the card is then
        replaced by what became of it."""
        context, info = value.get("context"), value.get("uploadInfo")
        offer_id = context.get("offer") if isinstance(context, dict) else None
        info = info if isinstance(info, dict) else {}
        action = value.get("action")
        outcome = "refused"
        if not is_personal(turn_context.activity):
            await turn_context.send_activity(MessageFactory.text(personal_only()))
        elif (
            not isinstance(offer_id, str)
            or not _OFFER_ID.fullmatch(offer_id)
            or action not in ("accept", "decline")
            or (action == "accept" and not isinstance(info.get("uploadUrl"), str))
        ):
            await turn_context.send_activity(MessageFactory.text(translated(OFFER_GONE)))
        else:
            try:
                offered = await turn.services.run(
                    turn.services.contact_files.answer_offer, turn.user, offer_id, action == "accept"
                )
            except DomainError as exc:  # never offered, someone else's, or answered already
                await turn_context.send_activity(MessageFactory.text(exc.message))
            else:
                if action == "decline":
                    await self._replace_offer(
                        turn_context, offered, _("You declined: nothing was sent ({file}).", file=offered.what + ".csv")
                    )
                    outcome = "declined"
                else:
                    outcome = await self._send_file(turn_context, turn, offered, info)
        log.info("tenant=%s user=%s invoke=fileConsent outcome=%s", turn.tenant_id, turn.user.id, outcome)
        return InvokeResponse(status=200)

    async def _send_file(self, turn_context: TurnContext, turn: Turn, offered: Offered, info: dict[str, Any]) -> str:
        what = offered.what
        if what not in EXPORTS:
            return "refused"
        data = await turn.services.run(export_bytes, turn.services, turn.user, what)  # built now: fresh data
        sent = await upload(info["uploadUrl"], data)
        await turn.services.run(turn.services.contact_files.offer_sent, turn.user, offered.offer_id, sent)
        if not sent:
            await self._replace_offer(
                turn_context,
                offered,
                _("{what}.csv: the upload to OneDrive failed; say export {what} again.", what=what),
            )
            return "upload_failed"
        await self._replace_offer(turn_context, offered, _("{what}.csv: sent to your OneDrive.", what=what))
        card = Attachment(
            content_type=INFO_CARD,
            content={"uniqueId": info.get("uniqueId"), "fileType": info.get("fileType")},
            content_url=info.get("contentUrl"),
            name=info.get("name"),
        )
        message = MessageFactory.attachment(card)
        message.text = _("Here is {file}, in your OneDrive.", file=what + ".csv")
        await turn_context.send_activity(message)
        return "uploaded"

    async def _replace_offer(self, turn_context: TurnContext, offered: Offered, text: str) -> None:
        """The consent card, answered, becomes a line saying what became of it (its buttons gone); where the card
        is unknown or cannot be updated, the line is sent instead."""
        conversation = turn_context.activity.conversation
        if offered.message_id and conversation is not None and offered.conversation_id == conversation.id:
            replaced = MessageFactory.text(text)
            replaced.id = offered.message_id
            try:
                await turn_context.update_activity(replaced)
                return
            except Exception as exc:  # deleted meanwhile, or Teams refused: say it in a message instead
                log.info("consent card not replaced: %s", type(exc).__name__)
        await turn_context.send_activity(MessageFactory.text(text))
