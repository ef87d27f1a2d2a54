"""The batch reads and writes the same with orjson (extra ``mentorkit[fast]``) as without it."""

import json
from pathlib import Path

import batch_data as data
import pytest

from mentorkit import _json, batch

pytest.importorskip("orjson", reason="the extra mentorkit[fast] is not installed")


def _run(source: Path, out: Path) -> tuple[batch.BatchSummary, list[object], list[str]]:
    summary = batch.run_batch(source, out, on=data.ON, plugins=data.SPEC, fsync=False)
    results = [json.loads(line) for line in (out / batch.RESULTS_NAME).read_text().splitlines()]
    errors = (out / batch.ERRORS_NAME).read_text().splitlines()
    return summary, results, errors


def test_orjson_and_the_standard_library_give_the_same_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    data.write(source, 300, seed=5, bad_every=17)
    big = next(data.records(1, start=900))  # capital beyond 64 bits: orjson alone reads a float
    big["business"]["capital"] = 10**24  # type: ignore[index]
    with open(source, "a", encoding="utf-8") as more:
        more.write(json.dumps(big) + "\n")
        more.write("[NaN]\n")
        more.write("{not json\n")
    assert _json.BACKEND == "orjson"
    fast = _run(source, tmp_path / "fast")

    monkeypatch.setattr("mentorkit.batch._run.dumpb", _json.dumpb_stdlib)
    monkeypatch.setattr("mentorkit.batch._record.loads", _json.loads_stdlib)
    plain = _run(source, tmp_path / "plain")

    assert fast[0].counts() == plain[0].counts()
    assert fast[0].errors == 300 // 17 + 2
    assert fast[1] == plain[1]  # result lines: the same values
    assert fast[2] == plain[2]  # error lines: the very same text
    assert fast[1][-1]["business_id"] == "B-000900"  # type: ignore[index]
