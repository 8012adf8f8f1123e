"""Container health check: exit 0 when GET URL answers 200 within 4 s, else 1 (standard library only).

The request names ``localhost`` as its host: keep ``localhost`` in ``RXTRIAGE_ALLOWED_HOSTS``.
"""

import sys
import urllib.request

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/readyz"

try:
    request = urllib.request.Request(URL, headers={"Host": "localhost"})
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception:
    sys.exit(1)
