"""Requests and the password the console tests use."""

from __future__ import annotations

PASSWORD = "correct horse battery staple 7"

BENIGN = {
    "medications": [{"medicationName": "Paracetamol 500mg"}],
    "symptoms": "mild headache since yesterday",
    "duration": "1 day",
}
URGENT = {
    "medications": [{"medicationName": "Panadol"}],
    "symptoms": "crushing chest pain going to my left arm, no fever",
    "duration": "1 hour",
}
DOCTOR = {"medications": [{"medicationName": "Tramal 100mg"}], "symptoms": "back pain", "duration": "3 weeks"}
