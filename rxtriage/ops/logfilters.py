"""Logging filters of rxtriage's logging configuration (settings.py, ``LOGGING``)."""

from __future__ import annotations

import logging

__all__ = ["ClientErrorsAtInfo"]


class ClientErrorsAtInfo(logging.Filter):
    """Django's ``django.request`` logger writes every 4xx at WARNING: a client's mistake (a wrong
    token, an unknown path, a bad body) is not a warning about the service.  Records of responses
    under 500 are lowered to INFO (and dropped if the logger does not log INFO); 5xx stay at ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.levelno == logging.WARNING:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True
