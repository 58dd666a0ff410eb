"""Use cases of buying roles: set the role of the Contact or an Other participant (one or several in
one change), and the owner's reminder when a deal moves on without a Decision maker or Economic buyer."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.buying import NUDGE_STAGES, BuyingRole, lacks_decision_maker, role_label
from bot.domain.errors import DomainError, NotFound
from bot.domain.language import _, ngettext
from bot.domain.models import Change, Event, EventKind, Kind, Record, Seen, User
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.reactions import NOTHING, Followup
from bot.services.work import UnitOfWork


class BuyingRoleCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes

    def set_buying_role(
        self, actor: User, ref: str, contact_id: int, role: BuyingRole | None, seen: Seen = NOTHING_SEEN
    ) -> Change:
        return self.set_buying_roles(actor, ref, {contact_id: role}, seen)

    def set_buying_roles(
        self, actor: User, ref: str, wanted: Mapping[int, BuyingRole | None], seen: Seen = NOTHING_SEEN
    ) -> Change:
        """Give each listed person of the record their role, all or nothing: one timeline event per
        person whose role changes; someone who is not on the record refuses the whole change."""
        tenant = actor.tenant_id
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            current = {c.id: (c, b) for _, c, b in self.repo.buying.record_people_with_roles(tenant, record.id)}
            strangers = [i for i in wanted if i not in current]
            if strangers:
                known = self.repo.contacts.get_contact(tenant, strangers[0]) if len(strangers) == 1 else None
                who = known.label if known else _("That person")
                raise NotFound(
                    _(
                        "{who} is not on {ref} (any more): add them as the Contact or a participant first.",
                        who=who,
                        ref=record.ref,
                    ),
                    "role",
                )
            events = []
            for contact_id, role in wanted.items():
                contact, before = current[contact_id]
                if role == before:
                    continue
                self.repo.buying.set_buying_role(tenant, record.id, contact_id, role)
                old, new = (r.label if r else None for r in (before, role))
                events.append(
                    self.changes.event(actor, record, EventKind.BUYING_ROLE_SET, old, new, detail=contact.label)
                )
            if not events:
                raise DomainError(_("No role changed."), "role")
            message = self._roles_message(record, [(current[i][0].name, r) for i, r in wanted.items()], len(events))
            return self.changes.changed(self.changes.touch(record), tuple(events), message, seen)

    @staticmethod
    def _roles_message(record: Record, changes: list[tuple[str, BuyingRole | None]], changed: int) -> str:
        if len(changes) == 1:
            name, role = changes[0]
            return _("{name} on {ref}: {role}.", name=name, ref=record.ref, role=role_label(role))
        return ngettext(
            "{n} buying role changed on {ref}.", "{n} buying roles changed on {ref}.", changed, ref=record.ref
        )

    def lacking_decision_maker(self, tenant_id: str, records: list[Record]) -> set[int]:
        """Of these records (a list card's), the deals past their first stage with nobody who signs."""
        candidates = [r.id for r in records if lacks_decision_maker(r, ())]
        return self.repo.buying.without_signer(tenant_id, candidates)

    def stage_reached(self, actor: User, before: Record, record: Record, moved: Event) -> Followup:
        """The owner is told once per deal when it reaches a later stage with no Decision maker or
        Economic buyer (a reminder through their notifications, never a blocker)."""
        if record.kind is not Kind.OPPORTUNITY or record.stage not in NUDGE_STAGES:
            return NOTHING
        tenant = actor.tenant_id
        if self.repo.buying.has_signer(tenant, record.id) or self.repo.buying.was_nudged(tenant, record.id):
            return NOTHING
        event = self.changes.event(actor, record, EventKind.DECISION_MAKER_MISSING, new=record.stage, notify=False)
        self.changes.deliveries.enqueue_to(record.owner_id, actor, record, event)
        return Followup((event,))
