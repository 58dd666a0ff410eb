"""Cards of contacts in and out as files: the preview of a contacts file (Import / Cancel) and its outcome."""

from __future__ import annotations

from bot.domain.contact_csv import ImportPreview, ImportResult
from bot.domain.language import _, ngettext, translated
from cards import verbs
from cards.common import Card, action_set, card, choice_set, execute, facts, heading, notice, plain, subtle, text
from cards.elements import Action, Element

ROW_NUMBERS = 10  # row numbers listed per refusal reason before "and N more"


def refusal_lines(refused: dict[str, list[int]]) -> list[str]:
    lines = []
    for stored, rows in refused.items():
        reason = translated(stored)
        shown = ", ".join(str(n) for n in rows[:ROW_NUMBERS])
        if len(rows) > ROW_NUMBERS:
            extra = len(rows) - ROW_NUMBERS
            more = ngettext(
                "{reason}: rows {rows} and {n} more",
                "{reason}: rows {rows} and {n} more",
                extra,
                reason=reason,
                rows=shown,
            )
            lines.append(more)
        else:
            rows_of = ngettext("{reason}: row {rows}", "{reason}: rows {rows}", len(rows), reason=reason, rows=shown)
            lines.append(rows_of)
    return lines


def import_preview_card(preview: ImportPreview) -> Card:
    refused = sum(len(rows) for rows in preview.refused.values())
    body: list[Element] = [
        heading(_("Import contacts from {file}", file=plain(preview.file_name))),
        facts(
            [
                (_("New"), str(preview.new)),
                (_("Same email as a contact"), str(preview.matching)),
                (_("Refused"), str(refused)),
            ]
        ),
    ]
    body += [subtle(line) for line in refusal_lines(preview.refused)]
    body.append(text(_("First rows"), weight="Bolder", separator=True))
    for row in preview.first_rows:
        extra = " · ".join(plain(p) for p in (row.email, row.job_title, row.company, row.phone) if p)
        body.append(text(f"{row.line}. **{plain(row.name)}**" + (f" · {extra}" if extra else "")))
    if preview.matching:
        choices = [(_("Leave them as they are"), "skip"), (_("Update them with the file's details"), "update")]
        body += choice_set("matching", _("Contacts whose email is already here"), choices, value="skip")
    data = {"import": preview.import_id or ""}
    buttons: list[Action] = [
        execute(_("Import"), verbs.CONTACTS_IMPORT, data, style="positive"),
        execute(_("Cancel"), verbs.CONTACTS_IMPORT_CANCEL, data, inputs=False),
    ]
    body.append(action_set(buttons))
    return card(body)


def import_done_card(result: ImportResult) -> Card:
    message = _(
        "{added} added, {updated} updated, {skipped} left as they were.",
        added=result.added,
        updated=result.updated,
        skipped=result.skipped,
    )
    return card([notice(message), heading(_("Contacts imported"))])


def import_closed_card(message: str, good: bool = True) -> Card:
    return card([notice(message, good), heading(_("Import contacts"))])
