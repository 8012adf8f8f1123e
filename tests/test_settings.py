"""Production refuses unsafe settings and says which."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RXTRIAGE_")}
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='rxtriage.settings'; django.setup()"
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"RXTRIAGE_ALLOWED_HOSTS": "rx.example.org"}, "RXTRIAGE_SECRET_KEY is not set"),
        (
            {
                "RXTRIAGE_SECRET_KEY": "s" * 50,
                "RXTRIAGE_ALLOWED_HOSTS": "rx.example.org",
                "RXTRIAGE_DEBUG": "1",
            },
            "RXTRIAGE_DEBUG is on",
        ),
        ({"RXTRIAGE_SECRET_KEY": "s" * 50}, "RXTRIAGE_ALLOWED_HOSTS is empty"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(env, complaint, tmp_path):
    result = _start({"RXTRIAGE_ENV": "production", "RXTRIAGE_DATA_DIR": str(tmp_path), **env})
    assert result.returncode != 0
    assert complaint in result.stderr


def test_production_starts_with_safe_settings(tmp_path):
    result = _start(
        {
            "RXTRIAGE_ENV": "production",
            "RXTRIAGE_SECRET_KEY": "s" * 50,
            "RXTRIAGE_ALLOWED_HOSTS": "rx.example.org",
            "RXTRIAGE_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
