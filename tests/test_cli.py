"""The ``rxtriage`` console script's own behaviour (beyond the Django commands it runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_production_mode_without_its_settings_is_refused_in_one_line_without_a_traceback(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RXTRIAGE_")}
    env.update(RXTRIAGE_ENV="production", RXTRIAGE_DATA_DIR=str(tmp_path))
    for command in (["check"], ["serve", "--port", "1"]):
        result = subprocess.run(
            [sys.executable, "-m", "rxtriage.cli", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode != 0
        assert len(lines) == 1, result.stderr
        assert "production" in lines[0]
        assert "RXTRIAGE_SECRET_KEY" in lines[0]
        assert result.stdout == ""
