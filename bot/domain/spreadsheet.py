"""Writing CSV files that spreadsheets open safely. No I/O: rows in, bytes out.

A cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) is prefixed with ' (OWASP's
advice on CSV injection); so is one that starts so after leading 's (`'=x` becomes `''=x`), so that the importer
(bot/domain/contact_csv.py), which takes exactly one ' off such a cell, reads every value back unchanged. The
file is UTF-8 with a BOM, so Excel reads accents right; the importer accepts the BOM."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

RUNS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip("'").startswith(RUNS) else text


def csv_file(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralised(h) for h in header])
    writer.writerows([neutralised(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
