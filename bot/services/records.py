"""Use cases of leads and opportunities: create, the three roles, comments, stages, conversion.
Each validates its input, changes the record in one transaction (the followers' notifications are
enqueued in that same transaction) and returns the Change with the record's view, built once there."""

from __future__ import annotations

import dataclasses

from bot.domain.delivery import DeliverTo
from bot.domain.errors import DomainError, NotFound
from bot.domain.language import _, current
from bot.domain.lost import LOSING_STAGES, chosen, lost_line, name_of_stage_and_reason
from bot.domain.models import (
    CONVERTED,
    Change,
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
    stage_label,
    stages_for,
)
from bot.domain.quotas import QuotaKind
from bot.domain.rules import (
    MAX_COMMENT,
    MAX_FOLLOWERS,
    MAX_NAME,
    MAX_PARTICIPANTS,
    MAX_TITLE,
    clean_text,
    limited,
    shorten,
)
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.contacts import ContactCases
from bot.services.pipelines import PipelineDefinitionCases
from bot.services.reactions import Reactions
from bot.services.visibility import VisibilityCases
from bot.services.work import UnitOfWork

MAX_MENTIONS = 20  # colleagues told about one comment


class KeepAccess(DomainError):
    """Unfollowing a private or team record would end the person's access: they are asked first."""

    def __init__(self, message: str, ref: str) -> None:
        super().__init__(message, "keep_access")
        self.ref = ref


class RecordCases:
    def __init__(
        self, work: UnitOfWork, changes: RecordWork, contacts: ContactCases, reactions: Reactions,
        pipelines: PipelineDefinitionCases,
        visibility: VisibilityCases,
    ) -> None:  # fmt: skip
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.contacts = contacts
        self.reactions = reactions
        self.pipelines = pipelines
        self.visibility = visibility

    def get_record(self, reader: User | str, ref: str) -> Record:
        """The record as `reader` may see it (one they may not see is not found, in the same words); a tenant id
        instead of a person is the organisation's own read (tests, housekeeping), never a person's."""
        if isinstance(reader, str):
            return self.changes.any_record(reader, ref)
        return self.changes.get_record(reader, ref)

    def may_see(self, user: User, record: Record) -> bool:
        return self.changes.may_see(user, record)

    def view_of(
        self, record: Record, every_follower: bool = False, followers: tuple[Follower, ...] | None = None
    ) -> RecordView:
        return self.changes.view_of(record, every_follower, followers)

    def create_record(
        self, actor: User, kind: Kind, title: str, company: str | None = None, form_key: str | None = None
    ) -> Change:
        """A new record, owned and followed by `actor`. A form's `form_key` creates once: submitted again (a
        second click, the form shown again after a reload), it answers with what the first submit created."""
        clean_title = limited(title, "title", "A title", MAX_TITLE)
        if not clean_title:
            needs = _("An opportunity needs a title.") if kind is Kind.OPPORTUNITY else _("A lead needs a title.")
            raise DomainError(needs, "title")
        clean_company = limited(company, "company", "A company name")
        now = self.clock()
        with self.work.writing():
            self.work.quotas.spend(QuotaKind.RECORDS, actor.tenant_id, actor.id)
            done = self.repo.forms.form_submit(actor.tenant_id, form_key) if form_key else None
            earlier = self.repo.records.get_record(actor.tenant_id, done[0]) if done and done[0] else None
            if earlier is not None:
                already = _("{ref} was already created from this form.", ref=earlier.ref)
                return Change(earlier, (), already, self.changes.view_of(earlier))
            record = self.repo.records.insert_record(
                actor.tenant_id, kind, clean_title, stages_for(kind)[0], actor.id, now, company=clean_company
            )
            if form_key:
                self.repo.forms.add_form_submit(actor.tenant_id, form_key, record.id, None, now)
            self.repo.follows.add_follower(actor.tenant_id, record.id, actor.id, now)
            event = self.changes.event(actor, record, EventKind.CREATED, new=clean_title)
            return self.changes.changed(record, (event,), _("{ref} created.", ref=record.ref))

    def record_by_id(self, tenant_id: str, record_id: int) -> Record | None:
        """Any record of the tenant (the card updater's, which shows each post what its viewers may see)."""
        return self.repo.records.get_record(tenant_id, record_id)

    def visible_by_id(self, reader: User, record_id: int) -> Record | None:
        return self.changes.visible_by_id(reader, record_id)

    def view(self, reader: User | str, ref: str, every_follower: bool = False) -> RecordView:
        return self.changes.view_of(self.get_record(reader, ref), every_follower)

    # Lists: what the person may see; `everyone_reads` (an answer posted in a channel or group chat): only
    # everyone's records, since everyone there reads the list.

    def list_records(
        self, user: User | str, kind: Kind | None, limit: int = 25, everyone_reads: bool = False
    ) -> list[Record]:
        who = user if isinstance(user, str) else self.changes.reader(user, everyone_reads)
        return self.repo.records.list_records(who, kind, limit)

    def my_records(self, user: User, limit: int = 25, everyone_reads: bool = False) -> list[Record]:
        return self.repo.records.records_of_user(user.tenant_id, user.id, limit, everyones=everyone_reads)

    def followed_records(self, user: User, limit: int = 25, everyone_reads: bool = False) -> list[Record]:
        return self.repo.records.records_of_user(
            user.tenant_id, user.id, limit, following_only=True, everyones=everyone_reads
        )

    def search_records(self, user: User, text: str, limit: int = 25, everyone_reads: bool = False) -> list[Record]:
        """`find`: records whose title, company, Contact or text and choice fields have every word typed (as
        prefixes), newest first, among those the user may see; the walk reads only the tenant's matches up to the
        page."""
        reader = self.changes.reader(user, everyone_reads)
        return self.repo.extension.find_records(reader, clean_text(text)[:200], limit)

    # --- the three roles -----------------------------------------------------------------------

    def set_contact(self, actor: User, ref: str, contact_id: int, seen: Seen = NOTHING_SEEN) -> Change:
        with self.work.writing():
            # a contact is locked before a record (see storage)
            contact = self.contacts.get_contact(actor.tenant_id, contact_id)
            record = self.changes.editable(actor, ref)
            tenant, now = actor.tenant_id, self.clock()
            current = self.repo.records.record_contacts(tenant, record.id, Role.CONTACT.value, limit=1)
            if seen.contact_id is not None and seen.contact_id != (str(current[0].id) if current else ""):
                now_name = current[0].name if current else _("nobody")
                raise DomainError(
                    _("The Contact changed while your card was open (now: {name}). Nothing was changed.", name=now_name)
                )
            role = self.repo.records.role_of(tenant, record.id, contact.id)
            if role == Role.CONTACT:
                raise DomainError(
                    _("{name} is already the Contact of {ref}.", name=contact.name, ref=record.ref), "contact"
                )
            events = []
            if current:
                # The former Contact stays around the deal as an Other participant.
                self.repo.records.set_role(tenant, record.id, current[0].id, Role.PARTICIPANT.value, actor.id, now)
            self.repo.records.set_role(tenant, record.id, contact.id, Role.CONTACT.value, actor.id, now)
            moved = "was a participant" if role == Role.PARTICIPANT else None
            old = current[0].label if current else None
            events.append(
                self.changes.event(actor, record, EventKind.CONTACT_SET, old=old, new=contact.label, detail=moved)
            )
            if current:
                events.append(
                    self.changes.event(
                        actor, record, EventKind.PARTICIPANT_ADDED, new=current[0].label, detail="former Contact"
                    )
                )
            message = _("{name} is now the Contact of {ref}.", name=contact.name, ref=record.ref)
            return self.changes.changed(self.changes.touch(record), tuple(events), message, seen)

    def add_participant(self, actor: User, ref: str, contact_id: int, seen: Seen = NOTHING_SEEN) -> Change:
        with self.work.writing():
            # a contact is locked before a record (see storage)
            contact = self.contacts.get_contact(actor.tenant_id, contact_id)
            record = self.changes.editable(actor, ref)
            role = self.repo.records.role_of(actor.tenant_id, record.id, contact.id)
            if role == Role.CONTACT:
                raise DomainError(
                    _("{name} is the Contact of {ref}, so not also a participant.", name=contact.name, ref=record.ref),
                    "contact",
                )
            if role == Role.PARTICIPANT:
                raise DomainError(
                    _("{name} is already a participant of {ref}.", name=contact.name, ref=record.ref), "contact"
                )
            if self.repo.records.count_role(actor.tenant_id, record.id, Role.PARTICIPANT.value) >= MAX_PARTICIPANTS:
                raise DomainError(
                    _("{ref} has {n} participants, the most a record may.", ref=record.ref, n=MAX_PARTICIPANTS),
                    "contact",
                )
            self.repo.records.set_role(
                actor.tenant_id, record.id, contact.id, Role.PARTICIPANT.value, actor.id, self.clock()
            )
            event = self.changes.event(actor, record, EventKind.PARTICIPANT_ADDED, new=contact.label)
            message = _("{name} is now a participant of {ref}.", name=contact.name, ref=record.ref)
            return self.changes.changed(self.changes.touch(record), (event,), message, seen)

    def remove_participant(self, actor: User, ref: str, contact_id: int, seen: Seen = NOTHING_SEEN) -> Change:
        with self.work.writing():
            contact = self.contacts.get_contact(
                actor.tenant_id, contact_id, erased_ok=True
            )  # contact first, then record
            record = self.changes.editable(actor, ref)
            role = self.repo.records.role_of(actor.tenant_id, record.id, contact.id)
            if role == Role.CONTACT:
                raise DomainError(
                    _("{name} is the Contact of {ref}, not a participant.", name=contact.name, ref=record.ref),
                    "contact",
                )
            if role != Role.PARTICIPANT:
                raise DomainError(
                    _("{name} is not a participant of {ref}.", name=contact.name, ref=record.ref), "contact"
                )
            self.repo.records.remove_role(actor.tenant_id, record.id, contact.id)
            event = self.changes.event(actor, record, EventKind.PARTICIPANT_REMOVED, old=contact.label)
            message = _("{name} is no longer a participant of {ref}.", name=contact.name, ref=record.ref)
            return self.changes.changed(self.changes.touch(record), (event,), message, seen)

    def follow(
        self, actor: User, ref: str, follower: User | None = None, seen: Seen = NOTHING_SEEN,
        follow_for: FollowFor = FollowFor.CLOSED,
    ) -> Change:  # fmt: skip
        """`actor` starts following, or adds `follower` (another user of the tenant), until the deal closes
        (the default) or for some days."""
        return self._set_following(actor, ref, follower or actor, True, seen, follow_for)

    def unfollow(
        self, actor: User, ref: str, follower: User | None = None, seen: Seen = NOTHING_SEEN,
        keep_access: bool | None = None,
    ) -> Change:  # fmt: skip
        """Stop following. On a private or team record the person would no longer see otherwise, they are
        asked first (KeepAccess) whether to keep their access (`keep_access`)."""
        return self._set_following(actor, ref, follower or actor, False, seen, keep_access=keep_access)

    def _set_following(
        self, actor: User, ref: str, who: User, follows: bool, seen: Seen, follow_for: FollowFor = FollowFor.CLOSED,
        keep_access: bool | None = None,
    ) -> Change:  # fmt: skip
        if who.tenant_id != actor.tenant_id:
            raise NotFound(_("I can't find that person in your organisation."), "follower")
        yourself = who.id == actor.id
        with self.work.writing():
            record = self.changes.get_record(actor, ref)  # a converted lead can still be followed
            if follows and not yourself and not self.changes.may_see(who, record):
                return self.visibility.share(actor, ref, who, seen)  # a follower may see it: this gives access
            if self.repo.follows.is_follower(actor.tenant_id, record.id, who.id) == follows:
                ref, name = record.ref, who.name
                if follows:
                    already = (
                        _("You already follow {ref}.", ref=ref)
                        if yourself
                        else _("{name} already follows {ref}.", name=name, ref=ref)
                    )
                else:
                    already = (
                        _("You don't follow {ref}.", ref=ref)
                        if yourself
                        else _("{name} doesn't follow {ref}.", name=name, ref=ref)
                    )
                raise DomainError(already, "follower")
            if follows and self.repo.follows.count_followers(actor.tenant_id, record.id) >= MAX_FOLLOWERS:
                most = current().number(MAX_FOLLOWERS)
                raise DomainError(
                    _("{ref} has {n} followers, the most a record may.", ref=record.ref, n=most), "follower"
                )
            if follows:
                self.repo.follows.add_follower(actor.tenant_id, record.id, who.id, self.clock())
                self.changes.deliveries.notices.follow_ends(record, who, follow_for)
                event = self.changes.event(actor, record, EventKind.FOLLOWER_ADDED, new=who.name)
                text = (
                    _("You now follow {ref}.", ref=record.ref)
                    if yourself
                    else _("{name} now follows {ref}.", name=who.name, ref=record.ref)
                )
            else:
                if yourself and keep_access is None and not self.changes.sees_beyond_following(actor, record):
                    raise KeepAccess(
                        _(
                            "{ref} is not visible to everyone: once you stop following it, keep your access to it?",
                            ref=record.ref,
                        ),
                        record.ref,
                    )
                self.repo.follows.remove_follower(actor.tenant_id, record.id, who.id)
                event = self.changes.event(actor, record, EventKind.FOLLOWER_REMOVED, old=who.name)
                if yourself and keep_access is False:
                    self.visibility.leave(actor, record)
                text = (
                    _("You no longer follow {ref}.", ref=record.ref)
                    if yourself
                    else _("{name} no longer follows {ref}.", name=who.name, ref=record.ref)
                )
            self.changes.deliveries.notices.following_changed(actor, record, event, who, follows)
            return self.changes.changed(self.changes.touch(record), (event,), text, seen)

    def set_notify_choice(self, actor: User, ref: str, choice: str) -> Record:
        """What `actor` hears about on a record they follow; muted followers stay followers."""
        try:
            wanted = NotifyChoice(clean_text(choice).lower())
        except ValueError:
            raise DomainError(_not_a_setting(choice), "choice") from None
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            if not self.repo.follows.set_follower_choice(actor.tenant_id, record.id, actor.id, wanted.value):
                raise DomainError(_("You don't follow {ref}; follow it first.", ref=record.ref), "choice")
        return record

    def feed_offered(self, user: User) -> bool:
        """The activity feed is a choice only where Microsoft Graph is configured for the person's organisation."""
        return self.changes.deliveries.feed_tenant == user.tenant_id

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
                _(
                    "“{where}” is not a place to notify. Choose one of: {options}.",
                    where=clean_text(where)[:40],
                    options=options,
                ),
                "deliver_to",
            ) from None
        try:
            notify = NotifyChoice(clean_text(choice).lower())
        except ValueError:
            raise DomainError(_not_a_setting(choice), "choice") from None
        if wanted is not DeliverTo.CHAT and not self.feed_offered(actor):
            raise DomainError(
                _(
                    "The Teams activity feed is not available: Microsoft Graph is not configured for your organisation,"
                    " so notifications arrive as chat messages. Nothing was changed."
                ),
                "deliver_to",
            )
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            tenant = actor.tenant_id
            if not self.repo.follows.set_follower_choice(tenant, record.id, actor.id, notify.value):
                raise DomainError(_("You don't follow {ref}; follow it first.", ref=record.ref), "choice")
            self.repo.outbox.set_follower_delivery(tenant, record.id, actor.id, wanted.value)
        return record

    # --- comments, stages, conversion ----------------------------------------------------------

    def comment(
        self, actor: User, ref: str, text: str, seen: Seen = NOTHING_SEEN, mentioned: tuple[Mentioned, ...] = ()
    ) -> Change:
        """A comment; the colleagues @mentioned in it are told even if they do not follow."""
        body = (text or "").replace("\x00", "").strip()
        if not body:
            raise DomainError(_("A comment can't be empty."), "comment")
        if len(body) > MAX_COMMENT:
            number = current().number
            raise DomainError(
                _(
                    "A comment can be at most {n} characters (this one has {length}).",
                    n=number(MAX_COMMENT),
                    length=number(len(body)),
                ),
                "comment",
            )
        with self.work.writing():
            record = self.changes.bumped(actor, ref)
            # Read once for two uses: who may be told (often nobody but the actor: no outbox query) and the card.
            followers, _added = self.repo.together(  # on PostgreSQL, one round trip
                lambda: self.changes.first_followers(record),
                lambda: self.repo.records.add_comment(actor.tenant_id, record.id, actor.id, body, self.clock()),
            )
            event = self.changes.event(actor, record, EventKind.COMMENTED, new=shorten(body), followers=followers)
            unseen: tuple[User, ...] = ()
            if mentioned:
                people = tuple(self._mentioned_user(actor, person) for person in mentioned[:MAX_MENTIONS])
                # Someone who may not see the record is not told of it; its owner is offered to share it.
                unseen = tuple(p for p in people if p.id != actor.id and not self.changes.may_see(p, record))
                told = tuple(p for p in people if p not in unseen)
                self.changes.deliveries.notices.mentioned(actor, record, event, told)
            message = _("Comment added to {ref}.", ref=record.ref)
            if unseen:
                names = ", ".join(p.name or _("a colleague") for p in unseen)
                message += " " + _("Not told, as they can't see {ref}: {names}.", ref=record.ref, names=names)
            change = self.changes.changed(record, (event,), message, seen, followers=followers)
            return dataclasses.replace(change, unseen=unseen) if unseen else change

    def change_stage(
        self, actor: User, ref: str, stage: str, seen: Seen = NOTHING_SEEN, reason: str | None = None,
        note: str | None = None,
    ) -> Change:  # fmt: skip
        """The record to another stage of its pipeline. Lost (or a lead's Disqualified) takes why: a reason of the
        organisation's list, or Other and a few words (`stage O-3 Lost Price`); without one the card asks."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            if seen.stage and seen.stage != record.stage:
                raise DomainError(
                    _(
                        "The stage changed while your card was open (now: {stage}). Nothing was changed.",
                        stage=stage_label(record.stage),
                    )
                )
            valid = self.pipelines.stages_of(record)
            # English names always work; the reader's own too (`Gewonnen`, `Proposta`).
            match, said_reason = name_of_stage_and_reason(stage, valid)
            if match is None:
                shown, names = clean_text(stage)[:40], ", ".join(stage_label(s) for s in valid)
                if record.kind is Kind.LEAD:
                    refusal = _(
                        "“{stage}” is not a stage of leads. Choose one of: {stages}.", stage=shown, stages=names
                    )
                elif record.pipeline_id is None:
                    refusal = _(
                        "“{stage}” is not a stage of opportunities. Choose one of: {stages}.", stage=shown, stages=names
                    )
                else:
                    refusal = _(
                        "“{stage}” is not a stage of the {pipeline} pipeline. Choose one of: {stages}.",
                        stage=shown, pipeline=record.pipeline_name or "", stages=names,
                    )  # fmt: skip
                raise DomainError(refusal, "stage")
            if match == record.stage:
                raise DomainError(
                    _("{ref} is already in stage {stage}.", ref=record.ref, stage=stage_label(match)), "stage"
                )
            why: tuple[str, str | None] | None = None
            if match in LOSING_STAGES and (said_reason or clean_text(reason) or clean_text(note)):
                why = chosen(said_reason or reason, note, self.pipelines.lost_reasons(actor.tenant_id))
            detail = lost_line_stored(*why) if why else None
            event = self.changes.event(
                actor, record, EventKind.STAGE_CHANGED, old=record.stage, new=match, detail=detail
            )
            changes: dict[str, object] = {"stage": match}
            if why:
                changes |= {"lost_reason": why[0], "lost_note": why[1]}
            elif record.lost_reason:
                changes |= {"lost_reason": None, "lost_note": None}
            moved = self.changes.touch(record, **changes)
            followup = self.reactions.after(actor, record, moved, event)
            message = _("{ref} moved to {stage}.", ref=record.ref, stage=stage_label(match))
            message += f" {followup.said}" if followup.said else ""
            return self.changes.changed(moved, (event, *followup.events), message, seen)

    def set_lost_reason(
        self, actor: User, ref: str, reason: str, note: str | None = None, seen: Seen = NOTHING_SEEN
    ) -> Change:
        """Why a lost deal (or a disqualified lead) was lost, given or changed afterwards; followers are told."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            if record.stage not in LOSING_STAGES:
                raise DomainError(
                    _("{ref} is in stage {stage}: only a lost deal or a disqualified lead has a reason.", ref=record.ref, stage=stage_label(record.stage)),
                    "lost_reason",
                )  # fmt: skip
            if not clean_text(reason) and not clean_text(note):
                raise DomainError(_("Pick a reason, or Other and a few words."), "lost_reason")
            why, because = chosen(reason, note, self.pipelines.lost_reasons(actor.tenant_id))
            if (why, because) == (record.lost_reason, record.lost_note):
                raise DomainError(_("Nothing to change: {ref} already has that reason.", ref=record.ref), "lost_reason")
            old = lost_line_stored(record.lost_reason, record.lost_note) if record.lost_reason else None
            event = self.changes.event(
                actor, record, EventKind.LOST_REASON_SET, old=old, new=lost_line_stored(why, because)
            )
            moved = self.changes.touch(record, lost_reason=why, lost_note=because)
            message = _("{ref}: lost because of {reason}.", ref=record.ref, reason=lost_line(why, because))
            return self.changes.changed(moved, (event,), message, seen)

    def convert(self, actor: User, ref: str, seen: Seen = NOTHING_SEEN) -> Change:
        tenant = actor.tenant_id
        with self.work.writing():
            lead = self.changes.get_record(actor, ref)
            if lead.kind is not Kind.LEAD:
                raise DomainError(_("{ref} is already an opportunity; only leads can be converted.", ref=lead.ref))
            if lead.converted_to:
                raise DomainError(_("{ref} was already converted to {to}.", ref=lead.ref, to=lead.converted_to))
            self.work.quotas.spend(QuotaKind.RECORDS, tenant, actor.id)  # the opportunity is a new record
            now = self.clock()
            opportunity = self.repo.records.insert_record(
                tenant, Kind.OPPORTUNITY, lead.title, stages_for(Kind.OPPORTUNITY)[0], lead.owner_id, now,
                company=lead.company, value=lead.value, currency=lead.currency, close_date=lead.close_date,
                source=lead.source, description=lead.description, converted_from_id=lead.id,
                visibility=lead.visibility, team_id=lead.team_id,
            )  # fmt: skip
            self.repo.records.copy_history(tenant, lead.id, opportunity.id)
            self.repo.visibility.copy_access(tenant, lead.id, opportunity.id)  # who may see the lead sees it
            self.repo.notices.move_follow_ends(tenant, lead.id, opportunity.id)
            self.repo.tasks.move_open(tenant, lead.id, opportunity.id)  # its next steps go on with the deal
            # One notification per follower for a conversion: about the opportunity, where work goes on.
            on_lead = self.changes.event(
                actor, lead, EventKind.CONVERTED, old=lead.ref, new=opportunity.ref, notify=False
            )
            self.changes.touch(lead, stage=CONVERTED, converted_to_id=opportunity.id)
            on_opportunity = self.changes.event(
                actor, opportunity, EventKind.CONVERTED, old=lead.ref, new=opportunity.ref
            )
            message = _("{ref} is now opportunity {to}.", ref=lead.ref, to=opportunity.ref)
            return self.changes.changed(self.changes.touch(opportunity), (on_lead, on_opportunity), message, seen, lead)

    def create_contact_as(
        self, actor: User, ref: str, as_contact: bool, name: str, email: str | None, company: str | None,
        seen: Seen = NOTHING_SEEN,
    ) -> Change:  # fmt: skip
        """Create a contact and make it the Contact (or a participant) in one step: both or neither."""
        with self.work.writing():
            self.changes.editable(actor, ref)
            contact = self.contacts.create_contact(actor, name, email, company=company)
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


def _not_a_setting(choice: str) -> str:
    options = ", ".join(c.value for c in NotifyChoice)
    shown = clean_text(choice)[:40]
    return _("“{choice}” is not a notification setting. Choose one of: {options}.", choice=shown, options=options)


def lost_line_stored(reason: str | None, note: str | None) -> str:
    """A reason as the timeline keeps it: `Price`, `Other: their words` (translated where it is read)."""
    return f"{reason}: {note}" if note else reason or ""
