"""``python -m bench.trigram``: how the trigram tier's threshold and limit trade speed for recall.

On the database named by ``DATABASE_URL`` (e.g. the bench's ``<name>_100k``), one slip is typed into a
sample of generic names (half real, half generated, as the bench's typo scenario does), and the lookup's
own trigram statement is timed for each setting: a fixed threshold, or ``DRUG_TRIGRAM_THRESHOLD`` as the
floor of the per-key one-slip bound (``rxtriage.lookup.fuzzy.trigram_threshold``).  Printed: p50/p90/p99
of the statement, the mean rows a key brings, and how often the meant medicine is among them.  The
settings are measured in turns, so each sees the same machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trigram", description=__doc__)
    parser.add_argument("--sample", type=int, default=120, help="typed names (half real, half generated)")
    parser.add_argument("--floors", default="0.3,0.4,0.5", help="thresholds to try")
    parser.add_argument("--limits", default="10,25", help="LIMITs to try")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.generator import typo
    from rxtriage.formulary.keys import name_key
    from rxtriage.lookup.engine import _TRIGRAM_SQL
    from rxtriage.lookup.fuzzy import trigram_threshold

    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_name FROM formulary_drug WHERE length(generic_name) >= 7 ORDER BY id")
        names = [row[0] for row in cursor.fetchall()]
    rng = random.Random(options.seed)
    half = options.sample // 2
    meant = rng.sample(names[:790], half) + rng.sample(names[790:] or names, options.sample - half)
    keys = [name_key(typo(name, rng)) for name in meant]
    settings = [
        (f"{mode} {floor}, limit {limit}", mode, float(floor), int(limit))
        for floor in options.floors.split(",")
        for limit in options.limits.split(",")
        for mode in ("fixed", "per-key")
    ]
    times: dict[str, list[float]] = {label: [] for label, *_ in settings}
    rows: dict[str, list[int]] = {label: [] for label, *_ in settings}
    found: dict[str, int] = dict.fromkeys(times, 0)
    for key, name in zip(keys, meant, strict=True):
        for label, mode, floor, limit in settings:
            threshold = floor if mode == "fixed" else trigram_threshold(key, floor=floor)
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(_TRIGRAM_SQL, [[key], [str(threshold)], limit])
                fetched = cursor.fetchall()
                times[label].append((time.perf_counter() - start) * 1000)
            rows[label].append(len(fetched))
            found[label] += any(row[4] == name for row in fetched)
    print(f"{len(keys)} typed names, {len(names):,} medicines")
    for label in times:
        t = sorted(times[label])
        print(f"  {label:<26} p50 {t[len(t) // 2]:6.2f} ms  p90 {t[int(len(t) * 0.9)]:6.2f} ms  "
              f"p99 {t[int(len(t) * 0.99)]:6.2f} ms  rows {statistics.mean(rows[label]):5.1f}  "
              f"meant found {found[label]}/{len(keys)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
