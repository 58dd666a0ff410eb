"""Use cases of who may see a record: its visibility (everyone, private, one team), set by its owner or an
admin; shares (a colleague given access follows the record) and their end; the organisation's default for
new records (an admin's setting); and the Microsoft Teams teams the bot is installed in, with their rosters
as the Bot Connector gives them, kept by membership events. Every change of visibility and every share is a
timeline entry, written with its notifications in the change's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.admins import admins_only
from bot.domain.errors import Ambiguous, DomainError
from bot.domain.language import _
from bot.domain.models import Change, EventKind, FollowFor, Record, RecordView, Seen, User, Visibility
from bot.domain.rules import AAD_ID, MAX_NAME, TEAMS_USER_ID, clean_text
from bot.domain.visibility import MAX_REFRESH_IDS, Reader
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.work import UnitOfWork

MAX_TEAMS = 100  # teams offered on the visibility form
MAX_ROSTER = 25_000  # members read of one team (Teams' largest teams); the rest are not given access


@dataclass(frozen=True)
class Member:
    """One person of a team's roster, as the Bot Connector gives them."""

    teams_id: str
    aad_object_id: str | None
    name: str


class VisibilityCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes

    def reader(self, user: User) -> Reader:
        """Whose eyes an export or a list is for: the person's (an admin sees every record)."""
        return self.changes.reader(user)

    # --- a record's visibility -------------------------------------------------------------------

    def manages(self, actor: User, record: Record) -> bool:
        """Who may change who sees a record: its owner and admins."""
        return record.owner_id == actor.id or self.changes.is_admin(actor)

    def _must_manage(self, actor: User, record: Record) -> None:
        if not self.manages(actor, record):
            owner = self.repo.people.get_user(record.tenant_id, record.owner_id)
            raise DomainError(
                _(
                    "Only {owner}, who owns {ref}, or an admin can change who may see it.",
                    owner=owner.name if owner else _("its owner"),
                    ref=record.ref,
                ),
                "visibility",
            )

    def set_visibility(
        self, actor: User, ref: str, visibility: Visibility, team_name: str | None = None, team_id: int | None = None,
        seen: Seen = NOTHING_SEEN,
    ) -> Change:  # fmt: skip
        """Everyone, private, or the team named (`team_name` as typed, or `team_id` as a form picked it)."""
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            self._must_manage(actor, record)
            team: tuple[int, str] | None = None
            if visibility is Visibility.TEAM:
                team = self._team(actor, team_name, team_id)
            if record.visibility is visibility and record.team_id == (team[0] if team else None):
                raise DomainError(
                    _("{ref} is already {label}.", ref=record.ref, label=_said(visibility, team)), "visibility"
                )
            was_team = self._team_of(record)
            old = _said(record.visibility, was_team)
            now = self.clock()
            self.repo.visibility.set_visibility(actor.tenant_id, record.id, visibility, team[0] if team else None, now)
            # `detail`: the team it became visible to, else the team it was visible to (the timeline names it).
            event = self.changes.event(
                actor, record, EventKind.VISIBILITY_CHANGED, old=record.visibility.value, new=visibility.value,
                detail=team[1] if team else (was_team[1] if was_team else None),
            )  # fmt: skip
            updated = self.repo.records.get_record(actor.tenant_id, record.id)
            if updated is None:
                raise LookupError(f"record {record.id} vanished inside its own transaction")
            message = _("{ref} is now {label} (was {old}).", ref=record.ref, label=_said(visibility, team), old=old)
            return self.changes.changed(updated, (event,), message, seen)

    def _team_of(self, record: Record) -> tuple[int, str] | None:
        if record.visibility is not Visibility.TEAM or record.team_id is None:
            return None
        return record.team_id, self.repo.visibility.team_name(record.tenant_id, record.team_id) or ""

    def _team(self, actor: User, name: str | None, team_id: int | None) -> tuple[int, str]:
        """A team the bot is installed in, picked (its id) or named (exactly, else the only one starting so)."""
        teams = self.repo.visibility.teams(actor.tenant_id, MAX_TEAMS)
        if team_id is not None:
            found = next((t for t in teams if t[0] == team_id), None)
            if found is None:
                raise DomainError(_("Pick one of the teams in the list."), "team")
            return found
        said = clean_text(name)[:MAX_NAME]
        if not said:
            raise DomainError(_("Which team? Try: visibility L-1 team <team name>"), "team")
        exact = [t for t in teams if t[1].casefold() == said.casefold()]
        starting = exact or [t for t in teams if t[1].casefold().startswith(said.casefold())]
        if len(starting) == 1:
            return starting[0]
        if not starting:
            known = ", ".join(t[1] for t in teams[:10]) or _("none yet: add me to a team first")
            raise DomainError(
                _("I'm not in a team called “{name}”. Teams I'm in: {teams}.", name=said[:80], teams=known), "team"
            )
        names = ", ".join(t[1] for t in starting[:10])
        raise Ambiguous(
            _("Several teams match “{name}”: {teams}. Give the full name.", name=said[:80], teams=names), [], "team"
        )

    def teams(self, tenant_id: str) -> list[tuple[int, str]]:
        """The teams a record can be made visible to: where the bot is installed."""
        return self.repo.visibility.teams(tenant_id, MAX_TEAMS)

    # --- shares --------------------------------------------------------------------------------

    def share(self, actor: User, ref: str, colleague: User, seen: Seen = NOTHING_SEEN) -> Change:
        """`colleague` may see a private or team record from now on, and follows it (until the deal closes)."""
        if colleague.tenant_id != actor.tenant_id:
            raise DomainError(_("I can't find that person in your organisation."), "colleague")
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            if not record.restricted:
                raise DomainError(
                    _(
                        "Everyone in your organisation can see {ref}: there is nothing to share. To keep {name}"
                        " informed, add them as a follower.",
                        ref=record.ref,
                        name=colleague.name,
                    ),
                    "colleague",
                )
            self._must_manage(actor, record)
            now = self.clock()
            granted = self.repo.visibility.grant(actor.tenant_id, record.id, colleague.id, actor.id, now)
            follows = self.repo.follows.is_follower(actor.tenant_id, record.id, colleague.id)
            if not granted and (follows or colleague.id == record.owner_id):
                raise DomainError(
                    _("{name} already has access to {ref}.", name=colleague.name, ref=record.ref), "colleague"
                )
            event = self.changes.event(actor, record, EventKind.SHARED, new=colleague.name)
            if not follows:
                self.repo.follows.add_follower(actor.tenant_id, record.id, colleague.id, now)
                self.changes.deliveries.notices.follow_ends(record, colleague, FollowFor.CLOSED)
                self.changes.deliveries.notices.following_changed(actor, record, event, colleague, True)
            message = _("{name} can now see {ref}, and follows it.", name=colleague.name, ref=record.ref)
            return self.changes.changed(self.changes.touch(record), (event,), message, seen)

    def unshare(self, actor: User, ref: str, colleague: User, seen: Seen = NOTHING_SEEN) -> Change:
        """`colleague` no longer has access of their own (nor follows); their team may still show it to them."""
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            self._must_manage(actor, record)
            if colleague.id == record.owner_id:
                raise DomainError(
                    _(
                        "{name} owns {ref}: hand it over first (owner {ref} <colleague>).",
                        name=colleague.name,
                        ref=record.ref,
                    ),
                    "colleague",
                )
            revoked = self.repo.visibility.revoke(actor.tenant_id, record.id, colleague.id)
            followed = self.repo.follows.is_follower(actor.tenant_id, record.id, colleague.id)
            if not revoked and not followed:
                raise DomainError(
                    _("{name} has no access of their own to {ref}.", name=colleague.name, ref=record.ref), "colleague"
                )
            if followed:
                self.repo.follows.remove_follower(actor.tenant_id, record.id, colleague.id)
            event = self.changes.event(actor, record, EventKind.ACCESS_REMOVED, old=colleague.name)
            message = _("{name} no longer has access of their own to {ref}.", name=colleague.name, ref=record.ref)
            return self.changes.changed(self.changes.touch(record), (event,), message, seen)

    def leave(self, actor: User, record: Record) -> None:
        """Inside an unfollow: the person gives up their own access too (the timeline says so)."""
        if self.repo.visibility.revoke(actor.tenant_id, record.id, actor.id):
            self.changes.event(actor, record, EventKind.ACCESS_REMOVED, old=actor.name)

    def readers(self, view: RecordView, limit: int = MAX_REFRESH_IDS) -> list[User]:
        """People who may see a restricted record, for its posted card's per-viewer views: those with access of
        their own (shares and followers), then its team's members (the owner and followers come from the view)."""
        record = view.record
        if not record.restricted:
            return []
        team = record.team_id if record.visibility is Visibility.TEAM else None
        return self.repo.visibility.readers(record.tenant_id, record.id, team, limit)

    # --- the organisation's default --------------------------------------------------------------

    def default_visibility(self, tenant_id: str) -> Visibility:
        return self.repo.visibility.default_visibility(tenant_id)

    def set_default_visibility(self, actor: User, visibility: Visibility) -> Visibility:
        """New records are everyone's or private from now on (an admin's setting; records made so far stay)."""
        if not self.changes.is_admin(actor):
            raise DomainError(admins_only())
        if visibility is Visibility.TEAM:
            raise DomainError(
                _("New records can be everyone's or private by default; a team is chosen per record."), "visibility"
            )
        with self.work.writing():
            self.repo.visibility.set_default_visibility(actor.tenant_id, visibility)
        return visibility

    # --- teams and their rosters (what the Teams layer learns from the Bot Connector) --------------

    def team_known(self, tenant_id: str, team_key: str) -> tuple[int, str, str | None, bool] | None:
        """The team as stored: id, name, when its roster was read, whether the bot is installed there."""
        return self.repo.visibility.team(tenant_id, team_key)

    def learn_team(self, tenant_id: str, team_key: str, name: str | None, service_url: str | None) -> int:
        with self.work.writing():
            self.repo.people.ensure_tenant(tenant_id, service_url, self.clock())
            return self.repo.visibility.learn_team(
                tenant_id, team_key, clean_text(name)[:MAX_NAME], service_url, self.clock()
            )

    def set_roster(
        self, tenant_id: str, team_key: str, name: str | None, service_url: str | None, members: list[Member]
    ) -> int:
        """The team's whole roster, as just read: its members (people the bot never met are recorded); the count."""
        with self.work.writing():
            now = self.clock()
            self.repo.people.ensure_tenant(tenant_id, service_url, now)
            team_id = self.repo.visibility.learn_team(
                tenant_id, team_key, clean_text(name)[:MAX_NAME], service_url, now
            )
            user_ids = [self._member(tenant_id, m, now).id for m in members[:MAX_ROSTER] if _valid(m)]
            self.repo.visibility.set_roster(tenant_id, team_id, list(dict.fromkeys(user_ids)), now)
            return len(user_ids)

    def members_changed(self, tenant_id: str, team_key: str, added: list[Member], removed: list[Member]) -> None:
        """Teams said who joined and who left (conversationUpdate): the roster follows."""
        known = self.repo.visibility.team(tenant_id, team_key)
        if known is None:
            return  # never read: its first full read comes with the next activity from the team
        with self.work.writing():
            now = self.clock()
            for member in added:
                if _valid(member):
                    self.repo.visibility.add_member(tenant_id, known[0], self._member(tenant_id, member, now).id)
            for member in removed:
                user = self.repo.people.find_user(tenant_id, member.teams_id, member.aad_object_id)
                if user is not None:
                    self.repo.visibility.remove_member(tenant_id, known[0], user.id)

    def team_renamed(self, tenant_id: str, team_key: str, name: str | None) -> None:
        if name and self.repo.visibility.team(tenant_id, team_key) is not None:
            self.learn_team(tenant_id, team_key, name, None)

    def team_removed(self, tenant_id: str, team_key: str) -> None:
        """The bot was removed from the team: nobody sees a record through its roster any more."""
        known = self.repo.visibility.team(tenant_id, team_key)
        if known is not None:
            with self.work.writing():
                self.repo.visibility.team_removed(tenant_id, known[0])

    def _member(self, tenant_id: str, member: Member, now: str) -> User:
        known = self.repo.people.find_user(tenant_id, member.teams_id, member.aad_object_id)
        if known is not None and known.teams_id and known.aad_object_id:
            return known
        name = clean_text(member.name)[:MAX_NAME]
        return self.repo.people.upsert_user(tenant_id, member.teams_id, member.aad_object_id, name, now)


def _valid(member: Member) -> bool:
    """A roster entry is a person of Teams (29:...), with an Entra object id when it gives one."""
    aad_ok = member.aad_object_id is None or AAD_ID.fullmatch(member.aad_object_id) is not None
    return TEAMS_USER_ID.fullmatch(member.teams_id) is not None and aad_ok


def _said(visibility: Visibility, team: tuple[int, str] | None) -> str:
    """`visible to everyone`, `private`, `visible to team Sales`: how a reply names a visibility."""
    if visibility is Visibility.PRIVATE:
        return _("private")
    if visibility is Visibility.TEAM:
        return _("visible to team {team}", team=team[1] if team else "?")
    return _("visible to everyone")
