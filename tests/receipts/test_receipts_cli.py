"""The ``whatif`` and ``whynot`` click commands, on JSON Lines files."""

import datetime as dt
import json
from pathlib import Path

import pytest
import receipts_pack as pack

import mentorkit as mk

click_testing = pytest.importorskip("click.testing")

from mentorkit.cli._whatif import whatif, whynot  # noqa: E402  # needs click (skipped above)

PACK = ["--plugin", "no-installed-plugin", "--load", "receipts_pack:ReceiptsPlugin"]


def _write(tmp_path: Path) -> tuple[Path, Path]:
    businesses = [
        mk.Business(
            id=ident,
            name=f"Usaha {ident}",
            owner=mk.Person(name="Pemilik", nik="3674011234560001"),
            sector=mk.Sector.CRAFT,
            district="Ciputat",
            founded=dt.date(2020, 1, 1),
            annual_sales=100_000_000,
            financing_need=10_000_000,
            nib="1234567890123",
        )
        for ident in ("b-mid", "b-top")
    ]
    answers = {"b-mid": (True, 0, "guess"), "b-top": (True, 4, "cost-plus")}
    observations = [
        mk.Observation(ident, "bookkeeping", criterion, value, pack.ON)
        for ident, values in answers.items()
        for criterion, value in zip(
            ("separate-money", "cash-records", "pricing"), values, strict=True
        )
    ]
    b_file = tmp_path / "businesses.jsonl"
    o_file = tmp_path / "observations.jsonl"
    b_file.write_text("\n".join(mk.dumps(b) for b in businesses) + "\n", encoding="utf-8")
    o_file.write_text("\n".join(mk.dumps(o) for o in observations) + "\n", encoding="utf-8")
    return b_file, o_file


class TestWhatIfCommand:
    """``mentorkit whatif`` prints what a candidate pack would change."""

    def test_a_stricter_candidate_is_compared(self, tmp_path: Path) -> None:
        b_file, o_file = _write(tmp_path)
        result = click_testing.CliRunner().invoke(
            whatif,
            [str(b_file), str(o_file), "--on", "2025-06-01", *PACK,
             "--without", "receipts_pack:ReceiptsPlugin",
             "--with", "receipts_pack:StricterPlugin"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "b-mid\tbookkeeping: developing -> basic\treferrals:" in result.output
        assert "b-top" not in result.output.split("candidate pack")[1].split("businesses")[0]
        assert "2 businesses compared on 2025-06-01; 1 would change." in result.output
        assert "3674011234560001" not in result.output

    def test_json_output_lists_every_business(self, tmp_path: Path) -> None:
        b_file, o_file = _write(tmp_path)
        result = click_testing.CliRunner().invoke(
            whatif,
            [str(b_file), str(o_file), "--on", "2025-06-01", *PACK, "--all", "--json"],
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["current_pack"] == data["candidate_pack"]
        assert [row["business_id"] for row in data["rows"]] == ["b-mid", "b-top"]

    def test_a_bad_plugin_spec_is_a_usage_error(self, tmp_path: Path) -> None:
        b_file, _ = _write(tmp_path)
        result = click_testing.CliRunner().invoke(
            whatif, [str(b_file), "--on", "2025-06-01", *PACK, "--with", "no_such_module:X"]
        )
        assert result.exit_code == 2
        assert "no_such_module:X" in result.output


class TestWhyNotCommand:
    """``mentorkit whynot`` explains a non-referral in English or Indonesian."""

    def test_the_nearest_change_is_printed(self, tmp_path: Path) -> None:
        b_file, o_file = _write(tmp_path)
        result = click_testing.CliRunner().invoke(
            whynot,
            [str(b_file), str(o_file), "--business", "b-mid", "--unit", "marketing",
             "--on", "2025-06-01", *PACK, "--fact", "case.has_prospects=true", "--lang", "id"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "b-mid: akan dirujuk ke Pemasaran jika tingkat Pembukuan ≥ established" in (
            result.output
        )
        assert "NO tingkat Pembukuan ≥ established  [now: developing]" in result.output
        assert "ok prospektif = ya  [now: ya]" in result.output

    def test_an_unknown_business_is_an_error(self, tmp_path: Path) -> None:
        b_file, o_file = _write(tmp_path)
        result = click_testing.CliRunner().invoke(
            whynot,
            [str(b_file), str(o_file), "--business", "b-none", "--unit", "capital",
             "--on", "2025-06-01", *PACK],
        )  # fmt: skip
        assert result.exit_code == 1
        assert "no business 'b-none'" in result.output
