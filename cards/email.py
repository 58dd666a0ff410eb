"""Email from a record: the compose card (To = the Contact, CC = the Other participants, each with a
toggle), and, without Microsoft Graph, the prepared mailto: link with a "Log as sent" button."""

from __future__ import annotations

from urllib.parse import quote

from bot.domain.buying import BuyingRole
from bot.domain.language import _, translated
from bot.domain.models import Contact, EventKind, RecordView
from bot.domain.rules import MAX_BODY, MAX_CC, MAX_SUBJECT
from cards import verbs
from cards.audience import will_notify
from cards.common import (
    Card,
    action_set,
    card,
    execute,
    facts,
    notice,
    open_url,
    plain,
    shortened,
    subtle,
    text,
    text_input,
    toggle,
)
from cards.elements import Action, ActionExecute, Element
from cards.records import record_header


def mailto_link(to: list[str], cc: list[str], subject: str, body: str = "") -> str:
    """An RFC 6068 mailto: URL: spaces as %20, line breaks as %0D%0A, every field percent-encoded."""
    address = ",".join(quote(a, safe="@") for a in to)
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    fields = [
        ("cc", quote(",".join(cc), safe="@,")),
        ("subject", quote(subject, safe="")),
        ("body", quote(body, safe="")),
    ]
    query = "&".join(f"{k}={v}" for k, v in fields if v)
    return f"mailto:{address}" + (f"?{query}" if query else "")


def _back(ref: str) -> ActionExecute:
    return execute(_("Back"), verbs.RECORD_SHOW, {"ref": ref}, inputs=False)


MAX_ACTIONS = 5  # buttons in one ActionSet that Teams' host config shows


def _cc_by_role(view: RecordView, copied: list[Contact], send_id: str) -> list[Element]:
    """One button per buying role among the people offered as CC: tick exactly them (and "Everyone")."""
    present = {view.buying_roles[p.id] for p in copied if p.id in view.buying_roles}
    if not present:
        return []
    data = {"ref": view.record.ref, "version": view.record.version, "send_id": send_id}
    buttons: list[Action] = [
        execute(translated(role.label), verbs.EMAIL_CC_ROLE, {**data, "cc_role": role.value})
        for role in BuyingRole
        if role in present
    ]
    buttons.append(execute(_("Everyone"), verbs.EMAIL_CC_ROLE, {**data, "cc_role": "all"}))
    rows = [action_set(buttons[i : i + MAX_ACTIONS]) for i in range(0, len(buttons), MAX_ACTIONS)]
    return [subtle(_("CC by role:")), *rows]


def compose_card(
    view: RecordView,
    can_send: bool = False,
    send_id: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    viewer_id: int | None = None,
) -> Card:
    record = view.record
    body: list[Element] = []
    if message:
        body.append(notice(message, good=False))
    body += [*record_header(record), text(_("Email"), weight="Bolder")]
    contact = view.contact
    if contact is None or not contact.email:
        if contact is None:
            lacking = _("{ref} has no Contact yet.", ref=record.ref)
        else:
            lacking = _("{ref} has a Contact ({name}) without an email.", ref=record.ref, name=contact.name)
        body.append(notice(lacking, good=False))
        body.append(text(_("Set one first: **contact {ref} ‹name or email›**, or the button below.", ref=record.ref)))
        set_contact = execute(_("Set contact"), verbs.CONTACT_FORM, {"ref": record.ref})
        body.append(action_set([set_contact, _back(record.ref)]))
        return card(body)
    values = values or {}
    body += text_input("to", _("To"), values.get("to", contact.email), max_length=2000, style="Email", errors=errors)
    with_email = [p for p in view.participants if p.email]
    copied = with_email[:MAX_CC]
    body += _cc_by_role(view, copied, send_id)
    for participant in copied:
        cc_id = f"cc_{participant.id}"
        role = view.buying_roles.get(participant.id)
        title = f"CC {participant.name} <{participant.email}>" + (f" · {translated(role.label)}" if role else "")
        body.append(toggle(cc_id, shortened(title), values.get(cc_id, "true")))
    if len(copied) < len(with_email):
        body.append(subtle(_("At most {n} people in CC: the first {n} participants are offered.", n=MAX_CC)))
    if len(with_email) < len(view.participants):
        body.append(subtle(_("Participants without an email address are not offered.")))
    extra = values.get("cc_extra")
    body += text_input("cc_extra", _("Other CC (comma-separated)"), extra, max_length=2000, errors=errors)
    subject = values.get("subject", record.title)
    body += text_input("subject", _("Subject"), subject, max_length=MAX_SUBJECT, required=True, errors=errors)
    body += text_input("body", _("Message"), values.get("body"), max_length=MAX_BODY, multiline=True, errors=errors)
    data = {"ref": record.ref, "version": record.version, "send_id": send_id}
    button = (
        execute(_("Send"), verbs.SEND_EMAIL, data, "positive")
        if can_send
        else execute(_("Prepare in Outlook"), verbs.PREPARE_EMAIL, data, "positive")
    )
    body.append(will_notify(view, viewer_id, EventKind.EMAIL_SENT))  # when sent, or logged as sent
    body.append(action_set([button, _back(record.ref)]))
    if can_send:
        body.append(subtle(_("Sent from your mailbox through Microsoft Graph; a copy stays in your Sent Items.")))
    return card(body)


def _copyable(input_id: str, label: str, value: str) -> list[Element]:
    """A field to copy from exactly as it is (no markdown), should the link open nothing."""
    return text_input(input_id, label, value, max_length=max(len(value), 1))


def prepared_card(
    view: RecordView, to: list[str], cc: list[str], subject: str, link: str, send_id: str, viewer_id: int | None = None
) -> Card:
    """Without Graph: open the message in the user's mail app (`link`: the bot's https link to the `mailto:`,
    or the `mailto:` itself), with To, CC and Subject to copy, then log it on the record."""
    record = view.record
    body: list[Element] = [
        *record_header(record),
        text(_("Your email is ready"), weight="Bolder"),
        facts(
            [
                (_("To"), plain(", ".join(to))),
                (_("CC"), plain(", ".join(cc)) or _("nobody")),
                (_("Subject"), plain(subject)),
            ]
        ),
        subtle(_("Open it in Outlook and send it there; then log it so the team sees it on the record.")),
        *_copyable("copy_to", _("To (to copy)"), ", ".join(to)),
        *(_copyable("copy_cc", _("CC (to copy)"), ", ".join(cc)) if cc else []),
        *_copyable("copy_subject", _("Subject (to copy)"), subject),
        will_notify(view, viewer_id, EventKind.EMAIL_SENT),
        action_set(
            [
                open_url(_("Open in Outlook"), link),
                execute(
                    _("Log as sent"),
                    verbs.LOG_EMAIL,
                    {
                        "ref": record.ref,
                        "send_id": send_id,
                        "to": ", ".join(to),
                        "cc": ", ".join(cc),
                        "subject": subject,
                    },
                ),
                _back(record.ref),
            ]
        ),
    ]
    return card(body)
