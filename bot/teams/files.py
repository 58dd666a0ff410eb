"""Files in the personal chat, Teams' way (Microsoft Learn, "Send and receive files using bot"): a file a
person sends is downloaded from its pre-authenticated URL (no token of ours goes there; size-limited while
streaming; a timeout); a file the bot sends is offered with a FileConsentCard, uploaded on accept to the
OneDrive upload session Teams opened (Content-Range fragments), and shown with a file info card."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Attachment, InvokeResponse

from bot.domain.contact_csv import MAX_IMPORT_BYTES, FileOffer
from bot.domain.language import _
from bot.handlers.contact_files import EXPORTS, export_bytes, personal_only, preview_reply
from bot.handlers.replies import Reply
from bot.services import CrmService
from bot.teams.activity import Turn, is_personal

log = logging.getLogger(__name__)

DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=10)
FRAGMENT = 16 * 320 * 1024  # OneDrive: fragments in multiples of 320 KiB, at most 60 MiB


def _too_large(limit: int) -> str:
    return _("The file is larger than {n} MB; split it into smaller files.", n=limit // (1024 * 1024))


class FileRefused(Exception):
    """A download that cannot be used; the message is for the person."""


async def download(url: str, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The file's bytes; FileRefused past `limit` bytes (not read further), on an error or a timeout."""
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(url) as response:
            if response.status != 200:
                raise FileRefused(
                    _("I could not download the file (Teams answered {status}); send it again.", status=response.status)
                )
            if (response.content_length or 0) > limit:
                raise FileRefused(_too_large(limit))
            data = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > limit:
                    raise FileRefused(_too_large(limit))
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise FileRefused(
            _("I could not download the file ({reason}); send it again.", reason=type(exc).__name__)
        ) from None


async def upload(url: str, data: bytes) -> bool:
    """PUT the bytes to an upload session, fragment by fragment; whether the whole file arrived."""
    total = len(data)
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for start in range(0, max(total, 1), FRAGMENT):
                part = data[start : start + FRAGMENT]
                headers = {"Content-Range": f"bytes {start}-{start + len(part) - 1}/{total}",
                           "Content-Length": str(len(part))}  # fmt: skip
                async with session.put(url, data=part, headers=headers) as response:
                    if response.status not in (200, 201, 202):
                        log.info("upload refused: %s", response.status)
                        return False
                    if response.status in (200, 201):
                        return start + len(part) == total
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.info("upload failed: %s", type(exc).__name__)
    return False


def consent_attachment(offer: FileOffer) -> Attachment:
    context = {"export": offer.what}
    content = {"description": offer.description, "sizeInBytes": offer.size, "acceptContext": context,
               "declineContext": context}  # fmt: skip
    return Attachment(content_type=CONSENT_CARD, content=content, name=offer.name)


def file_attachments(turn_context: TurnContext) -> list[Attachment]:
    return [a for a in turn_context.activity.attachments or [] if a.content_type == DOWNLOAD_INFO]


class FileExchange:
    def __init__(self, services: CrmService) -> None:
        self.services = services

    async def received(self, turn_context: TurnContext, turn: Turn, attachment: Attachment) -> Reply:
        """A file the person sent: its preview card, or why it cannot be imported."""
        if not is_personal(turn_context.activity):
            return Reply(text=personal_only(), outcome="refused")
        content = attachment.content if isinstance(attachment.content, dict) else {}
        url, name = content.get("downloadUrl"), str(attachment.name or "file")[:200]
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return Reply(text=_("I could not download that file; send it again."), outcome="refused")
        try:
            data = await download(url)
        except FileRefused as exc:
            return Reply(text=_("I could not import {file}: {why}", file=name, why=exc), outcome="refused")
        return await self.services.run(preview_reply, self.services, turn.user, name, data)

    async def consent(self, turn_context: TurnContext, turn: Turn, value: dict[str, Any]) -> InvokeResponse:
        """The person's answer to a FileConsentCard (Teams sends it from the personal chat only)."""
        context, info = value.get("context"), value.get("uploadInfo")
        what = context.get("export") if isinstance(context, dict) else None
        info = info if isinstance(info, dict) else {}
        outcome = "refused"
        if not is_personal(turn_context.activity):
            await turn_context.send_activity(MessageFactory.text(personal_only()))
        elif what not in EXPORTS:
            await turn_context.send_activity(MessageFactory.text(_("That file offer is out of date; ask again.")))
        elif value.get("action") == "decline":
            await turn_context.send_activity(
                MessageFactory.text(_("You declined: nothing was sent ({file}).", file=what + ".csv"))
            )
            outcome = "declined"
        elif value.get("action") == "accept" and isinstance(info.get("uploadUrl"), str):
            outcome = await self._send_file(turn_context, turn, str(what), info)
        log.info("tenant=%s user=%s invoke=fileConsent outcome=%s", turn.tenant_id, turn.user.id, outcome)
        return InvokeResponse(status=200)

    async def _send_file(self, turn_context: TurnContext, turn: Turn, what: str, info: dict[str, Any]) -> str:
        data = await self.services.run(export_bytes, self.services, turn.user, what)  # built now: fresh data
        if not await upload(info["uploadUrl"], data):
            await turn_context.send_activity(MessageFactory.text(_("The upload to OneDrive failed; say export again.")))
            return "upload_failed"
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
