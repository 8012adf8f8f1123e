"""Fast unit tests of the drills' own servers (drills.harness); no timed assertions."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from devtools.processes import free_port, port_open
from drills.harness import HungListener, PostgresCluster, RedisServer

needs_redis_server = pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed")
needs_postgres = pytest.mark.skipif(
    not Path("/usr/lib/postgresql").is_dir() and not shutil.which("initdb"), reason="PostgreSQL not installed"
)


def test_a_hung_listener_accepts_and_never_answers() -> None:
    listener = HungListener(free_port()).start()
    try:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            sock.settimeout(0.2)
            with pytest.raises(TimeoutError):
                sock.recv(10)
    finally:
        listener.stop()
    assert not port_open(listener.port)


@needs_redis_server
def test_a_private_redis_server_starts_answers_and_stops(tmp_path: Path) -> None:
    server = RedisServer(tmp_path).start()
    try:
        assert server.ping()
        server.client().set("drill-test", "1")
        assert server.client().get("drill-test") == b"1"
    finally:
        server.stop()
    assert not port_open(server.port)


@needs_redis_server
def test_a_killed_redis_server_stops_answering(tmp_path: Path) -> None:
    server = RedisServer(tmp_path).start()
    server.kill()
    assert not port_open(server.port)


@pytest.mark.slow
@needs_postgres
def test_a_private_postgres_cluster_starts_stops_and_cleans_up() -> None:
    cluster = PostgresCluster().init().start()
    try:
        assert port_open(cluster.port)
        cluster.execute("CREATE DATABASE drill_test")
        cluster.stop()
        assert not port_open(cluster.port)
    finally:
        cluster.destroy()
    assert not cluster.root.exists()
