"""Parquet output: the same results as the JSON Lines output, restartable too."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import batch_data as data
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorkit import batch
from mentorkit.batch import _parquet

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


def _parts(out: Path) -> list[Path]:
    return sorted(out.glob("results-*.parquet"))


def _parquet_rows(out: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for part in _parts(out):
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

    def test_small_row_groups_across_chunks_and_parts(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Row groups of 5 rows made of batches of at most 3: a group is written
        # when it is full, whatever chunk it is in, and a part ends its last group.
        monkeypatch.setattr(_parquet, "_ROW_GROUP", 5)
        monkeypatch.setattr(_parquet, "_CHUNK", 3)
        held: list[tuple[int, int]] = []
        convert = _parquet.ParquetParts._convert

        def spy(self: _parquet.ParquetParts) -> None:
            held.append((len(self._rows), self._buffered))
            convert(self)

        monkeypatch.setattr(_parquet.ParquetParts, "_convert", spy)
        source = tmp_path / "in.jsonl"
        data.write(source, 30, bad_every=9)
        batch.run_batch(source, tmp_path / "j", on=ON, plugins=SPEC)
        batch.run_batch(
            source, tmp_path / "p", on=ON, plugins=SPEC, format="parquet", checkpoint_every=13
        )
        assert _parquet_rows(tmp_path / "p") == _jsonl_rows(tmp_path / "j")
        groups = [
            [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
            for meta in (pq.ParquetFile(part).metadata for part in _parts(tmp_path / "p"))
        ]
        # 30 lines, 3 bad (9th, 18th, 27th): 12 + 12 + 3 good results per part.
        assert groups == [[5, 5, 2], [5, 5, 2], [3]]
        assert all(rows <= 3 and rows + buffered <= 5 for rows, buffered in held)
        assert max(rows for rows, _buffered in held) == 3

    @settings(
        max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @pytest.mark.parametrize("sizes", [None, (4, 3)], ids=["default-groups", "small-groups"])
    @given(crash_at=st.integers(0, 29), every=st.integers(1, 9))
    def test_restart_never_duplicates_or_loses(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch,
        sizes: tuple[int, int] | None,
        crash_at: int,
        every: int,
    ) -> None:
        if sizes is not None:  # row groups of 4 rows, batches of at most 3
            monkeypatch.setattr(_parquet, "_ROW_GROUP", sizes[0])
            monkeypatch.setattr(_parquet, "_CHUNK", sizes[1])
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


_COMMAND = """
import json, os, sys
from mentorkit import batch
source, out, fmt = sys.argv[1:]
status = batch.main([source, "-o", out, "--on", "2025-06-30", "--format", fmt, *{plugin!r}])
import pyarrow
print(json.dumps([status, os.environ.get("ARROW_DEFAULT_MEMORY_POOL"),
                  pyarrow.default_memory_pool().backend_name]))
"""


class TestCommandAllocator:
    """For Parquet the command has Arrow allocate with malloc, unless the environment says."""

    def _run(self, tmp_path: Path, fmt: str, pool: str | None) -> list[Any]:
        source = tmp_path / "in.jsonl"
        data.write(source, 3)
        env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
        if pool is not None:
            env["ARROW_DEFAULT_MEMORY_POOL"] = pool
        plugin = ["--plugin", *SPEC.plugins, "--no-entry-points"]
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _COMMAND.format(plugin=plugin),
                str(source),
                str(tmp_path / "out"),
                fmt,
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        result: list[Any] = json.loads(done.stdout.splitlines()[-1])
        return result

    def test_parquet_command_uses_malloc(self, tmp_path: Path) -> None:
        assert self._run(tmp_path, "parquet", None) == [0, "system", "system"]

    def test_a_pool_set_in_the_environment_is_kept(self, tmp_path: Path) -> None:
        import pyarrow as pa

        others = [name for name in pa.supported_memory_backends() if name != "system"]
        if not others:
            pytest.skip("this pyarrow has only the system allocator")
        assert self._run(tmp_path, "parquet", others[0]) == [0, others[0], others[0]]

    def test_json_lines_command_leaves_arrow_alone(self, tmp_path: Path) -> None:
        status, variable, _backend = self._run(tmp_path, "jsonl", None)
        assert (status, variable) == (0, None)
