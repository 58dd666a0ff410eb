"""Use cases of a deal's details: title, value and currency (exact, minor units), expected close date,
company, next step, description. Value and close-date changes are news for followers; the others go on
the timeline only. The tenant's default currency is set by the first person who uses one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bot.domain.dates import parse_close_date
from bot.domain.edits import detail_values, fingerprint, kept_said, money_canonical, shown_of
from bot.domain.errors import DomainError, Invalid
from bot.domain.fields import CustomField, values_of
from bot.domain.language import _, day
from bot.domain.models import Change, Conflict, Event, EventKind, Record, Seen, User
from bot.domain.money import currency_code, format_money, parse_amount, shown_money
from bot.domain.rules import MAX_COMMENT, MAX_TITLE, clean_text, limited, shorten
from bot.services.changes import NOTHING_SEEN, RecordWork
from bot.services.fields import FieldCases, shown_ids
from bot.services.work import UnitOfWork

MAX_NEXT_STEP = 200
DETAIL_LABELS = {"title": "title", "company": "company", "next_step": "next step", "description": "description"}
FORM_FIELDS = ("title", "value", "currency", "close_date", "company", "next_step", "description")


def money_text(value: int | None, currency: str | None) -> str | None:
    """An amount as the timeline stores it: in English, whoever changed it (each reader sees it their way)."""
    return format_money(value, currency, "en") if value is not None and currency else None


# A form's custom fields: those it showed, the values before and after it.
CustomPart = tuple[list[CustomField], dict[str, Any], dict[str, Any]]


class DetailCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork, fields: FieldCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.fields = fields

    def today(self) -> date:
        return date.fromisoformat(self.clock()[:10])

    def default_currency(self, tenant_id: str) -> str | None:
        return self.repo.details.default_currency(tenant_id)

    def set_default_currency(self, actor: User, code: str) -> str:
        currency = currency_code(code)
        with self.work.writing():
            self.repo.details.set_default_currency(actor.tenant_id, currency)
        return currency

    # --- one field at a time (the chat commands) -------------------------------------------------

    def set_value(
        self, actor: User, ref: str, amount: str, currency: str | None = None, seen: Seen = NOTHING_SEEN
    ) -> Change:
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            if amount.strip().lower() in ("none", "clear", "-"):
                return self._save(actor, record, {"value": None, "currency": record.currency}, seen)
            code = self._currency(actor, record, currency)
            return self._save(actor, record, {"value": parse_amount(amount, code), "currency": code}, seen)

    def set_close_date(self, actor: User, ref: str, said: str, seen: Seen = NOTHING_SEEN) -> Change:
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            day = None if said.strip().lower() in ("none", "clear") else parse_close_date(said, self.today())
            return self._save(actor, record, {"close_date": day.isoformat() if day else None}, seen)

    def set_detail(self, actor: User, ref: str, field: str, text: str, seen: Seen = NOTHING_SEEN) -> Change:
        """`title`, `company` or `next_step` from a chat command."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            return self._save(actor, record, {field: self._clean(field, text)}, seen)

    # --- the Edit details form -------------------------------------------------------------------

    def edit_details(
        self, actor: User, ref: str, form: dict[str, str], seen: Seen = NOTHING_SEEN,
        shown: Mapping[str, str] | None = None,
    ) -> Change:  # fmt: skip
        """The fields of the form its sender changed, relative to what the form showed (`shown`: fingerprints,
        bot/domain/edits.py); an input absent from `form` is unchanged. A field someone else changed since the
        form was shown is kept and reported as a Conflict. Wrong fields are all reported (Invalid), nothing stored.
        The custom fields it showed (`fields`: their ids) too, only those its sender changed; a custom field
        removed while the form was open saves nothing."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            if shown is None:  # a form from before fingerprints: only safe on the version it showed
                if seen.version is not None and seen.version != record.version:
                    raise DomainError(
                        _(
                            "{ref} changed since this form was shown: open Edit details again. Nothing was changed.",
                            ref=record.ref,
                        )
                    )
                shown = shown_of(record)
            on_form = self.fields.on_form(actor.tenant_id, record.kind, shown_ids(form.get("fields")))
            errors: dict[str, str] = {}
            try:
                typed = self._typed_details(actor, record, form)
            except Invalid as exc:
                errors, typed = dict(exc.errors), {}
            before = values_of(record.custom)
            currency = (typed["value"][1].get("currency") if "value" in typed else None) or record.currency
            currency = currency or self.repo.details.default_currency(actor.tenant_id)
            after = self.fields.read_form(actor, on_form, before, form, currency, errors, shown) if on_form else before
            if errors:
                raise Invalid(errors)
            now = detail_values(record)
            wanted: dict[str, Any] = {}
            conflicts: list[Conflict] = []
            for key, (canonical, columns, raw) in typed.items():
                if key not in shown:
                    raise DomainError(_("This form is missing information; please open Edit details again."))
                if fingerprint(canonical) == shown[key] or canonical == now[key]:
                    continue  # not changed by its sender, or already so
                if fingerprint(now[key]) != shown[key]:  # changed by someone else since the form was shown
                    conflicts.append(self._conflict(record, key, columns, raw))
                    continue
                wanted |= columns
            kept = "".join(
                " " + _("Changed by someone else since your card was shown, so kept: {kept}.", kept=kept_said(c))
                for c in conflicts
            )
            if not wanted and after == before:
                if not conflicts:
                    raise DomainError(_("Nothing to change: {ref} already has that.", ref=record.ref))
                message = _("{ref}: nothing changed.", ref=record.ref) + kept
                return Change(record, (), message, self.changes.view_of(record), conflicts=tuple(conflicts))
            change = self._save(actor, record, wanted, seen, (on_form, before, after))
            return dataclasses.replace(change, message=change.message + kept, conflicts=tuple(conflicts))

    def _typed_details(
        self, actor: User, record: Record, form: dict[str, str]
    ) -> dict[str, tuple[str, dict[str, Any], dict[str, str]]]:
        """For each field present in the form: its value as stored (canonical), the columns it sets, and the
        inputs it came from. Invalid with every wrong field's message."""
        errors: dict[str, str] = {}
        typed: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {}

        def check(key: str, read: Callable[[], tuple[str, dict[str, Any], dict[str, str]]], field: str = "") -> None:
            try:
                typed[key] = read()
            except DomainError as exc:
                errors[exc.field or field or key] = exc.message

        for name in ("title", "company", "next_step", "description"):
            if name in form:

                def text(name: str = name) -> tuple[str, dict[str, Any], dict[str, str]]:
                    cleaned = self._clean(name, form[name])
                    return cleaned or "", {name: cleaned}, {name: form[name]}

                check(name, text)
        if "value" in form:
            check("value", lambda: self._typed_money(actor, record, form), "value")
        if "close_date" in form:

            def close() -> tuple[str, dict[str, Any], dict[str, str]]:
                said = (form["close_date"] or "").strip()
                when = parse_close_date(said, self.today()).isoformat() if said else None
                return when or "", {"close_date": when}, {"close_date": form["close_date"]}

            check("close_date", close)
        if errors:
            raise Invalid(errors)
        return typed

    def _typed_money(
        self, actor: User, record: Record, form: dict[str, str]
    ) -> tuple[str, dict[str, Any], dict[str, str]]:
        typed_value = (form.get("value") or "").strip()
        if not typed_value:
            return "", {"value": None, "currency": record.currency}, {"value": ""}
        code = self._currency(actor, record, form.get("currency") or None)
        amount = parse_amount(typed_value, code)
        return (
            money_canonical(amount, code),
            {"value": amount, "currency": code},
            {"value": typed_value, "currency": code},
        )

    def _conflict(self, record: Record, key: str, columns: dict[str, Any], raw: dict[str, str]) -> Conflict:
        """Both values, the reader's way (an amount grouped, a day in their calendar's words; "none" for none)."""

        def shown(value: Any) -> str:
            return shorten(str(value))[:80] if value else _("none")

        if key == "value":
            now = shown_money(money_text(record.value, record.currency)) or _("none")
            yours = shown_money(money_text(columns["value"], columns["currency"])) or _("none")
        elif key == "close_date":
            now, yours = day(record.close_date) or _("none"), day(columns[key]) or _("none")
        else:
            now, yours = shown(getattr(record, key)), shown(columns[key])
        return Conflict(key, now, yours, raw)

    # --- helpers ---------------------------------------------------------------------------------

    def _clean(self, field: str, text: str) -> str | None:
        if field == "title":
            title = limited(text, "title", "A title", MAX_TITLE)
            if not title:
                raise DomainError(_("A record needs a title."), "title")
            return title
        if field == "description":
            return limited(text, "description", "A description", MAX_COMMENT)
        if field == "next_step":
            return limited(" ".join(clean_text(text).split()), "next_step", "A next step", MAX_NEXT_STEP)
        return limited(text, "company", "A company name")

    def _currency(self, actor: User, record: Record, typed: str | None) -> str:
        """The typed code, else the record's, else the tenant's default; the first one used becomes the default."""
        if typed:
            code = currency_code(typed)
        else:
            found = record.currency or self.repo.details.default_currency(actor.tenant_id)
            if not found:
                raise DomainError(
                    _("Which currency? Add its code, e.g. value {ref} 25000 EUR.", ref=record.ref), "currency"
                )
            code = found
        if not self.repo.details.default_currency(actor.tenant_id):
            self.repo.details.set_default_currency(actor.tenant_id, code)
        return code

    def _save(
        self, actor: User, record: Record, wanted: dict[str, Any], seen: Seen, custom: CustomPart | None = None
    ) -> Change:
        changes = {k: v for k, v in wanted.items() if getattr(record, k) != v}
        fields, before, after = custom or ([], {}, {})
        custom_changed = fields and any(before.get(f.key) != after.get(f.key) for f in fields)
        if not changes and not custom_changed:
            raise DomainError(_("Nothing to change: {ref} already has that.", ref=record.ref))
        events = self._detail_events(actor, record, changes)
        columns: dict[str, Any] = {}
        if custom_changed:
            events += self.fields.value_events(actor, record, fields, before, after)
            columns = self.fields.columns(actor.tenant_id, record.kind, after)
        self.repo.details.update_record_fields(record.tenant_id, record.id, self.clock(), **changes, **columns)
        if columns:
            changes["custom"] = columns["custom"]
        updated = dataclasses.replace(record, version=record.version + 1, updated_at=self.clock(), **changes)
        said = "; ".join(self._said(e) for e in events)
        return self.changes.changed(updated, tuple(events), _("{ref}: {changes}.", ref=record.ref, changes=said), seen)

    def _detail_events(self, actor: User, record: Record, changes: dict[str, Any]) -> list[Event]:
        events = []
        if "value" in changes or "currency" in changes:
            old = money_text(record.value, record.currency)
            new = money_text(changes.get("value", record.value), changes.get("currency", record.currency))
            if old != new:
                events.append(self.changes.event(actor, record, EventKind.VALUE_CHANGED, old=old, new=new))
        if "close_date" in changes:
            events.append(
                self.changes.event(
                    actor, record, EventKind.CLOSE_DATE_CHANGED, old=record.close_date, new=changes["close_date"]
                )
            )
        for field, label in DETAIL_LABELS.items():
            if field in changes:
                old, new = getattr(record, field), changes[field]
                events.append(
                    self.changes.event(
                        actor, record, EventKind.DETAIL_CHANGED, old=old and shorten(old), new=new and shorten(new),
                        detail=label, notify=False,
                    )
                )  # fmt: skip
        return events

    @staticmethod
    def _said(event: Event) -> str:
        """One change in the answer's sentence (`value 25.000,00 EUR`), in the reader's language."""
        if event.kind is EventKind.VALUE_CHANGED:
            return _("value {value}", value=shown_money(event.new)) if event.new else _("value cleared")
        if event.kind is EventKind.CLOSE_DATE_CHANGED:
            return _("close date {day}", day=day(event.new)) if event.new else _("close date cleared")
        if event.detail == "description":
            return _("description updated")
        if event.detail == "title":
            return _("title {value}", value=event.new) if event.new else _("title cleared")
        if event.detail == "company":
            return _("company {value}", value=event.new) if event.new else _("company cleared")
        if event.detail == "next step":
            return _("next step {value}", value=event.new) if event.new else _("next step cleared")
        return f"{event.detail} {event.new}" if event.new else f"{event.detail}"
