"""The email buttons: compose, send through Graph (or prepare a mailto: link), log as sent.

Addresses come from the database where they can (the Contact, the participants' toggles); what the
user typed is validated; a send id on the card makes a second click harmless."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from bot.domain.errors import DomainError
from bot.domain.language import _, current
from bot.domain.models import RecordView, User
from bot.domain.rules import MAX_BODY, MAX_CC, MAX_SUBJECT, is_valid_email
from bot.handlers.payload import text_field
from bot.handlers.replies import Reply, change_reply, record_reply
from bot.services import CrmService
from bot.services.email import Mailer, MailError, OutgoingMail
from cards.email import compose_card, mailto_link, prepared_card

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 50
MAX_MAILTO_BODY = 2000  # the message travels inside a link; mail apps cut long ones
_SEPARATORS = re.compile(r"[,;\s]+")


class InvalidEmail(DomainError):
    """A compose-card field the server refused; `values` are what the user typed."""


def addresses(raw: str, field: str, required: bool) -> list[str]:
    found = [a for a in _SEPARATORS.split(raw.strip()) if a]
    if not found and required:
        raise DomainError(_("Give at least one email address."), field)
    bad = [a for a in found if not is_valid_email(a)]
    if bad:
        raise DomainError(_("“{email}” is not a valid email address.", email=bad[0][:80]), field)
    unique = list({a.casefold(): a for a in found}.values())
    if len(unique) > MAX_RECIPIENTS:
        raise DomainError(_("At most {n} addresses, please.", n=MAX_RECIPIENTS), field)
    return unique


def new_send_id() -> str:
    return uuid.uuid4().hex


class Draft:
    """The compose card's values, checked."""

    def __init__(self, view: RecordView, data: dict[str, Any], mailto: bool) -> None:
        self.values = {k: v for k, v in data.items() if isinstance(v, str) and (k in _FIELDS or k.startswith("cc_"))}
        self.to = addresses(self.values.get("to", ""), "to", required=True)
        picked = {f"cc_{p.id}" for p in view.participants if p.email and self.values.get(f"cc_{p.id}") == "true"}
        cc = [p.email for p in view.participants if p.email and f"cc_{p.id}" in picked]
        cc += addresses(self.values.get("cc_extra", ""), "cc_extra", required=False)
        self.cc = [a for a in dict.fromkeys(cc) if a.casefold() not in {t.casefold() for t in self.to}]
        if len(self.cc) > MAX_CC:  # ticked and typed together: the link and the card stay small
            raise DomainError(
                _("At most {n} people in CC, please ({now} now).", n=MAX_CC, now=len(self.cc)), "cc_extra"
            )
        self.subject = self.values.get("subject", "").strip()
        if not self.subject:
            raise DomainError(_("An email needs a subject."), "subject")
        if len(self.subject) > MAX_SUBJECT:
            raise DomainError(_("A subject can be at most {n} characters.", n=MAX_SUBJECT), "subject")
        self.body = self.values.get("body", "")
        limit = MAX_MAILTO_BODY if mailto else MAX_BODY
        if len(self.body) > limit:
            most = current().number(limit)
            if mailto:
                refusal = _(
                    "The message can be at most {n} characters (without Microsoft Graph it travels inside a link).",
                    n=most,
                )
            else:
                refusal = _("The message can be at most {n} characters.", n=most)
            raise DomainError(refusal, "body")


_FIELDS = {"to", "cc_extra", "subject", "body"}


class EmailActions:
    def __init__(
        self, services: CrmService, mailer: Mailer | None, mail_link: Callable[[str], str] | None = None
    ) -> None:
        """`mail_link` turns a `mailto:` into the https link the card offers (bot/mail_links.py); without it
        the card carries the `mailto:` itself."""
        self.services = services
        self.mailer = mailer
        self.mail_link = mail_link

    def can_send(self, user: User) -> bool:
        return self.mailer is not None and self.mailer.serves(user.tenant_id) and bool(user.aad_object_id)

    def compose(self, user: User, view: RecordView) -> Reply:
        return Reply(card=compose_card(view, self.can_send(user), new_send_id(), viewer_id=user.id), outcome="form")

    def cc_by_role(self, user: User, view: RecordView, data: dict[str, Any]) -> Reply:
        """The compose card again with what was typed, CC ticked for exactly the people of one role."""
        wanted = text_field(data, "cc_role", required=True)
        if wanted != "all" and wanted not in {r.value for r in view.buying_roles.values()}:
            raise DomainError(_("Nobody on this record has that role any more; please open the email again."))
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        for person in view.participants:
            role = view.buying_roles.get(person.id)
            values[f"cc_{person.id}"] = "true" if wanted == "all" or (role and role.value == wanted) else "false"
        send_id = text_field(data, "send_id") or new_send_id()
        return Reply(card=compose_card(view, self.can_send(user), send_id, values), outcome="form")

    def _again(self, user: User, view: RecordView, data: dict[str, Any], exc: DomainError) -> Reply:
        """The compose card again, with what was typed and the message where it belongs."""
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        send_id = data.get("send_id") if isinstance(data.get("send_id"), str) else new_send_id()
        errors = {exc.field: exc.message} if exc.field else None
        message = "" if exc.field else exc.message
        card = compose_card(view, self.can_send(user), str(send_id), values, errors, message, viewer_id=user.id)
        return Reply(card=card, outcome="invalid")

    async def send(self, user: User, view: RecordView, data: dict[str, Any], shared: bool) -> Reply:
        if self.mailer is None or not self.can_send(user):
            return self._again(user, view, data, DomainError(_("Sending through Microsoft Graph is not set up here.")))
        try:
            draft = Draft(view, data, mailto=False)
            record = await self.services.run(
                self.services.email.begin_email, user, view.record.ref, str(data.get("send_id", ""))
            )
        except DomainError as exc:
            return self._again(user, view, data, exc)
        mail = OutgoingMail(user.aad_object_id or "", tuple(draft.to), draft.subject, draft.body, tuple(draft.cc))
        try:
            await self.mailer.send_mail(mail)
        except MailError as exc:
            failed = (user, record, str(data["send_id"]), exc.message, exc.sent_unknown)
            await self.services.run(self.services.email.email_failed, *failed)
            return self._again(user, view, data, DomainError(exc.message))
        sent = (user, record, str(data["send_id"]), draft.to, draft.cc, draft.subject)
        change = await self.services.run(self.services.email.email_sent, *sent)
        log.info(
            "tenant=%s user=%s record=%s email sent to %d people",
            user.tenant_id,
            user.id,
            record.ref,
            len(mail.to) + len(mail.cc),
        )
        return change_reply(change, user, shared)

    def prepare(self, user: User, view: RecordView, data: dict[str, Any]) -> Reply:
        try:
            draft = Draft(view, data, mailto=True)
        except DomainError as exc:
            return self._again(user, view, data, exc)
        send_id = data.get("send_id") if isinstance(data.get("send_id"), str) else new_send_id()
        mailto = mailto_link(draft.to, draft.cc, draft.subject, draft.body)
        link = self.mail_link(mailto) if self.mail_link is not None else mailto
        card = prepared_card(view, draft.to, draft.cc, draft.subject, link, str(send_id), user.id)
        return Reply(card=card, outcome="form")

    def log_sent(self, user: User, view: RecordView, data: dict[str, Any], shared: bool) -> Reply:
        """Without Graph: the user sent it from their mail app and says so."""

        try:
            to = addresses(text_field(data, "to"), "to", required=True)
            cc = addresses(text_field(data, "cc"), "cc", required=False)
            subject = text_field(data, "subject").strip()[:MAX_SUBJECT] or view.record.title
            record = self.services.email.begin_email(user, view.record.ref, text_field(data, "send_id"))
        except DomainError as exc:
            return record_reply(view, user, shared, exc.message, good=False)
        change = self.services.email.email_sent(user, record, text_field(data, "send_id"), to, cc, subject)
        return change_reply(change, user, shared)
