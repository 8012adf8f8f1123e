"""Loading the formulary: idempotent upserts, the names index and the version kept in step."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from rxtriage.formulary.datafile import DrugRecord, read_records
from rxtriage.formulary.models import Drug, DrugName, FormularyVersion
from rxtriage.formulary.selectors import formulary_version_get
from rxtriage.formulary.services import drug_delete, drug_save, drug_upsert_many


def _record(**overrides: Any) -> DrugRecord:
    fields: dict[str, Any] = dict(
        generic_name="testamycin",
        display_name="Testamycin",
        drug_class="test antibacterial",
        atc_code="J01XX99",
        schedule="pom",
        source="test",
        brand_names=("Testex",),
        search_keywords=("testamycine",),
    )
    fields.update(overrides)
    return DrugRecord(**fields)


def test_a_second_load_of_the_same_data_changes_nothing(formulary):
    version = formulary_version_get()
    names = DrugName.objects.count()
    summary = drug_upsert_many(records=read_records())
    assert (summary.created, summary.updated, summary.deactivated) == (0, 0, 0)
    assert summary.version is None
    assert formulary_version_get() == version
    assert DrugName.objects.count() == names


def test_loading_a_new_record_indexes_its_names_and_bumps_the_version(formulary):
    version = formulary_version_get()
    summary = drug_upsert_many(records=[_record()])
    assert summary.created == 1 and summary.version == version + 1
    drug = Drug.objects.get(generic_name="testamycin")
    assert set(drug.names.values_list("name", "kind")) == {
        ("testamicin", "generic"),
        ("testex", "brand"),
        ("testamicine", "synonym"),
    }


def test_changing_a_record_rebuilds_its_names(formulary):
    drug_upsert_many(records=[_record()])
    drug_upsert_many(records=[_record(brand_names=("Newbrand",))])
    drug = Drug.objects.get(generic_name="testamycin")
    assert set(drug.names.values_list("text", flat=True)) == {"testamycin", "Newbrand", "testamycine"}


def test_saving_through_the_service_keeps_names_and_version_in_step(formulary):
    version = formulary_version_get()
    drug = Drug.objects.get(generic_name="paracetamol")
    drug.brand_names = [*drug.brand_names, "Paraxyz"]
    drug_save(drug=drug)
    assert DrugName.objects.filter(name="paraxiz", drug=drug, kind="brand").exists()
    assert formulary_version_get() == version + 1
    drug_delete(drug=drug)
    assert not DrugName.objects.filter(name="paraxiz").exists()
    assert formulary_version_get() == version + 2


def test_the_version_row_is_created_on_the_first_write(formulary):
    FormularyVersion.objects.all().delete()
    assert formulary_version_get() == 1
    drug_upsert_many(records=[_record()])
    assert formulary_version_get() == 2


def test_deactivate_missing_marks_absent_medicines_inactive(formulary):
    summary = drug_upsert_many(records=[_record()], deactivate_missing=True)
    assert summary.deactivated == Drug.objects.filter(is_active=False).count() > 500


def test_formulary_stats_prints_only_json(formulary):
    out = io.StringIO()
    call_command("formulary_stats", "--json", stdout=out)
    stats = json.loads(out.getvalue())
    assert stats["drugs"] >= 500 and stats["names"] >= 2000
    assert set(stats["by_schedule"]) == {"otc", "pharmacy", "pom", "controlled"}
    assert sum(stats["by_schedule"].values()) == stats["drugs"]


def test_load_formulary_reports_a_summary(formulary):
    out = io.StringIO()
    call_command("load_formulary", stdout=out, stderr=io.StringIO())
    assert "0 created, 0 updated" in out.getvalue()
    assert "version unchanged" in out.getvalue()


def test_load_formulary_refuses_a_broken_file(formulary, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.yaml"
    bad.write_text("- generic_name: x\n  schedule: nope\n")
    with pytest.raises(CommandError):
        call_command("load_formulary", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
