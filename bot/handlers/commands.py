"""The text commands: one table that the parser, the `help` card and the manifest all read."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.domain.language import N_, _, current
from bot.domain.models import Mentioned, Place
from bot.handlers.command_words import LOCALIZED

MAX_MESSAGE_CHARS = 8000  # longer than any real command; a 100 KB paste is refused before parsing


class Args(enum.Enum):
    NONE = "none"  # nothing after the command
    TEXT = "text"  # optional free text
    REF = "ref"  # a record reference
    REF_TEXT = "ref_text"  # a record reference, then free text


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    description: str
    args: Args
    button: bool = False  # shown as a button on the help card (works without arguments)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", "help", N_("What I can do, with buttons"), Args.NONE, button=False),
    CommandSpec("new lead", "new lead ‹title›", N_("Create a lead (without a title: a form)"), Args.TEXT, button=True),
    CommandSpec(
        "new opportunity",
        "new opportunity ‹title›",
        N_("Create an opportunity (without a title: a form)"),
        Args.TEXT,
        button=True,
    ),
    CommandSpec(
        "new contact",
        "new contact ‹name› ‹email›",
        N_("Add a contact (without details: a form)"),
        Args.TEXT,
        button=True,
    ),
    CommandSpec("contacts", "contacts [text]", N_("List or search your contacts"), Args.TEXT, button=True),
    CommandSpec("leads", "leads", N_("The latest leads"), Args.NONE, button=True),
    CommandSpec("opportunities", "opportunities", N_("The latest opportunities"), Args.NONE, button=True),
    CommandSpec("my", "my", N_("Records you own or follow"), Args.NONE, button=True),
    CommandSpec("show", "show ‹ref›", N_("Show a record, e.g. show L-3"), Args.REF),
    CommandSpec("find", "find ‹text›", N_("Search records and contacts"), Args.TEXT),
    CommandSpec("contact", "contact ‹ref› ‹name or email›", N_("Set the record's Contact"), Args.REF_TEXT),
    CommandSpec("participant", "participant ‹ref› ‹name or email›", N_("Add an Other participant"), Args.REF_TEXT),
    CommandSpec(
        "remove participant",
        "remove participant ‹ref› ‹name or email›",
        N_("Remove an Other participant"),
        Args.REF_TEXT,
    ),
    CommandSpec(
        "role",
        "role ‹ref› ‹name or email› ‹role›",
        N_("Set a customer person's buying role (Decision maker, Economic buyer, ...; none clears it)"),
        Args.REF_TEXT,
    ),
    CommandSpec(
        "follow",
        "follow ‹ref› [for 30 days | for 7 days]",
        N_("Follow a record until the deal closes, or for 30 or 7 days: hear of every change"),
        Args.REF,
    ),
    CommandSpec(
        "unfollow",
        "unfollow ‹ref› [keep access | leave]",
        N_("Stop following a record (a private one: keep your access to it, or leave it)"),
        Args.REF,
    ),
    CommandSpec("following", "following", N_("Records you follow"), Args.NONE, button=True),
    CommandSpec("comment", "comment ‹ref› ‹text›", N_("Add a comment to a record"), Args.REF_TEXT),
    CommandSpec("stage", "stage ‹ref› ‹stage›", N_("Move a record to another stage"), Args.REF_TEXT),
    CommandSpec("convert", "convert ‹ref›", N_("Turn a lead into an opportunity"), Args.REF),
    CommandSpec("email", "email ‹ref›", N_("Write to the record's Contact"), Args.REF),
    CommandSpec(
        "meet",
        "meet ‹ref› ‹when› [for ‹minutes›]",
        N_("Schedule a Teams meeting with the record's people"),
        Args.REF_TEXT,
    ),
    CommandSpec(
        "notifications", "notifications", N_("Notifications waiting or failed; send failed ones again"), Args.NONE
    ),
    CommandSpec(
        "value", "value ‹ref› ‹amount› [currency]", N_("Set the deal's value, e.g. value L-3 25000 EUR"), Args.REF_TEXT
    ),
    CommandSpec(
        "task",
        "task ‹ref› ‹text› [due ‹when›] [for ‹colleague›]",
        N_("Add a next step: due 2027-03-31 14:30, tomorrow 9:00, next friday, in 2 hours"),
        Args.REF_TEXT,
    ),
    CommandSpec(
        "tasks",
        "tasks [ref]",
        N_("Your open next steps (overdue, today, upcoming), or a record's"),
        Args.TEXT,
        button=True,
    ),
    CommandSpec("done", "done ‹task› [note]", N_("Mark a next step done, e.g. done T-3"), Args.TEXT),
    CommandSpec(
        "my day", "my day [on | off]", N_("Your overdue and today's tasks at the start of each working day"), Args.TEXT
    ),
    CommandSpec(
        "quiet after",
        "quiet after ‹stage› ‹days›",
        N_("Days without activity after which a deal of that stage is flagged quiet (for everyone)"),
        Args.TEXT,
    ),
    CommandSpec(
        "close", "close ‹ref› ‹date›", N_("Expected close date: 2027-03-31, next friday, end of quarter"), Args.REF_TEXT
    ),
    CommandSpec("rename", "rename ‹ref› ‹title›", N_("Give a record a new title"), Args.REF_TEXT),
    CommandSpec("company", "company ‹ref› ‹name›", N_("Set the record's company"), Args.REF_TEXT),
    CommandSpec("next", "next ‹ref› ‹next step›", N_("Set the record's next step (one line)"), Args.REF_TEXT),
    CommandSpec(
        "currency", "currency [code]", N_("Your organisation's default currency; with a code, change it"), Args.TEXT
    ),
    CommandSpec("owner", "owner ‹ref› ‹colleague›", N_("Hand a record to a colleague (name or email)"), Args.REF_TEXT),
    CommandSpec(
        "visibility",
        "visibility ‹ref› everyone | private | team ‹team name›",
        N_("Who can see a record (its owner or an admin changes it); visibility default ‹...› for new ones (admins)"),
        Args.TEXT,
    ),
    CommandSpec(
        "share", "share ‹ref› ‹colleague›", N_("Let a colleague see a private record (they follow it)"), Args.REF_TEXT
    ),
    CommandSpec(
        "unshare", "unshare ‹ref› ‹colleague›", N_("End a colleague's own access to a private record"), Args.REF_TEXT
    ),
    CommandSpec("archive", "archive ‹ref›", N_("Put a record away: out of lists and searches"), Args.REF),
    CommandSpec("restore", "restore ‹ref›", N_("Bring an archived record back"), Args.REF),
    CommandSpec("edit contact", "edit contact ‹name or email›", N_("Correct a contact's details (a form)"), Args.TEXT),
    CommandSpec(
        "merge contacts", "merge contacts ‹email› into ‹email›", N_("Merge two entries for one person"), Args.TEXT
    ),
    CommandSpec(
        "delete contact", "delete contact ‹name or email›", N_("Delete a contact who is on no open record"), Args.TEXT
    ),
    CommandSpec(
        "erase contact",
        "erase contact ‹email›",
        N_("Erase a person's data everywhere (data-protection request)"),
        Args.TEXT,
    ),
    CommandSpec("export contacts", "export contacts", N_("Your organisation's contacts as a CSV file"), Args.NONE),
    CommandSpec("export records", "export records", N_("Leads and opportunities as a CSV file"), Args.NONE),
    CommandSpec(
        "working hours",
        "working hours [on | off | 09:00-17:30]",
        N_("Notifications only in your working hours (Monday to Friday), or at any time"),
        Args.TEXT,
    ),
    CommandSpec(
        "pipeline",
        "pipeline [mine | ‹colleague›] [this quarter | next quarter]",
        N_("Open deals by stage as a chart, weighted; in a channel, pipeline weekly here posts it every Monday"),
        Args.TEXT,
        button=True,
    ),
    CommandSpec(
        "pipelines", "pipelines", N_("Your organisation's pipelines, their stages and lost reasons"), Args.NONE
    ),
    CommandSpec(
        "pipeline add",
        "pipeline add ‹name›: ‹stage› ‹chance›%, ...",
        N_("Admins: a new pipeline, e.g. pipeline add Renewals: Due 30%, Quoted 60%, Agreed 90%"),
        Args.TEXT,
    ),
    CommandSpec(
        "pipeline delete", "pipeline delete ‹name›", N_("Admins: delete a pipeline that holds no deal"), Args.TEXT
    ),
    CommandSpec("move", "move ‹ref› ‹pipeline› [stage]", N_("Move an opportunity to another pipeline"), Args.REF_TEXT),
    CommandSpec(
        "reason",
        "reason ‹ref› ‹reason›",
        N_("Why a deal was lost: a reason of your list, or Other and a few words"),
        Args.REF_TEXT,
    ),
    CommandSpec(
        "lost reasons",
        "lost reasons [reason, reason, ...]",
        N_("The reasons deals are lost for (admins: change them)"),
        Args.TEXT,
    ),
    CommandSpec("fields", "fields", N_("Your organisation's custom fields"), Args.NONE),
    CommandSpec(
        "field add",
        "field add ‹lead|opportunity|record|contact› ‹name› ‹type› [choices]",
        N_("Admins: a custom field, e.g. field add opportunity Region choice EMEA, Americas, APAC"),
        Args.TEXT,
    ),
    CommandSpec("field rename", "field rename ‹name› to ‹new name›", N_("Admins: rename a custom field"), Args.TEXT),
    CommandSpec(
        "field remove",
        "field remove ‹name›",
        N_("Admins: remove a custom field (the timeline keeps its values)"),
        Args.TEXT,
    ),
    CommandSpec(
        "set", "set ‹ref› ‹field› ‹value›", N_("Fill in a custom field, e.g. set O-3 Region EMEA"), Args.REF_TEXT
    ),
    CommandSpec("admins", "admins", N_("Who administers the CRM in your organisation"), Args.NONE),
)


def spec_named_early(name: str) -> CommandSpec:
    return next(c for c in COMMANDS if c.name == name)


def local_name(spec: CommandSpec, language: str) -> str:
    """The command as the reader's language names it (English: its own name)."""
    return LOCALIZED.get(language, {}).get(spec.name, (spec.name, spec.usage))[0]


def local_usage(spec: CommandSpec, language: str) -> str:
    return LOCALIZED.get(language, {}).get(spec.name, (spec.name, spec.usage))[1]


# Every name a command is understood by, in any of our languages -> its spec (English's own names win).
_NAMES: dict[str, CommandSpec] = {}
for _spec in COMMANDS:
    _NAMES[_spec.name] = _spec
for _table in LOCALIZED.values():
    for _english, (_word, _usage) in _table.items():
        _NAMES.setdefault(" ".join(_word.casefold().split()), spec_named_early(_english))
_BY_LENGTH = sorted(_NAMES, key=lambda name: -len(name))
_PATTERN = re.compile(
    r"^(" + "|".join(r"\s+".join(map(re.escape, name.split())) for name in _BY_LENGTH) + r")(?:\s+(.*))?$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class ParsedCommand:
    spec: CommandSpec
    ref: str = ""
    text: str = ""
    mentioned: tuple[Mentioned, ...] = ()  # colleagues @mentioned in the message (not the bot)
    place: Place | None = None  # the conversation it came from

    @property
    def name(self) -> str:
        return self.spec.name


class TooLong(ValueError):
    """The message is far longer than any command."""


def spec_named(name: str) -> CommandSpec:
    return next(c for c in COMMANDS if c.name == name)


def parse(text: str) -> ParsedCommand | None:
    """Text (mention already removed) -> the command and its arguments, or None if it is none."""
    if len(text) > MAX_MESSAGE_CHARS:
        raise TooLong(
            _("That message has {n} characters; commands are much shorter than that.", n=current().number(len(text)))
        )
    match = _PATTERN.match(text.strip())
    if not match:
        return None
    spec = _NAMES[" ".join(match.group(1).casefold().split())]
    rest = (match.group(2) or "").strip()
    if spec.args is Args.NONE:
        return ParsedCommand(spec) if not rest else None
    if spec.args is Args.TEXT:
        return ParsedCommand(spec, text=rest)
    words = rest.split(None, 1)
    ref = words[0] if words else ""
    remainder = words[1] if len(words) > 1 else ""
    return ParsedCommand(spec, ref=ref, text=remainder.strip())
