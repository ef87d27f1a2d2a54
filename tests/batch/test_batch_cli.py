"""``python -m mentorkit.batch``: summary on stdout, exit status by outcome."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mentorkit import batch

PLUGIN = ["--plugin", "mentorkit.testing.sample:SamplePlugin", "--no-entry-points"]


def _write(path: Path, lines: list[object]) -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


BUSINESS = {
    "id": "B-1",
    "name": "Kue",
    "owner": {"name": "Siti"},
    "sector": "culinary",
    "district": "Setu",
}


class TestBatchCommand:
    """Exit 0 when every line is assessed, 1 with bad lines, 2 when the batch cannot run."""

    def test_all_good_exits_0_and_prints_the_counts(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        _write(tmp_path / "in.jsonl", [BUSINESS, {**BUSINESS, "id": "B-2"}])
        status = batch.main(
            [str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out"), "--on", "2025-06-30", *PLUGIN]
        )
        summary = json.loads(capsys.readouterr().out)
        assert status == 0
        assert summary["records"] == summary["results"] == 2
        assert summary["errors"] == 0
        assert (tmp_path / "out" / batch.RESULTS_NAME).exists()

    def test_bad_lines_exit_1(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        _write(tmp_path / "in.jsonl", [BUSINESS, {"id": "B-2"}])
        status = batch.main(
            [str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out"), "--on", "2025-06-30", *PLUGIN]
        )
        assert status == 1
        assert json.loads(capsys.readouterr().out)["errors"] == 1

    def test_a_batch_that_cannot_run_exits_2_with_a_message(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status = batch.main(
            [str(tmp_path / "missing.jsonl"), "-o", str(tmp_path), "--on", "2025-06-30", *PLUGIN]
        )
        assert status == 2
        assert "mentorkit batch: error:" in capsys.readouterr().err

    def test_a_bad_date_is_a_usage_error(self, tmp_path: Path) -> None:
        with pytest.raises(SystemExit) as stopped:
            batch.main([str(tmp_path), "-o", str(tmp_path), "--on", "30/06/2025"])
        assert stopped.value.code == 2

    def test_runs_as_a_module(self, tmp_path: Path) -> None:
        _write(tmp_path / "in.jsonl", [BUSINESS])
        command = [sys.executable, "-m", "mentorkit.batch", str(tmp_path / "in.jsonl")]
        done = subprocess.run(
            [*command, "-o", str(tmp_path / "out"), "--on", "2025-06-30", *PLUGIN],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["results"] == 1
