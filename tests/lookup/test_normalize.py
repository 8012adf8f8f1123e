"""Normalisation of typed names: what is split off, which keys are tried, and that it is total."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rxtriage.lookup.keys import name_key
from rxtriage.lookup.normalize import normalize

pytestmark: list[object] = []


def test_strength_form_and_pack_are_split_off_the_name() -> None:
    norm = normalize("Panadol Extra 500mg tabs x2")
    assert norm.text == "panadol extra"
    assert norm.strength_mg == 500.0
    assert norm.form == "tablet"
    assert "panadol extra" in norm.keys


def test_cards_and_counts_are_pack_sizes_not_names() -> None:
    norm = normalize("pcm 500mg x2 cards")
    assert norm.text == "pcm"
    assert norm.keys == ("pcm",)
    assert norm.strength_mg == 500.0


def test_grams_are_read_as_milligrams() -> None:
    assert normalize("ceftriaxone 1g inj").strength_mg == 1000.0
    assert normalize("misoprostol 200mcg").strength_mg == 0.2


def test_a_tramadol_strength_is_kept_for_the_triage_rules() -> None:
    norm = normalize("tramadol 200mg")
    assert norm.strength_mg == 200.0
    assert norm.keys[0] == "tramadol"


def test_a_bare_number_after_a_combination_brand_is_never_milligrams() -> None:
    norm = normalize("Augmentin 625")
    assert norm.strength_mg is None
    assert norm.strength_text == "625"
    assert norm.keys == ("augmentin 625", "augmentin")


def test_a_stated_figure_on_a_combination_name_is_not_milligrams_of_one_part() -> None:
    assert normalize("co-amoxiclav 625mg").strength_mg is None


def test_trailing_numbers_are_tried_with_and_without() -> None:
    assert normalize("postinor-2").keys[:2] == ("postinor 2", "postinor")
    assert normalize("mixtard 30").keys[:2] == ("mixtard 30", "mixtard")
    assert normalize("insulin 70/30").keys[0] == "insulin 70 30"
    assert "coartem" in normalize("coartem 80/480").keys


def test_vitamin_letters_and_b_complex_stay_whole() -> None:
    assert normalize("vitamin b12").keys[0] == "vitamin b12"
    assert normalize("b-co").keys[0] == "b co"
    assert normalize("Vit C 1000mg").keys[0] == "vitamin c"


def test_forms_are_canonical_words() -> None:
    assert normalize("tramadol caps").form == "capsule"
    assert normalize("ampiclox syrup for my baby").form == "syrup"
    assert normalize("Benylin linctus").form == "syrup"
    assert normalize("amoxil 250mg/5ml susp").form == "suspension"
    assert normalize("ventolin inhaler").form == "inhaler"


def test_filler_phrases_are_dropped() -> None:
    assert normalize("ampiclox syrup for my baby").text == "ampiclox"
    assert normalize("i need paracetamol for headache please").text == "paracetamol"
    assert normalize("2 cards of ampiclox").text == "ampiclox"


def test_a_name_with_a_form_word_in_it_is_still_tried_whole() -> None:
    assert normalize("water for injection").keys[0] == "water for injection"


def test_salt_words_are_dropped_in_a_later_key() -> None:
    keys = normalize("metformin hydrochloride 500mg").keys
    assert keys.index("metformin") > 0
    assert normalize("diclofenac sodium").keys[-1] == "diclofenac"


def test_hyoscine_salts_are_never_collapsed() -> None:
    assert normalize("hyoscine butylbromide").keys == (name_key("hyoscine butylbromide"),)
    assert name_key("hyoscine") not in normalize("hyoscine hydrobromide").keys


def test_a_mineral_salt_keeps_its_name() -> None:
    assert "magnesium" not in normalize("magnesium sulfate").keys
    assert "ferrous" not in normalize("ferrous sulphate 200mg").keys


def test_every_combination_separator_meets_the_formulary_key() -> None:
    for text in (
        "artemether/lumefantrine",
        "artemether + lumefantrine",
        "artemether-lumefantrine",
        "artemether and lumefantrine",
        "Artemether & Lumefantrine",
    ):
        assert "artemeter lumefantrine" in normalize(text).keys, text


def test_a_two_part_combination_is_also_tried_reversed() -> None:
    assert "amoxicillin clavulanic acid" in normalize("clavulanic acid + amoxicillin").keys


def test_an_aside_in_brackets_is_tried_alone() -> None:
    assert "hctz" in normalize("Hydrochlorothiazide (HCTZ)").keys


def test_an_error_prone_abbreviation_brings_what_it_may_mean() -> None:
    keys = normalize("MTX").keys
    assert keys[0] == "mtx"
    assert name_key("methotrexate") in keys


def test_noise_emoji_and_injection_strings_give_no_medicine_keys() -> None:
    assert normalize("😀💊").keys == ()
    assert normalize("").keys == ()
    assert normalize("   ").text == ""
    assert normalize("'; DROP TABLE drugs;--").text == "table drugs"


def test_long_input_is_cut_early() -> None:
    norm = normalize("paracetamol " * 1000)
    assert len(norm.text) <= 300
    assert norm.input.startswith("paracetamol")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    norm = normalize(text)
    assert normalize(norm.text).text == norm.text
    assert all(key and key == key.strip() and "  " not in key for key in norm.keys)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 /+-.,%x()µ", min_size=0, max_size=80))
def test_normalize_is_idempotent_on_name_like_text(text: str) -> None:
    norm = normalize(text)
    assert normalize(norm.text).text == norm.text


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=10_000, max_size=10_000))
def test_normalize_returns_on_ten_thousand_characters(text: str) -> None:
    assert isinstance(normalize(text).keys, tuple)


def test_a_rate_strength_and_the_route_of_a_patch_are_split_off_without_eating_the_name() -> None:
    norm = normalize("Fentanyl 25mcg/hr transdermal patch")
    assert norm.text == "fentanyl"
    assert name_key("fentanyl") in norm.keys
    assert norm.strength_text == "25mcg/hr"
    assert norm.form == "patch"


def test_a_concentration_and_an_oral_solution_are_split_off_without_eating_the_name() -> None:
    norm = normalize("Methadone 1mg/ml oral solution")
    assert norm.text == "methadone"
    assert norm.form == "solution"
    assert norm.strength_text == "1mg/ml"


def test_units_international_units_and_percentages_with_their_bases_are_strengths() -> None:
    cases = {
        "insulin 100 units/ml": ("insulin", "100units/ml"),
        "nystatin 100,000 IU/ml": ("nystatin", "100000iu/ml"),
        "hydrocortisone 1% w/w cream": ("hydrocortisone", "1%w/w"),
        "amoxicillin 250 mg in 5 ml": ("amoxicillin", "250mgin5ml"),
        "salbutamol 100 micrograms/metered dose inhaler": ("salbutamol", "100micrograms/metereddose"),
        "benzathine penicillin 2.4 million units IM": ("benzathine penicillin", "2.4millionunits"),
        "estradiol 50mcg/24hr patch": ("estradiol", "50mcg/24hr"),
    }
    for typed, (text, strength) in cases.items():
        norm = normalize(typed)
        assert (norm.text, norm.strength_text) == (text, strength), typed


def test_an_international_unit_figure_is_never_milligrams() -> None:
    assert normalize("vitamin d3 1000IU").strength_mg is None
    assert normalize("heparin 5000 units/ml").strength_mg is None


def test_dosing_shorthand_for_durations_and_times_of_day_is_dropped() -> None:
    assert normalize("pcm 500mg 2 tabs tds x 3/7").keys == ("pcm",)
    assert normalize("metronidazole 400mg 1-0-1 x 5/7").text == "metronidazole"
    assert normalize("ibuprofen 400mg 8 hourly").text == "ibuprofen"
    assert normalize("amoxicillin 500mg for 1/52").text == "amoxicillin"


def test_premixed_insulin_and_combination_codes_are_not_durations() -> None:
    assert normalize("Mixtard 30/70").strength_text == "30/70"
    assert normalize("coartem 80/480").strength_text == "80/480"
    assert normalize("Augmentin 625").strength_mg is None


def test_letters_with_digits_glued_on_are_marked_so_they_never_read_as_an_abbreviation() -> None:
    assert normalize("abc123").glued_number
    assert not normalize("abc 123").glued_number
    assert normalize("abc123").cache_text != normalize("abc 123").cache_text
    assert not normalize("feso4").glued_number


def test_salt_shorthand_is_spelled_out_only_as_a_whole_phrase() -> None:
    assert normalize("mag sulph 50%").keys == ("magnesium sulfate",)
    assert normalize("soda  bicarb").keys == ("sodium bicarbonate",)
    assert normalize("ferrous sulph 200mg").keys[0] == "ferrous sulfate"
    assert normalize("mist mag").keys[0] == "mist mag"
