"""The rosters of the Microsoft Teams teams the bot is installed in, for records visible to one team. A team's
whole roster is read through the Bot Connector's paged members API (`TeamsInfo.get_paged_team_members`: pages
of 50 to 500, "Don't use non-paginated member retrieval in teams and channels":
https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/get-teams-context) when the bot is added
to a team, when a team it has not read yet (or not for a day) speaks to it, and it is kept fresh by the
membership events Teams sends (`conversationUpdate` with `channelData.eventType` teamMemberAdded,
teamMemberRemoved, teamRenamed; the bot's own removal ends the roster:
https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events).

A full read runs in the background through a proactive turn (a big team takes many pages; Teams waits
seconds, not minutes, for an activity's answer); the events are taken within the turn."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from botbuilder.core import CloudAdapterBase, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot.domain.clock import SYSTEM, Clock, parse_time
from bot.services import CrmService
from bot.services.visibility import MAX_ROSTER, Member

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # Teams' largest page
PAGE_SECONDS = 10.0  # one page's bound
REFRESH_SECONDS = 24 * 3600  # a roster read longer ago is read again when its team next speaks to the bot
CHECK_SECONDS = 600.0  # a team is looked up in storage at most this often per process (its activities are many)
MAX_CHECKED = 10_000


def team_of(activity: Any) -> tuple[str, str | None] | None:
    """The team an activity comes from (`channelData.team`: its id and, on events, its name), or None."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = channel_data.get("team")
    if not isinstance(team, dict) or not isinstance(team.get("id"), str) or not team["id"].strip():
        return None
    name = team.get("name")
    return team["id"].strip()[:200], (name if isinstance(name, str) else None)


def _member(account: Any) -> Member | None:
    teams_id = getattr(account, "id", None)
    if not isinstance(teams_id, str) or not teams_id.startswith("29:"):
        return None  # the bot itself (28:...) and anything else is no colleague
    aad = getattr(account, "aad_object_id", None) or (getattr(account, "additional_properties", None) or {}).get(
        "aadObjectId"
    )
    name = getattr(account, "name", None)
    return Member(teams_id, aad if isinstance(aad, str) else None, name if isinstance(name, str) else "")


class TeamRosters:
    def __init__(self, services: CrmService, adapter: CloudAdapterBase, app_id: str, clock: Clock = SYSTEM) -> None:
        self.services = services
        self.adapter = adapter
        self.app_id = app_id
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._checked: dict[tuple[str, str], float] = {}  # (tenant, team) -> when storage was last asked (monotonic)
        self._reading: set[tuple[str, str]] = set()

    # --- what Teams says ---------------------------------------------------------------------------

    async def conversation_update(self, turn_context: TurnContext, tenant_id: str) -> None:
        """The bot added to a team (its roster read), removed (its roster ended), members in and out, a rename."""
        activity = turn_context.activity
        team = team_of(activity)
        if team is None:
            return
        team_key, name = team
        bot_id = activity.recipient.id if activity.recipient else None
        added: list[ChannelAccount] = list(activity.members_added or [])
        removed: list[ChannelAccount] = list(activity.members_removed or [])
        run, visibility = self.services.run, self.services.visibility
        if any(m.id == bot_id for m in removed):
            await run(visibility.team_removed, tenant_id, team_key)
            log.info("tenant=%s removed from a team: its roster is no longer kept", tenant_id)
            return
        if any(m.id == bot_id for m in added):
            await run(visibility.learn_team, tenant_id, team_key, name, activity.service_url)
            self._read_later(tenant_id, team_key, name, activity.service_url or "")
            return
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        if channel_data.get("eventType") == "teamRenamed":
            await run(visibility.team_renamed, tenant_id, team_key, name)
        joined = [m for m in (await asyncio.gather(*(self._named(turn_context, a) for a in added))) if m]
        left = [m for m in map(_member, removed) if m]
        if joined or left:
            await run(visibility.members_changed, tenant_id, team_key, joined, left)

    def noticed(self, turn_context: TurnContext, tenant_id: str) -> None:
        """Any activity from a team: a team never read (installed before rosters were kept), or read over a day
        ago, is read in the background; storage is asked at most every CHECK_SECONDS per team."""
        team = team_of(turn_context.activity)
        if team is None:
            return
        key = (tenant_id, team[0])
        now = self.clock.monotonic()
        if self._checked.get(key, -CHECK_SECONDS) > now - CHECK_SECONDS or key in self._reading:
            return
        if len(self._checked) >= MAX_CHECKED:
            self._checked.clear()
        self._checked[key] = now
        self._start(self._check(tenant_id, team[0], team[1], turn_context.activity.service_url or ""))

    async def _check(self, tenant_id: str, team_key: str, name: str | None, service_url: str) -> None:
        known = await self.services.run(self.services.visibility.team_known, tenant_id, team_key)
        if known is not None:
            _, stored_name, read_at, installed = known
            age = (parse_time(self.services.clock()) - parse_time(read_at)).total_seconds() if read_at else None
            if installed and age is not None and age < REFRESH_SECONDS:
                return
            name = name or stored_name
        await self._read(tenant_id, team_key, name, service_url)

    # --- reading a roster ------------------------------------------------------------------------

    def _read_later(self, tenant_id: str, team_key: str, name: str | None, service_url: str) -> None:
        self._checked[(tenant_id, team_key)] = self.clock.monotonic()
        self._start(self._read(tenant_id, team_key, name, service_url))

    async def _read(self, tenant_id: str, team_key: str, name: str | None, service_url: str) -> None:
        """The whole roster, page by page, in a proactive turn on the team's conversation; stored at once."""
        key = (tenant_id, team_key)
        if key in self._reading:
            return
        self._reading.add(key)
        reference = ConversationReference(
            channel_id="msteams",
            service_url=service_url,
            conversation=ConversationAccount(id=team_key, tenant_id=tenant_id, is_group=True),
        )
        found: dict[str, Any] = {}

        async def read(turn_context: TurnContext) -> None:
            try:
                found["name"] = name or await self._team_name(turn_context, team_key)
                found["members"] = await self._members(turn_context, team_key)
            except Exception as exc:  # botbuilder would swallow it in on_turn_error
                found["error"] = exc

        try:
            await self.adapter.continue_conversation(reference, read, bot_app_id=self.app_id)
            if "error" in found:
                raise found["error"]
            count = await self.services.run(
                self.services.visibility.set_roster, tenant_id, team_key, found.get("name"), service_url,
                found.get("members", []),
            )  # fmt: skip
            log.info("tenant=%s team roster read: %d members", tenant_id, count)
        except Exception as exc:  # the roster stays as it was; read again when the team next speaks
            self._checked.pop(key, None)
            log.warning("tenant=%s team roster not read: %s", tenant_id, type(exc).__name__)
        finally:
            self._reading.discard(key)

    async def _members(self, turn_context: TurnContext, team_key: str) -> list[Member]:
        members: list[Member] = []
        token: str | None = None
        while len(members) < MAX_ROSTER:
            page = await asyncio.wait_for(
                TeamsInfo.get_paged_team_members(turn_context, team_key, token, PAGE_SIZE), PAGE_SECONDS
            )
            members += [m for m in map(_member, page.members or []) if m]
            token = page.continuation_token
            if not token:
                break
        return members

    async def _team_name(self, turn_context: TurnContext, team_key: str) -> str | None:
        """The team's name (`GET /v3/teams/{id}`). botbuilder 4.17's TeamsInfo.get_team_details makes that call
        synchronously on the event loop (its Teams connector client has no async operations): it runs in a
        thread here, so the loop keeps serving every other turn meanwhile."""
        try:
            client = await TeamsInfo.get_teams_connector_client(turn_context)
            details = await asyncio.wait_for(asyncio.to_thread(client.teams.get_team_details, team_key), PAGE_SECONDS)
        except Exception:  # a name is a nicety: the roster is what matters
            return None
        name = getattr(details, "name", None)
        return name if isinstance(name, str) else None

    async def _named(self, turn_context: TurnContext, account: ChannelAccount) -> Member | None:
        """A member who joined, with their name and Entra id from the roster when the event gives only an id."""
        member = _member(account)
        if member is None or member.name:
            return member
        try:
            found = await asyncio.wait_for(TeamsInfo.get_member(turn_context, member.teams_id), PAGE_SECONDS)
        except Exception:
            return member
        return _member(found) or member

    # --- lifetime --------------------------------------------------------------------------------

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Every roster read started so far has finished (tests wait on this)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
