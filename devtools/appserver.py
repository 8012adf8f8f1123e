"""``rxtriage serve`` (gunicorn) on a free loopback port, as a child process of the tool."""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from devtools.load import http_call
from devtools.processes import LOOPBACK, free_port, register, stop_process, tail, unregister

__all__ = ["AppServer", "rxtriage_argv"]


def rxtriage_argv() -> list[str]:
    """The ``rxtriage`` console script of this interpreter (or ``python -m rxtriage.cli``)."""
    script = Path(sys.executable).parent / "rxtriage"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "rxtriage.cli"]


class AppServer:
    """``rxtriage serve`` on a free loopback port with the given environment, its output in a log file.

    The log goes to ``workdir`` when given (kept), else to a temporary file removed at :meth:`stop`;
    with ``access_log=False`` only gunicorn's error log is kept (a load then writes nothing to disk).
    :meth:`start` returns once ``/healthz`` answers and every worker has booted, so a load is spread
    over all of them from its start.  A started server is stopped at exit if nobody stopped it.
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        workdir: Path | None = None,
        name: str = "app",
        access_log: bool = True,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.env = env
        self.extra_args = list(extra_args)  # more ``rxtriage serve`` options, e.g. ``--worker-class``
        self.access_log = access_log
        self.workers = workers
        self.port = free_port()
        if workdir is None:
            handle, path = tempfile.mkstemp(prefix=f"rxtriage-{name}-serve-", suffix=".log")
            os.close(handle)
            self.log_path, self._own_log = Path(path), True
        else:
            self.log_path, self._own_log = workdir / f"{name}-{self.port}.log", False
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 90.0) -> AppServer:
        argv = [*rxtriage_argv(), "serve", "--host", LOOPBACK, "--port", str(self.port)]
        argv += ["--workers", str(self.workers), *self.extra_args]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                env=self.env,
                stdout=log if self.access_log else subprocess.DEVNULL,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        register(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rxtriage serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_call(self.port, "GET", "/healthz", timeout=1)[0] == 200 and self._booted(deadline):
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"rxtriage serve did not answer within {timeout} s:\n{self.log_tail()}")

    def _booted(self, deadline: float) -> bool:
        """Wait until every worker process exists and has logged its boot line."""
        while time.monotonic() < deadline:
            if len(self.worker_pids()) >= self.workers and self.log().count("Booting worker") >= self.workers:
                time.sleep(0.5)  # the last worker imports the app after its boot line
                return True
            time.sleep(0.1)
        return False

    def worker_pids(self) -> list[int]:
        """The process ids of gunicorn's workers (the children of the master)."""
        if self.proc is None:
            return []
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 15) -> str:
        return tail(self.log_path, lines)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=25)
        unregister(self)
        if self._own_log:
            self.log_path.unlink(missing_ok=True)
