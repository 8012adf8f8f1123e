"""Per-user throttling on its own cache alias (``throttle``)."""

from django.core.cache import caches
from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    cache = caches["throttle"]
