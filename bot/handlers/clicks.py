"""A click -> its verb's route -> the handler's reply. The verbs and their handlers are in the routers that
bot/handlers/routing.py lists; this is the one place that runs them and turns refusals into replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from bot.domain.errors import DomainError, NotFound
from bot.domain.language import _
from bot.domain.models import Mentioned, Place, User
from bot.handlers.email import EmailActions
from bot.handlers.meetings import MeetingActions
from bot.handlers.payload import BadPayload
from bot.handlers.replies import Reply
from bot.handlers.router import Click, Clicked, VerbRoute
from bot.services import CrmService
from cards.forms import contact_choice

SEARCH_RESULTS = 15  # Teams shows at most 15 typeahead results


def refusal(exc: DomainError) -> Reply:
    """A handler's refusal as its reply (bad data, an unknown record, a rule of the domain)."""
    if isinstance(exc, BadPayload):
        return Reply(text=exc.message, outcome="bad_payload")
    if isinstance(exc, NotFound):
        return Reply(text=exc.message, outcome="not_found")
    return Reply(text=exc.message, outcome="refused")


class Actions:
    """Answers one click through the verb's route."""

    def __init__(
        self,
        services: CrmService,
        email: EmailActions,
        routes: Mapping[str, VerbRoute],
        meetings: MeetingActions,
        say: Callable[[User, str, bool, tuple[Mentioned, ...], Place | None], Reply] | None = None,
    ) -> None:
        self.services = services
        self.email = email
        self.meetings = meetings
        self.routes = routes
        self.say = say  # a text command's answer (bot/handlers/conversation.py), for buttons that run one

    def route(self, verb: Any) -> VerbRoute | None:
        """The verb's route (what the Teams layer must do around it), or None for a verb no card of ours sends."""
        return self.routes.get(verb) if isinstance(verb, str) else None

    async def handle(self, click: Click, verb: Any, then: Callable[[Reply], None] | None = None) -> Reply:
        """The click's reply; `then(reply)` follows it in the same storage step (the Teams layer tracks the
        clicked message there)."""
        route = self.route(verb)
        if route is None or not isinstance(click.data, dict):
            return Reply(text=_("This button is out of date. Type help to start again."), outcome="bad_payload")
        if not route.waits:
            # storage work: off the event loop when the database is across a network (PostgreSQL)
            return await self.services.run(self.answer, route, click, then)
        try:
            reply = await cast("Awaitable[Reply]", route.handler(self._clicked(click)))
        except DomainError as exc:
            return refusal(exc)
        if then is not None:
            await self.services.run(then, reply)
        return reply

    def answer(self, route: VerbRoute, click: Click, then: Callable[[Reply], None] | None = None) -> Reply:
        """A handler that does not await, and `then(reply)`, as one storage step (the caller's thread)."""
        try:
            reply = cast("Callable[..., Reply]", route.handler)(self._clicked(click))
        except DomainError as exc:
            return refusal(exc)
        if then is not None:
            then(reply)
        return reply

    def _clicked(self, click: Click) -> Clicked:
        return Clicked(self.services, self.email, click, self.meetings, self.say)

    def search_contacts(self, user: User, query: Any, skip: Any, top: Any) -> list[tuple[str, str]]:
        """Typeahead for the contact pickers (Teams' `application/search` invoke)."""
        text = query if isinstance(query, str) else ""
        offset = skip if isinstance(skip, int) and not isinstance(skip, bool) and 0 <= skip < 10_000 else 0
        limit = (
            top if isinstance(top, int) and not isinstance(top, bool) and 0 < top <= SEARCH_RESULTS else SEARCH_RESULTS
        )
        found = self.services.contacts.search_contacts(user.tenant_id, text[:200], limit, offset)
        return [contact_choice(contact) for contact in found]
