"""The one-slip index, smaller: its GIN keys are buckets of the deletion variants, not the variants.

Migration 0006 indexed ``rxtriage_name_deletions(name)``, the variants themselves: about 14 text keys a
name, 255 MB at 335,725 names, twice this server's default ``shared_buffers``.  Here each variant is
hashed (``hashtext``) into one of 2**20 buckets and the GIN index holds the buckets
(``rxtriage_name_variant_buckets(name)``, an ``int4[]``): 71 MB at the same size, with the same answers.
Two names that share a variant share its bucket, so no one-slip name is lost; names that only share a
bucket (a hash collision, about 5 a bucket at 100,000 medicines) are dropped by ``rxtriage_one_slip``,
which the fuzzy statement applies to every candidate anyway.  ``hashtext`` is PostgreSQL's own hash for
text (the one hash indexes use); should a major version ever change it, ``REINDEX INDEX
drugname_name_variant_buckets_idx`` rebuilds the index with the new one.
"""

from django.db import migrations

from rxtriage.formulary.migrations_ops import PostgresOnlySQL

BUCKETS = 2**20

_BUCKETS = f"""
CREATE OR REPLACE FUNCTION rxtriage_name_variant_buckets(name text) RETURNS int4[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(
        SELECT DISTINCT hashtext(variant) & {BUCKETS - 1}
        FROM unnest(rxtriage_name_deletions(name)) AS variant
    )
$$
"""

_OLD_INDEX = (
    "CREATE INDEX IF NOT EXISTS drugname_name_deletions_idx ON formulary_drugname "
    "USING gin (rxtriage_name_deletions(name)) WITH (fastupdate = off)"
)


class Migration(migrations.Migration):
    dependencies = [("formulary", "0006_name_deletions_index")]

    operations = [
        PostgresOnlySQL(
            sql=_BUCKETS, reverse_sql="DROP FUNCTION IF EXISTS rxtriage_name_variant_buckets(text)"
        ),
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS drugname_name_variant_buckets_idx ON formulary_drugname "
            "USING gin (rxtriage_name_variant_buckets(name)) WITH (fastupdate = off)",
            reverse_sql="DROP INDEX IF EXISTS drugname_name_variant_buckets_idx",
        ),
        PostgresOnlySQL(sql="DROP INDEX IF EXISTS drugname_name_deletions_idx", reverse_sql=_OLD_INDEX),
    ]
