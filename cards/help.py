"""The welcome, the help card, and the friendly answer to text the bot does not understand.

Both take the command table's entries as data, so the table stays in bot/handlers/commands.py."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.language import _, current, translated
from cards.common import Card, action_set, card, command_button, facts, heading, plain, section, subtle, text
from cards.elements import Action, Element

Entry = tuple[str, str]  # (usage, description) or (button title, command)


def _buttons(buttons: Sequence[Entry]) -> list[Element]:
    actions: list[Action] = [command_button(translated(title), command) for title, command in buttons]
    return [action_set(actions[i : i + 4]) for i in range(0, len(actions), 4)]


def welcome_card(buttons: Sequence[Entry]) -> Card:
    """The first card a person sees: one line and a few buttons to start with; the full list is behind Help."""
    return card(
        [
            text(_("Start with one of these, or type **help** to see everything I can do.")),
            *_buttons(buttons),
        ]
    )


def help_card(entries: Sequence[Entry], buttons: Sequence[Entry]) -> Card:
    body: list[Element] = [
        heading(_("Your CRM, right here in Teams")),
        text(
            _(
                "Every lead and opportunity keeps three kinds of people around it: the **Contact** (the main person "
                "at the customer, who gets your emails), **Other participants** (further people at the customer, "
                "copied on emails) and **Followers**, also called collaborators (colleagues who are told about "
                "every change)."
            )
        ),
        section(_("What you can type")),
        facts([(usage, translated(description)) for usage, description in entries]),
        *([] if current().language == "en" else [subtle(_("Every command works in English too."))]),
        section(_("Start here")),
        *_buttons(buttons),
    ]
    return card(body)


def unknown_card(said: str, buttons: Sequence[Entry]) -> Card:
    first_line = said.strip().splitlines()[0][:60] if said.strip() else ""
    if first_line:
        opening = _("I did not understand “{said}”. Here is what I can do:", said=plain(first_line))
    else:
        opening = _("I did not understand that. Here is what I can do:")
    return card([text(opening), *_buttons(buttons), text(_("Type **help** for the full list."))])
