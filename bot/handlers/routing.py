"""Every router of the handlers, listed here and nowhere else: a new verb or command goes on its module's
router; a new handler module adds its router to ROUTERS. `build` hands the Teams layer what answers a
message, a click, a typeahead search and the message extension."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain.models import User
from bot.handlers import (
    contact_clicks,
    contact_files,
    deal_clicks,
    email_clicks,
    extension,
    fields,
    meeting_clicks,
    notice_clicks,
    pipelines,
    record_clicks,
    roles,
    tasks,
    text,
    visibility,
)
from bot.handlers.clicks import Actions
from bot.handlers.conversation import Conversation
from bot.handlers.email import EmailActions
from bot.handlers.extension import Extension
from bot.handlers.meetings import MeetingActions
from bot.handlers.router import CommandHandler, Router, VerbRoute
from bot.services import CrmService
from bot.services.email import Mailer
from bot.services.meetings import Calendar
from cards import verbs

T = TypeVar("T")

ROUTERS: tuple[Router, ...] = (
    record_clicks.routes,
    roles.routes,
    deal_clicks.routes,
    contact_clicks.routes,
    contact_files.routes,
    email_clicks.routes,
    meeting_clicks.routes,
    notice_clicks.routes,
    extension.routes,
    fields.routes,
    pipelines.routes,
    visibility.routes,
    tasks.routes,
    text.routes,
)


def _merged(kind: str, tables: list[dict[str, T]]) -> dict[str, T]:
    """The routers' tables as one; a name two routers claim is refused at start."""
    found: dict[str, T] = {}
    for table in tables:
        for name, entry in table.items():
            if name in found:
                raise ValueError(f"two handlers for the {kind} {name}")
            found[name] = entry
    return found


def verb_routes(routers: tuple[Router, ...] = ROUTERS) -> dict[str, VerbRoute]:
    return _merged("verb", [router.verbs for router in routers])


def command_routes(routers: tuple[Router, ...] = ROUTERS) -> dict[str, CommandHandler]:
    return _merged("command", [router.commands for router in routers])


@dataclass(frozen=True)
class Handlers:
    """What the Teams layer calls: one object per kind of activity, all built from the same routers."""

    actions: Actions
    conversation: Conversation
    extension: Extension

    def search(self, user: User, value: dict[str, Any]) -> list[tuple[str, str]]:
        """Typeahead in a card's picker (Teams' dynamic search, `Data.Query` with one of our datasets)."""
        options = value.get("queryOptions")
        options = options if isinstance(options, dict) else {}
        if value.get("dataset") == verbs.CONTACTS_DATASET:
            return self.actions.search_contacts(user, value.get("queryText"), options.get("skip"), options.get("top"))
        if value.get("dataset") == verbs.RECORDS_DATASET:
            return self.extension.search_records(user, value.get("queryText"))
        return []


def build(
    services: CrmService,
    mailer: Mailer | None = None,
    mail_link: Callable[[str], str] | None = None,
    verbs: dict[str, VerbRoute] | None = None,
    commands: dict[str, CommandHandler] | None = None,
    calendar: Calendar | None = None,
) -> Handlers:
    """The handlers of one set of services (`verbs` and `commands`: the merged tables, when already read)."""
    email = EmailActions(services, mailer, mail_link)
    meetings = MeetingActions(services, calendar)
    conversation = Conversation(services, email, commands if commands is not None else command_routes(), meetings)
    return Handlers(
        Actions(services, email, verbs if verbs is not None else verb_routes(), meetings, conversation.handle),
        conversation,
        Extension(services),
    )
