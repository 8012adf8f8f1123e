"""Routes of the HTTP API (mounted at ``/api/``); every unmatched ``/api/`` path is a JSON 404."""

from __future__ import annotations

from django.urls import path, re_path, register_converter

from rxtriage.api import views
from rxtriage.api.schema import SchemaView, SwaggerView


class IdConverter:
    """A positive database id of at most 18 digits (so it always fits a 64-bit integer column)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path(
        "prescriptions/requests/",
        views.PrescriptionRequestListCreateView.as_view(),
        name="prescription-request-list",
    ),
    path(
        "prescriptions/requests/<id:id>/",
        views.PrescriptionRequestDetailView.as_view(),
        name="prescription-request-detail",
    ),
    path(
        "prescriptions/requests/<id:id>/review/",
        views.PrescriptionRequestReviewView.as_view(),
        name="prescription-request-review",
    ),
    path("drugs/resolve/", views.DrugResolveView.as_view(), name="drug-resolve"),
    path("drugs/search/", views.DrugSearchView.as_view(), name="drug-search"),
    path("drugs/<id:id>/", views.DrugDetailView.as_view(), name="drug-detail"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^[\s\S]*$", views.ApiNotFoundView.as_view(), name="api-not-found"),
]
