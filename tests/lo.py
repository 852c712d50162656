"""LibreOffice headless as the test engine: recalculate a workbook, read the values back.

LibreOffice does not recalculate .xlsx formulas on load by default; a private
profile whose registrymodifications.xcu sets OOXMLRecalcMode=0 ("always") makes
it (FACTS.md).  One profile per call, so parallel runs never share one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, out_dir: Path, fmt: str = "xlsx") -> Path:
    """Open ``src`` in LibreOffice, recalculate everything, save as ``fmt`` in ``out_dir``."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: run the tests with scripts/test.sh, "
                           "which installs libreoffice-calc and libreoffice-writer")
    with tempfile.TemporaryDirectory() as prof:
        user = Path(prof) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(XCU, encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        res = subprocess.run([exe, f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                              "--convert-to", fmt, "--outdir", str(out_dir), str(src)],
                             capture_output=True, text=True, timeout=180)
    out = out_dir / (src.stem + "." + fmt.split(":")[0])
    if res.returncode != 0 or not out.exists():
        raise RuntimeError(f"LibreOffice failed on {src}: {res.stdout} {res.stderr}")
    return out
