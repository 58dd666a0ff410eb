"""The dialect layer translates placeholders only: the rest of a statement reaches PostgreSQL as written."""

from storage.dialect import to_psycopg


def test_string_literals_are_left_alone() -> None:
    assert to_psycopg("SELECT 'it IS done'") == "SELECT 'it IS done'"
    assert to_psycopg("SELECT 'a ? b', 'x :name y', 'it''s ?'") == "SELECT 'a ? b', 'x :name y', 'it''s ?'"


def test_placeholders_become_psycopgs_and_nothing_else_changes() -> None:
    assert to_psycopg("SELECT 1 FROM t WHERE a IS ? AND b IS NOT ? AND c = ?") == (
        "SELECT 1 FROM t WHERE a IS %s AND b IS NOT %s AND c = %s"
    )
    assert to_psycopg("UPDATE t SET n = :n WHERE id = :id AND x::text LIKE '%a%'") == (
        "UPDATE t SET n = %(n)s WHERE id = %(id)s AND x::text LIKE '%%a%%'"
    )
    assert to_psycopg("INSERT INTO weekly_sends (id) VALUES (?)") == "INSERT INTO weekly_sends (id) VALUES (%s)"


def test_libpqs_placeholders_are_numbered_and_names_keep_the_number_of_their_first_use() -> None:
    from storage.dialect import to_libpq

    assert to_libpq("SELECT 1 FROM t WHERE a = ? AND b IS NOT ? AND c LIKE '%?%'") == (
        b"SELECT 1 FROM t WHERE a = $1 AND b IS NOT $2 AND c LIKE '%?%'",
        (),
    )
    assert to_libpq("UPDATE t SET n = :n WHERE id = :id AND m = :n AND x::text LIKE '%a%'") == (
        b"UPDATE t SET n = $1 WHERE id = $2 AND m = $1 AND x::text LIKE '%a%'",
        ("n", "id"),
    )
