"""The one-slip index of the names index (PostgreSQL only; SQLite keeps its fuzzy index in process).

- ``rxtriage_name_deletions(name)``: the name with each of its letters left out in turn, plus the name
  itself (names under 5 characters: only the name).  Two keys one slip apart (a dropped, added, wrong
  or swapped letter) always share one of these variants, so a GIN index on them finds every name one
  slip from a typed key in a few index lookups, however many names share its stem ("symmetric
  deletion", Garbe 2012).  Sharing a variant is wider than one slip (a letter dropped here and another
  added there), hence
- ``rxtriage_one_slip(a, b)``: whether ``a`` and ``b`` are at most one slip apart (optimal string
  alignment distance <= 1);
- a ``varchar_pattern_ops`` btree on the name: names that begin with a typed key (``LIKE 'key%'``)
  in any collation.

The fuzzy tier's statement (``rxtriage.lookup.engine``) uses all three.
"""

from django.db import migrations

from rxtriage.formulary.migrations_ops import PostgresOnlySQL

_DELETIONS = """
CREATE OR REPLACE FUNCTION rxtriage_name_deletions(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(
        SELECT name
        UNION
        SELECT overlay(name PLACING '' FROM i FOR 1)
        FROM generate_series(1, char_length(name)) AS i
        WHERE char_length(name) >= 5
    )
$$
"""

_ONE_SLIP = """
CREATE OR REPLACE FUNCTION rxtriage_one_slip(a text, b text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    la int := char_length(a);
    lb int := char_length(b);
    i int := 1;
BEGIN
    IF la < lb THEN
        RETURN rxtriage_one_slip(b, a);
    END IF;
    IF la - lb > 1 THEN
        RETURN false;
    END IF;
    WHILE i <= lb AND substr(a, i, 1) = substr(b, i, 1) LOOP  -- the first letter that differs
        i := i + 1;
    END LOOP;
    IF i > lb THEN
        RETURN true;  -- the same, or one letter added at the end
    END IF;
    IF la > lb THEN
        RETURN substr(a, i + 1) = substr(b, i);  -- one letter added
    END IF;
    RETURN substr(a, i + 1) = substr(b, i + 1)  -- one letter wrong
        OR (substr(a, i, 1) = substr(b, i + 1, 1) AND substr(a, i + 1, 1) = substr(b, i, 1)
            AND substr(a, i + 2) = substr(b, i + 2));  -- two letters swapped
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [("formulary", "0005_merge_0004_historicaldrug_0004_name_key_help_text")]

    operations = [
        PostgresOnlySQL(sql=_DELETIONS, reverse_sql="DROP FUNCTION IF EXISTS rxtriage_name_deletions(text)"),
        PostgresOnlySQL(sql=_ONE_SLIP, reverse_sql="DROP FUNCTION IF EXISTS rxtriage_one_slip(text, text)"),
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS drugname_name_deletions_idx ON formulary_drugname "
            "USING gin (rxtriage_name_deletions(name)) WITH (fastupdate = off)",
            reverse_sql="DROP INDEX IF EXISTS drugname_name_deletions_idx",
        ),
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS drugname_name_pattern_idx ON formulary_drugname "
            "(name varchar_pattern_ops)",
            reverse_sql="DROP INDEX IF EXISTS drugname_name_pattern_idx",
        ),
    ]
