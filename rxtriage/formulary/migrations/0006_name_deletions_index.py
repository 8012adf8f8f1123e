"""The one-slip index of the names index (PostgreSQL only; SQLite keeps its fuzzy index in process).

``rxtriage_name_deletions(name)`` is the name with each of its letters left out in turn, plus the name
itself (names under 5 characters: only the name).  Two keys one slip apart (a dropped, added, wrong or
swapped letter) always share one of these variants, so a GIN index on them finds every name one slip
from a typed key in a few index lookups, however many names share its stem ("symmetric deletion",
Garbe 2012; the fuzzy tier's first step, ``rxtriage.lookup.engine``).
"""

from django.db import migrations

from rxtriage.formulary.migrations_ops import PostgresOnlySQL

_FUNCTION = """
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


class Migration(migrations.Migration):
    dependencies = [("formulary", "0005_merge_0004_historicaldrug_0004_name_key_help_text")]

    operations = [
        PostgresOnlySQL(sql=_FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS rxtriage_name_deletions(text)"),
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS drugname_name_deletions_idx ON formulary_drugname "
            "USING gin (rxtriage_name_deletions(name)) WITH (fastupdate = off)",
            reverse_sql="DROP INDEX IF EXISTS drugname_name_deletions_idx",
        ),
    ]
