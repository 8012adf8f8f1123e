"""Production refuses unsafe settings and says which."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rxtriage.config import proxy_ssl_header


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
        (
            {"RXTRIAGE_SECRET_KEY": "s" * 49, "RXTRIAGE_ALLOWED_HOSTS": "rx.example.org"},
            "RXTRIAGE_SECRET_KEY is shorter than 50 characters",
        ),
        (
            {"RXTRIAGE_SECRET_KEY": "s" * 50, "RXTRIAGE_ALLOWED_HOSTS": "rx.example.org,*"},
            "RXTRIAGE_ALLOWED_HOSTS=* accepts any host",
        ),
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


SAFE = {
    "RXTRIAGE_ENV": "production",
    "RXTRIAGE_SECRET_KEY": "k7#Qm2vX9pL4zR8wT1yB6nF3hJ5cD0gA-secret-for-tests-only-xyz",
    "RXTRIAGE_ALLOWED_HOSTS": "rx.example.org",
    "RXTRIAGE_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
}

_PROBE = """
import django, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "rxtriage.settings"
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
host = {"HTTP_HOST": "rx.example.org"}
plain = client.get("/api/drugs/search/?q=x", **host)
https = client.get("/api/drugs/search/?q=x", HTTP_X_FORWARDED_PROTO="https", **host)
health = client.get("/healthz", **host)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "https": [https.status_code, https.get("Strict-Transport-Security", "")],
    "health": health.status_code,
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def test_production_redirects_to_https_sends_hsts_and_keeps_cookies_secure(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith("RXTRIAGE_")}
    env = {**base, **SAFE, "RXTRIAGE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://rx.example.org/api/drugs/search/?q=x"]
    assert seen["https"][0] == 401 and "max-age=31536000" in seen["https"][1]
    assert "includeSubDomains" in seen["https"][1]
    assert seen["health"] == 200  # probes reach health over plain HTTP
    assert seen["cookies"] == [True, True]


def test_the_deployment_check_passes_in_production_without_a_warning(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith("RXTRIAGE_")}
    env = {**base, **SAFE, "RXTRIAGE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "rxtriage.cli", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", None),
        ("X-Forwarded-Proto: https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("HTTP_X_FORWARDED_PROTO,https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("x-forwarded-ssl: on", ("HTTP_X_FORWARDED_SSL", "on")),
    ],
)
def test_the_trusted_proxy_header_is_read_in_either_form(raw, expected):
    assert proxy_ssl_header(raw) == expected


@pytest.mark.parametrize("raw", ["X-Forwarded-Proto", "X-Forwarded-Proto:", ": https"])
def test_a_malformed_proxy_header_setting_is_refused(raw):
    with pytest.raises(ValueError, match="RXTRIAGE_SECURE_PROXY_SSL_HEADER"):
        proxy_ssl_header(raw)
