"""A text message -> the command it is -> its handler's answer, as a reply. The handlers are in the routers
bot/handlers/routing.py lists; this is the one place that parses, says what is missing, and turns
refusals into replies. No Teams types: the bot layer passes in the user and text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.domain.errors import Ambiguous, DomainError
from bot.domain.language import _, current
from bot.domain.models import Change, Mentioned, Place, RecordView, User
from bot.handlers.commands import Args, ParsedCommand, TooLong, local_usage, parse
from bot.handlers.email import EmailActions
from bot.handlers.meetings import MeetingActions
from bot.handlers.replies import Reply, change_reply, record_reply
from bot.handlers.router import CommandHandler, Said
from bot.handlers.text import help_buttons
from bot.handlers.visibility import keep_access_reply
from bot.services import CrmService
from bot.services.records import KeepAccess
from cards.contacts import contact_list_card
from cards.help import unknown_card


class Conversation:
    """Answers one user's text command."""

    def __init__(
        self,
        services: CrmService,
        email: EmailActions,
        commands: Mapping[str, CommandHandler],
        meetings: MeetingActions,
    ) -> None:
        self.services = services
        self.email = email
        self.meetings = meetings
        self.commands = commands

    def handle(
        self,
        user: User,
        said: str,
        shared: bool = False,
        mentioned: tuple[Mentioned, ...] = (),
        place: Place | None = None,
    ) -> Reply:
        try:
            command = parse(said)
        except TooLong as exc:
            return Reply(text=str(exc), outcome="too_long")
        if command is None:
            return Reply(card=unknown_card(said, help_buttons()), outcome="unknown")
        command = replace(command, mentioned=mentioned, place=place)
        missing = self._missing_argument(command)
        if missing:
            return Reply(text=missing, outcome="missing_argument")
        try:
            answer = self.commands[command.name](
                Said(self.services, self.email, self.meetings, user, shared, mentioned, place), command
            )
        except Ambiguous as exc:
            return Reply(
                card=contact_list_card(_("Which one?"), exc.matches, "", message=exc.message), outcome="ambiguous"
            )
        except KeepAccess as exc:
            return keep_access_reply(self.services, user, exc, shared)
        except DomainError as exc:
            return Reply(text=exc.message, outcome="refused")
        # Posted in the chat: in a channel or group chat everyone there sees it, and a private or team record
        # shows them its reference and title only (who may see it gets their own card through the refresh).
        if isinstance(answer, Change):
            readers = self._readers(answer.view, shared)
            return change_reply(answer, user, shared, everyone_reads=shared, readers=readers)
        if isinstance(answer, RecordView):
            return record_reply(answer, user, shared, everyone_reads=shared, readers=self._readers(answer, shared))
        return answer

    def _readers(self, view: RecordView | None, shared: bool) -> list[User]:
        if view is None or not shared or not view.record.restricted:
            return []
        return self.services.visibility.readers(view)

    @staticmethod
    def _missing_argument(command: ParsedCommand) -> str | None:
        spec = command.spec
        usage = local_usage(spec, current().language)  # in the reader's words
        if spec.args in (Args.REF, Args.REF_TEXT) and not command.ref:
            return _("Which record? Try: {usage}", usage=usage.replace("‹ref›", "L-1"))
        if spec.args is Args.REF_TEXT and not command.text:
            return _("Something is missing. Try: {usage}", usage=usage.replace("‹ref›", command.ref))
        if spec.name == "find" and not command.text:
            return _("What should I look for? Try: find acme")
        return None
