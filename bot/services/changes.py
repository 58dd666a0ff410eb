"""How a use case reads and changes a record: found by its reference (only when the reader may see it:
the one check of visibility, bot/domain/visibility.py), refused when it may not change (converted,
archived), its version bumped, its timeline entry written with the followers' pending notifications in the
same transaction, and the Change returned with the record's view, built once there. Every use case of a
record is built with one `RecordWork`; the use cases own no such helpers themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.clock import parse_time
from bot.domain.errors import DomainError, NotFound
from bot.domain.fields import colleague_ids, covering, present, values_of
from bot.domain.language import _
from bot.domain.lost import LOSING_STAGES, reasons_of
from bot.domain.models import (
    Change,
    Event,
    EventKind,
    Follower,
    Kind,
    Record,
    RecordView,
    Role,
    Seen,
    User,
    Visibility,
)
from bot.domain.rules import FOLLOWERS_IN_VIEW, TIMELINE_ON_CARD, parse_ref
from bot.domain.tasks import quiet_days, quiet_key, quiet_limit
from bot.domain.visibility import Reader
from bot.services.outbox import Deliveries
from bot.services.work import UnitOfWork

NOTHING_SEEN = Seen()


def every_one(first_followers: tuple[Follower, ...]) -> bool:
    """The record's first FOLLOWERS_IN_VIEW followers are all of them when fewer rows came back than asked for."""
    return len(first_followers) < FOLLOWERS_IN_VIEW


def _unknown(ref: str) -> NotFound:
    """What a record that does not exist answers, word for word what one the reader may not see answers."""
    return NotFound(_("I can't find {ref}.", ref=ref))


class RecordWork:
    def __init__(self, work: UnitOfWork, deliveries: Deliveries, is_admin: Callable[[User], bool]) -> None:
        self.work = work
        self.repo = work.repo
        self.deliveries = deliveries
        self.is_admin = is_admin  # UserCases.is_admin: CRM_ADMINS, else the organisation's first person

    # --- who may see it ---------------------------------------------------------------------------

    def may_see(self, user: User, record: Record) -> bool:
        """Everyone's record, its owner, its access list (shares, followers), its team's members, an admin."""
        if record.tenant_id != user.tenant_id:
            return False
        if not record.restricted or record.owner_id == user.id:
            return True
        team = record.team_id if record.visibility is Visibility.TEAM else None
        return self.repo.visibility.may_see(record.tenant_id, record.id, team, user.id) or self.is_admin(user)

    def sees_beyond_following(self, user: User, record: Record) -> bool:
        """Whether `user` may still see the record without following it or being on its access list."""
        if not record.restricted or record.owner_id == user.id:
            return True
        team = record.team_id if record.visibility is Visibility.TEAM else None
        in_team = team is not None and self.repo.visibility.is_member(record.tenant_id, team, user.id)
        return in_team or self.is_admin(user)

    def reader(self, user: User, everyone_reads: bool = False) -> Reader:
        """Whose eyes a list is for: the person's (an admin sees all), or, when everyone in a chat reads the
        answer, nobody's in particular (everyone's records only)."""
        if everyone_reads:
            return Reader.everyone(user.tenant_id)
        return Reader.person(user, self.is_admin(user))

    def get_record(self, reader: User, ref: str) -> Record:
        """The record `ref` as `reader` may see it; one they may not see is not found, in the same words."""
        kind, number = parse_ref(ref)
        record = self.repo.records.record_by_number(reader.tenant_id, kind, number)
        if record is None or not self.may_see(reader, record):
            raise _unknown(f"{kind.prefix}-{number}")
        return record

    def any_record(self, tenant_id: str, ref: str) -> Record:
        """The organisation's own read of a record, whoever may see it (tests, housekeeping): never a person's."""
        kind, number = parse_ref(ref)
        record = self.repo.records.record_by_number(tenant_id, kind, number)
        if record is None:
            raise _unknown(f"{kind.prefix}-{number}")
        return record

    def visible_by_id(self, reader: User, record_id: int) -> Record | None:
        """A record by its id (card or result data, never trusted): None when absent or not the reader's to see."""
        record = self.repo.records.get_record(reader.tenant_id, record_id)
        return record if record is not None and self.may_see(reader, record) else None

    def view_of(
        self, record: Record, every_follower: bool = False, followers: tuple[Follower, ...] | None = None
    ) -> RecordView:
        """Everything the record's card shows, in four queries (the owner usually follows): the first
        FOLLOWERS_IN_VIEW followers as people and every follower as an id and a choice (read apart only when
        there are more), unless `every_follower` (the list of all followers). `followers`: that first read,
        already made in this transaction by a change that did not change them."""
        tenant = record.tenant_id
        if followers is None or every_follower:
            followers = self.first_followers(record, every_follower)
        choices: dict[int, str] | None = None
        if not every_follower:
            if every_one(followers):  # no second read
                choices = {f.user.id: f.notify.value for f in followers}
            else:
                choices = self.repo.follows.follower_choices(tenant, record.id)
        owner = next((f.user for f in followers if f.user.id == record.owner_id), None)
        owner = owner or self.repo.people.get_user(tenant, record.owner_id)
        if owner is None:
            raise LookupError(f"record {record.id} of tenant {tenant} has no owner row")
        now = self.work.clock()
        team_id = record.team_id if record.visibility is Visibility.TEAM else None
        people, coming, timeline, team_name = self.repo.together(  # on PostgreSQL, one round trip
            lambda: self.repo.buying.record_people_with_roles(tenant, record.id),
            lambda: self.repo.coming.of_record(
                tenant, record.id, quiet_key(record.kind is Kind.LEAD, record.stage), now
            ),
            lambda: tuple(self.repo.records.timeline(tenant, record.id, TIMELINE_ON_CARD)),
            lambda: None if team_id is None else self.repo.visibility.team_name(tenant, team_id),
        )
        return RecordView(
            record=record,
            team_name=team_name,
            owner=owner,
            contact=next((c for role, c, _ in people if role == Role.CONTACT), None),
            participants=tuple(c for role, c, _ in people if role == Role.PARTICIPANT),
            followers=followers,
            timeline=timeline,
            follower_choices=choices,
            buying_roles={c.id: buying for _, c, buying in people if buying},
            next_task=coming.task,
            now=now,
            quiet_days=self._quiet(record, now, coming.quiet_setting),
            next_meeting=coming.meeting,
            **self._feed_part(record),
            **self._custom_part(record),
        )

    def _custom_part(self, record: Record) -> dict[str, Any]:
        """The custom fields with a value (their definitions read only when the record holds values), and the
        organisation's lost reasons when the card asks why the deal was lost."""
        found: dict[str, Any] = {}
        tenant = record.tenant_id
        values = values_of(record.custom)
        if values:
            fields = covering(self.repo.fields.definitions(tenant), record.kind)
            names = self.repo.fields.user_names(tenant, colleague_ids(fields, values))
            found["custom"] = tuple(present(fields, values, names))
        if record.stage in LOSING_STAGES and not record.lost_reason and not record.archived_at:
            found["lost_reasons"] = reasons_of(self.repo.pipelines.lost_reasons(tenant))
        return found

    def _quiet(self, record: Record, now: str, setting: int | None) -> int | None:
        """Days without activity, when more than the record's stage allows (`setting`: the organisation's)."""
        if not record.is_open or record.converted_to:
            return None
        is_lead = record.kind is Kind.LEAD
        limit = quiet_limit(
            is_lead, record.stage, {} if setting is None else {quiet_key(is_lead, record.stage): setting}
        )
        return quiet_days(record.updated_at, parse_time(now), limit)

    def first_followers(self, record: Record, every_follower: bool = False) -> tuple[Follower, ...]:
        limit = None if every_follower else FOLLOWERS_IN_VIEW
        return tuple(self.repo.follows.followers(record.tenant_id, record.id, limit))

    def _feed_part(self, record: Record) -> dict[str, Any]:
        """Only where the activity feed is offered is there a choice to read (no extra query otherwise)."""
        if self.deliveries.feed_tenant != record.tenant_id:
            return {}
        return {"feed_offered": True, "feed_choices": self.repo.outbox.feed_choices(record.tenant_id, record.id)}

    def editable(self, actor: User, ref: str) -> Record:
        return self.changeable(self.get_record(actor, ref))

    def bumped(self, actor: User, ref: str) -> Record:
        """`_editable` and `_touch` (no other change) in one statement: the record with its version bumped, for a
        change that only adds to it (a comment). A refusal rolls the bump back with the rest of the change (one
        the actor may not see is not found, and rolled back, like one that does not exist)."""
        kind, number = parse_ref(ref)
        record = self.repo.records.bump_record(actor.tenant_id, kind, number, self.work.clock())
        if record is None or not self.may_see(actor, record):
            raise _unknown(f"{kind.prefix}-{number}")
        return self.changeable(record)

    def changeable(self, record: Record) -> Record:
        if record.converted_to:
            raise DomainError(
                _("{ref} was converted to {to}; make changes there.", ref=record.ref, to=record.converted_to)
            )
        if record.archived_at:
            raise DomainError(_("{ref} is archived; restore it first: restore {ref}", ref=record.ref))
        return record

    def event(
        self,
        actor: User,
        record: Record,
        kind: EventKind,
        old: str | None = None,
        new: str | None = None,
        detail: str | None = None,
        notify: bool = True,
        followers: tuple[Follower, ...] | None = None,
    ) -> Event:
        """The timeline entry, and (in the same transaction) the followers' pending notifications.
        `followers`: the record's first followers, read in this transaction (see Deliveries.enqueue)."""
        event = self.repo.records.add_event(
            actor.tenant_id, Event(record.id, actor.id, kind, self.work.clock(), old, new, detail, actor.name)
        )
        if notify:
            known = followers if followers is not None and every_one(followers) else None
            self.deliveries.enqueue(actor, record, event, known)
        return event

    def touch(self, record: Record, **changes: object) -> Record:
        """Bump the version (and apply `changes`) of a record read in this same write transaction."""
        now = self.work.clock()
        self.repo.records.touch_record(record.tenant_id, record.id, now, **changes)
        if "converted_to_id" in changes:  # a reference, not an id, on the model: read it back
            updated = self.repo.records.get_record(record.tenant_id, record.id)
            if updated is None:
                raise LookupError(f"record {record.id} vanished inside its own transaction")
            return updated
        # Record(**fields) rather than dataclasses.replace, which costs several times more (once per click)
        return Record(**{**vars(record), "version": record.version + 1, "updated_at": now, **changes})  # type: ignore[arg-type]

    def changed(
        self, record: Record, events: tuple[Event, ...], message: str, seen: Seen = NOTHING_SEEN,
        before: Record | None = None, followers: tuple[Follower, ...] | None = None,
    ) -> Change:  # fmt: skip
        """The Change with the record's view, built once, inside the change's transaction. The card was stale
        when it showed another version of the record it was clicked on (`before`: that record, when it differs).
        `followers`: read earlier in this transaction, by a change that leaves them as they were."""
        clicked = before or record
        version_then = clicked.version if before else record.version - 1
        stale = seen.version is not None and seen.version != version_then
        return Change(record, events, message, self.view_of(record, followers=followers), stale)
