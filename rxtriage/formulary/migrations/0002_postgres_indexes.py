"""PostgreSQL indexes the ORM cannot declare portably (skipped on SQLite).

- pg_trgm, then trigram GIN indexes on the names index and on ``generic_name``: they serve the ``%``
  similarity operator (``trigram_similar``) used by fuzzy matching.
- GIN ``jsonb_path_ops`` on ``brand_names`` and ``search_keywords``: they serve ``@>`` containment only.
  (``icontains`` on a JSONField compiles to ``UPPER(col::text) LIKE`` and never uses them; exact
  name lookups go through the names index instead.)
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from rxtriage.formulary.migrations_ops import PostgresOnlySQL

# fastupdate = off: the formulary is read far more than written, and a GIN pending list left by a bulk
# load makes the planner pick the trigram index even for exact equality (slower than the btree).
_GIN = "WITH (fastupdate = off)"
_INDEXES = {
    "drugname_name_trgm_idx": f"formulary_drugname USING gin (name gin_trgm_ops) {_GIN}",
    "drug_generic_name_trgm_idx": f"formulary_drug USING gin (generic_name gin_trgm_ops) {_GIN}",
    "drug_brand_names_gin_idx": f"formulary_drug USING gin (brand_names jsonb_path_ops) {_GIN}",
    "drug_search_keywords_gin_idx": f"formulary_drug USING gin (search_keywords jsonb_path_ops) {_GIN}",
}


class Migration(migrations.Migration):
    dependencies = [("formulary", "0001_initial")]

    operations = [
        TrigramExtension(),
        *(
            PostgresOnlySQL(
                sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
                reverse_sql=f"DROP INDEX IF EXISTS {name}",
            )
            for name, target in _INDEXES.items()
        ),
    ]
