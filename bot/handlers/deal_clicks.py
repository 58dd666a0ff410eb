"""Card verbs of a deal's details, owner and archive: Edit details, Change owner, Archive / Restore.
Registered with @on_verb on the click registry (bot/handlers/clicks.py imports this module)."""

from __future__ import annotations

from bot.domain.errors import DomainError, Invalid, NotFound
from bot.domain.models import Change
from bot.handlers.clicks import Actions, Click, on_verb
from bot.handlers.payload import text_field
from bot.handlers.replies import Reply, change_reply
from bot.services.details import FORM_FIELDS
from cards import verbs
from cards.detail_forms import archive_confirm_card, details_form, details_values, owner_form


def _details_form(actions: Actions, click: Click, values: dict[str, str], errors: dict[str, str] | None) -> Reply:
    card = details_form(actions._view(click), values, errors)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@on_verb(verbs.DETAILS_FORM)
def open_details_form(self: Actions, click: Click) -> Reply:
    view = self._view(click)
    return _details_form(self, click, details_values(view, self.services.default_currency(click.user.tenant_id)), None)


@on_verb(verbs.EDIT_DETAILS)
def edit_details(self: Actions, click: Click) -> Reply:
    seen, ref = self._seen(click), self._ref(click)
    values = {name: text_field(click.data, name) for name in FORM_FIELDS}
    try:
        change = self.services.edit_details(click.user, ref, values, seen)
    except Invalid as exc:  # every wrong field at once, each with its message beside it
        return _details_form(self, click, values, exc.errors)
    except NotFound:
        raise
    except DomainError as exc:  # archived, converted, nothing changed: said on the record card
        return self._record(click, self._view(click), exc.message, good=False)
    return change_reply(change, click.user, click.shared)


def _owner_form(self: Actions, click: Click, errors: dict[str, str] | None = None) -> Reply:
    card = owner_form(self._view(click), self.services.colleagues(click.user.tenant_id), errors)
    return Reply(card=card, outcome="form" if errors is None else "invalid")


@on_verb(verbs.OWNER_FORM)
def open_owner_form(self: Actions, click: Click) -> Reply:
    return _owner_form(self, click)


@on_verb(verbs.SET_OWNER)
def set_owner(self: Actions, click: Click) -> Reply:
    seen, ref = self._seen(click), self._ref(click)
    picked = text_field(click.data, "owner")
    if not picked:
        return _owner_form(self, click, {"owner": "Pick a colleague."})

    def operation() -> Change:
        colleague = self.services.picked_colleague(click.user, picked, click.follower_name)
        return self.services.hand_over(click.user, ref, colleague, seen)

    return self._attempt(click, operation, "owner", lambda message: _owner_form(self, click, {"owner": message}))


@on_verb(verbs.ARCHIVE_CONFIRM)
def archive_confirm(self: Actions, click: Click) -> Reply:
    view = self._view(click)
    if view.record.archived_at:
        return self._record(click, view, f"{view.record.ref} is already archived.", good=False)
    return Reply(card=archive_confirm_card(view), outcome="form")


@on_verb(verbs.ARCHIVE)
def archive(self: Actions, click: Click) -> Reply:
    seen, ref = self._seen(click), self._ref(click)
    return self._attempt(click, lambda: self.services.archive(click.user, ref, seen))


@on_verb(verbs.RESTORE)
def restore(self: Actions, click: Click) -> Reply:
    seen, ref = self._seen(click), self._ref(click)
    return self._attempt(click, lambda: self.services.restore(click.user, ref, seen))
