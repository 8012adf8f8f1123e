"""The matching policy: ambiguity, look-alike confirmation, error-prone refusal, non-medicines,
combinations and strength codes.  Pure: synthetic rows or the in-memory resolver, no database."""

from __future__ import annotations

from functools import lru_cache

from bench.evaluate import InMemoryResolver
from rxtriage.lookup.keys import name_key
from rxtriage.lookup.normalize import normalize
from rxtriage.lookup.resolve import (
    accept_threshold,
    fuzzy_query_keys,
    lasa_pairs,
    resolve_exact,
    resolve_fuzzy,
)
from rxtriage.lookup.types import DrugInfo, NameRow, Resolution

pytestmark: list[object] = []


def _drug(drug_id: int, generic: str) -> DrugInfo:
    return DrugInfo(
        id=drug_id,
        generic_name=generic,
        display_name=generic.title(),
        schedule="pom",
        controlled_basis=None,
        high_alert=False,
        drug_class="test",
        atc_code="A01",
        components=[],
        aware=None,
        eml="core",
        pregnancy_avoid=False,
    )


def _row(name: str, kind: str, drug: DrugInfo) -> NameRow:
    return NameRow(name=name_key(name), kind=kind, drug=drug)


@lru_cache(maxsize=1)
def _resolver() -> InMemoryResolver:
    return InMemoryResolver.from_datafiles()


def _resolve(text: str) -> Resolution:
    return _resolver().resolve(text)


def _generic(text: str) -> str | None:
    found = _resolve(text).drug
    return found["generic_name"] if found else None


# --- exact tier ---------------------------------------------------------------------------------------


def test_a_name_of_two_drugs_is_ambiguous_and_never_silently_picked() -> None:
    one, two = _drug(1, "alpha"), _drug(2, "beta")
    norm = normalize("Duomed")
    rows = [_row("duomed", "brand", one), _row("duomed", "brand", two)]
    result = resolve_exact(norm, rows)
    assert result is not None
    assert result.drug is None
    assert result.confirm is True
    assert result.note == "ambiguous"
    assert result.match == "brand"
    assert {c["generic_name"] for c in result.candidates} == {"alpha", "beta"}


def test_the_most_specific_key_wins_over_a_stripped_one() -> None:
    extra, plain = _drug(1, "paracetamol/caffeine"), _drug(2, "paracetamol")
    rows = [_row("panadol extra", "brand", extra), _row("panadol", "brand", plain)]
    result = resolve_exact(normalize("Panadol Extra 500mg tabs"), rows)
    assert result is not None and result.drug == extra


def test_kind_order_prefers_generic_over_brand_for_one_drug() -> None:
    drug = _drug(1, "metronidazole")
    rows = [_row("metronidazole", "synonym", drug), _row("metronidazole", "generic", drug)]
    result = resolve_exact(normalize("metronidazole"), rows)
    assert result is not None and result.match == "generic" and result.confirm is False


def test_no_row_means_go_on_to_fuzzy() -> None:
    assert resolve_exact(normalize("paracetomol"), []) is None


def test_error_prone_abbreviations_never_auto_resolve() -> None:
    for text in ("MTX", "MS", "MSO4", "MgSO4", "U", "AZT"):
        result = _resolve(text)
        assert result.drug is None, text
        assert result.note == "error_prone_abbreviation", text
        assert result.confirm is True, text


def test_an_error_prone_abbreviation_offers_what_it_may_mean() -> None:
    offered = {c["generic_name"] for c in _resolve("MS").candidates}
    assert {"morphine", "magnesium sulfate"} <= offered


def test_an_error_prone_abbreviation_is_refused_even_if_a_drug_lists_it() -> None:
    drug = _drug(1, "methotrexate")
    norm = normalize("mtx")
    result = resolve_exact(norm, [_row("mtx", "abbreviation", drug), _row("methotrexate", "generic", drug)])
    assert result is not None and result.drug is None and result.note == "error_prone_abbreviation"
    assert [c["generic_name"] for c in result.candidates] == ["methotrexate"]


# --- non-medicines ------------------------------------------------------------------------------------


def test_diseases_classes_and_self_diagnoses_resolve_to_nothing() -> None:
    for text in (
        "malaria",
        "typhoid drug",
        "malaria injection",
        "ulcer drug",
        "antibiotics",
        "painkiller",
        "ACT",
        "drip",
        "blood tonic",
        "drug for malaria",
    ):
        result = _resolve(text)
        assert result.drug is None, text
        assert result.note == "not_a_medicine", text


def test_a_non_medicine_listed_as_a_name_still_resolves_to_nothing() -> None:
    drug = _drug(1, "artemether/lumefantrine")
    result = resolve_exact(normalize("ACT"), [_row("act", "abbreviation", drug)])
    assert result is not None and result.drug is None and result.note == "not_a_medicine"


def test_foods_noise_and_injection_strings_resolve_to_nothing() -> None:
    for text in (
        "banana",
        "Lipton",
        "milo",
        "'; DROP TABLE drugs;--",
        "<script>alert(1)</script>",
        "😀💊",
        "",
        "x" * 300,
        "asdfghjkl",
    ):
        assert _resolve(text).drug is None, text


def test_a_misspelt_disease_is_not_matched_to_a_look_alike_drug() -> None:
    assert _resolve("maleria").drug is None


def test_an_english_word_one_letter_from_a_brand_is_not_that_brand() -> None:
    for text in ("singular", "valid", "ability", "efficient", "forum"):
        assert _resolve(text).drug is None, text


def test_fuzzy_with_no_candidates_is_none() -> None:
    result = resolve_fuzzy(normalize("zzzzqqq"), [])
    assert result.match == "none" and result.drug is None


# --- fuzzy policy -------------------------------------------------------------------------------------


def test_short_names_need_an_exact_match() -> None:
    assert accept_threshold("amx") > 1.0
    drug = _drug(1, "amoxicillin")
    result = resolve_fuzzy(normalize("amx"), [_row("amox", "abbreviation", drug)])
    assert result.drug is None


def test_a_close_typo_resolves_and_is_scored() -> None:
    drug = _drug(1, "paracetamol")
    result = resolve_fuzzy(normalize("paracetomol"), [_row("paracetamol", "generic", drug)])
    assert result.match == "fuzzy" and result.drug == drug
    assert 0.9 < result.score <= 1.0


def test_below_the_threshold_the_candidates_are_listed_for_a_human() -> None:
    drug = _drug(1, "paracetamol")
    result = resolve_fuzzy(normalize("paraxyzabc"), [_row("paracetamol", "generic", drug)])
    assert result.match == "none" and result.drug is None
    assert result.candidates and result.candidates[0]["generic_name"] == "paracetamol"


def test_candidates_are_distinct_drugs_best_first_at_most_five() -> None:
    rows = [_row(f"metronidazol{c}", "brand", _drug(i, f"drug{i}")) for i, c in enumerate("abcdefgh")]
    rows.append(_row("metronidazole", "generic", _drug(99, "metronidazole")))
    result = resolve_fuzzy(normalize("metronidazol"), rows)
    ids = [c["id"] for c in result.candidates]
    assert len(ids) == len(set(ids)) <= 5
    scores = [c["score"] for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert set(result.candidates[0]) == {"id", "generic_name", "display_name", "score"}


def test_a_runner_up_from_another_drug_close_behind_asks_for_confirmation() -> None:
    one, two = _drug(1, "alphazolam"), _drug(2, "alphazepam")
    rows = [_row("alphazolam", "generic", one), _row("alphazepam", "generic", two)]
    result = resolve_fuzzy(normalize("alphazolan"), rows)
    assert result.confirm is True


def test_a_look_alike_pair_among_the_candidates_asks_for_confirmation() -> None:
    assert frozenset({"hydralazine", "hydroxyzine"}) in lasa_pairs()
    result = _resolve("hydralazin")
    assert result.drug is not None and result.drug["generic_name"] == "hydralazine"
    assert result.confirm is True
    assert result.note == "look_alike_sound_alike"


def test_met_drugs_are_confirmed() -> None:
    result = _resolve("metfromin")
    assert result.drug is not None and result.drug["generic_name"] == "metformin"
    assert result.confirm is True


def test_the_ranking_does_not_depend_on_the_order_of_retrieval() -> None:
    a, b = _drug(1, "amoxicillin"), _drug(2, "ampicillin")
    rows = [_row("amoxicillin", "generic", a), _row("ampicillin", "generic", b)]
    first = resolve_fuzzy(normalize("amoxcilin"), rows)
    second = resolve_fuzzy(normalize("amoxcilin"), list(reversed(rows)))
    assert first.as_dict() == second.as_dict()


def test_fuzzy_query_keys_leave_out_form_words() -> None:
    keys = fuzzy_query_keys(normalize("amoxcilin 500mg caps"))
    assert keys == ["amoxcilin"]


# --- combinations and strength codes ------------------------------------------------------------------


def test_every_combination_separator_resolves_to_the_combination_record() -> None:
    for text in (
        "artemether/lumefantrine",
        "artemether + lumefantrine",
        "artemether-lumefantrine",
        "artemether and lumefantrine",
        "lumefantrine artemether",
    ):
        assert _generic(text) == "artemether/lumefantrine", text


def test_a_combination_never_resolves_to_one_of_its_parts() -> None:
    assert _generic("amoxicillin + clavulanic acid") == "amoxicillin/clavulanic acid"
    assert _generic("ampicillin cloxacillin") == "ampicillin/cloxacillin"
    assert _generic("paracetamol and codeine") == "paracetamol/codeine"


def test_augmentin_625_is_the_combination_and_not_625_mg() -> None:
    result = _resolve("Augmentin 625")
    assert result.drug is not None and result.drug["generic_name"] == "amoxicillin/clavulanic acid"
    assert normalize("Augmentin 625").strength_mg is None


def test_hyoscine_butylbromide_and_hydrobromide_stay_apart() -> None:
    assert _generic("hyoscine butylbromide 10mg") == "hyoscine butylbromide"
    assert _generic("hyoscine hydrobromide") == "hyoscine hydrobromide"
    assert name_key("hyoscine") not in normalize("hyoscine butylbromide").keys


# --- fuzzy safety: look-alike pairs, known medicines not stocked, digits glued to letters ----------------

FOLIC = _drug(901, "folic acid")
TETRACYCLINE = _drug(902, "tetracycline")
ABACAVIR = _drug(903, "abacavir")
SAFETY_ROWS = [
    _row("folic acid", "generic", FOLIC),
    _row("tetracycline", "generic", TETRACYCLINE),
    _row("abacavir", "generic", ABACAVIR),
    _row("ABC", "abbreviation", ABACAVIR),
]


def _pipeline(text: str, rows: list[NameRow] = SAFETY_ROWS) -> Resolution:
    """Exact tier, then fuzzy over every row, as the lookup runs them."""
    norm = normalize(text)
    found = resolve_exact(norm, [r for r in rows if r.name in norm.keys])
    return found if found is not None else resolve_fuzzy(norm, rows)


def test_folinic_acid_is_never_matched_to_folic_acid() -> None:
    for typed in ("folinic acid", "Folinic acid 15mg tablets", "folinic acd", "leucovorin"):
        res = _pipeline(typed)
        assert res.drug is None, typed
        assert res.match == "none"


def test_a_typo_of_folic_acid_still_resolves_to_folic_acid() -> None:
    res = _pipeline("folik acid")
    assert res.drug is not None and res.drug["generic_name"] == "folic acid"


def test_the_exact_name_of_a_medicine_not_stocked_answers_not_in_formulary() -> None:
    for typed in ("tetracaine", "Amethocaine eye drops", "vortioxetine 10mg", "calcium folinate"):
        res = _pipeline(typed)
        assert (res.match, res.drug, res.note) == ("none", None, "not_in_formulary"), typed


def test_a_stocked_medicine_is_never_answered_as_not_in_formulary() -> None:
    rows = [*SAFETY_ROWS, _row("tetracaine", "generic", _drug(904, "tetracaine"))]
    res = _pipeline("tetracaine", rows)
    assert res.drug is not None and res.drug["generic_name"] == "tetracaine"


def test_a_near_spelling_of_a_medicine_not_stocked_is_not_turned_into_a_stocked_one() -> None:
    res = _pipeline("tetracain")
    assert res.drug is None


def test_digits_glued_to_letters_never_make_an_abbreviation() -> None:
    assert _pipeline("abc123").drug is None
    assert _pipeline("ABC").drug == ABACAVIR
    assert _pipeline("ABC 300mg").drug == ABACAVIR


def test_every_look_alike_pair_and_known_medicine_is_listed_with_a_source() -> None:
    import yaml

    from rxtriage.lookup.normalize import DATA_DIR

    pairs = yaml.safe_load((DATA_DIR / "lasa_pairs.yaml").read_text(encoding="utf-8"))
    assert all(item.get("source") and len(item["pair"]) == 2 for item in pairs)
    assert frozenset({"calcium folinate", "folic acid"}) in lasa_pairs()
    groups = yaml.safe_load((DATA_DIR / "known_medicines.yaml").read_text(encoding="utf-8"))
    assert all(group.get("source") and group["names"] for group in groups)


def test_a_brand_that_cuts_short_another_medicines_name_is_not_a_typo_of_a_third() -> None:
    orphenadrine = _drug(905, "orphenadrine")
    rows = [
        _row("orphenadrine", "generic", orphenadrine),
        _row("Norflex", "brand", orphenadrine),
        _row("norfloxacin", "generic", _drug(906, "norfloxacin")),
    ]
    assert _pipeline("Norflox", rows).drug is None  # norfloxacin cut short, not Norflex
    assert _pipeline("Norflexx", rows).drug == orphenadrine
    # the same for a medicine the formulary does not stock: "Vortiox" is vortioxetine cut short
    made_up = _drug(907, "made-up")
    assert _pipeline("Vortrox", [_row("Vortrox", "brand", made_up)]).drug == made_up
    assert _pipeline("Vortiox", [_row("Vortrox", "brand", made_up)]).drug is None


def test_a_combination_typed_with_a_part_split_in_two_words_resolves_to_the_combination() -> None:
    res = _resolve("levonorgestrel + ethinyl estradiol")
    assert res.drug is not None and res.drug["generic_name"] == "levonorgestrel/ethinylestradiol"


def test_a_product_line_letter_is_never_read_as_a_typo_of_another_line() -> None:
    clotrimazole = _drug(908, "clotrimazole")
    rows = [_row("clotrimazole", "generic", clotrimazole), _row("Candid V", "brand", clotrimazole)]
    assert _pipeline("Candid-B", rows).drug is None  # clotrimazole + beclometasone, not Candid V
    assert _pipeline("Candd V", rows).drug == clotrimazole
