"""Console forms: sign-in for clinicians only, queue filters, a review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from rxtriage.console.selectors import STATES, QueueFilters
from rxtriage.console.services import is_clinician
from rxtriage.curation.models import CurationKind
from rxtriage.triage.models import ReviewDecision, Route

__all__ = [
    "ClinicianSignInForm",
    "CurationApproveForm",
    "CurationRejectForm",
    "QueueFilterForm",
    "ReviewForm",
]

NOT_A_CLINICIAN = "Only pharmacists and doctors can sign in to the review console."


class ClinicianSignInForm(AuthenticationForm):
    """Django's sign-in form (and its authentication backends, lock-out included) for clinicians only."""

    error_messages = {**AuthenticationForm.error_messages, "not_clinician": NOT_A_CLINICIAN}

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_clinician(user):
            raise forms.ValidationError(self.error_messages["not_clinician"], code="not_clinician")


class QueueFilterForm(forms.Form):
    route = forms.ChoiceField(choices=[("", "All my queues"), *Route.choices], required=False)
    state = forms.ChoiceField(
        choices=[("open", "Open"), ("closed", "Closed"), ("all", "All")], required=False, initial="open"
    )
    day = forms.DateField(required=False, label="Sent on", widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> QueueFilters:
        """The filters asked for; anything invalid falls back to the default (open, all routes)."""
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        state = data.get("state") or "open"
        return QueueFilters(
            route=data.get("route") or None,
            state=state if state in STATES else "open",
            day=data.get("day"),
        )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note for the patient",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    clinician_note = forms.CharField(
        label="Private note for clinicians",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)


class CurationApproveForm(forms.Form):
    key = forms.CharField(max_length=200, widget=forms.HiddenInput)
    drug = forms.CharField(label="Medicine (generic name)", max_length=200)
    kind = forms.ChoiceField(choices=CurationKind.choices, initial=CurationKind.BRAND, label="As a")


class CurationRejectForm(forms.Form):
    key = forms.CharField(max_length=200, widget=forms.HiddenInput)
