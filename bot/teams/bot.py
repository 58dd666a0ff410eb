"""The only ActivityHandler: Teams activities in, commands and card actions through, cards out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, BotAdapter, CardFactory, CloudAdapterBase, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    DeliveryModes,
    InvokeResponse,
)

from bot.domain.delivery import CardPost
from bot.domain.errors import DomainError, Redelivered
from bot.domain.language import _, speak, speaking
from bot.domain.models import Mentioned
from bot.domain.rules import AAD_ID, TEAMS_USER_ID
from bot.handlers.replies import Reply
from bot.handlers.router import Click, VerbRoute
from bot.handlers.routing import build, command_routes, verb_routes
from bot.handlers.text import welcome_buttons
from bot.notify.card_updates import CardUpdater
from bot.notify.rate_limits import RateLimiter
from bot.services import CrmService
from bot.services.email import Mailer
from bot.services.meetings import Calendar
from bot.teams.activity import (
    Turn,
    action_of,
    client_time_zone,
    command_text,
    is_personal,
    mentioned_colleagues,
    place_of,
    reader_locale,
    tenant_of,
)
from bot.teams.files import DownloadPolicy, FileExchange, consent_attachment, file_attachments
from bot.teams.roster import Roster
from bot.teams.team_rosters import TeamRosters
from cards.common import Card
from cards.envelopes import card_response, compose_message, message_response, search_response, task_message
from cards.help import welcome_card

log = logging.getLogger(__name__)
ROSTER_SECONDS = 5.0  # a roster look-up's bound inside a turn (Teams waits about 15 s for the answer)


class Directory(Protocol):
    """People's display names from the organisation's directory (Microsoft Graph; bot/graph.py)."""

    async def display_name(self, tenant_id: str, aad_object_id: str) -> str | None: ...


def answered(turn_context: TurnContext, response: InvokeResponse) -> InvokeResponse:
    """Hand the invoke's answer to the adapter directly. ActivityHandler would otherwise send it as an
    activity, which botbuilder deep-copies: with a record card, a fifth of a click's CPU."""
    key = BotAdapter._INVOKE_RESPONSE_KEY
    turn_context.turn_state[key] = Activity(type=ActivityTypes.invoke_response, value=response)
    return response


class TeamsCrmBot(ActivityHandler):
    def __init__(
        self,
        services: CrmService,
        adapter: CloudAdapterBase,
        app_id: str,
        limiter: RateLimiter,
        mailer: Mailer | None = None,
        directory: Directory | None = None,
        mail_link: Callable[[str], str] | None = None,
        files: FileExchange | None = None,
        calendar: Calendar | None = None,
    ) -> None:
        self.directory = directory
        self.services = services
        self.adapter = adapter
        self.app_id = app_id  # "" with auth off, as botbuilder expects for proactive calls
        self.mailer, self.mail_link, self.calendar = mailer, mail_link, calendar
        self.verbs, self.commands = verb_routes(), command_routes()
        self.handlers = build(services, mailer, mail_link, self.verbs, self.commands, calendar)
        self.files = files or FileExchange(DownloadPolicy())
        self.roster = Roster()  # bounded lookups, failures remembered per conversation (app.py sets its clock)
        self.card_updater = CardUpdater(services, self._update_posted_card, limiter)
        self.team_rosters = TeamRosters(services, adapter, app_id)  # who is in each team, for team records

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        run = self.services.run  # storage work: off the event loop when the database is across a network
        speak(reader_locale(activity))  # until the reader is known (their latest locale then, if this has none)
        turn, first = await run(self._arrival, activity)  # one storage step (one thread hop on PostgreSQL)
        if turn is None:
            log.info("activity=%s refused: no tenant or user", activity.type)
            await self._refuse(turn_context, _("I could not tell who you are in which organisation."))
            return
        turn_context.turn_state["crm.turn"] = turn
        speak(turn.locale)  # the rest of the turn answers in the reader's language
        if not first:
            log.info("tenant=%s user=%s activity=%s redelivered: ignored", turn.tenant_id, turn.user.id, activity.id)
            await self._refuse(turn_context, _("Already done."), tell=False)
            return
        if is_personal(activity) and activity.conversation and activity.type != ActivityTypes.invoke:
            turn_context.turn_state["crm.first_personal"] = await self._remember_personal_chat(turn_context, turn)
        elif activity.type in (ActivityTypes.message, ActivityTypes.invoke):
            self.team_rosters.noticed(turn_context, turn.tenant_id)  # a team not read yet (or lately) is read
        await self._learn_profile(turn_context, turn)
        try:
            await super().on_turn(turn_context)
        except Redelivered:
            log.info("tenant=%s user=%s activity=%s redelivered: ignored", turn.tenant_id, turn.user.id, activity.id)
            await self._refuse(turn_context, _("Already done."), tell=False)
            return
        if activity.type == ActivityTypes.message:
            await run(turn.services.work.claim_unclaimed)  # a turn that changed nothing is claimed once it has answered

    def _arrival(self, activity: Activity) -> tuple[Turn | None, bool]:
        """Who sent the activity, in which language, whether it is its first delivery, and their time zone
        noted if so. A card click that needs nothing from the network first (no colleague to look up, no
        profile to learn, a handler that does not await) is answered here too: the whole turn's storage work
        is one step, one thread hop on PostgreSQL instead of three."""
        turn = self._turn(activity)
        if turn is None:
            return None, False
        stored, read = turn.locale, turn.locale_read  # read with the person (bot/services/people.py `arrived`)
        turn.locale = self.services.deliveries.schedules.note_locale(turn.user, reader_locale(activity), stored, read)
        first, claim = self._first_delivery(activity, turn)
        if claim is not None:
            turn.services = self.services.for_turn(turn.tenant_id, *claim)
            turn.handlers = build(turn.services, self.mailer, self.mail_link, self.verbs, self.commands, self.calendar)
        if first:
            self.services.deliveries.schedules.note_time_zone(turn.user, client_time_zone(activity))
            if activity.type == ActivityTypes.invoke and activity.name == "adaptiveCard/action":
                try:
                    turn.answered = self._answer_now(turn, activity)
                except Redelivered:
                    return turn, False
        return turn, first

    def _answer_now(self, turn: Turn, activity: Activity) -> Reply | None:
        """The click's reply, when nothing needs the network before its handler (else None: on_invoke_activity
        answers it)."""
        verb, data = action_of(activity)
        route = turn.handlers.actions.route(verb)
        if route is None or route.colleague_field or route.waits or turn.needs_profile or not isinstance(data, dict):
            return None
        click = Click(turn.user, data, not is_personal(activity), place=place_of(activity))
        with speaking(turn.locale):  # this step runs in a copy of the turn's context: the reply in their language
            return turn.handlers.actions.answer(route, click, self._tracker(turn, activity, route))

    def _first_delivery(self, activity: Activity, turn: Turn) -> tuple[bool, tuple[str, str] | None]:
        """Teams redelivers an activity it is unsure about. A message or a click is claimed by the write
        transaction of its change (a crash before it loses nothing): it comes back with the claim the turn's
        services carry (conversation, activity); a message that changes nothing is claimed after its answer,
        and is checked here so that it is not answered twice; anything else is claimed now."""
        conversation_id = activity.conversation.id if activity.conversation else None
        if not activity.id or not conversation_id:
            return True, None
        if activity.type == ActivityTypes.invoke:
            return True, (conversation_id, activity.id)
        if activity.type == ActivityTypes.message:
            if self.services.work.was_handled(turn.tenant_id, conversation_id, activity.id):
                return False, None
            return True, (conversation_id, activity.id)
        return self.services.people.first_delivery(turn.tenant_id, conversation_id, activity.id), None

    def _turn(self, activity: Activity) -> Turn | None:
        tenant_id = tenant_of(activity)
        sender = activity.from_property
        if not tenant_id or sender is None or not (sender.id or sender.aad_object_id):
            return None
        try:
            arrival = self.services.people.arrived(
                tenant_id, sender.id, sender.aad_object_id, sender.name, activity.service_url
            )
        except DomainError:
            return None
        return Turn(
            tenant_id,
            arrival.user,
            self.services,
            self.handlers,
            arrival.needs_profile,
            arrival.locale,
            arrival.locale_read,
        )

    async def _refuse(self, turn_context: TurnContext, message: str, tell: bool = True) -> None:
        """Answer without doing anything: an invoke always gets its answer; a message only if `tell`."""
        activity = turn_context.activity
        if activity.type == ActivityTypes.invoke:
            name = str(activity.name)
            if name in ("composeExtension/fetchTask", "composeExtension/submitAction"):
                body: Any = task_message(message)  # an action's invoke: answered with a `task`
            elif name.startswith("composeExtension/"):  # a search: Teams reads a composeExtension answer
                body = compose_message(message)
            else:
                body = message_response(message)
            await turn_context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
            )
        elif activity.type == ActivityTypes.message and tell:
            await turn_context.send_activity(MessageFactory.text(message))

    async def _remember_personal_chat(self, turn_context: TurnContext, turn: Turn) -> bool:
        """Store the 1:1 conversation so notifications can reach this person later."""
        activity = turn_context.activity
        recipient = activity.recipient or ChannelAccount(id="", name="")
        stored = await turn.services.run(turn.services.deliveries.conversation_of, turn.user)
        if (
            stored
            and stored["conversation_id"] == activity.conversation.id
            and stored["service_url"] == activity.service_url
        ):
            return False
        await turn.services.run(
            turn.services.deliveries.save_conversation,
            turn.user, activity.conversation.id, activity.service_url or "", recipient.id or "", recipient.name or "",
        )  # fmt: skip
        return stored is None

    async def _learn_profile(self, turn_context: TurnContext, turn: Turn) -> None:
        """Email and UPN come from the connector's member API, once per user. A caller that takes the replies in
        the HTTP response (`expectReplies`: a person with curl, never Teams) has no connector to ask."""
        activity = turn_context.activity
        if activity.channel_id != "msteams" or not activity.from_property.id or not turn.needs_profile:
            return
        if activity.delivery_mode == DeliveryModes.expect_replies:
            return
        member = await self.roster.member(turn_context, turn.tenant_id, activity.from_property.id)
        if member is None:  # the member API is a nicety: never let it break (or hold up) the turn
            return
        email = getattr(member, "email", None) or None
        upn = getattr(member, "user_principal_name", None) or None
        await turn.services.run(turn.services.people.save_profile, turn.user, email, upn, getattr(member, "name", None))

    # --- messages ------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        turn: Turn = turn_context.turn_state["crm.turn"]
        said = command_text(activity)
        shared = not is_personal(activity)
        files = file_attachments(turn_context)
        if files and not said.strip():
            reply = await self.files.received(turn_context, turn, files[0])
        else:
            reply = await turn.services.run(
                turn.handlers.conversation.handle,
                turn.user,
                said,
                shared,
                await self._mentioned(turn_context, turn),
                place_of(activity),
            )
        log.info(
            "tenant=%s user=%s command=%s outcome=%s",
            turn.tenant_id, turn.user.id, " ".join(said.split()[:2])[:40], reply.outcome,
        )  # fmt: skip
        await self._post(turn_context, turn, reply, shared)

    async def _post(self, turn_context: TurnContext, turn: Turn, reply: Reply, shared: bool) -> None:
        """The answer as a new message in the conversation, remembered where it must be kept up to date."""
        activity = turn_context.activity
        posted_id = await self._send(turn_context, reply)
        if reply.file is not None and posted_id:  # the consent card's message: replaced once answered
            await self.services.run(
                self.services.contact_files.offer_posted,
                turn.user,
                reply.file.offer_id,
                activity.conversation.id,
                posted_id,
            )
        if reply.record_id is not None and posted_id:
            await turn.services.run(
                turn.services.people.remember_card_post,
                turn.user, reply.record_id, activity.conversation.id, posted_id, activity.service_url, shared,
            )  # fmt: skip
        self._changed(turn, reply, posted_id)

    async def _mentioned(self, turn_context: TurnContext, turn: Turn) -> tuple[Mentioned, ...]:
        """The colleagues @mentioned in the message, as the bot knows them or as Teams' roster of this conversation
        does (its id, name and Entra id, in this tenant), looked up together within ROSTER_SECONDS. A mention
        entity alone is the sender's word, never a colleague: an id nobody knows, another organisation's person
        or a name the roster does not give is dropped."""
        said = mentioned_colleagues(turn_context.activity)
        if not said:
            return ()

        async def vouched(person: Mentioned) -> Mentioned | None:
            known = await self.services.run(self.services.people.known_user, turn.tenant_id, person.teams_id)
            if known is not None:
                return Mentioned(person.teams_id, known.name, known.aad_object_id)
            member = await self._roster_member(turn_context, turn, person.teams_id)
            if member is None:
                log.info("tenant=%s user=%s mention of someone not in the roster dropped", turn.tenant_id, turn.user.id)
                return None
            return Mentioned(member.id, member.name or "", member.aad_object_id)

        found = await asyncio.gather(*(vouched(person) for person in said))
        return tuple(person for person in found if person is not None)

    async def _roster_member(self, turn_context: TurnContext, turn: Turn, member_id: str) -> Any:
        """The conversation's member with this id as Teams' roster gives them, in this tenant (None: not there)."""
        try:
            member = await asyncio.wait_for(TeamsInfo.get_member(turn_context, member_id), timeout=ROSTER_SECONDS)
        except Exception:  # not in the roster, or Teams did not answer in time
            return None
        tenant = getattr(member, "tenant_id", None)
        if (tenant and tenant != turn.tenant_id) or not TEAMS_USER_ID.fullmatch(getattr(member, "id", None) or ""):
            return None
        return member

    async def _send(self, turn_context: TurnContext, reply: Reply) -> str | None:
        """Send the reply; returns the id of the posted message (to update its card later)."""
        if reply.file is not None:
            message = MessageFactory.attachment(consent_attachment(reply.file))
        elif reply.card is not None:
            message = MessageFactory.attachment(CardFactory.adaptive_card(reply.card))
            if reply.text:
                message.text = reply.text
        elif reply.text:
            message = MessageFactory.text(reply.text)
        else:
            return None
        sent = await turn_context.send_activity(message)
        return sent.id if sent is not None else None

    def _changed(self, turn: Turn, reply: Reply, answered_activity_id: str | None) -> None:
        """After a change: bring the other posted cards of each changed record up to date."""
        for record_id in dict.fromkeys(event.record_id for event in reply.events):
            view = reply.view if reply.view is not None and reply.view.record.id == record_id else None
            self.card_updater.record_changed(turn.tenant_id, record_id, answered_activity_id, view)

    async def _update_posted_card(self, post: CardPost, card: Card) -> None:
        """Replace a posted card in place (a proactive update of the message that carries it)."""
        reference = ConversationReference(
            channel_id="msteams",
            service_url=post.service_url,
            conversation=ConversationAccount(id=post.conversation_id, tenant_id=post.tenant_id),
        )
        failures: list[Exception] = []

        async def update(turn_context: TurnContext) -> None:
            try:
                activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
                activity.id = post.activity_id
                await turn_context.update_activity(activity)
            except Exception as exc:  # botbuilder would swallow it in on_turn_error
                failures.append(exc)

        await self.adapter.continue_conversation(reference, update, bot_app_id=self.app_id)
        if failures:
            raise failures[0]

    # --- installs ------------------------------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        turn: Turn = turn_context.turn_state["crm.turn"]
        await self.team_rosters.conversation_update(turn_context, turn.tenant_id)  # who is in each team
        await super().on_conversation_update_activity(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(m.id == bot_id for m in members_added or []):
            await self._welcome(turn_context)

    async def _welcome(self, turn_context: TurnContext) -> None:
        """Say hello once per person (the Playground resends install events on every page load)."""
        if not turn_context.turn_state.get("crm.first_personal") or turn_context.turn_state.get("crm.welcomed"):
            return
        turn_context.turn_state["crm.welcomed"] = True
        greeting = _("Hi! I keep your leads and opportunities, and the people around them, right here in Teams.")
        await self._send(turn_context, Reply(text=greeting, card=welcome_card(welcome_buttons())))

    # --- card actions --------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        turn: Turn = turn_context.turn_state["crm.turn"]
        value: Any = activity.value if isinstance(activity.value, dict) else {}
        if activity.name == "application/search":
            return await turn.services.run(self._search, turn, value)
        if activity.name == "fileConsent/invoke":
            return answered(turn_context, await self.files.consent(turn_context, turn, value))
        if str(activity.name).startswith("composeExtension/"):
            return await self._compose_extension(turn_context, turn, str(activity.name), value)
        if activity.name != "adaptiveCard/action":
            log.info("tenant=%s user=%s invoke=%s not handled", turn.tenant_id, turn.user.id, str(activity.name)[:40])
            return InvokeResponse(status=int(HTTPStatus.NOT_IMPLEMENTED))
        verb, data = action_of(activity)
        shared = not is_personal(activity)
        route = turn.handlers.actions.route(verb)
        reply = turn.answered  # answered in the turn's first storage step (see _arrival)
        if reply is None:
            picked = route.colleague_field if route is not None else None
            got = await self._colleague(turn_context, turn, data, picked) if picked else (None, None, None)
            teams_id, aad, name = got
            click = Click(turn.user, data, shared, name, teams_id, aad, place_of(activity))
            reply = await turn.handlers.actions.handle(click, verb, self._tracker(turn, activity, route))
        log.info("tenant=%s user=%s verb=%s outcome=%s", turn.tenant_id, turn.user.id, str(verb)[:40], reply.outcome)
        if route is not None and route.posts_reply:  # a command's button: answered below, the card stays
            await self._post(turn_context, turn, reply, shared)
            return answered(turn_context, InvokeResponse(status=200, body=message_response(_("Answered below."))))
        clicked = activity.reply_to_id
        # the clicked message is the create form: it becomes the new record's post
        created = route is not None and route.creates_record and bool(reply.events)
        # The answer is shown only to the clicker: what everyone sees changes through update_activity, so a
        # shared post (and a create form, which would come back after a reload) is updated too.
        self._changed(turn, reply, None if shared or created else clicked)
        body = card_response(reply.card) if reply.card is not None else message_response(reply.text or "")
        return answered(turn_context, InvokeResponse(status=200, body=body))

    def _tracker(self, turn: Turn, activity: Activity, route: VerbRoute | None) -> Callable[[Reply], None] | None:
        """What follows a click's reply in its storage step: the clicked message tracked as its record's post."""
        clicked, conversation = activity.reply_to_id, activity.conversation
        if not clicked or conversation is None:
            return None
        shared = not is_personal(activity)

        def track(reply: Reply) -> None:
            if reply.card is not None:
                created = route is not None and route.creates_record and bool(reply.events)
                self._track_clicked(turn, reply, conversation.id, clicked, activity.service_url, shared, created)

        return track

    def _track_clicked(
        self,
        turn: Turn,
        reply: Reply,
        conversation_id: str,
        clicked: str,
        service_url: str,
        shared: bool,
        created: bool,
    ) -> None:
        """In a 1:1 chat the clicked message shows the answer: tracked as its record's post (None: a form no
        update may overwrite). In a channel or group chat the answer is the clicker's alone and the message
        keeps showing everyone its posted card, so its post stays as it was; a create form there becomes the
        new record's post (the updater puts the record card in its place for everyone). A shared message the bot
        did not post is never learnt: a card inserted through the message extension is the person's message,
        which no bot may update (its refresh keeps it true for each listed viewer)."""
        if not shared:
            turn.services.people.track_card(turn.user, reply.record_id, conversation_id, clicked, service_url, shared)
        elif created and reply.record_id is not None:
            turn.services.people.learn_card_post(turn.user, reply.record_id, conversation_id, clicked, service_url)

    def _search(self, turn: Turn, value: dict[str, Any]) -> InvokeResponse:
        """Typeahead in the contact pickers (Teams' dynamic search, `Data.Query` with our dataset)."""
        return InvokeResponse(status=200, body=search_response(turn.handlers.search(turn.user, value)))

    async def _compose_extension(
        self, turn_context: TurnContext, turn: Turn, name: str, value: dict[str, Any]
    ) -> InvokeResponse:
        """The message extension: searches, and the dialogs of the actions on a message (the storage work off
        the event loop when the database is across a network)."""
        command = str(value.get("commandId"))[:40]
        run, extension = turn.services.run, turn.handlers.extension
        if name == "composeExtension/query":
            body: Any = await run(extension.query, turn.user, value)
        elif name == "composeExtension/selectItem":
            body = await run(extension.select_item, turn.user, value)
        elif name == "composeExtension/fetchTask":
            body = await run(extension.fetch_task, turn.user, value)
        elif name == "composeExtension/submitAction":
            shared = not is_personal(turn_context.activity)
            submitted = await run(extension.submit_action, turn.user, value, shared)
            body = submitted.body if submitted.body is not None else {}
            if submitted.reply is not None:
                self._changed(turn, submitted.reply, None)
            if submitted.post is not None:
                body = await self._post_previewed(turn_context, turn, submitted.post, shared)
        else:
            log.info("tenant=%s user=%s invoke=%s not handled", turn.tenant_id, turn.user.id, name[:40])
            return InvokeResponse(status=int(HTTPStatus.NOT_IMPLEMENTED))
        log.info("tenant=%s user=%s invoke=%s command=%s", turn.tenant_id, turn.user.id, name[:40], command)
        return InvokeResponse(status=200, body=body)

    async def _post_previewed(self, turn_context: TurnContext, turn: Turn, reply: Reply, shared: bool) -> Any:
        """Send on a previewed card: the bot posts it in the conversation as its own message and tracks it (its
        updates keep it true for everyone), once however often Teams delivers the Send."""
        activity = turn_context.activity
        if not await turn.services.run(turn.services.work.claim_unclaimed):
            return {}
        try:
            posted_id = await self._send(turn_context, reply)
        except Exception as exc:  # the bot could not post here (not added to the chat, or Teams refused)
            log.info("tenant=%s user=%s previewed card not posted: %s", turn.tenant_id, turn.user.id, exc)
            return task_message("I could not post the card in this chat: add the CRM app to it, then try again.")
        if reply.record_id is not None and posted_id and activity.conversation:
            await turn.services.run(
                turn.services.people.remember_card_post,
                turn.user, reply.record_id, activity.conversation.id, posted_id, activity.service_url, shared,
            )  # fmt: skip
        return {}

    async def _colleague(
        self, turn_context: TurnContext, turn: Turn, data: Any, field: str
    ) -> tuple[str | None, str | None, str | None]:
        """The picked colleague's Teams id (29:..., for the card's refresh), Entra object id and display name,
        from the conversation's roster when Teams knows them there (it finds members by either id: Teams'
        picker sends Entra ids, the Playground's Teams ids); else the name from Microsoft Graph when configured
        (User.ReadBasic.All, Entra ids only); else nothing yet (all are learnt when they first write)."""
        picked = data.get(field) if isinstance(data, dict) else None
        if not isinstance(picked, str) or not 0 < len(picked) <= 100:
            return None, None, None
        try:
            member = await asyncio.wait_for(TeamsInfo.get_member(turn_context, picked), timeout=5)
            teams_id, aad = getattr(member, "id", None) or None, getattr(member, "aad_object_id", None) or None
            name = getattr(member, "name", None) or None
        except Exception:  # not in this conversation's roster
            teams_id, aad, name = None, None, None
        if name is None and self.directory is not None and AAD_ID.fullmatch(picked):
            name = await self.directory.display_name(turn.tenant_id, picked)
        return teams_id, aad, name
