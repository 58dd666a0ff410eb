"""Card verbs -> service calls -> the card that replaces the clicked one. One named function per verb,
registered beside it with @on_verb. Card data is never trusted: every field is checked here.

A change answers with the record (and a note); a refused value comes back on the same form with what
was typed kept and a message beside the field; any other refusal comes back on the record card."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from bot.domain.errors import DomainError, NotFound
from bot.domain.models import Change, Kind, RecordView, Seen, User
from bot.handlers import roles
from bot.handlers.email import EmailActions
from bot.handlers.payload import BadPayload, follow_for_field, form_key_field, int_field, text_field
from bot.handlers.replies import Reply, change_reply, record_reply
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
from cards.records import new_record_form, people_card

PICKER_SIZE = 50  # contacts listed in a picker before typeahead takes over
SEARCH_RESULTS = 15  # Teams shows at most 15 typeahead results


@dataclass(frozen=True)
class Click:
    """One button click: who, where, and the merged data (button data + input values)."""

    user: User
    data: dict[str, Any]
    shared: bool = False  # clicked in a channel or group chat, where many people see the same card
    follower_name: str | None = None  # the picked colleague's name, when the Teams layer could resolve it
    follower_teams_id: str | None = None  # and their Teams id (29:...), from the conversation's roster


Handler = Callable[["Actions", Click], Reply | Awaitable[Reply]]
_VERBS: dict[str, Handler] = {}
_ASYNC_VERBS: set[str] = set()  # handlers that await (Graph, the connector): decided once, at registration


def on_verb(*names: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of these card verbs."""

    def register(handler: Handler) -> Handler:
        for name in names:
            if name in _VERBS:
                raise ValueError(f"two handlers for the verb {name}")
            _VERBS[name] = handler
            if inspect.iscoroutinefunction(handler):
                _ASYNC_VERBS.add(name)
        return handler

    return register


def handled_verbs() -> frozenset[str]:
    return frozenset(_VERBS)


class Actions:
    """Answers one click; the handlers below are its methods, found through the verb registry."""

    def __init__(
        self, services: CrmService, mailer: Mailer | None = None, mail_link: Callable[[str], str] | None = None
    ) -> None:
        self.services = services
        self.email = EmailActions(services, mailer, mail_link)

    async def handle(self, click: Click, verb: Any) -> Reply:
        handler = _VERBS.get(verb) if isinstance(verb, str) else None
        if handler is None or not isinstance(click.data, dict):
            return Reply(text="This button is out of date. Type help to start again.", outcome="bad_payload")
        try:
            if verb in _ASYNC_VERBS:
                return await cast("Awaitable[Reply]", handler(self, click))
            # storage work: off the event loop when the database is across a network (PostgreSQL)
            return await self.services.run(cast("Callable[..., Reply]", handler), self, click)
        except BadPayload as exc:
            return Reply(text=exc.message, outcome="bad_payload")
        except NotFound as exc:
            return Reply(text=exc.message, outcome="not_found")
        except DomainError as exc:
            return Reply(text=exc.message, outcome="refused")

    def search_contacts(self, user: User, query: Any, skip: Any, top: Any) -> list[tuple[str, str]]:
        """Typeahead for the contact pickers (Teams' `application/search` invoke)."""
        text = query if isinstance(query, str) else ""
        offset = skip if isinstance(skip, int) and not isinstance(skip, bool) and 0 <= skip < 10_000 else 0
        limit = (
            top if isinstance(top, int) and not isinstance(top, bool) and 0 < top <= SEARCH_RESULTS else SEARCH_RESULTS
        )
        found = self.services.search_contacts(user.tenant_id, text[:200], limit, offset)
        return [contact_choice(contact) for contact in found]

    # --- what every handler shares ---------------------------------------------------------------

    def _ref(self, click: Click) -> str:
        return text_field(click.data, "ref", required=True)

    def _seen(self, click: Click, **shown: str | None) -> Seen:
        """What the clicked card showed; a tampered version is refused before anything happens."""
        return Seen(int_field(click.data, "version"), **shown)

    def _view(self, click: Click) -> RecordView:
        self._seen(click)
        return self.services.view(click.user.tenant_id, self._ref(click))

    def _record(self, click: Click, view: RecordView, message: str = "", good: bool = True) -> Reply:
        return record_reply(view, click.user, click.shared, message, good)

    def _attempt(
        self,
        click: Click,
        operation: Callable[[], Change],
        field: str | None = None,
        form: Callable[[str], Reply] | None = None,
    ) -> Reply:
        """Try a change. A refusal about `field` comes back on the form (`form(message)`, read only then);
        an unknown record is "not found"; any other refusal comes back on the latest record card."""
        try:
            change = operation()
        except DomainError as exc:
            if form is not None and exc.field == field:
                return form(exc.message)
            if isinstance(exc, NotFound) and exc.field is None:
                raise
            return self._record(click, self._view(click), exc.message, good=False)
        return change_reply(change, click.user, click.shared)

    # --- showing ------------------------------------------------------------------------------

    @on_verb(verbs.RECORD_SHOW)
    def show(self, click: Click) -> Reply:
        return self._record(click, self._view(click))

    @on_verb(verbs.RECORD_PEOPLE)
    def people(self, click: Click) -> Reply:
        role = text_field(click.data, "role", required=True)
        if role not in ("participants", "followers"):
            raise BadPayload("This card asks for a list I don't know.")
        start = int_field(click.data, "start")  # cards posted before paging by size carried a page of 100
        start = (int_field(click.data, "page", 0) or 0) * 100 if start is None else start
        self._seen(click)
        view = self.services.view(click.user.tenant_id, self._ref(click), every_follower=role == "followers")
        return Reply(card=people_card(view, role, start))

    # --- forms ----------------------------------------------------------------------------------

    def _picker(
        self, click: Click, as_contact: bool, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
    ) -> Reply:
        tenant = click.user.tenant_id
        contacts = self.services.search_contacts(tenant, "", PICKER_SIZE)
        total = self.services.count_contacts(tenant)
        card = contact_picker_form(
            self._view(click), as_contact, contacts, total, values, errors, viewer_id=click.user.id
        )
        return Reply(card=card, outcome="form" if errors is None else "invalid")

    @on_verb(verbs.CONTACT_FORM)
    def contact_form(self, click: Click) -> Reply:
        return self._picker(click, as_contact=True)

    @on_verb(verbs.PARTICIPANT_FORM)
    def participant_form(self, click: Click) -> Reply:
        return self._picker(click, as_contact=False)

    @on_verb(verbs.REMOVE_PARTICIPANT_FORM)
    def remove_participant_form(self, click: Click) -> Reply:
        return Reply(card=remove_participant_form(self._view(click)))

    def _follower_form(self, click: Click, errors: dict[str, str] | None = None) -> Reply:
        colleagues = self.services.colleagues(click.user.tenant_id)
        card = follower_form(self._view(click), colleagues, errors)
        return Reply(card=card, outcome="form" if errors is None else "invalid")

    @on_verb(verbs.FOLLOWER_FORM)
    def follower_form(self, click: Click) -> Reply:
        return self._follower_form(click)

    @on_verb(verbs.COMMENT_FORM)
    def comment_form(self, click: Click) -> Reply:
        return Reply(card=comment_form(self._view(click), viewer_id=click.user.id))

    @on_verb(verbs.STAGE_FORM)
    def stage_form(self, click: Click) -> Reply:
        return Reply(card=stage_form(self._view(click), viewer_id=click.user.id))

    @on_verb(verbs.CONVERT_CONFIRM)
    def convert_confirm(self, click: Click) -> Reply:
        view = self._view(click)
        if view.record.converted_to or view.record.kind is not Kind.LEAD:
            return self._record(click, view, "Only a lead that was not converted yet can be converted.", False)
        return Reply(card=convert_confirm_card(view, viewer_id=click.user.id), outcome="form")

    # --- changes --------------------------------------------------------------------------------

    def _picked(self, click: Click, as_contact: bool, error: str) -> int | Reply:
        """The picked contact's id, or the picker again with a message beside it."""
        if not text_field(click.data, "contact"):
            return self._picker(click, as_contact, errors={"contact": error})
        return int(int_field(click.data, "contact") or 0)

    def _role_change(self, click: Click, as_contact: bool, operation: Callable[[int], Change]) -> Reply:
        picked = self._picked(click, as_contact, "Pick someone from the list, or add someone new below.")
        if isinstance(picked, Reply):
            return picked
        values = {"contact": text_field(click.data, "contact")}
        return self._attempt(
            click,
            lambda: operation(picked),
            "contact",
            lambda message: self._picker(click, as_contact, values, {"contact": message}),
        )

    @on_verb(verbs.SET_CONTACT)
    def set_contact(self, click: Click) -> Reply:
        shown = text_field(click.data, "seen_contact") if "seen_contact" in click.data else None
        seen = self._seen(click, contact_id=shown)
        ref = self._ref(click)
        return self._role_change(click, True, lambda picked: self.services.set_contact(click.user, ref, picked, seen))

    @on_verb(verbs.ADD_PARTICIPANT)
    def add_participant(self, click: Click) -> Reply:
        seen, ref = self._seen(click), self._ref(click)
        return self._role_change(
            click, False, lambda picked: self.services.add_participant(click.user, ref, picked, seen)
        )

    def _create_contact_as(self, click: Click, as_contact: bool) -> Reply:
        seen, ref = self._seen(click), self._ref(click)
        values = {name: text_field(click.data, name) for name in ("new_name", "new_email", "new_company")}

        def operation() -> Change:
            return self.services.create_contact_as(
                click.user, ref, as_contact, values["new_name"], values["new_email"], values["new_company"], seen
            )

        try:
            change = operation()
        except DomainError as exc:
            if exc.field is None:
                if isinstance(exc, NotFound):
                    raise
                return self._record(click, self._view(click), exc.message, good=False)
            field = {"name": "new_name", "email": "new_email", "company": "new_company"}.get(exc.field, "new_name")
            return self._picker(click, as_contact, values, {field: exc.message})
        return change_reply(change, click.user, click.shared)

    @on_verb(verbs.SET_NEW_CONTACT)
    def set_new_contact(self, click: Click) -> Reply:
        return self._create_contact_as(click, as_contact=True)

    @on_verb(verbs.ADD_NEW_PARTICIPANT)
    def add_new_participant(self, click: Click) -> Reply:
        return self._create_contact_as(click, as_contact=False)

    @on_verb(verbs.REMOVE_PARTICIPANT)
    def remove_participant(self, click: Click) -> Reply:
        seen, ref = self._seen(click), self._ref(click)
        if not text_field(click.data, "contact"):
            return Reply(
                card=remove_participant_form(self._view(click), {"contact": "Pick the participant to remove."})
            )
        contact_id = int(int_field(click.data, "contact") or 0)

        def again(message: str) -> Reply:
            return Reply(card=remove_participant_form(self._view(click), {"contact": message}), outcome="invalid")

        return self._attempt(
            click, lambda: self.services.remove_participant(click.user, ref, contact_id, seen), "contact", again
        )

    @on_verb(verbs.RECORD_FOLLOW)
    def follow(self, click: Click) -> Reply:
        seen, ref, follow_for = self._seen(click), self._ref(click), follow_for_field(click.data)
        try:
            change = self.services.follow(click.user, ref, seen=seen, follow_for=follow_for)
        except DomainError as exc:  # a shared card shows Follow to everyone who has no own view yet
            if exc.field != "follower":
                raise
            return self._record(click, self._view(click), exc.message)
        return change_reply(change, click.user, click.shared)

    @on_verb(verbs.RECORD_UNFOLLOW)
    def unfollow(self, click: Click) -> Reply:
        seen, ref = self._seen(click), self._ref(click)
        return self._attempt(click, lambda: self.services.unfollow(click.user, ref, seen=seen))

    @on_verb(verbs.ADD_FOLLOWER)
    def add_follower(self, click: Click) -> Reply:
        seen, ref, follow_for = self._seen(click), self._ref(click), follow_for_field(click.data)
        picked = text_field(click.data, "follower")
        if not picked:
            return self._follower_form(click, {"follower": "Pick a colleague."})

        def operation() -> Change:
            colleague = self.services.colleague(click.user, picked, click.follower_name, click.follower_teams_id)
            return self.services.follow(click.user, ref, follower=colleague, seen=seen, follow_for=follow_for)

        return self._attempt(
            click, operation, "follower", lambda message: self._follower_form(click, {"follower": message})
        )

    @on_verb(verbs.COMMENT)
    def comment(self, click: Click) -> Reply:
        seen, ref = self._seen(click), self._ref(click)
        text = text_field(click.data, "comment")

        def again(message: str) -> Reply:
            card = comment_form(self._view(click), {"comment": text}, {"comment": message}, viewer_id=click.user.id)
            return Reply(card=card, outcome="invalid")

        return self._attempt(click, lambda: self.services.comment(click.user, ref, text, seen), "comment", again)

    @on_verb(verbs.CHANGE_STAGE)
    def change_stage(self, click: Click) -> Reply:
        seen = self._seen(click, stage=text_field(click.data, "seen_stage") or None)
        ref, stage = self._ref(click), text_field(click.data, "stage")

        def again(message: str) -> Reply:
            card = stage_form(self._view(click), {"stage": message}, viewer_id=click.user.id)
            return Reply(card=card, outcome="invalid")

        return self._attempt(click, lambda: self.services.change_stage(click.user, ref, stage, seen), "stage", again)

    @on_verb(verbs.CONVERT)
    def convert(self, click: Click) -> Reply:
        seen, ref = self._seen(click), self._ref(click)
        return self._attempt(click, lambda: self.services.convert(click.user, ref, seen))

    # --- buying roles (bot/handlers/roles.py) ----------------------------------------------------

    @on_verb(verbs.ROLES_FORM)
    def roles_form(self, click: Click) -> Reply:
        return roles.show_form(self, click)

    @on_verb(verbs.SET_ROLES)
    def set_roles(self, click: Click) -> Reply:
        return roles.save(self, click)

    @on_verb(verbs.EMAIL_CC_ROLE)
    def email_cc_role(self, click: Click) -> Reply:
        return self.email.cc_by_role(click.user, self._view(click), click.data)

    # --- the forms from the text commands -------------------------------------------------------

    @on_verb(verbs.RECORD_CREATE)
    def create_record(self, click: Click) -> Reply:
        kind_name = text_field(click.data, "kind", required=True)
        if kind_name not in (Kind.LEAD.value, Kind.OPPORTUNITY.value):
            raise BadPayload("This card asks for a kind of record I don't know.")
        kind = Kind(kind_name)
        values = {name: text_field(click.data, name) for name in ("title", "company")}
        key = form_key_field(click.data)
        try:
            change = self.services.create_record(click.user, kind, values["title"], values["company"], key)
        except DomainError as exc:
            if exc.field is None:
                raise
            card = new_record_form(kind, values, {exc.field: exc.message}, form_key=key or "")
            return Reply(card=card, outcome="invalid")
        return change_reply(change, click.user, click.shared)

    @on_verb(verbs.CONTACT_CREATE)
    def create_contact(self, click: Click) -> Reply:
        values = {name: text_field(click.data, name) for name in ("name", "email", "company", "job_title", "phone")}
        key, added = form_key_field(click.data), True
        try:
            if key:
                contact, added = self.services.create_contact_once(click.user, key, **values)
            else:
                contact = self.services.create_contact(
                    click.user, values["name"], values["email"], values["phone"], values["company"], values["job_title"]
                )
        except DomainError as exc:
            if exc.field is None:
                raise
            return Reply(card=new_contact_form(values, {exc.field: exc.message}, key or ""), outcome="invalid")
        message = f"{contact.name} added." if added else f"{contact.name} was already added from this form."
        return Reply(card=contact_list_card("Contact added", [contact], "", message=message))


import bot.handlers.contact_clicks  # noqa: E402  (registers the verbs of contact upkeep)
import bot.handlers.contact_files  # noqa: E402  (registers the verbs of a contacts file's preview)
import bot.handlers.deal_clicks  # noqa: E402  (registers the verbs of deal details, owner and archive)
import bot.handlers.email_clicks  # noqa: E402  (registers the verbs of the compose card)
import bot.handlers.notice_clicks  # noqa: E402, F401  (registers the verbs of notification settings)
