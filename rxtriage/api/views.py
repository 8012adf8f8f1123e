"""The HTTP API (docs/architecture.md section 7).  Thin views: input serializer -> one service or selector ->
output serializer.  Errors are raised, and ``rxtriage.api.errors`` renders them."""

from __future__ import annotations

from typing import Any

from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rxtriage.api import serializers as s
from rxtriage.api.conditional import formulary_read
from rxtriage.api.errors import AlreadyReviewed, SelfReviewError
from rxtriage.api.limits import MAX_PAGE_SIZE, PAGE_SIZE
from rxtriage.api.outputs import prescription_request_created_output
from rxtriage.api.parsers import JSONParser
from rxtriage.api.selectors import drug_get, drug_search
from rxtriage.lookup.api import lookup_many, lookup_one
from rxtriage.triage.selectors import prescription_request_get, prescription_request_list, user_role
from rxtriage.triage.services import (
    REVIEWER_ROLES,
    ReviewFinal,
    ReviewForbidden,
    SelfReviewForbidden,
    prescription_request_create,
    prescription_request_review,
)

__all__ = [
    "ApiNotFoundView",
    "DrugDetailView",
    "DrugResolveView",
    "DrugSearchView",
    "PrescriptionRequestDetailView",
    "PrescriptionRequestListCreateView",
    "PrescriptionRequestReviewView",
]


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for the schema (every protected operation can also answer 401, 429 and 503)."""
    wanted = sorted({*codes, 401, 413, 429, 503})
    return {code: OpenApiResponse(s.ErrorSerializer, description="Error envelope.") for code in wanted}


_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Numeric id (at most 18 digits).")


class ApiView(APIView):
    """Base of the API's views: the hardened JSON parser, and a wrong method answered 405 (with the
    path's real ``Allow``) before authentication and permissions, so the answer does not depend on who
    asks."""

    parser_classes = [JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)


class PatientDataView(ApiView):
    """A view whose answers carry patient data: never stored by a browser or a shared cache."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)
        return response


def _clinician(request: Request) -> dict[str, Any]:
    """Serializer context: whether the reader may see clinician-only fields."""
    return {"clinician": user_role(user=request.user) in REVIEWER_ROLES}


class Pagination(LimitOffsetPagination):
    default_limit = PAGE_SIZE
    max_limit = MAX_PAGE_SIZE


class IsReviewer(permissions.BasePermission):
    """Pharmacists and doctors."""

    message = "Only pharmacists and doctors review requests."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_role(user=request.user) in REVIEWER_ROLES


def _validated(serializer_class: type, data: Any) -> dict[str, Any]:
    """Validated data, or a validation error.

    Query strings are read as plain dicts (last value wins), so an empty parameter is a value to
    validate, not an omitted one.  Parameters the operation does not know are ignored, as HTTP
    clients expect (cache busters, tracing ids).
    """
    if hasattr(data, "getlist"):
        known = set(serializer_class().fields)
        data = {key: value for key, value in data.dict().items() if key in known}
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PrescriptionRequestListCreateView(PatientDataView):
    @extend_schema(
        operation_id="prescription_requests_list",
        parameters=[s.PrescriptionRequestListInputSerializer],
        responses={200: s.PrescriptionRequestPageSerializer, **_errors(400)},
        description="A patient's own requests (newest first), or a pharmacist's or doctor's queue "
        "(urgent first, then oldest first). `status=open` lists pending and escalated requests. "
        "Paginated with limit (1-100, default 50) and offset.",
    )
    def get(self, request: Request) -> Response:
        filters = _validated(s.PrescriptionRequestListInputSerializer, request.query_params)
        filters.pop("limit", None)
        filters.pop("offset", None)
        queryset = prescription_request_list(user=request.user, **filters)
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(s.PrescriptionRequestListItemSerializer(page, many=True).data)

    @extend_schema(
        operation_id="prescription_requests_create",
        request=s.PrescriptionRequestInputSerializer,
        responses={201: s.PrescriptionRequestCreatedSerializer, **_errors(400, 415)},
        description="Triage a prescription request and save it with its decision.",
    )
    def post(self, request: Request) -> Response:
        serializer = s.PrescriptionRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = prescription_request_create(
            user=request.user, payload=dict(serializer.validated_data), raw=serializer.storable_raw()
        )
        return Response(prescription_request_created_output(obj=obj), status=status.HTTP_201_CREATED)


class PrescriptionRequestDetailView(PatientDataView):
    @extend_schema(
        operation_id="prescription_requests_retrieve",
        parameters=[_ID],
        responses={200: s.PrescriptionRequestDetailSerializer, **_errors(404)},
        description="One request: the requester's own, or any request for a pharmacist or doctor. "
        "The review's `clinician_note` is shown to pharmacists and doctors only.",
    )
    def get(self, request: Request, id: int) -> Response:
        obj = prescription_request_get(user=request.user, id=id)
        if obj is None:
            raise exceptions.NotFound()
        return Response(s.PrescriptionRequestDetailSerializer(obj, context=_clinician(request)).data)


class PrescriptionRequestReviewView(PatientDataView):
    permission_classes = [permissions.IsAuthenticated, IsReviewer]

    @extend_schema(
        operation_id="prescription_requests_review",
        parameters=[_ID],
        request=s.ReviewInputSerializer,
        responses={200: s.PrescriptionRequestDetailSerializer, **_errors(400, 403, 404, 409, 415)},
        description="Approve, decline or escalate a request. Pharmacists review the pharmacist route, "
        "doctors any route; nobody reviews a request they sent (403 self_review_forbidden); approved "
        "and declined are final (409 already_reviewed). A pharmacist's escalation moves the request to "
        "the doctor queue. `note` is shown to the patient, `clinician_note` only to pharmacists and "
        "doctors.",
    )
    def post(self, request: Request, id: int) -> Response:
        body = _validated(s.ReviewInputSerializer, request.data)
        obj = prescription_request_get(user=request.user, id=id)
        if obj is None:
            raise exceptions.NotFound()
        try:
            obj = prescription_request_review(request_obj=obj, reviewer=request.user, **body)
        except SelfReviewForbidden as exc:
            raise SelfReviewError() from exc
        except ReviewForbidden as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except ReviewFinal as exc:
            raise AlreadyReviewed() from exc
        return Response(s.PrescriptionRequestDetailSerializer(obj, context=_clinician(request)).data)


class DrugResolveView(ApiView):
    @extend_schema(
        operation_id="drugs_resolve_one",
        parameters=[s.ResolveOneInputSerializer],
        responses={200: s.ResolveOutputSerializer, **_errors(400)},
        description="Resolve one typed medication name (`?name=`) against the formulary; the answer "
        "has the shape of the POST's, with one result.",
    )
    @formulary_read
    def get(self, request: Request) -> Response:
        params = _validated(s.ResolveOneInputSerializer, request.query_params)
        results = [lookup_one(name=params["name"]).as_dict()]
        return Response(s.ResolveOutputSerializer({"results": results}).data)

    @extend_schema(
        operation_id="drugs_resolve_many",
        request=s.ResolveManyInputSerializer,
        responses={200: s.ResolveOutputSerializer, **_errors(400, 415)},
        description="Resolve up to 50 names in one call; one result per name, in input order.",
    )
    def post(self, request: Request) -> Response:
        body = _validated(s.ResolveManyInputSerializer, request.data)
        results = [result.as_dict() for result in lookup_many(names=body["names"])]
        return Response(s.ResolveOutputSerializer({"results": results}).data)


class DrugSearchView(ApiView):
    @extend_schema(
        operation_id="drugs_search",
        parameters=[s.DrugSearchInputSerializer],
        responses={200: s.DrugSearchOutputSerializer, **_errors(400)},
        description="Ranked autocomplete candidates: name-prefix matches first, then fuzzy matches.",
    )
    @formulary_read
    def get(self, request: Request) -> Response:
        params = _validated(s.DrugSearchInputSerializer, request.query_params)
        hits = drug_search(q=params["q"], limit=params["limit"])
        return Response(s.DrugSearchOutputSerializer({"results": [hit.as_dict() for hit in hits]}).data)


class DrugDetailView(ApiView):
    @extend_schema(
        operation_id="drugs_retrieve",
        parameters=[_ID],
        responses={200: s.DrugDetailSerializer, **_errors(404)},
        description="The full formulary record of one medicine.",
    )
    @formulary_read
    def get(self, request: Request, id: int) -> Response:
        drug = drug_get(id=id)
        if drug is None:
            raise exceptions.NotFound()
        return Response(s.DrugDetailSerializer(drug).data)


class ApiNotFoundView(ApiView):
    """Every unmatched ``/api/`` path: a JSON 404 (with a hint when only the trailing slash is missing)."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[type] = []
    schema = None

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        path = request.path
        if not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not ApiNotFoundView:
                raise exceptions.NotFound(f"Not found. Did you mean {path}/ (with a trailing slash)?")
        raise exceptions.NotFound()

    get = post = put = patch = delete = head = _not_found
    options = _not_found  # type: ignore[assignment]  # a 404, not DRF's metadata answer

    @property
    def default_response_headers(self) -> dict[str, str]:
        """No ``Allow``: there is no resource here to allow anything on."""
        headers = dict(super().default_response_headers)
        headers.pop("Allow", None)
        return headers
