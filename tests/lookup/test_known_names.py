"""The lookup's known names: a Bloom filter that must never miss a name of the index."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rxtriage.lookup.engine import KnownNames


@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=400))
def test_every_name_it_was_built_from_is_known(names):
    known = KnownNames(names, expected=len(names))
    assert all(name in known for name in names)


def test_few_other_strings_pass_for_names():
    names = [f"medicine {i}" for i in range(20_000)]
    known = KnownNames(names, expected=len(names))
    strangers = [f"stranger {i}" for i in range(20_000)]
    passed = sum(stranger in known for stranger in strangers)
    assert passed < 3 * KnownNames.FALSE_POSITIVE_RATE * len(strangers)


def test_an_empty_index_knows_no_name():
    known = KnownNames([], expected=0)
    assert "paracetamol" not in known
