"""Use cases of a record's life: handing it to a colleague, archiving and restoring it. Only the owner
or a follower may hand a record on; the new owner follows it and is told. Archived records leave the
lists and searches, keep their timeline, and change no more until restored; followers are told once."""

from __future__ import annotations

from bot.domain.errors import Ambiguous, DomainError, NotFound
from bot.domain.language import _, translated
from bot.domain.models import Change, EventKind, Record, Seen, User
from bot.domain.rules import MAX_NAME, clean_text
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.people import UNRESOLVED_PICK, pick
from bot.services.work import UnitOfWork


class LifecycleCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes

    def find_colleague(self, actor: User, text: str) -> User:
        """A user of the actor's tenant by email, UPN or name (`me` is the actor)."""
        said = clean_text(text)
        if said.lower() in ("me", "myself"):
            return actor
        found = self.repo.details.users_matching(actor.tenant_id, said[:MAX_NAME]) if said else []
        if not found:
            raise NotFound(
                _(
                    "I can't find a colleague “{name}” in your organisation. Use their name or email; "
                    "they need to have talked to me once (or pick them with Change owner on the card).",
                    name=said[:80],
                ),
                "owner",
            )
        if len(found) > 1:
            names = ", ".join(f"{u.name} ({u.email})" if u.email else u.name for u in found[:5])
            raise Ambiguous(
                _("Several colleagues match “{name}”: {names}. Use their email.", name=said[:80], names=names),
                [],
                "owner",
            )
        return found[0]

    def picked_colleague(
        self, actor: User, picked: str, name: str | None, teams_id: str | None = None, aad_object_id: str | None = None
    ) -> User:
        """The people picker's pick (an Entra object id, or the Playground's Teams id): a colleague the bot knows
        in this tenant, or one Teams vouched for (found in the conversation's roster, which gave `name`). Anyone
        else, another tenant's people included, is refused with why."""
        teams_id, aad = pick(picked, teams_id, aad_object_id, "owner")
        known = self.repo.people.find_user(actor.tenant_id, teams_id, aad)
        if known is not None:
            return known
        if aad is None or not name:
            raise NotFound(translated(UNRESOLVED_PICK), "owner")
        with self.work.writing():
            return self.repo.people.upsert_user(
                actor.tenant_id, teams_id, aad, clean_text(name)[:MAX_NAME], self.clock()
            )

    def hand_over(self, actor: User, ref: str, new_owner: User, seen: Seen = NOTHING_SEEN) -> Change:
        if new_owner.tenant_id != actor.tenant_id:
            raise NotFound(_("I can't find that person in your organisation."), "owner")
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            tenant = actor.tenant_id
            if actor.id != record.owner_id and not self.repo.follows.is_follower(tenant, record.id, actor.id):
                raise DomainError(
                    _(
                        "Only the owner of {ref} or one of its followers can hand it on. Follow it first.",
                        ref=record.ref,
                    )
                )
            if new_owner.id == record.owner_id:
                raise DomainError(_("{name} already owns {ref}.", name=new_owner.name, ref=record.ref), "owner")
            if not self.changes.may_see(new_owner, record) and not self._manages(actor, record):
                # A private record handed to someone who may not see it is shared with them: its owner's or an admin's call.
                raise DomainError(
                    _(
                        "Only the owner of {ref} or an admin can give {name} access to it.",
                        ref=record.ref,
                        name=new_owner.name,
                    ),
                    "owner",
                )
            old = self.repo.people.get_user(tenant, record.owner_id)
            self.repo.follows.add_follower(
                tenant, record.id, new_owner.id, self.clock()
            )  # before the event: they are told
            event = self.changes.event(
                actor, record, EventKind.OWNER_CHANGED, old=old.name if old else None, new=new_owner.name
            )
            updated = self._set(record, owner_id=new_owner.id)
            owns = _("{name} now owns {ref}.", name=new_owner.name, ref=record.ref)
            return self.changes.changed(updated, (event,), owns, seen)

    def _manages(self, actor: User, record: Record) -> bool:
        return record.owner_id == actor.id or self.changes.is_admin(actor)

    def archive(self, actor: User, ref: str, seen: Seen = NOTHING_SEEN) -> Change:
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            if record.archived_at:
                raise DomainError(_("{ref} is already archived. Restore it with: restore {ref}", ref=record.ref))
            event = self.changes.event(actor, record, EventKind.ARCHIVED, old=record.stage)
            for task_id in self.repo.tasks.close_open_of_record(actor.tenant_id, record.id, actor.id, self.clock()):
                self.repo.outbox.cancel_reminders(actor.tenant_id, task_id)  # its open tasks close with it
            updated = self._set(record, archived_at=self.clock())
            archived = _("{ref} archived. Restore it with: restore {ref}", ref=record.ref)
            return self.changes.changed(updated, (event,), archived, seen)

    def restore(self, actor: User, ref: str, seen: Seen = NOTHING_SEEN) -> Change:
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            if not record.archived_at:
                raise DomainError(_("{ref} is not archived.", ref=record.ref))
            event = self.changes.event(actor, record, EventKind.RESTORED, new=record.stage)
            updated = self._set(record, archived_at=None)
            return self.changes.changed(updated, (event,), _("{ref} restored.", ref=record.ref), seen)

    def _set(self, record: Record, **changes: object) -> Record:
        self.repo.details.update_record_fields(record.tenant_id, record.id, self.clock(), **changes)
        updated = self.repo.records.get_record(record.tenant_id, record.id)
        if updated is None:
            raise LookupError(f"record {record.id} vanished inside its own transaction")
        return updated
