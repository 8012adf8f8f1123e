"""The shipped formulary data: valid records, and the facts that matter most for safety."""

from __future__ import annotations

import pytest

from rxtriage.formulary.datafile import (
    ATC_PATTERN,
    CONTROLLED_BASES,
    read_ambiguous,
    read_records,
    record_names,
    validate,
)

RECORDS = read_records()
BY_NAME = {r.generic_name: r for r in RECORDS}
NAME_OWNERS: dict[str, set[str]] = {}
for _record in RECORDS:
    for _entry in record_names(_record):
        NAME_OWNERS.setdefault(_entry.key, set()).add(_record.generic_name)


def test_the_shipped_formulary_is_valid():
    assert validate(RECORDS) == []


def test_the_formulary_holds_at_least_500_medicines_and_2000_names():
    assert len(RECORDS) >= 500
    assert len(NAME_OWNERS) >= 2000


def test_no_name_belongs_to_two_medicines_unless_recorded_as_ambiguous():
    ambiguous = read_ambiguous()
    shared = {key: owners for key, owners in NAME_OWNERS.items() if len(owners) > 1}
    assert all(owners <= ambiguous.get(key, set()) for key, owners in shared.items()), shared


def test_every_controlled_medicine_states_its_legal_basis():
    for record in RECORDS:
        if record.schedule == "controlled":
            assert record.controlled_basis in CONTROLLED_BASES, record.generic_name


def test_every_combination_is_made_of_medicines_of_the_formulary():
    for record in RECORDS:
        for component in record.components:
            assert component in BY_NAME, (record.generic_name, component)


def test_every_atc_code_is_well_formed():
    assert all(ATC_PATTERN.match(r.atc_code) for r in RECORDS)


def test_every_record_says_where_its_facts_come_from():
    assert all(r.source for r in RECORDS)


@pytest.mark.parametrize(
    ("name", "schedule", "basis"),
    [
        ("tramadol", "controlled", "ng_national"),
        ("codeine", "controlled", "un1961_II"),
        ("morphine", "controlled", "un1961_I"),
        ("pethidine", "controlled", "un1961_I"),
        ("diazepam", "controlled", "un1971_IV"),
        ("pentazocine", "controlled", "un1971_III"),
        ("phenobarbital", "controlled", "un1971_IV"),
    ],
)
def test_controlled_medicines_are_controlled_with_their_convention(name, schedule, basis):
    assert BY_NAME[name].schedule == schedule
    assert BY_NAME[name].controlled_basis == basis


@pytest.mark.parametrize(
    ("name", "schedule"),
    [
        ("paracetamol", "otc"),
        ("amoxicillin", "pom"),
        ("ciprofloxacin", "pom"),
        ("metformin", "pom"),
        ("amlodipine", "pom"),
        ("prednisolone", "pom"),
        ("warfarin", "pom"),
        ("misoprostol", "pom"),
    ],
)
def test_schedules_that_route_requests(name, schedule):
    assert BY_NAME[name].schedule == schedule


@pytest.mark.parametrize(
    "name", ["warfarin", "methotrexate", "tramadol", "morphine", "carbamazepine", "phenytoin"]
)
def test_high_alert_medicines_are_flagged(name):
    assert BY_NAME[name].high_alert


def test_every_insulin_is_high_alert_and_prescription_only():
    insulins = [r for r in RECORDS if r.atc_code.startswith("A10A")]
    assert len(insulins) >= 4
    assert all(r.high_alert and r.schedule == "pom" for r in insulins)


def test_every_systemic_antibiotic_is_prescription_only_with_an_aware_group():
    antibiotics = [r for r in RECORDS if r.atc_code.startswith("J01")]
    assert len(antibiotics) >= 30
    for record in antibiotics:
        assert record.schedule in {"pom", "controlled"}, record.generic_name
        if "inhibitor" not in record.drug_class:  # clavulanic acid, avibactam: no group alone
            assert record.aware in {"access", "watch", "reserve", "not_recommended"}, record.generic_name


def test_a_combination_is_never_lighter_than_its_strictest_part():
    assert BY_NAME["paracetamol/codeine"].schedule == "controlled"
    assert BY_NAME["amoxicillin/clavulanic acid"].components == ("amoxicillin", "clavulanic acid")


def test_hyoscine_salts_are_two_medicines():
    assert "hyoscine butylbromide" in BY_NAME and "hyoscine hydrobromide" in BY_NAME


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("acetaminophen", "paracetamol"),
        ("albuterol", "salbutamol"),
        ("frusemide", "furosemide"),
        ("lignocaine", "lidocaine"),
        ("rifampin", "rifampicin"),
        ("co-amoxiclav", "amoxicillin/clavulanic acid"),
        ("co-trimoxazole", "sulfamethoxazole/trimethoprim"),
        ("coartem", "artemether/lumefantrine"),
        ("lonart", "artemether/lumefantrine"),
        ("septrin", "sulfamethoxazole/trimethoprim"),
        ("flagyl", "metronidazole"),
        ("ampiclox", "ampicillin/cloxacillin"),
        ("postinor 2", "levonorgestrel"),
        ("ventolin", "salbutamol"),
        ("glucophage", "metformin"),
    ],
)
def test_other_names_and_brands_belong_to_their_medicine(name, generic):
    from rxtriage.formulary.keys import name_key

    assert NAME_OWNERS.get(name_key(name)) == {generic}


def test_the_model_accepts_exactly_the_values_the_data_file_allows():
    from rxtriage.formulary.datafile import AWARE_GROUPS, EML_STATUSES, SCHEDULES
    from rxtriage.formulary.models import Aware, ControlledBasis, EmlStatus, Schedule

    assert set(ControlledBasis.values) - {""} == set(CONTROLLED_BASES)
    assert set(Aware.values) - {""} == set(AWARE_GROUPS)
    assert set(EmlStatus.values) == set(EML_STATUSES)
    assert set(Schedule.values) == set(SCHEDULES)
