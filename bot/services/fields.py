"""Use cases of custom fields: admins add, rename and remove them; people fill them in on records (Edit
details, its More fields pages, `set O-3 Region EMEA`) and on contacts (Edit contact, CSV import). Every value
is read by its field's type before anything is stored; a form that still shows a field removed meanwhile
saves nothing and says so. A change of value is on the record's timeline (removing a field keeps those
entries: its values leave the records and the cards, not the history)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.domain.admins import admins_only
from bot.domain.contact_csv import is_column_name
from bot.domain.edits import EMPTY, custom_canonical, fingerprint
from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.fields import (
    MAX_FIELDS,
    AppliesTo,
    CustomField,
    FieldType,
    FieldValue,
    applies_to,
    choice_list,
    colleague_ids,
    covering,
    encoded,
    field_key,
    field_name,
    field_type,
    present,
    read_value,
    search_text,
    shown,
    values_of,
)
from bot.domain.language import _
from bot.domain.models import Change, Event, EventKind, Kind, Record, Seen, User
from bot.domain.rules import AAD_ID, clean_text, shorten
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.lifecycle import LifecycleCases
from bot.services.people import UserCases
from bot.services.work import UnitOfWork

KINDS_OF = {
    AppliesTo.LEAD: (Kind.LEAD,),
    AppliesTo.OPPORTUNITY: (Kind.OPPORTUNITY,),
    AppliesTo.RECORD: (Kind.LEAD, Kind.OPPORTUNITY),
    AppliesTo.CONTACT: (),
}


def shown_ids(raw: str | None) -> list[int]:
    """The field ids a form says it showed (`12,13`); anything else in it is not a form of ours."""
    ids = []
    for part in (raw or "").split(","):
        part = part.strip()
        if part:
            if not (part.isascii() and part.isdigit() and len(part) < 10):
                raise DomainError(_("This form sent something I can't read; please open it again."))
            ids.append(int(part))
    return ids


class FieldCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork, people: UserCases, lifecycle: LifecycleCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.people = people
        self.lifecycle = lifecycle

    def today(self) -> date:
        return date.fromisoformat(self.clock()[:10])

    def fields(self, tenant_id: str) -> list[CustomField]:
        return self.repo.fields.definitions(tenant_id)

    def fields_of(self, tenant_id: str, kind: Kind | None) -> list[CustomField]:
        return covering(self.fields(tenant_id), kind)

    # --- admins define them ----------------------------------------------------------------------

    def require_admin(self, actor: User) -> None:
        if not self.people.is_admin(actor):
            raise DomainError(admins_only(), "admin")

    def add_field(self, actor: User, on: str, name: str, kind: str, choices: str = "") -> CustomField:
        """A new field on leads, opportunities, both (`record`) or contacts: at most MAX_FIELDS on each, its name
        not a built-in field's nor another field's on the same cards, a choice field's list of choices."""
        self.require_admin(actor)
        errors: dict[str, str] = {}
        checked: dict[str, Any] = {}
        for key, read in (
            ("applies_to", lambda: applies_to(on)),
            ("name", lambda: field_name(name)),
            ("type", lambda: field_type(kind)),
        ):
            try:
                checked[key] = read()
            except DomainError as exc:
                errors[key] = exc.message
        if "type" in checked:
            try:
                if checked["type"] is FieldType.CHOICE:
                    checked["choices"] = choice_list(choices)
                elif clean_text(choices):
                    raise DomainError(_("Only a choice field has choices."), "choices")
            except DomainError as exc:
                errors["choices"] = exc.message
        if checked.get("applies_to") is AppliesTo.CONTACT and "name" in checked and is_column_name(checked["name"]):
            errors["name"] = _(
                "“{name}” is what a contacts file calls a built-in column: give your field another name.",
                name=checked["name"],
            )
        if errors:
            raise Invalid(errors)
        where, clean, of_type = checked["applies_to"], checked["name"], checked["type"]
        with self.work.writing():
            self.repo.fields.lock_definitions(actor.tenant_id)
            existing = self.fields(actor.tenant_id)
            self._name_free(existing, clean, where)
            for kind_name, count in self._counts(existing, where).items():
                if count >= MAX_FIELDS:
                    raise DomainError(
                        _(
                            "Your organisation has {n} fields on {what}, the most it may: remove one first.",
                            n=MAX_FIELDS,
                            what=kind_name,
                        ),
                        "name",
                    )
            return self.repo.fields.add_field(
                actor.tenant_id, where, clean, of_type, checked.get("choices", ()), actor.id, self.clock()
            )

    @staticmethod
    def _name_free(existing: list[CustomField], name: str, where: AppliesTo, but: int | None = None) -> None:
        clash = next(
            (
                f
                for f in existing
                if f.id != but and field_key(f.name) == field_key(name) and f.applies_to.overlaps(where)
            ),
            None,
        )
        if clash is not None:
            raise DomainError(
                _("There is already a field called “{name}” on {what}.", name=clash.name, what=clash.applies_to.label),
                "name",
            )

    @staticmethod
    def _counts(existing: list[CustomField], where: AppliesTo) -> dict[str, int]:
        """How many fields each kind of card `where` adds to already has."""
        if where is AppliesTo.CONTACT:
            return {AppliesTo.CONTACT.label: len(covering(existing, None))}
        return {
            (AppliesTo.LEAD if kind is Kind.LEAD else AppliesTo.OPPORTUNITY).label: len(covering(existing, kind))
            for kind in KINDS_OF[where]
        }

    def field_named(self, tenant_id: str, said: str) -> CustomField:
        """A field by its name, `contact Region` / `opportunity Region` when several have it."""
        text = " ".join(clean_text(said).split())
        where: AppliesTo | None = None
        first, _space, rest = text.partition(" ")
        if rest:
            try:
                where = applies_to(first)
                text = rest
            except DomainError:
                where = None
        found = [f for f in self.fields(tenant_id) if field_key(f.name) == field_key(text)]
        if where is not None:
            found = [f for f in found if f.applies_to is where] or [f for f in found if f.applies_to.overlaps(where)]
        if not found:
            raise NotFound(
                _("Your organisation has no field called “{name}”. Type fields to see them.", name=text[:60]), "field"
            )
        if len(found) > 1:
            options = ", ".join(f"{f.applies_to.value} {f.name}" for f in found)
            raise DomainError(
                _("Several fields are called “{name}”: say which, e.g. {options}.", name=text[:60], options=options),
                "field",
            )
        return found[0]

    def rename_field(self, actor: User, field_id: int, new_name: str) -> tuple[CustomField, str]:
        """The field under its new name, and its old one."""
        self.require_admin(actor)
        clean = field_name(new_name, "new_name")
        if (
            (field := self.repo.fields.field(actor.tenant_id, field_id)) is not None
            and field.applies_to is AppliesTo.CONTACT
            and is_column_name(clean)
        ):
            raise DomainError(
                _(
                    "“{name}” is what a contacts file calls a built-in column: give your field another name.",
                    name=clean,
                ),
                "new_name",
            )
        with self.work.writing():
            self.repo.fields.lock_definitions(actor.tenant_id)
            field = self._live(actor.tenant_id, field_id)
            if clean == field.name:
                raise DomainError(_("The field is already called “{name}”.", name=clean), "new_name")
            try:
                self._name_free(self.fields(actor.tenant_id), clean, field.applies_to, but=field.id)
            except DomainError as exc:
                raise DomainError(exc.message, "new_name") from None
            self.repo.fields.rename_field(actor.tenant_id, field.id, clean)
            return CustomField(
                field.id, field.tenant_id, field.applies_to, clean, field.type, field.choices
            ), field.name

    def remove_field(self, actor: User, field_id: int) -> tuple[CustomField, int]:
        """The field leaves every card and form; its values leave the records and contacts (the timeline keeps
        what was set). The field, and how many records and contacts held a value."""
        self.require_admin(actor)
        tenant = actor.tenant_id
        with self.work.writing():
            self.repo.fields.lock_definitions(tenant)
            field = self._live(tenant, field_id)
            self.repo.fields.remove_field(tenant, field.id, self.clock())
            live = self.fields(tenant)
            held = 0
            if field.applies_to is AppliesTo.CONTACT:
                for contact_id, custom in self.repo.fields.contacts_holding(tenant, field.id):
                    values = values_of(custom)
                    if values.pop(field.key, None) is not None:
                        held += 1
                    self.repo.fields.set_contact_values(tenant, contact_id, encoded(values))
            else:
                for record_id, custom in self.repo.fields.records_holding(tenant, field.id):
                    values = values_of(custom)
                    if values.pop(field.key, None) is not None:
                        held += 1
                    record = self.repo.records.get_record(tenant, record_id)
                    kind = record.kind if record else Kind.OPPORTUNITY
                    self.repo.fields.set_record_values(
                        tenant, record_id, encoded(values), search_text(covering(live, kind), values)
                    )
            return field, held

    def _live(self, tenant_id: str, field_id: int) -> CustomField:
        field = self.repo.fields.field(tenant_id, field_id)
        if field is None or field.removed_at:
            raise NotFound(_("That field no longer exists (it was removed). Type fields to see them."), "field")
        return field

    # --- values ------------------------------------------------------------------------------------

    def on_form(self, tenant_id: str, kind: Kind | None, ids: list[int]) -> list[CustomField]:
        """The fields a submitted form showed, as they are now; one removed meanwhile refuses the whole form."""
        found = {f.id: f for f in self.repo.fields.fields_by_ids(tenant_id, ids)}
        fields = []
        for field_id in ids:
            field = found.get(field_id)
            if field is None or field.removed_at or field not in covering([field], kind):
                name = field.name if field else _("a field")
                raise DomainError(
                    _(
                        "The field “{name}” was removed while your form was open: nothing was saved. Open the form again.",
                        name=name,
                    )
                )
            fields.append(field)
        return fields

    def read_form(
        self, actor: User, fields: list[CustomField], current: Mapping[str, Any], form: Mapping[str, str],
        currency: str | None, errors: dict[str, str], shown: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The values after the form (every field read by its type; what is wrong goes into `errors`). An input
        the form did not send (Teams leaves out an empty one) is unchanged, and so is one whose value is what
        the form showed (`shown`: fingerprints, bot/domain/edits.py), so that a form shown before someone else's
        change does not put back the old value."""
        after = dict(current)
        for field in fields:
            if field.input_id not in form and f"{field.input_id}_currency" not in form:
                continue
            raw = form.get(field.input_id, "") or ""
            if shown is not None and fingerprint(custom_canonical(form, field.input_id)) == shown.get(
                field.input_id, EMPTY
            ):
                continue
            try:
                if field.type is FieldType.COLLEAGUE:
                    after[field.key] = self._colleague(actor, raw, field) if clean_text(raw) else None
                else:
                    typed_currency = form.get(f"{field.input_id}_currency") or currency
                    after[field.key] = read_value(field, raw, self.today(), typed_currency)
            except DomainError as exc:
                errors[field.input_id] = exc.message
        return after

    def _colleague(self, actor: User, raw: str, field: CustomField) -> int:
        """A colleague picked (their Entra object id) or named (name or email): one the bot knows."""
        said = clean_text(raw)
        if AAD_ID.fullmatch(said):
            known = self.repo.people.find_user(actor.tenant_id, None, said)
            if known is None:
                raise DomainError(
                    _(
                        "I can't find that colleague for {field}: they need to have talked to me once.",
                        field=field.name,
                    ),
                    field.input_id,
                )
            return known.id
        try:
            return self.lifecycle.find_colleague(actor, said).id
        except DomainError as exc:
            raise DomainError(exc.message, field.input_id) from None

    def values_shown(
        self, tenant_id: str, fields: list[CustomField], values: Mapping[str, Any]
    ) -> dict[str, FieldValue]:
        """Each field's value as people read it (colleagues' names looked up once)."""
        people = self.repo.fields.user_names(tenant_id, colleague_ids(fields, values))
        return {v.field.key: v for v in present(fields, values, people)}

    def value_events(
        self,
        actor: User,
        record: Record,
        fields: list[CustomField],
        before: Mapping[str, Any],
        after: Mapping[str, Any],
    ) -> list[Event]:
        """One timeline entry per field whose value changed (`detail` names the field)."""
        changed = [f for f in fields if before.get(f.key) != after.get(f.key)]
        if not changed:
            return []
        old, new = (
            self.values_shown(actor.tenant_id, changed, before),
            self.values_shown(actor.tenant_id, changed, after),
        )
        events = []
        for field in changed:
            was, now = old.get(field.key), new.get(field.key)
            events.append(
                self.changes.event(
                    actor, record, EventKind.FIELD_CHANGED, old=shorten(shown(was)) if was else None,
                    new=shorten(shown(now)) if now else None, detail=field.name, notify=False,
                )
            )  # fmt: skip
        return events

    def columns(self, tenant_id: str, kind: Kind, after: Mapping[str, Any]) -> dict[str, str | None]:
        """The record's stored values and search text after a change."""
        return {"custom": encoded(after), "custom_text": search_text(self.fields_of(tenant_id, kind), after)}

    def set_fields(
        self, actor: User, ref: str, form: Mapping[str, str], ids: list[int], seen: Seen = NOTHING_SEEN,
        shown: Mapping[str, str] | None = None,
    ) -> Change:  # fmt: skip
        """The fields a More fields page showed, all read before any is stored; `shown`: what it showed
        (fingerprints), so that a value sent back untouched leaves a newer one in place."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            fields = self.on_form(actor.tenant_id, ids=ids, kind=record.kind)
            return self._save(actor, record, fields, form, seen, shown)

    def set_value(self, actor: User, ref: str, said: str) -> Change:
        """`set O-3 Region EMEA`: the field named first (the longest name that fits), then its value; `none` clears it."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            fields = self.fields_of(actor.tenant_id, record.kind)
            text = " ".join(clean_text(said).split())
            named = sorted(
                (
                    f
                    for f in fields
                    if field_key(text + " ").startswith(field_key(f.name) + " ") or field_key(text) == field_key(f.name)
                ),
                key=lambda f: -len(f.name),
            )
            if not named:
                listed = ", ".join(f.name for f in fields[:15]) or _("none yet (an admin adds them: field add)")
                raise DomainError(
                    _(
                        "Which field? {ref} has these: {fields}. Try: set {ref} <field> <value>",
                        ref=record.ref,
                        fields=listed,
                    )
                )
            field = named[0]
            value = text[len(field.name) :].strip()
            return self._save(actor, record, [field], {field.input_id: value}, NOTHING_SEEN)

    def _save(
        self, actor: User, record: Record, fields: list[CustomField], form: Mapping[str, str], seen: Seen,
        shown: Mapping[str, str] | None = None,
    ) -> Change:  # fmt: skip
        errors: dict[str, str] = {}
        before = values_of(record.custom)
        currency = record.currency or self.repo.details.default_currency(actor.tenant_id)
        after = self.read_form(actor, fields, before, form, currency, errors, shown)
        if errors:
            raise Invalid(errors)
        events = self.value_events(actor, record, fields, before, after)
        if not events:
            raise DomainError(_("Nothing to change: {ref} already has that.", ref=record.ref))
        columns = self.columns(actor.tenant_id, record.kind, after)
        self.repo.details.update_record_fields(record.tenant_id, record.id, self.clock(), **columns)
        updated = Record(
            **{**vars(record), "version": record.version + 1, "updated_at": self.clock(), "custom": columns["custom"]}
        )
        said = "; ".join(f"{e.detail} {e.new}" if e.new else _("{field} cleared", field=e.detail) for e in events)
        return self.changes.changed(updated, tuple(events), f"{record.ref}: {said}.", seen)

    def summaries(self, tenant_id: str, records: list[Record], limit: int = 3) -> dict[int, str]:
        """The first few custom fields with a value of each record, `Region: EMEA · Seats: 25` (the message
        extension's previews); no query at all when none of the records holds a value."""
        holding = [(r, values_of(r.custom)) for r in records if r.custom]
        if not holding:
            return {}
        every = self.fields(tenant_id)
        people = self.repo.fields.user_names(
            tenant_id, sorted({i for r, v in holding for i in colleague_ids(covering(every, r.kind), v)})
        )
        found = {}
        for record, values in holding:
            shown_now = present(covering(every, record.kind), values, people)[:limit]
            if shown_now:
                found[record.id] = " · ".join(f"{v.field.name}: {shorten(shown(v))[:60]}" for v in shown_now)
        return found

    # --- contacts ----------------------------------------------------------------------------------

    def contact_values(self, tenant_id: str, contact_id: int) -> dict[str, Any]:
        return values_of(self.repo.fields.contact_values(tenant_id, contact_id))

    def contact_shown(self, tenant_id: str, contact_id: int) -> list[FieldValue]:
        fields = self.fields_of(tenant_id, None)
        values = self.contact_values(tenant_id, contact_id) if fields else {}
        shown_now = self.values_shown(tenant_id, fields, values)
        return [shown_now[f.key] for f in fields if f.key in shown_now]
