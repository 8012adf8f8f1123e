"""ASGI entry point (``rxtriage serve`` runs it under gunicorn's ``asgi`` worker).

Under ASGI the server reads a request's body in its event loop and Django reads it in full before a
view runs, so a client that sends half a body holds a coroutine, not a worker (see
docs/reliability.md, "Slow clients").
"""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
# WhiteNoise's static-file responses are synchronous iterators; Django's ASGI handler reads them in a
# thread (correct, for the few static files of the admin and the API docs) and warns each time.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
application = get_asgi_application()
