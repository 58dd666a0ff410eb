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
