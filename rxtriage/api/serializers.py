"""Input and output serializers of the API (docs/architecture.md section 7).

Input serializers are strict (see ``rxtriage.api.fields``) and carry the documented limits; output
serializers exist so that every response goes through a declared shape and the OpenAPI schema is
exactly what the API answers.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rxtriage.api.fields import (
    DeclaredFieldsOnly,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    storable_body,
)
from rxtriage.api.limits import (
    MAX_DOSAGE_CHARS,
    MAX_DURATION_CHARS,
    MAX_FORM_CHARS,
    MAX_JSON_DEPTH,
    MAX_MEDICATIONS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    MAX_RESOLVE_NAMES,
    MAX_SEARCH_LIMIT,
    MAX_STRENGTH_CHARS,
    MAX_SYMPTOMS_CHARS,
)
from rxtriage.formulary.models import Drug, Schedule
from rxtriage.triage.models import ReviewDecision, Route, Status

__all__ = [
    "DecisionSerializer",
    "DrugDetailSerializer",
    "DrugSearchInputSerializer",
    "DrugSearchOutputSerializer",
    "ErrorSerializer",
    "LookupResultSerializer",
    "PrescriptionRequestCreatedSerializer",
    "PrescriptionRequestDetailSerializer",
    "PrescriptionRequestInputSerializer",
    "PrescriptionRequestListInputSerializer",
    "PrescriptionRequestListItemSerializer",
    "PrescriptionRequestPageSerializer",
    "ResolveManyInputSerializer",
    "ResolveOneInputSerializer",
    "ResolveOutputSerializer",
    "ReviewInputSerializer",
]


# --- Errors -------------------------------------------------------------------------------------------
class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. validation_error.")
    message = serializers.CharField(help_text="Human-readable explanation; do not branch on it.")
    # A field called "fields" (the contract's name): DRF moves it into _declared_fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="Per-field errors of a validation_error."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# --- Prescription requests: input ---------------------------------------------------------------------
class MedicationInputSerializer(DeclaredFieldsOnly, serializers.Serializer):
    medicationName = StrictCharField(max_length=MAX_NAME_CHARS, help_text="The name as the patient typed it.")
    strength = StrictCharField(required=False, allow_blank=True, max_length=MAX_STRENGTH_CHARS, default="")
    form = StrictCharField(required=False, allow_blank=True, max_length=MAX_FORM_CHARS, default="")
    dosage = StrictCharField(required=False, allow_blank=True, max_length=MAX_DOSAGE_CHARS, default="")


class PatientInputSerializer(DeclaredFieldsOnly, serializers.Serializer):
    ageYears = StrictFloatField(required=False, min_value=0, max_value=130)
    weightKg = StrictFloatField(required=False, min_value=0.2, max_value=500)
    pregnant = StrictBooleanField(required=False)
    breastfeeding = StrictBooleanField(required=False)


class PrescriptionRequestInputSerializer(DeclaredFieldsOnly, serializers.Serializer):
    """The body of ``POST /api/prescriptions/requests/`` (and of ``rxtriage triage``).

    Only the declared fields are accepted, at the top level, in each medication and in ``patient``:
    an unknown key is a ``validation_error`` naming it, so nothing undeclared is stored or echoed."""

    medications = serializers.ListField(
        child=MedicationInputSerializer(),
        min_length=1,
        max_length=MAX_MEDICATIONS,
        allow_empty=False,
    )
    symptoms = StrictCharField(required=False, allow_blank=True, max_length=MAX_SYMPTOMS_CHARS, default="")
    duration = StrictCharField(required=False, allow_blank=True, max_length=MAX_DURATION_CHARS, default="")
    patient = PatientInputSerializer(required=False)

    def storable_raw(self) -> dict[str, Any]:
        """The body as sent (declared keys only: others are refused), for the record."""
        return storable_body(self.initial_data, self.validated_data, max_depth=MAX_JSON_DEPTH)


OPEN = "open"  # a status filter: pending and escalated requests, what reviewers still have to act on


class PrescriptionRequestListInputSerializer(serializers.Serializer):
    route = serializers.ChoiceField(choices=Route.choices, required=False)
    status = serializers.ChoiceField(
        choices=[*Status.choices, (OPEN, "Open (pending or escalated)")],
        required=False,
        help_text="A status, or `open` for pending and escalated requests.",
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=MAX_OFFSET)


class ReviewInputSerializer(DeclaredFieldsOnly, serializers.Serializer):
    """The body of a review: an unknown key (a misspelt ``note``, say) is a ``validation_error`` naming
    it, so a note meant for the patient is never dropped while the decision is recorded."""

    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=MAX_NOTE_CHARS,
        default="",
        help_text="The note the patient sees.",
    )
    clinician_note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=MAX_NOTE_CHARS,
        default="",
        help_text="A private note for pharmacists and doctors; never shown to the patient.",
    )


# --- Drug lookup: input -------------------------------------------------------------------------------
class ResolveOneInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=MAX_NAME_CHARS)


class ResolveManyInputSerializer(serializers.Serializer):
    names = serializers.ListField(
        child=StrictCharField(max_length=MAX_NAME_CHARS),
        min_length=1,
        max_length=MAX_RESOLVE_NAMES,
        allow_empty=False,
    )


class DrugSearchInputSerializer(serializers.Serializer):
    q = StrictCharField(max_length=MAX_NAME_CHARS)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_SEARCH_LIMIT, default=10)


# --- Drug lookup: output ------------------------------------------------------------------------------
class DrugInfoSerializer(serializers.Serializer):
    """A resolved drug (docs/architecture.md section 7, ``rxtriage resolve --json``)."""

    id = serializers.IntegerField()
    generic_name = serializers.CharField()
    display_name = serializers.CharField()
    schedule = serializers.ChoiceField(choices=Schedule.choices)
    controlled_basis = serializers.CharField(allow_null=True)
    high_alert = serializers.BooleanField()
    drug_class = serializers.CharField(allow_blank=True)
    atc_code = serializers.CharField(allow_blank=True)
    components = serializers.ListField(child=serializers.CharField())
    aware = serializers.CharField(allow_null=True, required=False)
    eml = serializers.CharField(required=False)
    pregnancy_avoid = serializers.BooleanField(required=False)


class LookupResultSerializer(serializers.Serializer):
    input = serializers.CharField(allow_blank=True)
    normalized = serializers.CharField(allow_blank=True)
    match = serializers.CharField(help_text="generic, brand, synonym, co_name, abbreviation, fuzzy or none")
    score = serializers.FloatField(min_value=0, max_value=1)
    confirm = serializers.BooleanField()
    drug = DrugInfoSerializer(allow_null=True)
    candidates = serializers.ListField(child=serializers.DictField())
    note = serializers.CharField(allow_null=True, required=False)
    reason = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="Why nothing was resolved: not_in_formulary, not_a_medicine, ambiguous, "
        "error_prone_abbreviation, look_alike_sound_alike or not_found; null when a medicine was.",
    )


class ResolveOutputSerializer(serializers.Serializer):
    results = LookupResultSerializer(many=True)


class DrugSearchItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    generic_name = serializers.CharField()
    display_name = serializers.CharField()
    schedule = serializers.ChoiceField(choices=Schedule.choices)
    matched_name = serializers.CharField(help_text="The formulary name that matched.")
    kind = serializers.CharField(help_text="How it matched: generic, brand, synonym, ..., fuzzy.")
    score = serializers.FloatField(min_value=0, max_value=1)


class DrugSearchOutputSerializer(serializers.Serializer):
    results = DrugSearchItemSerializer(many=True)


class DrugDetailSerializer(serializers.ModelSerializer):
    class Meta:
        model = Drug
        fields = [
            "id",
            "generic_name",
            "display_name",
            "brand_names",
            "search_keywords",
            "abbreviations",
            "co_names",
            "components",
            "drug_class",
            "atc_code",
            "schedule",
            "controlled_basis",
            "high_alert",
            "aware",
            "eml",
            "pregnancy_avoid",
            "is_active",
            "prescription_count",
            "source",
            "review",
            "updated_at",
        ]
        read_only_fields = fields


# --- Triage decision: output --------------------------------------------------------------------------
class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(help_text="Plain words for people; do not parse it.")
    medication = serializers.CharField(required=False, allow_null=True)
    detail = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="The machine detail behind the reason, e.g. {flag, status} of a red flag or {gate} of "
        "an age gate.",
    )


class MedicationResolutionSerializer(LookupResultSerializer):
    """One medication of a decision: its resolution plus the strength and form as typed."""

    strength = serializers.CharField(allow_null=True, required=False)
    form = serializers.CharField(allow_null=True, required=False)


class DecisionSerializer(serializers.Serializer):
    """A triage decision (docs/architecture.md section 6)."""

    route = serializers.ChoiceField(choices=Route.choices)
    urgent = serializers.BooleanField()
    requires_doctor = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
    red_flags = serializers.ListField(child=serializers.CharField())
    medications = MedicationResolutionSerializer(many=True)


# --- Prescription requests: output --------------------------------------------------------------------
class PrescriptionRequestCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    created_at = serializers.DateTimeField()
    triage = DecisionSerializer(source="decision")


class MedicationLineSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    medicationName = serializers.CharField(source="name")
    strength = serializers.CharField(allow_blank=True)
    form = serializers.CharField(allow_blank=True)
    dosage = serializers.CharField(allow_blank=True)
    normalized = serializers.CharField(allow_blank=True)
    match = serializers.CharField()
    score = serializers.FloatField()
    confirm = serializers.BooleanField()
    drug_id = serializers.IntegerField(allow_null=True)
    generic_name = serializers.CharField(allow_blank=True, help_text="Snapshot at triage time.")
    schedule = serializers.CharField(allow_blank=True, help_text="Snapshot at triage time.")


def _username(user: Any) -> str | None:
    return None if user is None else str(user.get_username())


class ReviewOutputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices, source="review_decision")
    note = serializers.CharField(allow_blank=True, source="review_note", help_text="Shown to the patient.")
    reviewed_at = serializers.DateTimeField()
    reviewed_by = serializers.SerializerMethodField()
    clinician_note = serializers.CharField(
        allow_blank=True,
        required=False,
        help_text="Pharmacists and doctors only: absent from what a patient is shown.",
    )

    def get_reviewed_by(self, obj: Any) -> str | None:
        return _username(obj.reviewed_by)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = dict(super().to_representation(instance))
        if not self.context.get("clinician"):
            data.pop("clinician_note", None)
        return data


class PrescriptionRequestListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    route = serializers.ChoiceField(choices=Route.choices)
    urgent = serializers.BooleanField()
    requires_doctor = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = serializers.SerializerMethodField(help_text="The reviewer's username, or null.")
    medications = serializers.SerializerMethodField()

    def get_reviewed_by(self, obj: Any) -> str | None:
        return _username(obj.reviewed_by)

    def get_medications(self, obj: Any) -> list[str]:
        return [line.name for line in obj.lines.all()]


class PrescriptionRequestPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = PrescriptionRequestListItemSerializer(many=True)


class PrescriptionRequestDetailSerializer(PrescriptionRequestListItemSerializer):
    symptoms = serializers.CharField(allow_blank=True)
    duration = serializers.CharField(allow_blank=True)
    patient = serializers.SerializerMethodField()
    lines = MedicationLineSerializer(many=True, source="lines.all")
    triage = DecisionSerializer(source="decision")
    review = serializers.SerializerMethodField()

    @extend_schema_field(PatientInputSerializer(allow_null=True))
    def get_patient(self, obj: Any) -> dict[str, Any] | None:
        raw = obj.raw if isinstance(obj.raw, dict) else {}
        patient = raw.get("patient")
        if not isinstance(patient, dict):
            return None
        return {key: patient[key] for key in PatientInputSerializer().fields if key in patient}

    @extend_schema_field(ReviewOutputSerializer(allow_null=True))
    def get_review(self, obj: Any) -> dict[str, Any] | None:
        if not obj.review_decision:
            return None
        return dict(ReviewOutputSerializer(obj, context=self.context).data)
