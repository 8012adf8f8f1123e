"""The fuzzy tier's first step on PostgreSQL: the names one slip from a typed key, from the GIN index of
``rxtriage_name_deletions`` (formulary migration 0006)."""

from __future__ import annotations

import pytest
from django.db import connection

from rxtriage.formulary.models import Drug, DrugName
from rxtriage.lookup.api import DrugLookup
from rxtriage.lookup.engine import _FUZZY_SQL

pytestmark = pytest.mark.postgres


def _deletions(name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rxtriage_name_deletions(%s)", [name])
        return sorted(cursor.fetchone()[0])


def test_the_variants_are_the_name_and_the_name_less_each_letter(db):
    assert _deletions("brepam") == sorted({"brepam", "repam", "bepam", "brpam", "bream", "brepm", "brepa"})
    assert _deletions("ammox") == sorted({"ammox", "mmox", "amox", "ammx", "ammo"})


def test_a_name_under_five_letters_is_its_only_variant(db):
    assert _deletions("abcd") == ["abcd"]


@pytest.mark.parametrize(
    "typed",
    ["metronidzole", "metronidazzole", "metornidazole", "metronidezole", "mettronidazole"],
    ids=["dropped", "doubled", "swapped", "wrong vowel", "added"],
)
def test_every_kind_of_slip_is_found_whatever_the_trigram_threshold(formulary, fresh_drug_cache, typed):
    lookup = DrugLookup(fresh_drug_cache, fuzzy_backend="trigram", trigram_threshold=0.99)
    result = lookup.lookup_one(name=typed)
    assert result.match == "fuzzy"
    assert result.drug is not None and result.drug["generic_name"] == "metronidazole"


@pytest.fixture
def stem_sharing(formulary):
    """2,000 medicines built on one stem, as a large formulary has: every one shares most of its
    trigrams with "amitriptyline"."""
    prefixes = [a + b + c for a in "bdfgklmnprst" for b in "aeiou" for c in "bdfgklmnprstvz"][:2000]
    drugs = Drug.objects.bulk_create(
        Drug(generic_name=f"{p}triptiline", display_name=f"{p}triptiline", schedule="pom") for p in prefixes
    )
    DrugName.objects.bulk_create(
        DrugName(name=d.generic_name, text=d.generic_name, kind="generic", drug=d) for d in drugs
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE formulary_drugname")


def _fetch(keys: list[str], threshold: str = "0.4") -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_FUZZY_SQL, [keys, [threshold] * len(keys), 25, 25])
        return [(row[0], row[1]) for row in cursor.fetchall()]


def test_among_names_sharing_a_stem_only_the_one_slip_neighbours_come_back(stem_sharing):
    rows = _fetch(["baftriptilne", "kekriptiline"])
    assert {name for ord_, name in rows if ord_ == 1} == {"baftriptiline"}
    assert {name for ord_, name in rows if ord_ == 2} == {"kektriptiline"}


def test_a_key_with_no_one_slip_neighbour_falls_back_to_the_trigram_search(formulary):
    rows = _fetch(["metronidzol"], threshold="0.3")
    assert "metronidazole" in {name for _, name in rows}
    assert _fetch(["metronidzol"], threshold="0.95") == []
