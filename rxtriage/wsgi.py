"""WSGI entry point (``rxtriage serve`` runs it under gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
application = get_wsgi_application()

# Compile the red-flag phrases and word lists when a worker starts, not on a patient's first request.
from rxtriage.triage.redflags import load_red_flag_rules  # noqa: E402

load_red_flag_rules()
