"""A fake Bot Connector service: the Teams side of the Bot Framework REST protocol, on 127.0.0.1.

It records every activity the bot posts, answers the member look-ups, and creates 1:1 conversations,
speaking the same HTTP endpoints as the real service (`{serviceUrl}v3/conversations/...`)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Posted:
    """One call the bot made to the connector."""

    method: str
    conversation_id: str
    reply_to: str | None
    activity: dict[str, Any]
    id: str = ""  # the message id the connector gave (POST) or updated (PUT)

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""


@dataclass
class FakeConnector:
    """State of the fake: what was posted, who the members are, which answers to give."""

    posted: list[Posted] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> TeamsChannelAccount JSON
    conversations: list[dict[str, Any]] = field(default_factory=list)
    member_lookups: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._route)
        return app

    def add_member(self, user_id: str, name: str, email: str, aad_object_id: str, tenant_id: str) -> None:
        self.members[user_id] = {
            "id": user_id,
            "name": name,
            "email": email,
            "userPrincipalName": email,
            "aadObjectId": aad_object_id,
            "tenantId": tenant_id,
            "userRole": "user",
        }

    def replies_to(self, activity_id: str) -> list[Posted]:
        return [p for p in self.posted if p.reply_to == activity_id]

    def updates_of(self, message_id: str) -> list[Posted]:
        return [p for p in self.posted if p.method == "PUT" and p.id == message_id]

    def sent_to(self, conversation_id: str) -> list[Posted]:
        return [p for p in self.posted if p.conversation_id == conversation_id]

    async def _route(self, request: web.Request) -> web.Response:
        parts = request.path.strip("/").split("/")
        # Teams service URLs may carry a region prefix (/amer/): find the v3 API part.
        if "v3" not in parts:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        parts = parts[parts.index("v3") + 1 :]
        if parts == ["conversations"] and request.method == "POST":
            return await self._create_conversation(request)
        if len(parts) >= 3 and parts[0] == "conversations" and parts[2] == "activities":
            return await self._activity(request, parts)
        if len(parts) == 4 and parts[0] == "conversations" and parts[2] == "members":
            return self._member(parts[3])
        return web.json_response({"error": {"code": "BadSyntax", "message": request.path}}, status=400)

    async def _activity(self, request: web.Request, parts: list[str]) -> web.Response:
        body = await request.json()
        reply_to = parts[3] if len(parts) > 3 else None
        if request.method == "PUT":
            self.posted.append(Posted("PUT", parts[1], reply_to, body, reply_to or ""))
            return web.json_response({"id": reply_to})
        message_id = f"msg-{next(self._ids)}"
        self.posted.append(Posted("POST", parts[1], body.get("replyToId") or reply_to, body, message_id))
        return web.json_response({"id": message_id}, status=201)

    def _member(self, user_id: str) -> web.Response:
        self.member_lookups += 1
        member = self.members.get(user_id)
        if member is None:
            error = {"error": {"code": "MemberNotFoundInConversation", "message": "The member was not found."}}
            return web.json_response(error, status=404)
        return web.json_response(member)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.conversations.append(body)
        return web.json_response({"id": f"a:conversation-{next(self._ids)}", "serviceUrl": str(request.url.origin())})
