"""Use cases of leads and opportunities: create, the three roles, comments, stages, conversion.
Each validates its input, changes the record in one transaction (the followers' notifications are
enqueued in that same transaction) and returns the Change with the record's view, built once there."""

from __future__ import annotations

from typing import Any

from bot.domain.delivery import DeliverTo
from bot.domain.errors import DomainError, NotFound
from bot.domain.models import (
    CLOSED_STAGES,
    CONVERTED,
    Change,
    Event,
    EventKind,
    Follower,
    FollowFor,
    Kind,
    Mentioned,
    NotifyChoice,
    Record,
    RecordView,
    Role,
    Seen,
    User,
    stages_for,
)
from bot.domain.rules import (
    FOLLOWERS_IN_VIEW,
    MAX_COMMENT,
    MAX_FOLLOWERS,
    MAX_NAME,
    MAX_PARTICIPANTS,
    MAX_TITLE,
    TIMELINE_ON_CARD,
    clean_text,
    limited,
    parse_ref,
    shorten,
)
from bot.services.contacts import ContactCases
from bot.services.outbox import Deliveries

NOTHING_SEEN = Seen()
MAX_MENTIONS = 20  # colleagues told about one comment


def _every_one(first_followers: tuple[Follower, ...]) -> bool:
    """The record's first FOLLOWERS_IN_VIEW followers are all of them when fewer rows came back than asked for."""
    return len(first_followers) < FOLLOWERS_IN_VIEW


class RecordCases(ContactCases):
    deliveries: Deliveries

    def create_record(
        self, actor: User, kind: Kind, title: str, company: str | None = None, form_key: str | None = None
    ) -> Change:
        """A new record, owned and followed by `actor`. A form's `form_key` creates once: submitted again (a
        second click, the form shown again after a reload), it answers with what the first submit created."""
        clean_title = limited(title, "title", "A title", MAX_TITLE)
        if not clean_title:
            article = "An" if kind is Kind.OPPORTUNITY else "A"
            raise DomainError(f"{article} {kind.value} needs a title.", "title")
        clean_company = limited(company, "company", "A company name")
        self.quotas.spend("records", actor.tenant_id, actor.id)
        now = self.clock()
        with self.writing():
            done = self.repo.forms.form_submit(actor.tenant_id, form_key) if form_key else None
            earlier = self.repo.records.get_record(actor.tenant_id, done[0]) if done and done[0] else None
            if earlier is not None:
                return Change(earlier, (), f"{earlier.ref} was already created from this form.", self.view_of(earlier))
            record = self.repo.records.insert_record(
                actor.tenant_id, kind, clean_title, stages_for(kind)[0], actor.id, now, company=clean_company
            )
            if form_key:
                self.repo.forms.add_form_submit(actor.tenant_id, form_key, record.id, None, now)
            self.repo.follows.add_follower(actor.tenant_id, record.id, actor.id, now)
            event = self._event(actor, record, EventKind.CREATED, new=clean_title)
            return self._changed(record, (event,), f"{record.ref} created.")

    def get_record(self, tenant_id: str, ref: str) -> Record:
        kind, number = parse_ref(ref)
        record = self.repo.records.record_by_number(tenant_id, kind, number)
        if record is None:
            raise NotFound(f"I can't find {kind.prefix}-{number}.")
        return record

    def record_by_id(self, tenant_id: str, record_id: int) -> Record | None:
        return self.repo.records.get_record(tenant_id, record_id)

    def view(self, tenant_id: str, ref: str, every_follower: bool = False) -> RecordView:
        return self.view_of(self.get_record(tenant_id, ref), every_follower)

    def view_of(
        self, record: Record, every_follower: bool = False, followers: tuple[Follower, ...] | None = None
    ) -> RecordView:
        """Everything the record's card shows, in four queries (the owner usually follows): the first
        FOLLOWERS_IN_VIEW followers as people and every follower as an id and a choice (read apart only when
        there are more), unless `every_follower` (the list of all followers). `followers`: that first read,
        already made in this transaction by a change that did not change them."""
        tenant = record.tenant_id
        if followers is None or every_follower:
            followers = self._first_followers(record, every_follower)
        choices: dict[int, str] | None = None
        if not every_follower:
            if _every_one(followers):  # no second read
                choices = {f.user.id: f.notify.value for f in followers}
            else:
                choices = self.repo.follows.follower_choices(tenant, record.id)
        owner = next((f.user for f in followers if f.user.id == record.owner_id), None)
        owner = owner or self.repo.people.get_user(tenant, record.owner_id)
        if owner is None:
            raise LookupError(f"record {record.id} of tenant {tenant} has no owner row")
        people = self.repo.buying.record_people_with_roles(tenant, record.id)
        return RecordView(
            record=record,
            owner=owner,
            contact=next((c for role, c, _ in people if role == Role.CONTACT), None),
            participants=tuple(c for role, c, _ in people if role == Role.PARTICIPANT),
            followers=followers,
            timeline=tuple(self.repo.records.timeline(tenant, record.id, TIMELINE_ON_CARD)),
            follower_choices=choices,
            buying_roles={c.id: buying for _, c, buying in people if buying},
            **self._feed_part(record),
        )

    def _first_followers(self, record: Record, every_follower: bool = False) -> tuple[Follower, ...]:
        limit = None if every_follower else FOLLOWERS_IN_VIEW
        return tuple(self.repo.follows.followers(record.tenant_id, record.id, limit))

    def _feed_part(self, record: Record) -> dict[str, Any]:
        """Only where the activity feed is offered is there a choice to read (no extra query otherwise)."""
        if self.deliveries.feed_tenant != record.tenant_id:
            return {}
        return {"feed_offered": True, "feed_choices": self.repo.outbox.feed_choices(record.tenant_id, record.id)}

    def list_records(self, tenant_id: str, kind: Kind | None, limit: int = 25) -> list[Record]:
        return self.repo.records.list_records(tenant_id, kind, limit)

    def my_records(self, user: User, limit: int = 25) -> list[Record]:
        return self.repo.records.records_of_user(user.tenant_id, user.id, limit)

    def followed_records(self, user: User, limit: int = 25) -> list[Record]:
        return self.repo.records.records_of_user(user.tenant_id, user.id, limit, following_only=True)

    def search_records(self, tenant_id: str, text: str, limit: int = 25) -> list[Record]:
        return self.repo.records.search_records(tenant_id, clean_text(text)[:200], limit)

    # --- the three roles -----------------------------------------------------------------------

    def set_contact(self, actor: User, ref: str, contact_id: int, seen: Seen = NOTHING_SEEN) -> Change:
        with self.writing():
            contact = self.get_contact(actor.tenant_id, contact_id)  # a contact is locked before a record (see storage)
            record = self._editable(actor, ref)
            tenant, now = actor.tenant_id, self.clock()
            current = self.repo.records.record_contacts(tenant, record.id, Role.CONTACT.value, limit=1)
            if seen.contact_id is not None and seen.contact_id != (str(current[0].id) if current else ""):
                now_name = current[0].name if current else "nobody"
                raise DomainError(
                    f"The Contact changed while your card was open (now: {now_name}). Nothing was changed."
                )
            role = self.repo.records.role_of(tenant, record.id, contact.id)
            if role == Role.CONTACT:
                raise DomainError(f"{contact.name} is already the Contact of {record.ref}.", "contact")
            events = []
            if current:
                # The former Contact stays around the deal as an Other participant.
                self.repo.records.set_role(tenant, record.id, current[0].id, Role.PARTICIPANT.value, actor.id, now)
            self.repo.records.set_role(tenant, record.id, contact.id, Role.CONTACT.value, actor.id, now)
            moved = "was a participant" if role == Role.PARTICIPANT else None
            old = current[0].label if current else None
            events.append(self._event(actor, record, EventKind.CONTACT_SET, old=old, new=contact.label, detail=moved))
            if current:
                events.append(
                    self._event(
                        actor, record, EventKind.PARTICIPANT_ADDED, new=current[0].label, detail="former Contact"
                    )
                )
            message = f"{contact.name} is now the Contact of {record.ref}."
            return self._changed(self._touch(record), tuple(events), message, seen)

    def add_participant(self, actor: User, ref: str, contact_id: int, seen: Seen = NOTHING_SEEN) -> Change:
        with self.writing():
            contact = self.get_contact(actor.tenant_id, contact_id)  # a contact is locked before a record (see storage)
            record = self._editable(actor, ref)
            role = self.repo.records.role_of(actor.tenant_id, record.id, contact.id)
            if role == Role.CONTACT:
                raise DomainError(
                    f"{contact.name} is the Contact of {record.ref}, so not also a participant.", "contact"
                )
            if role == Role.PARTICIPANT:
                raise DomainError(f"{contact.name} is already a participant of {record.ref}.", "contact")
            if self.repo.records.count_role(actor.tenant_id, record.id, Role.PARTICIPANT.value) >= MAX_PARTICIPANTS:
                raise DomainError(
                    f"{record.ref} has {MAX_PARTICIPANTS} participants, the most a record may.", "contact"
                )
            self.repo.records.set_role(
                actor.tenant_id, record.id, contact.id, Role.PARTICIPANT.value, actor.id, self.clock()
            )
            event = self._event(actor, record, EventKind.PARTICIPANT_ADDED, new=contact.label)
            message = f"{contact.name} is now a participant of {record.ref}."
            return self._changed(self._touch(record), (event,), message, seen)

    def remove_participant(self, actor: User, ref: str, contact_id: int, seen: Seen = NOTHING_SEEN) -> Change:
        with self.writing():
            contact = self.get_contact(actor.tenant_id, contact_id, erased_ok=True)  # contact first, then record
            record = self._editable(actor, ref)
            role = self.repo.records.role_of(actor.tenant_id, record.id, contact.id)
            if role == Role.CONTACT:
                raise DomainError(f"{contact.name} is the Contact of {record.ref}, not a participant.", "contact")
            if role != Role.PARTICIPANT:
                raise DomainError(f"{contact.name} is not a participant of {record.ref}.", "contact")
            self.repo.records.remove_role(actor.tenant_id, record.id, contact.id)
            event = self._event(actor, record, EventKind.PARTICIPANT_REMOVED, old=contact.label)
            message = f"{contact.name} is no longer a participant of {record.ref}."
            return self._changed(self._touch(record), (event,), message, seen)

    def follow(
        self, actor: User, ref: str, follower: User | None = None, seen: Seen = NOTHING_SEEN,
        follow_for: FollowFor = FollowFor.CLOSED,
    ) -> Change:  # fmt: skip
        """`actor` starts following, or adds `follower` (another user of the tenant), until the deal closes
        (the default) or for some days."""
        return self._set_following(actor, ref, follower or actor, True, seen, follow_for)

    def unfollow(self, actor: User, ref: str, follower: User | None = None, seen: Seen = NOTHING_SEEN) -> Change:
        return self._set_following(actor, ref, follower or actor, False, seen)

    def _set_following(
        self, actor: User, ref: str, who: User, follows: bool, seen: Seen, follow_for: FollowFor = FollowFor.CLOSED
    ) -> Change:
        if who.tenant_id != actor.tenant_id:
            raise NotFound("I can't find that person in your organisation.", "follower")
        yourself = who.id == actor.id
        with self.writing():
            record = self.get_record(actor.tenant_id, ref)  # a converted lead can still be followed
            if self.repo.follows.is_follower(actor.tenant_id, record.id, who.id) == follows:
                if follows:
                    already = "You already follow" if yourself else f"{who.name} already follows"
                else:
                    already = "You don't follow" if yourself else f"{who.name} doesn't follow"
                raise DomainError(f"{already} {record.ref}.", "follower")
            if follows and self.repo.follows.count_followers(actor.tenant_id, record.id) >= MAX_FOLLOWERS:
                raise DomainError(f"{record.ref} has {MAX_FOLLOWERS:,} followers, the most a record may.", "follower")
            if follows:
                self.repo.follows.add_follower(actor.tenant_id, record.id, who.id, self.clock())
                self.deliveries.notices.follow_ends(record, who, follow_for)
                event = self._event(actor, record, EventKind.FOLLOWER_ADDED, new=who.name)
                text = f"You now follow {record.ref}." if yourself else f"{who.name} now follows {record.ref}."
            else:
                self.repo.follows.remove_follower(actor.tenant_id, record.id, who.id)
                event = self._event(actor, record, EventKind.FOLLOWER_REMOVED, old=who.name)
                text = (
                    f"You no longer follow {record.ref}." if yourself else f"{who.name} no longer follows {record.ref}."
                )
            self.deliveries.notices.following_changed(actor, record, event, who, follows)
            return self._changed(self._touch(record), (event,), text, seen)

    def set_notify_choice(self, actor: User, ref: str, choice: str) -> Record:
        """What `actor` hears about on a record they follow; muted followers stay followers."""
        try:
            wanted = NotifyChoice(clean_text(choice).lower())
        except ValueError:
            options = ", ".join(c.value for c in NotifyChoice)
            raise DomainError(
                f"“{clean_text(choice)[:40]}” is not a notification setting. Choose one of: {options}.", "choice"
            ) from None
        with self.writing():
            record = self.get_record(actor.tenant_id, ref)
            if not self.repo.follows.set_follower_choice(actor.tenant_id, record.id, actor.id, wanted.value):
                raise DomainError(f"You don't follow {record.ref}; follow it first.", "choice")
        return record

    def feed_offered(self, user: User) -> bool:
        """The activity feed is a choice only where Microsoft Graph is configured for the person's organisation."""
        return self.deliveries.feed_tenant == user.tenant_id

    def deliver_to_of(self, user: User, record: Record) -> DeliverTo:
        where = self.repo.outbox.follower_delivery(user.tenant_id, record.id, user.id)
        return DeliverTo(where) if where else DeliverTo.CHAT

    def set_notify_settings(self, actor: User, ref: str, choice: str, where: str) -> Record:
        """What `actor` hears about on a record they follow and where it arrives (chat, activity feed or
        both), both checked before either is saved, saved together."""
        try:
            wanted = DeliverTo(clean_text(where).lower())
        except ValueError:
            options = ", ".join(d.value for d in DeliverTo)
            raise DomainError(
                f"“{clean_text(where)[:40]}” is not a place to notify. Choose one of: {options}.", "deliver_to"
            ) from None
        try:
            notify = NotifyChoice(clean_text(choice).lower())
        except ValueError:
            options = ", ".join(c.value for c in NotifyChoice)
            raise DomainError(
                f"“{clean_text(choice)[:40]}” is not a notification setting. Choose one of: {options}.", "choice"
            ) from None
        if wanted is not DeliverTo.CHAT and not self.feed_offered(actor):
            raise DomainError(
                "The Teams activity feed is not available: Microsoft Graph is not configured for your organisation,"
                " so notifications arrive as chat messages. Nothing was changed.",
                "deliver_to",
            )
        with self.writing():
            record = self.get_record(actor.tenant_id, ref)
            tenant = actor.tenant_id
            if not self.repo.follows.set_follower_choice(tenant, record.id, actor.id, notify.value):
                raise DomainError(f"You don't follow {record.ref}; follow it first.", "choice")
            self.repo.outbox.set_follower_delivery(tenant, record.id, actor.id, wanted.value)
        return record

    # --- comments, stages, conversion ----------------------------------------------------------

    def comment(
        self, actor: User, ref: str, text: str, seen: Seen = NOTHING_SEEN, mentioned: tuple[Mentioned, ...] = ()
    ) -> Change:
        """A comment; the colleagues @mentioned in it are told even if they do not follow."""
        body = (text or "").replace("\x00", "").strip()
        if not body:
            raise DomainError("A comment can't be empty.", "comment")
        if len(body) > MAX_COMMENT:
            raise DomainError(
                f"A comment can be at most {MAX_COMMENT:,} characters (this one has {len(body):,}).", "comment"
            )
        with self.writing():
            record = self._bumped(actor, ref)
            # Read once for two uses: who may be told (often nobody but the actor: no outbox query) and the card.
            followers = self._first_followers(record)
            self.repo.records.add_comment(actor.tenant_id, record.id, actor.id, body, self.clock())
            event = self._event(actor, record, EventKind.COMMENTED, new=shorten(body), followers=followers)
            if mentioned:
                people = tuple(self._mentioned_user(actor, person) for person in mentioned[:MAX_MENTIONS])
                self.deliveries.notices.mentioned(actor, record, event, people)
            message = f"Comment added to {record.ref}."
            return self._changed(record, (event,), message, seen, followers=followers)

    def change_stage(self, actor: User, ref: str, stage: str, seen: Seen = NOTHING_SEEN) -> Change:
        with self.writing():
            record = self._editable(actor, ref)
            if seen.stage and seen.stage != record.stage:
                raise DomainError(
                    f"The stage changed while your card was open (now: {record.stage}). Nothing was changed."
                )
            valid = stages_for(record.kind)
            wanted = clean_text(stage).casefold()
            match = next((s for s in valid if s.casefold() == wanted), None)
            if match is None:
                shown = clean_text(stage)[:40]
                raise DomainError(
                    f"“{shown}” is not a stage of {record.kind.label.lower()}s. Choose one of: {', '.join(valid)}.",
                    "stage",
                )
            if match == record.stage:
                raise DomainError(f"{record.ref} is already in stage {match}.", "stage")
            event = self._event(actor, record, EventKind.STAGE_CHANGED, old=record.stage, new=match)
            moved = self._touch(record, stage=match)
            events = (event, *self._stage_reached(actor, moved))
            message = f"{record.ref} moved to {match}."
            if match in CLOSED_STAGES and self.deliveries.notices.deal_closed(actor, record, match, event):
                message += " Follows until it closed have ended."
            return self._changed(moved, events, message, seen)

    def convert(self, actor: User, ref: str, seen: Seen = NOTHING_SEEN) -> Change:
        tenant = actor.tenant_id
        with self.writing():
            lead = self.get_record(tenant, ref)
            if lead.kind is not Kind.LEAD:
                raise DomainError(f"{lead.ref} is already an opportunity; only leads can be converted.")
            if lead.converted_to:
                raise DomainError(f"{lead.ref} was already converted to {lead.converted_to}.")
            self.quotas.spend("records", tenant, actor.id)  # the opportunity is a new record
            now = self.clock()
            opportunity = self.repo.records.insert_record(
                tenant, Kind.OPPORTUNITY, lead.title, stages_for(Kind.OPPORTUNITY)[0], lead.owner_id, now,
                company=lead.company, value=lead.value, currency=lead.currency, close_date=lead.close_date,
                source=lead.source, description=lead.description, converted_from_id=lead.id,
            )  # fmt: skip
            self.repo.records.copy_history(tenant, lead.id, opportunity.id)
            self.repo.notices.move_follow_ends(tenant, lead.id, opportunity.id)
            # One notification per follower for a conversion: about the opportunity, where work goes on.
            on_lead = self._event(actor, lead, EventKind.CONVERTED, old=lead.ref, new=opportunity.ref, notify=False)
            self._touch(lead, stage=CONVERTED, converted_to_id=opportunity.id)
            on_opportunity = self._event(actor, opportunity, EventKind.CONVERTED, old=lead.ref, new=opportunity.ref)
            message = f"{lead.ref} is now opportunity {opportunity.ref}."
            return self._changed(self._touch(opportunity), (on_lead, on_opportunity), message, seen, lead)

    def create_contact_as(
        self, actor: User, ref: str, as_contact: bool, name: str, email: str | None, company: str | None,
        seen: Seen = NOTHING_SEEN,
    ) -> Change:  # fmt: skip
        """Create a contact and make it the Contact (or a participant) in one step: both or neither."""
        with self.writing():
            self._editable(actor, ref)
            contact = self.create_contact(actor, name, email, company=company)
            if as_contact:
                return self.set_contact(actor, ref, contact.id, seen)
            return self.add_participant(actor, ref, contact.id, seen)

    # --- helpers -------------------------------------------------------------------------------

    def _mentioned_user(self, actor: User, person: Mentioned) -> User:
        """The colleague behind an @mention, recorded if the bot never met them (inside the transaction)."""
        known = self.repo.people.find_user(actor.tenant_id, person.teams_id, person.aad_object_id)
        if known is not None:
            return known
        name = clean_text(person.name)[:MAX_NAME]
        return self.repo.people.upsert_user(actor.tenant_id, person.teams_id, person.aad_object_id, name, self.clock())

    def _stage_reached(self, actor: User, record: Record) -> tuple[Event, ...]:
        """What reaching a new stage adds besides the move itself (see bot/services/buying_roles.py)."""
        return ()

    def _editable(self, actor: User, ref: str) -> Record:
        return self._changeable(self.get_record(actor.tenant_id, ref))

    def _bumped(self, actor: User, ref: str) -> Record:
        """`_editable` and `_touch` (no other change) in one statement: the record with its version bumped, for a
        change that only adds to it (a comment). A refusal rolls the bump back with the rest of the change."""
        kind, number = parse_ref(ref)
        record = self.repo.records.bump_record(actor.tenant_id, kind, number, self.clock())
        if record is None:
            raise NotFound(f"I can't find {kind.prefix}-{number}.")
        return self._changeable(record)

    def _changeable(self, record: Record) -> Record:
        if record.converted_to:
            raise DomainError(f"{record.ref} was converted to {record.converted_to}; make changes there.")
        if record.archived_at:
            raise DomainError(f"{record.ref} is archived; restore it first: restore {record.ref}")
        return record

    def _event(
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
            actor.tenant_id, Event(record.id, actor.id, kind, self.clock(), old, new, detail, actor.name)
        )
        if notify:
            known = followers if followers is not None and _every_one(followers) else None
            self.deliveries.enqueue(actor, record, event, known)
        return event

    def _touch(self, record: Record, **changes: object) -> Record:
        """Bump the version (and apply `changes`) of a record read in this same write transaction."""
        now = self.clock()
        self.repo.records.touch_record(record.tenant_id, record.id, now, **changes)
        if "converted_to_id" in changes:  # a reference, not an id, on the model: read it back
            updated = self.repo.records.get_record(record.tenant_id, record.id)
            if updated is None:
                raise LookupError(f"record {record.id} vanished inside its own transaction")
            return updated
        # Record(**fields) rather than dataclasses.replace, which costs several times more (once per click)
        return Record(**{**vars(record), "version": record.version + 1, "updated_at": now, **changes})  # type: ignore[arg-type]

    def _changed(
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
