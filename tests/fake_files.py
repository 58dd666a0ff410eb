"""Files in the personal chat, as Teams does them for a bot with `supportsFiles` (Microsoft Learn, "Send and
receive files using bot"), served by the fake connector on 127.0.0.1.

- A file the person sends arrives as an attachment `application/vnd.microsoft.teams.file.download.info` with
  content {downloadUrl, uniqueId, fileType} and the file's name. The download URL is pre-authenticated (no
  Authorization header: a bot that sends its token there leaks it to SharePoint) and short-lived.
- The bot asks before it sends a file: a FileConsentCard (`application/vnd.microsoft.teams.card.file.consent`,
  content {description, sizeInBytes, acceptContext, declineContext}), in the personal chat only. The person's
  answer is a `fileConsent/invoke` with value {type: "fileUpload", action, context, uploadInfo}; on accept the
  bot PUTs the bytes to uploadInfo.uploadUrl, a OneDrive upload session (Content-Range and Content-Length
  exactly; no Authorization header; fragments of 320 KiB multiples, at most 60 MiB), then posts a file info
  card (`application/vnd.microsoft.teams.card.file.info`, content {uniqueId, fileType}, contentUrl, name)."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
FRAGMENT_UNIT = 320 * 1024  # OneDrive: every fragment but the last is a multiple of 320 KiB
MAX_FRAGMENT = 60 * 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


@dataclass
class Shared:
    """A file a person sent the bot: its bytes behind a download URL that works until `expires_at`."""

    name: str
    data: bytes
    expires_at: float
    status: int = 200  # what the download answers (a failing URL: 403, 404, 500)
    downloads: int = 0
    redirect: str | None = None  # answer 302 to this URL instead of the bytes
    gate: asyncio.Event | None = None  # a slow download: the bytes come once the test sets it


@dataclass
class Upload:
    """An upload session Teams opened when the person accepted a FileConsentCard."""

    name: str
    unique_id: str
    file_type: str
    content_url: str
    expires_at: float
    received: bytearray = field(default_factory=bytearray)
    total: int | None = None
    done: bool = False


@dataclass
class FakeFiles:
    base_url: str = ""  # http://127.0.0.1:port, set when the fake's server starts
    ttl: float = 3600.0  # seconds a download URL or an upload session lives
    shared: dict[str, Shared] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    refusals: list[tuple[int, str]] = field(default_factory=list)  # (status, why) of every refused request
    fragment_delay: float = 0.0  # seconds OneDrive takes to answer each uploaded fragment (a slow link)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- a person sends a file -----------------------------------------------------------------

    def attachment(self, name: str, data: bytes, status: int = 200) -> dict[str, Any]:
        """The attachment Teams puts on the message: the file is in the sender's OneDrive now."""
        token = uuid.uuid4().hex
        self.shared[token] = Shared(name, data, time.monotonic() + self.ttl, status)
        file_type = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return {
            "contentType": DOWNLOAD_INFO,
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/alice/Documents/Microsoft Teams Chat Files/{name}",
            "name": name,
            "content": {
                "downloadUrl": f"{self.base_url}/files/{token}?tempauth=v1.{token[:12]}",
                "uniqueId": str(uuid.uuid4()).upper(),
                "fileType": file_type,
                "etag": str(next(self._ids)),
            },
        }

    def shared_at(self, attachment: dict[str, Any]) -> Shared:
        """The file behind an attachment `attachment()` made (to script how its download answers)."""
        token = str(attachment["content"]["downloadUrl"]).split("/files/")[1].split("?")[0]
        return self.shared[token]

    def expire_all(self) -> None:
        for item in self.shared.values():
            item.expires_at = 0.0

    async def download(self, request: web.Request, token: str) -> web.StreamResponse:
        item = self.shared.get(token)
        if request.method != "GET":
            return self._refuse(405, "download: only GET")
        if "Authorization" in request.headers:
            return self._refuse(401, "download: the URL is pre-authenticated; a bearer token is not accepted")
        if item is None or request.query.get("tempauth") != f"v1.{token[:12]}":
            return self._refuse(401, "download: unknown or tampered URL")
        if time.monotonic() > item.expires_at:
            return self._refuse(401, "download: the URL has expired")
        if item.status != 200:
            return self._refuse(item.status, "download: scripted failure")
        if item.redirect is not None:
            return web.Response(status=302, headers={"Location": item.redirect})
        if item.gate is not None:
            await item.gate.wait()
        item.downloads += 1
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = len(item.data)
        await response.prepare(request)
        for start in range(0, len(item.data), 64 * 1024):
            await response.write(item.data[start : start + 64 * 1024])
        await response.write_eof()
        return response

    # --- the bot asks to send a file -----------------------------------------------------------

    def check_posted(self, conversation_id: str, activity: dict[str, Any]) -> str | None:
        """Why Teams would refuse this activity's file cards (None: nothing to say)."""
        for attachment in activity.get("attachments") or []:
            kind = attachment.get("contentType")
            if kind == CONSENT_CARD:
                if not conversation_id.startswith("a:"):  # personal chats only (Teams' bot file APIs)
                    return "A file consent card can be sent only in a personal chat."
                content = attachment.get("content") or {}
                size = content.get("sizeInBytes")
                if not attachment.get("name") or not isinstance(size, int) or isinstance(size, bool) or size < 0:
                    return "A file consent card needs the file's name and sizeInBytes."
                if not isinstance(content.get("description"), str):
                    return "A file consent card needs a description."
            if kind == INFO_CARD:
                content = attachment.get("content") or {}
                upload = next((u for u in self.uploads.values() if u.unique_id == content.get("uniqueId")), None)
                if upload is None or not upload.done:
                    return "A file info card must name a file that was uploaded."
                if attachment.get("contentUrl") != upload.content_url or attachment.get("name") != upload.name:
                    return "A file info card carries the uploaded file's contentUrl and name."
                if content.get("fileType") != upload.file_type:
                    return "A file info card carries the uploaded file's fileType."
        return None

    def consent_value(self, consent: dict[str, Any], action: str = "accept") -> dict[str, Any]:
        """What Teams sends when the person answers the consent card (`attachment` as the bot posted it)."""
        content = consent["content"]
        if action == "decline":
            return {"type": "fileUpload", "action": "decline", "context": content.get("declineContext")}
        name = consent["name"]
        token = uuid.uuid4().hex
        unique_id = str(uuid.uuid4()).upper()
        file_type = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        content_url = f"https://contoso-my.sharepoint.com/personal/alice/Documents/Applications/CRM/{name}"
        self.uploads[token] = Upload(name, unique_id, file_type, content_url, time.monotonic() + self.ttl)
        return {
            "type": "fileUpload",
            "action": "accept",
            "context": content.get("acceptContext"),
            "uploadInfo": {
                "contentUrl": content_url,
                "name": name,
                "uploadUrl": f"{self.base_url}/upload/{token}",
                "uniqueId": unique_id,
                "fileType": file_type,
            },
        }

    def uploaded(self, unique_id: str) -> bytes:
        upload = next(u for u in self.uploads.values() if u.unique_id == unique_id)
        assert upload.done, "the upload was not completed"
        return bytes(upload.received)

    async def upload(self, request: web.Request, token: str) -> web.Response:
        session = self.uploads.get(token)
        if request.method != "PUT":
            return self._refuse(405, "upload: only PUT")
        if "Authorization" in request.headers:  # OneDrive: the upload URL carries its own authorisation
            return self._refuse(401, "upload: an Authorization header is not accepted on an upload URL")
        if session is None or session.done or time.monotonic() > session.expires_at:
            return self._refuse(404, "upload: no such session (finished or expired)")
        body = await request.read()
        match = _RANGE.fullmatch(request.headers.get("Content-Range", ""))
        length = request.headers.get("Content-Length", "")
        if match is None or not length.isdigit():
            return self._refuse(400, "upload: Content-Range bytes a-b/total and Content-Length are required")
        start, end, total = (int(g) for g in match.groups())
        size = end - start + 1
        if int(length) != size or len(body) != size or end >= total or size <= 0 or size > MAX_FRAGMENT:
            return self._refuse(400, "upload: Content-Length must equal the range's size and the body")
        if start != len(session.received) or (session.total is not None and total != session.total):
            return self._refuse(416, "upload: not the next expected range")
        if end + 1 < total and size % FRAGMENT_UNIT:
            return self._refuse(400, "upload: a fragment before the last must be a multiple of 320 KiB")
        if self.fragment_delay:
            await asyncio.sleep(self.fragment_delay)
        session.total = total
        session.received += body
        if len(session.received) < total:
            return web.json_response({"nextExpectedRanges": [f"{len(session.received)}-"]}, status=202)
        session.done = True
        item = {"id": session.unique_id, "name": session.name, "size": total, "file": {}}
        return web.json_response(item, status=201)

    def _refuse(self, status: int, why: str) -> web.Response:
        self.refusals.append((status, why))
        return web.json_response({"error": {"code": "refused", "message": why}}, status=status)
