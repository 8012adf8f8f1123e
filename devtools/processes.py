"""Loopback ports, child processes and their clean-up.

Every server a tool starts can be registered: :func:`stop_everything` (also run at exit) stops what
is still running, even when a run fails or is interrupted.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "LOOPBACK",
    "free_port",
    "port_open",
    "register",
    "stop_everything",
    "stop_process",
    "tail",
    "unregister",
    "wait_until",
]

LOOPBACK = "127.0.0.1"


class Stoppable(Protocol):
    def stop(self) -> None: ...


_LIVE: list[Stoppable] = []
_LIVE_LOCK = threading.Lock()


def register(thing: Stoppable) -> None:
    """Stop ``thing`` at exit (or at :func:`stop_everything`) unless it was stopped before."""
    with _LIVE_LOCK:
        if thing not in _LIVE:
            _LIVE.append(thing)


def unregister(thing: Stoppable) -> None:
    with _LIVE_LOCK, contextlib.suppress(ValueError):
        _LIVE.remove(thing)


def stop_everything(keep: Sequence[object] = ()) -> None:
    """Stop every registered server still running (newest first) but those in ``keep``."""
    with _LIVE_LOCK:
        doomed = [thing for thing in reversed(_LIVE) if not any(thing is k for k in keep)]
    for thing in doomed:
        with contextlib.suppress(Exception):
            thing.stop()
        unregister(thing)


atexit.register(stop_everything)


def free_port() -> int:
    """A TCP port free on loopback right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on loopback ``port``."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15.0, sig: int = signal.SIGTERM) -> None:
    """Signal a process (its whole session when it leads one), wait, then kill what is left."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a log file ("" when it cannot be read)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> float | None:
    """Seconds until ``check()`` is true, or None after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(Exception):
            if check():
                return time.monotonic() - start
        time.sleep(interval)
    return None
