"""The dialect layer translates placeholders only: the rest of a statement reaches PostgreSQL as written."""

from storage.dialect import to_libpq


def test_string_literals_and_quoted_names_are_left_alone() -> None:
    assert to_libpq("SELECT 'it IS done'") == (b"SELECT 'it IS done'", ())
    assert to_libpq("""SELECT 'a ? b', 'x :name y', 'it''s ?', "odd?name" FROM t""") == (
        b"""SELECT 'a ? b', 'x :name y', 'it''s ?', "odd?name" FROM t""",
        (),
    )


def test_libpqs_placeholders_are_numbered_and_names_keep_the_number_of_their_first_use() -> None:
    assert to_libpq("SELECT 1 FROM t WHERE a = ? AND b IS NOT ? AND c LIKE '%?%'") == (
        b"SELECT 1 FROM t WHERE a = $1 AND b IS NOT $2 AND c LIKE '%?%'",
        (),
    )
    assert to_libpq("UPDATE t SET n = :n WHERE id = :id AND m = :n AND x::text LIKE '%a%'") == (
        b"UPDATE t SET n = $1 WHERE id = $2 AND m = $1 AND x::text LIKE '%a%'",
        ("n", "id"),
    )
