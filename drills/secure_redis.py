"""A private ``redis-server`` with AUTH (``requirepass``) and TLS only, and certificates made on the spot.

The certificates are made at run time with the ``cryptography`` package: a throw-away CA, a server
certificate for ``127.0.0.1``/``localhost`` signed by it, and a second, unrelated CA (the "wrong" CA a
client must refuse).  Nothing here is a secret: every key dies with the scratch directory.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.processes import LOOPBACK, free_port
from drills.harness import RedisServer

__all__ = ["Certificates", "SecureRedisServer", "make_certificates"]


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path
    wrong_ca: Path


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(common_name: str) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _server_cert(ca_key: Any, ca_cert: Any) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = _key()
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _write(path: Path, cert: Any = None, key: Any = None) -> Path:
    from cryptography.hazmat.primitives import serialization

    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path


def make_certificates(folder: Path) -> Certificates:
    """A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA, as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ca("rxtriage drill CA")
    server_key, server_cert = _server_cert(ca_key, ca_cert)
    _, wrong_cert = _ca("rxtriage unrelated CA")
    return Certificates(
        ca=_write(folder / "ca.pem", cert=ca_cert),
        cert=_write(folder / "redis.pem", cert=server_cert),
        key=_write(folder / "redis.key", key=server_key),
        wrong_ca=_write(folder / "wrong-ca.pem", cert=wrong_cert),
    )


class SecureRedisServer(RedisServer):
    """``redis-server`` listening on TLS only (``--port 0``), clients authenticated by a password."""

    def __init__(self, workdir: Path, certificates: Certificates, port: int | None = None) -> None:
        super().__init__(workdir, port=port or free_port())
        self.certificates = certificates
        self.password = secrets.token_urlsafe(24)

    @property
    def url(self) -> str:
        return f"rediss://{LOOPBACK}:{self.port}/0"

    def listen_args(self) -> list[str]:
        c = self.certificates
        argv = ["--port", "0", "--tls-port", str(self.port)]
        argv += ["--tls-cert-file", str(c.cert), "--tls-key-file", str(c.key)]
        argv += ["--tls-ca-cert-file", str(c.ca), "--tls-auth-clients", "no"]
        return [*argv, "--requirepass", self.password]

    def client(self) -> Any:
        if self._client is None:
            import redis

            self._client = redis.Redis(
                host=LOOPBACK, port=self.port, password=self.password, ssl=True,
                ssl_ca_certs=str(self.certificates.ca), socket_timeout=2, socket_connect_timeout=1,
            )  # fmt: skip
        return self._client
