"""What differs between SQLite and PostgreSQL, in one place, so that both run the same queries.

The queries are written once, in SQL both engines run (`IS NOT DISTINCT FROM`, `INSERT ... RETURNING id`,
`ON CONFLICT`). `to_libpq` translates placeholders only (`?` and `:name` to libpq's numbered `$1`, `$2`,
...), never the rest of a statement; `Dialect` supplies the few fragments where the engines truly
differ: full-text search, row locks, planner hints."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
_PG_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NAMED = re.compile(r":([A-Za-z_]\w*)")


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

    def for_update(self, alias: str) -> str:
        """A read that decides a write locks its row until the transaction ends (SQLite has one writer)."""
        return f" FOR UPDATE OF {alias}" if self.row_locks else ""

    def for_share(self, alias: str) -> str:
        """A read whose row must not change (nor be erased) until the transaction ends; others may read it too."""
        return f" FOR SHARE OF {alias}" if self.row_locks else ""

    def skip_locked(self) -> str:
        """Rows another transaction holds are passed over, not waited for (SQLite has one writer)."""
        return " FOR UPDATE SKIP LOCKED" if self.row_locks else ""

    def indexed_by(self, index: str) -> str:
        """SQLite: walk this index (its planner's own choice is the slow one); PostgreSQL's planner decides."""
        return "" if self.postgres else f" INDEXED BY {index}"

    def ordered_join(self) -> str:
        """SQLite's CROSS JOIN keeps the tables in the order written; PostgreSQL's planner orders them."""
        return "JOIN" if self.postgres else "CROSS JOIN"


SQLITE = Dialect("sqlite", row_locks=False)
POSTGRES = Dialect("postgresql", row_locks=True)


@functools.lru_cache(maxsize=1024)
def to_libpq(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """The statement with libpq's numbered placeholders (`?` -> `$1`, `$2`, ...; each `:name` -> the number of
    its first use), and the names in their numbers' order (empty for positional parameters). Literals and
    quoted identifiers are copied as they are; `%` needs no doubling (no client-side formatting)."""
    out: list[str] = []
    names: list[str] = []
    count = 0
    i = 0
    while i < len(sql):
        char = sql[i]
        if char in "'\"":
            end = sql.index(char, i + 1)
            while end + 1 < len(sql) and sql[end + 1] == char:
                end = sql.index(char, end + 2)
            out.append(sql[i : end + 1])
            i = end + 1
            continue
        if char == "?":
            count += 1
            out.append(f"${count}")
        elif char == ":" and (named := _NAMED.match(sql, i)) and sql[i - 1 : i] != ":":
            name = named.group(1)
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            i = named.end()
            continue
        else:
            out.append(char)
        i += 1
    if count and names:
        raise ValueError("a statement's parameters are all positional (?) or all named (:name)")
    return "".join(out).encode(), tuple(names)
