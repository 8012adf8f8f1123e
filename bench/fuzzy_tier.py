"""``python -m bench.fuzzy_tier``: the fuzzy tier's statement against trigram retrieval alone.

On the database named by ``DATABASE_URL`` (e.g. the bench's ``<name>_100k``), slips are typed into a
sample of generic names (half real, half generated, as the bench's typo scenario does): one slip, and two
slips (two independent ones).  Each typed key is sent to

- ``trigram``: pg_trgm's ``%`` alone at the key's threshold (the fuzzy tier before the one-slip index);
- ``neighbours+trigram``: the product's statement (``rxtriage.lookup.engine._FUZZY_SQL``): the names
  one slip from the key (from the index of their deletion variants' buckets), and ``%`` only for a key
  with none,

for each ``DRUG_TRIGRAM_THRESHOLD`` floor, in turns, so each sees the same machine.  Printed: p50/p90/p99
of the statement, the mean rows a key brings, and how often the meant medicine is among them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

# pg_trgm's ``%`` alone, per key (the fuzzy tier's statement until the one-slip index).
TRIGRAM_ONLY_SQL = """
SELECT q.ord, n.name, d.generic_name
FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS q(key, threshold, ord)
CROSS JOIN LATERAL (
    SELECT set_config('pg_trgm.similarity_threshold', q.threshold, true) AS threshold
) t
CROSS JOIN LATERAL (
    SELECT n.name, n.drug_id FROM formulary_drugname n
    WHERE t.threshold IS NOT NULL AND n.name %% q.key
    ORDER BY similarity(n.name, q.key) DESC, n.name
    LIMIT %s
) n
JOIN formulary_drug d ON d.id = n.drug_id AND d.is_active
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzzy_tier", description=__doc__)
    parser.add_argument(
        "--sample", type=int, default=200, help="typed names a kind (half real, half generated)"
    )
    parser.add_argument("--floors", default="0.4", help="DRUG_TRIGRAM_THRESHOLD floors to try")
    parser.add_argument("--limit", type=int, default=25, help="LIMIT per key")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.generator import typo
    from rxtriage.formulary.keys import name_key
    from rxtriage.lookup.engine import _FUZZY_SQL, fuzzy_params
    from rxtriage.lookup.fuzzy import trigram_threshold

    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_name FROM formulary_drug WHERE length(generic_name) >= 7 ORDER BY id")
        names = [row[0] for row in cursor.fetchall()]
    rng = random.Random(options.seed)
    half = options.sample // 2
    meant = rng.sample(names[:790], half) + rng.sample(names[790:] or names, options.sample - half)
    samples = {
        "one slip": [(name_key(typo(name, rng)), name) for name in meant],
        "two slips": [(name_key(typo(typo(name, rng), rng)), name) for name in meant],
    }
    statements: dict[str, Callable[[str, float], tuple[str, list[Any]]]] = {
        "trigram": lambda key, t: (TRIGRAM_ONLY_SQL, [[key], [str(t)], options.limit]),
        "neighbours+trigram": lambda key, t: (_FUZZY_SQL, fuzzy_params([key], [str(t)], options.limit)),
    }
    print(f"{len(meant)} typed names a kind, {len(names):,} medicines of 7+ letters")
    for kind, typed in samples.items():
        runs = [(f"{label}, floor {floor}", build, float(floor))
                for floor in options.floors.split(",") for label, build in statements.items()]  # fmt: skip
        times: dict[str, list[float]] = {label: [] for label, *_ in runs}
        rows: dict[str, list[int]] = {label: [] for label, *_ in runs}
        found = dict.fromkeys(times, 0)
        for key, name in typed:
            for label, build, floor in runs:
                sql, params = build(key, trigram_threshold(key, floor=floor))
                with connection.cursor() as cursor:
                    start = time.perf_counter()
                    cursor.execute(sql, params)
                    fetched = cursor.fetchall()
                    times[label].append((time.perf_counter() - start) * 1000)
                rows[label].append(len(fetched))
                found[label] += any(name in row for row in fetched)
        print(kind)
        for label, values in times.items():
            p50, p90 = _percentile(values, 0.5), _percentile(values, 0.9)
            print(f"  {label:<32} p50 {p50:6.2f} ms  p90 {p90:6.2f} ms  "
                  f"p99 {_percentile(values, 0.99):6.2f} ms  rows {statistics.mean(rows[label]):5.1f}  "
                  f"meant found {found[label]}/{len(typed)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
