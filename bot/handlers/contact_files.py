"""Contacts in and out as files, Teams aside: a received file's bytes -> the preview card; the preview's
Import and Cancel verbs (on its router); `export contacts` / `export records` -> the file offer,
and the file itself when the person accepts. The Teams layer (bot/teams/files.py) moves the bytes."""

from __future__ import annotations

import re

from bot.domain.contact_csv import FileOffer
from bot.domain.errors import DomainError
from bot.domain.language import _
from bot.domain.models import User
from bot.handlers.payload import BadPayload
from bot.handlers.replies import Reply
from bot.handlers.router import Clicked, Router
from bot.services import CrmService
from cards import verbs
from cards.contact_files import import_closed_card, import_done_card, import_preview_card, refusal_lines

EXPORTS = ("contacts", "records")


def personal_only() -> str:
    return _("Files go through our personal chat: message me directly and say it there.")


_IMPORT_ID = re.compile(r"[0-9a-f]{32}")


routes = Router()


def preview_reply(services: CrmService, user: User, file_name: str, data: bytes) -> Reply:
    """The preview card of a received contacts file, or why it cannot be imported (nothing is kept then)."""
    try:
        preview = services.contact_files.preview_import(user, file_name, data)
    except DomainError as exc:
        refused = _("I could not import {file}: {why}", file=file_name[:100], why=exc.message)
        return Reply(text=refused, outcome="refused")
    if preview.import_id is None:
        why = " ".join(f"{line}." for line in refusal_lines(preview.refused))
        nothing = _("Nothing to import from {file}: every row was refused. {why}", file=file_name[:100], why=why)
        return Reply(text=nothing, outcome="refused")
    return Reply(card=import_preview_card(preview), outcome="preview")


def export_offer(services: CrmService, user: User, what: str) -> FileOffer:
    data = export_bytes(services, user, what)
    offer_id = services.contact_files.offer_export(user, what)
    described = (
        _("Your organisation's contacts as a CSV file")
        if what == "contacts"
        else _("Your organisation's records as a CSV file")
    )
    return FileOffer(f"{what}.csv", described, len(data), what, offer_id)


def export_bytes(services: CrmService, user: User, what: str) -> bytes:
    if what == "contacts":
        return services.contact_files.contacts_file(user.tenant_id)
    if what == "records":
        return services.contact_files.records_file(services.visibility.reader(user))  # what they may see
    raise DomainError(_("I can export contacts or records."))


def _import_id(ctx: Clicked) -> str:
    value = ctx.data.get("import")
    if not isinstance(value, str) or not _IMPORT_ID.fullmatch(value):
        raise BadPayload(_("This card points at an import I can't read; send the file again."))
    return value


@routes.verb(verbs.CONTACTS_IMPORT)
def confirm_import(ctx: Clicked) -> Reply:
    update = ctx.data.get("matching") == "update"
    result = ctx.services.contact_files.confirm_import(ctx.user, _import_id(ctx), update)
    return Reply(card=import_done_card(result), outcome="imported")


@routes.verb(verbs.CONTACTS_IMPORT_CANCEL)
def cancel_import(ctx: Clicked) -> Reply:
    ctx.services.contact_files.cancel_import(ctx.user, _import_id(ctx))
    return Reply(card=import_closed_card(_("Cancelled. Nothing was imported.")), outcome="cancelled")
