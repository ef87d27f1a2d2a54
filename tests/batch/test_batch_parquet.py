"""Parquet output: the same results as the JSON Lines output, restartable too."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import batch_data as data
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorkit import batch

pq = pytest.importorskip(
    "pyarrow.parquet", reason="needs the parquet extra: pip install 'mentorkit[parquet]'"
)


ON = data.ON
SPEC: batch.PluginSpec = data.SPEC


def _as_json(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row turned back into the JSON result form."""
    for assessment in row["assessments"]:
        assessment["assessed_on"] = assessment["assessed_on"].isoformat()
        assessment["receipt"] = json.loads(assessment["receipt"] or "null")
        for criterion in assessment["criteria"]:
            criterion["answer"] = json.loads(criterion["answer"] or "null")
    for referral in row["referrals"]:
        referral["proposed_on"] = referral["proposed_on"].isoformat()
        referral["receipt"] = json.loads(referral["receipt"] or "null")
    return row


def _parquet_rows(out: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for part in sorted(out.glob("results-*.parquet")):
        rows.extend(_as_json(row) for row in pq.read_table(part).to_pylist())
    return rows


def _jsonl_rows(out: Path) -> list[dict[str, Any]]:
    text = (out / batch.RESULTS_NAME).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


class _CrashError(Exception):
    pass


class TestParquet:
    """One row per business, nested like the result line; parts sealed at checkpoints."""

    def test_same_results_as_json_lines(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 30, bad_every=9)
        as_json = batch.run_batch(source, tmp_path / "j", on=ON, plugins=SPEC)
        as_parquet = batch.run_batch(
            source, tmp_path / "p", on=ON, plugins=SPEC, format="parquet", checkpoint_every=7
        )
        assert _parquet_rows(tmp_path / "p") == _jsonl_rows(tmp_path / "j")
        assert as_parquet.counts() == as_json.counts()
        # A part per 7 lines read (good or bad): 7, 14, 21, 28, then the last 2.
        assert len(list((tmp_path / "p").glob("results-*.parquet"))) == 5
        assert not (tmp_path / "p" / batch.RESULTS_NAME).exists()
        errors = (tmp_path / "p" / batch.ERRORS_NAME).read_bytes()
        assert errors == (tmp_path / "j" / batch.ERRORS_NAME).read_bytes()

    def test_dates_are_dates(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        data.write(source, 2)
        batch.run_batch(source, tmp_path, on=ON, plugins=SPEC, format="parquet")
        (part,) = tmp_path.glob("results-*.parquet")
        row = pq.read_table(part).to_pylist()[0]
        assert row["assessments"][0]["assessed_on"] == ON
        assert isinstance(row["assessments"][0]["assessed_on"], dt.date)
        assert pq.read_schema(part).equals(batch.parquet_schema())

    @settings(
        max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(crash_at=st.integers(0, 29), every=st.integers(1, 9))
    def test_restart_never_duplicates_or_loses(
        self, tmp_path_factory: pytest.TempPathFactory, crash_at: int, every: int
    ) -> None:
        root = tmp_path_factory.mktemp("pq")
        source = root / "in.jsonl"
        data.write(source, 30, bad_every=11)
        batch.run_batch(source, root / "clean", on=ON, plugins=SPEC, format="parquet")
        original = batch.Processor.process
        seen = {"n": 0}

        def process(self: batch.Processor, raw: bytes, line: int, where: str) -> Any:
            seen["n"] += 1
            if seen["n"] > crash_at:
                raise _CrashError
            return original(self, raw, line, where)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(batch.Processor, "process", process)
            with pytest.raises(_CrashError):
                batch.run_batch(
                    source,
                    root / "out",
                    on=ON,
                    plugins=SPEC,
                    format="parquet",
                    checkpoint_every=every,
                )
        resumed = batch.run_batch(
            source, root / "out", on=ON, plugins=SPEC, format="parquet", checkpoint_every=every
        )
        assert resumed.resumed
        assert _parquet_rows(root / "out") == _parquet_rows(root / "clean")
        assert not list((root / "out").glob(".*.tmp"))
