"""A handler module's router: its card verbs and text commands, each with what the Teams layer needs to
know about it (does it pick a colleague, does it create a record, does it await), and the small context
a handler gets (who, where, the services, the reply helpers). bot/handlers/routing.py lists the routers.

Nothing here is global: a router is an object its module owns, read by whoever lists it."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.domain.errors import DomainError, NotFound
from bot.domain.models import Change, Mentioned, Place, RecordView, Seen, User
from bot.handlers.commands import ParsedCommand, spec_named
from bot.handlers.email import EmailActions
from bot.handlers.meetings import MeetingActions
from bot.handlers.payload import int_field, text_field
from bot.handlers.replies import Reply, change_reply, record_reply
from bot.services import CrmService


@dataclass(frozen=True)
class Click:
    """One button click: who, where, and the merged data (button data + input values)."""

    user: User
    data: dict[str, Any]
    shared: bool = False  # clicked in a channel or group chat, where many people see the same card
    follower_name: str | None = None  # the picked colleague's name, when the Teams layer could resolve it
    follower_teams_id: str | None = None  # and their Teams id (29:...), from the conversation's roster
    follower_aad_id: str | None = None  # and their Entra object id, from the roster (the Playground picks 29: ids)
    place: Place | None = None  # the conversation it came from (a button that runs a command needs it)


@dataclass(frozen=True)
class Clicked:
    """What a verb's handler gets: the click, the services, and the helpers every record card's verb shares."""

    services: CrmService
    email: EmailActions
    click: Click
    meetings: MeetingActions
    say: Callable[[User, str, bool, tuple[Mentioned, ...], Place | None], Reply] | None = None  # as if typed

    @property
    def user(self) -> User:
        return self.click.user

    def command(self, said: str) -> Reply:
        """The answer to `said` as if the person had typed it where they clicked."""
        if self.say is None:
            raise ValueError("a click that runs a command needs the conversation's handler")
        return self.say(self.click.user, said, self.click.shared, (), self.click.place)

    @property
    def data(self) -> dict[str, Any]:
        return self.click.data

    @property
    def shared(self) -> bool:
        return self.click.shared

    def ref(self) -> str:
        return text_field(self.click.data, "ref", required=True)

    def seen(self, **shown: str | None) -> Seen:
        """What the clicked card showed; a tampered version is refused before anything happens."""
        return Seen(int_field(self.click.data, "version"), **shown)

    def view(self) -> RecordView:
        self.seen()
        return self.services.records.view(self.click.user, self.ref())

    def record(self, view: RecordView, message: str = "", good: bool = True) -> Reply:
        return record_reply(view, self.click.user, self.click.shared, message, good)

    def changed(self, change: Change) -> Reply:
        return change_reply(change, self.click.user, self.click.shared)

    def attempt(
        self,
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
            return self.record(self.view(), exc.message, good=False)
        return self.changed(change)


@dataclass(frozen=True)
class Said:
    """What a command's handler gets: who said it, where, and the services."""

    services: CrmService
    email: EmailActions
    meetings: MeetingActions
    user: User
    shared: bool = False
    mentioned: tuple[Mentioned, ...] = ()  # colleagues @mentioned in the message (not the bot)
    place: Place | None = None  # the conversation it came from


Answer = Reply | Change | RecordView  # a Change or a RecordView is answered with the record's card
VerbHandler = Callable[[Clicked], Reply | Awaitable[Reply]]
CommandHandler = Callable[[Said, ParsedCommand], Answer]


@dataclass(frozen=True)
class VerbRoute:
    """A card verb's handler and what the Teams layer must do around it."""

    verb: str
    handler: VerbHandler
    colleague_field: str | None = None  # the input naming a picked colleague, looked up in the roster first
    creates_record: bool = False  # the clicked message is a create form: it becomes the new record's post
    waits: bool = False  # the handler awaits (Graph, the connector); the others run off the event loop
    posts_reply: bool = False  # the answer is a new message in the conversation; the clicked card stays


@dataclass
class Router:
    """One handler module's verbs and commands."""

    verbs: dict[str, VerbRoute] = field(default_factory=dict)
    commands: dict[str, CommandHandler] = field(default_factory=dict)

    def verb(
        self,
        *names: str,
        colleague_field: str | None = None,
        creates_record: bool = False,
        posts_reply: bool = False,
    ) -> Callable[[VerbHandler], VerbHandler]:
        """The decorated function handles these card verbs."""

        def register(handler: VerbHandler) -> VerbHandler:
            for name in names:
                if name in self.verbs:
                    raise ValueError(f"two handlers for the verb {name}")
                waits = inspect.iscoroutinefunction(handler)
                self.verbs[name] = VerbRoute(name, handler, colleague_field, creates_record, waits, posts_reply)
            return handler

        return register

    def command(self, *names: str) -> Callable[[CommandHandler], CommandHandler]:
        """The decorated function handles these commands (names from the command table)."""

        def register(handler: CommandHandler) -> CommandHandler:
            for name in names:
                spec_named(name)  # a name the table does not have fails at import
                if name in self.commands:
                    raise ValueError(f"two handlers for the command {name}")
                self.commands[name] = handler
            return handler

        return register
