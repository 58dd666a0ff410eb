"""Card verbs -> service calls. Card data is never trusted: every field is checked here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.conversation import outbox_status
from bot.errors import DomainError
from bot.models import Change, Kind, User
from bot.replies import Reply
from bot.services import CrmService
from cards import verbs
from cards.contacts import contact_list_card, new_contact_form
from cards.notifications import notification_card
from cards.records import new_record_form, record_card

MAX_FIELD_CHARS = 10_000  # anything longer is not a value a card input produced


class BadPayload(DomainError):
    """Card data that no card of ours sends (tampered, stale or from another client)."""


def text_field(data: dict[str, Any], name: str, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise BadPayload("This card is missing information; please open it again.")
        return ""
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        raise BadPayload("This card sent something I can't read; please open it again.")
    return value


def text_fields(data: dict[str, Any], *names: str) -> dict[str, str]:
    return {name: text_field(data, name) for name in names}


class Actions:
    """One handler per card verb; each returns the card that replaces the clicked one."""

    def __init__(self, services: CrmService) -> None:
        self.services = services
        self._handlers: dict[str, Callable[[User, dict[str, Any]], Reply]] = {
            verbs.RECORD_CREATE: self._create_record,
            verbs.CONTACT_CREATE: self._create_contact,
            verbs.RECORD_SHOW: self._show_record,
            verbs.RECORD_FOLLOW: lambda u, d: self._changed(u, self.services.follow(u, self._ref(d))),
            verbs.RECORD_UNFOLLOW: lambda u, d: self._changed(u, self.services.unfollow(u, self._ref(d))),
            verbs.RECORD_NOTIFY: self._notify_choice,
            verbs.NOTIFICATION_RETRY: self._retry_notification,
        }

    def handle(self, user: User, verb: Any, data: Any) -> Reply:
        handler = self._handlers.get(verb) if isinstance(verb, str) else None
        if handler is None or not isinstance(data, dict):
            return Reply(text="This button is out of date. Type help to start again.", outcome="bad_payload")
        try:
            return handler(user, data)
        except BadPayload as exc:
            return Reply(text=exc.message, outcome="bad_payload")
        except DomainError as exc:
            return Reply(text=exc.message, outcome="refused")

    @staticmethod
    def _ref(data: dict[str, Any]) -> str:
        return text_field(data, "ref", required=True)

    def _changed(self, user: User, change: Change) -> Reply:
        view = self.services.view_of(change.record)
        return Reply(card=record_card(view, user.id, change.message), events=change.events)

    def _create_record(self, user: User, data: dict[str, Any]) -> Reply:
        kind_name = text_field(data, "kind", required=True)
        if kind_name not in (Kind.LEAD.value, Kind.OPPORTUNITY.value):
            raise BadPayload("This card asks for a kind of record I don't know.")
        kind = Kind(kind_name)
        values = text_fields(data, "title", "company")
        try:
            change = self.services.create_record(user, kind, values["title"], values["company"])
        except DomainError as exc:
            if exc.field is None:
                raise
            return Reply(card=new_record_form(kind, values, {exc.field: exc.message}), outcome="invalid")
        return self._changed(user, change)

    def _create_contact(self, user: User, data: dict[str, Any]) -> Reply:
        values = text_fields(data, "name", "email", "company", "job_title", "phone")
        try:
            contact = self.services.create_contact(
                user, values["name"], values["email"], values["phone"], values["company"], values["job_title"]
            )
        except DomainError as exc:
            if exc.field is None:
                raise
            return Reply(card=new_contact_form(values, {exc.field: exc.message}), outcome="invalid")
        return Reply(card=contact_list_card("Contact added", [contact], "", message=f"{contact.name} added."))

    @staticmethod
    def _notification_id(data: dict[str, Any], required: bool) -> int | None:
        value = data.get("notification")
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise BadPayload("This card points at a notification I can't read; please open it again.")
        return int(value)

    def _notify_choice(self, user: User, data: dict[str, Any]) -> Reply:
        """Saved from the notification card (which then stays one) or from the record card."""
        notification_id = self._notification_id(data, required=False)
        record = self.services.set_notify_choice(user, self._ref(data), text_field(data, "choice", required=True))
        view = self.services.view_of(record)
        choice = next(f.notify for f in view.followers if f.user.id == user.id)
        message = f"Notifications for {record.ref}: {choice.label.lower()}."
        if notification_id is not None:
            shown = self.services.deliveries.for_recipient(user, notification_id)
            if shown is not None:
                return Reply(card=notification_card(replace(shown, choice=choice), message))
        return Reply(card=record_card(view, user.id, message))

    def _retry_notification(self, user: User, data: dict[str, Any]) -> Reply:
        notification_id = self._notification_id(data, required=True)
        assert notification_id is not None
        found = self.services.deliveries.retry(user, notification_id)
        message = f"The notification to {found.recipient_name} about {found.record_ref} will be sent again."
        return Reply(card=outbox_status(self.services, user, message))

    def _show_record(self, user: User, data: dict[str, Any]) -> Reply:
        return Reply(card=record_card(self.services.view(user.tenant_id, self._ref(data)), user.id))
