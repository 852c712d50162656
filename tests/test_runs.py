"""xltools.runs: each command from its inputs to its written files, as both shells run it."""

from __future__ import annotations

import pytest

from xltools.cli import demo
from xltools.workbooks import privacy
from xltools import runs


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    return demo.build(tmp_path_factory.mktemp("district"))


def test_merge_progress_counts_every_file_once_and_the_rows_merged(inbox, tmp_path):
    seen = []
    run = runs.merge([inbox], tmp_path / "花名册.xlsx", progress=lambda path, rows: seen.append((path, rows)))
    assert sorted(str(p) for p, _ in seen) == sorted(f.path for f in run.result.files)
    assert sum(rows for _, rows in seen) == run.result.totals()["read"]  # the undated .csv too


def test_merge_writes_the_roster_the_statistics_and_the_json_and_masks_only_the_roster(inbox, tmp_path):
    run = runs.merge([inbox], tmp_path / "花名册.xlsx", mask=True, stats_path=tmp_path / "上报统计.xlsx",
                     json_path=tmp_path / "对账.json")
    assert run.output.exists() and run.stats_output.exists() and run.json_output.exists()
    ids = run.written.roster["id_number"].tolist()
    assert ids and all("********" in i for i in ids if i)
    assert run.result.roster["id_number"].tolist() != ids


def test_merge_refuses_to_write_over_one_of_its_inputs(inbox):
    one = next(inbox.rglob("*.xlsx"))
    before = one.read_bytes()
    with pytest.raises(privacy.OutputError):
        runs.merge([inbox], one)
    assert one.read_bytes() == before


def test_source_files_read_as_named_below_the_given_folder(inbox, tmp_path):
    run = runs.merge([inbox], tmp_path / "花名册.xlsx", names_from=inbox.parent)
    assert all(f.path.startswith("报送文件/") for f in run.result.files)
    assert set(run.result.roster["source_file"]) <= {f.path for f in run.result.files}


def test_password_items_by_file_and_one_bare_password_for_the_rest():
    pairs, shared = runs.password_pairs(["收件/教育.xlsx=甲", "口令"])
    assert runs.password_of("别处/教育.xlsx", pairs, shared) == "甲"
    assert runs.password_of("公安.xlsx", pairs, shared) == "口令"
    assert runs.password_of("公安.xlsx", pairs) is None


def test_diff_of_two_kinds_is_refused_with_a_chinese_message(inbox, tmp_path):
    class Book:
        def __init__(self, kind):
            self.kind = kind

    with pytest.raises(ValueError, match="表格类别不同"):
        runs.diff(Book("flow"), Book("left"), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
