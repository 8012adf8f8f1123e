"""The installed product holds only the product: a wheel built from the checkout carries no benchmark,
drill, evaluation or other development code, and none of its modules reads the test folder."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(ROOT), "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (path,) = out.glob("rxtriage-*.whl")
    return zipfile.ZipFile(path)


def _reads_tests(source: str) -> bool:
    """Whether a module names the test folder in a string (a path it could open)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parts = node.value.replace("\\", "/").split("/")
            if "tests" in parts and (len(parts) > 1 or node.value == "tests"):
                return True
    return False


@pytest.mark.slow
def test_the_wheel_holds_only_the_rxtriage_package(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"rxtriage"}
    tooling = ("bench", "drills", "devtools", "evaluate", "tests")
    parts = {n: Path(n).with_suffix("").parts for n in wheel.namelist()}
    assert [n for n, p in parts.items() if any(part in tooling for part in p)] == []


@pytest.mark.slow
def test_the_wheel_ships_its_data_files(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "rxtriage/triage/data/drug_rules.yaml" in names
    assert any(n.startswith("rxtriage/formulary/data/formulary/") for n in names)


@pytest.mark.slow
def test_no_module_in_the_wheel_reads_the_test_folder(wheel: zipfile.ZipFile) -> None:
    modules = [n for n in wheel.namelist() if n.endswith(".py")]
    assert len(modules) > 50
    assert [n for n in modules if _reads_tests(wheel.read(n).decode("utf-8"))] == []


def test_the_test_folder_check_sees_a_path_into_tests() -> None:
    assert _reads_tests('ROOT / "tests" / "lookup"')
    assert _reads_tests('open("tests/lookup/data/labelled_names.yaml")')
    assert not _reads_tests('"tests may set a rate"')
