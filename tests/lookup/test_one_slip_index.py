"""The fuzzy tier's first step on PostgreSQL: the names one slip from a typed key, from the GIN index of
``rxtriage_name_variant_buckets``, the buckets of the ``rxtriage_name_deletions`` variants (formulary
migrations 0006 and 0007)."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from rxtriage.formulary.models import Drug, DrugName
from rxtriage.lookup.api import DrugLookup
from rxtriage.lookup.engine import _FUZZY_SQL, fuzzy_params

pytestmark = pytest.mark.postgres


def _deletions(name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rxtriage_name_deletions(%s)", [name])
        return sorted(cursor.fetchone()[0])


def test_the_variants_are_the_name_and_the_name_less_each_letter(db):
    assert _deletions("brepam") == sorted({"brepam", "repam", "bepam", "brpam", "bream", "brepm", "brepa"})
    assert _deletions("ammox") == sorted({"ammox", "mmox", "amox", "ammx", "ammo"})


def _buckets(name: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rxtriage_name_variant_buckets(%s)", [name])
        return set(cursor.fetchone()[0])


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
        cursor.execute(_FUZZY_SQL, fuzzy_params(keys, [threshold] * len(keys), 25))
        return [(row[0], row[1]) for row in cursor.fetchall()]


def test_among_names_sharing_a_stem_only_the_one_slip_neighbours_come_back(stem_sharing):
    rows = _fetch(["baftriptilne", "kekriptiline"])
    assert {name for ord_, name in rows if ord_ == 1} == {"baftriptiline"}
    assert {name for ord_, name in rows if ord_ == 2} == {"kektriptiline"}


def test_a_key_with_no_one_slip_neighbour_falls_back_to_the_trigram_search(formulary):
    rows = _fetch(["metronidzol"], threshold="0.3")
    assert "metronidazole" in {name for _, name in rows}
    assert _fetch(["metronidzol"], threshold="0.95") == []


_LETTERS = st.text(alphabet="abcde ", min_size=0, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=_LETTERS, b=_LETTERS)
def test_one_slip_is_an_optimal_string_alignment_distance_of_at_most_one(db, a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rxtriage_one_slip(%s, %s)", [a, b])
        assert cursor.fetchone()[0] is (OSA.distance(a, b) <= 1)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet="abcdefg ", min_size=1, max_size=12))
def test_two_names_one_slip_apart_share_a_deletion_variant(db, name):
    """What makes the index complete: every one-slip form of a name shares a variant with it."""
    slips = {name[:i] + name[i + 1 :] for i in range(len(name))}
    slips |= {name[:i] + c + name[i:] for i in range(len(name) + 1) for c in "ax"}
    slips |= {name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in range(len(name) - 1)}
    variants, buckets = set(_deletions(name)), _buckets(name)
    for slip in slips:
        if min(len(slip), len(name)) >= 5:
            assert variants & set(_deletions(slip)), slip
            assert buckets & _buckets(slip), slip  # what the index holds: a shared variant's bucket


def test_the_buckets_are_the_variants_hashed(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ARRAY(SELECT DISTINCT hashtext(v) & (2 ^ 20 - 1)::int FROM unnest(%s::text[]) v)",
            [_deletions("brepam")],
        )
        assert _buckets("brepam") == set(cursor.fetchone()[0])
    assert len(_buckets("brepam")) <= 7 and _buckets("abcd") == _buckets("abcd")


def test_a_name_that_only_shares_a_bucket_is_not_a_candidate(formulary):
    """Buckets collide (2**20 of them): a name sharing a bucket with the key but more than one slip from
    it must not stand in for the trigram search nor come back as a one-slip neighbour."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH names AS (
                SELECT translate(substr(md5(i::text), 1, 7), '0123456789', 'ghijklmnop') AS name
                FROM generate_series(1, 6000) AS i
            ), buckets AS (
                SELECT name, unnest(rxtriage_name_variant_buckets(name)) AS bucket FROM names
            )
            SELECT x.name, y.name FROM buckets x JOIN buckets y ON x.bucket = y.bucket AND x.name < y.name
            WHERE NOT rxtriage_one_slip(x.name, y.name) ORDER BY 1, 2 LIMIT 1
            """
        )
        key, colliding = cursor.fetchone()
    assert _buckets(key) & _buckets(colliding)
    drugs = Drug.objects.bulk_create(
        Drug(generic_name=name, display_name=name, schedule="pom") for name in (key, colliding)
    )
    DrugName.objects.bulk_create(
        DrugName(name=d.generic_name, text=d.generic_name, kind="generic", drug=d) for d in drugs
    )
    assert {name for _, name in _fetch([key])} == {key}
    assert colliding not in {name for _, name in _fetch([key[:-1] + "z"], threshold="0.1")}


def test_a_key_a_name_begins_with_stays_beside_its_one_slip_neighbours(formulary):
    """ "trevo" is one slip from "trevon" and the start of "trevolol": both are candidates, so the
    matching policy sees a name typed short, not only the one-slip neighbour."""
    drugs = Drug.objects.bulk_create(
        Drug(generic_name=name, display_name=name, schedule="pom") for name in ("trevon", "trevolol")
    )
    DrugName.objects.bulk_create(
        DrugName(name=d.generic_name, text=d.generic_name, kind="generic", drug=d) for d in drugs
    )
    assert {name for _, name in _fetch(["trevo"])} == {"trevon", "trevolol"}


def test_a_withdrawn_medicine_one_slip_away_does_not_stop_the_trigram_search(formulary):
    """Only stocked (active) names stand in for the trigram search: a withdrawn "metronidazol" one slip
    from the typed key must not leave it without candidates."""
    withdrawn = Drug.objects.create(
        generic_name="metronidazol", display_name="Metronidazol", schedule="pom", is_active=False
    )
    DrugName.objects.create(name="metronidzol", text="metronidzol", kind="generic", drug=withdrawn)
    rows = _fetch(["metronidzl"], threshold="0.3")
    assert "metronidazole" in {name for _, name in rows}
