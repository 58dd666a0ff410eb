"""Cards of contacts in and out as files: the preview of a contacts file (Import / Cancel) and its outcome."""

from __future__ import annotations

from bot.domain.contact_csv import ImportPreview, ImportResult
from cards import verbs
from cards.common import Card, action_set, card, choice_set, execute, facts, heading, notice, plain, subtle, text
from cards.elements import Action, Element

ROW_NUMBERS = 10  # row numbers listed per refusal reason before "and N more"


def refusal_lines(refused: dict[str, list[int]]) -> list[str]:
    lines = []
    for reason, rows in refused.items():
        shown = ", ".join(str(n) for n in rows[:ROW_NUMBERS])
        more = f" and {len(rows) - ROW_NUMBERS} more" if len(rows) > ROW_NUMBERS else ""
        lines.append(f"{reason}: {'row' if len(rows) == 1 else 'rows'} {shown}{more}")
    return lines


def import_preview_card(preview: ImportPreview) -> Card:
    refused = sum(len(rows) for rows in preview.refused.values())
    body: list[Element] = [
        heading(f"Import contacts from {plain(preview.file_name)}"),
        facts(
            [("New", str(preview.new)), ("Same email as a contact", str(preview.matching)), ("Refused", str(refused))]
        ),
    ]
    body += [subtle(line) for line in refusal_lines(preview.refused)]
    body.append(text("First rows", weight="Bolder", separator=True))
    for row in preview.first_rows:
        extra = " · ".join(plain(p) for p in (row.email, row.job_title, row.company, row.phone) if p)
        body.append(text(f"{row.line}. **{plain(row.name)}**" + (f" · {extra}" if extra else "")))
    if preview.matching:
        choices = [("Leave them as they are", "skip"), ("Update them with the file's details", "update")]
        body += choice_set("matching", "Contacts whose email is already here", choices, value="skip")
    data = {"import": preview.import_id or ""}
    buttons: list[Action] = [
        execute("Import", verbs.CONTACTS_IMPORT, data, style="positive"),
        execute("Cancel", verbs.CONTACTS_IMPORT_CANCEL, data, inputs=False),
    ]
    body.append(action_set(buttons))
    return card(body)


def import_done_card(result: ImportResult) -> Card:
    message = f"{result.added} added, {result.updated} updated, {result.skipped} left as they were."
    return card([notice(message), heading("Contacts imported")])


def import_closed_card(message: str, good: bool = True) -> Card:
    return card([notice(message, good), heading("Import contacts")])
