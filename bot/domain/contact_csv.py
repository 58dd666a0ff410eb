"""Reading a contacts CSV file: Outlook's export, Google's, or a plain `name,email,company,phone,job title`
header. No I/O: bytes in, rows to import and rows refused (with why) out.

Choices (documented in docs/ as well):
- Encoding: UTF-8 with or without its BOM, UTF-16 with its BOM (Excel's "Unicode text"), else Windows-1252
  (Excel's "CSV" on Western Windows). Bytes that are none of these, NUL bytes outside UTF-16, or the magic
  number of a zip (xlsx), PNG, PDF, GIF, JPEG or OLE (xls) file: "not a CSV file".
- Read strictly as CSV (RFC 4180 quoting): a quote that is never closed, or text after a closing quote, refuses the
  file with the row it starts in, rather than importing what a lenient reader would make of it (a name holding
  the rest of the file).
- Limits: MAX_IMPORT_BYTES (5 MB, checked while downloading) and MAX_IMPORT_ROWS (5,000 data rows).
- A cell a spreadsheet would run (starting with =, @, tab or CR, or + / - unless the cell is a phone number)
  refuses its row: the file may be a formula-injection attempt, and a contact should not carry one into
  the CRM (where an export would neutralise it, but other tools reading our data might not). The check reads
  the cell as it would be stored (control characters dropped, spaces of every kind trimmed), so a formula
  behind a vertical tab, a no-break space or U+2028 is refused like any other.
- A cell our export neutralised (bot/domain/spreadsheet.py: one ' before a value that, its own leading 's
  aside, starts with one of those characters) is data: read without that one ', never refused, so our own
  export imports back unchanged (a company "-", a job title "+1 Team").
- Outlook's "Title" column is a courtesy title (Mr, Dr), not a job title: it is not read.
- A row without a name takes its email as the name; a row without both is refused; an email seen earlier in
  the file is refused (the first row wins)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from bot.domain.errors import DomainError
from bot.domain.language import N_, _, current
from bot.domain.rules import MAX_FIELD, MAX_NAME, clean_text, is_valid_email

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5_000
FIELDS = ("name", "email", "company", "phone", "job_title")
_LIMITS = {"name": MAX_NAME, "email": 254, "company": MAX_FIELD, "phone": 50, "job_title": MAX_FIELD}

# Header names (compared case-insensitively, spaces and punctuation ignored) -> our field. Outlook's export
# splits the name in three; Google's has "Name" and, in older exports, Given/Family Name.
_COLUMNS = {
    "name": "name", "fullname": "name", "displayname": "name", "contact": "name", "contactname": "name",
    "firstname": "first", "givenname": "first", "middlename": "middle", "additionalname": "middle",
    "lastname": "last", "familyname": "last", "surname": "last",
    "email": "email", "emailaddress": "email", "email1value": "email", "primaryemail": "email",
    "company": "company", "organization": "company", "organisation": "company", "organization1name": "company",
    "account": "company", "accountname": "company",
    "phone": "phone", "phonenumber": "phone", "businessphone": "phone", "mobilephone": "phone",
    "phone1value": "phone", "telephone": "phone", "mobile": "phone",
    "jobtitle": "job_title", "organization1title": "job_title", "position": "job_title",
    # German and Portuguese column names (our own export's in each language among them), accents folded
    "vollstandigername": "name", "anzeigename": "name", "kontakt": "name", "nome": "name", "nomecompleto": "name",
    "contacto": "name", "contato": "name", "vorname": "first", "primeironome": "first", "nomeproprio": "first",
    "nachname": "last", "familienname": "last", "apelido": "last", "sobrenome": "last", "ultimonome": "last",
    "emailadresse": "email", "mail": "email", "correioeletronico": "email", "enderecodeemail": "email",
    "firma": "company", "unternehmen": "company", "empresa": "company", "organizacao": "company",
    "telefon": "phone", "telefonnummer": "phone", "mobiltelefon": "phone", "handy": "phone", "telefone": "phone",
    "telemovel": "phone", "celular": "phone", "berufsbezeichnung": "job_title", "cargo": "job_title",
    "funcao": "job_title",
}  # fmt: skip
_MAGIC = (b"PK\x03\x04", b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0", b"\x1f\x8b")
_RUNS = ("=", "@", "\t", "\r", "+", "-")
_PHONE = re.compile(r"[+\-]?[\d\s().\-/]{3,40}(?:\s*(?:x|ext\.?)\s*\d{1,6})?", re.IGNORECASE)


class NotReadable(DomainError):
    """The file as a whole cannot be imported; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class ImportRow:
    line: int  # the row's number as a spreadsheet shows it (the header is row 1)
    name: str
    email: str | None = None
    company: str | None = None
    phone: str | None = None
    job_title: str | None = None
    custom: tuple[tuple[str, str], ...] = ()  # (custom field's id, the cell as typed) for its column's cells


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    refused: dict[str, list[int]] = field(default_factory=dict)  # reason -> row numbers

    def refuse(self, reason: str, line: int) -> None:
        self.refused.setdefault(reason, []).append(line)

    @property
    def refused_count(self) -> int:
        return sum(len(lines) for lines in self.refused.values())


@dataclass(frozen=True)
class ImportPreview:
    """What a file would do: new contacts, rows matching an existing email, refusals; `import_id` names the
    pending import kept server-side (None: nothing to import)."""

    import_id: str | None
    file_name: str
    new: int
    matching: int
    refused: dict[str, list[int]]
    first_rows: tuple[ImportRow, ...]


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    skipped: int


@dataclass(frozen=True)
class FileOffer:
    """A file the bot offers to send (Teams asks the person first): its name, a description and its size."""

    name: str
    description: str
    size: int
    what: str  # "contacts" or "records": built again, fresh, when the person accepts
    offer_id: str = ""  # the offer kept server-side (file_offers): its consent card's answer names it


@dataclass(frozen=True)
class Offered:
    """An offer the person answers: what it was, where its consent card is (to replace it once answered)."""

    offer_id: str
    what: str
    status: str
    conversation_id: str | None
    message_id: str | None


# Why a row is refused: stored with a pending import as they are (English), shown through `translated`.
NO_NAME = N_("No name or email")
FORMULA = N_("A cell would run as a spreadsheet formula")
BAD_EMAIL = N_("Not a valid email")
DUPLICATE = N_("The same email appears earlier in the file")
TOO_LONG = N_("A value is too long")
BAD_VALUE = N_("A value does not fit its custom field")


def decode(data: bytes) -> str:
    """The file's text, or NotReadable (see the module's choices)."""
    if not data.strip():
        raise NotReadable(_("The file is empty."))
    if data.startswith(_MAGIC):
        raise NotReadable(_("That is not a CSV file (it looks like a spreadsheet, image or archive). Save it as CSV."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise NotReadable(_("That is not a CSV file I can read (broken UTF-16).")) from None
    if b"\x00" in data:
        raise NotReadable(_("That is not a CSV file: it holds binary data."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise NotReadable(_("That is not a CSV file: it holds bytes that are not text.")) from None
    if sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t") > 0:
        raise NotReadable(_("That is not a CSV file: it holds binary data."))
    return text


def _key(header: str) -> str:
    """`E-Mail`, `email_address`, `Organização` -> `email`, `emailaddress`, `organizacao`."""
    folded = unicodedata.normalize("NFKD", clean_text(header).casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in folded if not unicodedata.combining(c)))


def is_column_name(name: str) -> bool:
    """Whether a contacts file's column of this name is read as a built-in field (Email, Organization, Mobile...)."""
    return _key(name) in _COLUMNS


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        target = _COLUMNS.get(_key(title))
        if target is not None and target not in found:
            found[target] = index
    return found


def runs_in_spreadsheet(value: str) -> bool:
    """Whether a spreadsheet would treat the cell as a formula (a phone number such as +44 ... is data)."""
    return value.startswith(_RUNS) and not (value[0] in "+-" and _PHONE.fullmatch(value))


def neutralised_cell(value: str) -> bool:
    """Whether a cleaned cell is one our export neutralised: ' before what a spreadsheet would run."""
    return value.startswith("'") and value.lstrip("'").startswith(_RUNS)


def unquoted(value: str) -> str:
    """A neutralised cell's value (its one added ' taken off); any other cell as it is."""
    return clean_text(value[1:]) if neutralised_cell(value) else value


def custom_columns(header: list[str], names: dict[str, str]) -> dict[str, int]:
    """The columns named like a custom field (`names`: field name -> its id), as the built-in ones are matched."""
    wanted = {_key(name): field_id for name, field_id in names.items()}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        field_id = wanted.get(_key(title))
        if field_id is not None and field_id not in found and _key(title) not in _COLUMNS:
            found[field_id] = index
    return found


def parse(data: bytes, custom: dict[str, str] | None = None) -> ParsedFile:
    """Every data row of the file: to import, or refused with why. NotReadable for the file as a whole. `custom`:
    the contacts' custom fields (name -> id), read from the columns named like them."""
    text = decode(data)
    number = 1  # the row being read, as a spreadsheet numbers it (the header is row 1)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
        if header is None:
            raise NotReadable(_("The file is empty."))
        columns = _columns(header)
        extra = custom_columns(header, custom or {})
        if "email" not in columns and not {"name", "first", "last"} & set(columns):
            raise NotReadable(
                _(
                    "The file has no column I know. Use Outlook's or Google's export, or the header "
                    "name,email,company,phone,job title."
                )
            )
        parsed, seen = ParsedFile(), set[str]()
        number = 2
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(parsed.rows) + parsed.refused_count >= MAX_IMPORT_ROWS:
                    rows = current().number(MAX_IMPORT_ROWS)
                    raise NotReadable(_("The file has more than {n} rows; split it into smaller files.", n=rows))
                _read_row(parsed, seen, number, cells, columns, extra)
            number += 1
    except csv.Error as exc:
        raise NotReadable(_broken(number, str(exc))) from None
    if not parsed.rows and not parsed.refused:
        raise NotReadable(_("The file has a header but no contacts."))
    return parsed


def _broken(row: int, error: str) -> str:
    """Why the file cannot be read as CSV, for the person (strict reading: nothing guessed, nothing half-read)."""
    if "unexpected end of data" in error:  # the quote never closes: the rest of the file would be one value
        return _(
            'A quote (") opened in row {row} is never closed, so the rest of the file would be one value.'
            " Fix it and send the file again.",
            row=row,
        )
    if "field larger than field limit" in error:
        return _(
            "Row {row} has a value longer than any contact's (probably a quote that is not closed)."
            " Fix it and send the file again.",
            row=row,
        )
    return _(
        "Row {row} is not valid CSV ({error}). Fix it (or save the file again as CSV) and send it again.",
        row=row,
        error=error,
    )


def _read_row(
    parsed: ParsedFile, seen: set[str], number: int, cells: list[str], columns: dict[str, int],
    extra: dict[str, int] | None = None,
) -> None:  # fmt: skip
    def cell(name: str) -> str:
        index = columns.get(name)
        return values_read[index] if index is not None and index < len(values_read) else ""

    cleaned = [clean_text(c) for c in cells]  # what would be stored: the formula check reads that
    if any(runs_in_spreadsheet(c) for c in cleaned):
        parsed.refuse(FORMULA, number)
        return
    values_read = [unquoted(c) for c in cleaned]
    values = {f: cell(f) for f in FIELDS}
    if not values["name"]:
        values["name"] = " ".join(p for p in (cell("first"), cell("middle"), cell("last")) if p)
    email = values["email"]
    if email and not is_valid_email(email):
        parsed.refuse(BAD_EMAIL, number)
        return
    values["name"] = values["name"] or email
    if not values["name"]:
        parsed.refuse(NO_NAME, number)
        return
    if any(len(values[f]) > _LIMITS[f] for f in FIELDS):
        parsed.refuse(TOO_LONG, number)
        return
    if email and email.casefold() in seen:
        parsed.refuse(DUPLICATE, number)
        return
    if email:
        seen.add(email.casefold())
    optional = {f: values[f] or None for f in FIELDS if f != "name"}
    custom = tuple(
        (field_id, values_read[index]) for field_id, index in (extra or {}).items()
        if index < len(values_read) and values_read[index]
    )  # fmt: skip
    parsed.rows.append(ImportRow(number, values["name"], optional["email"], optional["company"], optional["phone"],
                                 optional["job_title"], custom))  # fmt: skip
