"""Regenerate the committed blank templates in templates/ (both kinds, both profiles).

    python scripts/make_templates.py

tests/test_templates.py fails when the committed files differ from what this
writes, so run it after changing the schema, a profile or the template code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from xltools.core import profiles
from xltools.ops import templates

OUT = Path(__file__).resolve().parent.parent / "templates"
UNIT = "（填报单位）"


def expected() -> dict[str, tuple[str, str]]:
    """File name → (kind, profile) of every committed template."""
    return {f"{p}_{templates.template_name(k, UNIT)}": (k, p) for p in profiles.available() for k in ("flow", "left")}


def write(out: Path = OUT) -> list[Path]:
    out.mkdir(exist_ok=True)
    return [templates.build_template(out / name, k, p, UNIT) for name, (k, p) in expected().items()]


if __name__ == "__main__":
    for path in write():
        print(path)
    sys.exit(0)
