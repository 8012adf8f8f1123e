"""The names-index key and the order of name kinds, owned by the formulary."""

from __future__ import annotations

from rxtriage.formulary.keys import KIND_ORDER, kind_rank, name_key
from rxtriage.formulary.models import NameKind


def test_the_kind_order_is_the_models_order_of_name_kinds() -> None:
    assert tuple(NameKind.values) == KIND_ORDER


def test_an_unknown_kind_ranks_after_every_known_one() -> None:
    assert [kind_rank(kind) for kind in KIND_ORDER] == list(range(len(KIND_ORDER)))
    assert kind_rank("something else") == len(KIND_ORDER)


def test_a_name_key_folds_old_british_spellings() -> None:
    assert name_key("Sulphamethoxazole") == name_key("sulfamethoxazole")
