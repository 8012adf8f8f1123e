"""The repository cites only documents it holds: docs/architecture.md and docs/clinical-basis.md.

Code, data and docs once cited two design documents kept outside the repository; their content now lives
in the two files above.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"\b(?:design|domain)" + r"\.md\b")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".json", ""}
SKIP_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
             ".hypothesis", ".data", "out"}  # fmt: skip


def _files() -> list[str]:
    found = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
            continue
        if path.is_file() and path.suffix in SUFFIXES and path.stat().st_size < 5_000_000:
            found.append(rel.as_posix())
    return sorted(found)


def _citing(paths: list[str]) -> list[str]:
    return [p for p in paths if OUTSIDE.search((ROOT / p).read_text(encoding="utf-8", errors="replace"))]


def test_the_two_documents_exist() -> None:
    assert (ROOT / "docs" / "architecture.md").is_file()
    assert (ROOT / "docs" / "clinical-basis.md").is_file()


def test_nothing_cites_a_document_outside_the_repository() -> None:
    files = _files()
    assert "rxtriage/triage/rules.py" in files
    assert _citing(files) == []
