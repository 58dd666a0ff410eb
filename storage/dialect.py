"""What differs between SQLite and PostgreSQL, in one place, so that both run the same queries.

The queries are written once, in SQLite's spelling. `to_postgres` rewrites a statement for psycopg
(placeholders, `IS [NOT] ?` comparisons, a `RETURNING id` where the caller reads `lastrowid`);
`Dialect` holds the few fragments that are not a spelling: full-text search and row locks."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
_PG_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NAMED = re.compile(r":([A-Za-z_]\w*)")
_IS_NOT = re.compile(r"\bIS NOT (?!NULL\b|DISTINCT\b)", re.IGNORECASE)
_IS = re.compile(r"\bIS (?!NOT\b|NULL\b|DISTINCT\b)", re.IGNORECASE)
# Tables whose `id` is generated: an INSERT ... VALUES into them returns it (SQLite's lastrowid).
_RETURNS_ID = re.compile(
    r"^\s*INSERT INTO (users|contacts|records|comments|events|notifications|card_posts)\b(?!.*\bRETURNING\b).*\bVALUES\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Dialect:
    name: str
    row_locks: bool  # SELECT ... FOR UPDATE exists (SQLite's writers are serialised by BEGIN IMMEDIATE)

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    def fts_query(self, text: str) -> str | None:
        """What a person typed as a safe full-text query: every word, as a prefix."""
        if not self.postgres:
            words = _WORD.findall(text)[:8]
            return " ".join('"' + w.replace('"', "") + '"*' for w in words) if words else None
        # to_tsquery syntax; accents are folded as the index folds them (unaccent), words are lower case.
        folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
        words = _PG_WORD.findall(folded)[:8]
        return " & ".join(f"'{w}':*" for w in words) if words else None

    def matching(self, table: str) -> str:
        """A subquery of the ids of `table` (contacts, records) whose text matches the one parameter."""
        if self.postgres:
            return f"SELECT id FROM {table} WHERE search @@ to_tsquery('simple', ?)"
        return f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?"

    def skip_locked(self) -> str:
        """Rows another transaction holds are passed over, not waited for (SQLite has one writer)."""
        return " FOR UPDATE SKIP LOCKED" if self.row_locks else ""


SQLITE = Dialect("sqlite", row_locks=False)
POSTGRES = Dialect("postgresql", row_locks=True)


@functools.lru_cache(maxsize=1024)
def to_postgres(sql: str) -> tuple[str, bool]:
    """The statement in psycopg's spelling, and whether it returns the new row's id."""
    out: list[str] = []
    i = 0
    while i < len(sql):
        char = sql[i]
        if char == "'":  # a literal: copied as is (its % doubled for psycopg)
            end = sql.index("'", i + 1)
            while end + 1 < len(sql) and sql[end + 1] == "'":
                end = sql.index("'", end + 2)
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
            continue
        if char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        elif char == ":" and (named := _NAMED.match(sql, i)) and sql[i - 1 : i] != ":":
            out.append(f"%({named.group(1)})s")
            i = named.end()
            continue
        else:
            out.append(char)
        i += 1
    translated = "".join(out)
    # SQLite's `a IS b` is PostgreSQL's null-safe comparison.
    translated = _IS.sub("IS NOT DISTINCT FROM ", _IS_NOT.sub("IS DISTINCT FROM ", translated))
    if _RETURNS_ID.match(translated):
        return translated + " RETURNING id", True
    return translated, False
