"""The test command itself: one script for the README and CI, and both ends of the dependency ranges."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def declared_minimums() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    out = {}
    for dep in deps:
        if ";" in dep and "python_version<'3.11'" in dep.replace(" ", ""):
            continue  # tomli: not installed on the Python the oldest run uses
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)(,\s*<\s*[0-9.]+)?", dep.split(";")[0].strip())
        assert m, f"every dependency declares a lower bound: {dep}"
        out[m.group(1).lower()] = m.group(2)
    return out


def oldest_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "ci" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_oldest_constraints_pin_every_dependency_at_its_declared_minimum():
    from packaging.version import Version

    pins, minimums = oldest_pins(), declared_minimums()
    assert sorted(pins) == sorted(minimums)
    assert {n: Version(v) for n, v in pins.items()} == {n: Version(v) for n, v in minimums.items()}


def test_readme_ci_and_test_script_run_the_same_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## 快速开始", 1)[1].split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert quick == ['pip install -e ".[test]" && xltools demo', "scripts/test.sh"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nscripts/test.sh ||" in ci and "\nscripts/test.sh --oldest ||" in ci
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    for package in ("libreoffice-calc", "libreoffice-writer", "fonts-noto-cjk", "chromium", "chromium-driver"):
        assert package in script
    assert "ci/oldest.txt" in script and 'pip install -q -e ".[test]"' in script


def test_libreoffice_is_installed_for_the_tests_that_need_it():
    """Tests that recalculate or convert with LibreOffice fail (never skip) without it; this one says why."""
    assert shutil.which("soffice") or shutil.which("libreoffice"), \
        "LibreOffice is missing: run the tests with scripts/test.sh, which installs it"
