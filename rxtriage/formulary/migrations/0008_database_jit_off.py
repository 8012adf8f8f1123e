"""Sessions on this database plan without JIT compilation (``ALTER DATABASE ... SET jit = off``).

PostgreSQL compiles a statement's expressions to machine code when its estimated cost passes
``jit_above_cost`` (100,000 by default).  The lookup's fuzzy statement is estimated at about 40,000 a
key at 100,000 medicines (the planner cannot know how few names share a bucket of the one-slip index;
a typed name gives one to four keys), so a statement of three keys or more crossed it: 36 ms of
compilation for a statement that runs in 4.  The service's statements are short lookups by index, which JIT never pays back.

The setting is the database's default for new sessions, on the primary and on its replicas.  Changing it
needs the database's owner; where the migrating role is not, the migration says so (NOTICE) and leaves it
to the server's configuration (the deploy templates set ``jit`` off in their parameter groups).
"""

from django.db import migrations

from rxtriage.formulary.migrations_ops import PostgresOnlySQL

_SET = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'jit left as configured: only the owner of database % can change its default',
        current_database();
END
$$
"""

_RESET = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [("formulary", "0007_name_variant_buckets_index")]

    operations = [PostgresOnlySQL(sql=_SET, reverse_sql=_RESET)]
