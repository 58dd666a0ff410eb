"""The reader's language: English, German, Portuguese (Portugal) and Portuguese (Brazil), resolved from the
locale Teams reports (`clientInfo`), and the translator a turn speaks through.

Messages are gettext catalogs (`locales/<language>/LC_MESSAGES/messages.po`, kept by `make messages`),
compiled in memory the first time a language is read, so English turns load nothing. Code writes English
msgids with named placeholders and passes the values separately: `_("Owner: {name}", name=plain(name))`
translates first, then fills in, so a person's text is never part of a msgid and is escaped exactly once
(by the caller, where it meets a card). Texts made at import time are marked `N_("...")` and translated
where they are read.

The turn's translator lives in a context variable: the Teams layer sets the reader's on every turn, the
sender a recipient's around each notification it builds (`speaking(locale)`); threads started through
`run` see it. A locale that is not one we know, or not a locale at all (`xx`, `de_DE`, `../../etc`, 200
characters), is English, and is only ever compared with a fixed table: never used as a path."""

from __future__ import annotations

import functools
import gettext
import io
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ENGLISH = "en"
GERMAN = "de"
PORTUGAL = "pt-PT"
BRAZIL = "pt-BR"
LANGUAGES: tuple[str, ...] = (ENGLISH, GERMAN, PORTUGAL, BRAZIL)
# The catalog folder of each language beside English (gettext's names), and the locale of its numbers.
CATALOGS: dict[str, str] = {GERMAN: "de", PORTUGAL: "pt_PT", BRAZIL: "pt_BR"}
LOCALES = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
MAX_TAG = 35  # BCP 47 tags Teams sends are short (`en-US`, `zh-Hant-TW`); anything longer is not one
_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")


def valid_tag(raw: object) -> str | None:
    """A BCP 47 language tag as Teams sends it (`de-AT`, `pt-BR`), or None: `de_DE`, `../x`, 200 characters."""
    if isinstance(raw, str) and len(raw) <= MAX_TAG and _TAG.fullmatch(raw):
        return raw
    return None


def language_of(tag: str | None) -> str:
    """`de-AT`, `de-CH` -> `de`; `pt-BR` and plain `pt` (CLDR's `pt` is Brazil's) -> `pt-BR`; `pt-PT` and
    Portuguese elsewhere (`pt-AO`, `pt-MZ`, which write as Portugal does) -> `pt-PT`; anything else -> `en`."""
    found = valid_tag(tag)
    if found is None:
        return ENGLISH
    parts = found.lower().split("-")
    regions = [p for p in parts[1:] if len(p) == 2 or (len(p) == 3 and p.isdigit())]
    region = regions[0] if regions else ""
    if parts[0] == "de":
        return GERMAN
    if parts[0] == "pt":
        return BRAZIL if region in ("", "br") else PORTUGAL
    return ENGLISH


@functools.lru_cache(maxsize=256)  # keys are valid tags only (at most 35 characters)
def numbers_locale(tag: str | None) -> str:
    """The Babel locale numbers and dates are written in: the reader's own (`de-CH` groups with ’, `fr-FR`
    with a narrow space, even in English), else their language's."""
    found = valid_tag(tag)
    fallback = CATALOGS.get(language_of(found), ENGLISH)
    if found is None or found in ("en", "en-US"):
        return fallback
    from babel import Locale, UnknownLocaleError  # only when a locale is first seen

    try:
        return str(Locale.parse(found, sep="-"))
    except (UnknownLocaleError, ValueError, TypeError):
        return fallback


# CLDR's English (tests/unit/test_language.py checks it against Babel's): an English turn imports no Babel.
ENGLISH_NUMBERS = (",", ".", 3, 3)


@functools.lru_cache(maxsize=64)
def _symbols(locale: str) -> tuple[str, str, int, int]:
    """The locale's group separator, decimal mark and group sizes (Babel's CLDR data): `de` -> `.`, `,`;
    `fr` -> a narrow no-break space; `de_CH` -> `’`; `en_IN` groups 12,34,567."""
    if locale == ENGLISH:
        return ENGLISH_NUMBERS
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol, parse_pattern  # lazily

    group = get_group_symbol(locale)
    # CLDR writes Switzerland's apostrophe as U+0027, which Babel strips when a number has two of them
    # (1'234'567 -> 1234567): the typographic one reads the same and survives.
    group = "\u2019" if group == "'" else group
    first, rest = parse_pattern(Locale.parse(locale).decimal_formats[None]).grouping
    return group, get_decimal_symbol(locale), first, rest


def grouped(whole: int, locale: str) -> str:
    """A whole number with the locale's grouping (`1.234.567` in `de`, `12,34,567` in `en_IN`), exactly."""
    group, _mark, first, rest = _symbols(locale)
    sign, digits = ("-" if whole < 0 else ""), str(abs(whole))
    if len(digits) <= first:
        return sign + digits
    head, tail = digits[:-first], [digits[-first:]]
    while len(head) > rest:
        head, tail = head[:-rest], [head[-rest:], *tail]
    return sign + group.join([head, *tail])


def decimal_mark(locale: str) -> str:
    return _symbols(locale)[1]


def _fields(message: str) -> set[str]:
    """The named placeholders of a message (`{name}`); `{{` is a literal brace."""
    try:
        return {name for _text, name, _spec, _conv in string.Formatter().parse(message) if name is not None}
    except ValueError:
        return {"<malformed>"}


def placeholders(message: str) -> frozenset[str]:
    return frozenset(_fields(message))


def _filled(translated: str, original: str, values: dict[str, object]) -> str:
    """The translation with its values; a translation whose placeholders are wrong falls back to English
    (the catalogs' test keeps this from happening; a person never sees a traceback or a `{name}`)."""
    if not values:
        return translated
    try:
        return translated.format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return original.format_map(values)


@dataclass(frozen=True)
class Translator:
    """One reader's language: `gettext`, `ngettext` and `pgettext` translate, then fill in named values."""

    language: str = ENGLISH
    locale: str = ENGLISH  # Babel's name of the reader's locale, for numbers, money and dates
    tag: str | None = None  # the locale as Teams sent it (valid), stored as the person's latest
    catalog: gettext.NullTranslations = field(default_factory=gettext.NullTranslations, compare=False)

    def gettext(self, message: str, /, **values: object) -> str:
        return _filled(self.catalog.gettext(message), message, values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """`n` is a value of the message too: `ngettext("{n} deal", "{n} deals", 3)`."""
        values.setdefault("n", n)
        english = singular if n == 1 else plural
        return _filled(self.catalog.ngettext(singular, plural, n), english, values)

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        """A short word that means different things in different places (`pgettext("stage", "New")`)."""
        return _filled(self.catalog.pgettext(context, message), message, values)

    def number(self, value: int) -> str:
        """A count or an amount in whole units, grouped the reader's way."""
        return grouped(value, self.locale)

    def full_day(self, when: date) -> str:
        """`Monday 07 December 2026`; `Montag, 7. Dezember 2026`; `segunda-feira, 7 de dezembro de 2026`."""
        if self.language == ENGLISH:
            return f"{when:%A %d %B %Y}"
        from babel.dates import format_date

        return str(format_date(when, "full", self.locale))

    def weekday(self, index: int) -> str:
        """Monday (0) to Sunday (6) in the reader's language (CLDR's names: `Montag`, `segunda-feira`)."""
        from babel.dates import get_day_names

        return str(get_day_names("wide", locale=self.locale)[index])

    def day(self, iso: str | None) -> str:
        """A calendar day (`2027-03-31`) the reader's way (CLDR's medium date): as it is in English (what people
        type back), `31.03.2027` in German, `31/03/2027` in Portugal, `31 de mar. de 2027` in Brazil. Anything
        not a day stays as it is."""
        if not iso or self.language == ENGLISH:
            return iso or ""
        from babel.dates import format_date

        try:
            return format_date(date.fromisoformat(iso[:10]), "medium", self.locale)
        except ValueError:
            return iso


@functools.lru_cache(maxsize=len(CATALOGS))
def _catalog(language: str) -> gettext.NullTranslations:
    """The language's catalog, read from its .po and compiled in memory once per process (English: none)."""
    folder = CATALOGS.get(language)
    if folder is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo  # only when the language is first needed
    from babel.messages.pofile import read_po

    with (LOCALES / folder / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=folder, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.lru_cache(maxsize=256)
def translator(tag: str | None) -> Translator:
    """The translator for a locale as Teams reports it (None or anything malformed: English)."""
    found = valid_tag(tag)
    language = language_of(found)
    if language == ENGLISH and found in (None, "en", "en-US"):
        return Translator(ENGLISH, ENGLISH, found)  # the common case: no Babel, no catalog
    return Translator(language, numbers_locale(found), found, _catalog(language))


ENGLISH_TRANSLATOR = Translator()
_CURRENT: ContextVar[Translator] = ContextVar("translator", default=ENGLISH_TRANSLATOR)


def current() -> Translator:
    """The translator of the turn (the reader's) or of the notification being built (its recipient's)."""
    return _CURRENT.get()


def speak(tag: str | None) -> Translator:
    """From now on in this context (the rest of the turn), speak the language of `tag`."""
    found = translator(valid_tag(tag))
    _CURRENT.set(found)
    return found


@contextmanager
def speaking(tag: str | None) -> Iterator[Translator]:
    """Within the block, speak the language of `tag` (a notification's recipient, a channel's setter)."""
    token = _CURRENT.set(translator(valid_tag(tag)))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)


def _(message: str, /, **values: object) -> str:
    """`message` in the current language, then its `{named}` values filled in."""
    return _CURRENT.get().gettext(message, **values)


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    return _CURRENT.get().ngettext(singular, plural, n, **values)


def pgettext(context: str, message: str, /, **values: object) -> str:
    return _CURRENT.get().pgettext(context, message, **values)


def day(iso: str | None) -> str:
    """A calendar day in the current language (`Translator.day`)."""
    return _CURRENT.get().day(iso)


def translated(marked: str, /, **values: object) -> str:
    """A text marked `N_` where it was made (a stage, a role, a command's description), in the current
    language; any other text comes back as it is."""
    return _CURRENT.get().gettext(marked, **values)


def N_(message: str) -> str:  # gettext's name for "mark for extraction, translate later"
    """Marks a text made at import time (a table's label) for the catalogs; translate it with `_` when read."""
    return message
