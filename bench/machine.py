"""The machine's conditions, recorded beside every result (this machine is shared and noisy)."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["cpu_shares", "cpu_times", "machine_conditions", "service_versions"]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _meminfo() -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0]) // 1024
    except (OSError, ValueError):
        pass
    return out


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


_CPU_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def cpu_times() -> dict[str, int] | None:
    """The machine's CPU time so far, by state (``/proc/stat``, clock ticks); None where there is none."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if first[:1] != ["cpu"]:
        return None
    return dict(zip(_CPU_FIELDS, map(int, first[1:]), strict=False))


def cpu_shares(before: dict[str, int] | None, after: dict[str, int] | None) -> dict[str, float] | None:
    """Each CPU state's share of the machine's time between two ``cpu_times()`` (busy: user to softirq).

    ``steal`` is time the hypervisor gave another guest while this one wanted to run, ``iowait`` time
    idle with a disk read or write outstanding: either, when high, explains slow samples that the
    code does not (the bench's table prints both for every run)."""
    if not before or not after:
        return None
    delta = {key: after.get(key, 0) - before.get(key, 0) for key in _CPU_FIELDS}
    total = sum(delta.values())
    if total <= 0:
        return None
    busy = sum(delta[key] for key in ("user", "nice", "system", "irq", "softirq"))
    return {
        "busy": round(busy / total, 3),
        "iowait": round(delta["iowait"] / total, 3),
        "steal": round(delta["steal"] / total, 3),
    }


def machine_conditions() -> dict[str, Any]:
    memory = _meminfo()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    affinity: int | None
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "load": load,
        "mem_total_mb": memory.get("MemTotal"),
        "mem_available_mb": memory.get("MemAvailable"),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "django": _version("django"),
        "djangorestframework": _version("djangorestframework"),
        "gunicorn": _version("gunicorn"),
        "redis_py": _version("redis"),
        "psycopg": _version("psycopg"),
        "rxtriage": _version("rxtriage"),
    }


def service_versions(database_url: str | None, redis_url: str | None) -> dict[str, Any]:
    """PostgreSQL's and Redis's server versions (None where not used)."""
    out: dict[str, Any] = {"postgresql": None, "redis": None}
    if database_url:
        try:
            import psycopg

            admin = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
            with psycopg.connect(admin, connect_timeout=3) as conn:
                out["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        except Exception as exc:
            out["postgresql"] = f"unknown ({type(exc).__name__})"
    if redis_url:
        try:
            import redis

            client = redis.Redis.from_url(redis_url, socket_timeout=1.0)
            out["redis"] = client.info("server").get("redis_version")
            client.close()
        except Exception as exc:
            out["redis"] = f"unknown ({type(exc).__name__})"
    return out
