"""ASGI entry point (``rxtriage serve`` runs it under gunicorn's ``asgi`` worker).

Under ASGI the server reads a request's body in its event loop and Django reads it in full before a
view runs, so a client that sends half a body holds a coroutine, not a worker (see
docs/reliability.md, "Slow clients").
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
application = get_asgi_application()
