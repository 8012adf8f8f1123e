"""Coverage of the essential-medicines lists: every medicine of the WHO Model List of Essential Medicines
(23rd list, 2023) and of the Nigeria Essential Medicines List (2020) resolves, through the real lookup, to
a formulary record, or is recorded as deliberately left out with why.

The lists are checked-in data under ``rxtriage/formulary/data/eml/`` (see the formulary README).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from rxtriage.formulary.datafile import read_records
from rxtriage.formulary.keys import name_key
from rxtriage.lookup.api import lookup_many

EML_DIR = Path(__file__).resolve().parents[2] / "rxtriage" / "formulary" / "data" / "eml"
WHO_FILE = EML_DIR / "who_eml_2023.yaml"
NIGERIA_FILE = EML_DIR / "nigeria_eml_2020.yaml"
EXACT_MATCHES = {"generic", "brand", "synonym", "co_name", "abbreviation"}
BY_NAME = {r.generic_name: r for r in read_records()}


@dataclass(frozen=True)
class Entry:
    name: str
    section: str
    listing: str  # core | complementary


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _entries(path: Path) -> list[Entry]:
    return [
        Entry(name=str(name), section=section["section"], listing=listing)
        for section in _load(path)["sections"]
        for listing in ("core", "complementary")
        for name in section.get(listing) or ()
    ]


def _unique_names(path: Path) -> list[str]:
    return sorted({entry.name for entry in _entries(path)})


LISTS = {"who_2023": WHO_FILE, "nigeria_2020": NIGERIA_FILE}


def _resolve_all(names: list[str]) -> dict[str, Any]:
    return dict(zip(names, lookup_many(names=names), strict=True))


def _unresolved(path: Path) -> list[tuple[str, str, str | None]]:
    results = _resolve_all(_unique_names(path))
    return [
        (name, result.match, result.drug and result.drug["generic_name"])
        for name, result in results.items()
        if result.drug is None or result.confirm or result.match not in EXACT_MATCHES
    ]


@pytest.mark.parametrize("which", sorted(LISTS))
def test_every_list_entry_resolves_exactly_to_a_formulary_record(formulary, which):
    assert _unresolved(LISTS[which]) == []


@pytest.mark.parametrize("which", sorted(LISTS))
def test_a_combination_entry_resolves_to_the_combination_not_to_one_part(formulary, which):
    combos = [name for name in _unique_names(LISTS[which]) if " + " in name]
    assert combos
    results = _resolve_all(combos)
    wrong = {
        name: result.drug and result.drug["generic_name"]
        for name, result in results.items()
        if not result.drug or "/" not in result.drug["generic_name"]
    }
    assert wrong == {}


def test_the_who_list_is_pinned_to_the_23rd_list_and_holds_its_sections():
    data = _load(WHO_FILE)
    assert data["edition"] == "23rd list (2023)"
    sections = {entry.section.split(" ")[0].split(".")[0] for entry in _entries(WHO_FILE)}
    # every numbered therapeutic section that lists medicines a patient can be given (19 immunologicals
    # and 23 dialysis are left out as a whole; see left_out)
    assert sections >= {str(n) for n in range(1, 31)} - {"19", "23"}
    assert len(_unique_names(WHO_FILE)) >= 400
    assert {entry.listing for entry in _entries(WHO_FILE)} == {"core", "complementary"}


@pytest.mark.parametrize("which", sorted(LISTS))
def test_every_left_out_item_says_why_and_is_not_also_listed(which):
    data = _load(LISTS[which])
    listed = {name_key(name) for name in _unique_names(LISTS[which])}
    left_out = data["left_out"]
    assert left_out
    for item in left_out:
        assert item["reason"].strip() and item["section"].strip(), item
        assert name_key(item["name"]) not in listed, item["name"]


def test_the_nigerian_list_says_it_is_partial_until_transcribed_from_the_ministry_pdf():
    data = _load(NIGERIA_FILE)
    assert data["edition"] == "7th edition (2020)"
    assert data["status"] == "partial"
    assert len(_unique_names(NIGERIA_FILE)) >= 300


def test_a_record_named_by_the_who_list_carries_the_listing_it_has_there(formulary):
    """The record's ``eml`` is what triage routes on (complementary-only items need a specialist): a
    medicine the list names only on its core list says ``core``, one named only on the complementary
    list says ``complementary`` (a medicine on both, e.g. linezolid, may say either)."""
    entries = _entries(WHO_FILE)
    names = sorted({e.name for e in entries})
    generic_of = {name: result.drug["generic_name"] for name, result in _resolve_all(names).items()}
    listings: dict[str, set[str]] = {}
    for entry in entries:
        listings.setdefault(generic_of[entry.name], set()).add(entry.listing)
    wrong = {
        generic: (BY_NAME[generic].eml, sorted(found))
        for generic, found in listings.items()
        if len(found) == 1 and BY_NAME[generic].eml not in found
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("calcium folinate", "calcium folinate"),
        ("folinic acid", "calcium folinate"),
        ("leucovorin", "calcium folinate"),
        ("folic acid", "folic acid"),
        ("tetracaine", "tetracaine"),
        ("amethocaine", "tetracaine"),
        ("ceftolozane + tazobactam", "ceftolozane/tazobactam"),
        ("isoniazid + rifapentine", "isoniazid/rifapentine"),
        ("ethinylestradiol + norethisterone", "norethisterone/ethinylestradiol"),
    ],
)
def test_medicines_added_for_the_lists_resolve_to_their_own_record(formulary, name, generic):
    result = lookup_many(names=[name])[0]
    assert result.drug is not None and result.drug["generic_name"] == generic
    assert not result.confirm
