"""What a new server worker builds before it takes its first request.

A worker builds several things on first use: the URL patterns (importing every view), the red-flag
matcher (phrase lists, lexicon, automaton), the formulary's known names and, at a formulary small
enough for it, the in-process fuzzy index.  Built lazily, they cost the first patients a new worker
serves some 0.3-0.4 s, after every deploy and every ``--max-requests`` recycling of a worker.
``rxtriage serve`` calls :func:`warm_worker` from gunicorn's ``post_worker_init`` hook, in the worker,
before it accepts a connection.

Each part is independent: one that fails (PostgreSQL not answering yet, say) is logged at WARNING and
left to be built on first use, as before; the worker starts either way.  No patient data is involved:
the red-flag matcher is warmed with a fixed phrase, and the lookup builds only what it derives from
the formulary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

#: A fixed text the red-flag scan is warmed with (never a patient's).
WARM_TEXT = "chest pain and headache for 2 days, temperature 38.5"


def _urls() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URLconf and every view it names)


def _red_flags() -> None:
    from rxtriage.triage.redflags import find_red_flags

    find_red_flags(WARM_TEXT)


def _lookup() -> None:
    from rxtriage.lookup.api import default_lookup

    default_lookup.prepare()


PARTS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("urls", _urls),
    ("red_flags", _red_flags),
    ("lookup", _lookup),
)


def warm_worker() -> dict[str, float | None]:
    """Build what the first request would; per part the milliseconds it took, or None if it failed."""
    took: dict[str, float | None] = {}
    for name, build in PARTS:
        start = time.perf_counter()
        try:
            build()
        except Exception as exc:  # never stop a worker from starting: the part is built on first use
            took[name] = None
            logger.warning("worker warm-up: %s not built (%s); built on first use", name, type(exc).__name__)
        else:
            took[name] = round((time.perf_counter() - start) * 1000, 1)
    logger.info("worker warmed: %s", ", ".join(f"{k} {v} ms" for k, v in took.items()))
    return took
