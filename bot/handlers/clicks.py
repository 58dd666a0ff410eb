"""Card verbs -> service calls. Card data is never trusted: every field is checked here.

Each handler returns the card that replaces the clicked one: the record (with a note) after a change,
or the same form with the typed values kept and a message beside the refused field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.domain.errors import DomainError, NotFound
from bot.domain.models import Change, Kind, RecordView, User
from bot.handlers.email import EmailActions
from bot.handlers.payload import BadPayload, int_field, text_field
from bot.handlers.replies import Reply, record_reply
from bot.handlers.text import outbox_status
from bot.services import CrmService
from bot.services.email import Mailer
from cards import verbs
from cards.contacts import contact_list_card, new_contact_form
from cards.forms import (
    comment_form,
    contact_choice,
    contact_picker_form,
    convert_confirm_card,
    follower_form,
    remove_participant_form,
    stage_form,
)
from cards.notifications import notification_card
from cards.records import new_record_form, people_card

PICKER_SIZE = 50  # contacts listed in a picker before typeahead takes over
SEARCH_RESULTS = 15  # Teams shows at most 15 typeahead results
STALE_NOTE = " The record had changed since your card was shown: this is the latest."


@dataclass(frozen=True)
class Click:
    """One button click: who, where, and the merged data (button data + input values)."""

    user: User
    data: dict[str, Any]
    shared: bool = False  # clicked in a channel or group chat, where many people see the same card
    follower_name: str | None = None  # the picked colleague's name, when the Teams layer could resolve it


class Actions:
    """One handler per card verb."""

    def __init__(self, services: CrmService, mailer: Mailer | None = None) -> None:
        self.services = services
        self.email = EmailActions(services, mailer)
        self._handlers: dict[str, Callable[[Click], Reply]] = {
            verbs.RECORD_CREATE: self._create_record,
            verbs.CONTACT_CREATE: self._create_contact,
            verbs.RECORD_SHOW: lambda c: self._show(c, self._view(c)),
            verbs.RECORD_PEOPLE: self._people,
            verbs.RECORD_FOLLOW: self._follow,
            verbs.RECORD_UNFOLLOW: lambda c: self._apply(c, lambda v: self.services.unfollow(c.user, v.record.ref)),
            verbs.CONTACT_FORM: lambda c: self._picker(c, self._view(c), as_contact=True),
            verbs.PARTICIPANT_FORM: lambda c: self._picker(c, self._view(c), as_contact=False),
            verbs.REMOVE_PARTICIPANT_FORM: lambda c: Reply(card=remove_participant_form(self._view(c))),
            verbs.FOLLOWER_FORM: self._follower_form,
            verbs.COMMENT_FORM: lambda c: Reply(card=comment_form(self._view(c))),
            verbs.STAGE_FORM: lambda c: Reply(card=stage_form(self._view(c))),
            verbs.EMAIL_FORM: lambda c: self.email.compose(c.user, self._view(c)),
            verbs.PREPARE_EMAIL: lambda c: self.email.prepare(c.user, self._view(c), c.data),
            verbs.LOG_EMAIL: lambda c: self.email.log_sent(c.user, self._view(c), c.data, c.shared),
            verbs.CONVERT_CONFIRM: self._convert_confirm,
            verbs.SET_CONTACT: self._set_contact,
            verbs.SET_NEW_CONTACT: lambda c: self._create_contact_as(c, as_contact=True),
            verbs.ADD_PARTICIPANT: self._add_participant,
            verbs.ADD_NEW_PARTICIPANT: lambda c: self._create_contact_as(c, as_contact=False),
            verbs.REMOVE_PARTICIPANT: self._remove_participant,
            verbs.ADD_FOLLOWER: self._add_follower,
            verbs.COMMENT: self._comment,
            verbs.CHANGE_STAGE: self._change_stage,
            verbs.CONVERT: lambda c: self._apply(c, lambda v: self.services.convert(c.user, v.record.ref)),
            verbs.RECORD_NOTIFY: self._notify_choice,
            verbs.NOTIFICATION_RETRY: self._retry_notification,
        }

    async def handle(self, click: Click, verb: Any) -> Reply:
        handler = self._handlers.get(verb) if isinstance(verb, str) else None
        if (handler is None and verb != verbs.SEND_EMAIL) or not isinstance(click.data, dict):
            return Reply(text="This button is out of date. Type help to start again.", outcome="bad_payload")
        try:
            run = self.services.run  # storage work: off the event loop when the database is across a network
            if verb == verbs.SEND_EMAIL:  # the one action that waits on another service
                return await self.email.send(click.user, await run(self._view, click), click.data, click.shared)
            assert handler is not None
            return await run(handler, click)
        except BadPayload as exc:
            return Reply(text=exc.message, outcome="bad_payload")
        except NotFound as exc:
            return Reply(text=exc.message, outcome="not_found")
        except DomainError as exc:
            return Reply(text=exc.message, outcome="refused")

    def search_contacts(self, user: User, query: Any, skip: Any, top: Any) -> list[dict[str, str]]:
        """Typeahead for the contact pickers (Teams' `application/search` invoke)."""
        text = query if isinstance(query, str) else ""
        offset = skip if isinstance(skip, int) and not isinstance(skip, bool) and 0 <= skip < 10_000 else 0
        limit = (
            top if isinstance(top, int) and not isinstance(top, bool) and 0 < top <= SEARCH_RESULTS else SEARCH_RESULTS
        )
        found = self.services.search_contacts(user.tenant_id, text[:200], limit, offset)
        return [{"title": title, "value": value} for title, value in map(contact_choice, found)]

    # --- showing ------------------------------------------------------------------------------

    def record_reply(
        self, click: Click, view: RecordView, message: str = "", good: bool = True, change: Change | None = None
    ) -> Reply:
        return record_reply(view, click.user, click.shared, message, good, change)

    def _view(self, click: Click) -> RecordView:
        int_field(click.data, "version")  # a tampered version is refused before anything happens
        return self.services.view(click.user.tenant_id, text_field(click.data, "ref", required=True))

    def _done(self, click: Click, before: RecordView, change: Change) -> Reply:
        """The record after a change; a click on a card older than the record says so."""
        note = change.message + (STALE_NOTE if self._stale(click, before) else "")
        return self.record_reply(click, self.services.view_of(change.record), note, change=change)

    def _stale(self, click: Click, view: RecordView) -> bool:
        version = int_field(click.data, "version")
        return version is not None and version != view.record.version

    def _show(self, click: Click, view: RecordView) -> Reply:
        return self.record_reply(click, view)

    def _people(self, click: Click) -> Reply:
        role = text_field(click.data, "role", required=True)
        if role not in ("participants", "followers"):
            raise BadPayload("This card asks for a list I don't know.")
        return Reply(card=people_card(self._view(click), role, int_field(click.data, "page", 0) or 0))

    def _apply(self, click: Click, operation: Callable[[RecordView], Change]) -> Reply:
        """Run a change on the latest record; a refusal comes back on the record card itself."""
        view = self._view(click)
        try:
            change = operation(view)
        except NotFound:
            raise
        except DomainError as exc:
            return self.record_reply(click, self.services.view_of(view.record), exc.message, good=False)
        return self._done(click, view, change)

    # --- forms ----------------------------------------------------------------------------------

    def _picker(
        self, click: Click, view: RecordView, as_contact: bool, values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        tenant = click.user.tenant_id
        contacts = self.services.search_contacts(tenant, "", PICKER_SIZE)
        total = self.services.count_contacts(tenant)
        return Reply(card=contact_picker_form(view, as_contact, contacts, total, values, errors), outcome="form")

    def _follower_form(self, click: Click) -> Reply:
        view = self._view(click)
        return Reply(card=follower_form(view, self.services.colleagues(click.user.tenant_id)), outcome="form")

    def _convert_confirm(self, click: Click) -> Reply:
        view = self._view(click)
        if view.record.converted_to or view.record.kind is not Kind.LEAD:
            return self.record_reply(click, view, "Only a lead that was not converted yet can be converted.", False)
        return Reply(card=convert_confirm_card(view), outcome="form")

    # --- changes --------------------------------------------------------------------------------

    def _picked_contact(self, click: Click, view: RecordView, as_contact: bool) -> int | Reply:
        """The picked contact's id, or the picker again with a message beside it."""
        picked = text_field(click.data, "contact")
        if not picked:
            error = {"contact": "Pick someone from the list, or add someone new below."}
            return self._picker(click, view, as_contact, errors=error)
        return int(int_field(click.data, "contact") or 0)

    def _set_contact(self, click: Click) -> Reply:
        view = self._view(click)
        seen = text_field(click.data, "seen_contact")
        current = str(view.contact.id) if view.contact else ""
        if "seen_contact" in click.data and seen != current:
            now = view.contact.name if view.contact else "nobody"
            note = f"The Contact changed while your card was open (now: {now}). Nothing was changed."
            return self.record_reply(click, view, note, good=False)
        picked = self._picked_contact(click, view, as_contact=True)
        if isinstance(picked, Reply):
            return picked
        return self._role_change(
            click, view, True, lambda: self.services.set_contact(click.user, view.record.ref, picked)
        )

    def _add_participant(self, click: Click) -> Reply:
        view = self._view(click)
        picked = self._picked_contact(click, view, as_contact=False)
        if isinstance(picked, Reply):
            return picked
        return self._role_change(
            click, view, False, lambda: self.services.add_participant(click.user, view.record.ref, picked)
        )

    def _role_change(self, click: Click, view: RecordView, as_contact: bool, operation: Callable[[], Change]) -> Reply:
        try:
            change = operation()
        except NotFound as exc:  # the picked contact was deleted meanwhile
            return self._picker(click, view, as_contact, {}, {"contact": exc.message})
        except DomainError as exc:
            if exc.field != "contact":
                return self.record_reply(click, view, exc.message, good=False)
            values = {"contact": text_field(click.data, "contact")}
            return self._picker(click, self.services.view_of(view.record), as_contact, values, {"contact": exc.message})
        return self._done(click, view, change)

    def _create_contact_as(self, click: Click, as_contact: bool) -> Reply:
        view = self._view(click)
        values = {name: text_field(click.data, name) for name in ("new_name", "new_email", "new_company")}
        try:
            change = self.services.create_contact_as(
                click.user, view.record.ref, as_contact, values["new_name"], values["new_email"], values["new_company"]
            )
        except DomainError as exc:
            if exc.field is None:
                return self.record_reply(click, view, exc.message, good=False)
            field = {"name": "new_name", "email": "new_email", "company": "new_company"}.get(exc.field, "new_name")
            return self._picker(click, view, as_contact, values, {field: exc.message})
        return self._done(click, view, change)

    def _remove_participant(self, click: Click) -> Reply:
        view = self._view(click)
        picked = text_field(click.data, "contact")
        if not picked:
            return Reply(card=remove_participant_form(view, {"contact": "Pick the participant to remove."}))
        contact_id = int(int_field(click.data, "contact") or 0)
        try:
            change = self.services.remove_participant(click.user, view.record.ref, contact_id)
        except DomainError as exc:
            fresh = self.services.view_of(view.record)
            return Reply(card=remove_participant_form(fresh, {"contact": exc.message}), outcome="invalid")
        return self._done(click, view, change)

    def _follow(self, click: Click) -> Reply:
        view = self._view(click)
        if view.is_follower(click.user.id):  # a shared card shows Follow to everyone who has no own view yet
            return self.record_reply(click, view, f"You already follow {view.record.ref}.")
        return self._apply(click, lambda v: self.services.follow(click.user, v.record.ref))

    def _add_follower(self, click: Click) -> Reply:
        view = self._view(click)
        picked = text_field(click.data, "follower")
        if not picked:
            colleagues = self.services.colleagues(click.user.tenant_id)
            return Reply(card=follower_form(view, colleagues, {"follower": "Pick a colleague."}), outcome="invalid")
        try:
            colleague = self.services.colleague(click.user, picked, click.follower_name)
            change = self.services.follow(click.user, view.record.ref, follower=colleague)
        except DomainError as exc:
            colleagues = self.services.colleagues(click.user.tenant_id)
            form = follower_form(self.services.view_of(view.record), colleagues, {"follower": exc.message})
            return Reply(card=form, outcome="invalid")
        return self._done(click, view, change)

    def _comment(self, click: Click) -> Reply:
        view = self._view(click)
        text = text_field(click.data, "comment")
        try:
            change = self.services.comment(click.user, view.record.ref, text)
        except DomainError as exc:
            if exc.field != "comment":
                return self.record_reply(click, view, exc.message, good=False)
            return Reply(card=comment_form(view, {"comment": text}, {"comment": exc.message}), outcome="invalid")
        return self._done(click, view, change)

    def _change_stage(self, click: Click) -> Reply:
        view = self._view(click)
        seen = text_field(click.data, "seen_stage")
        if seen and seen != view.record.stage:
            note = f"The stage changed while your card was open (now: {view.record.stage}). Nothing was changed."
            return self.record_reply(click, view, note, good=False)
        stage = text_field(click.data, "stage")
        try:
            change = self.services.change_stage(click.user, view.record.ref, stage)
        except DomainError as exc:
            if exc.field != "stage":
                return self.record_reply(click, view, exc.message, good=False)
            return Reply(card=stage_form(view, {"stage": exc.message}), outcome="invalid")
        return self._done(click, view, change)

    # --- the forms from the text commands -------------------------------------------------------

    def _create_record(self, click: Click) -> Reply:
        kind_name = text_field(click.data, "kind", required=True)
        if kind_name not in (Kind.LEAD.value, Kind.OPPORTUNITY.value):
            raise BadPayload("This card asks for a kind of record I don't know.")
        kind = Kind(kind_name)
        values = {name: text_field(click.data, name) for name in ("title", "company")}
        try:
            change = self.services.create_record(click.user, kind, values["title"], values["company"])
        except DomainError as exc:
            if exc.field is None:
                raise
            return Reply(card=new_record_form(kind, values, {exc.field: exc.message}), outcome="invalid")
        return self.record_reply(click, self.services.view_of(change.record), change.message, change=change)

    def _create_contact(self, click: Click) -> Reply:
        values = {name: text_field(click.data, name) for name in ("name", "email", "company", "job_title", "phone")}
        try:
            contact = self.services.create_contact(
                click.user, values["name"], values["email"], values["phone"], values["company"], values["job_title"]
            )
        except DomainError as exc:
            if exc.field is None:
                raise
            return Reply(card=new_contact_form(values, {exc.field: exc.message}), outcome="invalid")
        return Reply(card=contact_list_card("Contact added", [contact], "", message=f"{contact.name} added."))

    # --- notifications --------------------------------------------------------------------------

    @staticmethod
    def _notification_id(data: dict[str, Any], required: bool) -> int | None:
        value = int_field(data, "notification")
        if value is None and required:
            raise BadPayload("This card points at a notification I can't read; please open it again.")
        return value

    def _notify_choice(self, click: Click) -> Reply:
        """Saved from the notification card (which then stays one) or from the record card."""
        user, data = click.user, click.data
        notification_id = self._notification_id(data, required=False)
        ref = text_field(data, "ref", required=True)
        record = self.services.set_notify_choice(user, ref, text_field(data, "choice", required=True))
        view = self.services.view_of(record)
        choice = next(f.notify for f in view.followers if f.user.id == user.id)
        message = f"Notifications for {record.ref}: {choice.label.lower()}."
        if notification_id is not None:
            shown = self.services.deliveries.for_recipient(user, notification_id)
            if shown is not None:
                return Reply(card=notification_card(replace(shown, choice=choice), message))
        return self.record_reply(click, view, message)

    def _retry_notification(self, click: Click) -> Reply:
        notification_id = self._notification_id(click.data, required=True)
        assert notification_id is not None
        found = self.services.deliveries.retry(click.user, notification_id)
        message = f"The notification to {found.recipient_name} about {found.record_ref} will be sent again."
        return Reply(card=outbox_status(self.services, click.user, message))
