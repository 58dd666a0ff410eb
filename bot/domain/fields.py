"""Custom fields: the fields an organisation's admins add to leads, opportunities (or both: `record`) and
contacts, their types, and reading what people type into them. No I/O here.

A field's values are kept as JSON beside the record (field id -> value): text and choice as the text, a
number as its exact decimal text (`25.5`), money as [minor units, currency] (bot/domain/money.py), a date as
ISO text, yes/no as true/false, a colleague as their user id. A value that cannot be read (`abc` for a
number, `1e309`, a choice not in the list) is refused with a sentence, and nothing is stored."""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.dates import parse_close_date
from bot.domain.errors import DomainError
from bot.domain.language import N_, _, current, decimal_mark, grouped
from bot.domain.models import Kind
from bot.domain.money import as_decimal, currency_code, format_money, other_digits, parse_amount
from bot.domain.rules import clean_text
from bot.domain.when import fold

MAX_FIELDS = 50  # fields per kind of thing (leads, opportunities, contacts) per organisation
MAX_CHOICES = 50
MAX_NAME = 40
MAX_CHOICE = 60
MAX_TEXT = 500
MAX_DIGITS = 15  # a number's digits before its decimal mark
MAX_DECIMALS = 6

# What the built-in fields are called (and other words a record or contact already answers to): a custom
# field may not take one of these names, compared as field_key compares them.
BUILT_IN = frozenset(
    {
        "title", "name", "company", "value", "amount", "currency", "stage", "owner", "close date", "closedate",
        "next step", "nextstep", "description", "source", "contact", "contacts", "participant", "participants",
        "followers", "follower", "ref", "reference", "kind", "created", "updated", "archived", "email", "phone",
        "job title", "jobtitle", "pipeline", "lost reason", "reason", "contact email", "buying role", "role",
        "converted to", "converted from", "id",
    }
)  # fmt: skip


class FieldType(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    CHOICE = "choice"
    YES_NO = "yes_no"
    COLLEAGUE = "colleague"

    @property
    def label(self) -> str:
        return current().gettext(_TYPE_LABELS[self])


_TYPE_LABELS = {
    FieldType.TEXT: N_("text"),
    FieldType.NUMBER: N_("number"),
    FieldType.MONEY: N_("money"),
    FieldType.DATE: N_("date"),
    FieldType.CHOICE: N_("choice"),
    FieldType.YES_NO: N_("yes/no"),
    FieldType.COLLEAGUE: N_("colleague"),
}
# The type words read whatever the reader's language (folded: lower case, accents off), English, German and
# Portuguese: the labels' translations (tests/unit/test_fields.py holds them to the catalogs).
_TYPE_WORDS = {
    "text": FieldType.TEXT, "number": FieldType.NUMBER, "money": FieldType.MONEY, "date": FieldType.DATE,
    "choice": FieldType.CHOICE, "yes/no": FieldType.YES_NO, "yesno": FieldType.YES_NO, "yes-no": FieldType.YES_NO,
    "yes_no": FieldType.YES_NO, "colleague": FieldType.COLLEAGUE,
    "zahl": FieldType.NUMBER, "geldbetrag": FieldType.MONEY, "datum": FieldType.DATE, "auswahl": FieldType.CHOICE,
    "ja/nein": FieldType.YES_NO, "kollege": FieldType.COLLEAGUE, "kollegin": FieldType.COLLEAGUE,
    "texto": FieldType.TEXT, "numero": FieldType.NUMBER, "valor": FieldType.MONEY, "montante": FieldType.MONEY,
    "data": FieldType.DATE, "escolha": FieldType.CHOICE, "sim/nao": FieldType.YES_NO, "colega": FieldType.COLLEAGUE,
}  # fmt: skip


def type_names() -> str:
    """The types, in the reader's language: `text, number, money, date, choice, yes/no, colleague`."""
    return ", ".join(t.label for t in FieldType)


class AppliesTo(enum.StrEnum):
    """What a field is on: leads, opportunities, both (`record`), or contacts."""

    LEAD = "lead"
    OPPORTUNITY = "opportunity"
    RECORD = "record"
    CONTACT = "contact"

    def covers(self, kind: Kind) -> bool:
        return self is AppliesTo.RECORD or self.value == kind.value

    def overlaps(self, other: AppliesTo) -> bool:
        """Whether a field on `self` and one on `other` would show on the same card."""
        if AppliesTo.CONTACT in (self, other):
            return self is other
        return AppliesTo.RECORD in (self, other) or self is other

    @property
    def label(self) -> str:
        return current().gettext(_APPLIES_LABELS[self])


_APPLIES_LABELS = {
    AppliesTo.LEAD: N_("leads"),
    AppliesTo.OPPORTUNITY: N_("opportunities"),
    AppliesTo.RECORD: N_("leads and opportunities"),
    AppliesTo.CONTACT: N_("contacts"),
}
_APPLIES_WORDS = {
    "lead": AppliesTo.LEAD, "leads": AppliesTo.LEAD, "opportunity": AppliesTo.OPPORTUNITY,
    "opportunities": AppliesTo.OPPORTUNITY, "record": AppliesTo.RECORD, "records": AppliesTo.RECORD,
    "contact": AppliesTo.CONTACT, "contacts": AppliesTo.CONTACT,
}  # fmt: skip


@dataclass(frozen=True)
class CustomField:
    id: int
    tenant_id: str
    applies_to: AppliesTo
    name: str
    type: FieldType
    choices: tuple[str, ...] = ()
    removed_at: str | None = None

    @property
    def key(self) -> str:
        """The field's key in a record's or contact's JSON values."""
        return str(self.id)

    @property
    def input_id(self) -> str:
        """The form input that edits it (money adds `<input_id>_currency`)."""
        return f"field_{self.id}"


@dataclass(frozen=True)
class FieldValue:
    """A field with its value on one record or contact, as a card shows it (a colleague's name looked up)."""

    field: CustomField
    value: Any
    colleague: str | None = None  # a colleague field's: their name...
    colleague_aad: str | None = None  # ...and Entra object id (what the people picker holds)


_SPACES = re.compile(r"[\s_\-]+")


def field_key(name: str) -> str:
    """How field names are compared: width, case, spaces, dashes and underscores do not matter."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def field_name(raw: str | None, field: str = "name") -> str:
    """A new field's name: one line, 1 to MAX_NAME characters, not a built-in field's name."""
    name = " ".join(clean_text(raw).split())
    if not name:
        raise DomainError(_("A field needs a name."), field)
    if len(name) > MAX_NAME:
        raise DomainError(_("A field's name can be at most {n} characters.", n=MAX_NAME), field)
    if field_key(name) in BUILT_IN:
        raise DomainError(
            _("“{name}” is already a built-in field: give your field another name.", name=name[:MAX_NAME]), field
        )
    if "," in name or name.startswith(("=", "+", "-", "@")):
        raise DomainError(_("A field's name can't hold a comma or start with =, +, - or @."), field)
    return name


def field_type(raw: str | None, field: str = "type") -> FieldType:
    found = _TYPE_WORDS.get(fold(clean_text(raw)))
    if found is None:
        raise DomainError(
            _(
                "“{type}” is not a type of field. Choose one of: {types}.",
                type=clean_text(raw)[:30],
                types=type_names(),
            ),
            field,
        )
    return found


def applies_to(raw: str | None, field: str = "applies_to") -> AppliesTo:
    found = _APPLIES_WORDS.get(clean_text(raw).casefold())
    if found is None:
        raise DomainError(
            _(
                "“{what}” is not something a field can be on. Choose one of: lead, opportunity, record, contact.",
                what=clean_text(raw)[:30],
            ),
            field,
        )
    return found


def choice_list(raw: str | None, field: str = "choices") -> tuple[str, ...]:
    """`EMEA, Americas, APAC` (commas or lines) -> the options, in order: 1 to MAX_CHOICES, each distinct."""
    options = [" ".join(clean_text(part).split()) for part in re.split(r"[,\n]", raw or "")]
    options = [o for o in options if o]
    if not options:
        raise DomainError(_("A choice field needs its choices, separated by commas: EMEA, Americas, APAC."), field)
    if len(options) > MAX_CHOICES:
        raise DomainError(
            _("A choice field can have at most {n} choices (this one has {count}).", n=MAX_CHOICES, count=len(options)),
            field,
        )
    seen: set[str] = set()
    for option in options:
        if len(option) > MAX_CHOICE:
            raise DomainError(_("A choice can be at most {n} characters.", n=MAX_CHOICE), field)
        if option.startswith(("=", "+", "-", "@")):
            raise DomainError(_("A choice can't start with =, +, - or @ (“{choice}”).", choice=option), field)
        if field_key(option) in seen:
            raise DomainError(_("“{choice}” is in the list twice.", choice=option), field)
        seen.add(field_key(option))
    return tuple(options)


# --- values ----------------------------------------------------------------------------------------

CLEAR_WORDS = ("none", "clear", "-")
_NUMBER = re.compile(r"-?(\d+)(?:[.,](\d+))?", re.ASCII)
_GROUPS = re.compile(r"(?<=\d)[,'_ \u00a0\u202f\u2019](?=\d{3}(?:\D|$))")


def number_value(raw: str, name: str, field: str) -> str:
    """`25`, `25.5`, `1,250` -> the exact decimal text; `abc`, `1e309`, `inf` and other scripts' digits are refused."""
    typed = raw.strip()
    shown = typed[:30]
    if other_digits(typed):
        raise DomainError(_("Write {field} with the digits 0-9 (“{value}”).", field=name, value=shown), field)
    match = _NUMBER.fullmatch(_GROUPS.sub("", typed))
    if not match:
        raise DomainError(
            _("“{value}” is not a number for {field}. Write it like 25 or 25.5.", value=shown, field=name), field
        )
    whole, decimals = match.group(1).lstrip("0"), match.group(2) or ""
    if len(whole) > MAX_DIGITS or len(decimals.rstrip("0")) > MAX_DECIMALS:
        raise DomainError(
            _(
                "“{value}” is too large or too precise for {field} (at most {digits} digits, {decimals} decimals).",
                value=shown, field=name, digits=MAX_DIGITS, decimals=MAX_DECIMALS,
            ),
            field,
        )  # fmt: skip
    try:
        number = Decimal(match.group(0).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise DomainError(_("“{value}” is not a number for {field}.", value=shown, field=name), field) from None
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def yes_no_value(raw: str, name: str, field: str) -> bool:
    said = clean_text(raw).casefold()
    if said in ("yes", "y", "true", "1", _("yes").casefold()):
        return True
    if said in ("no", "n", "false", "0", _("no").casefold()):
        return False
    raise DomainError(_("{field} is yes or no (“{value}”).", field=name, value=clean_text(raw)[:30]), field)


def choice_value(custom: CustomField, raw: str, field: str) -> str:
    said = field_key(raw)
    found = next((o for o in custom.choices if field_key(o) == said), None)
    if found is None:
        listed = ", ".join(custom.choices[:10]) + (", …" if len(custom.choices) > 10 else "")
        raise DomainError(
            _(
                "“{value}” is not one of the choices of {field}: {choices}.",
                value=clean_text(raw)[:MAX_CHOICE], field=custom.name, choices=listed,
            ),
            field,
        )  # fmt: skip
    return found


def date_value(raw: str, name: str, field: str, today: date) -> str:
    try:
        return parse_close_date(raw, today, field).isoformat()
    except DomainError:
        raise DomainError(
            _("“{value}” is not a date for {field}. Write it like 2027-03-31.", value=raw.strip()[:30], field=name),
            field,
        ) from None


def money_value(raw: str, currency: str | None, name: str, field: str) -> list[Any]:
    """`25000 EUR`, `EUR 25000`, or an amount in `currency` -> [minor units, currency]."""
    words = raw.split()
    named: str | None
    if len(words) >= 2 and words[-1].isalpha():
        amount, named = " ".join(words[:-1]), words[-1]
    elif len(words) >= 2 and words[0].isalpha():
        amount, named = " ".join(words[1:]), words[0]
    else:
        amount, named = raw, currency
    if not named:
        raise DomainError(_("Which currency for {field}? Add its code, e.g. 25000 EUR.", field=name), field)
    code = currency_code(named, field)
    return [parse_amount(amount, code, field), code]


def read_value(
    custom: CustomField, raw: str | None, today: date, currency: str | None = None, field: str | None = None
) -> Any:
    """What a person typed for a field (a colleague aside: the service looks them up) -> the value to keep;
    None clears it. A value that does not fit the field's type is refused with a sentence."""
    field = field or custom.input_id
    said = clean_text(raw)
    if not said or said.casefold() in CLEAR_WORDS:
        return None
    kind = custom.type
    if kind is FieldType.TEXT:
        if len(said) > MAX_TEXT:
            raise DomainError(_("{field} can be at most {n} characters.", field=custom.name, n=MAX_TEXT), field)
        return " ".join(said.split())
    if kind is FieldType.NUMBER:
        return number_value(said, custom.name, field)
    if kind is FieldType.MONEY:
        return money_value(said, currency, custom.name, field)
    if kind is FieldType.DATE:
        return date_value(said, custom.name, field, today)
    if kind is FieldType.CHOICE:
        return choice_value(custom, said, field)
    if kind is FieldType.YES_NO:
        return yes_no_value(said, custom.name, field)
    raise DomainError(_("Pick a colleague for {field}.", field=custom.name), field)


def well_formed(custom: CustomField, value: Any) -> bool:
    """Whether a stored value still fits its field (a choice taken off the list no longer shows)."""
    kind = custom.type
    if kind in (FieldType.TEXT, FieldType.NUMBER, FieldType.DATE):
        return isinstance(value, str) and bool(value)
    if kind is FieldType.CHOICE:
        return isinstance(value, str) and value in custom.choices
    if kind is FieldType.MONEY:
        return isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)
    if kind is FieldType.YES_NO:
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool)


def shown(value: FieldValue, locale: str | None = None) -> str:
    """A value as a person reads it (grouped and written the reader's way)."""
    kind, stored = value.field.type, value.value
    if kind is FieldType.MONEY:
        return format_money(int(stored[0]), str(stored[1]), locale)
    if kind is FieldType.NUMBER:
        return number_shown(str(stored))
    if kind is FieldType.DATE:
        return current().day(str(stored))
    if kind is FieldType.YES_NO:
        return _("yes") if stored else _("no")
    if kind is FieldType.COLLEAGUE:
        return value.colleague or _("a former colleague")
    return str(stored)


def number_shown(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    whole, _dot, decimals = text.lstrip("-").partition(".")
    locale = current().locale
    return sign + grouped(int(whole or "0"), locale) + (decimal_mark(locale) + decimals if decimals else "")


def typed(value: FieldValue) -> str:
    """A value as a form's input holds it, and as an export's cell writes it (what reads back the same)."""
    kind, stored = value.field.type, value.value
    if kind is FieldType.MONEY:
        return f"{as_decimal(int(stored[0]), str(stored[1]))} {stored[1]}"
    if kind is FieldType.YES_NO:
        return "yes" if stored else "no"
    if kind is FieldType.COLLEAGUE:
        return value.colleague or ""
    return str(stored)


def form_value(value: FieldValue) -> str:
    """A value as its form input starts: a colleague as the people picker holds them, the rest as typed."""
    if value.field.type is FieldType.COLLEAGUE:
        return value.colleague_aad or ""
    return typed(value)


def values_of(raw_json: str | None) -> dict[str, Any]:
    """A record's or contact's stored values (field id as text -> value); {} for none or unreadable."""
    if not raw_json:
        return {}
    try:
        found = json.loads(raw_json)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def encoded(values: Mapping[str, Any]) -> str | None:
    kept = {k: v for k, v in values.items() if v is not None}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if kept else None


def search_text(fields: Iterable[CustomField], values: Mapping[str, Any]) -> str | None:
    """The text and choice values `find` matches, one line."""
    words = [str(values[f.key]) for f in fields if f.type in (FieldType.TEXT, FieldType.CHOICE) and values.get(f.key)]
    return " ".join(words) or None


def present(
    fields: Iterable[CustomField], values: Mapping[str, Any], people: Mapping[int, tuple[str, str | None]]
) -> list[FieldValue]:
    """The fields that have a value, in the fields' order, each value checked against its field (`people`: the
    colleagues named, by user id: name and Entra object id)."""
    found = []
    for custom in fields:
        value = values.get(custom.key)
        if value is not None and well_formed(custom, value):
            name, aad = people.get(value, (None, None)) if custom.type is FieldType.COLLEAGUE else (None, None)
            found.append(FieldValue(custom, value, name, aad))
    return found


def covering(fields: Iterable[CustomField], kind: Kind | None) -> list[CustomField]:
    """The fields on a lead or an opportunity (`kind`), or on contacts (None)."""
    if kind is None:
        return [f for f in fields if f.applies_to is AppliesTo.CONTACT]
    return [f for f in fields if f.applies_to is not AppliesTo.CONTACT and f.applies_to.covers(kind)]


def colleague_ids(fields: Iterable[CustomField], values: Mapping[str, Any]) -> list[int]:
    ids = [values.get(f.key) for f in fields if f.type is FieldType.COLLEAGUE]
    return sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})
