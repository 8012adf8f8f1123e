"""The control: the seed system's "before" lookup, implemented faithfully.

No cache, one medication at a time, the typed text as it came (stripped and lowercased, as the seed
did), and the seed's fallbacks in its order, each a query of its own:

1. ``generic_name__iexact``               (``UPPER(generic_name) = UPPER(...)``: a sequential scan)
2. ``brand_names__icontains``             (``UPPER(brand_names::text) LIKE ...``: a sequential scan)
3. ``search_keywords__icontains``         (the same, on the other JSON column)
4. ``TrigramSimilarity(...) > 0.3``       ordered by similarity: computed for every row of the table

``.first()`` adds the model's ordering, as it did in the seed.  PostgreSQL only has ``similarity()``;
on SQLite step 4 reads every generic name and computes pg_trgm's similarity in Python (the same
arithmetic: a full read of the table, as the seed's query was a full scan).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from rxtriage.formulary.models import Drug

__all__ = ["control_lookup", "trigram_similarity"]

THRESHOLD = 0.3


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each alphanumeric word lowercased, padded with two spaces before, one after."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    grams: set[str] = set()
    for word in words:
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)``: shared trigrams over all trigrams of both."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _fuzzy(name: str) -> Drug | None:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return (
            Drug.objects.annotate(similarity=TrigramSimilarity("generic_name", name))
            .filter(similarity__gt=THRESHOLD)
            .order_by("-similarity")
            .first()
        )
    best: tuple[float, Any] | None = None
    for pk, generic in Drug.objects.values_list("pk", "generic_name"):
        score = trigram_similarity(generic, name)
        if score > THRESHOLD and (best is None or score > best[0]):
            best = (score, pk)
    return Drug.objects.get(pk=best[1]) if best else None


def control_lookup(medication_name: str) -> Drug | None:
    """The seed's ``find_drug_in_database`` before its cache, batching and indexes."""
    name = medication_name.strip().lower()
    drug = Drug.objects.filter(generic_name__iexact=name).first()
    if drug is None:
        drug = Drug.objects.filter(brand_names__icontains=name).first()
    if drug is None:
        drug = Drug.objects.filter(search_keywords__icontains=name).first()
    if drug is None:
        drug = _fuzzy(name)
    return drug
