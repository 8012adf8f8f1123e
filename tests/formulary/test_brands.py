"""Brands, product lines, abbreviations and other names as Nigerian patients type them, resolved through
the real lookup to the right record (see rxtriage/formulary/data/README.md, "Brands and product lines")."""

from __future__ import annotations

import pytest

from rxtriage.formulary.datafile import read_records, record_names
from rxtriage.formulary.keys import name_key
from rxtriage.lookup.api import lookup_many

RECORDS = read_records()
BRANDS = {e.key for r in RECORDS for e in record_names(r) if e.kind == "brand"}
OWNERS: dict[str, set[str]] = {}
for _record in RECORDS:
    for _entry in record_names(_record):
        OWNERS.setdefault(_entry.key, set()).add(_record.generic_name)

LOZENGE = "amylmetacresol/dichlorobenzyl alcohol"


def test_the_formulary_holds_at_least_twice_the_1398_brand_names_it_started_with():
    assert len(BRANDS) >= 2 * 1398


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        # Nigerian-market and Indian-import brands an outside check did not know
        ("Lumerax", "artemether/lumefantrine"),
        ("Combiart", "artemether/lumefantrine"),
        ("Larinate", "artesunate"),
        ("Falcigo", "artesunate"),
        ("Lariago", "chloroquine"),  # not an artemisinin: Ipca's chloroquine phosphate
        ("Amlong 5mg", "amlodipine"),
        ("Cifran 500", "ciprofloxacin"),
        ("Zifi 200", "cefixime"),
        ("Emeset", "ondansetron"),
        ("Taxim", "cefotaxime"),
        ("Tenvir", "tenofovir disoproxil"),
        ("R-Cinex", "rifampicin/isoniazid"),
        ("Oflox", "ofloxacin"),
        ("Althrocin", "erythromycin"),
        ("Lamivir", "lamivudine"),
        ("Efavir", "efavirenz"),
        # abbreviations and other names
        ("CQ", "chloroquine"),
        ("LNG", "levonorgestrel"),
        ("phenobarb", "phenobarbital"),
        ("mag sulph", "magnesium sulfate"),
        ("TLD", "tenofovir disoproxil/lamivudine/dolutegravir"),
        ("leucovorin", "calcium folinate"),
        ("folinic acid", "calcium folinate"),
        ("amethocaine", "tetracaine"),
        ("butylhyoscine", "hyoscine butylbromide"),
        # product lines: a line is a name of its own, of the medicine it really is
        ("Panadol Advance", "paracetamol"),
        ("Panadol Extra", "paracetamol/caffeine"),
        ("Panadol Extra Advance", "paracetamol/caffeine"),
        ("Meftal", "mefenamic acid"),
        ("Meftal Forte", "mefenamic acid/paracetamol"),
        ("Nurofen Plus", "ibuprofen/codeine"),
        ("Buscopan Plus", "hyoscine butylbromide/paracetamol"),
        ("Panadol Night", "paracetamol/diphenhydramine"),
        ("Strepsils Plus", "amylmetacresol/2,4-dichlorobenzyl alcohol/lidocaine"),
        ("Strepsils Intensive", "flurbiprofen"),
        ("Gaviscon Advance", "sodium alginate/potassium bicarbonate"),
        ("Candid-B", "clotrimazole/beclometasone"),
        ("co-amilofruse", "amiloride/furosemide"),
        ("Neurobion", "thiamine/pyridoxine/cyanocobalamin"),
        ("Strepsils", LOZENGE),
        ("Strepsils Honey and Lemon", LOZENGE),
        ("strepsils honey & lemon lozenges", LOZENGE),
        ("Strepsils Orange", LOZENGE),
        ("Strepsils Cool", LOZENGE),
        ("Dettol Antiseptic Liquid", "chloroxylenol"),
        ("Savlon Antiseptic Liquid", "cetrimide/chlorhexidine"),
    ],
)
def test_a_name_as_typed_resolves_to_its_own_medicine_without_confirmation(formulary, name, generic):
    result = lookup_many(names=[name])[0]
    assert result.drug is not None, (name, result.match, result.candidates)
    assert result.drug["generic_name"] == generic
    assert not result.confirm


def test_the_simple_lozenge_is_sold_without_prescription_and_a_codeine_line_is_controlled():
    by_name = {r.generic_name: r for r in RECORDS}
    assert by_name[LOZENGE].schedule == "otc"
    assert by_name["ibuprofen/codeine"].schedule == "controlled"


@pytest.mark.parametrize("line", ["Strepsils Plus", "Strepsils Intensive", "Strepsils Extra", "Strefen"])
def test_lozenge_lines_with_another_active_are_not_names_of_the_simple_lozenge(line):
    assert LOZENGE not in OWNERS.get(name_key(line), set())


@pytest.mark.parametrize(
    ("line", "single"),
    [
        ("Nurofen Plus", "ibuprofen"),  # + codeine
        ("Ibugesic Plus", "ibuprofen"),  # + paracetamol
        ("Buscopan Plus", "hyoscine butylbromide"),  # + paracetamol
        ("Zifi CV", "cefixime"),  # + clavulanic acid
        ("Cepodem XP", "cefpodoxime"),  # + clavulanic acid
        ("Telma H", "telmisartan"),  # + hydrochlorothiazide
        ("Losar H", "losartan"),  # + hydrochlorothiazide
        ("Amlong MT", "amlodipine"),  # + metoprolol
        ("Ciplox TZ", "ciprofloxacin"),  # + tinidazole
        ("Oflox OZ", "ofloxacin"),  # + ornidazole
        ("Meftal Spas", "mefenamic acid"),  # + dicycloverine
        ("Zerodol P", "aceclofenac"),  # + paracetamol
    ],
)
def test_a_brand_line_with_another_active_never_silently_becomes_the_single_medicine(formulary, line, single):
    result = lookup_many(names=[line])[0]
    assert result.drug is None or result.confirm or result.drug["generic_name"] != single


@pytest.mark.parametrize(("abbreviation", "generic"), [("AZT", "zidovudine"), ("ZnSO4", "zinc sulfate")])
def test_an_error_prone_abbreviation_is_data_of_its_medicine_but_never_auto_resolves(
    formulary, abbreviation, generic
):
    """ISMP lists AZT and ZnSO4 as error-prone: the name is kept, the lookup asks a human to pick."""
    assert OWNERS[name_key(abbreviation)] == {generic}
    result = lookup_many(names=[abbreviation])[0]
    assert result.drug is None or result.confirm
    assert generic in {c["generic_name"] for c in result.candidates}


def test_folinic_acid_and_folic_acid_never_share_a_name():
    folinate = {e.key for r in RECORDS if r.generic_name == "calcium folinate" for e in record_names(r)}
    folic = {e.key for r in RECORDS if r.generic_name == "folic acid" for e in record_names(r)}
    assert folinate and folic and not folinate & folic
