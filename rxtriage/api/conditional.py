"""Cacheable formulary reads: an ETag derived from the formulary version, and 304 Not Modified.

A formulary read (a drug record, a search, a resolution) depends only on the formulary and on the
request's own inputs (path and query), never on who asks.  Its ETag is a hash of the formulary version
as this process knows it (``rxtriage.lookup.cache``: re-read at least every second, at once after a
write in this process), of the code's version, and of the path and sorted query.  Any formulary write
bumps the version, so it changes every ETag; a matching ``If-None-Match`` is answered 304 before the
read is done.

The tag is weak (``W/``): ``refresh_prescription_counts`` re-ranks popularity without a formulary
write, and a copy from before it is still the same formulary.  ``Cache-Control: private`` keeps shared
caches out (the path may hold a typed name); ``max-age`` is ``FORMULARY_HTTP_MAX_AGE`` seconds.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from django.conf import settings
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from rxtriage.formulary.routers import with_replica_fallback

__all__ = ["formulary_etag", "formulary_read"]

View = TypeVar("View", bound=Callable[..., Response])

try:
    _CODE_VERSION = version("rxtriage")
except PackageNotFoundError:  # pragma: no cover - a checkout without an install
    _CODE_VERSION = "0"


def formulary_etag(*, request: Request) -> str:
    """The weak ETag of a formulary read: formulary version, code version, path and sorted query."""
    from rxtriage.lookup.cache import drug_cache

    query = sorted((key, value) for key, values in request.query_params.lists() for value in values)
    material = repr((drug_cache.version(), _CODE_VERSION, request.path, query)).encode("utf-8")
    return f'W/"{hashlib.blake2b(material, digest_size=12).hexdigest()}"'


def _matches(header: str, tag: str) -> bool:
    """Weak comparison (RFC 9110 section 13.1.2): ``*`` or any listed tag with the same opaque part."""
    wanted = tag.removeprefix("W/")
    return any(t == "*" or t.removeprefix("W/") == wanted for t in parse_etags(header))


def _stamp(response: Response, tag: str) -> Response:
    response["ETag"] = tag
    response["Cache-Control"] = f"private, max-age={settings.FORMULARY_HTTP_MAX_AGE}"
    return response


def formulary_read(method: View) -> View:
    """Decorate a GET handler of a formulary read: ETag and Cache-Control on its 200, 304 on a match.

    It runs inside the view's dispatch, so authentication, permissions and throttles come first.  A
    read the read replica fails is done again on the primary.
    """

    @functools.wraps(method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        tag = formulary_etag(request=request)
        if _matches(request.headers.get("If-None-Match", ""), tag):
            return _stamp(Response(status=status.HTTP_304_NOT_MODIFIED), tag)
        response = with_replica_fallback(lambda: method(self, request, *args, **kwargs))
        return _stamp(response, tag) if response.status_code == status.HTTP_200_OK else response

    return wrapper  # type: ignore[return-value]
