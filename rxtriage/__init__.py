"""rxtriage: prescription triage backend."""

__version__ = "0.1.0"
