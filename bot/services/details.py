"""Use cases of a deal's details: title, value and currency (exact, minor units), expected close date,
company, next step, description. Value and close-date changes are news for followers; the others go on
the timeline only. The tenant's default currency is set by the first person who uses one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bot.domain.dates import parse_close_date
from bot.domain.edits import detail_values, fingerprint, money_canonical, shown_of
from bot.domain.errors import DomainError, Invalid
from bot.domain.models import Change, Conflict, Event, EventKind, Record, Seen, User
from bot.domain.money import currency_code, format_money, parse_amount
from bot.domain.rules import MAX_COMMENT, MAX_TITLE, clean_text, limited, shorten
from bot.services.records import NOTHING_SEEN, RecordCases

MAX_NEXT_STEP = 200
DETAIL_LABELS = {"title": "title", "company": "company", "next_step": "next step", "description": "description"}
FIELD_LABELS = {**DETAIL_LABELS, "value": "value", "close_date": "close date"}
FORM_FIELDS = ("title", "value", "currency", "close_date", "company", "next_step", "description")


def money_text(value: int | None, currency: str | None) -> str | None:
    return format_money(value, currency) if value is not None and currency else None


class DetailCases(RecordCases):
    def today(self) -> date:
        return date.fromisoformat(self.clock()[:10])

    def default_currency(self, tenant_id: str) -> str | None:
        return self.repo.details.default_currency(tenant_id)

    def set_default_currency(self, actor: User, code: str) -> str:
        currency = currency_code(code)
        with self.writing():
            self.repo.details.set_default_currency(actor.tenant_id, currency)
        return currency

    # --- one field at a time (the chat commands) -------------------------------------------------

    def set_value(
        self, actor: User, ref: str, amount: str, currency: str | None = None, seen: Seen = NOTHING_SEEN
    ) -> Change:
        with self.writing():
            record = self._editable(actor, ref)
            if amount.strip().lower() in ("none", "clear", "-"):
                return self._save(actor, record, {"value": None, "currency": record.currency}, seen)
            code = self._currency(actor, record, currency)
            return self._save(actor, record, {"value": parse_amount(amount, code), "currency": code}, seen)

    def set_close_date(self, actor: User, ref: str, said: str, seen: Seen = NOTHING_SEEN) -> Change:
        with self.writing():
            record = self._editable(actor, ref)
            day = None if said.strip().lower() in ("none", "clear") else parse_close_date(said, self.today())
            return self._save(actor, record, {"close_date": day.isoformat() if day else None}, seen)

    def set_detail(self, actor: User, ref: str, field: str, text: str, seen: Seen = NOTHING_SEEN) -> Change:
        """`title`, `company` or `next_step` from a chat command."""
        with self.writing():
            record = self._editable(actor, ref)
            return self._save(actor, record, {field: self._clean(field, text)}, seen)

    # --- the Edit details form -------------------------------------------------------------------

    def edit_details(
        self, actor: User, ref: str, form: dict[str, str], seen: Seen = NOTHING_SEEN,
        shown: Mapping[str, str] | None = None,
    ) -> Change:  # fmt: skip
        """The fields of the form its sender changed, relative to what the form showed (`shown`: fingerprints,
        bot/domain/edits.py); an input absent from `form` is unchanged. A field someone else changed since the
        form was shown is kept and reported as a Conflict. Wrong fields are all reported (Invalid), nothing stored."""
        with self.writing():
            record = self._editable(actor, ref)
            if shown is None:  # a form from before fingerprints: only safe on the version it showed
                if seen.version is not None and seen.version != record.version:
                    raise DomainError(
                        f"{record.ref} changed since this form was shown: open Edit details again. Nothing was changed."
                    )
                shown = shown_of(record)
            typed = self._typed_details(actor, record, form)
            now = detail_values(record)
            wanted: dict[str, Any] = {}
            conflicts: list[Conflict] = []
            for key, (canonical, columns, raw) in typed.items():
                if key not in shown:
                    raise DomainError("This form is missing information; please open Edit details again.")
                if fingerprint(canonical) == shown[key] or canonical == now[key]:
                    continue  # not changed by its sender, or already so
                if fingerprint(now[key]) != shown[key]:  # changed by someone else since the form was shown
                    conflicts.append(self._conflict(record, key, columns, raw))
                    continue
                wanted |= columns
            kept = "".join(
                f" Changed by someone else since your card was shown, so kept: the {c.label} is now {c.now}"
                f" (yours: {c.yours})." for c in conflicts
            )  # fmt: skip
            if not wanted:
                if not conflicts:
                    raise DomainError(f"Nothing to change: {record.ref} already has that.")
                message = f"{record.ref}: nothing changed.{kept}"
                return Change(record, (), message, self.view_of(record), conflicts=tuple(conflicts))
            change = self._save(actor, record, wanted, seen)
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
                day = parse_close_date(said, self.today()).isoformat() if said else None
                return day or "", {"close_date": day}, {"close_date": form["close_date"]}

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
        def shown(value: Any) -> str:
            return shorten(str(value))[:80] if value else "none"

        if key == "value":
            now = money_text(record.value, record.currency) or "none"
            yours = money_text(columns["value"], columns["currency"]) or "none"
        else:
            now, yours = shown(getattr(record, key)), shown(columns[key])
        return Conflict(key, FIELD_LABELS[key], now, yours, raw)

    # --- helpers ---------------------------------------------------------------------------------

    def _clean(self, field: str, text: str) -> str | None:
        if field == "title":
            title = limited(text, "title", "A title", MAX_TITLE)
            if not title:
                raise DomainError("A record needs a title.", "title")
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
                raise DomainError(f"Which currency? Add its code, e.g. value {record.ref} 25000 EUR.", "currency")
            code = found
        if not self.repo.details.default_currency(actor.tenant_id):
            self.repo.details.set_default_currency(actor.tenant_id, code)
        return code

    def _save(self, actor: User, record: Record, wanted: dict[str, Any], seen: Seen) -> Change:
        changes = {k: v for k, v in wanted.items() if getattr(record, k) != v}
        if not changes:
            raise DomainError(f"Nothing to change: {record.ref} already has that.")
        events = self._detail_events(actor, record, changes)
        self.repo.details.update_record_fields(record.tenant_id, record.id, self.clock(), **changes)
        updated = dataclasses.replace(record, version=record.version + 1, updated_at=self.clock(), **changes)
        said = "; ".join(self._said(e) for e in events)
        return self._changed(updated, tuple(events), f"{record.ref}: {said}.", seen)

    def _detail_events(self, actor: User, record: Record, changes: dict[str, Any]) -> list[Event]:
        events = []
        if "value" in changes or "currency" in changes:
            old = money_text(record.value, record.currency)
            new = money_text(changes.get("value", record.value), changes.get("currency", record.currency))
            if old != new:
                events.append(self._event(actor, record, EventKind.VALUE_CHANGED, old=old, new=new))
        if "close_date" in changes:
            events.append(
                self._event(
                    actor, record, EventKind.CLOSE_DATE_CHANGED, old=record.close_date, new=changes["close_date"]
                )
            )
        for field, label in DETAIL_LABELS.items():
            if field in changes:
                old, new = getattr(record, field), changes[field]
                events.append(
                    self._event(
                        actor, record, EventKind.DETAIL_CHANGED, old=old and shorten(old), new=new and shorten(new),
                        detail=label, notify=False,
                    )
                )  # fmt: skip
        return events

    @staticmethod
    def _said(event: Event) -> str:
        what = {EventKind.VALUE_CHANGED: "value", EventKind.CLOSE_DATE_CHANGED: "close date"}.get(event.kind)
        label = what or event.detail or "detail"
        if label == "description":
            return "description updated"
        return f"{label} {event.new}" if event.new else f"{label} cleared"
