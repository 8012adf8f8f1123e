"""Redis AUTH and TLS against a real redis-server (``requirepass``, TLS only), certificates made here.

The right password and CA serve the drug cache; a wrong password or an untrusted CA fails closed:
answers still come (from the database), the breaker opens, and ``/readyz`` and ``cache_stats`` say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.test import Client

from drills.secure_redis import SecureRedisServer, make_certificates
from rxtriage.config import redis_cache
from rxtriage.lookup.api import lookup_many
from rxtriage.lookup.cache import TierStats, drug_cache

# Generous timeouts: a TLS handshake on a busy shared machine can take longer than the 50 ms default.
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def secure_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureRedisServer]:
    if shutil.which("redis-server") is None:
        if os.environ.get("RXTRIAGE_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    folder = tmp_path_factory.mktemp("secure-redis")
    server = SecureRedisServer(folder, make_certificates(folder / "certs")).start()
    yield server
    server.stop()


@pytest.fixture
def use_redis(settings: Any) -> Iterator[Any]:
    """Point the process's drug cache at a cache alias built by ``redis_cache(...)`` for one test."""
    saved = (drug_cache.redis_alias, drug_cache._client, drug_cache.stats)

    def use(url: str, **options: Any) -> None:
        alias = f"drugs_secure_{len(settings.CACHES)}"
        settings.CACHES = {**settings.CACHES, alias: redis_cache(url, TIMEOUT, TIMEOUT, **options)}
        drug_cache.redis_alias, drug_cache._client = alias, None
        drug_cache.stats = {"l1": TierStats(), "l2": TierStats()}
        drug_cache.breaker.success()
        drug_cache.last_error = None

    yield use
    drug_cache.redis_alias, drug_cache._client, drug_cache.stats = saved
    drug_cache.breaker.success()
    drug_cache.last_error = None


def _db(server: SecureRedisServer, n: int) -> str:
    """The server's URL on database ``n`` (django-redis pools connections per URL: one URL per case)."""
    return server.url.rsplit("/", 1)[0] + f"/{n}"


def _cache_stats() -> dict[str, Any]:
    out = StringIO()
    call_command("cache_stats", "--json", stdout=out)
    return dict(json.loads(out.getvalue()))


def _resolve_twice() -> list[str]:
    first = lookup_many(names=["Panadol 500mg", "amoxicilin"])
    drug_cache.l1_clear()
    second = lookup_many(names=["Panadol 500mg", "amoxicilin"])
    assert [r.as_dict()["drug"] for r in first] == [r.as_dict()["drug"] for r in second]
    return [str(r.generic_name) for r in second]


@pytest.mark.django_db
def test_the_right_password_and_ca_serve_the_drug_cache_over_tls(secure_redis, use_redis, formulary):
    use_redis(_db(secure_redis, 1), password=secure_redis.password, ca_cert=str(secure_redis.certificates.ca))
    names = _resolve_twice()
    assert names == ["paracetamol", "amoxicillin"]
    assert drug_cache.stats["l2"].hits >= 2
    assert drug_cache.stats["l2"].errors == 0
    own = redis.Redis.from_url(
        _db(secure_redis, 1), password=secure_redis.password, ssl_ca_certs=str(secure_redis.certificates.ca)
    )
    keys = list(own.scan_iter(match=drug_cache.prefix + "*"))
    own.close()
    assert keys, "the lookup wrote its entries to the TLS server"
    stats = _cache_stats()
    assert stats["l2"]["status"] == "ok"
    assert stats["l2"]["last_error"] is None
    ready = Client().get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "kind"),
    [("wrong password", "auth"), ("no password", "auth"), ("untrusted CA", "tls")],
)
def test_a_wrong_password_or_ca_fails_closed_to_the_database_and_is_reported(
    secure_redis, use_redis, formulary, case, kind
):
    certs = secure_redis.certificates
    options = {
        "wrong password": {"password": "not-the-password", "ca_cert": str(certs.ca)},
        "no password": {"ca_cert": str(certs.ca)},
        "untrusted CA": {"password": secure_redis.password, "ca_cert": str(certs.wrong_ca)},
    }[case]
    use_redis(_db(secure_redis, {"wrong password": 2, "no password": 3, "untrusted CA": 4}[case]), **options)

    assert _resolve_twice() == ["paracetamol", "amoxicillin"]  # answers still come, from the database
    assert drug_cache.stats["l2"].hits == 0
    assert drug_cache.stats["l2"].errors >= 1
    assert drug_cache.breaker.state != "closed"
    assert drug_cache.last_error == kind

    ready = Client().get("/readyz")
    assert ready.status_code == 200  # the database answers: still ready
    assert (
        ready.json()["checks"]["redis"].startswith("unavailable") and kind in ready.json()["checks"]["redis"]
    )
    stats = _cache_stats()
    assert stats["l2"]["status"].startswith("unavailable")
    assert stats["l2"]["last_error"] == kind


def test_a_password_in_the_url_wins_over_redis_password():
    config = redis_cache("redis://:inurl@127.0.0.1:6379/0", 0.05, 0.05, password="fromenv")
    assert "PASSWORD" not in config["OPTIONS"]
    config = redis_cache("redis://127.0.0.1:6379/0", 0.05, 0.05, password="fromenv")
    assert config["OPTIONS"]["PASSWORD"] == "fromenv"


def test_a_ca_bundle_without_a_tls_url_refuses_to_start(tmp_path: Path):
    from django.core.exceptions import ImproperlyConfigured

    bundle = tmp_path / "ca.pem"
    bundle.write_text("-")
    with pytest.raises(ImproperlyConfigured, match="rediss://"):
        redis_cache("redis://127.0.0.1:6379/0", 0.05, 0.05, ca_cert=str(bundle))
    with pytest.raises(ImproperlyConfigured, match="no readable file"):
        redis_cache("rediss://127.0.0.1:6379/0", 0.05, 0.05, ca_cert=str(tmp_path / "missing.pem"))


def test_the_environment_sets_the_password_and_ca_of_the_drug_cache(tmp_path: Path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RXTRIAGE_", "REDIS_", "DATABASE_"))}
    env.update(
        RXTRIAGE_DATA_DIR=str(tmp_path),
        REDIS_URL="rediss://cache.internal:6379/0",
        REDIS_PASSWORD="s3cret",
        REDIS_CA_CERT=str(bundle),
        DJANGO_SETTINGS_MODULE="rxtriage.settings",
    )
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "o = settings.CACHES['drugs']['OPTIONS']; "
        "print(json.dumps([o['PASSWORD'], o['CONNECTION_POOL_KWARGS']['ssl_ca_certs']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["s3cret", str(bundle)]
